/*
 * counter(9): per-CPU 64-bit event counters.
 *
 * A counter is a slot in a per-CPU counter area allocated at boot; CPU i's
 * copy lives at the same slot in the i-th area.  Adding touches only the
 * current CPU's copy, with a relaxed atomic add: two host threads may share
 * a slot outside a critical section, and an atomic add keeps the sum exact
 * without the cost of entering one.  Fetching sums every CPU's copy.
 */
#ifndef _SYS_COUNTER_H_
#define _SYS_COUNTER_H_

#include <sys/pcpu.h>

typedef _Atomic uint64_t *counter_u64_t;

extern size_t	counter_stride;		/* bytes between CPUs' areas */

counter_u64_t	counter_u64_alloc(int flags);	/* M_WAITOK, M_NOWAIT */
void		counter_u64_free(counter_u64_t);
uint64_t	counter_u64_fetch(counter_u64_t);
void		counter_u64_zero(counter_u64_t);
void		counter_init(int ncpu);
void		counter_fini(void);

static inline void
counter_u64_add(counter_u64_t c, int64_t inc)
{
	_Atomic uint64_t *p;

	p = (_Atomic uint64_t *)((char *)c + (size_t)curcpu * counter_stride);
	atomic_fetch_add_explicit(p, (uint64_t)inc, memory_order_relaxed);
}

#define	COUNTER_U64_DEFINE_EARLY(c)	counter_u64_t c

#endif /* !_SYS_COUNTER_H_ */
