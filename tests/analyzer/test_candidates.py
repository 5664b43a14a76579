#!/usr/bin/env python3
"""test_candidates.py: arena candidates of `report` and `report --json` on a fixture profile with
planted truth (fixture_candidates.sql), run by ctest one case at a time:

    test_candidates.py --cli analyzer_cli --schema schema.sql --fixtures DIR CASE

The expected numbers below are derived by hand from fixture_candidates.sql and the formulas of
analyzer/README.md ("Arena candidates")."""

import argparse
import json
import math
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

from antest import Failure, build_db, check, main, run_cli, run_cli_ok, schema_version

ARGS = None
TMP = None

BASE = 190  # non-overhead CPU samples: 200 - 10
ARENA_COST = 0.10
# est_cpu_saving = (malloc side + free side) x (1 - the arena's cost fraction): the arena's cost
# is a fraction of malloc+free per object, so it is charged on both sides
HANDLE_EST = ((40 / BASE + 10 / BASE) * 1.0 + 30 / BASE * 60 / 63) * (1 - ARENA_COST)
RENDER_EST = (20 / BASE + 10 / BASE * 30 / 30) * (1 - ARENA_COST)
CACHE_EST = (10 / BASE * 0.1 + 30 / BASE * 3 / 63) * (1 - ARENA_COST)
HANDLE_REC = ("wrap `handle_request()` in an arena of 32 KiB; sites `new_node` (parser.c:88), "
              "`dup_str` (util.c:12)")
RENDER_REC = ("likely: wrap `render_page()` in an arena of 256 KiB; site `render` (report.c:15); "
              "verify with `arenaprof record -p 777 --verify render_page`")


def close(a, b):
    return a is not None and abs(a - b) < 1e-12


def run_ok(*args):
    return run_cli_ok(ARGS.cli, *args)


def make_db(name, extra_sql="", fixture="fixture_candidates.sql"):
    return build_db(os.path.join(TMP, name), ARGS.schema, os.path.join(ARGS.fixtures, fixture),
                    extra_sql)


def report(db, *args):
    return json.loads(run_ok("report", "--json", *args, db).decode("utf-8"))


def by_site(doc):
    """Candidates by the function of their first site."""
    return {c["sites"][0]["function"]: c for c in doc["candidates"]}


def check_fields(c, want, what):
    for k, v in want.items():
        if isinstance(v, float):
            check(close(c[k], v), f"{what}: {k} = {c[k]!r}, expected {v!r}")
        else:
            check(c[k] == v, f"{what}: {k} = {c[k]!r}, expected {v!r}")


# ---- cases ----

def case_request_tree():
    """Objects born and freed inside handle_request (verified): the top candidate, recommended,
    one candidate for the two sites sharing the scope, exact numbers."""
    doc = report(make_db("c.db"))
    check(doc["sampled_objects"] == 170, f"sampled_objects {doc['sampled_objects']}")
    c = doc["candidates"][0]
    check([s["function"] for s in c["sites"]] == ["new_node", "dup_str"],
          f"two sites, one candidate: {[s['function'] for s in c['sites']]}")
    check(c["scope"] == {"function": "handle_request", "file": "server.c", "line": 40,
                         "module": "/usr/bin/server", "kind": "call", "loop": None},
          f"scope {c['scope']}")
    check_fields(c, {
        "verified": True, "recommended": True, "risk": "low", "objects": 60,
        "objects_per_s": 1920.0,  # 60 * 64 / 2 s
        "bytes_per_scope_p50": 18432,  # invocation 5: (4*32 + 2*80) * 64
        "bytes_per_scope_p99": 28672,  # invocation 10: (4*32 + 2*160) * 64
        "arena_kib": 32, "lifetime_ns_p50": 10000, "lifetime_ns_p99": 40000,
        "escape_share": 0, "cross_thread_share": 0, "long_lived_share": 0,
        "enclosed_share": 1, "verified_share": 1,
        "alloc_cpu_share": 50 / BASE, "free_cpu_share": 30 / BASE * 60 / 63,
        "est_cpu_saving": HANDLE_EST, "score": HANDLE_EST,
        "reason": "verified: 100% of its objects freed in the invocation of handle_request() "
                  "that allocated them",
        "recommendation": HANDLE_REC,
    }, "handle_request")
    check(c["free_path"] == {"function": "free_tree", "share": 1, "recursive": True},
          f"free path {c['free_path']}")
    sites = {s["function"]: s for s in doc["sites"]}
    for s in c["sites"]:
        check(s == sites[s["function"]], f"candidate site {s['function']} as in sites[]")


def case_long_lived():
    c = by_site(report(make_db("c.db")))["cache_put"]
    check_fields(c, {"recommended": False, "risk": "high", "objects": 30,
                     "long_lived_share": 0.9, "enclosed_share": 0.1, "score": 0,
                     "est_cpu_saving": CACHE_EST, "bytes_per_scope_p50": None,
                     "reason": "long-lived (90% still live at the end)",
                     "recommendation": None, "lifetime_ns_p50": 1000}, "cache_put")


def case_escaping():
    """scope_pos inferred as handle_request, but alloc_inv != free_inv: escapes."""
    c = by_site(report(make_db("c.db")))["make_msg"]
    check_fields(c, {"recommended": False, "verified": False, "escape_share": 1, "score": 0,
                     "est_cpu_saving": 0.0, "recommendation": None,
                     "reason": "escapes scope (100% freed outside the scope invocation that "
                               "allocated them)"}, "make_msg")
    check(c["scope"]["function"] == "handle_request", "the inferred scope is reported")


