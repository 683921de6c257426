/*
 * Acceptance tests of vm_mremap(3), written from NetBSD's mremap(2) and
 * the code of sys_mremap() and uvm_mremap() (where the two disagree
 * libvm follows the code; where libvm differs from NetBSD, vm_mremap(3)
 * says so and the case names it), against the public API only:
 *
 *  - in place first: an equal size changes nothing, a smaller one unmaps
 *    the tail (and frees its pages), a larger one grows into free space
 *    after the mapping; otherwise the mapping moves, with its contents,
 *    to a free place (a hint, VM_MAP_FIXED, VM_MAP_ALIGNED(n));
 *  - VM_MAP_FIXED never replaces a mapping (ENOMEM), unlike mmap's;
 *  - VM_MAP_REMAPDUP maps the same pages a second time, each mapping
 *    with its own protection (the re-expressed mprotect_mremap_exec case
 *    of NetBSD's t_mprotect.c: one RW and one RX view of the same code);
 *  - the argument checks (EINVAL), a range that is not wholly mapped
 *    (ENOMEM: unmapped, a hole, a guard), a stack (EINVAL), RLIMIT_AS and
 *    RLIMIT_MEMLOCK (ENOMEM), and that an error changes nothing;
 *  - what moves with a mapping: private memory stays private across
 *    forks before and after the move, shared memory stays shared with a
 *    child, locked memory stays locked (and mapped: no faults), the
 *    attributes of each part of a range made of several mappings;
 *  - a regression case for the object invariant vm_object_coalesce
 *    relies on (a moved part of an anonymous mapping gets an object of
 *    its own), and threads moving mappings while others read and fork.
 *
 * Memory is touched through vm_copyin/vm_copyout/vm_fault_trap.  Every
 * case boots its own libvm (64 MiB) and shuts it down at the end.  The
 * layouts are built with VM_MAP_FIXED around BASE, above the room kept
 * for the data segment (so that a hint there is taken as it is), and do
 * not depend on ASLR.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "api_test.h"

#define	BASE		((vm_offset_t)0x1000000000)	/* 64 GiB */
#define	SUPERPAGE	((vm_size_t)2 << 20)
#define	ANON_SHARED	(VM_MAP_ANON | VM_MAP_SHARED)
#define	FIXED_PRIV	(ANON_PRIV | VM_MAP_FIXED)

/* ---- helpers ------------------------------------------------------------- */

/*
 * boot() with the map's consistency walk on every unlock (INVARIANTS
 * builds; elsewhere the sysctl changes nothing): each vm_mremap leaves
 * a tree whose order, threads, max_free, size and entry count are
 * checked at once.
 */
static void
boot_checked(void)
{
	int on = 1;

	boot();
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.map_check_always", NULL, NULL,
	    &on, sizeof(on)));
}

static uint64_t
stat_l(int line, const char *leaf)
{
	char name[128];
	uint64_t v = 0;
	size_t len = sizeof(v);
	int error;

	snprintf(name, sizeof(name), "vm.stats.vm.%s", leaf);
	error = vm_sysctlbyname(name, &v, &len, NULL, 0);
	ATF_REQUIRE_MSG(error == 0, "line %d: sysctl %s: error %d", line, name,
	    error);
	return (v);
}
#define	STAT(leaf)	stat_l(__LINE__, (leaf))

/* vm_mremap must succeed; returns the new address. */
static vm_offset_t
remap_l(int line, struct vmspace *vs, vm_offset_t oldp, vm_size_t oldsize,
    vm_offset_t hint, vm_size_t newsize, int flags)
{
	vm_offset_t n = hint;
	int error;

	error = vm_mremap(vs, oldp, oldsize, &n, newsize, flags);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_mremap(%#jx, %#jx, %#jx, "
	    "%#jx, %#x): error %d", line, (uintmax_t)oldp, (uintmax_t)oldsize,
	    (uintmax_t)hint, (uintmax_t)newsize, flags, error);
	ATF_REQUIRE_MSG(n % PG == 0 && n >= VM_MIN_USER_ADDRESS &&
	    n < VM_MAX_USER_ADDRESS, "line %d: vm_mremap returned %#jx", line,
	    (uintmax_t)n);
	if ((flags & VM_MAP_FIXED) != 0)
		ATF_REQUIRE_MSG(n == hint, "line %d: fixed remap to %#jx "
		    "returned %#jx", line, (uintmax_t)hint, (uintmax_t)n);
	return (n);
}
#define	REMAP(vs, o, os, h, ns, f)					\
	remap_l(__LINE__, (vs), (o), (os), (h), (ns), (f))

/* vm_mremap must fail with want and leave *newp alone. */
static void
remap_fails_l(int line, struct vmspace *vs, vm_offset_t oldp,
    vm_size_t oldsize, vm_offset_t hint, vm_size_t newsize, int flags,
    int want)
{
	vm_offset_t n = hint;
	int error;

	error = vm_mremap(vs, oldp, oldsize, &n, newsize, flags);
	ATF_CHECK_MSG(error == want, "line %d: vm_mremap(%#jx, %#jx, %#jx, "
	    "%#jx, %#x) = %d (new %#jx), want %d", line, (uintmax_t)oldp,
	    (uintmax_t)oldsize, (uintmax_t)hint, (uintmax_t)newsize, flags,
	    error, (uintmax_t)n, want);
	ATF_CHECK_MSG(n == hint, "line %d: failed vm_mremap changed *newp "
	    "from %#jx to %#jx", line, (uintmax_t)hint, (uintmax_t)n);
}
#define	REMAP_FAILS(vs, o, os, h, ns, f, want)				\
	remap_fails_l(__LINE__, (vs), (o), (os), (h), (ns), (f), (want))

/* Page i of [a, a + npages pages) gets the byte v + i (whole page). */
static void
fill_pages_l(int line, struct vmspace *vs, vm_offset_t a, int npages,
    uint8_t v)
{
	int i;

	for (i = 0; i < npages; i++)
		fill_l(line, vs, a + (vm_offset_t)i * PG, PG, (uint8_t)(v + i));
}
#define	FILL_PAGES(vs, a, n, v)	fill_pages_l(__LINE__, (vs), (a), (n), (v))

static void
expect_pages_l(int line, struct vmspace *vs, vm_offset_t a, int npages,
    uint8_t v)
{
	int i;

	for (i = 0; i < npages; i++)
		expect_fill_l(line, vs, a + (vm_offset_t)i * PG, PG,
		    (uint8_t)(v + i));
}
#define	EXPECT_PAGES(vs, a, n, v)					\
	expect_pages_l(__LINE__, (vs), (a), (n), (v))

/* Every page of [a, a + len) is unmapped. */
static void
unmapped_l(int line, struct vmspace *vs, vm_offset_t a, vm_size_t len)
{
	vm_offset_t va;

	for (va = a; va < a + len; va += PG)
		access_fault_l(line, vs, va, VM_PROT_READ, SIGSEGV,
		    SEGV_MAPERR);
}
#define	UNMAPPED(vs, a, len)	unmapped_l(__LINE__, (vs), (a), (len))

/* The entry of kve[] that starts at va (and must exist). */
static int
kve_at_l(int line, size_t n, vm_offset_t va)
{
	int i = kve_find(n, va);

	if (i < 0 || kve[i].kve_start != va)
		kve_dump(n);
	ATF_REQUIRE_MSG(i >= 0 && kve[i].kve_start == va, "line %d: no entry "
	    "starts at %#jx", line, (uintmax_t)va);
	return (i);
}
#define	KVE_AT(n, va)	kve_at_l(__LINE__, (n), (va))

