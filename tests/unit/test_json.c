/*
 * test_json.c -- the JSON codec: decoders refuse what InfluxDB refuses with
 * 400 `invalid`, and encoders produce InfluxDB's exact bytes.
 */
#include "json.c"

#include <string.h>

#include "tap.h"

#define U1	"0000000000000001"
#define O1	"00000000000000a1"

#define EOI	"request body is not valid JSON: unexpected end of input"

static struct arena	*A;

#define NULMSG	"request body must not hold NUL characters (\\u0000)"
#define SURMSG	"request body must not hold lone surrogates (a " \
		"\\uD800-\\uDFFF escape outside a high-low pair)"

static void
test_parse_errors(void)
{
	static const struct {
		int		 line;
		const char	*name;
		const char	*body;
		size_t		 len;	/* 0: strlen(body) */
		const char	*msg;	/* NULL: accepted */
		int		 prefix;	/* msg is a prefix only */
	} t[] = {
		{ __LINE__, "an empty body", "", 0,
		  "request body is empty", 0 },
		{ __LINE__, "a body of only spaces", "   ", 0, EOI, 0 },
		{ __LINE__, "\"not json\"", "not json", 0,
		  "request body is not valid JSON: ", 1 },
		{ __LINE__, "\"{\"", "{", 0, EOI, 0 },
		{ __LINE__, "an unterminated string", "{\"name\":\"a", 0, EOI,
		  0 },
		{ __LINE__, "an array", "[]", 0,
		  "request body must be a JSON object", 0 },
		{ __LINE__, "a string", "\"name\"", 0,
		  "request body must be a JSON object", 0 },
		{ __LINE__, "a number", "5", 0,
		  "request body must be a JSON object", 0 },
		{ __LINE__, "a number and a newline", "5\n", 0,
		  "request body must be a JSON object", 0 },
		{ __LINE__, "null", "null", 0,
		  "request body must be a JSON object", 0 },
		/* json-c (strict) or json.c may catch these: either message. */
		{ __LINE__, "trailing garbage", "{\"name\":\"a\"} x", 0,
		  "request body ", 1 },
		{ __LINE__, "a second object", "{\"name\":\"a\"}{}", 0,
		  "request body ", 1 },
		{ __LINE__, "a raw NUL then garbage", "{}\0x", 4,
		  "request body ", 1 },
		{ __LINE__, "a raw NUL after the object", "{}\0", 3,
		  "request body ", 1 },
		{ __LINE__, "single quotes (strict mode)", "{'name':'a'}", 0,
		  "request body is not valid JSON: ", 1 },
		{ __LINE__, "a trailing comma (strict mode)",
		  "{\"name\":\"a\",}", 0,
		  "request body is not valid JSON: ", 1 },
		{ __LINE__, "a comment", "{/* c */}", 0,
		  "request body is not valid JSON: ", 1 },
		{ __LINE__, "invalid UTF-8 in a string",
		  "{\"name\":\"\xff\"}", 0,
		  "request body is not valid UTF-8 or holds NUL bytes", 0 },
		{ __LINE__, "an overlong UTF-8 sequence",
		  "{\"name\":\"\xc0\xaf\"}", 0,
		  "request body ", 1 },
		{ __LINE__, "a UTF-8 surrogate (U+D800)",
		  "{\"name\":\"\xed\xa0\x80\"}", 0,
		  "request body ", 1 },
		{ __LINE__, "UTF-8 past U+10FFFF",
		  "{\"status\":\"\xf4\x90\x80\x80\"}", 0,
		  "request body ", 1 },
		{ __LINE__, "invalid UTF-8 in an unknown key",
		  "{\"\xfe\":1}", 0,
		  "request body is not valid UTF-8 or holds NUL bytes", 0 },
		{ __LINE__, "\\u0000 inside a string",
		  "{\"name\":\"a\\u0000b\"}", 0,
		  NULMSG, 0 },
		{ __LINE__, "\\u0000 inside an unknown key",
		  "{\"name\":\"a\",\"x\\u0000\":1}", 0, NULMSG, 0 },
		{ __LINE__, "nesting 20 deep",
		  "{\"a\":[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", 0,
		  "request body is not valid JSON: ", 1 },
		{ __LINE__, "trailing whitespace", "{\"name\":\"a\"} \t\r\n", 0,
		  NULL, 0 },
		{ __LINE__, "leading whitespace", "\n {\"name\":\"a\"}", 0,
		  NULL, 0 },
		{ __LINE__, "nesting 4 deep in an unknown key",
		  "{\"a\":[[[1]]],\"name\":\"a\"}", 0, NULL, 0 },
		{ __LINE__, "len shorter than the buffer",
		  "{\"name\":\"a\"}GARBAGE", 12, NULL, 0 },
	};
	struct user_in	 u;
	struct apierr	 e;
	size_t		 i, len;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = t[i].len ? t[i].len : strlen(t[i].body);
		memset(&e, 0, sizeof(e));
		rc = json_user_decode(A, t[i].body, len, &u, &e);
		if (t[i].msg == NULL) {
			is_int_at(t[i].line, rc, 0, "decode accepts %s",
			    t[i].name);
			is_str_at(t[i].line, u.name, "a",
			    "decode of %s reads the name", t[i].name);
			continue;
		}
		is_int_at(t[i].line, rc, -1, "decode refuses %s", t[i].name);
		is_int_at(t[i].line, e.code, APIERR_INVALID,
		    "decode of %s is 400 invalid", t[i].name);
		if (t[i].prefix)
			ok_at(t[i].line, strncmp(e.msg, t[i].msg,
			    strlen(t[i].msg)) == 0 &&
			    strlen(e.msg) > strlen(t[i].msg),
			    "decode of %s says \"%s...\" (got \"%s\")",
			    t[i].name, t[i].msg, e.msg);
		else
			is_str_at(t[i].line, e.msg, t[i].msg,
			    "decode of %s says \"%s\"", t[i].name, t[i].msg);
	}
	memset(&e, 0, sizeof(e));
	is_int(json_user_decode(A, NULL, 0, &u, &e), -1,
	    "decode refuses a NULL body");
	is_str(e.msg, "request body is empty", "a NULL body is empty");
}

