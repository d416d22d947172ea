/*
 * ndjson.c - a validating parser for one NDJSON request-record line
 * (SPEC section 3, "Request records"; JSON grammar from RFC 8259).
 *
 * It never allocates: strings are decoded in place (an escape is never
 * shorter than what it decodes to), and nesting is bounded by
 * SLAGG_JSON_MAX_DEPTH so a hostile line cannot exhaust the stack.
 */
#include "io/ndjson.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/cpu.h"

typedef struct json_parser {
    char *s;
    size_t n;
    size_t i;
    const char *err;        /* static reason of the first syntax error */
    const uint64_t *quotes; /* a plain line's quote bitmap (core/kernels/text.h), or NULL */
} json_parser;

/* The line pre-scan of the best kernel this CPU runs, chosen once. */
static slagg_json_plain_fn jp_plain_scan;
static pthread_once_t jp_scan_once = PTHREAD_ONCE_INIT;

static void jp_pick_scan(void)
{
    const slagg_kernel *k;
    jp_plain_scan = slagg_kernel_select(&k, NULL) == SLAGG_OK ? k->json_plain : slagg_json_plain_scalar;
}

size_t slagg_utf8_next(const unsigned char *p, size_t avail, uint32_t *cp)
{
    if (avail == 0) return 0;
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;   /* continuation byte, C0/C1 overlong lead, F5-FF */
    }
    if (avail < len) return 0;
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

static int jp_fail(json_parser *jp, const char *why)
{
    if (!jp->err) jp->err = why;
    return -1;
}

static void jp_ws(json_parser *jp)
{
    while (jp->i < jp->n) {
        char c = jp->s[jp->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        jp->i++;
    }
}

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static size_t utf8_put(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | cp >> 6);
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | cp >> 12);
        d[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | cp >> 18);
    d[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    d[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* jp_string scans a string's plain run a word at a time where words load
 * as little-endian with GCC builtins; elsewhere a byte at a time. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JP_WORD_SCAN 1
#else
#define JP_WORD_SCAN 0
#endif

/* 1 for the bytes a JSON string holds as themselves: 0x20-0x7F but '"' and '\\'
 * (the portable scan's; jp_string's word scan flags the others itself). */
#if !JP_WORD_SCAN
static const unsigned char jp_plain[256] = {
#define JP_R4(x) x, x, x, x
#define JP_R16(x) JP_R4(x), JP_R4(x), JP_R4(x), JP_R4(x)
    JP_R16(0), JP_R16(0),                       /* 0x00-0x1F */
    1, 1, 0, 1, JP_R4(1), JP_R4(1), JP_R4(1),   /* 0x20-0x2F: '"' is 0x22 */
    JP_R16(1),                                  /* 0x30-0x3F */
    JP_R16(1),                                  /* 0x40-0x4F */
    JP_R4(1), JP_R4(1), JP_R4(1), 0, 1, 1, 1,   /* 0x50-0x5F: '\\' is 0x5C */
    JP_R16(1), JP_R16(1),                       /* 0x60-0x7F */
#undef JP_R16
#undef JP_R4
};
#endif

#if JP_WORD_SCAN
/* The bytes of a little-endian word that end a string's plain run: bit 7
 * of each byte below 0x20, '"', '\\' or from 0x80. A borrow only leaves
 * a byte that is itself flagged, so the lowest flag is exact. */
static inline uint64_t jp_word_flags(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
    return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b) | v) & high;
}
#endif

/* Parses the string at s[i] == '"', decoding it in place at s[i+1..).
 * Sets *out / *outn to the decoded bytes. The byte path: any line. */
