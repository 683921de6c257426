/*
 * Swap reservation and vm.overcommit (vm_swap_reserve.c): every private
 * writable mapping reserves its size in vm.swap_reserved when it is made
 * (mmap, brk, mremap growth, mprotect adding write, fork copying private
 * memory) and gives it back when it goes; under strict accounting
 * (vm.overcommit bit 0) a mapping or a fork that swap cannot back fails
 * with ENOMEM up front and changes nothing.
 *
 * Every case boots 16 MiB of physical memory, without swap unless it
 * adds a file in its work directory, and checks that vm.swap_reserved
 * returns to where it started once its memory is gone: a reservation that
 * outlives its mapping is a leak, one released twice an underflow (and a
 * panic).  vm_shutdown itself checks (INVARIANTS) that nothing is left.
 */
#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api_test.h"

#define	MB		((vm_size_t)1024 * 1024)
#define	PHYSMEM		(16 * MB)

/* ---- sysctls ------------------------------------------------------------- */

static uint64_t
reserved(void)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.swap_reserved", &v, &len, NULL,
	    0));
	ATF_REQUIRE_EQ(sizeof(v), len);
	ATF_REQUIRE_MSG(v % PG == 0, "vm.swap_reserved %ju is not in pages",
	    (uintmax_t)v);
	return (v);
}

static int
get_overcommit(void)
{
	int v = -1;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.overcommit", &v, &len, NULL, 0));
	return (v);
}

static int
try_overcommit(int v)
{
	return (vm_sysctlbyname("vm.overcommit", NULL, NULL, &v, sizeof(v)));
}

static void
set_overcommit(int v)
{
	ATF_REQUIRE_EQ_MSG(0, try_overcommit(v), "vm.overcommit=%d", v);
	ATF_REQUIRE_EQ(v, get_overcommit());
}

#define	RESERVED_IS(want)						\
	ATF_CHECK_EQ_MSG((uint64_t)(want), reserved(),			\
	    "vm.swap_reserved %ju, want %ju", (uintmax_t)reserved(),	\
	    (uintmax_t)(want))

/* ---- boot ---------------------------------------------------------------- */

/* 16 MiB, with swapsize bytes of swap in "swap0" unless 0. */
static void
boot_oc(uint64_t swapsize)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = PHYSMEM;
	c.ncpu = 2;
	c.seed = 1;
	if (swapsize != 0) {
		c.swapfile = "swap0";
		c.swapsize = swapsize;
	}
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	ATF_REQUIRE_EQ(0, get_overcommit());
	ATF_REQUIRE_EQ(0, reserved());
}

static int
nentries(struct vmspace *vs)
{
	size_t n = 0;

	ATF_REQUIRE_EQ(0, vm_procstat(vs, NULL, &n));
	return ((int)n);
}

static int
map_anon(struct vmspace *vs, vm_offset_t *ap, vm_size_t len, int prot)
{
	*ap = 0;
	return (vm_mmap(vs, ap, len, prot, ANON_PRIV, -1, 0));
}

/*
 * Slot i of a row of places 64 MiB apart, so that the cases' mappings
 * never touch: adjacent anonymous mappings merge, or share an object,
 * and the charges the cases expect would follow the merged shapes.
 */
#define	AT(i)		((vm_offset_t)0x100000000 + (vm_offset_t)(i) * 64 * MB)
#define	ANON_AT(vs, i, len, prot)					\
	MAP((vs), AT(i), (len), (prot), ANON_PRIV | VM_MAP_FIXED)

/* ---- cases --------------------------------------------------------------- */

/*
 * vm.overcommit 0 (the default): everything is accounted, nothing is
 * refused, even far beyond swap and memory.
 */
ATF_TC_WITHOUT_HEAD(default_accounts_never_fails);
ATF_TC_BODY(default_accounts_never_fails, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;

	boot_oc(0);
	vs = vs_new();
	a = ANON_AT(vs, 0, 256 * MB, RW);
	RESERVED_IS(256 * MB);
	b = ANON_AT(vs, 5, 4 * MB, RW);
	RESERVED_IS(260 * MB);
	FILL(vs, b, 4 * MB, 0x5a);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, 256 * MB));
	RESERVED_IS(4 * MB);
	/* Part of a mapping: the tail goes back at once. */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, b + 3 * MB, MB));
	RESERVED_IS(3 * MB);
	vmspace_release(vs);
	RESERVED_IS(0);
	vm_shutdown();
}

