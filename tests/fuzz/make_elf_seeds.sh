#!/bin/sh
# make_elf_seeds.sh: regenerates the seed corpus of the ELF fuzz target (tests/fuzz/elf/): tiny
# shared objects with .eh_frame_hdr, with and without DWARF line info, stripped, and a tiny static
# executable. Run from anywhere: sh tests/fuzz/make_elf_seeds.sh
set -eu
out=$(dirname "$0")/elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
cat >"$tmp/tiny.c" <<'SRC'
__attribute__((noinline)) int leaf(volatile int *p) { return *p + 1; }
static inline int twice(volatile int *p) { return leaf(p) * 2; }
__attribute__((noinline)) int middle(int x) { volatile int v = x; return twice(&v) + leaf(&v); }
int outer(int x) { int s = 0; for (int i = 0; i < x; i++) s += middle(i); return s; }
void _start(void) { outer(3); for (;;) {} }
SRC
cc="clang -O2 -nostdlib -fno-stack-protector -Wl,--build-id=sha1 -Wl,-z,noseparate-code"
$cc -g -fPIC -shared "$tmp/tiny.c" -o "$out/tiny_debug.so"
$cc -fPIC -shared "$tmp/tiny.c" -o "$out/tiny.so"
objcopy --strip-all "$out/tiny.so" "$out/tiny_stripped.so"
$cc -static -fno-pie -fomit-frame-pointer "$tmp/tiny.c" -o "$out/tiny_static"
ls -l "$out"
