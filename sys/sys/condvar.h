/*
 * condvar(9): condition variables over any libvm lock.
 */
#ifndef _SYS_CONDVAR_H_
#define _SYS_CONDVAR_H_

#include <sys/lock.h>

struct cv {
	const char	*cv_description;	/* (c) */
	_Atomic int	cv_waiters;		/* (a) threads sleeping */
};

void	cv_init(struct cv *, const char *desc);
void	cv_destroy(struct cv *);
void	_cv_wait(struct cv *, struct lock_object *);
int	_cv_timedwait(struct cv *, struct lock_object *, int timo_ms);
void	cv_signal(struct cv *);
void	cv_broadcast(struct cv *);

#define	cv_wait(cvp, lock)	_cv_wait((cvp), &(lock)->lock_object)
#define	cv_timedwait(cvp, lock, timo)					\
	_cv_timedwait((cvp), &(lock)->lock_object, (timo))
#define	cv_wmesg(cvp)		((cvp)->cv_description)

#endif /* !_SYS_CONDVAR_H_ */
