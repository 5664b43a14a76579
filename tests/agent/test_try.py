"""test_try.py: `arenaprof try` and its interposer (arena/preload/) on real recordings. The planted
workload try_tree builds a tree per request whose nodes (new_node) and labels (make_label, behind
the xmalloc wrapper) all die with the request, and keeps a cache entry every 8th request until
the end (cache_add, not a candidate). Recorded with every call probed (--exact), its first
candidate's sites are written with --sites-out and the workload is run with the interposer
preloaded: exactly the chosen sites' allocations (the workload counts them) must go to the arena,
the cache's must not, the output (checksum) must not change, and chunks must be released; also
with the trees freed by another thread (--handoff) and across a fork (--fork). The end-to-end cases run `arenaprof try`
itself on the workload and on the example service (three threads), and check its usage
errors."""
import os
import re
import sqlite3
import subprocess
import sys

from harness import (ARENAPROF, BUILD, check, record_pid_workload, run, tmpdir, workload)

LIB = os.path.join(BUILD, "libarenaprof_try.so")
REQUESTS, DEPTH = 300, 7  # 300 trees of 255 nodes: 153000 allocations, recorded in seconds
SERVER = os.path.join(BUILD, "examples", "request_server")


def tree_profile(d):
    db = os.path.join(d, "tree.db")
    record_pid_workload([workload("try_tree"), str(REQUESTS), str(DEPTH)], db)
    return db


def write_sites(db, path, *extra):
    r = run([ARENAPROF, "try", *extra, "--sites-out", path, db])
    check(r.returncode == 0, f"try --sites-out failed: {r.stderr}")
    return r.stdout


def workload_counts(out):
    m = re.search(r"requests=(\d+) nodes=(\d+) labels=(\d+) cached=(\d+) checksum=(0x[0-9a-f]+)",
                  out)
    check(m, f"no result line in {out!r}")
    return {"nodes": int(m[2]), "labels": int(m[3]), "cached": int(m[4]), "checksum": m[5]}


