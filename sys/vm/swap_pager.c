/*
 * The swap pager: anonymous memory and POSIX shm paged to host files.
 *
 * Devices.  vm_swapon adds a host file as a swap device of its size in
 * pages; each device has a blist(9) of its slots (FreeBSD's per-device
 * sw_blist), and a slot is named globally by the device's first block
 * plus its index, so one number says where a page lives.  Allocation
 * takes a run from the device after the last one used (round robin),
 * skipping devices being removed.
 *
 * Metadata.  An object's slots are kept in a pctrie of struct swblk, one
 * per SWAP_META_PAGES page indices (FreeBSD's swblk), under the object
 * lock.  A slot and a resident page may both exist for an index: the
 * page is then a clean copy of the slot, or a dirty page whose slot is
 * stale and is replaced at its next pageout.  Whoever takes a slot away
 * from a resident clean page dirties the page (collapse, split).
 *
 * I/O.  getpages reads the page and its neighbours whose slots follow on
 * the same device (read-behind and read-ahead) with one preadv; putpages
 * takes a run of slots and writes the pages with one pwritev.  Both run
 * with the object unlocked and the pages exclusively busy: a page being
 * written cannot be freed or changed, and a thread that wants to free it
 * waits for the write (seed 001: no PG_RELEASED for swap pages, since
 * the slot cannot be reused before the write ends).
 *
 * Asynchronous writes (issue 6).  The laundry hands putpages a cluster
 * of dirty pages of one object (vm_pageout.c gathers the neighbours)
 * with VM_PAGER_PUT_ASYNC.  Each run of slots becomes a request, queued
 * for a pool of SWIO_NTHREADS I/O threads; the pages stay exclusively
 * busy and are marked VM_PAGER_PEND for the caller, who forgets them.
 * The thread that takes a request claims the pages' busy
 * (vm_page_xbusy_claim), writes them with one pwritev, then, under the
 * object lock, records the slots (or, on an error, frees them: the old
 * slot stays and the page is dirtied again) and gives each page to
 * vm_pageout_launder_done, which frees it if it is clean and unused,
 * as the laundry does after a synchronous write.  So the busy lock, not
 * the object lock, is what the write holds, and seed 001 holds as it
 * did: whoever frees a page in flight sleeps on its busy lock.
 *
 * A request holds a paging-in-progress count on its object (FreeBSD's
 * vm_object_pip_add for pageouts), dropped after the object lock: the
 * object's termination waits for it before it frees anything, and
 * collapse leaves the object alone meanwhile.  An object already dying
 * (OBJ_DEAD: its termination is past that wait) is written
 * synchronously.  At most vm.swap_async_max requests (default 4, FreeBSD's
 * nsw_wcount_async) are in flight; the laundry waits for a free one with
 * the object unlocked, since the I/O thread that frees it may need that
 * lock.  Synchronous writes (VM_PAGER_PUT_SYNC, and anything without the
 * async flag) are unchanged and done in the caller.  Shutdown stops the
 * I/O threads before the laundry: the first one to stop closes the queue
 * (swio_accept), the queued requests are drained, and a write submitted
 * afterwards is done by its caller.
 *
 * swapoff (seed 004) pages every object's slots on the device back in
 * without knowing which objects use it: it walks the list of objects
 * that have slots, takes a reference, pages in what the device holds,
 * and starts over while the device still has slots in use; busy pages
 * and contended objects are skipped and retried after a pause, so the
 * walk does not livelock on an object someone works on.  It fails with
 * ENOMEM, changing nothing, when free memory and the other devices
 * cannot hold what the device has.
 *
 * A slot allocated to a write in flight counts as used, so swapoff
 * cannot finish with it: it waits until the write is recorded and then
 * pages the page back in like any other.
 *
 * Locks: swap_mtx (devices, blists, the object list; a leaf under the
 * object lock), swio_mtx (the request queue and pool; a leaf under the
 * object lock, never held with swap_mtx), the object lock for metadata,
 * page busy for I/O.  Order: object lock, then swio_mtx or swap_mtx; an
 * I/O thread holds page busy and takes the object lock, which is the
 * usual order's exception every pager has (a thread holding an object
 * lock never sleeps on a busy page without dropping the lock first).
 */
#include <libvm.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/blist.h>
#include <sys/kernel.h>
#include <sys/kthread.h>
#include <sys/malloc.h>
#include <sys/mutex.h>
#include <sys/pctrie.h>
#include <sys/queue.h>
#include <sys/sleepqueue.h>
#include <sys/sysctl.h>
#include <pmap/pmap.h>
#include <vm/swap_pager.h>
#include <vm/vm_meter.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pageout.h>
#include <vm/vm_pager.h>
#include <uma.h>

static MALLOC_DEFINE(M_VMSWAP, "swap", "swap devices");

#define	SWAP_META_PAGES	32
#define	SWAP_RUN_MAX	VM_PAGER_MAX_RUN
#define	SWAP_NDEV_MAX	16
#define	SWAP_RA_MAX	16	/* VM_FAULT_READ_DEFAULT */

struct swblk {
	vm_pindex_t	p;			/* first index, a multiple of
						   SWAP_META_PAGES */
	swblk_t		d[SWAP_META_PAGES];	/* slots, SWAPBLK_NONE */
};

/*
 * A swap device.
 *	(s)	swap_mtx
 *	(c)	constant while on the list
 */
struct swdev {
	TAILQ_ENTRY(swdev) sw_link;	/* (s) */
	char		*sw_path;	/* (c) */
	int		sw_fd;		/* (c) */
	swblk_t		sw_first;	/* (c) first global slot */
	swblk_t		sw_nblks;	/* (c) slots */
	swblk_t		sw_used;	/* (s) slots in use */
	dev_t		sw_dev;		/* (c) the host file's identity */
	ino_t		sw_ino;		/* (c) */
	blist_t		sw_blist;	/* (s) */
	bool		sw_closing;	/* (s) swapoff under way */
};

static struct mtx swap_mtx;
static TAILQ_HEAD(, swdev) swap_devs;		/* (s) */
static int swap_ndevs;				/* (s) */
static swblk_t swap_next_first;			/* (s) next device's base */
static struct swdev *swap_cursor;		/* (s) next to allocate from */
static uint64_t swap_total;			/* (s) pages */
static uint64_t swap_used;			/* (s) pages */
static TAILQ_HEAD(, vm_object) swap_objects;	/* (s) objects with slots */
static uma_zone_t swblk_zone, swpctrie_zone;
static _Atomic bool swap_up;

