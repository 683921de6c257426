/*
 * Address-space maps (vm_map.c): lookup at every boundary, first-fit and
 * aligned placement against a brute-force model, the 32-bit limit, the hint
 * rule, fixed mappings with and without MAP_CHECK_EXCL, removal, range
 * validation, superpage clip refusal, merging, protection (max_protection,
 * set_max, holes, guards), inheritance and madvise bits, grow-down stacks,
 * the entry limit, ASLR and anonymous clustering, and the timestamp.
 *
 * Every case runs with vm.map_check_always = 1, so the consistency walk
 * (order, threads, exact max_free, nentries, size) runs on every exclusive
 * unlock: a broken tree panics the case.
 */
#include <atf-c.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <libvm.h>
#include <sys/systm.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>

#define	PG		((vm_offset_t)PAGE_SIZE)
#define	MB		((vm_offset_t)1 << 20)
#define	GB		((vm_offset_t)1 << 30)
#define	MIN_A		VM_MIN_USER_ADDRESS
#define	MAX_A		VM_MAX_USER_ADDRESS

/* Exact equality of two integers, printed in hex on failure. */
#define	REQ_X(exp, act) do {						\
	uintmax_t _e = (uintmax_t)(exp), _a = (uintmax_t)(act);	\
	ATF_REQUIRE_MSG(_e == _a, "%s: expected %#jx, got %#jx",	\
	    #act, _e, _a);						\
} while (0)

static void
boot_seed(uint64_t seed)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 16 << 20;
	c.ncpu = 2;
	c.seed = seed;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	vm_map_check_always = 1;
}

static void
boot(void)
{
	boot_seed(0);
}

static void
map_new(struct vm_map *m)
{
	vm_map_init(m, MIN_A, MAX_A);
}

static void
done(struct vm_map *m)
{
	vm_map_destroy(m);
	vm_map_check_always = 0;
	vm_shutdown();
}

/* ---- snapshots of the entry list ---------------------------------------- */

struct ent {
	vm_offset_t	start, end;
	vm_prot_t	prot, max;
	vm_inherit_t	inh;
	u_int		eflags;
};

#define	SNAP_MAX	64

struct snap {
	int		n;
	int		nentries;
	vm_size_t	size;
	struct ent	e[SNAP_MAX];
};

static void
snap_take(struct vm_map *m, struct snap *s)
{
	vm_map_entry_t e;

	memset(s, 0, sizeof(*s));
	vm_map_lock_read(m);
	VM_MAP_ENTRY_FOREACH(e, m) {
		ATF_REQUIRE(s->n < SNAP_MAX);
		s->e[s->n].start = e->start;
		s->e[s->n].end = e->end;
		s->e[s->n].prot = e->protection;
		s->e[s->n].max = e->max_protection;
		s->e[s->n].inh = e->inheritance;
		s->e[s->n].eflags = e->eflags;
		s->n++;
	}
	s->nentries = m->nentries;
	s->size = m->size;
	vm_map_unlock_read(m);
}

static void
snap_print(const char *what, const struct snap *s)
{
	int i;

	printf("%s: %d entries (nentries %d), size %#jx\n", what, s->n,
	    s->nentries, (uintmax_t)s->size);
	for (i = 0; i < s->n; i++)
		printf("  [%#jx, %#jx) prot %x/%x inh %d eflags %#x\n",
		    (uintmax_t)s->e[i].start, (uintmax_t)s->e[i].end,
		    s->e[i].prot, s->e[i].max, s->e[i].inh, s->e[i].eflags);
}

static bool
ent_eq(const struct ent *a, const struct ent *b)
{
	return (a->start == b->start && a->end == b->end &&
	    a->prot == b->prot && a->max == b->max && a->inh == b->inh &&
	    a->eflags == b->eflags);
}

static bool
snap_eq(const struct snap *a, const struct snap *b)
{
	int i;

	if (a->n != b->n || a->nentries != b->nentries || a->size != b->size)
		return (false);
	for (i = 0; i < a->n; i++)
		if (!ent_eq(&a->e[i], &b->e[i]))
			return (false);
	return (true);
}

/* The map's entries must be exactly want[0..n). */
static void
require_entries(struct vm_map *m, const struct ent *want, int n,
    const char *where)
{
	struct snap s;
	vm_size_t size = 0;
	int i;
	bool ok;

	snap_take(m, &s);
	ok = s.n == n && s.nentries == n;
	for (i = 0; ok && i < n; i++) {
		ok = ent_eq(&s.e[i], &want[i]);
		if ((want[i].eflags & MAP_ENTRY_GUARD) == 0)
			size += want[i].end - want[i].start;
	}
	if (ok && s.size != size)
		ok = false;
	if (!ok) {
		struct snap w;

		memset(&w, 0, sizeof(w));
		w.n = w.nentries = n;
		for (i = 0; i < n; i++) {
			w.e[i] = want[i];
			if ((want[i].eflags & MAP_ENTRY_GUARD) == 0)
				w.size += want[i].end - want[i].start;
		}
		snap_print("expected", &w);
		snap_print("got", &s);
		atf_tc_fail("%s: map differs from the expected entries",
		    where);
	}
}

static void
require_unchanged(struct vm_map *m, const struct snap *before,
    const char *where)
{
	struct snap after;

	snap_take(m, &after);
	if (!snap_eq(before, &after)) {
		snap_print("before", before);
		snap_print("after", &after);
		atf_tc_fail("%s: the map changed", where);
	}
}

#define	ENT(s, e, p, mx)	{ (s), (e), (p), (mx), VM_INHERIT_DEFAULT, 0 }

static void
fixed(struct vm_map *m, vm_offset_t start, vm_size_t len, vm_prot_t prot,
    vm_prot_t max)
{
	int rv;

	rv = vm_map_fixed(m, NULL, 0, start, len, prot, max, MAP_CHECK_EXCL);
	ATF_REQUIRE_MSG(rv == KERN_SUCCESS, "vm_map_fixed(%#jx, %#jx): %d",
	    (uintmax_t)start, (uintmax_t)len, rv);
}

static vm_offset_t
find(struct vm_map *m, vm_offset_t hint, vm_size_t len, vm_offset_t max_addr,
    int fs)
{
	vm_offset_t a = hint;
	int rv;

	rv = vm_map_find(m, NULL, 0, &a, len, max_addr, fs, VM_PROT_RW,
	    VM_PROT_ALL, 0);
	ATF_REQUIRE_MSG(rv == KERN_SUCCESS, "vm_map_find(hint %#jx, len %#jx,"
	    " max %#jx, fs %#x): %d", (uintmax_t)hint, (uintmax_t)len,
	    (uintmax_t)max_addr, fs, rv);
	return (a);
}

/* ---- 1: lookup ------------------------------------------------------------- */

static void
check_lookup(struct vm_map *m, vm_offset_t addr, bool want_in,
    vm_map_entry_t want, vm_map_entry_t want_ge)
{
	vm_map_entry_t e;
	bool in;

	in = vm_map_lookup_entry(m, addr, &e);
	ATF_REQUIRE_MSG(in == want_in && e == want,
	    "lookup_entry(%#jx): got %d/[%#jx, %#jx), want %d/[%#jx, %#jx)",
	    (uintmax_t)addr, in, (uintmax_t)e->start, (uintmax_t)e->end,
	    want_in, (uintmax_t)want->start, (uintmax_t)want->end);
	e = vm_map_lookup_entry_ge(m, addr);
	ATF_REQUIRE_MSG(e == want_ge,
	    "lookup_entry_ge(%#jx): got [%#jx, %#jx), want [%#jx, %#jx)",
	    (uintmax_t)addr, (uintmax_t)e->start, (uintmax_t)e->end,
	    (uintmax_t)want_ge->start, (uintmax_t)want_ge->end);
}

static void
lookup_all(struct vm_map *m, vm_map_entry_t a, vm_map_entry_t b,
    vm_map_entry_t c)
{
	vm_map_entry_t h = &m->header;

	check_lookup(m, MIN_A, false, h, a);
	check_lookup(m, a->start - 1, false, h, a);
	check_lookup(m, a->start, true, a, a);
	check_lookup(m, a->start + 1, true, a, a);
	check_lookup(m, a->end - 1, true, a, a);
	check_lookup(m, a->end, false, a, b);
	check_lookup(m, a->end + PG, false, a, b);
	check_lookup(m, b->start - 1, false, a, b);
	check_lookup(m, b->start, true, b, b);
	check_lookup(m, b->end - 1, true, b, b);
	check_lookup(m, b->end, false, b, c);
	check_lookup(m, c->start - 1, false, b, c);
	check_lookup(m, c->start, true, c, c);
	check_lookup(m, c->end - 1, true, c, c);
	check_lookup(m, c->end, false, c, h);
	check_lookup(m, MAX_A - 1, false, c, h);
	/* Below the map's minimum: still "before the first entry". */
	check_lookup(m, 0, false, h, a);
}

/* A second reader, so that the test thread's shared lookups cannot upgrade. */
struct reader {
	struct vm_map	*m;
	pthread_mutex_t	mtx;
	pthread_cond_t	cv;
	int		state;		/* 1: holds the lock; 2: let go */
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;