/*
 * What is charged: private writable memory only.  Read-only, PROT_NONE
 * and guard mappings are not (until write is added); a private writable
 * file mapping is, a shared one is not.
 */
ATF_TC_WITHOUT_HEAD(what_is_charged);
ATF_TC_BODY(what_is_charged, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int fd;

	boot_oc(0);
	vs = vs_new();
	(void)ANON(vs, MB, VM_PROT_READ);
	(void)ANON(vs, MB, VM_PROT_NONE);
	(void)MAP(vs, 0, MB, VM_PROT_NONE, VM_MAP_GUARD);
	RESERVED_IS(0);

	ATF_REQUIRE_EQ(0, vm_open("file", O_RDWR | O_CREAT | O_TRUNC, 0644,
	    &fd));
	ATF_REQUIRE_EQ(0, vm_ftruncate(fd, (off_t)MB));
	a = 0;
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &a, MB, RW, VM_MAP_SHARED, fd, 0));
	RESERVED_IS(0);
	a = 0;
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &a, MB, VM_PROT_READ, VM_MAP_PRIVATE,
	    fd, 0));
	RESERVED_IS(0);
	a = 0;
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &a, MB, RW, VM_MAP_PRIVATE, fd, 0));
	RESERVED_IS(MB);
	/* Writing copies pages into the entry's shadow: no new charge. */
	FILL(vs, a, MB / 2, 0x11);
	RESERVED_IS(MB);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, MB));
	RESERVED_IS(0);
	ATF_REQUIRE_EQ(0, vm_close(fd));
	vmspace_release(vs);
	RESERVED_IS(0);
	vm_shutdown();
}

/*
 * Strict accounting without swap refuses any private writable mapping
 * (ENOMEM, no entry left behind); swap added with vm_swapon makes room,
 * and exactly as much as it has.
 */
ATF_TC_WITHOUT_HEAD(strict_mmap_enomem_until_swapon);
ATF_TC_BODY(strict_mmap_enomem_until_swapon, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;
	int n;

	boot_oc(0);
	set_overcommit(1);
	vs = vs_new();
	n = nentries(vs);
	ATF_CHECK_EQ(ENOMEM, map_anon(vs, &a, PG, RW));
	ATF_CHECK_EQ(n, nentries(vs));
	RESERVED_IS(0);
	/* Read-only memory needs no swap. */
	a = ANON_AT(vs, 0, MB, VM_PROT_READ);
	RESERVED_IS(0);
	n = nentries(vs);
	/*
	 * A fixed mapping over it that cannot be backed fails before the
	 * old mapping goes.
	 */
	b = a;
	ATF_CHECK_EQ(ENOMEM, vm_mmap(vs, &b, MB, RW, ANON_PRIV | VM_MAP_FIXED,
	    -1, 0));
	ATF_CHECK_EQ(n, nentries(vs));
	ACCESS_OK(vs, a, VM_PROT_READ);
	ACCERR(vs, a, VM_PROT_WRITE);
	RESERVED_IS(0);

	ATF_REQUIRE_EQ(0, vm_swapon("swap1", 4 * MB));
	b = ANON_AT(vs, 1, 3 * MB, RW);
	RESERVED_IS(3 * MB);
	ATF_CHECK_EQ(ENOMEM, map_anon(vs, &a, 2 * MB, RW));
	RESERVED_IS(3 * MB);
	a = ANON_AT(vs, 2, MB, RW);
	RESERVED_IS(4 * MB);
	ATF_CHECK_EQ(ENOMEM, map_anon(vs, &a, PG, RW));
	FILL(vs, b, 3 * MB, 0x77);
	EXPECT_FILL(vs, b, 3 * MB, 0x77);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, b, 3 * MB));
	RESERVED_IS(MB);
	b = ANON_AT(vs, 1, 3 * MB, RW);
	RESERVED_IS(4 * MB);
	/*
	 * At the limit, a fixed mapping over charged memory reuses what the
	 * memory it replaces gives back (FreeBSD removes it first).
	 */
	FILL(vs, b, 3 * MB, 0x78);
	b = ANON_AT(vs, 1, 3 * MB, RW);
	RESERVED_IS(4 * MB);
	EXPECT_FILL(vs, b, PG, 0);
	/* Larger than what it replaces: refused, and the old one stays. */
	FILL(vs, b, PG, 0x79);
	ATF_CHECK_EQ(ENOMEM, vm_mmap(vs, &b, 4 * MB, RW, ANON_PRIV |
	    VM_MAP_FIXED, -1, 0));
	RESERVED_IS(4 * MB);
	EXPECT_FILL(vs, b, PG, 0x79);
	vmspace_release(vs);
	RESERVED_IS(0);
	vm_shutdown();
}

