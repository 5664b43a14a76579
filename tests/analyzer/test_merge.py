#!/usr/bin/env python3
"""test_merge.py: `arenaprof merge` on fixture profiles (fixture_basic.sql, fixture_candidates.sql)
and copies of them with other module paths, build ids, counts or meta, run by ctest one case at a
time:

    test_merge.py --cli merge_cli --schema schema.sql --fixtures DIR CASE

The merged profile is read back with SQL and with `report --json`, whose per-site numbers must be
the sums of the inputs' reports."""

import json
import os
import sqlite3
import sys

from antest import build_db, check, main, run_cli, run_cli_ok, schema_version

ARGS = None
TMP = None

BASIC = "fixture_basic.sql"
CAND = "fixture_candidates.sql"


def make_db(name, fixture=CAND, extra_sql=""):
    return build_db(os.path.join(TMP, name), ARGS.schema, os.path.join(ARGS.fixtures, fixture),
                    extra_sql)


def tmp(name):
    return os.path.join(TMP, name)


def merge_ok(out, *inputs):
    run_cli_ok(ARGS.cli, "merge", "-o", out, *inputs, what=f"merge {inputs}")
    return out


def merge_fails(out, *inputs, rc=1, want=None, extra=()):
    code, so, se = run_cli(ARGS.cli, "merge", *extra, "-o", out, *inputs)
    err = se.decode("utf-8", "replace")
    check(code == rc, f"merge {inputs}: exit {code}, expected {rc}; stderr {err!r}")
    check(so == b"", f"nothing on stdout: {so!r}")
    check(err.startswith("arenaprof: "), f"stderr {err!r}")
    if rc == 1:
        check(err.count("\n") == 1, f"one line: {err!r}")
    if want:
        check(want in err, f"{want!r} not in {err!r}")
    return err


def q(path, sql):
    db = sqlite3.connect(path)
    db.text_factory = lambda b: b.decode("utf-8", "surrogateescape")  # the nasty names
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def one(path, sql):
    return q(path, sql)[0][0]


def report(path, *args):
    return json.loads(run_cli_ok(ARGS.cli, "report", "--json", *args, path).decode("utf-8"))


def stack_sig(path):
    """alloc_stats and cpu_stats keyed by each stack's frames (module build id or path, offset,
    inline_depth, function), independent of ids."""
    frames = {}
    for sid, sig in q(path, "SELECT sf.stack_id, group_concat(sig, '|') FROM (SELECT "
                      "sf.stack_id, COALESCE(NULLIF(m.build_id, ''), m.path, '-') || ':' || "
                      "f.offset || ':' || f.inline_depth || ':' || f.function AS sig FROM "
                      "stack_frames sf JOIN frames f ON f.id = sf.frame_id LEFT JOIN modules m "
                      "ON m.id = f.module_id ORDER BY sf.stack_id, sf.pos) sf "
                      "GROUP BY sf.stack_id"):
        frames[sid] = sig
    alloc = {}
    for sid, kind, a, b, lo, hi in q(path, "SELECT stack_id, kind, allocs, bytes, size_min, "
                                     "size_max FROM alloc_stats"):
        alloc[(frames.get(sid, ""), kind)] = (a, b, lo, hi)
    cpu = {frames.get(sid, ""): n for sid, n in q(path, "SELECT stack_id, samples FROM cpu_stats")}
    return alloc, cpu


def counts(path):
    return {t: one(path, f"SELECT COUNT(*) FROM {t}")
            for t in ("modules", "frames", "stacks", "stack_frames", "alloc_stats", "cpu_stats",
                      "objects", "threads", "counters", "scope_probes")}


