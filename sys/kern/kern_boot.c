/*
 * Boot and shutdown: one kernel per host process.
 *
 * vm_boot() builds the whole global state in dependency order (random
 * source, CPU slots, counters, the sysctl tree, physical memory and the
 * page layer, kernel threads); vm_shutdown() tears it down in the reverse
 * order, frees everything it allocated and leaves the process ready for
 * another vm_boot().  boot_mtx (a host mutex) serialises the two.
 *
 * Threads other than the caller must have left libvm before vm_shutdown();
 * kernel threads are stopped and joined by it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvm.h>

#include <sys/systm.h>
#include <sys/counter.h>
#include <sys/kernel.h>
#include <sys/file.h>
#include <sys/vnode.h>
#include <sys/kthread.h>
#include <sys/malloc.h>
#include <sys/pcpu.h>
#include <sys/sysctl.h>
#include <vm/vm_phys.h>
#include <vm/vm_page.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_kern.h>
#include <vm/vm_pageout.h>
#include <vm/vm_pdpolicy.h>
#include <vm/vm_lowmem.h>
#include <vm/swap_pager.h>
#include <vm/vm_swap_reserve.h>
#include <vm/uma_int.h>
#include <pmap/pmap.h>

static pthread_mutex_t	boot_mtx = PTHREAD_MUTEX_INITIALIZER;
static _Atomic bool	booted;
static struct vm_config	boot_config;		/* (boot_mtx) */
static char		boot_badpages[1024];	/* (boot_mtx) */
static int		hw_ncpu, hw_ndomain, hw_pagesize = PAGE_SIZE;
static uint64_t		hw_physmem, kern_seed;

#define	VM_PHYSMEM_DEFAULT	(256ULL << 20)
#define	VM_PHYSMEM_MIN		(4ULL << 20)

__exported void
vm_config_init(struct vm_config *cfg)
{
	long n;

	memset(cfg, 0, sizeof(*cfg));
	cfg->physmem = VM_PHYSMEM_DEFAULT;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->ncpu = n < 1 ? 1 : (n > MAXCPU ? MAXCPU : (int)n);
	cfg->ndomain = 1;
	cfg->pmap = VM_PMAP_SOFT;
	cfg->seed = 0;
	cfg->swapfile = NULL;
	cfg->swapsize = 0;
	cfg->badpages = NULL;
	cfg->pdpolicy = NULL;
}

static int
vm_config_check(const struct vm_config *cfg)
{
	if (cfg->physmem < VM_PHYSMEM_MIN || cfg->physmem > (1ULL << 46))
		return (EINVAL);
	if (cfg->ncpu < 1 || cfg->ncpu > MAXCPU)
		return (EINVAL);
	if (cfg->ndomain < 1 || cfg->ndomain > MAXMEMDOM)
		return (EINVAL);
	/* Each domain holds at least one largest buddy block. */
	if (cfg->physmem / (uint64_t)cfg->ndomain < VM_PHYSMEM_MIN)
		return (EINVAL);
	if (cfg->pmap != VM_PMAP_SOFT && cfg->pmap != VM_PMAP_HOST)
		return (EINVAL);
	/* The host MMU is not built yet; refuse rather than ignore. */
	if (cfg->pmap == VM_PMAP_HOST)
		return (EOPNOTSUPP);
	if (cfg->badpages != NULL &&
	    strlen(cfg->badpages) >= sizeof(boot_badpages))
		return (ENAMETOOLONG);
	if (cfg->pdpolicy != NULL && vm_pdpolicy_lookup(cfg->pdpolicy) == NULL)
		return (EINVAL);
	if (cfg->swapfile != NULL) {
		int fd;

		if (cfg->swapsize < PAGE_SIZE)
			return (EINVAL);
		/* The host decides whether the file can be made. */
		fd = open(cfg->swapfile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd == -1)
			return (errno);
		close(fd);
	}
	return (0);
}

