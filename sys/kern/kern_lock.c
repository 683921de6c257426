/*
 * mtx, rwlock and sx: one lock word, three interfaces.
 *
 * All three share the word layout of lock.h.  The uncontended paths are a
 * single compare-and-swap.  A contended acquirer spins for a short while
 * (the owner is usually running on the other core and about to release),
 * then sleeps on the sleep queue whose channel is the lock word:
 *
 *	sleepq_lock(word)
 *	recheck the word; if acquirable, release the chain and retry
 *	set LK_WAITERS (and LK_EXCL_WAITERS for a writer) with a CAS
 *	sleepq_add + sleepq_wait
 *
 * The releaser that finds LK_WAITERS takes the same chain lock, stores the
 * new word and broadcasts.  Waiter bits are only ever set under the chain
 * lock, so an exclusive owner holding the chain may store the word plainly.
 *
 * Writers are preferred: a new reader does not enter while a waiter is
 * queued, unless the reader already holds some shared lock (td_rw_rlocks),
 * which is how FreeBSD avoids a reader recursing into a deadlock with a
 * queued writer, or it is a queued reader woken while the lock is held
 * shared (lk_can_join: a downgrade admits the readers queued behind it).
 *
 * Under INVARIANTS every acquire and release is recorded in the thread's
 * held-lock list, which backs the *_assert() functions and the lock-order
 * checker (subr_witness.c).
 */
#include <errno.h>

#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/rwlock.h>
#include <sys/sleepqueue.h>
#include <sys/sx.h>

#define	LK_SPINS	200

static inline bool
lk_can_share(uintptr_t v, struct thread *td)
{
	if ((v & LK_SHARED) == 0)
		return (false);
	if ((v & (LK_WAITERS | LK_EXCL_WAITERS)) == 0)
		return (true);
	return (td->td_rw_rlocks > 0);
}

void
lock_init(struct lock_object *lo, const char *name, u_int flags)
{
	lo->lo_name = name;
	lo->lo_flags = flags | LO_INITIALIZED;
#ifdef INVARIANTS
	lo->lo_witness = (flags & LO_NOWITNESS) ? -1 : witness_class(name);
#else
	lo->lo_witness = -1;
#endif
}

void
lock_destroy(struct lock_object *lo)
{
	KASSERT(lo->lo_flags & LO_INITIALIZED,
	    ("%s: lock %p not initialized", __func__, (void *)lo));
	lo->lo_flags &= ~LO_INITIALIZED;
}

/*
 * Slow path of an exclusive acquire.  Returns after the word holds td.
 */
static void
lk_xlock_hard(struct lock_object *lo, _Atomic uintptr_t *word,
    u_int *recursep, struct thread *td)
{
	uintptr_t v, nv;
	int spins;

	v = atomic_load_explicit(word, memory_order_relaxed);
	if (LK_OWNER(v) == td) {
		if ((lo->lo_flags & LO_RECURSABLE) == 0)
			panic("%s: recursing on non-recursive lock \"%s\" %p",
			    __func__, lo->lo_name, (void *)lo);
		(*recursep)++;
		return;
	}
	for (spins = 0;;) {
		v = atomic_load_explicit(word, memory_order_relaxed);
		if (v == LK_UNLOCKED) {
			if (atomic_compare_exchange_weak_explicit(word, &v,
			    (uintptr_t)td, memory_order_acquire,
			    memory_order_relaxed))
				return;
			continue;
		}
		if (spins++ < LK_SPINS) {
			cpu_spinwait();
			continue;
		}
		sleepq_lock(word);
		v = atomic_load_explicit(word, memory_order_relaxed);
		if (v == LK_UNLOCKED) {
			sleepq_release(word);
			continue;
		}
		nv = v | LK_WAITERS | LK_EXCL_WAITERS;
		if (nv != v && !atomic_compare_exchange_strong_explicit(word,
		    &v, nv, memory_order_relaxed, memory_order_relaxed)) {
			sleepq_release(word);
			continue;
		}
		sleepq_add(word, lo->lo_name);
		sleepq_wait(word, 0);
		spins = 0;
	}
}

