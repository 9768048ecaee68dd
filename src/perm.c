/*
 * perm.c -- permission names, the text codec (of one permission, and of a
 * token's list as it is stored) and the matching rule: InfluxDB's
 * (authz.go matchesV1), except that the resource decides its scope
 * (perm.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perm.h"
#include "banned.h"

static const char *const actions[ACT__MAX] = { "read", "write" };

static const char *const types[RT__MAX] = {
	"authorizations", "buckets", "dashboards", "orgs", "sources", "tasks",
	"telegrafs", "users", "variables", "scrapers", "secrets", "labels",
	"views", "documents", "notificationRules", "notificationEndpoints",
	"checks", "dbrp", "notebooks", "annotations", "remotes",
	"replications", "instance",
};

const char *
perm_action_name(enum perm_action a)
{
	return actions[a];
}

const char *
perm_type_name(enum rtype t)
{
	return types[t];
}

int
perm_action_parse(const char *s)
{
	int	 i;

	for (i = 0; i < ACT__MAX; i++)
		if (strcmp(s, actions[i]) == 0)
			return i;
	return -1;
}

int
perm_type_parse(const char *s)
{
	int	 i;

	for (i = 0; i < RT__MAX; i++)
		if (strcmp(s, types[i]) == 0)
			return i;
	return -1;
}

void
perm_make(struct perm *p, enum perm_action a, enum rtype t, const char *id,
    const char *org)
{
	memset(p, 0, sizeof(*p));
	p->action = a;
	p->type = t;
	if (id != NULL)
		snprintf(p->id, sizeof(p->id), "%s", id);
	if (org != NULL)
		snprintf(p->org, sizeof(p->org), "%s", org);
}

int
perm_parse(const char *s, struct perm *p)
{
	char	 buf[PERM_STR_MAX], *part[5], *colon, *save = NULL, *tok;
	int	 n = 0, a, t;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	if ((colon = strchr(buf, ':')) == NULL)
		return -1;
	*colon = '\0';
	if ((a = perm_action_parse(buf)) == -1)
		return -1;
	for (tok = strtok_r(colon + 1, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		if (n == 4)
			return -1;
		part[n++] = tok;
	}
	memset(p, 0, sizeof(*p));
	p->action = a;
	switch (n) {
	case 1:
	case 2:
		if ((t = perm_type_parse(part[0])) == -1)
			return -1;
		p->type = t;
		if (n == 2) {
			if (!id_is_canonical(part[1]))
				return -1;
			snprintf(p->id, sizeof(p->id), "%s", part[1]);
		}
		return 0;
	case 3:
	case 4:
		if (strcmp(part[0], "orgs") != 0 || !id_is_canonical(part[1]) ||
		    (t = perm_type_parse(part[2])) == -1)
			return -1;
		p->type = t;
		snprintf(p->org, sizeof(p->org), "%s", part[1]);
		if (n == 4) {
			if (!id_is_canonical(part[3]))
				return -1;
			snprintf(p->id, sizeof(p->id), "%s", part[3]);
		}
		return 0;
	}
	return -1;
}

char *
perm_format(const struct perm *p, char *buf)
{
	const char	*a = actions[p->action], *t = types[p->type];
	int		 n;

	if (p->org[0] != '\0' && p->id[0] != '\0')
		n = snprintf(buf, PERM_STR_MAX, "%s:orgs/%s/%s/%s", a, p->org,
		    t, p->id);
	else if (p->org[0] != '\0')
		n = snprintf(buf, PERM_STR_MAX, "%s:orgs/%s/%s", a, p->org, t);
	else if (p->id[0] != '\0')
		n = snprintf(buf, PERM_STR_MAX, "%s:%s/%s", a, t, p->id);
	else
		n = snprintf(buf, PERM_STR_MAX, "%s:%s", a, t);
	/* PERM_STR_MAX holds the longest form: a cut one would be stored. */
	if (n < 0 || n >= PERM_STR_MAX)
		abort();
	return buf;
}

char *
perm_list_format(const struct perm *p, size_t n, char *buf)
{
	char	*w = buf;
	size_t	 i;

	*w = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*w++ = ' ';
		w += strlen(perm_format(&p[i], w));
	}
	return buf;
}

size_t
perm_list_max(const char *text, size_t len)
{
	size_t	 i, n = 1;

	for (i = 0; i < len; i++)
		n += text[i] == ' ';
	return n;
}

size_t
perm_list_parse(const char *text, size_t len, struct perm *out, size_t *bad)
{
	char	 word[PERM_STR_MAX];
	size_t	 i = 0, n = 0, w;

	*bad = 0;
	while (i < len) {
		if (text[i] == ' ') {
			i++;
			continue;
		}
		for (w = 0; i + w < len && text[i + w] != ' '; w++)
			;
		/* Too long for any permission, or cut short by a NUL: none. */
		if (w >= sizeof(word) || memchr(text + i, '\0', w) != NULL) {
			(*bad)++;
		} else {
			memcpy(word, text + i, w);
			word[w] = '\0';
			if (perm_parse(word, &out[n]) == 0)
				n++;
			else
				(*bad)++;
		}
		i += w;
	}
	return n;
}

int
perm_matches(const struct perm *held, const struct perm *res)
{
	const char	*org = res->org;

	if (held->action != res->action)
		return 0;
	if (held->type == RT_INSTANCE)
		return 1;
	if (held->type != res->type)
		return 0;
	if (res->type == RT_ORGS && org[0] == '\0')
		org = res->id;
	if (held->org[0] != '\0' && strcmp(held->org, org) != 0)
		return 0;
	if (held->id[0] != '\0' && strcmp(held->id, res->id) != 0)
		return 0;
	return 1;
}
