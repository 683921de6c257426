/*
 * Tests of the UMA zone allocator (sys/vm/uma_core.c) and of its
 * statistics stream and reader (vm.zone_stats, uma_memstat.c): one case
 * per feature (issue 7).
 *
 * The machine is vt_boot()'s: 32 MiB, 2 CPU slots, the pqbatch thread's
 * drains off.  The uma thread trims bucket caches every 20 s by default,
 * longer than any case, so it only acts where a case sets vm.uma_timeout.
 *
 * Black-box checks go through the public API and the stream; the layout
 * and a few counts are checked white-box through uma_int.h (uk_ppera,
 * uk_ipers, UMA_ZONE_OFFPAGE, uk_free, uz_items), as the task's issue asks.
 *
 * Item state across its life is tracked in the item itself (struct
 * ut_item's state word): keg init sets ST_KEG, a secondary zone's zinit
 * ST_ZONE, a ctor ST_LIVE; each callback checks the state it expects and
 * counts a mismatch in n_bad, so "fini on an item whose init never ran"
 * or "ctor on an item never initialized" shows as n_bad != 0.
 *
 * Misuse cases fork (vt_expect_panic): the child boots its own libvm,
 * does the forbidden thing and must die of the panic at that call; if it
 * survives, it says what happened next and the case fails with that.
 */

#include "vm_test_util.h"

#include <sys/sleepqueue.h>

#include <uma.h>
#include <vm/uma_int.h>

#define	UT_MAXCPU	16		/* per-CPU records we can hold */
#define	UT_DEADLINE_MS	5000

/* ---- counters and callbacks ---------------------------------------------- */

#define	ST_KEG		0x4b454731u	/* keg init ran */
#define	ST_ZONE		0x5a4f4e31u	/* secondary zone's zinit ran */
#define	ST_LIVE		0x4c495631u	/* ctor ran: allocated */

struct ut_item {
	uint32_t	state;
	uint32_t	tag;
	uint64_t	pad;
};

static _Atomic int n_ctor, n_dtor, n_init, n_init_ok, n_fini;
static _Atomic int n_zinit, n_zinit_ok, n_zfini, n_bad;
static _Atomic int ctor_fail;		/* nonzero: every ctor fails */
static _Atomic int init_budget;		/* inits that succeed, -1: all */
static _Atomic int zinit_budget;	/* zinits that succeed, -1: all */

static void
ut_reset(void)
{
	atomic_store(&n_ctor, 0);
	atomic_store(&n_dtor, 0);
	atomic_store(&n_init, 0);
	atomic_store(&n_init_ok, 0);
	atomic_store(&n_fini, 0);
	atomic_store(&n_zinit, 0);
	atomic_store(&n_zinit_ok, 0);
	atomic_store(&n_zfini, 0);
	atomic_store(&n_bad, 0);
	atomic_store(&ctor_fail, 0);
	atomic_store(&init_budget, -1);
	atomic_store(&zinit_budget, -1);
}

/* Takes one from a budget: false when it is spent (the call fails). */
static bool
ut_budget_take(_Atomic int *budget)
{
	int b = atomic_load(budget);

	while (b > 0)
		if (atomic_compare_exchange_weak(budget, &b, b - 1))
			return (true);
	return (b < 0);
}

/* Counting ctor/dtor without state checks (for zones without init). */
static int
ut_ctor_cnt(void *mem __unused, int size __unused, void *arg __unused,
    int flags __unused)
{
	atomic_fetch_add(&n_ctor, 1);
	return (atomic_load(&ctor_fail) != 0 ? ENOMEM : 0);
}

static void
ut_dtor_cnt(void *mem __unused, int size __unused, void *arg __unused)
{
	atomic_fetch_add(&n_dtor, 1);
}

/* Keg init/fini with the state word. */
static int
ut_init(void *mem, int size __unused, int flags __unused)
{
	struct ut_item *it = mem;

	atomic_fetch_add(&n_init, 1);
	if (!ut_budget_take(&init_budget))
		return (ENOMEM);
	atomic_fetch_add(&n_init_ok, 1);
	it->state = ST_KEG;
	return (0);
}

static void
ut_fini(void *mem, int size __unused)
{
	struct ut_item *it = mem;

	atomic_fetch_add(&n_fini, 1);
	if (it->state != ST_KEG)
		atomic_fetch_add(&n_bad, 1);
	it->state = 0;
}

/* ctor/dtor of a primary zone with ut_init: ST_KEG <-> ST_LIVE. */
static int
ut_ctor_st(void *mem, int size __unused, void *arg __unused,
    int flags __unused)
{
	struct ut_item *it = mem;

	atomic_fetch_add(&n_ctor, 1);
	if (it->state != ST_KEG)
		atomic_fetch_add(&n_bad, 1);
	if (atomic_load(&ctor_fail) != 0)
		return (ENOMEM);
	it->state = ST_LIVE;
	return (0);
}

static void
ut_dtor_st(void *mem, int size __unused, void *arg __unused)
{
	struct ut_item *it = mem;

	atomic_fetch_add(&n_dtor, 1);
	if (it->state != ST_LIVE)
		atomic_fetch_add(&n_bad, 1);
	it->state = ST_KEG;
}

/* A secondary zone's zinit/zfini: ST_KEG <-> ST_ZONE. */
static int
ut_zinit(void *mem, int size __unused, int flags __unused)
{
	struct ut_item *it = mem;

	atomic_fetch_add(&n_zinit, 1);
	if (it->state != ST_KEG)
		atomic_fetch_add(&n_bad, 1);
	if (!ut_budget_take(&zinit_budget))
		return (ENOMEM);
	atomic_fetch_add(&n_zinit_ok, 1);
	it->state = ST_ZONE;
	return (0);
}

static void
ut_zfini(void *mem, int size __unused)
{
	struct ut_item *it = mem;

	atomic_fetch_add(&n_zfini, 1);
	if (it->state != ST_ZONE)
		atomic_fetch_add(&n_bad, 1);	/* its zinit never ran */
	it->state = ST_KEG;
}

/* ---- statistics ---------------------------------------------------------- */

static int
ut_sysctl_int(const char *name)
{
	size_t len = sizeof(int);
	int v = -1, error;

	error = vm_sysctlbyname(name, &v, &len, NULL, 0);
	ATF_REQUIRE_MSG(error == 0, "%s: error %d", name, error);
	ATF_REQUIRE_EQ(sizeof(int), len);
	return (v);
}

static void
ut_set_timeout(int ms)
{
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.uma_timeout", NULL, NULL, &ms,
	    sizeof(ms)));
}

/* Every zone's record from the reader; *np gets how many. */
static struct uma_zone_stat *
ut_stats_all(size_t *np)
{
	struct uma_zone_stat *all;
	size_t n = 0, cap;
	int error;

	ATF_REQUIRE_EQ(0, uma_zone_stats(NULL, &n));
	cap = n + 8;
	all = calloc(cap, sizeof(*all));
	ATF_REQUIRE(all != NULL);
	n = cap;
	error = uma_zone_stats(all, &n);
	ATF_REQUIRE_MSG(error == 0, "uma_zone_stats: error %d", error);
	*np = n;
	return (all);
}

/* The reader's record of zone name: false if absent; at most one. */
static bool
ut_zstat_find(const char *name, struct uma_zone_stat *out)
{
	struct uma_zone_stat *all;
	size_t n, i;
	int found = 0;

	all = ut_stats_all(&n);
	for (i = 0; i < n; i++)
		if (strcmp(all[i].uzs_name, name) == 0) {
			if (out != NULL)
				*out = all[i];
			found++;
		}
	free(all);
	ATF_REQUIRE_MSG(found <= 1, "zone %s listed %d times", name, found);
	return (found == 1);
}

static void
ut_zstat(const char *name, struct uma_zone_stat *out)
{
	ATF_REQUIRE_MSG(ut_zstat_find(name, out), "zone %s not in the stream",
	    name);
}

/* The raw vm.zone_stats stream, checked for shape. */
struct ut_raw {
	char		*buf;
	size_t		len;
	size_t		rec;		/* type header + per-CPU records */
	struct uma_stream_header ush;
};

static void
ut_raw_read(struct ut_raw *r)
{
	size_t len = 0;
	int error;

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.zone_stats", NULL, &len, NULL,
	    0));
	r->len = len + 64 * 1024;
	r->buf = malloc(r->len);
	ATF_REQUIRE(r->buf != NULL);
	error = vm_sysctlbyname("vm.zone_stats", r->buf, &r->len, NULL, 0);
	ATF_REQUIRE_MSG(error == 0, "vm.zone_stats: error %d", error);
	ATF_REQUIRE(r->len >= sizeof(r->ush));
	memcpy(&r->ush, r->buf, sizeof(r->ush));
	ATF_REQUIRE_EQ(UMA_STREAM_VERSION, r->ush.ush_version);
	ATF_REQUIRE(r->ush.ush_maxcpus >= 1 && r->ush.ush_maxcpus <= UT_MAXCPU);
	r->rec = sizeof(struct uma_type_header) +
	    r->ush.ush_maxcpus * sizeof(struct uma_percpu_stat);
	ATF_REQUIRE_EQ_MSG(sizeof(r->ush) + r->ush.ush_count * r->rec, r->len,
	    "stream of %zu bytes for %u zones", r->len, r->ush.ush_count);
}

static void
ut_raw_free(struct ut_raw *r)
{
	free(r->buf);
	r->buf = NULL;
}

static void
ut_raw_record(const struct ut_raw *r, uint32_t z, struct uma_type_header *uth,
    struct uma_percpu_stat *ups)
{
	size_t off = sizeof(r->ush) + z * r->rec;

	memcpy(uth, r->buf + off, sizeof(*uth));
	memcpy(ups, r->buf + off + sizeof(*uth),
	    r->ush.ush_maxcpus * sizeof(*ups));
}

/* Zone name's records in the raw stream (required to be there once). */
static void
ut_raw_zone(const struct ut_raw *r, const char *name,
    struct uma_type_header *uth, struct uma_percpu_stat *ups)
{
	struct uma_type_header h;
	struct uma_percpu_stat p[UT_MAXCPU];
	uint32_t z;
	int found = 0;

	for (z = 0; z < r->ush.ush_count; z++) {
		ut_raw_record(r, z, &h, p);
		if (strncmp(h.uth_name, name, UTH_MAX_NAME) == 0) {
			*uth = h;
			memcpy(ups, p, r->ush.ush_maxcpus * sizeof(*p));
			found++;
		}
	}
	ATF_REQUIRE_EQ_MSG(1, found, "zone %s found %d times in the stream",
	    name, found);
}

struct ut_sums {
	uint64_t	allocs;		/* zone-wide + per-CPU */
	uint64_t	frees;
	uint64_t	pcpu_allocs;	/* per-CPU only */
	uint64_t	pcpu_frees;
	uint64_t	cached;		/* in the CPUs' buckets */
};

static void
ut_raw_sums(const struct ut_raw *r, const char *name,
    struct uma_type_header *uth, struct ut_sums *s)
{
	struct uma_percpu_stat ups[UT_MAXCPU];
	uint32_t c;

	ut_raw_zone(r, name, uth, ups);
	memset(s, 0, sizeof(*s));
	for (c = 0; c < r->ush.ush_maxcpus; c++) {
		s->pcpu_allocs += ups[c].ups_allocs;
		s->pcpu_frees += ups[c].ups_frees;
		s->cached += ups[c].ups_cache_free;
	}
	s->allocs = uth->uth_allocs + s->pcpu_allocs;
	s->frees = uth->uth_frees + s->pcpu_frees;
}

/* ---- white box ----------------------------------------------------------- */

static vm_page_t
ut_page(const void *p)
{
	return (PHYS_TO_VM_PAGE(DMAP_TO_PHYS(p)));
}

/* Items the keg's slabs hold, allocated or free. */
static uint64_t
ut_capacity(uma_zone_t z)
{
	uma_keg_t k = z->uz_keg;
	uint64_t n;

	mtx_lock(&k->uk_lock);
	n = k->uk_pages / k->uk_ppera * k->uk_ipers;
	mtx_unlock(&k->uk_lock);
	return (n);
}

static uint64_t
ut_keg_free(uma_zone_t z)
{
	uma_keg_t k = z->uz_keg;
	uint64_t n;

	mtx_lock(&k->uk_lock);
	n = k->uk_free;
	mtx_unlock(&k->uk_lock);
	return (n);
}

static uint64_t
ut_keg_pages(uma_zone_t z)
{
	uma_keg_t k = z->uz_keg;
	uint64_t n;

	mtx_lock(&k->uk_lock);
	n = k->uk_pages;
	mtx_unlock(&k->uk_lock);
	return (n);
}

static int64_t
ut_zone_items(uma_zone_t z)
{
	int64_t n;

	mtx_lock(&z->uz_lock);
	n = z->uz_items;
	mtx_unlock(&z->uz_lock);
	return (n);
}

/* Threads asleep on chan (a zone at its limit sleeps on the zone). */
static int
ut_sleepers(const void *chan)
{
	int n;

	sleepq_lock(chan);
	n = sleepq_sleepcnt(chan);
	sleepq_release(chan);
	return (n);
}

static bool
ut_wait_sleepers(const void *chan, int want)
{
	uint64_t end = vt_now_ms() + UT_DEADLINE_MS;

	while (ut_sleepers(chan) < want) {
		if (vt_now_ms() >= end)
			return (false);
		vt_msleep(1);
	}
	return (true);
}

static void
ut_join(pthread_t t)
{
	struct timespec ts;
	int error;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += UT_DEADLINE_MS / 1000;
	error = pthread_timedjoin_np(t, NULL, &ts);
	ATF_REQUIRE_MSG(error == 0, "thread did not finish (%s)",
	    strerror(error));
}

static uint64_t
ut_free_pages(void)
{
	return (vt_stat("v_free_count"));
}

/* Fill [p, p + size) with a pattern of seed; check it. */
static void
ut_fill(void *p, size_t size, uint32_t seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < size; i++)
		c[i] = (unsigned char)(seed * 31 + i * 7 + (seed >> 8));
}

static bool
ut_check_fill(const void *p, size_t size, uint32_t seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (c[i] != (unsigned char)(seed * 31 + i * 7 + (seed >> 8)))
			return (false);
	return (true);
}

static int
ut_cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return (x < y ? -1 : x > y);
}

/*
 * n items of size bytes: disjoint (sorted, each ends before the next
 * begins), each the start of an item of z's keg, inside its slab, and
 * every page it covers names the keg and the slab.
 */
static void
ut_check_items(uma_zone_t z, void **items, size_t n, size_t size)
{
	uma_keg_t k = z->uz_keg;
	void **s;
	size_t i, off;

	s = malloc(n * sizeof(*s));
	ATF_REQUIRE(s != NULL);
	memcpy(s, items, n * sizeof(*s));
	qsort(s, n, sizeof(*s), ut_cmp_ptr);
	for (i = 0; i < n; i++) {
		vm_page_t m = ut_page(s[i]);
		uma_slab_t slab = m->plinks.uma.slab;
		size_t idx;

		ATF_REQUIRE_MSG(i == 0 ||
		    (char *)s[i - 1] + size <= (char *)s[i],
		    "items %p and %p (size %zu) overlap", s[i - 1], s[i], size);
		ATF_REQUIRE_MSG(m->plinks.uma.keg == k && slab != NULL,
		    "item %p: its page names keg %p, not %p", s[i],
		    (void *)m->plinks.uma.keg, (void *)k);
		ATF_REQUIRE((char *)s[i] >= slab->us_data);
		idx = (size_t)((char *)s[i] - slab->us_data) / k->uk_rsize;
		ATF_REQUIRE_MSG(idx < k->uk_ipers &&
		    (char *)s[i] == slab->us_data + idx * k->uk_rsize,
		    "item %p is not item %zu of its slab", s[i], idx);
		for (off = PAGE_SIZE - ((uintptr_t)s[i] & PAGE_MASK);
		    off < size; off += PAGE_SIZE) {
			vm_page_t mm = ut_page((char *)s[i] + off);

			ATF_REQUIRE_MSG(mm->plinks.uma.slab == slab &&
			    mm->plinks.uma.keg == k,
			    "page at offset %zu of item %p names slab %p",
			    off, s[i], (void *)mm->plinks.uma.slab);
		}
	}
	free(s);
}

