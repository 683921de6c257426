/*
 * Tests of malloc(9) and memguard(9): kmalloc, kfree and
 * kmalloc_usable_size (sys/kern/kern_malloc.c), the malloc types'
 * statistics as vm_malloc_stats() reads them for vmstat -m, and memguard
 * (sys/vm/memguard.c) for a malloc type or a UMA zone named by sysctl
 * vm.memguard.desc.
 *
 * What the cases hold kmalloc to:
 *
 * => Every size gets at least that many usable bytes: the power-of-two
 *    zone at or above it (16 bytes at least) up to 64 KiB, whole pages
 *    above; large allocations are page-aligned, physically contiguous,
 *    wired, and their pages go back to the free pool on kfree.
 * => A type's statistics are exact: items and bytes in use (the rounded
 *    sizes), allocations ever, the sizes used.  A type registers the
 *    first time it is used in each boot and starts from zero.
 * => Misuse panics: frees of what kmalloc never gave, twice, or of an
 *    interior address.
 *
 * And memguard to: a guarded allocation is page-aligned, in memguard's
 * region and not in the arena; freed, it is inaccessible and a write to
 * it (or past its last page) kills the process by SIGSEGV after a
 * one-line report naming the type; vm.memguard.fifo freed allocations
 * stay inaccessible before their address is reused.
 *
 * Death cases fork a child that boots libvm itself (a kernel of its own
 * to panic in, whatever state the parent's is in) and whose stderr the
 * parent reads.  Children use no ATF
 * macros: they exit with a small number naming the check that failed.
 *
 * Six cases pin down bugs found while writing this file; their comments
 * tell the story: waitok_impossible (an M_WAITOK kmalloc no memory can
 * satisfy sleeps for ever), memguard_nowait_fail (kmalloc sizes the NULL a refused
 * guarded allocation returns), memguard_huge_sizes (memguard truncates
 * the page count), memguard_fifo_zero (vm.memguard.fifo = 0 unparks from
 * an empty FIFO), memguard_kmalloc_zone (kfree bypasses UMA for an item
 * of a guarded kmalloc zone) and memguard_zone_created_later (a zone
 * created after desc names it is not guarded).
 */

#include "kern_test.h"	/* first: host headers before the kernel's */
#include "vm/vm_test_util.h"

#include <stdint.h>
#include <stdlib.h>

#include <sys/malloc.h>
#include <uma.h>

MALLOC_DEFINE(M_KMA, "kmtest-a", "kmalloc_test: the first type");
MALLOC_DEFINE(M_KMB, "kmtest-b", "kmalloc_test: the second type");
MALLOC_DEFINE(M_KMC, "kmtest-c", "kmalloc_test: registered late");
MALLOC_DEFINE(M_KMG, "kmtest-g", "kmalloc_test: the guarded type");
MALLOC_DEFINE(M_KMMT, "kmtest-mt", "kmalloc_test: two threads");

#define	KM_ZMAX		65536		/* the largest zone */
#define	KM_MG_NPAGES	16384		/* memguard's region, in pages */

/* Under ASan, a fault ASan handles first skips the case (km_run_segv). */
#if defined(__SANITIZE_ADDRESS__)
#define	KM_ASAN		1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define	KM_ASAN		1
#endif
#endif
#ifndef KM_ASAN
#define	KM_ASAN		0
#endif

/* ---- helpers ------------------------------------------------------------ */

/* The size kmalloc gives for size: its zone's, or whole pages. */
static size_t
km_rounded(size_t size)
{
	size_t z = 16;

	if (size > KM_ZMAX)
		return (round_page(size));
	while (z < size)
		z <<= 1;
	return (z);
}

/* The bit of vms_sizes that an allocation of size sets. */
static uint64_t
km_sizebit(size_t size)
{
	size_t z = km_rounded(size);
	int b = 0;

	if (size > KM_ZMAX)
		return (1ULL << VM_MALLOC_SIZE_LARGE);
	while (((size_t)16 << b) < z)
		b++;
	return (1ULL << b);
}

/* The record of the type called name; false if it is not registered. */
static bool
km_find(const char *name, struct vm_malloc_stat *out)
{
	struct vm_malloc_stat *buf;
	size_t n = 0, cap, i;
	bool found = false;

	ATF_REQUIRE_EQ(0, vm_malloc_stats(NULL, &n));
	cap = n + 4;
	buf = calloc(cap, sizeof(*buf));
	ATF_REQUIRE(buf != NULL);
	ATF_REQUIRE_EQ(0, vm_malloc_stats(buf, &cap));
	ATF_REQUIRE_EQ(n, cap);
	for (i = 0; i < cap; i++)
		if (strcmp(buf[i].vms_name, name) == 0) {
			*out = buf[i];
			found = true;
		}
	free(buf);
	return (found);
}

#define	KM_REQUIRE_STAT(name, inuse, memuse, requests, sizes) do {	\
	struct vm_malloc_stat _s;					\
									\
	ATF_REQUIRE_MSG(km_find((name), &_s), "type %s is not "	\
	    "registered", (name));					\
	ATF_REQUIRE_MSG(_s.vms_inuse == (uint64_t)(inuse) &&		\
	    _s.vms_memuse == (uint64_t)(memuse) &&			\
	    _s.vms_requests == (uint64_t)(requests) &&			\
	    _s.vms_sizes == (uint64_t)(sizes),				\
	    "%s: inuse %ju memuse %ju requests %ju sizes %#jx; want "	\
	    "%ju %ju %ju %#jx", (name), (uintmax_t)_s.vms_inuse,	\
	    (uintmax_t)_s.vms_memuse, (uintmax_t)_s.vms_requests,	\
	    (uintmax_t)_s.vms_sizes, (uintmax_t)(inuse),		\
	    (uintmax_t)(memuse), (uintmax_t)(requests),			\
	    (uintmax_t)(sizes));					\
} while (0)

static uint64_t
km_u64(const char *name)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ_MSG(0, vm_sysctlbyname(name, &v, &len, NULL, 0),
	    "sysctl %s", name);
	ATF_REQUIRE_EQ(sizeof(v), len);
	return (v);
}

static int
km_set_desc(const char *desc)
{
	return (vm_sysctlbyname("vm.memguard.desc", NULL, NULL, desc,
	    strlen(desc) + 1));
}

static int
km_set_fifo(int v)
{
	return (vm_sysctlbyname("vm.memguard.fifo", NULL, NULL, &v,
	    sizeof(v)));
}

static int
km_get_fifo(void)
{
	size_t len = sizeof(int);
	int v = -1;

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.memguard.fifo", &v, &len, NULL,
	    0));
	return (v);
}

static bool
km_in_arena(const void *p)
{
	return ((const char *)p >= vm_dmap_base && (const char *)p <
	    vm_dmap_base + ptoa((size_t)vm_page_array_size));
}

static bool
km_all(const void *p, int c, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != (unsigned char)c)
			return (false);
	return (true);
}

/* Registers type (one allocation and free) before a measured window. */
static void
km_register(struct malloc_type *type)
{
	kfree(kmalloc(1, type, M_WAITOK), type);
}

/* In a child: boot (exit 10 if that fails) and guard desc (exit 11). */
static void
km_child_guard(const char *desc)
{
	vt_child_boot();
	if (km_set_desc(desc) != 0)
		_exit(11);
}

/*
 * Runs fn(arg), which should die of memguard's SIGSEGV, in a child; its
 * stderr goes in buf, newlines made '|' (Kyua calls a multi-line reason
 * "broken").  Under AddressSanitizer memguard's handler gets the fault
 * only if ASan lets a program install its own (allow_user_segv_handler,
 * on by default): if ASan took it, the case is skipped.
 */
static int
km_run_segv(void (*fn)(void *), void *arg, char *buf, size_t len)
{
	char *c;
	int status;

	status = kt_run_child(fn, arg, buf, len);
	for (c = buf; *c != '\0'; c++)
		if (*c == '\n')
			*c = '|';
	if (KM_ASAN && strstr(buf, "ERROR: AddressSanitizer: SEGV") != NULL)
		atf_tc_skip("AddressSanitizer handled the SIGSEGV before "
		    "memguard's handler (allow_user_segv_handler=0?): the "
		    "report cannot be checked");
	ATF_REQUIRE_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	    "child did not die of SIGSEGV (wait status %#x); output: %s",
	    status, buf);
	return (status);
}

/* And its report holds every string of needles (NULL-terminated). */
static void
km_expect_segv(void (*fn)(void *), void *arg, const char *const *needles)
{
	char buf[8192];
	int i;

	(void)km_run_segv(fn, arg, buf, sizeof(buf));
	for (i = 0; needles[i] != NULL; i++)
		ATF_REQUIRE_MSG(strstr(buf, needles[i]) != NULL,
		    "report lacks \"%s\": %s", needles[i], buf);
}

/*
 * fn(arg) in a child must exit 0.  Its output goes in the failure on one
 * line (Kyua calls a multi-line reason "broken").
 */
