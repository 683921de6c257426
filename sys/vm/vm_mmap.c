/*
 * The system calls of memory management: address spaces, mmap(2) and its
 * family, touching memory, and the procstat view.
 *
 * This layer owns the argument checks and the errno values, exactly as
 * FreeBSD's kern_mmap, kern_munmap, kern_mprotect, kern_madvise,
 * kern_mincore, sys_minherit and kern_break make them (their code where it
 * and the manual pages disagree: API.md lists the cases).  Below it the
 * map and the fault handler speak KERN_* codes.
 *
 * Addresses are vm_offset_t values inside a vmspace, not host pointers:
 * user memory is reached only through vm_copyin/vm_copyout and
 * vm_fault_trap, which translate through the pmap exactly as a CPU does
 * and run the fault handler on a miss.
 *
 * Locking: the calls take the map lock through the map functions; none is
 * held across calls.  A vmspace is used by its caller's threads until
 * vmspace_release; using it after that is the caller's bug, as using a
 * process after exit would be.
 */
#include <libvm.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <pmap/pmap.h>
#include <pmap/soft/pmap_soft.h>
#include <vm/vm_fault.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>
#include <vm/vm_page.h>
#include <vm/vm_pager.h>
#include <sys/file.h>
#include <sys/vnode.h>

#define	VM_PROT_ALL_USER	(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)

/* Every mmap flag libvm knows (FreeBSD's kern_mmap accepts these). */
#define	VM_MAP_KNOWN_FLAGS	(VM_MAP_SHARED | VM_MAP_PRIVATE |	\
	VM_MAP_FIXED | VM_MAP_STACK | VM_MAP_NOSYNC | VM_MAP_ANON |	\
	VM_MAP_GUARD | VM_MAP_EXCL | VM_MAP_NOCORE | VM_MAP_PREFAULT_READ | \
	VM_MAP_32BIT | VM_MAP_ALIGNMENT_MASK | VM_MAP_TEXT)

/* The flags a guard may carry (FreeBSD: FIXED, GUARD, EXCL, 32BIT, ALIGNED). */
#define	VM_MAP_GUARD_FLAGS	(VM_MAP_FIXED | VM_MAP_GUARD | VM_MAP_EXCL | \
	VM_MAP_32BIT | VM_MAP_ALIGNMENT_MASK)

static bool	vm_round_range(vm_offset_t addr, vm_size_t len,
		    vm_offset_t *startp, vm_offset_t *endp);
static int	vm_mmap_wirefuture(struct vmspace *vs, vm_offset_t start,
		    vm_offset_t end, bool holesok);

static int
vm_mmap_to_errno(int rv)
{
	switch (rv) {
	case KERN_SUCCESS:
		return (0);
	case KERN_INVALID_ADDRESS:
	case KERN_NO_SPACE:
		return (ENOMEM);
	case KERN_PROTECTION_FAILURE:
		return (EACCES);
	case KERN_RESOURCE_SHORTAGE:
		return (ENOMEM);
	default:
		return (EINVAL);
	}
}

static inline vm_map_t
vs_map(struct vmspace *vs)
{
	return (&vs->vm_map);
}

/* ---- address spaces ------------------------------------------------- */

__exported int
vmspace_create(struct vmspace **vsp)
{
	if (vsp == NULL)
		return (EINVAL);
	if (!vm_is_booted())
		return (ENXIO);
	return (vmspace_alloc(vsp));
}

__exported int
vmspace_fork(struct vmspace *parent, struct vmspace **childp)
{
	if (parent == NULL || childp == NULL)
		return (EINVAL);
	return (vmspace_fork1(parent, childp));
}

__exported void
vmspace_release(struct vmspace *vs)
{
	if (vs != NULL)
		vmspace_free(vs);
}

static bool
vm_rlimit_valid(int resource)
{
	return (resource == VM_RLIMIT_DATA || resource == VM_RLIMIT_STACK ||
	    resource == VM_RLIMIT_MEMLOCK || resource == VM_RLIMIT_AS);
}

/*
 * setrlimit(2): EINVAL for an unknown resource.  A current limit above the
 * maximum is lowered to it (FreeBSD's kern_proc_setrlimit does so rather
 * than fail), and the data and stack limits to the system's ceilings
 * (maxdsiz, maxssiz), as there: the room kept free for brk is the data
 * maximum, which must stay a size the address space can hold.  Raising
 * the maximum needs no privilege here (libvm has no credentials); a
 * lowered limit applies to later requests, as FreeBSD does, and shrinks
 * nothing.
 */
__exported int
vm_setrlimit(struct vmspace *vs, int resource, uint64_t cur, uint64_t max)
{
	vm_map_t map;

	if (vs == NULL || !vm_rlimit_valid(resource))
		return (EINVAL);
	if (resource == VM_RLIMIT_DATA)
		max = MIN(max, VM_MAXDSIZ);
	else if (resource == VM_RLIMIT_STACK)
		max = MIN(max, VM_MAXSSIZ);
	if (cur > max)
		cur = max;
	map = vs_map(vs);
	vm_map_lock(map);
	vs->vm_rlimit[resource].cur = cur;
	vs->vm_rlimit[resource].max = max;
	if (resource == VM_RLIMIT_DATA)
		map->sbrk_end = vs->vm_daddr + MIN(max,
		    VM_MAX_USER_ADDRESS - vs->vm_daddr);
	vm_map_unlock(map);
	return (0);
}

