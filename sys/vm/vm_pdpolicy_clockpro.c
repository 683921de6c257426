/*
 * CLOCK-Pro page replacement (Jiang, Chen and Zhang, "CLOCK-Pro: an
 * effective improvement of the CLOCK replacement", USENIX ATC 2005), the
 * second policy of vm_pdpolicy.h, after NetBSD's uvm_pdpolicy_clockpro.
 *
 * LRU fails on loops and scans because it judges a page by its recency
 * alone.  CLOCK-Pro judges it by its reuse distance, like LIRS, at the
 * cost of CLOCK: pages with small reuse distances are hot, the others
 * cold, and a cold page is on probation ("in its test period") after each
 * use.  A cold page used again during its test period has shown a reuse
 * distance smaller than the hot pages' and becomes hot; one evicted
 * during its test period leaves a record (a ghost) so that a fault on it
 * soon after still counts as a reuse.
 *
 * All of a domain's clock is its PQ_ACTIVE queue: pages in the order of
 * their last move (oldest at the head of the TAILQ), ghosts among them
 * where their pages were, and three hands, marker pages that each point
 * at the entry after them and sweep from old to new, wrapping around:
 *
 *	cold hand	finds a victim among the resident cold pages: a
 *			referenced one in its test period is promoted (or
 *			starts a new test period), an unreferenced one is
 *			evicted and leaves a ghost if it was in test;
 *	hot hand	demotes the first unreferenced hot page it meets
 *			when a promotion needs room, and ends the test
 *			periods of the cold pages it passes;
 *	test hand	ends test periods, removing ghosts, when there are
 *			more ghosts than cp_ghost_max.
 *
 * The resident cold pages are kept near cp_cold_target, which grows when
 * a test-period page is reused and shrinks when a test period ends
 * unused, between cp_cold_min and cp_cold_max (vm.clockpro.cold_min_pct
 * and cold_max_pct of the clock's size, 5% both by default: the
 * configuration whose hit ratios match the paper's on its traces).
 *
 * A page's status is in its astate: PGA_HOT, PGA_TEST (none: cold, not
 * in test).  Statuses and counts change only under the PQ_ACTIVE lock, in
 * the enqueue and dequeue hooks (whoever moved the page), and in the
 * hands.  Reference bits are read and cleared (vm_pdpolicy_referenced)
 * under that lock too: the pv lock is taken inside the queue lock, never
 * the other way.
 *
 * A fault on a page with a ghost is recognized at activation, with the
 * page's object locked (the ghost's key is the page's object and index):
 * the promotion is decided then, under the queue lock, and passed to the
 * enqueue hook in PGA_HOT or PGA_TEST.  A ghost's object pointer is only
 * a key, never followed: it may name an object freed since.
 *
 * Pages to reclaim first still go to PQ_INACTIVE (madvise, read-ahead,
 * descriptor I/O, laundered pages), which the victim selection empties
 * before it runs the cold hand; a referenced page there joins the clock.
 *
 * Ghost records are host memory allocated at boot, like the vm_page
 * array: cp_ghost_max of them (vm.clockpro.ghost_pct, 150% of the clock's
 * size).
 *
 * Lock: the domain's PQ_ACTIVE pq_mutex covers everything here.
 * Invariants (clockpro_check): the counts match the statuses on the
 * clock; ghosts are in test, in the hash, and no more than cp_ghost_max.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/queue.h>
#include <sys/sysctl.h>
#include <vm/vm_meter.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pagequeue.h>
#include <vm/vm_pdpolicy.h>
#include <vm/vm_phys.h>

#define	CP_BATCH	32		/* victims per queue-lock hold */

TAILQ_HEAD(cp_ghostq, vm_page);

/*
 * A domain's clock.  Every field: (A) the domain's PQ_ACTIVE pq_mutex,
 * except cp_nghost, also read unlocked as a hint (a).
 */
struct clockpro {
	struct vm_page	cp_hand_hot;	/* the hands: markers on the clock */
	struct vm_page	cp_hand_cold;
	struct vm_page	cp_hand_test;
	bool		cp_hot_on;	/* a hand off the clock (no page of */
	bool		cp_cold_on;	/* its kind) restarts at the oldest */
	bool		cp_test_on;	/* entry, the test hand at the hot one */
	u_int		cp_nhot;	/* hot pages */
	u_int		cp_ncold;	/* resident cold pages */
	u_int		cp_ntest;	/* pages and ghosts in test */
	_Atomic u_int	cp_nghost;	/* ghosts; (a) to read unlocked */
	int		cp_size;	/* resident pages the clock is for */
	int		cp_cold_target;
	int		cp_cold_min;
	int		cp_cold_max;
	int		cp_ghost_max;
	struct vm_page	*cp_ghosts;	/* the records, cp_ghost_alloc */
	int		cp_ghost_alloc;
	struct cp_ghostq cp_ghost_free;
	struct cp_ghostq *cp_hash;	/* ghosts by (object, pindex) */
	u_long		cp_hashmask;
	uint64_t	cp_promotions;	/* stats */
	uint64_t	cp_demotions;
	uint64_t	cp_ghost_hits;
};

