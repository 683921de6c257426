/*
 * uma_zone_stats: the reader of the vm.zone_stats stream (seed 004), as
 * FreeBSD's libmemstat reads it for vmstat -z.  It goes through the
 * public sysctl interface only, like a user-space tool would, and checks
 * the stream's shape (version, sizes) before trusting it.  No locks: the
 * stream is a snapshot, and a zone created meanwhile only makes the
 * second read longer (the first read's size is padded, then rechecked).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libvm.h>
#include <sys/systm.h>
#include <uma.h>

static int
uma_read_stream(char **bufp, size_t *lenp)
{
	size_t len = 0;
	char *buf;
	int error, tries;

	for (tries = 0; tries < 8; tries++) {
		if ((error = vm_sysctlbyname("vm.zone_stats", NULL, &len,
		    NULL, 0)) != 0)
			return (error);
		len += len / 4 + 4096;	/* zones may appear meanwhile */
		if ((buf = malloc(len)) == NULL)
			return (ENOMEM);
		error = vm_sysctlbyname("vm.zone_stats", buf, &len, NULL, 0);
		if (error == 0) {
			*bufp = buf;
			*lenp = len;
			return (0);
		}
		free(buf);
		if (error != ENOMEM)
			return (error);
	}
	return (EAGAIN);
}

__exported int
uma_zone_stats(struct uma_zone_stat *out, size_t *countp)
{
	struct uma_stream_header ush;
	struct uma_type_header uth;
	struct uma_percpu_stat ups;
	size_t len, off, n = 0, cap, rec;
	uint32_t z, c;
	char *buf;
	int error;

	if (countp == NULL)
		return (EINVAL);
	if ((error = uma_read_stream(&buf, &len)) != 0)
		return (error);
	cap = out == NULL ? 0 : *countp;
	if (len < sizeof(ush)) {
		free(buf);
		return (EINVAL);
	}
	memcpy(&ush, buf, sizeof(ush));
	rec = sizeof(uth) + (size_t)ush.ush_maxcpus * sizeof(ups);
	if (ush.ush_version != UMA_STREAM_VERSION ||
	    len != sizeof(ush) + (size_t)ush.ush_count * rec) {
		free(buf);
		return (EINVAL);	/* not a stream this reader knows */
	}
	if (out == NULL) {
		*countp = ush.ush_count;
		free(buf);
		return (0);
	}
	off = sizeof(ush);
	for (z = 0; z < ush.ush_count; z++, off += rec) {
		struct uma_zone_stat *st;
		uint64_t allocs, frees, cached = 0;

		if (n == cap) {
			error = ENOMEM;
			break;
		}
		memcpy(&uth, buf + off, sizeof(uth));
		allocs = uth.uth_allocs;
		frees = uth.uth_frees;
		for (c = 0; c < ush.ush_maxcpus; c++) {
			memcpy(&ups, buf + off + sizeof(uth) +
			    (size_t)c * sizeof(ups), sizeof(ups));
			allocs += ups.ups_allocs;
			frees += ups.ups_frees;
			cached += ups.ups_cache_free;
		}
		st = &out[n++];
		memset(st, 0, sizeof(*st));
		memcpy(st->uzs_name, uth.uth_name, sizeof(st->uzs_name));
		st->uzs_name[sizeof(st->uzs_name) - 1] = '\0';
		st->uzs_size = uth.uth_size;
		st->uzs_limit = uth.uth_limit;
		st->uzs_used = allocs >= frees ? allocs - frees : 0;
		/* A secondary zone's keg is counted with its primary. */
		st->uzs_free = cached + uth.uth_zone_free +
		    ((uth.uth_zone_flags & UTH_ZONE_SECONDARY) == 0 ?
		    uth.uth_keg_free : 0);
		st->uzs_requests = allocs;
		st->uzs_fails = uth.uth_fails;
		st->uzs_sleeps = uth.uth_sleeps;
		st->uzs_xdomain = uth.uth_xdomain;
		st->uzs_pages = uth.uth_pages;
		st->uzs_bucketsize = uth.uth_bucketsize;
		st->uzs_flags = uth.uth_zone_flags;
	}
	*countp = n;
	free(buf);
	return (error);
}