/* A snapshot of the map, to check that a failed call changed nothing. */
struct snap {
	size_t		n;
	struct {
		vm_offset_t	s, e;
		int		prot, max, inh, flags;
	}		e[NKVE];
};

static void
snap_take(struct vmspace *vs, struct snap *sn)
{
	size_t i;

	sn->n = PSTAT(vs);
	for (i = 0; i < sn->n; i++) {
		sn->e[i].s = kve[i].kve_start;
		sn->e[i].e = kve[i].kve_end;
		sn->e[i].prot = kve[i].kve_protection;
		sn->e[i].max = kve[i].kve_max_protection;
		sn->e[i].inh = kve[i].kve_inheritance;
		sn->e[i].flags = kve[i].kve_flags;
	}
}

static void
snap_same_l(int line, struct vmspace *vs, const struct snap *sn)
{
	struct snap now;
	size_t i;

	snap_take(vs, &now);
	ATF_REQUIRE_MSG(now.n == sn->n, "line %d: %zu entries, were %zu",
	    line, now.n, sn->n);
	for (i = 0; i < now.n; i++)
		ATF_REQUIRE_MSG(now.e[i].s == sn->e[i].s &&
		    now.e[i].e == sn->e[i].e &&
		    now.e[i].prot == sn->e[i].prot &&
		    now.e[i].max == sn->e[i].max &&
		    now.e[i].inh == sn->e[i].inh &&
		    now.e[i].flags == sn->e[i].flags,
		    "line %d: entry %zu is [%#jx, %#jx) prot %#x, was "
		    "[%#jx, %#jx) prot %#x", line, i, (uintmax_t)now.e[i].s,
		    (uintmax_t)now.e[i].e, now.e[i].prot,
		    (uintmax_t)sn->e[i].s, (uintmax_t)sn->e[i].e,
		    sn->e[i].prot);
}
#define	SNAP_SAME(vs, sn)	snap_same_l(__LINE__, (vs), (sn))

/* ---- in place ------------------------------------------------------------ */

/*
 * Growing into free space after the mapping keeps its address and its
 * pages; the extension is zero-filled, writable like the rest, and joins
 * the mapping's entry.
 */
