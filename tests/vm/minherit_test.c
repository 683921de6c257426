/*
 * Acceptance tests of vm_minherit(3) through vmspace_fork(3), written
 * from FreeBSD's minherit(2) and the code of vm_map_inherit() and
 * vmspace_fork(), re-expressing NetBSD's t_minherit.c (minherit_copy,
 * _share, _none, _zero, _bad) against the public API only: a forked
 * address space plays the child process.
 *
 * VM_INHERIT_SHARE: parent and child see each other's writes;
 * VM_INHERIT_COPY: the child gets a copy-on-write snapshot;
 * VM_INHERIT_NONE: nothing is mapped in the child (SEGV_MAPERR);
 * VM_INHERIT_ZERO: the child gets fresh zero-filled memory.
 *
 * Every case boots its own libvm (64 MiB) and shuts it down at the end.
 */
#include <limits.h>

#include "api_test.h"

static inline __attribute__((__unused__)) struct vmspace *
fork_l(int line, struct vmspace *parent)
{
	struct vmspace *child = NULL;
	int error;

	error = vmspace_fork(parent, &child);
	ATF_REQUIRE_MSG(error == 0 && child != NULL, "line %d: vmspace_fork: "
	    "error %d", line, error);
	return (child);
}
#define	FORK(vs)	fork_l(__LINE__, (vs))

static inline __attribute__((__unused__)) int
inheritance_at_l(int line, struct vmspace *vs, vm_offset_t va)
{
	size_t n;
	int i;

	n = pstat_l(line, vs);
	i = kve_find(n, va);
	ATF_REQUIRE_MSG(i >= 0, "line %d: no entry at %#jx", line,
	    (uintmax_t)va);
	return (kve[i].kve_inheritance);
}
#define	INHERITANCE_AT(vs, va)	inheritance_at_l(__LINE__, (vs), (va))

/* ---- the four inheritances ---------------------------------------------- */

