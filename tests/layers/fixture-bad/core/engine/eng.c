/* fixture: the engine may include io/ and core/, not cli/ */
#include "core/engine/eng.h"
#include "io/file.h"
#include "core/rule.h"
#include "cli/leaf.h"
