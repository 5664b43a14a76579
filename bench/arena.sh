#!/usr/bin/env bash
# bench/arena.sh: one side-by-side run of what the bundled arena buys.
#  1. examples/request_server with malloc vs with a per-request arena, same N
#     and seed: CPU time (user+sys from /usr/bin/time) and the ratio; the two
#     checksums must agree. Also the malloc build under mimalloc and jemalloc.
#  2. bench/arena_tree_bench.c: build/walk/free small trees with glibc malloc,
#     the arena (new/destroy per tree, and reset per tree), and with mimalloc
#     and jemalloc via LD_PRELOAD (installed with apt-get if missing); best of
#     3 runs each, as these runs are short and shared hosts are noisy.
# Usage: bench/arena.sh [REQUESTS] (default 200000); env TREES, NODES, SEED, CC.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
requests=${1:-200000}
trees=${TREES:-20000}
nodes=${NODES:-200}
seed=${SEED:-7}
cc=${CC:-gcc}
out=$(mktemp -d /tmp/arena-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT

cflags=(-std=c11 -O2 -g -DNDEBUG -Wall -Wextra -Werror -I"$repo/arena")

build() {
	echo "building with $cc ${cflags[*]}" >&2
	"$cc" "${cflags[@]}" "$repo/examples/request_server.c" -o "$out/request_server" -lpthread
	"$cc" "${cflags[@]}" -DUSE_ARENA "$repo/examples/request_server.c" "$repo/arena/arena.c" \
		-o "$out/request_server_arena" -lpthread
	"$cc" "${cflags[@]}" "$repo/bench/arena_tree_bench.c" "$repo/arena/arena.c" -o "$out/arena_tree_bench"
}

# Path of the shared object a Debian package ships, installing it if needed.
preload_lib() {
	local pkg=$1 pattern=$2
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "bench/arena.sh: $pkg missing and not root; skipping it" >&2
			return 0
		fi
		echo "installing $pkg" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null && apt-get install -y -qq "$pkg" >/dev/null; } ||
			{ echo "bench/arena.sh: could not install $pkg; skipping it" >&2; return 0; }
	fi
	dpkg -L "$pkg" | grep -E "$pattern" | head -n 1
}

# CPU seconds (user+sys) of a command; its stdout goes to $out/last.out.
cpu_of() {
	/usr/bin/time -f '%U %S' -o "$out/time" "$@" >"$out/last.out"
	awk '{ printf "%.2f", $1 + $2 }' "$out/time"
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

field() { # field NAME: value of NAME=... in $out/last.out
	tr ' ' '\n' <"$out/last.out" | sed -n "s/^$1=//p"
}

build
mimalloc=$(preload_lib libmimalloc2.0 '/libmimalloc\.so[.0-9]*$')
jemalloc=$(preload_lib libjemalloc2 '/libjemalloc\.so[.0-9]*$')

echo
echo "== request_server, $requests requests, seed $seed, 1 thread (CPU seconds, user+sys)"
t_malloc=$(cpu_of "$out/request_server" --requests "$requests" --seed "$seed")
sum_malloc=$(field checksum)
t_arena=$(cpu_of "$out/request_server_arena" --requests "$requests" --seed "$seed")
sum_arena=$(field checksum)
printf '%-28s %8s s\n' "glibc malloc" "$t_malloc"
printf '%-28s %8s s   malloc/arena = %s\n' "arena per request" "$t_arena" "$(ratio "$t_malloc" "$t_arena")"
for lib in "$mimalloc" "$jemalloc"; do
	[ -n "$lib" ] || continue
	t=$(LD_PRELOAD=$lib cpu_of "$out/request_server" --requests "$requests" --seed "$seed")
	printf '%-28s %8s s   this/arena = %s\n' "$(basename "$lib") (preload)" "$t" "$(ratio "$t" "$t_arena")"
done
if [ "$sum_malloc" != "$sum_arena" ]; then
	echo "bench/arena.sh: checksums differ: malloc $sum_malloc, arena $sum_arena" >&2
	exit 1
fi
echo "checksums agree: $sum_malloc"

echo
echo "== arena_tree_bench, $trees trees of $nodes nodes (node + label string each), best of 3"
tree_run() { # label, then the command; keeps the fastest of 3 runs (noisy hosts)
	local label=$1 best=
	shift
	for _ in 1 2 3; do
		"$@" >"$out/run.out"
		if [ -z "$best" ] || awk -v a="$(tr ' ' '\n' <"$out/run.out" | sed -n 's/^cpu_ms=//p')" \
			-v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$(tr ' ' '\n' <"$out/run.out" | sed -n 's/^cpu_ms=//p')
			cp "$out/run.out" "$out/last.out"
		fi
	done
	printf '%-28s %8s ms  %6s ns/alloc' "$label" "$(field cpu_ms)" "$(field ns_per_alloc)"
}
tree_run "glibc malloc" "$out/arena_tree_bench" malloc "$trees" "$nodes"
base=$(field cpu_ms)
base_sum=$(field checksum)
echo
for mode in arena arena-reset; do
	tree_run "$mode" "$out/arena_tree_bench" "$mode" "$trees" "$nodes"
	echo "   glibc/this = $(ratio "$base" "$(field cpu_ms)")"
	[ "$(field checksum)" = "$base_sum" ] || { echo "checksum mismatch in $mode" >&2; exit 1; }
done
for lib in "$mimalloc" "$jemalloc"; do
	[ -n "$lib" ] || continue
	tree_run "$(basename "$lib") (preload)" env LD_PRELOAD="$lib" "$out/arena_tree_bench" malloc "$trees" "$nodes"
	echo "   glibc/this = $(ratio "$base" "$(field cpu_ms)")"
done
