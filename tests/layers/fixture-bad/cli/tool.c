/* fixture: cli/ may include everything in the library */
#include "core/engine/eng.h"
#include "io/file.h"
#include "slagg/api.h"
