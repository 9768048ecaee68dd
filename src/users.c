/*
 * users.c -- users service.  Uniqueness of names and ids is the schema's
 * (UNIQUE, PRIMARY KEY), so two concurrent creates cannot both win; the
 * violated constraint picks InfluxDB's conflict message.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "db_users.h"
#include "ids.h"
#include "password.h"
#include "svc.h"
#include "users.h"
#include "util.h"
#include "banned.h"

int
users_check_name(const char *name, int present, struct apierr *e)
{
	size_t	 n;

	if (!present || name == NULL || *name == '\0')
		return apierr_set(e, APIERR_EMPTY_VALUE,
		    "user name is required");
	n = strlen(name);
	if (n > USER_NAME_MAX)
		return apierr_set(e, APIERR_INVALID,
		    "user name must be at most %d bytes", USER_NAME_MAX);
	if (!util_name_valid(name, n))
		return apierr_set(e, APIERR_INVALID, "user name must be valid "
		    "UTF-8 without control, line separator or bidi control "
		    "characters");
	return 0;
}

static int
conflict(struct db *db, const char *name, const char *id, struct apierr *e)
{
	if (strcmp(db_constraint(db), "users_pkey") == 0)
		return apierr_set(e, APIERR_CONFLICT,
		    "user with ID %s already exists", id ? id : "");
	return apierr_set(e, APIERR_CONFLICT,
	    "user with name %s already exists", name ? name : "");
}

int
users_create(struct db *db, struct arena *a, const struct actor *act,
    const struct user_in *in, struct user *out, struct apierr *e)
{
	struct idstr	 id;
	const char	*idp = NULL;
	enum dbres	 rc;

	if (in->id != NULL && id_parse(in->id, &id, NULL, e) == -1)
		return -1;
	if (users_check_name(in->name, in->has_name, e) == -1 ||
	    svc_check_status(in->status, e) == -1)
		return -1;
	if (in->kind != NULL && strcmp(in->kind, "user") != 0 &&
	    strcmp(in->kind, "service") != 0)
		return apierr_set(e, APIERR_INVALID,
		    "kind must be \"user\" or \"service\"");
	if (in->id != NULL)
		idp = id.s;
	rc = db_user_insert(db, a, act, idp, in->name,
	    in->status != NULL ? in->status : "active",
	    in->kind != NULL ? in->kind : "user", out);
	if (rc == DB_CONFLICT)
		return conflict(db, in->name, idp, e);
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}

static int
found(struct db *db, enum dbres rc, struct apierr *e)
{
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}

int
users_get(struct db *db, struct arena *a, const char *id, struct user *out,
    struct apierr *e)
{
	return found(db, db_user_get(db, a, id, out), e);
}

int
users_get_by_name(struct db *db, struct arena *a, const char *name,
    struct user *out, struct apierr *e)
{
	/* No name users_check_name refuses is looked up. */
	if (!util_name_valid(name, strlen(name)))
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	return found(db, db_user_by_name(db, a, name, out), e);
}

void
users_list_ride(const struct page *pg, struct db_read *rd)
{
	db_users_page_read(pg, 1, "", rd);
}

int
users_list(struct db *db, struct arena *a, const struct principal *p,
    struct page *pg, struct db_read *ride, struct user **out, size_t *n,
    struct apierr *e)
{
	struct db_read	 own, *rd = ride;
	struct scope	 sc;

	/* Filtered before paging, in the statement: pages stay full. */
	policy_scope(a, p, RT_USERS, &sc);
	if (rd == NULL || !sc.all) {
		rd = &own;
		db_users_page_read(pg, sc.all, sc.ids, rd);
		db_users_page(db, a, rd);
	}
	if (rd->rc != DB_OK && rd->rc != DB_NOROW)
		return svc_dberr(db, rd->rc, e);
	db_users_page_rows(a, rd, pg, out, n);
	return 0;
}

int
users_find(struct db *db, struct arena *a, const struct principal *p,
    const char *id, const char *name, struct user **out, size_t *n,
    struct apierr *e)
{
	struct idstr	 parsed;
	struct user	*u = arena_alloc(a, sizeof(*u));
	int		 rc;

	*out = NULL;
	*n = 0;
	if (id != NULL) {
		if (id_parse(id, &parsed, NULL, e) == -1)
			return -1;
		rc = users_get(db, a, parsed.s, u, e);
	} else
		rc = users_get_by_name(db, a, name, u, e);
	/* Without read:users a miss reads as "nothing visible". */
	if (rc == -1)
		return e->code == APIERR_NOT_FOUND &&
		    !policy_allowed(p, ACT_READ, RT_USERS, NULL, NULL) ? 0 : -1;
	if (policy_allowed(p, ACT_READ, RT_USERS, u->id, NULL)) {
		*out = u;
		*n = 1;
	}
	return 0;
}

int
users_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const struct user_in *in, struct user *out,
    struct apierr *e)
{
	enum dbres	 rc;

	if (svc_check_status(in->status, e) == -1)
		return -1;
	if (in->has_name && users_check_name(in->name, 1, e) == -1)
		return -1;
	rc = db_user_update(db, a, act, id, in->has_name ? in->name : NULL,
	    in->status, out);
	if (rc == DB_CONFLICT)
		return conflict(db, in->name, NULL, e);
	return found(db, rc, e);
}

int
users_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id, struct apierr *e)
{
	return found(db, db_user_delete(db, a, act, id), e);
}

int
users_check_password_policy(const char *pw, struct apierr *e)
{
	return pw_policy(pw, pw ? strlen(pw) : 0, e);
}

int
users_set_password(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *pw, size_t len, const char *gen,
    struct apierr *e)
{
	char		 hash[PW_HASH_MAX];
	enum dbres	 rc;

	if (pw_policy(pw, len, e) == -1)
		return -1;
	if (pw_hash(pw, len, hash, e) == -1)
		return -1;
	rc = db_user_set_password(db, a, act, id, hash, gen);
	/* sql/migrations/0014: a service user has no password. */
	if (rc == DB_CHECK)
		return apierr_set(e, APIERR_INVALID,
		    "a service user has no password");
	if (rc == DB_NOROW && gen != NULL)
		return apierr_set(e, APIERR_UNAUTHORIZED, "the credentials "
		    "changed while the password was checked; sign in again");
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_FORBIDDEN,
		    "your userID is incorrect");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}
