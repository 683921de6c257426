/*
 * Threads entering libvm.
 *
 * There is no registration call: thread_self is a zero-filled thread-local
 * struct thread, and the first use of curthread gives it a thread id and a
 * condition variable for sleep queues.  A CPU slot is bound lazily by
 * curcpu (subr_pcpu.c), because the number of slots changes with each boot.
 */
#include <sys/proc.h>
#include <sys/systm.h>

_Thread_local struct thread thread_self
    __attribute__((__tls_model__("initial-exec")));
static _Atomic int thread_next_tid;

struct thread *
thread_self_init(void)
{
	struct thread *td = &thread_self;
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&td->td_cv, &attr);
	pthread_condattr_destroy(&attr);
	td->td_cpu = 0;
	td->td_bootgen = (u_int)-1;	/* bind a slot at first curcpu */
	td->td_tid = atomic_fetch_add(&thread_next_tid, 1) + 1;
	return (td);
}
