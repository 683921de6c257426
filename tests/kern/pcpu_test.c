/*
 * Tests of CPU slots, critical sections and per-CPU storage
 * (sys/kern/subr_pcpu.c) and of counter(9) (sys/kern/subr_counter.c).
 *
 * The model (pcpu.h): every host thread has a home slot, bound round robin
 * at its first use after a boot; critical_enter() claims the home slot, or
 * migrates to an idle one when it is taken, or waits for it when all are.
 * The tests check each branch: nesting, exclusion with a single slot (a
 * plain flag that two threads would both see set if sections overlapped),
 * migration, and the fall-back wait.
 *
 * vm_boot() starts kernel threads (the pqbatch thread enters critical
 * sections every 200 ms).  kt_quiesce() turns its drains off so that no
 * slot is taken behind a test's back.
 */

#include "kern_test.h"	/* first: host headers before the kernel's */

#include <stdlib.h>

#include <sys/counter.h>
#include <sys/malloc.h>
#include <sys/pcpu.h>

/* Keep background kernel threads out of the CPU slots. */
static void
kt_quiesce(void)
{
	int zero = 0, error;

	error = vm_sysctlbyname("vm.pqbatch_interval", NULL, NULL, &zero,
	    sizeof(zero));
	ATF_REQUIRE_MSG(error == 0 || error == ENOENT,
	    "vm.pqbatch_interval: error %d", error);
}

static void
boot_quiet(int ncpu)
{
	kt_boot(ncpu);
	kt_quiesce();
}

/* ---- CPU slots ------------------------------------------------------------- */

struct cpu_probe {
	int	cpu;		/* curcpu */
	int	cpu_again;	/* curcpu read again */
	int	cpuid;		/* PCPU_GET(cpuid) */
};

static void *
cpu_probe_thread(void *arg)
{
	struct cpu_probe *p = arg;

	p->cpu = curcpu;
	p->cpu_again = curcpu;
	p->cpuid = PCPU_GET(cpuid);
	return (NULL);
}

static void
cpu_probe(struct cpu_probe *p)
{
	pthread_t t;

	kt_thread_start(&t, cpu_probe_thread, p);
	kt_join(t);
}

ATF_TC(curcpu_range);
ATF_TC_HEAD(curcpu_range, tc)
{
	KT_DESCR(tc, "curcpu is in [0, ncpu), stable "
	    "outside critical sections, and new threads are spread round "
	    "robin over every slot");
}
ATF_TC_BODY(curcpu_range, tc)
{
	struct cpu_probe p[6];
	bool seen[3] = { false, false, false };
	int i, c;

	boot_quiet(3);
	ATF_REQUIRE_EQ(3, mp_ncpus);
	ATF_REQUIRE(pcpu_array != NULL);
	for (c = 0; c < 3; c++)
		ATF_REQUIRE_EQ(c, pcpu_find(c)->pc_cpuid);
	c = curcpu;
	ATF_REQUIRE(c >= 0 && c < 3);
	ATF_REQUIRE_EQ(c, PCPU_GET(cpuid));
	/* Six threads bound one after another: two rounds of the slots. */
	for (i = 0; i < 6; i++) {
		cpu_probe(&p[i]);
		ATF_REQUIRE_MSG(p[i].cpu >= 0 && p[i].cpu < 3, "cpu %d",
		    p[i].cpu);
		ATF_REQUIRE_EQ(p[i].cpu, p[i].cpu_again);
		ATF_REQUIRE_EQ(p[i].cpu, p[i].cpuid);
		seen[p[i].cpu] = true;
	}
	ATF_REQUIRE(seen[0] && seen[1] && seen[2]);
	vm_shutdown();
}

/* A thread that lives through a shutdown and a new boot. */
struct rebinder {
	_Atomic int	bound;
	_Atomic int	go;		/* 1: rebooted, 2: give up */
	int		cpu1;		/* curcpu in the first boot */
	int		cpu2;		/* ... in the second */
	int		cpu2_crit;	/* ... inside a critical section */
	int		owner2;		/* that slot's owner then */
	int		tid;
	bool		ok;
};

static void *
rebinder_thread(void *arg)
{
	struct rebinder *rb = arg;

	rb->tid = curthread->td_tid;
	rb->cpu1 = curcpu;
	atomic_store(&rb->bound, 1);
	WAIT_FOR_BOOL(atomic_load(&rb->go) != 0, &rb->ok);
	if (!rb->ok || atomic_load(&rb->go) != 1)
		return (NULL);
	rb->cpu2 = curcpu;
	critical_enter();
	rb->cpu2_crit = curcpu;
	rb->owner2 = pcpu_holder(rb->cpu2_crit);
	critical_exit();
	return (NULL);
}

