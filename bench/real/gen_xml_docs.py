#!/usr/bin/env python3
"""Writes N XML documents of R <order> elements each (attributes, nested elements, text).
Usage: gen_xml_docs.py DIR N R"""
import os
import random
import sys

out_dir, count, records = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out_dir, exist_ok=True)
rng = random.Random(14)
words = ["north", "south", "east", "west", "river", "stone", "field", "harbour"]
for n in range(count):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<orders batch="%d">\n' % n]
    for i in range(records):
        lines = "".join(
            f'<line sku="S{rng.randrange(99999):05d}" qty="{rng.randrange(1, 9)}">'
            f"<price currency=\"EUR\">{rng.random() * 100:.2f}</price></line>"
            for _ in range(rng.randrange(1, 5)))
        parts.append(
            f'<order id="{i}" status="{rng.choice(["open", "paid", "sent"])}">'
            f"<customer><name>{rng.choice(words).title()} {rng.choice(words).title()}</name>"
            f"<city>{rng.choice(words)}</city></customer>{lines}"
            f"<note>{' '.join(rng.choice(words) for _ in range(rng.randrange(2, 10)))}</note></order>\n")
    parts.append("</orders>\n")
    with open(os.path.join(out_dir, f"doc{n:03d}.xml"), "w") as f:
        f.write("".join(parts))
