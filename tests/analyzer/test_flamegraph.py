#!/usr/bin/env python3
"""test_flamegraph.py: `arenaprof flamegraph` on fixture profiles, run by ctest one case at a
time:

    test_flamegraph.py --cli flamegraph_cli --schema schema.sql --fixtures DIR CASE

The SVG is parsed with xml.etree (it must be well-formed) and its frames are checked against
`folded` with the same metric on the same profile: the same names and nesting, each frame's value
the sum of the folded lines through it, widths proportional to the values."""

import os
import sqlite3
import sys
import xml.etree.ElementTree as ET

from antest import check_error, build_db, check, main, run_cli, run_cli_ok

ARGS = None
TMP = None

SVG = "{http://www.w3.org/2000/svg}"
FG = "{urn:arenaprof:flamegraph}"
WIDTH = 1200.0
XPAD = 10.0
FRAME_H = 16


def make_db(name, fixture="fixture_basic.sql", extra_sql=""):
    return build_db(os.path.join(TMP, name), ARGS.schema,
                    os.path.join(ARGS.fixtures, fixture) if fixture else None, extra_sql)


def flamegraph(db, *args, out="fg.svg"):
    path = os.path.join(TMP, out)
    stdout = run_cli_ok(ARGS.cli, "flamegraph", *args, "-o", path, db)
    check(stdout == b"", f"stdout {stdout[:100]!r}")
    return path


def folded(db, *args):
    """{(name, ...): value} of `folded`."""
    out = run_cli_ok(ARGS.cli, "folded", *args, db).decode("utf-8")
    lines = {}
    for line in out.splitlines():
        stack, value = line.rsplit(" ", 1)
        lines[tuple(stack.split(";"))] = int(value)
    return lines


def parse(path):
    """(root element, frames): frames as dicts with name, value, x (value units), depth (from
    the bottom), rect x and width, fill, parent (index) and path (names from the root's child)."""
    root = ET.parse(path).getroot()
    check(root.tag == SVG + "svg", f"root {root.tag}")
    group = [g for g in root.iter(SVG + "g") if g.get("id") == "frames"]
    check(len(group) == 1, "one frames group")
    frames = []
    for g in group[0].findall(SVG + "g"):
        title = g.find(SVG + "title").text
        rect = g.find(SVG + "rect")
        frames.append({"name": title[:title.rindex(" (")], "title": title,
                       "value": int(g.get(FG + "w")), "x": int(g.get(FG + "x")),
                       "y": int(rect.get("y")), "rx": float(rect.get("x")),
                       "w": float(rect.get("width")), "fill": rect.get("fill"),
                       "label": g.find(SVG + "text").text or ""})
    if frames:
        bottom = max(f["y"] for f in frames)
        for f in frames:
            f["depth"] = (bottom - f["y"]) // FRAME_H
    for i, f in enumerate(frames):
        f["parent"] = None
        f["path"] = ()
        if f["depth"] == 0:
            continue
        parents = [j for j, p in enumerate(frames) if p["depth"] == f["depth"] - 1 and
                   p["x"] <= f["x"] and f["x"] + f["value"] <= p["x"] + p["value"]]
        check(len(parents) == 1, f"frame {f['title']}: {len(parents)} parents")
        f["parent"] = parents[0]
        f["path"] = frames[parents[0]]["path"] + (f["name"],)
    return root, frames


