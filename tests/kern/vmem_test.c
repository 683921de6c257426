/*
 * Tests of vmem(9) arenas (sys/kern/subr_vmem.c) and kernel memory
 * (sys/vm/vm_kern.c: kmem_malloc, kmem_alloc_contig, kmem_free).
 *
 * Arenas here manage made-up integer ranges, so every address is checked
 * arithmetically; vmem_check() (the INVARIANTS checker, a real walk in
 * every build) runs after the steps that change an arena.  The fit-policy
 * cases build one fragmented arena whose three policies give three
 * different answers; the randomized case compares every operation with a
 * bitmap model, including a brute-force search that proves each ENOMEM
 * and each first-fit, best-fit and instant-fit choice.
 *
 * Death cases fork before booting: the child boots its own libvm, does
 * the forbidden thing and must panic (kern_test.h).
 */

#include "kern_test.h"	/* first: host headers before the kernel's */

#include <inttypes.h>
#include <stdlib.h>

#include <sys/malloc.h>
#include <sys/vmem.h>
#include <uma.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>
#include <vm/vm_kern.h>

#define	Q		16		/* the test arenas' quantum */
#define	BASE		0x100000	/* where their spans start */

static void
vt_boot(void)
{
	kt_boot(2);
}

/* Boot inside a death-test child (no ATF there). */
static void
child_boot(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 16 << 20;
	c.ncpu = 2;
	if (vm_boot(&c) != 0)
		_exit(3);
}

static vmem_t *
arena(const char *name, vmem_addr_t base, vmem_size_t size,
    vmem_size_t quantum, vmem_size_t qcache_max)
{
	vmem_t *vm;

	vm = vmem_create(name, base, size, quantum, qcache_max, M_WAITOK);
	ATF_REQUIRE_MSG(vm != NULL, "vmem_create %s failed", name);
	return (vm);
}

static vmem_addr_t
xalloc(vmem_t *vm, vmem_size_t size, vmem_size_t align, vmem_size_t phase,
    vmem_size_t nocross, vmem_addr_t minaddr, vmem_addr_t maxaddr, int flags)
{
	vmem_addr_t addr = 0;
	int error;

	error = vmem_xalloc(vm, size, align, phase, nocross, minaddr, maxaddr,
	    flags, &addr);
	ATF_REQUIRE_MSG(error == 0, "vmem_xalloc(%#jx, align %#jx, phase "
	    "%#jx, nocross %#jx, [%#jx, %#jx], %#x): error %d",
	    (uintmax_t)size, (uintmax_t)align, (uintmax_t)phase,
	    (uintmax_t)nocross, (uintmax_t)minaddr, (uintmax_t)maxaddr, flags,
	    error);
	return (addr);
}

static vmem_addr_t
xalloc_simple(vmem_t *vm, vmem_size_t size, int flags)
{
	return (xalloc(vm, size, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    flags));
}

static vmem_addr_t
qalloc(vmem_t *vm, vmem_size_t size)
{
	vmem_addr_t addr = 0;

	ATF_REQUIRE_EQ(0, vmem_alloc(vm, size, M_WAITOK, &addr));
	return (addr);
}

static struct vmem_stats
stats(vmem_t *vm)
{
	struct vmem_stats vs;

	vmem_stats(vm, &vs);
	return (vs);
}

static struct vmem_qcache_stats
qstats(vmem_t *vm, int idx)
{
	struct vmem_qcache_stats qs;

	ATF_REQUIRE_EQ(0, vmem_qcache_stats(vm, idx, &qs));
	return (qs);
}

/* The arena is one free segment per span, nothing allocated. */
static void
require_empty(vmem_t *vm)
{
	struct vmem_stats vs = stats(vm);

	vmem_check(vm);
	ATF_REQUIRE_EQ(0, vs.vs_inuse);
	ATF_REQUIRE_EQ(0, vs.vs_nbusy);
	ATF_REQUIRE_EQ(vs.vs_nspans, vs.vs_nfree);
}

/* ---- creation, spans, sizes ------------------------------------------- */

ATF_TC(create_add_sizes);
ATF_TC_HEAD(create_add_sizes, tc)
{
	KT_DESCR(tc, "An arena starts with its initial span as one free "
	    "segment; vmem_add adds spans (adjacent ones stay separate); "
	    "vmem_size reports allocated, free, total and the largest free "
	    "segment; vmem_roundup_size rounds to the quantum");
}
ATF_TC_BODY(create_add_sizes, tc)
{
	struct vmem_stats vs;
	vmem_addr_t a;
	vmem_t *vm;

	vt_boot();
	vm = arena("sizes", BASE, 64 * Q, Q, 0);
	ATF_REQUIRE_STREQ("sizes", vmem_name(vm));
	vs = stats(vm);
	ATF_REQUIRE_EQ(64 * Q, vs.vs_size);
	ATF_REQUIRE_EQ(1, vs.vs_nspans);
	ATF_REQUIRE_EQ(1, vs.vs_nfree);
	ATF_REQUIRE_EQ(Q, vs.vs_quantum);
	ATF_REQUIRE_EQ(0, vs.vs_nqcache);
	ATF_REQUIRE_EQ(2 * Q, vmem_roundup_size(vm, Q + 1));
	ATF_REQUIRE_EQ(64 * Q, vmem_size(vm, VMEM_FREE));
	ATF_REQUIRE_EQ(64 * Q, vmem_size(vm, VMEM_MAXFREE));

	/* A second span right after the first one: not merged with it. */
	ATF_REQUIRE_EQ(0, vmem_add(vm, BASE + 64 * Q, 32 * Q, M_WAITOK));
	vs = stats(vm);
	ATF_REQUIRE_EQ(96 * Q, vs.vs_size);
	ATF_REQUIRE_EQ(2, vs.vs_nspans);
	ATF_REQUIRE_EQ(2, vs.vs_nfree);
	ATF_REQUIRE_EQ(64 * Q, vmem_size(vm, VMEM_MAXFREE));
	vmem_check(vm);

	/* A request larger than either span fails, though the sum fits. */
	ATF_REQUIRE_EQ(ENOMEM, vmem_xalloc(vm, 80 * Q, 0, 0, 0,
	    VMEM_ADDR_MIN, VMEM_ADDR_MAX, M_NOWAIT, &a));

	a = xalloc_simple(vm, Q + 3, M_WAITOK);		/* rounded up */
	ATF_REQUIRE_EQ(2 * Q, vmem_lookup_size(vm, a));
	ATF_REQUIRE_EQ(0, vmem_lookup_size(vm, a + Q));
	ATF_REQUIRE_EQ(2 * Q, vmem_size(vm, VMEM_ALLOC));
	ATF_REQUIRE_EQ(94 * Q, vmem_size(vm, VMEM_FREE));
	ATF_REQUIRE_EQ(96 * Q, vmem_size(vm, VMEM_ALLOC | VMEM_FREE));
	vmem_xfree(vm, a, Q + 3);
	require_empty(vm);
	vmem_destroy(vm);

	/* No initial span: everything fails until one is added. */
	vm = arena("late", 0, 0, Q, 0);
	ATF_REQUIRE_EQ(ENOMEM, vmem_alloc(vm, Q, M_NOWAIT, &a));
	ATF_REQUIRE_EQ(0, vmem_add(vm, 0, 4 * Q, M_NOWAIT));
	ATF_REQUIRE_EQ(0, vmem_alloc(vm, Q, M_NOWAIT, &a));
	ATF_REQUIRE_EQ(0, a);			/* address 0 is an address */
	vmem_free(vm, a, Q);
	vmem_destroy(vm);
	vm_shutdown();
}

ATF_TC(top_of_address_space);
ATF_TC_HEAD(top_of_address_space, tc)
{
	KT_DESCR(tc, "A span ending at VMEM_ADDR_MAX works: segment ends are "
	    "inclusive, so nothing wraps; maxaddr is inclusive too");
}
ATF_TC_BODY(top_of_address_space, tc)
{
	vmem_addr_t a, b, base = 0ULL - 8 * 4096;
	vmem_t *vm;

	vt_boot();
	vm = arena("top", base, 8 * 4096, 4096, 0);
	a = xalloc(vm, 4096, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    M_WAITOK | M_BESTFIT);
	ATF_REQUIRE_EQ(base, a);
	b = xalloc(vm, 4096, 0, 0, 0, 0ULL - 4096, VMEM_ADDR_MAX, M_NOWAIT);
	ATF_REQUIRE_EQ(0ULL - 4096, b);		/* the very last page */
	ATF_REQUIRE_EQ(EBUSY, vmem_xalloc_addr(vm, 0ULL - 4096, 4096,
	    M_NOWAIT));
	vmem_xfree(vm, b, 4096);
	ATF_REQUIRE_EQ(0, vmem_xalloc_addr(vm, 0ULL - 2 * 4096, 2 * 4096,
	    M_NOWAIT));
	vmem_check(vm);
	vmem_xfree(vm, 0ULL - 2 * 4096, 2 * 4096);
	vmem_xfree(vm, a, 4096);
	require_empty(vm);
	vmem_destroy(vm);
	vm_shutdown();
}

/* ---- fit policies ----------------------------------------------------- */

/*
 * One span of 17 quanta, fragmented into three free segments separated by
 * allocated single quanta:
 *
 *	X [0, 5)   sep [5]   Y [6, 9)   sep [9]   Z [10, 16)   sep [16]
 *
 * X (5 quanta) and Z (6) are on the free list of 4..7 quanta, Y (3) on
 * the list of 2..3.  X is freed before Z, so Z heads its list.
 */
