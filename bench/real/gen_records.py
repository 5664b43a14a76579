#!/usr/bin/env python3
"""Writes N JSON records, one a line (an event log), to stdout. Usage: gen_records.py N"""
import json
import random
import sys

rng = random.Random(14)
words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
out = sys.stdout
for i in range(int(sys.argv[1])):
    rec = {
        "id": i,
        "ts": 1700000000 + i * 3,
        "score": rng.randrange(100),
        "user": {"name": rng.choice(words) + str(rng.randrange(1000)), "level": rng.randrange(10)},
        "tags": rng.sample(words, rng.randrange(1, 6)),
        "items": [{"sku": f"S{rng.randrange(99999):05d}", "price": round(rng.random() * 100, 2),
                   "qty": rng.randrange(1, 5)} for _ in range(rng.randrange(1, 6))],
        "note": " ".join(rng.choice(words) for _ in range(rng.randrange(3, 12))),
    }
    out.write(json.dumps(rec) + "\n")
