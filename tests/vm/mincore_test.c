/*
 * Acceptance tests of vm_mincore(3) on anonymous memory, written from
 * FreeBSD's mincore(2) and the code of kern_mincore() (with its default
 * vm.mincore_mapped=1: a page is reported from this address space's own
 * mapping of it) and pmap_mincore(), re-expressing the anonymous cases of
 * NetBSD's t_mincore.c against the public API only.
 *
 * One byte per page; a page is MINCORE_INCORE once touched, and not
 * before; a read sets MINCORE_REFERENCED, a write also
 * MINCORE_MODIFIED; a range with a hole is ENOMEM; an unaligned start is
 * rounded down to its page (API.md).
 *
 * Every case boots its own libvm (64 MiB) and shuts it down at the end.
 */
#include "api_test.h"

#define	IN		VM_MINCORE_INCORE
#define	REF		VM_MINCORE_REFERENCED
#define	MOD		VM_MINCORE_MODIFIED
#define	MINE		(IN | REF | MOD)

#define	SENTINEL	0x5c
#define	VEC_MAX		256

static char vec[VEC_MAX + 8];

/* vm_mincore over npages pages from va; the byte after them is checked. */
static inline __attribute__((__unused__)) void
mincore_l(int line, struct vmspace *vs, vm_offset_t va, vm_size_t len,
    size_t npages)
{
	int error;

	ATF_REQUIRE(npages <= VEC_MAX);
	memset(vec, SENTINEL, sizeof(vec));
	error = vm_mincore(vs, va, len, vec);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_mincore(%#jx, %#jx): error "
	    "%d", line, (uintmax_t)va, (uintmax_t)len, error);
	ATF_CHECK_MSG(vec[npages] == SENTINEL, "line %d: vm_mincore(%#jx, "
	    "%#jx) wrote more than %zu bytes", line, (uintmax_t)va,
	    (uintmax_t)len, npages);
}
#define	MINCORE(vs, va, len, np)	mincore_l(__LINE__, (vs), (va), (len), (np))

/* Page i's own bits (INCORE/REFERENCED/MODIFIED) must be exactly want. */
#define	EXPECT_BITS(i, want)						\
	ATF_CHECK_MSG((vec[(i)] & MINE) == (want),			\
	    "page %d: mincore %#x, want %#x in the low bits", (int)(i),	\
	    (unsigned char)vec[(i)], (want))

/* ---- mincore ------------------------------------------------------------- */

