"""test_wrappers.py: call sites past allocation wrappers on a real process. The wrapped workload
allocates through its own xmalloc-style wrapper (app_alloc, not in the analyzer's list of names:
it must be detected from the stacks), a chain through it (app_strdup -> app_alloc) and libc's
strdup; recorded with every call probed and every object followed, the report's sites must be
the functions that called the wrappers, at the marked lines, with exact counts, and the request
scope's candidate must list those sites."""
import json
import os
import sys

from harness import (ARENAPROF, check, check_consistent, record_pid_workload, report_json, run,
                     source_line, tmpdir, workload)

N = 2000
SITES = {  # function -> (marker, wrappers innermost first)
    "parse_header": ("SITE_HEADER", ["app_alloc"]),
    "add_field": ("SITE_FIELD", ["app_alloc"]),
    "make_token": ("SITE_TOKEN", ["app_alloc", "app_strdup"]),
    "make_key": ("SITE_KEY", ["app_alloc", "app_strdup"]),
    "make_path": ("SITE_PATH", ["app_alloc", "app_strdup"]),
}


def test_folded():
    db = os.path.join(tmpdir(), "wrapped.db")
    record_pid_workload([workload("wrapped"), str(N)], db,
                        extra=["--exact", "--track-every", "1", "--ring-size", "256"])
    check_consistent(db)
    rep = report_json(db)
    sites = {s["function"]: s for s in rep["sites"]}
    for fn, (marker, wrappers) in SITES.items():
        s = sites.get(fn)
        check(s is not None, f"no site {fn}: {sorted(sites)}")
        line = source_line("tests/workloads/wrapped.c", marker)
        check(s["line"] == line and s["file"].endswith("wrapped.c"),
              f"{fn} at {s['file']}:{s['line']}, expected wrapped.c:{line}")
        check(s["allocs"] == N, f"{fn}: {s['allocs']} allocations, expected {N}")
        check(s["wrappers"] == wrappers, f"{fn} wrappers {s['wrappers']}, expected {wrappers}")
    name = sites.get("copy_name")
    check(name is not None and name["allocs"] == N, f"copy_name site {name}")
    check(name["line"] == source_line("tests/workloads/wrapped.c", "SITE_NAME"),
          f"copy_name line {name['line']}")
    check(len(name["wrappers"]) == 1 and "strdup" in name["wrappers"][0],
          f"copy_name wrappers {name['wrappers']}")
    for fn in ("app_alloc", "app_strdup", "strdup", "__strdup"):
        check(fn not in sites, f"the wrapper {fn} is still a site")
    reasons = {w["function"]: (w["reason"], w["callers"]) for w in rep["wrappers"]}
    check(reasons.get("app_alloc") == ("detected", 3), f"app_alloc: {reasons}")
    check(reasons.get("app_strdup") == ("detected", 3), f"app_strdup: {reasons}")
    # the request scope's candidate groups the folded sites
    top = rep["candidates"][0]
    want = sorted(list(SITES) + ["copy_name"])
    check(top["scope"] and top["scope"]["function"] == "handle_request",
          f"top candidate scope {top['scope']}")
    check(sorted(s["function"] for s in top["sites"]) == want,
          f"top candidate sites {[s['function'] for s in top['sites']]}")
    # --no-wrappers: the raw frames
    raw = run([ARENAPROF, "report", "--json", "--no-wrappers", db])
    check(raw.returncode == 0, f"report --no-wrappers: {raw.stderr}")
    raw_sites = {s["function"]: s["allocs"] for s in json.loads(raw.stdout)["sites"]}
    check(raw_sites.get("app_alloc") == 2 * N + 3 * N, f"raw app_alloc: {raw_sites}")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"folded": test_folded}))
