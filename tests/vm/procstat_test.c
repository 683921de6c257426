/*
 * Acceptance tests of vm_procstat(3), written from FreeBSD's
 * kern_proc_vmmap_out() and kern_proc_vmmap_resident() (procstat -v):
 * one record per map entry in address order with its bounds, protection,
 * maximum protection, inheritance, type (of the last object in the
 * shadow chain: anonymous memory is KVME_TYPE_DEFAULT or _SWAP, an entry
 * with no object yet KVME_TYPE_NONE, a guard KVME_TYPE_GUARD), flags,
 * resident pages (found anywhere in the chain), private resident pages
 * (those of the top object when it has no backing object) and the top
 * object's reference and shadow counts; the count query with a NULL
 * buffer and ENOMEM for a short one.
 *
 * Every case boots its own libvm (64 MiB) and shuts it down at the end.
 */
#include "api_test.h"

#define	ANON_TYPE(t)	((t) == VM_KVME_TYPE_DEFAULT || (t) == VM_KVME_TYPE_SWAP)

static inline __attribute__((__unused__)) const struct vm_kinfo_vmentry *
entry_l(int line, struct vmspace *vs, vm_offset_t va)
{
	size_t n;
	int i;

	n = pstat_l(line, vs);
	i = kve_find(n, va);
	if (i < 0)
		kve_dump(n);
	ATF_REQUIRE_MSG(i >= 0, "line %d: no entry at %#jx", line,
	    (uintmax_t)va);
	return (&kve[i]);
}
#define	ENTRY(vs, va)	entry_l(__LINE__, (vs), (va))

/* ---- procstat ------------------------------------------------------------ */

/* An empty address space has no entries. */
ATF_TC_WITHOUT_HEAD(procstat__empty);
ATF_TC_BODY(procstat__empty, tc)
{
	struct vmspace *vs;
	size_t n;

	boot();
	vs = vs_new();
	n = 99;
	ATF_REQUIRE_EQ(0, vm_procstat(vs, NULL, &n));
	ATF_CHECK_EQ(0, n);
	n = NKVE;
	ATF_REQUIRE_EQ(0, vm_procstat(vs, kve, &n));
	ATF_CHECK_EQ(0, n);
	n = 0;
	ATF_REQUIRE_EQ(0, vm_procstat(vs, kve, &n));
	ATF_CHECK_EQ(0, n);
	vmspace_release(vs);
	vm_shutdown();
}