static bool
km_child_ok(void (*fn)(void *), void *arg, char *out, size_t outlen)
{
	char buf[4096], *c;
	int status;

	status = kt_run_child(fn, arg, buf, sizeof(buf));
	for (c = buf; *c != '\0'; c++)
		if (*c == '\n')
			*c = '|';
	snprintf(out, outlen, "child %s %d; output: %s", WIFEXITED(status) ?
	    "exit status" : "signal", WIFEXITED(status) ?
	    WEXITSTATUS(status) : WTERMSIG(status), buf);
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
km_expect_exit0(void (*fn)(void *), void *arg)
{
	char msg[4200];

	ATF_REQUIRE_MSG(km_child_ok(fn, arg, msg, sizeof(msg)), "%s", msg);
}

/* ---- sizes -------------------------------------------------------------- */

static const size_t km_sizes[] = {
	0, 1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
	255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049,
	4095, 4096, 4097, 8191, 8192, 8193, 16383, 16384, 16385, 32767,
	32768, 32769, 65535, 65536, 65537, 3 * 4096 * 6, 3 * 4096 * 6 + 1,
	100 * 1024, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1,
};
#define	KM_NSIZES	(sizeof(km_sizes) / sizeof(km_sizes[0]))

ATF_TC(size_classes);
ATF_TC_HEAD(size_classes, tc)
{
	KT_DESCR(tc, "Every size class boundary (0, 1, 16, 17, ..., 65536, "
	    "65537, several pages) gives a pointer-aligned allocation whose "
	    "kmalloc_usable_size is the zone's size or whole pages, and all "
	    "of it is usable: filling two of each size leaves the other's "
	    "bytes intact");
}
ATF_TC_BODY(size_classes, tc)
{
	void *p[KM_NSIZES][2];
	uint64_t bits = 0;
	size_t i, u;
	int k;

	vt_boot();
	for (i = 0; i < KM_NSIZES; i++)
		for (k = 0; k < 2; k++) {
			p[i][k] = kmalloc(km_sizes[i], M_KMA, M_WAITOK);
			ATF_REQUIRE_MSG(p[i][k] != NULL, "size %zu",
			    km_sizes[i]);
			ATF_REQUIRE_MSG(((uintptr_t)p[i][k] &
			    (sizeof(void *) - 1)) == 0, "size %zu at %p",
			    km_sizes[i], p[i][k]);
			u = kmalloc_usable_size(p[i][k]);
			ATF_REQUIRE_MSG(u >= km_sizes[i] &&
			    u == km_rounded(km_sizes[i]),
			    "size %zu: usable %zu, want %zu", km_sizes[i], u,
			    km_rounded(km_sizes[i]));
			memset(p[i][k], 0x11 * (k + 1) + (int)i, u);
		}
	for (i = 0; i < KM_NSIZES; i++)
		for (k = 0; k < 2; k++)
			ATF_REQUIRE_MSG(km_all(p[i][k], (0x11 * (k + 1) +
			    (int)i) & 0xff, km_rounded(km_sizes[i])),
			    "size %zu copy %d was overwritten", km_sizes[i],
			    k);
	ATF_REQUIRE_EQ(0, kmalloc_usable_size(NULL));
	for (i = 0; i < KM_NSIZES; i++)
		for (k = 0; k < 2; k++)
			kfree(p[i][k], M_KMA);
	for (i = 0; i < KM_NSIZES; i++)
		bits |= km_sizebit(km_sizes[i]);
	KM_REQUIRE_STAT("kmtest-a", 0, 0, 2 * KM_NSIZES, bits);
	vm_shutdown();
}

ATF_TC(m_zero);
ATF_TC_HEAD(m_zero, tc)
{
	KT_DESCR(tc, "M_ZERO zeroes the whole usable size, also of memory "
	    "just freed dirty (small items come back from the CPU's bucket, "
	    "large ones from the same pages)");
}
ATF_TC_BODY(m_zero, tc)
{
	static const size_t sizes[] = { 1, 16, 100, 4096, 65536, 65537,
	    5 * 4096 };
	void *p, *q;
	size_t i, u;
	int round;

	vt_boot();
	for (i = 0; i < nitems(sizes); i++)
		for (round = 0; round < 3; round++) {
			p = kmalloc(sizes[i], M_KMA, M_WAITOK);
			u = kmalloc_usable_size(p);
			memset(p, 0xa5, u);
			kfree(p, M_KMA);
			q = kmalloc(sizes[i], M_KMA, (round == 2 ? M_NOWAIT :
			    M_WAITOK) | M_ZERO);
			ATF_REQUIRE(q != NULL);
			ATF_REQUIRE_MSG(km_all(q, 0, kmalloc_usable_size(q)),
			    "size %zu round %d: M_ZERO memory (%s the freed "
			    "item) is not zero", sizes[i], round, p == q ?
			    "reusing" : "not reusing");
			kfree(q, M_KMA);
		}
	vm_shutdown();
}

ATF_TC(large_pages);
ATF_TC_HEAD(large_pages, tc)
{
	KT_DESCR(tc, "An allocation above 64 KiB is page-aligned, its pages "
	    "physically contiguous and wired once each (v_wire_count grows "
	    "by exactly its pages); kfree unwires and frees them all "
	    "(v_wire_count and v_free_count come back)");
}
ATF_TC_BODY(large_pages, tc)
{
	static const size_t sizes[] = { KM_ZMAX + 1, 17 * 4096,
	    40 * 4096 + 5 };
	uint64_t wired0, free0;
	vm_page_t m;
	size_t i, n, k;
	char *p;

	vt_boot();
	km_register(M_KMA);
	/*
	 * kmem records its runs with boundary tags from a UMA zone: a first
	 * allocation gives that zone its slab, so the counts below move by
	 * the allocations' own pages only.
	 */
	kfree(kmalloc(KM_ZMAX + 1, M_KMA, M_WAITOK), M_KMA);
	for (i = 0; i < nitems(sizes); i++) {
		n = atop(round_page(sizes[i]));
		wired0 = vt_stat("v_wire_count");
		free0 = vt_stat("v_free_count");
		p = kmalloc(sizes[i], M_KMA, M_WAITOK);
		ATF_REQUIRE(p != NULL);
		ATF_REQUIRE_MSG(((uintptr_t)p & PAGE_MASK) == 0, "%p", p);
		ATF_REQUIRE(km_in_arena(p));
		ATF_REQUIRE_EQ(ptoa(n), kmalloc_usable_size(p));
		m = PHYS_TO_VM_PAGE(DMAP_TO_PHYS(p));
		for (k = 0; k < n; k++) {
			ATF_REQUIRE_EQ_MSG((char *)vm_page_dmap(&m[k]),
			    p + ptoa(k), "size %zu page %zu not contiguous",
			    sizes[i], k);
			ATF_REQUIRE_EQ_MSG(1, vm_page_wired(&m[k]),
			    "size %zu page %zu wired %u", sizes[i], k,
			    vm_page_wired(&m[k]));
		}
		ATF_REQUIRE_EQ(wired0 + n, vt_stat("v_wire_count"));
		ATF_REQUIRE_EQ(free0 - n, vt_stat("v_free_count"));
		memset(p, 0x5a, ptoa(n));
		kfree(p, M_KMA);
		ATF_REQUIRE_EQ(wired0, vt_stat("v_wire_count"));
		ATF_REQUIRE_EQ(free0, vt_stat("v_free_count"));
	}
	KM_REQUIRE_STAT("kmtest-a", 0, 0, 2 + nitems(sizes),
	    1 | (1ULL << VM_MALLOC_SIZE_LARGE));
	vm_shutdown();
}

/* ---- M_NOWAIT and M_WAITOK ---------------------------------------------- */

#define	KM_CHUNK	(32 * 4096)
#define	KM_MAXCHUNKS	1024

struct km_waiter {
	_Atomic int	done;
	void		*p;
};

static void *
km_waiter_main(void *arg)
{
	struct km_waiter *w = arg;

	w->p = kmalloc(KM_CHUNK, M_KMA, M_WAITOK);
	atomic_store(&w->done, 1);
	return (NULL);
}

ATF_TC(nowait_waitok);
ATF_TC_HEAD(nowait_waitok, tc)
{
	KT_DESCR(tc, "With the memory taken, M_NOWAIT returns NULL at once "
	    "(and is not counted as a request) and M_WAITOK sleeps until "
	    "kfrees bring the free pages back to v_free_min, then succeeds; "
	    "more than physmem with M_NOWAIT is NULL");
}
ATF_TC_BODY(nowait_waitok, tc)
{
	static void *chunk[KM_MAXCHUNKS];
	struct km_waiter w = { 0, NULL };
	struct vm_malloc_stat s;
	pthread_t t;
	int n, i;

	vt_boot();
	ATF_REQUIRE(kmalloc(VT_PHYSMEM * 2, M_KMA, M_NOWAIT) == NULL);
	ATF_REQUIRE(kmalloc((size_t)1 << 44, M_KMA, M_NOWAIT) == NULL);
	ATF_REQUIRE(kmalloc(SIZE_MAX - PAGE_SIZE, M_KMA, M_NOWAIT) == NULL);
	ATF_REQUIRE(kmalloc(SIZE_MAX, M_KMA, M_NOWAIT) == NULL);
	for (n = 0; n < KM_MAXCHUNKS; n++)
		if ((chunk[n] = kmalloc(KM_CHUNK, M_KMA, M_NOWAIT)) == NULL)
			break;
	ATF_REQUIRE(n > 0 && n < KM_MAXCHUNKS);
	ATF_REQUIRE(kmalloc(KM_CHUNK, M_KMA, M_NOWAIT) == NULL);
	KM_REQUIRE_STAT("kmtest-a", n, (uint64_t)n * KM_CHUNK, n,
	    1ULL << VM_MALLOC_SIZE_LARGE);

	t = vt_thread(km_waiter_main, &w);
	vt_msleep(200);
	ATF_REQUIRE_MSG(atomic_load(&w.done) == 0,
	    "M_WAITOK returned (%p) with no run of %d pages free", w.p,
	    KM_CHUNK / PAGE_SIZE);
	/* v_free_min is a few chunks above where M_NOWAIT stops. */
	for (i = 0; i < 8 && atomic_load(&w.done) == 0; i++) {
		kfree(chunk[--n], M_KMA);
		vt_msleep(50);
	}
	WAIT_FOR(atomic_load(&w.done) != 0);
	kt_join(t);
	ATF_REQUIRE(w.p != NULL);
	ATF_REQUIRE(km_find("kmtest-a", &s));
	ATF_REQUIRE_EQ((uint64_t)n + 1, s.vms_inuse);
	kfree(w.p, M_KMA);
	for (i = 0; i < n; i++)
		kfree(chunk[i], M_KMA);
	/* And small ones: M_NOWAIT succeeds with memory free. */
	for (i = 0; i < 100; i++) {
		void *p = kmalloc(48, M_KMB, M_NOWAIT);

		ATF_REQUIRE(p != NULL);
		kfree(p, M_KMB);
	}
	KM_REQUIRE_STAT("kmtest-b", 0, 0, 100, km_sizebit(48));
	vm_shutdown();
}

/*
 * Bug: an M_WAITOK kmalloc that no amount of freeing can satisfy sleeps
 * for ever.  kmalloc_large loops on vm_page_alloc_noobj_contig, which
 * returns NULL at once for a run longer than the machine (it sleeps only
 * when pages are short) and kpause(10 ms)s between tries; a size within
 * a page of SIZE_MAX rounds to 0 pages (round_page overflows) and loops
 * the same way.  M_WAITOK promises never to return NULL, so such a
 * request should panic and name itself, as FreeBSD's malloc asserts
 * ("malloc(M_WAITOK) returned NULL"), rather than hang its thread.
 */
static void
waitok_impossible_child(void *arg)
{
	size_t size = *(const size_t *)arg;

	vt_child_boot();
	alarm(2);		/* a hang ends in SIGALRM */
	(void)kmalloc(size, M_KMA, M_WAITOK);
	_exit(12);
}

ATF_TC(waitok_impossible);
ATF_TC_HEAD(waitok_impossible, tc)
{
	KT_DESCR(tc, "Regression: M_WAITOK for more pages than the machine "
	    "has (64 MiB of 32), or a size that rounds past SIZE_MAX, "
	    "panics instead of sleeping for ever");
}
ATF_TC_BODY(waitok_impossible, tc)
{
	static const size_t sizes[] = { 2 * (size_t)VT_PHYSMEM,
	    SIZE_MAX - 100 };
	char buf[4096], all[1024] = "", *c;
	size_t i, len = 0;
	int status;

	for (i = 0; i < nitems(sizes); i++) {
		status = kt_run_child(waitok_impossible_child,
		    (void *)&sizes[i], buf, sizeof(buf));
		for (c = buf; *c != '\0'; c++)
			if (*c == '\n')
				*c = '|';
		if ((!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) &&
		    len < sizeof(all))
			len += (size_t)snprintf(all + len, sizeof(all) - len,
			    "[size %#zx: %s; output: %.200s] ", sizes[i],
			    WIFSIGNALED(status) && WTERMSIG(status) ==
			    SIGALRM ? "still asleep after 2 s" : "no panic",
			    buf);
	}
	ATF_REQUIRE_MSG(len == 0, "%s", all);
}

/* ---- statistics --------------------------------------------------------- */

ATF_TC(stats_two_types);
ATF_TC_HEAD(stats_two_types, tc)
{
	KT_DESCR(tc, "Two types' vm_malloc_stats records are exact: items "
	    "and bytes (the rounded sizes) in use, requests, the sizes used "
	    "(VM_MALLOC_SIZE_LARGE for whole pages), each type only its own; "
	    "frees lower inuse and memuse, never requests or sizes");
}
ATF_TC_BODY(stats_two_types, tc)
{
	void *a[4], *b[3];
	struct vm_malloc_stat s;

	vt_boot();
	ATF_REQUIRE(!km_find("kmtest-a", &s));
	ATF_REQUIRE(!km_find("kmtest-b", &s));
	a[0] = kmalloc(100, M_KMA, M_WAITOK);
	a[1] = kmalloc(100, M_KMA, M_WAITOK | M_ZERO);
	a[2] = kmalloc(128, M_KMA, M_NOWAIT);
	a[3] = kmalloc(3, M_KMA, M_WAITOK);
	KM_REQUIRE_STAT("kmtest-a", 4, 3 * 128 + 16, 4, (1 << 3) | 1);
	ATF_REQUIRE(!km_find("kmtest-b", &s));
	b[0] = kmalloc(70000, M_KMB, M_WAITOK);
	b[1] = kmalloc(4096, M_KMB, M_WAITOK);
	b[2] = kmalloc(4000, M_KMB, M_WAITOK);
	KM_REQUIRE_STAT("kmtest-b", 3, round_page(70000) + 2 * 4096, 3,
	    (1ULL << VM_MALLOC_SIZE_LARGE) | (1 << 8));
	KM_REQUIRE_STAT("kmtest-a", 4, 3 * 128 + 16, 4, (1 << 3) | 1);
	kfree(a[1], M_KMA);
	kfree(b[0], M_KMB);
	KM_REQUIRE_STAT("kmtest-a", 3, 2 * 128 + 16, 4, (1 << 3) | 1);
	KM_REQUIRE_STAT("kmtest-b", 2, 2 * 4096, 3,
	    (1ULL << VM_MALLOC_SIZE_LARGE) | (1 << 8));
	kfree(a[0], M_KMA);
	kfree(a[2], M_KMA);
	kfree(a[3], M_KMA);
	kfree(b[1], M_KMB);
	kfree(b[2], M_KMB);
	KM_REQUIRE_STAT("kmtest-a", 0, 0, 4, (1 << 3) | 1);
	KM_REQUIRE_STAT("kmtest-b", 0, 0, 3,
	    (1ULL << VM_MALLOC_SIZE_LARGE) | (1 << 8));
	vm_shutdown();
}

ATF_TC(stats_count_enomem);
ATF_TC_HEAD(stats_count_enomem, tc)
{
	KT_DESCR(tc, "vm_malloc_stats: buf NULL gives the count of types "
	    "registered in this boot (a type counts from its first use); a "
	    "buf too small is filled as far as it goes and gives ENOMEM with "
	    "*countp the records stored; countp NULL is EINVAL");
}
ATF_TC_BODY(stats_count_enomem, tc)
{
	struct vm_malloc_stat *buf, s;
	size_t n0 = 0, n = 0, cap, i;
	bool sawc = false;

	vt_boot();
	ATF_REQUIRE_EQ(EINVAL, vm_malloc_stats(NULL, NULL));
	ATF_REQUIRE_EQ(0, vm_malloc_stats(NULL, &n0));
	kfree(NULL, M_KMC);		/* no use: does not register */
	ATF_REQUIRE(!km_find("kmtest-c", &s));
	km_register(M_KMA);
	km_register(M_KMB);
	km_register(M_KMA);
	ATF_REQUIRE_EQ(0, vm_malloc_stats(NULL, &n));
	ATF_REQUIRE_EQ(n0 + 2, n);
	km_register(M_KMC);
	ATF_REQUIRE_EQ(0, vm_malloc_stats(NULL, &n));
	ATF_REQUIRE_EQ(n0 + 3, n);

	buf = calloc(n + 1, sizeof(*buf));
	ATF_REQUIRE(buf != NULL);
	cap = n + 1;
	ATF_REQUIRE_EQ(0, vm_malloc_stats(buf, &cap));
	ATF_REQUIRE_EQ(n, cap);
	cap = n;
	ATF_REQUIRE_EQ(0, vm_malloc_stats(buf, &cap));
	ATF_REQUIRE_EQ(n, cap);
	for (i = 0; i < n; i++)
		if (strcmp(buf[i].vms_name, "kmtest-c") == 0) {
			sawc = true;
			ATF_REQUIRE_EQ(1, buf[i].vms_requests);
			ATF_REQUIRE_EQ(0, buf[i].vms_inuse);
		}
	ATF_REQUIRE(sawc);
	memset(buf, 0xff, (n + 1) * sizeof(*buf));
	cap = n - 1;
	ATF_REQUIRE_EQ(ENOMEM, vm_malloc_stats(buf, &cap));
	ATF_REQUIRE_EQ(n - 1, cap);
	for (i = 0; i < n - 1; i++)
		ATF_REQUIRE_MSG(memchr(buf[i].vms_name, '\0',
		    sizeof(buf[i].vms_name)) != NULL && buf[i].vms_name[0] !=
		    '\0', "record %zu not filled", i);
	ATF_REQUIRE_EQ(0xff, (unsigned char)buf[n - 1].vms_name[0]);
	cap = 0;
	ATF_REQUIRE_EQ(ENOMEM, vm_malloc_stats(buf, &cap));
	ATF_REQUIRE_EQ(0, cap);
	free(buf);
	vm_shutdown();
}

ATF_TC(stats_unbooted);
ATF_TC_HEAD(stats_unbooted, tc)
{
	KT_DESCR(tc, "vm_malloc_stats is ENXIO before vm_boot and after "
	    "vm_shutdown");
}
ATF_TC_BODY(stats_unbooted, tc)
{
	struct vm_malloc_stat s[2];
	size_t n = 2;

	ATF_REQUIRE_EQ(ENXIO, vm_malloc_stats(NULL, &n));
	ATF_REQUIRE_EQ(ENXIO, vm_malloc_stats(s, &n));
	vt_boot();
	km_register(M_KMA);
	ATF_REQUIRE_EQ(0, vm_malloc_stats(NULL, &n));
	vm_shutdown();
	ATF_REQUIRE_EQ(ENXIO, vm_malloc_stats(NULL, &n));
	n = 2;
	ATF_REQUIRE_EQ(ENXIO, vm_malloc_stats(s, &n));
}

ATF_TC(stats_two_boots);
ATF_TC_HEAD(stats_two_boots, tc)
{
	KT_DESCR(tc, "A type used in two boots registers again in the "
	    "second: it is absent until its first use there, and its "
	    "statistics start from zero");
}
ATF_TC_BODY(stats_two_boots, tc)
{
	struct vm_malloc_stat s;
	size_t n1 = 0, n2 = 0;
	void *p, *q;
	int boot;

	for (boot = 0; boot < 3; boot++) {
		vt_boot();
		ATF_REQUIRE_MSG(!km_find("kmtest-a", &s),
		    "boot %d: kmtest-a registered before its use", boot);
		p = kmalloc(200, M_KMA, M_WAITOK);
		q = kmalloc(100000, M_KMA, M_WAITOK);
		kfree(kmalloc(20, M_KMA, M_WAITOK), M_KMA);
		if (boot == 0)
			kfree(kmalloc(20, M_KMB, M_WAITOK), M_KMB);
		KM_REQUIRE_STAT("kmtest-a", 2, 256 + round_page(100000), 3,
		    km_sizebit(200) | km_sizebit(100000) | km_sizebit(20));
		if (boot == 0)
			ATF_REQUIRE_EQ(0, vm_malloc_stats(NULL, &n1));
		else {
			ATF_REQUIRE(!km_find("kmtest-b", &s));
			ATF_REQUIRE_EQ(0, vm_malloc_stats(NULL, &n2));
			ATF_REQUIRE_EQ(n1 - 1, n2);
		}
		kfree(p, M_KMA);
		kfree(q, M_KMA);
		vm_shutdown();
	}
}

/* ---- two threads -------------------------------------------------------- */

#define	MT_ITERS	20000
#define	MT_SLOTS	48

struct km_worker {
	uint64_t	seed;
	int		id;
	/* results, read by the test's thread after the join */
	void		*live[MT_SLOTS];
	size_t		livesize[MT_SLOTS];
	uint64_t	allocs;
	uint64_t	sizes;
	int		bad;		/* first bad check, 0 if none */
};

static size_t
km_mt_size(uint64_t r)
{
	switch (r % 16) {
	case 0:
		return (KM_ZMAX + 1 + (size_t)(r >> 8) % (3 * PAGE_SIZE));
	case 1:
	case 2:
		return (1 + (size_t)(r >> 8) % KM_ZMAX);
	default:
		return (1 + (size_t)(r >> 8) % 512);
	}
}

static void *
km_worker_main(void *arg)
{
	struct km_worker *w = arg;
	unsigned char *p;
	uint64_t r;
	size_t sz;
	int i, k;

	for (i = 0; i < MT_ITERS && w->bad == 0; i++) {
		r = vt_rand(&w->seed);
		k = (int)(r % MT_SLOTS);
		r >>= 8;
		if (w->live[k] != NULL) {
			p = w->live[k];
			sz = w->livesize[k];
			if (p[0] != w->id || p[sz - 1] != w->id)
				w->bad = 1;	/* someone else wrote it */
			kfree(p, M_KMMT);
			w->live[k] = NULL;
			continue;
		}
		sz = km_mt_size(r);
		p = kmalloc(sz, M_KMMT, M_WAITOK);
		if (p == NULL) {
			w->bad = 2;
			break;
		}
		if (kmalloc_usable_size(p) != km_rounded(sz)) {
			w->bad = 3;
			break;
		}
		p[0] = p[sz - 1] = (unsigned char)w->id;
		w->live[k] = p;
		w->livesize[k] = sz;
		w->allocs++;
		w->sizes |= km_sizebit(sz);
	}
	return (NULL);
}

ATF_TC(two_threads);
ATF_TC_HEAD(two_threads, tc)
{
	KT_DESCR(tc, "Two threads allocate and free with one type, sizes "
	    "from every class: no item is handed to both, and at the end "
	    "inuse, memuse, requests and sizes are exact; runs under "
	    "ThreadSanitizer in make check-tsan");
}
ATF_TC_BODY(two_threads, tc)
{
	struct km_worker w[2];
	pthread_t t[2];
	uint64_t inuse = 0, memuse = 0, allocs = 0, sizes = 0;
	int i, k;

	vt_boot();
	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].seed = 0x6b6d616c6c6f63ULL + (uint64_t)i;
		w[i].id = 0x40 + i;
	}
	for (i = 0; i < 2; i++)
		t[i] = vt_thread(km_worker_main, &w[i]);
	for (i = 0; i < 2; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	for (i = 0; i < 2; i++) {
		ATF_REQUIRE_EQ_MSG(0, w[i].bad, "worker %d: check %d failed",
		    i, w[i].bad);
		allocs += w[i].allocs;
		sizes |= w[i].sizes;
		for (k = 0; k < MT_SLOTS; k++)
			if (w[i].live[k] != NULL) {
				inuse++;
				memuse += km_rounded(w[i].livesize[k]);
			}
	}
	ATF_REQUIRE(inuse > 0);
	KM_REQUIRE_STAT("kmtest-mt", inuse, memuse, allocs, sizes);
	/* The test's thread frees what the workers left. */
	for (i = 0; i < 2; i++)
		for (k = 0; k < MT_SLOTS; k++)
			kfree(w[i].live[k], M_KMMT);
	KM_REQUIRE_STAT("kmtest-mt", 0, 0, allocs, sizes);
	vm_shutdown();
}

