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
 * Biased slots.  Taking a slot with a CAS costs an atomic read-modify-write
 * at each end of every section, which dominates the per-CPU fast paths
 * (UMA's, the page allocator's).  As on a kernel, where one thread at a
 * time runs on a CPU and disabling preemption is a plain increment, a slot
 * is biased to the first thread whose home it is: that thread enters with
 * a plain store of its "inside" flag and a load of pc_bias, no atomic RMW.
 * Any other thread that needs the slot (a second thread with the same
 * home, UMA draining every CPU, statistics) takes pc_owner by CAS, raises
 * the revoker count in pc_bias, issues membarrier(2) so that the holder's
 * store of its flag and its next load of pc_bias cannot cross, and waits
 * for the flag to drop: a Dekker handshake whose costly fence is all on
 * the rare side.  A second thread with the same home steals the bias, at
 * most PCPU_MAX_STEALS times a boot; then the slot is CAS-only for good
 * (PCPU_BIAS_NEVER).  Each holder has a flag of its own
 * (pc_bias_in[steal number]): a former holder that has not noticed the
 * steal may still set and clear its flag, and must not touch the new
 * holder's.  Without membarrier (old kernels, some sandboxes) or with
 * LIBVM_NO_PCPU_BIAS set in the environment, no slot is ever biased.
 *
 * A critical section must not sleep (asserted).
 */
#ifndef _SYS_PCPU_H_
#define _SYS_PCPU_H_

#include <sys/param.h>
#include <sys/proc.h>

struct pcpu {
	int		pc_cpuid;	/* (c) */
	_Atomic int	pc_owner;	/* (a) tid holding the slot by CAS, 0 */
	int		pc_revoked;	/* (cpu) the CAS holder raised pc_bias */
	_Atomic uint64_t pc_bias;	/* (a) holder tid << 32 | revokers */
	_Atomic int	pc_steals;	/* (cpu, a) bias changes this boot:
					   the holder's pc_bias_in index */
	_Atomic int	pc_bias_in[65];	/* (a) holder number i is inside */
	uint64_t	pc_switches;	/* (cpu) sections entered by migration */
} __aligned(CACHE_LINE_SIZE);

#define	PCPU_BIAS_SHIFT		32
#define	PCPU_BIAS_NONE		0	/* no holder yet */
#define	PCPU_BIAS_NEVER		0xffffffffu	/* CAS only, for good */
#define	PCPU_MAX_STEALS		64	/* nitems(pc_bias_in) - 1 */

extern int		mp_ncpus;	/* slots in this boot */
extern u_int		pcpu_bootgen;	/* changes at every boot */
extern struct pcpu	*pcpu_array;

void	pcpu_init(int ncpu);
void	pcpu_fini(void);
void	critical_enter_slow(struct thread *);
void	critical_exit_slow(struct thread *);
int	curcpu_rebind(struct thread *);
int	pcpu_holder(int cpu);		/* tid inside the slot, 0 (tests) */

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
 * The common case of critical_enter() is inline: the thread holds the bias
 * of its home slot and no one is revoking it, so a store and a load enter.
 * The compiler fence keeps the store before the load; the hardware may
 * still swap them, which is what the revoker's membarrier(2) answers.
 * Everything else (first use, CAS, revoking, migration, waiting) is in
 * critical_enter_slow().
 */
static inline void
critical_enter(void)
{
	struct thread *td = curthread;
	struct pcpu *pc;

	if (td->td_critnest++ != 0)
		return;
	if (__predict_true(td->td_biasgen == pcpu_bootgen)) {
		pc = td->td_biaspc;
		atomic_store_explicit(td->td_biasin, 1, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
		if (__predict_true(atomic_load_explicit(&pc->pc_bias,
		    memory_order_acquire) == td->td_biasword)) {
			td->td_critbias = true;
			return;
		}
		atomic_store_explicit(td->td_biasin, 0, memory_order_release);
	}
	critical_enter_slow(td);
}

static inline void
critical_exit(void)
{
	struct thread *td = &thread_self;

	if (--td->td_critnest != 0)
		return;
	if (__predict_true(td->td_critbias)) {
		td->td_critbias = false;
		atomic_store_explicit(td->td_biasin, 0, memory_order_release);
		return;
	}
	critical_exit_slow(td);
}

/*
 * For the hottest paths (UMA's): enter a critical section only if the
 * thread can do it by its bias, returning the slot, or NULL (then use
 * critical_enter()).  Leave with critical_exit_biased().  Nothing else
 * is done: the caller must not nest other sections inside.
 */
static inline struct pcpu *
critical_enter_biased(struct thread *td)
{
	struct pcpu *pc;

	if (__predict_false(td->td_biasgen != pcpu_bootgen ||
	    td->td_critnest != 0))
		return (NULL);
	pc = td->td_biaspc;
	atomic_store_explicit(td->td_biasin, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	if (__predict_false(atomic_load_explicit(&pc->pc_bias,
	    memory_order_acquire) != td->td_biasword)) {
		atomic_store_explicit(td->td_biasin, 0, memory_order_release);
		return (NULL);
	}
	td->td_critnest = 1;
	return (pc);
}

static inline void
critical_exit_biased(struct thread *td, struct pcpu *pc)
{
	(void)pc;
	td->td_critnest = 0;
	atomic_store_explicit(td->td_biasin, 0, memory_order_release);
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