/* Entries come in address order with their exact bounds. */
ATF_TC_WITHOUT_HEAD(procstat__order_and_bounds);
ATF_TC_BODY(procstat__order_and_bounds, tc)
{
	static const struct {
		vm_offset_t	start;
		vm_size_t	len;
		int		prot;
	} m[] = {
		{ 0x50000000000, 3 * VM_PAGE_SIZE, RW },
		{ 0x10000000000, 1 * VM_PAGE_SIZE, VM_PROT_READ },
		{ 0x30000000000, 5 * VM_PAGE_SIZE, RW },
		{ 0x10000002000, 2 * VM_PAGE_SIZE, VM_PROT_NONE },
		{ 0x7f000000000, 1 * VM_PAGE_SIZE, RWX },
	};
	static const int order[] = { 1, 3, 2, 0, 4 };
	struct vmspace *vs;
	size_t n, i, cnt;

	boot();
	vs = vs_new();
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		MAP(vs, m[i].start, m[i].len, m[i].prot,
		    ANON_PRIV | VM_MAP_FIXED);
	n = PSTAT(vs);
	if (n != 5)
		kve_dump(n);
	ATF_REQUIRE_EQ(5, n);
	for (i = 0; i < n; i++) {
		ATF_CHECK_EQ(m[order[i]].start, kve[i].kve_start);
		ATF_CHECK_EQ(m[order[i]].start + m[order[i]].len,
		    kve[i].kve_end);
		ATF_CHECK_EQ(m[order[i]].prot, kve[i].kve_protection);
		ATF_CHECK_EQ(RWX, kve[i].kve_max_protection);
		ATF_CHECK_EQ(VM_INHERIT_COPY, kve[i].kve_inheritance);
		ATF_CHECK_EQ(0, kve[i].kve_offset);
		ATF_CHECK_EQ('\0', kve[i].kve_path[0]);
		ATF_CHECK_EQ(0, kve[i].kve_resident);
		ATF_CHECK((kve[i].kve_flags & (VM_KVME_FLAG_COW |
		    VM_KVME_FLAG_NEEDS_COPY | VM_KVME_FLAG_NOCOREDUMP |
		    VM_KVME_FLAG_GROWS_DOWN | VM_KVME_FLAG_USER_WIRED)) == 0);
	}
	cnt = 0;
	ATF_REQUIRE_EQ(0, vm_procstat(vs, NULL, &cnt));
	ATF_CHECK_EQ(5, cnt);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * The count query, and a buffer too small: ENOMEM with as many records
 * as fit, in order.
 */
ATF_TC_WITHOUT_HEAD(procstat__count_and_short_buffer);
ATF_TC_BODY(procstat__count_and_short_buffer, tc)
{
	static struct vm_kinfo_vmentry small[3];
	struct vmspace *vs;
	vm_offset_t a = 0x10000000000;
	size_t n, i;

	boot();
	vs = vs_new();
	for (i = 0; i < 5; i++)
		MAP(vs, a + i * 4 * PG, PG, RW, ANON_PRIV | VM_MAP_FIXED);
	n = 0;
	ATF_REQUIRE_EQ(0, vm_procstat(vs, NULL, &n));
	ATF_CHECK_EQ(5, n);

	memset(small, 0, sizeof(small));
	n = 3;
	ATF_CHECK_EQ(ENOMEM, vm_procstat(vs, small, &n));
	ATF_CHECK_EQ(3, n);
	for (i = 0; i < 3; i++)
		ATF_CHECK_EQ(a + i * 4 * PG, small[i].kve_start);

	n = 5;
	ATF_CHECK_EQ(0, vm_procstat(vs, kve, &n));
	ATF_CHECK_EQ(5, n);
	n = NKVE;
	ATF_CHECK_EQ(0, vm_procstat(vs, kve, &n));
	ATF_CHECK_EQ(5, n);
	n = 0;
	ATF_CHECK_EQ(ENOMEM, vm_procstat(vs, kve, &n));
	ATF_CHECK_EQ(0, n);
	vmspace_release(vs);
	vm_shutdown();
}

/* Protection, maximum protection and inheritance of each kind of entry. */
ATF_TC_WITHOUT_HEAD(procstat__prot_and_inheritance);
ATF_TC_BODY(procstat__prot_and_inheritance, tc)
{
	struct vmspace *vs;
	vm_offset_t a, s, g, r;
	const struct vm_kinfo_vmentry *e;

	boot();
	vs = vs_new();
	a = ANON(vs, 2 * PG, RW);
	s = MAP(vs, 0, 2 * PG, VM_PROT_READ, VM_MAP_ANON | VM_MAP_SHARED);
	g = MAP(vs, 0, 2 * PG, VM_PROT_NONE, VM_MAP_GUARD);
	r = ANON(vs, 2 * PG, VM_PROT_READ | VM_PROT_EXEC);

	e = ENTRY(vs, a);
	ATF_CHECK_EQ(RW, e->kve_protection);
	ATF_CHECK_EQ(RWX, e->kve_max_protection);
	ATF_CHECK_EQ(VM_INHERIT_COPY, e->kve_inheritance);
	e = ENTRY(vs, s);
	ATF_CHECK_EQ(VM_PROT_READ, e->kve_protection);
	ATF_CHECK_EQ(RWX, e->kve_max_protection);
	ATF_CHECK_EQ(VM_INHERIT_SHARE, e->kve_inheritance);
	e = ENTRY(vs, g);
	ATF_CHECK_EQ(VM_PROT_NONE, e->kve_protection);
	ATF_CHECK_EQ(VM_PROT_NONE, e->kve_max_protection);
	e = ENTRY(vs, r);
	ATF_CHECK_EQ(VM_PROT_READ | VM_PROT_EXEC, e->kve_protection);

	ATF_REQUIRE_EQ(0, vm_mprotect(vs, a, 2 * PG, VM_PROT_NONE));
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a, 2 * PG, VM_INHERIT_ZERO));
	e = ENTRY(vs, a);
	ATF_CHECK_EQ(VM_PROT_NONE, e->kve_protection);
	ATF_CHECK_EQ(RWX, e->kve_max_protection);
	ATF_CHECK_EQ(VM_INHERIT_ZERO, e->kve_inheritance);
	ATF_REQUIRE_EQ(0, vm_minherit(vs, s, 2 * PG, VM_INHERIT_NONE));
	ATF_CHECK_EQ(VM_INHERIT_NONE, ENTRY(vs, s)->kve_inheritance);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Types: a fresh anonymous entry may have no object yet (NONE, with no
 * references and nothing resident) or an anonymous one; once touched it
 * is anonymous (DEFAULT or SWAP); a guard is GUARD, with no object.
 */
