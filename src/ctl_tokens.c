/*
 * ctl_tokens.c -- usersctl's tokens: creating one for a user (its own
 * read/write, or an operator's permissions), listing them with their
 * hygiene (unused, expiring), rotating and revoking, through the tokens
 * service as the shell principal.  A token's value is printed once.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ids.h"
#include "orgs.h"
#include "perm.h"
#include "policy.h"
#include "setup.h"
#include "tokens.h"
#include "util.h"
#include "banned.h"

/* A duration: seconds, or a number with s, m, h or d; -1 when not one. */
static long long
duration(const char *s)
{
	static const struct { char unit; long long secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }
	};
	char		 num[24];
	size_t		 n = strlen(s), i;
	long long	 v, mul = 1;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (num[n - 1] == units[i].unit) {
			mul = units[i].secs;
			num[n - 1] = '\0';
		}
	if (util_parse_ll(num, 0, 100LL * 366 * 86400 / mul, &v) == -1)
		return -1;
	return v * mul;
}

/* An API time (RFC 3339 in UTC, as usersd_time prints it) in epoch s. */
static long long
epoch_of(const char *t)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	return (long long)timegm(&tm);
}

/*
 * Why token z is listed under the hygiene filters (unused for unused
 * seconds, expiring within expiring; -1: that filter is off), or NULL
 * when it is not.  Without filters every token is listed ("").
 */
static const char *
hygiene(const struct authz *z, long long unused, long long expiring)
{
	long long	 now = (long long)time(NULL);

	if (unused < 0 && expiring < 0)
		return "";
	if (expiring >= 0 && z->expires != NULL &&
	    epoch_of(z->expires) < now + expiring)
		return z->expired ? "expired" : "expiring";
	if (unused >= 0 && epoch_of(z->last_used ? z->last_used :
	    z->created) < now - unused)
		return "unused";
	return NULL;
}

/*
 * Option --name, a DURATION, into *secs (-1 when not given): 0, or 2
 * after a usage error.
 */
static int
duration_opt(const struct ctl_args *a, const char *name, long long *secs)
{
	const char	*s = ctl_opt(a, name);

	*secs = -1;
	if (s != NULL && (*secs = duration(s)) == -1)
		return ctl_usage_error(a, "%s is not a duration", s);
	return 0;
}

/*
 * token create --user NAME --org NAME [--description D] [--operator]
 * [--expires-in DURATION]
 */
int
ctl_token_create(struct ctl *c, const struct ctl_args *a)
{
	struct expiry_in x = { NULL, NULL };
	struct perm	 perms[RT__MAX * ACT__MAX];
	struct apierr	 e;
	struct user	 u;
	struct org	 o;
	struct authz	 z;
	const char	*org = ctl_opt(a, "org"), *desc;
	long long	 in;
	size_t		 n;

	if (duration_opt(a, "expires-in", &in) != 0)
		return 2;
	if (in >= 0)
		x.in = arena_printf(c->arena, "%lld", in);
	if ((desc = ctl_opt(a, "description")) == NULL)
		desc = "";
	if (ctl_user_by_name(c, ctl_opt(a, "user"), &u) != 0)
		return 1;
	if (orgs_get_by_name(c->db, c->arena, org, &o, &e) == -1)
		return ctl_die_api(org, &e);
	if (ctl_opt(a, "operator") != NULL)
		n = setup_operator_perms(perms);
	else {
		perm_make(&perms[0], ACT_READ, RT_USERS, u.id, NULL);
		perm_make(&perms[1], ACT_WRITE, RT_USERS, u.id, NULL);
		n = 2;
	}
	if (tokens_create_unchecked(c->db, c->arena, &c->actor, u.id, o.id,
	    desc, perms, n, &x, &z, &e) == -1)
		return ctl_die_api("token create", &e);
	printf("%s\n", z.token);
	fprintf(stderr, "usersctl: token id %s\n", z.id);
	return 0;
}

/*
 * token list [--user NAME] [--unused-since DURATION]
 * [--expiring-within DURATION]: never a token's value.
 */
int
ctl_token_list(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;
	struct user	 u;
	struct authz	*list;
	struct tokens_filter f;
	struct page	 pg;
	const char	*user = ctl_opt(a, "user"), *why;
	char		 pbuf[PERM_STR_MAX];
	long long	 unused, expiring;
	size_t		 n, i, j;

	if (duration_opt(a, "unused-since", &unused) != 0 ||
	    duration_opt(a, "expiring-within", &expiring) != 0)
		return 2;
	if (user != NULL && ctl_user_by_name(c, user, &u) != 0)
		return 1;
	memset(&f, 0, sizeof(f));
	memset(&pg, 0, sizeof(pg));	/* limit 0: every token */
	f.user_id = user ? u.id : NULL;
	if (tokens_list(c->db, c->arena, &policy_shell, &f, &pg, &list, &n,
	    &e) == -1)
		return ctl_die_api("token list", &e);
	for (i = 0; i < n; i++) {
		if ((why = hygiene(&list[i], unused, expiring)) == NULL)
			continue;
		printf("%s\t%s\t%s\t%s\t%s\t", list[i].id, list[i].status,
		    list[i].user_name, list[i].org_name, list[i].description);
		for (j = 0; j < list[i].nperms; j++)
			printf("%s%s", j ? "," : "",
			    perm_format(&list[i].perms[j], pbuf));
		printf("\t%s\t%s%s%s\n", list[i].expires ? list[i].expires :
		    "never", list[i].last_used ? list[i].last_used : "never",
		    *why ? "\t" : "", why);
	}
	return 0;
}

/* The token id of a->argv[0]: 0, or 2 after a usage error. */
static int
token_id(const struct ctl_args *a)
{
	if (!id_is_canonical(a->argv[0]))
		return ctl_usage_error(a, "%s is not a token id", a->argv[0]);
	return 0;
}

/* token rotate ID [--grace DURATION]: the new secret, printed once. */
int
ctl_token_rotate(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;
	struct authz	 z;
	long long	 grace;

	if (duration_opt(a, "grace", &grace) != 0 || token_id(a) != 0)
		return 2;
	if (tokens_get(c->db, c->arena, a->argv[0], &z, &e) == -1 ||
	    tokens_rotate(c->db, c->arena, NULL, &c->actor, &z,
	    grace > 0 ? arena_printf(c->arena, "%lld", grace) : NULL,
	    &z, &e) == -1)
		return ctl_die_api("token rotate", &e);
	printf("%s\n", z.token);
	if (z.grace_until != NULL)
		fprintf(stderr, "usersctl: the old secret works until %s\n",
		    z.grace_until);
	return 0;
}

/* token revoke ID */
int
ctl_token_revoke(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;

	if (token_id(a) != 0)
		return 2;
	if (tokens_delete(c->db, c->arena, &c->actor, a->argv[0], &e) == -1)
		return ctl_die_api("token revoke", &e);
	return 0;
}
