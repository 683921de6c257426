/*
 * The pluggable replacement policy (vm_pdpolicy.h): choosing one at boot,
 * the simulator's yardsticks against hand-computed fault counts, CLOCK-Pro
 * against LRU on the patterns it was made for, and CLOCK-Pro managing real
 * memory several times physical memory through swap, with its structure
 * checked and the data verified.  (The whole suite also runs under
 * CLOCK-Pro: LIBVM_PDPOLICY=clockpro, .ci/run.)
 */
#include <atf-c.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm_whitebox.h"
#include <vm/vm_pagequeue.h>
#include <vm/vm_pdpolicy.h>

#define	MB		(1024u * 1024u)

/* A counter of vm.clockpro. */
static uint64_t
cpstat(const char *name)
{
	char full[64];
	uint64_t v = 0;
	size_t len = sizeof(v);

	snprintf(full, sizeof(full), "vm.clockpro.%s", name);
	ATF_REQUIRE_EQ_MSG(0, vm_sysctlbyname(full, &v, &len, NULL, 0), "%s",
	    full);
	return (v);
}

static void
boot_policy(const char *policy, const char *swapfile, uint64_t swapsize)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 16 * MB;
	c.ncpu = 2;
	c.seed = 1;
	c.pdpolicy = policy;
	c.swapfile = swapfile;
	c.swapsize = swapsize;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
}

static void
policy_name(char *buf, size_t len)
{
	memset(buf, 0, len);
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.pdpolicy", buf, &len, NULL, 0));
}

static uint64_t
sim(const char *policy, u_int pages, const uint64_t *keys, size_t n)
{
	uint64_t faults = ~0ull;

	ATF_REQUIRE_EQ_MSG(0, vm_pdsim_run(policy, pages, keys, n, &faults),
	    "%s over %u frames", policy, pages);
	return (faults);
}

/* A loop over npages pages, rounds times. */
static uint64_t *
loop_trace(u_int npages, u_int rounds, size_t *np)
{
	uint64_t *k = malloc((size_t)npages * rounds * sizeof(*k));
	size_t i;

	ATF_REQUIRE(k != NULL);
	for (i = 0; i < (size_t)npages * rounds; i++)
		k[i] = i % npages;
	*np = (size_t)npages * rounds;
	return (k);
}

ATF_TC_WITHOUT_HEAD(boot_choice);
ATF_TC_BODY(boot_choice, tc)
{
	struct vm_config c;
	char name[32];

	unsetenv("LIBVM_PDPOLICY");
	boot_policy(NULL, NULL, 0);
	policy_name(name, sizeof(name));
	ATF_CHECK_STREQ("default", name);
	vm_shutdown();

	boot_policy("clockpro", NULL, 0);
	policy_name(name, sizeof(name));
	ATF_CHECK_STREQ("clockpro", name);
	vm_shutdown();

	/* An unknown name is refused and boots nothing. */
	vm_config_init(&c);
	c.physmem = 16 * MB;
	c.pdpolicy = "lru";	/* a yardstick of the simulator only */
	ATF_CHECK_EQ(EINVAL, vm_boot(&c));
	c.pdpolicy = "";
	ATF_CHECK_EQ(EINVAL, vm_boot(&c));
	ATF_CHECK_EQ(ENXIO, vm_sysctlbyname("vm.pdpolicy", name,
	    &(size_t){ sizeof(name) }, NULL, 0));

	/* The environment's choice, when the configuration has none. */
	ATF_REQUIRE_EQ(0, setenv("LIBVM_PDPOLICY", "clockpro", 1));
	boot_policy(NULL, NULL, 0);
	policy_name(name, sizeof(name));
	ATF_CHECK_STREQ("clockpro", name);
	vm_shutdown();
	ATF_REQUIRE_EQ(0, setenv("LIBVM_PDPOLICY", "nosuch", 1));
	vm_config_init(&c);
	c.physmem = 16 * MB;
	ATF_CHECK_EQ(EINVAL, vm_boot(&c));
	/* The configuration wins over the environment. */
	boot_policy("default", NULL, 0);
	policy_name(name, sizeof(name));
	ATF_CHECK_STREQ("default", name);
	/* Read-only. */
	ATF_CHECK_EQ(EPERM, vm_sysctlbyname("vm.pdpolicy", NULL, NULL,
	    "clockpro", 9));
	vm_shutdown();
	unsetenv("LIBVM_PDPOLICY");
}

