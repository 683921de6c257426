/*
 * Tests of sleep queues, msleep/wakeup and condition variables
 * (sys/kern/kern_synch.c).
 *
 * A sleeper is known to be asleep once it is counted on its channel's
 * sleep queue (kt_sleepers()), which happens under the chain lock before
 * it sleeps; every wakeup in these tests is issued after that point, so
 * there is no lost-wakeup window to paper over with a sleep.  Because
 * sleepq_wait() returns only once td_woken is set (or on timeout), a
 * sleeper's return is proof that a wakeup reached it.
 *
 * Channels hash onto 256 chains.  Channels sharing a chain must still be
 * independent, and a channel sharing a chain with the lock word of its
 * interlock must not deadlock the sleeper (see interlock_same_chain).
 */

#include "kern_test.h"	/* first: host headers before the kernel's */

#include <sys/condvar.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/rwlock.h>
#include <sys/sx.h>

/* Mirrors SC_HASH in kern_synch.c, to pick channels sharing a chain. */
#define	T_SC_HASH(wc)	((((uintptr_t)(wc) >> 4) ^ ((uintptr_t)(wc) >> 12)) \
			    % 256)

/* Channel space: any address is a channel. */
static char chanspace[1 << 16] __aligned(4096);

/* A channel in chanspace, other than avoid, on the chain of like. */
static const void *
chan_on_chain_of(const void *like, const void *avoid)
{
	size_t off;

	for (off = 0; off < sizeof(chanspace); off += 16)
		if (&chanspace[off] != avoid && &chanspace[off] != like &&
		    T_SC_HASH(&chanspace[off]) == T_SC_HASH(like))
			return (&chanspace[off]);
	atf_tc_fail("no channel shares a chain with %p", like);
}

static uint64_t
elapsed_ms(uint64_t since_ns)
{
	return ((kt_now_ns() - since_ns) / 1000000);
}

/* ---- a sleeper thread -------------------------------------------------- */

enum ilock { IL_NONE, IL_MTX, IL_SX_S, IL_SX_X, IL_RW_R, IL_RW_W };

struct interlock {
	struct mtx	m;
	struct sx	sx;
	struct rwlock	rw;
};

static _Atomic int wake_seq;	/* order in which sleepers returned */

struct sleeper {
	const void	*chan;
	enum ilock	il;
	struct interlock *locks;
	int		pri;		/* PDROP or 0 */
	int		timo;		/* ms, 0 for none */
	int		*cond;		/* NULL: sleep once; else until *cond */
	/* Results. */
	_Atomic int	returned;
	int		error;
	int		nsleeps;
	int		seq;		/* value of wake_seq at return */
	int		held_after;	/* witness_owned() of the interlock */
	int		xowned_after;	/* mtx_owned/sx_xlocked/rw_wowned */
	int		nheld_after;	/* witness_held_count() */
	uint64_t	ms;		/* time asleep */
};

static struct lock_object *
il_object(struct sleeper *s)
{
	switch (s->il) {
	case IL_MTX:
		return (&s->locks->m.lock_object);
	case IL_SX_S:
	case IL_SX_X:
		return (&s->locks->sx.lock_object);
	case IL_RW_R:
	case IL_RW_W:
		return (&s->locks->rw.lock_object);
	default:
		return (NULL);
	}
}

static void
il_lock(struct sleeper *s)
{
	switch (s->il) {
	case IL_MTX: mtx_lock(&s->locks->m); break;
	case IL_SX_S: sx_slock(&s->locks->sx); break;
	case IL_SX_X: sx_xlock(&s->locks->sx); break;
	case IL_RW_R: rw_rlock(&s->locks->rw); break;
	case IL_RW_W: rw_wlock(&s->locks->rw); break;
	default: break;
	}
}

static void
il_unlock(struct sleeper *s)
{
	switch (s->il) {
	case IL_MTX: mtx_unlock(&s->locks->m); break;
	case IL_SX_S: case IL_SX_X: sx_unlock(&s->locks->sx); break;
	case IL_RW_R: case IL_RW_W: rw_unlock(&s->locks->rw); break;
	default: break;
	}
}