static void
test_user_decode(void)
{
	struct user_in	 u;
	struct apierr	 e;
	const char	*b;

	b = "{\"id\":\"" U1 "\",\"name\":\"alice\",\"status\":\"active\"}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), 0,
	    "user: all fields decode");
	ok(u.id != NULL && strcmp(u.id, U1) == 0 && u.name != NULL &&
	    strcmp(u.name, "alice") == 0 && u.status != NULL &&
	    strcmp(u.status, "active") == 0 && u.has_name == 1,
	    "user: id, name, status and has_name are set");

	b = "{\"NAME\":\"bob\",\"Status\":\"inactive\"}";
	json_user_decode(A, b, strlen(b), &u, &e);
	is_str(u.name, "bob", "user: key \"NAME\" matches name");
	is_str(u.status, "inactive", "user: key \"Status\" matches status");

	b = "{\"NAME\":\"upper\",\"name\":\"exact\"}";
	json_user_decode(A, b, strlen(b), &u, &e);
	is_str(u.name, "exact", "user: an exact-case key wins over another");

	b = "{\"name\":null,\"status\":null}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), 0,
	    "user: null values decode");
	ok(u.name == NULL && u.has_name == 0 && u.status == NULL,
	    "user: null is treated as absent");

	b = "{\"name\":\"\"}";
	json_user_decode(A, b, strlen(b), &u, &e);
	ok(u.name != NULL && *u.name == '\0' && u.has_name == 1,
	    "user: an empty name is present (has_name) and \"\"");

	b = "{}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), 0,
	    "user: an empty object decodes");
	ok(u.id == NULL && u.name == NULL && u.status == NULL &&
	    u.has_name == 0, "user: an empty object sets nothing");

	b = "{\"name\":\"a\",\"foo\":[1,{\"x\":null}],\"links\":{}}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), 0,
	    "user: unknown keys are ignored");

	b = "{\"name\":5}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), -1,
	    "user: a number name is refused");
	is_str(e.msg, "field \"name\" must be a string",
	    "user: `field \"name\" must be a string`");
	b = "{\"status\":true}";
	json_user_decode(A, b, strlen(b), &u, &e);
	is_str(e.msg, "field \"status\" must be a string",
	    "user: a boolean status is refused");
	b = "{\"id\":{}}";
	json_user_decode(A, b, strlen(b), &u, &e);
	is_str(e.msg, "field \"id\" must be a string",
	    "user: an object id is refused");
	b = "{\"name\":[\"a\"]}";
	json_user_decode(A, b, strlen(b), &u, &e);
	is_str(e.msg, "field \"name\" must be a string",
	    "user: an array name is refused");

	b = "{\"name\":\"caf\\u00e9 \xc3\xa9 \\ud83d\\ude00\"}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), 0,
	    "user: escapes and raw UTF-8 decode");
	is_str(u.name, "caf\xc3\xa9 \xc3\xa9 \xf0\x9f\x98\x80",
	    "user: \\u escapes and surrogate pairs become UTF-8");
	b = "{\"name\":\"a\\ud800b\"}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), -1,
	    "user: a lone \\ud800 escape is refused, not made U+FFFD");
	is_str(e.msg, SURMSG, "user: a lone \\ud800 says lone surrogate");
	b = "{\"name\":\"a\\ufffd\"}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), 0,
	    "user: a \\ufffd escape decodes");
	is_str(u.name, "a\xef\xbf\xbd", "user: \\ufffd is U+FFFD");
}

