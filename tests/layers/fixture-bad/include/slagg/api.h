/* fixture: the public header reaches into core/ (rule c) */
#include "slagg/ok.h"
#include "core/leaf.h"
