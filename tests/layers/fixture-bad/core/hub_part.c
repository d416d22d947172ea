#include "core/hub.h"

int slagg_fx_part(void)
{
    return 1;
}
