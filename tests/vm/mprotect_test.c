/*
 * Acceptance tests of vm_mprotect(3) and of the signals vm_fault_trap(3)
 * reports, written from FreeBSD's mprotect(2) and the code of
 * kern_mprotect() and vm_map_protect() (libvm follows the code where the
 * two disagree, see API.md), re-expressing FreeBSD's
 * tests/sys/vm/page_fault_signal.c (segv_maperr_1, segv_accerr_1/2) and
 * NetBSD's t_mprotect.c against the public API only.
 *
 * Every case boots its own libvm (64 MiB) and shuts it down at the end.
 */
#include "api_test.h"

/* ---- mprotect ------------------------------------------------------------ */

/* Read/write to read-only: writes fault with SEGV_ACCERR, data stays. */
ATF_TC_WITHOUT_HEAD(mprotect__downgrade);
ATF_TC_BODY(mprotect__downgrade, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;

	boot();
	vs = vs_new();
	a = ANON(vs, 3 * PG, RW);
	FILL(vs, a, 3 * PG, 0x3c);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 3 * PG, VM_PROT_READ));
	ACCERR(vs, a, VM_PROT_WRITE);
	ACCERR(vs, a + 3 * PG - 1, VM_PROT_WRITE);
	ATF_CHECK_EQ(EFAULT, vm_copyout(vs, "z", a + PG, 1));
	ACCESS_OK(vs, a + PG, VM_PROT_READ);
	EXPECT_FILL(vs, a, 3 * PG, 0x3c);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(VM_PROT_READ, kve[0].kve_protection);
	ATF_CHECK_EQ(RWX, kve[0].kve_max_protection);
	vmspace_release(vs);
	vm_shutdown();
}

/* Read-only to read/write, on touched and untouched pages. */
ATF_TC_WITHOUT_HEAD(mprotect__upgrade);
ATF_TC_BODY(mprotect__upgrade, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, VM_PROT_READ);
	EXPECT_FILL(vs, a, PG, 0);	/* page 0 touched, page 1 not */
	ACCERR(vs, a, VM_PROT_WRITE);
	ACCERR(vs, a + PG, VM_PROT_WRITE);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 2 * PG, RW));
	ACCESS_OK(vs, a, VM_PROT_WRITE);
	ACCESS_OK(vs, a + PG, VM_PROT_WRITE);
	FILL(vs, a, 2 * PG, 0x61);
	EXPECT_FILL(vs, a, 2 * PG, 0x61);
	vmspace_release(vs);
	vm_shutdown();
}

/* PROT_NONE forbids every access; going back keeps the contents. */
ATF_TC_WITHOUT_HEAD(mprotect__none_and_back);
ATF_TC_BODY(mprotect__none_and_back, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	FILL(vs, a, 2 * PG, 0x19);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 2 * PG, VM_PROT_NONE));
	ACCERR(vs, a, VM_PROT_READ);
	ACCERR(vs, a + PG, VM_PROT_WRITE);
	ACCERR(vs, a, VM_PROT_EXEC);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(VM_PROT_NONE, kve[0].kve_protection);
	ATF_CHECK_EQ(RWX, kve[0].kve_max_protection);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 2 * PG, VM_PROT_READ));
	EXPECT_FILL(vs, a, 2 * PG, 0x19);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 2 * PG, RW));
	FILL(vs, a + PG, PG, 0x1a);
	EXPECT_FILL(vs, a, PG, 0x19);
	EXPECT_FILL(vs, a + PG, PG, 0x1a);
	vmspace_release(vs);
	vm_shutdown();
}

/* Execute access needs VM_PROT_EXEC. */
ATF_TC_WITHOUT_HEAD(mprotect__exec);
ATF_TC_BODY(mprotect__exec, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	FILL(vs, a, 2 * PG, 0x90);
	ACCERR(vs, a, VM_PROT_EXEC);
	ACCERR(vs, a + PG, VM_PROT_EXEC);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, PG,
	    VM_PROT_READ | VM_PROT_EXEC));
	ACCESS_OK(vs, a, VM_PROT_EXEC);
	ACCESS_OK(vs, a, VM_PROT_READ);
	ACCERR(vs, a, VM_PROT_WRITE);
	ACCERR(vs, a + PG, VM_PROT_EXEC);
	ACCESS_OK(vs, a + PG, VM_PROT_WRITE);
	EXPECT_FILL(vs, a, 2 * PG, 0x90);

	b = ANON(vs, PG, RWX);
	ACCESS_OK(vs, b, VM_PROT_EXEC);
	ACCESS_OK(vs, b, VM_PROT_WRITE);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, b, PG, RW));
	ACCERR(vs, b, VM_PROT_EXEC);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Protecting part of a mapping splits its entry; restoring the old
 * protection lets the pieces merge again (vm_map_protect's
 * vm_map_try_merge_entries).
 */
