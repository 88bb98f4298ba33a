# protmem - top-level build. `make check` and `make demo` are the two
# commands a user needs; everything else is a step they depend on.

SHELL := /bin/bash
BUILD := build
# Userspace: C11, warnings are errors; guest binaries are static.
CC := gcc
CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror
# The patched kernel's uAPI headers (linux/tee.h with our ioctls)
UAPI := -I$(BUILD)/headers/include
GUEST_LDFLAGS := -static

# Debian packages the build, the guest and the tests need.
DEPS := linux-source-6.1 build-essential bc flex bison libelf-dev libssl-dev \
	cpio qemu-system-x86 busybox-static ccache kmod xz-utils rsync gzip \
	gcc-multilib libc6-dev-i386

GUEST_TESTS := $(patsubst tests/guest/%.c,$(BUILD)/tests/%,$(wildcard tests/guest/*.c))
# The uAPI tests also run as 32-bit programs, through the kernel's compat
# path: <name>-i386, every TAP line prefixed "i386: ".
GUEST_TESTS_32 := $(patsubst %,$(BUILD)/tests/%-i386,heap_system protmem_heap \
	tee_protmem tee_sdp)
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host-tests/%,$(wildcard tests/host/*.c))
TAP_H := $(wildcard tests/lib/*.h)

.PHONY: all check demo shell deps headers kernel-fast kernel-debug guest-fast guest-debug \
	userspace host-tests clean

all: guest-fast guest-debug

## check: build the debug guest, run host tests, KUnit and guest TAP tests.
##        T=PATTERN runs only the tests whose name contains PATTERN.
check: deps guest-debug host-tests
	tests/run $(T)

## demo: boot the fast guest and run the demo.
demo: deps guest-fast
	vm/run -- sh -c "modprobe vmedia && protmem-demo"

## bench: allocator benchmark (genalloc vs pmx, system and CMA heaps for
##        reference) in one boot of the fast guest; see docs/bench.md.
.PHONY: bench
bench: deps guest-fast
	bench/run

## shell: an interactive guest (fast kernel; DEBUG=1 for the debug one).
shell: deps guest-$(if $(DEBUG),debug,fast)
	PROTMEM_VM_INTERACTIVE=1 vm/run $(if $(DEBUG),--debug)

deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

kernel-fast kernel-debug: kernel-%: deps
	kernel/build $*

guest-fast guest-debug: guest-%: kernel-% userspace
	vm/mkinitramfs $*

userspace: $(GUEST_TESTS) $(GUEST_TESTS_32) $(BUILD)/bin/protmem-demo

headers: deps
	kernel/build headers

$(GUEST_TESTS) $(GUEST_TESTS_32): | headers

host-tests: $(HOST_TESTS)

$(BUILD)/tests/%: tests/guest/%.c $(TAP_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UAPI) -Itests/lib $(GUEST_LDFLAGS) -o $@ $<

$(BUILD)/tests/%-i386: tests/guest/%.c $(TAP_H)
	@mkdir -p $(@D)
	$(CC) -m32 $(CFLAGS) $(UAPI) -Itests/lib $(GUEST_LDFLAGS) -o $@ $<

$(BUILD)/host-tests/%: tests/host/%.c $(TAP_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/lib -o $@ $<

# The allocator is kernel code: built on the host against the kernel's
# tools/include and a small shim (tests/host/kcompat).
PMX := kernel/tree/drivers/tee/protmem
$(BUILD)/host-tests/pmx: tests/host/pmx.c $(PMX)/pmx.c $(PMX)/pmx.h $(TAP_H) | headers
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Itests/host/kcompat \
		-I$(BUILD)/linux/tools/include -Itests/lib -o $@ $< tests/host/kcompat/rbtree.c

# The media devices' computations (vtee secure world), against the guest
# tests' reference.
VTEE_SW := kernel/tree/drivers/tee/vtee/secure
$(BUILD)/host-tests/dma_ops: tests/host/dma_ops.c $(VTEE_SW)/dma_ops.c $(VTEE_SW)/dma_ops.h $(TAP_H) | headers
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Itests/host/kcompat \
		-I$(BUILD)/linux/tools/include -Itests/lib -o $@ $<

# The demo borrows the test helpers for its TEE calls (tests/lib).
$(BUILD)/bin/protmem-demo: tools/demo/protmem-demo.c $(TAP_H) | headers
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UAPI) -Itests/lib $(GUEST_LDFLAGS) -o $@ $<

clean:
	rm -rf $(BUILD)