def check_against_folded(db, *metric):
    """The SVG of db with the metric against `folded`: the tree, values, widths, titles."""
    lines = folded(db, *metric)
    root, frames = parse(flamegraph(db, *metric))
    total = sum(lines.values())
    check(int(root.get(FG + "total")) == total, f"total {root.get(FG + 'total')} != {total}")
    check(frames[0]["depth"] == 0 and frames[0]["name"] == "all", "the root first")
    check(frames[0]["value"] == total and frames[0]["x"] == 0, "root = total")
    check([f for f in frames if f["depth"] == 0] == frames[:1], "one root")
    # every prefix of a folded line is a frame, with the sum of the lines through it
    want = {}
    for stack, v in lines.items():
        for k in range(1, len(stack) + 1):
            want[stack[:k]] = want.get(stack[:k], 0) + v
    got = {}
    for f in frames[1:]:
        check(f["path"] not in got, f"frame {f['path']} twice")
        got[f["path"]] = f["value"]
    check(got == want, f"frames differ from folded:\n{sorted(got.items())}\n"
          f"{sorted(want.items())}")
    for i, f in enumerate(frames):
        kids = [c for c in frames if c["parent"] == i]
        check(sum(c["value"] for c in kids) <= f["value"], f"children of {f['path']} exceed it")
        ends = sorted((c["x"], c["x"] + c["value"]) for c in kids)
        check(all(a[1] <= b[0] for a, b in zip(ends, ends[1:])), f"children overlap {ends}")
        check(abs(f["w"] - f["value"] / total * WIDTH) < 0.006, f"width of {f['title']}")
        check(abs(f["rx"] - (XPAD + f["x"] / total * WIDTH)) < 0.006, f"x of {f['title']}")
        pct = f"{100 * f['value'] / total:.2f}%"
        check(f["title"].endswith(pct + ")") and f" ({f['value']} " in f["title"],
              f"title {f['title']!r}, expected {pct}")
        if f["label"]:
            check(f["label"] == f["name"] or (f["label"].endswith("..") and
                                              f["name"].startswith(f["label"][:-2])),
                  f"label {f['label']!r} of {f['name']!r}")
            check(len(f["label"]) * 7 + 6 <= f["w"] + 1e-6, f"label {f['label']} too wide")
    check(root.find(SVG + "script") is not None, "inline script")
    return lines, root, frames


# ---- cases ----

def case_count():
    db = make_db("b.db")
    lines, _, frames = check_against_folded(db)
    check(frames[0]["value"] == 437, f"total allocations {frames[0]['value']}")
    fills = {}
    for f in frames:
        fills.setdefault(f["name"], set()).add(f["fill"])
    check(all(len(v) == 1 for v in fills.values()), "one color per name")
    r, g, b = map(int, fills["malloc"].pop()[4:-1].split(","))
    check(b > r, f"allocator frames blue: malloc {r},{g},{b}")
    r, g, b = map(int, fills["handle_request"].pop()[4:-1].split(","))
    check(r > b, f"other frames warm: handle_request {r},{g},{b}")
    again = open(flamegraph(db, out="again.svg"), "rb").read()
    check(again == open(os.path.join(TMP, "fg.svg"), "rb").read(), "deterministic output")


def case_bytes():
    check_against_folded(make_db("b.db"), "--metric", "bytes")


def case_cpu():
    db = make_db("c.db", "fixture_cpu_tree.sql")
    _, _, frames = check_against_folded(db, "--metric", "cpu")
    con = sqlite3.connect(db)
    samples = con.execute("SELECT SUM(samples) FROM cpu_stats").fetchone()[0]
    con.close()
    check(frames[0]["value"] == samples, f"cpu total {frames[0]['value']} != {samples} samples")


def case_alloc_cpu():
    db = make_db("c.db", "fixture_cpu_tree.sql")
    lines, _, frames = check_against_folded(db, "--metric", "alloc-cpu")
    _, cpu = parse(flamegraph(db, "--metric", "cpu", out="cpu.svg"))
    check(0 < frames[0]["value"] < cpu[0]["value"], "alloc-cpu is part of cpu")


def case_widths():
    """A frame that ends a line and has children too (_int_malloc: 30 samples of its own, 5 of
    the page fault above it) is as wide as both; the narrowest frames keep their exact value."""
    db = make_db("c.db", "fixture_cpu_tree.sql")
    _, _, frames = check_against_folded(db, "--metric", "cpu")
    f = [f for f in frames if f["path"] == ("main", "parse", "new_node", "malloc", "_int_malloc")]
    check(len(f) == 1 and f[0]["value"] == 35, f"_int_malloc {f}")
    kids = [c for c in frames if c["parent"] == frames.index(f[0])]
    check([c["value"] for c in kids] == [5], f"children {kids}")
    check(abs(kids[0]["w"] * 7 - f[0]["w"]) < 0.02, "5 of 35: a seventh of the width")


