/*
 * The descriptor table and the file system calls of API.md.
 *
 * One table for the whole library (there are no processes): a growable
 * array of struct file pointers under fdesc_mtx, lowest free slot first,
 * as open(2) allocates.  fget takes a reference under the table lock, so
 * a vm_close racing with a vm_pread only drops the table's reference; the
 * file lives until the last user drops its own (fdrop), and its fo_close
 * runs then.
 *
 * The calls check their arguments and dispatch through the file's
 * fileops: vnodes (vfs_vnops.c) and POSIX shm (posixshm.c).  Every call
 * returns 0 or a positive errno.
 *
 * Lock order: fdesc_mtx is a leaf; nothing is called with it held.
 */
#include <libvm.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/file.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/mutex.h>

static MALLOC_DEFINE(M_FILE, "files", "open files and the descriptor table");

#define	NDFILE_MIN	64
#define	NDFILE_MAX	(1 << 20)	/* as kern.maxfilesperproc */

static struct mtx fdesc_mtx;
static struct file **fdesc_table;	/* (fdesc_mtx) */
static int fdesc_size;			/* (fdesc_mtx) */
static int fdesc_open;			/* (fdesc_mtx) */

void
fdesc_startup(void)
{
	mtx_init(&fdesc_mtx, "fdesc", NULL, MTX_DEF);
	fdesc_table = NULL;
	fdesc_size = 0;
	fdesc_open = 0;
}

void
fdesc_shutdown(void)
{
	struct file *fp;
	int fd;

	for (fd = 0; fd < fdesc_size; fd++) {
		mtx_lock(&fdesc_mtx);
		fp = fdesc_table[fd];
		fdesc_table[fd] = NULL;
		if (fp != NULL)
			fdesc_open--;
		mtx_unlock(&fdesc_mtx);
		if (fp != NULL)
			fdrop(fp);
	}
	if (fdesc_table != NULL)
		kfree(fdesc_table, M_FILE);
	fdesc_table = NULL;
	fdesc_size = 0;
	mtx_destroy(&fdesc_mtx);
}

u_int
file_count(void)
{
	u_int n;

	mtx_lock(&fdesc_mtx);
	n = (u_int)fdesc_open;
	mtx_unlock(&fdesc_mtx);
	return (n);
}

int
falloc(int type, int flag, const struct fileops *ops, void *data, int *fdp)
{
	struct file *fp, **ntable, **otable;
	int fd, nsize;

	fp = kmalloc(sizeof(*fp), M_FILE, M_WAITOK | M_ZERO);
	atomic_init(&fp->f_count, 1);
	fp->f_type = type;
	fp->f_flag = flag;
	fp->f_ops = ops;
	fp->f_data = data;
	mtx_lock(&fdesc_mtx);
	for (;;) {
		for (fd = 0; fd < fdesc_size; fd++)
			if (fdesc_table[fd] == NULL)
				break;
		if (fd < fdesc_size)
			break;
		if (fdesc_size >= NDFILE_MAX) {
			mtx_unlock(&fdesc_mtx);
			kfree(fp, M_FILE);
			return (EMFILE);
		}
		/* Grow without the lock held across the allocation. */
		nsize = fdesc_size == 0 ? NDFILE_MIN : fdesc_size * 2;
		mtx_unlock(&fdesc_mtx);
		ntable = kmalloc(sizeof(*ntable) * (size_t)nsize, M_FILE,
		    M_WAITOK | M_ZERO);
		mtx_lock(&fdesc_mtx);
		if (nsize <= fdesc_size) {
			mtx_unlock(&fdesc_mtx);
			kfree(ntable, M_FILE);
			mtx_lock(&fdesc_mtx);
			continue;
		}
		if (fdesc_size > 0)
			memcpy(ntable, fdesc_table,
			    sizeof(*ntable) * (size_t)fdesc_size);
		otable = fdesc_table;
		fdesc_table = ntable;
		fdesc_size = nsize;
		if (otable != NULL) {
			mtx_unlock(&fdesc_mtx);
			kfree(otable, M_FILE);
			mtx_lock(&fdesc_mtx);
		}
	}
	fdesc_table[fd] = fp;
	fdesc_open++;
	mtx_unlock(&fdesc_mtx);
	*fdp = fd;
	return (0);
}

int
fget(int fd, struct file **fpp)
{
	struct file *fp = NULL;

	mtx_lock(&fdesc_mtx);
	if (fd >= 0 && fd < fdesc_size)
		fp = fdesc_table[fd];
	if (fp != NULL)
		atomic_fetch_add(&fp->f_count, 1);
	mtx_unlock(&fdesc_mtx);
	if (fp == NULL)
		return (EBADF);
	*fpp = fp;
	return (0);
}

void
fdrop(struct file *fp)
{
	int old;

	old = atomic_fetch_sub(&fp->f_count, 1);
	KASSERT(old > 0, ("%s: file %p count %d", __func__, (void *)fp, old));
	if (old > 1)
		return;
	fp->f_ops->fo_close(fp);
	kfree(fp, M_FILE);
}

/* ---- the calls ----------------------------------------------------------- */

