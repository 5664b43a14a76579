"""test_loops.py: loop-iteration scopes on real processes. A stream filter reads records in
main's loop and an event loop runs in a worker thread (its start routine, or a function it calls);
every object dies within one iteration, while the loop's function lasts the whole run. The report
must never say to wrap main, a thread root or the loop's function, and must name the loop by its
two calls, at the marked lines."""
import os
import sys

from harness import (check, check_consistent, record_pid_workload, report_json, source_line,
                     tmpdir, workload)

N = 3000


def loop_candidate(rep, function):
    for c in rep["candidates"]:
        recommendation = c["recommendation"] or ""
        for root in ("main", "__libc_start_call_main", "start_thread", function):
            check(f"wrap `{root}()`" not in recommendation, f"recommends {recommendation!r}")
    loops = [c for c in rep["candidates"]
             if c["scope"] and c["scope"]["kind"] == "loop_iteration"]
    check(loops, f"no loop-iteration candidate: {[c['scope'] for c in rep['candidates']]}")
    c = loops[0]
    check(c["scope"]["loop"]["function"] == function, f"loop in {c['scope']['loop']}")
    return c


def check_calls(c, src, alloc_fn, alloc_marker, free_fn, free_marker):
    loop = c["scope"]["loop"]
    for key, fn, marker in (("alloc_call", alloc_fn, alloc_marker),
                            ("free_call", free_fn, free_marker)):
        call = loop[key]
        line = source_line(src, marker)
        check(call and call["function"] == fn and call["line"] == line,
              f"{key} {call}, expected {fn} at line {line}")
    check(c["recommendation"].startswith("likely: reset an arena of "),
          f"recommendation {c['recommendation']!r}")
    check(f"once per iteration of the loop in `{loop['function']}()` that calls `{alloc_fn}()`"
          in c["recommendation"], f"recommendation {c['recommendation']!r}")
    check(c["escape_share"] < 0.05 and not c["verified"], f"escapes {c['escape_share']}")


def record(argv, name, extra=()):
    db = os.path.join(tmpdir(), name + ".db")
    record_pid_workload(argv, db, extra=["--exact", "--track-every", "1", "--ring-size", "256"]
                        + list(extra))
    check_consistent(db)
    return report_json(db)


def test_filter():
    rep = record([workload("filter"), str(N)], "filter")
    c = loop_candidate(rep, "main")
    check(c["scope"]["loop"]["why"] == "root", f"why {c['scope']['loop']}")
    check_calls(c, "tests/workloads/filter.c", "parse_record", "LOOP_PARSE", "free_record",
                "LOOP_FREE")
    check(c["objects"] >= 4 * N * 0.9, f"{c['objects']} objects, expected most of {4 * N}")


def test_event_thread():
    rep = record([workload("event_loop"), "thread", str(N)], "event_thread")
    c = loop_candidate(rep, "event_thread")
    check(c["scope"]["loop"]["why"] == "root", f"why {c['scope']['loop']}")
    check_calls(c, "tests/workloads/event_loop.c", "wait_event", "EVENT_WAIT_THREAD",
                "release_event", "EVENT_RELEASE_THREAD")


def test_event_nested():
    """run_loop is not a root: --verify (what the first report proposes) shows that its one
    invocation outlasts its objects by far."""
    rep = record([workload("event_loop"), "nested", str(N)], "event_nested",
                 ["--verify", "run_loop"])
    c = loop_candidate(rep, "run_loop")
    check(c["scope"]["loop"]["why"] in ("never_returned", "long_invocations"),
          f"why {c['scope']['loop']}")
    check_calls(c, "tests/workloads/event_loop.c", "wait_event", "EVENT_WAIT_NESTED",
                "release_event", "EVENT_RELEASE_NESTED")
    # per iteration: an event (24 B) and its payload (16..160 B), not the whole loop
    check(c["bytes_per_scope_p99"] <= 4096, f"bytes per iteration {c['bytes_per_scope_p99']}")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"filter": test_filter, "event_thread": test_event_thread,
                   "event_nested": test_event_nested}))
