/*
 * Tests of the page queues (sys/vm/vm_page.c, vm_pagequeue.h): moving
 * managed pages between the inactive, active, laundry and unswappable
 * queues through the per-CPU batches, the order of the queue lists,
 * dequeueing now and deferred, wired pages, and concurrent queue
 * operations.
 *
 * Managed pages come from vm_page_alloc_noobj with VPO_UNMANAGED cleared
 * (managed_page()), which is what the object layer's pages look like to
 * the queues.  A queue move records the target queue and a PGA_REQUEUE*
 * request in the page's astate and puts the page on this CPU's batch for
 * that queue (VM_BATCHQUEUE_SIZE = 31 entries); the 32nd submission finds
 * the batch full and applies it together with the new page under the
 * queue lock.  vt_boot() turns the pqbatch thread's periodic drains off,
 * so batches are applied only when they fill or when the test drains.
 */

#include "vm_test_util.h"

#define	BATCH_SIZE	31	/* VM_BATCHQUEUE_SIZE in vm_page.c */

static const char *const qstat[PQ_COUNT] = {
	"v_inactive_count", "v_active_count", "v_laundry_count",
	"v_unswappable_count",
};

static vm_page_t
managed_page(void)
{
	vm_page_t m;

	m = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	ATF_REQUIRE(m != NULL);
	m->oflags = 0;		/* as object pages are */
	return (m);
}

static vm_page_astate_t
astate(vm_page_t m)
{
	return (vm_page_astate_load(m));
}

/* The exact count of every queue, by vm_pagequeue_count and by sysctl. */
static void
require_counts(u_int inact, u_int act, u_int laundry, u_int unswap)
{
	u_int want[PQ_COUNT] = { inact, act, laundry, unswap };
	int q;

	for (q = 0; q < PQ_COUNT; q++) {
		ATF_REQUIRE_EQ_MSG(want[q], vm_pagequeue_count(q),
		    "queue %d: count %u, want %u", q, vm_pagequeue_count(q),
		    want[q]);
		ATF_REQUIRE_EQ_MSG(want[q], vt_stat(qstat[q]), "%s",
		    qstat[q]);
	}
}

/* Copy the pages of queue q of domain d into out[] (at most max). */
static int
queue_list(int d, int q, vm_page_t *out, int max)
{
	struct vm_pagequeue *pq = &VM_DOMAIN(d)->vmd_pagequeues[q];
	vm_page_t m;
	int n = 0;

	vm_pagequeue_lock(pq);
	TAILQ_FOREACH(m, &pq->pq_pl, plinks.q) {
		/* A replacement policy's hands and records are no pages. */
		if ((atomic_load(&m->flags) & PG_MARKER) != 0)
			continue;
		ATF_REQUIRE(n < max);
		out[n++] = m;
	}
	vm_pagequeue_unlock(pq);
	return (n);
}

/* Require that queue q of domain 0 holds exactly want[0..n-1], in order. */
static void
require_order(int q, vm_page_t *want, int n)
{
	vm_page_t got[64];
	int i, k;

	k = queue_list(0, q, got, (int)nitems(got));
	ATF_REQUIRE_EQ_MSG(n, k, "queue %d holds %d pages, want %d", q, k, n);
	for (i = 0; i < n; i++)
		ATF_REQUIRE_MSG(got[i] == want[i], "queue %d position %d: page "
		    "%#jx, want %#jx", q, i, (uintmax_t)VM_PAGE_TO_PHYS(got[i]),
		    (uintmax_t)VM_PAGE_TO_PHYS(want[i]));
}

static void
require_enqueued(vm_page_t m, int q)
{
	vm_page_astate_t a = astate(m);

	ATF_REQUIRE_EQ_MSG(q, a.queue, "page %#jx names queue %d, want %d",
	    (uintmax_t)VM_PAGE_TO_PHYS(m), a.queue, q);
	ATF_REQUIRE_EQ_MSG(PGA_ENQUEUED, a.flags & PGA_QUEUE_STATE_MASK,
	    "page %#jx queue flags %#x", (uintmax_t)VM_PAGE_TO_PHYS(m),
	    a.flags);
}

static void
require_off_queues(vm_page_t m)
{
	vm_page_astate_t a = astate(m);

	ATF_REQUIRE_EQ_MSG(PQ_NONE, a.queue, "page %#jx names queue %d",
	    (uintmax_t)VM_PAGE_TO_PHYS(m), a.queue);
	ATF_REQUIRE_EQ(0, a.flags & PGA_QUEUE_STATE_MASK);
}

static void
free_pages(vm_page_t *ma, int n)
{
	int i;

	for (i = 0; i < n; i++)
		vm_page_free(ma[i]);
}

/* ---- basic moves ---------------------------------------------------------- */

