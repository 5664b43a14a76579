"""test_go.py: Go programs built by Debian's golang-go, attached by PID: runtime.mallocgc probed at
entry only, frame-pointer stacks, sites named by DWARF (or .gopclntab in a -s -w build) with exact
counts, the allocation and GC CPU shares (beside perf's on the same run), arena candidates by
enclosing function, the target's output unchanged with the agent attached, and --verify (return
probes) refused for Go code."""
import os
import re
import signal
import subprocess
import time

from harness import (ARENAPROF, check, check_consistent, finish, meta, query, record_pid_workload,
                     report_json, run, source_line, spawn, start_record, start_waiting, tmpdir,
                     wait_for_cpu, workload)

TREE_SRC = "tests/workloads/go/gotree.go"
CACHE_SRC = "tests/workloads/go/gocache.go"


def go_workload(name):
    path = workload(name)
    check(os.path.exists(path), f"{path} not built: is golang-go installed (scripts/setup)?")
    return path


def result_line(out, prefix):
    lines = [l for l in out.splitlines() if l.startswith(prefix)]
    check(len(lines) == 1, f"no single {prefix!r} line in {out!r}")
    return lines[0]


def numbers(line):
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def sites_by_function(rep):
    by = {}
    for s in rep["sites"]:
        by.setdefault(s["function"], []).append(s)
    return by


def check_site(by, fn, allocs, size, src, marker):
    check(fn in by, f"site {fn} missing; sites: {[f for f in list(by)[:12]]}")
    check(len(by[fn]) == 1, f"site {fn} split into {len(by[fn])} rows")
    s = by[fn][0]
    check(s["allocs"] == allocs, f"{fn}: allocs {s['allocs']} != {allocs}")
    check(s["bytes"] == allocs * size, f"{fn}: bytes {s['bytes']} != {allocs * size}")
    check(s["size_min"] == size and s["size_max"] == size, f"{fn}: sizes {s['size_min']}..{s['size_max']}")
    check(s["kinds"] == {"mallocgc": allocs}, f"{fn}: kinds {s['kinds']}")
    if src:
        line = source_line(src, marker)
        check(s["file"] and s["file"].endswith(os.path.basename(src)) and s["line"] == line,
              f"{fn}: at {s['file']}:{s['line']}, expected {os.path.basename(src)}:{line}")
    return s


def check_go_profile(db):
    m, c = check_consistent(db)
    check(c["lost_events"] == 0, f"lost events {c['lost_events']}")
    check(m["end_reason"] == "target-exit", f"end_reason {m['end_reason']}")
    check(m.get("runtime") == "go" and m.get("go_version", "").startswith("go1."), f"meta {m}")
    check(m["unwind"] == "fp" and m["probes"].startswith("mallocgc@"), f"meta {m}")
    check(c["allocs.mallocgc"] == c["allocs"], f"counters {c}")
    cut = query(db, "SELECT COUNT(*) FROM stacks WHERE truncated AND id IN (SELECT stack_id FROM alloc_stats)")
    check(cut == [(0,)], f"truncated allocation stacks: {cut}")
    return m, c


