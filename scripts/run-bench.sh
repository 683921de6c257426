#!/bin/sh
# Runs every benchmark of the release build.  Figures and the commands that
# produced them are recorded in docs/PERFORMANCE.md.
set -e
for b in build/bench/*; do
	[ -x "$b" ] || continue
	echo "== $b"
	"$b" "$@"
done
