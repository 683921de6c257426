/*
 * Acceptance tests of vm_madvise(3) on anonymous memory, written from
 * FreeBSD's madvise(2) and the code of kern_madvise() and
 * vm_map_madvise() (libvm follows the code where the two disagree, see
 * API.md): every advice is accepted, unknown advice and invalid ranges
 * are EINVAL, MADV_DONTNEED keeps anonymous contents, MADV_FREE may
 * discard them (each page then reads back either as it was or as zeros),
 * MADV_NOCORE/MADV_CORE show in vm_procstat's KVME_FLAG_NOCOREDUMP.
 *
 * Every case boots its own libvm (64 MiB) and shuts it down at the end.
 */
#include <limits.h>

#include "api_test.h"

/* A byte pattern that differs per page and per offset. */
static inline __attribute__((__unused__)) uint8_t
pat(vm_size_t page, vm_size_t off, uint8_t seed)
{
	return ((uint8_t)(seed + page * 31 + off * 7 + 1) | 1);
}

static inline __attribute__((__unused__)) void
fill_pat_l(int line, struct vmspace *vs, vm_offset_t va, vm_size_t npages,
    uint8_t seed)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t p, i;
	int error;

	for (p = 0; p < npages; p++) {
		for (i = 0; i < PG; i++)
			buf[i] = pat(p, i, seed);
		error = vm_copyout(vs, buf, va + p * PG, PG);
		ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyout: error %d",
		    line, error);
	}
}
#define	FILL_PAT(vs, va, np, seed)					\
	fill_pat_l(__LINE__, (vs), (va), (np), (seed))

/*
 * Page p of [va, va + npages pages): 1 if it holds the pattern, 0 if it
 * is all zeros; fails the test for anything else (a mixture, garbage).
 */
static inline __attribute__((__unused__)) int
page_state_l(int line, struct vmspace *vs, vm_offset_t va, vm_size_t p,
    uint8_t seed, int zero_ok)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t i, same = 0, zeros = 0;
	int error;

	error = vm_copyin(vs, va + p * PG, buf, PG);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyin: error %d", line,
	    error);
	for (i = 0; i < PG; i++) {
		if (buf[i] == pat(p, i, seed))
			same++;
		if (buf[i] == 0)
			zeros++;
	}
	if (same == PG)
		return (1);
	ATF_REQUIRE_MSG(zero_ok && zeros == PG, "line %d: page %ju at %#jx: "
	    "%ju bytes of the pattern, %ju zero bytes%s", line, (uintmax_t)p,
	    (uintmax_t)(va + p * PG), (uintmax_t)same, (uintmax_t)zeros,
	    zero_ok ? " (want all pattern or all zero)" :
	    " (want the pattern)");
	return (0);
}
#define	EXPECT_PAT(vs, va, np, seed) do {				\
	vm_size_t _p;							\
									\
	for (_p = 0; _p < (np); _p++)					\
		(void)page_state_l(__LINE__, (vs), (va), _p, (seed), 0); \
} while (0)

static const int all_advice[] = { VM_MADV_NORMAL, VM_MADV_RANDOM,
    VM_MADV_SEQUENTIAL, VM_MADV_WILLNEED, VM_MADV_DONTNEED, VM_MADV_FREE,
    VM_MADV_NOSYNC, VM_MADV_AUTOSYNC, VM_MADV_NOCORE, VM_MADV_CORE };
#define	NADVICE	((int)(sizeof(all_advice) / sizeof(all_advice[0])))

/* ---- madvise ------------------------------------------------------------- */

/*
 * Every advice is accepted on untouched, touched, shared and read-only
 * anonymous memory, and all but MADV_FREE leave the contents alone.
 */
