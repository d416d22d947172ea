/*
 * harness.h - helpers for the end-to-end tests.
 *
 * The e2e tests run the real `slagg` binary (SLAGG_BIN) on files in a fresh
 * temporary directory, as a user would (STYLE.md "Tests"), and compare its
 * outputs with bytes computed by hand from SPEC.md. Every helper here
 * either succeeds or fails the current Criterion test with a message; none
 * returns an error the caller has to check.
 *
 * The binary is always started with the test's temp dir as its working
 * directory, so tests pass relative paths ("r.csv") and can expect exactly
 * those names in messages ("r.csv:3: ...") and in summary.json.
 */
#ifndef SLAGG_TESTS_E2E_HARNESS_H
#define SLAGG_TESTS_E2E_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#ifndef SLAGG_BIN
#error "SLAGG_BIN must be defined (absolute path of the slagg binary)"
#endif

/* What one run of the binary gave back. `out` and `err` are NUL-terminated
 * (and may hold NULs before out_len/err_len). `code` is the exit status, or
 * 128 + signal number when the process was killed by a signal. */
typedef struct h_result {
    int code;
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
} h_result;

/* Makes a fresh directory /tmp/slagg-e2e-XXXXXX; returns its malloc'd path. */
char *h_tmpdir(void);

/* Removes a directory made by h_tmpdir and everything below it. */
void h_rmtree(const char *dir);

/* dir + "/" + name, malloc'd. */
char *h_path(const char *dir, const char *name);

/* Writes `content` (a C string) to dir/name, replacing any file there. */
void h_write(const char *dir, const char *name, const char *content);

/* Writes `len` bytes to dir/name. */
void h_write_bytes(const char *dir, const char *name, const void *data, size_t len);

/* Reads the whole file at `path` into a malloc'd NUL-terminated buffer;
 * stores its length in *len when len is not NULL. Fails the test when the
 * file cannot be read. */
char *h_read(const char *path, size_t *len);

/* Same, for dir/name. */
char *h_read_in(const char *dir, const char *name, size_t *len);

/* True when nothing exists at dir/name. */
bool h_missing(const char *dir, const char *name);

/* True when both files exist and hold the same bytes. */
bool h_same_file(const char *path_a, const char *path_b);

/* Copies the file src to dst (byte for byte). */
void h_copy(const char *src, const char *dst);

/* Runs SLAGG_BIN with the given arguments (argv[0] is added; `args` is
 * NULL-terminated) in working directory `cwd`, feeding `stdin_data`
 * (stdin_len bytes; NULL means /dev/null) on its standard input. No shell.
 * A run that lasts more than 300 s is killed (code 128 + SIGKILL).
 * When SLAGG_EMULATOR is set (e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu"
 * for a cross-built binary, docs/ARM.md), its words come before SLAGG_BIN. */
h_result h_run(const char *cwd, const char *stdin_data, size_t stdin_len,
               const char *const *args);

/* Convenience form of h_run: the arguments as a NULL-terminated list. */
h_result h_slagg(const char *cwd, const char *stdin_data, ...);

/* Runs an arbitrary program (argv[0] is the path; no shell) in cwd. */
h_result h_exec(const char *cwd, const char *const *argv);

void h_result_free(h_result *r);

/* Returns a pointer to the value after `"key": ` in a JSON text (the first
 * occurrence), or NULL. */
const char *h_json_value(const char *json, const char *key);

/* The integer value of `"key": N`; fails the test when absent. */
long long h_json_int(const char *json, const char *key);

/* The raw text of the value of `"key": ...` up to the end of that value
 * (balanced brackets/braces, strings honoured), malloc'd; fails when
 * absent. E.g. for "excluded" gives {"maintenance": 0, ...}. */
char *h_json_raw(const char *json, const char *key);

/* True when `hay` contains `needle`. */
bool h_contains(const char *hay, const char *needle);

/* Portable memmem: true when the nn bytes of needle occur in hay. */
bool h_memmem(const void *hay, size_t hn, const void *needle, size_t nn);

/* True when `text` contains the decimal number n as a token (not preceded
 * or followed by a digit). */
bool h_has_number(const char *text, long n);

/* A growable string for building large inputs. */
typedef struct h_buf {
    char *data;
    size_t len;
    size_t cap;
} h_buf;

