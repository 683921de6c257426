/*
 * Pages of objects: the object's trie and memq, VPRC_OBJREF, vm_page_grab
 * and its flags, and the seed-003 rule that a page the object lets go of is
 * freed only when nobody else holds a reference.
 */
#include <atf-c.h>
#include <pthread.h>
#include <time.h>

#include <libvm.h>
#include <uma.h>
#include "vt_uma.h"

/* Pages counted without UMA's slabs (vt_uma.h): VM metadata (radix nodes,
   pv chunks, pmaps, entries, objects) comes from zones, whose slabs stay
   cached after the items go. */
#define	WIRED()	((u_int)(vm_wire_count() - vt_uma_pages()))
#define	FREE()	((u_int)(vm_free_count() + vt_uma_pages()))
#include <sys/proc.h>
#include <sys/sleepqueue.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>

static void
boot(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 32 << 20;
	c.ncpu = 2;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
}

ATF_TC_WITHOUT_HEAD(insert_lookup_order);
ATF_TC_BODY(insert_lookup_order, tc)
{
	static const vm_pindex_t idx[] = { 7, 0, 1000000, 3, 5, 1ULL << 40 };
	vm_object_t obj;
	vm_page_t m, prev;
	u_int free0, boot_free;
	size_t i;

	boot();
	boot_free = vm_free_count();
	obj = vm_object_allocate(OBJT_DEFAULT, 0);
	free0 = FREE();	/* after the object's slab */
	VM_OBJECT_WLOCK(obj);
	for (i = 0; i < nitems(idx); i++) {
		m = vm_page_alloc(obj, idx[i], VM_ALLOC_NORMAL);
		ATF_REQUIRE(m != NULL);
		ATF_REQUIRE(vm_page_xbusied(m));
		ATF_REQUIRE(atomic_load(&m->ref_count) == VPRC_OBJREF);
		vm_page_xunbusy(m);
	}
	ATF_REQUIRE_EQ((int)nitems(idx), obj->resident_page_count);
	vm_object_check(obj);
	vm_object_print(obj);		/* the dump must not trip on anything */
	for (i = 0; i < nitems(idx); i++)
		ATF_REQUIRE_EQ(idx[i], vm_page_lookup(obj, idx[i])->pindex);
	ATF_REQUIRE(vm_page_lookup(obj, 2) == NULL);
	prev = NULL;
	TAILQ_FOREACH(m, &obj->memq, listq) {
		if (prev != NULL)
			ATF_REQUIRE(prev->pindex < m->pindex);
		prev = m;
	}
	ATF_REQUIRE_EQ(5, vm_page_find_least(obj, 4)->pindex);
	VM_OBJECT_WUNLOCK(obj);
	ATF_REQUIRE_EQ(free0 - nitems(idx), FREE());
	vm_object_deallocate(obj);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	ATF_REQUIRE_EQ(boot_free, vm_free_count());
	vm_page_check_all();
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(grab_nocreat);
ATF_TC_BODY(grab_nocreat, tc)
{
	vm_object_t obj;
	vm_page_t m, m2;

	boot();
	obj = vm_object_allocate(OBJT_DEFAULT, 16);
	VM_OBJECT_WLOCK(obj);
	ATF_REQUIRE(vm_page_grab(obj, 3, VM_ALLOC_NOCREAT) == NULL);
	ATF_REQUIRE_EQ(0, obj->resident_page_count);
	m = vm_page_grab(obj, 3, VM_ALLOC_ZERO | VM_ALLOC_WIRED);
	ATF_REQUIRE(m != NULL && vm_page_xbusied(m) && vm_page_wired(m) == 1);
	ATF_REQUIRE(atomic_load(&m->flags) & PG_ZERO);
	vm_page_xunbusy(m);
	m2 = vm_page_grab(obj, 3, VM_ALLOC_NOCREAT | VM_ALLOC_NOBUSY);
	ATF_REQUIRE(m2 == m && !vm_page_busied(m));
	m2 = vm_page_grab(obj, 3, VM_ALLOC_SBUSY);
	ATF_REQUIRE(m2 == m && vm_page_sbusied(m));
	/* Shared busy: an exclusive grab that may not sleep fails. */
	ATF_REQUIRE(vm_page_grab(obj, 3, VM_ALLOC_NOWAIT) == NULL);
	vm_page_sunbusy(m);
	VM_OBJECT_WUNLOCK(obj);
	/* Wired: dropping the object leaves the page to its wirer. */
	vm_object_deallocate(obj);
	ATF_REQUIRE(m->object == NULL && vm_page_wired(m) == 1);
	ATF_REQUIRE(atomic_load(&m->busy_lock) != VPB_FREED);
	{
		u_int f = vm_free_count();

		vm_page_unwire(m, PQ_ACTIVE);	/* last reference: freed */
		ATF_REQUIRE_EQ(f + 1, vm_free_count());
	}
	vm_page_check_all();
	vm_shutdown();
}

static vm_object_t g_obj;
static vm_page_t g_page;
static _Atomic int g_stage;

static void *
grabber(void *arg __unused)
{
	vm_page_t m;

	VM_OBJECT_WLOCK(g_obj);
	atomic_store(&g_stage, 1);
	m = vm_page_grab(g_obj, 9, 0);	/* sleeps until unbusied */
	ATF_REQUIRE(m == g_page);
	atomic_store(&g_stage, 2);
	vm_page_xunbusy(m);
	VM_OBJECT_WUNLOCK(g_obj);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(grab_sleeps_on_busy);
ATF_TC_BODY(grab_sleeps_on_busy, tc)
{
	pthread_t t;

	boot();
	g_obj = vm_object_allocate(OBJT_DEFAULT, 16);
	VM_OBJECT_WLOCK(g_obj);
	g_page = vm_page_alloc(g_obj, 9, VM_ALLOC_NORMAL);	/* xbusy */
	VM_OBJECT_WUNLOCK(g_obj);
	ATF_REQUIRE_EQ(0, pthread_create(&t, NULL, grabber, NULL));
	/* Wait until the grabber sleeps on the page (waiters bit set). */
	while ((atomic_load(&g_page->busy_lock) & VPB_BIT_WAITERS) == 0)
		sched_yield();
	ATF_REQUIRE_EQ(1, atomic_load(&g_stage));
	vm_page_xunbusy(g_page);
	pthread_join(t, NULL);
	ATF_REQUIRE_EQ(2, atomic_load(&g_stage));
	vm_object_deallocate(g_obj);
	vm_page_check_all();
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(page_remove_range);
ATF_TC_BODY(page_remove_range, tc)
{
	vm_object_t obj;
	vm_pindex_t i;
	u_int free0, boot_free;

	boot();
	boot_free = vm_free_count();
	obj = vm_object_allocate(OBJT_DEFAULT, 64);
	free0 = FREE();	/* after the object's slab */
	VM_OBJECT_WLOCK(obj);
	for (i = 0; i < 64; i++)
		vm_page_xunbusy(vm_page_alloc(obj, i, VM_ALLOC_NORMAL));
	vm_object_page_remove(obj, 10, 20, 0);
	ATF_REQUIRE_EQ(54, obj->resident_page_count);
	for (i = 0; i < 64; i++)
		ATF_REQUIRE_EQ(i >= 10 && i < 20,
		    vm_page_lookup(obj, i) == NULL);
	vm_object_check(obj);
	vm_object_page_remove(obj, 60, 0, 0);
	ATF_REQUIRE_EQ(50, obj->resident_page_count);
	VM_OBJECT_WUNLOCK(obj);
	ATF_REQUIRE_EQ(free0 - 50, FREE());
	vm_object_deallocate(obj);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);	/* slabs of the VM zones */
	ATF_REQUIRE_EQ(boot_free, vm_free_count());
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(managed_pages_queue);
ATF_TC_BODY(managed_pages_queue, tc)
{
	vm_object_t obj;
	vm_page_t m;
	vm_pindex_t i;

	boot();
	obj = vm_object_allocate(OBJT_DEFAULT, 100);
	VM_OBJECT_WLOCK(obj);
	for (i = 0; i < 100; i++) {
		m = vm_page_alloc(obj, i, VM_ALLOC_NORMAL);
		if (i % 2)
			vm_page_activate(m);
		else
			vm_page_deactivate(m);
		vm_page_xunbusy(m);
	}
	VM_OBJECT_WUNLOCK(obj);
	vm_page_pqbatch_drain();
	ATF_REQUIRE_EQ(50, vm_pagequeue_count(PQ_ACTIVE));
	ATF_REQUIRE_EQ(50, vm_pagequeue_count(PQ_INACTIVE));
	vm_page_check_all();
	/* Destroying the object takes its pages off the queues. */
	vm_object_deallocate(obj);
	ATF_REQUIRE_EQ(0, vm_pagequeue_count(PQ_ACTIVE));
	ATF_REQUIRE_EQ(0, vm_pagequeue_count(PQ_INACTIVE));
	vm_page_check_all();
	vm_shutdown();
}

/* ---- regressions from review: the busy protocol against frees ---- */

static vm_page_t r_page;
static vm_object_t r_obj;
static struct vm_pagequeue *r_pq;
static _Atomic int r_stage, r_done;

static bool
r_wait_until(bool (*cond)(void))
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 5000; i++) {
		if (cond())
			return (true);
		nanosleep(&ts, NULL);
	}
	return (false);
}

static bool
r_freer_blocked(void)
{
	const void *chan = &r_pq->pq_mutex.mtx_lock;
	int n;

	sleepq_lock(chan);
	n = sleepq_sleepcnt(chan);
	sleepq_release(chan);
	return (n > 0);
}

static bool
r_waiters_set(void)
{
	return ((atomic_load(&r_page->busy_lock) & VPB_BIT_WAITERS) != 0);
}

static bool
r_sleeper_done(void)
{
	return (atomic_load(&r_done) != 0);
}

static bool
r_stage1(void)
{
	return (atomic_load(&r_stage) >= 1);
}

static void *
r_sleeper(void *arg __unused)
{
	(void)vm_page_busy_sleep(r_page, "rtest", 0);
	atomic_store(&r_done, 1);
	return (NULL);
}

static void *
r_freer(void *arg __unused)
{
	VM_OBJECT_WLOCK(r_obj);
	r_page = vm_page_alloc(r_obj, 0, VM_ALLOC_NORMAL);	/* xbusy */
	vm_page_activate(r_page);
	VM_OBJECT_WUNLOCK(r_obj);
	vm_page_pqbatch_drain();
	r_pq = vm_page_pagequeue(r_page);
	atomic_store(&r_stage, 1);
	while (atomic_load(&r_stage) < 2)
		sched_yield();
	VM_OBJECT_WLOCK(r_obj);
	vm_page_free(r_page);		/* blocks on the queue lock */
	VM_OBJECT_WUNLOCK(r_obj);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(free_wakes_busy_sleeper);
ATF_TC_BODY(free_wakes_busy_sleeper, tc)
{
	pthread_t tf, ts;
	int zero = 0;

	/*
	 * The freer reads the busy word, then blocks on the page-queue lock
	 * while dequeueing; a sleeper sets the waiters bit meanwhile.  The
	 * free must still wake it (an exchange, not a store, of VPB_FREED).
	 */
	boot();
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.pqbatch_interval", NULL, NULL,
	    &zero, sizeof(zero)));
	r_obj = vm_object_allocate(OBJT_DEFAULT, 4);
	ATF_REQUIRE_EQ(0, pthread_create(&tf, NULL, r_freer, NULL));
	ATF_REQUIRE(r_wait_until(r_stage1));
	ATF_REQUIRE(r_pq != NULL);
	vm_pagequeue_lock(r_pq);
	atomic_store(&r_stage, 2);
	ATF_REQUIRE(r_wait_until(r_freer_blocked));
	ATF_REQUIRE_EQ(0, pthread_create(&ts, NULL, r_sleeper, NULL));
	ATF_REQUIRE(r_wait_until(r_waiters_set));
	vm_pagequeue_unlock(r_pq);
	pthread_join(tf, NULL);
	ATF_REQUIRE_MSG(r_wait_until(r_sleeper_done),
	    "the sleeper was not woken by the free");
	pthread_join(ts, NULL);
	vm_object_deallocate(r_obj);
	vm_page_check_all();
	vm_shutdown();
}