/*
 * mprotect adding write to read-only private memory reserves it: its
 * size before it has an object, its whole object once it has one.  Under
 * strict accounting a refusal is ENOMEM and leaves the protection alone;
 * taking write away and giving it back charges nothing more.
 */
ATF_TC_WITHOUT_HEAD(mprotect_write_charges);
ATF_TC_BODY(mprotect_write_charges, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;

	boot_oc(MB);
	vs = vs_new();
	a = ANON_AT(vs, 0, 2 * MB, VM_PROT_READ);
	RESERVED_IS(0);
	set_overcommit(1);
	ATF_CHECK_EQ(ENOMEM, vm_mprotect(vs, a, 2 * MB, RW));
	RESERVED_IS(0);
	ACCERR(vs, a, VM_PROT_WRITE);
	ACCERR(vs, a + 2 * MB - PG, VM_PROT_WRITE);

	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, MB / 2, RW));
	RESERVED_IS(MB / 2);
	FILL(vs, a, MB / 2, 0x42);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, MB / 2, VM_PROT_READ));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, MB / 2, RW));
	RESERVED_IS(MB / 2);
	EXPECT_FILL(vs, a, MB / 2, 0x42);
	ACCERR(vs, a + MB, VM_PROT_WRITE);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, 2 * MB));
	RESERVED_IS(0);

	/* Read faults gave it an object: the whole object is charged. */
	set_overcommit(0);
	b = ANON_AT(vs, 1, 64 * PG, VM_PROT_READ);
	ACCESS_OK(vs, b, VM_PROT_READ);
	ACCESS_OK(vs, b + 63 * PG, VM_PROT_READ);
	RESERVED_IS(0);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, b + 8 * PG, 8 * PG, RW));
	RESERVED_IS(64 * PG);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, b, 64 * PG, RW));
	RESERVED_IS(64 * PG);
	FILL(vs, b, 64 * PG, 0x33);
	vmspace_release(vs);
	RESERVED_IS(0);
	vm_shutdown();
}

/*
 * Entries that share one object (a touched mapping split by mprotect) are
 * charged for it once when the range becomes writable, as FreeBSD's
 * vm_map_protect charges an object and skips the entries it then finds
 * charged: under strict accounting the call succeeds when swap holds the
 * object once, though not once per entry.
 */
ATF_TC_WITHOUT_HEAD(mprotect_write_charges_object_once);
ATF_TC_BODY(mprotect_write_charges_object_once, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot_oc(MB);
	vs = vs_new();
	a = ANON_AT(vs, 0, 128 * PG, VM_PROT_READ);
	ACCESS_OK(vs, a, VM_PROT_READ);
	ACCESS_OK(vs, a + 127 * PG, VM_PROT_READ);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + 64 * PG, PG, VM_PROT_NONE));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + 96 * PG, PG, VM_PROT_NONE));
	RESERVED_IS(0);
	set_overcommit(1);
	/* Five entries of one 128-page object; swap holds 256 pages. */
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 128 * PG, RW));
	RESERVED_IS(128 * PG);
	FILL(vs, a, 128 * PG, 0x5a);
	EXPECT_FILL(vs, a, 128 * PG, 0x5a);
	vmspace_release(vs);
	RESERVED_IS(0);
	vm_shutdown();
}

/*
 * A fork that swap cannot back fails with ENOMEM before anything
 * changes: the parent's memory is neither copy-on-write nor charged
 * more, and writes in place.  With more swap the same fork works and
 * charges each side's future copies; everything goes back on exit.
 */
