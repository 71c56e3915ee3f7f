#!/usr/bin/env bash
# Runs the whole mechanism on this machine, for a demo or for development:
# RabbitMQ, Postfix's smtp-sink capturing every e-mail, the mailbox web page over that mail,
# a pseudo machine-translation server, and the five services, in RRM_ENV=local.
#
# Installs RabbitMQ and Postfix when missing (Debian), starts the broker if it is not running,
# builds, starts everything, waits until every service is ready, prints where to go, and then
# waits. Ctrl-C stops everything it started. Data survives in var/.
#
#   ./deploy/local/run.sh           start (keeping var/data from the last run)
#   ./deploy/local/run.sh --reset   delete the stores and captured mail first (var/data, var/mail;
#                                   secrets in var/local.env are kept), then start
#
# See runbooks/local-setup.md.
set -euo pipefail

RESET=0
for arg in "$@"; do
    case "$arg" in
        --reset) RESET=1 ;;
        -h | --help)
            sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "usage: $0 [--reset]" >&2
            exit 2
            ;;
    esac
done

# Started in the background by a non-interactive shell (`./deploy/local/run.sh &`), this script
# inherits SIGINT ignored, and bash cannot trap a signal ignored on entry: start again with
# SIGINT's default disposition, so that Ctrl-C or `kill -INT` still stops everything cleanly.
if [ -z "${DEPLOY_LOCAL_SIGINT_RESET:-}" ] && [ -r "/proc/$$/status" ]; then
    ignored=$(awk '/^SigIgn:/ {print $2}' "/proc/$$/status")
    if (((16#${ignored:-0} & 2) != 0)) && env --default-signal=INT true 2>/dev/null; then
        DEPLOY_LOCAL_SIGINT_RESET=1 exec env --default-signal=INT "$BASH" "$0" "$@"
    fi
fi
unset DEPLOY_LOCAL_SIGINT_RESET

# shellcheck source=deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$RRM_ROOT"

SERVICES=(intake roster drafting translation distribution)
declare -A PORT=([intake]=8081 [roster]=8082 [drafting]=8083 [translation]=8084 [distribution]=8085)
SMTP_PORT=2525
MAILBOX_PORT=8025
TRANSLATE_PORT=5005
READY_TIMEOUT=60

VAR="$RRM_ROOT/var"
LOG_DIR="$VAR/log"
MAIL_DIR="$VAR/mail"
ENV_FILE="$VAR/local.env"
BIN="${CARGO_TARGET_DIR:-$RRM_ROOT/target}/debug"

# What this script started, in start order: process ids and their names.
PIDS=()
NAMES=()
STOPPING=0

stop_all() {
    local i pid
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill -TERM "${PIDS[i]}" 2>/dev/null || true
    done
    # The services finish in-flight work and flush their store on SIGTERM: give them 15 s.
    local deadline=$((SECONDS + 15))
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[i]}
        while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            warn "${NAMES[i]} (pid $pid) did not stop in time: killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
    NAMES=()
    stop_broker_if_started
}

on_signal() {
    [ "$STOPPING" -eq 1 ] && return
    STOPPING=1
    echo >&2
    log "stopping"
    stop_all
    log "stopped; data kept in var/data (./deploy/local/run.sh --reset to start over)"
    exit 0
}

on_exit() {
    local rc=$?
    if [ "$STOPPING" -eq 0 ]; then
        STOPPING=1
        stop_all
    fi
    exit "$rc"
}

trap on_signal INT TERM
trap on_exit EXIT

# fail NAME MESSAGE: says what went wrong with NAME and shows the end of its log.
fail() {
    local name=$1
    shift
    printf '[rrm] error: %s\n' "$*" >&2
    if [ -s "$LOG_DIR/$name.log" ]; then
        printf '[rrm] last lines of var/log/%s.log:\n' "$name" >&2
        tail -n 30 "$LOG_DIR/$name.log" | sed 's/\x1b\[[0-9;]*m//g; s/^/    /' >&2
    fi
    exit 1
}

# start NAME CMD...: starts CMD in the background, stdout and stderr to var/log/NAME.log (the
# previous run's log is kept as NAME.log.1).
start() {
    local name=$1
    shift
    [ -f "$LOG_DIR/$name.log" ] && mv -f "$LOG_DIR/$name.log" "$LOG_DIR/$name.log.1"
    "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
    PIDS+=("$!")
    NAMES+=("$name")
}

last_pid() { echo "${PIDS[${#PIDS[@]} - 1]}"; }

# wait_until NAME PID CHECK...: waits up to READY_TIMEOUT seconds for CHECK to succeed while PID
# is alive.
wait_until() {
    local name=$1 pid=$2
    shift 2
    local deadline=$((SECONDS + READY_TIMEOUT))
    until "$@"; do
        kill -0 "$pid" 2>/dev/null || fail "$name" "$name exited during start-up"
        [ "$SECONDS" -lt "$deadline" ] || fail "$name" "$name is not ready after ${READY_TIMEOUT} s"
        sleep 0.3
    done
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# --- 1. tools ------------------------------------------------------------------------------

ensure_cargo
ensure_packages

for port in "$SMTP_PORT" "$MAILBOX_PORT" "$TRANSLATE_PORT" "${PORT[@]}"; do
    if port_in_use "$port"; then
        die "port $port on 127.0.0.1 is already taken (another ./deploy/local/run.sh? see 'ss -ltnp')"
    fi
done

ensure_broker

log "building (cargo build --workspace --bins)"
cargo build --workspace --bins

# --- 2. state and secrets --------------------------------------------------------------------

if [ "$RESET" -eq 1 ]; then
    log "--reset: deleting var/data and var/mail"
    rm -rf "$VAR/data" "$MAIL_DIR"
fi
# Stores written by earlier versions of rrm (sled's files) cannot be read by this one, and there
# is nothing deployed to migrate: say so plainly instead of letting a service fail at start-up.
for service in "${SERVICES[@]}"; do
    dir="$VAR/data/$service"
    if [ -f "$dir/conf" ] && [ -f "$dir/db" ]; then
        die "var/data/$service holds a store from an earlier version of rrm (a different storage engine) that this version cannot read. Start again with: ./deploy/local/run.sh --reset (deletes var/data and var/mail; nothing is migrated)"
    fi
done
mkdir -p "$VAR/data" "$LOG_DIR" "$MAIL_DIR"
if [ ! -s "$ENV_FILE" ]; then
    log "generating secrets in var/local.env"
    (
        umask 077
        {
            echo "# Secrets of the local demo, generated by deploy/local/run.sh. Not for production."
            echo "RRM_LINKS__SECRET=$(random_hex 32)"
            echo "RRM_INTAKE__BOOTSTRAP_TOKEN=$(random_hex 24)"
        } >"$ENV_FILE"
    )
fi
chmod 600 "$ENV_FILE"
set -a
# shellcheck source=/dev/null
. "$ENV_FILE"
set +a
export RRM_ENV="${RRM_ENV:-local}"
# Logs go to files: no colour codes in them.
export NO_COLOR=1
TOKEN="$RRM_INTAKE__BOOTSTRAP_TOKEN"

# --- 3. helpers: mail sink, mailbox, pseudo translation ---------------------------------------

sink_args=()
if is_root; then
    # As root smtp-sink drops to the -u user, who must be able to write the dump directory.
    chmod 777 "$MAIL_DIR"
    if runuser -u nobody -- test -w "$MAIL_DIR" 2>/dev/null; then
        sink_args=(-u nobody)
    else
        warn "user nobody cannot reach $MAIL_DIR (a parent directory is private): smtp-sink runs as root"
        sink_args=(-u root)
    fi
fi
start smtp-sink "$SMTP_SINK" "${sink_args[@]}" -d "$MAIL_DIR/%Y%m%d%H%M%S." "127.0.0.1:$SMTP_PORT" 256
wait_until smtp-sink "$(last_pid)" port_in_use "$SMTP_PORT"

start mailbox "$BIN/rrm-mailbox" --dir "$MAIL_DIR" --bind "127.0.0.1:$MAILBOX_PORT"
wait_until mailbox "$(last_pid)" http_ok "http://127.0.0.1:$MAILBOX_PORT/healthz"

start pseudo-translate "$BIN/rrm-pseudo-translate" --bind "127.0.0.1:$TRANSLATE_PORT"
wait_until pseudo-translate "$(last_pid)" http_ok "http://127.0.0.1:$TRANSLATE_PORT/healthz"

# --- 4. the five services --------------------------------------------------------------------

# The demo network: imported once, into the roster's store before its first start (the roster is
# a database coordinators manage from then on, not a file read at every start).
if [ ! -e "$VAR/data/roster" ]; then
    log "first start: importing the demo members (config/demo/members.csv) into the roster"
    "$BIN/rrm-roster" import-members config/demo/members.csv ||
        die "rrm-roster import-members config/demo/members.csv failed (see above)"
fi

# The demo translators (the demo's Arabic is reviewed by a person: config/local.toml), imported
# the same way into translation's store before its first start.
if [ ! -e "$VAR/data/translation" ]; then
    log "first start: importing the demo translators (config/demo/translators.csv)"
    "$BIN/rrm-translation" import-translators config/demo/translators.csv ||
        die "rrm-translation import-translators config/demo/translators.csv failed (see above)"
fi

declare -A SERVICE_PID
for service in "${SERVICES[@]}"; do
    start "$service" "$BIN/rrm-$service"
    SERVICE_PID[$service]=$(last_pid)
done
log "waiting for the services to be ready (connected to the broker)"
for service in "${SERVICES[@]}"; do
    wait_until "$service" "${SERVICE_PID[$service]}" http_ok "http://127.0.0.1:${PORT[$service]}/readyz"
done

# The services declared their topology themselves. Importing the operators' description of it
# (deploy/rabbitmq/definitions.json) adds anything missing and changes nothing that exists.
import_definitions "$RRM_ROOT/deploy/rabbitmq/definitions.json" ||
    die "rabbitmqctl import_definitions deploy/rabbitmq/definitions.json failed"

# --- 5. what to do now -----------------------------------------------------------------------

cat <<EOF

  rrm is running (RRM_ENV=$RRM_ENV, data in var/data, secrets in var/local.env).

  Console (sign in with the coordinator token below):  http://127.0.0.1:${PORT[intake]}/console
  The network's members and each alert's panel:       http://127.0.0.1:${PORT[roster]}/console/members
  Each op-ed: versions, signatures, audit log:        http://127.0.0.1:${PORT[drafting]}/console
  Each language's translation, and the translators:   http://127.0.0.1:${PORT[translation]}/console
  Mailbox (every e-mail sent, with clickable links):  http://127.0.0.1:$MAILBOX_PORT/

  Services (each also serves /healthz and /metrics; /readyz is 200 while connected):
    intake        http://127.0.0.1:${PORT[intake]}/readyz   API http://127.0.0.1:${PORT[intake]}/api/v1/openapi.json
    roster        http://127.0.0.1:${PORT[roster]}/readyz
    drafting      http://127.0.0.1:${PORT[drafting]}/readyz
    translation   http://127.0.0.1:${PORT[translation]}/readyz
    distribution  http://127.0.0.1:${PORT[distribution]}/readyz

  Coordinator token:  $TOKEN

  Raise a demo alert in the console (Raise an alert), or with the API (then watch the
  mailbox for the invitations):

curl -sS -X POST http://127.0.0.1:${PORT[intake]}/api/v1/alerts -H 'Authorization: Bearer $TOKEN' -H 'Content-Type: application/json' -d '{"title":"Holy book burned outside a place of worship","summary":"A holy book was burned in a public square; protests are spreading and communities blame each other.","regions":["europe","middle-east"],"topics":["religion","media"],"severity":"high"}'

  List alerts, with their ids:

curl -sS http://127.0.0.1:${PORT[intake]}/api/v1/alerts -H 'Authorization: Bearer $TOKEN'

  Logs: var/log/<name>.log  (intake, roster, drafting, translation, distribution,
        smtp-sink, mailbox, pseudo-translate)
  Walkthrough: runbooks/local-setup.md

  Press Ctrl-C to stop.

EOF

# --- 6. wait ------------------------------------------------------------------------------------

while :; do
    for i in "${!PIDS[@]}"; do
        if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
            # Ctrl-C reaches the children too, and one may exit before this shell runs its trap:
            # give the trap the chance to run (and exit 0) before calling it a failure.
            sleep 1
            fail "${NAMES[i]}" "${NAMES[i]} stopped unexpectedly; stopping the rest"
        fi
    done
    sleep 2 &
    wait $! || true
done