ATF_TC_WITHOUT_HEAD(minherit__share);
ATF_TC_BODY(minherit__share, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	FILL(vs, a, 2 * PG, 1);		/* pages 2 and 3 stay untouched */
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a, 4 * PG, VM_INHERIT_SHARE));
	ATF_CHECK_EQ(VM_INHERIT_SHARE, INHERITANCE_AT(vs, a));
	child = FORK(vs);
	ATF_CHECK_EQ(VM_INHERIT_SHARE, INHERITANCE_AT(child, a));
	EXPECT_FILL(child, a, 2 * PG, 1);
	EXPECT_FILL(child, a + 2 * PG, 2 * PG, 0);

	/* Writes after the fork are seen on both sides. */
	FILL(child, a, PG, 2);
	EXPECT_FILL(vs, a, PG, 2);
	FILL(vs, a + PG, PG, 3);
	EXPECT_FILL(child, a + PG, PG, 3);
	FILL(child, a + 2 * PG, PG, 4);
	EXPECT_FILL(vs, a + 2 * PG, PG, 4);
	FILL(vs, a + 3 * PG, PG, 5);
	EXPECT_FILL(child, a + 3 * PG, PG, 5);

	/* The sharing outlives either side. */
	vmspace_release(vs);
	EXPECT_FILL(child, a, PG, 2);
	EXPECT_FILL(child, a + 3 * PG, PG, 5);
	vmspace_release(child);
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(minherit__copy);
ATF_TC_BODY(minherit__copy, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	FILL(vs, a, 2 * PG, 1);
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a, 4 * PG, VM_INHERIT_COPY));
	child = FORK(vs);
	ATF_CHECK_EQ(VM_INHERIT_COPY, INHERITANCE_AT(child, a));
	EXPECT_FILL(child, a, 2 * PG, 1);
	EXPECT_FILL(child, a + 2 * PG, 2 * PG, 0);

	/* Each side's writes stay its own. */
	FILL(child, a, PG, 2);
	EXPECT_FILL(vs, a, PG, 1);
	FILL(vs, a + PG, PG, 3);
	EXPECT_FILL(child, a + PG, PG, 1);
	FILL(vs, a + 2 * PG, PG, 4);
	EXPECT_FILL(child, a + 2 * PG, PG, 0);
	FILL(child, a + 3 * PG, PG, 5);
	EXPECT_FILL(vs, a + 3 * PG, PG, 0);
	EXPECT_FILL(vs, a, PG, 1);
	EXPECT_FILL(child, a, PG, 2);

	vmspace_release(vs);
	EXPECT_FILL(child, a, PG, 2);
	EXPECT_FILL(child, a + PG, PG, 1);
	EXPECT_FILL(child, a + 2 * PG, PG, 0);
	EXPECT_FILL(child, a + 3 * PG, PG, 5);
	vmspace_release(child);
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(minherit__none);
ATF_TC_BODY(minherit__none, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, b;
	size_t n;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	b = MAP(vs, 0, PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	FILL(vs, a, 2 * PG, 1);
	FILL(vs, b, PG, 2);
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a, 2 * PG, VM_INHERIT_NONE));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, b, PG, VM_INHERIT_NONE));
	ATF_CHECK_EQ(VM_INHERIT_NONE, INHERITANCE_AT(vs, a));
	child = FORK(vs);
	MAPERR(child, a, VM_PROT_WRITE);
	MAPERR(child, a + PG, VM_PROT_READ);
	MAPERR(child, b, VM_PROT_READ);
	n = PSTAT(child);
	ATF_CHECK_EQ(0, n);
	/* The range is free in the child. */
	MAP(child, a, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL);
	EXPECT_FILL(child, a, 2 * PG, 0);
	FILL(child, a, 2 * PG, 3);
	EXPECT_FILL(vs, a, 2 * PG, 1);
	EXPECT_FILL(vs, b, PG, 2);
	vmspace_release(child);
	EXPECT_FILL(vs, a, 2 * PG, 1);
	vmspace_release(vs);
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(minherit__zero);
ATF_TC_BODY(minherit__zero, tc)
{
	struct vmspace *vs, *child, *grandchild;
	vm_offset_t a, r, s;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	r = ANON(vs, PG, VM_PROT_READ);
	s = MAP(vs, 0, 2 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	FILL(vs, a, 4 * PG, 1);
	FILL(vs, s, 2 * PG, 6);
	EXPECT_FILL(vs, r, PG, 0);
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a, 4 * PG, VM_INHERIT_ZERO));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, r, PG, VM_INHERIT_ZERO));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, s, 2 * PG, VM_INHERIT_ZERO));
	child = FORK(vs);
	EXPECT_FILL(child, a, 4 * PG, 0);
	EXPECT_FILL(child, s, 2 * PG, 0);
	ATF_CHECK_EQ(VM_INHERIT_ZERO, INHERITANCE_AT(child, a));

	/* Fresh memory with the same protection, not shared. */
	ACCERR(child, r, VM_PROT_WRITE);
	FILL(child, a, 4 * PG, 2);
	EXPECT_FILL(vs, a, 4 * PG, 1);
	FILL(vs, a, PG, 3);
	EXPECT_FILL(child, a, PG, 2);
	FILL(child, s, PG, 7);
	EXPECT_FILL(vs, s, 2 * PG, 6);

	/* Still VM_INHERIT_ZERO one generation down. */
	grandchild = FORK(child);
	EXPECT_FILL(grandchild, a, 4 * PG, 0);
	EXPECT_FILL(child, a, 4 * PG, 2);
	vmspace_release(grandchild);
	vmspace_release(child);
	EXPECT_FILL(vs, a, PG, 3);
	EXPECT_FILL(vs, a + PG, 3 * PG, 1);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- arguments ----------------------------------------------------------- */

/*
 * An unknown inheritance is EINVAL and changes nothing (minherit_bad);
 * so is a range that wraps (kern_minherit).
 */
ATF_TC_WITHOUT_HEAD(minherit__bad_value);
ATF_TC_BODY(minherit__bad_value, tc)
{
	static const int bad[] = { 4, 5, -1, 100, INT_MAX, INT_MIN };
	struct vmspace *vs;
	vm_offset_t a;
	size_t i, n;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ATF_CHECK_MSG(vm_minherit(vs, a, 2 * PG, bad[i]) == EINVAL,
		    "inheritance %d not EINVAL", bad[i]);
		ATF_CHECK_MSG(vm_minherit(vs, a, 0, bad[i]) == EINVAL,
		    "inheritance %d, length 0, not EINVAL", bad[i]);
	}
	/* A range that wraps around is EINVAL too. */
	ATF_CHECK_EQ(EINVAL, vm_minherit(vs, (vm_offset_t)-1, 1,
	    VM_INHERIT_NONE));
	ATF_CHECK_EQ(EINVAL, vm_minherit(vs, (vm_offset_t)0 - PG, 2 * PG,
	    VM_INHERIT_NONE));
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(VM_INHERIT_COPY, kve[0].kve_inheritance);
	vmspace_release(vs);
	vm_shutdown();
}

