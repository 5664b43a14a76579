"""test_stacks.py: whole call stacks. DWARF unwinding of stack snapshots on -O2
-fomit-frame-pointer code, frame pointers with --unwind fp, C++ (demangled; operator new and
delete probed where they are defined, libstdc++ over glibc, jemalloc, tcmalloc, a static
executable: exact counts per
site, the site being new's caller), a library dlopen'ed after attach, and folded output carrying
the whole chain."""
import os
import re
import sys

from harness import (ARENAPROF, check, check_consistent, query, record_pid_workload, run,
                     source_line, tmpdir, workload)
from test_targets import LIBDIR, built

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
    """cpp_strings: every allocation under Catalog::load is an operator new whose site is new's
    caller (no stack starts in libstdc++'s operator new, which calls malloc: counted once)."""
    d = tmpdir()
    db = os.path.join(d, "cpp.db")
    items = 200
    record_pid_workload([workload("cpp_strings"), str(items)], db)
    _, c = check_consistent(db)
    stacks = stacks_with_frames(db)
    at_new = [f[:2] for _, f in stacks if f and f[0][0].startswith("operator new")]
    check(not at_new, f"stacks whose call site is operator new itself: {at_new}")
    user = [(a, f) for a, f in stacks if any(fn == "shop::Catalog::load(int)" for fn, _, _ in f)]
    # per item: the 40-char temporary string, the Item, the copy of the string inside the Item;
    # plus the vector's growths to capacity 1, 2, 4, ..., 256 (9 for 200 push_backs)
    want = 3 * items + 9
    allocs = sum(a for a, _ in user)
    check(allocs == want, f"{allocs} allocations under Catalog::load, want {want}")
    kinds = query(db, "SELECT DISTINCT kind FROM alloc_stats")
    check(kinds == [("operator new",)], f"kinds {kinds}, want only operator new")
    check(c["allocs.operator new"] == want, f"counters.allocs.operator new "
                                            f"{c['allocs.operator new']} != {want}")
    # whole stacks: C++ frames with cleanups (a CIE with a personality routine) do not end them
    cut = [[fn for fn, _, _ in f] for _, f in user if not any(fn == "main" for fn, _, _ in f)]
    check(not cut, f"stacks under Catalog::load that do not reach main: {cut[:3]}")
    line = source_line("tests/workloads/cpp_strings.cpp", "new Item{")
    at_item = sum(a for a, f in user if f[0][0] == "shop::Catalog::load(int)" and f[0][2] == line)
    check(at_item == items, f"{at_item} allocations at cpp_strings.cpp:{line}, want {items}")


# cpp_sites.cpp: per round, (function, kind, bytes, source marker) of each call site; the kind of
# new[] is "operator new[]" unless the allocator defines new[] at new's address (tcmalloc).
CPP_SITES = [("sites::make_node()", "operator new", 48, "SITE_NEW */"),
             ("sites::make_array()", "operator new[]", 64, "SITE_NEW_ARRAY */"),
             ("sites::make_nothrow()", "operator new", 48, "SITE_NEW_NOTHROW */"),
             ("sites::make_line()", "operator new", 128, "SITE_NEW_ALIGNED */"),
             ("sites::make_buffer()", "malloc", 100, "SITE_MALLOC */")]
CPP_FREED_BY = {"sites::make_node()": "operator delete", "sites::make_array()": "operator delete[]",
                "sites::make_nothrow()": "operator delete", "sites::make_line()": "operator delete",
                "sites::make_buffer()": "free"}
CPP_SRC = "tests/workloads/cpp_sites.cpp"


def defined_at(lib, symbols):
    """{symbol: address} of defined symbols of lib (nm -D; nm for a static executable, which has
    no dynamic symbols; not our code)."""
    out = {}
    for dynamic in (["-D"], []):
        for l in run(["nm"] + dynamic + ["--defined-only", lib]).stdout.splitlines():
            p = l.split()
            if len(p) == 3 and p[2].split("@")[0] in symbols:
                out[p[2].split("@")[0]] = p[0]
        if out:
            return out
    return out