static void	clockpro_startup(void);
static void	clockpro_tune(struct vm_domain *);

static _Atomic int clockpro_cold_min_pct = 5;
static _Atomic int clockpro_cold_max_pct = 5;
static _Atomic int clockpro_ghost_pct = 150;

static inline struct clockpro *
cp_of(struct vm_domain *vmd)
{
	return (vmd->vmd_pdpolicy);
}

static inline struct vm_pagequeue *
cp_pq(struct vm_domain *vmd)
{
	return (&vmd->vmd_pagequeues[PQ_ACTIVE]);
}

/* ---- entries ------------------------------------------------------------ */

static inline bool
cp_is_ghost(vm_page_t m)
{
	return ((atomic_load_explicit(&m->flags, memory_order_relaxed) &
	    PG_GHOST) != 0);
}

/* A hand or another scanner's marker: not an entry of the clock. */
static inline bool
cp_is_hand(vm_page_t m)
{
	return ((atomic_load_explicit(&m->flags, memory_order_relaxed) &
	    (PG_MARKER | PG_GHOST)) == PG_MARKER);
}

static inline uint16_t
cp_status(vm_page_t m)
{
	return (vm_page_astate_load(m).flags & (PGA_HOT | PGA_TEST));
}

static inline bool
cp_is_hot(vm_page_t m)
{
	return ((cp_status(m) & PGA_HOT) != 0);
}

static inline bool
cp_in_test(vm_page_t m)
{
	return ((cp_status(m) & PGA_TEST) != 0);
}

static inline bool
cp_is_res_cold(vm_page_t m)
{
	return (!cp_is_ghost(m) && !cp_is_hot(m));
}

/*
 * Was m used since a hand last looked?  A page just faulted in carries
 * its fault's reference: the first look takes it for none.
 */
static bool
cp_referenced(vm_page_t m)
{
	vm_page_astate_t old, new;
	bool ref;

	ref = vm_pdpolicy_referenced(m);
	old = vm_page_astate_load(m);
	while ((old.flags & PGA_FRESH) != 0) {
		new = old;
		new.flags &= (uint16_t)~PGA_FRESH;
		if (atomic_compare_exchange_weak(&m->astate, &old._bits,
		    new._bits))
			return (false);
	}
	return (ref);
}

/* Set m's status bits, keeping the counts. */
static void
cp_set_status(struct clockpro *cp, vm_page_t m, uint16_t status)
{
	vm_page_astate_t old, new;
	bool ghost = cp_is_ghost(m);

	old = vm_page_astate_load(m);
	if ((old.flags & PGA_HOT) != 0)
		cp->cp_nhot--;
	else if (!ghost)
		cp->cp_ncold--;
	if ((old.flags & PGA_TEST) != 0)
		cp->cp_ntest--;
	do {
		new = old;
		/* PGA_FRESH stays until a hand looks (cp_referenced). */
		new.flags = (uint16_t)((old.flags & ~(PGA_HOT | PGA_TEST)) |
		    status);
	} while (!atomic_compare_exchange_weak(&m->astate, &old._bits,
	    new._bits));
	if ((status & PGA_HOT) != 0)
		cp->cp_nhot++;
	else if (!ghost)
		cp->cp_ncold++;
	if ((status & PGA_TEST) != 0)
		cp->cp_ntest++;
}

/* Move a page to the newest end of the clock with a new status. */
static void
cp_to_newest(struct vm_domain *vmd, struct clockpro *cp, vm_page_t m,
    uint16_t status)
{
	struct vm_pagequeue *pq = cp_pq(vmd);

	TAILQ_REMOVE(&pq->pq_pl, m, plinks.q);
	TAILQ_INSERT_TAIL(&pq->pq_pl, m, plinks.q);
	cp_set_status(cp, m, status);
}

static void
cp_adjust_target(struct clockpro *cp, int n)
{
	cp->cp_cold_target = MAX(cp->cp_cold_min, MIN(cp->cp_cold_max,
	    cp->cp_cold_target + n));
}

/* ---- ghosts ------------------------------------------------------------- */

static inline struct cp_ghostq *
cp_bucket(struct clockpro *cp, vm_object_t object, vm_pindex_t pindex)
{
	uint64_t h = ((uintptr_t)object >> 6) * 0x9e3779b97f4a7c15ull ^
	    pindex * 0xc2b2ae3d27d4eb4full;

	return (&cp->cp_hash[(h >> 17) & cp->cp_hashmask]);
}

static vm_page_t
cp_ghost_lookup(struct clockpro *cp, vm_object_t object, vm_pindex_t pindex)
{
	vm_page_t g;

	TAILQ_FOREACH(g, cp_bucket(cp, object, pindex), listq)
		if (g->object == object && g->pindex == pindex)
			return (g);
	return (NULL);
}