static vmem_t *
fragmented(vmem_addr_t seps[3])
{
	vmem_addr_t x, y, z;
	vmem_t *vm;

	vm = arena("frag", BASE, 17 * Q, Q, 0);
	x = xalloc(vm, 5 * Q, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    M_WAITOK | M_FIRSTFIT);
	seps[0] = xalloc_simple(vm, Q, M_WAITOK | M_FIRSTFIT);
	y = xalloc(vm, 3 * Q, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    M_WAITOK | M_FIRSTFIT);
	seps[1] = xalloc_simple(vm, Q, M_WAITOK | M_FIRSTFIT);
	z = xalloc(vm, 6 * Q, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    M_WAITOK | M_FIRSTFIT);
	seps[2] = xalloc_simple(vm, Q, M_WAITOK | M_FIRSTFIT);
	ATF_REQUIRE_EQ(BASE, x);
	ATF_REQUIRE_EQ(BASE + 6 * Q, y);
	ATF_REQUIRE_EQ(BASE + 10 * Q, z);
	ATF_REQUIRE_EQ(BASE + 16 * Q, seps[2]);
	ATF_REQUIRE_EQ(0, vmem_size(vm, VMEM_FREE));
	vmem_xfree(vm, y, 3 * Q);
	vmem_xfree(vm, x, 5 * Q);
	vmem_xfree(vm, z, 6 * Q);
	ATF_REQUIRE_EQ(3, stats(vm).vs_nfree);
	vmem_check(vm);
	return (vm);
}

static void
fragmented_destroy(vmem_t *vm, vmem_addr_t seps[3])
{
	int i;

	for (i = 0; i < 3; i++)
		vmem_xfree(vm, seps[i], Q);
	require_empty(vm);
	ATF_REQUIRE_EQ(1, stats(vm).vs_nfree);
	vmem_destroy(vm);
}

/* The address the strategy picks for size on a fresh fragmented arena. */
static vmem_addr_t
pick(int strat, vmem_size_t size)
{
	vmem_addr_t seps[3], a;
	vmem_t *vm;

	vm = fragmented(seps);
	a = xalloc(vm, size, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    M_NOWAIT | strat);
	vmem_check(vm);
	vmem_xfree(vm, a, size);
	fragmented_destroy(vm, seps);
	return (a);
}

ATF_TC(fit_policies);
ATF_TC_HEAD(fit_policies, tc)
{
	KT_DESCR(tc, "On free segments X (5 quanta, low), Y (3, middle) and Z "
	    "(6, high, heading the 4..7 list) a 3-quantum request goes to Z "
	    "with instant fit (first of the first list whose every member "
	    "fits), to Y with best fit and to X with first fit; the default "
	    "is instant fit");
}
ATF_TC_BODY(fit_policies, tc)
{
	vt_boot();
	ATF_REQUIRE_EQ(BASE + 10 * Q, pick(M_INSTANTFIT, 3 * Q));
	ATF_REQUIRE_EQ(BASE + 10 * Q, pick(0, 3 * Q));
	ATF_REQUIRE_EQ(BASE + 6 * Q, pick(M_BESTFIT, 3 * Q));
	ATF_REQUIRE_EQ(BASE, pick(M_FIRSTFIT, 3 * Q));
	/* A power of two: its own list's members all fit. */
	ATF_REQUIRE_EQ(BASE + 10 * Q, pick(M_INSTANTFIT, 4 * Q));
	ATF_REQUIRE_EQ(BASE, pick(M_BESTFIT, 4 * Q));
	/* 2 quanta: Y's list (2..3) qualifies for instant fit. */
	ATF_REQUIRE_EQ(BASE + 6 * Q, pick(M_INSTANTFIT, 2 * Q));
	vm_shutdown();
}

ATF_TC(instant_fit_falls_back);
ATF_TC_HEAD(instant_fit_falls_back, tc)
{
	KT_DESCR(tc, "Instant fit for 5 quanta finds the 8.. list empty and "
	    "falls back to the best fit in the 4..7 list (X, exactly 5), "
	    "then for 6 to Z; 7 quanta fit nowhere: ENOMEM, arena unchanged");
}
ATF_TC_BODY(instant_fit_falls_back, tc)
{
	vmem_addr_t seps[3], a;
	struct vmem_stats before;
	vmem_t *vm;

	vt_boot();
	ATF_REQUIRE_EQ(BASE, pick(M_INSTANTFIT, 5 * Q));
	ATF_REQUIRE_EQ(BASE + 10 * Q, pick(M_INSTANTFIT, 6 * Q));
	vm = fragmented(seps);
	before = stats(vm);
	ATF_REQUIRE_EQ(ENOMEM, vmem_xalloc(vm, 7 * Q, 0, 0, 0, VMEM_ADDR_MIN,
	    VMEM_ADDR_MAX, M_NOWAIT, &a));
	ATF_REQUIRE_EQ(before.vs_nfree, stats(vm).vs_nfree);
	ATF_REQUIRE_EQ(before.vs_inuse, stats(vm).vs_inuse);
	ATF_REQUIRE_EQ(before.vs_fails + 1, stats(vm).vs_fails);
	fragmented_destroy(vm, seps);
	vm_shutdown();
}

/* ---- coalescing ------------------------------------------------------- */

static size_t
count_lines(const char *s, const char *word)
{
	size_t n = 0;

	for (; (s = strstr(s, word)) != NULL; s += strlen(word))
		n++;
	return (n);
}

