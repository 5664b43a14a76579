# shellcheck shell=bash
# Recipe for json-glib-format (bench/real.sh): 600 JSON documents of about 70 KiB, prettified.
real_prepare() {
	[ -f "$WORK/done" ] && return 0
	python3 "$REAL_DIR/gen_json_docs.py" "$WORK/docs" 600 400
	touch "$WORK/done"
}
real_record() {
	"$ARENAPROF" record -q -f -o "$OUT" -- json-glib-format -p "$WORK"/docs/*.json >/dev/null
}
