"""test_lifetimes.py: object lifetimes. With every allocation followed (--track-every 1): each
object is paired with its free or realloc, its scope is the deepest frame invocation common to
both stacks, objects freed by another thread have none, objects still live at the end are kept
as censored."""
import os
import sys

from harness import (check, check_consistent, counters, query, record_pid_workload, tmpdir,
                     workload)

SCOPE_SQL = """SELECT fa.function, fs.function, ff.function, o.freed_by, o.alloc_tid = o.free_tid,
                      COUNT(*), SUM(o.free_ns >= o.alloc_ns)
               FROM objects o
               JOIN stack_frames sa ON sa.stack_id = o.alloc_stack_id AND sa.pos = 0
               JOIN frames fa ON fa.id = sa.frame_id
               LEFT JOIN stack_frames ss ON ss.stack_id = o.alloc_stack_id AND ss.pos = o.scope_pos
               LEFT JOIN frames fs ON fs.id = ss.frame_id
               LEFT JOIN stack_frames sf ON sf.stack_id = o.free_stack_id AND sf.pos = 0
               LEFT JOIN frames ff ON ff.id = sf.frame_id
               WHERE fa.function = ? GROUP BY 1, 2, 3, 4, 5"""


def record(args, name):
    db = os.path.join(tmpdir(), name + ".db")
    record_pid_workload([workload("lifetimes")] + args, db, extra=["--track-every", "1"])
    _, c = check_consistent(db)
    check(c["objects_untracked"] == 0 and c["free_lost"] == 0, f"untracked/lost: {c}")
    return db


def test_request_scope():
    db = record(["request", "500"], "request")
    rows = query(db, SCOPE_SQL, ("new_node",))
    check(rows == [("new_node", "handle_request", "free_tree", "free", 1, 500 * 32, 500 * 32)],
          f"new_node objects: {rows}")
    c = counters(db)
    tracked = query(db, "SELECT COUNT(*) FROM objects")[0][0]
    check(tracked == c["objects_tracked"] == c["allocs"], f"{tracked} objects for {c['allocs']} allocations")
    # the scope frame is the same invocation in both stacks: same CFA at both positions
    same = query(db, """SELECT COUNT(*) FROM objects WHERE scope_pos IS NOT NULL AND
                        substr(alloc_cfas, scope_pos * 8 + 1, 8) = substr(free_cfas, free_scope_pos * 8 + 1, 8)""")
    scoped = query(db, "SELECT COUNT(*) FROM objects WHERE scope_pos IS NOT NULL")
    check(same == scoped, f"scope CFAs differ: {same} vs {scoped}")


def test_censored_cache():
    db = record(["cache", "3000"], "cache")
    rows = query(db, SCOPE_SQL, ("cache_insert",))
    check(rows == [("cache_insert", None, None, None, None, 3000, None)],
          f"cache objects should all be live at the end: {rows}")


def test_other_thread():
    db = record(["handoff", "5000"], "handoff")
    rows = query(db, SCOPE_SQL, ("make_message",))
    check(rows == [("make_message", None, "consume", "free", 0, 5000, 5000)],
          f"messages freed by the consumer thread: {rows}")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"request_scope": test_request_scope, "censored_cache": test_censored_cache,
                   "other_thread": test_other_thread}))