static int
il_xowned(struct sleeper *s)
{
	switch (s->il) {
	case IL_MTX: return (mtx_owned(&s->locks->m));
	case IL_SX_S: case IL_SX_X: return (sx_xlocked(&s->locks->sx));
	case IL_RW_R: case IL_RW_W: return (rw_wowned(&s->locks->rw));
	default: return (0);
	}
}

static void *
sleeper_thread(void *arg)
{
	struct sleeper *s = arg;
	struct lock_object *lo = il_object(s);
	uint64_t t0;

	il_lock(s);
	t0 = kt_now_ns();
	do {
		s->error = _sleep(s->chan, lo, s->pri, "test sleep", s->timo);
		s->nsleeps++;
	} while (s->cond != NULL && *s->cond == 0 && s->error == 0 &&
	    (s->pri & PDROP) == 0);
	s->ms = elapsed_ms(t0);
	s->seq = atomic_fetch_add(&wake_seq, 1);
	s->held_after = lo != NULL ? witness_owned(lo) : 0;
	s->xowned_after = il_xowned(s);
	s->nheld_after = witness_held_count();
	if ((s->pri & PDROP) == 0)
		il_unlock(s);
	atomic_store(&s->returned, 1);
	return (NULL);
}

/* Set up s; the caller may then set cond, pri or timo before starting it. */
static void
sleeper_init(struct sleeper *s, const void *chan, enum ilock il,
    struct interlock *locks)
{
	struct sleeper tmpl = { .chan = chan, .il = il, .locks = locks };

	*s = tmpl;
}

static void
sleeper_run(struct sleeper *s, pthread_t *t)
{
	kt_thread_start(t, sleeper_thread, s);
}

static void
sleeper_start(struct sleeper *s, pthread_t *t, const void *chan,
    enum ilock il, struct interlock *locks)
{
	sleeper_init(s, chan, il, locks);
	sleeper_run(s, t);
}

static void
interlock_init(struct interlock *l)
{
	mtx_init(&l->m, "interlock mtx", NULL, MTX_DEF);
	sx_init(&l->sx, "interlock sx");
	rw_init(&l->rw, "interlock rw");
}

static void
interlock_destroy(struct interlock *l)
{
	mtx_destroy(&l->m);
	sx_destroy(&l->sx);
	rw_destroy(&l->rw);
}

/* ---- msleep releases and retakes the interlock ------------------------- */

/*
 * The sleeper sleeps on cond holding the interlock.  While it sleeps, the
 * test's thread can take the interlock exclusively (so it was released);
 * after the wakeup the sleeper blocks on the interlock until the test's
 * thread lets go (so it retakes it), and holds it the same way as before.
 */
static void
msleep_interlock_check(enum ilock il)
{
	static struct interlock locks;
	static int cond;
	struct sleeper s;
	pthread_t t;
	_Atomic uintptr_t *word;

	interlock_init(&locks);
	cond = 0;
	sleeper_init(&s, &cond, il, &locks);
	s.cond = &cond;
	sleeper_run(&s, &t);
	WAIT_FOR(kt_sleepers(&cond) == 1);
	/*
	 * The sleeper is queued before it drops the interlock (_sleep drops
	 * the chain first, then the interlock): retry until it is free.
	 */
	switch (il) {
	case IL_MTX:
		WAIT_FOR(mtx_trylock(&locks.m));
		word = &locks.m.mtx_lock;
		break;
	case IL_SX_S: case IL_SX_X:
		WAIT_FOR(sx_try_xlock(&locks.sx));
		word = &locks.sx.sx_lock;
		break;
	default:
		WAIT_FOR(rw_try_wlock(&locks.rw));
		word = &locks.rw.rw_lock;
		break;
	}
	cond = 1;
	wakeup(&cond);
	ATF_REQUIRE_EQ(0, kt_sleepers(&cond));
	/* Woken, it now waits for the interlock we hold. */
	WAIT_FOR(kt_sleepers(word) == 1);
	ATF_REQUIRE_EQ(0, atomic_load(&s.returned));
	switch (il) {
	case IL_MTX: mtx_unlock(&locks.m); break;
	case IL_SX_S: case IL_SX_X: sx_xunlock(&locks.sx); break;
	default: rw_wunlock(&locks.rw); break;
	}
	kt_join(t);
	ATF_REQUIRE_EQ(0, s.error);
	ATF_REQUIRE_EQ(1, s.nsleeps);
	ATF_REQUIRE_EQ(1, s.nheld_after);
	if (il == IL_SX_S || il == IL_RW_R) {
		ATF_REQUIRE_EQ(LA_RLOCKED, s.held_after);
		ATF_REQUIRE_EQ(0, s.xowned_after);
	} else {
		ATF_REQUIRE_EQ(LA_WLOCKED, s.held_after);
		ATF_REQUIRE_EQ(1, s.xowned_after);
	}
	ATF_REQUIRE_EQ(LK_UNLOCKED, atomic_load(word));
	interlock_destroy(&locks);
}