static inline void
lk_xlock(struct lock_object *lo, _Atomic uintptr_t *word, u_int *recursep)
{
	struct thread *td = curthread;
	uintptr_t v = LK_UNLOCKED;

#ifdef INVARIANTS
	if ((lo->lo_flags & LO_INITIALIZED) == 0)
		panic("%s: lock %p (\"%s\") not initialized", __func__,
		    (void *)lo, lo->lo_name);
	if (LK_OWNER(atomic_load_explicit(word, memory_order_relaxed)) != td)
		witness_checkorder(lo);
#endif
	if (!atomic_compare_exchange_strong_explicit(word, &v,
	    (uintptr_t)td, memory_order_acquire, memory_order_relaxed))
		lk_xlock_hard(lo, word, recursep, td);
#ifdef INVARIANTS
	witness_lock(lo, 0);
#endif
}

static inline bool
lk_try_xlock(struct lock_object *lo, _Atomic uintptr_t *word, u_int *recursep)
{
	struct thread *td = curthread;
	uintptr_t v = LK_UNLOCKED;

	if (!atomic_compare_exchange_strong_explicit(word, &v,
	    (uintptr_t)td, memory_order_acquire, memory_order_relaxed)) {
		if (LK_OWNER(v) != td || (lo->lo_flags & LO_RECURSABLE) == 0)
			return (false);
		(*recursep)++;
	}
#ifdef INVARIANTS
	witness_lock(lo, 0);
#endif
	return (true);
}

/* Store a new word and wake every sleeper; the caller owns the lock. */
static void
lk_release_wake(_Atomic uintptr_t *word, uintptr_t nv)
{
	sleepq_lock(word);
	atomic_store_explicit(word, nv, memory_order_release);
	sleepq_broadcast(word);
	sleepq_release(word);
}

static inline void
lk_xunlock(struct lock_object *lo, _Atomic uintptr_t *word, u_int *recursep)
{
	struct thread *td = &thread_self;
	uintptr_t v = (uintptr_t)td;

	if (__predict_false(LK_OWNER(atomic_load_explicit(word,
	    memory_order_relaxed)) != td))
		panic("%s: lock \"%s\" %p not exclusively held by thread %d",
		    __func__, lo->lo_name, (void *)lo, td->td_tid);
#ifdef INVARIANTS
	witness_unlock(lo);
#endif
	if (*recursep > 0) {
		(*recursep)--;
		return;
	}
	if (!atomic_compare_exchange_strong_explicit(word, &v, LK_UNLOCKED,
	    memory_order_release, memory_order_relaxed))
		lk_release_wake(word, LK_UNLOCKED);
}

/*
 * A reader that slept on the lock and was woken may join a lock that is
 * held shared even while a writer waits.  This is what lets the readers
 * queued behind an exclusive holder in when it downgrades: the writer woken
 * by the same broadcast may set the waiter bits again before the readers
 * run, and without this they would go back to sleep until every sharer
 * had left.  New readers still defer to the writer, so it is not starved.
 */
static inline bool
lk_can_join(uintptr_t v, bool woken)
{
	return (woken && (v & LK_SHARED) != 0 && LK_SHARERS(v) > 0);
}

static void
lk_slock_hard(struct lock_object *lo, _Atomic uintptr_t *word,
    struct thread *td)
{
	uintptr_t v;
	int spins;
	bool woken = false;

	if (LK_OWNER(atomic_load_explicit(word, memory_order_relaxed)) == td)
		panic("%s: shared lock of \"%s\" %p while holding it exclusive",
		    __func__, lo->lo_name, (void *)lo);
	for (spins = 0;;) {
		v = atomic_load_explicit(word, memory_order_relaxed);
		if (lk_can_share(v, td) || lk_can_join(v, woken)) {
			if (atomic_compare_exchange_weak_explicit(word, &v,
			    v + LK_ONE_SHARER, memory_order_acquire,
			    memory_order_relaxed))
				return;
			continue;
		}
		if (spins++ < LK_SPINS) {
			cpu_spinwait();
			continue;
		}
		sleepq_lock(word);
		v = atomic_load_explicit(word, memory_order_relaxed);
		if (lk_can_share(v, td) || lk_can_join(v, woken)) {
			sleepq_release(word);
			continue;
		}
		if ((v & LK_WAITERS) == 0 &&
		    !atomic_compare_exchange_strong_explicit(word, &v,
		    v | LK_WAITERS, memory_order_relaxed, memory_order_relaxed)) {
			sleepq_release(word);
			continue;
		}
		sleepq_add(word, lo->lo_name);
		sleepq_wait(word, 0);
		woken = true;
		spins = 0;
	}
}

