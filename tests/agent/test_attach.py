"""test_attach.py: the attach paths (`record --attach auto|multi|perf`). The key agent tests of
the other files (exact counts by PID, lifetimes and their scopes, --verify, the Go tree) run
again with each path forced, and every profile they write must say which path it used; a
windowed run on each path checks the known 4:1 shares and that the window edges are charged;
and after a recording ends, no breakpoint is left in the target's text."""
import os
import platform
import re
import sys
import time

import harness
from harness import (ARENAPROF, check, elf_file_offset, finish, meta, query, record_pid_workload,
                     report_json, run, start_record, start_waiting, tmpdir, workload)
import test_go
import test_lifetimes
import test_record

_recorded = []  # (database, path asked) of every recording made through the patched harness
_plain_start_record = harness.start_record


def forced(path, fn):
    """Runs another file's test with `--attach path` added to every recording it makes, then
    checks that each of its profiles says it used that path (meta and the report)."""
    def start_with_path(args, timeout=30):
        args = list(args)
        if "-o" in args:
            _recorded.append((args[args.index("-o") + 1], path))
        return _plain_start_record(args + ["--attach", path], timeout)

    def test():
        del _recorded[:]
        harness.start_record = start_with_path
        try:
            fn()
        finally:
            harness.start_record = _plain_start_record
        check(_recorded, "the test made no recording")
        for db, want in _recorded:
            check(meta(db).get("attach") == want, f"{db}: meta attach {meta(db).get('attach')} != {want}")
            check(report_json(db)["recording"]["attach"] == want, f"{db}: report --json attach")
            mode = next(l for l in run([ARENAPROF, "report", db]).stdout.splitlines()
                        if l.startswith("mode:"))
            words = "perf-event links" if want == "perf" else "uprobe_multi links"
            check(words in mode, f"{db}: mode line {mode!r} does not say {words!r}")
    return test


def libc_of(pid):
    """The path of the target's libc as mapped, and where its text maps the file."""
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            p = line.split()
            if len(p) >= 6 and "x" in p[1] and re.search(r"/libc\.so\.6$|/libc-[\d.]+\.so$", p[5]):
                lo, hi = (int(x, 16) for x in p[0].split("-"))
                return p[5], lo, hi, int(p[2], 16)
    raise harness.Failure("no libc text mapping in the target")


def first_byte(pid, path, symbol):
    lib, lo, hi, off = libc_of(pid)
    addr = lo + elf_file_offset(path, symbol) - off
    check(lo <= addr < hi, f"{symbol} not in the text mapping")
    with open(f"/proc/{pid}/mem", "rb") as f:
        f.seek(addr)
        return f.read(1)[0]


def detached(path):
    """A live target recorded for 1 s, in the default mode (windows open and close) and with
    --exact: afterwards malloc and free hold no int3 (0xcc, what the kernel writes while a
    uprobe is inserted) and the target still runs."""
    def test():
        for mode in (["--windowed"], ["--exact"]):
            w = start_waiting([workload("paced"), "1", "30", "--wait"])
            lib, _, _, _ = libc_of(w.pid)
            host = f"/proc/{w.pid}/root{lib}"
            db = os.path.join(tmpdir(), "d.db")
            rec = start_record(["-p", str(w.pid), "-o", db, "-d", "1", "--attach", path] + mode)
            w.send_signal(10)
            if mode == ["--exact"]:  # the control: while attached, the int3 is there
                check(first_byte(w.pid, host, "malloc") == 0xcc, "no int3 on malloc while attached")
            rc, err = finish(rec)
            check(rc == 0, f"record exit {rc}: {err}")
            check(meta(db)["attach"] == path, f"meta attach {meta(db)['attach']}")
            # a perf-event link's breakpoint goes when the kernel has finished closing it,
            # measured 0.1-1.1 s after the close starts (docs/design.md "Attach paths"): the
            # agent waits for its closes, the breakpoint may still be on its way out
            deadline = time.time() + 3
            while True:
                left = [s for s in ("malloc", "free") if first_byte(w.pid, host, s) == 0xcc]
                if not left or time.time() > deadline:
                    break
                time.sleep(0.05)
            check(not left, f"breakpoints left in {left} after the recording ({mode[0]})")
            check(w.poll() is None, "the target died")
            w.kill()
            w.wait()
    return test


