/*
 * A randomized model-based test of the address-space map (vm_map.c).
 *
 * Each case boots, forces the full consistency walk on every unlock
 * (vm.map_check_always) and drives one map over a small window with a
 * seeded random mix of vm_map_find (first fit and MAP_ALIGNED(n)),
 * vm_map_fixed (replacing, MAP_CHECK_EXCL, guards), vm_map_remove,
 * vm_map_protect (with and without set_max) and vm_map_inherit, plus
 * direct vm_map_findspace and vm_map_lookup_entry(_ge) probes.  A per-page
 * model over the window holds {mapped, guard, protection, max_protection,
 * inheritance}; it computes every expected return value and address, and
 * after each operation the map is compared with it page by page, along
 * with nentries, size (guards excluded) and the merge invariant (no two
 * adjacent entries with identical attributes: every operation merges at
 * each boundary it touches, and vm_map_insert with both neighbours, so the
 * invariant holds after every operation).
 *
 * The model follows FreeBSD's rules:
 * - find: the lowest free run at or above the hint, else the lowest in the
 *   whole map (the hint rule); aligned: the lowest aligned such run.
 * - protect: KERN_PROTECTION_FAILURE, nothing changed, if a non-guard
 *   mapped page of the range has a maximum lacking a bit of new_prot;
 *   guards and holes are skipped; set_max sets the maximum to new_prot and
 *   clips the protection.
 * - inherit: guards never become VM_INHERIT_ZERO (vm_map_inherit).
 */
#include "vm_test_util.h"

#include <vm/vm_map.h>

#include <limits.h>

/* ---- the model ---------------------------------------------------------- */

/* A page's attributes packed: 0 is "unmapped". */
#define	PG_MAPPED	0x8000
#define	PG_GUARD	0x4000
#define	PG_PROT(p)	((uint16_t)((p) & 7))
#define	PG_MAX(p)	((uint16_t)(((p) >> 3) & 7))
#define	PG_INH(p)	((uint16_t)(((p) >> 6) & 3))
#define	PG_MAKE(g, prot, max, inh)					\
	((uint16_t)(PG_MAPPED | ((g) ? PG_GUARD : 0) | ((prot) & 7) |	\
	    (((max) & 7) << 3) | (((inh) & 3) << 6)))

#define	MAXPG	4096

enum op {
	OP_FIND, OP_FIND_ALIGNED, OP_FIXED, OP_FIXED_EXCL, OP_FIXED_GUARD,
	OP_REMOVE, OP_PROTECT, OP_PROTECT_MAX, OP_INHERIT, OP_FINDSPACE,
	OP_LOOKUP, OP_NOPS
};

static const char *const op_names[OP_NOPS] = {
	"find", "find_aligned", "fixed", "fixed_excl", "fixed_guard",
	"remove", "protect", "protect_max", "inherit", "findspace", "lookup",
};

struct mt {
	struct vm_map	m;
	vm_offset_t	lo, hi;
	u_int		npg;
	uint64_t	seed;
	uint16_t	model[MAXPG];
	uint16_t	seen[MAXPG];
	u_long		mapped_nonguard;	/* pages, for size */
	u_int		nfree;			/* unmapped pages */
	long		opno;
	char		desc[160];		/* the current operation */
	/* Statistics. */
	u_long		nop[OP_NOPS];
	u_long		nrv[OP_NOPS][10];	/* by KERN_* result */
	int		rv;			/* of the current op */
	int		limit;			/* vm_map_entries_max, or 0 */
	int		nentries0;		/* before the current op */
	u_long		max_entries;
	u_long		merge_violations;
	char		first_violation[512];
	u_long		unaligned_find_bad;
};

static uint64_t
rnd(struct mt *t, uint64_t n)
{
	return (n == 0 ? 0 : vt_rand(&t->seed) % n);
}

static vm_offset_t
pg2va(struct mt *t, u_int pg)
{
	return (t->lo + (vm_offset_t)pg * PAGE_SIZE);
}

