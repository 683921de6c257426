/*
 * Acceptance tests of vm_brk(3) and of the resource limits
 * (vm_setrlimit/vm_getrlimit) that bound address spaces, written from
 * libvm.h's contract for vm_brk, FreeBSD's getrlimit(2) and the code of
 * kern_break(), kern_proc_setrlimit() and kern_mmap() (RLIMIT_VMEM, which
 * libvm calls VM_RLIMIT_AS, through kern_mmap_racct_check).
 *
 * Every case boots its own libvm (64 MiB) and shuts it down at the end.
 */
#include <limits.h>

#include "api_test.h"

#define	BASE		VM_DATA_BASE

static inline __attribute__((__unused__)) void
brk_ok_l(int line, struct vmspace *vs, vm_offset_t nb)
{
	int error;

	error = vm_brk(vs, nb);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_brk(%#jx): error %d", line,
	    (uintmax_t)nb, error);
}
#define	BRK(vs, nb)	brk_ok_l(__LINE__, (vs), (nb))

static inline __attribute__((__unused__)) void
setrl_l(int line, struct vmspace *vs, int res, uint64_t cur, uint64_t max)
{
	int error;

	error = vm_setrlimit(vs, res, cur, max);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_setrlimit(%d, %#jx, %#jx): "
	    "error %d", line, res, (uintmax_t)cur, (uintmax_t)max, error);
}
#define	SETRL(vs, res, cur, max)	setrl_l(__LINE__, (vs), (res), (cur), (max))

static inline __attribute__((__unused__)) void
getrl_l(int line, struct vmspace *vs, int res, uint64_t *cur, uint64_t *max)
{
	int error;

	error = vm_getrlimit(vs, res, cur, max);
	ATF_REQUIRE_MSG(error == 0, "line %d: vm_getrlimit(%d): error %d",
	    line, res, error);
}
#define	GETRL(vs, res, cur, max)	getrl_l(__LINE__, (vs), (res), (cur), (max))

static const int all_res[] = { VM_RLIMIT_DATA, VM_RLIMIT_STACK,
    VM_RLIMIT_MEMLOCK, VM_RLIMIT_AS };
#define	NRES	((int)(sizeof(all_res) / sizeof(all_res[0])))

/* ---- brk ----------------------------------------------------------------- */

/*
 * The data segment [VM_DATA_BASE, break) starts empty, grows with
 * zero-filled read/write memory, and shrinking frees: the pages are gone
 * and growing again gives zeros.
 */
