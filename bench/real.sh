#!/usr/bin/env bash
# Evaluation on real programs (issue #14): installs Debian programs nobody here wrote, runs each
# on an input made here, records it with build/arenaprof in the default mode, and compares
# `report --json` with the answer written beforehand from the program's source
# (bench/real/NAME.expect; reasoning in docs/real-programs.md). Prints the table and writes it
# into docs/real-programs.md and README.md between their "real-programs table" markers.
#
# usage: sudo bench/real.sh [--only NAME[,NAME...]] [--keep DIR] [--work DIR] [--timeout SECS]
#                           [--no-install] [--no-build] [--no-write] [--arenaprof PATH]
#   --only      run these programs (names of bench/real/*.expect), default all
#   --keep      keep the profiles (NAME.db), reports (NAME.json) and logs in DIR
#   --work      where generated inputs are cached (default /tmp/arenaprof-real)
#   --timeout   seconds allowed to one program, input generation included (default 60)
#   --budget    seconds for the whole run (default 600): programs not started by then are rows
#               "not run", and each one's timeout is cut to what is left
#   --no-install  do not apt-get install the programs (they must be there)
#   --no-build  use build/arenaprof as it is
#   --no-write  print the table only; leave docs/ and README.md alone
#   --arenaprof PATH  record and report with this binary (implies --no-build)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REAL_DIR="$ROOT/bench/real"
ARENAPROF="$ROOT/build/arenaprof"
WORK_ROOT=/tmp/arenaprof-real
KEEP=""
ONLY=""
TIMEOUT=60
BUDGET=600
INSTALL=1
BUILD=1
WRITE=1

while [ $# -gt 0 ]; do
	case "$1" in
	--only) ONLY="$2"; shift 2 ;;
	--keep) KEEP="$2"; shift 2 ;;
	--work) WORK_ROOT="$2"; shift 2 ;;
	--timeout) TIMEOUT="$2"; shift 2 ;;
	--budget) BUDGET="$2"; shift 2 ;;
	--no-install) INSTALL=0; shift ;;
	--no-build) BUILD=0; shift ;;
	--no-write) WRITE=0; shift ;;
	--arenaprof) ARENAPROF="$(realpath "$2")"; BUILD=0; shift 2 ;;
	-h | --help) sed -n '2,23p' "$0"; exit 0 ;;
	*) echo "real.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

[ "$(id -u)" -eq 0 ] || { echo "real.sh: run as root (apt-get, BPF uprobes)" >&2; exit 1; }
STARTED=$(date +%s)

programs=()
if [ -n "$ONLY" ]; then
	IFS=, read -r -a programs <<<"$ONLY"
else
	for f in "$REAL_DIR"/*.expect; do programs+=("$(basename "$f" .expect)"); done
fi
for p in "${programs[@]}"; do
	[ -f "$REAL_DIR/$p.expect" ] && [ -f "$REAL_DIR/$p.sh" ] ||
		{ echo "real.sh: no bench/real/$p.expect or $p.sh" >&2; exit 2; }
done

OUT_DIR="${KEEP:-$(mktemp -d /tmp/arenaprof-real-profiles.XXXXXX)}"
mkdir -p "$OUT_DIR" "$WORK_ROOT"
[ -n "$KEEP" ] || trap 'rm -rf "$OUT_DIR"' EXIT

if [ "$BUILD" -eq 1 ]; then
	echo "== building build/arenaprof" >&2
	cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$ROOT/build" -j2 --target arenaprof >/dev/null
fi
[ -x "$ARENAPROF" ] || { echo "real.sh: no $ARENAPROF" >&2; exit 1; }

if [ "$INSTALL" -eq 1 ]; then
	packages=()
	for p in "${programs[@]}"; do
		read -r -a pk <<<"$(sed -n 's/^package=//p' "$REAL_DIR/$p.expect")"
		packages+=("${pk[@]}")
	done
	echo "== apt-get install ${packages[*]}" >&2
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${packages[@]}" >/dev/null
fi

# One program: input, recording and report in a child bash bounded by the timeout. Prints its
# row; a failure is a row with the error, never an abort.
run_one() {
	local name="$1" db="$OUT_DIR/$1.db" json="$OUT_DIR/$1.json" log="$OUT_DIR/$1.log"
	local expected work="$WORK_ROOT/$1" start rc=0 limit="$TIMEOUT"
	local left=$((BUDGET - ($(date +%s) - STARTED)))
	expected="$(python3 "$REAL_DIR/compare.py" --expected "$REAL_DIR/$name.expect")"
	if [ "$left" -lt 15 ]; then
		printf '%s\t-\t-\tnot run: the budget of %ss was spent\t%s\terror\t\n' "$name" "$BUDGET" \
			"$expected"
		return 0
	fi
	[ "$left" -ge "$limit" ] || limit="$left"
	mkdir -p "$work"
	rm -f "$db" "$json"
	start=$(date +%s)
	timeout --kill-after=5 "$limit" env ARENAPROF="$ARENAPROF" REAL_DIR="$REAL_DIR" \
		WORK="$work" OUT="$db" bash -c 'set -euo pipefail; source "$REAL_DIR/$1.sh"
			real_prepare; real_record' real "$name" >"$log" 2>&1 || rc=$?
	local secs=$(($(date +%s) - start))
	if [ "$rc" -ne 0 ] && [ ! -s "$db" ]; then
		local why
		why="$({ grep -v '^\s*$' "$log" || true; } | tail -1 | tr '\t' ' ' | cut -c1-160)"
		[ "$rc" -eq 124 ] && why="timed out after ${limit}s${why:+: $why}"
		printf '%s\t-\t-\terror (exit %s): %s\t%s\terror\t%ss\n' "$name" "$rc" "${why:-no output}" \
			"$expected" "$secs"
		return 0
	fi
	if ! "$ARENAPROF" report --json "$db" >"$json" 2>>"$log"; then
		printf '%s\t-\t-\terror: report --json failed: %s\t%s\terror\t%ss\n' "$name" \
			"$(tail -1 "$log" | tr '\t' ' ' | cut -c1-160)" "$expected" "$secs"
		return 0
	fi
	local row
	if ! row="$(python3 "$REAL_DIR/compare.py" "$REAL_DIR/$name.expect" "$json" 2>>"$log")"; then
		printf '%s\t-\t-\terror: compare.py failed: %s\t%s\terror\t%ss\n' "$name" \
			"$(tail -1 "$log" | tr '\t' ' ' | cut -c1-160)" "$expected" "$secs"
		return 0
	fi
	local notes="${row##*$'\t'}"
	printf '%s\t%s\n' "${row%$'\t'*}" "${secs}s${notes:+; $notes}"
}

rows="$OUT_DIR/rows.tsv"
: >"$rows"
for p in "${programs[@]}"; do
	echo "== $p" >&2
	if ! row="$(run_one "$p")"; then
		row="$(printf '%s\t-\t-\terror: bench/real.sh failed on it\t%s\terror\t' "$p" \
			"$(python3 "$REAL_DIR/compare.py" --expected "$REAL_DIR/$p.expect")")"
	fi
	printf '%s\n' "$row" | tee -a "$rows" >&2
done

table="$(python3 "$REAL_DIR/table.py" "$rows" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)")"
printf '%s\n' "$table"
if [ "$WRITE" -eq 1 ]; then
	for doc in "$ROOT/docs/real-programs.md" "$ROOT/README.md"; do
		python3 "$REAL_DIR/put_table.py" "$doc" <<<"$table"
	done
fi
[ -z "$KEEP" ] || echo "profiles, reports and logs in $KEEP" >&2