/* ---- basic --------------------------------------------------------------- */

ATF_TC(basic_create_alloc_free_destroy);
ATF_TC_HEAD(basic_create_alloc_free_destroy, tc)
{
	atf_tc_set_md_var(tc, "descr", "A zone appears in vm.uma_count and "
	    "the stream when created and disappears when destroyed; items "
	    "are distinct and writable; get_cur follows allocations; a NULL "
	    "free is a no-op; used + free covers the keg's capacity");
}
ATF_TC_BODY(basic_create_alloc_free_destroy, tc)
{
	struct uma_zone_stat st;
	uma_zone_t z;
	void *a[10];
	int n0, i, j;

	vt_boot();
	n0 = ut_sysctl_int("vm.uma_count");
	z = uma_zcreate("ut basic", 100, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE_EQ(n0 + 1, ut_sysctl_int("vm.uma_count"));
	ut_zstat("ut basic", &st);
	ATF_REQUIRE_EQ(100, st.uzs_size);
	ATF_REQUIRE_EQ(0, st.uzs_used);
	ATF_REQUIRE_EQ(0, st.uzs_requests);
	ATF_REQUIRE_EQ(0, st.uzs_pages);
	ATF_REQUIRE_EQ(0, st.uzs_limit);
	ATF_REQUIRE_EQ(0, st.uzs_flags);
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(z));
	ATF_REQUIRE_EQ(0, uma_zone_get_max(z));

	for (i = 0; i < 10; i++) {
		a[i] = uma_zalloc(z, M_WAITOK);
		ATF_REQUIRE(a[i] != NULL);
		memset(a[i], i, 100);
		for (j = 0; j < i; j++)
			ATF_REQUIRE(a[i] != a[j]);
	}
	ATF_REQUIRE_EQ(10, uma_zone_get_cur(z));
	for (i = 0; i < 10; i++)
		for (j = 0; j < 100; j++)
			ATF_REQUIRE_EQ(i, ((unsigned char *)a[i])[j]);
	ut_check_items(z, a, 10, 100);
	ut_zstat("ut basic", &st);
	ATF_REQUIRE_EQ(10, st.uzs_used);
	ATF_REQUIRE_EQ(10, st.uzs_requests);
	ATF_REQUIRE(st.uzs_pages > 0);
	ATF_REQUIRE_EQ(ut_capacity(z), st.uzs_used + st.uzs_free);

	uma_zfree(z, NULL);
	ATF_REQUIRE_EQ(10, uma_zone_get_cur(z));
	for (i = 0; i < 10; i++)
		uma_zfree(z, a[i]);
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(z));
	ut_zstat("ut basic", &st);
	ATF_REQUIRE_EQ(0, st.uzs_used);
	ATF_REQUIRE_EQ(10, st.uzs_requests);
	ATF_REQUIRE_EQ(ut_capacity(z), st.uzs_free);
	uma_assert_consistent(z);

	uma_zdestroy(z);
	uma_zdestroy(NULL);
	ATF_REQUIRE_EQ(n0, ut_sysctl_int("vm.uma_count"));
	ATF_REQUIRE(!ut_zstat_find("ut basic", NULL));
	vm_shutdown();
}

/* ---- alignment ----------------------------------------------------------- */

ATF_TC(alignment_and_disjoint_items);
ATF_TC_HEAD(alignment_and_disjoint_items, tc)
{
	atf_tc_set_md_var(tc, "descr", "Every item of zones with "
	    "UMA_ALIGN_CHAR/INT/PTR/CACHE and custom masks (255, 511, 1023, "
	    "4095) is aligned; items never overlap (each filled with its own "
	    "pattern, all verified after all are filled) and each is the "
	    "start of an item of its slab");
}
ATF_TC_BODY(alignment_and_disjoint_items, tc)
{
	static const struct {
		size_t	size;
		int	align;
	} cases[] = {
		{ 1, UMA_ALIGN_CHAR }, { 1, UMA_ALIGN_PTR },
		{ 3, UMA_ALIGN_INT },
		{ 13, UMA_ALIGN_PTR }, { 24, UMA_ALIGN_SHORT },
		{ 40, UMA_ALIGN_CACHE }, { 100, UMA_ALIGN_CACHE },
		{ 7, 255 }, { 300, 511 }, { 1000, 1023 }, { 17, 4095 },
		{ 5000, UMA_ALIGN_PTR }, { 5000, UMA_ALIGN_CACHE },
		{ 777, UMA_ALIGN_LONG },
	};
	void **items;
	size_t c, i, n;
	uintptr_t mask;
	uma_zone_t z;
	char name[32];

	vt_boot();
	items = calloc(4096, sizeof(*items));
	ATF_REQUIRE(items != NULL);
	for (c = 0; c < nitems(cases); c++) {
		snprintf(name, sizeof(name), "ut align %zu", c);
		z = uma_zcreate(name, cases[c].size, NULL, NULL, NULL, NULL,
		    cases[c].align, 0);
		ATF_REQUIRE_MSG(z != NULL, "size %zu align %d: errno %d",
		    cases[c].size, cases[c].align, errno);
		mask = cases[c].align == UMA_ALIGN_CACHE ?
		    CACHE_LINE_SIZE - 1 : (uintptr_t)cases[c].align;
		ATF_REQUIRE_EQ(mask, z->uz_keg->uk_align);
		ATF_REQUIRE_EQ(0, z->uz_keg->uk_rsize & mask);
		/* Three slabs' worth and some: bucket, keg and new slabs. */
		n = MIN(3 * (size_t)z->uz_keg->uk_ipers + 5, 4096);
		for (i = 0; i < n; i++) {
			items[i] = uma_zalloc(z, M_WAITOK);
			ATF_REQUIRE(items[i] != NULL);
			ATF_REQUIRE_MSG(((uintptr_t)items[i] & mask) == 0,
			    "size %zu align %#lx: item %p misaligned",
			    cases[c].size, (unsigned long)mask, items[i]);
			ut_fill(items[i], cases[c].size, (uint32_t)i);
		}
		for (i = 0; i < n; i++)
			ATF_REQUIRE_MSG(ut_check_fill(items[i], cases[c].size,
			    (uint32_t)i), "size %zu: item %zu (%p) was "
			    "overwritten by a neighbour", cases[c].size, i,
			    items[i]);
		ut_check_items(z, items, n, cases[c].size);
		for (i = 0; i < n; i++)
			uma_zfree(z, items[i]);
		uma_assert_consistent(z);
		uma_zdestroy(z);
	}
	free(items);
	vm_shutdown();
}

/* ---- M_ZERO -------------------------------------------------------------- */

static int
ut_ctor_dirty(void *mem, int size, void *arg __unused, int flags __unused)
{
	memset(mem, 0xee, (size_t)size);
	return (0);
}

ATF_TC(mzero_zeroes_dirty_items);
ATF_TC_HEAD(mzero_zeroes_dirty_items, tc)
{
	atf_tc_set_md_var(tc, "descr", "M_ZERO returns zeroed items, also "
	    "items freed dirty into the per-CPU cache (the same addresses "
	    "come back), after a ctor that scribbles, in a NOBUCKET zone "
	    "and in a limited zone, with M_WAITOK and M_NOWAIT");
}
ATF_TC_BODY(mzero_zeroes_dirty_items, tc)
{
	static const struct {
		const char	*name;
		uma_ctor	ctor;
		uint32_t	flags;
		int		max;
	} zs[] = {
		{ "ut zero plain", NULL, 0, 0 },
		{ "ut zero ctor", ut_ctor_dirty, 0, 0 },
		{ "ut zero nobucket", NULL, UMA_ZONE_NOBUCKET, 0 },
		{ "ut zero limited", NULL, 0, 1000 },
	};
	enum { N = 300, SZ = 200 };
	void *a[N], *b[N];
	size_t c;
	int i, j, same, round;
	unsigned char *p;
	uma_zone_t z;

	vt_boot();
	for (c = 0; c < nitems(zs); c++) {
		z = uma_zcreate(zs[c].name, SZ, zs[c].ctor, NULL, NULL, NULL,
		    UMA_ALIGN_PTR, zs[c].flags);
		ATF_REQUIRE(z != NULL);
		if (zs[c].max != 0)
			ATF_REQUIRE_EQ(zs[c].max,
			    uma_zone_set_max(z, zs[c].max));
		for (round = 0; round < 2; round++) {
			for (i = 0; i < N; i++) {
				a[i] = uma_zalloc(z, M_WAITOK);
				ATF_REQUIRE(a[i] != NULL);
				memset(a[i], 0xa5, SZ);
			}
			for (i = N - 1; i >= 0; i--)
				uma_zfree(z, a[i]);
			same = 0;
			for (i = 0; i < N; i++) {
				b[i] = uma_zalloc(z, (round == 0 ? M_WAITOK :
				    M_NOWAIT) | M_ZERO);
				ATF_REQUIRE(b[i] != NULL);
				p = b[i];
				for (j = 0; j < SZ; j++)
					ATF_REQUIRE_MSG(p[j] == 0, "%s: byte "
					    "%d of %p is %#x", zs[c].name, j,
					    b[i], p[j]);
				for (j = 0; j < N; j++)
					if (a[j] == b[i]) {
						same++;
						break;
					}
			}
			/*
			 * Dirty items came back (not all: a bucket's
			 * untouched imports may come first).
			 */
			ATF_REQUIRE_MSG(same > 0, "%s: none of %d items "
			    "were reused", zs[c].name, N);
			for (i = 0; i < N; i++)
				uma_zfree(z, b[i]);
		}
		uma_zdestroy(z);
	}
	vm_shutdown();
}

/* ---- sizes and slab layout ----------------------------------------------- */

struct ut_layout {
	uint32_t	ppera;
	uint32_t	ipers;
	bool		off;
	size_t		waste;
};

/* The most items that fit in a slab with their header inside. */
static uint32_t
ut_inpage_ipers(size_t slab, size_t rsize)
{
	uint32_t n = (uint32_t)(slab / rsize);

	while (n > 0 && n * rsize + roundup2(UMA_SLAB_HDRSIZE(n), 8) > slab)
		n--;
	return (n);
}

/*
 * The layout of ppera pages by the waste rule: the header stays in the
 * slab unless that wastes UMA_MAX_WASTE or more (or fits no item); then it
 * goes off the slab if that wastes less.
 */
static struct ut_layout
ut_layout_of(uint32_t ppera, size_t rsize)
{
	struct ut_layout l = { ppera, 0, false, SIZE_MAX };
	size_t slab = (size_t)ppera * PAGE_SIZE, woff;
	uint32_t noff;

	if (rsize > slab)
		return (l);
	l.ipers = ut_inpage_ipers(slab, rsize);
	if (l.ipers > 0)
		l.waste = slab - l.ipers * rsize;
	if (l.ipers == 0 || l.waste >= UMA_MAX_WASTE(slab)) {
		noff = (uint32_t)MIN(slab / rsize, UMA_SLAB_MAX_IPERS);
		woff = slab - noff * rsize;
		if (woff < l.waste) {
			l.ipers = noff;
			l.waste = woff;
			l.off = true;
		}
	}
	return (l);
}

/*
 * The expected layout: the fewest pages whose layout wastes under the
 * limit; if none does, the least waste as a fraction of the slab (the
 * smaller slab on a tie).
 */
static struct ut_layout
ut_expected_layout(size_t rsize)
{
	struct ut_layout l, best = { 0, 0, false, SIZE_MAX };
	uint32_t p;

	for (p = 1; p <= UMA_MAX_PPERA; p++) {
		l = ut_layout_of(p, rsize);
		if (l.ipers > 0 && l.waste < UMA_MAX_WASTE(p * PAGE_SIZE))
			return (l);
	}
	for (p = 1; p <= UMA_MAX_PPERA; p++) {
		l = ut_layout_of(p, rsize);
		if (l.ipers == 0)
			continue;
		if (best.ppera == 0 || l.waste * best.ppera <
		    best.waste * l.ppera)
			best = l;
	}
	return (best);
}

static void
ut_check_layout(uma_zone_t z, size_t size)
{
	uma_keg_t k = z->uz_keg;
	struct ut_layout want;
	size_t slab;
	bool off;

	ATF_REQUIRE(k->uk_ppera >= 1 && k->uk_ppera <= UMA_MAX_PPERA);
	ATF_REQUIRE(k->uk_ipers >= 1);
	ATF_REQUIRE(k->uk_rsize >= size);
	ATF_REQUIRE_EQ(0, k->uk_rsize & k->uk_align);
	slab = (size_t)k->uk_ppera * PAGE_SIZE;
	off = (k->uk_flags & UMA_ZONE_OFFPAGE) != 0;
	ATF_REQUIRE(k->uk_ipers * (size_t)k->uk_rsize <= slab);
	if (!off) {
		/* The header after the items, inside the slab. */
		ATF_REQUIRE_MSG(k->uk_hdroff >= k->uk_ipers * k->uk_rsize &&
		    k->uk_hdroff + UMA_SLAB_HDRSIZE(k->uk_ipers) <= slab &&
		    k->uk_hdroff % 8 == 0, "size %zu: header at %u, items end "
		    "at %u", size, k->uk_hdroff, k->uk_ipers * k->uk_rsize);
	} else
		ATF_REQUIRE(k->uk_ipers <= UMA_SLAB_MAX_IPERS);
	want = ut_expected_layout(k->uk_rsize);
	ATF_REQUIRE_MSG(want.ppera == k->uk_ppera &&
	    want.ipers == k->uk_ipers && want.off == off,
	    "size %zu (rsize %u): layout %u pages %u items %s, the waste "
	    "rule wants %u pages %u items %s", size, k->uk_rsize,
	    k->uk_ppera, k->uk_ipers, off ? "off-page" : "in-page",
	    want.ppera, want.ipers, want.off ? "off-page" : "in-page");
}

