/*
 * UMA under concurrency (sys/vm/uma_core.c on the biased CPU slots of
 * sys/kern/subr_pcpu.c).  Runs in `make check-tsan` too: the test's own
 * shared state is atomics or mutex-protected, so every report is UMA's
 * or pcpu's.
 *
 * The machine has 2 CPU slots and the cases run up to 6 threads, so
 * threads share home slots: the bias of a slot is revoked (membarrier) and
 * stolen, threads migrate and wait, and UMA's drains and statistics claim
 * slots from under the workers.
 *
 * Items carry an owner tag: keg init marks an item free (TAG_FREE); an
 * allocation swaps TAG_FREE for its owner's id with a CAS, so an item
 * handed out twice is caught at its second allocation; a free swaps the
 * owner's id back.  Threads count what they allocated, freed and failed;
 * after joining, the counts must balance with the stream exactly.
 *
 * The cases are time-bounded (no timing assertions), ~1 s each.  Helper
 * threads never call ATF: they record the first failure in the shared
 * state and the test thread reports it.
 */

#include "vm_test_util.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <sched.h>
#include <stdarg.h>

#include <uma.h>
#include <vm/uma_int.h>

#define	MT_NCPU		2
#define	MT_RUN_MS	1000
#define	MT_DEADLINE_MS	20000
#define	TAG_FREE	0xf4eef4eef4eef4eeULL
#define	QCAP		256

struct mt_item {
	_Atomic uint64_t tag;		/* TAG_FREE or the owner's id */
	uint64_t	owner;		/* plain: written by the owner */
	uint64_t	payload[10];
};

static int
mt_init(void *mem, int size __unused, int flags __unused)
{
	struct mt_item *it = mem;

	atomic_store_explicit(&it->tag, TAG_FREE, memory_order_relaxed);
	it->owner = 0;
	return (0);
}

/* ---- shared state -------------------------------------------------------- */

struct mt {
	uma_zone_t	z;
	const char	*zname;
	_Atomic bool	stop;		/* main: workers wind down */
	_Atomic int	running;	/* workers not finished */
	_Atomic uint64_t allocs;	/* successful allocations */
	_Atomic uint64_t frees;
	_Atomic uint64_t nulls;		/* M_NOWAIT allocations that failed */
	_Atomic uint64_t live;		/* allocated and not yet freed */
	_Atomic uint64_t maxlive;
	_Atomic uint64_t ctl_rounds;	/* control thread's rounds */
	_Atomic int	nerr;
	pthread_mutex_t	errmtx;
	char		err[512];	/* (errmtx) the first failure */
	/* The cross-thread free queue. */
	pthread_mutex_t	qmtx;
	void		*q[QCAP];	/* (qmtx) */
	int		qhead, qn;	/* (qmtx) */
	_Atomic bool	producer_done;
	int		limit;		/* control: the limit it toggles */
	bool		toggle;		/* control: toggle limits */
	bool		drain;		/* control: reclaim and read stats */
	bool		check_used;	/* stats readers: used >= 0 */
	_Atomic int	pause;		/* control: workers park */
	_Atomic int	parked;		/* workers parked, holding nothing */
	_Atomic uint64_t drift;		/* rounds whose count was wrong */
};

static void
mt_init_shared(struct mt *s, uma_zone_t z, const char *zname)
{
	memset(s, 0, sizeof(*s));
	s->z = z;
	s->zname = zname;
	pthread_mutex_init(&s->errmtx, NULL);
	pthread_mutex_init(&s->qmtx, NULL);
}

static void
mt_fini_shared(struct mt *s)
{
	pthread_mutex_destroy(&s->errmtx);
	pthread_mutex_destroy(&s->qmtx);
}

