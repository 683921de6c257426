#! /usr/bin/atf-sh
# vmsh replay: the last line's format and counts on traces small enough to
# count by hand, both trace formats and gzip, --sim and --real, and the
# errors (unknown policy, a yardstick with --real, a missing or malformed
# trace, a bad -m).

builddir="@CMAKE_BINARY_DIR@"
vmsh="$builddir/tools/vmsh"

# 1 2 3 1 2 3 as a LIRS trace: over two frames LRU misses all six, OPT
# four; over three frames both miss three.
lirs_123() {
	printf '1\n2\n3\n1\n2\n3\n' > t.trc
}

atf_test_case sim_yardsticks
sim_yardsticks_body() {
	lirs_123
	atf_check -o inline:"refs=6 faults=6 hit=0.0%\n" \
	    "$vmsh" replay --sim -p lru -m 2 t.trc
	atf_check -o inline:"refs=6 faults=4 hit=33.3%\n" \
	    "$vmsh" replay -p opt -m 2 t.trc
	atf_check -o inline:"refs=6 faults=3 hit=50.0%\n" \
	    "$vmsh" replay -p lru -m 3 t.trc
	gzip -c t.trc > t.trc.gz
	atf_check -o inline:"refs=6 faults=4 hit=33.3%\n" \
	    "$vmsh" replay -p opt -m 2 t.trc.gz
}

atf_test_case sim_policies
sim_policies_body() {
	# A loop of 50 pages, 20 times, over 40 frames: LRU always misses,
	# CLOCK-Pro keeps most of the loop.
	i=0
	while [ $i -lt 1000 ]; do echo $((i % 50)); i=$((i + 1)); done > loop.trc
	atf_check -o inline:"refs=1000 faults=1000 hit=0.0%\n" \
	    "$vmsh" replay -p lru -m 40 loop.trc
	atf_check -o save:cp.out "$vmsh" replay -p clockpro -m 40 loop.trc
	faults=$(sed -n 's/.*faults=\([0-9]*\).*/\1/p' cp.out)
	[ "$faults" -lt 500 ] || atf_fail "clockpro faulted $faults times"
	atf_check -o save:def.out "$vmsh" replay -p default -m 40 loop.trc
	grep -q '^refs=1000 faults=[0-9]* hit=[0-9.]*%$' def.out ||
	    atf_fail "default: $(cat def.out)"
	# The same run, the same count.
	atf_check -o file:cp.out "$vmsh" replay -p clockpro -m 40 loop.trc
}

atf_test_case libvm_format
libvm_format_body() {
	cat > t.trace <<'EOF2'
# libvm trace v1
0 0x10000 R
0 0x10008 W
1 0x10000 R
0 0x11000 R
0 0x10000 W
EOF2
	# Pages: (0,0x10) (0,0x10) (1,0x10) (0,0x11) (0,0x10): three distinct.
	atf_check -o inline:"refs=5 faults=3 hit=40.0%\n" \
	    "$vmsh" replay -p lru -m 8 t.trace
	atf_check -o inline:"refs=5 faults=3 hit=40.0%\n" \
	    "$vmsh" replay --real -p default -m 1024 t.trace
}

atf_test_case real_replay
real_replay_body() {
	lirs_123
	# Memory holds all three pages: each faults once.
	atf_check -o inline:"refs=6 faults=3 hit=50.0%\n" \
	    "$vmsh" replay --real -p default -m 1024 t.trc
	atf_check -o inline:"refs=6 faults=3 hit=50.0%\n" \
	    "$vmsh" replay --real -p clockpro -m 1024 t.trc
}

atf_test_case errors
errors_body() {
	lirs_123
	atf_check -s exit:2 -e match:"unknown policy" \
	    "$vmsh" replay -p nosuch t.trc
	atf_check -s exit:2 -e match:"unknown policy" \
	    "$vmsh" replay --real -p opt t.trc
	atf_check -s exit:2 -e match:"-m" "$vmsh" replay -m 0 t.trc
	atf_check -s exit:2 -e match:"-m" "$vmsh" replay -m 12x t.trc
	atf_check -s exit:2 -e match:"usage" "$vmsh" replay
	atf_check -s exit:1 -e match:"nosuchfile" \
	    "$vmsh" replay nosuchfile.trc
	printf '1\n2\nbanana\n' > bad.trc
	atf_check -s exit:1 -e match:"bad.trc:3" "$vmsh" replay bad.trc
}

atf_init_test_cases() {
	atf_add_test_case sim_yardsticks
	atf_add_test_case sim_policies
	atf_add_test_case libvm_format
	atf_add_test_case real_replay
	atf_add_test_case errors
}
