/*
 * Tests of the page busy lock (seed 003; sys/vm/vm_page.c): the exclusion
 * rules of the exclusive and shared modes, the sharer count, downgrade and
 * upgrade, sleepers and their wakeups, VM_ALLOC_NOWAIT and
 * VM_ALLOC_WAITFAIL, and the assertions, which panic (death cases fork a
 * child that boots its own libvm).
 *
 * The busy word of a page:
 *	unbusied	VPB_UNBUSIED (shared bit, no sharers)
 *	shared by n	VPB_SHARERS_WORD(n)
 *	exclusive	VPB_EXCL_WORD(owner's tid)
 * with VPB_BIT_WAITERS or-ed in while a thread sleeps on the page.  The
 * sleeper cases wait for that bit before acting, so they know the other
 * thread is (about to be) asleep rather than merely slow.
 */

#include "vm_test_util.h"

static vm_page_t
busy_page(void)
{
	vm_page_t m;

	m = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	ATF_REQUIRE(m != NULL);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, atomic_load(&m->busy_lock));
	return (m);
}

static u_int
busy_word(vm_page_t m)
{
	return (atomic_load(&m->busy_lock));
}

/* Wait (bounded) for a sleeper to set VPB_BIT_WAITERS on m. */
static void
wait_for_sleeper(vm_page_t m)
{
	uint64_t end = vt_now_ms() + 2000;

	while ((busy_word(m) & VPB_BIT_WAITERS) == 0) {
		ATF_REQUIRE_MSG(vt_now_ms() < end, "no thread came to sleep on "
		    "the page (busy %#x)", busy_word(m));
		vt_msleep(1);
	}
}

/* A thread that tries (or acquires) a busy on the page for us. */
struct buser {
	vm_page_t	m;
	int		flags;		/* for vm_page_busy_acquire */
	int		op;		/* BU_* */
	bool		result;
	u_int		word;		/* busy word right after acquiring */
	u_int		mytid;
	_Atomic int	done;
	_Atomic int	release;	/* set by main: drop the busy now */
};

#define	BU_TRYX		1
#define	BU_TRYS		2
#define	BU_ACQUIRE	3

static void *
buser_main(void *arg)
{
	struct buser *b = arg;

	b->mytid = (u_int)curthread->td_tid;
	switch (b->op) {
	case BU_TRYX:
		b->result = vm_page_tryxbusy(b->m);
		break;
	case BU_TRYS:
		b->result = vm_page_trysbusy(b->m);
		break;
	case BU_ACQUIRE:
		b->result = vm_page_busy_acquire(b->m, b->flags);
		break;
	}
	b->word = busy_word(b->m);
	atomic_store(&b->done, 1);
	if (!b->result)
		return (NULL);
	/* Hold it until told to let go. */
	while (atomic_load(&b->release) == 0)
		vt_msleep(1);
	if ((b->word & VPB_BIT_SHARED) != 0)
		vm_page_sunbusy(b->m);
	else
		vm_page_xunbusy(b->m);
	return (NULL);
}

static pthread_t
buser_start(struct buser *b, vm_page_t m, int op, int flags)
{
	memset(b, 0, sizeof(*b));
	b->m = m;
	b->op = op;
	b->flags = flags;
	return (vt_thread(buser_main, b));
}

static void
buser_finish(struct buser *b, pthread_t t)
{
	atomic_store(&b->release, 1);
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
}

/* ---- exclusion rules ---------------------------------------------------- */