/*
 * Asynchronous writes: a request is a run of busied pages of one object
 * going to consecutive slots, passed from the laundry to an I/O thread.
 *	(w)	swio_mtx
 *	(r)	the request's owner: the submitter until it is queued, then
 *		the I/O thread that took it off the queue (swio_mtx orders
 *		the hand-over)
 */
struct swio {
	TAILQ_ENTRY(swio) sio_link;	/* (w) queue or free list */
	vm_object_t	sio_object;	/* (r) paging in progress held */
	swblk_t		sio_blk;	/* (r) first slot */
	int		sio_count;	/* (r) pages */
	vm_page_t	sio_ma[VM_PAGER_MAX_RUN]; /* (r) xbusied */
};

#define	SWIO_NTHREADS	2	/* writes the host does at once */
#define	SWIO_MAX	16	/* the most vm.swap_async_max allows */

static struct mtx swio_mtx;			/* a leaf, after objects */
static struct swio swio_pool[SWIO_MAX];
static TAILQ_HEAD(, swio) swio_queue;		/* (w) waiting for a thread */
static TAILQ_HEAD(, swio) swio_free;		/* (w) */
static int swio_inflight;			/* (w) queued or being written */
static int swio_waiters;			/* (w) sleeping on swio_inflight */
static bool swio_accept;			/* (w) the threads take work */
static _Atomic int swio_pages;			/* (a) pages in flight */
static _Atomic int swio_max;			/* (a) vm.swap_async_max */
static _Atomic int swio_nwaits;			/* (a) vm.swap_async_waits */
static _Atomic int swio_delay_ms;		/* (a) debug.swap_write_delay_ms */

/* The limit on writes in flight (FreeBSD's nsw_wcount_async). */
static int
swio_limit(void)
{
	int max = atomic_load_explicit(&swio_max, memory_order_relaxed);

	return (max < 1 ? 1 : max > SWIO_MAX ? SWIO_MAX : max);
}

/* Fault injection for the tests: fail the next n reads or writes. */
static _Atomic int swap_fail_reads, swap_fail_writes;

static void *
swp_pctrie_alloc(struct pctrie *ptree __unused)
{
	return (uma_zalloc(swpctrie_zone, M_NOWAIT));
}

static void
swp_pctrie_free(struct pctrie *ptree __unused, void *node)
{
	uma_zfree(swpctrie_zone, node);
}

PCTRIE_DEFINE(SWAP, swblk, p, swp_pctrie_alloc, swp_pctrie_free);

/* ---- devices and slots ------------------------------------------------- */

static struct swdev *
swp_dev_of(swblk_t blk)
{
	struct swdev *sp;

	mtx_assert(&swap_mtx, MA_OWNED);
	TAILQ_FOREACH(sp, &swap_devs, sw_link)
		if (blk >= sp->sw_first && blk < sp->sw_first + sp->sw_nblks)
			return (sp);
	panic("%s: slot %jd on no device", __func__, (intmax_t)blk);
}

/* Take 1 to *count consecutive slots; SWAPBLK_NONE if none. */
static swblk_t
swp_alloc(int *count)
{
	struct swdev *sp, *start;
	swblk_t blk;
	int want = *count, n;

	mtx_lock(&swap_mtx);
	start = swap_cursor != NULL ? swap_cursor : TAILQ_FIRST(&swap_devs);
	sp = start;
	while (sp != NULL) {
		if (!sp->sw_closing) {
			n = 1;
			blk = blist_alloc(sp->sw_blist, &n, want);
			if (blk != SWAPBLK_NONE) {
				sp->sw_used += n;
				swap_used += (uint64_t)n;
				swap_cursor = TAILQ_NEXT(sp, sw_link);
				mtx_unlock(&swap_mtx);
				*count = n;
				return (sp->sw_first + blk);
			}
		}
		sp = TAILQ_NEXT(sp, sw_link);
		if (sp == NULL)
			sp = TAILQ_FIRST(&swap_devs);
		if (sp == start)
			break;
	}
	mtx_unlock(&swap_mtx);
	*count = 0;
	return (SWAPBLK_NONE);
}

static void
swp_free_locked(swblk_t blk, swblk_t n)
{
	struct swdev *sp;

	mtx_assert(&swap_mtx, MA_OWNED);
	sp = swp_dev_of(blk);
	blist_free(sp->sw_blist, blk - sp->sw_first, n);
	sp->sw_used -= n;
	swap_used -= (uint64_t)n;
}

static void
swp_free(swblk_t blk, swblk_t n)
{
	mtx_lock(&swap_mtx);
	swp_free_locked(blk, n);
	mtx_unlock(&swap_mtx);
}

bool
vm_swap_available(void)
{
	bool avail;

	if (!atomic_load_explicit(&swap_up, memory_order_relaxed))
		return (false);
	mtx_lock(&swap_mtx);
	avail = swap_used < swap_total;
	mtx_unlock(&swap_mtx);
	return (avail);
}

/* ---- metadata ------------------------------------------------------------ */

/* The object's list membership follows whether it has slots. */
static void
swp_object_listed(vm_object_t object, bool has)
{
	mtx_lock(&swap_mtx);
	if (has && !object->swp_listed) {
		TAILQ_INSERT_TAIL(&swap_objects, object, swp_link);
		object->swp_listed = true;
	} else if (!has && object->swp_listed) {
		TAILQ_REMOVE(&swap_objects, object, swp_link);
		object->swp_listed = false;
	}
	mtx_unlock(&swap_mtx);
}

static swblk_t
swp_meta_lookup(vm_object_t object, vm_pindex_t pindex)
{
	struct swblk *sb;

	VM_OBJECT_ASSERT_LOCKED(object);
	if (pctrie_is_empty(&object->swp_blks))
		return (SWAPBLK_NONE);
	sb = SWAP_PCTRIE_LOOKUP(&object->swp_blks,
	    rounddown(pindex, SWAP_META_PAGES));
	return (sb == NULL ? SWAPBLK_NONE : sb->d[pindex % SWAP_META_PAGES]);
}

static bool
swp_swblk_empty(const struct swblk *sb)
{
	int i;

	for (i = 0; i < SWAP_META_PAGES; i++)
		if (sb->d[i] != SWAPBLK_NONE)
			return (false);
	return (true);
}

/*
 * Set pindex's slot to blk (SWAPBLK_NONE: clear it), returning the old
 * one (the caller frees it).  ENOMEM leaves everything as it was.
 */
