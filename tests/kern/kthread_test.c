/*
 * Tests of kernel threads (sys/kern/kern_kthread.c) and of their shutdown
 * through vm_shutdown().
 *
 * The contract (kthread.h): a kernel thread loops until
 * kthread_should_stop(), sleeping on the channel given to kthread_add() or
 * with a timeout; shutdown sets the stop flag, wakes that channel and joins
 * the thread, and a thread that goes to sleep after the flag was set returns
 * at once.  The tests cover the three ways a thread can be found: asleep
 * on its channel, about to sleep when the wakeup has already gone by (the
 * lost-wakeup race, made deterministic below), and looping on a timeout.
 *
 * vm_boot() starts kernel threads of its own (the pqbatch thread), so
 * counts are taken relative to kthread_count() right after the boot.
 * vm_shutdown() runs in a helper thread joined with a deadline: a thread
 * that is never stopped makes the case fail instead of hang.
 */

#include "kern_test.h"	/* first: host headers before the kernel's */

#include <sys/kernel.h>
#include <sys/kthread.h>
#include <sys/lock.h>
#include <sys/mutex.h>

enum kt_mode {
	KM_SLEEP,	/* msleep on its channel, no timeout, until stopped */
	KM_RACE,	/* sleeps only after the stop and its wakeup */
	KM_TIMEOUT,	/* no channel: kpause() in a loop */
};

struct ktest {
	enum kt_mode	mode;		/* (c) */
	const void	*chan;		/* (c) registered channel */
	const char	*name;		/* (c) */
	struct mtx	m;
	int		pokes;		/* (m) wakeups asked for by the test */
	_Atomic int	*h_woken;	/* (c) KM_RACE: the bystander's flag */
	/* What the thread saw. */
	_Atomic int	running;
	_Atomic int	poked;		/* pokes it has seen */
	_Atomic int	exited;
	bool		is_kthread;
	bool		name_ok;
	bool		stop_at_start;
	bool		stop_after_poke;
	bool		stop_at_exit;
	bool		ok;		/* no handshake timed out */
	int		error;		/* last sleep's return */
	int		nsleeps;
};

static void
ktest_main(void *arg)
{
	struct ktest *k = arg;
	struct thread *td = curthread;
	int seen = 0;

	k->ok = true;
	k->is_kthread = td->td_kthread != NULL;
	k->name_ok = td->td_name != NULL && strcmp(td->td_name, k->name) == 0;
	k->stop_at_start = kthread_should_stop();
	atomic_store(&k->running, 1);
	switch (k->mode) {
	case KM_SLEEP:
		mtx_lock(&k->m);
		while (!kthread_should_stop()) {
			if (k->pokes > seen) {
				seen = k->pokes;
				k->stop_after_poke = kthread_should_stop();
				atomic_store(&k->poked, seen);
			}
			k->error = msleep(k->chan, &k->m, 0, "ktest", 0);
			k->nsleeps++;
		}
		mtx_unlock(&k->m);
		break;
	case KM_RACE:
		/*
		 * Wait until shutdown has set our stop flag and has woken our
		 * channel: the bystander sleeping there has been woken.  Only
		 * then go to sleep, with no timeout; the wakeup is gone, so
		 * only the stop check can end this sleep.
		 */
		WAIT_FOR_BOOL(kthread_should_stop(), &k->ok);
		if (k->ok)
			WAIT_FOR_BOOL(atomic_load(k->h_woken), &k->ok);
		mtx_lock(&k->m);
		k->error = msleep(k->chan, &k->m, 0, "ktest race", 0);
		k->nsleeps++;
		mtx_unlock(&k->m);
		break;
	case KM_TIMEOUT:
		while (!kthread_should_stop()) {
			kpause("ktest pause", 5);
			k->nsleeps++;
		}
		break;
	}
	k->stop_at_exit = kthread_should_stop();
	atomic_store(&k->exited, 1);
}

