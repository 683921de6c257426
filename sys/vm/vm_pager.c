/*
 * Pagers and the object-level I/O built on them.
 *
 * The pager table maps an object's type to its pagerops; the wrappers
 * check the locking contract before dispatching.  On top of the pagers
 * this file has the three operations every named object shares:
 *
 *	vm_object_rdwr		read(2)/write(2) through the object's pages,
 *				so that descriptors and mappings see one
 *				copy of the data (NetBSD's UBC, seed 002);
 *	vm_object_page_clean	write dirty pages back in runs
 *				(msync, fsync, last close);
 *	vm_object_sync		msync(2) of an object range.
 *
 * Dirty tracking: a page is dirty when its dirty bits say so or a pmap
 * has its modified bit.  Cleaning busies the page, removes write access
 * from every mapping (pmap_remove_write folds the modified bits into the
 * page), clears the dirty bits and writes; a store after that faults and
 * dirties the page again, so no modification is lost between the write
 * and the next clean.  A failed write dirties the page again.
 *
 * Locks: the object lock (write) around page lookups and state changes,
 * dropped while a pager does I/O on busied pages.  Lock order: vnode
 * lock, object lock, page busy, pmap.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/uio.h>

#include <sys/systm.h>
#include <sys/vnode.h>
#include <pmap/pmap.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pager.h>
#include <vm/swap_pager.h>

/* ---- the default pager ------------------------------------------------ */

/*
 * Objects without backing store (OBJT_DEFAULT, and the haspage answer of
 * the phys and dead types): nothing to read (a missing page is zero),
 * nothing to write.
 */
static bool
default_pager_haspage(vm_object_t object __unused, vm_pindex_t pindex __unused,
    int *before, int *after)
{
	if (before != NULL)
		*before = 0;
	if (after != NULL)
		*after = 0;
	return (false);
}

const struct pagerops defaultpagerops = {
	.pgo_name = "default",
	.pgo_haspage = default_pager_haspage,
};

static const struct pagerops physpagerops = {
	.pgo_name = "phys",
	.pgo_haspage = default_pager_haspage,
};

static const struct pagerops deadpagerops = {
	.pgo_name = "dead",
	.pgo_haspage = default_pager_haspage,
};

const struct pagerops *const pagertab[] = {
	[OBJT_DEFAULT] = &defaultpagerops,
	[OBJT_SWAP] = &swappagerops,
	[OBJT_VNODE] = &vnodepagerops,
	[OBJT_DEVICE] = &deadpagerops,
	[OBJT_PHYS] = &physpagerops,
	[OBJT_DEAD] = &deadpagerops,
};

/* ---- wrappers ---------------------------------------------------------- */

int
vm_pager_get_pages(vm_object_t object, vm_page_t *ma, int count,
    int *rbehind, int *rahead)
{
	const struct pagerops *ops = vm_pager_ops(object);
	int i, r;

	VM_OBJECT_ASSERT_WLOCKED(object);
	KASSERT(count > 0 && count <= VM_PAGER_MAX_RUN, ("%s: count %d",
	    __func__, count));
	for (i = 0; i < count; i++) {
		vm_page_assert_xbusied(ma[i]);
		KASSERT(ma[i]->object == object && (i == 0 ||
		    ma[i]->pindex == ma[0]->pindex + (vm_pindex_t)i),
		    ("%s: page %p of object %p is not in run of object %p",
		    __func__, (void *)ma[i], (void *)ma[i]->object,
		    (void *)object));
	}
	if (ops->pgo_getpages == NULL) {
		/* No backing store: the pages are zero. */
		for (i = 0; i < count; i++)
			vm_page_zero_invalid(ma[i], true);
		if (rbehind != NULL)
			*rbehind = 0;
		if (rahead != NULL)
			*rahead = 0;
		return (VM_PAGER_OK);
	}
	r = ops->pgo_getpages(object, ma, count, rbehind, rahead);
	VM_OBJECT_ASSERT_WLOCKED(object);
#ifdef INVARIANTS
	if (r == VM_PAGER_OK)
		for (i = 0; i < count; i++)
			KASSERT(vm_page_all_valid(ma[i]), ("%s: %s pager left "
			    "page %p invalid", __func__, ops->pgo_name,
			    (void *)ma[i]));
#endif
	return (r);
}

