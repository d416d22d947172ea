# Cross build for 64-bit ARM Linux (aarch64) from an x86-64 Debian machine
# (docs/ARM.md). Used by `./run test-arm`:
#
#   cmake -S . -B build-arm --toolchain cmake/aarch64-linux-gnu.cmake
#
# Compiler: Debian's gcc-aarch64-linux-gnu (its own libc in
# /usr/aarch64-linux-gnu). Libraries: the arm64 builds of libzstd,
# libjemalloc, libcriterion, libxxhash and their dependencies, unpacked
# into SLAGG_ARM_SYSROOT (tests/arm/sysroot.sh; default build-arm/sysroot),
# then /usr/aarch64-linux-gnu, then the multiarch directories of this
# machine (/usr/lib/aarch64-linux-gnu) where arm64 -dev packages are
# installed with `dpkg --add-architecture arm64`.
#
# Test executables run under qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR,
# so ctest needs no binfmt_misc); the end-to-end tests put the same
# emulator in front of the slagg binary through SLAGG_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)

if(NOT DEFINED SLAGG_ARM_SYSROOT)
  if(DEFINED ENV{SLAGG_ARM_SYSROOT})
    set(SLAGG_ARM_SYSROOT "$ENV{SLAGG_ARM_SYSROOT}")
  else()
    get_filename_component(SLAGG_ARM_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build-arm/sysroot" ABSOLUTE)
  endif()
endif()
# try_compile projects re-read this file: hand them the same sysroot
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SLAGG_ARM_SYSROOT)

set(CMAKE_FIND_ROOT_PATH "${SLAGG_ARM_SYSROOT}" /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(_slagg_arm_libdirs
    "${SLAGG_ARM_SYSROOT}/usr/lib/aarch64-linux-gnu" "${SLAGG_ARM_SYSROOT}/lib/aarch64-linux-gnu"
    /usr/lib/aarch64-linux-gnu /lib/aarch64-linux-gnu)
string(REPLACE ";" ":" _slagg_arm_path "${_slagg_arm_libdirs}")
# the sysroot's headers (criterion/, xxhash.h, zstd.h) for every target, and
# its libraries' own dependencies (libcriterion -> libnanomsg, libgit2...)
# for the linker
set(CMAKE_C_FLAGS_INIT "-isystem ${SLAGG_ARM_SYSROOT}/usr/include")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_slagg_arm_path}")

# ctest runs each test executable as
#   qemu-aarch64 -L /usr/aarch64-linux-gnu -E ... TEST
# LD_LIBRARY_PATH: the cross libc first (it must match the loader qemu takes
# from -L), then the sysroot's libraries. SLAGG_EMULATOR: the e2e harness
# runs the slagg binary through qemu too. LD_PRELOAD of qemu-exec.so
# (tests/arm/qemu_exec.c, built by tests/arm/test-arm.sh when this file is
# used for tests): Criterion re-executes the test program for every test,
# which needs qemu in front of it as well.
set(CMAKE_CROSSCOMPILING_EMULATOR
    qemu-aarch64 -L /usr/aarch64-linux-gnu
    -E "LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:${_slagg_arm_path}"
    -E "SLAGG_EMULATOR=qemu-aarch64 -L /usr/aarch64-linux-gnu")
if(EXISTS "${SLAGG_ARM_SYSROOT}/qemu-exec.so")
  list(APPEND CMAKE_CROSSCOMPILING_EMULATOR -E "LD_PRELOAD=${SLAGG_ARM_SYSROOT}/qemu-exec.so")
endif()
