"""test_overload.py: a target allocating as fast as it can on every core, recorded with --exact
(every call probed, a stack snapshot per allocation): the agent either keeps up or counts every
record it lost (counters.allocs = recorded + lost_events), the profile is complete, and the
agent's memory stays within its bound: the ring buffer (64 MiB by default, mapped) plus the
profile in memory, which grows with distinct stacks and frames, not with calls. Peak RSS is read
by GNU time (%M)."""
import os
import subprocess
import sys

from harness import (ARENAPROF, check, check_consistent, counters, spawn, start_waiting, tmpdir,
                     wait_for_line, workload)

BOUND_KIB = 64 * 1024 + 192 * 1024  # ring + 192 MiB for the profile in memory
if os.environ.get("ARENAPROF_SANITIZED") == "1":
    BOUND_KIB += 256 * 1024  # AddressSanitizer keeps up to 256 MiB of freed memory (quarantine)


def test_all_cores():
    d = tmpdir()
    db = os.path.join(d, "o.db")
    ncpu = os.cpu_count() or 2
    # paced --switch 0: no sleeping at all, flat out on every core
    w = start_waiting([workload("paced"), str(ncpu), "6", "--switch", "0", "--wait"])
    timef = os.path.join(d, "time.txt")
    rec = spawn(["/usr/bin/time", "-f", "%M", "-o", timef, ARENAPROF, "record", "--exact",
                 "-p", str(w.pid), "-d", "4", "-o", db], stderr=subprocess.PIPE, text=True)
    wait_for_line(rec.stderr, r"recording pid \d+", 30, "arenaprof record attach")
    w.send_signal(10)
    _, err = rec.communicate(timeout=120)
    w.kill()
    w.wait()
    check(rec.returncode == 0, f"record failed: {err}")
    m, c = check_consistent(db)  # allocs = recorded + lost, closed, integrity
    check(c["allocs"] > 10000, f"only {c['allocs']} allocations under overload")
    with open(timef) as f:
        peak = int(f.read().split()[-1])
    print(f"allocs {c['allocs']}, lost {c['lost_events']}, agent peak RSS {peak} KiB")
    check(peak < BOUND_KIB, f"agent peak RSS {peak} KiB over the bound {BOUND_KIB} KiB")
    if c["lost_events"]:
        check("events lost" in err, f"lost events not reported on stderr: {err!r}")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"all_cores": test_all_cores}))