ATF_TC(tryxbusy_excludes_everyone);
ATF_TC_HEAD(tryxbusy_excludes_everyone, tc)
{
	atf_tc_set_md_var(tc, "descr", "An exclusive busy records the owner's "
	    "thread id and refuses every other exclusive or shared busy, by "
	    "the owner and by other threads, until vm_page_xunbusy");
}
ATF_TC_BODY(tryxbusy_excludes_everyone, tc)
{
	struct buser b;
	pthread_t t;
	vm_page_t m;

	vt_boot();
	m = busy_page();
	ATF_REQUIRE(!vm_page_busied(m));
	ATF_REQUIRE(vm_page_tryxbusy(m));
	ATF_REQUIRE_EQ(VPB_CURTHREAD_EXCLUSIVE, busy_word(m));
	ATF_REQUIRE_EQ(VPB_EXCL_WORD(curthread->td_tid), busy_word(m));
	ATF_REQUIRE(vm_page_busied(m));
	ATF_REQUIRE(vm_page_xbusied(m));
	ATF_REQUIRE(!vm_page_sbusied(m));
	vm_page_assert_xbusied(m);
	ATF_REQUIRE(!vm_page_tryxbusy(m));
	ATF_REQUIRE(!vm_page_trysbusy(m));
	ATF_REQUIRE(!vm_page_busy_tryupgrade(m));

	t = buser_start(&b, m, BU_TRYX, 0);
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	ATF_REQUIRE(!b.result);
	t = buser_start(&b, m, BU_TRYS, 0);
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	ATF_REQUIRE(!b.result);
	ATF_REQUIRE_EQ(VPB_CURTHREAD_EXCLUSIVE, busy_word(m));

	vm_page_xunbusy(m);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));
	vm_page_assert_unbusied(m);

	/* Now another thread gets it, with its own id in the word. */
	t = buser_start(&b, m, BU_TRYX, 0);
	ATF_REQUIRE(vt_wait_flag(&b.done, 1, 2000));
	ATF_REQUIRE(b.result);
	ATF_REQUIRE_EQ(VPB_EXCL_WORD(b.mytid), b.word);
	ATF_REQUIRE(b.mytid != (u_int)curthread->td_tid);
	ATF_REQUIRE(!vm_page_tryxbusy(m));
	buser_finish(&b, t);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));
	vm_page_free(m);
	vt_check_all();
	vm_shutdown();
}

ATF_TC(trysbusy_counts_sharers);
ATF_TC_HEAD(trysbusy_counts_sharers, tc)
{
	atf_tc_set_md_var(tc, "descr", "Shared busies stack: the word counts "
	    "the sharers of every thread, an exclusive busy is refused while "
	    "any is held, and the last vm_page_sunbusy unbusies the page");
}
ATF_TC_BODY(trysbusy_counts_sharers, tc)
{
	struct buser b;
	pthread_t t;
	vm_page_t m;
	int i;

	vt_boot();
	m = busy_page();
	for (i = 1; i <= 3; i++) {
		ATF_REQUIRE(vm_page_trysbusy(m));
		ATF_REQUIRE_EQ(VPB_SHARERS_WORD(i), busy_word(m));
		ATF_REQUIRE_EQ(i, VPB_SHARERS(busy_word(m)));
	}
	ATF_REQUIRE(vm_page_sbusied(m));
	ATF_REQUIRE(!vm_page_xbusied(m));
	vm_page_assert_sbusied(m);
	ATF_REQUIRE(!vm_page_tryxbusy(m));

	t = buser_start(&b, m, BU_TRYS, 0);
	ATF_REQUIRE(vt_wait_flag(&b.done, 1, 2000));
	ATF_REQUIRE(b.result);
	ATF_REQUIRE_EQ(VPB_SHARERS_WORD(4), b.word);
	buser_finish(&b, t);
	ATF_REQUIRE_EQ(VPB_SHARERS_WORD(3), busy_word(m));

	t = buser_start(&b, m, BU_TRYX, 0);
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	ATF_REQUIRE(!b.result);

	for (i = 3; i >= 1; i--) {
		vm_page_sunbusy(m);
		ATF_REQUIRE_EQ(VPB_SHARERS_WORD(i - 1), busy_word(m));
	}
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));
	ATF_REQUIRE(!vm_page_busied(m));
	ATF_REQUIRE(vm_page_tryxbusy(m));
	vm_page_xunbusy(m);
	vm_page_free(m);
	vm_shutdown();
}