def case_cross_thread():
    c = by_site(report(make_db("c.db")))["produce"]
    check_fields(c, {"recommended": False, "cross_thread_share": 1, "scope": None,
                     "reason": "freed by another thread (100%)", "score": 0}, "produce")
    check(c["free_path"]["function"] == "consume", f"free path {c['free_path']}")


def case_unverified():
    c = by_site(report(make_db("c.db")))["render"]
    check_fields(c, {"verified": False, "recommended": False, "risk": "medium",
                     "reason": "unverified: run `arenaprof record -p 777 --verify render_page`",
                     "recommendation": RENDER_REC,
                     # three invocations at one CFA, told apart by time: 10 objects each
                     "bytes_per_scope_p50": 128000, "bytes_per_scope_p99": 192000,
                     "arena_kib": 256, "est_cpu_saving": RENDER_EST, "score": RENDER_EST,
                     "lifetime_ns_p50": 9505, "lifetime_ns_p99": 10000}, "render")
    # the same tree without the verification: the estimate from the scope CFA and time windows
    # finds the same invocations; the wording says how to verify
    doc = report(make_db("nover.db", "DELETE FROM scope_probes;"
                         "DELETE FROM objects WHERE alloc_stack_id = 4;"))
    c = doc["candidates"][0]
    check_fields(c, {"verified": False, "recommended": False,
                     "bytes_per_scope_p50": 18432, "bytes_per_scope_p99": 28672,
                     "reason": "unverified: run `arenaprof record -p 777 --verify "
                               "handle_request`",
                     "recommendation": "likely: " + HANDLE_REC + "; verify with `arenaprof "
                     "record -p 777 --verify handle_request`"}, "unverified handle_request")
    db = make_db("nopid.db", "DELETE FROM meta WHERE key = 'pid';")
    c = by_site(report(db))["render"]
    check(c["reason"] == "unverified: run `arenaprof record -p PID --verify render_page`",
          c["reason"])


def case_too_few():
    c = by_site(report(make_db("c.db")))["tiny_alloc"]
    check_fields(c, {"recommended": False, "risk": "unknown", "score": 0, "objects": 5,
                     "reason": "too few sampled objects (5, fewer than 20)"}, "tiny_alloc")


def case_ranking():
    """Every kind at once: ranked by score; the single-site entries (score 0) by their
    estimated saving, then sampled objects."""
    doc = report(make_db("c.db"))
    order = [c["sites"][0]["function"] for c in doc["candidates"]]
    check(order == ["new_node", "render", "cache_put", "make_msg", "produce", "tiny_alloc"],
          f"order {order}")
    scores = [c["score"] for c in doc["candidates"]]
    check(scores == sorted(scores, reverse=True), "sorted by score")
    check([c["recommended"] for c in doc["candidates"]].count(True) == 1, "one recommended")


def case_verify_threshold():
    """verified: >= 95% of the scoped, freed objects confirmed (alloc_inv = free_inv)."""
    def unconfirm(n):
        return ("UPDATE objects SET alloc_inv = NULL, free_inv = NULL WHERE id IN "
                f"(SELECT id FROM objects WHERE alloc_stack_id = 1 ORDER BY id LIMIT {n});")
    c = report(make_db("v3.db", unconfirm(3)))["candidates"][0]  # 57/60 = 95%
    check(c["verified"] and c["recommended"] and close(c["verified_share"], 0.95), f"{c}")
    c = by_site(report(make_db("v4.db", unconfirm(4))))["new_node"]  # 56/60
    check_fields(c, {"verified": False, "recommended": False, "risk": "medium",
                     "recommendation": None, "verified_share": 56 / 60,
                     "reason": "not verified: only 93% of its objects freed in the invocation "
                               "of handle_request() that allocated them (95% needed)"}, "56/60")


def case_calibrated():
    """meta calib_* (measured at record time) replaces the default arena cost fraction."""
    plain = report(make_db("c.db"))
    cal = report(make_db("cal.db", "INSERT INTO meta VALUES ('calib_malloc_free_ns', '40.0'),"
                                   "('calib_arena_ns', '4.0');"))
    # without an in-place calibration the fraction's standard deviation is 100% of it
    # (savings.h, SAVINGS_UNCALIBRATED_REL_SD)
    check(plain["calibration"] == {"measured": False, "malloc_free_ns": None, "arena_ns": None,
                                   "arena_cost_fraction": 0.10, "inplace": None,
                                   "arena_cost_fraction_sd": 0.10}, f"{plain['calibration']}")
    check(cal["calibration"] == {"measured": True, "malloc_free_ns": 40.0, "arena_ns": 4.0,
                                 "arena_cost_fraction": 0.1, "inplace": None,
                                 "arena_cost_fraction_sd": 0.1}, f"{cal['calibration']}")
    cal2 = report(make_db("cal2.db", "INSERT INTO meta VALUES ('calib_malloc_free_ns', '40.0'),"
                                     "('calib_arena_ns', '10.0');"))
    c = cal2["candidates"][0]
    check(cal2["calibration"]["arena_cost_fraction"] == 0.25, f"{cal2['calibration']}")
    want = (c["alloc_cpu_share"] * c["enclosed_share"] + c["free_cpu_share"]) * 0.75
    check(close(c["est_cpu_saving"], want), f"est {c['est_cpu_saving']} != {want}")
    check(c["est_cpu_saving"] < plain["candidates"][0]["est_cpu_saving"],
          "a costlier arena must predict a smaller saving")