	vm_map_lock_read(r->m);
	pthread_mutex_lock(&r->mtx);
	r->state = 1;
	pthread_cond_broadcast(&r->cv);
	while (r->state != 2)
		pthread_cond_wait(&r->cv, &r->mtx);
	pthread_mutex_unlock(&r->mtx);
	vm_map_unlock_read(r->m);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(lookup_boundaries);
ATF_TC_BODY(lookup_boundaries, tc)
{
	struct vm_map m;
	vm_map_entry_t a, b, c, e, h;
	vm_offset_t want[3] = { 0x10000, 0x20000, 0x30000 };
	int i;

	boot();
	map_new(&m);
	REQ_X(MIN_A, vm_map_min(&m));
	REQ_X(MAX_A, vm_map_max(&m));
	h = &m.header;
	vm_map_lock_read(&m);
	ATF_REQUIRE(vm_map_entry_first(&m) == h);
	check_lookup(&m, 0x5000, false, h, h);
	vm_map_unlock_read(&m);

	/* Inserted out of order; attributes differ, nothing adjacent. */
	fixed(&m, 0x30000, PG, VM_PROT_READ, VM_PROT_ALL);
	fixed(&m, 0x10000, 2 * PG, VM_PROT_RW, VM_PROT_ALL);
	fixed(&m, 0x20000, 3 * PG, VM_PROT_READ, VM_PROT_RW);
	REQ_X(3, m.nentries);

	vm_map_lock_read(&m);
	a = vm_map_entry_first(&m);
	b = vm_map_entry_succ(a);
	c = vm_map_entry_succ(b);
	REQ_X(0x10000, a->start); REQ_X(0x12000, a->end);
	REQ_X(0x20000, b->start); REQ_X(0x23000, b->end);
	REQ_X(0x30000, c->start); REQ_X(0x31000, c->end);
	ATF_REQUIRE(vm_map_entry_succ(c) == h);
	ATF_REQUIRE(vm_map_entry_pred(c) == b);
	ATF_REQUIRE(vm_map_entry_pred(b) == a);
	ATF_REQUIRE(vm_map_entry_pred(a) == h);
	/* The header threads to the first and last entries. */
	ATF_REQUIRE(vm_map_entry_succ(h) == a);
	ATF_REQUIRE(vm_map_entry_pred(h) == c);
	i = 0;
	VM_MAP_ENTRY_FOREACH(e, &m) {
		ATF_REQUIRE(i < 3);
		REQ_X(want[i], e->start);
		i++;
	}
	REQ_X(3, i);
	/* Shared lock: the non-splaying search. */
	lookup_all(&m, a, b, c);
	vm_map_unlock_read(&m);

	/* Shared with another reader: the search that does not splay. */
	{
		struct reader r = { &m, PTHREAD_MUTEX_INITIALIZER,
		    PTHREAD_COND_INITIALIZER, 0 };
		pthread_t t;
		vm_map_entry_t root;

		ATF_REQUIRE_EQ(0, pthread_create(&t, NULL, reader_main, &r));
		pthread_mutex_lock(&r.mtx);
		while (r.state != 1)
			pthread_cond_wait(&r.cv, &r.mtx);
		pthread_mutex_unlock(&r.mtx);
		vm_map_lock_read(&m);
		root = m.root;
		lookup_all(&m, a, b, c);
		ATF_REQUIRE(m.root == root);
		vm_map_unlock_read(&m);
		pthread_mutex_lock(&r.mtx);
		r.state = 2;
		pthread_cond_broadcast(&r.cv);
		pthread_mutex_unlock(&r.mtx);
		ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	}

	/* Exclusive lock: every lookup splays; results must not change. */
	vm_map_lock(&m);
	lookup_all(&m, a, b, c);
	lookup_all(&m, a, b, c);
	ATF_REQUIRE(vm_map_entry_first(&m) == a);
	ATF_REQUIRE(vm_map_entry_pred(h) == c);
	vm_map_unlock(&m);
	done(&m);
}

/*
 * A shared lookup leaves a balanced tree alone (splaying would write nodes
 * that other CPUs' lookups read) but reshapes a long path: ascending
 * insertions leave the first entry at the bottom of a path through every
 * entry, and the one shared lookup that walks it splays it to the root.
 */
ATF_TC_WITHOUT_HEAD(shared_lookup_splays_long_paths);
ATF_TC_BODY(shared_lookup_splays_long_paths, tc)
{
	struct vm_map m;
	vm_map_entry_t e, first, root;
	vm_offset_t a;
	int i, n = 64;

	boot();
	map_new(&m);
	for (i = 0; i < n; i++)
		fixed(&m, 0x100000 + (vm_offset_t)i * PG, PG,
		    (i & 1) != 0 ? VM_PROT_READ : VM_PROT_RW, VM_PROT_ALL);
	REQ_X(n, m.nentries);
	vm_map_lock_read(&m);
	first = vm_map_entry_first(&m);
	REQ_X(0x100000, first->start);
	/* The last inserted is the root, the first at depth n - 1. */
	ATF_REQUIRE(m.root->start == 0x100000 + (vm_offset_t)(n - 1) * PG);
	ATF_REQUIRE(vm_map_lookup_entry(&m, 0x100000, &e));
	ATF_REQUIRE(e == first);
	ATF_REQUIRE_MSG(m.root == first, "a path of %d was not splayed", n);
	/* Every entry is still found, and so are the gaps around them. */
	for (i = 0; i < n; i++) {
		a = 0x100000 + (vm_offset_t)i * PG;
		ATF_REQUIRE(vm_map_lookup_entry(&m, a + PG / 2, &e));
		REQ_X(a, e->start);
	}
	ATF_REQUIRE(!vm_map_lookup_entry(&m, 0x100000 - PG, &e));
	ATF_REQUIRE(e == &m.header);
	ATF_REQUIRE(!vm_map_lookup_entry(&m, 0x100000 + (vm_offset_t)n * PG,
	    &e));
	ATF_REQUIRE(e == vm_map_entry_pred(&m.header));
	vm_map_unlock_read(&m);
	vm_map_destroy(&m);

	/* Three entries, the first at depth 2: the root stays. */
	map_new(&m);
	for (i = 0; i < 3; i++)
		fixed(&m, 0x100000 + (vm_offset_t)i * PG, PG,
		    (i & 1) != 0 ? VM_PROT_READ : VM_PROT_RW, VM_PROT_ALL);
	vm_map_lock_read(&m);
	root = m.root;
	for (i = 0; i < 3; i++) {
		a = 0x100000 + (vm_offset_t)i * PG;
		ATF_REQUIRE(vm_map_lookup_entry(&m, a, &e));
		REQ_X(a, e->start);
		ATF_REQUIRE(m.root == root);
	}
	vm_map_unlock_read(&m);
	/* Under the exclusive lock every lookup splays, as before. */
	vm_map_lock(&m);
	ATF_REQUIRE(vm_map_lookup_entry(&m, 0x100000, &e));
	ATF_REQUIRE(m.root == e);
	vm_map_unlock(&m);
	done(&m);
}

/*
 * The fault handler's lookup (a fast hold, which cannot upgrade) meets the
 * same long path: it retries on the sx and the path is splayed, or every
 * fault there would walk it.
 */
ATF_TC_WITHOUT_HEAD(fault_lookup_splays_long_paths);
ATF_TC_BODY(fault_lookup_splays_long_paths, tc)
{
	struct vm_map m;
	vm_map_t map = &m;
	vm_map_entry_t e;
	vm_object_t obj;
	vm_pindex_t pi;
	vm_prot_t prot;
	bool wired;
	int i, n = 64;

	boot();
	map_new(&m);
	for (i = 0; i < n; i++)
		fixed(&m, 0x100000 + (vm_offset_t)i * PG, PG,
		    (i & 1) != 0 ? VM_PROT_READ : VM_PROT_RW, VM_PROT_ALL);
	/* Every entry gets its object (those faults reshape the tree). */
	for (i = 0; i < n; i++) {
		REQ_X(KERN_SUCCESS, vm_map_lookup(&map, 0x100000 +
		    (vm_offset_t)i * PG, VM_PROT_READ, &e, &obj, &pi, &prot,
		    &wired));
		vm_map_lookup_done(map, e);
	}
	/* Splays in ascending order leave a path again. */
	vm_map_lock(&m);
	for (i = 0; i < n; i++)
		ATF_REQUIRE(vm_map_lookup_entry(&m, 0x100000 +
		    (vm_offset_t)i * PG, &e));
	vm_map_unlock(&m);
	ATF_REQUIRE(m.root->start == 0x100000 + (vm_offset_t)(n - 1) * PG);
	REQ_X(KERN_SUCCESS, vm_map_lookup(&map, 0x100000 + PG / 2,
	    VM_PROT_READ, &e, &obj, &pi, &prot, &wired));
	REQ_X(0x100000, e->start);
	ATF_REQUIRE(obj != NULL);
	ATF_REQUIRE_MSG(m.root == e, "the fault's lookup left a path of %d",
	    n);
	vm_map_lookup_done(map, e);
	done(&m);
}

/* ---- 2: first fit ------------------------------------------------------------ */

static vm_offset_t
findspace(struct vm_map *m, vm_offset_t start, vm_size_t len)
{
	vm_offset_t a;

	vm_map_lock(m);
	a = vm_map_findspace(m, start, len);
	vm_map_unlock(m);
	return (a);
}

static bool
findspace_fails(struct vm_map *m, vm_offset_t start, vm_size_t len)
{
	vm_offset_t a = findspace(m, start, len);

	return (a + len > MAX_A || a + len < a);
}

ATF_TC_WITHOUT_HEAD(findspace_first_fit);
ATF_TC_BODY(findspace_first_fit, tc)
{
	struct vm_map m;
	struct snap s;
	vm_offset_t a;
	int rv;

	boot();
	map_new(&m);
	/* Empty map. */
	REQ_X(MIN_A, findspace(&m, 0, PG));
	REQ_X(0x5000, findspace(&m, 0x5000, PG));
	REQ_X(MAX_A - PG, findspace(&m, MAX_A - PG, PG));
	ATF_REQUIRE(findspace_fails(&m, MAX_A - PG, 2 * PG));
	ATF_REQUIRE(findspace_fails(&m, MIN_A, MAX_A - MIN_A + PG));
	REQ_X(MIN_A, findspace(&m, MIN_A, MAX_A - MIN_A));

	/*
	 * [min, 0x10000) | gap 2 pages | [0x12000, 0x14000) | gap 3 |
	 * [0x17000, 0x18000) | free to the top.  Alternating attributes so
	 * that nothing merges.
	 */
	fixed(&m, MIN_A, 0x10000 - MIN_A, VM_PROT_RW, VM_PROT_ALL);
	fixed(&m, 0x12000, 2 * PG, VM_PROT_READ, VM_PROT_ALL);
	fixed(&m, 0x17000, PG, VM_PROT_RW, VM_PROT_ALL);
	REQ_X(3, m.nentries);
	REQ_X(0x10000, findspace(&m, 0, PG));
	REQ_X(0x10000, findspace(&m, MIN_A, 2 * PG));	/* exact fit */
	REQ_X(0x14000, findspace(&m, MIN_A, 3 * PG));	/* exact fit */
	REQ_X(0x18000, findspace(&m, MIN_A, 4 * PG));	/* both too small */
	REQ_X(0x11000, findspace(&m, 0x11000, PG));	/* hint in a gap */
	REQ_X(0x14000, findspace(&m, 0x11000, 2 * PG));
	REQ_X(0x14000, findspace(&m, 0x12000, PG));	/* hint in an entry */
	REQ_X(0x15000, findspace(&m, 0x15000, 2 * PG));
	REQ_X(0x18000, findspace(&m, 0x15000, 3 * PG));
	REQ_X(0x18000, findspace(&m, 0x17000, PG));
	REQ_X(0x1a000, findspace(&m, 0x1a000, PG));

	/* The top of the address space: a run ending exactly at max. */
	REQ_X(MAX_A - 4 * PG, findspace(&m, MAX_A - 4 * PG, 4 * PG));
	fixed(&m, MAX_A - PG, PG, VM_PROT_READ, VM_PROT_ALL);
	REQ_X(MAX_A - 3 * PG, findspace(&m, MAX_A - 3 * PG, 2 * PG));
	ATF_REQUIRE(findspace_fails(&m, MAX_A - 3 * PG, 3 * PG));
	ATF_REQUIRE(findspace_fails(&m, MAX_A - PG, PG));

	/* vm_map_find: the same first fit, mapping each result. */
	REQ_X(0x10000, find(&m, 0, 2 * PG, 0, VMFS_ANY_SPACE));
	REQ_X(0x14000, find(&m, 0, PG, 0, VMFS_ANY_SPACE));
	REQ_X(0x15000, find(&m, 0, 2 * PG, 0, VMFS_ANY_SPACE));
	REQ_X(0x18000, find(&m, 0, PG, 0, VMFS_ANY_SPACE));
	/* Filled gaps merged with their equal RW neighbours. */
	REQ_X(0x19000, findspace(&m, 0, PG));
	/* The top: the last free run, then nothing up there. */
	REQ_X(MAX_A - 3 * PG, find(&m, MAX_A - 3 * PG, 2 * PG, 0,
	    VMFS_ANY_SPACE));
	REQ_X(MAX_A - PG, m.header.left == NULL ? 0 :
	    vm_map_entry_pred(&m.header)->start);

	/* Longer than the whole map: KERN_NO_SPACE, nothing changes. */
	snap_take(&m, &s);
	a = 0;
	rv = vm_map_find(&m, NULL, 0, &a, MAX_A - MIN_A + PG, 0,
	    VMFS_ANY_SPACE, VM_PROT_RW, VM_PROT_ALL, 0);
	REQ_X(KERN_NO_SPACE, rv);
	a = 0;
	rv = vm_map_find(&m, NULL, 0, &a, MAX_A - MIN_A, 0,
	    VMFS_ANY_SPACE, VM_PROT_RW, VM_PROT_ALL, 0);
	REQ_X(KERN_NO_SPACE, rv);
	a = 0;
	rv = vm_map_find(&m, NULL, 0, &a, (vm_size_t)0 - PG, 0,
	    VMFS_ANY_SPACE, VM_PROT_RW, VM_PROT_ALL, 0);
	REQ_X(KERN_NO_SPACE, rv);
	require_unchanged(&m, &s, "too long");
	done(&m);
}

/* ---- 3: aligned placement against a brute-force model ------------------------- */

#define	NOFIT	((vm_offset_t)-1)

/* The lowest a >= from, a % al == 0, [a, a + len) free, a + len <= lim. */
static vm_offset_t
model_fit(const struct snap *s, vm_offset_t from, vm_size_t len,
    vm_size_t al, vm_offset_t lim)
{
	vm_offset_t a;
	int i;

	if (from < MIN_A)
		from = MIN_A;
	a = roundup2(from, al);
	for (;;) {
		if (a < from || a + len < a || a + len > lim)
			return (NOFIT);
		for (i = 0; i < s->n && s->e[i].end <= a; i++)
			;
		if (i == s->n || s->e[i].start >= a + len)
			return (a);
		a = roundup2(s->e[i].end, al);
	}
}

/* vm_map_find's rule: at or above the hint, else from the bottom. */
static vm_offset_t
model_find(const struct snap *s, vm_offset_t hint, vm_size_t len,
    vm_size_t al, vm_offset_t lim)
{
	vm_offset_t a;

	a = model_fit(s, hint, len, al, lim);
	if (a == NOFIT)
		a = model_fit(s, MIN_A, len, al, lim);
	return (a);
}

ATF_TC_WITHOUT_HEAD(aligned_space);
ATF_TC_BODY(aligned_space, tc)
{
	static const vm_size_t lens[] = { PG, 3 * PG, 2 * MB + PG };
	struct vm_map m;
	struct snap s;
	vm_offset_t hints[4], a, want;
	vm_size_t al;
	int n, k, h, l, rv;

	boot();
	map_new(&m);
	/*
	 * An entry at every power of two from 2^12 to 2^33 blocks the first
	 * aligned address of every alignment, and its successor; a few odd
	 * entries make gaps that are aligned but too short.
	 */
	for (k = 12; k <= 33; k++)
		REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0,
		    (vm_offset_t)1 << k, PG, VM_PROT_RW, VM_PROT_ALL, 0));
	fixed(&m, 3 * MB + 2 * PG, PG, VM_PROT_READ, VM_PROT_ALL);
	fixed(&m, 3 * GB + 2 * PG, PG, VM_PROT_READ, VM_PROT_ALL);
	fixed(&m, 3 * ((vm_offset_t)1 << 25) + PG, PG, VM_PROT_READ,
	    VM_PROT_ALL);
	fixed(&m, 5 * ((vm_offset_t)1 << 29) + 3 * PG, PG, VM_PROT_READ,
	    VM_PROT_ALL);

	for (n = 12; n <= 30; n++) {
		al = (vm_size_t)1 << n;
		hints[0] = 0;
		hints[1] = 0x12345000;
		hints[2] = 3 * al - PG;
		hints[3] = MAX_A - al;	/* too high: wraps to the bottom */
		for (h = 0; h < 4; h++) {
			for (l = 0; l < (int)nitems(lens); l++) {
				snap_take(&m, &s);
				want = model_find(&s, hints[h], lens[l], al,
				    MAX_A);
				ATF_REQUIRE(want != NOFIT);
				a = hints[h];
				rv = vm_map_find(&m, NULL, 0, &a, lens[l], 0,
				    VMFS_ALIGNED_SPACE(n), VM_PROT_RW,
				    VM_PROT_ALL, MAP_DISABLE_COREDUMP);
				ATF_REQUIRE_MSG(rv == KERN_SUCCESS,
				    "n %d hint %#jx len %#jx: %d", n,
				    (uintmax_t)hints[h], (uintmax_t)lens[l],
				    rv);
				ATF_REQUIRE_MSG((a & (al - 1)) == 0 &&
				    a == want, "n %d hint %#jx len %#jx: got "
				    "%#jx, want %#jx", n, (uintmax_t)hints[h],
				    (uintmax_t)lens[l], (uintmax_t)a,
				    (uintmax_t)want);
				REQ_X(KERN_SUCCESS, vm_map_remove(&m, a,
				    a + lens[l]));
				require_unchanged(&m, &s, "find + remove");
			}
		}
	}
	/* Out-of-range alignments are refused. */
	a = 0;
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_find(&m, NULL, 0, &a, PG, 0,
	    VMFS_ALIGNED_SPACE(11), VM_PROT_RW, VM_PROT_ALL, 0));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_find(&m, NULL, 0, &a, PG, 0,
	    VMFS_ALIGNED_SPACE(64), VM_PROT_RW, VM_PROT_ALL, 0));
	/* 2^46 fits once at the top half; 2^47 nowhere. */
	a = 0;
	REQ_X(KERN_SUCCESS, vm_map_find(&m, NULL, 0, &a, PG, 0,
	    VMFS_ALIGNED_SPACE(46), VM_PROT_RW, VM_PROT_ALL, 0));
	REQ_X((vm_offset_t)1 << 46, a);
	a = 0;
	REQ_X(KERN_NO_SPACE, vm_map_find(&m, NULL, 0, &a, PG, 0,
	    VMFS_ALIGNED_SPACE(46), VM_PROT_RW, VM_PROT_ALL, 0));
	REQ_X(KERN_NO_SPACE, vm_map_find(&m, NULL, 0, &a, PG, 0,
	    VMFS_ALIGNED_SPACE(47), VM_PROT_RW, VM_PROT_ALL, 0));
	done(&m);
}