static void
model_set(struct mt *t, u_int pg, uint16_t v)
{
	uint16_t o = t->model[pg];

	if ((o & PG_MAPPED) && !(o & PG_GUARD))
		t->mapped_nonguard--;
	if ((v & PG_MAPPED) && !(v & PG_GUARD))
		t->mapped_nonguard++;
	t->nfree += (u_int)((v == 0) - (o == 0));
	t->model[pg] = v;
}

static bool
model_range_free(struct mt *t, u_int pg, u_int n)
{
	u_int i;

	for (i = pg; i < pg + n; i++)
		if (t->model[i] != 0)
			return (false);
	return (true);
}

/*
 * The lowest page index i >= from with [i, i + n) free and i a multiple of
 * align (pages; the window's base is aligned to every alignment used), or
 * -1.
 */
static long
model_fit(struct mt *t, u_int from, u_int n, u_int align)
{
	u_int i, run;

	if (align > 1)
		from = roundup(from, align);
	for (i = from; i + n <= t->npg; ) {
		for (run = 0; run < n && t->model[i + run] == 0; run++)
			;
		if (run == n)
			return ((long)i);
		/* Page i + run is mapped: the next candidate is past it. */
		i = i + run + 1;
		if (align > 1)
			i = roundup(i, align);
	}
	return (-1);
}

/* ---- comparison ---------------------------------------------------------- */

static const char *
kern_name(int rv)
{
	static const char *const n[] = { "SUCCESS", "INVALID_ADDRESS",
	    "PROTECTION_FAILURE", "NO_SPACE", "INVALID_ARGUMENT", "FAILURE",
	    "RESOURCE_SHORTAGE", "NOT_RECEIVER", "NO_ACCESS",
	    "OUT_OF_BOUNDS" };

	return (rv >= 0 && rv < (int)nitems(n) ? n[rv] : "?");
}

#define	FAIL(t, ...) do {						\
	char _b[512];							\
	snprintf(_b, sizeof(_b), __VA_ARGS__);				\
	vm_map_print(&(t)->m);						\
	atf_tc_fail("op %ld (%s): %s", (t)->opno, (t)->desc, _b);	\
} while (0)

#define	EXPECT_RV(t, want, got) do {					\
	(t)->rv = (got);						\
	if ((want) != (got))						\
		FAIL(t, "returned %d (%s), the model expects %d (%s)",	\
		    (got), kern_name(got), (want), kern_name(want));	\
} while (0)

/*
 * Under an entry limit (t->limit) an operation that could need more entries
 * than the limit allows may fail with KERN_RESOURCE_SHORTAGE instead of
 * succeeding; it must then change nothing (compare() checks), and it may
 * only do so when the map was within two entries of the limit (no
 * operation adds more than two).
 */
#define	SHORTAGE_OK(t, want, got) do {					\
	if ((t)->limit > 0 && (got) == KERN_RESOURCE_SHORTAGE &&	\
	    (want) == KERN_SUCCESS) {					\
		(t)->rv = (got);					\
		if ((t)->nentries0 + 2 <= (t)->limit)			\
			FAIL(t, "KERN_RESOURCE_SHORTAGE with %d entries, "	\
			    "limit %d", (t)->nentries0, (t)->limit);	\
		return;							\
	}								\
} while (0)

static uint16_t
entry_attr(vm_map_entry_t e)
{
	return (PG_MAKE((e->eflags & MAP_ENTRY_GUARD) != 0, e->protection,
	    e->max_protection, e->inheritance));
}