ATF_TC_WITHOUT_HEAD(mremap__grow_in_place);
ATF_TC_BODY(mremap__grow_in_place, tc)
{
	struct vmspace *vs;
	vm_offset_t a, n;
	size_t cnt;
	int i;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 4 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 4, 1);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + 2 * PG, 2 * PG));

	n = REMAP(vs, a, 2 * PG, 0, 4 * PG, 0);
	ATF_CHECK_EQ(a, n);
	EXPECT_PAGES(vs, a, 2, 1);
	EXPECT_FILL(vs, a + 2 * PG, 2 * PG, 0);	/* not the old pages 3, 4 */
	FILL(vs, a + 3 * PG, PG, 0x44);
	EXPECT_FILL(vs, a + 3 * PG, PG, 0x44);

	cnt = PSTAT(vs);
	i = KVE_AT(cnt, a);
	ATF_CHECK_EQ(a + 4 * PG, kve[i].kve_end);
	ATF_CHECK_EQ(RW, kve[i].kve_protection);

	/* Memory never touched grows the same way. */
	a = MAP(vs, BASE + 64 * PG, PG, RW, FIXED_PRIV);
	n = REMAP(vs, a, PG, 0, 3 * PG, 0);
	ATF_CHECK_EQ(a, n);
	EXPECT_FILL(vs, a, 3 * PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Shrinking keeps the address and the head's contents, unmaps the tail
 * and frees its pages; an equal size changes nothing at all.
 */
ATF_TC_WITHOUT_HEAD(mremap__shrink_and_same);
ATF_TC_BODY(mremap__shrink_and_same, tc)
{
	struct vmspace *vs;
	struct snap sn;
	vm_offset_t a;
	uint64_t before;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 8 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 8, 1);

	snap_take(vs, &sn);
	ATF_CHECK_EQ(a, REMAP(vs, a, 8 * PG, 0, 8 * PG, 0));
	SNAP_SAME(vs, &sn);
	EXPECT_PAGES(vs, a, 8, 1);

	before = free_pages();
	ATF_CHECK_EQ(a, REMAP(vs, a, 8 * PG, 0, 2 * PG, 0));
	ATF_CHECK_MSG(free_pages() >= before + 6, "free pages %ju, were %ju: "
	    "the 6 pages unmapped were not freed", (uintmax_t)free_pages(),
	    (uintmax_t)before);
	EXPECT_PAGES(vs, a, 2, 1);
	UNMAPPED(vs, a + 2 * PG, 6 * PG);

	/* Growing back gives zeros, not the old pages. */
	ATF_CHECK_EQ(a, REMAP(vs, a, 2 * PG, 0, 4 * PG, 0));
	EXPECT_PAGES(vs, a, 2, 1);
	EXPECT_FILL(vs, a + 2 * PG, 2 * PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- moving -------------------------------------------------------------- */

/*
 * Growth blocked by the next mapping moves the mapping: its pages go
 * along, the old range is unmapped, the neighbour is untouched, and the
 * address space grows by the difference only.
 */
ATF_TC_WITHOUT_HEAD(mremap__grow_moves);
ATF_TC_BODY(mremap__grow_moves, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b, n;
	size_t cnt;
	int i;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 3 * PG, RW, FIXED_PRIV);
	b = MAP(vs, BASE + 3 * PG, PG, VM_PROT_READ | VM_PROT_WRITE,
	    VM_MAP_ANON | VM_MAP_SHARED | VM_MAP_FIXED);
	FILL_PAGES(vs, a, 3, 0x10);
	FILL(vs, b, PG, 0x99);

	n = REMAP(vs, a, 3 * PG, 0, 5 * PG, 0);
	ATF_REQUIRE(n != a);
	ATF_REQUIRE(n + 5 * PG <= a || n >= b + PG);
	EXPECT_PAGES(vs, n, 3, 0x10);
	EXPECT_FILL(vs, n + 3 * PG, 2 * PG, 0);
	UNMAPPED(vs, a, 3 * PG);
	EXPECT_FILL(vs, b, PG, 0x99);

	cnt = PSTAT(vs);
	ATF_CHECK_EQ(2, cnt);
	i = KVE_AT(cnt, n);
	ATF_CHECK_EQ(n + 5 * PG, kve[i].kve_end);
	ATF_CHECK_EQ(RW, kve[i].kve_protection);
	ATF_CHECK_EQ(VM_INHERIT_COPY, kve[i].kve_inheritance);

	/* The moved pages are writable where they are now. */
	FILL(vs, n, PG, 0x77);
	EXPECT_FILL(vs, n, PG, 0x77);
	EXPECT_PAGES(vs, n + PG, 2, 0x11);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Without VM_MAP_FIXED, *newp is a hint: a free hint is used as it is
 * (NetBSD's code ignores newp; its manual calls it a hint).
 */
ATF_TC_WITHOUT_HEAD(mremap__hint);
ATF_TC_BODY(mremap__hint, tc)
{
	struct vmspace *vs;
	vm_offset_t a, h, n;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	(void)MAP(vs, BASE + 2 * PG, PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 3);
	h = BASE + 100 * PG;
	n = REMAP(vs, a, 2 * PG, h, 4 * PG, 0);
	ATF_CHECK_EQ(h, n);
	EXPECT_PAGES(vs, n, 2, 3);
	UNMAPPED(vs, a, 2 * PG);

	/* An occupied hint is passed over, never replaced. */
	n = REMAP(vs, n, 4 * PG, BASE + 2 * PG, 6 * PG, 0);
	ATF_CHECK(n != BASE + 2 * PG);
	EXPECT_PAGES(vs, n, 2, 3);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * VM_MAP_FIXED places the mapping exactly at *newp, growing, shrinking or
 * keeping its size; *newp equal to oldp is the in-place case.
 */
ATF_TC_WITHOUT_HEAD(mremap__fixed);
ATF_TC_BODY(mremap__fixed, tc)
{
	struct vmspace *vs;
	vm_offset_t a, t;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 0x20);

	t = REMAP(vs, a, 2 * PG, BASE + 16 * PG, 2 * PG, VM_MAP_FIXED);
	EXPECT_PAGES(vs, t, 2, 0x20);
	UNMAPPED(vs, a, 2 * PG);

	t = REMAP(vs, t, 2 * PG, BASE + 32 * PG, 3 * PG, VM_MAP_FIXED);
	EXPECT_PAGES(vs, t, 2, 0x20);
	EXPECT_FILL(vs, t + 2 * PG, PG, 0);
	UNMAPPED(vs, BASE + 16 * PG, 2 * PG);

	t = REMAP(vs, t, 3 * PG, BASE + 48 * PG, PG, VM_MAP_FIXED);
	EXPECT_PAGES(vs, t, 1, 0x20);
	UNMAPPED(vs, BASE + 32 * PG, 3 * PG);
	UNMAPPED(vs, t + PG, PG);

	/* Right after the old range: the two ranges touch. */
	t = REMAP(vs, t, PG, t + PG, 2 * PG, VM_MAP_FIXED);
	ATF_CHECK_EQ(BASE + 49 * PG, t);
	EXPECT_PAGES(vs, t, 1, 0x20);
	EXPECT_FILL(vs, t + PG, PG, 0);
	UNMAPPED(vs, BASE + 48 * PG, PG);

	/* At oldp itself: in place. */
	t = REMAP(vs, t, 2 * PG, t, 4 * PG, VM_MAP_FIXED);
	ATF_CHECK_EQ(BASE + 49 * PG, t);
	EXPECT_PAGES(vs, t, 1, 0x20);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * NetBSD's uvm_mremap reserves the new range with uvm_map_reserve, which
 * fails over anything mapped: VM_MAP_FIXED over another mapping, over the
 * old range itself, or in place with no room to grow, is ENOMEM and
 * changes nothing; so is a fixed range outside the user range.
 */
ATF_TC_WITHOUT_HEAD(mremap__fixed_occupied);
ATF_TC_BODY(mremap__fixed_occupied, tc)
{
	struct vmspace *vs;
	struct snap sn;
	vm_offset_t a, b;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	b = MAP(vs, BASE + 8 * PG, 2 * PG, RW, FIXED_PRIV);
	(void)MAP(vs, BASE + 2 * PG, PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 0x30);
	FILL_PAGES(vs, b, 2, 0x40);
	snap_take(vs, &sn);

	REMAP_FAILS(vs, a, 2 * PG, b, 2 * PG, VM_MAP_FIXED, ENOMEM);
	REMAP_FAILS(vs, a, 2 * PG, b - PG, 2 * PG, VM_MAP_FIXED, ENOMEM);
	REMAP_FAILS(vs, a, 2 * PG, a + PG, 2 * PG, VM_MAP_FIXED, ENOMEM);
	REMAP_FAILS(vs, b, 2 * PG, a, 2 * PG, VM_MAP_FIXED, ENOMEM);
	REMAP_FAILS(vs, a, 2 * PG, a, 3 * PG, VM_MAP_FIXED, ENOMEM);
	REMAP_FAILS(vs, a, 2 * PG, VM_MAX_USER_ADDRESS - PG, 2 * PG,
	    VM_MAP_FIXED, ENOMEM);
	REMAP_FAILS(vs, a, 2 * PG, 0, 2 * PG, VM_MAP_FIXED, ENOMEM);
	/* REMAPDUP never reuses the old range: in place is occupied. */
	REMAP_FAILS(vs, a, 2 * PG, a, 2 * PG, VM_MAP_FIXED | VM_MAP_REMAPDUP,
	    ENOMEM);

	SNAP_SAME(vs, &sn);
	EXPECT_PAGES(vs, a, 2, 0x30);
	EXPECT_PAGES(vs, b, 2, 0x40);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * VM_MAP_ALIGNED(n): the new place is a multiple of 2^n; an aligned
 * mapping is resized in place.  n below the page shift or 64 and above is
 * EINVAL (VM_MAP_ALIGNED_SUPER too: NetBSD has no such flag), an
 * alignment as large as the address space ENOMEM, and with VM_MAP_FIXED
 * an address that is not aligned EINVAL.
 */
ATF_TC_WITHOUT_HEAD(mremap__aligned);
ATF_TC_BODY(mremap__aligned, tc)
{
	struct vmspace *vs;
	struct snap sn;
	vm_offset_t a, n, t;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE + PG, 2 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 0x50);

	n = REMAP(vs, a, 2 * PG, 0, 2 * PG, VM_MAP_ALIGNED(21));
	ATF_CHECK_MSG(n % SUPERPAGE == 0, "%#jx is not 2 MiB aligned",
	    (uintmax_t)n);
	EXPECT_PAGES(vs, n, 2, 0x50);
	UNMAPPED(vs, a, 2 * PG);

	/* Already aligned and room after it: in place. */
	ATF_CHECK_EQ(n, REMAP(vs, n, 2 * PG, 0, 3 * PG, VM_MAP_ALIGNED(21)));
	EXPECT_PAGES(vs, n, 2, 0x50);

	snap_take(vs, &sn);
	REMAP_FAILS(vs, n, 3 * PG, 0, 3 * PG, VM_MAP_ALIGNED(11), EINVAL);
	REMAP_FAILS(vs, n, 3 * PG, 0, 3 * PG, VM_MAP_ALIGNED_SUPER, EINVAL);
	REMAP_FAILS(vs, n, 3 * PG, 0, 3 * PG, VM_MAP_ALIGNED(64), EINVAL);
	REMAP_FAILS(vs, n, 3 * PG, 0, 3 * PG, VM_MAP_ALIGNED(255), EINVAL);
	REMAP_FAILS(vs, n, 3 * PG, 0, 3 * PG, VM_MAP_ALIGNED(47), ENOMEM);
	REMAP_FAILS(vs, n, 3 * PG, BASE + 1024 * PG + PG, 3 * PG,
	    VM_MAP_FIXED | VM_MAP_ALIGNED(21), EINVAL);
	SNAP_SAME(vs, &sn);

	t = REMAP(vs, n, 3 * PG, BASE + 4 * SUPERPAGE, 3 * PG,
	    VM_MAP_FIXED | VM_MAP_ALIGNED(21));
	EXPECT_PAGES(vs, t, 2, 0x50);

	/* A big alignment: 1 GiB. */
	n = REMAP(vs, t, 3 * PG, 0, 3 * PG, VM_MAP_ALIGNED(30));
	ATF_CHECK_EQ(0, n % ((vm_size_t)1 << 30));
	EXPECT_PAGES(vs, n, 2, 0x50);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Sizes are rounded up to whole pages, as NetBSD's sys_mremap does
 * (its manual says EINVAL).
 */
ATF_TC_WITHOUT_HEAD(mremap__unaligned_sizes);
ATF_TC_BODY(mremap__unaligned_sizes, tc)
{
	struct vmspace *vs;
	vm_offset_t a, n;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 0x60);
	n = REMAP(vs, a, PG + 1, BASE + 16 * PG, 2 * PG + 1, VM_MAP_FIXED);
	EXPECT_PAGES(vs, n, 2, 0x60);
	EXPECT_FILL(vs, n + 2 * PG, PG, 0);
	UNMAPPED(vs, a, 2 * PG);
	n = REMAP(vs, n, 3 * PG, 0, 1, 0);
	ATF_CHECK_EQ(BASE + 16 * PG, n);
	UNMAPPED(vs, n + PG, 2 * PG);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- errors -------------------------------------------------------------- */

/* The argument checks of sys_mremap and uvm_mremap: EINVAL, no change. */
ATF_TC_WITHOUT_HEAD(mremap__einval);
ATF_TC_BODY(mremap__einval, tc)
{
	struct vmspace *vs;
	struct snap sn;
	vm_offset_t a, n;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 0x70);
	snap_take(vs, &sn);

	n = 0;
	ATF_CHECK_EQ(EINVAL, vm_mremap(NULL, a, PG, &n, PG, 0));
	ATF_CHECK_EQ(EINVAL, vm_mremap(vs, a, PG, NULL, PG, 0));
	REMAP_FAILS(vs, a, 2 * PG, 0, 2 * PG, VM_MAP_SHARED, EINVAL);
	REMAP_FAILS(vs, a, 2 * PG, 0, 2 * PG, VM_MAP_ANON, EINVAL);
	REMAP_FAILS(vs, a, 2 * PG, 0, 2 * PG, VM_MAP_PRIVATE, EINVAL);
	REMAP_FAILS(vs, a, 0, 0, 2 * PG, 0, EINVAL);
	REMAP_FAILS(vs, a, 2 * PG, 0, 0, 0, EINVAL);
	REMAP_FAILS(vs, a, 0, 0, 0, VM_MAP_REMAPDUP, EINVAL);
	REMAP_FAILS(vs, a + 1, 2 * PG, 0, 2 * PG, 0, EINVAL);
	REMAP_FAILS(vs, a + PG / 2, PG, 0, PG, VM_MAP_REMAPDUP, EINVAL);
	REMAP_FAILS(vs, a, 2 * PG, BASE + 64 * PG + 8, 2 * PG, VM_MAP_FIXED,
	    EINVAL);
	/* Sizes that wrap, before or after rounding. */
	REMAP_FAILS(vs, a, UINT64_MAX, 0, PG, 0, EINVAL);
	REMAP_FAILS(vs, a, 2 * PG, 0, UINT64_MAX - 8, 0, EINVAL);
	REMAP_FAILS(vs, a, UINT64_MAX - a - PG + 2, 0, PG, 0, EINVAL);
	REMAP_FAILS(vs, a, 2 * PG, UINT64_MAX - PG + 1, 2 * PG, VM_MAP_FIXED,
	    EINVAL);

	SNAP_SAME(vs, &sn);
	EXPECT_PAGES(vs, a, 2, 0x70);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * The old range must be mapped, wholly, by memory: unmapped, a hole, a
 * part past the mapping, outside the user range, or a guard reservation
 * is ENOMEM; a grow-down stack or its grow area cannot move (EINVAL).
 * Nothing changes.  (NetBSD's manual gives ENOENT for an unmapped range;
 * its code shrinks or keeps a range without looking at it.)
 */
ATF_TC_WITHOUT_HEAD(mremap__not_mapped);
ATF_TC_BODY(mremap__not_mapped, tc)
{
	struct vmspace *vs;
	struct snap sn;
	vm_offset_t a, g, s;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 4 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 4, 0x80);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + PG, PG));
	g = MAP(vs, BASE + 32 * PG, 4 * PG, VM_PROT_NONE,
	    VM_MAP_GUARD | VM_MAP_FIXED);
	s = MAP(vs, BASE + 64 * PG, 64 * PG, RW, VM_MAP_STACK | VM_MAP_FIXED);
	snap_take(vs, &sn);

	REMAP_FAILS(vs, BASE + 16 * PG, PG, 0, 2 * PG, 0, ENOMEM);
	REMAP_FAILS(vs, BASE + 16 * PG, PG, 0, PG, 0, ENOMEM);
	REMAP_FAILS(vs, BASE + 16 * PG, 2 * PG, 0, PG, 0, ENOMEM);
	REMAP_FAILS(vs, a, 4 * PG, 0, 8 * PG, 0, ENOMEM);	/* a hole */
	REMAP_FAILS(vs, a, 3 * PG, 0, PG, 0, ENOMEM);
	REMAP_FAILS(vs, a, 2 * PG, 0, 2 * PG, VM_MAP_REMAPDUP, ENOMEM);
	REMAP_FAILS(vs, a + 2 * PG, 3 * PG, 0, 2 * PG, 0, ENOMEM);
	REMAP_FAILS(vs, VM_MAX_USER_ADDRESS - PG, 2 * PG, 0, PG, 0, ENOMEM);
	REMAP_FAILS(vs, 0, PG, 0, PG, 0, ENOMEM);
	REMAP_FAILS(vs, g, 4 * PG, 0, 4 * PG, 0, ENOMEM);
	REMAP_FAILS(vs, g + PG, PG, 0, PG, VM_MAP_REMAPDUP, ENOMEM);
	REMAP_FAILS(vs, s + 63 * PG, PG, 0, 2 * PG, 0, EINVAL);
	REMAP_FAILS(vs, s, PG, 0, PG, 0, EINVAL);
	REMAP_FAILS(vs, s + 63 * PG, PG, 0, PG, VM_MAP_REMAPDUP, EINVAL);

	SNAP_SAME(vs, &sn);
	EXPECT_PAGES(vs, a, 1, 0x80);
	EXPECT_PAGES(vs, a + 2 * PG, 2, 0x82);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * RLIMIT_AS bounds what the call adds: the growth, or the whole new
 * mapping of a duplicate; shrinking and moving without growing always
 * fit.
 */
ATF_TC_WITHOUT_HEAD(mremap__rlimit_as);
ATF_TC_BODY(mremap__rlimit_as, tc)
{
	struct vmspace *vs;
	struct snap sn;
	vm_offset_t a, n;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 0x90);
	ATF_REQUIRE_EQ(0, vm_setrlimit(vs, VM_RLIMIT_AS, 3 * PG, 3 * PG));
	snap_take(vs, &sn);

	REMAP_FAILS(vs, a, 2 * PG, 0, 4 * PG, 0, ENOMEM);
	REMAP_FAILS(vs, a, 2 * PG, BASE + 16 * PG, 4 * PG, VM_MAP_FIXED,
	    ENOMEM);
	REMAP_FAILS(vs, a, 2 * PG, 0, 2 * PG, VM_MAP_REMAPDUP, ENOMEM);
	SNAP_SAME(vs, &sn);

	n = REMAP(vs, a, 2 * PG, BASE + 16 * PG, 2 * PG, VM_MAP_FIXED);
	n = REMAP(vs, n, 2 * PG, 0, 3 * PG, 0);	/* exactly at the limit */
	EXPECT_PAGES(vs, n, 2, 0x90);
	REMAP_FAILS(vs, n, 3 * PG, 0, 4 * PG, 0, ENOMEM);
	REMAP_FAILS(vs, n, PG, 0, PG, VM_MAP_REMAPDUP, ENOMEM);
	n = REMAP(vs, n, 3 * PG, 0, PG, 0);
	(void)REMAP(vs, n, PG, 0, PG, VM_MAP_REMAPDUP);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- REMAPDUP ------------------------------------------------------------ */

/*
 * A duplicate maps the same pages: a write through either mapping is
 * seen through the other, also for memory never touched before; the old
 * mapping stays, and the pages outlive either mapping.
 */
ATF_TC_WITHOUT_HEAD(mremap__remapdup_shares);
ATF_TC_BODY(mremap__remapdup_shares, tc)
{
	struct vmspace *vs;
	vm_offset_t a, d, u, du;
	size_t cnt;
	int i, j;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 0xa0);
	d = REMAP(vs, a, 2 * PG, 0, 2 * PG, VM_MAP_REMAPDUP);
	ATF_REQUIRE(d + 2 * PG <= a || d >= a + 2 * PG);
	EXPECT_PAGES(vs, a, 2, 0xa0);
	EXPECT_PAGES(vs, d, 2, 0xa0);
	FILL(vs, a + PG, PG, 0x11);
	EXPECT_FILL(vs, d + PG, PG, 0x11);
	FILL(vs, d, PG, 0x22);
	EXPECT_FILL(vs, a, PG, 0x22);

	cnt = PSTAT(vs);
	i = KVE_AT(cnt, a);
	j = KVE_AT(cnt, d);
	ATF_CHECK_EQ(a + 2 * PG, kve[i].kve_end);
	ATF_CHECK_EQ(d + 2 * PG, kve[j].kve_end);
	ATF_CHECK_EQ(VM_INHERIT_COPY, kve[j].kve_inheritance);

	/* Different protections on the two views of the same pages. */
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, d, 2 * PG, VM_PROT_READ));
	ACCERR(vs, d, VM_PROT_WRITE);
	FILL(vs, a, PG, 0x33);
	EXPECT_FILL(vs, d, PG, 0x33);

	/* Never touched: the pages are made once, for both. */
	u = MAP(vs, BASE + 32 * PG, 3 * PG, RW, FIXED_PRIV);
	du = REMAP(vs, u, 3 * PG, 0, 3 * PG, VM_MAP_REMAPDUP);
	FILL(vs, du + 2 * PG, PG, 0x44);
	EXPECT_FILL(vs, u + 2 * PG, PG, 0x44);
	FILL(vs, u, PG, 0x55);
	EXPECT_FILL(vs, du, PG, 0x55);

	/* The pages outlive the first mapping. */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, 2 * PG));
	EXPECT_FILL(vs, d, PG, 0x33);
	EXPECT_FILL(vs, d + PG, PG, 0x11);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A duplicate of another size: the common part is shared, the extension
 * is new zero-filled memory of its own (as the nix crate's NetBSD test of
 * MAP_REMAPDUP expects); a smaller one shares the head.
 */