ATF_TC(msleep_mtx);
ATF_TC_HEAD(msleep_mtx, tc)
{
	KT_DESCR(tc, "msleep with a mutex releases it while "
	    "asleep and retakes it before returning");
}
ATF_TC_BODY(msleep_mtx, tc)
{
	msleep_interlock_check(IL_MTX);
}

ATF_TC(msleep_sx);
ATF_TC_HEAD(msleep_sx, tc)
{
	KT_DESCR(tc, "msleep with an sx lock, shared or "
	    "exclusive, releases it and retakes it in the same mode");
}
ATF_TC_BODY(msleep_sx, tc)
{
	msleep_interlock_check(IL_SX_S);
	msleep_interlock_check(IL_SX_X);
}

ATF_TC(msleep_rw);
ATF_TC_HEAD(msleep_rw, tc)
{
	KT_DESCR(tc, "msleep with an rwlock, read or "
	    "write, releases it and retakes it in the same mode");
}
ATF_TC_BODY(msleep_rw, tc)
{
	msleep_interlock_check(IL_RW_R);
	msleep_interlock_check(IL_RW_W);
}

/* ---- wakeup and wakeup_one ---------------------------------------------- */

#define	NSLEEPERS	4

ATF_TC(wakeup_wakes_all);
ATF_TC_HEAD(wakeup_wakes_all, tc)
{
	KT_DESCR(tc, "wakeup wakes every thread sleeping "
	    "on the channel");
}
ATF_TC_BODY(wakeup_wakes_all, tc)
{
	static struct sleeper s[NSLEEPERS];
	const void *chan = &chanspace[0];
	pthread_t t[NSLEEPERS];
	int i;

	for (i = 0; i < NSLEEPERS; i++)
		sleeper_start(&s[i], &t[i], chan, IL_NONE, NULL);
	WAIT_FOR(kt_sleepers(chan) == NSLEEPERS);
	wakeup(chan);
	ATF_REQUIRE_EQ(0, kt_sleepers(chan));
	for (i = 0; i < NSLEEPERS; i++) {
		kt_join(t[i]);
		ATF_REQUIRE_EQ(0, s[i].error);
		ATF_REQUIRE_EQ(1, s[i].nsleeps);
	}
	/* Nobody left: a second wakeup is a no-op. */
	wakeup(chan);
	wakeup_one(chan);
}

ATF_TC(wakeup_one_wakes_one);
ATF_TC_HEAD(wakeup_one_wakes_one, tc)
{
	KT_DESCR(tc, "wakeup_one wakes exactly one sleeper "
	    "each time, the longest-sleeping first");
}
ATF_TC_BODY(wakeup_one_wakes_one, tc)
{
	static struct sleeper s[NSLEEPERS];
	const void *chan = &chanspace[16];
	pthread_t t[NSLEEPERS];
	int i, j, nret;

	atomic_store(&wake_seq, 0);
	/* Queue them one at a time so the FIFO order is known. */
	for (i = 0; i < NSLEEPERS; i++) {
		sleeper_start(&s[i], &t[i], chan, IL_NONE, NULL);
		WAIT_FOR(kt_sleepers(chan) == i + 1);
	}
	for (i = 0; i < NSLEEPERS; i++) {
		wakeup_one(chan);
		ATF_REQUIRE_EQ(NSLEEPERS - i - 1, kt_sleepers(chan));
		kt_join(t[i]);
		ATF_REQUIRE_EQ(0, s[i].error);
		ATF_REQUIRE_EQ(i, s[i].seq);
		/* The others are still asleep. */
		for (nret = 0, j = 0; j < NSLEEPERS; j++)
			nret += atomic_load(&s[j].returned);
		ATF_REQUIRE_EQ(i + 1, nret);
	}
}