static void
compare(struct mt *t)
{
	vm_map_entry_t e, prev;
	vm_size_t size = 0;
	u_int i, spg, epg;
	int n = 0;
	uint16_t a;

	memset(t->seen, 0, sizeof(t->seen[0]) * t->npg);
	vm_map_lock_read(&t->m);
	prev = &t->m.header;
	VM_MAP_ENTRY_FOREACH(e, &t->m) {
		n++;
		if (e->start < t->lo || e->end > t->hi || e->start >= e->end ||
		    ((e->start | e->end) & PAGE_MASK) != 0)
			FAIL(t, "entry [%#jx, %#jx) bad bounds",
			    (uintmax_t)e->start, (uintmax_t)e->end);
		if (e->cold->object != NULL || e->cold->wired_count != 0 ||
		    (e->eflags & ~MAP_ENTRY_GUARD) != 0 ||
		    e->protection > VM_PROT_ALL ||
		    e->max_protection > VM_PROT_ALL || e->inheritance > 3)
			FAIL(t, "entry [%#jx, %#jx) odd fields: obj %p wired %d "
			    "eflags %#x prot %x/%x inh %d",
			    (uintmax_t)e->start, (uintmax_t)e->end,
			    (void *)e->cold->object, e->cold->wired_count,
			    e->eflags, e->protection, e->max_protection,
			    e->inheritance);
		a = entry_attr(e);
		if (prev != &t->m.header && prev->end == e->start &&
		    entry_attr(prev) == a) {
			if (t->merge_violations++ == 0)
				snprintf(t->first_violation,
				    sizeof(t->first_violation),
				    "op %ld (%s): [%#jx, %#jx) and [%#jx, %#jx) "
				    "alike but not merged", t->opno, t->desc,
				    (uintmax_t)prev->start,
				    (uintmax_t)prev->end, (uintmax_t)e->start,
				    (uintmax_t)e->end);
		}
		if ((e->eflags & MAP_ENTRY_GUARD) == 0)
			size += e->end - e->start;
		spg = (u_int)((e->start - t->lo) / PAGE_SIZE);
		epg = (u_int)((e->end - t->lo) / PAGE_SIZE);
		for (i = spg; i < epg; i++)
			t->seen[i] = a;
		prev = e;
	}
	if (t->limit > 0 && n > t->limit)
		FAIL(t, "%d entries, limit %d", n, t->limit);
	if (n != t->m.nentries)
		FAIL(t, "walk found %d entries, nentries %d", n,
		    t->m.nentries);
	if (size != t->m.size)
		FAIL(t, "entries hold %#jx bytes, size %#jx", (uintmax_t)size,
		    (uintmax_t)t->m.size);
	if (size != t->mapped_nonguard * PAGE_SIZE)
		FAIL(t, "map size %#jx, model %#jx", (uintmax_t)size,
		    (uintmax_t)(t->mapped_nonguard * PAGE_SIZE));
	if (memcmp(t->seen, t->model, sizeof(t->seen[0]) * t->npg) != 0) {
		for (i = 0; t->seen[i] == t->model[i]; i++)
			;
		FAIL(t, "page %u (%#jx): map %#x, model %#x", i,
		    (uintmax_t)pg2va(t, i), t->seen[i], t->model[i]);
	}
	vm_map_unlock_read(&t->m);
	if ((u_long)n > t->max_entries)
		t->max_entries = (u_long)n;
}

/* ---- operations ---------------------------------------------------------- */

/* A random protection pair: max, and prot a subset of it. */
static void
rnd_prot(struct mt *t, vm_prot_t *prot, vm_prot_t *max)
{
	/* Few distinct values, so neighbours are often alike and merge. */
	*max = rnd(t, 4) != 0 ? VM_PROT_ALL : (vm_prot_t)rnd(t, 8);
	*prot = rnd(t, 2) ? (vm_prot_t)(*max & VM_PROT_RW) :
	    (vm_prot_t)(*max & rnd(t, 8));
}

/* A random page-aligned hint: mostly inside the window. */
static vm_offset_t
rnd_hint(struct mt *t)
{
	switch (rnd(t, 16)) {
	case 0:
		return (0);
	case 1:
		return (t->hi);		/* above all space: the second pass */
	default:
		return (pg2va(t, (u_int)rnd(t, t->npg)));
	}
}

