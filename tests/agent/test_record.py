"""test_record.py: `arenaprof record` on real processes: exact counts per known call site by PID
and with `record -- CMD`, 8 threads, the end of a recording (-d, SIGINT), and report ranking."""
import os
import signal
import sqlite3
import sys
import time

from harness import (ARENAPROF, Failure, check, check_consistent, counters, finish, meta, query,
                     record_pid_workload, report_json, run, shim_path, source_line, start_record,
                     start_waiting, tmpdir, workload)

SRC = "tests/workloads/known_sites.c"
# function -> (calls per round, kind, bytes per call, marker)
SITES = {
    "site_a": (3, "malloc", 48, "SITE_A */"),
    "site_b": (2, "calloc", 64, "SITE_B */"),
    "site_d": (1, "posix_memalign", 256, "SITE_D */"),
    "site_e": (1, "aligned_alloc", 128, "SITE_E */"),
    "site_c": (1, "realloc", 100, "SITE_C */"),
    "site_c_seed": (1, "malloc", 16, "SITE_C_SEED */"),
}


def check_known_sites(db, rounds, threads):
    m, c = check_consistent(db)
    check(c["lost_events"] == 0, f"lost events: {c['lost_events']}")
    rep = report_json(db)
    by_fn = {}
    for s in rep["sites"]:
        by_fn.setdefault(s["function"], []).append(s)
    for fn, (per_round, kind, size, marker) in SITES.items():
        check(fn in by_fn, f"site {fn} missing from report; sites: {[s['function'] for s in rep['sites'][:15]]}")
        check(len(by_fn[fn]) == 1, f"site {fn} split into {len(by_fn[fn])} rows")
        s = by_fn[fn][0]
        want = per_round * rounds * threads
        check(s["allocs"] == want, f"{fn}: allocs {s['allocs']} != {want}")
        check(s["bytes"] == want * size, f"{fn}: bytes {s['bytes']} != {want * size}")
        check(s["file"] and s["file"].endswith("known_sites.c"), f"{fn}: file {s['file']}")
        line = source_line(SRC, marker)
        check(s["line"] == line, f"{fn}: line {s['line']} != {line}")
        rows = query(db, """SELECT a.kind, SUM(a.allocs), MIN(a.size_min), MAX(a.size_max)
                            FROM alloc_stats a JOIN stack_frames sf ON sf.stack_id = a.stack_id AND sf.pos = 0
                            JOIN frames f ON f.id = sf.frame_id WHERE f.function = ? GROUP BY a.kind""", (fn,))
        check(rows == [(kind, want, size, size)], f"{fn}: alloc_stats {rows} != {[(kind, want, size, size)]}")
    order = [s["function"] for s in rep["sites"] if s["function"] in SITES]
    check(order == list(SITES), f"ranking {order} != {list(SITES)}")
    allocs = [s["allocs"] for s in rep["sites"]]
    check(allocs == sorted(allocs, reverse=True), "sites not sorted by allocs")
    total = rep["totals"]
    check(total["allocs"] == c["allocs"] and total["lost_events"] == 0, f"totals {total}")
    return m


def test_pid():
    d = tmpdir()
    db = os.path.join(d, "p.db")
    rounds = 3000
    record_pid_workload([workload("known_sites"), str(rounds), "1"], db)
    m = check_known_sites(db, rounds, 1)
    check(m["end_reason"] == "target-exit", f"end_reason {m['end_reason']}")
    check(m["mode"] == "exact" and m["unwind"] == "dwarf", f"meta {m}")


def test_command():
    d = tmpdir()
    db = os.path.join(d, "c.db")
    rounds = 2000
    r = run([ARENAPROF, "record", "--exact", "-o", db, "--", workload("known_sites"), str(rounds), "1"])
    check(r.returncode == 0, f"record -- CMD failed: {r.stderr}")
    check("done rounds=2000" in r.stdout, f"command output: {r.stdout!r}")
    m = check_known_sites(db, rounds, 1)
    check(m["target_exit"] == "exit 0", f"target_exit {m.get('target_exit')}")


def test_threads():
    d = tmpdir()
    db = os.path.join(d, "t.db")
    rounds = 1000
    record_pid_workload([workload("known_sites"), str(rounds), "8"], db)
    check_known_sites(db, rounds, 8)
    threads = query(db, "SELECT COUNT(*) FROM threads WHERE allocs >= ?", (8 * rounds,))[0][0]
    check(threads == 8, f"threads with the workload's allocations: {threads} != 8")


