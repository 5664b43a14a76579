#!/usr/bin/env bash
# bench/overhead.sh: issue #6's benchmark. One run, side by side on this machine: how much each
# allocation profiler, attached by PID, slows a target that does a fixed amount of work.
#  Workloads (built here with gcc, -O2 -g -fno-omit-frame-pointer):
#   heavy: bench/arena_tree_bench.c malloc TREES NODES (builds, walks and frees small trees;
#          most of its time is malloc/free)
#   mixed: examples/request_server --requests N --threads 1 --seed 7 (allocator ~20-25%)
#  Each workload's allocator share of CPU is measured with perf record on a run without any
#  profiler (libc's malloc/free functions; their symbols come from libc6-dbg).
#  Tools: none (alone); arenaprof record -p (default: --overhead 2%); arenaprof record -p --exact;
#  bcc memleak-bpfcc -p; a bpftrace ustack one-liner on malloc; heaptrack -p (gdb injection;
#  where gdb cannot inject, heaptrack launching the target instead, and the table says so).
#  libbpf-tools memleak is not packaged in Debian 12 and is not run.
#  Every run: the target starts with --wait (--wait-signal) and blocks; the tool is started and
#  waited for (arenaprof prints "recording pid"; memleak and bpftrace print a line before they
#  attach, so 2 more seconds are given; heaptrack prints "injection finished"); then SIGUSR1;
#  the target's wall time from SIGUSR1 to its exit is measured here and its CPU time by
#  /usr/bin/time; then the tool is stopped (SIGINT) and its output kept. Each configuration runs
#  RUNS times (default 3), interleaved, and the medians are printed with the slowdown against
#  alone at the same work. Work sizes: arenaprof's default mode runs the LONG size (its windows
#  need seconds of target time), heaptrack the MEDIUM one, and the tools that trap on every call
#  (--exact, memleak, bpftrace: 10-600x slower) the SHORT one; alone runs all three.
#  The default mode's slowdown against issue #6's targets (a few percent) is measured apart, by
#  bench/paired.sh: PAIRS times, an alone copy and a profiled copy of the long run share one CPU
#  at the same time (arenaprof on the other), and the ratio of their CPU times is one pair's
#  slowdown; the host's noise (runs one after the other spread 10-40% here) cancels in the pair.
#  Accuracy: arenaprof report --json of the --exact profile (short run 1) against each default
#  profile (long runs), compared by bench/overhead_accuracy.py: per-site share error, top-5
#  order, top candidate's scope, windowed estimate of the allocations against the truth.
# Usage (as root; installs missing Debian packages with apt-get): bench/overhead.sh
#   env: TREES, TREES_MEDIUM, TREES_SHORT (150000, 30000, 400), NODES (200), REQUESTS,
#        REQUESTS_MEDIUM, REQUESTS_SHORT (150000, 30000, 500), RUNS (3), PAIRS (5), BUILD (arenaprof's
#        CMake build folder, default build/; configured and built with -j2 if it has no
#        arenaprof), CC (gcc), KEEP=1 keeps the temporary folder (profiles, tool outputs).
# One full run takes about 6-9 minutes on the project's 2-core machines.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$repo/build}
trees_long=${TREES:-150000}
trees_medium=${TREES_MEDIUM:-30000}
trees_short=${TREES_SHORT:-400}
nodes=${NODES:-200}
req_long=${REQUESTS:-150000}
req_medium=${REQUESTS_MEDIUM:-30000}
req_short=${REQUESTS_SHORT:-500}
runs=${RUNS:-3}
pairs=${PAIRS:-5}
cc=${CC:-gcc}
out=$(mktemp -d /tmp/overhead-bench.XXXXXX)
pgroups=$out/pgroups # process groups this script started (tools), one a line, ended on exit
# Tools run in their own process group (setsid), with SIGINT back to its default: a background
# job of a non-interactive shell starts with SIGINT ignored, and Python tools (memleak-bpfcc)
# would not see their Ctrl-C.