ATF_TC(curcpu_rebinds_at_boot);
ATF_TC_HEAD(curcpu_rebinds_at_boot, tc)
{
	KT_DESCR(tc, "a thread bound to slot n > 0 in one "
	    "boot gets a valid slot in a later boot with one CPU");
}
ATF_TC_BODY(curcpu_rebinds_at_boot, tc)
{
	static struct rebinder rb;
	pthread_t t;
	int tries;

	boot_quiet(4);
	for (tries = 0;; tries++) {
		ATF_REQUIRE_MSG(tries < 8, "no thread bound to a slot > 0");
		memset(&rb, 0, sizeof(rb));
		kt_thread_start(&t, rebinder_thread, &rb);
		WAIT_FOR(atomic_load(&rb.bound));
		if (rb.cpu1 != 0)
			break;
		atomic_store(&rb.go, 2);
		kt_join(t);
	}
	ATF_REQUIRE(rb.cpu1 > 0 && rb.cpu1 < 4);
	vm_shutdown();

	boot_quiet(1);
	atomic_store(&rb.go, 1);
	kt_join(t);
	ATF_REQUIRE(rb.ok);
	ATF_REQUIRE_EQ(0, rb.cpu2);
	ATF_REQUIRE_EQ(0, rb.cpu2_crit);
	ATF_REQUIRE_EQ(rb.tid, rb.owner2);
	ATF_REQUIRE_EQ(0, curcpu);
	vm_shutdown();
}

/* ---- critical sections ---------------------------------------------------- */

ATF_TC(critical_nest);
ATF_TC_HEAD(critical_nest, tc)
{
	KT_DESCR(tc, "critical sections nest: the slot is "
	    "owned from the outermost enter to the outermost exit");
}
ATF_TC_BODY(critical_nest, tc)
{
	int c, tid;

	boot_quiet(2);
	tid = curthread->td_tid;
	ATF_REQUIRE(!td_in_critical());
	critical_enter();
	c = curcpu;
	ATF_REQUIRE(td_in_critical());
	ATF_REQUIRE_EQ(tid, pcpu_holder(c));
	critical_enter();
	ATF_REQUIRE_EQ(2, curthread->td_critnest);
	ATF_REQUIRE_EQ(c, curcpu);
	critical_enter();
	ATF_REQUIRE_EQ(3, curthread->td_critnest);
	critical_exit();
	critical_exit();
	ATF_REQUIRE(td_in_critical());
	ATF_REQUIRE_EQ(c, curcpu);
	ATF_REQUIRE_EQ(tid, pcpu_holder(c));
	critical_exit();
	ATF_REQUIRE(!td_in_critical());
	ATF_REQUIRE_EQ(0, pcpu_holder(c));
	ATF_REQUIRE_EQ(0, pcpu_holder(1 - c));
	vm_shutdown();
}

/*
 * With one slot, two threads' critical sections never overlap: inside,
 * each checks and sets a plain flag, and bumps a plain counter.
 */
#define	CRIT_THREADS	3
#define	CRIT_ITERS	20000

struct crit_state {
	struct kt_rendezvous start;
	int		busy;		/* (slot 0) */
	uint64_t	count;		/* (slot 0) */
	_Atomic int	overlaps;
	_Atomic int	wrong_cpu;
};

static void *
crit_thread(void *arg)
{
	struct crit_state *s = arg;
	int i;

	(void)rv_wait(&s->start);
	for (i = 0; i < CRIT_ITERS; i++) {
		critical_enter();
		if (curcpu != 0)
			atomic_fetch_add(&s->wrong_cpu, 1);
		if (s->busy)
			atomic_fetch_add(&s->overlaps, 1);
		s->busy = 1;
		s->count++;
		s->busy = 0;
		critical_exit();
	}
	return (NULL);
}

