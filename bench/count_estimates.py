#!/usr/bin/env python3
"""count_estimates.py: the default mode's allocation counts against planted truths (issue #16):
an idle-burst-idle C target (tests/workloads/requests.c burst), the Go one (goburst.go), the demo
service (examples/request_server, truth from one run of the same requests under
bench/count_allocs.c, an LD_PRELOAD shim counting allocation calls) and the
tree benchmark (tests/workloads/tree_churn.c, truth from its checksum). For each run: the truth,
the windows' estimate and interval, and the CPU samples' estimate, its interval and calibration.
Usage: ARENAPROF_BUILD=build ARENAPROF_SRC=. bench/count_estimates.py [RUNS] [TARGET...]"""
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "agent"))
from harness import (BUILD, finish, record_pid_workload, report_json, spawn, start_record,  # noqa: E402
                     tmpdir, wait_for_line, workload)

TREE_PASS_SUM = 178940552  # tree_churn: the checksum of one pass of 16 trees of depth 10
TREE_PASS_ALLOCS = 16 * 2047
DEMO = [os.path.join(BUILD, "examples", "request_server"), "--threads", "1", "--seed", "7",
        "--requests", "150000"]


def record_demo(db, mode):
    c = spawn(DEMO + ["--wait-signal"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_line(c.stderr, r"waiting for SIGUSR1", 30, "request_server start")
    rec = start_record(["-p", str(c.pid), "-o", db, "-d", "300", mode])
    c.send_signal(signal.SIGUSR1)
    out, _ = c.communicate(timeout=600)
    rc, err = finish(rec, timeout=600)
    if rc:
        raise SystemExit(f"arenaprof record: {err}")
    return out


def count_calls(d, argv):
    """The allocation calls argv makes, counted by bench/count_allocs.c."""
    shim = os.path.join(d, "count_allocs.so")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "count_allocs.c")
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", shim, src], check=True)
    r = subprocess.run(argv, env=dict(os.environ, LD_PRELOAD=shim), capture_output=True,
                       text=True, timeout=600)
    return int(re.search(r"allocation calls: (\d+)", r.stderr).group(1))


def site_total(rep, functions):
    """The sites of functions: seen, window estimate, CPU estimate (summed over their lines)."""
    ss = [s for s in rep["sites"] if s["function"] in functions and s["allocs_estimated"]]
    return ss


def show(name, truth, rep, functions):
    t = rep["windows"]["allocs_estimated"]
    print(f"{name}: truth {truth:,}")
    print(f"  total: windows {t['value']:,.0f} [{t['ci95'][0]:,.0f} - {t['ci95'][1]:,.0f}]"
          f"{' unknown' if t['unknown'] else ''}{'' if t['reliable'] else ' lower-bound'}; cpu "
          + (f"{t['cpu_estimate']:,.0f} ({t['cpu_estimate'] / truth:.2f}x) "
             f"[{t['cpu_ci95'][0]:,.0f} - {t['cpu_ci95'][1]:,.0f}] {t['cpu_calibration']} "
             f"{t['cpu_call_ns']:.1f} ns/call, {t['cpu_samples']:.0f} samples"
             if t["cpu_estimate"] is not None else "none"))
    for s in site_total(rep, functions):
        e = s["allocs_estimated"]
        print(f"  site {s['function']}:{s['line']} seen {s['allocs']:,} windows {e['value']:,.0f}"
              f"{' unknown' if e['unknown'] else ''}; cpu "
              + (f"{e['cpu_estimate']:,.0f} ({e['cpu_estimate'] / truth:.2f}x of the total truth) "
                 f"{e['cpu_calibration']}" if e["cpu_estimate"] is not None else "none"))


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    targets = sys.argv[2:] or ["c_burst", "go_burst", "demo", "tree"]
    d = tmpdir()
    demo_truth = None
    for n in range(runs):
        for t in targets:
            db = os.path.join(d, f"{t}{n}.db")
            if t == "c_burst":
                truth = 20_000_000
                record_pid_workload([workload("requests"), "burst", "2", str(truth), "2"], db,
                                    ["-d", "10", "--windowed"])
                show(t, truth, report_json(db), ("burst_alloc", "run_burst"))
            elif t == "go_burst":
                truth = 6_000_000
                record_pid_workload([workload("goburst"), "3", str(truth), "2"], db,
                                    ["-d", "10", "--windowed"])
                show(t, truth, report_json(db), ("main.newItem",))
            elif t == "demo":
                if demo_truth is None:
                    demo_truth = count_calls(d, DEMO)
                record_demo(db, "--windowed")
                show(t, demo_truth, report_json(db), ())
            elif t == "tree":
                out, _ = record_pid_workload([workload("tree_churn"), "5"], db,
                                             ["-d", "10", "--windowed"])
                s = int(re.search(r"sum=(\d+)", out).group(1))
                if s % TREE_PASS_SUM:
                    raise SystemExit(f"tree_churn checksum {s} is not whole passes")
                show(t, s // TREE_PASS_SUM * TREE_PASS_ALLOCS, report_json(db), ("build_tree",))


if __name__ == "__main__":
    main()