/*
 * 2 and 3, randomised: random mappings and removals in a 1 GiB window,
 * then vm_map_findspace and aligned vm_map_find against the model over
 * the entry list (splaying changes the tree between calls, the answers
 * must not change).
 */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (rnd_state);
}

ATF_TC_WITHOUT_HEAD(findspace_random);
ATF_TC_BODY(findspace_random, tc)
{
	struct vm_map m;
	struct snap s;
	vm_offset_t start, a, want, hint;
	vm_size_t len;
	int i, j, k, n, rv;
	const vm_offset_t W = 0x40000000;	/* the window [W, 2W) */
	const int pages = (int)(W / PG);

	boot();
	map_new(&m);
	for (i = 0; i < 400; i++) {
		/* Random change: mostly small mappings, some removals. */
		start = W + (rnd() % (uint64_t)pages) * PG;
		len = (1 + rnd() % 64) * PG;
		if (start + len > 2 * W)
			len = 2 * W - start;
		if (rnd() % 4 == 0)
			REQ_X(KERN_SUCCESS, vm_map_remove(&m, start,
			    start + len));
		else
			REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, start,
			    len, (vm_prot_t)(1 + rnd() % 3), VM_PROT_ALL,
			    0));
		if (m.nentries > SNAP_MAX - 4)
			REQ_X(KERN_SUCCESS, vm_map_remove(&m, W,
			    W + (rnd() % 4 + 1) * (W / 4)));
		snap_take(&m, &s);
		for (j = 0; j < 16; j++) {
			hint = W - 64 * PG + (rnd() % (uint64_t)pages) * PG;
			len = (1 + rnd() % 256) * PG;
			/* Half the time exactly the size of a gap. */
			if ((j & 1) != 0 && s.n > 1) {
				k = 1 + (int)(rnd() % (uint64_t)(s.n - 1));
				len = s.e[k].start - s.e[k - 1].end;
				if (len == 0)
					len = PG;
				if (rnd() % 2 == 0)
					hint = MIN_A;
			}
			want = model_fit(&s, hint, len, PG, MAX_A);
			vm_map_lock(&m);
			a = vm_map_findspace(&m, hint, len);
			vm_map_unlock(&m);
			ATF_REQUIRE_MSG(a == want, "step %d: findspace(%#jx, "
			    "%#jx) = %#jx, model %#jx", i, (uintmax_t)hint,
			    (uintmax_t)len, (uintmax_t)a, (uintmax_t)want);
		}
		n = 12 + (int)(rnd() % 10);
		hint = W + (rnd() % (uint64_t)pages) * PG;
		len = (1 + rnd() % 16) * PG;
		want = model_find(&s, hint, len, (vm_size_t)1 << n, MAX_A);
		a = hint;
		rv = vm_map_find(&m, NULL, 0, &a, len, 0, VMFS_ALIGNED_SPACE(n),
		    VM_PROT_RW, VM_PROT_ALL, 0);
		REQ_X(KERN_SUCCESS, rv);
		ATF_REQUIRE_MSG(a == want, "step %d: aligned(%d) find(%#jx, "
		    "%#jx) = %#jx, model %#jx", i, n, (uintmax_t)hint,
		    (uintmax_t)len, (uintmax_t)a, (uintmax_t)want);
	}
	done(&m);
}

