#!/usr/bin/env bash
# bench/predict.sh: checks arenaprof's predicted saving against a measurement (issue #15). For each
# case: the prediction of `arenaprof record` in the default mode (the top candidate's saving,
# its 90% interval and the arena's peak memory), then a paired before/after measurement with
# bench/paired.sh's method (the malloc build and the arena build run at the same time pinned to
# one CPU, so the host's noise hits both; the ratio of their CPU times is one pair's saving;
# peak RSS from /usr/bin/time), and the arena's real peak memory from a build whose arena calls
# are wrapped (bench/predict/arena_peak.h, force-included: the source is unchanged). Writes the
# comparison as a table to OUT/predictions.md (docs/predictions.md holds the results and their
# analysis).
# Cases: the example service (examples/request_server.c vs -DUSE_ARENA). Real programs (issue #15
# item 4) are not in this first version.
# Usage (as root): bench/predict.sh [OUTDIR [PAIRS [REQUESTS]]]   (defaults /tmp/predict 5 150000)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/predict} pairs=${2:-5} requests=${3:-150000}
build=$repo/build
arenaprof=$build/arenaprof
cc=${CC:-cc}
mkdir -p "$out"
[ -x "$arenaprof" ] && [ -x "$build/examples/request_server" ] &&
	[ -x "$build/examples/request_server_arena" ] ||
	{ echo "bench/predict.sh: build first (cmake --build build)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench/predict.sh: needs 2 CPUs" >&2; exit 1; }
last=$(($(nproc) - 1))

# the arena build with its arena calls wrapped: the bytes each arena held
flags=(-O2 -g -DNDEBUG -std=c11 -pthread -I"$repo/arena")
"$cc" "${flags[@]}" -DUSE_ARENA -include "$repo/bench/predict/arena_peak.h" \
	-c "$repo/examples/request_server.c" -o "$out/request_server_peak.o"
"$cc" "${flags[@]}" "$out/request_server_peak.o" "$repo/bench/predict/arena_peak.c" \
	"$repo/arena/arena.c" -o "$out/request_server_arena_peak"

malloc_cmd=("$build/examples/request_server" --requests "$requests")
arena_cmd=("$build/examples/request_server_arena" --requests "$requests")

echo "== prediction: arenaprof record (default mode) -- ${malloc_cmd[*]}"
"$arenaprof" record -q -o "$out/before.db" -- "${malloc_cmd[@]}" >/dev/null
"$arenaprof" report --json "$out/before.db" >"$out/before.json"
"$arenaprof" report "$out/before.db" | sed -n '/Arena candidates/,/unverified/p'

echo "== measured: $pairs pairs, malloc and arena builds together on CPU $last"
for ((p = 1; p <= pairs; p++)); do
	taskset -c "$last" /usr/bin/time -f '%U %S %M' -o "$out/time-malloc-$p" "${malloc_cmd[@]}" >/dev/null &
	taskset -c "$last" /usr/bin/time -f '%U %S %M' -o "$out/time-arena-$p" "${arena_cmd[@]}" >/dev/null &
	wait
	paste -d' ' "$out/time-malloc-$p" "$out/time-arena-$p" |
		awk -v p="$p" '{ m = $1 + $2; a = $4 + $5
			printf "pair %d: malloc %.2f s %d KiB, arena %.2f s %d KiB, saving %.4f\n", p, m, $3, a, $6, 1 - a / m }'
done | tee "$out/pairs.txt"
"$out/request_server_arena_peak" --requests "$requests" 2>"$out/arena_peak.txt" >/dev/null
cat "$out/arena_peak.txt"

python3 - "$out" "$requests" "$pairs" <<'PY'
import json, re, statistics, sys
out, requests, pairs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
doc = json.load(open(f"{out}/before.json"))
c = next(c for c in doc["candidates"] if c["scope"] and c["score"] > 0)
rows = [l for l in open(f"{out}/pairs.txt") if l.startswith("pair")]
saving = [float(re.search(r"saving (\S+)", l).group(1)) for l in rows]
rss = [re.search(r"malloc \S+ s (\d+) KiB, arena \S+ s (\d+) KiB", l).groups() for l in rows]
peak = dict(kv.split("=") for kv in open(f"{out}/arena_peak.txt").read().split()[1:])
med = statistics.median(saving)
walk = c["est_cpu_saving_with_walk"] is not None
est = c["est_cpu_saving_with_walk"] if walk else c["est_cpu_saving"]
lo, hi = c["est_cpu_saving_with_walk_ci90"] if walk else c["est_cpu_saving_ci90"]
mem = c["memory"] or {}
pred_peak = mem.get("arena_peak_bytes")
meas_peak = int(peak["used_max"])
rss_m = statistics.median(int(a) for a, _ in rss)
rss_a = statistics.median(int(b) for _, b in rss)
inside = lo <= med <= hi
within = abs(est - med) <= 0.2 * med
mem_ok = pred_peak is not None and abs(pred_peak - meas_peak) <= 0.3 * meas_peak
parts = c["est_cpu_saving_parts"]
cal = doc["calibration"]
lines = [
    "| case | predicted saving (90%) | measured saving (median, min-max) | inside | point within 20% | predicted arena peak | measured arena peak (max; p99) | within 30% | peak RSS malloc -> arena (predicted change) |",
    "|---|---|---|---|---|---|---|---|---|",
    f"| request_server --requests {requests} | {100*est:.1f}% ({100*lo:.1f}-{100*hi:.1f}%){' with the free walk' if walk else ''} | {100*med:.1f}% ({100*min(saving):.1f}-{100*max(saving):.1f}%, {pairs} pairs) | {'yes' if inside else 'no'} | {'yes' if within else 'no'} ({100*(est-med)/med:+.0f}%) | {pred_peak} B | {meas_peak} B; {peak['used_p99']} B | {'yes' if mem_ok else 'no'} | {rss_m:.0f} -> {rss_a:.0f} KiB ({(mem.get('rss_change_bytes') or 0)/1024:+.1f} KiB) |",
    "",
    f"Parts: malloc side {100*parts['malloc_side']:.1f}%, free side {100*parts['free_side']:.1f}%, "
    f"arena in place -{100*parts['arena_cost']:.1f}% (fraction {parts['arena_cost_fraction']:.3f} "
    f"+- {parts['arena_cost_fraction_sd']:.3f}), free walk `{parts['free_walk_function']}` "
    f"{100*parts['free_walk']:.1f}%. Calibration: tight loop {cal['malloc_free_ns']} / {cal['arena_ns']} ns, "
    f"in place {cal['inplace']}. Bytes per invocation predicted p50 {c['bytes_per_scope_p50']} / "
    f"p99 {c['bytes_per_scope_p99']} B, measured p50 {peak['used_p50']} / p99 {peak['used_p99']} B.",
]
open(f"{out}/predictions.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
