#include "io/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "io/mem.h"
#include "io/ndjson.h"   /* slagg_utf8_next */

static int reserve(slagg_buf *b, size_t extra)
{
    if (b->failed) return -1;
    if (b->len + extra <= b->cap) return 0;
    size_t nc = b->cap ? b->cap : 4096;
    while (nc < b->len + extra) {
        if (nc > SIZE_MAX / 2) {
            b->failed = 1;
            return -1;
        }
        nc *= 2;
    }
    char *p = slagg_realloc(b->data, nc);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = nc;
    return 0;
}

void slagg_buf_put_grow(slagg_buf *b, const void *p, size_t n)
{
    if (n == 0 || reserve(b, n) != 0) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void slagg_buf_reserve(slagg_buf *b, size_t n) { (void)reserve(b, n); }

void slagg_buf_puts(slagg_buf *b, const char *s) { slagg_buf_put(b, s, strlen(s)); }

void slagg_buf_vprintf(slagg_buf *b, const char *fmt, va_list ap)
{
    char tmp[512];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0) {
        b->failed = 1;
    } else if ((size_t)n < sizeof tmp) {
        slagg_buf_put(b, tmp, (size_t)n);
    } else if (reserve(b, (size_t)n + 1) == 0) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void slagg_buf_printf(slagg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    slagg_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void slagg_buf_u64(slagg_buf *b, uint64_t v)
{
    char tmp[24];
    int i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    slagg_buf_put(b, tmp + i, (size_t)(24 - i));
}

void slagg_buf_le32(slagg_buf *b, uint32_t v)
{
    unsigned char t[4];
    slagg_le32_store(t, v);
    slagg_buf_put(b, t, 4);
}

void slagg_buf_le64(slagg_buf *b, uint64_t v)
{
    unsigned char t[8];
    slagg_le64_store(t, v);
    slagg_buf_put(b, t, 8);
}

void slagg_buf_varint(slagg_buf *b, uint64_t v)
{
    unsigned char t[SLAGG_VARINT_MAX];
    slagg_buf_put(b, t, slagg_varint_put(t, v));
}

void slagg_buf_json_str(slagg_buf *b, const char *s, size_t n)
{
    slagg_buf_put(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
        slagg_buf_put(b, s + run, i - run);
        run = i + 1;
        if (c == '"') slagg_buf_put(b, "\\\"", 2);
        else if (c == '\\') slagg_buf_put(b, "\\\\", 2);
        else slagg_buf_printf(b, "\\u%04x", c);
    }
    slagg_buf_put(b, s + run, n - run);
    slagg_buf_put(b, "\"", 1);
}

/* Writes prefix (0 or 1 byte, never one that needs quoting) + s as one CSV
 * field, quoted (RFC 4180) only when s holds , " CR or LF. */
static void csv_field(slagg_buf *b, const char *prefix, size_t np, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        slagg_buf_put(b, prefix, np);
        slagg_buf_put(b, s, n);
        return;
    }
    slagg_buf_put(b, "\"", 1);
    slagg_buf_put(b, prefix, np);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '"') continue;
        slagg_buf_put(b, s + run, i + 1 - run); /* the quote itself, then again */
        slagg_buf_put(b, "\"", 1);
        run = i + 1;
    }
    slagg_buf_put(b, s + run, n - run);
    slagg_buf_put(b, "\"", 1);
}

void slagg_buf_csv_field(slagg_buf *b, const char *s, size_t n) { csv_field(b, "", 0, s, n); }

/* SPEC section 4, spreadsheet safety: a spreadsheet evaluates a cell that
 * begins with = + - @ (and some begin a formula after a tab or CR), and
 * treats a leading ' as "show as text"; so each of those, and ' itself
 * (for the rule to be reversible), gets one leading '. */
int slagg_csv_text_needs_guard(const char *s, size_t n)
{
    if (n == 0) return 0;
    switch (s[0]) {
    case '=': case '+': case '-': case '@': case '\t': case '\r': case '\'':
        return 1;
    default:
        return 0;
    }
}

void slagg_buf_csv_text(slagg_buf *b, const char *s, size_t n)
{
    int guard = slagg_csv_text_needs_guard(s, n);
    csv_field(b, "'", guard ? 1 : 0, s, n);
}

/* SPEC section 6: "File names and any text from the input appear in
 * messages and the rejects file with control characters escaped." The C0
 * controls and DEL, the C1 controls (U+0080-U+009F, which some terminals
 * obey as ESC sequences) and any byte that is not part of well-formed
 * UTF-8 (which a terminal in an 8-bit mode may read as C1) become \xNN,
 * one per byte; all other text, UTF-8 included, is kept. A backslash is
 * kept as is (reasons already quote input values as \xNN, and must not
 * be escaped twice), so the result is for reading, not for parsing back. */
void slagg_buf_escaped(slagg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0, i = 0;
    while (i < n) {
        size_t len = 1;
        int esc;
        if (p[i] < 0x80) {
            esc = p[i] < 0x20 || p[i] == 0x7F;
        } else {
            uint32_t cp = 0;
            len = slagg_utf8_next(p + i, n - i, &cp);
            esc = len == 0 || cp <= 0x9F;
            if (len == 0) len = 1;
        }
        if (!esc) {
            i += len;
            continue;
        }
        slagg_buf_put(b, s + run, i - run);
        for (size_t k = 0; k < len; k++) {
            char e[4] = {'\\', 'x', hex[p[i + k] >> 4], hex[p[i + k] & 15]};
            slagg_buf_put(b, e, 4);
        }
        i += len;
        run = i;
    }
    slagg_buf_put(b, s + run, n - run);
}

void slagg_buf_free(slagg_buf *b)
{
    slagg_free(b->data);
    memset(b, 0, sizeof *b);
}
