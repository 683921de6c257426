/*
 * Tests of page allocation (sys/vm/vm_page.c): the allocation classes and
 * their thresholds, sleeping for free pages, the per-CPU free-page caches,
 * zero-filled pages and the counters.
 *
 * The machine is 32 MiB (8192 pages) with 2 CPU slots.  vm_page.c's
 * formulas give, for 8192 pages: v_interrupt_free_min 2,
 * v_pageout_free_min 34, v_free_reserved 44, v_free_min 84, v_free_severe
 * 64, v_free_target 204, v_inactive_target 306; each CPU slot's cache holds
 * at most 8192 / (2 CPUs * 2 pools * 32) = 64 pages and is refilled with
 * batches of 64 / 4 = 16 pages reserved against the free count
 * (vmd_free_count counts buddy pages only; vm_free_count() adds the
 * caches).
 *
 * The free-page caches make exact figures depend on which CPU slot the
 * test thread uses: vt_boot() turns the pqbatch thread's drains off so
 * that nothing else claims slots and the thread keeps its home slot.
 */

#include "vm_test_util.h"

static u_int
cached_pages(void)
{
	u_int n = 0;
	int d;

	for (d = 0; d < vm_ndomains; d++)
		n += vm_free_count_domain(d) - vt_domain_unreserved(d);
	return (n);
}

static int
pgcache_max(void)
{
	int v = -1;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.pgcache_max", &v, &len, NULL,
	    0));
	return (v);
}

/* Allocate with req until NULL, into pages[] from *n on. */
static void
alloc_until_null(int req, vm_page_t *pages, size_t *n, size_t cap)
{
	vm_page_t m;

	while ((m = vm_page_alloc_noobj(req)) != NULL) {
		ATF_REQUIRE(*n < cap);
		pages[(*n)++] = m;
	}
}

static void
free_all(vm_page_t *pages, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		vm_page_free(pages[i]);
}

/* ---- thresholds and classes ------------------------------------------------ */

ATF_TC(thresholds_match_formulas);
ATF_TC_HEAD(thresholds_match_formulas, tc)
{
	atf_tc_set_md_var(tc, "descr", "The threshold sysctls for 8192 pages "
	    "are FreeBSD's formulas: reserved 44, min 84, severe 64, target "
	    "204, interrupt min 2, pageout min 34, inactive target 306; the "
	    "per-CPU caches hold 64 pages");
}
ATF_TC_BODY(thresholds_match_formulas, tc)
{
	vt_boot();
	ATF_REQUIRE_EQ(2, vt_stat("v_interrupt_free_min"));
	ATF_REQUIRE_EQ(34, vt_stat("v_pageout_free_min"));
	ATF_REQUIRE_EQ(44, vt_stat("v_free_reserved"));
	ATF_REQUIRE_EQ(84, vt_stat("v_free_min"));
	ATF_REQUIRE_EQ(64, vt_stat("v_free_severe"));
	ATF_REQUIRE_EQ(204, vt_stat("v_free_target"));
	ATF_REQUIRE_EQ(306, vt_stat("v_inactive_target"));
	ATF_REQUIRE_EQ(64, pgcache_max());
	vm_shutdown();
}

ATF_TC(exhaust_by_class);
ATF_TC_HEAD(exhaust_by_class, tc)
{
	atf_tc_set_md_var(tc, "descr", "Allocating until NULL stops at "
	    "v_free_reserved for VM_ALLOC_NORMAL, at v_interrupt_free_min for "
	    "VM_ALLOC_SYSTEM, and VM_ALLOC_INTERRUPT takes the last page; "
	    "the checkers pass throughout and freeing everything restores "
	    "the free count and the boot census exactly");
}
ATF_TC_BODY(exhaust_by_class, tc)
{
	int boot[VM_NFREEORDER], c[VM_NFREEORDER], zero[VM_NFREEORDER];
	vm_page_t *pages;
	uint64_t fails;
	size_t n = 0, cap = 8192;
	u_int free0, reserved, intr;

	vt_boot();
	memset(zero, 0, sizeof(zero));
	pages = calloc(cap, sizeof(*pages));
	ATF_REQUIRE(pages != NULL);
	free0 = vm_free_count();
	reserved = (u_int)vt_stat("v_free_reserved");
	intr = (u_int)vt_stat("v_interrupt_free_min");
	vt_census(0, boot);

	fails = vt_stat("v_pgfail");
	alloc_until_null(VM_ALLOC_NORMAL, pages, &n, cap);
	ATF_REQUIRE_EQ(free0 - reserved, n);
	ATF_REQUIRE_EQ(reserved, vm_free_count());
	ATF_REQUIRE_EQ(reserved, vt_domain_unreserved(0));
	ATF_REQUIRE_EQ(fails + 1, vt_stat("v_pgfail"));
	/* NORMAL stays refused; nothing moved. */
	ATF_REQUIRE(vm_page_alloc_noobj(VM_ALLOC_NORMAL) == NULL);
	ATF_REQUIRE(vm_page_alloc_noobj(VM_ALLOC_NORMAL | VM_ALLOC_ZERO) ==
	    NULL);
	ATF_REQUIRE_EQ(fails + 3, vt_stat("v_pgfail"));
	ATF_REQUIRE_EQ(reserved, vm_free_count());
	vt_check_all();

	alloc_until_null(VM_ALLOC_SYSTEM, pages, &n, cap);
	ATF_REQUIRE_EQ(free0 - intr, n);
	ATF_REQUIRE_EQ(intr, vm_free_count());
	ATF_REQUIRE(vm_page_alloc_noobj(VM_ALLOC_NORMAL) == NULL);
	vt_check_all();

	alloc_until_null(VM_ALLOC_INTERRUPT, pages, &n, cap);
	ATF_REQUIRE_EQ(free0, n);
	ATF_REQUIRE_EQ(0, vm_free_count());
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, zero);
	vt_check_all();

	free_all(pages, n);
	ATF_REQUIRE_EQ(free0, vm_free_count());
	vm_page_pcpu_drain();
	ATF_REQUIRE_EQ(free0, vt_domain_unreserved(0));
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, boot);
	vt_check_all();
	free(pages);
	vm_shutdown();
}