ATF_TC_WITHOUT_HEAD(strict_fork_enomem_parent_unchanged);
ATF_TC_BODY(strict_fork_enomem_parent_unchanged, tc)
{
	struct vmspace *parent, *child = NULL;
	vm_offset_t a;
	size_t i, n;
	int forks;

	boot_oc(4 * MB);
	set_overcommit(1);
	parent = vs_new();
	a = ANON_AT(parent, 0, 3 * MB, RW);
	FILL(parent, a, 3 * MB, 0x61);
	RESERVED_IS(3 * MB);

	/* The child's copy and the parent's own both need 3 MiB more. */
	ATF_CHECK_EQ(ENOMEM, vmspace_fork(parent, &child));
	ATF_CHECK(child == NULL);
	RESERVED_IS(3 * MB);
	n = PSTAT(parent);
	forks = 0;
	for (i = 0; i < n; i++) {
		if (kve[i].kve_start != a)
			continue;
		forks++;
		ATF_CHECK_EQ_MSG(0, kve[i].kve_flags &
		    (VM_KVME_FLAG_COW | VM_KVME_FLAG_NEEDS_COPY),
		    "the parent's memory became copy-on-write (flags %#x)",
		    kve[i].kve_flags);
	}
	ATF_CHECK_EQ(1, forks);
	EXPECT_FILL(parent, a, 3 * MB, 0x61);
	FILL(parent, a, 3 * MB, 0x62);
	RESERVED_IS(3 * MB);

	ATF_REQUIRE_EQ(0, vm_swapon("swap1", 8 * MB));
	ATF_REQUIRE_EQ(0, vmspace_fork(parent, &child));
	RESERVED_IS(9 * MB);
	EXPECT_FILL(child, a, 3 * MB, 0x62);
	FILL(child, a, MB, 0x63);
	FILL(parent, a + MB, MB, 0x64);
	RESERVED_IS(9 * MB);
	EXPECT_FILL(parent, a, MB, 0x62);
	EXPECT_FILL(child, a + MB, MB, 0x62);
	/*
	 * The child's copy goes, and the object both shared folds into the
	 * parent's copy (collapse): one charge is left.
	 */
	vmspace_release(child);
	RESERVED_IS(3 * MB);
	FILL(parent, a, 3 * MB, 0x65);
	vmspace_release(parent);
	RESERVED_IS(0);
	vm_shutdown();
}

/*
 * The charges follow every kind of inheritance through forks, writes
 * and exits, and come back to where they started: COPY (before and after
 * the memory has an object, and of memory already copy-on-write), SHARE,
 * NONE and ZERO.
 */
ATF_TC_WITHOUT_HEAD(fork_inheritance_accounting);
ATF_TC_BODY(fork_inheritance_accounting, tc)
{
	struct vmspace *p, *c1, *c2, *c3;
	vm_offset_t cp, untouched, sh, none, zero;

	boot_oc(0);
	p = vs_new();
	cp = ANON_AT(p, 0, 32 * PG, RW);
	untouched = ANON_AT(p, 1, 16 * PG, RW);
	sh = ANON_AT(p, 2, 8 * PG, RW);
	none = ANON_AT(p, 3, 4 * PG, RW);
	zero = ANON_AT(p, 4, 2 * PG, RW);
	ATF_REQUIRE_EQ(0, vm_minherit(p, sh, 8 * PG, VM_INHERIT_SHARE));
	ATF_REQUIRE_EQ(0, vm_minherit(p, none, 4 * PG, VM_INHERIT_NONE));
	ATF_REQUIRE_EQ(0, vm_minherit(p, zero, 2 * PG, VM_INHERIT_ZERO));
	FILL(p, cp, 32 * PG, 1);
	FILL(p, sh, 8 * PG, 2);
	FILL(p, zero, 2 * PG, 3);
	RESERVED_IS(62 * PG);

	/*
	 * cp: both sides (32 + 32); untouched: the child (16); sh and none:
	 * nothing; zero: the child's new memory (2).
	 */
	ATF_REQUIRE_EQ(0, vmspace_fork(p, &c1));
	RESERVED_IS(62 * PG + 82 * PG);
	FILL(c1, cp, 32 * PG, 4);
	FILL(p, cp, 16 * PG, 5);
	FILL(c1, untouched, 16 * PG, 6);
	FILL(c1, sh, 8 * PG, 7);
	EXPECT_FILL(p, sh, 8 * PG, 7);
	EXPECT_FILL(c1, zero, 2 * PG, 0);
	RESERVED_IS(144 * PG);

	/* A fork of memory that is copy-on-write already. */
	ATF_REQUIRE_EQ(0, vmspace_fork(p, &c2));
	ATF_REQUIRE_EQ(0, vmspace_fork(c1, &c3));
	FILL(c2, cp, 32 * PG, 8);
	FILL(c3, untouched, 8 * PG, 9);
	vmspace_release(c1);
	FILL(p, cp, 32 * PG, 10);
	vmspace_release(c3);
	EXPECT_FILL(c2, cp, 32 * PG, 8);
	vmspace_release(c2);
	/* Only the parent is left: its own memory, charged once. */
	EXPECT_FILL(p, cp, 32 * PG, 10);
	ATF_REQUIRE_EQ(0, vm_munmap(p, cp, 32 * PG));
	ATF_REQUIRE_EQ(0, vm_munmap(p, untouched, 16 * PG));
	ATF_REQUIRE_EQ(0, vm_munmap(p, sh, 8 * PG));
	ATF_REQUIRE_EQ(0, vm_munmap(p, none, 4 * PG));
	ATF_REQUIRE_EQ(0, vm_munmap(p, zero, 2 * PG));
	RESERVED_IS(0);
	vmspace_release(p);
	RESERVED_IS(0);
	vm_shutdown();
}

