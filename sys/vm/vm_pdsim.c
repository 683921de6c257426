/*
 * The replacement simulator (NetBSD's pdsim): a page-reference trace
 * replayed over exactly npages page frames by the policy code itself.
 *
 * A simulation is a domain of its own, vm_dom[MAXMEMDOM - 1] (free when
 * the machine has fewer domains), flagged vmd_sim: its page queues take
 * requests at once instead of through the per-CPU batches, and a page's
 * reference is its PGA_REFERENCED flag alone (it has no mappings).  Its
 * frames are vm_page structures with no memory behind them, all of one
 * anonymous object, keyed by pindex; they never enter the object's trie.
 * A reference to a resident frame sets the flag (the accessed bit a
 * mapping would set); a miss takes a free frame, or first asks the
 * policy for a victim exactly as the page daemon does (selectvictim, then
 * balance), and activates the new page as a fault does.  The victim's
 * reclaim drops the frame instead of freeing a page.
 *
 * LRU and OPT (Belady's MIN) are yardsticks, simulated directly: OPT
 * evicts the resident page whose next use is furthest away, found with a
 * heap keyed by next use.
 *
 * One simulation runs at a time (pdsim_mtx); the simulator is one thread,
 * so its domain's locks are uncontended.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/mutex.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pagequeue.h>
#include <vm/vm_pdpolicy.h>
#include <vm/vm_phys.h>

static pthread_mutex_t pdsim_mtx = PTHREAD_MUTEX_INITIALIZER;

/* ---- a key -> frame map, open addressing ------------------------------ */

struct pdsim_map {
	uint64_t	*pm_keys;
	uint32_t	*pm_vals;	/* frame + 1; 0 empty; ~0 deleted */
	size_t		pm_mask;
};

#define	PM_EMPTY	0u
#define	PM_DELETED	0xffffffffu

static inline size_t
pm_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return ((size_t)k);
}

static int
pm_init(struct pdsim_map *pm, size_t n)
{
	size_t size;

	for (size = 64; size < 4 * n; size <<= 1)
		;
	pm->pm_keys = calloc(size, sizeof(*pm->pm_keys));
	pm->pm_vals = calloc(size, sizeof(*pm->pm_vals));
	pm->pm_mask = size - 1;
	return (pm->pm_keys == NULL || pm->pm_vals == NULL ? ENOMEM : 0);
}

static void
pm_fini(struct pdsim_map *pm)
{
	free(pm->pm_keys);
	free(pm->pm_vals);
}

/* The slot of key, or of the first free place for it. */
static size_t
pm_slot(const struct pdsim_map *pm, uint64_t key, bool insert)
{
	size_t i = pm_hash(key) & pm->pm_mask, tomb = SIZE_MAX;

	for (;; i = (i + 1) & pm->pm_mask) {
		if (pm->pm_vals[i] == PM_EMPTY)
			return (insert && tomb != SIZE_MAX ? tomb : i);
		if (pm->pm_vals[i] == PM_DELETED) {
			if (tomb == SIZE_MAX)
				tomb = i;
		} else if (pm->pm_keys[i] == key)
			return (i);
	}
}

/* The frame of key, or -1. */
static long
pm_get(const struct pdsim_map *pm, uint64_t key)
{
	size_t i = pm_slot(pm, key, false);

	return (pm->pm_vals[i] == PM_EMPTY ? -1 : (long)pm->pm_vals[i] - 1);
}

static void
pm_put(struct pdsim_map *pm, uint64_t key, uint32_t frame)
{
	size_t i = pm_slot(pm, key, true);

	pm->pm_keys[i] = key;
	pm->pm_vals[i] = frame + 1;
}

/*
 * Deletions leave tombstones; a table of npages keys in 4 * npages slots
 * is rebuilt when they fill it (the caller counts).
 */
static void
pm_del(struct pdsim_map *pm, uint64_t key)
{
	size_t i = pm_slot(pm, key, false);

	KASSERT(pm->pm_vals[i] != PM_EMPTY, ("%s: no key", __func__));
	pm->pm_vals[i] = PM_DELETED;
}

