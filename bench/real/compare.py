#!/usr/bin/env python3
"""Compares one `arenaprof report --json` with a program's expected answer (bench/real/NAME.expect)
and prints one tab-separated row for bench/real.sh:
  program, allocator share, top site, top candidate, expected, match (yes/no), notes

Rules (docs/real-programs.md, "How a report is judged"):
- The top candidate is candidates[0] when it has a recommendation (recommended, or "likely: ..."),
  and for a Go profile go_candidates[0] when its score is above 0. An entry the report marks "not
  recommended" is not a recommendation, whatever its score (it is shown in the notes). Its kind is scope.kind when the report
  has it ("call" or "loop_iteration"), else "call" (today every recommendation is "wrap F()").
- "none" matches when there is no top candidate or the allocator share is under 3%.
- "KIND F" matches when the top candidate's scope function is F (C++ parameters left out; a
  stripped `module+0xOFF` frame is F when OFF lies in the function the expectation's anchor finds,
  bench/real/stripped.py). When F is a root or a loop that never ends (below), KIND must match
  too: wrapping the call of such a frame is never right.
- Every recommended candidate is checked: one that says to wrap (kind "call") a process or thread
  root, or a loop of the program listed in the expectation's `loops`, is flagged in the notes.
Usage: compare.py NAME.expect REPORT.json
       compare.py --expected NAME.expect   (the expected answer, as the row writes it)
"""
import json
import os
import re
import subprocess
import sys

ROOTS = {"main", "__libc_start_call_main", "__libc_start_main", "_start", "start_thread",
         "clone3", "clone", "main.main", "runtime.main", "runtime.goexit"}
NO_CANDIDATE_SHARE = 0.03
HERE = os.path.dirname(os.path.abspath(__file__))


def read_expect(path):
    fields = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            fields[key.strip()] = value.strip()
    return fields


def parse_answers(text):
    """'loop_iteration main; call format' -> [('loop_iteration', 'main'), ('call', 'format')]"""
    answers = []
    for part in text.split(";"):
        words = part.split(None, 1)
        if len(words) == 1 and words[0] == "none":
            answers.append(("none", None))
        elif len(words) == 2:
            answers.append((words[0], words[1]))
    return answers


def plain_name(function):
    """C++ parameters and ABI tags left out: 'a::B::f[abi:cxx11](int) const' -> 'a::B::f';
    Go names stay whole: 'go/printer.(*printer).print'."""
    # the parameter list starts at the first "(" not after a "." (Go writes `pkg.(*T).m`)
    m = re.search(r"(?<![.])\(", function)
    name = function[:m.start()] if m and not function.startswith("operator") else function
    return re.sub(r"\[abi:[^\]]*\]", "", name).strip()


class Stripped:
    """Names `module+0xOFF` frames after the expectation's anchors (cached per anchor)."""

    def __init__(self, expect):
        self.binary = expect.get("binary")
        self.anchors = {k[len("anchor."):]: v for k, v in expect.items() if k.startswith("anchor.")}
        self.ranges = {}

    def range_of(self, name):
        if name not in self.ranges:
            self.ranges[name] = None
            if self.binary and name in self.anchors:
                r = subprocess.run([sys.executable, os.path.join(HERE, "stripped.py"), self.binary,
                                    self.anchors[name]], capture_output=True, text=True)
                if r.returncode == 0:
                    start, end = (int(x, 16) for x in r.stdout.split())
                    self.ranges[name] = (start, end)
        return self.ranges[name]

    def name(self, function):
        m = re.fullmatch(r"(.+)\+0x([0-9a-f]+)", function)
        if not m or not self.binary or os.path.basename(self.binary) != os.path.basename(m.group(1)):
            return function
        r = subprocess.run([sys.executable, os.path.join(HERE, "stripped.py"), "--vaddr",
                            self.binary, m.group(2)], capture_output=True, text=True)
        if r.returncode != 0:
            return function
        vaddr = int(r.stdout, 16)
        for name in self.anchors:
            rng = self.range_of(name)
            if rng and rng[0] <= vaddr < rng[1]:
                return name
        return function


def same_function(found, expected):
    return found == expected or found.endswith("::" + expected)


def top_candidate(report):
    for c in report.get("candidates") or []:
        if c.get("recommendation"):
            return c
        break
    for c in report.get("go_candidates") or []:
        if (c.get("score") or 0) > 0:
            return c
        break
    return None


def scope_of(candidate):
    scope = candidate.get("scope") or candidate.get("enclosing") or {}
    kind = scope.get("kind") or candidate.get("kind") or "call"
    return scope.get("function"), kind


def describe(function, kind, shown):
    if kind == "loop_iteration":
        return f"reset per iteration of the loop in {shown}()"
    return f"wrap {shown}()"


def expected_text(expect):
    return "; ".join("no arena worth it" if k == "none" else describe(fn, k, fn)
                     for k, fn in parse_answers(expect["expect"]))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--expected":
        print(expected_text(read_expect(sys.argv[2])))
        return
    expect_path, report_path = sys.argv[1], sys.argv[2]
    expect = read_expect(expect_path)
    program = os.path.basename(expect_path)[:-len(".expect")]
    with open(report_path) as f:
        report = json.load(f)
    stripped = Stripped(expect)
    never_wrap = ROOTS | set(expect.get("loops", "").split())
    answers = parse_answers(expect["expect"]) + parse_answers(expect.get("also", ""))

    share = report["totals"]["allocator_cpu_share"]
    sites = report.get("sites") or []
    if sites:
        s = sites[0]
        wrappers = s.get("wrappers") or []
        top_site = f"{plain_name(stripped.name(s['function']))} {100 * s['share']:.1f}%"
        if wrappers:
            top_site += " (via " + ", ".join(w if isinstance(w, str) else w.get("function", "?")
                                             for w in wrappers) + ")"
    else:
        top_site = "-"

    notes = []
    top = top_candidate(report)
    if top is None:
        shown_top, found, kind = "none", None, None
    else:
        raw, kind = scope_of(top)
        found = plain_name(stripped.name(raw)) if raw else None
        label = found if found == plain_name(raw or "") else f"{raw} = {found}"
        shown_top = describe(found, kind, label) if raw else "no scope"
        if (top.get("recommendation") or "").startswith("likely"):
            shown_top += " (likely)"

    if top is None and report.get("candidates"):
        first = report["candidates"][0]
        raw, _ = scope_of(first)
        where = plain_name(stripped.name(raw)) if raw else "(no scope)"
        notes.append(f"best entry {where}, not recommended: {first.get('reason', '')[:60]}")

    match = False
    for want_kind, want_fn in answers:
        if want_kind == "none":
            match = match or top is None or share < NO_CANDIDATE_SHARE
        elif found and same_function(found, want_fn):
            kind_needed = any(same_function(want_fn, r) for r in never_wrap)
            match = match or not kind_needed or kind == want_kind

    for c in (report.get("candidates") or []) + (report.get("go_candidates") or []):
        if "scope" in c and not c.get("recommendation"):
            continue
        if "enclosing" in c and (c.get("score") or 0) <= 0:
            continue
        raw, k = scope_of(c)
        if not raw:
            continue
        name = plain_name(stripped.name(raw))
        if k != "loop_iteration" and any(same_function(name, r) for r in never_wrap):
            notes.append(f"FLAG: recommends wrapping {name}()")

    expected = expected_text(expect)
    print("\t".join([program, f"{100 * share:.1f}%", top_site, shown_top, expected,
                     "yes" if match else "no", "; ".join(dict.fromkeys(notes))]))


if __name__ == "__main__":
    main()
