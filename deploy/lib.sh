# shellcheck shell=bash
# Helpers shared by deploy/local/run.sh and deploy/test.sh. Source it; do not run it.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
#
# It sets RRM_ROOT (the repository root) and defines:
#   log, warn, die         messages on stderr, prefixed with "[rrm]"
#   as_root CMD...         runs CMD as root: directly when root, else through sudo
#   rmq ARGS...            rabbitmqctl, as root (it needs the broker's Erlang cookie)
#   ensure_packages        installs RabbitMQ, Postfix (for smtp-sink), curl, and Chromium with
#                          its chromedriver (the console's browser test) when missing
#   ensure_broker          starts the local RabbitMQ node when it is not running
#   stop_broker_if_started stops the node again, only if ensure_broker started it
#   ensure_cargo           checks the Rust toolchain is on PATH
#   import_definitions F   rabbitmqctl import_definitions of file F
#   port_in_use PORT       true when something listens on 127.0.0.1:PORT

# shellcheck disable=SC2034 # used by the scripts that source this file
RRM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

RABBITMQ_SERVER=/usr/sbin/rabbitmq-server
RABBITMQCTL=/usr/sbin/rabbitmqctl
RABBITMQ_DIAGNOSTICS=/usr/sbin/rabbitmq-diagnostics
SMTP_SINK=/usr/sbin/smtp-sink
CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

# How ensure_broker found the broker: "running" (left alone), "app" (node was up, we started
# the RabbitMQ application), "systemd" or "detached" (we started the node).
RRM_BROKER_STARTED=running

log() { printf '[rrm] %s\n' "$*" >&2; }
warn() { printf '[rrm] warning: %s\n' "$*" >&2; }
die() {
    printf '[rrm] error: %s\n' "$*" >&2
    exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "'$*' needs root, and sudo is not installed: run this script as root"
    fi
}

rmq() { as_root "$RABBITMQCTL" "$@"; }

# Installs what the scripts need and a fresh Debian machine lacks: rabbitmq-server (the broker),
# postfix (for smtp-sink; preseeded to "No configuration", so it never prompts and never starts
# a mail daemon) and curl. Does nothing when all are present.
ensure_packages() {
    local missing=()
    [ -x "$RABBITMQ_SERVER" ] || missing+=(rabbitmq-server)
    [ -x "$SMTP_SINK" ] || missing+=(postfix)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    [ -x "$CHROMIUM" ] || missing+=(chromium)
    [ -x "$CHROMEDRIVER" ] || missing+=(chromium-driver)
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]}, and this is not a Debian-like system: install them by hand"
    log "installing ${missing[*]} (apt-get)"
    as_root apt-get update
    echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then
        # Without systemd, rabbitmq-server's package script may fail to start the broker, which
        # fails the install although everything is unpacked. ensure_broker starts it instead.
        warn "apt-get install reported an error; checking what got installed"
    fi
    [ -x "$RABBITMQ_SERVER" ] || die "rabbitmq-server is still missing after apt-get install"
    [ -x "$SMTP_SINK" ] || die "smtp-sink is still missing after installing postfix"
    command -v curl >/dev/null 2>&1 || die "curl is still missing after apt-get install"
    [ -x "$CHROMIUM" ] || die "chromium is still missing after apt-get install"
    [ -x "$CHROMEDRIVER" ] || die "chromedriver is still missing after installing chromium-driver"
}

broker_app_running() { as_root "$RABBITMQ_DIAGNOSTICS" -q check_running >/dev/null 2>&1; }
broker_node_up() { as_root "$RABBITMQ_DIAGNOSTICS" -q ping >/dev/null 2>&1; }

# Makes sure the local RabbitMQ node is up with its application running, starting what is not.
# Sets RRM_BROKER_STARTED (see above).
ensure_broker() {
    RRM_BROKER_STARTED=running
    if broker_app_running; then
        log "RabbitMQ is running"
        return 0
    fi
    if broker_node_up; then
        log "RabbitMQ node is up but its application is stopped: rabbitmqctl start_app"
        rmq -q start_app >/dev/null || die "rabbitmqctl start_app failed; see /var/log/rabbitmq/"
        RRM_BROKER_STARTED=app
    else
        log "starting RabbitMQ"
        if [ -d /run/systemd/system ] && as_root systemctl start rabbitmq-server; then
            RRM_BROKER_STARTED=systemd
        else
            # No systemd (a container, a chroot): run the node detached. The script drops to the
            # rabbitmq user by itself.
            as_root "$RABBITMQ_SERVER" -detached || die "rabbitmq-server -detached failed; see /var/log/rabbitmq/"
            RRM_BROKER_STARTED=detached
        fi
    fi
    # await_startup fails at once while the Erlang node is not reachable yet: retry it.
    local deadline=$((SECONDS + 90))
    until rmq -q await_startup >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "RabbitMQ did not start within 90 s; check 'rabbitmqctl status' and /var/log/rabbitmq/"
        fi
        sleep 1
    done
    log "RabbitMQ is running"
}

# Stops the broker only when ensure_broker started the node (never one that was already up).
stop_broker_if_started() {
    case "$RRM_BROKER_STARTED" in
        systemd)
            log "stopping RabbitMQ (started by this script)"
            as_root systemctl stop rabbitmq-server || warn "could not stop rabbitmq-server"
            ;;
        detached)
            log "stopping RabbitMQ (started by this script)"
            rmq -q shutdown >/dev/null 2>&1 || warn "rabbitmqctl shutdown failed"
            ;;
    esac
    RRM_BROKER_STARTED=running
}

ensure_cargo() {
    if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
        PATH="$HOME/.cargo/bin:$PATH"
    fi
    command -v cargo >/dev/null 2>&1 || die "cargo is not on PATH: install the Rust toolchain (rustup) first"
}

# Debian's rabbitmqctl runs as the rabbitmq user from /var/lib/rabbitmq: it only reads files by
# absolute path, and only where that user may read them. Import a world-readable copy.
import_definitions() {
    local copy rc=0
    copy=$(mktemp --suffix=.json /tmp/rrm-definitions.XXXXXX)
    cp "$1" "$copy"
    chmod 644 "$copy"
    rmq -q import_definitions "$copy" >/dev/null || rc=$?
    rm -f "$copy"
    return "$rc"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
