/*
 * test_buf.c - io/buf: the CSV field writers (SPEC section 4 "Spreadsheet
 * safety") and the escaping of control characters for messages and the
 * rejects file (SPEC section 6).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "io/buf.h"

/* Runs one writer on s[0..n) and checks the bytes it appends. */
static void check(void (*fn)(slagg_buf *, const char *, size_t), const char *s, size_t n,
                  const char *want)
{
    slagg_buf b = {0};
    slagg_buf_puts(&b, "<");   /* appends, never overwrites */
    fn(&b, s, n);
    cr_assert(!slagg_buf_failed(&b));
    cr_assert_eq(b.len, 1 + strlen(want), "length %zu, want %zu for '%s'", b.len,
                 1 + strlen(want), want);
    cr_assert_eq(memcmp(b.data, "<", 1), 0);
    cr_assert_eq(memcmp(b.data + 1, want, b.len - 1), 0, "got '%.*s', want '%s'",
                 (int)b.len - 1, b.data + 1, want);
    slagg_buf_free(&b);
}

#define TEXT(s, want) check(slagg_buf_csv_text, s, strlen(s), want)
#define FIELD(s, want) check(slagg_buf_csv_field, s, strlen(s), want)
#define ESC(s, want) check(slagg_buf_escaped, s, sizeof(s) - 1, want)

Test(buf, csv_text_guards_formula_starts)
{
    TEXT("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
    TEXT("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0");
    TEXT("@SUM(1+1)", "'@SUM(1+1)");
    TEXT("-1", "'-1");
    TEXT("'quoted", "''quoted");
    TEXT("\tx", "'\tx");
    TEXT("\rx", "\"'\rx\"");
    TEXT("=a,b", "\"'=a,b\"");
    TEXT("=", "'=");
}

Test(buf, csv_text_keeps_ordinary_values)
{
    TEXT("", "");
    TEXT("acme", "acme");
    TEXT("a=b", "a=b");                    /* only the first byte counts */
    TEXT(" =x", " =x");
    TEXT("0acct", "0acct");
    TEXT("\xE5\xAE\xA2\xE6\x88\xB7", "\xE5\xAE\xA2\xE6\x88\xB7");
    TEXT("a,b", "\"a,b\"");
    TEXT("say \"hi\"", "\"say \"\"hi\"\"\"");
    cr_assert_eq(slagg_csv_text_needs_guard("-", 1), 1);
    cr_assert_eq(slagg_csv_text_needs_guard("x-", 2), 0);
    cr_assert_eq(slagg_csv_text_needs_guard("", 0), 0);
}

Test(buf, csv_field_is_exact)
{
    FIELD("=HYPERLINK(1)", "=HYPERLINK(1)");
    FIELD("'q", "'q");
    FIELD("-1", "-1");
    FIELD("a\nb", "\"a\nb\"");
}

Test(buf, escaped_controls)
{
    ESC("plain path/x.csv", "plain path/x.csv");
    ESC("a\x1b[2Jb", "a\\x1b[2Jb");
    ESC("\t\r\n", "\\x09\\x0d\\x0a");
    ESC("\x7f", "\\x7f");
    ESC("\x01\x1f ", "\\x01\\x1f ");
    ESC("back\\slash", "back\\slash");   /* kept: for reading, not parsing back */
}

Test(buf, escaped_keeps_utf8_but_not_c1_or_bad_bytes)
{
    ESC("\xE5\xAE\xA2\xE6\x88\xB7.csv", "\xE5\xAE\xA2\xE6\x88\xB7.csv");
    ESC("\xC2\xA0", "\xC2\xA0");                    /* U+00A0 is text */
    ESC("\xC2\x9B" "2J", "\\xc2\\x9b2J");            /* U+009B CSI */
    ESC("\xC2\x80", "\\xc2\\x80");
    ESC("\x9b" "2J", "\\x9b2J");                    /* raw C1 byte, not UTF-8 */
    ESC("\xff\xfe", "\\xff\\xfe");
    ESC("\xE5\xAE", "\\xe5\\xae");                  /* cut sequence */
    ESC("\xC0\xAF", "\\xc0\\xaf");                  /* overlong */
}

Test(buf, escaped_embedded_nul)
{
    check(slagg_buf_escaped, "a\0b", 3, "a\\x00b");
}

Test(buf, vprintf_long_output)
{
    slagg_buf b = {0};
    char big[2000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    slagg_buf_printf(&b, "%s-%d", big, 42);
    cr_assert_eq(b.len, sizeof big - 1 + 3);
    cr_assert_eq(memcmp(b.data + sizeof big - 1, "-42", 3), 0);
    slagg_buf_free(&b);
}