/* Private mappings are inherited by copy, shared ones shared. */
ATF_TC_WITHOUT_HEAD(minherit__defaults);
ATF_TC_BODY(minherit__defaults, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, s;

	boot();
	vs = vs_new();
	a = ANON(vs, PG, RW);
	s = MAP(vs, 0, PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	ATF_CHECK_EQ(VM_INHERIT_COPY, INHERITANCE_AT(vs, a));
	ATF_CHECK_EQ(VM_INHERIT_SHARE, INHERITANCE_AT(vs, s));
	FILL(vs, a, PG, 1);
	FILL(vs, s, PG, 1);
	child = FORK(vs);
	FILL(child, a, PG, 2);
	FILL(child, s, PG, 2);
	EXPECT_FILL(vs, a, PG, 1);
	EXPECT_FILL(vs, s, PG, 2);
	FILL(vs, s, PG, 3);
	EXPECT_FILL(child, s, PG, 3);
	ATF_CHECK_EQ(VM_INHERIT_COPY, INHERITANCE_AT(child, a));
	ATF_CHECK_EQ(VM_INHERIT_SHARE, INHERITANCE_AT(child, s));
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Part of a mapping: the entry is split and each piece is inherited its
 * own way; an unaligned start is rounded down to its page; holes and
 * unmapped ranges are accepted; a zero length changes nothing.
 */
ATF_TC_WITHOUT_HEAD(minherit__ranges);
ATF_TC_BODY(minherit__ranges, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a = 0x30000000000;
	size_t n;

	boot();
	vs = vs_new();
	MAP(vs, a, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MAP(vs, a + 6 * PG, PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, a, 4 * PG, 1);
	FILL(vs, a + 6 * PG, PG, 1);
	/* [a+PG+1, a+PG+2): page 1 only. */
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a + PG + 1, 1, VM_INHERIT_NONE));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a + 2 * PG, 0, VM_INHERIT_NONE));
	/* Page 3 and the hole and page 6. */
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a + 3 * PG, 4 * PG,
	    VM_INHERIT_SHARE));
	ATF_CHECK_EQ(0, vm_minherit(vs, 0x40000000000, 4 * PG,
	    VM_INHERIT_NONE));
	n = PSTAT(vs);
	if (n != 5)
		kve_dump(n);
	ATF_REQUIRE_EQ(5, n);
	ATF_CHECK_EQ(VM_INHERIT_COPY, kve[0].kve_inheritance);
	ATF_CHECK_EQ(a + PG, kve[0].kve_end);
	ATF_CHECK_EQ(VM_INHERIT_NONE, kve[1].kve_inheritance);
	ATF_CHECK_EQ(a + 2 * PG, kve[1].kve_end);
	ATF_CHECK_EQ(VM_INHERIT_COPY, kve[2].kve_inheritance);
	ATF_CHECK_EQ(a + 3 * PG, kve[2].kve_end);
	ATF_CHECK_EQ(VM_INHERIT_SHARE, kve[3].kve_inheritance);
	ATF_CHECK_EQ(a + 4 * PG, kve[3].kve_end);
	ATF_CHECK_EQ(VM_INHERIT_SHARE, kve[4].kve_inheritance);

	child = FORK(vs);
	EXPECT_FILL(child, a, PG, 1);
	MAPERR(child, a + PG, VM_PROT_READ);
	EXPECT_FILL(child, a + 2 * PG, PG, 1);
	FILL(child, a + 2 * PG, PG, 2);
	EXPECT_FILL(vs, a + 2 * PG, PG, 1);
	FILL(child, a + 3 * PG, PG, 3);
	EXPECT_FILL(vs, a + 3 * PG, PG, 3);
	MAPERR(child, a + 4 * PG, VM_PROT_READ);
	FILL(child, a + 6 * PG, PG, 4);
	EXPECT_FILL(vs, a + 6 * PG, PG, 4);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Guard entries are inherited (as guards) unless VM_INHERIT_NONE, and
 * vm_map_inherit does not make a guard VM_INHERIT_ZERO.
 */