def check_times(path, merged, n):
    """Every count of merged is n times path's; sizes and shapes unchanged."""
    a_in, c_in = stack_sig(path)
    a_m, c_m = stack_sig(merged)
    check(set(a_in) == set(a_m), "same alloc_stats keys")
    for k, (a, b, lo, hi) in a_in.items():
        check(a_m[k] == (a * n, b * n, lo, hi), f"{k}: {a_m[k]} != {n} x {(a, b, lo, hi)}")
    check(c_m == {k: v * n for k, v in c_in.items()}, f"cpu_stats {c_m} vs {c_in}")
    ci, cm = counts(path), counts(merged)
    for t in ("modules", "frames", "stacks", "stack_frames", "alloc_stats", "cpu_stats",
              "counters", "scope_probes"):
        check(ci[t] == cm[t], f"{t}: {cm[t]} rows, input {ci[t]}")
    for t in ("objects", "threads"):
        check(cm[t] == n * ci[t], f"{t}: {cm[t]} rows, expected {n} x {ci[t]}")
    cnt_in = dict(q(path, "SELECT name, value FROM counters"))
    cnt_m = dict(q(merged, "SELECT name, value FROM counters"))
    check(cnt_m == {k: v * n for k, v in cnt_in.items()}, f"counters {cnt_m}")
    sp_in = q(path, "SELECT function, module, invocations, total_ns FROM scope_probes")
    sp_m = q(merged, "SELECT function, module, invocations, total_ns FROM scope_probes")
    check(sp_m == [(f, m, i * n, t * n) for f, m, i, t in sp_in], f"scope_probes {sp_m}")


def site_key(s):
    return (s["function"], s["file"], s["line"])


def sum_sites(*docs):
    out = {}
    for d in docs:
        for s in d["sites"]:
            k = site_key(s)
            if k not in out:
                out[k] = {"allocs": 0, "bytes": 0, "size_min": s["size_min"],
                          "size_max": s["size_max"], "kinds": {}}
            o = out[k]
            o["allocs"] += s["allocs"]
            o["bytes"] += s["bytes"]
            o["size_min"] = min(o["size_min"], s["size_min"])
            o["size_max"] = max(o["size_max"], s["size_max"])
            for kind, v in s["kinds"].items():
                o["kinds"][kind] = o["kinds"].get(kind, 0) + v
    return out


# ---- cases ----

def case_self_doubles():
    for i, fx in enumerate((BASIC, CAND)):
        a = make_db(f"a{i}.db", fx)
        check_times(a, merge_ok(tmp(f"m{i}.db"), a, a), 2)


def case_three_inputs():
    a = make_db("a.db")
    check_times(a, merge_ok(tmp("m.db"), a, a, a), 3)


def case_build_id_match():
    """Same build ids, other paths (another host): stacks merge; the first input's path is
    kept; a module without build id (the kernel here) still matches by path."""
    a = make_db("a.db")
    b = make_db("b.db", extra_sql="UPDATE modules SET path = '/opt/srv/server' WHERE id = 1;"
                "UPDATE modules SET path = '/lib64/libc.so.6' WHERE id = 2;"
                "UPDATE scope_probes SET module = '/opt/srv/server';")
    m = merge_ok(tmp("m.db"), a, b)
    check_times(a, m, 2)
    check(sorted(r[0] for r in q(m, "SELECT path FROM modules")) ==
          sorted(r[0] for r in q(a, "SELECT path FROM modules")), "first input's paths")
    # scope_probes matched through the module's build id
    check(q(m, "SELECT module, invocations FROM scope_probes") == [("/usr/bin/server", 20)],
          "scope_probes by build id")


def case_build_id_differs():
    """Another build of the server (other build id): its frames and stacks stay separate; a
    module without build id at another path stays separate too."""
    a = make_db("a.db", BASIC)
    b = make_db("b.db", BASIC, "UPDATE modules SET build_id = 'ffff' WHERE id = 1;")
    m = merge_ok(tmp("m.db"), a, b)
    ci, cm = counts(a), counts(m)
    check(cm["modules"] == ci["modules"] + 1, f"modules {cm['modules']}")
    n1 = one(a, "SELECT COUNT(*) FROM frames WHERE module_id = 1")
    check(cm["frames"] == ci["frames"] + n1, f"frames {cm['frames']}")
    sep = one(a, "SELECT COUNT(DISTINCT sf.stack_id) FROM stack_frames sf JOIN frames f ON "
                 "f.id = sf.frame_id WHERE f.module_id = 1")
    check(cm["stacks"] == ci["stacks"] + sep, f"stacks {cm['stacks']}, +{sep} expected")
    c = make_db("c.db", BASIC, "UPDATE modules SET path = '/other/libfoo.so' WHERE id = 2;")
    m2 = merge_ok(tmp("m2.db"), a, c)
    check(counts(m2)["modules"] == ci["modules"] + 1, "no build id, other path: separate")
    check(one(m2, "SELECT COUNT(*) FROM modules WHERE path = '/other/libfoo.so'") == 1, "kept")


