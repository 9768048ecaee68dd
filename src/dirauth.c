/*
 * dirauth.c -- directory sign-in, the rules (dirauth.h).  A directory
 * user's password never reaches the database, the log or the hash slots:
 * it goes to the directory as the user's own bind, and its only trace is
 * the session that a successful bind opens.  What the directory says is
 * trusted only as far as the name rules go: the user row's name is the
 * name asked for (directory.c checks the entry says the same), and a name
 * that is a local user's, or another entry's, is never taken over.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "crypto.h"
#include "db_directory.h"
#include "db_sessions.h"
#include "dirauth.h"
#include "log.h"
#include "svc.h"
#include "users.h"
#include "banned.h"

int
dirauth_route(struct db *db, struct arena *a, const char *name,
    struct dir_settings *s, struct apierr *e)
{
	enum dbres	 rc;
	int		 is_dir, is_user;

	rc = db_directory_read(db, a, name, 0, s, &is_dir, &is_user);
	if (rc == DB_NOROW)
		return 0;
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	if (is_dir)
		return 1;
	return !is_user && s->unknown_names;
}

static void
log_dir(const char *what, const char *name, const char *why)
{
	char	 n[160], w[320];

	log_warnx("directory %s for user \"%s\": %s", what,
	    log_escape(n, sizeof(n), name, strlen(name)),
	    log_escape(w, sizeof(w), why, strlen(why)));
}

/*
 * The breaker: a directory that did not answer in time is marked down
 * for ldap_timeout seconds, by the mtime of a file in run_dir, and that
 * instance's sign-ins to it are answered 503 at once meanwhile, so a
 * frozen directory holds a worker for one ldap_timeout, not one per
 * request.  The mark is the instance's own, named after the instance and
 * every connection setting: a tenant that points its settings at another
 * tenant's directory (with a CA that fails it, say) marks only itself
 * down.  The first sign-in after the mark expires renews it before it
 * tries (the others keep failing fast while it does); any answer from the
 * directory, right or wrong, removes the mark.
 */
static void
mark_path(struct db *db, const struct cfg *c, const struct dir_settings *s,
    char *buf, size_t n)
{
	char	 key[4096], h[SHA256_HEX_LEN + 1];
	int	 len;

	len = snprintf(key, sizeof(key), "%s\n%s\n%s\n%d\n%d",
	    db_instance_name(db), s->uris, s->ca_file, s->starttls,
	    s->allow_plain);
	if (len < 0 || (size_t)len >= sizeof(key))
		len = (int)sizeof(key) - 1;
	crypto_sha256_hex(key, (size_t)len, h);
	snprintf(buf, n, "%s/usersd-ldap-%.16s.down", c->run_dir, h);
}

static void
mark_down(const char *path)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", path);
		return;
	}
	(void)futimens(fd, NULL);
	close(fd);
}

/* 1 when the directory is marked down and the mark is fresh. */
static int
marked_down(const struct cfg *c, const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return 0;
	if (time(NULL) - st.st_mtime < c->ldap_timeout)
		return 1;
	mark_down(path);	/* this one tries; the others wait it out */
	return 0;
}

/* The rules (into s->walk_groups too): 0, or -1 with e set. */
static int
read_roles(struct db *db, struct arena *a, struct dir_settings *s,
    struct dir_role **roles, size_t *n, struct apierr *e)
{
	enum dbres	 rc;

	if ((rc = db_directory_roles(db, a, roles, n)) != DB_OK)
		return svc_dberr(db, rc, e);
	s->walk_groups = *n > 0;
	return 0;
}

/* u's 't'/'f' per rule, in the rules' order; NULL when there are none. */
static const char *
role_flags(struct arena *a, const struct dir_user *u,
    const struct dir_role *roles, size_t n)
{
	char		*flags;
	size_t		 i;

	if (n == 0)
		return NULL;
	flags = arena_alloc(a, n + 1);
	for (i = 0; i < n; i++)
		flags[i] = directory_member(a, u, roles[i].group) ? 't' : 'f';
	flags[n] = '\0';
	return flags;
}

