/*
 * The low-memory event (FreeBSD's EVENTHANDLER vm_lowmem).
 *
 * A subsystem that caches memory it could give back (UMA's bucket
 * caches, a file system's buffers) registers a handler; when a domain
 * runs short, the page daemon invokes them all at the start of its pass,
 * at most once per vm.lowmem_period seconds (FreeBSD's knob and default,
 * 10; 0 invokes on every short pass), with VM_LOW_PAGES.  Handlers run in
 * the page daemon's thread with no lock held and may sleep; they must not
 * wait for free pages (the daemon is who makes them).
 *
 * Handlers are on a list under lowmem_mtx; an invocation runs them with
 * the lock dropped, each one held by a count that deregistration waits
 * for, so a handler is never called after its deregistration returns.
 * The number of events is vm.lowmem_events.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/queue.h>
#include <sys/sleepqueue.h>
#include <sys/sysctl.h>
#include <vm/vm_lowmem.h>

/*
 * A subscription.
 *	(c)	constant
 *	(l)	lowmem_mtx
 */
struct vm_lowmem_handler {
	TAILQ_ENTRY(vm_lowmem_handler) lh_link;	/* (l) */
	vm_lowmem_fn	*lh_fn;			/* (c) */
	void		*lh_arg;		/* (c) */
	int		lh_running;		/* (l) invocations under way */
	bool		lh_dead;		/* (l) being deregistered */
};

static struct mtx lowmem_mtx;
static TAILQ_HEAD(, vm_lowmem_handler) lowmem_handlers;	/* (l) */
static _Atomic int lowmem_period = 10;			/* (a) seconds */
static _Atomic uint64_t lowmem_events;			/* (a) */
static _Atomic uint64_t lowmem_last_ms;			/* (a) */
static bool lowmem_up;					/* (l) */

static uint64_t
lowmem_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

struct vm_lowmem_handler *
vm_lowmem_register(vm_lowmem_fn *fn, void *arg)
{
	struct vm_lowmem_handler *lh;

	if ((lh = calloc(1, sizeof(*lh))) == NULL)
		return (NULL);
	lh->lh_fn = fn;
	lh->lh_arg = arg;
	mtx_lock(&lowmem_mtx);
	TAILQ_INSERT_TAIL(&lowmem_handlers, lh, lh_link);
	mtx_unlock(&lowmem_mtx);
	return (lh);
}

void
vm_lowmem_deregister(struct vm_lowmem_handler *lh)
{
	if (lh == NULL)
		return;
	mtx_lock(&lowmem_mtx);
	lh->lh_dead = true;
	while (lh->lh_running > 0) {
		mtx_unlock(&lowmem_mtx);
		kpause("lowmdr", 1);
		mtx_lock(&lowmem_mtx);
	}
	TAILQ_REMOVE(&lowmem_handlers, lh, lh_link);
	mtx_unlock(&lowmem_mtx);
	free(lh);
}

void
vm_lowmem_invoke(int flags)
{
	struct vm_lowmem_handler *lh, *next;

	atomic_fetch_add(&lowmem_events, 1);
	atomic_store(&lowmem_last_ms, lowmem_now_ms());
	mtx_lock(&lowmem_mtx);
	if (!lowmem_up) {
		mtx_unlock(&lowmem_mtx);
		return;
	}
	for (lh = TAILQ_FIRST(&lowmem_handlers); lh != NULL; lh = next) {
		if (lh->lh_dead) {
			next = TAILQ_NEXT(lh, lh_link);
			continue;
		}
		/* Held: neither freed nor unlinked until we are done. */
		lh->lh_running++;
		mtx_unlock(&lowmem_mtx);
		lh->lh_fn(lh->lh_arg, flags);
		mtx_lock(&lowmem_mtx);
		lh->lh_running--;
		next = TAILQ_NEXT(lh, lh_link);
	}
	mtx_unlock(&lowmem_mtx);
}

void
vm_lowmem_maybe(int flags)
{
	uint64_t last = atomic_load(&lowmem_last_ms), now = lowmem_now_ms();
	int period = atomic_load(&lowmem_period);

	if (last != 0 && now - last < (uint64_t)period * 1000)
		return;
	vm_lowmem_invoke(flags);
}

static int
sysctl_vm_lowmem_events(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	uint64_t v = atomic_load(&lowmem_events);

	return (sysctl_handle_64(oidp, &v, 0, req));
}

void
vm_lowmem_startup(void)
{
	struct sysctl_oid *vm = sysctl_node_path("vm");

	mtx_init(&lowmem_mtx, "vm lowmem", NULL, 0);
	TAILQ_INIT(&lowmem_handlers);
	atomic_store(&lowmem_period, 10);
	atomic_store(&lowmem_events, 0);
	atomic_store(&lowmem_last_ms, 0);
	lowmem_up = true;
	SYSCTL_ADD_PROC(vm, "lowmem_period", CTLTYPE_INT | CTLFLAG_RW,
	    &lowmem_period, 0, sysctl_handle_atomic_int, "I",
	    "Least time between low-memory events (s)");
	SYSCTL_ADD_PROC(vm, "lowmem_events", CTLTYPE_U64 | CTLFLAG_RD,
	    NULL, 0, sysctl_vm_lowmem_events, "QU",
	    "Low-memory events the page daemon raised");
}

void
vm_lowmem_shutdown(void)
{
	struct vm_lowmem_handler *lh;

	mtx_lock(&lowmem_mtx);
	lowmem_up = false;
	while ((lh = TAILQ_FIRST(&lowmem_handlers)) != NULL) {
		KASSERT(lh->lh_running == 0, ("%s: handler running", __func__));
		TAILQ_REMOVE(&lowmem_handlers, lh, lh_link);
		free(lh);
	}
	mtx_unlock(&lowmem_mtx);
	mtx_destroy(&lowmem_mtx);
}