static void
test_password_decode(void)
{
	struct apierr	 e;
	char		*pw;
	const char	*b;

	b = "{\"password\":\"s3cret\\\"x\"}";
	is_int(json_password_decode(A, b, strlen(b), &pw, &e), 0,
	    "password: decodes");
	is_str(pw, "s3cret\"x", "password: the value, unescaped");
	b = "{\"Password\":\"p\"}";
	json_password_decode(A, b, strlen(b), &pw, &e);
	is_str(pw, "p", "password: the key is case-insensitive");
	b = "{}";
	is_int(json_password_decode(A, b, strlen(b), &pw, &e), 0,
	    "password: absent decodes");
	is_str(pw, NULL, "password: absent is NULL");
	b = "{\"password\":123}";
	is_int(json_password_decode(A, b, strlen(b), &pw, &e), -1,
	    "password: a number is refused");
	is_str(e.msg, "field \"password\" must be a string",
	    "password: `field \"password\" must be a string`");
}

static void
test_setup_decode(void)
{
	static const struct {
		int		 line;
		const char	*body;
		int		 rc;
		long long	 retention;
		const char	*msg;
	} t[] = {
		{ __LINE__, "{}", 0, 0, NULL },
		{ __LINE__, "{\"retentionPeriodSeconds\":3600}", 0, 3600,
		  NULL },
		{ __LINE__, "{\"retentionPeriodSeconds\":0}", 0, 0, NULL },
		{ __LINE__, "{\"retentionPeriodHrs\":7200000000000}", 0, 7200,
		  NULL },
		{ __LINE__, "{\"retentionPeriodSeconds\":60,"
		  "\"retentionPeriodHrs\":7200000000000}", 0, 60, NULL },
		{ __LINE__, "{\"retentionperiodseconds\":90}", 0, 90, NULL },
		{ __LINE__, "{\"retentionPeriodSeconds\":null}", 0, 0, NULL },
		{ __LINE__, "{\"retentionPeriodSeconds\":-1}", -1, 0,
		  "retentionPeriodSeconds must not be negative" },
		{ __LINE__, "{\"retentionPeriodSeconds\":\"3600\"}", -1, 0,
		  "field \"retentionPeriodSeconds\" must be an integer" },
		{ __LINE__, "{\"retentionPeriodSeconds\":1.5}", -1, 0,
		  "field \"retentionPeriodSeconds\" must be an integer" },
		{ __LINE__, "{\"retentionPeriodHrs\":true}", -1, 0,
		  "field \"retentionPeriodHrs\" must be an integer" },
		{ __LINE__, "{\"org\":7}", -1, 0,
		  "field \"org\" must be a string" },
	};
	struct setup_in	 s;
	struct apierr	 e;
	const char	*b;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&e, 0, sizeof(e));
		rc = json_setup_decode(A, t[i].body, strlen(t[i].body), &s, &e);
		is_int_at(t[i].line, rc, t[i].rc, "setup %s %s", t[i].body,
		    t[i].rc == 0 ? "decodes" : "is refused");
		if (t[i].rc == 0)
			is_int_at(t[i].line, s.retention, t[i].retention,
			    "setup %s: retention %lld s", t[i].body,
			    t[i].retention);
		else
			is_str_at(t[i].line, e.msg, t[i].msg,
			    "setup %s says \"%s\"", t[i].body,
			    t[i].msg ? t[i].msg : "");
	}
	b = "{\"username\":\"admin\",\"password\":\"pw12345678\","
	    "\"org\":\"acme\",\"bucket\":\"data\",\"token\":\"tok\"}";
	is_int(json_setup_decode(A, b, strlen(b), &s, &e), 0,
	    "setup: all strings decode");
	ok(s.username != NULL && strcmp(s.username, "admin") == 0 &&
	    s.password != NULL && strcmp(s.password, "pw12345678") == 0 &&
	    s.org != NULL && strcmp(s.org, "acme") == 0 && s.bucket != NULL &&
	    strcmp(s.bucket, "data") == 0 && s.token != NULL &&
	    strcmp(s.token, "tok") == 0,
	    "setup: username, password, org, bucket and token are set");
}

