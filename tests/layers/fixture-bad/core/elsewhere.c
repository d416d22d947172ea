#include "core/hub.h"

int slagg_fx_run(void)
{
    return slagg_fx_part();
}