static void
log_stale(void)
{
	log_warnx("the directory's group rules changed meanwhile; a "
	    "directory user's roles wait for its next sign-in");
}

/* user_id's org roles from u's groups, by the rules. */
static int
apply_roles(struct db *db, struct arena *a, const struct dir_user *u,
    const char *user_id, const struct dir_role *roles, size_t n,
    const char *addr, struct apierr *e)
{
	const char	*flags;
	long long	 changed;
	enum dbres	 rc;

	if ((flags = role_flags(a, u, roles, n)) == NULL)
		return 0;
	rc = db_directory_roles_set(db, a, user_id, flags, addr, &changed);
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	if (changed == -1)
		log_stale();
	return 0;
}

/*
 * The servers s may connect to: the provider's ldap_servers, else none
 * for a hosted instance (its admin is a tenant) and any for an instance
 * with a database of its own.  Every path that connects sets it:
 * directory.c refuses every server when it is NULL.
 */
static void
allow_servers(struct dir_settings *s, const struct cfg *c, struct db *db)
{
	if (c->ldap_servers[0] != '\0')
		s->servers = c->ldap_servers;
	else
		s->servers = db_instance_name(db)[0] != '\0' ? "" : "*";
}

int
dirauth_signin(struct db *db, struct arena *a, const struct cfg *c,
    const struct dir_settings *s, const char *name, const char *pw,
    size_t len, struct dir_signin *out, int *counted, struct apierr *e)
{
	struct dir_settings ds;
	struct dir_user	 u;
	struct dir_role	*roles;
	enum dir_result	 r;
	size_t		 nroles;
	char		 why[256], mark[512];

	*counted = 0;
	memset(out, 0, sizeof(*out));
	ds = *s;
	allow_servers(&ds, c, db);
	if (read_roles(db, a, &ds, &roles, &nroles, e) == -1)
		return -1;
	*counted = 1;
	mark_path(db, c, s, mark, sizeof(mark));
	if (marked_down(c, mark)) {
		*counted = 0;
		return apierr_set(e, APIERR_UNAVAILABLE,
		    "the directory is unavailable, try again shortly");
	}
	r = directory_check(&ds, (int)c->ldap_timeout, a, name, pw, len, &u,
	    why, sizeof(why));
	if (r == DIR_UNAVAILABLE)
		mark_down(mark);
	else if (unlink(mark) == -1 && errno != ENOENT)
		log_warn("%s", mark);
	if (r == DIR_UNAVAILABLE || r == DIR_MISCONFIGURED) {
		*counted = 0;
		log_dir(directory_result_string(r), name, why);
		return apierr_set(e, APIERR_UNAVAILABLE,
		    "the directory is unavailable, try again shortly");
	}
	if (r == DIR_DENIED) {
		log_dir("denied", name, why);
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	/* The directory's own rules are not ours: a usersd name or none. */
	if (users_check_name(u.name, 1, e) == -1) {
		log_dir("denied", name, "the entry's name is not a valid "
		    "user name");
		return apierr_set(e, APIERR_UNAUTHORIZED,
		    "unauthorized access");
	}
	out->name = u.name;
	out->dn = u.dn;
	out->roles = role_flags(a, &u, roles, nroles);
	return 0;
}

void
dirauth_signin_refused(const char *name, enum dbres rc, int stale)
{
	if (rc == DB_REFUSED)
		log_dir("denied", name, "the name is another user's");
	else if (rc == DB_NOROW)
		log_dir("denied", name, "the user is inactive");
	else if (rc == DB_OK && stale)
		log_stale();
}

int
dirauth_set(struct db *db, struct arena *a, const char *key,
    const char *value, struct apierr *e)
{
	enum dbres	 rc;

	rc = db_directory_set(db, a, key, value);
	if (rc == DB_REFUSED || rc == DB_CHECK)
		return apierr_set(e, APIERR_INVALID, "%s", rc == DB_REFUSED ?
		    db_raised(db) : "the value is not allowed");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}

int
dirauth_settings(struct db *db, struct arena *a, struct dir_settings *s,
    struct apierr *e)
{
	enum dbres	 rc;
	int		 is_dir, is_user;

	rc = db_directory_read(db, a, NULL, 1, s, &is_dir, &is_user);
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}

enum dir_result
dirauth_test(struct db *db, struct arena *a, const struct cfg *c,
    const char *name, char *why, size_t n, struct apierr *e)
{
	struct dir_settings s;
	struct dir_user	 u;
	enum dir_result	 r;

	if (dirauth_settings(db, a, &s, e) == -1)
		return DIR_UNAVAILABLE;
	allow_servers(&s, c, db);
	if (name == NULL)
		return directory_ping(&s, (int)c->ldap_timeout, why, n);
	r = directory_check(&s, (int)c->ldap_timeout, a, name, NULL, 0, &u,
	    why, n);
	if (r == DIR_OK)
		snprintf(why, n, "%s", u.dn);
	return r;
}

/*
 * What the directory's answer r (u) about directory user id, DN dn, means:
 * still admitted under the same DN, its org roles from the rules (0);
 * else deactivated, which ends its sessions and stops its tokens (1), or,
 * when a rule keeps it active, signed out everywhere (2).  -1 with e set.
 */
static int
settle(struct db *db, struct arena *a, const struct actor *act,
    enum dir_result r, const struct dir_user *u, const char *id,
    const char *dn, const struct dir_role *roles, size_t nroles,
    struct apierr *e)
{
	struct user_in	 in;
	struct user	 out;
	long long	 ended;
	enum dbres	 rc;

	if (r == DIR_OK && strcasecmp(u->dn, dn) == 0)
		return apply_roles(db, a, u, id, roles, nroles, act->addr, e);
	memset(&in, 0, sizeof(in));
	in.status = "inactive";
	if (users_update(db, a, act, id, &in, &out, e) == 0)
		return 1;
	/*
	 * A rule of the schema keeps the user active (the last instance
	 * owner): still, the directory said no, so no session of theirs
	 * goes on.  An admin makes another owner; the directory lets them
	 * sign in no more.
	 */
	if (e->code != APIERR_UNPROCESSABLE)
		return -1;
	log_dir("signed out everywhere, kept active", dn, e->msg);
	if ((rc = db_sessions_end(db, a, act, id, NULL, NULL, &ended)) !=
	    DB_OK && rc != DB_NOROW)
		return svc_dberr(db, rc, e);
	return 2;
}

/*
 * One connection and one search bind for every user (opened at the
 * first), each look-up within ldap_timeout of its own.
 */
int
dirauth_sync(struct db *db, struct arena *a, const struct cfg *c,
    const struct actor *act, size_t *checked, size_t *deactivated,
    struct apierr *e)
{
	struct dir_settings s;
	struct dir_conn	*conn = NULL;
	struct dir_user	 u;
	struct dir_role	*roles;
	const char	**ids, **names, **dns;
	enum dir_result	 r;
	enum dbres	 rc;
	size_t		 i, n, nroles;
	char		 why[256];
	int		 gone = 0;	/* -1: stopped, with e set */

	*checked = *deactivated = 0;
	if (dirauth_settings(db, a, &s, e) == -1 ||
	    read_roles(db, a, &s, &roles, &nroles, e) == -1)
		return -1;
	allow_servers(&s, c, db);
	if ((rc = db_directory_users(db, a, &ids, &names, &dns, &n)) != DB_OK)
		return svc_dberr(db, rc, e);
	for (i = 0; i < n; i++) {
		memset(&u, 0, sizeof(u));
		r = DIR_DENIED;
		if (s.enabled && conn == NULL)
			r = directory_open(&s, (int)c->ldap_timeout, &conn,
			    why, sizeof(why));
		if (conn != NULL)
			r = directory_lookup(conn, (int)c->ldap_timeout, a,
			    names[i], &u, why, sizeof(why));
		if (r == DIR_UNAVAILABLE || r == DIR_MISCONFIGURED) {
			log_dir(directory_result_string(r), names[i], why);
			gone = apierr_set(e, APIERR_UNAVAILABLE,
			    "the directory is unavailable (%s): stopped after "
			    "%zu users, none deactivated for it", why,
			    *checked);
			break;
		}
		(*checked)++;
		if ((gone = settle(db, a, act, r, &u, ids[i], dns[i], roles,
		    nroles, e)) == -1)
			break;
		*deactivated += gone == 1;
	}
	directory_close(conn);
	return gone == -1 ? -1 : 0;
}

/*
 * A re-check that could not ask the directory keeps the session and
 * gives its claim back: the user is due again at the next touch (at most
 * once a minute a session, and the down mark spares the directory), so a
 * user removed during an outage is out soon after it.  0: the session
 * goes on, even if the claim could not be given back (logged).
 */
static int
recheck_again(struct db *db, struct arena *a, const struct dir_recheck *due)
{
	enum dbres	 rc;

	rc = db_directory_recheck_again(db, a, due->user_id);
	if (rc != DB_OK && rc != DB_NOROW)
		log_dir("re-check", due->name, "cannot mark it due again");
	return 0;
}

int
dirauth_recheck(struct db *db, struct arena *a, const struct cfg *c,
    const struct actor *act, const struct dir_recheck *due,
    struct apierr *e)
{
	struct dir_settings s;
	struct dir_user	 u;
	struct dir_role	*roles;
	enum dir_result	 r;
	char		 why[256], mark[512];
	size_t		 nroles;
	int		 gone;

	memset(&u, 0, sizeof(u));
	if (dirauth_settings(db, a, &s, e) == -1 ||
	    read_roles(db, a, &s, &roles, &nroles, e) == -1)
		return -1;
	allow_servers(&s, c, db);
	if (s.enabled) {
		mark_path(db, c, &s, mark, sizeof(mark));
		if (marked_down(c, mark)) {
			log_dir("re-check (session kept)", due->name,
			    "the directory is marked down");
			return recheck_again(db, a, due);
		}
		r = directory_check(&s, (int)c->ldap_timeout, a, due->name,
		    NULL, 0, &u, why, sizeof(why));
		if (r == DIR_UNAVAILABLE)
			mark_down(mark);
		else if (unlink(mark) == -1 && errno != ENOENT)
			log_warn("%s", mark);
	} else {
		r = DIR_DENIED;
		snprintf(why, sizeof(why), "the directory is disabled");
	}
	if (r == DIR_UNAVAILABLE || r == DIR_MISCONFIGURED) {
		log_dir("re-check (session kept)", due->name, why);
		return recheck_again(db, a, due);
	}
	gone = settle(db, a, act, r, &u, due->user_id, due->dn, roles, nroles,
	    e);
	if (gone >= 1)
		log_dir(gone == 1 ? "re-check deactivated" :
		    "re-check signed out", due->name, r == DIR_OK ?
		    "the entry's DN changed" : why);
	else if (gone == -1)
		log_dir("re-check failed", due->name, e->msg);
	return gone == 2 ? 1 : gone;
}

int
dirauth_roles(struct db *db, struct arena *a, struct dir_role **out,
    size_t *n, struct apierr *e)
{
	enum dbres	 rc;

	if ((rc = db_directory_roles(db, a, out, n)) != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}

int
dirauth_role(struct db *db, struct arena *a, const char *org,
    const char *role, const char *group, struct apierr *e)
{
	enum dbres	 rc;

	if (strcmp(role, "member") != 0 && strcmp(role, "owner") != 0)
		return apierr_set(e, APIERR_INVALID,
		    "a role is member or owner");
	rc = db_directory_role(db, a, org, role, group);
	if (rc == DB_NOROW)
		return apierr_set(e, APIERR_NOT_FOUND, "no such rule");
	if (rc == DB_CHECK)
		return apierr_set(e, APIERR_INVALID,
		    "the value is not allowed");
	if (rc != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}
