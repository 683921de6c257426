/*
 * Tests for the pctrie (sys/kern/subr_pctrie.c).
 *
 * The random cases drive the trie and a reference model (a sorted array of
 * the inserted items) with the same operations from fixed seeds, compare
 * every answer, and run pctrie_check() as they go.  Keys come from five
 * distributions, because each stresses a different part of the trie:
 * dense runs fill nodes and collapse them again, sparse 64-bit keys make
 * deep path compression, the extremes (0, UINT64_MAX, powers of two and
 * their neighbours) hit the top-level digit and the ends of lookup_ge/le,
 * clusters mix both.
 *
 * Nodes come from a test allocator that counts, can fail on demand, puts a
 * header with a magic number before each node (so a free of something it
 * did not hand out is caught), and poisons nodes on both allocation and
 * free (so the trie cannot lean on zeroed memory, and a use after free
 * shows).  After every check the number of live nodes must stay within
 * the n - 1 bound path compression guarantees; at the end, removal or
 * reclaim must have returned every node.
 *
 * The death cases fork: the child does the forbidden thing, the parent
 * expects SIGABRT (panic() aborts) and reads the panic message.
 */

#include <sys/param.h>
#include <sys/pctrie.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the indexed items --------------------------------------------------- */

#define	ITEM_MAGIC	0x17e3c0de5eedf00dULL

struct item {
	uint64_t	it_magic;
	uint64_t	it_key;		/* the pctrie key */
	uint64_t	it_shadow;	/* ~it_key: the trie must not write */
};

static struct item *
item_new(uint64_t key)
{
	struct item *it;

	it = malloc(sizeof(*it));
	ATF_REQUIRE(it != NULL);
	it->it_magic = ITEM_MAGIC;
	it->it_key = key;
	it->it_shadow = ~key;
	return (it);
}

static void
item_verify(const struct item *it)
{

	ATF_REQUIRE_MSG(it->it_magic == ITEM_MAGIC &&
	    it->it_shadow == ~it->it_key,
	    "item %p (key %#" PRIx64 ") was overwritten", (const void *)it,
	    it->it_key);
}

static void
item_free(struct item *it)
{

	item_verify(it);
	it->it_magic = 0;
	free(it);
}

static struct item *
val2item(uint64_t *val)
{

	return (val == NULL ? NULL : __containerof(val, struct item, it_key));
}

/* ---- the node allocator -------------------------------------------------- */

#define	NODE_LIVE	0x6c697665u
#define	NODE_DEAD	0x64656164u

struct nodehdr {
	uint32_t	nh_magic;
	uint32_t	nh_pad;
	uint64_t	nh_serial;
};

static struct {
	size_t		calls;		/* allocator calls, failed or not */
	size_t		nalloc;		/* nodes handed out */
	size_t		nfree;		/* nodes returned */
	size_t		nfailed;	/* calls answered with NULL */
	size_t		failevery;	/* fail every Nth call; 0 never */
	bool		failall;	/* fail every call */
} ta;

static void
ta_reset(void)
{

	memset(&ta, 0, sizeof(ta));
}

static size_t
ta_live(void)
{

	return (ta.nalloc - ta.nfree);
}

static void *
ta_alloc(struct pctrie *ptree __unused)
{
	struct nodehdr *nh;

	ta.calls++;
	if (ta.failall ||
	    (ta.failevery != 0 && ta.calls % ta.failevery == 0)) {
		ta.nfailed++;
		return (NULL);
	}
	nh = malloc(sizeof(*nh) + pctrie_node_size());
	ATF_REQUIRE(nh != NULL);
	nh->nh_magic = NODE_LIVE;
	nh->nh_serial = ta.nalloc++;
	memset(nh + 1, 0xa5, pctrie_node_size());
	return (nh + 1);
}

static void
ta_free(struct pctrie *ptree __unused, void *node)
{
	struct nodehdr *nh;

	ATF_REQUIRE(node != NULL);
	nh = (struct nodehdr *)node - 1;
	ATF_REQUIRE_MSG(nh->nh_magic == NODE_LIVE,
	    "node %p freed but not live (magic %#x)", node, nh->nh_magic);
	ATF_REQUIRE(ta.nfree < ta.nalloc);
	nh->nh_magic = NODE_DEAD;
	memset(node, 0x5a, pctrie_node_size());
	ta.nfree++;
	free(nh);
}

/* Typed wrappers over struct item, used by several cases. */
PCTRIE_DEFINE(titem, item, it_key, ta_alloc, ta_free);

/* ---- random numbers: splitmix64, fixed seeds ----------------------------- */

static uint64_t rng_state;

static void
rng_seed(uint64_t seed)
{

	rng_state = seed;
}