def case_never_returned():
    """A probed scope none of whose invocations returned while recording (an interpreter's main
    loop): never "wrap handle_request()" (an arena there would only grow) but one iteration of
    the loop in it, named by its calls towards the allocations (parse, the most common, at
    server.c:40) and the frees (free_tree at server.c:45); not verified."""
    db = make_db("loop.db", "UPDATE scope_probes SET invocations = 0, total_ns = 0;"
                            "UPDATE objects SET alloc_inv = NULL, free_inv = NULL;")
    c = by_site(report(db))["new_node"]
    check_fields(c, {"verified": False, "recommended": False, "risk": "medium",
                     "reason": "no invocation of handle_request() returned while recording, so "
                               "wrapping it would make an arena that only grows; its objects die "
                               "within one iteration of the loop in handle_request() (the "
                               "iterations are not verified: run `arenaprof record -p 777 "
                               "--verify-loop handle_request:parse`)"}, "never returned")
    check(c["recommendation"].startswith(
        "likely: reset an arena of 32 KiB once per iteration of the loop in `handle_request()` "
        "that calls `parse()` (server.c:40) and `free_tree()` (server.c:45); sites `new_node` "
        "(parser.c:88)"), f"recommendation {c['recommendation']!r}")
    loop = {"function": "handle_request", "why": "never_returned",
            "alloc_call": {"function": "parse", "file": "server.c", "line": 40,
                           "module": "/usr/bin/server"},
            "free_call": {"function": "free_tree", "file": "server.c", "line": 45,
                          "module": "/usr/bin/server"},
            "probe_call": None, "iterations_probed": None, "objects_in_iteration": None,
            "objects_judged": None,
            "verify_command": "arenaprof record -p 777 --verify-loop handle_request:parse",
            "verify_limit": None}
    check(c["scope"]["kind"] == "loop_iteration" and c["scope"]["loop"] == loop,
          f"scope {c['scope']}")
    check(c["recommendation"].endswith(
        "; verify with `arenaprof record -p 777 --verify-loop handle_request:parse`"),
        f"recommendation {c['recommendation']!r}")


def case_loop_root():
    """The scope function is a thread's start routine (called by start_thread): it lasts the
    thread's life, so the candidate is one iteration of its loop, not a call to wrap."""
    db = make_db("root.db", "UPDATE frames SET function = 'start_thread' WHERE id = 1;"
                            "DELETE FROM scope_probes;")
    c = by_site(report(db))["new_node"]
    check(c["scope"]["kind"] == "loop_iteration" and c["scope"]["loop"]["why"] == "root",
          f"scope {c['scope']}")
    check(c["recommendation"].startswith(
        "likely: reset an arena of 32 KiB once per iteration of the loop in `handle_request()` "
        "that calls `parse()` (server.c:40) and `free_tree()` (server.c:45)"),
        f"recommendation {c['recommendation']!r}")
    check(c["reason"].startswith("handle_request() is a process or thread root"),
          f"reason {c['reason']!r}")


def case_loop_long():
    """One probed invocation holding every object for 1 s, while they live at most 40 us: the
    invocation lasts over 100x the p99 lifetime, a loop iteration (bytes per iteration, not per
    invocation: 18 KiB as in request_tree, not the 160 KiB of all ten)."""
    db = make_db("long.db", "UPDATE scope_probes SET invocations = 1;"
                            "UPDATE objects SET alloc_inv = 1, free_inv = 1 "
                            "WHERE alloc_inv IS NOT NULL;")
    c = by_site(report(db))["new_node"]
    check(c["scope"]["kind"] == "loop_iteration" and
          c["scope"]["loop"]["why"] == "long_invocations", f"scope {c['scope']}")
    check(not c["verified"] and not c["recommended"], "a loop iteration is not verified")
    check(c["arena_kib"] == 32, f"arena {c['arena_kib']} KiB")


# handle_request as a thread's start routine (a loop-iteration candidate, "root"), its loop's
# iterations probed by record --verify-loop handle_request:parse: 9 iterations ended by the next
# call of parse, the objects' alloc_inv/free_inv numbering the iterations (1..10, as planted).
LOOP_PROBE_SQL = (
    "UPDATE frames SET function = 'start_thread' WHERE id = 1; DELETE FROM scope_probes;"
    "INSERT INTO scope_probes(function, module, loop_call, invocations, total_ns) "
    "VALUES ('handle_request', '/usr/bin/server', 'parse', 9, 900000000);")