def run_preloaded(argv, sites, stats, chunk=None, match_only=False, processes=1):
    env = dict(os.environ, LD_PRELOAD=LIB, ARENAPROF_TRY_SITES=sites, ARENAPROF_TRY_STATS=stats)
    if match_only:
        env["ARENAPROF_TRY_MATCH_ONLY"] = "1"
    if chunk:
        env["ARENAPROF_TRY_CHUNK"] = str(chunk)
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    check(r.returncode == 0, f"{argv[0]} with the interposer: exit {r.returncode}: {r.stderr}")
    with open(stats) as f:
        lines = [l for l in f.read().splitlines() if l.startswith("arenaprof-try ")]
    check(len(lines) == processes, f"expected {processes} counters lines, got {lines!r}")
    counts = [{k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", l)} for l in lines]
    return r.stdout, counts[0] if processes == 1 else counts


def check_tree_run(d, db_sites, label, chunk=None, expect_labels=True, extra=()):
    argv = [workload("try_tree"), str(REQUESTS), str(DEPTH), *extra]
    plain = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    check(plain.returncode == 0, f"try_tree failed: {plain.stderr}")
    want = workload_counts(plain.stdout)
    out, c = run_preloaded(argv, db_sites, os.path.join(d, f"{label}.stats"), chunk)
    got = workload_counts(out)
    check(got == want, f"{label}: output changed with the interposer: {got} != {want}")
    routed = want["nodes"] + (want["labels"] if expect_labels else 0)
    # exact: the sites' calls and nothing else (the cache site, chosen by nobody, stays on malloc)
    check(c["routed"] == routed and c["matched"] == routed,
          f"{label}: routed {c['routed']}, matched {c['matched']}, the chosen sites made {routed}")
    check(c["calls"] >= routed + want["cached"], f"{label}: calls {c['calls']} < routed + cache")
    check(c["arena_frees"] == routed, f"{label}: {c['arena_frees']} arena frees, not {routed}")
    check(c["chunks_freed"] > 0, f"{label}: no chunk released ({c})")
    # every request's tree dies before the next one starts: at most the current chunk and the
    # one before it can hold live objects when the program ends (its last tree was freed too)
    check(c["chunks_made"] - c["chunks_freed"] <= 2,
          f"{label}: {c['chunks_made']} chunks made but only {c['chunks_freed']} released")
    check(c["too_large"] == 0 and c["fallback"] == 0, f"{label}: allocations not served: {c}")
    return c


def test_interposer():
    d = tmpdir()
    db = tree_profile(d)
    sites = os.path.join(d, "sites")
    text = write_sites(db, sites)
    check("site new_node" in text and "site make_label" in text and "via xmalloc" in text,
          f"candidate 1 is not the tree's: {text!r}")
    lines = [l.split() for l in open(sites) if not l.startswith("#")]
    check(len(lines) == 2, f"expected the two sites' return addresses, got {lines}")
    check(sorted(int(l[0]) for l in lines) == [1, 2],
          f"new_node calls malloc (depth 1), make_label through xmalloc (depth 2): {lines}")
    c = check_tree_run(d, sites, "default")
    # 64 KiB chunks: four times as many generations made and released
    small = check_tree_run(d, sites, "small_chunks", chunk=64 << 10)
    check(small["chunks_made"] > c["chunks_made"],
          f"64 KiB chunks: {small['chunks_made']} made, not more than {c['chunks_made']}")
    # only the direct site: the labels (behind the wrapper) stay on malloc
    direct = os.path.join(d, "sites_direct")
    with open(direct, "w") as f:
        f.writelines(" ".join(l) + "\n" for l in lines if l[0] == "1")
    check_tree_run(d, direct, "direct_only", expect_labels=False)
    # the control of `try`: the same matching, nothing routed
    argv = [workload("try_tree"), str(REQUESTS), str(DEPTH)]
    want = workload_counts(subprocess.run(argv, capture_output=True, text=True).stdout)
    out, m = run_preloaded(argv, sites, os.path.join(d, "match_only.stats"), match_only=True)
    check(workload_counts(out) == want, "match-only: output changed")
    check(m["matched"] == want["nodes"] + want["labels"] and m["routed"] == 0 and
          m["chunks_made"] == 0, f"match-only: {m}")
    # a fork in the middle of a request (request REQUESTS / 2, its tree built, not yet freed):
    # both processes free their copy of that tree and finish; the child counts from the fork on
    argv = [workload("try_tree"), str(REQUESTS), str(DEPTH), "--fork"]
    plain = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    check(plain.returncode == 0, f"try_tree --fork failed: {plain.stderr}")
    out, (first, second) = run_preloaded(argv, sites, os.path.join(d, "fork.stats"), processes=2)
    check(out == plain.stdout, f"fork: output changed: {out!r} != {plain.stdout!r}")
    per_request = 2 * (2 ** (DEPTH + 1) - 1)  # nodes and labels of one tree
    after_fork = REQUESTS - (REQUESTS // 2 + 1)  # the child's requests after the forking one
    routed = sorted([first["routed"], second["routed"]])
    frees = sorted([first["arena_frees"], second["arena_frees"]])
    check(routed == [after_fork * per_request, REQUESTS * per_request],
          f"fork: routed {routed}, not {after_fork} and {REQUESTS} requests' objects")
    check(frees == [(after_fork + 1) * per_request, REQUESTS * per_request],
          f"fork: arena frees {frees}: the child also frees the tree it inherited")
    check(first["chunks_freed"] > 0 and second["chunks_freed"] > 0, f"fork: {first} {second}")
    # the trees freed by a second thread: the same counts, chunks still released (the frees of
    # another thread's objects are counted atomically; the workload joins that thread first)
    check_tree_run(d, sites, "handoff", chunk=64 << 10, extra=["--handoff"])


def parse_try(out):
    cpu = re.search(r"^CPU time \(user\+sys\): plain ([\d.]+) s, arena ([\d.]+) s .*ratio ([\d.]+)",
                    out, re.M)
    rss = re.search(r"^peak RSS: plain (\d+) KiB, arena (\d+) KiB .*ratio ([\d.]+)", out, re.M)
    routed = re.search(r"^arena: (\d+) of (\d+) allocation calls routed", out, re.M)
    chunks = re.search(r"^chunks: (\d+) made, (\d+) released", out, re.M)
    check(cpu and rss and routed and chunks, f"try output lacks its numbers: {out!r}")
    check("stdout: identical in every pair" in out, f"outputs differ: {out!r}")
    check(float(cpu[1]) > 0 and float(cpu[2]) > 0 and float(cpu[3]) > 0, f"no CPU time: {out!r}")
    check(int(rss[1]) > 0 and int(rss[2]) > 0, f"no peak RSS: {out!r}")
    check(int(routed[1]) > 0 and int(chunks[2]) > 0, f"nothing routed or released: {out!r}")
    control = re.search(r"^control: matched (\d+) calls .*the arena runs matched (\d+)\)", out, re.M)
    check(control and control[1] == control[2] and int(control[1]) >= int(routed[1]),
          f"the control run did not match the same calls: {out!r}")
    return int(routed[1]), int(routed[2])


def test_command_tree():
    d = tmpdir()
    db = tree_profile(d)
    r = run([ARENAPROF, "try", "--pairs", "2", db, "--", workload("try_tree"), str(REQUESTS),
             str(DEPTH)], timeout=300)
    check(r.returncode == 0, f"arenaprof try failed: {r.stdout} {r.stderr}")
    routed, calls = parse_try(r.stdout)
    want = workload_counts(subprocess.run([workload("try_tree"), str(REQUESTS), str(DEPTH)],
                                          capture_output=True, text=True).stdout)
    per_run = want["nodes"] + want["labels"]
    check(routed == 2 * per_run, f"2 pairs routed {routed}, not 2 x {per_run}")
    check(re.search(r"^pair 2: ", r.stdout, re.M), "no line for pair 2")


def test_command_server():
    d = tmpdir()
    db = os.path.join(d, "server.db")
    rec = run([ARENAPROF, "record", "--exact", "-o", db, "--", SERVER, "--requests", "300",
               "--threads", "3"], timeout=300)
    check(rec.returncode == 0, f"arenaprof record failed: {rec.stderr}")
    r = run([ARENAPROF, "try", "--pairs", "2", db, "--", SERVER, "--requests", "3000",
             "--threads", "3"], timeout=300)
    check(r.returncode == 0, f"arenaprof try failed: {r.stdout} {r.stderr}")
    check(re.search(r"^candidate 1: scope handle_request ", r.stdout, re.M),
          f"candidate 1 is not handle_request: {r.stdout!r}")
    routed, calls = parse_try(r.stdout)
    # the request trees are most of the service's allocations (the report: 2 sites, > 90%)
    check(routed > 0.5 * calls, f"only {routed} of {calls} calls routed")


def test_errors():
    d = tmpdir()
    missing = os.path.join(d, "missing.db")
    cases = [  # argv, exit code, message
        (["try", missing], 2, "no command given"),
        (["try", "--pairs", "0", missing, "--", "true"], 2, "--pairs takes a number"),
        (["try", "--chunk", "1000", missing, "--", "true"], 2, "--chunk takes a power of two"),
        (["try", "--sites-out", os.path.join(d, "s"), missing, "--", "true"], 2,
         "--sites-out runs no command"),
        (["try", missing, "--", "true"], 1, missing),
    ]
    # the interposer is looked up before the profile is read; any readable file passes that
    # check, so the same cases run in the sanitized build, which has no interposer
    env = dict(os.environ, ARENAPROF_TRY_LIB="/dev/null")
    for argv, code, msg in cases:
        r = run([ARENAPROF] + argv, env=env)
        check(r.returncode == code, f"{argv}: exit {r.returncode}, not {code}: {r.stderr}")
        first = r.stderr.splitlines()[0] if r.stderr else ""
        check(first.startswith("arenaprof: ") and msg in first, f"{argv}: stderr {r.stderr!r}")
        check(r.stdout == "", f"{argv}: stdout {r.stdout!r}")


def test_no_candidate():
    d = tmpdir()
    db = tree_profile(d)
    r = run([ARENAPROF, "try", "--candidate", "99", db, "--", "true"])
    check(r.returncode == 1 and re.match(r"arenaprof: .* arena candidates?, not 99\n", r.stderr),
          f"candidate 99: exit {r.returncode}, {r.stderr!r}")
    # a profile of another build of the program: its offsets would route other call sites
    stale = os.path.join(d, "stale.db")
    with open(db, "rb") as src, open(stale, "wb") as dst:
        dst.write(src.read())
    con = sqlite3.connect(stale)
    con.execute("UPDATE modules SET build_id = 'deadbeef' WHERE path LIKE '%try_tree'")
    con.commit()
    con.close()
    r = run([ARENAPROF, "try", "--sites-out", os.path.join(d, "s"), stale])
    check(r.returncode == 1 and "is not the build the profile recorded" in r.stderr,
          f"stale profile: exit {r.returncode}, {r.stderr!r}")
    # a command that fails is reported with its status, not measured
    r = run([ARENAPROF, "try", "--pairs", "1", "--keep", os.path.join(d, "runs"), db, "--",
             "false"])
    check(r.returncode == 1 and "exited with status 1" in r.stderr, f"false: {r.stderr!r}")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"interposer": test_interposer, "command_tree": test_command_tree,
                   "command_server": test_command_server, "errors": test_errors,
                   "no_candidate": test_no_candidate}))
