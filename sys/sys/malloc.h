/*
 * Allocation flags shared by every libvm allocator, and malloc(9): kernel
 * memory by size, accounted by type (kern_malloc.c).  kmalloc and kfree
 * are named so they never collide with the C library's malloc and free.
 *
 *	MALLOC_DEFINE(M_FOO, "foo", "what foo is for");
 *	p = kmalloc(sizeof(*p), M_FOO, M_WAITOK | M_ZERO);
 *	kfree(p, M_FOO);
 *
 * Small sizes come from power-of-two UMA zones ("malloc-16" to
 * "malloc-65536"); larger ones are whole pages from kmem_malloc.  A type
 * chosen with vm.memguard.desc gets memguard(9) instead.
 */
#ifndef _SYS_MALLOC_H_
#define _SYS_MALLOC_H_

#include <sys/param.h>

#define	M_NOWAIT	0x0001	/* do not block */
#define	M_WAITOK	0x0002	/* ok to block */
#define	M_ZERO		0x0100	/* zero the allocation */

struct malloc_type_stats;

/*
 * A malloc type: static, named, and registered the first time it is used
 * in each boot (its statistics live as long as the boot).
 */
struct malloc_type {
	const char	*ks_shortdesc;		/* (c) name, for vmstat -m */
	const char	*ks_longdesc;		/* (c) */
	_Atomic u_int	ks_bootgen;		/* (a) boot it is registered in */
	struct malloc_type_stats *ks_stats;	/* (malloc_mtx) this boot's */
	struct malloc_type *ks_next;		/* (malloc_mtx) registered */
};

#define	MALLOC_DEFINE(type, shortdesc, longdesc)			\
	struct malloc_type type[1] = {					\
		{ .ks_shortdesc = (shortdesc), .ks_longdesc = (longdesc) } \
	}
#define	MALLOC_DECLARE(type)	extern struct malloc_type type[1]

MALLOC_DECLARE(M_TEMP);

void	*kmalloc(size_t size, struct malloc_type *type, int flags);
void	kfree(void *addr, struct malloc_type *type);
size_t	kmalloc_usable_size(const void *addr);

void	kmalloc_startup(void);
void	kmalloc_shutdown(void);

/* memguard(9): one type (or zone) whose every allocation is guarded. */
bool	memguard_cmp_mtp(struct malloc_type *type, size_t size);
bool	memguard_cmp_zone(const char *zonename);
void	*memguard_alloc(size_t size, int flags, const char *owner);
void	memguard_free(void *addr);
bool	memguard_owns(const void *addr);

/* memguard's region: NULL until memguard is first used (fast paths). */
extern _Atomic(char *) memguard_base;
const char *memguard_owner(const void *addr);	/* type or zone name */
size_t	memguard_usable_size(const void *addr);
void	memguard_startup(void);
void	memguard_shutdown(void);

#endif /* !_SYS_MALLOC_H_ */