static u_int
hint_pg(struct mt *t, vm_offset_t hint)
{
	if (hint < t->lo)
		return (0);
	if (hint >= t->hi)
		return (t->npg);
	return ((u_int)((hint - t->lo) / PAGE_SIZE));
}

static void
do_find(struct mt *t, bool aligned)
{
	vm_offset_t hint, addr, max_addr;
	vm_prot_t prot, max;
	u_int len, n = 0, align = 1, hpg, maxpg;
	long want;
	int rv, fs = VMFS_ANY_SPACE;

	hint = rnd_hint(t);
	len = 1 + (u_int)rnd(t, 16);
	if (aligned) {
		n = 13 + (u_int)rnd(t, 4);
		align = 1u << (n - PAGE_SHIFT);
		fs = VMFS_ALIGNED_SPACE(n);
	}
	rnd_prot(t, &prot, &max);
	snprintf(t->desc, sizeof(t->desc),
	    "vm_map_find(hint %#jx, %u pages, %s%u, prot %x/%x)",
	    (uintmax_t)hint, len, aligned ? "aligned 2^" : "any ",
	    aligned ? n : 0, prot, max);
	/* One time in 8 a max_addr (MAP_32BIT-like) inside the window. */
	maxpg = t->npg;
	max_addr = 0;
	if (rnd(t, 8) == 0) {
		maxpg = (u_int)rnd(t, t->npg + 1);
		max_addr = pg2va(t, maxpg);
	}
	snprintf(t->desc + strlen(t->desc), sizeof(t->desc) -
	    strlen(t->desc), " max_addr %#jx", (uintmax_t)max_addr);
	hpg = hint_pg(t, hint);
	want = model_fit(t, hpg, len, align);
	if (want < 0 || (u_int)want + len > maxpg)
		want = model_fit(t, 0, len, align);
	if (want >= 0 && (u_int)want + len > maxpg)
		want = -1;
	addr = hint;
	rv = vm_map_find(&t->m, NULL, 0, &addr, (vm_size_t)len * PAGE_SIZE,
	    max_addr, fs, prot, max, 0);
	if (want < 0) {
		EXPECT_RV(t, KERN_NO_SPACE, rv);
		return;
	}
	SHORTAGE_OK(t, KERN_SUCCESS, rv);
	EXPECT_RV(t, KERN_SUCCESS, rv);
	if (addr != pg2va(t, (u_int)want))
		FAIL(t, "placed at %#jx, the model expects %#jx",
		    (uintmax_t)addr, (uintmax_t)pg2va(t, (u_int)want));
	for (u_int i = 0; i < len; i++)
		model_set(t, (u_int)want + i, PG_MAKE(0, prot, max,
		    VM_INHERIT_DEFAULT));
}

/* A random range of pages [*pg, *pg + *n) inside the window. */
static void
rnd_range(struct mt *t, u_int maxlen, u_int *pg, u_int *n)
{
	*n = 1 + (u_int)rnd(t, maxlen);
	if (*n > t->npg)
		*n = t->npg;
	*pg = (u_int)rnd(t, t->npg - *n + 1);
}

/* One time in 64, a range sticking out of the window: refused. */
static bool
rnd_outside(struct mt *t, vm_offset_t *start, vm_offset_t *end)
{
	switch (rnd(t, 128)) {
	case 0:
		*start = t->hi - PAGE_SIZE;
		*end = t->hi + PAGE_SIZE * (1 + rnd(t, 4));
		return (true);
	case 1:
		*start = t->lo - PAGE_SIZE;
		*end = t->lo + PAGE_SIZE * rnd(t, 4);
		return (true);
	default:
		return (false);
	}
}

