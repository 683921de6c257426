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
 * a plain store of its "inside" flag and a load of its "revokers" count,
 * no atomic RMW.  Any other thread that needs the slot (a second thread
 * with the same home, UMA draining every CPU, statistics) takes pc_owner
 * by CAS, raises the holder's revokers count, issues membarrier(2) so
 * that the holder's store of its flag and its next load of the count
 * cannot cross, and waits for the flag to drop: a Dekker handshake whose
 * costly fence is all on the rare side.  A second thread with the same
 * home steals the bias, at most PCPU_MAX_STEALS times a boot; then the
 * slot is CAS-only for good (PCPU_BIAS_NEVER).  Each holder has an entry
 * of its own (pc_holders[steal number]: the flag and the count side by
 * side, so entering reads and writes one line and needs no other word):
 * a former holder that has not noticed the steal may still set and clear
 * its flag, and must not touch the new holder's; a steal adds
 * PCPU_HOLDER_GONE to the former holder's count, which then never reads
 * 0 again.  pc_bias names the holder for the CAS side.  Without
 * membarrier (old kernels, some sandboxes) or with LIBVM_NO_PCPU_BIAS set
 * in the environment, no slot is ever biased.
 *
 * A critical section must not sleep (asserted).
 */
#ifndef _SYS_PCPU_H_
#define _SYS_PCPU_H_

#include <sys/param.h>
#include <sys/proc.h>

/* A bias holder's entry: its flag and its revokers, on one line. */
struct pcpu_holder {
	_Atomic int	ph_in;		/* (a) the holder is inside */
	_Atomic int	ph_revokers;	/* (a) CAS holders shutting it out,
					   + PCPU_HOLDER_GONE once stolen */
};
#define	PCPU_HOLDER_GONE	0x40000000

struct pcpu {
	int		pc_cpuid;	/* (c) */
	_Atomic int	pc_owner;	/* (a) tid holding the slot by CAS, 0 */
	int		pc_revoked;	/* (cpu) the CAS holder raised
					   pc_holders[pc_revoked - 1], 0 */
	int		pc_sticky;	/* (cpu) a raise the last CAS holder
					   left on pc_holders[pc_sticky - 1]
					   for the next, 0 */
	_Atomic int	pc_steals;	/* (cpu, a) bias changes this boot:
					   the holder's pc_holders index */
	_Atomic uint64_t pc_bias;	/* (cpu, a) holder tid << 32 */
	uint64_t	pc_switches;	/* (cpu) sections entered by migration */
	struct pcpu_holder pc_holders[65]; /* (a) holder number i */
} __aligned(CACHE_LINE_SIZE);

#define	PCPU_BIAS_SHIFT		32
#define	PCPU_BIAS_NONE		0	/* no holder yet */
#define	PCPU_BIAS_NEVER		0xffffffffu	/* CAS only, for good */
#define	PCPU_MAX_STEALS		64	/* nitems(pc_holders) - 1 */

/*
 * td_fastkey's value for a thread holding its bias in boot gen and in no
 * critical section (td_biasgen == gen, td_critnest == 0).
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define	PCPU_FASTKEY(gen)	((uint64_t)(u_int)(gen))
#else
#define	PCPU_FASTKEY(gen)	((uint64_t)(u_int)(gen) << 32)
#endif

extern int		mp_ncpus;	/* slots in this boot */
/*
 * Hidden (libvm is built -fvisibility=hidden; the declaration must say
 * so too): the fast paths then read it with one rip-relative load rather
 * than through the GOT.
 */
extern u_int		pcpu_bootgen	/* changes at every boot */
    __attribute__((__visibility__("hidden")));
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
	struct pcpu_holder *ph;

	if (td->td_critnest++ != 0)
		return;
	if (__predict_true(td->td_biasgen == pcpu_bootgen)) {
		ph = td->td_biasholder;
		atomic_store_explicit(&ph->ph_in, 1, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
		if (__predict_true(atomic_load_explicit(&ph->ph_revokers,
		    memory_order_acquire) == 0)) {
			td->td_critbias = true;
			return;
		}
		atomic_store_explicit(&ph->ph_in, 0, memory_order_release);
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
		atomic_store_explicit(&td->td_biasholder->ph_in, 0,
		    memory_order_release);
		return;
	}
	critical_exit_slow(td);
}

/*
 * For the hottest paths (UMA's): enter a critical section only if the
 * thread can do it by its bias and is in none already, storing its holder
 * entry in *php for critical_exit_fast(); false: use critical_enter().
 *
 * One test (td_fastkey), one store, one load.  td_critnest is not raised:
 * the caller runs straight-line code between the two calls (no call, no
 * lock, no other section), and no libvm signal handler enters a section,
 * so nothing can look at it meanwhile.  The slot is the bias slot
 * (td_cpu, its per-CPU array elements at td_biasoff).
 */
static inline bool
critical_enter_fast(struct thread *td, struct pcpu_holder **php)
{
	struct pcpu_holder *ph;

	if (__predict_false(td->td_fastkey != PCPU_FASTKEY(pcpu_bootgen)))
		return (false);
	ph = td->td_biasholder;
	atomic_store_explicit(&ph->ph_in, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	if (__predict_false(atomic_load_explicit(&ph->ph_revokers,
	    memory_order_acquire) != 0)) {
		atomic_store_explicit(&ph->ph_in, 0, memory_order_release);
		return (false);
	}
	*php = ph;
	return (true);
}

static inline void
critical_exit_fast(struct pcpu_holder *ph)
{
	atomic_store_explicit(&ph->ph_in, 0, memory_order_release);
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
