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
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define	LIBVM_API	__attribute__((__visibility__("default")))

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

#ifdef __cplusplus
}
#endif

#endif /* !_LIBVM_H_ */
