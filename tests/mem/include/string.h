/* tests/mem/probe.c is compiled freestanding: memcpy is the builtin. */
#define memcpy __builtin_memcpy
