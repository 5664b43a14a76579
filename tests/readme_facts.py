#!/usr/bin/env python3
"""readme_facts.py: facts the README states that the code decides. The package list of its
Requirements paragraph names every package scripts/setup installs, and every default it gives for
`--track-every` is the one `arenaprof record --help` prints.
Usage: readme_facts.py SOURCE_DIR ARENAPROF"""
import re
import subprocess
import sys


def fail(what):
    print(f"FAIL readme_facts: {what}")
    sys.exit(1)


def setup_packages(src):
    text = open(f"{src}/scripts/setup").read()
    m = re.search(r"^packages=\((.*?)^\)", text, re.S | re.M)
    if not m:
        fail("no packages=( ... ) in scripts/setup")
    return [w for line in m.group(1).splitlines() for w in line.split("#")[0].split()]


def main():
    src, arenaprof = sys.argv[1], sys.argv[2]
    readme = open(f"{src}/README.md").read()
    m = re.search(r"^Requirements:(.*?)(\n\n|\Z)", readme, re.S | re.M)
    if not m:
        fail("no Requirements paragraph in README.md")
    words = {w.rstrip(".") for w in re.findall(r"[\w.+-]+", m.group(1))}
    packages = setup_packages(src)
    missing = [p for p in packages if p not in words]
    if len(packages) < 10 or missing:
        fail(f"README's Requirements lack {missing} of scripts/setup's {len(packages)} packages")

    help_text = subprocess.run([arenaprof, "record", "--help"], capture_output=True, text=True)
    h = re.search(r"--track-every N.*?\(default (\d+), with\s+--exact (\d+)",
                  help_text.stdout + help_text.stderr, re.S)
    if not h:
        fail("record --help gives no --track-every default")
    default, exact = h.groups()
    flat = re.sub(r"\s+", " ", readme)
    stated = []
    for t in re.finditer(r"--track-every", flat):
        near = flat[t.start():t.start() + 120]
        stated += [("default", d) for d in re.findall(r"default (\d+)|(\d+) by default", near)
                   for d in d if d]
        stated += [("exact", e) for e in re.findall(r"(\d+) with `--exact`", near)]
    if not any(k == "default" for k, _ in stated):
        fail("README states no --track-every default")
    wrong = [(k, v) for k, v in stated if v != (default if k == "default" else exact)]
    if wrong:
        fail(f"README's --track-every defaults {wrong}; record --help: {default}, --exact {exact}")
    print(f"PASS readme_facts: {len(packages)} packages; --track-every {default} "
          f"(--exact {exact}) stated {len(stated)} times")


main()