ATF_TC(coalescing);
ATF_TC_HEAD(coalescing, tc)
{
	KT_DESCR(tc, "Freeing merges a segment with free neighbours on both "
	    "sides; after 64 allocations are freed in a scrambled order one "
	    "free segment spans the arena again (vmem_print shows it)");
}
ATF_TC_BODY(coalescing, tc)
{
	vmem_addr_t a[64], t;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	vmem_t *vm;
	int i, j;

	vt_boot();
	vm = arena("coalesce", BASE, 256 * Q, Q, 0);
	for (i = 0; i < 3; i++)
		a[i] = xalloc_simple(vm, 4 * Q, M_WAITOK);
	vmem_xfree(vm, a[0], 4 * Q);
	vmem_xfree(vm, a[2], 4 * Q);		/* merges with the tail */
	ATF_REQUIRE_EQ(2, stats(vm).vs_nfree);
	vmem_xfree(vm, a[1], 4 * Q);		/* merges both sides */
	ATF_REQUIRE_EQ(1, stats(vm).vs_nfree);
	vmem_check(vm);

	for (i = 0; i < 64; i++)
		a[i] = xalloc_simple(vm, (vmem_size_t)(1 + i % 4) * Q,
		    M_WAITOK | M_FIRSTFIT);
	for (i = 0; i < 64; i++) {	/* a fixed scramble */
		j = (i * 37 + 11) % 64;
		t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
	for (i = 0; i < 64; i++) {
		vmem_xfree(vm, a[i], vmem_lookup_size(vm, a[i]));
		vmem_check(vm);
	}
	require_empty(vm);
	ATF_REQUIRE_EQ(1, stats(vm).vs_nfree);
	ATF_REQUIRE_EQ(256 * Q, vmem_size(vm, VMEM_MAXFREE));
	fp = open_memstream(&buf, &len);
	ATF_REQUIRE(fp != NULL);
	vmem_print(vm, fp);
	fclose(fp);
	ATF_REQUIRE_MSG(count_lines(buf, " free\n") == 1 &&
	    count_lines(buf, " allocated\n") == 0, "%s", buf);
	free(buf);
	vmem_destroy(vm);
	vm_shutdown();
}

/* ---- xalloc constraints ----------------------------------------------- */

ATF_TC(xalloc_constraints);
ATF_TC_HEAD(xalloc_constraints, tc)
{
	KT_DESCR(tc, "vmem_xalloc honours align and phase (start = phase "
	    "mod align), nocross (no boundary crossed; the allocation moves "
	    "past one), minaddr and maxaddr (inclusive), and fails with ENOMEM "
	    "when only a constraint is in the way");
}
ATF_TC_BODY(xalloc_constraints, tc)
{
	vmem_addr_t a, b, c, al[8];
	vmem_t *vm;
	int i;

	vt_boot();
	/* The span starts off every power of two above the quantum. */
	vm = arena("constrained", 0x10010, 0x10000, Q, 0);
	for (i = 0; i < 8; i++) {
		al[i] = xalloc(vm, 3 * Q, 0x1000, 0x100, 0, VMEM_ADDR_MIN,
		    VMEM_ADDR_MAX, M_NOWAIT);
		ATF_REQUIRE_EQ(0x100, al[i] % 0x1000);
		ATF_REQUIRE(al[i] >= 0x10010 && al[i] + 3 * Q <= 0x20010);
	}
	vmem_check(vm);
	for (i = 0; i < 8; i++)
		vmem_xfree(vm, al[i], 3 * Q);
	require_empty(vm);
	vmem_destroy(vm);
	vm = arena("constrained", 0x10010, 0x10000, Q, 0);

	/* The first free byte is 0x10010: 0x800 bytes would cross 0x10800 */
	a = xalloc_simple(vm, 0x7c0, M_NOWAIT);		/* to 0x107d0 */
	b = xalloc(vm, 0x800, 0, 0, 0x800, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    M_NOWAIT | M_FIRSTFIT);
	ATF_REQUIRE_EQ(0x10800, b);
	vmem_xfree(vm, b, 0x800);
	/* Phase 0x40 of 0x100 first gives 0x10840, which fits in its block. */
	b = xalloc(vm, 0x1c0, 0x100, 0x40, 0x200, VMEM_ADDR_MIN,
	    VMEM_ADDR_MAX, M_NOWAIT | M_FIRSTFIT);
	ATF_REQUIRE_EQ(0x10840, b);
	vmem_xfree(vm, b, 0x1c0);
	/*
	 * From 0x10900 the first candidate is 0x10940, which would cross
	 * 0x10a00: the allocation moves to the next block, phase kept.
	 */
	b = xalloc(vm, 0x1c0, 0x100, 0x40, 0x200, 0x10900, VMEM_ADDR_MAX,
	    M_NOWAIT | M_FIRSTFIT);
	ATF_REQUIRE_EQ(0x10a40, b);
	ATF_REQUIRE_EQ(b / 0x200, (b + 0x1c0 - 1) / 0x200);
	vmem_xfree(vm, b, 0x1c0);

	/* minaddr and maxaddr: the allocation ends exactly at maxaddr. */
	c = xalloc(vm, 0x100, 0, 0, 0, 0x18000, 0x180ff, M_NOWAIT);
	ATF_REQUIRE_EQ(0x18000, c);
	ATF_REQUIRE_EQ(ENOMEM, vmem_xalloc(vm, 0x100, 0, 0, 0, 0x18000,
	    0x180ff, M_NOWAIT, &b));
	b = xalloc(vm, 0x100, 0, 0, 0, 0x18000, 0x181ff,
	    M_NOWAIT | M_BESTFIT);
	ATF_REQUIRE_EQ(0x18100, b);
	vmem_xfree(vm, b, 0x100);
	vmem_xfree(vm, c, 0x100);
	/* The last quantum of the span, by maxaddr = its last byte. */
	b = xalloc(vm, Q, 0, 0, 0, 0x2000f - Q + 1, 0x2000f, M_NOWAIT);
	ATF_REQUIRE_EQ(0x20000, b);
	vmem_xfree(vm, b, Q);
	/* Outside every span. */
	ATF_REQUIRE_EQ(ENOMEM, vmem_xalloc(vm, Q, 0, 0, 0, 0x30000, 0x40000,
	    M_NOWAIT, &b));
	/* No multiple of 0x40000 in the span. */
	ATF_REQUIRE_EQ(ENOMEM, vmem_xalloc(vm, Q, 0x40000, 0, 0,
	    VMEM_ADDR_MIN, VMEM_ADDR_MAX, M_NOWAIT, &b));
	vmem_xfree(vm, a, 0x7c0);
	require_empty(vm);

	/* vmem_xalloc_addr: exactly that range, or EBUSY. */
	ATF_REQUIRE_EQ(0, vmem_xalloc_addr(vm, 0x14000, 0x1000, M_NOWAIT));
	ATF_REQUIRE_EQ(EBUSY, vmem_xalloc_addr(vm, 0x14ff0, 0x20, M_NOWAIT));
	ATF_REQUIRE_EQ(EBUSY, vmem_xalloc_addr(vm, 0x20000, 0x20, M_NOWAIT));
	ATF_REQUIRE_EQ(0, vmem_xalloc_addr(vm, 0x16000, 0x10, M_NOWAIT));
	ATF_REQUIRE_EQ(3, stats(vm).vs_nfree);
	vmem_check(vm);
	vmem_xfree(vm, 0x14000, 0x1000);
	vmem_xfree(vm, 0x16000, 0x10);
	require_empty(vm);
	vmem_destroy(vm);
	vm_shutdown();
}

/* ---- quantum caches --------------------------------------------------- */

ATF_TC(qcache);
ATF_TC_HEAD(qcache, tc)
{
	KT_DESCR(tc, "vmem_alloc of up to qcache_max bytes comes from a cache "
	    "per multiple of the quantum: a miss takes a batch of 16 from the "
	    "arena, frees stay cached (64 at most, then half goes back), "
	    "larger sizes and vmem_xalloc bypass the caches; draining gives "
	    "everything back");
}
ATF_TC_BODY(qcache, tc)
{
	vmem_addr_t a[100], big;
	struct vmem_qcache_stats qs;
	vmem_t *vm;
	int i;

	vt_boot();
	vm = arena("qc", BASE, 4096 * Q, Q, 4 * Q + 5);	/* rounds down */
	ATF_REQUIRE_EQ(4, stats(vm).vs_nqcache);
	ATF_REQUIRE_EQ(4 * Q, stats(vm).vs_qcache_max);
	ATF_REQUIRE_EQ(EINVAL, vmem_qcache_stats(vm, 4, &qs));

	a[0] = qalloc(vm, 2 * Q - 3);		/* the 2-quanta cache */
	qs = qstats(vm, 1);
	ATF_REQUIRE_EQ(2 * Q, qs.vqs_size);
	ATF_REQUIRE_EQ(1, qs.vqs_allocs);
	ATF_REQUIRE_EQ(16, qs.vqs_imports);
	ATF_REQUIRE_EQ(15, qs.vqs_cached);
	/* The arena counts the whole batch as allocated. */
	ATF_REQUIRE_EQ(16 * 2 * Q, vmem_size(vm, VMEM_ALLOC));
	ATF_REQUIRE_EQ(2 * Q, vmem_lookup_size(vm, a[0]));
	for (i = 1; i < 16; i++)
		a[i] = qalloc(vm, 2 * Q);
	qs = qstats(vm, 1);
	ATF_REQUIRE_EQ(16, qs.vqs_allocs);
	ATF_REQUIRE_EQ(16, qs.vqs_imports);
	ATF_REQUIRE_EQ(0, qs.vqs_cached);
	a[16] = qalloc(vm, 2 * Q);		/* the next batch */
	ATF_REQUIRE_EQ(32, qstats(vm, 1).vqs_imports);
	ATF_REQUIRE_EQ(0, qstats(vm, 0).vqs_allocs);	/* others untouched */

	/* Above qcache_max, and xalloc: the arena itself. */
	big = qalloc(vm, 5 * Q);
	ATF_REQUIRE_EQ(5 * Q, vmem_lookup_size(vm, big));
	vmem_free(vm, big, 5 * Q);
	ATF_REQUIRE_EQ(0, vmem_lookup_size(vm, big));
	big = xalloc_simple(vm, Q, M_WAITOK);
	ATF_REQUIRE_EQ(0, qstats(vm, 0).vqs_allocs);
	vmem_xfree(vm, big, Q);
	vmem_check(vm);

	/* Frees stay in the cache: the arena still counts them. */
	for (i = 0; i < 17; i++)
		vmem_free(vm, a[i], 2 * Q);
	qs = qstats(vm, 1);
	ATF_REQUIRE_EQ(17, qs.vqs_frees);
	ATF_REQUIRE_EQ(32, qs.vqs_cached);
	ATF_REQUIRE_EQ(32 * 2 * Q, vmem_size(vm, VMEM_ALLOC));
	vmem_check(vm);
	/* LIFO: the last freed comes back first, from the cache. */
	ATF_REQUIRE_EQ(a[16], qalloc(vm, 2 * Q));
	vmem_free(vm, a[16], 2 * Q);

	/* Overflow: 100 live, then freed: the cache keeps at most 64. */
	for (i = 0; i < 100; i++)
		a[i] = qalloc(vm, Q);
	for (i = 0; i < 100; i++)
		vmem_free(vm, a[i], Q);
	qs = qstats(vm, 0);
	ATF_REQUIRE(qs.vqs_cached <= 64 && qs.vqs_cached >= 32);
	ATF_REQUIRE_EQ(qs.vqs_imports - qs.vqs_releases, qs.vqs_cached);
	vmem_check(vm);

	vmem_qcache_drain(vm);
	ATF_REQUIRE_EQ(0, qstats(vm, 0).vqs_cached);
	ATF_REQUIRE_EQ(0, qstats(vm, 1).vqs_cached);
	require_empty(vm);
	ATF_REQUIRE_EQ(1, stats(vm).vs_nfree);

	/* qcache_max beyond 16 quanta is capped. */
	vmem_destroy(vm);
	vm = arena("qc big", BASE, 4096 * Q, Q, 1000 * Q);
	ATF_REQUIRE_EQ(VMEM_QCACHE_IDX_MAX, stats(vm).vs_nqcache);
	vmem_destroy(vm);
	vm_shutdown();
}

ATF_TC(qcache_drained_before_failing);
ATF_TC_HEAD(qcache_drained_before_failing, tc)
{
	KT_DESCR(tc, "An arena whose space all sits in a quantum cache still "
	    "satisfies a larger request: the failing allocation drains the "
	    "caches and retries");
}
ATF_TC_BODY(qcache_drained_before_failing, tc)
{
	vmem_addr_t a;
	vmem_t *vm;

	vt_boot();
	vm = arena("qc drain", BASE, 16 * Q, Q, Q);
	a = qalloc(vm, Q);		/* the batch takes the whole arena */
	ATF_REQUIRE_EQ(16 * Q, vmem_size(vm, VMEM_ALLOC));
	vmem_free(vm, a, Q);
	ATF_REQUIRE_EQ(16, qstats(vm, 0).vqs_cached);
	ATF_REQUIRE_EQ(0, vmem_alloc(vm, 16 * Q, M_NOWAIT, &a));
	ATF_REQUIRE_EQ(BASE, a);
	ATF_REQUIRE_EQ(0, qstats(vm, 0).vqs_cached);
	vmem_free(vm, a, 16 * Q);
	require_empty(vm);
	vmem_destroy(vm);
	vm_shutdown();
}

/* ---- imports ---------------------------------------------------------- */

struct import_log {
	vmem_t		*parent;
	int		imports, releases, fail;
	vmem_size_t	last_size;
};

static int
test_import(void *arg, vmem_size_t size, int flags, vmem_addr_t *addrp)
{
	struct import_log *log = arg;

	if (log->fail)
		return (ENOMEM);
	log->imports++;
	log->last_size = size;
	return (vmem_xalloc(log->parent, size, 0, 0, 0, VMEM_ADDR_MIN,
	    VMEM_ADDR_MAX, flags, addrp));
}

static void
test_release(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	struct import_log *log = arg;

	log->releases++;
	vmem_xfree(log->parent, addr, size);
}

ATF_TC(import_release);
ATF_TC_HEAD(import_release, tc)
{
	KT_DESCR(tc, "A child arena imports spans of its import quantum from "
	    "its parent when empty, serves later requests from them, releases "
	    "a span as soon as it is wholly free, imports with slack for large "
	    "alignments, fails cleanly when the import fails or the limit is "
	    "reached, and releases everything when destroyed");
}
ATF_TC_BODY(import_release, tc)
{
	struct import_log log = { 0 };
	vmem_addr_t a, b, c;
	struct vmem_stats vs;
	vmem_t *parent, *child;

	vt_boot();
	parent = arena("parent", 0x100000, 0x100000, 0x1000, 0);
	child = arena("child", 0, 0, Q, 0);
	log.parent = parent;
	vmem_set_import(child, test_import, test_release, &log, 0x4000);

	a = xalloc_simple(child, 0x100, M_WAITOK);
	ATF_REQUIRE_EQ(1, log.imports);
	ATF_REQUIRE_EQ(0x4000, log.last_size);
	ATF_REQUIRE_EQ(0x4000, vmem_size(parent, VMEM_ALLOC));
	ATF_REQUIRE_EQ(0x4000, vmem_size(child, VMEM_ALLOC | VMEM_FREE));
	b = xalloc_simple(child, 0x3f00, M_WAITOK);	/* the rest of it */
	ATF_REQUIRE_EQ(1, log.imports);
	c = xalloc_simple(child, Q, M_WAITOK);		/* a second span */
	ATF_REQUIRE_EQ(2, log.imports);
	vs = stats(child);
	ATF_REQUIRE_EQ(2, vs.vs_nspans);
	ATF_REQUIRE_EQ(2, vs.vs_imports);
	vmem_check(child);

	vmem_xfree(child, c, Q);			/* span 2 released */
	ATF_REQUIRE_EQ(1, log.releases);
	ATF_REQUIRE_EQ(0x4000, vmem_size(parent, VMEM_ALLOC));
	vmem_xfree(child, a, 0x100);
	ATF_REQUIRE_EQ(1, log.releases);		/* b still there */
	vmem_xfree(child, b, 0x3f00);
	ATF_REQUIRE_EQ(2, log.releases);
	ATF_REQUIRE_EQ(0, vmem_size(parent, VMEM_ALLOC));
	vs = stats(child);
	ATF_REQUIRE_EQ(0, vs.vs_size);
	ATF_REQUIRE_EQ(0, vs.vs_nspans);
	ATF_REQUIRE_EQ(2, vs.vs_releases);
	vmem_check(child);

	/* Alignment beyond the import quantum: the span has slack. */
	a = xalloc(child, 0x1000, 0x10000, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    M_WAITOK);
	ATF_REQUIRE_EQ(0, a % 0x10000);
	ATF_REQUIRE(log.last_size >= 0x1000 + 0x10000 - Q);
	vmem_xfree(child, a, 0x1000);
	ATF_REQUIRE_EQ(log.imports, log.releases);

	/* A span that cannot meet the constraint is given back. */
	ATF_REQUIRE_EQ(ENOMEM, vmem_xalloc(child, Q, 0, 0, 0, 0x10, 0x1f,
	    M_NOWAIT, &a));
	ATF_REQUIRE_EQ(log.imports, log.releases);
	ATF_REQUIRE_EQ(0, vmem_size(child, VMEM_ALLOC | VMEM_FREE));

	/* Failing imports: ENOMEM, nothing changes. */
	log.fail = 1;
	ATF_REQUIRE_EQ(ENOMEM, vmem_alloc(child, Q, M_NOWAIT, &a));
	ATF_REQUIRE_EQ(0, vmem_size(child, VMEM_ALLOC | VMEM_FREE));
	log.fail = 0;
	/* The limit: no import beyond 0x8000 bytes. */
	vmem_set_limit(child, 0x8000);
	a = xalloc_simple(child, 0x4000, M_NOWAIT);
	b = xalloc_simple(child, 0x4000, M_NOWAIT);
	ATF_REQUIRE_EQ(ENOMEM, vmem_alloc(child, Q, M_NOWAIT, &c));
	ATF_REQUIRE_EQ(0x8000, vmem_size(parent, VMEM_ALLOC));
	vmem_xfree(child, a, 0x4000);
	vmem_xfree(child, b, 0x4000);
	ATF_REQUIRE_EQ(log.imports, log.releases);
	vmem_check(child);
	vmem_destroy(child);
	ATF_REQUIRE_EQ(0, vmem_size(parent, VMEM_ALLOC));
	require_empty(parent);
	vmem_destroy(parent);
	vm_shutdown();
}

/* ---- waiting ---------------------------------------------------------- */

struct waiter {
	vmem_t		*vm;
	vmem_size_t	size;
	bool		viaalloc;	/* vmem_alloc (caches), not xalloc */
	_Atomic int	done;
	int		error;
	vmem_addr_t	addr;
};

static void *
waiter_thread(void *arg)
{
	struct waiter *w = arg;

	if (w->viaalloc)
		w->error = vmem_alloc(w->vm, w->size, M_WAITOK, &w->addr);
	else
		w->error = vmem_xalloc(w->vm, w->size, 0, 0, 0, VMEM_ADDR_MIN,
		    VMEM_ADDR_MAX, M_WAITOK, &w->addr);
	atomic_store(&w->done, 1);
	return (NULL);
}

static void
wait_case(bool viaalloc)
{
	struct waiter w = { 0 };
	vmem_addr_t a, b, c;
	pthread_t t;
	vmem_t *vm;

	vm = arena("waiting", BASE, 2 * Q, Q, viaalloc ? Q : 0);
	ATF_REQUIRE_EQ(0, vmem_alloc(vm, Q, M_NOWAIT, &a));
	ATF_REQUIRE_EQ(0, vmem_alloc(vm, Q, M_NOWAIT, &b));
	ATF_REQUIRE_EQ(ENOMEM, vmem_alloc(vm, Q, M_NOWAIT, &c));
	w.vm = vm;
	w.size = Q;
	w.viaalloc = viaalloc;
	kt_thread_start(&t, waiter_thread, &w);
	WAIT_FOR(kt_sleepers(vm) == 1);
	ATF_REQUIRE_EQ(0, atomic_load(&w.done));
	/* Through the cache if there is one: frees bypass it for a waiter. */
	vmem_free(vm, a, Q);
	kt_join(t);
	ATF_REQUIRE_EQ(0, w.error);
	ATF_REQUIRE_EQ(a, w.addr);
	ATF_REQUIRE(stats(vm).vs_sleeps >= 1);
	vmem_free(vm, w.addr, Q);
	vmem_free(vm, b, Q);
	vmem_qcache_drain(vm);
	require_empty(vm);
	vmem_destroy(vm);
}

ATF_TC(waitok_sleeps_until_free);
ATF_TC_HEAD(waitok_sleeps_until_free, tc)
{
	KT_DESCR(tc, "On a full arena M_NOWAIT fails with ENOMEM and M_WAITOK "
	    "sleeps on the arena until another thread frees, then gets the "
	    "freed range; also when the free goes through a quantum cache");
}
ATF_TC_BODY(waitok_sleeps_until_free, tc)
{
	vt_boot();
	wait_case(false);
	wait_case(true);
	vm_shutdown();
}

/* ---- bad arguments ---------------------------------------------------- */

static vmem_t *
child_arena(vmem_size_t qcache_max)
{
	child_boot();
	return (vmem_create("victim", BASE, 64 * Q, Q, qcache_max, M_WAITOK));
}

static void
alloc_size0_child(void *arg __unused)
{
	vmem_addr_t a;

	(void)vmem_alloc(child_arena(0), 0, M_WAITOK, &a);
}

static void
free_unallocated_child(void *arg)
{
	vmem_t *vm = child_arena(*(vmem_size_t *)arg);
	vmem_addr_t a;

	(void)vmem_alloc(vm, Q, M_WAITOK, &a);
	vmem_free(vm, a + 40 * Q, Q);
}

static void
free_wrong_size_child(void *arg __unused)
{
	vmem_t *vm = child_arena(0);
	vmem_addr_t a;

	(void)vmem_alloc(vm, 2 * Q, M_WAITOK, &a);
	vmem_free(vm, a, Q);
}

static void
double_free_child(void *arg)
{
	vmem_t *vm = child_arena(*(vmem_size_t *)arg);
	vmem_addr_t a;

	(void)vmem_alloc(vm, Q, M_WAITOK, &a);
	vmem_free(vm, a, Q);
	vmem_free(vm, a, Q);
}

static void
bad_align_child(void *arg __unused)
{
	vmem_addr_t a;

	(void)vmem_xalloc(child_arena(0), Q, 3 * Q, 0, 0, VMEM_ADDR_MIN,
	    VMEM_ADDR_MAX, M_WAITOK, &a);
}

static void
both_waits_child(void *arg __unused)
{
	vmem_addr_t a;

	(void)vmem_alloc(child_arena(0), Q, M_WAITOK | M_NOWAIT, &a);
}

static void
overlap_child(void *arg __unused)
{
	(void)vmem_add(child_arena(0), BASE + 63 * Q, 4 * Q, M_WAITOK);
}

static void
destroy_busy_child(void *arg __unused)
{
	vmem_t *vm = child_arena(0);
	vmem_addr_t a;

	(void)vmem_alloc(vm, Q, M_WAITOK, &a);
	vmem_destroy(vm);
}

static void
kmem_free_bad_child(void *arg)
{
	char *p;

	child_boot();
	p = kmem_malloc(2 * PAGE_SIZE, M_WAITOK);
	if (*(int *)arg == 0)
		kmem_free(p + PAGE_SIZE, PAGE_SIZE);
	else
		kmem_free(p, PAGE_SIZE);
}

ATF_TC(bad_arguments_panic);
ATF_TC_HEAD(bad_arguments_panic, tc)
{
	KT_DESCR(tc, "Freeing an address never allocated, with the wrong size, "
	    "or twice panics (kmem_free too); under INVARIANTS so do size 0, "
	    "a bad alignment, both wait flags, an overlapping span, and "
	    "destroying an arena with allocations");
}
ATF_TC_BODY(bad_arguments_panic, tc)
{
	vmem_size_t noqc = 0, qc = 4 * Q;
	int zero = 0, one = 1;

	/* Always checked: they would corrupt the arena. */
	kt_expect_panic(free_unallocated_child, &noqc, "is not allocated");
	kt_expect_panic(free_wrong_size_child, NULL,
	    "freed with size 0x10, allocated with 0x20");
	kt_expect_panic(double_free_child, &noqc, "is not allocated");
	kt_expect_panic(kmem_free_bad_child, &zero, "is not allocated");
	kt_expect_panic(kmem_free_bad_child, &one, "freed with size");
	KT_REQUIRE_INVARIANTS();
	/* The quantum caches check under INVARIANTS only. */
	kt_expect_panic(free_unallocated_child, &qc, "is not allocated");
	kt_expect_panic(double_free_child, &qc, "freed twice");
	kt_expect_panic(alloc_size0_child, NULL, "size 0");
	kt_expect_panic(bad_align_child, NULL, "align 0x30");
	kt_expect_panic(both_waits_child, NULL,
	    "exactly one of M_WAITOK and M_NOWAIT");
	kt_expect_panic(overlap_child, NULL, "overlaps another");
	kt_expect_panic(destroy_busy_child, NULL, "not freed");
}

ATF_TC(bad_arguments_einval);
ATF_TC_HEAD(bad_arguments_einval, tc)
{
	KT_DESCR(tc, "Without INVARIANTS the contract violations that cannot "
	    "corrupt anything return EINVAL instead of panicking");
}
ATF_TC_BODY(bad_arguments_einval, tc)
{
	vmem_addr_t a;
	vmem_t *vm;

	if (INVARIANTS_ENABLED)
		atf_tc_skip("INVARIANTS builds panic instead");
	vt_boot();
	vm = arena("einval", BASE, 64 * Q, Q, 0);
	ATF_REQUIRE_EQ(EINVAL, vmem_alloc(vm, 0, M_WAITOK, &a));
	ATF_REQUIRE_EQ(EINVAL, vmem_xalloc(vm, Q, 3 * Q, 0, 0, VMEM_ADDR_MIN,
	    VMEM_ADDR_MAX, M_WAITOK, &a));
	ATF_REQUIRE_EQ(EINVAL, vmem_alloc(vm, Q, M_WAITOK | M_NOWAIT, &a));
	ATF_REQUIRE_EQ(EINVAL, vmem_add(vm, BASE + 63 * Q, 4 * Q, M_WAITOK));
	ATF_REQUIRE_EQ(EINVAL, vmem_xalloc(vm, 4 * Q, 0, 0, 2 * Q,
	    VMEM_ADDR_MIN, VMEM_ADDR_MAX, M_WAITOK, &a));
	require_empty(vm);
	vmem_destroy(vm);
	vm_shutdown();
}

/* ---- randomized, against a bitmap ------------------------------------- */

#define	RN		2048		/* quanta in the model (two spans) */
#define	RSPAN		1024

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (rng_state = x);
}

