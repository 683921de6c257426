/*
 * Tests of vm_config_init(), vm_boot() and vm_shutdown()
 * (sys/kern/kern_boot.c) and of the seeded random source
 * (sys/kern/subr_random.c), through the public interface of libvm.h.
 *
 * A refused configuration must leave libvm exactly as unbooted as before:
 * every invalid case is followed by a valid boot and shutdown in the same
 * process.  Boot cycles vary ncpu, physmem and ndomain and check what each
 * boot reports (hw.* sysctls, the CPU slots, counters).
 */

#include "kern_test.h"	/* first: host headers before the kernel's */

#include <stdlib.h>

#include <sys/counter.h>
#include <sys/kernel.h>
#include <sys/kthread.h>
#include <sys/malloc.h>
#include <sys/pcpu.h>

static struct vm_config
small_config(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 16 << 20;
	c.ncpu = 2;
	return (c);
}

static int
sysctl_int(const char *name, int *v)
{
	size_t len = sizeof(*v);
	int error;

	error = vm_sysctlbyname(name, v, &len, NULL, 0);
	if (error == 0)
		ATF_REQUIRE_EQ(sizeof(*v), len);
	return (error);
}

static int
sysctl_u64(const char *name, uint64_t *v)
{
	size_t len = sizeof(*v);
	int error;

	error = vm_sysctlbyname(name, v, &len, NULL, 0);
	if (error == 0)
		ATF_REQUIRE_EQ(sizeof(*v), len);
	return (error);
}

/* libvm is down: nothing booted, nothing running, sysctls refuse. */
static void
require_unbooted(void)
{
	int v;

	ATF_REQUIRE(!vm_is_booted());
	ATF_REQUIRE_EQ(0, kthread_count());
	ATF_REQUIRE_EQ(0, mp_ncpus);
	ATF_REQUIRE_EQ(ENXIO, sysctl_int("hw.ncpu", &v));
}

ATF_TC(config_defaults);
ATF_TC_HEAD(config_defaults, tc)
{
	KT_DESCR(tc, "vm_config_init fills every field: "
	    "256 MiB, host CPUs (1..256), one domain, soft pmap, no seed, no "
	    "swap, no bad pages");
}
ATF_TC_BODY(config_defaults, tc)
{
	struct vm_config c;
	long n;

	memset(&c, 0xa5, sizeof(c));
	vm_config_init(&c);
	ATF_REQUIRE_EQ(256ull << 20, c.physmem);
	ATF_REQUIRE_EQ(1, c.ndomain);
	ATF_REQUIRE_EQ(VM_PMAP_SOFT, c.pmap);
	ATF_REQUIRE(c.ncpu >= 1 && c.ncpu <= MAXCPU);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n >= 1 && n <= MAXCPU)
		ATF_REQUIRE_EQ(n, c.ncpu);
	ATF_REQUIRE_EQ(0u, c.seed);
	ATF_REQUIRE(c.swapfile == NULL);
	ATF_REQUIRE_EQ(0u, c.swapsize);
	ATF_REQUIRE(c.badpages == NULL);
}

ATF_TC(boot_defaults);
ATF_TC_HEAD(boot_defaults, tc)
{
	KT_DESCR(tc, "vm_boot(NULL) boots the defaults");
}
ATF_TC_BODY(boot_defaults, tc)
{
	struct vm_config d;
	uint64_t physmem;
	int ncpu;

	vm_config_init(&d);
	ATF_REQUIRE_EQ(0, vm_boot(NULL));
	ATF_REQUIRE(vm_is_booted());
	ATF_REQUIRE_EQ(0, sysctl_u64("hw.physmem", &physmem));
	ATF_REQUIRE_EQ(d.physmem, physmem);
	ATF_REQUIRE_EQ(0, sysctl_int("hw.ncpu", &ncpu));
	ATF_REQUIRE_EQ(d.ncpu, ncpu);
	vm_shutdown();
	require_unbooted();
}

ATF_TC(boot_twice_ebusy);
ATF_TC_HEAD(boot_twice_ebusy, tc)
{
	KT_DESCR(tc, "a second vm_boot returns EBUSY, "
	    "whatever its configuration, and changes nothing");
}
ATF_TC_BODY(boot_twice_ebusy, tc)
{
	struct vm_config c = small_config(), c2;
	int ncpu;

	ATF_REQUIRE_EQ(0, vm_boot(&c));
	c2 = c;
	c2.ncpu = 3;
	c2.physmem = 32 << 20;
	ATF_REQUIRE_EQ(EBUSY, vm_boot(&c2));
	ATF_REQUIRE_EQ(EBUSY, vm_boot(&c));
	ATF_REQUIRE_EQ(EBUSY, vm_boot(NULL));
	c2.ncpu = 0;			/* invalid, but busy comes first */
	ATF_REQUIRE_EQ(EBUSY, vm_boot(&c2));
	ATF_REQUIRE(vm_is_booted());
	ATF_REQUIRE_EQ(2, vm_boot_config()->ncpu);
	ATF_REQUIRE_EQ(16ull << 20, vm_boot_config()->physmem);
	ATF_REQUIRE_EQ(2, mp_ncpus);
	ATF_REQUIRE_EQ(0, sysctl_int("hw.ncpu", &ncpu));
	ATF_REQUIRE_EQ(2, ncpu);
	vm_shutdown();
	require_unbooted();
}

