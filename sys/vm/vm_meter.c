/*
 * VM statistics and their sysctl nodes (vm.stats.vm.*).
 *
 * Event counters live in vm_cnt as counter(9)s.  Page counts and
 * thresholds are computed on each read from the domains, so that nothing
 * is stored twice: a sysctl read sums vmd_free_count, the page queue
 * counts and so on.  All values are exported as uint64_t, as API.md
 * specifies (FreeBSD exports some as u_int; an int-sized buffer gets
 * ENOMEM here, as FreeBSD does for any short buffer).
 */
#include <stddef.h>

#include <sys/systm.h>
#include <sys/counter.h>
#include <sys/sysctl.h>
#include <vm/vm_map.h>
#include <vm/vm_meter.h>
#include <vm/vm_page.h>
#include <vm/vm_pagequeue.h>
#include <vm/vm_phys.h>

struct vmmeter vm_cnt;

static const struct {
	const char	*name;
	size_t		off;
	const char	*descr;
} vm_meter_counters[] = {
#define	C(f, d)	{ #f, offsetof(struct vmmeter, f), d }
	C(v_vm_faults, "Address space faults"),
	C(v_io_faults, "Page faults requiring I/O"),
	C(v_cow_faults, "Copy-on-write faults"),
	C(v_cow_optim, "Optimized COW faults"),
	C(v_zfod, "Pages zero-filled on demand"),
	C(v_ozfod, "Optimized zero fill pages"),
	C(v_swapin, "Swap pager pageins"),
	C(v_swapout, "Swap pager pageouts"),
	C(v_swappgsin, "Swap pages swapped in"),
	C(v_swappgsout, "Swap pages swapped out"),
	C(v_vnodein, "Vnode pager pageins"),
	C(v_vnodeout, "Vnode pager pageouts"),
	C(v_vnodepgsin, "Vnode pages paged in"),
	C(v_vnodepgsout, "Vnode pages paged out"),
	C(v_intrans, "In transit page faults"),
	C(v_reactivated, "Pages reactivated by pagedaemon"),
	C(v_pdwakeups, "Pagedaemon wakeups"),
	C(v_pdpages, "Pages analyzed by pagedaemon"),
	C(v_pdshortfalls, "Page reclamation shortfalls"),
	C(v_dfree, "Pages freed by pagedaemon"),
	C(v_pfree, "Pages freed by exiting processes"),
	C(v_tfree, "Total pages freed"),
	C(v_forks, "Number of fork() calls"),
	C(v_forkpages, "VM pages affected by fork()"),
	C(v_object_collapses, "Backing objects collapsed into their shadow"),
	C(v_object_bypasses, "Backing objects bypassed by their shadow"),
	C(v_pgwait, "Page allocations that slept (libvm)"),
	C(v_pgfail, "Page allocations refused (libvm)"),
#undef C
};

enum vm_meter_sum {
	VMS_PAGE_COUNT, VMS_FREE_COUNT, VMS_WIRE_COUNT, VMS_ACTIVE,
	VMS_INACTIVE, VMS_LAUNDRY, VMS_UNSWAPPABLE, VMS_FREE_RESERVED,
	VMS_FREE_MIN, VMS_FREE_TARGET, VMS_FREE_SEVERE, VMS_INTR_FREE_MIN,
	VMS_PAGEOUT_FREE_MIN, VMS_INACTIVE_TARGET, VMS_BAD_COUNT,
	VMS_USER_WIRE_COUNT,
};

