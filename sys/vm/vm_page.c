/*
 * Physical pages: allocation, the busy lock, references and wiring, page
 * queues with per-CPU batches, valid and dirty bits.
 *
 * Allocation.  The common case takes a page from the current CPU's
 * free-page cache for the domain and pool and touches no shared cache line
 * (NetBSD's per-CPU free lists, seed 002 rev 1.146; FreeBSD's per-domain
 * page caches).  As in FreeBSD, a cache is filled in batches reserved
 * against the domain's free count as VM_ALLOC_NORMAL requests, so the
 * pages it holds are already accounted for and vmd_free_count counts
 * exactly the pages in buddy blocks.  Outside the caches a page is
 * reserved against vmd_free_count (vm_domain_allocate), where the
 * allocation classes apply: VM_ALLOC_NORMAL stops at v_free_reserved,
 * VM_ALLOC_SYSTEM at v_interrupt_free_min, VM_ALLOC_INTERRUPT may take the
 * last page.  Before failing, an allocation drains every CPU's cache once:
 * what it needs may sit there.  A request that still cannot be met sleeps
 * in vm_wait_domain() with VM_ALLOC_WAITOK (retrying afterwards) or
 * VM_ALLOC_WAITFAIL (failing afterwards), and fails at once otherwise.
 * The free-page figure users see (v_free_count, vm_free_count()) adds the
 * cached pages back.
 *
 * The busy lock, the reference count and the queue state are described in
 * vm_page.h.
 *
 * Lock order:
 *	page queue lock -> CPU slot (critical section)
 *	domain free lock -> CPU slot
 * A critical section never takes a sleepable lock: when a per-CPU cache or
 * batch needs the shared structure, the pages move through a local array
 * outside the section.  The busy lock and ref_count are atomics and take no
 * lock; sleeping on a busy page uses the page's sleep queue.
 *
 * Invariants (vm_page_check_all, INVARIANTS builds, quiescent system):
 *	vmd_free_count == pages in buddy blocks (cached pages are reserved);
 *	a page with PGA_ENQUEUED is on the list of the queue in its astate,
 *	and each queue's pq_cnt is the length of its list;
 *	free pages hold VPB_FREED, no references, no queue.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/counter.h>
#include <sys/kthread.h>
#include <sys/malloc.h>
#include <uma.h>
#include <sys/mutex.h>
#include <sys/pcpu.h>
#include <sys/proc.h>
#include <sys/sleepqueue.h>
#include <sys/sysctl.h>
#include <sys/pctrie.h>
#include <vm/vm_meter.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/uma_int.h>
#include <vm/vm_pagequeue.h>
#include <vm/vm_pdpolicy.h>
#include <vm/vm_pageout.h>
#include <vm/vm_phys.h>

struct vm_domain vm_dom[MAXMEMDOM];

#define	VM_BATCHQUEUE_SIZE	31
#define	VM_PCPU_CACHE_MAX	128

struct vm_batchqueue {
	_Atomic int	bq_cnt;		/* (cpu) written in a critical section;
					   (a) read by a drain deciding
					   whether to claim the CPU */
	vm_page_t	bq_pa[VM_BATCHQUEUE_SIZE];
};

struct vm_pgcache {
	_Atomic int	pc_cnt;		/* (cpu) written in a critical section */
	vm_page_t	pc_pages[VM_PCPU_CACHE_MAX];
};

/* Per CPU and per domain; reached only inside a critical section. */
struct vm_pcpu_dom {
	struct vm_pgcache	pd_cache[VM_NFREEPOOL];
	struct vm_batchqueue	pd_bq[PQ_COUNT];
};

static char		*vm_pcpu_base;		/* (c) */
static size_t		vm_pcpu_stride;		/* (c) bytes per CPU */
static int		vm_pgcache_max;		/* (c) cache capacity */
static int		vm_pgcache_batch;	/* (c) refill/drain unit */
static _Atomic u_int	vm_wire_cnt;		/* (a) wired pages */
static _Atomic int	vm_min_waiters;		/* (a) threads in vm_wait */
static char		vm_badpages_str[1024];	/* (c) */
static _Atomic int	vm_pqbatch_interval = 200; /* (a) ms, 0: off */
static char		vm_pqbatch_chan;	/* kthread sleeps here */

static const char *const pq_names[PQ_COUNT] = {
	"vm inactive pagequeue", "vm active pagequeue",
	"vm laundry pagequeue", "vm unswappable pagequeue",
};

static inline struct vm_pcpu_dom *
vm_pcpu_dom(int cpu, int domain)
{
	return ((struct vm_pcpu_dom *)(vm_pcpu_base +
	    (size_t)cpu * vm_pcpu_stride) + domain);
}

static void	vm_page_aflag_clear_dequeue(vm_page_t m);
static void	vm_pqbatch_daemon(void *arg);
static sysctl_handler_t sysctl_vm_pqbatch_interval;
static void	vm_page_object_remove(vm_page_t m);
static void	vm_page_busy_release_wake(vm_page_t m, u_int x);
static void	vm_page_release_toq(vm_page_t m, uint8_t nqueue);

/* ---- boot ------------------------------------------------------------ */

void
vm_domain_init_thresholds(struct vm_domain *vmd)
{
	u_int n = vmd->vmd_page_count;

	/* FreeBSD's formulas (vm_pageout_init_domain), scaled to the domain. */
	vmd->vmd_interrupt_free_min = 2;
	vmd->vmd_pageout_free_min = 2 * 65536 / PAGE_SIZE +
	    vmd->vmd_interrupt_free_min;
	vmd->vmd_free_reserved = vmd->vmd_pageout_free_min + n / 768;
	vmd->vmd_free_min = n / 200;
	vmd->vmd_free_severe = vmd->vmd_free_min / 2;
	vmd->vmd_free_target = 4 * vmd->vmd_free_min + vmd->vmd_free_reserved;
	vmd->vmd_free_min += vmd->vmd_free_reserved;
	vmd->vmd_free_severe += vmd->vmd_free_reserved;
	vmd->vmd_inactive_target = vmd->vmd_free_target * 3 / 2;
}

void
vm_pagequeue_init_domain(struct vm_domain *vmd)
{
	struct vm_pagequeue *pq;
	int q;

	for (q = 0; q < PQ_COUNT; q++) {
		pq = &vmd->vmd_pagequeues[q];
		mtx_init(&pq->pq_mutex, pq_names[q], NULL, MTX_DUPOK);
		TAILQ_INIT(&pq->pq_pl);
		atomic_init(&pq->pq_cnt, 0);
		pq->pq_name = pq_names[q];
		pq->pq_index = q;
		pq->pq_pdpages = 0;
	}
	vmd->vmd_pdp = &vm_pdpolicy_default;
	vmd->vmd_pdpolicy = NULL;
}

void
vm_page_startup(void)
{
	struct vm_domain *vmd;
	struct sysctl_oid *vm;
	vm_paddr_t pa;
	u_int nfree;
	int d, oind, counts[VM_NFREEORDER];
	long i;

	atomic_store(&vm_wire_cnt, 0);
	for (i = 0; i < vm_page_array_size; i++)
		if (vm_page_wired(&vm_page_array[i]))
			atomic_fetch_add(&vm_wire_cnt, 1);
	for (d = 0; d < vm_ndomains; d++) {
		vmd = VM_DOMAIN(d);
		vm_pagequeue_init_domain(vmd);
		vm_domain_free_lock(vmd);
		vm_phys_free_census(d, counts);
		vm_domain_free_unlock(vmd);
		nfree = 0;
		for (oind = 0; oind < VM_NFREEORDER; oind++)
			nfree += (u_int)counts[oind] << oind;
		atomic_store(&vmd->vmd_free_count, nfree);
		atomic_store(&vmd->vmd_waiters, 0);
		vm_domain_init_thresholds(vmd);
	}

	/*
	 * Per-CPU caches: small enough that all CPUs' caches together hold
	 * at most ~1/32 of a domain, none at all for tiny domains.
	 */
	vm_pgcache_max = (int)(VM_DOMAIN(0)->vmd_page_count /
	    (u_int)(mp_ncpus * VM_NFREEPOOL * 32));
	if (vm_pgcache_max > VM_PCPU_CACHE_MAX)
		vm_pgcache_max = VM_PCPU_CACHE_MAX;
	if (vm_pgcache_max < 8)
		vm_pgcache_max = 0;
	vm_pgcache_batch = vm_pgcache_max / 4;
	vm_pcpu_stride = roundup2(sizeof(struct vm_pcpu_dom) *
	    (size_t)vm_ndomains, CACHE_LINE_SIZE);
	vm_pcpu_base = pcpu_zalloc(vm_pcpu_stride);

	vm_meter_init();
	vm = sysctl_node_path("vm");
	SYSCTL_ADD_INT(vm, "pgcache_max", CTLFLAG_RD, &vm_pgcache_max,
	    "Capacity of each per-CPU free page cache");
	/* FreeBSD's vm.page_blacklist lists the excluded pages. */
	vm_badpages_str[0] = '\0';
	for (i = 0; i < vm_page_array_size; i++) {
		if ((atomic_load(&vm_page_array[i].flags) & PG_BAD) == 0)
			continue;
		pa = vm_page_array[i].phys_addr;
		size_t len = strlen(vm_badpages_str);
		snprintf(vm_badpages_str + len, sizeof(vm_badpages_str) - len,
		    "%s%#jx", len ? "," : "", (uintmax_t)pa);
	}
	SYSCTL_ADD_STRING(vm, "page_blacklist", CTLFLAG_RD, vm_badpages_str,
	    sizeof(vm_badpages_str), "Physical pages excluded at boot");
	SYSCTL_ADD_PROC(vm, "pqbatch_interval", CTLTYPE_INT | CTLFLAG_RW,
	    NULL, 0, sysctl_vm_pqbatch_interval, "I",
	    "Milliseconds between drains of the page-queue batches (0: off)");
	atomic_store(&vm_pqbatch_interval, 200);
	if (kthread_add(vm_pqbatch_daemon, NULL, &vm_pqbatch_chan, "pqbatch",
	    NULL) != 0)
		panic("%s: cannot start the pqbatch thread", __func__);
}

/*
 * The "pqbatch" kernel thread applies every CPU's page-queue batches
 * periodically, so that queue lengths (and the v_*_count statistics) catch
 * up with batches that do not fill up by themselves.  The page daemon
 * will also drain them before each scan.
 */
static void
vm_pqbatch_daemon(void *arg __unused)
{
	int ms;

	while (!kthread_should_stop()) {
		ms = atomic_load(&vm_pqbatch_interval);
		(void)tsleep(&vm_pqbatch_chan, 0, "pqbatch", ms > 0 ? ms : 1000);
		if (kthread_should_stop())
			break;
		/* Woken by a new interval: 0 means off from now on. */
		if (atomic_load(&vm_pqbatch_interval) > 0)
			vm_page_pqbatch_drain();
	}
}

