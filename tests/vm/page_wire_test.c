/*
 * Tests of page references and wiring (seed 003; sys/vm/vm_page.c).
 *
 * ref_count is one atomic word: VPRC_OBJREF for the object's reference,
 * VPRC_BLOCKED to refuse new references from mappings, and the wire count
 * in the low bits.  v_wire_count counts wired pages (not wirings): it
 * moves only on a page's first wiring and its last unwiring.  At boot the
 * pages holding vm_page_array are wired, so v_wire_count starts at their
 * number.
 */

#include "vm_test_util.h"

#include <vm/vm_object.h>

#define	WIRE_ITERS	100000

static u_int
refs(vm_page_t m)
{
	return (atomic_load(&m->ref_count));
}

/* ---- racing wirings ------------------------------------------------------- */

struct wirer {
	vm_page_t	m;
	int		keep;		/* wirings left in place at the end */
	_Atomic int	*go;
	u_long		lasts;		/* unwire_noq calls that returned true */
};

static void *
wirer_main(void *arg)
{
	struct wirer *w = arg;
	int i;

	while (atomic_load(w->go) == 0)
		;
	for (i = 0; i < WIRE_ITERS; i++) {
		vm_page_wire(w->m);
		if (i < WIRE_ITERS - w->keep && vm_page_unwire_noq(w->m))
			w->lasts++;
	}
	return (NULL);
}

/*
 * Phase 1: the page keeps a base wiring while n threads each wire it
 * WIRE_ITERS times and unwire it all but i + 1 times: no unwiring is ever
 * the last, and the count ends at 1 + sum(i + 1).  Phase 2: no base
 * wiring, every thread unwires what it wires: the count passes through 0
 * and back constantly, and v_wire_count must still end exact.
 */
