#!/bin/sh
# Runs the Kyua suite of one build directory and ends with the one line
# "N passed, N failed[, N skipped]".  Broken test programs count as failed.
# Exit status: 0 when nothing failed.
set -u
build=${1:-build-debug}
dir="$build/tests"
[ -f "$dir/Kyuafile" ] || { echo "no test suite in $dir"; echo "0 passed, 1 failed"; exit 1; }
log="$build/kyua-test.log"
db="$build/kyua-results.db"
rm -f "$db"
( cd "$dir" && kyua --logfile="../kyua.log" test --results-file="../kyua-results.db" ) \
    > "$log" 2>&1
status=$?
grep -E ' +-> +' "$log" | grep -v -E ' +-> +(passed|skipped|expected_failure)' || true
# Details of failures, for whoever reads the CI log.
if grep -q -E ' +-> +(failed|broken)' "$log"; then
	kyua report --results-file="$db" --verbose \
	    --results-filter=broken,failed 2>/dev/null | tail -n 200
fi
passed=$(grep -c -E ' +-> +(passed|expected_failure)' "$log")
failed=$(grep -c -E ' +-> +(failed|broken)' "$log")
skipped=$(grep -c -E ' +-> +skipped' "$log")
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
	cat "$log"
	failed=1
fi
# The last line is exactly "N passed, N failed" (the README's contract).
[ "$skipped" -gt 0 ] && echo "($skipped skipped: see kyua report)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ $status -eq 0 ]