/* ---- kfree(NULL) and misuse --------------------------------------------- */

ATF_TC(kfree_null);
ATF_TC_HEAD(kfree_null, tc)
{
	KT_DESCR(tc, "kfree(NULL) is a no-op: the type's statistics do not "
	    "move (and an unused type is not registered by it)");
}
ATF_TC_BODY(kfree_null, tc)
{
	struct vm_malloc_stat s;
	void *p;

	vt_boot();
	kfree(NULL, M_KMB);
	ATF_REQUIRE(!km_find("kmtest-b", &s));
	p = kmalloc(40, M_KMA, M_WAITOK);
	kfree(NULL, M_KMA);
	KM_REQUIRE_STAT("kmtest-a", 1, 64, 1, km_sizebit(40));
	kfree(p, M_KMA);
	kfree(NULL, M_KMA);
	KM_REQUIRE_STAT("kmtest-a", 0, 0, 1, km_sizebit(40));
	vm_shutdown();
}

static void
misuse_stack(void *arg __unused)
{
	char buf[64];

	vt_child_boot();
	kfree(buf, M_KMA);
}

static void
misuse_large_interior(void *arg __unused)
{
	char *p;

	vt_child_boot();
	p = kmalloc(KM_ZMAX + 3 * PAGE_SIZE + 1, M_KMA, M_WAITOK);
	kfree(p + 64, M_KMA);
}