ATF_TC(downgrade_and_tryupgrade);
ATF_TC_HEAD(downgrade_and_tryupgrade, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_busy_downgrade turns an "
	    "exclusive busy into one shared busy; vm_page_busy_tryupgrade "
	    "succeeds only for a sole sharer, and not on unbusied or "
	    "exclusively busied pages");
}
ATF_TC_BODY(downgrade_and_tryupgrade, tc)
{
	vm_page_t m;

	vt_boot();
	m = busy_page();
	ATF_REQUIRE(!vm_page_busy_tryupgrade(m));
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));

	ATF_REQUIRE(vm_page_tryxbusy(m));
	vm_page_busy_downgrade(m);
	ATF_REQUIRE_EQ(VPB_SHARERS_WORD(1), busy_word(m));
	ATF_REQUIRE(vm_page_trysbusy(m));
	ATF_REQUIRE_EQ(VPB_SHARERS_WORD(2), busy_word(m));
	ATF_REQUIRE(!vm_page_busy_tryupgrade(m));
	ATF_REQUIRE_EQ(VPB_SHARERS_WORD(2), busy_word(m));
	vm_page_sunbusy(m);
	ATF_REQUIRE(vm_page_busy_tryupgrade(m));
	ATF_REQUIRE_EQ(VPB_CURTHREAD_EXCLUSIVE, busy_word(m));
	ATF_REQUIRE(!vm_page_busy_tryupgrade(m));
	vm_page_xunbusy(m);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));
	vm_page_free(m);
	vm_shutdown();
}

ATF_TC(alloc_and_free_busy_states);
ATF_TC_HEAD(alloc_and_free_busy_states, tc)
{
	atf_tc_set_md_var(tc, "descr", "Free pages hold VPB_FREED, which no "
	    "busy attempt can take; vm_page_busy_sleep returns false at once "
	    "on an unbusied page, and with VM_ALLOC_SBUSY on a shared one");
}
ATF_TC_BODY(alloc_and_free_busy_states, tc)
{
	vm_page_t m;
	uint64_t intrans;

	vt_boot();
	m = busy_page();
	intrans = vt_stat("v_intrans");
	ATF_REQUIRE(!vm_page_busy_sleep(m, "test", 0));
	ATF_REQUIRE(vm_page_trysbusy(m));
	ATF_REQUIRE(!vm_page_busy_sleep(m, "test", VM_ALLOC_SBUSY));
	ATF_REQUIRE_EQ(VPB_SHARERS_WORD(1), busy_word(m));
	vm_page_sunbusy(m);
	ATF_REQUIRE_EQ(intrans, vt_stat("v_intrans"));
	vm_page_free(m);
	ATF_REQUIRE_EQ(VPB_FREED, busy_word(m));
	ATF_REQUIRE(!vm_page_tryxbusy(m));
	ATF_REQUIRE(!vm_page_trysbusy(m));
	ATF_REQUIRE(!vm_page_busy_tryupgrade(m));
	ATF_REQUIRE(!vm_page_busy_sleep(m, "test", 0));
	ATF_REQUIRE_EQ(VPB_FREED, busy_word(m));
	vt_check_all();
	vm_shutdown();
}

/* ---- sleepers ------------------------------------------------------------- */