ATF_TC_WITHOUT_HEAD(mremap__remapdup_resize);
ATF_TC_BODY(mremap__remapdup_resize, tc)
{
	struct vmspace *vs;
	vm_offset_t a, d, s;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 0xb0);
	d = REMAP(vs, a, 2 * PG, 0, 5 * PG, VM_MAP_REMAPDUP);
	EXPECT_PAGES(vs, d, 2, 0xb0);
	EXPECT_FILL(vs, d + 2 * PG, 3 * PG, 0);
	FILL(vs, d + 2 * PG, PG, 0x12);
	UNMAPPED(vs, a + 2 * PG, PG);
	FILL(vs, d + PG, PG, 0x13);
	EXPECT_FILL(vs, a + PG, PG, 0x13);

	s = REMAP(vs, a, 2 * PG, BASE + 64 * PG, PG,
	    VM_MAP_REMAPDUP | VM_MAP_FIXED);
	EXPECT_FILL(vs, s, PG, 0xb0);
	UNMAPPED(vs, s + PG, PG);
	FILL(vs, s, PG, 0x14);
	EXPECT_FILL(vs, a, PG, 0x14);
	EXPECT_FILL(vs, d, PG, 0x14);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * NetBSD's t_mprotect.c, mprotect_mremap_exec (mremap(2)'s EXAMPLES): a
 * page mapped with no access but every maximum protection is duplicated;
 * one view is made read-write and the other read-execute; code written
 * through the first is what the second executes, and each view refuses
 * the other's access.
 */