static uint64_t
rng(void)
{
	uint64_t z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static uint64_t
rng_below(uint64_t n)
{

	return (rng() % n);
}

/* ---- key distributions --------------------------------------------------- */

enum keydist { KD_DENSE, KD_SPARSE, KD_EXTREME, KD_CLUSTER, KD_MIXED };

static uint64_t extremes[3 * 64 + 4];
static size_t nextremes;
static uint64_t clusters[8];

static void
keys_init(void)
{
	uint64_t p;
	int k;

	nextremes = 0;
	for (k = 0; k < 64; k++) {
		p = (uint64_t)1 << k;
		extremes[nextremes++] = p;
		extremes[nextremes++] = p - 1;	/* k = 0 gives 0 */
		extremes[nextremes++] = p + 1;
	}
	extremes[nextremes++] = UINT64_MAX;
	extremes[nextremes++] = UINT64_MAX - 1;
	extremes[nextremes++] = UINT64_MAX - 15;
	extremes[nextremes++] = UINT64_MAX - 16;
	for (k = 0; k < 8; k++)
		clusters[k] = rng();
	clusters[0] = 0;
	clusters[1] = UINT64_MAX - 255;	/* runs into the top of the space */
	clusters[2] = (uint64_t)1 << 63;
}

static uint64_t
key_gen(enum keydist kd)
{

	switch (kd) {
	case KD_DENSE:
		return (rng_below(3000));
	case KD_SPARSE:
		return (rng());
	case KD_EXTREME:
		return (extremes[rng_below(nextremes)]);
	case KD_CLUSTER:
		return (clusters[rng_below(nitems(clusters))] +
		    rng_below(300));
	case KD_MIXED:
	default:
		return (key_gen((enum keydist)rng_below(KD_MIXED)));
	}
}

/* ---- the reference model: items sorted by key ---------------------------- */

struct model {
	struct item	**m_v;
	size_t		m_n;
	size_t		m_cap;
};

static void
model_init(struct model *m)
{

	m->m_v = NULL;
	m->m_n = m->m_cap = 0;
}

/* The index of the first item with a key >= key. */
static size_t
model_lb(const struct model *m, uint64_t key)
{
	size_t lo, hi, mid;

	lo = 0;
	hi = m->m_n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->m_v[mid]->it_key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

static struct item *
model_find(const struct model *m, uint64_t key)
{
	size_t i;

	i = model_lb(m, key);
	return (i < m->m_n && m->m_v[i]->it_key == key ? m->m_v[i] : NULL);
}

static void
model_insert(struct model *m, struct item *it)
{
	size_t i;

	if (m->m_n == m->m_cap) {
		m->m_cap = m->m_cap == 0 ? 64 : m->m_cap * 2;
		m->m_v = realloc(m->m_v, m->m_cap * sizeof(m->m_v[0]));
		ATF_REQUIRE(m->m_v != NULL);
	}
	i = model_lb(m, it->it_key);
	memmove(&m->m_v[i + 1], &m->m_v[i], (m->m_n - i) * sizeof(m->m_v[0]));
	m->m_v[i] = it;
	m->m_n++;
}

static void
model_remove_at(struct model *m, size_t i)
{

	memmove(&m->m_v[i], &m->m_v[i + 1],
	    (m->m_n - i - 1) * sizeof(m->m_v[0]));
	m->m_n--;
}

static void
model_fini(struct model *m)
{
	size_t i;

	for (i = 0; i < m->m_n; i++)
		item_free(m->m_v[i]);
	free(m->m_v);
	model_init(m);
}

static uint64_t *
model_val(const struct model *m, size_t i)
{

	return (&m->m_v[i]->it_key);
}

/* A key for messages: the value's key, or a marker for NULL. */
#define	VKEY(v)		((v) == NULL ? (uint64_t)0xdeadULL : *(v))

/* ---- comparing trie and model -------------------------------------------- */

static void
verify_lookup(struct pctrie *pt, const struct model *m, uint64_t key)
{
	struct item *want;
	uint64_t *got;

	want = model_find(m, key);
	got = pctrie_lookup(pt, key);
	ATF_REQUIRE_MSG(got == (want == NULL ? NULL : &want->it_key),
	    "lookup(%#" PRIx64 "): got %p (key %#" PRIx64 "), want %p",
	    key, (void *)got, VKEY(got), (void *)want);
}

static void
verify_ge(struct pctrie *pt, const struct model *m, uint64_t key)
{
	uint64_t *got, *want;
	size_t i;

	i = model_lb(m, key);
	want = i < m->m_n ? model_val(m, i) : NULL;
	got = pctrie_lookup_ge(pt, key);
	ATF_REQUIRE_MSG(got == want,
	    "lookup_ge(%#" PRIx64 "): got %p (key %#" PRIx64 "), want %p "
	    "(key %#" PRIx64 ")", key, (void *)got, VKEY(got), (void *)want,
	    VKEY(want));
	/* lookup_next is lookup_ge(key + 1) with care at the top. */
	i = key == UINT64_MAX ? m->m_n : model_lb(m, key + 1);
	want = i < m->m_n ? model_val(m, i) : NULL;
	got = pctrie_lookup_next(pt, key);
	ATF_REQUIRE_MSG(got == want,
	    "lookup_next(%#" PRIx64 "): got key %#" PRIx64 ", want key %#"
	    PRIx64, key, VKEY(got), VKEY(want));
}

static void
verify_le(struct pctrie *pt, const struct model *m, uint64_t key)
{
	uint64_t *got, *want;
	size_t i;

	/* The last item with a key <= key precedes the first one > key. */
	i = key == UINT64_MAX ? m->m_n : model_lb(m, key + 1);
	want = i > 0 ? model_val(m, i - 1) : NULL;
	got = pctrie_lookup_le(pt, key);
	ATF_REQUIRE_MSG(got == want,
	    "lookup_le(%#" PRIx64 "): got %p (key %#" PRIx64 "), want %p "
	    "(key %#" PRIx64 ")", key, (void *)got, VKEY(got), (void *)want,
	    VKEY(want));
	i = model_lb(m, key);
	want = i > 0 ? model_val(m, i - 1) : NULL;
	got = pctrie_lookup_prev(pt, key);
	ATF_REQUIRE_MSG(got == want,
	    "lookup_prev(%#" PRIx64 "): got key %#" PRIx64 ", want key %#"
	    PRIx64, key, VKEY(got), VKEY(want));
}

/* Structure, size, node bound, and a full in-order walk against the model. */
static void
verify_all(struct pctrie *pt, const struct model *m)
{
	uint64_t *v;
	size_t i;

	pctrie_check(pt);
	ATF_REQUIRE_EQ(pctrie_count(pt), m->m_n);
	ATF_REQUIRE_EQ(pctrie_is_empty(pt), m->m_n == 0);
	ATF_REQUIRE_MSG(ta_live() <= (m->m_n == 0 ? 0 : m->m_n - 1),
	    "%zu live nodes for %zu keys", ta_live(), m->m_n);
	i = 0;
	PCTRIE_FOREACH(v, pt) {
		ATF_REQUIRE_MSG(i < m->m_n, "iteration past %zu keys", m->m_n);
		ATF_REQUIRE_MSG(v == model_val(m, i),
		    "iteration step %zu: key %#" PRIx64 ", want %#" PRIx64,
		    i, *v, m->m_v[i]->it_key);
		item_verify(val2item(v));
		i++;
	}
	ATF_REQUIRE_EQ(i, m->m_n);
}

/* A query key: from the distribution, or an existing key nudged by -1..1. */
static uint64_t
query_key(const struct model *m, enum keydist kd)
{

	if (m->m_n == 0 || rng_below(2) == 0)
		return (key_gen(kd));
	return (m->m_v[rng_below(m->m_n)]->it_key + rng_below(3) - 1);
}

/*
 * nsteps random operations on a trie and its model.  The population
 * drifts around target: inserts win below it, removals above.
 */
static void
random_run(uint64_t seed, enum keydist kd, size_t nsteps, size_t target)
{
	struct pctrie pt;
	struct model m;
	struct item *it, *want;
	uint64_t *got;
	uint64_t key;
	size_t i, step, nremoved;
	int op;

	rng_seed(seed);
	keys_init();
	ta_reset();
	pctrie_init(&pt);
	model_init(&m);
	for (step = 0; step < nsteps; step++) {
		op = (int)rng_below(100);
		if (op < 35 && m.m_n > target && rng_below(2) == 0)
			op = 35 + (int)rng_below(20);	/* lean to removal */
		if (op < 35) {
			key = key_gen(kd);
			if ((want = model_find(&m, key)) != NULL) {
				ATF_REQUIRE(pctrie_lookup(&pt, key) ==
				    &want->it_key);
				continue;
			}
			it = item_new(key);
			ATF_REQUIRE_EQ(pctrie_insert(&pt, &it->it_key,
			    ta_alloc), 0);
			model_insert(&m, it);
		} else if (op < 55) {
			if (m.m_n > 0 && rng_below(10) < 7) {
				i = rng_below(m.m_n);
				it = m.m_v[i];
				if (rng_below(2) == 0) {
					pctrie_remove(&pt, it->it_key,
					    ta_free);
				} else {
					got = pctrie_remove_lookup(&pt,
					    it->it_key, ta_free);
					ATF_REQUIRE(got == &it->it_key);
				}
				model_remove_at(&m, i);
				ATF_REQUIRE(pctrie_lookup(&pt, it->it_key) ==
				    NULL);
				item_free(it);
			} else {
				key = key_gen(kd);
				i = model_lb(&m, key);
				want = i < m.m_n && m.m_v[i]->it_key == key ?
				    m.m_v[i] : NULL;
				got = pctrie_remove_lookup(&pt, key, ta_free);
				ATF_REQUIRE(got == (want == NULL ? NULL :
				    &want->it_key));
				if (want != NULL) {
					model_remove_at(&m, i);
					item_free(want);
				}
			}
		} else if (op < 70) {
			verify_lookup(&pt, &m, query_key(&m, kd));
		} else if (op < 85) {
			verify_ge(&pt, &m, query_key(&m, kd));
		} else {
			verify_le(&pt, &m, query_key(&m, kd));
		}
		if (m.m_n < 128 || step % 64 == 0)
			pctrie_check(&pt);
		if (step % 1024 == 0)
			verify_all(&pt, &m);
	}
	verify_all(&pt, &m);
	ATF_REQUIRE_EQ(ta.nfailed, 0);

	/* Empty it in random order: every node must come back. */
	nremoved = 0;
	while (m.m_n > 0) {
		i = rng_below(m.m_n);
		it = m.m_v[i];
		ATF_REQUIRE(pctrie_remove_lookup(&pt, it->it_key, ta_free) ==
		    &it->it_key);
		model_remove_at(&m, i);
		item_free(it);
		if (++nremoved % 32 == 0)
			verify_all(&pt, &m);
	}
	verify_all(&pt, &m);
	ATF_REQUIRE(pctrie_is_empty(&pt));
	ATF_REQUIRE_EQ(ta_live(), 0);
	model_fini(&m);
}

ATF_TC(random_dense);
ATF_TC_HEAD(random_dense, tc)
{

	atf_tc_set_md_var(tc, "descr", "Random operations against a sorted "
	    "array model, keys dense in [0, 3000)");
}
ATF_TC_BODY(random_dense, tc)
{

	random_run(0x5eed0001, KD_DENSE, 40000, 1500);
	random_run(0x5eed0002, KD_DENSE, 20000, 100);
}

ATF_TC(random_sparse);
ATF_TC_HEAD(random_sparse, tc)
{

	atf_tc_set_md_var(tc, "descr", "Random operations against a sorted "
	    "array model, keys uniform over 64 bits");
}
ATF_TC_BODY(random_sparse, tc)
{

	random_run(0x5eed0101, KD_SPARSE, 40000, 2000);
	random_run(0x5eed0102, KD_SPARSE, 20000, 20);
}

ATF_TC(random_extremes);
ATF_TC_HEAD(random_extremes, tc)
{

	atf_tc_set_md_var(tc, "descr", "Random operations against a sorted "
	    "array model, keys 0, UINT64_MAX, powers of two and neighbours");
}
ATF_TC_BODY(random_extremes, tc)
{

	random_run(0x5eed0201, KD_EXTREME, 30000, 150);
	random_run(0x5eed0202, KD_EXTREME, 10000, 8);
}

ATF_TC(random_clustered);
ATF_TC_HEAD(random_clustered, tc)
{

	atf_tc_set_md_var(tc, "descr", "Random operations against a sorted "
	    "array model, keys in dense runs at scattered bases");
}
ATF_TC_BODY(random_clustered, tc)
{

	random_run(0x5eed0301, KD_CLUSTER, 40000, 1200);
}

ATF_TC(random_mixed);
ATF_TC_HEAD(random_mixed, tc)
{

	atf_tc_set_md_var(tc, "descr", "Random operations against a sorted "
	    "array model, keys from every distribution at once");
}
ATF_TC_BODY(random_mixed, tc)
{

	random_run(0x5eed0401, KD_MIXED, 40000, 1500);
	random_run(0x5eed0402, KD_MIXED, 20000, 40);
}

/* ---- allocation failure -------------------------------------------------- */

/*
 * Snapshot of a trie for "unchanged" checks: the value pointers in order
 * plus the live node count.
 */
static void
verify_unchanged(struct pctrie *pt, const struct model *m, size_t live)
{

	ATF_REQUIRE_EQ(ta_live(), live);
	verify_all(pt, m);
}

ATF_TC(alloc_failure);
ATF_TC_HEAD(alloc_failure, tc)
{

	atf_tc_set_md_var(tc, "descr", "An allocator failing every Nth call: "
	    "insert returns ENOMEM, the trie is unchanged, a retry works");
}
ATF_TC_BODY(alloc_failure, tc)
{
	static const size_t every[] = { 2, 3, 5, 7 };
	struct pctrie pt;
	struct model m;
	struct item *it;
	size_t e, step, live, calls, nenomem;
	uint64_t key;
	int error;

	for (e = 0; e < nitems(every); e++) {
		rng_seed(0xfa11ed00 + e);
		keys_init();
		ta_reset();
		ta.failevery = every[e];
		pctrie_init(&pt);
		model_init(&m);
		nenomem = 0;
		for (step = 0; step < 3000; step++) {
			key = key_gen(KD_MIXED);
			if (model_find(&m, key) != NULL) {
				/* Removals never allocate. */
				calls = ta.calls;
				pctrie_remove(&pt, key, ta_free);
				it = model_find(&m, key);
				model_remove_at(&m, model_lb(&m, key));
				item_free(it);
				ATF_REQUIRE_EQ(ta.calls, calls);
				continue;
			}
			it = item_new(key);
			live = ta_live();
			calls = ta.calls;
			error = pctrie_insert(&pt, &it->it_key, ta_alloc);
			ATF_REQUIRE(ta.calls - calls <= 1);
			if (error != 0) {
				ATF_REQUIRE_EQ(error, ENOMEM);
				ATF_REQUIRE_EQ(ta.calls - calls, 1);
				ATF_REQUIRE(pctrie_lookup(&pt, key) == NULL);
				verify_unchanged(&pt, &m, live);
				nenomem++;
				/* The next call succeeds: so must a retry. */
				error = pctrie_insert(&pt, &it->it_key,
				    ta_alloc);
				ATF_REQUIRE_EQ(error, 0);
			}
			model_insert(&m, it);
			if (step % 16 == 0)
				verify_all(&pt, &m);
		}
		/* Failures must really have happened, on real inserts. */
		ATF_REQUIRE_MSG(nenomem > 100, "only %zu ENOMEMs", nenomem);
		ATF_REQUIRE_EQ(nenomem, ta.nfailed);
		verify_all(&pt, &m);
		pctrie_reclaim_allnodes(&pt, ta_free);
		ATF_REQUIRE_EQ(ta_live(), 0);
		model_fini(&m);
	}
}

ATF_TC(alloc_only_when_needed);
ATF_TC_HEAD(alloc_only_when_needed, tc)
{

	atf_tc_set_md_var(tc, "descr", "With an allocator that always fails, "
	    "inserts that need no node still succeed; the rest get ENOMEM");
}
ATF_TC_BODY(alloc_only_when_needed, tc)
{
	struct pctrie pt;
	struct item *a, *b, *c, *d;

	ta_reset();
	pctrie_init(&pt);
	a = item_new(0x10);
	b = item_new(0x20);
	c = item_new(0x30);
	d = item_new(0x1000);

	/* An empty trie takes its first key as a bare leaf: no node. */
	ta.failall = true;
	ATF_REQUIRE_EQ(pctrie_insert(&pt, &a->it_key, ta_alloc), 0);
	ATF_REQUIRE_EQ(ta.calls, 0);
	/* A second key needs a node. */
	ATF_REQUIRE_EQ(pctrie_insert(&pt, &b->it_key, ta_alloc), ENOMEM);
	ATF_REQUIRE_EQ(ta.calls, 1);
	ATF_REQUIRE(pctrie_lookup(&pt, 0x10) == &a->it_key);
	ATF_REQUIRE(pctrie_lookup(&pt, 0x20) == NULL);
	ATF_REQUIRE_EQ(pctrie_count(&pt), 1);
	pctrie_check(&pt);

	ta.failall = false;
	ATF_REQUIRE_EQ(pctrie_insert(&pt, &b->it_key, ta_alloc), 0);
	ATF_REQUIRE_EQ(ta_live(), 1);

	/* 0x30 goes into an empty slot of the existing node: no node. */
	ta.failall = true;
	ATF_REQUIRE_EQ(pctrie_insert(&pt, &c->it_key, ta_alloc), 0);
	ATF_REQUIRE_EQ(ta.calls, 2);
	/* 0x1000 lies outside that node's range: a new node, refused. */
	ATF_REQUIRE_EQ(pctrie_insert(&pt, &d->it_key, ta_alloc), ENOMEM);
	ATF_REQUIRE_EQ(ta.calls, 3);
	ATF_REQUIRE(pctrie_lookup_ge(&pt, 0x31) == NULL);
	ATF_REQUIRE(pctrie_lookup_le(&pt, UINT64_MAX) == &c->it_key);
	ATF_REQUIRE_EQ(pctrie_count(&pt), 3);
	pctrie_check(&pt);

	pctrie_reclaim_allnodes(&pt, ta_free);
	ATF_REQUIRE_EQ(ta_live(), 0);
	item_free(a);
	item_free(b);
	item_free(c);
	item_free(d);
}

/* ---- reclaim and node accounting ----------------------------------------- */

ATF_TC(reclaim_frees_all_nodes);
ATF_TC_HEAD(reclaim_frees_all_nodes, tc)
{

	atf_tc_set_md_var(tc, "descr", "pctrie_reclaim_allnodes frees exactly "
	    "the live nodes, empties the trie, leaves values alone");
}
ATF_TC_BODY(reclaim_frees_all_nodes, tc)
{
	struct pctrie pt;
	struct model m;
	struct item *it;
	size_t i, live, nfree, round;
	uint64_t key;

	rng_seed(0xec1a1e);
	keys_init();
	ta_reset();
	pctrie_init(&pt);
	model_init(&m);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 5000; i++) {
			key = key_gen(KD_MIXED);
			if (model_find(&m, key) != NULL)
				continue;
			it = item_new(key);
			ATF_REQUIRE_EQ(pctrie_insert(&pt, &it->it_key,
			    ta_alloc), 0);
			model_insert(&m, it);
		}
		/* Remove a third so that some nodes have come and gone. */
		for (i = 0; i < m.m_n / 3; i++) {
			key = m.m_v[rng_below(m.m_n)]->it_key;
			it = val2item(pctrie_remove_lookup(&pt, key, ta_free));
			ATF_REQUIRE(it != NULL && it->it_key == key);
			model_remove_at(&m, model_lb(&m, key));
			item_free(it);
		}
		verify_all(&pt, &m);
		live = ta_live();
		ATF_REQUIRE(live > 0 && ta.nfree > 0);
		nfree = ta.nfree;
		pctrie_reclaim_allnodes(&pt, ta_free);
		ATF_REQUIRE_EQ(ta.nfree - nfree, live);
		ATF_REQUIRE_EQ(ta_live(), 0);
		ATF_REQUIRE(pctrie_is_empty(&pt));
		ATF_REQUIRE_EQ(pctrie_count(&pt), 0);
		ATF_REQUIRE(pctrie_lookup_ge(&pt, 0) == NULL);
		ATF_REQUIRE(pctrie_lookup_le(&pt, UINT64_MAX) == NULL);
		pctrie_check(&pt);
		/* The values are untouched (item_verify in model_fini). */
		model_fini(&m);
		/* The reclaimed trie is usable again: next round. */
	}

	/* Reclaiming an empty trie or a lone leaf frees nothing. */
	nfree = ta.nfree;
	pctrie_reclaim_allnodes(&pt, ta_free);
	it = item_new(42);
	ATF_REQUIRE_EQ(pctrie_insert(&pt, &it->it_key, ta_alloc), 0);
	pctrie_reclaim_allnodes(&pt, ta_free);
	ATF_REQUIRE_EQ(ta.nfree, nfree);
	ATF_REQUIRE(pctrie_is_empty(&pt));
	item_free(it);
}