/*
 * Leave a ghost of evicted page m where m is on the clock; the page itself
 * is taken off by the caller.  Without a free record the history is
 * shortened: the test hand ends the oldest test period first.
 */
static void
cp_ghost_add(struct vm_domain *vmd, struct clockpro *cp, vm_page_t m)
{
	vm_page_astate_t as;
	vm_page_t g;

	if ((g = TAILQ_FIRST(&cp->cp_ghost_free)) == NULL)
		return;
	TAILQ_REMOVE(&cp->cp_ghost_free, g, plinks.q);
	g->object = m->object;
	g->pindex = m->pindex;
	as._bits = 0;
	as.queue = PQ_ACTIVE;
	as.flags = PGA_ENQUEUED | PGA_TEST;
	atomic_store(&g->astate, as._bits);
	TAILQ_INSERT_BEFORE(m, g, plinks.q);
	TAILQ_INSERT_HEAD(cp_bucket(cp, g->object, g->pindex), g, listq);
	cp->cp_nghost++;
	cp->cp_ntest++;
	(void)vmd;
}

static void
cp_ghost_remove(struct vm_domain *vmd, struct clockpro *cp, vm_page_t g)
{
	vm_page_astate_t as;

	TAILQ_REMOVE(&cp_pq(vmd)->pq_pl, g, plinks.q);
	TAILQ_REMOVE(cp_bucket(cp, g->object, g->pindex), g, listq);
	cp->cp_nghost--;
	cp->cp_ntest--;
	g->object = NULL;
	as._bits = 0;
	as.queue = PQ_NONE;
	atomic_store(&g->astate, as._bits);
	TAILQ_INSERT_HEAD(&cp->cp_ghost_free, g, plinks.q);
}

/* ---- hands ---------------------------------------------------------------- */

/*
 * The entry hand points at: the first one after its marker, wrapping from
 * the newest end to the oldest.  NULL when the clock has no entry.
 */
static vm_page_t
cp_hand_entry(struct vm_domain *vmd, vm_page_t hand)
{
	struct vm_pagequeue *pq = cp_pq(vmd);
	vm_page_t m;
	int wraps = 0;

	for (m = TAILQ_NEXT(hand, plinks.q);; m = TAILQ_NEXT(m, plinks.q)) {
		if (m == NULL) {
			if (wraps++ > 0)
				return (NULL);
			TAILQ_REMOVE(&pq->pq_pl, hand, plinks.q);
			TAILQ_INSERT_HEAD(&pq->pq_pl, hand, plinks.q);
			m = hand;
			continue;
		}
		if (!cp_is_hand(m))
			return (m);
	}
}

/* Move hand just past entry m. */
static void
cp_hand_past(struct vm_domain *vmd, vm_page_t hand, vm_page_t m)
{
	struct vm_pagequeue *pq = cp_pq(vmd);

	TAILQ_REMOVE(&pq->pq_pl, hand, plinks.q);
	TAILQ_INSERT_AFTER(&pq->pq_pl, m, hand, plinks.q);
}

/* Put a hand that was off the clock at the oldest entry. */
static void
cp_hand_restart(struct vm_domain *vmd, vm_page_t hand, bool *on)
{
	struct vm_pagequeue *pq = cp_pq(vmd);

	if (!*on) {
		TAILQ_INSERT_HEAD(&pq->pq_pl, hand, plinks.q);
		*on = true;
	}
}

static void
cp_hand_off(struct vm_domain *vmd, vm_page_t hand, bool *on)
{
	if (*on) {
		TAILQ_REMOVE(&cp_pq(vmd)->pq_pl, hand, plinks.q);
		*on = false;
	}
}

/*
 * End m's test period: a resident page stays cold, a ghost goes.  The
 * cold target follows whether the period saw a reuse.
 */
static void
cp_end_test(struct vm_domain *vmd, struct clockpro *cp, vm_page_t m)
{
	bool reused;

	if (!cp_in_test(m))
		return;
	if (cp_is_ghost(m)) {
		cp_ghost_remove(vmd, cp, m);
		reused = false;
	} else {
		reused = (vm_page_astate_load(m).flags & PGA_REFERENCED) != 0;
		cp_set_status(cp, m, 0);
	}
	cp_adjust_target(cp, reused ? 1 : -1);
}