ATF_TC_WITHOUT_HEAD(brk__grow_shrink);
ATF_TC_BODY(brk__grow_shrink, tc)
{
	struct vmspace *vs;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	ATF_CHECK_EQ(0, PSTAT(vs));
	MAPERR(vs, BASE, VM_PROT_READ);

	BRK(vs, BASE + 3 * PG);
	EXPECT_FILL(vs, BASE, 3 * PG, 0);
	FILL(vs, BASE, 3 * PG, 1);
	MAPERR(vs, BASE + 3 * PG, VM_PROT_READ);
	MAPERR(vs, BASE - 1, VM_PROT_READ);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(BASE, kve[0].kve_start);
	ATF_CHECK_EQ(BASE + 3 * PG, kve[0].kve_end);
	ATF_CHECK_EQ(RW, kve[0].kve_protection & RW);

	BRK(vs, BASE + 8 * PG);
	EXPECT_FILL(vs, BASE, 3 * PG, 1);
	EXPECT_FILL(vs, BASE + 3 * PG, 5 * PG, 0);
	FILL(vs, BASE + 3 * PG, 5 * PG, 2);
	MAPERR(vs, BASE + 8 * PG, VM_PROT_WRITE);
	n = PSTAT(vs);
	i = kve_find(n, BASE + 8 * PG - 1);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(BASE + 8 * PG, kve[i].kve_end);

	BRK(vs, BASE + PG);
	EXPECT_FILL(vs, BASE, PG, 1);
	MAPERR(vs, BASE + PG, VM_PROT_READ);
	MAPERR(vs, BASE + 7 * PG, VM_PROT_READ);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(BASE + PG, kve[0].kve_end);

	BRK(vs, BASE + 4 * PG);
	EXPECT_FILL(vs, BASE, PG, 1);
	EXPECT_FILL(vs, BASE + PG, 3 * PG, 0);

	BRK(vs, BASE);
	ATF_CHECK_EQ(0, PSTAT(vs));
	MAPERR(vs, BASE, VM_PROT_READ);
	BRK(vs, BASE + PG);
	EXPECT_FILL(vs, BASE, PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/* A break below VM_DATA_BASE is EINVAL and changes nothing. */
ATF_TC_WITHOUT_HEAD(brk__below_base);
ATF_TC_BODY(brk__below_base, tc)
{
	static const vm_offset_t bad[] = { 0, 1, VM_PAGE_SIZE,
	    BASE - VM_PAGE_SIZE, BASE / 2 };
	struct vmspace *vs;
	size_t i;

	boot();
	vs = vs_new();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(vm_brk(vs, bad[i]) == EINVAL, "vm_brk(%#jx) not "
		    "EINVAL", (uintmax_t)bad[i]);
	ATF_CHECK_EQ(0, PSTAT(vs));
	BRK(vs, BASE + 2 * PG);
	FILL(vs, BASE, 2 * PG, 5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(vm_brk(vs, bad[i]) == EINVAL, "vm_brk(%#jx) not "
		    "EINVAL", (uintmax_t)bad[i]);
	EXPECT_FILL(vs, BASE, 2 * PG, 5);
	MAPERR(vs, BASE + 2 * PG, VM_PROT_READ);
	vmspace_release(vs);
	vm_shutdown();
}

/* The new break is rounded up to a page. */
ATF_TC_WITHOUT_HEAD(brk__round_up);
ATF_TC_BODY(brk__round_up, tc)
{
	struct vmspace *vs;

	boot();
	vs = vs_new();
	BRK(vs, BASE + 1);
	ACCESS_OK(vs, BASE + PG - 1, VM_PROT_WRITE);
	MAPERR(vs, BASE + PG, VM_PROT_READ);
	BRK(vs, BASE + PG + 1);
	ACCESS_OK(vs, BASE + 2 * PG - 1, VM_PROT_WRITE);
	MAPERR(vs, BASE + 2 * PG, VM_PROT_READ);
	BRK(vs, BASE + PG - 1);
	ACCESS_OK(vs, BASE, VM_PROT_WRITE);
	MAPERR(vs, BASE + PG, VM_PROT_READ);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Growth past RLIMIT_DATA's current limit is ENOMEM and changes nothing;
 * shrinking is allowed even while over the limit (kern_break).
 */
ATF_TC_WITHOUT_HEAD(brk__rlimit_data);
ATF_TC_BODY(brk__rlimit_data, tc)
{
	struct vmspace *vs;

	boot();
	vs = vs_new();
	SETRL(vs, VM_RLIMIT_DATA, 16 * PG, 16 * PG);
	BRK(vs, BASE + 16 * PG);
	FILL(vs, BASE, 16 * PG, 1);
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 17 * PG));
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 16 * PG + 1));
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 1024 * PG));
	MAPERR(vs, BASE + 16 * PG, VM_PROT_READ);
	EXPECT_FILL(vs, BASE, 16 * PG, 1);

	/* Lowered below the current size: shrinking works, growing not. */
	SETRL(vs, VM_RLIMIT_DATA, 8 * PG, 8 * PG);
	BRK(vs, BASE + 12 * PG);
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 13 * PG));
	MAPERR(vs, BASE + 12 * PG, VM_PROT_READ);
	BRK(vs, BASE + 8 * PG);
	EXPECT_FILL(vs, BASE, 8 * PG, 1);
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 9 * PG));

	/* The current limit counts, not the maximum. */
	SETRL(vs, VM_RLIMIT_DATA, 4 * PG, 8 * PG);
	BRK(vs, BASE + 2 * PG);
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 5 * PG));
	BRK(vs, BASE + 4 * PG);
	EXPECT_FILL(vs, BASE, 2 * PG, 1);
	EXPECT_FILL(vs, BASE + 2 * PG, 2 * PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/* Growth over another mapping is ENOMEM; up to it is fine. */
ATF_TC_WITHOUT_HEAD(brk__over_mapping);
ATF_TC_BODY(brk__over_mapping, tc)
{
	struct vmspace *vs;
	size_t n;

	boot();
	vs = vs_new();
	MAP(vs, BASE + 8 * PG, PG, VM_PROT_READ, ANON_PRIV | VM_MAP_FIXED);
	BRK(vs, BASE + 2 * PG);
	FILL(vs, BASE, 2 * PG, 3);
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 16 * PG));
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 9 * PG));
	MAPERR(vs, BASE + 2 * PG, VM_PROT_READ);
	BRK(vs, BASE + 8 * PG);
	EXPECT_FILL(vs, BASE, 2 * PG, 3);
	EXPECT_FILL(vs, BASE + 2 * PG, 6 * PG, 0);
	ACCERR(vs, BASE + 8 * PG, VM_PROT_WRITE);
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 9 * PG));
	n = PSTAT(vs);
	ATF_CHECK_EQ(2, n);
	vmspace_release(vs);
	vm_shutdown();
}

