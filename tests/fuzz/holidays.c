/*
 * holidays.c - fuzzes slagg_load_holidays (io/tables.h): see fuzz_tables.h.
 */
#include "fuzz_tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_table(slagg_load_holidays, data, size);
}