ATF_TC_WITHOUT_HEAD(mremap__rwx);
ATF_TC_BODY(mremap__rwx, tc)
{
	static const uint8_t ret1[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3 };
	static const uint8_t ret2[] = { 0xb8, 0x02, 0x00, 0x00, 0x00, 0xc3 };
	struct vmspace *vs;
	vm_offset_t rw, rx;
	uint8_t buf[sizeof(ret1)];

	boot_checked();
	vs = vs_new();
	rw = MAP(vs, 0, PG, VM_PROT_NONE | VM_PROT_MAX(RWX), ANON_PRIV);
	rx = REMAP(vs, rw, PG, 0, PG, VM_MAP_REMAPDUP);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, rw, PG, RW));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, rx, PG, VM_PROT_READ |
	    VM_PROT_EXEC));

	ATF_REQUIRE_EQ(0, vm_copyout(vs, ret1, rw, sizeof(ret1)));
	ACCESS_OK(vs, rx, VM_PROT_EXEC);
	ATF_REQUIRE_EQ(0, vm_copyin(vs, rx, buf, sizeof(buf)));
	ATF_CHECK_EQ(0, memcmp(buf, ret1, sizeof(buf)));

	ATF_REQUIRE_EQ(0, vm_copyout(vs, ret2, rw, sizeof(ret2)));
	ACCESS_OK(vs, rx, VM_PROT_EXEC);
	ATF_REQUIRE_EQ(0, vm_copyin(vs, rx, buf, sizeof(buf)));
	ATF_CHECK_EQ(0, memcmp(buf, ret2, sizeof(buf)));

	ACCERR(vs, rx, VM_PROT_WRITE);
	ACCERR(vs, rw, VM_PROT_EXEC);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A duplicate of memory that still shares its pages copy-on-write with a
 * child (NEEDS_COPY): the two views get one object of their own above
 * the shared one, so they see each other's writes and the child sees
 * neither.
 */