ATF_TC_WITHOUT_HEAD(sim_yardsticks);
ATF_TC_BODY(sim_yardsticks, tc)
{
	/* 1 2 3 1 2 3 over two frames. */
	static const uint64_t k1[] = { 1, 2, 3, 1, 2, 3 };
	/* 1 2 1 3 1 4 1 5: LRU keeps 1; so does OPT. */
	static const uint64_t k2[] = { 1, 2, 1, 3, 1, 4, 1, 5 };
	uint64_t *k;
	size_t n;

	boot_policy(NULL, NULL, 0);
	ATF_CHECK_EQ(6, sim("lru", 2, k1, 6));
	/* OPT: 1 2 miss; 3 evicts 2 (used later than 1); 1 hits; 2
	   evicts 1 (never used again); 3 hits. */
	ATF_CHECK_EQ(4, sim("opt", 2, k1, 6));
	ATF_CHECK_EQ(3, sim("lru", 3, k1, 6));
	ATF_CHECK_EQ(3, sim("opt", 3, k1, 6));
	ATF_CHECK_EQ(5, sim("lru", 2, k2, 8));
	ATF_CHECK_EQ(5, sim("opt", 2, k2, 8));
	/* A loop one page larger than memory: LRU always misses, OPT
	   misses about once per round after the first. */
	k = loop_trace(101, 50, &n);
	ATF_CHECK_EQ(n, sim("lru", 100, k, n));
	ATF_CHECK(sim("opt", 100, k, n) < 101 + 49 * 2);
	free(k);
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(sim_errors);
ATF_TC_BODY(sim_errors, tc)
{
	static const uint64_t k[] = { 1, 2, 3 };
	uint64_t faults = 7;

	boot_policy(NULL, NULL, 0);
	ATF_CHECK_EQ(EINVAL, vm_pdsim_run("nosuch", 4, k, 3, &faults));
	ATF_CHECK_EQ(EINVAL, vm_pdsim_run("clockpro", 0, k, 3, &faults));
	ATF_CHECK_EQ(EINVAL, vm_pdsim_run("lru", 0, k, 3, &faults));
	ATF_CHECK_EQ(7, faults);
	/* No references: no faults. */
	ATF_CHECK_EQ(0, sim("clockpro", 4, k, 0));
	ATF_CHECK_EQ(0, sim("default", 4, k, 0));
	/* More frames than pages: only cold misses. */
	ATF_CHECK_EQ(3, sim("clockpro", 64, k, 3));
	ATF_CHECK_EQ(3, sim("default", 64, k, 3));
	vm_shutdown();
}

/*
 * CLOCK-Pro's case: a loop larger than memory, where LRU and CLOCK miss
 * every time; CLOCK-Pro keeps most of memory hot and comes close to OPT.
 * The same runs give the same counts (the simulator is deterministic).
 */
ATF_TC_WITHOUT_HEAD(sim_clockpro_loop);
ATF_TC_BODY(sim_clockpro_loop, tc)
{
	uint64_t *k, lru, opt, cp, def;
	size_t n;

	boot_policy(NULL, NULL, 0);
	k = loop_trace(500, 40, &n);
	lru = sim("lru", 400, k, n);
	opt = sim("opt", 400, k, n);
	cp = sim("clockpro", 400, k, n);
	def = sim("default", 400, k, n);
	ATF_CHECK_EQ(n, lru);
	ATF_CHECK_MSG(cp < lru, "clockpro %ju faults, lru %ju",
	    (uintmax_t)cp, (uintmax_t)lru);
	/* At least 60% of the way from LRU to OPT. */
	ATF_CHECK_MSG((lru - cp) * 10 >= (lru - opt) * 6,
	    "clockpro %ju, lru %ju, opt %ju", (uintmax_t)cp, (uintmax_t)lru,
	    (uintmax_t)opt);
	ATF_CHECK_EQ(cp, sim("clockpro", 400, k, n));
	ATF_CHECK_EQ(def, sim("default", 400, k, n));
	free(k);
	vm_shutdown();
}

/*
 * Two pools: a hot set used often among pages used once.  CLOCK-Pro must
 * not do much worse than LRU here (it keeps the hot set).
 */
ATF_TC_WITHOUT_HEAD(sim_clockpro_pools);
ATF_TC_BODY(sim_clockpro_pools, tc)
{
	uint64_t *k, lru, cp, x = 88172645463325252ull;
	size_t i, n = 200000;

	boot_policy(NULL, NULL, 0);
	k = malloc(n * sizeof(*k));
	ATF_REQUIRE(k != NULL);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Half the references to 300 pages, half to 100000. */
		k[i] = (x & 1) != 0 ? (x >> 8) % 300 : 1000 + (x >> 8) % 100000;
	}
	lru = sim("lru", 1000, k, n);
	cp = sim("clockpro", 1000, k, n);
	ATF_CHECK_MSG(cp <= lru + n / 50, "clockpro %ju faults, lru %ju",
	    (uintmax_t)cp, (uintmax_t)lru);
	free(k);
	vm_shutdown();
}