def test_progress():
    """Live progress on stderr: a plain line (not a terminal) with the counts and the top sites;
    nothing at all with -q."""
    import re
    d = tmpdir()
    for quiet in (False, True):
        w = start_waiting([workload("known_sites"), "100000000", "1", "--wait"])
        w.send_signal(signal.SIGUSR1)
        args = [ARENAPROF, "record", "--exact", "-p", str(w.pid), "-d", "2.5", "-f", "-o",
                os.path.join(d, "p.db")] + (["-q"] if quiet else [])
        r = run(args)
        w.kill()
        w.wait()
        check(r.returncode == 0, f"record failed: {r.stderr}")
        if quiet:
            check(r.stderr == "", f"-q printed: {r.stderr!r}")
            continue
        lines = [l for l in r.stderr.splitlines() if re.match(r"arenaprof: \d+ s, \d+ allocs", l)]
        check(lines, f"no progress line: {r.stderr!r}")
        check("top: site_a" in lines[0] and "lost" in lines[0], f"progress line: {lines[0]!r}")


def agent_prog_ids(pid):
    """IDs of the BPF programs a process holds, from /proc/PID/fdinfo."""
    ids = set()
    fdinfo = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, fd)) as f:
                for line in f:
                    if line.startswith("prog_id:"):
                        ids.add(int(line.split()[1]))
        except OSError:
            pass
    return ids


def prog_loaded(prog_id):
    return run(["bpftool", "prog", "show", "id", str(prog_id)]).returncode == 0


def wait_recorded(db, n, timeout=60):
    """Waits until the batches committed to db hold more than n allocations (read while the
    agent writes); returns that count. Instead of a fixed sleep, which a loaded machine can make
    too short."""
    deadline = time.time() + timeout
    while True:
        try:
            got = query(db, "SELECT COALESCE(SUM(allocs), 0) FROM alloc_stats")[0][0]
        except sqlite3.Error:  # the file exists before its schema is committed
            got = 0
        if got > n:
            return got
        check(time.time() < deadline, f"only {got} allocations committed after {timeout} s")
        time.sleep(0.1)


def test_agent_killed():
    """SIGKILL of the agent while events flow: the file is readable up to its last batch, says
    it was not closed, and no program of ours stays loaded."""
    d = tmpdir()
    db = os.path.join(d, "k.db")
    w = start_waiting([workload("known_sites"), "100000000", "1", "--wait"])
    rec = start_record(["-p", str(w.pid), "-o", db])
    w.send_signal(signal.SIGUSR1)
    seen = wait_recorded(db, 1000)
    progs = agent_prog_ids(rec.pid)
    check(progs, "no BPF program found among the agent's descriptors")
    rec.kill()
    rec.wait()
    check(query(db, "PRAGMA integrity_check") == [("ok",)], "integrity_check failed")
    m = meta(db)
    check(m["closed"] == "0", f"closed = {m['closed']} after SIGKILL")
    rows = query(db, "SELECT COALESCE(SUM(allocs), 0) FROM alloc_stats")[0][0]
    check(rows >= seen, f"{rows} allocations kept, {seen} were committed before the kill")
    r = run([ARENAPROF, "report", db])
    check(r.returncode == 0 and "not closed" in r.stdout, f"report of a killed recording: {r.stdout[:600]}")
    deadline = time.time() + 5
    while time.time() < deadline and any(prog_loaded(i) for i in progs):
        time.sleep(0.1)
    left = [i for i in progs if prog_loaded(i)]
    check(not left, f"BPF programs of the killed agent still loaded: {left}")
    check(w.poll() is None, "the target died with the agent")
    w.kill()
    w.wait()


def test_target_killed():
    """The target killed mid-recording: the recording ends, complete and closed."""
    d = tmpdir()
    db = os.path.join(d, "t.db")
    w = start_waiting([workload("known_sites"), "100000000", "2", "--wait"])
    rec = start_record(["-p", str(w.pid), "-o", db])
    w.send_signal(signal.SIGUSR1)
    wait_recorded(db, 1000)
    w.kill()
    w.wait()
    rc, err = finish(rec, timeout=60)
    check(rc == 0, f"record exit {rc}: {err}")
    m, c = check_consistent(db)
    check(m["end_reason"] == "target-exit", f"end_reason {m['end_reason']}")
    check(c["allocs"] > 1000, f"only {c['allocs']} allocations")


