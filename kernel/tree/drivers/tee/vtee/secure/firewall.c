// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtee secure world: the firewall table (see firewall.h).
 *
 * Rules come as one string, configurable at module load:
 *
 *   use-case=dev:acc[,dev:acc...][;use-case=...]
 *
 * where use-case is secure-video, trusted-ui or secure-video-record, dev
 * one of vdec, vdisp, vcam, venc, vgem, and acc a non-empty set of the
 * letters r and w. A use case named with nothing after '=' allows no
 * device; a use case not named at all allows no device either. Anything
 * else (unknown names or letters, a use case or a device given twice,
 * empty items, blanks) makes the whole string invalid.
 *
 * Pure C, no kernel framework; KUnit includes this file directly
 * (firewall_test.c).
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "firewall.h"

static const char * const vtee_fw_use_cases[VTEE_FW_NUM_USE_CASES + 1] = {
	[1] = "secure-video",
	[2] = "trusted-ui",
	[3] = "secure-video-record",
};

static const char * const vtee_fw_streams[VTEE_FW_NUM_STREAMS + 1] = {
	[1] = "vdec",
	[2] = "vdisp",
	[3] = "vcam",
	[4] = "venc",
	[5] = "vgem",
};

/* Index of the name equal to s[0..len) in names[1..n], or 0 */
static u32 vtee_fw_lookup(const char * const *names, u32 n, const char *s,
			  size_t len)
{
	u32 i;

	for (i = 1; i <= n; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], s, len))
			return i;
	return 0;
}

/* Length of s up to (not including) the first of c or the end */
static size_t vtee_fw_span(const char *s, char c)
{
	size_t n = 0;

	while (s[n] && s[n] != c)
		n++;
	return n;
}

/* Parse "dev:acc" in s[0..len) into row; 0 or -EINVAL */
static int vtee_fw_parse_dev(u8 *row, const char *s, size_t len)
{
	size_t name_len, i;
	u32 stream;
	u8 acc = 0;

	for (name_len = 0; name_len < len && s[name_len] != ':'; name_len++)
		;
	if (name_len == len || name_len + 1 == len)
		return -EINVAL;
	stream = vtee_fw_lookup(vtee_fw_streams, VTEE_FW_NUM_STREAMS, s,
				name_len);
	if (!stream || row[stream])
		return -EINVAL;
	for (i = name_len + 1; i < len; i++) {
		u8 bit;

		if (s[i] == 'r')
			bit = VTEE_FW_READ;
		else if (s[i] == 'w')
			bit = VTEE_FW_WRITE;
		else
			return -EINVAL;
		if (acc & bit)
			return -EINVAL;
		acc |= bit;
	}
	row[stream] = acc;
	return 0;
}

/* Parse "use-case=dev:acc,..." in s[0..len) into t; 0 or -EINVAL */
static int vtee_fw_parse_rule(struct vtee_fw *t, bool *seen, const char *s,
			      size_t len)
{
	size_t name_len, pos;
	u32 use_case;
	int ret;

	for (name_len = 0; name_len < len && s[name_len] != '='; name_len++)
		;
	if (name_len == len)
		return -EINVAL;
	use_case = vtee_fw_lookup(vtee_fw_use_cases, VTEE_FW_NUM_USE_CASES,
				  s, name_len);
	if (!use_case || seen[use_case])
		return -EINVAL;
	seen[use_case] = true;

	pos = name_len + 1;
	if (pos == len)
		return 0;	/* "use-case=": no device at all */
	for (;;) {
		size_t item = 0;

		while (pos + item < len && s[pos + item] != ',')
			item++;
		ret = vtee_fw_parse_dev(t->allow[use_case], s + pos, item);
		if (ret)
			return ret;
		pos += item;
		if (pos == len)
			return 0;
		pos++;		/* the ',' */
	}
}

/**
 * vtee_fw_parse() - fill a firewall table from a rule string
 * @fw:		the table; changed only on success
 * @rules:	the rules, in the format described at the top of this file; the empty
 *		string denies everything
 *
 * Return: 0 on success, -EINVAL if @rules is malformed (@fw untouched).
 */
