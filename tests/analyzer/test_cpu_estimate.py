#!/usr/bin/env python3
"""test_cpu_estimate.py: the arithmetic of the second count estimator of windowed profiles
(analyzer/model/cpu_estimate.h), on fixture_cpu_estimate.sql, whose numbers are derived by hand in
its header: make_item's windows say 100,000 calls (160 seen) and 50 CPU samples fall in its
malloc calls, so one sample stands for (100,000 - 160) / 50 = 1,996.8 calls in place; make_rare
(no window saw it) has 10 such samples; the tight loop's best case is 2,000,000 calls a sample.
Poisson bounds are checked against the exact 95% quantiles (tables: 10 -> 4.7954 - 18.3904,
50 -> 37.1111 - 65.9201) within 1%: the estimator's closed form is within 0.2% of them there."""
import json
import os

from antest import build_db, check, main, run_cli_ok

ARGS = None
TMP = None

K_IN_PLACE = (100_000 - 160) / 50
K_LOOP = 1e9 / (100 * 5.0)  # 100 Hz; (2 x 10)^2 / 40 / 2 = 5 ns a call
P10 = (4.7954, 18.3904)
P50 = (37.1111, 65.9201)


def report(extra_sql="", name="p.db"):
    db = build_db(os.path.join(TMP, name), ARGS.schema,
                  os.path.join(ARGS.fixtures, "fixture_cpu_estimate.sql"), extra_sql)
    return json.loads(run_cli_ok(ARGS.cli, "report", "--json", db))


def site(doc, function):
    return next(s for s in doc["sites"] if s["function"] == function)


def close(got, want, what, rel=1e-9):
    check(abs(got - want) <= rel * abs(want), f"{what}: {got}, expected {want}")


def case_in_place():
    """A site no window saw gets an estimate from its samples, calibrated on the site the windows
    counted: 10 x 1,996.8 calls, its interval from both Poisson counts."""
    e = site(report(), "make_rare")["allocs_estimated"]
    check(e is not None and e["unknown"] and e["value"] == 0, f"make_rare {e}")
    check(e["cpu_calibration"] == "in_place", f"calibration {e['cpu_calibration']}")
    close(e["cpu_estimate"], 10 * K_IN_PLACE, "make_rare cpu_estimate")
    close(e["cpu_samples"], 10, "make_rare cpu_samples")
    close(e["cpu_call_ns"], 1e9 / (100 * K_IN_PLACE), "make_rare cpu_call_ns")
    # lower end: its samples' lower bound times the calibration's lowest calls per sample
    close(e["cpu_ci95"][0], P10[0] * (100_000 - 160) / P50[1], "make_rare ci95 lo", 0.01)
    close(e["cpu_ci95"][1], P10[1] * (100_000 - 160) / P50[0], "make_rare ci95 hi", 0.01)


# A dearer tight loop for the cases that need the windows' estimate to stand: a best case of
# 1,000 ns a call (calib_call_ns 100, calib_malloc_free_ns 20: 2 x 100^2 / 20), so that make_item's
# 50 samples stand for at least 37.1 x 10,000 / 30 = 12,370 calls, under its windows' 100,000
# (with the fixture's 5 ns they stand for at least 2.47 M: case_contradicts).
DEAR_LOOP = ("UPDATE meta SET value = '100' WHERE key = 'calib_call_ns'; "
             "UPDATE meta SET value = '20' WHERE key = 'calib_malloc_free_ns';")
K_DEAR = 1e9 / (100 * 1000.0)


def case_leave_one_out():
    """The calibrating site is not calibrated on itself (it would agree by construction): with no
    other, the tight loop's bound, which has no lower end but what the windows saw."""
    s = site(report(DEAR_LOOP, "dear.db"), "make_item")
    e = s["allocs_estimated"]
    check(s["alloc_call_samples"] == 50 and not e["unknown"], f"make_item {s}")
    check(not e["cpu_contradicts_windows"], f"make_item contradicted {e}")
    check(e["cpu_calibration"] == "tight_loop", f"calibration {e['cpu_calibration']}")
    close(e["cpu_estimate"], 160 + 50 * K_DEAR, "make_item cpu_estimate")
    close(e["cpu_call_ns"], 1000.0, "make_item cpu_call_ns")
    check(e["cpu_ci95"][0] == 160, f"make_item ci95 lo {e['cpu_ci95']}")
    # the upper end: the samples' upper bound, at the best case widened by the calibration's
    # spread (CPU_CAL_LOOP_SPREAD, 1.5)
    close(e["cpu_ci95"][1], 160 + P50[1] * K_DEAR * 1.5, "make_item ci95 hi", 0.01)
    close(e["cpu_agreement"], e["cpu_estimate"] / e["value"], "make_item cpu_agreement")