__exported int
vm_getrlimit(struct vmspace *vs, int resource, uint64_t *cur, uint64_t *max)
{
	vm_map_t map;

	if (vs == NULL || !vm_rlimit_valid(resource))
		return (EINVAL);
	map = vs_map(vs);
	vm_map_lock_read(map);
	if (cur != NULL)
		*cur = vs->vm_rlimit[resource].cur;
	if (max != NULL)
		*max = vs->vm_rlimit[resource].max;
	vm_map_unlock_read(map);
	return (0);
}

/* ---- mmap ------------------------------------------------------------ */

/*
 * Map size bytes of object at foff (object NULL: anonymous memory or a
 * guard), placed as flags say; the map part of FreeBSD's vm_mmap_object.
 * The mapping takes over the caller's object reference when it succeeds.
 */
static int
vm_mmap_object(struct vmspace *vs, vm_offset_t *addr, vm_size_t size,
    vm_prot_t prot, vm_prot_t maxprot, int flags, vm_object_t object,
    vm_ooffset_t foff, int cow)
{
	vm_map_t map = vs_map(vs);
	vm_offset_t max_addr, min_addr, hint;
	int findspace, rv, align;

	/* RLIMIT_AS: the whole size counts, even over what FIXED replaces. */
	vm_map_lock_read(map);
	if (map->size + size > vs->vm_rlimit[VM_RLIMIT_AS].cur ||
	    map->size + size < map->size) {
		vm_map_unlock_read(map);
		return (ENOMEM);
	}
	/* mlockall(MCL_FUTURE): the new mapping must fit RLIMIT_MEMLOCK. */
	if ((map->flags & MAP_WIREFUTURE) != 0 && prot != VM_PROT_NONE &&
	    ptoa(vs->vm_uwired) + size > vs->vm_rlimit[VM_RLIMIT_MEMLOCK].cur) {
		vm_map_unlock_read(map);
		return (ENOMEM);
	}
	vm_map_unlock_read(map);

	if ((flags & VM_MAP_NOSYNC) != 0)
		cow |= MAP_DISABLE_SYNCER;
	if ((flags & VM_MAP_NOCORE) != 0)
		cow |= MAP_DISABLE_COREDUMP;
	/* Shared memory is shared with children too. */
	if ((flags & VM_MAP_SHARED) != 0)
		cow |= MAP_INHERIT_SHARE;
	if ((flags & VM_MAP_STACK) != 0)
		cow |= MAP_STACK_GROWS_DOWN;
	if ((flags & VM_MAP_EXCL) != 0)
		cow |= MAP_CHECK_EXCL;
	if ((flags & VM_MAP_GUARD) != 0)
		cow |= MAP_CREATE_GUARD;
	if (object == NULL &&
	    (flags & (VM_MAP_SHARED | VM_MAP_GUARD | VM_MAP_STACK)) == 0)
		cow |= MAP_ANON_CLUSTER;

	if ((flags & VM_MAP_FIXED) == 0) {
		align = flags & VM_MAP_ALIGNMENT_MASK;
		if (align == VM_MAP_ALIGNED_SUPER)
			findspace = VMFS_SUPER_SPACE;
		else if (align != 0)
			findspace = VMFS_ALIGNED_SPACE(align >>
			    VM_MAP_ALIGNMENT_SHIFT);
		else
			findspace = VMFS_OPTIMAL_SPACE;
		max_addr = (flags & VM_MAP_32BIT) != 0 ? VM_MAX_32BIT_ADDRESS :
		    0;
		/*
		 * FreeBSD's vm_map_find_min: without a hint, start past the
		 * largest data segment RLIMIT_DATA allows, so that brk can
		 * always grow; with a hint that fails, try there too.  (Under
		 * ASLR with honor_sbrk the map keeps the segment free itself;
		 * MAP_32BIT does not bother, the heap being above 2 GiB.)
		 */
		min_addr = (flags & VM_MAP_32BIT) != 0 ? 0 :
		    round_page(vs->vm_daddr + vs->vm_rlimit[VM_RLIMIT_DATA].max);
		if (min_addr < vs->vm_daddr || min_addr >= vm_map_max(map))
			min_addr = 0;
		hint = *addr;
		if (hint == 0) {
			cow |= MAP_NO_HINT;
			*addr = hint = min_addr;
		}
		for (;;) {
			rv = vm_map_find(map, object, foff, addr, size,
			    max_addr, findspace, prot, maxprot, cow);
			if (rv == KERN_SUCCESS || min_addr >= hint)
				break;
			*addr = hint = min_addr;
		}
	} else
		rv = vm_map_fixed(map, object, foff, *addr, size, prot,
		    maxprot, cow);
	if (rv != KERN_SUCCESS)
		return (vm_mmap_to_errno(rv));
	return (0);
}

/*
 * Map a file: the file decides the maximum protection and hands over its
 * object (fo_mmap); a failure to map gives back what it took.
 */
static int
vm_mmap_file(struct vmspace *vs, vm_offset_t *addr, vm_size_t size,
    int prot, int maxprot, int flags, int fd, off_t pos)
{
	struct file_mmap fm = { .maxprot = maxprot };
	struct file *fp;
	int error;

	if ((error = fget(fd, &fp)) != 0)
		return (error);
	/* FreeBSD (since P_OSREL_MAP_FSTRICT): a file needs one of them. */
	if ((flags & (VM_MAP_SHARED | VM_MAP_PRIVATE)) == 0) {
		fdrop(fp);
		return (EINVAL);
	}
	/* FreeBSD's vn_mmap: the mapping must end below OFF_MAX. */
	if (pos < 0 || (vm_ooffset_t)pos > (vm_ooffset_t)INT64_MAX - size) {
		fdrop(fp);
		return (EINVAL);
	}
	error = fp->f_ops->fo_mmap(fp, size, (vm_ooffset_t)pos, prot, flags,
	    &fm);
	fdrop(fp);
	if (error != 0)
		return (error);
	error = vm_mmap_object(vs, addr, size, (vm_prot_t)prot,
	    (vm_prot_t)fm.maxprot, flags, fm.object, (vm_ooffset_t)pos,
	    fm.cow);
	if (error != 0) {
		if (fm.writecounted)
			vm_pager_release_writecount(fm.object, 0, size);
		if ((fm.cow & MAP_VN_EXEC) != 0)
			vn_unset_text(vm_object_vnode(fm.object));
		vm_object_deallocate(fm.object);
	}
	return (error);
}