ATF_TC(alloc_flags_wired_nodump_counters);
ATF_TC_HEAD(alloc_flags_wired_nodump_counters, tc)
{
	atf_tc_set_md_var(tc, "descr", "VM_ALLOC_WIRED wires the page and "
	    "counts it in v_wire_count, VM_ALLOC_NODUMP sets PG_NODUMP; "
	    "no-object pages are unmanaged and unbusied; v_tfree counts "
	    "frees exactly");
}
ATF_TC_BODY(alloc_flags_wired_nodump_counters, tc)
{
	uint64_t wired0, tfree0;
	vm_page_t m, m2;

	vt_boot();
	wired0 = vt_stat("v_wire_count");
	tfree0 = vt_stat("v_tfree");
	m = vm_page_alloc_noobj(VM_ALLOC_WIRED | VM_ALLOC_NODUMP);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE_EQ(1, vm_page_wired(m));
	ATF_REQUIRE_EQ(1, atomic_load(&m->ref_count));
	ATF_REQUIRE_EQ(wired0 + 1, vt_stat("v_wire_count"));
	ATF_REQUIRE_EQ(PG_NODUMP, atomic_load(&m->flags));
	ATF_REQUIRE(m->oflags & VPO_UNMANAGED);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, atomic_load(&m->busy_lock));
	ATF_REQUIRE_EQ(PQ_NONE, vm_page_queue(m));
	ATF_REQUIRE_EQ(VM_FREEPOOL_DIRECT, m->pool);

	m2 = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	ATF_REQUIRE(m2 != NULL && m2 != m);
	ATF_REQUIRE_EQ(0, atomic_load(&m2->ref_count));
	ATF_REQUIRE_EQ(0, atomic_load(&m2->flags));
	ATF_REQUIRE_EQ(wired0 + 1, vt_stat("v_wire_count"));
	vt_check_all();

	ATF_REQUIRE(vm_page_unwire_noq(m));
	ATF_REQUIRE_EQ(wired0, vt_stat("v_wire_count"));
	vm_page_free(m);
	vm_page_free(m2);
	ATF_REQUIRE_EQ(tfree0 + 2, vt_stat("v_tfree"));
	ATF_REQUIRE_EQ(VPB_FREED, atomic_load(&m->busy_lock));
	vt_check_all();
	vm_shutdown();
}

/* ---- waiting --------------------------------------------------------------- */

struct waiter {
	int		req;
	int		domain;		/* -1: vm_page_alloc_noobj */
	vm_page_t	m;
	_Atomic int	started;
	_Atomic int	done;
};

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;

	atomic_store(&w->started, 1);
	if (w->domain < 0)
		w->m = vm_page_alloc_noobj(w->req);
	else
		w->m = vm_page_alloc_noobj_domain(w->domain, w->req);
	atomic_store(&w->done, 1);
	return (NULL);
}

/* Wait (bounded) until a thread sleeps in vm_wait_domain(d). */
static void
wait_for_domain_waiter(int d)
{
	uint64_t end = vt_now_ms() + 2000;

	while (atomic_load(&VM_DOMAIN(d)->vmd_waiters) == 0) {
		ATF_REQUIRE_MSG(vt_now_ms() < end, "no thread came to sleep "
		    "in vm_wait_domain(%d)", d);
		vt_msleep(1);
	}
}

/*
 * Exhaust memory for VM_ALLOC_NORMAL, start a thread allocating with req,
 * and free pages one by one: the thread must stay asleep until the free
 * count reaches v_free_min and wake then.
 */
