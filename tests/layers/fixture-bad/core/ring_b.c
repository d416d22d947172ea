#include "core/ring_b.h"
#include "core/ring_a.h"