static inline void
lk_slock(struct lock_object *lo, _Atomic uintptr_t *word)
{
	struct thread *td = curthread;
	uintptr_t v;

#ifdef INVARIANTS
	if ((lo->lo_flags & LO_INITIALIZED) == 0)
		panic("%s: lock %p (\"%s\") not initialized", __func__,
		    (void *)lo, lo->lo_name);
	witness_checkorder(lo);
#endif
	v = atomic_load_explicit(word, memory_order_relaxed);
	if (!lk_can_share(v, td) ||
	    !atomic_compare_exchange_weak_explicit(word, &v, v + LK_ONE_SHARER,
	    memory_order_acquire, memory_order_relaxed))
		lk_slock_hard(lo, word, td);
	td->td_rw_rlocks++;
#ifdef INVARIANTS
	witness_lock(lo, 1);
#endif
}

static inline bool
lk_try_slock(struct lock_object *lo, _Atomic uintptr_t *word)
{
	struct thread *td = curthread;
	uintptr_t v;

	(void)lo;
	v = atomic_load_explicit(word, memory_order_relaxed);
	while (lk_can_share(v, td)) {
		if (atomic_compare_exchange_weak_explicit(word, &v,
		    v + LK_ONE_SHARER, memory_order_acquire,
		    memory_order_relaxed)) {
			td->td_rw_rlocks++;
#ifdef INVARIANTS
			witness_lock(lo, 1);
#endif
			return (true);
		}
	}
	return (false);
}

static void
lk_sunlock(struct lock_object *lo, _Atomic uintptr_t *word)
{
	struct thread *td = &thread_self;
	uintptr_t v;

	v = atomic_load_explicit(word, memory_order_relaxed);
	if (__predict_false((v & LK_SHARED) == 0 || LK_SHARERS(v) == 0))
		panic("%s: lock \"%s\" %p not share-locked", __func__,
		    lo->lo_name, (void *)lo);
#ifdef INVARIANTS
	witness_unlock(lo);
#endif
	td->td_rw_rlocks--;
	for (;;) {
		if (LK_SHARERS(v) > 1 || (v & LK_WAITERS) == 0) {
			if (atomic_compare_exchange_weak_explicit(word, &v,
			    v - LK_ONE_SHARER, memory_order_release,
			    memory_order_relaxed))
				return;
			continue;
		}
		/* Last sharer and someone sleeps: wake them under the chain. */
		sleepq_lock(word);
		if (atomic_compare_exchange_strong_explicit(word, &v,
		    LK_UNLOCKED, memory_order_release, memory_order_relaxed)) {
			sleepq_broadcast(word);
			sleepq_release(word);
			return;
		}
		sleepq_release(word);
	}
}

static bool
lk_try_upgrade(struct lock_object *lo, _Atomic uintptr_t *word)
{
	struct thread *td = &thread_self;
	uintptr_t v;

	(void)lo;
	v = atomic_load_explicit(word, memory_order_relaxed);
	KASSERT((v & LK_SHARED) && LK_SHARERS(v) > 0,
	    ("%s: lock \"%s\" not share-locked", __func__, lo->lo_name));
	while (LK_SHARERS(v) == 1) {
		if (atomic_compare_exchange_weak_explicit(word, &v,
		    (uintptr_t)td | (v & (LK_WAITERS | LK_EXCL_WAITERS)),
		    memory_order_acquire, memory_order_relaxed)) {
			td->td_rw_rlocks--;
#ifdef INVARIANTS
			witness_unlock(lo);
			witness_lock(lo, 0);
#endif
			return (true);
		}
	}
	return (false);
}

static void
lk_downgrade(struct lock_object *lo, _Atomic uintptr_t *word, u_int recurse)
{
	struct thread *td = &thread_self;
	uintptr_t v;

	v = atomic_load_explicit(word, memory_order_relaxed);
	if (LK_OWNER(v) != td || recurse != 0)
		panic("%s: lock \"%s\" not exclusively held (or recursed)",
		    __func__, lo->lo_name);
#ifdef INVARIANTS
	witness_unlock(lo);
	witness_lock(lo, 1);
#endif
	td->td_rw_rlocks++;
	if ((v & (LK_WAITERS | LK_EXCL_WAITERS)) == 0 &&
	    atomic_compare_exchange_strong_explicit(word, &v,
	    LK_UNLOCKED + LK_ONE_SHARER, memory_order_release,
	    memory_order_relaxed))
		return;
	/* Waiters: readers among them may now enter. */
	lk_release_wake(word, LK_UNLOCKED + LK_ONE_SHARER);
}