ATF_TC(critical_exclusion_one_cpu);
ATF_TC_HEAD(critical_exclusion_one_cpu, tc)
{
	KT_DESCR(tc, "with ncpu=1, critical sections of "
	    "three threads never overlap and lose no plain update");
}
ATF_TC_BODY(critical_exclusion_one_cpu, tc)
{
	static struct crit_state s;
	pthread_t t[CRIT_THREADS];
	int i;

	boot_quiet(1);
	rv_init(&s.start, CRIT_THREADS);
	for (i = 0; i < CRIT_THREADS; i++)
		kt_thread_start(&t[i], crit_thread, &s);
	for (i = 0; i < CRIT_THREADS; i++)
		kt_join(t[i]);
	ATF_REQUIRE_EQ(0, atomic_load(&s.overlaps));
	ATF_REQUIRE_EQ(0, atomic_load(&s.wrong_cpu));
	ATF_REQUIRE_EQ((uint64_t)CRIT_THREADS * CRIT_ITERS, s.count);
	ATF_REQUIRE_EQ(0, pcpu_holder(0));
	rv_destroy(&s.start);
	vm_shutdown();
}

/*
 * A thread in a critical section, and what it saw.  It binds first and
 * reports its home slot; the test lets it go on only if that is the slot
 * it wants to contend for.
 */
struct crit_thread {
	int		want_home;	/* (c) -1: any */
	_Atomic int	bound;
	_Atomic int	proceed;	/* 1 go on, 2 give up */
	_Atomic int	entered;
	_Atomic int	release;
	int		tid;
	int		home;
	int		cpu_inside;
	int		cpu_after;	/* curcpu after the exit */
	uint64_t	seq_entered;
	bool		ok;
};

static _Atomic uint64_t crit_seq;

static void *
crit_holder_thread(void *arg)
{
	struct crit_thread *ct = arg;

	ct->tid = curthread->td_tid;
	ct->home = curcpu;
	atomic_store(&ct->bound, 1);
	WAIT_FOR_BOOL(atomic_load(&ct->proceed) != 0, &ct->ok);
	if (!ct->ok || atomic_load(&ct->proceed) != 1)
		return (NULL);
	critical_enter();
	ct->seq_entered = atomic_fetch_add(&crit_seq, 1);
	ct->cpu_inside = curcpu;
	atomic_store(&ct->entered, 1);
	WAIT_FOR_BOOL(atomic_load(&ct->release), &ct->ok);
	critical_exit();
	ct->cpu_after = curcpu;
	return (NULL);
}

/* Start threads until one has home slot `home` (or any if -1). */
static void
crit_holder_start(struct crit_thread *ct, pthread_t *t, int home)
{
	int tries;

	for (tries = 0; tries < 2 * MAXCPU; tries++) {
		memset(ct, 0, sizeof(*ct));
		kt_thread_start(t, crit_holder_thread, ct);
		WAIT_FOR(atomic_load(&ct->bound));
		if (home == -1 || ct->home == home) {
			atomic_store(&ct->proceed, 1);
			return;
		}
		atomic_store(&ct->proceed, 2);
		kt_join(*t);
	}
	atf_tc_fail("no thread got home slot %d", home);
}

ATF_TC(critical_migrates);
ATF_TC_HEAD(critical_migrates, tc)
{
	KT_DESCR(tc, "with ncpu=2, a thread whose home slot "
	    "is in use migrates to the idle slot and stays there");
}
ATF_TC_BODY(critical_migrates, tc)
{
	static struct crit_thread b;
	pthread_t tb;
	uint64_t switches;
	int h, other;

	boot_quiet(2);
	critical_enter();
	h = curcpu;
	other = 1 - h;
	ATF_REQUIRE_EQ(curthread->td_tid, pcpu_holder(h));
	switches = pcpu_find(other)->pc_switches;
	crit_holder_start(&b, &tb, h);
	WAIT_FOR(atomic_load(&b.entered));
	ATF_REQUIRE_EQ(other, b.cpu_inside);
	ATF_REQUIRE_EQ(b.tid, pcpu_holder(other));
	ATF_REQUIRE_EQ(curthread->td_tid, pcpu_holder(h));
	ATF_REQUIRE_EQ(switches + 1, pcpu_find(other)->pc_switches);
	critical_exit();
	atomic_store(&b.release, 1);
	kt_join(tb);
	ATF_REQUIRE(b.ok);
	/* Migrated for good: curcpu now names the new slot. */
	ATF_REQUIRE_EQ(other, b.cpu_after);
	ATF_REQUIRE_EQ(0, pcpu_holder(0));
	ATF_REQUIRE_EQ(0, pcpu_holder(1));
	vm_shutdown();
}

