/* fixture: io/ must not include the engine (rule b) */
#include "core/engine/leaf.h"
