/*
 * Address-space maps (vm_map.c).
 *
 * A map is a set of non-overlapping entries [start, end) inside
 * [vm_map_min, vm_map_max), kept in a threaded binary search tree: a node's
 * missing left (right) child is replaced by a "thread" to its in-order
 * predecessor (successor), so vm_map_entry_pred/succ need no list (seed 000,
 * D21964).  The tree is splayed on lookup under the exclusive lock, and
 * every node carries max_free, the largest gap with an endpoint in its
 * subtree, as its two sides (free_left, free_right), so a first-fit search
 * is one descent (seed 000, D17794).  The
 * header entry is the sentinel before the first and after the last entry:
 * its start is the map's max and its end the map's min, so no comparison
 * needs a special case for it (D13735); its eflags carry MAP_ENTRY_HEADER
 * (D14005).
 *
 * Locking legend:
 *	(c)	constant after vm_map_init
 *	(m)	the map lock (sx "vm map": shared to read, exclusive to change;
 *		the tree is only splayed under the exclusive lock)
 *	(a)	atomic
 *
 * Return values are Mach/BSD KERN_* codes; the system-call layer maps
 * them to errno.  Ranges given to the map are page aligned (the system-call
 * layer rounds them with vm_map_check_range); an unaligned range is
 * KERN_INVALID_ARGUMENT.  A placement hint is rounded up to its page.
 *
 * Locking contract, as in FreeBSD: vm_map_find, vm_map_fixed, vm_map_remove,
 * vm_map_protect, vm_map_inherit, vm_map_madvise and vm_map_stack take the
 * map lock themselves (call them unlocked); vm_map_insert, vm_map_delete,
 * vm_map_findspace, the clip functions, vm_map_try_merge_entries and
 * vm_map_growstack (called by the fault path, which holds the lock) need
 * the caller to hold it exclusively;
 * vm_map_lookup_entry(_ge) need it held, shared or exclusive (only an
 * exclusive holder's lookups splay).
 */
#ifndef _VM_VM_MAP_H_
#define _VM_VM_MAP_H_

#include <sys/param.h>
#include <sys/queue.h>
#include <sys/sx.h>
#include <sys/mutex.h>
#include <sys/proc.h>

struct thread;
struct vm_object;
struct pmap;

/* Mach/BSD result codes. */
#define	KERN_SUCCESS			0
#define	KERN_INVALID_ADDRESS		1
#define	KERN_PROTECTION_FAILURE		2
#define	KERN_NO_SPACE			3
#define	KERN_INVALID_ARGUMENT		4
#define	KERN_FAILURE			5
#define	KERN_RESOURCE_SHORTAGE		6
#define	KERN_NOT_RECEIVER		7
#define	KERN_NO_ACCESS			8
#define	KERN_OUT_OF_BOUNDS		9
#define	KERN_TERMINATED			37	/* the address space was
						   killed (OOM) */

typedef uint8_t vm_inherit_t;
#ifndef VM_INHERIT_SHARE		/* also in <libvm.h>, same values */
#define	VM_INHERIT_SHARE	0
#define	VM_INHERIT_COPY		1
#define	VM_INHERIT_NONE		2
#define	VM_INHERIT_ZERO		3
#endif
#define	VM_INHERIT_DEFAULT	VM_INHERIT_COPY

#ifndef VM_PROT_NONE
#define	VM_PROT_NONE		0x00
#define	VM_PROT_READ		0x01
#define	VM_PROT_WRITE		0x02
#endif
#define	VM_PROT_EXECUTE		0x04	/* FreeBSD's kernel name of VM_PROT_EXEC */

/*
 * madvise(2) behaviours: API.md's names and FreeBSD's values (the host's
 * <sys/mman.h> MADV_* differ, hence the prefix).
 */
#ifndef VM_MADV_NORMAL
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
#endif
#define	VM_PROT_ALL		(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE)
#define	VM_PROT_COPY		0x08	/* fault: give the top object its own
					   copy of the page, as a write
					   would, without write access */
#define	VM_PROT_RW		(VM_PROT_READ | VM_PROT_WRITE)

/* User address space bounds (API.md: page 0 never mapped, top 2^47). */
#ifndef VM_MIN_USER_ADDRESS		/* also in <libvm.h>, same values */
#define	VM_MIN_USER_ADDRESS	((vm_offset_t)PAGE_SIZE)
#define	VM_MAX_USER_ADDRESS	((vm_offset_t)1 << 47)
#endif
#define	VM_MAX_32BIT_ADDRESS	((vm_offset_t)1 << 31)	/* MAP_32BIT: 2 GiB */