def test_interposer():
    """An allocator interposed with LD_PRELOAD: malloc/calloc/realloc/free probed in it,
    posix_memalign/aligned_alloc in libc, counts still exact."""
    d = tmpdir()
    db = os.path.join(d, "i.db")
    rounds = 2000
    shim = shim_path()
    record_pid_workload([workload("known_sites"), str(rounds), "1"], db,
                        env=dict(os.environ, LD_PRELOAD=shim))
    m = check_known_sites(db, rounds, 1)
    probes = dict(p.split("@", 1) for p in m["probes"].split(";"))
    for fn in ("malloc", "calloc", "realloc", "free"):
        check(probes[fn] == shim, f"{fn} probed in {probes[fn]}, not {shim}")
    for fn in ("posix_memalign", "aligned_alloc"):
        check("/libc.so" in probes[fn], f"{fn} probed in {probes[fn]}, not libc")


def test_sampled():
    """--sample-every 4 with --exact: the kernel's totals stay exact, each site's count is 4 x
    its recorded calls, within 5 standard deviations of the truth (binomial: sd = sqrt(3 n)
    for n calls), the realloc site included, and the report says the counts are sampled."""
    d = tmpdir()
    db = os.path.join(d, "s.db")
    rounds, n = 20000, 4
    record_pid_workload([workload("known_sites"), str(rounds), "1"], db,
                        extra=["--exact", "--sample-every", str(n)])
    m = meta(db)
    check(m.get("closed") == "1", f"database not closed: {m.get('closed')}")
    check(m.get("sample_every") == str(n), f"meta sample_every {m.get('sample_every')}")
    check(m.get("track_every") == str(64 * n), f"meta track_every {m.get('track_every')}")
    c = counters(db)
    truth = sum(per_round for per_round, _, _, _ in SITES.values()) * rounds
    # exact in the kernel: the sites' calls plus the workload's few others (stdio's buffer)
    check(truth <= c["allocs"] <= truth + 10, f"counters.allocs {c['allocs']}, sites {truth}")
    check(c["lost_events"] == 0, f"lost events: {c['lost_events']}")
    recorded = query(db, "SELECT SUM(allocs) FROM alloc_stats")[0][0]
    check(abs(recorded - c["allocs"]) <= 5 * (c["allocs"] * (n - 1)) ** 0.5,
          f"alloc_stats count {recorded} calls (records x {n}) for {c['allocs']} calls")
    rep = report_json(db)
    check(rep["recording"]["sample_every"] == n, f"json sample_every {rep['recording']}")
    by_fn = {}
    for s in rep["sites"]:
        by_fn.setdefault(s["function"], []).append(s)
    for fn, (per_round, kind, size, marker) in SITES.items():
        check(fn in by_fn and len(by_fn[fn]) == 1, f"site {fn}: {by_fn.get(fn)}")
        s = by_fn[fn][0]
        want = per_round * rounds
        sd = (want * (n - 1)) ** 0.5  # n x sqrt(want/n x (1 - 1/n))
        check(s["allocs"] % n == 0, f"{fn}: {s['allocs']} is not a multiple of {n}")
        check(abs(s["allocs"] - want) <= 5 * sd,
              f"{fn}: estimated {s['allocs']}, truth {want}, sd {sd:.0f}")
        check(s["bytes"] == s["allocs"] * size, f"{fn}: bytes {s['bytes']} for {s['allocs']} x {size}")
    text = run([ARENAPROF, "report", db]).stdout
    check("one allocation call in 4 recorded" in text, "the text report does not say it is sampled")


def test_duration_and_signal():
    """-d expiry and SIGINT while events flow: complete, consistent database, end reason said."""
    d = tmpdir()
    for how in ("duration", "signal"):
        db = os.path.join(d, how + ".db")
        w = start_waiting([workload("known_sites"), "100000000", "1", "--wait"])
        extra = ["-d", "1.5"] if how == "duration" else []
        rec = start_record(["-p", str(w.pid), "-o", db] + extra)
        w.send_signal(signal.SIGUSR1)
        if how == "signal":
            wait_recorded(db, 1000)
            rec.send_signal(signal.SIGINT)
        rc, err = finish(rec, timeout=60)
        w.kill()
        w.wait()
        check(rc == 0, f"{how}: exit {rc}: {err}")
        m, c = check_consistent(db)
        check(m["end_reason"] == how, f"{how}: end_reason {m['end_reason']}")
        check(c["allocs"] > 1000, f"{how}: only {c['allocs']} allocations recorded")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"pid": test_pid, "command": test_command, "threads": test_threads,
                   "duration_and_signal": test_duration_and_signal, "sampled": test_sampled,
                   "interposer": test_interposer, "agent_killed": test_agent_killed,
                   "target_killed": test_target_killed, "progress": test_progress}))