static int
sysctl_vm_pqbatch_interval(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	int error, val;

	val = atomic_load(&vm_pqbatch_interval);
	error = sysctl_handle_int(oidp, &val, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (val < 0)
		return (EINVAL);
	atomic_store(&vm_pqbatch_interval, val);
	wakeup(&vm_pqbatch_chan);
	return (0);
}

void
vm_page_shutdown(void)
{
	int d, q;

	vm_meter_fini();
	pcpu_free(vm_pcpu_base);
	vm_pcpu_base = NULL;
	for (d = 0; d < vm_ndomains; d++)
		for (q = 0; q < PQ_COUNT; q++)
			mtx_destroy(&VM_DOMAIN(d)->vmd_pagequeues[q].pq_mutex);
}

/* ---- free counts and waiting -------------------------------------- */

/* The free count below which requests of class req are refused. */
static inline u_int
vm_domain_limit(struct vm_domain *vmd, int req)
{
	switch (req & VM_ALLOC_CLASS_MASK) {
	case VM_ALLOC_NORMAL:
		return (vmd->vmd_free_reserved);
	case VM_ALLOC_SYSTEM:
		return (vmd->vmd_interrupt_free_min);
	default:
		return (0);
	}
}

bool
vm_domain_allocate(struct vm_domain *vmd, int req, int npages)
{
	u_int limit, old;

	limit = vm_domain_limit(vmd, req);
	old = atomic_load_explicit(&vmd->vmd_free_count, memory_order_relaxed);
	do {
		if (old < limit + (u_int)npages) {
			pagedaemon_wakeup(vmd->vmd_domain);
			return (false);
		}
	} while (!atomic_compare_exchange_weak(&vmd->vmd_free_count, &old,
	    old - (u_int)npages));
	/* Below v_free_min: the page daemon reclaims up to free_target. */
	if (old - (u_int)npages < vmd->vmd_free_min)
		pagedaemon_wakeup(vmd->vmd_domain);
	return (true);
}

void
vm_domain_freecnt_inc(struct vm_domain *vmd, int npages)
{
	u_int new;

	new = atomic_fetch_add(&vmd->vmd_free_count, (u_int)npages) +
	    (u_int)npages;
	/*
	 * seq_cst on both sides: a waiter publishes itself, then reads the
	 * count; we publish the count, then read the waiters.  One of us
	 * sees the other.
	 */
	if (new >= vmd->vmd_free_min) {
		if (atomic_load(&vmd->vmd_waiters) > 0)
			wakeup(&vmd->vmd_free_count);
		if (atomic_load(&vm_min_waiters) > 0)
			wakeup(&vm_min_waiters);
	}
}

/*
 * Whether domain d can satisfy npages pages of class req and is at or
 * above v_free_min: the condition a waiter sleeps for.
 */
static bool
vm_domain_enough(int d, int req, u_int npages)
{
	struct vm_domain *vmd = VM_DOMAIN(d);
	u_int target;

	target = MAX(vmd->vmd_free_min, vm_domain_limit(vmd, req) + npages);
	return (atomic_load(&vmd->vmd_free_count) >= target);
}

/*
 * Sleep until domain (or, domain -1, any domain) has the free pages for
 * npages pages of class req, and at least v_free_min.
 *
 * A waiter counts itself, then drains every CPU's free-page cache, then
 * checks under the sleep-queue chain lock: frees made before it counted
 * itself are found by the drain, frees made after see the count (see
 * vm_page_free_phys) and wake it through vm_domain_freecnt_inc().  Each
 * wakeup rechecks, so a waiter for many pages sleeps again rather than
 * spinning.
 */
static int
vm_wait_pages(int domain, int req, u_int npages, int timo_ms)
{
	_Atomic int *waiters;
	const void *chan;
	int d, error = 0;

	if (domain >= 0) {
		waiters = &VM_DOMAIN(domain)->vmd_waiters;
		chan = &VM_DOMAIN(domain)->vmd_free_count;
	} else {
		waiters = &vm_min_waiters;
		chan = &vm_min_waiters;
	}
	VM_CNT_INC(v_pgwait);
	atomic_fetch_add(waiters, 1);
	for (;;) {
		vm_page_pcpu_drain();
		sleepq_lock(chan);
		for (d = 0; d < vm_ndomains; d++)
			if ((domain < 0 || d == domain) &&
			    vm_domain_enough(d, req, npages))
				break;
		if (d < vm_ndomains) {
			sleepq_release(chan);
			error = 0;	/* memory came, even if late */
			break;
		}
		if (error != 0) {
			sleepq_release(chan);
			break;
		}
		sleepq_add(chan, "vmwait");
		error = sleepq_wait(chan, timo_ms);
	}
	atomic_fetch_sub(waiters, 1);
	return (error);
}

/* Sleep until the domain has at least v_free_min free pages. */
int
vm_wait_domain(int domain)
{
	vm_wait_pages(domain, VM_ALLOC_INTERRUPT, 0, 0);
	return (0);
}

/* Sleep until some domain has at least v_free_min free pages. */
void
vm_wait(void)
{
	vm_wait_pages(-1, VM_ALLOC_INTERRUPT, 0, 0);
}

/*
 * vm_wait for at most timo_ms: 0 once some domain has v_free_min free
 * pages, EWOULDBLOCK if none came in time (nothing can free memory yet:
 * callers that must not hang for ever give up).
 */
int
vm_wait_timo(int timo_ms)
{
	return (vm_wait_pages(-1, VM_ALLOC_INTERRUPT, 0, timo_ms));
}

u_int
vm_page_count(void)
{
	u_int n = 0;
	int d;

	for (d = 0; d < vm_ndomains; d++)
		n += VM_DOMAIN(d)->vmd_page_count;
	return (n);
}

u_int
vm_wire_count(void)
{
	return (atomic_load(&vm_wire_cnt));
}

/* ---- per-CPU free page caches --------------------------------------- */

#ifdef INVARIANTS
#define	PGCACHE_MARK(m, on) atomic_store_explicit(&(m)->flags, (uint16_t)(on ?	\
	(atomic_load_explicit(&(m)->flags, memory_order_relaxed) | PG_PCPUCACHE) :\
	(atomic_load_explicit(&(m)->flags, memory_order_relaxed) & ~PG_PCPUCACHE)),\
	memory_order_relaxed)
#else
#define	PGCACHE_MARK(m, on)	do { } while (0)
#endif

/* Pages held in every CPU's caches for a domain (a racy sum). */
static u_int
vm_pgcache_count(int domain)
{
	u_int n = 0;
	int cpu, p;

	if (vm_pgcache_max == 0 || vm_pcpu_base == NULL)
		return (0);
	for (cpu = 0; cpu < mp_ncpus; cpu++)
		for (p = 0; p < VM_NFREEPOOL; p++)
			n += (u_int)atomic_load_explicit(
			    &vm_pcpu_dom(cpu, domain)->pd_cache[p].pc_cnt,
			    memory_order_relaxed);
	return (n);
}

u_int
vm_free_count_domain(int domain)
{
	return (atomic_load(&VM_DOMAIN(domain)->vmd_free_count) +
	    vm_pgcache_count(domain));
}

u_int
vm_free_count(void)
{
	u_int n = 0;
	int d;

	for (d = 0; d < vm_ndomains; d++)
		n += vm_free_count_domain(d);
	return (n);
}

/*
 * Refill this CPU's cache with a batch reserved as a VM_ALLOC_NORMAL
 * request, so caches never eat into the reserves, and return one page of
 * it.  NULL if the domain is too low for that.
 */
static vm_page_t
vm_pgcache_refill(int domain, int pool)
{
	struct vm_domain *vmd = VM_DOMAIN(domain);
	struct vm_pgcache *pc;
	vm_page_t m, batch[VM_PCPU_CACHE_MAX];
	int cnt, i, n;

	n = vm_pgcache_batch;
	/* Pages a waiter needs must not go into a cache (see free). */
	if (atomic_load_explicit(&vmd->vmd_waiters, memory_order_relaxed) != 0 ||
	    atomic_load_explicit(&vm_min_waiters, memory_order_relaxed) != 0 ||
	    !vm_domain_allocate(vmd, VM_ALLOC_NORMAL, n))
		return (NULL);
	vm_domain_free_lock(vmd);
	i = vm_phys_alloc_npages(domain, pool, n, batch);
	vm_domain_free_unlock(vmd);
	if (i != n)
		panic("%s: domain %d: %d of %d reserved pages found", __func__,
		    domain, i, n);
	/*
	 * The batch is in ascending physical order.  The cache is a stack:
	 * push it from the top down, so that the pages come out ascending,
	 * as a sequential toucher's accesses go (copying or zeroing page
	 * after page, a descending order defeats the hardware prefetchers
	 * at every page boundary: bench/fault's COW, 5%).
	 */
	m = batch[0];
	critical_enter();
	pc = &vm_pcpu_dom(curcpu_crit(), domain)->pd_cache[pool];
	cnt = atomic_load_explicit(&pc->pc_cnt, memory_order_relaxed);
	for (i = n - 1; i > 0 && cnt < vm_pgcache_max; i--) {
		PGCACHE_MARK(batch[i], 1);
		pc->pc_pages[cnt++] = batch[i];
	}
	atomic_store_explicit(&pc->pc_cnt, cnt, memory_order_relaxed);
	critical_exit();
	if (i > 0) {
		/* Another thread filled the cache meanwhile. */
		vm_domain_free_lock(vmd);
		for (cnt = 1; cnt <= i; cnt++)
			vm_phys_free_pages(batch[cnt], 0);
		vm_domain_free_unlock(vmd);
		vm_domain_freecnt_inc(vmd, i);
	}
	return (m);
}

/*
 * The domain vm_page_alloc takes the page at (object, pindex) from: a
 * simple first-touch-like policy that spreads objects over the domains.
 */
static inline int
vm_page_alloc_policy(vm_object_t object, vm_pindex_t pindex)
{
	if (vm_ndomains == 1)
		return (0);	/* (no division on every fault) */
	return ((int)((((uintptr_t)object >> 6) + pindex) %
	    (uintptr_t)vm_ndomains));
}

/*
 * Start the contents of the page an allocation for (object, pindex) on
 * this CPU would get next (the top of this CPU's cache for its domain) on
 * their way to this CPU's cache.  A fault that zeroes or copies a page
 * pays mostly for the destination's cold lines (each store's read for
 * ownership); called when a fault has filled its page, the fetch overlaps
 * the rest of that fault and the start of the next, and the next fault's
 * page is then written in cache: bench/fault's zero fill and COW, 17-20%
 * (docs/PERFORMANCE.md).  Asked any earlier, the fetch competes with the
 * filling itself.  A hint: the page may go to someone else first, and a
 * prefetch of it is harmless.
 */
void
vm_page_prefetch_next(vm_object_t object, vm_pindex_t pindex)
{
	struct vm_pgcache *pc;
	vm_page_t m = NULL;
	int cnt, domain;

	if (vm_pgcache_max == 0)
		return;
	domain = vm_page_alloc_policy(object, pindex);
	critical_enter();
	pc = &vm_pcpu_dom(curcpu_crit(), domain)->pd_cache[VM_FREEPOOL_DEFAULT];
	cnt = atomic_load_explicit(&pc->pc_cnt, memory_order_relaxed);
	if (cnt > 0)
		m = pc->pc_pages[cnt - 1];
	critical_exit();
	if (m != NULL)
		vm_page_prefetch(m, true);
}

/*
 * Ask for m's contents to be brought into this CPU's cache, to be read or
 * (write) written (a hint the compiler drops unless the target has a
 * prefetch for writing).  m need not be ours: the direct map covers every
 * page, phys_addr never changes, and a prefetch changes nothing.
 */
void
vm_page_prefetch(vm_page_t m, bool write)
{
	const char *p;
	int off;

	p = vm_page_dmap(m);
	/*
	 * A plain loop, which GCC leaves one prefetch an iteration: issued
	 * faster, they helped less (COW with four an iteration 600 ns/page,
	 * with all 64 back to back 640, against 570; bench/fault -c cow).
	 */
	if (write)
		for (off = 0; off < PAGE_SIZE; off += CACHE_LINE_SIZE)
			__builtin_prefetch(p + off, 1, 3);
	else
		for (off = 0; off < PAGE_SIZE; off += CACHE_LINE_SIZE)
			__builtin_prefetch(p + off, 0, 3);
}

/*
 * Take a free page of domain and pool for a request of class req, without
 * sleeping: from this CPU's cache (its pages were reserved when it was
 * filled: no shared cache line is touched), else from the buddy allocator
 * after reserving against the domain's free count.  NULL when the class's
 * threshold forbids it.
 */
