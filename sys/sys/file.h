/*
 * Open files and the descriptor table (kern_descrip.c).
 *
 * libvm has one system-wide table of descriptors (API.md): small
 * integers naming struct files, each a vnode (vfs_vnops.c) or a POSIX
 * shm object (posixshm.c) with the access it was opened for.  A file's
 * operations are a struct fileops, as FreeBSD's are.
 *
 * Locking legend:
 *	(c)	constant after creation
 *	(a)	atomic
 */
#ifndef _SYS_FILE_H_
#define _SYS_FILE_H_

#include <sys/param.h>
#include <sys/types.h>

struct file;
struct vm_object;

#define	DTYPE_VNODE	1
#define	DTYPE_SHM	8

#define	FREAD		0x0001
#define	FWRITE		0x0002

/* What fo_mmap hands back to vm_mmap. */
struct file_mmap {
	struct vm_object *object;	/* referenced, or NULL on error */
	int		maxprot;	/* in: the caller's maximum; out: what
					   the file allows of it */
	int		cow;		/* vm_map_insert flags to add */
	bool		writecounted;	/* a writable shared mapping was
					   counted (D21456) */
};

struct fileops {
	int	(*fo_read)(struct file *, void *buf, size_t len, off_t off,
		    size_t *donep);
	int	(*fo_write)(struct file *, const void *buf, size_t len,
		    off_t off, size_t *donep);
	int	(*fo_truncate)(struct file *, off_t length);
	int	(*fo_fsync)(struct file *);
	/*
	 * Check a mapping of size bytes at foff with protection prot and
	 * the mmap flags; fill fm.  The object reference and any
	 * writecount or text reference belong to the caller afterwards.
	 */
	int	(*fo_mmap)(struct file *, vm_size_t size, vm_ooffset_t foff,
		    int prot, int flags, struct file_mmap *fm);
	int	(*fo_add_seals)(struct file *, int seals);
	int	(*fo_get_seals)(struct file *, int *sealsp);
	void	(*fo_close)(struct file *);	/* the last reference */
};

struct file {
	_Atomic int	f_count;	/* (a) references */
	int		f_type;		/* (c) DTYPE_* */
	int		f_flag;		/* (c) FREAD | FWRITE */
	const struct fileops *f_ops;	/* (c) */
	void		*f_data;	/* (c) vnode or shmfd */
};

int	falloc(int type, int flag, const struct fileops *ops, void *data,
	    int *fdp);		/* installs at the lowest free descriptor */
int	fget(int fd, struct file **fpp);	/* EBADF, or a reference */
void	fdrop(struct file *fp);

u_int	file_count(void);		/* descriptors open */
void	fdesc_startup(void);
void	fdesc_shutdown(void);		/* closes every descriptor */

extern const struct fileops vnops;
extern const struct fileops shmops;
int	vn_open_file(const char *path, int oflags, int mode, int *fdp);
int	shm_open_file(const char *name, int oflags, int mode, int *fdp);
int	shm_unlink_name(const char *name);
void	shm_startup(void);
void	shm_shutdown(void);		/* unlinks every name */

#endif /* !_SYS_FILE_H_ */