ATF_TC(path_compression);
ATF_TC_HEAD(path_compression, tc)
{

	atf_tc_set_md_var(tc, "descr", "Any two keys share one node however "
	    "far apart; n keys never need more than n - 1 nodes");
}
ATF_TC_BODY(path_compression, tc)
{
	static const uint64_t pairs[][2] = {
		{ 0, 1 }, { 0, UINT64_MAX }, { 0, (uint64_t)1 << 63 },
		{ (uint64_t)1 << 62, ((uint64_t)1 << 62) + 1 },
		{ UINT64_MAX - 1, UINT64_MAX }, { 0xf, 0x10 },
		{ 0x123456789abcdef0ULL, 0x123456789abcdef1ULL },
	};
	struct pctrie pt;
	struct item *a, *b, *it[64];
	size_t i;

	ta_reset();
	pctrie_init(&pt);
	ATF_REQUIRE(pctrie_node_size() >= 2 * sizeof(uintptr_t));
	for (i = 0; i < nitems(pairs); i++) {
		a = item_new(pairs[i][0]);
		b = item_new(pairs[i][1]);
		ATF_REQUIRE_EQ(pctrie_insert(&pt, &a->it_key, ta_alloc), 0);
		ATF_REQUIRE_EQ(ta_live(), 0);
		ATF_REQUIRE_EQ(pctrie_insert(&pt, &b->it_key, ta_alloc), 0);
		ATF_REQUIRE_EQ(ta_live(), 1);
		pctrie_check(&pt);
		ATF_REQUIRE(pctrie_lookup_ge(&pt, pairs[i][0] + 1) ==
		    &b->it_key);
		ATF_REQUIRE(pctrie_lookup_le(&pt, pairs[i][1] - 1) ==
		    &a->it_key);
		/* Removing either collapses the node again. */
		pctrie_remove(&pt, i % 2 == 0 ? pairs[i][0] : pairs[i][1],
		    ta_free);
		ATF_REQUIRE_EQ(ta_live(), 0);
		ATF_REQUIRE_EQ(pctrie_count(&pt), 1);
		pctrie_check(&pt);
		pctrie_remove(&pt, i % 2 == 0 ? pairs[i][1] : pairs[i][0],
		    ta_free);
		ATF_REQUIRE(pctrie_is_empty(&pt));
		item_free(a);
		item_free(b);
	}

	/* One key per bit: a chain of nodes, one per digit, 64 leaves. */
	for (i = 0; i < 64; i++) {
		it[i] = item_new((uint64_t)1 << i);
		ATF_REQUIRE_EQ(pctrie_insert(&pt, &it[i]->it_key, ta_alloc),
		    0);
		ATF_REQUIRE(ta_live() <= i);
		pctrie_check(&pt);
	}
	for (i = 0; i < 64; i++) {
		pctrie_remove(&pt, (uint64_t)1 << i, ta_free);
		ATF_REQUIRE(ta_live() <= (i == 63 ? 0 : 62 - i));
		pctrie_check(&pt);
		item_free(it[i]);
	}
	ATF_REQUIRE_EQ(ta_live(), 0);
}

