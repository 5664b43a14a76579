#!/usr/bin/env python3
"""overhead_accuracy.py: arenaprof's default (overhead-budget) mode against --exact.

Called by bench/overhead.sh; Python 3 standard library only. Reads `arenaprof report --json`
output (docs/report-json.md) of one --exact profile (the reference) and of one or more
default-mode profiles of the same workload, and prints for each default profile:
  - share error: max |share(default) - share(exact)| in percentage points over the top sites
    (the union of both profiles' top N sites by allocations; a site is function, file, line);
  - top-N agreement: the same sites in the same order (and whether the same set);
  - the top candidate's scope (candidates[0].scope.function) in both;
  - the allocator's CPU share in both (default mode samples the CPU outside its windows);
  - the windowed estimate of the total allocations with its 95% interval (and whether the
    report marks it unreliable, a lower bound), against the true count (--true-allocs) or the
    exact profile's count scaled by the work (--scale).
Exit status 0 whatever the numbers are (a report, not a test); 2 on bad input.

Usage: bench/overhead_accuracy.py [--top N] [--true-allocs N | --scale F] EXACT.json DEFAULT.json...
"""
import argparse
import json
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"overhead_accuracy.py: {path}: {e}")


def key(site):
    return (site["function"], site.get("file"), site.get("line"))


def name(k):
    func, file, line = k
    base = file.rsplit("/", 1)[-1] if file else "?"
    return f"{func}:{base}:{line}" if line is not None else func


def top_sites(report, n):
    # sites[] is sorted by allocs desc already; keep only sites with allocations
    return [key(s) for s in report["sites"] if s["allocs"] > 0][:n]


def shares(report):
    return {key(s): s["share"] for s in report["sites"] if s["allocs"] > 0}


def top_scope(report):
    cands = report.get("candidates") or []
    if not cands or not cands[0].get("scope"):
        return None
    return cands[0]["scope"]["function"]


def compare(exact, default, n):
    ex_top, de_top = top_sites(exact, n), top_sites(default, n)
    ex_sh, de_sh = shares(exact), shares(default)
    union = list(dict.fromkeys(ex_top + de_top))
    errors = {k: abs(de_sh.get(k, 0.0) - ex_sh.get(k, 0.0)) * 100 for k in union}
    worst = max(errors, key=errors.get) if errors else None
    return {
        "max_err_pts": errors[worst] if worst else 0.0,
        "worst_site": worst,
        "same_order": ex_top == de_top,
        "same_set": set(ex_top) == set(de_top),
        "exact_top": ex_top,
        "default_top": de_top,
        "ex_sh": ex_sh,
        "de_sh": de_sh,
        "scope_exact": top_scope(exact),
        "scope_default": top_scope(default),
    }


def fmt_estimate(report, truth):
    w = report.get("windows")
    if not w or not w.get("allocs_estimated"):
        return "no windowed estimate (profile mode %s)" % report["recording"].get("mode")
    est = w["allocs_estimated"]
    lo, hi = est["ci95"]
    text = f"{est['value']:,.0f} [95% {lo:,.0f} .. {hi:,.0f}] from {report['totals']['allocs']:,} seen"
    if "window_slowdown" in w:
        text += f", probes slowed the target {w['window_slowdown']:.0f}x in the windows"
    reliable = est.get("reliable", True)
    if not reliable:
        text += " (marked unreliable: lower bounds)"
    if truth:
        inside = "inside" if lo <= truth <= hi else "OUTSIDE"
        text += f"; truth {truth:,.0f}: estimate/truth {est['value'] / truth:.3f}, truth {inside} the interval"
        if not reliable:
            text += ", a valid lower bound" if est["value"] <= truth else ", NOT a lower bound"
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--top", type=int, default=5, help="sites compared (default 5)")
    ap.add_argument("--true-allocs", type=float, default=None,
                    help="true number of allocations of a default-mode run")
    ap.add_argument("--scale", type=float, default=None,
                    help="a default-mode run's work / the exact run's work: the truth is "
                         "the exact profile's allocations times this")
    ap.add_argument("exact")
    ap.add_argument("default", nargs="+")
    args = ap.parse_args()

    exact = load(args.exact)
    if exact["recording"].get("mode") != "exact":
        print(f"overhead_accuracy.py: {args.exact}: mode is {exact['recording'].get('mode')}, "
              "not exact", file=sys.stderr)
        return 2
    truth = args.true_allocs
    truth_how = "given"
    if truth is None and args.scale:
        truth = exact["totals"]["allocs"] * args.scale
        truth_how = f"exact run's {exact['totals']['allocs']:,} allocations x {args.scale:g}"
    n = args.top

    print(f"reference: --exact, {exact['totals']['allocs']:,} allocations, "
          f"top scope {top_scope(exact)}, allocator CPU share "
          f"{exact['totals']['allocator_cpu_share'] * 100:.1f}% (probes armed all along)")
    for i, path in enumerate(args.default, 1):
        d = load(path)
        c = compare(exact, d, n)
        w = d.get("windows") or {}
        print(f"default run {i}: max share error {c['max_err_pts']:.2f} points"
              f" ({name(c['worst_site']) if c['worst_site'] else '-'}),"
              f" top-{n} {'same order' if c['same_order'] else ('same set, other order' if c['same_set'] else 'DIFFERENT sites')},"
              f" top scope {c['scope_default']} ({'agrees' if c['scope_default'] == c['scope_exact'] else 'DIFFERS'}),"
              f" allocator CPU share {d['totals']['allocator_cpu_share'] * 100:.1f}%,"
              f" {w.get('count', 0)} windows, agent's own overhead estimate"
              f" {w.get('probe_cost_share', 0) * 100:.1f}%")
        print(f"  allocations estimated: {fmt_estimate(d, truth)}")
        if i > 1 and not c["same_order"]:
            print(f"  top {n}: --exact {', '.join(name(k) for k in c['exact_top'])}; "
                  f"default {', '.join(name(k) for k in c['default_top'])}")
        if i == 1:
            print(f"  top {n} sites, share in --exact vs default (points):")
            rows = list(dict.fromkeys(c["exact_top"] + c["default_top"]))
            for k in rows:
                er = c["exact_top"].index(k) + 1 if k in c["exact_top"] else "-"
                dr = c["default_top"].index(k) + 1 if k in c["default_top"] else "-"
                ex, de = c["ex_sh"].get(k, 0) * 100, c["de_sh"].get(k, 0) * 100
                print(f"    rank {er!s:>2} / {dr!s:>2}  {ex:6.2f} {de:6.2f}  {de - ex:+6.2f}  {name(k)}")
    if truth is not None:
        print(f"  (truth: {truth_how})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