ATF_TC(channels_independent);
ATF_TC_HEAD(channels_independent, tc)
{
	KT_DESCR(tc, "a wakeup on one channel wakes no "
	    "sleeper of another, whether or not both hash to one chain");
}
ATF_TC_BODY(channels_independent, tc)
{
	static struct sleeper sa, sb, sc;
	const void *a, *b, *c;
	pthread_t ta, tb, tc_;

	a = &chanspace[4096];
	c = chan_on_chain_of(a, NULL);		/* a's chain, not a */
	b = &chanspace[4096 + 16];		/* another chain */
	ATF_REQUIRE(c != a);
	ATF_REQUIRE_EQ(T_SC_HASH(a), T_SC_HASH(c));
	ATF_REQUIRE(T_SC_HASH(a) != T_SC_HASH(b));

	sleeper_start(&sa, &ta, a, IL_NONE, NULL);
	sleeper_start(&sb, &tb, b, IL_NONE, NULL);
	sleeper_start(&sc, &tc_, c, IL_NONE, NULL);
	WAIT_FOR(kt_sleepers(a) == 1 && kt_sleepers(b) == 1 &&
	    kt_sleepers(c) == 1);

	wakeup(a);
	ATF_REQUIRE_EQ(0, kt_sleepers(a));
	ATF_REQUIRE_EQ(1, kt_sleepers(b));
	ATF_REQUIRE_EQ(1, kt_sleepers(c));
	kt_join(ta);
	ATF_REQUIRE_EQ(0, atomic_load(&sb.returned));
	ATF_REQUIRE_EQ(0, atomic_load(&sc.returned));

	wakeup_one(b);
	kt_join(tb);
	ATF_REQUIRE_EQ(1, kt_sleepers(c));
	ATF_REQUIRE_EQ(0, atomic_load(&sc.returned));

	/* An unslept channel on c's chain wakes nobody either. */
	wakeup(chan_on_chain_of(c, a));
	wakeup_one(a);
	ATF_REQUIRE_EQ(1, kt_sleepers(c));
	ATF_REQUIRE_EQ(0, atomic_load(&sc.returned));

	wakeup_one(c);
	kt_join(tc_);
	ATF_REQUIRE_EQ(0, sa.error);
	ATF_REQUIRE_EQ(0, sb.error);
	ATF_REQUIRE_EQ(0, sc.error);
}

/* ---- timeouts and PDROP ---------------------------------------------------- */

ATF_TC(sleep_timeout);
ATF_TC_HEAD(sleep_timeout, tc)
{
	KT_DESCR(tc, "a sleep with a timeout returns "
	    "EWOULDBLOCK no earlier than the timeout, off the queue and with "
	    "its interlock retaken; woken earlier it returns 0");
}
ATF_TC_BODY(sleep_timeout, tc)
{
	static struct interlock locks;
	struct sleeper s;
	const void *chan = &chanspace[8192];
	pthread_t t;
	uint64_t t0;

	interlock_init(&locks);
	t0 = kt_now_ns();
	ATF_REQUIRE_EQ(EWOULDBLOCK, tsleep(chan, 0, "timeout", 30));
	ATF_REQUIRE(elapsed_ms(t0) >= 30);
	ATF_REQUIRE_EQ(0, kt_sleepers(chan));

	t0 = kt_now_ns();
	kpause("pause", 20);
	ATF_REQUIRE(elapsed_ms(t0) >= 20);

	mtx_lock(&locks.m);
	t0 = kt_now_ns();
	ATF_REQUIRE_EQ(EWOULDBLOCK, msleep(chan, &locks.m, 0, "timeout", 20));
	ATF_REQUIRE(elapsed_ms(t0) >= 20);
	ATF_REQUIRE(mtx_owned(&locks.m));
	ATF_REQUIRE_EQ(1, witness_held_count());
	mtx_unlock(&locks.m);
	ATF_REQUIRE_EQ(0, kt_sleepers(chan));

	/* A wakeup well before the timeout: 0, early. */
	sleeper_init(&s, chan, IL_MTX, &locks);
	s.timo = 10 * 1000;
	sleeper_run(&s, &t);
	WAIT_FOR(kt_sleepers(chan) == 1);
	wakeup(chan);
	kt_join(t);
	ATF_REQUIRE_EQ(0, s.error);
	ATF_REQUIRE(s.ms < 10 * 1000);
	ATF_REQUIRE_EQ(1, s.xowned_after);
	interlock_destroy(&locks);
}