ATF_TC_WITHOUT_HEAD(minherit__guard);
ATF_TC_BODY(minherit__guard, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t g = 0x30000000000;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	MAP(vs, g, 2 * PG, VM_PROT_NONE, VM_MAP_GUARD | VM_MAP_FIXED);
	MAP(vs, g + 4 * PG, 2 * PG, VM_PROT_NONE, VM_MAP_GUARD | VM_MAP_FIXED);
	ATF_REQUIRE_EQ(0, vm_minherit(vs, g, 2 * PG, VM_INHERIT_ZERO));
	ATF_CHECK(INHERITANCE_AT(vs, g) != VM_INHERIT_ZERO);
	ATF_REQUIRE_EQ(0, vm_minherit(vs, g + 4 * PG, 2 * PG,
	    VM_INHERIT_NONE));
	child = FORK(vs);
	n = PSTAT(child);
	ATF_REQUIRE_EQ(1, n);
	i = kve_find(n, g);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_KVME_TYPE_GUARD, kve[i].kve_type);
	ATF_CHECK_EQ(g + 2 * PG, kve[i].kve_end);
	ACCERR(child, g, VM_PROT_READ);
	MAP(child, g + 4 * PG, 2 * PG, RW,
	    ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL);
	MMAP_FAILS(child, g, PG, RW, ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL,
	    -1, 0, ENOMEM);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- generations and lifetimes ------------------------------------------ */

/* Copies of copies: every generation keeps its own view. */
ATF_TC_WITHOUT_HEAD(fork__chain);
ATF_TC_BODY(fork__chain, tc)
{
	struct vmspace *p, *c, *g;
	vm_offset_t a;

	boot();
	p = vs_new();
	a = ANON(p, 8 * PG, RW);
	FILL(p, a, 8 * PG, 1);
	c = FORK(p);
	FILL(c, a, 4 * PG, 2);
	g = FORK(c);
	EXPECT_FILL(g, a, 4 * PG, 2);
	EXPECT_FILL(g, a + 4 * PG, 4 * PG, 1);
	EXPECT_FILL(p, a, 8 * PG, 1);
	FILL(g, a + 2 * PG, 4 * PG, 3);
	EXPECT_FILL(c, a, 4 * PG, 2);
	EXPECT_FILL(c, a + 4 * PG, 4 * PG, 1);
	FILL(p, a + 6 * PG, 2 * PG, 4);
	EXPECT_FILL(c, a + 6 * PG, 2 * PG, 1);
	EXPECT_FILL(g, a + 6 * PG, 2 * PG, 1);

	/* The middle generation goes first. */
	vmspace_release(c);
	EXPECT_FILL(g, a, 2 * PG, 2);
	EXPECT_FILL(g, a + 2 * PG, 4 * PG, 3);
	EXPECT_FILL(g, a + 6 * PG, 2 * PG, 1);
	EXPECT_FILL(p, a, 6 * PG, 1);
	EXPECT_FILL(p, a + 6 * PG, 2 * PG, 4);
	vmspace_release(p);
	EXPECT_FILL(g, a, 2 * PG, 2);
	EXPECT_FILL(g, a + 6 * PG, 2 * PG, 1);
	FILL(g, a, 8 * PG, 5);
	EXPECT_FILL(g, a, 8 * PG, 5);
	vmspace_release(g);
	vm_shutdown();
}

/* The child's copy survives the parent. */
ATF_TC_WITHOUT_HEAD(fork__parent_released_first);
ATF_TC_BODY(fork__parent_released_first, tc)
{
	struct vmspace *p, *c;
	vm_offset_t a;

	boot();
	p = vs_new();
	a = ANON(p, 16 * PG, RW);
	FILL(p, a, 16 * PG, 0x71);
	c = FORK(p);
	vmspace_release(p);
	EXPECT_FILL(c, a, 16 * PG, 0x71);
	FILL(c, a, 8 * PG, 0x72);
	EXPECT_FILL(c, a, 8 * PG, 0x72);
	EXPECT_FILL(c, a + 8 * PG, 8 * PG, 0x71);
	vmspace_release(c);
	vm_shutdown();
}

static inline __attribute__((__unused__)) uint64_t
fork_free_pages(void)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.stats.vm.v_free_count", &v,
	    &len, NULL, 0));
	return (v);
}