ATF_TC_WITHOUT_HEAD(mremap__remapdup_cow);
ATF_TC_BODY(mremap__remapdup_cow, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, d;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 0xc0);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	d = REMAP(vs, a, 2 * PG, 0, 2 * PG, VM_MAP_REMAPDUP);
	EXPECT_PAGES(vs, d, 2, 0xc0);
	FILL(vs, d, PG, 0x15);
	EXPECT_FILL(vs, a, PG, 0x15);
	FILL(vs, a + PG, PG, 0x16);
	EXPECT_FILL(vs, d + PG, PG, 0x16);
	EXPECT_PAGES(child, a, 2, 0xc0);
	UNMAPPED(child, d, 2 * PG);
	FILL(child, a, PG, 0x17);
	EXPECT_FILL(vs, a, PG, 0x15);
	EXPECT_FILL(vs, d, PG, 0x15);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * After a fork, the child's copy of a duplicated private range is its own
 * (a snapshot); the parent's two views stay one memory.  The second part
 * needs vmspace_fork to copy aliased private objects for the child rather
 * than make the parent's entries copy-on-write (see vm_mremap(3), BUGS).
 */
ATF_TC_WITHOUT_HEAD(mremap__remapdup_fork);
ATF_TC_BODY(mremap__remapdup_fork, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, d;
	uint8_t b;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, PG, RW, FIXED_PRIV);
	FILL(vs, a, PG, 0xd0);
	d = REMAP(vs, a, PG, 0, PG, VM_MAP_REMAPDUP);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	EXPECT_FILL(child, a, PG, 0xd0);
	EXPECT_FILL(child, d, PG, 0xd0);

	FILL(vs, a, PG, 0xd1);
	EXPECT_FILL(child, a, PG, 0xd0);
	EXPECT_FILL(child, d, PG, 0xd0);
	FILL(child, d, PG, 0xd2);
	EXPECT_FILL(vs, a, PG, 0xd1);

	atf_tc_expect_fail("vmspace_fork makes each of the parent's views of "
	    "a duplicated private range copy-on-write on its own");
	ATF_REQUIRE_EQ(0, vm_copyin(vs, d, &b, 1));
	ATF_CHECK_EQ_MSG(0xd1, b, "the parent's duplicate reads %#x, not the "
	    "0xd1 written through the original", b);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * The work-around vm_mremap(3) gives under BUGS: views whose inheritance
 * is not VM_INHERIT_COPY stay one memory in the parent across a fork
 * (VM_INHERIT_SHARE: in the child too; VM_INHERIT_NONE: not in it).
 */
ATF_TC_WITHOUT_HEAD(mremap__remapdup_fork_inherit);
ATF_TC_BODY(mremap__remapdup_fork_inherit, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, d, b, e;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, PG, RW, FIXED_PRIV);
	d = REMAP(vs, a, PG, 0, PG, VM_MAP_REMAPDUP);
	b = MAP(vs, BASE + 16 * PG, PG, RW, FIXED_PRIV);
	e = REMAP(vs, b, PG, 0, PG, VM_MAP_REMAPDUP);
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a, PG, VM_INHERIT_SHARE));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, d, PG, VM_INHERIT_SHARE));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, b, PG, VM_INHERIT_NONE));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, e, PG, VM_INHERIT_NONE));
	FILL(vs, a, PG, 0x61);
	FILL(vs, b, PG, 0x62);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));

	FILL(vs, a, PG, 0x63);
	EXPECT_FILL(vs, d, PG, 0x63);
	EXPECT_FILL(child, d, PG, 0x63);
	FILL(child, d, PG, 0x64);
	EXPECT_FILL(vs, a, PG, 0x64);
	FILL(vs, e, PG, 0x65);
	EXPECT_FILL(vs, b, PG, 0x65);
	UNMAPPED(child, b, PG);
	UNMAPPED(child, e, PG);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- what moves with a mapping --------------------------------------------- */

/* A moved private range forks like any other: the child gets a copy. */
ATF_TC_WITHOUT_HEAD(mremap__fork_after_move);
ATF_TC_BODY(mremap__fork_after_move, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, n, c;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	(void)MAP(vs, BASE + 2 * PG, PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 2, 0xe0);
	n = REMAP(vs, a, 2 * PG, 0, 3 * PG, 0);
	ATF_REQUIRE(n != a);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	EXPECT_PAGES(child, n, 2, 0xe0);
	EXPECT_FILL(child, n + 2 * PG, PG, 0);
	UNMAPPED(child, a, 2 * PG);
	FILL(child, n, PG, 0x18);
	EXPECT_PAGES(vs, n, 2, 0xe0);
	FILL(vs, n + PG, PG, 0x19);
	EXPECT_FILL(child, n + PG, PG, 0xe1);
	EXPECT_FILL(child, n, PG, 0x18);

	/* The child moves its copy; the parent's stays. */
	c = REMAP(child, n, 3 * PG, BASE + 64 * PG, 3 * PG, VM_MAP_FIXED);
	EXPECT_FILL(child, c, PG, 0x18);
	EXPECT_FILL(child, c + PG, PG, 0xe1);
	UNMAPPED(child, n, 3 * PG);
	UNMAPPED(vs, c, 3 * PG);
	EXPECT_FILL(vs, n, PG, 0xe0);
	EXPECT_FILL(vs, n + PG, PG, 0x19);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Moving a range that still shares its pages copy-on-write with a child
 * keeps it copy-on-write: the parent's writes at the new place are its
 * own, and the child keeps the old contents.
 */
ATF_TC_WITHOUT_HEAD(mremap__move_cow);
ATF_TC_BODY(mremap__move_cow, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, n;
	size_t cnt;
	int i;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 3 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 3, 0xf0);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	n = REMAP(vs, a, 3 * PG, BASE + 32 * PG, 3 * PG, VM_MAP_FIXED);
	cnt = PSTAT(vs);
	i = KVE_AT(cnt, n);
	ATF_CHECK((kve[i].kve_flags & VM_KVME_FLAG_COW) != 0);
	EXPECT_PAGES(vs, n, 3, 0xf0);
	FILL(vs, n, PG, 0x1a);
	EXPECT_PAGES(child, a, 3, 0xf0);
	FILL(child, a + PG, PG, 0x1b);
	EXPECT_FILL(vs, n, PG, 0x1a);
	EXPECT_PAGES(vs, n + PG, 2, 0xf1);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Shared memory stays shared: a MAP_SHARED range, shared with a child,
 * moved and grown by the parent, is still the child's memory, and is
 * still inherited shared.
 */
ATF_TC_WITHOUT_HEAD(mremap__shared_stays_shared);
ATF_TC_BODY(mremap__shared_stays_shared, tc)
{
	struct vmspace *vs, *child, *gchild;
	vm_offset_t s, n;
	size_t cnt;
	int i;

	boot_checked();
	vs = vs_new();
	s = MAP(vs, BASE, 2 * PG, RW, ANON_SHARED | VM_MAP_FIXED);
	(void)MAP(vs, BASE + 2 * PG, PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, s, 2, 0x21);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));

	n = REMAP(vs, s, 2 * PG, 0, 4 * PG, 0);
	ATF_REQUIRE(n != s);
	FILL(child, s, PG, 0x31);
	EXPECT_FILL(vs, n, PG, 0x31);
	FILL(vs, n + PG, PG, 0x32);
	EXPECT_FILL(child, s + PG, PG, 0x32);

	cnt = PSTAT(vs);
	i = KVE_AT(cnt, n);
	ATF_CHECK_EQ(VM_INHERIT_SHARE, kve[i].kve_inheritance);
	i = kve_find(cnt, n + 3 * PG);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_INHERIT_SHARE, kve[i].kve_inheritance);

	/* And with the next generation. */
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &gchild));
	FILL(gchild, n + 3 * PG, PG, 0x33);
	EXPECT_FILL(vs, n + 3 * PG, PG, 0x33);
	FILL(gchild, n, PG, 0x34);
	EXPECT_FILL(child, s, PG, 0x34);

	/* A duplicate of shared memory shares it too. */
	(void)REMAP(vs, n, 2 * PG, BASE + 64 * PG, 2 * PG,
	    VM_MAP_REMAPDUP | VM_MAP_FIXED);
	FILL(child, s + PG, PG, 0x35);
	EXPECT_FILL(vs, BASE + 65 * PG, PG, 0x35);
	vmspace_release(gchild);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A range made of several mappings (here by vm_mprotect and
 * vm_minherit) moves as a whole, each part with its protection and
 * inheritance; the extension takes the last part's.
 */
