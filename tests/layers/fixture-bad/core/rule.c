/* fixture: its own header is fine; the engine and cli/ are not (rule a) */
#include "core/rule.h"
#include "core/engine/leaf.h"
#  include "cli/leaf.h"
#include "core/missing.h"   /* not in the tree: ignored */
/*
#include "io/leaf.h"  inside a comment: not an include
*/
#include <stdio.h>
