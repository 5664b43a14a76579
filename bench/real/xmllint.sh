# shellcheck shell=bash
# Recipe for xmllint (bench/real.sh): xmllint --noout over 40 documents of about 2.9 MB (a
# parse takes tens of milliseconds).
real_prepare() {
	[ -f "$WORK/done" ] && return 0
	python3 "$REAL_DIR/gen_xml_docs.py" "$WORK/docs" 40 9000
	touch "$WORK/done"
}
real_record() {
	"$ARENAPROF" record -q -f -o "$OUT" -- xmllint --noout "$WORK"/docs/*.xml
}