static void
check_wait_until_free_min(int req, int domain, bool expect_page)
{
	struct waiter w;
	vm_page_t *pages;
	pthread_t t;
	uint64_t waits0, fails0;
	size_t n = 0, cap = 8192, i;
	u_int reserved, fmin;

	vt_boot();
	pages = calloc(cap, sizeof(*pages));
	ATF_REQUIRE(pages != NULL);
	reserved = VM_DOMAIN(0)->vmd_free_reserved;
	fmin = VM_DOMAIN(0)->vmd_free_min;
	alloc_until_null(VM_ALLOC_NORMAL, pages, &n, cap);
	ATF_REQUIRE_EQ(reserved, vm_free_count());
	ATF_REQUIRE_EQ(0, cached_pages());
	waits0 = vt_stat("v_pgwait");
	fails0 = vt_stat("v_pgfail");

	memset(&w, 0, sizeof(w));
	w.req = req;
	w.domain = domain;
	t = vt_thread(waiter_main, &w);
	wait_for_domain_waiter(0);
	ATF_REQUIRE_EQ(waits0 + 1, vt_stat("v_pgwait"));

	/* One page short of v_free_min: no wakeup. */
	for (i = 0; i < fmin - reserved - 1; i++)
		vm_page_free(pages[--n]);
	ATF_REQUIRE_EQ(fmin - 1, vt_domain_unreserved(0));
	vt_msleep(100);
	ATF_REQUIRE_MSG(atomic_load(&w.done) == 0, "the waiter woke with "
	    "%u free pages, below v_free_min %u", fmin - 1, fmin);
	ATF_REQUIRE_EQ(1, atomic_load(&VM_DOMAIN(0)->vmd_waiters));

	/* The page that reaches v_free_min wakes it. */
	vm_page_free(pages[--n]);
	if (!vt_wait_flag(&w.done, 1, 2000)) {
		/* Unblock it so the case can end, then fail. */
		while (n > 0 && atomic_load(&w.done) == 0)
			vm_page_free(pages[--n]);
		pthread_join(t, NULL);
		atf_tc_fail("the waiter did not wake at v_free_min");
	}
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	ATF_REQUIRE_EQ(waits0 + 1, vt_stat("v_pgwait"));
	if (expect_page) {
		ATF_REQUIRE(w.m != NULL);
		ATF_REQUIRE_EQ(fmin - 1, vm_free_count());
		ATF_REQUIRE_EQ(fails0, vt_stat("v_pgfail"));
		pages[n++] = w.m;
	} else {
		ATF_REQUIRE(w.m == NULL);
		ATF_REQUIRE_EQ(fmin, vm_free_count());
		ATF_REQUIRE_EQ(fails0 + 1, vt_stat("v_pgfail"));
	}
	ATF_REQUIRE_EQ(0, atomic_load(&VM_DOMAIN(0)->vmd_waiters));
	vt_check_all();
	free_all(pages, n);
	ATF_REQUIRE_EQ(8192 - vt_nstolen(), vm_free_count());
	vt_check_all();
	free(pages);
	vm_shutdown();
}

ATF_TC(waitok_sleeps_until_free_min);
ATF_TC_HEAD(waitok_sleeps_until_free_min, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_alloc_noobj(VM_ALLOC_WAITOK) "
	    "on exhausted memory sleeps through frees up to v_free_min - 1 "
	    "and gets a page once another thread's free reaches v_free_min");
}
ATF_TC_BODY(waitok_sleeps_until_free_min, tc)
{
	check_wait_until_free_min(VM_ALLOC_WAITOK, -1, true);
}

ATF_TC(waitok_domain_sleeps_until_free_min);
ATF_TC_HEAD(waitok_domain_sleeps_until_free_min, tc)
{
	atf_tc_set_md_var(tc, "descr", "As waitok_sleeps_until_free_min "
	    "through vm_page_alloc_noobj_domain");
}
ATF_TC_BODY(waitok_domain_sleeps_until_free_min, tc)
{
	check_wait_until_free_min(VM_ALLOC_WAITOK, 0, true);
}

ATF_TC(waitfail_returns_null_after_one_sleep);
ATF_TC_HEAD(waitfail_returns_null_after_one_sleep, tc)
{
	atf_tc_set_md_var(tc, "descr", "VM_ALLOC_WAITFAIL sleeps once, until "
	    "v_free_min, then returns NULL although pages are free now; one "
	    "v_pgwait and one v_pgfail");
}
ATF_TC_BODY(waitfail_returns_null_after_one_sleep, tc)
{
	check_wait_until_free_min(VM_ALLOC_WAITFAIL, -1, false);
}