static int
swp_meta_set(vm_object_t object, vm_pindex_t pindex, swblk_t blk,
    swblk_t *oldp)
{
	struct swblk *sb;
	vm_pindex_t key = rounddown(pindex, SWAP_META_PAGES);
	int i;

	VM_OBJECT_ASSERT_WLOCKED(object);
	*oldp = SWAPBLK_NONE;
	sb = SWAP_PCTRIE_LOOKUP(&object->swp_blks, key);
	if (sb == NULL) {
		if (blk == SWAPBLK_NONE)
			return (0);
		sb = uma_zalloc(swblk_zone, M_NOWAIT);
		if (sb == NULL)
			return (ENOMEM);
		sb->p = key;
		for (i = 0; i < SWAP_META_PAGES; i++)
			sb->d[i] = SWAPBLK_NONE;
		if (SWAP_PCTRIE_INSERT(&object->swp_blks, sb) != 0) {
			uma_zfree(swblk_zone, sb);
			return (ENOMEM);
		}
		swp_object_listed(object, true);
	}
	*oldp = sb->d[pindex % SWAP_META_PAGES];
	sb->d[pindex % SWAP_META_PAGES] = blk;
	if (blk == SWAPBLK_NONE && swp_swblk_empty(sb)) {
		SWAP_PCTRIE_REMOVE(&object->swp_blks, key);
		uma_zfree(swblk_zone, sb);
		if (pctrie_is_empty(&object->swp_blks))
			swp_object_listed(object, false);
	}
	return (0);
}

bool
swap_pager_has_slot(vm_object_t object, vm_pindex_t pindex)
{
	return (swp_meta_lookup(object, pindex) != SWAPBLK_NONE);
}

void
swap_pager_freespace(vm_object_t object, vm_pindex_t start,
    vm_pindex_t count)
{
	struct swblk *sb;
	vm_pindex_t end, next, pi;
	int i;

	VM_OBJECT_ASSERT_WLOCKED(object);
	if (object->type != OBJT_SWAP || pctrie_is_empty(&object->swp_blks))
		return;
	end = count == 0 || start + count < start ? UINT64_MAX : start + count;
	next = rounddown(start, SWAP_META_PAGES);
	while ((sb = SWAP_PCTRIE_LOOKUP_GE(&object->swp_blks, next)) != NULL &&
	    sb->p < end) {
		next = sb->p + SWAP_META_PAGES;
		for (i = 0; i < SWAP_META_PAGES; i++) {
			pi = sb->p + (vm_pindex_t)i;
			if (sb->d[i] == SWAPBLK_NONE || pi < start || pi >= end)
				continue;
			swp_free(sb->d[i], 1);
			sb->d[i] = SWAPBLK_NONE;
		}
		if (swp_swblk_empty(sb)) {
			SWAP_PCTRIE_REMOVE(&object->swp_blks, sb->p);
			uma_zfree(swblk_zone, sb);
		}
		if (next == 0)
			break;		/* the last indices */
	}
	if (pctrie_is_empty(&object->swp_blks))
		swp_object_listed(object, false);
}

void
swap_pager_object_free(vm_object_t object)
{
	swap_pager_freespace(object, 0, 0);
}

void
swap_pager_copy(vm_object_t src, vm_object_t dst, vm_pindex_t offset)
{
	struct swblk *sb;
	vm_pindex_t pi, npi, next;
	vm_page_t m;
	swblk_t blk, old;
	int i;

	VM_OBJECT_ASSERT_WLOCKED(src);
	VM_OBJECT_ASSERT_WLOCKED(dst);
	if (src->type != OBJT_SWAP || pctrie_is_empty(&src->swp_blks))
		return;
	for (sb = SWAP_PCTRIE_LOOKUP_GE(&src->swp_blks, 0); sb != NULL;
	    sb = SWAP_PCTRIE_LOOKUP_GE(&src->swp_blks, next)) {
		next = sb->p + SWAP_META_PAGES;
		for (i = 0; i < SWAP_META_PAGES; i++) {
			if ((blk = sb->d[i]) == SWAPBLK_NONE)
				continue;
			pi = sb->p + (vm_pindex_t)i;
			if (pi < offset || (npi = pi - offset) >= dst->size)
				continue;	/* not dst's: stays with src */
			sb->d[i] = SWAPBLK_NONE;
			m = vm_page_lookup(dst, npi);
			if (m != NULL || swp_meta_lookup(dst, npi) !=
			    SWAPBLK_NONE || swp_meta_set(dst, npi, blk, &old) !=
			    0) {
				/*
				 * dst has the page (or a slot) already, or no
				 * memory for the slot: src's copy goes.  A
				 * resident clean page of dst that came from
				 * this slot loses its backing store: dirty.
				 */
				if (m != NULL && vm_page_all_valid(m) &&
				    swp_meta_lookup(dst, npi) == SWAPBLK_NONE)
					vm_page_dirty(m);
				swp_free(blk, 1);
			}
		}
		if (swp_swblk_empty(sb))
			(void)swp_meta_set(src, sb->p, SWAPBLK_NONE, &old);
	}
}

bool
swap_pager_shadowed(vm_object_t object, vm_object_t backing)
{
	struct swblk *sb;
	vm_pindex_t boff, pi;
	vm_page_t m;
	int i;

	VM_OBJECT_ASSERT_LOCKED(object);
	VM_OBJECT_ASSERT_LOCKED(backing);
	if (backing->type != OBJT_SWAP || pctrie_is_empty(&backing->swp_blks))
		return (true);
	boff = OFF_TO_IDX(object->backing_object_offset);
	for (sb = SWAP_PCTRIE_LOOKUP_GE(&backing->swp_blks,
	    rounddown(boff, SWAP_META_PAGES)); sb != NULL;
	    sb = SWAP_PCTRIE_NEXT(&backing->swp_blks, sb)) {
		for (i = 0; i < SWAP_META_PAGES; i++) {
			if (sb->d[i] == SWAPBLK_NONE ||
			    sb->p + (vm_pindex_t)i < boff)
				continue;
			pi = sb->p + (vm_pindex_t)i - boff;
			if (pi >= object->size)
				return (true);
			m = vm_page_lookup(object, pi);
			if ((m == NULL || vm_page_busied(m) ||
			    !vm_page_all_valid(m)) &&
			    swp_meta_lookup(object, pi) == SWAPBLK_NONE)
				return (false);
		}
	}
	return (true);
}

