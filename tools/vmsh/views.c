/*
 * vmsh's inspection views, in the formats FreeBSD's tools print, so that
 * what people know from procstat(1), vmstat(8), sysctl(8) and swapinfo(8)
 * reads the same here.  Everything is read through libvm's public
 * interface (vm_procstat, vm_sysctlbyname and friends), as those tools
 * read the kernel's: the views need no lock of libvm's and hold none.
 * The caller holds vmsh's output lock, so a view's lines stay together.
 */
#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <uma.h>

#include "vmsh.h"

/* ---- errno names -------------------------------------------------------- */

static const struct {
	const char	*name;
	int		 val;
} errnos[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "ESRCH", ESRCH },
	{ "EINTR", EINTR }, { "EIO", EIO }, { "ENXIO", ENXIO },
	{ "E2BIG", E2BIG }, { "EBADF", EBADF }, { "ECHILD", ECHILD },
	{ "EAGAIN", EAGAIN }, { "ENOMEM", ENOMEM }, { "EACCES", EACCES },
	{ "EFAULT", EFAULT }, { "EBUSY", EBUSY }, { "EEXIST", EEXIST },
	{ "ENODEV", ENODEV }, { "ENOTDIR", ENOTDIR }, { "EISDIR", EISDIR },
	{ "EINVAL", EINVAL }, { "ENFILE", ENFILE }, { "EMFILE", EMFILE },
	{ "ETXTBSY", ETXTBSY }, { "EFBIG", EFBIG }, { "ENOSPC", ENOSPC },
	{ "ESPIPE", ESPIPE }, { "EROFS", EROFS }, { "ERANGE", ERANGE },
	{ "EDEADLK", EDEADLK }, { "ENOSYS", ENOSYS },
	{ "EOVERFLOW", EOVERFLOW }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "ENOTSUP", ENOTSUP }, { "ETIMEDOUT", ETIMEDOUT },
	{ "ENOTEMPTY", ENOTEMPTY }, { "ENAMETOOLONG", ENAMETOOLONG },
	{ "ELOOP", ELOOP },
	{ NULL, 0 }
};

const char *
errno_name(int error)
{
	int i;

	for (i = 0; errnos[i].name != NULL; i++)
		if (errnos[i].val == error)
			return (errnos[i].name);
	return ("E?");
}

int
errno_by_name(const char *name)
{
	int i;

	for (i = 0; errnos[i].name != NULL; i++)
		if (strcmp(errnos[i].name, name) == 0)
			return (errnos[i].val);
	return (-1);
}

/* 4096 -> "4 KiB", 1536 -> "1.5 KiB": sizes as people read them. */
void
fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	uint64_t whole = bytes;
	int u = 0;

	while (whole >= 1024 && u < 5) {
		whole /= 1024;
		u++;
	}
	if (u == 0 || bytes % (1ull << (10 * u)) == 0)
		snprintf(buf, len, "%" PRIu64 " %s", whole, unit[u]);
	else
		snprintf(buf, len, "%.1f %s",
		    (double)bytes / (double)(1ull << (10 * u)), unit[u]);
}

/* ---- procstat -v --------------------------------------------------------- */

static const char *
kve_type(int type)
{
	switch (type) {
	case VM_KVME_TYPE_NONE:		return ("--");
	case VM_KVME_TYPE_DEFAULT:	return ("df");
	case VM_KVME_TYPE_VNODE:	return ("vn");
	case VM_KVME_TYPE_SWAP:		return ("sw");
	case VM_KVME_TYPE_DEVICE:	return ("dv");
	case VM_KVME_TYPE_PHYS:		return ("ph");
	case VM_KVME_TYPE_DEAD:		return ("dd");
	case VM_KVME_TYPE_GUARD:	return ("gd");
	default:			return ("??");
	}
}

/*
 * FreeBSD's procstat -v: PRT is the protection (r w x); FLAG is C (copy
 * on write), N (needs copy), S (superpages), D or U (grows down or up),
 * W (user wired).  RES counts the resident pages of the entry's object
 * chain, PRES those of the top object alone; REF and SHD are the top
 * object's reference and shadow counts.
 */
