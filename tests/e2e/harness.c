/*
 * harness.c - see harness.h. Runs the binary with fork/exec (no shell);
 * stdin, stdout and stderr go through unlinked temporary files so that no
 * pipe can deadlock however much the program writes.
 */
#include "harness.h"

#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/sha256.h"

static void *h_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    cr_assert_not_null(p, "out of memory");
    return p;
}

char *h_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0);
    char *s = h_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Temp dirs made by this process, removed at exit even when a failed
 * assertion skipped the test's own h_rmtree (set SLAGG_E2E_KEEP=1 to keep
 * them for a look). */
static char *h_made[4096];
static size_t h_nmade;

static void h_cleanup(void)
{
    if (getenv("SLAGG_E2E_KEEP"))
        return;
    for (size_t i = 0; i < h_nmade; i++) {
        h_rmtree(h_made[i]);
        free(h_made[i]);
    }
    h_nmade = 0;
}

char *h_tmpdir(void)
{
    char tmpl[] = "/tmp/slagg-e2e-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d, "mkdtemp: %s", strerror(errno));
    if (h_nmade == 0)
        atexit(h_cleanup);
    /* the caller's copy is the one freed at exit (no leak under ASan) */
    char *copy = h_fmt("%s", d);
    cr_assert(h_nmade < sizeof h_made / sizeof h_made[0], "too many temp dirs");
    h_made[h_nmade++] = copy;
    return copy;
}