ATF_TC(queue_ops_land_on_right_queue);
ATF_TC_HEAD(queue_ops_land_on_right_queue, tc)
{
	atf_tc_set_md_var(tc, "descr", "activate, deactivate, launder and "
	    "unswappable record the queue and PGA_REQUEUE at once; after "
	    "vm_page_pqbatch_drain each page is enqueued on its queue, in "
	    "submission order, and every count and v_*_count sysctl is "
	    "exact");
}
ATF_TC_BODY(queue_ops_land_on_right_queue, tc)
{
	static void (*const op[PQ_COUNT])(vm_page_t) = {
		vm_page_deactivate, vm_page_activate, vm_page_launder,
		vm_page_unswappable,
	};
	vm_page_t pages[PQ_COUNT][10];
	vm_page_astate_t a;
	int q, i;

	vt_boot();
	require_counts(0, 0, 0, 0);
	for (q = 0; q < PQ_COUNT; q++)
		for (i = 0; i < 10; i++) {
			pages[q][i] = managed_page();
			op[q](pages[q][i]);
			a = astate(pages[q][i]);
			ATF_REQUIRE_EQ(q, a.queue);
			ATF_REQUIRE_EQ(PGA_REQUEUE,
			    a.flags & PGA_QUEUE_STATE_MASK);
		}
	/* Nothing is applied yet: 10 pages per batch do not fill it. */
	require_counts(0, 0, 0, 0);
	vt_check_all();

	vm_page_pqbatch_drain();
	require_counts(10, 10, 10, 10);
	for (q = 0; q < PQ_COUNT; q++) {
		for (i = 0; i < 10; i++) {
			require_enqueued(pages[q][i], q);
			ATF_REQUIRE(vm_page_pagequeue(pages[q][i]) ==
			    &VM_DOMAIN(0)->vmd_pagequeues[q]);
		}
		require_order(q, pages[q], 10);
	}
	for (i = 0; i < 10; i++)
		ATF_REQUIRE_EQ(ACT_INIT, astate(pages[PQ_ACTIVE][i]).act_count);
	vt_check_all();

	/* Repeating a move to the queue a page is on changes nothing. */
	vm_page_activate(pages[PQ_ACTIVE][0]);
	vm_page_pqbatch_drain();
	require_order(PQ_ACTIVE, pages[PQ_ACTIVE], 10);
	require_counts(10, 10, 10, 10);

	for (q = 0; q < PQ_COUNT; q++)
		free_pages(pages[q], 10);
	require_counts(0, 0, 0, 0);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(batch_flushes_when_full);
ATF_TC_HEAD(batch_flushes_when_full, tc)
{
	atf_tc_set_md_var(tc, "descr", "Activating 100 pages without "
	    "draining applies the batch each time it is full: 96 pages "
	    "(three batches of 31 plus the page that found each full) are "
	    "on the active queue, 4 are pending until the drain");
}
ATF_TC_BODY(batch_flushes_when_full, tc)
{
	vm_page_t pages[100];
	int i, flushed;

	vt_boot();
	for (i = 0; i < 100; i++) {
		pages[i] = managed_page();
		vm_page_activate(pages[i]);
		/* After the k-th full batch, 32k pages are on the queue. */
		ATF_REQUIRE_EQ_MSG((u_int)((i + 1) / (BATCH_SIZE + 1) *
		    (BATCH_SIZE + 1)), vm_pagequeue_count(PQ_ACTIVE),
		    "after %d activations", i + 1);
	}
	flushed = 100 / (BATCH_SIZE + 1) * (BATCH_SIZE + 1);
	ATF_REQUIRE_EQ(96, flushed);
	require_counts(0, 96, 0, 0);
	for (i = 0; i < 100; i++) {
		if (i < flushed)
			require_enqueued(pages[i], PQ_ACTIVE);
		else
			ATF_REQUIRE_EQ(PGA_REQUEUE,
			    astate(pages[i]).flags & PGA_QUEUE_STATE_MASK);
	}
	vt_check_all();
	vm_page_pqbatch_drain();
	require_counts(0, 100, 0, 0);
	for (i = 0; i < 100; i++)
		require_enqueued(pages[i], PQ_ACTIVE);
	vt_check_all();
	free_pages(pages, 100);
	require_counts(0, 0, 0, 0);
	vm_shutdown();
}

ATF_TC(move_between_queues);
ATF_TC_HEAD(move_between_queues, tc)
{
	atf_tc_set_md_var(tc, "descr", "Moving an enqueued page unlinks it "
	    "from its old queue at once (that count drops before any drain) "
	    "and inserts it on the new queue at the next drain");
}
ATF_TC_BODY(move_between_queues, tc)
{
	vm_page_t p[10];
	int i;

	vt_boot();
	for (i = 0; i < 10; i++) {
		p[i] = managed_page();
		vm_page_activate(p[i]);
	}
	vm_page_pqbatch_drain();
	require_counts(0, 10, 0, 0);

	for (i = 0; i < 4; i++)
		vm_page_deactivate(p[i]);
	require_counts(0, 6, 0, 0);
	ATF_REQUIRE_EQ(PQ_INACTIVE, vm_page_queue(p[0]));
	vm_page_pqbatch_drain();
	require_counts(4, 6, 0, 0);

	vm_page_launder(p[0]);
	vm_page_launder(p[1]);
	vm_page_unswappable(p[4]);
	require_counts(2, 5, 0, 0);
	vm_page_pqbatch_drain();
	require_counts(2, 5, 2, 1);
	require_enqueued(p[0], PQ_LAUNDRY);
	require_enqueued(p[4], PQ_UNSWAPPABLE);

	/* A pending move can be redirected before the drain. */
	vm_page_activate(p[0]);
	vm_page_unswappable(p[0]);
	require_counts(2, 5, 1, 1);
	vm_page_pqbatch_drain();
	require_counts(2, 5, 1, 2);
	require_enqueued(p[0], PQ_UNSWAPPABLE);
	vt_check_all();
	free_pages(p, 10);
	require_counts(0, 0, 0, 0);
	vt_check_all();
	vm_shutdown();
}

/* ---- order ---------------------------------------------------------------- */

ATF_TC(requeue_moves_to_tail);
ATF_TC_HEAD(requeue_moves_to_tail, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_requeue leaves the page in "
	    "place until the drain, which moves it to the tail of its queue; "
	    "the count does not change");
}
ATF_TC_BODY(requeue_moves_to_tail, tc)
{
	vm_page_t p[4], want[4];
	int i;

	vt_boot();
	for (i = 0; i < 4; i++) {
		p[i] = managed_page();
		vm_page_activate(p[i]);
	}
	vm_page_pqbatch_drain();
	require_order(PQ_ACTIVE, p, 4);

	vm_page_requeue(p[0]);
	ATF_REQUIRE_EQ(PGA_ENQUEUED | PGA_REQUEUE,
	    astate(p[0]).flags & PGA_QUEUE_STATE_MASK);
	require_order(PQ_ACTIVE, p, 4);
	vm_page_pqbatch_drain();
	want[0] = p[1]; want[1] = p[2]; want[2] = p[3]; want[3] = p[0];
	require_order(PQ_ACTIVE, want, 4);
	require_counts(0, 4, 0, 0);
	require_enqueued(p[0], PQ_ACTIVE);

	/* Requeue the middle one too. */
	vm_page_requeue(p[2]);
	vm_page_pqbatch_drain();
	want[0] = p[1]; want[1] = p[3]; want[2] = p[0]; want[3] = p[2];
	require_order(PQ_ACTIVE, want, 4);
	vt_check_all();
	free_pages(p, 4);
	vm_shutdown();
}