def case_loop_verified():
    """Every new_node and dup_str object (40 + 20) freed in the iteration that allocated it:
    verified and recommended, "reset" without "likely", no command to run; bytes per iteration
    from the probed iterations: 4 x 32 + 2 x 16i sampled in iteration i, p50 288 (i = 5), p99
    448, times the 64 allocations each sampled object stands for: 18432 and 28672 (a 32 KiB
    arena)."""
    db = make_db("loopv.db", LOOP_PROBE_SQL)
    c = by_site(report(db))["new_node"]
    loop = c["scope"]["loop"]
    check(c["scope"]["kind"] == "loop_iteration" and loop["why"] == "root", f"scope {c['scope']}")
    check(loop["probe_call"] == "parse" and loop["iterations_probed"] == 9 and
          loop["objects_in_iteration"] == 60 and loop["objects_judged"] == 60 and
          loop["verify_command"] is None and loop["verify_limit"] is None, f"loop {loop}")
    check_fields(c, {"verified": True, "recommended": True, "risk": "low",
                     "verified_share": 1.0, "bytes_per_scope_p50": 18432,
                     "bytes_per_scope_p99": 28672, "arena_kib": 32,
                     "reason": "verified: 60 of 60 objects freed within their iteration "
                               "(100.0%) of the loop in handle_request(); 9 iterations, each "
                               "started by a call of parse() from handle_request()"},
                 "loop verified")
    check(c["recommendation"].startswith(
        "reset an arena of 32 KiB once per iteration of the loop in `handle_request()` that calls "
        "`parse()` (server.c:40) and `free_tree()` (server.c:45); sites `new_node` (parser.c:88), "
        "`dup_str` (util.c:12)") and "verify" not in c["recommendation"],
        f"recommendation {c['recommendation']!r}")
    text = run_ok("report", db).decode()
    check("     verified: 60 of 60 objects freed within their iteration (100.0%) of the loop in "
          "handle_request(); 9 iterations, each started by a call of parse() from "
          "handle_request()" in text.splitlines(), text)


def case_loop_escapes():
    """With the loop probed, new_node's 40 objects freed in the next iteration (free_inv =
    alloc_inv + 1): they escape the iteration (the site is reported as escaping, no candidate
    of its own); dup_str's 20 stay verified. And 5 of the 60 escaping (3 new_node, 2 dup_str:
    each site still joins): 55 of 60 inside, under 95%, not verified; the 8% escaping is the
    reason given, as for a call scope."""
    db = make_db("loopx.db", LOOP_PROBE_SQL +
                 "UPDATE objects SET free_inv = alloc_inv + 1 WHERE alloc_stack_id = 1;")
    doc = report(db)
    nn = by_site(doc)["new_node"]
    check(nn["scope"] is None or nn["scope"]["kind"] != "loop_iteration" or not nn["verified"],
          f"new_node {nn['scope']}")
    check(not nn["recommended"] and nn["escape_share"] == 1.0 and
          nn["reason"].startswith("escapes scope (100% freed outside"),
          f"new_node: {nn['reason']!r} escape {nn['escape_share']}")
    ds = by_site(doc)["dup_str"]
    check(ds["verified"] and ds["scope"]["loop"]["objects_in_iteration"] == 20, f"dup_str {ds}")
    db = make_db("loopy.db", LOOP_PROBE_SQL +
                 "UPDATE objects SET free_inv = alloc_inv + 1 WHERE (alloc_stack_id = 1 "
                 "AND alloc_inv <= 3 AND size = 32 AND alloc_ns % 100000000 = 3000) OR "
                 "(alloc_stack_id = 2 AND alloc_inv <= 2 AND alloc_ns % 100000000 = 5000);")
    c = by_site(report(db))["new_node"]
    loop = c["scope"]["loop"]
    check(loop["objects_in_iteration"] == 55 and loop["objects_judged"] == 60 and
          not c["verified"] and not c["recommended"] and c["recommendation"] is None,
          f"loop {loop}, verified {c['verified']}")
    check(c["reason"].startswith("escapes scope (8% freed outside"), f"reason {c['reason']!r}")


def case_loop_no_iterations():
    """The loop probed but no call of parse from handle_request seen (inlined, say): no object
    carries an iteration, none is judged, and the reason says so instead of "0 of 0"."""
    db = make_db("loopn.db", LOOP_PROBE_SQL + "UPDATE scope_probes SET invocations = 0;"
                             "UPDATE objects SET alloc_inv = NULL, free_inv = NULL;")
    c = by_site(report(db))["new_node"]
    loop = c["scope"]["loop"]
    check(loop["iterations_probed"] == 0 and loop["objects_judged"] == 0 and
          not c["verified"] and not c["recommended"], f"loop {loop}")
    check(c["reason"] == "not verified: no object was allocated in an iteration started by a "
                        "call of parse() from handle_request() (0 iterations: inlined, or not "
                        "called while recording?)", f"reason {c['reason']!r}")


def case_loop_stripped():
    """The loop's call has no symbol (`server+0x4b0`): no command, the limit said instead."""
    db = make_db("loops.db", "UPDATE frames SET function = 'start_thread' WHERE id = 1;"
                             "UPDATE frames SET function = 'server+0x4b0' WHERE id = 3;"
                             "DELETE FROM scope_probes;")
    c = by_site(report(db))["new_node"]
    loop = c["scope"]["loop"]
    check(loop["verify_command"] is None and "no symbol" in loop["verify_limit"],
          f"loop {loop}")
    check("cannot be: the loop's function or its call has no symbol" in c["reason"] and
          "--verify-loop" not in c["recommendation"], f"reason {c['reason']!r}")