/* ---- edge cases at the ends of the key space ----------------------------- */

ATF_TC(extremes);
ATF_TC_HEAD(extremes, tc)
{

	atf_tc_set_md_var(tc, "descr", "Empty trie, lone 0, lone UINT64_MAX, "
	    "both, and every key near a power of two");
}
ATF_TC_BODY(extremes, tc)
{
	struct pctrie pt;
	struct model m;
	struct item *lo, *hi, *it;
	size_t i, j;
	uint64_t k, t;

	ta_reset();
	pctrie_init(&pt);
	ATF_REQUIRE(pctrie_is_empty(&pt));
	ATF_REQUIRE(pctrie_lookup(&pt, 0) == NULL);
	ATF_REQUIRE(pctrie_lookup(&pt, UINT64_MAX) == NULL);
	ATF_REQUIRE(pctrie_lookup_ge(&pt, 0) == NULL);
	ATF_REQUIRE(pctrie_lookup_le(&pt, UINT64_MAX) == NULL);
	ATF_REQUIRE(pctrie_remove_lookup(&pt, 0, ta_free) == NULL);
	ATF_REQUIRE_EQ(pctrie_count(&pt), 0);
	pctrie_check(&pt);

	lo = item_new(0);
	hi = item_new(UINT64_MAX);

	ATF_REQUIRE_EQ(pctrie_insert(&pt, &hi->it_key, ta_alloc), 0);
	ATF_REQUIRE(pctrie_lookup(&pt, UINT64_MAX) == &hi->it_key);
	ATF_REQUIRE(pctrie_lookup(&pt, 0) == NULL);
	ATF_REQUIRE(pctrie_lookup_ge(&pt, 0) == &hi->it_key);
	ATF_REQUIRE(pctrie_lookup_ge(&pt, UINT64_MAX) == &hi->it_key);
	ATF_REQUIRE(pctrie_lookup_le(&pt, UINT64_MAX) == &hi->it_key);
	ATF_REQUIRE(pctrie_lookup_le(&pt, UINT64_MAX - 1) == NULL);
	ATF_REQUIRE(pctrie_lookup_next(&pt, UINT64_MAX) == NULL);
	ATF_REQUIRE(pctrie_lookup_prev(&pt, UINT64_MAX) == NULL);
	ATF_REQUIRE(pctrie_remove_lookup(&pt, UINT64_MAX - 1, ta_free) ==
	    NULL);
	pctrie_remove(&pt, UINT64_MAX, ta_free);
	ATF_REQUIRE(pctrie_is_empty(&pt));

	ATF_REQUIRE_EQ(pctrie_insert(&pt, &lo->it_key, ta_alloc), 0);
	ATF_REQUIRE(pctrie_lookup(&pt, 0) == &lo->it_key);
	ATF_REQUIRE(pctrie_lookup_le(&pt, UINT64_MAX) == &lo->it_key);
	ATF_REQUIRE(pctrie_lookup_le(&pt, 0) == &lo->it_key);
	ATF_REQUIRE(pctrie_lookup_ge(&pt, 1) == NULL);
	ATF_REQUIRE(pctrie_lookup_prev(&pt, 0) == NULL);
	ATF_REQUIRE(pctrie_lookup_next(&pt, 0) == NULL);

	ATF_REQUIRE_EQ(pctrie_insert(&pt, &hi->it_key, ta_alloc), 0);
	pctrie_check(&pt);
	ATF_REQUIRE_EQ(ta_live(), 1);
	ATF_REQUIRE(pctrie_lookup_ge(&pt, 1) == &hi->it_key);
	ATF_REQUIRE(pctrie_lookup_le(&pt, UINT64_MAX - 1) == &lo->it_key);
	ATF_REQUIRE(pctrie_lookup_next(&pt, 0) == &hi->it_key);
	ATF_REQUIRE(pctrie_lookup_prev(&pt, UINT64_MAX) == &lo->it_key);
	ATF_REQUIRE(pctrie_lookup(&pt, (uint64_t)1 << 63) == NULL);
	pctrie_remove(&pt, 0, ta_free);
	pctrie_remove(&pt, UINT64_MAX, ta_free);
	ATF_REQUIRE_EQ(ta_live(), 0);
	item_free(lo);
	item_free(hi);

	/*
	 * Every power of two and its neighbours, inserted in a shuffled
	 * order; then every such key and its neighbours queried.
	 */
	rng_seed(0xed9e);
	keys_init();
	model_init(&m);
	for (i = nextremes; i > 1; i--) {
		j = rng_below(i);
		t = extremes[i - 1];
		extremes[i - 1] = extremes[j];
		extremes[j] = t;
	}
	for (i = 0; i < nextremes; i++) {
		if (model_find(&m, extremes[i]) != NULL)
			continue;
		it = item_new(extremes[i]);
		ATF_REQUIRE_EQ(pctrie_insert(&pt, &it->it_key, ta_alloc), 0);
		model_insert(&m, it);
		pctrie_check(&pt);
	}
	verify_all(&pt, &m);
	for (i = 0; i < nextremes; i++) {
		for (k = extremes[i] - 2; k != extremes[i] + 3; k++) {
			verify_lookup(&pt, &m, k);
			verify_ge(&pt, &m, k);
			verify_le(&pt, &m, k);
		}
	}
	pctrie_reclaim_allnodes(&pt, ta_free);
	ATF_REQUIRE_EQ(ta_live(), 0);
	model_fini(&m);
}

