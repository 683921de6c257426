/*
 * Acceptance tests of vm_mmap(3) and vm_munmap(3) on anonymous memory,
 * written from FreeBSD's mmap(2)/munmap(2) and the code of kern_mmap(),
 * kern_munmap() and vm_mmap_object() (where the two disagree libvm follows
 * the code, see API.md), and re-expressing the anonymous-memory cases of
 * FreeBSD's tests/sys/vm/mmap_test.c (mmap__map_at_zero,
 * mmap__bad_arguments, mmap__dev_zero_private/shared, mmap__write_only)
 * and NetBSD's t_mmap.c against the public API only.
 *
 * Memory is touched through vm_copyin/vm_copyout/vm_fault_trap: addresses
 * of an address space are not host pointers.  Every case boots its own
 * libvm (64 MiB) and shuts it down at the end.
 */
#include "api_test.h"

#define	TWO_GB		((vm_offset_t)1 << 31)
#define	SUPERPAGE	((vm_size_t)2 << 20)

/* ---- mmap: contents ------------------------------------------------------ */

/*
 * Anonymous memory is zero-filled; two private mappings are independent
 * and a new one is zero again (the anonymous form of
 * mmap__dev_zero_private).
 */
ATF_TC_WITHOUT_HEAD(mmap__anon_private);
ATF_TC_BODY(mmap__anon_private, tc)
{
	struct vmspace *vs;
	vm_offset_t p1, p2, p3;
	uint8_t b;

	boot();
	vs = vs_new();
	p1 = ANON(vs, 3 * PG, RW);
	p2 = ANON(vs, 3 * PG, RW);
	ATF_REQUIRE(p1 + 3 * PG <= p2 || p2 + 3 * PG <= p1);
	EXPECT_FILL(vs, p1, 3 * PG, 0);
	EXPECT_FILL(vs, p2, 3 * PG, 0);

	b = 1;
	ATF_REQUIRE_EQ(0, vm_copyout(vs, &b, p1, 1));
	EXPECT_FILL(vs, p2, 1, 0);
	b = 2;
	ATF_REQUIRE_EQ(0, vm_copyout(vs, &b, p2, 1));
	EXPECT_FILL(vs, p1, 1, 1);

	p3 = ANON(vs, PG, RW);
	EXPECT_FILL(vs, p3, PG, 0);

	/* A pattern over several pages reads back. */
	FILL(vs, p1, 3 * PG, 0x5a);
	EXPECT_FILL(vs, p1, 3 * PG, 0x5a);
	EXPECT_FILL(vs, p2 + 1, 3 * PG - 1, 0);

	vmspace_release(vs);
	vm_shutdown();
}

