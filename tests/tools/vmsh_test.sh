#! /usr/bin/atf-sh
# vmsh, the libvm shell: scenario tests for every command and view, the
# command line (-c -k -n -x, files, stdin) and the error reports.
#
# Each case writes a small script into its work directory and runs vmsh
# on it under timeout(1), so a hang fails that case instead of stalling
# the suite.  Scripts boot with 16 MiB of physical memory (booting the
# default 256 MiB costs a quarter of a second), and map at fixed addresses
# where the output is compared exactly.
#
# Cases that expose a known vmsh bug say so with atf_expect_fail ("vmsh
# bug: ..."); when the bug is fixed they report "expected failure but
# passed": delete the atf_expect_fail line then.

builddir="@CMAKE_BINARY_DIR@"
srcdir="@CMAKE_SOURCE_DIR@"

vmsh="$builddir/tools/vmsh"
# vmsh runs as $T $TO "$vmsh" ...: a hang becomes exit status 124.
T="timeout"
TO=60
BOOT="boot physmem=16m"

# script [FILE]: the standard input, after a boot line, into FILE (t.vms).
script() {
	{ echo "$BOOT"; cat; } > "${1:-t.vms}"
}

# Every case needs the binary; fail early and clearly without it.
need_vmsh() {
	[ -x "$vmsh" ] || atf_fail "$vmsh not built"
}

# ---- boot and address spaces ------------------------------------------

atf_test_case boot_default
boot_default_head() {
	atf_set "descr" "boot with no options prints what it booted"
}
boot_default_body() {
	need_vmsh
	atf_check -o match:'^booted: [0-9.]+ [KMG]iB of physical memory, [0-9]+ CPU slots, software pmap$' \
	    $T $TO "$vmsh" -c 'boot'
}

atf_test_case boot_options
boot_options_head() {
	atf_set "descr" "boot physmem= ncpu= ndomain= seed= pmap=soft take effect (sysctl hw.*)"
}
boot_options_body() {
	need_vmsh
	cat > t.vms <<'EOF'
boot physmem=32m ncpu=3 ndomain=1 seed=42 pmap=soft
expect sysctl(hw.physmem) == 32m
expect sysctl(hw.ncpu) == 3
expect sysctl(hw.ndomain) == 1
expect sysctl(kern.random_seed) == 42
boot physmem=16m ndomain=2
expect sysctl(hw.ndomain) == 2
expect sysctl(hw.physmem) == 16m
EOF
	cat > expout <<'EOF'
booted: 32 MiB of physical memory, 3 CPU slots, software pmap
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
EOF
	atf_check -o file:expout $T $TO "$vmsh" t.vms
}

atf_test_case boot_host_swap
boot_host_swap_head() {
	atf_set "descr" "boot pmap=host and swap=PATH:SIZE either work or fail with an errno, never a crash"
}
boot_host_swap_body() {
	need_vmsh
	# Both depend on what the host and the libvm build support: accept
	# a boot that says so, or a clean ENOTSUP-style failure.
	$T $TO "$vmsh" -c 'boot physmem=16m pmap=host' > out 2> err
	st=$?
	case $st in
	0)	grep -q '^booted: 16 MiB of physical memory, [0-9]* CPU slots, host pmap$' out ||
		    atf_fail "pmap=host: $(cat out)" ;;
	1)	grep -q '^-c:1: boot: E[A-Z]* (' err ||
		    atf_fail "pmap=host failed without an errno: $(cat err)" ;;
	*)	atf_fail "pmap=host: exit status $st" ;;
	esac
	$T $TO "$vmsh" -c 'boot physmem=16m swap=sw.img:4m; swapinfo' > out 2> err
	st=$?
	case $st in
	0)	grep -q '^sw.img  *4096 ' out || atf_fail "swap: $(cat out)" ;;
	1)	grep -q '^-c:1: boot: E[A-Z]* (' err ||
		    atf_fail "swap failed without an errno: $(cat err)" ;;
	*)	atf_fail "swap: exit status $st" ;;
	esac
}

atf_test_case boot_bad_options
boot_bad_options_head() {
	atf_set "descr" "boot rejects unknown, malformed and out-of-range options with file:line"
}
boot_bad_options_body() {
	need_vmsh
	atf_check -s exit:1 -e inline:'-c:1: boot: unknown or out-of-range option "bogus" (physmem, ncpu, ndomain, pmap, seed, swap)\n' \
	    $T $TO "$vmsh" -c 'boot bogus=1'
	atf_check -s exit:1 -e inline:'-c:1: boot: expected KEY=VALUE, not "physmem"\n' \
	    $T $TO "$vmsh" -c 'boot physmem'
	atf_check -s exit:1 -e inline:'-c:1: boot: pmap is soft or host\n' \
	    $T $TO "$vmsh" -c 'boot pmap=xyz'
	atf_check -s exit:1 -e match:'^-c:1: boot: unknown or out-of-range option "ncpu"' \
	    $T $TO "$vmsh" -c 'boot ncpu=5000'
	atf_check -s exit:1 -e match:'^-c:1: boot: unknown or out-of-range option "ndomain"' \
	    $T $TO "$vmsh" -c 'boot ndomain=65'
	atf_check -s exit:1 -e inline:'-c:1: bad number "abc": expected a number\n' \
	    $T $TO "$vmsh" -c 'boot physmem=abc'
	# Too little memory: libvm's own refusal, reported as an errno.
	atf_check -s exit:1 -e inline:'-c:1: boot: EINVAL (Invalid argument)\n' \
	    $T $TO "$vmsh" -c 'boot physmem=4k'
	# Rejected after a swap= option (under ASan: no leak of its path).
	atf_check -s exit:1 -e inline:'-c:1: boot: pmap is soft or host\n' \
	    $T $TO "$vmsh" -c 'boot swap=sw.img:1m pmap=xyz'
	atf_check -s exit:1 -e inline:'-c:1: boot: expected KEY=VALUE, not "junk"\n' \
	    $T $TO "$vmsh" -c 'boot swap=sw.img:1m junk'
	# A rejected boot runs nothing after it.
	atf_check -s exit:1 -o empty -e ignore $T $TO "$vmsh" -c 'boot x=1; echo after'
}

atf_test_case boot_implicit
boot_implicit_head() {
	atf_set "descr" "commands that need libvm boot it with the defaults"
}
boot_implicit_body() {
	need_vmsh
	atf_check -o inline:'A                pid 100\n' $T $TO "$vmsh" -c 'space A; spaces'
	# The defaults: 256 MiB.
	atf_check -o inline:'hw.physmem: 268435456\n' $T $TO "$vmsh" -c 'sysctl hw.physmem'
}

atf_test_case shutdown
shutdown_head() {
	atf_set "descr" "shutdown releases every space; boot works again after it"
}
shutdown_body() {
	need_vmsh
	script <<'EOF'
space A B
mmap A 64k as x
fill A $x 64k 1
shutdown
spaces
echo after shutdown
shutdown
boot physmem=16m
space A
spaces
EOF
	cat > expout <<'EOF'
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
after shutdown
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
A                pid 100
EOF
	atf_check -o match:'^A: mapped ' -o save:out $T $TO "$vmsh" t.vms
	grep -v '^A: mapped' out > out2
	atf_check -o file:expout cat out2
	# After shutdown the space is gone.
	script <<'EOF'
space A
shutdown
mmap A 4k
EOF
	atf_check -s exit:1 -o ignore -e inline:'t.vms:4: no address space named "A" (create it with "space A")\n' \
	    $T $TO "$vmsh" t.vms
}

atf_test_case space
space_head() {
	atf_set "descr" "space creates named spaces with pids from 100; duplicates and bad names fail"
}
space_body() {
	need_vmsh
	script <<'EOF'
space A b_2 c-3
spaces
EOF
	cat > expout <<'EOF'
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
c-3              pid 102
b_2              pid 101
A                pid 100
EOF
	atf_check -o file:expout $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: space: "A" exists\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; space A"
	atf_check -s exit:1 -o ignore -e match:'^-c:1: space: bad name "1a" \(letters, digits, _ and -, at most 31\)$' \
	    $T $TO "$vmsh" -c "$BOOT; space 1a"
	atf_check -s exit:1 -o ignore -e match:'^-c:1: space: bad name "a{40}"' \
	    $T $TO "$vmsh" -c "$BOOT; space aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	atf_check -s exit:1 -o ignore -e match:'^-c:1: usage: space NAME\.\.\.$' \
	    $T $TO "$vmsh" -c "$BOOT; space"
}

atf_test_case fork
fork_head() {
	atf_set "descr" "fork copies the space copy-on-write: the child reads the parent's bytes, writes stay apart"
}
fork_body() {
	need_vmsh
	script <<'EOF'
space P
mmap P 64k as x
fill P $x 64k "parent"
fork P C
check C $x 64k "parent"
fill C $x 4k "child"
check C $x 4k "child"
check P $x 64k "parent"
fill P $x+8k 4k 7
check C $x+8k 4k "parent"
EOF
	atf_check -o match:'^P \(pid 100\) forked C \(pid 101\)$' $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: fork: "P" is not a free name\n' \
	    $T $TO "$vmsh" -c "$BOOT; space P; fork P P"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: no address space named "Q" (create it with "space Q")\n' \
	    $T $TO "$vmsh" -c "$BOOT; fork Q C"
}

atf_test_case exit_space
exit_space_head() {
	atf_set "descr" "exit NAME releases a space; a bare exit leaves vmsh with status 0"
}
exit_space_body() {
	need_vmsh
	script <<'EOF'
space A B
mmap A 64k as x
fill A $x 64k 1
exit A
spaces
EOF
	atf_check -o match:'^B  +pid 101$' -o not-match:'^A  +pid' $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: no address space named "A" (create it with "space A")\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; exit A; mmap A 4k"
	atf_check -s exit:1 -o ignore -e match:'^-c:1: no address space named "Z"' \
	    $T $TO "$vmsh" -c "$BOOT; exit Z"
	# A bare "exit" is "quit".
	atf_check -o inline:'before\n' $T $TO "$vmsh" -c 'echo before; exit; echo after'
}

atf_test_case spaces
spaces_head() {
	atf_set "descr" "spaces lists nothing before any space exists"
}
spaces_body() {
	need_vmsh
	atf_check -o empty $T $TO "$vmsh" -c 'spaces'
	atf_check -s exit:1 -e match:'usage: spaces' $T $TO "$vmsh" -c 'spaces x'
}

# ---- mmap and friends ----------------------------------------------------

atf_test_case mmap_basic
mmap_basic_head() {
	atf_set "descr" "mmap prints the range, size and protection; as VAR and \$_ hold the address"
}
mmap_basic_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 12k as x
expect $_ == $x
expect $x%4k == 0
echo x=$x
mmap A 1 rw fixed addr=0x20000000
mmap A 1536k r fixed addr=0x30000000 as y
echo y=$y
EOF
	atf_check -o match:'^A: mapped (0x[0-9a-f]+)-0x[0-9a-f]+ \(12 KiB, rw-\)$' \
	    -o match:'^x=0x[0-9a-f]+$' \
	    -o match:'^A: mapped 0x20000000-0x20001000 \(1 B, rw-\)$' \
	    -o match:'^A: mapped 0x30000000-0x30180000 \(1.5 MiB, r--\)$' \
	    -o match:'^y=0x30000000$' \
	    $T $TO "$vmsh" t.vms
}

atf_test_case mmap_prot
mmap_prot_head() {
	atf_set "descr" "mmap PROT: letters, none, ---, a number; the protection is enforced"
}
mmap_prot_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 4k r as r
expect ok access A $r r
expect SEGV_ACCERR access A $r w
mmap A 4k none as n
expect SEGV_ACCERR access A $n r
mmap A 4k --- as n2
expect SEGV_ACCERR access A $n2 r
mmap A 4k 3 as num
expect ok access A $num w
mmap A 4k rwx as all
expect ok access A $all x
mmap A 4k r-x as rx
expect SEGV_ACCERR access A $rx w
expect ok access A $rx x
mmap A 4k rw as rw
expect SEGV_ACCERR access A $rw x
EOF
	atf_check -o match:'\(4 KiB, r--\)' -o match:'\(4 KiB, ---\)' \
	    -o match:'\(4 KiB, rw-\)' -o match:'\(4 KiB, rwx\)' \
	    -o match:'\(4 KiB, r-x\)' $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: bad protection "rwq" (letters r, w, x and -, or none)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mprotect A 0 4k rwq"
	# A word that is no protection is taken for the FLAGS.
	atf_check -s exit:1 -o ignore -e match:'^-c:1: unknown mmap flag "rwq" ' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k rwq"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: mmap: EINVAL (Invalid argument)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k 8"
}