cleanup() {
	local g
	if [ -f "$pgroups" ]; then
		while read -r g; do
			kill -KILL -- "-$g" 2>/dev/null || true
		done <"$pgroups"
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $out" >&2
	else
		rm -rf "$out"
	fi
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/overhead.sh: must run as root (uprobes, BPF, ptrace)" >&2
	exit 1
fi

# ---- packages ------------------------------------------------------------------------------

apt_updated=
need_pkg() { # need_pkg PKG: installs PKG if missing; false if it cannot be had
	local pkg=$1
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' && return 0
	echo "installing $pkg" >&2
	export DEBIAN_FRONTEND=noninteractive
	if [ -z "$apt_updated" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		apt_updated=1
	fi
	apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
		{ echo "bench/overhead.sh: could not install $pkg" >&2; return 1; }
}

have_memleak=1 have_bpftrace=1 have_heaptrack=1 have_perf=1
need_pkg python3
need_pkg time
need_pkg bpfcc-tools && need_pkg linux-headers-amd64 || have_memleak=
need_pkg bpftrace || have_bpftrace=
need_pkg heaptrack && need_pkg gdb || have_heaptrack=
need_pkg linux-perf || have_perf=
need_pkg libc6-dbg || true # symbols of libc's internal malloc functions for perf

# bcc compiles its programs against kernel headers; Debian has none for this kernel unless it is
# a Debian kernel: merge linux-headers-amd64's two folders (common + arch) into one tree, once.
bcc_kernel_source() {
	local hdr common tree
	[ -d "/lib/modules/$(uname -r)/build" ] && return 0
	hdr=$(printf '%s\n' /usr/src/linux-headers-*-amd64 | sort -V | tail -n 1)
	common=${hdr%-amd64}-common
	[ -n "$hdr" ] && [ -d "$common" ] || return 1
	tree=/var/tmp/arenaprof-bcc-headers/$(basename "$hdr")
	if [ ! -f "$tree/.complete" ]; then
		rm -rf "$tree.tmp"
		mkdir -p "$tree.tmp"
		cp -a "$common/." "$tree.tmp/"
		cp -a "$hdr/." "$tree.tmp/"
		touch "$tree.tmp/.complete"
		rm -rf "$tree"
		mv "$tree.tmp" "$tree"
	fi
	export BCC_KERNEL_SOURCE=$tree
}
memleak_note=
if [ -n "$have_memleak" ] && ! bcc_kernel_source; then
	have_memleak=
	memleak_note="no kernel headers for bcc (linux-headers-amd64 has no amd64/common folder pair)"
fi

# ---- builds --------------------------------------------------------------------------------

if [ ! -x "$build/arenaprof" ]; then
	echo "building arenaprof in $build" >&2
	cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j2 >/dev/null
fi
arenaprof=$build/arenaprof
cflags=(-std=c11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -I"$repo/arena")
"$cc" "${cflags[@]}" "$repo/bench/arena_tree_bench.c" "$repo/arena/arena.c" -o "$out/arena_tree_bench"
"$cc" "${cflags[@]}" "$repo/examples/request_server.c" -o "$out/request_server" -lpthread

# ---- one run -------------------------------------------------------------------------------

now_us() { echo "${EPOCHREALTIME/./}"; }

# alive PID: PID exists and is not a zombie (kill -0 succeeds on an unreaped child)
alive() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# wait_for "FILE..." REGEX PID SECS: until a FILE matches REGEX; false if PID exits or time runs out
wait_for() {
	local files=$1 re=$2 pid=$3 end=$((SECONDS + $4))
	# shellcheck disable=SC2086 # a list of paths without spaces
	until grep -Eqs "$re" $files; do
		alive "$pid" || return 1
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# stop_tool PGID SECS [GRACE]: GRACE seconds to exit by itself, then SIGINT, SECS more, then
# SIGKILL to its group if it is still there
stop_tool() {
	local g=$1 end=$((SECONDS + ${3:-0}))
	while alive "$g" && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.1
	done
	end=$((SECONDS + $2))
	kill -INT "$g" 2>/dev/null || true
	while alive "$g" && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.1
	done
	kill -KILL -- "-$g" 2>/dev/null || true
	wait "$g" 2>/dev/null || true
}

# target_cmd WORKLOAD SIZE: the target's command line, into the array tcmd
target_cmd() {
	case $1 in
	heavy) tcmd=("$out/arena_tree_bench" malloc "$2" "$nodes") ;;
	mixed) tcmd=("$out/request_server" --requests "$2" --threads 1 --seed 7) ;;
	esac
}
wait_flag() { [ "$1" = heavy ] && echo --wait || echo --wait-signal; }
ready_re='^ready$|waiting for SIGUSR1'

heaptrack_mode=-p # or "launch" when gdb cannot inject here (decided by the first attempt)

# start_tool TOOL PID DIR: starts TOOL on PID in its own process group, waits until it has
# attached; sets tg (its pid); status 0 attached, 1 not, 2 heaptrack's gdb could not inject
start_tool() {
	local tool=$1 tp=$2 dir=$3 extra=()
	case $tool in
	arenaprof-default | arenaprof-exact)
		[ "$tool" = arenaprof-exact ] && extra=(--exact)
		setsid env --default-signal=INT "$arenaprof" record -p "$tp" "${extra[@]}" -f -o "$dir/profile.db" >"$dir/tool.out" 2>&1 &
		tg=$!
		echo "$tg" >>"$pgroups"
		wait_for "$dir/tool.out" 'recording pid' "$tg" 60
		;;
	memleak)
		PYTHONUNBUFFERED=1 setsid env --default-signal=INT memleak-bpfcc -p "$tp" >"$dir/tool.out" 2>&1 &
		tg=$!
		echo "$tg" >>"$pgroups"
		wait_for "$dir/tool.out" 'Attaching to pid' "$tg" 120 && sleep 2 && alive "$tg"
		;;
	bpftrace)
		setsid env --default-signal=INT bpftrace -e "uprobe:/lib/x86_64-linux-gnu/libc.so.6:malloc /pid == $tp/ { @[ustack] = count(); }" \
			>"$dir/tool.out" 2>&1 &
		tg=$!
		echo "$tg" >>"$pgroups"
		wait_for "$dir/tool.out" '^Attaching' "$tg" 60 && sleep 2 && alive "$tg"
		;;
	heaptrack)
		(cd "$dir" && exec setsid env --default-signal=INT heaptrack -o "$dir/heaptrack" -p "$tp") >"$dir/tool.out" 2>&1 &
		tg=$!
		echo "$tg" >>"$pgroups"
		wait_for "$dir/tool.out" 'injection finished' "$tg" 60 || return 1
		! grep -Eq "No symbol \"heaptrack_inject\"|Couldn't write|Could not attach|ptrace: Operation" "$dir/tool.out" || return 2
		;;
	esac
}

