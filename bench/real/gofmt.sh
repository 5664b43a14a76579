# shellcheck shell=bash
# Recipe for gofmt (bench/real.sh): gofmt -l over the Go compiler's sources (775 files,
# as packaged in golang-go), started under the recorder.
real_prepare() {
	[ -d /usr/share/go-1.19/src/cmd/compile ] || { echo "no /usr/share/go-1.19/src/cmd/compile" >&2; return 1; }
}
real_record() {
	"$ARENAPROF" record -q -f -o "$OUT" -- /usr/lib/go-1.19/bin/gofmt -l /usr/share/go-1.19/src/cmd/compile >/dev/null
}
