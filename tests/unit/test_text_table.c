/*
 * test_text_table.c - display width and aligned tables (io/text_table.h;
 * SPEC 5 "table aligns by display width (East Asian wide characters count
 * 2), never cuts a name").
 */
#include <criterion/criterion.h>

#include <string.h>

#include "core/alloc.h"
#include "io/text_table.h"

static size_t dw(const char *s)
{
    return slagg_display_width(s, strlen(s));
}

Test(text_table, ascii_counts_one)
{
    cr_assert_eq(dw(""), 0);
    cr_assert_eq(dw("abc"), 3);
    cr_assert_eq(dw("customer-enterprise-north-1"), 27);
}

Test(text_table, east_asian_wide_and_fullwidth_count_two)
{
    cr_assert_eq(dw("北京客户"), 8);            /* CJK ideographs: 12 bytes, 8 columns */
    cr_assert_eq(dw("한국"), 4);                /* Hangul syllables */
    cr_assert_eq(dw("カタカナ"), 8);            /* katakana */
    cr_assert_eq(dw("ｶﾀｶﾅ"), 4);                /* halfwidth katakana: narrow */
    cr_assert_eq(dw("ＡＢ"), 4);                /* fullwidth Latin (F) */
    cr_assert_eq(dw("\xe3\x80\x80"), 2);        /* U+3000 ideographic space (F) */
    cr_assert_eq(dw("\xe3\x80\xbf"), 1);        /* U+303F: not wide */
    cr_assert_eq(dw("😀"), 2);                  /* U+1F600, emoji presentation */
    cr_assert_eq(dw("\xf0\xa0\x80\x80"), 2);    /* U+20000, CJK extension B */
    cr_assert_eq(dw("acme-北京"), 9);
    cr_assert_eq(slagg_codepoint_width(0x1100), 2);  /* Hangul choseong */
    cr_assert_eq(slagg_codepoint_width(0x115F), 2);
    cr_assert_eq(slagg_codepoint_width(0x1160), 0);  /* jungseong: conjoining */
    cr_assert_eq(slagg_codepoint_width(0x1F93B), 1); /* between two wide ranges */
    cr_assert_eq(slagg_codepoint_width(0x1F93C), 2);
    cr_assert_eq(slagg_codepoint_width(0xFF60), 2);
    cr_assert_eq(slagg_codepoint_width(0xFF61), 1);
    cr_assert_eq(slagg_codepoint_width(0x3FFFD), 2);
    cr_assert_eq(slagg_codepoint_width(0x3FFFE), 1);
}

Test(text_table, combining_and_zero_width_count_zero)
{
    cr_assert_eq(dw("e\xcc\x81"), 1);           /* e + U+0301 combining acute */
    cr_assert_eq(dw("a\xe2\x80\x8b" "b"), 2);   /* U+200B zero width space */
    cr_assert_eq(dw("\xe2\x9d\xa4\xef\xb8\x8f"), 1); /* U+2764 + VS16: as wcwidth */
    cr_assert_eq(slagg_codepoint_width(0x302A), 0);  /* combining inside a wide block */
    cr_assert_eq(slagg_codepoint_width(0x3099), 0);
    cr_assert_eq(slagg_codepoint_width(0x309B), 2);
    cr_assert_eq(slagg_codepoint_width(0xE0100), 0);
}

/* Controls and ill-formed bytes count as their \xNN escapes. */
Test(text_table, controls_and_bad_bytes_count_their_escape)
{
    cr_assert_eq(dw("a\x01" "b"), 6);
    cr_assert_eq(dw("\x7f"), 4);
    cr_assert_eq(dw("\xc2\x85"), 8);            /* U+0085, C1: 2 bytes, \xc2\x85 */
    cr_assert_eq(dw("\xff"), 4);
    cr_assert_eq(dw("\xe5\x8c"), 8);            /* truncated sequence: 2 bytes */
    cr_assert_eq(slagg_codepoint_width(0x0A), 4);
    cr_assert_eq(slagg_codepoint_width(0xA0), 1);
}

static char *format(const slagg_text_table *t, const char *indent)
{
    slagg_buf b = {0};
    slagg_text_table_format(t, indent, &b);
    slagg_buf_put(&b, "", 1);
    cr_assert(!slagg_buf_failed(&b));
    return b.data;
}

/* Columns padded to their widest cell in display columns: the CJK name (4
 * columns, 6 bytes) gets 3 spaces of pad, not 1; right-aligned numbers;
 * two spaces between columns; a last left column is never padded. */
Test(text_table, aligns_by_display_width_exact_bytes)
{
    static const char *const head[] = {"account", "n", "state"};
    slagg_text_table t;
    cr_assert_eq(slagg_text_table_init(&t, 3, head, "lrl"), 0);
    slagg_text_table_add(&t, (const char *const[]){"北京", "1", "final"}, NULL);
    slagg_text_table_add(&t, (const char *const[]){"abc", "22", "in_progress"}, NULL);
    const char *cells[] = {"x\ty", "333", "no_fee"};
    size_t lens[] = {3, 2, 6};  /* lens honoured: "33" */
    slagg_text_table_add(&t, cells, lens);
    char *s = format(&t, "  ");
    cr_assert_str_eq(s, "  account   n  state\n"
                        "  北京      1  final\n"
                        "  abc      22  in_progress\n"
                        "  x\\x09y   33  no_fee\n");
    slagg_free(s);
    slagg_text_table_free(&t);
}

/* A name is never cut, however long. */
Test(text_table, long_names_whole)
{
    static const char *const head[] = {"account", "x"};
    slagg_text_table t;
    slagg_text_table_init(&t, 2, head, "ll");
    slagg_text_table_add(&t, (const char *const[]){"customer-enterprise-north-1", "a"}, NULL);
    slagg_text_table_add(&t, (const char *const[]){"customer-enterprise-northeast", "b"}, NULL);
    char *s = format(&t, "");
    cr_assert_str_eq(s, "account                        x\n"
                        "customer-enterprise-north-1    a\n"
                        "customer-enterprise-northeast  b\n");
    slagg_free(s);
    slagg_text_table_free(&t);
}