/* Superpages: the sizes an entry may be required to keep (pagesizes[]). */
#define	MAXPAGESIZES		3
extern const vm_size_t pagesizes[MAXPAGESIZES];	/* 4 KiB, 2 MiB, 1 GiB */

/*
 * An entry is two parts.  The part the tree is made of (struct vm_map_entry,
 * one cache line, 64-byte aligned) holds what a search and a splay read:
 * the links, the bounds, the two sides of max_free, the flags, the
 * protections and the read-ahead window.  What only the node found reads
 * (its backing, next expected read and wiring state) is a separate item,
 * struct vm_map_entry_cold, that the entry points to and owns for its
 * whole life.  A random search of a big
 * map misses in the cache at every level below the tree's hot top; with
 * the cold fields out of the node each level is one line instead of one
 * and a half, and the tree's lines are denser in the caches
 * (docs/PERFORMANCE.md, "Map: one line a node").
 *
 * Locking: both parts are (m), the map lock; cold is (c), set at creation.
 */
struct vm_map_entry_cold {
	struct vm_object *object;	/* (m) NULL: no backing yet */
	vm_ooffset_t	offset;		/* (m) offset into the object */
	vm_offset_t	next_read;	/* (m) read-ahead: next expected va */
	struct thread	*wiring_thread;	/* (m) owner of IN_TRANSITION */
	int		wired_count;	/* (m) wirings of the range */
};

struct vm_map_entry {
	struct vm_map_entry *left;	/* (m) left child, or pred (thread) */
	struct vm_map_entry *right;	/* (m) right child, or succ (thread) */
	vm_offset_t	start;		/* (m) */
	vm_offset_t	end;		/* (m) */
	vm_size_t	free_left;	/* (m) largest gap left of start in the
					   subtree: the left child's max_free,
					   or the gap to the predecessor */
	vm_size_t	free_right;	/* (m) the same right of end */
	u_int		eflags;		/* (m) MAP_ENTRY_* */
	vm_prot_t	protection;	/* (m) */
	vm_prot_t	max_protection;	/* (m) */
	vm_inherit_t	inheritance;	/* (m) */
	uint8_t		read_ahead;	/* (m) pages in the read-ahead window */
	struct vm_map_entry_cold *cold;	/* (c) this entry's own, never NULL */
};
typedef struct vm_map_entry *vm_map_entry_t;

#define	MAP_ENTRY_NOSYNC		0x00000001
#define	MAP_ENTRY_IS_SUB_MAP		0x00000002
#define	MAP_ENTRY_COW			0x00000004
#define	MAP_ENTRY_NEEDS_COPY		0x00000008
#define	MAP_ENTRY_NOFAULT		0x00000010
#define	MAP_ENTRY_USER_WIRED		0x00000020
#define	MAP_ENTRY_BEHAV_NORMAL		0x00000000	/* default */
#define	MAP_ENTRY_BEHAV_SEQUENTIAL	0x00000040
#define	MAP_ENTRY_BEHAV_RANDOM		0x00000080
#define	MAP_ENTRY_BEHAV_MASK		0x000000c0
#define	MAP_ENTRY_IN_TRANSITION		0x00000100	/* being (un)wired */
#define	MAP_ENTRY_NEEDS_WAKEUP		0x00000200	/* waiters on it */
#define	MAP_ENTRY_NOCOREDUMP		0x00000400
#define	MAP_ENTRY_VN_EXEC		0x00000800	/* text reference */
#define	MAP_ENTRY_GROWS_DOWN		0x00001000	/* a stack */
#define	MAP_ENTRY_WRITECNT		0x00002000	/* counted write mapping */
#define	MAP_ENTRY_GUARD			0x00004000	/* never instantiated */
#define	MAP_ENTRY_STACK_GAP_DN		0x00008000	/* stack grow area */
#define	MAP_ENTRY_HEADER		0x00010000	/* the sentinel */
#define	MAP_ENTRY_SPLIT_BOUNDARY_MASK	0x00060000	/* psind of the clip unit */
#define	MAP_ENTRY_CHARGED		0x00080000	/* holds a swap reservation
							   of its size until it has
							   an object of its own
							   (vm_swap_reserve.h) */
#define	MAP_ENTRY_BACKED		0x00100000	/* cold->object != NULL
							   (kept by vm_map_entry_
							   set_object) */
