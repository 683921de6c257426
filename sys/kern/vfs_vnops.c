/*
 * Files backed by host files: open(2) and the vnode fileops.
 *
 * vn_open_file opens the host file with the caller's flags, so the host
 * decides ENOENT, EACCES, EISDIR, EEXIST exactly as open(2) does, then
 * finds the file's vnode and drops the caller's host descriptor: all I/O
 * goes through the vnode's page cache.  O_TRUNC is applied through the
 * vnode (vnode_pager_setsize), not by the host, so cached pages and
 * mappings see the truncation.
 *
 * Reads and writes: vm_pread and vm_pwrite move data through the vnode's
 * object (vm_object_rdwr), under the vnode lock shared for reads and
 * exclusive for writes, which also serialises size changes.  A write past
 * the end grows the file first; the new pages need no read and, when a
 * write covers them whole, no zeroing (seed 001).
 *
 * Mapping (FreeBSD's vn_mmap): a descriptor not open for reading cannot
 * be mapped readable (EACCES); a shared mapping gets write access only
 * from a descriptor open for writing (EACCES for PROT_WRITE otherwise; a
 * private one may always write its copy).  A shared mapping whose
 * maximum protection includes write counts as a writer of the vnode
 * (D21456).  VM_MAP_TEXT maps private text and takes a text reference,
 * refused with ETXTBSY while the file has writers (D19923).
 */
#include <libvm.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/file.h>
#include <sys/vnode.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>

#define	VN_OPEN_FLAGS	(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | \
	O_NOFOLLOW | O_CLOEXEC)

int
vn_open_file(const char *path, int oflags, int mode, int *fdp)
{
	struct vnode *vp;
	int accmode, error, flag, hostfd;

	accmode = oflags & O_ACCMODE;
	if ((oflags & ~VN_OPEN_FLAGS) != 0 || accmode == O_ACCMODE)
		return (EINVAL);
	/* O_TRUNC needs write permission even with O_RDONLY (FreeBSD). */
	if ((oflags & O_TRUNC) != 0 && accmode == O_RDONLY &&
	    access(path, W_OK) == -1)
		return (errno);
	hostfd = open(path, (oflags & ~O_TRUNC) | O_CLOEXEC | O_NONBLOCK,
	    mode);
	if (hostfd == -1)
		return (errno);
	if ((error = vn_get(hostfd, path, &vp)) != 0) {
		close(hostfd);
		return (error);
	}
	flag = (accmode == O_RDONLY ? FREAD : accmode == O_WRONLY ? FWRITE :
	    FREAD | FWRITE);
	if ((flag & FWRITE) != 0 && (error = vn_add_writecount(vp, 1)) != 0) {
		close(hostfd);
		vrele(vp);
		return (error);
	}
	vn_upgrade_hostfd(vp, hostfd, accmode);
	close(hostfd);
	if ((oflags & O_TRUNC) != 0) {
		sx_xlock(&vp->v_lock);
		error = vn_truncate_locked(vp, 0);
		sx_xunlock(&vp->v_lock);
	}
	if (error == 0)
		error = falloc(DTYPE_VNODE, flag, &vnops, vp, fdp);
	if (error != 0) {
		if ((flag & FWRITE) != 0)
			(void)vn_add_writecount(vp, -1);
		vrele(vp);
	}
	return (error);
}

static int
vn_read(struct file *fp, void *buf, size_t len, off_t off, size_t *donep)
{
	struct vnode *vp = fp->f_data;
	int error;

	*donep = 0;
	sx_slock(&vp->v_lock);
	if (off >= vp->v_size) {
		sx_sunlock(&vp->v_lock);
		return (0);
	}
	len = (size_t)MIN((off_t)len, vp->v_size - off);
	error = vm_object_rdwr(vp->v_object, buf, len, (vm_ooffset_t)off,
	    false, (vm_ooffset_t)vp->v_size, donep);
	sx_sunlock(&vp->v_lock);
	return (error);
}

