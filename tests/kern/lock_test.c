/*
 * Tests of the lock primitives (sys/kern/kern_lock.c) and of witness, the
 * lock-order checker (sys/kern/subr_witness.c).
 *
 * mutex(9): ownership, try-locks, recursion, mutual exclusion under
 * contention.  rwlock(9) and sx(9) share one lock word and one body of
 * tests: each rw_* case has an sx_* twin running the same function through
 * an operations table.  They prove readers really share (all inside at
 * once), writers really exclude, upgrades and downgrades keep their
 * promises, and a reader may recurse past a queued writer.  Assertions
 * (mtx_assert, rw_assert, sx_assert) are checked both ways: they pass on
 * the right state and panic on the wrong one.
 *
 * Blocking is proven, never guessed: a thread is blocked on a lock once it
 * is counted on the sleep queue of the lock word (kt_sleepers()).
 */

#include "kern_test.h"	/* first: host headers before the kernel's */

#include <stdlib.h>

#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/rwlock.h>
#include <sys/sx.h>

/* ---- mutex(9) -------------------------------------------------------- */

struct mtx_probe {
	struct mtx	*m;
	int		owned;		/* mtx_owned() seen by the thread */
	int		trylock;	/* mtx_trylock() result */
};

static void *
mtx_probe_thread(void *arg)
{
	struct mtx_probe *p = arg;

	p->owned = mtx_owned(p->m);
	p->trylock = mtx_trylock(p->m);
	if (p->trylock)
		mtx_unlock(p->m);
	return (NULL);
}

static void
mtx_probe(struct mtx *m, struct mtx_probe *p)
{
	pthread_t t;

	memset(p, 0, sizeof(*p));
	p->m = m;
	kt_thread_start(&t, mtx_probe_thread, p);
	kt_join(t);
}

ATF_TC(mtx_lock_unlock);
ATF_TC_HEAD(mtx_lock_unlock, tc)
{
	KT_DESCR(tc, "mtx_lock/trylock/unlock and owner "
	    "tracking as seen by the owner and by another thread");
}
ATF_TC_BODY(mtx_lock_unlock, tc)
{
	struct mtx m;
	struct mtx_probe p;

	memset(&m, 0, sizeof(m));
	ATF_REQUIRE(!mtx_initialized(&m));
	mtx_init(&m, "test mtx", NULL, MTX_DEF);
	ATF_REQUIRE(mtx_initialized(&m));
	ATF_REQUIRE_STREQ("test mtx", mtx_name(&m));
	ATF_REQUIRE(!mtx_owned(&m));
	mtx_assert(&m, MA_NOTOWNED);

	mtx_lock(&m);
	ATF_REQUIRE(mtx_owned(&m));
	mtx_assert(&m, MA_OWNED);
	mtx_assert(&m, MA_OWNED | MA_NOTRECURSED);
	ATF_REQUIRE_EQ(1, witness_held_count());
	ATF_REQUIRE_EQ(LA_WLOCKED, witness_owned(&m.lock_object));
	ATF_REQUIRE(LK_OWNER(atomic_load(&m.mtx_lock)) == curthread);
	/* Not recursable: the owner's trylock fails instead of recursing. */
	ATF_REQUIRE_EQ(0, mtx_trylock(&m));
	ATF_REQUIRE_EQ(0u, m.mtx_recurse);
	/* Another thread sees it owned by someone else and cannot take it. */
	mtx_probe(&m, &p);
	ATF_REQUIRE_EQ(0, p.owned);
	ATF_REQUIRE_EQ(0, p.trylock);
	mtx_unlock(&m);

	ATF_REQUIRE(!mtx_owned(&m));
	ATF_REQUIRE_EQ(0, witness_held_count());
	ATF_REQUIRE_EQ(LK_UNLOCKED, atomic_load(&m.mtx_lock));
	mtx_probe(&m, &p);
	ATF_REQUIRE_EQ(1, p.trylock);

	ATF_REQUIRE_EQ(1, mtx_trylock(&m));
	ATF_REQUIRE(mtx_owned(&m));
	mtx_unlock(&m);
	mtx_destroy(&m);
	ATF_REQUIRE(!mtx_initialized(&m));
}

ATF_TC(mtx_recurse);
ATF_TC_HEAD(mtx_recurse, tc)
{
	KT_DESCR(tc, "MTX_RECURSE: the owner may lock "
	    "again; the lock is released by the last unlock only");
}
ATF_TC_BODY(mtx_recurse, tc)
{
	struct mtx m;
	struct mtx_probe p;

	mtx_init(&m, "recursive mtx", NULL, MTX_RECURSE);
	mtx_lock(&m);
	mtx_assert(&m, MA_OWNED | MA_NOTRECURSED);
	mtx_lock(&m);
	ATF_REQUIRE_EQ(1u, m.mtx_recurse);
	mtx_assert(&m, MA_OWNED | MA_RECURSED);
	ATF_REQUIRE_EQ(1, mtx_trylock(&m));	/* try recurses too */
	ATF_REQUIRE_EQ(2u, m.mtx_recurse);

	mtx_unlock(&m);
	mtx_unlock(&m);
	ATF_REQUIRE(mtx_owned(&m));
	mtx_assert(&m, MA_OWNED | MA_NOTRECURSED);
	mtx_probe(&m, &p);
	ATF_REQUIRE_EQ(0, p.trylock);
	mtx_unlock(&m);
	ATF_REQUIRE(!mtx_owned(&m));
	ATF_REQUIRE_EQ(0, witness_held_count());
	mtx_probe(&m, &p);
	ATF_REQUIRE_EQ(1, p.trylock);
	mtx_destroy(&m);
}

static void
mtx_recurse_child(void *arg __unused)
{
	struct mtx m;

	mtx_init(&m, "plain mtx", NULL, MTX_DEF);
	mtx_lock(&m);
	mtx_lock(&m);
}

static void
mtx_unlock_unowned_child(void *arg __unused)
{
	struct mtx m;

	mtx_init(&m, "plain mtx", NULL, MTX_DEF);
	mtx_unlock(&m);
}

