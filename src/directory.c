/*
 * directory.c -- libldap, and nothing else includes <ldap.h>
 * (scripts/check-includes.sh).  A check is: connect to the first server
 * of the list that answers (StartTLS or ldaps:// verified against the CA
 * file; plain only on ldapi:// or when allow_plain), bind with the search
 * DN, search (&USER_FILTER(NAME_ATTR=name)) with name escaped per RFC 4515
 * by libldap's own ldap_bv2escaped_filter_value, which handles NUL and
 * every non-ASCII byte, and a size limit of 2 (a name that finds two
 * entries is refused, not guessed), walk the groups up to the required
 * one, and only then bind as the entry found.  No DN is ever composed from
 * a name: the only DNs bound to are the configured one and the one the
 * search returned, and a DN that goes into a filter (the group walk) is
 * filter-escaped like any value.
 *
 * Time: one deadline, timeout_s from the start, bounds the whole check.
 * Before each call the handle's LDAP_OPT_NETWORK_TIMEOUT (connect, TLS)
 * and LDAP_OPT_TIMEOUT (each synchronous operation) are set to what is
 * left of it, and a server's connection gets at most an equal part of what
 * is left for the servers still to try, so a frozen first server leaves
 * time for the second.  A connection kept for many look-ups
 * (directory_open) has that deadline to open, and each look-up one of its
 * own.  Every handle gets its own TLS context (NEWCTX), so
 * one instance's CA is never another's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>

#include "directory.h"
#include "banned.h"

#define URI_MAX		16	/* servers tried, at most */
#define FRONTIER_MAX	64	/* groups followed on one level */
#define NAME_MAX_LEN	256	/* a usersd name (users.name's CHECK) */

struct dl {
	struct timespec	 end;
};

static void
dl_start(struct dl *d, int timeout_s)
{
	clock_gettime(CLOCK_MONOTONIC, &d->end);
	d->end.tv_sec += timeout_s;
}

/* Milliseconds left, at most cap_ms when cap_ms > 0. */
static long
dl_left(const struct dl *d, long cap_ms)
{
	struct timespec	 now;
	long		 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(d->end.tv_sec - now.tv_sec) * 1000 +
	    (d->end.tv_nsec - now.tv_nsec) / 1000000;
	if (cap_ms > 0 && ms > cap_ms)
		ms = cap_ms;
	return ms;
}

/* Sets both timeouts to ms; -1 when no time is left. */
static int
set_timeouts(LDAP *ld, long ms, struct timeval *tv)
{
	if (ms <= 0)
		return -1;
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
	if (ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, tv) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, tv) != LDAP_OPT_SUCCESS)
		return -1;
	return 0;
}

/* A libldap error code as one of ours. */
static enum dir_result
classify(int rc)
{
	switch (rc) {
	case LDAP_SERVER_DOWN:
	case LDAP_TIMEOUT:
	case LDAP_CONNECT_ERROR:
	case LDAP_BUSY:
	case LDAP_UNAVAILABLE:
	case LDAP_TIMELIMIT_EXCEEDED:
	case LDAP_LOCAL_ERROR:
		return DIR_UNAVAILABLE;
	default:
		return DIR_MISCONFIGURED;
	}
}

static enum dir_result
fail(enum dir_result r, char *why, size_t n, const char *what, int rc)
{
	snprintf(why, n, "%s: %s", what, ldap_err2string(rc));
	return r;
}

