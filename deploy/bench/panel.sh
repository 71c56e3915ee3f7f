#!/usr/bin/env bash
# Panel selection benchmark (SPEC): how long roster takes to choose an alert's first invitations
# — the selection index read, the candidates loaded, scored and ranked, the balanced first
# invitations — over a generated roster. Target: p50 ≤ 50 ms at 100,000 members, and a cost
# linear in roster size.
#
# For each roster size, one after the other (never two at once, they share the cores), the
# example services/roster/examples/panel_selection.rs opens a fresh store under $TMPDIR (on
# disk), imports that many generated members through the real parsing and store writes, then
# times RUNS selections of generated alerts, each alone, after a few warm-up ones (see the
# example's header for what is generated). The script prints one row per size side by side, and
# the ratio of the p50s of the first and last sizes against the ratio of their sizes, as the
# exponent k of cost ∝ size^k (1: linear).
#
# It reports; missing the target is not an error. It exits non-zero when a run crashes, or when
# a selection came out empty or unbalanced although the candidates could have made a balanced
# panel. `PANEL_PROFILE=1` (passed through) adds, per size, where the time goes: finding and
# loading the candidates, decoding them, scoring and ranking, choosing.
#
#   ./deploy/bench/panel.sh                          # release build, 10,000 then 100,000 members
#   MEMBERS="1000 10000 100000" RUNS=500 ./deploy/bench/panel.sh
#   PROFILE=debug ./deploy/bench/panel.sh
#   PANEL_PROFILE=1 PANEL_SEED=7 ./deploy/bench/panel.sh
set -euo pipefail

# shellcheck source=deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$RRM_ROOT"

profile="${PROFILE:-release}"
members="${MEMBERS:-10000 100000}"
runs="${RUNS:-200}"

for n in $members; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "MEMBERS must be positive integers separated by spaces, not '$members'"
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$runs'"
[[ "$profile" =~ ^(release|debug)$ ]] || die "PROFILE must be release or debug, not '$profile'"

ensure_cargo
if [[ "$profile" == debug ]]; then
    cargo build --quiet -p rrm-roster --example panel_selection
else
    cargo build --quiet --release -p rrm-roster --example panel_selection
fi
bin="${CARGO_TARGET_DIR:-target}/$profile/examples/panel_selection"
[ -x "$bin" ] || die "$bin was not built"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
if [[ "$(stat -f -c %T "$work")" == tmpfs ]]; then
    warn "$work is on tmpfs: the store is not on disk; set TMPDIR to a directory on disk"
fi

declare -A res
failures=0
rows=()
sizes=()
p50s=()
for n in $members; do
    log "panel selection: $n members, $runs selections ($profile build)"
    out="$work/panel-$n.txt"
    if ! "$bin" "$n" "$runs" >"$out" 2>"$work/panel-$n.err"; then
        cat "$out" "$work/panel-$n.err" >&2
        die "the benchmark crashed at $n members"
    fi
    cat "$work/panel-$n.err" >&2
    line="$(grep '^bench members=' "$out")" || {
        cat "$out" >&2
        die "no figures printed at $n members"
    }
    res=()
    for kv in ${line#bench }; do res[${kv%%=*}]=${kv#*=}; done
    if ((res[unbalanced] > 0)); then
        warn "$n members: ${res[unbalanced]} selections unbalanced although balance was possible"
        failures=$((failures + 1))
    fi
    if ((res[empty] > res[impossible])); then
        warn "$n members: ${res[empty]} empty selections"
        failures=$((failures + 1))
    fi
    if ((res[impossible] > 0)); then
        warn "$n members: ${res[impossible]} alerts whose candidates could not make a balanced panel"
    fi
    grep '^profile ' "$out" | sed "s/^profile /[rrm] $n members, parts: /" >&2 || true
    target="$(awk -v p="${res[p50_ms]}" 'BEGIN { print (p <= 50 ? "met" : "missed") }')"
    rows+=("$(printf '%9s %9.2f %9.2f %9.2f %9.2f %12s %10.1f %10.1f %9.1f %8s' "$n" \
        "${res[p50_ms]}" "${res[p99_ms]}" "${res[max_ms]}" "${res[mean_ms]}" "${res[mean_scored]}" \
        "${res[import_s]}" "${res[import_rss_mb]}" "${res[peak_rss_mb]}" "$target")")
    sizes+=("$n")
    p50s+=("${res[p50_ms]}")
done

echo
echo "panel selection: rank_for + first_invitations per alert, $runs alerts per size ($profile build)"
printf '%9s %9s %9s %9s %9s %12s %10s %10s %9s %8s\n' members "p50 ms" "p99 ms" "max ms" \
    "mean ms" "mean scored" "import s" "import MB" "peak MB" target
for row in "${rows[@]}"; do echo "$row"; done
echo "peak MB: peak RSS during the selections; import MB: peak RSS of the import before them"
if ((${#sizes[@]} >= 2)); then
    last=$((${#sizes[@]} - 1))
    # Cost ∝ size^k: k = log(p50 ratio) / log(size ratio); 1 is linear. Within 10 % of it counts
    # as linear (the figures of a shared machine move by more than that).
    awk -v n0="${sizes[0]}" -v n1="${sizes[$last]}" -v t0="${p50s[0]}" -v t1="${p50s[$last]}" 'BEGIN {
        size = n1 / n0
        time = (t0 > 0) ? t1 / t0 : 0
        if (size == 1 || time <= 0) { printf "linearity: not measurable from these sizes\n"; exit }
        k = log(time) / log(size)
        verdict = (k <= 1.1) ? "linear" : "worse than linear"
        printf "linearity: p50 at %d / p50 at %d = %.2f for a size ratio of %.2f: cost ∝ size^%.2f (%s)\n", n1, n0, time, size, k, verdict
    }'
fi
echo "target: p50 ≤ 50 ms at 100,000 members"
((failures == 0)) || die "$failures problem(s) above: selections that should have been balanced were not"