/* Point the test hand at the test-period entry of largest recency. */
static void
cp_next_test(struct vm_domain *vmd, struct clockpro *cp)
{
	vm_page_t m;

	if (cp->cp_ntest == 0) {
		cp_hand_off(vmd, &cp->cp_hand_test, &cp->cp_test_on);
		return;
	}
	if (!cp->cp_test_on) {
		/* Restart where the hot hand is (or at the oldest entry). */
		if (cp->cp_hot_on)
			TAILQ_INSERT_AFTER(&cp_pq(vmd)->pq_pl,
			    &cp->cp_hand_hot, &cp->cp_hand_test, plinks.q);
		else
			TAILQ_INSERT_HEAD(&cp_pq(vmd)->pq_pl,
			    &cp->cp_hand_test, plinks.q);
		cp->cp_test_on = true;
	}
	while ((m = cp_hand_entry(vmd, &cp->cp_hand_test)) != NULL &&
	    !cp_in_test(m))
		cp_hand_past(vmd, &cp->cp_hand_test, m);
}

/*
 * Point the hot hand at the hot page of largest recency, ending the test
 * periods of the cold entries it passes.
 */
static void
cp_next_hot(struct vm_domain *vmd, struct clockpro *cp)
{
	vm_page_t m;

	if (cp->cp_nhot == 0) {
		cp_hand_off(vmd, &cp->cp_hand_hot, &cp->cp_hot_on);
		return;
	}
	cp_hand_restart(vmd, &cp->cp_hand_hot, &cp->cp_hot_on);
	while ((m = cp_hand_entry(vmd, &cp->cp_hand_hot)) != NULL &&
	    !cp_is_hot(m)) {
		cp_hand_past(vmd, &cp->cp_hand_hot, m);
		cp_end_test(vmd, cp, m);
	}
	cp_next_test(vmd, cp);
}

/* Point the cold hand at the resident cold page of largest recency. */
static void
cp_next_cold(struct vm_domain *vmd, struct clockpro *cp)
{
	vm_page_t m;

	if (cp->cp_ncold == 0) {
		cp_hand_off(vmd, &cp->cp_hand_cold, &cp->cp_cold_on);
		return;
	}
	cp_hand_restart(vmd, &cp->cp_hand_cold, &cp->cp_cold_on);
	while ((m = cp_hand_entry(vmd, &cp->cp_hand_cold)) != NULL &&
	    !cp_is_res_cold(m))
		cp_hand_past(vmd, &cp->cp_hand_cold, m);
}

static void
cp_organize(struct vm_domain *vmd, struct clockpro *cp)
{
	cp_next_cold(vmd, cp);
	cp_next_hot(vmd, cp);
	cp_next_test(vmd, cp);
}

/*
 * Run the hot hand from where it is up to trigger, a cold entry in its
 * test period whose reuse wants a hot page's place: referenced hot pages
 * are spared, the first unreferenced one is demoted.  Whether one was.
 */
static bool
cp_run_hot(struct vm_domain *vmd, struct clockpro *cp, vm_page_t trigger)
{
	vm_page_t m;
	bool demoted = false;
	u_int budget = 2 * (atomic_load_explicit(&cp_pq(vmd)->pq_cnt,
	    memory_order_relaxed) + cp->cp_nghost) + 2;

	cp_hand_restart(vmd, &cp->cp_hand_hot, &cp->cp_hot_on);
	while ((m = cp_hand_entry(vmd, &cp->cp_hand_hot)) != NULL &&
	    m != trigger && budget-- > 0) {
		if (cp_is_hot(m)) {
			if (cp_referenced(m))
				cp_to_newest(vmd, cp, m, PGA_HOT);
			else {
				cp_to_newest(vmd, cp, m, 0);
				cp->cp_demotions++;
				demoted = true;
				break;
			}
		} else {
			cp_hand_past(vmd, &cp->cp_hand_hot, m);
			cp_end_test(vmd, cp, m);
		}
	}
	cp_next_hot(vmd, cp);
	return (demoted);
}

/*
 * May cold entry c, reused in its test period, become hot?  Only if a hot
 * page can make room (the hot pages stay within cp_size less the cold
 * target) before the hot hand passes c and ends its test period.
 */
static bool
cp_can_promote(struct vm_domain *vmd, struct clockpro *cp, vm_page_t c)
{
	if (!cp_in_test(c))
		return (false);
	cp_adjust_target(cp, 1);
	while ((int)cp->cp_nhot >= cp->cp_size - cp->cp_cold_target) {
		if (!cp_in_test(c))
			return (false);
		if (!cp_run_hot(vmd, cp, c))
			return (false);
	}
	return (true);
}

/* The test hand: end the oldest test period. */
static void
cp_run_test(struct vm_domain *vmd, struct clockpro *cp)
{
	vm_page_t m;

	cp_next_test(vmd, cp);
	if (!cp->cp_test_on ||
	    (m = cp_hand_entry(vmd, &cp->cp_hand_test)) == NULL)
		return;
	cp_hand_past(vmd, &cp->cp_hand_test, m);
	cp_end_test(vmd, cp, m);
	cp_next_test(vmd, cp);
}

/* ---- the policy's operations ------------------------------------------ */

/*
 * A page was used.  On the clock: its reference bit.  Off it: it joins
 * (vm_page_activate_queue), as hot if it has a ghost whose test period
 * is still running and a hot page makes room.
 *
 * => m's object locked or m busied (its identity is stable).
 */