# run_one WORKLOAD SIZE TOOL DIR: prints "WALL_MS CPU_S" (the target's wall time from SIGUSR1 to
# its exit, and its user+system CPU time, "-" when unknown), or "fail: reason". The target's
# output goes to DIR/target.out, the tool's to DIR/tool.out.
run_one() {
	local wl=$1 size=$2 tool=$3 dir=$4 tp wp tg='' t0 t1 rc=0 try
	mkdir -p "$dir"
	target_cmd "$wl" "$size"
	if [ "$tool" = heaptrack ] && [ "$heaptrack_mode" = launch ]; then
		# heaptrack starts the target itself (LD_PRELOAD); the target is its child
		(cd "$dir" && exec setsid env --default-signal=INT heaptrack -o "$dir/heaptrack" "${tcmd[@]}" "$(wait_flag "$wl")") \
			>"$dir/tool.out" 2>&1 &
		tg=$!
		echo "$tg" >>"$pgroups"
		if ! wait_for "$dir/tool.out" "$ready_re" "$tg" 60; then
			stop_tool "$tg" 5
			echo "fail: heaptrack did not start the target: $(tail -n 1 "$dir/tool.out")"
			return
		fi
		tp=$(ps -o pid=,args= --ppid "$tg" | awk -v b="${tcmd[0]}" '$2 == b { print $1 }')
		t0=$(now_us)
		kill -USR1 "$tp"
		while alive "$tp"; do sleep 0.01; done
		t1=$(now_us)
		stop_tool "$tg" 10 120 # heaptrack interprets and compresses the rest, then exits
		cp "$dir/tool.out" "$dir/target.out"
		echo "$(((t1 - t0) / 1000)) -"
		return
	fi

	# /usr/bin/time gives the target's CPU time; the target is its child
	/usr/bin/time -f '%e %U %S' -o "$dir/time" "${tcmd[@]}" "$(wait_flag "$wl")" >"$dir/target.out" 2>"$dir/target.err" &
	wp=$!
	if ! wait_for "$dir/target.out $dir/target.err" "$ready_re" "$wp" 10; then
		echo "fail: target did not get ready"
		return
	fi
	tp=$(ps -o pid= --ppid "$wp" | tr -d ' ')
	if [ "$tool" != alone ]; then
		for try in 1 2 3; do
			rc=0
			start_tool "$tool" "$tp" "$dir" || rc=$?
			[ "$rc" -ne 0 ] || break
			stop_tool "$tg" 10
			# bcc's attach fails (EINVAL) while another uprobe sits on the same function:
			# other tools or tests on this machine; try again
			if [ "$tool" != memleak ] || [ "$try" -ge 3 ]; then
				break
			fi
			echo "  memleak did not attach ($(grep -v '^$' "$dir/tool.out" | tail -n 1)); again" >&2
			sleep 2
		done
		if [ "$rc" -ne 0 ]; then
			kill -KILL "$tp" 2>/dev/null || true
			wait "$wp" 2>/dev/null || true
			if [ "$rc" = 2 ]; then
				echo "fail: gdb injection: $(grep -E "No symbol|Couldn't write|Could not attach|ptrace:" "$dir/tool.out" | tr '\n' ' ')"
			else
				echo "fail: $tool did not attach: $(grep -v '^$' "$dir/tool.out" | tail -n 1)"
			fi
			return
		fi
	fi
	t0=$(now_us)
	kill -USR1 "$tp"
	wait "$wp" || rc=$?
	t1=$(now_us)
	if [ -n "$tg" ]; then
		# arenaprof and heaptrack end by themselves when the target exits; the others are told to
		case $tool in arenaprof-*) stop_tool "$tg" 10 60 ;; heaptrack) stop_tool "$tg" 10 120 ;; *) stop_tool "$tg" 120 ;; esac
	fi
	if [ "$rc" -ne 0 ]; then
		echo "fail: target exited $rc ($(head -n 1 "$dir/time"))"
		return
	fi
	echo "$(((t1 - t0) / 1000)) $(tail -n 1 "$dir/time" | awk '{ printf "%.2f", $2 + $3 }')"
}