/* ---- CLOCK-Pro on real memory -------------------------------------------- */

#define	REGION		(48u * MB)	/* three times physical memory */

static inline uint64_t
pat(vm_offset_t off, uint64_t gen)
{
	return ((off / 8) * 0x9e3779b97f4a7c15ull ^ gen);
}

struct reader {
	struct vmspace	*vs;
	vm_offset_t	base;
	uint64_t	gen;
	int		bad;
	unsigned	seed;
};

static void *
random_reader(void *arg)
{
	struct reader *r = arg;
	uint64_t w;
	vm_offset_t off;
	int i;

	for (i = 0; i < 3000; i++) {
		off = ((vm_offset_t)rand_r(&r->seed) % (REGION / 8)) * 8;
		if (vm_copyin(r->vs, r->base + off, &w, 8) != 0 ||
		    w != pat(off, r->gen))
			r->bad++;
	}
	return (NULL);
}

static void
clockpro_check_now(void)
{
	struct vm_domain *vmd = VM_DOMAIN(0);

	ATF_REQUIRE(vmd->vmd_pdp->pdp_check != NULL);
	vmd->vmd_pdp->pdp_check(vmd);
}

ATF_TC_WITHOUT_HEAD(clockpro_swap);
ATF_TC_BODY(clockpro_swap, tc)
{
	struct vmspace *vs;
	struct reader r[2];
	pthread_t t[2];
	uint64_t *buf, promotions, demotions, ghost_hits;
	vm_offset_t base = 0, off;
	uint64_t nhot, ncold, nghost;
	size_t i;
	int pass;

	boot_policy("clockpro", "swap", 4 * REGION);
	buf = malloc(MB);
	ATF_REQUIRE(buf != NULL);
	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &base, REGION, VM_PROT_READ |
	    VM_PROT_WRITE, VM_MAP_PRIVATE | VM_MAP_ANON, -1, 0));
	for (off = 0; off < REGION; off += MB) {
		for (i = 0; i < MB / 8; i++)
			buf[i] = pat(off + i * 8, 1);
		ATF_REQUIRE_EQ(0, vm_copyout(vs, buf, base + off, MB));
	}
	clockpro_check_now();
	/* Twice through: the second pass faults pages back in from swap. */
	for (pass = 0; pass < 2; pass++) {
		for (off = 0; off < REGION; off += MB) {
			ATF_REQUIRE_EQ(0, vm_copyin(vs, base + off, buf, MB));
			for (i = 0; i < MB / 8; i++)
				if (buf[i] != pat(off + i * 8, 1))
					atf_tc_fail("word %#jx: %#jx",
					    (uintmax_t)(off + i * 8),
					    (uintmax_t)buf[i]);
		}
		clockpro_check_now();
	}
	for (i = 0; i < 2; i++) {
		r[i] = (struct reader){ vs, base, 1, 0, (unsigned)i + 7 };
		ATF_REQUIRE_EQ(0, pthread_create(&t[i], NULL, random_reader,
		    &r[i]));
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		ATF_CHECK_EQ(0, r[i].bad);
	}
	clockpro_check_now();
	promotions = cpstat("promotions");
	demotions = cpstat("demotions");
	ghost_hits = cpstat("ghost_hits");
	nhot = cpstat("hot");
	ncold = cpstat("cold");
	nghost = cpstat("ghosts");
	/* Pages were evicted during their test periods and came back. */
	ATF_CHECK_MSG(ghost_hits > 0, "promotions %ju demotions %ju ghost "
	    "hits %ju, hot %ju cold %ju ghosts %ju", (uintmax_t)promotions,
	    (uintmax_t)demotions, (uintmax_t)ghost_hits, (uintmax_t)nhot,
	    (uintmax_t)ncold, (uintmax_t)nghost);
	vmspace_release(vs);
	clockpro_check_now();
	free(buf);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, boot_choice);
	ATF_TP_ADD_TC(tp, sim_yardsticks);
	ATF_TP_ADD_TC(tp, sim_errors);
	ATF_TP_ADD_TC(tp, sim_clockpro_loop);
	ATF_TP_ADD_TC(tp, sim_clockpro_pools);
	ATF_TP_ADD_TC(tp, clockpro_swap);
	return (atf_no_error());
}
