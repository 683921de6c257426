/*
 * Vnodes: one per host file identity (vfs_vnode.c).
 *
 * Every libvm descriptor and every mapping of one host regular file
 * (device and inode) share one vnode, and so one VM object: the page
 * cache of that file (vnode_pager.c).  The vnode keeps one host
 * descriptor for its I/O, opened read-write when the host allows it.
 *
 * Writers and text (seed 000, D19923): v_writecount counts writable
 * descriptors and, as one, the writable shared mappings of the object
 * (object->writemappings != 0) when positive; when negative it counts
 * text references (mappings made with VM_MAP_TEXT).  The two exclude
 * each other: a text mapping fails with ETXTBSY while there is a writer,
 * and opening for write fails with ETXTBSY while there is text.
 *
 * Locking legend:
 *	(c)	constant after creation
 *	(a)	atomic
 *	(h)	vnode_hash_mtx
 *	(i)	v_interlock
 *	(v)	v_lock (sx): held exclusively to change the size or write,
 *		shared to read; taken before the object lock
 */
#ifndef _SYS_VNODE_H_
#define _SYS_VNODE_H_

#include <sys/param.h>
#include <sys/mutex.h>
#include <sys/queue.h>
#include <sys/sx.h>
#include <sys/types.h>

struct vm_object;
struct vm_map_entry;

struct vnode {
	struct sx	v_lock;		/* the vnode lock */
	struct mtx	v_interlock;	/* writecount, host descriptor */
	_Atomic int	v_usecount;	/* (a; h to reach 0) references */
	int		v_writecount;	/* (i) writers > 0, text < 0 */
	int		v_fd;		/* (i) host descriptor for I/O */
	int		v_fdmode;	/* (i) its O_ACCMODE */
	dev_t		v_dev;		/* (c) host identity */
	ino_t		v_ino;		/* (c) */
	off_t		v_size;		/* (v) size in bytes */
	off_t		v_hostsize;	/* (v) the host file's size */
	struct vm_object *v_object;	/* (c) the page cache */
	char		*v_path;	/* (c) the path first opened */
	LIST_ENTRY(vnode) v_hash;	/* (h) */
};

/*
 * Find or create the vnode of the host file open at hostfd (a regular
 * file; hostfd is the caller's and stays the caller's).  path names it
 * for procstat.  0 with a referenced vnode, or an errno.
 */
int	vn_get(int hostfd, const char *path, struct vnode **vpp);
void	vref(struct vnode *vp);
void	vrele(struct vnode *vp);	/* the last reference writes the
					   dirty pages back and frees it */

/* Writers and text.  0, or ETXTBSY. */
int	vn_add_writecount(struct vnode *vp, int delta);
int	vn_set_text(struct vnode *vp);
void	vn_unset_text(struct vnode *vp);
/* A map entry's text reference (MAP_ENTRY_VN_EXEC): the vnode at the
   bottom of the entry's object chain.  Map locked. */
void	vm_map_entry_set_vnode_text(struct vm_map_entry *entry, bool add);

/* The host descriptor for I/O; upgrade it to read-write from hostfd. */
int	vn_hostfd(struct vnode *vp);
void	vn_upgrade_hostfd(struct vnode *vp, int hostfd, int accmode);

/* The largest file libvm handles (EFBIG past it): 2^47 bytes, the
   user address space's size. */
#define	VN_MAXSIZE	((off_t)1 << 47)

/* Size (vnode_pager.c).  vp->v_lock held exclusively. */
void	vnode_pager_setsize(struct vnode *vp, off_t newsize);
int	vn_truncate_locked(struct vnode *vp, off_t length);
int	vn_fsync(struct vnode *vp);	/* dirty pages and size to the host */

/* The object of vp with a new reference, for a mapping. */
struct vm_object *vnode_pager_alloc(struct vnode *vp);
struct vnode *vm_object_vnode(struct vm_object *object);

u_int	vnode_count(void);		/* vnodes alive */
void	vnode_check(struct vnode *vp);	/* INVARIANTS checker; v_lock held */
void	vnode_check_all(void);
void	vnode_startup(void);
void	vnode_shutdown(void);		/* every vnode must be gone */

#endif /* !_SYS_VNODE_H_ */