/* One server: connected, TLS as its scheme wants, search-bound. */
static enum dir_result
open_one(const struct dir_settings *s, const char *uri, long ms,
    LDAP **out, char *why, size_t n)
{
	struct berval	 cred;
	struct timeval	 tv;
	LDAP		*ld = NULL;
	char		*diag;
	int		 v3 = LDAP_VERSION3, hard = LDAP_OPT_X_TLS_HARD;
	int		 zero = 0, rc, tls, starttls;

	*out = NULL;
	if ((rc = ldap_initialize(&ld, uri)) != LDAP_SUCCESS)
		return fail(DIR_MISCONFIGURED, why, n, uri, rc);
	tls = strncasecmp(uri, "ldaps://", 8) == 0;
	if (strncasecmp(uri, "ldap://", 7) == 0 && !s->starttls &&
	    !s->allow_plain) {
		snprintf(why, n, "%s: plain LDAP needs starttls or allow_plain",
		    uri);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return DIR_MISCONFIGURED;
	}
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) !=
	    LDAP_OPT_SUCCESS ||
	    set_timeouts(ld, ms, &tv) == -1) {
		snprintf(why, n, "%s: cannot set the connection's options",
		    uri);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return DIR_MISCONFIGURED;
	}
	starttls = !tls && strncasecmp(uri, "ldap://", 7) == 0 && s->starttls;
	if ((tls || starttls) && (ldap_set_option(ld,
	    LDAP_OPT_X_TLS_REQUIRE_CERT, &hard) != LDAP_OPT_SUCCESS ||
	    (s->ca_file[0] != '\0' && ldap_set_option(ld,
	    LDAP_OPT_X_TLS_CACERTFILE, s->ca_file) != LDAP_OPT_SUCCESS) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) !=
	    LDAP_OPT_SUCCESS)) {
		snprintf(why, n, "%s: no TLS context (is ca_file a readable "
		    "PEM file?)", uri);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return DIR_MISCONFIGURED;
	}
	if ((rc = ldap_connect(ld)) != LDAP_SUCCESS) {
		ldap_unbind_ext_s(ld, NULL, NULL);
		return fail(DIR_UNAVAILABLE, why, n, uri, rc);
	}
	if (starttls && (rc = ldap_start_tls_s(ld, NULL, NULL)) !=
	    LDAP_SUCCESS) {
		/*
		 * The server answered: a connect error now is the TLS
		 * handshake (its certificate, our CA file), the settings'
		 * fault, not the network's.
		 */
		diag = NULL;
		(void)ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
		snprintf(why, n, "%s: StartTLS: %s%s%s", uri,
		    ldap_err2string(rc), diag ? ": " : "", diag ? diag : "");
		ldap_memfree(diag);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return rc == LDAP_CONNECT_ERROR ? DIR_MISCONFIGURED :
		    classify(rc);
	}
	if (s->bind_dn[0] != '\0') {
		/* The search bind too: never with an empty password. */
		if (s->bind_password[0] == '\0') {
			snprintf(why, n, "bind_dn is set without bind_password");
			ldap_unbind_ext_s(ld, NULL, NULL);
			return DIR_MISCONFIGURED;
		}
		cred.bv_val = (char *)s->bind_password;
		cred.bv_len = strlen(s->bind_password);
		rc = ldap_sasl_bind_s(ld, s->bind_dn, LDAP_SASL_SIMPLE, &cred,
		    NULL, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			ldap_unbind_ext_s(ld, NULL, NULL);
			return fail(classify(rc), why, n, "search bind", rc);
		}
	}
	*out = ld;
	return DIR_OK;
}

/* 1 when a and b name the same server: scheme, host (or socket), port. */
static int
same_server(const LDAPURLDesc *a, const LDAPURLDesc *b)
{
	return strcasecmp(a->lud_scheme, b->lud_scheme) == 0 &&
	    strcasecmp(a->lud_host ? a->lud_host : "",
	    b->lud_host ? b->lud_host : "") == 0 && a->lud_port == b->lud_port;
}

/*
 * 1 when uri is one of servers ("*": any).  The instance's admin writes
 * uris and the bind DN; the provider, in ldap_servers, where usersd may
 * connect with them.  libldap parses both, default ports filled in.
 */
static int
server_allowed(const char *uri, const char *servers)
{
	LDAPURLDesc	*u, *w;
	char		*list, *one, *save = NULL;
	int		 ok = 0;

	if (servers != NULL && strcmp(servers, "*") == 0)
		return 1;
	if (servers == NULL || ldap_url_parse(uri, &u) != LDAP_URL_SUCCESS)
		return 0;
	if ((list = strdup(servers)) != NULL) {
		for (one = strtok_r(list, " ", &save); one != NULL && !ok;
		    one = strtok_r(NULL, " ", &save)) {
			if (ldap_url_parse(one, &w) != LDAP_URL_SUCCESS)
				continue;
			ok = same_server(u, w);
			ldap_free_urldesc(w);
		}
		free(list);
	}
	ldap_free_urldesc(u);
	return ok;
}

