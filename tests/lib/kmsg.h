/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmsg.h - what the kernel logged while a test ran, for the attack tests
 * (attack_*.c) and the fuzzer: /dev/kmsg read from a mark, records
 * matched against patterns. The harness fails a whole run on any kernel
 * report; these let a test say which of its steps caused one.
 *
 * Static inline, like tests/lib/protmem_test.h (the better home for it
 * once tests/lib may change).
 */
#ifndef PROTMEM_KMSG_H
#define PROTMEM_KMSG_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What the harness (vm/run) counts as a kernel report, and cma_release() */
static const char *const km_reports[] = {
	"BUG:", "WARNING:", "Oops", "general protection fault",
	"Kernel panic", "kernel BUG at", "UBSAN:", "still in use", NULL,
};

/* /dev/kmsg positioned at its end: only what comes next is read */
static inline int km_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Read every record logged since the last call; count those whose text
 * contains one of @pats (NULL-terminated), the first such text into
 * @first (@size bytes, may be NULL). Returns the count or -errno.
 */
static inline int km_scan(int fd, const char *const *pats, char *first,
			  size_t size)
{
	char rec[2048], *msg, *nl;
	unsigned int i;
	ssize_t n;
	int hits = 0;

	if (first && size)
		first[0] = '\0';
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? hits : -errno;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		for (i = 0; pats[i]; i++) {
			if (!strstr(msg, pats[i]))
				continue;
			if (!hits && first && size) {
				size_t k = strlen(msg);

				k = k < size - 1 ? k : size - 1;
				memcpy(first, msg, k);
				first[k] = '\0';
			}
			hits++;
			break;
		}
	}
}

/* Kernel reports since the last scan; the first into @first */
static inline int km_reports_since(int fd, char *first, size_t size)
{
	return km_scan(fd, km_reports, first, size);
}

#endif /* PROTMEM_KMSG_H */
