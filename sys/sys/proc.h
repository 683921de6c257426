/*
 * struct thread: the per-host-thread state libvm keeps for every thread that
 * enters it.  A thread never registers: the first call into libvm finds a
 * zeroed thread-local structure and initialises it (curthread).
 *
 * Locking legend:
 *	(t)	touched only by the thread itself
 *	(s)	sleep-queue chain lock of td_wchan
 *	(c)	constant after the thread's first entry
 */
#ifndef _SYS_PROC_H_
#define _SYS_PROC_H_

#include <pthread.h>
#include <sys/param.h>
#include <sys/queue.h>

struct lock_object;
struct pcpu;
struct pcpu_holder;

#define	TD_MAXLOCKS	32

struct thread {
	int		td_tid;		/* (c) small positive id, 0 = not set */
	int		td_cpu;		/* (t) CPU slot (curcpu) */
	u_int		td_bootgen;	/* (t) boot generation of td_cpu */
	bool		td_critbias;	/* (t) section entered by the bias */
	/*
	 * The two words the per-CPU fast paths test, read as one
	 * (td_fastkey, pcpu.h): equal to PCPU_FASTKEY(pcpu_bootgen) exactly
	 * when the thread holds its slot's bias in this boot and is in no
	 * critical section.
	 */
	union {
		struct {
			u_int	td_biasgen;	/* (t) boot generation in
						   which the thread holds
						   td_cpu's bias */
			int	td_critnest;	/* (t) critical section
						   depth */
		};
		uint64_t	td_fastkey;	/* (t) both */
	};
	struct pcpu_holder *td_biasholder; /* (t) ... its holder entry
					   there (pcpu.h), */
	size_t		td_biasoff;	/* (t) ... and that slot's element
					   offset in per-CPU arrays of
					   line-sized elements */
	int		td_rw_rlocks;	/* (t) shared rw/sx locks held */
	int		td_lk_slocks;	/* (t) shared sx locks held */
	void		*td_map_rd;	/* (t) the vm_map read-held through
					   its per-CPU counts (vm_map.c),
					   or NULL */
	int		td_map_rd_depth; /* (t) nested read locks of it */
	const char	*td_name;	/* (t) kernel thread name or NULL */
	struct kthread	*td_kthread;	/* (c) set for kernel threads */
	/* Sleep queues (kern_synch.c). */
	void		*td_wchan;	/* (s) channel slept on */
	const char	*td_wmesg;	/* (s) why */
	int		td_woken;	/* (s) wakeup arrived */
	TAILQ_ENTRY(thread) td_slpq;	/* (s) on a chain's list */
	pthread_cond_t	td_cv;		/* (s) signalled to wake this thread */
	/* Held locks, for assertions and witness (INVARIANTS). */
	int		td_nlocks;	/* (t) */
	struct lock_object *td_locks[TD_MAXLOCKS]; /* (t) */
	uint8_t		td_lockshared[TD_MAXLOCKS]; /* (t) */
};

struct thread	*thread_self_init(void);
/*
 * Initial-exec TLS: one %fs-relative access, even in the position-
 * independent objects of libvm.so (the general-dynamic model would call
 * __tls_get_addr and make every fast path save registers around it).
 */
extern _Thread_local struct thread thread_self
    __attribute__((__tls_model__("initial-exec")));

/* The current thread; initialises it on first use. */
static inline struct thread *
curthread_get(void)
{
	if (__predict_true(thread_self.td_tid != 0))
		return (&thread_self);
	return (thread_self_init());
}
#define	curthread	(curthread_get())

#endif /* !_SYS_PROC_H_ */
