"""test_candidates.py: arena candidates end to end on a real process. The mixed lifetimes
workload plants a request scope with two sites, objects that escape to the next request, a
hand-off between threads and a long-lived cache; recorded with every object followed and the
two request functions verified, the report must rank and judge them as planted.

The ranking is judged on score first, ties broken by verification and then by sampled objects:
the score is an estimated CPU saving, and when nearly all of the CPU samples are probe handling
(a noisy machine with every call probed: 99.1% once) every candidate's score is 0, a tie that
says nothing about the planted scope, while the verification and the object counts still do."""
import os
import sys

from harness import check, check_consistent, record_pid_workload, report_json, tmpdir, workload


def by_site(candidates):
    out = {}
    for c in candidates:
        for s in c["sites"]:
            out[s["function"]] = c
    return out


def rank_key(c):
    """Score first; between equal scores (all 0 when probe handling took the CPU samples), the
    verified scope, then the one with more sampled objects."""
    return (c["score"], c["verified"], c["objects"])


def test_mixed():
    db = os.path.join(tmpdir(), "mixed.db")
    record_pid_workload([workload("lifetimes"), "mixed", "300"], db,
                        extra=["--track-every", "1", "--ring-size", "256",
                               "--verify", "handle_request,handle_escaping"])
    check_consistent(db)
    rep = report_json(db)
    cands = rep["candidates"]
    check(cands, "no candidates")
    scores = [c["score"] for c in cands]
    check(scores == sorted(scores, reverse=True), f"candidates not sorted by score: {scores}")
    ranked = sorted(cands, key=rank_key, reverse=True)
    top, second = ranked[0], ranked[1] if len(ranked) > 1 else None
    check(second is None or rank_key(second) < rank_key(top),
          f"the request scope must rank first: {rank_key(top)} vs {rank_key(second)} "
          f"(score, verified, objects)")
    print(f"first {top['scope']}: {rank_key(top)}; second: {second and rank_key(second)}")
    check(top["scope"] and top["scope"]["function"] == "handle_request",
          f"top candidate scope {top['scope']}")
    check(top["verified"] and top["recommended"], f"top candidate: {top['reason']}")
    check(sorted(s["function"] for s in top["sites"]) == ["dup_label", "new_node"],
          f"top candidate sites {[s['function'] for s in top['sites']]}")
    check(top["escape_share"] < 0.05, f"escape share {top['escape_share']}")
    check("wrap `handle_request()` in an arena of" in (top["recommendation"] or ""),
          f"recommendation {top['recommendation']}")
    site = by_site(cands)
    for fn, reason in (("new_session", "escapes scope"), ("make_message", "freed by another thread"),
                       ("cache_insert", "long-lived")):
        c = site.get(fn)
        check(c is not None, f"{fn} not among the candidates")
        check(not c["recommended"] and c["reason"].startswith(reason),
              f"{fn}: recommended={c['recommended']} reason={c['reason']!r}, want {reason!r}")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"mixed": test_mixed}))