atf_test_case mmap_flags
mmap_flags_head() {
	atf_set "descr" "mmap FLAGS: shared, private, fixed, excl, stack, nocore, prefault_read; unknown flags listed"
}
mmap_flags_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 8k rw fixed addr=0x20000000
expect ENOMEM mmap A 4k rw fixed,excl addr=0x20000000
mmap A 4k rw fixed addr=0x20000000
mmap A 4k rw shared,fixed addr=0x40000000
mmap A 4k private,nocore
mmap A 8k r private,prefault_read
expect EINVAL mmap A 4k rw shared,private
mmap A 64k rw stack,fixed addr=0x50000000
procstat A
EOF
	atf_check -o match:'^A: mapped 0x20000000-0x20002000 \(8 KiB, rw-\)$' \
	    -o match:'^A: mapped 0x20000000-0x20001000 \(4 KiB, rw-\)$' \
	    -o match:'^A: mapped 0x40000000-0x40001000 \(4 KiB, rw-\)$' \
	    -o match:'^  100  +0x5[0-9a-f]+  +0x50010000 rw- .* ---D- ' \
	    $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: unknown mmap flag "bogus" (one of: shared, private, fixed, excl, stack, nocore, guard, anon, nosync, prefault_read, 32bit, super, text)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k rw shared,bogus"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: mmap: unexpected "extra"\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k rw private extra"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: mmap: unexpected "fixed" (FLAGS are one word, comma-separated: shared,fixed)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k rw shared fixed addr=0x20000000"
}

atf_test_case mmap_guard
mmap_guard_head() {
	atf_set "descr" "mmap LEN none guard makes a guard entry (gd in procstat)"
}
mmap_guard_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 64k none guard,fixed addr=0x20000000
mmap A 64k none guard as g
procstat A
expect SIGSEGV access A 0x20000000 r
expect EINVAL mmap A 64k rw guard
expect EINVAL mmap A 64k none guard,private
EOF
	atf_check -o match:'^  100  +0x20000000  +0x20010000 --- .* gd ' \
	    -o match:'^A: mapped 0x[0-9a-f]+-0x[0-9a-f]+ \(64 KiB, ---\)$' \
	    $T $TO "$vmsh" t.vms
}

atf_test_case mmap_addr_hint
mmap_addr_hint_head() {
	atf_set "descr" "mmap addr= without fixed is a hint: never over an existing mapping"
}
mmap_addr_hint_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 4k as x
fill A $x 4k 9
mmap A 4k addr=$x as y
expect $y != $x
check A $x 4k 9
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
}

atf_test_case mmap_max
mmap_max_head() {
	atf_set "descr" "mmap max=PROT bounds mprotect (EACCES) and the initial protection (ENOTSUP)"
}
mmap_max_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 4k r max=r as m
expect EACCES mprotect A $m 4k rw
expect ok mprotect A $m 4k none
expect ok mprotect A $m 4k r
expect ENOTSUP mmap A 4k rw max=r
mmap A 4k r max=rw as m2
expect ok mprotect A $m2 4k rw
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e match:'^-c:1: bad protection "q"' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k max=q"
	# Out of range, refused one way or another (under UBSan: without
	# shifting a 32-bit int out of range on the way).
	atf_check -s exit:1 -o ignore -e match:'^-c:1: (mmap: EINVAL|.*max)' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k max=0x7fffffff"
}

atf_test_case mmap_align
mmap_align_head() {
	atf_set "descr" "mmap align=SHIFT aligns the address; out-of-range shifts are refused"
}
mmap_align_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 4k align=21 as a
expect $a%2m == 0
mmap A 4k align=22 as b
expect $b%4m == 0
mmap A 4k align=12 as c
expect $c%4k == 0
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: mmap: align=SHIFT, 12 to 47\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k align=5"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: mmap: align=SHIFT, 12 to 47\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k align=48"
}

atf_test_case mmap_errors
mmap_errors_head() {
	atf_set "descr" "mmap: zero length EINVAL, bad fd EBADF, bad as VAR, unknown space"
}
mmap_errors_body() {
	need_vmsh
	script <<'EOF'
space A
expect EINVAL mmap A 0
expect EBADF mmap A 4k rw shared fd=99
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: bad variable name "1x"\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k as 1x"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: no address space named "B" (create it with "space B")\n' \
	    $T $TO "$vmsh" -c "$BOOT; mmap B 4k"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: expected a number, not the string "4k"\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A \"4k\""
	atf_check -s exit:1 -o ignore -e inline:'-c:1: mmap: ENOMEM (Cannot allocate memory)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 0xfffffffffffff001"
}

atf_test_case munmap
munmap_head() {
	atf_set "descr" "munmap removes pages: later accesses are SEGV_MAPERR; the rest stays"
}
munmap_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 16k as x
fill A $x 16k 5
munmap A $x+4k 4k
expect SEGV_MAPERR access A $x+4k r
check A $x 4k 5
check A $x+8k 8k 5
expect entries(A) == 2
munmap A $x 16k
expect entries(A) == 0
expect ok munmap A $x 16k
expect EINVAL munmap A $x 0
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
}

atf_test_case mprotect
mprotect_head() {
	atf_set "descr" "mprotect changes protection per page: r, none, back to rw"
}
mprotect_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 12k as x
fill A $x 12k 1
mprotect A $x+4k 4k r
expect SEGV_ACCERR access A $x+4k w
expect ok access A $x+4k r
expect ok access A $x w
mprotect A $x+4k 4k none
expect SEGV_ACCERR access A $x+4k r
mprotect A $x 12k rw
check A $x 12k 1
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e match:'^-c:1: usage: mprotect SPACE ADDR LEN PROT$' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mprotect A 0 4k"
}

atf_test_case madvise
madvise_head() {
	atf_set "descr" "madvise accepts every advice word; data survives all but free; bad advice is listed"
}
madvise_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 16k as x
fill A $x 16k 3
madvise A $x 16k normal
madvise A $x 16k random
madvise A $x 16k sequential
madvise A $x 16k willneed
madvise A $x 16k dontneed
madvise A $x 16k nosync
madvise A $x 16k autosync
madvise A $x 16k nocore
madvise A $x 16k core
check A $x 16k 3
madvise A $x 16k free
expect EINVAL madvise A $x 16k 99
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: unknown advice "bogus" (one of: normal, random, sequential, willneed, dontneed, free, nosync, autosync, nocore, core, protect)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k as x; madvise A \$x 4k bogus"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: one advice only, not "normal,random"\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k as x; madvise A \$x 4k normal,random"
}

atf_test_case minherit
minherit_head() {
	atf_set "descr" "minherit share/copy/none/zero: what the child of a fork sees, checked byte by byte"
}
minherit_body() {
	need_vmsh
	script <<'EOF'
space P
mmap P 16k as x
fill P $x 16k 1
minherit P $x 4k share
minherit P $x+4k 4k copy
minherit P $x+8k 4k none
minherit P $x+12k 4k zero
fork P C
# share: one page for both, writes either way are seen
fill C $x 4k 2
check P $x 4k 2
fill P $x+100 1 9
check C $x+100 1 9
# copy: the child starts with the parent's bytes, then they part
check C $x+4k 4k 1
fill C $x+4k 4k 3
check P $x+4k 4k 1
check C $x+4k 4k 3
# none: not mapped in the child at all
expect SEGV_MAPERR access C $x+8k r
check P $x+8k 4k 1
# zero: fresh zero-filled memory in the child
check C $x+12k 4k 0
check P $x+12k 4k 1
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	# The same checks fail when the inheritance is the default (copy).
	sed '/^minherit/d' t.vms > copy.vms
	atf_check -s exit:1 -o ignore -e match:'^copy\.vms:8: check: 4096 bytes differ; the first at 0x[0-9a-f]+ is 0x01, expected 0x02$' \
	    $T $TO "$vmsh" copy.vms
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: unknown inheritance "bogus" (one of: share, copy, none, zero)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k as x; minherit A \$x 4k bogus"
}

atf_test_case mincore
mincore_head() {
	atf_set "descr" "mincore letters: - not resident, r referenced, m modified, R M through another mapping"
}
mincore_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 16k fixed addr=0x20000000
mincore A 0x20000000 16k
access A 0x20000000 r
access A 0x20001000 w
mincore A 0x20000000 16k as v
expect $v == "rm--"
fork A B
mincore B 0x20000000 16k
mincore A 0x20000000+100 1
expect ENOMEM mincore A 0x1000 4k
EOF
	cat > expout <<'EOF'
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
A: mapped 0x20000000-0x20004000 (16 KiB, rw-)
A: mincore 0x20000000: ----
A: mincore 0x20000000: rm--
A (pid 100) forked B (pid 101)
B: mincore 0x20000000: RM--
A: mincore 0x20000064: r
EOF
	atf_check -o file:expout $T $TO "$vmsh" t.vms
}

atf_test_case mlock
mlock_head() {
	atf_set "descr" "mlock/munlock: W in procstat, pages resident, v_user_wire_count; RLIMIT_MEMLOCK"
}
mlock_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 16k fixed addr=0x20000000
mlock A 0x20000000 8k
mincore A 0x20000000 16k
expect counter(v_user_wire_count) == 2
procstat A
munlock A 0x20000000 8k
expect counter(v_user_wire_count) == 0
procstat A
setrlimit A memlock 4k
expect ENOMEM mlock A 0x20000000 8k
EOF
	atf_check -o match:'^A: mincore 0x20000000: mm--$' \
	    -o match:'^  100  +0x20000000  +0x20002000 rw- .* ----W ' \
	    -o match:'^  100  +0x20002000  +0x20004000 rw- .* ----- ' \
	    -o match:'^  100  +0x20000000  +0x20004000 rw- .* ----- ' \
	    $T $TO "$vmsh" t.vms
}

atf_test_case mlockall
mlockall_head() {
	atf_set "descr" "mlockall current,future wires existing and later mappings; munlockall unwires"
}
mlockall_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 8k fixed addr=0x20000000
mlockall A current,future
mmap A 8k fixed addr=0x30000000
mincore A 0x30000000 8k
procstat A
munlockall A
expect counter(v_user_wire_count) == 0
procstat A
expect EINVAL mlockall A 0
EOF
	atf_check -o match:'^A: mincore 0x30000000: mm$' \
	    -o match:'^  100  +0x20000000  +0x20002000 rw- .* ----W ' \
	    -o match:'^  100  +0x30000000  +0x30002000 rw- .* ----W ' \
	    -o match:'^  100  +0x30000000  +0x30002000 rw- .* ----- ' \
	    $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: unknown mlockall flag "bogus" (one of: current, future)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mlockall A bogus"
}

atf_test_case brk
brk_head() {
	atf_set "descr" "brk grows and shrinks the data segment at VM_DATA_BASE; RLIMIT_DATA bounds it"
}
brk_body() {
	need_vmsh
	script <<'EOF'
space A
brk A 0x10000000+64k
fill A 0x10000000 64k 4
procstat A
brk A 0x10000000+8k
procstat A
expect SEGV_MAPERR access A 0x10000000+8k r
check A 0x10000000 8k 4
expect EINVAL brk A 0
setrlimit A data 1m
expect ENOMEM brk A 0x10000000+2m
EOF
	atf_check -o match:'^  100  +0x10000000  +0x10010000 rw- ' \
	    -o match:'^  100  +0x10000000  +0x10002000 rw- ' \
	    $T $TO "$vmsh" t.vms
}

atf_test_case rlimit
rlimit_head() {
	atf_set "descr" "getrlimit prints limits; setrlimit vmem makes mmap fail with ENOMEM"
}
rlimit_body() {
	need_vmsh
	script <<'EOF'
space A
getrlimit A stack
getrlimit A memlock
setrlimit A vmem 1m
getrlimit A vmem as lim
expect $lim == 1m
mmap A 512k
expect ENOMEM mmap A 1m
setrlimit A vmem infinity
mmap A 1m
setrlimit A data 1m 2m
getrlimit A data
setrlimit A data 4m
getrlimit A data
EOF
	atf_check -o match:'^A: stack limit [0-9]+, max [0-9]+$' \
	    -o match:'^A: memlock limit (infinity|[0-9]+), max (infinity|[0-9]+)$' \
	    -o match:'^A: vmem limit 1048576, max infinity$' \
	    -o match:'^A: data limit 1048576, max 2097152$' \
	    -o match:'^A: data limit 2097152, max 2097152$' \
	    $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: unknown resource "bogus" (one of: data, stack, memlock, as, vmem)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; getrlimit A bogus"
}

atf_test_case rlimit_as_word
rlimit_as_word_head() {
	atf_set "descr" "the resource named \"as\" works as the help says (setrlimit SPACE as CUR)"
}
rlimit_as_word_body() {
	need_vmsh
	script <<'EOF'
space A
setrlimit A as 1m
expect ENOMEM mmap A 2m
setrlimit A as infinity
mmap A 2m
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
}

# ---- memory contents ---------------------------------------------------

atf_test_case write_read
write_read_head() {
	atf_set "descr" "write stores a string's bytes; read prints a hexdump, 16 bytes a line"
}
write_read_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 4k fixed addr=0x20000000
write A 0x20000000 "Hello, world!\n\x01"
write A 0x20000010 'A\tB'
read A 0x20000000 20
read A 0x20000003 3
EOF
	cat > expout <<'EOF'
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
A: mapped 0x20000000-0x20001000 (4 KiB, rw-)
0000000020000000  48 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21 0a 01 00  |Hello, world!...|
0000000020000010  41 5c 74 42                                      |A\tB|
0000000020000003  6c 6f 2c                                         |lo,|
EOF
	atf_check -o file:expout $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: read: at most 64 KiB at once\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; read A 0 65537"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: write: SIGSEGV (SEGV_MAPERR) at 0x1000\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; write A 0x1000 x"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: read: SIGSEGV (SEGV_MAPERR) at 0x1000\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; read A 0x1000 1"
}

