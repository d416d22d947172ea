#include "core/tri_x.h"