static void
mtx_uninit_child(void *arg __unused)
{
	struct mtx m;

	memset(&m, 0, sizeof(m));
	atomic_store(&m.mtx_lock, LK_UNLOCKED);
	m.lock_object.lo_name = "never initialised";
	mtx_lock(&m);
}

ATF_TC(mtx_misuse_panics);
ATF_TC_HEAD(mtx_misuse_panics, tc)
{
	KT_DESCR(tc, "recursing on a mutex without "
	    "MTX_RECURSE, unlocking a mutex one does not own and locking an "
	    "uninitialised one panic");
}
ATF_TC_BODY(mtx_misuse_panics, tc)
{
	kt_expect_panic(mtx_recurse_child, NULL,
	    "recursing on non-recursive lock \"plain mtx\"");
	kt_expect_panic(mtx_unlock_unowned_child, NULL,
	    "not exclusively held");
	KT_REQUIRE_INVARIANTS();
	kt_expect_panic(mtx_uninit_child, NULL, "not initialized");
}

static void
mtx_assert_owned_child(void *arg __unused)
{
	struct mtx m;

	mtx_init(&m, "assert mtx", NULL, MTX_DEF);
	mtx_assert(&m, MA_OWNED);
}

static void
mtx_assert_notowned_child(void *arg __unused)
{
	struct mtx m;

	mtx_init(&m, "assert mtx", NULL, MTX_DEF);
	mtx_lock(&m);
	mtx_assert(&m, MA_NOTOWNED);
}

static void
mtx_assert_recursed_child(void *arg __unused)
{
	struct mtx m;

	mtx_init(&m, "assert mtx", NULL, MTX_RECURSE);
	mtx_lock(&m);
	mtx_assert(&m, MA_OWNED | MA_RECURSED);
}

static void
mtx_assert_notrecursed_child(void *arg __unused)
{
	struct mtx m;

	mtx_init(&m, "assert mtx", NULL, MTX_RECURSE);
	mtx_lock(&m);
	mtx_lock(&m);
	mtx_assert(&m, MA_OWNED | MA_NOTRECURSED);
}

struct mtx_holder {
	struct mtx	*m;
	_Atomic int	held;
	_Atomic int	release;
	bool		ok;
};

static void *
mtx_holder_thread(void *arg)
{
	struct mtx_holder *h = arg;

	mtx_lock(h->m);
	atomic_store(&h->held, 1);
	WAIT_FOR_BOOL(atomic_load(&h->release), &h->ok);
	mtx_unlock(h->m);
	return (NULL);
}

/* MA_OWNED is about this thread: a mutex owned by another one fails it. */
static void
mtx_assert_other_owner_child(void *arg __unused)
{
	static struct mtx m;
	static struct mtx_holder h;
	pthread_t t;

	mtx_init(&m, "assert mtx", NULL, MTX_DEF);
	h.m = &m;
	pthread_create(&t, NULL, mtx_holder_thread, &h);
	while (!atomic_load(&h.held))
		kt_tick();
	mtx_assert(&m, MA_OWNED);
}

ATF_TC(mtx_assert_panics);
ATF_TC_HEAD(mtx_assert_panics, tc)
{
	KT_DESCR(tc, "mtx_assert panics on each wrong "
	    "state: not owned, owned, not recursed, recursed, owned by "
	    "another thread");
}
ATF_TC_BODY(mtx_assert_panics, tc)
{
	KT_REQUIRE_INVARIANTS();
	kt_expect_panic(mtx_assert_owned_child, NULL,
	    "Lock \"assert mtx\" not exclusively locked");
	kt_expect_panic(mtx_assert_notowned_child, NULL,
	    "Lock \"assert mtx\" held by this thread");
	kt_expect_panic(mtx_assert_recursed_child, NULL,
	    "Lock \"assert mtx\" not recursed");
	kt_expect_panic(mtx_assert_notrecursed_child, NULL,
	    "Lock \"assert mtx\" recursed");
	kt_expect_panic(mtx_assert_other_owner_child, NULL,
	    "not exclusively locked");
}

/*
 * Mutual exclusion: NTHR threads increment a plain counter under the
 * mutex.  A lost update shows in the total; two threads inside at once
 * show in the overlap count (the "inside" flag is plain too).
 */
#define	EXCL_THREADS	4
#define	EXCL_ITERS	50000

struct excl_state {
	struct mtx	m;
	struct kt_rendezvous start;
	uint64_t	counter;	/* (m) */
	int		inside;		/* (m) */
	_Atomic int	overlaps;
};

static void *
excl_thread(void *arg)
{
	struct excl_state *s = arg;
	int i;

	(void)rv_wait(&s->start);
	for (i = 0; i < EXCL_ITERS; i++) {
		/* Now and then a try-lock, which must exclude just as well. */
		if (i % 64 != 0 || !mtx_trylock(&s->m))
			mtx_lock(&s->m);
		if (s->inside++ != 0)
			atomic_fetch_add(&s->overlaps, 1);
		s->counter++;
		s->inside--;
		mtx_unlock(&s->m);
	}
	return (NULL);
}

ATF_TC(mtx_mutual_exclusion);
ATF_TC_HEAD(mtx_mutual_exclusion, tc)
{
	KT_DESCR(tc, "4 threads incrementing a plain "
	    "counter under a mutex lose no update and never overlap");
}
ATF_TC_BODY(mtx_mutual_exclusion, tc)
{
	static struct excl_state s;
	pthread_t t[EXCL_THREADS];
	int i;

	mtx_init(&s.m, "excl mtx", NULL, MTX_DEF);
	rv_init(&s.start, EXCL_THREADS);
	for (i = 0; i < EXCL_THREADS; i++)
		kt_thread_start(&t[i], excl_thread, &s);
	for (i = 0; i < EXCL_THREADS; i++)
		kt_join(t[i]);
	ATF_REQUIRE_EQ((uint64_t)EXCL_THREADS * EXCL_ITERS, s.counter);
	ATF_REQUIRE_EQ(0, atomic_load(&s.overlaps));
	ATF_REQUIRE_EQ(LK_UNLOCKED, atomic_load(&s.m.mtx_lock));
	rv_destroy(&s.start);
	mtx_destroy(&s.m);
}