static void *
r_unwirer(void *arg __unused)
{
	vm_page_unwire(r_page, PQ_ACTIVE);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(remove_wired_then_last_unwire);
ATF_TC_BODY(remove_wired_then_last_unwire, tc)
{
	pthread_t tu;
	u_int free0;

	/*
	 * vm_page_remove returns with the page unbusied, before it drops the
	 * object's reference: a concurrent last unwiring may free the page
	 * at once, and nothing may touch it afterwards.
	 */
	boot();
	r_obj = vm_object_allocate(OBJT_DEFAULT, 4);
	VM_OBJECT_WLOCK(r_obj);
	r_page = vm_page_alloc(r_obj, 0, VM_ALLOC_NORMAL | VM_ALLOC_WIRED |
	    VM_ALLOC_NOBUSY);
	free0 = vm_free_count();
	ATF_REQUIRE(vm_page_tryxbusy(r_page));
	ATF_REQUIRE(!vm_page_remove(r_page));		/* still wired */
	ATF_REQUIRE(!vm_page_busied(r_page));
	ATF_REQUIRE(r_page->object == NULL);
	ATF_REQUIRE_EQ(0, pthread_create(&tu, NULL, r_unwirer, NULL));
	pthread_join(tu, NULL);
	ATF_REQUIRE_EQ(free0 + 1, vm_free_count());	/* freed by unwire */
	VM_OBJECT_WUNLOCK(r_obj);
	vm_object_deallocate(r_obj);
	vm_page_check_all();
	vm_shutdown();
}

static void *
r_unbusier(void *arg __unused)
{
	while (!r_waiters_set())
		sched_yield();
	if (atomic_load(&r_stage) == 1) {
		/*
		 * Take the busy over under the object lock (the acquirer,
		 * once woken, waits for that lock) and free the page.
		 */
		VM_OBJECT_WLOCK(r_obj);
		vm_page_xunbusy_unchecked(r_page);
		if (vm_page_tryxbusy(r_page))
			vm_page_free(r_page);
		VM_OBJECT_WUNLOCK(r_obj);
	} else
		vm_page_xunbusy_unchecked(r_page);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(busy_acquire_relocks_object);
ATF_TC_BODY(busy_acquire_relocks_object, tc)
{
	pthread_t t;
	vm_page_t m;

	/*
	 * vm_page_busy_acquire sleeps without the object lock and retakes
	 * it before returning; if the page left the object meanwhile it
	 * fails instead of spinning on a free page.
	 */
	boot();
	r_obj = vm_object_allocate(OBJT_DEFAULT, 4);
	VM_OBJECT_WLOCK(r_obj);
	r_page = m = vm_page_alloc(r_obj, 0, VM_ALLOC_NORMAL);	/* xbusy */
	atomic_store(&r_stage, 0);
	ATF_REQUIRE_EQ(0, pthread_create(&t, NULL, r_unbusier, NULL));
	/* The busy is ours, so this would deadlock: let the other release. */
	ATF_REQUIRE(vm_page_busy_acquire(m, 0));
	ATF_REQUIRE(VM_OBJECT_WOWNED(r_obj));
	ATF_REQUIRE(vm_page_xbusied(m));
	pthread_join(t, NULL);
	/* Now the freeing case. */
	atomic_store(&r_stage, 1);
	VM_OBJECT_WUNLOCK(r_obj);
	ATF_REQUIRE_EQ(0, pthread_create(&t, NULL, r_unbusier, NULL));
	VM_OBJECT_WLOCK(r_obj);
	ATF_REQUIRE(!vm_page_busy_acquire(m, VM_ALLOC_SBUSY));
	ATF_REQUIRE(VM_OBJECT_WOWNED(r_obj));
	VM_OBJECT_WUNLOCK(r_obj);
	pthread_join(t, NULL);
	vm_object_deallocate(r_obj);
	vm_page_check_all();
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, insert_lookup_order);
	ATF_TP_ADD_TC(tp, grab_nocreat);
	ATF_TP_ADD_TC(tp, grab_sleeps_on_busy);
	ATF_TP_ADD_TC(tp, page_remove_range);
	ATF_TP_ADD_TC(tp, managed_pages_queue);
	ATF_TP_ADD_TC(tp, free_wakes_busy_sleeper);
	ATF_TP_ADD_TC(tp, remove_wired_then_last_unwire);
	ATF_TP_ADD_TC(tp, busy_acquire_relocks_object);
	return (atf_no_error());
}