/* ---- I/O --------------------------------------------------------------- */

static int
swp_io(bool write, swblk_t blk, struct iovec *iov, int n)
{
	struct swdev *sp;
	ssize_t r;
	off_t off;
	int fd;

	if (write ? atomic_load(&swap_fail_writes) > 0 &&
	    atomic_fetch_sub(&swap_fail_writes, 1) > 0 :
	    atomic_load(&swap_fail_reads) > 0 &&
	    atomic_fetch_sub(&swap_fail_reads, 1) > 0)
		return (EIO);
	mtx_lock(&swap_mtx);
	sp = swp_dev_of(blk);
	fd = sp->sw_fd;
	off = (off_t)(blk - sp->sw_first) * PAGE_SIZE;
	mtx_unlock(&swap_mtx);
	r = vm_pager_hostio(fd, write, iov, n, off);
	if (r < 0)
		return ((int)-r);
	return (r == (ssize_t)n * PAGE_SIZE ? 0 : EIO);
}

static bool
swap_pager_haspage(vm_object_t object, vm_pindex_t pindex, int *before,
    int *after)
{
	swblk_t blk;
	int i;

	VM_OBJECT_ASSERT_LOCKED(object);
	blk = swp_meta_lookup(object, pindex);
	if (blk == SWAPBLK_NONE) {
		if (before != NULL)
			*before = 0;
		if (after != NULL)
			*after = 0;
		return (false);
	}
	if (before != NULL) {
		for (i = 1; i < SWAP_RUN_MAX && (vm_pindex_t)i <= pindex &&
		    swp_meta_lookup(object, pindex - i) == blk - i; i++)
			;
		*before = i - 1;
	}
	if (after != NULL) {
		for (i = 1; i < SWAP_RUN_MAX &&
		    swp_meta_lookup(object, pindex + i) == blk + i; i++)
			;
		*after = i - 1;
	}
	return (true);
}

static int
swap_pager_getpages(vm_object_t object, vm_page_t *ma, int count,
    int *rbehind, int *rahead)
{
	vm_page_t run[3 * SWAP_RUN_MAX];
	struct iovec iov[3 * SWAP_RUN_MAX];
	vm_pindex_t first;
	swblk_t blk;
	int nbehind, nahead, maxb, maxa, n, i, error;

	VM_OBJECT_ASSERT_WLOCKED(object);
	KASSERT(count <= SWAP_RUN_MAX, ("%s: count %d", __func__, count));
	first = ma[0]->pindex;
	blk = swp_meta_lookup(object, first);
	if (blk == SWAPBLK_NONE)
		return (VM_PAGER_FAIL);
	for (i = 1; i < count; i++)
		if (swp_meta_lookup(object, first + i) != blk + i)
			return (VM_PAGER_FAIL);
	/* Read-behind and read-ahead over the slots that follow on. */
	(void)swap_pager_haspage(object, first, &maxb, NULL);
	(void)swap_pager_haspage(object, first + count - 1, NULL, &maxa);
	maxb = rbehind != NULL ? MIN(maxb, *rbehind) : 0;
	maxa = rahead != NULL ? MIN(maxa, *rahead) : 0;
	n = vm_pager_run_alloc(object, ma, count, maxb, maxa, UINT64_MAX,
	    run, iov, &nbehind, &nahead);
	VM_OBJECT_WUNLOCK(object);
	error = swp_io(false, blk - nbehind, iov, n);
	VM_OBJECT_WLOCK(object);
	if (error == 0)
		for (i = 0; i < count; i++)
			vm_page_valid(ma[i]);
	/* The slots stay: the pages are their clean copies. */
	vm_pager_run_done(run, n, nbehind, count, error == 0);
	if (rbehind != NULL)
		*rbehind = error == 0 ? nbehind : 0;
	if (rahead != NULL)
		*rahead = error == 0 ? nahead : 0;
	if (error != 0)
		return (VM_PAGER_ERROR);
	VM_CNT_INC(v_swapin);
	VM_CNT_ADD(v_swappgsin, n);
	return (VM_PAGER_OK);
}

/*
 * Record the outcome of writing ma[0..n) to the slots from blk: on
 * success each page's slot becomes blk + j and the one it replaces is
 * freed; on an error (or no memory for the metadata) the new slots are
 * freed and the page keeps its old slot, stale once the caller dirties
 * the page again.  rtvals[j] gets each page's VM_PAGER_* result.
 * => object write-locked, the pages busied.
 */
static void
swp_put_record(vm_object_t object, vm_page_t *ma, int n, swblk_t blk,
    int error, int *rtvals)
{
	swblk_t old;
	int j;

	VM_OBJECT_ASSERT_WLOCKED(object);
	for (j = 0; j < n; j++) {
		if (error == 0 && swp_meta_set(object, ma[j]->pindex, blk + j,
		    &old) == 0) {
			if (old != SWAPBLK_NONE)
				swp_free(old, 1);
			rtvals[j] = VM_PAGER_OK;
		} else {
			swp_free(blk + j, 1);
			rtvals[j] = error != 0 ? VM_PAGER_ERROR : VM_PAGER_FAIL;
		}
	}
	if (error == 0) {
		VM_CNT_INC(v_swapout);
		VM_CNT_ADD(v_swappgsout, n);
	}
}

/*
 * Write ma[0..count) to runs of new slots (one run at a time, as the
 * space allows) in the calling thread, then record them, freeing the
 * slots they replace.
 * => object write-locked; dropped around each write.
 */
static void
swp_put_sync(vm_object_t object, vm_page_t *ma, int count, int *rtvals)
{
	struct iovec iov[VM_PAGER_MAX_RUN];
	swblk_t blk;
	int i, j, n, error;

	VM_OBJECT_ASSERT_WLOCKED(object);
	for (i = 0; i < count; i += n) {
		n = count - i;
		blk = swp_alloc(&n);
		if (blk == SWAPBLK_NONE) {
			for (j = i; j < count; j++)
				rtvals[j] = VM_PAGER_FAIL;
			return;
		}
		for (j = 0; j < n; j++) {
			iov[j].iov_base = vm_page_dmap(ma[i + j]);
			iov[j].iov_len = PAGE_SIZE;
			vm_page_undirty(ma[i + j]);
		}
		VM_OBJECT_WUNLOCK(object);
		error = swp_io(true, blk, iov, n);
		VM_OBJECT_WLOCK(object);
		swp_put_record(object, ma + i, n, blk, error, rtvals + i);
	}
}

