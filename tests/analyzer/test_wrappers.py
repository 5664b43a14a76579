#!/usr/bin/env python3
"""test_wrappers.py: call sites past the allocator and its wrappers (analyzer/model/wrappers/site_fold.h) on a
fixture with planted wrappers (fixture_wrappers.sql), run by ctest one case at a time:

    test_wrappers.py --cli html_cli --diff-cli diff_cli --schema schema.sql --fixtures DIR CASE

The expected sites are derived by hand from the fixture's alloc_stats rows."""

import json
import os
import sys

from antest import build_db, check, check_error, main, run_cli, run_cli_ok

ARGS = None
TMP = None
DIFF_CLI = None

# function -> (allocs, wrappers innermost first), the folded sites
FOLDED = {
    "handle_request": (1600, ["my_alloc"]),
    "Widget::Widget()": (500, ["operator new(unsigned long)"]),
    "Widget::fill(int)": (40, ["operator new(unsigned long)",
                              "std::vector<int, std::allocator<int> >::_M_realloc_insert(int const&)"]),
    "std::string pick<int>(int)": (5, ["operator new(unsigned long)"]),
    "parse_args": (300 + 50, ["my_alloc", "my_strdup"]),
    "new_node": (4 * 80 + 10, []),
    "parse_block": (7 + 8 + 9, []),
    "build_table": (3 * 90, []),
    "read_line": (200, ["my_alloc"]),
    "load_config": (100 + 40, ["my_alloc", "my_strdup"]),
    "main": (70, ["xmalloc"]),
    "add_entry": (60, ["my_alloc", "my_strdup"]),
    "helper": (2 * 25, []),
    "tool+0x2d30": (33, ["tool+0x1a00"]),
    "tool+0x2c20": (22, ["tool+0x1a00"]),
    "tool+0x2b10": (11, ["tool+0x1a00"]),
}


def make_db():
    path = os.path.join(TMP, "w.db")
    if os.path.exists(path):  # built once per case
        return path
    return build_db(path, ARGS.schema, os.path.join(ARGS.fixtures, "fixture_wrappers.sql"))


def report(db, *args):
    return json.loads(run_cli_ok(ARGS.cli, "report", "--json", *args, db).decode("utf-8"))


def sites_of(doc):
    return {s["function"]: (s["allocs"], s["wrappers"]) for s in doc["sites"]}


def case_folded():
    """Every site is the first frame outside the allocator and its wrappers, with the wrappers
    it went through; the shares still add up to 1."""
    doc = report(make_db())
    got = sites_of(doc)
    check(got == FOLDED, f"sites {got}")
    check(abs(sum(s["share"] for s in doc["sites"]) - 1.0) < 1e-9, "shares add up to 1")
    check(doc["sites_raw"] is False, "sites_raw")


def case_wrapper_list():
    """The top-level list: each folded function, why, its calling functions and allocations."""
    doc = report(make_db())
    got = [(w["function"], w["reason"], w["callers"], w["allocs"]) for w in doc["wrappers"]]
    want = [("my_alloc", "detected", 5, 100 + 200 + 300 + 40 + 50 + 60 + 1600),
            ("operator new(unsigned long)", "allocator", 0, 500 + 40 + 5),
            ("my_strdup", "detected", 3, 40 + 50 + 60),
            ("xmalloc", "known", 0, 70),
            ("tool+0x1a00", "detected", 3, 11 + 22 + 33),
            ("std::vector<int, std::allocator<int> >::_M_realloc_insert(int const&)", "known", 0,
             40)]
    check(got == want, f"wrappers {got}")


def case_negative():
    """A fixed-size constructor with five callers, a function doing mostly its own work, a helper
    with two callers and a function that also calls other allocating code are real call sites:
    never folded."""
    doc = report(make_db())
    names = {w["function"] for w in doc["wrappers"]}
    for fn in ("new_node", "build_table", "helper", "parse_block"):
        check(fn not in names, f"{fn} folded")
        check(sites_of(doc)[fn][1] == [], f"{fn} has wrappers")


