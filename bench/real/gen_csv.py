#!/usr/bin/env python3
"""Writes N lines of an access log in CSV (host,path,status,bytes,agent). Usage: gen_csv.py N"""
import random
import sys

rng = random.Random(14)
sections = ["api", "static", "img", "docs", "account", "search", "cart"]
agents = ["mozilla firefox linux", "curl seven x86", "python requests lib", "go http client"]
out = sys.stdout
for _ in range(int(sys.argv[1])):
    host = f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(256)}"
    path = f"/{rng.choice(sections)}/item/{rng.randrange(100000)}"
    status = rng.choice([200, 200, 200, 200, 301, 404, 500, 503])
    out.write(f"{host},{path},{status},{rng.randrange(10000)},{rng.choice(agents)}\n")
