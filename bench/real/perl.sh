# shellcheck shell=bash
# Recipe for perl (bench/real.sh): a log-summarising script over 800,000 CSV lines.
real_prepare() {
	[ -f "$WORK/access.csv" ] && return 0
	python3 "$REAL_DIR/gen_csv.py" 800000 >"$WORK/access.csv.tmp"
	mv "$WORK/access.csv.tmp" "$WORK/access.csv"
}
real_record() {
	"$ARENAPROF" record -q -f -o "$OUT" -- perl "$REAL_DIR/summarise.pl" "$WORK/access.csv" >/dev/null
}
