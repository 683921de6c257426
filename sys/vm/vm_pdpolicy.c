/*
 * The replacement policy registry (see vm_pdpolicy.h for the interface).
 *
 * The policy is chosen once, at boot, before any page is queued, and
 * stays until vm_shutdown: the queues hold the chosen policy's state in
 * their pages' PGA_HOT and PGA_TEST flags and in the domain's
 * vmd_pdpolicy, which another policy could not read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/sysctl.h>
#include <pmap/pmap.h>
#include <vm/vm_page.h>
#include <vm/vm_pagequeue.h>
#include <vm/vm_pdpolicy.h>
#include <vm/vm_phys.h>

const struct vm_pdpolicy *vm_pdpolicy = &vm_pdpolicy_default;

static const struct vm_pdpolicy *const vm_pdpolicies[] = {
	&vm_pdpolicy_default,
	&vm_pdpolicy_clockpro,
};

static char vm_pdpolicy_name[16];

const struct vm_pdpolicy *
vm_pdpolicy_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(vm_pdpolicies); i++)
		if (strcmp(vm_pdpolicies[i]->pdp_name, name) == 0)
			return (vm_pdpolicies[i]);
	return (NULL);
}

int
vm_pdpolicy_startup(const char *name)
{
	const struct vm_pdpolicy *pdp;
	int d, error;

	pdp = vm_pdpolicy_lookup(name != NULL ? name : "default");
	if (pdp == NULL)
		return (EINVAL);
	if (pdp->pdp_startup != NULL)
		pdp->pdp_startup();
	for (d = 0; d < vm_ndomains; d++) {
		if (pdp->pdp_init != NULL &&
		    (error = pdp->pdp_init(VM_DOMAIN(d))) != 0) {
			while (--d >= 0) {
				pdp->pdp_fini(VM_DOMAIN(d));
				VM_DOMAIN(d)->vmd_pdp = &vm_pdpolicy_default;
			}
			return (error);
		}
		VM_DOMAIN(d)->vmd_pdp = pdp;
		if (pdp->pdp_tune != NULL)
			pdp->pdp_tune(VM_DOMAIN(d));
	}
	vm_pdpolicy = pdp;
	snprintf(vm_pdpolicy_name, sizeof(vm_pdpolicy_name), "%s", pdp->pdp_name);
	SYSCTL_ADD_STRING(sysctl_node_path("vm"), "pdpolicy", CTLFLAG_RD,
	    vm_pdpolicy_name, sizeof(vm_pdpolicy_name),
	    "The page replacement policy (chosen at boot)");
	return (0);
}

void
vm_pdpolicy_shutdown(void)
{
	int d;

	for (d = 0; d < vm_ndomains; d++) {
		if (VM_DOMAIN(d)->vmd_pdp->pdp_fini != NULL)
			VM_DOMAIN(d)->vmd_pdp->pdp_fini(VM_DOMAIN(d));
		VM_DOMAIN(d)->vmd_pdp = &vm_pdpolicy_default;
	}
	vm_pdpolicy = &vm_pdpolicy_default;
}

bool
vm_pdpolicy_referenced(vm_page_t m)
{
	bool ref;

	ref = (vm_page_astate_load(m).flags & PGA_REFERENCED) != 0;
	if (ref)
		vm_page_aflag_clear(m, PGA_REFERENCED);
	if (!VM_DOMAIN(m->domain)->vmd_sim && pmap_ts_referenced(m) > 0)
		ref = true;
	return (ref);
}
