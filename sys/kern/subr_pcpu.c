/*
 * CPU slots: binding, critical sections and per-CPU storage.
 *
 * See pcpu.h for the model.  A slot is "running" a thread while pc_owner
 * holds that thread's id; critical_enter_slow() claims the home slot with
 * one CAS, or, when another thread is inside a section there, migrates to
 * the first free slot, and as a last resort waits for the home slot.
 *
 * Per-CPU arrays (pcpu_zalloc) are sized from mp_ncpus and padded to a
 * cache line per element, so two CPUs never share a line.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/pcpu.h>
#include <sys/proc.h>

int		mp_ncpus;
u_int		pcpu_bootgen;
struct pcpu	*pcpu_array;
static _Atomic u_int pcpu_nextcpu;

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
	for (i = 0; i < ncpu; i++)
		pcpu_array[i].pc_cpuid = i;
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

static inline bool
pcpu_claim(int cpu, int tid)
{
	int expect = 0;

	return (atomic_compare_exchange_strong_explicit(
	    &pcpu_array[cpu].pc_owner, &expect, tid, memory_order_acquire,
	    memory_order_relaxed));
}

void
critical_enter_slow(struct thread *td)
{
	int cpu, i, spins;

	if (mp_ncpus == 0)
		panic("%s: libvm is not booted", __func__);
	/* First section since this boot: bind a home slot now. */
	cpu = td->td_bootgen == pcpu_bootgen ? td->td_cpu : pcpu_bind(td);
	if (pcpu_claim(cpu, td->td_tid))
		return;
	/* Home slot busy: migrate to any idle one. */
	for (i = 1; i < mp_ncpus; i++) {
		int c = (cpu + i) % mp_ncpus;

		if (atomic_load_explicit(&pcpu_array[c].pc_owner,
		    memory_order_relaxed) == 0 && pcpu_claim(c, td->td_tid)) {
			td->td_cpu = c;
			pcpu_array[c].pc_switches++;
			return;
		}
	}
	/* Every slot busy: wait for the home slot. */
	for (spins = 0; !pcpu_claim(cpu, td->td_tid); spins++) {
		if (spins < 100)
			cpu_spinwait();
		else
			sched_yield();
	}
}

void
critical_exit_slow(struct thread *td)
{
	KASSERT(atomic_load_explicit(&pcpu_array[td->td_cpu].pc_owner,
	    memory_order_relaxed) == td->td_tid,
	    ("%s: cpu %d not owned by thread %d", __func__, td->td_cpu,
	    td->td_tid));
	atomic_store_explicit(&pcpu_array[td->td_cpu].pc_owner, 0,
	    memory_order_release);
}

/*
 * Claim every slot, for code that drains all CPUs' caches (a real kernel
 * would bind itself to each CPU in turn).  The caller must not be in a
 * critical section.
 */
void
pcpu_lock_all(void)
{
	struct thread *td = curthread;
	int c, spins;

	KASSERT(td->td_critnest == 0, ("%s: in a critical section", __func__));
	for (c = 0; c < mp_ncpus; c++)
		for (spins = 0; !pcpu_claim(c, td->td_tid); spins++)
			if (spins < 100)
				cpu_spinwait();
			else
				sched_yield();
}

void
pcpu_claim_wait(int cpu)
{
	struct thread *td = curthread;
	int spins;

	KASSERT(td->td_critnest == 0, ("%s: in a critical section", __func__));
	for (spins = 0; !pcpu_claim(cpu, td->td_tid); spins++)
		if (spins < 100)
			cpu_spinwait();
		else
			sched_yield();
}

void
pcpu_release(int cpu)
{
	atomic_store_explicit(&pcpu_array[cpu].pc_owner, 0,
	    memory_order_release);
}

void
pcpu_unlock_all(void)
{
	int c;

	for (c = 0; c < mp_ncpus; c++)
		atomic_store_explicit(&pcpu_array[c].pc_owner, 0,
		    memory_order_release);
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
