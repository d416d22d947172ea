#include "core/tri_x.h"
#include "core/tri_y.h"
