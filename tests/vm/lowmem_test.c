/*
 * The low-memory event (vm_lowmem.h): a subscriber hears the page daemon
 * when memory runs short, UMA (a subscriber from boot) trims its caches,
 * vm.lowmem_period limits the rate, and a deregistered handler is not
 * called again.
 */
#include <atf-c.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm_whitebox.h"
#include <vm/vm_lowmem.h>

#define	MB	(1024u * 1024u)

static _Atomic int calls;
static _Atomic int last_flags;

static void
handler(void *arg, int flags)
{
	ATF_REQUIRE(arg == &calls);
	atomic_store(&last_flags, flags);
	atomic_fetch_add(&calls, 1);
}

static uint64_t
u64(const char *name)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	ATF_REQUIRE_EQ_MSG(0, vm_sysctlbyname(name, &v, &len, NULL, 0), "%s",
	    name);
	return (v);
}

static void
set_period(int s)
{
	ATF_REQUIRE_EQ(0, vm_sysctlbyname("vm.lowmem_period", NULL, NULL, &s,
	    sizeof(s)));
}

/* Write len bytes of fresh anonymous memory: 16 MiB of physical memory
   cannot hold it, so the page daemon runs. */
static void
pressure(size_t len)
{
	struct vmspace *vs;
	vm_offset_t base = 0, off;
	static char buf[MB];

	memset(buf, 0x5a, sizeof(buf));
	ATF_REQUIRE_EQ(0, vmspace_create(&vs));
	ATF_REQUIRE_EQ(0, vm_mmap(vs, &base, len, VM_PROT_READ |
	    VM_PROT_WRITE, VM_MAP_PRIVATE | VM_MAP_ANON, -1, 0));
	for (off = 0; off < len; off += MB)
		ATF_REQUIRE_EQ(0, vm_copyout(vs, buf, base + off, MB));
	vmspace_release(vs);
}

static void
boot(void)
{
	struct vm_config c;

	vm_config_init(&c);
	c.physmem = 16 * MB;
	c.ncpu = 2;
	c.swapfile = "swap";
	c.swapsize = 128 * MB;
	ATF_REQUIRE_EQ(0, vm_boot(&c));
}

ATF_TC_WITHOUT_HEAD(subscriber_hears_shortage);
ATF_TC_BODY(subscriber_hears_shortage, tc)
{
	struct vm_lowmem_handler *lh;
	uint64_t ev0, uma0;
	int n;

	boot();
	set_period(0);
	ev0 = u64("vm.lowmem_events");
	uma0 = u64("vm.uma_lowmem_reclaims");
	lh = vm_lowmem_register(handler, &calls);
	ATF_REQUIRE(lh != NULL);
	/* No shortage, no event. */
	ATF_CHECK_EQ(0, atomic_load(&calls));
	pressure(48 * MB);
	ATF_CHECK(atomic_load(&calls) > 0);
	ATF_CHECK_EQ(VM_LOW_PAGES, atomic_load(&last_flags));
	ATF_CHECK(u64("vm.lowmem_events") > ev0);
	/* UMA subscribed at boot: its thread trimmed (soon after). */
	for (n = 0; n < 200 && u64("vm.uma_lowmem_reclaims") == uma0; n++)
		usleep(10000);
	ATF_CHECK(u64("vm.uma_lowmem_reclaims") > uma0);
	/* Gone: not called again. */
	vm_lowmem_deregister(lh);
	n = atomic_load(&calls);
	pressure(48 * MB);
	ATF_CHECK_EQ(n, atomic_load(&calls));
	vm_shutdown();
}

ATF_TC_WITHOUT_HEAD(period_limits_rate);
ATF_TC_BODY(period_limits_rate, tc)
{
	struct vm_lowmem_handler *lh;

	boot();
	atomic_store(&calls, 0);
	/* FreeBSD's default: at most one event in ten seconds. */
	set_period(10);
	lh = vm_lowmem_register(handler, &calls);
	ATF_REQUIRE(lh != NULL);
	pressure(48 * MB);
	pressure(48 * MB);
	ATF_CHECK_EQ(1, atomic_load(&calls));
	/* Invoked directly, it runs regardless. */
	vm_lowmem_invoke(VM_LOW_KMEM);
	ATF_CHECK_EQ(2, atomic_load(&calls));
	ATF_CHECK_EQ(VM_LOW_KMEM, atomic_load(&last_flags));
	vm_lowmem_deregister(lh);
	vm_lowmem_deregister(NULL);
	vm_shutdown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, subscriber_hears_shortage);
	ATF_TP_ADD_TC(tp, period_limits_rate);
	return (atf_no_error());
}