void
vm_pager_put_pages(vm_object_t object, vm_page_t *ma, int count, int flags,
    int *rtvals)
{
	const struct pagerops *ops = vm_pager_ops(object);
	int i;

	VM_OBJECT_ASSERT_WLOCKED(object);
	for (i = 0; i < count; i++)
		vm_page_assert_xbusied(ma[i]);
	if (ops->pgo_putpages == NULL) {
		for (i = 0; i < count; i++)
			rtvals[i] = VM_PAGER_FAIL;
		return;
	}
	ops->pgo_putpages(object, ma, count, flags, rtvals);
	VM_OBJECT_ASSERT_WLOCKED(object);
}

bool
vm_pager_has_page(vm_object_t object, vm_pindex_t pindex, int *before,
    int *after)
{
	VM_OBJECT_ASSERT_LOCKED(object);
	return (vm_pager_ops(object)->pgo_haspage(object, pindex, before,
	    after));
}

void
vm_pager_update_writecount(vm_object_t object, vm_offset_t start,
    vm_offset_t end)
{
	const struct pagerops *ops = vm_pager_ops(object);

	VM_OBJECT_ASSERT_UNLOCKED(object);
	if (ops->pgo_update_writecount != NULL)
		ops->pgo_update_writecount(object, start, end);
}

void
vm_pager_release_writecount(vm_object_t object, vm_offset_t start,
    vm_offset_t end)
{
	const struct pagerops *ops = vm_pager_ops(object);

	VM_OBJECT_ASSERT_UNLOCKED(object);
	if (ops->pgo_release_writecount != NULL)
		ops->pgo_release_writecount(object, start, end);
}

/* ---- sizes -------------------------------------------------------------- */

void
vm_object_zero_partial(vm_object_t object, vm_pindex_t pindex, int pgoff)
{
	vm_page_t m;

	VM_OBJECT_ASSERT_WLOCKED(object);
	for (;;) {
		m = vm_page_lookup(object, pindex);
		if (m == NULL)
			return;
		if (vm_page_tryxbusy(m))
			break;
		vm_page_busy_sleep(m, "objzer", 0);
		VM_OBJECT_WLOCK(object);
	}
	if (vm_page_all_valid(m))
		pmap_zero_page_area(m, pgoff, PAGE_SIZE - pgoff);
	vm_page_xunbusy(m);
}

/* ---- runs of pages and host I/O, for the pagers --------------------- */

int
vm_pager_run_alloc(vm_object_t object, vm_page_t *ma, int count, int maxb,
    int maxa, vm_pindex_t limit, vm_page_t *run, struct iovec *iov,
    int *nbehindp, int *naheadp)
{
	vm_pindex_t pi;
	vm_page_t m;
	int nbehind = 0, nahead = 0, n, i;

	VM_OBJECT_ASSERT_WLOCKED(object);
	/* Behind: allocated downwards, stored from the far end for now. */
	for (pi = ma[0]->pindex; nbehind < maxb && pi > 0; nbehind++) {
		pi--;
		if (vm_page_lookup(object, pi) != NULL)
			break;
		m = vm_page_alloc(object, pi, VM_ALLOC_NORMAL |
		    VM_ALLOC_NOWAIT);
		if (m == NULL)
			break;
		run[count + maxb + maxa - 1 - nbehind] = m;
	}
	for (i = 0; i < nbehind; i++)
		run[i] = run[count + maxb + maxa - nbehind + i];
	for (i = 0; i < count; i++)
		run[nbehind + i] = ma[i];
	for (pi = ma[count - 1]->pindex + 1; nahead < maxa && pi < limit;
	    pi++) {
		if (vm_page_lookup(object, pi) != NULL)
			break;
		m = vm_page_alloc(object, pi, VM_ALLOC_NORMAL |
		    VM_ALLOC_NOWAIT);
		if (m == NULL)
			break;
		run[nbehind + count + nahead++] = m;
	}
	n = nbehind + count + nahead;
	for (i = 0; i < n; i++) {
		iov[i].iov_base = vm_page_dmap(run[i]);
		iov[i].iov_len = PAGE_SIZE;
	}
	*nbehindp = nbehind;
	*naheadp = nahead;
	return (n);
}

