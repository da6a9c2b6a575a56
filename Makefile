# bootmem-hotplug: top-level targets.
#   make check         the project's tests (what CI runs): unit tests, patch
#                      style, workflow lint, the QEMU run on the patched
#                      kernel (must pass) and on Debian's stock kernel (must
#                      be reported as refusing boot-memory offline)
#   make series        the series as posted, in results/series/
#   make check-series  every patch of the series builds on its own
#   make mutants       inject each bug in fixtures/mutants and show the
#                      suite catches it
#   make run_tests     the kselftests on this machine (an arm64 board)
#   make lava          the generated QEMU LAVA job, end to end under lava-run
#   make matrix        the quick plan on every kernel variant (4K, 16K, 64K,
#                      KASAN; ci/variants.json), then one table
.PHONY: check series check-series mutants run_tests lava matrix

check:
	@ci/check.sh

series:
	@ci/series.sh results/series

check-series:
	@ci/check-series.sh

mutants:
	@ci/run-mutants.sh

run_tests:
	@$(MAKE) -C selftests run_tests

lava:
	@ci/lava/run-qemu.sh

matrix:
	@ci/matrix.sh
