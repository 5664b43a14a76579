#!/usr/bin/env python3
"""test_diff.py: the tests of `arenaprof diff BEFORE AFTER`, run by ctest one case at a time:

    test_diff.py --cli diff_cli --schema schema.sql --fixtures DIR CASE

Profiles are built at test time from schema/schema.sql + fixture_diff_before.sql /
fixture_diff_after.sql (or fixture_basic.sql) with Python's sqlite3 module. The expected numbers
below are derived by hand from the fixtures (see their header comments); shares and rates are
compared exactly, computed with the same double operations as the analyzer."""

import argparse
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

SPLIT_KEYS = ["malloc", "free", "realloc", "kernel_mm"]

# Per profile: duration, allocs, bytes, CPU samples, freq, overhead, non-overhead samples,
# allocator split (malloc, free, realloc, kernel_mm).
BEFORE = dict(duration=2.0, allocs=1160, bytes=36640, samples=100, freq=100, overhead=10,
              base=90, split=[40, 20, 0, 0], sites=5)
AFTER = dict(duration=4.0, allocs=244, bytes=305984, samples=160, freq=100, overhead=10,
             base=150, split=[6, 6, 0, 3], sites=5)

# The expected sites in order: function, file, line, status,
# (module, allocs, bytes, alloc CPU samples) before, the same after.
SITES = [
    # 500/s -> 5/s: the largest drop. After: two modules (15 + 5 allocations), one site; the
    # module shown is that of the larger one.
    ("new_node", "tree.c", 12, "both", ("/opt/tree-v1/tree", 1000, 32000, 30),
     ("/opt/tree-v2/tree", 20, 40960, 6)),
    ("cache_fill", "tree.c", 70, "gone", ("/opt/tree-v1/tree", 50, 3200, 10),
     (None, 0, 0, 0)),
    # no allocations, 0/s -> 0/s: ties broken by the change of alloc CPU share (a drop)
    ("free_tree", "tree.c", 20, "both", ("/opt/tree-v1/tree", 0, 0, 20),
     ("/opt/tree-v2/tree", 0, 0, 6)),
    # 50/s -> 50/s and 5/s -> 5/s, no CPU: by function name. libfoo_alloc has no debug info
    # and another module path after (libfoo.so.1 -> .2): matched by function alone.
    ("libfoo_alloc", None, None, "both", ("/usr/lib/libfoo.so.1", 100, 800, 0),
     ("/usr/lib/libfoo.so.2", 200, 1600, 0)),
    ("parse", "tree.c", 33, "both", ("/opt/tree-v1/tree", 10, 640, 0),
     ("/opt/tree-v2/tree", 20, 1280, 0)),
    ("arena_grow", "arena.c", 80, "new", (None, 0, 0, 0),
     ("/opt/tree-v2/tree", 4, 262144, 3)),
]


def run(*args):
    return run_cli(ARGS.cli, "diff", *args)


def run_ok(*args):
    return run_cli_ok(ARGS.cli, "diff", *args, what=f"diff {args}")


def diff_json(*args):
    out = run_ok("--json", *args)
    try:
        return json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Failure(f"diff --json is not valid JSON: {e}\n{out!r}")


def make_db(name, fixture, extra_sql=""):
    return build_db(os.path.join(TMP, name), ARGS.schema, os.path.join(ARGS.fixtures, fixture),
                    extra_sql)


def before_db(name="before.db", extra=""):
    return make_db(name, "fixture_diff_before.sql", extra)


def after_db(name="after.db", extra=""):
    return make_db(name, "fixture_diff_after.sql", extra)


def rel(b, a):
    """The documented relative change: (a - b) / b, 0 when both are 0, None when only b is."""
    if b == 0:
        return 0.0 if a == 0 else None
    return (a - b) / b


def check_profile(got, p, path):
    d = p["duration"]
    want = {
        "path": path, "command": "./tree 1000", "mode": "exact", "closed": True,
        "duration_s": d, "allocs": p["allocs"], "allocs_per_s": p["allocs"] / d,
        "bytes": p["bytes"], "bytes_per_s": p["bytes"] / d, "recorded_allocs": p["allocs"],
        "lost_events": 0, "cpu_freq": p["freq"], "cpu_samples": p["samples"],
        "cpu_recorded_samples": p["samples"],
        "cpu_cores": p["samples"] / p["freq"] / d,
        "cpu_cores_excl_overhead": p["samples"] / p["freq"] / d *
        (1.0 - p["overhead"] / p["samples"]),
        "allocator_cpu_share": sum(p["split"]) / p["base"],
        "allocator_cpu_split": {k: v / p["base"] for k, v in zip(SPLIT_KEYS, p["split"])},
        "profiler_overhead_share": p["overhead"] / p["samples"],
        "sites": p["sites"],
        "sites_raw": False, "wrappers": [],  # no allocation wrapper in these fixtures
    }
    check(list(got) == list(want), f"profile keys {list(got)}")
    for k, v in want.items():
        check(got[k] == v, f"{path}: {k} = {got[k]!r}, expected {v!r}")