ATF_TC(deactivate_noreuse_puts_at_head);
ATF_TC_HEAD(deactivate_noreuse_puts_at_head, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_deactivate_noreuse of a page "
	    "not on the inactive queue (new, or active) inserts it at the "
	    "head of the inactive queue, where it is reclaimed first");
}
ATF_TC_BODY(deactivate_noreuse_puts_at_head, tc)
{
	vm_page_t p[5], want[5];
	int i;

	vt_boot();
	for (i = 0; i < 5; i++)
		p[i] = managed_page();
	for (i = 0; i < 3; i++)
		vm_page_deactivate(p[i]);
	vm_page_activate(p[4]);
	vm_page_pqbatch_drain();
	require_order(PQ_INACTIVE, p, 3);

	vm_page_deactivate_noreuse(p[3]);
	ATF_REQUIRE_EQ(PGA_REQUEUE_HEAD,
	    astate(p[3]).flags & PGA_QUEUE_STATE_MASK);
	vm_page_pqbatch_drain();
	want[0] = p[3]; want[1] = p[0]; want[2] = p[1]; want[3] = p[2];
	require_order(PQ_INACTIVE, want, 4);

	vm_page_deactivate_noreuse(p[4]);
	require_counts(4, 0, 0, 0);
	vm_page_pqbatch_drain();
	want[0] = p[4]; want[1] = p[3]; want[2] = p[0]; want[3] = p[1];
	want[4] = p[2];
	require_order(PQ_INACTIVE, want, 5);
	require_counts(5, 0, 0, 0);
	require_enqueued(p[4], PQ_INACTIVE);
	vt_check_all();
	free_pages(p, 5);
	vm_shutdown();
}

ATF_TC(deactivate_noreuse_of_inactive_page);
ATF_TC_HEAD(deactivate_noreuse_of_inactive_page, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_deactivate_noreuse of a page "
	    "already on the inactive queue moves it to the head (MADV_DONTNEED "
	    "on a page that went inactive earlier must still make it the "
	    "first to be reclaimed), as FreeBSD's vm_page_mvqueue does");
}
ATF_TC_BODY(deactivate_noreuse_of_inactive_page, tc)
{
	vm_page_t p[3], want[3];
	int i;

	vt_boot();
	for (i = 0; i < 3; i++) {
		p[i] = managed_page();
		vm_page_deactivate(p[i]);
	}
	vm_page_pqbatch_drain();
	require_order(PQ_INACTIVE, p, 3);
	vm_page_deactivate_noreuse(p[2]);
	vm_page_pqbatch_drain();
	want[0] = p[2]; want[1] = p[0]; want[2] = p[1];
	require_order(PQ_INACTIVE, want, 3);
	require_counts(3, 0, 0, 0);
	vt_check_all();
	free_pages(p, 3);
	vm_shutdown();
}