ATF_TC(critical_waits_when_all_busy);
ATF_TC_HEAD(critical_waits_when_all_busy, tc)
{
	KT_DESCR(tc, "with every slot in use, a thread "
	    "waits for its home slot and enters only after its owner leaves");
}
ATF_TC_BODY(critical_waits_when_all_busy, tc)
{
	static struct crit_thread x, c;
	pthread_t tx, tcw;
	uint64_t seq_exit, t0;
	int h;

	boot_quiet(2);
	critical_enter();
	h = curcpu;
	crit_holder_start(&x, &tx, -1);		/* takes the other slot */
	WAIT_FOR(atomic_load(&x.entered));
	ATF_REQUIRE_EQ(1 - h, x.cpu_inside);
	crit_holder_start(&c, &tcw, h);
	/*
	 * c cannot get in while both slots are held.  This is the one
	 * negative wait in the suite: give it 50 ms to (wrongly) enter.
	 */
	t0 = kt_now_ns();
	while (kt_now_ns() - t0 < 50 * 1000000ull) {
		ATF_REQUIRE_EQ(0, atomic_load(&c.entered));
		kt_tick();
	}
	seq_exit = atomic_fetch_add(&crit_seq, 1);
	critical_exit();
	WAIT_FOR(atomic_load(&c.entered));
	ATF_REQUIRE(c.seq_entered > seq_exit);
	ATF_REQUIRE_EQ(h, c.cpu_inside);
	atomic_store(&x.release, 1);
	atomic_store(&c.release, 1);
	kt_join(tx);
	kt_join(tcw);
	ATF_REQUIRE(x.ok && c.ok);
	vm_shutdown();
}

ATF_TC(pcpu_lock_all);
ATF_TC_HEAD(pcpu_lock_all, tc)
{
	KT_DESCR(tc, "pcpu_lock_all owns every slot until "
	    "pcpu_unlock_all; pcpu_claim_wait/pcpu_release own one");
}
ATF_TC_BODY(pcpu_lock_all, tc)
{
	int c, tid;

	boot_quiet(3);
	tid = curthread->td_tid;
	pcpu_lock_all();
	for (c = 0; c < 3; c++)
		ATF_REQUIRE_EQ(tid, pcpu_holder(c));
	pcpu_unlock_all();
	for (c = 0; c < 3; c++)
		ATF_REQUIRE_EQ(0, pcpu_holder(c));
	pcpu_claim_wait(2);
	ATF_REQUIRE_EQ(tid, pcpu_holder(2));
	ATF_REQUIRE_EQ(0, pcpu_holder(1));
	pcpu_release(2);
	ATF_REQUIRE_EQ(0, pcpu_holder(2));
	vm_shutdown();
}

static void
sleep_in_critical_child(void *arg __unused)
{
	kt_boot(1);
	critical_enter();
	(void)tsleep(&crit_seq, 0, "crit", 10);
}

static void
critical_unbooted_child(void *arg __unused)
{
	critical_enter();
}

ATF_TC(critical_misuse_panics);
ATF_TC_HEAD(critical_misuse_panics, tc)
{
	KT_DESCR(tc, "sleeping in a critical section, and "
	    "entering one before vm_boot, panic");
}
ATF_TC_BODY(critical_misuse_panics, tc)
{
	KT_REQUIRE_INVARIANTS();
	kt_expect_panic(sleep_in_critical_child, NULL,
	    "sleeping on \"crit\" in a critical section");
	kt_expect_panic(critical_unbooted_child, NULL, "libvm is not booted");
}

/* ---- per-CPU storage ----------------------------------------------------- */

struct e1 { char b[1]; };
struct e64 { char b[64]; };
struct e65 { char b[65]; };
struct e200 { char b[200]; };

#define	CHECK_PCPU_ELEMS(type, ncpu) do {				\
	char *base = pcpu_zalloc(sizeof(type));				\
	size_t stride = roundup2(sizeof(type), CACHE_LINE_SIZE);	\
	int _c;								\
	size_t _i;							\
									\
	ATF_REQUIRE(base != NULL);					\
	ATF_REQUIRE_EQ(0u, (uintptr_t)base % CACHE_LINE_SIZE);		\
	for (_c = 0; _c < (ncpu); _c++) {				\
		char *e = (char *)PCPU_ELEM(base, type, _c);		\
									\
		ATF_REQUIRE_EQ(0u, (uintptr_t)e % CACHE_LINE_SIZE);	\
		ATF_REQUIRE(e == base + (size_t)_c * stride);		\
		for (_i = 0; _i < stride; _i++)				\
			ATF_REQUIRE_EQ(0, e[_i]);			\
	}								\
	/* Each element owns its lines: fill them all (ASan checks). */	\
	for (_c = 0; _c < (ncpu); _c++)					\
		memset(PCPU_ELEM(base, type, _c), _c + 1, stride);	\
	for (_c = 0; _c < (ncpu); _c++)					\
		ATF_REQUIRE_EQ(_c + 1,					\
		    ((char *)PCPU_ELEM(base, type, _c))[0]);		\
	pcpu_free(base);						\
} while (0)