def test_tree():
    """The request-scoped tree builder: both sites exact, at their marked lines, the stacks reach
    main.main through the recursion, handleRequest named as the enclosing function, and the
    program prints the same result as without the agent."""
    exe = go_workload("gotree")
    args = [exe, "200", "10"]
    alone = run(args)
    check(alone.returncode == 0, f"gotree alone failed: {alone.stderr}")
    d = tmpdir()
    db = os.path.join(d, "tree.db")
    out, _ = record_pid_workload(args, db)
    want = result_line(alone.stdout, "requests=")
    got = result_line(out, "requests=")
    check(got == want, f"output with the agent {got!r} != without {want!r}")
    n = numbers(got)
    check_go_profile(db)
    rep = report_json(db)
    by = sites_by_function(rep)
    check_site(by, "main.newNode", n["nodes"], 48, TREE_SRC, "// GO_SITE_NODE")
    check_site(by, "main.newPayload", n["payloads"], 64, TREE_SRC, "// GO_SITE_PAYLOAD")
    # the deepest recursion: newNode <- build x10 <- handleRequest <- main.main <- runtime.main
    chains = query(db, """SELECT GROUP_CONCAT(function, ';') FROM (
                            SELECT sf.stack_id, f.function FROM stack_frames sf
                            JOIN frames f ON f.id = sf.frame_id
                            WHERE sf.stack_id IN (SELECT a.stack_id FROM alloc_stats a
                              JOIN stack_frames s0 ON s0.stack_id = a.stack_id AND s0.pos = 0
                              JOIN frames f0 ON f0.id = s0.frame_id WHERE f0.function = 'main.newPayload')
                            ORDER BY sf.stack_id, sf.pos) GROUP BY stack_id""")
    want_chain = ["main.newPayload"] + ["main.build"] * 10 + ["main.handleRequest", "main.main",
                                                             "runtime.main", "runtime.goexit"]
    check(chains and all(c[0].split(";") == want_chain for c in chains),
          f"newPayload stacks {chains[:2]} != {want_chain}")
    top = rep["go_candidates"][0]
    check(top["enclosing"] and top["enclosing"]["function"] == "main.handleRequest",
          f"top Go candidate {top['enclosing']}")
    check(sorted(s["function"] for s in top["sites"]) == ["main.newNode", "main.newPayload"],
          f"candidate sites {[s['function'] for s in top['sites']]}")
    check(top["allocs"] == n["nodes"] + n["payloads"], f"candidate allocs {top['allocs']}")
    check(rep["candidates"] == [], "C lifetime candidates in a Go profile")
    text = run([ARENAPROF, "report", db]).stdout
    check("Go program (go1." in text and "main.handleRequest (gotree.go:" in text and
          "garbage collection:" in text, f"text report:\n{text}")


def test_cache():
    """The long-lived cache: key strings, entries, values and metas exact (the key "0" is a
    static one-byte string, no allocation); the meta's allocation is in stamp, inlined into put:
    the site is stamp's line, its next frame put at the call's line, as an inlined frame; all
    four enclosed by (*Cache).put."""
    exe = go_workload("gocache")
    args = [exe, "20000"]
    alone = run(args)
    d = tmpdir()
    db = os.path.join(d, "cache.db")
    out, _ = record_pid_workload(args, db)
    got = result_line(out, "n=")
    check(got == result_line(alone.stdout, "n="), f"output changed: {got!r} vs {alone.stdout!r}")
    n = numbers(got)
    check_go_profile(db)
    rep = report_json(db)
    by = sites_by_function(rep)
    check_site(by, "main.newEntry", n["entries"], 56, CACHE_SRC, "// GO_SITE_ENTRY")
    check_site(by, "main.newValue", n["values"], 256, CACHE_SRC, "// GO_SITE_VALUE")
    check_site(by, "main.stamp", n["metas"], 16, CACHE_SRC, "// GO_SITE_META")
    inl = query(db, """SELECT f1.function, f1.line, f1.inline_depth, f0.inline_depth
                       FROM alloc_stats a
                       JOIN stack_frames s0 ON s0.stack_id = a.stack_id AND s0.pos = 0
                       JOIN frames f0 ON f0.id = s0.frame_id AND f0.function = 'main.stamp'
                       JOIN stack_frames s1 ON s1.stack_id = a.stack_id AND s1.pos = 1
                       JOIN frames f1 ON f1.id = s1.frame_id GROUP BY 1, 2, 3, 4""")
    check(inl == [("main.(*Cache).put", source_line(CACHE_SRC, "// GO_CALL_STAMP"), 1, 0)],
          f"frames around the inlined stamp: {inl}")
    key = by.get("main.makeKey", [{}])[0]
    check(key.get("allocs") == n["keys"] - 1, f"makeKey allocs {key.get('allocs')} != {n['keys'] - 1}")
    check(key.get("line") == source_line(CACHE_SRC, "// GO_SITE_KEY"), f"makeKey line {key.get('line')}")
    top = rep["go_candidates"][0]
    check(top["enclosing"] and top["enclosing"]["function"] == "main.(*Cache).put",
          f"top Go candidate {top['enclosing']}")
    check(sorted(s["function"] for s in top["sites"]) ==
          ["main.makeKey", "main.newEntry", "main.newValue", "main.stamp"],
          f"sites {[s['function'] for s in top['sites']]}")