static void
clockpro_activate(vm_page_t m)
{
	struct vm_domain *vmd;
	struct clockpro *cp;
	vm_page_astate_t old, new;
	vm_page_t g;
	uint16_t hint = 0;

	old = vm_page_astate_load(m);
	if (old.queue == PQ_ACTIVE && (old.flags & PGA_DEQUEUE) == 0) {
		vm_page_aflag_set(m, PGA_REFERENCED);
		return;
	}
	vmd = VM_DOMAIN(m->domain);
	cp = cp_of(vmd);
	if (m->object != NULL && atomic_load_explicit(&cp->cp_nghost,
	    memory_order_relaxed) > 0) {
		vm_pagequeue_lock(cp_pq(vmd));
		g = cp_ghost_lookup(cp, m->object, m->pindex);
		if (g != NULL) {
			cp->cp_ghost_hits++;
			if (cp_can_promote(vmd, cp, g)) {
				hint = PGA_HOT;
				cp->cp_promotions++;
			} else
				hint = PGA_TEST;
			/* cp_can_promote may have ended g's test period. */
			if (cp_is_ghost(g) && g->object == m->object &&
			    g->pindex == m->pindex &&
			    vm_page_astate_load(g).queue == PQ_ACTIVE)
				cp_ghost_remove(vmd, cp, g);
			cp_organize(vmd, cp);
		}
		vm_pagequeue_unlock(cp_pq(vmd));
	}
	/* The hint rides on the page to the enqueue hook. */
	old = vm_page_astate_load(m);
	do {
		/* Never touch the status of a page linked on the clock. */
		if (old.queue == PQ_ACTIVE && (old.flags & PGA_ENQUEUED) != 0)
			break;
		new = old;
		new.flags = (uint16_t)((old.flags & ~PGA_POLICY_MASK) | hint);
	} while (new._bits != old._bits && !atomic_compare_exchange_weak(
	    &m->astate, &old._bits, new._bits));
	vm_page_activate_queue(m);
}

/*
 * m was linked into the clock, at its newest end.  Its status: decided by
 * activation (a ghost's reuse), else hot while memory has room beyond the
 * clock's cold minimum (warming up), else cold in its test period.
 */
static void
clockpro_enqueue(struct vm_domain *vmd, vm_page_t m)
{
	struct clockpro *cp = cp_of(vmd);
	uint16_t hint = cp_status(m), status;
	int free;

	vm_pagequeue_assert_locked(cp_pq(vmd));
	/*
	 * The room left: the simulator's clock is all of its memory; a
	 * real domain also holds pages off the clock (wired, laundry,
	 * inactive), so its room is what the page daemon would not take
	 * back.
	 */
	if (vmd->vmd_sim)
		free = cp->cp_size - (int)(cp->cp_nhot + cp->cp_ncold);
	else
		free = (int)atomic_load(&vmd->vmd_free_count) -
		    (int)vmd->vmd_free_target;
	hint &= PGA_HOT | PGA_TEST;
	if ((hint & PGA_HOT) != 0)
		status = PGA_HOT;
	else if (hint == 0 && free > cp->cp_cold_min)
		status = PGA_HOT;
	else
		status = PGA_TEST;
	/* Count it as its hint says, then give it its status. */
	if ((hint & PGA_HOT) != 0)
		cp->cp_nhot++;
	else
		cp->cp_ncold++;
	if ((hint & PGA_TEST) != 0)
		cp->cp_ntest++;
	/*
	 * The access that faulted a page in is no reuse, but it set the
	 * page's accessed bit; the first look of a hand discounts it
	 * (cp_referenced).  No pmap call here: this may run in a critical
	 * section.  The simulator's pages are not referenced by their miss.
	 */
	cp_set_status(cp, m, status | (vmd->vmd_sim ? 0 : PGA_FRESH));
	cp_organize(vmd, cp);
}

/* m left the clock (oflags: its astate flags before). */
static void
clockpro_dequeue(struct vm_domain *vmd, vm_page_t m, uint16_t oflags)
{
	struct clockpro *cp = cp_of(vmd);

	vm_pagequeue_assert_locked(cp_pq(vmd));
	(void)m;
	if ((oflags & PGA_HOT) != 0)
		cp->cp_nhot--;
	else
		cp->cp_ncold--;
	if ((oflags & PGA_TEST) != 0)
		cp->cp_ntest--;
	/*
	 * A hand pointing at m now points at the entry after it; one with
	 * nothing left to point at restarts from the oldest entry.
	 */
	if (cp->cp_ncold == 0)
		cp_hand_off(vmd, &cp->cp_hand_cold, &cp->cp_cold_on);
	if (cp->cp_nhot == 0)
		cp_hand_off(vmd, &cp->cp_hand_hot, &cp->cp_hot_on);
	if (cp->cp_ntest == 0)
		cp_hand_off(vmd, &cp->cp_hand_test, &cp->cp_test_on);
}