ATF_TC(waitok_any_domain);
ATF_TC_HEAD(waitok_any_domain, tc)
{
	atf_tc_set_md_var(tc, "descr", "With two domains exhausted, a "
	    "VM_ALLOC_WAITOK allocation sleeps in vm_wait() and wakes when "
	    "either domain reaches its v_free_min");
}
ATF_TC_BODY(waitok_any_domain, tc)
{
	struct waiter w;
	vm_page_t *pages;
	pthread_t t;
	size_t n = 0, cap = 8192, i, k;
	u_int need;
	uint64_t waits0;

	vt_boot_cfg(VT_PHYSMEM, VT_NCPU, 2, NULL);
	pages = calloc(cap, sizeof(*pages));
	ATF_REQUIRE(pages != NULL);
	alloc_until_null(VM_ALLOC_NORMAL, pages, &n, cap);
	ATF_REQUIRE_EQ(VM_DOMAIN(0)->vmd_free_reserved, vt_domain_free(0));
	ATF_REQUIRE_EQ(VM_DOMAIN(1)->vmd_free_reserved, vt_domain_free(1));
	waits0 = vt_stat("v_pgwait");

	memset(&w, 0, sizeof(w));
	w.req = VM_ALLOC_WAITOK;
	w.domain = -1;
	t = vt_thread(waiter_main, &w);
	/* vm_wait's waiter count is private: give it time to sleep. */
	ATF_REQUIRE(vt_wait_flag(&w.done, 1, 200) == false);
	ATF_REQUIRE_EQ(waits0 + 1, vt_stat("v_pgwait"));

	/* Free domain 1 pages up to one short of its v_free_min. */
	need = VM_DOMAIN(1)->vmd_free_min - VM_DOMAIN(1)->vmd_free_reserved;
	for (i = 0, k = 0; k + 1 < need; i++)
		if (pages[i] != NULL && pages[i]->domain == 1) {
			vm_page_free(pages[i]);
			pages[i] = NULL;
			k++;
		}
	vt_msleep(50);
	ATF_REQUIRE_EQ(0, atomic_load(&w.done));
	for (; k < need; i++)
		if (pages[i] != NULL && pages[i]->domain == 1) {
			vm_page_free(pages[i]);
			pages[i] = NULL;
			k++;
		}
	ATF_REQUIRE_MSG(vt_wait_flag(&w.done, 1, 2000), "no wakeup");
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	ATF_REQUIRE(w.m != NULL);
	ATF_REQUIRE_EQ(1, w.m->domain);
	vm_page_free(w.m);
	for (i = 0; i < n; i++)
		if (pages[i] != NULL)
			vm_page_free(pages[i]);
	ATF_REQUIRE_EQ(8192 - vt_nstolen(), vm_free_count());
	vt_check_all();
	free(pages);
	vm_shutdown();
}

struct contig_waiter {
	int		req;
	u_long		npages;
	vm_page_t	m;
	_Atomic int	done;
};

static void *
contig_waiter_main(void *arg)
{
	struct contig_waiter *w = arg;

	w->m = vm_page_alloc_noobj_contig(w->req, w->npages, 0,
	    ~(vm_paddr_t)0, PAGE_SIZE, 0);
	atomic_store(&w->done, 1);
	return (NULL);
}

/* Free up to n pages of domain d from pages[] (NULLing them). */
static u_int
free_domain_pages(vm_page_t *pages, size_t n, int d, u_int want)
{
	size_t i;
	u_int k = 0;

	for (i = 0; i < n && k < want; i++)
		if (pages[i] != NULL && pages[i]->domain == d) {
			vm_page_free(pages[i]);
			pages[i] = NULL;
			k++;
		}
	return (k);
}

ATF_TC(contig_waitok_any_domain);
ATF_TC_HEAD(contig_waitok_any_domain, tc)
{
	atf_tc_set_md_var(tc, "descr", "With two domains exhausted, "
	    "vm_page_alloc_noobj_contig(VM_ALLOC_WAITOK) sleeps until either "
	    "domain has v_free_min free pages, as vm_page_alloc_noobj does, "
	    "and gets its run from domain 1 when domain 1 gets them");
}
ATF_TC_BODY(contig_waitok_any_domain, tc)
{
	struct contig_waiter w;
	vm_page_t *pages;
	pthread_t t;
	size_t n = 0, cap = 8192, i;
	u_int need1;
	bool woke;

	vt_boot_cfg(VT_PHYSMEM, VT_NCPU, 2, NULL);
	pages = calloc(cap, sizeof(*pages));
	ATF_REQUIRE(pages != NULL);
	alloc_until_null(VM_ALLOC_NORMAL, pages, &n, cap);
	ATF_REQUIRE_EQ(VM_DOMAIN(0)->vmd_free_reserved, vt_domain_free(0));
	ATF_REQUIRE_EQ(VM_DOMAIN(1)->vmd_free_reserved, vt_domain_free(1));

	memset(&w, 0, sizeof(w));
	w.req = VM_ALLOC_NORMAL | VM_ALLOC_WAITOK;
	w.npages = 1;
	t = vt_thread(contig_waiter_main, &w);
	ATF_REQUIRE(vt_wait_flag(&w.done, 1, 200) == false);

	need1 = VM_DOMAIN(1)->vmd_free_min - VM_DOMAIN(1)->vmd_free_reserved;
	ATF_REQUIRE_EQ(need1, free_domain_pages(pages, n, 1, need1));
	woke = vt_wait_flag(&w.done, 1, 1000);
	if (!woke) {
		/* Release it through domain 0 so that the case can end. */
		(void)free_domain_pages(pages, n, 0, VM_DOMAIN(0)->vmd_free_min);
		ATF_REQUIRE(vt_wait_flag(&w.done, 1, 2000));
	}
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	ATF_REQUIRE_MSG(woke, "the contiguous WAITOK allocation slept on "
	    "through domain 1 reaching v_free_min: it waits for domain 0 "
	    "only");
	ATF_REQUIRE(w.m != NULL);
	ATF_REQUIRE_EQ(1, w.m->domain);
	vm_page_free(w.m);
	for (i = 0; i < n; i++)
		if (pages[i] != NULL)
			vm_page_free(pages[i]);
	ATF_REQUIRE_EQ(8192 - vt_nstolen(), vm_free_count());
	vt_check_all();
	free(pages);
	vm_shutdown();
}