#define	MAP_ENTRY_SPLIT_BOUNDARY_SHIFT	17
#define	MAP_ENTRY_SPLIT_BOUNDARY_INDEX(e)				\
	(((e)->eflags & MAP_ENTRY_SPLIT_BOUNDARY_MASK) >>		\
	    MAP_ENTRY_SPLIT_BOUNDARY_SHIFT)

/*
 * The only way an entry's object changes: the node's MAP_ENTRY_BACKED says
 * whether it has one, so that looking at a neighbour (may the new mapping
 * extend its object?) need not open the neighbour's cold part.
 */
static inline void
vm_map_entry_set_object(vm_map_entry_t e, struct vm_object *object)
{
	e->cold->object = object;
	if (object != NULL)
		e->eflags |= MAP_ENTRY_BACKED;
	else
		e->eflags &= ~MAP_ENTRY_BACKED;
}

struct vm_map {
	struct vm_map_entry header;	/* (m) sentinel; start = max, end = min */
	struct vm_map_entry_cold header_cold; /* (m) the header's, all zero */
	struct sx	lock;		/* the map lock */
	/*
	 * Fast readers (vm_map.c): a fault's read hold is a count in its
	 * CPU's slot of rd_cnt rather than a share of the sx, so faults on
	 * different CPUs write no common line.  An exclusive holder raises
	 * rd_writer and waits for the counts to drain.
	 */
	struct vm_map_rdcnt *rd_cnt;	/* (c) mp_ncpus slots, or NULL */
	_Atomic int	rd_writer;	/* (a) exclusive holder present */
	struct mtx	rd_mtx;		/* interlock of its wait */
	vm_map_entry_t	root;		/* (m) tree root, NULL when empty */
	int		nentries;	/* (m) */
	vm_size_t	size;		/* (m) bytes mapped */
	u_int		timestamp;	/* (m) bumped by each exclusive unlock */
	u_int		flags;		/* (m) MAP_* */
	vm_offset_t	anon_loc;	/* (m) next clustered anonymous mapping */
	vm_offset_t	sbrk_start;	/* (m) data segment [start, end) that */
	vm_offset_t	sbrk_end;	/*     honor_sbrk keeps free */
	u_int		nupdates;	/* (m) changes since the last check */
	int		nfree;		/* (m) entries on freelist */
	vm_map_entry_t	freelist;	/* (m) recently freed entries, linked
					   through ->right; reused first */
	struct pmap	*pmap;		/* (c) translations, or NULL (a map
					   tested on its own) */
	int		busy;		/* (m) wirings under way: fork
					   waits for them (vm_map_busy) */
	struct vmspace	*vmspace;	/* (c) the address space whose map
					   this is, or NULL */
};
typedef struct vm_map *vm_map_t;

/* map->flags */
#define	MAP_WIREFUTURE		0x0001	/* mlockall(MCL_FUTURE) */
#define	MAP_ASLR		0x0002	/* randomise non-fixed placements */
#define	MAP_ASLR_IGNSTART	0x0004	/* ignore the hint under ASLR */
#define	MAP_WXORX		0x0008	/* refuse write+exec (later layer) */

/* vm_map_find() findspace: how to choose an address. */
#define	VMFS_NO_SPACE		0	/* use *addr, it must be free */
#define	VMFS_ANY_SPACE		1	/* first fit at or after *addr */
#define	VMFS_OPTIMAL_SPACE	2	/* align with the object's superpages,
					   else first fit */
#define	VMFS_SUPER_SPACE	3	/* superpage aligned */
#define	VMFS_ALIGNED_SPACE(x)	((x) << 8)	/* 1 << x aligned, 12..47 */

/* vm_map_insert()/vm_map_find() cow flags. */
#define	MAP_COPY_ON_WRITE	0x00000004
#define	MAP_NOFAULT		0x00000008
#define	MAP_PREFAULT		0x00000010
#define	MAP_DISABLE_SYNCER	0x00000020
#define	MAP_CHECK_EXCL		0x00000040	/* fail if occupied (MAP_EXCL) */
#define	MAP_CREATE_GUARD	0x00000080	/* a guard entry */
#define	MAP_DISABLE_COREDUMP	0x00000100
#define	MAP_STACK_GROWS_DOWN	0x00001000
#define	MAP_ACC_CHARGED		0x00004000	/* the caller reserved the
						   swap (kept on failure) */
