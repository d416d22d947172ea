/*
 * manifest.h - a generation's manifest.json and its run_id (SPEC 4 "One
 * generation"; the layout and the run_id text are in docs/RELIABILITY.md,
 * "manifest.json"). Pure formatting: the caller gathers the provenance
 * (the CLI hashes the tables and fingerprints the inputs), io/generation.c
 * adds the files' sizes and SHA-256.
 */
#ifndef SLAGG_IO_MANIFEST_H
#define SLAGG_IO_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "io/buf.h"
#include "io/sha256.h"
#include "slagg/fold.h"

#define SLAGG_MANIFEST_NAME "manifest.json"

/* One table of the run. given = 0: the entry is null (the table was not
 * given). Else path (may be NULL: JSON null) and, when has_sha256, the
 * SHA-256 of its bytes; from (may be NULL) says where a table not read
 * from its file came from (a summary, a partial). */
typedef struct slagg_prov_table {
    int given;
    const char *path;
    int has_sha256;
    unsigned char sha256[SLAGG_SHA256_LEN];
    const char *from;
} slagg_prov_table;

/* One input file: size and fingerprint (XXH64 of head, tail and size,
 * io/partial.h slagg_input_fingerprint), each may be unknown (stdin). */
typedef struct slagg_prov_file {
    const char *path;
    int has_size;
    uint64_t size;
    int has_fp;
    uint64_t fp;
} slagg_prov_file;

/* A setting that changes the outputs; value NULL is JSON null. */
typedef struct slagg_prov_opt {
    const char *name, *value;
} slagg_prov_opt;

/* SLAGG_TABLE_CONTRACTS .. SLAGG_TABLE_HOLIDAYS, SLAGG_N_TABLES: the
 * public slagg_table (slagg/fold.h) */

typedef struct slagg_provenance {
    const char *command;                 /* "fold", "merge", "export" */
    const slagg_prov_opt *opts;          /* any order; written sorted by name */
    size_t n_opts;
    slagg_prov_table tables[SLAGG_N_TABLES];
    const slagg_prov_file *inputs;
    size_t n_inputs;
    const char *const *skipped;          /* files input expansion skipped */
    size_t n_skipped;
    const slagg_prov_file *partials;     /* merge: the PART files, else NULL */
    size_t n_partials;
} slagg_provenance;

/* A file of the generation: name in DIR and its bytes. */
typedef struct slagg_gen_file {
    const char *name;
    const void *data;
    size_t len;
} slagg_gen_file;

/* The run_id: SHA-256 (64 hex digits) of the canonical text of
 * docs/RELIABILITY.md (version, options, tables' SHA-256, inputs'
 * fingerprints; not the paths, not their order). SLAGG_E_NOMEM only. */
slagg_status slagg_run_id(const slagg_provenance *p, char out[SLAGG_SHA256_HEX], slagg_err *err);

/* Appends manifest.json for the files (their size and SHA-256 computed
 * here) and the provenance p. p NULL: a migrated generation (plain files
 * of an older slagg): provenance null, "migrated": true. Sets run_id (when
 * not NULL) to the run_id ("" for p NULL). SLAGG_E_NOMEM only. */
slagg_status slagg_manifest_format(const slagg_provenance *p, const slagg_gen_file *files,
                                   size_t n_files, slagg_buf *out, char run_id[SLAGG_SHA256_HEX],
                                   slagg_err *err);

#endif
