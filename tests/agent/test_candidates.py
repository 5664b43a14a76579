"""test_candidates.py: arena candidates end to end on a real process. The mixed lifetimes
workload plants a request scope with two sites, objects that escape to the next request, a
hand-off between threads and a long-lived cache; recorded with every object followed and the
two request functions verified, the report must rank and judge them as planted."""
import os
import sys

from harness import check, check_consistent, record_pid_workload, report_json, tmpdir, workload


def by_site(candidates):
    out = {}
    for c in candidates:
        for s in c["sites"]:
            out[s["function"]] = c
    return out


def test_mixed():
    db = os.path.join(tmpdir(), "mixed.db")
    record_pid_workload([workload("lifetimes"), "mixed", "300"], db,
                        extra=["--track-every", "1", "--ring-size", "256",
                               "--verify", "handle_request,handle_escaping"])
    check_consistent(db)
    rep = report_json(db)
    cands = rep["candidates"]
    check(cands, "no candidates")
    top = cands[0]
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
    scores = [c["score"] for c in cands]
    check(scores == sorted(scores, reverse=True), f"candidates not sorted by score: {scores}")
    check(all(c["score"] < top["score"] for c in cands[1:]), "the request scope must rank first")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"mixed": test_mixed}))
