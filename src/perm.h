/*
 * perm.h -- InfluxDB's permission model (authz.go): an action on a resource
 * {type, id?, orgID?}, written as "read:orgs/<org>/buckets/<id>".  That
 * string form is also how permissions are stored in PostgreSQL.
 */
#ifndef PERM_H
#define PERM_H

#include <stddef.h>

#include "ids.h"

enum perm_action {
	ACT_READ = 0,
	ACT_WRITE,
	ACT__MAX
};

/* In InfluxDB 2.7's order (OperPermissions lists them so). */
enum rtype {
	RT_AUTHORIZATIONS = 0,
	RT_BUCKETS,
	RT_DASHBOARDS,
	RT_ORGS,
	RT_SOURCES,
	RT_TASKS,
	RT_TELEGRAFS,
	RT_USERS,
	RT_VARIABLES,
	RT_SCRAPERS,
	RT_SECRETS,
	RT_LABELS,
	RT_VIEWS,
	RT_DOCUMENTS,
	RT_NOTIFICATION_RULES,
	RT_NOTIFICATION_ENDPOINTS,
	RT_CHECKS,
	RT_DBRP,
	RT_NOTEBOOKS,
	RT_ANNOTATIONS,
	RT_REMOTES,
	RT_REPLICATIONS,
	RT_INSTANCE,
	RT__MAX
};

struct perm {
	enum perm_action action;
	enum rtype	 type;
	char		 id[ID_LEN + 1];	/* "" when absent */
	char		 org[ID_LEN + 1];	/* "" when absent */
};

/* The longest form: "write:orgs/<16>/notificationEndpoints/<16>" is 66. */
#define PERM_STR_MAX	96

const char	*perm_action_name(enum perm_action);
const char	*perm_type_name(enum rtype);
/* The action or type of a name; -1 when unknown. */
int		 perm_action_parse(const char *);
int		 perm_type_parse(const char *);

/* Parses the stored string form; 0, or -1 when malformed. */
int		 perm_parse(const char *, struct perm *);
/* Writes Permission.String() into buf (PERM_STR_MAX bytes); returns buf. */
char		*perm_format(const struct perm *, char *buf);
/*
 * A token's permissions as one text, as they are stored and read back:
 * perm_format texts, one space between two (an admin's psql may write
 * runs of them).  perm_list_format writes n permissions into buf, of
 * PERM_LIST_SIZE(n) bytes, and returns buf.  perm_list_max is the room
 * perm_list_parse needs for the len bytes of text (NULL: none): one more
 * than its spaces.  perm_list_parse reads those bytes into out in their
 * order and returns the count; a word that is no permission (malformed,
 * of an unknown action or type, PERM_STR_MAX bytes or longer, or holding
 * a NUL) is skipped, never cut into a shorter one, and counted in *bad.
 */
#define PERM_LIST_SIZE(n)	((n) * PERM_STR_MAX + 1)
char		*perm_list_format(const struct perm *, size_t n, char *buf);
size_t		 perm_list_max(const char *text, size_t len);
size_t		 perm_list_parse(const char *text, size_t len, struct perm *out,
		    size_t *bad);
/*
 * 1 when the held permission grants action on a concrete resource: res
 * names the resource's type, its id ("" for every resource of the type)
 * and the org it really belongs to ("" for users and the instance, which
 * belong to no org; an org belongs to itself, so an empty org of an orgs
 * resource reads as its id).  A held org must equal the resource's org,
 * a held id its id: unlike InfluxDB's matchesV1, an id does not match
 * across orgs.
 */
int		 perm_matches(const struct perm *held, const struct perm *res);
/* Fills p; id and org may be NULL. */
void		 perm_make(struct perm *, enum perm_action, enum rtype,
		    const char *id, const char *org);

#endif