static u_int
rnd(u_int n)
{
	return ((u_int)(rng() % n));
}

struct model {
	uint8_t		busy[RN];	/* allocated by the test */
	struct live {
		vmem_addr_t	addr;
		vmem_size_t	size;
		bool		cached;	/* vmem_alloc, not vmem_xalloc */
	} live[RN];
	u_int		nlive;
};

static vmem_addr_t
m_addr(u_int i)
{
	return (BASE + (vmem_addr_t)i * Q);
}

/* Prefix sums of the model and its free runs, for the brute force. */
struct mview {
	u_int		pre[RN + 1];	/* allocated quanta before i */
	u_int		rlo[RN];	/* the free run around i: [rlo, rhi) */
	u_int		rhi[RN];
};

static void
m_view(const struct model *m, struct mview *v)
{
	u_int i, j;

	v->pre[0] = 0;
	for (i = 0; i < RN; i++)
		v->pre[i + 1] = v->pre[i] + m->busy[i];
	for (i = 0; i < RN; i = j) {
		for (j = i; j < RN && !m->busy[j] && (j == i ||
		    j % RSPAN != 0); j++)
			;
		if (j == i)
			j = i + 1;	/* an allocated quantum */
		for (u_int k = i; k < j; k++) {
			v->rlo[k] = i;
			v->rhi[k] = j;
		}
	}
}