ATF_TC(deactivate_of_inactive_page_requeues);
ATF_TC_HEAD(deactivate_of_inactive_page_requeues, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_deactivate of a page already "
	    "on the inactive queue requeues it at the tail (FreeBSD: \"Move "
	    "the specified page to the tail of the inactive queue, or requeue "
	    "the page if it is already in the inactive queue\"); only the "
	    "active queue skips the requeue");
}
ATF_TC_BODY(deactivate_of_inactive_page_requeues, tc)
{
	vm_page_t p[3], want[3];
	int i;

	vt_boot();
	for (i = 0; i < 3; i++) {
		p[i] = managed_page();
		vm_page_deactivate(p[i]);
	}
	vm_page_pqbatch_drain();
	vm_page_deactivate(p[0]);
	vm_page_pqbatch_drain();
	want[0] = p[1]; want[1] = p[2]; want[2] = p[0];
	require_order(PQ_INACTIVE, want, 3);
	require_counts(3, 0, 0, 0);
	vt_check_all();
	free_pages(p, 3);
	vm_shutdown();
}

ATF_TC(later_queue_request_wins);
ATF_TC_HEAD(later_queue_request_wins, tc)
{
	atf_tc_set_md_var(tc, "descr", "Of two requests for the same queue "
	    "made before a drain, the later one decides: deactivate_noreuse "
	    "then deactivate puts the page at the tail, deactivate then "
	    "deactivate_noreuse at the head (FreeBSD's vm_page_mvqueue "
	    "replaces the pending request)");
}
ATF_TC_BODY(later_queue_request_wins, tc)
{
	vm_page_t p[3], want[3];
	int i;

	vt_boot();
	for (i = 0; i < 3; i++) {
		p[i] = managed_page();
		vm_page_deactivate(p[i]);
	}
	vm_page_pqbatch_drain();
	require_order(PQ_INACTIVE, p, 3);

	vm_page_deactivate_noreuse(p[1]);
	vm_page_deactivate(p[1]);
	ATF_REQUIRE_EQ(PGA_ENQUEUED | PGA_REQUEUE,
	    astate(p[1]).flags & PGA_QUEUE_STATE_MASK);
	vm_page_pqbatch_drain();
	want[0] = p[0]; want[1] = p[2]; want[2] = p[1];
	require_order(PQ_INACTIVE, want, 3);

	vm_page_deactivate(p[2]);
	vm_page_deactivate_noreuse(p[2]);
	ATF_REQUIRE_EQ(PGA_ENQUEUED | PGA_REQUEUE_HEAD,
	    astate(p[2]).flags & PGA_QUEUE_STATE_MASK);
	vm_page_pqbatch_drain();
	want[0] = p[2]; want[1] = p[0]; want[2] = p[1];
	require_order(PQ_INACTIVE, want, 3);
	require_counts(3, 0, 0, 0);
	vt_check_all();
	free_pages(p, 3);
	vm_shutdown();
}

/* ---- dequeueing ------------------------------------------------------------ */

ATF_TC(dequeue_now);
ATF_TC_HEAD(dequeue_now, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_dequeue removes an enqueued "
	    "page at once (count drops, no drain needed) and cancels a "
	    "pending insertion, which the drain then ignores");
}
ATF_TC_BODY(dequeue_now, tc)
{
	vm_page_t a, b, c;

	vt_boot();
	a = managed_page();
	b = managed_page();
	c = managed_page();
	vm_page_activate(a);
	vm_page_activate(c);
	vm_page_pqbatch_drain();
	require_counts(0, 2, 0, 0);

	vm_page_dequeue(a);
	require_off_queues(a);
	require_counts(0, 1, 0, 0);
	require_order(PQ_ACTIVE, &c, 1);

	vm_page_launder(b);
	vm_page_dequeue(b);
	require_off_queues(b);
	vm_page_pqbatch_drain();
	require_off_queues(b);
	require_counts(0, 1, 0, 0);
	vm_page_dequeue(b);		/* off every queue: a no-op */
	require_off_queues(b);
	vt_check_all();
	vm_page_free(a);
	vm_page_free(b);
	vm_page_free(c);
	vm_shutdown();
}

ATF_TC(dequeue_deferred_waits_for_drain);
ATF_TC_HEAD(dequeue_deferred_waits_for_drain, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_dequeue_deferred leaves the "
	    "page on its queue with PGA_DEQUEUE until the next drain removes "
	    "it; a later move to the same queue cancels the request");
}
ATF_TC_BODY(dequeue_deferred_waits_for_drain, tc)
{
	vm_page_t a, b;

	vt_boot();
	a = managed_page();
	b = managed_page();
	vm_page_deactivate(a);
	vm_page_deactivate(b);
	vm_page_pqbatch_drain();

	vm_page_dequeue_deferred(a);
	ATF_REQUIRE_EQ(PGA_ENQUEUED | PGA_DEQUEUE,
	    astate(a).flags & PGA_QUEUE_STATE_MASK);
	ATF_REQUIRE_EQ(PQ_INACTIVE, vm_page_queue(a));
	require_counts(2, 0, 0, 0);
	vm_page_pqbatch_drain();
	require_off_queues(a);
	require_counts(1, 0, 0, 0);
	require_order(PQ_INACTIVE, &b, 1);

	vm_page_dequeue_deferred(b);
	vm_page_deactivate(b);		/* changes its mind */
	ATF_REQUIRE_EQ(PQ_INACTIVE, vm_page_queue(b));
	ATF_REQUIRE_EQ(PGA_ENQUEUED, astate(b).flags &
	    (PGA_ENQUEUED | PGA_DEQUEUE));
	vm_page_pqbatch_drain();
	require_enqueued(b, PQ_INACTIVE);
	require_counts(1, 0, 0, 0);
	vt_check_all();
	vm_page_free(a);
	vm_page_free(b);
	require_counts(0, 0, 0, 0);
	vm_shutdown();
}