static void
do_fixed(struct mt *t, int kind)
{
	vm_offset_t start, end;
	vm_prot_t prot, max;
	u_int pg, n, i;
	int cow = 0, rv;
	bool guard = false;

	rnd_range(t, 16, &pg, &n);
	if (kind == OP_FIXED_EXCL)
		cow |= MAP_CHECK_EXCL;
	if (kind == OP_FIXED_GUARD) {
		guard = true;
		cow |= MAP_CREATE_GUARD;
		if (rnd(t, 2))
			cow |= MAP_CHECK_EXCL;
		prot = max = VM_PROT_NONE;
	} else
		rnd_prot(t, &prot, &max);
	start = pg2va(t, pg);
	end = start + (vm_size_t)n * PAGE_SIZE;
	if (rnd_outside(t, &start, &end)) {
		snprintf(t->desc, sizeof(t->desc),
		    "vm_map_fixed([%#jx, %#jx) outside, cow %#x)",
		    (uintmax_t)start, (uintmax_t)end, cow);
		rv = vm_map_fixed(&t->m, NULL, 0, start, end - start, prot,
		    max, cow);
		EXPECT_RV(t, KERN_INVALID_ADDRESS, rv);
		return;
	}
	snprintf(t->desc, sizeof(t->desc),
	    "vm_map_fixed([%#jx, %#jx), prot %x/%x, cow %#x)",
	    (uintmax_t)start, (uintmax_t)end, prot, max, cow);
	rv = vm_map_fixed(&t->m, NULL, 0, start, end - start, prot, max,
	    cow);
	if ((cow & MAP_CHECK_EXCL) != 0 && !model_range_free(t, pg, n)) {
		EXPECT_RV(t, KERN_NO_SPACE, rv);
		return;
	}
	SHORTAGE_OK(t, KERN_SUCCESS, rv);
	EXPECT_RV(t, KERN_SUCCESS, rv);
	for (i = pg; i < pg + n; i++)
		model_set(t, i, PG_MAKE(guard, prot, max, VM_INHERIT_DEFAULT));
}

/* Range lengths of the range operations: mostly short, sometimes long. */
static u_int
rnd_rangelen(struct mt *t)
{
	return (rnd(t, 16) == 0 ? t->npg / 4 : 48);
}

static void
do_remove(struct mt *t)
{
	vm_offset_t start, end;
	u_int pg, n, i;
	int rv;

	rnd_range(t, rnd_rangelen(t), &pg, &n);
	start = pg2va(t, pg);
	end = start + (vm_size_t)n * PAGE_SIZE;
	if (rnd_outside(t, &start, &end)) {
		snprintf(t->desc, sizeof(t->desc),
		    "vm_map_remove([%#jx, %#jx) outside)", (uintmax_t)start,
		    (uintmax_t)end);
		rv = vm_map_remove(&t->m, start, end);
		EXPECT_RV(t, KERN_INVALID_ADDRESS, rv);
		return;
	}
	snprintf(t->desc, sizeof(t->desc), "vm_map_remove([%#jx, %#jx))",
	    (uintmax_t)start, (uintmax_t)end);
	rv = vm_map_remove(&t->m, start, end);
	SHORTAGE_OK(t, KERN_SUCCESS, rv);
	EXPECT_RV(t, KERN_SUCCESS, rv);
	for (i = pg; i < pg + n; i++)
		model_set(t, i, 0);
}

