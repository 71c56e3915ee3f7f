-- wrk script for deploy/bench/intake.sh: POSTs one new, unique alert per request, either to rrm
-- intake or to Prometheus Alertmanager, and counts the answers by status.
--
--   wrk -s deploy/bench/alerts.lua http://127.0.0.1:8081/api/v1/alerts -- intake TOKEN SEED
--   wrk -s deploy/bench/alerts.lua http://127.0.0.1:9093/api/v2/alerts -- alertmanager - SEED
--
-- Every title (intake) and label set (Alertmanager) carries the seed, the thread number and a
-- per-thread counter, so no request repeats another: intake's duplicate detection never merges
-- two, and Alertmanager never folds one alert into another. Accepted means 201 Created for
-- intake (200 would be a duplicate), any 2xx for Alertmanager.
--
-- done() prints one line for the calling script:
--   bench requests=N accepted=N rejected=N connect=N read=N write=N timeout=N duration_us=N
--         p50_us=N p99_us=N max_us=N statuses=CODE:N,... unanswered=N silent_s=N
-- and, when some request was rejected, "bench first_rejected=STATUS BODY" (the first one seen).
-- wrk counts a timeout only when a late answer finally arrives; a request never answered is
-- counted nowhere. Hence unanswered (requests sent without an answer when the run ended; up to
-- one per connection is normal) and silent_s (seconds since the last answer on any connection,
-- to the second): a server that stopped answering shows a silence as long as the stall.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local regions = { "europe", "middle-east", "north-africa", "south-asia", "west-africa", "balkans" }
local topics = { "religion", "media", "migration", "elections", "policing", "sport" }
local severities = { "low", "medium", "high", "critical" }
local events = {
  "Holy book burned outside a place of worship",
  "Riot after a disputed football match",
  "Viral video blames migrants for a stabbing",
  "Election rally ends in clashes between communities",
  "Cartoon of a prophet reprinted by a national newspaper",
  "Police raid on a community centre sparks protests",
}

function init(args)
  mode = args[1]
  token = args[2]
  seed = args[3] or tostring(os.time())
  if mode ~= "intake" and mode ~= "alertmanager" then
    error("first argument after -- must be intake or alertmanager, not " .. tostring(mode))
  end
  n = 0
  accepted = 0
  rejected = 0
  statuses = {}
  first_rejected = nil
  started = os.time()
  last_answer = started
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if mode == "intake" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

-- The i-th element of list (cycling), for varied but reproducible bodies.
local function pick(list, i)
  return list[(i % #list) + 1]
end

function request()
  n = n + 1
  local ref = string.format("%s t%d n%d", seed, id, n)
  local event = pick(events, n)
  local region, other = pick(regions, n), pick(regions, n + 3)
  local topic = pick(topics, n + id)
  local severity = pick(severities, n)
  local summary = event .. "; footage is spreading on social media and community leaders "
    .. "blame each other. Local reporters expect protests this weekend."
  local body
  if mode == "intake" then
    body = string.format(
      '{"title":"%s %s","summary":"%s","regions":["%s","%s"],"topics":["%s","media"],'
        .. '"severity":"%s"}',
      event, ref, summary, region, other, topic, severity)
  else
    body = string.format(
      '[{"labels":{"alertname":"PolarisingEvent","ref":"%s","region":"%s","topic":"%s",'
        .. '"severity":"%s"},"annotations":{"title":"%s","summary":"%s"},'
        .. '"generatorURL":"http://127.0.0.1/alerts"}]',
      ref, region, topic, severity, event, summary)
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  last_answer = os.time()
  statuses[status] = (statuses[status] or 0) + 1
  local ok
  if mode == "intake" then
    ok = status == 201
  else
    ok = status >= 200 and status < 300
  end
  if ok then
    accepted = accepted + 1
  else
    rejected = rejected + 1
    if first_rejected == nil then
      first_rejected = status .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local acc, rej, sent, last, codes, first = 0, 0, 0, 0, {}, nil
  for _, thread in ipairs(threads) do
    acc = acc + thread:get("accepted")
    rej = rej + thread:get("rejected")
    sent = sent + thread:get("n")
    last = math.max(last, thread:get("last_answer"))
    for code, count in pairs(thread:get("statuses")) do
      codes[code] = (codes[code] or 0) + count
    end
    first = first or thread:get("first_rejected")
  end
  local list = {}
  for code, count in pairs(codes) do
    table.insert(list, code .. ":" .. count)
  end
  table.sort(list)
  local e = summary.errors
  io.write(string.format(
    "bench requests=%d accepted=%d rejected=%d connect=%d read=%d write=%d timeout=%d "
      .. "duration_us=%d p50_us=%d p99_us=%d max_us=%d statuses=%s unanswered=%d silent_s=%d\n",
    summary.requests, acc, rej, e.connect, e.read, e.write, e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max, table.concat(list, ","),
    -- wrk calls request() once more, in the first thread, to check the script: never sent.
    math.max(sent - 1 - acc - rej, 0), os.time() - last))
  if first then
    io.write("bench first_rejected=" .. string.gsub(first, "\n", " ") .. "\n")
  end
end