void
vm_pager_run_done(vm_page_t *run, int n, int nbehind, int count, bool ok)
{
	vm_page_t m;
	int i;

	for (i = 0; i < n; i++) {
		if (i >= nbehind && i < nbehind + count)
			continue;	/* the caller's pages */
		m = run[i];
		if (!ok) {
			if (vm_page_remove(m))
				vm_page_free(m);
			continue;
		}
		/* As FreeBSD's vm_page_readahead_finish leaves them. */
		vm_page_valid(m);
		/* Whether a fault uses it sizes swap's next window. */
		if (m->object->type == OBJT_SWAP)
			vm_page_aflag_set(m, PGA_READAHEAD);
		vm_page_deactivate(m);
		vm_page_xunbusy(m);
	}
}

ssize_t
vm_pager_hostio(int fd, bool write, struct iovec *iov, int iovcnt, off_t off)
{
	ssize_t done = 0, r;

	while (iovcnt > 0) {
		r = write ? pwritev(fd, iov, MIN(iovcnt, IOV_MAX), off) :
		    preadv(fd, iov, MIN(iovcnt, IOV_MAX), off);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return (-errno);
		}
		if (r == 0) {
			if (write)
				return (-EIO);
			break;		/* the end of the file */
		}
		done += r;
		off += r;
		while (iovcnt > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return (done);
}

/* ---- cleaning ---------------------------------------------------------- */

/*
 * m (exclusively busied) loses write access everywhere, which folds the
 * pmaps' modified bits into its dirty bits: is it dirty?
 */
static bool
vm_page_clean_prepare(vm_page_t m)
{
	pmap_remove_write(m);
	return (atomic_load(&m->dirty) != 0);
}

/*
 * FreeBSD's vm_object_page_clean: every valid page of the range loses
 * write access, not only the dirty ones, so that a store after the scan
 * passed a page faults and marks the object again; runs of dirty pages go
 * to the pager together.  A MAP_NOSYNC page skipped with OBJPC_NOSYNC, a
 * busy page skipped without OBJPC_SYNC or a failed write leaves the
 * object marked.
 */
bool
vm_object_page_clean(vm_object_t object, vm_pindex_t start, vm_pindex_t end,
    int flags)
{
	vm_page_t ma[VM_PAGER_MAX_RUN], m, p;
	vm_pindex_t pi;
	u_int curgen;
	int rtvals[VM_PAGER_MAX_RUN], i, n;
	bool ok = true, allclean;

	VM_OBJECT_ASSERT_WLOCKED(object);
	if (vm_pager_ops(object)->pgo_putpages == NULL ||
	    !vm_object_mightbedirty(object))
		return (true);
	curgen = atomic_load(&object->dirty_generation);
	allclean = start == 0 && end == 0;
	m = vm_page_find_least(object, start);
	while (m != NULL && (end == 0 || m->pindex < end)) {
		if (!vm_page_all_valid(m) || ((flags & OBJPC_NOSYNC) != 0 &&
		    (m->oflags & VPO_NOSYNC) != 0)) {
			if (vm_page_all_valid(m))
				allclean = false;
			m = TAILQ_NEXT(m, listq);
			continue;
		}
		if (!vm_page_tryxbusy(m)) {
			pi = m->pindex;
			if ((flags & OBJPC_SYNC) == 0) {
				allclean = false;
				m = TAILQ_NEXT(m, listq);
				continue;
			}
			/* msync(MS_SYNC) must see the page written. */
			vm_page_busy_sleep(m, "vpcwai", 0);
			VM_OBJECT_WLOCK(object);
			m = vm_page_find_least(object, pi);
			continue;
		}
		if (!vm_page_clean_prepare(m)) {
			vm_page_xunbusy(m);
			m = TAILQ_NEXT(m, listq);
			continue;
		}
		/* Gather the dirty pages that follow into one write. */
		ma[0] = m;
		n = 1;
		for (p = TAILQ_NEXT(m, listq); p != NULL &&
		    n < VM_PAGER_MAX_RUN && p->pindex == m->pindex +
		    (vm_pindex_t)n && (end == 0 || p->pindex < end);
		    p = TAILQ_NEXT(p, listq)) {
			if (!vm_page_all_valid(p) || !vm_page_tryxbusy(p))
				break;
			if (!vm_page_clean_prepare(p)) {
				vm_page_xunbusy(p);
				break;
			}
			ma[n++] = p;
		}
		vm_pager_put_pages(object, ma, n, (flags & OBJPC_SYNC) != 0 ?
		    VM_PAGER_PUT_SYNC : 0, rtvals);
		for (i = 0; i < n; i++) {
			if (rtvals[i] != VM_PAGER_OK) {
				vm_page_dirty(ma[i]);
				ok = false;
			}
			vm_page_xunbusy(ma[i]);
		}
		/*
		 * The lock was dropped: find the next page afresh (the page
		 * that ended the run, if any, is looked at again: it was
		 * left write-protected and clean, or busy).
		 */
		m = vm_page_find_least(object, ma[n - 1]->pindex + 1);
	}
	if (ok && allclean)
		object->clean_generation = curgen;
	return (ok);
}

bool
vm_object_sync(vm_object_t object, vm_ooffset_t offset, vm_size_t size,
    bool syncio, bool invalidate)
{
	vm_object_t backing;
	vm_pindex_t start, end;
	struct vnode *vp;
	bool ok;

	if (object == NULL)
		return (true);
	/*
	 * The entry's object may be a shadow of the file's object (a
	 * private mapping): sync the object at the bottom, as FreeBSD
	 * does, clipping the range to it.
	 */
	VM_OBJECT_RLOCK(object);
	while ((backing = object->backing_object) != NULL) {
		VM_OBJECT_RLOCK(backing);
		offset += object->backing_object_offset;
		VM_OBJECT_RUNLOCK(object);
		object = backing;
	}
	if (IDX_TO_OFF(object->size) <= offset) {
		VM_OBJECT_RUNLOCK(object);
		return (true);
	}
	if (IDX_TO_OFF(object->size) < offset + size)
		size = IDX_TO_OFF(object->size) - offset;
	vm_object_reference(object);
	VM_OBJECT_RUNLOCK(object);

	start = OFF_TO_IDX(offset);
	end = OFF_TO_IDX(offset + size + PAGE_MASK);
	/*
	 * A file's pages are written with its vnode locked, as FreeBSD's
	 * vm_object_sync does: a truncation (which holds the lock) can then
	 * never be followed by the write-back of a page it removed, which
	 * would make the host file long again with the old bytes.
	 */
	vp = object->type == OBJT_VNODE ? object->handle : NULL;
	if (vp != NULL)
		sx_xlock(&vp->v_lock);
	VM_OBJECT_WLOCK(object);
	ok = vm_object_page_clean(object, start, end,
	    (syncio ? OBJPC_SYNC : 0) | (invalidate ? OBJPC_INVAL : 0));
	if (invalidate && object->type == OBJT_VNODE)
		vm_object_page_remove(object, start, end, OBJPR_CLEANONLY);
	VM_OBJECT_WUNLOCK(object);
	if (vp != NULL)
		sx_xunlock(&vp->v_lock);
	vm_object_deallocate(object);
	return (ok);
}

/* ---- read(2) and write(2) through the pages --------------------------- */

#define	VM_RDWR_OOM_WAITS	20
#define	VM_RDWR_OOM_TIMO_MS	50

/*
 * The page at pindex, exclusively busied and all valid, for rdwr.  A
 * page the caller will overwrite whole (fill false) is neither read nor
 * zeroed.  NULL with *errorp set on failure.
 *
 * => object write-locked; may be dropped and retaken.
 */
static vm_page_t
vm_object_rdwr_page(vm_object_t object, vm_pindex_t pindex, bool fill,
    bool beyond, int rahead, int *errorp)
{
	vm_page_t m;
	int behind, ahead, r, waits = 0;

	for (;;) {
		m = vm_page_grab(object, pindex, VM_ALLOC_NORMAL |
		    VM_ALLOC_NOWAIT | VM_ALLOC_NOCREAT);
		if (m == NULL && vm_page_lookup(object, pindex) != NULL) {
			/* Busy: wait for it, then look again. */
			m = vm_page_lookup(object, pindex);
			vm_page_busy_sleep(m, "vmordw", 0);
			VM_OBJECT_WLOCK(object);
			continue;
		}
		if (m != NULL)
			break;
		m = vm_page_alloc(object, pindex, VM_ALLOC_NORMAL |
		    VM_ALLOC_NOWAIT);
		if (m != NULL)
			break;
		/* Only waits in which no memory came count (as in faults). */
		VM_OBJECT_WUNLOCK(object);
		if (vm_wait_timo(VM_RDWR_OOM_TIMO_MS) != 0 &&
		    ++waits > VM_RDWR_OOM_WAITS) {
			VM_OBJECT_WLOCK(object);
			*errorp = ENOMEM;
			return (NULL);
		}
		VM_OBJECT_WLOCK(object);
	}
	if (vm_page_all_valid(m) || !fill)
		return (m);
	if (beyond || !vm_pager_has_page(object, pindex, NULL, NULL)) {
		vm_page_zero_invalid(m, true);
		return (m);
	}
	behind = 0;
	ahead = rahead;
	r = vm_pager_get_pages(object, &m, 1, &behind, &ahead);
	if (r != VM_PAGER_OK) {
		if (vm_page_remove(m))
			vm_page_free(m);
		*errorp = r == VM_PAGER_BAD ? EINVAL : EIO;
		return (NULL);
	}
	return (m);
}

int
vm_object_rdwr(vm_object_t object, void *buf, size_t len, vm_ooffset_t off,
    bool write, vm_ooffset_t zero_from, size_t *donep)
{
	char *p = buf;
	vm_pindex_t pindex;
	vm_page_t m;
	size_t done = 0, n;
	int error = 0, pgoff, rahead;
	bool fresh, whole;

	/*
	 * Reads of resident valid pages need only the read lock: the lock
	 * keeps the page in the object, and its contents change only under
	 * the write lock (writes) or through mappings.
	 */
	if (!write) {
		VM_OBJECT_RLOCK(object);
		while (done < len) {
			pindex = OFF_TO_IDX(off);
			m = vm_page_lookup(object, pindex);
			if (m == NULL || !vm_page_all_valid(m))
				break;
			pgoff = (int)(off & PAGE_MASK);
			n = MIN(len - done, (size_t)(PAGE_SIZE - pgoff));
			memcpy(p, (char *)vm_page_dmap(m) + pgoff, n);
			vm_page_aflag_set(m, PGA_REFERENCED);
			p += n;
			off += n;
			done += n;
		}
		VM_OBJECT_RUNLOCK(object);
		if (done == len) {
			*donep = done;
			return (0);
		}
	}

	VM_OBJECT_WLOCK(object);
	while (done < len) {
		pindex = OFF_TO_IDX(off);
		pgoff = (int)(off & PAGE_MASK);
		n = MIN(len - done, (size_t)(PAGE_SIZE - pgoff));
		KASSERT(pindex < object->size, ("%s: offset %#jx beyond object "
		    "%p of %ju pages", __func__, (uintmax_t)off,
		    (void *)object, (uintmax_t)object->size));
		whole = write && pgoff == 0 && n == PAGE_SIZE;
		rahead = (int)MIN(atop(round_page(len - done + pgoff)) - 1,
		    VM_PAGER_MAX_RUN - 1);
		m = vm_object_rdwr_page(object, pindex, !whole,
		    IDX_TO_OFF(pindex) >= zero_from, write ? 0 : rahead,
		    &error);
		if (m == NULL)
			break;
		fresh = vm_page_queue(m) == PQ_NONE;
		if (write) {
			memcpy((char *)vm_page_dmap(m) + pgoff, p, n);
			if (whole)
				vm_page_valid(m);
			vm_page_dirty(m);
			vm_object_set_writeable_dirty(object);
			/* Its swap copy (shm) is stale now. */
			swap_pager_freespace(object, pindex, 1);
		} else
			memcpy(p, (char *)vm_page_dmap(m) + pgoff, n);
		/*
		 * Pages read or written through a descriptor are queued
		 * inactive when new, so a large file streamed through
		 * read(2) does not push mapped memory out; a page used
		 * again is only marked referenced.
		 */
		if (fresh)
			vm_page_deactivate(m);
		else
			vm_page_aflag_set(m, PGA_REFERENCED);
		vm_page_xunbusy(m);
		p += n;
		off += n;
		done += n;
	}
	VM_OBJECT_WUNLOCK(object);
	*donep = done;
	return (error);
}
