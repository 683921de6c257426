/*
 * The page daemon and the laundry thread.
 *
 * One daemon thread per domain ("pagedaemon") sleeps until the allocator
 * sees the domain's free count fall below v_free_min (pagedaemon_wakeup)
 * and then reclaims pages until the count is back at v_free_target:
 *
 *	inactive scan	from the head of the inactive queue: a page
 *			referenced since it was queued (its PGA_REFERENCED
 *			flag or a pmap's accessed bit) is reactivated
 *			(v_reactivated; seed 001: referenced pages on the
 *			inactive list get another chance); a clean one is
 *			unmapped and freed; a dirty one goes to the laundry
 *			(to PQ_UNSWAPPABLE when it is anonymous and there is
 *			no swap to write it to);
 *	active scan	when the inactive queue is shorter than its target,
 *			pages from the head of the active queue age: a
 *			referenced page gains activity and goes to the tail,
 *			an unreferenced one loses it and is deactivated at
 *			zero (FreeBSD's act_count).
 *
 * The laundry thread writes dirty pages of the laundry queue back through
 * their pager (vnode pages to their file, anonymous and shm pages to swap)
 * and frees the ones nobody used meanwhile.
 *
 * Scanning (FreeBSD's batches): the scan holds the queue lock only to
 * collect a batch of pages after a marker page it keeps in the queue,
 * taking each page's busy lock with a try while it is still on the queue
 * (so it is a managed page of an object, and the busy lock then keeps it
 * in that object and the object alive: a removal needs the busy lock).
 * The queue lock is dropped for the work; the object lock is only tried
 * (the usual order is object lock, then page busy), and a page whose
 * object is contended is left for the next pass.  A vnode page is written
 * without its vnode lock: readers and writers of the file hold it while
 * they wait for memory, and truncation is safe without it
 * (vn_truncate_locked).
 *
 * Counters: v_pdwakeups, v_pdpages (pages examined), v_reactivated,
 * v_dfree (pages freed by the daemon), v_pdshortfalls (passes that ended
 * short of the target).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kthread.h>
#include <sys/sleepqueue.h>
#include <sys/sysctl.h>
#include <sys/vnode.h>
#include <pmap/pmap.h>
#include <vm/vm_map.h>
#include <vm/vm_meter.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pageout.h>
#include <vm/vm_pagequeue.h>
#include <vm/vm_pdpolicy.h>
#include <vm/vm_lowmem.h>
#include <vm/vm_pager.h>
#include <vm/swap_pager.h>

#define	VM_PAGEOUT_BATCH	32	/* pages per queue-lock hold */
#define	ACT_DECLINE		1
#define	ACT_ADVANCE		3

static _Atomic int vm_pageout_wanted[MAXMEMDOM];	/* (a) */
static _Atomic int vm_laundry_wanted;			/* (a) */
static _Atomic int vm_pageout_progress;			/* (a) laundry moved */
static _Atomic int vm_pageout_started;			/* (a) */
static _Atomic u_long vm_pageout_passes;		/* (a) */

/* Is the domain short of free pages, and by how many? */
static int
vm_pageout_shortage(struct vm_domain *vmd)
{
	u_int free = atomic_load(&vmd->vmd_free_count);

	return (free < vmd->vmd_free_target ?
	    (int)(vmd->vmd_free_target - free) : 0);
}

void
pagedaemon_wakeup(int domain)
{
	if (!atomic_load_explicit(&vm_pageout_started, memory_order_relaxed))
		return;
	if (atomic_exchange(&vm_pageout_wanted[domain], 1) == 0)
		wakeup(&vm_pageout_wanted[domain]);
}

void
vm_pageout_laundry_progress(void)
{
	if (atomic_exchange(&vm_pageout_progress, 1) == 0)
		wakeup(&vm_pageout_progress);
}

/*
 * Sleep on chan for up to timo_ms unless *wanted is set or more work is
 * already there; clears *wanted.  The flag is tested under the sleep
 * queue's chain lock, which wakeup() takes, so a wakeup cannot fall
 * between the test and the sleep; so is the stop request of shutdown,
 * which wakes the same channel.
 */
