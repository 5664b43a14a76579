# shellcheck shell=bash
# Recipe for astyle (bench/real.sh): 240 generated C++ files formatted with --dry-run (the input
# stays as generated, so every run does the same work).
real_prepare() {
	[ -f "$WORK/done" ] && return 0
	python3 "$REAL_DIR/gen_cpp.py" "$WORK/src" 240
	touch "$WORK/done"
}
real_record() {
	"$ARENAPROF" record -q -f -o "$OUT" -- astyle --dry-run -q -n --style=allman \
		--indent=spaces=4 --pad-oper --pad-header --break-blocks "$WORK"/src/*.cpp >/dev/null
}
