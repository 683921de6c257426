/*
 * vmsh replay: a page-reference trace replayed under a replacement policy.
 *
 *	vmsh replay [-p POLICY] [-m PAGES] [--sim|--real] FILE
 *
 * --sim (the default) hands the references to the simulator
 * (vm_pdsim_run): the policy's own code over exactly PAGES page frames,
 * with "lru" and "opt" (Belady) as yardsticks.  --real boots libvm with
 * PAGES pages of physical memory, the policy chosen at boot, and a swap
 * file, maps every page the trace names as private anonymous memory, and
 * makes each reference an access (vm_copyin for a read, vm_copyout for a
 * write) that faults when the page is not mapped; the faults are the
 * vm_fault calls counted by v_vm_faults.  Physical memory includes what
 * libvm itself uses, so a real replay holds fewer user pages than a
 * simulated one of the same PAGES.
 *
 * The trace is read whole first (OPT needs the future): LIRS traces (one
 * page number a line) or libvm's own (trace.h), gzip or not.  The last
 * line printed is always "refs=N faults=N hit=P%".
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"
#include "vmsh.h"

#define	REPLAY_NVS	256	/* --real: address spaces 0 to 255 */

int	vm_pdsim_run(const char *name, u_int npages, const uint64_t *keys,
	    size_t nrefs, uint64_t *faultsp);

#define	REPLAY_PAGE_SHIFT	12
/* --real maps the trace's pages in chunks of this size. */
#define	REPLAY_CHUNK_SHIFT	24

struct replay {
	uint64_t	*keys;		/* asid << 48 | page number */
	uint8_t		*writes;
	size_t		n, cap;
};

static void
replay_usage(void)
{
	fprintf(stderr, "usage: vmsh replay [-p POLICY] [-m PAGES] "
	    "[--sim|--real] FILE\n"
	    "  -p  default, clockpro; with --sim also lru, opt "
	    "(default: default)\n"
	    "  -m  page frames (--sim) or physical memory in pages "
	    "(--real); default 1024\n");
	exit(2);
}

static int
replay_read(const char *path, struct replay *rp)
{
	struct vmtrace *t;
	struct vmtrace_ref ref;
	const char *msg = NULL;
	int error, r;

	if ((error = vmtrace_open(path, &t, &msg)) != 0) {
		fprintf(stderr, "vmsh replay: %s: %s\n", path,
		    msg != NULL ? msg : strerror(error));
		return (error);
	}
	while ((r = vmtrace_next(t, &ref)) == 1) {
		if (rp->n == rp->cap) {
			size_t cap = rp->cap == 0 ? 1 << 16 : rp->cap * 2;
			uint64_t *k = realloc(rp->keys, cap * sizeof(*k));
			uint8_t *w = realloc(rp->writes, cap);

			if (k != NULL)
				rp->keys = k;
			if (w != NULL)
				rp->writes = w;
			if (k == NULL || w == NULL) {
				vmtrace_close(t);
				fprintf(stderr, "vmsh replay: out of memory\n");
				return (ENOMEM);
			}
			rp->cap = cap;
		}
		if (ref.asid >= 0xffff) {
			fprintf(stderr, "vmsh replay: %s:%" PRIu64 ": address "
			    "space %u is out of range\n", path,
			    vmtrace_line(t), ref.asid);
			vmtrace_close(t);
			return (EINVAL);
		}
		rp->keys[rp->n] = (uint64_t)ref.asid << 48 |
		    ref.addr >> REPLAY_PAGE_SHIFT;
		rp->writes[rp->n] = ref.write;
		rp->n++;
	}
	if (r < 0) {
		fprintf(stderr, "vmsh replay: %s\n", vmtrace_error(t));
		vmtrace_close(t);
		return (EINVAL);
	}
	vmtrace_close(t);
	return (0);
}

