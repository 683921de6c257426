/*
 * Helpers shared by the substrate tests (lock_test, synch_test, pcpu_test,
 * kthread_test, boot_test).
 *
 * The rules these tests keep:
 *
 * => Helper threads never call ATF: they record what they saw in plain
 *    fields and the test's own thread asserts after joining them.
 * => Every handshake waits for a condition with a deadline (WAIT_FOR,
 *    rv_wait, join_within) instead of sleeping and hoping; the deadline is
 *    only reached when the code under test is broken, and the case then
 *    fails instead of hanging until Kyua's timeout.
 * => "Thread T is blocked on lock L" is proven, not assumed: T is counted
 *    on the sleep queue of L's lock word (sleepq_sleepcnt), which the lock
 *    code fills under the chain lock just before T sleeps.
 * => Death cases fork.  The child does the forbidden thing with its stderr
 *    on a pipe; the parent expects SIGABRT (panic() aborts) and the panic
 *    message.  A child that returns exits 0, which fails the case.
 */
#ifndef _TESTS_KERN_KERN_TEST_H_
#define _TESTS_KERN_KERN_TEST_H_

#include <sys/resource.h>
#include <sys/wait.h>
#include <atf-c.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/proc.h>
#include <sys/sleepqueue.h>

#include <libvm.h>

/*
 * A case's description, and a Kyua timeout well above the 2 s a case takes:
 * a hang in the test's own thread then fails in 30 s, not 300.
 */
#define	KT_DESCR(tc, descr) do {					\
	atf_tc_set_md_var((tc), "descr", "%s", (descr));		\
	atf_tc_set_md_var((tc), "timeout", "30");			\
} while (0)

/* Deadline of every handshake: reached only when something is broken. */
#define	KT_DEADLINE_MS	5000

static inline uint64_t
kt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

/* One poll step of a wait loop: let the thread we wait for run. */
static inline void
kt_tick(void)
{
	struct timespec ts = { 0, 100 * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Wait (in the test's thread) until cond holds; fail the case after
 * KT_DEADLINE_MS.
 */
#define	WAIT_FOR(cond) do {						\
	uint64_t _dl = kt_now_ns() + KT_DEADLINE_MS * 1000000ull;	\
									\
	while (!(cond)) {						\
		ATF_REQUIRE_MSG(kt_now_ns() < _dl,			\
		    "timed out waiting for %s", #cond);			\
		kt_tick();						\
	}								\
} while (0)

/* Same, for helper threads: returns false on timeout instead of failing. */
#define	WAIT_FOR_BOOL(cond, okp) do {					\
	uint64_t _dl = kt_now_ns() + KT_DEADLINE_MS * 1000000ull;	\
									\
	*(okp) = true;							\
	while (!(cond)) {						\
		if (kt_now_ns() >= _dl) {				\
			*(okp) = false;					\
			break;						\
		}							\
		kt_tick();						\
	}								\
} while (0)

/* Boot a small libvm: 16 MiB unless told otherwise, ncpu CPU slots. */
static inline void
kt_boot(int ncpu)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 16 << 20;
	c.ncpu = ncpu;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
}

/* Threads sleeping on chan right now (taken under the chain lock). */
static inline int
kt_sleepers(const void *chan)
{
	int n;

	sleepq_lock(chan);
	n = sleepq_sleepcnt(chan);
	sleepq_release(chan);
	return (n);
}

static inline void
kt_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	ATF_REQUIRE_EQ(0, pthread_create(t, NULL, fn, arg));
}

/* Join t, failing the case if it has not finished within the deadline. */
static inline void
kt_join(pthread_t t)
{
	struct timespec ts;
	int error;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += KT_DEADLINE_MS / 1000;
	error = pthread_timedjoin_np(t, NULL, &ts);
	ATF_REQUIRE_MSG(error == 0, "thread did not finish (%s): deadlock?",
	    strerror(error));
}

/*
 * A rendezvous with a deadline: rv_wait() returns true once n threads have
 * arrived, false if they do not all arrive in time.  Used to prove that n
 * threads are inside a section together: if the lock kept them apart, the
 * first could never leave and the others never arrive.
 */
struct kt_rendezvous {
	pthread_mutex_t	mtx;
	pthread_cond_t	cv;
	int		n;		/* (mtx) threads expected */
	int		arrived;	/* (mtx) */
};

static inline void
rv_init(struct kt_rendezvous *rv, int n)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&rv->mtx, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&rv->cv, &attr);
	pthread_condattr_destroy(&attr);
	rv->n = n;
	rv->arrived = 0;
}

static inline bool
rv_wait(struct kt_rendezvous *rv)
{
	struct timespec ts;
	bool ok = true;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += KT_DEADLINE_MS / 1000;
	pthread_mutex_lock(&rv->mtx);
	if (++rv->arrived == rv->n)
		pthread_cond_broadcast(&rv->cv);
	while (rv->arrived < rv->n && ok)
		if (pthread_cond_timedwait(&rv->cv, &rv->mtx, &ts) == ETIMEDOUT)
			ok = rv->arrived >= rv->n;
	pthread_mutex_unlock(&rv->mtx);
	return (ok);
}

static inline void
rv_destroy(struct kt_rendezvous *rv)
{
	pthread_cond_destroy(&rv->cv);
	pthread_mutex_destroy(&rv->mtx);
}

/*
 * Run fn(arg) in a forked child with stderr captured into out.  Returns the
 * child's wait status.  The child exits 0 if fn returns.
 */
static inline int
kt_run_child(void (*fn)(void *), void *arg, char *out, size_t outlen)
{
	struct rlimit rl = { 0, 0 };
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	int pfd[2], status;

	ATF_REQUIRE(outlen > 0);
	ATF_REQUIRE_EQ(0, pipe(pfd));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[1]);
		(void)setrlimit(RLIMIT_CORE, &rl);	/* no core files */
		fn(arg);
		_exit(0);
	}
	close(pfd[1]);
	while (len < outlen - 1 &&
	    (n = read(pfd[0], out + len, outlen - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	out[len] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1)
		ATF_REQUIRE_EQ(EINTR, errno);
	return (status);
}

/* fn(arg) must panic with a message containing needle. */
static inline void
kt_expect_panic(void (*fn)(void *), void *arg, const char *needle)
{
	char buf[8192];
	int status;

	status = kt_run_child(fn, arg, buf, sizeof(buf));
	ATF_REQUIRE_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	    "no panic (wait status %#x); output: %s", status, buf);
	ATF_REQUIRE_MSG(strstr(buf, "libvm panic: ") != NULL &&
	    strstr(buf, needle) != NULL,
	    "panic message lacks \"%s\": %s", needle, buf);
}

/* fn(arg) must return normally; its stderr is returned in out. */
static inline void
kt_expect_no_panic(void (*fn)(void *), void *arg, char *out, size_t outlen)
{
	int status;

	status = kt_run_child(fn, arg, out, outlen);
	ATF_REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child failed (wait status %#x); output: %s", status, out);
}

#define	KT_REQUIRE_INVARIANTS() do {					\
	if (!INVARIANTS_ENABLED)					\
		atf_tc_skip("assertions need an INVARIANTS build");	\
} while (0)

#endif /* !_TESTS_KERN_KERN_TEST_H_ */
