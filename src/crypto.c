/*
 * crypto.c -- thin wrappers over libcrypto, so no other file needs OpenSSL's
 * headers.  Base64 comes from EVP_EncodeBlock/EVP_DecodeBlock rather than a
 * hand-written codec; only the url-safe alphabet swap and the strictness
 * checks (EVP_DecodeBlock ignores padding rules) are ours.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "crypto.h"
#include "banned.h"

int
crypto_random(void *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

/*
 * SHA256() fetches the algorithm from OpenSSL 3's provider table on every
 * call (a lock and a hash lookup: 5% of a token GET's worker time); fetched
 * once, with one context, a token costs the hash alone.
 */
void
crypto_sha256_hex(const void *data, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	static EVP_MD	*sha;
	static EVP_MD_CTX *ctx;
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	unsigned int	 mdlen;
	size_t		 i;

	if (sha == NULL && (sha = EVP_MD_fetch(NULL, "SHA256", NULL)) != NULL &&
	    (ctx = EVP_MD_CTX_new()) == NULL) {
		EVP_MD_free(sha);
		sha = NULL;
	}
	if (sha == NULL || EVP_DigestInit_ex2(ctx, sha, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		SHA256(data, len, md);
	for (i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[SHA256_HEX_LEN] = '\0';
}

int
crypto_new_token(char out[TOKEN_LEN + 1])
{
	unsigned char	 raw[TOKEN_BYTES];
	int		 i, n;

	if (crypto_random(raw, sizeof(raw)) == -1)
		return -1;
	n = EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw));
	crypto_wipe(raw, sizeof(raw));
	if (n != TOKEN_LEN)
		return -1;
	for (i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	out[n] = '\0';
	return 0;
}

long
crypto_b64_decode(const char *in, size_t inlen, unsigned char *out)
{
	size_t	 i, pad = 0;
	int	 n;

	/* EVP_DecodeBlock accepts junk padding and whitespace: refuse it. */
	if (inlen == 0) {
		out[0] = '\0';
		return 0;
	}
	if (inlen % 4 != 0 || inlen > 0x3fffffff)
		return -1;
	for (i = 0; i < inlen; i++) {
		char c = in[i];

		if (c == '=') {
			if (i < inlen - 2)
				return -1;
			pad++;
		} else if (pad > 0 || !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/'))
			return -1;
	}
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)inlen);
	if (n < 0 || (size_t)n < pad)
		return -1;
	n -= (int)pad;
	out[n] = '\0';
	return n;
}

int
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
crypto_wipe(void *p, size_t n)
{
	if (p != NULL)
		OPENSSL_cleanse(p, n);
}