static void
kern_sysctl_init(void)
{
	struct sysctl_oid *hw, *kern;

	hw = SYSCTL_ADD_NODE(NULL, "hw", "hardware");
	SYSCTL_ADD_INT(hw, "ncpu", CTLFLAG_RD, &hw_ncpu, "CPU slots");
	SYSCTL_ADD_INT(hw, "ndomain", CTLFLAG_RD, &hw_ndomain,
	    "memory domains");
	SYSCTL_ADD_INT(hw, "pagesize", CTLFLAG_RD, &hw_pagesize, "page size");
	SYSCTL_ADD_U64(hw, "physmem", CTLFLAG_RD, &hw_physmem,
	    "physical memory in bytes");
	kern = SYSCTL_ADD_NODE(NULL, "kern", "kernel");
	SYSCTL_ADD_U64(kern, "random_seed", CTLFLAG_RD, &kern_seed,
	    "seed of the kernel random source");
}

__exported int
vm_boot(const struct vm_config *ucfg)
{
	struct vm_config cfg;
	int error;

	if (ucfg == NULL)
		vm_config_init(&cfg);
	else
		cfg = *ucfg;
	cfg.physmem = trunc_page(cfg.physmem);
	/* FreeBSD would read a loader tunable; libvm's is the environment. */
	if (cfg.pdpolicy == NULL)
		cfg.pdpolicy = getenv("LIBVM_PDPOLICY");
	pthread_mutex_lock(&boot_mtx);
	if (atomic_load(&booted)) {
		pthread_mutex_unlock(&boot_mtx);
		return (EBUSY);
	}
	if ((error = vm_config_check(&cfg)) != 0) {
		pthread_mutex_unlock(&boot_mtx);
		return (error);
	}
	if (cfg.badpages != NULL) {
		strcpy(boot_badpages, cfg.badpages);
		cfg.badpages = boot_badpages;
	}
	boot_config = cfg;

	kern_random_init(cfg.seed);
	kern_seed = kern_random_seed();
	hw_ncpu = cfg.ncpu;
	hw_ndomain = cfg.ndomain;
	pcpu_init(cfg.ncpu);
	counter_init(cfg.ncpu);
	sysctl_init();
	kern_sysctl_init();
	error = vm_phys_init(cfg.physmem, cfg.ndomain, cfg.badpages);
	if (error != 0)
		goto fail;
	hw_physmem = cfg.physmem;
	vm_page_startup();
	vm_lowmem_startup();
	uma_startup();
	kmem_startup();
	kmalloc_startup();
	vm_object_startup();
	pmap_init();
	vm_map_startup();
	swap_pager_startup();
	vm_swap_reserve_startup();
	vnode_startup();
	fdesc_startup();
	shm_startup();
	if ((error = vm_pdpolicy_startup(cfg.pdpolicy)) != 0)
		panic("%s: replacement policy: error %d", __func__, error);
	vm_pageout_startup();
	atomic_store(&booted, true);
	pthread_mutex_unlock(&boot_mtx);
	return (0);
fail:
	sysctl_fini();
	counter_fini();
	pcpu_fini();
	pthread_mutex_unlock(&boot_mtx);
	return (error);
}

__exported void
vm_shutdown(void)
{
	pthread_mutex_lock(&boot_mtx);
	if (!atomic_load(&booted)) {
		pthread_mutex_unlock(&boot_mtx);
		return;
	}
	atomic_store(&booted, false);
	vm_pageout_shutdown();
	kthread_shutdown_all();
	/* Files first: the last mappings then release their vnodes. */
	fdesc_shutdown();
	shm_shutdown();
	vm_map_shutdown();
	vnode_shutdown();
	vm_swap_reserve_shutdown();
	swap_pager_shutdown();
	pmap_fini();
	kmalloc_shutdown();
	kmem_shutdown();
	uma_shutdown();
	vm_lowmem_shutdown();
	vm_pdpolicy_shutdown();
	vm_page_shutdown();
	vm_phys_fini();
	sysctl_fini();
	counter_fini();
	pcpu_fini();
	pthread_mutex_unlock(&boot_mtx);
}

bool
vm_is_booted(void)
{
	return (atomic_load(&booted));
}

const struct vm_config *
vm_boot_config(void)
{
	return (&boot_config);
}