ATF_TC(free_dequeues_page);
ATF_TC_HEAD(free_dequeues_page, tc)
{
	atf_tc_set_md_var(tc, "descr", "Freeing an enqueued page takes it off "
	    "its queue at once; freeing a page whose insertion is pending "
	    "leaves nothing for the drain to insert");
}
ATF_TC_BODY(free_dequeues_page, tc)
{
	vm_page_t a, b;

	vt_boot();
	a = managed_page();
	b = managed_page();
	vm_page_activate(a);
	vm_page_pqbatch_drain();
	vm_page_activate(b);
	vm_page_free(a);
	vm_page_free(b);
	require_counts(0, 0, 0, 0);
	require_off_queues(a);
	require_off_queues(b);
	vm_page_pqbatch_drain();
	require_counts(0, 0, 0, 0);
	ATF_REQUIRE_EQ(VPB_FREED, atomic_load(&b->busy_lock));
	require_off_queues(b);
	vt_check_all();
	vm_shutdown();
}

/* ---- wired and unmanaged pages --------------------------------------------- */

ATF_TC(unqueueable_pages_stay_off);
ATF_TC_HEAD(unqueueable_pages_stay_off, tc)
{
	atf_tc_set_md_var(tc, "descr", "Queue moves of unmanaged pages and of "
	    "wired managed pages do nothing");
}
ATF_TC_BODY(unqueueable_pages_stay_off, tc)
{
	vm_page_t u, w;

	vt_boot();
	u = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	ATF_REQUIRE(u->oflags & VPO_UNMANAGED);
	w = managed_page();
	vm_page_wire(w);
	vm_page_activate(u);
	vm_page_deactivate(u);
	vm_page_launder(u);
	vm_page_unswappable(u);
	vm_page_deactivate_noreuse(u);
	vm_page_activate(w);
	vm_page_deactivate(w);
	vm_page_launder(w);
	vm_page_unswappable(w);
	vm_page_deactivate_noreuse(w);
	require_off_queues(u);
	require_off_queues(w);
	vm_page_pqbatch_drain();
	require_counts(0, 0, 0, 0);
	ATF_REQUIRE(vm_page_unwire_noq(w));
	vm_page_activate(w);
	vm_page_pqbatch_drain();
	require_enqueued(w, PQ_ACTIVE);
	vt_check_all();
	vm_page_free(u);
	vm_page_free(w);
	vm_shutdown();
}

ATF_TC(wired_pending_page_not_inserted);
ATF_TC_HEAD(wired_pending_page_not_inserted, tc)
{
	atf_tc_set_md_var(tc, "descr", "A page wired while its insertion is "
	    "pending gets PGA_DEQUEUE, and the drain leaves it off the "
	    "queue");
}
ATF_TC_BODY(wired_pending_page_not_inserted, tc)
{
	vm_page_t a;

	vt_boot();
	a = managed_page();
	vm_page_activate(a);
	vm_page_wire(a);
	ATF_REQUIRE(astate(a).flags & PGA_DEQUEUE);
	vm_page_pqbatch_drain();
	require_off_queues(a);
	require_counts(0, 0, 0, 0);
	ATF_REQUIRE(vm_page_unwire_noq(a));
	require_off_queues(a);
	vt_check_all();
	vm_page_free(a);
	vm_shutdown();
}

ATF_TC(wired_page_leaves_queue_at_next_drain);
ATF_TC_HEAD(wired_page_leaves_queue_at_next_drain, tc)
{
	atf_tc_set_md_var(tc, "descr", "Wiring an enqueued page requests its "
	    "removal (PGA_DEQUEUE) and the next vm_page_pqbatch_drain takes "
	    "it off the queue, so v_active_count no longer counts a wired "
	    "page; after the last unwiring it can be activated again");
}
ATF_TC_BODY(wired_page_leaves_queue_at_next_drain, tc)
{
	vm_page_t a, b;

	vt_boot();
	a = managed_page();
	b = managed_page();
	vm_page_activate(a);
	vm_page_activate(b);
	vm_page_pqbatch_drain();
	require_counts(0, 2, 0, 0);

	vm_page_wire(a);
	ATF_REQUIRE_EQ(PGA_ENQUEUED | PGA_DEQUEUE,
	    astate(a).flags & PGA_QUEUE_STATE_MASK);
	vm_page_pqbatch_drain();
	ATF_REQUIRE_EQ_MSG(PQ_NONE, vm_page_queue(a), "the wired page is "
	    "still on queue %d after the drain (flags %#x)", vm_page_queue(a),
	    astate(a).flags);
	require_counts(0, 1, 0, 0);
	require_order(PQ_ACTIVE, &b, 1);

	ATF_REQUIRE(vm_page_unwire_noq(a));
	require_off_queues(a);
	vm_page_activate(a);
	vm_page_pqbatch_drain();
	require_enqueued(a, PQ_ACTIVE);
	require_counts(0, 2, 0, 0);
	vt_check_all();
	vm_page_free(a);
	vm_page_free(b);
	vm_shutdown();
}

