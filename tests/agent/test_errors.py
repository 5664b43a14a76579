"""test_errors.py: every bad input to `arenaprof record` gets one clear line on stderr and a
non-zero exit, and leaves no half-written database behind."""
import os
import subprocess
import sys

from harness import (ARENAPROF, check, elf_file_offset, run, shim_path, spawn, start_waiting, tmpdir,
                     wait_for_line, workload)


def expect_error(argv, code, text, what, **kw):
    r = run([ARENAPROF] + argv, **kw)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == code, f"{what}: exit {r.returncode} != {code}; stderr {r.stderr!r}")
    check(len(lines) == 1, f"{what}: expected one line on stderr, got {lines!r}")
    check(text in lines[0], f"{what}: {text!r} not in {lines[0]!r}")
    return lines[0]


def test_no_such_pid():
    d = tmpdir()
    db = os.path.join(d, "x.db")
    expect_error(["record", "-p", "4000000", "-o", db], 1, "no such process: 4000000", "pid")
    check(not os.path.exists(db), "database left behind")


def test_not_root():
    d = tmpdir()
    os.chmod(d, 0o777)
    w = start_waiting([workload("known_sites"), "1", "1", "--wait"])
    try:
        r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                 ARENAPROF, "record", "-p", str(w.pid), "-o", os.path.join(d, "x.db")])
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        check(r.returncode == 1 and len(lines) == 1 and "needs root" in lines[0],
              f"unprivileged: exit {r.returncode}, stderr {r.stderr!r}")
    finally:
        w.kill()
        w.wait()


def test_no_allocator():
    d = tmpdir()
    db = os.path.join(d, "x.db")
    p = spawn([workload("no_allocator")])
    try:
        expect_error(["record", "-p", str(p.pid), "-o", db], 1, "has no allocator symbols",
                     "no allocator")
        check(not os.path.exists(db), "database left behind")
    finally:
        p.kill()
        p.wait()


def test_output_paths():
    d = tmpdir()
    w = start_waiting([workload("known_sites"), "1", "1", "--wait"])
    try:
        expect_error(["record", "-p", str(w.pid), "-o", "/nonexistent-dir/x.db"], 1,
                     "cannot create /nonexistent-dir/x.db: No such file or directory", "unwritable")
        existing = os.path.join(d, "exists.db")
        with open(existing, "w") as f:
            f.write("keep me")
        expect_error(["record", "-p", str(w.pid), "-o", existing], 1, "exists already (use -f",
                     "existing output")
        with open(existing) as f:
            check(f.read() == "keep me", "existing file was changed")
    finally:
        w.kill()
        w.wait()


def test_uprobe_refused():
    """Another tool's uprobe with a different ref_ctr_offset on malloc: the kernel says EINVAL.
    The target gets its malloc from the test's own interposing library (LD_PRELOAD), so the
    held probe touches nothing else on the machine."""
    shim = shim_path()
    malloc_off = elf_file_offset(shim, "malloc")
    sem_off = elf_file_offset(shim, "shim_semaphore")
    holder = spawn([workload("hold_uprobe"), shim, "%x" % malloc_off, "%x" % sem_off],
                   stdout=subprocess.PIPE, text=True)
    wait_for_line(holder.stdout, "holding", 10, "hold_uprobe")
    w = start_waiting([workload("known_sites"), "1", "1", "--wait"], env=dict(os.environ, LD_PRELOAD=shim))
    d = tmpdir()
    db = os.path.join(d, "x.db")
    line = expect_error(["record", "-p", str(w.pid), "-o", db], 1,
                        "probe on malloc in " + shim + ": Invalid argument", "refused uprobe")
    check("the kernel refused the" in line, f"refused uprobe: {line!r}")
    check(not os.path.exists(db), "database left behind")


def test_bad_usage():
    expect_error(["record"], 2, "give -p PID or -- COMMAND", "no target")
    expect_error(["record", "-p", "abc"], 2, "not a process id", "bad pid")
    expect_error(["record", "-p", "1", "--unwind", "magic"], 2, "--unwind takes dwarf or fp", "bad unwind")
    expect_error(["frobnicate"], 2, "unknown command", "unknown command")
    d = tmpdir()
    expect_error(["record", "-o", os.path.join(d, "x.db"), "--", "/nonexistent/cmd"], 1,
                 "cannot run /nonexistent/cmd: No such file or directory", "missing command")


def test_bad_database():
    d = tmpdir()
    text = os.path.join(d, "text.db")
    with open(text, "w") as f:
        f.write("this is not a database\n" * 100)
    expect_error(["report", text], 1, "not an arenaprof database", "text file")
    other = os.path.join(d, "other.db")
    subprocess.run(["sqlite3", other, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
                    "INSERT INTO meta VALUES('schema_version','999');"], check=True)
    expect_error(["report", other], 1, "schema version 999", "newer schema")
    expect_error(["folded", os.path.join(d, "missing.db")], 1, "missing.db", "missing file")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"no_such_pid": test_no_such_pid, "not_root": test_not_root,
                   "no_allocator": test_no_allocator, "output_paths": test_output_paths,
                   "uprobe_refused": test_uprobe_refused, "bad_usage": test_bad_usage,
                   "bad_database": test_bad_database}))
