/*
 * vmem(9): arenas of integer ranges ("resources"): kernel virtual
 * address space, but also anything else handed out as [addr, addr+size),
 * such as identifier ranges.  FreeBSD's and NetBSD's interface, libvm's
 * implementation (sys/kern/subr_vmem.c; docs/kmem.md and vmem(9)).
 *
 * An arena holds spans (added with vmem_add or imported from a parent
 * arena) cut into free and allocated segments, all multiples of its
 * quantum.  vmem_alloc/vmem_free serve the common case, small sizes
 * through per-size quantum caches; vmem_xalloc/vmem_xfree take alignment,
 * phase, boundary and address-range constraints and never use the caches.
 * A range allocated with one pair must be freed with the same pair and
 * the same size.
 *
 * This is an internal kernel interface (nothing here is LIBVM_API):
 * arguments that break the contract are programming errors and panic
 * under INVARIANTS.  Arenas live in a booted libvm: vm_shutdown destroys
 * those left over.
 */
#ifndef _SYS_VMEM_H_
#define _SYS_VMEM_H_

#include <stdio.h>

#include <sys/param.h>
#include <sys/malloc.h>

typedef struct vmem	vmem_t;
typedef uint64_t	vmem_addr_t;
typedef uint64_t	vmem_size_t;

#define	VMEM_ADDR_MIN	((vmem_addr_t)0)
#define	VMEM_ADDR_MAX	(~(vmem_addr_t)0)	/* inclusive: the last one */

/*
 * Allocation strategies, or-ed into the malloc(9) wait flag (exactly one
 * of M_WAITOK and M_NOWAIT).  At most one strategy; M_INSTANTFIT if none.
 * They belong with the other malloc flags (FreeBSD keeps them in
 * sys/malloc.h); the values are FreeBSD's bits: M_INSTANTFIT is FreeBSD's
 * M_FIRSTFIT (the same policy, under the name Bonwick and NetBSD give it),
 * and libvm's M_FIRSTFIT, a true address-ordered first fit, takes the
 * bit of FreeBSD's M_NEXTFIT, which libvm does not have.
 */
#ifndef M_INSTANTFIT
#define	M_INSTANTFIT	0x1000	/* first segment of the first power-of-two
				   list all of whose members fit: O(1) */
#endif
#ifndef M_BESTFIT
#define	M_BESTFIT	0x2000	/* the smallest segment that fits */
#endif
#ifndef M_FIRSTFIT
#define	M_FIRSTFIT	0x8000	/* the lowest-addressed segment that fits */
#endif
#define	VMEM_FITMASK	(M_INSTANTFIT | M_BESTFIT | M_FIRSTFIT)

/* vmem_size() type mask. */
#define	VMEM_ALLOC	0x01		/* bytes allocated */
#define	VMEM_FREE	0x02		/* bytes free */
#define	VMEM_MAXFREE	0x10		/* the largest free segment */

/* Quantum caches serve sizes up to this many quanta at most. */
#define	VMEM_QCACHE_IDX_MAX	16

/*
 * Import and release functions of an arena stacked on another one
 * (vmem_set_import): import gets size bytes (a multiple of the import
 * quantum) with the caller's flags and returns 0 and the address, or an
 * errno; release gives back a span exactly as it was imported.  Both are
 * called with no arena lock held.
 */
typedef int	vmem_import_t(void *arg, vmem_size_t size, int flags,
		    vmem_addr_t *addrp);
typedef void	vmem_release_t(void *arg, vmem_addr_t addr, vmem_size_t size);

/* Creation and destruction. */
vmem_t	*vmem_create(const char *name, vmem_addr_t base, vmem_size_t size,
	    vmem_size_t quantum, vmem_size_t qcache_max, int flags);
vmem_t	*vmem_init(vmem_t *vm, const char *name, vmem_addr_t base,
	    vmem_size_t size, vmem_size_t quantum, vmem_size_t qcache_max,
	    int flags);		/* static storage: kernel_arena */