# The new_node objects' stacks with CFAs (8 bytes each, little-endian, by stack position): the
# allocation stack 1 (new_node, parse, handle_request at 1100, main) and the free stack 20
# (free_tree, free_tree, handle_request at 1150, main) share the frames at positions 2 and 3.
# The agent paired main (position 3), as it does when the two handle_request frames are named
# differently; scope_pair.c (the analyzer) decides whether position 2 is one invocation.
STRIPPED_SCOPE_SQL = (
    "UPDATE objects SET scope_pos = 3, free_scope_pos = 3, alloc_inv = NULL, free_inv = NULL, "
    "alloc_cfas = X'0001FC7F000000000002FC7F000000000020FC7F000000000030FC7F00000000', "
    "free_cfas = X'0003FC7F000000000004FC7F000000000020FC7F000000000030FC7F00000000' "
    "WHERE alloc_stack_id = 1; DELETE FROM scope_probes;")


def case_stripped_scope():
    """A stripped handle_request: its frames are named by address (`server+0x44c` on the
    allocation path, `server+0x47e` on the free path), have equal CFAs, and were called from one
    frame (main at the same return address, equal CFAs): one invocation, so the scope is
    handle_request's frame, not main (which lasts the whole run: a loop-iteration scope in a
    root, one frame too far out)."""
    db = make_db("stripped.db", "UPDATE frames SET function = 'server+0x44c' WHERE id = 2;"
                                "UPDATE frames SET function = 'server+0x47e' WHERE id = 22;" +
                 STRIPPED_SCOPE_SQL)
    c = by_site(report(db))["new_node"]
    check(c["scope"]["function"] == "server+0x44c" and c["scope"]["kind"] == "call",
          f"scope {c['scope']}")


def case_named_siblings():
    """Must not pair: two named functions (op_alloc, op_free) with equal CFAs called from one
    frame of main at the same return address, as an interpreter calls its ops through one
    pointer: different functions, so the agent's pair (main) stands, a loop iteration in a root.
    Nor two stripped functions called from main at different return addresses."""
    db = make_db("named.db", "UPDATE frames SET function = 'op_alloc' WHERE id = 2;"
                             "UPDATE frames SET function = 'op_free' WHERE id = 22;" +
                 STRIPPED_SCOPE_SQL)
    c = by_site(report(db))["new_node"]
    check(c["scope"]["function"] == "main" and c["scope"]["kind"] == "loop_iteration",
          f"named: scope {c['scope']}")
    db = make_db("sites.db", "UPDATE frames SET function = 'server+0x44c' WHERE id = 2;"
                             "UPDATE frames SET function = 'server+0x47e' WHERE id = 22;"
                             "INSERT INTO frames(id, module_id, offset, inline_depth, function, "
                             "file, line) VALUES (30, 1, 1010, 0, 'main', 'server.c', 101);"
                             "UPDATE stack_frames SET frame_id = 30 "
                             "WHERE stack_id = 20 AND pos = 3;" + STRIPPED_SCOPE_SQL)
    c = by_site(report(db))["new_node"]
    check(c["scope"]["function"] == "main" and c["scope"]["kind"] == "loop_iteration",
          f"call sites: scope {c['scope']}")


def case_dispatched():
    """The candidate's objects (new_node's through parse(), dup_str's directly) freed through
    free_tree(), each called from the same instruction of handle_request as the allocating call
    (the free stacks' handle_request frames made the allocation stacks' frames, as when an
    interpreter calls each op through one pointer):
    the objects outlive the call that made them, so handle_request is not recommended without
    --verify, as a call or as a loop iteration. Before, Perl got "likely: wrap
    `Perl_runops_standard()`" (bench/real.sh). The fixture itself (different call instructions,
    server.c:40 and :45) is the case that must not change: dispatched_share 0, still
    recommended."""
    plain = by_site(report(make_db("plain.db")))["new_node"]
    check(plain["dispatched_share"] == 0 and plain["recommended"],
          f"plain: dispatched {plain['dispatched_share']}, recommended {plain['recommended']}")
    db = make_db("dispatch.db", "UPDATE stack_frames SET frame_id = 2 "
                                "WHERE stack_id = 20 AND pos = 2;"
                                "UPDATE stack_frames SET frame_id = 29 "
                                "WHERE stack_id = 21 AND pos = 1;"
                                "UPDATE scope_probes SET invocations = 0;"
                                "UPDATE objects SET alloc_inv = NULL, free_inv = NULL;"
                                "DELETE FROM scope_probes;")
    c = by_site(report(db))["new_node"]
    # new_node's and dup_str's objects are dispatched; the candidate also encloses objects freed
    # through calls of their own (drain, tidy: stacks 22 and 25), which must not count
    check(0.5 <= c["dispatched_share"] < 1.0, f"dispatched_share {c['dispatched_share']}")
    check(not c["recommended"] and c["recommendation"] is None and c["risk"] == "high",
          f"recommended {c['recommended']}, {c['recommendation']!r}, risk {c['risk']}")
    check(c["reason"].startswith("dispatched (71% allocated and freed by different functions "
                                 "called from one instruction of handle_request()"),
          f"reason {c['reason']!r}")
    check("--verify handle_request" in c["reason"], f"reason {c['reason']!r}")


