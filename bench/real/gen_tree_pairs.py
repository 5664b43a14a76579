#!/usr/bin/env python3
"""Writes DIR/a and DIR/b, each with N text files of L lines in 30 subdirectories, the b copy of
each file changed in a few lines (what diff -r compares). Usage: gen_tree_pairs.py DIR N L"""
import os
import random
import sys

root, count, length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(14)
words = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed"]
for n in range(count):
    sub = f"d{n % 30:02d}"
    lines = [" ".join(rng.choice(words) for _ in range(rng.randrange(4, 12))) for _ in range(length)]
    changed = list(lines)
    for _ in range(rng.randrange(1, 6)):
        i = rng.randrange(len(changed))
        changed[i] = changed[i].upper() if rng.random() < 0.5 else changed[i] + " extra"
    if rng.random() < 0.3:
        del changed[rng.randrange(len(changed))]
    for side, text in (("a", lines), ("b", changed)):
        os.makedirs(os.path.join(root, side, sub), exist_ok=True)
        with open(os.path.join(root, side, sub, f"f{n:05d}.txt"), "w") as f:
            f.write("\n".join(text) + "\n")
