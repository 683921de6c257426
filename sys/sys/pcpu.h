/*
 * CPU slots and critical sections.
 *
 * libvm runs on host threads, any number of them, but keeps per-CPU data for
 * vm_config.ncpu "CPUs".  Every thread is bound to a home slot the first time
 * it enters libvm after a boot (round robin).  Outside a critical section
 * curcpu is only a hint, as on a real kernel where the thread may migrate.
 *
 * critical_enter() is what disabling preemption is on a kernel: it takes
 * ownership of a CPU slot so that no other thread touches that slot's
 * per-CPU data until critical_exit().  When the home slot is busy, the
 * thread "migrates" to a free slot (td_cpu changes), exactly like a thread
 * rescheduled on another CPU between two critical sections.  Code must
 * therefore read curcpu only inside the section and re-evaluate it after
 * leaving and re-entering (seed 004's UMA comment: "re-evaluate which cache
 * we are accessing in case migration has occured").
 *
 * A critical section must not sleep (asserted).
 */
#ifndef _SYS_PCPU_H_
#define _SYS_PCPU_H_

#include <sys/param.h>
#include <sys/proc.h>

struct pcpu {
	int		pc_cpuid;	/* (c) */
	_Atomic int	pc_owner;	/* (a) tid in a critical section, 0 */
	uint64_t	pc_switches;	/* (cpu) sections entered by migration */
} __aligned(CACHE_LINE_SIZE);

extern int		mp_ncpus;	/* slots in this boot */
extern u_int		pcpu_bootgen;	/* changes at every boot */
extern struct pcpu	*pcpu_array;

void	pcpu_init(int ncpu);
void	pcpu_fini(void);
void	critical_enter_slow(struct thread *);
void	critical_exit_slow(struct thread *);
int	curcpu_rebind(struct thread *);

static inline int
curcpu_get(void)
{
	struct thread *td = curthread;

	if (__predict_false(td->td_bootgen != pcpu_bootgen))
		return (curcpu_rebind(td));
	return (td->td_cpu);
}
#define	curcpu		(curcpu_get())
#define	PCPU_GET(f)	(pcpu_array[curcpu].pc_##f)
#define	pcpu_find(c)	(&pcpu_array[(c)])

/*
 * The common case of critical_enter() is inline: the thread is bound for
 * this boot and its home slot is free, so one CAS claims it.  Everything
 * else (first use, migration, waiting) is in critical_enter_slow().
 */
static inline void
critical_enter(void)
{
	struct thread *td = curthread;
	int expect = 0;

	if (td->td_critnest++ != 0)
		return;
	if (__predict_true(td->td_bootgen == pcpu_bootgen) &&
	    __predict_true(atomic_compare_exchange_strong_explicit(
	    &pcpu_array[td->td_cpu].pc_owner, &expect, td->td_tid,
	    memory_order_acquire, memory_order_relaxed)))
		return;
	critical_enter_slow(td);
}

static inline void
critical_exit(void)
{
	struct thread *td = &thread_self;

	if (--td->td_critnest != 0)
		return;
#ifdef INVARIANTS
	critical_exit_slow(td);
#else
	atomic_store_explicit(&pcpu_array[td->td_cpu].pc_owner, 0,
	    memory_order_release);
#endif
}

/* The CPU slot owned by the current critical section. */
static inline int
curcpu_crit(void)
{
	return (thread_self.td_cpu);
}

static inline int
td_in_critical(void)
{
	return (thread_self.td_critnest > 0);
}

/* Take every CPU slot (for draining all per-CPU data), then give them back. */
void	pcpu_lock_all(void);
void	pcpu_unlock_all(void);

/* Allocate and free an array of mp_ncpus cache-aligned elements. */
void	*pcpu_zalloc(size_t elemsize);
void	pcpu_free(void *);
#define	PCPU_ELEM(base, type, cpu)					\
	((type *)((char *)(base) + (size_t)(cpu) *			\
	    roundup2(sizeof(type), CACHE_LINE_SIZE)))


/* Claim one CPU slot (waiting for its current owner), and release it. */
void	pcpu_claim_wait(int cpu);
void	pcpu_release(int cpu);

#endif /* !_SYS_PCPU_H_ */