static void
pm_rehash(struct pdsim_map *pm)
{
	struct pdsim_map old = *pm;
	size_t i;

	pm->pm_keys = calloc(old.pm_mask + 1, sizeof(*pm->pm_keys));
	pm->pm_vals = calloc(old.pm_mask + 1, sizeof(*pm->pm_vals));
	if (pm->pm_keys == NULL || pm->pm_vals == NULL)
		panic("%s: out of host memory", __func__);
	for (i = 0; i <= old.pm_mask; i++)
		if (old.pm_vals[i] != PM_EMPTY && old.pm_vals[i] != PM_DELETED)
			pm_put(pm, old.pm_keys[i], old.pm_vals[i] - 1);
	pm_fini(&old);
}

/* ---- the policies of the kernel ---------------------------------------- */

struct pdsim {
	struct vm_domain *ps_vmd;
	vm_page_t	ps_frames;
	uint32_t	*ps_free;	/* stack of free frames */
	u_int		ps_nfree;
	struct pdsim_map ps_map;
	size_t		ps_dels;	/* tombstones in ps_map */
};

/* The simulator's ps_reclaim: the victim's frame becomes free. */
static bool
pdsim_reclaim(struct vm_pdscan *scan, vm_object_t object __unused,
    vm_page_t m)
{
	struct pdsim *ps = scan->ps_arg;
	vm_page_astate_t as;

	vm_page_dequeue(m);
	pm_del(&ps->ps_map, m->pindex);
	if (++ps->ps_dels > ps->ps_map.pm_mask / 2) {
		pm_rehash(&ps->ps_map);
		ps->ps_dels = 0;
	}
	m->object = NULL;
	as._bits = 0;
	as.queue = PQ_NONE;
	atomic_store(&m->astate, as._bits);
	vm_page_xunbusy(m);
	ps->ps_free[ps->ps_nfree++] = (uint32_t)(m - ps->ps_frames);
	return (true);
}

/* Free one frame the way the page daemon would. */
static int
pdsim_evict(struct pdsim *ps)
{
	struct vm_domain *vmd = ps->ps_vmd;
	struct vm_pdscan scan;
	int tries;

	for (tries = 0; tries < 64; tries++) {
		memset(&scan, 0, sizeof(scan));
		scan.ps_vmd = vmd;
		scan.ps_target = 1;
		scan.ps_reclaim = pdsim_reclaim;
		scan.ps_arg = ps;
		vmd->vmd_pdp->pdp_selectvictim(&scan);
		if (vmd->vmd_pdp->pdp_balance != NULL)
			vmd->vmd_pdp->pdp_balance(&scan);
		if (scan.ps_freed > 0)
			return (0);
	}
	return (EDEADLK);
}

static int
pdsim_kernel(const struct vm_pdpolicy *pdp, u_int npages,
    const uint64_t *keys, size_t nrefs, uint64_t *faultsp)
{
	struct vm_domain *vmd;
	struct pdsim ps;
	vm_object_t object;
	vm_page_t m;
	uint64_t faults = 0;
	size_t r;
	long f;
	u_int i;
	int error;

	if (vm_ndomains >= MAXMEMDOM)
		return (EBUSY);
	vmd = VM_DOMAIN(MAXMEMDOM - 1);
	memset(vmd, 0, sizeof(*vmd));
	vmd->vmd_domain = MAXMEMDOM - 1;
	vmd->vmd_sim = true;
	vmd->vmd_page_count = npages;
	vm_pagequeue_init_domain(vmd);
	vm_domain_init_thresholds(vmd);
	memset(&ps, 0, sizeof(ps));
	ps.ps_vmd = vmd;
	ps.ps_frames = calloc(npages, sizeof(struct vm_page));
	ps.ps_free = calloc(npages, sizeof(uint32_t));
	if (ps.ps_frames == NULL || ps.ps_free == NULL ||
	    pm_init(&ps.ps_map, npages) != 0) {
		error = ENOMEM;
		goto out;
	}
	if (pdp->pdp_init != NULL && (error = pdp->pdp_init(vmd)) != 0)
		goto out;
	vmd->vmd_pdp = pdp;
	if (pdp->pdp_tune != NULL)
		pdp->pdp_tune(vmd);
	for (i = 0; i < npages; i++) {
		m = &ps.ps_frames[i];
		atomic_store(&m->busy_lock, VPB_UNBUSIED);
		atomic_store(&m->astate, (vm_page_astate_t){ .queue =
		    PQ_NONE }._bits);
		atomic_store(&m->valid, VM_PAGE_BITS_ALL);
		m->domain = (uint8_t)vmd->vmd_domain;
		ps.ps_free[i] = npages - 1 - i;
	}
	ps.ps_nfree = npages;
	object = vm_object_allocate_anon(0);
	error = 0;
	for (r = 0; r < nrefs; r++) {
		if ((f = pm_get(&ps.ps_map, keys[r])) >= 0) {
			vm_page_aflag_set(&ps.ps_frames[f], PGA_REFERENCED);
			continue;
		}
		faults++;
		if (ps.ps_nfree == 0 && (error = pdsim_evict(&ps)) != 0)
			break;
		m = &ps.ps_frames[ps.ps_free[--ps.ps_nfree]];
		m->pindex = keys[r];
		pm_put(&ps.ps_map, keys[r], (uint32_t)(m - ps.ps_frames));
		VM_OBJECT_WLOCK(object);
		m->object = object;
		vm_page_activate(m);
		VM_OBJECT_WUNLOCK(object);
	}
	if (pdp->pdp_check != NULL)
		pdp->pdp_check(vmd);
	for (i = 0; i < npages; i++)
		vm_page_dequeue(&ps.ps_frames[i]);
	vm_object_deallocate(object);
	if (pdp->pdp_fini != NULL)
		pdp->pdp_fini(vmd);
	*faultsp = faults;
out:
	vmd->vmd_pdp = &vm_pdpolicy_default;
	vmd->vmd_sim = false;
	pm_fini(&ps.ps_map);
	free(ps.ps_frames);
	free(ps.ps_free);
	return (error);
}

