/*
 * Basic types and constants shared by every libvm module: the machine's
 * page size, the VM's integer types and the arithmetic helpers BSD code
 * expects (roundup2, howmany, atop, ...).
 */
#ifndef _SYS_PARAM_H_
#define _SYS_PARAM_H_

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef uint64_t	vm_offset_t;	/* address in an address space */
typedef uint64_t	vm_size_t;
typedef uint64_t	vm_paddr_t;	/* offset in the physical arena */
typedef uint64_t	vm_pindex_t;	/* page index in an object */
typedef uint64_t	vm_ooffset_t;	/* byte offset in an object */
typedef uint8_t		vm_prot_t;
typedef unsigned int	u_int;
typedef unsigned long	u_long;
typedef unsigned char	u_char;
typedef unsigned short	u_short;

#define	PAGE_SHIFT	12
#define	PAGE_SIZE	(1 << PAGE_SHIFT)
#define	PAGE_MASK	(PAGE_SIZE - 1)

#define	CACHE_LINE_SIZE	64
#define	MAXCPU		256	/* upper bound on vm_config.ncpu */
#define	MAXMEMDOM	8	/* upper bound on vm_config.ndomain */

#define	trunc_page(x)	((uint64_t)(x) & ~(uint64_t)PAGE_MASK)
#define	round_page(x)	(((uint64_t)(x) + PAGE_MASK) & ~(uint64_t)PAGE_MASK)
#define	atop(x)		((uint64_t)(x) >> PAGE_SHIFT)
#define	ptoa(x)		((uint64_t)(x) << PAGE_SHIFT)

#define	howmany(x, y)	(((x) + ((y) - 1)) / (y))
#define	roundup(x, y)	((((x) + ((y) - 1)) / (y)) * (y))
#define	rounddown(x, y)	(((x) / (y)) * (y))
#define	roundup2(x, y)	(((x) + ((y) - 1)) & ~((__typeof__(x))(y) - 1))
#define	rounddown2(x, y) ((x) & ~((__typeof__(x))(y) - 1))
#define	powerof2(x)	((((x) - 1) & (x)) == 0)
#ifndef nitems
#define	nitems(x)	(sizeof((x)) / sizeof((x)[0]))
#endif
#ifndef MIN
#define	MIN(a, b)	(((a) < (b)) ? (a) : (b))
#define	MAX(a, b)	(((a) > (b)) ? (a) : (b))
#endif

#define	__predict_true(e)	__builtin_expect(!!(e), 1)
#define	__predict_false(e)	__builtin_expect(!!(e), 0)
#ifndef __noinline
#define	__noinline		__attribute__((__noinline__))
#endif
#ifndef __always_inline
#define	__always_inline		__inline __attribute__((__always_inline__))
#endif
#ifndef __unused
#define	__unused		__attribute__((__unused__))
#endif
#define	__aligned(x)		__attribute__((__aligned__(x)))
#define	__dead2			__attribute__((__noreturn__))
#define	__printflike(a, b)	__attribute__((__format__(__printf__, a, b)))
#define	__exported		__attribute__((__visibility__("default")))
#define	__containerof(p, t, f)	((t *)((char *)(p) - offsetof(t, f)))
#define	CTASSERT(x)		_Static_assert(x, #x)

static inline void
cpu_spinwait(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

#endif /* !_SYS_PARAM_H_ */