def change(b, a):
    return a - b, rel(b, a)


def check_expected_diff(doc, bpath, apath):
    check(doc["schema_version"] == 1, "schema_version")
    check(list(doc) == ["schema_version", "before", "after", "totals_change", "sites_total",
                        "sites_new", "sites_gone", "sites", "prediction"],
          f"top-level keys {list(doc)}")
    # these fixtures have no sampled objects: no candidate, no prediction
    check(doc["prediction"] is None, f"prediction {doc['prediction']}")
    check_profile(doc["before"], BEFORE, bpath)
    check_profile(doc["after"], AFTER, apath)
    b, a = doc["before"], doc["after"]
    tc = doc["totals_change"]
    want = {}
    for k in ("allocs", "allocs_per_s", "bytes", "bytes_per_s", "cpu_cores",
              "cpu_cores_excl_overhead", "allocator_cpu_share"):
        want[k], want[k + "_rel"] = change(b[k], a[k])
    want["allocator_cpu_split"] = {k: a["allocator_cpu_split"][k] - b["allocator_cpu_split"][k]
                                   for k in SPLIT_KEYS}
    want["profiler_overhead_share"] = 0.0625 - 0.1
    check(tc == want, f"totals_change {tc}\nexpected {want}")
    # the headline numbers, by hand
    check((tc["allocs"], tc["allocs_per_s"]) == (-916, -519.0), f"allocation change {tc}")
    check(tc["allocator_cpu_share"] == 0.1 - 60 / 90 and tc["allocator_cpu_share_rel"] ==
          (0.1 - 60 / 90) / (60 / 90), "allocator share 66.7% -> 10%")
    check(tc["cpu_cores"] == 0.4 - 0.5, "cores 0.5 -> 0.4")
    check((doc["sites_total"], doc["sites_new"], doc["sites_gone"]) == (6, 1, 1),
          f"site counts {doc['sites_total']} {doc['sites_new']} {doc['sites_gone']}")
    check_sites(doc["sites"], SITES)


def check_sites(sites, expected):
    got = [(s["function"], s["file"], s["line"], s["status"]) for s in sites]
    check(got == [e[:4] for e in expected], f"sites/order {got}")
    for s, e in zip(sites, expected):
        check(list(s) == ["function", "file", "line", "status", "before", "after", "change"],
              f"site keys {list(s)}")
        sides = {}
        for key, want, prof in (("before", e[4], BEFORE), ("after", e[5], AFTER)):
            module, allocs, nbytes, samples = want
            side = {"module": module, "allocs": allocs,
                    "allocs_per_s": allocs / prof["duration"], "bytes": nbytes,
                    "bytes_per_s": nbytes / prof["duration"], "alloc_cpu_samples": samples,
                    "alloc_cpu_share": samples / prof["base"] if samples else 0}
            check(s[key] == side, f"{e[0]} {key}: {s[key]}\nexpected {side}")
            sides[key] = side
        c = {}
        for k in ("allocs", "allocs_per_s", "bytes", "bytes_per_s", "alloc_cpu_share"):
            c[k], c[k + "_rel"] = change(sides["before"][k], sides["after"][k])
        check(s["change"] == c, f"{e[0]} change {s['change']}\nexpected {c}")


# ---- the comparison ----

def case_json():
    b, a = before_db(), after_db()
    doc = diff_json(b, a)
    check_expected_diff(doc, b, a)
    new_node = doc["sites"][0]
    check(new_node["change"]["allocs_per_s"] == -495.0 and
          new_node["change"]["allocs_per_s_rel"] == -0.99, f"new_node 500/s -> 5/s {new_node}")
    gone = doc["sites"][1]
    check(gone["change"]["allocs_rel"] == -1 and gone["after"]["module"] is None,
          f"gone site {gone}")
    new = doc["sites"][-1]
    check(new["change"]["allocs_rel"] is None and new["before"]["allocs"] == 0,
          f"new site {new}")
    drops = [s["change"]["allocs_per_s"] for s in doc["sites"]]
    check(drops == sorted(drops), f"sorted by the change in allocations/s {drops}")
    # the other direction: new and gone swap, the order follows the largest drop
    doc = diff_json(a, b)
    st = {s["function"]: s["status"] for s in doc["sites"]}
    check(st["cache_fill"] == "new" and st["arena_grow"] == "gone", f"reversed {st}")
    check(doc["sites"][0]["function"] == "arena_grow", f"reversed order {doc['sites'][0]}")