static void
clockpro_deactivate(vm_page_t m, bool noreuse)
{
	vm_page_deactivate_queue(m, noreuse);
}

/*
 * The cold hand, until n victims are collected (exclusively busied and
 * off the clock) or the clock has been gone around.  With no resident
 * cold page (the clock warmed up hot), the hot hand demotes one first.
 *
 * => PQ_ACTIVE locked.
 */
static int
cp_collect(struct vm_domain *vmd, struct clockpro *cp, vm_page_t *ma, int n)
{
	struct vm_pagequeue *pq = cp_pq(vmd);
	vm_page_t m;
	int got = 0;
	u_int budget = 2 * (atomic_load_explicit(&pq->pq_cnt,
	    memory_order_relaxed) + cp->cp_nghost) + 2;

	while (got < n && budget-- > 0) {
		if (cp->cp_ncold == 0) {
			if (cp->cp_nhot == 0 || !cp_run_hot(vmd, cp, NULL))
				break;
			cp_next_cold(vmd, cp);
			continue;
		}
		cp_next_cold(vmd, cp);
		m = cp_hand_entry(vmd, &cp->cp_hand_cold);
		if (m == NULL)
			break;
		KASSERT(cp_is_res_cold(m), ("%s: cold hand at %p", __func__,
		    (void *)m));
		if ((vm_page_astate_load(m).flags & PGA_DEQUEUE) != 0 ||
		    vm_page_wired(m) != 0) {
			/* Leaving the clock already. */
			cp_hand_past(vmd, &cp->cp_hand_cold, m);
			continue;
		}
		if (cp_referenced(m)) {
			if (cp_in_test(m) && cp_can_promote(vmd, cp, m)) {
				cp_to_newest(vmd, cp, m, PGA_HOT);
				cp->cp_promotions++;
			} else
				cp_to_newest(vmd, cp, m, PGA_TEST);
		} else if (!vm_page_tryxbusy(m)) {
			cp_hand_past(vmd, &cp->cp_hand_cold, m);
			continue;
		} else {
			if (cp_in_test(m))
				cp_ghost_add(vmd, cp, m);
			vm_pagequeue_remove_locked(pq, m);
			ma[got++] = m;
			while ((int)cp->cp_nghost > cp->cp_ghost_max &&
			    cp->cp_ntest > 0)
				cp_run_test(vmd, cp);
		}
	}
	VM_CNT_ADD(v_pdpages, got);
	return (got);
}

static void
clockpro_selectvictim(struct vm_pdscan *ps)
{
	struct vm_domain *vmd = ps->ps_vmd;
	struct clockpro *cp = cp_of(vmd);
	vm_page_t ma[CP_BATCH], m;
	vm_object_t object;
	int i, n;

	/* Pages someone asked to go first. */
	vm_pageout_scan_inactive(ps);
	while (ps->ps_freed < ps->ps_target) {
		vm_pagequeue_lock(cp_pq(vmd));
		n = cp_collect(vmd, cp, ma, MIN(CP_BATCH,
		    ps->ps_target - ps->ps_freed));
		vm_pagequeue_unlock(cp_pq(vmd));
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			m = ma[i];
			object = m->object;
			if (object == NULL || !VM_OBJECT_TRYWLOCK(object)) {
				/* Off the clock: back where it can be found. */
				if (vm_page_wired(m) == 0)
					vm_page_deactivate_queue(m, false);
				vm_page_xunbusy(m);
				continue;
			}
			if (vm_page_wired(m) != 0)
				vm_page_xunbusy(m);
			else if (ps->ps_reclaim(ps, object, m))
				ps->ps_freed++;
			VM_OBJECT_WUNLOCK(object);
		}
	}
}

/* ---- setup -------------------------------------------------------------- */

static void
clockpro_tune(struct vm_domain *vmd)
{
	struct clockpro *cp = cp_of(vmd);
	int size;

	vm_pagequeue_lock(cp_pq(vmd));
	size = vmd->vmd_sim ? (int)vmd->vmd_page_count :
	    (int)(vmd->vmd_page_count - vmd->vmd_free_target);
	cp->cp_size = MAX(size, 8);
	cp->cp_cold_min = MAX((int)((int64_t)cp->cp_size *
	    atomic_load(&clockpro_cold_min_pct) / 100), 2);
	cp->cp_cold_max = MIN((int)((int64_t)cp->cp_size *
	    atomic_load(&clockpro_cold_max_pct) / 100),
	    cp->cp_size - cp->cp_cold_min);
	cp->cp_cold_max = MAX(cp->cp_cold_max, cp->cp_cold_min);
	cp->cp_cold_target = MAX(cp->cp_cold_min, MIN(cp->cp_cold_max,
	    cp->cp_cold_target));
	cp->cp_ghost_max = MIN((int)((int64_t)cp->cp_size *
	    atomic_load(&clockpro_ghost_pct) / 100), cp->cp_ghost_alloc);
	vm_pagequeue_unlock(cp_pq(vmd));
}