ATF_TC(xbusy_sleeper_woken_by_xunbusy);
ATF_TC_HEAD(xbusy_sleeper_woken_by_xunbusy, tc)
{
	atf_tc_set_md_var(tc, "descr", "A thread in vm_page_busy_acquire on an "
	    "exclusively busied page sleeps (VPB_BIT_WAITERS, one v_intrans) "
	    "and gets the exclusive busy when the owner calls "
	    "vm_page_xunbusy");
}
ATF_TC_BODY(xbusy_sleeper_woken_by_xunbusy, tc)
{
	struct buser b;
	pthread_t t;
	vm_page_t m;
	uint64_t intrans;

	vt_boot();
	m = busy_page();
	intrans = vt_stat("v_intrans");
	ATF_REQUIRE(vm_page_tryxbusy(m));
	t = buser_start(&b, m, BU_ACQUIRE, 0);
	wait_for_sleeper(m);
	ATF_REQUIRE_EQ(VPB_CURTHREAD_EXCLUSIVE | VPB_BIT_WAITERS, busy_word(m));
	vt_msleep(50);
	ATF_REQUIRE_EQ(0, atomic_load(&b.done));
	ATF_REQUIRE_EQ(intrans + 1, vt_stat("v_intrans"));

	vm_page_xunbusy(m);
	ATF_REQUIRE_MSG(vt_wait_flag(&b.done, 1, 2000), "the sleeper did not "
	    "wake");
	ATF_REQUIRE(b.result);
	ATF_REQUIRE_EQ(VPB_EXCL_WORD(b.mytid), b.word & ~VPB_BIT_WAITERS);
	ATF_REQUIRE(!vm_page_tryxbusy(m));
	buser_finish(&b, t);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));
	vm_page_free(m);
	vm_shutdown();
}

ATF_TC(sbusy_sleepers_woken_by_downgrade);
ATF_TC_HEAD(sbusy_sleepers_woken_by_downgrade, tc)
{
	atf_tc_set_md_var(tc, "descr", "Two threads acquiring a shared busy "
	    "on an exclusively busied page sleep, and both proceed when the "
	    "owner downgrades (three sharers); a thread wanting it exclusive "
	    "sleeps on until the last sharer leaves");
}
ATF_TC_BODY(sbusy_sleepers_woken_by_downgrade, tc)
{
	struct buser s1, s2, x;
	pthread_t t1, t2, tx;
	vm_page_t m;

	vt_boot();
	m = busy_page();
	ATF_REQUIRE(vm_page_tryxbusy(m));
	t1 = buser_start(&s1, m, BU_ACQUIRE, VM_ALLOC_SBUSY);
	t2 = buser_start(&s2, m, BU_ACQUIRE, VM_ALLOC_SBUSY);
	tx = buser_start(&x, m, BU_ACQUIRE, 0);
	wait_for_sleeper(m);
	vt_msleep(50);
	ATF_REQUIRE_EQ(0, atomic_load(&s1.done) + atomic_load(&s2.done) +
	    atomic_load(&x.done));

	vm_page_busy_downgrade(m);
	ATF_REQUIRE(vt_wait_flag(&s1.done, 1, 2000));
	ATF_REQUIRE(vt_wait_flag(&s2.done, 1, 2000));
	ATF_REQUIRE(s1.result && s2.result);
	ATF_REQUIRE_EQ(3, VPB_SHARERS(busy_word(m)));
	ATF_REQUIRE(vm_page_sbusied(m));
	/* The exclusive sleeper went back to sleep. */
	vt_msleep(50);
	ATF_REQUIRE_EQ(0, atomic_load(&x.done));
	ATF_REQUIRE(busy_word(m) & VPB_BIT_WAITERS);

	vm_page_sunbusy(m);
	buser_finish(&s1, t1);
	ATF_REQUIRE_EQ(0, atomic_load(&x.done));
	buser_finish(&s2, t2);
	ATF_REQUIRE_MSG(vt_wait_flag(&x.done, 1, 2000), "the exclusive "
	    "sleeper did not wake after the last sharer");
	ATF_REQUIRE(x.result);
	ATF_REQUIRE_EQ(VPB_EXCL_WORD(x.mytid), x.word & ~VPB_BIT_WAITERS);
	buser_finish(&x, tx);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));
	vm_page_free(m);
	vm_shutdown();
}