def case_dispatched_indirect():
    """handle_request's instruction that calls parse() (server.c:40) is also seen calling
    cache_put(), and the one that calls dup_str() (:41) calling tiny_alloc(): one call
    instruction with two callees is an indirect call (jq's bytecode interpreter jq_next() makes
    its values through the builtin it calls through a pointer and frees them in its own code:
    "likely: wrap `jq_next()`" in bench/real.sh). new_node's and dup_str's 60 objects are made
    through them and freed through free_tree (server.c:45): dispatched, so handle_request is not
    recommended without --verify. Must not fire: two callees that are both stripped
    (`server+0x...`, each named by its own address, so possibly one function) are not told
    apart, and the candidate stays recommended."""
    ind = ("UPDATE stack_frames SET frame_id = 2 WHERE stack_id = 3 AND pos = 1;"
           "UPDATE stack_frames SET frame_id = 29 WHERE stack_id = 7 AND pos = 1;")
    unprobed = "UPDATE objects SET alloc_inv = NULL, free_inv = NULL; DELETE FROM scope_probes;"
    c = by_site(report(make_db("indirect.db", ind + unprobed)))["new_node"]
    # 60 of the 85 objects the scope encloses (as in case_dispatched: drain's and tidy's
    # objects are freed through calls of their own)
    check(close(c["dispatched_share"], 60 / 85), f"dispatched_share {c['dispatched_share']}")
    check(not c["recommended"] and c["recommendation"] is None,
          f"recommended {c['recommended']}, {c['recommendation']!r}")
    check(c["reason"].startswith("dispatched ("), f"reason {c['reason']!r}")
    stripped = ("UPDATE frames SET function = 'server+0x4b0' WHERE id = 3;"
                "UPDATE frames SET function = 'server+0x6c4' WHERE id = 8;"
                "UPDATE frames SET function = 'server+0x578' WHERE id = 5;"
                "UPDATE frames SET function = 'server+0xa28' WHERE id = 17;")
    c = by_site(report(make_db("indirect_stripped.db", ind + stripped + unprobed)))["new_node"]
    check(c["dispatched_share"] == 0 and c["recommendation"] is not None,
          f"stripped callees: dispatched {c['dispatched_share']}, {c['recommendation']!r}")


def case_small_sites_pooled():
    """render's 30 objects split between two sites, render and render_row (15 each, as a folded
    wrapper splits its objects among its callers: redis's zmalloc, 22 objects under
    processInputBuffer, became 14 + 8): each is too few to judge alone, together they are 30,
    all enclosed by render_page: both join its candidate. Must not join: make_msg's 25 escaping
    objects split 13 + 12 (make_msg, make_reply), which no scope encloses, stay two "too few"
    entries; so does tiny_alloc (5 objects) alone."""
    split = (
        "INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES "
        "(36, 1, 2350, 0, 'render_row', 'report.c', 25), "
        "(37, 1, 1950, 0, 'make_reply', 'queue.c', 9), "
        "(38, 1, 1160, 0, 'handle_request', 'server.c', 46), "
        "(39, 1, 2410, 0, 'render_page', 'report.c', 41);"
        "INSERT INTO stacks(id, depth, truncated) VALUES (8, 3, 0), (9, 3, 0);"
        "INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES "
        "(8, 0, 36), (8, 1, 39), (8, 2, 1), (9, 0, 37), (9, 1, 38), (9, 2, 1);"
        "UPDATE alloc_stats SET allocs = 960 WHERE stack_id = 6;"
        "INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES "
        "(8, 'malloc', 960, 192000, 100, 300), (9, 'malloc', 800, 51200, 64, 64);"
        "UPDATE alloc_stats SET allocs = 800 WHERE stack_id = 4;"
        "UPDATE objects SET alloc_stack_id = 8 WHERE alloc_stack_id = 6 "
        "AND (alloc_ns / 100) % 2 = 1;"
        "UPDATE objects SET alloc_stack_id = 9 WHERE alloc_stack_id = 4 "
        "AND (alloc_ns / 10000000) % 2 = 0;")
    doc = report(make_db("pooled.db", split))
    c = by_site(doc)["render"]
    check([s["function"] for s in c["sites"]] == ["render", "render_row"],
          f"sites {[s['function'] for s in c['sites']]}")
    check(c["objects"] == 30 and c["scope"]["function"] == "render_page",
          f"objects {c['objects']}, scope {c['scope']}")
    check(c["recommendation"] is not None and
          c["recommendation"].startswith("likely: wrap `render_page()`"),
          f"recommendation {c['recommendation']!r}, reason {c['reason']!r}")
    for fn, n in (("make_msg", 13), ("make_reply", 12), ("tiny_alloc", 5)):
        e = by_site(doc)[fn]
        check(len(e["sites"]) == 1 and e["objects"] == n and e["recommendation"] is None and
              e["reason"].startswith("too few sampled objects"),
              f"{fn}: {e['objects']} objects, {e['reason']!r}")


def case_candidate_escapes():
    """5 of the 60 objects freed in a later invocation: the site still joins (35/40 >= 80%),
    but the candidate escapes 8% (>= 5%): not recommended, saving and score reduced."""
    doc = report(make_db("esc.db", "UPDATE objects SET free_inv = alloc_inv + 1 WHERE id IN "
                         "(SELECT id FROM objects WHERE alloc_stack_id = 1 ORDER BY id "
                         "LIMIT 5);"))
    c = by_site(doc)["new_node"]
    est = (50 / BASE * (55 / 60) + 30 / BASE * 55 / 63) * (1 - ARENA_COST)
    check_fields(c, {"recommended": False, "risk": "high", "escape_share": 5 / 60,
                     "enclosed_share": 55 / 60, "est_cpu_saving": est,
                     "score": est * (1 - 5 / 60), "recommendation": None,
                     "reason": "escapes scope (8% freed outside the scope invocation that "
                               "allocated them)"}, "escaping candidate")