ATF_TC(wired_page_dequeue_deferred);
ATF_TC_HEAD(wired_page_dequeue_deferred, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_dequeue_deferred of an "
	    "enqueued wired page (PGA_DEQUEUE already set by the wiring) "
	    "still takes it off the queue at the next drain");
}
ATF_TC_BODY(wired_page_dequeue_deferred, tc)
{
	vm_page_t a;

	vt_boot();
	a = managed_page();
	vm_page_activate(a);
	vm_page_pqbatch_drain();
	vm_page_wire(a);
	vm_page_dequeue_deferred(a);
	vm_page_pqbatch_drain();
	ATF_REQUIRE_EQ_MSG(PQ_NONE, vm_page_queue(a), "still on queue %d "
	    "(flags %#x)", vm_page_queue(a), astate(a).flags);
	require_counts(0, 0, 0, 0);
	ATF_REQUIRE(vm_page_unwire_noq(a));
	vt_check_all();
	vm_page_free(a);
	vm_shutdown();
}

/* ---- domains and the pqbatch thread ------------------------------------------ */

ATF_TC(queues_are_per_domain);
ATF_TC_HEAD(queues_are_per_domain, tc)
{
	atf_tc_set_md_var(tc, "descr", "With two domains a page goes on its "
	    "own domain's queue; vm_pagequeue_count and the sysctls sum the "
	    "domains");
}
ATF_TC_BODY(queues_are_per_domain, tc)
{
	vm_page_t m[2], got[4];
	int d;

	vt_boot_cfg(VT_PHYSMEM, VT_NCPU, 2, NULL);
	for (d = 0; d < 2; d++) {
		m[d] = vm_page_alloc_noobj_domain(d, VM_ALLOC_NORMAL);
		ATF_REQUIRE(m[d] != NULL);
		m[d]->oflags = 0;
		vm_page_launder(m[d]);
	}
	vm_page_pqbatch_drain();
	for (d = 0; d < 2; d++) {
		ATF_REQUIRE_EQ(1, queue_list(d, PQ_LAUNDRY, got, 4));
		ATF_REQUIRE(got[0] == m[d]);
		ATF_REQUIRE(vm_page_pagequeue(m[d]) ==
		    &VM_DOMAIN(d)->vmd_pagequeues[PQ_LAUNDRY]);
	}
	require_counts(0, 0, 2, 0);
	vt_check_all();
	vm_page_free(m[0]);
	vm_page_free(m[1]);
	vm_shutdown();
}

ATF_TC(pqbatch_thread_drains);
ATF_TC_HEAD(pqbatch_thread_drains, tc)
{
	atf_tc_set_md_var(tc, "descr", "With vm.pqbatch_interval set to 10 ms "
	    "the pqbatch kernel thread applies pending batches by itself");
}
ATF_TC_BODY(pqbatch_thread_drains, tc)
{
	vm_page_t p[5];
	uint64_t end;
	int i;

	vt_boot();
	for (i = 0; i < 5; i++) {
		p[i] = managed_page();
		vm_page_activate(p[i]);
	}
	vt_msleep(50);
	ATF_REQUIRE_EQ(0, vm_pagequeue_count(PQ_ACTIVE));
	vt_pqbatch_interval(10);
	end = vt_now_ms() + 2000;
	while (vm_pagequeue_count(PQ_ACTIVE) != 5 && vt_now_ms() < end)
		vt_msleep(2);
	ATF_REQUIRE_EQ(5, vm_pagequeue_count(PQ_ACTIVE));
	vt_pqbatch_interval(0);
	vt_check_all();
	free_pages(p, 5);
	vm_shutdown();
}