static int
replay_sim(const char *policy, u_int pages, const struct replay *rp,
    uint64_t *faultsp)
{
	struct vm_config cfg;
	int error;

	vm_config_init(&cfg);
	cfg.physmem = 16 << 20;
	if ((error = vm_boot(&cfg)) != 0) {
		fprintf(stderr, "vmsh replay: vm_boot: %s\n", strerror(error));
		return (error);
	}
	error = vm_pdsim_run(policy, pages, rp->keys, rp->n, faultsp);
	if (error != 0)
		fprintf(stderr, "vmsh replay: %s: %s\n", policy,
		    strerror(error));
	vm_shutdown();
	return (error);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * Where a reference goes: its page, one page up when the trace names page
 * 0 (LIRS block numbers start there; page 0 is never mapped).
 */
static vm_offset_t
replay_addr(uint64_t key, bool shift)
{
	uint64_t page = key & ((1ull << 48) - 1);

	return ((vm_offset_t)(page + (shift ? 1 : 0)) << REPLAY_PAGE_SHIFT);
}

static uint64_t
replay_counter(const char *name)
{
	uint64_t v = 0;
	size_t len = sizeof(v);

	if (vm_sysctlbyname(name, &v, &len, NULL, 0) != 0)
		return (0);
	return (v);
}

static int
replay_real(const char *policy, u_int pages, const struct replay *rp,
    uint64_t *faultsp)
{
	struct vm_config cfg;
	struct vmspace *vs[REPLAY_NVS] = { NULL };
	char swapfile[] = "/tmp/vmsh-replay-swap.XXXXXX";
	uint64_t *chunks, before, after, distinct = 0;
	size_t i, nchunks = 0, len;
	vm_offset_t addr;
	unsigned asid;
	uint8_t byte = 0;
	int error, fd;
	bool shift0 = false;

	/* The chunks to map (sorted, each once), and the footprint. */
	if ((chunks = malloc(rp->n * sizeof(*chunks))) == NULL)
		return (ENOMEM);
	for (i = 0; i < rp->n; i++)
		chunks[i] = rp->keys[i];
	qsort(chunks, rp->n, sizeof(*chunks), cmp_u64);
	for (i = 0; i < rp->n; i++)
		if (i == 0 || chunks[i] != chunks[i - 1])
			distinct++;
	shift0 = rp->n > 0 && (chunks[0] & ((1ull << 48) - 1)) == 0;
	for (i = 0; i < rp->n; i++) {
		uint64_t c = (rp->keys[i] >> 48) << 48 |
		    (replay_addr(rp->keys[i], shift0) >> REPLAY_CHUNK_SHIFT);

		chunks[i] = c;
	}
	qsort(chunks, rp->n, sizeof(*chunks), cmp_u64);
	for (i = 0; i < rp->n; i++)
		if (nchunks == 0 || chunks[i] != chunks[nchunks - 1])
			chunks[nchunks++] = chunks[i];

	if ((fd = mkstemp(swapfile)) == -1) {
		free(chunks);
		return (errno);
	}
	close(fd);
	vm_config_init(&cfg);
	cfg.physmem = (uint64_t)pages << REPLAY_PAGE_SHIFT;
	if (cfg.physmem < (4u << 20))
		cfg.physmem = 4u << 20;		/* libvm's least */
	cfg.pdpolicy = policy;
	cfg.swapfile = swapfile;
	cfg.swapsize = (distinct + distinct / 4 + 1024) << REPLAY_PAGE_SHIFT;
	if ((error = vm_boot(&cfg)) != 0) {
		fprintf(stderr, "vmsh replay: vm_boot: %s\n", strerror(error));
		unlink(swapfile);
		free(chunks);
		return (error);
	}
	for (i = 0; i < nchunks && error == 0; i++) {
		asid = (unsigned)(chunks[i] >> 48);
		if (asid >= REPLAY_NVS) {
			fprintf(stderr, "vmsh replay: --real takes address "
			    "spaces 0 to %d\n", REPLAY_NVS - 1);
			error = EINVAL;
			break;
		}
		if (vs[asid] == NULL && (error = vmspace_create(&vs[asid])) != 0)
			break;
		addr = (vm_offset_t)(chunks[i] & ((1ull << 48) - 1)) <<
		    REPLAY_CHUNK_SHIFT;
		len = (size_t)1 << REPLAY_CHUNK_SHIFT;
			if (addr == 0) {
			addr = VM_PAGE_SIZE;
			len -= VM_PAGE_SIZE;
		}
		if (addr + len > VM_MAX_USER_ADDRESS) {
			fprintf(stderr, "vmsh replay: address %#jx is out of "
			    "the user range\n", (uintmax_t)addr);
			error = EINVAL;
			break;
		}
		error = vm_mmap(vs[asid], &addr, len, VM_PROT_READ |
		    VM_PROT_WRITE, VM_MAP_PRIVATE | VM_MAP_ANON | VM_MAP_FIXED,
		    -1, 0);
		if (error != 0)
			fprintf(stderr, "vmsh replay: mapping %#jx: %s\n",
			    (uintmax_t)addr, strerror(error));
	}
	before = replay_counter("vm.stats.vm.v_vm_faults");
	for (i = 0; i < rp->n && error == 0; i++) {
		asid = (unsigned)(rp->keys[i] >> 48);
		addr = replay_addr(rp->keys[i], shift0);
		error = rp->writes[i] ? vm_copyout(vs[asid], &byte, addr, 1) :
		    vm_copyin(vs[asid], addr, &byte, 1);
		if (error != 0)
			fprintf(stderr, "vmsh replay: access %zu at %#jx: %s\n",
			    i, (uintmax_t)addr, strerror(error));
	}
	after = replay_counter("vm.stats.vm.v_vm_faults");
	*faultsp = after - before;
	for (i = 0; i < REPLAY_NVS; i++)
		if (vs[i] != NULL)
			vmspace_release(vs[i]);
	vm_shutdown();
	unlink(swapfile);
	free(chunks);
	return (error);
}

int
replay_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sim", no_argument, NULL, 's' },
		{ "real", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay rp = { NULL, NULL, 0, 0 };
	const char *policy = "default";
	uint64_t faults = 0;
	char *end;
	long pages = 1024;
	bool real = false;
	int ch, error;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:m:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			policy = optarg;
			break;
		case 'm':
			errno = 0;
			pages = strtol(optarg, &end, 0);
			if (errno != 0 || *end != '\0' || pages < 1 ||
			    pages > (1L << 30)) {
				fprintf(stderr, "vmsh replay: -m %s: a number "
				    "of pages from 1 to 2^30\n", optarg);
				return (2);
			}
			break;
		case 's':
			real = false;
			break;
		case 'r':
			real = true;
			break;
		default:
			replay_usage();
		}
	}
	if (argc - optind != 1)
		replay_usage();
	if (strcmp(policy, "default") != 0 && strcmp(policy, "clockpro") != 0 &&
	    (real || (strcmp(policy, "lru") != 0 &&
	    strcmp(policy, "opt") != 0))) {
		fprintf(stderr, "vmsh replay: -p %s: unknown policy%s\n",
		    policy, real ? " for --real (default, clockpro)" : "");
		return (2);
	}
	if ((error = replay_read(argv[optind], &rp)) != 0) {
		free(rp.keys);
		free(rp.writes);
		return (1);
	}
	error = real ? replay_real(policy, (u_int)pages, &rp, &faults) :
	    replay_sim(policy, (u_int)pages, &rp, &faults);
	if (error == 0)
		printf("refs=%zu faults=%" PRIu64 " hit=%.1f%%\n", rp.n,
		    faults, rp.n == 0 ? 0.0 :
		    100.0 * (double)(rp.n - faults) / (double)rp.n);
	free(rp.keys);
	free(rp.writes);
	return (error == 0 ? 0 : 1);
}
