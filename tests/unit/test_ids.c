/*
 * test_ids.c -- the ID codec (kit/platform/id.go), plus the other small
 * parsers untrusted input goes through: util.c's integers and UTF-8, and
 * crypto.c's strict base64, digests and tokens (both linked, not included).
 */
#include "ids.c"

#include <limits.h>
#include <string.h>

#include "crypto.h"
#include "util.h"
#include "tap.h"

static void
test_id_parse(void)
{
	static const struct {
		int		 line;
		const char	*in;
		const char	*prefix;
		const char	*want;	/* the ID, or the message */
	} t[] = {
		{ __LINE__, "0000000000000001", NULL, "0000000000000001" },
		{ __LINE__, "0123456789abcdef", NULL, "0123456789abcdef" },
		{ __LINE__, "ffffffffffffffff", NULL, "ffffffffffffffff" },
		{ __LINE__, "0123456789ABCDEF", NULL, "0123456789abcdef" },
		{ __LINE__, "0A0b0C0d0E0f0000", NULL, "0a0b0c0d0e0f0000" },
		{ __LINE__, "000000000000001", NULL,
		  "id must have a length of 16 bytes" },
		{ __LINE__, "00000000000000001", NULL,
		  "id must have a length of 16 bytes" },
		{ __LINE__, "", NULL, "id must have a length of 16 bytes" },
		{ __LINE__, "000000000000000g", NULL, "invalid ID" },
		{ __LINE__, "0x00000000000001", NULL, "invalid ID" },
		{ __LINE__, "+000000000000001", NULL, "invalid ID" },
		{ __LINE__, "-000000000000001", NULL, "invalid ID" },
		{ __LINE__, " 000000000000001", NULL, "invalid ID" },
		{ __LINE__, "000000000000001 ", NULL, "invalid ID" },
		{ __LINE__, "00000000\xc3\xa9" "000000", NULL, "invalid ID" },
		{ __LINE__, "0000000000000000", NULL, "invalid ID" },
		{ __LINE__, "000000000000000g", "decoding after",
		  "decoding after: invalid ID" },
		{ __LINE__, "0000000000000000", "decoding after",
		  "decoding after: invalid ID" },
		{ __LINE__, "01", "decoding after",
		  "decoding after: id must have a length of 16 bytes" },
	};
	struct idstr	 id;
	struct apierr	 e;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int good = strchr(t[i].want, ' ') == NULL;

		memset(&e, 0, sizeof(e));
		memset(&id, 'X', sizeof(id));
		rc = id_parse(t[i].in, &id, t[i].prefix, &e);
		if (good) {
			is_int_at(t[i].line, rc, 0, "id_parse(\"%s\") accepts",
			    t[i].in);
			is_str_at(t[i].line, rc == 0 ? id.s : NULL, t[i].want,
			    "id_parse(\"%s\") gives \"%s\"", t[i].in,
			    t[i].want);
		} else {
			is_int_at(t[i].line, rc, -1, "id_parse(\"%s\") refuses",
			    t[i].in);
			is_int_at(t[i].line, e.code, APIERR_INVALID,
			    "id_parse(\"%s\") is 400 invalid", t[i].in);
			is_str_at(t[i].line, e.msg, t[i].want,
			    "id_parse(\"%s\") says \"%s\"", t[i].in, t[i].want);
		}
	}
	memset(&e, 0, sizeof(e));
	is_int(id_parse(NULL, &id, NULL, &e), -1, "id_parse(NULL) refuses");
	is_str(e.msg, "id must have a length of 16 bytes",
	    "id_parse(NULL) is a length error");

	is_int(id_is_canonical("00000000000000a1"), 1,
	    "a lowercase non-zero ID is canonical");
	is_int(id_is_canonical("00000000000000A1"), 0,
	    "an upper-case ID is not canonical");
	is_int(id_is_canonical("0000000000000000"), 0,
	    "the zero ID is not canonical");
	is_int(id_is_canonical("00000000000000a"), 0,
	    "a short ID is not canonical");
	is_int(id_is_canonical("00000000000000g1"), 0,
	    "a non-hex ID is not canonical");
	is_int(id_is_canonical(NULL), 0, "NULL is not canonical");
}

