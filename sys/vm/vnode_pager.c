/*
 * The vnode pager: host files as backing store.
 *
 * A vnode's object is the page cache of its file.  getpages reads a run
 * of pages with one preadv(2) of the vnode's host descriptor, around the
 * pages asked for: read-behind and read-ahead pages are allocated
 * (without sleeping, stopping at the first resident page or the end of
 * the file), read in the same call, and left inactive and unbusied, as
 * FreeBSD's vm_page_readahead_finish leaves them.  Whatever lies past the
 * end of the file in the last page reads as zero.  putpages writes a run
 * with one pwritev(2), never past the end of the file, so bytes a mapping
 * stored beyond the end never reach the host.
 *
 * Size: object->size is the file's size in pages (rounded up) and
 * object->vnp_size its size in bytes, both changed only by
 * vnode_pager_setsize with the vnode lock and the object lock held, so
 * the fault handler (object lock only) sees them consistent.  Shrinking
 * removes the pages past the new end from every mapping and frees them
 * (wired ones stay with their wirers: seed 001), and zeroes the tail of
 * the new last page; growing zeroes the old last page's tail, where a
 * mapping may have stored bytes that now become part of the file.
 *
 * putpages needs no vnode lock: a truncation removes the pages past the
 * new end (waiting for those being written) before it cuts the host file
 * (vn_truncate_locked), and a write-back that starts later stops at the
 * new size, so the host file is never lengthened again with old bytes.
 *
 * The I/O runs with the object unlocked and the pages exclusively busy.
 * A truncation meanwhile waits for the busy pages before removing them,
 * and getpages zeroes past the size it finds once it relocks, so a page
 * never shows bytes beyond the end of the file.
 */
#include <errno.h>
#include <string.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/vnode.h>
#include <pmap/pmap.h>
#include <vm/vm_map.h>
#include <vm/vm_meter.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pager.h>

/* Read-behind and read-ahead are clipped to this run. */
#define	VNP_MAX_RUN	(3 * VM_PAGER_MAX_RUN)

/* Zero m's bytes from byte off of the page on (a page past EOF: all). */
static void
vnode_pager_zero_tail(vm_page_t m, vm_ooffset_t pgoff)
{
	if (pgoff < PAGE_SIZE)
		pmap_zero_page_area(m, (int)pgoff, PAGE_SIZE - (int)pgoff);
}

static int
vnode_pager_getpages(vm_object_t object, vm_page_t *ma, int count,
    int *rbehind, int *rahead)
{
	struct vnode *vp = object->handle;
	vm_page_t run[VNP_MAX_RUN];
	struct iovec iov[VNP_MAX_RUN];
	vm_ooffset_t off, size;
	ssize_t got;
	int nbehind, nahead, maxb, maxa, n, i;

	VM_OBJECT_ASSERT_WLOCKED(object);
	if (ma[count - 1]->pindex >= object->size)
		return (VM_PAGER_BAD);
	maxb = rbehind != NULL ? MIN(*rbehind, (VNP_MAX_RUN - count) / 2) : 0;
	maxa = rahead != NULL ? MIN(*rahead, VNP_MAX_RUN - count - maxb) : 0;
	/* Read-ahead stops at the end of the file. */
	n = vm_pager_run_alloc(object, ma, count, maxb, maxa, object->size,
	    run, iov, &nbehind, &nahead);
	off = IDX_TO_OFF(run[0]->pindex);

	VM_OBJECT_WUNLOCK(object);
	got = vm_pager_hostio(vn_hostfd(vp), false, iov, n, (off_t)off);
	VM_OBJECT_WLOCK(object);

	if (got < 0) {
		vm_pager_run_done(run, n, nbehind, count, false);
		if (rbehind != NULL)
			*rbehind = 0;
		if (rahead != NULL)
			*rahead = 0;
		return (VM_PAGER_ERROR);
	}
	/*
	 * Past what the host returned, and past the size now (a truncation
	 * may have come while the object was unlocked), the pages are zero.
	 */
	size = MIN(off + (vm_ooffset_t)got, object->vnp_size);
	for (i = 0; i < n; i++) {
		vm_ooffset_t start = off + IDX_TO_OFF(i);

		if (size < start + PAGE_SIZE)
			vnode_pager_zero_tail(run[i], size > start ?
			    size - start : 0);
		if (i >= nbehind && i < nbehind + count)
			vm_page_valid(run[i]);
	}
	vm_pager_run_done(run, n, nbehind, count, true);
	if (rbehind != NULL)
		*rbehind = nbehind;
	if (rahead != NULL)
		*rahead = nahead;
	VM_CNT_INC(v_vnodein);
	VM_CNT_ADD(v_vnodepgsin, n);
	return (VM_PAGER_OK);
}