/* ---- refused configurations ------------------------------------------ */

static char long_badpages[1100];

struct bad_config {
	const char	*what;
	int		error;
	void		(*set)(struct vm_config *);
};

static void set_physmem_0(struct vm_config *c) { c->physmem = 0; }
static void set_physmem_1m(struct vm_config *c) { c->physmem = 1 << 20; }
static void set_physmem_below_min(struct vm_config *c)
{ c->physmem = (4 << 20) - 4096; }
static void set_physmem_huge(struct vm_config *c)
{ c->physmem = 1ull << 47; }
static void set_ncpu_0(struct vm_config *c) { c->ncpu = 0; }
static void set_ncpu_neg(struct vm_config *c) { c->ncpu = -1; }
static void set_ncpu_257(struct vm_config *c) { c->ncpu = MAXCPU + 1; }
static void set_ndomain_0(struct vm_config *c) { c->ndomain = 0; }
static void set_ndomain_9(struct vm_config *c) { c->ndomain = MAXMEMDOM + 1; }
static void set_ndomain_tiny(struct vm_config *c) { c->ndomain = 8; }
static void set_pmap_7(struct vm_config *c) { c->pmap = 7; }
static void set_pmap_neg(struct vm_config *c) { c->pmap = -1; }
static void set_bad_word(struct vm_config *c) { c->badpages = "zzz"; }
static void set_bad_tail(struct vm_config *c) { c->badpages = "0x1000,junk"; }
static void set_bad_suffix(struct vm_config *c) { c->badpages = "0x1000x"; }
static void set_bad_decimal(struct vm_config *c) { c->badpages = "12abc"; }
static void set_bad_overflow(struct vm_config *c)
{ c->badpages = "0x1ffffffffffffffff"; }
static void set_bad_at_end(struct vm_config *c)
{ c->badpages = "0x2000,0x1000000"; }	/* 16 MiB: just past the end */
static void set_bad_far(struct vm_config *c)
{ c->badpages = "0x40000000"; }
static void set_bad_long(struct vm_config *c)
{
	memset(long_badpages, ' ', sizeof(long_badpages) - 1);
	long_badpages[sizeof(long_badpages) - 1] = '\0';
	c->badpages = long_badpages;
}
static void set_swapfile(struct vm_config *c)
{ c->swapfile = "/nonexistent/swap"; c->swapsize = 1 << 20; }
static void set_swapsize_small(struct vm_config *c)
{ c->swapfile = "swap"; c->swapsize = 4095; }

static const struct bad_config bad_configs[] = {
	{ "physmem 0", EINVAL, set_physmem_0 },
	{ "physmem 1 MiB", EINVAL, set_physmem_1m },
	{ "physmem 4 MiB - 4 KiB", EINVAL, set_physmem_below_min },
	{ "physmem 128 TiB", EINVAL, set_physmem_huge },
	{ "ncpu 0", EINVAL, set_ncpu_0 },
	{ "ncpu -1", EINVAL, set_ncpu_neg },
	{ "ncpu 257", EINVAL, set_ncpu_257 },
	{ "ndomain 0", EINVAL, set_ndomain_0 },
	{ "ndomain 9", EINVAL, set_ndomain_9 },
	{ "ndomain 8 of 16 MiB", EINVAL, set_ndomain_tiny },
	{ "pmap 7", EINVAL, set_pmap_7 },
	{ "pmap -1", EINVAL, set_pmap_neg },
	{ "badpages zzz", EINVAL, set_bad_word },
	{ "badpages 0x1000,junk", EINVAL, set_bad_tail },
	{ "badpages 0x1000x", EINVAL, set_bad_suffix },
	{ "badpages 12abc", EINVAL, set_bad_decimal },
	{ "badpages overflowing", EINVAL, set_bad_overflow },
	{ "badpages at physmem", EINVAL, set_bad_at_end },
	{ "badpages at 1 GiB", EINVAL, set_bad_far },
	{ "badpages too long", ENAMETOOLONG, set_bad_long },
	{ "swapfile in a missing directory", ENOENT, set_swapfile },
	{ "swap smaller than a page", EINVAL, set_swapsize_small },
};