ATF_TC_WITHOUT_HEAD(mprotect__split_and_merge);
ATF_TC_BODY(mprotect__split_and_merge, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;

	boot();
	vs = vs_new();
	a = ANON(vs, 3 * PG, RW);
	FILL(vs, a, 3 * PG, 0x42);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + PG, PG, VM_PROT_READ));
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(3, n);
	ATF_CHECK_EQ(a, kve[0].kve_start);
	ATF_CHECK_EQ(RW, kve[0].kve_protection);
	ATF_CHECK_EQ(a + PG, kve[1].kve_start);
	ATF_CHECK_EQ(a + 2 * PG, kve[1].kve_end);
	ATF_CHECK_EQ(VM_PROT_READ, kve[1].kve_protection);
	ATF_CHECK_EQ(RW, kve[2].kve_protection);
	ATF_CHECK_EQ(a + 3 * PG, kve[2].kve_end);
	ACCESS_OK(vs, a, VM_PROT_WRITE);
	ACCERR(vs, a + PG, VM_PROT_WRITE);
	ACCESS_OK(vs, a + 2 * PG, VM_PROT_WRITE);
	EXPECT_FILL(vs, a, 3 * PG, 0x42);

	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + PG, PG, RW));
	n = PSTAT(vs);
	if (n != 1)
		kve_dump(n);
	ATF_CHECK_EQ_MSG(1, n, "the three entries did not merge back");
	ACCESS_OK(vs, a + PG, VM_PROT_WRITE);
	EXPECT_FILL(vs, a, 3 * PG, 0x42);
	vmspace_release(vs);
	vm_shutdown();
}

/* An unaligned start is rounded down to its page (API.md). */
ATF_TC_WITHOUT_HEAD(mprotect__unaligned_start);
ATF_TC_BODY(mprotect__unaligned_start, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	/* [a+PG+1, a+PG+2) is page 1. */
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + PG + 1, 1, VM_PROT_READ));
	ACCESS_OK(vs, a, VM_PROT_WRITE);
	ACCERR(vs, a + PG, VM_PROT_WRITE);
	ACCESS_OK(vs, a + 2 * PG, VM_PROT_WRITE);
	/* [a+3PG-1, a+3PG+1) is pages 2 and 3. */
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + 3 * PG - 1, 2, VM_PROT_NONE));
	ACCERR(vs, a + 2 * PG, VM_PROT_READ);
	ACCERR(vs, a + 3 * PG, VM_PROT_READ);
	ACCESS_OK(vs, a + PG, VM_PROT_READ);
	ACCESS_OK(vs, a, VM_PROT_WRITE);
	vmspace_release(vs);
	vm_shutdown();
}

