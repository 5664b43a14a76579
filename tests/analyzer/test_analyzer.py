#!/usr/bin/env python3
"""test_analyzer.py: the analyzer's tests (`report`, `report --json`, `folded`, errors), run by
ctest one case at a time:

    test_analyzer.py --cli analyzer_cli --schema schema.sql --fixture fixture_basic.sql CASE

Profiles are built at test time from schema/schema.sql + fixture_basic.sql with Python's sqlite3
module. The expected numbers below are derived by hand from fixture_basic.sql."""

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

NASTY_FUNCTION = b'we"rid\\ b;s\n\t\x01\xc3\xa9\xff \xc3\xbc\xc3'
NASTY_COMMAND = b'./server --name "q\\uote"\t\xc3\xbc\x1b[31m'
CXX_FUNCTION = ("std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>"
                "(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >,"
                " int const&)")

RECORDED_ALLOCS = 437
# function, file, line, module, allocs, bytes, size_min, size_max, kinds, stacks: in report order
SITES = [
    ("parse_header", "src/http.c", 77, "/usr/bin/server", 180, 10160, 16, 128,
     {"malloc": 160, "calloc": 20}, 3),
    # ties on allocs with libfoo_alloc: more bytes first; the C++ standard library's function is
    # folded into its caller (analyzer/README.md, "Call sites"), the site's only wrapper
    ("handle_request", "src/server.c", 40, "/usr/bin/server", 122, 48000, 8, 4096,
     {"realloc": 122}, 1),
    ("libfoo_alloc", None, None, "/usr/lib/libfoo.so", 122, 960, 0, 8,
     {"malloc": 120, "posix_memalign": 2}, 1),
    # ties on allocs and bytes: by function name
    ("alpha_fn", "src/a.c", 1, "/usr/bin/server", 5, 50, 10, 10, {"malloc": 5}, 1),
    (NASTY_FUNCTION.decode("utf-8", "replace"), 'src/nasty "dir"/ü.c', 3, "/usr/bin/server", 5,
     50, 10, 10, {"malloc": 5}, 1),
    # a stack without frames
    ("[unknown]", None, None, "[unknown]", 3, 30, 10, 10, {"malloc": 3}, 1),
]

NASTY_FOLDED = NASTY_FUNCTION.replace(b";", b":").replace(b"\n", b" ").replace(b"\t", b" ") \
    .replace(b"\x01", b" ").decode("utf-8", "replace").encode()
FOLDED_COUNT = sorted([
    b"main;handle_request;parse_header;calloc 20",
    b"main;handle_request;parse_header;malloc 110",  # stacks 1 and 7 merged
    b"worker_thread;handle_request;parse_header;malloc 50",
    b"main;handle_request;" + CXX_FUNCTION.encode() + b";realloc 122",
    b"main;libfoo_alloc;malloc 120",
    b"main;libfoo_alloc;posix_memalign 2",
    b"main;0x7f00dead0000;" + NASTY_FOLDED + b";malloc 5",
    b"main;alpha_fn;malloc 5",
    b"[unknown];malloc 3",
])
FOLDED_BYTES = sorted([
    b"main;handle_request;parse_header;calloc 2000",
    b"main;handle_request;parse_header;malloc 6560",
    b"worker_thread;handle_request;parse_header;malloc 1600",
    b"main;handle_request;" + CXX_FUNCTION.encode() + b";realloc 48000",
    b"main;libfoo_alloc;malloc 960",
    # posix_memalign of 0 bytes: no line
    b"main;0x7f00dead0000;" + NASTY_FOLDED + b";malloc 50",
    b"main;alpha_fn;malloc 50",
    b"[unknown];malloc 30",
])


# flamegraph.pl: my ($stack, $samples) = (/^(.*)\s+?(\d+(?:\.\d*)?)$/);
FLAMEGRAPH_PL_LINE = re.compile(rb"^(.*)\s+?(\d+(?:\.\d*)?)$")


def run(*args):
    return run_cli(ARGS.cli, *args)


def run_ok(*args):
    return run_cli_ok(ARGS.cli, *args)


def fixture_path(name):
    return os.path.join(os.path.dirname(os.path.abspath(ARGS.fixture)), name)


def make_db(name, extra_sql="", fixture=True):
    """schema.sql + meta.schema_version + the fixture: True is --fixture (fixture_basic.sql), a
    string another fixture file of this directory, False none (an empty profile)."""
    fpath = (ARGS.fixture if fixture is True else fixture_path(fixture)) if fixture else None
    return build_db(os.path.join(TMP, name), ARGS.schema, fpath, extra_sql)


def report_json(*args):
    out = run_ok("report", "--json", *args)
    try:
        return json.loads(out.decode("utf-8"))  # strict: must be valid UTF-8 and JSON
    except (UnicodeDecodeError, ValueError) as e:
        raise Failure(f"report --json is not valid JSON: {e}\n{out!r}")


# ---- report --json ----