ATF_TC_WITHOUT_HEAD(mremap__several_entries);
ATF_TC_BODY(mremap__several_entries, tc)
{
	struct vmspace *vs;
	vm_offset_t a, n;
	size_t cnt;
	int i;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 4 * PG, RW, FIXED_PRIV);
	(void)MAP(vs, BASE + 4 * PG, PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 4, 0x41);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + PG, PG, VM_PROT_READ));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a + 3 * PG, PG, VM_INHERIT_ZERO));

	n = REMAP(vs, a, 4 * PG, 0, 6 * PG, 0);
	ATF_REQUIRE(n != a);
	EXPECT_PAGES(vs, n, 4, 0x41);
	EXPECT_FILL(vs, n + 4 * PG, 2 * PG, 0);
	ACCERR(vs, n + PG, VM_PROT_WRITE);
	ACCESS_OK(vs, n + 2 * PG, VM_PROT_WRITE);

	cnt = PSTAT(vs);
	i = KVE_AT(cnt, n);
	ATF_CHECK_EQ(n + PG, kve[i].kve_end);
	ATF_CHECK_EQ(RW, kve[i].kve_protection);
	i = KVE_AT(cnt, n + PG);
	ATF_CHECK_EQ(VM_PROT_READ, kve[i].kve_protection);
	i = KVE_AT(cnt, n + 3 * PG);
	ATF_CHECK_EQ(VM_INHERIT_ZERO, kve[i].kve_inheritance);
	ATF_CHECK_EQ(n + 6 * PG, kve[i].kve_end);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Regression: moving part of an anonymous mapping must give the part an
 * object of its own.  Otherwise the part left behind, grown in place
 * into the range vacated, extends the shared object (vm_object_coalesce)
 * over the moved part's offsets and frees its pages.
 */
