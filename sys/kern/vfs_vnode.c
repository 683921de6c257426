/*
 * Vnodes: the one in-core representative of each host file libvm uses.
 *
 * vn_get finds the vnode of a host file by its identity (st_dev, st_ino)
 * in a hash list, or makes one: a host descriptor of its own (upgraded to
 * read-write through /proc/self/fd when the caller's is not, so that the
 * page cache can both read and write back whatever descriptor came
 * first) and its VM object, the page cache of the file, created with the
 * vnode and destroyed with it.
 *
 * References: each descriptor holds one, and the object holds one while
 * anything maps it (vnode_pager_alloc takes it on the object's first
 * reference, the object's last going gives it back).  The last
 * reference writes the dirty pages back, sets the host file's size and
 * frees the vnode and its pages: libvm keeps no cache of unreferenced
 * vnodes (FreeBSD does; see docs/files.md).
 *
 * Lock order: vnode_hash_mtx is a leaf taken alone.  v_lock (sx) before
 * the object lock; v_interlock (mutex) after it, never held across a
 * sleep.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/vnode.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>

static MALLOC_DEFINE(M_VNODE, "vnodes", "vnodes and their paths");

static struct mtx vnode_hash_mtx;
static LIST_HEAD(, vnode) vnode_hash;
static _Atomic u_int vnode_live;	/* (a) */

void
vnode_startup(void)
{
	mtx_init(&vnode_hash_mtx, "vnode hash", NULL, MTX_DEF);
	LIST_INIT(&vnode_hash);
}

void
vnode_shutdown(void)
{
	struct vnode *vp;

	mtx_lock(&vnode_hash_mtx);
	vp = LIST_FIRST(&vnode_hash);
	mtx_unlock(&vnode_hash_mtx);
	if (vp != NULL)
		panic("%s: vnode %p (%s) still has %d references", __func__,
		    (void *)vp, vp->v_path, atomic_load(&vp->v_usecount));
	mtx_destroy(&vnode_hash_mtx);
}

u_int
vnode_count(void)
{
	return (atomic_load(&vnode_live));
}

/*
 * A read-write descriptor of the file open at fd when the host allows
 * one, else a duplicate of fd.  *modep gets its access mode.
 */