def case_json():
    doc = report_json(make_db("basic.db"))
    check(doc["schema_version"] == 1, "schema_version")  # the JSON format's, not the database's
    check(doc["target"] == {"pid": 4242, "command": NASTY_COMMAND.decode()},
          f"target {doc['target']}")
    rec = doc["recording"]
    check(rec["duration_s"] == 12.5, f"duration_s {rec['duration_s']}")
    check(rec["end_reason"] == "signal", "end_reason")
    check(rec["closed"] is True, "closed")
    check(rec["mode"] == "exact" and rec["unwind"] == "dwarf", "mode/unwind")
    t = doc["totals"]
    check((t["allocs"], t["bytes"], t["frees"], t["lost_events"], t["recorded_allocs"]) ==
          (444, 59400, 400, 7, RECORDED_ALLOCS), f"totals {t}")
    check(t["allocs"] == t["recorded_allocs"] + t["lost_events"], "invariant")
    sites = doc["sites"]
    check(len(sites) == len(SITES), f"{len(sites)} sites, expected {len(SITES)} (all by default)")
    for i, (got, exp) in enumerate(zip(sites, SITES)):
        fn, file, line, module, allocs, nbytes, smin, smax, kinds, stacks = exp
        want = {"function": fn, "file": file, "line": line, "module": module, "allocs": allocs,
                "bytes": nbytes, "size_min": smin, "size_max": smax, "kinds": kinds,
                "stacks": stacks}
        for k, v in want.items():
            check(got[k] == v, f"site {i} ({fn!r}): {k} = {got[k]!r}, expected {v!r}")
        check(abs(got["share"] - allocs / RECORDED_ALLOCS) < 1e-12,
              f"site {i}: share {got['share']}")
        check(got["wrappers"] == ([CXX_FUNCTION] if fn == "handle_request" else []),
              f"site {i}: wrappers {got['wrappers']}")
    check(abs(sum(s["share"] for s in sites) - 1.0) < 1e-9, "shares add up to 1")
    check([s["allocs"] for s in sites] == sorted((s["allocs"] for s in sites), reverse=True),
          "sorted by allocs")


def case_json_top():
    doc = report_json("--top", "2", make_db("basic.db"))
    check([s["function"] for s in doc["sites"]] == ["parse_header", "handle_request"],
          f"--top 2: {[s['function'] for s in doc['sites']]}")
    doc = report_json("--top", "2", "--no-wrappers", make_db("basic3.db"))
    check([s["function"] for s in doc["sites"]] == ["parse_header", CXX_FUNCTION],
          f"--top 2 --no-wrappers: {[s['function'] for s in doc['sites']]}")
    doc = report_json("-n", "0", make_db("basic2.db"))
    check(len(doc["sites"]) == len(SITES), "-n 0 lists all")


def case_json_selftest():
    rc, out, err = run("json-selftest")
    check(rc == 0, f"json-selftest exit {rc}: {err!r}")
    try:
        doc = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Failure(f"not valid JSON: {e}\n{out!r}")
    R = "\ufffd"
    check(doc["strings"] == [
        "plain",
        'quote " backslash \\ slash /',
        "\b\f\n\r\t\x01\x1f\x7f",
        "café € 😀",
        f"bad {R} {R} end",
        f"overlong {R}{R} {R}{R}{R}",
        f"surrogate {R}{R}{R}",
        f"too big {R}{R}{R}{R}",
        f"truncated {R}{R}",
        f"stray {R} continuation",
        "line sep \u2028 para sep \u2029",
    ], f"strings {doc['strings']!r}")
    check(b"\\u2028" in out and b"\xe2\x80\xa8" not in out, "U+2028 escaped")
    allb = doc["bytes 0x01..0xff, one string"]
    check(allb == "".join(chr(i) for i in range(1, 128)) + R * 128, f"all bytes {allb!r}")
    check(doc["embedded_nul"] == "a\0b", "embedded NUL")
    check(doc["numbers"] == [0, -1, 9007199254740993, 0.1, 1 / 3, 1e300, 2.2250738585072014e-308,
                             -2.5, None, None], f"numbers {doc['numbers']}")
    check(doc["empty_object"] == {} and doc["empty_array"] == [], "empty containers")
    check(doc["literals"] == [True, False, None, None], "literals")
    for c in out[:-1]:
        check(c >= 0x20, "raw control character in compact JSON")


# ---- folded ----

def folded_lines(out):
    check(out.endswith(b"\n"), "folded output ends with a newline")
    lines = out[:-1].split(b"\n")
    for ln in lines:
        stack, _, value = ln.rpartition(b" ")  # how inferno splits
        check(stack and value.isdigit(), f"bad folded line {ln!r}")
        m = FLAMEGRAPH_PL_LINE.match(ln)  # how flamegraph.pl splits
        check(m and m.group(1) == stack and m.group(2) == value, f"flamegraph.pl: {ln!r}")
        check(b";;" not in stack and not stack.startswith(b";"), f"empty frame in {ln!r}")
        check(b"\r" not in ln and b"\t" not in ln, f"control character in {ln!r}")
        ln.decode("utf-8")  # valid UTF-8
    check(len(lines) == len(set(ln.rpartition(b" ")[0] for ln in lines)), "duplicate stacks")
    return lines


def case_folded_count():
    db = make_db("basic.db")
    lines = folded_lines(run_ok("folded", db))
    check(sorted(lines) == FOLDED_COUNT, "folded count:\n" + "\n".join(map(repr, lines)))
    check(run_ok("folded", "--metric", "count", db) == run_ok("folded", db), "default is count")
    total = sum(int(ln.rpartition(b" ")[2]) for ln in lines)
    check(total == RECORDED_ALLOCS, f"folded count total {total}")


def case_folded_bytes():
    lines = folded_lines(run_ok("folded", "--metric", "bytes", make_db("basic.db")))
    check(sorted(lines) == FOLDED_BYTES, "folded bytes:\n" + "\n".join(map(repr, lines)))


# ---- text report ----