/*
 * mremap: growth is charged (and refused under strict accounting with
 * nothing changed), a move carries the charge, a shrink gives back the
 * tail, a duplicate shares the charge of the object both views map.
 */
ATF_TC_WITHOUT_HEAD(mremap_accounting);
ATF_TC_BODY(mremap_accounting, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b, d, blocker;

	boot_oc(4 * MB);
	vs = vs_new();
	a = ANON_AT(vs, 0, MB, RW);
	FILL(vs, a, MB / 2, 0x21);
	RESERVED_IS(MB);

	/* Grow in place (or moved: the hint is only a hint). */
	b = a;
	ATF_REQUIRE_EQ(0, vm_mremap(vs, a, MB, &b, 2 * MB, 0));
	RESERVED_IS(2 * MB);
	EXPECT_FILL(vs, b, MB / 2, 0x21);
	/* Force a move: the charge goes along. */
	blocker = b + 2 * MB;
	(void)vm_munmap(vs, blocker, PG);
	blocker = MAP(vs, blocker, PG, VM_PROT_NONE, VM_MAP_GUARD |
	    VM_MAP_FIXED);
	RESERVED_IS(2 * MB);
	a = b;
	b = 0;
	ATF_REQUIRE_EQ(0, vm_mremap(vs, a, 2 * MB, &b, 3 * MB, 0));
	ATF_CHECK(b != a);
	RESERVED_IS(3 * MB);
	EXPECT_FILL(vs, b, MB / 2, 0x21);
	FILL(vs, b + 2 * MB, MB, 0x22);
	/* Shrink. */
	a = b;
	ATF_REQUIRE_EQ(0, vm_mremap(vs, a, 3 * MB, &b, MB, 0));
	RESERVED_IS(MB);
	/* Strict: growth beyond swap fails and changes nothing. */
	set_overcommit(1);
	b = a;
	ATF_CHECK_EQ(ENOMEM, vm_mremap(vs, a, MB, &b, 6 * MB, 0));
	RESERVED_IS(MB);
	EXPECT_FILL(vs, a, MB / 2, 0x21);
	/* A duplicate view of the same pages: nothing more to back. */
	d = 0;
	ATF_REQUIRE_EQ(0, vm_mremap(vs, a, MB, &d, MB, VM_MAP_REMAPDUP));
	RESERVED_IS(MB);
	FILL(vs, d, PG, 0x23);
	EXPECT_FILL(vs, a, PG, 0x23);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, MB));
	RESERVED_IS(MB);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, d, MB));
	ATF_REQUIRE_EQ(0, vm_munmap(vs, blocker, PG));
	RESERVED_IS(0);
	vmspace_release(vs);
	vm_shutdown();
}

