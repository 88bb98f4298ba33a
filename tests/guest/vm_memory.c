// SPDX-License-Identifier: GPL-2.0
/*
 * vm_memory - the guest has what the protected pools are built from: the
 * carveout named by protmem.carveout=SIZE@BASE is reserved (not System RAM)
 * and a CMA area exists.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': v <<= 30; break;
	case 'M': case 'm': v <<= 20; break;
	case 'K': case 'k': v <<= 10; break;
	case '\0': case '@': break;
	default: return -1;
	}
	*out = v;
	return 0;
}

/* Find protmem.carveout=SIZE@BASE on the kernel command line. */
static int carveout(uint64_t *base, uint64_t *size)
{
	char buf[4096], *p, *at;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	p = strstr(buf, "protmem.carveout=");
	if (!p)
		return -1;
	p += strlen("protmem.carveout=");
	at = strchr(p, '@');
	if (!at || parse_size(p, size))
		return -1;
	*base = strtoull(at + 1, NULL, 0);
	return 0;
}

int main(void)
{
	struct tap t;
	uint64_t base = 0, size = 0, start, end, cma_kb = 0;
	char line[256], name[128];
	int reserved = 0, in_ram = 0;
	FILE *f;

	tap_init(&t);
	if (!tap_ok(&t, carveout(&base, &size) == 0 && size,
		    "protmem.carveout=SIZE@BASE is on the kernel command line"))
		return tap_done(&t);
	tap_diag("carveout 0x%" PRIx64 " + 0x%" PRIx64, base, size);

	f = fopen("/proc/iomem", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (line[0] == ' ')
			continue;	/* only top-level resources */
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " : %127[^\n]",
			   &start, &end, name) != 3)
			continue;
		if (start <= base && end >= base + size - 1 &&
		    !strcmp(name, "Reserved"))
			reserved = 1;
		if (start < base + size && end >= base &&
		    !strcmp(name, "System RAM"))
			in_ram = 1;
	}
	if (f)
		fclose(f);
	tap_ok(&t, reserved, "the carveout is a reserved region in /proc/iomem");
	tap_ok(&t, !in_ram, "no part of the carveout is System RAM");

	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CmaTotal: %" SCNu64 " kB", &cma_kb) == 1)
			break;
	if (f)
		fclose(f);
	tap_ok(&t, cma_kb > 0, "a CMA area exists (CmaTotal %" PRIu64 " kB)",
	       cma_kb);
	return tap_done(&t);
}