static void __attribute__((format(printf, 2, 3)))
mt_fail(struct mt *s, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&s->errmtx);
	if (atomic_fetch_add(&s->nerr, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(s->err, sizeof(s->err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&s->errmtx);
}

static void
mt_require_ok(struct mt *s)
{
	pthread_mutex_lock(&s->errmtx);
	ATF_REQUIRE_MSG(atomic_load(&s->nerr) == 0, "%d failures, the first: "
	    "%s", atomic_load(&s->nerr), s->err);
	pthread_mutex_unlock(&s->errmtx);
}

/* A worker's identity: unique owner ids per allocation. */
struct mt_worker {
	struct mt	*s;
	int		id;
	uint64_t	seq;
	uint64_t	rng;
};

static uint64_t
mt_owner(struct mt_worker *w)
{
	return (((uint64_t)(w->id + 1) << 48) | ++w->seq);
}

static struct mt_item *
mt_alloc(struct mt_worker *w, int flags)
{
	struct mt *s = w->s;
	struct mt_item *it;
	uint64_t owner, expect = TAG_FREE, l, m;

	it = uma_zalloc(s->z, flags);
	if (it == NULL) {
		if ((flags & M_WAITOK) != 0)
			mt_fail(s, "worker %d: M_WAITOK allocation returned "
			    "NULL", w->id);
		else
			atomic_fetch_add(&s->nulls, 1);
		return (NULL);
	}
	owner = mt_owner(w);
	if (!atomic_compare_exchange_strong(&it->tag, &expect, owner)) {
		mt_fail(s, "worker %d: item %p handed out while owned by "
		    "%#jx", w->id, (void *)it, (uintmax_t)expect);
		return (NULL);		/* leave it to its owner */
	}
	it->owner = owner;
	it->payload[0] = owner;
	atomic_fetch_add(&s->allocs, 1);
	l = atomic_fetch_add(&s->live, 1) + 1;
	m = atomic_load(&s->maxlive);
	while (l > m && !atomic_compare_exchange_weak(&s->maxlive, &m, l))
		;
	return (it);
}

/* Frees an item allocated by any worker (it->owner says whom). */
static void
mt_free(struct mt_worker *w, struct mt_item *it)
{
	struct mt *s = w->s;
	uint64_t owner = it->owner, expect = owner;

	if (it->payload[0] != owner)
		mt_fail(s, "worker %d: item %p payload %#jx, owner %#jx",
		    w->id, (void *)it, (uintmax_t)it->payload[0],
		    (uintmax_t)owner);
	atomic_fetch_sub(&s->live, 1);
	if (!atomic_compare_exchange_strong(&it->tag, &expect, TAG_FREE)) {
		mt_fail(s, "worker %d: freeing item %p of %#jx, tagged %#jx",
		    w->id, (void *)it, (uintmax_t)owner, (uintmax_t)expect);
		return;
	}
	uma_zfree(s->z, it);
	atomic_fetch_add(&s->frees, 1);
}

static bool
mt_stopping(struct mt *s)
{
	return (atomic_load_explicit(&s->stop, memory_order_relaxed));
}

static void
mt_shuffle(void **a, int n, uint64_t *rng)
{
	void *t;
	int i, j;

	for (i = n; i > 1; i--) {
		j = (int)(vt_rand(rng) % (uint64_t)i);
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- workers ------------------------------------------------------------- */

/* Pairs, and now and then a small set held and freed in random order. */
static void *
mt_pairs(void *arg)
{
	struct mt_worker *w = arg;
	struct mt_item *it, *held[40];
	uint64_t i;
	int k, n;

	for (i = 0; !mt_stopping(w->s); i++) {
		it = mt_alloc(w, (i & 1) != 0 ? M_NOWAIT : M_WAITOK);
		if (it != NULL)
			mt_free(w, it);
		if (i % 64 != 0)
			continue;
		n = 1 + (int)(vt_rand(&w->rng) % 40);
		for (k = 0; k < n; k++)
			if ((held[k] = mt_alloc(w, M_WAITOK)) == NULL)
				break;
		n = k;
		mt_shuffle((void **)held, n, &w->rng);
		for (k = 0; k < n; k++)
			mt_free(w, held[k]);
	}
	atomic_fetch_sub(&w->s->running, 1);
	return (NULL);
}

/* Batches of up to 600 (more than a bucket), freed in random order. */
static void *
mt_batches(void *arg)
{
	struct mt_worker *w = arg;
	struct mt_item **held;
	int k, n, flags;

	held = calloc(600, sizeof(*held));
	if (held == NULL) {
		mt_fail(w->s, "no host memory");
		atomic_fetch_sub(&w->s->running, 1);
		return (NULL);
	}
	while (!mt_stopping(w->s)) {
		n = 1 + (int)(vt_rand(&w->rng) % 600);
		flags = (vt_rand(&w->rng) & 1) != 0 ? M_NOWAIT : M_WAITOK;
		for (k = 0; k < n; k++)
			if ((held[k] = mt_alloc(w, flags)) == NULL)
				break;
		n = k;
		mt_shuffle((void **)held, n, &w->rng);
		for (k = 0; k < n; k++)
			mt_free(w, held[k]);
	}
	free(held);
	atomic_fetch_sub(&w->s->running, 1);
	return (NULL);
}

/* Allocates and hands items to the consumer, which frees them. */
static void *
mt_producer(void *arg)
{
	struct mt_worker *w = arg;
	struct mt *s = w->s;
	struct mt_item *it;
	bool queued;

	while (!mt_stopping(s)) {
		if ((it = mt_alloc(w, M_WAITOK)) == NULL)
			continue;
		pthread_mutex_lock(&s->qmtx);
		queued = s->qn < QCAP;
		if (queued) {
			s->q[(s->qhead + s->qn) % QCAP] = it;
			s->qn++;
		}
		pthread_mutex_unlock(&s->qmtx);
		if (!queued) {
			mt_free(w, it);
			sched_yield();
		}
	}
	atomic_store(&s->producer_done, true);
	atomic_fetch_sub(&s->running, 1);
	return (NULL);
}

static void *
mt_consumer(void *arg)
{
	struct mt_worker *w = arg;
	struct mt *s = w->s;
	struct mt_item *it;

	for (;;) {
		pthread_mutex_lock(&s->qmtx);
		it = NULL;
		if (s->qn > 0) {
			it = s->q[s->qhead];
			s->qhead = (s->qhead + 1) % QCAP;
			s->qn--;
		}
		pthread_mutex_unlock(&s->qmtx);
		if (it != NULL) {
			mt_free(w, it);
			continue;
		}
		if (atomic_load(&s->producer_done))
			break;
		sched_yield();
	}
	atomic_fetch_sub(&s->running, 1);
	return (NULL);
}

/* Reads one zone's record; checks what holds even mid-traffic. */
static void
mt_check_stats(struct mt *s, uint64_t *last_req)
{
	struct uma_zone_stat *all;
	size_t n = 0, cap, i;
	int error;

	if ((error = uma_zone_stats(NULL, &n)) != 0) {
		mt_fail(s, "uma_zone_stats(NULL): error %d", error);
		return;
	}
	cap = n + 8;
	if ((all = calloc(cap, sizeof(*all))) == NULL)
		return;
	n = cap;
	if ((error = uma_zone_stats(all, &n)) != 0)
		mt_fail(s, "uma_zone_stats: error %d", error);
	for (i = 0; i < n && error == 0; i++) {
		if (strcmp(all[i].uzs_name, s->zname) != 0)
			continue;
		if (s->check_used && all[i].uzs_used > (1ULL << 40))
			mt_fail(s, "stats: %ju items used (requests %ju): the "
			    "count went negative", (uintmax_t)all[i].uzs_used,
			    (uintmax_t)all[i].uzs_requests);
		if (all[i].uzs_requests < *last_req)
			mt_fail(s, "stats: requests went back from %ju to %ju",
			    (uintmax_t)*last_req,
			    (uintmax_t)all[i].uzs_requests);
		*last_req = all[i].uzs_requests;
	}
	free(all);
}

/*
 * Drains every CPU, reads the statistics, toggles the limit, until the
 * workers are done; leaves the zone unlimited.
 */
static void *
mt_control(void *arg)
{
	struct mt_worker *w = arg;
	struct mt *s = w->s;
	uint64_t last_req = 0;
	uint64_t i;

	for (i = 0; atomic_load(&s->running) > 0; i++) {
		if (s->drain) {
			uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
			/* The checker, with the workers still going. */
			uma_assert_consistent(s->z);
			mt_check_stats(s, &last_req);
			(void)uma_zone_get_cur(s->z);
		}
		if (s->toggle) {
			if (uma_zone_set_max(s->z, s->limit) != s->limit)
				mt_fail(s, "set_max(%d) returned otherwise",
				    s->limit);
			if (!s->drain)
				sched_yield();
			(void)uma_zone_set_max(s->z, 0);
		}
		if (s->drain && i % 8 == 0)
			uma_zone_reclaim(s->z, UMA_RECLAIM_TRIM);
		atomic_fetch_add(&s->ctl_rounds, 1);
		sched_yield();
	}
	(void)uma_zone_set_max(s->z, 0);
	return (NULL);
}

/*
 * Rounds of: set the limit while the workers run, let them run limited,
 * park them (they then hold nothing), and check that the limit's count of
 * live items (uz_items) is exactly 0; lift the limit and let them go.
 */
static void *
mt_toggle_checker(void *arg)
{
	struct mt_worker *w = arg;
	struct mt *s = w->s;
	uint64_t end;
	int64_t items;
	int i, nworkers = atomic_load(&s->running);

	while (!mt_stopping(s)) {
		(void)uma_zone_set_max(s->z, s->limit);
		for (i = 0; i < 4; i++)
			sched_yield();
		atomic_store(&s->pause, 1);
		end = vt_now_ms() + MT_DEADLINE_MS / 2;
		while (atomic_load(&s->parked) < nworkers &&
		    !mt_stopping(s) && vt_now_ms() < end)
			sched_yield();
		if (atomic_load(&s->parked) == nworkers) {
			mtx_lock(&s->z->uz_lock);
			items = s->z->uz_items;
			mtx_unlock(&s->z->uz_lock);
			if (items != (int64_t)atomic_load(&s->live)) {
				if (atomic_fetch_add(&s->drift, 1) == 0)
					mt_fail(s, "round %ju: with %ju items "
					    "live the limit counts %jd",
					    (uintmax_t)atomic_load(
					    &s->ctl_rounds),
					    (uintmax_t)atomic_load(&s->live),
					    (intmax_t)items);
			}
			atomic_fetch_add(&s->ctl_rounds, 1);
		} else if (!mt_stopping(s))
			mt_fail(s, "workers did not park");
		(void)uma_zone_set_max(s->z, 0);
		atomic_store(&s->pause, 0);
		for (i = 0; i < 4; i++)
			sched_yield();
	}
	atomic_store(&s->pause, 0);
	(void)uma_zone_set_max(s->z, 0);
	return (NULL);
}

/* ---- running ------------------------------------------------------------- */

static void
mt_join(pthread_t t)
{
	struct timespec ts;
	int error;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += MT_DEADLINE_MS / 1000;
	error = pthread_timedjoin_np(t, NULL, &ts);
	ATF_REQUIRE_MSG(error == 0, "thread did not finish (%s): deadlock?",
	    strerror(error));
}

static void
mt_boot(void)
{
	vt_boot_cfg(VT_PHYSMEM, MT_NCPU, 1, NULL);
}

static void
mt_set_timeout(int ms)
{
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.uma_timeout", NULL, NULL, &ms,
	    sizeof(ms)));
}

/* The stream's record of the zone, through the reader. */
static void
mt_zstat(const char *name, struct uma_zone_stat *out)
{
	struct uma_zone_stat *all;
	size_t n = 0, cap, i;
	int found = 0;

	ATF_REQUIRE_EQ(0, uma_zone_stats(NULL, &n));
	cap = n + 8;
	all = calloc(cap, sizeof(*all));
	ATF_REQUIRE(all != NULL);
	n = cap;
	ATF_REQUIRE_EQ(0, uma_zone_stats(all, &n));
	for (i = 0; i < n; i++)
		if (strcmp(all[i].uzs_name, name) == 0) {
			*out = all[i];
			found++;
		}
	free(all);
	ATF_REQUIRE_EQ_MSG(1, found, "zone %s found %d times", name, found);
}

/* Everything allocated was freed: the counts and the stream balance. */
static void
mt_require_balanced(struct mt *s)
{
	struct uma_zone_stat st;
	uma_keg_t k = s->z->uz_keg;

	mt_require_ok(s);
	ATF_REQUIRE_EQ(0, atomic_load(&s->live));
	ATF_REQUIRE_EQ(atomic_load(&s->allocs), atomic_load(&s->frees));
	ATF_REQUIRE_EQ(0, uma_zone_get_cur(s->z));
	mt_zstat(s->zname, &st);
	ATF_REQUIRE_EQ_MSG(atomic_load(&s->allocs), st.uzs_requests,
	    "stream: %ju requests, the workers allocated %ju",
	    (uintmax_t)st.uzs_requests, (uintmax_t)atomic_load(&s->allocs));
	ATF_REQUIRE_EQ_MSG(0, st.uzs_used, "stream: %ju used after every "
	    "item was freed", (uintmax_t)st.uzs_used);
	ATF_REQUIRE_EQ_MSG(atomic_load(&s->nulls), st.uzs_fails,
	    "stream: %ju failures, the workers saw %ju",
	    (uintmax_t)st.uzs_fails, (uintmax_t)atomic_load(&s->nulls));
	uma_assert_consistent(s->z);
	uma_reclaim(UMA_RECLAIM_DRAIN_CPU);
	mtx_lock(&k->uk_lock);
	if ((k->uk_flags & UMA_ZONE_NOFREE) != 0)
		ATF_REQUIRE_EQ_MSG(k->uk_pages / k->uk_ppera * k->uk_ipers,
		    k->uk_free, "%ju of %ju items back in the keg",
		    (uintmax_t)k->uk_free,
		    (uintmax_t)(k->uk_pages / k->uk_ppera * k->uk_ipers));
	else {
		ATF_REQUIRE_EQ_MSG(0, k->uk_pages, "%ju pages left after "
		    "freeing every item and draining",
		    (uintmax_t)k->uk_pages);
		ATF_REQUIRE_EQ(0, k->uk_free);
	}
	mtx_unlock(&k->uk_lock);
	uma_assert_consistent(s->z);
}

static bool
mt_bias_available(void)
{
	long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	return (q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
	    getenv("LIBVM_NO_PCPU_BIAS") == NULL);
}

ATF_TC(hammer_one_zone);
ATF_TC_HEAD(hammer_one_zone, tc)
{
	atf_tc_set_md_var(tc, "descr", "6 threads on 2 CPU slots: two "
	    "alloc/free-pair workers, a batch worker (up to 600 items, random "
	    "free order), a producer whose items a consumer frees, and a "
	    "control thread draining every CPU (uma_reclaim DRAIN_CPU), "
	    "reading the stream and toggling a limit, with the trim thread "
	    "every 10 ms: no item is handed out twice (owner tags), the "
	    "stream's requests, used and fails balance with the workers' "
	    "counts, every page comes back; the slots' biases were revoked "
	    "and stolen on the way");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(hammer_one_zone, tc)
{
	struct mt_worker w[6];
	struct mt s;
	pthread_t t[6];
	uma_zone_t z;
	bool stolen = false;
	int i;

	mt_boot();
	mt_set_timeout(10);
	z = uma_zcreate("mt hammer", sizeof(struct mt_item), NULL, NULL,
	    mt_init, NULL, UMA_ALIGN_CACHE, 0);
	ATF_REQUIRE(z != NULL);
	mt_init_shared(&s, z, "mt hammer");
	s.limit = 700;
	s.toggle = true;
	s.drain = true;
	atomic_store(&s.running, 5);
	for (i = 0; i < 6; i++) {
		w[i].s = &s;
		w[i].id = i;
		w[i].seq = 0;
		w[i].rng = 0x1234 + (uint64_t)i;
	}
	t[0] = vt_thread(mt_pairs, &w[0]);
	t[1] = vt_thread(mt_pairs, &w[1]);
	t[2] = vt_thread(mt_batches, &w[2]);
	t[3] = vt_thread(mt_producer, &w[3]);
	t[4] = vt_thread(mt_consumer, &w[4]);
	t[5] = vt_thread(mt_control, &w[5]);
	vt_msleep(MT_RUN_MS);
	atomic_store(&s.stop, true);
	for (i = 0; i < 6; i++)
		mt_join(t[i]);
	mt_require_ok(&s);
	ATF_REQUIRE(atomic_load(&s.allocs) > 1000);
	ATF_REQUIRE(atomic_load(&s.ctl_rounds) > 2);
	printf("allocations %ju, M_NOWAIT failures %ju, most live %ju, "
	    "control rounds %ju\n", (uintmax_t)atomic_load(&s.allocs),
	    (uintmax_t)atomic_load(&s.nulls),
	    (uintmax_t)atomic_load(&s.maxlive),
	    (uintmax_t)atomic_load(&s.ctl_rounds));
	mt_require_balanced(&s);

	/* More threads than slots: a slot's bias changed hands. */
	for (i = 0; i < mp_ncpus; i++) {
		struct pcpu *pc = pcpu_find(i);

		printf("slot %d: steals %d, bias word %#jx, migrations in "
		    "%ju\n", i, pc->pc_steals,
		    (uintmax_t)atomic_load(&pc->pc_bias),
		    (uintmax_t)pc->pc_switches);
		if (pc->pc_steals > 0 || (atomic_load(&pc->pc_bias) >>
		    PCPU_BIAS_SHIFT) == PCPU_BIAS_NEVER)
			stolen = true;
	}
	if (mt_bias_available())
		ATF_REQUIRE_MSG(stolen, "no slot's bias was ever stolen");
	mt_fini_shared(&s);
	uma_zdestroy(z);
	vm_shutdown();
}

ATF_TC(secondary_and_primary_concurrently);
ATF_TC_HEAD(secondary_and_primary_concurrently, tc)
{
	atf_tc_set_md_var(tc, "descr", "Workers on a primary zone and on its "
	    "secondary (same keg), cross-zone producer/consumer pairs, and a "
	    "control thread draining every CPU: no item handed out twice, "
	    "each zone's counts balance, the keg's pages all come back");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(secondary_and_primary_concurrently, tc)
{
	struct mt_worker wp[3], ws[3];
	struct mt sp, ss;
	pthread_t tp[3], ts[3];
	uma_zone_t p, sec;
	int i;

	mt_boot();
	p = uma_zcreate("mt primary", sizeof(struct mt_item), NULL, NULL,
	    mt_init, NULL, UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(p != NULL);
	sec = uma_zsecond_create("mt secondary", NULL, NULL, NULL, NULL, p);
	ATF_REQUIRE(sec != NULL);
	mt_init_shared(&sp, p, "mt primary");
	mt_init_shared(&ss, sec, "mt secondary");
	sp.drain = true;
	ss.toggle = true;
	ss.limit = 300;
	atomic_store(&sp.running, 2);
	atomic_store(&ss.running, 2);
	for (i = 0; i < 3; i++) {
		wp[i].s = &sp;
		wp[i].id = i;
		wp[i].seq = 0;
		wp[i].rng = 77 + (uint64_t)i;
		ws[i].s = &ss;
		ws[i].id = 10 + i;
		ws[i].seq = 0;
		ws[i].rng = 99 + (uint64_t)i;
	}
	tp[0] = vt_thread(mt_pairs, &wp[0]);
	tp[1] = vt_thread(mt_batches, &wp[1]);
	tp[2] = vt_thread(mt_control, &wp[2]);
	ts[0] = vt_thread(mt_producer, &ws[0]);
	ts[1] = vt_thread(mt_consumer, &ws[1]);
	ts[2] = vt_thread(mt_control, &ws[2]);
	vt_msleep(MT_RUN_MS);
	atomic_store(&sp.stop, true);
	atomic_store(&ss.stop, true);
	for (i = 0; i < 3; i++) {
		mt_join(tp[i]);
		mt_join(ts[i]);
	}
	mt_require_ok(&sp);
	mt_require_ok(&ss);
	ATF_REQUIRE(atomic_load(&sp.allocs) > 1000);
	ATF_REQUIRE(atomic_load(&ss.allocs) > 1000);
	uma_zone_reclaim(sec, UMA_RECLAIM_DRAIN_CPU);
	mt_require_balanced(&ss);
	mt_require_balanced(&sp);
	mt_fini_shared(&sp);
	mt_fini_shared(&ss);
	uma_zdestroy(sec);
	uma_zdestroy(p);
	vm_shutdown();
}

/* ---- biased holders against claims --------------------------------------- */

/*
 * A worker that keeps its home slot's bias: it reports its slot and tid,
 * and quits at once if another worker already has that slot (the test
 * then starts another: bindings go round robin).
 */
struct mt_biased {
	struct mt_worker w;
	int		cpu;
	int		tid;
	_Atomic int	ready;		/* 1: bound, 2: quit (slot taken) */
	_Atomic int	*slots;		/* per slot: a worker is there */
};

static void *
mt_biased_worker(void *arg)
{
	struct mt_biased *b = arg;
	struct mt_item *it, *held[8];
	uint64_t i;
	int k, expect = 0;

	b->tid = curthread->td_tid;
	b->cpu = curcpu;
	if (!atomic_compare_exchange_strong(&b->slots[b->cpu], &expect, 1)) {
		atomic_store(&b->ready, 2);
		return (NULL);
	}
	atomic_store(&b->ready, 1);
	for (i = 0; !mt_stopping(b->w.s); i++) {
		if ((it = mt_alloc(&b->w, M_WAITOK)) != NULL)
			mt_free(&b->w, it);
		if (i % 16 != 0)
			continue;
		for (k = 0; k < 8; k++)
			if ((held[k] = mt_alloc(&b->w, M_WAITOK)) == NULL)
				break;
		while (k-- > 0)
			mt_free(&b->w, held[k]);
	}
	atomic_fetch_sub(&b->w.s->running, 1);
	return (NULL);
}

/*
 * Claims the slots over and over: drains, statistics, counts.  It must
 * not enter critical sections of its own (freeing pages does, in the page
 * allocator's per-CPU caches): on its home slot that would steal the
 * worker's bias, and after 4 steals no slot is biased any more.
 */
static void *
mt_claimer(void *arg)
{
	struct mt_worker *w = arg;
	struct mt *s = w->s;
	uint64_t last_req = 0, i;

	for (i = 0; atomic_load(&s->running) > 0; i++) {
		/* (a NOFREE zone: draining it frees no page) */
		uma_zone_reclaim(s->z, UMA_RECLAIM_DRAIN_CPU);
		mt_check_stats(s, &last_req);
		(void)uma_zone_get_cur(s->z);
		atomic_fetch_add(&s->ctl_rounds, 1);
	}
	return (NULL);
}

ATF_TC(biased_holders_vs_claims);
ATF_TC_HEAD(biased_holders_vs_claims, tc)
{
	atf_tc_set_md_var(tc, "descr", "One worker per CPU slot, each keeping "
	    "its slot's bias (nobody steals it), on UMA's fast paths, while "
	    "a thread claims the slots continuously (uma_zone_reclaim "
	    "DRAIN_CPU of the NOFREE zone, the stream, get_cur): every claim "
	    "revokes a live bias and must wait for the holder to leave its "
	    "section; no item handed out twice, the counts balance, and the "
	    "biases are still the workers' at the end");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(biased_holders_vs_claims, tc)
{
	struct mt_biased b[8];
	struct mt_worker cw;
	_Atomic int slots[MT_NCPU];
	struct mt s;
	pthread_t t[8], ct;
	uma_zone_t z;
	int i, n = 0, started = 0;

	mt_boot();
	z = uma_zcreate("mt biased", sizeof(struct mt_item), NULL, NULL,
	    mt_init, NULL, UMA_ALIGN_PTR, UMA_ZONE_NOFREE);
	ATF_REQUIRE(z != NULL);
	mt_init_shared(&s, z, "mt biased");
	for (i = 0; i < MT_NCPU; i++)
		atomic_store(&slots[i], 0);
	/* Start workers until every slot has one. */
	atomic_store(&s.running, MT_NCPU);
	for (i = 0; i < 8 && n < MT_NCPU; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].w.s = &s;
		b[i].w.id = i;
		b[i].w.rng = 11 + (uint64_t)i;
		b[i].slots = slots;
		t[i] = vt_thread(mt_biased_worker, &b[i]);
		started++;
		ATF_REQUIRE(vt_wait_flag(&b[i].ready, 1, MT_DEADLINE_MS));
		if (atomic_load(&b[i].ready) == 1)
			n++;
	}
	ATF_REQUIRE_MSG(n == MT_NCPU, "%d workers for %d slots", n, MT_NCPU);
	cw.s = &s;
	cw.id = 100;
	cw.rng = 1;
	ct = vt_thread(mt_claimer, &cw);
	vt_msleep(MT_RUN_MS);
	atomic_store(&s.stop, true);
	for (i = 0; i < started; i++)
		mt_join(t[i]);
	mt_join(ct);
	printf("allocations %ju, claim rounds %ju\n",
	    (uintmax_t)atomic_load(&s.allocs),
	    (uintmax_t)atomic_load(&s.ctl_rounds));
	/* First, before this thread's own sections can steal a bias. */
	if (mt_bias_available())
		for (i = 0; i < started; i++) {
			uint64_t bw;

			if (atomic_load(&b[i].ready) != 1)
				continue;
			bw = atomic_load(&pcpu_find(b[i].cpu)->pc_bias);
			ATF_REQUIRE_MSG(bw >> PCPU_BIAS_SHIFT ==
			    (uint64_t)(u_int)b[i].tid, "slot %d: bias word "
			    "%#jx, its worker is %d", b[i].cpu, (uintmax_t)bw,
			    b[i].tid);
		}
	mt_require_ok(&s);
	ATF_REQUIRE(atomic_load(&s.allocs) > 1000);
	ATF_REQUIRE(atomic_load(&s.ctl_rounds) > 10);
	mt_require_balanced(&s);
	mt_fini_shared(&s);
	uma_zdestroy(z);
	vm_shutdown();
}

/* ---- limits -------------------------------------------------------------- */

/*
 * Holds 1-3 items at a time: the first M_WAITOK, the others M_NOWAIT (a
 * thread holding items must not wait for more under a limit: four such
 * threads would wait for each other).
 */
static void *
mt_small_holder(void *arg)
{
	struct mt_worker *w = arg;
	struct mt_item *held[3];
	int k, n;

	while (!mt_stopping(w->s)) {
		n = 1 + (int)(vt_rand(&w->rng) % 3);
		for (k = 0; k < n; k++)
			if ((held[k] = mt_alloc(w, k == 0 ? M_WAITOK :
			    M_NOWAIT)) == NULL)
				break;
		n = k;
		for (k = n - 1; k >= 0; k--)
			mt_free(w, held[k]);
	}
	atomic_fetch_sub(&w->s->running, 1);
	return (NULL);
}

/* Parks (holding nothing) while the control thread asks it to. */
static void
mt_park(struct mt *s)
{
	atomic_fetch_add(&s->parked, 1);
	while (atomic_load(&s->pause) != 0 && !mt_stopping(s))
		sched_yield();
	atomic_fetch_sub(&s->parked, 1);
}

/* Holds 1-3 items at a time, M_NOWAIT; parks on request. */
static void *
mt_small_holder_nowait(void *arg)
{
	struct mt_worker *w = arg;
	struct mt_item *held[3];
	int k, n;

	while (!mt_stopping(w->s)) {
		if (atomic_load(&w->s->pause) != 0) {
			mt_park(w->s);
			continue;
		}
		n = 1 + (int)(vt_rand(&w->rng) % 3);
		for (k = 0; k < n; k++)
			if ((held[k] = mt_alloc(w, M_NOWAIT)) == NULL)
				break;
		n = k;
		for (k = n - 1; k >= 0; k--)
			mt_free(w, held[k]);
	}
	atomic_fetch_sub(&w->s->running, 1);
	return (NULL);
}

static void
mt_limit_bound_on(const char *name, uint32_t flags)
{
	struct uma_zone_stat st;
	struct mt_worker w[4];
	struct mt s;
	pthread_t t[4];
	uma_zone_t z;
	int i;

	z = uma_zcreate(name, sizeof(struct mt_item), NULL, NULL, mt_init,
	    NULL, UMA_ALIGN_PTR, flags);
	ATF_REQUIRE(z != NULL);
	ATF_REQUIRE_EQ(4, uma_zone_set_max(z, 4));
	mt_init_shared(&s, z, name);
	atomic_store(&s.running, 4);
	for (i = 0; i < 4; i++) {
		w[i].s = &s;
		w[i].id = i;
		w[i].seq = 0;
		w[i].rng = 5 + (uint64_t)i;
		t[i] = vt_thread(mt_small_holder, &w[i]);
	}
	vt_msleep(MT_RUN_MS / 2);
	atomic_store(&s.stop, true);
	for (i = 0; i < 4; i++)
		mt_join(t[i]);
	mt_require_ok(&s);
	ATF_REQUIRE_MSG(atomic_load(&s.maxlive) <= 4, "%s: %ju items live "
	    "under a limit of 4", name, (uintmax_t)atomic_load(&s.maxlive));
	mt_zstat(name, &st);
	ATF_REQUIRE_MSG(st.uzs_sleeps > 0, "%s: nobody slept at the limit",
	    name);
	ATF_REQUIRE_EQ(4, st.uzs_limit);
	mtx_lock(&z->uz_lock);
	ATF_REQUIRE_EQ(0, z->uz_items);
	ATF_REQUIRE_EQ(0, z->uz_sleepers);
	mtx_unlock(&z->uz_lock);
	mt_require_balanced(&s);
	mt_fini_shared(&s);
	uma_zdestroy(z);
}

ATF_TC(limit_bound_with_sleepers);
ATF_TC_HEAD(limit_bound_with_sleepers, tc)
{
	atf_tc_set_md_var(tc, "descr", "4 threads holding 1-3 items each "
	    "(the first M_WAITOK) on a zone limited to 4: never more than 4 "
	    "live, "
	    "threads sleep at the limit and are woken by frees (no thread "
	    "left asleep), the counts balance; cached and NOBUCKET zones");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(limit_bound_with_sleepers, tc)
{
	mt_boot();
	mt_limit_bound_on("mt bound cached", 0);
	mt_limit_bound_on("mt bound nobucket", UMA_ZONE_NOBUCKET);
	vm_shutdown();
}

/*
 * Workers allocate and free (M_NOWAIT, at most 12 live) while the control
 * thread toggles a limit of 32 on and off; then, quiet, with the limit
 * on and every item freed, exactly 32 allocations must succeed.
 */
/* A zinit that takes a while (FreeBSD's packet zone allocates in its). */
static int
mt_slow_zinit(void *mem __unused, int size __unused, int flags __unused)
{
	sched_yield();
	return (0);
}

static void
mt_limit_toggle_on(const char *name, uint32_t flags, bool secondary)
{
	struct uma_zone_stat st;
	struct mt_worker w[5];
	struct mt s;
	pthread_t t[5];
	void *a[64];
	uma_zone_t z, p = NULL;
	uint64_t end;
	int64_t items;
	int i, n;

	if (secondary) {
		p = uma_zcreate("mt toggle primary", sizeof(struct mt_item),
		    NULL, NULL, mt_init, NULL, UMA_ALIGN_PTR, flags);
		ATF_REQUIRE(p != NULL);
		z = uma_zsecond_create(name, NULL, NULL, mt_slow_zinit, NULL,
		    p);
	} else
		z = uma_zcreate(name, sizeof(struct mt_item), NULL, NULL,
		    mt_init, NULL, UMA_ALIGN_PTR, flags);
	ATF_REQUIRE(z != NULL);
	mt_init_shared(&s, z, name);
	s.limit = 32;
	s.toggle = true;
	atomic_store(&s.running, 4);
	for (i = 0; i < 5; i++) {
		w[i].s = &s;
		w[i].id = i;
		w[i].seq = 0;
		w[i].rng = 31 + (uint64_t)i;
	}
	for (i = 0; i < 4; i++)
		t[i] = vt_thread(mt_small_holder_nowait, &w[i]);
	t[4] = vt_thread(mt_toggle_checker, &w[4]);
	/* 2000 rounds, or 1 s when the machine is busy. */
	end = vt_now_ms() + MT_RUN_MS;
	while (atomic_load(&s.ctl_rounds) < 2000 && vt_now_ms() < end &&
	    atomic_load(&s.nerr) == 0)
		vt_msleep(5);
	atomic_store(&s.stop, true);
	for (i = 0; i < 5; i++)
		mt_join(t[i]);
	printf("%s: %ju rounds, %ju with a wrong live count, %ju allocations\n",
	    name, (uintmax_t)atomic_load(&s.ctl_rounds),
	    (uintmax_t)atomic_load(&s.drift),
	    (uintmax_t)atomic_load(&s.allocs));
	mt_require_ok(&s);
	ATF_REQUIRE(atomic_load(&s.ctl_rounds) > 0);
	/* Never near the limit: no allocation may have failed. */
	ATF_REQUIRE_EQ_MSG(0, atomic_load(&s.nulls), "%s: %ju M_NOWAIT "
	    "allocations failed with at most %ju of 32 items live", name,
	    (uintmax_t)atomic_load(&s.nulls),
	    (uintmax_t)atomic_load(&s.maxlive));
	mt_require_balanced(&s);

	/* Quiet: the limit counts exactly the live items (none). */
	ATF_REQUIRE_EQ(32, uma_zone_set_max(z, 32));
	items = 0;
	mtx_lock(&z->uz_lock);
	items = z->uz_items;
	mtx_unlock(&z->uz_lock);
	ATF_REQUIRE_MSG(items == 0, "%s: the limit counts %jd items live, "
	    "there are none", name, (intmax_t)items);
	for (n = 0; n < 64; n++)
		if ((a[n] = uma_zalloc(z, M_NOWAIT)) == NULL)
			break;
	ATF_REQUIRE_EQ_MSG(32, n, "%s: %d items allocated under a limit of "
	    "32", name, n);
	for (i = 0; i < n; i++)
		uma_zfree(z, a[i]);
	mt_zstat(name, &st);
	ATF_REQUIRE_EQ(0, st.uzs_used);
	mt_fini_shared(&s);
	uma_zdestroy(z);
	if (p != NULL)
		uma_zdestroy(p);
}

ATF_TC(limit_toggled_under_traffic);
ATF_TC_HEAD(limit_toggled_under_traffic, tc)
{
	atf_tc_set_md_var(tc, "descr", "A limit of 32 set while 4 threads "
	    "allocate and free (M_NOWAIT, at most 12 live), then the threads "
	    "parked: the limit's count of live items (uz_items) equals the "
	    "items live (0), round after round; no allocation fails, the "
	    "counts balance, and afterwards the limit admits exactly 32 "
	    "items; NOBUCKET and cached zones, and secondary zones whose zinit "
	    "takes a while");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(limit_toggled_under_traffic, tc)
{
	mt_boot();
	mt_limit_toggle_on("mt toggle nobucket", UMA_ZONE_NOBUCKET, false);
	mt_limit_toggle_on("mt toggle cached", 0, false);
	mt_limit_toggle_on("mt toggle sec nobucket", UMA_ZONE_NOBUCKET, true);
	mt_limit_toggle_on("mt toggle sec cached", 0, true);
	vm_shutdown();
}

/* ---- statistics while items cross CPUs ----------------------------------- */

/* Reads the stream as fast as it can until the workers stop. */
static void *
mt_stats_reader(void *arg)
{
	struct mt_worker *w = arg;
	struct mt *s = w->s;
	uint64_t last_req = 0;

	while (atomic_load(&s->running) > 0) {
		mt_check_stats(s, &last_req);
		atomic_fetch_add(&s->ctl_rounds, 1);
	}
	return (NULL);
}

ATF_TC(stats_sane_while_items_cross_cpus);
ATF_TC_HEAD(stats_sane_while_items_cross_cpus, tc)
{
	atf_tc_set_md_var(tc, "descr", "A producer allocates and a consumer "
	    "on another CPU slot frees at once (live items 0-256), while "
	    "readers read the stream continuously: requests never go back "
	    "and used never wraps below zero (a free counted on one CPU "
	    "before its allocation on another is read); the counts balance "
	    "at the end");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(stats_sane_while_items_cross_cpus, tc)
{
	struct mt_worker w[4];
	struct mt s;
	pthread_t t[4];
	uma_zone_t z;
	int i;

	mt_boot();
	z = uma_zcreate("mt crosscpu", sizeof(struct mt_item), NULL, NULL,
	    mt_init, NULL, UMA_ALIGN_PTR, 0);
	ATF_REQUIRE(z != NULL);
	mt_init_shared(&s, z, "mt crosscpu");
	s.check_used = true;
	atomic_store(&s.running, 2);
	for (i = 0; i < 4; i++) {
		w[i].s = &s;
		w[i].id = i;
		w[i].seq = 0;
		w[i].rng = 3 + (uint64_t)i;
	}
	t[0] = vt_thread(mt_producer, &w[0]);
	t[1] = vt_thread(mt_consumer, &w[1]);
	t[2] = vt_thread(mt_stats_reader, &w[2]);
	t[3] = vt_thread(mt_stats_reader, &w[3]);
	vt_msleep(MT_RUN_MS);
	atomic_store(&s.stop, true);
	for (i = 0; i < 4; i++)
		mt_join(t[i]);
	printf("allocations %ju, stream reads %ju\n",
	    (uintmax_t)atomic_load(&s.allocs),
	    (uintmax_t)atomic_load(&s.ctl_rounds));
	mt_require_ok(&s);
	ATF_REQUIRE(atomic_load(&s.allocs) > 1000);
	mt_require_balanced(&s);
	mt_fini_shared(&s);
	uma_zdestroy(z);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, hammer_one_zone);
	ATF_TP_ADD_TC(tp, secondary_and_primary_concurrently);
	ATF_TP_ADD_TC(tp, biased_holders_vs_claims);
	ATF_TP_ADD_TC(tp, limit_bound_with_sleepers);
	ATF_TP_ADD_TC(tp, limit_toggled_under_traffic);
	ATF_TP_ADD_TC(tp, stats_sane_while_items_cross_cpus);
	return (atf_no_error());
}