ATF_TC_WITHOUT_HEAD(madvise__each_advice);
ATF_TC_BODY(madvise__each_advice, tc)
{
	struct vmspace *vs;
	vm_offset_t a, u, s, r;
	int k, error;

	boot();
	vs = vs_new();
	a = ANON(vs, 8 * PG, RW);
	u = ANON(vs, 8 * PG, RW);
	s = MAP(vs, 0, 8 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	r = ANON(vs, 8 * PG, VM_PROT_READ);
	FILL_PAT(vs, a, 8, 1);
	FILL_PAT(vs, s, 8, 2);
	EXPECT_FILL(vs, r, 4 * PG, 0);
	for (k = 0; k < NADVICE; k++) {
		if (all_advice[k] == VM_MADV_FREE)
			continue;
		error = vm_madvise(vs, a, 8 * PG, all_advice[k]);
		ATF_CHECK_MSG(error == 0, "advice %d on touched memory: "
		    "error %d", all_advice[k], error);
		error = vm_madvise(vs, u, 8 * PG, all_advice[k]);
		ATF_CHECK_MSG(error == 0, "advice %d on untouched memory: "
		    "error %d", all_advice[k], error);
		error = vm_madvise(vs, s, 8 * PG, all_advice[k]);
		ATF_CHECK_MSG(error == 0, "advice %d on shared memory: "
		    "error %d", all_advice[k], error);
		error = vm_madvise(vs, r + PG, 3 * PG, all_advice[k]);
		ATF_CHECK_MSG(error == 0, "advice %d on read-only memory: "
		    "error %d", all_advice[k], error);
		EXPECT_PAT(vs, a, 8, 1);
		EXPECT_PAT(vs, s, 8, 2);
		EXPECT_FILL(vs, u, 8 * PG, 0);
		EXPECT_FILL(vs, r, 8 * PG, 0);
	}
	/* MADV_FREE is accepted everywhere too. */
	ATF_CHECK_EQ(0, vm_madvise(vs, a, 8 * PG, VM_MADV_FREE));
	ATF_CHECK_EQ(0, vm_madvise(vs, u, 8 * PG, VM_MADV_FREE));
	ATF_CHECK_EQ(0, vm_madvise(vs, s, 8 * PG, VM_MADV_FREE));
	ATF_CHECK_EQ(0, vm_madvise(vs, r, 8 * PG, VM_MADV_FREE));
	EXPECT_FILL(vs, u, 8 * PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MADV_PROTECT is not about memory (FreeBSD turns it into
 * procctl(PROC_SPROTECT), which needs privilege): it is accepted or
 * refused with EPERM, and changes no mapping.
 */
ATF_TC_WITHOUT_HEAD(madvise__protect);
ATF_TC_BODY(madvise__protect, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int error;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	FILL(vs, a, 2 * PG, 8);
	error = vm_madvise(vs, a, 2 * PG, VM_MADV_PROTECT);
	ATF_CHECK_MSG(error == 0 || error == EPERM, "MADV_PROTECT: error %d",
	    error);
	EXPECT_FILL(vs, a, 2 * PG, 8);
	ATF_CHECK_EQ(1, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/* Unknown advice is EINVAL (vm_map_madvise). */
ATF_TC_WITHOUT_HEAD(madvise__bad_advice);
ATF_TC_BODY(madvise__bad_advice, tc)
{
	static const int bad[] = { -1, 11, 12, 100, 1000, INT_MAX, INT_MIN };
	struct vmspace *vs;
	vm_offset_t a;
	size_t i;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	FILL(vs, a, 2 * PG, 9);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ATF_CHECK_MSG(vm_madvise(vs, a, 2 * PG, bad[i]) == EINVAL,
		    "advice %d not EINVAL", bad[i]);
		ATF_CHECK_MSG(vm_madvise(vs, a, 0, bad[i]) == EINVAL,
		    "advice %d with length 0 not EINVAL", bad[i]);
	}
	EXPECT_FILL(vs, a, 2 * PG, 9);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Ranges outside the user range are EINVAL (kern_madvise's
 * vm_map_range_valid): page 0, past the top, wrapping around.
 */
ATF_TC_WITHOUT_HEAD(madvise__bad_range);
ATF_TC_BODY(madvise__bad_range, tc)
{
	struct vmspace *vs;

	boot();
	vs = vs_new();
	ATF_CHECK_EQ(EINVAL, vm_madvise(vs, 0, PG, VM_MADV_NORMAL));
	ATF_CHECK_EQ(EINVAL, vm_madvise(vs, 0, PG, VM_MADV_DONTNEED));
	ATF_CHECK_EQ(EINVAL, vm_madvise(vs, VM_MAX_USER_ADDRESS - PG, 2 * PG,
	    VM_MADV_WILLNEED));
	ATF_CHECK_EQ(EINVAL, vm_madvise(vs, VM_MAX_USER_ADDRESS, PG,
	    VM_MADV_NOCORE));
	ATF_CHECK_EQ(EINVAL, vm_madvise(vs, 0x10000000000, UINT64_MAX,
	    VM_MADV_FREE));
	ATF_CHECK_EQ(EINVAL, vm_madvise(vs, (vm_offset_t)0 - PG, 2 * PG,
	    VM_MADV_NORMAL));
	vmspace_release(vs);
	vm_shutdown();
}

/* A zero length is accepted and does nothing. */
ATF_TC_WITHOUT_HEAD(madvise__zero_length);
ATF_TC_BODY(madvise__zero_length, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;
	int k;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	FILL(vs, a, 2 * PG, 3);
	for (k = 0; k < NADVICE; k++)
		ATF_CHECK_MSG(vm_madvise(vs, a + PG, 0, all_advice[k]) == 0,
		    "advice %d with length 0 refused", all_advice[k]);
	EXPECT_FILL(vs, a, 2 * PG, 3);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK((kve[0].kve_flags & VM_KVME_FLAG_NOCOREDUMP) == 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MADV_DONTNEED keeps the contents of anonymous memory: it only lowers
 * the pages' priority (API.md; FreeBSD's vm_page_advise).
 */
ATF_TC_WITHOUT_HEAD(madvise__dontneed_keeps_contents);
ATF_TC_BODY(madvise__dontneed_keeps_contents, tc)
{
	struct vmspace *vs;
	vm_offset_t a, s;
	int k;

	boot();
	vs = vs_new();
	a = ANON(vs, 32 * PG, RW);
	s = MAP(vs, 0, 8 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	FILL_PAT(vs, a, 32, 0x21);
	FILL_PAT(vs, s, 8, 0x22);
	for (k = 0; k < 3; k++) {
		ATF_REQUIRE_EQ(0, vm_madvise(vs, a, 32 * PG,
		    VM_MADV_DONTNEED));
		ATF_REQUIRE_EQ(0, vm_madvise(vs, s, 8 * PG,
		    VM_MADV_DONTNEED));
		EXPECT_PAT(vs, a, 32, 0x21);
		EXPECT_PAT(vs, s, 8, 0x22);
	}
	/* Part of a range, unaligned start. */
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a + 3 * PG + 17, 5 * PG,
	    VM_MADV_DONTNEED));
	EXPECT_PAT(vs, a, 32, 0x21);
	/* Still writable afterwards. */
	FILL_PAT(vs, a, 32, 0x23);
	EXPECT_PAT(vs, a, 32, 0x23);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MADV_FREE may discard anonymous pages: each page then reads either as
 * it was or as zeros, never anything else; new writes stick.
 */
ATF_TC_WITHOUT_HEAD(madvise__free_old_or_zero);
ATF_TC_BODY(madvise__free_old_or_zero, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	vm_size_t p;
	int kept = 0;

	boot();
	vs = vs_new();
	a = ANON(vs, 64 * PG, RW);
	FILL_PAT(vs, a, 64, 0x31);
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, 64 * PG, VM_MADV_FREE));
	for (p = 0; p < 64; p++)
		kept += page_state_l(__LINE__, vs, a, p, 0x31, 1);
	printf("%d of 64 pages kept their contents after MADV_FREE\n", kept);

	/* Writes after MADV_FREE are kept. */
	FILL_PAT(vs, a, 64, 0x32);
	EXPECT_PAT(vs, a, 64, 0x32);

	/* Freeing part of the range leaves the rest alone. */
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a + 8 * PG, 8 * PG, VM_MADV_FREE));
	for (p = 0; p < 64; p++)
		(void)page_state_l(__LINE__, vs, a, p, 0x32,
		    p >= 8 && p < 16);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MADV_FREE in a parent must never reach a child's copy of the pages
 * (FreeBSD only frees pages of objects mapped once, and skips entries
 * with a backing object).
 */
ATF_TC_WITHOUT_HEAD(madvise__free_spares_fork_copy);
ATF_TC_BODY(madvise__free_spares_fork_copy, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a;
	vm_size_t p;

	boot();
	vs = vs_new();
	a = ANON(vs, 16 * PG, RW);
	FILL_PAT(vs, a, 16, 0x41);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, 16 * PG, VM_MADV_FREE));
	EXPECT_PAT(child, a, 16, 0x41);
	for (p = 0; p < 16; p++)
		(void)page_state_l(__LINE__, vs, a, p, 0x41, 1);

	/* And the other way round. */
	ATF_REQUIRE_EQ(0, vm_madvise(child, a, 16 * PG, VM_MADV_FREE));
	FILL_PAT(vs, a, 16, 0x42);
	ATF_REQUIRE_EQ(0, vm_madvise(child, a, 16 * PG, VM_MADV_FREE));
	EXPECT_PAT(vs, a, 16, 0x42);
	vmspace_release(child);
	EXPECT_PAT(vs, a, 16, 0x42);
	vmspace_release(vs);
	vm_shutdown();
}

/* MADV_WILLNEED keeps contents, and touched pages stay resident. */
ATF_TC_WITHOUT_HEAD(madvise__willneed);
ATF_TC_BODY(madvise__willneed, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	char vec[16];
	int i;

	boot();
	vs = vs_new();
	a = ANON(vs, 16 * PG, RW);
	FILL_PAT(vs, a, 8, 0x51);
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, 16 * PG, VM_MADV_WILLNEED));
	EXPECT_PAT(vs, a, 8, 0x51);
	memset(vec, 0x7f, sizeof(vec));
	ATF_REQUIRE_EQ(0, vm_mincore(vs, a, 8 * PG, vec));
	for (i = 0; i < 8; i++)
		ATF_CHECK_MSG((vec[i] & VM_MINCORE_INCORE) != 0,
		    "page %d not resident after MADV_WILLNEED (%#x)", i,
		    vec[i]);
	EXPECT_FILL(vs, a + 8 * PG, 8 * PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MADV_NOCORE/MADV_CORE set and clear KVME_FLAG_NOCOREDUMP on exactly the
 * pages of the range (an unaligned start is rounded down to its page);
 * after MADV_CORE the pieces merge back into one entry.
 */
ATF_TC_WITHOUT_HEAD(madvise__nocore_core);
ATF_TC_BODY(madvise__nocore_core, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	FILL(vs, a, 4 * PG, 0x66);
	/* [a+PG+1, a+3PG) is pages 1 and 2. */
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a + PG + 1, 2 * PG - 1,
	    VM_MADV_NOCORE));
	n = PSTAT(vs);
	if (n != 3)
		kve_dump(n);
	ATF_REQUIRE_EQ(3, n);
	ATF_CHECK_EQ(a + PG, kve[0].kve_end);
	ATF_CHECK((kve[0].kve_flags & VM_KVME_FLAG_NOCOREDUMP) == 0);
	ATF_CHECK_EQ(a + PG, kve[1].kve_start);
	ATF_CHECK_EQ(a + 3 * PG, kve[1].kve_end);
	ATF_CHECK((kve[1].kve_flags & VM_KVME_FLAG_NOCOREDUMP) != 0);
	ATF_CHECK((kve[2].kve_flags & VM_KVME_FLAG_NOCOREDUMP) == 0);
	ATF_CHECK_EQ(RW, kve[1].kve_protection);
	EXPECT_FILL(vs, a, 4 * PG, 0x66);

	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, 4 * PG, VM_MADV_CORE));
	n = PSTAT(vs);
	for (i = 0; i < (int)n; i++)
		ATF_CHECK((kve[i].kve_flags & VM_KVME_FLAG_NOCOREDUMP) == 0);
	if (n != 1)
		kve_dump(n);
	ATF_CHECK_EQ_MSG(1, n, "entries did not merge after MADV_CORE");

	/* The whole mapping. */
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, 4 * PG, VM_MADV_NOCORE));
	n = PSTAT(vs);
	for (i = 0; i < (int)n; i++)
		ATF_CHECK((kve[i].kve_flags & VM_KVME_FLAG_NOCOREDUMP) != 0);
	EXPECT_FILL(vs, a, 4 * PG, 0x66);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Holes and guard entries inside the range do not make the call fail
 * (vm_map_madvise walks existing entries only), and nothing gets mapped
 * in the holes.
 */
