/*
 * Pagers: where an object's pages come from and go to (vm_pager.c).
 *
 * Each object type has a struct pagerops; the VM calls them through the
 * vm_pager_* wrappers below, which assert the locking contract.  A pager
 * moves page contents between memory and backing store: getpages fills
 * busied invalid pages, putpages writes busied dirty ones back, haspage
 * says whether the backing store holds a page at all.  The write-mapping
 * hooks (seed 000, D21456) let any pager count the bytes of writable
 * shared mappings of its objects, so that a vnode refuses text use and a
 * shm object refuses F_SEAL_WRITE while one exists.
 *
 * Pagers of this library: the default pager (no backing store:
 * everything it does not have reads as zero), the vnode pager (host
 * files, vnode_pager.c) and the swap pager (anonymous memory and POSIX
 * shm, swap_pager.c), which also counts the write mappings of shm.
 *
 * Return values of getpages and putpages (FreeBSD's): VM_PAGER_OK, BAD
 * (the page lies outside the object: SIGBUS), ERROR (I/O failed), FAIL,
 * PEND, AGAIN.
 */
#ifndef _VM_VM_PAGER_H_
#define _VM_VM_PAGER_H_

#include <sys/param.h>
#include <vm/vm_object.h>

struct vm_page;

#define	VM_PAGER_OK	0
#define	VM_PAGER_BAD	1
#define	VM_PAGER_FAIL	2
#define	VM_PAGER_PEND	3
#define	VM_PAGER_ERROR	4
#define	VM_PAGER_AGAIN	5

/* putpages flags */
#define	VM_PAGER_PUT_SYNC	0x0001	/* wait for the writes */
#define	VM_PAGER_PUT_INVAL	0x0002	/* the pages will be dropped */
/*
 * The laundry's writes (swap): the pager may finish them later.  Pages
 * whose rtval is VM_PAGER_PEND stay busy and are no longer the caller's:
 * the pager's I/O thread records them and hands each to
 * vm_pageout_launder_done when its write ends.
 */
#define	VM_PAGER_PUT_ASYNC	0x0004

/* vm_object_page_clean flags (FreeBSD's OBJPC_*) */
#define	OBJPC_SYNC	0x0001	/* synchronous writes */
#define	OBJPC_INVAL	0x0002	/* then drop the clean pages */
#define	OBJPC_NOSYNC	0x0004	/* skip MAP_NOSYNC pages */

/* The most pages one getpages or putpages call moves. */
#define	VM_PAGER_MAX_RUN	64

struct pagerops {
	const char *pgo_name;
	/*
	 * Fill ma[0..count) (exclusively busied, invalid, consecutive
	 * indices) from backing store, and up to *rbehind pages before and
	 * *rahead after them as read-behind and read-ahead, setting the
	 * counts to what it read.  The object is write-locked on entry and
	 * return; the pager may drop the lock while the pages are busy.
	 */
	int	(*pgo_getpages)(vm_object_t, struct vm_page **ma, int count,
		    int *rbehind, int *rahead);
	/*
	 * Write ma[0..count) (exclusively busied, consecutive indices,
	 * write access removed from every pmap) back; rtvals[i] gets each
	 * page's VM_PAGER_* result.  Object write-locked; may be dropped.
	 */
	void	(*pgo_putpages)(vm_object_t, struct vm_page **ma, int count,
		    int flags, int *rtvals);
	/* Does backing store hold pindex?  Object locked. */
	bool	(*pgo_haspage)(vm_object_t, vm_pindex_t pindex, int *before,
		    int *after);
	/* The last reference to a named object went (object write-locked,
	   returns with it unlocked). */
	void	(*pgo_dealloc)(vm_object_t);
	/* A writable shared mapping of [start, end) appeared / went. */
	void	(*pgo_update_writecount)(vm_object_t, vm_offset_t start,
		    vm_offset_t end);
	void	(*pgo_release_writecount)(vm_object_t, vm_offset_t start,
		    vm_offset_t end);
};