/* Does [s, s + n) quanta fit the constraints, free and in one span? */
static bool
m_fits(const struct mview *v, u_int s, u_int n, vmem_size_t align,
    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
    vmem_addr_t maxaddr)
{
	vmem_addr_t a = m_addr(s), e = m_addr(s) + (vmem_addr_t)n * Q - 1;

	if (s + n > RN || s / RSPAN != (s + n - 1) / RSPAN)
		return (false);
	if (a < minaddr || e > maxaddr || a % align != phase)
		return (false);
	if (nocross != 0 && a / nocross != e / nocross)
		return (false);
	return (v->pre[s + n] == v->pre[s]);
}

static int
ilog2(u_int x)
{
	return (31 - __builtin_clz(x));
}

static void
m_set(struct model *m, vmem_addr_t addr, vmem_size_t size, uint8_t v)
{
	u_int i, s = (u_int)((addr - BASE) / Q), n = (u_int)(size / Q);

	for (i = s; i < s + n; i++) {
		ATF_REQUIRE_MSG(m->busy[i] != v, "quantum %u already %s", i,
		    v ? "allocated" : "free");
		m->busy[i] = v;
	}
}

static uint64_t
cached_bytes(vmem_t *vm)
{
	struct vmem_qcache_stats qs;
	uint64_t sum = 0;
	int i;

	for (i = 0; vmem_qcache_stats(vm, i, &qs) == 0; i++)
		sum += (uint64_t)qs.vqs_cached * qs.vqs_size;
	return (sum);
}

/* One constrained xalloc, checked against the model. */
static void
random_xalloc(vmem_t *vm, struct model *m, uint64_t seed, int op)
{
	static const int strats[] = { M_INSTANTFIT, M_BESTFIT, M_FIRSTFIT, 0 };
	static struct mview v;
	vmem_size_t size, align = Q, phase = 0, nocross = 0;
	vmem_addr_t minaddr = VMEM_ADDR_MIN, maxaddr = VMEM_ADDR_MAX, a = 0;
	u_int n, s, lo, hi, best, lowest, minidx, bestsz, first;
	bool constrained = false, any = false;
	int strat, error;

	n = rnd(8) == 0 ? 1 + rnd(256) : 1 + rnd(24);
	size = (vmem_size_t)n * Q;
	strat = strats[rnd(4)];
	if (rnd(3) == 0) {
		constrained = true;
		align = (vmem_size_t)Q << rnd(7);
		phase = (vmem_size_t)rnd((u_int)(align / Q)) * Q;
		if (rnd(2) == 0) {
			nocross = align << rnd(4);
			while (nocross - phase < size)
				nocross <<= 1;
		}
		if (rnd(2) == 0) {
			minaddr = m_addr(rnd(RN));
			maxaddr = minaddr + size - 1 + (vmem_addr_t)rnd(RN) * Q;
		}
	}
	vmem_qcache_drain(vm);		/* so the model sees every free run */
	error = vmem_xalloc(vm, size, constrained ? align : 0, phase, nocross,
	    minaddr, maxaddr, M_NOWAIT | strat, &a);

	/* Brute force: the lowest fitting start, and the best run. */
	m_view(m, &v);
	lowest = RN;
	best = RN;
	bestsz = RN + 1;
	minidx = 64;
	for (s = 0; s + n <= RN; s++) {
		if (!m_fits(&v, s, n, align, phase, nocross, minaddr, maxaddr))
			continue;
		any = true;
		if (lowest == RN)
			lowest = s;
		lo = v.rlo[s];
		hi = v.rhi[s];
		if (hi - lo < bestsz) {
			bestsz = hi - lo;
			best = s;
		}
		if (ilog2(hi - lo) >= (powerof2(n) ? ilog2(n) : ilog2(n) + 1))
			minidx = MIN(minidx, (u_int)ilog2(hi - lo));
	}
	if (error != 0) {
		ATF_REQUIRE_MSG(error == ENOMEM, "seed %#jx op %d: error %d",
		    (uintmax_t)seed, op, error);
		ATF_REQUIRE_MSG(!any, "seed %#jx op %d: ENOMEM for %u quanta "
		    "(align %#jx phase %#jx nocross %#jx [%#jx, %#jx]) but "
		    "quantum %u fits", (uintmax_t)seed, op, n,
		    (uintmax_t)align, (uintmax_t)phase, (uintmax_t)nocross,
		    (uintmax_t)minaddr, (uintmax_t)maxaddr, lowest);
		return;
	}
	s = (u_int)((a - BASE) / Q);
	ATF_REQUIRE_MSG(a >= BASE && (a - BASE) % Q == 0 &&
	    m_fits(&v, s, n, align, phase, nocross, minaddr, maxaddr),
	    "seed %#jx op %d: %#jx breaks a constraint or is not free",
	    (uintmax_t)seed, op, (uintmax_t)a);
	lo = v.rlo[s];
	hi = v.rhi[s];
	if (strat == M_FIRSTFIT)
		ATF_REQUIRE_MSG(s == lowest, "seed %#jx op %d: first fit chose "
		    "quantum %u, %u is lower", (uintmax_t)seed, op, s, lowest);
	if (strat == M_BESTFIT)
		ATF_REQUIRE_MSG(hi - lo == bestsz, "seed %#jx op %d: best fit "
		    "chose a run of %u, quantum %u is in one of %u",
		    (uintmax_t)seed, op, hi - lo, best, bestsz);
	if ((strat == M_INSTANTFIT || strat == 0) && !constrained) {
		first = powerof2(n) ? (u_int)ilog2(n) : (u_int)ilog2(n) + 1;
		ATF_REQUIRE_EQ(lo, s);
		if (minidx < 64)
			ATF_REQUIRE_MSG((u_int)ilog2(hi - lo) == minidx,
			    "seed %#jx op %d: instant fit took a run of %u "
			    "quanta, a run of list %u exists",
			    (uintmax_t)seed, op, hi - lo, minidx);
		else
			ATF_REQUIRE_MSG((u_int)ilog2(hi - lo) == first - 1 &&
			    hi - lo == bestsz, "seed %#jx op %d: instant fit "
			    "fallback took a run of %u, best is %u",
			    (uintmax_t)seed, op, hi - lo, bestsz);
	}
	m_set(m, a, size, 1);
	m->live[m->nlive++] = (struct live){ a, size, false };
}

