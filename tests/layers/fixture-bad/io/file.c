/* fixture: io/ may include io/, core/ and include/, not cli/ (rule b) */
#include "io/file.h"
#include "core/rule.h"
#include "slagg/ok.h"
#include "cli/leaf.h"