/* ---- iteration ----------------------------------------------------------- */

ATF_TC(iteration_order);
ATF_TC_HEAD(iteration_order, tc)
{

	atf_tc_set_md_var(tc, "descr", "PCTRIE_FOREACH and friends visit keys "
	    "in order, stop at UINT64_MAX, survive removal of var");
}
ATF_TC_BODY(iteration_order, tc)
{
	struct pctrie pt;
	struct model m;
	struct item *it, *tit, *lone;
	uint64_t *v, *tv, key, start;
	size_t i, n;

	rng_seed(0x17e7);
	keys_init();
	ta_reset();
	pctrie_init(&pt);
	model_init(&m);

	/* A trie holding only UINT64_MAX: the loop must end. */
	lone = item_new(UINT64_MAX);
	ATF_REQUIRE_EQ(pctrie_insert(&pt, &lone->it_key, ta_alloc), 0);
	n = 0;
	PCTRIE_FOREACH(v, &pt)
		ATF_REQUIRE(++n == 1);
	n = 0;
	PCTRIE_FOREACH_REVERSE(v, &pt)
		ATF_REQUIRE(++n == 1);
	pctrie_remove(&pt, UINT64_MAX, ta_free);
	item_free(lone);

	for (i = 0; i < 4000; i++) {
		key = key_gen(KD_MIXED);
		if (model_find(&m, key) != NULL)
			continue;
		it = item_new(key);
		ATF_REQUIRE_EQ(pctrie_insert(&pt, &it->it_key, ta_alloc), 0);
		model_insert(&m, it);
	}
	/* The extremes are among the keys; make sure of both ends. */
	if (model_find(&m, 0) == NULL || model_find(&m, UINT64_MAX) == NULL)
		atf_tc_fail("seed gave no 0 or no UINT64_MAX");

	/* Forward: exactly the model's order (verify_all walks FOREACH). */
	verify_all(&pt, &m);

	/* Reverse. */
	i = m.m_n;
	PCTRIE_FOREACH_REVERSE(v, &pt) {
		ATF_REQUIRE(i > 0);
		i--;
		ATF_REQUIRE_MSG(v == model_val(&m, i),
		    "reverse step: key %#" PRIx64 ", want %#" PRIx64, *v,
		    m.m_v[i]->it_key);
	}
	ATF_REQUIRE_EQ(i, 0);

	/* From a start key, present or not. */
	for (n = 0; n < 50; n++) {
		start = query_key(&m, KD_MIXED);
		i = model_lb(&m, start);
		PCTRIE_FOREACH_FROM(v, &pt, start) {
			ATF_REQUIRE(i < m.m_n && v == model_val(&m, i));
			i++;
		}
		ATF_REQUIRE_EQ(i, m.m_n);
	}

	/* Typed, through PCTRIE_DEFINE. */
	i = 0;
	PCTRIE_FOREACH_TYPED(titem, it, &pt) {
		ATF_REQUIRE(i < m.m_n && it == m.m_v[i]);
		i++;
	}
	ATF_REQUIRE_EQ(i, m.m_n);

	/* Remove and free every other item as the loop goes. */
	i = 0;
	PCTRIE_FOREACH_SAFE(v, &pt, tv) {
		if (i++ % 2 == 0) {
			it = val2item(v);
			pctrie_remove(&pt, *v, ta_free);
			model_remove_at(&m, model_lb(&m, it->it_key));
			item_free(it);
		}
	}
	verify_all(&pt, &m);

	/* And the rest through the typed safe loop. */
	PCTRIE_FOREACH_TYPED_SAFE(titem, it, &pt, tit) {
		ATF_REQUIRE(titem_PCTRIE_REMOVE_LOOKUP(&pt, it->it_key) == it);
		model_remove_at(&m, model_lb(&m, it->it_key));
		item_free(it);
	}
	ATF_REQUIRE_EQ(m.m_n, 0);
	verify_all(&pt, &m);
	ATF_REQUIRE_EQ(ta_live(), 0);
	model_fini(&m);
}

