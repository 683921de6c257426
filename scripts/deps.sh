#!/bin/sh
# Installs what libvm needs to build, test and benchmark, if it is missing.
# Debian packages only; runs apt-get as root (sudo when available).
set -e
need=""
have() { command -v "$1" >/dev/null 2>&1; }
have cmake || need="$need cmake"
have cc || need="$need gcc"
have clang || need="$need clang"
have kyua || need="$need kyua"
have nm || need="$need binutils"
# vmsh's line editing (BSD libedit); gdb reads the core dumps in the tests.
[ -f /usr/include/editline/readline.h ] || need="$need libedit-dev"
have gdb || need="$need gdb"
[ -f /usr/include/atf-c.h ] || need="$need libatf-dev"
have atf-sh || need="$need atf-sh"
# Sanitizer runtimes for clang (LeakSanitizer, TSan).
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.a \
    >/dev/null 2>&1 || need="$need libclang-rt-dev"
# Benchmark peers: the allocators the benchmarks compare against.
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] || need="$need libjemalloc2"
[ -e /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 ] || \
    need="$need libtcmalloc-minimal4"
ls /usr/lib/x86_64-linux-gnu/libmimalloc.so* >/dev/null 2>&1 || \
    need="$need libmimalloc2.0"
# bench/paging draws its miss-ratio curves with gnuplot.
have gnuplot || need="$need gnuplot-nox"
# bench/swapio's peers: dd (coreutils) and fio for random direct reads.
have fio || need="$need fio"
[ -z "$need" ] && exit 0
echo "deps: installing$need"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