/* Nothing is resident before it is touched. */
ATF_TC_WITHOUT_HEAD(mincore__untouched);
ATF_TC_BODY(mincore__untouched, tc)
{
	struct vmspace *vs;
	vm_offset_t a, s;
	int i;

	boot();
	vs = vs_new();
	a = ANON(vs, 16 * PG, RW);
	s = MAP(vs, 0, 4 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	MINCORE(vs, a, 16 * PG, 16);
	for (i = 0; i < 16; i++)
		ATF_CHECK_MSG(vec[i] == 0, "untouched page %d: %#x", i,
		    (unsigned char)vec[i]);
	MINCORE(vs, s, 4 * PG, 4);
	for (i = 0; i < 4; i++)
		ATF_CHECK_MSG(vec[i] == 0, "untouched shared page %d: %#x", i,
		    (unsigned char)vec[i]);
	vmspace_release(vs);
	vm_shutdown();
}

/* A read makes the page resident and referenced, not modified. */
ATF_TC_WITHOUT_HEAD(mincore__after_read);
ATF_TC_BODY(mincore__after_read, tc)
{
	struct vmspace *vs;
	vm_offset_t a, r;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	ACCESS_OK(vs, a + PG + 8, VM_PROT_READ);
	MINCORE(vs, a, 4 * PG, 4);
	EXPECT_BITS(0, 0);
	EXPECT_BITS(1, IN | REF);
	EXPECT_BITS(2, 0);
	EXPECT_BITS(3, 0);

	/* The same on a read-only mapping. */
	r = ANON(vs, 2 * PG, VM_PROT_READ);
	ACCESS_OK(vs, r + PG, VM_PROT_READ);
	MINCORE(vs, r, 2 * PG, 2);
	EXPECT_BITS(0, 0);
	EXPECT_BITS(1, IN | REF);
	vmspace_release(vs);
	vm_shutdown();
}

/* A write makes the page resident, referenced and modified. */
ATF_TC_WITHOUT_HEAD(mincore__after_write);
ATF_TC_BODY(mincore__after_write, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	ACCESS_OK(vs, a + 2 * PG, VM_PROT_WRITE);
	MINCORE(vs, a, 4 * PG, 4);
	EXPECT_BITS(0, 0);
	EXPECT_BITS(1, 0);
	EXPECT_BITS(2, IN | REF | MOD);
	EXPECT_BITS(3, 0);

	/* Read first, then write. */
	ACCESS_OK(vs, a + 3 * PG, VM_PROT_READ);
	MINCORE(vs, a, 4 * PG, 4);
	EXPECT_BITS(3, IN | REF);
	FILL(vs, a + 3 * PG, 16, 1);
	MINCORE(vs, a, 4 * PG, 4);
	EXPECT_BITS(3, IN | REF | MOD);
	vmspace_release(vs);
	vm_shutdown();
}

/* One byte per page, for exactly the pages of the range. */
ATF_TC_WITHOUT_HEAD(mincore__vec_per_page);
ATF_TC_BODY(mincore__vec_per_page, tc)
{
	static const int touched[] = { 0, 3, 4, 9, 31, 63 };
	struct vmspace *vs;
	vm_offset_t a;
	size_t k;
	int i, want;

	boot();
	vs = vs_new();
	a = ANON(vs, 64 * PG, RW);
	for (k = 0; k < sizeof(touched) / sizeof(touched[0]); k++)
		FILL(vs, a + (vm_offset_t)touched[k] * PG + 5, 1, 0xab);
	MINCORE(vs, a, 64 * PG, 64);
	for (i = 0; i < 64; i++) {
		want = 0;
		for (k = 0; k < sizeof(touched) / sizeof(touched[0]); k++)
			if (touched[k] == i)
				want = IN | REF | MOD;
		EXPECT_BITS(i, want);
		if (want == 0)
			ATF_CHECK_MSG(vec[i] == 0, "page %d: %#x", i,
			    (unsigned char)vec[i]);
	}
	/* A sub-range, and a length that ends inside a page. */
	MINCORE(vs, a + 3 * PG, 2 * PG, 2);
	EXPECT_BITS(0, IN | REF | MOD);
	EXPECT_BITS(1, IN | REF | MOD);
	MINCORE(vs, a + 8 * PG, PG + 1, 2);
	EXPECT_BITS(0, 0);
	EXPECT_BITS(1, IN | REF | MOD);
	vmspace_release(vs);
	vm_shutdown();
}

/* An unaligned start is rounded down to its page. */
ATF_TC_WITHOUT_HEAD(mincore__unaligned_start);
ATF_TC_BODY(mincore__unaligned_start, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	FILL(vs, a + PG, 1, 1);
	/* [a+PG+5, a+PG+15) is page 1 only: one byte. */
	MINCORE(vs, a + PG + 5, 10, 1);
	EXPECT_BITS(0, IN | REF | MOD);
	/* [a+PG-1, a+PG+1) is pages 0 and 1. */
	MINCORE(vs, a + PG - 1, 2, 2);
	EXPECT_BITS(0, 0);
	EXPECT_BITS(1, IN | REF | MOD);
	/* [a+2PG-1, a+4PG-1) is pages 1, 2 and 3. */
	MINCORE(vs, a + 2 * PG - 1, 2 * PG, 3);
	EXPECT_BITS(0, IN | REF | MOD);
	EXPECT_BITS(1, 0);
	EXPECT_BITS(2, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * ENOMEM when part of the range is not mapped: a hole after, before or
 * inside the range, page 0, past the top of the user range, an address
 * that wraps, an empty range in a hole.
 */
ATF_TC_WITHOUT_HEAD(mincore__hole_enomem);
ATF_TC_BODY(mincore__hole_enomem, tc)
{
	struct vmspace *vs;
	vm_offset_t a = 0x30000000000;

	boot();
	vs = vs_new();
	MAP(vs, a, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MAP(vs, a + 3 * PG, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, a, 2 * PG, 0);
	FILL(vs, a + 3 * PG, 2 * PG, 0);
	MINCORE(vs, a, 2 * PG, 2);
	MINCORE(vs, a + 3 * PG, 2 * PG, 2);
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, a, 3 * PG, vec));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, a, 5 * PG, vec));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, a + 2 * PG, PG, vec));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, a + 2 * PG, 3 * PG, vec));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, a - PG, 2 * PG, vec));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, a + 4 * PG, 2 * PG, vec));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, 0, PG, vec));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, VM_MAX_USER_ADDRESS - PG, 2 * PG,
	    vec));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, a, UINT64_MAX - PG, vec));
	/*
	 * An empty range is looked up all the same (FreeBSD's
	 * kern_mincore): ENOMEM in a hole, success in a mapping.
	 */
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, a + 2 * PG, 0, vec));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, a + 2 * PG, 0, NULL));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, 0, 0, vec));
	ATF_CHECK_EQ(0, vm_mincore(vs, a + PG, 0, vec));
	ATF_CHECK_EQ(0, vm_mincore(vs, a + 3 * PG, 0, NULL));

	/* After munmap, the range is a hole. */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + PG, PG));
	ATF_CHECK_EQ(ENOMEM, vm_mincore(vs, a, 2 * PG, vec));
	MINCORE(vs, a, PG, 1);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Adjacent entries form one range; a guard entry in it has no pages and
 * reads as zero bytes, without error.
 */