/* ---- the typed wrappers -------------------------------------------------- */

ATF_TC(typed_wrappers);
ATF_TC_HEAD(typed_wrappers, tc)
{

	atf_tc_set_md_var(tc, "descr", "PCTRIE_DEFINE wrappers convert between "
	    "struct item and its embedded key");
}
ATF_TC_BODY(typed_wrappers, tc)
{
	struct pctrie pt;
	struct item *it[5];
	static const uint64_t keys[5] = { 3, 7, 0x100, 0x101, UINT64_MAX };
	size_t i;

	ta_reset();
	pctrie_init(&pt);
	for (i = 0; i < nitems(keys); i++) {
		it[i] = item_new(keys[i]);
		ATF_REQUIRE_EQ(titem_PCTRIE_INSERT(&pt, it[i]), 0);
		ATF_REQUIRE(titem_PCTRIE_PTR2VAL(it[i]) == &it[i]->it_key);
		ATF_REQUIRE(titem_PCTRIE_VAL2PTR(&it[i]->it_key) == it[i]);
	}
	ATF_REQUIRE(titem_PCTRIE_VAL2PTR(NULL) == NULL);
	ATF_REQUIRE(titem_PCTRIE_LOOKUP(&pt, 7) == it[1]);
	ATF_REQUIRE(titem_PCTRIE_LOOKUP(&pt, 8) == NULL);
	ATF_REQUIRE(titem_PCTRIE_LOOKUP_GE(&pt, 8) == it[2]);
	ATF_REQUIRE(titem_PCTRIE_LOOKUP_GE(&pt, 0x102) == it[4]);
	ATF_REQUIRE(titem_PCTRIE_LOOKUP_LE(&pt, 0xff) == it[1]);
	ATF_REQUIRE(titem_PCTRIE_LOOKUP_LE(&pt, 2) == NULL);
	ATF_REQUIRE(titem_PCTRIE_NEXT(&pt, it[3]) == it[4]);
	ATF_REQUIRE(titem_PCTRIE_NEXT(&pt, it[4]) == NULL);
	ATF_REQUIRE(titem_PCTRIE_PREV(&pt, it[0]) == NULL);
	ATF_REQUIRE(titem_PCTRIE_PREV(&pt, it[2]) == it[1]);
	titem_PCTRIE_REMOVE(&pt, 0x100);
	ATF_REQUIRE(titem_PCTRIE_LOOKUP(&pt, 0x100) == NULL);
	ATF_REQUIRE(titem_PCTRIE_REMOVE_LOOKUP(&pt, 0x100) == NULL);
	ATF_REQUIRE(titem_PCTRIE_REMOVE_LOOKUP(&pt, 3) == it[0]);
	ATF_REQUIRE_EQ(pctrie_count(&pt), 3);
	pctrie_check(&pt);
	titem_PCTRIE_RECLAIM(&pt);
	ATF_REQUIRE(pctrie_is_empty(&pt));
	ATF_REQUIRE_EQ(ta_live(), 0);
	for (i = 0; i < nitems(keys); i++)
		item_free(it[i]);
}

