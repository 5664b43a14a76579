"""harness.py: shared helpers of the agent tests: start a workload, attach `arenaprof record`
to it for real (BPF uprobes, as root), wait for the recording to end, read the database."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

BUILD = os.environ["ARENAPROF_BUILD"]
SRC = os.environ["ARENAPROF_SRC"]
ARENAPROF = os.path.join(BUILD, "arenaprof")
WORKLOADS = os.path.join(BUILD, "tests", "workloads")


class Failure(Exception):
    pass


_spawned = []


def spawn(argv, **kw):
    """Popen that the test run kills at its end, whatever happened (a workload left waiting
    would keep ctest's output pipe open)."""
    p = subprocess.Popen(argv, **kw)
    _spawned.append(p)
    return p


def kill_spawned():
    for p in _spawned:
        if p.poll() is None:
            p.kill()
            p.wait()


def check(cond, what):
    if not cond:
        raise Failure(what)


def workload(name):
    return os.path.join(WORKLOADS, name)


def source_line(path, marker):
    """Line number of the line holding `marker` in a source file under tests/."""
    with open(os.path.join(SRC, path)) as f:
        for n, line in enumerate(f, 1):
            if marker in line:
                return n
    raise Failure(f"marker {marker} not in {path}")


def tmpdir():
    return tempfile.mkdtemp(prefix="arenaprof-test-")


def wait_for_line(stream, pattern, timeout, what):
    """Reads lines from a pipe until one matches; returns it."""
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise Failure(f"{what}: no line matching {pattern!r} within {timeout}s; got {seen!r}")


def start_waiting(argv, env=None):
    """Starts a workload that prints 'ready' and waits for SIGUSR1."""
    p = spawn(argv, stdout=subprocess.PIPE, text=True, env=env)
    wait_for_line(p.stdout, r"^ready", 10, "workload start")
    return p


def exact_unless_mode(args):
    """Most agent tests check exact counts: --exact unless the test picked a mode itself."""
    args = list(args)
    if not any(a in args for a in ("--exact", "--cpu-only", "--verify", "--overhead", "--windowed")):
        args.append("--exact")
    return [a for a in args if a != "--windowed"]


def start_record(args, timeout=30):
    """Starts `arenaprof record ARGS` (--exact unless a mode is given, "--windowed" for the
    default overhead-budget mode); returns the process once probes are armed."""
    p = spawn([ARENAPROF, "record"] + exact_unless_mode(args), stderr=subprocess.PIPE, text=True)
    wait_for_line(p.stderr, r"recording pid \d+", timeout, "arenaprof record attach")
    return p


def finish(p, timeout=120):
    """Waits for a process started with start_record; returns (exit code, rest of stderr)."""
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Failure("arenaprof record did not finish in time")
    return p.returncode, err


def record_pid_workload(argv, db, extra=(), env=None):
    """The usual agent test: workload waits, agent attaches by PID, workload runs to its end."""
    w = start_waiting(argv + ["--wait"], env=env)
    rec = start_record(["-p", str(w.pid), "-o", db] + list(extra))
    w.send_signal(10)  # SIGUSR1
    out, _ = w.communicate(timeout=300)
    check(w.returncode == 0, f"workload failed: {w.returncode}")
    rc, err = finish(rec)
    check(rc == 0, f"arenaprof record exit {rc}: {err}")
    return out, err


def cpu_seconds(pid):
    """User + system CPU seconds of process pid, all its threads (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_cpu(pid, cpu_s, cap_s, what, min_s=0):
    """Waits until process pid has used cpu_s more seconds of CPU, and at least min_s seconds
    of wall time have passed; returns the wall seconds that took. For tests whose checks need
    the target to have done some work, not to have lived some time: on a loaded machine a fixed
    duration gave a flat-out target 0.13 s of CPU in 3 s (load 18 on 2 CPUs). Fails after cap_s
    seconds of wall time."""
    t0, c0 = time.time(), cpu_seconds(pid)
    while True:
        used = cpu_seconds(pid) - c0
        if used >= cpu_s and time.time() - t0 >= min_s:
            return time.time() - t0
        check(time.time() - t0 < cap_s, f"{what}: the target used only {used:.2f} s of CPU in "
              f"{cap_s} s of wall time (wanted {cpu_s} s)")
        time.sleep(0.05)


def record_for_cpu(argv, db, extra, cpu_s, cap_s=120, min_s=0):
    """Like record_pid_workload, but the recording ends (SIGINT) once the workload, waiting and
    then started, has used cpu_s seconds of CPU and min_s seconds of wall time have passed; the
    workload is then killed. Returns the wall seconds the recording took."""
    w = start_waiting(argv + ["--wait"])
    rec = start_record(["-p", str(w.pid), "-o", db] + list(extra))
    w.send_signal(10)  # SIGUSR1
    wall = wait_for_cpu(w.pid, cpu_s, cap_s, f"{os.path.basename(argv[0])} under the agent",
                        min_s)
    rec.send_signal(2)  # SIGINT
    rc, err = finish(rec)
    check(w.poll() is None, f"the workload ended before the recording: {w.returncode}")
    w.kill()
    w.wait()
    check(rc == 0, f"arenaprof record exit {rc}: {err}")
    return wall


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=kw.pop("timeout", 120), **kw)


def shim_path():
    return os.path.join(WORKLOADS, "liballoc_shim.so")


def elf_file_offset(path, symbol):
    """File offset of a defined dynamic symbol, from nm -D and readelf -l (not our own code)."""
    nm = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True).stdout
    vaddr = next(int(l.split()[0], 16) for l in nm.splitlines()
                 if l.split()[-1].split("@")[0] == symbol)
    segs = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout
    for l in segs.splitlines():
        p = l.split()
        if p and p[0] == "LOAD":
            off, va, filesz = int(p[1], 16), int(p[2], 16), int(p[4], 16)
            if va <= vaddr < va + filesz:
                return vaddr - va + off
    raise Failure(f"{symbol} not in a LOAD segment of {path}")


def report_json(db):
    r = run([ARENAPROF, "report", "--json", db])
    check(r.returncode == 0, f"report --json failed: {r.stderr}")
    return json.loads(r.stdout)


def query(db, sql, args=()):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def meta(db):
    return dict(query(db, "SELECT key, value FROM meta"))


def counters(db):
    return dict(query(db, "SELECT name, value FROM counters"))


def check_consistent(db):
    """Integrity, closed, and the exactness invariant allocs = recorded + lost."""
    check(query(db, "PRAGMA integrity_check") == [("ok",)], "integrity_check failed")
    m = meta(db)
    check(m.get("closed") == "1", f"database not closed: {m.get('closed')}")
    c = counters(db)
    recorded = query(db, "SELECT COALESCE(SUM(allocs), 0) FROM alloc_stats")[0][0]
    check(c["allocs"] == recorded + c["lost_events"],
          f"counters.allocs {c['allocs']} != recorded {recorded} + lost {c['lost_events']}")
    return m, c


def main(tests):
    """Runs the test named on the command line."""
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in tests:
        print(f"unknown test {name!r}; have {sorted(tests)}")
        return 2
    try:
        tests[name]()
    except Failure as e:
        print(f"FAIL {name}: {e}")
        return 1
    finally:
        kill_spawned()
    print(f"PASS {name}")
    return 0