static void
ktest_init(struct ktest *k, enum kt_mode mode, const void *chan,
    const char *name)
{
	memset(k, 0, sizeof(*k));
	k->mode = mode;
	k->chan = chan;
	k->name = name;
	mtx_init(&k->m, "ktest mtx", NULL, MTX_DEF);
}

static void
ktest_start(struct ktest *k)
{
	struct kthread *kt = NULL;

	ATF_REQUIRE_EQ(0, kthread_add(ktest_main, k, k->chan, k->name, &kt));
	ATF_REQUIRE(kt != NULL);
}

static void *
shutdown_thread(void *arg __unused)
{
	vm_shutdown();
	return (NULL);
}

/* vm_shutdown(), failing the case if it does not return in time. */
static void
shutdown_within_deadline(void)
{
	pthread_t t;

	kt_thread_start(&t, shutdown_thread, NULL);
	kt_join(t);
	ATF_REQUIRE(!vm_is_booted());
	ATF_REQUIRE_EQ(0, kthread_count());
}

/* A plain thread asleep on a channel (no timeout) until woken. */
struct bystander {
	const void	*chan;
	_Atomic int	woken;
	int		error;
};

static void *
bystander_thread(void *arg)
{
	struct bystander *b = arg;

	b->error = tsleep(b->chan, 0, "bystander", 0);
	atomic_store(&b->woken, 1);
	return (NULL);
}

static char chans[4][64];

ATF_TC(kthread_runs);
ATF_TC_HEAD(kthread_runs, tc)
{
	KT_DESCR(tc, "started kernel threads run as named "
	    "kernel threads, are counted, and see kthread_should_stop() false "
	    "until shutdown, also after a wakeup");
}
ATF_TC_BODY(kthread_runs, tc)
{
	static struct ktest k[3];
	static const char *names[3] = { "ktest0", "ktest1", "ktest2" };
	int base, i;

	kt_boot(2);
	base = kthread_count();
	ATF_REQUIRE(base >= 0);
	ATF_REQUIRE(!kthread_should_stop());	/* not a kernel thread */
	ATF_REQUIRE(!kthread_stopping(chans[0]));
	for (i = 0; i < 3; i++) {
		ktest_init(&k[i], KM_SLEEP, chans[i], names[i]);
		ktest_start(&k[i]);
		ATF_REQUIRE_EQ(base + i + 1, kthread_count());
	}
	for (i = 0; i < 3; i++) {
		WAIT_FOR(atomic_load(&k[i].running));
		WAIT_FOR(kt_sleepers(chans[i]) == 1);
		ATF_REQUIRE(k[i].is_kthread);
		ATF_REQUIRE(k[i].name_ok);
		ATF_REQUIRE(!k[i].stop_at_start);
	}
	/* Wake one: it runs its loop and finds no stop request. */
	mtx_lock(&k[1].m);
	k[1].pokes = 1;
	wakeup(chans[1]);
	mtx_unlock(&k[1].m);
	WAIT_FOR(atomic_load(&k[1].poked) == 1);
	WAIT_FOR(kt_sleepers(chans[1]) == 1);
	ATF_REQUIRE(!k[1].stop_after_poke);
	ATF_REQUIRE_EQ(0, atomic_load(&k[1].exited));
	ATF_REQUIRE_EQ(base + 3, kthread_count());

	shutdown_within_deadline();
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(1, atomic_load(&k[i].exited));
		ATF_REQUIRE(k[i].stop_at_exit);
		mtx_destroy(&k[i].m);
	}
	ATF_REQUIRE_EQ(2, k[1].nsleeps);
}