def case_no_cpu():
    """Without CPU samples: est_cpu_saving 0, score = enclosed objects/s x penalties."""
    doc = report(make_db("nocpu.db", "DELETE FROM cpu_stats;"
                         "UPDATE counters SET value = 0 WHERE name = 'cpu_samples';"))
    order = [(c["sites"][0]["function"], c["score"], c["est_cpu_saving"])
             for c in doc["candidates"][:2]]
    check(order == [("new_node", 1920, 0), ("render", 960, 0)], f"{order}")
    text = run_ok("report", make_db("nocpu2.db", "DELETE FROM cpu_stats;")).decode()
    check("no CPU samples: ranked by objects/s (score 1920.0)" in text, text)


def case_none():
    """A profile without sampled objects: no candidates, and the text says how to get them."""
    db = make_db("basic.db", fixture="fixture_basic.sql")
    doc = report(db)
    check(doc["candidates"] == [] and doc["sampled_objects"] == 0, f"{doc['candidates']}")
    text = run_ok("report", db).decode("utf-8", "replace")
    check("Arena candidates: none (no sampled object lifetimes in this profile: record with "
          "--track-every N)" in text, text)


def case_text():
    db = make_db("c.db")
    text = run_ok("report", db).decode()
    lines = text.splitlines()
    want = [
        "Arena candidates (from 170 sampled objects, 1 allocation in 64 followed):",
        "  1. " + HANDLE_REC,
        f"     estimated saving {100 * HANDLE_EST:.1f}% of the CPU time (score {HANDLE_EST:.4f}), "
        "verified, risk low",
        "     1920 objects/s, 18.0 KiB per scope (p50) / 28.0 KiB (p99), lifetime 10.0 us (p50) "
        "/ 40.0 us (p99)",
        "     escapes 0.0%, cross-thread 0.0%, long-lived 0.0%, freed by free_tree recursion, "
        "100%",
        "  2. " + RENDER_REC,
        "     unverified: run `arenaprof record -p 777 --verify render_page`",
        "  Not recommended:",
        "     `cache_put` (cache.c:10): long-lived (90% still live at the end)",
        "     `make_msg` (queue.c:5): escapes scope (100% freed outside the scope invocation "
        "that allocated them)",
        "     `produce` (queue.c:30): freed by another thread (100%)",
        "     1 site with fewer than 20 sampled objects (too few sampled objects to judge)",
    ]
    at = [lines.index(w) if w in lines else -1 for w in want]
    check(-1 not in at, "missing: " + repr([w for w, i in zip(want, at) if i < 0]) + "\n" + text)
    check(at == sorted(at), f"out of order {at}")
    check(text.index("Arena candidates") > text.index("profiler overhead") and
          text.index("Arena candidates") < text.index("call sites by allocations"),
          "after the header and CPU block, before the sites")
    out = run_ok("report", "-n", "1", db).decode()
    check("`cache_put` (cache.c:10)" in out and "`make_msg`" not in out and
          "     ... and 2 more (-n 0 lists all)" in out, out)


Z90 = 1.6449  # two-sided 90% normal interval