/*
 * A request slot for an asynchronous write, waiting (with the object
 * unlocked: the I/O thread that frees a slot may need this object's lock)
 * while swio_max writes are in flight.  NULL when the I/O threads are
 * stopping: the caller writes synchronously.
 * => object write-locked; may be dropped and retaken.
 */
static struct swio *
swio_get(vm_object_t object)
{
	struct swio *sio;

	VM_OBJECT_ASSERT_WLOCKED(object);
	for (;;) {
		mtx_lock(&swio_mtx);
		if (!swio_accept) {
			mtx_unlock(&swio_mtx);
			return (NULL);
		}
		if (swio_inflight < swio_limit()) {
			sio = TAILQ_FIRST(&swio_free);
			KASSERT(sio != NULL, ("%s: %d in flight, none free",
			    __func__, swio_inflight));
			TAILQ_REMOVE(&swio_free, sio, sio_link);
			swio_inflight++;
			mtx_unlock(&swio_mtx);
			return (sio);
		}
		VM_OBJECT_WUNLOCK(object);
		atomic_fetch_add(&swio_nwaits, 1);
		while (swio_accept && swio_inflight >= swio_limit()) {
			swio_waiters++;
			msleep(&swio_inflight, &swio_mtx, PVM, "swbufa", 0);
			swio_waiters--;
		}
		mtx_unlock(&swio_mtx);
		VM_OBJECT_WLOCK(object);
	}
}

/* Give back a request slot (its write is over or never started). */
static void
swio_put(struct swio *sio)
{
	mtx_lock(&swio_mtx);
	TAILQ_INSERT_HEAD(&swio_free, sio, sio_link);
	swio_inflight--;
	if (swio_waiters > 0)
		wakeup(&swio_inflight);
	mtx_unlock(&swio_mtx);
}

/*
 * The laundry's writes (VM_PAGER_PUT_ASYNC): each run of slots becomes a
 * request for the I/O threads, its pages marked VM_PAGER_PEND and left
 * busy; the request holds a paging-in-progress count on the object, so
 * the object outlives the write (vm_object_terminate waits for it) and
 * is not collapsed meanwhile.  A dying object (its termination is past
 * that wait) and a stopping pager get synchronous writes.
 */
static void
swap_pager_putpages(vm_object_t object, vm_page_t *ma, int count, int flags,
    int *rtvals)
{
	struct swio *sio;
	swblk_t blk;
	int i, j, n;

	VM_OBJECT_ASSERT_WLOCKED(object);
	KASSERT(count <= VM_PAGER_MAX_RUN, ("%s: count %d", __func__, count));
	if ((flags & VM_PAGER_PUT_ASYNC) == 0 ||
	    (object->flags & OBJ_DEAD) != 0) {
		swp_put_sync(object, ma, count, rtvals);
		return;
	}
	/* Our own count while the lock may be dropped in swio_get. */
	vm_object_pip_add(object, 1);
	for (i = 0; i < count; i += n) {
		if ((sio = swio_get(object)) == NULL) {
			swp_put_sync(object, ma + i, count - i, rtvals + i);
			break;
		}
		n = count - i;
		blk = swp_alloc(&n);
		if (blk == SWAPBLK_NONE) {
			swio_put(sio);
			for (j = i; j < count; j++)
				rtvals[j] = VM_PAGER_FAIL;
			break;
		}
		for (j = 0; j < n; j++) {
			sio->sio_ma[j] = ma[i + j];
			vm_page_undirty(ma[i + j]);
			rtvals[i + j] = VM_PAGER_PEND;
		}
		sio->sio_object = object;
		sio->sio_blk = blk;
		sio->sio_count = n;
		vm_object_pip_add(object, 1);
		atomic_fetch_add(&swio_pages, n);
		mtx_lock(&swio_mtx);
		TAILQ_INSERT_TAIL(&swio_queue, sio, sio_link);
		wakeup_one(&swio_queue);
		mtx_unlock(&swio_mtx);
	}
	vm_object_pip_wakeup(object);
}

/*
 * Write one request and finish it: the pages become the I/O thread's
 * (their busy is claimed), are written, recorded (or re-dirtied, the
 * slots freed, on an error) and handed to the laundry's disposition.
 * The object's paging-in-progress count is dropped last, after its
 * lock: from then on the object may go.
 */
static void
swio_run(struct swio *sio)
{
	struct iovec iov[VM_PAGER_MAX_RUN];
	int rtvals[VM_PAGER_MAX_RUN];
	vm_object_t object = sio->sio_object;
	int j, n = sio->sio_count, error;

	for (j = 0; j < n; j++) {
		vm_page_xbusy_claim(sio->sio_ma[j]);
		iov[j].iov_base = vm_page_dmap(sio->sio_ma[j]);
		iov[j].iov_len = PAGE_SIZE;
	}
	/* The tests' slow disk: writes stay in flight long enough to meet. */
	if (atomic_load_explicit(&swio_delay_ms, memory_order_relaxed) > 0)
		kpause("swiodl", atomic_load(&swio_delay_ms));
	error = swp_io(true, sio->sio_blk, iov, n);
	VM_OBJECT_WLOCK(object);
	swp_put_record(object, sio->sio_ma, n, sio->sio_blk, error, rtvals);
	for (j = 0; j < n; j++)
		(void)vm_pageout_launder_done(object, sio->sio_ma[j],
		    rtvals[j]);
	VM_OBJECT_WUNLOCK(object);
	atomic_fetch_sub(&swio_pages, n);
	vm_object_pip_wakeup(object);
	swio_put(sio);
	/* A page daemon waiting on the laundry goes on. */
	vm_pageout_laundry_progress();
}

/*
 * An I/O thread: requests in order of submission.  Stopping (shutdown)
 * closes the queue to new requests, so that writes submitted after the
 * threads are gone are done by their callers, and drains what is queued.
 */
static void
swio_thread(void *arg __unused)
{
	struct swio *sio;

	mtx_lock(&swio_mtx);
	for (;;) {
		if ((sio = TAILQ_FIRST(&swio_queue)) != NULL) {
			TAILQ_REMOVE(&swio_queue, sio, sio_link);
			mtx_unlock(&swio_mtx);
			swio_run(sio);
			mtx_lock(&swio_mtx);
			continue;
		}
		if (kthread_should_stop()) {
			swio_accept = false;
			/* Submitters waiting for a slot write themselves. */
			wakeup(&swio_inflight);
			break;
		}
		msleep(&swio_queue, &swio_mtx, PVM, "swiowt", 0);
	}
	mtx_unlock(&swio_mtx);
}

