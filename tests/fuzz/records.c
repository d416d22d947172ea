/*
 * records.c - fuzzes the request-record reader (io/records.h): CSV or
 * NDJSON told by content, plain or zstd (a seed is compressed), read to the
 * end. Every record returned must satisfy what records.h promises (account
 * 1-128 bytes of valid UTF-8, status 0 or 100-599, ts in range, a known
 * cause); every reject must carry a line and a reason; a fatal error must
 * name the file.
 */
#include "fuzz_common.h"

#include "io/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Shared with records_zstd.c: reads data as a record log to the end. */
int fuzz_records_plain(const uint8_t *data, size_t size);

int fuzz_records_plain(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    slagg_err err;
    memset(&err, 0, sizeof err);
    slagg_record_reader *r = NULL;
    if (slagg_record_reader_open(path, &r, &err) != SLAGG_OK) {
        fuzz_check_error(&err, path);
        return 0;
    }
    slagg_record rec;
    slagg_reject rej;
    uint64_t last_line = 0;
    for (;;) {
        memset(&rej, 0, sizeof rej);
        int k = slagg_record_reader_next(r, &rec, &rej, &err);
        if (k == 0) break;
        if (k < 0) {
            fuzz_check_error(&err, path);
            break;
        }
        if (k == 1) {
            FUZZ_CHECK(rec.account_len >= 1 && rec.account_len <= SLAGG_ACCOUNT_MAX);
            FUZZ_CHECK(slagg_account_check(rec.account, rec.account_len) == NULL);
            FUZZ_CHECK(rec.status == 0 || (rec.status >= 100 && rec.status <= 599));
            FUZZ_CHECK(rec.ts_ms >= SLAGG_TS_MIN_MS && rec.ts_ms < SLAGG_TS_MAX_MS);
            FUZZ_CHECK((int)rec.cause >= 0 && (int)rec.cause < SLAGG_CAUSE_COUNT);
        } else {
            FUZZ_CHECK(k == 2);
            FUZZ_CHECK(rej.line >= 1);
            FUZZ_CHECK(rej.line > last_line);   /* one reject per row, in order */
            last_line = rej.line;
            FUZZ_CHECK(rej.reason[0] != '\0');
            FUZZ_CHECK(memchr(rej.reason, '\0', sizeof rej.reason) != NULL);
        }
    }
    slagg_record_reader_close(r);
    return 0;
}

#ifndef FUZZ_RECORDS_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_records_plain(data, size);
}
#endif