/* ---- 4: the 32-bit limit ---------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(max_addr_32bit);
ATF_TC_BODY(max_addr_32bit, tc)
{
	struct vm_map m;
	struct snap s;
	vm_offset_t a;
	int i;

	boot();
	map_new(&m);
	/* Even with a hint far above 2 GiB, results stay below it. */
	for (i = 0; i < 8; i++) {
		a = find(&m, (vm_offset_t)1 << 40, 64 * MB, VM_MAX_32BIT_ADDRESS,
		    VMFS_ANY_SPACE);
		REQ_X(MIN_A + (vm_offset_t)i * 64 * MB, a);
		ATF_REQUIRE(a + 64 * MB <= VM_MAX_32BIT_ADDRESS);
	}
	/* Superpage aligned: the first 2 MiB boundary above 512 MiB + 4K. */
	a = find(&m, 0, GB, VM_MAX_32BIT_ADDRESS, VMFS_SUPER_SPACE);
	REQ_X(512 * MB + 2 * MB, a);
	/* Too long for what is left below 2 GiB. */
	a = 0;
	REQ_X(KERN_NO_SPACE, vm_map_find(&m, NULL, 0, &a, 2 * GB -
	    (512 * MB + 2 * MB + GB) + PG, VM_MAX_32BIT_ADDRESS,
	    VMFS_ANY_SPACE, VM_PROT_RW, VM_PROT_ALL, 0));
	/* Fill all but the last page below 2 GiB, which a page may take. */
	fixed(&m, 512 * MB + 2 * MB + GB, 2 * GB - PG - (512 * MB + 2 * MB +
	    GB), VM_PROT_READ, VM_PROT_ALL);
	fixed(&m, 512 * MB + PG, 2 * MB - PG, VM_PROT_READ, VM_PROT_ALL);
	REQ_X(2 * GB - PG, find(&m, 0, PG, VM_MAX_32BIT_ADDRESS,
	    VMFS_ANY_SPACE));
	/* The 32-bit range is full. */
	snap_take(&m, &s);
	a = 0;
	REQ_X(KERN_NO_SPACE, vm_map_find(&m, NULL, 0, &a, PG,
	    VM_MAX_32BIT_ADDRESS, VMFS_ANY_SPACE, VM_PROT_RW, VM_PROT_ALL, 0));
	a = (vm_offset_t)1 << 40;
	REQ_X(KERN_NO_SPACE, vm_map_find(&m, NULL, 0, &a, PG,
	    VM_MAX_32BIT_ADDRESS, VMFS_ANY_SPACE, VM_PROT_RW, VM_PROT_ALL, 0));
	a = 0;
	REQ_X(KERN_NO_SPACE, vm_map_find(&m, NULL, 0, &a, 2 * MB,
	    VM_MAX_32BIT_ADDRESS, VMFS_SUPER_SPACE, VM_PROT_RW, VM_PROT_ALL,
	    0));
	require_unchanged(&m, &s, "32-bit range full");
	/* Without the limit the next page is 2 GiB exactly. */
	REQ_X(2 * GB, find(&m, 0, PG, 0, VMFS_ANY_SPACE));
	done(&m);
}

/* ---- 5: the hint rule ---------------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(hint_two_pass);
ATF_TC_BODY(hint_two_pass, tc)
{
	struct vm_map m;
	const vm_offset_t top = (vm_offset_t)1 << 40;

	boot();
	map_new(&m);
	/* The top of the map is full from 2^40. */
	fixed(&m, top, MAX_A - top, VM_PROT_READ, VM_PROT_ALL);
	fixed(&m, MIN_A, 0x10000 - MIN_A, VM_PROT_READ, VM_PROT_ALL);
	/* Hints inside the full part, and at the last page. */
	REQ_X(0x10000, find(&m, top + 0x5000, PG, 0, VMFS_ANY_SPACE));
	REQ_X(0x11000, find(&m, MAX_A - PG, PG, 0, VMFS_ANY_SPACE));
	/* A hint in free space below is honoured. */
	REQ_X(0x40000000, find(&m, 0x40000000, PG, 0, VMFS_ANY_SPACE));
	/* A hint whose free run is too short before the full part. */
	REQ_X(0x12000, find(&m, top - PG, 2 * PG, 0, VMFS_ANY_SPACE));
	REQ_X(top - PG, find(&m, top - PG, PG, 0, VMFS_ANY_SPACE));
	/* Aligned and superpage requests follow the same rule. */
	REQ_X(2 * MB, find(&m, top + GB, PG, 0, VMFS_ALIGNED_SPACE(21)));
	REQ_X(4 * MB, find(&m, top + GB, 2 * MB, 0, VMFS_SUPER_SPACE));
	done(&m);
}

/* ---- 9: superpage clip refusal ------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(superpage_clip);
ATF_TC_BODY(superpage_clip, tc)
{
	struct vm_map m;
	struct snap s;
	vm_map_entry_t e;
	const vm_offset_t S = 0x40000000;
	const u_int bf = 1u << MAP_ENTRY_SPLIT_BOUNDARY_SHIFT;
	const int cow = 1 << MAP_SPLIT_BOUNDARY_SHIFT;

	boot();
	map_new(&m);
	vm_map_lock(&m);
	/* Misaligned start, end or offset is refused. */
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_insert(&m, NULL, 0, S + PG,
	    S + 4 * MB, VM_PROT_RW, VM_PROT_ALL, cow));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_insert(&m, NULL, 0, S,
	    S + 3 * MB, VM_PROT_RW, VM_PROT_ALL, cow));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_insert(&m, NULL, 0, S,
	    S + 4 * MB, VM_PROT_RW, VM_PROT_ALL, 3 << MAP_SPLIT_BOUNDARY_SHIFT));
	REQ_X(KERN_SUCCESS, vm_map_insert(&m, NULL, 0, S, S + 4 * MB,
	    VM_PROT_RW, VM_PROT_ALL, cow));
	ATF_REQUIRE(vm_map_lookup_entry(&m, S, &e));
	REQ_X(1, MAP_ENTRY_SPLIT_BOUNDARY_INDEX(e));
	/* The clip functions refuse directly. */
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_clip_start(&m, e, S + PG));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_clip_end(&m, e, S + 3 * MB));
	vm_map_unlock(&m);
	{
		const struct ent w[] = {
			{ S, S + 4 * MB, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_DEFAULT, bf },
		};
		require_entries(&m, w, 1, "inserted");
	}

	snap_take(&m, &s);
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_protect(&m, S + PG, S + 2 * PG,
	    VM_PROT_READ, false));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_protect(&m, S, S + PG,
	    VM_PROT_READ, false));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_protect(&m, S + 2 * MB,
	    S + 3 * MB, VM_PROT_READ, true));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_inherit(&m, S + PG, S + 2 * MB,
	    VM_INHERIT_SHARE));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_madvise(&m, S + 2 * MB,
	    S + 4 * MB - PG, VM_MADV_NOCORE));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_remove(&m, S + PG, S + 2 * PG));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_remove(&m, S - PG, S + PG));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_fixed(&m, NULL, 0, S + MB, PG,
	    VM_PROT_READ, VM_PROT_ALL, 0));
	require_unchanged(&m, &s, "refused clips");

	/* On the boundary: allowed; both halves keep the boundary. */
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, S, S + 2 * MB, VM_PROT_READ,
	    false));
	{
		const struct ent w[] = {
			{ S, S + 2 * MB, VM_PROT_READ, VM_PROT_ALL,
			    VM_INHERIT_DEFAULT, bf },
			{ S + 2 * MB, S + 4 * MB, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_DEFAULT, bf },
		};
		require_entries(&m, w, 2, "protect first superpage");
	}
	/* A range covering the whole entry clips nothing. */
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, S - MB, S + 5 * MB,
	    VM_PROT_RW, false));
	{
		const struct ent w[] = {
			{ S, S + 4 * MB, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_DEFAULT, bf },
		};
		require_entries(&m, w, 1, "merged back");
	}
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, S + 2 * MB, S + 4 * MB));
	REQ_X(2 * MB, m.size);
	done(&m);
}

/* ---- 11: protection ------------------------------------------------------------------ */

ATF_TC_WITHOUT_HEAD(protect_rules);
ATF_TC_BODY(protect_rules, tc)
{
	struct vm_map m;
	struct snap s;
	const vm_offset_t A = 0x500000, G = 0x600000;
	const u_int gf = MAP_ENTRY_GUARD;

	boot();
	map_new(&m);
	fixed(&m, A, 2 * PG, VM_PROT_RW, VM_PROT_RW);
	fixed(&m, A + 4 * PG, 2 * PG, VM_PROT_READ, VM_PROT_ALL);

	/* Beyond max_protection: refused, nothing changes. */
	snap_take(&m, &s);
	REQ_X(KERN_PROTECTION_FAILURE, vm_map_protect(&m, A, A + PG,
	    VM_PROT_ALL, false));
	REQ_X(KERN_PROTECTION_FAILURE, vm_map_protect(&m, A + PG, A + 5 * PG,
	    VM_PROT_READ | VM_PROT_EXECUTE, false));	/* second one allows */
	REQ_X(KERN_PROTECTION_FAILURE, vm_map_protect(&m, A, A + 6 * PG,
	    VM_PROT_ALL, true));	/* set_max may not raise */
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_protect(&m, A, A + PG, 0x8,
	    false));
	require_unchanged(&m, &s, "beyond max");

	/* A range with holes: only the mapped parts change. */
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, A + PG, A + 5 * PG,
	    VM_PROT_NONE, false));
	{
		const struct ent w[] = {
			ENT(A, A + PG, VM_PROT_RW, VM_PROT_RW),
			ENT(A + PG, A + 2 * PG, VM_PROT_NONE, VM_PROT_RW),
			ENT(A + 4 * PG, A + 5 * PG, VM_PROT_NONE, VM_PROT_ALL),
			ENT(A + 5 * PG, A + 6 * PG, VM_PROT_READ, VM_PROT_ALL),
		};
		require_entries(&m, w, 4, "holes");
	}
	/* set_max lowers the maximum and clips the current protection. */
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, A, A + 6 * PG, VM_PROT_READ,
	    true));
	{
		const struct ent w[] = {
			ENT(A, A + PG, VM_PROT_READ, VM_PROT_READ),
			ENT(A + PG, A + 2 * PG, VM_PROT_NONE, VM_PROT_READ),
			ENT(A + 4 * PG, A + 5 * PG, VM_PROT_NONE, VM_PROT_READ),
			ENT(A + 5 * PG, A + 6 * PG, VM_PROT_READ, VM_PROT_READ),
		};
		require_entries(&m, w, 4, "set_max");
	}
	snap_take(&m, &s);
	REQ_X(KERN_PROTECTION_FAILURE, vm_map_protect(&m, A, A + PG,
	    VM_PROT_RW, false));
	require_unchanged(&m, &s, "after set_max");
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, A, A + 6 * PG, VM_PROT_READ,
	    false));
	{
		const struct ent w[] = {
			ENT(A, A + 2 * PG, VM_PROT_READ, VM_PROT_READ),
			ENT(A + 4 * PG, A + 6 * PG, VM_PROT_READ, VM_PROT_READ),
		};
		require_entries(&m, w, 2, "merged after set_max");
	}
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, A, A + 6 * PG));

	/* A guard can never be opened. */
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_fixed(&m, NULL, 0, G, 2 * PG,
	    VM_PROT_NONE, VM_PROT_READ, MAP_CREATE_GUARD));
	REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, G, 2 * PG,
	    VM_PROT_NONE, VM_PROT_NONE, MAP_CREATE_GUARD));
	fixed(&m, G + 2 * PG, PG, VM_PROT_READ, VM_PROT_ALL);
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, G - PG, G + 3 * PG, VM_PROT_RW,
	    false));
	{
		const struct ent w[] = {
			{ G, G + 2 * PG, VM_PROT_NONE, VM_PROT_NONE,
			    VM_INHERIT_DEFAULT, gf },
			ENT(G + 2 * PG, G + 3 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 2, "protect RW over a guard");
	}
	/* Partly over the guard: clipped, unchanged, merged back. */
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, G + PG, G + 3 * PG,
	    VM_PROT_READ, false));
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, G, G + 2 * PG, VM_PROT_ALL,
	    true));
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, G + PG, G + 2 * PG,
	    VM_PROT_ALL, true));
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, G + PG, G + 2 * PG,
	    VM_PROT_RW, false));
	{
		const struct ent w[] = {
			{ G, G + 2 * PG, VM_PROT_NONE, VM_PROT_NONE,
			    VM_INHERIT_DEFAULT, gf },
			ENT(G + 2 * PG, G + 3 * PG, VM_PROT_READ, VM_PROT_ALL),
		};
		require_entries(&m, w, 2, "set_max over a guard");
	}
	done(&m);
}

