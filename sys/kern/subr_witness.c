/*
 * Witness: lock-order checking for INVARIANTS builds.
 *
 * Locks are grouped into classes by name ("vm object", "vm map", ...).  The
 * first time a thread holding a lock of class A acquires one of class B, the
 * edge A -> B is recorded, after checking that B does not already reach A
 * in the order graph: if it does, the two acquisitions deadlock against
 * each other some day, and witness panics now with both names.  Because
 * every new edge is checked that way, the graph stays acyclic, and an edge
 * that is already present needs no further work.
 *
 * Taking two locks of one class at once (two objects of a shadow chain) is
 * allowed only for locks initialised with the DUPOK flag; otherwise witness
 * prints one warning per class (FreeBSD warns rather than panics).
 *
 * The held-lock list of each thread (td_locks) also answers "does this
 * thread hold that lock shared", which rw_assert/sx_assert need.
 *
 * Concurrency: the class table and the edge bitmap are read with relaxed
 * atomics so that, under ThreadSanitizer, witness adds no synchronisation
 * that would hide races in the code being checked.  Only the insertion of
 * a class name and of a new edge take w_mtx (a host mutex, a leaf).
 */
#include <pthread.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/proc.h>

#define	WITNESS_MAX	512
#define	WORDBITS	64

static pthread_mutex_t	w_mtx = PTHREAD_MUTEX_INITIALIZER;
static const char *_Atomic w_names[WITNESS_MAX];	/* (w_mtx to write) */
static _Atomic int	w_nclasses;
static _Atomic uint64_t	w_edges[WITNESS_MAX][WITNESS_MAX / WORDBITS];
static _Atomic uint8_t	w_dupwarned[WITNESS_MAX];

int
witness_class(const char *name)
{
	const char *n;
	int i, cnt;

	cnt = atomic_load_explicit(&w_nclasses, memory_order_acquire);
	for (i = 0; i < cnt; i++) {
		n = atomic_load_explicit(&w_names[i], memory_order_relaxed);
		if (n == name || strcmp(n, name) == 0)
			return (i);
	}
	pthread_mutex_lock(&w_mtx);
	cnt = atomic_load_explicit(&w_nclasses, memory_order_relaxed);
	for (i = 0; i < cnt; i++)
		if (strcmp(atomic_load_explicit(&w_names[i],
		    memory_order_relaxed), name) == 0)
			break;
	if (i == cnt) {
		if (cnt == WITNESS_MAX) {
			pthread_mutex_unlock(&w_mtx);
			return (-1);		/* table full: unchecked */
		}
		/* Names are string constants; keep the pointer. */
		atomic_store_explicit(&w_names[cnt], name, memory_order_relaxed);
		atomic_store_explicit(&w_nclasses, cnt + 1,
		    memory_order_release);
	}
	pthread_mutex_unlock(&w_mtx);
	return (i);
}

static inline bool
w_edge(int from, int to)
{
	return ((atomic_load_explicit(&w_edges[from][to / WORDBITS],
	    memory_order_relaxed) >> (to % WORDBITS)) & 1);
}

/* Is there a path from -> ... -> to?  Called with w_mtx held. */
static bool
w_reaches(int from, int to, uint64_t *seen)
{
	int i, cnt;

	if (from == to)
		return (true);
	seen[from / WORDBITS] |= (uint64_t)1 << (from % WORDBITS);
	cnt = atomic_load_explicit(&w_nclasses, memory_order_relaxed);
	for (i = 0; i < cnt; i++) {
		if (!w_edge(from, i) ||
		    (seen[i / WORDBITS] >> (i % WORDBITS)) & 1)
			continue;
		if (w_reaches(i, to, seen))
			return (true);
	}
	return (false);
}

void
witness_checkorder(struct lock_object *lo)
{
	struct thread *td = curthread;
	struct lock_object *h;
	uint64_t seen[WITNESS_MAX / WORDBITS];
	int i, from, to = lo->lo_witness;

	if (to < 0)
		return;
	for (i = 0; i < td->td_nlocks; i++) {
		h = td->td_locks[i];
		from = h->lo_witness;
		if (h == lo || from < 0)
			continue;
		if (from == to) {
			if ((lo->lo_flags & LO_DUPOK) == 0 &&
			    atomic_exchange(&w_dupwarned[to], 1) == 0)
				kprintf("witness: acquiring duplicate lock of "
				    "class \"%s\" (warned once)\n", lo->lo_name);
			continue;
		}
		if (w_edge(from, to))
			continue;
		pthread_mutex_lock(&w_mtx);
		memset(seen, 0, sizeof(seen));
		if (w_reaches(to, from, seen)) {
			pthread_mutex_unlock(&w_mtx);
			panic("lock order reversal: \"%s\" then \"%s\" here, "
			    "but \"%s\" was established before \"%s\"",
			    h->lo_name, lo->lo_name, lo->lo_name, h->lo_name);
		}
		atomic_fetch_or_explicit(&w_edges[from][to / WORDBITS],
		    (uint64_t)1 << (to % WORDBITS), memory_order_relaxed);
		pthread_mutex_unlock(&w_mtx);
	}
}

void
witness_lock(struct lock_object *lo, int shared)
{
	struct thread *td = curthread;

	if (td->td_nlocks == TD_MAXLOCKS)
		panic("%s: thread %d holds too many locks (acquiring \"%s\")",
		    __func__, td->td_tid, lo->lo_name);
	td->td_locks[td->td_nlocks] = lo;
	td->td_lockshared[td->td_nlocks] = shared != 0;
	td->td_nlocks++;
}

void
witness_unlock(struct lock_object *lo)
{
	struct thread *td = curthread;
	int i;

	for (i = td->td_nlocks - 1; i >= 0; i--) {
		if (td->td_locks[i] != lo)
			continue;
		for (; i < td->td_nlocks - 1; i++) {
			td->td_locks[i] = td->td_locks[i + 1];
			td->td_lockshared[i] = td->td_lockshared[i + 1];
		}
		td->td_nlocks--;
		return;
	}
	panic("%s: thread %d releases \"%s\" %p it does not hold", __func__,
	    td->td_tid, lo->lo_name, (void *)lo);
}

int
witness_owned(struct lock_object *lo)
{
	struct thread *td = curthread;
	int i;

	for (i = td->td_nlocks - 1; i >= 0; i--)
		if (td->td_locks[i] == lo)
			return (td->td_lockshared[i] ? LA_RLOCKED : LA_WLOCKED);
	return (0);
}

void
witness_assert_none(const char *why)
{
	struct thread *td = curthread;

	if (td->td_nlocks != 0)
		panic("%s with lock \"%s\" held", why,
		    td->td_locks[td->td_nlocks - 1]->lo_name);
}

int
witness_held_count(void)
{
	return (curthread->td_nlocks);
}