ATF_TC_WITHOUT_HEAD(madvise__holes_and_guards);
ATF_TC_BODY(madvise__holes_and_guards, tc)
{
	struct vmspace *vs;
	vm_offset_t a = 0x30000000000;
	size_t n;
	int k, i;

	boot();
	vs = vs_new();
	MAP(vs, a, PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MAP(vs, a + 2 * PG, PG, VM_PROT_NONE, VM_MAP_GUARD | VM_MAP_FIXED);
	MAP(vs, a + 4 * PG, PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, a, PG, 1);
	FILL(vs, a + 4 * PG, PG, 2);
	for (k = 0; k < NADVICE; k++)
		ATF_CHECK_MSG(vm_madvise(vs, a - PG, 8 * PG,
		    all_advice[k]) == 0, "advice %d over holes refused",
		    all_advice[k]);
	ATF_CHECK_EQ(0, vm_madvise(vs, 0x40000000000, 8 * PG,
	    VM_MADV_WILLNEED));
	n = PSTAT(vs);
	ATF_CHECK_EQ(3, n);
	MAPERR(vs, a + PG, VM_PROT_READ);
	MAPERR(vs, a + 3 * PG, VM_PROT_READ);
	ACCERR(vs, a + 2 * PG, VM_PROT_READ);
	i = kve_find(n, a + 2 * PG);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_KVME_TYPE_GUARD, kve[i].kve_type);
	vmspace_release(vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, madvise__each_advice);
	ATF_TP_ADD_TC(tp, madvise__protect);
	ATF_TP_ADD_TC(tp, madvise__bad_advice);
	ATF_TP_ADD_TC(tp, madvise__bad_range);
	ATF_TP_ADD_TC(tp, madvise__zero_length);
	ATF_TP_ADD_TC(tp, madvise__dontneed_keeps_contents);
	ATF_TP_ADD_TC(tp, madvise__free_old_or_zero);
	ATF_TP_ADD_TC(tp, madvise__free_spares_fork_copy);
	ATF_TP_ADD_TC(tp, madvise__willneed);
	ATF_TP_ADD_TC(tp, madvise__nocore_core);
	ATF_TP_ADD_TC(tp, madvise__holes_and_guards);
	return (atf_no_error());
}
