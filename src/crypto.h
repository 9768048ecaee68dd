/*
 * crypto.h -- the few primitives usersd needs from OpenSSL's libcrypto:
 * random bytes, SHA-256, base64, constant-time comparison and wiping.
 * Tokens and session ids are random strings whose SHA-256 (hex) is all the
 * database ever stores.
 */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stddef.h>

#define SHA256_HEX_LEN	64
/* 64 random bytes, base64url with padding: 88 characters, as InfluxDB. */
#define TOKEN_BYTES	64
#define TOKEN_LEN	88

/* Fills buf with n random bytes; 0 on success, -1 on failure. */
int	crypto_random(void *buf, size_t n);
/* out: SHA256_HEX_LEN + 1 bytes, the lowercase hex digest of data. */
void	crypto_sha256_hex(const void *data, size_t len, char *out);
/* A new random token (TOKEN_LEN chars + NUL) into out; 0 or -1. */
int	crypto_new_token(char out[TOKEN_LEN + 1]);
/*
 * Standard base64 decode of in[0..inlen) into out (at least 3*inlen/4+1
 * bytes).  Returns the decoded length, or -1 when in is not valid base64.
 * out is NUL-terminated.
 */
long	crypto_b64_decode(const char *in, size_t inlen, unsigned char *out);
/* 1 when a and b (both n bytes) are equal, compared in constant time. */
int	crypto_equal(const void *a, const void *b, size_t n);
/* Wipes n bytes at p so the compiler cannot skip it. */
void	crypto_wipe(void *p, size_t n);

#endif