/*
 * Adaptive swap-in window (libvm's choice, after Linux's swap read-ahead;
 * FreeBSD reads the fault's whole aligned block whenever the slots are
 * contiguous).  A random reader would otherwise read sixteen pages a fault
 * and use one; a reader of neighbours keeps the window open, since each
 * read-ahead page it faults on counts as a hit.
 */
static _Atomic u_int swap_ra_hits;		/* (a) since the last window */
static _Atomic int swap_ra_last = SWAP_RA_MAX;	/* (a) the last window */

void
swap_pager_ra_hit(void)
{
	atomic_fetch_add_explicit(&swap_ra_hits, 1, memory_order_relaxed);
}

int
swap_pager_ra_window(void)
{
	u_int hits = atomic_exchange_explicit(&swap_ra_hits, 0,
	    memory_order_relaxed);
	int w, last = atomic_load_explicit(&swap_ra_last,
	    memory_order_relaxed);

	if (hits == 0)
		w = MAX(last / 2, 1);
	else
		for (w = 1; w < (int)MIN(hits + 2, SWAP_RA_MAX); w <<= 1)
			;
	w = MIN(w, SWAP_RA_MAX);
	atomic_store_explicit(&swap_ra_last, w, memory_order_relaxed);
	return (w);
}

int
swap_pager_async_pages(void)
{
	return (atomic_load(&swio_pages));
}

void
swap_pager_async_wait(int timo_ms)
{
	mtx_lock(&swio_mtx);
	if (swio_inflight > 0) {
		swio_waiters++;
		msleep(&swio_inflight, &swio_mtx, PVM, "swiodn", timo_ms);
		swio_waiters--;
	}
	mtx_unlock(&swio_mtx);
}

/* ---- writable mappings of shm (D21456) ------------------------------------ */

static void
swap_pager_update_writecount(vm_object_t object, vm_offset_t start,
    vm_offset_t end)
{
	VM_OBJECT_WLOCK(object);
	object->writemappings += end - start;
	VM_OBJECT_WUNLOCK(object);
}

static void
swap_pager_release_writecount(vm_object_t object, vm_offset_t start,
    vm_offset_t end)
{
	VM_OBJECT_WLOCK(object);
	KASSERT(object->writemappings >= end - start, ("%s: object %p "
	    "writemappings %ju < %ju", __func__, (void *)object,
	    (uintmax_t)object->writemappings, (uintmax_t)(end - start)));
	object->writemappings -= end - start;
	VM_OBJECT_WUNLOCK(object);
}

const struct pagerops swappagerops = {
	.pgo_name = "swap",
	.pgo_getpages = swap_pager_getpages,
	.pgo_putpages = swap_pager_putpages,
	.pgo_haspage = swap_pager_haspage,
	.pgo_update_writecount = swap_pager_update_writecount,
	.pgo_release_writecount = swap_pager_release_writecount,
};

/* ---- swapon and swapoff ---------------------------------------------------- */

static struct swdev *
swp_dev_find(const char *path)
{
	struct swdev *sp;

	mtx_assert(&swap_mtx, MA_OWNED);
	TAILQ_FOREACH(sp, &swap_devs, sw_link)
		if (strcmp(sp->sw_path, path) == 0)
			return (sp);
	return (NULL);
}

/* The device on the host file (dev, ino), whatever name it was given. */
static struct swdev *
swp_dev_find_id(dev_t dev, ino_t ino)
{
	struct swdev *sp;

	mtx_assert(&swap_mtx, MA_OWNED);
	TAILQ_FOREACH(sp, &swap_devs, sw_link)
		if (sp->sw_dev == dev && sp->sw_ino == ino)
			return (sp);
	return (NULL);
}

/*
 * Add path as a device of size bytes.  The device is checked and put on
 * the list, closed to allocation, before the host file is sized: a
 * refused swapon (EBUSY: the same host file, under any name) never
 * touches a file in use.
 */
static int
swap_on(const char *path, uint64_t size)
{
	struct swdev *sp;
	struct stat st;
	swblk_t nblks;
	int error, fd;

	nblks = (swblk_t)(size / PAGE_SIZE);
	if (nblks < 1 || size > ((uint64_t)1 << 47))
		return (EINVAL);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return (errno);
	if (fstat(fd, &st) == -1) {
		error = errno;
		close(fd);
		return (error);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return (EINVAL);
	}
	/*
	 * The pager makes its own runs (read-ahead over the slots that
	 * follow); the host's read-ahead of a file read at random would only
	 * read what the pager did not ask for.
	 */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	sp = kmalloc(sizeof(*sp), M_VMSWAP, M_WAITOK | M_ZERO);
	sp->sw_path = kmalloc(strlen(path) + 1, M_VMSWAP, M_WAITOK);
	strcpy(sp->sw_path, path);
	sp->sw_fd = fd;
	sp->sw_nblks = nblks;
	sp->sw_dev = st.st_dev;
	sp->sw_ino = st.st_ino;
	sp->sw_closing = true;		/* not usable until sized */
	sp->sw_blist = blist_create(nblks, M_WAITOK);
	blist_free(sp->sw_blist, 0, nblks);
	mtx_lock(&swap_mtx);
	error = swp_dev_find_id(st.st_dev, st.st_ino) != NULL ||
	    swp_dev_find(path) != NULL ? EBUSY :
	    swap_ndevs >= SWAP_NDEV_MAX ? ENOSPC : 0;
	if (error == 0) {
		sp->sw_first = swap_next_first;
		swap_next_first += nblks;
		TAILQ_INSERT_TAIL(&swap_devs, sp, sw_link);
		swap_ndevs++;
	}
	mtx_unlock(&swap_mtx);
	if (error == 0 && ftruncate(fd, (off_t)nblks * PAGE_SIZE) == -1) {
		error = errno;
		mtx_lock(&swap_mtx);
		TAILQ_REMOVE(&swap_devs, sp, sw_link);
		swap_ndevs--;
		mtx_unlock(&swap_mtx);
	}
	if (error != 0) {
		blist_destroy(sp->sw_blist);
		close(fd);
		kfree(sp->sw_path, M_VMSWAP);
		kfree(sp, M_VMSWAP);
		return (error);
	}
	mtx_lock(&swap_mtx);
	sp->sw_closing = false;
	swap_total += (uint64_t)nblks;
	mtx_unlock(&swap_mtx);
	atomic_store(&swap_up, true);
	return (0);
}