ATF_TC(random_vs_bitmap);
ATF_TC_HEAD(random_vs_bitmap, tc)
{
	KT_DESCR(tc, "6000 random operations (constrained xallocs with every "
	    "strategy, exact placements, frees, cached allocations, drains) on "
	    "two adjacent spans agree with a bitmap model: every result is "
	    "free and meets its constraints, every ENOMEM is proved by brute "
	    "force, first/best/instant fit choose what their definitions say, "
	    "the sizes add up, and vmem_check passes after each step");
}
ATF_TC_BODY(random_vs_bitmap, tc)
{
	struct model *m;
	static struct mview v;
	vmem_addr_t a;
	vmem_size_t size;
	uint64_t seed, busy;
	u_int i, k, s, n;
	vmem_t *vm;
	int op, error;

	seed = kt_now_ns() | 1;
	rng_state = seed;
	printf("seed %#jx\n", (uintmax_t)seed);
	m = calloc(1, sizeof(*m));
	ATF_REQUIRE(m != NULL);
	vt_boot();
	vm = arena("random", BASE, RSPAN * Q, Q, 4 * Q);
	ATF_REQUIRE_EQ(0, vmem_add(vm, BASE + RSPAN * Q, RSPAN * Q,
	    M_WAITOK));
	for (op = 0; op < 6000; op++) {
		switch (rnd(10)) {
		case 0: case 1: case 2: case 3:
			random_xalloc(vm, m, seed, op);
			break;
		case 4:			/* exact placement */
			n = 1 + rnd(16);
			s = rnd(RN - n);
			vmem_qcache_drain(vm);
			m_view(m, &v);
			error = vmem_xalloc_addr(vm, m_addr(s),
			    (vmem_size_t)n * Q, M_NOWAIT);
			ATF_REQUIRE_MSG(error == (m_fits(&v, s, n, Q, 0, 0,
			    VMEM_ADDR_MIN, VMEM_ADDR_MAX) ? 0 : EBUSY),
			    "seed %#jx op %d: xalloc_addr(%u, %u): %d",
			    (uintmax_t)seed, op, s, n, error);
			if (error == 0) {
				m_set(m, m_addr(s), (vmem_size_t)n * Q, 1);
				m->live[m->nlive++] = (struct live){ m_addr(s),
				    (vmem_size_t)n * Q, false };
			}
			break;
		case 5: case 6:		/* cached sizes */
			size = (vmem_size_t)(1 + rnd(4)) * Q;
			if (vmem_alloc(vm, size, M_NOWAIT, &a) == 0) {
				m_set(m, a, size, 1);
				m->live[m->nlive++] = (struct live){ a, size,
				    true };
			}
			break;
		case 7: case 8: case 9:
			if (m->nlive == 0)
				break;
			k = rnd(m->nlive);
			if (m->live[k].cached)
				vmem_free(vm, m->live[k].addr,
				    m->live[k].size);
			else
				vmem_xfree(vm, m->live[k].addr,
				    m->live[k].size);
			m_set(m, m->live[k].addr, m->live[k].size, 0);
			m->live[k] = m->live[--m->nlive];
			break;
		}
		if (rnd(100) == 0)
			vmem_qcache_drain(vm);
		vmem_check(vm);
		for (busy = 0, i = 0; i < RN; i++)
			busy += m->busy[i];
		ATF_REQUIRE_MSG(vmem_size(vm, VMEM_ALLOC) == busy * Q +
		    cached_bytes(vm), "seed %#jx op %d: arena has %#jx "
		    "allocated, model %#jx + cached %#jx", (uintmax_t)seed, op,
		    (uintmax_t)vmem_size(vm, VMEM_ALLOC),
		    (uintmax_t)(busy * Q), (uintmax_t)cached_bytes(vm));
	}
	printf("allocations %ju, failures %ju, live %u, free segments %ju\n",
	    (uintmax_t)stats(vm).vs_allocs, (uintmax_t)stats(vm).vs_fails,
	    m->nlive, (uintmax_t)stats(vm).vs_nfree);
	while (m->nlive > 0) {
		k = --m->nlive;
		if (m->live[k].cached)
			vmem_free(vm, m->live[k].addr, m->live[k].size);
		else
			vmem_xfree(vm, m->live[k].addr, m->live[k].size);
	}
	vmem_qcache_drain(vm);
	require_empty(vm);
	ATF_REQUIRE_EQ(2, stats(vm).vs_nfree);
	vmem_destroy(vm);
	free(m);
	vm_shutdown();
}

/* ---- two threads ------------------------------------------------------ */

struct worker {
	vmem_t		*vm;
	vmem_t		*child;
	uint64_t	seed;
	int		ops;
	char		err[160];
};

#define	W_LIVE	64

struct wlive {
	vmem_t		*vm;
	vmem_addr_t	a;
	vmem_size_t	sz;
	int		kind;		/* 0: vmem_alloc, 1: vmem_xalloc */
};

static void *
worker_thread(void *arg)
{
	struct worker *w = arg;
	struct wlive live[W_LIVE];
	uint64_t x = w->seed;
	vmem_size_t size;
	vmem_addr_t a;
	int i, n = 0, k, kind;

	for (i = 0; i < w->ops && w->err[0] == '\0'; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (n == W_LIVE || (n > 0 && x % 3 == 0)) {
			k = (int)((x >> 8) % (uint64_t)n);
			if (live[k].kind == 0)
				vmem_free(live[k].vm, live[k].a, live[k].sz);
			else
				vmem_xfree(live[k].vm, live[k].a, live[k].sz);
			live[k] = live[--n];
			continue;
		}
		kind = (int)((x >> 16) % 3);
		size = (vmem_size_t)(1 + (x >> 24) % 8) * Q;
		switch (kind) {
		case 0:		/* cached (or not, above 4 quanta) */
			if (vmem_alloc(w->vm, size, M_WAITOK, &a) != 0)
				snprintf(w->err, sizeof(w->err), "vmem_alloc "
				    "M_WAITOK failed");
			live[n++] = (struct wlive){ w->vm, a, size, 0 };
			break;
		case 1:
			if (vmem_xalloc(w->vm, size, 2 * Q, Q, 0,
			    VMEM_ADDR_MIN, VMEM_ADDR_MAX, M_WAITOK | M_BESTFIT,
			    &a) != 0 || a % (2 * Q) != Q)
				snprintf(w->err, sizeof(w->err), "vmem_xalloc "
				    "failed or misaligned (%#jx)",
				    (uintmax_t)a);
			live[n++] = (struct wlive){ w->vm, a, size, 1 };
			break;
		default:	/* the child imports from the shared parent */
			if (vmem_xalloc(w->child, size, 0, 0, 0,
			    VMEM_ADDR_MIN, VMEM_ADDR_MAX, M_WAITOK, &a) != 0)
				snprintf(w->err, sizeof(w->err), "child "
				    "vmem_xalloc failed");
			live[n++] = (struct wlive){ w->child, a, size, 1 };
			break;
		}
	}
	while (n > 0) {
		n--;
		if (live[n].kind == 0)
			vmem_free(live[n].vm, live[n].a, live[n].sz);
		else
			vmem_xfree(live[n].vm, live[n].a, live[n].sz);
	}
	return (NULL);
}

static int
parent_import(void *arg, vmem_size_t size, int flags, vmem_addr_t *addrp)
{
	return (vmem_alloc(arg, size, flags, addrp));
}

static void
parent_release(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	vmem_free(arg, addr, size);
}

ATF_TC(two_threads);
ATF_TC_HEAD(two_threads, tc)
{
	KT_DESCR(tc, "Two threads allocate and free concurrently on one arena "
	    "with quantum caches (M_WAITOK, cached, constrained xallocs) and "
	    "on a child importing from it; afterwards everything is free, one "
	    "segment, and the checker is happy (run under TSan too)");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(two_threads, tc)
{
	struct worker w[2];
	pthread_t t[2];
	vmem_t *vm, *child;
	int i;

	vt_boot();
	/* Room for both threads' worst case: never has to sleep for long. */
	vm = arena("shared", BASE, 8192 * Q, Q, 4 * Q);
	child = arena("shared child", 0, 0, Q, 2 * Q);
	vmem_set_import(child, parent_import, parent_release, vm, 4 * Q);
	for (i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].vm = vm;
		w[i].child = child;
		w[i].seed = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		w[i].ops = 20000;
		kt_thread_start(&t[i], worker_thread, &w[i]);
	}
	for (i = 0; i < 2; i++) {
		kt_join(t[i]);
		ATF_REQUIRE_MSG(w[i].err[0] == '\0', "thread %d: %s", i,
		    w[i].err);
	}
	vmem_check(child);
	vmem_check(vm);
	printf("shared: %ju allocations, %ju sleeps; child: %ju imports, "
	    "%ju releases\n", (uintmax_t)stats(vm).vs_allocs,
	    (uintmax_t)stats(vm).vs_sleeps, (uintmax_t)stats(child).vs_imports,
	    (uintmax_t)stats(child).vs_releases);
	vmem_qcache_drain(child);
	ATF_REQUIRE_EQ(0, vmem_size(child, VMEM_ALLOC | VMEM_FREE));
	vmem_destroy(child);
	vmem_qcache_drain(vm);
	require_empty(vm);
	ATF_REQUIRE_EQ(1, stats(vm).vs_nfree);
	vmem_destroy(vm);
	vm_shutdown();
}