static int jp_string_bytes(json_parser *jp, const char **out, size_t *outn)
{
    char *s = jp->s;
    size_t i = jp->i + 1;
    char *start = s + i, *d = start;

    /* Fast path: a run of printable ASCII other than '"' and '\\' decodes
     * to itself, in place, so it is only skipped (d follows i exactly until
     * the first escape); the loop below decides the byte that ends it. */
#if JP_WORD_SCAN
    /* eight bytes at a time (jp_word_flags) */
    while (i + 8 <= jp->n) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        uint64_t m = jp_word_flags(v);
        if (m) {
            i += (size_t)__builtin_ctzll(m) >> 3;
            goto run_end;
        }
        i += 8;
    }
    /* the line's last bytes (fewer than 8): the line's last word shifted
     * down, so the bytes past the end read as 0, which is flagged; the
     * lowest flag is the run's end, or the line's (a byte loop here was a
     * quarter of this function: a line's last strings are near its end) */
    if (i < jp->n && jp->n >= 8) {
        uint64_t v;
        memcpy(&v, s + jp->n - 8, 8);
        v >>= 8 * (8 - (jp->n - i));
        i += (size_t)__builtin_ctzll(jp_word_flags(v)) >> 3;   /* not 0: byte n - i at the latest is 0 */
    }
run_end:   /* s[i] is the run's end, exactly: not plain, or i == n */
#else
    while (i < jp->n && jp_plain[(unsigned char)s[i]]) i++;