/* A zero length succeeds and changes nothing (API.md). */
ATF_TC_WITHOUT_HEAD(mprotect__zero_length);
ATF_TC_BODY(mprotect__zero_length, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	ATF_CHECK_EQ(0, vm_mprotect(vs, a, 0, VM_PROT_NONE));
	ATF_CHECK_EQ(0, vm_mprotect(vs, a + PG, 0, VM_PROT_READ));
	ATF_CHECK_EQ(0, vm_mprotect(vs, 0x70000000000, 0, VM_PROT_READ));
	ACCESS_OK(vs, a, VM_PROT_WRITE);
	ACCESS_OK(vs, a + PG, VM_PROT_WRITE);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(RW, kve[0].kve_protection);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Over a range with unmapped holes, the mapped parts change and the call
 * succeeds; the holes stay unmapped (API.md; vm_map_protect only walks
 * existing entries).
 */
ATF_TC_WITHOUT_HEAD(mprotect__holes);
ATF_TC_BODY(mprotect__holes, tc)
{
	struct vmspace *vs;
	vm_offset_t a = 0x30000000000;
	size_t n;

	boot();
	vs = vs_new();
	MAP(vs, a, PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MAP(vs, a + 2 * PG, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MAP(vs, a + 6 * PG, PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, a, PG, 1);
	FILL(vs, a + 2 * PG, 2 * PG, 2);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a - 2 * PG, 12 * PG,
	    VM_PROT_READ));
	ACCERR(vs, a, VM_PROT_WRITE);
	ACCERR(vs, a + 3 * PG, VM_PROT_WRITE);
	ACCERR(vs, a + 6 * PG, VM_PROT_WRITE);
	MAPERR(vs, a + PG, VM_PROT_READ);
	MAPERR(vs, a + 4 * PG, VM_PROT_READ);
	MAPERR(vs, a - PG, VM_PROT_READ);
	EXPECT_FILL(vs, a, PG, 1);
	EXPECT_FILL(vs, a + 2 * PG, 2 * PG, 2);
	n = PSTAT(vs);
	ATF_CHECK_EQ(3, n);

	/* Starting inside a hole. */
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a + PG, 3 * PG, RW));
	ACCERR(vs, a, VM_PROT_WRITE);
	ACCESS_OK(vs, a + 2 * PG, VM_PROT_WRITE);
	ACCESS_OK(vs, a + 3 * PG, VM_PROT_WRITE);
	ACCERR(vs, a + 6 * PG, VM_PROT_WRITE);
	vmspace_release(vs);
	vm_shutdown();
}

/* A range with nothing mapped at all succeeds and maps nothing. */
ATF_TC_WITHOUT_HEAD(mprotect__unmapped_range);
ATF_TC_BODY(mprotect__unmapped_range, tc)
{
	struct vmspace *vs;

	boot();
	vs = vs_new();
	ATF_CHECK_EQ(0, vm_mprotect(vs, 0x30000000000, 16 * PG, RW));
	ATF_CHECK_EQ(0, vm_mprotect(vs, VM_MIN_USER_ADDRESS, PG,
	    VM_PROT_READ));
	ATF_CHECK_EQ(0, PSTAT(vs));
	MAPERR(vs, 0x30000000000, VM_PROT_READ);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Guard entries inside the range are skipped: the call succeeds, the
 * mappings around change, the guard stays PROT_NONE with a PROT_NONE
 * maximum and inaccessible (API.md, vm_map_protect).
 */
ATF_TC_WITHOUT_HEAD(mprotect__guard_skipped);
ATF_TC_BODY(mprotect__guard_skipped, tc)
{
	struct vmspace *vs;
	vm_offset_t a = 0x30000000000;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	MAP(vs, a, PG, VM_PROT_READ, ANON_PRIV | VM_MAP_FIXED);
	MAP(vs, a + PG, 2 * PG, VM_PROT_NONE, VM_MAP_GUARD | VM_MAP_FIXED);
	MAP(vs, a + 3 * PG, PG, VM_PROT_READ, ANON_PRIV | VM_MAP_FIXED);
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 4 * PG, RWX));
	ACCESS_OK(vs, a, VM_PROT_WRITE);
	ACCESS_OK(vs, a + 3 * PG, VM_PROT_WRITE);
	ACCERR(vs, a + PG, VM_PROT_READ);
	ACCERR(vs, a + 2 * PG, VM_PROT_WRITE);
	n = PSTAT(vs);
	i = kve_find(n, a + PG);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_KVME_TYPE_GUARD, kve[i].kve_type);
	ATF_CHECK_EQ(VM_PROT_NONE, kve[i].kve_protection);
	ATF_CHECK_EQ(VM_PROT_NONE, kve[i].kve_max_protection);
	ATF_CHECK_EQ(a + PG, kve[i].kve_start);
	ATF_CHECK_EQ(a + 3 * PG, kve[i].kve_end);

	/* Only the guard. */
	ATF_CHECK_EQ(0, vm_mprotect(vs, a + PG, 2 * PG, VM_PROT_READ));
	ACCERR(vs, a + PG, VM_PROT_READ);
	vmspace_release(vs);
	vm_shutdown();
}