ATF_TC(pcpu_zalloc_aligned);
ATF_TC_HEAD(pcpu_zalloc_aligned, tc)
{
	KT_DESCR(tc, "pcpu_zalloc gives ncpu zeroed "
	    "elements, each starting on its own cache line");
}
ATF_TC_BODY(pcpu_zalloc_aligned, tc)
{
	boot_quiet(3);
	ATF_REQUIRE_EQ(0u, (uintptr_t)pcpu_array % CACHE_LINE_SIZE);
	ATF_REQUIRE_EQ(0u, sizeof(struct pcpu) % CACHE_LINE_SIZE);
	CHECK_PCPU_ELEMS(struct e1, 3);
	CHECK_PCPU_ELEMS(struct e64, 3);
	CHECK_PCPU_ELEMS(struct e65, 3);
	CHECK_PCPU_ELEMS(struct e200, 3);
	CHECK_PCPU_ELEMS(uint64_t, 3);
	vm_shutdown();
}

/* ---- counter(9) ------------------------------------------------------------ */

static uint64_t
counter_copy(counter_u64_t c, int cpu)
{
	return (atomic_load((_Atomic uint64_t *)((char *)c +
	    (size_t)cpu * counter_stride)));
}

#define	CTR_THREADS	4
#define	CTR_ADDS	100000

struct ctr_state {
	counter_u64_t	c1, c3;
	struct kt_rendezvous start;
	int		cpu[CTR_THREADS];
};

struct ctr_arg {
	struct ctr_state *s;
	int		i;
};

static void *
ctr_thread(void *arg)
{
	struct ctr_arg *a = arg;
	struct ctr_state *s = a->s;
	int i;

	s->cpu[a->i] = curcpu;
	(void)rv_wait(&s->start);
	for (i = 0; i < CTR_ADDS; i++) {
		counter_u64_add(s->c1, 1);
		counter_u64_add(s->c3, 3);
	}
	return (NULL);
}

ATF_TC(counter_exact_sum);
ATF_TC_HEAD(counter_exact_sum, tc)
{
	KT_DESCR(tc, "4 threads x 1e5 adds on 2 CPUs sum "
	    "exactly, each add landing in the adding thread's CPU copy");
}
ATF_TC_BODY(counter_exact_sum, tc)
{
	static struct ctr_state s;
	static struct ctr_arg a[CTR_THREADS];
	pthread_t t[CTR_THREADS];
	uint64_t expect[2] = { 0, 0 };
	int i;

	boot_quiet(2);
	s.c1 = counter_u64_alloc(M_WAITOK);
	s.c3 = counter_u64_alloc(M_WAITOK);
	ATF_REQUIRE(s.c1 != NULL && s.c3 != NULL && s.c1 != s.c3);
	ATF_REQUIRE_EQ(0u, counter_u64_fetch(s.c1));
	rv_init(&s.start, CTR_THREADS);
	for (i = 0; i < CTR_THREADS; i++) {
		a[i].s = &s;
		a[i].i = i;
		kt_thread_start(&t[i], ctr_thread, &a[i]);
	}
	for (i = 0; i < CTR_THREADS; i++)
		kt_join(t[i]);
	ATF_REQUIRE_EQ((uint64_t)CTR_THREADS * CTR_ADDS,
	    counter_u64_fetch(s.c1));
	ATF_REQUIRE_EQ((uint64_t)CTR_THREADS * CTR_ADDS * 3,
	    counter_u64_fetch(s.c3));
	for (i = 0; i < CTR_THREADS; i++) {
		ATF_REQUIRE(s.cpu[i] == 0 || s.cpu[i] == 1);
		expect[s.cpu[i]] += CTR_ADDS;
	}
	ATF_REQUIRE_EQ(expect[0], counter_copy(s.c1, 0));
	ATF_REQUIRE_EQ(expect[1], counter_copy(s.c1, 1));
	ATF_REQUIRE_EQ(expect[0] * 3, counter_copy(s.c3, 0));
	ATF_REQUIRE_EQ(expect[1] * 3, counter_copy(s.c3, 1));
	rv_destroy(&s.start);
	counter_u64_free(s.c1);
	counter_u64_free(s.c3);
	vm_shutdown();
}