static void
vm_pageout_sleep(_Atomic int *wanted, bool busy, const char *wmesg,
    int timo_ms)
{
	sleepq_lock(wanted);
	if (atomic_load(wanted) != 0 || busy || kthread_should_stop())
		sleepq_release(wanted);
	else {
		sleepq_add(wanted, wmesg);
		(void)sleepq_wait(wanted, timo_ms);
	}
	atomic_store(wanted, 0);
}

/* ---- the batch scan -------------------------------------------------- */

void
vm_pageout_init_marker(vm_page_t marker, uint8_t queue)
{
	vm_page_astate_t as;

	memset(marker, 0, sizeof(*marker));
	atomic_store(&marker->flags, PG_MARKER);
	as._bits = 0;
	as.queue = queue;
	as.flags = PGA_ENQUEUED;
	atomic_store(&marker->astate, as._bits);
	atomic_store(&marker->busy_lock, VPB_FREED);
}

/*
 * Collect up to VM_PAGEOUT_BATCH pages after marker, each exclusively
 * busied, and move the marker after them.  Pages that cannot be busied
 * (someone works on them) are passed over.  The count collected, or -1
 * at the end of the queue.
 *
 * => pq locked.
 */
static int
vm_pageout_collect(struct vm_pagequeue *pq, vm_page_t marker, vm_page_t *ma,
    int *scanned)
{
	vm_page_t m, next, last = NULL;
	vm_page_astate_t as;
	int n = 0;

	vm_pagequeue_assert_locked(pq);
	for (m = TAILQ_NEXT(marker, plinks.q); m != NULL &&
	    n < VM_PAGEOUT_BATCH; m = next) {
		next = TAILQ_NEXT(m, plinks.q);
		last = m;
		if ((atomic_load_explicit(&m->flags, memory_order_relaxed) &
		    PG_MARKER) != 0)
			continue;
		(*scanned)++;
		as = vm_page_astate_load(m);
		if (as.queue != pq->pq_index || (as.flags & PGA_ENQUEUED) == 0)
			continue;
		if (!vm_page_tryxbusy(m))
			continue;
		ma[n++] = m;
	}
	if (last == NULL)
		return (-1);
	TAILQ_REMOVE(&pq->pq_pl, marker, plinks.q);
	TAILQ_INSERT_AFTER(&pq->pq_pl, last, marker, plinks.q);
	return (n);
}

/*
 * The object of busied page m, write-locked, or NULL (no object, or its
 * lock contended: the page is left for later).  The page is unbusied on
 * failure.
 */
static vm_object_t
vm_pageout_lock_object(vm_page_t m)
{
	vm_object_t object = m->object;

	if (object == NULL || !VM_OBJECT_TRYWLOCK(object)) {
		vm_page_xunbusy(m);
		return (NULL);
	}
	return (object);
}

/*
 * Free clean page m: unmapped first, and only if no mapping dirtied it
 * meanwhile (the unmapping folds the modified bits into it).
 *
 * => object write-locked, m exclusively busied; m is gone or unbusied.
 */
static bool
vm_pageout_free_clean(vm_object_t object, vm_page_t m)
{
	pmap_remove_all(m);
	if (atomic_load(&m->dirty) != 0 || vm_page_wired(m) != 0) {
		vm_page_xunbusy(m);
		return (false);
	}
	object->generation++;
	vm_page_free(m);
	VM_CNT_INC(v_dfree);
	return (true);
}

/* Where a dirty page waits to be written. */
static void
vm_pageout_to_laundry(vm_object_t object, vm_page_t m)
{
	/* Anonymous memory has nowhere to go without swap space. */
	if (object->type == OBJT_VNODE ||
	    (object->type == OBJT_SWAP && vm_swap_available()))
		vm_page_launder(m);
	else
		vm_page_unswappable(m);
}

/*
 * Evict busied page m: free it when clean (unmapped first: the unmapping
 * folds the mappings' modified bits into it), queue it for the laundry
 * when dirty.  A page the policy took off its queue and that cannot go
 * goes back to PQ_INACTIVE; a page wired meanwhile stays off the queues,
 * as wired pages do.  The page daemon's ps_reclaim.
 *
 * => object write-locked, m exclusively busied; m is gone or unbusied.
 */