/* The first server that answers, within d (its equal share each). */
static enum dir_result
dir_open(const struct dir_settings *s, const struct dl *d, LDAP **ld,
    char *why, size_t n)
{
	char		*list, *uri, *save = NULL;
	const char	*uris[URI_MAX];
	enum dir_result	 r = DIR_MISCONFIGURED;
	int		 nuri = 0, i;

	*ld = NULL;
	snprintf(why, n, "no server in uris");
	if ((list = strdup(s->uris)) == NULL)
		return DIR_UNAVAILABLE;
	for (uri = strtok_r(list, " ", &save); uri != NULL && nuri < URI_MAX;
	    uri = strtok_r(NULL, " ", &save))
		uris[nuri++] = uri;
	/* Every server is checked before any is connected to. */
	for (i = 0; i < nuri; i++) {
		if (!server_allowed(uris[i], s->servers)) {
			snprintf(why, n, "%s: not among the servers "
			    "ldap_servers allows", uris[i]);
			free(list);
			return DIR_MISCONFIGURED;
		}
	}
	for (i = 0; i < nuri; i++) {
		long	 left = dl_left(d, 0);

		if (left <= 0) {
			snprintf(why, n, "timed out");
			r = DIR_UNAVAILABLE;
			break;
		}
		r = open_one(s, uris[i], left / (nuri - i), ld, why, n);
		if (r != DIR_UNAVAILABLE)
			break;
	}
	free(list);
	return r;
}

/* value, escaped per RFC 4515, in the arena; NULL when it cannot be. */
static char *
escape(struct arena *a, const char *value, size_t len)
{
	struct berval	 in, out;
	char		*s;

	in.bv_val = (char *)value;
	in.bv_len = len;
	if (ldap_bv2escaped_filter_value(&in, &out) != 0)
		return NULL;
	s = arena_strdup(a, out.bv_val);
	ldap_memfree(out.bv_val);
	return s;
}

/* The normalized form of dn (arena), to compare DNs; NULL if not a DN. */
static char *
dn_norm(struct arena *a, const char *dn)
{
	char	*out = NULL, *s;

	if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAP, &out,
	    LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || out == NULL)
		return NULL;
	s = arena_strdup(a, out);
	ldap_memfree(out);
	return s;
}

/* A name the directory returned is a usersd name only as asked for. */
static int
name_ok(const struct berval *v, const char *asked)
{
	return v->bv_len > 0 && v->bv_len <= NAME_MAX_LEN &&
	    memchr(v->bv_val, '\0', v->bv_len) == NULL &&
	    strlen(asked) == v->bv_len &&
	    strncasecmp(v->bv_val, asked, v->bv_len) == 0;
}

static enum dir_result
find_user(LDAP *ld, const struct dir_settings *s, const struct dl *d,
    struct arena *a, const char *name, struct dir_user *out, char *why,
    size_t n)
{
	struct timeval	 tv;
	struct berval	**vals = NULL;
	LDAPMessage	*res = NULL, *e;
	char		*attrs[2], *filter, *esc, *dn;
	size_t		 flen;
	enum dir_result	 r = DIR_DENIED;
	int		 rc;

	if ((esc = escape(a, name, strlen(name))) == NULL)
		return fail(DIR_DENIED, why, n, "name", LDAP_FILTER_ERROR);
	flen = strlen(s->user_filter) + strlen(s->name_attr) +
	    strlen(esc) + 8;
	filter = arena_alloc(a, flen);
	snprintf(filter, flen, "(&%s(%s=%s))", s->user_filter, s->name_attr,
	    esc);
	attrs[0] = (char *)s->name_attr;
	attrs[1] = NULL;
	if (set_timeouts(ld, dl_left(d, 0), &tv) == -1) {
		snprintf(why, n, "timed out");
		return DIR_UNAVAILABLE;
	}
	rc = ldap_search_ext_s(ld, s->base_dn, LDAP_SCOPE_SUBTREE, filter,
	    attrs, 0, NULL, NULL, &tv, 2, &res);
	if (rc == LDAP_SIZELIMIT_EXCEEDED) {
		snprintf(why, n, "the name finds more than one entry");
		goto out;
	}
	if (rc != LDAP_SUCCESS) {
		r = fail(rc == LDAP_NO_SUCH_OBJECT ? DIR_MISCONFIGURED :
		    classify(rc), why, n, "user search", rc);
		goto out;
	}
	if (ldap_count_entries(ld, res) != 1 ||
	    (e = ldap_first_entry(ld, res)) == NULL) {
		snprintf(why, n, "no such user");
		goto out;
	}
	vals = ldap_get_values_len(ld, e, s->name_attr);
	if (vals == NULL || vals[0] == NULL || vals[1] != NULL ||
	    !name_ok(vals[0], name)) {
		snprintf(why, n, "the entry's %s is not the name",
		    s->name_attr);
		goto out;
	}
	if ((dn = ldap_get_dn(ld, e)) == NULL) {
		snprintf(why, n, "the entry has no DN");
		goto out;
	}
	out->dn = arena_strdup(a, dn);
	ldap_memfree(dn);
	out->name = arena_strndup(a, vals[0]->bv_val, vals[0]->bv_len);
	r = DIR_OK;
out:
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	return r;
}