def case_title():
    db = make_db("b.db")
    root, _ = parse(flamegraph(db, "--title", "a <b> & \"c\" 'd'"))
    t = [e for e in root.iter(SVG + "text") if e.get("id") == "title"]
    check(len(t) == 1 and t[0].text == "a <b> & \"c\" 'd'", f"title {t and t[0].text!r}")
    root, _ = parse(flamegraph(db, "--metric", "bytes", out="b.svg"))
    t = [e for e in root.iter(SVG + "text") if e.get("id") == "title"]
    check(t[0].text == "Allocated bytes", f"default title {t[0].text!r}")


def case_nasty_names():
    """Names with <, &, quotes, apostrophes, ]]> survive as text (escaped in the SVG)."""
    nasty = "operator<< <A&B> \"q\" 's' ]]> x"
    db = make_db("n.db", extra_sql="UPDATE frames SET function = '" + nasty.replace("'", "''") +
                 "' WHERE function = 'alpha_fn';")
    lines, _, frames = check_against_folded(db)
    check(any(f["name"] == nasty for f in frames), "the nasty name as a frame")
    raw = open(os.path.join(TMP, "fg.svg"), "rb").read()
    check(b"operator&lt;&lt; &lt;A&amp;B&gt; &quot;q&quot; &apos;s&apos; ]]&gt; x" in raw,
          "escaped in the file")
    check(any("\ufffd" in f["name"] for f in frames), "invalid UTF-8 as U+FFFD")


def case_empty_profile():
    db = make_db("e.db", fixture=None)
    root, frames = parse(flamegraph(db))
    check(frames == [] and root.get(FG + "total") == "0", f"{len(frames)} frames")


def case_stdout():
    db = make_db("b.db")
    out = run_cli_ok(ARGS.cli, "flamegraph", "-o", "-", db)
    check(out == open(flamegraph(db), "rb").read(), "-o - writes the same SVG to stdout")


def case_replace_output():
    db = make_db("b.db")
    path = os.path.join(TMP, "fg.svg")
    with open(path, "w") as f:
        f.write("old " * 100000)
    parse(flamegraph(db))
    check(sorted(os.listdir(TMP)) == ["b.db", "fg.svg"], f"left over: {os.listdir(TMP)}")


def case_err_missing():
    out = os.path.join(TMP, "x.svg")
    lines = check_error(*run_cli(ARGS.cli, "flamegraph", "-o", out, os.path.join(TMP, "no.db")))
    check("no.db" in lines[0], lines[0])
    check(os.listdir(TMP) == [], f"files {os.listdir(TMP)}")


def case_err_corrupt():
    bad = os.path.join(TMP, "bad.db")
    with open(bad, "wb") as f:
        f.write(b"SQLite format 3\0" + b"\xff" * 5000)
    out = os.path.join(TMP, "x.svg")
    with open(out, "w") as f:
        f.write("keep")
    check_error(*run_cli(ARGS.cli, "flamegraph", "-o", out, bad))
    check(open(out).read() == "keep", "the old output untouched")
    check(sorted(os.listdir(TMP)) == ["bad.db", "x.svg"], f"files {os.listdir(TMP)}")
    db = make_db("t.db", extra_sql="DROP TABLE alloc_stats;")
    check_error(*run_cli(ARGS.cli, "flamegraph", "-o", out, db))
    check(open(out).read() == "keep", "the old output untouched")


def case_err_unwritable():
    db = make_db("b.db")
    lines = check_error(*run_cli(ARGS.cli, "flamegraph", "-o",
                                 os.path.join(TMP, "nodir", "x.svg"), db))
    check("cannot write" in lines[0], lines[0])
    check(sorted(os.listdir(TMP)) == ["b.db"], f"files {os.listdir(TMP)}")


def case_usage():
    db = make_db("b.db")
    out = os.path.join(TMP, "x.svg")
    for args in ([], ["-o", out], [db], ["--metric", "allocs", "-o", out, db],
                 ["--bogus", "-o", out, db], ["-o", out, db, db], ["-o"], ["--title"]):
        lines = check_error(*run_cli(ARGS.cli, "flamegraph", *args), code=2)
        check(lines[-1].startswith("usage: arenaprof flamegraph"), f"{args}: {lines}")
    check(not os.path.exists(out), "no output after a usage error")
    help_out = run_cli_ok(ARGS.cli, "flamegraph", "--help")
    check(help_out.startswith(b"usage: arenaprof flamegraph"), f"{help_out!r}")


if __name__ == "__main__":
    sys.exit(main(globals()))
