/*
 * json.c -- json-c in and out.  Output is compact with '/' unescaped
 * (JSON_C_TO_STRING_NOSLASHESCAPE), so links read "/api/v2/users/..." as in
 * InfluxDB.  Input is parsed in strict mode with UTF-8 validation.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "json.h"
#include "util.h"
#include "version.h"
#include "banned.h"

#define JSON_DEPTH	16
#define OUT_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

enum badesc {
	ESC_OK,
	ESC_NUL,	/* \u0000 */
	ESC_SURROGATE,	/* \uD800-\uDFFF outside a high-low pair */
};

/* The value of the 4 hex digits at s (which has them), or -1. */
static long
hex4(const char *s)
{
	long	 v = 0;
	int	 k, d;

	for (k = 0; k < 4; k++) {
		if (s[k] >= '0' && s[k] <= '9')
			d = s[k] - '0';
		else if (s[k] >= 'a' && s[k] <= 'f')
			d = s[k] - 'a' + 10;
		else if (s[k] >= 'A' && s[k] <= 'F')
			d = s[k] - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/*
 * The first escape in the JSON text that json-c would decode into
 * something else than it says.  A NUL (\u0000): json-c keeps such a
 * string, but hands object keys and plain string reads on as C strings, so
 * "read\u0000junk" would read as "read" and a key "name\u0000x" as
 * "name".  A lone surrogate (a high one not followed by a low one, or a
 * low one alone): json-c makes it U+FFFD, so "\ud800" would name the user
 * "\ufffd".  A backslash only occurs inside strings, so a scan that skips
 * each escape is exact ("\\ud800" is the text \ud800, no escape).
 */
static enum badesc
bad_escape(const char *body, size_t len)
{
	size_t	 i;
	long	 v, lo;

	for (i = 0; i + 1 < len; i++) {
		if (body[i] != '\\')
			continue;
		if (body[i + 1] != 'u' || len - i < 6 ||
		    (v = hex4(body + i + 2)) == -1) {
			i++;
			continue;
		}
		if (v == 0)
			return ESC_NUL;
		if (v >= 0xdc00 && v <= 0xdfff)
			return ESC_SURROGATE;
		if (v >= 0xd800 && v <= 0xdbff) {
			if (len - i < 12 || body[i + 6] != '\\' ||
			    body[i + 7] != 'u' ||
			    (lo = hex4(body + i + 8)) < 0xdc00 || lo > 0xdfff)
				return ESC_SURROGATE;
			/*
			 * json-c 0.16 makes a pair whose code point's low 16
			 * bits look like a surrogate (U+1D800-U+1DFFF, U+2D800
			 * ...) into U+FFFD: refused, as it would not decode to
			 * what it says (found by fuzz_json).
			 */
			if (((0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00)) &
			    0xf800) == 0xd800)
				return ESC_SURROGATE;
			i += 6;
		}
		i += 5;
	}
	return ESC_OK;
}

/* Parses body into an object; -1 with e set when it is not one. */
static json_object *
parse_object(const char *body, size_t len, struct apierr *e)
{
	json_tokener		*tok;
	json_object		*root;
	enum json_tokener_error	 jerr;
	size_t			 end;

	if (len == 0 || body == NULL) {
		apierr_set(e, APIERR_INVALID, "request body is empty");
		return NULL;
	}
	/* json-c checks the shape of UTF-8, not overlongs or surrogates. */
	if (!util_utf8_valid(body, len)) {
		apierr_set(e, APIERR_INVALID, "request body is not valid UTF-8 "
		    "or holds NUL bytes");
		return NULL;
	}
	switch (bad_escape(body, len)) {
	case ESC_NUL:
		apierr_set(e, APIERR_INVALID, "request body must not hold NUL "
		    "characters (\\u0000)");
		return NULL;
	case ESC_SURROGATE:
		apierr_set(e, APIERR_INVALID, "request body must not hold lone "
		    "surrogates (a \\uD800-\\uDFFF escape outside a "
		    "high-low pair)");
		return NULL;
	case ESC_OK:
		break;
	}
	if ((tok = json_tokener_new_ex(JSON_DEPTH)) == NULL) {
		apierr_internal(e);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	/* A bare "5" waits for more digits: tell json-c the input ends. */
	if (root == NULL &&
	    json_tokener_get_error(tok) == json_tokener_continue) {
		root = json_tokener_parse_ex(tok, "", 1);
		end = len;
	}
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (root == NULL && jerr == json_tokener_success) {
		apierr_set(e, APIERR_INVALID,
		    "request body must be a JSON object");
		return NULL;
	}
	if (root == NULL || jerr != json_tokener_success) {
		json_object_put(root);
		apierr_set(e, APIERR_INVALID, "request body is not valid JSON: "
		    "%s", jerr == json_tokener_error_parse_eof ||
		    jerr == json_tokener_continue ? "unexpected end of input" :
		    json_tokener_error_desc(jerr));
		return NULL;
	}
	for (; end < len; end++)
		if (body[end] == '\0' || strchr(" \t\r\n", body[end]) == NULL) {
			json_object_put(root);
			apierr_set(e, APIERR_INVALID, "request body has data "
			    "after the JSON value");
			return NULL;
		}
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		apierr_set(e, APIERR_INVALID,
		    "request body must be a JSON object");
		return NULL;
	}
	return root;
}

/* The value of key, matched without regard to case; NULL if absent or null. */
static json_object *
field(json_object *obj, const char *key)
{
	json_object	*found = NULL;

	json_object_object_foreach(obj, k, v) {
		if (strcmp(k, key) == 0)
			return v;
		if (found == NULL && strcasecmp(k, key) == 0)
			found = v;
	}
	return found;
}

/*
 * Copies string field key into *out (NULL when absent or null).  *present
 * (may be NULL) says whether the key was there with a non-null value.
 */
static int
get_string(struct arena *a, json_object *obj, const char *key,
    const char **out,
    int *present, struct apierr *e)
{
	json_object	*v = field(obj, key);
	const char	*s;
	int		 n;

	*out = NULL;
	if (present != NULL)
		*present = 0;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return apierr_set(e, APIERR_INVALID,
		    "field \"%s\" must be a string", key);
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	/* bad_escape refused NUL and lone surrogates; this is the net. */
	if (!util_utf8_valid(s, (size_t)n))
		return apierr_set(e, APIERR_INVALID, "field \"%s\" must be "
		    "valid UTF-8 without NUL characters", key);
	*out = arena_strndup(a, s, (size_t)n);
	if (present != NULL)
		*present = 1;
	return 0;
}

static int
get_int(json_object *obj, const char *key, long long *out, int *present,
    struct apierr *e)
{
	json_object	*v = field(obj, key);

	*present = 0;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return apierr_set(e, APIERR_INVALID,
		    "field \"%s\" must be an integer", key);
	*out = json_object_get_int64(v);
	*present = 1;
	return 0;
}

/*
 * Releases root, wiping every "password" string first: json-c keeps its
 * own copy of the password, which must not outlive the request.
 */
static void
wipe_put(json_object *root)
{
	json_object_object_foreach(root, k, v) {
		if (strcasecmp(k, "password") == 0 &&
		    json_object_is_type(v, json_type_string))
			memset((char *)json_object_get_string(v), 0,
			    (size_t)json_object_get_string_len(v));
	}
	json_object_put(root);
}

int
json_user_decode(struct arena *a, const char *body, size_t len,
    struct user_in *u, struct apierr *e)
{
	json_object	*root;
	int		 rc = -1;

	memset(u, 0, sizeof(*u));
	if ((root = parse_object(body, len, e)) == NULL)
		return -1;
	if (get_string(a, root, "id", &u->id, NULL, e) == -1 ||
	    get_string(a, root, "name", &u->name, &u->has_name, e) == -1 ||
	    get_string(a, root, "status", &u->status, NULL, e) == -1 ||
	    get_string(a, root, "kind", &u->kind, NULL, e) == -1)
		goto out;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

int
json_password_decode(struct arena *a, const char *body, size_t len,
    char **password, struct apierr *e)
{
	json_object	*root;
	const char	*pw = NULL;
	int		 rc;

	*password = NULL;
	if ((root = parse_object(body, len, e)) == NULL)
		return -1;
	rc = get_string(a, root, "password", &pw, NULL, e);
	*password = (char *)pw;
	wipe_put(root);
	return rc;
}

int
json_setup_decode(struct arena *a, const char *body, size_t len,
    struct setup_in *s, struct apierr *e)
{
	json_object	*root;
	long long	 secs = 0, hrs = 0;
	const char	*pw = NULL;
	int		 has_secs, has_hrs, rc = -1;

	memset(s, 0, sizeof(*s));
	if ((root = parse_object(body, len, e)) == NULL)
		return -1;
	if (get_string(a, root, "username", &s->username, NULL, e) == -1 ||
	    get_string(a, root, "password", &pw, NULL, e) == -1 ||
	    get_string(a, root, "org", &s->org, NULL, e) == -1 ||
	    get_string(a, root, "bucket", &s->bucket, NULL, e) == -1 ||
	    get_string(a, root, "token", &s->token, NULL, e) == -1 ||
	    get_int(root, "retentionPeriodSeconds", &secs, &has_secs, e) == -1 ||
	    get_int(root, "retentionPeriodHrs", &hrs, &has_hrs, e) == -1)
		goto out;
	s->password = (char *)pw;
	/* retentionPeriodHrs is, despite its name, nanoseconds (deprecated). */
	s->retention = has_secs ? secs : has_hrs ? hrs / 1000000000LL : 0;
	if (s->retention < 0) {
		apierr_set(e, APIERR_INVALID,
		    "retentionPeriodSeconds must not be negative");
		goto out;
	}
	rc = 0;
out:
	wipe_put(root);
	return rc;
}

/*
 * The text of a permission field, or "" when v is not a string or holds a
 * NUL (parse_object refuses those; this keeps the C string honest anyway).
 */
static const char *
perm_text(json_object *v)
{
	const char	*s;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return "";
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return "";
	return s;
}

static int
decode_perm(json_object *p, struct perm *out, struct apierr *e)
{
	json_object	*res, *v;
	int		 n;
	struct idstr	 id;

	memset(out, 0, sizeof(*out));
	if (!json_object_is_type(p, json_type_object))
		return apierr_set(e, APIERR_INVALID,
		    "each permission must be a JSON object");
	if ((n = perm_action_parse(perm_text(field(p, "action")))) == -1)
		return apierr_set(e, APIERR_INVALID, "invalid action type for "
		    "permission: unknown action for permission");
	out->action = n;
	res = field(p, "resource");
	if (res == NULL || !json_object_is_type(res, json_type_object) ||
	    (n = perm_type_parse(perm_text(field(res, "type")))) == -1)
		return apierr_set(e, APIERR_INVALID, "invalid resource type "
		    "for permission: unknown resource type for permission");
	out->type = n;
	if ((v = field(res, "id")) != NULL) {
		if (id_parse(perm_text(v), &id, "invalid id for permission",
		    e) == -1)
			return -1;
		memcpy(out->id, id.s, sizeof(out->id));
	}
	if ((v = field(res, "orgID")) != NULL) {
		if (id_parse(perm_text(v), &id, "invalid org id for permission",
		    e) == -1)
			return -1;
		memcpy(out->org, id.s, sizeof(out->org));
	}
	return 0;
}

/*
 * Seconds in key, from 0 to max, as a decimal string in *out (NULL when
 * absent).
 */
static int
get_seconds(struct arena *a, json_object *root, const char *key,
    long long max, const char **out, struct apierr *e)
{
	long long	 v = 0;
	int		 has;

	*out = NULL;
	if (get_int(root, key, &v, &has, e) == -1)
		return -1;
	if (!has)
		return 0;
	if (v < 0 || v > max)
		return apierr_set(e, APIERR_INVALID, "field \"%s\" must be "
		    "from 0 to %lld seconds", key, max);
	*out = arena_printf(a, "%lld", v);
	return 0;
}

/* A token's lifetime asked for: at most a hundred years. */
#define LIFETIME_MAX	(100LL * 366 * 86400)

int
json_authz_decode(struct arena *a, const char *body, size_t len, int full,
    struct authz_in *in, struct apierr *e)
{
	json_object	*root, *perms;
	size_t		 i, n;
	int		 rc = -1;

	memset(in, 0, sizeof(*in));
	if ((root = parse_object(body, len, e)) == NULL)
		return -1;
	if (get_string(a, root, "status", &in->status, NULL, e) == -1 ||
	    get_string(a, root, "description", &in->description, NULL,
	    e) == -1 ||
	    get_string(a, root, "expiresAt", &in->expiry.at, NULL, e) == -1 ||
	    get_seconds(a, root, "expiresIn", LIFETIME_MAX, &in->expiry.in,
	    e) == -1)
		goto out;
	if (!full) {
		rc = 0;
		goto out;
	}
	if (get_string(a, root, "orgID", &in->org_id, NULL, e) == -1 ||
	    get_string(a, root, "userID", &in->user_id, NULL, e) == -1)
		goto out;
	if ((perms = field(root, "permissions")) != NULL) {
		if (!json_object_is_type(perms, json_type_array)) {
			apierr_set(e, APIERR_INVALID,
			    "field \"permissions\" must be an array");
			goto out;
		}
		n = json_object_array_length(perms);
		if (n > 256) {
			apierr_set(e, APIERR_INVALID,
			    "an authorization holds at most 256 permissions");
			goto out;
		}
		in->has_perms = 1;
		in->nperms = n;
		in->perms = arena_alloc(a, sizeof(struct perm) * (n + 1));
		for (i = 0; i < n; i++)
			if (decode_perm(json_object_array_get_idx(perms, i),
			    &in->perms[i], e) == -1)
				goto out;
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

int
json_rotate_decode(struct arena *a, const char *body, size_t len,
    const char **grace, struct apierr *e)
{
	json_object	*root;
	int		 rc;

	*grace = NULL;
	if (len == 0)
		return 0;
	if ((root = parse_object(body, len, e)) == NULL)
		return -1;
	rc = get_seconds(a, root, "gracePeriodSeconds", LIFETIME_MAX, grace,
	    e);
	json_object_put(root);
	return rc;
}

int
json_org_decode(struct arena *a, const char *body, size_t len,
    struct org_in *o, struct apierr *e)
{
	json_object	*root;
	int		 rc = -1;

	memset(o, 0, sizeof(*o));
	if ((root = parse_object(body, len, e)) == NULL)
		return -1;
	if (get_string(a, root, "name", &o->name, &o->has_name, e) == -1 ||
	    get_string(a, root, "description", &o->description, NULL, e) == -1)
		goto out;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

int
json_member_decode(struct arena *a, const char *body, size_t len,
    const char **id, const char **name, struct apierr *e)
{
	json_object	*root;
	int		 rc = -1;

	if ((root = parse_object(body, len, e)) == NULL)
		return -1;
	if (get_string(a, root, "id", id, NULL, e) == -1 ||
	    get_string(a, root, "name", name, NULL, e) == -1)
		goto out;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

/* Serialises root into the arena and releases it. */
static char *
finish(struct arena *a, json_object *root)
{
	size_t		 len;
	const char	*s;
	char		*out;

	s = json_object_to_json_string_length(root, OUT_FLAGS, &len);
	out = arena_strndup(a, s, len);
	json_object_put(root);
	return out;
}

static void
add_str(json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val ? val : ""));
}

static json_object *
links(const char *self, const char *next, const char *prev)
{
	json_object	*l = json_object_new_object();

	/* InfluxDB's links are Go maps: keys in alphabetical order. */
	if (next != NULL)
		add_str(l, "next", next);
	if (prev != NULL)
		add_str(l, "prev", prev);
	add_str(l, "self", self);
	return l;
}

/* {"links": links, key: items} as text; takes ownership of both. */
static char *
list_finish(struct arena *a, json_object *l, const char *key,
    json_object *items)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "links", l);
	json_object_object_add(o, key, items);
	return finish(a, o);
}

char *
json_error_encode(struct arena *a, const char *code, const char *msg)
{
	json_object	*o = json_object_new_object();

	add_str(o, "code", code);
	add_str(o, "message", msg);
	return finish(a, o);
}

/*
 * Users are the hot path (a page of 20 in every list), and json-c's tree
 * costs about 0.6 us a user in allocations, so their fixed shape is
 * written straight into the arena.  json-c keeps its string escaper to
 * itself; str() escapes as it does with OUT_FLAGS (\" \\ \b \f \n \r \t,
 * \u00XX below 0x20, '/' as is).  test_json.c checks it against json-c.
 */
static void
str(struct abuf *b, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(v ? v : "");
	const unsigned char *run = p;
	char		 esc[7];

	abuf_add(b, "\"", 1);
	for (; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		abuf_add(b, run, (size_t)(p - run));
		run = p + 1;
		esc[0] = '\\';
		switch (*p) {
		case '"': case '\\': esc[1] = (char)*p; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			abuf_add(b, esc, 6);
			continue;
		}
		abuf_add(b, esc, 2);
	}
	abuf_add(b, run, (size_t)(p - run));
	abuf_add(b, "\"", 1);
}

/* ,"key":"value" (no comma first when lead is '{'). */
static void
member(struct abuf *b, char lead, const char *key, const char *v)
{
	abuf_add(b, &lead, 1);
	abuf_add(b, "\"", 1);
	abuf_adds(b, key);
	abuf_add(b, "\":", 2);
	str(b, v);
}

static void
user_write(struct abuf *b, const struct user *u, const char *role)
{
	abuf_adds(b, "{\"links\":{\"self\":\"/api/v2/users/");
	abuf_adds(b, u->id ? u->id : "");
	abuf_add(b, "\"}", 2);
	member(b, ',', "id", u->id);
	member(b, ',', "name", u->name);
	/* NULL: a member the caller may not read (orgs_members). */
	if (u->status != NULL)
		member(b, ',', "status", u->status);
	/* An extension: a plain user's answer stays InfluxDB's own. */
	if (u->status != NULL && u->kind != NULL &&
	    strcmp(u->kind, "service") == 0)
		member(b, ',', "kind", u->kind);
	if (role != NULL)
		member(b, ',', "role", role);
	abuf_add(b, "}", 1);
}

/* {"links":{...},"users":[...]}, links in InfluxDB's (alphabetical) order. */
static char *
users_write(struct arena *a, const struct user *u, size_t n,
    const char *role, const char *self, const char *next, const char *prev)
{
	struct abuf	 b;
	size_t		 i;
	char		 lead = '{';

	abuf_init(&b, a, 256 + n * 160);
	abuf_adds(&b, "{\"links\":");
	if (next != NULL) {
		member(&b, lead, "next", next);
		lead = ',';
	}
	if (prev != NULL) {
		member(&b, lead, "prev", prev);
		lead = ',';
	}
	member(&b, lead, "self", self);
	abuf_adds(&b, "},\"users\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			abuf_add(&b, ",", 1);
		user_write(&b, &u[i], role);
	}
	abuf_adds(&b, "]}");
	return b.data;
}

static char *
user_text(struct arena *a, const struct user *u, const char *role)
{
	struct abuf	 b;

	abuf_init(&b, a, 192);
	user_write(&b, u, role);
	return b.data;
}

char *
json_user_encode(struct arena *a, const struct user *u)
{
	return user_text(a, u, NULL);
}

char *
json_users_encode(struct arena *a, const struct user *u, size_t n,
    const char *self, const char *next, const char *prev)
{
	return users_write(a, u, n, NULL, self, next, prev);
}

char *
json_member_encode(struct arena *a, const struct user *u, const char *role)
{
	return user_text(a, u, role);
}

char *
json_members_encode(struct arena *a, const struct user *u, size_t n,
    const char *role, const char *self)
{
	return users_write(a, u, n, role, self, NULL, NULL);
}

static json_object *
org_obj(struct arena *a, const struct org *g)
{
	json_object	*o = json_object_new_object();
	json_object	*l = json_object_new_object();
	const char	*p = arena_printf(a, "/api/v2/orgs/%s", g->id);

	add_str(l, "buckets", arena_printf(a, "/api/v2/buckets?org=%s",
	    g->name));
	add_str(l, "members", arena_printf(a, "%s/members", p));
	add_str(l, "owners", arena_printf(a, "%s/owners", p));
	add_str(l, "self", p);
	json_object_object_add(o, "links", l);
	add_str(o, "id", g->id);
	add_str(o, "name", g->name);
	add_str(o, "description", g->description);
	add_str(o, "createdAt", g->created);
	add_str(o, "updatedAt", g->updated);
	return o;
}

char *
json_org_encode(struct arena *a, const struct org *g)
{
	return finish(a, org_obj(a, g));
}

char *
json_orgs_encode(struct arena *a, const struct org *g, size_t n,
    const char *self, const char *next, const char *prev)
{
	json_object	*arr = json_object_new_array_ext((int)n);
	size_t		 i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, org_obj(a, &g[i]));
	return list_finish(a, links(self, next, prev), "orgs", arr);
}

static json_object *
perm_obj(const struct perm *p)
{
	json_object	*o = json_object_new_object();
	json_object	*r = json_object_new_object();

	add_str(o, "action", perm_action_name(p->action));
	add_str(r, "type", perm_type_name(p->type));
	if (p->id[0] != '\0')
		add_str(r, "id", p->id);
	if (p->org[0] != '\0')
		add_str(r, "orgID", p->org);
	json_object_object_add(o, "resource", r);
	return o;
}

static json_object *
authz_obj(struct arena *a, const struct authz *z)
{
	json_object	*o = json_object_new_object();
	json_object	*arr = json_object_new_array_ext((int)z->nperms);
	json_object	*l = json_object_new_object();
	size_t		 i;

	add_str(o, "id", z->id);
	if (z->token != NULL)
		add_str(o, "token", z->token);
	add_str(o, "status", z->status);
	add_str(o, "description", z->description);
	add_str(o, "orgID", z->org_id);
	add_str(o, "org", z->org_name);
	add_str(o, "userID", z->user_id);
	add_str(o, "user", z->user_name);
	for (i = 0; i < z->nperms; i++)
		json_object_array_add(arr, perm_obj(&z->perms[i]));
	json_object_object_add(o, "permissions", arr);
	add_str(l, "self", arena_printf(a, "/api/v2/authorizations/%s", z->id));
	add_str(l, "user", arena_printf(a, "/api/v2/users/%s", z->user_id));
	json_object_object_add(o, "links", l);
	add_str(o, "createdAt", z->created);
	add_str(o, "updatedAt", z->updated);
	/* The extensions (docs/compatibility.md): absent when not so. */
	if (z->expires != NULL)
		add_str(o, "expiresAt", z->expires);
	if (z->last_used != NULL) {
		add_str(o, "lastUsedAt", z->last_used);
		add_str(o, "lastUsedFrom", z->last_used_addr);
	}
	if (z->grace_until != NULL)
		add_str(o, "previousTokenValidUntil", z->grace_until);
	return o;
}

char *
json_authz_encode(struct arena *a, const struct authz *z)
{
	return finish(a, authz_obj(a, z));
}

char *
json_authzs_encode(struct arena *a, const struct authz *z, size_t n,
    const char *self, const char *next)
{
	json_object	*arr = json_object_new_array_ext((int)n);
	size_t		 i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, authz_obj(a, &z[i]));
	return list_finish(a, links(self, next, NULL), "authorizations", arr);
}