__exported int
vm_mmap(struct vmspace *vs, vm_offset_t *addrp, vm_size_t len, int prot,
    int flags, int fd, off_t pos)
{
	vm_offset_t addr, pageoff;
	vm_size_t size;
	int align, error, maxprot;

	if (vs == NULL || addrp == NULL)
		return (EINVAL);
	addr = *addrp;
	/* The checks in the order of FreeBSD's kern_mmap: its errno wins. */
	if ((prot & ~(VM_PROT_ALL_USER | VM_PROT_MAX(VM_PROT_ALL_USER))) != 0)
		return (EINVAL);
	maxprot = VM_PROT_MAX_EXTRACT(prot);
	prot = VM_PROT_EXTRACT(prot);
	if (maxprot != 0 && (maxprot & prot) != prot)
		return (ENOTSUP);
	if (maxprot == 0)
		maxprot = atomic_load(&vm_imply_prot_max) != 0 ? prot :
		    VM_PROT_ALL;
	if (len == 0)
		return (EINVAL);
	if ((flags & VM_MAP_ANON) != 0 && (fd != -1 || pos != 0 ||
	    (flags & VM_MAP_TEXT) != 0))
		return (EINVAL);
	if ((flags & VM_MAP_STACK) != 0) {
		if (fd != -1 || (prot & (VM_PROT_READ | VM_PROT_WRITE)) !=
		    (VM_PROT_READ | VM_PROT_WRITE))
			return (EINVAL);
		flags |= VM_MAP_ANON;
		pos = 0;
	}
	if ((flags & ~VM_MAP_KNOWN_FLAGS) != 0)
		return (EINVAL);
	if ((flags & (VM_MAP_EXCL | VM_MAP_FIXED)) == VM_MAP_EXCL)
		return (EINVAL);
	if ((flags & (VM_MAP_SHARED | VM_MAP_PRIVATE)) ==
	    (VM_MAP_SHARED | VM_MAP_PRIVATE))
		return (EINVAL);
	if ((flags & VM_MAP_GUARD) != 0 && (prot != VM_PROT_NONE ||
	    fd != -1 || pos != 0 || (flags & ~VM_MAP_GUARD_FLAGS) != 0))
		return (EINVAL);

	/* The page offset of pos is carried by the address. */
	pageoff = (vm_offset_t)pos & PAGE_MASK;
	pos -= (off_t)pageoff;
	size = len + pageoff;
	if (size < len)
		return (ENOMEM);
	size = round_page(size);
	if (size < len || size == 0)
		return (ENOMEM);

	align = flags & VM_MAP_ALIGNMENT_MASK;
	if (align != 0 && align != VM_MAP_ALIGNED_SUPER &&
	    ((align >> VM_MAP_ALIGNMENT_SHIFT) >= 64 ||
	    (align >> VM_MAP_ALIGNMENT_SHIFT) < PAGE_SHIFT))
		return (EINVAL);

	if ((flags & VM_MAP_FIXED) != 0) {
		addr -= pageoff;
		if ((addr & PAGE_MASK) != 0)
			return (EINVAL);
		if (!vm_map_range_valid(vs_map(vs), addr, addr + size) ||
		    addr + size < addr)
			return (EINVAL);
		if ((flags & VM_MAP_32BIT) != 0 &&
		    addr + size > VM_MAX_32BIT_ADDRESS)
			return (EINVAL);
	} else if ((flags & VM_MAP_32BIT) != 0) {
		/* A hint too high for MAP_32BIT is ignored. */
		if (addr + size > VM_MAX_32BIT_ADDRESS || addr + size < addr)
			addr = 0;
	} else if (addr >= vs->vm_daddr && addr < vs->vm_daddr +
	    vs->vm_rlimit[VM_RLIMIT_DATA].max) {
		/* A hint inside the heap's room goes past it (FreeBSD). */
		addr = round_page(vs->vm_daddr +
		    vs->vm_rlimit[VM_RLIMIT_DATA].max);
	}

	if ((flags & VM_MAP_GUARD) != 0)
		error = vm_mmap_object(vs, &addr, size, VM_PROT_NONE,
		    VM_PROT_NONE, flags, NULL, 0, 0);
	else if ((flags & VM_MAP_ANON) != 0)
		error = vm_mmap_object(vs, &addr, size, (vm_prot_t)prot,
		    (vm_prot_t)maxprot, flags, NULL, 0, 0);
	else
		error = vm_mmap_file(vs, &addr, size, prot, maxprot, flags, fd,
		    pos);
	/*
	 * mlockall(MCL_FUTURE): wire the new mapping; as FreeBSD's
	 * vm_mmap_object does, the limit was checked before mapping
	 * (vm_mmap_anon) and a failure to wire leaves it mapped.
	 */
	if (error == 0 && (flags & VM_MAP_GUARD) == 0)
		(void)vm_mmap_wirefuture(vs, addr, addr + size,
		    (flags & VM_MAP_STACK) != 0);
	if (error == 0) {
		if ((flags & VM_MAP_PREFAULT_READ) != 0 &&
		    (flags & VM_MAP_GUARD) == 0)
			(void)vm_map_madvise(vs_map(vs), addr, addr + size,
			    VM_MADV_WILLNEED);
		*addrp = addr + pageoff;
	}
	return (error);
}

