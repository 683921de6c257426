/*
 * rwlock(9): reader/writer locks.  Readers may recurse even while a writer
 * waits (a thread holding any read lock is let in), so a read lock taken
 * twice by one thread cannot deadlock against a queued writer.
 */
#ifndef _SYS_RWLOCK_H_
#define _SYS_RWLOCK_H_

#include <sys/lock.h>

struct rwlock {
	struct lock_object lock_object;	/* (c) */
	_Atomic uintptr_t rw_lock;	/* (a) lock word, see lock.h */
	u_int		rw_recurse;	/* (owner) write recursion depth */
};

#define	RW_DUPOK	0x01
#define	RW_NOWITNESS	0x04
#define	RW_RECURSE	0x10

#define	RA_LOCKED	LA_LOCKED
#define	RA_RLOCKED	LA_RLOCKED
#define	RA_WLOCKED	LA_WLOCKED
#define	RA_UNLOCKED	LA_UNLOCKED
#define	RA_RECURSED	LA_RECURSED
#define	RA_NOTRECURSED	LA_NOTRECURSED

void	rw_init_flags(struct rwlock *, const char *name, int opts);
#define	rw_init(rw, name)	rw_init_flags((rw), (name), 0)
void	rw_destroy(struct rwlock *);
void	_rw_wlock(struct rwlock *, const char *file, int line);
int	_rw_try_wlock(struct rwlock *, const char *file, int line);
void	_rw_wunlock(struct rwlock *, const char *file, int line);
void	_rw_rlock(struct rwlock *, const char *file, int line);
int	_rw_try_rlock(struct rwlock *, const char *file, int line);
void	_rw_runlock(struct rwlock *, const char *file, int line);
int	_rw_try_upgrade(struct rwlock *, const char *file, int line);
void	_rw_downgrade(struct rwlock *, const char *file, int line);
void	_rw_unlock(struct rwlock *, const char *file, int line);
void	_rw_assert(const struct rwlock *, int what, const char *file, int line);
int	rw_wowned(const struct rwlock *);

#define	rw_wlock(rw)		_rw_wlock((rw), __FILE__, __LINE__)
#define	rw_try_wlock(rw)	_rw_try_wlock((rw), __FILE__, __LINE__)
#define	rw_wunlock(rw)		_rw_wunlock((rw), __FILE__, __LINE__)
#define	rw_rlock(rw)		_rw_rlock((rw), __FILE__, __LINE__)
#define	rw_try_rlock(rw)	_rw_try_rlock((rw), __FILE__, __LINE__)
#define	rw_runlock(rw)		_rw_runlock((rw), __FILE__, __LINE__)
#define	rw_try_upgrade(rw)	_rw_try_upgrade((rw), __FILE__, __LINE__)
#define	rw_downgrade(rw)	_rw_downgrade((rw), __FILE__, __LINE__)
#define	rw_unlock(rw)		_rw_unlock((rw), __FILE__, __LINE__)
#ifdef INVARIANTS
#define	rw_assert(rw, what)	_rw_assert((rw), (what), __FILE__, __LINE__)
#else
#define	rw_assert(rw, what)	do { } while (0)
#endif

#endif /* !_SYS_RWLOCK_H_ */