ATF_TC(pqbatch_interval_zero_stops_drains);
ATF_TC_HEAD(pqbatch_interval_zero_stops_drains, tc)
{
	atf_tc_set_md_var(tc, "descr", "Setting vm.pqbatch_interval to 0 "
	    "turns the pqbatch thread's drains off at once: batches pending "
	    "when it is set stay pending (the thread must not do one more "
	    "drain with the interval it read before sleeping)");
}
ATF_TC_BODY(pqbatch_interval_zero_stops_drains, tc)
{
	struct vm_config c;
	vm_page_t p[5];
	int i, zero = 0;

	/* Boot with the default interval (200 ms), not through vt_boot. */
	vm_config_init(&c);
	c.physmem = VT_PHYSMEM;
	c.ncpu = VT_NCPU;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	/* Let the thread go to sleep for its first 200 ms. */
	vt_msleep(20);
	for (i = 0; i < 5; i++) {
		p[i] = managed_page();
		vm_page_activate(p[i]);
	}
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.pqbatch_interval", NULL, NULL,
	    &zero, sizeof(zero)));
	vt_msleep(100);
	ATF_REQUIRE_EQ_MSG(0, vm_pagequeue_count(PQ_ACTIVE), "the pqbatch "
	    "thread drained %u pages after its interval was set to 0",
	    vm_pagequeue_count(PQ_ACTIVE));
	vm_page_pqbatch_drain();
	ATF_REQUIRE_EQ(5, vm_pagequeue_count(PQ_ACTIVE));
	vt_check_all();
	free_pages(p, 5);
	vm_shutdown();
}

/* ---- concurrency ------------------------------------------------------------- */

#define	NSHARED	64

struct qracer {
	vm_page_t	*pages;
	int		first, n;	/* the pages this thread may touch */
	int		ops;
	uint64_t	seed;
	_Atomic int	*go;
};

static void *
qracer_main(void *arg)
{
	struct qracer *r = arg;
	vm_page_t m;
	int i;

	while (atomic_load(r->go) == 0)
		;
	for (i = 0; i < r->ops; i++) {
		m = r->pages[r->first + (int)(vt_rand(&r->seed) %
		    (uint64_t)r->n)];
		switch (vt_rand(&r->seed) % 20) {
		case 0: case 1: case 2:
			vm_page_activate(m);
			break;
		case 3: case 4: case 5:
			vm_page_deactivate(m);
			break;
		case 6: case 7:
			vm_page_deactivate_noreuse(m);
			break;
		case 8: case 9:
			vm_page_launder(m);
			break;
		case 10: case 11:
			vm_page_unswappable(m);
			break;
		case 12: case 13: case 14:
			vm_page_requeue(m);
			break;
		case 15: case 16:
			vm_page_dequeue(m);
			break;
		case 17: case 18:
			vm_page_dequeue_deferred(m);
			break;
		case 19:
			if (vt_rand(&r->seed) % 8 == 0)
				vm_page_pqbatch_drain();
			else
				vm_page_requeue(m);
			break;
		}
	}
	return (NULL);
}

