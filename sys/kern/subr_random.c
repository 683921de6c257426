/*
 * The kernel's random source.
 *
 * xoshiro256** seeded through splitmix64 from vm_config.seed, or from the
 * host's getrandom() when the seed is 0.  One generator under a mutex: the
 * consumers (ASLR, randomized tests, hash salts) are not hot, and a single
 * stream keeps a seeded single-threaded run reproducible.
 *
 * Lock: rnd_mtx protects the state; it is a leaf lock.
 */
#include <sys/random.h>
#include <pthread.h>

#include <sys/systm.h>

static pthread_mutex_t	rnd_mtx = PTHREAD_MUTEX_INITIALIZER;
static uint64_t		rnd_state[4];	/* (rnd_mtx) */
static uint64_t		rnd_seed;	/* (rnd_mtx) */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

void
kern_random_init(uint64_t seed)
{
	uint64_t x;
	int i;

	if (seed == 0) {
		while (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			;
		if (seed == 0)
			seed = 1;
	}
	pthread_mutex_lock(&rnd_mtx);
	rnd_seed = seed;
	x = seed;
	for (i = 0; i < 4; i++)
		rnd_state[i] = splitmix64(&x);
	pthread_mutex_unlock(&rnd_mtx);
}

uint64_t
kern_random(void)
{
	uint64_t *s = rnd_state, r, t;

	pthread_mutex_lock(&rnd_mtx);
	r = rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	pthread_mutex_unlock(&rnd_mtx);
	return (r);
}

uint64_t
kern_random_seed(void)
{
	uint64_t seed;

	pthread_mutex_lock(&rnd_mtx);
	seed = rnd_seed;
	pthread_mutex_unlock(&rnd_mtx);
	return (seed);
}
