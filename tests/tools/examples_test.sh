#! /usr/bin/atf-sh
# Every examples/*.vms runs with vmsh and exits 0, so no example can rot:
# one test case an example, made when the program starts, plus a check
# that every example also passes "vmsh -n" and that there are examples.
#
# Examples run in the test's work directory, so what they write with a
# relative path goes away with it (files.vms opens files.dat there:
# Kyua's work directory is a fresh temporary one); absolute paths are the
# example's own business (the tour writes /tmp/vmsh-tour*.core, as make
# demo does).

builddir="@CMAKE_BINARY_DIR@"
srcdir="@CMAKE_SOURCE_DIR@"

vmsh="$builddir/tools/vmsh"
examples="$srcdir/examples"

# run_example FILE: vmsh FILE in the work directory, exit status 0 and
# no signal; on failure the tail of its output says why.
run_example() {
	[ -x "$vmsh" ] || atf_fail "$vmsh not built"
	timeout 120 "$vmsh" "$1" > out 2> err
	st=$?
	if [ $st -ne 0 ]; then
		tail -n 20 out
		tail -n 20 err >&2
		[ $st -eq 124 ] && atf_fail "$(basename "$1") timed out"
		[ $st -gt 128 ] && atf_fail "$(basename "$1") died of signal $((st - 128))"
		atf_fail "$(basename "$1") exited $st: $(head -n 1 err)"
	fi
}

atf_test_case parse_all
parse_all_head() {
	atf_set "descr" "there are examples, and every one passes vmsh -n"
}
parse_all_body() {
	[ -x "$vmsh" ] || atf_fail "$vmsh not built"
	n=0
	for f in "$examples"/*.vms; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		atf_check -o empty "$vmsh" -n "$f"
	done
	[ $n -gt 0 ] || atf_fail "no examples/*.vms"
}

atf_init_test_cases() {
	atf_add_test_case parse_all
	for f in "$examples"/*.vms; do
		[ -f "$f" ] || continue
		# A test case name: letters, digits and _.
		name=example_$(basename "$f" .vms | tr -c 'A-Za-z0-9_\n' '_')
		eval "atf_test_case $name
${name}_head() {
	atf_set descr \"examples/$(basename "$f") runs and exits 0\"
	atf_set timeout 300
}
${name}_body() {
	run_example '$f'
}"
		atf_add_test_case "$name"
	done
}
