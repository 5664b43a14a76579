"""antest.py: the small harness the analyzer test scripts share: failures, running the test CLI,
building a profile from schema/schema.sql plus a fixture, and running one case by name in a
temporary directory. Each script keeps its own case_* functions and thin wrappers."""
import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def run_cli(cli, *args):
    """(exit code, stdout bytes, stderr bytes) of the test CLI."""
    p = subprocess.run([cli] + [str(a) for a in args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout, p.stderr


def run_cli_ok(cli, *args, what=None):
    """stdout of a run that must exit 0 with nothing on stderr."""
    rc, out, err = run_cli(cli, *args)
    what = what or str(args)
    check(rc == 0, f"{what}: exit {rc}, stderr {err!r}")
    check(err == b"", f"{what}: unexpected stderr {err!r}")
    return out


def schema_version(schema_path):
    """The version schema/schema.sql writes (PRAGMA user_version)."""
    with open(schema_path, encoding="utf-8") as f:
        m = re.search(r"PRAGMA user_version\s*=\s*(\d+)", f.read())
    check(m, "no PRAGMA user_version in the schema")
    return int(m.group(1))


def build_db(path, schema_path, fixture_path, extra_sql=""):
    """schema.sql + meta.schema_version + the fixture file (None: an empty, closed profile) +
    extra_sql, written to path."""
    with open(schema_path, encoding="utf-8") as f:
        sql = f.read()
    sql += ("INSERT INTO meta(key, value) VALUES ('schema_version', "
            f"'{schema_version(schema_path)}');")
    if fixture_path:
        with open(fixture_path, encoding="utf-8") as f:
            sql += f.read()
    else:
        sql += "INSERT INTO meta(key, value) VALUES ('closed', '1');"
    db = sqlite3.connect(path)
    db.executescript(sql + extra_sql)
    db.commit()
    db.close()
    return path


def main(g, fixture_flag="--fixtures"):
    """Runs the case named on the command line (or all); g is the script's globals(), whose ARGS
    and TMP are set for the cases to use."""
    cases = {k[5:]: v for k, v in g.items() if k.startswith("case_")}
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument(fixture_flag, required=True)
    ap.add_argument("case", choices=sorted(cases) + ["all"])
    g["ARGS"] = ap.parse_args()
    failed = 0
    for name in (sorted(cases) if g["ARGS"].case == "all" else [g["ARGS"].case]):
        with tempfile.TemporaryDirectory(prefix="an-test-") as tmp:
            g["TMP"] = tmp
            try:
                cases[name]()
                print(f"ok   {name}")
            except Failure as e:
                print(f"FAIL {name}: {e}", file=sys.stderr)
                failed += 1
    return 1 if failed else 0


def check_error(rc, out, err, code=1):
    """A failed command: exit code, nothing on stdout, one line "arenaprof: ..." (exit 1)."""
    check(rc == code, f"exit {rc}, expected {code}; stderr {err!r}")
    check(out == b"", f"stdout {out!r}")
    lines = err.decode("utf-8", "replace").splitlines()
    check(lines and lines[0].startswith("arenaprof: "), f"stderr {err!r}")
    if code == 1:
        check(len(lines) == 1, f"one line: {err!r}")
    return lines


__all__ = ["Failure", "check", "check_error", "run_cli", "run_cli_ok", "schema_version", "build_db", "main",
           "os"]