ATF_TC(boot_invalid_configs);
ATF_TC_HEAD(boot_invalid_configs, tc)
{
	KT_DESCR(tc, "invalid configurations are refused "
	    "with EINVAL (ENAMETOOLONG, EOPNOTSUPP) and leave libvm unbooted: "
	    "a valid vm_boot succeeds right after each");
}
ATF_TC_BODY(boot_invalid_configs, tc)
{
	struct vm_config c, good = small_config();
	size_t i;
	int error;

	for (i = 0; i < nitems(bad_configs); i++) {
		c = small_config();
		bad_configs[i].set(&c);
		error = vm_boot(&c);
		ATF_REQUIRE_EQ_MSG(bad_configs[i].error, error,
		    "%s: error %d", bad_configs[i].what, error);
		require_unbooted();
		ATF_REQUIRE_EQ_MSG(0, vm_boot(&good), "after %s",
		    bad_configs[i].what);
		vm_shutdown();
		require_unbooted();
	}
}

ATF_TC(boot_edge_configs);
ATF_TC_HEAD(boot_edge_configs, tc)
{
	KT_DESCR(tc, "the limits themselves boot: 4 MiB, "
	    "256 CPUs, 8 domains of 4 MiB, bad pages at both ends; physmem is "
	    "truncated to whole pages");
}
ATF_TC_BODY(boot_edge_configs, tc)
{
	struct vm_config c;
	uint64_t physmem;
	int v;

	c = small_config();
	c.physmem = 4 << 20;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	vm_shutdown();

	c = small_config();
	c.ncpu = MAXCPU;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	ATF_REQUIRE_EQ(MAXCPU, mp_ncpus);
	vm_shutdown();

	c = small_config();
	c.physmem = 32 << 20;
	c.ndomain = MAXMEMDOM;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	ATF_REQUIRE_EQ(0, sysctl_int("hw.ndomain", &v));
	ATF_REQUIRE_EQ(MAXMEMDOM, v);
	vm_shutdown();

	/* The host MMU does not exist yet: refused, not silently soft. */
	c = small_config();
	c.pmap = VM_PMAP_HOST;
	ATF_REQUIRE_EQ(EOPNOTSUPP, vm_boot(&c));
	c.pmap = 7;
	ATF_REQUIRE_EQ(EINVAL, vm_boot(&c));

	c = small_config();
	c.badpages = " 0x5000, 0xfff000,0x3,, 4096 ";	/* 0x3: page 0 */
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	vm_shutdown();
	c.badpages = "";
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	vm_shutdown();

	c = small_config();
	c.physmem = (16 << 20) + 100;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	ATF_REQUIRE_EQ(16ull << 20, vm_boot_config()->physmem);
	ATF_REQUIRE_EQ(0, sysctl_u64("hw.physmem", &physmem));
	ATF_REQUIRE_EQ(16ull << 20, physmem);
	vm_shutdown();
	require_unbooted();
}

ATF_TC(shutdown_unbooted);
ATF_TC_HEAD(shutdown_unbooted, tc)
{
	KT_DESCR(tc, "vm_shutdown without a boot, or twice, "
	    "does nothing and boot still works");
}
ATF_TC_BODY(shutdown_unbooted, tc)
{
	struct vm_config c = small_config();

	vm_shutdown();
	vm_shutdown();
	require_unbooted();
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	ATF_REQUIRE(vm_is_booted());
	vm_shutdown();
	vm_shutdown();
	require_unbooted();
}

/* ---- boot cycles -------------------------------------------------------- */

static const struct {
	int		ncpu;
	int		ndomain;
	uint64_t	physmem;
} cycles[] = {
	{ 1, 1, 8ull << 20 },
	{ 4, 1, 16ull << 20 },
	{ 2, 1, 4ull << 20 },
	{ 3, 2, 32ull << 20 },
	{ 2, 1, 12ull << 20 },
};

