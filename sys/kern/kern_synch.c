/*
 * Sleep queues, msleep/wakeup and condition variables.
 *
 * Channels hash onto SC_TABLESIZE chains.  Each chain has a host mutex and
 * a list of the threads sleeping on any channel of that hash; a sleeping
 * thread waits on its own td_cv with the chain mutex, so wakeup_one() can
 * wake exactly the first sleeper of a channel (FIFO) and wakeup() all.
 *
 * Lock order: a chain mutex is a leaf; it is never held while taking a
 * libvm lock.  Callers that must publish "I am about to sleep" (lock words,
 * the page busy word, condition variables) do so between sleepq_lock() and
 * sleepq_wait(), which closes the lost-wakeup window.  Nor is a chain held
 * while releasing a libvm lock, since that takes the chain of the lock
 * word: msleep and cv_wait queue the thread, drop the chain, release the
 * interlock and retake the chain; a wakeup in between sets td_woken, which
 * sleepq_wait() checks before sleeping.
 *
 * Kernel threads: sleepq_wait() on its registered channel returns EINTR at
 * once to a kernel thread whose stop was requested (kern_kthread.c), so
 * shutdown cannot be lost between the thread's check and its sleep.  Other
 * channels (lock words included) are not interruptible.
 */
#include <errno.h>
#include <time.h>

#include <sys/systm.h>
#include <sys/condvar.h>
#include <sys/kthread.h>
#include <sys/lock.h>
#include <sys/proc.h>
#include <sys/sleepqueue.h>

#define	SC_TABLESIZE	256
#define	SC_HASH(wc)	((((uintptr_t)(wc) >> 4) ^ ((uintptr_t)(wc) >> 12)) \
			    % SC_TABLESIZE)

struct sleepqueue_chain {
	pthread_mutex_t	sc_lock;
	TAILQ_HEAD(, thread) sc_threads;	/* (sc_lock) */
} __aligned(CACHE_LINE_SIZE);

static struct sleepqueue_chain sleepq_chains[SC_TABLESIZE];

__attribute__((constructor))
static void
sleepq_chains_init(void)
{
	int i;

	for (i = 0; i < SC_TABLESIZE; i++) {
		pthread_mutex_init(&sleepq_chains[i].sc_lock, NULL);
		TAILQ_INIT(&sleepq_chains[i].sc_threads);
	}
}

static inline struct sleepqueue_chain *
sc_lookup(const void *chan)
{
	return (&sleepq_chains[SC_HASH(chan)]);
}

void
sleepq_lock(const void *chan)
{
	pthread_mutex_lock(&sc_lookup(chan)->sc_lock);
}

void
sleepq_release(const void *chan)
{
	pthread_mutex_unlock(&sc_lookup(chan)->sc_lock);
}

/*
 * Queue curthread on chan.  The chain must be locked; sleepq_wait() must
 * follow without releasing it.
 */
void
sleepq_add(const void *chan, const char *wmesg)
{
	struct sleepqueue_chain *sc = sc_lookup(chan);
	struct thread *td = curthread;

	KASSERT(td->td_critnest == 0,
	    ("%s: sleeping on \"%s\" in a critical section", __func__, wmesg));
	KASSERT(td->td_wchan == NULL, ("%s: thread %d already on %p",
	    __func__, td->td_tid, td->td_wchan));
	td->td_wchan = (void *)(uintptr_t)chan;
	td->td_wmesg = wmesg;
	td->td_woken = 0;
	TAILQ_INSERT_TAIL(&sc->sc_threads, td, td_slpq);
}

static void
sleepq_remove_locked(struct sleepqueue_chain *sc, struct thread *td)
{
	TAILQ_REMOVE(&sc->sc_threads, td, td_slpq);
	td->td_wchan = NULL;
	td->td_wmesg = NULL;
}

/*
 * Sleep until woken, or for at most timo_ms milliseconds when timo_ms > 0.
 * Releases the chain.  Returns 0, EWOULDBLOCK or (kernel threads being
 * stopped) EINTR.
 */