static bool
vm_pageout_reclaim(struct vm_pdscan *ps, vm_object_t object, vm_page_t m)
{
	bool valid = vm_page_all_valid(m);

	VM_OBJECT_ASSERT_WLOCKED(object);
	if (valid && atomic_load(&m->dirty) == 0 && pmap_is_modified(m))
		vm_page_dirty(m);
	if (!valid || atomic_load(&m->dirty) == 0)
		pmap_remove_all(m);
	if (vm_page_wired(m) == 0 && atomic_load(&m->dirty) == 0) {
		object->generation++;
		vm_page_free(m);
		VM_CNT_INC(v_dfree);
		return (true);
	}
	if (vm_page_wired(m) == 0) {
		if (valid) {
			vm_pageout_to_laundry(object, m);
			ps->ps_laundered++;
		} else if (vm_page_queue(m) == PQ_NONE)
			vm_page_deactivate_queue(m, false);
	}
	vm_page_xunbusy(m);
	return (false);
}

/*
 * One page of the inactive queue: reactivated if referenced, else
 * evicted.  The number of pages freed (0 or 1).
 *
 * => m exclusively busied, nothing locked.
 */
static int
vm_pageout_inactive_one(vm_page_t m, vm_page_t *batch __unused,
    int nbatch __unused, void *arg)
{
	struct vm_pdscan *ps = arg;
	vm_object_t object;
	int freed = 0;

	if ((object = vm_pageout_lock_object(m)) == NULL)
		return (0);
	if (vm_page_queue(m) != PQ_INACTIVE || vm_page_wired(m) != 0) {
		vm_page_xunbusy(m);
	} else if (vm_pdpolicy_referenced(m)) {
		/*
		 * FreeBSD's rule: a page of an object something maps goes
		 * back to the active queue; one of a file only read and
		 * written through descriptors gets a second round on the
		 * inactive queue instead, so streaming a file does not
		 * churn the active queue.
		 */
		if (atomic_load(&object->ref_count) == 0 &&
		    (object->flags & OBJ_ANON) == 0)
			vm_page_requeue(m);
		else {
			vm_page_activate(m);
			VM_CNT_INC(v_reactivated);
		}
		vm_page_xunbusy(m);
	} else if (ps->ps_reclaim(ps, object, m))
		freed = 1;
	VM_OBJECT_WUNLOCK(object);
	return (freed);
}

/*
 * Walk queue from its head in batches, handing each busied page to fn,
 * until fn has freed (or started) target pages or the queue's pages were
 * all seen; the whole of a batch is handed out, even past the target, as
 * it is busied.  fn also gets the batch's pages still to come, and may
 * take some of them (the laundry's clusters), setting their slots NULL.
 * The pages fn counted.
 */
typedef int vm_pageout_fn(vm_page_t m, vm_page_t *batch, int nbatch,
    void *arg);

static int
vm_pageout_scan_queue(struct vm_domain *vmd, uint8_t queue, int target,
    vm_pageout_fn *fn, void *arg)
{
	struct vm_pagequeue *pq = &vmd->vmd_pagequeues[queue];
	struct vm_page marker;
	vm_page_t ma[VM_PAGEOUT_BATCH], m;
	int freed = 0, scanned = 0, limit, n, i;

	vm_pageout_init_marker(&marker, queue);
	vm_pagequeue_lock(pq);
	limit = (int)atomic_load(&pq->pq_cnt);
	TAILQ_INSERT_HEAD(&pq->pq_pl, &marker, plinks.q);
	while (freed < target && scanned <= limit) {
		n = vm_pageout_collect(pq, &marker, ma, &scanned);
		if (n < 0)
			break;
		vm_pagequeue_unlock(pq);
		for (i = 0; i < n; i++) {
			if ((m = ma[i]) == NULL)
				continue;	/* taken by an earlier page */
			ma[i] = NULL;
			freed += fn(m, ma + i + 1, n - i - 1, arg);
		}
		VM_CNT_ADD(v_pdpages, n);
		vm_pagequeue_lock(pq);
	}
	TAILQ_REMOVE(&pq->pq_pl, &marker, plinks.q);
	vm_pagequeue_unlock(pq);
	return (freed);
}