ATF_TC(sizes_and_slab_layout);
ATF_TC_HEAD(sizes_and_slab_layout, tc)
{
	atf_tc_set_md_var(tc, "descr", "Item sizes from 1 byte to 16 pages: "
	    "each keg's layout (pages per slab, items per slab, header in or "
	    "off the slab) is the waste rule's (UMA_MAX_WASTE), off-page "
	    "headers and multi-page slabs both occur; ipers + 1 items take "
	    "exactly two slabs (stream pages), are disjoint, every page of "
	    "a slab names it, and a drain gives every page back");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(sizes_and_slab_layout, tc)
{
	static const size_t big[] = {
		1000, 1023, 1024, 1025, 1360, 1365, 1366, 1500, 2000, 2047,
		2048, 2049, 2100, 2600, 3000, 3500, 4000, 4032, 4056, 4088,
		4095, 4096, 4097, 5000, 6000, 7000, 8191, 8192, 8193, 10000,
		12000, 12288, 16384, 20000, 24576, 30000, 32767, 32768, 32769,
		40000, 50000, 60000, 65535, 65536,
	};
	struct uma_zone_stat st;
	size_t sizes[600], nsizes = 0, s, i, n;
	void **items;
	uint64_t free0;
	bool seen_off = false, seen_in = false, seen_multi = false;
	uma_zone_t z;
	char name[32];

	for (s = 1; s <= 160; s++)
		sizes[nsizes++] = s;
	for (s = 168; s < 1000; s += 24)
		sizes[nsizes++] = s;
	for (i = 0; i < nitems(big); i++)
		sizes[nsizes++] = big[i];
	ATF_REQUIRE(nsizes <= nitems(sizes));

	vt_boot();
	items = calloc(8192, sizeof(*items));
	ATF_REQUIRE(items != NULL);
	for (s = 0; s < nsizes; s++) {
		snprintf(name, sizeof(name), "ut size %zu", sizes[s]);
		z = uma_zcreate(name, sizes[s], NULL, NULL, NULL, NULL,
		    UMA_ALIGN_PTR, UMA_ZONE_NOBUCKET);
		ATF_REQUIRE_MSG(z != NULL, "size %zu: errno %d", sizes[s],
		    errno);
		ut_check_layout(z, sizes[s]);
		if ((z->uz_keg->uk_flags & UMA_ZONE_OFFPAGE) != 0)
			seen_off = true;
		else
			seen_in = true;
		if (z->uz_keg->uk_ppera > 1)
			seen_multi = true;
		free0 = ut_free_pages();
		n = z->uz_keg->uk_ipers + 1;
		ATF_REQUIRE(n <= 8192);
		for (i = 0; i < n; i++) {
			items[i] = uma_zalloc(z, M_NOWAIT);
			ATF_REQUIRE_MSG(items[i] != NULL, "size %zu: item %zu",
			    sizes[s], i);
			ut_fill(items[i], sizes[s], (uint32_t)i);
		}
		for (i = 0; i < n; i++)
			ATF_REQUIRE(ut_check_fill(items[i], sizes[s],
			    (uint32_t)i));
		ut_check_items(z, items, n, sizes[s]);
		ut_zstat(name, &st);
		ATF_REQUIRE_EQ_MSG(2 * z->uz_keg->uk_ppera, st.uzs_pages,
		    "size %zu: %ju pages for %zu items, %u a slab",
		    sizes[s], (uintmax_t)st.uzs_pages, n,
		    z->uz_keg->uk_ipers);
		ATF_REQUIRE_EQ(n, st.uzs_used);
		ATF_REQUIRE_EQ(z->uz_keg->uk_ipers - 1, st.uzs_free);
		for (i = 0; i < n; i++)
			uma_zfree(z, items[i]);
		uma_assert_consistent(z);
		uma_zone_reclaim(z, UMA_RECLAIM_DRAIN_CPU);
		ut_zstat(name, &st);
		ATF_REQUIRE_EQ(0, st.uzs_pages);
		ATF_REQUIRE_EQ(0, st.uzs_free);
		/* Off-page headers go back to their zone, not the pages. */
		ATF_REQUIRE_MSG(ut_free_pages() + 1 >= free0,
		    "size %zu: %ju free pages before, %ju after the drain",
		    sizes[s], (uintmax_t)free0, (uintmax_t)ut_free_pages());
		uma_zdestroy(z);
	}
	ATF_REQUIRE(seen_off && seen_in && seen_multi);

	/* Spot checks of the rule's outcome. */
	z = uma_zcreate("ut spot", 100, NULL, NULL, NULL, NULL, UMA_ALIGN_PTR,
	    0);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE_EQ(1, z->uz_keg->uk_ppera);
	ATF_REQUIRE_EQ(38, z->uz_keg->uk_ipers);	/* 38 * 104 + 48 */
	ATF_REQUIRE_EQ(0, z->uz_keg->uk_flags & UMA_ZONE_OFFPAGE);
	uma_zdestroy(z);
	z = uma_zcreate("ut spot", 1024, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE_EQ(1, z->uz_keg->uk_ppera);
	ATF_REQUIRE_EQ(4, z->uz_keg->uk_ipers);
	ATF_REQUIRE(z->uz_keg->uk_flags & UMA_ZONE_OFFPAGE);
	uma_zdestroy(z);
	z = uma_zcreate("ut spot", 2100, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE_EQ(5, z->uz_keg->uk_ppera);		/* 9 * 2104 */
	ATF_REQUIRE_EQ(9, z->uz_keg->uk_ipers);
	ATF_REQUIRE_EQ(0, z->uz_keg->uk_flags & UMA_ZONE_OFFPAGE);
	uma_zdestroy(z);
	z = uma_zcreate("ut spot", 16 * PAGE_SIZE, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE_EQ(16, z->uz_keg->uk_ppera);
	ATF_REQUIRE_EQ(1, z->uz_keg->uk_ipers);
	ATF_REQUIRE(z->uz_keg->uk_flags & UMA_ZONE_OFFPAGE);
	uma_zdestroy(z);
	free(items);
	vm_shutdown();
}

/* ---- invalid arguments --------------------------------------------------- */

static void
ut_require_einval(uma_zone_t z, const char *what)
{
	ATF_REQUIRE_MSG(z == NULL, "%s: a zone was created", what);
	ATF_REQUIRE_MSG(errno == EINVAL, "%s: errno %d, not EINVAL", what,
	    errno);
}

ATF_TC(zcreate_invalid_arguments);
ATF_TC_HEAD(zcreate_invalid_arguments, tc)
{
	atf_tc_set_md_var(tc, "descr", "uma_zcreate with a NULL name, size 0, "
	    "a size over 16 pages, an alignment that is not a mask or is a "
	    "page or more, or unknown or internal flags returns NULL with "
	    "EINVAL and creates nothing (uma_count, the stream and the free "
	    "page count unchanged); so does uma_zsecond_create with no name "
	    "or no primary or a secondary primary; 16 pages is allowed");
}
ATF_TC_BODY(zcreate_invalid_arguments, tc)
{
	static const int bad_align[] = { 2, 5, 6, 12, 100, -2, -100,
	    PAGE_SIZE - 2, PAGE_SIZE, 2 * PAGE_SIZE - 1, INT32_MAX };
	static const uint32_t bad_flags[] = { 0x1, 0x8, 0x10, 0x40, 0x100,
	    UMA_ZONE_SECONDARY, UMA_ZONE_OFFPAGE, UMA_ZFLAG_INTERNAL,
	    0x80000000u, 0xffffffffu };
	uma_zone_t z, p, s;
	uint64_t free0;
	size_t n0, n;
	int count0;
	size_t i;
	char what[64];

	vt_boot();
	p = uma_zcreate("ut primary", 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(p != NULL);
	s = uma_zsecond_create("ut second", NULL, NULL, NULL, NULL, p);
	ATF_REQUIRE(s != NULL);
	count0 = ut_sysctl_int("vm.uma_count");
	free(ut_stats_all(&n0));
	free0 = ut_free_pages();

	errno = 0;
	ut_require_einval(uma_zcreate(NULL, 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0), "NULL name");
	errno = 0;
	ut_require_einval(uma_zcreate("ut bad", 0, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0), "size 0");
	errno = 0;
	ut_require_einval(uma_zcreate("ut bad", 16 * PAGE_SIZE + 1, NULL,
	    NULL, NULL, NULL, UMA_ALIGN_PTR, 0), "size 16 pages + 1");
	errno = 0;
	ut_require_einval(uma_zcreate("ut bad", SIZE_MAX, NULL, NULL, NULL,
	    NULL, UMA_ALIGN_PTR, 0), "size SIZE_MAX");
	errno = 0;
	ut_require_einval(uma_zcreate("ut bad", (size_t)1 << 32, NULL, NULL,
	    NULL, NULL, UMA_ALIGN_PTR, 0), "size 4 GiB");
	for (i = 0; i < nitems(bad_align); i++) {
		snprintf(what, sizeof(what), "align %d", bad_align[i]);
		errno = 0;
		ut_require_einval(uma_zcreate("ut bad", 64, NULL, NULL, NULL,
		    NULL, bad_align[i], 0), what);
	}
	for (i = 0; i < nitems(bad_flags); i++) {
		snprintf(what, sizeof(what), "flags %#x", bad_flags[i]);
		errno = 0;
		ut_require_einval(uma_zcreate("ut bad", 64, NULL, NULL, NULL,
		    NULL, UMA_ALIGN_PTR, bad_flags[i]), what);
	}
	errno = 0;
	ut_require_einval(uma_zsecond_create(NULL, NULL, NULL, NULL, NULL,
	    p), "secondary without a name");
	errno = 0;
	ut_require_einval(uma_zsecond_create("ut bad", NULL, NULL, NULL,
	    NULL, NULL), "secondary without a primary");
	errno = 0;
	ut_require_einval(uma_zsecond_create("ut bad", NULL, NULL, NULL,
	    NULL, s), "secondary of a secondary");

	ATF_REQUIRE_EQ(count0, ut_sysctl_int("vm.uma_count"));
	free(ut_stats_all(&n));
	ATF_REQUIRE_EQ(n0, n);
	ATF_REQUIRE(!ut_zstat_find("ut bad", NULL));
	ATF_REQUIRE_EQ(free0, ut_free_pages());

	/* The limits themselves are valid. */
	z = uma_zcreate("ut max", 16 * PAGE_SIZE, NULL, NULL, NULL, NULL,
	    PAGE_SIZE - 1, UMA_ZONE_ZINIT | UMA_ZONE_CONTIG |
	    UMA_ZONE_NOFREE | UMA_ZONE_VM | UMA_ZONE_NOBUCKET |
	    UMA_ZONE_MAXBUCKET);
	ATF_REQUIRE_MSG(z != NULL, "16 pages, align 4095, every public flag: "
	    "errno %d", errno);
	uma_zdestroy(z);
	z = uma_zcreate("ut min", 1, NULL, NULL, NULL, NULL, 0, 0);
	ATF_REQUIRE(z != NULL);
	uma_zdestroy(z);
	uma_zdestroy(s);
	uma_zdestroy(p);
	vm_shutdown();
}

ATF_TC(zcreate_unbooted_enxio);
ATF_TC_HEAD(zcreate_unbooted_enxio, tc)
{
	atf_tc_set_md_var(tc, "descr", "Before vm_boot and after vm_shutdown "
	    "uma_zcreate and uma_zsecond_create return NULL with ENXIO, and "
	    "the stream reader reports ENXIO");
}
ATF_TC_BODY(zcreate_unbooted_enxio, tc)
{
	uma_zone_t z;
	size_t n = 0;

	errno = 0;
	ATF_REQUIRE(uma_zcreate("ut early", 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0) == NULL);
	ATF_REQUIRE_EQ(ENXIO, errno);
	errno = 0;
	ATF_REQUIRE(uma_zsecond_create("ut early", NULL, NULL, NULL, NULL,
	    NULL) == NULL);
	ATF_REQUIRE_EQ(ENXIO, errno);
	ATF_REQUIRE_EQ(ENXIO, uma_zone_stats(NULL, &n));

	vt_boot();
	z = uma_zcreate("ut booted", 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	vm_shutdown();		/* destroys z with everything else */

	errno = 0;
	ATF_REQUIRE(uma_zcreate("ut late", 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0) == NULL);
	ATF_REQUIRE_EQ(ENXIO, errno);
	ATF_REQUIRE_EQ(ENXIO, uma_zone_stats(NULL, &n));

	/* And a second boot starts from scratch. */
	vt_boot();
	ATF_REQUIRE(!ut_zstat_find("ut booted", NULL));
	z = uma_zcreate("ut booted", 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE(uma_zalloc(z, M_WAITOK) != NULL);
	vm_shutdown();
}

/* ---- failable ctors and inits (seed 004) --------------------------------- */

/* The ctor-failure sequence on one zone (see the case's description). */
static void
ut_ctor_fail_on(const char *name, uint32_t flags)
{
	struct uma_zone_stat st;
	uma_zone_t z;
	void *a[5];
	int i;

	ut_reset();
	z = uma_zcreate(name, 64, ut_ctor_cnt, ut_dtor_cnt, NULL, NULL,
	    UMA_ALIGN_PTR, flags);
	ATF_REQUIRE(z != NULL);
	for (i = 0; i < 5; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	ATF_REQUIRE_EQ(5, atomic_load(&n_ctor));

	atomic_store(&ctor_fail, 1);
	ATF_REQUIRE_MSG(uma_zalloc(z, M_NOWAIT) == NULL, "%s: M_NOWAIT", name);
	ATF_REQUIRE_MSG(uma_zalloc(z, M_WAITOK) == NULL, "%s: M_WAITOK", name);
	ATF_REQUIRE_MSG(uma_zalloc(z, M_WAITOK | M_ZERO) == NULL,
	    "%s: M_WAITOK | M_ZERO", name);
	ATF_REQUIRE_EQ(8, atomic_load(&n_ctor));
	ATF_REQUIRE_EQ_MSG(0, atomic_load(&n_dtor),
	    "%s: the dtor ran for an item whose ctor failed", name);
	ATF_REQUIRE_EQ(5, uma_zone_get_cur(z));
	ut_zstat(name, &st);
	ATF_REQUIRE_EQ(3, st.uzs_fails);
	ATF_REQUIRE_EQ(5, st.uzs_used);
	ATF_REQUIRE_EQ(ut_capacity(z), st.uzs_used + st.uzs_free);

	atomic_store(&ctor_fail, 0);
	for (i = 0; i < 5; i++)
		uma_zfree(z, a[i]);
	ATF_REQUIRE_EQ(5, atomic_load(&n_dtor));
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(z));
	ut_zstat(name, &st);
	ATF_REQUIRE_EQ(0, st.uzs_used);
	ATF_REQUIRE_EQ(3, st.uzs_fails);
	/* Nothing leaked: once drained, the keg holds no page at all. */
	uma_zone_reclaim(z, UMA_RECLAIM_DRAIN_CPU);
	ut_zstat(name, &st);
	ATF_REQUIRE_EQ_MSG(0, st.uzs_pages, "%s: %ju pages kept: an item "
	    "whose ctor failed was leaked", name, (uintmax_t)st.uzs_pages);
	ATF_REQUIRE_EQ(0, ut_keg_free(z));
	uma_assert_consistent(z);
	uma_zdestroy(z);
}

ATF_TC(ctor_failure);
ATF_TC_HEAD(ctor_failure, tc)
{
	atf_tc_set_md_var(tc, "descr", "A failing ctor makes uma_zalloc "
	    "return NULL under M_NOWAIT, M_WAITOK and M_ZERO; the item is "
	    "not leaked (get_cur, used, and a drain frees every page), the "
	    "dtor is not run for it, each failure is counted in the stream; "
	    "in a cached, a NOBUCKET and a limited zone, where the failure "
	    "does not consume the limit");
}
ATF_TC_BODY(ctor_failure, tc)
{
	uma_zone_t z;
	void *a[3];
	int i;

	vt_boot();
	ut_ctor_fail_on("ut ctor cached", 0);
	ut_ctor_fail_on("ut ctor nobucket", UMA_ZONE_NOBUCKET);

	ut_reset();
	z = uma_zcreate("ut ctor limited", 64, ut_ctor_cnt, ut_dtor_cnt,
	    NULL, NULL, UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE_EQ(3, uma_zone_set_max(z, 3));
	ATF_REQUIRE((a[0] = uma_zalloc(z, M_WAITOK)) != NULL);
	ATF_REQUIRE((a[1] = uma_zalloc(z, M_WAITOK)) != NULL);
	atomic_store(&ctor_fail, 1);
	ATF_REQUIRE(uma_zalloc(z, M_NOWAIT) == NULL);
	ATF_REQUIRE(uma_zalloc(z, M_WAITOK) == NULL);	/* must not sleep */
	atomic_store(&ctor_fail, 0);
	ATF_REQUIRE_EQ(2, uma_zone_get_cur(z));
	ATF_REQUIRE_EQ(2, ut_zone_items(z));
	ATF_REQUIRE((a[2] = uma_zalloc(z, M_NOWAIT)) != NULL);
	ATF_REQUIRE(uma_zalloc(z, M_NOWAIT) == NULL);	/* the limit */
	ATF_REQUIRE_EQ(0, atomic_load(&n_dtor));
	for (i = 0; i < 3; i++)
		uma_zfree(z, a[i]);
	ATF_REQUIRE_EQ(0, ut_zone_items(z));
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(z));
	uma_zone_reclaim(z, UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ(0, ut_keg_pages(z));
	uma_zdestroy(z);
	vm_shutdown();
}

static void
ut_keg_init_fail_on(const char *name, uint32_t flags)
{
	struct uma_zone_stat st;
	uma_zone_t z;
	void *a[20];
	uint64_t free0;
	int i;

	ut_reset();
	z = uma_zcreate(name, 256, NULL, NULL, ut_init, ut_fini,
	    UMA_ALIGN_PTR, flags);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE(z->uz_keg->uk_ipers > 4);
	free0 = ut_free_pages();

	/* The 4th init of the slab fails: the slab is undone. */
	atomic_store(&init_budget, 3);
	ATF_REQUIRE(uma_zalloc(z, M_NOWAIT) == NULL);
	ATF_REQUIRE_EQ_MSG(3, atomic_load(&n_init_ok), "%s", name);
	ATF_REQUIRE_EQ_MSG(atomic_load(&n_init_ok), atomic_load(&n_fini),
	    "%s: %d items initialized, %d finalized", name,
	    atomic_load(&n_init_ok), atomic_load(&n_fini));
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));
	ATF_REQUIRE_EQ(0, ut_keg_pages(z));
	if ((flags & UMA_ZONE_NOBUCKET) != 0)
		ATF_REQUIRE_EQ(free0, ut_free_pages());
	ut_zstat(name, &st);
	ATF_REQUIRE_EQ(1, st.uzs_fails);
	ATF_REQUIRE_EQ(0, st.uzs_used);
	ATF_REQUIRE_EQ(0, st.uzs_pages);

	/* Spent: even M_WAITOK fails, it does not retry forever. */
	ATF_REQUIRE(uma_zalloc(z, M_WAITOK) == NULL);
	ut_zstat(name, &st);
	ATF_REQUIRE_EQ(2, st.uzs_fails);
	ATF_REQUIRE_EQ(atomic_load(&n_init_ok), atomic_load(&n_fini));
	ATF_REQUIRE_EQ(0, ut_keg_pages(z));

	/* Working again: init ran once for every item of every slab. */
	atomic_store(&init_budget, -1);
	for (i = 0; i < 20; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	ATF_REQUIRE_EQ((uint64_t)(atomic_load(&n_init_ok) -
	    atomic_load(&n_fini)), ut_capacity(z));
	for (i = 0; i < 20; i++)
		uma_zfree(z, a[i]);
	uma_zone_reclaim(z, UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ(atomic_load(&n_init_ok), atomic_load(&n_fini));
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));
	uma_zdestroy(z);
}

ATF_TC(keg_init_failure);
ATF_TC_HEAD(keg_init_failure, tc)
{
	atf_tc_set_md_var(tc, "descr", "An init failing on the 4th item of a "
	    "new slab: the allocation returns NULL (M_NOWAIT and M_WAITOK), "
	    "fini runs exactly on the 3 initialized items, the slab's pages "
	    "go back, the failure is counted once per allocation; cached "
	    "and NOBUCKET zones");
}
ATF_TC_BODY(keg_init_failure, tc)
{
	vt_boot();
	ut_keg_init_fail_on("ut init nobucket", UMA_ZONE_NOBUCKET);
	ut_keg_init_fail_on("ut init cached", 0);
	vm_shutdown();
}

ATF_TC(zinit_failure_midway);
ATF_TC_HEAD(zinit_failure_midway, tc)
{
	atf_tc_set_md_var(tc, "descr", "A secondary zone's zinit failing on "
	    "the 11th item of a bucket fill: the allocation succeeds from "
	    "the 10 initialized items, the remaining ones go back to the keg "
	    "untouched (no zinit called on them, keg free count), no zfini "
	    "runs on an item whose zinit did not, and zfini does run on each "
	    "initialized item when it leaves the zone; a zinit failing on "
	    "the first item fails the allocation and is counted");
}
ATF_TC_BODY(zinit_failure_midway, tc)
{
	struct uma_type_header uth;
	struct uma_zone_stat st;
	struct ut_sums sums;
	struct ut_raw raw;
	uma_zone_t p, s;
	void *a[20];
	uint64_t cap;
	int i;

	vt_boot();
	ut_reset();
	p = uma_zcreate("ut zi primary", 128, NULL, NULL, ut_init, ut_fini,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(p != NULL);
	s = uma_zsecond_create("ut zi second", NULL, NULL, ut_zinit, ut_zfini,
	    p);
	ATF_REQUIRE(s != NULL);
	ATF_REQUIRE(s->uz_bucket_size > 10);

	atomic_store(&zinit_budget, 10);
	ATF_REQUIRE((a[0] = uma_zalloc(s, M_WAITOK)) != NULL);
	ATF_REQUIRE_EQ(ST_ZONE, ((struct ut_item *)a[0])->state);
	ATF_REQUIRE_EQ_MSG(11, atomic_load(&n_zinit), "zinit ran %d times: "
	    "on items after the failed one", atomic_load(&n_zinit));
	ATF_REQUIRE_EQ(10, atomic_load(&n_zinit_ok));
	ATF_REQUIRE_EQ(0, atomic_load(&n_zfini));
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));
	/* 10 items left the keg: 1 allocated, 9 in the CPU's bucket. */
	cap = ut_capacity(p);
	ATF_REQUIRE_EQ(cap - 10, ut_keg_free(p));
	ut_raw_read(&raw);
	ut_raw_sums(&raw, "ut zi primary", &uth, &sums);
	ATF_REQUIRE_EQ(cap - 10, uth.uth_keg_free);
	ut_raw_sums(&raw, "ut zi second", &uth, &sums);
	ATF_REQUIRE_EQ(9, sums.cached);
	ATF_REQUIRE_EQ(1, sums.allocs - sums.frees);
	ut_raw_free(&raw);

	for (i = 1; i < 10; i++) {
		ATF_REQUIRE((a[i] = uma_zalloc(s, M_WAITOK)) != NULL);
		ATF_REQUIRE_EQ(ST_ZONE, ((struct ut_item *)a[i])->state);
	}
	ATF_REQUIRE_EQ(11, atomic_load(&n_zinit));

	/* Spent budget: the refill's first zinit fails, so does the alloc. */
	ATF_REQUIRE(uma_zalloc(s, M_NOWAIT) == NULL);
	ut_zstat("ut zi second", &st);
	ATF_REQUIRE_EQ(1, st.uzs_fails);
	ATF_REQUIRE_EQ(10, st.uzs_used);
	ATF_REQUIRE_EQ(10, atomic_load(&n_zinit_ok));
	ATF_REQUIRE_EQ(0, atomic_load(&n_zfini));
	ATF_REQUIRE_EQ(cap - 10, ut_keg_free(p));
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));

	atomic_store(&zinit_budget, -1);
	for (i = 10; i < 20; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(s, M_WAITOK)) != NULL);
	for (i = 0; i < 20; i++)
		uma_zfree(s, a[i]);
	ATF_REQUIRE_EQ(0, atomic_load(&n_zfini));	/* cached */
	uma_zone_reclaim(s, UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ_MSG(atomic_load(&n_zinit_ok), atomic_load(&n_zfini),
	    "%d items initialized, %d finalized", atomic_load(&n_zinit_ok),
	    atomic_load(&n_zfini));
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));
	ATF_REQUIRE_EQ(0, ut_keg_pages(p));
	ATF_REQUIRE_EQ(atomic_load(&n_init_ok), atomic_load(&n_fini));
	uma_zdestroy(s);
	uma_zdestroy(p);
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));
	vm_shutdown();
}