int
view_procstat(const char *name, struct vmspace *vs, int pid, bool header)
{
	struct vm_kinfo_vmentry *kv;
	size_t cnt = 0, i;
	int error;

	(void)name;
	if ((error = vm_procstat(vs, NULL, &cnt)) != 0)
		return (error);
	cnt += 16;		/* room for entries made meanwhile */
	kv = calloc(cnt, sizeof(*kv));
	if (kv == NULL)
		return (ENOMEM);
	error = vm_procstat(vs, kv, &cnt);
	if (error != 0) {
		free(kv);
		return (error);
	}
	if (header)
		printf("%5s %18s %18s %-3s %4s %4s %3s %3s %-5s %-2s %s\n",
		    "PID", "START", "END", "PRT", "RES", "PRES", "REF", "SHD",
		    "FLAG", "TP", "PATH");
	for (i = 0; i < cnt; i++) {
		const struct vm_kinfo_vmentry *e = &kv[i];
		int f = e->kve_flags;

		printf("%5d %#18" PRIx64 " %#18" PRIx64 " %c%c%c %4d %4d %3d "
		    "%3d %c%c%c%c%c %-2s %s\n", pid, e->kve_start, e->kve_end,
		    (e->kve_protection & VM_PROT_READ) ? 'r' : '-',
		    (e->kve_protection & VM_PROT_WRITE) ? 'w' : '-',
		    (e->kve_protection & VM_PROT_EXEC) ? 'x' : '-',
		    e->kve_resident, e->kve_private_resident,
		    e->kve_ref_count, e->kve_shadow_count,
		    (f & VM_KVME_FLAG_COW) ? 'C' : '-',
		    (f & VM_KVME_FLAG_NEEDS_COPY) ? 'N' : '-',
		    (f & VM_KVME_FLAG_SUPER) ? 'S' : '-',
		    (f & VM_KVME_FLAG_GROWS_UP) ? 'U' :
		    (f & VM_KVME_FLAG_GROWS_DOWN) ? 'D' : '-',
		    (f & VM_KVME_FLAG_USER_WIRED) ? 'W' : '-',
		    kve_type(e->kve_type), e->kve_path);
	}
	fflush(stdout);
	free(kv);
	return (0);
}

/* ---- sysctl -------------------------------------------------------------- */

/* Formats the value of a leaf; false if it cannot be read. */
static bool
sysctl_format(const char *name, const struct vm_sysctl_info *info, char *buf,
    size_t len)
{
	union {
		int		i;
		unsigned	u;
		long		l;
		unsigned long	ul;
		int64_t		s64;
		uint64_t	u64;
	} v;
	size_t vlen = sizeof(v);
	char *s;

	memset(&v, 0, sizeof(v));
	switch (info->type) {
	case VM_CTLTYPE_STRING:
		vlen = 0;
		if (vm_sysctlbyname(name, NULL, &vlen, NULL, 0) != 0)
			return (false);
		s = malloc(vlen + 1);
		if (s == NULL)
			return (false);
		if (vm_sysctlbyname(name, s, &vlen, NULL, 0) != 0) {
			free(s);
			return (false);
		}
		s[vlen] = '\0';
		snprintf(buf, len, "%s", s);
		free(s);
		return (true);
	case VM_CTLTYPE_OPAQUE:
		vlen = 0;
		if (vm_sysctlbyname(name, NULL, &vlen, NULL, 0) != 0)
			return (false);
		snprintf(buf, len, "<opaque, %zu bytes>", vlen);
		return (true);
	case VM_CTLTYPE_NODE:
		return (false);
	}
	if (vm_sysctlbyname(name, &v, &vlen, NULL, 0) != 0)
		return (false);
	switch (info->type) {
	case VM_CTLTYPE_INT:
		snprintf(buf, len, "%d", v.i);
		break;
	case VM_CTLTYPE_UINT:
		snprintf(buf, len, "%u", v.u);
		break;
	case VM_CTLTYPE_LONG:
		snprintf(buf, len, "%ld", v.l);
		break;
	case VM_CTLTYPE_ULONG:
		snprintf(buf, len, "%lu", v.ul);
		break;
	case VM_CTLTYPE_S64:
		snprintf(buf, len, "%" PRId64, v.s64);
		break;
	default:
		snprintf(buf, len, "%" PRIu64, v.u64);
		break;
	}
	return (true);
}