static void
test_authz_decode(void)
{
	static const struct {
		int		 line;
		const char	*perms;	/* the "permissions" value */
		const char	*msg;	/* NULL: accepted */
	} t[] = {
		{ __LINE__, "[{\"action\":\"delete\","
		  "\"resource\":{\"type\":\"users\"}}]",
		  "invalid action type for permission: unknown action for "
		  "permission" },
		{ __LINE__, "[{\"resource\":{\"type\":\"users\"}}]",
		  "invalid action type for permission: unknown action for "
		  "permission" },
		{ __LINE__, "[{\"action\":1,"
		  "\"resource\":{\"type\":\"users\"}}]",
		  "invalid action type for permission: unknown action for "
		  "permission" },
		{ __LINE__, "[{\"action\":\"read\","
		  "\"resource\":{\"type\":\"widgets\"}}]",
		  "invalid resource type for permission: unknown resource "
		  "type for permission" },
		{ __LINE__, "[{\"action\":\"read\"}]",
		  "invalid resource type for permission: unknown resource "
		  "type for permission" },
		{ __LINE__, "[{\"action\":\"read\",\"resource\":{}}]",
		  "invalid resource type for permission: unknown resource "
		  "type for permission" },
		{ __LINE__, "[{\"action\":\"read\","
		  "\"resource\":{\"type\":\"users\",\"id\":\"123\"}}]",
		  "invalid id for permission: id must have a length of 16 "
		  "bytes" },
		{ __LINE__, "[{\"action\":\"read\","
		  "\"resource\":{\"type\":\"users\",\"id\":5}}]",
		  "invalid id for permission: id must have a length of 16 "
		  "bytes" },
		{ __LINE__, "[{\"action\":\"read\",\"resource\":"
		  "{\"type\":\"users\",\"id\":\"0000000000000000\"}}]",
		  "invalid id for permission: invalid ID" },
		{ __LINE__, "[{\"action\":\"read\",\"resource\":"
		  "{\"type\":\"buckets\",\"orgID\":\"zzzzzzzzzzzzzzzz\"}}]",
		  "invalid org id for permission: invalid ID" },
		{ __LINE__, "[{\"action\":\"read\",\"resource\":"
		  "{\"type\":\"buckets\",\"orgID\":\"\"}}]",
		  "invalid org id for permission: id must have a length of 16 "
		  "bytes" },
		{ __LINE__, "[\"read:users\"]",
		  "each permission must be a JSON object" },
		{ __LINE__, "{}", "field \"permissions\" must be an array" },
		{ __LINE__, "\"read:users\"",
		  "field \"permissions\" must be an array" },
		{ __LINE__, "[]", NULL },
		{ __LINE__, "null", NULL },
	};
	struct authz_in	 in;
	struct apierr	 e;
	char		 body[1024];
	struct abuf	 big;
	const char	*b;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(body, sizeof(body), "{\"orgID\":\"" O1 "\","
		    "\"permissions\":%s}", t[i].perms);
		memset(&e, 0, sizeof(e));
		rc = json_authz_decode(A, body, strlen(body), 1, &in, &e);
		if (t[i].msg == NULL) {
			is_int_at(t[i].line, rc, 0,
			    "authz: permissions %s decode", t[i].perms);
			continue;
		}
		is_int_at(t[i].line, rc, -1, "authz: permissions %s refused",
		    t[i].perms);
		is_str_at(t[i].line, e.msg, t[i].msg,
		    "authz: permissions %s say \"%s\"", t[i].perms, t[i].msg);
	}

	b = "{\"orgID\":\"" O1 "\",\"userID\":\"" U1 "\","
	    "\"description\":\"ci\",\"status\":\"active\",\"permissions\":["
	    "{\"action\":\"read\",\"resource\":{\"type\":\"users\"}},"
	    "{\"action\":\"write\",\"resource\":{\"type\":\"buckets\","
	    "\"orgID\":\"00000000000000A1\",\"id\":\"00000000000000B1\"}}]}";
	is_int(json_authz_decode(A, b, strlen(b), 1, &in, &e), 0,
	    "authz: a full body decodes");
	is_str(in.org_id, O1, "authz: orgID");
	is_str(in.user_id, U1, "authz: userID");
	is_str(in.description, "ci", "authz: description");
	is_str(in.status, "active", "authz: status");
	ok(in.has_perms == 1 && in.nperms == 2, "authz: two permissions");
	ok(in.nperms == 2 && in.perms[0].action == ACT_READ &&
	    in.perms[0].type == RT_USERS && in.perms[0].id[0] == '\0' &&
	    in.perms[0].org[0] == '\0', "authz: read:users");
	ok(in.nperms == 2 && in.perms[1].action == ACT_WRITE &&
	    in.perms[1].type == RT_BUCKETS &&
	    strcmp(in.perms[1].id, "00000000000000b1") == 0 &&
	    strcmp(in.perms[1].org, "00000000000000a1") == 0,
	    "authz: upper-case ids are accepted and lowered");

	b = "{\"description\":\"x\"}";
	json_authz_decode(A, b, strlen(b), 1, &in, &e);
	ok(in.has_perms == 0 && in.nperms == 0 && in.perms == NULL,
	    "authz: absent permissions are not has_perms");

	b = "{\"status\":\"inactive\",\"orgID\":5,\"permissions\":7}";
	is_int(json_authz_decode(A, b, strlen(b), 0, &in, &e), 0,
	    "authz PATCH: orgID and permissions are not read");
	is_str(in.status, "inactive", "authz PATCH: status");
	ok(in.org_id == NULL && in.has_perms == 0,
	    "authz PATCH: nothing but status and description is set");
	b = "{\"status\":1}";
	is_int(json_authz_decode(A, b, strlen(b), 0, &in, &e), -1,
	    "authz PATCH: a number status is refused");

	abuf_init(&big, A, 16384);
	abuf_adds(&big, "{\"permissions\":[");
	for (i = 0; i < 257; i++)
		abuf_printf(&big, "%s{\"action\":\"read\",\"resource\":"
		    "{\"type\":\"users\"}}", i ? "," : "");
	abuf_adds(&big, "]}");
	is_int(json_authz_decode(A, big.data, big.len, 1, &in, &e), -1,
	    "authz: 257 permissions are refused");
	is_str(e.msg, "an authorization holds at most 256 permissions",
	    "authz: at most 256 permissions");
}