__exported int
vm_swapon(const char *path, uint64_t size)
{
	if (path == NULL)
		return (EINVAL);
	if (!vm_is_booted())
		return (ENXIO);
	return (swap_on(path, size));
}

/*
 * Page object's pages on device sp back in: each becomes a resident dirty
 * page and its slot is freed.  Busy pages are left for the next pass.
 * => object write-locked.
 */
static int
swp_pagein_dev(vm_object_t object, struct swdev *sp)
{
	struct swblk *sb;
	vm_pindex_t pi;
	vm_page_t m;
	swblk_t blk, old;
	int i, r;

	VM_OBJECT_ASSERT_WLOCKED(object);
	for (;;) {
		/* The first slot on sp (the trie changes as we go). */
		for (sb = SWAP_PCTRIE_LOOKUP_GE(&object->swp_blks, 0);
		    sb != NULL; sb = SWAP_PCTRIE_NEXT(&object->swp_blks, sb)) {
			for (i = 0; i < SWAP_META_PAGES; i++) {
				blk = sb->d[i];
				if (blk != SWAPBLK_NONE && blk >= sp->sw_first &&
				    blk < sp->sw_first + sp->sw_nblks)
					break;
			}
			if (i < SWAP_META_PAGES)
				break;
		}
		if (sb == NULL)
			return (0);
		pi = sb->p + (vm_pindex_t)i;
		m = vm_page_lookup(object, pi);
		if (m != NULL) {
			if (!vm_page_tryxbusy(m))
				return (0);	/* busy: a later pass */
		} else {
			m = vm_page_alloc(object, pi, VM_ALLOC_NORMAL |
			    VM_ALLOC_NOWAIT);
			if (m == NULL)
				return (0);	/* no memory: a later pass */
			r = swap_pager_getpages(object, &m, 1, NULL, NULL);
			if (r != VM_PAGER_OK) {
				/*
				 * Unreadable: the slot stays, so that the
				 * page's next access fails (SIGBUS) rather
				 * than read zeros, and swapoff fails.
				 */
				if (vm_page_remove(m))
					vm_page_free(m);
				return (EIO);
			}
			vm_page_activate(m);
		}
		/* Resident, and the only copy from now: dirty. */
		if (vm_page_all_valid(m))
			vm_page_dirty(m);
		(void)swp_meta_set(object, pi, SWAPBLK_NONE, &old);
		if (old != SWAPBLK_NONE)
			swp_free(old, 1);
		vm_page_xunbusy(m);
	}
}

static int
swap_off(const char *path)
{
	struct swdev *sp, *osp;
	vm_object_t object;
	uint64_t others;
	int passes = 0, error = 0;

	mtx_lock(&swap_mtx);
	sp = swp_dev_find(path);
	if (sp == NULL || sp->sw_closing) {
		mtx_unlock(&swap_mtx);
		return (EINVAL);
	}
	/* Memory and the other devices must hold what sp holds. */
	others = 0;
	TAILQ_FOREACH(osp, &swap_devs, sw_link)
		if (osp != sp && !osp->sw_closing)
			others += (uint64_t)blist_avail(osp->sw_blist);
	if ((uint64_t)sp->sw_used > (uint64_t)vm_free_count() + others) {
		mtx_unlock(&swap_mtx);
		return (ENOMEM);
	}
	sp->sw_closing = true;
	while (sp->sw_used > 0) {
		/* Any object with slots: the list is short-lived work. */
		TAILQ_FOREACH(object, &swap_objects, swp_link)
			if (vm_object_reference_live(object))
				break;
		mtx_unlock(&swap_mtx);
		if (object != NULL) {
			VM_OBJECT_WLOCK(object);
			error = swp_pagein_dev(object, sp);
			/* Done with it: to the back of the list. */
			mtx_lock(&swap_mtx);
			if (object->swp_listed) {
				TAILQ_REMOVE(&swap_objects, object, swp_link);
				TAILQ_INSERT_TAIL(&swap_objects, object,
				    swp_link);
			}
			mtx_unlock(&swap_mtx);
			VM_OBJECT_WUNLOCK(object);
			vm_object_deallocate(object);
			if (error != 0) {
				/* A slot cannot be read: the device stays. */
				mtx_lock(&swap_mtx);
				sp->sw_closing = false;
				mtx_unlock(&swap_mtx);
				return (error);
			}
		}
		if (++passes % 64 == 0 || object == NULL)
			kpause("swpoff", 1);	/* busy pages: retry */
		mtx_lock(&swap_mtx);
	}
	TAILQ_REMOVE(&swap_devs, sp, sw_link);
	swap_ndevs--;
	swap_total -= (uint64_t)sp->sw_nblks;
	if (swap_cursor == sp)
		swap_cursor = NULL;
	mtx_unlock(&swap_mtx);
	blist_destroy(sp->sw_blist);
	close(sp->sw_fd);
	kfree(sp->sw_path, M_VMSWAP);
	kfree(sp, M_VMSWAP);
	return (0);
}

__exported int
vm_swapoff(const char *path)
{
	if (path == NULL)
		return (EINVAL);
	if (!vm_is_booted())
		return (ENXIO);
	return (swap_off(path));
}

/* ---- boot ---------------------------------------------------------------- */

/* vm.swap_total, vm.swap_used: arg1 is the page count, shown in bytes. */
static int
sysctl_vm_swap_bytes(struct sysctl_oid *oidp, void *arg1,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	uint64_t v;

	mtx_lock(&swap_mtx);
	v = *(uint64_t *)arg1 * PAGE_SIZE;
	mtx_unlock(&swap_mtx);
	return (sysctl_handle_64(oidp, &v, 0, req));
}

/* vm.swap_devices: one line per device, "path blocks used" (swapinfo). */
static int
sysctl_vm_swap_devices(struct sysctl_oid *oidp __unused, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	struct swdev *sp;
	char *buf, *p;
	size_t cap, len = 0;
	int error;

	cap = SWAP_NDEV_MAX * (PATH_MAX + 48) + 1;
	buf = kmalloc(cap, M_VMSWAP, M_WAITOK);
	p = buf;
	*p = '\0';
	mtx_lock(&swap_mtx);
	TAILQ_FOREACH(sp, &swap_devs, sw_link)
		len += (size_t)snprintf(buf + len, cap - len, "%s %jd %jd\n",
		    sp->sw_path, (intmax_t)sp->sw_nblks, (intmax_t)sp->sw_used);
	mtx_unlock(&swap_mtx);
	error = SYSCTL_OUT(req, buf, strlen(buf) + 1);
	kfree(buf, M_VMSWAP);
	return (error);
}

