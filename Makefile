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
	pkg-config gcc-multilib libc6-dev-i386 \
	qemu-system-arm device-tree-compiler file
# arm64's cross compiler and busybox are unpacked, not installed: Debian's
# cross gcc conflicts with gcc-multilib (vm/arm64-deps, docs/arm64.md).
# The cross binutils conflict with nothing and are installed.
ARM64_DEPS := binutils-aarch64-linux-gnu
# The guest's Debian programs (v4l2-compliance, GStreamer) are not installed
# either: vm/bundle fetches their packages for each architecture.

GUEST_TESTS := $(patsubst tests/guest/%.c,$(BUILD)/tests/%,$(wildcard tests/guest/*.c))
# The uAPI tests also run as 32-bit programs, through the kernel's compat
# path: <name>-i386, every TAP line prefixed "i386: ".
GUEST_TESTS_32 := $(patsubst %,$(BUILD)/tests/%-i386,heap_system protmem_heap \
	tee_protmem tee_sdp)
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host-tests/%,$(wildcard tests/host/*.c))
TAP_H := $(wildcard tests/lib/*.h) tools/demo/drm_card.h

.PHONY: all check demo shell deps headers kernel-fast kernel-debug guest-fast guest-debug \
	userspace host-tests teec protmem-lib clean

all: guest-fast guest-debug

## check: build the debug guests, run host tests, then KUnit and the guest
##        TAP tests on x86 and on arm64.
##        T=PATTERN runs only the tests whose name contains PATTERN;
##        ARCHES="x86" (or "arm64") runs the guest tests of one architecture.
ARCHES := x86 arm64
check: deps host-tests $(if $(filter x86,$(ARCHES)),guest-debug) \
		$(if $(filter arm64,$(ARCHES)),guest-arm64-debug)
	PROTMEM_CHECK_ARCHES="$(ARCHES)" tests/run $(T)

## demo: boot the fast guest and run the demo (libteec and libprotmem),
##       then the GStreamer pipeline on protected buffers with the display's
##       CRCs (protmem-pipeline, docs/pipeline.md).
demo: deps guest-fast
	vm/run --with gst -- sh -c "modprobe vmedia && protmem-demo && \
		modprobe vicodec && modprobe vdec_m2m && modprobe vtee_kms && protmem-pipeline"

## bench: allocator benchmark (genalloc vs pmx, system and CMA heaps for
##        reference) in one boot of the fast guest; see docs/bench.md.
.PHONY: bench
bench: deps bench-deps guest-fast
	bench/run

# What bench/report needs to draw the plots (not needed by make check)
BENCH_DEPS := gnuplot-nox
.PHONY: bench-deps
bench-deps:
	$(call install-missing,$(BENCH_DEPS))

## shell: an interactive guest (fast kernel; DEBUG=1 for the debug one).
shell: deps guest-$(if $(DEBUG),debug,fast)
	PROTMEM_VM_INTERACTIVE=1 vm/run $(if $(DEBUG),--debug)

# $(call install-missing,PACKAGES): apt-get install those not installed
define install-missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call install-missing,$(DEPS))

kernel-fast kernel-debug: kernel-%: deps
	kernel/build $*

guest-fast guest-debug: guest-%: kernel-% userspace
	vm/mkinitramfs $*

# Programs from Debian's packages, with their libraries, appended to a
# guest's initramfs only when a run asks for them (vm/run [--arch arm64]
# --with NAME). vm/bundle fetches and unpacks the packages for the
# architecture and exits at once when nothing changed (its list, its root
# directory vm/bundles/NAME.root/, itself, or the versions apt offers), so
# it always runs.
.PHONY: FORCE
$(BUILD)/bundle-arm64-%.cpio.gz: FORCE | deps-arm64
	vm/bundle --arch arm64 $*

$(BUILD)/bundle-%.cpio.gz: FORCE | deps
	vm/bundle $*

userspace: $(GUEST_TESTS) $(GUEST_TESTS_32) $(BUILD)/bin/protmem-demo teec \
	$(BUILD)/bin/protmem-pipeline \
	$(BUILD)/bin/teec-example protmem-lib $(BUILD)/bin/protmem

headers: deps
	kernel/build headers

$(GUEST_TESTS) $(GUEST_TESTS_32): | headers

host-tests: $(HOST_TESTS) teec protmem-lib

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

# libteec: the GlobalPlatform TEE Client API, shared and static, with
# OP-TEE libteec's SONAME (libteec.so.2, version 2.0.0: optee_client's
# libteec/Makefile and CMakeLists.txt) so that its clients link unchanged.
TEEC_DIR := lib/teec
TEEC_OUT := $(BUILD)/lib
TEEC_VERSION := 2.0.0
TEEC_SONAME := libteec.so.2
TEEC_HDRS := $(TEEC_DIR)/tee_client_api.h $(TEEC_DIR)/tee_client_api_extensions.h
TEEC_SO := $(TEEC_OUT)/libteec.so.$(TEEC_VERSION)
TEEC_A := $(TEEC_OUT)/libteec.a
# How a client builds against it: the include directory and the library.
# build/ is laid out as an install prefix (include/, lib/) for clients
# built the OP-TEE way (TEEC_EXPORT=build).
TEEC_CFLAGS := -I$(TEEC_DIR)
TEEC_EXPORT_HDRS := $(patsubst $(TEEC_DIR)/%,$(BUILD)/include/%,$(TEEC_HDRS))

TEEC_PC := $(TEEC_OUT)/pkgconfig/teec.pc

teec: $(TEEC_SO) $(TEEC_A) $(TEEC_EXPORT_HDRS) $(TEEC_PC)

# pkg-config file (OP-TEE names it teec.pc), prefix build/
$(TEEC_PC): $(TEEC_DIR)/teec.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(abspath $(BUILD))|' -e 's|@VERSION@|$(TEEC_VERSION)|' $< > $@

$(BUILD)/include/%.h: $(TEEC_DIR)/%.h
	@mkdir -p $(@D)
	cp $< $@

$(TEEC_OUT)/teec.o: $(TEEC_DIR)/tee_client_api.c $(TEEC_HDRS) | headers
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UAPI) -I$(TEEC_DIR) -fPIC -c -o $@ $<

$(TEEC_SO): $(TEEC_OUT)/teec.o
	$(CC) -shared -Wl,-soname,$(TEEC_SONAME) -Wl,-z,defs -o $@ $< -pthread
	ln -sf libteec.so.$(TEEC_VERSION) $(TEEC_OUT)/$(TEEC_SONAME)
	ln -sf $(TEEC_SONAME) $(TEEC_OUT)/libteec.so

$(TEEC_A): $(TEEC_OUT)/teec.o
	rm -f $@
	ar rcs $@ $<

# The guest's client API test links the static library.
$(BUILD)/tests/teec: tests/guest/teec.c $(TAP_H) $(TEEC_A) | headers
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UAPI) -Itests/lib $(TEEC_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< \
		$(TEEC_A) -pthread

# A client written as OP-TEE's examples are, built by its own Makefile
# against build/ as TEEC_EXPORT, static for the guest (tests/guest/teec.c
# runs it).
$(BUILD)/bin/teec-example: tests/teec-example/main.c tests/teec-example/crypt_ta.h \
		tests/teec-example/Makefile $(TEEC_A) $(TEEC_EXPORT_HDRS)
	@mkdir -p $(@D)
	rm -f $@
	$(MAKE) -s -C tests/teec-example TEEC_EXPORT=$(abspath $(BUILD)) \
		OUT=$(abspath $(@D)) LDFLAGS="-static -pthread"

# libprotmem: protected memory by use case, pools, media devices; shared
# and static, with a pkg-config file (protmem.pc), laid out in build/ as
# libteec is (include/, lib/).
PROTMEM_DIR := lib/protmem
PROTMEM_VERSION := 1.0.0
PROTMEM_SONAME := libprotmem.so.1
PROTMEM_SO := $(TEEC_OUT)/libprotmem.so.$(PROTMEM_VERSION)
PROTMEM_A := $(TEEC_OUT)/libprotmem.a
PROTMEM_PC := $(TEEC_OUT)/pkgconfig/protmem.pc
PROTMEM_CFLAGS := -I$(PROTMEM_DIR)

protmem-lib: $(PROTMEM_SO) $(PROTMEM_A) $(BUILD)/include/protmem.h $(PROTMEM_PC)

$(PROTMEM_PC): $(PROTMEM_DIR)/protmem.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(abspath $(BUILD))|' -e 's|@VERSION@|$(PROTMEM_VERSION)|' $< > $@

$(BUILD)/include/protmem.h: $(PROTMEM_DIR)/protmem.h
	@mkdir -p $(@D)
	cp $< $@

$(TEEC_OUT)/protmem.o: $(PROTMEM_DIR)/protmem.c $(PROTMEM_DIR)/protmem.h | headers
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UAPI) -I$(PROTMEM_DIR) -fPIC -c -o $@ $<

$(PROTMEM_SO): $(TEEC_OUT)/protmem.o
	$(CC) -shared -Wl,-soname,$(PROTMEM_SONAME) -Wl,-z,defs -o $@ $<
	ln -sf libprotmem.so.$(PROTMEM_VERSION) $(TEEC_OUT)/$(PROTMEM_SONAME)
	ln -sf $(PROTMEM_SONAME) $(TEEC_OUT)/libprotmem.so

$(PROTMEM_A): $(TEEC_OUT)/protmem.o
	rm -f $@
	ar rcs $@ $<

# The guest's library test links the static library.
$(BUILD)/tests/libprotmem: tests/guest/libprotmem.c $(TAP_H) $(PROTMEM_A) | headers
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UAPI) -Itests/lib $(PROTMEM_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< \
		$(PROTMEM_A) -pthread

# The GStreamer pipeline of make demo (docs/pipeline.md); the gst_pipeline
# test shares its pieces (tools/demo/gst_pipeline.h).
$(BUILD)/bin/protmem-pipeline: tools/demo/protmem-pipeline.c tools/demo/gst_pipeline.h \
		tools/demo/drm_card.h | headers
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UAPI) $(GUEST_LDFLAGS) -o $@ $<

# The CLI, static for the guest (/usr/local/bin/protmem).
$(BUILD)/bin/protmem: tools/protmem/protmem.c $(PROTMEM_A) $(PROTMEM_DIR)/protmem.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PROTMEM_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< $(PROTMEM_A)

# The demo: libteec and libprotmem only.
$(BUILD)/bin/protmem-demo: tools/demo/protmem-demo.c $(PROTMEM_A) $(TEEC_A) \
		$(PROTMEM_DIR)/protmem.h $(TEEC_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PROTMEM_CFLAGS) $(TEEC_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< \
		$(PROTMEM_A) $(TEEC_A) -pthread


# ---- arm64: the same guest on QEMU's virt machine (docs/arm64.md) ----
# Everything is cross-built with Debian's aarch64-linux-gnu toolchain,
# unpacked by vm/arm64-deps into build/cross; the programs go to build/arm64.
# The -i386 test variants exercise x86's compat path and are not built.
ARM64 := $(BUILD)/arm64
ARM64_CC := $(BUILD)/cross/usr/bin/aarch64-linux-gnu-gcc
ARM64_UAPI := -I$(BUILD)/headers-arm64/include
ARM64_GUEST_TESTS := $(patsubst tests/guest/%.c,$(ARM64)/tests/%,$(wildcard tests/guest/*.c))

.PHONY: deps-arm64 headers-arm64 kernel-arm64-fast kernel-arm64-debug \
	guest-arm64-fast guest-arm64-debug userspace-arm64

deps-arm64: deps
	$(call install-missing,$(ARM64_DEPS))
	vm/arm64-deps

headers-arm64: deps-arm64
	kernel/build --arch arm64 headers

kernel-arm64-fast kernel-arm64-debug: kernel-arm64-%: deps-arm64
	kernel/build --arch arm64 $*

guest-arm64-fast guest-arm64-debug: guest-arm64-%: kernel-arm64-% userspace-arm64
	vm/mkinitramfs --arch arm64 $*

userspace-arm64: $(ARM64_GUEST_TESTS) $(ARM64)/bin/protmem-demo $(ARM64)/bin/protmem \
	$(ARM64)/bin/teec-example $(ARM64)/bin/protmem-pipeline

$(ARM64_GUEST_TESTS) $(ARM64)/bin/protmem-demo $(ARM64)/bin/protmem $(ARM64)/lib/teec.o \
	$(ARM64)/bin/protmem-pipeline: | headers-arm64

$(ARM64)/tests/%: tests/guest/%.c $(TAP_H)
	@mkdir -p $(@D)
	$(ARM64_CC) $(CFLAGS) $(ARM64_UAPI) -Itests/lib $(GUEST_LDFLAGS) -o $@ $<

# The gst_pipeline test shares protmem-pipeline's pieces
$(BUILD)/tests/gst_pipeline $(ARM64)/tests/gst_pipeline: tools/demo/gst_pipeline.h

$(ARM64)/bin/protmem-pipeline: tools/demo/protmem-pipeline.c tools/demo/gst_pipeline.h \
		tools/demo/drm_card.h
	@mkdir -p $(@D)
	$(ARM64_CC) $(CFLAGS) $(ARM64_UAPI) $(GUEST_LDFLAGS) -o $@ $<

$(ARM64)/lib/teec.o: $(TEEC_DIR)/tee_client_api.c $(TEEC_HDRS)
	@mkdir -p $(@D)
	$(ARM64_CC) $(CFLAGS) $(ARM64_UAPI) -I$(TEEC_DIR) -c -o $@ $<

$(ARM64)/lib/libteec.a: $(ARM64)/lib/teec.o
	rm -f $@
	$(BUILD)/cross/usr/bin/aarch64-linux-gnu-ar rcs $@ $<

$(ARM64)/include/%.h: $(TEEC_DIR)/%.h
	@mkdir -p $(@D)
	cp $< $@

$(ARM64)/tests/teec: tests/guest/teec.c $(TAP_H) $(ARM64)/lib/libteec.a
	@mkdir -p $(@D)
	$(ARM64_CC) $(CFLAGS) $(ARM64_UAPI) -Itests/lib $(TEEC_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< \
		$(ARM64)/lib/libteec.a -pthread

$(ARM64)/bin/teec-example: tests/teec-example/main.c tests/teec-example/crypt_ta.h \
		tests/teec-example/Makefile $(ARM64)/lib/libteec.a \
		$(patsubst $(TEEC_DIR)/%,$(ARM64)/include/%,$(TEEC_HDRS))
	@mkdir -p $(@D)
	rm -f $@
	$(MAKE) -s -C tests/teec-example CC=$(abspath $(ARM64_CC)) TEEC_EXPORT=$(abspath $(ARM64)) \
		OUT=$(abspath $(@D)) LDFLAGS="-static -pthread"

$(ARM64)/lib/protmem.o: $(PROTMEM_DIR)/protmem.c $(PROTMEM_DIR)/protmem.h | headers-arm64
	@mkdir -p $(@D)
	$(ARM64_CC) $(CFLAGS) $(ARM64_UAPI) -I$(PROTMEM_DIR) -c -o $@ $<

$(ARM64)/lib/libprotmem.a: $(ARM64)/lib/protmem.o
	rm -f $@
	$(BUILD)/cross/usr/bin/aarch64-linux-gnu-ar rcs $@ $<

$(ARM64)/tests/libprotmem: tests/guest/libprotmem.c $(TAP_H) $(ARM64)/lib/libprotmem.a
	@mkdir -p $(@D)
	$(ARM64_CC) $(CFLAGS) $(ARM64_UAPI) -Itests/lib $(PROTMEM_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< \
		$(ARM64)/lib/libprotmem.a -pthread

$(ARM64)/bin/protmem: tools/protmem/protmem.c $(ARM64)/lib/libprotmem.a $(PROTMEM_DIR)/protmem.h
	@mkdir -p $(@D)
	$(ARM64_CC) $(CFLAGS) $(PROTMEM_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< $(ARM64)/lib/libprotmem.a

$(ARM64)/bin/protmem-demo: tools/demo/protmem-demo.c $(ARM64)/lib/libprotmem.a \
		$(ARM64)/lib/libteec.a $(PROTMEM_DIR)/protmem.h $(TEEC_HDRS)
	@mkdir -p $(@D)
	$(ARM64_CC) $(CFLAGS) $(PROTMEM_CFLAGS) $(TEEC_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< \
		$(ARM64)/lib/libprotmem.a $(ARM64)/lib/libteec.a -pthread

clean:
	rm -rf $(BUILD)