atf_test_case fill_check_byte
fill_check_byte_head() {
	atf_set "descr" "fill/check with a byte value; a mismatch names the first differing address"
}
fill_check_byte_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 16k fixed addr=0x20000000
fill A 0x20000000 16k 0xa5
check A 0x20000000 16k 165
read A 0x20000000+5 2
write A 0x20001234 "Z"
write A 0x20002000 "ZZ"
check A 0x20000000 16k 0xa5
echo not reached
EOF
	atf_check -s exit:1 -o match:'a5 a5' -o not-match:'not reached' \
	    -e inline:'t.vms:9: check: 3 bytes differ; the first at 0x20001234 is 0x5a, expected 0xa5\n' \
	    $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: bad pattern "256" (a byte 0-255, "string", addr, rand or rand:SEED)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; fill A 0 1 256"
}

atf_test_case fill_check_zero_byte_message
fill_check_zero_byte_message_head() {
	atf_set "descr" "a check failure prints a zero byte as 0x00, like every other byte"
}
fill_check_zero_byte_message_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 4k fixed addr=0x20000000
write A 0x20000010 "A"
check A 0x20000000 4k 0
EOF
	atf_check -s exit:1 -o ignore \
	    -e inline:'t.vms:5: check: 1 byte differs; the first at 0x20000010 is 0x41, expected 0x00\n' \
	    $T $TO "$vmsh" t.vms
}

atf_test_case fill_check_string
fill_check_string_head() {
	atf_set "descr" "fill/check with a \"string\": byte at va is s[va % len], so any sub-range checks"
}
fill_check_string_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 8k fixed addr=0x20000000
fill A 0x20000000 8k "abcd"
read A 0x20000000 8
check A 0x20000003 5 "abcd"
fill A 0x20001000 4k 'x$y'
check A 0x20001000 4k "x\$y"
read A 0x20001000 3
check A 0x20000000 4k "abce"
EOF
	atf_check -s exit:1 \
	    -o match:'^0000000020000000  61 62 63 64 61 62 63 64  +\|abcdabcd\|$' \
	    -o match:'^0000000020001000  ' \
	    -e inline:'t.vms:10: check: 1024 bytes differ; the first at 0x20000003 is 0x64, expected 0x65\n' \
	    $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: empty string pattern\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; fill A 0 1 \"\""
}

atf_test_case fill_check_addr
fill_check_addr_head() {
	atf_set "descr" "fill/check addr: every 8-byte word holds its own address"
}
fill_check_addr_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 8k fixed addr=0x20000000
fill A 0x20000000 8k addr
read A 0x20000ff0 16
check A 0x20000123 100 addr
fill A 0x20000201 1 0
check A 0x20000000 8k addr
EOF
	atf_check -s exit:1 \
	    -o match:'^0000000020000ff0  f0 0f 00 20 00 00 00 00 f8 0f 00 20 00 00 00 00  \|\.\.\. \.\.\.\.\.\.\. \.\.\.\.\|$' \
	    -e ignore $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore \
	    -e match:'^t\.vms:8: check: 1 byte differs; the first at 0x20000201 is 0x00, expected 0x02$' \
	    $T $TO "$vmsh" t.vms
}

atf_test_case fill_check_rand
fill_check_rand_head() {
	atf_set "descr" "fill/check rand:SEED: reproducible by seed, different seeds differ, rand is rand:0"
}
fill_check_rand_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 64k as x
fill A $x 64k rand:7
check A $x 64k rand:7
check A $x+4097 1000 rand:7
fill A $x+32k 32k rand
check A $x+32k 32k rand:0
check A $x 32k rand:3+4
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	echo 'check A $x 64k rand:8' >> t.vms
	atf_check -s exit:1 -o ignore \
	    -e match:'^t\.vms:10: check: [0-9]+ bytes differ; the first at 0x[0-9a-f]+ is 0x[0-9a-f]+, expected 0x[0-9a-f]+$' \
	    $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e match:'^-c:1: bad number "x": expected a number$' \
	    $T $TO "$vmsh" -c "$BOOT; space A; fill A 0 1 rand:x"
}

atf_test_case fill_check_faults
fill_check_faults_head() {
	atf_set "descr" "fill/check over unmapped or read-only memory fail with the signal and the address"
}
fill_check_faults_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 8k fixed addr=0x20000000
mprotect A 0x20001000 4k r
expect SEGV_ACCERR fill A 0x20000000 8k 1
expect SEGV_MAPERR check A 0x20000000 12k 1
check A 0x20000000 4k 1
fill A 0x20000000 12k 1
EOF
	atf_check -s exit:1 -o ignore \
	    -e inline:'t.vms:8: fill: SIGSEGV (SEGV_ACCERR) at 0x20001000\n' \
	    $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: fill: range wraps around\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; fill A 0xffffffffffff0000 0x10000000 1"
}

atf_test_case touch
touch_head() {
	atf_set "descr" "touch faults pages in (r, w, x); an unmapped page stops it with the address"
}
touch_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 16k rwx fixed addr=0x20000000
mark
touch A 0x20000000 8k
expect delta(v_zfod) == 2
touch A 0x20002000 4k r
touch A 0x20003000 4k x
mincore A 0x20000000 16k
expect SEGV_MAPERR touch A 0x20000000 20k
touch A 0x20003000 8k w
EOF
	atf_check -s exit:1 -o match:'^A: mincore 0x20000000: mmrr$' \
	    -e inline:'t.vms:11: touch: SIGSEGV (SEGV_MAPERR) at 0x20004000\n' \
	    $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: bad access "q" (r, w or x)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; touch A 0 4k q"
}

atf_test_case access
access_head() {
	atf_set "descr" "access: SEGV_MAPERR unmapped, SEGV_ACCERR not allowed, ok otherwise; the report names the address"
}
access_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 4k r fixed addr=0x20000000
expect ok access A 0x20000000 read
expect SEGV_ACCERR access A 0x20000000 write
expect SEGV_ACCERR access A 0x20000000 exec
expect SEGV_MAPERR access A 0x1000 r
expect SIGSEGV access A 0x1000 r
expect EFAULT access A 0x1000 r
access A 0x20000fff w
EOF
	atf_check -s exit:1 -o ignore \
	    -e inline:'t.vms:10: access: SIGSEGV (SEGV_ACCERR) at 0x20000fff\n' \
	    $T $TO "$vmsh" t.vms
}

atf_test_case mark_delta
mark_delta_head() {
	atf_set "descr" "mark snapshots the counters; delta() counts since; counter() sysctl() read them"
}
mark_delta_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 64k as x
mark
touch A $x 16k
expect delta(v_zfod) == 4
expect delta(vm.stats.vm.v_zfod) == 4
expect counter(v_zfod) >= 4
fork A B
fill B $x 8k 1
expect delta(v_cow_faults) == 2
expect delta(v_forks) == 1
mark
expect delta(v_zfod) == 0
expect sysctl(hw.pagesize) == 4096
echo zfod=$(delta(v_zfod)) pages=$(sysctl(hw.pagesize)/1024)k
EOF
	atf_check -o match:'^zfod=0 pages=4k$' $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e match:'^-c:1: bad number "delta\(v_zfod\)": delta\(\) before mark$' \
	    $T $TO "$vmsh" -c "$BOOT; echo \$(delta(v_zfod))"
	atf_check -s exit:1 -o ignore -e match:'^-c:1: bad number "counter\(nosuch\)": no such numeric sysctl$' \
	    $T $TO "$vmsh" -c "$BOOT; echo \$(counter(nosuch))"
	atf_check -s exit:1 -o ignore -e match:'usage: mark' \
	    $T $TO "$vmsh" -c "$BOOT; mark x"
}

atf_test_case res_entries
res_entries_head() {
	atf_set "descr" "res(SPACE,ADDR) counts an entry's resident pages, entries(SPACE) the entries"
}
res_entries_body() {
	need_vmsh
	script <<'EOF'
space A
expect entries(A) == 0
mmap A 64k as x
mmap A 4k r as y
expect entries(A) == 2
expect res(A,$x) == 0
touch A $x+4k 12k
expect res(A,$x+60k) == 3
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e match:'^-c:1: bad number "res\(A,0x1000\)": no map entry there$' \
	    $T $TO "$vmsh" -c "$BOOT; space A; echo \$(res(A,0x1000))"
	atf_check -s exit:1 -o ignore -e match:'^-c:1: bad number "entries\(B\)": no such address space$' \
	    $T $TO "$vmsh" -c "$BOOT; echo \$(entries(B))"
}

# ---- files and shared memory -------------------------------------------

atf_test_case open_close
open_close_head() {
	atf_set "descr" "open prints PATH: fd N and produces N (lowest free first); close frees it; flags, mode"
}
open_close_body() {
	need_vmsh
	umask 022
	script <<'EOF'
open a.dat rdwr,creat as a
expect $_ == $a
open b.dat wronly,creat,excl 600 as b
open a.dat
close $a
open c.dat rdwr,creat,trunc 0x1ed
close $b
expect EBADF close $b
open a.dat 2
echo a=$a b=$b
EOF
	cat > expout <<'EOF'
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
a.dat: fd 0
b.dat: fd 1
a.dat: fd 2
c.dat: fd 0
a.dat: fd 1
a=0 b=1
EOF
	atf_check -o file:expout $T $TO "$vmsh" t.vms
	atf_check -o inline:'644\n' stat -c %a a.dat
	atf_check -o inline:'600\n' stat -c %a b.dat
	atf_check -o inline:'755\n' stat -c %a c.dat
	# The default is rdonly: such a descriptor cannot write.
	script <<'EOF'
open a.dat as r
expect EBADF pwrite $r 0 "x"
expect EINVAL ftruncate $r 0
open a.dat wronly as w
expect EBADF pread $w 0 1
expect ok pwrite $w 0 "x"
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -o inline:'x' cat a.dat
	# trunc empties the file.
	atf_check -o ignore $T $TO "$vmsh" -c "$BOOT; open a.dat rdwr,trunc"
	atf_check -o inline:'0\n' stat -c %s a.dat
}

atf_test_case open_errors
open_errors_head() {
	atf_set "descr" "open: ENOENT, EEXIST, EISDIR, ELOOP (nofollow), EINVAL; bad flags and modes are usage errors"
}
open_errors_body() {
	need_vmsh
	mkdir d
	touch target
	ln -s target lnk
	script <<'EOF'
open e.dat rdwr,creat
expect EEXIST open e.dat rdwr,creat,excl
expect ENOENT open nosuch
expect ENOENT open nosuch/x rdwr,creat
expect ENOENT open ""
expect EISDIR open d rdwr
expect ELOOP open lnk rdonly,nofollow
expect ok open lnk rdonly
expect EINVAL open e.dat 3
expect EINVAL open e.dat rdwr,wronly
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: open: ENOENT (No such file or directory)\n' \
	    $T $TO "$vmsh" -c "$BOOT; open nosuch"
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: unknown open flag "append" (one of: rdonly, wronly, rdwr, creat, excl, trunc, nofollow)\n' \
	    $T $TO "$vmsh" -c "$BOOT; open f rdwr,append"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: bad mode "999" (octal, as chmod takes it: 644)\n' \
	    $T $TO "$vmsh" -c "$BOOT; open f rdwr,creat 999"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: bad mode "rw" (octal, as chmod takes it: 644)\n' \
	    $T $TO "$vmsh" -c "$BOOT; open f rdwr,creat rw"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: mode 17777: more than 07777\n' \
	    $T $TO "$vmsh" -c "$BOOT; open f rdwr,creat 17777"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: usage: open PATH [FLAGS [MODE]] [as VAR]\n' \
	    $T $TO "$vmsh" -c "$BOOT; open"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: usage: open PATH [FLAGS [MODE]] [as VAR]\n' \
	    $T $TO "$vmsh" -c "$BOOT; open f rdwr,creat 644 x"
	# A usage error is never the errno expect wanted.
	atf_check -s exit:1 -o ignore -e match:'unknown open flag "bogus"' \
	    $T $TO "$vmsh" -c "$BOOT; expect EINVAL open f bogus"
	[ -e f ] && atf_fail "a refused open created f"
	true
}

atf_test_case close_fsync
close_fsync_head() {
	atf_set "descr" "fsync writes the dirty pages to the host file (v_vnodepgsout); close and fsync of a bad descriptor are EBADF"
}
close_fsync_body() {
	need_vmsh
	script <<'EOF'
open f.dat rdwr,creat as fd
pwrite $fd 0 8k "12345678"
mark
fsync $fd
expect delta(v_vnodepgsout) == 2
mark
fsync $fd
expect delta(v_vnodepgsout) == 0
expect EBADF fsync 99
expect EBADF close 99
close $fd
expect EBADF fsync $fd
expect EBADF close $fd
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	[ "$(stat -c %s f.dat)" -eq 8192 ] || atf_fail "f.dat: $(stat -c %s f.dat) bytes"
	atf_check -o inline:'1234567812345678' head -c 16 f.dat
	atf_check -s exit:1 -o ignore -e inline:'-c:1: close: EBADF (Bad file descriptor)\n' \
	    $T $TO "$vmsh" -c "$BOOT; close 5"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: descriptor 0x80000000: too large\n' \
	    $T $TO "$vmsh" -c "$BOOT; fsync 0x80000000"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: expected a number, not the string "0"\n' \
	    $T $TO "$vmsh" -c "$BOOT; close \"0\""
	atf_check -s exit:1 -o ignore -e inline:'-c:1: usage: fsync FD\n' \
	    $T $TO "$vmsh" -c "$BOOT; fsync"
}