ATF_TC(msleep_pdrop);
ATF_TC_HEAD(msleep_pdrop, tc)
{
	KT_DESCR(tc, "msleep with PDROP returns with the "
	    "interlock released, after a timeout or a wakeup");
}
ATF_TC_BODY(msleep_pdrop, tc)
{
	static struct interlock locks;
	struct sleeper s;
	const void *chan = &chanspace[8192 + 64];
	pthread_t t;

	interlock_init(&locks);
	mtx_lock(&locks.m);
	ATF_REQUIRE_EQ(EWOULDBLOCK, msleep(chan, &locks.m, PDROP, "pdrop",
	    10));
	ATF_REQUIRE(!mtx_owned(&locks.m));
	ATF_REQUIRE_EQ(0, witness_held_count());
	ATF_REQUIRE_EQ(LK_UNLOCKED, atomic_load(&locks.m.mtx_lock));

	sx_slock(&locks.sx);
	ATF_REQUIRE_EQ(EWOULDBLOCK, msleep(chan, &locks.sx, PDROP | PVM,
	    "pdrop", 10));
	ATF_REQUIRE_EQ(0, witness_held_count());
	ATF_REQUIRE_EQ(0, curthread->td_rw_rlocks);
	ATF_REQUIRE_EQ(LK_UNLOCKED, atomic_load(&locks.sx.sx_lock));

	sleeper_init(&s, chan, IL_MTX, &locks);
	s.pri = PDROP;
	sleeper_run(&s, &t);
	WAIT_FOR(kt_sleepers(chan) == 1);
	wakeup(chan);
	kt_join(t);
	ATF_REQUIRE_EQ(0, s.error);
	ATF_REQUIRE_EQ(0, s.xowned_after);
	ATF_REQUIRE_EQ(0, s.held_after);
	ATF_REQUIRE_EQ(0, s.nheld_after);
	ATF_REQUIRE_EQ(LK_UNLOCKED, atomic_load(&locks.m.mtx_lock));
	interlock_destroy(&locks);
}

/*
 * The channel and the interlock's lock word hash to one chain, and another
 * thread waits for the interlock.  Releasing the interlock then takes the
 * chain lock to wake that thread; if msleep still held the chain of its
 * channel, the sleeper deadlocked on itself.  (Two sleepers whose channels
 * and interlocks hash crosswise deadlocked each other the same way.)
 */
struct contender {
	struct mtx	*m;
	_Atomic int	got;
};

static void *
contender_thread(void *arg)
{
	struct contender *c = arg;

	mtx_lock(c->m);
	atomic_store(&c->got, 1);
	mtx_unlock(c->m);
	return (NULL);
}

struct same_chain_sleeper {
	struct mtx	*m;
	struct cv	*cv;
	const void	*chan;
	_Atomic int	locked;
	_Atomic int	go;
	int		error;
	int		owned_after;
	bool		ok;
};

static void *
same_chain_thread(void *arg)
{
	struct same_chain_sleeper *s = arg;

	mtx_lock(s->m);
	atomic_store(&s->locked, 1);
	WAIT_FOR_BOOL(atomic_load(&s->go), &s->ok);
	if (s->cv != NULL)
		s->error = cv_timedwait(s->cv, s->m, 20);
	else
		s->error = msleep(s->chan, s->m, 0, "same chain", 20);
	s->owned_after = mtx_owned(s->m);
	mtx_unlock(s->m);
	return (NULL);
}