/* brk: the data segment's growth is charged, its shrinking released. */
ATF_TC_WITHOUT_HEAD(brk_accounting);
ATF_TC_BODY(brk_accounting, tc)
{
	struct vmspace *vs;

	boot_oc(2 * MB);
	vs = vs_new();
	ATF_REQUIRE_EQ(0, vm_brk(vs, VM_DATA_BASE + MB));
	RESERVED_IS(MB);
	FILL(vs, VM_DATA_BASE, MB, 0x31);
	ATF_REQUIRE_EQ(0, vm_brk(vs, VM_DATA_BASE + MB + MB / 2));
	RESERVED_IS(MB + MB / 2);
	set_overcommit(1);
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, VM_DATA_BASE + 3 * MB));
	RESERVED_IS(MB + MB / 2);
	ATF_REQUIRE_EQ(0, vm_brk(vs, VM_DATA_BASE + 2 * MB));
	RESERVED_IS(2 * MB);
	ATF_REQUIRE_EQ(0, vm_brk(vs, VM_DATA_BASE + MB / 2));
	RESERVED_IS(MB / 2);
	EXPECT_FILL(vs, VM_DATA_BASE, MB / 2, 0x31);
	ATF_REQUIRE_EQ(0, vm_brk(vs, VM_DATA_BASE));
	RESERVED_IS(0);
	vmspace_release(vs);
	vm_shutdown();
}