# ---- measurements ----------------------------------------------------------------------------

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
result_line() { grep -E '^(mode=|requests=)' "$1" | head -n 1 | sed 's/ cpu_ms=.*checksum=/ checksum=/'; }

# allocator_share WORKLOAD SIZE: libc allocator functions' share of perf samples, no profiler
allocator_share() {
	local d=$out/$1-perf
	mkdir -p "$d"
	target_cmd "$1" "$2"
	if ! perf record -q -F 4999 -o "$d/perf.data" -- "${tcmd[@]}" >"$d/target.out" 2>"$d/perf.err"; then
		echo "perf record failed: $(tail -n 1 "$d/perf.err")"
		return
	fi
	perf report -i "$d/perf.data" --sort dso,sym --stdio 2>/dev/null | awk '
		/^#/ || NF < 4 { next }
		{
			p = $1; sub("%", "", p); total += p
			if (($2 == "libc.so.6" && $4 ~ /^(malloc|free|cfree|calloc|__libc_calloc|realloc|__libc_realloc|__libc_malloc|__libc_free|_int_malloc|_int_free|_int_realloc|_int_memalign|malloc_consolidate|sysmalloc|unlink_chunk|tcache_|alloc_perturb|__posix_memalign|aligned_alloc|memalign)/) ||
			    $4 ~ /^(malloc|free|calloc|realloc)@plt$/) { share += p; split($4, n, "@"); fn[n[1]] += p }
		}
		END {
			printf "%.1f%% of the CPU samples in libc malloc/free functions (", share
			sep = ""
			for (f in fn) if (fn[f] >= 0.5) { printf "%s%s %.1f%%", sep, f, fn[f]; sep = ", " }
			printf ")\n"
		}'
}