ATF_TC(boot_cycles);
ATF_TC_HEAD(boot_cycles, tc)
{
	KT_DESCR(tc, "five boot/shutdown cycles in one "
	    "process with different ncpu, physmem and ndomain: each boot "
	    "reports its own configuration and works");
}
ATF_TC_BODY(boot_cycles, tc)
{
	struct vm_config c;
	counter_u64_t ctr;
	uint64_t physmem;
	size_t i;
	int v;

	for (i = 0; i < nitems(cycles); i++) {
		vm_config_init(&c);
		c.ncpu = cycles[i].ncpu;
		c.ndomain = cycles[i].ndomain;
		c.physmem = cycles[i].physmem;
		ATF_REQUIRE_EQ_MSG(0, vm_boot(&c), "cycle %zu", i);
		ATF_REQUIRE(vm_is_booted());
		ATF_REQUIRE_EQ(cycles[i].ncpu, mp_ncpus);
		ATF_REQUIRE_EQ(cycles[i].ncpu, vm_boot_config()->ncpu);
		ATF_REQUIRE_EQ(cycles[i].physmem, vm_boot_config()->physmem);
		ATF_REQUIRE_EQ(0, sysctl_int("hw.ncpu", &v));
		ATF_REQUIRE_EQ(cycles[i].ncpu, v);
		ATF_REQUIRE_EQ(0, sysctl_int("hw.ndomain", &v));
		ATF_REQUIRE_EQ(cycles[i].ndomain, v);
		ATF_REQUIRE_EQ(0, sysctl_u64("hw.physmem", &physmem));
		ATF_REQUIRE_EQ(cycles[i].physmem, physmem);
		ATF_REQUIRE_EQ(0, sysctl_int("hw.pagesize", &v));
		ATF_REQUIRE_EQ(PAGE_SIZE, v);
		v = curcpu;
		ATF_REQUIRE(v >= 0 && v < cycles[i].ncpu);
		critical_enter();
		ATF_REQUIRE_EQ(curthread->td_tid,
		    pcpu_holder(curcpu));
		critical_exit();
		ctr = counter_u64_alloc(M_WAITOK);
		ATF_REQUIRE_EQ(0u, counter_u64_fetch(ctr));
		counter_u64_add(ctr, (int64_t)i + 1);
		ATF_REQUIRE_EQ((uint64_t)i + 1, counter_u64_fetch(ctr));
		counter_u64_free(ctr);
		vm_shutdown();
		require_unbooted();
	}
}

/* ---- the random source -------------------------------------------------- */

#define	NRAND	16

static void
boot_and_draw(uint64_t seed, uint64_t *out, uint64_t *seed_used)
{
	struct vm_config c = small_config();
	uint64_t s;
	int i;

	c.seed = seed;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
	*seed_used = kern_random_seed();
	ATF_REQUIRE_EQ(0, sysctl_u64("kern.random_seed", &s));
	ATF_REQUIRE_EQ(*seed_used, s);
	for (i = 0; i < NRAND; i++)
		out[i] = kern_random();
	vm_shutdown();
}

ATF_TC(random_seeded);
ATF_TC_HEAD(random_seeded, tc)
{
	KT_DESCR(tc, "a seeded boot draws the same random "
	    "sequence every time, another seed a different one; seed 0 takes "
	    "a fresh seed from the host");
}
ATF_TC_BODY(random_seeded, tc)
{
	uint64_t a[NRAND], b[NRAND], d[NRAND], z1[NRAND], z2[NRAND];
	uint64_t sa, sb, sd, sz1, sz2;
	int i, j, same;

	boot_and_draw(42, a, &sa);
	boot_and_draw(42, b, &sb);
	boot_and_draw(43, d, &sd);
	ATF_REQUIRE_EQ(42u, sa);
	ATF_REQUIRE_EQ(42u, sb);
	ATF_REQUIRE_EQ(43u, sd);
	ATF_REQUIRE(memcmp(a, b, sizeof(a)) == 0);
	for (same = 0, i = 0; i < NRAND; i++)
		same += a[i] == d[i];
	ATF_REQUIRE_EQ(0, same);
	/* Not a constant stream. */
	for (i = 0; i < NRAND; i++)
		for (j = i + 1; j < NRAND; j++)
			ATF_REQUIRE(a[i] != a[j]);

	boot_and_draw(0, z1, &sz1);
	boot_and_draw(0, z2, &sz2);
	ATF_REQUIRE(sz1 != 0 && sz2 != 0);
	ATF_REQUIRE(sz1 != sz2);
	ATF_REQUIRE(memcmp(z1, z2, sizeof(z1)) != 0);
	/* The seed a seed-0 boot reports reproduces its sequence. */
	boot_and_draw(sz1, b, &sb);
	ATF_REQUIRE_EQ(sz1, sb);
	ATF_REQUIRE(memcmp(z1, b, sizeof(b)) == 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, config_defaults);
	ATF_TP_ADD_TC(tp, boot_defaults);
	ATF_TP_ADD_TC(tp, boot_twice_ebusy);
	ATF_TP_ADD_TC(tp, boot_invalid_configs);
	ATF_TP_ADD_TC(tp, boot_edge_configs);
	ATF_TP_ADD_TC(tp, shutdown_unbooted);
	ATF_TP_ADD_TC(tp, boot_cycles);
	ATF_TP_ADD_TC(tp, random_seeded);
	return (atf_no_error());
}