static void
test_parse_ll(void)
{
	static const struct {
		int		 line;
		const char	*in;
		long long	 min, max;
		int		 rc;
		long long	 want;
	} t[] = {
		{ __LINE__, "0", 0, 10, 0, 0 },
		{ __LINE__, "10", 0, 10, 0, 10 },
		{ __LINE__, "007", 0, 10, 0, 7 },
		{ __LINE__, "-5", -10, 10, 0, -5 },
		{ __LINE__, "11", 0, 10, -1, 0 },
		{ __LINE__, "-1", 0, 10, -1, 0 },
		{ __LINE__, "", 0, 10, -1, 0 },
		{ __LINE__, " 5", 0, 10, -1, 0 },
		{ __LINE__, "\t5", 0, 10, -1, 0 },
		{ __LINE__, "5 ", 0, 10, -1, 0 },
		{ __LINE__, "+5", 0, 10, -1, 0 },
		{ __LINE__, "-", -10, 10, -1, 0 },
		{ __LINE__, "--5", -10, 10, -1, 0 },
		{ __LINE__, "- 5", -10, 10, -1, 0 },
		{ __LINE__, "5x", 0, 10, -1, 0 },
		{ __LINE__, "0x5", 0, 10, -1, 0 },
		{ __LINE__, "1e3", 0, 10000, -1, 0 },
		{ __LINE__, "1.0", 0, 10, -1, 0 },
		{ __LINE__, "9223372036854775807", LLONG_MIN, LLONG_MAX, 0,
		  LLONG_MAX },
		{ __LINE__, "-9223372036854775808", LLONG_MIN, LLONG_MAX, 0,
		  LLONG_MIN },
		{ __LINE__, "9223372036854775808", LLONG_MIN, LLONG_MAX, -1,
		  0 },
		{ __LINE__, "-9223372036854775809", LLONG_MIN, LLONG_MAX, -1,
		  0 },
		{ __LINE__, "99999999999999999999999", LLONG_MIN, LLONG_MAX,
		  -1, 0 },
	};
	long long	 v;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 12345;
		is_int_at(t[i].line, util_parse_ll(t[i].in, t[i].min, t[i].max,
		    &v), t[i].rc, "util_parse_ll(\"%s\", %lld, %lld) %s",
		    t[i].in, t[i].min, t[i].max,
		    t[i].rc == 0 ? "accepts" : "refuses");
		is_int_at(t[i].line, v, t[i].rc == 0 ? t[i].want : 12345,
		    "util_parse_ll(\"%s\") %s", t[i].in, t[i].rc == 0 ?
		    "stores the value" : "leaves *out alone");
	}
	is_int(util_parse_ll(NULL, 0, 10, &v), -1,
	    "util_parse_ll(NULL) refuses");
}

