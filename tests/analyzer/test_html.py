#!/usr/bin/env python3
"""test_html.py: `arenaprof html` on fixture profiles, run by ctest one case at a time:

    test_html.py --cli html_cli --schema schema.sql --fixtures DIR CASE

The page is parsed with html.parser into a small tree and checked against `report --json` on the
same profile: the totals and CPU shares (data-key/data-value rows), the candidates in rank order
with their recommendations, sites and lifetime histograms (recomputed from the objects table),
the call sites; names are escaped; nothing is loaded from elsewhere. test_html_browser.py runs
the page in Chromium."""

import html.parser
import json
import os
import sqlite3
import sys

from antest import check_error, build_db, check, main, run_cli, run_cli_ok

ARGS = None
TMP = None

VOID = {"meta", "br", "input", "img", "link", "hr", "wbr", "col", "source"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag=None, **attrs):
        """The descendants with that tag and attributes (class_: class)."""
        return [n for n in self.iter() if n is not self and (tag is None or n.tag == tag) and
                all(n.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def by_id(self, id_):
        found = self.find_all(id=id_)
        check(len(found) == 1, f"{len(found)} elements with id {id_}")
        return found[0]

    def has_class(self, cls):
        return cls in (self.attrs.get("class") or "").split()


class TreeBuilder(html.parser.HTMLParser):
    """The page as Nodes; checks that every element is closed by its own end tag."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        check(self.cur.tag == tag, f"</{tag}> closes <{self.cur.tag}>")
        self.cur = self.cur.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def make_db(name, fixture="fixture_candidates.sql", extra_sql=""):
    return build_db(os.path.join(TMP, name), ARGS.schema,
                    os.path.join(ARGS.fixtures, fixture) if fixture else None, extra_sql)


def page(db, *args, out="report.html"):
    """(raw bytes, parsed tree) of the page of db."""
    path = os.path.join(TMP, out)
    stdout = run_cli_ok(ARGS.cli, "html", *args, "-o", path, db)
    check(stdout == b"", f"stdout {stdout[:100]!r}")
    raw = open(path, "rb").read()
    text = raw.decode("utf-8")  # strict: the page is valid UTF-8
    check(text.startswith("<!DOCTYPE html>\n"), "doctype")
    t = TreeBuilder()
    t.feed(text)
    t.close()
    check(t.cur is t.root, f"<{t.cur.tag}> not closed")
    return raw, t.root


def report(db):
    return json.loads(run_cli_ok(ARGS.cli, "report", "--json", db).decode("utf-8"))


def data_values(root):
    return {n.attrs["data-key"]: float(n.attrs["data-value"]) for n in root.iter()
            if "data-key" in n.attrs}


def check_totals(root, doc, cpu):
    got = data_values(root)
    t = doc["totals"]
    want = {k: t[k] for k in ("allocs", "bytes", "frees", "lost_events", "recorded_allocs",
                              "cpu_samples")}
    if cpu:
        want.update({k: t[k] for k in ("allocator_cpu_share", "profiler_overhead_share",
                                       "cpu_lost")})
        want.update(t["allocator_cpu_split"])
        want["max_saving"] = t["allocator_cpu_share"]
    for k, v in want.items():
        check(k in got, f"no {k} in the page")
        check(abs(got[k] - v) <= 1e-12 * max(1, abs(v)), f"{k}: page {got[k]}, JSON {v}")
    if not cpu:
        check(set(got) == set(want), f"CPU rows without CPU samples: {sorted(got)}")


def check_sites(root, doc, top=50):
    rows = root.by_id("site-table").find_all("tr")[1:]
    want = [s["allocs"] for s in doc["sites"]][:top or None]
    check([int(r.attrs["data-allocs"]) for r in rows] == want,
          f"site rows {[r.attrs['data-allocs'] for r in rows]} != {want}")
    for r, s in zip(rows, doc["sites"]):
        check(r.find_all("code")[0].text() == s["function"], f"site {s['function']}")


def lifetime_hist(db, functions):
    """Expected histogram (9 decades from 1 us) and live count of the objects of sites."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT o.free_ns - o.alloc_ns, o.free_stack_id IS NULL FROM objects o "
        "JOIN stack_frames sf ON sf.stack_id = o.alloc_stack_id AND sf.pos = 0 "
        "JOIN frames f ON f.id = sf.frame_id WHERE f.function IN (%s)" %
        ",".join("?" * len(functions)), functions).fetchall()
    con.close()
    hist, live = [0] * 9, 0
    for life, censored in rows:
        if censored:
            live += 1
            continue
        b, limit = 0, 1000
        while b < 8 and life >= limit:
            b, limit = b + 1, limit * 10
        hist[b] += 1
    return hist, live


def check_candidates(db, root, doc, cpu):
    scoped = [c for c in doc["candidates"] if c["arena_kib"] is not None]
    check(len(scoped) >= 2, f"{len(scoped)} scope candidates in the fixture")
    rows = [r for r in root.by_id("candidate-table").iter() if r.has_class("cand")]
    check(len(rows) == len(scoped), f"{len(rows)} rows for {len(scoped)} candidates")
    for rank, (r, c) in enumerate(zip(rows, scoped), 1):
        cells = r.find_all("td")
        check(cells[1].text() == c["scope"]["function"] + "()", f"rank {rank}: {cells[1].text()}")
        check(cells[2].text() == (c["recommendation"] or "not recommended"),
              f"recommendation {cells[2].text()!r}")
        check(abs(float(r.attrs["data-score"]) - c["score"]) < 1e-12, "score")
        check(abs(float(r.attrs["data-saving"]) - c["est_cpu_saving"]) < 1e-12, "saving")
        saving = f"{100 * c['est_cpu_saving']:.1f}%" if cpu else "-"
        check(cells[3].text() == saving, f"saving cell {cells[3].text()} != {saving}")
        check(cells[5].text() == c["risk"], f"risk {cells[5].text()}")
        check(cells[9].text() == f"{c['arena_kib']} KiB", f"arena {cells[9].text()}")
        reason = r.parent.children[r.parent.children.index(r) + 2]  # "\n" between the rows
        check(reason.has_class("reason") and reason.text() == c["reason"], "reason row")
        detail = root.by_id(f"cand-{rank}")
        check(detail.tag == "details", "details element")
        names = [n.text() for n in detail.find_all("table")[0].find_all("code")]
        want = [s["function"] for s in c["sites"]]
        check(names == want, f"detail sites {names} != {want}")
        hist, live = lifetime_hist(db, want)
        life = root.by_id(f"life-{rank}").find_all("tr")
        got = [int(tr.find_all("td")[-1].text().replace(",", "")) for tr in life]
        check(got == hist + [live], f"lifetime histogram {got} != {hist + [live]}")
        check(sum(got) == c["objects"], "every sampled object in the histogram")
    rejected = [c for c in doc["candidates"] if c["arena_kib"] is None and
                not c["reason"].startswith("too few")]
    rej = root.by_id("rejected").find_all("tr")[1:]
    check([r.find_all("code")[0].text() for r in rej] ==
          [c["sites"][0]["function"] for c in rejected], "rejected sites")
    check([r.find_all("td")[1].text() for r in rej] == [c["reason"] for c in rejected],
          "rejected reasons")


# ---- cases ----

def case_candidates():
    db = make_db("c.db")
    raw, root = page(db)
    doc = report(db)
    check_candidates(db, root, doc, True)
    for name in ("handle_request", "render_page", "new_node", "dup_str", "cache_put"):
        check(name.encode() in raw, f"{name} in the page")
    card = root.by_id("card-best").find_all("div")[0].text()
    check(card == f"{100 * doc['candidates'][0]['est_cpu_saving']:.1f}%", f"best card {card}")
    check(root.find_all("title")[0].text() == "arenaprof report: ./server", "page title")


def case_totals():
    for fixture in ("fixture_candidates.sql", "fixture_cpu_tree.sql", "fixture_cpu_families.sql"):
        db = make_db(fixture + ".db", fixture)
        _, root = page(db)
        doc = report(db)
        check_totals(root, doc, True)
        check_sites(root, doc)
        split = root.find_all("div", class_="split")
        check(len(split) == 1 and len(split[0].find_all("div")) == 4, "split bar")
        for m in ("count", "bytes", "cpu", "alloc-cpu"):
            svg = root.by_id(f"fg-{m}-svg")
            frames = root.by_id(f"fg-{m}-frames").find_all("g")
            check(int(svg.attrs["fg:total"]) == (int(frames[0].attrs["fg:w"]) if frames else 0),
                  f"{fixture} {m}: root = total")
        count = int(root.by_id("fg-count-svg").attrs["fg:total"])
        check(count == doc["totals"]["recorded_allocs"], f"count graph {count}")
        cpu = int(root.by_id("fg-cpu-svg").attrs["fg:total"])
        check(cpu == doc["totals"]["cpu_recorded_samples"], f"cpu graph {cpu}")


def case_escaping():
    nasty = "operator<< <script>alert(1)</script> &amp; \"q\" 's' ]]> x"
    q = nasty.replace("'", "''")
    db = make_db("n.db", extra_sql=(
        f"UPDATE frames SET function = '{q}' WHERE function = 'new_node';"
        f"UPDATE meta SET value = '{q}' WHERE key = 'command';"
        "UPDATE frames SET file = CAST(X'6261645fff2e63' AS TEXT) WHERE function = 'dup_str';"))
    raw, root = page(db)
    check(b"<script>alert" not in raw and b"]]>" not in raw, "raw markup from a name")
    check(raw.count(b"<script>") == 1, "one script element, the page's own")
    check(b"operator&lt;&lt; &lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &quot;q&quot; "
          b"&apos;s&apos; ]]&gt; x" in raw, "escaped in the file")
    check(root.find_all("title")[0].text() == "arenaprof report: " + nasty, "title text")
    sites = [c.text() for c in root.by_id("site-table").find_all("code")]
    check(nasty in sites, f"the name as text: {sites}")
    check(nasty in [c.text() for c in root.by_id("cand-1").find_all("code")], "in the details")
    titles = [t.text() for t in root.by_id("fg-count-frames").find_all("title")]
    folded = nasty.replace(";", ":")  # as `folded` names frames
    check(any(t.startswith(folded + " (") for t in titles), "in the flame graph")
    check(any("bad_\ufffd.c" in n.text() for n in root.find_all("span", class_="loc")),
          "invalid UTF-8 as U+FFFD")


def case_no_network():
    for db in (make_db("c.db"), make_db("e.db", fixture=None)):
        raw, root = page(db)
        low = raw.lower()
        for bad in (b"http://", b"https://", b"//cdn", b"<link", b"@import", b"url(", b"src=",
                    b"<iframe", b"<img", b"fetch(", b"xmlhttprequest"):
            check(bad not in low, f"{bad!r} in the page")
        csp = [m for m in root.find_all("meta") if m.attrs.get("http-equiv") ==
               "Content-Security-Policy"]
        check(csp and csp[0].attrs["content"].startswith("default-src 'none'"), "CSP")
        check(len(root.find_all("script")) == 1 and len(root.find_all("style")) == 1,
              "one inline script and style")


def case_no_cpu():
    db = make_db("n.db", extra_sql="DELETE FROM cpu_stats; DELETE FROM counters WHERE name "
                 "LIKE 'cpu%';")
    raw, root = page(db)
    doc = report(db)
    check_totals(root, doc, False)
    check_candidates(db, root, doc, False)
    check(b"no CPU samples in this profile" in raw, "CPU: none")
    check(not root.find_all(id="card-allocator") and not root.find_all(class_="split"),
          "no CPU share shown")
    for m in ("cpu", "alloc-cpu"):
        check(root.by_id(f"fg-{m}-svg").attrs["fg:total"] == "0", f"{m} graph empty")
        check("no stacks with a value" in root.by_id(f"fg-{m}-svg").text(), f"{m} message")
    db = make_db("b.db", "fixture_basic.sql")  # no CPU and no sampled objects
    raw, root = page(db)
    check_totals(root, report(db), False)
    check(b"no sampled object lifetimes" in raw, "no candidates message")


def case_empty_profile():
    db = make_db("e.db", fixture=None)
    raw, root = page(db)
    check_totals(root, report(db), False)
    check(b"No allocation was recorded." in raw, "no sites")
    for m in ("count", "bytes", "cpu", "alloc-cpu"):
        check(root.by_id(f"fg-{m}-frames").find_all("g") == [], f"{m}: no frames")


def case_top():
    db = make_db("c.db")
    doc = report(db)
    _, root = page(db, "-n", "2")
    check_sites(root, doc, 2)
    _, root = page(db, "--top", "0")
    check_sites(root, doc, 0)
    check(len(doc["sites"]) > 2, "the fixture has more than 2 sites")


def case_replace_output():
    db = make_db("c.db")
    path = os.path.join(TMP, "report.html")
    with open(path, "w") as f:
        f.write("old " * 100000)
    page(db)
    check(sorted(os.listdir(TMP)) == ["c.db", "report.html"], f"left over: {os.listdir(TMP)}")


def case_stdout():
    db = make_db("c.db")
    out = run_cli_ok(ARGS.cli, "html", "-o", "-", db)
    check(out == page(db)[0], "-o - writes the same page to stdout")


def case_err_missing():
    out = os.path.join(TMP, "x.html")
    lines = check_error(*run_cli(ARGS.cli, "html", "-o", out, os.path.join(TMP, "no.db")))
    check("no.db" in lines[0], lines[0])
    check(os.listdir(TMP) == [], f"files {os.listdir(TMP)}")


def case_err_corrupt():
    bad = os.path.join(TMP, "bad.db")
    with open(bad, "wb") as f:
        f.write(b"SQLite format 3\0" + b"\xff" * 5000)
    out = os.path.join(TMP, "x.html")
    with open(out, "w") as f:
        f.write("keep")
    check_error(*run_cli(ARGS.cli, "html", "-o", out, bad))
    for i, sql in enumerate(("DROP TABLE objects;", "DROP TABLE cpu_stats;",
                             "DROP TABLE alloc_stats;")):
        db = make_db(f"t{i}.db", extra_sql=sql)
        check_error(*run_cli(ARGS.cli, "html", "-o", out, db))
        check(open(out).read() == "keep", "the old output untouched")
    check(sorted(os.listdir(TMP)) == ["bad.db", "t0.db", "t1.db", "t2.db", "x.html"],
          f"files {os.listdir(TMP)}")


def case_err_unwritable():
    db = make_db("c.db")
    lines = check_error(*run_cli(ARGS.cli, "html", "-o", os.path.join(TMP, "nodir", "x.html"),
                                 db))
    check("cannot write" in lines[0], lines[0])
    check(sorted(os.listdir(TMP)) == ["c.db"], f"files {os.listdir(TMP)}")


def case_usage():
    db = make_db("c.db")
    out = os.path.join(TMP, "x.html")
    for args in ([], ["-o", out], [db], ["-n", "x", "-o", out, db], ["-n", "-1", "-o", out, db],
                 ["--bogus", "-o", out, db], ["-o", out, db, db], ["-o"], ["--metric", "cpu"]):
        lines = check_error(*run_cli(ARGS.cli, "html", *args), code=2)
        check(lines[-1].startswith("usage: arenaprof html"), f"{args}: {lines}")
    check(not os.path.exists(out), "no output after a usage error")
    help_out = run_cli_ok(ARGS.cli, "html", "--help").decode()
    check(help_out.startswith("usage: arenaprof html") and
          "example:\n  arenaprof html app.db -o report.html" in help_out, help_out)


if __name__ == "__main__":
    sys.exit(main(globals()))