def text_of(*args):
    return run_ok(*args).decode("utf-8")


def case_text():
    b, a = before_db(), after_db()
    text = text_of(b, a)
    lines = text.splitlines()
    check(lines[0] == f"arenaprof diff: {b} -> {a}", f"header {lines[0]!r}")
    for want in [
        "before:  ./tree 1000 (pid 777), 2.0 s, mode exact",
        "after:   ./tree 1000 (pid 778), 4.0 s, mode exact",
        "Top 6 of 6 call sites by drop in allocations per second:",
    ]:
        check(want in lines, f"text lacks the line {want!r}:\n{text}")
    check("WARNING" not in text, f"no warning:\n{text}")
    totals = {}
    for ln in lines:
        m = re.match(r"^(\S.{25}) (.{14}) (.{14}) (.{14})(?: (.{10}))?$", ln)
        if m:
            totals[m.group(1).strip()] = [(g or "").strip() for g in m.groups()[1:]]
    want = {
        "allocations": ["1,160", "244", "-916", "-79.0%"],
        "allocations/s": ["580.0", "61.0", "-519.0", "-89.5%"],
        "bytes requested": ["35.8 KiB", "299 KiB", "+263 KiB", "+735.1%"],
        "bytes/s": ["17.9 KiB", "74.7 KiB", "+56.8 KiB", "+317.6%"],
        "CPU cores used": ["0.50", "0.40", "-0.10", "-20.0%"],
        "allocator CPU share": ["66.7%", "10.0%", "-56.7 pts", "-85.0%"],
        "profiler overhead": ["10.0%", "6.2%", "-3.8 pts", ""],
    }
    for k, v in want.items():
        check(totals.get(k) == v, f"totals row {k!r}: {totals.get(k)}, expected {v}\n{text}")
    for label, b_, a_, c_ in (("  malloc", "44.4%", "4.0%", "-40.4 pts"),
                              ("  free", "22.2%", "4.0%", "-18.2 pts"),
                              ("  realloc", "0.0%", "0.0%", "0.0 pts"),
                              ("  kernel memory management", "0.0%", "2.0%", "+2.0 pts")):
        ln = [x for x in lines if x.startswith(label + " ")]
        check(len(ln) == 1 and ln[0].split()[-4:] == [b_, a_] + c_.split(),
              f"split row {label!r}: {ln}")
    check(any(re.match(r"^call sites\s+5\s+5\s+1 new, 1 gone$", ln) for ln in lines),
          f"call sites row:\n{text}")
    check(all(ln == ln.rstrip() for ln in lines), "no trailing blanks")
    head = [ln for ln in lines if ln.startswith("rank")]
    check(len(head) == 1 and head[0].split() == [
        "rank", "before", "after", "change", "relative", "before", "after", "before", "after",
        "pts", "status", "function", "location"], f"table header {head}")
    rows = [ln.split() for ln in lines if ln[:4].strip().isdigit()]
    check(rows == [
        ["1", "500.0", "5.0", "-495.0", "-99.0%", "1,000", "20", "33.3%", "4.0%", "-29.3",
         "both", "new_node", "tree.c:12"],
        ["2", "25.0", "0.0", "-25.0", "-100.0%", "50", "0", "11.1%", "0.0%", "-11.1", "gone",
         "cache_fill", "tree.c:70"],
        ["3", "0.0", "0.0", "0.0", "0.0%", "0", "0", "22.2%", "4.0%", "-18.2", "both",
         "free_tree", "tree.c:20"],
        ["4", "50.0", "50.0", "0.0", "0.0%", "100", "200", "0.0%", "0.0%", "0.0", "both",
         "libfoo_alloc", "/usr/lib/libfoo.so.2"],
        ["5", "5.0", "5.0", "0.0", "0.0%", "10", "20", "0.0%", "0.0%", "0.0", "both", "parse",
         "tree.c:33"],
        ["6", "0.0", "1.0", "+1.0", "new", "0", "4", "0.0%", "2.0%", "+2.0", "new",
         "arena_grow", "arena.c:80"],
    ], "site rows:\n" + "\n".join(map(str, rows)))


