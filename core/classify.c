#include "core/classify.h"

#include <string.h>

static const char *const cause_names[SLAGG_CAUSE_COUNT] = {
    "", "provider", "maintenance", "attack", "content_ban", "external", "client",
};

int slagg_cause_parse(const char *s, size_t n, slagg_cause *out)
{
    for (int c = 0; c < SLAGG_CAUSE_COUNT; c++) {
        if (strlen(cause_names[c]) == n && memcmp(cause_names[c], s, n) == 0) {
            *out = (slagg_cause)c;
            return 0;
        }
    }
    return -1;
}

const char *slagg_cause_name(slagg_cause c)
{
    return (unsigned)c < SLAGG_CAUSE_COUNT ? cause_names[c] : "?";
}
