# shellcheck shell=bash
# Recipe for gzip (bench/real.sh): gzip -6 over about 55 MB of generated text.
real_prepare() {
	[ -f "$WORK/corpus.txt" ] && return 0
	python3 "$REAL_DIR/gen_csv.py" 1000000 >"$WORK/corpus.txt.tmp"
	mv "$WORK/corpus.txt.tmp" "$WORK/corpus.txt"
}
real_record() {
	"$ARENAPROF" record -q -f -o "$OUT" -- gzip -6 -c "$WORK/corpus.txt" >/dev/null
}