/*
 * msync(2), as FreeBSD's kern_msync: an unaligned address is rounded down
 * (the manual says EINVAL; the code rounds); MS_ASYNC with MS_INVALIDATE
 * and unknown flags are EINVAL (the latter as NetBSD checks).
 */
__exported int
vm_msync(struct vmspace *vs, vm_offset_t addr, vm_size_t len, int flags)
{
	vm_offset_t start, end;

	if (vs == NULL)
		return (EINVAL);
	if ((flags & ~(VM_MS_ASYNC | VM_MS_INVALIDATE)) != 0 ||
	    (flags & (VM_MS_ASYNC | VM_MS_INVALIDATE)) ==
	    (VM_MS_ASYNC | VM_MS_INVALIDATE))
		return (EINVAL);
	if (!vm_round_range(addr, len, &start, &end))
		return (EINVAL);
	switch (vm_map_sync(vs_map(vs), start, end,
	    (flags & VM_MS_ASYNC) == 0, (flags & VM_MS_INVALIDATE) != 0)) {
	case KERN_SUCCESS:
		return (0);
	case KERN_INVALID_ADDRESS:
		return (ENOMEM);
	case KERN_INVALID_ARGUMENT:
		return (EBUSY);
	case KERN_FAILURE:
		return (EIO);
	default:
		return (EINVAL);
	}
}

/* Round [addr, addr + len) out to pages; false if it wraps. */
static bool
vm_round_range(vm_offset_t addr, vm_size_t len, vm_offset_t *startp,
    vm_offset_t *endp)
{
	vm_offset_t pageoff = addr & PAGE_MASK;
	vm_size_t size;

	size = len + pageoff;
	if (size < len)
		return (false);
	size = round_page(size);
	if (size < len + pageoff)
		return (false);
	*startp = addr - pageoff;
	*endp = *startp + size;
	return (*endp >= *startp);
}

__exported int
vm_munmap(struct vmspace *vs, vm_offset_t addr, vm_size_t len)
{
	vm_offset_t start, end;
	int rv;

	if (vs == NULL || len == 0)
		return (EINVAL);
	if (!vm_round_range(addr, len, &start, &end) ||
	    !vm_map_range_valid(vs_map(vs), start, end))
		return (EINVAL);
	rv = vm_map_remove(vs_map(vs), start, end);
	return (rv == KERN_SUCCESS ? 0 : EINVAL);
}

__exported int
vm_mprotect(struct vmspace *vs, vm_offset_t addr, vm_size_t len, int prot)
{
	vm_offset_t start, end;
	int rv, maxprot;

	if (vs == NULL)
		return (EINVAL);
	if ((prot & ~(VM_PROT_ALL_USER | VM_PROT_MAX(VM_PROT_ALL_USER))) != 0)
		return (EINVAL);
	maxprot = VM_PROT_MAX_EXTRACT(prot);
	prot = VM_PROT_EXTRACT(prot);
	if (maxprot != 0 && (maxprot & prot) != prot)
		return (ENOTSUP);
	if (!vm_round_range(addr, len, &start, &end))
		return (EINVAL);
	if (start == end)
		return (0);
	/* A new maximum first (it may only lower), then the protection. */
	rv = KERN_SUCCESS;
	if (maxprot != 0)
		rv = vm_map_protect(vs_map(vs), start, end,
		    (vm_prot_t)maxprot, true);
	if (rv == KERN_SUCCESS)
		rv = vm_map_protect(vs_map(vs), start, end, (vm_prot_t)prot,
		    false);
	switch (rv) {
	case KERN_SUCCESS:
		return (0);
	case KERN_PROTECTION_FAILURE:
		return (EACCES);
	case KERN_RESOURCE_SHORTAGE:
		return (ENOMEM);
	default:
		return (EINVAL);
	}
}

__exported int
vm_madvise(struct vmspace *vs, vm_offset_t addr, vm_size_t len, int advice)
{
	vm_offset_t start, end;
	int rv;

	if (vs == NULL)
		return (EINVAL);
	if (advice == VM_MADV_PROTECT) {
		/* FreeBSD's MADV_PROTECT: never the OOM killer's victim. */
		int old = VM_OOM_NORMAL;

		(void)atomic_compare_exchange_strong(&vs->vm_oom, &old,
		    VM_OOM_PROTECTED);
		return (0);
	}
	if (advice < 0 || advice > VM_MADV_CORE)
		return (EINVAL);
	if (addr + len < addr ||
	    !vm_map_range_valid(vs_map(vs), addr, addr + len))
		return (EINVAL);
	start = trunc_page(addr);
	end = round_page(addr + len);
	if (start == end)
		return (0);
	rv = vm_map_madvise(vs_map(vs), start, end, advice);
	return (rv == KERN_SUCCESS ? 0 : EINVAL);
}