/* Reclaim from the inactive queue toward the scan's target. */
void
vm_pageout_scan_inactive(struct vm_pdscan *ps)
{
	if (ps->ps_freed >= ps->ps_target ||
	    atomic_load(&ps->ps_vmd->vmd_pagequeues[PQ_INACTIVE].pq_cnt) == 0)
		return;
	ps->ps_freed += vm_pageout_scan_queue(ps->ps_vmd, PQ_INACTIVE,
	    ps->ps_target - ps->ps_freed, vm_pageout_inactive_one, ps);
}

/*
 * Age up to count pages from the head of the active queue, deactivating
 * those whose activity reaches zero.
 */
static int
vm_pageout_scan_active(struct vm_domain *vmd, int count, bool shortage)
{
	struct vm_pagequeue *pq = &vmd->vmd_pagequeues[PQ_ACTIVE];
	struct vm_page marker;
	vm_page_astate_t old, new;
	vm_page_t ma[VM_PAGEOUT_BATCH], m;
	int scanned = 0, deactivated = 0, n, i;
	bool ref;

	vm_pageout_init_marker(&marker, PQ_ACTIVE);
	vm_pagequeue_lock(pq);
	TAILQ_INSERT_HEAD(&pq->pq_pl, &marker, plinks.q);
	while (scanned < count) {
		n = vm_pageout_collect(pq, &marker, ma, &scanned);
		if (n < 0)
			break;
		vm_pagequeue_unlock(pq);
		for (i = 0; i < n; i++) {
			m = ma[i];
			ref = vm_pdpolicy_referenced(m);
			do {
				old = vm_page_astate_load(m);
				new = old;
				/*
				 * Under a shortage an unreferenced page goes
				 * at once (a page is referenced by the access
				 * that brought it in, so it survives one scan
				 * after its last use); otherwise it ages.
				 */
				if (ref)
					new.act_count = (uint8_t)MIN(ACT_MAX,
					    old.act_count + ACT_ADVANCE);
				else if (shortage)
					new.act_count = 0;
				else
					new.act_count = old.act_count >
					    ACT_DECLINE ? (uint8_t)(
					    old.act_count - ACT_DECLINE) : 0;
			} while (!atomic_compare_exchange_weak(&m->astate,
			    &old._bits, new._bits));
			if (new.act_count == 0 &&
			    vm_page_queue(m) == PQ_ACTIVE) {
				vm_page_deactivate(m);
				deactivated++;
			}
			vm_page_xunbusy(m);
		}
		VM_CNT_ADD(v_pdpages, n);
		vm_pagequeue_lock(pq);
	}
	TAILQ_REMOVE(&pq->pq_pl, &marker, plinks.q);
	vm_pagequeue_unlock(pq);
	return (deactivated);
}

/*
 * The default policy's balance: when the inactive queue is shorter than
 * its target, or the scan fell short, age active pages into it.
 */
static void
vm_pageout_balance_default(struct vm_pdscan *ps)
{
	struct vm_domain *vmd = ps->ps_vmd;
	int inactive, want;

	inactive = (int)atomic_load(&vmd->vmd_pagequeues[PQ_INACTIVE].pq_cnt);
	want = (int)vmd->vmd_inactive_target - inactive;
	if (ps->ps_freed < ps->ps_target || want > 0)
		ps->ps_deactivated += vm_pageout_scan_active(vmd,
		    MAX(ps->ps_target - ps->ps_freed, want),
		    ps->ps_freed < ps->ps_target);
}

const struct vm_pdpolicy vm_pdpolicy_default = {
	.pdp_name = "default",
	.pdp_activate = vm_page_activate_queue,
	.pdp_deactivate = vm_page_deactivate_queue,
	.pdp_selectvictim = vm_pageout_scan_inactive,
	.pdp_balance = vm_pageout_balance_default,
};

