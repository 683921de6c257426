/*
 * POSIX shared memory: shm_open(2), shm_unlink(2) and memfd-style seals.
 *
 * A shm object is a swap-type VM object without OBJ_ANON (so it is never
 * collapsed into a shadow) held by a struct shmfd, which keeps its size
 * in bytes, its seals and its mode.  Names live in one dictionary; an
 * anonymous object (name NULL, FreeBSD's SHM_ANON) has none.  The object
 * is the page cache: vm_pread/vm_pwrite and every mapping use its pages,
 * and a child of fork sees them through its SHARE-inherited mapping.
 *
 * Size (FreeBSD's shm_dotruncate): shrinking removes the pages past the
 * new end from every mapping and frees them (a later access there is
 * SIGBUS) and zeroes the tail of the new last page; growing zeroes the
 * old last page's tail and makes the new range read as zeros.
 *
 * Seals (FreeBSD's F_ADD_SEALS): F_SEAL_SHRINK and F_SEAL_GROW refuse
 * size changes with EPERM, F_SEAL_WRITE refuses vm_pwrite and new
 * writable shared mappings with EPERM and can only be added while no
 * writable shared mapping exists (EBUSY: the object's writemappings,
 * D21456), F_SEAL_SEAL refuses further seals.  libvm lets every shm
 * object take seals, as memfd_create(MFD_ALLOW_SEALING) objects do;
 * FreeBSD's shm_open starts objects sealed with F_SEAL_SEAL unless
 * shm_open2 is asked otherwise.
 *
 * Locking legend (struct shmfd):
 *	(c)	constant after creation
 *	(a)	atomic
 *	(s)	shm_lock (sx): size and seals; taken before the object lock
 *	(d)	shm_dict_lock
 * Lock order: shm_dict_lock, shm_lock, the object lock.
 */
#include <libvm.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/file.h>
#include <sys/malloc.h>
#include <sys/queue.h>
#include <sys/sx.h>
#include <pmap/pmap.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pager.h>

static MALLOC_DEFINE(M_SHMFD, "shmfd", "POSIX shared memory objects");

#define	SHM_NAME_MAX	1023		/* as MAXPATHLEN - 1 */
#define	SHM_SEALS_ALL	(VM_F_SEAL_SEAL | VM_F_SEAL_SHRINK | \
	VM_F_SEAL_GROW | VM_F_SEAL_WRITE)

struct shmfd {
	struct sx	shm_lock;
	_Atomic int	shm_refs;	/* (a) files and the name */
	vm_object_t	shm_object;	/* (c) referenced */
	off_t		shm_size;	/* (s) bytes */
	int		shm_seals;	/* (s) VM_F_SEAL_* */
	mode_t		shm_mode;	/* (c) */
	char		*shm_path;	/* (d) its name, NULL if none */
	LIST_ENTRY(shmfd) shm_link;	/* (d) dictionary */
};

static struct sx shm_dict_lock;
static LIST_HEAD(, shmfd) shm_dict;

void
shm_startup(void)
{
	sx_init(&shm_dict_lock, "shm dict");
	LIST_INIT(&shm_dict);
}

static void
shm_drop(struct shmfd *shmfd)
{
	vm_object_t object = shmfd->shm_object;

	if (atomic_fetch_sub(&shmfd->shm_refs, 1) > 1)
		return;
	/* Mappings may keep the object: it forgets us. */
	VM_OBJECT_WLOCK(object);
	object->handle = NULL;
	VM_OBJECT_WUNLOCK(object);
	vm_object_deallocate(object);
	sx_destroy(&shmfd->shm_lock);
	kfree(shmfd, M_SHMFD);
}

void
shm_shutdown(void)
{
	struct shmfd *shmfd;

	sx_xlock(&shm_dict_lock);
	while ((shmfd = LIST_FIRST(&shm_dict)) != NULL) {
		LIST_REMOVE(shmfd, shm_link);
		kfree(shmfd->shm_path, M_SHMFD);
		shmfd->shm_path = NULL;
		shm_drop(shmfd);
	}
	sx_xunlock(&shm_dict_lock);
	sx_destroy(&shm_dict_lock);
}