static void
misuse_large_second_page(void *arg __unused)
{
	char *p;

	vt_child_boot();
	p = kmalloc(KM_ZMAX + 5 * PAGE_SIZE, M_KMA, M_WAITOK);
	kfree(p + 2 * PAGE_SIZE, M_KMA);
}

static void
misuse_large_twice(void *arg __unused)
{
	char *p;

	vt_child_boot();
	p = kmalloc(KM_ZMAX + 1, M_KMA, M_WAITOK);
	kfree(p, M_KMA);
	kfree(p, M_KMA);
}

static void
misuse_small_twice(void *arg __unused)
{
	char *p;

	vt_child_boot();
	p = kmalloc(100, M_KMA, M_WAITOK);
	(void)kmalloc(100, M_KMA, M_WAITOK);	/* the slab stays */
	kfree(p, M_KMA);
	kfree(p, M_KMA);
}

static void
misuse_small_interior(void *arg __unused)
{
	char *p;

	vt_child_boot();
	p = kmalloc(100, M_KMA, M_WAITOK);
	kfree(p + 16, M_KMA);
}

static void
misuse_other_zone(void *arg __unused)
{
	uma_zone_t z;
	void *p;

	vt_child_boot();
	z = uma_zcreate("kmtest-other", 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	p = uma_zalloc(z, M_WAITOK);
	kfree(p, M_KMA);
}

static void
misuse_flags(void *arg)
{
	vt_child_boot();
	(void)kmalloc(10, M_KMA, (int)(intptr_t)arg);
}

static void
misuse_unbooted(void *arg __unused)
{
	(void)kmalloc(10, M_KMA, M_WAITOK);
}

ATF_TC(misuse_panics);
ATF_TC_HEAD(misuse_panics, tc)
{
	KT_DESCR(tc, "kfree panics for a stack address, an address inside a "
	    "large allocation (its first page or a later one), a large or "
	    "small allocation freed twice, the inside of a small item, an "
	    "item of another UMA zone; kmalloc for flags with both or neither "
	    "of M_WAITOK and M_NOWAIT, and before vm_boot (INVARIANTS)");
}
ATF_TC_BODY(misuse_panics, tc)
{
	kt_expect_panic(misuse_stack, NULL, "is not kernel memory");
	kt_expect_panic(misuse_large_interior, NULL,
	    "is inside a large allocation");
	kt_expect_panic(misuse_large_second_page, NULL,
	    "was not allocated by kmalloc");
	kt_expect_panic(misuse_large_twice, NULL,
	    "was not allocated by kmalloc");
	kt_expect_panic(misuse_other_zone, NULL,
	    "was not allocated by kmalloc");
	KT_REQUIRE_INVARIANTS();
	kt_expect_panic(misuse_small_twice, NULL, "twice");
	kt_expect_panic(misuse_small_interior, NULL,
	    "not the start of an item");
	kt_expect_panic(misuse_flags, (void *)(intptr_t)(M_WAITOK | M_NOWAIT),
	    "want one of M_WAITOK and M_NOWAIT");
	kt_expect_panic(misuse_flags, (void *)(intptr_t)M_ZERO,
	    "want one of M_WAITOK and M_NOWAIT");
	kt_expect_panic(misuse_unbooted, NULL, "kmalloc before vm_boot");
}

/* ---- memguard ----------------------------------------------------------- */

ATF_TC(memguard_basic);
ATF_TC_HEAD(memguard_basic, tc)
{
	KT_DESCR(tc, "With vm.memguard.desc naming a type, its allocations "
	    "are page-aligned, in memguard's region and not in the arena, "
	    "whole pages usable, M_ZERO zeroes reused pages; other types "
	    "are not guarded; allocs and frees count; desc \"\" stops "
	    "guarding, and a guarded allocation freed after that is still "
	    "memguard's");
}
ATF_TC_BODY(memguard_basic, tc)
{
	char desc[64];
	size_t len;
	uint64_t a0, f0, fails0;
	char *p, *q, *r, *late;
	int i;

	vt_boot();
	ATF_REQUIRE_EQ(1024, km_get_fifo());
	len = sizeof(desc);
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.memguard.desc", desc, &len,
	    NULL, 0));
	ATF_REQUIRE_STREQ("", desc);
	a0 = km_u64("vm.memguard.allocs");
	f0 = km_u64("vm.memguard.frees");
	fails0 = km_u64("vm.memguard.fails");
	ATF_REQUIRE_EQ(0, km_set_desc("kmtest-g"));
	len = sizeof(desc);
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.memguard.desc", desc, &len,
	    NULL, 0));
	ATF_REQUIRE_STREQ("kmtest-g", desc);

	p = kmalloc(100, M_KMG, M_WAITOK);
	ATF_REQUIRE(p != NULL);
	ATF_REQUIRE_MSG(((uintptr_t)p & PAGE_MASK) == 0, "%p", p);
	ATF_REQUIRE(memguard_owns(p));
	ATF_REQUIRE(!km_in_arena(p));
	ATF_REQUIRE_EQ(PAGE_SIZE, kmalloc_usable_size(p));
	memset(p, 0x77, PAGE_SIZE);
	q = kmalloc(3 * PAGE_SIZE + 1, M_KMG, M_WAITOK | M_ZERO);
	ATF_REQUIRE(memguard_owns(q) && ((uintptr_t)q & PAGE_MASK) == 0);
	ATF_REQUIRE_EQ(4 * PAGE_SIZE, kmalloc_usable_size(q));
	ATF_REQUIRE(km_all(q, 0, 4 * PAGE_SIZE));
	ATF_REQUIRE_EQ(a0 + 2, km_u64("vm.memguard.allocs"));
	KM_REQUIRE_STAT("kmtest-g", 2, 5 * PAGE_SIZE, 2,
	    1ULL << VM_MALLOC_SIZE_LARGE);

	/* Other types: their zones and pages, in the arena. */
	r = kmalloc(100, M_KMA, M_WAITOK);
	ATF_REQUIRE(!memguard_owns(r) && km_in_arena(r));
	kfree(r, M_KMA);
	r = kmalloc(KM_ZMAX * 2, M_KMA, M_WAITOK);
	ATF_REQUIRE(!memguard_owns(r) && km_in_arena(r));
	kfree(r, M_KMA);
	ATF_REQUIRE_EQ(a0 + 2, km_u64("vm.memguard.allocs"));

	kfree(p, M_KMG);
	kfree(q, M_KMG);
	ATF_REQUIRE_EQ(f0 + 2, km_u64("vm.memguard.frees"));
	KM_REQUIRE_STAT("kmtest-g", 0, 0, 2, 1ULL << VM_MALLOC_SIZE_LARGE);

	/* M_ZERO on pages used before (the FIFO forced short). */
	ATF_REQUIRE_EQ(0, km_set_fifo(1));
	for (i = 0; i < 20; i++) {
		p = kmalloc(PAGE_SIZE, M_KMG, M_WAITOK | M_ZERO);
		ATF_REQUIRE(km_all(p, 0, PAGE_SIZE));
		memset(p, 0xee, PAGE_SIZE);
		kfree(p, M_KMG);
	}

	late = kmalloc(10, M_KMG, M_WAITOK);
	ATF_REQUIRE(memguard_owns(late));
	ATF_REQUIRE_EQ(0, km_set_desc(""));
	p = kmalloc(100, M_KMG, M_WAITOK);
	ATF_REQUIRE(!memguard_owns(p) && km_in_arena(p));
	ATF_REQUIRE_EQ(128, kmalloc_usable_size(p));
	kfree(p, M_KMG);
	kfree(late, M_KMG);		/* still memguard's to free */
	ATF_REQUIRE_EQ(a0 + 23, km_u64("vm.memguard.allocs"));
	ATF_REQUIRE_EQ(f0 + 23, km_u64("vm.memguard.frees"));
	ATF_REQUIRE_EQ(fails0, km_u64("vm.memguard.fails"));
	KM_REQUIRE_STAT("kmtest-g", 0, 0, 24,
	    (1ULL << VM_MALLOC_SIZE_LARGE) | km_sizebit(100));
	vm_shutdown();
}