def case_identical():
    """The same profile twice (one file, and two copies): every change is exactly 0."""
    b = before_db()
    for other in (b, before_db("copy.db")):
        doc = diff_json(b, other)
        check(doc["before"] == dict(doc["after"], path=b), "the same totals")
        tc = doc["totals_change"]
        for k, v in tc.items():
            if isinstance(v, dict):
                check(all(x == 0 for x in v.values()), f"totals_change {k} {v}")
            else:
                check(v == 0, f"totals_change {k} = {v!r}")
        check((doc["sites_total"], doc["sites_new"], doc["sites_gone"]) == (5, 0, 0),
              "no new or gone site")
        for s in doc["sites"]:
            check(s["status"] == "both" and s["before"] == s["after"], f"site {s}")
            check(all(v == 0 for v in s["change"].values()), f"change {s['change']}")
        # all drops are 0: ties by the CPU change (0), then by function, file, line
        check([s["function"] for s in doc["sites"]] ==
              ["cache_fill", "free_tree", "libfoo_alloc", "new_node", "parse"],
              f"order {[s['function'] for s in doc['sites']]}")
        text = text_of(b, other)
        check("0 new, 0 gone" in text, text)
        rows = [ln.split() for ln in text.splitlines() if ln[:4].strip().isdigit()]
        check(len(rows) == 5 and all(r[3] == "0.0" and r[9] == "0.0" and r[10] == "both"
                                     for r in rows), f"rows {rows}")


def case_top():
    b, a = before_db(), after_db()
    doc = diff_json("-n", "2", b, a)
    check(doc["sites_total"] == 6 and [s["function"] for s in doc["sites"]] ==
          ["new_node", "cache_fill"], f"--top 2 {doc['sites']}")
    doc = diff_json("--top", "0", b, a)
    check(len(doc["sites"]) == 6, "--top 0: all")
    text = text_of("-n", "3", b, a)
    check("Top 3 of 6 call sites" in text and "libfoo_alloc" not in text, text)
    check("Top 6 of 6" in text_of(b, a), "text default 20")


def case_output_file():
    b, a = before_db(), after_db()
    for args, name in ((["--json"], "d.json"), ([], "d.txt")):
        path = os.path.join(TMP, name)
        check(run_ok(*args, "-o", path, b, a) == b"", f"{args} -o: nothing on stdout")
        with open(path, "rb") as f:
            check(f.read() == run_ok(*args, b, a), f"{args}: -o FILE holds the same output")
    rc, out, err = run("-o", os.path.join(TMP, "no/such/dir/x"), b, a)
    check(rc == 1 and out == b"" and err.startswith(b"arenaprof: cannot write ") and
          err.count(b"\n") == 1, f"unwritable -o: {rc} {err!r}")


def case_no_cpu():
    """Without CPU samples on one or both sides the CPU changes are null, not 0."""
    b, a = make_db("basic1.db", "fixture_basic.sql"), make_db("basic2.db", "fixture_basic.sql")
    doc = diff_json(b, a)
    tc = doc["totals_change"]
    for k in ("cpu_cores", "cpu_cores_rel", "cpu_cores_excl_overhead",
              "cpu_cores_excl_overhead_rel", "allocator_cpu_share", "allocator_cpu_share_rel",
              "allocator_cpu_split", "profiler_overhead_share"):
        check(tc[k] is None, f"no CPU: totals_change {k} = {tc[k]!r}")
    check(doc["before"]["cpu_cores"] is None and doc["before"]["allocator_cpu_share"] == 0,
          f"no CPU: {doc['before']}")
    check(all(s["change"]["alloc_cpu_share"] is None for s in doc["sites"]), "site CPU null")
    check(tc["allocs"] == 0 and tc["allocs_per_s"] == 0, "identical allocations")
    text = text_of(b, a)
    check("CPU: no CPU samples in either profile: no CPU comparison" in text, text)
    check("pts" not in text, "no alloc CPU columns")
    check("WARNING: " + b + ": 7 allocation records were lost" in text, text)
    # one side with CPU samples: its own values, no change
    doc = diff_json(b, after_db())
    check(doc["after"]["cpu_cores"] == 0.4 and doc["totals_change"]["cpu_cores"] is None and
          doc["totals_change"]["allocator_cpu_share"] is None, f"{doc['totals_change']}")
    text = text_of(b, after_db("after2.db"))
    check(re.search(r"^allocator CPU share\s+-\s+10\.0%\s+-\s+-$", text, re.M), text)


