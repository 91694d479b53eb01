# SPDX-License-Identifier: GPL-2.0
#
# rcumap: run 'make help' for the targets.

KDIR ?= /lib/modules/$(shell uname -r)/build
BUILD := build
CC ?= cc
RCUMAP_VERSION := $(shell sed -n 's/^RCUMAP_VERSION := //p' Kbuild)

USER_CFLAGS := -O2 -g -Wall -Wextra $(EXTRA_USER_CFLAGS) \
	       -Iinclude/uapi -Iuserspace/lib \
	       -DRCUMAP_VERSION='"$(RCUMAP_VERSION)"'
LIB_SRCS := userspace/lib/librcumap.c userspace/lib/lincheck.c \
	    userspace/lib/parse.c
USER_HDRS := include/uapi/linux/rcumap.h $(wildcard userspace/lib/*.h)
TOOLS := rcumapctl rcumap-hammer rcumap-fuzz
SELFTESTS := rcumap_ioctl_test rcumap_ops_test rcumap_compat_test \
	     rcumap_module_test rcumap_expiry_test rcumap_concurrency_test \
	     rcumap_lincheck_test rcumap_access_test rcumap_memcg_test \
	     rcumap_fail_nth_test rcumap_sizes_test \
	     rcumap_locks_test
SELFTEST_SCRIPTS := rcumapctl_test.sh rcumap_hammer_test.sh \
		    rcumap_trace_test.sh rcumap_unload_test.sh rcumap_fuzz_test.sh
SELFTEST_HDRS := $(wildcard selftests/*.h)
# The negative controls: rcumap with each selftests/broken-NAME.patch.
BROKEN_KOS := $(patsubst selftests/broken-%.patch,rcumap-broken-%.ko, \
	      $(wildcard selftests/broken-*.patch))

# The test kernels (vm/configs/FLAVOUR.config); each one's guest tree is
# staged in build/guest-FLAVOUR, the KCSAN one's in build/guest.
FLAVOURS := kcsan kasan
GUEST := $(BUILD)/guest/rcumap

.PHONY: all module tools deps kernel lint selftests guest guest-binaries \
	$(addprefix guest-,$(FLAVOURS)) check check-rt demo \
	lesson lesson-rates shootout bench soak fuzz vm install uninstall \
	modules_install dkms-install dkms-remove clean help

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

## make tools      build rcumapctl, rcumap-hammer and rcumap-fuzz into build/bin
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
$(eval $(call tool,rcumap-fuzz,fuzz,-lpthread))
# The benchmark makes its keys and values with the hammer's keys.c; it is
# not installed: vm/bench runs it in the guest.
$(eval $(call tool,rcumap-bench,bench,userspace/hammer/keys.c -lpthread -lm))
$(BUILD)/bin/rcumap-bench $(BUILD)/static/rcumap-bench: \
	userspace/hammer/keys.c userspace/hammer/hammer.h userspace/hammer/hist.h

$(BUILD)/static/%: selftests/%.c $(LIB_SRCS) $(USER_HDRS) $(SELFTEST_HDRS)
	@mkdir -p $(@D)
	$(CC) -static $(SELFTEST_ARCH) $(USER_CFLAGS) \
		-I$(KSRC)/tools/testing/selftests -o $@ $< $(LIB_SRCS) -lpthread

# The compat ioctl path, from a 32-bit process.
$(BUILD)/static/rcumap_compat_test: SELFTEST_ARCH := -m32

$(BUILD)/lib/librcumap.a: userspace/lib/librcumap.c $(USER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c -o $(@D)/librcumap.o $<
	$(AR) rcs $@ $(@D)/librcumap.o

# Installation, where users expect it; DESTDIR stages it elsewhere.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
UDEVRULESDIR ?= /etc/udev/rules.d
MAN_PAGES := $(wildcard docs/man/*.[1-9])
# What 'make install' puts in place (under DESTDIR), for 'make uninstall'.
INSTALLED := $(addprefix $(BINDIR)/,$(TOOLS) rcumap-races) \
	     $(LIBDIR)/librcumap.a $(LIBDIR)/pkgconfig/librcumap.pc \
	     $(INCLUDEDIR)/librcumap.h $(INCLUDEDIR)/linux/rcumap.h \
	     $(UDEVRULESDIR)/60-rcumap.rules \
	     $(foreach p,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
SET_VERSION := sed 's/@VERSION@/$(RCUMAP_VERSION)/g'

## make install    tools, library, header, man pages and the udev rule (PREFIX=/usr/local, DESTDIR)
install: tools $(BUILD)/lib/librcumap.a
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/linux $(DESTDIR)$(UDEVRULESDIR) \
		$(addprefix $(DESTDIR)$(MANDIR)/man,1 4)
	install -m 0755 $(addprefix $(BUILD)/bin/,$(TOOLS)) $(DESTDIR)$(BINDIR)
	$(SET_VERSION) userspace/races/rcumap-races \
		>$(DESTDIR)$(BINDIR)/rcumap-races
	chmod 0755 $(DESTDIR)$(BINDIR)/rcumap-races
	install -m 0644 $(BUILD)/lib/librcumap.a $(DESTDIR)$(LIBDIR)
	printf '%s\n' 'prefix=$(PREFIX)' 'Name: librcumap' \
		'Description: userspace library for /dev/rcumap' \
		'Version: $(RCUMAP_VERSION)' 'Cflags: -I$(INCLUDEDIR)' \
		'Libs: -L$(LIBDIR) -lrcumap' \
		>$(DESTDIR)$(LIBDIR)/pkgconfig/librcumap.pc
	install -m 0644 userspace/lib/librcumap.h $(DESTDIR)$(INCLUDEDIR)
	install -m 0644 include/uapi/linux/rcumap.h $(DESTDIR)$(INCLUDEDIR)/linux
	install -m 0644 userspace/udev/60-rcumap.rules $(DESTDIR)$(UDEVRULESDIR)
	for page in $(MAN_PAGES); do \
		$(SET_VERSION) $$page >$(DESTDIR)$(MANDIR)/man$${page##*.}/$${page##*/} \
			|| exit; \
	done
	@if [ -z "$(DESTDIR)" ] && ! getent group rcumap >/dev/null; then \
		echo "groupadd --system rcumap"; groupadd --system rcumap; \
	fi
	@if [ -z "$(DESTDIR)" ] && command -v udevadm >/dev/null; then \
		udevadm control --reload || true; \
	fi

