#!/usr/bin/env python3
"""test_html_browser.py: `arenaprof html` in a real headless Chromium (Debian's chromium
package, installed by scripts/setup), driven over the DevTools protocol (cdp.py):

    test_html_browser.py --cli html_cli --schema schema.sql --fixtures DIR --out DIR

The report of fixture_candidates.sql must load with no console error, no exception and no request
for anything but the file itself; its four flame graphs must be drawn (frame rectangles with a
size on screen); a real mouse click on a frame must zoom it (its width becomes the graph's, other
frames are hidden), a click on "Reset zoom" must undo it; typing in the search box must highlight
frames in every graph; a click on the CPU tab must show the CPU graph. The standalone SVG of
`arenaprof flamegraph` is loaded and clicked the same way; the pages of an empty profile and of
one with hostile names (markup, script) load without errors or requests. Screenshots and the page are kept in
--out (report.png, report-cpu-zoomed.png). A missing Chromium is a failure, not a skip."""
import argparse
import os
import struct
import sys
import tempfile

from antest import Failure, build_db, check, run_cli_ok
from cdp import Browser, CdpError, find_chromium

FRAMES_JS = """(() => {
  const out = {};
  for (const name of ["count", "bytes", "cpu", "alloc-cpu"]) {
    const g = window.arenaprof.graphs[name];
    const rects = document.querySelectorAll("#fg-" + name + "-frames g.f rect");
    out[name] = { frames: g.frames.length, rects: rects.length, total: g.total,
                  drawn: rects.length ? rects[0].getBoundingClientRect().width : 0 };
  }
  return out;
})()"""

# The widest frame of a graph below 90% of the total (so that zooming changes it), scrolled into
# view: where to click it, and what it is.
TARGET_JS = """((name) => {
  const g = window.arenaprof.graphs[name], root = g.frames[0];
  let best = null;
  for (const f of g.frames)
    if (f !== root && f.w < 0.9 * root.w && (!best || f.w > best.w))
      best = f;
  best.g.scrollIntoView({block: "center"});
  const r = best.rect.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  return { index: g.frames.indexOf(best), name: best.name, x: x, y: y, screen_w: r.width,
           ratio: root.w / best.w,
           width: +best.rect.getAttribute("width"), on_target: best.g.contains(hit) };
})"""

STATE_JS = """((name, index) => {
  const g = window.arenaprof.graphs[name], f = g.frames[index];
  const reset = document.getElementById("fg-" + name + "-reset");
  return { width: +f.rect.getAttribute("width"), x: +f.rect.getAttribute("x"),
           screen_w: f.rect.getBoundingClientRect().width,
           full: g.width, hidden: g.frames.filter(x => x.g.style.display === "none").length,
           reset_shown: reset.getAttribute("class") === "ui",
           reset_box: (() => { const r = reset.getBoundingClientRect();
                               return [r.left + r.width / 2, r.top + r.height / 2]; })() };
})"""


def png_size(data):
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG")
    return struct.unpack(">II", data[16:24])


def check_no_problems(b, url, what):
    problems = b.problems(url)
    check(not problems, f"{what}: " + "; ".join(problems))


def zoom_and_reset(b, name):
    """Clicks the widest partial frame of graph name, checks the zoom, clicks Reset zoom."""
    t = b.evaluate(TARGET_JS + f"({name!r})")
    check(t["on_target"], f"{name}: the frame {t['name']} is not under the mouse at its center")
    before = b.evaluate(STATE_JS + f"({name!r}, {t['index']})")
    check(not before["reset_shown"] and before["hidden"] == 0, f"{name}: zoomed already")
    b.click(t["x"], t["y"])
    after = b.evaluate(STATE_JS + f"({name!r}, {t['index']})")
    check(abs(after["width"] - after["full"]) < 0.01,
          f"{name}: clicked {t['name']} is {after['width']} wide, not {after['full']}")
    check(after["screen_w"] > 1.1 * t["screen_w"] and
          abs(after["screen_w"] / t["screen_w"] - t["ratio"]) < 0.01 * t["ratio"],
          f"{name}: on screen {t['screen_w']:.1f} -> {after['screen_w']:.1f} px, "
          f"expected x{t['ratio']:.3f}")
    check(after["hidden"] > 0 and after["reset_shown"], f"{name}: zoom state {after}")
    b.click(*after["reset_box"])
    back = b.evaluate(STATE_JS + f"({name!r}, {t['index']})")
    check(abs(back["width"] - t["width"]) < 0.01 and back["hidden"] == 0 and
          not back["reset_shown"], f"{name}: after Reset zoom {back}")
    return t


