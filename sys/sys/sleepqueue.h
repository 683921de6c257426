/*
 * Sleep queues and sleep/wakeup on arbitrary channels.
 *
 * A channel is any address.  Channels hash onto a fixed table of chains,
 * each with its own host mutex and list of sleeping threads; a sleeping
 * thread waits on its own condition variable, so wakeup_one wakes exactly
 * one thread and wakeup wakes every thread on the channel.
 *
 * The low-level interface (sleepq_lock ... sleepq_wait) lets a lock or the
 * page busy word publish a "waiters" bit under the chain lock and sleep
 * without a lost-wakeup window; msleep/wakeup are built on it.
 */
#ifndef _SYS_SLEEPQUEUE_H_
#define _SYS_SLEEPQUEUE_H_

#include <sys/param.h>

struct lock_object;

void	sleepq_lock(const void *chan);
void	sleepq_release(const void *chan);
void	sleepq_add(const void *chan, const char *wmesg);
int	sleepq_wait(const void *chan, int timo_ms);	/* releases the chain */
int	sleepq_broadcast(const void *chan);		/* chain held */
int	sleepq_signal(const void *chan);		/* chain held */
int	sleepq_sleepcnt(const void *chan);		/* chain held */

/*
 * msleep: sleep on chan, atomically releasing lock (a mtx, rwlock or sx;
 * or NULL) and reacquiring it on the way out unless PDROP is given.
 * timo is in milliseconds, 0 for none.  Returns 0 when woken and
 * EWOULDBLOCK on timeout.  pri is accepted for compatibility.
 */
#define	PDROP		0x200
#define	PVM		4
#define	PRIBIO		16
#define	PZERO		22
#define	PPAUSE		40

int	_sleep(const void *chan, struct lock_object *lock, int pri,
	    const char *wmesg, int timo_ms);
#define	msleep(chan, mtx, pri, wmesg, timo)				\
	_sleep((chan), &(mtx)->lock_object, (pri), (wmesg), (timo))
#define	tsleep(chan, pri, wmesg, timo)					\
	_sleep((chan), NULL, (pri), (wmesg), (timo))
/* FreeBSD's pause(9); renamed so that it never shadows the host's pause(2). */
#define	kpause(wmesg, timo)	((void)tsleep(NULL, 0, (wmesg), (timo)))
void	wakeup(const void *chan);
void	wakeup_one(const void *chan);


#endif /* !_SYS_SLEEPQUEUE_H_ */
