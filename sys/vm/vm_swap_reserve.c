/*
 * Swap reservation and the overcommit policy (FreeBSD's swap_reserve
 * model; the bookkeeping of who holds what is in vm_swap_reserve.h).
 *
 * The total is always kept, whatever the policy, so that vm.swap_reserved
 * tells how much memory the address spaces could dirty beyond their
 * files.  With vm.overcommit bit 0 (SWAP_RESERVE_FORCE_ON) a reservation
 * that would take the total above the limit is refused: the limit is the
 * swap space, plus with bit 2 (SWAP_RESERVE_ALLOW_NONWIRED) the physical
 * pages that are neither wired nor part of the free reserve.  Callers turn
 * a refusal into ENOMEM before they change anything.  The default, 0,
 * never refuses (FreeBSD's default).  Bit 1 (SWAP_RESERVE_RLIMIT_ON) is
 * accepted for FreeBSD's sake and does nothing: libvm has no RLIMIT_SWAP.
 *
 * swap_reserve_force takes a reservation the policy may not refuse, for a
 * charge that must follow one already made: a fork whose count changed
 * under it, or a fixed mapping reserving what the removal of the memory
 * it replaces gives back right after (FreeBSD uses it when a fork's
 * accounting has to be undone by freeing the child).
 *
 * The counter is one atomic.  Under strict accounting a reservation is a
 * compare-and-swap from a total it checked against the limit, so no
 * reservation passes the limit, not even for a moment another thread
 * could see (only swap_reserve_force does).  The limit itself is read without a lock (swap devices and
 * wirings change under their own locks): a reservation racing with
 * swapoff is judged against either size.
 *
 * Locking: swap_reserved and overcommit are atomic (a).
 */
#include <errno.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/sysctl.h>
#include <vm/vm_page.h>
#include <vm/vm_pagequeue.h>
#include <vm/vm_phys.h>
#include <vm/vm_swap_reserve.h>

static _Atomic uint64_t swap_reserved;	/* (a) bytes reserved */
static _Atomic int overcommit;		/* (a) vm.overcommit */

/* The most strict accounting lets be reserved, in bytes. */
static uint64_t
swap_reserve_limit(int oc)
{
	uint64_t max, pages, held;
	int d;

	max = swap_pager_total_pages() * PAGE_SIZE;
	if ((oc & SWAP_RESERVE_ALLOW_NONWIRED) != 0) {
		pages = 0;
		held = vm_wire_count();
		for (d = 0; d < vm_ndomains; d++) {
			pages += VM_DOMAIN(d)->vmd_page_count;
			held += VM_DOMAIN(d)->vmd_free_reserved;
		}
		if (pages > held)
			max += (pages - held) * PAGE_SIZE;
	}
	return (max);
}

bool
swap_reserve(vm_ooffset_t incr)
{
	uint64_t prev, max;
	int oc;

	KASSERT((incr & PAGE_MASK) == 0, ("%s: %#jx is not page sized",
	    __func__, (uintmax_t)incr));
	if (incr == 0)
		return (true);
	oc = atomic_load(&overcommit);
	if ((oc & SWAP_RESERVE_FORCE_ON) == 0) {
		atomic_fetch_add(&swap_reserved, incr);
		return (true);
	}
	max = swap_reserve_limit(oc);
	prev = atomic_load(&swap_reserved);
	do {
		if (prev + incr > max || prev + incr < prev)
			return (false);
	} while (!atomic_compare_exchange_weak(&swap_reserved, &prev,
	    prev + incr));
	return (true);
}

void
swap_reserve_force(vm_ooffset_t incr)
{
	KASSERT((incr & PAGE_MASK) == 0, ("%s: %#jx is not page sized",
	    __func__, (uintmax_t)incr));
	atomic_fetch_add(&swap_reserved, incr);
}

void
swap_release(vm_ooffset_t decr)
{
	uint64_t prev;

	prev = atomic_fetch_sub(&swap_reserved, decr);
	if (prev < decr)
		panic("%s: releasing %#jx bytes of %#jx reserved", __func__,
		    (uintmax_t)decr, (uintmax_t)prev);
}

uint64_t
swap_reserved_total(void)
{
	return (atomic_load(&swap_reserved));
}

/* vm.overcommit: the FreeBSD bits, nothing else (EINVAL, unchanged). */
static int
sysctl_vm_overcommit(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	int v = atomic_load(&overcommit), error;

	error = sysctl_handle_int(oidp, &v, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	if ((v & ~SWAP_RESERVE_MASK) != 0)
		return (EINVAL);
	atomic_store(&overcommit, v);
	return (0);
}

static int
sysctl_vm_swap_reserved(struct sysctl_oid *oidp, void *arg1 __unused,
    intmax_t arg2 __unused, struct sysctl_req *req)
{
	uint64_t v = atomic_load(&swap_reserved);

	return (sysctl_handle_64(oidp, &v, 0, req));
}

void
vm_swap_reserve_startup(void)
{
	struct sysctl_oid *vm = sysctl_node_path("vm");

	atomic_store(&swap_reserved, 0);
	atomic_store(&overcommit, 0);
	SYSCTL_ADD_PROC(vm, "overcommit", CTLTYPE_INT | CTLFLAG_RW, NULL, 0,
	    sysctl_vm_overcommit, "I",
	    "Swap reservation: 1 strict, 2 (no effect), 4 count unwired "
	    "memory too");
	SYSCTL_ADD_PROC(vm, "swap_reserved", CTLTYPE_U64 | CTLFLAG_RD, NULL,
	    0, sysctl_vm_swap_reserved, "QU",
	    "Swap space reserved by private writable mappings, in bytes");
}

void
vm_swap_reserve_shutdown(void)
{
	/* Every map and object is gone: whatever is left has leaked. */
	KASSERT(atomic_load(&swap_reserved) == 0,
	    ("%s: %#jx bytes still reserved", __func__,
	    (uintmax_t)atomic_load(&swap_reserved)));
	atomic_store(&overcommit, 0);
}