def test_command(name="gotree"):
    """record -- gotree: started under the profiler (probe armed before the runtime starts),
    the same exact sites, and the command's own exit status and output."""
    exe = go_workload(name)
    d = tmpdir()
    db = os.path.join(d, "c.db")
    r = run([ARENAPROF, "record", "--exact", "-o", db, "--", exe, "60", "8"])
    check(r.returncode == 0, f"record -- gotree failed: {r.stderr}")
    n = numbers(result_line(r.stdout, "requests="))
    check(result_line(r.stdout, "requests=") == result_line(run([exe, "60", "8"]).stdout, "requests="),
          f"output changed: {r.stdout!r}")
    m = meta(db)
    check(m.get("target_exit") == "exit 0" and m.get("runtime") == "go", f"meta {m}")
    by = sites_by_function(report_json(db))
    check_site(by, "main.newNode", n["nodes"], 48, TREE_SRC, "// GO_SITE_NODE")
    check_site(by, "main.newPayload", n["payloads"], 64, TREE_SRC, "// GO_SITE_PAYLOAD")


def test_pie():
    """The same with gotree built -buildmode=pie: addresses move by the load bias."""
    test_command("gotree_pie")


def test_windowed():
    """The default overhead-budget mode: the mallocgc probe comes and goes with the windows.
    What the windows saw is counted exactly (window rows add up to the counters), the two sites
    in the program's 2:1 proportion, the CPU profile taken outside the windows (allocation and GC
    shares, hardly any probe handling), and the output unchanged."""
    exe = go_workload("gotree")
    # 30,000 requests, about 3 s: windows come about once per 3x their edges' cost at 5%, and
    # 8,000 requests (0.8 s) left the sanitizer build's agent with 857 allocations seen
    args = [exe, "30000", "10"]
    alone = run(args)
    d = tmpdir()
    db = os.path.join(d, "w.db")
    out, _ = record_pid_workload(args, db, ["--windowed", "--overhead", "5"])
    got = result_line(out, "requests=")
    check(got == result_line(alone.stdout, "requests="), f"output changed: {got!r}")
    n = numbers(got)
    m = meta(db)
    check(m["mode"] == "windowed" and m.get("runtime") == "go" and m["closed"] == "1", f"meta {m}")
    rep = report_json(db)
    w = rep["windows"]
    check(w is not None and w["count"] >= 1, f"windows {w}")
    seen = query(db, "SELECT SUM(allocs) FROM windows")[0][0]
    check(seen == rep["totals"]["allocs"] and seen > 1000,
          f"windows saw {seen}, counters {rep['totals']['allocs']}")
    per_stack = query(db, "SELECT SUM(allocs) FROM window_stats")[0][0]
    check(per_stack == rep["totals"]["recorded_allocs"],
          f"window_stats {per_stack} != recorded {rep['totals']['recorded_allocs']}")
    by = sites_by_function(rep)
    node, payload = by["main.newNode"][0], by["main.newPayload"][0]
    ratio = node["allocs"] / max(payload["allocs"], 1)
    want = n["nodes"] / n["payloads"]
    check(abs(ratio - want) < 0.1 * want, f"newNode:newPayload {ratio:.3f}, program {want:.3f}")
    check(node["kinds"] == {"mallocgc": node["allocs"]} and
          node["line"] == source_line(TREE_SRC, "// GO_SITE_NODE"), f"newNode {node}")
    t = rep["totals"]
    check(t["cpu_recorded_samples"] > 100, f"{t['cpu_recorded_samples']} CPU samples")
    check(t["profiler_overhead_share"] < 0.05, f"probe handling {t['profiler_overhead_share']:.3f}")
    check(t["allocator_cpu_share"] > 0.15 and t["gc_cpu_share"] > 0.03,
          f"allocation {t['allocator_cpu_share']:.3f}, GC {t['gc_cpu_share']:.3f}")
    check(rep["go_candidates"][0]["enclosing"]["function"] == "main.handleRequest",
          f"candidate {rep['go_candidates'][0]['enclosing']}")