static void
interlock_same_chain_check(bool use_cv)
{
	static struct mtx m;
	static struct contender c;
	static struct same_chain_sleeper s;
	pthread_t ts, tc;

	mtx_init(&m, "same chain mtx", NULL, MTX_DEF);
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	c.m = &m;
	s.m = &m;
	if (use_cv) {
		/* The cv is the channel: put it on the word's chain. */
		s.cv = (struct cv *)(uintptr_t)chan_on_chain_of(&m.mtx_lock,
		    NULL);
		cv_init(s.cv, "same chain cv");
		ATF_REQUIRE_EQ(T_SC_HASH(s.cv), T_SC_HASH(&m.mtx_lock));
	} else {
		s.chan = chan_on_chain_of(&m.mtx_lock, NULL);
		ATF_REQUIRE_EQ(T_SC_HASH(s.chan), T_SC_HASH(&m.mtx_lock));
	}
	kt_thread_start(&ts, same_chain_thread, &s);
	WAIT_FOR(atomic_load(&s.locked));
	kt_thread_start(&tc, contender_thread, &c);
	WAIT_FOR(kt_sleepers(&m.mtx_lock) == 1);	/* LK_WAITERS is set */
	ATF_REQUIRE(atomic_load(&m.mtx_lock) & LK_WAITERS);
	atomic_store(&s.go, 1);
	kt_join(tc);
	kt_join(ts);
	ATF_REQUIRE(s.ok);
	ATF_REQUIRE_EQ(1, atomic_load(&c.got));
	ATF_REQUIRE_EQ(EWOULDBLOCK, s.error);
	ATF_REQUIRE_EQ(1, s.owned_after);
	ATF_REQUIRE_EQ(LK_UNLOCKED, atomic_load(&m.mtx_lock));
	if (use_cv)
		cv_destroy(s.cv);
	mtx_destroy(&m);
}

ATF_TC(interlock_same_chain);
ATF_TC_HEAD(interlock_same_chain, tc)
{
	KT_DESCR(tc, "msleep and cv_timedwait on a channel "
	    "hashing to the chain of their contended interlock's lock word "
	    "do not deadlock");
}
ATF_TC_BODY(interlock_same_chain, tc)
{
	interlock_same_chain_check(false);
	interlock_same_chain_check(true);
}

static void
msleep_recursed_child(void *arg __unused)
{
	struct mtx m;

	mtx_init(&m, "recursed interlock", NULL, MTX_RECURSE);
	mtx_lock(&m);
	mtx_lock(&m);
	(void)msleep(&m, &m, 0, "recursed", 10);
}

ATF_TC(msleep_recursed_panics);
ATF_TC_HEAD(msleep_recursed_panics, tc)
{
	KT_DESCR(tc, "msleep with a recursed mutex as the "
	    "interlock panics (the release would not release it)");
}
ATF_TC_BODY(msleep_recursed_panics, tc)
{
	KT_REQUIRE_INVARIANTS();
	kt_expect_panic(msleep_recursed_child, NULL,
	    "sleeping on recursed mutex \"recursed interlock\"");
}

/* ---- condition variables ----------------------------------------------- */

struct cv_state {
	struct mtx	m;
	struct sx	sx;
	struct cv	cv;
	bool		use_sx;
	int		tokens;		/* (m or sx) */
	int		nwoken;		/* (m or sx) */
	int		timo;		/* cv_timedwait if > 0 */
	_Atomic int	errors;		/* cv_timedwait returned non-zero */
	_Atomic int	notheld;	/* returned without the lock */
};

static void
cvs_lock(struct cv_state *cs)
{
	if (cs->use_sx)
		sx_xlock(&cs->sx);
	else
		mtx_lock(&cs->m);
}

static void
cvs_unlock(struct cv_state *cs)
{
	if (cs->use_sx)
		sx_xunlock(&cs->sx);
	else
		mtx_unlock(&cs->m);
}