/* ---- the laundry ------------------------------------------------------- */

/*
 * Laundering (issue 6).  A page of the laundry queue goes to its pager
 * with the dirty neighbours FreeBSD's vm_pageout_cluster would take:
 * pages at the adjacent indices of the same object that are valid,
 * unwired, not marked referenced, dirty, and in the laundry or inactive
 * queue, up to VM_PAGER_MAX_RUN in all, so that the pager writes one run
 * where it would have written many pages.  Swap writes are asynchronous:
 * swap_pager_putpages hands the run to its I/O threads (the laundry
 * sleeps there while the writes in flight are at their limit), and the
 * thread that finishes a write calls vm_pageout_launder_done for each
 * page, as the laundry does itself after a synchronous write (vnode
 * pages, one at a time).  A page written and unused meanwhile is freed at
 * once rather than left for the next inactive scan (FreeBSD's choice):
 * the laundry runs because a domain is short, and a clean unreferenced
 * page is what the scan would free anyway.
 *
 * The batch the scan collected holds its pages busy, and the neighbours
 * of a page are mostly in that batch (the laundry queue is in the order
 * the pages were dirtied, which for a region written in order is the
 * index order): a cluster takes such a neighbour out of the batch (its
 * entry becomes NULL) instead of failing to busy it.  A page busy by us
 * but not in the rest of the batch is in flight and ends the cluster.
 */

/* Batch page p's slot in batch[0..n), or NULL. */
static vm_page_t *
vm_pageout_batch_find(vm_page_t *batch, int n, vm_page_t p)
{
	int i;

	for (i = 0; i < n; i++)
		if (batch[i] == p)
			return (&batch[i]);
	return (NULL);
}

/*
 * Busy neighbour p for a cluster if it is worth writing with it: true
 * with p exclusively busied and write-protected (so that its dirty bits
 * are final until the write), false with p as it was.
 * => object write-locked.
 */
static bool
vm_pageout_cluster_take(vm_object_t object __unused, vm_page_t p, vm_page_t *batch,
    int nbatch)
{
	vm_page_t *slot;
	uint8_t queue;

	VM_OBJECT_ASSERT_WLOCKED(object);
	queue = vm_page_queue(p);
	if ((queue != PQ_LAUNDRY && queue != PQ_INACTIVE) ||
	    vm_page_wired(p) != 0 || !vm_page_all_valid(p) ||
	    (vm_page_astate_load(p).flags & PGA_REFERENCED) != 0 ||
	    (atomic_load(&p->dirty) == 0 && !pmap_is_modified(p)))
		return (false);
	slot = vm_pageout_batch_find(batch, nbatch, p);
	if (slot == NULL && !vm_page_tryxbusy(p))
		return (false);		/* someone's, or a write in flight */
	pmap_remove_write(p);
	if (atomic_load(&p->dirty) == 0 || vm_page_wired(p) != 0) {
		if (slot == NULL)
			vm_page_xunbusy(p);
		return (false);
	}
	if (slot != NULL)
		*slot = NULL;		/* ours now, not the batch's */
	return (true);
}

/*
 * The run of dirty pages around m to write with it: mc[0..n) in index
 * order, m among them, each exclusively busied and write-protected.
 * Forward first: the queue order makes m usually the lowest of its run.
 * => object write-locked; m busied, write-protected and dirty.
 */
static int
vm_pageout_cluster(vm_object_t object, vm_page_t m, vm_page_t *batch,
    int nbatch, vm_page_t *mc)
{
	vm_page_t run[2 * VM_PAGER_MAX_RUN], p;
	int lo, hi, i;

	VM_OBJECT_ASSERT_WLOCKED(object);
	lo = hi = VM_PAGER_MAX_RUN;
	run[hi++] = m;
	for (p = TAILQ_NEXT(m, listq); p != NULL && hi - lo < VM_PAGER_MAX_RUN
	    && p->pindex == m->pindex + (vm_pindex_t)(hi - VM_PAGER_MAX_RUN);
	    p = TAILQ_NEXT(p, listq)) {
		if (!vm_pageout_cluster_take(object, p, batch, nbatch))
			break;
		run[hi++] = p;
	}
	for (p = TAILQ_PREV(m, pglist, listq); p != NULL && hi - lo <
	    VM_PAGER_MAX_RUN && p->pindex + (vm_pindex_t)(VM_PAGER_MAX_RUN -
	    lo + 1) == m->pindex; p = TAILQ_PREV(p, pglist, listq)) {
		if (!vm_pageout_cluster_take(object, p, batch, nbatch))
			break;
		run[--lo] = p;
	}
	for (i = lo; i < hi; i++)
		mc[i - lo] = run[i];
	return (hi - lo);
}

