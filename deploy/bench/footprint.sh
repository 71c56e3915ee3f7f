#!/usr/bin/env bash
# Footprint benchmark: for each service, the time from start to /readyz 200 (store
# open, broker connected, topology declared) and the resident memory once idle.
# Target: ready ≤ 0.5 s, idle ≤ 15 MB RSS. Needs a running RabbitMQ (./deploy/test.sh starts one).
#
#   ./deploy/bench/footprint.sh            # debug build
#   PROFILE=release ./deploy/bench/footprint.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

profile="${PROFILE:-debug}"
if [[ "$profile" == release ]]; then cargo build --quiet --release --workspace --bins; else cargo build --quiet --workspace --bins; fi
bin="target/$profile"
work="$(mktemp -d)"
vhost="rrm-footprint-$$"
rabbitmqctl -q add_vhost "$vhost" >/dev/null
rabbitmqctl -q set_permissions -p "$vhost" guest ".*" ".*" ".*" >/dev/null
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rabbitmqctl -q delete_vhost "$vhost" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

export RRM_ENV=bench RRM_LOG__FORMAT=json RRM_LOG__LEVEL=warn
export RRM_LINKS__SECRET="footprint-benchmark-secret-0123456789abcdef"
export RRM_INTAKE__BOOTSTRAP_TOKEN="footprint-benchmark-token-0123456789"
export RRM_AMQP__URL="amqp://guest:guest@127.0.0.1:5672/$vhost"
export RRM_STORAGE__DATA_DIR="$work/data"
export RRM_DISTRIBUTION__EDITORS_CSV=config/demo/editors.csv
port=19081
for s in intake roster drafting translation distribution; do
  upper="${s^^}"
  export "RRM_SERVICES__${upper}__BIND=127.0.0.1:$port" "RRM_SERVICES__${upper}__PUBLIC_URL=http://127.0.0.1:$port"
  port=$((port + 1))
done

printf '%-14s %12s %14s\n' service "ready (ms)" "idle RSS (MB)"
port=19081
declare -A started
for s in intake roster drafting translation distribution; do
  t0=$(date +%s%N)
  "$bin/rrm-$s" >"$work/$s.log" 2>&1 &
  pids+=($!)
  started[$s]=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    if (( ($(date +%s%N) - t0) > 30000000000 )); then echo "$s not ready after 30 s:"; tail "$work/$s.log"; exit 1; fi
    sleep 0.01
  done
  ready_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  eval "ready_$s=$ready_ms"
  port=$((port + 1))
done
sleep 10 # idle
for s in intake roster drafting translation distribution; do
  rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/${started[$s]}/status")
  eval "ready=\$ready_$s"
  printf "%-14s %12s %14s\n" "$s" "$ready" "$(awk -v kb="$rss_kb" "BEGIN { printf \"%.1f\", kb / 1024 }")"
done
echo "targets: ready ≤ 500 ms, idle ≤ 15 MB ($profile build)"