static void
lk_assert(const struct lock_object *lo, uintptr_t v, u_int recurse, int what,
    const char *file, int line)
{
#ifdef INVARIANTS
	struct thread *td = curthread;
	int held;
	bool xowned = LK_OWNER(v) == td;

	held = witness_owned((struct lock_object *)(uintptr_t)lo);
	switch (what & ~(LA_RECURSED | LA_NOTRECURSED)) {
	case LA_UNLOCKED:
		if (xowned || held != 0)
			panic("Lock \"%s\" held by this thread @ %s:%d",
			    lo->lo_name, file, line);
		return;
	case LA_WLOCKED:
		if (!xowned)
			panic("Lock \"%s\" not exclusively locked @ %s:%d",
			    lo->lo_name, file, line);
		break;
	case LA_RLOCKED:
		if (held != LA_RLOCKED)
			panic("Lock \"%s\" not share-locked by this thread @ "
			    "%s:%d", lo->lo_name, file, line);
		break;
	case LA_LOCKED:
		if (!xowned && held != LA_RLOCKED)
			panic("Lock \"%s\" not locked @ %s:%d", lo->lo_name,
			    file, line);
		break;
	default:
		panic("%s: unknown assertion %d @ %s:%d", __func__, what,
		    file, line);
	}
	if ((what & LA_RECURSED) && recurse == 0)
		panic("Lock \"%s\" not recursed @ %s:%d", lo->lo_name, file,
		    line);
	if ((what & LA_NOTRECURSED) && recurse != 0)
		panic("Lock \"%s\" recursed @ %s:%d", lo->lo_name, file, line);
#else
	(void)lo; (void)v; (void)recurse; (void)what; (void)file; (void)line;
#endif
}

/* ---- mutex(9) ------------------------------------------------------ */

void
mtx_init(struct mtx *m, const char *name, const char *type __unused, int opts)
{
	u_int flags = LO_CLASS_MTX;

	if (opts & MTX_RECURSE)
		flags |= LO_RECURSABLE;
	if (opts & MTX_NOWITNESS)
		flags |= LO_NOWITNESS;
	if (opts & MTX_DUPOK)
		flags |= LO_DUPOK;
	lock_init(&m->lock_object, name, flags);
	atomic_init(&m->mtx_lock, LK_UNLOCKED);
	m->mtx_recurse = 0;
}

void
mtx_destroy(struct mtx *m)
{
	KASSERT(atomic_load(&m->mtx_lock) == LK_UNLOCKED,
	    ("%s: mutex \"%s\" held", __func__, mtx_name(m)));
	lock_destroy(&m->lock_object);
}

void
_mtx_lock(struct mtx *m, const char *file __unused, int line __unused)
{
	lk_xlock(&m->lock_object, &m->mtx_lock, &m->mtx_recurse);
}

int
_mtx_trylock(struct mtx *m, const char *file __unused, int line __unused)
{
	return (lk_try_xlock(&m->lock_object, &m->mtx_lock, &m->mtx_recurse));
}

void
_mtx_unlock(struct mtx *m, const char *file __unused, int line __unused)
{
	lk_xunlock(&m->lock_object, &m->mtx_lock, &m->mtx_recurse);
}

void
_mtx_assert(const struct mtx *m, int what, const char *file, int line)
{
	lk_assert(&m->lock_object, atomic_load_explicit(
	    (_Atomic uintptr_t *)(uintptr_t)&m->mtx_lock, memory_order_relaxed),
	    m->mtx_recurse, what, file, line);
}

int
mtx_owned(const struct mtx *m)
{
	return (LK_OWNER(atomic_load_explicit(
	    (_Atomic uintptr_t *)(uintptr_t)&m->mtx_lock,
	    memory_order_relaxed)) == curthread);
}

int
mtx_initialized(const struct mtx *m)
{
	return ((m->lock_object.lo_flags & LO_INITIALIZED) != 0);
}

/* ---- rwlock(9) ----------------------------------------------------- */

