/*
 * libvm: a BSD virtual-memory system hosted in user space.
 *
 * This is the public contract (see API.md in the project's shared notes and
 * libvm(3)).  Every call returns 0 on success or a positive errno value,
 * never -1.  Every call is thread-safe from any host thread.
 *
 * The header grows as the system does; what is declared here works.
 */
#ifndef _LIBVM_H_
#define _LIBVM_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LIBVM_API
#define	LIBVM_API	__attribute__((__visibility__("default")))
#endif

typedef uint64_t	vm_offset_t;
typedef uint64_t	vm_size_t;

#define	VM_PAGE_SIZE		4096

/* ---- System ---------------------------------------------------------- */

#define	VM_PMAP_SOFT		0	/* software MMU */
#define	VM_PMAP_HOST		1	/* host MMU windows */

struct vm_config {
	uint64_t	physmem;	/* bytes of physical memory (default 256 MiB) */
	int		ncpu;		/* CPU slots for per-CPU data (default: host CPUs) */
	int		ndomain;	/* memory domains (default 1) */
	int		pmap;		/* VM_PMAP_SOFT (default) or VM_PMAP_HOST */
	uint64_t	seed;		/* random seed, 0 = from the host */
	const char	*swapfile;	/* host path of a swap file to create, or NULL */
	uint64_t	swapsize;	/* its size in bytes */
	/* libvm additions (after the API.md fields, so layouts stay compatible) */
	const char	*badpages;	/* physical addresses never to use, e.g.
					   "0x1000,0x5000" (FreeBSD's
					   vm.blacklist); NULL for none */
	const char	*pdpolicy;	/* page replacement policy: "default"
					   or "clockpro"; NULL: the
					   environment's LIBVM_PDPOLICY, else
					   "default" (vm.pdpolicy) */
};

LIBVM_API void	vm_config_init(struct vm_config *);	/* fills the defaults */
LIBVM_API int	vm_boot(const struct vm_config *);	/* EBUSY if already booted */
LIBVM_API void	vm_shutdown(void);	/* frees everything; vm_boot works again */

/*
 * sysctl(3): vm_sysctlbyname has sysctlbyname(3)'s semantics: ENOENT for an
 * unknown name, ENOMEM (with as much copied as fits) for a short buffer, a
 * NULL oldp stores the size in *oldlenp.  ENXIO while libvm is not booted.
 *
 * vm_sysctl_next stores in buf the name of the leaf following name in
 * depth-first order ("" for the first leaf); ENOENT past the last one.
 * vm_sysctl_info describes a name.
 */
LIBVM_API int	vm_sysctlbyname(const char *name, void *oldp, size_t *oldlenp,
		    const void *newp, size_t newlen);
LIBVM_API int	vm_sysctl_next(const char *name, char *buf, size_t buflen);

/*
 * Swap devices: host files (created if missing, set to size rounded down
 * to pages).  vm_swapon adds one (EBUSY if the path is already swap,
 * EINVAL below one page, ENOSPC past 16 devices, the host's errno);
 * vm_swapoff pages everything the device holds back in and removes it
 * (EINVAL if it is not swap, ENOMEM, changing nothing, when memory and
 * the other devices cannot hold it).  vm_config.swapfile adds one at
 * boot.  See vm_swapon(3).
 */
LIBVM_API int	vm_swapon(const char *path, uint64_t size);
LIBVM_API int	vm_swapoff(const char *path);

#define	VM_CTLTYPE_NODE		1
#define	VM_CTLTYPE_INT		2
#define	VM_CTLTYPE_STRING	3
#define	VM_CTLTYPE_S64		4
#define	VM_CTLTYPE_OPAQUE	5
#define	VM_CTLTYPE_UINT		6
#define	VM_CTLTYPE_LONG		7
#define	VM_CTLTYPE_ULONG	8
#define	VM_CTLTYPE_U64		9
#define	VM_CTLFLAG_RD		0x80000000u
#define	VM_CTLFLAG_WR		0x40000000u

