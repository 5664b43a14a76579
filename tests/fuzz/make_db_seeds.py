#!/usr/bin/env python3
"""make_db_seeds.py: regenerates the seed corpus of the database fuzz target (tests/fuzz/db/):
one small profile database (512-byte pages) per analyzer fixture (tests/analyzer/fixture_*.sql)
plus an empty, closed profile, and the same fixtures as SQL inputs ("SQL\n" + the fixture's
statements, comments dropped; fuzz_db.c applies them to a new profile). With --recording DB,
instead turns a real recording (e.g. `arenaprof record -F 97 -d 2` of tests/workloads/tree_churn,
default windowed mode) into db/recorded and db/sql_recorded, cut to its first 15 stacks.
Run from anywhere: python3 tests/fuzz/make_db_seeds.py [--recording DB]"""
import glob
import os
import re
import shutil
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))


def build(path, fixture):
    with open(os.path.join(SRC, "schema", "schema.sql"), encoding="utf-8") as f:
        schema = f.read()
    version = re.search(r"PRAGMA user_version\s*=\s*(\d+)", schema).group(1)
    sql = schema + f"INSERT INTO meta(key, value) VALUES ('schema_version', '{version}');"
    if fixture:
        with open(fixture, encoding="utf-8") as f:
            sql += f.read()
    else:
        sql += "INSERT INTO meta(key, value) VALUES ('closed', '1');"
    if os.path.exists(path):
        os.unlink(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA page_size = 512")
    db.executescript(sql)
    db.commit()
    db.execute("VACUUM")
    db.close()


CUT = [
    "DELETE FROM objects WHERE alloc_stack_id > 15 OR free_stack_id > 15",
    "DELETE FROM window_stats WHERE stack_id > 15",
    "DELETE FROM alloc_stats WHERE stack_id > 15",
    "DELETE FROM cpu_stats WHERE stack_id > 15",
    "DELETE FROM stack_frames WHERE stack_id > 15",
    "DELETE FROM stacks WHERE id > 15",
    "DELETE FROM frames WHERE id NOT IN (SELECT frame_id FROM stack_frames)",
]


def from_recording(src, out):
    path = os.path.join(out, "recorded")
    shutil.copyfile(src, path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = DELETE")
    for sql in CUT:
        db.execute(sql)
    db.commit()
    db.execute("PRAGMA page_size = 512")
    db.execute("VACUUM")
    inserts = [l.replace("INSERT INTO", "INSERT OR REPLACE INTO", 1) for l in db.iterdump()
               if l.startswith("INSERT INTO")]
    db.close()
    with open(os.path.join(out, "sql_recorded"), "w", encoding="utf-8") as f:
        f.write("SQL\n" + "\n".join(inserts) + "\n")


def main():
    out = os.path.join(HERE, "db")
    os.makedirs(out, exist_ok=True)
    if len(sys.argv) == 3 and sys.argv[1] == "--recording":
        from_recording(sys.argv[2], out)
        return
    build(os.path.join(out, "empty_profile"), None)
    for fixture in sorted(glob.glob(os.path.join(SRC, "tests", "analyzer", "fixture_*.sql"))):
        name = os.path.basename(fixture)[len("fixture_"):-len(".sql")]
        build(os.path.join(out, name), fixture)
        with open(fixture, encoding="utf-8") as f:
            lines = [l for l in f.read().splitlines() if not l.lstrip().startswith("--")]
        with open(os.path.join(out, "sql_" + name), "w", encoding="utf-8") as f:
            f.write("SQL\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