void
rw_init_flags(struct rwlock *rw, const char *name, int opts)
{
	u_int flags = LO_CLASS_RW;

	if (opts & RW_RECURSE)
		flags |= LO_RECURSABLE;
	if (opts & RW_NOWITNESS)
		flags |= LO_NOWITNESS;
	if (opts & RW_DUPOK)
		flags |= LO_DUPOK;
	lock_init(&rw->lock_object, name, flags);
	atomic_init(&rw->rw_lock, LK_UNLOCKED);
	rw->rw_recurse = 0;
}

void
rw_destroy(struct rwlock *rw)
{
	KASSERT(atomic_load(&rw->rw_lock) == LK_UNLOCKED,
	    ("%s: rwlock \"%s\" held", __func__, rw->lock_object.lo_name));
	lock_destroy(&rw->lock_object);
}

void
_rw_wlock(struct rwlock *rw, const char *f __unused, int l __unused)
{
	lk_xlock(&rw->lock_object, &rw->rw_lock, &rw->rw_recurse);
}

int
_rw_try_wlock(struct rwlock *rw, const char *f __unused, int l __unused)
{
	return (lk_try_xlock(&rw->lock_object, &rw->rw_lock, &rw->rw_recurse));
}

void
_rw_wunlock(struct rwlock *rw, const char *f __unused, int l __unused)
{
	lk_xunlock(&rw->lock_object, &rw->rw_lock, &rw->rw_recurse);
}

void
_rw_rlock(struct rwlock *rw, const char *f __unused, int l __unused)
{
	lk_slock(&rw->lock_object, &rw->rw_lock);
}

int
_rw_try_rlock(struct rwlock *rw, const char *f __unused, int l __unused)
{
	return (lk_try_slock(&rw->lock_object, &rw->rw_lock));
}

void
_rw_runlock(struct rwlock *rw, const char *f __unused, int l __unused)
{
	lk_sunlock(&rw->lock_object, &rw->rw_lock);
}

int
_rw_try_upgrade(struct rwlock *rw, const char *f __unused, int l __unused)
{
	return (lk_try_upgrade(&rw->lock_object, &rw->rw_lock));
}

void
_rw_downgrade(struct rwlock *rw, const char *f __unused, int l __unused)
{
	lk_downgrade(&rw->lock_object, &rw->rw_lock, rw->rw_recurse);
}

void
_rw_unlock(struct rwlock *rw, const char *f, int l)
{
	if (LK_OWNER(atomic_load_explicit(&rw->rw_lock,
	    memory_order_relaxed)) == curthread)
		_rw_wunlock(rw, f, l);
	else
		_rw_runlock(rw, f, l);
}

void
_rw_assert(const struct rwlock *rw, int what, const char *file, int line)
{
	lk_assert(&rw->lock_object, atomic_load_explicit(
	    (_Atomic uintptr_t *)(uintptr_t)&rw->rw_lock, memory_order_relaxed),
	    rw->rw_recurse, what, file, line);
}

int
rw_wowned(const struct rwlock *rw)
{
	return (LK_OWNER(atomic_load_explicit(
	    (_Atomic uintptr_t *)(uintptr_t)&rw->rw_lock,
	    memory_order_relaxed)) == curthread);
}

/* ---- sx(9) --------------------------------------------------------- */

void
sx_init_flags(struct sx *sx, const char *name, int opts)
{
	u_int flags = LO_CLASS_SX;

	if (opts & SX_RECURSE)
		flags |= LO_RECURSABLE;
	if (opts & SX_NOWITNESS)
		flags |= LO_NOWITNESS;
	if (opts & SX_DUPOK)
		flags |= LO_DUPOK;
	lock_init(&sx->lock_object, name, flags);
	atomic_init(&sx->sx_lock, LK_UNLOCKED);
	sx->sx_recurse = 0;
}

void
sx_destroy(struct sx *sx)
{
	KASSERT(atomic_load(&sx->sx_lock) == LK_UNLOCKED,
	    ("%s: sx \"%s\" held", __func__, sx->lock_object.lo_name));
	lock_destroy(&sx->lock_object);
}

void
_sx_xlock(struct sx *sx, const char *f __unused, int l __unused)
{
	lk_xlock(&sx->lock_object, &sx->sx_lock, &sx->sx_recurse);
}

int
_sx_try_xlock(struct sx *sx, const char *f __unused, int l __unused)
{
	return (lk_try_xlock(&sx->lock_object, &sx->sx_lock, &sx->sx_recurse));
}