struct vm_sysctl_info {
	int		type;		/* VM_CTLTYPE_* */
	unsigned	flags;		/* VM_CTLFLAG_RD / VM_CTLFLAG_WR */
	char		fmt[16];	/* FreeBSD format: "I", "IU", "QU", "A", ... */
	char		descr[128];
};
LIBVM_API int	vm_sysctl_info(const char *name, struct vm_sysctl_info *);

/* ---- Protection and mapping constants (FreeBSD values) -------------- */

#define	VM_PROT_NONE		0x00
#define	VM_PROT_READ		0x01
#define	VM_PROT_WRITE		0x02
#define	VM_PROT_EXEC		0x04
/*
 * FreeBSD's PROT_MAX: the maximum protection of a vm_mmap (and, with
 * vm_mprotect, a new maximum), ORed into prot.  Without it a mapping's
 * maximum is everything, or its protection when vm.imply_prot_max is set.
 */
#define	VM_PROT_MAX(prot)	((prot) << 16)
#define	VM_PROT_MAX_EXTRACT(prot) (((prot) >> 16) & 0x7)
#define	VM_PROT_EXTRACT(prot)	((prot) & 0x7)

/* ---- Address spaces ------------------------------------------------- */

/*
 * The user range of a vmspace is [VM_MIN_USER_ADDRESS, VM_MAX_USER_ADDRESS):
 * page 0 is never mapped.
 */
#define	VM_MIN_USER_ADDRESS	((vm_offset_t)VM_PAGE_SIZE)
#define	VM_MAX_USER_ADDRESS	((vm_offset_t)1 << 47)

struct vmspace;

LIBVM_API int	vmspace_create(struct vmspace **vsp);	/* empty address space */
LIBVM_API int	vmspace_fork(struct vmspace *parent, struct vmspace **childp);
		/* honours minherit; private memory is copied on write */
LIBVM_API void	vmspace_release(struct vmspace *);	/* process exit */

/* Resource limits (FreeBSD's numbers); VM_RLIM_INFINITY means none. */
#define	VM_RLIMIT_DATA		2
#define	VM_RLIMIT_STACK		3
#define	VM_RLIMIT_MEMLOCK	6
#define	VM_RLIMIT_AS		10
#define	VM_RLIM_INFINITY	UINT64_MAX

LIBVM_API int	vm_setrlimit(struct vmspace *, int resource, uint64_t cur,
		    uint64_t max);
LIBVM_API int	vm_getrlimit(struct vmspace *, int resource, uint64_t *cur,
		    uint64_t *max);

/* ---- Memory-management calls ---------------------------------------- */

#define	VM_MAP_SHARED		0x0001
#define	VM_MAP_PRIVATE		0x0002
#define	VM_MAP_FIXED		0x0010
#define	VM_MAP_STACK		0x0400
#define	VM_MAP_NOSYNC		0x0800
#define	VM_MAP_ANON		0x1000
#define	VM_MAP_ANONYMOUS	VM_MAP_ANON
#define	VM_MAP_GUARD		0x00002000
#define	VM_MAP_EXCL		0x00004000
#define	VM_MAP_NOCORE		0x00020000
#define	VM_MAP_PREFAULT_READ	0x00040000
#define	VM_MAP_32BIT		0x00080000
#define	VM_MAP_ALIGNMENT_SHIFT	24
#define	VM_MAP_ALIGNMENT_MASK	((int)(0xffu << VM_MAP_ALIGNMENT_SHIFT))
#define	VM_MAP_ALIGNED(n)	((int)((unsigned int)(n) << VM_MAP_ALIGNMENT_SHIFT))
#define	VM_MAP_ALIGNED_SUPER	VM_MAP_ALIGNED(1)
#define	VM_MAP_TEXT		0x00100000 /* libvm: private mapping of a
					   file as program text (ETXTBSY
					   while the file has writers) */
#define	VM_MAP_REMAPDUP		0x0004	/* vm_mremap: NetBSD's MAP_REMAPDUP */
#define	VM_MAP_FAILED		((vm_offset_t)-1)