static void *
cv_waiter_thread(void *arg)
{
	struct cv_state *cs = arg;

	cvs_lock(cs);
	while (cs->tokens == 0) {
		if (cs->timo > 0) {
			if ((cs->use_sx ? cv_timedwait(&cs->cv, &cs->sx,
			    cs->timo) : cv_timedwait(&cs->cv, &cs->m,
			    cs->timo)) != 0)
				atomic_fetch_add(&cs->errors, 1);
		} else if (cs->use_sx)
			cv_wait(&cs->cv, &cs->sx);
		else
			cv_wait(&cs->cv, &cs->m);
		if (cs->use_sx ? !sx_xlocked(&cs->sx) : !mtx_owned(&cs->m))
			atomic_fetch_add(&cs->notheld, 1);
	}
	cs->tokens--;
	cs->nwoken++;
	cvs_unlock(cs);
	return (NULL);
}

static void
cv_state_init(struct cv_state *cs, bool use_sx, int timo)
{
	memset(cs, 0, sizeof(*cs));
	mtx_init(&cs->m, "cv mtx", NULL, MTX_DEF);
	sx_init(&cs->sx, "cv sx");
	cv_init(&cs->cv, "test cv");
	cs->use_sx = use_sx;
	cs->timo = timo;
}

static void
cv_state_destroy(struct cv_state *cs)
{
	cv_destroy(&cs->cv);
	sx_destroy(&cs->sx);
	mtx_destroy(&cs->m);
}

/* Wait until n waiters are registered: they do so before dropping the lock. */
static void
cv_wait_for_waiters(struct cv_state *cs, int n)
{
	WAIT_FOR(kt_sleepers(&cs->cv) == n);
	ATF_REQUIRE_EQ(n, atomic_load(&cs->cv.cv_waiters));
}

#define	NCVWAITERS	3

static void
cv_signal_check(bool use_sx, int timo)
{
	static struct cv_state cs;
	pthread_t t[NCVWAITERS];
	int i, k;

	cv_state_init(&cs, use_sx, timo);
	for (i = 0; i < NCVWAITERS; i++)
		kt_thread_start(&t[i], cv_waiter_thread, &cs);
	cv_wait_for_waiters(&cs, NCVWAITERS);
	for (k = 1; k <= NCVWAITERS; k++) {
		cvs_lock(&cs);
		cs.tokens++;
		cv_signal(&cs.cv);
		ATF_REQUIRE_EQ(NCVWAITERS - k, atomic_load(&cs.cv.cv_waiters));
		ATF_REQUIRE_EQ(NCVWAITERS - k, kt_sleepers(&cs.cv));
		cvs_unlock(&cs);
		/* Exactly one: it takes the token, the rest sleep on. */
		cvs_lock(&cs);
		while (cs.nwoken < k) {
			cvs_unlock(&cs);
			kt_tick();
			cvs_lock(&cs);
		}
		ATF_REQUIRE_EQ(k, cs.nwoken);
		ATF_REQUIRE_EQ(0, cs.tokens);
		cvs_unlock(&cs);
		ATF_REQUIRE_EQ(NCVWAITERS - k, kt_sleepers(&cs.cv));
	}
	for (i = 0; i < NCVWAITERS; i++)
		kt_join(t[i]);
	ATF_REQUIRE_EQ(0, atomic_load(&cs.errors));
	ATF_REQUIRE_EQ(0, atomic_load(&cs.notheld));
	/* No waiters: signal and broadcast are no-ops. */
	cv_signal(&cs.cv);
	cv_broadcast(&cs.cv);
	ATF_REQUIRE_EQ(0, atomic_load(&cs.cv.cv_waiters));
	cv_state_destroy(&cs);
}

ATF_TC(cv_signal_one);
ATF_TC_HEAD(cv_signal_one, tc)
{
	KT_DESCR(tc, "cv_signal wakes exactly one waiter of "
	    "three each time, with a mutex or an sx lock, cv_wait or a long "
	    "cv_timedwait");
}
ATF_TC_BODY(cv_signal_one, tc)
{
	cv_signal_check(false, 0);
	cv_signal_check(true, 0);
	cv_signal_check(false, 10 * 1000);
}