static void
fork_cycle(void)
{
	struct vmspace *p, *c, *g;
	vm_offset_t a, s, z, n;

	p = vs_new();
	a = ANON(p, 128 * PG, RW);
	s = MAP(p, 0, 64 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	z = ANON(p, 64 * PG, RW);
	n = ANON(p, 64 * PG, RW);
	FILL(p, a, 128 * PG, 1);
	FILL(p, s, 64 * PG, 1);
	FILL(p, z, 64 * PG, 1);
	FILL(p, n, 64 * PG, 1);
	ATF_REQUIRE_EQ(0, vm_minherit(p, z, 64 * PG, VM_INHERIT_ZERO));
	ATF_REQUIRE_EQ(0, vm_minherit(p, n, 64 * PG, VM_INHERIT_NONE));
	c = FORK(p);
	FILL(c, a, 64 * PG, 2);
	FILL(p, a + 64 * PG, 64 * PG, 3);
	FILL(c, z, 64 * PG, 2);
	g = FORK(c);
	FILL(g, a, 128 * PG, 4);
	vmspace_release(p);
	vmspace_release(g);
	vmspace_release(c);
}

/*
 * Forked address spaces give every page back when released, in any
 * order: after a warm-up cycle, further cycles leave v_free_count where
 * it was, give or take a few pages of allocator slack.
 */
ATF_TC_WITHOUT_HEAD(fork__release_frees_pages);
ATF_TC_BODY(fork__release_frees_pages, tc)
{
	uint64_t before, after;
	int k;

	boot();
	fork_cycle();
	before = fork_free_pages();
	for (k = 0; k < 3; k++)
		fork_cycle();
	after = fork_free_pages();
	ATF_CHECK_MSG(after + 16 >= before, "free pages %ju before, %ju "
	    "after: %jd lost", (uintmax_t)before, (uintmax_t)after,
	    (intmax_t)(before - after));
	vm_shutdown();
}

/* ---- a random model ------------------------------------------------------ */

/*
 * A model of up to RM_NVS address spaces over a window of RM_NPAGES pages:
 * each mapped page refers to a cell holding the byte every one of its
 * bytes has; pages that share memory share the cell.  Random operations
 * (write, read, fork by inheritance, release, fixed mmap private or
 * shared, munmap, mprotect, minherit, MADV_DONTNEED, new address space)
 * are applied to libvm and to the model, and every read is compared.
 * Shared mappings are never made VM_INHERIT_COPY (FreeBSD then turns the
 * parent's own entry copy-on-write too, which this model does not
 * follow).
 */
#define	RM_NPAGES	48
#define	RM_NVS		4
#define	RM_BASE		((vm_offset_t)0x20000000000)
#define	RM_MAXCELLS	(1u << 20)
#define	RM_LOG		24

struct rm_page {
	int		cell;		/* -1: unmapped */
	int		prot;
	int		inh;
	int		shared;
};

struct rm_vs {
	struct vmspace	*vs;
	struct rm_page	pg[RM_NPAGES];
};

static struct rm_vs rm[RM_NVS];
static uint8_t rm_cell[RM_MAXCELLS];
static unsigned rm_ncells;
static char rm_log[RM_LOG][96];
static unsigned rm_nlog;
static uint64_t rm_seed;

static uint64_t
rm_rand(void)
{
	uint64_t z = (rm_seed += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static int
rm_newcell(uint8_t v)
{
	ATF_REQUIRE(rm_ncells < RM_MAXCELLS);
	rm_cell[rm_ncells] = v;
	return ((int)rm_ncells++);
}

static void
rm_note(const char *fmt, int a, int b, int c, int d)
{
	snprintf(rm_log[rm_nlog % RM_LOG], sizeof(rm_log[0]), fmt, a, b, c,
	    d);
	rm_nlog++;
}

static void
rm_fail(uint64_t seed, const char *what, int v, int p)
{
	unsigned i;

	printf("seed %ju, after %u operations; the last ones:\n",
	    (uintmax_t)seed, rm_nlog);
	for (i = rm_nlog > RM_LOG ? rm_nlog - RM_LOG : 0; i < rm_nlog; i++)
		printf("  %u: %s\n", i, rm_log[i % RM_LOG]);
	atf_tc_fail("seed %ju op %u: %s (vs %d page %d)", (uintmax_t)seed,
	    rm_nlog, what, v, p);
}

static void
rm_check_page(uint64_t seed, int v, int p)
{
	static uint8_t buf[VM_PAGE_SIZE];
	struct rm_page *pg = &rm[v].pg[p];
	vm_size_t i;
	int error;

	error = vm_copyin(rm[v].vs, RM_BASE + (vm_offset_t)p * PG, buf, PG);
	if (pg->cell < 0 || (pg->prot & VM_PROT_READ) == 0) {
		if (error != EFAULT)
			rm_fail(seed, "read of an unreadable page did not "
			    "fault", v, p);
		return;
	}
	if (error != 0)
		rm_fail(seed, "read of a readable page faulted", v, p);
	for (i = 0; i < PG; i++)
		if (buf[i] != rm_cell[pg->cell]) {
			printf("byte %ju is %#x, the model says %#x\n",
			    (uintmax_t)i, buf[i], rm_cell[pg->cell]);
			rm_fail(seed, "contents differ from the model", v, p);
		}
}

static void
rm_run(uint64_t seed, int nops)
{
	static uint8_t buf[VM_PAGE_SIZE];
	static const int prots[] = { VM_PROT_NONE, VM_PROT_READ, RW, RW };
	struct rm_page *pg, *cp;
	struct vmspace *child;
	int op, v, c, p, n, i, x, error, inh, prot, shared, ok;
	vm_offset_t va;

	rm_seed = seed;
	rm_ncells = 0;
	rm_nlog = 0;
	memset(rm, 0, sizeof(rm));
	for (v = 0; v < RM_NVS; v++)
		for (p = 0; p < RM_NPAGES; p++)
			rm[v].pg[p].cell = -1;
	rm[0].vs = vs_new();

	while (nops-- > 0) {
		v = (int)(rm_rand() % RM_NVS);
		if (rm[v].vs == NULL) {
			rm[v].vs = vs_new();
			for (p = 0; p < RM_NPAGES; p++)
				rm[v].pg[p].cell = -1;
			rm_note("new %d", v, 0, 0, 0);
			continue;
		}
		p = (int)(rm_rand() % RM_NPAGES);
		n = 1 + (int)(rm_rand() % 6);
		if (p + n > RM_NPAGES)
			n = RM_NPAGES - p;
		va = RM_BASE + (vm_offset_t)p * PG;
		op = (int)(rm_rand() % 100);
		if (op < 30) {				/* write */
			pg = &rm[v].pg[p];
			x = (int)(rm_rand() % 255) + 1;
			memset(buf, x, sizeof(buf));
			rm_note("write %d page %d = %#x", v, p, x, 0);
			error = vm_copyout(rm[v].vs, buf, va, PG);
			ok = pg->cell >= 0 && (pg->prot & VM_PROT_WRITE) != 0;
			if (ok && error != 0)
				rm_fail(seed, "write to a writable page "
				    "faulted", v, p);
			if (!ok && error != EFAULT)
				rm_fail(seed, "write to an unwritable page did "
				    "not fault", v, p);
			if (ok)
				rm_cell[pg->cell] = (uint8_t)x;
		} else if (op < 50) {			/* read */
			rm_note("read %d page %d", v, p, 0, 0);
			rm_check_page(seed, v, p);
		} else if (op < 58) {			/* fork */
			for (c = 0; c < RM_NVS && rm[c].vs != NULL; c++)
				;
			if (c == RM_NVS)
				continue;
			rm_note("fork %d -> %d", v, c, 0, 0);
			error = vmspace_fork(rm[v].vs, &child);
			if (error != 0)
				rm_fail(seed, "vmspace_fork failed", v, -1);
			rm[c].vs = child;
			for (i = 0; i < RM_NPAGES; i++) {
				pg = &rm[v].pg[i];
				cp = &rm[c].pg[i];
				*cp = *pg;
				if (pg->cell < 0)
					continue;
				switch (pg->inh) {
				case VM_INHERIT_SHARE:
					break;
				case VM_INHERIT_COPY:
					cp->cell = rm_newcell(rm_cell[pg->cell]);
					break;
				case VM_INHERIT_NONE:
					cp->cell = -1;
					break;
				case VM_INHERIT_ZERO:
					cp->cell = rm_newcell(0);
					cp->shared = 0;
					break;
				}
			}
		} else if (op < 62) {			/* release */
			rm_note("release %d", v, 0, 0, 0);
			vmspace_release(rm[v].vs);
			rm[v].vs = NULL;
		} else if (op < 70) {			/* fixed mmap */
			shared = (rm_rand() % 3) == 0;
			rm_note("mmap %d pages %d+%d shared %d", v, p, n,
			    shared);
			MAP(rm[v].vs, va, (vm_size_t)n * PG, RW,
			    (shared ? VM_MAP_ANON | VM_MAP_SHARED : ANON_PRIV) |
			    VM_MAP_FIXED);
			for (i = p; i < p + n; i++) {
				pg = &rm[v].pg[i];
				pg->cell = rm_newcell(0);
				pg->prot = RW;
				pg->shared = shared;
				pg->inh = shared ? VM_INHERIT_SHARE :
				    VM_INHERIT_COPY;
			}
		} else if (op < 75) {			/* munmap */
			rm_note("munmap %d pages %d+%d", v, p, n, 0);
			ATF_REQUIRE_EQ(0, vm_munmap(rm[v].vs, va,
			    (vm_size_t)n * PG));
			for (i = p; i < p + n; i++)
				rm[v].pg[i].cell = -1;
		} else if (op < 84) {			/* mprotect */
			prot = prots[rm_rand() % 4];
			rm_note("mprotect %d pages %d+%d prot %d", v, p, n,
			    prot);
			ATF_REQUIRE_EQ(0, vm_mprotect(rm[v].vs, va,
			    (vm_size_t)n * PG, prot));
			for (i = p; i < p + n; i++)
				if (rm[v].pg[i].cell >= 0)
					rm[v].pg[i].prot = prot;
		} else if (op < 94) {			/* minherit */
			inh = (int)(rm_rand() % 4);
			for (i = p; i < p + n; i++)
				if (rm[v].pg[i].cell >= 0 &&
				    rm[v].pg[i].shared &&
				    inh == VM_INHERIT_COPY)
					inh = VM_INHERIT_SHARE;
			rm_note("minherit %d pages %d+%d inh %d", v, p, n,
			    inh);
			ATF_REQUIRE_EQ(0, vm_minherit(rm[v].vs, va,
			    (vm_size_t)n * PG, inh));
			for (i = p; i < p + n; i++)
				if (rm[v].pg[i].cell >= 0)
					rm[v].pg[i].inh = inh;
		} else {				/* MADV_DONTNEED */
			rm_note("dontneed %d pages %d+%d", v, p, n, 0);
			ATF_REQUIRE_EQ(0, vm_madvise(rm[v].vs, va,
			    (vm_size_t)n * PG, VM_MADV_DONTNEED));
		}
		if (rm_nlog % 64 == 0)
			for (c = 0; c < RM_NVS; c++)
				if (rm[c].vs != NULL)
					for (i = 0; i < RM_NPAGES; i++)
						rm_check_page(seed, c, i);
	}
	for (c = 0; c < RM_NVS; c++)
		if (rm[c].vs != NULL) {
			for (i = 0; i < RM_NPAGES; i++)
				rm_check_page(seed, c, i);
			vmspace_release(rm[c].vs);
			rm[c].vs = NULL;
		}
}

ATF_TC_WITHOUT_HEAD(fork__random_model);
ATF_TC_BODY(fork__random_model, tc)
{
	uint64_t before, after;
	uint64_t seed;

	boot();
	rm_run(1, 200);
	before = fork_free_pages();
	for (seed = 1; seed <= 24; seed++)
		rm_run(seed, 3000);
	after = fork_free_pages();
	ATF_CHECK_MSG(after + 32 >= before, "free pages %ju before, %ju "
	    "after: %jd lost", (uintmax_t)before, (uintmax_t)after,
	    (intmax_t)(before - after));
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, minherit__share);
	ATF_TP_ADD_TC(tp, minherit__copy);
	ATF_TP_ADD_TC(tp, minherit__none);
	ATF_TP_ADD_TC(tp, minherit__zero);
	ATF_TP_ADD_TC(tp, minherit__bad_value);
	ATF_TP_ADD_TC(tp, minherit__defaults);
	ATF_TP_ADD_TC(tp, minherit__ranges);
	ATF_TP_ADD_TC(tp, minherit__guard);
	ATF_TP_ADD_TC(tp, fork__chain);
	ATF_TP_ADD_TC(tp, fork__parent_released_first);
	ATF_TP_ADD_TC(tp, fork__release_frees_pages);
	ATF_TP_ADD_TC(tp, fork__random_model);
	return (atf_no_error());
}
