# shellcheck shell=bash
# Recipe for jq (bench/real.sh): a filter over 150,000 newline-separated JSON records.
real_prepare() {
	[ -f "$WORK/records.json" ] && return 0
	python3 "$REAL_DIR/gen_records.py" 150000 >"$WORK/records.json.tmp"
	mv "$WORK/records.json.tmp" "$WORK/records.json"
}
real_record() {
	"$ARENAPROF" record -q -f -o "$OUT" -- jq -c \
		'select(.score > 20) | {id, user: .user.name | ascii_upcase, tags: [.tags[] | select(length > 3)], total: ([.items[].price] | add)}' \
		"$WORK/records.json" >/dev/null
}
