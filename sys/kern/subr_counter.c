/*
 * counter(9): per-CPU 64-bit counters.
 *
 * At boot one counter area per CPU is allocated, COUNTER_SLOTS slots each;
 * a counter_u64_t points at its slot in CPU 0's area, and CPU i's copy is
 * counter_stride * i bytes further.  Slots are handed out from a bitmap
 * under counter_mtx (allocation is rare: at boot and object creation).
 *
 * Lock: counter_mtx protects the bitmap.  The slots themselves are updated
 * with relaxed atomics (see counter.h).
 */
#include <stdlib.h>
#include <string.h>

#include <sys/systm.h>
#include <sys/counter.h>
#include <sys/malloc.h>
#include <sys/mutex.h>

#define	COUNTER_SLOTS	4096

size_t			counter_stride;
static _Atomic uint64_t	*counter_base;
static uint64_t		counter_map[COUNTER_SLOTS / 64];	/* (counter_mtx) */
static struct mtx	counter_mtx;

void
counter_init(int ncpu)
{
	counter_stride = COUNTER_SLOTS * sizeof(uint64_t);
	counter_base = aligned_alloc(CACHE_LINE_SIZE,
	    counter_stride * (size_t)ncpu);
	if (counter_base == NULL)
		panic("%s: out of host memory", __func__);
	memset((void *)counter_base, 0, counter_stride * (size_t)ncpu);
	memset(counter_map, 0, sizeof(counter_map));
	mtx_init(&counter_mtx, "counter", NULL, MTX_DEF);
}

void
counter_fini(void)
{
	free((void *)counter_base);
	counter_base = NULL;
	mtx_destroy(&counter_mtx);
}

counter_u64_t
counter_u64_alloc(int flags __unused)
{
	counter_u64_t c;
	int i, b;

	mtx_lock(&counter_mtx);
	for (i = 0; i < (int)nitems(counter_map); i++)
		if (counter_map[i] != ~(uint64_t)0)
			break;
	if (i == (int)nitems(counter_map))
		panic("%s: all %d counter slots in use", __func__,
		    COUNTER_SLOTS);
	b = __builtin_ctzll(~counter_map[i]);
	counter_map[i] |= (uint64_t)1 << b;
	mtx_unlock(&counter_mtx);
	c = counter_base + i * 64 + b;
	counter_u64_zero(c);
	return (c);
}

void
counter_u64_free(counter_u64_t c)
{
	size_t slot;

	if (c == NULL)
		return;
	slot = (size_t)(c - counter_base);
	KASSERT(slot < COUNTER_SLOTS, ("%s: bad counter %p", __func__,
	    (void *)c));
	mtx_lock(&counter_mtx);
	KASSERT(counter_map[slot / 64] & ((uint64_t)1 << (slot % 64)),
	    ("%s: counter %p not allocated", __func__, (void *)c));
	counter_map[slot / 64] &= ~((uint64_t)1 << (slot % 64));
	mtx_unlock(&counter_mtx);
}

static inline _Atomic uint64_t *
counter_cpu(counter_u64_t c, int cpu)
{
	return ((_Atomic uint64_t *)((char *)c + (size_t)cpu * counter_stride));
}

uint64_t
counter_u64_fetch(counter_u64_t c)
{
	uint64_t sum = 0;
	int cpu;

	for (cpu = 0; cpu < mp_ncpus; cpu++)
		sum += atomic_load_explicit(counter_cpu(c, cpu),
		    memory_order_relaxed);
	return (sum);
}

void
counter_u64_zero(counter_u64_t c)
{
	int cpu;

	for (cpu = 0; cpu < mp_ncpus; cpu++)
		atomic_store_explicit(counter_cpu(c, cpu), 0,
		    memory_order_relaxed);
}