static int
sysctl_set(const struct node *n, const char *name,
    const struct vm_sysctl_info *info, const char *text)
{
	union {
		int		i;
		unsigned	u;
		long		l;
		unsigned long	ul;
		int64_t		s64;
		uint64_t	u64;
	} v;
	size_t len;
	char *end;
	int error;

	if (info->type == VM_CTLTYPE_STRING)
		return (vm_sysctlbyname(name, NULL, NULL, text,
		    strlen(text) + 1));
	if (info->type == VM_CTLTYPE_NODE || info->type == VM_CTLTYPE_OPAQUE) {
		nerror(n, "sysctl: %s: cannot be set from text", name);
		return (-1);
	}
	errno = 0;
	switch (info->type) {
	case VM_CTLTYPE_INT:
	case VM_CTLTYPE_LONG:
	case VM_CTLTYPE_S64:
		v.s64 = strtoll(text, &end, 0);
		break;
	default:
		if (text[0] == '-') {
			nerror(n, "sysctl: %s: not a negative number", name);
			return (-1);
		}
		v.u64 = strtoull(text, &end, 0);
		break;
	}
	if (errno != 0 || *end != '\0' || end == text) {
		nerror(n, "sysctl: %s: bad value \"%s\"", name, text);
		return (-1);
	}
	switch (info->type) {
	case VM_CTLTYPE_INT:
		if (v.s64 < INT32_MIN || v.s64 > INT32_MAX)
			goto range;
		v.i = (int)v.s64;
		len = sizeof(int);
		break;
	case VM_CTLTYPE_UINT:
		if (v.u64 > UINT32_MAX)
			goto range;
		v.u = (unsigned)v.u64;
		len = sizeof(unsigned);
		break;
	case VM_CTLTYPE_LONG:
		v.l = (long)v.s64;
		len = sizeof(long);
		break;
	case VM_CTLTYPE_ULONG:
		v.ul = (unsigned long)v.u64;
		len = sizeof(unsigned long);
		break;
	default:
		len = sizeof(uint64_t);
		break;
	}
	error = vm_sysctlbyname(name, NULL, NULL, &v, len);
	return (error);
range:
	nerror(n, "sysctl: %s: %s out of range", name, text);
	return (-1);
}

/* Prints one leaf, or every leaf under a node; ENOENT if none. */
static int
sysctl_show(const struct node *n, const char *name, bool value_only,
    bool descr)
{
	struct vm_sysctl_info info;
	char cur[256], next[256], val[512];
	size_t plen = strlen(name);
	int shown = 0;

	if (name[0] != '\0' && vm_sysctl_info(name, &info) == 0 &&
	    info.type != VM_CTLTYPE_NODE) {
		if (descr)
			printf("%s: %s\n", name, info.descr);
		else if (!sysctl_format(name, &info, val, sizeof(val))) {
			nerror(n, "sysctl: %s: cannot be read", name);
			return (-1);
		} else if (value_only)
			printf("%s\n", val);
		else
			printf("%s: %s\n", name, val);
		return (0);
	}
	/* A node (or everything): its leaves, in order. */
	snprintf(cur, sizeof(cur), "%s", "");
	while (vm_sysctl_next(cur, next, sizeof(next)) == 0) {
		snprintf(cur, sizeof(cur), "%s", next);
		if (plen > 0 && (strncmp(cur, name, plen) != 0 ||
		    cur[plen] != '.'))
			continue;
		if (vm_sysctl_info(cur, &info) != 0)
			continue;
		if (descr) {
			printf("%s: %s\n", cur, info.descr);
			shown++;
			continue;
		}
		if (!sysctl_format(cur, &info, val, sizeof(val)))
			continue;
		if (value_only)
			printf("%s\n", val);
		else
			printf("%s: %s\n", cur, val);
		shown++;
	}
	if (shown == 0) {
		nerror(n, "sysctl: unknown oid '%s'", name);
		return (-1);
	}
	return (0);
}

int
view_sysctl(const struct node *n, int argc, char **argv)
{
	struct vm_sysctl_info info;
	bool all = false, value_only = false, descr = false;
	char old[512], now[512];
	int i, error, any = 0;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		const char *f;

		for (f = argv[i] + 1; *f != '\0'; f++) {
			if (*f == 'a')
				all = true;
			else if (*f == 'n')
				value_only = true;
			else if (*f == 'd')
				descr = true;
			else {
				nerror(n, "sysctl: unknown flag -%c (-a, -d, "
				    "-n)", *f);
				return (-1);
			}
		}
	}
	for (; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		any++;
		if (eq == NULL) {
			if (sysctl_show(n, argv[i], value_only, descr) != 0)
				return (-1);
			continue;
		}
		*eq = '\0';
		if (vm_sysctl_info(argv[i], &info) != 0) {
			nerror(n, "sysctl: unknown oid '%s'", argv[i]);
			*eq = '=';
			return (-1);
		}
		if (!sysctl_format(argv[i], &info, old, sizeof(old)))
			old[0] = '\0';
		error = sysctl_set(n, argv[i], &info, eq + 1);
		if (error > 0) {
			nerror(n, "sysctl: %s=%s: %s", argv[i], eq + 1,
			    strerror(error));
			*eq = '=';
			return (-1);
		}
		if (error < 0) {
			*eq = '=';
			return (-1);
		}
		if (!sysctl_format(argv[i], &info, now, sizeof(now)))
			now[0] = '\0';
		if (value_only)
			printf("%s\n", now);
		else
			printf("%s: %s -> %s\n", argv[i], old, now);
		*eq = '=';
	}
	if (any == 0 || all) {
		if (any == 0 && !all) {
			nerror(n, "sysctl: a name, or -a for all");
			return (-1);
		}
		if (any == 0)
			return (sysctl_show(n, "", value_only, descr));
	}
	fflush(stdout);
	return (0);
}