def case_report_sums():
    """report --json of the merge: per site and in total, the sums of the inputs' reports."""
    a = make_db("a.db")
    b = make_db("b.db", extra_sql="UPDATE alloc_stats SET allocs = allocs * 3, "
                "bytes = bytes * 3, size_max = size_max + 7;"
                "UPDATE modules SET path = '/srv/server' WHERE id = 1;"
                "UPDATE counters SET value = value * 3;")
    m = merge_ok(tmp("m.db"), a, b)
    ra, rb, rm = report(a), report(b), report(m)
    want = sum_sites(ra, rb)
    got = sum_sites(rm)
    check(got == want, f"sites {got} != {want}")
    check(len(rm["sites"]) == len(ra["sites"]), "no site split")
    for k in ("allocs", "bytes", "frees", "lost_events", "recorded_allocs", "recorded_bytes",
              "cpu_samples"):
        check(rm["totals"][k] == ra["totals"][k] + rb["totals"][k], f"totals.{k}")
    check(rm["recording"]["duration_s"] == ra["recording"]["duration_s"] +
          rb["recording"]["duration_s"], "duration")
    # the basic fixture's nasty names survive
    x = make_db("x.db", BASIC)
    rx = report(merge_ok(tmp("mx.db"), x, x))
    check(sum_sites(rx) == sum_sites(report(x), report(x)), "basic fixture sums")


def case_objects():
    """Sampled objects of two runs: invocations stay apart, so the candidate keeps its shape."""
    a = make_db("a.db")
    m = merge_ok(tmp("m.db"), a, a)
    ra, rm = report(a), report(m)
    check(rm["sampled_objects"] == 2 * ra["sampled_objects"], "sampled objects")
    ca, cm = ra["candidates"][0], rm["candidates"][0]
    check([s["function"] for s in cm["sites"]] == [s["function"] for s in ca["sites"]],
          "same top candidate")
    for k in ("verified", "recommended", "objects_per_s", "bytes_per_scope_p50",
              "bytes_per_scope_p99", "escape_share", "cross_thread_share", "verified_share"):
        check(cm[k] == ca[k], f"{k}: {cm[k]} != {ca[k]}")
    check(cm["objects"] == 2 * ca["objects"], "objects")
    # CFAs kept byte for byte, stack ids remapped consistently
    check(q(m, "SELECT alloc_cfas, free_cfas FROM objects ORDER BY id") ==
          2 * q(a, "SELECT alloc_cfas, free_cfas FROM objects ORDER BY id"), "CFAs")
    check(one(m, "SELECT COUNT(*) FROM objects WHERE alloc_stack_id NOT IN "
                 "(SELECT id FROM stacks)") == 0, "stack ids remapped")


def case_threads():
    a = make_db("a.db")
    m = merge_ok(tmp("m.db"), a, a)
    ta = q(a, "SELECT tid, name, allocs, bytes, cpu_samples FROM threads ORDER BY tid")
    tm = q(m, "SELECT tid, name, allocs, bytes, cpu_samples FROM threads ORDER BY tid")
    check(tm == ta + [(t + 10000000,) + tuple(r) for t, *r in ta], f"threads {tm}")
    check(one(m, "SELECT COUNT(*) FROM objects WHERE alloc_tid >= 10000000") ==
          one(a, "SELECT COUNT(*) FROM objects"), "object tids shifted with their input")


def case_meta():
    a = make_db("a.db")
    b = make_db("b.db", extra_sql="UPDATE meta SET value = '5000000000' WHERE key = "
                "'duration_ns'; UPDATE meta SET value = '999' WHERE key = 'pid';")
    m = merge_ok(tmp("m.db"), a, b)
    meta = dict(q(m, "SELECT key, value FROM meta"))
    ma = dict(q(a, "SELECT key, value FROM meta"))
    check(meta["merged_from"] == f"{a};{b}", meta["merged_from"])
    check(meta["pid"] == ma["pid"] and meta["command"] == ma["command"], "first input's")
    check("first input" in meta["merge_note"], meta["merge_note"])
    check(int(meta["duration_ns"]) == int(ma["duration_ns"]) + 5000000000, "duration sum")
    version = schema_version(ARGS.schema)
    check(meta["closed"] == "1" and meta["schema_version"] == str(version), "closed, version")
    check(one(m, "PRAGMA user_version") == version, "user_version")
    for k in ("mode", "unwind", "cpu_freq", "track_every"):
        check(meta[k] == ma[k], k)
    c = make_db("c.db", extra_sql="UPDATE meta SET value = '0' WHERE key = 'closed';")
    check(one(merge_ok(tmp("m2.db"), a, c), "SELECT value FROM meta WHERE key = 'closed'") ==
          "0", "closed only if all closed")