static struct shmfd *
shm_alloc(mode_t mode)
{
	struct shmfd *shmfd;

	shmfd = kmalloc(sizeof(*shmfd), M_SHMFD, M_WAITOK | M_ZERO);
	sx_init(&shmfd->shm_lock, "shm");
	atomic_init(&shmfd->shm_refs, 1);
	shmfd->shm_object = vm_object_allocate(OBJT_SWAP, 0);
	shmfd->shm_object->handle = shmfd;
	shmfd->shm_mode = mode & (S_IRWXU | S_IRWXG | S_IRWXO);
	return (shmfd);
}

static struct shmfd *
shm_lookup(const char *name)
{
	struct shmfd *shmfd;

	sx_assert(&shm_dict_lock, SA_LOCKED);
	LIST_FOREACH(shmfd, &shm_dict, shm_link)
		if (strcmp(shmfd->shm_path, name) == 0)
			return (shmfd);
	return (NULL);
}

/*
 * Set the size (FreeBSD's shm_dotruncate).
 * => shm_lock held exclusively.
 */
static int
shm_dotruncate(struct shmfd *shmfd, off_t length)
{
	vm_object_t object = shmfd->shm_object;
	vm_pindex_t npages;
	off_t old = shmfd->shm_size;
	int pgoff;

	sx_assert(&shmfd->shm_lock, SA_XLOCKED);
	if (length == old)
		return (0);
	if (length > ((off_t)1 << 47))
		return (EFBIG);
	if (length < old && (shmfd->shm_seals & VM_F_SEAL_SHRINK) != 0)
		return (EPERM);
	if (length > old && (shmfd->shm_seals & VM_F_SEAL_GROW) != 0)
		return (EPERM);
	npages = OFF_TO_IDX((vm_ooffset_t)length + PAGE_MASK);
	VM_OBJECT_WLOCK(object);
	if (length < old) {
		object->size = npages;
		vm_object_page_remove(object, npages, 0, 0);
	}
	/* The partial last page (old or new) is zero past the end. */
	pgoff = (int)(MIN(length, old) & PAGE_MASK);
	if (pgoff != 0)
		vm_object_zero_partial(object,
		    OFF_TO_IDX((vm_ooffset_t)MIN(length, old)), pgoff);
	object->size = npages;
	VM_OBJECT_WUNLOCK(object);
	shmfd->shm_size = length;
	return (0);
}