def case_no_duration():
    """A profile without duration_ns: per-second rates null, sites sorted by allocations."""
    b = before_db()
    a = after_db(extra="DELETE FROM meta WHERE key = 'duration_ns';")
    doc = diff_json(b, a)
    check(doc["after"]["duration_s"] is None and doc["after"]["allocs_per_s"] is None and
          doc["after"]["cpu_cores"] is None, f"after {doc['after']}")
    tc = doc["totals_change"]
    check(tc["allocs"] == -916 and tc["allocs_per_s"] is None and tc["cpu_cores"] is None,
          f"{tc}")
    check(tc["allocator_cpu_share"] == 0.1 - 60 / 90, "shares need no duration")
    check(all(s["after"]["allocs_per_s"] is None and s["change"]["allocs_per_s"] is None
              for s in doc["sites"]), "site rates null")
    # by allocations: new_node -980, libfoo_alloc +100 last
    order = [s["function"] for s in doc["sites"]]
    check(order == ["new_node", "cache_fill", "free_tree", "arena_grow", "parse",
                    "libfoo_alloc"], f"order by allocation change {order}")
    text = text_of(b, a)
    check("WARNING: " + a + ": recording length unknown" in text and
          "call sites by drop in allocations:" in text, text)


# ---- errors: exit 1, one line on stderr, nothing on stdout ----

def expect_error(args, message, prefix=False):
    for extra in ([], ["--json"]):
        rc, out, err = run(*extra, *args)
        check(rc == 1, f"{extra + args}: exit {rc} (expected 1), stderr {err!r}")
        check(out == b"", f"{extra + args}: output on stdout {out[:200]!r}")
        check(err.endswith(b"\n") and err.count(b"\n") == 1, f"not one line: {err!r}")
        line = err[:-1].decode()
        ok = line.startswith(message) if prefix else line == message
        check(ok, f"{extra + args}: stderr {line!r}, expected {message!r}")


def case_err_missing():
    good, p = before_db(), os.path.join(TMP, "missing.db")
    expect_error([p, good], f"arenaprof: cannot open {p}: No such file or directory")
    expect_error([good, p], f"arenaprof: cannot open {p}: No such file or directory")