#define	VM_MADV_NORMAL		0
#define	VM_MADV_RANDOM		1
#define	VM_MADV_SEQUENTIAL	2
#define	VM_MADV_WILLNEED	3
#define	VM_MADV_DONTNEED	4
#define	VM_MADV_FREE		5
#define	VM_MADV_NOSYNC		6
#define	VM_MADV_AUTOSYNC	7
#define	VM_MADV_NOCORE		8
#define	VM_MADV_CORE		9
#define	VM_MADV_PROTECT		10

#define	VM_MINCORE_INCORE		0x01
#define	VM_MINCORE_REFERENCED		0x02
#define	VM_MINCORE_MODIFIED		0x04
#define	VM_MINCORE_REFERENCED_OTHER	0x08
#define	VM_MINCORE_MODIFIED_OTHER	0x10
#define	VM_MINCORE_SUPER		0x60
#define	VM_MINCORE_PSIND(i)		(((i) << 5) & VM_MINCORE_SUPER)

#define	VM_INHERIT_SHARE	0
#define	VM_INHERIT_COPY		1
#define	VM_INHERIT_NONE		2
#define	VM_INHERIT_ZERO		3

#define	VM_MCL_CURRENT		0x0001
#define	VM_MCL_FUTURE		0x0002

#define	VM_MS_SYNC		0x0000
#define	VM_MS_ASYNC		0x0001
#define	VM_MS_INVALIDATE	0x0002

/*
 * The calls of mmap(2), munmap(2), mprotect(2), madvise(2), mincore(2),
 * minherit(2) and brk(2) on an address space, with FreeBSD's argument
 * checks and errno values (see vm_mmap(3) for where libvm follows
 * FreeBSD's code rather than its manual).  vm_mmap: *addr is the hint (or
 * the fixed address) in and the address of the mapping out; fd is -1 with
 * VM_MAP_ANON.  vm_mincore fills one byte per page of vec.
 */
LIBVM_API int	vm_mmap(struct vmspace *, vm_offset_t *addr, vm_size_t len,
		    int prot, int flags, int fd, off_t pos);
LIBVM_API int	vm_munmap(struct vmspace *, vm_offset_t addr, vm_size_t len);
LIBVM_API int	vm_mprotect(struct vmspace *, vm_offset_t addr, vm_size_t len,
		    int prot);
LIBVM_API int	vm_madvise(struct vmspace *, vm_offset_t addr, vm_size_t len,
		    int advice);
LIBVM_API int	vm_mincore(struct vmspace *, vm_offset_t addr, vm_size_t len,
		    char *vec);
LIBVM_API int	vm_minherit(struct vmspace *, vm_offset_t addr, vm_size_t len,
		    int inherit);
/*
 * vm_brk: the data segment is [VM_DATA_BASE, break); it starts empty.
 * newbreak is rounded up to a page; below VM_DATA_BASE is EINVAL, growth
 * past RLIMIT_DATA or over another mapping ENOMEM.  Shrinking frees.
 */
#define	VM_DATA_BASE		((vm_offset_t)0x10000000)
LIBVM_API int	vm_brk(struct vmspace *, vm_offset_t newbreak);

/*
 * mlock(2), munlock(2), mlockall(2), munlockall(2): wired pages stay
 * resident (and mapped, unless vm_mprotect takes all access away).  A
 * fork copies a wired private range at once instead of copy-on-write.  Bounded by RLIMIT_MEMLOCK and the sysctl
 * vm.max_user_wired (ENOMEM, as FreeBSD's code returns).
 */
LIBVM_API int	vm_mlock(struct vmspace *, vm_offset_t addr, vm_size_t len);
LIBVM_API int	vm_munlock(struct vmspace *, vm_offset_t addr, vm_size_t len);
LIBVM_API int	vm_mlockall(struct vmspace *, int flags);
LIBVM_API int	vm_munlockall(struct vmspace *);