int
shm_open_file(const char *name, int oflags, int mode, int *fdp)
{
	struct shmfd *shmfd;
	int accmode, error, flag;

	accmode = oflags & O_ACCMODE;
	if (accmode != O_RDONLY && accmode != O_RDWR)
		return (EINVAL);
	if ((oflags & ~(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC |
	    O_CLOEXEC)) != 0)
		return (EINVAL);
	flag = accmode == O_RDWR ? FREAD | FWRITE : FREAD;
	if (name == NULL) {
		/* Anonymous objects must be writable (FreeBSD). */
		if (accmode != O_RDWR)
			return (EINVAL);
		shmfd = shm_alloc((mode_t)mode);
		error = falloc(DTYPE_SHM, flag, &shmops, shmfd, fdp);
		if (error != 0)
			shm_drop(shmfd);
		return (error);
	}
	if (name[0] != '/')
		return (EINVAL);
	if (strlen(name) > SHM_NAME_MAX)
		return (ENAMETOOLONG);

	sx_xlock(&shm_dict_lock);
	shmfd = shm_lookup(name);
	if (shmfd == NULL) {
		if ((oflags & O_CREAT) == 0) {
			sx_xunlock(&shm_dict_lock);
			return (ENOENT);
		}
		shmfd = shm_alloc((mode_t)mode);
		shmfd->shm_path = kmalloc(strlen(name) + 1, M_SHMFD,
		    M_WAITOK);
		strcpy(shmfd->shm_path, name);
		LIST_INSERT_HEAD(&shm_dict, shmfd, shm_link);
	} else {
		if ((oflags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
			sx_xunlock(&shm_dict_lock);
			return (EEXIST);
		}
		/*
		 * libvm has one user: the owner's permission bits decide
		 * (the creator's mode is kept, as open(2) keeps a file's).
		 */
		if (((flag & FREAD) != 0 &&
		    (shmfd->shm_mode & S_IRUSR) == 0) ||
		    ((flag & FWRITE) != 0 &&
		    (shmfd->shm_mode & S_IWUSR) == 0)) {
			sx_xunlock(&shm_dict_lock);
			return (EACCES);
		}
		if ((oflags & O_TRUNC) != 0 && accmode == O_RDWR) {
			sx_xlock(&shmfd->shm_lock);
			error = shm_dotruncate(shmfd, 0);
			sx_xunlock(&shmfd->shm_lock);
			if (error != 0) {
				sx_xunlock(&shm_dict_lock);
				return (error);
			}
		}
	}
	/* The name's reference stays in the dictionary; this one is the file's. */
	atomic_fetch_add(&shmfd->shm_refs, 1);
	sx_xunlock(&shm_dict_lock);
	error = falloc(DTYPE_SHM, flag, &shmops, shmfd, fdp);
	if (error != 0)
		shm_drop(shmfd);
	return (error);
}

int
shm_unlink_name(const char *name)
{
	struct shmfd *shmfd;

	if (name[0] != '/')
		return (EINVAL);
	if (strlen(name) > SHM_NAME_MAX)
		return (ENAMETOOLONG);
	sx_xlock(&shm_dict_lock);
	shmfd = shm_lookup(name);
	if (shmfd == NULL) {
		sx_xunlock(&shm_dict_lock);
		return (ENOENT);
	}
	LIST_REMOVE(shmfd, shm_link);
	kfree(shmfd->shm_path, M_SHMFD);
	shmfd->shm_path = NULL;
	sx_xunlock(&shm_dict_lock);
	shm_drop(shmfd);
	return (0);
}

/* ---- fileops ---------------------------------------------------------------- */

static int
shm_read(struct file *fp, void *buf, size_t len, off_t off, size_t *donep)
{
	struct shmfd *shmfd = fp->f_data;
	int error;

	*donep = 0;
	sx_slock(&shmfd->shm_lock);
	if (off >= shmfd->shm_size) {
		sx_sunlock(&shmfd->shm_lock);
		return (0);
	}
	len = (size_t)MIN((off_t)len, shmfd->shm_size - off);
	error = vm_object_rdwr(shmfd->shm_object, buf, len, (vm_ooffset_t)off,
	    false, (vm_ooffset_t)shmfd->shm_size, donep);
	sx_sunlock(&shmfd->shm_lock);
	return (error);
}

/*
 * FreeBSD's shm_write for shm_open objects: a write stops at the object's
 * size (only memfd objects grow on write there).
 */
static int
shm_write(struct file *fp, const void *buf, size_t len, off_t off,
    size_t *donep)
{
	struct shmfd *shmfd = fp->f_data;
	int error = 0;

	*donep = 0;
	sx_xlock(&shmfd->shm_lock);
	if ((shmfd->shm_seals & VM_F_SEAL_WRITE) != 0)
		error = EPERM;
	else if (off < shmfd->shm_size) {
		len = (size_t)MIN((off_t)len, shmfd->shm_size - off);
		error = vm_object_rdwr(shmfd->shm_object,
		    (void *)(uintptr_t)buf, len, (vm_ooffset_t)off, true,
		    (vm_ooffset_t)shmfd->shm_size, donep);
	}
	sx_xunlock(&shmfd->shm_lock);
	return (error);
}

static int
shm_truncate(struct file *fp, off_t length)
{
	struct shmfd *shmfd = fp->f_data;
	int error;

	sx_xlock(&shmfd->shm_lock);
	error = shm_dotruncate(shmfd, length);
	sx_xunlock(&shmfd->shm_lock);
	return (error);
}

static int
shm_fsync(struct file *fp __unused)
{
	return (0);	/* memory has no backing store to sync */
}

/*
 * FreeBSD's shm_mmap: the mapping must lie inside the object (EINVAL
 * otherwise); a shared mapping with write access counts as a writer
 * (D21456) and is refused with EPERM once the object is write-sealed,
 * when shared mappings also lose write from their maximum.
 */
static int
shm_mmap(struct file *fp, vm_size_t size, vm_ooffset_t foff, int prot,
    int flags, struct file_mmap *fm)
{
	struct shmfd *shmfd = fp->f_data;
	int maxprot = VM_PROT_NONE, error = 0;
	bool writecnt;

	if ((fp->f_flag & FREAD) != 0)
		maxprot |= VM_PROT_READ | VM_PROT_EXECUTE;
	if ((fp->f_flag & FWRITE) != 0)
		maxprot |= VM_PROT_WRITE;
	writecnt = (flags & VM_MAP_SHARED) != 0 &&
	    (prot & VM_PROT_WRITE) != 0;
	sx_slock(&shmfd->shm_lock);
	if (writecnt && (shmfd->shm_seals & VM_F_SEAL_WRITE) != 0) {
		error = EPERM;
		goto out;
	}
	if (writecnt && (maxprot & VM_PROT_WRITE) == 0) {
		error = EACCES;
		goto out;
	}
	if ((flags & VM_MAP_SHARED) == 0) {
		maxprot |= VM_PROT_WRITE;	/* a private copy */
		fm->cow |= MAP_COPY_ON_WRITE;
	} else if ((shmfd->shm_seals & VM_F_SEAL_WRITE) != 0)
		maxprot &= ~VM_PROT_WRITE;
	maxprot &= fm->maxprot;
	if ((prot & maxprot) != prot) {
		error = EACCES;
		goto out;
	}
	if ((flags & VM_MAP_TEXT) != 0) {
		error = EINVAL;		/* text is a vnode's */
		goto out;
	}
	/* Past the size is allowed, as FreeBSD's shm_mmap: SIGBUS there. */
	if (foff > (vm_ooffset_t)INT64_MAX - size) {
		error = EINVAL;
		goto out;
	}
	fm->maxprot = maxprot;
	vm_object_reference(shmfd->shm_object);
	fm->object = shmfd->shm_object;
	if (writecnt) {
		vm_pager_update_writecount(fm->object, 0, size);
		fm->writecounted = true;
		fm->cow |= MAP_WRITECOUNT;
	}
out:
	sx_sunlock(&shmfd->shm_lock);
	return (error);
}

static int
shm_add_seals(struct file *fp, int seals)
{
	struct shmfd *shmfd = fp->f_data;
	vm_object_t object = shmfd->shm_object;
	int error = 0;

	if ((seals & ~SHM_SEALS_ALL) != 0)
		return (EINVAL);
	sx_xlock(&shmfd->shm_lock);
	if ((shmfd->shm_seals & VM_F_SEAL_SEAL) != 0) {
		error = EPERM;
		goto out;
	}
	if ((seals & VM_F_SEAL_WRITE) != 0 &&
	    (shmfd->shm_seals & VM_F_SEAL_WRITE) == 0) {
		VM_OBJECT_WLOCK(object);
		if (object->writemappings != 0)
			error = EBUSY;
		else
			object->flags |= OBJ_NOWRITEMAP;
		VM_OBJECT_WUNLOCK(object);
		if (error != 0)
			goto out;
	}
	shmfd->shm_seals |= seals;
out:
	sx_xunlock(&shmfd->shm_lock);
	return (error);
}

static int
shm_get_seals(struct file *fp, int *sealsp)
{
	struct shmfd *shmfd = fp->f_data;

	sx_slock(&shmfd->shm_lock);
	*sealsp = shmfd->shm_seals;
	sx_sunlock(&shmfd->shm_lock);
	return (0);
}

static void
shm_close(struct file *fp)
{
	shm_drop(fp->f_data);
}

const struct fileops shmops = {
	.fo_read = shm_read,
	.fo_write = shm_write,
	.fo_truncate = shm_truncate,
	.fo_fsync = shm_fsync,
	.fo_mmap = shm_mmap,
	.fo_add_seals = shm_add_seals,
	.fo_get_seals = shm_get_seals,
	.fo_close = shm_close,
};
