#!/usr/bin/env python3
"""Turns bench/real.sh's rows (tab-separated: program, allocator share, top site, top candidate,
expected, match, notes) into the Markdown table of docs/real-programs.md.
Usage: table.py ROWS.tsv COMMIT"""
import datetime
import sys

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
matched = sum(1 for r in rows if len(r) > 5 and r[5] == "yes")
flagged = sum(1 for r in rows if len(r) > 6 and "FLAG" in r[6])
when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
print(f"Run of {when} on commit {sys.argv[2]} (default mode, no flags): "
      f"{matched} of {len(rows)} match, {flagged} recommend wrapping a root or a loop.")
print()
print("| program | allocator share | top site | top candidate | expected | match | notes |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    r = (r + [""] * 7)[:7]
    print("| " + " | ".join(c.replace("|", "\\|") or "-" for c in r) + " |")