static void
do_protect(struct mt *t, bool set_max)
{
	vm_offset_t start, end;
	vm_prot_t np;
	u_int pg, n, i;
	uint16_t v;
	int rv, want = KERN_SUCCESS;

	rnd_range(t, rnd_rangelen(t), &pg, &n);
	/* Mostly a subset of RW, so that it usually fits the maximum. */
	np = rnd(t, 4) == 0 ? (vm_prot_t)rnd(t, 8) :
	    (vm_prot_t)rnd(t, 4);
	start = pg2va(t, pg);
	end = start + (vm_size_t)n * PAGE_SIZE;
	if (rnd_outside(t, &start, &end)) {
		snprintf(t->desc, sizeof(t->desc),
		    "vm_map_protect([%#jx, %#jx) outside)", (uintmax_t)start,
		    (uintmax_t)end);
		rv = vm_map_protect(&t->m, start, end, np, set_max);
		EXPECT_RV(t, KERN_INVALID_ADDRESS, rv);
		return;
	}
	snprintf(t->desc, sizeof(t->desc),
	    "vm_map_protect([%#jx, %#jx), %x, set_max %d)", (uintmax_t)start,
	    (uintmax_t)end, np, set_max);
	for (i = pg; i < pg + n; i++) {
		v = t->model[i];
		if ((v & PG_MAPPED) && !(v & PG_GUARD) &&
		    (np & PG_MAX(v)) != np)
			want = KERN_PROTECTION_FAILURE;
	}
	rv = vm_map_protect(&t->m, start, end, np, set_max);
	SHORTAGE_OK(t, want, rv);
	EXPECT_RV(t, want, rv);
	if (rv != KERN_SUCCESS)
		return;
	for (i = pg; i < pg + n; i++) {
		v = t->model[i];
		if (!(v & PG_MAPPED) || (v & PG_GUARD))
			continue;
		if (set_max)
			model_set(t, i, PG_MAKE(0, PG_PROT(v) & np, np,
			    PG_INH(v)));
		else
			model_set(t, i, PG_MAKE(0, np, PG_MAX(v), PG_INH(v)));
	}
}

static void
do_inherit(struct mt *t)
{
	vm_offset_t start, end;
	vm_inherit_t inh;
	u_int pg, n, i;
	uint16_t v;
	int rv;

	rnd_range(t, rnd_rangelen(t), &pg, &n);
	inh = (vm_inherit_t)(rnd(t, 2) ? VM_INHERIT_DEFAULT : rnd(t, 4));
	start = pg2va(t, pg);
	end = start + (vm_size_t)n * PAGE_SIZE;
	if (rnd_outside(t, &start, &end)) {
		snprintf(t->desc, sizeof(t->desc),
		    "vm_map_inherit([%#jx, %#jx) outside)", (uintmax_t)start,
		    (uintmax_t)end);
		rv = vm_map_inherit(&t->m, start, end, inh);
		EXPECT_RV(t, KERN_INVALID_ADDRESS, rv);
		return;
	}
	snprintf(t->desc, sizeof(t->desc), "vm_map_inherit([%#jx, %#jx), %d)",
	    (uintmax_t)start, (uintmax_t)end, inh);
	rv = vm_map_inherit(&t->m, start, end, inh);
	SHORTAGE_OK(t, KERN_SUCCESS, rv);
	EXPECT_RV(t, KERN_SUCCESS, rv);
	for (i = pg; i < pg + n; i++) {
		v = t->model[i];
		if (!(v & PG_MAPPED))
			continue;
		if ((v & PG_GUARD) && inh == VM_INHERIT_ZERO)
			continue;
		model_set(t, i, PG_MAKE((v & PG_GUARD) != 0, PG_PROT(v),
		    PG_MAX(v), inh));
	}
}

/* vm_map_findspace directly (exclusive lock; it splays). */
static void
do_findspace(struct mt *t)
{
	vm_offset_t start, a;
	u_int len;
	long want;

	start = rnd_hint(t);
	len = 1 + (u_int)rnd(t, 24);
	snprintf(t->desc, sizeof(t->desc), "vm_map_findspace(%#jx, %u pages)",
	    (uintmax_t)start, len);
	want = model_fit(t, hint_pg(t, start), len, 1);
	vm_map_lock(&t->m);
	a = vm_map_findspace(&t->m, start, (vm_size_t)len * PAGE_SIZE);
	if (want < 0) {
		if (a + (vm_size_t)len * PAGE_SIZE <= t->hi)
			FAIL(t, "found %#jx, the model finds nothing",
			    (uintmax_t)a);
	} else if (a != pg2va(t, (u_int)want))
		FAIL(t, "found %#jx, the model expects %#jx", (uintmax_t)a,
		    (uintmax_t)pg2va(t, (u_int)want));
	vm_map_unlock(&t->m);
}