ATF_TC(memguard_sysctls);
ATF_TC_HEAD(memguard_sysctls, tc)
{
	KT_DESCR(tc, "vm.memguard.fifo takes 0..4096 (EINVAL otherwise); "
	    "desc takes a name of up to 31 bytes with its NUL (EINVAL "
	    "beyond); allocs, frees and fails are read-only");
}
ATF_TC_BODY(memguard_sysctls, tc)
{
	char longname[40], got[64];
	uint64_t v = 5;
	size_t len;

	vt_boot();
	ATF_REQUIRE_EQ(EINVAL, km_set_fifo(-1));
	ATF_REQUIRE_EQ(EINVAL, km_set_fifo(4097));
	ATF_REQUIRE_EQ(1024, km_get_fifo());
	ATF_REQUIRE_EQ(0, km_set_fifo(4096));
	ATF_REQUIRE_EQ(4096, km_get_fifo());
	ATF_REQUIRE_EQ(0, km_set_fifo(0));
	ATF_REQUIRE_EQ(0, km_get_fifo());
	memset(longname, 'x', 31);
	longname[31] = '\0';
	ATF_REQUIRE_EQ(EINVAL, km_set_desc(longname));	/* 32 with NUL */
	longname[30] = '\0';
	ATF_REQUIRE_EQ(0, km_set_desc(longname));
	len = sizeof(got);
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.memguard.desc", got, &len,
	    NULL, 0));
	ATF_REQUIRE_STREQ(longname, got);
	ATF_REQUIRE(vm_sysctlbyname("vm.memguard.allocs", NULL, NULL, &v,
	    sizeof(v)) != 0);
	ATF_REQUIRE(vm_sysctlbyname("vm.memguard.fails", NULL, NULL, &v,
	    sizeof(v)) != 0);
	ATF_REQUIRE_EQ(0, km_set_desc(""));
	vm_shutdown();
}

static void
mg_use_after_free(void *arg __unused)
{
	volatile char *p;

	km_child_guard("kmtest-g");
	p = kmalloc(200, M_KMG, M_WAITOK);
	p[10] = 1;
	fprintf(stderr, "freed %p\n", (void *)p);
	kfree((void *)p, M_KMG);
	p[10] = 2;		/* dies here */
	_exit(12);
}

static void
mg_read_after_free(void *arg __unused)
{
	volatile char *p;
	char c;

	km_child_guard("kmtest-g");
	p = kmalloc(2 * PAGE_SIZE, M_KMG, M_WAITOK);
	kfree((void *)p, M_KMG);
	c = p[PAGE_SIZE + 5];	/* the second page: dies here */
	_exit(12 + c);
}

static void
mg_past_end(void *arg __unused)
{
	volatile char *p;

	km_child_guard("kmtest-g");
	p = kmalloc(PAGE_SIZE, M_KMG, M_WAITOK);
	p[PAGE_SIZE - 1] = 1;
	fprintf(stderr, "allocated %p\n", (void *)p);
	p[PAGE_SIZE] = 1;	/* the guard page: dies here */
	_exit(12);
}

