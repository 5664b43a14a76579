#!/usr/bin/env python3
"""test_pprof.py: `arenaprof pprof`, run by ctest one case at a time:

    test_pprof.py --cli pprof_cli --schema schema.sql --fixtures DIR CASE

Profiles are built at test time from schema/schema.sql and a fixture (fixture_pprof.sql: known
allocations and CPU samples; fixture_basic.sql: awkward names). The gzipped output is decoded by
independent decoders: `go tool pprof` (golang-go: -raw, -top, -traces) and `protoc --decode_raw`
(protobuf-compiler); totals and call sites are checked against `report --json` on the same
profile, and against the numbers derived by hand in fixture_pprof.sql."""

import argparse
import gzip
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

from antest import Failure, build_db, check, main, run_cli, run_cli_ok, schema_version

ARGS = None
TMP = None
ALLOCATORS = ("malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign")


def run(*args):
    return run_cli(ARGS.cli, *args)


def run_ok(*args):
    return run_cli_ok(ARGS.cli, *args)


def make_db(name, fixture="fixture_pprof.sql", extra_sql=""):
    return build_db(os.path.join(TMP, name), ARGS.schema,
                    os.path.join(ARGS.fixtures, fixture) if fixture else None, extra_sql)


def pprof(db, *opts, name=None):
    out = os.path.join(TMP, name or (os.path.basename(db) + "".join(opts) + ".pb.gz"))
    check(run_ok("pprof", db, "-o", out, *opts) == b"", "nothing on stdout")
    with open(out, "rb") as f:
        check(f.read(2) == b"\x1f\x8b", "gzip magic")
    return out