ATF_TC(kthread_shutdown_joins_all);
ATF_TC_HEAD(kthread_shutdown_joins_all, tc)
{
	KT_DESCR(tc, "vm_shutdown stops and joins a kernel "
	    "thread asleep on its channel, one that goes to sleep after its "
	    "stop and wakeup went by, and one looping on a timeout");
}
ATF_TC_BODY(kthread_shutdown_joins_all, tc)
{
	static struct ktest sleeper, racer, looper;
	static struct bystander by;
	pthread_t tb;

	kt_boot(2);
	ATF_REQUIRE(kthread_count() >= 0);
	ktest_init(&sleeper, KM_SLEEP, chans[0], "ksleeper");
	ktest_init(&racer, KM_RACE, chans[1], "kracer");
	ktest_init(&looper, KM_TIMEOUT, NULL, "klooper");
	racer.h_woken = &by.woken;
	by.chan = chans[1];
	kt_thread_start(&tb, bystander_thread, &by);
	WAIT_FOR(kt_sleepers(chans[1]) == 1);

	ktest_start(&sleeper);
	ktest_start(&racer);
	ktest_start(&looper);
	WAIT_FOR(atomic_load(&sleeper.running));
	WAIT_FOR(atomic_load(&racer.running));
	WAIT_FOR(atomic_load(&looper.running));
	WAIT_FOR(kt_sleepers(chans[0]) == 1);
	/* The racer has not slept: only the bystander is on its channel. */
	ATF_REQUIRE_EQ(1, kt_sleepers(chans[1]));
	ATF_REQUIRE_EQ(0, racer.nsleeps);

	shutdown_within_deadline();
	kt_join(tb);
	ATF_REQUIRE_EQ(0, by.error);

	ATF_REQUIRE_EQ(1, atomic_load(&sleeper.exited));
	ATF_REQUIRE(sleeper.ok && sleeper.stop_at_exit);
	/* Woken by shutdown's wakeup, or by the stop check: both say "go". */
	ATF_REQUIRE_MSG(sleeper.error == 0 || sleeper.error == EINTR,
	    "error %d", sleeper.error);
	ATF_REQUIRE_EQ(1, sleeper.nsleeps);

	ATF_REQUIRE_EQ(1, atomic_load(&racer.exited));
	ATF_REQUIRE(racer.ok);
	ATF_REQUIRE_EQ(1, racer.nsleeps);
	ATF_REQUIRE_EQ(EINTR, racer.error);	/* the stop check ended it */

	ATF_REQUIRE_EQ(1, atomic_load(&looper.exited));
	ATF_REQUIRE(looper.stop_at_exit);

	mtx_destroy(&sleeper.m);
	mtx_destroy(&racer.m);
	mtx_destroy(&looper.m);
}

ATF_TC(kthread_count_across_boots);
ATF_TC_HEAD(kthread_count_across_boots, tc)
{
	KT_DESCR(tc, "kthread_count returns to 0 after each "
	    "shutdown and counts afresh in the next boot");
}
ATF_TC_BODY(kthread_count_across_boots, tc)
{
	static struct ktest k[3];
	int base, i;

	ATF_REQUIRE_EQ(0, kthread_count());
	kt_boot(1);
	base = kthread_count();
	for (i = 0; i < 2; i++) {
		ktest_init(&k[i], KM_SLEEP, chans[i], "kcount");
		ktest_start(&k[i]);
	}
	ATF_REQUIRE_EQ(base + 2, kthread_count());
	shutdown_within_deadline();
	for (i = 0; i < 2; i++)
		ATF_REQUIRE_EQ(1, atomic_load(&k[i].exited));

	kt_boot(3);
	ATF_REQUIRE_EQ(base, kthread_count());
	ktest_init(&k[2], KM_TIMEOUT, NULL, "kcount2");
	ktest_start(&k[2]);
	ATF_REQUIRE_EQ(base + 1, kthread_count());
	WAIT_FOR(atomic_load(&k[2].running));
	shutdown_within_deadline();
	ATF_REQUIRE_EQ(1, atomic_load(&k[2].exited));
	for (i = 0; i < 3; i++)
		mtx_destroy(&k[i].m);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, kthread_runs);
	ATF_TP_ADD_TC(tp, kthread_shutdown_joins_all);
	ATF_TP_ADD_TC(tp, kthread_count_across_boots);
	return (atf_no_error());
}
