#! /usr/bin/atf-sh
# The man pages render without mdoc warnings, and every public function of
# include/*.h is documented in some page.

srcdir="@CMAKE_SOURCE_DIR@"

atf_test_case render
render_head() {
	atf_set "descr" "Each page in docs/man renders cleanly with groff -mdoc"
	atf_set "require.progs" "groff"
}
render_body() {
	n=0
	for page in "$srcdir"/docs/man/*.[0-9]; do
		out=$(groff -mdoc -Tutf8 -ww -z "$page" 2>&1)
		[ -z "$out" ] || atf_fail "$page: $out"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || atf_fail "no man pages found"
}

atf_test_case public_api_documented
public_api_documented_head() {
	atf_set "descr" "Every LIBVM_API function is named in a man page"
}
public_api_documented_body() {
	fns=$(sed -n 's/^LIBVM_API[^(]*[[:space:]*]\([a-z_0-9]*\)(.*/\1/p' \
	    "$srcdir"/include/*.h)
	[ -n "$fns" ] || atf_fail "no LIBVM_API functions found"
	for f in $fns; do
		grep -q "\(Nm\|Fn\|Fo\) $f\b" "$srcdir"/docs/man/*.[0-9] ||
		    atf_fail "$f is not documented in docs/man"
	done
}

atf_init_test_cases() {
	atf_add_test_case render
	atf_add_test_case public_api_documented
}