/* Lookups of random addresses, some under each kind of lock. */
static void
do_lookup(struct mt *t)
{
	vm_map_entry_t e, ge;
	vm_offset_t addr;
	bool excl, in;
	u_int k, pg;

	excl = rnd(t, 2) != 0;
	snprintf(t->desc, sizeof(t->desc), "lookups (%s lock)",
	    excl ? "exclusive" : "shared");
	if (excl)
		vm_map_lock(&t->m);
	else
		vm_map_lock_read(&t->m);
	for (k = 0; k < 8; k++) {
		addr = t->lo - PAGE_SIZE + rnd(t, t->hi - t->lo + 2 * PAGE_SIZE);
		pg = addr >= t->lo && addr < t->hi ?
		    (u_int)((addr - t->lo) / PAGE_SIZE) : UINT_MAX;
		in = vm_map_lookup_entry(&t->m, addr, &e);
		if (in != (pg != UINT_MAX && t->model[pg] != 0))
			FAIL(t, "lookup %#jx: %d, model %#x", (uintmax_t)addr,
			    in, pg != UINT_MAX ? t->model[pg] : 0);
		if (in && (addr < e->start || addr >= e->end))
			FAIL(t, "lookup %#jx: entry [%#jx, %#jx)",
			    (uintmax_t)addr, (uintmax_t)e->start,
			    (uintmax_t)e->end);
		if (!in && e != &t->m.header && e->end > addr)
			FAIL(t, "lookup %#jx: pred [%#jx, %#jx)",
			    (uintmax_t)addr, (uintmax_t)e->start,
			    (uintmax_t)e->end);
		if (!in && vm_map_entry_succ(e) != &t->m.header &&
		    vm_map_entry_succ(e)->start <= addr)
			FAIL(t, "lookup %#jx: pred [%#jx, %#jx) not greatest",
			    (uintmax_t)addr, (uintmax_t)e->start,
			    (uintmax_t)e->end);
		ge = vm_map_lookup_entry_ge(&t->m, addr);
		if (ge != (in ? e : vm_map_entry_succ(e)))
			FAIL(t, "lookup_ge %#jx disagrees", (uintmax_t)addr);
	}
	if (excl)
		vm_map_unlock(&t->m);
	else
		vm_map_unlock_read(&t->m);
}

/* ---- the driver ---------------------------------------------------------- */

static void
boot(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 16 << 20;
	c.ncpu = 2;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	vm_map_check_always = 1;
}

/*
 * Run nops operations drawn with the weights w[OP_*] on a window of npg
 * pages at 1 MiB.
 */
static void
run_limit(uint64_t seed, long nops, u_int npg, const u_int w[OP_NOPS],
    int limit)
{
	struct mt *t;
	u_int total = 0, r, k;
	uint64_t occ = 0;
	int op;

	ATF_REQUIRE(npg <= MAXPG);
	boot();
	t = calloc(1, sizeof(*t));
	ATF_REQUIRE(t != NULL);
	t->seed = seed;
	t->npg = npg;
	t->nfree = npg;
	t->limit = limit;
	vm_map_entries_max = limit;
	t->lo = 1 << 20;
	t->hi = t->lo + (vm_offset_t)npg * PAGE_SIZE;
	vm_map_init(&t->m, t->lo, t->hi);
	for (k = 0; k < OP_NOPS; k++)
		total += w[k];
	for (t->opno = 0; t->opno < nops; t->opno++) {
		t->rv = KERN_SUCCESS;
		t->nentries0 = t->m.nentries;
		r = (u_int)rnd(t, total);
		for (op = 0; r >= w[op]; op++)
			r -= w[op];
		t->nop[op]++;
		switch (op) {
		case OP_FIND:
			do_find(t, false);
			break;
		case OP_FIND_ALIGNED:
			do_find(t, true);
			break;
		case OP_FIXED:
		case OP_FIXED_EXCL:
		case OP_FIXED_GUARD:
			do_fixed(t, op);
			break;
		case OP_REMOVE:
			do_remove(t);
			break;
		case OP_PROTECT:
			do_protect(t, false);
			break;
		case OP_PROTECT_MAX:
			do_protect(t, true);
			break;
		case OP_INHERIT:
			do_inherit(t);
			break;
		case OP_FINDSPACE:
			do_findspace(t);
			break;
		case OP_LOOKUP:
			do_lookup(t);
			break;
		}
		compare(t);
		if (t->rv >= 0 && t->rv < 10)
			t->nrv[op][t->rv]++;
		occ += t->npg - t->nfree;
	}
	printf("seed %#jx, %ld ops on %u pages, up to %lu entries\n",
	    (uintmax_t)seed, nops, npg, t->max_entries);
	printf("  mean occupancy %.0f%%\n", 100.0 * (double)occ /
	    ((double)nops * npg));
	for (k = 0; k < OP_NOPS; k++) {
		printf("  %-12s %7lu:", op_names[k], t->nop[k]);
		for (int j = 0; j < 10; j++)
			if (t->nrv[k][j] != 0)
				printf(" %s %lu", kern_name(j), t->nrv[k][j]);
		printf("\n");
	}
	printf("  merge violations: %lu\n", t->merge_violations);
	ATF_CHECK_MSG(t->merge_violations == 0, "%lu unmerged neighbours, "
	    "first after %s", t->merge_violations, t->first_violation);
	vm_map_destroy(&t->m);
	free(t);
	vm_map_check_always = 0;
	vm_map_entries_max = 1 << 20;
	vm_shutdown();
}