static vm_page_t
vm_page_alloc_phys(int domain, int pool, int req)
{
	struct vm_domain *vmd = VM_DOMAIN(domain);
	struct vm_pgcache *pc;
	vm_page_t m;
	int cnt;

	if (vm_pgcache_max > 0) {
		critical_enter();
		pc = &vm_pcpu_dom(curcpu_crit(), domain)->pd_cache[pool];
		cnt = atomic_load_explicit(&pc->pc_cnt, memory_order_relaxed);
		if (__predict_true(cnt > 0)) {
			m = pc->pc_pages[--cnt];
			atomic_store_explicit(&pc->pc_cnt, cnt,
			    memory_order_relaxed);
			critical_exit();
			PGCACHE_MARK(m, 0);
			return (m);
		}
		critical_exit();
		if ((m = vm_pgcache_refill(domain, pool)) != NULL)
			return (m);
	}
	if (!vm_domain_allocate(vmd, req, 1))
		return (NULL);
	vm_domain_free_lock(vmd);
	m = vm_phys_alloc_pages(domain, pool, 0);
	vm_domain_free_unlock(vmd);
	if (m == NULL)
		panic("%s: domain %d: reserved page not found", __func__,
		    domain);
	return (m);
}

/*
 * Give a free page back: to this CPU's cache, spilling a batch to the buddy
 * allocator when it is full; straight to the buddy allocator when someone
 * waits for free pages, so that the wakeup sees them.
 *
 * The waiter check is made inside the critical section: a waiter first
 * counts itself, then drains every CPU's cache, claiming each CPU slot in
 * turn (vm_wait_domain).  A free that runs on a slot before the drain
 * claims it leaves its page where the drain finds it; one that runs after
 * synchronises with the drain through the slot's owner word and sees the
 * waiter.  Either way no page hides from a waiter.
 */
static void
vm_page_free_phys(vm_page_t m)
{
	struct vm_domain *vmd = VM_DOMAIN(m->domain);
	struct vm_pgcache *pc;
	vm_page_t batch[VM_PCPU_CACHE_MAX];
	int cnt, i, n = 0;

	if (vm_pgcache_max > 0) {
		critical_enter();
		if (__predict_true(atomic_load_explicit(&vmd->vmd_waiters,
		    memory_order_relaxed) == 0 && atomic_load_explicit(
		    &vm_min_waiters, memory_order_relaxed) == 0)) {
			PGCACHE_MARK(m, 1);
			pc = &vm_pcpu_dom(curcpu_crit(), m->domain)->pd_cache[m->pool];
			cnt = atomic_load_explicit(&pc->pc_cnt,
			    memory_order_relaxed);
			if (__predict_false(cnt == vm_pgcache_max)) {
				n = vm_pgcache_batch;
				cnt -= n;
				memcpy(batch, &pc->pc_pages[cnt],
				    sizeof(vm_page_t) * (size_t)n);
			}
			pc->pc_pages[cnt++] = m;
			atomic_store_explicit(&pc->pc_cnt, cnt,
			    memory_order_relaxed);
			critical_exit();
			if (__predict_true(n == 0))
				return;
		} else {
			critical_exit();
			batch[n++] = m;
		}
	} else
		batch[n++] = m;
	vm_domain_free_lock(vmd);
	for (i = 0; i < n; i++) {
		PGCACHE_MARK(batch[i], 0);
		vm_phys_free_pages(batch[i], 0);
	}
	vm_domain_free_unlock(vmd);
	vm_domain_freecnt_inc(vmd, n);
}

/*
 * Return every CPU's cached pages to the buddy allocator; returns how many
 * moved.  Needed before giving up on an allocation: the pages a request
 * needs may sit in other CPUs' caches.
 */
u_int
vm_page_pcpu_drain(void)
{
	struct vm_pgcache *pc;
	struct vm_domain *vmd;
	vm_page_t m;
	u_int total = 0;
	int cnt, cpu, d, n, p;

	if (vm_pgcache_max == 0)
		return (0);
	for (d = 0; d < vm_ndomains; d++) {
		vmd = VM_DOMAIN(d);
		n = 0;
		vm_domain_free_lock(vmd);
		for (cpu = 0; cpu < mp_ncpus; cpu++) {
			pcpu_claim_wait(cpu);
			for (p = 0; p < VM_NFREEPOOL; p++) {
				pc = &vm_pcpu_dom(cpu, d)->pd_cache[p];
				cnt = atomic_load_explicit(&pc->pc_cnt,
				    memory_order_relaxed);
				while (cnt > 0) {
					m = pc->pc_pages[--cnt];
					PGCACHE_MARK(m, 0);
					vm_phys_free_pages(m, 0);
					n++;
				}
				atomic_store_explicit(&pc->pc_cnt, 0,
				    memory_order_relaxed);
			}
			pcpu_release(cpu);
		}
		vm_domain_free_unlock(vmd);
		if (n > 0)
			vm_domain_freecnt_inc(vmd, n);
		total += (u_int)n;
	}
	return (total);
}

/* ---- allocation ------------------------------------------------------ */

static void
vm_page_alloc_check(vm_page_t m)
{
	KASSERT(atomic_load(&m->busy_lock) == VPB_FREED,
	    ("%s: page %p busy %#x is not free", __func__, (void *)m,
	    atomic_load(&m->busy_lock)));
	KASSERT(atomic_load(&m->ref_count) == 0,
	    ("%s: free page %p has references %#x", __func__, (void *)m,
	    atomic_load(&m->ref_count)));
	KASSERT(m->object == NULL, ("%s: free page %p has object", __func__,
	    (void *)m));
	KASSERT(vm_page_queue(m) == PQ_NONE,
	    ("%s: free page %p on queue %d", __func__, (void *)m,
	    vm_page_queue(m)));
	KASSERT((atomic_load(&m->flags) & (PG_BAD | PG_PCPUCACHE)) == 0,
	    ("%s: page %p flags %#x", __func__, (void *)m,
	    atomic_load(&m->flags)));
	KASSERT(atomic_load(&m->dirty) == 0, ("%s: free page %p is dirty",
	    __func__, (void *)m));
	(void)m;
}

/*
 * Initialise a freshly allocated page for its new owner.  The page is
 * private to this thread until it is returned, so plain (relaxed) stores
 * suffice: whoever receives it synchronises with us.
 */
static void
vm_page_alloc_init(vm_page_t m, int req, bool managed)
{
	uint16_t flags;
	u_int busy;
	vm_page_astate_t a = { .queue = PQ_NONE };

	vm_page_alloc_check(m);
	flags = atomic_load_explicit(&m->flags, memory_order_relaxed);
	if ((req & VM_ALLOC_ZERO) != 0) {
		/* v_ozfod is the fault's to count, as FreeBSD does */
		if ((flags & PG_ZERO) == 0)
			vm_page_zero(m);
		flags = PG_ZERO;
	} else if ((req & VM_ALLOC_ZERO_HINT) != 0)
		flags &= PG_ZERO;
	else
		flags = 0;
	if ((req & VM_ALLOC_NODUMP) != 0)
		flags |= PG_NODUMP;
	atomic_store_explicit(&m->flags, flags, memory_order_relaxed);
	atomic_store_explicit(&m->astate, a._bits, memory_order_relaxed);
	m->oflags = managed ? 0 : VPO_UNMANAGED;
	m->psind = 0;
	atomic_store_explicit(&m->valid, 0, memory_order_relaxed);
	if ((req & VM_ALLOC_WIRED) != 0) {
		atomic_store_explicit(&m->ref_count, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&vm_wire_cnt, 1,
		    memory_order_relaxed);
	}
	if ((req & VM_ALLOC_SBUSY) != 0)
		busy = VPB_SHARERS_WORD(1);
	else if (managed && (req & VM_ALLOC_NOBUSY) == 0)
		busy = VPB_CURTHREAD_EXCLUSIVE;
	else
		busy = VPB_UNBUSIED;
	atomic_store_explicit(&m->busy_lock, busy, memory_order_relaxed);
}

/*
 * The common failure path of every allocator: drain the per-CPU caches
 * once (they may hold what we need), then fail or sleep as req says.
 * Returns true to retry.
 *
 * => if object is not NULL it is write-locked and is dropped while sleeping.
 */
static bool
vm_page_alloc_fail(struct vm_object *object, int domain, int req,
    u_int npages, bool *drained)
{
	if (!*drained) {
		*drained = true;
		if (vm_page_pcpu_drain() > 0)
			return (true);
	}
	/*
	 * The low-memory event: UMA gives back what its caches hold (its
	 * thread does it: this caller may hold locks) and the page daemon
	 * reclaims pages.
	 */
	uma_lowmem();
	if (domain >= 0)
		pagedaemon_wakeup(domain);
	else
		for (int d = 0; d < vm_ndomains; d++)
			pagedaemon_wakeup(d);
	if ((req & (VM_ALLOC_WAITOK | VM_ALLOC_WAITFAIL)) == 0) {
		VM_CNT_INC(v_pgfail);
		return (false);
	}
	if (object != NULL)
		VM_OBJECT_WUNLOCK(object);
	vm_wait_pages(domain, req, npages, 0);
	if (object != NULL)
		VM_OBJECT_WLOCK(object);
	if ((req & VM_ALLOC_WAITFAIL) != 0) {
		VM_CNT_INC(v_pgfail);
		return (false);
	}
	*drained = false;
	return (true);
}

/*
 * Allocate a page that belongs to no object.  The page is unmanaged (no
 * page queues, no pv entries), unbusied, wired if VM_ALLOC_WIRED, zeroed
 * if VM_ALLOC_ZERO.  It comes from the direct pool: such pages are kernel
 * memory (page tables, slabs).
 */
vm_page_t
vm_page_alloc_noobj_domain(int domain, int req)
{
	vm_page_t m;
	bool drained = false;

	KASSERT(domain >= 0 && domain < vm_ndomains,
	    ("%s: bad domain %d", __func__, domain));
	KASSERT((req & (VM_ALLOC_SBUSY | VM_ALLOC_NOCREAT)) == 0,
	    ("%s: invalid request %#x", __func__, req));
	while ((m = vm_page_alloc_phys(domain, VM_FREEPOOL_DIRECT, req)) ==
	    NULL)
		if (!vm_page_alloc_fail(NULL, domain, req, 1, &drained))
			return (NULL);
	vm_page_alloc_init(m, req | VM_ALLOC_NOBUSY, false);
	return (m);
}

/*
 * Allocate from any domain, round robin per thread, then wait for any
 * domain if the request may sleep.
 */
vm_page_t
vm_page_alloc_noobj(int req)
{
	static _Thread_local u_int rr;
	vm_page_t m;
	int d, i;
	bool drained = false;

	if (vm_ndomains == 1)
		return (vm_page_alloc_noobj_domain(0, req));
	for (;;) {
		for (i = 0; i < vm_ndomains; i++) {
			d = (int)(rr++ % (u_int)vm_ndomains);
			m = vm_page_alloc_phys(d, VM_FREEPOOL_DIRECT, req);
			if (m != NULL) {
				vm_page_alloc_init(m, req | VM_ALLOC_NOBUSY,
				    false);
				return (m);
			}
		}
		if (!vm_page_alloc_fail(NULL, -1, req, 1, &drained))
			return (NULL);
	}
}