struct ctr_adder {
	counter_u64_t	c;
	int64_t		inc;
	int		cpu;
};

static void *
ctr_adder_thread(void *arg)
{
	struct ctr_adder *ad = arg;

	ad->cpu = curcpu;
	counter_u64_add(ad->c, ad->inc);
	return (NULL);
}

ATF_TC(counter_zero);
ATF_TC_HEAD(counter_zero, tc)
{
	KT_DESCR(tc, "counter_u64_zero clears every CPU's "
	    "copy; negative increments subtract");
}
ATF_TC_BODY(counter_zero, tc)
{
	struct ctr_adder ad[4];
	pthread_t t;
	counter_u64_t c;
	int i, cpus = 0;

	boot_quiet(2);
	c = counter_u64_alloc(M_WAITOK);
	/* Threads bound round robin: both CPUs' copies get something. */
	for (i = 0; i < 4; i++) {
		ad[i].c = c;
		ad[i].inc = 10 + i;
		kt_thread_start(&t, ctr_adder_thread, &ad[i]);
		kt_join(t);
		cpus |= 1 << ad[i].cpu;
	}
	ATF_REQUIRE_EQ(3, cpus);
	ATF_REQUIRE_EQ(10u + 11 + 12 + 13, counter_u64_fetch(c));
	ATF_REQUIRE(counter_copy(c, 0) != 0 && counter_copy(c, 1) != 0);
	counter_u64_zero(c);
	ATF_REQUIRE_EQ(0u, counter_u64_fetch(c));
	ATF_REQUIRE_EQ(0u, counter_copy(c, 0));
	ATF_REQUIRE_EQ(0u, counter_copy(c, 1));
	counter_u64_add(c, 5);
	counter_u64_add(c, -2);
	ATF_REQUIRE_EQ(3u, counter_u64_fetch(c));
	counter_u64_free(c);
	vm_shutdown();
}

#define	NCTRS	100

ATF_TC(counter_alloc_free);
ATF_TC_HEAD(counter_alloc_free, tc)
{
	KT_DESCR(tc, "counters are distinct while allocated; "
	    "a freed slot is reused, zeroed");
}
ATF_TC_BODY(counter_alloc_free, tc)
{
	counter_u64_t c[NCTRS], r;
	int i, j;

	boot_quiet(2);
	for (i = 0; i < NCTRS; i++) {
		c[i] = counter_u64_alloc(M_WAITOK);
		for (j = 0; j < i; j++)
			ATF_REQUIRE(c[i] != c[j]);
		counter_u64_add(c[i], i + 1);
	}
	for (i = 0; i < NCTRS; i++)
		ATF_REQUIRE_EQ((uint64_t)i + 1, counter_u64_fetch(c[i]));

	/* Free one with a value: the next allocation reuses it, zeroed. */
	counter_u64_add(c[37], 1000);
	counter_u64_free(c[37]);
	r = counter_u64_alloc(M_NOWAIT);
	ATF_REQUIRE(r == c[37]);
	ATF_REQUIRE_EQ(0u, counter_u64_fetch(r));
	ATF_REQUIRE_EQ(36u, counter_u64_fetch(c[35]));	/* neighbours intact */
	ATF_REQUIRE_EQ(39u, counter_u64_fetch(c[38]));
	counter_u64_free(NULL);				/* harmless */
	for (i = 0; i < NCTRS; i++)
		counter_u64_free(c[i]);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, curcpu_range);
	ATF_TP_ADD_TC(tp, curcpu_rebinds_at_boot);
	ATF_TP_ADD_TC(tp, critical_nest);
	ATF_TP_ADD_TC(tp, critical_exclusion_one_cpu);
	ATF_TP_ADD_TC(tp, critical_migrates);
	ATF_TP_ADD_TC(tp, critical_waits_when_all_busy);
	ATF_TP_ADD_TC(tp, pcpu_lock_all);
	ATF_TP_ADD_TC(tp, critical_misuse_panics);
	ATF_TP_ADD_TC(tp, pcpu_zalloc_aligned);
	ATF_TP_ADD_TC(tp, counter_exact_sum);
	ATF_TP_ADD_TC(tp, counter_zero);
	ATF_TP_ADD_TC(tp, counter_alloc_free);
	return (atf_no_error());
}
