# SPDX-License-Identifier: GPL-2.0
# Shared by selftests/Makefile and stress/Makefile: find the kernel's
# kselftest framework, build each program with the suite's library, and run
# them with the kernel's runner. Set TEST_GEN_PROGS, TEST_FILES and HERE
# first. KSRC names a kernel source tree (nothing of it is copied here).

KSRC ?= $(firstword $(wildcard $(or $(BOOTMEM_CACHE),$(HOME)/.cache/bootmem-hotplug)/src/pristine-*/linux-source-6.1) /usr/src/linux)
KSFT := $(abspath $(KSRC))/tools/testing/selftests
ifeq ($(wildcard $(KSFT)/lib.mk),)
$(error KSRC=$(KSRC) has no tools/testing/selftests/lib.mk: point KSRC at a kernel source tree)
endif

SUITE_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
LIB_SRCS := $(wildcard $(SUITE_DIR)/lib/*.c)
# The test driver's protocol header, shared with the module. As in the
# kernel tree, where hmm-tests.c includes <lib/test_hmm_uapi.h>, the
# programs include <lib/test_bootmem_hotplug_uapi.h> from the root of a
# kernel tree: lib.mk's top_srcdir there, fixtures/kernel (laid out as
# one) here. lib.mk sets top_srcdir to KSRC, which has no such header.
KTREE_ROOT ?= $(abspath $(SUITE_DIR)/../fixtures/kernel)
DRIVER_UAPI := $(KTREE_ROOT)/lib/test_bootmem_hotplug_uapi.h

# The harness header is the kernel's and not -Wextra clean; -isystem keeps
# its own warnings out while ours stay errors.
CFLAGS += -std=c11 -O2 -Wall -Wextra -Werror -isystem $(KSFT) -I$(SUITE_DIR) -I$(KTREE_ROOT) -pthread
LDLIBS += -pthread -lm
# The initramfs has no C library of its own to link against: a cross
# build is static, and so is a native one for an image (STATIC=1, the x86
# reference image).
ifneq ($(CROSS_COMPILE)$(STATIC),)
LDFLAGS += -static
endif

include $(KSFT)/lib.mk

# A harness may name a compiler cache (CCACHE=ccache). Every object below
# is one compile of one file, which is what a compiler cache can reuse
# across clones and commits; a board's `make run_tests` needs none.
ifneq ($(CCACHE),)
CC := $(CCACHE) $(CC)
endif

# Each source compiles once, to an object under $(OUTPUT)/obj named by its
# absolute path: the library is built once per build, not once for every
# program that links it, and each compile can run on its own CPU.
obj = $(patsubst %.c,$(OUTPUT)/obj%.o,$(abspath $(1)))
SUITE_HDRS := $(wildcard $(SUITE_DIR)/lib/*.h $(SUITE_DIR)/lib/*.def) $(DRIVER_UAPI)
LIB_OBJS = $(call obj,$(LIB_SRCS))
$(OUTPUT)/obj%.o: %.c $(SUITE_HDRS)
	@mkdir -p $(dir $@)
	$(COMPILE.c) $< -o $@

# lib.mk's rule, from objects: the program's own and the shared library's.
$(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED): $(OUTPUT)/%: $(OUTPUT)/obj$(HERE)/%.o $(LIB_OBJS) | $(OUTPUT)
	$(LINK.c) $(filter %.o,$^) $(LDLIBS) -o $@
$(OUTPUT):
	mkdir -p $@

# lib.mk's runner takes the per-test timeout from BASE_DIR/DIR/settings,
# which only resolves in-tree; out of tree, hand it ours.
SETTINGS_TIMEOUT := $(shell sed -n 's/^timeout=//p' $(wildcard $(HERE)/settings) /dev/null)
define RUN_TESTS
	BASE_DIR="$(selfdir)";			\
	. $(selfdir)/kselftest/runner.sh;	\
	kselftest_default_timeout=$(SETTINGS_TIMEOUT); \
	run_many $(1)
endef
