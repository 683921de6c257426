/*
 * Common lock machinery.
 *
 * Every libvm lock (mtx, rwlock, sx) embeds a struct lock_object: a name,
 * class flags and, under INVARIANTS, a witness class used by the lock-order
 * checker (subr_witness.c).  The lock word itself follows FreeBSD's layout:
 *
 *	unlocked		LK_SHARED | 0 sharers
 *	shared by n		LK_SHARED | n << LK_SHARERS_SHIFT
 *	exclusively owned	(uintptr_t)owning thread
 *
 * with LK_WAITERS or-ed in while some thread sleeps on the lock.  A thread
 * that must wait sets LK_WAITERS while holding the sleep-queue chain lock
 * of the lock's address and rechecks the word; the releaser who finds the
 * bit takes the same chain lock before waking, so no wakeup is lost.
 */
#ifndef _SYS_LOCK_H_
#define _SYS_LOCK_H_

#include <sys/param.h>

struct thread;

struct lock_object {
	const char	*lo_name;	/* (c) name shown in panics and dumps */
	u_int		lo_flags;	/* (c) LO_* */
	int		lo_witness;	/* (c) witness class, -1 if none */
};

#define	LO_CLASS_MTX	0x0001
#define	LO_CLASS_RW	0x0002
#define	LO_CLASS_SX	0x0004
#define	LO_CLASSMASK	0x000f
#define	LO_RECURSABLE	0x0010	/* recursion allowed (MTX_RECURSE, ...) */
#define	LO_NOWITNESS	0x0020	/* do not check lock order */
#define	LO_DUPOK	0x0040	/* several locks of one class may be held */
#define	LO_INITIALIZED	0x0100

/* The lock word. */
#define	LK_SHARED		0x01
#define	LK_WAITERS		0x02	/* threads sleep on this lock */
#define	LK_EXCL_WAITERS		0x04	/* some sleeper wants it exclusive */
#define	LK_FLAGMASK		0x07
#define	LK_SHARERS_SHIFT	3
#define	LK_ONE_SHARER		((uintptr_t)1 << LK_SHARERS_SHIFT)
#define	LK_UNLOCKED		((uintptr_t)LK_SHARED)
#define	LK_SHARERS(x)		((x) >> LK_SHARERS_SHIFT)
#define	LK_OWNER(x)		((x) & LK_SHARED ? NULL :		\
				    (struct thread *)((x) & ~(uintptr_t)LK_FLAGMASK))

/* Assertion kinds shared by mtx_assert/rw_assert/sx_assert. */
#define	LA_UNLOCKED	0x00
#define	LA_RLOCKED	0x01
#define	LA_WLOCKED	0x02
#define	LA_LOCKED	(LA_RLOCKED | LA_WLOCKED)
#define	LA_NOTRECURSED	0x08
#define	LA_RECURSED	0x10

void	lock_init(struct lock_object *, const char *name, u_int flags);
void	lock_destroy(struct lock_object *);

/* Witness: lock-order checking under INVARIANTS (subr_witness.c). */
int	witness_class(const char *name);
void	witness_checkorder(struct lock_object *);
void	witness_lock(struct lock_object *, int shared);
void	witness_unlock(struct lock_object *);
int	witness_owned(struct lock_object *);	/* 0, LA_RLOCKED or LA_WLOCKED */
void	witness_assert_none(const char *why);	/* no locks held */
int	witness_held_count(void);



/* For _sleep() and cv_wait(): drop a lock of any class, then retake it. */
int	lock_sleep_release(struct lock_object *);	/* 1 if shared */
void	lock_sleep_reacquire(struct lock_object *, int shared);
#endif /* !_SYS_LOCK_H_ */