ATF_TC_WITHOUT_HEAD(mremap__part_then_grow);
ATF_TC_BODY(mremap__part_then_grow, tc)
{
	struct vmspace *vs;
	vm_offset_t a, m;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 4 * PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 4, 0x51);
	m = REMAP(vs, a + PG, 2 * PG, BASE + 64 * PG, 2 * PG, VM_MAP_FIXED);
	UNMAPPED(vs, a + PG, 2 * PG);
	EXPECT_PAGES(vs, m, 2, 0x52);

	ATF_CHECK_EQ(a, REMAP(vs, a, PG, 0, 3 * PG, 0));
	EXPECT_FILL(vs, a, PG, 0x51);
	EXPECT_FILL(vs, a + PG, 2 * PG, 0);
	EXPECT_FILL(vs, a + 3 * PG, PG, 0x54);
	EXPECT_PAGES(vs, m, 2, 0x52);

	/* Unmapping the rest does not touch the moved part either. */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, 4 * PG));
	EXPECT_PAGES(vs, m, 2, 0x52);
	/* Nor does the moved part, grown, reach the old pages. */
	ATF_CHECK_EQ(m, REMAP(vs, m, 2 * PG, 0, 4 * PG, 0));
	EXPECT_PAGES(vs, m, 2, 0x52);
	EXPECT_FILL(vs, m + 2 * PG, 2 * PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- locked memory --------------------------------------------------------- */

/*
 * A locked range moves locked: the same pages stay wired (the user-wired
 * count does not change), the new range is USER_WIRED and mapped (no
 * fault to reach it), and vm_munlock there unlocks it.  An extension is
 * not locked; a shrink unlocks the tail.
 */
ATF_TC_WITHOUT_HEAD(mremap__locked);
ATF_TC_BODY(mremap__locked, tc)
{
	struct vmspace *vs;
	vm_offset_t a, n;
	uint64_t uw, faults;
	size_t cnt;
	int i;

	boot_checked();
	vs = vs_new();
	a = MAP(vs, BASE, 3 * PG, RW, FIXED_PRIV);
	(void)MAP(vs, BASE + 3 * PG, PG, RW, FIXED_PRIV);
	FILL_PAGES(vs, a, 3, 0x61);
	uw = STAT("v_user_wire_count");
	ATF_REQUIRE_EQ(0, vm_mlock(vs, a, 3 * PG));
	ATF_REQUIRE_EQ(uw + 3, STAT("v_user_wire_count"));

	n = REMAP(vs, a, 3 * PG, BASE + 32 * PG, 3 * PG, VM_MAP_FIXED);
	ATF_CHECK_EQ(uw + 3, STAT("v_user_wire_count"));
	faults = STAT("v_vm_faults");
	EXPECT_PAGES(vs, n, 3, 0x61);
	FILL(vs, n + 2 * PG, PG, 0x62);
	ATF_CHECK_EQ(faults, STAT("v_vm_faults"));
	cnt = PSTAT(vs);
	i = KVE_AT(cnt, n);
	ATF_CHECK((kve[i].kve_flags & VM_KVME_FLAG_USER_WIRED) != 0);
	ATF_CHECK_EQ(3, kve[i].kve_resident);

	/* Growing in place: the old part stays locked, the rest is not. */
	n = REMAP(vs, n, 3 * PG, 0, 5 * PG, 0);
	ATF_CHECK_EQ(BASE + 32 * PG, n);
	ATF_CHECK_EQ(uw + 3, STAT("v_user_wire_count"));
	cnt = PSTAT(vs);
	i = kve_find(cnt, n + 4 * PG);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK((kve[i].kve_flags & VM_KVME_FLAG_USER_WIRED) == 0);

	/* Shrinking unlocks the tail. */
	n = REMAP(vs, n, 5 * PG, 0, 2 * PG, 0);
	ATF_CHECK_EQ(uw + 2, STAT("v_user_wire_count"));
	EXPECT_PAGES(vs, n, 2, 0x61);

	ATF_REQUIRE_EQ(0, vm_munlock(vs, n, 2 * PG));
	ATF_CHECK_EQ(uw, STAT("v_user_wire_count"));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * After vm_mlockall(VM_MCL_FUTURE) the memory vm_mremap adds is locked,
 * as vm_mmap's is, and refused (ENOMEM, nothing changed) when it would
 * pass RLIMIT_MEMLOCK.
 */
ATF_TC_WITHOUT_HEAD(mremap__mlockall_future);
ATF_TC_BODY(mremap__mlockall_future, tc)
{
	struct vmspace *vs;
	struct snap sn;
	vm_offset_t a, d;
	uint64_t uw;

	boot_checked();
	vs = vs_new();
	ATF_REQUIRE_EQ(0, vm_mlockall(vs, VM_MCL_FUTURE));
	uw = STAT("v_user_wire_count");
	a = MAP(vs, BASE, 2 * PG, RW, FIXED_PRIV);
	ATF_REQUIRE_EQ(uw + 2, STAT("v_user_wire_count"));
	FILL_PAGES(vs, a, 2, 0x71);

	ATF_CHECK_EQ(a, REMAP(vs, a, 2 * PG, 0, 4 * PG, 0));
	ATF_CHECK_EQ(uw + 4, STAT("v_user_wire_count"));
	d = REMAP(vs, a, 4 * PG, 0, 4 * PG, VM_MAP_REMAPDUP);
	ATF_CHECK_EQ(uw + 8, STAT("v_user_wire_count"));
	EXPECT_PAGES(vs, d, 2, 0x71);

	ATF_REQUIRE_EQ(0, vm_setrlimit(vs, VM_RLIMIT_MEMLOCK, 9 * PG,
	    9 * PG));
	snap_take(vs, &sn);
	REMAP_FAILS(vs, a, 4 * PG, 0, 6 * PG, 0, ENOMEM);
	REMAP_FAILS(vs, a, PG, 0, 2 * PG, VM_MAP_REMAPDUP, ENOMEM);
	SNAP_SAME(vs, &sn);
	ATF_CHECK_EQ(a, REMAP(vs, a, 4 * PG, 0, 5 * PG, 0));
	ATF_CHECK_EQ(uw + 9, STAT("v_user_wire_count"));
	vmspace_release(vs);
	ATF_CHECK_EQ(uw, STAT("v_user_wire_count"));
	vm_shutdown();
}

/* ---- threads --------------------------------------------------------------- */

#define	MT_ROUNDS	200

struct mt {
	struct vmspace	*vs;
	_Atomic int	stop;
	_Atomic int	bad;
};

struct mt_mover {
	struct mt	*mt;
	vm_offset_t	slot[2];
	uint8_t		v;
};

/* Moves its mapping between its two slots, growing and shrinking it. */
static void *
mt_mover(void *arg)
{
	struct mt_mover *m = arg;
	uint8_t buf[64];
	vm_offset_t cur, n;
	int r, k, error;

	cur = m->slot[0];
	for (r = 0; r < MT_ROUNDS; r++) {
		n = m->slot[(r + 1) % 2];
		error = vm_mremap(m->mt->vs, cur, 2 * PG, &n, r % 3 == 0 ?
		    3 * PG : 2 * PG, VM_MAP_FIXED);
		if (error == 0 && r % 3 == 0)
			error = vm_mremap(m->mt->vs, n, 3 * PG, &n, 2 * PG, 0);
		if (error != 0 || vm_copyin(m->mt->vs, n, buf,
		    sizeof(buf)) != 0) {
			atomic_store(&m->mt->bad, 1);
			break;
		}
		for (k = 0; k < (int)sizeof(buf); k++)
			if (buf[k] != m->v)
				atomic_store(&m->mt->bad, 2);
		cur = n;
	}
	return (NULL);
}

/* Reads the slots: EFAULT while a mapping is elsewhere, never zeros. */
static void *
mt_reader(void *arg)
{
	struct mt_mover *m = arg;
	uint8_t b;
	int i;

	while (!atomic_load(&m[0].mt->stop))
		for (i = 0; i < 4; i++)
			if (vm_copyin(m[0].mt->vs, m[i / 2].slot[i % 2] + PG,
			    &b, 1) == 0 && b != m[i / 2].v)
				atomic_store(&m[0].mt->bad, 3);
	return (NULL);
}

static void *
mt_forker(void *arg)
{
	struct mt *mt = arg;
	struct vmspace *child;

	while (!atomic_load(&mt->stop))
		if (vmspace_fork(mt->vs, &child) == 0)
			vmspace_release(child);
	return (NULL);
}

/*
 * Two threads move their mappings back and forth while one reads the
 * four places and another forks the address space: every move keeps the
 * contents, and a reader never sees a half-moved range (also run under
 * ThreadSanitizer).
 */
ATF_TC_WITHOUT_HEAD(mremap__concurrent);
ATF_TC_BODY(mremap__concurrent, tc)
{
	struct mt mt = { 0 };
	struct mt_mover m[2];
	pthread_t t[4];
	int i;

	boot_checked();
	mt.vs = vs_new();
	for (i = 0; i < 2; i++) {
		m[i].mt = &mt;
		m[i].slot[0] = BASE + (vm_offset_t)i * 64 * PG;
		m[i].slot[1] = m[i].slot[0] + 32 * PG;
		m[i].v = (uint8_t)(0x81 + i);
		(void)MAP(mt.vs, m[i].slot[0], 2 * PG, RW, FIXED_PRIV);
		FILL(mt.vs, m[i].slot[0], 2 * PG, m[i].v);
	}
	ATF_REQUIRE_EQ(0, pthread_create(&t[0], NULL, mt_mover, &m[0]));
	ATF_REQUIRE_EQ(0, pthread_create(&t[1], NULL, mt_mover, &m[1]));
	ATF_REQUIRE_EQ(0, pthread_create(&t[2], NULL, mt_reader, m));
	ATF_REQUIRE_EQ(0, pthread_create(&t[3], NULL, mt_forker, &mt));
	ATF_REQUIRE_EQ(0, pthread_join(t[0], NULL));
	ATF_REQUIRE_EQ(0, pthread_join(t[1], NULL));
	atomic_store(&mt.stop, 1);
	ATF_REQUIRE_EQ(0, pthread_join(t[2], NULL));
	ATF_REQUIRE_EQ(0, pthread_join(t[3], NULL));
	ATF_CHECK_EQ_MSG(0, atomic_load(&mt.bad), "failure kind %d",
	    atomic_load(&mt.bad));
	vmspace_release(mt.vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mremap__grow_in_place);
	ATF_TP_ADD_TC(tp, mremap__shrink_and_same);
	ATF_TP_ADD_TC(tp, mremap__grow_moves);
	ATF_TP_ADD_TC(tp, mremap__hint);
	ATF_TP_ADD_TC(tp, mremap__fixed);
	ATF_TP_ADD_TC(tp, mremap__fixed_occupied);
	ATF_TP_ADD_TC(tp, mremap__aligned);
	ATF_TP_ADD_TC(tp, mremap__unaligned_sizes);
	ATF_TP_ADD_TC(tp, mremap__einval);
	ATF_TP_ADD_TC(tp, mremap__not_mapped);
	ATF_TP_ADD_TC(tp, mremap__rlimit_as);
	ATF_TP_ADD_TC(tp, mremap__remapdup_shares);
	ATF_TP_ADD_TC(tp, mremap__remapdup_resize);
	ATF_TP_ADD_TC(tp, mremap__rwx);
	ATF_TP_ADD_TC(tp, mremap__remapdup_cow);
	ATF_TP_ADD_TC(tp, mremap__remapdup_fork);
	ATF_TP_ADD_TC(tp, mremap__remapdup_fork_inherit);
	ATF_TP_ADD_TC(tp, mremap__fork_after_move);
	ATF_TP_ADD_TC(tp, mremap__move_cow);
	ATF_TP_ADD_TC(tp, mremap__shared_stays_shared);
	ATF_TP_ADD_TC(tp, mremap__several_entries);
	ATF_TP_ADD_TC(tp, mremap__part_then_grow);
	ATF_TP_ADD_TC(tp, mremap__locked);
	ATF_TP_ADD_TC(tp, mremap__mlockall_future);
	ATF_TP_ADD_TC(tp, mremap__concurrent);
	return (atf_no_error());
}