vm_page_t
vm_page_alloc_noobj_contig_domain(int domain, int req, u_long npages,
    vm_paddr_t low, vm_paddr_t high, u_long alignment, vm_paddr_t boundary)
{
	struct vm_domain *vmd = VM_DOMAIN(domain);
	vm_page_t m;
	u_long i;
	bool drained = false;

	if (npages == 0 || npages > vmd->vmd_page_count ||
	    !powerof2(alignment) || alignment < PAGE_SIZE ||
	    (boundary != 0 && !powerof2(boundary)))
		return (NULL);
	for (;;) {
		if (vm_domain_allocate(vmd, req, (int)npages)) {
			vm_domain_free_lock(vmd);
			m = vm_phys_alloc_contig(domain, npages, low, high,
			    alignment, boundary);
			vm_domain_free_unlock(vmd);
			if (m != NULL)
				break;
			vm_domain_freecnt_inc(vmd, (int)npages);
			/*
			 * Enough pages are free but not in one suitable run.
			 * Cached pages may break the runs; beyond that only
			 * laundering (the page daemon) could help.
			 */
			if (drained || vm_page_pcpu_drain() == 0) {
				VM_CNT_INC(v_pgfail);
				return (NULL);
			}
			drained = true;
			continue;
		}
		if (!vm_page_alloc_fail(NULL, domain, req, (u_int)npages,
		    &drained))
			return (NULL);
	}
	for (i = 0; i < npages; i++)
		vm_page_alloc_init(&m[i], req | VM_ALLOC_NOBUSY, false);
	return (m);
}

vm_page_t
vm_page_alloc_noobj_contig(int req, u_long npages, vm_paddr_t low,
    vm_paddr_t high, u_long alignment, vm_paddr_t boundary)
{
	vm_page_t m;
	int d, nshort;

	for (;;) {
		nshort = 0;
		for (d = 0; d < vm_ndomains; d++) {
			m = vm_page_alloc_noobj_contig_domain(d, req &
			    ~(VM_ALLOC_WAITOK | VM_ALLOC_WAITFAIL), npages, low,
			    high, alignment, boundary);
			if (m != NULL)
				return (m);
			if (npages <= VM_DOMAIN(d)->vmd_page_count &&
			    !vm_domain_enough(d, req, (u_int)npages))
				nshort++;
		}
		/*
		 * Sleep only when every domain lacks the free pages, and then
		 * for whichever domain gets them first.  A run that does not
		 * fit although the pages are free is not worth waiting for.
		 */
		if ((req & (VM_ALLOC_WAITOK | VM_ALLOC_WAITFAIL)) == 0 ||
		    nshort < vm_ndomains)
			return (NULL);
		vm_wait_pages(-1, req, (u_int)npages, 0);
		if ((req & VM_ALLOC_WAITFAIL) != 0)
			return (NULL);
	}
}

/* ---- freeing --------------------------------------------------------- */

static void
vm_page_free_prep(vm_page_t m, bool zeroed)
{
	u_int busy;

	KASSERT(vm_page_wired(m) == 0, ("%s: freeing wired page %p (%u)",
	    __func__, (void *)m, vm_page_wired(m)));
	if (m->object != NULL) {
		/* Freeing a page still in its object removes it first. */
		vm_page_assert_xbusied(m);
		vm_page_object_remove(m);
		atomic_fetch_and(&m->ref_count, ~VPRC_OBJREF);
	}
	KASSERT(atomic_load(&m->ref_count) == 0, ("%s: page %p still has "
	    "references %#x", __func__, (void *)m, atomic_load(&m->ref_count)));
	KASSERT((atomic_load(&m->flags) & (PG_BAD | PG_PCPUCACHE |
	    PG_FICTITIOUS)) == 0, ("%s: page %p flags %#x", __func__,
	    (void *)m, atomic_load(&m->flags)));
	busy = atomic_load_explicit(&m->busy_lock, memory_order_relaxed);
	if (__predict_false(busy == VPB_FREED))
		panic("%s: page %p freed twice", __func__, (void *)m);
	KASSERT(busy == VPB_UNBUSIED || (busy & ~VPB_BIT_WAITERS) ==
	    VPB_CURTHREAD_EXCLUSIVE, ("%s: page %p busy %#x", __func__,
	    (void *)m, busy));
	if (vm_page_queue(m) != PQ_NONE)
		vm_page_dequeue(m);
	/*
	 * An unbusied page has no sleepers and cannot get any (a sleeper
	 * sets the waiters bit only on a busied word), so a store will do.
	 * A page we hold busy may gain a sleeper at any time, even after the
	 * word was read above (vm_page_busy_sleep runs without the object
	 * lock): swap, and wake what the swap found.  The sleeper set the bit
	 * under the page's sleep-queue chain, which wakeup() takes, so it is
	 * woken whether or not it sleeps yet.
	 */
	if (busy == VPB_UNBUSIED)
		atomic_store_explicit(&m->busy_lock, VPB_FREED,
		    memory_order_relaxed);
	else {
		busy = atomic_exchange_explicit(&m->busy_lock, VPB_FREED,
		    memory_order_release);
		if (__predict_false((busy & VPB_BIT_WAITERS) != 0))
			wakeup(m);
	}
	atomic_store_explicit(&m->valid, 0, memory_order_relaxed);
	atomic_store_explicit(&m->dirty, 0, memory_order_relaxed);
	atomic_store_explicit(&m->ref_count, 0, memory_order_relaxed);
	m->oflags = 0;
	atomic_store_explicit(&m->flags, zeroed ? PG_ZERO : 0,
	    memory_order_relaxed);
	VM_CNT_INC(v_tfree);
}

void
vm_page_free(vm_page_t m)
{
	vm_page_free_prep(m, false);
	vm_page_free_phys(m);
}

void
vm_page_free_zero(vm_page_t m)
{
#ifdef INVARIANTS
	const uint64_t *p = vm_page_dmap(m);
	size_t i;

	for (i = 0; i < PAGE_SIZE / sizeof(*p); i++)
		KASSERT(p[i] == 0, ("%s: page %p is not zero at %zu",
		    __func__, (void *)m, i * sizeof(*p)));
#endif
	vm_page_free_prep(m, true);
	vm_page_free_phys(m);
}

/* ---- contents ------------------------------------------------------- */

void *
vm_page_dmap(vm_page_t m)
{
	return (PHYS_TO_DMAP(m->phys_addr));
}

void
vm_page_zero(vm_page_t m)
{
	memset(vm_page_dmap(m), 0, PAGE_SIZE);
}

/* ---- flags ----------------------------------------------------------- */

void
vm_page_aflag_set(vm_page_t m, uint16_t bits)
{
	vm_page_astate_t old, new;

	KASSERT((bits & PGA_QUEUE_STATE_MASK) == 0 || bits == PGA_DEQUEUE,
	    ("%s: queue state bits %#x", __func__, bits));
	old = vm_page_astate_load(m);
	do {
		new = old;
		new.flags |= bits;
	} while (!atomic_compare_exchange_weak(&m->astate, &old._bits,
	    new._bits));
}

void
vm_page_aflag_clear(vm_page_t m, uint16_t bits)
{
	vm_page_astate_t old, new;

	KASSERT((bits & PGA_QUEUE_STATE_MASK) == 0,
	    ("%s: queue state bits %#x", __func__, bits));
	old = vm_page_astate_load(m);
	do {
		new = old;
		new.flags &= (uint16_t)~bits;
	} while (!atomic_compare_exchange_weak(&m->astate, &old._bits,
	    new._bits));
}

/* ---- the busy lock ---------------------------------------------------- */

bool
vm_page_tryxbusy(vm_page_t m)
{
	u_int x = VPB_UNBUSIED;

	return (atomic_compare_exchange_strong_explicit(&m->busy_lock, &x,
	    VPB_CURTHREAD_EXCLUSIVE, memory_order_acquire,
	    memory_order_relaxed));
}

bool
vm_page_trysbusy(vm_page_t m)
{
	u_int x;

	x = atomic_load_explicit(&m->busy_lock, memory_order_relaxed);
	for (;;) {
		if ((x & VPB_BIT_SHARED) == 0)
			return (false);
		if (atomic_compare_exchange_weak_explicit(&m->busy_lock, &x,
		    x + VPB_ONE_SHARER, memory_order_acquire,
		    memory_order_relaxed))
			return (true);
	}
}

bool
vm_page_busy_tryupgrade(vm_page_t m)
{
	u_int x;

	x = atomic_load_explicit(&m->busy_lock, memory_order_relaxed);
	for (;;) {
		if (VPB_SHARERS(x) != 1 || (x & VPB_BIT_SHARED) == 0)
			return (false);
		if (atomic_compare_exchange_weak_explicit(&m->busy_lock, &x,
		    VPB_CURTHREAD_EXCLUSIVE | (x & VPB_BIT_WAITERS),
		    memory_order_acquire, memory_order_relaxed))
			return (true);
	}
}

/* Store a new busy word and wake the page's sleepers. */
static void
vm_page_busy_release_wake(vm_page_t m, u_int x)
{
	sleepq_lock(m);
	atomic_store_explicit(&m->busy_lock, x, memory_order_release);
	sleepq_broadcast(m);
	sleepq_release(m);
}

void
vm_page_xunbusy(vm_page_t m)
{
	u_int x = VPB_CURTHREAD_EXCLUSIVE;

	if (atomic_compare_exchange_strong_explicit(&m->busy_lock, &x,
	    VPB_UNBUSIED, memory_order_release, memory_order_relaxed))
		return;
	if ((x & ~VPB_BIT_WAITERS) != VPB_CURTHREAD_EXCLUSIVE)
		panic("%s: page %p busy %#x not exclusively busied by "
		    "thread %d", __func__, (void *)m, x, curthread->td_tid);
	vm_page_busy_release_wake(m, VPB_UNBUSIED);
}

/* Release an exclusive busy taken by another thread (I/O completion). */
void
vm_page_xunbusy_unchecked(vm_page_t m)
{
	u_int x;

	x = atomic_load_explicit(&m->busy_lock, memory_order_relaxed);
	KASSERT((x & VPB_BIT_EXCLUSIVE) != 0 && x != VPB_FREED,
	    ("%s: page %p not xbusied (%#x)", __func__, (void *)m, x));
	if ((x & VPB_BIT_WAITERS) == 0 &&
	    atomic_compare_exchange_strong_explicit(&m->busy_lock, &x,
	    VPB_UNBUSIED, memory_order_release, memory_order_relaxed))
		return;
	vm_page_busy_release_wake(m, VPB_UNBUSIED);
}

/*
 * Take over the exclusive busy another thread holds (FreeBSD's
 * vm_page_xbusy_claim).  The swap pager's I/O threads finish the writes
 * the laundry started: from the claim on the page is theirs to unbusy or
 * free with the checked operations.  The waiters bit is kept, so a
 * sleeper queued meanwhile is woken by the new owner's release.
 */
void
vm_page_xbusy_claim(vm_page_t m)
{
	u_int x;

	x = atomic_load_explicit(&m->busy_lock, memory_order_relaxed);
	do {
		KASSERT((x & VPB_BIT_EXCLUSIVE) != 0 && x != VPB_FREED,
		    ("%s: page %p not xbusied (%#x)", __func__, (void *)m, x));
	} while (!atomic_compare_exchange_weak_explicit(&m->busy_lock, &x,
	    VPB_CURTHREAD_EXCLUSIVE | (x & VPB_BIT_WAITERS),
	    memory_order_acquire, memory_order_relaxed));
}

