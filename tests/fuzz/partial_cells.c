/*
 * partial_cells.c - fuzzes the partial file's cell decoder behind its
 * checksums: the input is the raw (uncompressed) bytes of one cell chunk
 * (docs/DISTRIBUTED.md, "The partial file"). The harness makes, once, a
 * partial of three contracted accounts and no cell with the writer, then
 * puts the input before its end chunk as a chunk of cells (its count from
 * the input's first byte), compressed and with a correct XXH64, so every
 * mutation reaches slagg_partial_reader_next.
 */
#define FUZZ_PARTIAL_NO_MAIN 1
#include "partial.c"

#include <zstd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/period.h"

static unsigned char *tmpl;
static size_t tmpl_n;

static void make_template(void)
{
    char dir[] = "/tmp/slagg-fuzz-XXXXXX";
    FUZZ_CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/t.part", dir);
    static char a0[] = "acct-0", a1[] = "acct-1", a2[] = "acct-2";
    slagg_contract_in c[3] = {{a0, 6, 20513, SLAGG_DAY_OPEN, 2}, {a1, 6, 20513, SLAGG_DAY_OPEN, 3},
                              {a2, 6, 20513, SLAGG_DAY_OPEN, 4}};
    slagg_tables t;
    memset(&t, 0, sizeof t);
    t.contracts_path = "contracts.csv";
    t.contracts = c;
    t.n_contracts = 3;
    slagg_partial p;
    memset(&p, 0, sizeof p);
    p.gap_min = 60;
    p.own_through = 20513;
    slagg_cov_acc cov;
    FUZZ_CHECK(slagg_cov_acc_init(&cov) == 0);
    slagg_partial_writer *w;
    slagg_err err;
    FUZZ_CHECK(slagg_partial_writer_open(path, 3, &w, &err) == SLAGG_OK);
    FUZZ_CHECK(slagg_partial_writer_tail(w, NULL, 0, &err) == SLAGG_OK);
    FUZZ_CHECK(slagg_partial_writer_commit(w, &p, &t, &cov, NULL, &err) == SLAGG_OK);
    slagg_cov_acc_free(&cov);
    FILE *f = fopen(path, "rb");
    FUZZ_CHECK(f);
    tmpl = malloc(1 << 16);
    tmpl_n = fread(tmpl, 1, 1 << 16, f);
    fclose(f);
    remove(path);
    remove(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ZSTD_CCtx *cc;
    if (!cc) cc = ZSTD_createCCtx();
    if (!tmpl) make_template();
    size_t cap = ZSTD_compressBound(size);
    unsigned char *f = malloc(tmpl_n + 24 + cap);
    FUZZ_CHECK(f);
    memcpy(f, tmpl, 40);   /* the header: the meta section's sizes do not change */
    size_t cn = size ? ZSTD_compress(f + 64, cap, data, size, 1) : 0;
    FUZZ_CHECK(!ZSTD_isError(cn));
    fuzz_put32(f + 40, 1);                        /* kind: cells */
    fuzz_put32(f + 44, size ? data[0] % 64 + 1 : 1);
    fuzz_put32(f + 48, (uint32_t)size);
    fuzz_put32(f + 52, (uint32_t)cn);
    fuzz_put64(f + 56, XXH64(f + 64, cn, XXH64(f + 40, 16, 0)));
    memcpy(f + 64 + cn, tmpl + 40, tmpl_n - 40);  /* the end chunk, the meta section, the end marker */
    fuzz_read_partial(fuzz_file(f, 64 + cn + tmpl_n - 40));
    free(f);
    return 0;
}
