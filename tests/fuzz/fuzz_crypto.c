/*
 * fuzz_crypto.c -- base64 as Basic credentials use it: strict standard
 * alphabet, padding only at the end, no whitespace.  The output buffer is
 * exactly as large as crypto.h promises (3*inlen/4 + 1), so ASan reports
 * any write past it; what decodes must encode back to the same bytes.
 */
/* fuzz.h first: the module brings banned.h, which breaks later headers. */
#include "fuzz.h"

#include "crypto.c"


static int
b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data;
	unsigned char	*out, *enc, *back;
	size_t		 i, pad = 0, cap = 3 * size / 4 + 1;
	long		 n, m;
	int		 k;

	if ((out = malloc(cap)) == NULL)
		abort();
	n = crypto_b64_decode(in, size, out);
	if (n >= 0) {
		FUZZ_CHECK(size % 4 == 0);
		for (i = 0; i < size; i++) {
			if (in[i] == '=')
				pad++;
			else
				FUZZ_CHECK(pad == 0 && b64_char(in[i]));
		}
		FUZZ_CHECK(pad <= 2);
		FUZZ_CHECK((size_t)n == size / 4 * 3 - pad);
		FUZZ_CHECK(out[n] == '\0');
		/* Encoded again and decoded once more: the same bytes. */
		if ((enc = malloc(size + 1)) == NULL ||
		    (back = malloc(cap)) == NULL)
			abort();
		k = EVP_EncodeBlock(enc, out, (int)n);
		FUZZ_CHECK(k >= 0 && (size_t)k == size);
		m = crypto_b64_decode((char *)enc, (size_t)k, back);
		FUZZ_CHECK(m == n && memcmp(back, out, (size_t)n) == 0);
		free(enc);
		free(back);
	}
	FUZZ_CHECK(crypto_equal(data, data, size));
	free(out);
	return 0;
}