tools=(alone memleak bpftrace heaptrack arenaprof-default arenaprof-exact)
declare -A label=(
	[alone]="alone (no profiler)"
	[arenaprof-default]="arenaprof record -p (default, --overhead 2%)"
	[arenaprof-exact]="arenaprof record -p --exact"
	[memleak]="bcc memleak-bpfcc -p"
	[bpftrace]="bpftrace uprobe malloc ustack one-liner"
	[heaptrack]="heaptrack -p"
)
# the work size each tool runs: arenaprof's default mode the long one (its windows need seconds),
# heaptrack the medium one, the tools that trap on every call the short one
declare -A size_of=([alone]="long medium short" [arenaprof-default]=long [heaptrack]=medium
	[arenaprof-exact]=short [memleak]=short [bpftrace]=short)
declare -A times=() medians=()
heaptrack_why=

echo "bench/overhead.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "arenaprof $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'); ${runs} runs per configuration, interleaved; medians"
echo "libbpf-tools memleak: not run: Debian 12's libbpf-tools package does not ship memleak (it would have to be built from bcc's source, which this script does not do)"
[ -n "$have_memleak" ] || echo "bcc memleak-bpfcc: not run: ${memleak_note:-bpfcc-tools or linux-headers-amd64 could not be installed}"
[ -n "$have_bpftrace" ] || echo "bpftrace: not run: could not be installed"
[ -n "$have_heaptrack" ] || echo "heaptrack: not run: heaptrack or gdb could not be installed"
[ -n "${BCC_KERNEL_SOURCE:-}" ] && echo "bcc: BCC_KERNEL_SOURCE=$BCC_KERNEL_SOURCE (linux-headers-amd64's common + amd64 folders merged; this kernel is $(uname -r))"
echo "attach: the target waits for SIGUSR1; arenaprof until it prints 'recording pid'; memleak-bpfcc and bpftrace until their 'Attaching' line, then 2 s more (they print it before attaching); heaptrack -p until 'injection finished'"
echo "wall: the target's time from SIGUSR1 to its exit; cpu: its user+system time (/usr/bin/time), where the uprobe traps are counted; slowdown: against alone at the same work"