atf_test_case pwrite_pread
pwrite_pread_head() {
	atf_set "descr" "pwrite FD OFF STRING and pread FD OFF LEN: a hexdump by offset, a short read at the end says so; as VAR counts"
}
pwrite_pread_body() {
	need_vmsh
	script <<'EOF'
open f.dat rdwr,creat as fd
pwrite $fd 0 "Hello, file!\n\x01" as w
echo wrote $w
pwrite $fd 0x10 'A\tB'
pread $fd 0 20
pread $fd 3 3 as r
echo read $r
pread $fd 16 100 as r
echo read $r
pread $fd 100 10 as r
echo read $r
pwrite $fd 1k+1 ""
pread $fd 0 0
EOF
	cat > expout <<'EOF'
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
f.dat: fd 0
wrote 14
0000000000000000  48 65 6c 6c 6f 2c 20 66 69 6c 65 21 0a 01 00 00  |Hello, file!....|
0000000000000010  41 5c 74 42                                      |A\tB|
0000000000000003  6c 6f 2c                                         |lo,|
read 3
0000000000000010  41 5c 74 42                                      |A\tB|
fd 0: read 4 of 100 bytes: end of file
read 4
fd 0: read 0 of 10 bytes: end of file
read 0
EOF
	atf_check -o file:expout $T $TO "$vmsh" t.vms
	atf_check -o inline:'20\n' stat -c %s f.dat
	atf_check -s exit:1 -o ignore -e inline:'-c:1: pread: at most 64 KiB at once\n' \
	    $T $TO "$vmsh" -c "$BOOT; open f.dat; pread 0 0 64k+1"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: pread: EBADF (Bad file descriptor)\n' \
	    $T $TO "$vmsh" -c "$BOOT; pread 0 0 1"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: pwrite: EBADF (Bad file descriptor)\n' \
	    $T $TO "$vmsh" -c "$BOOT; pwrite 3 0 x"
	# A negative offset (past INT64_MAX) is libvm's EINVAL.
	script <<'EOF'
open f.dat rdwr as fd
expect EINVAL pread $fd 0x8000000000000000 1
expect EINVAL pwrite $fd 0x8000000000000000 "x"
expect EINVAL pwrite $fd 0x8000000000000000 1 0
expect EINVAL pread $fd 0x8000000000000000 1 0
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore -e inline:'-c:1: usage: pread FD OFF LEN [PATTERN] [as VAR]\n' \
	    $T $TO "$vmsh" -c "$BOOT; pread 0 0"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: usage: pwrite FD OFF STRING | FD OFF LEN PATTERN [as VAR]\n' \
	    $T $TO "$vmsh" -c "$BOOT; pwrite 0 0"
}

atf_test_case pwrite_pread_pattern
pwrite_pread_pattern_head() {
	atf_set "descr" "pwrite FD OFF LEN PATTERN and pread FD OFF LEN PATTERN: patterns of the file offset; mismatches and short reads"
}
pwrite_pread_pattern_body() {
	need_vmsh
	script <<'EOF'
open f.dat rdwr,creat as fd
pwrite $fd 0 600k rand:3 as n
expect $n == 600k
pread $fd 0 600k rand:3 as n
expect $n == 600k
pread $fd 4097 1000 rand:3
pwrite $fd 8k 8k "abcdefgh"
pread $fd 8k+3 5 "abcdefgh"
pwrite $fd 0 4k addr
pread $fd 0x100 0x100 addr
pread $fd 0x8 8
expect mismatch pread $fd 0 12k addr
expect mismatch pread $fd 596k 8k rand:3
pwrite $fd 0 0 7
pread $fd 0 0 7
EOF
	atf_check -o inline:'booted: 16 MiB of physical memory, 2 CPU slots, software pmap\nf.dat: fd 0\n0000000000000008  08 00 00 00 00 00 00 00                          |........|\n' \
	    $T $TO "$vmsh" t.vms
	[ "$(stat -c %s f.dat)" -eq 614400 ] || atf_fail "f.dat: $(stat -c %s f.dat) bytes"
	script <<'EOF'
open f.dat rdwr as fd
pwrite $fd 0 8k addr
pwrite $fd 0x1231 "Z"
pread $fd 0 8k addr
EOF
	atf_check -s exit:1 -o ignore \
	    -e inline:'t.vms:5: pread: 1 byte differs; the first at offset 0x1231 is 0x5a, expected 0x12\n' \
	    $T $TO "$vmsh" t.vms
	script <<'EOF'
open f.dat rdwr as fd
ftruncate $fd 10
pwrite $fd 0 10 0
pread $fd 0 4k 0
EOF
	atf_check -s exit:1 -o ignore \
	    -e inline:'t.vms:5: pread: read 10 of 4096 bytes: end of file\n' \
	    $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: bad pattern "256" (a byte 0-255, "string", addr, rand or rand:SEED)\n' \
	    $T $TO "$vmsh" -c "$BOOT; pwrite 0 0 1 256"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: pwrite: range wraps around\n' \
	    $T $TO "$vmsh" -c "$BOOT; pwrite 0 0xffffffffffffff00 0x200 1"
}

atf_test_case ftruncate
ftruncate_head() {
	atf_set "descr" "ftruncate shrinks and grows: the tail reads as zeros; read-only or negative is EINVAL"
}
ftruncate_body() {
	need_vmsh
	script <<'EOF'
open f.dat rdwr,creat as fd
pwrite $fd 0 8k 0xaa
ftruncate $fd 100
pread $fd 0 4k 0xaa as n
EOF
	atf_check -s exit:1 -o ignore -e inline:'t.vms:5: pread: read 100 of 4096 bytes: end of file\n' \
	    $T $TO "$vmsh" t.vms
	atf_check -o inline:'100\n' stat -c %s f.dat
	script <<'EOF'
open f.dat rdwr as fd
ftruncate $fd 12k
pread $fd 0 100 0xaa
pread $fd 100 12k-100 0
ftruncate $fd 0
pread $fd 0 1 as n
expect $n == 0
open f.dat rdonly as ro
expect EINVAL ftruncate $ro 4k
expect EINVAL ftruncate $fd 0xffffffffffffffff
expect EBADF ftruncate 99 0
ftruncate $fd 5
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -o inline:'5\n' stat -c %s f.dat
	atf_check -s exit:1 -o ignore -e inline:'-c:1: usage: ftruncate FD LEN\n' \
	    $T $TO "$vmsh" -c "$BOOT; ftruncate 0"
}

atf_test_case shm_open_unlink
shm_open_unlink_head() {
	atf_set "descr" "shm_open /NAME or anon, rdwr,creat by default; shm_unlink removes the name; errno names for every refusal"
}
shm_open_unlink_body() {
	need_vmsh
	script <<'EOF'
shm_open /one as s
shm_open /one rdwr
expect EEXIST shm_open /one rdwr,creat,excl
shm_open anon as a
expect $a == 2
shm_open /ro rdwr,creat 400
expect EACCES shm_open /ro rdwr
shm_open /ro rdonly
shm_unlink /one
expect ENOENT shm_open /one rdwr
expect ENOENT shm_unlink /one
expect EINVAL shm_open one
expect EINVAL shm_unlink one
expect EINVAL shm_open "anon"
expect EINVAL shm_open anon rdonly
expect EINVAL shm_open /x rdwr,creat,nofollow
ftruncate $s 10
pwrite $s 0 "still here"
pread $s 0 10 "still here"
EOF
	cat > expout <<'EOF'
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
/one: fd 0
/one: fd 1
anon: fd 2
/ro: fd 3
/ro: fd 4
EOF
	atf_check -o file:expout $T $TO "$vmsh" t.vms
	long=$(printf '/%01100d' 0)
	atf_check -s exit:1 -o ignore -e inline:'-c:1: shm_open: ENAMETOOLONG (File name too long)\n' \
	    $T $TO "$vmsh" -c "$BOOT; shm_open $long"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: shm_unlink: ENOENT (No such file or directory)\n' \
	    $T $TO "$vmsh" -c "$BOOT; shm_unlink /none"
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: unknown open flag "big" (one of: rdonly, wronly, rdwr, creat, excl, trunc, nofollow)\n' \
	    $T $TO "$vmsh" -c "$BOOT; shm_open /x big"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: usage: shm_unlink NAME\n' \
	    $T $TO "$vmsh" -c "$BOOT; shm_unlink"
	# Names live in libvm: a new boot starts without them.
	atf_check -s exit:1 -o ignore -e inline:'-c:1: shm_open: ENOENT (No such file or directory)\n' \
	    $T $TO "$vmsh" -c "$BOOT; shm_open /b; $BOOT; shm_open /b rdwr"
}

atf_test_case seal_seals
seal_seals_head() {
	atf_set "descr" "seal adds shrink, grow, write, seal; seals prints them and produces the list; EPERM, EBUSY, EINVAL"
}
seal_seals_body() {
	need_vmsh
	script <<'EOF'
space A
shm_open anon as s
ftruncate $s 16k
seals $s
seal $s shrink
expect EPERM ftruncate $s 8k
ftruncate $s 32k
seal $s grow
expect EPERM ftruncate $s 64k
seals $s as v
expect $v == "shrink,grow"
mmap A 32k rw shared fd=$s as p
expect EBUSY seal $s write
munmap A $p 32k
mmap A 32k r shared fd=$s as ro
mmap A 32k rw private fd=$s as pv
seal $s write
expect EACCES mprotect A $ro 32k rw
expect EPERM pwrite $s 0 "x"
expect EPERM pwrite $s 0 1 0
expect EPERM mmap A 32k rw shared fd=$s
write A $pv "private"
seal $s seal
seals $s
expect EPERM seal $s write
expect EPERM seal $s 0
expect EINVAL seal $s 0x10
open f.dat rdwr,creat as f
expect EINVAL seal $f write
expect EINVAL seals $f
expect EBADF seal 99 write
expect EBADF seals 99
EOF
	cat > expout <<'EOF'
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
anon: fd 0
fd 0: seals none
fd 0: seals shrink,grow
fd 0: seals seal,shrink,grow,write
f.dat: fd 1
EOF
	atf_check -o save:out $T $TO "$vmsh" t.vms
	grep -v '^A: mapped ' out > out2
	atf_check -o file:expout cat out2
	atf_check -s exit:1 -o ignore -e inline:'-c:1: unknown seal "future" (one of: seal, shrink, grow, write)\n' \
	    $T $TO "$vmsh" -c "$BOOT; shm_open anon; seal 0 grow,future"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: usage: seal FD SEALS\n' \
	    $T $TO "$vmsh" -c "$BOOT; seal 0"
}

atf_test_case msync
msync_head() {
	atf_set "descr" "msync sync, async, invalidate write back or drop a file mapping's pages; contradictory flags EINVAL, a hole ENOMEM"
}
msync_body() {
	need_vmsh
	script <<'EOF'
space A
open f.dat rdwr,creat as fd
ftruncate $fd 16k
mmap A 16k rw shared,fixed fd=$fd addr=0x20000000
fill A 0x20000000 16k "written!"
mark
msync A 0x20000000 16k
expect delta(v_vnodepgsout) == 4
fill A 0x20000000+4k 4k 1
mark
msync A 0x20000000 16k async
expect delta(v_vnodepgsout) == 1
mark
msync A 0x20000000 16k sync
expect delta(v_vnodepgsout) == 0
msync A 0x20000000 16k invalidate
expect res(A,0x20000000) == 0
check A 0x20000000 4k "written!"
check A 0x20000000+4k 4k 1
msync A 0x20000000+100 0
msync A 0x20000000 4k sync,invalidate
expect EINVAL msync A 0x20000000 4k async,invalidate
expect EINVAL msync A 0x20000000 4k 4
expect ENOMEM msync A 0x30000000 4k
mlock A 0x20000000 4k
expect EBUSY msync A 0x20000000 4k invalidate
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -o inline:'written!written!' head -c 16 f.dat
	atf_check -s exit:1 -o ignore -e inline:'-c:1: unknown msync flag "now" (one of: sync, async, invalidate)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; msync A 0 4k now"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: msync: ENOMEM (Cannot allocate memory)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; msync A 0x20000000 4k"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: usage: msync SPACE ADDR LEN [FLAGS]\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; msync A 0"
}

