# Recipe for GNU diff (bench/real.sh): diff -r over 4,000 pairs of 600-line text files that
# differ in a few lines each.
real_prepare() {
	[ -f "$WORK/done" ] && return 0
	python3 "$REAL_DIR/gen_tree_pairs.py" "$WORK" 4000
	touch "$WORK/done"
}
real_record() {
	local rc=0
	"$ARENAPROF" record -q -f -o "$OUT" -- diff -r "$WORK/a" "$WORK/b" >/dev/null || rc=$?
	[ -f "$OUT" ] || return "${rc:-1}"
}