/*
 * The waiter drains the caches, finds nothing and goes to sleep; a page
 * freed between its drain and its registration as a waiter is parked in
 * the freeing CPU's cache, which vmd_free_count does not count, and no
 * later free need come to wake it.  Each round: memory exhausted for
 * VM_ALLOC_NORMAL, a WAITOK thread starts, and at the same moment the main
 * thread frees exactly v_free_min - v_free_reserved pages: from then on
 * v_free_min pages are free, so the waiter must get one.
 */
static void
spin(u_int n)
{
	static _Atomic u_int sink;

	while (n-- > 0)
		atomic_fetch_add_explicit(&sink, 1, memory_order_relaxed);
}

ATF_TC(waitok_wakeup_not_lost_to_pcpu_cache);
ATF_TC_HEAD(waitok_wakeup_not_lost_to_pcpu_cache, tc)
{
	atf_tc_set_md_var(tc, "descr", "A VM_ALLOC_WAITOK allocation racing "
	    "with frees that bring the free pages to v_free_min always gets "
	    "its page: pages freed into a per-CPU cache just before it "
	    "sleeps must not leave it asleep (400 rounds)");
}
ATF_TC_BODY(waitok_wakeup_not_lost_to_pcpu_cache, tc)
{
	struct waiter w;
	vm_page_t *pages;
	pthread_t t;
	size_t n = 0, cap = 8192;
	u_int need, i, round, lost = 0, lost_buddy = 0, lost_cached = 0;
	uint64_t end, seed = 3;

	vt_boot();
	pages = calloc(cap, sizeof(*pages));
	ATF_REQUIRE(pages != NULL);
	need = VM_DOMAIN(0)->vmd_free_min - VM_DOMAIN(0)->vmd_free_reserved;
	end = vt_now_ms() + 1500;
	for (round = 0; round < 400 && vt_now_ms() < end; round++) {
		alloc_until_null(VM_ALLOC_NORMAL, pages, &n, cap);
		ATF_REQUIRE_EQ(VM_DOMAIN(0)->vmd_free_reserved,
		    vm_free_count());
		memset(&w, 0, sizeof(w));
		w.req = VM_ALLOC_WAITOK;
		w.domain = -1;
		t = vt_thread(waiter_main, &w);
		/*
		 * Spread the frees over the waiter's way from its failed
		 * allocation to its sleep, starting at a random moment.
		 */
		while (atomic_load(&w.started) == 0)
			;
		spin((u_int)(vt_rand(&seed) % 4000));
		for (i = 0; i < need; i++) {
			vm_page_free(pages[--n]);
			spin(200);
		}
		if (!vt_wait_flag(&w.done, 1, 1000)) {
			lost++;
			lost_buddy = vt_domain_unreserved(0);
			lost_cached = cached_pages();
			/* Push the buddy count over v_free_min to free it. */
			for (i = 0; i < need && atomic_load(&w.done) == 0; i++)
				vm_page_free(pages[--n]);
		}
		ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
		ATF_REQUIRE(w.m != NULL);
		pages[n++] = w.m;
		if (lost > 0)
			break;
	}
	ATF_REQUIRE_MSG(lost == 0, "round %u: the waiter slept on with %u "
	    "pages free (v_free_min %u): %u in buddy blocks, %u parked in "
	    "per-CPU caches; its wakeup was lost", round,
	    lost_buddy + lost_cached, VM_DOMAIN(0)->vmd_free_min, lost_buddy,
	    lost_cached);
	free_all(pages, n);
	vt_check_all();
	free(pages);
	vm_shutdown();
}

/* ---- per-CPU caches ---------------------------------------------------------- */