/*
 * An escaped NUL is refused wherever it is (issue #13): json-c hands keys
 * and permission strings on as C strings, which would end at the NUL.
 */
static void
test_nul_escapes(void)
{
	static const struct {
		int		 line;
		const char	*body;
	} t[] = {
		{ __LINE__, "{\"permissions\":[{\"action\":\"read\\u0000junk\","
		  "\"resource\":{\"type\":\"users\"}}]}" },
		{ __LINE__, "{\"permissions\":[{\"action\":\"read\","
		  "\"resource\":{\"type\":\"users\\u0000x\"}}]}" },
		{ __LINE__, "{\"permissions\":[{\"action\":\"read\","
		  "\"resource\":{\"type\":\"users\","
		  "\"id\":\"" U1 "\\u0000\"}}]}" },
		{ __LINE__, "{\"permissions\":[{\"action\":\"read\","
		  "\"resource\":{\"type\":\"buckets\","
		  "\"orgID\":\"" O1 "\\u0000zz\"}}]}" },
		{ __LINE__, "{\"permissions\":[{\"action\\u0000x\":\"read\","
		  "\"resource\":{\"type\":\"users\"}}]}" },
		{ __LINE__, "{\"orgID\\u0000\":\"" O1 "\"}" },
		{ __LINE__, "{\"description\":\"\\u0000\"}" },
	};
	struct authz_in	 in;
	struct user_in	 u;
	struct org_in	 o;
	struct apierr	 e;
	const char	*b, *id, *name;
	char		*pw;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&e, 0, sizeof(e));
		is_int_at(t[i].line, json_authz_decode(A, t[i].body,
		    strlen(t[i].body), 1, &in, &e), -1,
		    "authz: %s is refused", t[i].body);
		is_int_at(t[i].line, e.code, APIERR_INVALID,
		    "authz: %s is 400 invalid", t[i].body);
		is_str_at(t[i].line, e.msg, NULMSG,
		    "authz: %s says NUL", t[i].body);
	}

	b = "{\"name\\u0000junk\":\"alice\"}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), -1,
	    "user: a key \"name\\u0000junk\" does not read as name");
	is_int(json_org_decode(A, b, strlen(b), &o, &e), -1,
	    "org: a key \"name\\u0000junk\" does not read as name");
	b = "{\"id\":\"" U1 "\\u0000\"}";
	is_int(json_member_decode(A, b, strlen(b), &id, &name, &e), -1,
	    "member: an id with \\u0000 is refused");
	b = "{\"password\":\"secret12\\u0000\"}";
	is_int(json_password_decode(A, b, strlen(b), &pw, &e), -1,
	    "password: a password with \\u0000 is refused");
	is_str(e.msg, NULMSG, "password: with \\u0000 says NUL");

	/* An escaped backslash before "u0000" is text, not an escape. */
	b = "{\"name\":\"a\\\\u0000\"}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), 0,
	    "user: \"a\\\\u0000\" (an escaped backslash) decodes");
	is_str(u.name, "a\\u0000", "user: it reads as a\\u0000");
	b = "{\"name\":\"\\u0001\\u00e9\"}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), 0,
	    "user: other \\u escapes still decode");
}

