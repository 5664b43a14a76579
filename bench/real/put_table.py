#!/usr/bin/env python3
"""Replaces the text between the "real-programs table" markers of a Markdown file with stdin
(bench/real.sh's table). Usage: put_table.py FILE < TABLE"""
import sys

BEGIN = "<!-- real-programs table: begin (bench/real.sh rewrites this) -->"
END = "<!-- real-programs table: end -->"
path = sys.argv[1]
text = open(path).read()
if BEGIN not in text or END not in text:
    sys.exit(f"put_table.py: {path} has no real-programs table markers")
head, rest = text.split(BEGIN, 1)
_, tail = rest.split(END, 1)
with open(path, "w") as f:
    f.write(head + BEGIN + "\n" + sys.stdin.read().strip() + "\n" + END + tail)
