#!/usr/bin/env bash
# Intake throughput benchmark (SPEC §7): accepted alerts per second, each durably stored and
# published, beside Prometheus Alertmanager's accepted alerts per second under the same load.
# Target: intake ≥ Alertmanager (ratio ≥ 1.0).
#
# For each connection count, one after the other (never both at once, they share the cores):
#   1. a fresh rrm-intake (own RabbitMQ vhost, own data dir) takes new, unique alerts from wrk
#      (deploy/bench/alerts.lua) for DURATION; only 201 Created counts as accepted. Then the
#      script waits until intake's outbox is drained: rrm_outbox_pending is 0 and
#      rrm_events_published_total{type="alert.raised"} has reached the accepted count (broker
#      confirms). Intake's rate = accepted / (load time + drain time).
#   2. a fresh Alertmanager (in memory, one null receiver, no clustering) takes the same load from
#      the same wrk threads and connections; its rate = 2xx answers / load time.
# It reports; missing the target is not an error. It exits non-zero when a request fails (non-2xx,
# a wrk connect/read/write/timeout error), a server stops answering (no answer for WRK_TIMEOUT
# seconds, or none to one more alert after the run) or intake does not drain within DRAIN_TIMEOUT.
#
# Needs a running RabbitMQ (./deploy/test.sh starts one) and rabbitmqctl; installs wrk and
# prometheus-alertmanager when missing (Debian, as root or through sudo). Intake's data dir is
# under $TMPDIR (default /tmp), which must be on disk for "durably stored" to mean anything.
#
#   ./deploy/bench/intake.sh                                # release build, 32 connections, 10 s
#   CONNECTIONS="4 32 128" ./deploy/bench/intake.sh         # one row per connection count
#   PROFILE=debug DURATION=30s THREADS=2 ./deploy/bench/intake.sh
#   DRAIN_TIMEOUT=60 WRK_TIMEOUT=2 ./deploy/bench/intake.sh   # seconds; the defaults
set -euo pipefail

# shellcheck source=deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$RRM_ROOT"

profile="${PROFILE:-release}"
connections="${CONNECTIONS:-32}"
duration="${DURATION:-10s}"
threads="${THREADS:-2}"
drain_timeout="${DRAIN_TIMEOUT:-60}"
wrk_timeout="${WRK_TIMEOUT:-2}"
script="deploy/bench/alerts.lua"

for c in $connections; do
    [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be positive integers separated by spaces, not '$connections'"
done
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer, not '$threads'"
[[ "$drain_timeout" =~ ^[1-9][0-9]*$ ]] || die "DRAIN_TIMEOUT must be whole seconds, not '$drain_timeout'"
[[ "$wrk_timeout" =~ ^[1-9][0-9]*$ ]] || die "WRK_TIMEOUT must be whole seconds, not '$wrk_timeout'"

# wrk and Alertmanager, from the distribution, when missing.
ensure_bench_tools() {
    local missing=()
    command -v wrk >/dev/null 2>&1 || missing+=(wrk)
    command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]}, and this is not a Debian-like system: install them by hand"
    log "installing ${missing[*]} (apt-get)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    for tool in wrk prometheus-alertmanager curl; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool is still missing after apt-get install"
    done
}

ensure_bench_tools
[ -x "$RABBITMQCTL" ] || die "rabbitmqctl is missing: install rabbitmq-server (./deploy/test.sh does)"
broker_app_running || die "RabbitMQ is not running: start it first (./deploy/test.sh does)"
ensure_cargo

if [[ "$profile" == debug ]]; then
    cargo build --quiet -p rrm-intake
else
    cargo build --quiet --profile "$profile" -p rrm-intake
fi
intake_bin="${CARGO_TARGET_DIR:-target}/$profile/rrm-intake"
[ -x "$intake_bin" ] || die "$intake_bin was not built"
am_version="$(prometheus-alertmanager --version 2>&1 | head -n 1)"

work="$(mktemp -d)"
if [[ "$(stat -f -c %T "$work")" == tmpfs ]]; then
    warn "$work is on tmpfs, where flushing to disk costs nothing: set TMPDIR to a directory on disk"