/*
 * The scanner of parse_object on raw JSON text: escapes json-c would turn
 * into something else are found before it decodes them.  A lone surrogate
 * would become U+FFFD, so "\\ud800" and "\\ufffd" would be one name.
 */
static void
test_bad_escape(void)
{
	static const struct {
		int		 line;
		const char	*text;
		enum badesc	 want;
	} t[] = {
		{ __LINE__, "", ESC_OK },
		{ __LINE__, "\"plain\"", ESC_OK },
		{ __LINE__, "\"\\u00e9\\n\\\"\"", ESC_OK },
		{ __LINE__, "\"\\ufffd\"", ESC_OK },
		{ __LINE__, "\"\\ud7ff\\ue000\"", ESC_OK },
		{ __LINE__, "\"\\ud83d\\ude00\"", ESC_OK },
		{ __LINE__, "\"\\uD83D\\uDE00\"", ESC_OK },
		{ __LINE__, "\"\\ud800\\udc00\"", ESC_OK },
		{ __LINE__, "\"\\udbff\\udfff\"", ESC_OK },
		{ __LINE__, "\"\\ud83d\\ude00\\ud83d\\ude00\"", ESC_OK },
		{ __LINE__, "\"\\u0000\"", ESC_NUL },
		{ __LINE__, "\"\\ud800\"", ESC_SURROGATE },
		{ __LINE__, "\"\\uD800\"", ESC_SURROGATE },
		{ __LINE__, "\"\\udbff\"", ESC_SURROGATE },
		{ __LINE__, "\"\\udc00\"", ESC_SURROGATE },
		{ __LINE__, "\"\\udfff\"", ESC_SURROGATE },
		{ __LINE__, "\"\\ud800x\"", ESC_SURROGATE },
		{ __LINE__, "\"\\ud800\\u0041\"", ESC_SURROGATE },
		{ __LINE__, "\"\\ud800\\ud800\"", ESC_SURROGATE },
		{ __LINE__, "\"\\ud800\\ue000\"", ESC_SURROGATE },
		{ __LINE__, "\"\\ud800\\\\udc00\"", ESC_SURROGATE },
		{ __LINE__, "\"\\udc00\\ud800\"", ESC_SURROGATE },
		{ __LINE__, "\"\\ud83d\\ude00\\ude00\"", ESC_SURROGATE },
		{ __LINE__, "\"\\ud800\\u0000\"", ESC_SURROGATE },
		/* An escaped backslash: the text \ud800, not an escape. */
		{ __LINE__, "\"\\\\ud800\"", ESC_OK },
		{ __LINE__, "\"\\\\udc00\"", ESC_OK },
		{ __LINE__, "\"\\\\\\ud800\"", ESC_SURROGATE },
		{ __LINE__, "\"\\\\\\\\ud800\"", ESC_OK },
		/* Cut short: json-c refuses these, the scanner reads on. */
		{ __LINE__, "\"\\ud8", ESC_OK },
		{ __LINE__, "\"\\ud800\\u", ESC_SURROGATE },
		{ __LINE__, "\\ud800", ESC_SURROGATE },
		{ __LINE__, "\"\\uzzzz\"", ESC_OK },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_int_at(t[i].line, bad_escape(t[i].text, strlen(t[i].text)),
		    t[i].want, "bad_escape(%s) is %s", t[i].text,
		    t[i].want == ESC_OK ? "OK" : t[i].want == ESC_NUL ?
		    "NUL" : "a lone surrogate");
	/* len bounds the scan: the low half past it does not count. */
	is_int(bad_escape("\\ud83d\\ude00", 6), ESC_SURROGATE,
	    "bad_escape: a pair cut by len is a lone surrogate");
	is_int(bad_escape("\\ud83d\\ude00", 11), ESC_SURROGATE,
	    "bad_escape: a low half cut by len is no low half");
}

/* Lone surrogate escapes are refused in every decoder, keys included. */
static void
test_surrogate_escapes(void)
{
	static const char *const t[] = {
		"{\"name\":\"\\ud800\"}",
		"{\"name\":\"a\\udc00\"}",
		"{\"name\":\"\\ud800x\"}",
		"{\"name\":\"x\",\"k\\udfff\":1}",
		"{\"description\":\"\\udbff\"}",
		"{\"password\":\"secret12\\ud800\"}",
	};
	struct user_in	 u;
	struct org_in	 o;
	struct apierr	 e;
	const char	*b, *id, *name;
	char		*pw;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&e, 0, sizeof(e));
		is_int(json_user_decode(A, t[i], strlen(t[i]), &u, &e), -1,
		    "user: %s is refused", t[i]);
		is_int(e.code, APIERR_INVALID, "user: %s is 400 invalid", t[i]);
		is_str(e.msg, SURMSG, "user: %s says lone surrogate", t[i]);
		is_int(json_org_decode(A, t[i], strlen(t[i]), &o, &e), -1,
		    "org: %s is refused", t[i]);
		is_int(json_password_decode(A, t[i], strlen(t[i]), &pw, &e),
		    -1, "password: %s is refused", t[i]);
		is_int(json_member_decode(A, t[i], strlen(t[i]), &id, &name,
		    &e), -1, "member: %s is refused", t[i]);
	}

	b = "{\"name\":\"\\ud83d\\ude00\"}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), 0,
	    "user: a surrogate pair decodes");
	is_str(u.name, "\xf0\x9f\x98\x80", "user: the pair is U+1F600");
	b = "{\"name\":\"a\\\\ud800\"}";
	is_int(json_user_decode(A, b, strlen(b), &u, &e), 0,
	    "user: \"a\\\\ud800\" (an escaped backslash) decodes");
	is_str(u.name, "a\\ud800", "user: it reads as the 7 bytes a\\ud800");
	b = "{\"name\":\"\\ud800\\u0000\"}";
	json_user_decode(A, b, strlen(b), &u, &e);
	is_str(e.msg, SURMSG, "user: the first bad escape names the error");
	b = "{\"name\":\"\\u0000\\ud800\"}";
	json_user_decode(A, b, strlen(b), &u, &e);
	is_str(e.msg, NULMSG, "user: a NUL first says NUL");
}

