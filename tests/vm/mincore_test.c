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
#include <atf-c.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvm.h>

#define	PG		((vm_size_t)VM_PAGE_SIZE)
#define	RW		(VM_PROT_READ | VM_PROT_WRITE)
#define	RWX		(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)
#define	ANON_PRIV	(VM_MAP_ANON | VM_MAP_PRIVATE)
#define	NKVE		64

#define	IN		VM_MINCORE_INCORE
#define	REF		VM_MINCORE_REFERENCED
#define	MOD		VM_MINCORE_MODIFIED
#define	MINE		(IN | REF | MOD)

static struct vm_kinfo_vmentry kve[NKVE];

/* ---- boot ---------------------------------------------------------------- */

static inline __attribute__((__unused__)) void
boot(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 64u << 20;
	c.ncpu = 2;
	c.seed = 1;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
}

static inline __attribute__((__unused__)) void
set_aslr(int on)
{
	int error;

	error = vm_sysctlbyname("vm.aslr.enable", NULL, NULL, &on, sizeof(on));
	ATF_REQUIRE_MSG(error == 0, "vm.aslr.enable: error %d", error);
}

static inline __attribute__((__unused__)) struct vmspace *
vs_new(void)
{
	struct vmspace *vs = NULL;

	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	ATF_REQUIRE(vs != NULL);
	return (vs);
}

static inline __attribute__((__unused__)) uint64_t
free_pages(void)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.stats.vm.v_free_count", &v,
	    &len, NULL, 0));
	ATF_REQUIRE_EQ(sizeof(v), len);
	return (v);
}

/* ---- mapping ------------------------------------------------------------- */

static inline __attribute__((__unused__)) vm_offset_t
map_l(int line, struct vmspace *vs, vm_offset_t hint, vm_size_t len,
    int prot, int flags)
{
	vm_offset_t a = hint;
	int error;

	error = vm_mmap(vs, &a, len, prot, flags, -1, 0);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_mmap(hint %#jx, len %#jx, "
	    "prot %#x, flags %#x): error %d", line, (uintmax_t)hint,
	    (uintmax_t)len, prot, flags, error);
	ATF_REQUIRE_MSG(a % PG == 0 && a >= VM_MIN_USER_ADDRESS &&
	    a < VM_MAX_USER_ADDRESS && VM_MAX_USER_ADDRESS - a >= len,
	    "line %d: vm_mmap returned %#jx for len %#jx", line, (uintmax_t)a,
	    (uintmax_t)len);
	if ((flags & VM_MAP_FIXED) != 0)
		ATF_REQUIRE_MSG(a == hint, "line %d: fixed mapping at %#jx "
		    "returned %#jx", line, (uintmax_t)hint, (uintmax_t)a);
	return (a);
}
#define	MAP(vs, hint, len, prot, flags)				\
	map_l(__LINE__, (vs), (hint), (len), (prot), (flags))
#define	ANON(vs, len, prot)	MAP((vs), 0, (len), (prot), ANON_PRIV)

/* vm_mmap must fail with want; if it maps anyway, undo it. */
static inline __attribute__((__unused__)) void
mmap_fails_l(int line, struct vmspace *vs, vm_offset_t hint, vm_size_t len,
    int prot, int flags, int fd, off_t pos, int want)
{
	vm_offset_t a = hint;
	int error;

	error = vm_mmap(vs, &a, len, prot, flags, fd, pos);
	ATF_CHECK_MSG(error == want, "line %d: vm_mmap(hint %#jx, len %#jx, "
	    "prot %#x, flags %#x, fd %d, pos %jd) = %d (addr %#jx), want %d",
	    line, (uintmax_t)hint, (uintmax_t)len, prot, flags, fd,
	    (intmax_t)pos, error, (uintmax_t)a, want);
	if (error == 0 && len != 0 && len < ((vm_size_t)1 << 46))
		(void)vm_munmap(vs, a, len);
}
#define	MMAP_FAILS(vs, hint, len, prot, flags, fd, pos, want)		\
	mmap_fails_l(__LINE__, (vs), (hint), (len), (prot), (flags), (fd),	\
	    (pos), (want))

/* ---- touching memory ----------------------------------------------------- */

