/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - minimal TAP producer for protmem's userspace test programs.
 *
 * One test per property: tap_ok(cond, "what is asserted"). A test that
 * cannot run says why with tap_skip(). tap_done() prints the plan and
 * returns the exit status (0 when nothing failed).
 *
 * State lives in a struct tap owned by the caller: no globals.
 */
#ifndef PROTMEM_TAP_H
#define PROTMEM_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The 32-bit (i386) builds of a test say so in every test name */
#if defined(__i386__)
#define TAP_ABI	"i386: "
#else
#define TAP_ABI	""
#endif

struct tap {
	int n;		/* tests run so far */
	int failed;	/* of which failed */
};

static inline void tap_init(struct tap *t)
{
	t->n = 0;
	t->failed = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
}

static inline void tap_vreport(struct tap *t, int ok, const char *fmt,
			       va_list ap)
{
	t->n++;
	if (!ok)
		t->failed++;
	printf("%sok %d - " TAP_ABI, ok ? "" : "not ", t->n);
	vprintf(fmt, ap);
	printf("\n");
}

/* tap_ok - report one assertion; returns @ok so callers can chain. */
static inline int tap_ok(struct tap *t, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int tap_ok(struct tap *t, int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vreport(t, ok, fmt, ap);
	va_end(ap);
	return ok;
}

/* tap_skip - report a test that could not run, and why. */
static inline void tap_skip(struct tap *t, const char *why, const char *fmt,
			    ...) __attribute__((format(printf, 3, 4)));
static inline void tap_skip(struct tap *t, const char *why, const char *fmt,
			    ...)
{
	va_list ap;

	t->n++;
	printf("ok %d - " TAP_ABI, t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
}

/* tap_diag - a diagnostic line, e.g. the errno behind a failure. */
static inline void tap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* tap_done - print the plan; returns the process exit status. */
static inline int tap_done(struct tap *t)
{
	printf("1..%d\n", t->n);
	return t->failed ? 1 : 0;
}

#endif /* PROTMEM_TAP_H */