# my_alloc's CPU, as redis's zmalloc spends it (bench/real.sh): its own code (3 + 27 samples:
# statistics kept per call), malloc (25), malloc_usable_size in libjemalloc (6), a PLT stub of
# /usr/bin/app on its way to the allocator (4), libjemalloc's unnamed internals (5), libc's
# strlen (2) and an unnamed libc function (S64, varied below). libjemalloc's named frames are all
# allocator functions; libc also holds strlen, so its unnamed frames are not the allocator's.
ALLOC_WORK_SQL = """
INSERT INTO modules(id, path, build_id) VALUES (5, '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', 'ee');
INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
    (60, 5, 5000, 0, 'malloc_usable_size', NULL, NULL),
    (61, 1, 1520, 0, 'app+0x5f0', NULL, NULL),
    (62, 5, 708274, 0, 'libjemalloc.so.2+0xaceb2', NULL, NULL),
    (63, 5, 140180, 0, 'libjemalloc.so.2+0x22394', NULL, NULL),
    (64, 2, 630003, 0, 'libc.so.6+0x9a0f3', NULL, NULL),
    (65, 2, 9000, 0, 'strlen', NULL, NULL);
INSERT INTO stacks(id, depth, truncated) VALUES (60, 4, 0), (61, 5, 0), (62, 5, 0), (63, 6, 0),
    (64, 5, 0), (65, 5, 0);
INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
    (60, 0, 3), (60, 1, 4), (60, 2, 5), (60, 3, 1),
    (61, 0, 60), (61, 1, 3), (61, 2, 4), (61, 3, 5), (61, 4, 1),
    (62, 0, 61), (62, 1, 3), (62, 2, 4), (62, 3, 5), (62, 4, 1),
    (63, 0, 62), (63, 1, 63), (63, 2, 3), (63, 3, 4), (63, 4, 5), (63, 5, 1),
    (64, 0, 64), (64, 1, 3), (64, 2, 4), (64, 3, 5), (64, 4, 1),
    (65, 0, 65), (65, 1, 3), (65, 2, 4), (65, 3, 5), (65, 4, 1);
INSERT INTO cpu_stats(stack_id, samples) VALUES (60, 27), (61, 6), (62, 4), (63, 5), (65, 2);
"""


def case_cpu_allocator_work():
    """my_alloc's CPU test counts the allocator's size query, a PLT stub and an allocator-only
    module's unnamed internals as the allocator's: with libc's unnamed function at 8 samples, 40
    of its 80 samples are its own (50%, no more than 2/3): folded (counted as its own, 55 of 80,
    69%, it was not). Must not fold: an unnamed function of libc, which also holds strlen, is not
    the allocator's: at 60 samples, 92 of 132 are its own (70%)."""
    def db(samples):
        path = os.path.join(TMP, f"work{samples}.db")
        return build_db(path, ARGS.schema, os.path.join(ARGS.fixtures, "fixture_wrappers.sql"),
                        ALLOC_WORK_SQL +
                        f"INSERT INTO cpu_stats(stack_id, samples) VALUES (64, {samples});")
    doc = report(db(8))
    check("my_alloc" in {w["function"] for w in doc["wrappers"]}, f"wrappers {doc['wrappers']}")
    check(sites_of(doc)["handle_request"] == (1600, ["my_alloc"]), f"sites {sites_of(doc)}")
    doc = report(db(60))
    check("my_alloc" not in {w["function"] for w in doc["wrappers"]},
          f"wrappers {doc['wrappers']}")
    check("my_alloc" in sites_of(doc), f"sites {sites_of(doc)}")


def case_raw():
    """--no-wrappers: the raw frames that called the allocator."""
    doc = report(make_db(), "--no-wrappers")
    got = {f: a for f, (a, w) in sites_of(doc).items()}
    check(got["my_alloc"] == 100 + 200 + 300 + 40 + 50 + 60 + 1600, f"my_alloc {got}")
    check(got["operator new(unsigned long)"] == 545 and got["xmalloc"] == 70, f"raw {got}")
    check(got["tool+0x1a00"] == 66 and "handle_request" not in got, f"raw {got}")
    check(doc["sites_raw"] is True and doc["wrappers"] == [], "raw: no wrappers")
    check(all(s["wrappers"] == [] for s in doc["sites"]), "raw: no site wrappers")


def case_option():
    """--wrapper REGEX folds what the detection would not (helper has two callers only)."""
    doc = report(make_db(), "--wrapper", "^help", "--wrapper", "^nothing$")
    got = sites_of(doc)
    check("helper" not in got, f"helper still a site: {got}")
    check(got["load_config"] == (140 + 25, ["my_alloc", "my_strdup", "helper"]),
          f"load_config {got['load_config']}")
    check(got["read_line"] == (200 + 25, ["my_alloc", "helper"]), f"read_line {got['read_line']}")
    reasons = {w["function"]: w["reason"] for w in doc["wrappers"]}
    check(reasons.get("helper") == "option", f"reasons {reasons}")


