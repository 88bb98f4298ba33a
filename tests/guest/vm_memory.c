// SPDX-License-Identifier: GPL-2.0
/*
 * vm_memory - the guest has what the protected pools are built from, and
 * the carveout is out of the normal world's reach: it is reserved (not
 * System RAM), /dev/mem can neither read nor map it while vtee holds it
 * and, where the kernel shows its page tables (arm64), the linear map
 * does not cover it; a CMA area exists.
 *
 * The carveout is protmem.carveout=SIZE@BASE on the command line (x86,
 * reserved with memmap=) or the no-map reserved-memory node the device
 * tree's vtee node names (arm64).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "protmem_test.h"
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
static int cmdline_carveout(uint64_t *base, uint64_t *size)
{
	char buf[4096], *p, *at;

	if (pm_read_file("/proc/cmdline", buf, sizeof(buf)))
		return -1;
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

/*
 * /dev/mem on the carveout's first page: read() (0 if it read, else
 * -errno) and mmap() (0 if it mapped, else -errno).
 */
static void devmem_try(uint64_t base, int *rd, int *mm)
{
	char page[4096];
	int fd = open("/dev/mem", O_RDONLY | O_CLOEXEC);
	void *p;

	*rd = *mm = fd < 0 ? -errno : 0;
	if (fd < 0)
		return;
	if (pread(fd, page, sizeof(page), (off_t)base) < 0)
		*rd = -errno;
	p = mmap(NULL, sizeof(page), PROT_READ, MAP_SHARED, fd, (off_t)base);
	if (p == MAP_FAILED)
		*mm = -errno;
	else
		munmap(p, sizeof(page));
	close(fd);
}

int main(void)
{
	struct tap t;
	uint64_t base = 0, size = 0, start, end, cma_kb = 0, below, mapped;
	char line[256], name[128];
	int reserved = 0, in_ram = 0, nomap = 0, dt = 0, rd, mm, ret;
	FILE *f;

	tap_init(&t);
	if (cmdline_carveout(&base, &size) && !pm_dt_carveout(&base, &size, &nomap))
		dt = 1;
	if (!tap_ok(&t, size, "the carveout is known: protmem.carveout=SIZE@BASE on the command line or the vtee node's memory-region"))
		return tap_done(&t);
	tap_diag("carveout 0x%" PRIx64 " + 0x%" PRIx64, base, size);
	if (dt)
		tap_ok(&t, nomap, "the device tree's carveout node is no-map");
	else
		tap_skip(&t, "no device tree node: memmap= reserves it (x86)",
			 "the device tree's carveout node is no-map");

	f = fopen("/proc/iomem", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (line[0] == ' ')
			continue;	/* only top-level resources */
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " : %127[^\n]",
			   &start, &end, name) != 3)
			continue;
		/* "Reserved" (x86 e820), "reserved" (arm64 no-map) */
		if (start <= base && end >= base + size - 1 &&
		    !strcasecmp(name, "Reserved"))
			reserved = 1;
		if (start < base + size && end >= base &&
		    !strcmp(name, "System RAM"))
			in_ram = 1;
	}
	if (f)
		fclose(f);
	tap_ok(&t, reserved, "the carveout is a reserved region in /proc/iomem");
	tap_ok(&t, !in_ram, "no part of the carveout is System RAM");

	/*
	 * read() is refused as a claimed region (x86: EPERM) or as memory
	 * outside the linear map (arm64 no-map: EFAULT); mmap() goes by the
	 * claim alone (IO_STRICT_DEVMEM): EPERM on both.
	 */
	if (pm_vtee_loaded()) {
		devmem_try(base, &rd, &mm);
		if (!tap_ok(&t, rd < 0, "/dev/mem cannot read the carveout while vtee holds it"))
			tap_diag("read succeeded");
		else
			tap_diag("read: %s", strerror(-rd));
		if (!tap_ok(&t, mm == -EPERM,
			    "/dev/mem cannot map the carveout while vtee holds it (EPERM)"))
			tap_diag("mmap: %s", mm ? strerror(-mm) : "succeeded");
	} else {
		tap_skip(&t, "vtee is not loaded",
			 "/dev/mem cannot read the carveout while vtee holds it");
		tap_skip(&t, "vtee is not loaded",
			 "/dev/mem cannot map the carveout while vtee holds it (EPERM)");
	}

	ret = pm_linear_map_bytes(base - 4096, 4096, &below);
	if (ret == -ENOENT) {
		tap_skip(&t, "no linear map in " PM_PTDUMP " (arm64 only)",
			 "the linear map does not cover the carveout");
	} else {
		tap_ok(&t, !ret && below == 4096,
		       "the linear map covers the RAM page below the carveout (the check sees mappings)");
		ret = pm_linear_map_bytes(base, size, &mapped);
		if (!tap_ok(&t, !ret && !mapped, "the linear map does not cover the carveout"))
			tap_diag("%" PRIu64 " bytes of it mapped", mapped);
	}

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
