/*
 * policy.c -- InfluxDB's permission checks and what a principal may list.
 * What a user may do comes from what it is at the request: read/write on
 * its own user, the owner and member permissions of its orgs (authz.go
 * OwnerPermissions/MemberPermissions), everything for an instance owner.
 * A session may do that; a token, that and no more than its own
 * permissions, so a demotion binds every credential of the user from the
 * next request on.  The shell (usersctl) may do anything: it holds the
 * database.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy.h"
#include "banned.h"

const struct principal policy_shell = { .kind = PRINC_SHELL };

size_t
policy_words(struct arena *a, const char *s, char ***out)
{
	char	*copy, *w, *save = NULL;
	size_t	 n = 0, cap;

	*out = NULL;
	if (s == NULL || *s == '\0')
		return 0;
	cap = 1;
	for (w = (char *)s; *w != '\0'; w++)
		if (*w == ' ')
			cap++;
	*out = arena_alloc(a, sizeof(char *) * cap);
	copy = arena_strdup(a, s);
	for (w = strtok_r(copy, " ", &save); w != NULL && n < cap;
	    w = strtok_r(NULL, " ", &save))
		(*out)[n++] = w;
	return n;
}

size_t
policy_perms_parse(const char *text, struct perm **out, size_t *bad)
{
	size_t	 len = strlen(text);

	/* On the heap: auth.c keeps a token's permissions across requests. */
	if ((*out = calloc(perm_list_max(text, len), sizeof(**out))) == NULL)
		fatal("out of memory");
	return perm_list_parse(text, len, *out, bad);
}

static int
in_list(char **list, size_t n, const char *id)
{
	size_t	 i;

	if (id == NULL || *id == '\0')
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(list[i], id) == 0)
			return 1;
	return 0;
}

/*
 * What p's user may do now, by its roles: everything for an instance
 * owner; else read and write on its own user (users belong to no org, so
 * no org role reaches them: what an owner may do to users is the
 * membership of its org, /orgs/{id}/members and /owners); in an org it
 * owns, read and write on the org and everything in it; in an org it is a
 * member of, read.  want is concrete (policy_allowed).
 */
static int
user_may(const struct principal *p, const struct perm *want)
{
	if (p->instance_owner)
		return 1;
	if (want->type == RT_USERS)
		return want->id[0] != '\0' && p->user_id != NULL &&
		    strcmp(want->id, p->user_id) == 0;
	if (want->type == RT_INSTANCE)
		return 0;
	if (in_list(p->owner_orgs, p->nowner, want->org))
		return 1;
	return want->action == ACT_READ &&
	    in_list(p->member_orgs, p->nmember, want->org);
}

/*
 * The rule of docs/permissions.md: a check is always against a concrete
 * resource, and the resource decides its scope.  id and org name the
 * resource; org is the org it really belongs to (the caller loaded it),
 * NULL for users and the instance, and may be NULL for an org (it
 * belongs to itself).
 */
int
policy_allowed(const struct principal *p, enum perm_action action,
    enum rtype type, const char *id, const char *org)
{
	struct perm	 want;
	size_t		 i;

	if (p == NULL)
		return 0;
	if (p->kind == PRINC_SHELL)
		return 1;
	if (p->old_secret && type == RT_AUTHORIZATIONS && action == ACT_WRITE)
		return 0;
	perm_make(&want, action, type, id, org);
	if (type == RT_ORGS && want.org[0] == '\0')
		memcpy(want.org, want.id, sizeof(want.org));
	if (p->kind == PRINC_TOKEN) {
		for (i = 0; i < p->nperms; i++)
			if (perm_matches(&p->perms[i], &want))
				break;
		if (i == p->nperms)
			return 0;
	}
	return user_may(p, &want);
}

int
policy_require(const struct principal *p, enum perm_action action,
    enum rtype type, const char *id, const char *org, struct apierr *e)
{
	struct perm	 want;
	char		 buf[PERM_STR_MAX];

	if (policy_allowed(p, action, type, id, org))
		return 0;
	perm_make(&want, action, type, id, org);
	return apierr_set(e, APIERR_UNAUTHORIZED, "%s is unauthorized",
	    perm_format(&want, buf));
}