/* ---- 6: vm_map_fixed ---------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(fixed_excl_and_replace);
ATF_TC_BODY(fixed_excl_and_replace, tc)
{
	struct vm_map m;
	struct snap s;
	const vm_offset_t A = 0x100000;

	boot();
	map_new(&m);
	/* On free space. */
	REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, A, 4 * PG, VM_PROT_RW,
	    VM_PROT_ALL, 0));
	REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, A + 8 * PG, 2 * PG,
	    VM_PROT_READ, VM_PROT_ALL, MAP_CHECK_EXCL));
	{
		const struct ent w[] = {
			ENT(A, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + 8 * PG, A + 10 * PG, VM_PROT_READ, VM_PROT_ALL),
		};
		require_entries(&m, w, 2, "fixed on free space");
	}

	/* MAP_CHECK_EXCL on occupied ranges: KERN_NO_SPACE, unchanged. */
	snap_take(&m, &s);
	REQ_X(KERN_NO_SPACE, vm_map_fixed(&m, NULL, 0, A, 4 * PG,
	    VM_PROT_READ, VM_PROT_ALL, MAP_CHECK_EXCL));	/* exactly */
	REQ_X(KERN_NO_SPACE, vm_map_fixed(&m, NULL, 0, A + PG, PG,
	    VM_PROT_READ, VM_PROT_ALL, MAP_CHECK_EXCL));	/* inside */
	REQ_X(KERN_NO_SPACE, vm_map_fixed(&m, NULL, 0, A - PG, 2 * PG,
	    VM_PROT_READ, VM_PROT_ALL, MAP_CHECK_EXCL));	/* overlaps start */
	REQ_X(KERN_NO_SPACE, vm_map_fixed(&m, NULL, 0, A + 3 * PG, 2 * PG,
	    VM_PROT_READ, VM_PROT_ALL, MAP_CHECK_EXCL));	/* overlaps end */
	REQ_X(KERN_NO_SPACE, vm_map_fixed(&m, NULL, 0, A + 5 * PG, 4 * PG,
	    VM_PROT_READ, VM_PROT_ALL, MAP_CHECK_EXCL));	/* hole + entry */
	REQ_X(KERN_NO_SPACE, vm_map_fixed(&m, NULL, 0, A - PG, 12 * PG,
	    VM_PROT_READ, VM_PROT_ALL, MAP_CHECK_EXCL));	/* spans both */
	require_unchanged(&m, &s, "MAP_CHECK_EXCL");
	/* Invalid arguments change nothing either. */
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_fixed(&m, NULL, 0, A + 1, PG,
	    VM_PROT_READ, VM_PROT_ALL, 0));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_fixed(&m, NULL, 0, A, 0,
	    VM_PROT_READ, VM_PROT_ALL, 0));
	REQ_X(KERN_PROTECTION_FAILURE, vm_map_fixed(&m, NULL, 0, A, PG,
	    VM_PROT_RW, VM_PROT_READ, 0));
	require_unchanged(&m, &s, "invalid vm_map_fixed");

	/* Without it: replaces, clipping what it overlaps. */
	REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, A + PG, PG,
	    VM_PROT_READ, VM_PROT_ALL, 0));
	{
		const struct ent w[] = {
			ENT(A, A + PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + PG, A + 2 * PG, VM_PROT_READ, VM_PROT_ALL),
			ENT(A + 2 * PG, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + 8 * PG, A + 10 * PG, VM_PROT_READ, VM_PROT_ALL),
		};
		require_entries(&m, w, 4, "replace inside");
	}
	/* Over the tail, the hole and the second mapping's head. */
	REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, A + 3 * PG, 6 * PG,
	    VM_PROT_RW | VM_PROT_EXECUTE, VM_PROT_ALL, 0));
	{
		const struct ent w[] = {
			ENT(A, A + PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + PG, A + 2 * PG, VM_PROT_READ, VM_PROT_ALL),
			ENT(A + 2 * PG, A + 3 * PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + 3 * PG, A + 9 * PG, VM_PROT_ALL, VM_PROT_ALL),
			ENT(A + 9 * PG, A + 10 * PG, VM_PROT_READ, VM_PROT_ALL),
		};
		require_entries(&m, w, 5, "replace spanning");
	}
	/* Replacing with equal attributes merges back into one entry. */
	REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, A, 10 * PG,
	    VM_PROT_RW, VM_PROT_ALL, 0));
	{
		const struct ent w[] = {
			ENT(A, A + 10 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 1, "replace all");
	}
	done(&m);
}

/* ---- 7: removal ------------------------------------------------------------------ */

ATF_TC_WITHOUT_HEAD(remove_ranges);
ATF_TC_BODY(remove_ranges, tc)
{
	struct vm_map m;
	const vm_offset_t A = 0x200000;

	boot();
	map_new(&m);
	fixed(&m, A, 4 * PG, VM_PROT_RW, VM_PROT_ALL);
	fixed(&m, A + 6 * PG, 2 * PG, VM_PROT_RW, VM_PROT_ALL);
	fixed(&m, A + 10 * PG, 2 * PG, VM_PROT_RW, VM_PROT_ALL);
	fixed(&m, A + 14 * PG, 2 * PG, VM_PROT_RW, VM_PROT_ALL);
	fixed(&m, A + 20 * PG, 4 * PG, VM_PROT_RW, VM_PROT_ALL);
	REQ_X(5, m.nentries);
	REQ_X(14 * PG, m.size);

	/* Whole entry. */
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, A + 6 * PG, A + 8 * PG));
	REQ_X(4, m.nentries);
	REQ_X(12 * PG, m.size);
	/* Nothing there: success, no change. */
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, A + 6 * PG, A + 8 * PG));
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, A + 4 * PG, A + 4 * PG));
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, A + PG, A + PG));
	REQ_X(4, m.nentries);
	/* Partial: the middle page of the first splits it. */
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, A + PG, A + 2 * PG));
	{
		const struct ent w[] = {
			ENT(A, A + PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + 2 * PG, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + 10 * PG, A + 12 * PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + 14 * PG, A + 16 * PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + 20 * PG, A + 24 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 5, "remove middle page");
	}
	/* Spanning, with holes, ends inside entries. */
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, A + 3 * PG, A + 21 * PG));
	{
		const struct ent w[] = {
			ENT(A, A + PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + 2 * PG, A + 3 * PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + 21 * PG, A + 24 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 3, "remove spanning");
	}
	/* Head and tail of entries. */
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, A + 23 * PG, A + 30 * PG));
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, A - PG, A + PG));
	{
		const struct ent w[] = {
			ENT(A + 2 * PG, A + 3 * PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + 21 * PG, A + 23 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 2, "remove head and tail");
	}
	/* Everything. */
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, MIN_A, MAX_A));
	REQ_X(0, m.nentries);
	REQ_X(0, m.size);
	ATF_REQUIRE(m.root == NULL);
	ATF_REQUIRE(vm_map_entry_first(&m) == &m.header);
	/* A guard is not counted in size and goes like any entry. */
	REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, A, 2 * PG,
	    VM_PROT_NONE, VM_PROT_NONE, MAP_CREATE_GUARD));
	fixed(&m, A + 2 * PG, PG, VM_PROT_RW, VM_PROT_ALL);
	REQ_X(2, m.nentries);
	REQ_X(PG, m.size);
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, A + PG, A + 3 * PG));
	REQ_X(1, m.nentries);
	REQ_X(0, m.size);
	done(&m);
}

/* ---- 10: merging -------------------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(merge_neighbours);
ATF_TC_BODY(merge_neighbours, tc)
{
	struct vm_map m;
	const vm_offset_t A = 0x300000;

	boot();
	map_new(&m);
	fixed(&m, A, 2 * PG, VM_PROT_RW, VM_PROT_ALL);
	fixed(&m, A + 2 * PG, 2 * PG, VM_PROT_RW, VM_PROT_ALL);
	{
		const struct ent w[] = {
			ENT(A, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 1, "adjacent fixed");
	}
	/* Filling a one-page hole between two equal entries: one entry. */
	fixed(&m, A + 5 * PG, PG, VM_PROT_RW, VM_PROT_ALL);
	REQ_X(2, m.nentries);
	fixed(&m, A + 4 * PG, PG, VM_PROT_RW, VM_PROT_ALL);
	{
		const struct ent w[] = {
			ENT(A, A + 6 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 1, "hole filled");
	}
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, A + PG, A + 2 * PG,
	    VM_PROT_READ, false));
	{
		const struct ent w[] = {
			ENT(A, A + PG, VM_PROT_RW, VM_PROT_ALL),
			ENT(A + PG, A + 2 * PG, VM_PROT_READ, VM_PROT_ALL),
			ENT(A + 2 * PG, A + 6 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 3, "protect middle");
	}
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, A + PG, A + 2 * PG,
	    VM_PROT_RW, false));
	{
		const struct ent w[] = {
			ENT(A, A + 6 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 1, "protect back");
	}
	/* Different inheritance prevents merging. */
	REQ_X(KERN_SUCCESS, vm_map_inherit(&m, A + 4 * PG, A + 6 * PG,
	    VM_INHERIT_SHARE));
	fixed(&m, A + 6 * PG, PG, VM_PROT_RW, VM_PROT_ALL);
	{
		const struct ent w[] = {
			ENT(A, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL),
			{ A + 4 * PG, A + 6 * PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_SHARE, 0 },
			ENT(A + 6 * PG, A + 7 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 3, "inheritance differs");
	}
	/* Different max_protection or eflags prevent it too. */
	fixed(&m, A + 7 * PG, PG, VM_PROT_RW, VM_PROT_RW);
	REQ_X(4, m.nentries);
	REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, A + 8 * PG, PG,
	    VM_PROT_RW, VM_PROT_RW, MAP_DISABLE_COREDUMP));
	REQ_X(5, m.nentries);
	/* Making them equal again merges them all. */
	REQ_X(KERN_SUCCESS, vm_map_inherit(&m, A, A + 9 * PG,
	    VM_INHERIT_COPY));
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A, A + 9 * PG,
	    VM_MADV_NOCORE));
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, A, A + 9 * PG, VM_PROT_RW,
	    true));
	{
		const struct ent w[] = {
			{ A, A + 9 * PG, VM_PROT_RW, VM_PROT_RW,
			    VM_INHERIT_COPY, MAP_ENTRY_NOCOREDUMP },
		};
		require_entries(&m, w, 1, "all equal again");
	}
	done(&m);
}

