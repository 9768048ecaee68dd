/*
 * users.c -- users service.  Uniqueness of names and ids is the schema's
 * (UNIQUE, PRIMARY KEY), so two concurrent creates cannot both win; the
 * violated constraint picks InfluxDB's conflict message.
 */
#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "password.h"
#include "svc.h"
#include "users.h"
#include "util.h"
#include "banned.h"

static void
row_user(const struct dbrows *rows, int r, struct user *u)
{
	u->id = dbrows_get(rows, r, 0);
	u->name = dbrows_get(rows, r, 1);
	u->status = dbrows_get(rows, r, 2);
}

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
	struct dbrows	 rows;
	const char	*params[7];
	enum dbres	 rc;

	if (in->id != NULL && id_parse(in->id, &id, NULL, e) == -1)
		return -1;
	if (users_check_name(in->name, in->has_name, e) == -1 ||
	    svc_check_status(in->status, e) == -1)
		return -1;
	params[0] = in->id != NULL ? id.s : NULL;
	params[1] = in->name;
	params[2] = in->status != NULL ? in->status : "active";
	params[3] = NULL;
	params[4] = act->user_id;
	params[5] = act->auth_id;
	params[6] = act->addr;
	rc = db_run(db, STMT_USER_INSERT, 7, params, a, &rows);
	if (rc == DB_CONFLICT)
		return conflict(db, in->name, params[0], e);
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	row_user(&rows, 0, out);
	return 0;
}

static int
get_one(struct db *db, struct arena *a, enum stmt s, const char *key,
    struct user *out, struct apierr *e)
{
	struct dbrows	 rows;
	enum dbres	 rc;

	rc = db_run(db, s, 1, &key, a, &rows);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	row_user(&rows, 0, out);
	return 0;
}

int
users_get(struct db *db, struct arena *a, const char *id, struct user *out,
    struct apierr *e)
{
	return get_one(db, a, STMT_USER_GET, id, out, e);
}

int
users_get_by_name(struct db *db, struct arena *a, const char *name,
    struct user *out, struct apierr *e)
{
	/* No name users_check_name refuses is looked up. */
	if (!util_name_valid(name, strlen(name)))
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	return get_one(db, a, STMT_USER_BY_NAME, name, out, e);
}

/* Fills rd with the list statement and its parameters. */
static void
list_read(const struct page *pg, int read_all, const char *readable,
    struct db_read *rd)
{
	memset(rd, 0, sizeof(*rd));
	/* One more row than asked tells whether a next page exists. */
	snprintf(rd->num[0], sizeof(rd->num[0]), "%d", pg->limit + 1);
	snprintf(rd->num[1], sizeof(rd->num[1]), "%d", pg->offset);
	rd->stmt = pg->descending ? STMT_USERS_LIST_DESC : STMT_USERS_LIST;
	rd->n = 5;
	rd->params[0] = pg->after;
	rd->params[1] = rd->num[0];
	rd->params[2] = rd->num[1];
	rd->params[3] = read_all ? "t" : "f";
	rd->params[4] = readable ? readable : "";
}

void
users_list_ride(const struct page *pg, struct db_read *rd)
{
	list_read(pg, 1, "", rd);
}

int
users_list(struct db *db, struct arena *a, int read_all,
    const char *readable, struct page *pg, struct db_read *ride,
    struct user **out, size_t *n, struct apierr *e)
{
	struct db_read	 own, *rd = ride;
	int		 i;

	if (rd == NULL || !read_all) {
		rd = &own;
		list_read(pg, read_all, readable, rd);
		rd->rc = db_run(db, rd->stmt, rd->n, rd->params, a, &rd->rows);
	}
	if (rd->rc != DB_OK && rd->rc != DB_NOROW)
		return svc_dberr(db, rd->rc, e);
	pg->more = rd->rows.nrows > pg->limit;
	*n = pg->more ? (size_t)pg->limit : (size_t)rd->rows.nrows;
	*out = arena_alloc(a, sizeof(struct user) * (*n + 1));
	for (i = 0; i < (int)*n; i++)
		row_user(&rd->rows, i, &(*out)[i]);
	return 0;
}

int
users_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const struct user_in *in, struct user *out,
    struct apierr *e)
{
	struct dbrows	 rows;
	const char	*params[6];
	enum dbres	 rc;

	if (svc_check_status(in->status, e) == -1)
		return -1;
	if (in->has_name && users_check_name(in->name, 1, e) == -1)
		return -1;
	params[0] = id;
	params[1] = in->has_name ? in->name : NULL;
	params[2] = in->status;
	params[3] = act->user_id;
	params[4] = act->auth_id;
	params[5] = act->addr;
	rc = db_run(db, STMT_USER_UPDATE, 6, params, a, &rows);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	if (rc == DB_CONFLICT)
		return conflict(db, in->name, NULL, e);
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	row_user(&rows, 0, out);
	return 0;
}

int
users_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id, struct apierr *e)
{
	const char	*params[4] = { id, act->user_id, act->auth_id,
	    act->addr };
	enum dbres	 rc;

	rc = db_run(db, STMT_USER_DELETE, 4, params, a, NULL);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND, "user not found");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
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
	const char	*params[7];
	enum dbres	 rc;

	if (pw_policy(pw, len, e) == -1)
		return -1;
	if (pw_hash(pw, len, hash, e) == -1)
		return -1;
	params[0] = id;
	params[1] = hash;
	params[2] = act->session_id;
	params[3] = act->user_id;
	params[4] = act->auth_id;
	params[5] = act->addr;
	params[6] = gen;
	rc = db_run(db, STMT_USER_SET_PASSWORD, 7, params, a, NULL);
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