def cpp_sites_case(exe, module_pattern, lib, env=None, threads=2):
    """cpp_sites under one allocator, in two threads (the nesting state is per thread): exact
    counts, bytes and source line per call site, the operators probed in the object that defines
    them, each delete counted once as a free, and (every object followed) each object ended by
    the operator that released it."""
    d = tmpdir()
    db = os.path.join(d, "cpp.db")
    per_thread = 1000
    rounds = per_thread * threads
    out, _ = record_pid_workload([exe, str(per_thread), str(threads)], db, env=env,
                                 extra=["--track-every", "1"])
    check(f"done rounds={per_thread} threads={threads}" in out, f"workload output {out!r}")
    m, c = check_consistent(db)
    check(c["lost_events"] == 0, f"lost events {c['lost_events']}")
    probes = dict(p.split("@", 1) for p in m["probes"].split(";"))
    for fn in ("_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnwmSt11align_val_t", "_ZdlPv",
               "_ZdlPvm", "_ZdaPv", "_ZdlPvmSt11align_val_t"):
        check(re.search(module_pattern, probes.get(fn, "")),
              f"{fn} probed in {probes.get(fn)}, not in {module_pattern}")
    # an operator defined at the address of another function is probed as that one
    addr = defined_at(lib, {"_Znwm", "_Znam", "_ZdaPv", "free"})
    array_kind = "operator new" if addr["_Znwm"] == addr["_Znam"] else "operator new[]"
    array_freed_by = "free" if addr["_ZdaPv"] == addr.get("free") else "operator delete[]"
    for function, kind, size, marker in CPP_SITES:
        kind = array_kind if kind == "operator new[]" else kind
        rows = query(db, """SELECT a.kind, SUM(a.allocs), SUM(a.bytes), MIN(a.size_min),
                                   MAX(a.size_max), f.file, f.line
                            FROM alloc_stats a
                            JOIN stack_frames sf ON sf.stack_id = a.stack_id AND sf.pos = 0
                            JOIN frames f ON f.id = sf.frame_id WHERE f.function = ?
                            GROUP BY a.kind, f.file, f.line""", (function,))
        line = source_line(CPP_SRC, marker)
        want = [(kind, rounds, rounds * size, size, size, line)]
        check(len(rows) == 1 and (rows[0][5] or "").endswith("cpp_sites.cpp") and
              rows[0][:5] + rows[0][6:] == want[0], f"{function}: {rows}, want {want} at "
                                                    f"cpp_sites.cpp")
    news = c["allocs.operator new"] + c["allocs.operator new[]"]
    check(news == 4 * rounds, f"{news} operator new calls counted, want {4 * rounds}")
    # four deletes and one free per round: a delete that calls free (libstdc++'s, jemalloc's
    # unsized one) is one free, not two (the counter covers the whole recording: the workload
    # frees nothing else before it exits; its threads are made before and never end)
    check(c["frees"] == 5 * rounds, f"frees {c['frees']} != {5 * rounds} "
                                    f"(nested_frees {c.get('nested_frees')})")
    # each object ended by its release in drop_all, whose stack (from the entry of delete or
    # free) reaches main: a CIE with a personality (jemalloc's sized delete) does not stop it
    ended = query(db, """SELECT f.function, o.freed_by, ff.function, fm.function, COUNT(*)
                         FROM objects o
                         JOIN stack_frames sf ON sf.stack_id = o.alloc_stack_id AND sf.pos = 0
                         JOIN frames f ON f.id = sf.frame_id
                         LEFT JOIN stack_frames sff ON sff.stack_id = o.free_stack_id
                                                   AND sff.pos = 0
                         LEFT JOIN frames ff ON ff.id = sff.frame_id
                         LEFT JOIN stack_frames sfm ON sfm.stack_id = o.free_stack_id
                                                   AND sfm.pos = 1
                         LEFT JOIN frames fm ON fm.id = sfm.frame_id GROUP BY 1, 2, 3, 4""")
    freed_by = dict(CPP_FREED_BY, **{"sites::make_array()": array_freed_by})
    ended = [e for e in ended if e[0] in freed_by]  # the workload's sites (not ld.so's, libc's)
    want = sorted((fn, by, "sites::drop_all()", "run_rounds", rounds)
                  for fn, by in freed_by.items())
    check(sorted(ended) == want, f"objects (site, freed_by, free site, its caller, count) "
                                 f"{sorted(ended)}, want {want}")
    print(f"{os.path.basename(exe)}: nested_calls {c['nested_calls']}, "
          f"nested_frees {c['nested_frees']}")
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


def test_cpp_glibc():
    """libstdc++'s operators (new calls malloc, delete tail-calls free) over glibc."""
    cpp_sites_case(workload("cpp_sites"), r"/libstdc\+\+\.so", os.path.join(LIBDIR, "libstdc++.so.6"))


def test_cpp_jemalloc():
    """jemalloc linked in: its own operators (malloc's fast path inlined in new)."""
    lib = os.path.join(LIBDIR, "libjemalloc.so.2")
    cpp_sites_case(built("cpp_sites_jemalloc"), r"/libjemalloc\.so", lib)


def test_cpp_tcmalloc():
    """tcmalloc linked in: its own operators (new[] and unsized delete aliases of new, free)."""
    lib = os.path.join(LIBDIR, "libtcmalloc_minimal.so.4")
    cpp_sites_case(built("cpp_sites_tcmalloc_minimal"), r"/libtcmalloc_minimal\.so", lib)


def test_cpp_static():
    """Linked -static: the operators, libstdc++'s, and malloc & co., glibc's, are the
    executable's own (its delete jumps to its free)."""
    exe = built("cpp_sites_static")
    cpp_sites_case(exe, "^" + re.escape(exe) + "$", exe)


def test_cpp_preload():
    """The same allocators LD_PRELOADed into the plain cpp_sites: their operators win over
    libstdc++'s, as the dynamic linker binds them."""
    for lib, pattern in (("libjemalloc.so.2", r"/libjemalloc\.so"),
                         ("libtcmalloc_minimal.so.4", r"/libtcmalloc_minimal\.so")):
        path = os.path.join(LIBDIR, lib)
        check(os.path.exists(path), f"{path} missing (run scripts/setup)")
        cpp_sites_case(workload("cpp_sites"), pattern, path, env=dict(os.environ, LD_PRELOAD=path))


if __name__ == "__main__":
    from harness import main
    sys.exit(main({"dwarf": test_dwarf, "fp": test_fp, "cpp": test_cpp, "dlopen": test_dlopen,
                   "cpp_glibc": test_cpp_glibc, "cpp_jemalloc": test_cpp_jemalloc,
                   "cpp_tcmalloc": test_cpp_tcmalloc, "cpp_static": test_cpp_static,
                   "cpp_preload": test_cpp_preload}))