def go_pprof(*args):
    env = dict(os.environ, HOME=TMP, PPROF_TMPDIR=TMP, GOFLAGS="-mod=mod", GOPROXY="off",
               PPROF_BINARY_PATH=os.path.join(TMP, "no-binaries"))
    p = subprocess.run(["go", "tool", "pprof"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=120)
    check(p.returncode == 0, f"go tool pprof {args}: exit {p.returncode}: {p.stderr!r}")
    return p.stdout.decode("utf-8")


def report_json(db):
    return json.loads(run_ok("report", "--json", db).decode("utf-8"))


# ---- go tool pprof -raw, parsed ----

LOC_RE = re.compile(r"^\s+(\d+): 0x([0-9a-f]+) (?:M=(\d+) )?(.*)$")
LINE_RE = re.compile(r"^(.*) (\S*):(-?\d+) s=(\d+)")
MAP_RE = re.compile(r"^(\d+): 0x([0-9a-f]+)/0x([0-9a-f]+)/0x([0-9a-f]+) (\S*) (\S*)\s*(.*)$")


def parse_line(text):
    m = LINE_RE.match(text)
    check(m, f"location line {text!r}")
    return (m.group(1), m.group(2) or None, int(m.group(3)))


def raw(path):
    """-raw as {types, period_type, period, duration, samples: [(values, [loc ids])],
    locations: {id: (mapping, address, [(function, file, line), ...])}, mappings: {id: ...}}."""
    text = go_pprof("-raw", path)
    prof = {"samples": [], "locations": {}, "mappings": {}, "comments": []}
    section, loc = None, None
    for ln in text.splitlines():
        if ln.startswith("Comment: "):
            prof["comments"].append(ln[9:])
        elif ln.startswith("PeriodType: "):
            prof["period_type"] = ln[12:].split()
        elif ln.startswith("Period: "):
            prof["period"] = int(ln[8:])
        elif ln.startswith("Duration: "):
            prof["duration"] = ln[10:]
        elif ln.startswith("Time: "):
            prof["time"] = ln[6:]
        elif ln in ("Samples:", "Locations", "Mappings"):
            section = ln
            if section == "Samples:":
                prof["types"] = None
        elif section == "Samples:":
            if prof["types"] is None:
                prof["types"] = ln.split()
                continue
            vals, _, locs = ln.partition(":")
            prof["samples"].append(([int(v) for v in vals.split()],
                                    [int(x) for x in locs.split()]))
        elif section == "Locations":
            m = LOC_RE.match(ln)
            if m:
                loc = int(m.group(1))
                prof["locations"][loc] = (int(m.group(3) or 0), int(m.group(2), 16),
                                          [parse_line(m.group(4))])
            else:
                prof["locations"][loc][2].append(parse_line(ln.strip()))
        elif section == "Mappings":
            m = MAP_RE.match(ln)
            check(m, f"mapping {ln!r}")
            prof["mappings"][int(m.group(1))] = {
                "limit": int(m.group(3), 16), "file": m.group(5), "build_id": m.group(6),
                "flags": m.group(7)}
    return prof


def leaf_function(prof, sample):
    return prof["locations"][sample[1][0]][2][0][0]


# ---- the fixture's truth (fixture_pprof.sql) ----

SITES = {("new_node", "tree.c", 12): (1000, 48000), ("parse_item", "parse.h", 30): (350, 14600),
         ("cache_fill", "cache.c", 70): (20, 20480)}
KINDS = {"malloc": (1300, 57600), "calloc": (50, 5000), "realloc": (20, 20480)}


def alloc_sites(prof, vi):
    """Per call site (the innermost line of the location under the allocator leaf), the sum of
    value vi, and per allocator function."""
    sites, kinds = {}, {}
    for s in prof["samples"]:
        kind = leaf_function(prof, s)
        check(kind in ALLOCATORS, f"leaf {kind!r} is not an allocator function")
        check(len(s[1]) >= 2, f"sample {s} has no call site")
        site = prof["locations"][s[1][1]][2][0]
        sites[site] = sites.get(site, 0) + s[0][vi]
        kinds[kind] = kinds.get(kind, 0) + s[0][vi]
    return sites, kinds


def case_allocs_bytes():
    db = make_db("app.db")
    prof = raw(pprof(db))
    check(prof["types"] == ["alloc_objects/count", "alloc_space/bytes"], f"types {prof['types']}")
    check(prof["period_type"] == ["alloc_objects", "count"] and prof["period"] == 1,
          f"period {prof.get('period_type')} {prof.get('period')}")
    check(prof["duration"] == "2s", f"duration {prof.get('duration')}")
    check(prof["time"].startswith("2023-11-14 22:13:20"), f"time {prof.get('time')}")
    check(any("./app --serve (pid 31337)" in c for c in prof["comments"]), "comment")
    doc = report_json(db)
    t = doc["totals"]
    check(sum(s[0][0] for s in prof["samples"]) == t["recorded_allocs"] == 1370, "allocs total")
    check(sum(s[0][1] for s in prof["samples"]) == t["recorded_bytes"] == 83080, "bytes total")
    for vi, what in ((0, "allocs"), (1, "bytes")):
        sites, kinds = alloc_sites(prof, vi)
        want = {(s["function"], s["file"], s["line"]): s[what] for s in doc["sites"]
                if s[what]}  # sites of allocator CPU work only have no allocations
        check(sites == want, f"{what} per site: pprof {sites}, report {want}")
        check(sites == {k: v[vi] for k, v in SITES.items()}, f"{what} per site: {sites}")
        check(kinds == {k: v[vi] for k, v in KINDS.items()}, f"{what} per allocator: {kinds}")


def top_rows(text):
    """-top rows as {name: (flat, cum)} (values without units)."""
    rows = {}
    for ln in text.splitlines():
        f = ln.split()
        if len(f) >= 6 and f[1].endswith("%") and f[4].endswith("%"):
            name = " ".join(f[5:])
            rows[name] = (f[0], f[3])
    return rows


def case_top():
    db = make_db("app.db")
    doc = report_json(db)
    out = pprof(db)
    hide = "-hide=^(" + "|".join(ALLOCATORS) + ")$"
    # with the allocator leaves hidden, a function's flat value is its call sites' allocations
    text = go_pprof("-top", "-sample_index=alloc_objects", hide, out)
    check("File: app" in text and "Build ID: aabbccdd00112233" in text, f"header:\n{text}")
    check("Type: alloc_objects" in text and "Total samples = 1370" in text, f"total:\n{text}")
    rows = top_rows(text)
    names = [ln.split()[-1] for ln in text.splitlines() if ln.split() and
             ln.split()[-1] in ("new_node", "cache_fill", "(inline)")]
    check(names and names[0] == "new_node", f"top function new_node:\n{text}")
    for s in doc["sites"]:
        name = s["function"] + (" (inline)" if s["function"] == "parse_item" else "")
        check(rows.get(name, ("?",))[0] == str(s["allocs"]),
              f"{name}: flat {rows.get(name)}, report {s['allocs']}:\n{text}")
    text = go_pprof("-top", "-sample_index=alloc_space", hide, out)
    rows = top_rows(text)
    check(rows["new_node"][0] == "46.88kB" and rows["cache_fill"][0] == "20kB",
          f"bytes:\n{text}")
    # without hiding, the allocator functions are the leaves: malloc first
    text = go_pprof("-top", "-sample_index=alloc_objects", out)
    first = [ln.split() for ln in text.splitlines() if ln.split()[-1:] == ["malloc"]]
    check(first and first[0][0] == "1300", f"malloc flat 1300:\n{text}")


def case_inline():
    db = make_db("app.db")
    out = pprof(db)
    prof = raw(out)
    inl = [loc for loc in prof["locations"].values() if len(loc[2]) > 1]
    check(len(inl) == 1, f"one location with inlined frames: {inl}")
    mapping, address, lines = inl[0]
    check(lines == [("parse_item", "parse.h", 30), ("handle", "app.c", 25)],
          f"lines innermost first: {lines}")
    check(address == 12288 and prof["mappings"][mapping]["file"] == "/usr/bin/app",
          f"address {address:#x}, mapping {mapping}")
    text = go_pprof("-traces", "-sample_index=alloc_objects", out)
    check(re.search(r"300\s+malloc\n\s+parse_item \(inline\)\n\s+handle\n\s+main\n", text),
          f"-traces shows the inlined frame:\n{text}")


def case_mappings():
    db = make_db("app.db")
    for opts in ((), ("--metric", "cpu")):
        prof = raw(pprof(db, *opts))
        maps = {m["file"]: m for m in prof["mappings"].values()}
        check(prof["mappings"][1]["file"] == "/usr/bin/app", f"main binary first: {maps}")
        check(maps["/usr/bin/app"]["build_id"] == "aabbccdd00112233", f"build id {maps}")
        check(maps["/usr/bin/app"]["flags"] == "[FN][FL][LN][IN]", f"flags {maps}")
        for mid, address, lines in prof["locations"].values():
            if mid:
                check(address < prof["mappings"][mid]["limit"], "address inside its mapping")
        if opts:
            check(maps["/usr/lib/x86_64-linux-gnu/libc.so.6"]["build_id"] == "c0ffee0123",
                  f"libc build id {maps}")
            check("[kernel.kallsyms]" in maps, f"kernel mapping {maps}")
            check(len(maps) == 3, f"three mappings {maps}")
        else:
            check(len(maps) == 1, f"only the modules the samples reach: {maps}")


def case_metric_allocs():
    db = make_db("app.db")
    prof = raw(pprof(db, "--metric", "allocs"))
    check(prof["types"] == ["alloc_objects/count"], f"types {prof['types']}")
    check(sum(s[0][0] for s in prof["samples"]) == 1370, "total")


def case_metric_bytes():
    db = make_db("app.db", extra_sql="INSERT INTO alloc_stats VALUES (3, 'malloc', 4, 0, 0, 0);")
    prof = raw(pprof(db, "--metric", "bytes"))
    check(prof["types"] == ["alloc_space/bytes"], f"types {prof['types']}")
    check(prof["period_type"] == ["alloc_space", "bytes"], f"period type {prof['period_type']}")
    check(sum(s[0][0] for s in prof["samples"]) == 83080, "total")
    check(len(prof["samples"]) == 4, "the sample of 0 bytes is left out")


def case_cpu():
    db = make_db("app.db")
    doc = report_json(db)
    prof = raw(pprof(db, "--metric", "cpu"))
    check(prof["types"] == ["samples/count", "cpu/nanoseconds"], f"types {prof['types']}")
    check(prof["period_type"] == ["cpu", "nanoseconds"] and prof["period"] == 10000000,
          f"period {prof['period_type']} {prof['period']}")
    total = sum(s[0][0] for s in prof["samples"])
    check(total == doc["totals"]["cpu_recorded_samples"] == doc["totals"]["cpu_samples"] == 100,
          f"CPU samples {total}")
    for vals, _ in prof["samples"]:
        check(vals[1] == vals[0] * 10**9 // 100, f"nanoseconds {vals}")
    leaves = {leaf_function(prof, s): s[0][0] for s in prof["samples"]}
    check(leaves == {"compute": 40, "_int_malloc": 25, "handle_mm_fault": 5, "free": 20,
                     "uprobe_notify_resume": 10}, f"leaves (kernel frames innermost) {leaves}")
    text = go_pprof("-top", out_path := pprof(db, "--metric", "cpu", name="cpu2.pb.gz"))
    check("Total samples = 1000ms" in text, f"-top total:\n{text}")
    check(re.search(r"^\s+400ms\s+40\.00%.*compute$", text, re.M), f"compute first:\n{text}")
    os.unlink(out_path)
    # no sampling frequency: samples only
    db = make_db("nofreq.db", extra_sql="DELETE FROM meta WHERE key = 'cpu_freq';")
    prof = raw(pprof(db, "--metric", "cpu"))
    check(prof["types"] == ["samples/count"], f"without cpu_freq: {prof['types']}")
    check(sum(s[0][0] for s in prof["samples"]) == 100, "total without cpu_freq")


def case_alloc_cpu():
    db = make_db("app.db")
    doc = report_json(db)
    prof = raw(pprof(db, "--metric", "alloc-cpu"))
    t = doc["totals"]
    nonoverhead = t["cpu_recorded_samples"] * (1 - t["profiler_overhead_share"])
    want = round(t["allocator_cpu_share"] * nonoverhead)
    total = sum(s[0][0] for s in prof["samples"])
    check(total == want == 50, f"allocator samples {total}, report {want}")
    check(total == sum(s["alloc_cpu_samples"] for s in doc["sites"]), "sites' alloc CPU")
    leaves = {leaf_function(prof, s) for s in prof["samples"]}
    check(leaves == {"_int_malloc", "handle_mm_fault", "free"}, f"leaves {leaves}")


def decode_raw(path):
    with open(path, "rb") as f:
        data = gzip.decompress(f.read())
    p = subprocess.run(["protoc", "--decode_raw"], input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    check(p.returncode == 0, f"protoc --decode_raw: {p.stderr!r}")
    return data, p.stdout.decode("utf-8", "replace")


def top_fields(data):
    """The top-level fields of a Profile message: [(field, wire type, value bytes or int)]."""
    def varint(i):
        v = s = 0
        while True:
            b = data[i]
            v |= (b & 0x7f) << s
            i += 1
            s += 7
            if b < 0x80:
                return v, i
    out, i = [], 0
    while i < len(data):
        key, i = varint(i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(i)
        elif wt == 2:
            n, i = varint(i)
            v, i = data[i:i + n], i + n
        else:
            raise Failure(f"unexpected wire type {wt}")
        out.append((field, wt, v))
    return out


def case_decode_raw():
    db = make_db("app.db")
    data, text = decode_raw(pprof(db))
    for field in ("1 {", "2 {", "3 {", "4 {", "5 {", "6: \"\"", "9: 1700000000000000000",
                  "10: 2000000000", "11 {", "12: 1"):
        check(field in text, f"decode_raw lacks {field!r}:\n{text[:2000]}")
    fields = top_fields(data)
    strings = [v for f, _, v in fields if f == 6]
    check(strings[0] == b"", "string_table[0] is empty")
    check(len(strings) == len(set(strings)), "strings are deduplicated")
    for s in (b"alloc_objects", b"count", b"alloc_space", b"bytes", b"/usr/bin/app",
              b"aabbccdd00112233", b"parse_item", b"parse.h", b"malloc"):
        check(s in strings, f"string table lacks {s!r}")
    order = [f for f, _, _ in fields]
    check(order == sorted(order), f"fields in field-number order {order}")
    # sample types 1: ValueType{type 1, unit 2} = indexes of alloc_objects and count
    st = [v for f, _, v in fields if f == 1]
    check(len(st) == 2 and st[0][0] == 0x08 and strings[st[0][1]] == b"alloc_objects",
          f"sample type {st}")


def case_nasty_names():
    """fixture_basic.sql: invalid UTF-8 and control characters in names, a stack without
    frames, a frame outside any module, a module without build id; strings stay valid UTF-8."""
    db = make_db("basic.db", fixture="fixture_basic.sql")
    out = pprof(db)
    data, _ = decode_raw(out)
    for f, _, v in top_fields(data):
        if f == 6:
            v.decode("utf-8")  # strict: protobuf strings must be UTF-8
            check(not re.search(rb"[\x00-\x1f\x7f]", v), f"control character in {v!r}")
    prof = raw(out)
    doc = report_json(db)
    check(sum(s[0][0] for s in prof["samples"]) == doc["totals"]["recorded_allocs"] == 437,
          "allocs")
    check(sum(s[0][1] for s in prof["samples"]) == doc["totals"]["recorded_bytes"], "bytes")
    unknown = [s for s in prof["samples"] if len(s[1]) == 2 and
               prof["locations"][s[1][1]][2][0][0] == "[unknown]"]
    check(len(unknown) == 1 and unknown[0][0] == [3, 30], f"stack without frames {unknown}")


def case_empty_profile():
    db = make_db("empty.db", fixture=None)
    for opts in ((), ("--metric", "cpu"), ("--metric", "alloc-cpu")):
        prof = raw(pprof(db, *opts))
        check(prof["samples"] == [], f"{opts}: no samples")


def case_replace_output():
    db = make_db("app.db")
    out = os.path.join(TMP, "out.pb.gz")
    with open(out, "wb") as f:
        f.write(b"old")
    run_ok("pprof", db, "-o", out)
    with open(out, "rb") as f:
        check(f.read(2) == b"\x1f\x8b", "replaced")
    check(sorted(os.listdir(TMP)) == ["app.db", "out.pb.gz"], f"leftovers {os.listdir(TMP)}")
    # stdout with -o -
    data = run_ok("pprof", db, "-o", "-")
    check(gzip.decompress(data) == gzip.decompress(open(out, "rb").read()), "-o - is the same")


def expect_error(args, message, out=None):
    rc, stdout, err = run(*args)
    check(rc == 1, f"{args}: exit {rc}, stderr {err!r}")
    check(stdout == b"", f"{args}: stdout {stdout!r}")
    check(err.endswith(b"\n") and err.count(b"\n") == 1, f"{args}: not one line: {err!r}")
    check(err[:-1].decode().startswith(message), f"{args}: {err!r}, expected {message!r}")
    if out:
        check(not os.path.exists(out), f"{args}: left {out}")


def case_err_missing():
    p = os.path.join(TMP, "missing.db")
    out = os.path.join(TMP, "out.pb.gz")
    expect_error(["pprof", p, "-o", out],
                 f"arenaprof: cannot open {p}: No such file or directory", out)
    check(os.listdir(TMP) == [], f"leftovers {os.listdir(TMP)}")


def case_err_corrupt():
    db = make_db("app.db")
    with open(db, "r+b") as f:  # overwrite pages after the header
        f.seek(4096)
        f.write(b"\xa5" * 8192)
    out = os.path.join(TMP, "out.pb.gz")
    with open(out, "wb") as f:
        f.write(b"keep me")
    expect_error(["pprof", db, "-o", out], f"arenaprof: {db} is a corrupt database")
    with open(out, "rb") as f:
        check(f.read() == b"keep me", "an existing output is untouched after an error")
    db2 = make_db("v999.db", extra_sql="UPDATE meta SET value = '999' "
                  "WHERE key = 'schema_version';")
    expect_error(["pprof", db2, "-o", out + "2"], f"arenaprof: {db2} has schema version 999",
                 out + "2")


def case_err_unwritable():
    db = make_db("app.db")
    out = os.path.join(TMP, "no", "such", "dir", "x.pb.gz")
    expect_error(["pprof", db, "-o", out], f"arenaprof: cannot write {out}: ", out)
    d = os.path.join(TMP, "adir")
    os.mkdir(d)
    expect_error(["pprof", db, "-o", d], f"arenaprof: cannot write {d}: Is a directory")
    check(sorted(os.listdir(TMP)) == ["adir", "app.db"] and os.listdir(d) == [],
          f"no temporary file left: {os.listdir(TMP)}")


def case_usage():
    db = make_db("app.db")
    for args, msg in ((["pprof", db], "no output file given"),
                      (["pprof", "-o", "x"], "no profile database given"),
                      (["pprof", "--metric", "wall", db, "-o", "x"], "--metric is allocs"),
                      (["pprof", "--bogus", db, "-o", "x"], "unknown option --bogus"),
                      (["pprof", db, db, "-o", "x"], "unexpected argument"),
                      (["pprof", db, "-o"], "option -o needs an argument")):
        rc, out, err = run(*args)
        check(rc == 2 and out == b"", f"{args}: exit {rc}")
        check(err.startswith(b"arenaprof: " + msg.encode()) and b"usage: arenaprof pprof" in err,
              f"{args}: {err!r}")
    rc, out, err = run("pprof", "--help")
    check(rc == 0 and out.startswith(b"usage: arenaprof pprof"), "--help")
    check(not os.path.exists("x"), "no output")


if __name__ == "__main__":
    sys.exit(main(globals()))