def case_interval():
    """The prediction in parts with its 90% interval, derived by hand: Poisson sample counts,
    the in-place calibration's fraction and spread, and a free walk (19 samples whose innermost
    frame is free_tree, the candidate's free path function)."""
    inplace = ("INSERT INTO meta VALUES ('calib_inplace_malloc_free_ns', '40.0'),"
               "('calib_inplace_arena_ns', '10.0'), ('calib_inplace_spread', '0.2');")
    walk = ("INSERT INTO stacks(id, depth, truncated) VALUES (60, 3, 0);"
            "INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES (60, 0, 6), (60, 1, 22),"
            " (60, 2, 1);"
            "INSERT INTO cpu_stats(stack_id, samples) VALUES (60, 19);")
    doc = report(make_db("ci.db", inplace + walk))
    c = by_site(doc)["new_node"]
    n = BASE + 19
    # the fraction's sd: the run-to-run spread and the systematic 100% (savings.h,
    # SAVINGS_INPLACE_MODEL_REL_SD), in quadrature
    f, sd_f = 10 / 40, math.sqrt(0.2**2 + 1.0**2) * 10 / 40
    m, f_side, w = 50 / n, 30 * (60 / 63) / n, 19 / n
    var_m, var_f, var_w = 50 / n**2, 30 * (60 / 63) ** 2 / n**2, 19 / n**2
    est = (m + f_side) * (1 - f)
    sd = math.sqrt((1 - f) ** 2 * (var_m + var_f) + (m + f_side) ** 2 * sd_f**2)
    check(doc["calibration"]["inplace"] == {"malloc_free_ns": 40.0, "arena_ns": 10.0,
                                            "spread": 0.2}, f"{doc['calibration']}")
    check(close(doc["calibration"]["arena_cost_fraction"], f), f"{doc['calibration']}")
    parts = c["est_cpu_saving_parts"]
    check_fields(parts, {"malloc_side": m, "malloc_side_sd": math.sqrt(var_m),
                         "free_side": f_side, "free_side_sd": math.sqrt(var_f),
                         "arena_cost": f * (m + f_side), "arena_cost_fraction": f,
                         "arena_cost_fraction_sd": sd_f, "free_walk": w,
                         "free_walk_sd": math.sqrt(var_w), "free_walk_function": "free_tree"},
                 "parts")
    check(close(c["est_cpu_saving"], est), f"est {c['est_cpu_saving']} != {est}")
    lo, hi = c["est_cpu_saving_ci90"]
    check(close(lo, est - Z90 * sd) and close(hi, est + Z90 * sd), f"ci90 {lo, hi}")
    sdw = math.sqrt(sd**2 + var_w)
    check(close(c["est_cpu_saving_with_walk"], est + w), f"{c['est_cpu_saving_with_walk']}")
    lo, hi = c["est_cpu_saving_with_walk_ci90"]
    check(close(lo, est + w - Z90 * sdw) and close(hi, est + w + Z90 * sdw), f"walk ci90 {lo, hi}")
    # the enclosed share's binomial term: new_node with 5 of its 60 objects escaping
    esc = report(make_db("ci_esc.db", "UPDATE objects SET free_inv = alloc_inv + 1 WHERE id IN "
                         "(SELECT id FROM objects WHERE alloc_stack_id = 1 ORDER BY id LIMIT 5);"))
    c = by_site(esc)["new_node"]
    e = 55 / 60
    want = math.sqrt(e * e * 50 / BASE**2 + (50 / BASE) ** 2 * e * (1 - e) / 60)
    check(close(c["est_cpu_saving_parts"]["malloc_side_sd"], want),
          f"malloc_side_sd {c['est_cpu_saving_parts']['malloc_side_sd']} != {want}")
    # no CPU samples: no prediction
    none = report(make_db("ci_none.db", "DELETE FROM cpu_stats;"))
    c = by_site(none)["new_node"]
    check(c["est_cpu_saving_ci90"] is None and c["est_cpu_saving_parts"] is None and
          c["est_cpu_saving_with_walk"] is None, f"{c['est_cpu_saving_ci90']}")
    text = run_ok("report", make_db("ci_t.db", inplace + walk)).decode()
    want = (f"     saving {100 * est:.1f}% (90%: {100 * (est - Z90 * sd):.1f}-"
            f"{100 * (est + Z90 * sd):.1f}%) = malloc side {100 * m:.1f}% (+-"
            f"{100 * math.sqrt(var_m):.1f}) + free side {100 * f_side:.1f}% (+-"
            f"{100 * math.sqrt(var_f):.1f}) - arena in place {100 * f * (m + f_side):.1f}% "
            f"(0.25 of malloc+free)")
    check(want in text.splitlines(), f"missing {want!r}\n{text}")
    check("     if you also delete the free walk `free_tree()` (" in text, text)


def case_memory():
    """The memory model by hand. handle_request, verified, one allocation in 64 followed:
    invocation i holds 4 nodes of 32 B and 2 strings of 16i B, all live at once (the strings
    are allocated while every node lives), so malloc's peak is the sum (hold ratio 1) and the
    invocations do not overlap (one live)."""
    c = by_site(report(make_db("c.db")))["new_node"]
    check(c["memory"] == {"invocations": 10, "live_invocations": 1,
                          "malloc_peak_p50": 18432, "malloc_peak_p99": 28672,
                          "hold_ratio_p50": 1.0, "arena_peak_bytes": 28672,
                          "malloc_peak_bytes": 28672, "rss_change_bytes": 0,
                          "warning": False, "windows_cut": False}, f"{c['memory']}")
    # invocation 2 moved into invocation 1's time: two live at once (nesting or threads)
    c = by_site(report(make_db("m2.db", "UPDATE objects SET alloc_ns = alloc_ns - 99999500, "
                               "free_ns = free_ns - 99999500 WHERE alloc_inv = 2 AND "
                               "alloc_stack_id IN (1, 2);")))["new_node"]
    check(c["memory"]["live_invocations"] == 2 and
          c["memory"]["arena_peak_bytes"] == 2 * 28672, f"{c['memory']}")
    # every object freed right after its allocation, strings of 16 B, one in 10,000 followed:
    # malloc's peak is one node (32 B x 10,000), the arena keeps 4 x 32 + 2 x 16 = 160 B x
    # 10,000 per invocation: ratio 5, 1,280,000 B more than malloc (>= 1 MiB): a warning
    c = by_site(report(make_db("m3.db", "UPDATE objects SET free_ns = alloc_ns + 1, size = 16 "
                               "WHERE alloc_stack_id = 2; UPDATE objects SET free_ns = "
                               "alloc_ns + 1 WHERE alloc_stack_id = 1; UPDATE meta SET value "
                               "= '10000' WHERE key = 'track_every';")))["new_node"]
    check(c["memory"] == {"invocations": 10, "live_invocations": 1,
                          "malloc_peak_p50": 320000, "malloc_peak_p99": 320000,
                          "hold_ratio_p50": 5.0, "arena_peak_bytes": 1600000,
                          "malloc_peak_bytes": 320000, "rss_change_bytes": 1280000,
                          "warning": True, "windows_cut": False}, f"{c['memory']}")
    # a windowed recording: the invocations may be cut at the windows' edges
    c = by_site(report(make_db("m4.db", "UPDATE meta SET value = 'windowed' WHERE key = "
                               "'mode';")))["new_node"]
    check(c["memory"]["windows_cut"] is True, f"{c['memory']}")


if __name__ == "__main__":
    sys.exit(main(globals()))