/* ---- panics -------------------------------------------------------------- */

/*
 * Run fn in a child with stdout and stderr on a pipe; require that it dies
 * of SIGABRT and that its output contains every string in needles.
 */
static void
expect_panic(void (*fn)(void), const char *const *needles, size_t nneedles)
{
	struct rlimit rl;
	char buf[8192];
	size_t len, i;
	ssize_t r;
	pid_t pid;
	int pfd[2], status;

	fflush(stdout);
	fflush(stderr);
	ATF_REQUIRE(pipe(pfd) == 0);
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		rl.rlim_cur = rl.rlim_max = 0;
		(void)setrlimit(RLIMIT_CORE, &rl);
		fn();
		_exit(0);	/* no panic: the parent reports it */
	}
	close(pfd[1]);
	len = 0;
	while ((r = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	buf[len] = '\0';
	close(pfd[0]);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_REQUIRE_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	    "child did not abort (status %#x), output: %s", status, buf);
	for (i = 0; i < nneedles; i++)
		ATF_REQUIRE_MSG(strstr(buf, needles[i]) != NULL,
		    "panic message lacks \"%s\": %s", needles[i], buf);
}

/* The child side uses no ATF macros: it must only abort or _exit. */
static struct pctrie child_pt;

static void *
child_alloc(struct pctrie *ptree __unused)
{

	return (malloc(pctrie_node_size()));
}