def case_contradicts():
    """Samples that stand for more calls than the windows allow, even with every call 30 times
    the tight loop's best case (CPU_CAL_LOOP_WORST): make_item's 50 samples at 5 ns a call are
    at least 37.1 x 2,000,000 / 30 = 2.47 M calls against its windows' 100,000: the windows
    missed what happened between them, so the estimate is unknown (the idle-burst-idle target).
    The total, calibrated in place on make_item itself, is consistent by construction."""
    doc = report()
    e = site(doc, "make_item")["allocs_estimated"]
    check(e["cpu_contradicts_windows"] and e["unknown"], f"make_item {e}")
    check(e["cpu_calibration"] == "tight_loop", f"calibration {e['cpu_calibration']}")
    close(e["cpu_estimate"], 160 + 50 * K_LOOP, "make_item cpu_estimate")
    t = doc["windows"]["allocs_estimated"]
    check(not t["cpu_contradicts_windows"] and not t["unknown"], f"total {t}")
    check(not site(doc, "make_rare")["allocs_estimated"]["cpu_contradicts_windows"],
          "make_rare: no window estimate to contradict")


def case_total():
    """The total: every allocation-call sample (60) at the pooled in-place calibration."""
    e = report()["windows"]["allocs_estimated"]
    check(e["cpu_calibration"] == "in_place", f"total {e}")
    close(e["cpu_estimate"], 160 + 60 * K_IN_PLACE, "total cpu_estimate")
    close(e["cpu_samples"], 60, "total cpu_samples")


def case_free_site():
    """Samples in free say nothing of allocations: the free's site gets no estimate."""
    s = site(report(), "drop_item")
    check(s["alloc_cpu_samples"] == 20 and s["alloc_call_samples"] == 0, f"drop_item {s}")
    check(s["allocs_estimated"] is None, f"drop_item estimate {s['allocs_estimated']}")


def case_tight_loop():
    """Windows slowed 3x by the probes (exposure a third of the armed time): no estimate of the
    windows is reliable, nothing calibrates in place, every site is bounded by the tight loop."""
    doc = report("UPDATE windows SET exposure_ns = armed_ns / 3, exposure_lo_ns = armed_ns / 3, "
                 "exposure_hi_ns = armed_ns / 3;")
    for name, seen, samples in (("make_item", 160, 50), ("make_rare", 0, 10)):
        e = site(doc, name)["allocs_estimated"]
        check(e["cpu_calibration"] == "tight_loop", f"{name} {e}")
        close(e["cpu_estimate"], seen + samples * K_LOOP, f"{name} cpu_estimate")
    check(doc["windows"]["allocs_estimated"]["cpu_calibration"] == "tight_loop",
          f"total {doc['windows']['allocs_estimated']}")


def case_uncalibrated():
    """No tight-loop calibration: the calibrating site has no second estimate, the others still
    have the in-place one; no sample frequency: none at all."""
    doc = report("DELETE FROM meta WHERE key LIKE 'calib_%';")
    check(site(doc, "make_item")["allocs_estimated"]["cpu_estimate"] is None,
          f"make_item {site(doc, 'make_item')['allocs_estimated']}")
    close(site(doc, "make_rare")["allocs_estimated"]["cpu_estimate"], 10 * K_IN_PLACE,
          "make_rare without calib_*")
    doc = report("DELETE FROM meta WHERE key = 'cpu_freq';", "nofreq.db")
    e = doc["windows"]["allocs_estimated"]
    check(e["cpu_estimate"] is None and e["cpu_ci95"] is None and e["cpu_calibration"] is None,
          f"total without cpu_freq {e}")
    check(site(doc, "make_rare")["allocs_estimated"] is None, "make_rare without cpu_freq")


def case_text():
    """The text report names the estimator and how the two agree."""
    db = build_db(os.path.join(TMP, "t.db"), ARGS.schema,
                  os.path.join(ARGS.fixtures, "fixture_cpu_estimate.sql"))
    out = run_cli_ok(ARGS.cli, "report", db).decode()
    check("second estimate: the CPU samples in allocation calls give ~119,968" in out and
          "calibrated in place" in out and "1.20x the windows'" in out, f"report:\n{out}")
    row = next(l for l in out.splitlines() if "make_rare" in l)
    check(row.split()[1:3] == ["19,968", "cpu"], f"make_rare row {row!r}")


if __name__ == "__main__":
    raise SystemExit(main(globals()))