static inline __attribute__((__unused__)) void
access_ok_l(int line, struct vmspace *vs, vm_offset_t va, int acc)
{
	int signo = 0, code = 0, error;

	error = vm_fault_trap(vs, va, acc, &signo, &code);
	ATF_REQUIRE_MSG(error == 0, "line %d: access %#x at %#jx: error %d "
	    "(signal %d code %d), want success", line, acc, (uintmax_t)va,
	    error, signo, code);
}
#define	ACCESS_OK(vs, va, acc)	access_ok_l(__LINE__, (vs), (va), (acc))

static inline __attribute__((__unused__)) void
access_fault_l(int line, struct vmspace *vs, vm_offset_t va, int acc,
    int wsig, int wcode)
{
	int signo = -1, code = -1, error;

	error = vm_fault_trap(vs, va, acc, &signo, &code);
	ATF_REQUIRE_MSG(error == EFAULT && signo == wsig && code == wcode,
	    "line %d: access %#x at %#jx: error %d signal %d code %d, want "
	    "EFAULT signal %d code %d", line, acc, (uintmax_t)va, error, signo,
	    code, wsig, wcode);
}
#define	MAPERR(vs, va, acc)						\
	access_fault_l(__LINE__, (vs), (va), (acc), SIGSEGV, SEGV_MAPERR)
#define	ACCERR(vs, va, acc)						\
	access_fault_l(__LINE__, (vs), (va), (acc), SIGSEGV, SEGV_ACCERR)

static inline __attribute__((__unused__)) void
fill_l(int line, struct vmspace *vs, vm_offset_t va, vm_size_t len,
    uint8_t v)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t off, n;
	int error;

	memset(buf, v, sizeof(buf));
	for (off = 0; off < len; off += n) {
		n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		error = vm_copyout(vs, buf, va + off, (size_t)n);
		ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyout to %#jx: "
		    "error %d", line, (uintmax_t)(va + off), error);
	}
}
#define	FILL(vs, va, len, v)	fill_l(__LINE__, (vs), (va), (len), (v))

static inline __attribute__((__unused__)) void
expect_fill_l(int line, struct vmspace *vs, vm_offset_t va, vm_size_t len,
    uint8_t v)
{
	static uint8_t buf[VM_PAGE_SIZE];
	vm_size_t off, n, i;
	int error;

	for (off = 0; off < len; off += n) {
		n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		error = vm_copyin(vs, va + off, buf, (size_t)n);
		ATF_REQUIRE_MSG(error == 0, "line %d: vm_copyin from %#jx: "
		    "error %d", line, (uintmax_t)(va + off), error);
		for (i = 0; i < n; i++)
			ATF_REQUIRE_MSG(buf[i] == v, "line %d: byte at %#jx is "
			    "%#x, want %#x", line, (uintmax_t)(va + off + i),
			    buf[i], v);
	}
}
#define	EXPECT_FILL(vs, va, len, v)					\
	expect_fill_l(__LINE__, (vs), (va), (len), (v))

/* ---- inspection ---------------------------------------------------------- */

static inline __attribute__((__unused__)) size_t
pstat_l(int line, struct vmspace *vs)
{
	size_t n = NKVE;
	int error;

	memset(kve, 0, sizeof(kve));
	error = vm_procstat(vs, kve, &n);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_procstat: error %d", line,
	    error);
	ATF_REQUIRE(n <= NKVE);
	return (n);
}
#define	PSTAT(vs)	pstat_l(__LINE__, (vs))

static inline __attribute__((__unused__)) void
kve_dump(size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("  [%#jx, %#jx) prot %#x max %#x inh %d type %d "
		    "flags %#x res %d pres %d ref %d shadow %d\n",
		    (uintmax_t)kve[i].kve_start, (uintmax_t)kve[i].kve_end,
		    kve[i].kve_protection, kve[i].kve_max_protection,
		    kve[i].kve_inheritance, kve[i].kve_type, kve[i].kve_flags,
		    kve[i].kve_resident, kve[i].kve_private_resident,
		    kve[i].kve_ref_count, kve[i].kve_shadow_count);
}

/* Index of the entry containing va in kve[0..n), or -1. */
static inline __attribute__((__unused__)) int
kve_find(size_t n, vm_offset_t va)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kve[i].kve_start <= va && va < kve[i].kve_end)
			return ((int)i);
	return (-1);
}

/* Whether any entry intersects [s, e). */
static inline __attribute__((__unused__)) int
kve_intersects(size_t n, vm_offset_t s, vm_offset_t e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kve[i].kve_start < e && s < kve[i].kve_end)
			return (1);
	return (0);
}

/* ---- mmap: contents ------------------------------------------------------ */
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
 * that wraps.
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