/*
 * Three threads on an arena of 8 quanta, each asking for up to 4 quanta
 * at a time with M_WAITOK, through the quantum caches (up to 2 quanta) or
 * vmem_xalloc: they keep sleeping on each other.  Each quantum's owner is
 * claimed with an atomic exchange, so two threads ever holding the same
 * quantum is seen at once.
 */
#define	CT_N		8
#define	CT_THREADS	3

struct contender {
	vmem_t		*vm;
	_Atomic int	*owner;		/* CT_N quanta */
	int		id;
	uint64_t	seed;
	char		err[160];
};

static void *
contender_thread(void *arg)
{
	struct contender *c = arg;
	uint64_t x = c->seed;
	vmem_addr_t a;
	vmem_size_t size;
	u_int i, q, n;
	bool viax;
	int prev;

	for (i = 0; i < 3000 && c->err[0] == '\0'; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = 1 + (u_int)(x % 4);
		size = (vmem_size_t)n * Q;
		viax = (x >> 8) % 2 == 0;
		if ((viax ? vmem_xalloc(c->vm, size, 0, 0, 0, VMEM_ADDR_MIN,
		    VMEM_ADDR_MAX, M_WAITOK, &a) : vmem_alloc(c->vm, size,
		    M_WAITOK, &a)) != 0) {
			snprintf(c->err, sizeof(c->err), "M_WAITOK failed");
			break;
		}
		q = (u_int)((a - BASE) / Q);
		if (a < BASE || q + n > CT_N) {
			snprintf(c->err, sizeof(c->err), "%#jx outside",
			    (uintmax_t)a);
			break;
		}
		for (u_int k = q; k < q + n; k++)
			if ((prev = atomic_exchange(&c->owner[k], c->id)) != 0)
				snprintf(c->err, sizeof(c->err), "quantum %u "
				    "held by %d and %d", k, prev, c->id);
		if ((x >> 16) % 4 == 0)
			sched_yield();
		for (u_int k = q; k < q + n; k++)
			atomic_store(&c->owner[k], 0);
		if (viax)
			vmem_xfree(c->vm, a, size);
		else
			vmem_free(c->vm, a, size);
	}
	return (NULL);
}

ATF_TC(waitok_contention);
ATF_TC_HEAD(waitok_contention, tc)
{
	KT_DESCR(tc, "Three threads compete with M_WAITOK for an arena of 8 "
	    "quanta through its quantum caches and vmem_xalloc: every request "
	    "is eventually served, no quantum is ever held twice, and all is "
	    "free at the end (run under TSan too)");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(waitok_contention, tc)
{
	static _Atomic int owner[CT_N];
	struct contender c[CT_THREADS];
	pthread_t t[CT_THREADS];
	vmem_t *vm;
	int i;

	vt_boot();
	vm = arena("contended", BASE, CT_N * Q, Q, 2 * Q);
	for (i = 0; i < CT_THREADS; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].vm = vm;
		c[i].owner = owner;
		c[i].id = i + 1;
		c[i].seed = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 7);
		kt_thread_start(&t[i], contender_thread, &c[i]);
	}
	for (i = 0; i < CT_THREADS; i++) {
		kt_join(t[i]);
		ATF_REQUIRE_MSG(c[i].err[0] == '\0', "thread %d: %s", i,
		    c[i].err);
	}
	printf("%ju sleeps\n", (uintmax_t)stats(vm).vs_sleeps);
	vmem_check(vm);
	vmem_qcache_drain(vm);
	require_empty(vm);
	vmem_destroy(vm);
	vm_shutdown();
}

/* ---- kmem ------------------------------------------------------------- */

static uint64_t
kmem_map_size(void)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.kmem_map_size", &v, &len, NULL,
	    0));
	return (v);
}

ATF_TC(kmem_malloc_pages);
ATF_TC_HEAD(kmem_malloc_pages, tc)
{
	KT_DESCR(tc, "kmem_malloc returns the direct-map address of "
	    "physically contiguous wired pages without an object: "
	    "v_wire_count rises by the page count and falls back after "
	    "kmem_free, the memory is writable, kernel_arena and "
	    "vm.kmem_map_size record the allocation, free pages come back");
}
ATF_TC_BODY(kmem_malloc_pages, tc)
{
	u_int wired0, free0, avail0, i;
	uint64_t map0;
	vm_page_t m;
	char *p;

	vt_boot();
	/* kernel_arena's boot tags came from the static reserve. */
	avail0 = vmem_bt_reserve_avail();
	ATF_REQUIRE(avail0 < 256 && avail0 >= 256 - 8);
	/* The first allocation makes UMA take a slab for boundary tags. */
	p = kmem_malloc(PAGE_SIZE, M_WAITOK);
	kmem_free(p, PAGE_SIZE);
	wired0 = vm_wire_count();
	free0 = vm_free_count();
	map0 = kmem_map_size();
	p = kmem_malloc(3 * PAGE_SIZE - 100, M_WAITOK);
	ATF_REQUIRE(p != NULL);
	ATF_REQUIRE_EQ(0, (uintptr_t)p & PAGE_MASK);
	ATF_REQUIRE_EQ(wired0 + 3, vm_wire_count());
	ATF_REQUIRE_EQ(map0 + 3 * PAGE_SIZE, kmem_map_size());
	ATF_REQUIRE_EQ(3 * PAGE_SIZE, kmem_allocsize(p));
	ATF_REQUIRE_EQ(0, kmem_allocsize(p + PAGE_SIZE));
	ATF_REQUIRE((char *)p >= vm_dmap_base &&
	    (char *)p + 3 * PAGE_SIZE <= vm_dmap_base + vm_phys_size);
	m = PHYS_TO_VM_PAGE(DMAP_TO_PHYS(p));
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(1, vm_page_wired(&m[i]));
		ATF_REQUIRE(m[i].object == NULL);
		ATF_REQUIRE_EQ(DMAP_TO_PHYS(p) + ptoa(i), m[i].phys_addr);
		ATF_REQUIRE(vm_page_dmap(&m[i]) == p + ptoa(i));
	}
	memset(p, 0x5a, 3 * PAGE_SIZE);
	ATF_REQUIRE_EQ(0x5a, p[3 * PAGE_SIZE - 1]);
	vmem_check(kernel_arena);
	/* The arena's tags now come from UMA, not the reserve. */
	ATF_REQUIRE_EQ(avail0, vmem_bt_reserve_avail());
	kmem_free(p, 3 * PAGE_SIZE - 100);
	ATF_REQUIRE_EQ(wired0, vm_wire_count());
	ATF_REQUIRE_EQ(map0, kmem_map_size());
	ATF_REQUIRE_EQ(free0, vm_free_count());
	ATF_REQUIRE_EQ(0, kmem_allocsize(p));
	vmem_check(kernel_arena);
	vm_shutdown();
	ATF_REQUIRE_EQ(256, vmem_bt_reserve_avail());
}