extern const struct pagerops defaultpagerops;
extern const struct pagerops swappagerops;
extern const struct pagerops vnodepagerops;
extern const struct pagerops *const pagertab[];

static inline const struct pagerops *
vm_pager_ops(vm_object_t object)
{
	return (pagertab[object->type]);
}

int	vm_pager_get_pages(vm_object_t object, struct vm_page **ma, int count,
	    int *rbehind, int *rahead);
void	vm_pager_put_pages(vm_object_t object, struct vm_page **ma, int count,
	    int flags, int *rtvals);
bool	vm_pager_has_page(vm_object_t object, vm_pindex_t pindex,
	    int *before, int *after);
void	vm_pager_update_writecount(vm_object_t object, vm_offset_t start,
	    vm_offset_t end);
void	vm_pager_release_writecount(vm_object_t object, vm_offset_t start,
	    vm_offset_t end);

/*
 * Zero the bytes of the resident page at pindex from byte pgoff on (the
 * tail of a file's or shm object's last page when its size changes).
 * => object write-locked; may sleep on the page's busy lock.
 */
void	vm_object_zero_partial(vm_object_t object, vm_pindex_t pindex,
	    int pgoff);

/*
 * For pagers: the run of a getpages around ma[0..count), with up to maxb
 * missing pages before it and maxa after it (below index limit),
 * allocated without sleeping and stopping at the first resident page or
 * failed allocation.  run[] gets the read-behind pages, ma and the
 * read-ahead pages, iov[] their memory; the run's length is returned and
 * *nbehindp and *naheadp say how many extras it has.  run and iov must
 * hold count + maxb + maxa entries.  After the I/O, vm_pager_run_done
 * makes the extras valid, inactive and unbusied (ok) or frees them.
 * => object write-locked.
 */
struct iovec;
int	vm_pager_run_alloc(vm_object_t object, struct vm_page **ma, int count,
	    int maxb, int maxa, vm_pindex_t limit, struct vm_page **run,
	    struct iovec *iov, int *nbehindp, int *naheadp);
void	vm_pager_run_done(struct vm_page **run, int n, int nbehind, int count,
	    bool ok);
/*
 * preadv/pwritev of iov[0..iovcnt) at off on host descriptor fd, short
 * transfers retried: the bytes moved (a read stops at the end of the
 * file) or -errno (a write that moves nothing is -EIO).
 */
ssize_t	vm_pager_hostio(int fd, bool write, struct iovec *iov, int iovcnt,
	    off_t off);

/*
 * Write the dirty pages of [start, end) (page indices; end 0: to the end)
 * back through the pager: true if every write succeeded.  Object
 * write-locked; dropped and retaken around the I/O.
 */
bool	vm_object_page_clean(vm_object_t object, vm_pindex_t start,
	    vm_pindex_t end, int flags);
/* msync(2) of one object range: clean, then with invalidate drop the
   clean pages.  Nothing locked.  false if a write failed. */
bool	vm_object_sync(vm_object_t object, vm_ooffset_t offset,
	    vm_size_t size, bool syncio, bool invalidate);

/*
 * read(2)/write(2) through an object's pages: the one page cache of
 * vnodes and shm objects.  [off, off + len) must lie inside the object
 * (the caller clips reads at the end of file and extends the object
 * before writes).  Missing pages are read through the pager, or zeroed
 * when the pager has nothing; a write that covers a whole page beyond
 * the old end of file (at or past zero_from) reads and zeroes nothing
 * (seed 001's fast path for extending writes).  0 or an errno (EIO from
 * the pager, ENOMEM); *donep gets the bytes moved either way.
 */
int	vm_object_rdwr(vm_object_t object, void *buf, size_t len,
	    vm_ooffset_t off, bool write, vm_ooffset_t zero_from,
	    size_t *donep);

#endif /* !_VM_VM_PAGER_H_ */