#define	MAP_CREATE_STACK_GAP_DN	0x00020000
#define	MAP_VN_EXEC		0x00040000
#define	MAP_SPLIT_BOUNDARY_MASK	0x00180000	/* psind << shift */
#define	MAP_SPLIT_BOUNDARY_SHIFT 19
#define	MAP_ANON_CLUSTER	0x00200000	/* libvm: anonymous private: cluster */
#define	MAP_REMAP		0x00400000	/* vm_map_fixed: replace */
#define	MAP_INHERIT_SHARE	0x00800000	/* inheritance SHARE (shared
						   mappings) */
#define	MAP_NO_HINT		0x01000000	/* *addr is a default, not
						   the caller's hint */
#define	MAP_WRITECOUNT		0x02000000	/* a counted writable shared
						   mapping (D21456) */

/* Iteration. */
static inline vm_offset_t vm_map_min(const struct vm_map *m) { return (m->header.end); }
static inline vm_offset_t vm_map_max(const struct vm_map *m) { return (m->header.start); }
vm_map_entry_t vm_map_entry_first(vm_map_t map);	/* header if empty */
vm_map_entry_t vm_map_entry_succ(vm_map_entry_t entry);	/* header after last */
vm_map_entry_t vm_map_entry_pred(vm_map_entry_t entry);	/* header before first */
#define	VM_MAP_ENTRY_FOREACH(it, map)					\
	for ((it) = vm_map_entry_first(map);				\
	    (it) != &(map)->header;					\
	    (it) = vm_map_entry_succ(it))

/* Lifecycle and locking. */
void	vm_map_init(vm_map_t map, vm_offset_t min, vm_offset_t max);
void	vm_map_destroy(vm_map_t map);		/* deletes every entry */
void	vm_map_lock(vm_map_t map);
void	vm_map_unlock(vm_map_t map);		/* bumps timestamp, checks */
void	vm_map_lock_read(vm_map_t map);
void	vm_map_unlock_read(vm_map_t map);
bool	vm_map_trylock(vm_map_t map);
bool	vm_map_trylock_read(vm_map_t map);
int	vm_map_lock_upgrade(vm_map_t map);	/* 0: upgraded atomically;
						   1: the shared hold was
						   dropped and the lock
						   retaken exclusively
						   (revalidate: FreeBSD
						   returns unlocked here) */
void	vm_map_lock_downgrade(vm_map_t map);
bool	vm_map_locked(vm_map_t map);		/* exclusively, by us */
void	vm_map_unlock_and_wait(vm_map_t map, int timo_ms);
void	vm_map_wakeup(vm_map_t map);
#define	vm_map_assert_locked(map)	sx_assert(&(map)->lock, SA_XLOCKED)
#define	vm_map_assert_rlocked(map)	do {				\
	if (curthread->td_map_rd != (void *)(map))			\
		sx_assert(&(map)->lock, SA_LOCKED);			\
} while (0)

/* Lookup. */
bool	vm_map_lookup_entry(vm_map_t map, vm_offset_t addr,
	    vm_map_entry_t *entry);	/* greatest entry with start <= addr;
					   true if it contains addr; header
					   if none */
vm_map_entry_t vm_map_lookup_entry_ge(vm_map_t map, vm_offset_t addr);
					/* least entry with end > addr, or
					   header */

/* Checking untrusted ranges (D25328): start <= end, inside the map. */
bool	vm_map_range_valid(vm_map_t map, vm_offset_t start, vm_offset_t end);
int	vm_map_check_range(vm_map_t map, vm_offset_t addr, vm_size_t len,
	    vm_offset_t *startp, vm_offset_t *endp);
					/* page-rounds [addr, addr + len) and
					   validates it: KERN_SUCCESS or
					   KERN_INVALID_ADDRESS */

/* Space. */
vm_offset_t vm_map_findspace(vm_map_t map, vm_offset_t start,
	    vm_size_t length);		/* lowest free run at >= start; on
					   failure an address a with
					   a + length > vm_map_max(map) */
int	vm_map_find(vm_map_t map, struct vm_object *object,
	    vm_ooffset_t offset, vm_offset_t *addr, vm_size_t length,
	    vm_offset_t max_addr, int find_space, vm_prot_t prot,
	    vm_prot_t max, int cow);
int	vm_map_fixed(vm_map_t map, struct vm_object *object,
	    vm_ooffset_t offset, vm_offset_t start, vm_size_t length,
	    vm_prot_t prot, vm_prot_t max, int cow);
					/* MAP_CHECK_EXCL: KERN_NO_SPACE if
					   occupied, else replaces */