ATF_TC(acquire_nowait_fails_at_once);
ATF_TC_HEAD(acquire_nowait_fails_at_once, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_busy_acquire with "
	    "VM_ALLOC_NOWAIT on a busied page returns false without sleeping "
	    "(no waiters bit, no v_intrans) and changes nothing");
}
ATF_TC_BODY(acquire_nowait_fails_at_once, tc)
{
	struct buser b;
	pthread_t t;
	vm_page_t m;
	uint64_t intrans;

	vt_boot();
	m = busy_page();
	intrans = vt_stat("v_intrans");
	ATF_REQUIRE(vm_page_tryxbusy(m));
	t = buser_start(&b, m, BU_ACQUIRE, VM_ALLOC_NOWAIT);
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	ATF_REQUIRE(!b.result);
	t = buser_start(&b, m, BU_ACQUIRE, VM_ALLOC_NOWAIT | VM_ALLOC_SBUSY);
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	ATF_REQUIRE(!b.result);
	ATF_REQUIRE_EQ(VPB_CURTHREAD_EXCLUSIVE, busy_word(m));
	ATF_REQUIRE_EQ(intrans, vt_stat("v_intrans"));
	vm_page_busy_downgrade(m);
	/* A shared request is granted at once on a shared page. */
	t = buser_start(&b, m, BU_ACQUIRE, VM_ALLOC_NOWAIT | VM_ALLOC_SBUSY);
	ATF_REQUIRE(vt_wait_flag(&b.done, 1, 2000));
	ATF_REQUIRE(b.result);
	ATF_REQUIRE_EQ(VPB_SHARERS_WORD(2), b.word);
	buser_finish(&b, t);
	vm_page_sunbusy(m);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));
	vm_page_free(m);
	vm_shutdown();
}

ATF_TC(acquire_waitfail_fails_after_one_sleep);
ATF_TC_HEAD(acquire_waitfail_fails_after_one_sleep, tc)
{
	atf_tc_set_md_var(tc, "descr", "vm_page_busy_acquire with "
	    "VM_ALLOC_WAITFAIL sleeps once and returns false when woken, "
	    "even though the page is unbusied by then");
}
ATF_TC_BODY(acquire_waitfail_fails_after_one_sleep, tc)
{
	struct buser b;
	pthread_t t;
	vm_page_t m;
	uint64_t intrans;

	vt_boot();
	m = busy_page();
	intrans = vt_stat("v_intrans");
	ATF_REQUIRE(vm_page_tryxbusy(m));
	t = buser_start(&b, m, BU_ACQUIRE, VM_ALLOC_WAITFAIL);
	wait_for_sleeper(m);
	vm_page_xunbusy(m);
	ATF_REQUIRE_EQ(0, pthread_join(t, NULL));
	ATF_REQUIRE(!b.result);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));
	ATF_REQUIRE_EQ(intrans + 1, vt_stat("v_intrans"));
	vm_page_free(m);
	vm_shutdown();
}

static void *
completion_main(void *arg)
{
	vm_page_xunbusy_unchecked(arg);
	return (NULL);
}

ATF_TC(xunbusy_unchecked_wakes_sleeper);
ATF_TC_HEAD(xunbusy_unchecked_wakes_sleeper, tc)
{
	atf_tc_set_md_var(tc, "descr", "An I/O completion thread releases "
	    "another thread's exclusive busy with vm_page_xunbusy_unchecked; "
	    "with a sleeper waiting, the sleeper wakes and gets the page");
}
ATF_TC_BODY(xunbusy_unchecked_wakes_sleeper, tc)
{
	struct buser b;
	pthread_t t, c;
	vm_page_t m;

	vt_boot();
	m = busy_page();
	/* No sleeper. */
	ATF_REQUIRE(vm_page_tryxbusy(m));
	c = vt_thread(completion_main, m);
	ATF_REQUIRE_EQ(0, pthread_join(c, NULL));
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));

	/* A sleeper. */
	ATF_REQUIRE(vm_page_tryxbusy(m));
	t = buser_start(&b, m, BU_ACQUIRE, 0);
	wait_for_sleeper(m);
	c = vt_thread(completion_main, m);
	ATF_REQUIRE_EQ(0, pthread_join(c, NULL));
	ATF_REQUIRE_MSG(vt_wait_flag(&b.done, 1, 2000), "the sleeper did not "
	    "wake");
	ATF_REQUIRE(b.result);
	ATF_REQUIRE_EQ(VPB_EXCL_WORD(b.mytid), b.word & ~VPB_BIT_WAITERS);
	buser_finish(&b, t);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));
	vm_page_free(m);
	vm_shutdown();
}