static int
clockpro_init(struct vm_domain *vmd)
{
	struct clockpro *cp;
	vm_page_t m;
	u_long nbuckets, i;
	int nghost;

	if ((cp = calloc(1, sizeof(*cp))) == NULL)
		return (ENOMEM);
	/* The most ghosts any setting of vm.clockpro.ghost_pct allows. */
	nghost = (int)MIN((uint64_t)vmd->vmd_page_count * 2, INT_MAX / 2);
	cp->cp_ghosts = calloc((size_t)MAX(nghost, 1), sizeof(struct vm_page));
	for (nbuckets = 64; nbuckets < (u_long)nghost; nbuckets <<= 1)
		;
	cp->cp_hash = calloc(nbuckets, sizeof(*cp->cp_hash));
	if (cp->cp_ghosts == NULL || cp->cp_hash == NULL) {
		free(cp->cp_ghosts);
		free(cp->cp_hash);
		free(cp);
		return (ENOMEM);
	}
	cp->cp_hashmask = nbuckets - 1;
	for (i = 0; i < nbuckets; i++)
		TAILQ_INIT(&cp->cp_hash[i]);
	TAILQ_INIT(&cp->cp_ghost_free);
	cp->cp_ghost_alloc = nghost;
	for (i = 0; i < (u_long)nghost; i++) {
		vm_page_t g = &cp->cp_ghosts[i];

		atomic_store(&g->flags, PG_MARKER | PG_GHOST);
		atomic_store(&g->busy_lock, VPB_FREED);
		atomic_store(&g->astate, (vm_page_astate_t){ .queue =
		    PQ_NONE }._bits);
		g->domain = (uint8_t)vmd->vmd_domain;
		TAILQ_INSERT_TAIL(&cp->cp_ghost_free, g, plinks.q);
	}
	vm_pageout_init_marker(&cp->cp_hand_hot, PQ_ACTIVE);
	vm_pageout_init_marker(&cp->cp_hand_cold, PQ_ACTIVE);
	vm_pageout_init_marker(&cp->cp_hand_test, PQ_ACTIVE);
	/* Pages queued during boot join as cold pages. */
	vm_pagequeue_lock(cp_pq(vmd));
	TAILQ_FOREACH(m, &cp_pq(vmd)->pq_pl, plinks.q)
		if ((atomic_load(&m->flags) & PG_MARKER) == 0) {
			cp->cp_ncold++;
			cp_set_status(cp, m, 0);
		}
	vmd->vmd_pdpolicy = cp;
	vm_pagequeue_unlock(cp_pq(vmd));
	return (0);
}

static void
clockpro_fini(struct vm_domain *vmd)
{
	struct clockpro *cp = cp_of(vmd);
	vm_page_t g, next;

	if (cp == NULL)
		return;
	vm_pagequeue_lock(cp_pq(vmd));
	cp_hand_off(vmd, &cp->cp_hand_hot, &cp->cp_hot_on);
	cp_hand_off(vmd, &cp->cp_hand_cold, &cp->cp_cold_on);
	cp_hand_off(vmd, &cp->cp_hand_test, &cp->cp_test_on);
	TAILQ_FOREACH_SAFE(g, &cp_pq(vmd)->pq_pl, plinks.q, next)
		if (cp_is_ghost(g))
			cp_ghost_remove(vmd, cp, g);
	KASSERT(cp->cp_nghost == 0, ("%s: lost ghosts", __func__));
	vmd->vmd_pdpolicy = NULL;
	vm_pagequeue_unlock(cp_pq(vmd));
	free(cp->cp_ghosts);
	free(cp->cp_hash);
	free(cp);
}

/* INVARIANTS: the counts against the clock; ghosts are where they say. */
static void
clockpro_check(struct vm_domain *vmd)
{
	struct clockpro *cp = cp_of(vmd);
	u_int hot = 0, cold = 0, test = 0, ghost = 0;
	vm_page_t m;

	vm_pagequeue_lock(cp_pq(vmd));
	TAILQ_FOREACH(m, &cp_pq(vmd)->pq_pl, plinks.q) {
		if (cp_is_hand(m))
			continue;
		if (cp_is_ghost(m)) {
			ghost++;
			if (!cp_in_test(m) || cp_is_hot(m))
				panic("%s: ghost %p not cold in test",
				    __func__, (void *)m);
			if (cp_ghost_lookup(cp, m->object, m->pindex) == NULL)
				panic("%s: ghost %p not in the hash", __func__,
				    (void *)m);
		} else if (cp_is_hot(m))
			hot++;
		else
			cold++;
		if (cp_in_test(m))
			test++;
	}
	if (hot != cp->cp_nhot || cold != cp->cp_ncold ||
	    test != cp->cp_ntest || ghost != cp->cp_nghost)
		panic("%s: counted hot %u cold %u test %u ghosts %u, "
		    "recorded %u %u %u %u", __func__, hot, cold, test, ghost,
		    cp->cp_nhot, cp->cp_ncold, cp->cp_ntest, cp->cp_nghost);
	if ((int)ghost > cp->cp_ghost_max + 1)
		panic("%s: %u ghosts, at most %d", __func__, ghost,
		    cp->cp_ghost_max);
	vm_pagequeue_unlock(cp_pq(vmd));
}