__exported int
vm_minherit(struct vmspace *vs, vm_offset_t addr, vm_size_t len, int inherit)
{
	vm_offset_t start, end;
	int rv;

	if (vs == NULL)
		return (EINVAL);
	if (!vm_round_range(addr, len, &start, &end))
		return (EINVAL);
	if (inherit < VM_INHERIT_SHARE || inherit > VM_INHERIT_ZERO)
		return (EINVAL);
	rv = vm_map_inherit(vs_map(vs), start, end, (vm_inherit_t)inherit);
	switch (rv) {
	case KERN_SUCCESS:
		return (0);
	case KERN_PROTECTION_FAILURE:
		return (EACCES);
	default:
		return (EINVAL);
	}
}

/*
 * mincore(2) of one page of entry: the pmap's view of this mapping, and
 * the page's own state (other mappings, earlier accesses) as the _OTHER
 * bits.  The page is looked for down the chain when this pmap has no
 * translation for it.
 *
 * => map read-locked.
 */
static int
vm_mincore_page(vm_map_t map, vm_map_entry_t entry, vm_offset_t va)
{
	vm_object_t object, next;
	vm_pindex_t pindex;
	vm_paddr_t pa = 0;
	vm_page_t m = NULL;
	int info;

	if (entry->cold->object == NULL)
		return (0);
	info = pmap_mincore(map->pmap, va, &pa);
	pindex = OFF_TO_IDX(entry->cold->offset + (va - entry->start));
	object = entry->cold->object;
	VM_OBJECT_RLOCK(object);
	for (;;) {
		m = vm_page_lookup(object, pindex);
		if (m != NULL && vm_page_all_valid(m))
			break;
		m = NULL;
		next = object->backing_object;
		if (next == NULL)
			break;
		VM_OBJECT_RLOCK(next);
		pindex += OFF_TO_IDX(object->backing_object_offset);
		VM_OBJECT_RUNLOCK(object);
		object = next;
	}
	if (m != NULL) {
		info |= VM_MINCORE_INCORE;
		if (m->dirty != 0 || pmap_is_modified(m))
			info |= VM_MINCORE_MODIFIED_OTHER;
		if ((vm_page_astate_load(m).flags & PGA_REFERENCED) != 0 ||
		    pmap_is_referenced(m))
			info |= VM_MINCORE_REFERENCED_OTHER;
	}
	VM_OBJECT_RUNLOCK(object);
	return (info);
}

__exported int
vm_mincore(struct vmspace *vs, vm_offset_t addr, vm_size_t len, char *vec)
{
	vm_map_t map;
	vm_map_entry_t entry;
	vm_offset_t start, end, va, cend;
	size_t i;

	if (vs == NULL)
		return (EINVAL);
	map = vs_map(vs);
	start = trunc_page(addr);
	end = addr + len;
	if (end < addr)
		return (ENOMEM);
	end = round_page(end);
	if (end < start || end > vm_map_max(map))
		return (ENOMEM);
	if (start < vm_map_min(map))
		return (ENOMEM);
	if (start != end && vec == NULL)
		return (EFAULT);
	vm_map_lock_read(map);
	va = start;
	entry = vm_map_lookup_entry_ge(map, start);
	i = 0;
	/*
	 * The loop's first test, made even for an empty range: FreeBSD's
	 * kern_mincore looks the address up first, so an empty range is
	 * ENOMEM in a hole and succeeds inside a mapping.
	 */
	do {
		if (entry == &map->header || entry->start > va) {
			/* A hole in the range. */
			vm_map_unlock_read(map);
			return (ENOMEM);
		}
		cend = MIN(end, entry->end);
		for (; va < cend; va += PAGE_SIZE, i++)
			vec[i] = (char)vm_mincore_page(map, entry, va);
		entry = vm_map_entry_succ(entry);
	} while (va < end);
	vm_map_unlock_read(map);
	return (0);
}

/*
 * brk(2): the data segment [vm_daddr, vm_daddr + vm_dsize) moves its end
 * to newbreak (rounded up to a page).  Growing is bounded by RLIMIT_DATA
 * and RLIMIT_AS and fails with ENOMEM over another mapping; shrinking
 * unmaps and frees.
 */
__exported int
vm_brk(struct vmspace *vs, vm_offset_t newbreak)
{
	vm_map_t map;
	vm_offset_t base, old, new;
	int rv, error = 0;

	if (vs == NULL)
		return (EINVAL);
	map = vs_map(vs);
	base = vs->vm_daddr;
	if (newbreak < base || newbreak > vm_map_max(map))
		return (EINVAL);
	new = round_page(newbreak);
	vm_map_lock(map);
	old = base + vs->vm_dsize;
	if (new > old) {
		if (new - base > vs->vm_rlimit[VM_RLIMIT_DATA].cur ||
		    map->size + (new - old) > vs->vm_rlimit[VM_RLIMIT_AS].cur) {
			error = ENOMEM;
			goto done;
		}
		rv = vm_map_insert(map, NULL, 0, old, new, VM_PROT_RW,
		    VM_PROT_ALL, 0);
		if (rv != KERN_SUCCESS) {
			error = ENOMEM;
			goto done;
		}
	} else if (new < old) {
		rv = vm_map_delete(map, new, old);
		if (rv != KERN_SUCCESS) {
			error = ENOMEM;
			goto done;
		}
	}
	vs->vm_dsize = new - base;
done:
	vm_map_unlock(map);
	if (error == 0 && new > old &&
	    vm_mmap_wirefuture(vs, old, new, false) != 0) {
		/* As FreeBSD's kern_break: the growth is undone. */
		vm_map_lock(map);
		(void)vm_map_delete(map, old, new);
		vs->vm_dsize = old - base;
		vm_map_unlock(map);
		error = ENOMEM;
	}
	return (error);
}

/* ---- wiring -------------------------------------------------------------- */