int
vm_pageout_launder_done(vm_object_t object, vm_page_t m, int rtval)
{
	uint8_t queue;

	VM_OBJECT_ASSERT_WLOCKED(object);
	vm_page_assert_xbusied(m);
	if (rtval != VM_PAGER_OK) {
		/* The data is only in the page: dirty it again. */
		vm_page_dirty(m);
		if (rtval == VM_PAGER_FAIL)
			vm_page_unswappable(m);	/* no room */
		vm_page_xunbusy(m);
		return (0);
	}
	queue = vm_page_queue(m);
	if ((queue == PQ_LAUNDRY || queue == PQ_INACTIVE) &&
	    !vm_pdpolicy_referenced(m))
		return (vm_pageout_free_clean(object, m) ? 1 : 0);
	/* Used meanwhile: clean, it waits on the inactive queue. */
	if (atomic_load(&m->dirty) == 0)
		vm_page_deactivate(m);
	vm_page_xunbusy(m);
	return (0);
}

/*
 * Write dirty page m back through its object's pager (a vnode page to its
 * file, synchronously; an anonymous or shm page to swap with its dirty
 * neighbours, asynchronously) and free what that cleaned and nobody used.
 * The pages freed or handed to the swap I/O threads.  A page swap has no
 * room for goes to PQ_UNSWAPPABLE.  No vnode lock: see vnode_pager.c on
 * truncation.
 *
 * => object write-locked, m exclusively busied; m is gone, unbusied or
 *    being written.
 */
static int
vm_pageout_launder_page(vm_object_t object, vm_page_t m, vm_page_t *batch,
    int nbatch)
{
	vm_page_t mc[VM_PAGER_MAX_RUN];
	int rtvals[VM_PAGER_MAX_RUN], n, i, done = 0;

	VM_OBJECT_ASSERT_WLOCKED(object);
	pmap_remove_write(m);
	if (atomic_load(&m->dirty) == 0)
		return (vm_pageout_launder_done(object, m, VM_PAGER_OK));
	if (object->type != OBJT_SWAP) {
		vm_pager_put_pages(object, &m, 1, VM_PAGER_PUT_SYNC,
		    &rtvals[0]);
		return (vm_pageout_launder_done(object, m, rtvals[0]));
	}
	n = vm_pageout_cluster(object, m, batch, nbatch, mc);
	vm_pager_put_pages(object, mc, n, VM_PAGER_PUT_ASYNC, rtvals);
	for (i = 0; i < n; i++)
		done += rtvals[i] == VM_PAGER_PEND ? 1 :
		    vm_pageout_launder_done(object, mc[i], rtvals[i]);
	return (done);
}

/*
 * One page of the laundry queue; batch[0..nbatch) are the batch's pages
 * still to come, which a cluster may take.  The pages freed or started.
 * => m exclusively busied, nothing locked.
 */
static int
vm_pageout_launder_one(vm_page_t m, vm_page_t *batch, int nbatch,
    void *arg __unused)
{
	vm_object_t object;
	int done = 0;

	if ((object = vm_pageout_lock_object(m)) == NULL)
		return (0);
	if (vm_page_queue(m) != PQ_LAUNDRY || vm_page_wired(m) != 0) {
		vm_page_xunbusy(m);
	} else if (atomic_load(&m->dirty) == 0 && !pmap_is_modified(m)) {
		/* Cleaned meanwhile (msync, fsync): back to inactive. */
		vm_page_deactivate(m);
		vm_page_xunbusy(m);
	} else if ((object->type == OBJT_VNODE && object->handle != NULL) ||
	    (object->type == OBJT_SWAP && vm_swap_available())) {
		done = vm_pageout_launder_page(object, m, batch, nbatch);
	} else {
		vm_page_unswappable(m);
		vm_page_xunbusy(m);
	}
	VM_OBJECT_WUNLOCK(object);
	return (done);
}