void	vmem_destroy(vmem_t *vm);
void	vmem_set_import(vmem_t *vm, vmem_import_t *importfn,
	    vmem_release_t *releasefn, void *arg, vmem_size_t import_quantum);
void	vmem_set_limit(vmem_t *vm, vmem_size_t limit);	/* 0: none */

/* Spans. */
int	vmem_add(vmem_t *vm, vmem_addr_t addr, vmem_size_t size, int flags);

/* Allocation: 0 and *addrp, or ENOMEM (M_NOWAIT only). */
int	vmem_alloc(vmem_t *vm, vmem_size_t size, int flags,
	    vmem_addr_t *addrp);
void	vmem_free(vmem_t *vm, vmem_addr_t addr, vmem_size_t size);
int	vmem_xalloc(vmem_t *vm, vmem_size_t size, vmem_size_t align,
	    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
	    vmem_addr_t maxaddr, int flags, vmem_addr_t *addrp);
int	vmem_xalloc_addr(vmem_t *vm, vmem_addr_t addr, vmem_size_t size,
	    int flags);		/* exactly [addr, addr+size), or ENOMEM */
void	vmem_xfree(vmem_t *vm, vmem_addr_t addr, vmem_size_t size);

/* Queries. */
vmem_size_t vmem_size(vmem_t *vm, int typemask);
vmem_size_t vmem_roundup_size(vmem_t *vm, vmem_size_t size);
vmem_size_t vmem_lookup_size(vmem_t *vm, vmem_addr_t addr); /* 0: none */
const char *vmem_name(vmem_t *vm);
void	vmem_qcache_drain(vmem_t *vm);	/* cached ranges back */

struct vmem_stats {
	vmem_size_t	vs_size;	/* bytes in spans */
	vmem_size_t	vs_inuse;	/* bytes allocated */
	vmem_size_t	vs_maxfree;	/* largest free segment */
	vmem_size_t	vs_quantum;
	vmem_size_t	vs_qcache_max;
	uint64_t	vs_nspans;	/* spans: added and imported */
	uint64_t	vs_nbusy;	/* allocated segments */
	uint64_t	vs_nfree;	/* free segments */
	uint64_t	vs_allocs;	/* successful vmem_xalloc-level calls */
	uint64_t	vs_frees;
	uint64_t	vs_fails;	/* ENOMEM returned */
	uint64_t	vs_sleeps;	/* M_WAITOK sleeps */
	uint64_t	vs_imports;	/* spans imported */
	uint64_t	vs_releases;	/* spans released */
	u_int		vs_hashsize;	/* buckets of the allocated hash */
	u_int		vs_nqcache;	/* quantum caches */
};

struct vmem_qcache_stats {
	vmem_size_t	vqs_size;	/* the cache's allocation size */
	uint64_t	vqs_allocs;	/* served by the cache */
	uint64_t	vqs_frees;	/* taken back by the cache */
	uint64_t	vqs_imports;	/* ranges taken from the arena */
	uint64_t	vqs_releases;	/* ranges given back to it */
	u_int		vqs_cached;	/* ranges held now */
};

void	vmem_stats(vmem_t *vm, struct vmem_stats *vs);
int	vmem_qcache_stats(vmem_t *vm, int idx, struct vmem_qcache_stats *qs);

/* Debugging: INVARIANTS checker (panics) and a dump of the segments. */
void	vmem_check(vmem_t *vm);
void	vmem_print(vmem_t *vm, FILE *fp);

/* Boot (vm_kern.c's kmem_startup/kmem_shutdown call them). */
void	vmem_startup(void);
void	vmem_bootstrapped(void);	/* boundary tags from UMA from now */
void	vmem_shutdown(void);
u_int	vmem_bt_reserve_avail(void);	/* static tags not in use */

#endif /* !_SYS_VMEM_H_ */