/* ---- 8: range validation ------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(range_checks);
ATF_TC_BODY(range_checks, tc)
{
	struct vm_map m;
	vm_offset_t s, e;

	boot();
	map_new(&m);
	ATF_REQUIRE(vm_map_range_valid(&m, MIN_A, MAX_A));
	ATF_REQUIRE(vm_map_range_valid(&m, 0x5000, 0x5000));
	ATF_REQUIRE(!vm_map_range_valid(&m, 0x6000, 0x5000));
	ATF_REQUIRE(!vm_map_range_valid(&m, MIN_A - 1, 0x5000));
	ATF_REQUIRE(!vm_map_range_valid(&m, 0, PG));
	ATF_REQUIRE(!vm_map_range_valid(&m, MIN_A, MAX_A + 1));
	ATF_REQUIRE(!vm_map_range_valid(&m, MAX_A, MAX_A + PG));

	s = e = 1;
	REQ_X(KERN_SUCCESS, vm_map_check_range(&m, 0x5123, 0x1000, &s, &e));
	REQ_X(0x5000, s); REQ_X(0x7000, e);
	REQ_X(KERN_SUCCESS, vm_map_check_range(&m, 0x5000, 0, &s, &e));
	REQ_X(0x5000, s); REQ_X(0x5000, e);
	REQ_X(KERN_SUCCESS, vm_map_check_range(&m, MAX_A - PG, PG, &s, &e));
	REQ_X(MAX_A - PG, s); REQ_X(MAX_A, e);
	REQ_X(KERN_SUCCESS, vm_map_check_range(&m, MIN_A, MAX_A - MIN_A,
	    &s, &e));
	REQ_X(MIN_A, s); REQ_X(MAX_A, e);

	s = e = 1;
	/* End beyond max, by a byte (rounded up a page). */
	REQ_X(KERN_INVALID_ADDRESS, vm_map_check_range(&m, MAX_A - PG,
	    PG + 1, &s, &e));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_check_range(&m, MAX_A, PG, &s,
	    &e));
	/* Start below min. */
	REQ_X(KERN_INVALID_ADDRESS, vm_map_check_range(&m, 0, PG, &s, &e));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_check_range(&m, MIN_A - 1, 2,
	    &s, &e));
	/* addr + len wrapping 2^64, or the rounding wrapping. */
	REQ_X(KERN_INVALID_ADDRESS, vm_map_check_range(&m, 0x5000,
	    UINT64_MAX, &s, &e));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_check_range(&m, 0x5000,
	    UINT64_MAX - 0x5000 + 1, &s, &e));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_check_range(&m, UINT64_MAX - 100,
	    200, &s, &e));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_check_range(&m,
	    UINT64_MAX - PAGE_MASK + 1, 0, &s, &e));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_check_range(&m, MIN_A,
	    UINT64_MAX - MIN_A - 10, &s, &e));
	/* Failures leave the outputs alone. */
	REQ_X(1, s); REQ_X(1, e);

	/* The range checks of the operations. */
	REQ_X(KERN_INVALID_ADDRESS, vm_map_remove(&m, 0x6000, 0x5000));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_remove(&m, MIN_A, MAX_A + PG));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_protect(&m, 0, PG, VM_PROT_READ,
	    false));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_inherit(&m, 0x6000, 0x5000,
	    VM_INHERIT_SHARE));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_madvise(&m, MAX_A, MAX_A + PG,
	    VM_MADV_NOCORE));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_fixed(&m, NULL, 0, MAX_A - PG,
	    2 * PG, VM_PROT_RW, VM_PROT_ALL, 0));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_fixed(&m, NULL, 0,
	    (vm_offset_t)0 - PG, 2 * PG, VM_PROT_RW, VM_PROT_ALL, 0));
	REQ_X(0, m.nentries);
	done(&m);
}

/* ---- 12: inheritance and madvise ------------------------------------------------------ */

ATF_TC_WITHOUT_HEAD(inherit_madvise);
ATF_TC_BODY(inherit_madvise, tc)
{
	struct vm_map m;
	struct snap s;
	const vm_offset_t A = 0x700000;
	const u_int NC = MAP_ENTRY_NOCOREDUMP, NS = MAP_ENTRY_NOSYNC;

	boot();
	map_new(&m);
	fixed(&m, A, 4 * PG, VM_PROT_RW, VM_PROT_ALL);
	REQ_X(KERN_SUCCESS, vm_map_inherit(&m, A + PG, A + 2 * PG,
	    VM_INHERIT_SHARE));
	REQ_X(KERN_SUCCESS, vm_map_inherit(&m, A + 2 * PG, A + 3 * PG,
	    VM_INHERIT_NONE));
	REQ_X(KERN_SUCCESS, vm_map_inherit(&m, A + 3 * PG, A + 5 * PG,
	    VM_INHERIT_ZERO));
	{
		const struct ent w[] = {
			ENT(A, A + PG, VM_PROT_RW, VM_PROT_ALL),
			{ A + PG, A + 2 * PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_SHARE, 0 },
			{ A + 2 * PG, A + 3 * PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_NONE, 0 },
			{ A + 3 * PG, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_ZERO, 0 },
		};
		require_entries(&m, w, 4, "inherit");
	}
	snap_take(&m, &s);
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_inherit(&m, A, A + 4 * PG, 7));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_inherit(&m, A, A + 4 * PG, 4));
	require_unchanged(&m, &s, "invalid inheritance");
	REQ_X(KERN_SUCCESS, vm_map_inherit(&m, A, A + 4 * PG,
	    VM_INHERIT_COPY));
	{
		const struct ent w[] = {
			ENT(A, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 1, "inherit back");
	}

	/* Behaviour bits: one of NORMAL/SEQUENTIAL/RANDOM at a time. */
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A, A + 2 * PG,
	    VM_MADV_SEQUENTIAL));
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A + 2 * PG, A + 4 * PG,
	    VM_MADV_RANDOM));
	{
		const struct ent w[] = {
			{ A, A + 2 * PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_COPY, MAP_ENTRY_BEHAV_SEQUENTIAL },
			{ A + 2 * PG, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_COPY, MAP_ENTRY_BEHAV_RANDOM },
		};
		require_entries(&m, w, 2, "sequential/random");
	}
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A, A + 2 * PG,
	    VM_MADV_RANDOM));
	{
		const struct ent w[] = {
			{ A, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_COPY, MAP_ENTRY_BEHAV_RANDOM },
		};
		require_entries(&m, w, 1, "random replaces sequential");
	}
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A, A + 4 * PG,
	    VM_MADV_NORMAL));
	/* NOCORE/CORE and NOSYNC/AUTOSYNC, independent of each other. */
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A, A + 3 * PG,
	    VM_MADV_NOCORE));
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A + PG, A + 4 * PG,
	    VM_MADV_NOSYNC));
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A + PG, A + 2 * PG,
	    VM_MADV_SEQUENTIAL));
	{
		const struct ent w[] = {
			{ A, A + PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_COPY, NC },
			{ A + PG, A + 2 * PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_COPY,
			    NC | NS | MAP_ENTRY_BEHAV_SEQUENTIAL },
			{ A + 2 * PG, A + 3 * PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_COPY, NC | NS },
			{ A + 3 * PG, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_COPY, NS },
		};
		require_entries(&m, w, 4, "nocore/nosync");
	}
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A, A + 4 * PG, VM_MADV_CORE));
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A, A + 4 * PG,
	    VM_MADV_AUTOSYNC));
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A, A + 4 * PG,
	    VM_MADV_NORMAL));
	{
		const struct ent w[] = {
			ENT(A, A + 4 * PG, VM_PROT_RW, VM_PROT_ALL),
		};
		require_entries(&m, w, 1, "core/autosync/normal");
	}
	/* Page advice is accepted and leaves the map alone; 99 is not. */
	snap_take(&m, &s);
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A + PG, A + 2 * PG,
	    VM_MADV_WILLNEED));
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A + PG, A + 2 * PG,
	    VM_MADV_DONTNEED));
	REQ_X(KERN_SUCCESS, vm_map_madvise(&m, A + PG, A + 2 * PG,
	    VM_MADV_FREE));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_madvise(&m, A + PG, A + 2 * PG,
	    99));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_madvise(&m, A + PG, A + 2 * PG,
	    -1));
	require_unchanged(&m, &s, "page advice");
	done(&m);
}