static int
vn_write(struct file *fp, const void *buf, size_t len, off_t off,
    size_t *donep)
{
	struct vnode *vp = fp->f_data;
	off_t oldsize, end = off + (off_t)len;
	int error;

	*donep = 0;
	if (end > VN_MAXSIZE)
		return (EFBIG);
	sx_xlock(&vp->v_lock);
	oldsize = vp->v_size;
	if (end > oldsize)
		vnode_pager_setsize(vp, end);
	error = vm_object_rdwr(vp->v_object, (void *)(uintptr_t)buf, len,
	    (vm_ooffset_t)off, true, (vm_ooffset_t)oldsize, donep);
	/* A write that failed part way leaves the file as far as it got. */
	if (error != 0 && end > oldsize)
		vnode_pager_setsize(vp, MAX(oldsize, off + (off_t)*donep));
	sx_xunlock(&vp->v_lock);
	return (error);
}

static int
vn_truncate(struct file *fp, off_t length)
{
	struct vnode *vp = fp->f_data;
	int error;

	sx_xlock(&vp->v_lock);
	error = vn_truncate_locked(vp, length);
#ifdef INVARIANTS
	vnode_check(vp);
#endif
	sx_xunlock(&vp->v_lock);
	return (error);
}

static int
vn_fsync_file(struct file *fp)
{
	return (vn_fsync(fp->f_data));
}

static int
vn_mmap(struct file *fp, vm_size_t size, vm_ooffset_t foff, int prot,
    int flags, struct file_mmap *fm)
{
	struct vnode *vp = fp->f_data;
	int maxprot = VM_PROT_EXECUTE, error;

	(void)foff;
	if ((fp->f_flag & FREAD) != 0)
		maxprot |= VM_PROT_READ;
	else if ((prot & VM_PROT_READ) != 0)
		return (EACCES);
	if ((flags & VM_MAP_SHARED) != 0) {
		if ((fp->f_flag & FWRITE) != 0)
			maxprot |= VM_PROT_WRITE;
		else if ((prot & VM_PROT_WRITE) != 0)
			return (EACCES);
	} else {
		maxprot |= VM_PROT_WRITE;
		fm->cow |= MAP_COPY_ON_WRITE;
	}
	if ((flags & VM_MAP_TEXT) != 0) {
		if ((flags & VM_MAP_SHARED) != 0)
			return (EINVAL);
		if ((error = vn_set_text(vp)) != 0)
			return (error);
		fm->cow |= MAP_VN_EXEC;
	}
	maxprot &= fm->maxprot;
	if ((prot & maxprot) != prot) {
		if ((fm->cow & MAP_VN_EXEC) != 0)
			vn_unset_text(vp);
		return (EACCES);
	}
	fm->maxprot = maxprot;
	fm->object = vnode_pager_alloc(vp);
	if ((flags & VM_MAP_SHARED) != 0 && (maxprot & VM_PROT_WRITE) != 0) {
		vm_pager_update_writecount(fm->object, 0, size);
		fm->writecounted = true;
		fm->cow |= MAP_WRITECOUNT;
	}
	return (0);
}

static int
vn_add_seals(struct file *fp __unused, int seals __unused)
{
	return (EINVAL);	/* FreeBSD: only shm objects take seals */
}

static void
vn_closefile(struct file *fp)
{
	struct vnode *vp = fp->f_data;

	if ((fp->f_flag & FWRITE) != 0)
		(void)vn_add_writecount(vp, -1);
	vrele(vp);
}

const struct fileops vnops = {
	.fo_read = vn_read,
	.fo_write = vn_write,
	.fo_truncate = vn_truncate,
	.fo_fsync = vn_fsync_file,
	.fo_mmap = vn_mmap,
	.fo_add_seals = vn_add_seals,
	.fo_close = vn_closefile,
};
