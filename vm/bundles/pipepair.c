// SPDX-License-Identifier: GPL-2.0
/*
 * pipepair.c - socketpair() for GStreamer in a guest without sockets.
 *
 * The guest kernels have no networking (CONFIG_NET=n), so socketpair()
 * fails with ENOSYS, and GstPoll, which wakes its waiters through a
 * socket pair (it writes to sv[1] and reads from sv[0], nothing else),
 * cannot be created: buses and clocks break. Preloaded by the bundle's
 * wrappers (vm/bundles/gst.root), this calls the real socketpair() and,
 * only when the kernel has no sockets, hands out a pipe instead: sv[0] its
 * read end, sv[1] its write end, SOCK_CLOEXEC/SOCK_NONBLOCK kept. A
 * program that writes to sv[0] gets EBADF, not silent misbehaviour.
 * A kernel with CONFIG_UNIX makes this a no-op.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

int socketpair(int domain, int type, int protocol, int sv[2])
{
	int (*real)(int, int, int, int[2]);
	int flags = 0, ret = -1;

	real = (int (*)(int, int, int, int[2]))dlsym(RTLD_NEXT, "socketpair");
	if (real) {
		ret = real(domain, type, protocol, sv);
		if (ret == 0 || (errno != ENOSYS && errno != EAFNOSUPPORT))
			return ret;
	}
	if (domain != AF_UNIX || (type & 0xf) != SOCK_STREAM) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (type & SOCK_CLOEXEC)
		flags |= O_CLOEXEC;
	if (type & SOCK_NONBLOCK)
		flags |= O_NONBLOCK;
	return pipe2(sv, flags);
}
