#!/usr/bin/env python3
"""Checks bench/real/compare.py, the judge of bench/real.sh, on hand-written reports: that it says
"yes" to the answers a fixed tool would give (a loop iteration in main, a C++ method with its
parameters, a Go function, a stripped `module+0xOFF` frame inside the expected function, the
future `scope.kind` and `sites[].wrappers` fields) and "no", with a flag, to the wrong ones. Today's
reports match rarely, so this is what shows that a match can happen at all.
Usage: test_compare.py   (exit 0: all pass; the stripped-frame case needs /usr/bin/jq)"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def report(candidates=(), go_candidates=(), share=0.2, sites=None):
    return {"totals": {"allocator_cpu_share": share},
            "sites": sites if sites is not None else
            [{"function": "malloc_wrapper", "share": 0.9, "wrappers": ["xmalloc"]}],
            "candidates": list(candidates), "go_candidates": list(go_candidates)}


def cand(function, kind=None, recommendation="likely: wrap it", score=0.3):
    scope = {"function": function, "file": None, "line": None, "module": "/usr/bin/x"}
    if kind:
        scope["kind"] = kind
    return {"scope": scope, "recommendation": recommendation, "score": score,
            "recommended": False, "reason": "unverified"}


def judge(program, rep):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(rep, f)
    try:
        out = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"),
                              os.path.join(HERE, program + ".expect"), f.name],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    fields = out.rstrip("\n").split("\t")
    return fields[5], fields[6], fields


def expect(label, program, rep, match, flagged):
    got_match, notes, fields = judge(program, rep)
    ok = got_match == match and ("FLAG" in notes) == flagged
    print(("ok   " if ok else "FAIL ") + label + ": " + " | ".join(fields[1:]))
    if not ok:
        failures.append(label)


expect("jq: loop iteration in main", "jq",
       report([cand("main", "loop_iteration")]), "yes", False)
expect("jq: wrap main (no kind field: a call)", "jq",
       report([cand("main")]), "no", True)
expect("jq: wrap __libc_start_call_main", "jq",
       report([cand("__libc_start_call_main", "call")]), "no", True)
expect("jq: a flag on a later candidate too", "jq",
       report([cand("main", "loop_iteration"), cand("jq_next", "call", score=0.1)]), "yes", True)
expect("redis: processInputBuffer as a call is also right", "redis",
       report([cand("processInputBuffer", "call")]), "yes", False)
expect("redis: wrap aeProcessEvents", "redis",
       report([cand("aeProcessEvents")]), "no", True)
expect("astyle: C++ method with parameters", "astyle",
       report([cand("astyle::ASConsole::formatFile(std::__cxx11::basic_string<char, "
                     "std::char_traits<char>, std::allocator<char> > const&)")]), "yes", False)
expect("astyle: a not-recommended entry is no candidate", "astyle",
       report([cand("astyle::ASConsole::formatFile()", recommendation=None, score=0.2)]),
       "no", False)
expect("gofmt: Go enclosing function", "gofmt",
       report(go_candidates=[{"enclosing": {"function": "main.processFile"}, "score": 0.2}]),
       "yes", False)
expect("gofmt: a fragment first", "gofmt",
       report(go_candidates=[{"enclosing": {"function": "main.format"}, "score": 0.2},
                             {"enclosing": {"function": "main.processFile"}, "score": 0.1}]),
       "no", False)
expect("perl: none when nothing is recommended", "perl",
       report([cand("Perl_runops_standard", recommendation=None, score=0.05)]), "yes", False)
expect("perl: wrap the interpreter loop", "perl",
       report([cand("Perl_runops_standard")]), "no", True)
expect("gzip: none when the allocator is under 3%", "gzip",
       report([cand("deflate")], share=0.01), "yes", False)
expect("gzip: a recommendation above 3% is wrong", "gzip",
       report([cand("deflate")], share=0.05), "no", False)

if os.path.exists("/usr/bin/jq"):
    r = subprocess.run([sys.executable, os.path.join(HERE, "stripped.py"), "/usr/bin/jq", "main"],
                       check=True, capture_output=True, text=True)
    start = int(r.stdout.split()[0], 16)
    # a frame a few bytes into main, as the file offset the agent prints (text: offset = vaddr
    # on Debian's binaries; stripped.py --vaddr converts it back)
    vaddr = start + 0x20
    offset = None
    for line in subprocess.run(["readelf", "-lW", "/usr/bin/jq"], check=True,
                               capture_output=True, text=True).stdout.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            foff, v, size = int(f[1], 16), int(f[2], 16), int(f[4], 16)
            if v <= vaddr < v + size:
                offset = foff + (vaddr - v)
    expect("jq: stripped jq+0xOFF inside main, loop iteration", "jq",
           report([cand(f"jq+0x{offset:x}", "loop_iteration")]), "yes", False)
    expect("jq: stripped jq+0xOFF inside main, a call", "jq",
           report([cand(f"jq+0x{offset:x}")]), "no", True)
else:
    print("skip stripped-frame cases: no /usr/bin/jq")

sys.exit(1 if failures else 0)