/* ---- 13: stacks ----------------------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(stack_grow);
ATF_TC_BODY(stack_grow, tc)
{
	struct vm_map m;
	struct snap s;
	vm_map_entry_t gap, e;
	vm_offset_t a;
	size_t len;
	int sg, guard;
	const vm_offset_t B = 0x10000000, top = B + MB;
	const u_int GAPF = MAP_ENTRY_STACK_GAP_DN | MAP_ENTRY_GUARD;
	const u_int STK = MAP_ENTRY_GROWS_DOWN;
	vm_size_t K = 1024;

	boot();
	len = sizeof(sg);
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.sgrowsiz", &sg, &len, NULL, 0));
	REQ_X(128 * 1024, sg);
	len = sizeof(guard);
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.stack_guard_page", &guard, &len,
	    NULL, 0));
	REQ_X(1, guard);
	map_new(&m);
	REQ_X(KERN_SUCCESS, vm_map_stack(&m, B, MB, VM_PROT_RW, VM_PROT_ALL,
	    0));
	{
		const struct ent w[] = {
			{ B, top - 128 * K, VM_PROT_NONE, VM_PROT_NONE,
			    VM_INHERIT_DEFAULT, GAPF },
			{ top - 128 * K, top, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_DEFAULT, STK },
		};
		require_entries(&m, w, 2, "vm_map_stack");
	}
	REQ_X(128 * K, m.size);
	/* The range is taken: a second stack or an excl mapping fails. */
	snap_take(&m, &s);
	REQ_X(KERN_NO_SPACE, vm_map_stack(&m, B - MB + PG, MB, VM_PROT_RW,
	    VM_PROT_ALL, 0));
	REQ_X(KERN_NO_SPACE, vm_map_fixed(&m, NULL, 0, B + 8 * PG, PG,
	    VM_PROT_RW, VM_PROT_ALL, MAP_CHECK_EXCL));
	require_unchanged(&m, &s, "stack range taken");
	/* vm_map_find never lands in the grow area. */
	a = find(&m, B + 8 * PG, PG, 0, VMFS_ANY_SPACE);
	REQ_X(top, a);
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, a, a + PG));
	a = find(&m, B, 4 * PG, 0, VMFS_ANY_SPACE);
	REQ_X(top, a);
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, a, a + 4 * PG));
	/* A hint above: wraps to the bottom, below the grow area. */
	fixed(&m, MIN_A, B - MIN_A - PG, VM_PROT_READ, VM_PROT_ALL);
	a = find(&m, top + 0x10000, MAX_A - top - 0x10000 + PG, 0,
	    VMFS_ANY_SPACE);
	REQ_X(top, a);
	fixed(&m, MAX_A - 0x10000 + PG, 0x10000 - PG, VM_PROT_READ,
	    VM_PROT_ALL);
	/* Everything above the stack is taken: hint in the grow area. */
	REQ_X(B - PG, find(&m, B + PG, PG, 0, VMFS_ANY_SPACE));
	a = 0;
	REQ_X(KERN_NO_SPACE, vm_map_find(&m, NULL, 0, &a, PG, 0,
	    VMFS_ANY_SPACE, VM_PROT_RW, VM_PROT_ALL, 0));
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, top, MAX_A));
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, MIN_A, B));

	vm_map_lock(&m);
	ATF_REQUIRE(vm_map_lookup_entry(&m, top - 128 * K - 1, &gap));
	REQ_X(B, gap->start);
	REQ_X(PG, gap->cold->next_read);	/* the guard size */
	/* Not a gap entry. */
	ATF_REQUIRE(vm_map_lookup_entry(&m, top - PG, &e));
	REQ_X(KERN_INVALID_ARGUMENT, vm_map_growstack(&m, top - 200 * K, e));
	/* One page below the stack: one sgrowsiz unit. */
	REQ_X(KERN_SUCCESS, vm_map_growstack(&m, top - 128 * K - 1, gap));
	REQ_X(top - 256 * K, gap->end);
	/* Already stack: nothing to do. */
	REQ_X(KERN_SUCCESS, vm_map_growstack(&m, top - 256 * K, gap));
	REQ_X(top - 256 * K, gap->end);
	/* 200 KiB below: rounded up to two units. */
	REQ_X(KERN_SUCCESS, vm_map_growstack(&m, top - 456 * K, gap));
	REQ_X(top - 512 * K, gap->end);
	/* In the guard page: never. */
	REQ_X(KERN_NO_SPACE, vm_map_growstack(&m, B, gap));
	REQ_X(KERN_NO_SPACE, vm_map_growstack(&m, B + PG - 1, gap));
	REQ_X(KERN_INVALID_ADDRESS, vm_map_growstack(&m, B - 1, gap));
	REQ_X(top - 512 * K, gap->end);
	vm_map_unlock(&m);
	{
		const struct ent w[] = {
			{ B, top - 512 * K, VM_PROT_NONE, VM_PROT_NONE,
			    VM_INHERIT_DEFAULT, GAPF },
			{ top - 512 * K, top, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_DEFAULT, STK },
		};
		require_entries(&m, w, 2, "grown twice");
	}
	/* Just above the guard: the grow stops at the guard. */
	vm_map_lock(&m);
	ATF_REQUIRE(vm_map_lookup_entry(&m, B, &gap));
	REQ_X(KERN_SUCCESS, vm_map_growstack(&m, B + PG, gap));
	ATF_REQUIRE(vm_map_lookup_entry(&m, B, &gap));
	REQ_X(B + PG, gap->end);
	REQ_X(KERN_NO_SPACE, vm_map_growstack(&m, B + PG - 1, gap));
	vm_map_unlock(&m);
	{
		const struct ent w[] = {
			{ B, B + PG, VM_PROT_NONE, VM_PROT_NONE,
			    VM_INHERIT_DEFAULT, GAPF },
			{ B + PG, top, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_DEFAULT, STK },
		};
		require_entries(&m, w, 2, "grown to the guard");
	}
	REQ_X(MB - PG, m.size);
	/* Still nothing can be mapped in the guard. */
	snap_take(&m, &s);
	REQ_X(KERN_NO_SPACE, vm_map_fixed(&m, NULL, 0, B, PG, VM_PROT_RW,
	    VM_PROT_ALL, MAP_CHECK_EXCL));
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, B, B + PG, VM_PROT_RW, false));
	require_unchanged(&m, &s, "guard after growth");
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, B, top));
	REQ_X(0, m.nentries);

	/*
	 * vm.sgrowsiz = 64 KiB and vm.stack_guard_page = 0: the stack starts
	 * at 64 KiB, grows in 64 KiB units and finally absorbs the whole gap.
	 */
	sg = 64 * 1024;
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.sgrowsiz", NULL, NULL, &sg,
	    sizeof(sg)));
	guard = 0;
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.stack_guard_page", NULL, NULL,
	    &guard, sizeof(guard)));
	REQ_X(KERN_SUCCESS, vm_map_stack(&m, B, 256 * K, VM_PROT_RW,
	    VM_PROT_ALL, 0));
	{
		const struct ent w[] = {
			{ B, B + 192 * K, VM_PROT_NONE, VM_PROT_NONE,
			    VM_INHERIT_DEFAULT, GAPF },
			{ B + 192 * K, B + 256 * K, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_DEFAULT, STK },
		};
		require_entries(&m, w, 2, "64K stack");
	}
	vm_map_lock(&m);
	ATF_REQUIRE(vm_map_lookup_entry(&m, B, &gap));
	REQ_X(0, gap->cold->next_read);
	REQ_X(KERN_SUCCESS, vm_map_growstack(&m, B + 192 * K - 1, gap));
	REQ_X(B + 128 * K, gap->end);
	REQ_X(KERN_SUCCESS, vm_map_growstack(&m, B, gap));
	vm_map_unlock(&m);
	{
		const struct ent w[] = {
			{ B, B + 256 * K, VM_PROT_RW, VM_PROT_ALL,
			    VM_INHERIT_DEFAULT, STK },
		};
		require_entries(&m, w, 1, "gap absorbed");
	}
	sg = 128 * 1024;
	guard = 1;
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.sgrowsiz", NULL, NULL, &sg,
	    sizeof(sg)));
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.stack_guard_page", NULL, NULL,
	    &guard, sizeof(guard)));
	done(&m);
}

/* ---- 14: the entry limit ---------------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(entry_limit);
ATF_TC_BODY(entry_limit, tc)
{
	struct vm_map m;
	struct snap s;
	vm_offset_t a;
	int i, old;
	const vm_offset_t E = 0x800000;

	boot();
	map_new(&m);
	old = vm_map_entries_max;
	vm_map_entries_max = 10;
	for (i = 0; i < 10; i++)
		fixed(&m, E + (vm_offset_t)i * 4 * PG, 3 * PG, VM_PROT_RW,
		    VM_PROT_ALL);
	REQ_X(10, m.nentries);

	snap_take(&m, &s);
	/* An 11th entry, however it comes. */
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_fixed(&m, NULL, 0, E + 40 * PG,
	    PG, VM_PROT_RW, VM_PROT_ALL, MAP_CHECK_EXCL));
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_fixed(&m, NULL, 0, E + 40 * PG,
	    PG, VM_PROT_RW, VM_PROT_ALL, 0));
	a = 0;
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_find(&m, NULL, 0, &a, PG, 0,
	    VMFS_ANY_SPACE, VM_PROT_RW, VM_PROT_ALL, 0));
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_stack(&m, 0x10000000, MB,
	    VM_PROT_RW, VM_PROT_ALL, 0));
	/* Splits past the limit: one or two clips. */
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_protect(&m, E + PG, E + 2 * PG,
	    VM_PROT_READ, false));
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_protect(&m, E, E + PG,
	    VM_PROT_READ, false));
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_protect(&m, E + 2 * PG,
	    E + 5 * PG, VM_PROT_READ, false));
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_inherit(&m, E + PG, E + 2 * PG,
	    VM_INHERIT_SHARE));
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_madvise(&m, E + PG, E + 2 * PG,
	    VM_MADV_NOCORE));
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_remove(&m, E + PG, E + 2 * PG));
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_fixed(&m, NULL, 0, E + PG, PG,
	    VM_PROT_READ, VM_PROT_ALL, 0));
	require_unchanged(&m, &s, "at the limit");

	/* Whole entries need no clip. */
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, E, E + 3 * PG, VM_PROT_READ,
	    false));
	REQ_X(KERN_SUCCESS, vm_map_remove(&m, E, E + 4 * PG));
	REQ_X(9, m.nentries);
	/* One clip now fits, a second does not. */
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, E + 4 * PG, E + 5 * PG,
	    VM_PROT_READ, false));
	REQ_X(10, m.nentries);
	snap_take(&m, &s);
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_protect(&m, E + 9 * PG,
	    E + 10 * PG, VM_PROT_READ, false));
	require_unchanged(&m, &s, "at the limit again");
	/* 0: no limit. */
	vm_map_entries_max = 0;
	REQ_X(KERN_SUCCESS, vm_map_protect(&m, E + 9 * PG, E + 10 * PG,
	    VM_PROT_READ, false));
	REQ_X(12, m.nentries);
	vm_map_entries_max = old;
	done(&m);
}

/* ---- 15: ASLR ---------------------------------------------------------------------------- */

static vm_offset_t
aslr_first(int fs, vm_size_t len)
{
	struct vm_map m;
	vm_offset_t a;

	map_new(&m);
	m.flags |= MAP_ASLR;
	a = find(&m, 0, len, 0, fs);
	vm_map_destroy(&m);
	return (a);
}

static int
count_distinct(const vm_offset_t *v, int n)
{
	int i, j, d = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i && v[j] != v[i]; j++)
			;
		if (j == i)
			d++;
	}
	return (d);
}

ATF_TC_WITHOUT_HEAD(aslr);
ATF_TC_BODY(aslr, tc)
{
	struct vm_map m;
	vm_offset_t v[256], w[16], a, b, c;
	int i, d, rv;

	boot();
	for (i = 0; i < 256; i++) {
		v[i] = aslr_first(VMFS_ANY_SPACE, PG);
		/* A random gap of 0..4095 pages before it. */
		ATF_REQUIRE(v[i] >= MIN_A && v[i] < MIN_A + 4096 * PG);
	}
	d = count_distinct(v, 256);
	ATF_REQUIRE_MSG(d > 200, "%d distinct first addresses of 256", d);
	for (i = 0; i < 64; i++) {
		v[i] = aslr_first(VMFS_SUPER_SPACE, 2 * MB);
		REQ_X(0, v[i] & (2 * MB - 1));
		ATF_REQUIRE(v[i] >= 2 * MB && v[i] < 2 * MB + 16 * 2 * MB);
	}
	d = count_distinct(v, 64);
	ATF_REQUIRE_MSG(d >= 8, "%d distinct superpage addresses of 64", d);
	/* Without MAP_ASLR: always the lowest. */
	map_new(&m);
	REQ_X(MIN_A, find(&m, 0, PG, 0, VMFS_ANY_SPACE));
	vm_map_destroy(&m);
	vm_map_check_always = 0;
	vm_shutdown();

	/* A fixed seed reproduces the layout exactly. */
	boot_seed(0x5eed1234);
	for (i = 0; i < 16; i++)
		w[i] = aslr_first(VMFS_ANY_SPACE, PG);
	vm_map_check_always = 0;
	vm_shutdown();
	boot_seed(0x5eed1234);
	for (i = 0; i < 16; i++) {
		a = aslr_first(VMFS_ANY_SPACE, PG);
		ATF_REQUIRE_MSG(a == w[i], "map %d: %#jx, first boot %#jx", i,
		    (uintmax_t)a, (uintmax_t)w[i]);
	}
	vm_map_check_always = 0;
	vm_shutdown();
	boot_seed(0x5eed1235);
	for (i = 0; i < 16; i++)
		v[i] = aslr_first(VMFS_ANY_SPACE, PG);
	ATF_REQUIRE(memcmp(v, w, sizeof(w)) != 0);

	/* Anonymous clustering: one after the other. */
	map_new(&m);
	m.flags |= MAP_ASLR;
	a = 0;
	rv = vm_map_find(&m, NULL, 0, &a, 16 * PG, 0, VMFS_ANY_SPACE,
	    VM_PROT_RW, VM_PROT_ALL, MAP_ANON_CLUSTER);
	REQ_X(KERN_SUCCESS, rv);
	b = 0;
	rv = vm_map_find(&m, NULL, 0, &b, 16 * PG, 0, VMFS_ANY_SPACE,
	    VM_PROT_RW, VM_PROT_ALL, MAP_ANON_CLUSTER);
	REQ_X(KERN_SUCCESS, rv);
	REQ_X(a + 16 * PG, b);
	c = 0;
	rv = vm_map_find(&m, NULL, 0, &c, 4 * PG, 0, VMFS_ANY_SPACE,
	    VM_PROT_READ, VM_PROT_ALL, MAP_ANON_CLUSTER);
	REQ_X(KERN_SUCCESS, rv);
	REQ_X(b + 16 * PG, c);
	REQ_X(2, m.nentries);	/* the first two merged */
	done(&m);
}

