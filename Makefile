# SPDX-License-Identifier: GPL-2.0
#
# rcumap: run 'make help' for the targets.

KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD := build
CC ?= cc

USER_CFLAGS := -O2 -g -Wall -Wextra $(EXTRA_USER_CFLAGS) \
	       -Iinclude/uapi -Iuserspace/lib
LIB_SRCS := userspace/lib/librcumap.c userspace/lib/lincheck.c
USER_HDRS := include/uapi/linux/rcumap.h $(wildcard userspace/lib/*.h)
TOOLS := rcumapctl rcumap-hammer
SELFTESTS := rcumap_ioctl_test rcumap_ops_test rcumap_compat_test \
	     rcumap_module_test rcumap_expiry_test rcumap_concurrency_test \
	     rcumap_lincheck_test
SELFTEST_HDRS := $(wildcard selftests/*.h)

GUEST := $(BUILD)/guest/rcumap

.PHONY: all module tools deps kernel lint selftests guest check demo lesson \
	lesson-rates shootout vm clean help

all: module tools

## make            build the module for the running kernel (KDIR) and the tools
module:
	@if [ ! -e "$(KDIR)/Makefile" ]; then \
		echo "No kernel build tree at $(KDIR)."; \
		echo "Install the headers of the running kernel, or set KDIR;"; \
		echo "or try rcumap in a test kernel: 'make vm' or 'make check'."; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

## make tools      build rcumapctl and rcumap-hammer into build/bin
tools: $(addprefix $(BUILD)/bin/,$(TOOLS))

# $(call tool,NAME,DIR,LIBS): NAME is built from userspace/DIR/*.c and
# librcumap, into build/bin, and statically into build/static for the guest,
# which has no C library.
define tool
$(BUILD)/bin/$(1) $(BUILD)/static/$(1): $(wildcard userspace/$(2)/*.[ch]) \
		$$(LIB_SRCS) $$(USER_HDRS)
	@mkdir -p $$(@D)
	$$(CC) $$(STATIC) $$(USER_CFLAGS) -o $$@ \
		$(wildcard userspace/$(2)/*.c) $$(LIB_SRCS) $(3)
endef

$(BUILD)/static/%: STATIC := -static
$(eval $(call tool,rcumapctl,rcumapctl,-lpthread))
$(eval $(call tool,rcumap-hammer,hammer,-lpthread -lm))

$(BUILD)/static/%: selftests/%.c $(LIB_SRCS) $(USER_HDRS) $(SELFTEST_HDRS)
	@mkdir -p $(@D)
	$(CC) -static $(SELFTEST_ARCH) $(USER_CFLAGS) \
		-I$(KSRC)/tools/testing/selftests -o $@ $< $(LIB_SRCS) -lpthread

# The compat ioctl path, from a 32-bit process.
$(BUILD)/static/rcumap_compat_test: SELFTEST_ARCH := -m32

## make deps       install the Debian packages rcumap needs (when missing)
deps:
	vm/install-deps

## make kernel     build the KCSAN test kernel (once; cached in ~/.cache/rcumap)
kernel:
	vm/build-kernel kcsan

## make lint       static checks: W=1 + sparse against 6.12 and 6.1, checkpatch
lint:
	vm/lint

## make selftests  build the kselftests (static, for the guest)
selftests:
	$(MAKE) $(addprefix $(BUILD)/static/,$(SELFTESTS)) KSRC=$$(vm/ksrc)

## make guest      stage module, tools and kselftests for the guest in build/guest
guest:
	vm/build-module $$(vm/build-kernel kcsan) $(BUILD)/kmod-kcsan
	$(MAKE) $(addprefix $(BUILD)/static/,$(TOOLS) $(SELFTESTS)) \
		KSRC=$$(vm/ksrc)
	vm/build-module $$(vm/build-kernel kcsan) $(BUILD)/kmod-stale-get \
		selftests/broken-stale-get.patch
	cp $(BUILD)/kmod-stale-get/module/rcumap.ko \
		$(BUILD)/static/rcumap-broken-stale-get.ko
	vm/stage-guest $(BUILD)/kmod-kcsan/module/rcumap.ko $(GUEST) \
		$(addprefix $(BUILD)/static/,$(TOOLS) $(SELFTESTS) \
		rcumap-broken-stale-get.ko) selftests/rcumap_lib.sh \
		selftests/rcumap_lessons.sh \
		selftests/rcumapctl_test.sh selftests/rcumap_hammer_test.sh

## make check      the full gate: deps, kernel, lint, build, kselftests in QEMU
check:
	vm/check

## make demo       threads hammer the map in the KCSAN guest: the proofs and KCSAN's verdict
demo:
	vm/demo

## make lesson N=k  the training kit's lesson k (1-6): its bug caught, then fixed
lesson:
	vm/lesson $(N)

## make lesson-rates every lesson 20 times: the rate at which its bug is caught
lesson-rates:
	vm/lesson --rates 20

## make shootout   ops/s of every sync= strategy, read-mostly and write-heavy
shootout:
	vm/shootout

## make vm         boot the test kernel with a shell, the module loaded, tools on PATH
vm: guest
	vm/run --interactive --copy $(GUEST):/opt

## make clean      remove build outputs (the cached kernel stays)
clean:
	rm -rf $(BUILD) module/*.o module/*.ko module/*.mod* module/.*.cmd \
		.*.cmd .module-common.o Module.symvers modules.order \
		module/modules.order

## make help       this list
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