/* The same for MAP_SHARED anonymous memory (mmap__dev_zero_shared). */
ATF_TC_WITHOUT_HEAD(mmap__anon_shared);
ATF_TC_BODY(mmap__anon_shared, tc)
{
	struct vmspace *vs;
	vm_offset_t p1, p2, p3;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	p1 = MAP(vs, 0, 2 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	p2 = MAP(vs, 0, 2 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	EXPECT_FILL(vs, p1, 2 * PG, 0);
	EXPECT_FILL(vs, p2, 2 * PG, 0);
	FILL(vs, p1, PG, 1);
	EXPECT_FILL(vs, p2, PG, 0);
	FILL(vs, p2, PG, 2);
	EXPECT_FILL(vs, p1, PG, 1);
	p3 = MAP(vs, 0, PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	EXPECT_FILL(vs, p3, PG, 0);

	/* Shared anonymous memory is inherited shared. */
	n = PSTAT(vs);
	i = kve_find(n, p1);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_INHERIT_SHARE, kve[i].kve_inheritance);

	vmspace_release(vs);
	vm_shutdown();
}

/*
 * FreeBSD's kern_mmap() requires MAP_SHARED or MAP_PRIVATE only for
 * mappings of files: MAP_ANON alone is accepted ("simple MAP_ANON" in
 * mmap__bad_arguments) and is private (inherited by copy).
 */
ATF_TC_WITHOUT_HEAD(mmap__anon_without_sharing_flag);
ATF_TC_BODY(mmap__anon_without_sharing_flag, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	a = MAP(vs, 0, 2 * PG, RW, VM_MAP_ANON);
	EXPECT_FILL(vs, a, 2 * PG, 0);
	FILL(vs, a, 2 * PG, 7);
	n = PSTAT(vs);
	i = kve_find(n, a);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_INHERIT_COPY, kve[i].kve_inheritance);

	/* Private: a child's writes are not seen by the parent. */
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	EXPECT_FILL(vs, a, 2 * PG, 7);
	FILL(child, a, PG, 9);
	EXPECT_FILL(vs, a, 2 * PG, 7);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/* PROT_WRITE alone is a usable mapping (mmap__write_only). */
ATF_TC_WITHOUT_HEAD(mmap__write_only);
ATF_TC_BODY(mmap__write_only, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	uint32_t v = 0x12345678;

	boot();
	vs = vs_new();
	a = ANON(vs, PG, VM_PROT_WRITE);
	ACCESS_OK(vs, a, VM_PROT_WRITE);
	ATF_REQUIRE_EQ(0, vm_copyout(vs, &v, a + 64, sizeof(v)));
	vmspace_release(vs);
	vm_shutdown();
}

/* A length that is not a page multiple maps whole pages, no more. */
ATF_TC_WITHOUT_HEAD(mmap__partial_page_length);
ATF_TC_BODY(mmap__partial_page_length, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	a = ANON(vs, 100, RW);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(a, kve[0].kve_start);
	ATF_CHECK_EQ(a + PG, kve[0].kve_end);
	FILL(vs, a, PG, 3);
	EXPECT_FILL(vs, a, PG, 3);
	MAPERR(vs, a + PG, VM_PROT_READ);

	a = MAP(vs, 0x62000000000, PG + 1, RW, ANON_PRIV | VM_MAP_FIXED);
	n = PSTAT(vs);
	i = kve_find(n, a);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(a + 2 * PG, kve[i].kve_end);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- mmap: argument checks ---------------------------------------------- */

/*
 * Undefined prot bits are EINVAL (kern_mmap: prot outside PROT_ALL and
 * PROT_MAX(PROT_ALL); the bits tested here are outside both).
 */
ATF_TC_WITHOUT_HEAD(mmap__bad_prot);
ATF_TC_BODY(mmap__bad_prot, tc)
{
	static const int bad[] = { 0x8, 0x10, 0x80, 0x100, 0x1000, 0x8000,
	    RW | 0x100000, 0x100000, 0xffff, (int)0x80000000u,
	    VM_PROT_READ | 0x20 };
	struct vmspace *vs;
	size_t i, n;

	boot();
	vs = vs_new();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		MMAP_FAILS(vs, 0, PG, bad[i], ANON_PRIV, -1, 0, EINVAL);
		MMAP_FAILS(vs, 0x10000000000, PG, bad[i],
		    ANON_PRIV | VM_MAP_FIXED, -1, 0, EINVAL);
	}
	n = PSTAT(vs);
	ATF_CHECK_EQ(0, n);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Flag bits FreeBSD does not define are EINVAL, including 0x4 (libvm's
 * VM_MAP_REMAPDUP belongs to vm_mremap only) and alignment fields
 * outside [12, 64).
 */
ATF_TC_WITHOUT_HEAD(mmap__bad_flags);
ATF_TC_BODY(mmap__bad_flags, tc)
{
	static const int bad[] = { 0x4, 0x8, 0x80, 0x100, 0x8000, 0x10000,
	    0x100000, 0x200000, 0x400000, 0x800000 };
	struct vmspace *vs;
	size_t i;

	boot();
	vs = vs_new();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV | bad[i], -1, 0, EINVAL);
	/* Both MAP_SHARED and MAP_PRIVATE. */
	MMAP_FAILS(vs, 0, PG, RW, VM_MAP_ANON | VM_MAP_SHARED |
	    VM_MAP_PRIVATE, -1, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, RW, VM_MAP_SHARED | VM_MAP_PRIVATE, -1, 0,
	    EINVAL);
	/* MAP_EXCL without MAP_FIXED. */
	MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV | VM_MAP_EXCL, -1, 0, EINVAL);
	MMAP_FAILS(vs, 0x10000000000, PG, RW, ANON_PRIV | VM_MAP_EXCL, -1, 0,
	    EINVAL);
	ATF_CHECK_EQ(0, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/* MAP_ANON takes fd -1 and offset 0 (mmap(2) EINVAL). */
ATF_TC_WITHOUT_HEAD(mmap__anon_fd_and_offset);
ATF_TC_BODY(mmap__anon_fd_and_offset, tc)
{
	struct vmspace *vs;

	boot();
	vs = vs_new();
	MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV, 0, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV, 5, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, RW, VM_MAP_ANON | VM_MAP_SHARED, 3, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV, -1, (off_t)PG, EINVAL);
	MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV, -1, 1, EINVAL);
	ATF_CHECK_EQ(0, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/* A zero length is EINVAL, whatever else is asked. */
ATF_TC_WITHOUT_HEAD(mmap__zero_length);
ATF_TC_BODY(mmap__zero_length, tc)
{
	struct vmspace *vs;

	boot();
	vs = vs_new();
	MMAP_FAILS(vs, 0, 0, RW, ANON_PRIV, -1, 0, EINVAL);
	MMAP_FAILS(vs, 0x10000000000, 0, RW, ANON_PRIV | VM_MAP_FIXED, -1, 0,
	    EINVAL);
	MMAP_FAILS(vs, 0, 0, VM_PROT_NONE, VM_MAP_GUARD, -1, 0, EINVAL);
	MMAP_FAILS(vs, 0, 0, RW, VM_MAP_ANON | VM_MAP_SHARED, -1, 0, EINVAL);
	ATF_CHECK_EQ(0, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * PROT_MAX (FreeBSD 13): a maximum that does not include the protection
 * is ENOTSUP, checked before anything but undefined protection bits, as
 * kern_mmap orders its checks (so a zero length or a bad flag with such
 * a maximum is ENOTSUP too).  A maximum given is the entry's maximum:
 * vm_mprotect beyond it is EACCES.
 */
ATF_TC_WITHOUT_HEAD(mmap__prot_max);
ATF_TC_BODY(mmap__prot_max, tc)
{
	const struct vm_kinfo_vmentry *k;
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	MMAP_FAILS(vs, 0, PG, RW | VM_PROT_MAX(VM_PROT_READ), ANON_PRIV, -1,
	    0, ENOTSUP);
	MMAP_FAILS(vs, 0, 0, RW | VM_PROT_MAX(VM_PROT_READ), ANON_PRIV, -1,
	    0, ENOTSUP);
	MMAP_FAILS(vs, 0, PG, RW | VM_PROT_MAX(VM_PROT_READ), ANON_PRIV |
	    0x8, -1, 0, ENOTSUP);
	/* Undefined bits come first. */
	MMAP_FAILS(vs, 0, PG, RW | VM_PROT_MAX(VM_PROT_READ) | 0x8,
	    ANON_PRIV, -1, 0, EINVAL);
	MMAP_FAILS(vs, 0, 0, RW | 0x8, ANON_PRIV, -1, 0, EINVAL);
	ATF_CHECK_EQ(0, PSTAT(vs));

	a = MAP(vs, 0, PG, VM_PROT_READ | VM_PROT_MAX(RW), ANON_PRIV);
	n = PSTAT(vs);
	i = kve_find(n, a);
	ATF_REQUIRE(i >= 0);
	k = &kve[i];
	ATF_CHECK_EQ(VM_PROT_READ, k->kve_protection);
	ATF_CHECK_EQ(RW, k->kve_max_protection);
	ATF_CHECK_EQ(0, vm_mprotect(vs, a, PG, RW));
	ATF_CHECK_EQ(EACCES, vm_mprotect(vs, a, PG, RW | VM_PROT_EXEC));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Lengths that cannot fit: rounding up to a page wraps (kern_mmap's
 * "rounding up to zero" check, ENOMEM) or no space is that large
 * (KERN_NO_SPACE, ENOMEM).
 */
ATF_TC_WITHOUT_HEAD(mmap__huge_length);
ATF_TC_BODY(mmap__huge_length, tc)
{
	struct vmspace *vs;

	boot();
	vs = vs_new();
	MMAP_FAILS(vs, 0, UINT64_MAX, RW, ANON_PRIV, -1, 0, ENOMEM);
	MMAP_FAILS(vs, 0, UINT64_MAX - PG + 2, RW, ANON_PRIV, -1, 0, ENOMEM);
	MMAP_FAILS(vs, 0, UINT64_MAX - PG + 1, RW, ANON_PRIV, -1, 0, ENOMEM);
	MMAP_FAILS(vs, 0, (vm_size_t)1 << 62, RW, ANON_PRIV, -1, 0, ENOMEM);
	MMAP_FAILS(vs, 0, VM_MAX_USER_ADDRESS, RW, ANON_PRIV, -1, 0, ENOMEM);
	ATF_CHECK_EQ(0, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/* A fixed address must be page aligned (EINVAL). */
ATF_TC_WITHOUT_HEAD(mmap__fixed_unaligned);
ATF_TC_BODY(mmap__fixed_unaligned, tc)
{
	struct vmspace *vs;
	vm_offset_t base = 0x20000000000;

	boot();
	vs = vs_new();
	MMAP_FAILS(vs, base + 1, PG, RW, ANON_PRIV | VM_MAP_FIXED, -1, 0,
	    EINVAL);
	MMAP_FAILS(vs, base + 2048, PG, RW, ANON_PRIV | VM_MAP_FIXED, -1, 0,
	    EINVAL);
	MMAP_FAILS(vs, base + PG - 1, PG, RW, ANON_PRIV | VM_MAP_FIXED, -1, 0,
	    EINVAL);
	MMAP_FAILS(vs, base + 1, PG, VM_PROT_NONE,
	    VM_MAP_GUARD | VM_MAP_FIXED, -1, 0, EINVAL);
	ATF_CHECK_EQ(0, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * mmap__map_at_zero with map_at_zero off: page 0 can never be mapped, nor
 * can anything reach past the top of the user range.
 */
ATF_TC_WITHOUT_HEAD(mmap__map_at_zero);
ATF_TC_BODY(mmap__map_at_zero, tc)
{
	static const struct {
		vm_offset_t	addr;
		vm_size_t	len;
		int		ok;
	} t[] = {
		{ 0,					PG,	0 },
		{ 1,					PG,	0 },
		{ VM_PAGE_SIZE - 1,			PG,	0 },
		{ VM_PAGE_SIZE,				PG,	1 },
		{ (vm_offset_t)-1,			PG,	0 },
		{ (vm_offset_t)0 - VM_PAGE_SIZE,	PG,	0 },
		{ (vm_offset_t)-1 - VM_PAGE_SIZE,	PG,	0 },
		{ (vm_offset_t)-1 - VM_PAGE_SIZE - 1,	PG,	0 },
		{ 0x1000 * (vm_offset_t)VM_PAGE_SIZE,	PG,	1 },
		{ VM_MAX_USER_ADDRESS - VM_PAGE_SIZE,	PG,	1 },
		{ VM_MAX_USER_ADDRESS - VM_PAGE_SIZE,	2 * PG,	0 },
		{ VM_MAX_USER_ADDRESS,			PG,	0 },
		{ 0,					2 * PG,	0 },
	};
	struct vmspace *vs;
	vm_offset_t a;
	size_t i, n;
	int error;

	boot();
	vs = vs_new();
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		a = t[i].addr;
		error = vm_mmap(vs, &a, t[i].len, RW, VM_MAP_ANON |
		    VM_MAP_FIXED, -1, 0);
		if (t[i].ok) {
			ATF_CHECK_MSG(error == 0 && a == t[i].addr,
			    "fixed mmap at %#jx len %#jx: error %d addr %#jx",
			    (uintmax_t)t[i].addr, (uintmax_t)t[i].len, error,
			    (uintmax_t)a);
			if (error == 0) {
				ACCESS_OK(vs, a, VM_PROT_WRITE);
				ATF_CHECK_EQ(0, vm_munmap(vs, a, t[i].len));
			}
		} else {
			ATF_CHECK_MSG(error == EINVAL, "fixed mmap at %#jx len "
			    "%#jx: error %d, want EINVAL", (uintmax_t)t[i].addr,
			    (uintmax_t)t[i].len, error);
		}
	}
	n = PSTAT(vs);
	ATF_CHECK_EQ(0, n);
	MAPERR(vs, 0, VM_PROT_READ);
	MAPERR(vs, PG - 1, VM_PROT_WRITE);
	vmspace_release(vs);
	vm_shutdown();
}

/* Without MAP_FIXED, hints in page 0 (or none) never give page 0. */
ATF_TC_WITHOUT_HEAD(mmap__hint_never_page0);
ATF_TC_BODY(mmap__hint_never_page0, tc)
{
	static const vm_offset_t hints[] = { 0, 1, VM_PAGE_SIZE - 1 };
	struct vmspace *vs;
	vm_offset_t a;
	size_t i;
	int k;

	boot();
	set_aslr(0);
	vs = vs_new();
	for (k = 0; k < 8; k++)
		for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
			a = MAP(vs, hints[i], PG, RW, ANON_PRIV);
			ATF_CHECK_MSG(a >= VM_MIN_USER_ADDRESS,
			    "hint %#jx gave %#jx", (uintmax_t)hints[i],
			    (uintmax_t)a);
		}
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * A hint is used when the space there is free (address randomisation
 * off: with it on, FreeBSD's vm_map_find adds a random gap even to
 * hinted requests; and above the data segment's largest extent, below
 * which kern_mmap moves hints); an unaligned hint is rounded up to its page; an
 * occupied hint moves the mapping elsewhere; a hint above all free space
 * still succeeds (vm_map_find_min retries from the bottom).
 */
ATF_TC_WITHOUT_HEAD(mmap__hint);
ATF_TC_BODY(mmap__hint, tc)
{
	struct vmspace *vs;
	vm_offset_t h = 0x200000000000, a, b;

	boot();
	set_aslr(0);
	vs = vs_new();
	a = MAP(vs, h, 4 * PG, RW, ANON_PRIV);
	ATF_CHECK_EQ(h, a);
	a = MAP(vs, h + 0x100000 + 0x123, PG, RW, ANON_PRIV);
	ATF_CHECK_EQ(h + 0x101000, a);

	/* Occupied: somewhere else, overlapping nothing. */
	b = MAP(vs, h + PG, 2 * PG, RW, ANON_PRIV);
	ATF_CHECK(b + 2 * PG <= h || b >= h + 4 * PG);
	FILL(vs, h, 4 * PG, 1);
	FILL(vs, b, 2 * PG, 2);
	EXPECT_FILL(vs, h, 4 * PG, 1);

	/* Above all free space. */
	b = MAP(vs, VM_MAX_USER_ADDRESS - PG, 4 * PG, RW, ANON_PRIV);
	ATF_CHECK(b + 4 * PG <= VM_MAX_USER_ADDRESS);
	EXPECT_FILL(vs, b, 4 * PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- mmap: fixed mappings ------------------------------------------------ */

/* MAP_FIXED without MAP_EXCL replaces what was there. */
ATF_TC_WITHOUT_HEAD(mmap__fixed_replaces);
ATF_TC_BODY(mmap__fixed_replaces, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	FILL(vs, a, 4 * PG, 0xaa);
	MAP(vs, a + PG, 2 * PG, VM_PROT_READ, ANON_PRIV | VM_MAP_FIXED);
	EXPECT_FILL(vs, a, PG, 0xaa);
	EXPECT_FILL(vs, a + PG, 2 * PG, 0);
	EXPECT_FILL(vs, a + 3 * PG, PG, 0xaa);
	ACCERR(vs, a + PG, VM_PROT_WRITE);
	ACCESS_OK(vs, a + 3 * PG, VM_PROT_WRITE);
	n = PSTAT(vs);
	ATF_CHECK_EQ(3, n);
	i = kve_find(n, a + PG);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(a + PG, kve[i].kve_start);
	ATF_CHECK_EQ(a + 3 * PG, kve[i].kve_end);
	ATF_CHECK_EQ(VM_PROT_READ, kve[i].kve_protection);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MAP_FIXED | MAP_EXCL over an occupied range fails and changes nothing.
 * FreeBSD's manual says EINVAL; its code (vm_map_insert's KERN_NO_SPACE
 * through vm_mmap_to_errno) returns ENOMEM, which libvm follows.
 */
ATF_TC_WITHOUT_HEAD(mmap__fixed_excl);
ATF_TC_BODY(mmap__fixed_excl, tc)
{
	struct vm_kinfo_vmentry before[4];
	struct vmspace *vs;
	vm_offset_t a = 0x40000000000;
	size_t n, n2;

	boot();
	vs = vs_new();
	MAP(vs, a, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL);
	FILL(vs, a, 2 * PG, 0x11);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	memcpy(before, kve, sizeof(before));

	/* Entirely inside, overlapping the end, overlapping the start. */
	MMAP_FAILS(vs, a, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL,
	    -1, 0, ENOMEM);
	MMAP_FAILS(vs, a + PG, 2 * PG, RW,
	    ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL, -1, 0, ENOMEM);
	MMAP_FAILS(vs, a - PG, 2 * PG, VM_PROT_READ,
	    ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL, -1, 0, ENOMEM);
	MMAP_FAILS(vs, a - PG, 4 * PG, VM_PROT_NONE,
	    VM_MAP_GUARD | VM_MAP_FIXED | VM_MAP_EXCL, -1, 0, ENOMEM);

	n2 = PSTAT(vs);
	ATF_CHECK_EQ(1, n2);
	ATF_CHECK_EQ(before[0].kve_start, kve[0].kve_start);
	ATF_CHECK_EQ(before[0].kve_end, kve[0].kve_end);
	ATF_CHECK_EQ(before[0].kve_protection, kve[0].kve_protection);
	EXPECT_FILL(vs, a, 2 * PG, 0x11);
	MAPERR(vs, a - PG, VM_PROT_READ);
	MAPERR(vs, a + 2 * PG, VM_PROT_READ);

	/* The free neighbours are still free for MAP_EXCL. */
	MAP(vs, a + 2 * PG, PG, RW, ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL);
	MAP(vs, a - PG, PG, RW, ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL);
	EXPECT_FILL(vs, a - PG, PG, 0);
	EXPECT_FILL(vs, a, 2 * PG, 0x11);
	EXPECT_FILL(vs, a + 2 * PG, PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- mmap: MAP_GUARD ----------------------------------------------------- */

/*
 * A guard reserves address space that can be neither accessed nor opened
 * by mprotect (vm_map_protect skips guard entries, so the call succeeds
 * and the range stays inaccessible).
 */
ATF_TC_WITHOUT_HEAD(mmap__guard);
ATF_TC_BODY(mmap__guard, tc)
{
	struct vmspace *vs;
	vm_offset_t g, f;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	g = MAP(vs, 0, 4 * PG, VM_PROT_NONE, VM_MAP_GUARD);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(g, kve[0].kve_start);
	ATF_CHECK_EQ(g + 4 * PG, kve[0].kve_end);
	ATF_CHECK_EQ(VM_KVME_TYPE_GUARD, kve[0].kve_type);
	ATF_CHECK_EQ(VM_PROT_NONE, kve[0].kve_protection);
	ATF_CHECK_EQ(VM_PROT_NONE, kve[0].kve_max_protection);

	ACCERR(vs, g, VM_PROT_READ);
	ACCERR(vs, g + PG, VM_PROT_WRITE);
	ACCERR(vs, g + 3 * PG, VM_PROT_EXEC);
	ATF_CHECK_EQ(EFAULT, vm_copyout(vs, "x", g + 2 * PG, 1));

	ATF_CHECK_EQ(0, vm_mprotect(vs, g, 4 * PG, RWX));
	ACCERR(vs, g, VM_PROT_READ);
	ACCERR(vs, g + PG, VM_PROT_WRITE);
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(1, n);
	ATF_CHECK_EQ(VM_PROT_NONE, kve[0].kve_protection);

	/* Fixed guards, alone and replacing a mapping. */
	f = MAP(vs, 0x50000000000, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	FILL(vs, f, 2 * PG, 1);
	MAP(vs, f + PG, PG, VM_PROT_NONE, VM_MAP_GUARD | VM_MAP_FIXED);
	EXPECT_FILL(vs, f, PG, 1);
	ACCERR(vs, f + PG, VM_PROT_READ);
	n = PSTAT(vs);
	i = kve_find(n, f + PG);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(VM_KVME_TYPE_GUARD, kve[i].kve_type);
	MAP(vs, 0x50000100000, PG, VM_PROT_NONE,
	    VM_MAP_GUARD | VM_MAP_FIXED | VM_MAP_EXCL);

	/* Unmapping a guard frees its range. */
	ATF_CHECK_EQ(0, vm_munmap(vs, g, 4 * PG));
	MAPERR(vs, g, VM_PROT_READ);
	MAP(vs, g, 4 * PG, RW, ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL);
	EXPECT_FILL(vs, g, 4 * PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MAP_GUARD takes PROT_NONE, fd -1, offset 0 and no flags but MAP_FIXED,
 * MAP_EXCL, MAP_32BIT and MAP_ALIGNED (kern_mmap).
 */
ATF_TC_WITHOUT_HEAD(mmap__guard_bad_arguments);
ATF_TC_BODY(mmap__guard_bad_arguments, tc)
{
	static const int badflags[] = { VM_MAP_PRIVATE, VM_MAP_SHARED,
	    VM_MAP_ANON, VM_MAP_STACK, VM_MAP_NOCORE, VM_MAP_NOSYNC,
	    VM_MAP_PREFAULT_READ, VM_MAP_ANON | VM_MAP_PRIVATE };
	struct vmspace *vs;
	vm_offset_t a;
	size_t i;

	boot();
	vs = vs_new();
	MMAP_FAILS(vs, 0, PG, VM_PROT_READ, VM_MAP_GUARD, -1, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, RW, VM_MAP_GUARD, -1, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, VM_PROT_EXEC, VM_MAP_GUARD, -1, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, VM_PROT_NONE, VM_MAP_GUARD, 3, 0, EINVAL);
	MMAP_FAILS(vs, 0, PG, VM_PROT_NONE, VM_MAP_GUARD, -1, (off_t)PG,
	    EINVAL);
	for (i = 0; i < sizeof(badflags) / sizeof(badflags[0]); i++)
		MMAP_FAILS(vs, 0, PG, VM_PROT_NONE, VM_MAP_GUARD | badflags[i],
		    -1, 0, EINVAL);
	ATF_CHECK_EQ(0, PSTAT(vs));

	a = MAP(vs, 0, PG, VM_PROT_NONE, VM_MAP_GUARD | VM_MAP_32BIT);
	ATF_CHECK(a + PG <= TWO_GB);
	a = MAP(vs, 0, PG, VM_PROT_NONE, VM_MAP_GUARD | VM_MAP_ALIGNED(16));
	ATF_CHECK_EQ(0, a % ((vm_offset_t)1 << 16));
	vmspace_release(vs);
	vm_shutdown();
}

/* A mapping of a descriptor with fd -1 (or one never opened) is EBADF. */
ATF_TC_WITHOUT_HEAD(mmap__ebadf);
ATF_TC_BODY(mmap__ebadf, tc)
{
	struct vmspace *vs;

	boot();
	vs = vs_new();
	MMAP_FAILS(vs, 0, PG, RW, VM_MAP_PRIVATE, -1, 0, EBADF);
	MMAP_FAILS(vs, 0, PG, RW, VM_MAP_SHARED, -1, 0, EBADF);
	MMAP_FAILS(vs, 0, PG, VM_PROT_READ, 0, -1, 0, EBADF);
	MMAP_FAILS(vs, 0, PG, RW, VM_MAP_PRIVATE, 1000, 0, EBADF);
	MMAP_FAILS(vs, 0x10000000000, PG, RW, VM_MAP_SHARED | VM_MAP_FIXED,
	    1000, 0, EBADF);
	ATF_CHECK_EQ(0, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- mmap: other flags --------------------------------------------------- */

/*
 * MAP_STACK implies MAP_ANON, needs PROT_READ|PROT_WRITE and fd -1, and
 * makes a region that grows down from its top (mmap(2)).
 */
ATF_TC_WITHOUT_HEAD(mmap__stack);
ATF_TC_BODY(mmap__stack, tc)
{
	struct vmspace *vs;
	vm_offset_t a, s, cover;
	vm_size_t len = 1u << 20;
	size_t n, k;
	int i;

	boot();
	vs = vs_new();
	MMAP_FAILS(vs, 0, len, VM_PROT_READ, VM_MAP_STACK | ANON_PRIV, -1, 0,
	    EINVAL);
	MMAP_FAILS(vs, 0, len, VM_PROT_WRITE, VM_MAP_STACK | ANON_PRIV, -1, 0,
	    EINVAL);
	MMAP_FAILS(vs, 0, len, VM_PROT_NONE, VM_MAP_STACK | ANON_PRIV, -1, 0,
	    EINVAL);
	MMAP_FAILS(vs, 0, len, RW, VM_MAP_STACK | VM_MAP_PRIVATE, 3, 0,
	    EINVAL);
	ATF_CHECK_EQ(0, PSTAT(vs));

	a = MAP(vs, 0, len, RW, VM_MAP_STACK | ANON_PRIV);
	/* The top is usable at once and zero. */
	EXPECT_FILL(vs, a + len - PG, PG, 0);
	FILL(vs, a + len - PG, PG, 0x33);
	n = PSTAT(vs);
	i = kve_find(n, a + len - 1);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK_EQ(a + len, kve[i].kve_end);
	ATF_CHECK((kve[i].kve_flags & VM_KVME_FLAG_GROWS_DOWN) != 0);
	ATF_CHECK_EQ(RW, kve[i].kve_protection);
	/* The whole range is reserved, with no hole. */
	for (cover = a, k = 0; k < n && cover < a + len; k++)
		if (kve[k].kve_start == cover)
			cover = kve[k].kve_end;
	ATF_CHECK_MSG(cover == a + len, "stack [%#jx, %#jx) covered up to "
	    "%#jx", (uintmax_t)a, (uintmax_t)(a + len), (uintmax_t)cover);

	/* It grows down on access; its lowest page stays a guard. */
	ACCESS_OK(vs, a + len / 2, VM_PROT_WRITE);
	EXPECT_FILL(vs, a + len / 2 + PG, PG, 0);
	FILL(vs, a + len / 2, PG, 0x44);
	EXPECT_FILL(vs, a + len / 2, PG, 0x44);
	EXPECT_FILL(vs, a + len - PG, PG, 0x33);
	ACCERR(vs, a, VM_PROT_WRITE);

	/* A fork copies the stack as it has grown; each side grows alone. */
	{
		struct vmspace *child;

		ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
		EXPECT_FILL(child, a + len - PG, PG, 0x33);
		EXPECT_FILL(child, a + len / 2, PG, 0x44);
		FILL(child, a + len / 4, PG, 0x55);
		EXPECT_FILL(child, a + len / 4, PG, 0x55);
		FILL(child, a + len - PG, PG, 0x66);
		EXPECT_FILL(vs, a + len - PG, PG, 0x33);
		ACCERR(child, a, VM_PROT_READ);
		vmspace_release(child);
	}

	/* MAP_STACK without MAP_ANON is anonymous. */
	s = MAP(vs, 0, 256u << 10, RW, VM_MAP_STACK | VM_MAP_PRIVATE);
	EXPECT_FILL(vs, s + (256u << 10) - PG, PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/* MAP_NOCORE is visible as KVME_FLAG_NOCOREDUMP; plain mappings lack it. */
ATF_TC_WITHOUT_HEAD(mmap__nocore);
ATF_TC_BODY(mmap__nocore, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	a = MAP(vs, 0, 2 * PG, RW, ANON_PRIV | VM_MAP_NOCORE);
	b = ANON(vs, 2 * PG, RW);
	FILL(vs, a, 2 * PG, 4);
	EXPECT_FILL(vs, a, 2 * PG, 4);
	n = PSTAT(vs);
	i = kve_find(n, a);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK((kve[i].kve_flags & VM_KVME_FLAG_NOCOREDUMP) != 0);
	i = kve_find(n, b);
	ATF_REQUIRE(i >= 0);
	ATF_CHECK((kve[i].kve_flags & VM_KVME_FLAG_NOCOREDUMP) == 0);
	vmspace_release(vs);
	vm_shutdown();
}

/* MAP_NOSYNC and MAP_PREFAULT_READ are accepted on anonymous memory. */
ATF_TC_WITHOUT_HEAD(mmap__nosync_prefault_read);
ATF_TC_BODY(mmap__nosync_prefault_read, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b, c;

	boot();
	vs = vs_new();
	a = MAP(vs, 0, 4 * PG, RW, ANON_PRIV | VM_MAP_NOSYNC);
	b = MAP(vs, 0, 4 * PG, VM_PROT_READ, ANON_PRIV | VM_MAP_PREFAULT_READ);
	c = MAP(vs, 0, 4 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED |
	    VM_MAP_NOSYNC | VM_MAP_PREFAULT_READ);
	EXPECT_FILL(vs, a, 4 * PG, 0);
	EXPECT_FILL(vs, b, 4 * PG, 0);
	EXPECT_FILL(vs, c, 4 * PG, 0);
	FILL(vs, a, 4 * PG, 1);
	FILL(vs, c, 4 * PG, 2);
	EXPECT_FILL(vs, a, 4 * PG, 1);
	EXPECT_FILL(vs, c, 4 * PG, 2);
	ACCERR(vs, b, VM_PROT_WRITE);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MAP_32BIT places mappings entirely below 2 GiB (overriding a higher
 * hint); a fixed MAP_32BIT mapping reaching past 2 GiB is EINVAL.
 */
ATF_TC_WITHOUT_HEAD(mmap__32bit);
ATF_TC_BODY(mmap__32bit, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	int k;

	boot();
	vs = vs_new();
	for (k = 0; k < 16; k++) {
		a = MAP(vs, 0, 16 * PG, RW, ANON_PRIV | VM_MAP_32BIT);
		ATF_CHECK_MSG(a + 16 * PG <= TWO_GB, "MAP_32BIT gave %#jx",
		    (uintmax_t)a);
	}
	a = MAP(vs, 0x400000000, 16 * PG, RW, ANON_PRIV | VM_MAP_32BIT);
	ATF_CHECK_MSG(a + 16 * PG <= TWO_GB, "MAP_32BIT with a high hint gave "
	    "%#jx", (uintmax_t)a);
	a = MAP(vs, 0, SUPERPAGE * 2, RW, ANON_PRIV | VM_MAP_32BIT |
	    VM_MAP_ALIGNED_SUPER);
	ATF_CHECK(a + SUPERPAGE * 2 <= TWO_GB);
	FILL(vs, a, PG, 1);

	MMAP_FAILS(vs, TWO_GB - PG, 2 * PG, RW,
	    ANON_PRIV | VM_MAP_FIXED | VM_MAP_32BIT, -1, 0, EINVAL);
	MMAP_FAILS(vs, TWO_GB, PG, RW,
	    ANON_PRIV | VM_MAP_FIXED | VM_MAP_32BIT, -1, 0, EINVAL);
	a = MAP(vs, TWO_GB - PG, PG, RW,
	    ANON_PRIV | VM_MAP_FIXED | VM_MAP_32BIT);
	ACCESS_OK(vs, a, VM_PROT_WRITE);
	/* Without MAP_32BIT the same range is fine. */
	MAP(vs, TWO_GB, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * MAP_ALIGNED(n) aligns the address to 2^n for 12 <= n < 64; other n
 * are EINVAL.  MAP_ALIGNED_SUPER aligns a mapping of at least a
 * superpage to the superpage size (2 MiB).
 */
ATF_TC_WITHOUT_HEAD(mmap__aligned);
ATF_TC_BODY(mmap__aligned, tc)
{
	static const int good[] = { 12, 13, 16, 20, 21, 22, 24, 30, 32 };
	static const int bad[] = { 2, 3, 8, 11, 64, 65, 100, 128, 255 };
	struct vmspace *vs;
	vm_offset_t a;
	size_t i;
	int k;

	boot();
	vs = vs_new();
	for (k = 0; k < 2; k++)
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			a = MAP(vs, 0, 3 * PG, RW,
			    ANON_PRIV | VM_MAP_ALIGNED(good[i]));
			ATF_CHECK_MSG(a % ((vm_offset_t)1 << good[i]) == 0,
			    "MAP_ALIGNED(%d) gave %#jx", good[i],
			    (uintmax_t)a);
			ACCESS_OK(vs, a + 2 * PG, VM_PROT_WRITE);
		}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		MMAP_FAILS(vs, 0, PG, RW, ANON_PRIV |
		    (int)((unsigned)bad[i] << VM_MAP_ALIGNMENT_SHIFT), -1, 0,
		    EINVAL);

	for (k = 0; k < 4; k++) {
		a = MAP(vs, 0, 2 * SUPERPAGE, RW,
		    ANON_PRIV | VM_MAP_ALIGNED_SUPER);
		ATF_CHECK_MSG(a % SUPERPAGE == 0, "MAP_ALIGNED_SUPER gave "
		    "%#jx", (uintmax_t)a);
		FILL(vs, a + SUPERPAGE, PG, 9);
	}
	a = MAP(vs, 0, 3 * SUPERPAGE, RW, VM_MAP_ANON | VM_MAP_SHARED |
	    VM_MAP_ALIGNED_SUPER);
	ATF_CHECK_EQ(0, a % SUPERPAGE);
	/* A misaligned hint does not defeat the alignment. */
	a = MAP(vs, 0x200000000000 + 3 * PG, 4 * PG, RW,
	    ANON_PRIV | VM_MAP_ALIGNED(20));
	ATF_CHECK_MSG(a % ((vm_offset_t)1 << 20) == 0, "MAP_ALIGNED(20) with "
	    "a hint gave %#jx", (uintmax_t)a);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Address space is cheap: a terabyte of private and 64 GiB of shared
 * anonymous memory map at once (no memory is committed until touched,
 * FreeBSD's default vm.overcommit), and their far ends are usable.
 */
ATF_TC_WITHOUT_HEAD(mmap__huge_reservation);
ATF_TC_BODY(mmap__huge_reservation, tc)
{
	struct vmspace *vs;
	vm_offset_t a, s;
	vm_size_t tb = (vm_size_t)1 << 40, big = (vm_size_t)64 << 30;
	size_t n;
	int i;

	boot();
	vs = vs_new();
	a = ANON(vs, tb, RW);
	s = MAP(vs, 0, big, RW, VM_MAP_ANON | VM_MAP_SHARED);
	FILL(vs, a, PG, 1);
	FILL(vs, a + tb - PG, PG, 2);
	FILL(vs, a + tb / 2, PG, 3);
	FILL(vs, s + big - PG, PG, 4);
	EXPECT_FILL(vs, a, PG, 1);
	EXPECT_FILL(vs, a + tb - PG, PG, 2);
	EXPECT_FILL(vs, a + tb / 2, PG, 3);
	EXPECT_FILL(vs, a + tb / 2 + PG, PG, 0);
	EXPECT_FILL(vs, s + big - PG, PG, 4);
	n = PSTAT(vs);
	i = kve_find(n, a + tb - 1);
	ATF_REQUIRE(i >= 0);
	if (kve[i].kve_resident != 4)
		kve_dump(n);
	ATF_CHECK_EQ(4, kve[i].kve_resident);	/* three written, one read */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, tb));
	MAPERR(vs, a + tb - PG, VM_PROT_READ);
	EXPECT_FILL(vs, s + big - PG, PG, 4);
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- munmap -------------------------------------------------------------- */

/*
 * munmap: a zero length, page 0 and ranges past the top of the user
 * range are EINVAL (kern_munmap, vm_map_range_valid).
 */
ATF_TC_WITHOUT_HEAD(munmap__bad_arguments);
ATF_TC_BODY(munmap__bad_arguments, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	ATF_CHECK_EQ(EINVAL, vm_munmap(vs, a, 0));
	ATF_CHECK_EQ(EINVAL, vm_munmap(vs, 0, PG));
	ATF_CHECK_EQ(EINVAL, vm_munmap(vs, 0, 2 * PG));
	ATF_CHECK_EQ(EINVAL, vm_munmap(vs, VM_MAX_USER_ADDRESS - PG, 2 * PG));
	ATF_CHECK_EQ(EINVAL, vm_munmap(vs, VM_MAX_USER_ADDRESS, PG));
	ATF_CHECK_EQ(EINVAL, vm_munmap(vs, (vm_offset_t)0 - PG, PG));
	ATF_CHECK_EQ(EINVAL, vm_munmap(vs, a, UINT64_MAX - a));
	/* Nothing was unmapped. */
	FILL(vs, a, 2 * PG, 1);
	EXPECT_FILL(vs, a, 2 * PG, 1);
	ATF_CHECK_EQ(1, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/* Unmapping a range with nothing mapped succeeds (and so does twice). */
ATF_TC_WITHOUT_HEAD(munmap__unmapped_range);
ATF_TC_BODY(munmap__unmapped_range, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot();
	vs = vs_new();
	ATF_CHECK_EQ(0, vm_munmap(vs, 0x60000000000, 16 * PG));
	ATF_CHECK_EQ(0, vm_munmap(vs, VM_MIN_USER_ADDRESS, PG));
	ATF_CHECK_EQ(0, vm_munmap(vs, VM_MAX_USER_ADDRESS - PG, PG));
	a = ANON(vs, 2 * PG, RW);
	ATF_CHECK_EQ(0, vm_munmap(vs, a, 2 * PG));
	ATF_CHECK_EQ(0, vm_munmap(vs, a, 2 * PG));
	/* A range spanning mapped and unmapped parts. */
	a = MAP(vs, 0x61000000000, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	ATF_CHECK_EQ(0, vm_munmap(vs, a - 4 * PG, 8 * PG));
	MAPERR(vs, a, VM_PROT_READ);
	MAPERR(vs, a + PG, VM_PROT_READ);
	ATF_CHECK_EQ(0, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/* Unmapping part of a mapping leaves the rest intact. */
ATF_TC_WITHOUT_HEAD(munmap__partial);
ATF_TC_BODY(munmap__partial, tc)
{
	struct vmspace *vs;
	vm_offset_t a;
	size_t n;

	boot();
	vs = vs_new();
	a = ANON(vs, 5 * PG, RW);
	FILL(vs, a, 5 * PG, 0x77);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + 2 * PG, PG));
	EXPECT_FILL(vs, a, 2 * PG, 0x77);
	EXPECT_FILL(vs, a + 3 * PG, 2 * PG, 0x77);
	MAPERR(vs, a + 2 * PG, VM_PROT_READ);
	MAPERR(vs, a + 3 * PG - 1, VM_PROT_WRITE);
	/* Starting in the hole: nothing is written. */
	ATF_CHECK_EQ(EFAULT, vm_copyout(vs, "ab", a + 3 * PG - 1, 2));
	n = PSTAT(vs);
	ATF_REQUIRE_EQ(2, n);
	ATF_CHECK_EQ(a, kve[0].kve_start);
	ATF_CHECK_EQ(a + 2 * PG, kve[0].kve_end);
	ATF_CHECK_EQ(a + 3 * PG, kve[1].kve_start);
	ATF_CHECK_EQ(a + 5 * PG, kve[1].kve_end);

	/* The ends. */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, PG));
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + 4 * PG, PG));
	MAPERR(vs, a, VM_PROT_READ);
	MAPERR(vs, a + 4 * PG, VM_PROT_READ);
	EXPECT_FILL(vs, a + PG, PG, 0x77);
	EXPECT_FILL(vs, a + 3 * PG, PG, 0x77);

	/* A fresh mapping in the hole is zero. */
	MAP(vs, a + 2 * PG, PG, RW, ANON_PRIV | VM_MAP_FIXED | VM_MAP_EXCL);
	EXPECT_FILL(vs, a + 2 * PG, PG, 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * An unaligned start is rounded down to its page and the length grows by
 * the same amount (API.md, FreeBSD's kern_munmap).
 */
ATF_TC_WITHOUT_HEAD(munmap__unaligned_start);
ATF_TC_BODY(munmap__unaligned_start, tc)
{
	struct vmspace *vs;
	vm_offset_t a;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	FILL(vs, a, 4 * PG, 5);
	/* [a+PG+100, a+PG+110) covers page 1 only. */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + PG + 100, 10));
	EXPECT_FILL(vs, a, PG, 5);
	MAPERR(vs, a + PG, VM_PROT_READ);
	EXPECT_FILL(vs, a + 2 * PG, 2 * PG, 5);
	/* [a+3PG-1, a+3PG+1) covers pages 2 and 3. */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + 3 * PG - 1, 2));
	MAPERR(vs, a + 2 * PG, VM_PROT_READ);
	MAPERR(vs, a + 3 * PG, VM_PROT_READ);
	EXPECT_FILL(vs, a, PG, 5);
	ATF_CHECK_EQ(1, PSTAT(vs));
	vmspace_release(vs);
	vm_shutdown();
}

/* vm_copyin/vm_copyout fail with EFAULT on unmapped or protected memory. */
ATF_TC_WITHOUT_HEAD(mmap__copy_faults);
ATF_TC_BODY(mmap__copy_faults, tc)
{
	static uint8_t buf[2 * VM_PAGE_SIZE];
	struct vmspace *vs;
	vm_offset_t a, r, z;

	boot();
	vs = vs_new();
	a = MAP(vs, 0x70000000000, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	ATF_CHECK_EQ(0, vm_copyin(vs, a, buf, 2 * PG));
	ATF_CHECK_EQ(EFAULT, vm_copyin(vs, a + PG, buf, 2 * PG));
	ATF_CHECK_EQ(EFAULT, vm_copyout(vs, buf, a + PG + 1, PG));
	ATF_CHECK_EQ(EFAULT, vm_copyin(vs, 0, buf, 1));
	r = ANON(vs, PG, VM_PROT_READ);
	ATF_CHECK_EQ(0, vm_copyin(vs, r, buf, PG));
	ATF_CHECK_EQ(EFAULT, vm_copyout(vs, buf, r, 1));
	z = ANON(vs, PG, VM_PROT_NONE);
	ATF_CHECK_EQ(EFAULT, vm_copyin(vs, z, buf, 1));
	ATF_CHECK_EQ(EFAULT, vm_copyout(vs, buf, z, 1));
	vmspace_release(vs);
	vm_shutdown();
}

/* ---- releasing ----------------------------------------------------------- */

static void
release_cycle(void)
{
	struct vmspace *vs;
	vm_offset_t a, b;

	vs = vs_new();
	a = ANON(vs, 2u << 20, RW);
	FILL(vs, a, 2u << 20, 0xee);
	b = MAP(vs, 0, 256 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	FILL(vs, b, 256 * PG, 0xdd);
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a, 64 * PG));
	vmspace_release(vs);
}

/*
 * vmspace_release gives every page back: after a warm-up cycle (which
 * lets the zone allocator keep its slabs), further cycles that touch 768
 * pages leave vm.stats.vm.v_free_count where it was, give or take a few
 * pages of allocator slack.
 */
ATF_TC_WITHOUT_HEAD(vmspace__release_frees_pages);
ATF_TC_BODY(vmspace__release_frees_pages, tc)
{
	struct vmspace *vs;
	uint64_t before, during, after;
	vm_offset_t a;
	int k;

	boot();
	release_cycle();
	before = free_pages();
	vs = vs_new();
	a = ANON(vs, 2u << 20, RW);
	FILL(vs, a, 2u << 20, 1);
	during = free_pages();
	ATF_CHECK_MSG(during + 512 <= before, "touching 512 pages took only "
	    "%jd free pages", (intmax_t)(before - during));
	vmspace_release(vs);
	for (k = 0; k < 3; k++)
		release_cycle();
	after = free_pages();
	ATF_CHECK_MSG(after + 16 >= before, "free pages %ju before, %ju "
	    "after releasing: %jd lost", (uintmax_t)before, (uintmax_t)after,
	    (intmax_t)(before - after));
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mmap__anon_private);
	ATF_TP_ADD_TC(tp, mmap__anon_shared);
	ATF_TP_ADD_TC(tp, mmap__anon_without_sharing_flag);
	ATF_TP_ADD_TC(tp, mmap__write_only);
	ATF_TP_ADD_TC(tp, mmap__partial_page_length);
	ATF_TP_ADD_TC(tp, mmap__bad_prot);
	ATF_TP_ADD_TC(tp, mmap__bad_flags);
	ATF_TP_ADD_TC(tp, mmap__anon_fd_and_offset);
	ATF_TP_ADD_TC(tp, mmap__zero_length);
	ATF_TP_ADD_TC(tp, mmap__prot_max);
	ATF_TP_ADD_TC(tp, mmap__huge_length);
	ATF_TP_ADD_TC(tp, mmap__fixed_unaligned);
	ATF_TP_ADD_TC(tp, mmap__map_at_zero);
	ATF_TP_ADD_TC(tp, mmap__hint_never_page0);
	ATF_TP_ADD_TC(tp, mmap__hint);
	ATF_TP_ADD_TC(tp, mmap__fixed_replaces);
	ATF_TP_ADD_TC(tp, mmap__fixed_excl);
	ATF_TP_ADD_TC(tp, mmap__guard);
	ATF_TP_ADD_TC(tp, mmap__guard_bad_arguments);
	ATF_TP_ADD_TC(tp, mmap__ebadf);
	ATF_TP_ADD_TC(tp, mmap__stack);
	ATF_TP_ADD_TC(tp, mmap__nocore);
	ATF_TP_ADD_TC(tp, mmap__nosync_prefault_read);
	ATF_TP_ADD_TC(tp, mmap__32bit);
	ATF_TP_ADD_TC(tp, mmap__aligned);
	ATF_TP_ADD_TC(tp, mmap__huge_reservation);
	ATF_TP_ADD_TC(tp, munmap__bad_arguments);
	ATF_TP_ADD_TC(tp, munmap__unmapped_range);
	ATF_TP_ADD_TC(tp, munmap__partial);
	ATF_TP_ADD_TC(tp, munmap__unaligned_start);
	ATF_TP_ADD_TC(tp, mmap__copy_faults);
	ATF_TP_ADD_TC(tp, vmspace__release_frees_pages);
	return (atf_no_error());
}
