/* fixture: ring_a.h -> ring_b.h and ring_b.c -> ring_a.h: a cycle of modules (rule d) */
#include "core/ring_b.h"