__exported int
vm_open(const char *hostpath, int oflags, int mode, int *fdp)
{
	if (hostpath == NULL || fdp == NULL)
		return (EINVAL);
	if (!vm_is_booted())
		return (ENXIO);
	return (vn_open_file(hostpath, oflags, mode, fdp));
}

__exported int
vm_shm_open(const char *name, int oflags, int mode, int *fdp)
{
	if (fdp == NULL)
		return (EINVAL);
	if (!vm_is_booted())
		return (ENXIO);
	return (shm_open_file(name, oflags, mode, fdp));
}

__exported int
vm_shm_unlink(const char *name)
{
	if (name == NULL)
		return (EINVAL);
	if (!vm_is_booted())
		return (ENXIO);
	return (shm_unlink_name(name));
}

__exported int
vm_close(int fd)
{
	struct file *fp = NULL;

	if (!vm_is_booted())
		return (EBADF);
	mtx_lock(&fdesc_mtx);
	if (fd >= 0 && fd < fdesc_size) {
		fp = fdesc_table[fd];
		fdesc_table[fd] = NULL;
		if (fp != NULL)
			fdesc_open--;
	}
	mtx_unlock(&fdesc_mtx);
	if (fp == NULL)
		return (EBADF);
	fdrop(fp);
	return (0);
}

__exported int
vm_ftruncate(int fd, off_t length)
{
	struct file *fp;
	int error;

	if (!vm_is_booted())
		return (EBADF);
	if ((error = fget(fd, &fp)) != 0)
		return (error);
	/* FreeBSD: EINVAL for a negative length or a read-only file. */
	if (length < 0 || (fp->f_flag & FWRITE) == 0)
		error = EINVAL;
	else
		error = fp->f_ops->fo_truncate(fp, length);
	fdrop(fp);
	return (error);
}

/* The checks read(2)/pread(2) and write(2)/pwrite(2) share. */
static int
vm_rw_check(int fd, const void *buf, size_t len, off_t off, size_t *donep,
    int need, struct file **fpp)
{
	struct file *fp;
	int error;

	if (donep != NULL)
		*donep = 0;
	if (!vm_is_booted())
		return (EBADF);
	if ((error = fget(fd, &fp)) != 0)
		return (error);
	if ((fp->f_flag & need) == 0) {
		fdrop(fp);
		return (EBADF);
	}
	if ((buf == NULL && len != 0) || off < 0 || len > (size_t)INT64_MAX ||
	    (off_t)len > INT64_MAX - off) {
		fdrop(fp);
		return (EINVAL);
	}
	*fpp = fp;
	return (0);
}

__exported int
vm_pread(int fd, void *buf, size_t len, off_t off, size_t *donep)
{
	struct file *fp;
	size_t done = 0;
	int error;

	if ((error = vm_rw_check(fd, buf, len, off, donep, FREAD, &fp)) != 0)
		return (error);
	if (len != 0)
		error = fp->f_ops->fo_read(fp, buf, len, off, &done);
	fdrop(fp);
	if (donep != NULL)
		*donep = done;
	/* A partial transfer reports what it moved, as read(2) does. */
	return (done > 0 ? 0 : error);
}

__exported int
vm_pwrite(int fd, const void *buf, size_t len, off_t off, size_t *donep)
{
	struct file *fp;
	size_t done = 0;
	int error;

	if ((error = vm_rw_check(fd, buf, len, off, donep, FWRITE, &fp)) !=
	    0)
		return (error);
	if (len != 0)
		error = fp->f_ops->fo_write(fp, buf, len, off, &done);
	fdrop(fp);
	if (donep != NULL)
		*donep = done;
	return (done > 0 ? 0 : error);
}

/*
 * The calls that take a descriptor and hand it to one file operation:
 * EBADF before boot or for a bad descriptor, EINVAL for a file without
 * the operation (FreeBSD's fcntl(F_ADD_SEALS) on a vnode).
 */
static int
vm_fdcall(int fd, int (*op)(struct file *, intptr_t), intptr_t arg)
{
	struct file *fp;
	int error;

	if (!vm_is_booted())
		return (EBADF);
	if ((error = fget(fd, &fp)) != 0)
		return (error);
	error = op(fp, arg);
	fdrop(fp);
	return (error);
}

static int
fsync_op(struct file *fp, intptr_t arg __unused)
{
	return (fp->f_ops->fo_fsync(fp));
}

static int
add_seals_op(struct file *fp, intptr_t seals)
{
	return (fp->f_ops->fo_add_seals != NULL ?
	    fp->f_ops->fo_add_seals(fp, (int)seals) : EINVAL);
}

static int
get_seals_op(struct file *fp, intptr_t sealsp)
{
	return (fp->f_ops->fo_get_seals != NULL ?
	    fp->f_ops->fo_get_seals(fp, (int *)sealsp) : EINVAL);
}

__exported int
vm_fsync(int fd)
{
	return (vm_fdcall(fd, fsync_op, 0));
}

__exported int
vm_add_seals(int fd, int seals)
{
	return (vm_fdcall(fd, add_seals_op, seals));
}

__exported int
vm_get_seals(int fd, int *sealsp)
{
	if (sealsp == NULL)
		return (EINVAL);
	return (vm_fdcall(fd, get_seals_op, (intptr_t)sealsp));
}