static void
vnode_pager_putpages(vm_object_t object, vm_page_t *ma, int count,
    int flags __unused, int *rtvals)
{
	struct vnode *vp = object->handle;
	struct iovec iov[VM_PAGER_MAX_RUN];
	vm_ooffset_t off, size;
	ssize_t put;
	int i, n;

	VM_OBJECT_ASSERT_WLOCKED(object);
	KASSERT(count <= VM_PAGER_MAX_RUN, ("%s: count %d", __func__, count));
	size = object->vnp_size;
	off = IDX_TO_OFF(ma[0]->pindex);
	/* Pages wholly past the end have nothing to write. */
	for (n = 0; n < count && off + IDX_TO_OFF(n) < size; n++) {
		iov[n].iov_base = vm_page_dmap(ma[n]);
		iov[n].iov_len = (size_t)MIN(PAGE_SIZE,
		    size - (off + IDX_TO_OFF(n)));
	}
	for (i = 0; i < count; i++) {
		vm_page_undirty(ma[i]);
		rtvals[i] = VM_PAGER_OK;
	}
	if (n == 0)
		return;
	VM_OBJECT_WUNLOCK(object);
	put = vm_pager_hostio(vn_hostfd(vp), true, iov, n, (off_t)off);
	VM_OBJECT_WLOCK(object);
	if (put < 0) {
		for (i = 0; i < n; i++)
			rtvals[i] = VM_PAGER_ERROR;
		return;
	}
	VM_CNT_INC(v_vnodeout);
	VM_CNT_ADD(v_vnodepgsout, n);
}

static bool
vnode_pager_haspage(vm_object_t object, vm_pindex_t pindex, int *before,
    int *after)
{
	VM_OBJECT_ASSERT_LOCKED(object);
	if (before != NULL)
		*before = 0;
	if (after != NULL)
		*after = 0;
	return (pindex < object->size);
}

/* The last mapping went: give back the object's vnode reference. */
static void
vnode_pager_dealloc(vm_object_t object)
{
	struct vnode *vp = object->handle;

	VM_OBJECT_ASSERT_WLOCKED(object);
	VM_OBJECT_WUNLOCK(object);
	vrele(vp);
}

/*
 * Writable shared mappings count as one writer of the vnode while any
 * exists (seed 000: writemappings).
 */
static void
vnode_pager_update_writecount(vm_object_t object, vm_offset_t start,
    vm_offset_t end)
{
	struct vnode *vp = object->handle;
	bool first;

	VM_OBJECT_WLOCK(object);
	first = object->writemappings == 0;
	object->writemappings += end - start;
	if (first) {
		mtx_lock(&vp->v_interlock);
		vp->v_writecount++;
		mtx_unlock(&vp->v_interlock);
	}
	VM_OBJECT_WUNLOCK(object);
}

static void
vnode_pager_release_writecount(vm_object_t object, vm_offset_t start,
    vm_offset_t end)
{
	struct vnode *vp = object->handle;

	VM_OBJECT_WLOCK(object);
	KASSERT(object->writemappings >= end - start, ("%s: object %p "
	    "writemappings %ju < %ju", __func__, (void *)object,
	    (uintmax_t)object->writemappings, (uintmax_t)(end - start)));
	object->writemappings -= end - start;
	if (object->writemappings == 0)
		(void)vn_add_writecount(vp, -1);
	VM_OBJECT_WUNLOCK(object);
}

const struct pagerops vnodepagerops = {
	.pgo_name = "vnode",
	.pgo_getpages = vnode_pager_getpages,
	.pgo_putpages = vnode_pager_putpages,
	.pgo_haspage = vnode_pager_haspage,
	.pgo_dealloc = vnode_pager_dealloc,
	.pgo_update_writecount = vnode_pager_update_writecount,
	.pgo_release_writecount = vnode_pager_release_writecount,
};

vm_object_t
vnode_pager_alloc(struct vnode *vp)
{
	vm_object_t object = vp->v_object;

	VM_OBJECT_WLOCK(object);
	/* The first reference since the last went takes the vnode's. */
	if (atomic_load(&object->ref_count) == 0)
		vref(vp);
	atomic_fetch_add(&object->ref_count, 1);
	VM_OBJECT_WUNLOCK(object);
	return (object);
}

void
vnode_pager_setsize(struct vnode *vp, off_t newsize)
{
	vm_object_t object = vp->v_object;
	vm_ooffset_t oldsize;
	vm_pindex_t npages;

	sx_assert(&vp->v_lock, SA_XLOCKED);
	KASSERT(newsize >= 0, ("%s: size %jd", __func__, (intmax_t)newsize));
	VM_OBJECT_WLOCK(object);
	oldsize = object->vnp_size;
	npages = OFF_TO_IDX((vm_ooffset_t)newsize + PAGE_MASK);
	if ((vm_ooffset_t)newsize < oldsize) {
		object->size = npages;
		object->vnp_size = (vm_ooffset_t)newsize;
		vm_object_page_remove(object, npages, 0, 0);
		if ((newsize & PAGE_MASK) != 0)
			vm_object_zero_partial(object, npages - 1,
			    (int)(newsize & PAGE_MASK));
	} else if ((vm_ooffset_t)newsize > oldsize) {
		if ((oldsize & PAGE_MASK) != 0)
			vm_object_zero_partial(object, OFF_TO_IDX(oldsize),
			    (int)(oldsize & PAGE_MASK));
		object->size = npages;
		object->vnp_size = (vm_ooffset_t)newsize;
	}
	VM_OBJECT_WUNLOCK(object);
	vp->v_size = newsize;
}
