#!/bin/sh
# make_debug_fixtures.sh FIXTURE STRIPPED OUTDIR: the symbolizer test's copies of a stripped
# program with its symbols elsewhere, made as distributions do:
#   OUTDIR/debugroot/.build-id/xx/yyyy.debug  the separate debug file (Debian's -dbgsym layout)
#   OUTDIR/symbolize_fixture.minidebug        STRIPPED plus a .gnu_debugdata section: the xz'ed
#                                             .symtab of the functions .dynsym lacks (Fedora's
#                                             MiniDebugInfo recipe)
set -eu
fixture=$1 stripped=$2 out=$3
id=$(readelf -n "$fixture" | sed -n 's/^ *Build ID: *\([0-9a-f]*\)$/\1/p')
[ -n "$id" ] || { echo "make_debug_fixtures: $fixture has no build id" >&2; exit 1; }
dir=$out/debugroot/.build-id/$(echo "$id" | cut -c1-2)
rm -rf "$out/debugroot" "$out/mini"
mkdir -p "$dir" "$out/mini"
objcopy --only-keep-debug "$fixture" "$dir/$(echo "$id" | cut -c3-).debug"

nm -D "$fixture" --format=posix --defined-only | awk '{ print $1 }' | sort > "$out/mini/dynsyms"
nm "$fixture" --format=posix --defined-only | awk '$2 == "T" || $2 == "t" { print $1 }' | sort \
	> "$out/mini/funcsyms"
comm -13 "$out/mini/dynsyms" "$out/mini/funcsyms" > "$out/mini/keep"
objcopy --only-keep-debug "$fixture" "$out/mini/debug"
objcopy -S --remove-section .gdb_index --remove-section .comment \
	--keep-symbols="$out/mini/keep" "$out/mini/debug" "$out/mini/minidebuginfo"
xz -f "$out/mini/minidebuginfo"
objcopy --add-section .gnu_debugdata="$out/mini/minidebuginfo.xz" "$stripped" \
	"$out/symbolize_fixture.minidebug"