## make uninstall  remove what 'make install' installed (same PREFIX, DESTDIR)
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

## make modules_install  install rcumap.ko for KDIR's kernel in updates/, then depmod
modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install

DKMS_SRC := /usr/src/rcumap-$(RCUMAP_VERSION)
# The kernel DKMS builds for: KVER=, else the running one.
KVER ?= $(shell uname -r)

## make dkms-install  rebuild rcumap.ko with DKMS for every kernel (KVER= now)
dkms-install:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)
	cp -r Kbuild Makefile module include $(DKMS_SRC)
	$(MAKE) -C $(DKMS_SRC) --no-print-directory clean
	$(SET_VERSION) module/dkms.conf >$(DKMS_SRC)/dkms.conf
	if dkms status rcumap/$(RCUMAP_VERSION) | grep -q .; then \
		dkms remove rcumap/$(RCUMAP_VERSION) --all; \
	fi
	dkms add rcumap/$(RCUMAP_VERSION)
	dkms install rcumap/$(RCUMAP_VERSION) -k $(KVER)

## make dkms-remove   remove rcumap from DKMS, for every kernel
dkms-remove:
	dkms remove rcumap/$(RCUMAP_VERSION) --all
	rm -rf $(DKMS_SRC)

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

## make guest      stage module, tools and kselftests for each test kernel in build/guest*
guest: $(addprefix guest-,$(FLAVOURS))

# The static tools and kselftests, once for every flavour's guest tree.
guest-binaries:
	$(MAKE) $(addprefix $(BUILD)/static/,$(TOOLS) $(SELFTESTS)) \
		KSRC=$$(vm/ksrc)

# One flavour's module, broken modules and guest tree; with make -j the
# flavours build side by side. A recursive recipe ('+'): the module
# builds are kbuild makes, which share this make's job slots.
$(addprefix guest-,$(FLAVOURS)): guest-%: guest-binaries
	+kdir=$$(vm/build-kernel $*) && \
	vm/build-module $$kdir $(BUILD)/kmod-$* && \
	vm/build-broken $$kdir $(BUILD)/broken-$* && \
	vm/stage-guest $(BUILD)/kmod-$*/module/rcumap.ko \
		$(BUILD)/guest$(if $(filter kcsan,$*),,-$*)/rcumap \
		$(addprefix $(BUILD)/static/,$(TOOLS) $(SELFTESTS)) \
		$(addprefix $(BUILD)/broken-$*/,$(BROKEN_KOS)) \
		selftests/rcumap_lib.sh selftests/rcumap_lessons.sh \
		vm/guest/guest-suite $(addprefix selftests/,$(SELFTEST_SCRIPTS))

## make check      the full gate: lint, install, kselftests on the KCSAN, KASAN, stock and RT kernels, lessons
check:
	vm/check

## make check-rt   check's rt stage alone: DKMS and the kselftests on Debian's PREEMPT_RT kernel
check-rt: $(addprefix $(BUILD)/static/,$(TOOLS))
	vm/check-stock --rt

## make demo       threads hammer the map in the KCSAN guest: the proofs and KCSAN's verdict
demo:
	vm/demo

## make lesson N=k  the training kit's lesson k (1-7): its bug caught, then fixed
lesson:
	vm/lesson $(N)

## make lesson-rates every lesson 20 times: the rate at which its bug is caught
lesson-rates:
	vm/lesson --rates 20

## make shootout   ops/s of every sync= strategy, read-mostly and write-heavy
shootout:
	vm/shootout

## make fuzz       rcumap-fuzz in the KASAN guest: 10 million calls (or 30 minutes), kmemleak, log scan
fuzz:
	vm/fuzz

## make soak       16 threads, mixed ops with expiry, 10 minutes on each test kernel (not in check)
soak:
	vm/soak

## make bench      rcumap vs getppid(), INFO and the BPF hash map on the stock kernel: results, table, plots
bench:
	vm/bench

## make vm         boot the test kernel with a shell, the module loaded, tools on PATH
vm: guest-kcsan
	vm/run --interactive --copy $(GUEST):/opt

## make clean      remove build outputs (the cached kernel stays)
clean:
	rm -rf $(BUILD)
	find . \( -path ./$(BUILD) -o -path ./.git \) -prune -o \( -name '*.o' -o -name '*.ko' \
		-o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name '*.order' -o -name '*.symvers' \) -type f -print0 | \
		xargs -0r rm -f

## make help       this list
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