/* ---- rwlock(9) and sx(9) through one table ---------------------------- */

union rwsx {
	struct rwlock	rw;
	struct sx	sx;
};

struct rwsx_ops {
	const char	*name;
	void	(*init)(union rwsx *, const char *, bool recurse);
	void	(*destroy)(union rwsx *);
	void	(*rlock)(union rwsx *);
	int	(*try_rlock)(union rwsx *);
	void	(*runlock)(union rwsx *);
	void	(*wlock)(union rwsx *);
	int	(*try_wlock)(union rwsx *);
	void	(*wunlock)(union rwsx *);
	int	(*try_upgrade)(union rwsx *);
	void	(*downgrade)(union rwsx *);
	int	(*xowned)(union rwsx *);
	void	(*lassert)(union rwsx *, int what);
	_Atomic uintptr_t *(*word)(union rwsx *);
	struct lock_object *(*lobj)(union rwsx *);
};

static void rw_o_init(union rwsx *l, const char *n, bool r)
{ rw_init_flags(&l->rw, n, r ? RW_RECURSE : 0); }
static void rw_o_destroy(union rwsx *l) { rw_destroy(&l->rw); }
static void rw_o_rlock(union rwsx *l) { rw_rlock(&l->rw); }
static int rw_o_try_rlock(union rwsx *l) { return (rw_try_rlock(&l->rw)); }
static void rw_o_runlock(union rwsx *l) { rw_runlock(&l->rw); }
static void rw_o_wlock(union rwsx *l) { rw_wlock(&l->rw); }
static int rw_o_try_wlock(union rwsx *l) { return (rw_try_wlock(&l->rw)); }
static void rw_o_wunlock(union rwsx *l) { rw_wunlock(&l->rw); }
static int rw_o_try_upgrade(union rwsx *l) { return (rw_try_upgrade(&l->rw)); }
static void rw_o_downgrade(union rwsx *l) { rw_downgrade(&l->rw); }
static int rw_o_xowned(union rwsx *l) { return (rw_wowned(&l->rw)); }
static void rw_o_assert(union rwsx *l, int what)
{ _rw_assert(&l->rw, what, __FILE__, __LINE__); }
static _Atomic uintptr_t *rw_o_word(union rwsx *l) { return (&l->rw.rw_lock); }
static struct lock_object *rw_o_lobj(union rwsx *l)
{ return (&l->rw.lock_object); }

static const struct rwsx_ops rw_ops = {
	"rwlock", rw_o_init, rw_o_destroy, rw_o_rlock, rw_o_try_rlock,
	rw_o_runlock, rw_o_wlock, rw_o_try_wlock, rw_o_wunlock,
	rw_o_try_upgrade, rw_o_downgrade, rw_o_xowned, rw_o_assert, rw_o_word,
	rw_o_lobj,
};

static void sx_o_init(union rwsx *l, const char *n, bool r)
{ sx_init_flags(&l->sx, n, r ? SX_RECURSE : 0); }
static void sx_o_destroy(union rwsx *l) { sx_destroy(&l->sx); }
static void sx_o_rlock(union rwsx *l) { sx_slock(&l->sx); }
static int sx_o_try_rlock(union rwsx *l) { return (sx_try_slock(&l->sx)); }
static void sx_o_runlock(union rwsx *l) { sx_sunlock(&l->sx); }
static void sx_o_wlock(union rwsx *l) { sx_xlock(&l->sx); }
static int sx_o_try_wlock(union rwsx *l) { return (sx_try_xlock(&l->sx)); }
static void sx_o_wunlock(union rwsx *l) { sx_xunlock(&l->sx); }
static int sx_o_try_upgrade(union rwsx *l) { return (sx_try_upgrade(&l->sx)); }
static void sx_o_downgrade(union rwsx *l) { sx_downgrade(&l->sx); }
static int sx_o_xowned(union rwsx *l) { return (sx_xlocked(&l->sx)); }
static void sx_o_assert(union rwsx *l, int what)
{ _sx_assert(&l->sx, what, __FILE__, __LINE__); }
static _Atomic uintptr_t *sx_o_word(union rwsx *l) { return (&l->sx.sx_lock); }
static struct lock_object *sx_o_lobj(union rwsx *l)
{ return (&l->sx.lock_object); }

static const struct rwsx_ops sx_ops = {
	"sx", sx_o_init, sx_o_destroy, sx_o_rlock, sx_o_try_rlock,
	sx_o_runlock, sx_o_wlock, sx_o_try_wlock, sx_o_wunlock,
	sx_o_try_upgrade, sx_o_downgrade, sx_o_xowned, sx_o_assert, sx_o_word,
	sx_o_lobj,
};

