/*
 * Pages held by UMA's slabs, for tests that count free or wired pages
 * around operations that allocate VM metadata from zones (map entries,
 * objects, radix-trie nodes, pv chunks, pmaps): those pages are kernel
 * memory, wired, and stay cached in the zones after the items are freed,
 * so page-exact checks add them back (free + vt_uma_pages(), or wired -
 * vt_uma_pages()).
 */
#ifndef _TESTS_VM_VT_UMA_H_
#define _TESTS_VM_VT_UMA_H_

#include <atf-c.h>
#include <stdint.h>
#include <uma.h>

static inline __attribute__((__unused__)) uint64_t
vt_uma_pages(void)
{
	struct uma_zone_stat st[128];
	size_t n = 128, i;
	uint64_t p = 0;

	ATF_REQUIRE_EQ(0, uma_zone_stats(st, &n));
	for (i = 0; i < n; i++)
		if ((st[i].uzs_flags & UTH_ZONE_SECONDARY) == 0)
			p += st[i].uzs_pages;
	return (p);
}

#endif /* !_TESTS_VM_VT_UMA_H_ */
