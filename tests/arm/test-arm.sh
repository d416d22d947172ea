#!/usr/bin/env bash
# test-arm.sh - `./run test-arm` (issue 6, docs/ARM.md): cross-builds slagg
# for aarch64 and runs every unit and end-to-end test under qemu-aarch64,
# then compares the x86-64 and aarch64 binaries byte for byte
# (tests/arm/cross-compare.sh). Debian 12, as root (or sudo).
#
#   host packages:  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
#   arm64 libraries: dpkg --add-architecture arm64, then `apt-get download`
#                    of the arm64 .debs unpacked into $ARM_DIR/sysroot (not
#                    installed: libcriterion-dev:arm64 and libjemalloc-dev:arm64
#                    cannot be co-installed with their amd64 builds)
# Environment: SLAGG_ARM_BUILD_DIR (build-arm), SLAGG_BUILD_DIR (the x86
# build, build), SLAGG_ARM_CTEST_ARGS (extra ctest arguments, e.g. -E reliability).
set -euo pipefail
cd "$(dirname "$0")/../.."
ARM_DIR=${SLAGG_ARM_BUILD_DIR:-build-arm}
X86_DIR=${SLAGG_BUILD_DIR:-build}
JOBS=$(nproc 2>/dev/null || echo 2)
SYSROOT=$PWD/$ARM_DIR/sysroot
# the arm64 runtime closure of libzstd, libjemalloc, libcriterion (BoxFort,
# nanomsg, libgit2 and what libgit2 needs), plus the -dev packages for
# headers and the .so links
ARM_DEBS=(libzstd1 libzstd-dev libxxhash0 libxxhash-dev libjemalloc2 libjemalloc-dev
    libcriterion3 libcriterion-dev libnanomsg5 libgit2-1.5 libffi8 libgssapi-krb5-2 libkrb5-3
    libk5crypto3 libcom-err2 libkrb5support0 libkeyutils1 libssl3 libhttp-parser2.9
    libmbedcrypto7 libmbedtls14 libmbedx509-1 libpcre2-8-0 libssh2-1 zlib1g)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
t0=$SECONDS

say "x86-64 build ($X86_DIR) and the host packages"
SLAGG_BUILD_DIR=$X86_DIR ./run build
missing=()
for p in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
need_update=0
dpkg --print-foreign-architectures | grep -qx arm64 || {
    say "dpkg --add-architecture arm64"
    "${sudo[@]}" dpkg --add-architecture arm64
    need_update=1
}
if [ ! -f "$SYSROOT/.complete" ]; then
    apt-cache show libcriterion3:arm64 >/dev/null 2>&1 || need_update=1
fi
if [ $need_update = 1 ] || [ ${#missing[@]} -gt 0 ]; then
    say "apt-get update"
    "${sudo[@]}" apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -f "$SYSROOT/.complete" ]; then
    say "arm64 libraries into $SYSROOT"
    rm -rf "$SYSROOT" "$ARM_DIR/debs"
    mkdir -p "$SYSROOT" "$ARM_DIR/debs"
    (cd "$ARM_DIR/debs" && apt-get download -qq -o APT::Sandbox::User=root "${ARM_DEBS[@]/%/:arm64}" >/dev/null)
    for d in "$ARM_DIR"/debs/*.deb; do dpkg-deb -x "$d" "$SYSROOT"; done
    touch "$SYSROOT/.complete"
fi
say "qemu exec shim ($SYSROOT/qemu-exec.so, tests/arm/qemu_exec.c)"
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$SYSROOT/qemu-exec.so" tests/arm/qemu_exec.c -ldl
t_setup=$((SECONDS - t0))

say "cross build ($ARM_DIR, aarch64, Release, cmake/aarch64-linux-gnu.cmake)"
t1=$SECONDS
cmake -S . -B "$ARM_DIR" --toolchain cmake/aarch64-linux-gnu.cmake -DSLAGG_ARM_SYSROOT="$SYSROOT" \
    -DCMAKE_BUILD_TYPE=Release -DSLAGG_WERROR=ON -DSLAGG_WITH_MPI=OFF -DSLAGG_BUILD_BENCH=ON >/dev/null
cmake --build "$ARM_DIR" -j "$JOBS" >/dev/null
t_build=$((SECONDS - t1))

say "every unit and e2e test under qemu-aarch64"
t2=$SECONDS
# shellcheck disable=SC2086
(cd "$ARM_DIR" && ctest --output-on-failure -j "$JOBS" ${SLAGG_ARM_CTEST_ARGS:-})
t_test=$((SECONDS - t2))

say "x86-64 vs aarch64, byte for byte (tests/arm/cross-compare.sh)"
t3=$SECONDS
SLAGG_EMULATOR="qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:$SYSROOT/usr/lib/aarch64-linux-gnu:$SYSROOT/lib/aarch64-linux-gnu" \
    tests/arm/cross-compare.sh "$X86_DIR/slagg" "$ARM_DIR/slagg" "$ARM_DIR/xarch"
t_cmp=$((SECONDS - t3))
say "test-arm: setup ${t_setup}s, cross build ${t_build}s, tests under qemu ${t_test}s, comparison ${t_cmp}s, total $((SECONDS - t0))s"