/* ---- 16: timestamp ------------------------------------------------------------ */

ATF_TC_WITHOUT_HEAD(timestamp);
ATF_TC_BODY(timestamp, tc)
{
	struct vm_map m;
	u_int t;

	boot();
	map_new(&m);
	t = m.timestamp;
	vm_map_lock(&m);
	REQ_X(t, m.timestamp);
	vm_map_unlock(&m);
	REQ_X(t + 1, m.timestamp);
	vm_map_lock(&m);
	vm_map_unlock(&m);
	REQ_X(t + 2, m.timestamp);
	/* A shared hold changes nothing. */
	vm_map_lock_read(&m);
	vm_map_unlock_read(&m);
	REQ_X(t + 2, m.timestamp);
	/* An operation that locks internally bumps it too. */
	fixed(&m, 0x10000, PG, VM_PROT_RW, VM_PROT_ALL);
	ATF_REQUIRE(m.timestamp > t + 2);
	done(&m);
}

ATF_TC_WITHOUT_HEAD(entry_limit_merge);
ATF_TC_BODY(entry_limit_merge, tc)
{
	struct vm_map m;
	int old;
	const vm_offset_t E = 0x800000;

	/*
	 * At the entry limit, a mapping that merges into a neighbour adds no
	 * entry, so it is allowed; one that merges into neither is refused.
	 */
	boot();
	map_new(&m);
	old = vm_map_entries_max;
	vm_map_entries_max = 2;
	fixed(&m, E, PG, VM_PROT_RW, VM_PROT_ALL);
	fixed(&m, E + 4 * PG, PG, VM_PROT_READ, VM_PROT_ALL);
	REQ_X(2, m.nentries);
	/* Extends the first entry: allowed. */
	REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, E + PG, PG, VM_PROT_RW,
	    VM_PROT_ALL, MAP_CHECK_EXCL));
	REQ_X(2, m.nentries);
	/* Extends the second entry downwards: allowed. */
	REQ_X(KERN_SUCCESS, vm_map_fixed(&m, NULL, 0, E + 3 * PG, PG,
	    VM_PROT_READ, VM_PROT_ALL, MAP_CHECK_EXCL));
	REQ_X(2, m.nentries);
	/* Between them, unlike both: refused, nothing changes. */
	REQ_X(KERN_RESOURCE_SHORTAGE, vm_map_fixed(&m, NULL, 0, E + 2 * PG,
	    PG, VM_PROT_NONE, VM_PROT_ALL, MAP_CHECK_EXCL));
	REQ_X(2, m.nentries);
	REQ_X(4 * PG, m.size);
	vm_map_entries_max = old;
	vm_map_destroy(&m);
	vm_shutdown();
}

/*
 * Concurrency: readers look entries up under the shared lock (their
 * lookups splay through a try-upgrade whenever they are alone) while a
 * writer maps, protects and unmaps.  Run under ThreadSanitizer by
 * make check-tsan; the consistency walk runs at every exclusive unlock.
 */
static struct vm_map cc_map;
static _Atomic int cc_stop;
static _Atomic long cc_lookups;
#define	CC_BASE	((vm_offset_t)0x10000000)
#define	CC_SPAN	(256 * PG)

/* xorshift64: the concurrency tests' private random streams. */
static uint64_t
xs_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x);
}

static void *
cc_reader(void *arg)
{
	uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
	vm_map_entry_t e, ge;
	vm_offset_t a;
	bool in;

	while (!atomic_load(&cc_stop)) {
		(void)xs_next(&x);
		a = CC_BASE + (x % (CC_SPAN / PG)) * PG;
		vm_map_lock_read(&cc_map);
		in = vm_map_lookup_entry(&cc_map, a, &e);
		ge = vm_map_lookup_entry_ge(&cc_map, a);
		/* Answers must agree with each other and with the bounds. */
		if (in && (e != ge || a < e->start || a >= e->end))
			abort();
		if (!in && ge != &cc_map.header && ge->start <= a)
			abort();
		vm_map_unlock_read(&cc_map);
		atomic_fetch_add(&cc_lookups, 1);
	}
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(shared_lookups_vs_writer);
ATF_TC_BODY(shared_lookups_vs_writer, tc)
{
	pthread_t r[2];
	vm_offset_t a;
	uint64_t x = 12345;
	int i;

	boot();
	map_new(&cc_map);
	atomic_store(&cc_stop, 0);
	for (i = 0; i < 2; i++)
		ATF_REQUIRE_EQ(0, pthread_create(&r[i], NULL, cc_reader,
		    (void *)(uintptr_t)(i + 1)));
	for (i = 0; i < 20000; i++) {
		(void)xs_next(&x);
		a = CC_BASE + (x % (CC_SPAN / PG - 4)) * PG;
		switch (x >> 60 & 3) {
		case 0:
			(void)vm_map_fixed(&cc_map, NULL, 0, a, (1 + (x >> 40 &
			    3)) * PG, VM_PROT_READ, VM_PROT_ALL,
			    MAP_CHECK_EXCL);
			break;
		case 1:
			(void)vm_map_remove(&cc_map, a, a + 2 * PG);
			break;
		case 2:
			(void)vm_map_protect(&cc_map, a, a + 3 * PG,
			    (x >> 50 & 1) ? VM_PROT_RW : VM_PROT_READ, false);
			break;
		default:
			a = CC_BASE;
			(void)vm_map_find(&cc_map, NULL, 0, &a, PG,
			    CC_BASE + CC_SPAN, VMFS_ANY_SPACE, VM_PROT_READ,
			    VM_PROT_ALL, 0);
			break;
		}
	}
	atomic_store(&cc_stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	ATF_REQUIRE(atomic_load(&cc_lookups) > 0);
	vm_map_lock(&cc_map);
	_vm_map_assert_consistent(&cc_map, true);
	vm_map_unlock(&cc_map);
	done(&cc_map);
}

/*
 * Fast read holds (vm_map_lookup's per-CPU counts) against writers: a
 * writer, once vm_map_lock returns, must be alone with the map.  It sets a
 * canary that only it may see while it holds the lock; readers holding
 * the map through vm_map_lookup (and a nested read lock inside that hold)
 * must never see it.  Without the writer's drain the readers would catch
 * it set (and ThreadSanitizer would report the plain canary's race).
 */
static int fr_canary;			/* the map lock */
static _Atomic long fr_holds;

static void *
fr_reader(void *arg)
{
	uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
	vm_map_t map;
	vm_map_entry_t e, e2;
	vm_object_t obj;
	vm_pindex_t pi;
	vm_prot_t prot;
	vm_offset_t a;
	bool wired;

	while (!atomic_load(&cc_stop)) {
		(void)xs_next(&x);
		a = CC_BASE + (x % 16) * PG;
		map = &cc_map;
		if (vm_map_lookup(&map, a, VM_PROT_READ, &e, &obj, &pi, &prot,
		    &wired) != KERN_SUCCESS)
			abort();
		if (fr_canary != 0 || a < e->start || a >= e->end ||
		    obj == NULL)
			abort();
		if ((x >> 32 & 3) == 0) {
			/* A nested read lock of the held map. */
			vm_map_lock_read(map);
			if (!vm_map_lookup_entry(map, a, &e2) || e2 != e ||
			    fr_canary != 0)
				abort();
			vm_map_unlock_read(map);
		}
		if (fr_canary != 0)
			abort();
		vm_map_lookup_done(map, e);
		atomic_fetch_add(&fr_holds, 1);
	}
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(fast_lookups_vs_writer);
ATF_TC_BODY(fast_lookups_vs_writer, tc)
{
	pthread_t r[2];
	vm_offset_t a;
	int i, rounds;

	boot();
	map_new(&cc_map);
	fixed(&cc_map, CC_BASE, 16 * PG, VM_PROT_RW, VM_PROT_ALL);
	atomic_store(&cc_stop, 0);
	atomic_store(&fr_holds, 0);
	for (i = 0; i < 2; i++)
		ATF_REQUIRE_EQ(0, pthread_create(&r[i], NULL, fr_reader,
		    (void *)(uintptr_t)(i + 1)));
	for (rounds = 0; rounds < 20000 || atomic_load(&fr_holds) < 1000;
	    rounds++) {
		a = CC_BASE + (16 + (vm_offset_t)(rounds % 32)) * PG;
		switch (rounds % 3) {
		case 0:
			vm_map_lock(&cc_map);
			break;
		case 1:
			while (!vm_map_trylock(&cc_map))
				;
			break;
		default:
			/* A shared holder upgrading. */
			vm_map_lock_read(&cc_map);
			(void)vm_map_lock_upgrade(&cc_map);
			break;
		}
		fr_canary = 1;
		if (vm_map_insert(&cc_map, NULL, 0, a, a + PG, VM_PROT_READ,
		    VM_PROT_ALL, 0) == KERN_SUCCESS)
			(void)vm_map_delete(&cc_map, a, a + PG);
		fr_canary = 0;
		vm_map_unlock(&cc_map);
	}
	atomic_store(&cc_stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	ATF_REQUIRE(atomic_load(&fr_holds) >= 1000);
	done(&cc_map);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, lookup_boundaries);
	ATF_TP_ADD_TC(tp, shared_lookup_splays_long_paths);
	ATF_TP_ADD_TC(tp, fault_lookup_splays_long_paths);
	ATF_TP_ADD_TC(tp, findspace_first_fit);
	ATF_TP_ADD_TC(tp, aligned_space);
	ATF_TP_ADD_TC(tp, findspace_random);
	ATF_TP_ADD_TC(tp, max_addr_32bit);
	ATF_TP_ADD_TC(tp, hint_two_pass);
	ATF_TP_ADD_TC(tp, fixed_excl_and_replace);
	ATF_TP_ADD_TC(tp, superpage_clip);
	ATF_TP_ADD_TC(tp, protect_rules);
	ATF_TP_ADD_TC(tp, remove_ranges);
	ATF_TP_ADD_TC(tp, range_checks);
	ATF_TP_ADD_TC(tp, merge_neighbours);
	ATF_TP_ADD_TC(tp, inherit_madvise);
	ATF_TP_ADD_TC(tp, stack_grow);
	ATF_TP_ADD_TC(tp, entry_limit);
	ATF_TP_ADD_TC(tp, entry_limit_merge);
	ATF_TP_ADD_TC(tp, aslr);
	ATF_TP_ADD_TC(tp, timestamp);
	ATF_TP_ADD_TC(tp, shared_lookups_vs_writer);
	ATF_TP_ADD_TC(tp, fast_lookups_vs_writer);
	return (atf_no_error());
}