/* A stack is charged as it grows, not for the room it may grow into. */
ATF_TC_WITHOUT_HEAD(stack_growth_accounting);
ATF_TC_BODY(stack_growth_accounting, tc)
{
	struct vmspace *vs;
	vm_offset_t s;
	uint64_t initial;

	boot_oc(0);
	vs = vs_new();
	s = MAP(vs, 0, 4 * MB, RW, ANON_PRIV | VM_MAP_STACK);
	initial = reserved();
	ATF_CHECK_MSG(initial > 0 && initial < 4 * MB, "a 4 MiB stack "
	    "reserved %ju bytes", (uintmax_t)initial);
	FILL(vs, s + 4 * MB - initial, initial, 0x41);
	RESERVED_IS(initial);
	/* Touch far below: the stack grows, its charge with it. */
	FILL(vs, s + MB, PG, 0x42);
	RESERVED_IS(3 * MB);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, s, 4 * MB));
	RESERVED_IS(0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * SWAP_RESERVE_ALLOW_NONWIRED: strict accounting may also count the
 * memory that is neither wired nor held in reserve.
 */
ATF_TC_WITHOUT_HEAD(strict_allow_nonwired);
ATF_TC_BODY(strict_allow_nonwired, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot_oc(0);
	vs = vs_new();
	set_overcommit(1);
	ATF_CHECK_EQ(ENOMEM, map_anon(vs, &a, 4 * MB, RW));
	set_overcommit(1 | 4);
	a = ANON(vs, 4 * MB, RW);
	RESERVED_IS(4 * MB);
	/* Beyond all of physical memory: refused. */
	ATF_CHECK_EQ(ENOMEM, map_anon(vs, &a, PHYSMEM, RW));
	RESERVED_IS(4 * MB);
	/* Bit 1 (RLIMIT_SWAP) is accepted and changes nothing. */
	set_overcommit(1 | 2 | 4);
	ATF_CHECK_EQ(ENOMEM, map_anon(vs, &a, PHYSMEM, RW));
	set_overcommit(2);
	a = ANON(vs, PHYSMEM, RW);
	RESERVED_IS(4 * MB + PHYSMEM);
	vmspace_release(vs);
	RESERVED_IS(0);
	vm_shutdown();
}

/*
 * vm.overcommit takes FreeBSD's three bits and nothing else (EINVAL,
 * unchanged); vm.swap_reserved is read-only and 64 bits wide.
 */
ATF_TC_WITHOUT_HEAD(sysctl_values);
ATF_TC_BODY(sysctl_values, tc)
{
	uint64_t v = 1;
	uint32_t small;
	size_t len;
	int bad[] = { -1, 8, 0x10, 0x100, INT32_MIN };
	size_t i;

	boot_oc(0);
	set_overcommit(5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ATF_CHECK_EQ_MSG(EINVAL, try_overcommit(bad[i]),
		    "vm.overcommit=%d accepted", bad[i]);
		ATF_CHECK_EQ(5, get_overcommit());
	}
	set_overcommit(0);
	set_overcommit(7);
	set_overcommit(0);
	ATF_CHECK(vm_sysctlbyname("vm.swap_reserved", NULL, NULL, &v,
	    sizeof(v)) != 0);
	RESERVED_IS(0);
	len = sizeof(small);
	ATF_CHECK_EQ(ENOMEM, vm_sysctlbyname("vm.swap_reserved", &small, &len,
	    NULL, 0));
	vm_shutdown();
}

/*
 * vm_shutdown and vm_boot again: the total starts from zero, the policy
 * from its default, even after a shutdown with address spaces still
 * holding reservations (vm_shutdown reclaims them).
 */
ATF_TC_WITHOUT_HEAD(shutdown_boot_resets);
ATF_TC_BODY(shutdown_boot_resets, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a;

	boot_oc(0);
	set_overcommit(4);
	vs = vs_new();
	a = ANON_AT(vs, 0, MB, RW);
	FILL(vs, a, MB, 1);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	RESERVED_IS(3 * MB);
	vm_shutdown();
	boot_oc(0);
	vs = vs_new();
	(void)ANON(vs, MB, RW);
	RESERVED_IS(MB);
	vmspace_release(vs);
	RESERVED_IS(0);
	vm_shutdown();
}

/*
 * Threads mapping, writing, forking, protecting and unmapping at once,
 * under strict accounting near its limit: reservations race, some are
 * refused, none is lost or given back twice, and the total never passes
 * the swap space.
 */
#define	RACE_THREADS	3
#define	RACE_ROUNDS	150

static _Atomic uint64_t race_max;
static _Atomic int race_forks, race_refused;

static void *
race_thread(void *arg)
{
	struct vmspace *vs, *child;
	vm_offset_t a;
	uint64_t r, m;
	int i, seed = (int)(intptr_t)arg;

	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	for (i = 0; i < RACE_ROUNDS; i++) {
		if (map_anon(vs, &a, (vm_size_t)(1 + (i + seed) % 8) * 64 * PG,
		    (i & 1) != 0 ? RW : VM_PROT_READ) != 0) {
			atomic_fetch_add(&race_refused, 1);
			continue;
		}
		if (vm_mprotect(vs, a, 64 * PG, RW) != 0)
			atomic_fetch_add(&race_refused, 1);
		(void)vm_copyout(vs, &i, a, sizeof(i));
		if (vmspace_fork(vs, &child) == 0) {
			atomic_fetch_add(&race_forks, 1);
			(void)vm_copyout(child, &seed, a, sizeof(seed));
			vmspace_release(child);
		} else
			atomic_fetch_add(&race_refused, 1);
		r = reserved();
		m = atomic_load(&race_max);
		while (r > m && !atomic_compare_exchange_weak(&race_max, &m,
		    r))
			;
		ATF_REQUIRE_EQ(0, vm_munmap(vs, a, (vm_size_t)(1 + (i + seed) %
		    8) * 64 * PG));
	}
	vmspace_release(vs);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(racing_reservations);
ATF_TC_BODY(racing_reservations, tc)
{
	pthread_t t[RACE_THREADS];
	int i;

	boot_oc(4 * MB);
	set_overcommit(1);
	for (i = 0; i < RACE_THREADS; i++)
		ATF_REQUIRE_EQ(0, pthread_create(&t[i], NULL, race_thread,
		    (void *)(intptr_t)i));
	for (i = 0; i < RACE_THREADS; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	ATF_CHECK_MSG(atomic_load(&race_max) <= 4 * MB, "reserved %ju bytes "
	    "with 4 MiB of swap", (uintmax_t)atomic_load(&race_max));
	/* Both outcomes happened (the sizes make sure of it). */
	ATF_CHECK(atomic_load(&race_forks) > 0);
	ATF_CHECK(atomic_load(&race_refused) > 0);
	printf("%d forks, %d refusals\n", atomic_load(&race_forks),
	    atomic_load(&race_refused));
	RESERVED_IS(0);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, default_accounts_never_fails);
	ATF_TP_ADD_TC(tp, what_is_charged);
	ATF_TP_ADD_TC(tp, strict_mmap_enomem_until_swapon);
	ATF_TP_ADD_TC(tp, mprotect_write_charges);
	ATF_TP_ADD_TC(tp, mprotect_write_charges_object_once);
	ATF_TP_ADD_TC(tp, strict_fork_enomem_parent_unchanged);
	ATF_TP_ADD_TC(tp, fork_inheritance_accounting);
	ATF_TP_ADD_TC(tp, mremap_accounting);
	ATF_TP_ADD_TC(tp, brk_accounting);
	ATF_TP_ADD_TC(tp, stack_growth_accounting);
	ATF_TP_ADD_TC(tp, strict_allow_nonwired);
	ATF_TP_ADD_TC(tp, sysctl_values);
	ATF_TP_ADD_TC(tp, shutdown_boot_resets);
	ATF_TP_ADD_TC(tp, racing_reservations);
	return (atf_no_error());
}