/* The report's address is mg_hex's, the same as "%p" prints. */
ATF_TC(memguard_use_after_free);
ATF_TC_HEAD(memguard_use_after_free, tc)
{
	KT_DESCR(tc, "A write to freed guarded memory (or a read of its "
	    "second page) dies by SIGSEGV after the line \"memguard: use "
	    "after free at ADDR in the allocation at BASE of TYPE\"");
}
ATF_TC_BODY(memguard_use_after_free, tc)
{
	static const char *const rd[] = { "memguard: use after free at 0x",
	    " of kmtest-g|", NULL };
	char buf[8192], want[256], addr[64];
	const char *s;

	(void)km_run_segv(mg_use_after_free, NULL, buf, sizeof(buf));
	s = strstr(buf, "freed ");
	ATF_REQUIRE_MSG(s != NULL &&
	    sscanf(s, "freed %63[0-9a-fx]", addr) == 1, "no address: %s", buf);
	/* The fault is at byte 10; the allocation starts at addr. */
	snprintf(want, sizeof(want), "memguard: use after free at %#jx in "
	    "the allocation at %s of kmtest-g|",
	    (uintmax_t)strtoull(addr, NULL, 16) + 10, addr);
	ATF_REQUIRE_MSG(strstr(buf, want) != NULL, "want \"%s\" in: %s",
	    want, buf);
	km_expect_segv(mg_read_after_free, NULL, rd);
}

ATF_TC(memguard_past_end);
ATF_TC_HEAD(memguard_past_end, tc)
{
	KT_DESCR(tc, "An access one page past the end of a live one-page "
	    "guarded allocation hits its guard page and dies by SIGSEGV with "
	    "the \"past the end\" report naming the allocation and type");
}
ATF_TC_BODY(memguard_past_end, tc)
{
	char buf[8192], want[256], addr[64];
	const char *s;

	(void)km_run_segv(mg_past_end, NULL, buf, sizeof(buf));
	s = strstr(buf, "allocated ");
	ATF_REQUIRE_MSG(s != NULL &&
	    sscanf(s, "allocated %63[0-9a-fx]", addr) == 1, "no address: %s",
	    buf);
	snprintf(want, sizeof(want), "memguard: access past the end (guard "
	    "page) at %#jx in the allocation at %s of kmtest-g|",
	    (uintmax_t)strtoull(addr, NULL, 16) + PAGE_SIZE, addr);
	ATF_REQUIRE_MSG(strstr(buf, want) != NULL, "want \"%s\" in: %s",
	    want, buf);
}

/*
 * The region is fresh in a test case's process: the first guarded
 * allocation is at its first page.  One allocation of all but
 * 2 * (F + 1) pages leaves room for F + 1 one-page allocations with their
 * guards; F parked and one live fill it, so every allocation must take
 * the slot that left the FIFO, and none may take one of the F freed last.
 */
ATF_TC(memguard_fifo);
ATF_TC_HEAD(memguard_fifo, tc)
{
	KT_DESCR(tc, "vm.memguard.fifo = F: a freed allocation's address is "
	    "not reused before F later frees; with room for F + 1 "
	    "allocations exactly those F + 1 addresses cycle; with a FIFO "
	    "longer than the room, the oldest parked are given back instead "
	    "of failing");
}
ATF_TC_BODY(memguard_fifo, tc)
{
	enum { F = 4, ITERS = 60 };
	char *big, *hist[ITERS], *seen[F + 1];
	size_t bign;
	int i, j, nseen = 0;

	vt_boot();
	ATF_REQUIRE_EQ(0, km_set_fifo(F));
	ATF_REQUIRE_EQ(0, km_set_desc("kmtest-g"));
	bign = KM_MG_NPAGES - 2 * (F + 1) - 1;
	big = kmalloc(ptoa(bign), M_KMG, M_NOWAIT);
	ATF_REQUIRE(big != NULL && memguard_owns(big));
	if (memguard_owns(big - 1))
		atf_tc_skip("memguard's region was used before this case");
	ATF_REQUIRE(memguard_owns(big + ptoa(KM_MG_NPAGES) - 1));
	ATF_REQUIRE(!memguard_owns(big + ptoa(KM_MG_NPAGES)));
	for (i = 0; i < ITERS; i++) {
		hist[i] = kmalloc(PAGE_SIZE, M_KMG, M_NOWAIT);
		ATF_REQUIRE_MSG(hist[i] != NULL, "allocation %d failed", i);
		for (j = MAX(0, i - F); j < i; j++)
			ATF_REQUIRE_MSG(hist[j] != hist[i], "allocation %d "
			    "reuses %p, freed only %d frees ago", i, hist[i],
			    i - j);
		for (j = 0; j < nseen && seen[j] != hist[i]; j++)
			;
		if (j == nseen) {
			ATF_REQUIRE_MSG(nseen < F + 1, "a %dth address with "
			    "room for %d", nseen + 1, F + 1);
			seen[nseen++] = hist[i];
		}
		kfree(hist[i], M_KMG);
	}
	ATF_REQUIRE_EQ(F + 1, nseen);
	ATF_REQUIRE_EQ(0, km_u64("vm.memguard.fails"));

	/* A FIFO longer than the room: parked ones are given back. */
	ATF_REQUIRE_EQ(0, km_set_fifo(100));
	for (i = 0; i < 20; i++) {
		char *p = kmalloc(PAGE_SIZE, M_KMG, M_NOWAIT);

		ATF_REQUIRE_MSG(p != NULL, "allocation %d failed", i);
		kfree(p, M_KMG);
	}
	ATF_REQUIRE_EQ(0, km_u64("vm.memguard.fails"));
	kfree(big, M_KMG);
	vm_shutdown();
}

/*
 * Bug: vm.memguard.fifo = 0 made the first kfree of a guarded allocation
 * "unpark" an entry of an empty FIFO.  memguard_free unparks the oldest
 * when mg_fifo_len == mg_fifo_max, which with a max of 0 is true while the
 * FIFO is empty: mg_unpark_oldest then took mg_fifo[mg_fifo_head], a
 * stale slot (0 in a fresh process: the first page of the region), wiped
 * the page records of whatever allocation lives there, and left
 * mg_fifo_len at -1.  The live allocation at the region's first page was
 * forgotten (its next kfree or kmalloc_usable_size panics "not a live
 * guarded allocation") and its pages were free for the next allocation,
 * while the one just freed stayed parked forever.
 */
static void
mg_fifo_zero(void *arg __unused)
{
	char *a, *b, *c;

	km_child_guard("kmtest-g");
	if (km_set_fifo(0) != 0)
		_exit(12);
	a = kmalloc(100, M_KMG, M_WAITOK);	/* the region's first page */
	memset(a, 0x61, 100);
	b = kmalloc(100, M_KMG, M_WAITOK);
	kfree(b, M_KMG);
	c = kmalloc(2 * PAGE_SIZE, M_KMG, M_WAITOK);
	if (c == a || (c < a + PAGE_SIZE && c + 2 * PAGE_SIZE > a))
		_exit(13);			/* a's pages handed out again */
	if (kmalloc_usable_size(a) != PAGE_SIZE)
		_exit(14);
	if (a[99] != 0x61)
		_exit(15);
	kfree(a, M_KMG);
	kfree(c, M_KMG);
}

ATF_TC(memguard_fifo_zero);
ATF_TC_HEAD(memguard_fifo_zero, tc)
{
	KT_DESCR(tc, "Regression: with vm.memguard.fifo = 0 a kfree must not "
	    "unpark from the empty FIFO, forgetting the live allocation at "
	    "the region's first page");
}
ATF_TC_BODY(memguard_fifo_zero, tc)
{
	km_expect_exit0(mg_fifo_zero, NULL);
}

/*
 * Bug: a guarded kmalloc that fails returned through a NULL dereference.
 * kmalloc calls memguard_usable_size(p) before it tests p for NULL; for
 * p NULL, mg_first_page indexes mg_pages with (0 - mg_base) / PAGE_SIZE,
 * far outside the array.  An M_NOWAIT allocation larger than the region
 * (64 MiB) must return NULL and count in vm.memguard.fails.
 */
static void
mg_nowait_fail(void *arg __unused)
{
	uint64_t fails;
	size_t len = sizeof(fails);

	km_child_guard("kmtest-g");
	if (kmalloc(ptoa(KM_MG_NPAGES + 1), M_KMG, M_NOWAIT) != NULL)
		_exit(12);
	if (vm_sysctlbyname("vm.memguard.fails", &fails, &len, NULL, 0) !=
	    0 || fails != 1)
		_exit(13);
}

ATF_TC(memguard_nowait_fail);
ATF_TC_HEAD(memguard_nowait_fail, tc)
{
	KT_DESCR(tc, "Regression: a guarded M_NOWAIT kmalloc that memguard "
	    "refuses returns NULL (and counts in vm.memguard.fails) instead "
	    "of sizing the NULL it got");
}
ATF_TC_BODY(memguard_nowait_fail, tc)
{
	km_expect_exit0(mg_nowait_fail, NULL);
}

static void
mg_waitok_fail(void *arg __unused)
{
	km_child_guard("kmtest-g");
	(void)kmalloc(ptoa(KM_MG_NPAGES + 1), M_KMG, M_WAITOK);
}

ATF_TC(memguard_waitok_fail);
ATF_TC_HEAD(memguard_waitok_fail, tc)
{
	KT_DESCR(tc, "A guarded M_WAITOK kmalloc larger than memguard's "
	    "region panics, naming the size and the type");
}
ATF_TC_BODY(memguard_waitok_fail, tc)
{
	kt_expect_panic(mg_waitok_fail, NULL,
	    "out of guarded address space for 67112960 bytes of kmtest-g");
}

static void
mg_double_free(void *arg __unused)
{
	void *p;

	km_child_guard("kmtest-g");
	p = kmalloc(100, M_KMG, M_WAITOK);
	kfree(p, M_KMG);
	kfree(p, M_KMG);
}

