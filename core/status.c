#include "slagg/slagg.h"

const char *slagg_status_name(slagg_status s)
{
    switch (s) {
    case SLAGG_OK: return "ok";
    case SLAGG_E_USAGE: return "usage error";
    case SLAGG_E_INPUT: return "input error";
    case SLAGG_E_IO: return "I/O error";
    case SLAGG_E_NOMEM: return "out of memory";
    case SLAGG_E_INTERNAL: return "internal error";
    }
    return "unknown status";
}

int slagg_status_exit_code(slagg_status s)
{
    switch (s) {
    case SLAGG_OK: return 0;
    case SLAGG_E_USAGE: return 1;
    case SLAGG_E_INPUT: return 2;
    default: return 3;
    }
}

const char *slagg_version(void) { return SLAGG_VERSION_STRING; }