/* Growth of the data segment counts against RLIMIT_AS. */
ATF_TC_WITHOUT_HEAD(brk__rlimit_as);
ATF_TC_BODY(brk__rlimit_as, tc)
{
	struct vmspace *vs;

	boot();
	vs = vs_new();
	SETRL(vs, VM_RLIMIT_AS, 8 * PG, 8 * PG);
	BRK(vs, BASE + 6 * PG);
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 9 * PG));
	MAP(vs, 0, 2 * PG, RW, ANON_PRIV);
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 7 * PG));
	MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV, -1, 0, ENOMEM);
	BRK(vs, BASE + 2 * PG);
	MAP(vs, 0, 4 * PG, RW, ANON_PRIV);
	vmspace_release(vs);
	vm_shutdown();
}

/* A fork copies the data segment; each side then moves its own break. */
ATF_TC_WITHOUT_HEAD(brk__fork);
ATF_TC_BODY(brk__fork, tc)
{
	struct vmspace *vs, *child;

	boot();
	vs = vs_new();
	BRK(vs, BASE + 2 * PG);
	FILL(vs, BASE, 2 * PG, 1);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	EXPECT_FILL(child, BASE, 2 * PG, 1);
	BRK(child, BASE + 4 * PG);
	EXPECT_FILL(child, BASE + 2 * PG, 2 * PG, 0);
	FILL(child, BASE, 4 * PG, 2);
	MAPERR(vs, BASE + 2 * PG, VM_PROT_READ);
	EXPECT_FILL(vs, BASE, 2 * PG, 1);
	BRK(child, BASE);
	MAPERR(child, BASE, VM_PROT_READ);
	EXPECT_FILL(vs, BASE, 2 * PG, 1);
	BRK(vs, BASE + 3 * PG);
	EXPECT_FILL(vs, BASE + 2 * PG, PG, 0);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Mappings placed by the system stay out of the data segment's largest
 * extent, so the break can grow to its limit even when the space below
 * the segment is full.  FreeBSD's kern_mmap moves a hint inside
 * [text, data + maximum RLIMIT_DATA) past it, and vm_mmap_object starts
 * every search without a hint there (vm_map_find_min), with or without
 * address randomisation; both settings of vm.aslr.enable are tried.
 */
ATF_TC_WITHOUT_HEAD(brk__data_segment_kept_free);
ATF_TC_BODY(brk__data_segment_kept_free, tc)
{
	struct vmspace *vs;
	vm_offset_t a, lim = 16u << 20;
	int k, aslr;

	boot();
	for (aslr = 1; aslr >= 0; aslr--) {
		set_aslr(aslr);
		vs = vs_new();
		SETRL(vs, VM_RLIMIT_DATA, lim, lim);
		MAP(vs, VM_MIN_USER_ADDRESS, BASE - VM_MIN_USER_ADDRESS, RW,
		    ANON_PRIV | VM_MAP_FIXED);
		for (k = 0; k < 8; k++) {
			a = MAP(vs, 0, 16 * PG, RW, ANON_PRIV);
			ATF_CHECK_MSG(a >= BASE + lim,
			    "aslr %d: mapping at %#jx inside the data segment "
			    "[%#jx, %#jx)", aslr, (uintmax_t)a,
			    (uintmax_t)BASE, (uintmax_t)(BASE + lim));
		}
		a = MAP(vs, BASE + PG, 16 * PG, RW, ANON_PRIV);
		ATF_CHECK_MSG(a >= BASE + lim, "aslr %d: hinted mapping at "
		    "%#jx inside the data segment", aslr, (uintmax_t)a);
		a = MAP(vs, 0, 16 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
		ATF_CHECK_MSG(a >= BASE + lim, "aslr %d: shared mapping at "
		    "%#jx inside the data segment", aslr, (uintmax_t)a);
		ATF_CHECK_MSG(vm_brk(vs, BASE + lim) == 0, "aslr %d: the "
		    "break cannot reach its limit", aslr);
		vmspace_release(vs);
	}
	vm_shutdown();
}

/*
 * ulimit -d unlimited: FreeBSD's kern_proc_setrlimit lowers the data and
 * stack limits to maxdsiz and maxssiz, so the room kept free for brk
 * stays 32 GiB.  Unclamped, the data base plus an infinite maximum wraps:
 * no room was kept, a non-fixed mapping took the break's place and brk
 * could not grow at all.
 */
ATF_TC_WITHOUT_HEAD(rlimit__infinity_clamped);
ATF_TC_BODY(rlimit__infinity_clamped, tc)
{
	const uint64_t maxd = (uint64_t)32 << 30, maxs = (uint64_t)512 << 20;
	struct vmspace *vs;
	uint64_t cur, max;
	vm_offset_t a;
	int aslr;

	boot();
	for (aslr = 1; aslr >= 0; aslr--) {
		set_aslr(aslr);
		vs = vs_new();
		SETRL(vs, VM_RLIMIT_DATA, VM_RLIM_INFINITY, VM_RLIM_INFINITY);
		GETRL(vs, VM_RLIMIT_DATA, &cur, &max);
		ATF_CHECK_EQ(maxd, cur);
		ATF_CHECK_EQ(maxd, max);
		SETRL(vs, VM_RLIMIT_STACK, VM_RLIM_INFINITY, VM_RLIM_INFINITY);
		GETRL(vs, VM_RLIMIT_STACK, &cur, &max);
		ATF_CHECK_EQ(maxs, cur);
		ATF_CHECK_EQ(maxs, max);
		/* A maximum above the ceiling, a current limit below it. */
		SETRL(vs, VM_RLIMIT_DATA, 64 * PG, VM_RLIM_INFINITY);
		GETRL(vs, VM_RLIMIT_DATA, &cur, &max);
		ATF_CHECK_EQ(64 * PG, cur);
		ATF_CHECK_EQ(maxd, max);
		SETRL(vs, VM_RLIMIT_DATA, VM_RLIM_INFINITY, VM_RLIM_INFINITY);

		a = MAP(vs, 0, 16 * PG, RW, ANON_PRIV);
		ATF_CHECK_MSG(a < BASE || a >= BASE + maxd, "aslr %d: mapping "
		    "at %#jx inside the data segment", aslr, (uintmax_t)a);
		ATF_CHECK_MSG(vm_brk(vs, BASE + 1024 * PG) == 0, "aslr %d: "
		    "the break cannot grow", aslr);
		FILL(vs, BASE, 1024 * PG, 7);
		EXPECT_FILL(vs, BASE, 1024 * PG, 7);
		vmspace_release(vs);
	}
	vm_shutdown();
}

/* ---- resource limits ----------------------------------------------------- */

/* Every limit reads back as set; the defaults have cur <= max. */
ATF_TC_WITHOUT_HEAD(rlimit__get_set);
ATF_TC_BODY(rlimit__get_set, tc)
{
	struct vmspace *vs;
	uint64_t cur, max, c2, m2, m;
	int k;

	boot();
	vs = vs_new();
	for (k = 0; k < NRES; k++) {
		GETRL(vs, all_res[k], &cur, &max);
		printf("resource %d: cur %#jx max %#jx\n", all_res[k],
		    (uintmax_t)cur, (uintmax_t)max);
		ATF_CHECK_MSG(cur <= max, "resource %d: cur %#jx > max %#jx",
		    all_res[k], (uintmax_t)cur, (uintmax_t)max);
		/* Stay at or below the default maximum (raising it is a
		   privilege in FreeBSD). */
		m = max < 512 * PG ? max : 512 * PG;
		SETRL(vs, all_res[k], m / 2, m);
		GETRL(vs, all_res[k], &c2, &m2);
		ATF_CHECK_EQ(m / 2, c2);
		ATF_CHECK_EQ(m, m2);
		/* Lowering and raising cur below max. */
		SETRL(vs, all_res[k], m / 4, m);
		GETRL(vs, all_res[k], &c2, &m2);
		ATF_CHECK_EQ(m / 4, c2);
		ATF_CHECK_EQ(m, m2);
		SETRL(vs, all_res[k], m, m);
		GETRL(vs, all_res[k], &c2, &m2);
		ATF_CHECK_EQ(m, c2);
		ATF_CHECK_EQ(m, m2);
	}
	/* Each address space has its own limits. */
	{
		struct vmspace *other = vs_new();

		GETRL(other, VM_RLIMIT_AS, &cur, &max);
		GETRL(vs, VM_RLIMIT_AS, &c2, &m2);
		ATF_CHECK(max != m2 || cur != c2 || m2 != 512 * PG);
		vmspace_release(other);
	}
	vmspace_release(vs);
	vm_shutdown();
}

/* An unknown resource is EINVAL (kern_proc_setrlimit, getrlimit). */
ATF_TC_WITHOUT_HEAD(rlimit__bad_resource);
ATF_TC_BODY(rlimit__bad_resource, tc)
{
	static const int bad[] = { -1, 15, 16, 1000, INT_MAX, INT_MIN };
	struct vmspace *vs;
	uint64_t cur, max;
	size_t i;

	boot();
	vs = vs_new();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ATF_CHECK_MSG(vm_getrlimit(vs, bad[i], &cur, &max) == EINVAL,
		    "vm_getrlimit(%d) not EINVAL", bad[i]);
		ATF_CHECK_MSG(vm_setrlimit(vs, bad[i], PG, PG) == EINVAL,
		    "vm_setrlimit(%d) not EINVAL", bad[i]);
	}
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * cur above max: FreeBSD's kern_proc_setrlimit() lowers cur to max and
 * succeeds (its getrlimit(2) manual says nothing else; POSIX leaves it
 * open).  libvm follows FreeBSD's code.
 */
ATF_TC_WITHOUT_HEAD(rlimit__cur_above_max);
ATF_TC_BODY(rlimit__cur_above_max, tc)
{
	struct vmspace *vs;
	uint64_t cur, max;
	int error;

	boot();
	vs = vs_new();
	error = vm_setrlimit(vs, VM_RLIMIT_DATA, 64 * PG, 32 * PG);
	ATF_REQUIRE_MSG(error == 0, "vm_setrlimit(cur > max): error %d, "
	    "FreeBSD clamps cur to max", error);
	GETRL(vs, VM_RLIMIT_DATA, &cur, &max);
	ATF_CHECK_EQ(32 * PG, max);
	ATF_CHECK_EQ(32 * PG, cur);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * RLIMIT_AS: a mapping that would take the address space past the
 * current limit is ENOMEM and changes nothing; exactly at the limit is
 * fine; unmapping makes room again.
 */
ATF_TC_WITHOUT_HEAD(rlimit__as_mmap);
ATF_TC_BODY(rlimit__as_mmap, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;

	boot();
	vs = vs_new();
	SETRL(vs, VM_RLIMIT_AS, 8 * PG, 16 * PG);
	a = ANON(vs, 4 * PG, RW);
	b = MAP(vs, 0, 4 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV, -1, 0, ENOMEM);
	MMAP_FAILS(vs, 0, 16 * PG, RW, ANON_PRIV, -1, 0, ENOMEM);
	MMAP_FAILS(vs, 0x30000000000, PG, RW, ANON_PRIV | VM_MAP_FIXED, -1, 0,
	    ENOMEM);
	ATF_CHECK_EQ(2, PSTAT(vs));
	MAPERR(vs, 0x30000000000, VM_PROT_READ);
	FILL(vs, a, 4 * PG, 1);
	FILL(vs, b, 4 * PG, 1);

	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, 2 * PG));
	MAP(vs, 0, 2 * PG, RW, ANON_PRIV);
	MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV, -1, 0, ENOMEM);

	/* Raising cur (up to max) makes room. */
	SETRL(vs, VM_RLIMIT_AS, 12 * PG, 16 * PG);
	MAP(vs, 0, 4 * PG, RW, ANON_PRIV);
	MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV, -1, 0, ENOMEM);

	/* Lowered below the current size: nothing new, the old stays. */
	SETRL(vs, VM_RLIMIT_AS, 4 * PG, 16 * PG);
	MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV, -1, 0, ENOMEM);
	EXPECT_FILL(vs, b, 4 * PG, 1);
	EXPECT_FILL(vs, a + 2 * PG, 2 * PG, 1);
	vmspace_release(vs);
	vm_shutdown();
}

