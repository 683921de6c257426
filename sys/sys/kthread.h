/*
 * Kernel threads: host pthreads started during vm_boot() and joined by
 * vm_shutdown().
 *
 * A kernel thread loops until kthread_should_stop().  It must sleep on the
 * channel given to kthread_add() (or with a timeout): shutdown sets the stop
 * flag and wakes that channel, and a thread that enters _sleep() on it after
 * the flag is set returns at once, so the stop request cannot be lost.
 */
#ifndef _SYS_KTHREAD_H_
#define _SYS_KTHREAD_H_

#include <sys/param.h>

struct kthread;

int	kthread_add(void (*func)(void *), void *arg, const void *wchan,
	    const char *name, struct kthread **ktp);
bool	kthread_should_stop(void);
bool	kthread_stopping(const void *wchan);	/* for _sleep() */
void	kthread_shutdown_all(void);		/* stop and join all */
int	kthread_count(void);

#endif /* !_SYS_KTHREAD_H_ */