ATF_TC(memguard_double_free);
ATF_TC_HEAD(memguard_double_free, tc)
{
	KT_DESCR(tc, "A guarded allocation freed twice panics \"not a live "
	    "guarded allocation (freed twice)\"");
}
ATF_TC_BODY(memguard_double_free, tc)
{
	kt_expect_panic(mg_double_free, NULL,
	    "not a live guarded allocation (freed twice)");
}

static void
mg_unallocated(void *arg __unused)
{
	volatile char *p;

	km_child_guard("kmtest-g");
	p = kmalloc(PAGE_SIZE, M_KMG, M_WAITOK);
	/* Past the guard: the region's next page, never allocated. */
	p[2 * PAGE_SIZE] = 1;	/* dies here */
	_exit(12);
}

ATF_TC(memguard_unallocated);
ATF_TC_HEAD(memguard_unallocated, tc)
{
	KT_DESCR(tc, "An access to a page of memguard's region that no "
	    "allocation holds dies by SIGSEGV with \"access to unallocated "
	    "memory\" and names no allocation");
}
ATF_TC_BODY(memguard_unallocated, tc)
{
	static const char *const n[] = {
	    "memguard: access to unallocated memory at 0x", NULL };
	char buf[8192];

	km_expect_segv(mg_unallocated, NULL, n);
	(void)km_run_segv(mg_unallocated, NULL, buf, sizeof(buf));
	ATF_REQUIRE_MSG(strstr(buf, "in the allocation") == NULL,
	    "the report names an allocation: %s", buf);
}

/*
 * Bug: memguard_alloc computes the pages of an allocation as
 * (uint32_t)howmany(size, PAGE_SIZE): a size of 2^44 + PAGE_SIZE
 * truncates to one page, and a guarded kmalloc of that many bytes
 * returns a one-page allocation (kmalloc_usable_size 4096) instead of
 * NULL; near SIZE_MAX, howmany wraps (n = 0, or n + 1 = 0 pages needed)
 * and the page records are written out of bounds.  Unguarded, the same
 * sizes give NULL.  (Passing also needs kmalloc not to size the NULL
 * memguard returns: see memguard_nowait_fail.)
 */
static void
mg_huge(void *arg)
{
	size_t size = *(const size_t *)arg;
	void *p;

	km_child_guard("kmtest-g");
	p = kmalloc(size, M_KMG, M_NOWAIT);
	if (p != NULL) {
		fprintf(stderr, "kmalloc(%#zx) gave %p, usable %zu\n", size,
		    p, kmalloc_usable_size(p));
		_exit(12);
	}
}

ATF_TC(memguard_huge_sizes);
ATF_TC_HEAD(memguard_huge_sizes, tc)
{
	KT_DESCR(tc, "Regression: guarded M_NOWAIT kmallocs of sizes whose "
	    "page count does not fit 32 bits (2^44 + 4096) or wraps "
	    "(SIZE_MAX - 4096, SIZE_MAX) return NULL");
}
ATF_TC_BODY(memguard_huge_sizes, tc)
{
	static const size_t sizes[] = { ((size_t)1 << 44) + 4096,
	    SIZE_MAX - 4096, SIZE_MAX };
	char msg[4200], all[3 * 600] = "";
	size_t i, len = 0;

	for (i = 0; i < nitems(sizes); i++)
		if (!km_child_ok(mg_huge, (void *)&sizes[i], msg,
		    sizeof(msg)) && len < sizeof(all))
			len += (size_t)snprintf(all + len, sizeof(all) - len,
			    "[size %#zx: %.500s] ", sizes[i], msg);
	ATF_REQUIRE_MSG(len == 0, "%s", all);
}

ATF_TC(memguard_reboot);
ATF_TC_HEAD(memguard_reboot, tc)
{
	KT_DESCR(tc, "A boot starts with vm.memguard.desc \"\", fifo 1024 "
	    "and the counters at 0; guarding works again in a second boot");
}
ATF_TC_BODY(memguard_reboot, tc)
{
	char desc[64];
	size_t len;
	void *p;
	int boot;

	for (boot = 0; boot < 2; boot++) {
		vt_boot();
		len = sizeof(desc);
		ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.memguard.desc", desc,
		    &len, NULL, 0));
		ATF_REQUIRE_STREQ("", desc);
		ATF_REQUIRE_EQ(1024, km_get_fifo());
		ATF_REQUIRE_EQ(0, km_u64("vm.memguard.allocs"));
		ATF_REQUIRE_EQ(0, km_u64("vm.memguard.frees"));
		p = kmalloc(100, M_KMG, M_WAITOK);
		ATF_REQUIRE(!memguard_owns(p));
		kfree(p, M_KMG);
		ATF_REQUIRE_EQ(0, km_set_desc("kmtest-g"));
		ATF_REQUIRE_EQ(0, km_set_fifo(7));
		p = kmalloc(100, M_KMG, M_WAITOK | M_ZERO);
		ATF_REQUIRE(memguard_owns(p) && km_all(p, 0, PAGE_SIZE));
		kfree(p, M_KMG);
		ATF_REQUIRE_EQ(1, km_u64("vm.memguard.allocs"));
		ATF_REQUIRE_EQ(1, km_u64("vm.memguard.frees"));
		vm_shutdown();
	}
}

#define	MG_MT_ITERS	400

struct km_mgworker {
	int		id;
	uint64_t	seed;
	uint64_t	allocs;		/* guarded */
	int		bad;
};

static void *
km_mgworker_main(void *arg)
{
	struct km_mgworker *w = arg;
	unsigned char *live[4] = { NULL, NULL, NULL, NULL };
	uint64_t r;
	int i, k;

	for (i = 0; i < MG_MT_ITERS && w->bad == 0; i++) {
		r = vt_rand(&w->seed);
		k = (int)(r % 4);
		if (live[k] != NULL) {
			if (live[k][0] != w->id || live[k][PAGE_SIZE - 1] !=
			    w->id)
				w->bad = 1;
			kfree(live[k], M_KMG);
			live[k] = NULL;
			continue;
		}
		live[k] = kmalloc(1 + (size_t)(r >> 8) % (2 * PAGE_SIZE),
		    M_KMG, M_WAITOK | M_ZERO);
		if (!memguard_owns(live[k]) || live[k][0] != 0) {
			w->bad = 2;
			break;
		}
		live[k][0] = live[k][PAGE_SIZE - 1] = (unsigned char)w->id;
		w->allocs++;
	}
	for (k = 0; k < 4; k++)
		kfree(live[k], M_KMG);
	return (NULL);
}

ATF_TC(memguard_two_threads);
ATF_TC_HEAD(memguard_two_threads, tc)
{
	KT_DESCR(tc, "Two threads allocate and free guarded memory "
	    "together: every allocation is memguard's, none is handed to "
	    "both, and allocs, frees and the type's requests come out "
	    "exact; runs under ThreadSanitizer in make check-tsan");
}
ATF_TC_BODY(memguard_two_threads, tc)
{
	struct km_mgworker w[2];
	pthread_t t[2];
	struct vm_malloc_stat s;
	int i;

	vt_boot();
	ATF_REQUIRE_EQ(0, km_set_fifo(16));
	ATF_REQUIRE_EQ(0, km_set_desc("kmtest-g"));
	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].id = 0x70 + i;
		w[i].seed = 0x6d67ULL + (uint64_t)i;
		t[i] = vt_thread(km_mgworker_main, &w[i]);
	}
	for (i = 0; i < 2; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	for (i = 0; i < 2; i++)
		ATF_REQUIRE_EQ_MSG(0, w[i].bad, "worker %d: check %d failed",
		    i, w[i].bad);
	ATF_REQUIRE_EQ(w[0].allocs + w[1].allocs,
	    km_u64("vm.memguard.allocs"));
	ATF_REQUIRE_EQ(w[0].allocs + w[1].allocs,
	    km_u64("vm.memguard.frees"));
	ATF_REQUIRE(km_find("kmtest-g", &s));
	ATF_REQUIRE_EQ(w[0].allocs + w[1].allocs, s.vms_requests);
	ATF_REQUIRE_EQ(0, s.vms_inuse);
	ATF_REQUIRE_EQ(0, s.vms_memuse);
	vm_shutdown();
}

/* ---- memguard for a UMA zone -------------------------------------------- */

static _Atomic int zctors, zdtors;

static int
kmz_ctor(void *mem, int size, void *arg __unused, int flags __unused)
{
	memset(mem, 0xc7, (size_t)size);
	atomic_fetch_add(&zctors, 1);
	return (0);
}

static void
kmz_dtor(void *mem, int size __unused, void *arg __unused)
{
	((char *)mem)[0] = 0x3d;
	atomic_fetch_add(&zdtors, 1);
}