static void
test_encoders(void)
{
	struct user	 u[2] = {
		{ U1, "alice", "active", "user" },
		{ "0000000000000002", "b\"ob/", "inactive", "user" },
	};

	is_str(json_user_encode(A, &u[0]),
	    "{\"links\":{\"self\":\"/api/v2/users/" U1 "\"},"
	    "\"id\":\"" U1 "\",\"name\":\"alice\",\"status\":\"active\"}",
	    "json_user_encode: InfluxDB's bytes, '/' not escaped");
	is_str(json_user_encode(A, &u[1]),
	    "{\"links\":{\"self\":\"/api/v2/users/0000000000000002\"},"
	    "\"id\":\"0000000000000002\",\"name\":\"b\\\"ob/\","
	    "\"status\":\"inactive\"}",
	    "json_user_encode escapes '\"' in a name, not '/'");
	is_str(json_users_encode(A, u, 1, "/api/v2/users?limit=1",
	    "/api/v2/users?offset=1&limit=1", "/api/v2/users?offset=0"),
	    "{\"links\":{\"next\":\"/api/v2/users?offset=1&limit=1\","
	    "\"prev\":\"/api/v2/users?offset=0\","
	    "\"self\":\"/api/v2/users?limit=1\"},\"users\":["
	    "{\"links\":{\"self\":\"/api/v2/users/" U1 "\"},"
	    "\"id\":\"" U1 "\",\"name\":\"alice\",\"status\":\"active\"}]}",
	    "json_users_encode: links next, prev, self, then users");
	is_str(json_users_encode(A, u, 0, "/api/v2/users", NULL, NULL),
	    "{\"links\":{\"self\":\"/api/v2/users\"},\"users\":[]}",
	    "json_users_encode: no next/prev when NULL, empty users []");
	is_str(json_member_encode(A, &u[0], "owner"),
	    "{\"links\":{\"self\":\"/api/v2/users/" U1 "\"},"
	    "\"id\":\"" U1 "\",\"name\":\"alice\",\"status\":\"active\","
	    "\"role\":\"owner\"}", "json_member_encode adds role last");
	u[1].kind = "service";
	is_str(json_user_encode(A, &u[1]),
	    "{\"links\":{\"self\":\"/api/v2/users/0000000000000002\"},"
	    "\"id\":\"0000000000000002\",\"name\":\"b\\\"ob/\","
	    "\"status\":\"inactive\",\"kind\":\"service\"}",
	    "json_user_encode: a service user says so, after status");
	u[1].status = NULL;
	is_str(json_member_encode(A, &u[1], "member"),
	    "{\"links\":{\"self\":\"/api/v2/users/0000000000000002\"},"
	    "\"id\":\"0000000000000002\",\"name\":\"b\\\"ob/\","
	    "\"role\":\"member\"}",
	    "json_member_encode: no kind for a member the caller may not read");
	is_str(json_error_encode(A, "not found", "user \"bob\" not found"),
	    "{\"code\":\"not found\","
	    "\"message\":\"user \\\"bob\\\" not found\"}",
	    "json_error_encode escapes quotes");
	is_str(json_error_encode(A, "invalid", "a\\b\nc\x01"),
	    "{\"code\":\"invalid\",\"message\":\"a\\\\b\\nc\\u0001\"}",
	    "json_error_encode escapes backslash and control characters");
	is_str(json_error_encode(A, "invalid", NULL),
	    "{\"code\":\"invalid\",\"message\":\"\"}",
	    "json_error_encode renders a NULL message as \"\"");
	is_str(json_allowed_encode(A, 1), "{\"allowed\":true}",
	    "json_allowed_encode(1)");
	is_str(json_allowed_encode(A, 0), "{\"allowed\":false}",
	    "json_allowed_encode(0)");
}