def check_report(b, html, out):
    url = "file://" + os.path.abspath(html)
    b.open(url)
    check(b.evaluate("document.title").startswith("arenaprof report"), "the page's title")
    frames = b.evaluate(FRAMES_JS)
    for name, f in frames.items():
        check(f["frames"] > 1 and f["frames"] == f["rects"] and f["total"] > 0,
              f"graph {name}: {f}")
    check(frames["count"]["drawn"] > 1000, f"the count graph is drawn: {frames['count']}")
    check(frames["cpu"]["drawn"] == 0, "the CPU graph is on a hidden tab")
    cands = b.evaluate("document.querySelectorAll('#candidate-table tr.cand').length")
    check(cands >= 2, f"{cands} candidate rows")
    shot = b.screenshot(os.path.join(out, "report.png"))
    w, h = png_size(shot)
    check(w == 1280 and h > 1500, f"report.png is {w}x{h}")

    zoom_and_reset(b, "count")

    # the search box, typed into
    box = b.evaluate("(() => { const e = document.getElementById('fg-search'); "
                     "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); "
                     "return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    b.click(*box)
    b.type_text("^malloc$")
    found = b.evaluate("""(() => { const out = {};
      for (const n in window.arenaprof.graphs) {
        const g = window.arenaprof.graphs[n];
        out[n] = [document.getElementById("fg-" + n + "-matched").textContent,
                  g.frames.filter(f => f.rect.getAttribute("fill") === "rgb(230,0,230)").length];
      }
      return out; })()""")
    for name in ("count", "bytes", "cpu", "alloc-cpu"):
        text, hits = found[name]
        check(text.startswith("Matched: ") and hits > 0, f"search in {name}: {found[name]}")
    check(found["count"][0] == "Matched: 100.0%", f"every allocation is under malloc: {found}")

    # the CPU tab, clicked
    tab = b.evaluate("(() => { const e = document.querySelector('.tab[data-graph=cpu]'); "
                     "const r = e.getBoundingClientRect(); "
                     "return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    b.click(*tab)
    frames = b.evaluate(FRAMES_JS)
    check(frames["cpu"]["drawn"] > 1000 and frames["count"]["drawn"] == 0,
          f"the CPU tab shows the CPU graph only: {frames}")
    t = b.evaluate(TARGET_JS + "('cpu')")
    b.click(t["x"], t["y"])
    check(b.evaluate(STATE_JS + f"('cpu', {t['index']})")["reset_shown"], "CPU graph zoomed")
    b.screenshot(os.path.join(out, "report-cpu-zoomed.png"))
    check_no_problems(b, url, "report.html")


def check_svg(b, svg):
    url = "file://" + os.path.abspath(svg)
    b.open(url)
    n = b.evaluate("fg_graph.frames.length")
    check(n > 1, f"standalone SVG: {n} frames")
    t = b.evaluate("""(() => { const g = fg_graph, root = g.frames[0];
      const f = g.frames.filter(f => f !== root && f.w < 0.9 * root.w)
                        .sort((a, b) => b.w - a.w)[0];
      const r = f.rect.getBoundingClientRect();
      return { index: g.frames.indexOf(f), x: r.left + r.width / 2, y: r.top + r.height / 2,
               width: +f.rect.getAttribute("width") }; })()""")
    b.click(t["x"], t["y"])
    width = b.evaluate(f"+fg_graph.frames[{t['index']}].rect.getAttribute('width')")
    check(abs(width - 1200) < 0.01 and t["width"] < 1100, f"standalone SVG zoom: {t} -> {width}")
    share = b.evaluate("fg_search('malloc')")
    check(0 < share <= 1, f"standalone SVG search share {share}")
    check_no_problems(b, url, "standalone SVG")


NASTY = "</script><script>console.error('xss')</script><img src=x onerror=console.error(2)>"


def check_other_pages(b, pages):
    """Pages of an empty profile and of one with hostile names: they load without errors or
    requests, the names are text, and searching their (empty or full) graphs works."""
    for what, html in pages:
        url = "file://" + os.path.abspath(html)
        b.open(url)
        check(b.evaluate("Object.keys(window.arenaprof.graphs).length") == 4, f"{what}: graphs")
        b.evaluate("window.arenaprof.search('.'); window.arenaprof.search(''); 1")
        check(b.evaluate("document.querySelectorAll('img, iframe').length") == 0,
              f"{what}: markup from a name became elements")
        if what == "hostile names":
            sites = b.evaluate("Array.from(document.querySelectorAll('#site-table code'))"
                               ".map(e => e.textContent)")
            check(NASTY in sites, f"{what}: the name as text: {sites}")
        check_no_problems(b, url, what)


def check_detects_errors(b):
    """The checks above would see an error: a page with one is caught."""
    url = "data:text/html,<p>x</p><script>console.error('planted'); no_such_function();</script>"
    b.open(url)
    problems = b.problems(url)
    check(any("planted" in p for p in problems) and
          any("no_such_function" in p for p in problems), f"planted errors missed: {problems}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--out", required=True, help="directory for the page and its screenshots")
    args = ap.parse_args()
    chromium = find_chromium()
    if not chromium:
        print("FAIL chromium: no chromium on PATH (scripts/setup installs Debian's chromium)",
              file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    html = os.path.join(args.out, "report.html")
    svg = os.path.join(args.out, "flamegraph.svg")
    try:
        with tempfile.TemporaryDirectory(prefix="an-test-") as tmp:
            db = build_db(os.path.join(tmp, "c.db"), args.schema,
                          os.path.join(args.fixtures, "fixture_candidates.sql"))
            run_cli_ok(args.cli, "html", "-o", html, db)
            run_cli_ok(args.cli, "flamegraph", "--metric", "cpu", "-o", svg, db)
            q = NASTY.replace("'", "''")
            db = build_db(os.path.join(tmp, "n.db"), args.schema,
                          os.path.join(args.fixtures, "fixture_candidates.sql"),
                          f"UPDATE frames SET function = '{q}' WHERE function = 'new_node';"
                          f"UPDATE meta SET value = '{q}' WHERE key = 'command';")
            others = [("hostile names", os.path.join(tmp, "nasty.html")),
                      ("empty profile", os.path.join(tmp, "empty.html"))]
            run_cli_ok(args.cli, "html", "-o", others[0][1], db)
            db = build_db(os.path.join(tmp, "e.db"), args.schema, None)
            run_cli_ok(args.cli, "html", "-o", others[1][1], db)
            b = Browser(chromium)
            try:
                check_report(b, html, args.out)
                check_svg(b, svg)
                check_other_pages(b, others)
                check_detects_errors(b)
            finally:
                b.close()
    except (Failure, CdpError) as e:
        print(f"FAIL chromium: {e}", file=sys.stderr)
        return 1
    print(f"ok   chromium: screenshot {os.path.abspath(os.path.join(args.out, 'report.png'))}")
    print(f"     and {os.path.abspath(os.path.join(args.out, 'report-cpu-zoomed.png'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
