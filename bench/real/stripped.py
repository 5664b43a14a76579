#!/usr/bin/env python3
"""Finds a function of a stripped ELF binary by an anchor, so that bench/real.sh can tell whether
a report's `module+0xOFFSET` frame lies in an expected function that has no symbol.

Anchors (written in the expectation files, chosen from the program's source):
  call:SYM    the function that calls SYM through the PLT (an exported library function)
  string:TEXT the function that loads the address of the string TEXT (a literal in .rodata)
  main        main(), found from _start (the address _start passes to __libc_start_main)
  calls:ANCHOR the function that calls the function found by ANCHOR (for a static helper that
              the compiler kept out of line, e.g. a message-printing function)
A function is the range of the .eh_frame FDE that contains the anchoring instruction.

Usage: stripped.py BINARY ANCHOR        prints "START END" (hex virtual addresses), exit 1: not
                                       found or ambiguous (a message on stderr)
       stripped.py --vaddr BINARY OFF  prints the virtual address of file offset OFF (hex)
"""
import re
import subprocess
import sys


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def load_segments(binary):
    """(file offset, vaddr, file size) of each PT_LOAD."""
    segs = []
    for line in run("readelf", "-lW", binary).splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            segs.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))
    return segs


def offset_to_vaddr(segs, off):
    for foff, vaddr, size in segs:
        if foff <= off < foff + size:
            return vaddr + (off - foff)
    return None


def fde_ranges(binary):
    ranges = []
    for line in run("readelf", "--debug-dump=frames", binary).splitlines():
        m = re.search(r"FDE cie=\S+ pc=([0-9a-f]+)\.\.([0-9a-f]+)", line)
        if m:
            ranges.append((int(m.group(1), 16), int(m.group(2), 16)))
    return ranges


def disassembly(binary):
    """(address, text) of each instruction."""
    out = []
    for line in run("objdump", "-d", "--no-show-raw-insn", binary).splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if m:
            out.append((int(m.group(1), 16), m.group(2)))
    return out


def anchor_addresses(binary, anchor):
    insns = disassembly(binary)
    if anchor.startswith("calls:"):
        inner = function_of(binary, anchor[6:])
        if inner is None:
            return []
        pat = re.compile(r"\b(call|jmp)\s+([0-9a-f]+)\b")
        hits = []
        for a, t in insns:
            m = pat.search(t)
            if m and int(m.group(2), 16) == inner[0] and not inner[0] <= a < inner[1]:
                hits.append(a)
        return hits
    if anchor.startswith("call:"):
        sym = re.escape(anchor[5:])
        pat = re.compile(r"\b(call|jmp)\s.*<" + sym + r"(@plt)?>")
        return [a for a, t in insns if pat.search(t)]
    if anchor.startswith("string:"):
        text = anchor[7:].encode().decode("unicode_escape").encode()
        data = open(binary, "rb").read()
        segs = load_segments(binary)
        targets = set()
        start = data.find(text)
        while start >= 0:
            if start == 0 or data[start - 1] == 0:  # the start of a literal
                v = offset_to_vaddr(segs, start)
                if v is not None:
                    targets.add(v)
            start = data.find(text, start + 1)
        pat = re.compile(r"#\s*([0-9a-f]+)\b")
        hits = []
        for a, t in insns:
            m = pat.search(t)
            if m and int(m.group(1), 16) in targets:
                hits.append(a)
        return hits
    if anchor == "main":
        header = run("readelf", "-hW", binary)
        entry = int(re.search(r"Entry point address:\s+0x([0-9a-f]+)", header).group(1), 16)
        lea = re.compile(r"lea\s+\S+\(%rip\),%rdi\s+#\s*([0-9a-f]+)")
        for a, t in insns:
            if entry <= a < entry + 64:
                m = lea.search(t)
                if m:
                    return [int(m.group(1), 16)]
        return []
    raise SystemExit(f"stripped.py: unknown anchor {anchor!r}")


def function_of(binary, anchor):
    """The one FDE range that holds the anchor, else None."""
    addrs = anchor_addresses(binary, anchor)
    found = {r for a in addrs for r in fde_ranges(binary) if r[0] <= a < r[1]}
    return found.pop() if len(found) == 1 else None


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--vaddr":
        v = offset_to_vaddr(load_segments(sys.argv[2]), int(sys.argv[3], 16))
        if v is None:
            sys.exit(1)
        print(f"{v:x}")
        return
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    binary, anchor = sys.argv[1], sys.argv[2]
    addrs = anchor_addresses(binary, anchor)
    fdes = fde_ranges(binary)
    found = {r for a in addrs for r in fdes if r[0] <= a < r[1]}
    if len(found) != 1:
        print(f"stripped.py: {binary}: anchor {anchor} is in {len(found)} functions "
              f"({len(addrs)} instructions)", file=sys.stderr)
        sys.exit(1)
    start, end = found.pop()
    print(f"{start:x} {end:x}")


if __name__ == "__main__":
    main()