/* The users writer escapes names byte for byte as json-c would. */
static void
test_user_writer_matches_json_c(void)
{
	static const char *const names[] = { "", "plain", "\"q\"", "back\\slash",
	    "a/b", "tab\there", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "\x7f del", "end\x1f" };
	struct user	 u = { U1, NULL, "active", NULL };
	json_object	*o;
	const char	*want;
	char		 name[4];
	int		 c, same = 1, cases = 256 +
	    (int)(sizeof(names) / sizeof(names[0]));

	for (c = 1; c < cases && same; c++) {
		if (c < 256) {
			name[0] = 'a';
			name[1] = (char)c;
			name[2] = 'b';
			name[3] = '\0';
			u.name = name;
		} else
			u.name = names[c - 256];
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(u.name));
		/* json-c's {"name":"..."} without the braces, in ours. */
		want = json_object_to_json_string_ext(o, OUT_FLAGS);
		want = arena_strndup(A, want + 1, strlen(want) - 2);
		same &= strstr(json_user_encode(A, &u), want) != NULL;
		json_object_put(o);
	}
	/* On a failure, c - 1 is the first case that differs. */
	ok(same, "user names: every byte and some UTF-8 escaped as json-c "
	    "does (reached case %d of %d)", c - 1, cases - 1);
}

int
main(void)
{
	A = arena_new();
	test_parse_errors();
	test_user_decode();
	test_password_decode();
	test_setup_decode();
	test_authz_decode();
	test_nul_escapes();
	test_bad_escape();
	test_surrogate_escapes();
	test_encoders();
	test_user_writer_matches_json_c();
	arena_free(A);
	return done_testing();
}