/* ---- the yardsticks ------------------------------------------------------ */

/* LRU: a doubly linked list of frames in order of use. */
static int
pdsim_lru(u_int npages, const uint64_t *keys, size_t nrefs,
    uint64_t *faultsp)
{
	struct pdsim_map map;
	uint32_t *prev, *next, head = UINT32_MAX, tail = UINT32_MAX, f;
	uint64_t *fkey, faults = 0;
	u_int used = 0;
	size_t r, dels = 0;
	long got;

	prev = calloc(npages, sizeof(*prev));
	next = calloc(npages, sizeof(*next));
	fkey = calloc(npages, sizeof(*fkey));
	if (prev == NULL || next == NULL || fkey == NULL ||
	    pm_init(&map, npages) != 0) {
		free(prev);
		free(next);
		free(fkey);
		return (ENOMEM);
	}
#define	LRU_UNLINK(x) do {						\
	if (prev[x] != UINT32_MAX) next[prev[x]] = next[x]; else head = next[x]; \
	if (next[x] != UINT32_MAX) prev[next[x]] = prev[x]; else tail = prev[x]; \
} while (0)
#define	LRU_PUSH(x) do {						\
	prev[x] = tail; next[x] = UINT32_MAX;				\
	if (tail != UINT32_MAX) next[tail] = (x); else head = (x);	\
	tail = (x);							\
} while (0)
	for (r = 0; r < nrefs; r++) {
		if ((got = pm_get(&map, keys[r])) >= 0) {
			f = (uint32_t)got;
			LRU_UNLINK(f);
			LRU_PUSH(f);
			continue;
		}
		faults++;
		if (used < npages)
			f = used++;
		else {
			f = head;
			LRU_UNLINK(f);
			pm_del(&map, fkey[f]);
			if (++dels > map.pm_mask / 2) {
				pm_rehash(&map);
				dels = 0;
			}
		}
		fkey[f] = keys[r];
		pm_put(&map, keys[r], f);
		LRU_PUSH(f);
	}
#undef LRU_UNLINK
#undef LRU_PUSH
	*faultsp = faults;
	pm_fini(&map);
	free(prev);
	free(next);
	free(fkey);
	return (0);
}

/* OPT: a max-heap of resident frames by next use (SIZE_MAX: never). */
struct opt_heap {
	size_t		*oh_when;	/* by frame */
	uint32_t	*oh_heap;	/* frames */
	uint32_t	*oh_pos;	/* frame -> heap index */
	u_int		oh_n;
};