void
vm_page_sunbusy(vm_page_t m)
{
	u_int x;

	x = atomic_load_explicit(&m->busy_lock, memory_order_relaxed);
	for (;;) {
		if ((x & VPB_BIT_SHARED) == 0 || VPB_SHARERS(x) == 0)
			panic("%s: page %p busy %#x not share-busied",
			    __func__, (void *)m, x);
		if (VPB_SHARERS(x) > 1) {
			if (atomic_compare_exchange_weak_explicit(
			    &m->busy_lock, &x, x - VPB_ONE_SHARER,
			    memory_order_release, memory_order_relaxed))
				return;
			continue;
		}
		if ((x & VPB_BIT_WAITERS) == 0) {
			if (atomic_compare_exchange_weak_explicit(
			    &m->busy_lock, &x, VPB_UNBUSIED,
			    memory_order_release, memory_order_relaxed))
				return;
			continue;
		}
		/* Last sharer with sleepers: wake them under the chain. */
		sleepq_lock(m);
		if (atomic_compare_exchange_strong_explicit(&m->busy_lock, &x,
		    VPB_UNBUSIED, memory_order_release, memory_order_relaxed)) {
			sleepq_broadcast(m);
			sleepq_release(m);
			return;
		}
		sleepq_release(m);
	}
}

void
vm_page_busy_downgrade(vm_page_t m)
{
	u_int x;

	x = atomic_load_explicit(&m->busy_lock, memory_order_relaxed);
	if ((x & ~VPB_BIT_WAITERS) != VPB_CURTHREAD_EXCLUSIVE)
		panic("%s: page %p busy %#x not exclusively busied by us",
		    __func__, (void *)m, x);
	if ((x & VPB_BIT_WAITERS) == 0 &&
	    atomic_compare_exchange_strong_explicit(&m->busy_lock, &x,
	    VPB_SHARERS_WORD(1), memory_order_release, memory_order_relaxed))
		return;
	/* Sleepers wanting a shared busy may now proceed. */
	vm_page_busy_release_wake(m, VPB_SHARERS_WORD(1));
}

/*
 * Sleep until the page's busy state changes.  With VM_ALLOC_SBUSY, a page
 * that is only share-busied is no reason to sleep.  Returns false without
 * sleeping when the state already allows the caller in.
 *
 * => if the caller holds the write lock of the page's object, it is
 *    released first and not reacquired (FreeBSD's contract): the caller
 *    relocks and looks the page up again, since it may be gone.  A caller
 *    without that lock must keep the page's object alive otherwise (a
 *    reference), since m->object is read to find the lock.
 */
bool
vm_page_busy_sleep(vm_page_t m, const char *wmesg, int allocflags)
{
	vm_object_t obj = m->object;
	u_int x;

	if (obj != NULL && VM_OBJECT_WOWNED(obj))
		VM_OBJECT_WUNLOCK(obj);
	sleepq_lock(m);
	x = atomic_load_explicit(&m->busy_lock, memory_order_relaxed);
	for (;;) {
		if (x == VPB_UNBUSIED || x == VPB_FREED ||
		    ((allocflags & VM_ALLOC_SBUSY) != 0 &&
		    (x & VPB_BIT_SHARED) != 0)) {
			sleepq_release(m);
			return (false);
		}
		if ((x & VPB_BIT_WAITERS) != 0 ||
		    atomic_compare_exchange_weak_explicit(&m->busy_lock, &x,
		    x | VPB_BIT_WAITERS, memory_order_relaxed,
		    memory_order_relaxed))
			break;
	}
	VM_CNT_INC(v_intrans);
	sleepq_add(m, wmesg);
	sleepq_wait(m, 0);
	return (true);
}

/*
 * Busy the page, exclusively or (VM_ALLOC_SBUSY) shared.  Sleeps unless
 * VM_ALLOC_NOWAIT; with VM_ALLOC_WAITFAIL fails after one sleep.
 */
bool
vm_page_busy_acquire(vm_page_t m, int allocflags)
{
	vm_object_t obj = m->object;
	bool locked = obj != NULL && VM_OBJECT_WOWNED(obj), slept;

	for (;;) {
		if ((allocflags & VM_ALLOC_SBUSY) != 0 ? vm_page_trysbusy(m) :
		    vm_page_tryxbusy(m))
			return (true);
		if ((allocflags & VM_ALLOC_NOWAIT) != 0)
			return (false);
		slept = vm_page_busy_sleep(m, "vmpba", allocflags);
		/* The sleep dropped the object lock: retake it, as FreeBSD. */
		if (locked)
			VM_OBJECT_WLOCK(obj);
		if (m->object != obj)
			return (false);		/* freed or moved meanwhile */
		if (slept && (allocflags & VM_ALLOC_WAITFAIL) != 0)
			return (false);
	}
}

void
vm_page_assert_xbusied(vm_page_t m)
{
	u_int x = atomic_load(&m->busy_lock);

	if ((x & ~VPB_BIT_WAITERS) != VPB_CURTHREAD_EXCLUSIVE)
		panic("page %p busy %#x not exclusively busied by thread %d",
		    (void *)m, x, curthread->td_tid);
}

void
vm_page_assert_sbusied(vm_page_t m)
{
	if (!vm_page_sbusied(m))
		panic("page %p busy %#x not share-busied", (void *)m,
		    atomic_load(&m->busy_lock));
}

void
vm_page_assert_unbusied(vm_page_t m)
{
	if (atomic_load(&m->busy_lock) != VPB_UNBUSIED)
		panic("page %p busy %#x is busied", (void *)m,
		    atomic_load(&m->busy_lock));
}

/* ---- references and wiring ------------------------------------------- */

static inline bool
vm_page_managed(vm_page_t m)
{
	return ((m->oflags & VPO_UNMANAGED) == 0);
}

/*
 * A page's first wiring takes it off the paging queues.  FreeBSD only flags
 * it (PGA_DEQUEUE) and lets the page daemon unlink it when a scan meets it;
 * libvm also queues the request on the CPU's batch, so the page is gone from
 * the queue counts at the next batch drain rather than at the next scan.
 */
static void
vm_page_wire_first(vm_page_t m)
{
	if (vm_page_managed(m) && vm_page_queue(m) != PQ_NONE)
		vm_page_dequeue_deferred(m);
	atomic_fetch_add(&vm_wire_cnt, 1);
}

/*
 * Wire the page.  The caller must keep the page from being freed while we
 * do: it holds the object lock, the busy lock or an existing wiring.
 */
void
vm_page_wire(vm_page_t m)
{
	u_int old;

	KASSERT(atomic_load(&m->busy_lock) != VPB_FREED,
	    ("%s: page %p is free", __func__, (void *)m));
	old = atomic_fetch_add(&m->ref_count, 1);
	KASSERT(VPRC_WIRE_COUNT(old) != VPRC_WIRE_COUNT_MAX,
	    ("%s: page %p wire count overflow", __func__, (void *)m));
	if (VPRC_WIRE_COUNT(old) == 0)
		vm_page_wire_first(m);
}

/*
 * Wire a page found through a mapping without the object or busy lock
 * (pmap_extract_and_hold).  Fails if the mappings are being torn down,
 * in which case the caller falls back to the fault handler (seed 003).
 */
bool
vm_page_wire_mapped(vm_page_t m)
{
	u_int old;

	old = atomic_load(&m->ref_count);
	do {
		KASSERT(old > 0, ("%s: page %p has no references", __func__,
		    (void *)m));
		if ((old & VPRC_BLOCKED) != 0)
			return (false);
	} while (!atomic_compare_exchange_weak(&m->ref_count, &old, old + 1));
	if (VPRC_WIRE_COUNT(old) == 0)
		vm_page_wire_first(m);
	return (true);
}

bool
vm_page_block_refs(vm_page_t m)
{
	u_int old;

	old = atomic_fetch_or(&m->ref_count, VPRC_BLOCKED);
	return ((old & VPRC_BLOCKED) == 0);
}

void
vm_page_unblock_refs(vm_page_t m)
{
	u_int old;

	old = atomic_fetch_and(&m->ref_count, ~VPRC_BLOCKED);
	KASSERT((old & VPRC_BLOCKED) != 0, ("%s: page %p refs not blocked",
	    __func__, (void *)m));
	(void)old;
}

/*
 * Release one wiring and return whether it was the last.  The caller
 * decides what becomes of the page (free it, queue it); no queue operation
 * is done here.
 */
bool
vm_page_unwire_noq(vm_page_t m)
{
	u_int old;

	old = atomic_fetch_sub(&m->ref_count, 1);
	if (VPRC_WIRE_COUNT(old) == 0)
		panic("%s: page %p is not wired (ref_count %#x)", __func__,
		    (void *)m, old);
	if (VPRC_WIRE_COUNT(old) > 1)
		return (false);
	if (vm_page_managed(m))
		vm_page_aflag_clear_dequeue(m);
	atomic_fetch_sub(&vm_wire_cnt, 1);
	return (true);
}

/*
 * Release one wiring.  When it was the last one, a managed page that still
 * belongs to an object goes to queue nqueue (so the page daemon can find
 * it) before the wiring is dropped; a page that nothing references any
 * more is freed.
 */
void
vm_page_unwire(vm_page_t m, int nqueue)
{
	u_int old;

	KASSERT(nqueue < PQ_COUNT, ("%s: bad queue %d", __func__, nqueue));
	old = atomic_load(&m->ref_count);
	do {
		if (VPRC_WIRE_COUNT(old) == 0)
			panic("%s: page %p is not wired (ref_count %#x)",
			    __func__, (void *)m, old);
		if (VPRC_WIRE_COUNT(old) == 1 && vm_page_managed(m) &&
		    (old & VPRC_OBJREF) != 0) {
			/* Queue it before dropping the last wiring. */
			vm_page_release_toq(m, (uint8_t)nqueue);
		}
	} while (!atomic_compare_exchange_weak(&m->ref_count, &old, old - 1));
	if (VPRC_WIRE_COUNT(old) == 1) {
		atomic_fetch_sub(&vm_wire_cnt, 1);
		if (old == 1)
			vm_page_free(m);
	}
}

/* ---- page queues ---------------------------------------------------- */

struct vm_pagequeue *
vm_page_pagequeue(vm_page_t m)
{
	uint8_t queue = vm_page_queue(m);

	if (queue == PQ_NONE)
		return (NULL);
	return (&VM_DOMAIN(m->domain)->vmd_pagequeues[queue]);
}

u_int
vm_pagequeue_count(int queue)
{
	u_int n = 0;
	int d;

	for (d = 0; d < vm_ndomains; d++)
		n += atomic_load_explicit(
		    &VM_DOMAIN(d)->vmd_pagequeues[queue].pq_cnt,
		    memory_order_relaxed);
	return (n);
}

static inline void
vm_pagequeue_cnt_add(struct vm_pagequeue *pq, int n)
{
	vm_pagequeue_assert_locked(pq);
	atomic_store_explicit(&pq->pq_cnt, atomic_load_explicit(&pq->pq_cnt,
	    memory_order_relaxed) + (u_int)n, memory_order_relaxed);
}

static void
vm_page_aflag_clear_dequeue(vm_page_t m)
{
	vm_page_astate_t old, new;

	old = vm_page_astate_load(m);
	do {
		if ((old.flags & PGA_DEQUEUE) == 0)
			return;
		new = old;
		new.flags &= (uint16_t)~PGA_DEQUEUE;
		/* Still (or again) on a queue list: nothing else to do. */
	} while (!atomic_compare_exchange_weak(&m->astate, &old._bits,
	    new._bits));
}

/*
 * Apply the pending request of one page to queue pq.  A request is acted on
 * only if the page still names this queue; a page that moved on since it
 * was batched is left to the batch of its new queue.
 *
 * The links rule: PGA_ENQUEUED is set, under the queue lock, before the
 * page is linked, and cleared, under the queue lock, only after it has been
 * unlinked.  While the bit is set nobody changes the page's queue without
 * that lock, so no two threads ever work on the page's links at once.
 */