/*
 * Every group u->dn is in, directly or through groups that are members of
 * it, into u->groups (normalized): the groups holding the frontier, level
 * by level upwards, each level one search, at most DIR_GROUP_DEPTH levels
 * and FRONTIER_MAX groups a level.
 */
static enum dir_result
walk_groups(LDAP *ld, const struct dir_settings *s, const struct dl *d,
    struct arena *a, struct dir_user *u, char *why, size_t n)
{
	struct timeval	 tv;
	LDAPMessage	*res, *e;
	const char	*front[FRONTIER_MAX], *next[FRONTIER_MAX];
	const char	**all;
	char		*attrs[2] = { (char *)"1.1", NULL };
	char		*filter, *esc, *gdn, *norm;
	size_t		 len, off, nall = 0, j;
	int		 nf = 1, nn, depth, i, rc;

	all = arena_alloc(a, sizeof(*all) * DIR_GROUP_DEPTH * FRONTIER_MAX);
	front[0] = u->dn;
	for (depth = 0; depth < DIR_GROUP_DEPTH && nf > 0; depth++) {
		len = 4;
		for (i = 0; i < nf; i++) {
			if ((esc = escape(a, front[i], strlen(front[i]))) ==
			    NULL)
				return fail(DIR_DENIED, why, n, "DN",
				    LDAP_FILTER_ERROR);
			front[i] = esc;
			len += strlen(s->member_attr) + strlen(esc) + 3;
		}
		filter = arena_alloc(a, len);
		off = (size_t)snprintf(filter, len, "(|");
		for (i = 0; i < nf; i++)
			off += (size_t)snprintf(filter + off, len - off,
			    "(%s=%s)", s->member_attr, front[i]);
		snprintf(filter + off, len - off, ")");
		if (set_timeouts(ld, dl_left(d, 0), &tv) == -1) {
			snprintf(why, n, "timed out");
			return DIR_UNAVAILABLE;
		}
		res = NULL;
		rc = ldap_search_ext_s(ld, s->base_dn, LDAP_SCOPE_SUBTREE,
		    filter, attrs, 0, NULL, NULL, &tv, FRONTIER_MAX, &res);
		if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
			ldap_msgfree(res);
			return fail(classify(rc), why, n, "group search", rc);
		}
		nn = 0;
		for (e = ldap_first_entry(ld, res); e != NULL && nn <
		    FRONTIER_MAX; e = ldap_next_entry(ld, e)) {
			if ((gdn = ldap_get_dn(ld, e)) == NULL)
				continue;
			norm = dn_norm(a, gdn);
			ldap_memfree(gdn);
			/* A group seen before is not followed again (loops). */
			for (j = 0; norm != NULL && j < nall; j++)
				if (strcasecmp(all[j], norm) == 0)
					norm = NULL;
			if (norm == NULL)
				continue;
			all[nall++] = norm;
			next[nn++] = norm;
		}
		ldap_msgfree(res);
		memcpy(front, next, sizeof(next[0]) * (size_t)nn);
		nf = nn;
	}
	u->groups = all;
	u->ngroups = nall;
	return DIR_OK;
}

int
directory_member(struct arena *a, const struct dir_user *u,
    const char *group)
{
	const char	*want;
	size_t		 i;

	if ((want = dn_norm(a, group)) == NULL)
		return 0;
	for (i = 0; i < u->ngroups; i++)
		if (strcasecmp(u->groups[i], want) == 0)
			return 1;
	return 0;
}

