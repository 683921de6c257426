/*
 * mutex(9): exclusive locks with owner tracking.  An uncontended acquire is
 * one compare-and-swap; a contended one spins briefly and then sleeps on the
 * lock's sleep queue.  MTX_RECURSE permits recursion by the owner.
 */
#ifndef _SYS_MUTEX_H_
#define _SYS_MUTEX_H_

#include <sys/lock.h>

struct mtx {
	struct lock_object lock_object;	/* (c) */
	_Atomic uintptr_t mtx_lock;	/* (a) lock word, see lock.h */
	u_int		mtx_recurse;	/* (owner) recursion depth */
};

#define	MTX_DEF		0x0000
#define	MTX_RECURSE	0x0004
#define	MTX_NOWITNESS	0x0008
#define	MTX_DUPOK	0x0010
#define	MTX_SPIN	0x0000	/* accepted for source compatibility */

#define	MA_OWNED	LA_WLOCKED
#define	MA_NOTOWNED	LA_UNLOCKED
#define	MA_RECURSED	LA_RECURSED
#define	MA_NOTRECURSED	LA_NOTRECURSED

void	mtx_init(struct mtx *, const char *name, const char *type, int opts);
void	mtx_destroy(struct mtx *);
void	_mtx_lock(struct mtx *, const char *file, int line);
int	_mtx_trylock(struct mtx *, const char *file, int line);
void	_mtx_unlock(struct mtx *, const char *file, int line);
void	_mtx_assert(const struct mtx *, int what, const char *file, int line);
int	mtx_owned(const struct mtx *);
int	mtx_initialized(const struct mtx *);

#define	mtx_lock(m)	_mtx_lock((m), __FILE__, __LINE__)
#define	mtx_trylock(m)	_mtx_trylock((m), __FILE__, __LINE__)
#define	mtx_unlock(m)	_mtx_unlock((m), __FILE__, __LINE__)
#ifdef INVARIANTS
#define	mtx_assert(m, what)	_mtx_assert((m), (what), __FILE__, __LINE__)
#else
#define	mtx_assert(m, what)	do { } while (0)
#endif
#define	mtx_name(m)	((m)->lock_object.lo_name)

#endif /* !_SYS_MUTEX_H_ */