int vtee_fw_parse(struct vtee_fw *fw, const char *rules)
{
	bool seen[VTEE_FW_NUM_USE_CASES + 1] = { };
	struct vtee_fw t = { };
	const char *s = rules;
	int ret;

	if (!*s) {
		*fw = t;
		return 0;
	}
	for (;;) {
		size_t len = vtee_fw_span(s, ';');

		ret = vtee_fw_parse_rule(&t, seen, s, len);
		if (ret)
			return ret;
		if (!s[len])
			break;
		s += len + 1;	/* past the ';'; an empty rule fails above */
	}
	*fw = t;
	return 0;
}

/**
 * vtee_fw_check() - may a stream access a use case's memory
 * @fw:		the table
 * @use_case:	use case of the memory (1..3)
 * @stream:	device stream id (VTEE_STREAM_*)
 * @access:	VTEE_FW_READ and/or VTEE_FW_WRITE
 *
 * Return: true if every access in @access is allowed; false if one is not,
 * or if @use_case, @stream or @access is out of range or @access is empty.
 */
bool vtee_fw_check(const struct vtee_fw *fw, u32 use_case, u32 stream,
		   u32 access)
{
	if (!use_case || use_case > VTEE_FW_NUM_USE_CASES ||
	    !stream || stream > VTEE_FW_NUM_STREAMS ||
	    !access || (access & ~VTEE_FW_RW))
		return false;
	return (fw->allow[use_case][stream] & access) == access;
}

/**
 * vtee_fw_show() - print the devices a use case allows
 * @fw:		the table
 * @use_case:	use case (1..3)
 * @buf:	output, NUL-terminated
 * @size:	size of @buf; VTEE_FW_SHOW_MAX always suffices
 *
 * Prints "dev:acc" for each allowed stream in stream order, separated by
 * blanks and ended by a newline, e.g. "vdec:rw vdisp:r\n"; just "\n" if
 * the use case allows no device.
 *
 * Return: length printed (without the NUL), -EINVAL for a bad @use_case,
 * -ENOSPC if @buf is too small.
 */
int vtee_fw_show(const struct vtee_fw *fw, u32 use_case, char *buf,
		 size_t size)
{
	size_t n = 0;
	u32 stream;

	if (!use_case || use_case > VTEE_FW_NUM_USE_CASES)
		return -EINVAL;
	for (stream = 1; stream <= VTEE_FW_NUM_STREAMS; stream++) {
		u8 acc = fw->allow[use_case][stream];
		const char *name = vtee_fw_streams[stream];
		size_t len = strlen(name);

		if (!acc)
			continue;
		/* [blank] name ':' letters, and room left for "\n" and NUL */
		if (n + !!n + len + 1 + !!(acc & VTEE_FW_READ) +
		    !!(acc & VTEE_FW_WRITE) + 2 > size)
			return -ENOSPC;
		if (n)
			buf[n++] = ' ';
		memcpy(buf + n, name, len);
		n += len;
		buf[n++] = ':';
		if (acc & VTEE_FW_READ)
			buf[n++] = 'r';
		if (acc & VTEE_FW_WRITE)
			buf[n++] = 'w';
	}
	if (n + 2 > size)
		return -ENOSPC;
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

/**
 * vtee_fw_use_case_name() - name of a use case in the rules
 * @use_case:	use case (1..3)
 *
 * Return: the name, or NULL if @use_case is out of range.
 */
const char *vtee_fw_use_case_name(u32 use_case)
{
	if (!use_case || use_case > VTEE_FW_NUM_USE_CASES)
		return NULL;
	return vtee_fw_use_cases[use_case];
}

/**
 * vtee_fw_stream_name() - name of a device stream in the rules
 * @stream:	stream id (VTEE_STREAM_*)
 *
 * Return: the name, or NULL if @stream is out of range.
 */
const char *vtee_fw_stream_name(u32 stream)
{
	if (!stream || stream > VTEE_FW_NUM_STREAMS)
		return NULL;
	return vtee_fw_streams[stream];
}
