/*
 * dict.h - account names to dense ids.
 *
 * The fold looks every record's account up here; ids are dense (0..n-1) so
 * per-account data lives in flat arrays. Build once (single-threaded), then
 * look up from any number of threads: lookups never write.
 */
#ifndef SLAGG_CORE_DICT_H
#define SLAGG_CORE_DICT_H

#include <stddef.h>
#include <stdint.h>

#define SLAGG_DICT_NONE UINT32_MAX

typedef struct slagg_dict slagg_dict;

slagg_dict *slagg_dict_new(void);
void slagg_dict_free(slagg_dict *d);
/* Returns the id of s (adding it with the next id when new), or
 * SLAGG_DICT_NONE when out of memory. */
uint32_t slagg_dict_intern(slagg_dict *d, const char *s, size_t n);
/* The id of s, or SLAGG_DICT_NONE. Thread-safe against other lookups. */
uint32_t slagg_dict_find(const slagg_dict *d, const char *s, size_t n);
uint32_t slagg_dict_count(const slagg_dict *d);
/* The name of id (NUL-terminated) and its length. */
const char *slagg_dict_name(const slagg_dict *d, uint32_t id, size_t *len);

/* Bytewise order of two names (shorter prefix first), as the export sorts. */
int slagg_name_cmp(const char *a, size_t an, const char *b, size_t bn);

#endif
