# bootmem-hotplug: top-level targets.
#   make check-fast    the checks that need no guest (unit tests, recorded
#                      consoles, builds, checkpatch, lint), for the edit loop
#   make check         the project's tests (what CI runs): unit tests, patch
#                      style, workflow lint, the QEMU run on the patched
#                      kernel (must pass) and on Debian's stock kernel (must
#                      be reported as refusing boot-memory offline)
#   make check-extended  the guest runs make check leaves to a CI job of
#                      their own (ci/checks.json "extended"): the backports'
#                      whole quick plan, the other stock controls, the x86-64
#                      reference under stress, the driver-managed lending
#   make series        the series as posted, in results/series-6.1/
#   make check-series  every patch of the series builds on its own
#                      (KERNEL=6.12 for the 6.12 series, also for series
#                      and mutants)
#   make mutants       inject each bug in fixtures/mutants and show the
#                      suite catches it
#   make run_tests     the kselftests on this machine (an arm64 board)
#   make lava          the generated QEMU LAVA job, end to end under lava-run
#   make matrix        the quick plan on every kernel variant (4K, 16K, 64K,
#                      KASAN; ci/variants.json), then one table
#   make compare       arm64 with the series beside the x86-64 reference
#                      (run.sh --arch x86_64): per-phase latency, one table
#   make lending       lend boot memory between two guests and back,
#                      ROUNDS rounds (default 10) on KERNEL
#   make compare-lending  the same lending rounds with the series and on the
#                      stock kernel with mem= + add_memory_driver_managed(),
#                      then one table (results/compare-lending.md)
.PHONY: check check-fast check-extended series check-series mutants run_tests lava matrix compare lending compare-lending

check:
	@ci/check.sh

check-fast:
	@ci/check.sh --fast

check-extended:
	@ci/check.sh --extended

# The kernel the series targets (ci/kernels.json): make check-series KERNEL=6.12.
KERNEL ?= $(shell /usr/bin/python3 ci/kernels.py default)

series:
	@ci/series.sh results/series-$(KERNEL) $(KERNEL)

check-series:
	@ci/check-series.sh $(KERNEL)

mutants:
	@KERNEL=$(KERNEL) ci/run-mutants.sh

run_tests:
	@$(MAKE) -C selftests run_tests

lava:
	@ci/lava/run-qemu.sh

matrix:
	@ci/matrix.sh

# arm64 with the series beside the x86-64 reference (stock amd64 6.1): the
# same quick plan, one after the other on this host, then one table.
compare:
	@mkdir -p results; \
	 ./run.sh --quick --results results/compare-arm64 > results/compare-arm64.log 2>&1; \
	 ./run.sh --arch x86_64 --quick --results results/compare-x86_64 > results/compare-x86_64.log 2>&1; \
	 ci/compare.py results/compare-arm64 results/compare-x86_64 -o results/compare.md

ROUNDS ?= 10

lending:
	@./run.sh --lending --kernel $(KERNEL) --rounds $(ROUNDS) --results results/lending-$(KERNEL)

# The series' lending beside the path the 2020 thread proposed (stock
# kernel, mem= and add_memory_driver_managed()): the same rounds, one run
# of each on this host, then one table (ci/compare_lending.py). A third run
# takes the driver-managed path on the series' own kernel, so that the
# approaches are also compared on one kernel: the stock kernel's config
# (init_on_alloc, no DEBUG_VM) moves latencies by itself. The runs go
# first; the table says which one failed.
compare-lending:
	@mkdir -p results; \
	 ./run.sh --lending --kernel $(KERNEL) --rounds $(ROUNDS) --results results/compare-lending-bootmem > results/compare-lending-bootmem.log 2>&1; \
	 ./run.sh --lending --approach driver-managed --kernel $(KERNEL) --rounds $(ROUNDS) --results results/compare-lending-driver-managed > results/compare-lending-driver-managed.log 2>&1; \
	 ./run.sh --lending --approach driver-managed --series-kernel --kernel $(KERNEL) --rounds $(ROUNDS) --results results/compare-lending-driver-managed-series > results/compare-lending-driver-managed-series.log 2>&1; \
	 /usr/bin/python3 ci/compare_lending.py results/compare-lending-bootmem results/compare-lending-driver-managed \
		--same-kernel results/compare-lending-driver-managed-series -o results/compare-lending.md
