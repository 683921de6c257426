/*
 * CPU slots: binding, critical sections and per-CPU storage.
 *
 * See pcpu.h for the model.  A slot is entered in one of two ways:
 *
 *   by its bias holder number n: pc_holders[n].ph_in = 1, then
 *   pc_holders[n].ph_revokers must read 0 (no revoker, not stolen);
 *   leaving is the flag = 0;
 *
 *   by CAS on pc_owner (everyone else, and the holder while revoked):
 *   once pc_owner is ours, if the slot is biased to another thread we
 *   raise its holder entry's revokers count, membarrier(2), and wait
 *   until the entry's flag drops; leaving releases pc_owner but leaves
 *   the raise for the next CAS holder (pc_sticky), who then needs no
 *   membarrier; the bias holder drops it when it leaves after entering
 *   by CAS.  A steal leaves PCPU_HOLDER_GONE in the former holder's count
 *   for the rest of the boot.
 *
 * Either way at most one thread is inside: the holder enters only with no
 * revoker; a revoker enters only after seeing the holder out, and the
 * membarrier guarantees that the holder, if it entered after that, sees
 * the revoker.  critical_enter_slow() claims the home slot, or migrates
 * to an idle slot (its new home), or waits for home.  A slot
 * whose bias is free is taken by the first thread entering it as its
 * home; a thread entering its home slot biased to another steals the bias
 * (PCPU_MAX_STEALS times a boot, then the slot is CAS-only).  Kernel
 * threads never take a bias: they run now and then, and would steal it
 * from the thread that works on the slot.
 *
 * Per-CPU arrays (pcpu_zalloc) are sized from mp_ncpus and padded to a
 * cache line per element, so two CPUs never share a line.
 */
#include <linux/membarrier.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sys/systm.h>
#include <sys/pcpu.h>
#include <sys/proc.h>

int		mp_ncpus;
u_int		pcpu_bootgen = 1;	/* odd while down: never a td_biasgen */
struct pcpu	*pcpu_array;
static _Atomic u_int pcpu_nextcpu;
static bool	pcpu_bias_ok;		/* membarrier(2) is available */

CTASSERT(nitems(((struct pcpu *)0)->pc_holders) == PCPU_MAX_STEALS + 1);

static void
pcpu_membarrier(void)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0)
	    != 0)
		panic("%s: membarrier failed after registering", __func__);
}