def case_text():
    db = make_db("basic.db")
    out = run_ok("report", db)
    text = out.decode("utf-8", "replace")
    for b in out:
        check(b >= 0x20 or b == 0x0a, f"control byte {b:#x} in the text report")
    for want in [
        "target:       ./server --name \"q\\uote\"?ü?[31m (pid 4242)",
        "duration:     12.5 s",
        "ended by:     signal",
        "closed:       yes",
        "mode:         exact, unwinder dwarf",
        "allocations:  444 (58.0 KiB requested); 437 in recorded stacks",
        "frees:        400",
        "lost events:  7",
        "WARNING: 7 allocation records were lost",
        "Top 6 of 6 call sites by allocations:",
    ]:
        check(want in text, f"text report lacks {want!r}:\n{text}")
    check("not closed" not in text, "no not-closed warning for a closed database")
    rows = [ln.split() for ln in text.splitlines() if ln[:4].strip().isdigit()]
    check(len(rows) == 6, f"{len(rows)} site rows:\n{text}")
    check(rows[0][:7] == ["1", "180", "41.2%", "9.92", "KiB", "56.4", "B"], f"row 1 {rows[0]}")
    check(rows[0][7:] == ["parse_header", "src/http.c:77"], f"row 1 {rows[0]}")
    check(rows[1][0] == "2" and rows[1][1] == "122" and rows[1][3:5] == ["46.9", "KiB"] and
          rows[1][7:9] == ["handle_request", "src/server.c:40"] and
          " ".join(rows[1][9:]) == "via " + CXX_FUNCTION, f"row 2 {rows[1]}")
    check(rows[2][1:3] == ["122", "27.9%"] and rows[2][-2:] == ["libfoo_alloc",
                                                               "/usr/lib/libfoo.so"],
          f"row 3 (no file: module) {rows[2]}")
    check(rows[3][-2:] == ["alpha_fn", "src/a.c:1"], f"row 4 {rows[3]}")
    check(rows[5][-2:] == ["[unknown]", "[unknown]"], f"row 6 {rows[5]}")
    out3 = run_ok("report", "-n", "3", db).decode("utf-8", "replace")
    check("Top 3 of 6 call sites" in out3 and "alpha_fn" not in out3, "-n 3")


def case_text_not_closed():
    db = make_db("open.db", "UPDATE meta SET value = '0' WHERE key = 'closed';"
                 "DELETE FROM meta WHERE key IN ('end_reason', 'duration_ns');"
                 "UPDATE counters SET value = 0 WHERE name = 'lost_events';")
    text = run_ok("report", db).decode("utf-8", "replace")
    check("WARNING: the database was not closed" in text, f"not-closed warning:\n{text}")
    check("records were lost" not in text, "no lost-events warning with lost_events = 0")
    check("closed:       no" in text and "duration:     unknown" in text, text)
    doc = report_json(db)
    check(doc["recording"]["closed"] is False, "JSON closed false")
    check(doc["recording"]["duration_s"] is None and doc["recording"]["end_reason"] is None,
          "absent meta are null")


def case_wal_live():
    """A profile still being written (WAL mode as the agent writes it, writer connection open, a
    batch in progress): the committed batches are read, the one in progress is not."""
    path = os.path.join(TMP, "live.db")
    with open(ARGS.schema, encoding="utf-8") as f:
        schema = f.read()
    with open(ARGS.fixture, encoding="utf-8") as f:
        fixture = f.read()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema + fixture + "UPDATE meta SET value = '0' WHERE key = 'closed';"
                     "INSERT INTO meta(key, value) VALUES "
                     f"('schema_version', '{schema_version(ARGS.schema)}');")
    db.execute("BEGIN")
    db.execute("INSERT INTO alloc_stats VALUES (6, 'calloc', 1000, 1000, 1, 1)")
    try:
        check(os.path.exists(path + "-wal"), "the writer left a WAL")
        doc = report_json(path)
        check(doc["totals"]["recorded_allocs"] == RECORDED_ALLOCS, "uncommitted batch not seen")
        check(doc["recording"]["closed"] is False, "not closed")
        db.execute("COMMIT")
        doc = report_json(path)
        check(doc["totals"]["recorded_allocs"] == RECORDED_ALLOCS + 1000, "committed batch seen")
        check(doc["sites"][0]["function"] == "alpha_fn", "alpha_fn is now first")
    finally:
        db.close()


def case_empty_profile():
    db = make_db("empty.db", fixture=False)
    text = run_ok("report", db).decode()
    check("No allocation was recorded" in text, text)
    doc = report_json(db)
    check(doc["sites"] == [] and doc["totals"]["recorded_allocs"] == 0, f"{doc}")
    check(run_ok("folded", db) == b"", "folded of an empty profile is empty")


def case_output_file():
    db = make_db("basic.db")
    for cmd, name in ((["report", "--json"], "r.json"), (["report"], "r.txt"),
                      (["folded"], "f.folded")):
        path = os.path.join(TMP, name)
        check(run_ok(*cmd, "-o", path, db) == b"", f"{cmd} -o: nothing on stdout")
        with open(path, "rb") as f:
            check(f.read() == run_ok(*cmd, db), f"{cmd}: -o FILE holds the same output")
    rc, out, err = run("folded", "-o", os.path.join(TMP, "no/such/dir/x"), db)
    check(rc == 1 and out == b"" and err.startswith(b"arenaprof: cannot write ")
          and err.count(b"\n") == 1, f"unwritable -o: {rc} {err!r}")
    if os.path.exists("/dev/full"):  # a write error (ENOSPC) is exit 1, not a silent truncation
        for cmd in (["report"], ["report", "--json"], ["folded"]):
            rc, out, err = run(*cmd, "-o", "/dev/full", db)
            check(rc == 1 and err == b"arenaprof: cannot write /dev/full: No space left on "
                  b"device\n", f"{cmd} -o /dev/full: {rc} {err!r}")


# ---- errors: exit 1, one line on stderr, nothing on stdout ----

def expect_error(path, message, prefix=False):
    for cmd in (["report"], ["report", "--json"], ["folded"], ["folded", "--metric", "bytes"]):
        rc, out, err = run(*cmd, path)
        check(rc == 1, f"{cmd} {path}: exit {rc} (expected 1), stderr {err!r}")
        check(out == b"", f"{cmd} {path}: output on stdout {out[:200]!r}")
        check(err.endswith(b"\n") and err.count(b"\n") == 1, f"{cmd}: not one line: {err!r}")
        line = err[:-1].decode()
        ok = line.startswith(message) if prefix else line == message
        check(ok, f"{cmd}: stderr {line!r}, expected {message!r}")