#endif
    d = s + i;
    for (;;) {
        if (i >= jp->n) {
            jp->i = i;
            return jp_fail(jp, "unterminated string");
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            i++;
            break;
        }
        if (c < 0x20) {
            jp->i = i;
            return jp_fail(jp, "control character in string");
        }
        if (c == '\\') {
            if (i + 1 >= jp->n) {
                jp->i = i;
                return jp_fail(jp, "unterminated string");
            }
            char e = s[i + 1];
            static const char esc[] = "\"\\/bfnrt";
            static const char map[] = "\"\\/\b\f\n\r\t";
            const char *simple = e != '\0' ? strchr(esc, e) : NULL;
            if (simple) {
                *d++ = map[simple - esc];
                i += 2;
                continue;
            }
            if (e != 'u') {
                jp->i = i;
                return jp_fail(jp, "invalid escape in string");
            }
            uint32_t cp, lo;
            if (i + 6 > jp->n || hex4(s + i + 2, &cp)) {
                jp->i = i;
                return jp_fail(jp, "invalid \\u escape");
            }
            i += 6;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                jp->i = i - 6;
                return jp_fail(jp, "lone low surrogate in \\u escape");
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (i + 6 > jp->n || s[i] != '\\' || s[i + 1] != 'u' || hex4(s + i + 2, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    jp->i = i - 6;
                    return jp_fail(jp, "unpaired high surrogate in \\u escape");
                }
                i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            d += utf8_put(d, cp);
            continue;
        }
        if (c < 0x80) {
            *d++ = (char)c;
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = slagg_utf8_next((const unsigned char *)s + i, jp->n - i, &cp);
        if (len == 0) {
            jp->i = i;
            return jp_fail(jp, "invalid UTF-8 in string");
        }
        memmove(d, s + i, len);
        d += len;
        i += len;
    }
    jp->i = i;
    *out = start;
    *outn = (size_t)(d - start);
    return 0;
}

/* jp_string_bytes, but in a plain line (jp->quotes) the string is its
 * bytes up to the next quote, the next bit of the line's quote bitmap:
 * inlined where keys and values are read (the call was 2 ns of a 25-ns
 * string, 10 % of an NDJSON fold). */
static inline int jp_string(json_parser *jp, const char **out, size_t *outn)
{
#if defined(__GNUC__)
    if (jp->quotes) {
        size_t i = jp->i + 1, w = i >> 6, nw = (jp->n + 63) >> 6;
        uint64_t m = w < nw ? jp->quotes[w] & (~0ULL << (i & 63)) : 0;
        while (!m && ++w < nw) m = jp->quotes[w];
        if (m) {
            size_t e = (w << 6) + (size_t)__builtin_ctzll(m);
            jp->i = e + 1;
            *out = jp->s + i;
            *outn = e - i;
            return 0;
        }
        /* no closing quote: the byte path says so */
    }
#endif
    return jp_string_bytes(jp, out, outn);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int jp_number(json_parser *jp, slagg_json_value *v)
{
    const char *s = jp->s;
    size_t i = jp->i, n = jp->n, start = i;
    int is_int = 1;
    if (i < n && s[i] == '-') i++;
    if (i < n && s[i] == '0') {
        i++;
    } else if (i < n && s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    } else {
        jp->i = i;
        return jp_fail(jp, "invalid number");
    }
    if (i < n && s[i] == '.') {
        is_int = 0;
        i++;
        if (i >= n || s[i] < '0' || s[i] > '9') {
            jp->i = i;
            return jp_fail(jp, "invalid number");
        }
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        is_int = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= n || s[i] < '0' || s[i] > '9') {
            jp->i = i;
            return jp_fail(jp, "invalid number");
        }
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    }
    v->kind = SLAGG_JSON_NUMBER;
    v->p = s + start;
    v->n = i - start;
    v->is_int = is_int;
    jp->i = i;
    return 0;
}

static int jp_value(json_parser *jp, int depth, slagg_json_value *v);

/* The used key a top-level key names: 0 ts, 1 ts_ms, 2 account, 3
 * status, 4 cause, -1 none. By length first, then one compare of a
 * constant length (inlined): the loop of strlen + memcmp over the five
 * names for each of a line's keys was 5 % of a fold of NDJSON logs. */
static inline int used_key(const char *key, size_t n)
{
    switch (n) {
    case 2: return memcmp(key, "ts", 2) == 0 ? 0 : -1;
    case 5: return memcmp(key, "ts_ms", 5) == 0 ? 1 : memcmp(key, "cause", 5) == 0 ? 4 : -1;
    case 7: return memcmp(key, "account", 7) == 0 ? 2 : -1;
    case 6: return memcmp(key, "status", 6) == 0 ? 3 : -1;
    default: return -1;
    }
}

/* The object at s[i] == '{'. With rec (top level only), the used keys'
 * values are stored there and a repeated used key is an error. */
static int jp_object(json_parser *jp, int depth, slagg_ndjson_record *rec, char *reason,
                     size_t cap)
{
    jp->i++;
    jp_ws(jp);
    if (jp->i < jp->n && jp->s[jp->i] == '}') {
        jp->i++;
        return 0;
    }
    for (;;) {
        jp_ws(jp);
        if (jp->i >= jp->n || jp->s[jp->i] != '"') return jp_fail(jp, "expected a string key");
        const char *key;
        size_t keyn;
        if (jp_string(jp, &key, &keyn)) return -1;
        jp_ws(jp);
        if (jp->i >= jp->n || jp->s[jp->i] != ':') return jp_fail(jp, "expected ':'");
        jp->i++;
        jp_ws(jp);
        /* a used key's value goes straight into its slot (a copy of the
         * value written field by field and read back whole stalled on
         * store forwarding: a third of this function); a repeated one is
         * parsed aside first, so a bad value is still the error reported */
        int k = rec ? used_key(key, keyn) : -1;
        slagg_json_value v = {SLAGG_JSON_ABSENT, NULL, 0, 0};
        slagg_json_value *slot = k < 0 ? NULL : k == 0 ? &rec->ts : k == 1 ? &rec->ts_ms
                                              : k == 2 ? &rec->account : k == 3 ? &rec->status : &rec->cause;
        int dup = slot && slot->kind != SLAGG_JSON_ABSENT;
        if (jp_value(jp, depth + 1, slot && !dup ? slot : &v)) return -1;
        if (dup) {
            static const char *const names[] = {"ts", "ts_ms", "account", "status", "cause"};
            snprintf(reason, cap, "duplicate key '%s'", names[k]);
            jp->err = "";   /* reason already written */
            return -1;
        }
        jp_ws(jp);
        if (jp->i >= jp->n) return jp_fail(jp, "unterminated object");
        char c = jp->s[jp->i++];
        if (c == '}') return 0;
        if (c != ',') {
            jp->i--;
            return jp_fail(jp, "expected ',' or '}'");
        }
    }
}

static int jp_array(json_parser *jp, int depth)
{
    jp->i++;
    jp_ws(jp);
    if (jp->i < jp->n && jp->s[jp->i] == ']') {
        jp->i++;
        return 0;
    }
    for (;;) {
        jp_ws(jp);
        slagg_json_value v;
        if (jp_value(jp, depth + 1, &v)) return -1;
        jp_ws(jp);
        if (jp->i >= jp->n) return jp_fail(jp, "unterminated array");
        char c = jp->s[jp->i++];
        if (c == ']') return 0;
        if (c != ',') {
            jp->i--;
            return jp_fail(jp, "expected ',' or ']'");
        }
    }
}

static int jp_literal(json_parser *jp, const char *word, slagg_json_kind kind,
                      slagg_json_value *v)
{
    size_t len = strlen(word);
    if (jp->n - jp->i < len || memcmp(jp->s + jp->i, word, len) != 0)
        return jp_fail(jp, "unexpected character");
    v->kind = kind;
    v->p = jp->s + jp->i;
    v->n = len;
    jp->i += len;
    return 0;
}

/* Any JSON value at s[i] (whitespace already skipped). */
static int jp_value(json_parser *jp, int depth, slagg_json_value *v)
{
    v->kind = SLAGG_JSON_ABSENT;
    v->is_int = 0;
    if (depth > SLAGG_JSON_MAX_DEPTH) return jp_fail(jp, "nesting too deep");
    if (jp->i >= jp->n) return jp_fail(jp, "expected a value");
    char c = jp->s[jp->i];
    switch (c) {
    case '{':
        v->kind = SLAGG_JSON_OBJECT;
        return jp_object(jp, depth, NULL, NULL, 0);
    case '[':
        v->kind = SLAGG_JSON_ARRAY;
        return jp_array(jp, depth);
    case '"':
        v->kind = SLAGG_JSON_STRING;
        return jp_string(jp, &v->p, &v->n);
    case 't':
        return jp_literal(jp, "true", SLAGG_JSON_TRUE, v);
    case 'f':
        return jp_literal(jp, "false", SLAGG_JSON_FALSE, v);
    case 'n':
        return jp_literal(jp, "null", SLAGG_JSON_NULL, v);
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return jp_number(jp, v);
        return jp_fail(jp, "unexpected character");
    }
}

int slagg_ndjson_parse(char *line, size_t n, slagg_ndjson_record *rec, char *reason,
                       size_t cap)
{
    pthread_once(&jp_scan_once, jp_pick_scan);
    return slagg_ndjson_parse_scan(line, n, jp_plain_scan, rec, reason, cap);
}

int slagg_ndjson_parse_scan(char *line, size_t n, slagg_json_plain_fn scan, slagg_ndjson_record *rec,
                            char *reason, size_t cap)
{
    uint64_t quotes[SLAGG_JSON_LINE_MAX / 64];
    json_parser jp = {line, n, 0, NULL, NULL};
    if (scan && n <= SLAGG_JSON_LINE_MAX && scan((const unsigned char *)line, n, quotes)) jp.quotes = quotes;
    memset(rec, 0, sizeof *rec);
    jp_ws(&jp);
    if (jp.i >= n || line[jp.i] != '{') {
        snprintf(reason, cap, "not a JSON object");
        return -1;
    }
    if (jp_object(&jp, 1, rec, reason, cap) == 0) {
        jp_ws(&jp);
        if (jp.i == n) return 0;
        jp_fail(&jp, "trailing characters after the object");
    }
    if (jp.err[0] != '\0')   /* "" = the reason is already written */
        snprintf(reason, cap, "bad JSON at column %zu: %s", jp.i + 1, jp.err);
    return -1;
}