/* ---- stress --------------------------------------------------------------- */

struct stress {
	vm_page_t	m;
	int		seed;
	int		iters;
	_Atomic int	*in_excl;
	_Atomic int	*in_shared;
	_Atomic int	*violations;
	u_long		*counter;	/* plain: only under the xbusy */
	u_long		xcount;
};

static void *
stress_main(void *arg)
{
	struct stress *s = arg;
	uint64_t seed = (uint64_t)s->seed;
	int i, kind;

	for (i = 0; i < s->iters; i++) {
		kind = (int)(vt_rand(&seed) % 4);
		if (kind == 0) {
			(void)vm_page_busy_acquire(s->m, VM_ALLOC_SBUSY);
			atomic_fetch_add(s->in_shared, 1);
			if (atomic_load(s->in_excl) != 0)
				atomic_fetch_add(s->violations, 1);
			atomic_fetch_sub(s->in_shared, 1);
			if (i % 7 == 0 && vm_page_busy_tryupgrade(s->m)) {
				if (atomic_fetch_add(s->in_excl, 1) != 0 ||
				    atomic_load(s->in_shared) != 0)
					atomic_fetch_add(s->violations, 1);
				(*s->counter)++;
				s->xcount++;
				atomic_fetch_sub(s->in_excl, 1);
				vm_page_busy_downgrade(s->m);
			}
			vm_page_sunbusy(s->m);
		} else {
			(void)vm_page_busy_acquire(s->m, 0);
			if (atomic_fetch_add(s->in_excl, 1) != 0 ||
			    atomic_load(s->in_shared) != 0)
				atomic_fetch_add(s->violations, 1);
			(*s->counter)++;
			s->xcount++;
			atomic_fetch_sub(s->in_excl, 1);
			if (kind == 1) {
				vm_page_busy_downgrade(s->m);
				vm_page_sunbusy(s->m);
			} else
				vm_page_xunbusy(s->m);
		}
	}
	return (NULL);
}

ATF_TC(busy_stress_four_threads);
ATF_TC_HEAD(busy_stress_four_threads, tc)
{
	atf_tc_set_md_var(tc, "descr", "Four threads acquire the busy of one "
	    "page exclusively or shared, downgrade and upgrade, 10000 times "
	    "each: no exclusive holder ever overlaps another holder, and a "
	    "plain counter bumped only under the exclusive busy is exact");
}
ATF_TC_BODY(busy_stress_four_threads, tc)
{
	struct stress s[4];
	pthread_t t[4];
	_Atomic int in_excl = 0, in_shared = 0, violations = 0;
	u_long counter = 0, expect = 0;
	vm_page_t m;
	int i;

	vt_boot();
	m = busy_page();
	for (i = 0; i < 4; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].m = m;
		s[i].seed = i + 11;
		s[i].iters = 10000;
		s[i].in_excl = &in_excl;
		s[i].in_shared = &in_shared;
		s[i].violations = &violations;
		s[i].counter = &counter;
		t[i] = vt_thread(stress_main, &s[i]);
	}
	for (i = 0; i < 4; i++) {
		ATF_REQUIRE_EQ(0, pthread_join(t[i], NULL));
		expect += s[i].xcount;
	}
	ATF_REQUIRE_EQ(0, atomic_load(&violations));
	ATF_REQUIRE_EQ(expect, counter);
	ATF_REQUIRE_EQ(VPB_UNBUSIED, busy_word(m));
	vm_page_free(m);
	vt_check_all();
	vm_shutdown();
}

/* ---- assertions -------------------------------------------------------------- */

static vm_page_t
child_page(void)
{
	vm_page_t m;

	vt_child_boot();
	m = vm_page_alloc_noobj(VM_ALLOC_NORMAL);
	if (m == NULL)
		_exit(11);
	return (m);
}