/* ---- vmstat ------------------------------------------------------------- */

static uint64_t
counter(const char *name)
{
	char full[128];
	uint64_t v = 0;
	size_t len = sizeof(v);

	snprintf(full, sizeof(full), "vm.stats.vm.%s", name);
	if (vm_sysctlbyname(full, &v, &len, NULL, 0) != 0)
		return (0);
	return (v);
}

/*
 * vmstat -s: every counter with its description, one a line, as FreeBSD
 * prints them; the page counts first, then the fault counters.
 */
static void
vmstat_sum(void)
{
	static const char *first[] = { "v_page_count", "v_free_count",
	    "v_active_count", "v_inactive_count", "v_laundry_count",
	    "v_wire_count", "v_user_wire_count", NULL };
	struct vm_sysctl_info info;
	char cur[256] = "", next[256], val[64];
	const char *leaf;
	int i;

	for (i = 0; first[i] != NULL; i++) {
		snprintf(cur, sizeof(cur), "vm.stats.vm.%s", first[i]);
		if (vm_sysctl_info(cur, &info) == 0)
			printf("%12" PRIu64 " %s\n", counter(first[i]),
			    info.descr);
	}
	cur[0] = '\0';
	while (vm_sysctl_next(cur, next, sizeof(next)) == 0) {
		snprintf(cur, sizeof(cur), "%s", next);
		if (strncmp(cur, "vm.stats.vm.", 12) != 0)
			continue;
		leaf = cur + 12;
		for (i = 0; first[i] != NULL; i++)
			if (strcmp(first[i], leaf) == 0)
				break;
		if (first[i] != NULL || vm_sysctl_info(cur, &info) != 0 ||
		    !sysctl_format(cur, &info, val, sizeof(val)))
			continue;
		printf("%12s %s\n", val, info.descr[0] != '\0' ? info.descr :
		    leaf);
	}
}

/*
 * vmstat -z: one line a zone, FreeBSD's columns (ITEM SIZE LIMIT USED
 * FREE REQ FAIL SLEEP XDOMAIN), from the vm.zone_stats stream.
 */
static int
vmstat_zones(const struct node *n)
{
	struct uma_zone_stat *st;
	size_t cnt = 0, i;
	char name[UTH_MAX_NAME + 2];
	int error;

	if ((error = uma_zone_stats(NULL, &cnt)) != 0) {
		nerror(n, "vmstat -z: %s", strerror(error));
		return (-1);
	}
	cnt += 8;
	if ((st = calloc(cnt, sizeof(*st))) == NULL)
		return (ENOMEM);
	if ((error = uma_zone_stats(st, &cnt)) != 0) {
		free(st);
		nerror(n, "vmstat -z: %s", strerror(error));
		return (-1);
	}
	printf("%-19s %6s  %6s  %8s  %8s  %8s  %4s %5s %7s\n\n", "ITEM",
	    "SIZE", "LIMIT", "USED", "FREE", "REQ", "FAIL", "SLEEP",
	    "XDOMAIN");
	for (i = 0; i < cnt; i++) {
		snprintf(name, sizeof(name), "%s:", st[i].uzs_name);
		printf("%-19s %6ju, %6ju, %8ju, %8ju, %8ju, %4ju, %4ju, "
		    "%6ju\n", name, (uintmax_t)st[i].uzs_size,
		    (uintmax_t)st[i].uzs_limit, (uintmax_t)st[i].uzs_used,
		    (uintmax_t)st[i].uzs_free, (uintmax_t)st[i].uzs_requests,
		    (uintmax_t)st[i].uzs_fails, (uintmax_t)st[i].uzs_sleeps,
		    (uintmax_t)st[i].uzs_xdomain);
	}
	free(st);
	return (0);
}