ATF_TC_WITHOUT_HEAD(procstat__types);
ATF_TC_BODY(procstat__types, tc)
{
	struct vmspace *vs;
	vm_offset_t a, s, g;
	const struct vm_kinfo_vmentry *e;

	boot();
	vs = vs_new();
	a = ANON(vs, 4 * PG, RW);
	s = MAP(vs, 0, 4 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	g = MAP(vs, 0, 4 * PG, VM_PROT_NONE, VM_MAP_GUARD);

	e = ENTRY(vs, a);
	ATF_CHECK_MSG(e->kve_type == VM_KVME_TYPE_NONE ||
	    ANON_TYPE(e->kve_type), "untouched private: type %d",
	    e->kve_type);
	if (e->kve_type == VM_KVME_TYPE_NONE) {
		ATF_CHECK_EQ(0, e->kve_ref_count);
		ATF_CHECK_EQ(0, e->kve_shadow_count);
	}
	ATF_CHECK_EQ(0, e->kve_resident);
	ATF_CHECK_EQ(0, e->kve_private_resident);
	e = ENTRY(vs, s);
	ATF_CHECK_MSG(e->kve_type == VM_KVME_TYPE_NONE ||
	    ANON_TYPE(e->kve_type), "untouched shared: type %d",
	    e->kve_type);
	ATF_CHECK_EQ(0, e->kve_resident);

	e = ENTRY(vs, g);
	ATF_CHECK_EQ(VM_KVME_TYPE_GUARD, e->kve_type);
	ATF_CHECK_EQ(0, e->kve_ref_count);
	ATF_CHECK_EQ(0, e->kve_shadow_count);
	ATF_CHECK_EQ(0, e->kve_resident);

	FILL(vs, a, PG, 1);
	FILL(vs, s, PG, 1);
	e = ENTRY(vs, a);
	ATF_CHECK_MSG(ANON_TYPE(e->kve_type), "touched private: type %d",
	    e->kve_type);
	ATF_CHECK_EQ(1, e->kve_ref_count);
	ATF_CHECK_EQ(0, e->kve_shadow_count);
	e = ENTRY(vs, s);
	ATF_CHECK_MSG(ANON_TYPE(e->kve_type), "touched shared: type %d",
	    e->kve_type);
	ATF_CHECK_EQ(1, e->kve_ref_count);
	e = ENTRY(vs, g);
	ATF_CHECK_EQ(VM_KVME_TYPE_GUARD, e->kve_type);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Resident counts: N touched pages of a private mapping are N resident
 * and N private resident pages; unmapping touched pages drops them.
 */
ATF_TC_WITHOUT_HEAD(procstat__resident);
ATF_TC_BODY(procstat__resident, tc)
{
	struct vmspace *vs;
	vm_offset_t a, r;
	const struct vm_kinfo_vmentry *e;
	size_t n, i;
	int total;

	boot();
	vs = vs_new();
	a = ANON(vs, 32 * PG, RW);
	for (i = 0; i < 32; i += 4)
		FILL(vs, a + i * PG, 1, 1);		/* 8 pages */
	e = ENTRY(vs, a);
	ATF_CHECK_EQ(8, e->kve_resident);
	ATF_CHECK_EQ(8, e->kve_private_resident);

	/* Reading untouched pages makes them resident too. */
	r = ANON(vs, 8 * PG, VM_PROT_READ);
	EXPECT_FILL(vs, r, 3 * PG, 0);
	e = ENTRY(vs, r);
	ATF_CHECK_EQ(3, e->kve_resident);
	ATF_CHECK_EQ(3, e->kve_private_resident);

	FILL(vs, a, 32 * PG, 2);
	e = ENTRY(vs, a);
	ATF_CHECK_EQ(32, e->kve_resident);
	ATF_CHECK_EQ(32, e->kve_private_resident);

	/* Unmap 8 touched pages from the middle: 24 remain, in two pieces. */
	ATF_REQUIRE_EQ(0, vm_munmap(vs, a + 8 * PG, 8 * PG));
	n = PSTAT(vs);
	total = 0;
	for (i = 0; i < n; i++)
		if (kve[i].kve_start >= a && kve[i].kve_end <= a + 32 * PG)
			total += kve[i].kve_resident;
	ATF_CHECK_EQ(24, total);
	e = ENTRY(vs, a);
	ATF_CHECK_EQ(8, e->kve_resident);
	e = ENTRY(vs, a + 16 * PG);
	ATF_CHECK_EQ(16, e->kve_resident);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * After a fork, a private entry is copy-on-write on both sides over one
 * object; a write on one side gives it a shadow object of its own
 * (FreeBSD: vm_map_copy_entry, vm_object_shadow; kve_ref_count and
 * kve_shadow_count are the top object's).
 */
ATF_TC_WITHOUT_HEAD(procstat__fork_copy_counts);
ATF_TC_BODY(procstat__fork_copy_counts, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a;
	struct vm_kinfo_vmentry p0, c0, p1, c1;

	boot();
	vs = vs_new();
	a = ANON(vs, 8 * PG, RW);
	FILL(vs, a, 4 * PG, 1);
	p0 = *ENTRY(vs, a);
	ATF_CHECK_EQ(1, p0.kve_ref_count);
	ATF_CHECK_EQ(0, p0.kve_shadow_count);
	ATF_CHECK_EQ(4, p0.kve_resident);
	ATF_CHECK_EQ(4, p0.kve_private_resident);
	ATF_CHECK((p0.kve_flags & (VM_KVME_FLAG_COW |
	    VM_KVME_FLAG_NEEDS_COPY)) == 0);

	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	p0 = *ENTRY(vs, a);
	c0 = *ENTRY(child, a);
	ATF_CHECK((p0.kve_flags & VM_KVME_FLAG_COW) != 0);
	ATF_CHECK((p0.kve_flags & VM_KVME_FLAG_NEEDS_COPY) != 0);
	ATF_CHECK((c0.kve_flags & VM_KVME_FLAG_COW) != 0);
	ATF_CHECK((c0.kve_flags & VM_KVME_FLAG_NEEDS_COPY) != 0);
	ATF_CHECK_EQ(a, c0.kve_start);
	ATF_CHECK_EQ(a + 8 * PG, c0.kve_end);
	ATF_CHECK_EQ(RW, c0.kve_protection);
	ATF_CHECK_MSG(p0.kve_ref_count >= 2 &&
	    p0.kve_ref_count == c0.kve_ref_count, "after fork: ref counts "
	    "%d (parent) and %d (child), want one shared object",
	    p0.kve_ref_count, c0.kve_ref_count);
	ATF_CHECK_EQ(4, p0.kve_resident);
	ATF_CHECK_EQ(4, c0.kve_resident);

	/* The parent writes: its entry gets a shadow of the shared object. */
	FILL(vs, a, PG, 2);
	p1 = *ENTRY(vs, a);
	c1 = *ENTRY(child, a);
	ATF_CHECK((p1.kve_flags & VM_KVME_FLAG_COW) != 0);
	ATF_CHECK((p1.kve_flags & VM_KVME_FLAG_NEEDS_COPY) == 0);
	ATF_CHECK((c1.kve_flags & VM_KVME_FLAG_NEEDS_COPY) != 0);
	ATF_CHECK_EQ(1, p1.kve_ref_count);
	ATF_CHECK_EQ(0, p1.kve_shadow_count);
	ATF_CHECK_EQ(1, c1.kve_shadow_count);
	ATF_CHECK_EQ(4, p1.kve_resident);
	ATF_CHECK_EQ(4, c1.kve_resident);
	ATF_CHECK(ANON_TYPE(p1.kve_type));
	ATF_CHECK(ANON_TYPE(c1.kve_type));
	EXPECT_FILL(child, a, PG, 1);
	EXPECT_FILL(vs, a, PG, 2);

	vmspace_release(child);
	EXPECT_FILL(vs, a, PG, 2);
	EXPECT_FILL(vs, a + PG, 3 * PG, 1);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * kve_private_resident is FreeBSD's: the resident pages of the entry's
 * top object when that object has no backing object, else 0
 * (kern_proc_vmmap_out).  After a fork and a write by the parent, the
 * parent's top object is a shadow (0) and the child's entry still maps
 * the original object, which has no backing object (its 4 pages).
 */
ATF_TC_WITHOUT_HEAD(procstat__private_resident_shadowed);
ATF_TC_BODY(procstat__private_resident_shadowed, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a;
	struct vm_kinfo_vmentry p1, c1;

	boot();
	vs = vs_new();
	a = ANON(vs, 8 * PG, RW);
	FILL(vs, a, 4 * PG, 1);
	ATF_CHECK_EQ(4, ENTRY(vs, a)->kve_private_resident);
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	FILL(vs, a, PG, 2);
	p1 = *ENTRY(vs, a);
	c1 = *ENTRY(child, a);
	ATF_CHECK_EQ_MSG(0, p1.kve_private_resident, "parent (top object "
	    "shadows another): private resident %d, FreeBSD reports 0",
	    p1.kve_private_resident);
	ATF_CHECK_EQ_MSG(4, c1.kve_private_resident, "child (top object has "
	    "no backing object, 4 resident pages): private resident %d",
	    c1.kve_private_resident);
	vmspace_release(child);
	vmspace_release(vs);
	vm_shutdown();
}

/* A shared entry after a fork: one object, two references, no COW. */
ATF_TC_WITHOUT_HEAD(procstat__fork_share_counts);
ATF_TC_BODY(procstat__fork_share_counts, tc)
{
	struct vmspace *vs, *child;
	vm_offset_t a, s;
	struct vm_kinfo_vmentry pe, ce;

	boot();
	vs = vs_new();
	s = MAP(vs, 0, 4 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED);
	a = ANON(vs, 4 * PG, RW);
	FILL(vs, s, 2 * PG, 1);
	FILL(vs, a, 2 * PG, 1);
	ATF_REQUIRE_EQ(0, vm_minherit(vs, a, 4 * PG, VM_INHERIT_SHARE));
	ATF_REQUIRE_EQ(0, vmspace_fork(vs, &child));
	pe = *ENTRY(vs, s);
	ce = *ENTRY(child, s);
	ATF_CHECK_EQ(2, pe.kve_ref_count);
	ATF_CHECK_EQ(2, ce.kve_ref_count);
	ATF_CHECK_EQ(0, pe.kve_shadow_count);
	ATF_CHECK((pe.kve_flags & (VM_KVME_FLAG_COW |
	    VM_KVME_FLAG_NEEDS_COPY)) == 0);
	ATF_CHECK((ce.kve_flags & (VM_KVME_FLAG_COW |
	    VM_KVME_FLAG_NEEDS_COPY)) == 0);
	ATF_CHECK_EQ(2, pe.kve_resident);
	ATF_CHECK_EQ(2, ce.kve_resident);
	ATF_CHECK_EQ(VM_INHERIT_SHARE, ce.kve_inheritance);
	pe = *ENTRY(vs, a);
	ce = *ENTRY(child, a);
	ATF_CHECK_EQ(2, pe.kve_ref_count);
	ATF_CHECK_EQ(2, ce.kve_ref_count);
	ATF_CHECK((ce.kve_flags & VM_KVME_FLAG_NEEDS_COPY) == 0);
	FILL(child, s + 2 * PG, PG, 3);
	ATF_CHECK_EQ(3, ENTRY(vs, s)->kve_resident);
	vmspace_release(child);
	ATF_CHECK_EQ(1, ENTRY(vs, s)->kve_ref_count);
	vmspace_release(vs);
	vm_shutdown();
}

/* Flags: MAP_NOCORE and MADV_NOCORE, MAP_STACK's grow-down entry. */
ATF_TC_WITHOUT_HEAD(procstat__flags);
ATF_TC_BODY(procstat__flags, tc)
{
	struct vmspace *vs;
	vm_offset_t a, b, st;
	vm_size_t sl = 512u << 10;
	const struct vm_kinfo_vmentry *e;

	boot();
	vs = vs_new();
	a = MAP(vs, 0, 2 * PG, RW, ANON_PRIV | VM_MAP_NOCORE);
	b = ANON(vs, 2 * PG, RW);
	st = MAP(vs, 0, sl, RW, ANON_PRIV | VM_MAP_STACK);
	ATF_CHECK((ENTRY(vs, a)->kve_flags & VM_KVME_FLAG_NOCOREDUMP) != 0);
	ATF_CHECK((ENTRY(vs, b)->kve_flags & VM_KVME_FLAG_NOCOREDUMP) == 0);
	ATF_REQUIRE_EQ(0, vm_madvise(vs, b, 2 * PG, VM_MADV_NOCORE));
	ATF_CHECK((ENTRY(vs, b)->kve_flags & VM_KVME_FLAG_NOCOREDUMP) != 0);
	ATF_REQUIRE_EQ(0, vm_madvise(vs, a, 2 * PG, VM_MADV_CORE));
	ATF_CHECK((ENTRY(vs, a)->kve_flags & VM_KVME_FLAG_NOCOREDUMP) == 0);
	e = ENTRY(vs, st + sl - PG);
	ATF_CHECK((e->kve_flags & VM_KVME_FLAG_GROWS_DOWN) != 0);
	ATF_CHECK((e->kve_flags & VM_KVME_FLAG_GROWS_UP) == 0);
	ATF_CHECK_EQ(st + sl, e->kve_end);
	e = ENTRY(vs, st);
	ATF_CHECK((e->kve_flags & VM_KVME_FLAG_GROWS_UP) == 0);
	vmspace_release(vs);
	vm_shutdown();
}

/*
 * Adjacent anonymous mappings that agree in everything are one entry
 * (vm_map_insert extends its neighbour); a different protection keeps
 * them apart.
 */
ATF_TC_WITHOUT_HEAD(procstat__adjacent_merge);
ATF_TC_BODY(procstat__adjacent_merge, tc)
{
	struct vmspace *vs;
	vm_offset_t a = 0x10000000000;
	size_t n;

	boot();
	vs = vs_new();
	MAP(vs, a, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	MAP(vs, a + 2 * PG, 2 * PG, RW, ANON_PRIV | VM_MAP_FIXED);
	n = PSTAT(vs);
	if (n != 1)
		kve_dump(n);
	ATF_CHECK_EQ_MSG(1, n, "two equal adjacent mappings not merged");
	MAP(vs, a + 4 * PG, 2 * PG, VM_PROT_READ, ANON_PRIV | VM_MAP_FIXED);
	n = PSTAT(vs);
	ATF_CHECK_EQ(2, n);
	MAP(vs, a + 6 * PG, 2 * PG, RW, VM_MAP_ANON | VM_MAP_SHARED |
	    VM_MAP_FIXED);
	n = PSTAT(vs);
	ATF_CHECK_EQ(3, n);
	vmspace_release(vs);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, procstat__empty);
	ATF_TP_ADD_TC(tp, procstat__order_and_bounds);
	ATF_TP_ADD_TC(tp, procstat__count_and_short_buffer);
	ATF_TP_ADD_TC(tp, procstat__prot_and_inheritance);
	ATF_TP_ADD_TC(tp, procstat__types);
	ATF_TP_ADD_TC(tp, procstat__resident);
	ATF_TP_ADD_TC(tp, procstat__fork_copy_counts);
	ATF_TP_ADD_TC(tp, procstat__private_resident_shadowed);
	ATF_TP_ADD_TC(tp, procstat__fork_share_counts);
	ATF_TP_ADD_TC(tp, procstat__flags);
	ATF_TP_ADD_TC(tp, procstat__adjacent_merge);
	return (atf_no_error());
}