def test_stripped():
    """gotree linked with -s -w: no .symtab, no DWARF; functions and lines from .gopclntab."""
    exe = go_workload("gotree_stripped")
    check("no symbols" in run(["nm", exe]).stderr, f"{exe} still has a symbol table")
    d = tmpdir()
    db = os.path.join(d, "s.db")
    out, _ = record_pid_workload([exe, "100", "8"], db)
    n = numbers(result_line(out, "requests="))
    check_go_profile(db)
    by = sites_by_function(report_json(db))
    check_site(by, "main.newNode", n["nodes"], 48, TREE_SRC, "// GO_SITE_NODE")
    check_site(by, "main.newPayload", n["payloads"], 64, TREE_SRC, "// GO_SITE_PAYLOAD")


# Go runtime functions, as perf names them: allocation and GC (the analyzer's go_table.c rules:
# a sample with any GC frame is GC, else with any allocation frame allocation).
GO_GC = re.compile(r"^runtime\.(gcBgMarkWorker|gcDrain|scanobject|scanblock|scanstack|scanframeworker|"
                   r"scanConservative|markroot|greyobject|gcAssistAlloc|bgsweep|sweepone|"
                   r"\(\*mspan\)\.sweep|\(\*sweepLocked\)\.sweep|\(\*mheap\)\.reclaim|bgscavenge|"
                   r"gcWriteBarrier|wbBufFlush|\(\*gcWork\)\.|gcMarkDone|gcMarkTermination|gcStart|"
                   r"gcFlushBgCredit|gcMarkRootPrepare|gcResetMarkState|gcSweep)")
GO_ALLOC = re.compile(r"^runtime\.(mallocgc|newobject|newarray|makeslice|makeslicecopy|growslice|"
                      r"makemap|makemap_small|makeBucketArray|makechan|rawstring|rawstringtmp|"
                      r"rawbyteslice|rawruneslice|concatstring|slicebytetostring|stringtoslice|"
                      r"slicerunetostring|intstring|convT|\(\*mcache\)\.(nextFree|refill)|"
                      r"\(\*mcentral\)\.(cacheSpan|grow)|\(\*mheap\)\.(alloc|allocSpan|grow)$|"
                      r"nextFreeFast|heapBitsSetType)")


def perf_go_shares(perf_data):
    """Allocation and GC shares of perf's samples (frame-pointer call chains), same rules."""
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F", "ip,sym"], capture_output=True,
                         text=True, timeout=120).stdout
    samples, cur = [], []
    for line in out.splitlines() + [""]:
        if not line.strip():
            if cur:
                samples.append(cur)
            cur = []
            continue
        parts = line.split(None, 1)
        cur.append(parts[1].split("+0x")[0].strip() if len(parts) > 1 else "[unknown]")
    check(len(samples) > 150, f"perf took only {len(samples)} samples")
    gc = sum(1 for s in samples if any(GO_GC.match(f) for f in s))
    alloc = sum(1 for s in samples if not any(GO_GC.match(f) for f in s) and
                any(GO_ALLOC.match(f) for f in s))
    return alloc / len(samples), gc / len(samples), len(samples)


