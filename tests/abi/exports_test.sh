#! /usr/bin/atf-sh
# libvm.so exports the public API and nothing else, so it embeds without
# symbol clashes.

builddir="@CMAKE_BINARY_DIR@"
srcdir="@CMAKE_SOURCE_DIR@"

atf_test_case only_public_symbols
only_public_symbols_head() {
	atf_set "descr" "libvm.so's dynamic symbols are exactly the LIBVM_API functions of include/*.h"
	atf_set "require.progs" "nm"
}
only_public_symbols_body() {
	so="$builddir/libvm.so"
	[ -f "$so" ] || atf_fail "$so not built"
	nm -D --defined-only "$so" | awk '$2 ~ /[TDBRVW]/ {print $3}' | sort \
	    > exported
	sed -n 's/^LIBVM_API[^(]*[[:space:]*]\([a-z_0-9]*\)(.*/\1/p' \
	    "$srcdir"/include/*.h | sort > public
	[ -s public ] || atf_fail "no public functions parsed"
	extra=$(comm -23 exported public)
	[ -z "$extra" ] || atf_fail "exported but not public: $extra"
	missing=$(comm -13 exported public)
	[ -z "$missing" ] || atf_fail "public but not exported: $missing"
}

atf_init_test_cases() {
	atf_add_test_case only_public_symbols
}