int
sleepq_wait(const void *chan, int timo_ms)
{
	struct sleepqueue_chain *sc = sc_lookup(chan);
	struct thread *td = &thread_self;
	struct timespec ts;
	int error = 0;

	if (timo_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += timo_ms / 1000;
		ts.tv_nsec += (long)(timo_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
	}
	while (!td->td_woken) {
		if (td->td_kthread != NULL && kthread_stopping(chan)) {
			error = EINTR;
			break;
		}
		if (timo_ms > 0) {
			if (pthread_cond_clockwait(&td->td_cv, &sc->sc_lock,
			    CLOCK_MONOTONIC, &ts) == ETIMEDOUT &&
			    !td->td_woken) {
				error = EWOULDBLOCK;
				break;
			}
		} else
			pthread_cond_wait(&td->td_cv, &sc->sc_lock);
	}
	if (!td->td_woken)
		sleepq_remove_locked(sc, td);
	td->td_woken = 0;
	pthread_mutex_unlock(&sc->sc_lock);
	return (error);
}

static int
sleepq_wake(const void *chan, int all)
{
	struct sleepqueue_chain *sc = sc_lookup(chan);
	struct thread *td, *tdn;
	int n = 0;

	TAILQ_FOREACH_SAFE(td, &sc->sc_threads, td_slpq, tdn) {
		if (td->td_wchan != chan)
			continue;
		sleepq_remove_locked(sc, td);
		td->td_woken = 1;
		pthread_cond_signal(&td->td_cv);
		n++;
		if (!all)
			break;
	}
	return (n);
}

int
sleepq_broadcast(const void *chan)
{
	return (sleepq_wake(chan, 1));
}

int
sleepq_signal(const void *chan)
{
	return (sleepq_wake(chan, 0));
}

int
sleepq_sleepcnt(const void *chan)
{
	struct sleepqueue_chain *sc = sc_lookup(chan);
	struct thread *td;
	int n = 0;

	TAILQ_FOREACH(td, &sc->sc_threads, td_slpq)
		if (td->td_wchan == chan)
			n++;
	return (n);
}

/* ---- msleep / wakeup ------------------------------------------------ */

int
_sleep(const void *chan, struct lock_object *lock, int pri, const char *wmesg,
    int timo_ms)
{
	struct thread *td = curthread;
	int error, shared = 0;

	KASSERT(td->td_critnest == 0,
	    ("%s: sleeping on \"%s\" in a critical section", __func__, wmesg));
	if (chan == NULL) {
		/* kpause(): nobody wakes us but the clock. */
		KASSERT(timo_ms > 0, ("%s: pause without timeout", __func__));
		chan = td;
	}
	sleepq_lock(chan);
	sleepq_add(chan, wmesg);
	if (lock != NULL) {
		/*
		 * Releasing the interlock may take the chain lock of its lock
		 * word to wake its waiters, which can be this very chain (a
		 * self-deadlock) or another sleeper's (an ABBA between two
		 * chains).  So drop the chain first: we are already on the
		 * queue, a wakeup from here on sets td_woken, and
		 * sleepq_wait() does not sleep once it is set.
		 */
		sleepq_release(chan);
		shared = lock_sleep_release(lock);
		sleepq_lock(chan);
	}
	error = sleepq_wait(chan, timo_ms);
	if (lock != NULL && (pri & PDROP) == 0)
		lock_sleep_reacquire(lock, shared);
	return (error);
}

void
wakeup(const void *chan)
{
	sleepq_lock(chan);
	sleepq_broadcast(chan);
	sleepq_release(chan);
}

void
wakeup_one(const void *chan)
{
	sleepq_lock(chan);
	sleepq_signal(chan);
	sleepq_release(chan);
}

/* ---- condition variables -------------------------------------------- */

void
cv_init(struct cv *cvp, const char *desc)
{
	cvp->cv_description = desc;
	atomic_init(&cvp->cv_waiters, 0);
}

void
cv_destroy(struct cv *cvp)
{
	KASSERT(atomic_load(&cvp->cv_waiters) == 0,
	    ("%s: cv \"%s\" has sleepers", __func__, cvp->cv_description));
	(void)cvp;
}

int
_cv_timedwait(struct cv *cvp, struct lock_object *lock, int timo_ms)
{
	int error, shared;

	sleepq_lock(cvp);
	atomic_fetch_add(&cvp->cv_waiters, 1);
	sleepq_add(cvp, cvp->cv_description);
	/* Queued: drop the chain before the interlock, as in _sleep(). */
	sleepq_release(cvp);
	shared = lock_sleep_release(lock);
	sleepq_lock(cvp);
	error = sleepq_wait(cvp, timo_ms);
	if (error != 0)
		atomic_fetch_sub(&cvp->cv_waiters, 1);
	lock_sleep_reacquire(lock, shared);
	return (error);
}

void
_cv_wait(struct cv *cvp, struct lock_object *lock)
{
	(void)_cv_timedwait(cvp, lock, 0);
}

/*
 * The waker holds the lock the waiters passed to cv_wait(), so a waiter
 * counted in cv_waiters is already on the sleep queue: the unlocked check
 * cannot miss one.  The count of woken threads is taken off under the
 * chain lock so a timed-out waiter and a wakeup never both decrement.
 */
void
cv_signal(struct cv *cvp)
{
	if (atomic_load(&cvp->cv_waiters) == 0)
		return;
	sleepq_lock(cvp);
	if (sleepq_signal(cvp) > 0)
		atomic_fetch_sub(&cvp->cv_waiters, 1);
	sleepq_release(cvp);
}

void
cv_broadcast(struct cv *cvp)
{
	int n;

	if (atomic_load(&cvp->cv_waiters) == 0)
		return;
	sleepq_lock(cvp);
	n = sleepq_broadcast(cvp);
	atomic_fetch_sub(&cvp->cv_waiters, n);
	sleepq_release(cvp);
}
