/* fixture: a rule includes io/ (rule a) */
#include "core/leaf.h"
#include "io/leaf.h"
