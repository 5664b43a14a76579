"""test_stacks.py: whole call stacks. DWARF unwinding of stack snapshots on -O2
-fomit-frame-pointer code, frame pointers with --unwind fp, C++ (demangled, user frames above
operator new), a library dlopen'ed after attach, and folded output carrying the whole chain."""
import os
import sys

from harness import (ARENAPROF, check, check_consistent, query, record_pid_workload, run,
                     source_line, tmpdir, workload)

CHAIN = ["new_node", "parse", "handle_request", "serve", "main"]


def stacks_with_frames(db):
    """[(allocs, [(function, file, line), ...] from pos 0 outward)] for every stack."""
    rows = query(db, """SELECT a.stack_id, SUM(a.allocs) FROM alloc_stats a GROUP BY a.stack_id""")
    out = []
    for stack_id, allocs in rows:
        frames = query(db, """SELECT f.function, f.file, f.line FROM stack_frames sf
                              JOIN frames f ON f.id = sf.frame_id
                              WHERE sf.stack_id = ? ORDER BY sf.pos""", (stack_id,))
        out.append((allocs, frames))
    return out


def check_chain(db, requests):
    _, c = check_consistent(db)
    check(c["lost_events"] == 0, f"lost events {c['lost_events']}")
    site_line = source_line("tests/workloads/chain.c", "SITE_NEW_NODE */")
    whole = total = 0
    for allocs, frames in stacks_with_frames(db):
        if not frames or frames[0][0] != "new_node":
            continue
        total += allocs
        names = [f[0] for f in frames[:len(CHAIN)]]
        if names == CHAIN and frames[0][2] == site_line and frames[0][1].endswith("chain.c"):
            whole += allocs
    expected = sum(8 + r % 8 for r in range(requests))
    check(total == expected, f"new_node allocations {total} != {expected}")
    check(whole >= 0.99 * total, f"only {whole} of {total} new_node stacks carry {CHAIN} "
                                 f"with chain.c:{site_line}")
    return whole, total


def test_dwarf():
    d = tmpdir()
    db = os.path.join(d, "dwarf.db")
    record_pid_workload([workload("chain"), "3000"], db)
    check_chain(db, 3000)
    # folded output carries the whole chain, outermost first, allocator last
    r = run([ARENAPROF, "folded", db])
    check(r.returncode == 0, f"folded failed: {r.stderr}")
    want = ";".join(reversed(CHAIN)) + ";malloc "
    check(any(want in line for line in r.stdout.splitlines()),
          f"no folded line with {want!r}: {r.stdout[:500]!r}")


def test_fp():
    d = tmpdir()
    db = os.path.join(d, "fp.db")
    record_pid_workload([workload("chain_fp"), "3000"], db, extra=["--unwind", "fp"])
    check(query(db, "SELECT value FROM meta WHERE key = 'unwind'") == [("fp",)], "unwind meta")
    check_chain(db, 3000)


def test_cpp():
    d = tmpdir()
    db = os.path.join(d, "cpp.db")
    record_pid_workload([workload("cpp_strings"), "200"], db)
    check_consistent(db)
    stacks = stacks_with_frames(db)
    user = [(a, f) for a, f in stacks if any(fn == "shop::Catalog::load(int)" for fn, _, _ in f)]
    check(user, f"no stack through shop::Catalog::load(int); first stacks: {stacks[:3]}")
    new_sites = [f for _, f in user if f[0][0].startswith("operator new")]
    check(new_sites, f"no stack with operator new at the call site: {[f[:3] for _, f in user]}")
    allocs = sum(a for a, _ in user)
    check(allocs >= 400, f"only {allocs} allocations under Catalog::load (200 items + 200 strings)")


def test_dlopen():
    d = tmpdir()
    db = os.path.join(d, "dl.db")
    lib = os.path.join(os.path.dirname(workload("dlopen_host")), "libplugin.so")
    record_pid_workload([workload("dlopen_host"), lib, "2000"], db)
    check_consistent(db)
    line = source_line("tests/workloads/plugin.c", "SITE_PLUGIN */")
    rows = query(db, """SELECT SUM(a.allocs) FROM alloc_stats a
                        JOIN stack_frames sf ON sf.stack_id = a.stack_id AND sf.pos = 0
                        JOIN frames f ON f.id = sf.frame_id
                        WHERE f.function = 'plugin_alloc' AND f.file LIKE '%plugin.c' AND f.line = ?""",
                 (line,))
    check(rows[0][0] == 2000, f"plugin_alloc at plugin.c:{line}: {rows[0][0]} allocations, want 2000")
    mods = [m for (m,) in query(db, "SELECT path FROM modules") if m.endswith("libplugin.so")]
    check(mods, "libplugin.so not among the modules")


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"dwarf": test_dwarf, "fp": test_fp, "cpp": test_cpp, "dlopen": test_dlopen}))
