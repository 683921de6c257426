/*
 * physdemo: boots libvm, exercises the physical page allocator and prints
 * what physical memory looks like at each step.  It is what `make demo`
 * runs until the vmsh tool exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvm.h>

#include <sys/systm.h>
#include <vm/vm_page.h>
#include <vm/vm_phys.h>

static uint64_t
stat(const char *name)
{
	uint64_t v = 0;
	size_t len = sizeof(v);
	char full[128];

	snprintf(full, sizeof(full), "vm.stats.vm.%s", name);
	if (vm_sysctlbyname(full, &v, &len, NULL, 0) != 0) {
		fprintf(stderr, "physdemo: sysctl %s failed\n", full);
		exit(1);
	}
	return (v);
}

static void
show(const char *when)
{
	int counts[VM_NFREEORDER], d, o;

	printf("\n== %s\n", when);
	printf("  pages %ju  free %ju  wired %ju  active %ju  inactive %ju\n",
	    (uintmax_t)stat("v_page_count"), (uintmax_t)stat("v_free_count"),
	    (uintmax_t)stat("v_wire_count"), (uintmax_t)stat("v_active_count"),
	    (uintmax_t)stat("v_inactive_count"));
	for (d = 0; d < vm_ndomains; d++) {
		printf("  domain %d free blocks by order:", d);
		vm_domain_free_lock(VM_DOMAIN(d));
		vm_phys_free_census(d, counts);
		vm_domain_free_unlock(VM_DOMAIN(d));
		for (o = 0; o < VM_NFREEORDER; o++)
			printf(" %d", counts[o]);
		printf("\n");
	}
}

int
main(void)
{
	struct vm_config cfg;
	vm_page_t *pages, big;
	uint64_t v;
	size_t len;
	int error, i, n = 4096;
	char name[128], buf[256];

	vm_config_init(&cfg);
	cfg.ndomain = 2;
	cfg.seed = 42;
	cfg.badpages = "0x3000000,0x5001000";
	printf("libvm physdemo: booting with %ju MiB, %d CPU slots, %d "
	    "domains, bad pages %s\n", (uintmax_t)(cfg.physmem >> 20),
	    cfg.ncpu, cfg.ndomain, cfg.badpages);
	if ((error = vm_boot(&cfg)) != 0) {
		fprintf(stderr, "vm_boot: %s\n", strerror(error));
		return (1);
	}
	printf("  thresholds: free_reserved %ju  free_min %ju  free_target "
	    "%ju  (pages)\n", (uintmax_t)stat("v_free_reserved"),
	    (uintmax_t)stat("v_free_min"), (uintmax_t)stat("v_free_target"));
	len = sizeof(buf);
	if (vm_sysctlbyname("vm.page_blacklist", buf, &len, NULL, 0) == 0)
		printf("  vm.page_blacklist: %s\n", buf);
	show("after boot: the page array is wired, the rest is free");

	pages = calloc((size_t)n, sizeof(*pages));
	for (i = 0; i < n; i++)
		pages[i] = vm_page_alloc_noobj(VM_ALLOC_WIRED |
		    (i % 2 ? VM_ALLOC_ZERO : 0));
	show("allocated 4096 wired pages (16 MiB), round robin over domains");

	for (i = 0; i < n; i += 2) {
		vm_page_unwire_noq(pages[i]);
		vm_page_free(pages[i]);
	}
	show("freed every other page: the buddy allocator cannot merge them");

	for (i = 1; i < n; i += 2) {
		vm_page_unwire_noq(pages[i]);
		vm_page_free(pages[i]);
	}
	vm_page_pcpu_drain();
	show("freed the rest and drained the per-CPU caches: blocks merge back");

	big = vm_page_alloc_noobj_contig(VM_ALLOC_NORMAL, 512, 0, ~0ULL,
	    2 << 20, 0);
	printf("\ncontiguous 2 MiB, 2 MiB aligned: pa %#jx\n",
	    big ? (uintmax_t)VM_PAGE_TO_PHYS(big) : 0);
	show("with one superpage-sized run taken");
	for (i = 0; big != NULL && i < 512; i++)
		vm_page_free(&big[i]);

	printf("\nall vm.stats.vm counters:\n");
	strcpy(name, "vm.stats.vm");
	while (vm_sysctl_next(name, name, sizeof(name)) == 0 &&
	    strncmp(name, "vm.stats.vm.", 12) == 0) {
		len = sizeof(v);
		if (vm_sysctlbyname(name, &v, &len, NULL, 0) == 0 && v != 0)
			printf("  %-36s %ju\n", name, (uintmax_t)v);
	}
	free(pages);
	vm_shutdown();
	printf("\nshut down; everything freed.\n");
	return (0);
}