ATF_TC(pcpu_refill_and_spill_sizes);
ATF_TC_HEAD(pcpu_refill_and_spill_sizes, tc)
{
	atf_tc_set_md_var(tc, "descr", "A cache is refilled with batches of "
	    "pgcache_max / 4 pages reserved against the free count and spills "
	    "a batch when full: exact buddy and cached page counts after 1, "
	    "16, 17 and 200 allocations and 200 frees; the drain empties "
	    "every cache back into the boot census");
}
ATF_TC_BODY(pcpu_refill_and_spill_sizes, tc)
{
	int boot[VM_NFREEORDER], c[VM_NFREEORDER];
	vm_page_t pages[200];
	u_int free0, batch, max, i;

	vt_boot();
	max = (u_int)pgcache_max();
	batch = max / 4;
	ATF_REQUIRE(batch > 1 && 200 > max);
	free0 = vm_free_count();
	vt_census(0, boot);
	ATF_REQUIRE_EQ(0, cached_pages());

	pages[0] = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	ATF_REQUIRE_EQ(free0 - batch, vt_domain_unreserved(0));
	ATF_REQUIRE_EQ(batch - 1, cached_pages());
	ATF_REQUIRE_EQ(free0 - 1, vm_free_count());
	vt_census(0, c);
	ATF_REQUIRE_EQ(free0 - batch, vt_census_pages(c));
	vt_check_all();

	for (i = 1; i < batch; i++)
		pages[i] = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	ATF_REQUIRE_EQ(free0 - batch, vt_domain_unreserved(0));
	ATF_REQUIRE_EQ(0, cached_pages());
	pages[i++] = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	ATF_REQUIRE_EQ(free0 - 2 * batch, vt_domain_unreserved(0));
	ATF_REQUIRE_EQ(batch - 1, cached_pages());

	for (; i < 200; i++) {
		pages[i] = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
		ATF_REQUIRE(pages[i] != NULL);
	}
	/* ceil(200 / batch) refills. */
	ATF_REQUIRE_EQ(free0 - batch * howmany(200, batch),
	    vt_domain_unreserved(0));
	ATF_REQUIRE_EQ(batch * howmany(200, batch) - 200, cached_pages());
	ATF_REQUIRE_EQ(free0 - 200, vm_free_count());
	vt_check_all();

	for (i = 0; i < 200; i++) {
		vm_page_free(pages[i]);
		ATF_REQUIRE(cached_pages() <= max);
	}
	/* The cache ends full; the rest went back in whole batches. */
	ATF_REQUIRE_EQ(max, cached_pages());
	ATF_REQUIRE_EQ(free0 - max, vt_domain_unreserved(0));
	ATF_REQUIRE_EQ(free0, vm_free_count());
	vt_check_all();

	ATF_REQUIRE_EQ(max, vm_page_pcpu_drain());
	ATF_REQUIRE_EQ(0, cached_pages());
	ATF_REQUIRE_EQ(free0, vt_domain_unreserved(0));
	ATF_REQUIRE_EQ(0, vm_page_pcpu_drain());
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, boot);
	vt_check_all();
	vm_shutdown();
}

struct churn {
	int		seed;
	int		rounds;
	_Atomic int	*go;
};

static void *
churn_main(void *arg)
{
	struct churn *ch = arg;
	vm_page_t held[300];
	uint64_t s = (uint64_t)ch->seed;
	int r, i, n = 0, k;

	while (atomic_load(ch->go) == 0)
		;
	for (r = 0; r < ch->rounds; r++) {
		k = (int)(vt_rand(&s) % 300);
		while (n < k) {
			held[n] = vm_page_alloc_noobj(VM_ALLOC_NORMAL |
			    ((r & 1) ? VM_ALLOC_ZERO : 0));
			if (held[n] == NULL)
				break;
			n++;
		}
		while (n > k / 2) {
			i = (int)(vt_rand(&s) % (uint64_t)n);
			vm_page_free(held[i]);
			held[i] = held[--n];
		}
	}
	while (n > 0)
		vm_page_free(held[--n]);
	return (NULL);
}

ATF_TC(pcpu_caches_two_threads_drain);
ATF_TC_HEAD(pcpu_caches_two_threads_drain, tc)
{
	atf_tc_set_md_var(tc, "descr", "Two threads on two CPU slots "
	    "allocate and free at random; afterwards every page is free, the "
	    "caches hold at most pgcache_max each, and vm_page_pcpu_drain "
	    "returns exactly the cached pages, restoring the boot census");
}
ATF_TC_BODY(pcpu_caches_two_threads_drain, tc)
{
	int boot[VM_NFREEORDER], c[VM_NFREEORDER];
	struct churn ch[2];
	pthread_t t[2];
	_Atomic int go = 0;
	u_int free0, cached;
	int i;

	vt_boot();
	free0 = vm_free_count();
	vt_census(0, boot);
	for (i = 0; i < 2; i++) {
		ch[i].seed = i + 1;
		ch[i].rounds = 200;
		ch[i].go = &go;
		t[i] = vt_thread(churn_main, &ch[i]);
	}
	atomic_store(&go, 1);
	for (i = 0; i < 2; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	ATF_REQUIRE_EQ(free0, vm_free_count());
	cached = cached_pages();
	ATF_REQUIRE(cached <= (u_int)(VT_NCPU * VM_NFREEPOOL * pgcache_max()));
	vt_check_all();
	ATF_REQUIRE_EQ(cached, vm_page_pcpu_drain());
	ATF_REQUIRE_EQ(free0, vt_domain_unreserved(0));
	vt_census(0, c);
	VT_REQUIRE_CENSUS_EQ(c, boot);
	vt_check_all();
	vm_shutdown();
}

struct racer {
	_Atomic int	*go;
	_Atomic int	*stop;
	u_long		allocs;
};

static void *
racer_main(void *arg)
{
	struct racer *r = arg;
	vm_page_t held[64], m;
	int n;

	while (atomic_load(r->go) == 0)
		;
	while (atomic_load(r->stop) == 0) {
		n = 0;
		while (n < 64 && (m = vm_page_alloc_noobj(VM_ALLOC_INTERRUPT))
		    != NULL) {
			held[n++] = m;
			r->allocs++;
		}
		while (n > 0)
			vm_page_free(held[--n]);
	}
	return (NULL);
}

ATF_TC(alloc_race_near_exhaustion);
ATF_TC_HEAD(alloc_race_near_exhaustion, tc)
{
	atf_tc_set_md_var(tc, "descr", "Two threads allocating and freeing "
	    "the last 40 free pages as fast as they can for 0.5 s: no "
	    "reserved page goes missing between the caches and the buddy "
	    "lists, and the counts are exact afterwards");
}
ATF_TC_BODY(alloc_race_near_exhaustion, tc)
{
	struct racer r[2];
	vm_page_t *pages;
	pthread_t t[2];
	_Atomic int go = 0, stop = 0;
	size_t n = 0, cap = 8192;
	u_int free0;
	int i;

	vt_boot();
	free0 = vm_free_count();
	pages = calloc(cap, sizeof(*pages));
	ATF_REQUIRE(pages != NULL);
	alloc_until_null(VM_ALLOC_INTERRUPT, pages, &n, cap);
	for (i = 0; i < 40; i++)
		vm_page_free(pages[--n]);
	for (i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].go = &go;
		r[i].stop = &stop;
		t[i] = vt_thread(racer_main, &r[i]);
	}
	atomic_store(&go, 1);
	vt_msleep(500);
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	ATF_REQUIRE(r[0].allocs > 0 && r[1].allocs > 0);
	ATF_REQUIRE_EQ(40, vm_free_count());
	vt_check_all();
	free_all(pages, n);
	ATF_REQUIRE_EQ(free0, vm_free_count());
	vt_check_all();
	free(pages);
	vm_shutdown();
}