atf_test_case mmap_fd
mmap_fd_head() {
	atf_set "descr" "mmap fd= off=: shared stores reach the file and pread at once, private ones stay; procstat shows vn and the path"
}
mmap_fd_body() {
	need_vmsh
	script <<'EOF'
space A
open f.dat rdwr,creat as fd
pwrite $fd 0 12k addr
mmap A 8k rw shared,fixed fd=$fd addr=0x20000000
mmap A 8k rw private,fixed fd=$fd addr=0x30000000
mmap A 4k r shared,fixed fd=$fd off=8k addr=0x40000000
mmap A 4k r shared fd=$fd off=0x1010 as u
expect $u%4k == 0x10
read A $u 8
read A 0x40000000 8
write A 0x20000000 "shared"
pread $fd 0 6
read A 0x30000000 6
write A 0x30000000+4k "private"
pread $fd 4k 8
pread $fd 4k 4k addr
pwrite $fd 8k "pwrite"
read A 0x40000000 6
procstat -v A
EOF
	cat > expout <<'EOF'
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
f.dat: fd 0
A: mapped 0x20000000-0x20002000 (8 KiB, rw-, fd 0 off 0)
A: mapped 0x30000000-0x30002000 (8 KiB, rw-, fd 0 off 0)
A: mapped 0x40000000-0x40001000 (4 KiB, r--, fd 0 off 0x2000)
EOF
	atf_check -o save:out $T $TO "$vmsh" t.vms
	head -n 5 out > out5
	atf_check -o file:expout cat out5
	# An offset inside a page: the entry starts at the page, the address
	# produced points at the byte (FreeBSD's mmap).
	grep -Eq '^A: mapped 0x[0-9a-f]+000-0x[0-9a-f]+000 \(4 KiB, r--, fd 0 off 0x1010\)$' out ||
	    atf_fail "offset inside a page: $(cat out)"
	for l in \
	    '^[0-9a-f]{13}010  10 10 00 00 00 00 00 00  +\|\.\.\.\.\.\.\.\.\|$' \
	    '^0000000040000000  00 20 00 00 00 00 00 00  +\|\. \.\.\.\.\.\.\|$' \
	    '^0000000000000000  73 68 61 72 65 64  +\|shared\|$' \
	    '^0000000030000000  73 68 61 72 65 64  +\|shared\|$' \
	    '^0000000000001000  00 10 00 00 00 00 00 00  +\|\.\.\.\.\.\.\.\.\|$' \
	    '^0000000040000000  70 77 72 69 74 65  +\|pwrite\|$' \
	    '^  100  +0x20000000  +0x20002000 rw- .* ----- vn f\.dat$' \
	    '^  100  +0x30000000  +0x30002000 rw- .* C---- vn f\.dat$' \
	    '^  100  +0x40000000  +0x40001000 r-- .* ----- vn f\.dat$'; do
		grep -Eq "$l" out || atf_fail "no line $l in: $(cat out)"
	done
}

atf_test_case mmap_fd_errors
mmap_fd_errors_head() {
	atf_set "descr" "mmap of a descriptor: EACCES by open mode, EINVAL past a shm object's end, text: ETXTBSY both ways and EINVAL shared"
}
mmap_fd_errors_body() {
	need_vmsh
	script <<'EOF'
space A
open f.dat rdwr,creat as rw
pwrite $rw 0 8k 1
open f.dat rdonly as ro
open f.dat wronly as wo
expect EACCES mmap A 4k rw shared fd=$ro
expect ok mmap A 4k rw private fd=$ro
expect EACCES mmap A 4k r shared fd=$wo
expect ETXTBSY mmap A 4k rx private,text fd=$ro
close $rw
close $wo
expect EINVAL mmap A 4k rx shared,text fd=$ro
mmap A 4k rx private,text fd=$ro as t
expect ETXTBSY open f.dat rdwr
expect ETXTBSY open f.dat wronly
munmap A $t 4k
open f.dat rdwr as rw2
shm_open anon rdwr as s
expect EINVAL mmap A 4k r private,text fd=$s
shm_open /ro rdwr,creat
shm_open /ro rdonly as ro2
expect EACCES mmap A 4k rw shared fd=$ro2
expect ok mmap A 4k rw private fd=$ro2
expect EBADF mmap A 4k rw shared fd=99
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: unknown mmap flag "txt" (one of: shared, private, fixed, excl, stack, nocore, guard, anon, nosync, prefault_read, 32bit, super, text)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k r private,txt fd=0"
}

atf_test_case file_sigbus
file_sigbus_head() {
	atf_set "descr" "a mapped page past the end of its file is SIGBUS (BUS_OBJERR) for touch and access, and readable again once the file grows"
}
file_sigbus_body() {
	need_vmsh
	script <<'EOF'
space A
open f.dat rdwr,creat as fd
pwrite $fd 0 16k 7
mmap A 16k rw shared,fixed fd=$fd addr=0x20000000
mmap A 16k rw private,fixed fd=$fd addr=0x30000000
fill A 0x30000000 4k 9
ftruncate $fd 6k
check A 0x20000000 6k 7
check A 0x20000000+6k 2k 0
expect SIGBUS touch A 0x20000000 16k r
expect BUS_OBJERR access A 0x20000000+8k w
expect BUS_OBJERR access A 0x30000000+12k r
check A 0x30000000 4k 9
ftruncate $fd 16k
check A 0x20000000+8k 8k 0
check A 0x30000000+8k 8k 0
touch A 0x20000000 16k r
touch A 0x20000000 8k
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
	script <<'EOF'
space A
open f.dat rdwr,trunc as fd
ftruncate $fd 8k
mmap A 16k r shared,fixed fd=$fd addr=0x20000000
touch A 0x20000000 16k r
EOF
	atf_check -s exit:1 -o ignore -e inline:'t.vms:6: touch: SIGBUS (BUS_OBJERR) at 0x20002000\n' \
	    $T $TO "$vmsh" t.vms
}

atf_test_case shm_size
shm_size_head() {
	atf_set "descr" "shm: pwrite and pread stop at the object's end (a short write is said); a mapping past the end is SIGBUS until the object grows"
}
shm_size_body() {
	need_vmsh
	script <<'EOF'
space A
shm_open anon as s
pwrite $s 0 "nothing" as n
expect $n == 0
ftruncate $s 6k
pwrite $s 6k-2 "abcd" as n
expect $n == 2
pread $s 6k-2 4
mmap A 16k rw shared,fixed fd=$s addr=0x20000000
check A 0x20000000+6k-2 2 "ab"
check A 0x20000000+6k 2k 0
expect BUS_OBJERR access A 0x20000000+8k r
ftruncate $s 16k
fill A 0x20000000+8k 8k "grown..."
pread $s 8k 8k "grown..."
EOF
	cat > expout <<'EOF'
booted: 16 MiB of physical memory, 2 CPU slots, software pmap
anon: fd 0
fd 0: wrote 0 of 7 bytes
fd 0: wrote 2 of 4 bytes
00000000000017fe  61 62                                            |ab|
fd 0: read 2 of 4 bytes: end of file
A: mapped 0x20000000-0x20004000 (16 KiB, rw-, fd 0 off 0)
EOF
	atf_check -o file:expout $T $TO "$vmsh" t.vms
}

atf_test_case shm_fork
shm_fork_head() {
	atf_set "descr" "fork: a shared mapping of shm is one memory in parent and child (no copy); private ones part"
}
shm_fork_body() {
	need_vmsh
	script <<'EOF'
space P
shm_open /sh as s
ftruncate $s 64k
mmap P 32k rw shared fd=$s as sh
mmap P 32k rw private fd=$s off=32k as pv
close $s
fill P $sh 32k "parent.."
fill P $pv 32k "private."
mark
fork P C
fill C $sh 4k "child..."
check P $sh 4k "child..."
fill P $sh+4k 4k "again..."
check C $sh+4k 4k "again..."
expect delta(v_cow_faults) == 0
fill C $pv 4k "childpv."
check P $pv 4k "private."
exit P
check C $sh+8k 24k "parent.."
shm_open /sh rdwr as s2
pread $s2 0 4k "child..."
pread $s2 32k 4k 0
EOF
	atf_check -o match:'^P \(pid 100\) forked C \(pid 101\)$' $T $TO "$vmsh" t.vms
}

# ---- the language ------------------------------------------------------

atf_test_case expect_outcomes
expect_outcomes_head() {
	atf_set "descr" "expect OUTCOME COMMAND: ok, mismatch, errno names, SIGSEGV, signal codes"
}
expect_outcomes_body() {
	need_vmsh
	script <<'EOF'
space A
expect ok mmap A 4k r fixed addr=0x20000000
expect ok echo fine
expect EINVAL mmap A 0
expect ENOMEM mmap A 4k fixed,excl addr=0x20000000
expect SIGSEGV access A 0x20000000 w
expect SEGV_ACCERR access A 0x20000000 w
expect SEGV_MAPERR touch A 0x1000 4k
expect EFAULT write A 0x1000 "x"
expect EINVAL munmap A 0x20000000 0
expect mismatch check A 0x20000000 4k 1
expect ok check A 0x20000000 4k 0
EOF
	atf_check -o match:'^fine$' $T $TO "$vmsh" t.vms
}

atf_test_case expect_failures
expect_failures_head() {
	atf_set "descr" "a failing expect exits 1 with file:line: expected ..., and stops the script"
}
expect_failures_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 4k fixed addr=0x20000000
expect EINVAL mmap A 4k
echo not reached
EOF
	atf_check -s exit:1 -o not-match:'not reached' -o match:mapped \
	    -e inline:'t.vms:4: expected EINVAL from mmap, got success\n' \
	    $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: expected SEGV_MAPERR from access, got SIGSEGV (SEGV_ACCERR) at 0x20000000\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k r fixed addr=0x20000000; expect SEGV_MAPERR access A 0x20000000 w"
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: expected ok from access, got SIGSEGV (SEGV_MAPERR) at 0x1000\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; expect ok access A 0x1000 r"
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: expected ENOMEM from mmap, got EINVAL (Invalid argument)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; expect ENOMEM mmap A 0"
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: expected SIGBUS from access, got success\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k as x; expect SIGBUS access A \$x r"
	atf_check -s exit:1 -o ignore \
	    -e inline:'-c:1: expected ok from check, got 4096 bytes differ; the first at 0x20000000 is 0x00, expected 0x01\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k fixed addr=0x20000000; expect ok check A 0x20000000 4k 1"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: expected mismatch from check, got success\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; mmap A 4k fixed addr=0x20000000; expect mismatch check A 0x20000000 4k 0"
	atf_check -s exit:1 -e match:'^-c:1: expect: unknown outcome "EBOGUS" \(ok, .*an errno name' \
	    $T $TO "$vmsh" -c 'expect EBOGUS echo x'
	atf_check -s exit:1 -e inline:'-c:1: expect: "nosuch" is not a command expect can run\n' \
	    $T $TO "$vmsh" -c 'expect ok nosuch'
	atf_check -s exit:1 -e inline:'-c:1: expect: "repeat" is not a command expect can run\n' \
	    $T $TO "$vmsh" -c 'expect ok repeat 1'
	atf_check -s exit:1 -e inline:'-c:1: expect: "expect" is not a command expect can run\n' \
	    $T $TO "$vmsh" -c 'expect ok expect ok echo'
	atf_check -s exit:1 -e inline:'-c:1: expect: expected OUTCOME COMMAND... or X OP Y\n' \
	    $T $TO "$vmsh" -c 'expect ok'
	# A usage error under expect is not an outcome expect can want.
	atf_check -s exit:1 -e inline:'-c:1: no address space named "B" (create it with "space B")\n' \
	    $T $TO "$vmsh" -c 'expect ENOMEM mmap B 1t'
	atf_check -s exit:1 -e inline:'-c:1: usage: mmap SPACE LEN [PROT [FLAGS]] [addr=A] [max=PROT] [align=SHIFT] [fd=N] [off=N] [as VAR]\n' \
	    $T $TO "$vmsh" -c 'expect EINVAL mmap'
}

atf_test_case expect_compare
expect_compare_head() {
	atf_set "descr" "expect X OP Y: == != < <= > >= on numbers and expressions, == != on strings"
}
expect_compare_body() {
	need_vmsh
	cat > t.vms <<'EOF'
set n 10
set s "abc"
expect 1 == 1
expect $n == 10
expect $n != 11
expect 3 < 4
expect 4 <= 4
expect 5 > 4
expect 5 >= 5
expect 2*3+4 == $n
expect (1+2)*3 == 9
expect 0x10 == 16
expect 1k == 1024
expect 2p == 8k
expect 1g/1m == 1024
expect 17%5 == 2
expect $s == "abc"
expect $s != "abd"
expect "abc" == abc
expect "10" == $n
expect "010" != $n
expect 010 == $n
EOF
	atf_check -o empty $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -e inline:'-c:1: expected $n > 10, but $n is 10 and 10 is 10\n' \
	    $T $TO "$vmsh" -c 'set n 10; expect $n > 10'
	atf_check -s exit:1 -e inline:'-c:1: expected "abc" == "abd"\n' \
	    $T $TO "$vmsh" -c 'set s "abc"; expect $s == "abd"'
	atf_check -s exit:1 -e inline:'-c:1: expect: strings compare with == or != only\n' \
	    $T $TO "$vmsh" -c 'expect "a" < "b"'
	atf_check -s exit:1 -e inline:'-c:1: bad number "x": expected a number\n' \
	    $T $TO "$vmsh" -c 'expect x < 1'
}