/* The user's own bind, on the connection of the search. */
static enum dir_result
bind_user(LDAP *ld, const struct dl *d, const char *dn, const char *pw,
    size_t len, char *why, size_t n)
{
	struct berval	 cred;
	struct timeval	 tv;
	int		 rc;

	/* An empty password is an unauthenticated bind (RFC 4513 5.1.2). */
	if (len == 0) {
		snprintf(why, n, "empty password");
		return DIR_DENIED;
	}
	if (set_timeouts(ld, dl_left(d, 0), &tv) == -1) {
		snprintf(why, n, "timed out");
		return DIR_UNAVAILABLE;
	}
	cred.bv_val = (char *)pw;
	cred.bv_len = len;
	rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
	if (rc == LDAP_SUCCESS)
		return DIR_OK;
	if (classify(rc) == DIR_UNAVAILABLE)
		return fail(DIR_UNAVAILABLE, why, n, "user bind", rc);
	/* Wrong password, locked, unwilling: the user does not sign in. */
	return fail(DIR_DENIED, why, n, "user bind", rc);
}

/* The user name, its groups, and that it is in the required one, by d. */
static enum dir_result
lookup(LDAP *ld, const struct dir_settings *s, const struct dl *d,
    struct arena *a, const char *name, struct dir_user *out, char *why,
    size_t n)
{
	enum dir_result	 r;

	if ((r = find_user(ld, s, d, a, name, out, why, n)) == DIR_OK &&
	    (s->walk_groups || s->required_group[0] != '\0'))
		r = walk_groups(ld, s, d, a, out, why, n);
	if (r == DIR_OK && s->required_group[0] != '\0' &&
	    !directory_member(a, out, s->required_group)) {
		snprintf(why, n, "not a member of required_group");
		r = DIR_DENIED;
	}
	return r;
}

enum dir_result
directory_check(const struct dir_settings *s, int timeout_s,
    struct arena *a, const char *name, const char *pw, size_t pw_len,
    struct dir_user *out, char *why, size_t n)
{
	struct dl	 d;
	LDAP		*ld;
	enum dir_result	 r;

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if (pw != NULL && pw_len == 0) {
		snprintf(why, n, "empty password");
		return DIR_DENIED;
	}
	dl_start(&d, timeout_s);
	if ((r = dir_open(s, &d, &ld, why, n)) != DIR_OK)
		return r;
	r = lookup(ld, s, &d, a, name, out, why, n);
	if (r == DIR_OK && pw != NULL)
		r = bind_user(ld, &d, out->dn, pw, pw_len, why, n);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return r;
}

/* A search-bound connection that serves several look-ups. */
struct dir_conn {
	LDAP			*ld;
	const struct dir_settings *s;
};

enum dir_result
directory_open(const struct dir_settings *s, int timeout_s,
    struct dir_conn **out, char *why, size_t n)
{
	struct dl	 d;
	LDAP		*ld;
	enum dir_result	 r;

	*out = NULL;
	why[0] = '\0';
	dl_start(&d, timeout_s);
	if ((r = dir_open(s, &d, &ld, why, n)) != DIR_OK)
		return r;
	if ((*out = malloc(sizeof(**out))) == NULL) {
		ldap_unbind_ext_s(ld, NULL, NULL);
		snprintf(why, n, "out of memory");
		return DIR_UNAVAILABLE;
	}
	(*out)->ld = ld;
	(*out)->s = s;
	return DIR_OK;
}

enum dir_result
directory_lookup(struct dir_conn *c, int timeout_s, struct arena *a,
    const char *name, struct dir_user *out, char *why, size_t n)
{
	struct dl	 d;

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	dl_start(&d, timeout_s);
	return lookup(c->ld, c->s, &d, a, name, out, why, n);
}

void
directory_close(struct dir_conn *c)
{
	if (c == NULL)
		return;
	ldap_unbind_ext_s(c->ld, NULL, NULL);
	free(c);
}

enum dir_result
directory_ping(const struct dir_settings *s, int timeout_s, char *why,
    size_t n)
{
	struct dl	 d;
	LDAP		*ld;
	enum dir_result	 r;

	why[0] = '\0';
	dl_start(&d, timeout_s);
	if ((r = dir_open(s, &d, &ld, why, n)) == DIR_OK)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return r;
}

const char *
directory_result_string(enum dir_result r)
{
	static const char *const names[] = { "ok", "denied", "unavailable",
	    "misconfigured" };

	return names[r];
}