static void
vm_pqbatch_process_page(struct vm_pagequeue *pq, vm_page_t m, uint8_t queue)
{
	vm_page_astate_t old, new;

	vm_pagequeue_assert_locked(pq);
	old = vm_page_astate_load(m);
	for (;;) {
		if (old.queue != queue ||
		    (old.flags & PGA_QUEUE_OP_MASK) == 0)
			return;
		if ((old.flags & PGA_DEQUEUE) != 0 &&
		    (old.flags & PGA_ENQUEUED) != 0) {
			/* Unlink first, then publish. */
			TAILQ_REMOVE(&pq->pq_pl, m, plinks.q);
			for (;;) {
				if ((old.flags & PGA_DEQUEUE) == 0) {
					/* The dequeue was cancelled meanwhile. */
					TAILQ_INSERT_TAIL(&pq->pq_pl, m,
					    plinks.q);
					return;
				}
				new = old;
				new.flags &= (uint16_t)~PGA_QUEUE_STATE_MASK;
				/* The policy's status is its clock's. */
				if (queue == PQ_ACTIVE)
					new.flags &= (uint16_t)~PGA_POLICY_MASK;
				new.queue = PQ_NONE;
				if (atomic_compare_exchange_weak(&m->astate,
				    &old._bits, new._bits))
					break;
			}
			vm_pagequeue_cnt_add(pq, -1);
			pq->pq_pdpages++;
			if (queue == PQ_ACTIVE)
				vm_pdpolicy_dequeued(VM_DOMAIN(m->domain), m,
				    old.flags);
			return;
		}
		new = old;
		if ((old.flags & PGA_DEQUEUE) != 0) {
			/* Not linked: just forget the queue. */
			new.flags &= (uint16_t)~PGA_QUEUE_STATE_MASK;
			new.queue = PQ_NONE;
		} else {
			new.flags &= (uint16_t)~(PGA_REQUEUE |
			    PGA_REQUEUE_HEAD);
			new.flags |= PGA_ENQUEUED;
		}
		if (atomic_compare_exchange_weak(&m->astate, &old._bits,
		    new._bits))
			break;
	}
	if ((new.flags & PGA_ENQUEUED) != 0) {
		/* Publish, then link (or move to the tail). */
		if ((old.flags & PGA_ENQUEUED) != 0)
			TAILQ_REMOVE(&pq->pq_pl, m, plinks.q);
		else
			vm_pagequeue_cnt_add(pq, 1);
		if ((old.flags & PGA_REQUEUE_HEAD) != 0)
			TAILQ_INSERT_HEAD(&pq->pq_pl, m, plinks.q);
		else
			TAILQ_INSERT_TAIL(&pq->pq_pl, m, plinks.q);
		if (queue == PQ_ACTIVE && (old.flags & PGA_ENQUEUED) == 0)
			vm_pdpolicy_enqueued(VM_DOMAIN(m->domain), m);
	}
	pq->pq_pdpages++;
}

void
vm_pagequeue_remove_locked(struct vm_pagequeue *pq, vm_page_t m)
{
	vm_page_astate_t old, new;

	vm_pagequeue_assert_locked(pq);
	old = vm_page_astate_load(m);
	KASSERT(old.queue == pq->pq_index && (old.flags & PGA_ENQUEUED) != 0,
	    ("%s: page %p is not on %s", __func__, (void *)m, pq->pq_name));
	TAILQ_REMOVE(&pq->pq_pl, m, plinks.q);
	do {
		new = old;
		new.flags &= (uint16_t)~PGA_QUEUE_STATE_MASK;
		if (pq->pq_index == PQ_ACTIVE)
			new.flags &= (uint16_t)~PGA_POLICY_MASK;
		new.queue = PQ_NONE;
	} while (!atomic_compare_exchange_weak(&m->astate, &old._bits,
	    new._bits));
	vm_pagequeue_cnt_add(pq, -1);
	pq->pq_pdpages++;
	if (pq->pq_index == PQ_ACTIVE)
		vm_pdpolicy_dequeued(VM_DOMAIN(m->domain), m, old.flags);
}

static void
vm_pqbatch_process(struct vm_pagequeue *pq, struct vm_batchqueue *bq,
    uint8_t queue)
{
	int i, n = atomic_load_explicit(&bq->bq_cnt, memory_order_relaxed);

	for (i = 0; i < n; i++)
		vm_pqbatch_process_page(pq, bq->bq_pa[i], queue);
	atomic_store_explicit(&bq->bq_cnt, 0, memory_order_relaxed);
}

/*
 * Queue m's pending request on this CPU's batch for (domain, queue).  A
 * full batch is applied under the page queue lock, taken before the
 * critical section (lock order: page queue, then CPU).
 */
static void
vm_pqbatch_submit_page(vm_page_t m, uint8_t queue)
{
	struct vm_batchqueue *bq;
	struct vm_pagequeue *pq;
	int domain = m->domain, n;

	KASSERT(queue < PQ_COUNT, ("%s: bad queue %d", __func__, queue));
	if (__predict_false(VM_DOMAIN(domain)->vmd_sim)) {
		/* A simulator's pages move at once: it is one thread. */
		pq = &VM_DOMAIN(domain)->vmd_pagequeues[queue];
		vm_pagequeue_lock(pq);
		vm_pqbatch_process_page(pq, m, queue);
		vm_pagequeue_unlock(pq);
		return;
	}
	critical_enter();
	bq = &vm_pcpu_dom(curcpu_crit(), domain)->pd_bq[queue];
	n = atomic_load_explicit(&bq->bq_cnt, memory_order_relaxed);
	if (n < VM_BATCHQUEUE_SIZE) {
		bq->bq_pa[n] = m;
		atomic_store_explicit(&bq->bq_cnt, n + 1,
		    memory_order_relaxed);
		critical_exit();
		return;
	}
	critical_exit();
	pq = &VM_DOMAIN(domain)->vmd_pagequeues[queue];
	vm_pagequeue_lock(pq);
	critical_enter();
	bq = &vm_pcpu_dom(curcpu_crit(), domain)->pd_bq[queue];
	vm_pqbatch_process(pq, bq, queue);
	vm_pqbatch_process_page(pq, m, queue);
	critical_exit();
	vm_pagequeue_unlock(pq);
}

/*
 * Apply every CPU's pending batches.  A batch seen empty is not claimed:
 * claiming a CPU slot another thread holds by bias costs a membarrier(2)
 * (an IPI to every CPU), and the page daemon drains at every pass.  A
 * page batched just after the look waits for the next drain or flush,
 * as one batched just after the claim would.
 */
void
vm_page_pqbatch_drain(void)
{
	struct vm_pagequeue *pq;
	int cpu, d, q;

	for (d = 0; d < vm_ndomains; d++)
		for (q = 0; q < PQ_COUNT; q++) {
			pq = &VM_DOMAIN(d)->vmd_pagequeues[q];
			vm_pagequeue_lock(pq);
			for (cpu = 0; cpu < mp_ncpus; cpu++) {
				if (atomic_load_explicit(&vm_pcpu_dom(cpu,
				    d)->pd_bq[q].bq_cnt,
				    memory_order_relaxed) == 0)
					continue;
				pcpu_claim_wait(cpu);
				vm_pqbatch_process(pq,
				    &vm_pcpu_dom(cpu, d)->pd_bq[q], (uint8_t)q);
				pcpu_release(cpu);
			}
			vm_pagequeue_unlock(pq);
		}
}

/*
 * Move m to queue nqueue (PQ_NONE: off every queue), with pgaflag
 * (PGA_REQUEUE or PGA_REQUEUE_HEAD) as the request for the new queue.
 * If the page is physically on another queue's list it is unlinked now,
 * under that queue's lock; the insertion is batched.
 */
void
vm_page_mvqueue(vm_page_t m, uint8_t nqueue, uint16_t pgaflag)
{
	vm_page_astate_t old, new;
	struct vm_pagequeue *pq;

	KASSERT(vm_page_managed(m), ("%s: page %p is unmanaged", __func__,
	    (void *)m));
	KASSERT(nqueue < PQ_COUNT || nqueue == PQ_NONE,
	    ("%s: bad queue %d", __func__, nqueue));
	for (;;) {
		old = vm_page_astate_load(m);
		if (old.queue == nqueue && nqueue != PQ_NONE &&
		    (old.flags & PGA_DEQUEUE) == 0) {
			/*
			 * Already there or on its way.  As in FreeBSD, an
			 * active page stays put (its activity count says it
			 * was used); on other queues the page moves to the
			 * tail, or to the head for deactivate_noreuse.
			 */
			if (nqueue == PQ_ACTIVE || (old.flags &
			    (PGA_REQUEUE | PGA_REQUEUE_HEAD)) == pgaflag)
				return;
			/* The later request replaces a pending one. */
			new = old;
			new.flags &= (uint16_t)~(PGA_REQUEUE | PGA_REQUEUE_HEAD);
			new.flags |= pgaflag;
			if (!atomic_compare_exchange_strong(&m->astate,
			    &old._bits, new._bits))
				continue;
			vm_pqbatch_submit_page(m, nqueue);
			return;
		}
		new = old;
		new.queue = nqueue;
		new.flags &= (uint16_t)~PGA_QUEUE_STATE_MASK;
		if (nqueue != PQ_NONE)
			new.flags |= pgaflag;
		if (old.queue == nqueue && (old.flags & PGA_ENQUEUED) != 0) {
			/* Cancel a pending dequeue; the page stays put. */
			new.flags = (uint16_t)((old.flags & ~PGA_DEQUEUE));
			if (atomic_compare_exchange_strong(&m->astate,
			    &old._bits, new._bits))
				return;
			continue;
		}
		if (old.queue != PQ_NONE && (old.flags & PGA_ENQUEUED) != 0) {
			pq = &VM_DOMAIN(m->domain)->vmd_pagequeues[old.queue];
			vm_pagequeue_lock(pq);
			old = vm_page_astate_load(m);
			if (old.queue != pq->pq_index ||
			    (old.flags & PGA_ENQUEUED) == 0) {
				vm_pagequeue_unlock(pq);
				continue;
			}
			/* Unlink first, then publish (see the links rule). */
			TAILQ_REMOVE(&pq->pq_pl, m, plinks.q);
			vm_pagequeue_cnt_add(pq, -1);
			do {
				new = old;
				new.queue = nqueue;
				new.flags &= (uint16_t)~PGA_QUEUE_STATE_MASK;
				if (pq->pq_index == PQ_ACTIVE)
					new.flags &= (uint16_t)~PGA_POLICY_MASK;
				if (nqueue != PQ_NONE)
					new.flags |= pgaflag;
			} while (!atomic_compare_exchange_weak(&m->astate,
			    &old._bits, new._bits));
			if (pq->pq_index == PQ_ACTIVE)
				vm_pdpolicy_dequeued(VM_DOMAIN(m->domain), m,
				    old.flags);
			vm_pagequeue_unlock(pq);
		} else if (!atomic_compare_exchange_strong(&m->astate,
		    &old._bits, new._bits))
			continue;
		break;
	}
	if (nqueue != PQ_NONE)
		vm_pqbatch_submit_page(m, nqueue);
}

/*
 * Wired pages and free pages do not sit on the paging queues: a wired
 * page only gets PGA_DEQUEUE (vm_page_wire) and is queued again by the
 * unwiring that releases it.
 */
static inline bool
vm_page_queueable(vm_page_t m)
{
	return (vm_page_managed(m) && vm_page_wired(m) == 0);
}

/*
 * Queue a page whose last wiring is being released, whatever its wiring:
 * the unwiring thread is about to drop it.  An activated page gets at
 * least ACT_INIT activity, as in FreeBSD.
 */
static void
vm_page_release_toq(vm_page_t m, uint8_t nqueue)
{
	vm_page_astate_t old, new;

	if (nqueue == PQ_ACTIVE) {
		old = vm_page_astate_load(m);
		do {
			new = old;
			if (new.act_count < ACT_INIT)
				new.act_count = ACT_INIT;
		} while (new._bits != old._bits &&
		    !atomic_compare_exchange_weak(&m->astate, &old._bits,
		    new._bits));
	}
	vm_page_mvqueue(m, nqueue, PGA_REQUEUE);
}