def case_bad_regex():
    """An invalid --wrapper is a usage error (exit 2), nothing on stdout."""
    db = make_db()
    for cmd in (["report"], ["html", "-o", os.path.join(TMP, "x.html")]):
        rc, out, err = run_cli(ARGS.cli, *cmd, "--wrapper", "a(", db)
        lines = check_error(rc, out, err, code=2)
        check(lines[0] == "arenaprof: --wrapper needs a regular expression, not 'a('", f"{lines}")
    rc, out, err = run_cli(DIFF_CLI, "diff", "--wrapper", "[", db, db)
    check_error(rc, out, err, code=2)


def case_cpu():
    """Allocator CPU under malloc <- my_alloc <- my_strdup <- load_config is load_config's; the
    samples under build_table stay build_table's (70 samples, none overhead)."""
    doc = report(make_db())
    cpu = {s["function"]: s["alloc_cpu_samples"] for s in doc["sites"]}
    check(cpu["load_config"] == 25 and cpu["build_table"] == 5, f"cpu {cpu}")
    check(cpu["handle_request"] == 0, f"cpu {cpu}")


def case_candidates():
    """A candidate's sites are the folded sites: handle_request's objects came through my_alloc."""
    doc = report(make_db())
    c = doc["candidates"][0]
    check([s["function"] for s in c["sites"]] == ["handle_request"], f"sites {c['sites']}")
    check(c["sites"][0]["wrappers"] == ["my_alloc"], f"wrappers {c['sites'][0]}")
    check(c["scope"]["function"] == "handle_request", f"scope {c['scope']}")
    raw = report(make_db(), "--no-wrappers")["candidates"][0]
    check([s["function"] for s in raw["sites"]] == ["my_alloc"], f"raw sites {raw['sites']}")


def case_text():
    """The text report lists the folded wrappers and each site's chain."""
    out = run_cli_ok(ARGS.cli, "report", "-n", "0", make_db()).decode("utf-8")
    check("Allocation wrappers folded into their callers" in out, "no wrapper list")
    check("  my_alloc (detected: called by 5 functions): 2,350 allocations, 63.4%" in out,
          "my_alloc line")
    check("  xmalloc (known): 70 allocations, 1.9%" in out, "xmalloc line")
    line = next(l for l in out.splitlines() if " parse_args " in l)
    check(line.endswith("args.c:50  via my_alloc < my_strdup"), f"site line {line!r}")
    raw = run_cli_ok(ARGS.cli, "report", "--no-wrappers", make_db()).decode("utf-8")
    check("Call sites are raw (--no-wrappers)" in raw and " via " not in raw, "raw text")


def case_html():
    """The page has the wrapper table and each site's chain."""
    page = os.path.join(TMP, "w.html")
    run_cli_ok(ARGS.cli, "html", "-n", "0", "-o", page, make_db())
    with open(page, encoding="utf-8") as f:
        html = f.read()
    check('id="wrappers"' in html, "no wrapper table")
    check(html.count('data-reason="detected"') == 3, "three detected wrappers")
    check('<span class="via">via my_alloc &lt; my_strdup</span>' in html, "site chain")
    check(html.count('data-scope-kind="call"') == 1 and 'data-scope-kind="loop' not in html,
          "handle_request's candidate is a call")


def case_diff():
    """diff matches folded sites; --no-wrappers matches raw ones."""
    db = make_db()
    doc = json.loads(run_cli_ok(DIFF_CLI, "diff", "--json", db, db).decode("utf-8"))
    names = {s["function"] for s in doc["sites"]}
    check("handle_request" in names and "my_alloc" not in names, f"diff sites {names}")
    for side in ("before", "after"):
        got = [w["function"] for w in doc[side]["wrappers"]]
        check(got[:5] == ["my_alloc", "operator new(unsigned long)", "my_strdup", "xmalloc",
                          "tool+0x1a00"] and doc[side]["sites_raw"] is False, f"{side}: {got}")
    text = run_cli_ok(DIFF_CLI, "diff", db, db).decode("utf-8")
    check("         wrappers folded into their callers: my_alloc, operator new(unsigned long), "
          "my_strdup, xmalloc, tool+0x1a00, std::vector<int, std::allocator<int> "
          ">::_M_realloc_insert(int const&)" in text.splitlines(), f"diff text:\n{text}")
    doc = json.loads(run_cli_ok(DIFF_CLI, "diff", "--json", "--no-wrappers", db, db).decode("utf-8"))
    names = {s["function"] for s in doc["sites"]}
    check("my_alloc" in names and "handle_request" not in names, f"raw diff sites {names}")


if __name__ == "__main__":
    if "--diff-cli" in sys.argv:
        i = sys.argv.index("--diff-cli")
        DIFF_CLI = sys.argv[i + 1]
        del sys.argv[i:i + 2]
    sys.exit(main(globals()))
