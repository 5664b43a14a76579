# shellcheck shell=bash
# Recipe for GNU diff (bench/real.sh): diff -r over 12,000 pairs of 150-line text files that
# differ in a few lines each (diff handles about 6,000 pairs a second here).
real_prepare() {
	[ -f "$WORK/done" ] && return 0
	python3 "$REAL_DIR/gen_tree_pairs.py" "$WORK" 12000 150
	touch "$WORK/done"
}
real_record() {
	local rc=0
	"$ARENAPROF" record -q -f -o "$OUT" -- diff -r "$WORK/a" "$WORK/b" >/dev/null || rc=$?
	[ -f "$OUT" ] || return "${rc:-1}"
}