static void
oh_swap(struct opt_heap *h, u_int a, u_int b)
{
	uint32_t t = h->oh_heap[a];

	h->oh_heap[a] = h->oh_heap[b];
	h->oh_heap[b] = t;
	h->oh_pos[h->oh_heap[a]] = a;
	h->oh_pos[h->oh_heap[b]] = b;
}

static void
oh_fix(struct opt_heap *h, u_int i)
{
	u_int c;

	while (i > 0 && h->oh_when[h->oh_heap[(i - 1) / 2]] <
	    h->oh_when[h->oh_heap[i]]) {
		oh_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		c = 2 * i + 1;
		if (c >= h->oh_n)
			break;
		if (c + 1 < h->oh_n && h->oh_when[h->oh_heap[c + 1]] >
		    h->oh_when[h->oh_heap[c]])
			c++;
		if (h->oh_when[h->oh_heap[c]] <= h->oh_when[h->oh_heap[i]])
			break;
		oh_swap(h, i, c);
		i = c;
	}
}

static int
pdsim_opt(u_int npages, const uint64_t *keys, size_t nrefs,
    uint64_t *faultsp)
{
	struct pdsim_map map, last;
	struct opt_heap h;
	size_t *nextuse, r, dels = 0;
	uint64_t *fkey, faults = 0;
	uint32_t f;
	long got;
	int error = ENOMEM;

	memset(&h, 0, sizeof(h));
	nextuse = calloc(nrefs + 1, sizeof(*nextuse));
	fkey = calloc(npages, sizeof(*fkey));
	h.oh_when = calloc(npages, sizeof(*h.oh_when));
	h.oh_heap = calloc(npages, sizeof(*h.oh_heap));
	h.oh_pos = calloc(npages, sizeof(*h.oh_pos));
	memset(&map, 0, sizeof(map));
	memset(&last, 0, sizeof(last));
	if (nextuse == NULL || fkey == NULL || h.oh_when == NULL ||
	    h.oh_heap == NULL || h.oh_pos == NULL ||
	    pm_init(&map, npages) != 0 || pm_init(&last, nrefs) != 0)
		goto out;
	/* Each reference's next use of the same key, from the end. */
	for (r = nrefs; r-- > 0;) {
		got = pm_get(&last, keys[r]);
		nextuse[r] = got < 0 ? SIZE_MAX : (size_t)got;
		pm_put(&last, keys[r], (uint32_t)r);
	}
	for (r = 0; r < nrefs; r++) {
		if ((got = pm_get(&map, keys[r])) >= 0) {
			f = (uint32_t)got;
			h.oh_when[f] = nextuse[r];
			oh_fix(&h, h.oh_pos[f]);
			continue;
		}
		faults++;
		if (h.oh_n < npages) {
			f = h.oh_n++;
			h.oh_heap[f] = f;
			h.oh_pos[f] = f;
		} else {
			f = h.oh_heap[0];
			pm_del(&map, fkey[f]);
			if (++dels > map.pm_mask / 2) {
				pm_rehash(&map);
				dels = 0;
			}
		}
		fkey[f] = keys[r];
		h.oh_when[f] = nextuse[r];
		pm_put(&map, keys[r], f);
		oh_fix(&h, h.oh_pos[f]);
	}
	*faultsp = faults;
	error = 0;
out:
	pm_fini(&map);
	pm_fini(&last);
	free(nextuse);
	free(fkey);
	free(h.oh_when);
	free(h.oh_heap);
	free(h.oh_pos);
	return (error);
}

int
vm_pdsim_run(const char *name, u_int npages, const uint64_t *keys,
    size_t nrefs, uint64_t *faultsp)
{
	const struct vm_pdpolicy *pdp = NULL;
	int error;

	if (npages == 0 || npages >= UINT32_MAX / 4)
		return (EINVAL);
	if (strcmp(name, "lru") == 0)
		return (pdsim_lru(npages, keys, nrefs, faultsp));
	if (strcmp(name, "opt") == 0)
		return (pdsim_opt(npages, keys, nrefs, faultsp));
	if ((pdp = vm_pdpolicy_lookup(name)) == NULL)
		return (EINVAL);
	pthread_mutex_lock(&pdsim_mtx);
	error = pdsim_kernel(pdp, npages, keys, nrefs, faultsp);
	pthread_mutex_unlock(&pdsim_mtx);
	return (error);
}