/* ---- life-cycle call counts ---------------------------------------------- */

ATF_TC(lifecycle_call_counts);
ATF_TC_HEAD(lifecycle_call_counts, tc)
{
	atf_tc_set_md_var(tc, "descr", "Over a workload: ctor and dtor run "
	    "once per allocation and free; init once per item per slab life "
	    "(init - fini == the keg's capacity at all times), fini only when "
	    "slabs are freed by uma_reclaim(DRAIN_CPU) (empty slabs only, "
	    "live items keep theirs) or uma_zdestroy; the item state is "
	    "always what each callback expects; a secondary zone's "
	    "zinit/zfini track items entering and leaving it");
}
ATF_TC_BODY(lifecycle_call_counts, tc)
{
	enum { N = 1000 };
	void **a;
	uma_zone_t z, s;
	uint64_t cap;
	int i, ctors = 0, dtors = 0;

	vt_boot();
	ut_reset();
	a = calloc(N, sizeof(*a));
	ATF_REQUIRE(a != NULL);
	z = uma_zcreate("ut life", 100, ut_ctor_st, ut_dtor_st, ut_init,
	    ut_fini, UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE_EQ(0, atomic_load(&n_init));	/* no slab yet */

	for (i = 0; i < N; i++, ctors++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	for (i = 0; i < N / 2; i++, dtors++)
		uma_zfree(z, a[i]);
	for (i = 0; i < 300; i++, ctors++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	ATF_REQUIRE_EQ(ctors, atomic_load(&n_ctor));
	ATF_REQUIRE_EQ(dtors, atomic_load(&n_dtor));
	cap = ut_capacity(z);
	ATF_REQUIRE(cap >= N);
	ATF_REQUIRE_EQ(cap, (uint64_t)atomic_load(&n_init));
	ATF_REQUIRE_EQ(0, atomic_load(&n_fini));
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));

	/* Everything freed and drained: every slab goes, with its fini. */
	for (i = 0; i < 300; i++, dtors++)
		uma_zfree(z, a[i]);
	for (i = N / 2; i < N; i++, dtors++)
		uma_zfree(z, a[i]);
	ATF_REQUIRE_EQ(dtors, atomic_load(&n_dtor));
	ATF_REQUIRE_EQ(0, atomic_load(&n_fini));
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ(0, ut_keg_pages(z));
	ATF_REQUIRE_EQ(atomic_load(&n_init), atomic_load(&n_fini));

	/* 50 live items keep their slabs (and their init) over a drain. */
	for (i = 0; i < 400; i++, ctors++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	for (i = 50; i < 400; i++, dtors++)
		uma_zfree(z, a[i]);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE(ut_keg_pages(z) > 0);
	ATF_REQUIRE_EQ(ut_capacity(z), (uint64_t)(atomic_load(&n_init) -
	    atomic_load(&n_fini)));
	for (i = 0; i < 50; i++)
		ATF_REQUIRE_EQ(ST_LIVE, ((struct ut_item *)a[i])->state);

	/* A secondary zone on the same keg. */
	s = uma_zsecond_create("ut life second", NULL, NULL, ut_zinit,
	    ut_zfini, z);
	ATF_REQUIRE(s != NULL);
	for (i = 50; i < 250; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(s, M_WAITOK)) != NULL);
	/* zinit ran on every item that entered s: 200 + what s caches. */
	ATF_REQUIRE(atomic_load(&n_zinit) >= 200);
	ATF_REQUIRE_EQ(atomic_load(&n_zinit), atomic_load(&n_zinit_ok));
	ATF_REQUIRE_EQ(0, atomic_load(&n_zfini));
	ATF_REQUIRE_EQ(ut_capacity(z) - ut_keg_free(z),
	    50 + (uint64_t)atomic_load(&n_zinit));
	for (i = 50; i < 250; i++)
		uma_zfree(s, a[i]);
	uma_zone_reclaim(s, UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ(atomic_load(&n_zinit), atomic_load(&n_zfini));
	ATF_REQUIRE_EQ(ut_capacity(z) - 50, ut_keg_free(z));
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));
	uma_zdestroy(s);
	ATF_REQUIRE_EQ(atomic_load(&n_zinit), atomic_load(&n_zfini));

	/* Destroy with every item freed: every fini. */
	for (i = 0; i < 50; i++, dtors++)
		uma_zfree(z, a[i]);
	ATF_REQUIRE_EQ(ctors, atomic_load(&n_ctor));
	ATF_REQUIRE_EQ(dtors, atomic_load(&n_dtor));
	uma_zdestroy(z);
	ATF_REQUIRE_EQ(atomic_load(&n_init), atomic_load(&n_fini));
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));
	free(a);
	vm_shutdown();
}

/* ---- limits -------------------------------------------------------------- */

struct ut_waiter {
	uma_zone_t	z;
	int		flags;
	void		*item;
	_Atomic int	done;
};

static void *
ut_waiter_thread(void *arg)
{
	struct ut_waiter *w = arg;

	w->item = uma_zalloc(w->z, w->flags);
	atomic_store(&w->done, 1);
	return (NULL);
}

static void
ut_limit_sleepers_on(const char *name, uint32_t flags)
{
	struct uma_zone_stat st;
	struct ut_waiter w;
	pthread_t t;
	uma_zone_t z;
	void *a[5];
	int i;

	z = uma_zcreate(name, 64, NULL, NULL, NULL, NULL, UMA_ALIGN_PTR,
	    flags);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE_EQ(5, uma_zone_set_max(z, 5));
	ATF_REQUIRE_EQ(5, uma_zone_get_max(z));
	for (i = 0; i < 5; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_NOWAIT)) != NULL);
	ATF_REQUIRE_EQ(5, uma_zone_get_cur(z));
	ATF_REQUIRE(uma_zalloc(z, M_NOWAIT) == NULL);
	ut_zstat(name, &st);
	ATF_REQUIRE_EQ(1, st.uzs_fails);
	ATF_REQUIRE_EQ(0, st.uzs_sleeps);
	ATF_REQUIRE_EQ(5, st.uzs_limit);
	ATF_REQUIRE_EQ(5, st.uzs_used);

	memset(&w, 0, sizeof(w));
	w.z = z;
	w.flags = M_WAITOK;
	t = vt_thread(ut_waiter_thread, &w);
	ATF_REQUIRE_MSG(ut_wait_sleepers(z, 1), "%s: the M_WAITOK allocation "
	    "did not sleep at the limit", name);
	vt_msleep(20);
	ATF_REQUIRE_EQ(0, atomic_load(&w.done));
	ut_zstat(name, &st);
	ATF_REQUIRE_EQ(1, st.uzs_sleeps);
	ATF_REQUIRE_EQ(1, st.uzs_fails);

	uma_zfree(z, a[2]);
	ut_join(t);
	ATF_REQUIRE_EQ(1, atomic_load(&w.done));
	ATF_REQUIRE_MSG(w.item == a[2], "%s: the sleeper got %p, the freed "
	    "item was %p", name, w.item, a[2]);
	a[2] = w.item;
	ATF_REQUIRE_EQ(5, uma_zone_get_cur(z));
	ut_zstat(name, &st);
	ATF_REQUIRE_EQ(5, st.uzs_used);
	ATF_REQUIRE_EQ(6, st.uzs_requests);
	ATF_REQUIRE_EQ(1, st.uzs_sleeps);

	/* Raising the limit wakes nobody needlessly and lets one more in. */
	ATF_REQUIRE_EQ(6, uma_zone_set_max(z, 6));
	w.item = uma_zalloc(z, M_NOWAIT);
	ATF_REQUIRE(w.item != NULL);
	ATF_REQUIRE(uma_zalloc(z, M_NOWAIT) == NULL);
	uma_zfree(z, w.item);

	/* A sleeper is woken by removing the limit too. */
	memset(&w, 0, sizeof(w));
	w.z = z;
	w.flags = M_WAITOK;
	ATF_REQUIRE_EQ(5, uma_zone_set_max(z, 5));
	t = vt_thread(ut_waiter_thread, &w);
	ATF_REQUIRE(ut_wait_sleepers(z, 1));
	ATF_REQUIRE_EQ(0, uma_zone_set_max(z, 0));
	ut_join(t);
	ATF_REQUIRE(w.item != NULL);
	ATF_REQUIRE_EQ(0, uma_zone_get_max(z));
	ATF_REQUIRE_EQ(6, uma_zone_get_cur(z));
	ut_zstat(name, &st);
	ATF_REQUIRE_EQ(0, st.uzs_limit);
	ATF_REQUIRE_EQ(2, st.uzs_sleeps);
	uma_zfree(z, w.item);
	for (i = 0; i < 5; i++)
		uma_zfree(z, a[i]);
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(z));
	uma_zdestroy(z);
}

ATF_TC(limit_with_sleepers);
ATF_TC_HEAD(limit_with_sleepers, tc)
{
	atf_tc_set_md_var(tc, "descr", "uma_zone_set_max(5): 5 allocations "
	    "succeed, the 6th M_NOWAIT fails (counted), an M_WAITOK one in "
	    "another thread sleeps on the zone (sleeps counted) until an "
	    "item is freed and then gets that item; raising the limit lets "
	    "one more in; removing it (0) wakes a sleeper; get_max/get_cur; "
	    "cached and NOBUCKET zones");
}
ATF_TC_BODY(limit_with_sleepers, tc)
{
	vt_boot();
	ut_limit_sleepers_on("ut limit cached", 0);
	ut_limit_sleepers_on("ut limit nobucket", UMA_ZONE_NOBUCKET);
	vm_shutdown();
}