ATF_TC(kmem_malloc_zero_and_contig);
ATF_TC_HEAD(kmem_malloc_zero_and_contig, tc)
{
	KT_DESCR(tc, "M_ZERO gives zero-filled pages even where the last user "
	    "left data; kmem_alloc_contig meets alignment, boundary and "
	    "[low, high); impossible requests return NULL even with M_WAITOK; "
	    "M_NOWAIT fails cleanly once memory runs out and everything comes "
	    "back after kmem_free");
}
ATF_TC_BODY(kmem_malloc_zero_and_contig, tc)
{
	static char *ps[4096];
	u_int wired0, free0, i, n;
	vm_paddr_t pa;
	char *p;

	vt_boot();
	p = kmem_malloc(PAGE_SIZE, M_WAITOK);	/* a slab for tags */
	kmem_free(p, PAGE_SIZE);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	wired0 = vm_wire_count();
	free0 = vm_free_count();
	for (n = 0; n < 8; n++) {
		ps[n] = kmem_malloc(4 * PAGE_SIZE, M_WAITOK);
		memset(ps[n], 0xa5, 4 * PAGE_SIZE);
	}
	for (n = 0; n < 8; n++)
		kmem_free(ps[n], 4 * PAGE_SIZE);
	for (n = 0; n < 8; n++) {
		ps[n] = kmem_malloc(4 * PAGE_SIZE, M_WAITOK | M_ZERO);
		for (i = 0; i < 4 * PAGE_SIZE; i++)
			ATF_REQUIRE_MSG(ps[n][i] == 0, "byte %u of %p", i,
			    ps[n]);
	}
	for (n = 0; n < 8; n++)
		kmem_free(ps[n], 4 * PAGE_SIZE);

	p = kmem_alloc_contig(2 * PAGE_SIZE, M_WAITOK, 1 << 20, 4 << 20,
	    64 * 1024, 0);
	ATF_REQUIRE(p != NULL);
	pa = DMAP_TO_PHYS(p);
	ATF_REQUIRE(pa >= (1 << 20) && pa + 2 * PAGE_SIZE <= (4 << 20));
	ATF_REQUIRE_EQ(0, pa % (64 * 1024));
	kmem_free(p, 2 * PAGE_SIZE);
	p = kmem_alloc_contig(3 * PAGE_SIZE, M_NOWAIT, 0, ~(vm_paddr_t)0,
	    PAGE_SIZE, 4 * PAGE_SIZE);
	ATF_REQUIRE(p != NULL);
	pa = DMAP_TO_PHYS(p);
	ATF_REQUIRE_EQ(pa / (4 * PAGE_SIZE),
	    (pa + 3 * PAGE_SIZE - 1) / (4 * PAGE_SIZE));
	kmem_free(p, 3 * PAGE_SIZE);
	p = kmem_alloc_attr(PAGE_SIZE, M_WAITOK, 8 << 20, 9 << 20);
	ATF_REQUIRE(p != NULL && DMAP_TO_PHYS(p) >= (8 << 20) &&
	    DMAP_TO_PHYS(p) < (9 << 20));
	kmem_free(p, PAGE_SIZE);
	p = kmem_malloc_domain(0, PAGE_SIZE, M_WAITOK);
	ATF_REQUIRE(p != NULL);
	kmem_free(p, PAGE_SIZE);

	/* Never satisfiable: NULL at once, even M_WAITOK. */
	ATF_REQUIRE(kmem_malloc(32 << 20, M_WAITOK) == NULL);
	ATF_REQUIRE(kmem_alloc_contig(4 * PAGE_SIZE, M_WAITOK, 0, 2 *
	    PAGE_SIZE, PAGE_SIZE, 0) == NULL);
	ATF_REQUIRE(kmem_alloc_contig(4 * PAGE_SIZE, M_WAITOK, 0,
	    ~(vm_paddr_t)0, PAGE_SIZE, 2 * PAGE_SIZE) == NULL);

	/* Exhaustion with M_NOWAIT: NULL, and everything comes back. */
	for (n = 0; n < nitems(ps); n++)
		if ((ps[n] = kmem_malloc(2 * PAGE_SIZE, M_NOWAIT)) == NULL)
			break;
	ATF_REQUIRE(n > 0 && n < nitems(ps));
	ATF_REQUIRE(vm_wire_count() >= wired0 + 2 * n);
	ATF_REQUIRE_EQ(2 * n * PAGE_SIZE, vmem_size(kernel_arena,
	    VMEM_ALLOC));
	ATF_REQUIRE_EQ(n, stats(kernel_arena).vs_nbusy);
	vmem_check(kernel_arena);
	while (n > 0)
		kmem_free(ps[--n], 2 * PAGE_SIZE);
	ATF_REQUIRE_EQ(0, vmem_size(kernel_arena, VMEM_ALLOC));
	vmem_check(kernel_arena);
	/*
	 * Every page not back on the free lists is a wired kernel page:
	 * kernel_arena's grown hash table; UMA gives back the empty slabs of
	 * boundary tags when reclaimed.
	 */
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ(free0 - vm_free_count(), vm_wire_count() - wired0);
	ATF_REQUIRE(stats(kernel_arena).vs_hashsize > 16);
	ATF_REQUIRE_MSG(vm_wire_count() - wired0 <=
	    stats(kernel_arena).vs_hashsize * sizeof(void *) / PAGE_SIZE + 2,
	    "%u pages wired beyond the start, hash of %u buckets",
	    vm_wire_count() - wired0, stats(kernel_arena).vs_hashsize);
	vm_shutdown();
}

#define	KW_OPS	400

struct kworker {
	uint64_t	seed;
	char		err[160];
	struct {
		void	*p;
		size_t	sz;
	}		ever[KW_OPS];	/* every allocation made */
	int		never;
};

static void *
kmem_worker(void *arg)
{
	struct kworker *w = arg;
	struct { unsigned char *p; size_t sz; unsigned char c; } live[8];
	uint64_t x = w->seed;
	int i, n = 0, k;
	size_t j;

	for (i = 0; i < KW_OPS && w->err[0] == '\0'; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (n == 8 || (n > 0 && x % 2 == 0)) {
			k = (int)((x >> 8) % (uint64_t)n);
			for (j = 0; j < live[k].sz; j += 512)
				if (live[k].p[j] != live[k].c)
					snprintf(w->err, sizeof(w->err),
					    "%p+%zu changed", live[k].p, j);
			kmem_free(live[k].p, live[k].sz);
			live[k] = live[--n];
			continue;
		}
		live[n].sz = (size_t)(1 + (x >> 16) % 4) * PAGE_SIZE;
		live[n].c = (unsigned char)(x >> 24);
		live[n].p = kmem_malloc(live[n].sz, M_WAITOK);
		memset(live[n].p, live[n].c, live[n].sz);
		w->ever[w->never].p = live[n].p;
		w->ever[w->never++].sz = live[n].sz;
		n++;
	}
	while (n > 0) {
		n--;
		kmem_free(live[n].p, live[n].sz);
	}
	return (NULL);
}

ATF_TC(kmem_two_threads);
ATF_TC_HEAD(kmem_two_threads, tc)
{
	KT_DESCR(tc, "Two threads kmem_malloc, fill, check and kmem_free "
	    "concurrently; no allocation overlaps another, and the wired "
	    "count and kernel_arena are back where they started");
}
ATF_TC_BODY(kmem_two_threads, tc)
{
	static struct kworker w[2];
	pthread_t t[2];
	u_int wired0, free0;
	vm_page_t m;
	size_t off;
	int i, j;

	vt_boot();
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	wired0 = vm_wire_count();
	free0 = vm_free_count();
	for (i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].seed = 0x2545f4914f6cdd1dull * (uint64_t)(i + 3);
		kt_thread_start(&t[i], kmem_worker, &w[i]);
	}
	for (i = 0; i < 2; i++) {
		kt_join(t[i]);
		ATF_REQUIRE_MSG(w[i].err[0] == '\0', "thread %d: %s", i,
		    w[i].err);
	}
	ATF_REQUIRE_EQ(0, vmem_size(kernel_arena, VMEM_ALLOC));
	vmem_check(kernel_arena);
	/*
	 * Every page kmem handed out is free again, or a UMA slab now.  What
	 * stays wired is slabs of boundary tags: kernel_arena keeps its span,
	 * its free segment and up to 16 cached tags, each of which may hold
	 * a slab.
	 */
	for (i = 0; i < 2; i++)
		for (j = 0; j < w[i].never; j++)
			for (off = 0; off < w[i].ever[j].sz; off += PAGE_SIZE) {
				m = PHYS_TO_VM_PAGE(DMAP_TO_PHYS(
				    (char *)w[i].ever[j].p + off));
				ATF_REQUIRE(vm_page_wired(m) == 0 ||
				    m->plinks.uma.keg != NULL);
			}
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ(free0 - vm_free_count(), vm_wire_count() - wired0);
	ATF_REQUIRE_MSG(vm_wire_count() - wired0 <= 18, "%u pages wired "
	    "beyond the start", vm_wire_count() - wired0);
	vm_shutdown();
}

ATF_TC(reboot_with_leaks);
ATF_TC_HEAD(reboot_with_leaks, tc)
{
	KT_DESCR(tc, "vm_shutdown destroys arenas left over (children before "
	    "their parent) and a kmem leak; the static tag reserve is whole "
	    "again and a second boot works");
}
ATF_TC_BODY(reboot_with_leaks, tc)
{
	struct import_log log = { 0 };
	vmem_addr_t a;
	vmem_t *parent, *child;
	void *p;

	vt_boot();
	parent = arena("leaky parent", 0x100000, 0x100000, 0x1000, 0);
	child = arena("leaky child", 0, 0, Q, 0);
	log.parent = parent;
	vmem_set_import(child, test_import, test_release, &log, 0x4000);
	a = xalloc_simple(child, Q, M_WAITOK);
	(void)a;
	p = kmem_malloc(PAGE_SIZE, M_WAITOK);
	ATF_REQUIRE(p != NULL);
	vm_shutdown();
	ATF_REQUIRE_EQ(1, log.releases);
	ATF_REQUIRE_EQ(256, vmem_bt_reserve_avail());
	vt_boot();
	p = kmem_malloc(PAGE_SIZE, M_WAITOK);
	ATF_REQUIRE(p != NULL);
	kmem_free(p, PAGE_SIZE);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, create_add_sizes);
	ATF_TP_ADD_TC(tp, top_of_address_space);
	ATF_TP_ADD_TC(tp, fit_policies);
	ATF_TP_ADD_TC(tp, instant_fit_falls_back);
	ATF_TP_ADD_TC(tp, coalescing);
	ATF_TP_ADD_TC(tp, xalloc_constraints);
	ATF_TP_ADD_TC(tp, qcache);
	ATF_TP_ADD_TC(tp, qcache_drained_before_failing);
	ATF_TP_ADD_TC(tp, import_release);
	ATF_TP_ADD_TC(tp, waitok_sleeps_until_free);
	ATF_TP_ADD_TC(tp, bad_arguments_panic);
	ATF_TP_ADD_TC(tp, bad_arguments_einval);
	ATF_TP_ADD_TC(tp, random_vs_bitmap);
	ATF_TP_ADD_TC(tp, two_threads);
	ATF_TP_ADD_TC(tp, waitok_contention);
	ATF_TP_ADD_TC(tp, kmem_malloc_pages);
	ATF_TP_ADD_TC(tp, kmem_malloc_zero_and_contig);
	ATF_TP_ADD_TC(tp, kmem_two_threads);
	ATF_TP_ADD_TC(tp, reboot_with_leaks);
	return (atf_no_error());
}
