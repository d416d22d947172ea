/*
 * manifest.c - manifest.json and run_id (io/manifest.h; format in
 * docs/RELIABILITY.md "manifest.json"). Deterministic: the same
 * provenance and files give the same bytes; nothing here reads a clock.
 */
#include "io/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "slagg/slagg.h"

static const char *const table_names[SLAGG_N_TABLES] = {"contracts", "fees", "maintenance",
                                                        "holidays"};

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int opt_cmp(const void *a, const void *b)
{
    return strcmp(((const slagg_prov_opt *)a)->name, ((const slagg_prov_opt *)b)->name);
}

/* A sorted copy of p's options (the caller frees it). */
static slagg_prov_opt *sorted_opts(const slagg_provenance *p)
{
    slagg_prov_opt *o = slagg_calloc(p->n_opts ? p->n_opts : 1, sizeof *o);
    if (!o) return NULL;
    if (p->n_opts) memcpy(o, p->opts, p->n_opts * sizeof *o);
    if (p->n_opts > 1) qsort(o, p->n_opts, sizeof *o, opt_cmp);
    return o;
}

slagg_status slagg_run_id(const slagg_provenance *p, char out[SLAGG_SHA256_HEX], slagg_err *err)
{
    slagg_buf b = {0};
    char hex[SLAGG_SHA256_HEX];
    char **lines = slagg_calloc(p->n_inputs ? p->n_inputs : 1, sizeof *lines);
    slagg_prov_opt *o = sorted_opts(p);
    int oom = !lines || !o;
    slagg_buf_puts(&b, "slagg run v1\nslagg_version " SLAGG_VERSION_STRING "\n");
    for (size_t i = 0; !oom && i < p->n_opts; i++)
        slagg_buf_printf(&b, "option %s %s\n", o[i].name, o[i].value ? o[i].value : "-");
    for (int k = 0; k < SLAGG_N_TABLES; k++) {
        const slagg_prov_table *t = &p->tables[k];
        if (t->given && t->has_sha256) slagg_sha256_hex(t->sha256, hex);
        else strcpy(hex, "-");
        slagg_buf_printf(&b, "table %s %s\n", table_names[k], hex);
    }
    for (size_t i = 0; !oom && i < p->n_inputs; i++) {
        const slagg_prov_file *f = &p->inputs[i];
        char line[64];
        if (f->has_size && f->has_fp)
            snprintf(line, sizeof line, "input %llu xxh64:%016llx", (unsigned long long)f->size,
                     (unsigned long long)f->fp);
        else if (f->has_size)
            snprintf(line, sizeof line, "input %llu -", (unsigned long long)f->size);
        else
            snprintf(line, sizeof line, "input - -");
        oom |= !(lines[i] = slagg_strndup(line, strlen(line)));
    }
    if (!oom && p->n_inputs > 1) qsort(lines, p->n_inputs, sizeof *lines, str_cmp);
    for (size_t i = 0; !oom && i < p->n_inputs; i++) slagg_buf_printf(&b, "%s\n", lines[i]);
    for (size_t i = 0; lines && i < p->n_inputs; i++) slagg_free(lines[i]);
    slagg_free(lines);
    slagg_free(o);
    if (oom || slagg_buf_failed(&b)) {
        slagg_buf_free(&b);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    unsigned char d[SLAGG_SHA256_LEN];
    slagg_sha256(b.data, b.len, d);
    slagg_sha256_hex(d, out);
    slagg_buf_free(&b);
    return SLAGG_OK;
}

static void json_str_or_null(slagg_buf *b, const char *s)
{
    if (s) slagg_buf_json_str(b, s, strlen(s));
    else slagg_buf_puts(b, "null");
}

static void put_file_list(slagg_buf *b, const char *key, const slagg_prov_file *v, size_t n,
                          int last)
{
    slagg_buf_printf(b, "    \"%s\": [", key);
    for (size_t i = 0; i < n; i++) {
        const slagg_prov_file *f = &v[i];
        slagg_buf_puts(b, i ? ",\n      {\"path\": " : "\n      {\"path\": ");
        json_str_or_null(b, f->path);
        slagg_buf_puts(b, ", \"size\": ");
        if (f->has_size) slagg_buf_u64(b, f->size);
        else slagg_buf_puts(b, "null");
        if (f->has_fp) slagg_buf_printf(b, ", \"fingerprint\": \"xxh64:%016llx\"}", (unsigned long long)f->fp);
        else slagg_buf_puts(b, ", \"fingerprint\": null}");
    }
    slagg_buf_puts(b, n ? "\n    ]" : "]");
    slagg_buf_puts(b, last ? "\n" : ",\n");
}

slagg_status slagg_manifest_format(const slagg_provenance *p, const slagg_gen_file *files,
                                   size_t n_files, slagg_buf *b, char run_id[SLAGG_SHA256_HEX],
                                   slagg_err *err)
{
    char id[SLAGG_SHA256_HEX] = "", hex[SLAGG_SHA256_HEX];
    slagg_status st;
    slagg_buf_puts(b, "{\n  \"manifest_version\": 1,\n");
    if (!p) {
        slagg_buf_puts(b, "  \"run_id\": null,\n  \"slagg_version\": null,\n  \"command\": null,\n"
                          "  \"migrated\": true,\n  \"options\": null,\n  \"tables\": null,\n"
                          "  \"inputs\": null,\n");
    } else {
        if ((st = slagg_run_id(p, id, err)) != SLAGG_OK) return st;
        slagg_prov_opt *o = sorted_opts(p);
        if (!o) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        slagg_buf_printf(b, "  \"run_id\": \"%s\",\n  \"slagg_version\": \"%s\",\n  \"command\": ", id,
                         SLAGG_VERSION_STRING);
        json_str_or_null(b, p->command);
        slagg_buf_puts(b, ",\n  \"options\": {");
        for (size_t i = 0; i < p->n_opts; i++) {
            if (i) slagg_buf_puts(b, ", ");
            slagg_buf_json_str(b, o[i].name, strlen(o[i].name));
            slagg_buf_puts(b, ": ");
            json_str_or_null(b, o[i].value);
        }
        slagg_free(o);
        slagg_buf_puts(b, "},\n  \"tables\": {\n");
        for (int k = 0; k < SLAGG_N_TABLES; k++) {
            const slagg_prov_table *t = &p->tables[k];
            slagg_buf_printf(b, "    \"%s\": ", table_names[k]);
            if (!t->given) {
                slagg_buf_puts(b, "null");
            } else {
                slagg_buf_puts(b, "{\"path\": ");
                json_str_or_null(b, t->path);
                slagg_buf_puts(b, ", \"sha256\": ");
                if (t->has_sha256) {
                    slagg_sha256_hex(t->sha256, hex);
                    slagg_buf_printf(b, "\"%s\"", hex);
                } else {
                    slagg_buf_puts(b, "null");
                }
                if (t->from) {
                    slagg_buf_puts(b, ", \"from\": ");
                    slagg_buf_json_str(b, t->from, strlen(t->from));
                }
                slagg_buf_puts(b, "}");
            }
            slagg_buf_puts(b, k + 1 < SLAGG_N_TABLES ? ",\n" : "\n");
        }
        uint64_t bytes = 0;
        for (size_t i = 0; i < p->n_inputs; i++)
            if (p->inputs[i].has_size) bytes += p->inputs[i].size;
        slagg_buf_printf(b, "  },\n  \"inputs\": {\n    \"count\": %zu,\n    \"bytes\": ", p->n_inputs);
        slagg_buf_u64(b, bytes);
        slagg_buf_puts(b, ",\n    \"skipped\": [");
        for (size_t i = 0; i < p->n_skipped; i++) {
            if (i) slagg_buf_puts(b, ", ");
            json_str_or_null(b, p->skipped[i]);
        }
        slagg_buf_puts(b, "],\n");
        put_file_list(b, "files", p->inputs, p->n_inputs, p->partials == NULL);
        if (p->partials) put_file_list(b, "partials", p->partials, p->n_partials, 1);
        slagg_buf_puts(b, "  },\n");
    }
    slagg_buf_puts(b, "  \"files\": [");
    for (size_t i = 0; i < n_files; i++) {
        unsigned char d[SLAGG_SHA256_LEN];
        slagg_sha256(files[i].data, files[i].len, d);
        slagg_sha256_hex(d, hex);
        slagg_buf_puts(b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
        slagg_buf_json_str(b, files[i].name, strlen(files[i].name));
        slagg_buf_printf(b, ", \"size\": %zu, \"sha256\": \"%s\"}", files[i].len, hex);
    }
    slagg_buf_puts(b, n_files ? "\n  ]\n}\n" : "]\n}\n");
    if (slagg_buf_failed(b)) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    if (run_id) memcpy(run_id, id, SLAGG_SHA256_HEX);
    return SLAGG_OK;
}