ATF_TC(limit_counts_cached_items);
ATF_TC_HEAD(limit_counts_cached_items, tc)
{
	atf_tc_set_md_var(tc, "descr", "A limit set on a zone whose CPU "
	    "caches hold freed items counts the live items exactly (100 "
	    "allocated, 40 freed into the cache, limit 70: 10 more succeed, "
	    "the 11th fails); while limited nothing is cached; removing the "
	    "limit restores the per-CPU caches (per-CPU counts move again, "
	    "frees are cached)");
}
ATF_TC_BODY(limit_counts_cached_items, tc)
{
	enum { N = 100 };
	struct uma_type_header uth;
	struct ut_sums s0, s1;
	struct ut_raw raw;
	void *a[N + 20];
	uma_zone_t z;
	int i;

	vt_boot();
	z = uma_zcreate("ut limcache", 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	for (i = 0; i < N; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	for (i = 60; i < N; i++)
		uma_zfree(z, a[i]);
	ut_raw_read(&raw);
	ut_raw_sums(&raw, "ut limcache", &uth, &s0);
	ut_raw_free(&raw);
	ATF_REQUIRE(s0.cached >= 40);	/* the frees were cached */
	ATF_REQUIRE_EQ(60, uma_zone_get_cur(z));

	ATF_REQUIRE_EQ(70, uma_zone_set_max(z, 70));
	ATF_REQUIRE_EQ(60, uma_zone_get_cur(z));
	ATF_REQUIRE_EQ(60, ut_zone_items(z));
	for (i = 60; i < 70; i++)
		ATF_REQUIRE_MSG((a[i] = uma_zalloc(z, M_NOWAIT)) != NULL,
		    "allocation %d under the limit failed", i + 1);
	ATF_REQUIRE_MSG(uma_zalloc(z, M_NOWAIT) == NULL,
	    "71 items live under a limit of 70");
	ATF_REQUIRE_EQ(70, uma_zone_get_cur(z));
	for (i = 40; i < 70; i++)
		uma_zfree(z, a[i]);
	ATF_REQUIRE_EQ(40, uma_zone_get_cur(z));
	ATF_REQUIRE_EQ(40, ut_zone_items(z));
	ut_raw_read(&raw);
	ut_raw_sums(&raw, "ut limcache", &uth, &s1);
	ut_raw_free(&raw);
	ATF_REQUIRE_EQ_MSG(0, s1.cached + uth.uth_zone_free, "a limited zone "
	    "caches %ju items", (uintmax_t)(s1.cached + uth.uth_zone_free));
	ATF_REQUIRE_EQ(s0.pcpu_allocs, s1.pcpu_allocs);
	ATF_REQUIRE_EQ(40, s1.allocs - s1.frees);
	ATF_REQUIRE_EQ(70, uth.uth_limit);

	/* No limit: caching again. */
	ATF_REQUIRE_EQ(0, uma_zone_set_max(z, 0));
	ATF_REQUIRE_EQ(z->uz_fastmask, atomic_load(&z->uz_fast));
	for (i = 40; i < N + 20; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	ATF_REQUIRE_EQ(N + 20, uma_zone_get_cur(z));
	for (i = 40; i < N + 20; i++)
		uma_zfree(z, a[i]);
	ut_raw_read(&raw);
	ut_raw_sums(&raw, "ut limcache", &uth, &s0);
	ut_raw_free(&raw);
	ATF_REQUIRE_MSG(s0.pcpu_allocs >= s1.pcpu_allocs + 60, "per-CPU "
	    "allocations %ju -> %ju: still bypassing the caches",
	    (uintmax_t)s1.pcpu_allocs, (uintmax_t)s0.pcpu_allocs);
	ATF_REQUIRE(s0.cached > 0);
	ATF_REQUIRE_EQ(40, s0.allocs - s0.frees);
	for (i = 0; i < 40; i++)
		uma_zfree(z, a[i]);
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(z));
	uma_zdestroy(z);
	vm_shutdown();
}

/*
 * A gate in an init: the allocating thread stops inside zone_import (after
 * zone_alloc_item decided whether the zone is limited) until released.
 */
static _Atomic int gate_armed, gate_inside, gate_open;

static int
ut_gate_init(void *mem __unused, int size __unused, int flags __unused)
{
	uint64_t end = vt_now_ms() + UT_DEADLINE_MS;

	if (atomic_exchange(&gate_armed, 0) == 0)
		return (0);
	atomic_store(&gate_inside, 1);
	while (atomic_load(&gate_open) == 0 && vt_now_ms() < end)
		vt_msleep(1);
	return (0);
}

static void
ut_limit_race_on(const char *name, bool secondary)
{
	struct ut_waiter w;
	pthread_t t;
	uma_zone_t z, p = NULL;
	void *a[8];
	int n, i;

	if (secondary) {
		p = uma_zcreate("ut lrace primary", 64, NULL, NULL, NULL, NULL,
		    UMA_ALIGN_PTR, UMA_ZONE_NOBUCKET);
		ATF_REQUIRE(p != NULL);
		z = uma_zsecond_create(name, NULL, NULL, ut_gate_init, NULL,
		    p);
	} else
		z = uma_zcreate(name, 64, NULL, NULL, ut_gate_init, NULL,
		    UMA_ALIGN_PTR, UMA_ZONE_NOBUCKET);
	ATF_REQUIRE(z != NULL);
	atomic_store(&gate_inside, 0);
	atomic_store(&gate_open, 0);
	atomic_store(&gate_armed, 1);
	memset(&w, 0, sizeof(w));
	w.z = z;
	w.flags = M_WAITOK;
	t = vt_thread(ut_waiter_thread, &w);
	for (i = 0; i < UT_DEADLINE_MS && atomic_load(&gate_inside) == 0; i++)
		vt_msleep(1);
	ATF_REQUIRE(atomic_load(&gate_inside) == 1);

	/* The allocation is under way, unlimited; now the limit. */
	ATF_REQUIRE_EQ(5, uma_zone_set_max(z, 5));
	atomic_store(&gate_open, 1);
	ut_join(t);
	ATF_REQUIRE(w.item != NULL);
	ATF_REQUIRE_EQ(1, uma_zone_get_cur(z));
	ATF_REQUIRE_EQ_MSG(1, ut_zone_items(z), "%s: an allocation in "
	    "progress when the limit was set is not counted by it (%jd live "
	    "by the limit's count, 1 in fact)", name,
	    (intmax_t)ut_zone_items(z));
	for (n = 0; n < 8; n++)
		if ((a[n] = uma_zalloc(z, M_NOWAIT)) == NULL)
			break;
	ATF_REQUIRE_EQ_MSG(4, n, "%s: %d more items allocated beside the "
	    "one live under a limit of 5", name, n);
	for (i = 0; i < n; i++)
		uma_zfree(z, a[i]);
	uma_zfree(z, w.item);
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(z));
	uma_zdestroy(z);
	if (p != NULL)
		uma_zdestroy(p);
}

ATF_TC(limit_set_during_allocation);
ATF_TC_HEAD(limit_set_during_allocation, tc)
{
	atf_tc_set_md_var(tc, "descr", "A limit of 5 set on a NOBUCKET zone "
	    "while an allocation is in progress (held inside the init of "
	    "the keg, or the zinit of a secondary zone): once it returns, "
	    "the limit counts it (1 live), and only 4 more allocations "
	    "succeed");
}
ATF_TC_BODY(limit_set_during_allocation, tc)
{
	vt_boot();
	ut_limit_race_on("ut lrace keg", false);
	ut_limit_race_on("ut lrace second", true);
	vm_shutdown();
}

struct ut_setmax {
	uma_zone_t	z;
	int		n;
	int		ret;
	_Atomic int	done;
};

static void *
ut_setmax_thread(void *arg)
{
	struct ut_setmax *m = arg;

	m->ret = uma_zone_set_max(m->z, m->n);
	atomic_store(&m->done, 1);
	return (NULL);
}

ATF_TC(limit_set_concurrently);
ATF_TC_HEAD(limit_set_concurrently, tc)
{
	atf_tc_set_md_var(tc, "descr", "uma_zone_set_max(5) and "
	    "uma_zone_set_max(0) called at once (the first held in its drain "
	    "of the CPU caches by a critical section of the test thread, the "
	    "second completing meanwhile or waiting for it) leave a "
	    "consistent zone: either a "
	    "limit of 5 that get_max reports and that admits exactly 5 "
	    "items, or no limit at all");
}
ATF_TC_BODY(limit_set_concurrently, tc)
{
	struct ut_setmax m5, m0;
	pthread_t t5, t0;
	uma_zone_t z;
	void *a[8];
	uint64_t end;
	bool limited, started0 = false;
	int max, n, i;

	vt_boot();
	z = uma_zcreate("ut setmax race", 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	memset(&m5, 0, sizeof(m5));
	memset(&m0, 0, sizeof(m0));
	m5.z = m0.z = z;
	m5.n = 5;
	m0.n = 0;

	critical_enter();	/* set_max(5)'s drain must wait for this */
	t5 = vt_thread(ut_setmax_thread, &m5);
	end = vt_now_ms() + UT_DEADLINE_MS;
	while (!atomic_load(&z->uz_limited) && vt_now_ms() < end)
		vt_msleep(1);
	limited = atomic_load(&z->uz_limited);
	vt_msleep(10);
	n = atomic_load(&m5.done);
	if (limited && n == 0) {
		/* It completes, or waits for set_max(5): either is right. */
		t0 = vt_thread(ut_setmax_thread, &m0);
		started0 = true;
		end = vt_now_ms() + 200;
		while (atomic_load(&m0.done) == 0 && vt_now_ms() < end)
			vt_msleep(1);
	}
	critical_exit();
	ATF_REQUIRE_MSG(limited, "set_max(5) did not start");
	ATF_REQUIRE_MSG(n == 0, "set_max(5) did not wait for a critical "
	    "section to drain the CPU caches");
	ut_join(t5);
	if (started0)
		ut_join(t0);
	ATF_REQUIRE_EQ(5, m5.ret);
	ATF_REQUIRE_EQ(0, m0.ret);

	max = uma_zone_get_max(z);
	limited = atomic_load(&z->uz_limited);
	for (n = 0; n < 8; n++)
		if ((a[n] = uma_zalloc(z, M_NOWAIT)) == NULL)
			break;
	for (i = 0; i < n; i++)
		uma_zfree(z, a[i]);
	ATF_REQUIRE_MSG(max == 0 || max == 5, "get_max %d", max);
	ATF_REQUIRE_MSG(max == 0 || n == 5, "get_max reports a limit of %d "
	    "but %d items were allocated (the zone is %slimited)", max, n,
	    limited ? "" : "not ");
	ATF_REQUIRE_MSG(max != 0 || n == 8, "no limit, yet only %d items", n);
	uma_zdestroy(z);
	vm_shutdown();
}

/* ---- secondary zones ----------------------------------------------------- */

static _Atomic int n_pctor, n_pdtor, n_sctor, n_sdtor;

static int
ut_pctor(void *mem, int size __unused, void *arg __unused, int flags __unused)
{
	atomic_fetch_add(&n_pctor, 1);
	((struct ut_item *)mem)->tag = 'P';
	return (0);
}

static void
ut_pdtor(void *mem, int size __unused, void *arg __unused)
{
	atomic_fetch_add(&n_pdtor, 1);
	if (((struct ut_item *)mem)->tag != 'P')
		atomic_fetch_add(&n_bad, 1);
}

static int
ut_sctor(void *mem, int size __unused, void *arg __unused, int flags __unused)
{
	atomic_fetch_add(&n_sctor, 1);
	((struct ut_item *)mem)->tag = 'S';
	return (0);
}

static void
ut_sdtor(void *mem, int size __unused, void *arg __unused)
{
	atomic_fetch_add(&n_sdtor, 1);
	if (((struct ut_item *)mem)->tag != 'S')
		atomic_fetch_add(&n_bad, 1);
}

ATF_TC(secondary_zone_shares_keg);
ATF_TC_HEAD(secondary_zone_shares_keg, tc)
{
	atf_tc_set_md_var(tc, "descr", "Items of a primary zone and of its "
	    "secondary (uma_zsecond_create) come from the same keg, some from "
	    "the same slab; each zone runs only its own ctor/dtor; the "
	    "stream flags the secondary UTH_ZONE_SECONDARY, reports the "
	    "keg's pages for both and the keg's free items with the primary "
	    "only; destroying the secondary keeps the primary working, and "
	    "destroying the primary first keeps the secondary working on "
	    "the keg, whose pages go back (every fini run) with the last");
}
ATF_TC_BODY(secondary_zone_shares_keg, tc)
{
	enum { N = 600 };	/* more than a bucket: both use whole ones */
	struct uma_zone_stat sp, ss;
	void *pa[N], *sa[N];
	uma_zone_t p, s;
	uint64_t free0;
	int i, j, shared = 0;

	vt_boot();
	ut_reset();
	p = uma_zcreate("ut sec primary", 200, ut_pctor, ut_pdtor, ut_init,
	    ut_fini, UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(p != NULL);
	s = uma_zsecond_create("ut sec second", ut_sctor, ut_sdtor, NULL,
	    NULL, p);
	ATF_REQUIRE(s != NULL);
	ATF_REQUIRE(s->uz_keg == p->uz_keg);
	ATF_REQUIRE_EQ(p->uz_size, s->uz_size);
	for (i = 0; i < N; i++) {
		ATF_REQUIRE((pa[i] = uma_zalloc(p, M_WAITOK)) != NULL);
		ATF_REQUIRE((sa[i] = uma_zalloc(s, M_WAITOK)) != NULL);
	}
	ATF_REQUIRE_EQ(N, atomic_load(&n_pctor));
	ATF_REQUIRE_EQ(N, atomic_load(&n_sctor));
	for (i = 0; i < N; i++) {
		ATF_REQUIRE_EQ('P', ((struct ut_item *)pa[i])->tag);
		ATF_REQUIRE_EQ('S', ((struct ut_item *)sa[i])->tag);
		ATF_REQUIRE(ut_page(pa[i])->plinks.uma.keg == p->uz_keg);
		ATF_REQUIRE(ut_page(sa[i])->plinks.uma.keg == p->uz_keg);
		for (j = 0; j < N; j++) {
			ATF_REQUIRE(pa[i] != sa[j]);
			if (ut_page(pa[i])->plinks.uma.slab ==
			    ut_page(sa[j])->plinks.uma.slab)
				shared++;
		}
	}
	ATF_REQUIRE_MSG(shared > 0, "no slab holds items of both zones");

	ut_zstat("ut sec primary", &sp);
	ut_zstat("ut sec second", &ss);
	ATF_REQUIRE_EQ(0, sp.uzs_flags & UTH_ZONE_SECONDARY);
	ATF_REQUIRE_EQ(UTH_ZONE_SECONDARY, ss.uzs_flags);
	ATF_REQUIRE_EQ(sp.uzs_pages, ss.uzs_pages);
	ATF_REQUIRE_EQ(ut_keg_pages(p), sp.uzs_pages);
	ATF_REQUIRE_EQ(200, ss.uzs_size);
	ATF_REQUIRE_EQ(N, sp.uzs_used);
	ATF_REQUIRE_EQ(N, ss.uzs_used);
	/* The keg's free items are counted once, with the primary. */
	ATF_REQUIRE_EQ(ut_capacity(p), sp.uzs_used + sp.uzs_free +
	    ss.uzs_used + ss.uzs_free);

	for (i = 0; i < N; i++)
		uma_zfree(s, sa[i]);
	ATF_REQUIRE_EQ(N, atomic_load(&n_sdtor));
	ATF_REQUIRE_EQ(0, atomic_load(&n_pdtor));
	uma_zdestroy(s);
	ATF_REQUIRE(!ut_zstat_find("ut sec second", NULL));

	/* The primary lives on, on its keg. */
	for (i = 0; i < N; i++)
		uma_zfree(p, pa[i]);
	ATF_REQUIRE_EQ(N, atomic_load(&n_pdtor));
	for (i = 0; i < N; i++)
		ATF_REQUIRE((pa[i] = uma_zalloc(p, M_WAITOK)) != NULL);
	ut_check_items(p, pa, N, 200);
	for (i = 0; i < N; i++)
		uma_zfree(p, pa[i]);
	ut_zstat("ut sec primary", &sp);
	ATF_REQUIRE_EQ(0, sp.uzs_used);
	ATF_REQUIRE_EQ(2 * N, sp.uzs_requests);
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));
	uma_zdestroy(p);
	ATF_REQUIRE_EQ(atomic_load(&n_init), atomic_load(&n_fini));

	/* The other order: the primary goes first, the keg stays. */
	ut_reset();
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	free0 = ut_free_pages();
	p = uma_zcreate("ut sec primary 2", 200, NULL, NULL, ut_init,
	    ut_fini, UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(p != NULL);
	s = uma_zsecond_create("ut sec second 2", NULL, NULL, NULL, NULL, p);
	ATF_REQUIRE(s != NULL);
	for (i = 0; i < N; i++)
		ATF_REQUIRE((pa[i] = uma_zalloc(p, M_WAITOK)) != NULL);
	for (i = 0; i < N; i++)
		uma_zfree(p, pa[i]);
	uma_zdestroy(p);
	ATF_REQUIRE(!ut_zstat_find("ut sec primary 2", NULL));
	for (i = 0; i < N; i++) {
		ATF_REQUIRE((sa[i] = uma_zalloc(s, M_WAITOK)) != NULL);
		ATF_REQUIRE_EQ(ST_KEG, ((struct ut_item *)sa[i])->state);
	}
	ut_check_items(s, sa, N, 200);
	ut_zstat("ut sec second 2", &ss);
	ATF_REQUIRE_EQ(N, ss.uzs_used);
	ATF_REQUIRE(ss.uzs_pages > 0);
	for (i = 0; i < N; i++)
		uma_zfree(s, sa[i]);
	uma_zdestroy(s);
	ATF_REQUIRE_EQ(atomic_load(&n_init), atomic_load(&n_fini));
	ATF_REQUIRE_EQ(0, atomic_load(&n_bad));
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_MSG(ut_free_pages() == free0, "free pages %ju before the "
	    "zones, %ju after both were destroyed", (uintmax_t)free0,
	    (uintmax_t)ut_free_pages());
	vm_shutdown();
}

/* ---- NOFREE -------------------------------------------------------------- */

static int
ut_init_pattern(void *mem, int size, int flags __unused)
{
	atomic_fetch_add(&n_init, 1);
	ut_fill(mem, (size_t)size, 0xbeef);
	return (0);
}

static void
ut_fini_cnt(void *mem __unused, int size __unused)
{
	atomic_fetch_add(&n_fini, 1);
}

ATF_TC(nofree_type_stable);
ATF_TC_HEAD(nofree_type_stable, tc)
{
	atf_tc_set_md_var(tc, "descr", "A UMA_ZONE_NOFREE zone never gives "
	    "its pages back: after every item is freed, uma_zone_reclaim and "
	    "uma_reclaim(DRAIN_CPU) leave its pages and the free page count "
	    "as they were, run no fini, and the freed items still hold what "
	    "init wrote; even uma_zdestroy keeps the pages; a normal zone's "
	    "pages do go back");
}
ATF_TC_BODY(nofree_type_stable, tc)
{
	enum { N = 1000, SZ = 128 };
	void **a;
	uma_zone_t z, y;
	uint64_t pages, free0, free1;
	int i;

	vt_boot();
	ut_reset();
	a = calloc(N, sizeof(*a));
	ATF_REQUIRE(a != NULL);
	z = uma_zcreate("ut nofree", SZ, NULL, NULL, ut_init_pattern,
	    ut_fini_cnt, UMA_ALIGN_PTR, UMA_ZONE_NOFREE);
	ATF_REQUIRE(z != NULL);
	for (i = 0; i < N; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	pages = ut_keg_pages(z);
	ATF_REQUIRE(pages >= N * SZ / PAGE_SIZE);
	for (i = 0; i < N; i++)
		uma_zfree(z, a[i]);

	free0 = ut_free_pages();
	uma_zone_reclaim(z, UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ(pages, ut_keg_pages(z));
	ATF_REQUIRE_MSG(ut_free_pages() <= free0, "free pages %ju -> %ju "
	    "after draining a NOFREE zone", (uintmax_t)free0,
	    (uintmax_t)ut_free_pages());
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ(pages, ut_keg_pages(z));
	ATF_REQUIRE_EQ(0, atomic_load(&n_fini));
	for (i = 0; i < N; i++)
		ATF_REQUIRE_MSG(ut_check_fill(a[i], SZ, 0xbeef), "freed item "
		    "%d (%p) lost its init state", i, a[i]);
	ATF_REQUIRE_EQ(ut_capacity(z), (uint64_t)atomic_load(&n_init));

	/* The same workload on a normal zone gives its pages back. */
	y = uma_zcreate("ut freeable", SZ, NULL, NULL, ut_init_pattern,
	    ut_fini_cnt, UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(y != NULL);
	for (i = 0; i < N; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(y, M_WAITOK)) != NULL);
	for (i = 0; i < N; i++)
		uma_zfree(y, a[i]);
	free0 = ut_free_pages();
	pages = ut_keg_pages(y);
	uma_zone_reclaim(y, UMA_RECLAIM_DRAIN_CPU);
	free1 = ut_free_pages();
	ATF_REQUIRE_EQ(0, ut_keg_pages(y));
	ATF_REQUIRE_MSG(free1 >= free0 + pages, "free pages %ju -> %ju, "
	    "the zone had %ju", (uintmax_t)free0, (uintmax_t)free1,
	    (uintmax_t)pages);
	uma_zdestroy(y);

	/* Destroying the NOFREE zone keeps its memory type-stable. */
	for (i = 0; i < N; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	for (i = 0; i < N; i++)
		uma_zfree(z, a[i]);
	free0 = ut_free_pages();
	atomic_store(&n_fini, 0);
	uma_zdestroy(z);
	ATF_REQUIRE(ut_free_pages() <= free0);
	ATF_REQUIRE_EQ(0, atomic_load(&n_fini));
	for (i = 0; i < N; i++)
		ATF_REQUIRE(ut_check_fill(a[i], SZ, 0xbeef));
	free(a);
	vm_shutdown();
}

/* ---- statistics under two threads ---------------------------------------- */

struct ut_statw {
	uma_zone_t	z;
	int		iters;
	int		batch;
	int		keep;
	uint64_t	allocs;
	uint64_t	frees;
	void		*kept[64];
	void		**tmp;
	bool		ok;
	_Atomic int	*go;
};

static void *
ut_stat_worker(void *arg)
{
	struct ut_statw *w = arg;
	void *p;
	int i, j;

	w->ok = true;
	while (atomic_load(w->go) == 0)
		sched_yield();
	for (i = 0; i < w->iters && w->ok; i++) {
		if ((p = uma_zalloc(w->z, M_WAITOK)) == NULL) {
			w->ok = false;
			break;
		}
		w->allocs++;
		*(volatile uint64_t *)p = (uint64_t)i;
		uma_zfree(w->z, p);
		w->frees++;
		if (i % 250 != 0)
			continue;
		for (j = 0; j < w->batch; j++) {
			if ((w->tmp[j] = uma_zalloc(w->z, M_WAITOK)) == NULL) {
				w->ok = false;
				return (NULL);
			}
			w->allocs++;
		}
		for (j = w->batch - 1; j >= 0; j--) {
			uma_zfree(w->z, w->tmp[j]);
			w->frees++;
		}
	}
	for (j = 0; j < w->keep && w->ok; j++) {
		if ((w->kept[j] = uma_zalloc(w->z, M_WAITOK)) == NULL)
			w->ok = false;
		else
			w->allocs++;
	}
	return (NULL);
}

ATF_TC(stats_two_threads_exact);
ATF_TC_HEAD(stats_two_threads_exact, tc)
{
	atf_tc_set_md_var(tc, "descr", "Two threads each do 10000 "
	    "alloc/free pairs and batches of 300 and keep 37 items: the raw "
	    "stream (uma_stream_header, uma_type_header, uma_percpu_stat "
	    "parsed by hand) and the reader give requests == allocations "
	    "exactly, used == live items, zone-wide plus per-CPU records sum "
	    "to the totals, used + free == the keg's capacity; ush_maxcpus "
	    "== hw.ncpu, ush_count == vm.uma_count, the stream's length fits "
	    "its header; frees from the main thread balance it to 0");
}
ATF_TC_BODY(stats_two_threads_exact, tc)
{
	struct uma_type_header uth;
	struct uma_zone_stat st;
	struct ut_statw w[2];
	struct ut_sums sums;
	struct ut_raw raw;
	_Atomic int go = 0;
	pthread_t t[2];
	uint64_t allocs = 0, frees = 0;
	uma_zone_t z;
	int i, j;

	vt_boot();
	z = uma_zcreate("ut stats2", 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	for (i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].z = z;
		w[i].iters = 10000;
		w[i].batch = 300;
		w[i].keep = 37;
		w[i].go = &go;
		w[i].tmp = calloc(300, sizeof(void *));
		ATF_REQUIRE(w[i].tmp != NULL);
		t[i] = vt_thread(ut_stat_worker, &w[i]);
	}
	atomic_store(&go, 1);
	for (i = 0; i < 2; i++) {
		ut_join(t[i]);
		ATF_REQUIRE_MSG(w[i].ok, "worker %d: an allocation failed", i);
		allocs += w[i].allocs;
		frees += w[i].frees;
	}
	ATF_REQUIRE_EQ(2 * (10000 + 40 * 300 + 37), allocs);

	ut_raw_read(&raw);
	ATF_REQUIRE_EQ((uint32_t)ut_sysctl_int("hw.ncpu"),
	    raw.ush.ush_maxcpus);
	ATF_REQUIRE_EQ(2, raw.ush.ush_maxcpus);
	ATF_REQUIRE_EQ((uint32_t)ut_sysctl_int("vm.uma_count"),
	    raw.ush.ush_count);
	ut_raw_sums(&raw, "ut stats2", &uth, &sums);
	ATF_REQUIRE_EQ_MSG(allocs, sums.allocs, "stream: %ju allocations "
	    "(%ju zone-wide), the threads made %ju", (uintmax_t)sums.allocs,
	    (uintmax_t)uth.uth_allocs, (uintmax_t)allocs);
	ATF_REQUIRE_EQ(frees, sums.frees);
	ATF_REQUIRE_EQ(74, sums.allocs - sums.frees);
	ATF_REQUIRE_EQ(64, uth.uth_size);
	ATF_REQUIRE_EQ(0, uth.uth_fails);
	ATF_REQUIRE_EQ(0, uth.uth_zone_flags);
	ATF_REQUIRE_EQ(ut_capacity(z), 74 + sums.cached + uth.uth_zone_free +
	    uth.uth_keg_free);
	ut_raw_free(&raw);
	ut_zstat("ut stats2", &st);
	ATF_REQUIRE_EQ(allocs, st.uzs_requests);
	ATF_REQUIRE_EQ(74, st.uzs_used);
	ATF_REQUIRE_EQ(74, uma_zone_get_cur(z));
	ATF_REQUIRE_EQ(ut_capacity(z), st.uzs_used + st.uzs_free);

	/* The main thread frees what the workers kept. */
	for (i = 0; i < 2; i++)
		for (j = 0; j < 37; j++)
			uma_zfree(z, w[i].kept[j]);
	ut_zstat("ut stats2", &st);
	ATF_REQUIRE_EQ(0, st.uzs_used);
	ATF_REQUIRE_EQ(allocs, st.uzs_requests);
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(z));
	uma_assert_consistent(z);
	for (i = 0; i < 2; i++)
		free(w[i].tmp);
	uma_zdestroy(z);
	vm_shutdown();
}

/* ---- the stream and its reader ------------------------------------------- */

ATF_TC(stream_round_trip);
ATF_TC_HEAD(stream_round_trip, tc)
{
	atf_tc_set_md_var(tc, "descr", "Zones with known activity read back "
	    "through uma_zone_stats with every field right (name, size, "
	    "limit, used, free, requests, fails, sleeps, bucketsize, pages, "
	    "flags) and agree with the raw stream; a NULL buffer gives the "
	    "count (== vm.uma_count); a buffer of 3 gets ENOMEM and the first "
	    "3 records; a NULL count is EINVAL; a short raw read is ENOMEM");
}
ATF_TC_BODY(stream_round_trip, tc)
{
	struct uma_zone_stat st, *all, part[3];
	struct uma_type_header uth;
	struct ut_sums sums;
	struct ut_raw raw;
	struct ut_waiter w;
	pthread_t t;
	uma_zone_t a, b, c;
	void *ia[30], *ib[5];
	size_t n, i, len;
	char small[100];
	int k;

	vt_boot();
	a = uma_zcreate("ut rt limited", 333, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_CACHE, 0);
	b = uma_zcreate("ut rt nobucket", 5000, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, UMA_ZONE_NOBUCKET);
	c = uma_zcreate("ut rt maxbucket", 1000, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, UMA_ZONE_MAXBUCKET);
	ATF_REQUIRE(a != NULL && b != NULL && c != NULL);

	/* a: limit 30, 30 live, 2 failures, 1 sleep. */
	ATF_REQUIRE_EQ(30, uma_zone_set_max(a, 30));
	for (k = 0; k < 30; k++)
		ATF_REQUIRE((ia[k] = uma_zalloc(a, M_WAITOK)) != NULL);
	ATF_REQUIRE(uma_zalloc(a, M_NOWAIT) == NULL);
	ATF_REQUIRE(uma_zalloc(a, M_NOWAIT | M_ZERO) == NULL);
	memset(&w, 0, sizeof(w));
	w.z = a;
	w.flags = M_WAITOK;
	t = vt_thread(ut_waiter_thread, &w);
	ATF_REQUIRE(ut_wait_sleepers(a, 1));
	uma_zfree(a, ia[0]);
	ut_join(t);
	ia[0] = w.item;
	ut_zstat("ut rt limited", &st);
	ATF_REQUIRE_EQ(0, strcmp(st.uzs_name, "ut rt limited"));
	ATF_REQUIRE_EQ(333, st.uzs_size);
	ATF_REQUIRE_EQ(30, st.uzs_limit);
	ATF_REQUIRE_EQ(30, st.uzs_used);
	ATF_REQUIRE_EQ(31, st.uzs_requests);
	ATF_REQUIRE_EQ(2, st.uzs_fails);
	ATF_REQUIRE_EQ(1, st.uzs_sleeps);
	ATF_REQUIRE_EQ(0, st.uzs_xdomain);
	ATF_REQUIRE_EQ(256, st.uzs_bucketsize);	/* items <= 1 KiB */
	ATF_REQUIRE_EQ(ut_keg_pages(a), st.uzs_pages);
	ATF_REQUIRE_EQ(ut_keg_free(a), st.uzs_free);
	ATF_REQUIRE_EQ(ut_capacity(a), st.uzs_used + st.uzs_free);
	ATF_REQUIRE_EQ(0, st.uzs_flags);

	/* b: 5 live, 5 requests, no buckets. */
	for (k = 0; k < 5; k++)
		ATF_REQUIRE((ib[k] = uma_zalloc(b, M_WAITOK)) != NULL);
	ut_zstat("ut rt nobucket", &st);
	ATF_REQUIRE_EQ(5000, st.uzs_size);
	ATF_REQUIRE_EQ(5, st.uzs_used);
	ATF_REQUIRE_EQ(5, st.uzs_requests);
	ATF_REQUIRE_EQ(0, st.uzs_bucketsize);
	ATF_REQUIRE_EQ(0, st.uzs_limit);
	ATF_REQUIRE_EQ(ut_keg_pages(b), st.uzs_pages);
	ATF_REQUIRE_EQ((5 + b->uz_keg->uk_ipers - 1) / b->uz_keg->uk_ipers *
	    b->uz_keg->uk_ppera, st.uzs_pages);
	ATF_REQUIRE_EQ(ut_capacity(b) - 5, st.uzs_free);
	ut_zstat("ut rt maxbucket", &st);
	ATF_REQUIRE_EQ(512, st.uzs_bucketsize);
	ATF_REQUIRE_EQ(0, st.uzs_requests);
	ATF_REQUIRE_EQ(0, st.uzs_pages);

	/* The raw stream says the same. */
	ut_raw_read(&raw);
	ut_raw_sums(&raw, "ut rt limited", &uth, &sums);
	ATF_REQUIRE_EQ(333, uth.uth_size);
	ATF_REQUIRE_EQ(CACHE_LINE_SIZE - 1, uth.uth_align);
	ATF_REQUIRE_EQ(a->uz_keg->uk_rsize, uth.uth_rsize);
	ATF_REQUIRE_EQ(0, uth.uth_rsize % CACHE_LINE_SIZE);
	ATF_REQUIRE_EQ(30, uth.uth_limit);
	ATF_REQUIRE_EQ(2, uth.uth_fails);
	ATF_REQUIRE_EQ(1, uth.uth_sleeps);
	ATF_REQUIRE_EQ(31, sums.allocs);
	ATF_REQUIRE_EQ(30, sums.allocs - sums.frees);
	ATF_REQUIRE_EQ(0, uth.uth_maxpages);
	ut_raw_free(&raw);

	/* Count query, short buffers, bad arguments. */
	n = 0;
	ATF_REQUIRE_EQ(0, uma_zone_stats(NULL, &n));
	ATF_REQUIRE_EQ((size_t)ut_sysctl_int("vm.uma_count"), n);
	all = ut_stats_all(&n);
	ATF_REQUIRE(n > 3);
	memset(part, 0, sizeof(part));
	len = 3;
	ATF_REQUIRE_EQ(ENOMEM, uma_zone_stats(part, &len));
	ATF_REQUIRE_EQ(3, len);
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(0, strcmp(all[i].uzs_name, part[i].uzs_name));
	len = 0;
	ATF_REQUIRE_EQ(ENOMEM, uma_zone_stats(part, &len));
	ATF_REQUIRE_EQ(0, len);
	ATF_REQUIRE_EQ(EINVAL, uma_zone_stats(part, NULL));
	ATF_REQUIRE_EQ(EINVAL, uma_zone_stats(NULL, NULL));
	free(all);
	len = sizeof(small);
	ATF_REQUIRE_EQ(ENOMEM, vm_sysctlbyname("vm.zone_stats", small, &len,
	    NULL, 0));

	for (k = 0; k < 30; k++)
		uma_zfree(a, ia[k]);
	uma_zdestroy(a);
	uma_zdestroy(c);
	for (k = 0; k < 5; k++)
		uma_zfree(b, ib[k]);
	ut_zstat("ut rt nobucket", &st);
	ATF_REQUIRE_EQ(0, st.uzs_used);
	ATF_REQUIRE_EQ(5, st.uzs_requests);
	uma_zdestroy(b);
	vm_shutdown();
}

/* ---- reclaim ------------------------------------------------------------- */

ATF_TC(reclaim_returns_pages);
ATF_TC_HEAD(reclaim_returns_pages, tc)
{
	atf_tc_set_md_var(tc, "descr", "3000 items allocated then all freed "
	    "keep ~190 pages in the zone; UMA_RECLAIM_DRAIN leaves the "
	    "per-CPU caches' items (and their slabs); "
	    "uma_reclaim(UMA_RECLAIM_DRAIN_CPU) gives every page back: "
	    "v_free_count returns to its value before the zone was used");
}
ATF_TC_BODY(reclaim_returns_pages, tc)
{
	enum { N = 3000 };
	struct uma_type_header uth;
	struct ut_sums sums;
	struct ut_raw raw;
	uint64_t free0, free1, free2;
	void **a;
	uma_zone_t z;
	int i;

	vt_boot();
	a = calloc(N, sizeof(*a));
	ATF_REQUIRE(a != NULL);
	z = uma_zcreate("ut reclaim", 256, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	free0 = ut_free_pages();
	for (i = 0; i < N; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	for (i = 0; i < N; i++)
		uma_zfree(z, a[i]);
	free1 = ut_free_pages();
	ATF_REQUIRE_MSG(free1 + N / 16 <= free0, "free pages %ju -> %ju",
	    (uintmax_t)free0, (uintmax_t)free1);

	uma_reclaim(UMA_RECLAIM_DRAIN);
	ut_raw_read(&raw);
	ut_raw_sums(&raw, "ut reclaim", &uth, &sums);
	ut_raw_free(&raw);
	ATF_REQUIRE_EQ(0, uth.uth_zone_free);
	ATF_REQUIRE(sums.cached > 0);		/* DRAIN keeps these */
	ATF_REQUIRE(uth.uth_pages > 0);
	ATF_REQUIRE(ut_free_pages() > free1);

	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	free2 = ut_free_pages();
	ATF_REQUIRE_EQ(0, ut_keg_pages(z));
	ATF_REQUIRE_MSG(free2 == free0, "free pages before use %ju, after "
	    "use and reclaim %ju", (uintmax_t)free0, (uintmax_t)free2);
	uma_zdestroy(z);
	free(a);
	vm_shutdown();
}

ATF_TC(zone_reclaim_one_zone);
ATF_TC_HEAD(zone_reclaim_one_zone, tc)
{
	atf_tc_set_md_var(tc, "descr", "uma_zone_reclaim(DRAIN_CPU) empties "
	    "that zone only: another zone keeps its cached items and pages; "
	    "UMA_RECLAIM_DRAIN on one zone keeps its per-CPU caches; an "
	    "unknown request does nothing");
}
ATF_TC_BODY(zone_reclaim_one_zone, tc)
{
	enum { N = 1000 };
	struct uma_type_header uth;
	struct ut_sums sa, sb;
	struct ut_raw raw;
	void **a;
	uma_zone_t za, zb;
	uint64_t pb;
	int i;

	vt_boot();
	a = calloc(N, sizeof(*a));
	ATF_REQUIRE(a != NULL);
	za = uma_zcreate("ut one a", 128, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	zb = uma_zcreate("ut one b", 128, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(za != NULL && zb != NULL);
	for (i = 0; i < N; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(za, M_WAITOK)) != NULL);
	for (i = 0; i < N; i++)
		uma_zfree(za, a[i]);
	for (i = 0; i < N; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(zb, M_WAITOK)) != NULL);
	for (i = 0; i < N; i++)
		uma_zfree(zb, a[i]);
	pb = ut_keg_pages(zb);
	ATF_REQUIRE(ut_keg_pages(za) > 0 && pb > 0);

	uma_zone_reclaim(za, 0);
	uma_zone_reclaim(za, 4);
	uma_zone_reclaim(NULL, UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE(ut_keg_pages(za) > 0);

	uma_zone_reclaim(za, UMA_RECLAIM_DRAIN);
	ut_raw_read(&raw);
	ut_raw_sums(&raw, "ut one a", &uth, &sa);
	ATF_REQUIRE_EQ(0, uth.uth_zone_free);
	ATF_REQUIRE(sa.cached > 0);
	ut_raw_free(&raw);

	uma_zone_reclaim(za, UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ(0, ut_keg_pages(za));
	ATF_REQUIRE_EQ(pb, ut_keg_pages(zb));
	ut_raw_read(&raw);
	ut_raw_sums(&raw, "ut one a", &uth, &sa);
	ATF_REQUIRE_EQ(0, sa.cached + uth.uth_zone_free + uth.uth_keg_free);
	ut_raw_sums(&raw, "ut one b", &uth, &sb);
	ATF_REQUIRE_EQ(N, sb.cached + uth.uth_zone_free + uth.uth_keg_free -
	    (ut_capacity(zb) - N));
	ATF_REQUIRE(sb.cached + uth.uth_zone_free > 0);
	ut_raw_free(&raw);
	uma_zdestroy(za);
	uma_zdestroy(zb);
	free(a);
	vm_shutdown();
}

/* Items in z's bucket cache (the stream's uth_zone_free). */
static uint64_t
ut_bucket_cache(const char *name)
{
	struct uma_type_header uth;
	struct ut_sums sums;
	struct ut_raw raw;

	ut_raw_read(&raw);
	ut_raw_sums(&raw, name, &uth, &sums);
	ut_raw_free(&raw);
	return (uth.uth_zone_free);
}

ATF_TC(trim_working_set);
ATF_TC_HEAD(trim_working_set, tc)
{
	atf_tc_set_md_var(tc, "descr", "With vm.uma_timeout at 50 ms a "
	    "bucket cache of ~2000 items shrinks once idle (the working-set "
	    "estimate decays) until it is empty, giving its "
	    "items back to the keg; UMA_RECLAIM_TRIM trims a bucket cache to "
	    "its working-set estimate (not below, not above by a bucket) and "
	    "frees the keg's empty slabs; vm.uma_timeout rejects negatives");
}
ATF_TC_BODY(trim_working_set, tc)
{
	enum { N = 3000 };
	uint64_t b0, b, last, end, kf0, target;
	void **a;
	uma_zone_t z;
	int i, shrinks = 0, neg = -1;

	vt_boot();
	a = calloc(N, sizeof(*a));
	ATF_REQUIRE(a != NULL);
	ATF_REQUIRE_EQ(20000, ut_sysctl_int("vm.uma_timeout"));
	ATF_REQUIRE_EQ(EINVAL, vm_sysctlbyname("vm.uma_timeout", NULL, NULL,
	    &neg, sizeof(neg)));
	ut_set_timeout(0);	/* no trims while the cache is filled */
	z = uma_zcreate("ut trim", 64, NULL, NULL, NULL, NULL, UMA_ALIGN_PTR,
	    0);
	ATF_REQUIRE(z != NULL);
	for (i = 0; i < N; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	for (i = 0; i < N; i++)
		uma_zfree(z, a[i]);
	/* The CPU keeps at most its two buckets; the rest is in the cache. */
	b0 = ut_bucket_cache("ut trim");
	ATF_REQUIRE_MSG(b0 >= (uint64_t)(N - 2 * z->uz_bucket_size),
	    "bucket cache holds %ju", (uintmax_t)b0);
	kf0 = ut_keg_free(z);

	/* Idle with a 50 ms period: the cache shrinks to nothing. */
	ut_set_timeout(50);
	last = b0;
	end = vt_now_ms() + 3000;
	while ((b = ut_bucket_cache("ut trim")) > 0 && vt_now_ms() < end) {
		if (b < last)
			shrinks++;
		last = b;
		vt_msleep(10);
	}
	ATF_REQUIRE_EQ_MSG(0, b, "bucket cache still holds %ju items after "
	    "3 s idle", (uintmax_t)b);
	/* (seeing the steps needs this thread to run between periods) */
	printf("bucket cache %ju -> 0 in %d observed steps\n", (uintmax_t)b0,
	    shrinks);
	ATF_REQUIRE_EQ(kf0 + b0, ut_keg_free(z));
	ut_set_timeout(0);
	vt_msleep(60);		/* let a trim in progress finish */

	/* TRIM: down to the estimate, here forced to 1000 items. */
	for (i = 0; i < N; i++)
		ATF_REQUIRE((a[i] = uma_zalloc(z, M_WAITOK)) != NULL);
	for (i = 0; i < N; i++)
		uma_zfree(z, a[i]);
	b0 = ut_bucket_cache("ut trim");
	ATF_REQUIRE(b0 > 1000 + (uint64_t)z->uz_bucket_size);
	target = 1000;
	mtx_lock(&z->uz_lock);
	z->uz_bkt_wss = target;
	mtx_unlock(&z->uz_lock);
	uma_reclaim(UMA_RECLAIM_TRIM);
	b = ut_bucket_cache("ut trim");
	ATF_REQUIRE_MSG(b <= target && b + (uint64_t)z->uz_bucket_size >
	    target, "TRIM to %ju left "
	    "%ju items in the bucket cache", (uintmax_t)target, (uintmax_t)b);
	/* And an estimate of 0 trims all of it, freeing slabs. */
	mtx_lock(&z->uz_lock);
	z->uz_bkt_wss = 0;
	mtx_unlock(&z->uz_lock);
	uma_zone_reclaim(z, UMA_RECLAIM_TRIM);
	ATF_REQUIRE_EQ(0, ut_bucket_cache("ut trim"));
	mtx_lock(&z->uz_keg->uk_lock);
	ATF_REQUIRE_MSG(LIST_EMPTY(&z->uz_keg->uk_free_slab), "TRIM left empty "
	    "slabs in the keg");
	mtx_unlock(&z->uz_keg->uk_lock);
	uma_zdestroy(z);
	free(a);
	vm_shutdown();
}

/* ---- out of pages -------------------------------------------------------- */

ATF_TC(nowait_out_of_pages);
ATF_TC_HEAD(nowait_out_of_pages, tc)
{
	atf_tc_set_md_var(tc, "descr", "16-page items allocated M_NOWAIT "
	    "until the page allocator refuses: NULL, one failure counted, "
	    "used == items held; freeing and draining gives back every page");
}
ATF_TC_BODY(nowait_out_of_pages, tc)
{
	struct uma_zone_stat st;
	uint64_t free0;
	void **a;
	uma_zone_t z;
	size_t n = 0, i;

	vt_boot();
	a = calloc(1024, sizeof(*a));
	ATF_REQUIRE(a != NULL);
	z = uma_zcreate("ut oom", 16 * PAGE_SIZE, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	free0 = ut_free_pages();
	while ((a[n] = uma_zalloc(z, M_NOWAIT)) != NULL) {
		n++;
		ATF_REQUIRE(n < 1024);
	}
	ATF_REQUIRE_MSG(n * 16 + 200 >= free0, "only %zu items of 16 pages "
	    "from %ju free pages", n, (uintmax_t)free0);
	ut_zstat("ut oom", &st);
	ATF_REQUIRE_EQ(1, st.uzs_fails);
	ATF_REQUIRE_EQ(n, st.uzs_used);
	ATF_REQUIRE_EQ(n * 16, st.uzs_pages);
	for (i = 0; i < n; i++)
		uma_zfree(z, a[i]);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	ATF_REQUIRE_EQ(0, ut_keg_pages(z));
	ATF_REQUIRE_EQ(free0, ut_free_pages());
	uma_zdestroy(z);
	free(a);
	vm_shutdown();
}

ATF_TC(waitok_under_shortage_gets_cached_memory);
ATF_TC_HEAD(waitok_under_shortage_gets_cached_memory, tc)
{
	atf_tc_set_md_var(tc, "descr", "Zone A takes every page it can and "
	    "frees all its items: its keg holds thousands of free pages, the "
	    "page allocator none.  An M_WAITOK allocation from zone B (\"sleeps "
	    "until it can: never NULL\") must get memory within 3 s: UMA's "
	    "cached memory has to be reclaimed under page shortage, as "
	    "FreeBSD's page daemon does (uma_reclaim from vm_pageout_lowmem), "
	    "or the waiter sleeps for ever");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(waitok_under_shortage_gets_cached_memory, tc)
{
	struct ut_waiter w;
	pthread_t t;
	uma_zone_t a, b;
	uint64_t end, held, free1;
	void **items;
	size_t n = 0, i;
	bool done;

	vt_boot();
	items = calloc(16384, sizeof(*items));
	ATF_REQUIRE(items != NULL);
	a = uma_zcreate("ut hoard", PAGE_SIZE, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, UMA_ZONE_NOBUCKET);
	b = uma_zcreate("ut starved", 4000, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, UMA_ZONE_NOBUCKET);
	ATF_REQUIRE(a != NULL && b != NULL);
	while ((items[n] = uma_zalloc(a, M_NOWAIT)) != NULL) {
		n++;
		ATF_REQUIRE(n < 16384);
	}
	for (i = 0; i < n; i++)
		uma_zfree(a, items[i]);
	/* (a low-memory reclaim, if UMA has one, may already be at work) */
	held = ut_keg_pages(a);
	free1 = ut_free_pages();
	ATF_REQUIRE(n > 1000);

	memset(&w, 0, sizeof(w));
	w.z = b;
	w.flags = M_WAITOK;
	t = vt_thread(ut_waiter_thread, &w);
	end = vt_now_ms() + 3000;
	while (atomic_load(&w.done) == 0 && vt_now_ms() < end)
		vt_msleep(5);
	done = atomic_load(&w.done) != 0;
	if (!done)
		uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* release it */
	ut_join(t);
	ATF_REQUIRE(w.item != NULL);
	uma_zfree(b, w.item);
	ATF_REQUIRE_MSG(done, "the M_WAITOK allocation slept 3 s for a page "
	    "while zone %s kept %ju free pages in its keg (%ju free in the "
	    "page allocator): nothing reclaims UMA under page shortage",
	    "ut hoard", (uintmax_t)held, (uintmax_t)free1);
	uma_zdestroy(b);
	uma_zdestroy(a);
	free(items);
	vm_shutdown();
}

/* ---- memguard(9) on a zone ----------------------------------------------- */

static void
ut_set_memguard(const char *desc)
{
	int error;

	error = vm_sysctlbyname("vm.memguard.desc", NULL, NULL, desc,
	    strlen(desc) + 1);
	ATF_REQUIRE_MSG(error == 0, "vm.memguard.desc: error %d", error);
}

#define	UT_WHY(buf, ...) do {						\
	size_t _l = strlen(buf);					\
									\
	snprintf((buf) + _l, sizeof(buf) - _l, __VA_ARGS__);		\
} while (0)

ATF_TC(memguard_zone_life_cycle);
ATF_TC_HEAD(memguard_zone_life_cycle, tc)
{
	atf_tc_set_md_var(tc, "descr", "A secondary zone served by "
	    "memguard(9) (vm.memguard.desc) keeps the item life cycle of "
	    "uma(9): keg init then zinit on allocation, zfini then keg fini "
	    "on free; a failing ctor undoes the inits (fini and zfini run) "
	    "and is counted in the stream; the zone's limit still holds");
}
ATF_TC_BODY(memguard_zone_life_cycle, tc)
{
	struct uma_zone_stat st;
	uma_zone_t p, sz;
	void *x, *a[3];
	size_t len = 0;
	char why[1024] = "";
	int n, i;

	vt_boot();
	if (vm_sysctlbyname("vm.memguard.desc", NULL, &len, NULL, 0) != 0)
		atf_tc_skip("no memguard(9) in this build");
	ut_reset();
	p = uma_zcreate("ut mg primary", 128, NULL, NULL, ut_init, ut_fini,
	    UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(p != NULL);
	sz = uma_zsecond_create("ut mg second", ut_ctor_cnt, NULL, ut_zinit,
	    ut_zfini, p);
	ATF_REQUIRE(sz != NULL);
	ut_set_memguard("ut mg second");

	/* One item in and out. */
	x = uma_zalloc(sz, M_WAITOK);
	ATF_REQUIRE(x != NULL);
	if (atomic_load(&n_init_ok) != 1 || atomic_load(&n_zinit_ok) != 1 ||
	    ((struct ut_item *)x)->state != ST_ZONE)
		UT_WHY(why, "[alloc: keg init ran %d times, zinit %d, state "
		    "%#x] ", atomic_load(&n_init_ok),
		    atomic_load(&n_zinit_ok), ((struct ut_item *)x)->state);
	uma_zfree(sz, x);
	if (atomic_load(&n_fini) != atomic_load(&n_init_ok) ||
	    atomic_load(&n_zfini) != atomic_load(&n_zinit_ok))
		UT_WHY(why, "[free: fini %d of %d inits, zfini %d of %d] ",
		    atomic_load(&n_fini), atomic_load(&n_init_ok),
		    atomic_load(&n_zfini), atomic_load(&n_zinit_ok));

	/* A failing ctor. */
	atomic_store(&ctor_fail, 1);
	x = uma_zalloc(sz, M_NOWAIT);
	atomic_store(&ctor_fail, 0);
	ATF_REQUIRE(x == NULL);
	ut_zstat("ut mg second", &st);
	if (st.uzs_fails != 1)
		UT_WHY(why, "[ctor failure: %ju failures counted] ",
		    (uintmax_t)st.uzs_fails);
	if (atomic_load(&n_fini) != atomic_load(&n_init_ok) ||
	    atomic_load(&n_zfini) != atomic_load(&n_zinit_ok))
		UT_WHY(why, "[ctor failure: fini %d of %d inits, zfini %d of "
		    "%d] ", atomic_load(&n_fini), atomic_load(&n_init_ok),
		    atomic_load(&n_zfini), atomic_load(&n_zinit_ok));

	/* The limit. */
	ATF_REQUIRE_EQ(2, uma_zone_set_max(sz, 2));
	for (n = 0; n < 3; n++)
		if ((a[n] = uma_zalloc(sz, M_NOWAIT)) == NULL)
			break;
	if (n != 2)
		UT_WHY(why, "[limit 2: %d items allocated] ", n);
	for (i = 0; i < n; i++)
		uma_zfree(sz, a[i]);
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(sz));
	if (ut_zone_items(sz) != 0)
		UT_WHY(why, "[limit: counts %jd live, none are] ",
		    (intmax_t)ut_zone_items(sz));
	if (atomic_load(&n_bad) != 0)
		UT_WHY(why, "[%d callbacks saw the wrong item state] ",
		    atomic_load(&n_bad));

	/*
	 * An item guarded when allocated and freed after the zone reopened:
	 * the zone's fast free stays closed for good, so the free still
	 * finds memguard (memguard_owns) and runs the whole life cycle.
	 */
	(void)uma_zone_set_max(sz, 0);
	x = uma_zalloc(sz, M_WAITOK);
	ATF_REQUIRE(x != NULL);
	ut_set_memguard("");
	if ((atomic_load(&sz->uz_fast) & UMA_FAST_FREE) != 0)
		UT_WHY(why, "[the fast free reopened with memguard items "
		    "out] ");
	uma_zfree(sz, x);
	if (atomic_load(&n_fini) != atomic_load(&n_init_ok) ||
	    atomic_load(&n_zfini) != atomic_load(&n_zinit_ok))
		UT_WHY(why, "[freed after reopening: fini %d of %d inits, "
		    "zfini %d of %d] ", atomic_load(&n_fini),
		    atomic_load(&n_init_ok), atomic_load(&n_zfini),
		    atomic_load(&n_zinit_ok));
	uma_zdestroy(sz);
	uma_zdestroy(p);
	ATF_REQUIRE_MSG(why[0] == '\0', "memguard zone: %s", why);
	vm_shutdown();
}

/* ---- misuse panics ------------------------------------------------------- */

/*
 * Children: each boots its own libvm (vt_child_boot), makes a zone, and
 * does one forbidden free, which must panic there.  A child that survives
 * says so, and what followed, on stderr and returns: the case fails with
 * that text.
 */
static uma_zone_t
ut_child_zone(const char *name, uint32_t flags)
{
	uma_zone_t z;

	vt_child_boot();
	z = uma_zcreate(name, 64, NULL, NULL, NULL, NULL, UMA_ALIGN_PTR,
	    flags);
	if (z == NULL)
		_exit(11);
	return (z);
}

static void
ut_child_double_free(uint32_t flags)
{
	uma_zone_t z = ut_child_zone("ut dfree", flags);
	void *x, *p;
	int i, seen = 0;

	if ((x = uma_zalloc(z, M_WAITOK)) == NULL)
		_exit(12);
	uma_zfree(z, x);
	uma_zfree(z, x);
	/* What the double free leads to: x allocated twice. */
	for (i = 0; i < 1000; i++)
		if ((p = uma_zalloc(z, M_WAITOK)) == x)
			seen++;
	fprintf(stderr, "survived the double free of %p; the next 1000 "
	    "allocations returned it %d times\n", x, seen);
}

static void
ut_child_double_free_cached(void)
{
	ut_child_double_free(0);
}

static void
ut_child_double_free_nobucket(void)
{
	ut_child_double_free(UMA_ZONE_NOBUCKET);
}

static void
ut_child_double_free_limited(void)
{
	uma_zone_t z = ut_child_zone("ut dfree", 0);
	void *x;

	(void)uma_zone_set_max(z, 100);
	if ((x = uma_zalloc(z, M_WAITOK)) == NULL)
		_exit(12);
	uma_zfree(z, x);
	uma_zfree(z, x);
	fprintf(stderr, "survived the double free of %p\n", x);
}

static void
ut_child_foreign(void)
{
	uma_zone_t z = ut_child_zone("ut victim", 0);
	uma_zone_t y;
	void *x;

	y = uma_zcreate("ut other", 64, NULL, NULL, NULL, NULL,
	    UMA_ALIGN_PTR, 0);
	if (y == NULL || (x = uma_zalloc(y, M_WAITOK)) == NULL)
		_exit(12);
	uma_zfree(z, x);
	fprintf(stderr, "survived freeing %p of another zone\n", x);
}

static void
ut_child_misaligned(uint32_t flags)
{
	uma_zone_t z = ut_child_zone("ut misaligned", flags);
	char *x, *p;
	int i;

	if ((x = uma_zalloc(z, M_WAITOK)) == NULL)
		_exit(12);
	uma_zfree(z, x + 8);
	fprintf(stderr, "survived freeing %p, 8 bytes into item %p", x + 8,
	    x);
	for (i = 0; i < 1000; i++) {
		p = uma_zalloc(z, M_WAITOK);
		if (p == x + 8) {
			fprintf(stderr, "; it was handed out as an item, "
			    "overlapping %p", x);
			break;
		}
	}
	fprintf(stderr, "\n");
}

static void
ut_child_misaligned_cached(void)
{
	ut_child_misaligned(0);
}

static void
ut_child_misaligned_nobucket(void)
{
	ut_child_misaligned(UMA_ZONE_NOBUCKET);
}

static void
ut_child_outside(void)
{
	uma_zone_t z = ut_child_zone("ut outside", 0);
	char *host = malloc(64);

	uma_zfree(z, host);
	fprintf(stderr, "survived freeing host memory %p\n", (void *)host);
}

static void
ut_child_outside_nobucket(void)
{
	uma_zone_t z = ut_child_zone("ut outside", UMA_ZONE_NOBUCKET);
	static char stat[64];

	uma_zfree(z, stat);
	fprintf(stderr, "survived freeing static memory %p\n", (void *)stat);
}

static void
ut_child_not_uma_page(void)
{
	uma_zone_t z = ut_child_zone("ut page", 0);
	vm_page_t m;

	m = vm_page_alloc_noobj(VM_ALLOC_WIRED);
	if (m == NULL)
		_exit(12);
	uma_zfree(z, vm_page_dmap(m));
	fprintf(stderr, "survived freeing a page of the arena that UMA "
	    "never had\n");
}

/*
 * inv: the check is an INVARIANTS one (the cached paths); the keg's own
 * checks (slab_free_item, vtoslab) are made in every build.
 */
#define	UT_PANIC_TC(name, fn, needle, inv, descr)			\
ATF_TC(name);								\
ATF_TC_HEAD(name, tc)							\
{									\
	atf_tc_set_md_var(tc, "descr", descr);				\
}									\
ATF_TC_BODY(name, tc)							\
{									\
	static const char *const needles[] = { needle, NULL };		\
									\
	if ((inv) && !INVARIANTS_ENABLED)				\
		atf_tc_skip("the check needs an INVARIANTS build");	\
	vt_expect_panic(fn, needles);					\
}

UT_PANIC_TC(panic_double_free_cached, ut_child_double_free_cached, "twice",
    true, "INVARIANTS: freeing an item twice to a zone with per-CPU caches "
    "panics at the second free (before the item can be handed out twice)")
UT_PANIC_TC(panic_double_free_nobucket, ut_child_double_free_nobucket,
    "twice", false, "Freeing an item twice to a NOBUCKET zone panics")
UT_PANIC_TC(panic_double_free_limited, ut_child_double_free_limited,
    "twice", false, "Freeing an item twice to a limited zone panics")
UT_PANIC_TC(panic_free_foreign_item, ut_child_foreign,
    "not one of its items", true, "INVARIANTS: freeing an item of "
    "another zone of the same size panics")
UT_PANIC_TC(panic_free_misaligned_cached, ut_child_misaligned_cached,
    "not the start of an item", true, "INVARIANTS: freeing a pointer 8 "
    "bytes into an item of a cached zone panics at the free (before it "
    "can be handed out as an overlapping item)")
UT_PANIC_TC(panic_free_misaligned_nobucket, ut_child_misaligned_nobucket,
    "not the start of an item", false, "Freeing a pointer 8 bytes into "
    "an item of a NOBUCKET zone panics")
UT_PANIC_TC(panic_free_host_memory, ut_child_outside,
    "not an address of the arena", true, "INVARIANTS: freeing host "
    "(malloc) memory to a cached zone panics")
UT_PANIC_TC(panic_free_static_nobucket, ut_child_outside_nobucket,
    "not an address of the arena", false, "Freeing static memory to a "
    "NOBUCKET zone panics")
UT_PANIC_TC(panic_free_arena_page_not_uma, ut_child_not_uma_page,
    "not one of its items", true, "INVARIANTS: freeing a page of the "
    "arena that UMA never had panics")

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, basic_create_alloc_free_destroy);
	ATF_TP_ADD_TC(tp, alignment_and_disjoint_items);
	ATF_TP_ADD_TC(tp, mzero_zeroes_dirty_items);
	ATF_TP_ADD_TC(tp, sizes_and_slab_layout);
	ATF_TP_ADD_TC(tp, zcreate_invalid_arguments);
	ATF_TP_ADD_TC(tp, zcreate_unbooted_enxio);
	ATF_TP_ADD_TC(tp, ctor_failure);
	ATF_TP_ADD_TC(tp, keg_init_failure);
	ATF_TP_ADD_TC(tp, zinit_failure_midway);
	ATF_TP_ADD_TC(tp, lifecycle_call_counts);
	ATF_TP_ADD_TC(tp, limit_with_sleepers);
	ATF_TP_ADD_TC(tp, limit_counts_cached_items);
	ATF_TP_ADD_TC(tp, limit_set_during_allocation);
	ATF_TP_ADD_TC(tp, limit_set_concurrently);
	ATF_TP_ADD_TC(tp, secondary_zone_shares_keg);
	ATF_TP_ADD_TC(tp, nofree_type_stable);
	ATF_TP_ADD_TC(tp, stats_two_threads_exact);
	ATF_TP_ADD_TC(tp, stream_round_trip);
	ATF_TP_ADD_TC(tp, reclaim_returns_pages);
	ATF_TP_ADD_TC(tp, zone_reclaim_one_zone);
	ATF_TP_ADD_TC(tp, trim_working_set);
	ATF_TP_ADD_TC(tp, nowait_out_of_pages);
	ATF_TP_ADD_TC(tp, waitok_under_shortage_gets_cached_memory);
	ATF_TP_ADD_TC(tp, memguard_zone_life_cycle);
	ATF_TP_ADD_TC(tp, panic_double_free_cached);
	ATF_TP_ADD_TC(tp, panic_double_free_nobucket);
	ATF_TP_ADD_TC(tp, panic_double_free_limited);
	ATF_TP_ADD_TC(tp, panic_free_foreign_item);
	ATF_TP_ADD_TC(tp, panic_free_misaligned_cached);
	ATF_TP_ADD_TC(tp, panic_free_misaligned_nobucket);
	ATF_TP_ADD_TC(tp, panic_free_host_memory);
	ATF_TP_ADD_TC(tp, panic_free_static_nobucket);
	ATF_TP_ADD_TC(tp, panic_free_arena_page_not_uma);
	return (atf_no_error());
}