def case_err_missing():
    p = os.path.join(TMP, "missing.db")
    expect_error(p, f"arenaprof: cannot open {p}: No such file or directory")


def case_err_text_file():
    p = os.path.join(TMP, "passwd")
    with open(p, "w") as f:
        f.write("root:x:0:0:root:/root:/bin/bash\n" * 20)
    expect_error(p, f"arenaprof: {p} is not an arenaprof database (not SQLite)")


def case_err_empty_file():
    p = os.path.join(TMP, "empty")
    open(p, "w").close()
    expect_error(p, f"arenaprof: {p} is empty, not an arenaprof database")


def case_err_directory():
    expect_error(TMP, f"arenaprof: {TMP} is not a regular file")


def case_err_not_ours():
    p = os.path.join(TMP, "other.db")
    db = sqlite3.connect(p)
    db.executescript("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
    db.close()
    expect_error(p, f"arenaprof: {p} is not an arenaprof database (no schema version)")


def case_err_schema_999():
    p = make_db("v999.db", "UPDATE meta SET value = '999' WHERE key = 'schema_version';")
    expect_error(p, f"arenaprof: {p} has schema version 999; this arenaprof reads version "
                 f"{schema_version(ARGS.schema)}")
    # a version 1 profile (before CPU samples) is refused too
    p = make_db("v1.db", "UPDATE meta SET value = '1' WHERE key = 'schema_version';")
    expect_error(p, f"arenaprof: {p} has schema version 1; this arenaprof reads version "
                 f"{schema_version(ARGS.schema)}")


def case_err_missing_tables():
    p = os.path.join(TMP, "partial.db")
    db = sqlite3.connect(p)
    db.executescript("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                     f"INSERT INTO meta VALUES ('schema_version', '{schema_version(ARGS.schema)}');")
    db.close()
    expect_error(p, f"arenaprof: {p}: cannot read ", prefix=True)


def big_db(name):
    """The fixture plus enough stacks that every table spans several pages."""
    rows = []
    for i in range(100, 1600):
        rows.append(f"INSERT INTO stacks VALUES ({i}, 2, 0);"
                    f"INSERT INTO stack_frames VALUES ({i}, 0, {1 + i % 12}), ({i}, 1, 1);"
                    f"INSERT INTO alloc_stats VALUES ({i}, 'malloc', {i}, {i * 16}, 16, 16);")
    return make_db(name, "".join(rows))


def case_err_corrupt():
    p = big_db("corrupt.db")
    check(run("report", p)[0] == 0, "the uncorrupted copy reads fine")
    with open(p, "r+b") as f:
        data = f.read()
        page = int.from_bytes(data[16:18], "big")
        npages = len(data) // page
        check(npages >= 8, f"fixture too small: {npages} pages")
        f.seek((npages // 2) * page)
        f.write(bytes([0xA5]) * page)  # one page in the middle overwritten
    expect_error(p, f"arenaprof: {p} is a corrupt database", prefix=True)


def case_err_truncated():
    p = big_db("truncated.db")
    size = os.path.getsize(p)
    os.truncate(p, size // 2)
    expect_error(p, f"arenaprof: {p} is a corrupt database", prefix=True)


def case_err_overflow():
    """Sums beyond 64 bits are an error, never a wrapped number."""
    p = make_db("overflow.db", "UPDATE alloc_stats SET allocs = 9000000000000000000 "
                "WHERE stack_id IN (1, 7) AND kind = 'malloc';")  # one site, one folded line
    for cmd, msg in ((["report"], f"arenaprof: {p}: cannot read allocation statistics: "
                      "integer overflow"),
                     (["report", "--json"], None),
                     (["folded"], f"arenaprof: {p}: stack totals overflow")):
        rc, out, err = run(*cmd, p)
        check(rc == 1 and out == b"" and err.count(b"\n") == 1, f"{cmd}: {rc} {out!r} {err!r}")
        check(msg is None or err.decode() == msg + "\n", f"{cmd}: {err!r}")
    # bytes do not overflow: folded --metric bytes works
    check(run("folded", "--metric", "bytes", p)[0] == 0, "folded --metric bytes")


def case_usage():
    db = make_db("basic.db")
    for args in (["report"], ["folded"], ["report", "--bogus", db], ["report", "-x", db],
                 ["report", "-n", "abc", db], ["report", "-n", "-3", db], ["report", "-n"],
                 ["folded", "--metric", "pages", db], ["report", db, db]):
        rc, out, err = run(*args)
        check(rc == 2, f"{args}: exit {rc} (expected 2)")
        check(out == b"" and err.startswith(b"arenaprof: ") and b"usage: arenaprof" in err,
              f"{args}: {out!r} {err!r}")
    rc, out, err = run("report", "--help")
    check(rc == 0 and out.startswith(b"usage: arenaprof report"), "--help")
    # options after the operand work too (GNU getopt)
    check(run_ok("report", db, "--json").startswith(b"{"), "option after DB")

# ---- CPU share (schema version 2: cpu_stats) ----
# fixture_cpu_tree.sql: 100 samples; 10 are the profiler's overhead, so shares are of 90.
TREE_BASE = 90
TREE_SPLIT = {"malloc": 30 + 5, "free": 20, "realloc": 0, "kernel_mm": 5}
TREE_ALLOCATOR = 60
# function, file, line, module, allocs, allocator CPU samples: in report order
TREE_SITES = [
    ("new_node", "tree.c", 12, "/usr/bin/tree", 1000, 30 + 5 + 5),  # malloc, libc leaf, fault
    ("parse", "tree.c", 33, "/usr/bin/tree", 10, 0),
    ("free_tree", "tree.c", 20, "/usr/bin/tree", 0, 20),  # free's call site: no allocation
]
TREE_FOLDED_CPU = sorted([
    b"main;parse;new_node;malloc;_int_malloc 30",
    b"main;free_tree;free;_int_free 20",
    b"main;parse;new_node;malloc;libc.so.6+0x9a12 5",
    b"main;parse;new_node;malloc;_int_malloc;asm_exc_page_fault;exc_page_fault;handle_mm_fault;"
    b"do_anonymous_page;clear_page_erms 5",
    b"main;parse;new_node;malloc;exit_to_user_mode_prepare;uprobe_notify_resume 10",
    b"main;compute 30",
])
TREE_FOLDED_ALLOC_CPU = [ln for ln in TREE_FOLDED_CPU
                         if b"uprobe" not in ln and b"compute" not in ln]

# fixture_cpu_families.sql: 71 samples, 12 overhead (BPF under a uprobe, the single step in the
# [uprobes] page, the uretprobe system call).
FAM_BASE = 59
FAM_SPLIT = {"malloc": 8 + 6 + 7 + 2 + 3 + 2, "free": 4 + 2 + 3, "realloc": 4, "kernel_mm": 3}
FAM_SITES = [  # all without allocations: by function name, then file, line
    ("Tree::insert(int)", "tree.cc", 20, "/usr/bin/app", 8),  # operator new's caller
    ("Tree::~Tree()", "tree.cc", 30, "/usr/bin/app", 4),  # operator delete's caller
    ("[unknown]", None, None, "[unknown]", 2),  # truncated jemalloc stack
    ("cloned", "app.c", 40, "/usr/bin/app", 2),
    ("grow", "app.c", 30, "/usr/bin/app", 4),
    ("release", "app.c", 70, "/usr/bin/app", 3),  # munmap in the kernel: kernel_mm
    ("tick", "app.c", 60, "/usr/bin/app", 3),  # timer interrupt over malloc: still malloc
    ("use_jemalloc", "app.c", 10, "/usr/bin/app", 6),
    ("use_mimalloc", "app.c", 20, "/usr/bin/app", 7),
    ("use_mimalloc", "app.c", 21, "/usr/bin/app", 3),
    ("use_tcmalloc", "app.c", 90, "/usr/bin/app", 2),
]
TCMALLOC_INTERNAL = (b"tcmalloc::ThreadCache::FetchFromCentralCache(unsigned int, int, "
                     b"void* (*)(unsigned long))")
FAM_FOLDED_ALLOC_CPU = sorted([
    b"main;Tree::insert(int);operator new(unsigned long);malloc;_int_malloc 8",
    b"main;Tree::~Tree();operator delete(void*);free;_int_free 4",
    b"main;use_jemalloc;je_malloc;je_tcache_alloc_small_hard 6",
    b"je_arena_dalloc_large;je_large_dalloc 2",
    b"main;use_mimalloc;mi_malloc;_mi_malloc_generic;_mi_page_malloc 7",
    b"main;use_mimalloc;mi_free;_mi_free_generic 3",
    b"main;grow;__libc_realloc;_int_realloc 4",
    b"main;cloned;__libc_malloc;_int_malloc.constprop.0 2",
    b"main;tick;malloc;_int_malloc;asm_sysvec_apic_timer_interrupt;"
    b"__sysvec_apic_timer_interrupt 3",
    b"main;release;free;munmap_chunk;munmap;entry_SYSCALL_64_after_hwframe;do_syscall_64;"
    b"__x64_sys_munmap 3",
    b"main;use_tcmalloc;tc_malloc;" + TCMALLOC_INTERNAL + b" 2",
])
FAM_FOLDED_CPU = sorted(FAM_FOLDED_ALLOC_CPU + [
    b"main;fill;asm_exc_page_fault;exc_page_fault;handle_mm_fault;clear_page_erms 5",
    b"main;work;malloc;uprobe_notify_resume;handle_swbp;handler_chain;uprobe_dispatcher;"
    b"bpf_prog_6deef7357e7b4530_on_malloc 4",
    b"main;work 9",
    b"[unknown] 1",
    b"main;work;[uprobes];asm_exc_debug;exc_debug_user;irqentry_exit_to_user_mode 5",
    b"main;work;[uprobes] 1",
    b"main;work;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_uretprobe 2",
])


def check_cpu_sites(sites, want, base, what):
    """want: (function, file, line, module, allocs or None, allocator samples); shares are exact
    (the same double division as the analyzer's)."""
    got = [(s["function"], s["file"], s["line"], s["module"]) for s in sites]
    check(got == [w[:4] for w in want], f"{what}: sites {got}")
    for s, w in zip(sites, want):
        allocs, samples = w[4], w[-1]
        if allocs is not None:
            check(s["allocs"] == allocs, f"{what}: {w[0]} allocs {s['allocs']}")
        check(s["alloc_cpu_samples"] == samples, f"{what}: {w[0]} samples "
              f"{s['alloc_cpu_samples']}, expected {samples}")
        check(s["alloc_cpu_share"] == samples / base, f"{what}: {w[0]} alloc_cpu_share "
              f"{s['alloc_cpu_share']}, expected {samples}/{base}")
        if s["allocs"] == 0:
            check(s["bytes"] == 0 and s["share"] == 0 and s["kinds"] == {} and
                  s["stacks"] == 0 and s["size_min"] == 0 and s["size_max"] == 0,
                  f"{what}: a site without allocations: {s}")


def check_cpu_totals(t, samples, recorded, split, base, overhead, lost=0):
    check(t["cpu_samples"] == samples, f"cpu_samples {t['cpu_samples']}, expected {samples}")
    check(t["cpu_recorded_samples"] == recorded, f"cpu_recorded_samples {t}")
    check(t["cpu_lost"] == lost, f"cpu_lost {t['cpu_lost']}")
    want_split = {k: v / base for k, v in split.items()}
    check(t["allocator_cpu_split"] == want_split,
          f"allocator_cpu_split {t['allocator_cpu_split']}, expected {want_split}")
    check(list(t["allocator_cpu_split"]) == ["malloc", "free", "realloc", "kernel_mm"],
          "split keys in order")
    check(t["allocator_cpu_share"] == sum(split.values()) / base,
          f"allocator_cpu_share {t['allocator_cpu_share']}")
    check(t["profiler_overhead_share"] == overhead / recorded,
          f"profiler_overhead_share {t['profiler_overhead_share']}")


def case_cpu_json_tree():
    doc = report_json(make_db("tree.db", fixture="fixture_cpu_tree.sql"))
    check(doc["schema_version"] == 1, "the JSON format version stays 1 (fields only added)")
    check(doc["recording"]["cpu_freq"] == 100, f"cpu_freq {doc['recording']}")
    t = doc["totals"]
    check_cpu_totals(t, 100, 100, TREE_SPLIT, TREE_BASE, 10)
    check(t["allocator_cpu_share"] == TREE_ALLOCATOR / TREE_BASE, "60 of 90")
    check(t["profiler_overhead_share"] == 0.1, "10 of 100")
    check((t["allocs"], t["recorded_allocs"]) == (1010, 1010), f"allocation totals {t}")
    check(doc["sites_total"] == 3, f"sites_total {doc['sites_total']}")
    check_cpu_sites(doc["sites"], TREE_SITES, TREE_BASE, "tree")
    check(doc["sites"][0]["share"] == 1000 / 1010, "allocation share unchanged")
    check(abs(sum(s["share"] for s in doc["sites"]) - 1.0) < 1e-9,
          "allocation shares still add up to 1 with the CPU-only site")
    check(sum(s["alloc_cpu_share"] for s in doc["sites"]) == t["allocator_cpu_share"],
          "site shares add up to the allocator share")


def case_cpu_json_families():
    doc = report_json(make_db("fam.db", fixture="fixture_cpu_families.sql"))
    check(doc["recording"]["cpu_freq"] is None, "no cpu_freq in meta: null")
    t = doc["totals"]
    # no cpu_samples counter: the sum of cpu_stats
    check_cpu_totals(t, 71, 71, FAM_SPLIT, FAM_BASE, 12)
    check(doc["sites_total"] == len(FAM_SITES), f"sites_total {doc['sites_total']}")
    check_cpu_sites(doc["sites"], [w[:4] + (0, w[4]) for w in FAM_SITES], FAM_BASE,
                    "families")
    names = {s["function"] for s in doc["sites"]}
    for f in ("operator new(unsigned long)", "malloc", "je_malloc", "mi_malloc", "work", "fill",
              "main", "[uprobes]"):
        check(f not in names, f"{f} is not a call site of allocator CPU work")


def text_lines(out):
    text = out.decode("utf-8")
    return text, text.splitlines()


def case_cpu_text_tree():
    db = make_db("tree.db", fixture="fixture_cpu_tree.sql")
    text, lines = text_lines(run_ok("report", db))
    for want in [
        "CPU samples:  100 (1.00 s of CPU time at 100 Hz)",
        "allocator:    66.7% of the process's CPU time",
        "              malloc 38.9%, free 22.2%, realloc 0.0%, kernel memory management 5.6%",
        "theoretical maximum saving: 66.7% of the CPU time (all of the allocator's share)",
        "profiler overhead: 10.0% of the samples (uprobe/BPF handling, left out of the shares "
        "above)",
        "Top 3 of 3 call sites by allocations:",
    ]:
        check(want in lines, f"text report lacks the line {want!r}:\n{text}")
    check("WARNING" not in text, f"no warning:\n{text}")
    head = [ln for ln in lines if ln.lstrip().startswith("rank")]
    check(len(head) == 1 and "alloc CPU" in head[0] and
          head[0].index("avg size") < head[0].index("alloc CPU") < head[0].index("function"),
          f"alloc CPU column header: {head}")
    rows = [ln.split() for ln in lines if ln[:4].strip().isdigit()]
    check(rows == [
        ["1", "1,000", "99.0%", "31.2", "KiB", "32", "B", "44.4%", "new_node", "tree.c:12"],
        ["2", "10", "1.0%", "640", "B", "64", "B", "-", "parse", "tree.c:33"],
        ["3", "0", "0.0%", "0", "B", "0", "B", "22.2%", "free_tree", "tree.c:20"],
    ], f"site rows {rows}")


def case_cpu_text_families():
    text, lines = text_lines(run_ok("report", make_db("fam.db",
                                                      fixture="fixture_cpu_families.sql")))
    for want in [
        "CPU samples:  71 (CPU time unknown: no sampling frequency)",
        "allocator:    74.6% of the process's CPU time",
        "              malloc 47.5%, free 15.3%, realloc 6.8%, kernel memory management 5.1%",
        "theoretical maximum saving: 74.6% of the CPU time (all of the allocator's share)",
        "profiler overhead: 16.9% of the samples (uprobe/BPF handling, left out of the shares "
        "above)",
        "Top 11 of 11 call sites by allocations:",
    ]:
        check(want in lines, f"text report lacks the line {want!r}:\n{text}")
    check("No allocation was recorded" not in text, "there are sites (CPU only)")


# fixture_go.sql: 100 samples; allocation 30 + 10 + 5 (page fault), GC 20 + 5 + 5 + 2.
GO_BYTES = 28624


def close(a, b):
    return abs(a - b) < 1e-12


def case_go_json():
    """A Go profile: GC samples (any GC frame, an assist under mallocgc included) apart from the
    allocation share, their sum the maximum saving; candidates by enclosing function."""
    doc = report_json(make_db("go.db", fixture="fixture_go.sql"))
    rec, t = doc["recording"], doc["totals"]
    check(rec["runtime"] == "go" and rec["go_version"] == "go1.22.1", f"recording {rec}")
    check(t["allocs"] == 362 and t["frees"] == 0 and t["recorded_bytes"] == GO_BYTES, f"totals {t}")
    check(close(t["allocator_cpu_share"], 0.45), f"allocator share {t['allocator_cpu_share']}")
    check(close(t["allocator_cpu_split"]["malloc"], 0.40) and
          close(t["allocator_cpu_split"]["kernel_mm"], 0.05), f"split {t['allocator_cpu_split']}")
    check(close(t["gc_cpu_share"], 0.32), f"gc share {t['gc_cpu_share']}")
    check(close(t["max_saving_cpu_share"], 0.77), f"max saving {t['max_saving_cpu_share']}")
    sites = {(s["function"], s["line"]): s for s in doc["sites"]}
    check(sites[("main.newNode", 40)]["alloc_cpu_samples"] == 35 and
          sites[("main.newBuf", 50)]["alloc_cpu_samples"] == 10, f"sites {sites}")
    check(sites[("main.newNode", 40)]["kinds"] == {"mallocgc": 300}, "kinds")
    check(doc["candidates"] == [], "lifetime candidates in a Go profile")
    got = [(c["enclosing"]["function"] if c["enclosing"] else None,
            c["enclosing"]["line"] if c["enclosing"] else None,
            sorted(s["function"] for s in c["sites"]), c["allocs"], c["bytes"])
           for c in doc["go_candidates"]]
    want = [("main.handle", 20, ["main.newBuf", "main.newNode"], 350, 17600),
            ("main.main", 11, ["main.cache"], 10, 10240)]
    check(got == want, f"go_candidates {got} != {want}")
    h, m = doc["go_candidates"]
    check(close(h["alloc_cpu_share"], 0.45) and close(h["gc_cpu_share"], 0.32 * 17600 / GO_BYTES)
          and close(h["score"], 0.45 + 0.32 * 17600 / GO_BYTES), f"handle {h}")
    check(close(m["alloc_cpu_share"], 0.0) and close(m["score"], 0.32 * 10240 / GO_BYTES), f"main {m}")
    check(close(h["share"], 350 / 362), f"share {h['share']}")
    # a C profile: no GC, the maximum saving is the allocator share, no Go candidates
    c = report_json(make_db("fam.db", fixture="fixture_cpu_families.sql"))
    ct = c["totals"]
    check(ct["gc_cpu_share"] == 0 and close(ct["max_saving_cpu_share"], ct["allocator_cpu_share"])
          and c["go_candidates"] == [] and c["recording"]["runtime"] is None, f"C profile {ct}")


def case_go_text():
    text, lines = text_lines(run_ok("report", make_db("go.db", fixture="fixture_go.sql")))
    for want in [
        "mode:         exact, unwinder fp, Go program (go1.22.1; runtime.mallocgc probed at entry)",
        "frees:        not observed (Go: the garbage collector frees)",
        "allocator:    45.0% of the process's CPU time",
        "              malloc 40.0%, free 0.0%, realloc 0.0%, kernel memory management 5.0%",
        "garbage collection: 32.0% of the process's CPU time (marking, sweeping, assists, write "
        "barriers)",
        "theoretical maximum saving: 77.0% of the CPU time (allocation 45.0% + GC 32.0%)",
        "  1. main.handle (app.go:20): a := arena.NewArena(); defer a.Free() here",
        "  2. main.main (app.go:11): a := arena.NewArena(); defer a.Free() here",
        "     sites: main.newNode (app.go:40) 300, main.newBuf (app.go:50) 50",
    ]:
        check(want in lines, f"text report lacks the line {want!r}:\n{text}")
    check("Arena candidates: none" not in text, "the C candidates section in a Go report")


def case_go_files():
    """Go candidates by greedy cover (fixture_go_files.sql): the per-file function, the innermost
    frame covering 90% of the most, holds every piece of the per-file work; the text lists five
    sites and how many more."""
    db = make_db("files.db", fixture="fixture_go_files.sql")
    doc = report_json(db)
    got = [(c["enclosing"]["function"] if c["enclosing"] else None, len(c["sites"]), c["allocs"])
           for c in doc["go_candidates"]]
    check(got == [("main.processFile", 9, 970), ("main.loadConfig", 1, 10)], f"go_candidates {got}")
    check(doc["go_candidates"][0]["enclosing"]["line"] == 30, "the line towards the largest site")
    text, lines = text_lines(run_ok("report", db))
    want = ("     sites: main.newIdent (parse.go:60) 600, main.write (print.go:90) 300, "
            "main.parseDecl (parse.go:61) 10, main.parseDecl (parse.go:62) 10, main.parseDecl "
            "(parse.go:63) 10, and 4 more")
    check(want in lines, f"text report lacks {want!r}:\n{text}")


def case_cpu_folded_tree():
    db = make_db("tree.db", fixture="fixture_cpu_tree.sql")
    lines = folded_lines(run_ok("folded", "--metric", "cpu", db))
    check(sorted(lines) == TREE_FOLDED_CPU, "folded cpu:\n" + "\n".join(map(repr, lines)))
    check(lines == sorted(lines, key=lambda ln: ln.rpartition(b" ")[0].split(b";")),
          "sorted by frame names")
    check(sum(int(ln.rpartition(b" ")[2]) for ln in lines) == 100, "every sample")
    lines = folded_lines(run_ok("folded", "--metric", "alloc-cpu", db))
    check(sorted(lines) == sorted(TREE_FOLDED_ALLOC_CPU),
          "folded alloc-cpu:\n" + "\n".join(map(repr, lines)))
    check(sum(int(ln.rpartition(b" ")[2]) for ln in lines) == TREE_ALLOCATOR,
          "the allocator samples")
    # count and bytes are unchanged by CPU samples
    lines = folded_lines(run_ok("folded", db))
    check(sorted(lines) == [b"main;parse;malloc 10", b"main;parse;new_node;malloc 1000"],
          f"folded count {lines}")


def case_cpu_folded_families():
    db = make_db("fam.db", fixture="fixture_cpu_families.sql")
    lines = folded_lines(run_ok("folded", "--metric", "cpu", db))
    check(sorted(lines) == FAM_FOLDED_CPU, "folded cpu:\n" + "\n".join(map(repr, lines)))
    lines = folded_lines(run_ok("folded", "--metric", "alloc-cpu", db))
    check(sorted(lines) == FAM_FOLDED_ALLOC_CPU,
          "folded alloc-cpu:\n" + "\n".join(map(repr, lines)))


def case_cpu_none():
    """A profile without CPU samples: shares 0, the header says so, no alloc CPU column."""
    for db in (make_db("basic.db"), make_db("empty.db", fixture=False)):
        doc = report_json(db)
        t = doc["totals"]
        check((t["cpu_samples"], t["cpu_recorded_samples"], t["cpu_lost"]) == (0, 0, 0),
              f"cpu counts {t}")
        check(t["allocator_cpu_share"] == 0 and t["profiler_overhead_share"] == 0 and
              t["allocator_cpu_split"] == {"malloc": 0, "free": 0, "realloc": 0,
                                           "kernel_mm": 0}, f"shares {t}")
        check(doc["recording"]["cpu_freq"] is None, "no cpu_freq")
        check(all(s["alloc_cpu_share"] == 0 and s["alloc_cpu_samples"] == 0
                  for s in doc["sites"]), "site shares 0")
        text = run_ok("report", db).decode("utf-8", "replace")
        check("CPU samples:  none (no CPU samples in this profile: no CPU share)" in text, text)
        check("alloc CPU" not in text and "allocator:" not in text, text)
        for metric in ("cpu", "alloc-cpu"):
            check(run_ok("folded", "--metric", metric, db) == b"", f"folded {metric} empty")
    doc = report_json(make_db("basic0.db", "INSERT INTO meta VALUES ('cpu_freq', '0');"))
    check(doc["recording"]["cpu_freq"] == 0, "cpu_freq 0 (recorded without CPU sampling)")


def case_cpu_counters():
    """cpu_samples comes from the counter when present (lost records included); shares from
    the recorded stacks; cpu_lost warns."""
    db = make_db("lost.db", "UPDATE counters SET value = 103 WHERE name = 'cpu_samples';"
                 "UPDATE counters SET value = 3 WHERE name = 'cpu_lost';",
                 fixture="fixture_cpu_tree.sql")
    t = report_json(db)["totals"]
    check_cpu_totals(t, 103, 100, TREE_SPLIT, TREE_BASE, 10, lost=3)
    text = run_ok("report", db).decode()
    check("CPU samples:  103 (1.03 s of CPU time at 100 Hz)" in text, text)
    check("WARNING: 3 CPU sample records were lost (ring buffer full): the shares miss them"
          in text, text)
    db = make_db("nocounter.db", "DELETE FROM counters WHERE name LIKE 'cpu_%';",
                 fixture="fixture_cpu_tree.sql")
    t = report_json(db)["totals"]
    check_cpu_totals(t, 100, 100, TREE_SPLIT, TREE_BASE, 10)
    db = make_db("overflow.db", "UPDATE cpu_stats SET samples = 9000000000000000000 "
                 "WHERE stack_id IN (10, 15);", fixture="fixture_cpu_tree.sql")
    for cmd in (["report"], ["report", "--json"], ["folded", "--metric", "cpu"]):
        rc, out, err = run(*cmd, db)
        check(rc == 1 and out == b"" and err.decode() ==
              f"arenaprof: {db}: CPU sample totals overflow\n", f"{cmd}: {rc} {err!r}")


def case_cpu_all_overhead():
    """Every sample is overhead: no division by zero, shares 0, overhead share 1."""
    db = make_db("ovh.db", "DELETE FROM cpu_stats WHERE stack_id <> 14;"
                 "UPDATE counters SET value = 10 WHERE name = 'cpu_samples';",
                 fixture="fixture_cpu_tree.sql")
    doc = report_json(db)
    t = doc["totals"]
    check(t["allocator_cpu_share"] == 0 and t["profiler_overhead_share"] == 1.0,
          f"totals {t}")
    check(all(v == 0 for v in t["allocator_cpu_split"].values()), "split 0")
    check(all(s["alloc_cpu_share"] == 0 for s in doc["sites"]), "sites 0")
    check(len(doc["sites"]) == 2, "no CPU-only site from overhead samples")
    check(run_ok("folded", "--metric", "alloc-cpu", db) == b"", "no allocator samples")
    text = run_ok("report", db).decode()
    check("profiler overhead: 100.0% of the samples" in text, text)


def case_cpu_report_top():
    """--top counts the added CPU-only sites like the others (they sort last)."""
    db = make_db("tree.db", fixture="fixture_cpu_tree.sql")
    doc = report_json("--top", "2", db)
    check(doc["sites_total"] == 3 and [s["function"] for s in doc["sites"]] ==
          ["new_node", "parse"], f"--top 2: {doc['sites']}")
    out = run_ok("report", "-n", "2", db).decode()
    check("Top 2 of 3 call sites" in out and "free_tree" not in out, out)


if __name__ == "__main__":
    sys.exit(main(globals(), "--fixture"))