/* Undefined prot bits are EINVAL and change nothing. */
ATF_TC_WITHOUT_HEAD(mprotect__bad_prot);
ATF_TC_BODY(mprotect__bad_prot, tc)
{
	static const int bad[] = { 0x8, 0x10, 0x80, 0x100, 0x8000,
	    RW | 0x100000, 0xffff, (int)0x80000000u };
	struct vmspace *vs;
	vm_offset_t a;
	size_t i, n;

	boot();
	vs = vs_new();
	a = ANON(vs, PG, RW);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_MSG(vm_mprotect(vs, a, PG, bad[i]) == EINVAL,
		    "prot %#x not EINVAL", bad[i]);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(RW, kve[0].kve_protection);
	ACCESS_OK(vs, a, VM_PROT_WRITE);
	vmspace_release(vs);
	vm_shutdown();
}

/* A range whose end wraps around is EINVAL (t_mprotect's mprotect_err). */
ATF_TC_WITHOUT_HEAD(mprotect__wrap);
ATF_TC_BODY(mprotect__wrap, tc)
{
	struct vmspace *vs;

	boot();
	vs = vs_new();
	ATF_CHECK_EQ(EINVAL, vm_mprotect(vs, (vm_offset_t)-1, 1,
	    VM_PROT_READ));
	ATF_CHECK_EQ(EINVAL, vm_mprotect(vs, (vm_offset_t)0 - PG, 2 * PG,
	    VM_PROT_READ));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Anonymous memory's maximum protection is everything: every protection
 * can be set, and the maximum stays VM_PROT_ALL.
 */
ATF_TC_WITHOUT_HEAD(mprotect__anon_max_protection);
ATF_TC_BODY(mprotect__anon_max_protection, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;
	size_t n;
	int p;

	boot();
	vs = vs_new();
	a = ANON(vs, PG, VM_PROT_NONE);
	b = MAP(vs, 0, PG, VM_PROT_READ, VM_MAP_ANON | VM_MAP_SHARED);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(2, n);
	ATF_CHECK_EQ(RWX, kve[0].kve_max_protection);
	ATF_CHECK_EQ(RWX, kve[1].kve_max_protection);
	for (p = 0; p <= RWX; p++) {
		ATF_CHECK_MSG(vm_mprotect(vs, a, PG, p) == 0,
		    "private: prot %#x refused", p);
		ATF_CHECK_MSG(vm_mprotect(vs, b, PG, p) == 0,
		    "shared: prot %#x refused", p);
		n = PSTAT(vs);
		ATF_REQUIRE_EQ(2, n);
		ATF_CHECK_EQ(p, kve[0].kve_protection);
		ATF_CHECK_EQ(p, kve[1].kve_protection);
		ATF_CHECK_EQ(RWX, kve[0].kve_max_protection);
		ATF_CHECK_EQ(RWX, kve[1].kve_max_protection);
	}
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * EACCES beyond the maximum protection.  Anonymous mappings get
 * VM_PROT_ALL as their maximum, so a lower one needs FreeBSD's
 * vm.imply_prot_max (the maximum of a mapping is then its initial
 * protection); skipped when libvm has no such sysctl.
 */
ATF_TC_WITHOUT_HEAD(mprotect__eacces_beyond_max);
ATF_TC_BODY(mprotect__eacces_beyond_max, tc)
{
	struct vm_sysctl_info info;
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;
	int one = 1;

	boot();
	if (vm_sysctl_info("vm.imply_prot_max", &info) != 0) {
		vm_shutdown();
		atf_tc_skip("no vm.imply_prot_max: anonymous memory cannot "
		    "have a maximum below VM_PROT_ALL");
	}
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.imply_prot_max", NULL, NULL,
	    &one, sizeof(one)));
	vs = vs_new();
	a = ANON(vs, 2 * PG, VM_PROT_READ);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(VM_PROT_READ, kve[0].kve_max_protection);
	ATF_CHECK_EQ(EACCES, vm_mprotect(vs, a, 2 * PG, RW));
	ATF_CHECK_EQ(EACCES, vm_mprotect(vs, a, PG, VM_PROT_EXEC));
	ACCERR(vs, a, VM_PROT_WRITE);
	ATF_CHECK_EQ(0, vm_mprotect(vs, a, 2 * PG, VM_PROT_NONE));
	ATF_CHECK_EQ(0, vm_mprotect(vs, a, 2 * PG, VM_PROT_READ));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * After a fork, protecting the parent's copy leaves the child's alone,
 * and the child's writes stay its own.
 */
ATF_TC_WITHOUT_HEAD(mprotect__after_fork);
ATF_TC_BODY(mprotect__after_fork, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	FILL(vs, a, 2 * PG, 0x10);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 2 * PG, VM_PROT_READ));
	ACCERR(vs, a, VM_PROT_WRITE);
	ACCESS_OK(child, a, VM_PROT_WRITE);
	FILL(child, a, PG, 0x20);
	EXPECT_FILL(child, a, PG, 0x20);
	EXPECT_FILL(vs, a, 2 * PG, 0x10);
	ATF_REQUIRE_EQ(0, vm_mprotect(child, a + PG, PG, VM_PROT_NONE));
	ACCERR(child, a + PG, VM_PROT_READ);
	EXPECT_FILL(vs, a + PG, PG, 0x10);
	vmspace_release(child);
	EXPECT_FILL(vs, a, 2 * PG, 0x10);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- fault signals (page_fault_signal.c) --------------------------------- */

