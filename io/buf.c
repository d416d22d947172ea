#include "io/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

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

void slagg_buf_put(slagg_buf *b, const void *p, size_t n)
{
    if (n == 0 || reserve(b, n) != 0) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void slagg_buf_puts(slagg_buf *b, const char *s) { slagg_buf_put(b, s, strlen(s)); }

void slagg_buf_printf(slagg_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        slagg_buf_put(b, tmp, (size_t)n);
        return;
    }
    if (reserve(b, (size_t)n + 1) != 0) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
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
    for (int i = 0; i < 4; i++) t[i] = (unsigned char)(v >> (8 * i));
    slagg_buf_put(b, t, 4);
}

void slagg_buf_le64(slagg_buf *b, uint64_t v)
{
    unsigned char t[8];
    for (int i = 0; i < 8; i++) t[i] = (unsigned char)(v >> (8 * i));
    slagg_buf_put(b, t, 8);
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

void slagg_buf_csv_field(slagg_buf *b, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        slagg_buf_put(b, s, n);
        return;
    }
    slagg_buf_put(b, "\"", 1);
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

void slagg_buf_free(slagg_buf *b)
{
    slagg_free(b->data);
    memset(b, 0, sizeof *b);
}
