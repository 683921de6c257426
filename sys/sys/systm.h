/*
 * Kernel-wide services: panic, assertions, console output.
 *
 * KASSERT and MPASS compile to nothing unless the build defines INVARIANTS;
 * INVARIANTS also turns on the structure checkers (vm_phys_check(),
 * vm_pagequeue_check(), pctrie checks, ...) that the tests call.  panic()
 * is always present: a broken invariant stops the process loudly.
 */
#ifndef _SYS_SYSTM_H_
#define _SYS_SYSTM_H_

#include <sys/param.h>

void	panic(const char *fmt, ...) __dead2 __printflike(1, 2);
void	kprintf(const char *fmt, ...) __printflike(1, 2);

#ifdef INVARIANTS
#define	KASSERT(exp, msg) do {						\
	if (__predict_false(!(exp)))					\
		panic msg;						\
} while (0)
#define	INVARIANTS_ENABLED	1
#else
#define	KASSERT(exp, msg) do { } while (0)
#define	INVARIANTS_ENABLED	0
#endif

#define	MPASS(ex)		MPASS4(ex, #ex, __FILE__, __LINE__)
#define	MPASS4(ex, what, file, line)					\
	KASSERT((ex), ("Assertion %s failed at %s:%d", what, file, line))

/* Seedable random source (subr_random.c). */
void		kern_random_init(uint64_t seed);
uint64_t	kern_random(void);		/* 64 uniformly random bits */
uint64_t	kern_random_seed(void);		/* the seed in use */

#endif /* !_SYS_SYSTM_H_ */