/*
 * The page range of mlock(2)/munlock(2), as FreeBSD's kern_mlock rounds
 * it: EINVAL if it wraps, ENOMEM outside the address space.
 */
static int
vm_wire_range(struct vmspace *vs, vm_offset_t addr, vm_size_t len,
    vm_offset_t *startp, vm_offset_t *endp)
{
	vm_offset_t last = addr + len;

	if (vs == NULL)
		return (EINVAL);
	*startp = trunc_page(addr);
	*endp = round_page(last);
	if (last < addr || *endp < addr)
		return (EINVAL);
	if (!vm_map_range_valid(vs_map(vs), *startp, *endp))
		return (ENOMEM);
	return (0);
}

__exported int
vm_mlock(struct vmspace *vs, vm_offset_t addr, vm_size_t len)
{
	vm_offset_t start, end;
	int error;

	if ((error = vm_wire_range(vs, addr, len, &start, &end)) != 0)
		return (error);
	if (atop(end - start) > atomic_load(&vm_max_user_wired))
		return (ENOMEM);
	return (vm_map_wire(vs_map(vs), start, end, VM_MAP_WIRE_USER) ==
	    KERN_SUCCESS ? 0 : ENOMEM);
}

__exported int
vm_munlock(struct vmspace *vs, vm_offset_t addr, vm_size_t len)
{
	vm_offset_t start, end;
	int error;

	if ((error = vm_wire_range(vs, addr, len, &start, &end)) != 0)
		return (error);
	return (vm_map_unwire(vs_map(vs), start, end, VM_MAP_WIRE_USER) ==
	    KERN_SUCCESS ? 0 : ENOMEM);
}

/*
 * Wire every mapping of map that is not wired yet, one mapping at a time
 * (the mappings are few; the address space is not).  If one cannot be
 * wired, those wired before it are unwired again: the call changes
 * nothing (FreeBSD's vm_map_wire undoes a failed range the same way).
 * Mappings that change meanwhile are taken as they are found (HOLESOK).
 */
static int
vm_mlockall_current(vm_map_t map)
{
	struct { vm_offset_t start, end; } *r;
	vm_map_entry_t e;
	size_t n = 0, cap, k;
	int rv = KERN_SUCCESS;

	vm_map_lock_read(map);
	cap = (size_t)map->nentries;
	r = calloc(cap > 0 ? cap : 1, sizeof(*r));
	if (r == NULL) {
		vm_map_unlock_read(map);
		return (KERN_RESOURCE_SHORTAGE);
	}
	VM_MAP_ENTRY_FOREACH(e, map)
		if ((e->eflags & (MAP_ENTRY_GUARD | MAP_ENTRY_USER_WIRED)) ==
		    0 && (e->protection & (VM_PROT_READ | VM_PROT_EXECUTE)) !=
		    0 && n < cap) {
			r[n].start = e->start;
			r[n].end = e->end;
			n++;
		}
	vm_map_unlock_read(map);
	for (k = 0; k < n; k++) {
		rv = vm_map_wire(map, r[k].start, r[k].end, VM_MAP_WIRE_USER |
		    VM_MAP_WIRE_HOLESOK);
		if (rv != KERN_SUCCESS)
			break;
	}
	if (rv != KERN_SUCCESS)
		while (k-- > 0)
			(void)vm_map_unwire(map, r[k].start, r[k].end,
			    VM_MAP_WIRE_USER | VM_MAP_WIRE_HOLESOK);
	free(r);
	return (rv);
}

__exported int
vm_mlockall(struct vmspace *vs, int flags)
{
	vm_map_t map;
	int rv;

	if (vs == NULL || flags == 0 ||
	    (flags & ~(VM_MCL_CURRENT | VM_MCL_FUTURE)) != 0)
		return (EINVAL);
	map = vs_map(vs);
	vm_map_lock(map);
	if ((flags & VM_MCL_CURRENT) != 0 &&
	    map->size > vs->vm_rlimit[VM_RLIMIT_MEMLOCK].cur) {
		vm_map_unlock(map);
		return (ENOMEM);
	}
	if ((flags & VM_MCL_FUTURE) != 0)
		map->flags |= MAP_WIREFUTURE;
	vm_map_unlock(map);
	if ((flags & VM_MCL_CURRENT) == 0)
		return (0);
	rv = vm_mlockall_current(map);
	if (rv == KERN_SUCCESS)
		return (0);
	return (rv == KERN_RESOURCE_SHORTAGE ? ENOMEM : EAGAIN);
}

__exported int
vm_munlockall(struct vmspace *vs)
{
	vm_map_t map;
	int rv;

	if (vs == NULL)
		return (EINVAL);
	map = vs_map(vs);
	vm_map_lock(map);
	map->flags &= ~MAP_WIREFUTURE;
	vm_map_unlock(map);
	rv = vm_map_unwire(map, vm_map_min(map), vm_map_max(map),
	    VM_MAP_WIRE_USER | VM_MAP_WIRE_HOLESOK);
	return (rv == KERN_SUCCESS ? 0 : EINVAL);
}

/*
 * Under mlockall(MCL_FUTURE), a new mapping (or brk growth) is wired as
 * it is made.  ENOMEM if it cannot be: vm_brk then undoes the growth
 * (FreeBSD's kern_break), vm_mmap keeps the mapping (vm_mmap_object).
 */
static int
vm_mmap_wirefuture(struct vmspace *vs, vm_offset_t start, vm_offset_t end,
    bool holesok)
{
	vm_map_t map = vs_map(vs);
	bool future;

	vm_map_lock_read(map);
	future = (map->flags & MAP_WIREFUTURE) != 0;
	vm_map_unlock_read(map);
	if (!future || vm_map_wire(map, start, end, VM_MAP_WIRE_USER |
	    (holesok ? VM_MAP_WIRE_HOLESOK : 0)) == KERN_SUCCESS)
		return (0);
	return (ENOMEM);
}