void
swap_pager_startup(void)
{
	const struct vm_config *cfg = vm_boot_config();
	struct sysctl_oid *vm = sysctl_node_path("vm");
	struct sysctl_oid *dbg;
	char name[16];
	int i;

	mtx_init(&swap_mtx, "swap", NULL, MTX_DEF);
	TAILQ_INIT(&swap_devs);
	TAILQ_INIT(&swap_objects);
	swap_ndevs = 0;
	swap_next_first = 0;
	swap_cursor = NULL;
	swap_total = swap_used = 0;
	atomic_store(&swap_fail_reads, 0);
	atomic_store(&swap_fail_writes, 0);
	swblk_zone = uma_zcreate("swblk", sizeof(struct swblk), NULL, NULL,
	    NULL, NULL, UMA_ALIGN_PTR, UMA_ZONE_VM);
	swpctrie_zone = uma_zcreate("swpctrie", pctrie_node_size(), NULL,
	    NULL, NULL, NULL, UMA_ALIGN_PTR, UMA_ZONE_VM);
	if (swblk_zone == NULL || swpctrie_zone == NULL)
		panic("%s: cannot create the swap zones", __func__);
	SYSCTL_ADD_PROC(vm, "swap_total", CTLTYPE_U64 | CTLFLAG_RD,
	    &swap_total, 0, sysctl_vm_swap_bytes, "QU",
	    "Total swap space in bytes");
	SYSCTL_ADD_PROC(vm, "swap_used", CTLTYPE_U64 | CTLFLAG_RD, &swap_used,
	    0, sysctl_vm_swap_bytes, "QU", "Swap space in use in bytes");
	SYSCTL_ADD_PROC(vm, "swap_devices", CTLTYPE_STRING | CTLFLAG_RD, NULL,
	    0, sysctl_vm_swap_devices, "A",
	    "Swap devices, one per line: path, pages, pages in use");
	dbg = SYSCTL_ADD_NODE(NULL, "debug", "debugging knobs");
	SYSCTL_ADD_PROC(dbg, "swap_fail_reads", CTLTYPE_INT | CTLFLAG_RW,
	    &swap_fail_reads, 0, sysctl_handle_atomic_int, "I",
	    "Fail this many swap reads with EIO (tests)");
	SYSCTL_ADD_PROC(dbg, "swap_fail_writes", CTLTYPE_INT | CTLFLAG_RW,
	    &swap_fail_writes, 0, sysctl_handle_atomic_int, "I",
	    "Fail this many swap writes with EIO (tests)");
	SYSCTL_ADD_PROC(dbg, "swap_write_delay_ms", CTLTYPE_INT | CTLFLAG_RW,
	    &swio_delay_ms, 0, sysctl_handle_atomic_int, "I",
	    "Delay every asynchronous swap write by this much (tests)");
	SYSCTL_ADD_PROC(vm, "swap_async_max", CTLTYPE_INT | CTLFLAG_RW,
	    &swio_max, 0, sysctl_handle_atomic_int, "I",
	    "Most asynchronous swap writes in flight (1 to 16)");
	SYSCTL_ADD_PROC(vm, "swap_async_waits", CTLTYPE_INT | CTLFLAG_RD,
	    &swio_nwaits, 0, sysctl_handle_atomic_int, "I",
	    "Times the laundry waited for a swap write to finish");
	SYSCTL_ADD_PROC(vm, "swap_async_pages", CTLTYPE_INT | CTLFLAG_RD,
	    &swio_pages, 0, sysctl_handle_atomic_int, "I",
	    "Pages in asynchronous swap writes");
	mtx_init(&swio_mtx, "swapio", NULL, MTX_DEF);
	TAILQ_INIT(&swio_queue);
	TAILQ_INIT(&swio_free);
	for (i = 0; i < SWIO_MAX; i++)
		TAILQ_INSERT_TAIL(&swio_free, &swio_pool[i], sio_link);
	swio_inflight = swio_waiters = 0;
	swio_accept = true;
	atomic_store(&swio_pages, 0);
	atomic_store(&swio_max, 4);
	atomic_store(&swio_nwaits, 0);
	atomic_store(&swio_delay_ms, 0);
	for (i = 0; i < SWIO_NTHREADS; i++) {
		snprintf(name, sizeof(name), "swapio%d", i);
		if (kthread_add(swio_thread, NULL, &swio_queue, name, NULL) != 0)
			panic("%s: cannot start the swap I/O threads",
			    __func__);
	}
	atomic_store(&swap_up, true);
	if (cfg->swapfile != NULL && swap_on(cfg->swapfile, cfg->swapsize) != 0)
		kprintf("libvm: swap file %s could not be used\n",
		    cfg->swapfile);
}

void
swap_pager_shutdown(void)
{
	struct swdev *sp;

	atomic_store(&swap_up, false);
	/* The I/O threads were joined and drained their queue. */
	mtx_lock(&swio_mtx);
	KASSERT(swio_inflight == 0 && TAILQ_EMPTY(&swio_queue) &&
	    !swio_accept, ("%s: %d swap writes in flight", __func__,
	    swio_inflight));
	mtx_unlock(&swio_mtx);
	mtx_destroy(&swio_mtx);
	/* Every object is gone: nothing is paged out any more. */
	mtx_lock(&swap_mtx);
	KASSERT(TAILQ_EMPTY(&swap_objects), ("%s: objects still have swap",
	    __func__));
	while ((sp = TAILQ_FIRST(&swap_devs)) != NULL) {
		TAILQ_REMOVE(&swap_devs, sp, sw_link);
		mtx_unlock(&swap_mtx);
		blist_destroy(sp->sw_blist);
		close(sp->sw_fd);
		kfree(sp->sw_path, M_VMSWAP);
		kfree(sp, M_VMSWAP);
		mtx_lock(&swap_mtx);
	}
	swap_ndevs = 0;
	swap_total = swap_used = 0;
	mtx_unlock(&swap_mtx);
	mtx_destroy(&swap_mtx);
}

/* The pages of every swap device, for swap reservation (vm_swap_reserve.c). */
uint64_t
swap_pager_total_pages(void)
{
	uint64_t total;

	mtx_lock(&swap_mtx);
	total = swap_total;
	mtx_unlock(&swap_mtx);
	return (total);
}