static void
check_wire_race(int n)
{
	struct wirer w[4];
	pthread_t t[4];
	_Atomic int go;
	uint64_t wired0;
	u_long lasts = 0;
	u_int expect = 1;
	vm_page_t m;
	int i;

	vt_boot();
	wired0 = vt_stat("v_wire_count");
	ATF_REQUIRE_EQ(vt_nstolen(), wired0);
	m = vm_page_alloc_noobj(VM_ALLOC_WIRED);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE_EQ(wired0 + 1, vt_stat("v_wire_count"));

	atomic_store(&go, 0);
	for (i = 0; i < n; i++) {
		w[i].m = m;
		w[i].keep = i + 1;
		w[i].go = &go;
		w[i].lasts = 0;
		expect += (u_int)(i + 1);
		t[i] = vt_thread(wirer_main, &w[i]);
	}
	atomic_store(&go, 1);
	for (i = 0; i < n; i++) {
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
		ATF_REQUIRE_EQ_MSG(0, w[i].lasts, "thread %d released the "
		    "base wiring", i);
	}
	ATF_REQUIRE_EQ(expect, refs(m));
	ATF_REQUIRE_EQ(expect, vm_page_wired(m));
	ATF_REQUIRE_EQ(wired0 + 1, vt_stat("v_wire_count"));
	ATF_REQUIRE_EQ(wired0 + 1, vm_wire_count());
	while (expect-- > 1)
		ATF_REQUIRE(!vm_page_unwire_noq(m));
	ATF_REQUIRE(vm_page_unwire_noq(m));
	ATF_REQUIRE_EQ(0, refs(m));
	ATF_REQUIRE_EQ(wired0, vt_stat("v_wire_count"));

	/* Phase 2: from zero. */
	atomic_store(&go, 0);
	for (i = 0; i < n; i++) {
		w[i].keep = 0;
		w[i].lasts = 0;
		t[i] = vt_thread(wirer_main, &w[i]);
	}
	atomic_store(&go, 1);
	for (i = 0; i < n; i++) {
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
		lasts += w[i].lasts;
	}
	ATF_REQUIRE_EQ(0, refs(m));
	ATF_REQUIRE_EQ(wired0, vt_stat("v_wire_count"));
	ATF_REQUIRE(lasts >= 1 && lasts <= (u_long)n * WIRE_ITERS);
	vm_page_free(m);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(wire_race_2_threads);
ATF_TC_HEAD(wire_race_2_threads, tc)
{
	atf_tc_set_md_var(tc, "descr", "2 threads racing vm_page_wire and "
	    "vm_page_unwire_noq 1e5 times each on one page, with and without "
	    "a base wiring, end with the exact wire count and the exact "
	    "v_wire_count");
}
ATF_TC_BODY(wire_race_2_threads, tc)
{
	check_wire_race(2);
}

ATF_TC(wire_race_4_threads);
ATF_TC_HEAD(wire_race_4_threads, tc)
{
	atf_tc_set_md_var(tc, "descr", "As wire_race_2_threads with 4 "
	    "threads");
}
ATF_TC_BODY(wire_race_4_threads, tc)
{
	check_wire_race(4);
}

/* ---- vm_page_wire_mapped ----------------------------------------------------- */

ATF_TC(wire_mapped_fails_while_blocked);
ATF_TC_HEAD(wire_mapped_fails_while_blocked, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_wire_mapped fails and changes "
	    "nothing while VPRC_BLOCKED is set, and wires the page once "
	    "vm_page_unblock_refs clears it; vm_page_block_refs reports "
	    "whether it set the bit");
}
ATF_TC_BODY(wire_mapped_fails_while_blocked, tc)
{
	uint64_t wired0;
	vm_page_t m;

	vt_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_WIRED);
	ATF_REQUIRE(m != NULL);
	wired0 = vt_stat("v_wire_count");
	ATF_REQUIRE(vm_page_wire_mapped(m));
	ATF_REQUIRE_EQ(2, refs(m));

	ATF_REQUIRE(vm_page_block_refs(m));
	ATF_REQUIRE(!vm_page_block_refs(m));
	ATF_REQUIRE_EQ(VPRC_BLOCKED | 2, refs(m));
	ATF_REQUIRE(!vm_page_wire_mapped(m));
	ATF_REQUIRE(!vm_page_wire_mapped(m));
	ATF_REQUIRE_EQ(VPRC_BLOCKED | 2, refs(m));
	ATF_REQUIRE_EQ(2, vm_page_wired(m));
	/* Wirings under the object or busy lock are not blocked. */
	vm_page_wire(m);
	ATF_REQUIRE_EQ(VPRC_BLOCKED | 3, refs(m));
	ATF_REQUIRE(!vm_page_unwire_noq(m));

	vm_page_unblock_refs(m);
	ATF_REQUIRE_EQ(2, refs(m));
	ATF_REQUIRE(vm_page_wire_mapped(m));
	ATF_REQUIRE_EQ(3, refs(m));
	ATF_REQUIRE_EQ(wired0, vt_stat("v_wire_count"));
	ATF_REQUIRE(!vm_page_unwire_noq(m));
	ATF_REQUIRE(!vm_page_unwire_noq(m));
	ATF_REQUIRE(vm_page_unwire_noq(m));
	ATF_REQUIRE_EQ(wired0 - 1, vt_stat("v_wire_count"));
	vm_page_free(m);
	vm_shutdown();
}

struct mapper {
	vm_page_t	m;
	_Atomic int	*stop;
	_Atomic u_long	ok, refused;
};

static void *
mapper_main(void *arg)
{
	struct mapper *mp = arg;

	while (atomic_load(mp->stop) == 0) {
		if (vm_page_wire_mapped(mp->m)) {
			atomic_fetch_add(&mp->ok, 1);
			if (vm_page_unwire_noq(mp->m))
				abort();	/* the base wiring is held */
		} else
			atomic_fetch_add(&mp->refused, 1);
	}
	return (NULL);
}

static bool
mappers_busy(struct mapper *mp)
{
	return (atomic_load(&mp[0].ok) >= 100 && atomic_load(&mp[1].ok) >= 100 &&
	    atomic_load(&mp[0].refused) + atomic_load(&mp[1].refused) >= 100);
}

