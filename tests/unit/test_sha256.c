/*
 * test_sha256.c - io/sha256.c against the FIPS 180-4 / NIST example
 * vectors, every length around the padding boundaries against coreutils
 * `sha256sum` (an independent implementation), pieces fed in any split,
 * and whole files.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/sha256.h"

static void expect_hex(const void *data, size_t n, const char *hex)
{
    unsigned char d[SLAGG_SHA256_LEN];
    char h[SLAGG_SHA256_HEX];
    slagg_sha256(data, n, d);
    slagg_sha256_hex(d, h);
    cr_assert_str_eq(h, hex, "SHA-256 of %zu bytes", n);
}

Test(sha256, fips_180_4_vectors)
{
    expect_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect_hex(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    expect_hex(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

Test(sha256, million_a_in_uneven_pieces)
{
    char *a = malloc(1000000);
    cr_assert_not_null(a);
    memset(a, 'a', 1000000);
    expect_hex(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* the same bytes fed in pieces of 1, 63, 64, 65, 1000, ... */
    static const size_t steps[] = {1, 63, 64, 65, 1000, 7, 4096};
    slagg_sha256_ctx c;
    slagg_sha256_init(&c);
    size_t at = 0, k = 0;
    while (at < 1000000) {
        size_t n = steps[k++ % 7];
        if (n > 1000000 - at) n = 1000000 - at;
        slagg_sha256_update(&c, a + at, n);
        at += n;
    }
    unsigned char d[SLAGG_SHA256_LEN];
    char h[SLAGG_SHA256_HEX];
    slagg_sha256_final(&c, d);
    slagg_sha256_hex(d, h);
    cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

/* Lengths 0..200 (every padding case: 55, 56, 63, 64, 119, 120 bytes...)
 * of a fixed byte pattern, each through slagg_sha256_file, against
 * sha256sum on the same file. */
Test(sha256, every_length_to_200_matches_sha256sum)
{
    if (system("command -v sha256sum >/dev/null 2>&1") != 0) cr_skip_test("no sha256sum here");
    char path[] = "/tmp/slagg-sha256-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    unsigned char data[200];
    for (int i = 0; i < 200; i++) data[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= 200; n++) {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(data, 1, n, f), n);
        fclose(f);
        char cmd[128], want[80] = "";
        snprintf(cmd, sizeof cmd, "sha256sum %s", path);
        FILE *p = popen(cmd, "r");
        cr_assert_not_null(p);
        cr_assert_not_null(fgets(want, sizeof want, p));
        pclose(p);
        want[64] = '\0';
        unsigned char d[SLAGG_SHA256_LEN];
        char h[SLAGG_SHA256_HEX];
        uint64_t size = 12345;
        cr_assert_eq(slagg_sha256_file(path, d, &size, NULL), SLAGG_OK);
        slagg_sha256_hex(d, h);
        cr_assert_eq(size, n);
        cr_assert_str_eq(h, want, "%zu bytes", n);
        expect_hex(data, n, want);
    }
    unlink(path);
}

/* A missing file is an input error (issue 15: exit 2, not 3 like a full disk). */
Test(sha256, missing_file_is_an_input_error_naming_it)
{
    unsigned char d[SLAGG_SHA256_LEN];
    slagg_err err = {0};
    cr_assert_eq(slagg_sha256_file("/nonexistent/slagg-x.csv", d, NULL, &err), SLAGG_E_INPUT);
    cr_assert(strstr(err.msg, "/nonexistent/slagg-x.csv") != NULL, "%s", err.msg);
}

/* The SHA-NI compression (io/sha256_shani.c) and the portable one give
 * the same digests, for every length to 300 and for a megabyte fed in
 * uneven pieces; where the CPU has no SHA-NI, only the portable one runs. */
Test(sha256, sha_ni_matches_portable)
{
    static unsigned char buf[1 << 20];
    uint64_t x = 7;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        buf[i] = (unsigned char)(x >> 56);
    }
    slagg_sha256_set_hw(1);
    if (!slagg_sha256_hw()) cr_log_info("no SHA-NI on this CPU: the portable path only");
    for (size_t n = 0; n <= 300; n++) {
        unsigned char a[SLAGG_SHA256_LEN], b[SLAGG_SHA256_LEN];
        slagg_sha256_set_hw(0);
        slagg_sha256(buf, n, a);
        slagg_sha256_set_hw(1);
        slagg_sha256(buf, n, b);
        cr_assert(memcmp(a, b, sizeof a) == 0, "length %zu", n);
    }
    unsigned char a[SLAGG_SHA256_LEN], b[SLAGG_SHA256_LEN];
    for (int hw = 0; hw < 2; hw++) {
        slagg_sha256_set_hw(hw);
        slagg_sha256_ctx c;
        slagg_sha256_init(&c);
        for (size_t at = 0, k = 1; at < sizeof buf; k = k * 7 % 1000 + 1) {
            size_t take = sizeof buf - at < k ? sizeof buf - at : k;
            slagg_sha256_update(&c, buf + at, take);
            at += take;
        }
        slagg_sha256_final(&c, hw ? b : a);
    }
    cr_assert(memcmp(a, b, sizeof a) == 0);
    slagg_sha256_set_hw(1);
}
