#! /usr/bin/atf-sh
# tracerec(1): Lackey's output in, a libvm page-reference trace out.  The
# input is written by hand in Lackey's layout (instruction fetches at
# column 0, data accesses indented, Valgrind's ==PID== lines mixed in),
# so the cases run without Valgrind; one case records a real program
# when Valgrind is installed.

builddir="@CMAKE_BINARY_DIR@"
tracerec="$builddir/tools/tracerec"

need_tracerec() {
	[ -x "$tracerec" ] || atf_fail "$tracerec not built"
}

# The Lackey sample every case reads.
sample() {
	cat > lk.txt <<'EOF'
==123== Lackey, an example Valgrind tool
==123== Command: ./a.out
==123== 
I  04001000,3
I  04001003,5
 L 1ffefff000,8
I  04001008,2
 S 1ffefff008,8
 S 1ffefff010,8
 M 00601ffe,4
I  0400100a,4
 L 00602000,8
==123== 
==123== Exit code:       0
EOF
}

header='# libvm trace v1'

atf_test_case pages_and_collapsing
pages_and_collapsing_head() {
	atf_set "descr" "Accesses become page references; repeats collapse; M is R then W; a straddling access names both pages"
}
pages_and_collapsing_body() {
	need_tracerec
	sample
	cat > want <<'EOF'
0 0x4001000 R
0 0x1ffefff000 R
0 0x4001000 R
0 0x1ffefff000 W
0 0x601000 R
0 0x601000 W
0 0x602000 R
0 0x602000 W
0 0x4001000 R
0 0x602000 R
EOF
	atf_check -o save:out "$tracerec" lk.txt
	atf_check -o inline:"$header\n" head -n 1 out
	atf_check -o file:want grep -v '^#' out
	# the same from the standard input
	atf_check -o file:out "$tracerec" - < lk.txt
	atf_check -o file:out "$tracerec" < lk.txt
}

atf_test_case options
options_head() {
	atf_set "descr" "-I drops fetches, -a sets the ASID, -n and -s cut, -v counts"
}
options_body() {
	need_tracerec
	sample
	cat > want <<'EOF'
7 0x1ffefff000 R
7 0x1ffefff000 W
7 0x601000 R
7 0x601000 W
7 0x602000 R
7 0x602000 W
7 0x602000 R
EOF
	atf_check -o save:out "$tracerec" -I -a 7 lk.txt
	atf_check -o file:want grep -v '^#' out
	atf_check -o inline:"0 0x4001000 R\n0 0x1ffefff000 R\n0 0x4001000 R\n" \
	    -x "'$tracerec' -n 3 lk.txt | grep -v '^#'"
	atf_check -o inline:"0 0x4001000 R\n0 0x1ffefff000 W\n" \
	    -x "'$tracerec' -s 2 -n 2 lk.txt | grep -v '^#'"
	atf_check -o ignore -e match:'9 accesses read, 5 other lines, 0 references skipped, 10 written, 4 distinct pages' \
	    "$tracerec" -v lk.txt
	atf_check -o inline:"$header\n" -x "'$tracerec' -n 0 lk.txt | grep -v '^# tracerec'"
}

atf_test_case filter
filter_head() {
	atf_set "descr" "-f K drops references to the last K pages, except a first write"
}
filter_body() {
	need_tracerec
	# 1R 2R 1W 1R(dropped) 3R 1W(dropped: written) 4R 1R(dropped) 2R 5W
	printf ' L 1000,4\n L 2000,4\n S 1000,4\n L 1000,4\n L 3000,4\n S 1000,4\n L 4000,4\n L 1000,4\n L 2000,4\n S 5000,4\n' > f.txt
	cat > want <<'EOF'
0 0x1000 R
0 0x2000 R
0 0x1000 W
0 0x3000 R
0 0x4000 R
0 0x2000 R
0 0x5000 W
EOF
	atf_check -o save:out "$tracerec" -f 2 f.txt
	atf_check -o file:want grep -v '^#' out
	atf_check -o match:'^# references to the last 2 pages dropped' cat out
	atf_check -s exit:2 -e match:'bad page count' "$tracerec" -f 257 f.txt
}

atf_test_case gzip_output
gzip_output_head() {
	atf_set "descr" "An output name ending in .gz is written through gzip -9"
	atf_set "require.progs" "gzip"
}
gzip_output_body() {
	need_tracerec
	sample
	atf_check -o save:plain "$tracerec" lk.txt
	atf_check "$tracerec" -o t.trace.gz lk.txt
	atf_check -o file:plain gzip -dc t.trace.gz
	atf_check "$tracerec" -o t.trace lk.txt
	atf_check -o file:plain cat t.trace
}

atf_test_case usage_errors
usage_errors_head() {
	atf_set "descr" "Bad options exit 2, a missing input exits 1"
}
usage_errors_body() {
	need_tracerec
	atf_check -s exit:2 -e match:'usage' "$tracerec" -z
	atf_check -s exit:2 -e match:'bad count' "$tracerec" -n x
	atf_check -s exit:2 -e match:'bad ASID' "$tracerec" -a 4294967296
	atf_check -s exit:2 -e match:'usage' "$tracerec" a b
	atf_check -s exit:1 -e match:'no-such-file' "$tracerec" no-such-file
}

atf_test_case valgrind
valgrind_head() {
	atf_set "descr" "A real program recorded through Valgrind's Lackey"
	atf_set "require.progs" "valgrind"
	atf_set "timeout" "120"
}
valgrind_body() {
	need_tracerec
	valgrind --tool=lackey --trace-mem=yes --log-fd=3 /bin/true \
	    3>&1 >/dev/null 2>/dev/null | "$tracerec" -v -n 5000 -o t.trace \
	    2> stat || atf_fail "recording failed: $(cat stat)"
	grep -q '5000 written' stat || atf_fail "$(cat stat)"
	atf_check -o inline:"$header\n" head -n 1 t.trace
	n=$(grep -c -E '^0 0x[0-9a-f]*000 [RW]$' t.trace)
	[ "$n" -eq 5000 ] || atf_fail "$n references, 5000 expected"
}

atf_init_test_cases() {
	atf_add_test_case pages_and_collapsing
	atf_add_test_case options
	atf_add_test_case filter
	atf_add_test_case gzip_output
	atf_add_test_case usage_errors
	atf_add_test_case valgrind
}
