#! /usr/bin/atf-sh
# bench/paging, the replacement-policy benchmark, driven against stand-in
# vmsh scripts (the real "vmsh replay" is not needed to test the driver):
# the table, the curves' files, the check mode's arithmetic, and the
# errors (no vmsh, a vmsh without "replay", an output it cannot read).
# The LIRS directory is a small one made by each case, with a README in
# the layout of the shared one.

builddir="@CMAKE_BINARY_DIR@"
paging="$builddir/bench/paging"

need_paging() {
	[ -x "$paging" ] || atf_fail "$paging not built"
}

# A LIRS directory: trace "mini" (100 references to 40 blocks) and a
# README giving it a cache of 20 blocks and reference hit ratios.
lirs() {
	mkdir lirs
	i=0
	while [ $i -lt 100 ]; do echo $((i * 7 % 40)); i=$((i + 1)); done |
	    gzip -c > lirs/mini.trc.gz
	cat > lirs/README.md <<'EOF'
| trace (cache) | LRU | CLOCK | ARC | CLOCK-Pro (reference) | OPT |
|---|---|---|---|---|---|
| mini (20) | 10.0 | 10.0 | 10.0 | 30.0 | 40.0 |
EOF
}

# A stand-in vmsh: "replay --sim -p P -m N FILE" prints a fixed hit ratio
# per policy (default 25, clockpro 30.5, lru 10, opt 40).
fake_vmsh() {
	cat > vmsh <<'EOF'
#!/bin/sh
[ "$1" = replay ] || { echo "usage: vmsh ..." >&2; exit 2; }
shift
while [ $# -gt 1 ]; do
	case $1 in
	-p) p=$2; shift 2 ;;
	-m) m=$2; shift 2 ;;
	--sim) shift ;;
	*) exit 2 ;;
	esac
done
[ -r "$1" ] || { echo "vmsh: $1: cannot open" >&2; exit 1; }
case $p in
default) h=250 ;; clockpro) h=305 ;; lru) h=100 ;; opt) h=400 ;;
*) echo "vmsh: unknown policy $p" >&2; exit 2 ;;
esac
echo "replaying with $p in $m pages"
echo "refs=1000 faults=$((1000 - h)) hit=$((h / 10)).$((h % 10))%"
EOF
	chmod +x vmsh
}

atf_test_case table_and_curves
table_and_curves_head() {
	atf_set "descr" "Each policy's faults and hit ratio in the table; .dat and .gp per trace"
	atf_set "require.progs" "gzip"
}
table_and_curves_body() {
	need_paging
	lirs
	fake_vmsh
	atf_check -o save:out -e ignore "$paging" -v ./vmsh -T lirs -t mini \
	    -o curves -j 2
	atf_check -o match:'^mini +100 +20 \|  +750  +25\.0 \|  +695  +30\.5 \|  +900  +10\.0 \|  +600  +40\.0$' cat out
	# the curve: 2% to 100% of the 40-block footprint, 16 blocks at
	# least (so 2, 5, 10, 20 and 35% are all 16): 16, 20, 30, 40
	atf_check -o match:'footprint 40 pages' cat curves/mini.dat
	atf_check -o inline:"16\n20\n30\n40\n" \
	    -x "grep -v '^#' curves/mini.dat | awk '{ print \$1 }'"
	atf_check -o match:'^ +16 +40\.0 +75\.00 +69\.50 +90\.00 +60\.00$' \
	    cat curves/mini.dat
	atf_check -o match:"plot +'mini.dat' using 1:3" cat curves/mini.gp
	atf_check -o match:'^mini ' cat curves/table.txt
}

atf_test_case check_mode
check_mode_head() {
	atf_set "descr" "-c compares CLOCK-Pro with the README's reference column"
	atf_set "require.progs" "gzip"
}
check_mode_body() {
	need_paging
	lirs
	fake_vmsh
	# 30.5 against 30.0: +0.5, within a point: the goal is met
	atf_check -o match:'^mini +20 +30\.5 +30\.0 +\+0\.5 +10\.0 +40\.0  ok$' \
	    -o match:'1 of 1 traces meet their goals' \
	    "$paging" -c -v ./vmsh -T lirs
	# a reference of 35.0: -4.5 points, missed, exit status 1
	sed -i 's/| 30.0 |/| 35.0 |/' lirs/README.md
	atf_check -s exit:1 -o match:'-4\.5 .*MISSED' \
	    -o match:'0 of 1 traces meet their goals' \
	    "$paging" -c -v ./vmsh -T lirs
}

atf_test_case errors
errors_head() {
	atf_set "descr" "No vmsh, a vmsh without replay, an unreadable result: exit 1 with the reason"
	atf_set "require.progs" "gzip"
}
errors_body() {
	need_paging
	lirs
	atf_check -s exit:1 -e match:'vmsh not found at ./nowhere' \
	    "$paging" -v ./nowhere -T lirs -t mini
	printf '#!/bin/sh\necho "usage: vmsh [-knx]" >&2\nexit 2\n' > old
	chmod +x old
	atf_check -s exit:1 -o empty \
	    -e match:'a replay failed' -e match:'does this vmsh have "replay"' \
	    "$paging" -v ./old -T lirs -t mini -o out
	printf '#!/bin/sh\necho "refs=10 faults=x"\n' > bad
	chmod +x bad
	atf_check -s exit:1 -o empty -e match:'last line is not "refs=N' \
	    "$paging" -v ./bad -T lirs -t mini -o out
	atf_check -s exit:1 -e match:'no trace of that name' \
	    "$paging" -v ./bad -T lirs -t nosuch
	atf_check -s exit:2 -e match:'usage' "$paging" -Z
}

atf_init_test_cases() {
	atf_add_test_case table_and_curves
	atf_add_test_case check_mode
	atf_add_test_case errors
}