ATF_TC(memguard_zone);
ATF_TC_HEAD(memguard_zone, tc)
{
	KT_DESCR(tc, "vm.memguard.desc naming a UMA zone: its items come "
	    "from memguard's region, page-aligned, ctor and dtor still run, "
	    "M_ZERO zeroes after the ctor, allocs and frees count; other "
	    "zones and desc \"\" are not guarded");
}
ATF_TC_BODY(memguard_zone, tc)
{
	uma_zone_t z, other;
	uint64_t a0, f0;
	char *p, *q, *r;

	vt_boot();
	z = uma_zcreate("kmtest-zone", 200, kmz_ctor, kmz_dtor, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	other = uma_zcreate("kmtest-other", 200, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL && other != NULL);
	p = uma_zalloc(z, M_WAITOK);		/* before: in the arena */
	ATF_REQUIRE(!memguard_owns(p) && km_in_arena(p));
	a0 = km_u64("vm.memguard.allocs");
	f0 = km_u64("vm.memguard.frees");
	ATF_REQUIRE_EQ(0, km_set_desc("kmtest-zone"));
	q = uma_zalloc(z, M_WAITOK);
	ATF_REQUIRE(memguard_owns(q) && !km_in_arena(q));
	ATF_REQUIRE_EQ(0, (uintptr_t)q & PAGE_MASK);
	ATF_REQUIRE_EQ(2, atomic_load(&zctors));
	ATF_REQUIRE(km_all(q, 0xc7, 200));
	r = uma_zalloc(z, M_WAITOK | M_ZERO);
	ATF_REQUIRE(memguard_owns(r) && km_all(r, 0, 200));
	ATF_REQUIRE_EQ(3, atomic_load(&zctors));
	ATF_REQUIRE_EQ(a0 + 2, km_u64("vm.memguard.allocs"));
	ATF_REQUIRE_EQ(3, uma_zone_get_cur(z));
	/* The other zone, and kmalloc, stay unguarded. */
	uma_zfree(other, uma_zalloc(other, M_WAITOK));
	kfree(kmalloc(200, M_KMA, M_WAITOK), M_KMA);
	ATF_REQUIRE_EQ(a0 + 2, km_u64("vm.memguard.allocs"));
	uma_zfree(z, q);
	uma_zfree(z, r);
	ATF_REQUIRE_EQ(2, atomic_load(&zdtors));
	ATF_REQUIRE_EQ(f0 + 2, km_u64("vm.memguard.frees"));
	ATF_REQUIRE_EQ(1, uma_zone_get_cur(z));

	ATF_REQUIRE_EQ(0, km_set_desc(""));
	q = uma_zalloc(z, M_WAITOK);
	ATF_REQUIRE(!memguard_owns(q) && km_in_arena(q));
	uma_zfree(z, q);
	uma_zfree(z, p);
	ATF_REQUIRE_EQ(4, atomic_load(&zdtors));
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(z));
	ATF_REQUIRE_EQ(a0 + 2, km_u64("vm.memguard.allocs"));
	uma_zdestroy(z);
	uma_zdestroy(other);
	vm_shutdown();
}

static void
mg_zone_use_after_free(void *arg __unused)
{
	volatile char *p;
	uma_zone_t z;

	vt_child_boot();
	z = uma_zcreate("kmtest-zone", 200, kmz_ctor, kmz_dtor, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	if (z == NULL || km_set_desc("kmtest-zone") != 0)
		_exit(11);
	p = uma_zalloc(z, M_WAITOK);
	if (!memguard_owns((void *)p) || atomic_load(&zctors) != 1)
		_exit(12);
	uma_zfree(z, (void *)p);
	if (atomic_load(&zdtors) != 1)
		_exit(13);
	p[100] = 1;		/* dies here */
	_exit(14);
}

ATF_TC(memguard_zone_use_after_free);
ATF_TC_HEAD(memguard_zone_use_after_free, tc)
{
	KT_DESCR(tc, "A write to a freed item of the guarded UMA zone dies "
	    "by SIGSEGV with the use-after-free report naming the zone");
}
ATF_TC_BODY(memguard_zone_use_after_free, tc)
{
	static const char *const n[] = { "memguard: use after free at 0x",
	    " of kmtest-zone|", NULL };

	km_expect_segv(mg_zone_use_after_free, NULL, n);
}

/*
 * Bug: vm.memguard.desc naming one of kmalloc's own zones ("malloc-128")
 * guards kmalloc's allocations of that class through UMA, but kfree does
 * not give them back through UMA.  kmalloc counts such an allocation as
 * its zone's size (128 bytes: uma_zalloc served it); kfree sees
 * memguard_owns(addr), counts memguard_usable_size (a page) as freed and
 * calls memguard_free directly.  So the type's memuse loses a page for
 * 128 bytes (clamped at 0, hiding the others' bytes), and the zone's
 * frees are never counted: uma_zone_stats shows the item in use forever
 * (zone_free_guarded, which would count it and run the dtor, is skipped).
 */
/*
 * Bug: a zone created after vm.memguard.desc names it is not guarded.
 * uz_guarded is set only by uma_memguard_update, which runs when desc is
 * written, over the zones that exist then; uma_zcreate never asks
 * memguard_cmp_zone.  FreeBSD compares the name at each allocation, so
 * setting desc before the zone exists (a loader tunable, or desc set
 * before a module loads) is the usual way to guard it.
 */
ATF_TC(memguard_zone_created_later);
ATF_TC_HEAD(memguard_zone_created_later, tc)
{
	KT_DESCR(tc, "Regression: a UMA zone created after vm.memguard.desc "
	    "names it is guarded from its first allocation");
}
ATF_TC_BODY(memguard_zone_created_later, tc)
{
	uma_zone_t z;
	void *p;

	vt_boot();
	ATF_REQUIRE_EQ(0, km_set_desc("kmtest-late"));
	z = uma_zcreate("kmtest-late", 96, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	p = uma_zalloc(z, M_WAITOK);
	ATF_REQUIRE(p != NULL);
	uma_zfree(z, p);
	ATF_REQUIRE_MSG(memguard_owns(p), "item %p of zone kmtest-late, "
	    "created with desc naming it, is not memguard's", p);
	uma_zdestroy(z);
	vm_shutdown();
}

ATF_TC(memguard_kmalloc_zone);
ATF_TC_HEAD(memguard_kmalloc_zone, tc)
{
	KT_DESCR(tc, "Regression: vm.memguard.desc = \"malloc-128\" guards "
	    "kmalloc's 128-byte class; a guarded one freed with kfree leaves "
	    "the type's memuse and the zone's used count exact");
}
ATF_TC_BODY(memguard_kmalloc_zone, tc)
{
	struct uma_zone_stat *zs;
	size_t n = 0, i;
	uint64_t used0 = UINT64_MAX, used1 = UINT64_MAX;
	void *keep, *g;
	int pass;

	vt_boot();
	keep = kmalloc(100, M_KMA, M_WAITOK);
	KM_REQUIRE_STAT("kmtest-a", 1, 128, 1, km_sizebit(100));
	ATF_REQUIRE_EQ(0, km_set_desc("malloc-128"));
	for (pass = 0; pass < 2; pass++) {
		ATF_REQUIRE_EQ(0, uma_zone_stats(NULL, &n));
		n += 4;
		zs = calloc(n, sizeof(*zs));
		ATF_REQUIRE(zs != NULL);
		ATF_REQUIRE_EQ(0, uma_zone_stats(zs, &n));
		for (i = 0; i < n; i++)
			if (strcmp(zs[i].uzs_name, "malloc-128") == 0)
				*(pass == 0 ? &used0 : &used1) =
				    zs[i].uzs_used;
		free(zs);
		if (pass == 1)
			break;
		g = kmalloc(100, M_KMA, M_WAITOK);
		ATF_REQUIRE(memguard_owns(g));
		KM_REQUIRE_STAT("kmtest-a", 2, 2 * 128, 2, km_sizebit(100));
		kfree(g, M_KMA);
	}
	ATF_REQUIRE(used0 != UINT64_MAX);
	ATF_REQUIRE_EQ_MSG(used0, used1, "malloc-128 used %ju before, %ju "
	    "after a guarded kmalloc and kfree", (uintmax_t)used0,
	    (uintmax_t)used1);
	KM_REQUIRE_STAT("kmtest-a", 1, 128, 2, km_sizebit(100));
	ATF_REQUIRE_EQ(0, km_set_desc(""));
	kfree(keep, M_KMA);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, size_classes);
	ATF_TP_ADD_TC(tp, m_zero);
	ATF_TP_ADD_TC(tp, large_pages);
	ATF_TP_ADD_TC(tp, nowait_waitok);
	ATF_TP_ADD_TC(tp, waitok_impossible);
	ATF_TP_ADD_TC(tp, stats_two_types);
	ATF_TP_ADD_TC(tp, stats_count_enomem);
	ATF_TP_ADD_TC(tp, stats_unbooted);
	ATF_TP_ADD_TC(tp, stats_two_boots);
	ATF_TP_ADD_TC(tp, two_threads);
	ATF_TP_ADD_TC(tp, kfree_null);
	ATF_TP_ADD_TC(tp, misuse_panics);
	ATF_TP_ADD_TC(tp, memguard_basic);
	ATF_TP_ADD_TC(tp, memguard_sysctls);
	ATF_TP_ADD_TC(tp, memguard_use_after_free);
	ATF_TP_ADD_TC(tp, memguard_past_end);
	ATF_TP_ADD_TC(tp, memguard_fifo);
	ATF_TP_ADD_TC(tp, memguard_fifo_zero);
	ATF_TP_ADD_TC(tp, memguard_nowait_fail);
	ATF_TP_ADD_TC(tp, memguard_waitok_fail);
	ATF_TP_ADD_TC(tp, memguard_double_free);
	ATF_TP_ADD_TC(tp, memguard_unallocated);
	ATF_TP_ADD_TC(tp, memguard_huge_sizes);
	ATF_TP_ADD_TC(tp, memguard_reboot);
	ATF_TP_ADD_TC(tp, memguard_two_threads);
	ATF_TP_ADD_TC(tp, memguard_zone);
	ATF_TP_ADD_TC(tp, memguard_zone_use_after_free);
	ATF_TP_ADD_TC(tp, memguard_zone_created_later);
	ATF_TP_ADD_TC(tp, memguard_kmalloc_zone);
	return (atf_no_error());
}
