/*
 * sha256.c - SHA-256 as FIPS 180-4 section 6.2 defines it (constants from
 * section 4.2.2 and 5.3.3). Checked against the standard's vectors in
 * tests/unit/test_sha256.c.
 */
#include "io/sha256.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "io/mem.h"

extern const uint32_t slagg_sha256_k[64];   /* shared with io/sha256_shani.c */
const uint32_t slagg_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* One 64-byte block into the state (FIPS 180-4 6.2.2). */
static void compress_portable(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++) w[t] = slagg_be32_load(p + 4 * t);
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + slagg_sha256_k[t] + w[t];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
void slagg_sha256_blocks_shani(uint32_t h[8], const unsigned char *p, size_t n_blocks);
/* SHA-NI with SSSE3 and SSE4.1 (cpuid 7.0 EBX bit 29; 1 ECX bits 9, 19) */
static int have_shani(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19))) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 29) & 1;
}
#else
static int have_shani(void) { return 0; }
#endif

/* -1: not decided yet; 0 portable; 1 SHA-NI */
static _Atomic int use_hw = -1;

void slagg_sha256_set_hw(int on) { use_hw = on && have_shani(); }
int slagg_sha256_hw(void)
{
    if (use_hw < 0) use_hw = have_shani();
    return use_hw;
}

/* n_blocks 64-byte blocks into the state. */
static void compress_blocks(uint32_t h[8], const unsigned char *p, size_t n_blocks)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (slagg_sha256_hw()) {
        slagg_sha256_blocks_shani(h, p, n_blocks);
        return;
    }
#endif
    for (; n_blocks; n_blocks--, p += 64) compress_portable(h, p);
}

static void compress(uint32_t h[8], const unsigned char *p) { compress_blocks(h, p, 1); }

void slagg_sha256_init(slagg_sha256_ctx *c)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, h0, sizeof h0);
    c->len = 0;
    c->n = 0;
}

void slagg_sha256_update(slagg_sha256_ctx *c, const void *data, size_t n)
{
    const unsigned char *p = data;
    c->len += n;
    if (c->n) {
        size_t take = 64 - c->n < n ? 64 - c->n : n;
        memcpy(c->blk + c->n, p, take);
        c->n += take;
        p += take;
        n -= take;
        if (c->n < 64) return;
        compress(c->h, c->blk);
        c->n = 0;
    }
    if (n >= 64) compress_blocks(c->h, p, n / 64);
    p += n / 64 * 64;
    n %= 64;
    if (n) memcpy(c->blk, p, n);
    c->n = n;
}

/* Padding (FIPS 180-4 5.1.1): 0x80, zeros to 56 mod 64, the bit length
 * as a big-endian u64. */
void slagg_sha256_final(slagg_sha256_ctx *c, unsigned char out[SLAGG_SHA256_LEN])
{
    uint64_t bits = c->len * 8;
    c->blk[c->n++] = 0x80;
    if (c->n > 56) {
        memset(c->blk + c->n, 0, 64 - c->n);
        compress(c->h, c->blk);
        c->n = 0;
    }
    memset(c->blk + c->n, 0, 56 - c->n);
    slagg_be64_store(c->blk + 56, bits);
    compress(c->h, c->blk);
    for (int i = 0; i < 8; i++) slagg_be32_store(out + 4 * i, c->h[i]);
}

void slagg_sha256(const void *data, size_t n, unsigned char out[SLAGG_SHA256_LEN])
{
    slagg_sha256_ctx c;
    slagg_sha256_init(&c);
    slagg_sha256_update(&c, data, n);
    slagg_sha256_final(&c, out);
}

void slagg_sha256_hex(const unsigned char d[SLAGG_SHA256_LEN], char out[SLAGG_SHA256_HEX])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < SLAGG_SHA256_LEN; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}

slagg_status slagg_sha256_file(const char *path, unsigned char out[SLAGG_SHA256_LEN],
                               uint64_t *size, slagg_err *err)
{
    unsigned char buf[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return slagg_err_set(err, slagg_open_status(errno), "%s: cannot open: %s", path, strerror(errno));
    slagg_sha256_ctx c;
    slagg_sha256_init(&c);
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return slagg_err_set(err, SLAGG_E_IO, "%s: cannot read: %s", path, strerror(e));
        }
        if (r == 0) break;
        slagg_sha256_update(&c, buf, (size_t)r);
    }
    close(fd);
    if (size) *size = c.len;
    slagg_sha256_final(&c, out);
    return SLAGG_OK;
}