static void
cv_broadcast_check(bool use_sx)
{
	static struct cv_state cs;
	pthread_t t[NCVWAITERS];
	int i;

	cv_state_init(&cs, use_sx, 0);
	for (i = 0; i < NCVWAITERS; i++)
		kt_thread_start(&t[i], cv_waiter_thread, &cs);
	cv_wait_for_waiters(&cs, NCVWAITERS);
	cvs_lock(&cs);
	cs.tokens = NCVWAITERS;
	cv_broadcast(&cs.cv);
	ATF_REQUIRE_EQ(0, atomic_load(&cs.cv.cv_waiters));
	ATF_REQUIRE_EQ(0, kt_sleepers(&cs.cv));
	cvs_unlock(&cs);
	for (i = 0; i < NCVWAITERS; i++)
		kt_join(t[i]);
	ATF_REQUIRE_EQ(NCVWAITERS, cs.nwoken);
	ATF_REQUIRE_EQ(0, cs.tokens);
	ATF_REQUIRE_EQ(0, atomic_load(&cs.notheld));
	cv_state_destroy(&cs);
}

ATF_TC(cv_broadcast_all);
ATF_TC_HEAD(cv_broadcast_all, tc)
{
	KT_DESCR(tc, "cv_broadcast wakes every waiter");
}
ATF_TC_BODY(cv_broadcast_all, tc)
{
	cv_broadcast_check(false);
	cv_broadcast_check(true);
}

ATF_TC(cv_timedwait_timeout);
ATF_TC_HEAD(cv_timedwait_timeout, tc)
{
	KT_DESCR(tc, "cv_timedwait returns EWOULDBLOCK "
	    "after the timeout with the lock retaken and no waiter left "
	    "counted; a later signal finds nobody");
}
ATF_TC_BODY(cv_timedwait_timeout, tc)
{
	static struct cv_state cs;
	uint64_t t0;

	cv_state_init(&cs, false, 0);
	mtx_lock(&cs.m);
	t0 = kt_now_ns();
	ATF_REQUIRE_EQ(EWOULDBLOCK, cv_timedwait(&cs.cv, &cs.m, 25));
	ATF_REQUIRE(elapsed_ms(t0) >= 25);
	ATF_REQUIRE(mtx_owned(&cs.m));
	ATF_REQUIRE_EQ(0, atomic_load(&cs.cv.cv_waiters));
	ATF_REQUIRE_EQ(0, kt_sleepers(&cs.cv));
	cv_signal(&cs.cv);
	ATF_REQUIRE_EQ(0, atomic_load(&cs.cv.cv_waiters));
	mtx_unlock(&cs.m);

	sx_slock(&cs.sx);
	ATF_REQUIRE_EQ(EWOULDBLOCK, cv_timedwait(&cs.cv, &cs.sx, 5));
	sx_assert(&cs.sx, SA_SLOCKED);
	ATF_REQUIRE_EQ(0, atomic_load(&cs.cv.cv_waiters));
	sx_sunlock(&cs.sx);
	cv_state_destroy(&cs);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, msleep_mtx);
	ATF_TP_ADD_TC(tp, msleep_sx);
	ATF_TP_ADD_TC(tp, msleep_rw);
	ATF_TP_ADD_TC(tp, wakeup_wakes_all);
	ATF_TP_ADD_TC(tp, wakeup_one_wakes_one);
	ATF_TP_ADD_TC(tp, channels_independent);
	ATF_TP_ADD_TC(tp, sleep_timeout);
	ATF_TP_ADD_TC(tp, msleep_pdrop);
	ATF_TP_ADD_TC(tp, interlock_same_chain);
	ATF_TP_ADD_TC(tp, msleep_recursed_panics);
	ATF_TP_ADD_TC(tp, cv_signal_one);
	ATF_TP_ADD_TC(tp, cv_broadcast_all);
	ATF_TP_ADD_TC(tp, cv_timedwait_timeout);
	return (atf_no_error());
}