void h_buf_printf(h_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void h_buf_append(h_buf *b, const void *data, size_t len);
void h_buf_free(h_buf *b);

/* Formats a printf string into a malloc'd buffer. */
char *h_fmt(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Asserts that a run exited with `code`; on failure shows its stderr. */
#define h_assert_code(r, expected)                                            \
    cr_assert_eq((r).code, (expected),                                        \
                 "exit code %d, expected %d; stderr:\n%s", (r).code,          \
                 (expected), (r).err)

/* Asserts a run failed with a "slagg: " message on stderr. */
#define h_assert_slagg_msg(r)                                                 \
    cr_assert(strncmp((r).err, "slagg: ", 7) == 0,                            \
              "stderr should start with \"slagg: \", got:\n%s", (r).err)

/* ---- finance / summary expectations ---------------------------------- */

/* The finance.jsonl text that SPEC section 4 derives from a finance.csv
 * text (header + rows): same keys in header order, no spaces; counts and
 * tier_pct numbers; credit_capped a boolean; every other field a string;
 * an empty field null. */
char *h_csv_to_jsonl(const char *csv);

/* Asserts dir/out/finance.csv equals `csv` byte for byte, and
 * dir/out/finance.jsonl equals h_csv_to_jsonl(csv). `out` is the --out
 * directory relative to dir. */
void h_assert_finance(const char *dir, const char *out, const char *csv);

/* Expected fleet summary (the brief's fixed key order). Zero fields are
 * zero; NULL strings take the defaults given below. */
typedef struct h_summary {
    long records_read, ok, error, lost_provider, not_received;
    long ex_maintenance, ex_attack, ex_content_ban, ex_external, ex_client;
    long uncontracted, after_through, rejected, accounts;
    long before_from;         /* SPEC 2 --from: records on earlier days (0 without --from) */
    long final, in_progress, no_fee;
    long tier0, tier10, tier25, tier50;
    const char *total_credit; /* NULL: "0.00" */
    const char *late;         /* JSON list text; NULL: "[]" */
    const char *unmatched;    /* JSON list text; NULL: "[]" */
    const char *through;      /* required */
    const char *tz;           /* NULL: "+08:00" */
    /* SPEC 4's last two keys, as JSON text (e.g. "{\"first_record\": null,
     * ...}" and "[...]"). When both are NULL, h_assert_summary ignores
     * them (tests of other rules); else both are compared exactly. */
    const char *coverage;
    const char *warnings;
} h_summary;

/* The exact summary.json text for `s` (ending in "}\n"). Also checks that
 * the expectation itself adds up (SPEC section 4). */
char *h_summary_json(const h_summary *s);

/* Asserts dir/out/summary.json equals h_summary_json(s); a missing final
 * newline is tolerated (the brief does not fix it). */
void h_assert_summary(const char *dir, const char *out, const h_summary *s);

/* Asserts that out/ in dir holds none of the four fold outputs. */
void h_assert_no_outputs(const char *dir, const char *out);

/* ---- one generation (SPEC 4; docs/RELIABILITY.md section 2) ------------ */

/* Asserts that out/ in dir shows one whole generation: out/current is a
 * symlink to a .gen-* folder of out/ whose manifest.json lists files
 * whose sizes and SHA-256 match the folder's files, and the folder holds
 * nothing else; each out/NAME of the five is the link current/NAME (or,
 * while an older out/ is being migrated, a plain file that is the same
 * inode as current/NAME, or a copy of it), or is missing / dangling where
 * the generation has no such file. Returns the folder's name, malloc'd. */
char *h_assert_generation(const char *dir, const char *out);

/* Asserts that out/ in dir holds nothing but the layout of generations:
 * .lock, current, the five names, .gen-* folders and .*.tmp-*
 * temporaries. Returns the number of .gen-* folders; *temps (may be NULL)
 * gets the number of temporaries. */
int h_generation_layout(const char *dir, const char *out, int *temps);

/* The CSV header line of finance.csv, with its LF. */
#define H_FIN_HEADER                                                          \
    "account,period_start,period_end,days,windows,valid_requests,"            \
    "error_requests,excluded_requests,error_windows,availability_pct,"        \
    "tier_pct,fee,voucher_paid,credit,credit_capped,state,claim_opens,"       \
    "claim_deadline\n"

#endif