/*
 * While a domain is short: launder what the writes in flight will not
 * already free.  When they cover the shortage the thread waits for one
 * to finish rather than queue more (or spin).
 */
static void
vm_pageout_laundry_thread(void *arg __unused)
{
	struct vm_domain *vmd;
	int d, shortage, inflight, done;
	bool more = false, waitio;

	while (!kthread_should_stop()) {
		/* While a pass made progress and pages wait, go on. */
		vm_pageout_sleep(&vm_laundry_wanted, more, "laundp", 1000);
		if (kthread_should_stop())
			break;
		more = waitio = false;
		vm_page_pqbatch_drain();
		for (d = 0; d < vm_ndomains; d++) {
			vmd = VM_DOMAIN(d);
			shortage = vm_pageout_shortage(vmd);
			if (shortage == 0 || atomic_load(
			    &vmd->vmd_pagequeues[PQ_LAUNDRY].pq_cnt) == 0)
				continue;
			/*
			 * Launder ahead of the shortage by half the free
			 * target: pages are freed as their writes finish,
			 * and a writer that keeps allocating should find
			 * the next ones already under way, not wait for a
			 * write to start (the I/O's latency, not its
			 * bandwidth, would set the pace).
			 */
			shortage += (int)vmd->vmd_free_target / 2;
			inflight = swap_pager_async_pages();
			if (shortage <= inflight) {
				waitio = true;
				continue;
			}
			done = vm_pageout_scan_queue(vmd, PQ_LAUNDRY,
			    shortage - inflight, vm_pageout_launder_one, NULL);
			if (done > 0)
				vm_pageout_laundry_progress();
			if (done > 0 && vm_pageout_shortage(vmd) > 0 &&
			    atomic_load(&vmd->vmd_pagequeues[PQ_LAUNDRY].
			    pq_cnt) > 0)
				more = true;
		}
		if (waitio) {
			swap_pager_async_wait(10);
			more = true;
		}
	}
}

/* ---- out of memory --------------------------------------------------------- */

/*
 * vm.pageout_oom_seq (FreeBSD's name): passes without a page freed, over
 * at least vm.pageout_oom_ms, while the domain is below v_free_min,
 * before the largest address space is killed.
 */
static _Atomic int vm_pageout_oom_seq = 12;
static _Atomic int vm_pageout_oom_ms = 1000;

static uint64_t
ticks_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
vm_pageout_oom(void)
{
	struct vmspace *vm;
	long resident;

	vm = vmspace_oom_victim(&resident);
	if (vm == NULL)
		return;		/* nothing to kill: the faults give up */
	vmspace_oom_kill(vm, resident);
}

/* ---- the daemon ----------------------------------------------------------- */