/* ---- touching memory ------------------------------------------------- */

/*
 * One access of len bytes (inside one page) at va, as the CPU makes it:
 * through the pmap, and on a miss through the fault handler, then again.
 * Returns the KERN_* result of the last fault.  An address space the OOM
 * killer took makes no access at all (KERN_TERMINATED: SIGKILL), even
 * through translations the killer has not yet removed.
 */
static int
vm_uaccess(struct vmspace *vs, vm_offset_t va, void *buf, size_t len,
    vm_prot_t access)
{
	vm_map_t map = vs_map(vs);
	int rv;

	if (__predict_false(atomic_load_explicit(&vs->vm_oom,
	    memory_order_relaxed) == VM_OOM_KILLED))
		return (KERN_TERMINATED);
	if (va < vm_map_min(map) || va >= vm_map_max(map))
		return (KERN_INVALID_ADDRESS);
	for (;;) {
		if (pmap_soft_copy(map->pmap, va, buf, len, access) ==
		    PMAP_ACCESS_OK)
			return (KERN_SUCCESS);
		rv = vm_fault(map, va, access, VM_FAULT_NORMAL, NULL);
		/*
		 * An access that moves no data completed when the fault
		 * entered the translation: pmap_enter set the accessed (and
		 * modified) bits for this access type as the walk would.
		 */
		if (rv != KERN_SUCCESS || len == 0)
			return (rv);
	}
}

static int
vm_copy_user(struct vmspace *vs, vm_offset_t uaddr, void *kbuf, size_t len,
    vm_prot_t access)
{
	size_t n;

	if (vs == NULL || (kbuf == NULL && len != 0))
		return (EFAULT);
	if (uaddr + len < uaddr)
		return (EFAULT);
	while (len > 0) {
		n = MIN(len, PAGE_SIZE - (uaddr & PAGE_MASK));
		if (vm_uaccess(vs, uaddr, kbuf, n, access) != KERN_SUCCESS)
			return (EFAULT);
		uaddr += n;
		kbuf = (char *)kbuf + n;
		len -= n;
	}
	return (0);
}

__exported int
vm_copyin(struct vmspace *vs, vm_offset_t uaddr, void *kbuf, size_t len)
{
	return (vm_copy_user(vs, uaddr, kbuf, len, VM_PROT_READ));
}

__exported int
vm_copyout(struct vmspace *vs, const void *kbuf, vm_offset_t uaddr,
    size_t len)
{
	/* pmap_soft_copy only reads buf for a write access. */
	return (vm_copy_user(vs, uaddr, (void *)(uintptr_t)kbuf, len,
	    VM_PROT_WRITE));
}

/*
 * One CPU access and the signal a failed one delivers, as FreeBSD's
 * trap_pfault reports them: unmapped SIGSEGV/SEGV_MAPERR, not allowed
 * SIGSEGV/SEGV_ACCERR, beyond the object SIGBUS/BUS_OBJERR.  Out of
 * memory (FreeBSD's BUS_OOMERR) is SIGBUS/BUS_ADRERR here.
 */
__exported int
vm_fault_trap(struct vmspace *vs, vm_offset_t va, int access, int *signo,
    int *ucode)
{
	int rv, sig = 0, code = 0;

	if (vs == NULL || (access != VM_PROT_READ && access != VM_PROT_WRITE &&
	    access != VM_PROT_EXEC))
		return (EINVAL);
	rv = vm_uaccess(vs, va, NULL, 0, (vm_prot_t)access);
	switch (rv) {
	case KERN_SUCCESS:
		break;
	case KERN_PROTECTION_FAILURE:
		sig = SIGSEGV;
		code = SEGV_ACCERR;
		break;
	case KERN_OUT_OF_BOUNDS:
		sig = SIGBUS;
		code = BUS_OBJERR;
		break;
	case KERN_RESOURCE_SHORTAGE:
		sig = SIGBUS;
		code = BUS_ADRERR;
		break;
	case KERN_TERMINATED:
		sig = SIGKILL;		/* the OOM killer's */
		code = 0;
		break;
	case KERN_INVALID_ADDRESS:
	default:
		sig = SIGSEGV;
		code = SEGV_MAPERR;
		break;
	}
	if (signo != NULL)
		*signo = sig;
	if (ucode != NULL)
		*ucode = code;
	return (rv == KERN_SUCCESS ? 0 : EFAULT);
}

__exported void *
vm_hostaddr(struct vmspace *vs __unused, vm_offset_t va __unused)
{
	return (NULL);		/* the software MMU has no host window */
}

/* ---- inspection -------------------------------------------------------- */

/* The KVME type of each object type (FreeBSD's kern_proc_vmmap_out). */
static const int vm_kvme_type[] = {
	[OBJT_DEFAULT] = VM_KVME_TYPE_DEFAULT,
	[OBJT_SWAP] = VM_KVME_TYPE_SWAP,
	[OBJT_VNODE] = VM_KVME_TYPE_VNODE,
	[OBJT_DEVICE] = VM_KVME_TYPE_DEVICE,
	[OBJT_PHYS] = VM_KVME_TYPE_PHYS,
	[OBJT_DEAD] = VM_KVME_TYPE_DEAD,
};

