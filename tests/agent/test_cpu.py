"""test_cpu.py: CPU sampling and the allocator's CPU share. A tree build/free loop must come out
allocator-heavy and pure arithmetic allocator-free; on the same run, arenaprof's allocator share
must be within 5 percentage points of perf record's over the same symbols; samples come from
every thread."""
import os
import re
import signal
import subprocess
import sys
import time

from harness import (check, check_consistent, query, report_json, spawn, start_record,
                     start_waiting, finish, tmpdir, workload)

# glibc allocator functions as perf names them (leaf symbol rule on the perf side).
PERF_ALLOC = re.compile(r"^(malloc|free|cfree|calloc|realloc|__libc_(malloc|free|calloc|realloc)|"
                        r"_int_(malloc|free|realloc|memalign)|_int_free_\w+|malloc_consolidate|"
                        r"unlink_chunk|sysmalloc|tcache_\w+|alloc_perturb|free_perturb)(@.*)?$")


def cpu_seconds(pid):
    """User + system CPU time of process pid (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def record_cpu(argv, db, seconds, extra=(), perf_data=None):
    """Runs a waiting workload and records it (and perf, if asked) until it has used `seconds`
    of CPU time: the sample counts judged below are per CPU second of the target, which a fixed
    wall time does not give on a loaded machine (4 s once gave a target 0.8 s of CPU, 398
    samples, with a busy loop on each core)."""
    w = start_waiting(argv + ["--wait"])
    rec = start_record(["-p", str(w.pid), "-o", db] + list(extra))
    perf = None
    if perf_data:
        perf = spawn(["perf", "record", "-q", "-e", "cpu-clock", "-F", "499", "-p", str(w.pid),
                      "-o", perf_data], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                     text=True)
        time.sleep(0.3)
    start = cpu_seconds(w.pid)
    w.send_signal(signal.SIGUSR1)
    deadline = time.time() + 100  # the workloads run for 120 s of wall time
    while (used := cpu_seconds(w.pid) - start) < seconds:
        check(time.time() < deadline, f"the workload used {used:.2f} s of CPU in 100 s")
        time.sleep(0.05)
    if perf:
        perf.send_signal(signal.SIGINT)
    rec.send_signal(signal.SIGINT)
    rc, err = finish(rec)
    check(rc == 0, f"record failed: {err}")
    if perf:
        _, perr = perf.communicate(timeout=60)
        # perf record ends on SIGINT by raising it again once its data is written
        check(perf.returncode in (0, -signal.SIGINT),
              f"perf record failed: {perf.returncode}: {perr}")
    w.kill()
    w.wait()


def perf_allocator_share(perf_data):
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F", "ip,sym"], capture_output=True,
                         text=True, timeout=120).stdout
    syms = [l.split(None, 1)[1].strip() if len(l.split(None, 1)) > 1 else "[unknown]"
            for l in out.splitlines() if l.strip()]
    check(len(syms) > 200, f"perf took only {len(syms)} samples")
    return sum(1 for s in syms if PERF_ALLOC.match(s)) / len(syms), len(syms)


def test_shares():
    d = tmpdir()
    tree, arith = os.path.join(d, "tree.db"), os.path.join(d, "arith.db")
    perf_data = os.path.join(d, "perf.data")
    record_cpu([workload("tree_churn"), "120"], tree, 4, ["--cpu-only"], perf_data)
    record_cpu([workload("arith"), "120"], arith, 3, ["--cpu-only"])
    t, a = report_json(tree), report_json(arith)
    for name, rep in (("tree", t), ("arith", a)):
        check(rep["totals"]["cpu_samples"] > 500, f"{name}: {rep['totals']['cpu_samples']} samples")
    ts, as_ = t["totals"]["allocator_cpu_share"], a["totals"]["allocator_cpu_share"]
    check(ts > 0.35, f"tree_churn allocator share {ts:.3f}, want > 0.35")
    check(as_ < 0.02, f"arith allocator share {as_:.3f}, want < 0.02")
    ps, n = perf_allocator_share(perf_data)
    print(f"tree_churn allocator CPU share: arenaprof {ts:.3f}, perf {ps:.3f} ({n} perf samples); "
          f"arith {as_:.3f}")
    check(abs(ts - ps) <= 0.05, f"arenaprof {ts:.3f} vs perf {ps:.3f}: more than 5 points apart")
    site = [s for s in t["sites"] if s["function"] == "build_tree"]
    check(site and site[0]["alloc_cpu_share"] > 0.1,
          f"build_tree's allocator CPU share: {site[0]['alloc_cpu_share'] if site else None}")


def test_threads():
    """Samples from every thread: known_sites with 4 threads, sampled while they run."""
    d = tmpdir()
    db = os.path.join(d, "t.db")
    record_cpu([workload("known_sites"), "100000000", "4"], db, 2, ["--cpu-only"])
    check_consistent(db)
    pid = int(query(db, "SELECT value FROM meta WHERE key = 'pid'")[0][0])
    workers = query(db, "SELECT tid, cpu_samples FROM threads WHERE tid != ? ORDER BY tid", (pid,))
    check(len(workers) == 4, f"CPU samples from {len(workers)} worker threads, want 4: {workers}")
    # 4 busy threads sharing 2 s of CPU time, at 499 Hz each: about 250 samples a thread
    check(all(n >= 50 for _, n in workers), f"a worker thread was hardly sampled: {workers}")
    total = query(db, "SELECT SUM(samples) FROM cpu_stats")[0][0] or 0
    check(total == sum(n for _, n in query(db, "SELECT tid, cpu_samples FROM threads")),
          "cpu_stats and threads disagree")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"shares": test_shares, "threads": test_threads}))