static struct item *
child_fill(const uint64_t *keys, size_t n)
{
	struct item *items;
	size_t i;

	items = calloc(n, sizeof(*items));
	if (items == NULL)
		_exit(2);
	pctrie_init(&child_pt);
	for (i = 0; i < n; i++) {
		items[i].it_key = keys[i];
		if (pctrie_insert(&child_pt, &items[i].it_key,
		    child_alloc) != 0)
			_exit(3);
	}
	pctrie_check(&child_pt);
	return (items);
}

static const uint64_t death_keys[] = {
	0x10, 0x20, 0x21, 0x2f, 0x5000, 0xabcdef, UINT64_MAX,
};

static void
dup_into_leaf_root(void)
{
	static struct item a, b;

	a.it_key = b.it_key = 0x77;
	pctrie_init(&child_pt);
	if (pctrie_insert(&child_pt, &a.it_key, child_alloc) != 0)
		_exit(3);
	(void)pctrie_insert(&child_pt, &b.it_key, child_alloc);
}

static void
dup_into_node(void)
{
	static struct item b;

	(void)child_fill(death_keys, nitems(death_keys));
	b.it_key = 0xabcdef;
	(void)pctrie_insert(&child_pt, &b.it_key, child_alloc);
}

ATF_TC(duplicate_insert_panics);
ATF_TC_HEAD(duplicate_insert_panics, tc)
{

	atf_tc_set_md_var(tc, "descr", "Inserting a key already present "
	    "panics, naming the function and the key");
}
ATF_TC_BODY(duplicate_insert_panics, tc)
{
	static const char *const n1[] = { "pctrie_insert", "0x77" };
	static const char *const n2[] = { "pctrie_insert", "0xabcdef" };

	expect_panic(dup_into_leaf_root, n1, nitems(n1));
	expect_panic(dup_into_node, n2, nitems(n2));
}

static void
remove_absent(void)
{

	(void)child_fill(death_keys, nitems(death_keys));
	/* Absent but in a populated node's range: remove_lookup says NULL. */
	if (pctrie_remove_lookup(&child_pt, 0x22, NULL) != NULL)
		_exit(4);
	if (pctrie_count(&child_pt) != nitems(death_keys))
		_exit(5);
	pctrie_remove(&child_pt, 0x22, NULL);
}

ATF_TC(remove_absent_panics);
ATF_TC_HEAD(remove_absent_panics, tc)
{

	atf_tc_set_md_var(tc, "descr", "pctrie_remove of an absent key "
	    "panics; pctrie_remove_lookup returns NULL");
}
ATF_TC_BODY(remove_absent_panics, tc)
{
	static const char *const n[] = { "pctrie_remove", "0x22" };

	expect_panic(remove_absent, n, nitems(n));
}

/* Change keys behind the trie's back: pctrie_check must notice. */
static void
corrupt_slot(void)
{
	struct item *items;

	items = child_fill(death_keys, nitems(death_keys));
	/* 0x20 becomes 0x25: still in its node's range, in slot 0 of 5. */
	items[1].it_key = 0x25;
	pctrie_check(&child_pt);
}

static void
corrupt_range(void)
{
	struct item *items;

	items = child_fill(death_keys, nitems(death_keys));
	/* 0x2f becomes 0x302f: outside its node [0x20, 0x2f] altogether. */
	items[3].it_key = 0x302f;
	pctrie_check(&child_pt);
}

static void
corrupt_order(void)
{
	struct item *items;

	items = child_fill(death_keys, nitems(death_keys));
	/*
	 * Two values swap keys, so each leaf sits where the other belongs.
	 * (With slots and ranges checked, order follows; pctrie_check also
	 * checks it directly, as a cross-check of its own walk.)
	 */
	items[0].it_key = 0x20;
	items[1].it_key = 0x10;
	pctrie_check(&child_pt);
}

ATF_TC(check_detects_corruption);
ATF_TC_HEAD(check_detects_corruption, tc)
{

	atf_tc_set_md_var(tc, "descr", "pctrie_check panics when keys change "
	    "under the trie: wrong slot, out of range, out of order");
}
ATF_TC_BODY(check_detects_corruption, tc)
{
	static const char *const n[] = { "pctrie_check" };

	expect_panic(corrupt_slot, n, nitems(n));
	expect_panic(corrupt_range, n, nitems(n));
	expect_panic(corrupt_order, n, nitems(n));
}

ATF_TP_ADD_TCS(tp)
{

	ATF_TP_ADD_TC(tp, random_dense);
	ATF_TP_ADD_TC(tp, random_sparse);
	ATF_TP_ADD_TC(tp, random_extremes);
	ATF_TP_ADD_TC(tp, random_clustered);
	ATF_TP_ADD_TC(tp, random_mixed);
	ATF_TP_ADD_TC(tp, alloc_failure);
	ATF_TP_ADD_TC(tp, alloc_only_when_needed);
	ATF_TP_ADD_TC(tp, reclaim_frees_all_nodes);
	ATF_TP_ADD_TC(tp, path_compression);
	ATF_TP_ADD_TC(tp, extremes);
	ATF_TP_ADD_TC(tp, iteration_order);
	ATF_TP_ADD_TC(tp, typed_wrappers);
	ATF_TP_ADD_TC(tp, duplicate_insert_panics);
	ATF_TP_ADD_TC(tp, remove_absent_panics);
	ATF_TP_ADD_TC(tp, check_detects_corruption);
	return (atf_no_error());
}