void h_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        unlink(dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = h_path(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            h_rmtree(p);
        else
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

char *h_path(const char *dir, const char *name)
{
    return h_fmt("%s/%s", dir, name);
}

static void h_write_path(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s: %s", path, strerror(errno));
    if (len)
        cr_assert_eq(fwrite(data, 1, len, f), len, "short write to %s", path);
    cr_assert_eq(fclose(f), 0, "close %s", path);
}

void h_write_bytes(const char *dir, const char *name, const void *data, size_t len)
{
    char *p = h_path(dir, name);
    h_write_path(p, data, len);
    free(p);
}

void h_write(const char *dir, const char *name, const char *content)
{
    h_write_bytes(dir, name, content, strlen(content));
}

char *h_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = h_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    cr_assert(!ferror(f), "read error on %s", path);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *h_read_in(const char *dir, const char *name, size_t *len)
{
    char *p = h_path(dir, name);
    char *s = h_read(p, len);
    free(p);
    return s;
}

bool h_missing(const char *dir, const char *name)
{
    char *p = h_path(dir, name);
    struct stat st;
    bool missing = lstat(p, &st) != 0 && errno == ENOENT;
    free(p);
    return missing;
}

bool h_same_file(const char *path_a, const char *path_b)
{
    struct stat sa, sb;
    if (stat(path_a, &sa) != 0 || stat(path_b, &sb) != 0)
        return false;
    size_t la, lb;
    char *a = h_read(path_a, &la);
    char *b = h_read(path_b, &lb);
    bool same = la == lb && memcmp(a, b, la) == 0;
    free(a);
    free(b);
    return same;
}

void h_copy(const char *src, const char *dst)
{
    size_t n;
    char *s = h_read(src, &n);
    h_write_path(dst, s, n);
    free(s);
}

/* An unlinked temporary file, open for reading and writing. */
static int h_anon_file(void)
{
    char tmpl[] = "/tmp/slagg-e2e-io-XXXXXX";
    int fd = mkstemp(tmpl);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(tmpl);
    return fd;
}

static char *h_slurp_fd(int fd, size_t *len)
{
    off_t end = lseek(fd, 0, SEEK_END);
    cr_assert(end >= 0);
    char *buf = h_xmalloc((size_t)end + 1);
    size_t n = 0;
    while (n < (size_t)end) {
        ssize_t got = pread(fd, buf + n, (size_t)end - n, (off_t)n);
        if (got < 0 && errno == EINTR)
            continue;
        cr_assert(got > 0, "pread: %s", strerror(errno));
        n += (size_t)got;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static h_result h_spawn(const char *cwd, const char *stdin_data, size_t stdin_len,
                        const char *path, char *const *argv)
{
    int in_fd;
    if (stdin_data) {
        in_fd = h_anon_file();
        size_t off = 0;
        while (off < stdin_len) {
            ssize_t w = write(in_fd, stdin_data + off, stdin_len - off);
            cr_assert(w > 0, "write stdin file: %s", strerror(errno));
            off += (size_t)w;
        }
        cr_assert(lseek(in_fd, 0, SEEK_SET) == 0);
    } else {
        in_fd = open("/dev/null", O_RDONLY);
        cr_assert(in_fd >= 0);
    }
    int out_fd = h_anon_file();
    int err_fd = h_anon_file();

    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
            _exit(126);
        close(in_fd);
        close(out_fd);
        close(err_fd);
        execv(path, argv);
        _exit(127);
    }
    close(in_fd);

    int status = 0;
    struct timespec nap = {0, 2 * 1000 * 1000};
    double waited = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        cr_assert(w == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
        if (waited > 300.0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        nanosleep(&nap, NULL);
        waited += (double)nap.tv_nsec / 1e9;
        if (nap.tv_nsec < 50 * 1000 * 1000)
            nap.tv_nsec *= 2;
    }

    h_result r;
    memset(&r, 0, sizeof r);
    if (WIFEXITED(status))
        r.code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        r.code = 128 + WTERMSIG(status);
    else
        r.code = -1;
    r.out = h_slurp_fd(out_fd, &r.out_len);
    r.err = h_slurp_fd(err_fd, &r.err_len);
    close(out_fd);
    close(err_fd);
    return r;
}

/* SLAGG_EMULATOR (e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu", words
 * split at blanks, no quoting) is put in front of SLAGG_BIN when set, so a
 * cross-built binary runs without binfmt_misc (docs/ARM.md). Its first
 * word is looked up in PATH. Returns the word count (0: not set). */
static size_t h_emulator(char **words, size_t max, char **path)
{
    static char buf[1024];
    const char *e = getenv("SLAGG_EMULATOR");
    *path = NULL;
    if (!e || !*e)
        return 0;
    cr_assert(strlen(e) < sizeof buf, "SLAGG_EMULATOR too long");
    strcpy(buf, e);
    size_t n = 0;
    char *save;
    for (char *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        cr_assert(n < max, "SLAGG_EMULATOR has too many words");
        words[n++] = tok;
    }
    if (n == 0)
        return 0;
    if (strchr(words[0], '/')) {
        *path = h_fmt("%s", words[0]);
        return n;
    }
    const char *dirs = getenv("PATH");
    char *copy = h_fmt("%s", dirs ? dirs : "/usr/bin:/bin");
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *cand = h_fmt("%s/%s", d, words[0]);
        if (access(cand, X_OK) == 0) {
            *path = cand;
            break;
        }
        free(cand);
    }
    free(copy);
    cr_assert_not_null(*path, "SLAGG_EMULATOR: %s not found in PATH", words[0]);
    return n;
}

h_result h_run(const char *cwd, const char *stdin_data, size_t stdin_len,
               const char *const *args)
{
    char *emu[32];
    char *emu_path;
    size_t ne = h_emulator(emu, 32, &emu_path);
    size_t n = 0;
    while (args[n])
        n++;
    char **argv = h_xmalloc((ne + n + 2) * sizeof *argv);
    for (size_t i = 0; i < ne; i++)
        argv[i] = emu[i];
    argv[ne] = (char *)SLAGG_BIN;
    for (size_t i = 0; i < n; i++)
        argv[ne + i + 1] = (char *)args[i];
    argv[ne + n + 1] = NULL;
    h_result r = h_spawn(cwd, stdin_data, stdin_len, emu_path ? emu_path : SLAGG_BIN, argv);
    free(argv);
    free(emu_path);
    return r;
}

h_result h_slagg(const char *cwd, const char *stdin_data, ...)
{
    const char *args[128];
    size_t n = 0;
    va_list ap;
    va_start(ap, stdin_data);
    for (;;) {
        const char *a = va_arg(ap, const char *);
        cr_assert(n < 127, "too many arguments");
        args[n++] = a;
        if (!a)
            break;
    }
    va_end(ap);
    return h_run(cwd, stdin_data, stdin_data ? strlen(stdin_data) : 0, args);
}

h_result h_exec(const char *cwd, const char *const *argv)
{
    return h_spawn(cwd, NULL, 0, argv[0], (char *const *)argv);
}

void h_result_free(h_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

const char *h_json_value(const char *json, const char *key)
{
    char *pat = h_fmt("\"%s\": ", key);
    const char *p = strstr(json, pat);
    const char *v = p ? p + strlen(pat) : NULL;
    free(pat);
    return v;
}

long long h_json_int(const char *json, const char *key)
{
    const char *v = h_json_value(json, key);
    cr_assert_not_null(v, "key \"%s\" not found in:\n%s", key, json);
    char *end;
    long long n = strtoll(v, &end, 10);
    cr_assert(end != v, "key \"%s\" is not an integer in:\n%s", key, json);
    return n;
}

char *h_json_raw(const char *json, const char *key)
{
    const char *v = h_json_value(json, key);
    cr_assert_not_null(v, "key \"%s\" not found in:\n%s", key, json);
    const char *p = v;
    int depth = 0;
    bool in_str = false;
    for (; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_str = false;
            continue;
        }
        if (*p == '"')
            in_str = true;
        else if (*p == '{' || *p == '[')
            depth++;
        else if (*p == '}' || *p == ']') {
            if (depth == 0)
                break;
            depth--;
        } else if ((*p == ',' || *p == '\n') && depth == 0)
            break;
    }
    size_t n = (size_t)(p - v);
    char *s = h_xmalloc(n + 1);
    memcpy(s, v, n);
    s[n] = '\0';
    return s;
}

bool h_contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

bool h_memmem(const void *hay, size_t hn, const void *needle, size_t nn)
{
    const char *h = hay;
    if (nn == 0)
        return true;
    for (size_t i = 0; i + nn <= hn; i++)
        if (h[i] == *(const char *)needle && memcmp(h + i, needle, nn) == 0)
            return true;
    return false;
}

bool h_has_number(const char *text, long n)
{
    char num[32];
    snprintf(num, sizeof num, "%ld", n);
    size_t len = strlen(num);
    for (const char *p = text; (p = strstr(p, num)) != NULL; p++) {
        bool before = p > text && p[-1] >= '0' && p[-1] <= '9';
        bool after = p[len] >= '0' && p[len] <= '9';
        if (!before && !after)
            return true;
    }
    return false;
}

void h_buf_append(h_buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + len + 1 > cap)
            cap *= 2;
        b->data = realloc(b->data, cap);
        cr_assert_not_null(b->data);
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void h_buf_printf(h_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0);
    if ((size_t)n < sizeof small) {
        h_buf_append(b, small, (size_t)n);
        return;
    }
    char *big = h_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    h_buf_append(b, big, (size_t)n);
    free(big);
}

void h_buf_free(h_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- finance / summary expectations ---------------------------------- */

/* Splits one CSV record starting at *p (RFC 4180 quoting) into fields;
 * advances *p past its LF. Returns the number of fields. */
static size_t h_csv_fields(const char **p, char **fields, size_t max)
{
    size_t n = 0;
    const char *s = *p;
    for (;;) {
        h_buf f = {0};
        h_buf_append(&f, "", 0);
        if (*s == '"') {
            s++;
            for (;;) {
                cr_assert(*s, "unterminated quoted field in expected CSV");
                if (*s == '"' && s[1] == '"') {
                    h_buf_append(&f, "\"", 1);
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    h_buf_append(&f, s, 1);
                    s++;
                }
            }
        } else {
            while (*s && *s != ',' && *s != '\n') {
                h_buf_append(&f, s, 1);
                s++;
            }
        }
        cr_assert(n < max, "too many fields in expected CSV");
        fields[n++] = f.data;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '\n')
            s++;
        break;
    }
    *p = s;
    return n;
}

static void h_json_string(h_buf *b, const char *s)
{
    h_buf_append(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            h_buf_append(b, "\\", 1);
            h_buf_append(b, s, 1);
        } else if (c < 0x20) {
            h_buf_printf(b, "\\u%04x", c);
        } else {
            h_buf_append(b, s, 1);
        }
    }
    h_buf_append(b, "\"", 1);
}

char *h_csv_to_jsonl(const char *csv)
{
    static const char *numeric[] = {"days", "windows", "valid_requests",
                                    "error_requests", "excluded_requests",
                                    "error_windows", "tier_pct", NULL};
    const char *p = csv;
    char *keys[32];
    size_t nk = h_csv_fields(&p, keys, 32);
    h_buf out = {0};
    h_buf_append(&out, "", 0);
    while (*p) {
        char *vals[32];
        size_t nv = h_csv_fields(&p, vals, 32);
        cr_assert_eq(nv, nk, "expected CSV row has %zu fields, header %zu", nv, nk);
        h_buf_append(&out, "{", 1);
        for (size_t i = 0; i < nk; i++) {
            if (i)
                h_buf_append(&out, ",", 1);
            h_json_string(&out, keys[i]);
            h_buf_append(&out, ":", 1);
            bool is_num = false;
            for (size_t k = 0; numeric[k]; k++)
                if (!strcmp(keys[i], numeric[k]))
                    is_num = true;
            if (vals[i][0] == '\0')
                h_buf_append(&out, "null", 4);
            else if (is_num || !strcmp(keys[i], "credit_capped"))
                h_buf_append(&out, vals[i], strlen(vals[i]));
            else
                h_json_string(&out, vals[i]);
            free(vals[i]);
        }
        h_buf_append(&out, "}\n", 2);
    }
    for (size_t i = 0; i < nk; i++)
        free(keys[i]);
    return out.data;
}

void h_assert_finance(const char *dir, const char *out, const char *csv)
{
    char *csv_path = h_fmt("%s/finance.csv", out);
    char *jsonl_path = h_fmt("%s/finance.jsonl", out);
    char *got_csv = h_read_in(dir, csv_path, NULL);
    cr_assert_str_eq(got_csv, csv, "%s differs:\n--- got\n%s--- expected\n%s",
                     csv_path, got_csv, csv);
    char *want_jsonl = h_csv_to_jsonl(csv);
    char *got_jsonl = h_read_in(dir, jsonl_path, NULL);
    cr_assert_str_eq(got_jsonl, want_jsonl,
                     "%s differs:\n--- got\n%s--- expected\n%s", jsonl_path,
                     got_jsonl, want_jsonl);
    free(csv_path);
    free(jsonl_path);
    free(got_csv);
    free(want_jsonl);
    free(got_jsonl);
}

char *h_summary_json(const h_summary *s)
{
    long sum = s->ok + s->error + s->lost_provider + s->not_received +
               s->ex_maintenance + s->ex_attack + s->ex_content_ban +
               s->ex_external + s->ex_client + s->uncontracted +
               s->before_from + s->after_through + s->rejected;
    cr_assert_eq(sum, s->records_read,
                 "test bug: expected counts add up to %ld, not records_read %ld",
                 sum, s->records_read);
    cr_assert_eq(s->final + s->in_progress + s->no_fee,
                 s->tier0 + s->tier10 + s->tier25 + s->tier50,
                 "test bug: periods and tiers count different rows");
    cr_assert_not_null(s->through, "test bug: through missing");
    return h_fmt("{\n"
                 "  \"records_read\": %ld,\n"
                 "  \"ok\": %ld,\n"
                 "  \"error\": %ld,\n"
                 "  \"lost_provider\": %ld,\n"
                 "  \"not_received\": %ld,\n"
                 "  \"excluded\": {\"maintenance\": %ld, \"attack\": %ld, "
                 "\"content_ban\": %ld, \"external\": %ld, \"client\": %ld},\n"
                 "  \"uncontracted\": %ld,\n"
                 "  \"before_from\": %ld,\n"
                 "  \"after_through\": %ld,\n"
                 "  \"rejected\": %ld,\n"
                 "  \"accounts\": %ld,\n"
                 "  \"periods\": {\"final\": %ld, \"in_progress\": %ld, "
                 "\"no_fee\": %ld},\n"
                 "  \"tiers\": {\"0\": %ld, \"10\": %ld, \"25\": %ld, \"50\": %ld},\n"
                 "  \"total_credit\": \"%s\",\n"
                 "  \"late_notice_maintenance\": %s,\n"
                 "  \"unmatched_fees\": %s,\n"
                 "  \"through\": \"%s\",\n"
                 "  \"tz\": \"%s\"%s%s%s%s%s\n"
                 "}\n",
                 s->records_read, s->ok, s->error, s->lost_provider,
                 s->not_received, s->ex_maintenance, s->ex_attack,
                 s->ex_content_ban, s->ex_external, s->ex_client,
                 s->uncontracted, s->before_from, s->after_through, s->rejected, s->accounts,
                 s->final, s->in_progress, s->no_fee, s->tier0, s->tier10,
                 s->tier25, s->tier50,
                 s->total_credit ? s->total_credit : "0.00",
                 s->late ? s->late : "[]",
                 s->unmatched ? s->unmatched : "[]", s->through,
                 s->tz ? s->tz : "+08:00",
                 s->coverage || s->warnings ? ",\n  \"coverage\": " : "",
                 s->coverage || s->warnings ? (s->coverage ? s->coverage : "null") : "",
                 s->coverage || s->warnings ? ",\n  \"warnings\": " : "",
                 s->coverage || s->warnings ? (s->warnings ? s->warnings : "[]") : "", "");
}

void h_assert_summary(const char *dir, const char *out, const h_summary *s)
{
    char *want = h_summary_json(s);
    char *path = h_fmt("%s/summary.json", out);
    size_t n;
    char *got = h_read_in(dir, path, &n);
    /* Tests of other rules leave out SPEC 4's coverage and warnings (the
     * last two keys): cut them from what was written. */
    if (!s->coverage && !s->warnings) {
        char *cut = strstr(got, ",\n  \"coverage\": ");
        if (cut) {
            memcpy(cut, "\n}\n", 4);
            n = (size_t)(cut - got) + 3;
        }
    }
    /* Tolerate only a missing final LF. */
    if (n > 0 && got[n - 1] == '}') {
        got = realloc(got, n + 2);
        got[n] = '\n';
        got[n + 1] = '\0';
    }
    cr_assert_str_eq(got, want, "%s differs:\n--- got\n%s--- expected\n%s",
                     path, got, want);
    free(want);
    free(path);
    free(got);
}

void h_assert_no_outputs(const char *dir, const char *out)
{
    static const char *names[] = {"finance.csv", "finance.jsonl",
                                  "summary.json", "availability.slagg"};
    for (size_t i = 0; i < 4; i++) {
        char *p = h_fmt("%s/%s", out, names[i]);
        cr_assert(h_missing(dir, p), "%s was written by a failed run", p);
        free(p);
    }
}

/* ---- one generation --------------------------------------------------- */

static const char *const h_gen_names[5] = {"finance.csv", "finance.jsonl", "summary.json",
                                           "availability.slagg", "manifest.json"};

char *h_assert_generation(const char *dir, const char *out)
{
    char *cur = h_fmt("%s/%s/current", dir, out);
    char target[512];
    ssize_t n = readlink(cur, target, sizeof target - 1);
    cr_assert(n > 0, "%s: not a symlink (%s)", cur, strerror(errno));
    target[n] = '\0';
    cr_assert(strncmp(target, ".gen-", 5) == 0 && !strchr(target, '/'),
              "%s names %s, not a generation folder of %s", cur, target, out);
    char *gdir = h_fmt("%s/%s/%s", dir, out, target);
    char *mp = h_fmt("%s/manifest.json", gdir);
    char *man = h_read(mp, NULL);
    const char *files = strstr(man, "\"files\": [");
    cr_assert_not_null(files, "%s: no files list:\n%s", mp, man);
    /* every file the manifest lists: size and SHA-256 */
    int listed = 0;
    for (const char *p = files; (p = strstr(p, "{\"name\": \"")) != NULL; listed++) {
        p += 10;
        const char *q = strchr(p, '"');
        cr_assert_not_null(q);
        char *name = h_fmt("%.*s", (int)(q - p), p);
        long long size = -1;
        char sha[65] = "";
        cr_assert_eq(sscanf(q, "\", \"size\": %lld, \"sha256\": \"%64[0-9a-f]\"}", &size, sha), 2,
                     "%s: bad entry for %s", mp, name);
        char *fp = h_fmt("%s/%s", gdir, name);
        size_t len;
        char *data = h_read(fp, &len);
        unsigned char d[SLAGG_SHA256_LEN];
        char hex[SLAGG_SHA256_HEX];
        slagg_sha256(data, len, d);
        slagg_sha256_hex(d, hex);
        cr_assert_eq((long long)len, size, "%s: %zu bytes, the manifest says %lld", fp, len, size);
        cr_assert_str_eq(hex, sha, "%s: SHA-256 differs from the manifest's", fp);
        free(data);
        free(fp);
        free(name);
        p = q;
    }
    /* the folder holds the listed files and the manifest, nothing else */
    DIR *d = opendir(gdir);
    cr_assert_not_null(d, "opendir %s", gdir);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) entries++;
    closedir(d);
    cr_assert_eq(entries, listed + 1, "%s holds %d entries, the manifest lists %d files + itself",
                 gdir, entries, listed);
    /* DIR/NAME shows the current generation's file */
    for (size_t i = 0; i < 5; i++) {
        char *np = h_fmt("%s/%s/%s", dir, out, h_gen_names[i]);
        char *gp = h_fmt("%s/%s", gdir, h_gen_names[i]);
        char *want = h_fmt("current/%s", h_gen_names[i]);
        struct stat ns, gs;
        int have_g = stat(gp, &gs) == 0;
        if (lstat(np, &ns) != 0) {
            cr_assert(!have_g, "%s is missing but the generation has it", np);
        } else if (S_ISLNK(ns.st_mode)) {
            char lt[128];
            ssize_t k = readlink(np, lt, sizeof lt - 1);
            cr_assert(k > 0);
            lt[k] = '\0';
            cr_assert_str_eq(lt, want, "%s links to %s", np, lt);
        } else {
            /* the same inode, or (migration copied it where link failed)
             * the same bytes */
            cr_assert(have_g && S_ISREG(ns.st_mode) &&
                          ((ns.st_dev == gs.st_dev && ns.st_ino == gs.st_ino) || h_same_file(np, gp)),
                      "%s is a plain file that is not the current generation's", np);
        }
        free(np);
        free(gp);
        free(want);
    }
    free(man);
    free(mp);
    free(gdir);
    free(cur);
    return h_fmt("%s", target);
}

int h_generation_layout(const char *dir, const char *out, int *temps)
{
    char *p = h_path(dir, out);
    DIR *d = opendir(p);
    cr_assert_not_null(d, "opendir %s", p);
    struct dirent *e;
    int gens = 0, tmps = 0;
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        int known = !strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, ".lock") ||
                    !strcmp(nm, "current");
        for (size_t i = 0; i < 5; i++) known |= !strcmp(nm, h_gen_names[i]);
        if (!known && !strncmp(nm, ".gen-", 5)) {
            known = 1;
            gens++;
        } else if (!known && nm[0] == '.' && strstr(nm, ".tmp-")) {
            known = 1;
            tmps++;
        }
        cr_assert(known, "stray entry in %s: %s", p, nm);
    }
    closedir(d);
    free(p);
    if (temps) *temps = tmps;
    return gens;
}
