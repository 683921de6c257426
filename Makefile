# libvm top-level Makefile: the commands a newcomer runs.
#
#   make            release build: build/libvm.a, build/libvm.so, tools, bench
#   make demo       the main job (see README.md)
#   make check      debug build with INVARIANTS; runs every test under Kyua
#   make check-asan the suite under AddressSanitizer + UBSan + LeakSanitizer
#   make check-tsan the suite under ThreadSanitizer (LIBVM_PDPOLICY picks the
#                   replacement policy; check-clockpro: debug under CLOCK-Pro)
#   make bench      benchmarks (figures go to docs/PERFORMANCE.md)
#
# Missing build and test tools are installed with apt-get (scripts/deps.sh).

JOBS	?= $(shell nproc 2>/dev/null || echo 2)
CMAKE	?= cmake

.PHONY: all release debug asan tsan demo check check-clockpro check-asan check-tsan bench \
	deps clean

all: release

deps:
	@sh scripts/deps.sh

# Builds quietly: the compiler's output goes to <dir>/build.log and is
# shown only when the build fails.
define cmake_build
	@echo "building $(2) in $(1)/ (log: $(1)/build.log)"
	@$(CMAKE) -S . -B $(1) -DCMAKE_BUILD_TYPE=$(2) $(3) >/dev/null
	@$(CMAKE) --build $(1) -j $(JOBS) >$(1)/build.log 2>&1 || \
	    { cat $(1)/build.log; exit 1; }
endef

release: deps
	$(call cmake_build,build,Release,-DLIBVM_INVARIANTS=OFF)

debug: deps
	$(call cmake_build,build-debug,Debug,-DLIBVM_INVARIANTS=ON -DLIBVM_WERROR=ON)

asan: deps
	$(call cmake_build,build-asan,RelWithDebInfo,-DLIBVM_INVARIANTS=ON -DLIBVM_SANITIZE=asan -DCMAKE_C_COMPILER=clang)

tsan: deps
	$(call cmake_build,build-tsan,RelWithDebInfo,-DLIBVM_INVARIANTS=ON -DLIBVM_SANITIZE=tsan -DCMAKE_C_COMPILER=clang)

demo: release
	@./build/tools/vmsh examples/tour.vms

check: debug
	@sh scripts/run-tests.sh build-debug

# The same suite under the CLOCK-Pro replacement policy.
check-clockpro: debug
	@LIBVM_PDPOLICY=clockpro sh scripts/run-tests.sh build-debug

check-asan: asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp:print_suppressions=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh scripts/run-tests.sh build-asan

check-tsan: tsan
	@TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	    sh scripts/run-tests.sh build-tsan

bench: release
	@sh scripts/run-bench.sh

clean:
	rm -rf build build-debug build-asan build-tsan