static uint64_t
vm_meter_sum(enum vm_meter_sum what)
{
	struct vm_domain *vmd;
	uint64_t sum = 0;
	int d;

	switch (what) {
	case VMS_WIRE_COUNT:
		return (vm_wire_count());
	case VMS_USER_WIRE_COUNT:
		return (atomic_load(&vm_user_wire_count));
	case VMS_ACTIVE:
		return (vm_pagequeue_count(PQ_ACTIVE));
	case VMS_INACTIVE:
		return (vm_pagequeue_count(PQ_INACTIVE));
	case VMS_LAUNDRY:
		return (vm_pagequeue_count(PQ_LAUNDRY));
	case VMS_UNSWAPPABLE:
		return (vm_pagequeue_count(PQ_UNSWAPPABLE));
	case VMS_BAD_COUNT:
		return ((uint64_t)vm_phys_badpage_count());
	default:
		break;
	}
	for (d = 0; d < vm_ndomains; d++) {
		vmd = VM_DOMAIN(d);
		switch (what) {
		case VMS_PAGE_COUNT:
			sum += vmd->vmd_page_count;
			break;
		case VMS_FREE_COUNT:
			sum += vm_free_count_domain(d);
			break;
		case VMS_FREE_RESERVED:
			sum += vmd->vmd_free_reserved;
			break;
		case VMS_FREE_MIN:
			sum += vmd->vmd_free_min;
			break;
		case VMS_FREE_TARGET:
			sum += vmd->vmd_free_target;
			break;
		case VMS_FREE_SEVERE:
			sum += vmd->vmd_free_severe;
			break;
		case VMS_INTR_FREE_MIN:
			sum += vmd->vmd_interrupt_free_min;
			break;
		case VMS_PAGEOUT_FREE_MIN:
			sum += vmd->vmd_pageout_free_min;
			break;
		case VMS_INACTIVE_TARGET:
			sum += vmd->vmd_inactive_target;
			break;
		default:
			panic("%s: %d", __func__, what);
		}
	}
	return (sum);
}

static int
sysctl_vm_meter_sum(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2, struct sysctl_req *req)
{
	uint64_t val = vm_meter_sum((enum vm_meter_sum)arg2);

	return (sysctl_handle_64(oidp, &val, 0, req));
}

static const struct {
	const char	*name;
	enum vm_meter_sum what;
	const char	*descr;
} vm_meter_sums[] = {
	{ "v_page_count", VMS_PAGE_COUNT, "Total number of pages in system" },
	{ "v_free_count", VMS_FREE_COUNT, "Free pages" },
	{ "v_wire_count", VMS_WIRE_COUNT, "Wired pages" },
	{ "v_user_wire_count", VMS_USER_WIRE_COUNT, "User-wired pages" },
	{ "v_active_count", VMS_ACTIVE, "Active pages" },
	{ "v_inactive_count", VMS_INACTIVE, "Inactive pages" },
	{ "v_laundry_count", VMS_LAUNDRY, "Pages eligible for laundering" },
	{ "v_unswappable_count", VMS_UNSWAPPABLE,
	    "Dirty pages that cannot be paged out (libvm)" },
	{ "v_free_reserved", VMS_FREE_RESERVED,
	    "Pages reserved for deadlock" },
	{ "v_free_min", VMS_FREE_MIN, "Minimum low-free-pages threshold" },
	{ "v_free_target", VMS_FREE_TARGET, "Pages desired free" },
	{ "v_free_severe", VMS_FREE_SEVERE, "Severe page depletion point" },
	{ "v_interrupt_free_min", VMS_INTR_FREE_MIN,
	    "Reserved pages for interrupt code" },
	{ "v_pageout_free_min", VMS_PAGEOUT_FREE_MIN,
	    "Min pages reserved for kernel" },
	{ "v_inactive_target", VMS_INACTIVE_TARGET,
	    "Desired inactive pages" },
	{ "v_bad_count", VMS_BAD_COUNT,
	    "Pages excluded by the bad-page list (libvm)" },
};

void
vm_meter_init(void)
{
	struct sysctl_oid *node;
	counter_u64_t *cp;
	size_t i;

	node = sysctl_node_path("vm.stats.vm");
	for (i = 0; i < nitems(vm_meter_counters); i++) {
		cp = (counter_u64_t *)((char *)&vm_cnt +
		    vm_meter_counters[i].off);
		*cp = counter_u64_alloc(0);
		SYSCTL_ADD_COUNTER_U64(node, vm_meter_counters[i].name,
		    CTLFLAG_RW, cp, vm_meter_counters[i].descr);
	}
	for (i = 0; i < nitems(vm_meter_sums); i++)
		SYSCTL_ADD_PROC(node, vm_meter_sums[i].name,
		    CTLTYPE_U64 | CTLFLAG_RD, NULL, vm_meter_sums[i].what,
		    sysctl_vm_meter_sum, "QU", vm_meter_sums[i].descr);
}

void
vm_meter_fini(void)
{
	counter_u64_t *cp;
	size_t i;

	for (i = 0; i < nitems(vm_meter_counters); i++) {
		cp = (counter_u64_t *)((char *)&vm_cnt +
		    vm_meter_counters[i].off);
		counter_u64_free(*cp);
		*cp = NULL;
	}
}