void
pcpu_init(int ncpu)
{
	int i;

	KASSERT(ncpu > 0 && ncpu <= MAXCPU, ("%s: ncpu %d", __func__, ncpu));
	pcpu_array = aligned_alloc(CACHE_LINE_SIZE,
	    sizeof(struct pcpu) * (size_t)ncpu);
	if (pcpu_array == NULL)
		panic("%s: no memory for %d CPUs", __func__, ncpu);
	memset(pcpu_array, 0, sizeof(struct pcpu) * (size_t)ncpu);
	pcpu_bias_ok = syscall(SYS_membarrier,
	    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 &&
	    getenv("LIBVM_NO_PCPU_BIAS") == NULL;
	for (i = 0; i < ncpu; i++) {
		pcpu_array[i].pc_cpuid = i;
		atomic_store(&pcpu_array[i].pc_bias, pcpu_bias_ok ?
		    PCPU_BIAS_NONE : (uint64_t)PCPU_BIAS_NEVER <<
		    PCPU_BIAS_SHIFT);
	}
	mp_ncpus = ncpu;
	atomic_store(&pcpu_nextcpu, 0);
	pcpu_bootgen++;
}

void
pcpu_fini(void)
{
	free(pcpu_array);
	pcpu_array = NULL;
	mp_ncpus = 0;
	pcpu_bootgen++;
}

static int
pcpu_bind(struct thread *td)
{
	td->td_bootgen = pcpu_bootgen;
	td->td_biasgen = 0;
	if (mp_ncpus == 0)
		td->td_cpu = 0;
	else
		td->td_cpu = (int)(atomic_fetch_add(&pcpu_nextcpu, 1) %
		    (u_int)mp_ncpus);
	return (td->td_cpu);
}

int
curcpu_rebind(struct thread *td)
{
	KASSERT(td->td_critnest == 0 || mp_ncpus == 0,
	    ("%s: rebinding inside a critical section", __func__));
	return (pcpu_bind(td));
}

static inline u_int
pcpu_bias_holder(const struct pcpu *pc)
{
	return ((u_int)(atomic_load_explicit(&pc->pc_bias,
	    memory_order_relaxed) >> PCPU_BIAS_SHIFT));
}

/* The current holder's entry (its flag and its revokers). */
static inline struct pcpu_holder *
pcpu_bias_entry(struct pcpu *pc)
{
	return (&pc->pc_holders[atomic_load_explicit(&pc->pc_steals,
	    memory_order_relaxed)]);
}

static inline bool
pcpu_cas_owner(int cpu, int tid)
{
	int expect = 0;

	return (atomic_compare_exchange_strong_explicit(
	    &pcpu_array[cpu].pc_owner, &expect, tid, memory_order_acquire,
	    memory_order_relaxed));
}

/*
 * With pc_owner held by tid: shut the bias holder out if there is one
 * other than tid (the Dekker handshake), and take the bias if tid is
 * entering its home slot and may.
 */
static void
pcpu_enter_owned(struct thread *td, int cpu, int tid, bool home)
{
	struct pcpu *pc = &pcpu_array[cpu];
	struct pcpu_holder *ph;
	uint64_t nb;
	u_int holder;
	int n, spins;

	pc->pc_revoked = 0;
	holder = pcpu_bias_holder(pc);
	if (holder == (u_int)tid || holder == PCPU_BIAS_NEVER)
		return;
	n = atomic_load_explicit(&pc->pc_steals, memory_order_relaxed);
	ph = &pc->pc_holders[n];
	if (holder != PCPU_BIAS_NONE && pc->pc_sticky == n + 1) {
		/*
		 * The last CAS holder left the bias holder shut out: it
		 * cannot have entered since, no membarrier is needed.  The
		 * raise is ours now, to leave for the next one.
		 */
		pc->pc_sticky = 0;
		pc->pc_revoked = n + 1;
	} else if (holder != PCPU_BIAS_NONE) {
		atomic_fetch_add_explicit(&ph->ph_revokers, 1,
		    memory_order_seq_cst);
		pc->pc_revoked = n + 1;
		pcpu_membarrier();
		for (spins = 0; atomic_load_explicit(&ph->ph_in,
		    memory_order_acquire) != 0; spins++)
			if (spins < 100)
				cpu_spinwait();
			else
				sched_yield();
	}
	/*
	 * Kernel threads (periodic daemons) never take a bias: they would
	 * steal it from the thread that works on the slot all the time.
	 */
	if (!home || td == NULL || td->td_kthread != NULL)
		return;
	/*
	 * Take the bias: free, or stolen while steals remain.  The former
	 * holder's entry is shut for good first (its count never drops back
	 * to 0: our own raise is taken back when we leave, the GONE stays).
	 */
	if (holder != PCPU_BIAS_NONE)
		atomic_fetch_add_explicit(&ph->ph_revokers, PCPU_HOLDER_GONE,
		    memory_order_relaxed);
	if (holder != PCPU_BIAS_NONE && n >= PCPU_MAX_STEALS)
		nb = (uint64_t)PCPU_BIAS_NEVER << PCPU_BIAS_SHIFT;
	else {
		/* A new holder number: its own entry, never used before. */
		if (holder != PCPU_BIAS_NONE) {
			n++;
			atomic_store_explicit(&pc->pc_steals, n,
			    memory_order_relaxed);
		}
		nb = (uint64_t)(u_int)tid << PCPU_BIAS_SHIFT;
		td->td_biasgen = pcpu_bootgen;
		td->td_biasholder = &pc->pc_holders[n];
		td->td_biasoff = (size_t)cpu * CACHE_LINE_SIZE;
	}
	atomic_store_explicit(&pc->pc_bias, nb, memory_order_relaxed);
}

/*
 * Gives back a slot held by CAS (pc_owner).  A revocation is left in
 * place (pc_sticky) for the next CAS holder: kernel threads enter a
 * user thread's slot in bursts (the page daemon's queue moves, the swap
 * I/O threads' frees), and each revocation would cost a membarrier(2),
 * an IPI to every CPU.  The bias holder takes it back when it next
 * leaves the slot after entering it by CAS (its fast path fails while
 * the revocation stands), and then enters by its bias again.
 */
static void
pcpu_leave_owned(int cpu)
{
	struct pcpu *pc = &pcpu_array[cpu];
	int revoked = pc->pc_revoked, drop = 0;

	pc->pc_revoked = 0;
	if (revoked != 0)
		pc->pc_sticky = revoked;
	else if (pc->pc_sticky != 0 &&
	    pcpu_bias_holder(pc) == (u_int)thread_self.td_tid) {
		drop = pc->pc_sticky;
		pc->pc_sticky = 0;
	}
	atomic_store_explicit(&pc->pc_owner, 0, memory_order_release);
	if (drop != 0)
		atomic_fetch_sub_explicit(
		    &pc->pc_holders[drop - 1].ph_revokers, 1,
		    memory_order_release);
}

/*
 * An idle slot to migrate to: nobody inside.  Its bias holder, if any, is
 * out (perhaps for good: threads exit without giving a bias back), and
 * entering revokes it.
 */
static inline bool
pcpu_idle(int c)
{
	return (atomic_load_explicit(&pcpu_array[c].pc_owner,
	    memory_order_relaxed) == 0 &&
	    atomic_load_explicit(&pcpu_bias_entry(&pcpu_array[c])->ph_in,
	    memory_order_relaxed) == 0);
}

void
critical_enter_slow(struct thread *td)
{
	int cpu, i, spins;

	if (mp_ncpus == 0)
		panic("%s: libvm is not booted", __func__);
	/* First section since this boot: bind a home slot now. */
	cpu = td->td_bootgen == pcpu_bootgen ? td->td_cpu : pcpu_bind(td);
	td->td_critbias = false;
	if (pcpu_idle(cpu) && pcpu_cas_owner(cpu, td->td_tid)) {
		pcpu_enter_owned(td, cpu, td->td_tid, true);
		return;
	}
	/*
	 * Home slot busy: migrate to an idle one, unless this thread holds
	 * the home slot's bias (it would lose it).
	 */
	if (td->td_biasgen != pcpu_bootgen)
		for (i = 1; i < mp_ncpus; i++) {
			int c = (cpu + i) % mp_ncpus;

			if (pcpu_idle(c) && pcpu_cas_owner(c, td->td_tid)) {
				td->td_cpu = c;
				pcpu_array[c].pc_switches++;
				/* The new home: its bias may be taken. */
				pcpu_enter_owned(td, c, td->td_tid, true);
				return;
			}
		}
	/* Wait for the home slot (and its bias holder to leave). */
	for (spins = 0; !pcpu_cas_owner(cpu, td->td_tid); spins++) {
		if (spins < 100)
			cpu_spinwait();
		else
			sched_yield();
	}
	pcpu_enter_owned(td, cpu, td->td_tid, true);
}

void
critical_exit_slow(struct thread *td)
{
	KASSERT(atomic_load_explicit(&pcpu_array[td->td_cpu].pc_owner,
	    memory_order_relaxed) == td->td_tid,
	    ("%s: cpu %d not owned by thread %d", __func__, td->td_cpu,
	    td->td_tid));
	pcpu_leave_owned(td->td_cpu);
}

int
pcpu_holder(int cpu)
{
	struct pcpu *pc = &pcpu_array[cpu];
	int owner = atomic_load(&pc->pc_owner);

	if (owner != 0)
		return (owner);
	if (atomic_load(&pcpu_bias_entry(pc)->ph_in) != 0)
		return ((int)pcpu_bias_holder(pc));
	return (0);
}

/*
 * Claim one slot for the calling thread (outside any critical section of
 * its own), waiting for whoever is inside; for code that reaches another
 * CPU's data, as a kernel binds itself to that CPU.
 */
void
pcpu_claim_wait(int cpu)
{
	struct thread *td = curthread;
	int spins;

	KASSERT(td->td_critnest == 0, ("%s: in a critical section", __func__));
	for (spins = 0; !pcpu_cas_owner(cpu, td->td_tid); spins++)
		if (spins < 100)
			cpu_spinwait();
		else
			sched_yield();
	pcpu_enter_owned(NULL, cpu, td->td_tid, false);
}

void
pcpu_release(int cpu)
{
	pcpu_leave_owned(cpu);
}

/*
 * Claim every slot, for code that drains all per-CPU caches (a real
 * kernel would bind itself to each CPU in turn).  In slot order, so two
 * callers cannot deadlock.
 */
void
pcpu_lock_all(void)
{
	int c;

	for (c = 0; c < mp_ncpus; c++)
		pcpu_claim_wait(c);
}

void
pcpu_unlock_all(void)
{
	int c;

	for (c = 0; c < mp_ncpus; c++)
		pcpu_leave_owned(c);
}

void *
pcpu_zalloc(size_t elemsize)
{
	size_t sz = roundup2(elemsize, CACHE_LINE_SIZE) * (size_t)mp_ncpus;
	void *p;

	KASSERT(mp_ncpus > 0, ("%s: not booted", __func__));
	p = aligned_alloc(CACHE_LINE_SIZE, sz);
	if (p == NULL)
		panic("%s: out of host memory", __func__);
	memset(p, 0, sz);
	return (p);
}

void
pcpu_free(void *p)
{
	free(p);
}