char *
json_sessions_encode(struct arena *a, const struct session_info *s,
    size_t n, const char *self)
{
	json_object	*arr = json_object_new_array_ext((int)n);
	json_object	*o;
	size_t		 i;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		add_str(o, "id", s[i].id);
		add_str(o, "createdAt", s[i].created);
		add_str(o, "lastUsedAt", s[i].last_used);
		add_str(o, "expiresAt", s[i].expires);
		add_str(o, "remoteAddress", s[i].addr);
		add_str(o, "userAgent", s[i].agent);
		json_object_object_add(o, "current",
		    json_object_new_boolean(s[i].current));
		json_object_array_add(arr, o);
	}
	return list_finish(a, links(self, NULL, NULL), "sessions", arr);
}

static long long
shard_group_seconds(long long retention)
{
	if (retention == 0 || retention >= 180LL * 86400)
		return 604800;
	if (retention >= 2LL * 86400)
		return 86400;
	return 3600;
}

char *
json_setup_encode(struct arena *a, const struct setup_out *s)
{
	json_object	*o = json_object_new_object();
	json_object	*b = json_object_new_object();
	json_object	*rules = json_object_new_array();
	json_object	*rule = json_object_new_object();
	json_object	*bl = json_object_new_object();
	const char	*bp = arena_printf(a, "/api/v2/buckets/%s", s->bucket.id);

	/* The one user shape, read back into the tree (setup is rare). */
	json_object_object_add(o, "user",
	    json_tokener_parse(user_text(a, &s->user, NULL)));
	add_str(b, "id", s->bucket.id);
	add_str(b, "orgID", s->bucket.org_id);
	add_str(b, "type", "user");
	add_str(b, "name", s->bucket.name);
	add_str(rule, "type", "expire");
	json_object_object_add(rule, "everySeconds",
	    json_object_new_int64(s->bucket.retention));
	json_object_object_add(rule, "shardGroupDurationSeconds",
	    json_object_new_int64(shard_group_seconds(s->bucket.retention)));
	json_object_array_add(rules, rule);
	json_object_object_add(b, "retentionRules", rules);
	add_str(b, "createdAt", s->bucket.created);
	add_str(b, "updatedAt", s->bucket.created);
	add_str(bl, "labels", arena_printf(a, "%s/labels", bp));
	add_str(bl, "members", arena_printf(a, "%s/members", bp));
	add_str(bl, "org", arena_printf(a, "/api/v2/orgs/%s", s->org.id));
	add_str(bl, "owners", arena_printf(a, "%s/owners", bp));
	add_str(bl, "self", bp);
	add_str(bl, "write", arena_printf(a, "/api/v2/write?org=%s&bucket=%s",
	    s->org.id, s->bucket.id));
	json_object_object_add(b, "links", bl);
	json_object_object_add(b, "labels", json_object_new_array());
	json_object_object_add(o, "bucket", b);
	json_object_object_add(o, "org", org_obj(a, &s->org));
	json_object_object_add(o, "auth", authz_obj(a, &s->auth));
	return finish(a, o);
}

char *
json_allowed_encode(struct arena *a, int allowed)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "allowed", json_object_new_boolean(allowed));
	return finish(a, o);
}

char *
json_health_encode(struct arena *a, int pass, const char *message,
    const char *check_message)
{
	json_object	*o = json_object_new_object();
	json_object	*checks = json_object_new_array();
	json_object	*pg = json_object_new_object();

	add_str(pg, "name", "postgresql");
	add_str(pg, "status", pass ? "pass" : "fail");
	if (check_message != NULL)
		add_str(pg, "message", check_message);
	json_object_array_add(checks, pg);
	add_str(o, "name", "influxdb");
	add_str(o, "message", message);
	add_str(o, "status", pass ? "pass" : "fail");
	json_object_object_add(o, "checks", checks);
	add_str(o, "version", USERSD_COMPAT_VERSION);
	add_str(o, "commit", "usersd-" USERSD_VERSION);
	return finish(a, o);
}