/*
 * Activation and deactivation are the replacement policy's to interpret
 * (vm_pdpolicy.h); these are the queue moves the policies build on.
 */
void
vm_page_activate_queue(vm_page_t m)
{
	vm_page_release_toq(m, PQ_ACTIVE);
}

void
vm_page_deactivate_queue(vm_page_t m, bool noreuse)
{
	vm_page_mvqueue(m, PQ_INACTIVE, noreuse ? PGA_REQUEUE_HEAD :
	    PGA_REQUEUE);
}

void
vm_page_activate(vm_page_t m)
{
	if (vm_page_queueable(m))
		VM_DOMAIN(m->domain)->vmd_pdp->pdp_activate(m);
}

void
vm_page_deactivate(vm_page_t m)
{
	if (vm_page_queueable(m))
		VM_DOMAIN(m->domain)->vmd_pdp->pdp_deactivate(m, false);
}

/* Deactivate and put at the head: reclaim it first (MADV_DONTNEED). */
void
vm_page_deactivate_noreuse(vm_page_t m)
{
	if (vm_page_queueable(m))
		VM_DOMAIN(m->domain)->vmd_pdp->pdp_deactivate(m, true);
}

void
vm_page_launder(vm_page_t m)
{
	if (vm_page_queueable(m))
		vm_page_mvqueue(m, PQ_LAUNDRY, PGA_REQUEUE);
}

void
vm_page_unswappable(vm_page_t m)
{
	if (vm_page_queueable(m))
		vm_page_mvqueue(m, PQ_UNSWAPPABLE, PGA_REQUEUE);
}

/* Move the page to the tail of its queue (batched). */
void
vm_page_requeue(vm_page_t m)
{
	vm_page_astate_t old, new;

	old = vm_page_astate_load(m);
	do {
		if (old.queue == PQ_NONE || (old.flags & PGA_DEQUEUE) != 0)
			return;
		new = old;
		new.flags |= PGA_REQUEUE;
	} while (!atomic_compare_exchange_weak(&m->astate, &old._bits,
	    new._bits));
	vm_pqbatch_submit_page(m, old.queue);
}

/* Take the page off its queue now. */
void
vm_page_dequeue(vm_page_t m)
{
	if (vm_page_queue(m) == PQ_NONE)
		return;
	vm_page_mvqueue(m, PQ_NONE, 0);
}

/* Request removal from the page's queue; done by the next batch. */
void
vm_page_dequeue_deferred(vm_page_t m)
{
	vm_page_astate_t old, new;

	old = vm_page_astate_load(m);
	do {
		if (old.queue == PQ_NONE || (old.flags & PGA_DEQUEUE) != 0)
			return;
		new = old;
		new.flags |= PGA_DEQUEUE;
	} while (!atomic_compare_exchange_weak(&m->astate, &old._bits,
	    new._bits));
	vm_pqbatch_submit_page(m, old.queue);
}

/* ---- valid and dirty bits ------------------------------------------- */

vm_page_bits_t
vm_page_bits(int base, int size)
{
	int first, last;

	KASSERT(base >= 0 && size >= 0 && base + size <= PAGE_SIZE,
	    ("%s: bad range %d+%d", __func__, base, size));
	if (size == 0)
		return (0);
	first = base / DEV_BSIZE;
	last = (base + size - 1) / DEV_BSIZE;
	return ((vm_page_bits_t)((2u << last) - (1u << first)));
}

void
vm_page_set_valid_range(vm_page_t m, int base, int size)
{
	atomic_fetch_or(&m->valid, vm_page_bits(base, size));
}

void
vm_page_clear_valid_range(vm_page_t m, int base, int size)
{
	atomic_fetch_and(&m->valid, (vm_page_bits_t)~vm_page_bits(base, size));
}

bool
vm_page_is_valid(vm_page_t m, int base, int size)
{
	vm_page_bits_t bits = vm_page_bits(base, size);

	return (bits != 0 && (atomic_load(&m->valid) & bits) == bits);
}

bool
vm_page_all_valid(vm_page_t m)
{
	return (atomic_load(&m->valid) == VM_PAGE_BITS_ALL);
}

bool
vm_page_none_valid(vm_page_t m)
{
	return (atomic_load(&m->valid) == 0);
}

void
vm_page_valid(vm_page_t m)
{
	atomic_store(&m->valid, VM_PAGE_BITS_ALL);
}

void
vm_page_invalid(vm_page_t m)
{
	KASSERT(atomic_load(&m->dirty) == 0, ("%s: page %p is dirty",
	    __func__, (void *)m));
	atomic_store(&m->valid, 0);
}

void
vm_page_dirty(vm_page_t m)
{
	KASSERT(vm_page_all_valid(m), ("%s: page %p is not valid", __func__,
	    (void *)m));
	atomic_store(&m->dirty, VM_PAGE_BITS_ALL);
}

void
vm_page_set_dirty_range(vm_page_t m, int base, int size)
{
	atomic_fetch_or(&m->dirty, vm_page_bits(base, size));
}

void
vm_page_clear_dirty(vm_page_t m, int base, int size)
{
	atomic_fetch_and(&m->dirty, (vm_page_bits_t)~vm_page_bits(base, size));
}

void
vm_page_undirty(vm_page_t m)
{
	atomic_store(&m->dirty, 0);
}

/* Mark a range valid and clean (data just read from backing store). */
void
vm_page_set_validclean(vm_page_t m, int base, int size)
{
	vm_page_set_valid_range(m, base, size);
	vm_page_clear_dirty(m, base, size);
}

/* Zero every invalid block; optionally mark the whole page valid. */
void
vm_page_zero_invalid(vm_page_t m, bool setvalid)
{
	vm_page_bits_t valid = atomic_load(&m->valid);
	char *p = vm_page_dmap(m);
	int b;

	for (b = 0; b < PAGE_SIZE / DEV_BSIZE; b++)
		if ((valid & (1u << b)) == 0)
			memset(p + b * DEV_BSIZE, 0, DEV_BSIZE);
	if (setvalid)
		vm_page_valid(m);
}

/* ---- invariant checkers ------------------------------------------- */

void
vm_pagequeue_check(struct vm_pagequeue *pq)
{
	vm_page_astate_t a;
	vm_page_t m;
	u_int n = 0;

	vm_pagequeue_lock(pq);
	TAILQ_FOREACH(m, &pq->pq_pl, plinks.q) {
		/* Scan markers, a policy's hands and records of evictions. */
		if ((atomic_load(&m->flags) & PG_MARKER) != 0)
			continue;
		a = vm_page_astate_load(m);
		if (a.queue != pq->pq_index || (a.flags & PGA_ENQUEUED) == 0)
			panic("%s: page %p on %s has queue %d flags %#x",
			    __func__, (void *)m, pq->pq_name, a.queue,
			    a.flags);
		if (atomic_load(&m->busy_lock) == VPB_FREED)
			panic("%s: free page %p on %s", __func__, (void *)m,
			    pq->pq_name);
		if (!vm_page_managed(m))
			panic("%s: unmanaged page %p on %s", __func__,
			    (void *)m, pq->pq_name);
		n++;
	}
	if (n != atomic_load(&pq->pq_cnt))
		panic("%s: %s has %u pages, pq_cnt %u", __func__, pq->pq_name,
		    n, atomic_load(&pq->pq_cnt));
	vm_pagequeue_unlock(pq);
}

/*
 * Check the whole page layer.  Needs a quiescent system: no thread may be
 * allocating or freeing pages meanwhile (counts move in two steps).
 */
void
vm_page_check_all(void)
{
	struct vm_domain *vmd;
	vm_page_astate_t a;
	vm_page_t m;
	u_int cached, buddy, enq[MAXMEMDOM][PQ_COUNT];
	int counts[VM_NFREEORDER], cpu, d, p, q, oind;
	long i;

	memset(enq, 0, sizeof(enq));
	for (d = 0; d < vm_ndomains; d++) {
		vmd = VM_DOMAIN(d);
		vm_domain_free_lock(vmd);
		vm_phys_check(d);
		vm_phys_free_census(d, counts);
		buddy = 0;
		for (oind = 0; oind < VM_NFREEORDER; oind++)
			buddy += (u_int)counts[oind] << oind;
		cached = 0;
		for (cpu = 0; cpu < mp_ncpus; cpu++) {
			pcpu_claim_wait(cpu);
			for (p = 0; p < VM_NFREEPOOL; p++) {
				struct vm_pgcache *pc;

				pc = &vm_pcpu_dom(cpu, d)->pd_cache[p];
				cached += (u_int)pc->pc_cnt;
				for (i = 0; i < pc->pc_cnt; i++) {
#ifdef INVARIANTS
					m = pc->pc_pages[i];
					if (m->domain != d || m->pool != p ||
					    atomic_load(&m->busy_lock) !=
					    VPB_FREED || (atomic_load(
					    &m->flags) & PG_PCPUCACHE) == 0)
						panic("%s: bad page %p in cpu "
						    "%d cache", __func__,
						    (void *)m, cpu);
#else
					(void)m;
#endif
				}
			}
			pcpu_release(cpu);
		}
		if (buddy != atomic_load(&vmd->vmd_free_count))
			panic("%s: domain %d: %u pages in buddy blocks, free "
			    "count %u (%u more cached)", __func__, d, buddy,
			    atomic_load(&vmd->vmd_free_count), cached);
		vm_domain_free_unlock(vmd);
		for (q = 0; q < PQ_COUNT; q++)
			vm_pagequeue_check(&vmd->vmd_pagequeues[q]);
		if (vmd->vmd_pdp->pdp_check != NULL)
			vmd->vmd_pdp->pdp_check(vmd);
	}
	for (i = 0; i < vm_page_array_size; i++) {
		m = &vm_page_array[i];
		a = vm_page_astate_load(m);
		if ((a.flags & PGA_ENQUEUED) != 0) {
			if (a.queue >= PQ_COUNT)
				panic("%s: page %p enqueued on queue %d",
				    __func__, (void *)m, a.queue);
			enq[m->domain][a.queue]++;
		}
		if (atomic_load(&m->busy_lock) == VPB_FREED &&
		    (a.queue != PQ_NONE || atomic_load(&m->ref_count) != 0))
			panic("%s: free page %p has queue %d refs %#x",
			    __func__, (void *)m, a.queue,
			    atomic_load(&m->ref_count));
	}
	for (d = 0; d < vm_ndomains; d++)
		for (q = 0; q < PQ_COUNT; q++)
			if (enq[d][q] != atomic_load(
			    &VM_DOMAIN(d)->vmd_pagequeues[q].pq_cnt))
				panic("%s: %u pages claim queue %d/%d, "
				    "pq_cnt %u", __func__, enq[d][q], d, q,
				    atomic_load(&VM_DOMAIN(d)->
				    vmd_pagequeues[q].pq_cnt));
}

/* ---- pages of objects ------------------------------------------------- */

/*
 * Trie nodes come from a VM zone (FreeBSD's "VM RADIX"), allocated without
 * sleeping: the object lock is held.  A failure makes vm_page_insert
 * return ENOMEM, and the allocation of the page fails with it, which its
 * callers already handle (they wait for memory and retry).
 */
static uma_zone_t vm_radix_zone;

void
vm_radix_zinit(void)
{
	vm_radix_zone = uma_zcreate("VM RADIX", pctrie_node_size(), NULL,
	    NULL, NULL, NULL, UMA_ALIGN_PTR, UMA_ZONE_VM);
	if (vm_radix_zone == NULL)
		panic("%s: cannot create the radix node zone", __func__);
}