/*
 * The object part of an entry's record, in one walk down its chain (held
 * locked top down, at most nitems(chain) objects deep; collapse keeps
 * chains far shorter):
 * - kve_resident: pages of the range resident anywhere in the chain, a
 *   page of a lower object counting only where no object above it has
 *   one (what a fault would find first); no memory proportional to the
 *   range is needed, however large;
 * - kve_private_resident, as FreeBSD's kern_proc_vmmap_out counts it: the
 *   top object's pages, when it backs onto nothing (FreeBSD counts the
 *   whole object, libvm only the entry's range, which differs once
 *   mappings share an object by coalescing or clipping);
 * - the top object's reference and shadow counts;
 * - the type and offset of the bottom object (FreeBSD).
 *
 * => map read-locked; entry has an object.
 */
static void
vm_procstat_object(vm_map_entry_t entry, struct vm_kinfo_vmentry *kve)
{
	vm_object_t chain[64], object, next;
	vm_ooffset_t offs[64], off;
	vm_pindex_t npages, first, pi;
	vm_page_t m;
	int depth, k, u, n = 0, p = 0;
	bool covered;

	npages = atop(entry->end - entry->start);
	object = entry->cold->object;
	off = entry->cold->offset;
	VM_OBJECT_RLOCK(object);
	for (depth = 0;; depth++) {
		chain[depth] = object;
		offs[depth] = off;
		next = object->backing_object;
		if (next == NULL || depth + 1 == (int)nitems(chain))
			break;
		VM_OBJECT_RLOCK(next);
		off += object->backing_object_offset;
		object = next;
	}
	for (k = 0; k <= depth; k++) {
		first = OFF_TO_IDX(offs[k]);
		for (m = vm_page_find_least(chain[k], first);
		    m != NULL && m->pindex < first + npages;
		    m = TAILQ_NEXT(m, listq)) {
			pi = m->pindex - first;
			covered = false;
			for (u = 0; u < k && !covered; u++)
				covered = vm_page_lookup(chain[u],
				    OFF_TO_IDX(offs[u]) + pi) != NULL;
			if (covered)
				continue;
			n++;
			if (k == 0 && chain[0]->backing_object == NULL)
				p++;
		}
	}
	kve->kve_resident = n;
	kve->kve_private_resident = p;
	kve->kve_ref_count = atomic_load(&chain[0]->ref_count);
	kve->kve_shadow_count = chain[0]->shadow_count;
	kve->kve_offset = offs[depth];
	kve->kve_type = vm_object_kvme_type(chain[depth]->type);
	/* A vnode's path is constant while its object is locked alive. */
	if (chain[depth]->type == OBJT_VNODE)
		snprintf(kve->kve_path, sizeof(kve->kve_path), "%s",
		    ((struct vnode *)chain[depth]->handle)->v_path);
	for (k = depth; k >= 0; k--)
		VM_OBJECT_RUNLOCK(chain[k]);
}

/* The VM_KVME_FLAG_* bits of an entry (procstat and core dumps). */
int
vm_map_entry_kvme_flags(vm_map_entry_t entry)
{
	int f = 0;

	if ((entry->eflags & MAP_ENTRY_COW) != 0)
		f |= VM_KVME_FLAG_COW;
	if ((entry->eflags & MAP_ENTRY_NEEDS_COPY) != 0)
		f |= VM_KVME_FLAG_NEEDS_COPY;
	if ((entry->eflags & MAP_ENTRY_NOCOREDUMP) != 0)
		f |= VM_KVME_FLAG_NOCOREDUMP;
	if ((entry->eflags & MAP_ENTRY_GROWS_DOWN) != 0)
		f |= VM_KVME_FLAG_GROWS_DOWN;
	if ((entry->eflags & MAP_ENTRY_USER_WIRED) != 0)
		f |= VM_KVME_FLAG_USER_WIRED;
	return (f);
}

/* The VM_KVME_TYPE_* of an object type. */
int
vm_object_kvme_type(int type)
{
	return ((size_t)type < nitems(vm_kvme_type) ? vm_kvme_type[type] :
	    VM_KVME_TYPE_DEAD);
}

static void
vm_procstat_entry(vm_map_entry_t entry, struct vm_kinfo_vmentry *kve)
{
	memset(kve, 0, sizeof(*kve));
	kve->kve_start = entry->start;
	kve->kve_end = entry->end;
	kve->kve_offset = entry->cold->offset;
	kve->kve_protection = entry->protection;
	kve->kve_max_protection = entry->max_protection;
	kve->kve_inheritance = entry->inheritance;
	kve->kve_flags = vm_map_entry_kvme_flags(entry);
	if (entry->cold->object == NULL)
		kve->kve_type = (entry->eflags & MAP_ENTRY_GUARD) != 0 ?
		    VM_KVME_TYPE_GUARD : VM_KVME_TYPE_NONE;
	else
		vm_procstat_object(entry, kve);
}

__exported int
vm_procstat(struct vmspace *vs, struct vm_kinfo_vmentry *buf, size_t *countp)
{
	vm_map_t map;
	vm_map_entry_t entry;
	size_t n = 0, cap;
	int error = 0;

	if (vs == NULL || countp == NULL)
		return (EINVAL);
	map = vs_map(vs);
	vm_map_lock_read(map);
	if (buf == NULL) {
		*countp = (size_t)map->nentries;
		vm_map_unlock_read(map);
		return (0);
	}
	cap = *countp;
	VM_MAP_ENTRY_FOREACH(entry, map) {
		if (n == cap) {
			error = ENOMEM;
			break;
		}
		vm_procstat_entry(entry, &buf[n++]);
	}
	vm_map_unlock_read(map);
	*countp = n;
	return (error);
}