fi
pids=()
vhosts=()
cleanup() {
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    for vhost in "${vhosts[@]}"; do rmq -q delete_vhost "$vhost" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }

free_port() {
    local port=$1
    while port_in_use "$port"; do port=$((port + 1)); done
    echo "$port"
}

# Stops PID: TERM, up to 10 s to finish, then KILL (a stalled process may never finish).
stop_pid() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        warn "process $pid did not stop within 10 s of SIGTERM; killing it"
        kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    untrack "$pid"
}

# Forgets PID (it has ended): cleanup no longer stops it.
untrack() {
    local kept=() p
    for p in "${pids[@]}"; do [[ "$p" == "$1" ]] || kept+=("$p"); done
    pids=("${kept[@]}")
}

# Waits up to 30 s for URL to answer 2xx; shows LOG and fails otherwise.
await_ready() {
    local url=$1 logfile=$2 name=$3 deadline=$((SECONDS + 30))
    until curl -fs --max-time 1 -o /dev/null "$url"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 20 "$logfile" >&2
            die "$name not ready after 30 s"
        fi
        sleep 0.05
    done
}

# Runs wrk against URL with MODE (intake/alertmanager) and TOKEN at CONNS connections; keeps its
# output in OUT and puts the figures of its "bench ..." line into the array `res`.
declare -A res
run_wrk() {
    local url=$1 mode=$2 token=$3 conns=$4 out=$5 t=$threads line kv wrk_pid
    ((t <= conns)) || t=$conns # wrk wants at least one connection per thread
    ((conns % t == 0)) || warn "wrk opens $((conns / t)) connections per thread: $((conns / t * t)), not $conns"
    # In the background: wrk ends early on Ctrl-C and exits 0, which a foreground wait would take
    # as handled; `wait` returns at once and the INT trap runs.
    wrk -t "$t" -c "$conns" -d "$duration" --timeout "${wrk_timeout}s" -s "$script" "$url" \
        -- "$mode" "$token" "$seed" >"$out" 2>&1 &
    wrk_pid=$!
    pids+=("$wrk_pid")
    wait "$wrk_pid" || {
        cat "$out" >&2
        die "wrk failed against $mode"
    }
    untrack "$wrk_pid"
    line="$(grep '^bench requests=' "$out")" || {
        cat "$out" >&2
        die "wrk printed no figures for $mode"
    }
    res=()
    for kv in ${line#bench }; do res[${kv%%=*}]=${kv#*=}; done
    res[first_rejected]="$(sed -n 's/^bench first_rejected=//p' "$out")"
}

# Whether the server kept answering to the end of the last run_wrk: false after WRK_TIMEOUT (at
# least 2) seconds without any answer. Measured to the second only, so 1 s of silence is normal.
answering() { ((res[silent_s] < wrk_timeout || res[silent_s] < 2)); }

# Whatever went wrong in the last run_wrk, in words; empty when nothing did.
wrk_errors() {
    local what=()
    ((res[rejected] == 0)) || what+=("${res[rejected]} rejected (statuses ${res[statuses]}; first: ${res[first_rejected]})")
    ((res[connect] == 0)) || what+=("${res[connect]} connect errors")
    ((res[read] == 0)) || what+=("${res[read]} read errors")
    ((res[write] == 0)) || what+=("${res[write]} write errors")
    ((res[timeout] == 0)) || what+=("${res[timeout]} answers later than $wrk_timeout s (wrk timeouts)")
    # wrk never counts a request that gets no answer at all: the script's silence measure does.
    answering || what+=("stopped answering: no answer in the last ${res[silent_s]} s of the run, ${res[unanswered]} requests left unanswered")
    local out="" w
    for w in "${what[@]}"; do out="${out:+$out; }$w"; done
    echo "$out"
}

# A sample's value in the Prometheus text at FILE, by its exact name and labels.
metric() { awk -v m="$1" '$1 == m { print $2 }' "$2"; }

# Polls intake's /metrics at URL until its outbox is empty and ACCEPTED alert.raised events are
# confirmed by the broker; sets drain_s. Fails after DRAIN_TIMEOUT seconds.
await_drained() {
    local url=$1 accepted=$2 t0 pending published state
    t0=$(now_ns)
    while :; do
        if curl -fs --max-time 2 -o "$work/metrics" "$url/metrics"; then
            pending="$(metric rrm_outbox_pending "$work/metrics")"
            published="$(metric 'rrm_events_published_total{type="alert.raised"}' "$work/metrics")"
            if [ -n "$pending" ] && awk -v p="$pending" -v pub="${published:-0}" -v a="$accepted" \
                'BEGIN { exit !(p == 0 && pub >= a) }'; then
                drain_s="$(awk -v ns="$(($(now_ns) - t0))" 'BEGIN { printf "%.2f", ns / 1e9 }')"
                return 0
            fi
            state="${pending:-?} events in the outbox, ${published:-0} of $accepted alerts published"
        else
            state="/metrics did not answer within 2 s"
        fi
        if (($(now_ns) - t0 > drain_timeout * 1000000000)); then
            warn "intake not drained after ${drain_timeout} s: $state"
            return 1
        fi
        sleep 0.1 # each scrape counts the outbox: do not slow the relay down
    done
}

# One more new alert to intake at URL once the load is over: a server that stalled under load
# (even on a few connections only) does not answer it.
probe_intake() {
    local url=$1 status
    status="$(curl -s --max-time 5 -o "$work/probe" -w '%{http_code}' -X POST "$url/api/v1/alerts" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"title\":\"Probe after the load $seed $RANDOM\",\"summary\":\"Does intake still answer?\",\"severity\":\"low\"}")" || true
    [[ "$status" == 201 ]] && return 0
    if [[ "$status" == 000 ]]; then
        warn "intake did not answer a new alert within 5 s after the load: it is stalled"
    else
        warn "intake answered a new alert after the load with $status: $(head -c 300 "$work/probe")"
    fi
    return 1
}