ATF_TC(wire_mapped_races_block);
ATF_TC_HEAD(wire_mapped_races_block, tc)
{
	atf_tc_set_md_var(tc, "descr", "Two threads wiring through mappings "
	    "while the main thread blocks and unblocks references (2000 times "
	    "at least, until both have wired and been refused): "
	    "while blocked, the wire count can only fall, and at the end the "
	    "word holds exactly the base wiring");
}
ATF_TC_BODY(wire_mapped_races_block, tc)
{
	struct mapper mp[2];
	pthread_t t[2];
	_Atomic int stop = 0;
	vm_page_t m;
	uint64_t end;
	u_int w0, w1;
	int i, k;

	vt_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_WIRED);
	ATF_REQUIRE(m != NULL);
	for (i = 0; i < 2; i++) {
		memset(&mp[i], 0, sizeof(mp[i]));
		mp[i].m = m;
		mp[i].stop = &stop;
		t[i] = vt_thread(mapper_main, &mp[i]);
	}
	end = vt_now_ms() + 1500;
	for (k = 0; k < 2000 || (!mappers_busy(mp) && vt_now_ms() < end);
	    k++) {
		ATF_REQUIRE(vm_page_block_refs(m));
		/* Blocked: no new wiring; the mappers only drop theirs. */
		w0 = vm_page_wired(m);
		ATF_REQUIRE(w0 >= 1 && w0 <= 3);
		w1 = vm_page_wired(m);
		ATF_REQUIRE_MSG(w1 <= w0, "wire count rose from %u to %u while "
		    "references were blocked", w0, w1);
		ATF_REQUIRE(refs(m) & VPRC_BLOCKED);
		vm_page_unblock_refs(m);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
	ATF_REQUIRE_MSG(mappers_busy(mp), "the mappers hardly ran: %lu/%lu "
	    "wired, %lu refused", atomic_load(&mp[0].ok),
	    atomic_load(&mp[1].ok),
	    atomic_load(&mp[0].refused) + atomic_load(&mp[1].refused));
	ATF_REQUIRE_EQ(1, refs(m));
	ATF_REQUIRE(vm_page_unwire_noq(m));
	vm_page_free(m);
	vt_check_all();
	vm_shutdown();
}

/* ---- the last unwiring ----------------------------------------------------- */

ATF_TC(unwire_last_frees_page);
ATF_TC_HEAD(unwire_last_frees_page, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_unwire of the last wiring of "
	    "a page without an object reference frees it: free count +1, "
	    "v_wire_count -1, v_tfree +1, busy word VPB_FREED; an earlier "
	    "unwiring does not; the same holds for a managed page");
}
ATF_TC_BODY(unwire_last_frees_page, tc)
{
	uint64_t wired0, tfree0;
	u_int free0;
	vm_page_t m;
	int managed;

	vt_boot();
	for (managed = 0; managed < 2; managed++) {
		m = vm_page_alloc_noobj(VM_ALLOC_WIRED);
		ATF_REQUIRE(m != NULL);
		if (managed)
			m->oflags = 0;
		vm_page_wire(m);
		free0 = vm_free_count();
		wired0 = vt_stat("v_wire_count");
		tfree0 = vt_stat("v_tfree");

		vm_page_unwire(m, PQ_ACTIVE);
		ATF_REQUIRE_EQ(1, refs(m));
		ATF_REQUIRE_EQ(free0, vm_free_count());
		ATF_REQUIRE_EQ(wired0, vt_stat("v_wire_count"));
		ATF_REQUIRE_EQ(VPB_UNBUSIED, atomic_load(&m->busy_lock));

		vm_page_unwire(m, PQ_ACTIVE);
		ATF_REQUIRE_EQ(free0 + 1, vm_free_count());
		ATF_REQUIRE_EQ(wired0 - 1, vt_stat("v_wire_count"));
		ATF_REQUIRE_EQ(tfree0 + 1, vt_stat("v_tfree"));
		ATF_REQUIRE_EQ(VPB_FREED, atomic_load(&m->busy_lock));
		ATF_REQUIRE_EQ(0, refs(m));
		ATF_REQUIRE_EQ(PQ_NONE, vm_page_queue(m));
		vt_check_all();
	}
	vm_shutdown();
}

ATF_TC(unwire_noq_last_does_not_free);
ATF_TC_HEAD(unwire_noq_last_does_not_free, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_unwire_noq returns true only "
	    "for the last wiring and leaves the page allocated");
}
ATF_TC_BODY(unwire_noq_last_does_not_free, tc)
{
	uint64_t wired0;
	u_int free0;
	vm_page_t m;

	vt_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_WIRED);
	ATF_REQUIRE(m != NULL);
	vm_page_wire(m);
	free0 = vm_free_count();
	wired0 = vt_stat("v_wire_count");
	ATF_REQUIRE(!vm_page_unwire_noq(m));
	ATF_REQUIRE_EQ(wired0, vt_stat("v_wire_count"));
	ATF_REQUIRE(vm_page_unwire_noq(m));
	ATF_REQUIRE_EQ(wired0 - 1, vt_stat("v_wire_count"));
	ATF_REQUIRE_EQ(free0, vm_free_count());
	ATF_REQUIRE_EQ(VPB_UNBUSIED, atomic_load(&m->busy_lock));
	vm_page_free(m);
	ATF_REQUIRE_EQ(free0 + 1, vm_free_count());
	vt_check_all();
	vm_shutdown();
}