atf_test_case expect_compare_bad_number
expect_compare_bad_number_head() {
	atf_set "descr" "expect X != Y with a bad expression (unknown counter, delta before mark) fails, not compares strings"
}
expect_compare_bad_number_body() {
	need_vmsh
	atf_check -s exit:1 -o ignore -e match:'no such numeric sysctl' \
	    $T $TO "$vmsh" -c "$BOOT; expect counter(nosuch) != 0"
	atf_check -s exit:1 -o ignore -e match:'delta\(\) before mark' \
	    $T $TO "$vmsh" -c "$BOOT; expect delta(v_zfod) != 0"
}

atf_test_case echo
echo_head() {
	atf_set "descr" "echo: \$var \${var} \$(expr), double and single quotes, escapes, comments, ;"
}
echo_body() {
	need_vmsh
	cat > t.vms <<'EOF'
set x 5
set h 0x10
set s "a b"
echo $x ${x}z $($x*2+1) $(($x+1)*2) $h $($h)
echo "$s" '$s' "\$s" "${s}!"
echo "t\tq\"\\" "\x41\x62" a"b"'c'
echo "a;b" c # a comment
echo d#e; echo f
echo
echo "  two  spaces  "
EOF
	printf '%s\n' '5 5z 11 12 0x10 16' 'a b $s $s a b!' \
	    "$(printf 't\tq"\\')"' Ab abc' 'a;b c' 'd#e' 'f' '' '  two  spaces  ' > expout
	atf_check -o file:expout $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -e inline:'-c:1: variable $nosuch is not set\n' \
	    $T $TO "$vmsh" -c 'echo $nosuch'
	atf_check -s exit:1 -e inline:'-c:1: missing '"')'"' in "$(1+2"\n' \
	    $T $TO "$vmsh" -c 'echo $(1+2'
	atf_check -s exit:1 -e inline:'-c:1: bad ${...} in "${x"\n' \
	    $T $TO "$vmsh" -c 'set x 1; echo ${x'
}

atf_test_case set
set_head() {
	atf_set "descr" "set NAME [=] VALUE: numbers (hex stays hex), strings, expressions; bad names refused"
}
set_body() {
	need_vmsh
	cat > t.vms <<'EOF'
set a 5
set b = 7
set c $a*$b
set d 0x20
set e $d+1
set f "str ing"
set a $a+1
echo $a $b $c $d $e $f
EOF
	atf_check -o inline:'6 7 35 0x20 0x21 str ing\n' $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -e inline:'-c:1: set: bad variable name "i"\n' \
	    $T $TO "$vmsh" -c 'set i 1'
	atf_check -s exit:1 -e inline:'-c:1: set: bad variable name "1a"\n' \
	    $T $TO "$vmsh" -c 'set 1a 1'
	atf_check -s exit:1 -e inline:'-c:1: set: bad variable name "a-b"\n' \
	    $T $TO "$vmsh" -c 'set a-b 1'
	atf_check -s exit:1 -e inline:'-c:1: set: expected set NAME [=] VALUE\n' \
	    $T $TO "$vmsh" -c 'set a : 1'
	atf_check -s exit:1 -e inline:'-c:1: bad number "1/0": division by zero\n' \
	    $T $TO "$vmsh" -c 'set a 1/0'
	atf_check -s exit:1 -e inline:'-c:1: bad number "0xffffffffffffffff+1": overflow\n' \
	    $T $TO "$vmsh" -c 'set a 0xffffffffffffffff+1'
	atf_check -s exit:1 -e inline:'-c:1: bad number "99999999999999999999": too large\n' \
	    $T $TO "$vmsh" -c 'set a 99999999999999999999'
	atf_check -s exit:1 -e inline:'-c:1: bad number "1-2": negative\n' \
	    $T $TO "$vmsh" -c 'set a 1-2'
	atf_check -s exit:1 -e inline:'-c:1: bad number "5q": trailing characters\n' \
	    $T $TO "$vmsh" -c 'set a 5q'
	atf_check -s exit:1 -e inline:'-c:1: bad number "16t*1m": overflow\n' \
	    $T $TO "$vmsh" -c 'set a 16t*1m'
}

atf_test_case sleep
sleep_head() {
	atf_set "descr" "sleep MS pauses; more than 600000 ms is refused"
}
sleep_body() {
	need_vmsh
	start=$(date +%s%N)
	atf_check -o inline:'a\nb\n' $T $TO "$vmsh" -c 'echo a; sleep 200; echo b'
	end=$(date +%s%N)
	[ $(( (end - start) / 1000000 )) -ge 200 ] || atf_fail "sleep 200 took less than 200 ms"
	atf_check -s exit:1 -e inline:'-c:1: sleep: milliseconds, at most 600000\n' \
	    $T $TO "$vmsh" -c 'sleep 600001'
}

atf_test_case repeat
repeat_head() {
	atf_set "descr" "repeat N ... end runs the body N times with \$i from 0; nests; repeat 0 runs nothing"
}
repeat_body() {
	need_vmsh
	cat > t.vms <<'EOF'
repeat 3
echo i=$i
end
repeat 2; repeat 2; echo $i; end; echo outer $i; end
repeat 0
echo never
end
set n 2
repeat $n*2
echo x$i
end
EOF
	printf '%s\n' i=0 i=1 i=2 0 1 'outer 0' 0 1 'outer 1' x0 x1 x2 x3 > expout
	atf_check -o file:expout $T $TO "$vmsh" t.vms
	atf_check -s exit:1 -e inline:'-c:1: bad number "x": expected a number\n' \
	    $T $TO "$vmsh" -c 'repeat x; echo; end'
	atf_check -s exit:1 -e inline:'-c:1: usage: repeat N ... end\n' \
	    $T $TO "$vmsh" -c 'repeat 1 2; echo; end'
	# A failure inside stops the loop (and the script).
	atf_check -s exit:1 -o inline:'0\n' -e inline:'-c:1: expected 0 == 1, but 0 is 0 and 1 is 1\n' \
	    $T $TO "$vmsh" -c 'repeat 3; echo $i; expect 0 == 1; end'
	# $i outside a loop is an ordinary (unset) variable.
	atf_check -s exit:1 -e inline:'-c:1: variable $i is not set\n' \
	    $T $TO "$vmsh" -c 'echo $i'
}

atf_test_case thread_join
thread_join_head() {
	atf_set "descr" "two threads fill disjoint halves, join, then both halves check; output is prefixed [NAME]"
}
thread_join_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 2m as x
thread left
fill A $x 1m rand:1
echo left done
end
thread right
fill A $x+1m 1m rand:2
end
join left right
check A $x 1m rand:1
check A $x+1m 1m rand:2
thread again
check A $x 2m rand:1
end
join
EOF
	atf_check -s exit:1 -o match:'^\[left\] left done$' \
	    -e match:'^t\.vms:15: \[again\] check: [0-9]+ bytes differ; the first at 0x[0-9a-f]+ ' \
	    -e match:'^t\.vms:17: join: 1 thread failed$' \
	    $T $TO "$vmsh" t.vms
	# Without the failing thread the script passes.
	sed '14,17d' t.vms > ok.vms
	atf_check -o match:'^\[left\] left done$' $T $TO "$vmsh" ok.vms
}

atf_test_case thread_errors
thread_errors_head() {
	atf_set "descr" "threads: names are unique while running, only main joins/boots/quits; unjoined threads are waited for"
}
thread_errors_body() {
	need_vmsh
	atf_check -s exit:1 -e inline:'-c:4: thread: "a" is running\n' \
	    $T $TO "$vmsh" -c "$(printf '%s\n' 'thread a' 'sleep 300' 'end' 'thread a' 'end')"
	atf_check -s exit:1 -e inline:'-c:2: [a] boot: threads are running (join them first)\n-c:4: join: 1 thread failed\n' \
	    $T $TO "$vmsh" -c "$(printf '%s\n' 'thread a' 'boot' 'end' 'join')"
	atf_check -s exit:1 -e inline:'-c:2: [a] join: only the main thread joins\n' \
	    $T $TO "$vmsh" -c "$(printf '%s\n' 'thread a' 'join' 'end')"
	atf_check -s exit:1 -e inline:'-c:2: [a] quit: only the main thread leaves\n' \
	    $T $TO "$vmsh" -c "$(printf '%s\n' 'thread a' 'quit' 'end')"
	atf_check -s exit:1 -e inline:'-c:1: join: no running thread "zz"\n' \
	    $T $TO "$vmsh" -c 'join zz'
	atf_check -s exit:1 -e inline:'-c:1: thread: bad name "1a"\n' \
	    $T $TO "$vmsh" -c "$(printf '%s\n' 'thread 1a' 'end')"
	# Not joined: vmsh waits for it at the end, and its output comes out.
	atf_check -o inline:'[late] done\n' \
	    $T $TO "$vmsh" -c "$(printf '%s\n' 'thread late' 'sleep 100' 'echo done' 'end')"
	# Threads share variables and spaces; a name is free again after join.
	script <<'EOF'
space A
mmap A 64k as x
set v 1
thread t
set v 2
fill A $x 64k $v
end
join t
thread t
check A $x 64k 2
end
join
expect $v == 2
EOF
	atf_check -o ignore $T $TO "$vmsh" t.vms
}

atf_test_case thread_failures_counted
thread_failures_counted_head() {
	atf_set "descr" "under -k, failures in threads and syntax errors in the main stream all count (exit 1), without a data race (TSan)"
}
thread_failures_counted_body() {
	need_vmsh
	printf '%s\n' "$BOOT" 'thread t' 'sleep 20' 'expect 1 == 2' 'end' \
	    'echo "x' 'thread u' 'expect 3 == 4' 'end' 'repeat 1' > t.vms
	atf_check -s exit:1 -o ignore \
	    -e match:'^t\.vms:4: \[t\] expected 1 == 2' \
	    -e match:'^t\.vms:6: unterminated quote$' \
	    -e match:'^t\.vms:8: \[u\] expected 3 == 4' \
	    -e match:'^t\.vms:10: "repeat" block never closed with "end"$' \
	    $T $TO "$vmsh" -k t.vms
}

# ---- views ---------------------------------------------------------------

atf_test_case procstat
procstat_head() {
	atf_set "descr" "procstat -v: FreeBSD's exact header; C N after fork, D for a stack, W when wired"
}
procstat_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 64k fixed addr=0x20000000
fill A 0x20000000 64k 1
mmap A 1m rw stack,fixed addr=0x40000000
mmap A 8k r fixed addr=0x30000000
mlock A 0x30000000 8k
procstat -v A
fork A B
procstat -v B
procstat
EOF
	atf_check -o save:out $T $TO "$vmsh" t.vms
	hdr='  PID              START                END PRT  RES PRES REF SHD FLAG  TP PATH'
	[ "$(grep -c "^$hdr\$" out)" -eq 3 ] || atf_fail "header not printed once per procstat: $(cat out)"
	grep -q '^  100         0x20000000         0x20010000 rw-   16   16   1   0 ----- sw $' out ||
	    atf_fail "anonymous entry: $(cat out)"
	grep -q '^  100         0x30000000         0x30002000 r--    2    2   [0-9]   0 ----W sw $' out ||
	    atf_fail "wired entry: $(cat out)"
	grep -Eq '^  100 +0x4[0-9a-f]+ +0x40100000 rw- +0 +0 +0 +0 ---D- -- $' out ||
	    atf_fail "stack entry: $(cat out)"
	grep -Eq '^  100 +0x40000000 +0x4[0-9a-f]+ --- .* gd $' out ||
	    atf_fail "stack guard: $(cat out)"
	grep -Eq '^  101 +0x20000000 +0x20010000 rw- +16 +16 +2 +0 CN--- sw $' out ||
	    atf_fail "forked entry not C N: $(cat out)"
	# "procstat" alone lists every space by pid, one header.
	sed -n '/^  PID/,$p' out | tail -n +2 > all
	grep -q '^  100 ' all && grep -q '^  101 ' all ||
	    atf_fail "procstat without arguments: $(cat out)"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: no address space named "Z" (create it with "space Z")\n' \
	    $T $TO "$vmsh" -c "$BOOT; procstat -v Z"
}

atf_test_case vmstat
vmstat_head() {
	atf_set "descr" "vmstat (and -s) prints the counters with descriptions, page counts first"
}
vmstat_body() {
	need_vmsh
	atf_check -o save:out $T $TO "$vmsh" -c "$BOOT; vmstat"
	sed -n 2p out | grep -Eq '^ +4096 Total number of pages in system$' ||
	    atf_fail "first line: $(sed -n 2p out)"
	grep -Eq '^ +[0-9]+ Free pages$' out || atf_fail "no free pages line"
	grep -Eq '^ +[0-9]+ Pages zero-filled on demand$' out || atf_fail "no zfod line"
	atf_check -o save:out2 $T $TO "$vmsh" -c "$BOOT; vmstat -s"
	[ "$(wc -l < out2)" -eq "$(wc -l < out)" ] || atf_fail "vmstat -s differs from vmstat"
}

