#!/usr/bin/env bash
# One case of bench/real.sh as a ctest: records the program with the arenaprof under test and
# passes when its row says "match: yes" with no flag. Fails with one line when not root or when
# the program's Debian package is not installed (scripts/setup installs it).
# usage: run_case.sh NAME ARENAPROF
set -euo pipefail
name="$1"
arenaprof="$2"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
expect="$src/bench/real/$name.expect"

[ "$(id -u)" -eq 0 ] || { echo "FAIL: recording needs root"; exit 1; }
read -r -a packages <<<"$(sed -n 's/^package=//p' "$expect")"
for package in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
		{ echo "FAIL: Debian package $package is not installed (scripts/setup installs it)"; exit 1; }
done

keep="$(mktemp -d /tmp/arenaprof-real-test.XXXXXX)"
trap 'rm -rf "$keep"' EXIT
"$src/bench/real.sh" --only "$name" --no-install --no-write --arenaprof "$arenaprof" \
	--timeout 120 --keep "$keep" >/dev/null
row="$(cat "$keep/rows.tsv")"
printf '%s\n' "$row" | tr '\t' '\n' | paste -d' ' <(printf '%s\n' program "allocator share" \
	"top site" "top candidate" expected match notes) -
IFS=$'\t' read -r _ _ _ _ _ match notes <<<"$row"
[ "$match" = yes ] || { echo "FAIL: the top candidate is not the expected scope"; exit 1; }
case "$notes" in *FLAG*) echo "FAIL: a candidate wraps a root or a loop"; exit 1 ;; esac
echo "PASS"