ms() { awk -v us="$1" 'BEGIN { printf "%.1f ms", us / 1000 }'; }
p99() { if ((res[requests] > 0)); then ms "${res[p99_us]}"; else echo -; fi; }
secs() { awk -v us="$1" 'BEGIN { printf "%.2f s", us / 1e6 }'; }

token="bench-intake-token-$(printf '%04x%04x%04x' "$RANDOM" "$RANDOM" "$RANDOM")"
seed="$(printf '%04x%04x' "$RANDOM" "$RANDOM")"
export RRM_ENV=bench RRM_LOG__FORMAT=json RRM_LOG__LEVEL=warn
export RRM_LINKS__SECRET="intake-benchmark-secret-0123456789abcdef"
export RRM_INTAKE__BOOTSTRAP_TOKEN="$token"

cat >"$work/alertmanager.yml" <<'EOF'
route:
  receiver: "null"
receivers:
  - name: "null"
EOF

log "intake ($profile build) against $am_version"
log "wrk: $threads threads, connections: $connections, $duration each; unique alerts (seed $seed)"
failures=0
rows=()
for c in $connections; do
    # rrm intake, from scratch: its own vhost and data dir.
    vhost="rrm-bench-intake-$$-$c"
    rmq -q add_vhost "$vhost" >/dev/null
    vhosts+=("$vhost")
    rmq -q set_permissions -p "$vhost" guest ".*" ".*" ".*" >/dev/null
    port="$(free_port 19180)"
    intake="http://127.0.0.1:$port"
    RRM_AMQP__URL="amqp://guest:guest@127.0.0.1:5672/$vhost" \
        RRM_STORAGE__DATA_DIR="$work/intake-$c" \
        RRM_SERVICES__INTAKE__BIND="127.0.0.1:$port" \
        RRM_SERVICES__INTAKE__PUBLIC_URL="$intake" \
        "$intake_bin" >"$work/intake-$c.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    await_ready "$intake/readyz" "$work/intake-$c.log" intake

    run_wrk "$intake/api/v1/alerts" intake "$token" "$c" "$work/wrk-intake-$c.txt"
    accepted=${res[accepted]}
    duration_us=${res[duration_us]}
    intake_p99="$(p99)"
    errors="$(wrk_errors)"
    if [ -n "$errors" ]; then
        warn "intake at $c connections: $errors"
        failures=$((failures + 1))
    fi
    drain_s=""
    if ((accepted == 0)); then
        warn "intake at $c connections accepted no alert"
        failures=$((failures + 1))
        drain="-"
        intake_rate="-"
    elif await_drained "$intake" "$accepted"; then
        drain="$drain_s s"
        intake_rate="$(awk -v n="$accepted" -v us="$duration_us" -v d="$drain_s" \
            'BEGIN { printf "%.0f", n / (us / 1e6 + d) }')"
    else
        failures=$((failures + 1))
        drain="not drained"
        intake_rate="-"
    fi
    answering || intake_rate="stalled" # whatever it managed before, it is no rate
    probe_intake "$intake" || failures=$((failures + 1))
    log "intake, $c connections: $accepted accepted of ${res[requests]} answered in $(secs "$duration_us"), drain: $drain"
    if ! kill -0 "$pid" 2>/dev/null; then
        warn "intake exited during the run:"
        tail -n 20 "$work/intake-$c.log" >&2
        failures=$((failures + 1))
    fi
    if grep -q '"level":"ERROR"' "$work/intake-$c.log"; then # not counting its shutdown below
        warn "intake logged errors during the run:"
        grep '"level":"ERROR"' "$work/intake-$c.log" | head -n 5 >&2
    fi
    stop_pid "$pid"
    rmq -q delete_vhost "$vhost" >/dev/null 2>&1 || warn "could not delete vhost $vhost"

    # Alertmanager, from scratch.
    port="$(free_port 19280)"
    am="http://127.0.0.1:$port"
    prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/alertmanager-$c" \
        --web.listen-address="127.0.0.1:$port" --cluster.listen-address= --log.level=warn \
        >"$work/alertmanager-$c.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    await_ready "$am/-/ready" "$work/alertmanager-$c.log" alertmanager

    run_wrk "$am/api/v2/alerts" alertmanager - "$c" "$work/wrk-alertmanager-$c.txt"
    am_rate="$(awk -v n="${res[accepted]}" -v us="${res[duration_us]}" 'BEGIN { printf "%.0f", n / (us / 1e6) }')"
    am_p99="$(p99)"
    errors="$(wrk_errors)"
    if [ -n "$errors" ]; then
        warn "alertmanager at $c connections: $errors"
        failures=$((failures + 1))
    fi
    log "alertmanager, $c connections: ${res[accepted]} accepted of ${res[requests]} answered in $(secs "${res[duration_us]}")"
    stop_pid "$pid"

    if [[ "$intake_rate" =~ ^[0-9]+$ ]] && ((am_rate > 0)); then
        ratio="$(awk -v a="$intake_rate" -v b="$am_rate" 'BEGIN { printf "%.2f", a / b }')"
        met="$(awk -v r="$ratio" 'BEGIN { print (r >= 1.0 ? "met" : "missed") }')"
    else
        ratio="-"
        met="-"
    fi
    rows+=("$(printf '%11s %15s %12s %12s %15s %12s %7s %8s' "$c" "$intake_rate" "$intake_p99" \
        "$drain" "$am_rate" "$am_p99" "$ratio" "$met")")
done

echo
echo "alert intake: accepted alerts/s; intake's each durably stored and published (SPEC §7)"
printf '%11s %15s %12s %12s %15s %12s %7s %8s\n' connections "intake/s" "intake p99" drain \
    "alertmanager/s" "am p99" ratio target
for row in "${rows[@]}"; do echo "$row"; done
echo "intake: rrm-intake, $profile build; alertmanager: $am_version, in memory, null receiver"
echo "wrk: $threads threads, $duration per run; intake/s = 201s / (load + drain), alertmanager/s = 2xx / load"
echo "target: ratio intake/alertmanager ≥ 1.0"
((failures == 0)) || die "$failures problem(s) above: the figures are not a clean measurement"