/*
 * msync(2): write the dirty pages of the file and shared-memory mappings in
 * [addr, addr + len) back to their objects' backing store.  VM_MS_SYNC
 * waits for the writes, VM_MS_ASYNC starts them; VM_MS_INVALIDATE also
 * drops the clean cached pages, so that later accesses (and MAP_PRIVATE
 * pages not yet copied) read the file again.  An unaligned addr is
 * rounded down, as FreeBSD's code does; len 0 syncs the whole mapping
 * at addr.  EINVAL for unknown or contradictory flags, ENOMEM for a hole,
 * EBUSY for VM_MS_INVALIDATE over wired pages, EIO for a failed write.
 */
LIBVM_API int	vm_msync(struct vmspace *, vm_offset_t addr, vm_size_t len,
		    int flags);

/*
 * NetBSD's mremap(2): move and/or resize the mapping [oldp, oldp +
 * oldsize) to *newp (a hint, or the place with VM_MAP_FIXED) of newsize
 * bytes; *newp gets where it went.  VM_MAP_REMAPDUP maps the same pages
 * a second time and leaves the old mapping alone; VM_MAP_ALIGNED(n)
 * aligns the new place.  See vm_mremap(3).
 */
LIBVM_API int	vm_mremap(struct vmspace *, vm_offset_t oldp,
		    vm_size_t oldsize, vm_offset_t *newp, vm_size_t newsize,
		    int flags);

/* ---- Touching memory ------------------------------------------------ */

/*
 * vm_copyin/vm_copyout: 0 or EFAULT; pages are faulted in exactly as a CPU
 * access would.  vm_fault_trap: one CPU access (VM_PROT_READ, WRITE or
 * EXEC) at va: 0 if it completes, otherwise EFAULT with *signo SIGSEGV or
 * SIGBUS and *ucode SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR or BUS_OBJERR (the
 * host's <signal.h> values).
 */
LIBVM_API int	vm_copyin(struct vmspace *, vm_offset_t uaddr, void *kbuf,
		    size_t len);
LIBVM_API int	vm_copyout(struct vmspace *, const void *kbuf,
		    vm_offset_t uaddr, size_t len);
LIBVM_API int	vm_fault_trap(struct vmspace *, vm_offset_t va, int access,
		    int *signo, int *ucode);
LIBVM_API void	*vm_hostaddr(struct vmspace *, vm_offset_t va);
		/* host pmap only: where native code reaches va; NULL
		   under the software MMU */

/* ---- Files and shared memory ----------------------------------------- */

/*
 * One system-wide table of libvm descriptors.  vm_open opens a host
 * regular file (oflags: the host's O_RDONLY, O_WRONLY, O_RDWR with
 * O_CREAT, O_EXCL, O_TRUNC; mode as open(2)); vm_shm_open a POSIX
 * shared-memory object (name "/..." or NULL for an anonymous one).  All
 * descriptors of one host file (device and inode) share one vnode and one
 * page cache, and vm_pread/vm_pwrite go through the same pages that
 * mappings of the file use, so a write is seen by every mapping at once.
 * Dirty pages reach the host file on vm_fsync, vm_msync, the last close
 * of the file and vm_shutdown.  See vm_open(3) and vm_shm_open(3).
 */
#define	VM_F_SEAL_SEAL		0x0001
#define	VM_F_SEAL_SHRINK	0x0002
#define	VM_F_SEAL_GROW		0x0004
#define	VM_F_SEAL_WRITE		0x0008

LIBVM_API int	vm_open(const char *hostpath, int oflags, int mode, int *fdp);
LIBVM_API int	vm_shm_open(const char *name, int oflags, int mode,
		    int *fdp);		/* name NULL: anonymous */
LIBVM_API int	vm_shm_unlink(const char *name);
LIBVM_API int	vm_close(int fd);
LIBVM_API int	vm_ftruncate(int fd, off_t length);
LIBVM_API int	vm_pread(int fd, void *buf, size_t len, off_t off,
		    size_t *donep);
LIBVM_API int	vm_pwrite(int fd, const void *buf, size_t len, off_t off,
		    size_t *donep);