static void
test_utf8(void)
{
	static const struct {
		int		 line;
		const char	*name;
		const char	*s;
		size_t		 n;
		int		 want;
	} t[] = {
#define S(x)	x, sizeof(x) - 1
		{ __LINE__, "ASCII", S("hello"), 1 },
		{ __LINE__, "the empty string", S(""), 1 },
		{ __LINE__, "2-byte U+00E9", S("\xc3\xa9"), 1 },
		{ __LINE__, "3-byte U+20AC", S("\xe2\x82\xac"), 1 },
		{ __LINE__, "4-byte U+1F600", S("\xf0\x9f\x98\x80"), 1 },
		{ __LINE__, "U+10FFFF", S("\xf4\x8f\xbf\xbf"), 1 },
		{ __LINE__, "U+D7FF", S("\xed\x9f\xbf"), 1 },
		{ __LINE__, "U+E000", S("\xee\x80\x80"), 1 },
		{ __LINE__, "overlong '/' in 2 bytes", S("\xc0\xaf"), 0 },
		{ __LINE__, "overlong U+007F in 2 bytes", S("\xc1\xbf"), 0 },
		{ __LINE__, "overlong '/' in 3 bytes", S("\xe0\x80\xaf"), 0 },
		{ __LINE__, "overlong U+07FF in 3 bytes", S("\xe0\x9f\xbf"),
		  0 },
		{ __LINE__, "overlong '/' in 4 bytes", S("\xf0\x80\x80\xaf"),
		  0 },
		{ __LINE__, "overlong U+FFFF in 4 bytes", S("\xf0\x8f\xbf\xbf"),
		  0 },
		{ __LINE__, "high surrogate U+D800", S("\xed\xa0\x80"), 0 },
		{ __LINE__, "low surrogate U+DFFF", S("\xed\xbf\xbf"), 0 },
		{ __LINE__, "U+110000", S("\xf4\x90\x80\x80"), 0 },
		{ __LINE__, "lead byte 0xF5", S("\xf5\x80\x80\x80"), 0 },
		{ __LINE__, "lead byte 0xF8", S("\xf8\x88\x80\x80\x80"), 0 },
		{ __LINE__, "lead byte 0xFF", S("\xff"), 0 },
		{ __LINE__, "a lone continuation byte", S("a\x80"), 0 },
		{ __LINE__, "a truncated 2-byte sequence", S("a\xc3"), 0 },
		{ __LINE__, "a truncated 3-byte sequence", S("\xe2\x82"), 0 },
		{ __LINE__, "a truncated 4-byte sequence", S("\xf0\x9f\x98"),
		  0 },
		{ __LINE__, "a sequence cut by ASCII", S("\xe2\x82" "a"), 0 },
		{ __LINE__, "a NUL byte", S("a\0b"), 0 },
		{ __LINE__, "a sequence cut by n", "\xc3\xa9", 1, 0 },
#undef S
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_int_at(t[i].line, util_utf8_valid(t[i].s, t[i].n), t[i].want,
		    "util_utf8_valid: %s is %s", t[i].name,
		    t[i].want ? "valid" : "invalid");
}

static void
test_name_valid(void)
{
	static const struct {
		int		 line;
		const char	*name;
		const char	*s;
		size_t		 n;
		int		 want;
	} t[] = {
#define S(x)	x, sizeof(x) - 1
		{ __LINE__, "printable ASCII", S("plain text"), 1 },
		{ __LINE__, "the empty string", S(""), 1 },
		{ __LINE__, "2-byte letters", S("\xc3\xa9t\xc3\xa9"), 1 },
		{ __LINE__, "U+00A0, past C1", S("a\xc2\xa0"), 1 },
		{ __LINE__, "U+FFFD", S("a\xef\xbf\xbd"), 1 },
		{ __LINE__, "U+1F600", S("\xf0\x9f\x98\x80"), 1 },
		{ __LINE__, "U+2027, before the separators", S("\xe2\x80\xa7"),
		  1 },
		{ __LINE__, "U+202F, after the overrides", S("\xe2\x80\xaf"), 1 },
		{ __LINE__, "U+2065, before the isolates", S("\xe2\x81\xa5"),
		  1 },
		{ __LINE__, "U+206A, after the isolates", S("\xe2\x81\xaa"), 1 },
		{ __LINE__, "TAB", S("a\tb"), 0 },
		{ __LINE__, "CR LF", S("a\r\nb"), 0 },
		{ __LINE__, "0x1F", S("\x1f"), 0 },
		{ __LINE__, "DEL", S("a\x7f"), 0 },
		{ __LINE__, "NUL within n", S("a\0b"), 0 },
		{ __LINE__, "U+0080, first C1", S("a\xc2\x80"), 0 },
		{ __LINE__, "U+0085, NEL", S("a\xc2\x85" "b"), 0 },
		{ __LINE__, "U+009F, last C1", S("\xc2\x9f"), 0 },
		{ __LINE__, "U+2028", S("a\xe2\x80\xa8"), 0 },
		{ __LINE__, "U+2029", S("\xe2\x80\xa9" "b"), 0 },
		{ __LINE__, "U+202A", S("\xe2\x80\xaa"), 0 },
		{ __LINE__, "U+202E", S("admin\xe2\x80\xaegnp"), 0 },
		{ __LINE__, "U+2066", S("\xe2\x81\xa6"), 0 },
		{ __LINE__, "U+2069", S("\xe2\x81\xa9"), 0 },
		{ __LINE__, "an encoded surrogate", S("\xed\xa0\x80"), 0 },
		{ __LINE__, "invalid UTF-8", S("a\xff"), 0 },
		{ __LINE__, "an overlong C1", S("\xe0\x82\x85"), 0 },
#undef S
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_int_at(t[i].line, util_name_valid(t[i].s, t[i].n), t[i].want,
		    "util_name_valid: %s is %s", t[i].name,
		    t[i].want ? "allowed" : "refused");
	is_int(util_name_valid("ab\n", 2), 1,
	    "util_name_valid: looks at n bytes only");
	is_int(util_name_valid("\xc2\x85", 1), 0,
	    "util_name_valid: a sequence cut by n is refused");
}

static void
test_b64(void)
{
	static const struct {
		int		 line;
		const char	*in;
		long		 rc;
		const char	*want;
	} t[] = {
		{ __LINE__, "", 0, "" },
		{ __LINE__, "YQ==", 1, "a" },
		{ __LINE__, "YWI=", 2, "ab" },
		{ __LINE__, "YWJj", 3, "abc" },
		{ __LINE__, "YWJjZA==", 4, "abcd" },
		{ __LINE__, "dXNlcjpwYXNz", 9, "user:pass" },
		{ __LINE__, "Pz8/Pj4+", 6, "\x3f\x3f\x3f>>>" },
		{ __LINE__, "YQ=", -1, NULL },
		{ __LINE__, "YQ", -1, NULL },
		{ __LINE__, "YWJjZ", -1, NULL },
		{ __LINE__, "Y===", -1, NULL },
		{ __LINE__, "====", -1, NULL },
		{ __LINE__, "=YWJ", -1, NULL },
		{ __LINE__, "YQ=A", -1, NULL },
		{ __LINE__, "YQ==YQ==", -1, NULL },
		{ __LINE__, "YW=j", -1, NULL },
		{ __LINE__, "YW J", -1, NULL },
		{ __LINE__, "YWJ\n", -1, NULL },
		{ __LINE__, "YW-_", -1, NULL },
		{ __LINE__, "YW.j", -1, NULL },
		{ __LINE__, "YWJ\x80", -1, NULL },
	};
	unsigned char	 out[64];
	size_t		 i;
	long		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(out, 'X', sizeof(out));
		rc = crypto_b64_decode(t[i].in, strlen(t[i].in), out);
		is_int_at(t[i].line, rc, t[i].rc,
		    "crypto_b64_decode(\"%s\") returns %ld", t[i].in, t[i].rc);
		if (t[i].want != NULL)
			ok_at(t[i].line, rc >= 0 && memcmp(out, t[i].want,
			    strlen(t[i].want) + 1) == 0,
			    "crypto_b64_decode(\"%s\") gives \"%s\", "
			    "NUL-terminated", t[i].in, t[i].want);
	}
	memset(out, 'X', sizeof(out));
	rc = crypto_b64_decode("AGEA", 4, out);
	ok(rc == 3 && memcmp(out, "\0a\0", 3) == 0,
	    "crypto_b64_decode keeps NUL bytes (\"AGEA\" is 00 61 00)");
	rc = crypto_b64_decode("YWJjYWJj", 4, out);
	ok(rc == 3 && memcmp(out, "abc", 4) == 0,
	    "crypto_b64_decode stops at inlen");
}

static void
test_digest_token(void)
{
	char	 hex[SHA256_HEX_LEN + 1];
	char	 t1[TOKEN_LEN + 1], t2[TOKEN_LEN + 1];
	char	 buf[8];
	size_t	 i, bad = 0, eq = 0;

	crypto_sha256_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad", "sha256(\"abc\")");
	crypto_sha256_hex("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855", "sha256(\"\")");

	memset(t1, 'X', sizeof(t1));
	is_int(crypto_new_token(t1), 0, "crypto_new_token succeeds");
	is_int(strlen(t1), TOKEN_LEN, "a token has 88 characters");
	for (i = 0; i < TOKEN_LEN - 2; i++)
		if (!((t1[i] >= 'A' && t1[i] <= 'Z') ||
		    (t1[i] >= 'a' && t1[i] <= 'z') ||
		    (t1[i] >= '0' && t1[i] <= '9') || t1[i] == '-' ||
		    t1[i] == '_'))
			bad++;
	is_int(bad, 0, "a token's first 86 characters are base64url");
	is_str(t1 + TOKEN_LEN - 2, "==", "a token ends with \"==\" padding");
	is_int(crypto_new_token(t2), 0, "a second crypto_new_token succeeds");
	ok(strcmp(t1, t2) != 0, "two tokens differ");

	is_int(crypto_equal("secret-a", "secret-a", 8), 1,
	    "crypto_equal: equal buffers");
	is_int(crypto_equal("secret-a", "secret-b", 8), 0,
	    "crypto_equal: differing last byte");
	is_int(crypto_equal("Xecret-a", "secret-a", 8), 0,
	    "crypto_equal: differing first byte");
	is_int(crypto_equal("abc", "abd", 2), 1,
	    "crypto_equal: compares n bytes only");
	is_int(crypto_equal("a", "b", 0), 1, "crypto_equal: n = 0 is equal");

	memcpy(buf, "secret!", 8);
	crypto_wipe(buf, sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] == 0)
			eq++;
	is_int(eq, sizeof(buf), "crypto_wipe zeroes the buffer");
}