/* RLIMIT_DATA limits the break only, not mmap (as in FreeBSD). */
ATF_TC_WITHOUT_HEAD(rlimit__data_does_not_limit_mmap);
ATF_TC_BODY(rlimit__data_does_not_limit_mmap, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot();
	vs = vs_new();
	SETRL(vs, VM_RLIMIT_DATA, PG, PG);
	a = ANON(vs, 64 * PG, RW);
	FILL(vs, a, 64 * PG, 1);
	EXPECT_FILL(vs, a, 64 * PG, 1);
	ATF_CHECK_EQ(ENOMEM, vm_brk(vs, BASE + 2 * PG));
	BRK(vs, BASE + PG);
	vmspace_release(vs);
	vm_shutdown();
}

/* A forked address space starts with its parent's limits, then owns them. */
ATF_TC_WITHOUT_HEAD(rlimit__fork_inherits);
ATF_TC_BODY(rlimit__fork_inherits, tc)
{
	struct vmspace *vs, *child;
	uint64_t cur, max;
	int k;

	boot();
	vs = vs_new();
	for (k = 0; k < NRES; k++)
		SETRL(vs, all_res[k], (uint64_t)(k + 1) * 64 * PG,
		    (uint64_t)(k + 2) * 64 * PG);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	for (k = 0; k < NRES; k++) {
		GETRL(child, all_res[k], &cur, &max);
		ATF_CHECK_EQ((uint64_t)(k + 1) * 64 * PG, cur);
		ATF_CHECK_EQ((uint64_t)(k + 2) * 64 * PG, max);
	}
	SETRL(child, VM_RLIMIT_AS, PG, PG);
	GETRL(vs, VM_RLIMIT_AS, &cur, &max);
	ATF_CHECK_EQ(4 * 64 * PG, cur);
	ATF_CHECK_EQ(5 * 64 * PG, max);
	MMAP_FAILS(child, 0, 2 * PG, RW, ANON_PRIV, -1, 0, ENOMEM);
	MAP(vs, 0, 2 * PG, RW, ANON_PRIV);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, brk__grow_shrink);
	ATF_TP_ADD_TC(tp, brk__below_base);
	ATF_TP_ADD_TC(tp, brk__round_up);
	ATF_TP_ADD_TC(tp, brk__rlimit_data);
	ATF_TP_ADD_TC(tp, brk__over_mapping);
	ATF_TP_ADD_TC(tp, brk__rlimit_as);
	ATF_TP_ADD_TC(tp, brk__fork);
	ATF_TP_ADD_TC(tp, brk__data_segment_kept_free);
	ATF_TP_ADD_TC(tp, rlimit__get_set);
	ATF_TP_ADD_TC(tp, rlimit__bad_resource);
	ATF_TP_ADD_TC(tp, rlimit__cur_above_max);
	ATF_TP_ADD_TC(tp, rlimit__infinity_clamped);
	ATF_TP_ADD_TC(tp, rlimit__as_mmap);
	ATF_TP_ADD_TC(tp, rlimit__data_does_not_limit_mmap);
	ATF_TP_ADD_TC(tp, rlimit__fork_inherits);
	return (atf_no_error());
}