int	vm_map_insert(vm_map_t map, struct vm_object *object,
	    vm_ooffset_t offset, vm_offset_t start, vm_offset_t end,
	    vm_prot_t prot, vm_prot_t max, int cow);	/* map locked */
int	vm_map_delete(vm_map_t map, vm_offset_t start, vm_offset_t end);
					/* map locked */
int	vm_map_remove(vm_map_t map, vm_offset_t start, vm_offset_t end);

/* msync(2): KERN_SUCCESS, KERN_INVALID_ADDRESS (a hole),
   KERN_INVALID_ARGUMENT (invalidate over wired), KERN_FAILURE (I/O). */
int	vm_map_sync(vm_map_t map, vm_offset_t start, vm_offset_t end,
	    bool syncio, bool invalidate);

/* Changing entries. */
int	vm_map_clip_start(vm_map_t map, vm_map_entry_t entry,
	    vm_offset_t start);		/* KERN_INVALID_ARGUMENT off a
					   superpage boundary (D24652) */
int	vm_map_clip_end(vm_map_t map, vm_map_entry_t entry, vm_offset_t end);
void	vm_map_try_merge_entries(vm_map_t map, vm_map_entry_t prev,
	    vm_map_entry_t entry);	/* compares exactly these two (D20814) */
int	vm_map_protect(vm_map_t map, vm_offset_t start, vm_offset_t end,
	    vm_prot_t new_prot, bool set_max);
int	vm_map_inherit(vm_map_t map, vm_offset_t start, vm_offset_t end,
	    vm_inherit_t new_inheritance);
int	vm_map_madvise(vm_map_t map, vm_offset_t start, vm_offset_t end,
	    int behav);			/* the map part: NORMAL, RANDOM,
					   SEQUENTIAL, NOSYNC, AUTOSYNC,
					   NOCORE, CORE; the others are
					   accepted and left to the caller */

/* Stacks (D11306). */
int	vm_map_stack(vm_map_t map, vm_offset_t addrbos, vm_size_t max_ssize,
	    vm_prot_t prot, vm_prot_t max, int cow);
					/* a stack at the top of
					   [addrbos, addrbos + max_ssize) of
					   sgrowsiz bytes, the rest a grow
					   gap whose lowest stack_guard_page
					   pages never become stack */
int	vm_map_growstack(vm_map_t map, vm_offset_t addr,
	    vm_map_entry_t gap_entry);	/* grow the stack above gap_entry to
					   cover addr: KERN_SUCCESS, or
					   KERN_NO_SPACE into the guard */

/* The fault handler's view (vm_fault.c calls these). */
int	vm_map_lookup(vm_map_t *var_map, vm_offset_t vaddr,
	    vm_prot_t fault_type, vm_map_entry_t *out_entry,
	    struct vm_object **object, vm_pindex_t *pindex,
	    vm_prot_t *out_prot, bool *wired);
					/* on KERN_SUCCESS the map is
					   read-locked: release it with
					   vm_map_lookup_done */
void	vm_map_lookup_done(vm_map_t map, vm_map_entry_t entry);

/*
 * Giving an entry an object of its own (map locked exclusively): back
 * gives an entry without one its anonymous object; shadow gives a
 * NEEDS_COPY entry a shadow of its object (shared: even when the object
 * is referenced only by it) and clears NEEDS_COPY.  The entry's swap
 * reservation goes to the new object.
 */
void	vm_map_entry_back(vm_map_t map, vm_map_entry_t entry);
void	vm_map_entry_shadow(vm_map_t map, vm_map_entry_t entry, bool shared);

/*
 * Wiring (mlock(2), mlockall(2)): the pages of [start, end) are faulted
 * in, wired and kept mapped until unwired.  VM_MAP_WIRE_USER counts the
 * range as user-wired (MAP_ENTRY_USER_WIRED, RLIMIT_MEMLOCK,
 * vm.max_user_wired); VM_MAP_WIRE_HOLESOK skips unmapped parts and guards
 * instead of failing.  Both take the map lock themselves.
 */
#define	VM_MAP_WIRE_USER	0x0001
#define	VM_MAP_WIRE_HOLESOK	0x0002
int	vm_map_wire(vm_map_t map, vm_offset_t start, vm_offset_t end,
	    int flags);			/* KERN_SUCCESS, KERN_INVALID_ADDRESS
					   (a hole), KERN_RESOURCE_SHORTAGE
					   (a limit), or the fault's code */