def case_err_not_profile():
    good = before_db()
    text = os.path.join(TMP, "passwd")
    with open(text, "w") as f:
        f.write("root:x:0:0:root:/root:/bin/bash\n" * 20)
    expect_error([good, text], f"arenaprof: {text} is not an arenaprof database (not SQLite)")
    other = os.path.join(TMP, "other.db")
    db = sqlite3.connect(other)
    db.executescript("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
    db.close()
    expect_error([other, good],
                 f"arenaprof: {other} is not an arenaprof database (no schema version)")


def case_err_schema():
    good = before_db()
    p = after_db("v999.db", "UPDATE meta SET value = '999' WHERE key = 'schema_version';")
    expect_error([good, p], f"arenaprof: {p} has schema version 999; this arenaprof reads "
                 f"version {schema_version(ARGS.schema)}")
    p = after_db("v1.db", "UPDATE meta SET value = '1' WHERE key = 'schema_version';")
    expect_error([p, good], f"arenaprof: {p} has schema version 1; this arenaprof reads "
                 f"version {schema_version(ARGS.schema)}")


def case_err_corrupt():
    good = before_db()
    rows = []
    for i in range(100, 1600):
        rows.append(f"INSERT INTO stacks VALUES ({i}, 2, 0);"
                    f"INSERT INTO stack_frames VALUES ({i}, 0, {101 + i % 16}), ({i}, 1, 101);"
                    f"INSERT INTO alloc_stats VALUES ({i}, 'malloc', {i}, {i * 16}, 16, 16);")
    p = after_db("corrupt.db", "".join(rows))
    check(run(good, p)[0] == 0, "the uncorrupted copy reads fine")
    with open(p, "r+b") as f:
        data = f.read()
        page = int.from_bytes(data[16:18], "big")
        npages = len(data) // page
        check(npages >= 8, f"fixture too small: {npages} pages")
        f.seek((npages // 2) * page)
        f.write(bytes([0xA5]) * page)
    expect_error([good, p], f"arenaprof: {p} is a corrupt database", prefix=True)


def case_usage():
    usage = (b"usage: arenaprof diff [--json] [-n N|--top N] [--wrapper REGEX]... "
             b"[--no-wrappers] [-o FILE] BEFORE.db AFTER.db\n")
    b = before_db()
    for args, msg in (([], b"diff needs two profile databases: BEFORE.db AFTER.db"),
                      ([b], b"diff needs two profile databases: BEFORE.db AFTER.db"),
                      ([b, b, b], b"unexpected argument " + b.encode()),
                      (["-n", "x", b, b], b"--top needs a number >= 0 (0: all), not 'x'"),
                      (["-n", "-1", b, b], b"--top needs a number >= 0 (0: all), not '-1'"),
                      (["--bogus", b, b], b"unknown option --bogus"),
                      (["-x", b, b], b"unknown option -x"),
                      (["--wrapper", "x(", b, b],
                       b"--wrapper needs a regular expression, not 'x('"),
                      ([b, b, "-o"], b"option -o needs an argument")):
        rc, out, err = run(*args)
        check(rc == 2 and out == b"" and err == b"arenaprof: " + msg + b"\n" + usage,
              f"{args}: exit {rc}, stdout {out!r}, stderr {err!r}")
    rc, out, err = run("--help")
    check(rc == 0 and out == usage and err == b"", f"--help: {rc} {out!r} {err!r}")


def close(a, b):
    return a is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))


def case_prediction():
    """Before's top candidate's prediction against after, by hand. Before is
    fixture_candidates.sql (200 CPU samples, 10 the profiler's, at 100 Hz; handle_request's
    candidate: malloc side 50 samples, free side 30 x 60/63, no calibration: fraction 0.10;
    10,880 allocations in 2 s, 2,560 + 1,280 of them at its sites; peak RSS 1000 KiB). After is
    the same without the candidate's allocator samples (stacks 40, 41, 42: 80 samples), its
    3,840 allocations and with a peak RSS of 900 KiB."""
    before = make_db("pb.db", "fixture_candidates.sql",
                     "INSERT INTO meta VALUES ('peak_rss_kib', '1000');")
    after = make_db("pa.db", "fixture_candidates.sql",
                    "DELETE FROM cpu_stats WHERE stack_id IN (40, 41, 42);"
                    "UPDATE counters SET value = 10880 - 3840 WHERE name = 'allocs';"
                    "UPDATE counters SET value = 120 WHERE name = 'cpu_samples';"
                    "INSERT INTO meta VALUES ('peak_rss_kib', '900');")
    p = diff_json(before, after)["prediction"]
    n = 190
    removed = 50 / n + 30 * (60 / 63) / n
    est = removed * (1 - 0.10)
    share = 150 / n  # allocator samples of before
    check(p["scope"] == "handle_request" and close(p["est_cpu_saving"], est) and
          p["est_cpu_saving_with_walk"] is None, f"prediction {p}")
    lo, hi = p["est_cpu_saving_ci90"]
    check(lo < est < hi, f"ci90 {lo, hi} around {est}")
    check(close(p["cpu_s"]["before"], 1.9) and close(p["cpu_s"]["predicted"], 1.9 * (1 - est))
          and close(p["cpu_s"]["measured"], 1.1), f"cpu_s {p['cpu_s']}")
    check(close(p["measured_cpu_saving"], 1 - 1.1 / 1.9), f"{p['measured_cpu_saving']}")
    check(close(p["allocator_cpu_share"]["before"], share) and
          close(p["allocator_cpu_share"]["predicted"], (share - removed) / (1 - est)) and
          close(p["allocator_cpu_share"]["measured"], 70 / 110), f"{p['allocator_cpu_share']}")
    check(close(p["allocs_per_s"]["before"], 10880 / 2) and
          close(p["allocs_per_s"]["predicted"], (10880 - 3840) / 2) and
          close(p["allocs_per_s"]["measured"], (10880 - 3840) / 2), f"{p['allocs_per_s']}")
    # the memory model: all of an invocation's objects live at once, RSS change 0
    check(p["peak_rss_kib"] == {"before": 1000, "predicted": 1000, "measured": 900},
          f"peak_rss_kib {p['peak_rss_kib']}")
    text = text_of(before, after)
    check(f"  {'allocator CPU share':<24} {100 * share:13.1f}% "
          f"{100 * (share - removed) / (1 - est):13.1f}% {100 * 70 / 110:13.1f}%" in text, text)
    check("Prediction of before's top candidate, `handle_request()`: saving "
          f"{100 * est:.1f}%" in text, text)


if __name__ == "__main__":
    sys.exit(main(globals()))