def test_cpu():
    """--cpu-only on the churny tree builder, perf record -g on the same run: allocation and GC
    shares both well above zero, their sum reported as the maximum saving, and each within 8
    points of perf's."""
    exe = go_workload("gotree")
    d = tmpdir()
    db, perf_data = os.path.join(d, "cpu.db"), os.path.join(d, "perf.data")
    w = start_waiting([exe, "100000000", "10", "--wait"])
    rec = start_record(["-p", str(w.pid), "-o", db, "--cpu-only"])
    perf = spawn(["perf", "record", "-q", "-g", "-e", "cpu-clock", "-F", "499", "-p", str(w.pid),
                  "-o", perf_data], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    w.send_signal(signal.SIGUSR1)
    # Both sample until the target has used 2 s of CPU (about 1,000 samples at 499 Hz), not for
    # 3 s of wall time: CPU-clock samples come only while the target runs, and at load 18 the
    # 3 s gave 184, too few to compare shares within 8 points
    # (then the target is killed: both end with it)
    wait_for_cpu(w.pid, 2.0, 120, "gotree under the agent and perf")
    w.kill()
    w.wait()
    rc, err = finish(rec)
    check(rc == 0, f"record failed: {err}")
    _, perr = perf.communicate(timeout=60)
    check(perf.returncode == 0, f"perf record failed: exit {perf.returncode}, {perr}")
    m = meta(db)
    check(m.get("runtime") == "go" and m["mode"] == "cpu-only", f"meta {m}")
    t = report_json(db)["totals"]
    check(t["cpu_samples"] > 300, f"{t['cpu_samples']} samples")
    alloc, gc = t["allocator_cpu_share"], t["gc_cpu_share"]
    check(alloc > 0.15, f"allocation share {alloc:.3f}, want > 0.15")
    check(gc > 0.03, f"GC share {gc:.3f}, want > 0.03")
    check(abs(t["max_saving_cpu_share"] - (alloc + gc)) < 1e-9, f"max saving {t}")
    palloc, pgc, n = perf_go_shares(perf_data)
    print(f"arenaprof: allocation {alloc:.3f} GC {gc:.3f}; perf ({n} samples): allocation "
          f"{palloc:.3f} GC {pgc:.3f}")
    check(abs(alloc - palloc) < 0.08, f"allocation share {alloc:.3f} vs perf {palloc:.3f}")
    check(abs(gc - pgc) < 0.08, f"GC share {gc:.3f} vs perf {pgc:.3f}")


def test_verify_refused():
    """--verify needs return probes: refused for a Go target, which keeps running unharmed."""
    exe = go_workload("gotree")
    alone = run([exe, "20", "8"])
    w = start_waiting([exe, "20", "8", "--wait"])
    d = tmpdir()
    r = run([ARENAPROF, "record", "-p", str(w.pid), "-o", os.path.join(d, "v.db"), "--verify",
             "main.handleRequest"])
    check(r.returncode == 1 and "never attaches return probes to Go code" in r.stderr,
          f"record --verify on Go: exit {r.returncode}, {r.stderr!r}")
    check(not os.path.exists(os.path.join(d, "v.db")), "a database was left behind")
    w.send_signal(signal.SIGUSR1)
    out, _ = w.communicate(timeout=60)
    check(w.returncode == 0 and result_line(out, "requests=") == result_line(alone.stdout, "requests="),
          f"target after the refusal: exit {w.returncode}, {out!r}")


if __name__ == "__main__":
    import sys
    from harness import main
    sys.exit(main({"tree": test_tree, "cache": test_cache, "command": test_command, "pie": test_pie,
                   "windowed": test_windowed,
                   "stripped": test_stripped,
                   "cpu": test_cpu, "verify_refused": test_verify_refused}))