int	vm_map_unwire(vm_map_t map, vm_offset_t start, vm_offset_t end,
	    int flags);			/* KERN_INVALID_ADDRESS for a hole,
					   KERN_INVALID_ARGUMENT for a range
					   not user-wired (without HOLESOK) */
extern _Atomic u_long vm_user_wire_count;	/* user-wired pages */
extern _Atomic u_long vm_max_user_wired;	/* vm.max_user_wired */

/* Page-level advice and prefaulting over a range (map read-locked). */
void	vm_map_pmap_enter(vm_map_t map, vm_offset_t addr, vm_prot_t prot,
	    struct vm_object *object, vm_pindex_t pindex, vm_size_t size);

/* What vm_procstat and core dumps report of an entry (vm_mmap.c). */
int	vm_map_entry_kvme_flags(vm_map_entry_t entry);	/* VM_KVME_FLAG_* */
int	vm_object_kvme_type(int objtype);		/* VM_KVME_TYPE_* */

/* Consistency (INVARIANTS) and debugging. */
void	_vm_map_assert_consistent(vm_map_t map, bool force);
void	vm_map_print(vm_map_t map);

/* Tunables (sysctls under vm.): see vm_map.c. */
extern _Atomic int vm_map_entries_max;	/* vm.map_entries_max */
extern _Atomic int vm_map_check_always;	/* vm.map_check_always */
extern _Atomic int vm_imply_prot_max;	/* vm.imply_prot_max */

void	vm_map_startup(void);		/* sysctls; at boot */
void	vm_map_shutdown(void);		/* destroys unreleased vmspaces */
bool	vm_map_aslr_default(void);	/* vm.aslr.enable */

/* ---- address spaces (struct vmspace) ---- */

#ifndef VM_RLIMIT_DATA		/* also in <libvm.h>, same values */
#define	VM_RLIMIT_DATA		2
#define	VM_RLIMIT_STACK		3
#define	VM_RLIMIT_MEMLOCK	6
#define	VM_RLIMIT_AS		10
#define	VM_RLIM_INFINITY	UINT64_MAX
#define	VM_DATA_BASE		((vm_offset_t)0x10000000)
#endif
#define	VM_NRLIMITS		11
/* FreeBSD amd64's default limits. */
#define	VM_DFLDSIZ		((uint64_t)32 << 30)	/* data: 32 GiB */
#define	VM_MAXDSIZ		((uint64_t)32 << 30)
#define	VM_DFLSSIZ		((uint64_t)8 << 20)	/* stack: 8 MiB */
#define	VM_MAXSSIZ		((uint64_t)512 << 20)

struct vm_rlimit {
	uint64_t	cur;
	uint64_t	max;
};

/*
 * An address space: a map, its pmap and its process-level limits.
 *
 * Locking legend:
 *	(c)	constant after creation
 *	(a)	atomic
 *	(m)	the map lock of vm_map
 *	(l)	vmspace_list_mtx (vm_map.c)
 */
struct vmspace {
	struct vm_map	vm_map;		/* the address space */
	struct pmap	*vm_pmap;	/* (c) its translations */
	_Atomic int	vm_refcnt;	/* (a) */
	vm_offset_t	vm_daddr;	/* (c) data segment start */
	vm_size_t	vm_dsize;	/* (m) data segment size (brk) */
	u_long		vm_uwired;	/* (m) pages of USER_WIRED entries */
	struct vm_rlimit vm_rlimit[VM_NRLIMITS]; /* (m) resource limits */
	LIST_ENTRY(vmspace) vm_link;	/* (l) vmspace_list: every vmspace */
	_Atomic int	vm_oom;		/* (a) VM_OOM_* */
};

#define	VM_OOM_NORMAL		0
#define	VM_OOM_PROTECTED	1	/* MADV_PROTECT: never the victim */
#define	VM_OOM_KILLED		2	/* its accesses fail with SIGKILL */

int	vmspace_alloc(struct vmspace **vmp);	/* 0 or ENOMEM */
void	vmspace_free(struct vmspace *vm);	/* drops a reference */
int	vmspace_fork1(struct vmspace *vm1, struct vmspace **vm2p);
					/* the child, per minherit */
u_int	vmspace_count(void);			/* vmspaces alive */
/* The OOM killer (vm_pageout.c): the largest address space not killed or
   protected, referenced, or NULL; and killing one (frees its memory). */
struct vmspace *vmspace_oom_victim(long *residentp);
void	vmspace_oom_kill(struct vmspace *vm, long resident);

#endif /* !_VM_VM_MAP_H_ */