def windowed(path):
    """The default mode on the paced workload (8,000 calls a second at site_a, 2,000 at site_b):
    the shares of what the windows saw are the known 4:1, and every window is charged at least
    what its armed hits cost; on the perf path more: the breakpoints trap on after the close."""
    def test():
        db = os.path.join(tmpdir(), "w.db")
        record_pid_workload([workload("paced"), "2", "8"], db,
                            ["-d", "6", "--windowed", "--overhead", "10", "--attach", path])
        m = meta(db)
        check(m["mode"] == "windowed" and m["attach"] == path, f"meta {m}")
        rep = report_json(db)
        by = {s["function"]: s for s in rep["sites"]}
        a, b = by["site_a"]["allocs"], by["site_b"]["allocs"]
        # on the perf path a window costs 0.1-1 s of trapping after its close, so a 10% budget
        # of this mostly sleeping target pays for one or two windows: tens of calls. The share
        # is binomial: 3 sd (sqrt(0.16 / n)) around 0.8, at least 30 calls
        n = a + b
        check(n >= 30, f"too few calls seen: {n}")
        share, tol = a / n, 3 * (0.16 / n) ** 0.5
        check(abs(share - 0.8) <= tol, f"site_a share {share:.3f} != 0.8 +- {tol:.3f} ({n} calls)")
        alloc_ns, free_ns = float(m["probe_cost_alloc_ns"]), float(m["probe_cost_free_ns"])
        rows = query(db, "SELECT allocs, frees, lost_ns, armed_ns, target_cpu_ns FROM windows")
        check(rows, "no window")
        for allocs, frees, lost, armed, _ in rows:
            armed_cost = allocs * alloc_ns + frees * free_ns
            # lost_ns is truncated to an integer and the meta costs are rounded to 0.1 ns (the
            # agent uses them unrounded): 1 ns + 0.05 ns a hit of slack
            check(lost + 1 + 0.05 * (allocs + frees) >= armed_cost, f"window charged {lost} ns < its armed hits' {armed_cost:.0f}")
        if path == "perf":
            # the breakpoints trapped 0.1-1.1 s after each close (measured): beyond the armed
            # hits, each window is charged at least 0.05 s (half the shortest linger measured,
            # as the margin) at its armed cost rate, capped by the target's CPU while armed
            extra = need = 0
            for al, fr, lost, armed, cpu in rows:
                cost = al * alloc_ns + fr * free_ns
                extra += lost - cost
                need += 0.05e9 * min(cost, cpu) / max(armed, 1)
            check(extra >= need,
                  f"perf-path windows not charged for the trapping after their close: "
                  f"{extra / 1e6:.1f} ms beyond the armed hits in {len(rows)} windows")
    return test


def auto_chooses():
    """auto picks uprobe_multi where the kernel has it (6.6 and later), else perf."""
    rel = tuple(int(x) for x in re.match(r"(\d+)\.(\d+)", platform.release()).groups())
    want = "multi" if rel >= (6, 6) else "perf"
    db = os.path.join(tmpdir(), "a.db")
    record_pid_workload([workload("known_sites"), "100", "1"], db, ["--attach", "auto"])
    check(meta(db)["attach"] == want, f"auto chose {meta(db)['attach']} on {platform.release()}")


TESTS = {"auto": auto_chooses}
for p in ("multi", "perf"):
    TESTS[f"pid_{p}"] = forced(p, test_record.test_pid)
    TESTS[f"lifetimes_{p}"] = forced(p, test_lifetimes.test_request_scope)
    TESTS[f"verify_{p}"] = forced(p, test_lifetimes.test_verified_scope)
    TESTS[f"go_tree_{p}"] = forced(p, test_go.test_tree)
    TESTS[f"windowed_{p}"] = windowed(p)
    TESTS[f"detached_{p}"] = detached(p)

if __name__ == "__main__":
    sys.exit(harness.main(TESTS))