def case_mismatch_mode():
    a = make_db("a.db")
    b = make_db("b.db", extra_sql="UPDATE meta SET value = 'cpu-only' WHERE key = 'mode';")
    merge_fails(tmp("m.db"), a, b, want="mode 'exact'")
    check(not os.path.exists(tmp("m.db")), "no output")
    c = make_db("c.db", extra_sql="UPDATE meta SET value = 'fp' WHERE key = 'unwind';")
    merge_fails(tmp("m.db"), a, c, want="unwind")
    d = make_db("d.db", extra_sql="UPDATE meta SET value = '1' WHERE key = 'track_every';")
    merge_fails(tmp("m.db"), a, d, want="track_every")


def case_mismatch_cpu_freq():
    a = make_db("a.db")
    b = make_db("b.db", extra_sql="UPDATE meta SET value = '99' WHERE key = 'cpu_freq';")
    merge_fails(tmp("m.db"), a, b, want="cpu_freq '100'")
    c = make_db("c.db", extra_sql="DELETE FROM meta WHERE key = 'cpu_freq';")
    merge_fails(tmp("m.db"), a, c, want="cpu_freq")
    check(not os.path.exists(tmp("m.db")), "no output")


def case_err_inputs():
    a = make_db("a.db")
    with open(tmp("text.db"), "w") as f:
        f.write("hello, not sqlite " * 100)
    open(tmp("empty.db"), "w").close()
    make_db("v999.db", extra_sql="UPDATE meta SET value = '999' WHERE key = 'schema_version';")
    plain = tmp("plain.db")
    sqlite3.connect(plain).executescript("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
    raw = bytearray(open(a, "rb").read())
    for i in range(4096, min(len(raw), 4096 * 6)):
        raw[i] = 0x5a
    with open(tmp("corrupt.db"), "wb") as f:
        f.write(raw)
    for bad, want in (("missing.db", "cannot open"), ("text.db", "not an arenaprof database"),
                      ("empty.db", "empty"), ("v999.db", "schema version 999"),
                      ("plain.db", "not an arenaprof database"), ("corrupt.db", "corrupt"),
                      ("", None)):
        path = tmp(bad) if bad else TMP
        for order in ((a, path), (path, a)):
            merge_fails(tmp("m.db"), *order, want=want)
            check(not os.path.exists(tmp("m.db")), f"{bad}: no output")
    # an input whose rows refer to a missing stack: refused, the partial output removed
    d = make_db("dangling.db", extra_sql="INSERT INTO cpu_stats VALUES (9999, 5);")
    merge_fails(tmp("m.db"), a, d, want="inconsistent")
    check(not os.path.exists(tmp("m.db")) and not os.path.exists(tmp("m.db-wal")),
          "partial output removed")


def case_err_existing_output():
    a = make_db("a.db")
    with open(tmp("m.db"), "w") as f:
        f.write("keep me")
    merge_fails(tmp("m.db"), a, a, want="exists already")
    check(open(tmp("m.db")).read() == "keep me", "existing output untouched")


def case_force():
    a = make_db("a.db")
    with open(tmp("m.db"), "w") as f:
        f.write("old")
    run_cli_ok(ARGS.cli, "merge", "-f", "-o", tmp("m.db"), a, a)
    check_times(a, tmp("m.db"), 2)
    run_cli_ok(ARGS.cli, "merge", "--force", "--output", tmp("m.db"), a)
    check_times(a, tmp("m.db"), 1)


def case_err_output_is_input():
    a = make_db("a.db")
    before = open(a, "rb").read()
    merge_fails(a, a, a, extra=("-f",), want="is also an input")
    check(open(a, "rb").read() == before, "input untouched")


def case_integrity():
    a = make_db("a.db")
    b = make_db("b.db", BASIC, "UPDATE meta SET value = '100' WHERE key = 'cpu_freq';"
                "INSERT INTO meta VALUES ('cpu_freq', '100'), ('track_every', '64');")
    m = merge_ok(tmp("m.db"), a, b)
    check(q(m, "PRAGMA integrity_check") == [("ok",)], "integrity_check")
    check(q(m, "PRAGMA foreign_key_check") == [], "foreign keys")
    check(not os.path.exists(m + "-wal") or os.path.getsize(m + "-wal") == 0, "checkpointed")
    # unrelated programs merge into one profile with every site of both
    want = sum_sites(report(a), report(b))
    check(sum_sites(report(m)) == want, "sites of both")
    out = run_cli_ok(ARGS.cli, "folded", m).decode("utf-8", "replace")
    check(out.strip() != "", "folded reads it")


def case_hand_numbers():
    """fixture_basic.sql merged with a copy whose stack 1 made three times the calls and bytes
    and whose realloc grew to 8 KiB: the merged report's numbers, derived by hand from the
    fixture's rows (not from the inputs' reports)."""
    a = make_db("a.db", BASIC)
    b = make_db("b.db", BASIC, "UPDATE alloc_stats SET allocs = allocs * 3, bytes = bytes * 3 "
                "WHERE stack_id = 1; UPDATE alloc_stats SET size_max = 8192 WHERE stack_id = 3;"
                "UPDATE counters SET value = value + 240 WHERE name = 'allocs';"
                "UPDATE counters SET value = value + 16800 WHERE name = 'bytes';")
    # raw sites (--no-wrappers): the fixture's sites as its rows give them; by default the
    # std::vector frame folds into its caller (a standard-library function: analyzer/README.md)
    rm = report(merge_ok(tmp("m.db"), a, b), "--no-wrappers")
    got = sum_sites(rm)
    # parse_header (src/http.c:77) is stacks 1, 2 and 7. a: malloc 100 + 50 + 10, calloc 20
    # (bytes 6400 + 1600 + 160 + 2000 = 10160); b: stack 1 tripled, malloc 300 + 50 + 10, calloc
    # 60 (19200 + 1600 + 160 + 6000 = 26960).
    want = {
        ("parse_header", "src/http.c", 77):
            {"allocs": 600, "bytes": 37120, "size_min": 16, "size_max": 128,
             "kinds": {"malloc": 520, "calloc": 80}},
        # stack 3: realloc 122 calls, 48000 bytes, 8..4096 in a; up to 8192 in b
        ("std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>"
         "(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, "
         "int const&)", "/usr/include/c++/12/bits/vector.tcc", 449):
            {"allocs": 244, "bytes": 96000, "size_min": 8, "size_max": 8192,
             "kinds": {"realloc": 244}},
        # stack 4: malloc 120 x 8 bytes and posix_memalign 2 x 0 bytes, twice
        ("libfoo_alloc", None, None):
            {"allocs": 244, "bytes": 1920, "size_min": 0, "size_max": 8,
             "kinds": {"malloc": 240, "posix_memalign": 4}},
        # stack 6: malloc 5 x 10 bytes, twice
        ("alpha_fn", "src/a.c", 1):
            {"allocs": 10, "bytes": 100, "size_min": 10, "size_max": 10,
             "kinds": {"malloc": 10}},
    }
    for k, v in want.items():
        check(got.get(k) == v, f"{k[0][:40]}: merged {got.get(k)}, by hand {v}")
    # counters: a 444 allocs, 59400 bytes, 400 frees, 7 lost; b 240 allocs and 16800 bytes more.
    # Recorded (alloc_stats): a 437 calls, 59250 bytes; b 677, 76050.
    t = rm["totals"]
    hand = {"allocs": 1128, "bytes": 135600, "frees": 800, "lost_events": 14,
            "recorded_allocs": 1114, "recorded_bytes": 135300}
    check({k: t[k] for k in hand} == hand, f"totals {({k: t[k] for k in hand})}, by hand {hand}")
    check(rm["recording"]["duration_s"] == 25.0, f"duration {rm['recording']['duration_s']}")


def case_usage():
    a = make_db("a.db")
    for args, want in (((), "no output"), (("-o", tmp("m.db")), "no input"),
                       (("--bogus", "-o", tmp("m.db"), a), "unknown option"),
                       ((a, "-o"), "needs an argument")):
        code, so, se = run_cli(ARGS.cli, "merge", *args)
        err = se.decode()
        check(code == 2 and want in err and "usage: arenaprof merge" in err, f"{args}: {err!r}")
    out = run_cli_ok(ARGS.cli, "merge", "--help").decode()
    check(out.startswith("usage: arenaprof merge"), out)
    check(not os.path.exists(tmp("m.db")), "no output")


if __name__ == "__main__":
    sys.exit(main(globals()))