static void *
vm_radix_node_alloc(struct pctrie *ptree __unused)
{
	return (uma_zalloc(vm_radix_zone, M_NOWAIT));
}

static void
vm_radix_node_free(struct pctrie *ptree __unused, void *node)
{
	uma_zfree(vm_radix_zone, node);
}

PCTRIE_DEFINE(VM_RADIX, vm_page, pindex, vm_radix_node_alloc,
    vm_radix_node_free);

vm_page_t
vm_page_lookup(vm_object_t object, vm_pindex_t pindex)
{
	VM_OBJECT_ASSERT_LOCKED(object);
	return (VM_RADIX_PCTRIE_LOOKUP(&object->rtree, pindex));
}

/* The resident page with the least index >= pindex, or NULL. */
vm_page_t
vm_page_find_least(vm_object_t object, vm_pindex_t pindex)
{
	VM_OBJECT_ASSERT_LOCKED(object);
	return (VM_RADIX_PCTRIE_LOOKUP_GE(&object->rtree, pindex));
}

/*
 * Link m, already in the object's trie, into memq in index order.  Pages
 * mostly arrive in ascending order (sequential faults, collapse, split):
 * a page beyond the last one goes at the tail without a trie search.
 */
static inline void
vm_page_memq_link(vm_object_t object, vm_page_t m)
{
	vm_page_t prev;

	prev = TAILQ_LAST(&object->memq, pglist);
	if (prev == NULL || prev->pindex < m->pindex) {
		TAILQ_INSERT_TAIL(&object->memq, m, listq);
		return;
	}
	prev = m->pindex > 0 ? VM_RADIX_PCTRIE_LOOKUP_LE(&object->rtree,
	    m->pindex - 1) : NULL;
	if (prev == NULL)
		TAILQ_INSERT_HEAD(&object->memq, m, listq);
	else
		TAILQ_INSERT_AFTER(&object->memq, prev, m, listq);
}

/*
 * Insert m into object at pindex, taking the object's reference on the
 * page.  Returns ENOMEM, changing nothing, if a trie node cannot be had.
 *
 * => object write-locked; m busied or otherwise private to the caller.
 */
int
vm_page_insert(vm_page_t m, vm_object_t object, vm_pindex_t pindex)
{
	VM_OBJECT_ASSERT_WLOCKED(object);
	KASSERT(m->object == NULL, ("%s: page %p already in object %p",
	    __func__, (void *)m, (void *)m->object));
	KASSERT((object->flags & OBJ_DEAD) == 0,
	    ("%s: object %p is dead", __func__, (void *)object));
	m->pindex = pindex;
	if (VM_RADIX_PCTRIE_INSERT(&object->rtree, m) != 0)
		return (ENOMEM);
	m->object = object;
	atomic_fetch_or(&m->ref_count, VPRC_OBJREF);
	vm_page_memq_link(object, m);
	object->resident_page_count++;
	return (0);
}

static void
vm_page_object_remove(vm_page_t m)
{
	vm_object_t object = m->object;
	vm_page_t mrem;

	VM_OBJECT_ASSERT_WLOCKED(object);
	mrem = VM_RADIX_PCTRIE_REMOVE_LOOKUP(&object->rtree, m->pindex);
	KASSERT(mrem == m, ("%s: trie holds %p for page %p", __func__,
	    (void *)mrem, (void *)m));
	(void)mrem;
	TAILQ_REMOVE(&object->memq, m, listq);
	object->resident_page_count--;
	m->object = NULL;
}

/*
 * Remove m from its object and drop the object's reference.  Returns true
 * when that was the last reference: the page is still exclusively busied
 * and the caller must free it.  Otherwise (someone wires it) the page is
 * unbusied before the reference goes: once it is gone, a concurrent last
 * unwiring frees the page, which must not be touched after that.
 *
 * => object write-locked; m exclusively busied.
 */
bool
vm_page_remove(vm_page_t m)
{
	u_int old;

	vm_page_assert_xbusied(m);
	vm_page_object_remove(m);
	/*
	 * Nobody wires it: drop the object's reference with the page still
	 * busy, for the caller to free it so.  Were it unbusied first, a
	 * page daemon collecting pages off the queues could busy it before
	 * the caller frees it.  A wired page is unbusied first, for its
	 * last unwiring may free it at once.
	 */
	old = atomic_load(&m->ref_count);
	while (VPRC_WIRE_COUNT(old) == 0) {
		KASSERT((old & VPRC_OBJREF) != 0, ("%s: page %p had no "
		    "object reference", __func__, (void *)m));
		if (atomic_compare_exchange_weak(&m->ref_count, &old,
		    old & ~VPRC_OBJREF))
			return (true);
	}
	vm_page_xunbusy(m);
	old = atomic_fetch_and(&m->ref_count, ~VPRC_OBJREF);
	KASSERT((old & VPRC_OBJREF) != 0, ("%s: page %p had no object "
	    "reference", __func__, (void *)m));
	return (VPRC_WIRE_COUNT(old) == 0);
}

/*
 * Move m to new_object at new_pindex (a collapse moving pages into the
 * shadow, a COW fault moving a page up instead of copying it, an object
 * split).  The page keeps its object reference, its mappings and its
 * queue; only its identity changes.  Returns ENOMEM, changing nothing, if
 * the trie needs a node that cannot be had.
 *
 * => both objects write-locked; m exclusively busied.
 */
int
vm_page_rename(vm_page_t m, vm_object_t new_object, vm_pindex_t new_pindex)
{
	vm_pindex_t opindex;

	vm_page_assert_xbusied(m);
	VM_OBJECT_ASSERT_WLOCKED(m->object);
	VM_OBJECT_ASSERT_WLOCKED(new_object);
	KASSERT((new_object->flags & OBJ_DEAD) == 0,
	    ("%s: object %p is dead", __func__, (void *)new_object));
	opindex = m->pindex;
	m->pindex = new_pindex;
	if (VM_RADIX_PCTRIE_INSERT(&new_object->rtree, m) != 0) {
		m->pindex = opindex;
		return (ENOMEM);
	}
	m->pindex = opindex;
	vm_page_object_remove(m);
	m->pindex = new_pindex;
	m->object = new_object;
	vm_page_memq_link(new_object, m);
	new_object->resident_page_count++;
	return (0);
}

/*
 * Allocate a page for object at pindex: managed, inserted, exclusively
 * busied unless VM_ALLOC_NOBUSY or VM_ALLOC_SBUSY.  Pages come from the
 * default pool.  With VM_ALLOC_WAITFAIL or VM_ALLOC_WAITOK the object lock
 * is dropped while waiting for free pages; WAITFAIL then returns NULL so
 * that the caller revalidates (vm_page_grab does).
 *
 * => object write-locked.
 */
vm_page_t
vm_page_alloc_domain(vm_object_t object, vm_pindex_t pindex, int domain,
    int req)
{
	vm_page_t m;
	bool drained = false;

	VM_OBJECT_ASSERT_WLOCKED(object);
	KASSERT((req & VM_ALLOC_NOCREAT) == 0,
	    ("%s: VM_ALLOC_NOCREAT is a grab flag", __func__));
	KASSERT(vm_page_lookup(object, pindex) == NULL,
	    ("%s: object %p already has page at %ju", __func__,
	    (void *)object, (uintmax_t)pindex));
	while ((m = vm_page_alloc_phys(domain, VM_FREEPOOL_DEFAULT, req)) ==
	    NULL) {
		if (!vm_page_alloc_fail(object, domain, req, 1, &drained))
			return (NULL);
		/* The page may have been created while we slept. */
		if (vm_page_lookup(object, pindex) != NULL)
			return (NULL);
	}
	vm_page_alloc_init(m, req, true);
	if (vm_page_insert(m, object, pindex) != 0) {
		if ((req & VM_ALLOC_WIRED) != 0) {
			atomic_store(&m->ref_count, 0);
			atomic_fetch_sub(&vm_wire_cnt, 1);
		}
		atomic_store(&m->busy_lock, VPB_UNBUSIED);
		m->oflags = VPO_UNMANAGED;
		vm_page_free(m);
		VM_CNT_INC(v_pgfail);
		return (NULL);
	}
	return (m);
}

vm_page_t
vm_page_alloc(vm_object_t object, vm_pindex_t pindex, int req)
{
	return (vm_page_alloc_domain(object, pindex,
	    vm_page_alloc_policy(object, pindex), req));
}

/*
 * Return the page at pindex, busied as allocflags say (exclusively by
 * default, VM_ALLOC_SBUSY shared, VM_ALLOC_NOBUSY not at all but only once
 * no exclusive busy holder remains), creating it unless VM_ALLOC_NOCREAT.
 * Sleeps on busy pages and for free pages unless VM_ALLOC_NOWAIT;
 * VM_ALLOC_WAITFAIL returns NULL after one sleep.  VM_ALLOC_WIRED wires
 * the page, VM_ALLOC_ZERO zero-fills a new page.
 *
 * => object write-locked; it is held again on return, though it may have
 *    been dropped while sleeping.
 */
vm_page_t
vm_page_grab(vm_object_t object, vm_pindex_t pindex, int allocflags)
{
	vm_page_t m;
	int busyflags;

	VM_OBJECT_ASSERT_WLOCKED(object);
	busyflags = allocflags & VM_ALLOC_NOBUSY ?
	    (allocflags | VM_ALLOC_SBUSY) : allocflags;
	for (;;) {
		m = vm_page_lookup(object, pindex);
		if (m != NULL) {
			if ((busyflags & VM_ALLOC_SBUSY) != 0 ?
			    vm_page_trysbusy(m) : vm_page_tryxbusy(m))
				break;
			if ((allocflags & VM_ALLOC_NOWAIT) != 0)
				return (NULL);
			vm_page_busy_sleep(m, "pgrbwt", busyflags);
			VM_OBJECT_WLOCK(object);
			if ((allocflags & VM_ALLOC_WAITFAIL) != 0)
				return (NULL);
			continue;
		}
		if ((allocflags & VM_ALLOC_NOCREAT) != 0)
			return (NULL);
		m = vm_page_alloc(object, pindex, (allocflags &
		    ~(VM_ALLOC_WAITOK | VM_ALLOC_NOBUSY | VM_ALLOC_IGN_SBUSY)) |
		    ((allocflags & VM_ALLOC_NOWAIT) ? 0 : VM_ALLOC_WAITFAIL));
		if (m != NULL) {
			if ((allocflags & VM_ALLOC_NOBUSY) != 0) {
				if ((allocflags & VM_ALLOC_SBUSY) != 0)
					vm_page_sunbusy(m);
				else
					vm_page_xunbusy(m);
			}
			return (m);
		}
		if ((allocflags & (VM_ALLOC_NOWAIT | VM_ALLOC_WAITFAIL)) != 0)
			return (NULL);
	}
	if ((allocflags & VM_ALLOC_WIRED) != 0)
		vm_page_wire(m);
	if ((allocflags & VM_ALLOC_NOBUSY) != 0)
		vm_page_sunbusy(m);
	return (m);
}

/* Debugging: one line of page state. */
void
vm_page_print(vm_page_t m)
{
	vm_page_astate_t a = vm_page_astate_load(m);

	kprintf("  page %p pa %#jx obj %p pindex %ju ref %#x busy %#x "
	    "queue %d aflags %#x act %d flags %#x oflags %#x valid %#x "
	    "dirty %#x domain %d\n", (void *)m, (uintmax_t)m->phys_addr,
	    (void *)m->object, (uintmax_t)m->pindex,
	    atomic_load(&m->ref_count), atomic_load(&m->busy_lock), a.queue,
	    a.flags, a.act_count, atomic_load(&m->flags), m->oflags,
	    atomic_load(&m->valid), atomic_load(&m->dirty), m->domain);
}