/* SEGV_MAPERR where nothing is mapped. */
ATF_TC_WITHOUT_HEAD(fault__segv_maperr);
ATF_TC_BODY(fault__segv_maperr, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;

	boot();
	vs = vs_new();
	/* segv_maperr_1: an unmapped read-only page. */
	a = ANON(vs, PG, VM_PROT_READ);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, PG));
	MAPERR(vs, a, VM_PROT_WRITE);
	MAPERR(vs, a, VM_PROT_READ);
	MAPERR(vs, a, VM_PROT_EXEC);
	/* Page 0, a hole between two mappings, the top of the range. */
	MAPERR(vs, 0, VM_PROT_READ);
	MAPERR(vs, 8, VM_PROT_WRITE);
	a = MAP(vs, 0x30000000000, PG, RW, ANON_PRIV | VM_MAP_FIXED);
	b = MAP(vs, a + 2 * PG, PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MAPERR(vs, a + PG, VM_PROT_READ);
	MAPERR(vs, b - 1, VM_PROT_WRITE);
	MAPERR(vs, VM_MAX_USER_ADDRESS - PG, VM_PROT_READ);
	ACCESS_OK(vs, a + PG - 1, VM_PROT_WRITE);
	ACCESS_OK(vs, b, VM_PROT_WRITE);
	vmspace_release(vs);
	vm_shutdown();
}

/* SEGV_ACCERR where the protection forbids the access. */
ATF_TC_WITHOUT_HEAD(fault__segv_accerr);
ATF_TC_BODY(fault__segv_accerr, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;

	boot();
	vs = vs_new();
	/* segv_accerr_1: a write to a read-only page. */
	a = ANON(vs, PG, VM_PROT_READ);
	ACCERR(vs, a, VM_PROT_WRITE);
	ACCESS_OK(vs, a, VM_PROT_READ);
	ACCERR(vs, a + 100, VM_PROT_WRITE);
	/* segv_accerr_2: a read of a PROT_NONE page. */
	b = ANON(vs, PG, VM_PROT_NONE);
	ACCERR(vs, b, VM_PROT_READ);
	ACCERR(vs, b, VM_PROT_WRITE);
	ACCERR(vs, b, VM_PROT_EXEC);
	vmspace_release(vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mprotect__downgrade);
	ATF_TP_ADD_TC(tp, mprotect__upgrade);
	ATF_TP_ADD_TC(tp, mprotect__none_and_back);
	ATF_TP_ADD_TC(tp, mprotect__exec);
	ATF_TP_ADD_TC(tp, mprotect__split_and_merge);
	ATF_TP_ADD_TC(tp, mprotect__unaligned_start);
	ATF_TP_ADD_TC(tp, mprotect__zero_length);
	ATF_TP_ADD_TC(tp, mprotect__holes);
	ATF_TP_ADD_TC(tp, mprotect__unmapped_range);
	ATF_TP_ADD_TC(tp, mprotect__guard_skipped);
	ATF_TP_ADD_TC(tp, mprotect__bad_prot);
	ATF_TP_ADD_TC(tp, mprotect__wrap);
	ATF_TP_ADD_TC(tp, mprotect__anon_max_protection);
	ATF_TP_ADD_TC(tp, mprotect__eacces_beyond_max);
	ATF_TP_ADD_TC(tp, mprotect__after_fork);
	ATF_TP_ADD_TC(tp, fault__segv_maperr);
	ATF_TP_ADD_TC(tp, fault__segv_accerr);
	return (atf_no_error());
}