/*
 * vmstat -m: one line a malloc type, FreeBSD's columns (Type InUse MemUse
 * Requests Size(s)).
 */
static int
vmstat_types(const struct node *n)
{
	struct vm_malloc_stat *st;
	size_t cnt = 0, i;
	char sizes[256];
	int error, b, k;

	if ((error = vm_malloc_stats(NULL, &cnt)) != 0) {
		nerror(n, "vmstat -m: %s", strerror(error));
		return (-1);
	}
	cnt += 8;
	if ((st = calloc(cnt, sizeof(*st))) == NULL) {
		nerror(n, "vmstat -m: %s", strerror(ENOMEM));
		return (-1);
	}
	if ((error = vm_malloc_stats(st, &cnt)) != 0) {
		free(st);
		nerror(n, "vmstat -m: %s", strerror(error));
		return (-1);
	}
	printf("%13s %5s %6s %8s  %s\n", "Type", "InUse", "MemUse",
	    "Requests", "Size(s)");
	for (i = 0; i < cnt; i++) {
		k = 0;
		sizes[0] = '\0';
		for (b = 0; b < 64 && k < (int)sizeof(sizes) - 16; b++) {
			if ((st[i].vms_sizes & (1ULL << b)) == 0)
				continue;
			if (b == VM_MALLOC_SIZE_LARGE)
				k += snprintf(sizes + k, sizeof(sizes) - k,
				    "%spages", k ? "," : "");
			else
				k += snprintf(sizes + k, sizeof(sizes) - k,
				    "%s%ju", k ? "," : "", (uintmax_t)16 << b);
		}
		printf("%13s %5ju %5juK %8ju  %s\n", st[i].vms_name,
		    (uintmax_t)st[i].vms_inuse,
		    (uintmax_t)((st[i].vms_memuse + 1023) / 1024),
		    (uintmax_t)st[i].vms_requests, sizes);
	}
	free(st);
	return (0);
}

int
view_vmstat(const struct node *n, int argc, char **argv)
{
	bool zones = false, types = false, sum = argc == 0;
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0)
			sum = true;
		else if (strcmp(argv[i], "-z") == 0)
			zones = true;
		else if (strcmp(argv[i], "-m") == 0)
			types = true;
		else {
			nerror(n, "vmstat: unknown flag %s (-s, -z, -m)",
			    argv[i]);
			return (-1);
		}
	}
	if (zones && vmstat_zones(n) != 0)
		return (-1);
	if (types && vmstat_types(n) != 0)
		return (-1);
	if (sum)
		vmstat_sum();
	fflush(stdout);
	return (0);
}

/* ---- swapinfo ------------------------------------------------------------ */

int
view_swapinfo(void)
{
	uint64_t total = 0, used = 0;
	size_t len = sizeof(total);

	char devs[4096], path[1024], *line, *next;
	unsigned long long nb, nu;
	size_t dlen = sizeof(devs);
	int ndev = 0;

	printf("%-20s %10s %8s %8s %s\n", "Device", "1K-blocks", "Used",
	    "Avail", "Capacity");
	/* swapinfo(8): one line per device, then the total if several. */
	if (vm_sysctlbyname("vm.swap_devices", devs, &dlen, NULL, 0) == 0) {
		for (line = devs; *line != '\0'; line = next) {
			next = strchr(line, '\n');
			if (next != NULL)
				*next++ = '\0';
			else
				next = line + strlen(line);
			if (sscanf(line, "%1023s %llu %llu", path, &nb, &nu) !=
			    3 || nb == 0)
				continue;
			printf("%-20s %10llu %8llu %8llu %7d%%\n", path,
			    nb * 4, nu * 4, (nb - nu) * 4,
			    (int)(nu * 100 / nb));
			ndev++;
		}
	}
	if (ndev != 1 && vm_sysctlbyname("vm.swap_total", &total, &len, NULL,
	    0) == 0 && total > 0) {
		len = sizeof(used);
		(void)vm_sysctlbyname("vm.swap_used", &used, &len, NULL, 0);
		printf("%-20s %10" PRIu64 " %8" PRIu64 " %8" PRIu64 " %7d%%\n",
		    "Total", total / 1024, used / 1024, (total - used) / 1024,
		    (int)(used * 100 / total));
	}
	fflush(stdout);
	return (0);
}
