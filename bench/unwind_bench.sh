#!/bin/sh
# unwind_bench.sh: builds bench/unwind_bench.c with the unwinder sources (plain cc, no CMake
# needed) and prints us per unwind (cold/warm, per libunwind caching policy), the unwind-table
# cache hit rate, and, when strace is installed, rt_sigprocmask syscalls per unwind.
# Usage: bench/unwind_bench.sh [ITERS]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
iters=${1:-40000}
out=$(mktemp -d /tmp/unwind_bench.XXXXXX)
trap 'rm -rf "$out"' EXIT

cc -std=c11 -Wall -Wextra -Werror -O2 -g -fomit-frame-pointer -I"$root/agent/unwind" \
	-o "$out/unwind_bench" "$root/bench/unwind_bench.c" "$root/agent/unwind/proc_maps.c" \
	"$root/agent/unwind/target_space.c" "$root/agent/unwind/unwind_dwarf.c" \
	-lelf -lunwind-x86_64 -lunwind

"$out/unwind_bench" "$iters"

if command -v strace >/dev/null 2>&1; then
	n=2000
	echo "rt_sigprocmask syscalls per warm unwind ($n unwinds of 8 snapshots' chains):"
	for policy in none global per-thread; do
		strace -f -c -e trace=rt_sigprocmask -o "$out/strace.txt" \
			"$out/unwind_bench" --only "$policy" "$n" >/dev/null
		calls=$(awk '$NF == "rt_sigprocmask" { print $4 }' "$out/strace.txt")
		echo "  $policy: $(awk -v c="${calls:-0}" -v n="$n" 'BEGIN { printf "%.1f", c / n }')"
	done
fi