/* ---- zeroing --------------------------------------------------------------- */

static bool
page_is_zero(vm_page_t m)
{
	const uint64_t *p = vm_page_dmap(m);
	size_t i;

	for (i = 0; i < PAGE_SIZE / sizeof(*p); i++)
		if (p[i] != 0)
			return (false);
	return (true);
}

ATF_TC(zero_after_dirty_free);
ATF_TC_HEAD(zero_after_dirty_free, tc)
{
	atf_tc_set_md_var(tc, "descr", "A page written through the direct "
	    "map and freed comes back zero-filled with PG_ZERO when "
	    "reallocated with VM_ALLOC_ZERO, from the per-CPU cache (the "
	    "same page), from the buddy lists (200 pages, drained) and as a "
	    "contiguous run");
}
ATF_TC_BODY(zero_after_dirty_free, tc)
{
	vm_page_t m, m2, pages[200];
	int i;

	vt_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE_EQ(0, atomic_load(&m->flags) & PG_ZERO);
	memset(vm_page_dmap(m), 0xa5, PAGE_SIZE);
	vm_page_free(m);
	ATF_REQUIRE_EQ(0, atomic_load(&m->flags) & PG_ZERO);
	m2 = vm_page_alloc_noobj(VM_ALLOC_ZERO);
	ATF_REQUIRE_EQ_MSG(m, m2, "the cache is LIFO: the freed page is next");
	ATF_REQUIRE(page_is_zero(m2));
	ATF_REQUIRE_EQ(PG_ZERO, atomic_load(&m2->flags));
	vm_page_free(m2);

	for (i = 0; i < 200; i++) {
		pages[i] = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
		memset(vm_page_dmap(pages[i]), 0xff, PAGE_SIZE);
	}
	for (i = 0; i < 200; i++)
		vm_page_free(pages[i]);
	vm_page_pcpu_drain();
	/* Every dirtied page is somewhere in the free lists; take them all. */
	for (i = 0; i < 200; i++) {
		pages[i] = vm_page_alloc_noobj(VM_ALLOC_ZERO);
		ATF_REQUIRE(pages[i] != NULL);
		ATF_REQUIRE_MSG(page_is_zero(pages[i]), "page %#jx is not "
		    "zero", (uintmax_t)VM_PAGE_TO_PHYS(pages[i]));
		ATF_REQUIRE(atomic_load(&pages[i]->flags) & PG_ZERO);
	}
	for (i = 0; i < 200; i++)
		vm_page_free(pages[i]);

	/* Contiguous runs too: dirty a run, free it, take it back zeroed. */
	vm_page_pcpu_drain();
	m = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, 8, 4 << 20, 8 << 20,
	    PAGE_SIZE, 0);
	ATF_REQUIRE(m != NULL);
	for (i = 0; i < 8; i++)
		memset(vm_page_dmap(&m[i]), 0x77, PAGE_SIZE);
	for (i = 0; i < 8; i++)
		vm_page_free(&m[i]);
	vm_page_pcpu_drain();
	m2 = vm_page_alloc_noobj_contig(VM_ALLOC_ZERO, 8, 4 << 20, 8 << 20,
	    PAGE_SIZE, 0);
	ATF_REQUIRE_EQ(m, m2);
	for (i = 0; i < 8; i++) {
		ATF_REQUIRE_MSG(page_is_zero(&m2[i]), "run page %d is not zero",
		    i);
		ATF_REQUIRE_EQ(PG_ZERO, atomic_load(&m2[i].flags));
	}
	for (i = 0; i < 8; i++)
		vm_page_free(&m2[i]);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(free_zero_keeps_pg_zero);