const struct vm_pdpolicy vm_pdpolicy_clockpro = {
	.pdp_name = "clockpro",
	.pdp_startup = clockpro_startup,
	.pdp_init = clockpro_init,
	.pdp_fini = clockpro_fini,
	.pdp_activate = clockpro_activate,
	.pdp_deactivate = clockpro_deactivate,
	.pdp_enqueue = clockpro_enqueue,
	.pdp_dequeue = clockpro_dequeue,
	.pdp_selectvictim = clockpro_selectvictim,
	/* No balance: the hands keep the proportions as they go. */
	.pdp_tune = clockpro_tune,
	.pdp_check = clockpro_check,
};

/*
 * vm.clockpro: the knobs (a write retunes every domain at once; a cold
 * share outside 1..50% or a history outside 0..200% is EINVAL) and the
 * statistics, summed over the domains.
 */
static int
sysctl_clockpro_pct(struct sysctl_oid *oidp, void *arg1, intmax_t arg2,
    struct sysctl_req *req)
{
	_Atomic int *p = arg1;
	int v = atomic_load(p), error, d;

	error = sysctl_handle_int(oidp, &v, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (v < (arg2 == 0 ? 1 : 0) || v > (arg2 == 0 ? 50 : 200))
		return (EINVAL);
	atomic_store(p, v);
	for (d = 0; d < vm_ndomains; d++)
		if (VM_DOMAIN(d)->vmd_pdp == &vm_pdpolicy_clockpro)
			clockpro_tune(VM_DOMAIN(d));
	return (0);
}

static int
sysctl_clockpro_stat(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2, struct sysctl_req *req)
{
	struct clockpro *cp;
	uint64_t v = 0;
	int d;

	for (d = 0; d < vm_ndomains; d++) {
		if (VM_DOMAIN(d)->vmd_pdp != &vm_pdpolicy_clockpro)
			continue;
		cp = cp_of(VM_DOMAIN(d));
		vm_pagequeue_lock(cp_pq(VM_DOMAIN(d)));
		switch (arg2) {
		case 0: v += cp->cp_promotions; break;
		case 1: v += cp->cp_demotions; break;
		case 2: v += cp->cp_ghost_hits; break;
		case 3: v += cp->cp_nhot; break;
		case 4: v += cp->cp_ncold; break;
		default: v += cp->cp_nghost; break;
		}
		vm_pagequeue_unlock(cp_pq(VM_DOMAIN(d)));
	}
	return (sysctl_handle_64(oidp, &v, 0, req));
}

static void
clockpro_startup(void)
{
	static const char *const stats[] = { "promotions", "demotions",
	    "ghost_hits", "hot", "cold", "ghosts" };
	static const char *const descr[] = {
	    "Cold pages made hot", "Hot pages made cold",
	    "Faults on pages with a record of their eviction",
	    "Hot pages now", "Resident cold pages now",
	    "Records of evicted pages now" };
	struct sysctl_oid *node;
	size_t i;

	atomic_store(&clockpro_cold_min_pct, 5);
	atomic_store(&clockpro_cold_max_pct, 5);
	atomic_store(&clockpro_ghost_pct, 150);
	node = SYSCTL_ADD_NODE(sysctl_node_path("vm"), "clockpro",
	    "CLOCK-Pro page replacement");
	SYSCTL_ADD_PROC(node, "cold_min_pct", CTLTYPE_INT | CTLFLAG_RW,
	    &clockpro_cold_min_pct, 0, sysctl_clockpro_pct, "I",
	    "Least share of memory for resident cold pages (%)");
	SYSCTL_ADD_PROC(node, "cold_max_pct", CTLTYPE_INT | CTLFLAG_RW,
	    &clockpro_cold_max_pct, 0, sysctl_clockpro_pct, "I",
	    "Largest share of memory for resident cold pages (%)");
	SYSCTL_ADD_PROC(node, "ghost_pct", CTLTYPE_INT | CTLFLAG_RW,
	    &clockpro_ghost_pct, 1, sysctl_clockpro_pct, "I",
	    "Records of evicted pages kept, in % of memory");
	for (i = 0; i < nitems(stats); i++)
		SYSCTL_ADD_PROC(node, stats[i], CTLTYPE_U64 | CTLFLAG_RD,
		    NULL, (intmax_t)i, sysctl_clockpro_stat, "QU", descr[i]);
}
