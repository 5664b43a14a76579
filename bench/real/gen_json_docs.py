#!/usr/bin/env python3
"""Writes N JSON documents, each an object holding R records (nested objects and arrays).
Usage: gen_json_docs.py DIR N R"""
import json
import os
import random
import sys

out_dir, count, records = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out_dir, exist_ok=True)
rng = random.Random(14)
words = ["red", "green", "blue", "cyan", "magenta", "yellow", "black", "white"]
for n in range(count):
    doc = {"version": 3, "generated": n, "records": [
        {"id": i, "name": rng.choice(words) + "-" + str(rng.randrange(10000)),
         "active": rng.random() < 0.5, "ratio": rng.random(),
         "tags": rng.sample(words, rng.randrange(1, 5)),
         "geo": {"lat": rng.uniform(-90, 90), "lon": rng.uniform(-180, 180)}}
        for i in range(records)]}
    with open(os.path.join(out_dir, f"doc{n:04d}.json"), "w") as f:
        json.dump(doc, f)