for wl in heavy mixed; do
	if [ "$wl" = heavy ]; then
		long=$trees_long medium=$trees_medium short=$trees_short
		desc="arena_tree_bench malloc TREES $nodes ($((2 * nodes)) allocations per tree; TREES: long $long, medium $medium, short $short)"
	else
		long=$req_long medium=$req_medium short=$req_short
		desc="request_server --requests N --threads 1 --seed 7 (N: long $long, medium $medium, short $short)"
	fi
	echo
	echo "== $wl: $desc"
	if [ -n "$have_perf" ]; then
		echo "allocator share (perf record -F 4999, medium run, no profiler): $(allocator_share "$wl" "$medium")"
	fi
	active=()
	for t in "${tools[@]}"; do
		case $t in
		memleak) [ -n "$have_memleak" ] || continue ;;
		bpftrace) [ -n "$have_bpftrace" ] || continue ;;
		heaptrack) [ -n "$have_heaptrack" ] || continue ;;
		esac
		active+=("$t")
	done
	for ((r = 1; r <= runs; r++)); do
		for t in "${active[@]}"; do
			for sz in ${size_of[$t]}; do
				case $sz in long) n=$long ;; medium) n=$medium ;; short) n=$short ;; esac
				dir=$out/$wl-$t-$sz-$r
				res=$(run_one "$wl" "$n" "$t" "$dir")
				if [ "$t" = heaptrack ] && [ "$heaptrack_mode" = -p ] && [[ $res == "fail: gdb injection"* ]]; then
					heaptrack_why=${res#fail: gdb injection: }
					heaptrack_mode=launch
					label[heaptrack]="heaptrack (launches the target; -p failed)"
					echo "  heaptrack -p: $res; heaptrack launches the target from now on" >&2
					res=$(run_one "$wl" "$n" "$t" "$dir-launch")
					dir=$dir-launch
				fi
				if [[ $res != fail* ]] && [ "$t" != alone ]; then
					# the target's result must be the same as alone's
					want=$(result_line "$out/$wl-alone-$sz-1/target.out")
					got=$(result_line "$dir/target.out")
					[ "$want" = "$got" ] || res="fail: target printed '$got', alone '$want'"
				fi
				echo "  run $r: ${label[$t]}, $sz: $res" >&2
				times[$wl/$t/$sz]+="$res;"
			done
		done
	done
	printf '%-44s %-6s %9s %-22s %7s %8s %7s\n' tool work "wall" "(runs, ms)" slowdown "cpu" slowdown
	for t in alone arenaprof-default heaptrack arenaprof-exact memleak bpftrace; do
		[[ " ${active[*]} " == *" $t "* ]] || continue
		for sz in ${size_of[$t]}; do
			IFS=';' read -r -a all <<<"${times[$wl/$t/$sz]}"
			walls=() cpus=() fails=
			for v in "${all[@]}"; do
				if [[ $v == fail* ]]; then
					fails+="${v#fail: }; "
				else
					walls+=("${v% *}")
					[ "${v#* }" = - ] || cpus+=("${v#* }")
				fi
			done
			if [ "${#walls[@]}" -eq 0 ]; then
				printf '%-44s %-6s %9s %s\n' "${label[$t]}" "$sz" "-" "failed: $fails"
				continue
			fi
			m=$(median "${walls[@]}")
			medians[$wl/$t/$sz]=$m
			medians[$wl/$t/$sz/spread]=$(printf '%s\n' "${walls[@]}" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f", (lo > 0 ? (hi / lo - 1) * 100 : 0) }')
			if [ "${#cpus[@]}" -gt 0 ]; then
				medians[$wl/$t/$sz/cpuspread]=$(printf '%s\n' "${cpus[@]}" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f", (lo > 0 ? (hi / lo - 1) * 100 : 0) }')
			fi
			c=- cr=-
			if [ "${#cpus[@]}" -gt 0 ]; then
				medians[$wl/$t/$sz/cpu]=$(median "${cpus[@]}")
				c="${medians[$wl/$t/$sz/cpu]} s"
				# /usr/bin/time counts in 10 ms steps: no CPU ratio against less than 0.1 s
				awk -v b="${medians[$wl/alone/$sz/cpu]:-0}" 'BEGIN { exit !(b >= 0.1) }' &&
					cr=$(ratio "${medians[$wl/$t/$sz/cpu]}" "${medians[$wl/alone/$sz/cpu]}")x
			fi
			printf '%-44s %-6s %6s ms %-22s %7sx %8s %7s\n' "${label[$t]}" "$sz" "$m" "(${walls[*]})" \
				"$(ratio "$m" "${medians[$wl/alone/$sz]:-0}")" "$c" "$cr"
			[ -z "$fails" ] || echo "    (failed runs: $fails)"
		done
	done
	[ "$heaptrack_mode" = launch ] && [ -n "$heaptrack_why" ] &&
		echo "heaptrack -p could not inject here (gdb: $heaptrack_why); heaptrack launched the target with its preload library instead (same --wait/SIGUSR1 timing; no CPU time: the target is heaptrack's child)"

	echo "default mode, paired (bench/paired.sh: alone and profiled copies of the long run sharing CPU $(($(nproc) - 1)), arenaprof on the others; CPU time ratio a pair):"
	target_cmd "$wl" "$long"
	if "$repo/bench/paired.sh" "$out/$wl-paired" "$pairs" "$arenaprof" -- "${tcmd[@]}" "$(wait_flag "$wl")" -- -f >"$out/$wl-paired.txt" 2>&1; then
		sed 's/^/  /' "$out/$wl-paired.txt"
		medians[$wl/paired]=$(sed -n 's/^paired slowdown: median \([0-9.]*\).*/\1/p' "$out/$wl-paired.txt")
		medians[$wl/paired/range]=$(sed -n 's/^paired slowdown: median [0-9.]* (\(.*\)) over.*/\1/p' "$out/$wl-paired.txt")
	else
		echo "  failed: $(tail -n 1 "$out/$wl-paired.txt")"
	fi

	echo "accuracy of the default mode against --exact (the --exact profile of short run 1 is the reference; the default profiles are of the long runs):"
	ref=$out/$wl-arenaprof-exact-short-1/profile.db
	defaults=()
	for ((r = 1; r <= runs; r++)); do
		db=$out/$wl-arenaprof-default-long-$r/profile.db
		[ -f "$db" ] && "$arenaprof" report --json "$db" >"$db.json" 2>/dev/null && defaults+=("$db.json")
	done
	if [ -f "$ref" ] && "$arenaprof" report --json "$ref" >"$ref.json" 2>/dev/null && [ "${#defaults[@]}" -gt 0 ]; then
		if [ "$wl" = heavy ]; then
			truth=(--true-allocs "$(grep -o 'allocs=[0-9]*' "$out/$wl-alone-long-1/target.out" | cut -d= -f2)")
		else
			truth=(--scale "$(awk -v a="$long" -v b="$short" 'BEGIN { print a / b }')")
		fi
		python3 "$repo/bench/overhead_accuracy.py" "${truth[@]}" "$ref.json" "${defaults[@]}" | sed 's/^/  /'
	else
		echo "  no profiles to compare (see the failed runs above)"
	fi
done

echo
echo "== against issue #6's targets"
check() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "" || v == "n/a") print "n/a"; else if (v + 0 <= t + 0) print "met"; else print "NOT met" }'; }
for wl in heavy mixed; do
	[ "$wl" = heavy ] && target=1.05 || target=1.02
	p=${medians[$wl/paired]:-}
	w=$(ratio "${medians[$wl/arenaprof-default/long]:-0}" "${medians[$wl/alone/long]:-0}")
	c=$(ratio "${medians[$wl/arenaprof-default/long/cpu]:-0}" "${medians[$wl/alone/long/cpu]:-0}")
	echo "default mode slowdown, $wl workload: paired CPU time ${p:-n/a}x (median of $pairs pairs; ${medians[$wl/paired/range]:-}) against the target <= ${target}x: $(check "$p" "$target")." \
		"(Unpaired, from the table: wall ${w}x, cpu ${c}x, where alone's own runs spread ${medians[$wl/alone/long/spread]:-?}% in wall time and ${medians[$wl/alone/long/cpuspread]:-?}% in CPU time: no measure of a few percent.)"
done
for wl in heavy mixed; do
	e=${medians[$wl/arenaprof-exact/short]:-}
	m=${medians[$wl/memleak/short]:-}
	if [ -n "$e" ] && [ -n "$m" ]; then
		ec=${medians[$wl/arenaprof-exact/short/cpu]:-0} mc=${medians[$wl/memleak/short/cpu]:-0}
		echo "--exact vs bcc memleak-bpfcc, $wl: wall $e ms vs $m ms: $(awk -v e="$e" -v m="$m" 'BEGIN { print (e <= m) ? "no slower (met)" : sprintf("%.2fx slower (NOT met)", e / m) }');" \
			"cpu $ec s vs $mc s: $(awk -v e="$ec" -v m="$mc" 'BEGIN { print (e <= m) ? "no slower (met)" : sprintf("%.2fx slower (NOT met)", e / m) }') (the issue names libbpf-tools memleak, not available here)"
	else
		echo "--exact vs bcc memleak-bpfcc, $wl: n/a (a configuration failed)"
	fi
done
echo "per-site shares within +-2 points, same top-5, same scope: the accuracy lines above"