static void
xunbusy_unbusied_child(void)
{
	vm_page_xunbusy(child_page());
}

static void *
xbusy_and_leave(void *arg)
{
	if (!vm_page_tryxbusy(arg))
		_exit(12);
	return (NULL);
}

static void
xunbusy_not_owner_child(void)
{
	vm_page_t m = child_page();
	pthread_t t;

	if (pthread_create(&t, NULL, xbusy_and_leave, m) != 0 ||
	    pthread_join(t, NULL) != 0)
		_exit(13);
	vm_page_xunbusy(m);
}

static void
sunbusy_unbusied_child(void)
{
	vm_page_sunbusy(child_page());
}

static void
sunbusy_xbusied_child(void)
{
	vm_page_t m = child_page();

	(void)vm_page_tryxbusy(m);
	vm_page_sunbusy(m);
}

static void
downgrade_sbusied_child(void)
{
	vm_page_t m = child_page();

	(void)vm_page_trysbusy(m);
	vm_page_busy_downgrade(m);
}

static void
assert_xbusied_child(void)
{
	vm_page_t m = child_page();

	(void)vm_page_trysbusy(m);
	vm_page_assert_xbusied(m);
}

static void
assert_sbusied_child(void)
{
	vm_page_assert_sbusied(child_page());
}

static void
assert_unbusied_child(void)
{
	vm_page_t m = child_page();

	(void)vm_page_tryxbusy(m);
	vm_page_assert_unbusied(m);
}

ATF_TC(busy_misuse_panics);
ATF_TC_HEAD(busy_misuse_panics, tc)
{
	atf_tc_set_md_var(tc, "descr", "Busy misuse panics with a message "
	    "naming the check: xunbusy of an unbusied page or of another "
	    "thread's busy, sunbusy of an unbusied or exclusively busied "
	    "page, downgrade of a shared busy, and each assertion");
}
ATF_TC_BODY(busy_misuse_panics, tc)
{
	static const char *const xun[] = { "vm_page_xunbusy",
	    "not exclusively busied", NULL };
	static const char *const sun[] = { "vm_page_sunbusy",
	    "not share-busied", NULL };
	static const char *const down[] = { "vm_page_busy_downgrade",
	    "not exclusively busied", NULL };
	static const char *const ax[] = { "not exclusively busied", NULL };
	static const char *const as[] = { "not share-busied", NULL };
	static const char *const au[] = { "is busied", NULL };

	vt_expect_panic(xunbusy_unbusied_child, xun);
	vt_expect_panic(xunbusy_not_owner_child, xun);
	vt_expect_panic(sunbusy_unbusied_child, sun);
	vt_expect_panic(sunbusy_xbusied_child, sun);
	vt_expect_panic(downgrade_sbusied_child, down);
	vt_expect_panic(assert_xbusied_child, ax);
	vt_expect_panic(assert_sbusied_child, as);
	vt_expect_panic(assert_unbusied_child, au);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, tryxbusy_excludes_everyone);
	ATF_TP_ADD_TC(tp, trysbusy_counts_sharers);
	ATF_TP_ADD_TC(tp, downgrade_and_tryupgrade);
	ATF_TP_ADD_TC(tp, alloc_and_free_busy_states);
	ATF_TP_ADD_TC(tp, xbusy_sleeper_woken_by_xunbusy);
	ATF_TP_ADD_TC(tp, sbusy_sleepers_woken_by_downgrade);
	ATF_TP_ADD_TC(tp, acquire_nowait_fails_at_once);
	ATF_TP_ADD_TC(tp, acquire_waitfail_fails_after_one_sleep);
	ATF_TP_ADD_TC(tp, xunbusy_unchecked_wakes_sleeper);
	ATF_TP_ADD_TC(tp, busy_stress_four_threads);
	ATF_TP_ADD_TC(tp, busy_misuse_panics);
	return (atf_no_error());
}