atf_test_case vmstat_zones
vmstat_zones_head() {
	atf_set "descr" "vmstat -z lists the UMA zones in FreeBSD's columns, or says clearly there are none yet; -m likewise"
}
vmstat_zones_body() {
	need_vmsh
	$T $TO "$vmsh" -c "$BOOT; vmstat -z" > out 2> err
	st=$?
	case $st in
	0)	sed -n 2p out | grep -Eq '^ITEM +SIZE +LIMIT +USED +FREE +REQ +FAIL +SLEEP +XDOMAIN$' ||
		    atf_fail "vmstat -z header: $(sed -n 2p out)"
		grep -Eq '^[^:]+: +[0-9]+, +[0-9]+, +[0-9]+, +[0-9]+, +[0-9]+, +[0-9]+, +[0-9]+, +[0-9]+$' out ||
		    atf_fail "vmstat -z: no zone line: $(cat out)"
		[ -s err ] && atf_fail "vmstat -z: $(cat err)" ;;
	1)	[ "$(cat err)" = '-c:1: vmstat -z: this libvm has no UMA zones yet (no vm.zone_stats)' ] ||
		    atf_fail "vmstat -z: $(cat err)" ;;
	*)	atf_fail "vmstat -z: exit status $st: $(cat err)" ;;
	esac
	$T $TO "$vmsh" -c "$BOOT; vmstat -m" > out 2> err
	st=$?
	case $st in
	0)	grep -Eq '^ +Type +InUse +MemUse +Requests +Size\(s\)$' out ||
		    atf_fail "vmstat -m: no header: $(cat out)" ;;
	1)	grep -q '^-c:1: vmstat -m: this libvm has no ' err ||
		    atf_fail "vmstat -m: $(cat err)" ;;
	*)	atf_fail "vmstat -m: exit status $st: $(cat err)" ;;
	esac
	atf_check -s exit:1 -o ignore -e match:'^-c:1: vmstat: unknown flag -q' \
	    $T $TO "$vmsh" -c "$BOOT; vmstat -q"
}

atf_test_case sysctl_read
sysctl_read_head() {
	atf_set "descr" "sysctl -a, a node prefix, NAME, several NAMEs, -n, -d"
}
sysctl_read_body() {
	need_vmsh
	atf_check -o save:all $T $TO "$vmsh" -c "$BOOT; sysctl -a"
	grep -q '^hw.physmem: 16777216$' all || atf_fail "-a: no hw.physmem"
	grep -q '^hw.pagesize: 4096$' all || atf_fail "-a: no hw.pagesize"
	grep -q '^vm.stats.vm.v_page_count: 4096$' all || atf_fail "-a: no v_page_count"
	atf_check -o save:node $T $TO "$vmsh" -c "$BOOT; sysctl vm.stats.vm"
	[ "$(sed 1d node | grep -vc '^vm\.stats\.vm\.')" -eq 0 ] || atf_fail "prefix: other names"
	[ "$(sed 1d node | wc -l)" -eq "$(grep -c '^vm\.stats\.vm\.' all)" ] ||
	    atf_fail "prefix: not every leaf"
	atf_check -o match:'^hw.ncpu: 2$' -o match:'^hw.pagesize: 4096$' \
	    $T $TO "$vmsh" -c "$BOOT; sysctl hw.ncpu hw.pagesize"
	atf_check -o match:'^4096$' -o not-match:'hw\.' $T $TO "$vmsh" -c "$BOOT; sysctl -n hw.pagesize"
	atf_check -o match:'^vm\.max_user_wired: Pages that may be user-wired \(mlock\), system-wide$' \
	    $T $TO "$vmsh" -c "$BOOT; sysctl -d vm.max_user_wired"
	# "hw" is a node: not "hw.ncpu"'s prefix "hw.n".
	atf_check -o match:'^hw\.ncpu: ' -o match:'^hw\.physmem: ' -o not-match:'^vm\.' \
	    $T $TO "$vmsh" -c "$BOOT; sysctl hw"
}

atf_test_case sysctl_write
sysctl_write_head() {
	atf_set "descr" "sysctl NAME=VALUE changes vm.max_user_wired, prints old -> new; -n prints the new value"
}
sysctl_write_body() {
	need_vmsh
	script <<'EOF'
sysctl vm.max_user_wired=100
expect sysctl(vm.max_user_wired) == 100
sysctl -n vm.max_user_wired=0x8
space A
mmap A 64k as x
mlock A $x 32k
mlock A $x+32k 4k
EOF
	# 9 pages are more than 8.
	atf_check -s exit:1 -o match:'^vm\.max_user_wired: [0-9]+ -> 100$' -o match:'^8$' \
	    -e match:'^t\.vms:8: mlock: E[A-Z]+ ' $T $TO "$vmsh" t.vms
	sed 's/=0x8/=16/' t.vms > t16.vms
	atf_check -o match:'^16$' $T $TO "$vmsh" t16.vms
}

atf_test_case sysctl_errors
sysctl_errors_head() {
	atf_set "descr" "sysctl: unknown oid, no name, bad value, read-only and unknown flag fail with file:line"
}
sysctl_errors_body() {
	need_vmsh
	atf_check -s exit:1 -o ignore -e inline:"-c:1: sysctl: unknown oid 'nosuch.oid'\n" \
	    $T $TO "$vmsh" -c "$BOOT; sysctl nosuch.oid"
	atf_check -s exit:1 -o ignore -e inline:"-c:1: sysctl: a name, or -a for all\n" \
	    $T $TO "$vmsh" -c "$BOOT; sysctl"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: sysctl: vm.max_user_wired: bad value "abc"\n' \
	    $T $TO "$vmsh" -c "$BOOT; sysctl vm.max_user_wired=abc"
	atf_check -s exit:1 -o ignore -e match:'^-c:1: sysctl: hw\.physmem=1: ' \
	    $T $TO "$vmsh" -c "$BOOT; sysctl hw.physmem=1"
	atf_check -s exit:1 -o ignore -e match:'^-c:1: sysctl: unknown flag -q' \
	    $T $TO "$vmsh" -c "$BOOT; sysctl -q hw"
}

atf_test_case swapinfo
swapinfo_head() {
	atf_set "descr" "swapinfo prints FreeBSD's header, a line per device and a total; swapon and swapoff"
}
swapinfo_body() {
	need_vmsh
	atf_check -o match:'^Device                1K-blocks     Used    Avail Capacity$' \
	    $T $TO "$vmsh" -c "$BOOT; swapinfo"
	atf_check -s exit:1 -o ignore -e match:'usage: swapinfo' $T $TO "$vmsh" -c "$BOOT; swapinfo -s"
	# One line per device, and a total when there are several.
	atf_check -o save:out $T $TO "$vmsh" -c "$BOOT; swapon a.sw 8m; swapon b.sw 4m; swapinfo"
	grep -q '^a.sw  *8192  *0  *8192  *0%$' out || atf_fail "a.sw: $(cat out)"
	grep -q '^b.sw  *4096  *0  *4096  *0%$' out || atf_fail "b.sw: $(cat out)"
	grep -q '^Total  *12288 ' out || atf_fail "total: $(cat out)"
	atf_check -o save:out $T $TO "$vmsh" -c "$BOOT; swapon a.sw 8m; swapon b.sw 4m; swapoff a.sw; swapinfo"
	grep -q '^a.sw' out && atf_fail "a.sw after swapoff: $(cat out)"
	grep -q '^b.sw  *4096 ' out || atf_fail "b.sw after swapoff: $(cat out)"
	atf_check -s exit:1 -o ignore -e match:'swapon: EBUSY' $T $TO "$vmsh" -c "$BOOT; swapon a.sw 8m; swapon a.sw 8m"
	atf_check -s exit:1 -o ignore -e match:'swapoff: EINVAL' $T $TO "$vmsh" -c "$BOOT; swapoff nosuch.sw"
}

atf_test_case show
show_head() {
	atf_set "descr" "show map|object|page print the entries, objects and pages of the addresses; ENOENT when unmapped"
}
show_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 16k fixed addr=0x20000000
fill A 0x20000000 8k 1
show map A
show object A 0x20000000
show page A 0x20001000
expect ENOENT show object A 0x1000
expect ENOENT show page A 0x1000
expect ENOENT show page A 0x20003000
EOF
	atf_check -o save:out $T $TO "$vmsh" t.vms
	grep -q '0x20000000' out || atf_fail "no address in show: $(cat out)"
	sed -n '/mapped/,$p' out | grep -q '0x20004000' ||
	    atf_fail "show map does not give the entry's end: $(cat out)"
	grep -qi 'object' out || atf_fail "show object names no object"
	grep -q '0x20001000' out || atf_fail "show page does not name its address"
	grep -qi 'page' out || atf_fail "show page names no page"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: show: ENOENT (No such file or directory)\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; show page A 0x1000"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: show: map, object or page, not "bogus"\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; show bogus A 0"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: show object: expected SPACE ADDR\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; show object A"
}

atf_test_case coredump
coredump_head() {
	atf_set "descr" "coredump writes an ELF core: sparse takes less disk than -f; readelf lists PT_LOAD"
	atf_set "require.progs" "readelf"
}
coredump_body() {
	need_vmsh
	script <<'EOF'
space A
mmap A 4m fixed addr=0x20000000
fill A 0x20000000 16k rand:1
coredump A sparse.core as s
coredump A full.core -f as f
expect $s*10 < $f
EOF
	atf_check -o match:'^A: core sparse\.core: [0-9.]+ [KMG]?i?B, [0-9.]+ [KMG]?i?B on disk$' \
	    -o match:'^A: core full\.core: [0-9.]+ MiB, [0-9.]+ MiB on disk \(full\)$' \
	    $T $TO "$vmsh" t.vms
	atf_check -o match:'Elf file type is CORE' \
	    -o match:'^ +LOAD +0x[0-9a-f]+ 0x0+20000000 ' readelf -lW sparse.core
	atf_check -o match:'^ +LOAD +0x[0-9a-f]+ 0x0+20000000 .* 0x400000 0x400000 RW ' \
	    readelf -lW full.core
	s=$(du -k sparse.core | cut -f1)
	f=$(du -k full.core | cut -f1)
	[ "$s" -lt "$f" ] || atf_fail "sparse core takes $s KiB, full $f KiB"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: coredump: expected -f, not "-g"\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; coredump A x.core -g"
	atf_check -s exit:1 -o ignore -e inline:'-c:1: coredump: /nonexistent/x.core: No such file or directory\n' \
	    $T $TO "$vmsh" -c "$BOOT; space A; coredump A /nonexistent/x.core"
}

atf_test_case help
help_head() {
	atf_set "descr" "help lists every command; help COMMAND gives its usage"
}
help_body() {
	need_vmsh
	atf_check -o save:out $T $TO "$vmsh" -c help
	for c in boot shutdown space fork exit spaces mmap munmap mprotect \
	    madvise minherit mincore mlock munlock mlockall munlockall brk \
	    setrlimit getrlimit write fill check read touch access mark \
	    expect echo set sleep repeat thread join procstat vmstat sysctl \
	    swapinfo show coredump help quit open close shm_open shm_unlink \
	    ftruncate fsync pwrite pread seal seals msync; do
		grep -q "^$c " out || grep -q "^$c\$" out || atf_fail "help does not list $c"
	done
	grep -q '^Numbers: ' out || atf_fail "help does not explain numbers"
	atf_check -o inline:'fill SPACE ADDR LEN PATTERN\n    write a pattern: a byte, "string", addr, rand[:SEED]\n' \
	    $T $TO "$vmsh" -c 'help fill'
	atf_check -s exit:1 -e inline:'-c:1: help: no command "nosuch"\n' \
	    $T $TO "$vmsh" -c 'help nosuch'
}

atf_test_case quit
quit_head() {
	atf_set "descr" "quit stops the script: status 0 after success, 1 after a failure under -k"
}
quit_body() {
	need_vmsh
	printf 'echo a\nquit\necho b\n' > t.vms
	atf_check -o inline:'a\n' $T $TO "$vmsh" t.vms
	# Nothing runs after quit, not even later files.
	atf_check -o inline:'a\n' $T $TO "$vmsh" t.vms t.vms
	atf_check -s exit:1 -o empty -e ignore $T $TO "$vmsh" -k -c 'nosuch; quit; echo b'
}

atf_test_case quit_in_block
quit_in_block_head() {
	atf_set "descr" "quit inside a repeat block stops at once, as it does outside"
}
quit_in_block_body() {
	need_vmsh
	atf_check -o inline:'0\n' $T $TO "$vmsh" -c 'repeat 3; echo $i; quit; end; echo after'
}

# ---- the command line ----------------------------------------------------

atf_test_case opt_c
opt_c_head() {
	atf_set "descr" "-c runs commands separated by ';' and newlines, then the files"
}
opt_c_body() {
	need_vmsh
	printf 'echo file\n' > f.vms
	atf_check -o inline:'a\nb\nc\nfile\n' $T $TO "$vmsh" -c 'echo a; echo b
echo c' f.vms
	atf_check -o inline:'a\n' $T $TO "$vmsh" -c ';;echo a;;'
}

atf_test_case opt_x
opt_x_head() {
	atf_set "descr" "-x prints each command to stderr, with +, before it runs"
}
opt_x_body() {
	need_vmsh
	atf_check -o inline:'hi\n3\n' -e inline:'+ echo hi\n+ set v 3\n+ echo 3\n' \
	    $T $TO "$vmsh" -x -c 'echo hi; set v 3; echo $v'
	atf_check -o inline:'0\n1\n' -e inline:'+ repeat 2\n+ echo 0\n+ echo 1\n' \
	    $T $TO "$vmsh" -x -c 'repeat 2; echo $i; end'
}