static void
check_random_queue_ops(bool shared)
{
	struct qracer r[2];
	vm_page_t pages[NSHARED];
	pthread_t t[2];
	_Atomic int go = 0;
	vm_page_astate_t a;
	u_int count[PQ_COUNT];
	int i, q;

	vt_boot();
	for (i = 0; i < NSHARED; i++)
		pages[i] = managed_page();
	for (i = 0; i < 2; i++) {
		r[i].pages = pages;
		r[i].first = shared ? 0 : i * (NSHARED / 2);
		r[i].n = shared ? NSHARED : NSHARED / 2;
		r[i].ops = 50000;
		r[i].seed = (uint64_t)(i + 1) * 77;
		r[i].go = &go;
		t[i] = vt_thread(qracer_main, &r[i]);
	}
	atomic_store(&go, 1);
	for (i = 0; i < 2; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	vm_page_pqbatch_drain();
	vt_check_all();

	memset(count, 0, sizeof(count));
	for (i = 0; i < NSHARED; i++) {
		a = astate(pages[i]);
		if (a.queue == PQ_NONE) {
			ATF_REQUIRE_EQ_MSG(0, a.flags & PGA_QUEUE_STATE_MASK,
			    "page %d off the queues with flags %#x", i,
			    a.flags);
			continue;
		}
		ATF_REQUIRE(a.queue < PQ_COUNT);
		ATF_REQUIRE_EQ_MSG(PGA_ENQUEUED, a.flags &
		    PGA_QUEUE_STATE_MASK, "page %d names queue %d with flags "
		    "%#x after the drain", i, a.queue, a.flags);
		count[a.queue]++;
	}
	require_counts(count[PQ_INACTIVE], count[PQ_ACTIVE],
	    count[PQ_LAUNDRY], count[PQ_UNSWAPPABLE]);
	for (q = 0; q < PQ_COUNT; q++) {
		vm_page_t got[NSHARED];

		ATF_REQUIRE_EQ((int)count[q], queue_list(0, q, got, NSHARED));
	}
	free_pages(pages, NSHARED);
	require_counts(0, 0, 0, 0);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(random_ops_two_threads_owned);
ATF_TC_HEAD(random_ops_two_threads_owned, tc)
{
	atf_tc_set_md_var(tc, "descr", "Two threads apply 50000 random queue "
	    "operations each to their own half of 64 pages; after a drain "
	    "the checkers pass and each queue's count is the number of "
	    "pages whose astate names it");
}
ATF_TC_BODY(random_ops_two_threads_owned, tc)
{
	check_random_queue_ops(false);
}

ATF_TC(random_ops_two_threads_shared);
ATF_TC_HEAD(random_ops_two_threads_shared, tc)
{
	atf_tc_set_md_var(tc, "descr", "As random_ops_two_threads_owned, with "
	    "both threads operating on all 64 pages at once");
}
ATF_TC_BODY(random_ops_two_threads_shared, tc)
{
	check_random_queue_ops(true);
}

struct drainer {
	_Atomic int	*stop;
	u_long		drains;
};

static void *
drainer_main(void *arg)
{
	struct drainer *d = arg;

	while (atomic_load(d->stop) == 0) {
		vm_page_pqbatch_drain();
		d->drains++;
	}
	return (NULL);
}

struct mover {
	vm_page_t	*pages;
	int		n;
	uint64_t	seed;
	_Atomic int	*stop;
	u_long		moves;
};

/*
 * Bounce pages between the active and laundry queues: moving an enqueued
 * page unlinks it from its old queue while stale batch entries for the
 * new queue (left by earlier moves) may be applied by the drainer.
 */
static void *
mover_main(void *arg)
{
	struct mover *mv = arg;
	vm_page_astate_t a;
	vm_page_t m;

	while (atomic_load(mv->stop) == 0) {
		m = mv->pages[vt_rand(&mv->seed) % (uint64_t)mv->n];
		a = vm_page_astate_load(m);
		if (a.queue == PQ_ACTIVE)
			vm_page_launder(m);
		else if (a.queue == PQ_LAUNDRY)
			vm_page_activate(m);
		else
			vm_page_deactivate(m);
		if (vt_rand(&mv->seed) % 4 == 0)
			vm_page_dequeue(m);
		mv->moves++;
	}
	return (NULL);
}

ATF_TC(moves_race_continuous_drain);
ATF_TC_HEAD(moves_race_continuous_drain, tc)
{
	atf_tc_set_md_var(tc, "descr", "Two threads move 16 pages between "
	    "queues while a third drains the batches without pause (0.5 s): "
	    "a page must be unlinked from its old queue before its new "
	    "queue can insert it, or the lists are corrupted");
}
ATF_TC_BODY(moves_race_continuous_drain, tc)
{
	struct mover mv[2];
	struct drainer dr;
	vm_page_t pages[16];
	pthread_t t[3];
	_Atomic int stop = 0;
	vm_page_astate_t a;
	u_int count[PQ_COUNT];
	int i;

	vt_boot();
	for (i = 0; i < 16; i++)
		pages[i] = managed_page();
	memset(&dr, 0, sizeof(dr));
	dr.stop = &stop;
	t[2] = vt_thread(drainer_main, &dr);
	for (i = 0; i < 2; i++) {
		memset(&mv[i], 0, sizeof(mv[i]));
		mv[i].pages = pages;
		mv[i].n = 16;
		mv[i].seed = (uint64_t)i + 5;
		mv[i].stop = &stop;
		t[i] = vt_thread(mover_main, &mv[i]);
	}
	vt_msleep(500);
	atomic_store(&stop, 1);
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	ATF_REQUIRE(dr.drains > 0 && mv[0].moves > 0 && mv[1].moves > 0);
	vm_page_pqbatch_drain();
	vt_check_all();
	memset(count, 0, sizeof(count));
	for (i = 0; i < 16; i++) {
		a = astate(pages[i]);
		if (a.queue != PQ_NONE)
			count[a.queue]++;
	}
	require_counts(count[PQ_INACTIVE], count[PQ_ACTIVE],
	    count[PQ_LAUNDRY], count[PQ_UNSWAPPABLE]);
	free_pages(pages, 16);
	vt_check_all();
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, queue_ops_land_on_right_queue);
	ATF_TP_ADD_TC(tp, batch_flushes_when_full);
	ATF_TP_ADD_TC(tp, move_between_queues);
	ATF_TP_ADD_TC(tp, requeue_moves_to_tail);
	ATF_TP_ADD_TC(tp, deactivate_noreuse_puts_at_head);
	ATF_TP_ADD_TC(tp, deactivate_noreuse_of_inactive_page);
	ATF_TP_ADD_TC(tp, deactivate_of_inactive_page_requeues);
	ATF_TP_ADD_TC(tp, later_queue_request_wins);
	ATF_TP_ADD_TC(tp, dequeue_now);
	ATF_TP_ADD_TC(tp, dequeue_deferred_waits_for_drain);
	ATF_TP_ADD_TC(tp, free_dequeues_page);
	ATF_TP_ADD_TC(tp, unqueueable_pages_stay_off);
	ATF_TP_ADD_TC(tp, wired_pending_page_not_inserted);
	ATF_TP_ADD_TC(tp, wired_page_leaves_queue_at_next_drain);
	ATF_TP_ADD_TC(tp, wired_page_dequeue_deferred);
	ATF_TP_ADD_TC(tp, queues_are_per_domain);
	ATF_TP_ADD_TC(tp, pqbatch_thread_drains);
	ATF_TP_ADD_TC(tp, pqbatch_interval_zero_stops_drains);
	ATF_TP_ADD_TC(tp, random_ops_two_threads_owned);
	ATF_TP_ADD_TC(tp, random_ops_two_threads_shared);
	ATF_TP_ADD_TC(tp, moves_race_continuous_drain);
	return (atf_no_error());
}