ATF_TC(unwire_object_page_queues_it);
ATF_TC_HEAD(unwire_object_page_queues_it, tc)
{
	atf_tc_set_md_var(tc, "descr", "The last vm_page_unwire of a page "
	    "that still belongs to its object queues it (active, act_count "
	    "at least ACT_INIT) instead of freeing it; freeing the object "
	    "frees it");
}
ATF_TC_BODY(unwire_object_page_queues_it, tc)
{
	vm_object_t obj;
	uint64_t wired0;
	u_int free0;
	vm_page_t m;

	vt_boot();
	obj = vm_object_allocate(OBJT_DEFAULT, 1);
	VM_OBJECT_WLOCK(obj);
	m = vm_page_alloc(obj, 0, VM_ALLOC_WIRED);
	ATF_REQUIRE(m != NULL);
	vm_page_xunbusy(m);
	VM_OBJECT_WUNLOCK(obj);
	ATF_REQUIRE_EQ(VPRC_OBJREF | 1, refs(m));
	ATF_REQUIRE_EQ(0, m->oflags & VPO_UNMANAGED);
	free0 = vm_free_count();
	wired0 = vt_stat("v_wire_count");

	vm_page_unwire(m, PQ_ACTIVE);
	ATF_REQUIRE_EQ(VPRC_OBJREF, refs(m));
	ATF_REQUIRE_EQ(free0, vm_free_count());
	ATF_REQUIRE_EQ(wired0 - 1, vt_stat("v_wire_count"));
	ATF_REQUIRE_EQ(PQ_ACTIVE, vm_page_queue(m));
	ATF_REQUIRE(vm_page_astate_load(m).act_count >= ACT_INIT);
	vm_page_pqbatch_drain();
	ATF_REQUIRE(vm_page_astate_load(m).flags & PGA_ENQUEUED);
	ATF_REQUIRE_EQ(1, vt_stat("v_active_count"));
	vt_check_all();

	vm_object_deallocate(obj);
	ATF_REQUIRE_EQ(free0 + 1, vm_free_count());
	ATF_REQUIRE_EQ(0, vt_stat("v_active_count"));
	ATF_REQUIRE_EQ(VPB_FREED, atomic_load(&m->busy_lock));
	vt_check_all();
	vm_shutdown();
}

/* ---- misuse ------------------------------------------------------------- */

static void
unwire_unwired_child(void)
{
	vm_page_t m;

	vt_child_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	vm_page_unwire(m, PQ_ACTIVE);
}

static void
unwire_noq_unwired_child(void)
{
	vm_page_t m;

	vt_child_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_WIRED);
	(void)vm_page_unwire_noq(m);
	(void)vm_page_unwire_noq(m);
}

static void
wire_free_page_child(void)
{
	vm_page_t m;

	vt_child_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	vm_page_free(m);
	vm_page_wire(m);
}

ATF_TC(unwire_unwired_panics);
ATF_TC_HEAD(unwire_unwired_panics, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_unwire and vm_page_unwire_noq "
	    "of a page that is not wired panic, naming the function; wiring "
	    "a free page panics (INVARIANTS)");
}
ATF_TC_BODY(unwire_unwired_panics, tc)
{
	static const char *const un[] = { "vm_page_unwire:",
	    "is not wired", NULL };
	static const char *const unq[] = { "vm_page_unwire_noq",
	    "is not wired", NULL };
	static const char *const wf[] = { "vm_page_wire", "is free", NULL };

	vt_expect_panic(unwire_unwired_child, un);
	vt_expect_panic(unwire_noq_unwired_child, unq);
	if (INVARIANTS_ENABLED)
		vt_expect_panic(wire_free_page_child, wf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, wire_race_2_threads);
	ATF_TP_ADD_TC(tp, wire_race_4_threads);
	ATF_TP_ADD_TC(tp, wire_mapped_fails_while_blocked);
	ATF_TP_ADD_TC(tp, wire_mapped_races_block);
	ATF_TP_ADD_TC(tp, unwire_last_frees_page);
	ATF_TP_ADD_TC(tp, unwire_noq_last_does_not_free);
	ATF_TP_ADD_TC(tp, unwire_object_page_queues_it);
	ATF_TP_ADD_TC(tp, unwire_unwired_panics);
	return (atf_no_error());
}