static int
vn_open_hostfd(int fd, int *modep)
{
	char path[64];
	int mode, nfd;

	mode = fcntl(fd, F_GETFL);
	if (mode == -1)
		return (-1);
	mode &= O_ACCMODE;
	if (mode != O_RDWR) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		nfd = open(path, O_RDWR | O_CLOEXEC);
		if (nfd != -1) {
			*modep = O_RDWR;
			return (nfd);
		}
	}
	*modep = mode;
	return (fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

int
vn_get(int hostfd, const char *path, struct vnode **vpp)
{
	struct vnode *vp, *nvp;
	vm_object_t object;
	struct stat st;
	int error, fd, mode;

	if (fstat(hostfd, &st) == -1)
		return (errno);
	if (S_ISDIR(st.st_mode))
		return (EISDIR);
	if (!S_ISREG(st.st_mode))
		return (ENODEV);
	mtx_lock(&vnode_hash_mtx);
	LIST_FOREACH(vp, &vnode_hash, v_hash) {
		if (vp->v_dev == st.st_dev && vp->v_ino == st.st_ino) {
			atomic_fetch_add(&vp->v_usecount, 1);
			mtx_unlock(&vnode_hash_mtx);
			*vpp = vp;
			return (0);
		}
	}
	mtx_unlock(&vnode_hash_mtx);

	/* Build a new one unlocked; a racing opener may win. */
	fd = vn_open_hostfd(hostfd, &mode);
	if (fd == -1)
		return (errno);
	nvp = kmalloc(sizeof(*nvp), M_VNODE, M_WAITOK | M_ZERO);
	nvp->v_path = kmalloc(strlen(path) + 1, M_VNODE, M_WAITOK);
	strcpy(nvp->v_path, path);
	sx_init(&nvp->v_lock, "vnode");
	mtx_init(&nvp->v_interlock, "vnode interlock", NULL, MTX_DEF);
	atomic_init(&nvp->v_usecount, 1);
	nvp->v_fd = fd;
	nvp->v_fdmode = mode;
	nvp->v_dev = st.st_dev;
	nvp->v_ino = st.st_ino;
	nvp->v_size = st.st_size;
	object = vm_object_allocate(OBJT_VNODE,
	    OFF_TO_IDX(st.st_size + PAGE_MASK));
	/* Mappings hold the references; the vnode holds the object. */
	atomic_store(&object->ref_count, 0);
	object->handle = nvp;
	object->vnp_size = st.st_size;
	nvp->v_object = object;

	mtx_lock(&vnode_hash_mtx);
	LIST_FOREACH(vp, &vnode_hash, v_hash) {
		if (vp->v_dev == st.st_dev && vp->v_ino == st.st_ino) {
			atomic_fetch_add(&vp->v_usecount, 1);
			mtx_unlock(&vnode_hash_mtx);
			error = 0;
			goto lost;
		}
	}
	LIST_INSERT_HEAD(&vnode_hash, nvp, v_hash);
	atomic_fetch_add(&vnode_live, 1);
	mtx_unlock(&vnode_hash_mtx);
	*vpp = nvp;
	return (0);
lost:
	VM_OBJECT_WLOCK(object);
	vm_object_terminate(object);
	close(nvp->v_fd);
	mtx_destroy(&nvp->v_interlock);
	sx_destroy(&nvp->v_lock);
	kfree(nvp->v_path, M_VNODE);
	kfree(nvp, M_VNODE);
	*vpp = vp;
	return (error);
}

void
vref(struct vnode *vp)
{
	int old;

	old = atomic_fetch_add(&vp->v_usecount, 1);
	KASSERT(old > 0, ("%s: vnode %p is dead", __func__, (void *)vp));
	(void)old;
}

/* The host file gets the vnode's size (growth is set lazily). */
static int
vn_sync_hostsize(struct vnode *vp)
{
	struct stat st;

	sx_assert(&vp->v_lock, SA_XLOCKED);
	if (fstat(vp->v_fd, &st) == -1)
		return (errno);
	if (st.st_size != vp->v_size && ftruncate(vp->v_fd, vp->v_size) == -1)
		return (errno);
	return (0);
}

static void
vn_destroy(struct vnode *vp)
{
	vm_object_t object = vp->v_object;

	sx_xlock(&vp->v_lock);
#ifdef INVARIANTS
	atomic_store(&vp->v_usecount, 1);	/* for the checker only */
	vnode_check(vp);
	atomic_store(&vp->v_usecount, 0);
#endif
	VM_OBJECT_WLOCK(object);
	KASSERT(atomic_load(&object->ref_count) == 0, ("%s: vnode %p object "
	    "%p still has %d references", __func__, (void *)vp,
	    (void *)object, atomic_load(&object->ref_count)));
	if (!vm_object_page_clean(object, 0, 0, OBJPC_SYNC))
		kprintf("libvm: vnode %s: write-back failed, data lost\n",
		    vp->v_path);
	(void)vn_sync_hostsize(vp);
	vm_object_terminate(object);
	sx_xunlock(&vp->v_lock);
	close(vp->v_fd);
	KASSERT(vp->v_writecount == 0, ("%s: vnode %p writecount %d",
	    __func__, (void *)vp, vp->v_writecount));
	mtx_destroy(&vp->v_interlock);
	sx_destroy(&vp->v_lock);
	kfree(vp->v_path, M_VNODE);
	kfree(vp, M_VNODE);
	atomic_fetch_sub(&vnode_live, 1);
}

void
vrele(struct vnode *vp)
{
	int old;

	old = atomic_load(&vp->v_usecount);
	while (old > 1) {
		if (atomic_compare_exchange_weak(&vp->v_usecount, &old,
		    old - 1))
			return;
	}
	/* Perhaps the last: decide under the hash lock, which vn_get
	   holds to take a reference from zero. */
	mtx_lock(&vnode_hash_mtx);
	old = atomic_fetch_sub(&vp->v_usecount, 1);
	KASSERT(old > 0, ("%s: vnode %p usecount %d", __func__, (void *)vp,
	    old));
	if (old > 1) {
		mtx_unlock(&vnode_hash_mtx);
		return;
	}
	LIST_REMOVE(vp, v_hash);
	mtx_unlock(&vnode_hash_mtx);
	vn_destroy(vp);
}

/* ---- invariants ------------------------------------------------------------ */

/*
 * INVARIANTS: vp is referenced, its object names it and agrees with it
 * on the size, and its write count is consistent with the object's
 * write mappings (a positive count when any exists).
 * => vp->v_lock held (either mode).
 */
void
vnode_check(struct vnode *vp)
{
	vm_object_t object = vp->v_object;

	sx_assert(&vp->v_lock, SA_LOCKED);
	if (atomic_load(&vp->v_usecount) <= 0)
		panic("%s: vnode %p usecount %d", __func__, (void *)vp,
		    atomic_load(&vp->v_usecount));
	VM_OBJECT_RLOCK(object);
	if (object->handle != vp || object->type != OBJT_VNODE)
		panic("%s: vnode %p object %p names %p (type %d)", __func__,
		    (void *)vp, (void *)object, object->handle, object->type);
	if ((vm_ooffset_t)vp->v_size != object->vnp_size)
		panic("%s: vnode %p size %jd, object %p %ju", __func__,
		    (void *)vp, (intmax_t)vp->v_size, (void *)object,
		    (uintmax_t)object->vnp_size);
	vm_object_check(object);
	mtx_lock(&vp->v_interlock);
	if (object->writemappings != 0 && vp->v_writecount <= 0)
		panic("%s: vnode %p has write mappings but writecount %d",
		    __func__, (void *)vp, vp->v_writecount);
	mtx_unlock(&vp->v_interlock);
	VM_OBJECT_RUNLOCK(object);
}

void
vnode_check_all(void)
{
	struct vnode *vp, *held[64];
	int i, n = 0;

	/* Hold a batch, then check each without the hash lock. */
	mtx_lock(&vnode_hash_mtx);
	LIST_FOREACH(vp, &vnode_hash, v_hash) {
		if (n == (int)nitems(held))
			break;
		atomic_fetch_add(&vp->v_usecount, 1);
		held[n++] = vp;
	}
	mtx_unlock(&vnode_hash_mtx);
	for (i = 0; i < n; i++) {
		sx_slock(&held[i]->v_lock);
		vnode_check(held[i]);
		sx_sunlock(&held[i]->v_lock);
		vrele(held[i]);
	}
}

/* ---- writers and text (D19923) ------------------------------------------ */

int
vn_add_writecount(struct vnode *vp, int delta)
{
	int error = 0;

	mtx_lock(&vp->v_interlock);
	if (delta > 0 && vp->v_writecount < 0)
		error = ETXTBSY;
	else {
		vp->v_writecount += delta;
		KASSERT(vp->v_writecount >= 0, ("%s: vnode %p writecount %d",
		    __func__, (void *)vp, vp->v_writecount));
	}
	mtx_unlock(&vp->v_interlock);
	return (error);
}

int
vn_set_text(struct vnode *vp)
{
	int error = 0;

	mtx_lock(&vp->v_interlock);
	if (vp->v_writecount > 0)
		error = ETXTBSY;
	else
		vp->v_writecount--;
	mtx_unlock(&vp->v_interlock);
	return (error);
}

void
vn_unset_text(struct vnode *vp)
{
	mtx_lock(&vp->v_interlock);
	KASSERT(vp->v_writecount < 0, ("%s: vnode %p has no text (%d)",
	    __func__, (void *)vp, vp->v_writecount));
	vp->v_writecount++;
	mtx_unlock(&vp->v_interlock);
}

struct vnode *
vm_object_vnode(vm_object_t object)
{
	vm_object_t backing;

	VM_OBJECT_RLOCK(object);
	while ((backing = object->backing_object) != NULL) {
		VM_OBJECT_RLOCK(backing);
		VM_OBJECT_RUNLOCK(object);
		object = backing;
	}
	VM_OBJECT_RUNLOCK(object);
	return (object->type == OBJT_VNODE ? object->handle : NULL);
}

void
vm_map_entry_set_vnode_text(vm_map_entry_t entry, bool add)
{
	struct vnode *vp;

	if ((entry->eflags & MAP_ENTRY_VN_EXEC) == 0 ||
	    entry->cold->object == NULL)
		return;
	vp = vm_object_vnode(entry->cold->object);
	KASSERT(vp != NULL, ("%s: text entry %p has no vnode", __func__,
	    (void *)entry));
	if (add) {
		/* A copy of an existing text reference: cannot conflict. */
		mtx_lock(&vp->v_interlock);
		KASSERT(vp->v_writecount < 0, ("%s: vnode %p writecount %d",
		    __func__, (void *)vp, vp->v_writecount));
		vp->v_writecount--;
		mtx_unlock(&vp->v_interlock);
	} else
		vn_unset_text(vp);
}

/* ---- the host descriptor --------------------------------------------------- */

int
vn_hostfd(struct vnode *vp)
{
	return (vp->v_fd);
}

void
vn_upgrade_hostfd(struct vnode *vp, int hostfd, int accmode)
{
	mtx_lock(&vp->v_interlock);
	if (vp->v_fdmode != O_RDWR && accmode == O_RDWR &&
	    dup3(hostfd, vp->v_fd, O_CLOEXEC) != -1)
		vp->v_fdmode = O_RDWR;
	mtx_unlock(&vp->v_interlock);
}

/* ---- size and sync --------------------------------------------------------------- */

/*
 * Truncate or extend to length.  The truncation counts as a writer while
 * it runs (D19923: vn_truncate bumps v_writecount around the change), so
 * a file mapped as text refuses it with ETXTBSY.
 *
 * A shrink changes the cache first and the host file second: removing
 * the pages past the end waits for their write-backs under way (they are
 * busy), so no write-back can lengthen the host file again after it was
 * cut, and write-backs that start later stop at the new size.  (That is
 * what lets the laundry write pages without the vnode lock.)  If the
 * host refuses, the old size is put back: the bytes past the new end
 * read from the host file again, as they were last written back.  A
 * growth reaches the host at the next sync (reads past the host's end
 * are zeros either way).
 */
int
vn_truncate_locked(struct vnode *vp, off_t length)
{
	off_t old = vp->v_size;
	int error = 0;

	sx_assert(&vp->v_lock, SA_XLOCKED);
	if (length < 0)
		return (EINVAL);
	if (length > VN_MAXSIZE)
		return (EFBIG);
	if ((error = vn_add_writecount(vp, 1)) != 0)
		return (error);
	vnode_pager_setsize(vp, length);
	if (length < old && ftruncate(vp->v_fd, length) == -1) {
		error = errno;
		vnode_pager_setsize(vp, old);
	}
	(void)vn_add_writecount(vp, -1);
	return (error);
}

int
vn_fsync(struct vnode *vp)
{
	vm_object_t object = vp->v_object;
	int error;
	bool ok;

	sx_xlock(&vp->v_lock);
	VM_OBJECT_WLOCK(object);
	ok = vm_object_page_clean(object, 0, 0, OBJPC_SYNC);
	VM_OBJECT_WUNLOCK(object);
	error = vn_sync_hostsize(vp);
	sx_xunlock(&vp->v_lock);
	if (!ok)
		return (EIO);
	if (error == 0 && fsync(vp->v_fd) == -1)
		error = errno;
	return (error);
}
