/*
 * sx(9): shared/exclusive locks that may be held across a sleep.  Besides
 * FreeBSD's sx_try_upgrade and sx_downgrade, libvm offers sx_upgrade, which
 * always ends holding the lock exclusively: it returns 1 when the upgrade
 * was atomic and 0 when it had to release the shared hold and queue for
 * the exclusive one, in which case anything read under the shared lock
 * must be revalidated (the map's timestamp exists for this).
 */
#ifndef _SYS_SX_H_
#define _SYS_SX_H_

#include <sys/lock.h>

struct sx {
	struct lock_object lock_object;	/* (c) */
	_Atomic uintptr_t sx_lock;	/* (a) lock word, see lock.h */
	u_int		sx_recurse;	/* (owner) exclusive recursion depth */
};

#define	SX_DUPOK	0x01
#define	SX_NOWITNESS	0x04
#define	SX_RECURSE	0x10

#define	SA_LOCKED	LA_LOCKED
#define	SA_SLOCKED	LA_RLOCKED
#define	SA_XLOCKED	LA_WLOCKED
#define	SA_UNLOCKED	LA_UNLOCKED
#define	SA_RECURSED	LA_RECURSED
#define	SA_NOTRECURSED	LA_NOTRECURSED

void	sx_init_flags(struct sx *, const char *name, int opts);
#define	sx_init(sx, name)	sx_init_flags((sx), (name), 0)
void	sx_destroy(struct sx *);
void	_sx_xlock(struct sx *, const char *file, int line);
int	_sx_try_xlock(struct sx *, const char *file, int line);
void	_sx_xunlock(struct sx *, const char *file, int line);
void	_sx_slock(struct sx *, const char *file, int line);
int	_sx_try_slock(struct sx *, const char *file, int line);
void	_sx_sunlock(struct sx *, const char *file, int line);
int	_sx_try_upgrade(struct sx *, const char *file, int line);
int	_sx_upgrade(struct sx *, const char *file, int line);
void	_sx_downgrade(struct sx *, const char *file, int line);
void	_sx_unlock(struct sx *, const char *file, int line);
void	_sx_assert(const struct sx *, int what, const char *file, int line);
int	sx_xlocked(const struct sx *);

#define	sx_xlock(sx)		_sx_xlock((sx), __FILE__, __LINE__)
#define	sx_try_xlock(sx)	_sx_try_xlock((sx), __FILE__, __LINE__)
#define	sx_xunlock(sx)		_sx_xunlock((sx), __FILE__, __LINE__)
#define	sx_slock(sx)		_sx_slock((sx), __FILE__, __LINE__)
#define	sx_try_slock(sx)	_sx_try_slock((sx), __FILE__, __LINE__)
#define	sx_sunlock(sx)		_sx_sunlock((sx), __FILE__, __LINE__)
#define	sx_try_upgrade(sx)	_sx_try_upgrade((sx), __FILE__, __LINE__)
#define	sx_upgrade(sx)		_sx_upgrade((sx), __FILE__, __LINE__)
#define	sx_downgrade(sx)	_sx_downgrade((sx), __FILE__, __LINE__)
#define	sx_unlock(sx)		_sx_unlock((sx), __FILE__, __LINE__)
#ifdef INVARIANTS
#define	sx_assert(sx, what)	_sx_assert((sx), (what), __FILE__, __LINE__)
#else
#define	sx_assert(sx, what)	((void)(sx), (void)(what))
#endif

#endif /* !_SYS_SX_H_ */
