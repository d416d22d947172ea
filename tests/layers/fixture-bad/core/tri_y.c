#include "core/tri_z.h"
