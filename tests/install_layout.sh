#!/usr/bin/env bash
# install_layout.sh: `cmake --install` puts the binary, the man page, arena.h, the arena
# libraries and arena.pc under a prefix, and pkg-config finds the arena there.
# Usage: install_layout.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d /tmp/arenaprof-install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
fail=0
for f in bin/arenaprof share/man/man1/arenaprof.1 include/arena.h; do
	[ -f "$prefix/$f" ] || { echo "FAIL: $f not installed"; fail=1; }
done
for f in libarena.a libarena_malloc.a arena.pc; do
	[ -n "$(find "$prefix" -name "$f")" ] || { echo "FAIL: $f not installed"; fail=1; }
done
"$prefix/bin/arenaprof" --version | grep -q '^arenaprof ' || { echo "FAIL: installed binary"; fail=1; }
pcdir=$(dirname "$(find "$prefix" -name arena.pc | head -1)")
PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs arena | grep -q -- '-larena' ||
	{ echo "FAIL: pkg-config arena"; fail=1; }
[ $fail = 0 ] && echo "1 passed, 0 failed"
exit $fail