LIBVM_API int	vm_fsync(int fd);
LIBVM_API int	vm_add_seals(int fd, int seals);
LIBVM_API int	vm_get_seals(int fd, int *sealsp);

/* ---- Inspection ----------------------------------------------------- */

#define	VM_KVME_TYPE_NONE	0
#define	VM_KVME_TYPE_DEFAULT	1
#define	VM_KVME_TYPE_VNODE	2
#define	VM_KVME_TYPE_SWAP	3
#define	VM_KVME_TYPE_DEVICE	4
#define	VM_KVME_TYPE_PHYS	5
#define	VM_KVME_TYPE_DEAD	6
#define	VM_KVME_TYPE_GUARD	9

#define	VM_KVME_FLAG_COW	0x00000001
#define	VM_KVME_FLAG_NEEDS_COPY	0x00000002
#define	VM_KVME_FLAG_NOCOREDUMP	0x00000004
#define	VM_KVME_FLAG_SUPER	0x00000008
#define	VM_KVME_FLAG_GROWS_UP	0x00000010
#define	VM_KVME_FLAG_GROWS_DOWN	0x00000020
#define	VM_KVME_FLAG_USER_WIRED	0x00000040

struct vm_kinfo_vmentry {
	vm_offset_t	kve_start, kve_end;
	uint64_t	kve_offset;
	int		kve_protection, kve_max_protection, kve_inheritance;
	int		kve_type;	/* VM_KVME_TYPE_* */
	int		kve_flags;	/* VM_KVME_FLAG_* */
	int		kve_resident, kve_private_resident;
	int		kve_ref_count, kve_shadow_count;
	char		kve_path[1024];
};

/*
 * One record per map entry, in address order.  buf NULL: *countp gets the
 * number of entries.  Otherwise *countp is the capacity of buf in records
 * on entry and the number stored on return; ENOMEM if buf was too small
 * (filled as far as it goes).
 */
LIBVM_API int	vm_procstat(struct vmspace *, struct vm_kinfo_vmentry *buf,
		    size_t *countp);

/*
 * vm_coredump writes an ELF64 ET_CORE image of the address space to the
 * host descriptor hostfd (a regular file open for writing; the image is
 * written from offset 0).  Pages never touched are left as holes;
 * VM_COREDUMP_FULL writes every page.  0, EINVAL, EBADF (not open for
 * writing), ESPIPE (a pipe or socket), ENOMEM, or the host's write errno.
 */
#define	VM_COREDUMP_FULL	0x0001
LIBVM_API int	vm_coredump(struct vmspace *, int hostfd, int flags);

/*
 * Kernel malloc(9) statistics, one record per malloc type used in this
 * boot, as vmstat -m shows them: items and bytes in use, allocations
 * ever, and the sizes used (bit i: the 16 << i byte zone; bit 63: whole
 * pages).  buf NULL: *countp gets the count; else ENOMEM if buf is too
 * small (filled as far as it goes).
 */
#define	VM_MALLOC_SIZE_LARGE	63
struct vm_malloc_stat {
	char		vms_name[32];
	uint64_t	vms_inuse;
	uint64_t	vms_memuse;	/* bytes */
	uint64_t	vms_requests;
	uint64_t	vms_sizes;
};
LIBVM_API int	vm_malloc_stats(struct vm_malloc_stat *buf, size_t *countp);

/*
 * DDB-style debugging dumps (FreeBSD's "show map", "show object", "show
 * page"), printed to fp: the map's entries; the object chain backing va;
 * the page resident at va.  0, EINVAL, ENOENT (nothing mapped or
 * resident there), ENOMEM, or the error writing to fp.  See vm_db(3).
 */
LIBVM_API int	vm_db_show_map(struct vmspace *, FILE *fp);
LIBVM_API int	vm_db_show_object(struct vmspace *, vm_offset_t va, FILE *fp);
LIBVM_API int	vm_db_show_page(struct vmspace *, vm_offset_t va, FILE *fp);

#ifdef __cplusplus
}
#endif

#endif /* !_LIBVM_H_ */