/* Define rw_<name> and sx_<name> running name##_body with each table. */
#define	RWSX_TC(name, descr)						\
ATF_TC(rw_##name);							\
ATF_TC_HEAD(rw_##name, tc)						\
{									\
	KT_DESCR(tc, "rwlock: " descr);		\
}									\
ATF_TC_BODY(rw_##name, tc)						\
{									\
	name##_body(&rw_ops);						\
}									\
ATF_TC(sx_##name);							\
ATF_TC_HEAD(sx_##name, tc)						\
{									\
	KT_DESCR(tc, "sx: " descr);			\
}									\
ATF_TC_BODY(sx_##name, tc)						\
{									\
	name##_body(&sx_ops);						\
}

#define	RWSX_ADD_TCS(tp, name) do {					\
	ATF_TP_ADD_TC(tp, rw_##name);					\
	ATF_TP_ADD_TC(tp, sx_##name);					\
} while (0)

static uintptr_t
lword(const struct rwsx_ops *ops, union rwsx *l)
{
	return (atomic_load(ops->word(l)));
}

/*
 * A helper thread that takes the lock (shared or exclusive), says so, holds
 * it until told to release, and records what it saw.
 */
struct locker {
	const struct rwsx_ops *ops;
	union rwsx	*l;
	bool		excl;		/* (c) exclusive, else shared */
	bool		use_try;	/* (c) only try; record the result */
	_Atomic int	entered;	/* holds the lock */
	_Atomic int	release;	/* told to release */
	_Atomic int	done;
	int		tried;		/* result of the try */
	bool		ok;		/* release came in time */
	uintptr_t	word_inside;	/* lock word seen while holding */
};

static void *
locker_thread(void *arg)
{
	struct locker *lk = arg;

	if (lk->use_try) {
		lk->tried = lk->excl ? lk->ops->try_wlock(lk->l) :
		    lk->ops->try_rlock(lk->l);
		if (!lk->tried) {
			lk->ok = true;
			atomic_store(&lk->done, 1);
			return (NULL);
		}
	} else if (lk->excl)
		lk->ops->wlock(lk->l);
	else
		lk->ops->rlock(lk->l);
	lk->word_inside = lword(lk->ops, lk->l);
	atomic_store(&lk->entered, 1);
	WAIT_FOR_BOOL(atomic_load(&lk->release), &lk->ok);
	if (lk->excl)
		lk->ops->wunlock(lk->l);
	else
		lk->ops->runlock(lk->l);
	atomic_store(&lk->done, 1);
	return (NULL);
}

static void
locker_start(struct locker *lk, pthread_t *t, const struct rwsx_ops *ops,
    union rwsx *l, bool excl)
{
	memset(lk, 0, sizeof(*lk));
	lk->ops = ops;
	lk->l = l;
	lk->excl = excl;
	kt_thread_start(t, locker_thread, lk);
}

/* One try-lock from another thread: 1 if it would have been granted. */
static int
try_from_other(const struct rwsx_ops *ops, union rwsx *l, bool excl)
{
	struct locker lk;
	pthread_t t;

	memset(&lk, 0, sizeof(lk));
	lk.ops = ops;
	lk.l = l;
	lk.excl = excl;
	lk.use_try = true;
	atomic_store(&lk.release, 1);
	kt_thread_start(&t, locker_thread, &lk);
	kt_join(t);
	return (lk.tried);
}

/*
 * Many readers at once: NREADERS threads take the lock shared and meet in
 * a rendezvous that includes the test's thread, so none can leave before
 * all are inside.  Meanwhile a writer is refused and the word counts them.
 */
#define	NREADERS	4

struct reader_party {
	const struct rwsx_ops *ops;
	union rwsx	*l;
	struct kt_rendezvous rv;
	_Atomic int	inside;
	_Atomic int	met;		/* readers that saw everyone inside */
};

static void *
party_reader(void *arg)
{
	struct reader_party *p = arg;

	p->ops->rlock(p->l);
	atomic_fetch_add(&p->inside, 1);
	if (rv_wait(&p->rv))
		atomic_fetch_add(&p->met, 1);
	atomic_fetch_sub(&p->inside, 1);
	p->ops->runlock(p->l);
	return (NULL);
}

static void
readers_share_body(const struct rwsx_ops *ops)
{
	static union rwsx l;
	static struct reader_party p;
	pthread_t t[NREADERS];
	int i;

	ops->init(&l, "readers lock", false);
	memset(&p, 0, sizeof(p));
	p.ops = ops;
	p.l = &l;
	rv_init(&p.rv, NREADERS + 1);
	for (i = 0; i < NREADERS; i++)
		kt_thread_start(&t[i], party_reader, &p);
	WAIT_FOR(atomic_load(&p.inside) == NREADERS);
	ATF_REQUIRE_EQ(LK_SHARED | (NREADERS << LK_SHARERS_SHIFT),
	    lword(ops, &l));
	ATF_REQUIRE_EQ(0, ops->try_wlock(&l));
	/* No writer waits, so a new reader is let in as well. */
	ATF_REQUIRE_EQ(1, ops->try_rlock(&l));
	ops->lassert(&l, LA_RLOCKED);
	ops->runlock(&l);
	ATF_REQUIRE(rv_wait(&p.rv));
	for (i = 0; i < NREADERS; i++)
		kt_join(t[i]);
	ATF_REQUIRE_EQ(NREADERS, atomic_load(&p.met));
	ATF_REQUIRE_EQ(LK_UNLOCKED, lword(ops, &l));
	ATF_REQUIRE_EQ(1, ops->try_wlock(&l));
	ops->wunlock(&l);
	rv_destroy(&p.rv);
	ops->destroy(&l);
}
RWSX_TC(readers_share, "4 readers are inside together (rendezvous) and "
    "a writer is refused meanwhile")

/*
 * Writer exclusion: while the test's thread holds the lock exclusively, a
 * reader and a writer both block (counted on the sleep queue) and enter
 * only after the release; while it holds the lock shared, a writer blocks.
 */
static void
writer_excludes_body(const struct rwsx_ops *ops)
{
	static union rwsx l;
	struct locker r, w;
	pthread_t tr, tw;

	ops->init(&l, "excl lock", false);
	ops->wlock(&l);
	ATF_REQUIRE(ops->xowned(&l));
	ATF_REQUIRE(LK_OWNER(lword(ops, &l)) == curthread);
	ATF_REQUIRE_EQ(0, try_from_other(ops, &l, false));
	ATF_REQUIRE_EQ(0, try_from_other(ops, &l, true));
	locker_start(&r, &tr, ops, &l, false);
	locker_start(&w, &tw, ops, &l, true);
	WAIT_FOR(kt_sleepers(ops->word(&l)) == 2);
	ATF_REQUIRE_EQ(0, atomic_load(&r.entered));
	ATF_REQUIRE_EQ(0, atomic_load(&w.entered));
	ATF_REQUIRE(lword(ops, &l) & LK_WAITERS);
	ATF_REQUIRE(lword(ops, &l) & LK_EXCL_WAITERS);
	ops->wunlock(&l);
	ATF_REQUIRE(!ops->xowned(&l));
	atomic_store(&r.release, 1);
	atomic_store(&w.release, 1);
	kt_join(tr);
	kt_join(tw);
	ATF_REQUIRE(r.ok && w.ok);
	ATF_REQUIRE_EQ(1, atomic_load(&r.entered));
	ATF_REQUIRE_EQ(1, atomic_load(&w.entered));
	/* What each saw inside: itself as owner, or one sharer. */
	ATF_REQUIRE((r.word_inside & LK_SHARED) &&
	    LK_SHARERS(r.word_inside) == 1);
	ATF_REQUIRE((w.word_inside & LK_SHARED) == 0);
	ATF_REQUIRE_EQ(LK_UNLOCKED, lword(ops, &l));

	/* Shared hold: a writer waits for it. */
	ops->rlock(&l);
	locker_start(&w, &tw, ops, &l, true);
	WAIT_FOR(kt_sleepers(ops->word(&l)) == 1);
	ATF_REQUIRE_EQ(0, atomic_load(&w.entered));
	ops->runlock(&l);
	WAIT_FOR(atomic_load(&w.entered));
	ATF_REQUIRE_EQ(0, try_from_other(ops, &l, false));
	atomic_store(&w.release, 1);
	kt_join(tw);
	ATF_REQUIRE_EQ(LK_UNLOCKED, lword(ops, &l));
	ops->destroy(&l);
}
RWSX_TC(writer_excludes, "an exclusive holder blocks readers and writers "
    "until it releases; a shared holder blocks writers")

/* try_upgrade: granted to a sole reader, refused with a second reader. */
static void
try_upgrade_body(const struct rwsx_ops *ops)
{
	static union rwsx l;
	struct locker r;
	pthread_t tr;

	ops->init(&l, "upgrade lock", false);
	ops->rlock(&l);
	ATF_REQUIRE_EQ(1, ops->try_upgrade(&l));
	ATF_REQUIRE(ops->xowned(&l));
	ops->lassert(&l, LA_WLOCKED);
	ATF_REQUIRE_EQ(LA_WLOCKED, witness_owned(ops->lobj(&l)));
	ATF_REQUIRE_EQ(0, try_from_other(ops, &l, false));
	ops->wunlock(&l);
	ATF_REQUIRE_EQ(LK_UNLOCKED, lword(ops, &l));
	ATF_REQUIRE_EQ(0, witness_held_count());

	locker_start(&r, &tr, ops, &l, false);
	WAIT_FOR(atomic_load(&r.entered));
	ops->rlock(&l);
	ATF_REQUIRE_EQ(0, ops->try_upgrade(&l));
	/* Refused: still one of two sharers. */
	ATF_REQUIRE(!ops->xowned(&l));
	ops->lassert(&l, LA_RLOCKED);
	ATF_REQUIRE_EQ(LK_SHARED | (2 << LK_SHARERS_SHIFT), lword(ops, &l));
	ops->runlock(&l);
	atomic_store(&r.release, 1);
	kt_join(tr);
	ATF_REQUIRE_EQ(LK_UNLOCKED, lword(ops, &l));
	ATF_REQUIRE_EQ(0, witness_held_count());
	ops->destroy(&l);
}
RWSX_TC(try_upgrade, "try_upgrade succeeds for a sole reader and fails, "
    "keeping the shared hold, when another reader holds the lock")

/*
 * Downgrade: with two readers and a writer queued behind an exclusive
 * holder, downgrading lets both readers in at once (three sharers) while
 * the writer stays blocked until every sharer has left.
 */
static void
downgrade_body(const struct rwsx_ops *ops)
{
	static union rwsx l;
	struct locker r1, r2, w;
	pthread_t t1, t2, tw;

	ops->init(&l, "downgrade lock", false);
	ops->wlock(&l);
	locker_start(&r1, &t1, ops, &l, false);
	locker_start(&r2, &t2, ops, &l, false);
	locker_start(&w, &tw, ops, &l, true);
	WAIT_FOR(kt_sleepers(ops->word(&l)) == 3);

	ops->downgrade(&l);
	ATF_REQUIRE(!ops->xowned(&l));
	ops->lassert(&l, LA_RLOCKED);
	WAIT_FOR(atomic_load(&r1.entered) && atomic_load(&r2.entered));
	ATF_REQUIRE_EQ(3u, LK_SHARERS(lword(ops, &l)));
	/* The writer goes back to sleep behind the three sharers. */
	WAIT_FOR(kt_sleepers(ops->word(&l)) == 1);
	ATF_REQUIRE_EQ(0, atomic_load(&w.entered));

	ops->runlock(&l);
	atomic_store(&r1.release, 1);
	kt_join(t1);
	ATF_REQUIRE_EQ(0, atomic_load(&w.entered));
	atomic_store(&r2.release, 1);
	kt_join(t2);
	WAIT_FOR(atomic_load(&w.entered));
	ATF_REQUIRE(LK_OWNER(w.word_inside) != NULL);
	atomic_store(&w.release, 1);
	kt_join(tw);
	ATF_REQUIRE(r1.ok && r2.ok && w.ok);
	ATF_REQUIRE_EQ(LK_UNLOCKED, lword(ops, &l));
	ops->destroy(&l);
}
RWSX_TC(downgrade, "downgrade admits the queued readers at once while the "
    "queued writer stays blocked until all sharers leave")

/*
 * Reader recursion past a queued writer: a thread holding the lock shared
 * takes it shared again while a writer waits.  Writer preference keeps
 * new readers out (another thread's try_rlock fails), but the recursing
 * reader must get in, or it would wait for a writer that waits for it.
 */
struct recurser {
	const struct rwsx_ops *ops;
	union rwsx	*l;
	_Atomic int	held;
	_Atomic int	go;
	_Atomic int	recursed;
	bool		ok;
};

static void *
recurser_thread(void *arg)
{
	struct recurser *rc = arg;

	rc->ops->rlock(rc->l);
	atomic_store(&rc->held, 1);
	WAIT_FOR_BOOL(atomic_load(&rc->go), &rc->ok);
	rc->ops->rlock(rc->l);
	atomic_store(&rc->recursed, 1);
	rc->ops->runlock(rc->l);
	rc->ops->runlock(rc->l);
	return (NULL);
}

static void
reader_recursion_body(const struct rwsx_ops *ops)
{
	static union rwsx l;
	static struct recurser rc;
	struct locker w;
	pthread_t tr, tw;

	ops->init(&l, "recursion lock", false);
	memset(&rc, 0, sizeof(rc));
	rc.ops = ops;
	rc.l = &l;
	kt_thread_start(&tr, recurser_thread, &rc);
	WAIT_FOR(atomic_load(&rc.held));
	locker_start(&w, &tw, ops, &l, true);
	WAIT_FOR(kt_sleepers(ops->word(&l)) == 1);
	/* A new reader defers to the queued writer... */
	ATF_REQUIRE_EQ(0, try_from_other(ops, &l, false));
	/* ...but the one already holding it shared recurses. */
	atomic_store(&rc.go, 1);
	kt_join(tr);
	ATF_REQUIRE(rc.ok);
	ATF_REQUIRE_EQ(1, atomic_load(&rc.recursed));
	WAIT_FOR(atomic_load(&w.entered));
	atomic_store(&w.release, 1);
	kt_join(tw);
	ATF_REQUIRE_EQ(LK_UNLOCKED, lword(ops, &l));
	ops->destroy(&l);
}
RWSX_TC(reader_recursion, "a reader re-taking its shared lock while a "
    "writer is queued gets in; a new reader does not")

/* The assertions pass on every right state. */
static void
assert_pass_body(const struct rwsx_ops *ops)
{
	static union rwsx l, rl;

	KT_REQUIRE_INVARIANTS();
	ops->init(&l, "assert lock", false);
	ops->lassert(&l, LA_UNLOCKED);
	ops->wlock(&l);
	ops->lassert(&l, LA_WLOCKED);
	ops->lassert(&l, LA_LOCKED);
	ops->lassert(&l, LA_WLOCKED | LA_NOTRECURSED);
	ATF_REQUIRE(ops->xowned(&l));
	ops->wunlock(&l);
	ops->lassert(&l, LA_UNLOCKED);
	ATF_REQUIRE(!ops->xowned(&l));
	ops->rlock(&l);
	ops->lassert(&l, LA_RLOCKED);
	ops->lassert(&l, LA_LOCKED);
	ATF_REQUIRE(!ops->xowned(&l));
	ops->runlock(&l);
	ops->destroy(&l);

	ops->init(&rl, "assert recursive lock", true);
	ops->wlock(&rl);
	ops->wlock(&rl);
	ops->lassert(&rl, LA_WLOCKED | LA_RECURSED);
	ops->wunlock(&rl);
	ops->lassert(&rl, LA_WLOCKED | LA_NOTRECURSED);
	ATF_REQUIRE(ops->xowned(&rl));
	ops->wunlock(&rl);
	ATF_REQUIRE(!ops->xowned(&rl));
	ops->lassert(&rl, LA_UNLOCKED);
	ops->destroy(&rl);
}
RWSX_TC(assert_pass, "assertions and the owner query agree with the lock "
    "state: unlocked, exclusive, shared, recursed")

struct assert_case {
	const struct rwsx_ops *ops;
	int	hold;		/* 0 none, 1 shared, 2 exclusive, 3 other thread */
	int	what;
};

static void
assert_fail_child(void *arg)
{
	struct assert_case *ac = arg;
	static union rwsx l;
	static struct locker lk;
	pthread_t t;

	ac->ops->init(&l, "asserted lock", false);
	switch (ac->hold) {
	case 1:
		ac->ops->rlock(&l);
		break;
	case 2:
		ac->ops->wlock(&l);
		break;
	case 3:
		locker_start(&lk, &t, ac->ops, &l, false);
		while (!atomic_load(&lk.entered))
			kt_tick();
		break;
	}
	ac->ops->lassert(&l, ac->what);
}

static void
assert_fail_body(const struct rwsx_ops *ops)
{
	struct assert_case ac = { ops, 0, 0 };

	KT_REQUIRE_INVARIANTS();
	ac.hold = 1; ac.what = LA_WLOCKED;	/* sx_assert(SA_XLOCKED) */
	kt_expect_panic(assert_fail_child, &ac,
	    "Lock \"asserted lock\" not exclusively locked");
	ac.hold = 2; ac.what = LA_RLOCKED;
	kt_expect_panic(assert_fail_child, &ac,
	    "Lock \"asserted lock\" not share-locked by this thread");
	ac.hold = 0; ac.what = LA_LOCKED;
	kt_expect_panic(assert_fail_child, &ac,
	    "Lock \"asserted lock\" not locked");
	ac.hold = 1; ac.what = LA_UNLOCKED;
	kt_expect_panic(assert_fail_child, &ac,
	    "Lock \"asserted lock\" held by this thread");
	ac.hold = 2; ac.what = LA_UNLOCKED;
	kt_expect_panic(assert_fail_child, &ac,
	    "Lock \"asserted lock\" held by this thread");
	ac.hold = 2; ac.what = LA_WLOCKED | LA_RECURSED;
	kt_expect_panic(assert_fail_child, &ac,
	    "Lock \"asserted lock\" not recursed");
	/* Shared by another thread is not shared by this one. */
	ac.hold = 3; ac.what = LA_RLOCKED;
	kt_expect_panic(assert_fail_child, &ac,
	    "Lock \"asserted lock\" not share-locked by this thread");
}
RWSX_TC(assert_fail, "assertions panic on the wrong state, e.g. "
    "SA_XLOCKED on a shared hold")

struct misuse_case {
	const struct rwsx_ops *ops;
	int	kind;
};

static void
misuse_child(void *arg)
{
	struct misuse_case *mc = arg;
	static union rwsx l;

	mc->ops->init(&l, "misused lock", false);
	switch (mc->kind) {
	case 0:		/* exclusive recursion without *_RECURSE */
		mc->ops->wlock(&l);
		mc->ops->wlock(&l);
		break;
	case 1:		/* shared over one's own exclusive hold */
		mc->ops->wlock(&l);
		mc->ops->rlock(&l);
		break;
	case 2:		/* shared unlock of an unlocked lock */
		mc->ops->runlock(&l);
		break;
	case 3:		/* downgrade without holding it exclusively */
		mc->ops->rlock(&l);
		mc->ops->downgrade(&l);
		break;
	}
}

static void
misuse_body(const struct rwsx_ops *ops)
{
	struct misuse_case mc = { ops, 0 };

	mc.kind = 0;
	kt_expect_panic(misuse_child, &mc,
	    "recursing on non-recursive lock \"misused lock\"");
	mc.kind = 1;
	kt_expect_panic(misuse_child, &mc,
	    "shared lock of \"misused lock\"");
	mc.kind = 2;
	kt_expect_panic(misuse_child, &mc, "not share-locked");
	mc.kind = 3;
	kt_expect_panic(misuse_child, &mc,
	    "lock \"misused lock\" not exclusively held");
}
RWSX_TC(misuse, "exclusive recursion without RECURSE, a shared lock over "
    "one's own exclusive hold, unlocking an unlocked lock and downgrading "
    "a shared hold panic")

/* ---- sx_upgrade ----------------------------------------------------- */

ATF_TC(sx_upgrade_atomic);
ATF_TC_HEAD(sx_upgrade_atomic, tc)
{
	KT_DESCR(tc, "sx_upgrade by the sole reader returns "
	    "1 and holds the lock exclusively");
}
ATF_TC_BODY(sx_upgrade_atomic, tc)
{
	struct sx sx;

	sx_init(&sx, "upgrade sx");
	sx_slock(&sx);
	ATF_REQUIRE(!sx_xlocked(&sx));
	ATF_REQUIRE_EQ(1, sx_upgrade(&sx));
	ATF_REQUIRE(sx_xlocked(&sx));
	sx_assert(&sx, SA_XLOCKED);
	ATF_REQUIRE_EQ(1, witness_held_count());
	sx_downgrade(&sx);
	ATF_REQUIRE(!sx_xlocked(&sx));
	sx_assert(&sx, SA_SLOCKED);
	ATF_REQUIRE_EQ(LK_SHARED | LK_ONE_SHARER, atomic_load(&sx.sx_lock));
	sx_unlock(&sx);
	ATF_REQUIRE_EQ(LK_UNLOCKED, atomic_load(&sx.sx_lock));
	ATF_REQUIRE_EQ(0, witness_held_count());
	sx_destroy(&sx);
}

/* The other reader: leaves once the upgrader is queued for the lock. */
struct upgrade_peer {
	struct sx	*sx;
	_Atomic int	held;
	_Atomic int	left;
	bool		ok;
};

static void *
upgrade_peer_thread(void *arg)
{
	struct upgrade_peer *p = arg;

	sx_slock(p->sx);
	atomic_store(&p->held, 1);
	/* The upgrader dropped its share and sleeps for the exclusive. */
	WAIT_FOR_BOOL(kt_sleepers(&p->sx->sx_lock) == 1, &p->ok);
	atomic_store(&p->left, 1);
	sx_sunlock(p->sx);
	return (NULL);
}

ATF_TC(sx_upgrade_not_atomic);
ATF_TC_HEAD(sx_upgrade_not_atomic, tc)
{
	KT_DESCR(tc, "sx_upgrade with another reader "
	    "returns 0 after waiting for it, and holds the lock exclusively "
	    "anyway");
}
ATF_TC_BODY(sx_upgrade_not_atomic, tc)
{
	static struct sx sx;
	static struct upgrade_peer p;
	pthread_t t;
	int r;

	sx_init(&sx, "upgrade sx");
	p.sx = &sx;
	kt_thread_start(&t, upgrade_peer_thread, &p);
	WAIT_FOR(atomic_load(&p.held));
	sx_slock(&sx);
	ATF_REQUIRE_EQ(LK_SHARED | (2 << LK_SHARERS_SHIFT),
	    atomic_load(&sx.sx_lock));
	r = sx_upgrade(&sx);
	ATF_REQUIRE_EQ(0, r);
	ATF_REQUIRE_EQ(1, atomic_load(&p.left));	/* waited for it */
	ATF_REQUIRE(sx_xlocked(&sx));
	sx_assert(&sx, SA_XLOCKED);
	ATF_REQUIRE_EQ(1, witness_held_count());
	ATF_REQUIRE_EQ(0, curthread->td_rw_rlocks);
	sx_xunlock(&sx);
	kt_join(t);
	ATF_REQUIRE(p.ok);
	ATF_REQUIRE_EQ(LK_UNLOCKED, atomic_load(&sx.sx_lock));
	sx_destroy(&sx);
}

/* ---- witness ----------------------------------------------------------- */

static void
lor_child(void *arg __unused)
{
	struct mtx a, b;

	mtx_init(&a, "lor A", NULL, MTX_DEF);
	mtx_init(&b, "lor B", NULL, MTX_DEF);
	mtx_lock(&a);
	mtx_lock(&b);
	mtx_unlock(&b);
	mtx_unlock(&a);
	mtx_lock(&b);
	mtx_lock(&a);		/* panics */
}

ATF_TC(witness_reversal_panics);
ATF_TC_HEAD(witness_reversal_panics, tc)
{
	KT_DESCR(tc, "A then B, later B then A in one "
	    "thread panics with a lock order reversal naming both");
}
ATF_TC_BODY(witness_reversal_panics, tc)
{
	KT_REQUIRE_INVARIANTS();
	kt_expect_panic(lor_child, NULL,
	    "lock order reversal: \"lor B\" then \"lor A\"");
}

static void
lor_transitive_child(void *arg __unused)
{
	struct sx a;
	struct rwlock b;
	struct mtx c;

	sx_init(&a, "lor2 A");
	rw_init(&b, "lor2 B");
	mtx_init(&c, "lor2 C", NULL, MTX_DEF);
	sx_slock(&a);		/* shared acquisitions count too */
	rw_rlock(&b);
	rw_runlock(&b);
	sx_sunlock(&a);
	rw_wlock(&b);
	mtx_lock(&c);
	mtx_unlock(&c);
	rw_wunlock(&b);
	mtx_lock(&c);
	sx_xlock(&a);		/* C -> A closes A -> B -> C: panics */
}

ATF_TC(witness_transitive_panics);
ATF_TC_HEAD(witness_transitive_panics, tc)
{
	KT_DESCR(tc, "A->B (shared) and B->C establish "
	    "A before C: taking A while holding C panics; every lock class "
	    "takes part");
}
ATF_TC_BODY(witness_transitive_panics, tc)
{
	KT_REQUIRE_INVARIANTS();
	kt_expect_panic(lor_transitive_child, NULL,
	    "lock order reversal: \"lor2 C\" then \"lor2 A\"");
}

static void
same_order_child(void *arg __unused)
{
	struct mtx a, b;
	struct sx c;
	int i;

	mtx_init(&a, "order A", NULL, MTX_DEF);
	mtx_init(&b, "order B", NULL, MTX_DEF);
	sx_init(&c, "order C");
	for (i = 0; i < 3; i++) {
		mtx_lock(&a);
		mtx_lock(&b);
		sx_xlock(&c);
		sx_xunlock(&c);
		mtx_unlock(&b);
		mtx_unlock(&a);
		/* Subsets in the same order are fine too. */
		mtx_lock(&a);
		sx_slock(&c);
		sx_sunlock(&c);
		mtx_unlock(&a);
	}
	/* A try-lock cannot deadlock: it is exempt from the order. */
	mtx_lock(&b);
	if (!mtx_trylock(&a))
		abort();
	mtx_unlock(&a);
	mtx_unlock(&b);
}

ATF_TC(witness_same_order_ok);
ATF_TC_HEAD(witness_same_order_ok, tc)
{
	KT_DESCR(tc, "the same order taken again, subsets "
	    "of it, and a try-lock against it neither panic nor warn");
}
ATF_TC_BODY(witness_same_order_ok, tc)
{
	char out[4096];

	kt_expect_no_panic(same_order_child, NULL, out, sizeof(out));
	ATF_REQUIRE_STREQ("", out);
}

static void
dup_child(void *arg)
{
	int opts = *(int *)arg;
	struct mtx a, b, c;

	mtx_init(&a, "dup class", NULL, opts);
	mtx_init(&b, "dup class", NULL, opts);
	mtx_init(&c, "dup class", NULL, opts);
	mtx_lock(&a);
	mtx_lock(&b);
	mtx_lock(&c);
	mtx_unlock(&c);
	mtx_unlock(&b);
	mtx_unlock(&a);
	mtx_lock(&b);
	mtx_lock(&a);		/* either order between duplicates */
	mtx_unlock(&a);
	mtx_unlock(&b);
}

static int
count_substr(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return (n);
}

ATF_TC(witness_dupok);
ATF_TC_HEAD(witness_dupok, tc)
{
	KT_DESCR(tc, "several locks of one class: silent "
	    "with MTX_DUPOK, one warning (no panic) without it");
}
ATF_TC_BODY(witness_dupok, tc)
{
	char out[4096];
	int opts;

	KT_REQUIRE_INVARIANTS();
	opts = MTX_DUPOK;
	kt_expect_no_panic(dup_child, &opts, out, sizeof(out));
	ATF_REQUIRE_STREQ("", out);
	opts = MTX_DEF;
	kt_expect_no_panic(dup_child, &opts, out, sizeof(out));
	ATF_REQUIRE_EQ_MSG(1, count_substr(out, "acquiring duplicate lock of "
	    "class \"dup class\""), "output: %s", out);
}

static void
assert_none_child(void *arg __unused)
{
	struct mtx m;

	mtx_init(&m, "held mtx", NULL, MTX_DEF);
	witness_assert_none("test");
	mtx_lock(&m);
	witness_assert_none("returning to user space");
}

ATF_TC(witness_held_list);
ATF_TC_HEAD(witness_held_list, tc)
{
	KT_DESCR(tc, "the held-lock list tracks every "
	    "acquire and release, shared or not; witness_assert_none panics "
	    "with a lock held");
}
ATF_TC_BODY(witness_held_list, tc)
{
	struct mtx m;
	struct sx s;
	struct rwlock rw;

	KT_REQUIRE_INVARIANTS();
	mtx_init(&m, "held A", NULL, MTX_DEF);
	sx_init(&s, "held B");
	rw_init(&rw, "held C");
	ATF_REQUIRE_EQ(0, witness_held_count());
	mtx_lock(&m);
	sx_slock(&s);
	rw_wlock(&rw);
	ATF_REQUIRE_EQ(3, witness_held_count());
	ATF_REQUIRE_EQ(LA_WLOCKED, witness_owned(&m.lock_object));
	ATF_REQUIRE_EQ(LA_RLOCKED, witness_owned(&s.lock_object));
	ATF_REQUIRE_EQ(LA_WLOCKED, witness_owned(&rw.lock_object));
	sx_sunlock(&s);		/* out of order */
	ATF_REQUIRE_EQ(2, witness_held_count());
	ATF_REQUIRE_EQ(0, witness_owned(&s.lock_object));
	ATF_REQUIRE_EQ(LA_WLOCKED, witness_owned(&rw.lock_object));
	rw_wunlock(&rw);
	mtx_unlock(&m);
	ATF_REQUIRE_EQ(0, witness_held_count());
	kt_expect_panic(assert_none_child, NULL,
	    "returning to user space with lock \"held mtx\" held");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mtx_lock_unlock);
	ATF_TP_ADD_TC(tp, mtx_recurse);
	ATF_TP_ADD_TC(tp, mtx_misuse_panics);
	ATF_TP_ADD_TC(tp, mtx_assert_panics);
	ATF_TP_ADD_TC(tp, mtx_mutual_exclusion);
	RWSX_ADD_TCS(tp, readers_share);
	RWSX_ADD_TCS(tp, writer_excludes);
	RWSX_ADD_TCS(tp, try_upgrade);
	RWSX_ADD_TCS(tp, downgrade);
	RWSX_ADD_TCS(tp, reader_recursion);
	RWSX_ADD_TCS(tp, assert_pass);
	RWSX_ADD_TCS(tp, assert_fail);
	RWSX_ADD_TCS(tp, misuse);
	ATF_TP_ADD_TC(tp, sx_upgrade_atomic);
	ATF_TP_ADD_TC(tp, sx_upgrade_not_atomic);
	ATF_TP_ADD_TC(tp, witness_reversal_panics);
	ATF_TP_ADD_TC(tp, witness_transitive_panics);
	ATF_TP_ADD_TC(tp, witness_same_order_ok);
	ATF_TP_ADD_TC(tp, witness_dupok);
	ATF_TP_ADD_TC(tp, witness_held_list);
	return (atf_no_error());
}