static void
run(uint64_t seed, long nops, u_int npg, const u_int w[OP_NOPS])
{
	run_limit(seed, nops, npg, w, 0);
}

/*           find  algn fixd excl guard rmv  prot pmax inh  fsp  look */

/* Everything, balanced so that the window stays about half full. */
ATF_TC_WITHOUT_HEAD(mixed);
ATF_TC_BODY(mixed, tc)
{
	static const u_int w[OP_NOPS] =
	    { 20,  8,   8,   6,   3,    10,  8,   3,   6,   4,   4 };

	run(0x5eed0001, 100000, 4096, w);
}

/* Placement-heavy: find and aligned find against a crowded window. */
ATF_TC_WITHOUT_HEAD(placement);
ATF_TC_BODY(placement, tc)
{
	static const u_int w[OP_NOPS] =
	    { 30,  20,  2,   2,   2,    14,  1,   1,   1,   10,  2 };

	run(0x5eed0002, 100000, 4096, w);
}

/* Attribute-heavy: protect, set_max and inherit split and merge entries. */
ATF_TC_WITHOUT_HEAD(attributes);
ATF_TC_BODY(attributes, tc)
{
	static const u_int w[OP_NOPS] =
	    { 6,   2,   8,   4,   4,    4,   20,  6,   20,  1,   2 };

	run(0x5eed0003, 100000, 4096, w);
}

/* A tiny window: nearly full all the time, KERN_NO_SPACE often. */
ATF_TC_WITHOUT_HEAD(crowded);
ATF_TC_BODY(crowded, tc)
{
	static const u_int w[OP_NOPS] =
	    { 20,  10,  10,  10,  4,    6,   6,   2,   4,   6,   4 };

	run(0x5eed0004, 100000, 256, w);
}

/*
 * An entry limit (vm.map_entries_max) the window keeps hitting: refusals
 * must leave the map unchanged and the limit is never exceeded.
 */
ATF_TC_WITHOUT_HEAD(entry_limit);
ATF_TC_BODY(entry_limit, tc)
{
	static const u_int w[OP_NOPS] =
	    { 20,  6,   10,  6,   4,    12,  14,  3,   10,  2,   2 };

	run_limit(0x5eed0005, 100000, 1024, w, 100);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mixed);
	ATF_TP_ADD_TC(tp, placement);
	ATF_TP_ADD_TC(tp, attributes);
	ATF_TP_ADD_TC(tp, crowded);
	ATF_TP_ADD_TC(tp, entry_limit);
	return (atf_no_error());
}