atf_test_case opt_k
opt_k_head() {
	atf_set "descr" "-k goes on after failed commands and expectations, and exits 1"
}
opt_k_body() {
	need_vmsh
	printf '%s\n' 'echo a' 'nosuch' 'expect 1 == 2' 'echo "x' 'echo b' > t.vms
	atf_check -s exit:1 -o inline:'a\nb\n' \
	    -e inline:'t.vms:2: unknown command "nosuch" (try help)\nt.vms:3: expected 1 == 2, but 1 is 1 and 2 is 2\nt.vms:4: unterminated quote\n' \
	    $T $TO "$vmsh" -k t.vms
	atf_check -s exit:1 -o inline:'a\n' -e ignore $T $TO "$vmsh" t.vms
}

atf_test_case opt_k_repeat
opt_k_repeat_head() {
	atf_set "descr" "-k goes on inside repeat: every iteration runs, as every command of a thread does"
}
opt_k_repeat_body() {
	need_vmsh
	atf_check -s exit:1 -o inline:'0\n1\n2\n' -e ignore \
	    $T $TO "$vmsh" -k -c 'repeat 3; expect 0 == 1; echo $i; end'
}

atf_test_case opt_k_syntax_error_line
opt_k_syntax_error_line_head() {
	atf_set "descr" "-k: the commands before a syntax error on the same line run or not whatever the line's place"
}
opt_k_syntax_error_line_body() {
	need_vmsh
	printf '%s\n' 'echo a; echo "b' 'echo c' > mid.vms
	printf '%s\n' 'echo c' 'echo a; echo "b' > last.vms
	$T $TO "$vmsh" -k mid.vms > mid.out 2>/dev/null
	$T $TO "$vmsh" -k last.vms > last.out 2>/dev/null
	if grep -q '^a$' mid.out; then
		grep -q '^a$' last.out || atf_fail "'echo a' ran before a syntax error on line 1, not on the last line"
	else
		grep -q '^a$' last.out && atf_fail "'echo a' ran before a syntax error on the last line, not on line 1"
	fi
}

atf_test_case opt_n
opt_n_head() {
	atf_set "descr" "-n parses only: nothing runs, syntax errors still exit 1 with file:line"
}
opt_n_body() {
	need_vmsh
	printf '%s\n' 'echo hi' 'fill A 0 1t 0' 'nosuch command' 'repeat 2' 'echo $x' 'end' > t.vms
	atf_check -o empty $T $TO "$vmsh" -n t.vms
	printf '%s\n' 'echo hi' 'echo "x' > bad.vms
	atf_check -s exit:1 -o empty -e inline:'bad.vms:2: unterminated quote\n' $T $TO "$vmsh" -n bad.vms
	printf '%s\n' 'echo hi' 'thread t' 'repeat 1' 'end' > open.vms
	atf_check -s exit:1 -o empty -e inline:'open.vms:2: "thread" block never closed with "end"\n' \
	    $T $TO "$vmsh" -n open.vms
	# -n reads standard input too, even from a terminal-less pipe.
	atf_check -o empty -x "echo 'echo hi' | $T $TO '$vmsh' -n"
}

atf_test_case opt_stdin
opt_stdin_head() {
	atf_set "descr" "without FILE and -c, and with FILE -, commands come from the standard input"
}
opt_stdin_body() {
	need_vmsh
	printf '%s\n' 'echo one' 'repeat 2' 'echo $i' 'end' 'expect 1 == 2' > in.vms
	atf_check -s exit:1 -o inline:'one\n0\n1\n' -e inline:'stdin:5: expected 1 == 2, but 1 is 1 and 2 is 2\n' \
	    -x "$T $TO '$vmsh' < in.vms"
	atf_check -s exit:1 -o inline:'one\n0\n1\n' -e inline:'stdin:5: expected 1 == 2, but 1 is 1 and 2 is 2\n' \
	    -x "$T $TO '$vmsh' - < in.vms"
	atf_check -o empty -x "$T $TO '$vmsh' < /dev/null"
}

atf_test_case interactive
interactive_head() {
	atf_set "descr" "on a terminal: a banner, prompts (... inside a block), errors do not stop it, quit leaves, history is kept"
	atf_set "require.progs" "script"
}
interactive_body() {
	need_vmsh
	printf '%s\n' 'echo hi' 'nosuch' 'repeat 2' 'echo $i' 'end' 'quit' 'echo after' > in
	# script(1) gives vmsh a terminal; HOME is the work directory.
	HOME=$PWD $T $TO script -qec "'$vmsh'" /dev/null < in > out 2>&1
	st=$?
	tr -d '\r' < out > tty
	[ $st -eq 1 ] || atf_fail "exit status $st, not 1 after a failed command"
	grep -q '^vmsh: the libvm shell\.' tty || atf_fail "no banner: $(cat tty)"
	grep -q '^hi$' tty || atf_fail "echo hi: $(cat tty)"
	grep -q '^stdin:2: unknown command "nosuch"' tty || atf_fail "no error: $(cat tty)"
	grep -q '^vmsh> \.\.\. echo \$i$' tty || atf_fail "no continuation prompt: $(cat tty)"
	grep -q '^1$' tty || atf_fail "the loop did not run: $(cat tty)"
	grep -q '^after$' tty && atf_fail "went on after quit"
	grep -q 'repeat' .vmsh_history || atf_fail "no history in \$HOME/.vmsh_history"
}

atf_test_case interactive_syntax_error_status
interactive_syntax_error_status_head() {
	atf_set "descr" "on a terminal, a syntax error or a block left open counts as a failure (exit 1), as in a script"
	atf_set "require.progs" "script"
}
interactive_syntax_error_status_body() {
	need_vmsh
	printf '%s\n' 'echo "x' > in
	HOME=$PWD $T $TO script -qec "'$vmsh'" /dev/null < in > out 2>&1
	st=$?
	[ $st -eq 1 ] || atf_fail "exit status $st after a syntax error"
	printf '%s\n' 'repeat 2' 'echo in' > in
	HOME=$PWD $T $TO script -qec "'$vmsh'" /dev/null < in > out 2>&1
	st=$?
	[ $st -eq 1 ] || atf_fail "exit status $st after a block left open"
}

atf_test_case opt_usage
opt_usage_head() {
	atf_set "descr" "a bad option or a missing file exits 2 with a message"
}
opt_usage_body() {
	need_vmsh
	atf_check -s exit:2 -e match:'^usage: vmsh \[-knx\] \[-c COMMANDS\] \[FILE\.\.\.\]$' \
	    $T $TO "$vmsh" -Q
	atf_check -s exit:2 -e match:'usage: vmsh' $T $TO "$vmsh" -c
	atf_check -s exit:2 -e inline:'vmsh: nosuch.vms: No such file or directory\n' \
	    $T $TO "$vmsh" nosuch.vms
}

atf_test_case multiple_files
multiple_files_head() {
	atf_set "descr" "several files run in order, sharing state, each with its own name in messages; a failure stops the rest"
}
multiple_files_body() {
	need_vmsh
	printf '%s\n' 'set v 7' 'echo first' > a.vms
	printf '%s\n' 'echo second $v' 'expect $v == 8' > b.vms
	printf '%s\n' 'echo third' > c.vms
	atf_check -s exit:1 -o inline:'first\nsecond 7\n' \
	    -e inline:'b.vms:2: expected $v == 8, but $v is 7 and 8 is 8\n' \
	    $T $TO "$vmsh" a.vms b.vms c.vms
}

atf_test_case script_errors
script_errors_head() {
	atf_set "descr" "every kind of script error exits 1 (never a signal) with file:line: first"
}
script_errors_body() {
	need_vmsh
	# One bad line a script, on line 3 (a block: the line it opens).
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		printf '%s\n' "$BOOT" 'space A' "$line" 'echo not reached' > e$n.vms
		$T $TO "$vmsh" e$n.vms > out 2> err
		st=$?
		[ $st -eq 1 ] || atf_fail "exit status $st for: $line ($(cat err))"
		grep -q 'not reached' out && atf_fail "went on after: $line"
		head -n 1 err | grep -q "^e$n\\.vms:3: " ||
		    atf_fail "no file:line for: $line ($(cat err))"
	done <<'EOF'
nosuchcommand 1 2
echo "unterminated
echo 'unterminated
echo "\q"
echo "\x4"
echo "\x00"
end
mmap
mmap B 4k
echo $nosuch
echo ${x
echo $(1+
set x 1/0
set x 0xffffffffffffffff+1
set x 99999999999999999999
set x 1-2
set x 5q
set x ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))
set 1x 5
set x
repeat 2
thread t
repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1; repeat 1
expect
expect BOGUS echo
expect ok nosuch
expect "a" < "b"
expect 1 == 2
sleep 700000
help nosuch
space 1bad
exit nosuch
fork nosuch B
join nosuch
show map nosuch
coredump A /nonexistent/dir/core
expect delta(v_zfod) == 0
expect res(A,0x1000) == 0
expect entries(nosuch) == 0
expect foo(1) == 0
check A 0x1000 1 0
fill A 0 1 "
mmap A 4k rw bogusflag
mprotect A 0 4k rwz
madvise A 0 4k
minherit A 0 4k sideways
access A 0x1000 r
touch A 0x1000 4k
read A 0x1000 1
write A 0x1000 x
mincore A 0 1t
brk A 0
quit now
getrlimit A
setrlimit A data x
mlockall A everything
munlockall
munlockall A B
echo "a"b"c
repeat 1; echo x; end; end
EOF
	[ $n -gt 50 ] || atf_fail "only $n lines read"
	# Too many words in one command.
	awk 'BEGIN { printf "echo"; for (i = 0; i < 5000; i++) printf " w"; printf "\n" }' > long.vms
	atf_check -s exit:1 -e inline:'long.vms:1: too many words in one command\n' $T $TO "$vmsh" long.vms
}

atf_init_test_cases() {
	atf_add_test_case boot_default
	atf_add_test_case boot_options
	atf_add_test_case boot_host_swap
	atf_add_test_case boot_bad_options
	atf_add_test_case boot_implicit
	atf_add_test_case shutdown
	atf_add_test_case space
	atf_add_test_case fork
	atf_add_test_case exit_space
	atf_add_test_case spaces
	atf_add_test_case mmap_basic
	atf_add_test_case mmap_prot
	atf_add_test_case mmap_flags
	atf_add_test_case mmap_guard
	atf_add_test_case mmap_addr_hint
	atf_add_test_case mmap_max
	atf_add_test_case mmap_align
	atf_add_test_case mmap_errors
	atf_add_test_case munmap
	atf_add_test_case mprotect
	atf_add_test_case madvise
	atf_add_test_case minherit
	atf_add_test_case mincore
	atf_add_test_case mlock
	atf_add_test_case mlockall
	atf_add_test_case brk
	atf_add_test_case rlimit
	atf_add_test_case rlimit_as_word
	atf_add_test_case write_read
	atf_add_test_case fill_check_byte
	atf_add_test_case fill_check_zero_byte_message
	atf_add_test_case fill_check_string
	atf_add_test_case fill_check_addr
	atf_add_test_case fill_check_rand
	atf_add_test_case fill_check_faults
	atf_add_test_case touch
	atf_add_test_case access
	atf_add_test_case mark_delta
	atf_add_test_case res_entries
	atf_add_test_case open_close
	atf_add_test_case open_errors
	atf_add_test_case close_fsync
	atf_add_test_case pwrite_pread
	atf_add_test_case pwrite_pread_pattern
	atf_add_test_case ftruncate
	atf_add_test_case shm_open_unlink
	atf_add_test_case seal_seals
	atf_add_test_case msync
	atf_add_test_case mmap_fd
	atf_add_test_case mmap_fd_errors
	atf_add_test_case file_sigbus
	atf_add_test_case shm_size
	atf_add_test_case shm_fork
	atf_add_test_case expect_outcomes
	atf_add_test_case expect_failures
	atf_add_test_case expect_compare
	atf_add_test_case expect_compare_bad_number
	atf_add_test_case echo
	atf_add_test_case set
	atf_add_test_case sleep
	atf_add_test_case repeat
	atf_add_test_case thread_join
	atf_add_test_case thread_errors
	atf_add_test_case thread_failures_counted
	atf_add_test_case procstat
	atf_add_test_case vmstat
	atf_add_test_case vmstat_zones
	atf_add_test_case sysctl_read
	atf_add_test_case sysctl_write
	atf_add_test_case sysctl_errors
	atf_add_test_case swapinfo
	atf_add_test_case show
	atf_add_test_case coredump
	atf_add_test_case help
	atf_add_test_case quit
	atf_add_test_case quit_in_block
	atf_add_test_case opt_c
	atf_add_test_case opt_x
	atf_add_test_case opt_k
	atf_add_test_case opt_k_repeat
	atf_add_test_case opt_k_syntax_error_line
	atf_add_test_case opt_n
	atf_add_test_case opt_stdin
	atf_add_test_case interactive
	atf_add_test_case interactive_syntax_error_status
	atf_add_test_case opt_usage
	atf_add_test_case multiple_files
	atf_add_test_case script_errors
}