/* Adds word to b when it is not there yet. */
static void
add_word(struct abuf *b, const char *word)
{
	size_t	 n = strlen(word);
	char	*at;

	for (at = b->data; at != NULL && (at = strstr(at, word)) != NULL;
	    at += n)
		if ((at == b->data || at[-1] == ' ') && at[n] == ' ')
			return;
	abuf_printf(b, "%s ", word);
}

/*
 * The orgs whose every t p may read (t of an org, or the orgs
 * themselves): the only candidates are the orgs of its user's roles and
 * those its permissions name, since a resource of any other org needs an
 * instance owner holding a permission for that org, or for every org
 * (then p may read all).
 */
static void
scope_orgs(const struct principal *p, enum rtype t, struct abuf *orgs)
{
	size_t	 i;

	for (i = 0; i < p->nowner; i++)
		if (policy_allowed(p, ACT_READ, t, NULL, p->owner_orgs[i]))
			add_word(orgs, p->owner_orgs[i]);
	for (i = 0; i < p->nmember; i++)
		if (policy_allowed(p, ACT_READ, t, NULL, p->member_orgs[i]))
			add_word(orgs, p->member_orgs[i]);
	for (i = 0; p->kind == PRINC_TOKEN && i < p->nperms; i++)
		if (p->perms[i].org[0] != '\0' && policy_allowed(p, ACT_READ,
		    t, NULL, p->perms[i].org))
			add_word(orgs, p->perms[i].org);
}

/*
 * The resources of type t a token's permissions name by id that p may
 * read: "ID" when in any org, else "ORG/ID" for each org it may read it
 * in (the permission's own, or its user's).
 */
static void
scope_ids(struct arena *a, const struct principal *p, enum rtype t,
    struct abuf *ids)
{
	const struct perm *h;
	size_t		 i, j;

	for (i = 0; p->kind == PRINC_TOKEN && i < p->nperms; i++) {
		h = &p->perms[i];
		if (h->type != t || h->id[0] == '\0')
			continue;
		if (h->org[0] != '\0') {
			if (policy_allowed(p, ACT_READ, t, h->id, h->org))
				add_word(ids, arena_printf(a, "%s/%s", h->org,
				    h->id));
			continue;
		}
		if (policy_allowed(p, ACT_READ, t, h->id, NULL)) {
			add_word(ids, h->id);
			continue;
		}
		for (j = 0; j < p->nowner + p->nmember; j++) {
			const char *org = j < p->nowner ? p->owner_orgs[j] :
			    p->member_orgs[j - p->nowner];

			if (policy_allowed(p, ACT_READ, t, h->id, org))
				add_word(ids, arena_printf(a, "%s/%s", org,
				    h->id));
		}
	}
}

void
policy_scope(struct arena *a, const struct principal *p, enum rtype t,
    struct scope *out)
{
	struct abuf	 orgs, ids;
	size_t		 i;

	memset(out, 0, sizeof(*out));
	out->orgs = out->ids = "";
	if ((out->all = policy_allowed(p, ACT_READ, t, NULL, NULL)) ||
	    p == NULL)
		return;
	abuf_init(&orgs, a, 128);
	abuf_init(&ids, a, 128);
	switch (t) {
	case RT_USERS:
		/* Its own user, and those a token names (an owner's). */
		if (policy_allowed(p, ACT_READ, t, p->user_id, NULL))
			add_word(&ids, p->user_id);
		scope_ids(a, p, t, &ids);
		break;
	case RT_ORGS:
		/* An org is its own org: those it may read are its ids. */
		scope_orgs(p, t, &ids);
		for (i = 0; p->kind == PRINC_TOKEN && i < p->nperms; i++)
			if (p->perms[i].type == RT_ORGS &&
			    p->perms[i].id[0] != '\0' && policy_allowed(p,
			    ACT_READ, t, p->perms[i].id, NULL))
				add_word(&ids, p->perms[i].id);
		break;
	default:
		scope_orgs(p, t, &orgs);
		scope_ids(a, p, t, &ids);
		break;
	}
	out->orgs = orgs.data;
	out->ids = ids.data;
}