static void
test_addr_key(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 bits;
		int		 rc;
		const char	*want;
	} t[] = {
		{ __LINE__, "192.0.2.7", 64, 0, "192.0.2.7" },
		{ __LINE__, "::ffff:192.0.2.7", 64, 0, "192.0.2.7" },
		{ __LINE__, "::FFFF:c000:0207", 48, 0, "192.0.2.7" },
		{ __LINE__, "2001:db8:1:2:3:4:5:6", 64, 1, "2001:db8:1:2::/64" },
		{ __LINE__, "2001:db8:1:2::ffff", 64, 1, "2001:db8:1:2::/64" },
		{ __LINE__, "2001:db8:1:2:3:4:5:6", 48, 1, "2001:db8:1::/48" },
		{ __LINE__, "2001:db8:1:ff00::1", 56, 1, "2001:db8:1:ff00::/56" },
		{ __LINE__, "2001:db8:1:ffff::1", 60, 1, "2001:db8:1:fff0::/60" },
		{ __LINE__, "::1", 64, 1, "::/64" },
		{ __LINE__, "::1", 128, 1, "::1/128" },
		/* Not IPv4 inside IPv6 unless mapped: a /64 like any other. */
		{ __LINE__, "::192.0.2.7", 64, 1, "::/64" },
		{ __LINE__, "-", 64, -1, "" },
		{ __LINE__, "", 64, -1, "" },
		{ __LINE__, "192.0.2.7x", 64, -1, "" },
		{ __LINE__, "2001:db8::1", 0, -1, "" },
		{ __LINE__, "2001:db8::1", 129, -1, "" },
	};
	char	 out[UTIL_ADDR_KEY_MAX];
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = util_addr_key(t[i].in, t[i].bits, out);
		ok(rc == t[i].rc && strcmp(out, t[i].want) == 0,
		    "line %d: \"%s\" /%d -> %d \"%s\" (got %d \"%s\")",
		    t[i].line, t[i].in, t[i].bits, t[i].rc, t[i].want, rc, out);
	}
}

int
main(void)
{
	test_id_parse();
	test_parse_ll();
	test_utf8();
	test_name_valid();
	test_b64();
	test_digest_token();
	test_addr_key();
	return done_testing();
}