ATF_TC_WITHOUT_HEAD(mincore__adjacent_entries_and_guard);
ATF_TC_BODY(mincore__adjacent_entries_and_guard, tc)
{
	struct vmspace *vs;
	vm_offset_t a = 0x30000000000;

	boot();
	vs = vs_new();
	MAP(vs, a, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MAP(vs, a + 2 * PG, 2 * PG, VM_PROT_READ, ANON_PRIV | VM_MAP_FIXED);
	MAP(vs, a + 4 * PG, 2 * PG, VM_PROT_NONE, VM_MAP_GUARD | VM_MAP_FIXED);
	MAP(vs, a + 6 * PG, 2 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED |
	    VM_MAP_FIXED);
	FILL(vs, a + PG, 1, 1);
	ACCESS_OK(vs, a + 2 * PG, VM_PROT_READ);
	FILL(vs, a + 7 * PG, 1, 1);
	MINCORE(vs, a, 8 * PG, 8);
	EXPECT_BITS(0, 0);
	EXPECT_BITS(1, IN | REF | MOD);
	EXPECT_BITS(2, IN | REF);
	EXPECT_BITS(3, 0);
	ATF_CHECK_EQ(0, vec[4]);
	ATF_CHECK_EQ(0, vec[5]);
	EXPECT_BITS(6, 0);
	EXPECT_BITS(7, IN | REF | MOD);
	vmspace_release(vs);
	vm_shutdown();
}

/* A page mapped afresh over a touched one is not resident. */
ATF_TC_WITHOUT_HEAD(mincore__remap_fresh);
ATF_TC_BODY(mincore__remap_fresh, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	FILL(vs, a, 4 * PG, 1);
	MINCORE(vs, a, 4 * PG, 4);
	EXPECT_BITS(1, IN | REF | MOD);
	MAP(vs, a + PG, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MINCORE(vs, a, 4 * PG, 4);
	EXPECT_BITS(0, IN | REF | MOD);
	EXPECT_BITS(1, 0);
	EXPECT_BITS(2, 0);
	EXPECT_BITS(3, IN | REF | MOD);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, 4 * PG));
	MAP(vs, a, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MINCORE(vs, a, 4 * PG, 4);
	EXPECT_BITS(0, 0);
	EXPECT_BITS(3, 0);
	vmspace_release(vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mincore__untouched);
	ATF_TP_ADD_TC(tp, mincore__after_read);
	ATF_TP_ADD_TC(tp, mincore__after_write);
	ATF_TP_ADD_TC(tp, mincore__vec_per_page);
	ATF_TP_ADD_TC(tp, mincore__unaligned_start);
	ATF_TP_ADD_TC(tp, mincore__hole_enomem);
	ATF_TP_ADD_TC(tp, mincore__adjacent_entries_and_guard);
	ATF_TP_ADD_TC(tp, mincore__remap_fresh);
	return (atf_no_error());
}