static void
vm_pageout_daemon(void *arg)
{
	int domain = (int)(intptr_t)arg;
	struct vm_domain *vmd = VM_DOMAIN(domain);
	struct vm_pdscan ps;
	int shortage, freed, laundered, oom_seq = 0;
	uint64_t dfree, last_dfree = 0, since = ticks_ms(), now;

	while (!kthread_should_stop()) {
		vm_pageout_sleep(&vm_pageout_wanted[domain],
		    vm_pageout_shortage(vmd) > 0, "psleep", 1000);
		if (kthread_should_stop())
			break;
		shortage = vm_pageout_shortage(vmd);
		if (shortage == 0)
			continue;
		VM_CNT_INC(v_pdwakeups);
		atomic_fetch_add(&vm_pageout_passes, 1);
		/* Caches elsewhere give back what they can (vm_lowmem.h). */
		vm_lowmem_maybe(VM_LOW_PAGES);
		/* The queues must hold what the CPUs' batches still carry. */
		vm_page_pqbatch_drain();
		memset(&ps, 0, sizeof(ps));
		ps.ps_vmd = vmd;
		ps.ps_target = shortage;
		ps.ps_reclaim = vm_pageout_reclaim;
		vmd->vmd_pdp->pdp_selectvictim(&ps);
		if (vmd->vmd_pdp->pdp_balance != NULL)
			vmd->vmd_pdp->pdp_balance(&ps);
		freed = ps.ps_freed;
		laundered = ps.ps_laundered;
		if (laundered > 0 || (freed < shortage && atomic_load(
		    &vmd->vmd_pagequeues[PQ_LAUNDRY].pq_cnt) > 0)) {
			atomic_store(&vm_laundry_wanted, 1);
			wakeup(&vm_laundry_wanted);
		}
		/*
		 * No page freed by the daemon or the laundry while the
		 * domain stays below v_free_min, for long enough: out of
		 * memory and swap.
		 */
		dfree = VM_CNT_FETCH(v_dfree);
		now = ticks_ms();
		if (dfree != last_dfree || atomic_load(&vmd->vmd_free_count) >=
		    vmd->vmd_free_min) {
			last_dfree = dfree;
			oom_seq = 0;
			since = now;
		} else if (++oom_seq >= atomic_load(&vm_pageout_oom_seq) &&
		    now - since >= (uint64_t)atomic_load(&vm_pageout_oom_ms)) {
			vm_pageout_oom();
			oom_seq = 0;
			since = now;
		}
		if (freed < shortage) {
			VM_CNT_INC(v_pdshortfalls);
			/*
			 * Short.  A pass that freed or deactivated pages
			 * goes again at once: the next one frees what this
			 * one queued.  One that only sent pages to the
			 * laundry waits for the laundry's next progress (a
			 * write done, a batch laundered), not a fixed time:
			 * the daemon must keep pace with the I/O.  One that
			 * found nothing to do lets the frees of others catch
			 * up.
			 */
			if (freed == 0 && ps.ps_deactivated == 0) {
				if (laundered > 0 || atomic_load(&vmd->
				    vmd_pagequeues[PQ_LAUNDRY].pq_cnt) > 0)
					vm_pageout_sleep(&vm_pageout_progress,
					    false, "pwait", 10);
				else
					kpause("pwait", 10);
			}
		}
	}
}

void
vm_pageout_startup(void)
{
	struct sysctl_oid *vm = sysctl_node_path("vm");
	char name[32];
	int d;

	atomic_store(&vm_pageout_oom_seq, 12);
	atomic_store(&vm_pageout_oom_ms, 1000);
	SYSCTL_ADD_PROC(vm, "pageout_oom_seq", CTLTYPE_INT | CTLFLAG_RW,
	    &vm_pageout_oom_seq, 0, sysctl_handle_atomic_int, "I",
	    "Back-to-back passes without progress before the OOM killer");
	SYSCTL_ADD_PROC(vm, "pageout_oom_ms", CTLTYPE_INT | CTLFLAG_RW,
	    &vm_pageout_oom_ms, 0, sysctl_handle_atomic_int, "I",
	    "The least time without progress before the OOM killer (ms)");

	for (d = 0; d < vm_ndomains; d++) {
		atomic_store(&vm_pageout_wanted[d], 0);
		snprintf(name, sizeof(name), "pagedaemon%d", d);
		if (kthread_add(vm_pageout_daemon, (void *)(intptr_t)d,
		    &vm_pageout_wanted[d], name, NULL) != 0)
			panic("%s: cannot start the page daemon", __func__);
	}
	atomic_store(&vm_laundry_wanted, 0);
	if (kthread_add(vm_pageout_laundry_thread, NULL, &vm_laundry_wanted,
	    "laundry", NULL) != 0)
		panic("%s: cannot start the laundry thread", __func__);
	atomic_store(&vm_pageout_started, 1);
}

void
vm_pageout_shutdown(void)
{
	atomic_store(&vm_pageout_started, 0);
}

u_long
vm_pageout_pass_count(void)
{
	return (atomic_load(&vm_pageout_passes));
}