void
_sx_xunlock(struct sx *sx, const char *f __unused, int l __unused)
{
	lk_xunlock(&sx->lock_object, &sx->sx_lock, &sx->sx_recurse);
}

void
_sx_slock(struct sx *sx, const char *f __unused, int l __unused)
{
	lk_slock(&sx->lock_object, &sx->sx_lock);
}

int
_sx_try_slock(struct sx *sx, const char *f __unused, int l __unused)
{
	return (lk_try_slock(&sx->lock_object, &sx->sx_lock));
}

void
_sx_sunlock(struct sx *sx, const char *f __unused, int l __unused)
{
	lk_sunlock(&sx->lock_object, &sx->sx_lock);
}

int
_sx_try_upgrade(struct sx *sx, const char *f __unused, int l __unused)
{
	return (lk_try_upgrade(&sx->lock_object, &sx->sx_lock));
}

int
_sx_upgrade(struct sx *sx, const char *f, int l)
{
	if (_sx_try_upgrade(sx, f, l))
		return (1);
	_sx_sunlock(sx, f, l);
	_sx_xlock(sx, f, l);
	return (0);
}

void
_sx_downgrade(struct sx *sx, const char *f __unused, int l __unused)
{
	lk_downgrade(&sx->lock_object, &sx->sx_lock, sx->sx_recurse);
}

void
_sx_unlock(struct sx *sx, const char *f, int l)
{
	if (LK_OWNER(atomic_load_explicit(&sx->sx_lock,
	    memory_order_relaxed)) == curthread)
		_sx_xunlock(sx, f, l);
	else
		_sx_sunlock(sx, f, l);
}

void
_sx_assert(const struct sx *sx, int what, const char *file, int line)
{
	lk_assert(&sx->lock_object, atomic_load_explicit(
	    (_Atomic uintptr_t *)(uintptr_t)&sx->sx_lock, memory_order_relaxed),
	    sx->sx_recurse, what, file, line);
}

int
sx_xlocked(const struct sx *sx)
{
	return (LK_OWNER(atomic_load_explicit(
	    (_Atomic uintptr_t *)(uintptr_t)&sx->sx_lock,
	    memory_order_relaxed)) == curthread);
}

/* ---- sleeping with a lock: release and reacquire by class ------------ */

/* Returns 1 if the lock was held shared. */
int
lock_sleep_release(struct lock_object *lo)
{
	uintptr_t v;

	switch (lo->lo_flags & LO_CLASSMASK) {
	case LO_CLASS_MTX: {
		struct mtx *m = __containerof(lo, struct mtx, lock_object);

		KASSERT(m->mtx_recurse == 0,
		    ("sleeping on recursed mutex \"%s\"", lo->lo_name));
		mtx_unlock(m);
		return (0);
	}
	case LO_CLASS_RW: {
		struct rwlock *rw = __containerof(lo, struct rwlock,
		    lock_object);

		KASSERT(rw->rw_recurse == 0,
		    ("sleeping on recursed rwlock \"%s\"", lo->lo_name));
		v = atomic_load(&rw->rw_lock);
		rw_unlock(rw);
		return ((v & LK_SHARED) != 0);
	}
	case LO_CLASS_SX: {
		struct sx *sx = __containerof(lo, struct sx, lock_object);

		KASSERT(sx->sx_recurse == 0,
		    ("sleeping on recursed sx \"%s\"", lo->lo_name));
		v = atomic_load(&sx->sx_lock);
		sx_unlock(sx);
		return ((v & LK_SHARED) != 0);
	}
	}
	panic("%s: unknown lock class %#x", __func__, lo->lo_flags);
}

void
lock_sleep_reacquire(struct lock_object *lo, int shared)
{
	switch (lo->lo_flags & LO_CLASSMASK) {
	case LO_CLASS_MTX:
		mtx_lock(__containerof(lo, struct mtx, lock_object));
		return;
	case LO_CLASS_RW:
		if (shared)
			rw_rlock(__containerof(lo, struct rwlock, lock_object));
		else
			rw_wlock(__containerof(lo, struct rwlock, lock_object));
		return;
	case LO_CLASS_SX:
		if (shared)
			sx_slock(__containerof(lo, struct sx, lock_object));
		else
			sx_xlock(__containerof(lo, struct sx, lock_object));
		return;
	}
	panic("%s: unknown lock class %#x", __func__, lo->lo_flags);
}