ATF_TC_HEAD(free_zero_keeps_pg_zero, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_free_zero keeps PG_ZERO on "
	    "the free page (in the cache and in the buddy lists), a "
	    "VM_ALLOC_ZERO allocation trusts it instead of zeroing again, "
	    "and a plain allocation clears it; vm_page_free drops it");
}
ATF_TC_BODY(free_zero_keeps_pg_zero, tc)
{
	vm_page_t m, m2;
	uint8_t *p;

	vt_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_ZERO);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE(page_is_zero(m));
	vm_page_free_zero(m);
	ATF_REQUIRE(atomic_load(&m->flags) & PG_ZERO);
	/*
	 * Break the promise behind the allocator's back: a VM_ALLOC_ZERO
	 * allocation that trusts PG_ZERO hands the byte back untouched.
	 */
	p = vm_page_dmap(m);
	p[100] = 0x5a;
	m2 = vm_page_alloc_noobj(VM_ALLOC_ZERO);
	ATF_REQUIRE_EQ(m, m2);
	ATF_REQUIRE_EQ(PG_ZERO, atomic_load(&m2->flags));
	ATF_REQUIRE_EQ_MSG(0x5a, p[100], "a page known zero was zeroed again");
	p[100] = 0;

	/* Through a drain into the buddy lists and back. */
	vm_page_free_zero(m2);
	vm_page_pcpu_drain();
	ATF_REQUIRE_EQ(PG_ZERO, atomic_load(&m->flags));
	vt_check_all();

	/* A plain allocation does not promise zero. */
	vm_page_free(vm_page_alloc_noobj(VM_ALLOC_NORMAL));	/* warm cache */
	m = vm_page_alloc_noobj(VM_ALLOC_ZERO);
	vm_page_free_zero(m);
	m2 = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	ATF_REQUIRE_EQ(m, m2);
	ATF_REQUIRE_EQ(0, atomic_load(&m2->flags) & PG_ZERO);
	vm_page_free(m2);
	ATF_REQUIRE_EQ(0, atomic_load(&m2->flags) & PG_ZERO);
	vt_check_all();
	vm_shutdown();
}

static void
free_zero_dirty_child(void)
{
	vm_page_t m;

	vt_child_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_ZERO);
	((char *)vm_page_dmap(m))[4000] = 1;
	vm_page_free_zero(m);
}

ATF_TC(free_zero_of_dirty_page_panics);
ATF_TC_HEAD(free_zero_of_dirty_page_panics, tc)
{
	atf_tc_set_md_var(tc, "descr", "INVARIANTS: vm_page_free_zero of a "
	    "page that is not zero panics, naming the offset");
}
ATF_TC_BODY(free_zero_of_dirty_page_panics, tc)
{
	static const char *const needles[] = { "vm_page_free_zero",
	    "is not zero at 4000", NULL };

	if (!INVARIANTS_ENABLED)
		atf_tc_skip("needs an INVARIANTS build");
	vt_expect_panic(free_zero_dirty_child, needles);
}

static void
double_free_child(void)
{
	vm_page_t m;

	vt_child_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	vm_page_free(m);
	vm_page_free(m);
}

ATF_TC(double_free_panics);
ATF_TC_HEAD(double_free_panics, tc)
{
	atf_tc_set_md_var(tc, "descr", "Freeing a page twice panics");
}
ATF_TC_BODY(double_free_panics, tc)
{
	static const char *const needles[] = { "vm_page_free_prep", NULL };

	vt_expect_panic(double_free_child, needles);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, thresholds_match_formulas);
	ATF_TP_ADD_TC(tp, exhaust_by_class);
	ATF_TP_ADD_TC(tp, alloc_flags_wired_nodump_counters);
	ATF_TP_ADD_TC(tp, waitok_sleeps_until_free_min);
	ATF_TP_ADD_TC(tp, waitok_domain_sleeps_until_free_min);
	ATF_TP_ADD_TC(tp, waitfail_returns_null_after_one_sleep);
	ATF_TP_ADD_TC(tp, waitok_any_domain);
	ATF_TP_ADD_TC(tp, contig_waitok_any_domain);
	ATF_TP_ADD_TC(tp, waitok_wakeup_not_lost_to_pcpu_cache);
	ATF_TP_ADD_TC(tp, pcpu_refill_and_spill_sizes);
	ATF_TP_ADD_TC(tp, pcpu_caches_two_threads_drain);
	ATF_TP_ADD_TC(tp, alloc_race_near_exhaustion);
	ATF_TP_ADD_TC(tp, zero_after_dirty_free);
	ATF_TP_ADD_TC(tp, free_zero_keeps_pg_zero);
	ATF_TP_ADD_TC(tp, free_zero_of_dirty_page_panics);
	ATF_TP_ADD_TC(tp, double_free_panics);
	return (atf_no_error());
}
