/*
 * fakedb.c -- the typed database layer faked over an in-memory world, for
 * fuzz_request.c only (fakedb.h says what it stands in for).  It replaces
 * db.o and every db_*.o in that one binary; usersd never links it.
 *
 * The world: six users (an instance owner, an org owner, a member, an
 * inactive user, the owner of another org, a user without a password),
 * three orgs, seven tokens and six sessions, some of them dead (inactive,
 * expired, of a changed password), the same for every request.  It has
 * no directory (LDAP): directory sign-in runs against slapd (t0371,
 * t0700), and here a name without a password is a local one.  Each fake
 * below is named after its statement in src/stmts.def and does what that
 * statement does to the tables, cascades and the instance-owner rule
 * included.
 *
 * To fake a new db_* function (until then fuzz_request does not link, and
 * the linker names it): write it in the section of its header, named
 * after its statement; start it with enter() (a read) or enter_write() (a
 * write: a line for it in fakedb.h's FAKE_WRITES says what it needs, and
 * the call names the user and org of its rows, which the oracle holds to
 * the principal's); return what the statement would (DB_NOROW, DB_CONFLICT
 * with constraint set, ...), copied into the caller's arena (cp); set
 * rec->changed when it changed the world.  New state goes in struct world,
 * its fixed rows in fakedb_reset; a new column of a row, in its struct
 * f_* and in the fixed tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "cfg.h"
#include "crypto.h"
#include "db_admin.h"
#include "db_budget.h"
#include "db_directory.h"
#include "db_orgs.h"
#include "db_principals.h"
#include "db_sessions.h"
#include "db_setup.h"
#include "db_tokens.h"
#include "db_users.h"
#include "fakedb.h"
#include "password.h"
#include "perm.h"
#include "setup.h"
#include "banned.h"

#define MAXROWS		48	/* per table: more inserts are DB_ERROR */
#define MAXWRITES	16
#define TIME		"2026-01-01T00:00:00Z"
#define OWNER_REFUSAL	"the last active instance owner cannot be " \
			"deactivated or deleted"
/* What PostgreSQL and libpq say, which must never reach a client. */
#define INTERNAL_TEXT	"ERROR:  duplicate key value violates unique " \
			"constraint \"users_name_key\" (SQLSTATE 23505) " \
			"at /build/src/db.c:512 %s 0x7ffc1234abcd"

struct db {
	int		 unused;
};

struct f_user {
	const char	*id, *name, *status, *hash;
	const char	*kind;		/* NULL: "user" */
	long		 gen;
	int		 owner, gone;
};

struct f_org {
	const char	*id, *name, *description;
	int		 gone;
};

struct f_member {
	const char	*org, *user, *role;
	int		 gone;
};

struct f_token {
	const char	*id, *hash, *status, *description, *org, *user;
	const char	*perms, *version;
	int		 gone;
};

struct f_session {
	const char	*id, *hash, *user, *cookie;
	long		 gen;
	int		 expired, due, gone;
};

struct world {
	struct f_user	 users[MAXROWS];
	struct f_org	 orgs[MAXROWS];
	struct f_member	 members[MAXROWS];
	struct f_token	 tokens[MAXROWS];
	struct f_session sessions[MAXROWS];
	size_t		 nusers, norgs, nmembers, ntokens, nsessions;
	long long	 failures;	/* the throttle's count, all names */
	unsigned	 next_id;
};

/* ---- The fixed world ---------------------------------------------- */

#define UID(n)	"0000000000000a0" #n
#define OID(n)	"0000000000000b0" #n

static const struct {
	const char	*name, *password, *status;
	int		 owner;
} users0[FAKE_NUSERS] = {
	{ "root",  "root-pass-0",  "active",   1 },
	{ "alice", "alice-pass-1", "active",   0 },
	{ "bob",   "bob-pass-22",  "active",   0 },
	{ "carol", "carol-pass-3", "inactive", 0 },
	{ "dave",  "dave-pass-44", "active",   0 },
	{ "erin",  NULL,           "active",   0 },	/* no password */
};

static const char *const orgs0[FAKE_NORGS] = { "acme", "globex", "initech" };

static const struct {
	int		 org, user;
	const char	*role;
} members0[] = {
	{ 0, 1, "owner" }, { 0, 2, "member" }, { 0, 3, "member" },
	{ 1, 4, "owner" }, { 1, 1, "member" },
};

/* Token 0's permissions are the operator's (setup_operator_perms). */
static const struct {
	int		 user, org;
	const char	*status, *perms;
} tokens0[FAKE_NTOKENS] = {
	{ 0, 0, "active", NULL },
	{ 1, 0, "active", "read:orgs/" OID(0) " write:orgs/" OID(0)
	    " read:users write:users/" UID(1) " read:orgs/" OID(0)
	    "/authorizations write:orgs/" OID(0) "/authorizations" },
	{ 2, 0, "active", "read:orgs/" OID(0) " read:users/" UID(2)
	    " read:orgs/" OID(0) "/authorizations" },
	{ 1, 0, "inactive", "read:orgs write:orgs read:users write:users" },
	{ 3, 0, "active", "read:orgs write:users/" UID(3) },
	{ 4, 1, "active", "read:orgs write:orgs read:users write:users"
	    " read:authorizations write:authorizations" },
	{ 0, 0, "active", "read:authorizations read:buckets read:orgs"
	    " read:users" },
};

static const struct {
	int		 user;
	int		 expired, stale, due;
} sessions0[FAKE_NSESSIONS] = {
	{ 0, 0, 0, 0 }, { 1, 0, 0, 1 }, { 2, 0, 0, 0 },
	{ 1, 1, 0, 0 },	/* expired */
	{ 3, 0, 0, 0 },	/* of an inactive user */
	{ 4, 0, 1, 0 },	/* ended by a password change */
};

/* Made once by fakedb_init: texts, hashes and ids of the fixed world. */
static char	 tok_text[FAKE_NTOKENS][40], tok_hash[FAKE_NTOKENS][65];
static char	 tok_id[FAKE_NTOKENS][17];
static char	 ses_text[FAKE_NSESSIONS][40], ses_hash[FAKE_NSESSIONS][65];
static char	 ses_id[FAKE_NSESSIONS][17];
static char	 uid_text[FAKE_NUSERS][17], oid_text[FAKE_NORGS][17];
static char	*pw_hashes[FAKE_NUSERS];
static char	*operator_perms;

static struct db	 the_db;
static struct world	 w;
static struct arena	*W;		/* the world's strings */
static unsigned long	 versions = 100000;	/* never reused: auth.c
						 * keeps parsed permissions
						 * by token id and version */

/* ---- What the request did ----------------------------------------- */

static struct fake_write_rec	 writes[MAXWRITES];
static size_t			 nwrites;
static struct fake_authed	 authed;
static unsigned			 calls, fail_at, fail_cls;
static int			 failed;
static const char		*raised = "", *constraint = "";
static int			 plant_inactive, plant_leak, plant_roles;

static const enum fake_need needs[FW__MAX] = {
#define W(name, need)	need,
	FAKE_WRITES
#undef W
};

/* A copy in the caller's arena (statements return copies). */
static const char *
cp(struct arena *a, const char *s)
{
	return s != NULL ? arena_strdup(a, s) : NULL;
}

static const char *
new_id(void)
{
	return arena_printf(W, "00000000000e%04x", ++w.next_id);
}

static const char *
new_version(void)
{
	return arena_printf(W, "%lu", ++versions);
}

/* The failure an injected class makes, with the texts db.c would keep. */
static enum dbres
inject(int write)
{
	static const enum dbres reads[] = { DB_UNAVAILABLE, DB_ERROR };
	static const enum dbres wr[] = { DB_UNAVAILABLE, DB_ERROR,
	    DB_CONFLICT, DB_CHECK, DB_FOREIGN, DB_RAISED, DB_REFUSED,
	    DB_NOROW };
	enum dbres	 rc;

	rc = write ? wr[fail_cls % 8] : reads[fail_cls % 2];
	failed = 1;
	raised = rc == DB_REFUSED && !plant_leak ? OWNER_REFUSAL :
	    INTERNAL_TEXT;
	constraint = rc == DB_CONFLICT ? "users_name_key" : "";
	return rc;
}

/* Every read starts here: DB_OK, or the failure injected into it. */
static enum dbres
enter(void)
{
	raised = constraint = "";
	return ++calls == fail_at ? inject(0) : DB_OK;
}

/*
 * Every write starts here: the statement is sent, so it is recorded
 * (with its actor, and the user and org of the rows it is for: NULL when
 * that does not apply, "" for a new one), then it may fail.  *rec: the
 * record, for what the write found out.
 */
static enum dbres
enter_write(enum fake_write kind, const struct actor *act, const char *user,
    const char *org, struct fake_write_rec **rec)
{
	static struct fake_write_rec spare;

	*rec = &spare;
	if (nwrites < MAXWRITES) {
		*rec = &writes[nwrites++];
		memset(*rec, 0, sizeof(**rec));
		(*rec)->kind = kind;
		(*rec)->need = needs[kind];
		/* Copies: the oracle reads them after the request. */
		(*rec)->target_user = user ? arena_strdup(W, user) : NULL;
		(*rec)->target_org = org ? arena_strdup(W, org) : NULL;
		if (act != NULL) {
			(*rec)->actor_user = act->user_id ?
			    arena_strdup(W, act->user_id) : NULL;
			(*rec)->actor_auth = act->auth_id ?
			    arena_strdup(W, act->auth_id) : NULL;
		}
	}
	raised = constraint = "";
	return ++calls == fail_at ? inject(1) : DB_OK;
}

/* ---- Lookups ------------------------------------------------------- */

static struct f_user *
user_by_id(const char *id)
{
	size_t	 i;

	for (i = 0; id != NULL && i < w.nusers; i++)
		if (!w.users[i].gone && strcmp(w.users[i].id, id) == 0)
			return &w.users[i];
	return NULL;
}

static struct f_user *
user_by_name(const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < w.nusers; i++)
		if (!w.users[i].gone && strcmp(w.users[i].name, name) == 0)
			return &w.users[i];
	return NULL;
}

static struct f_org *
org_by_id(const char *id)
{
	size_t	 i;

	for (i = 0; id != NULL && i < w.norgs; i++)
		if (!w.orgs[i].gone && strcmp(w.orgs[i].id, id) == 0)
			return &w.orgs[i];
	return NULL;
}

static struct f_org *
org_by_name(const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < w.norgs; i++)
		if (!w.orgs[i].gone && strcmp(w.orgs[i].name, name) == 0)
			return &w.orgs[i];
	return NULL;
}

static struct f_token *
token_by(const char *id, const char *hash)
{
	size_t	 i;

	for (i = 0; i < w.ntokens; i++) {
		struct f_token *t = &w.tokens[i];

		if (!t->gone && ((id != NULL && strcmp(t->id, id) == 0) ||
		    (hash != NULL && strcmp(t->hash, hash) == 0)))
			return t;
	}
	return NULL;
}

/* The org of token id, or NULL when there is none. */
static const char *
token_org(const char *id)
{
	struct f_token	*t = token_by(id, NULL);

	return t != NULL ? t->org : NULL;
}

/* A live session (SESSION_FROM and SESSION_WHERE): hash or id. */
static struct f_session *
session_live(const char *hash, const char *id)
{
	struct f_user	*u;
	size_t		 i;

	for (i = 0; i < w.nsessions; i++) {
		struct f_session *s = &w.sessions[i];

		if (s->gone || s->expired ||
		    (u = user_by_id(s->user)) == NULL || u->gen != s->gen)
			continue;
		if ((hash != NULL && strcmp(s->hash, hash) == 0) ||
		    (id != NULL && strcmp(s->id, id) == 0))
			return s;
	}
	return NULL;
}

/* 1 when id is a word of the space-separated list. */
static int
in_words(const char *list, const char *id)
{
	size_t	 n = strlen(id);
	const char *p = list;

	while (p != NULL && (p = strstr(p, id)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* ROLES_OF: the orgs user owns and those it is a member of. */
static void
roles_of(struct arena *a, const char *user, struct db_principal *out)
{
	struct abuf	 own, mem;
	size_t		 i;

	abuf_init(&own, a, 64);
	abuf_init(&mem, a, 64);
	for (i = 0; i < w.nmembers; i++) {
		const struct f_member *m = &w.members[i];

		if (m->gone || strcmp(m->user, user) != 0)
			continue;
		if (strcmp(m->role, "owner") == 0)
			abuf_printf(&own, "%s%s", own.len ? " " : "", m->org);
		else
			abuf_printf(&mem, "%s%s", mem.len ? " " : "", m->org);
	}
	out->owner_orgs = own.data;
	out->member_orgs = mem.data;
	if (plant_roles && a != W)
		out->owner_orgs = out->member_orgs;
}

/* Cascades of a user or an org that goes (ON DELETE CASCADE). */
static void
cascade(const char *user, const char *org)
{
	size_t	 i;

	for (i = 0; i < w.ntokens; i++)
		if ((user && strcmp(w.tokens[i].user, user) == 0) ||
		    (org && strcmp(w.tokens[i].org, org) == 0))
			w.tokens[i].gone = 1;
	for (i = 0; i < w.nmembers; i++)
		if ((user && strcmp(w.members[i].user, user) == 0) ||
		    (org && strcmp(w.members[i].org, org) == 0))
			w.members[i].gone = 1;
	for (i = 0; user && i < w.nsessions; i++)
		if (strcmp(w.sessions[i].user, user) == 0)
			w.sessions[i].gone = 1;
}

/* usersd_keep_instance_owner(): an active instance owner remains. */
static int
owner_remains(void)
{
	size_t	 i;

	for (i = 0; i < w.nusers; i++)
		if (!w.users[i].gone && w.users[i].owner &&
		    strcmp(w.users[i].status, "active") == 0)
			return 1;
	return 0;
}

static enum dbres
refused(void)
{
	raised = plant_leak ? INTERNAL_TEXT : OWNER_REFUSAL;
	return DB_REFUSED;
}

static enum dbres
full(void)
{
	raised = "fake world full";
	return DB_ERROR;
}

/* ---- The harness's side -------------------------------------------- */

void
fakedb_init(void)
{
	struct perm	 perms[RT__MAX * ACT__MAX];
	struct apierr	 e;
	char		 buf[PERM_LIST_SIZE(RT__MAX * ACT__MAX)], h[PW_HASH_MAX];
	size_t		 i, n;

	W = arena_new();
	for (i = 0; i < FAKE_NUSERS; i++) {
		snprintf(uid_text[i], sizeof(uid_text[i]), "0000000000000a%02zx",
		    i);
		if (users0[i].password == NULL)
			continue;
		if (pw_hash(users0[i].password, strlen(users0[i].password), h,
		    &e) == -1)
			abort();
		pw_hashes[i] = strdup(h);
	}
	for (i = 0; i < FAKE_NORGS; i++)
		snprintf(oid_text[i], sizeof(oid_text[i]), "0000000000000b%02zx",
		    i);
	for (i = 0; i < FAKE_NTOKENS; i++) {
		snprintf(tok_text[i], sizeof(tok_text[i]),
		    "fuzz-token-%zu-%s", i, users0[tokens0[i].user].name);
		crypto_sha256_hex(tok_text[i], strlen(tok_text[i]),
		    tok_hash[i]);
		snprintf(tok_id[i], sizeof(tok_id[i]), "0000000000000c%02zx",
		    i);
	}
	for (i = 0; i < FAKE_NSESSIONS; i++) {
		snprintf(ses_text[i], sizeof(ses_text[i]),
		    "fuzz-cookie-%zu-%s", i, users0[sessions0[i].user].name);
		crypto_sha256_hex(ses_text[i], strlen(ses_text[i]),
		    ses_hash[i]);
		snprintf(ses_id[i], sizeof(ses_id[i]), "0000000000000d%02zx",
		    i);
	}
	n = setup_operator_perms(perms);
	operator_perms = strdup(perm_list_format(perms, n, buf));
	if (pw_hashes[0] == NULL || operator_perms == NULL)
		abort();
	arena_reset(W);
}

void
fakedb_reset(int empty)
{
	size_t	 i;

	arena_reset(W);
	memset(&w, 0, sizeof(w));
	nwrites = 0;
	memset(&authed, 0, sizeof(authed));
	calls = fail_at = fail_cls = 0;
	failed = 0;
	raised = constraint = "";
	if (empty)
		return;
	for (i = 0; i < FAKE_NUSERS; i++) {
		struct f_user *u = &w.users[w.nusers++];

		u->id = uid_text[i];
		u->name = users0[i].name;
		u->status = users0[i].status;
		u->hash = pw_hashes[i];
		u->gen = 1;
		u->owner = users0[i].owner;
	}
	for (i = 0; i < FAKE_NORGS; i++) {
		w.orgs[w.norgs].id = oid_text[i];
		w.orgs[w.norgs].description = "";
		w.orgs[w.norgs++].name = orgs0[i];
	}
	for (i = 0; i < sizeof(members0) / sizeof(members0[0]); i++) {
		w.members[w.nmembers].org = oid_text[members0[i].org];
		w.members[w.nmembers].user = uid_text[members0[i].user];
		w.members[w.nmembers++].role = members0[i].role;
	}
	for (i = 0; i < FAKE_NTOKENS; i++) {
		struct f_token *t = &w.tokens[w.ntokens++];

		t->id = tok_id[i];
		t->hash = tok_hash[i];
		t->status = tokens0[i].status;
		t->description = "";
		t->org = oid_text[tokens0[i].org];
		t->user = uid_text[tokens0[i].user];
		t->perms = tokens0[i].perms ? tokens0[i].perms :
		    operator_perms;
		/* The fixed rows keep their versions: auth.c's kept
		 * permissions are used from one request to the next. */
		t->version = arena_printf(W, "%zu", 1000 + i);
	}
	for (i = 0; i < FAKE_NSESSIONS; i++) {
		struct f_session *s = &w.sessions[w.nsessions++];

		s->id = ses_id[i];
		s->hash = ses_hash[i];
		s->cookie = ses_text[i];
		s->user = uid_text[sessions0[i].user];
		s->gen = sessions0[i].stale ? 0 : 1;
		s->expired = sessions0[i].expired;
		s->due = sessions0[i].due;
	}
}

struct db *
fakedb_db(void)
{
	return &the_db;
}

void
fakedb_fail(unsigned at, unsigned cls)
{
	fail_at = at;
	fail_cls = cls;
}

int
fakedb_failed(void)
{
	return failed;
}

const char *
fakedb_name(char kind, unsigned i)
{
	switch (kind) {
	case 'T':
		return tok_text[i % FAKE_NTOKENS];
	case 'A':
		return tok_id[i % FAKE_NTOKENS];
	case 'S':
		return ses_text[i % FAKE_NSESSIONS];
	case 'I':
		return ses_id[i % FAKE_NSESSIONS];
	case 'U':
		return uid_text[i % FAKE_NUSERS];
	case 'N':
		return users0[i % FAKE_NUSERS].name;
	case 'P':
		return users0[i % FAKE_NUSERS].password;
	case 'O':
		return oid_text[i % FAKE_NORGS];
	default:
		return NULL;
	}
}

const char *
fakedb_secret(size_t i)
{
	if (i < FAKE_NTOKENS)
		return tok_text[i];
	if ((i -= FAKE_NTOKENS) < FAKE_NTOKENS)
		return tok_hash[i];
	if ((i -= FAKE_NTOKENS) < FAKE_NSESSIONS)
		return ses_text[i];
	if ((i -= FAKE_NSESSIONS) < FAKE_NSESSIONS)
		return ses_hash[i];
	if ((i -= FAKE_NSESSIONS) < FAKE_NUSERS)
		return users0[i].password ? users0[i].password : "";
	if ((i -= FAKE_NUSERS) < FAKE_NUSERS)
		return pw_hashes[i] ? pw_hashes[i] : "";
	return NULL;
}

const char *
fakedb_password_of(const char *id)
{
	size_t	 i;

	for (i = 0; id != NULL && i < FAKE_NUSERS; i++)
		if (strcmp(uid_text[i], id) == 0)
			return users0[i].password;
	return NULL;
}

void
fakedb_plant(const char *bug)
{
	plant_inactive = bug != NULL && strcmp(bug, "inactive-token") == 0;
	plant_leak = bug != NULL && strcmp(bug, "leak") == 0;
	plant_roles = bug != NULL && strcmp(bug, "roles") == 0;
}

size_t
fakedb_writes(const struct fake_write_rec **out)
{
	*out = writes;
	return nwrites;
}

const struct fake_authed *
fakedb_authed(void)
{
	return &authed;
}

/* ---- db.h: what the services ask of the connection ------------------ */

const char *
db_raised(const struct db *db)
{
	return raised;
}

const char *
db_constraint(const struct db *db)
{
	return constraint;
}

enum dbfail
db_failure(const struct db *db)
{
	return DBFAIL_LOST;
}

void
db_close(struct db *db)
{
}

const char *
dbrows_get(const struct dbrows *rows, int row, int col)
{
	if (row < 0 || row >= rows->nrows || col < 0 || col >= rows->ncols)
		abort();
	return rows->v[row * rows->ncols + col];
}

/* ---- db_admin.h ------------------------------------------------------ */

/* PING */
enum dbres
db_ping(struct db *db, struct arena *a, int *writable)
{
	enum dbres	 rc;

	*writable = 0;
	if ((rc = enter()) == DB_OK)
		*writable = 1;
	return rc;
}

/* ---- db_users.h ------------------------------------------------------ */

static void
user_out(struct arena *a, const struct f_user *u, struct user *out)
{
	out->id = cp(a, u->id);
	out->name = cp(a, u->name);
	out->status = cp(a, u->status);
	out->kind = cp(a, u->kind ? u->kind : "user");
}

/* USER_GET */
enum dbres
db_user_get(struct db *db, struct arena *a, const char *id,
    struct user *out)
{
	struct f_user	*u;
	enum dbres	 rc;

	if ((rc = enter()) != DB_OK)
		return rc;
	if ((u = user_by_id(id)) == NULL)
		return DB_NOROW;
	user_out(a, u, out);
	return DB_OK;
}

/* USER_BY_NAME */
enum dbres
db_user_by_name(struct db *db, struct arena *a, const char *name,
    struct user *out)
{
	struct f_user	*u;
	enum dbres	 rc;

	if ((rc = enter()) != DB_OK)
		return rc;
	if ((u = user_by_name(name)) == NULL)
		return DB_NOROW;
	user_out(a, u, out);
	return DB_OK;
}

/* USER_INSERT: a given id or a new one; the name and id are unique. */
enum dbres
db_user_insert(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *name, const char *status, const char *kind,
    struct user *out)
{
	struct fake_write_rec *rec;
	struct f_user	*u;
	enum dbres	 rc;

	if ((rc = enter_write(FW_USER_INSERT, act, "", NULL, &rec)) != DB_OK)
		return rc;
	if (id != NULL && user_by_id(id) != NULL) {
		constraint = "users_pkey";
		return DB_CONFLICT;
	}
	if (user_by_name(name) != NULL) {
		constraint = "users_name_key";
		return DB_CONFLICT;
	}
	if (w.nusers == MAXROWS)
		return full();
	u = &w.users[w.nusers++];
	u->id = id != NULL ? arena_strdup(W, id) : new_id();
	u->name = arena_strdup(W, name);
	u->status = arena_strdup(W, status);
	u->kind = kind ? arena_strdup(W, kind) : NULL;
	u->gen = 1;
	user_out(a, u, out);
	rec->changed = 1;
	return DB_OK;
}

/* USER_UPDATE: deactivation ends the user's sessions. */
enum dbres
db_user_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *name, const char *status, struct user *out)
{
	struct fake_write_rec *rec;
	struct f_user	*u, *other, old;
	size_t		 i;
	enum dbres	 rc;

	if ((rc = enter_write(FW_USER_UPDATE, act, id, NULL, &rec)) != DB_OK)
		return rc;
	if ((u = user_by_id(id)) == NULL)
		return DB_NOROW;
	if (name != NULL && (other = user_by_name(name)) != NULL &&
	    other != u) {
		constraint = "users_name_key";
		return DB_CONFLICT;
	}
	old = *u;
	if (name != NULL)
		u->name = arena_strdup(W, name);
	if (status != NULL)
		u->status = arena_strdup(W, status);
	if (!owner_remains()) {
		*u = old;
		return refused();
	}
	for (i = 0; strcmp(u->status, "inactive") == 0 && i < w.nsessions;
	    i++)
		if (strcmp(w.sessions[i].user, u->id) == 0)
			w.sessions[i].gone = 1;
	user_out(a, u, out);
	rec->changed = 1;
	return DB_OK;
}

/* USER_DELETE: its sessions, tokens and memberships go with it. */
enum dbres
db_user_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id)
{
	struct fake_write_rec *rec;
	struct f_user	*u;
	enum dbres	 rc;

	if ((rc = enter_write(FW_USER_DELETE, act, id, NULL, &rec)) != DB_OK)
		return rc;
	if ((u = user_by_id(id)) == NULL)
		return DB_NOROW;
	u->gone = 1;
	if (!owner_remains()) {
		u->gone = 0;
		return refused();
	}
	cascade(id, NULL);
	rec->changed = 1;
	return DB_OK;
}

/* Rows of USER_COLS into rows, in the arena. */
static void
user_rows(struct arena *a, struct f_user **u, size_t n, struct dbrows *rows)
{
	size_t	 i;

	rows->nrows = (int)n;
	rows->ncols = 3;
	rows->v = arena_alloc(a, sizeof(char *) * (3 * n + 1));
	for (i = 0; i < n; i++) {
		rows->v[3 * i] = (char *)cp(a, u[i]->id);
		rows->v[3 * i + 1] = (char *)cp(a, u[i]->name);
		rows->v[3 * i + 2] = (char *)cp(a, u[i]->status);
	}
}

static int
by_user_id(const void *x, const void *y)
{
	return strcmp((*(struct f_user *const *)x)->id,
	    (*(struct f_user *const *)y)->id);
}

static int
by_user_id_desc(const void *x, const void *y)
{
	return -by_user_id(x, y);
}

void
db_users_page_read(const struct page *pg, int read_all, const char *readable,
    struct db_read *rd)
{
	memset(rd, 0, sizeof(*rd));
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

/* USERS_LIST, USERS_LIST_DESC: the read rd describes, run. */
static enum dbres
users_page(struct arena *a, struct db_read *rd)
{
	struct f_user	*sel[MAXROWS];
	const char	*after = rd->params[0];
	long		 limit = strtol(rd->params[1], NULL, 10);
	long		 offset = strtol(rd->params[2], NULL, 10);
	int		 all = strcmp(rd->params[3], "t") == 0;
	int		 desc = rd->stmt == STMT_USERS_LIST_DESC;
	size_t		 i, n = 0;

	if (rd->stmt != STMT_USERS_LIST && rd->stmt != STMT_USERS_LIST_DESC)
		abort();	/* a new ride: fake it here */
	for (i = 0; i < w.nusers; i++) {
		struct f_user *u = &w.users[i];

		if (u->gone || (!all && !in_words(rd->params[4], u->id)))
			continue;
		if (after != NULL && (desc ? strcmp(u->id, after) >= 0 :
		    strcmp(u->id, after) <= 0))
			continue;
		sel[n++] = u;
	}
	qsort(sel, n, sizeof(sel[0]), desc ? by_user_id_desc : by_user_id);
	if (offset > (long)n)
		offset = (long)n;
	if (limit > (long)n - offset)
		limit = (long)n - offset;
	user_rows(a, sel + offset, (size_t)limit, &rd->rows);
	rd->rc = limit > 0 ? DB_OK : DB_NOROW;
	return rd->rc;
}

enum dbres
db_users_page(struct db *db, struct arena *a, struct db_read *rd)
{
	memset(&rd->rows, 0, sizeof(rd->rows));
	if ((rd->rc = enter()) != DB_OK)
		return rd->rc;
	return users_page(a, rd);
}

void
db_users_page_rows(struct arena *a, const struct db_read *rd,
    struct page *pg, struct user **out, size_t *n)
{
	int	 i;

	pg->more = rd->rows.nrows > pg->limit;
	*n = pg->more ? (size_t)pg->limit : (size_t)rd->rows.nrows;
	*out = arena_alloc(a, sizeof(struct user) * (*n + 1));
	for (i = 0; i < (int)*n; i++)
		db_user_row(&rd->rows, i, &(*out)[i]);
}

void
db_user_at(const struct dbrows *rows, int r, int col, struct user *u)
{
	u->id = dbrows_get(rows, r, col);
	u->name = dbrows_get(rows, r, col + 1);
	u->status = dbrows_get(rows, r, col + 2);
}

void
db_user_row(const struct dbrows *rows, int r, struct user *u)
{
	db_user_at(rows, r, 0, u);
}

/* USER_PASSWORD_GET, USER_PASSWORD_BY_ID */
static enum dbres
credential(struct arena *a, struct f_user *u, struct credential *out)
{
	enum dbres	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = enter()) != DB_OK)
		return rc;
	if (u == NULL)
		return DB_NOROW;
	out->user_id = cp(a, u->id);
	out->status = cp(a, u->status);
	out->hash = cp(a, u->hash);
	out->name = cp(a, u->name);
	out->gen = arena_printf(a, "%ld", u->gen);
	return DB_OK;
}

enum dbres
db_credential_by_id(struct db *db, struct arena *a, const char *id,
    struct credential *out)
{
	return credential(a, user_by_id(id), out);
}

/*
 * USER_SET_PASSWORD: a new generation ends every session of the user but
 * the actor's, which moves to it only from generation gen.
 */
enum dbres
db_user_set_password(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *hash, const char *gen)
{
	struct fake_write_rec *rec;
	struct f_user	*u;
	long		 old;
	size_t		 i;
	enum dbres	 rc;

	if ((rc = enter_write(FW_USER_SET_PASSWORD, act, id, NULL, &rec)) != DB_OK)
		return rc;
	if ((u = user_by_id(id)) == NULL ||
	    (gen != NULL && strtol(gen, NULL, 10) != u->gen))
		return DB_NOROW;
	old = u->gen++;
	u->hash = arena_strdup(W, hash);
	for (i = 0; i < w.nsessions; i++) {
		struct f_session *s = &w.sessions[i];

		if (strcmp(s->user, id) != 0)
			continue;
		if (act->session_id == NULL ||
		    strcmp(s->id, act->session_id) != 0)
			s->gone = 1;
		else if (gen != NULL && s->gen == old)
			s->gen = u->gen;
	}
	rec->changed = 1;
	return DB_OK;
}

/* USER_REHASH: only over the hash it read; a new generation. */
enum dbres
db_user_rehash(struct db *db, struct arena *a, const char *id,
    const char *new_hash, const char *old_hash, const char *addr,
    const char **gen)
{
	struct fake_write_rec *rec;
	struct f_user	*u;
	enum dbres	 rc;

	*gen = NULL;
	rc = enter_write(FW_USER_REHASH, NULL, NULL, NULL, &rec);
	rec->user = cp(W, id);
	if (rc != DB_OK)
		return rc;
	if ((u = user_by_id(id)) == NULL)
		return DB_NOROW;
	if (u->hash != NULL && strcmp(u->hash, old_hash) == 0) {
		u->hash = arena_strdup(W, new_hash);
		*gen = arena_printf(a, "%ld", ++u->gen);
		rec->changed = 1;
	}
	return DB_OK;
}

/* ---- db_orgs.h -------------------------------------------------------- */

static void
org_out(struct arena *a, const struct f_org *o, struct org *out)
{
	out->id = cp(a, o->id);
	out->name = cp(a, o->name);
	out->description = cp(a, o->description);
	out->created = out->updated = cp(a, TIME);
}

/* ORG_GET */
enum dbres
db_org_get(struct db *db, struct arena *a, const char *id, struct org *out)
{
	struct f_org	*o;
	enum dbres	 rc;

	if ((rc = enter()) != DB_OK)
		return rc;
	if ((o = org_by_id(id)) == NULL)
		return DB_NOROW;
	org_out(a, o, out);
	return DB_OK;
}

/* ORG_BY_NAME */
enum dbres
db_org_by_name(struct db *db, struct arena *a, const char *name,
    struct org *out)
{
	struct f_org	*o;
	enum dbres	 rc;

	if ((rc = enter()) != DB_OK)
		return rc;
	if ((o = org_by_name(name)) == NULL)
		return DB_NOROW;
	org_out(a, o, out);
	return DB_OK;
}

static struct f_member *
member_of(const char *org, const char *user)
{
	size_t	 i;

	for (i = 0; i < w.nmembers; i++)
		if (!w.members[i].gone && strcmp(w.members[i].org, org) == 0 &&
		    strcmp(w.members[i].user, user) == 0)
			return &w.members[i];
	return NULL;
}

/* ORG_INSERT: the name is unique; owner (if any) becomes its owner. */
enum dbres
db_org_insert(struct db *db, struct arena *a, const struct actor *act,
    const char *name, const char *description, const char *owner,
    struct org *out)
{
	struct fake_write_rec *rec;
	struct f_org	*o;
	enum dbres	 rc;

	if ((rc = enter_write(FW_ORG_INSERT, act, NULL, "", &rec)) != DB_OK)
		return rc;
	if (org_by_name(name) != NULL) {
		constraint = "orgs_name_key";
		return DB_CONFLICT;
	}
	if (owner != NULL && user_by_id(owner) == NULL)
		return DB_FOREIGN;
	if (w.norgs == MAXROWS || w.nmembers == MAXROWS)
		return full();
	o = &w.orgs[w.norgs++];
	o->id = new_id();
	o->name = arena_strdup(W, name);
	o->description = arena_strdup(W, description);
	if (owner != NULL) {
		w.members[w.nmembers].org = o->id;
		w.members[w.nmembers].user = arena_strdup(W, owner);
		w.members[w.nmembers++].role = "owner";
	}
	org_out(a, o, out);
	rec->changed = 1;
	return DB_OK;
}

/* ORG_UPDATE */
enum dbres
db_org_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *name, const char *description,
    struct org *out)
{
	struct fake_write_rec *rec;
	struct f_org	*o, *other;
	enum dbres	 rc;

	if ((rc = enter_write(FW_ORG_UPDATE, act, NULL, id, &rec)) != DB_OK)
		return rc;
	if ((o = org_by_id(id)) == NULL)
		return DB_NOROW;
	if (name != NULL && (other = org_by_name(name)) != NULL &&
	    other != o) {
		constraint = "orgs_name_key";
		return DB_CONFLICT;
	}
	if (name != NULL)
		o->name = arena_strdup(W, name);
	if (description != NULL)
		o->description = arena_strdup(W, description);
	org_out(a, o, out);
	rec->changed = 1;
	return DB_OK;
}

/* ORG_DELETE: its tokens and memberships go with it. */
enum dbres
db_org_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id)
{
	struct fake_write_rec *rec;
	struct f_org	*o;
	enum dbres	 rc;

	if ((rc = enter_write(FW_ORG_DELETE, act, NULL, id, &rec)) != DB_OK)
		return rc;
	if ((o = org_by_id(id)) == NULL)
		return DB_NOROW;
	o->gone = 1;
	cascade(NULL, id);
	rec->changed = 1;
	return DB_OK;
}

static int
by_org_id(const void *x, const void *y)
{
	return strcmp((*(struct f_org *const *)x)->id,
	    (*(struct f_org *const *)y)->id);
}

/* ORGS_LIST */
enum dbres
db_orgs_page(struct db *db, struct arena *a, struct page *pg, int read_all,
    const char *readable, const char *member, struct org **out, size_t *n)
{
	struct f_org	*sel[MAXROWS];
	size_t		 i, k = 0, off;
	enum dbres	 rc;

	*n = 0;
	*out = arena_alloc(a, sizeof(struct org));
	pg->more = 0;
	if ((rc = enter()) != DB_OK)
		return rc;
	for (i = 0; i < w.norgs; i++) {
		struct f_org *o = &w.orgs[i];

		if (o->gone || (!read_all && !in_words(readable, o->id)) ||
		    (pg->after != NULL && strcmp(o->id, pg->after) <= 0) ||
		    (member != NULL && member_of(o->id, member) == NULL))
			continue;
		sel[k++] = o;
	}
	qsort(sel, k, sizeof(sel[0]), by_org_id);
	off = (size_t)pg->offset < k ? (size_t)pg->offset : k;
	pg->more = k - off > (size_t)pg->limit;
	*n = pg->more ? (size_t)pg->limit : k - off;
	*out = arena_alloc(a, sizeof(struct org) * (*n + 1));
	for (i = 0; i < *n; i++)
		org_out(a, sel[off + i], &(*out)[i]);
	return *n > 0 ? DB_OK : DB_NOROW;
}

/* MEMBERS_LIST: by user id */
enum dbres
db_org_members(struct db *db, struct arena *a, const char *org,
    const char *role, struct user **out, size_t *n)
{
	struct f_user	*sel[MAXROWS], *u;
	size_t		 i, k = 0;
	enum dbres	 rc;

	*n = 0;
	*out = arena_alloc(a, sizeof(struct user));
	if ((rc = enter()) != DB_OK)
		return rc;
	for (i = 0; i < w.nmembers; i++) {
		const struct f_member *m = &w.members[i];

		if (!m->gone && strcmp(m->org, org) == 0 &&
		    strcmp(m->role, role) == 0 &&
		    (u = user_by_id(m->user)) != NULL)
			sel[k++] = u;
	}
	qsort(sel, k, sizeof(sel[0]), by_user_id);
	*out = arena_alloc(a, sizeof(struct user) * (k + 1));
	for (i = 0; i < k; i++)
		user_out(a, sel[i], &(*out)[i]);
	*n = k;
	return k > 0 ? DB_OK : DB_NOROW;
}

/* MEMBER_ADD: an upsert of the role; DB_FOREIGN without user or org. */
enum dbres
db_org_member_add(struct db *db, struct arena *a, const struct actor *act,
    const char *org, const char *user, const char *role, struct user *out)
{
	struct fake_write_rec *rec;
	struct f_member	*m;
	struct f_user	*u;
	enum dbres	 rc;

	if ((rc = enter_write(FW_MEMBER_ADD, act, NULL, org, &rec)) != DB_OK)
		return rc;
	if (org_by_id(org) == NULL || (u = user_by_id(user)) == NULL)
		return DB_FOREIGN;
	if ((m = member_of(org, user)) == NULL) {
		if (w.nmembers == MAXROWS)
			return full();
		m = &w.members[w.nmembers++];
		m->org = arena_strdup(W, org);
		m->user = arena_strdup(W, user);
	}
	m->role = strcmp(role, "owner") == 0 ? "owner" : "member";
	user_out(a, u, out);
	rec->changed = 1;
	return DB_OK;
}

/* MEMBER_REMOVE */
enum dbres
db_org_member_remove(struct db *db, struct arena *a, const struct actor *act,
    const char *org, const char *user, const char *role)
{
	struct fake_write_rec *rec;
	struct f_member	*m;
	enum dbres	 rc;

	if ((rc = enter_write(FW_MEMBER_REMOVE, act, NULL, org, &rec)) != DB_OK)
		return rc;
	if ((m = member_of(org, user)) == NULL || strcmp(m->role, role) != 0)
		return DB_NOROW;
	m->gone = 1;
	rec->changed = 1;
	return DB_OK;
}

/* ---- db_tokens.h ------------------------------------------------------ */

/* AUTH_FIELDS, permissions parsed as db_tokens.c parses them. */
static void
token_out(struct arena *a, const struct f_token *t, struct authz *z)
{
	const struct f_org *o = org_by_id(t->org);
	const struct f_user *u = user_by_id(t->user);
	size_t		 len = strlen(t->perms), bad;

	memset(z, 0, sizeof(*z));
	z->id = cp(a, t->id);
	z->status = cp(a, t->status);
	z->description = cp(a, t->description);
	z->org_id = cp(a, t->org);
	z->org_name = cp(a, o ? o->name : NULL);
	z->user_id = cp(a, t->user);
	z->user_name = cp(a, u ? u->name : NULL);
	z->created = z->updated = cp(a, TIME);
	z->perms = arena_alloc(a, sizeof(struct perm) *
	    perm_list_max(t->perms, len));
	z->nperms = perm_list_parse(t->perms, len, z->perms, &bad);
}

/*
 * AUTH_INSERT: DB_FOREIGN without its user or org.  The fake's tokens
 * never expire: the expiry asked is the database's clock's (t0360).
 */
enum dbres
db_token_insert(struct db *db, struct arena *a, const struct actor *act,
    const char *hash, const char *status, const char *description,
    const char *org, const char *user, const struct perm *perms,
    size_t nperms, const struct expiry_in *exp, struct authz *out)
{
	struct fake_write_rec *rec;
	struct f_token	*t;
	enum dbres	 rc;

	if ((rc = enter_write(FW_TOKEN_INSERT, act, user, org, &rec)) != DB_OK)
		return rc;
	if (org_by_id(org) == NULL || user_by_id(user) == NULL)
		return DB_FOREIGN;
	if (w.ntokens == MAXROWS)
		return full();
	t = &w.tokens[w.ntokens++];
	t->id = new_id();
	t->hash = arena_strdup(W, hash);
	t->status = arena_strdup(W, status);
	t->description = arena_strdup(W, description);
	t->org = arena_strdup(W, org);
	t->user = arena_strdup(W, user);
	t->perms = perm_list_format(perms, nperms,
	    arena_alloc(W, PERM_LIST_SIZE(nperms)));
	t->version = new_version();
	token_out(a, t, out);
	rec->changed = 1;
	return DB_OK;
}

/* AUTH_GET */
enum dbres
db_token_get(struct db *db, struct arena *a, const char *id,
    struct authz *out)
{
	struct f_token	*t;
	enum dbres	 rc;

	if ((rc = enter()) != DB_OK)
		return rc;
	if ((t = token_by(id, NULL)) == NULL)
		return DB_NOROW;
	token_out(a, t, out);
	return DB_OK;
}

static int
by_token_id(const void *x, const void *y)
{
	return strcmp((*(struct f_token *const *)x)->id,
	    (*(struct f_token *const *)y)->id);
}

/* AUTHS_LIST, AUTHS_LIST_USERS: the scope filters before paging. */
enum dbres
db_tokens_page(struct db *db, struct arena *a, const char *user,
    const char *org, const struct db_tokens_scope *sc, struct page *pg,
    struct authz **out, size_t *n)
{
	struct f_token	*sel[MAXROWS];
	size_t		 i, k = 0, off;
	enum dbres	 rc;

	*n = 0;
	*out = NULL;
	pg->more = 0;
	if ((rc = enter()) != DB_OK)
		return rc;
	for (i = 0; i < w.ntokens; i++) {
		struct f_token *t = &w.tokens[i];

		if (t->gone || (user != NULL && strcmp(t->user, user) != 0) ||
		    (org != NULL && strcmp(t->org, org) != 0) ||
		    (pg->after != NULL && strcmp(t->id, pg->after) <= 0))
			continue;
		if (!sc->all_auths && !in_words(sc->orgs, t->org) &&
		    !in_words(sc->ids, t->id))
			continue;
		if (!sc->all_users && !in_words(sc->users, t->user))
			continue;
		sel[k++] = t;
	}
	qsort(sel, k, sizeof(sel[0]), by_token_id);
	off = (size_t)pg->offset < k ? (size_t)pg->offset : k;
	pg->more = pg->limit > 0 && k - off > (size_t)pg->limit;
	*n = pg->more ? (size_t)pg->limit : k - off;
	*out = arena_alloc(a, sizeof(struct authz) * (*n + 1));
	for (i = 0; i < *n; i++)
		token_out(a, sel[off + i], &(*out)[i]);
	return *n > 0 ? DB_OK : DB_NOROW;
}

/* AUTH_UPDATE: a new row version. */
enum dbres
db_token_update(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *status, const char *description,
    const struct expiry_in *exp, int nearer_only, struct authz *out)
{
	struct fake_write_rec *rec;
	struct f_token	*t;
	enum dbres	 rc;

	if ((rc = enter_write(FW_TOKEN_UPDATE, act, NULL, token_org(id), &rec)) != DB_OK)
		return rc;
	if ((t = token_by(id, NULL)) == NULL)
		return DB_NOROW;
	if (status != NULL)
		t->status = arena_strdup(W, status);
	if (description != NULL)
		t->description = arena_strdup(W, description);
	t->version = new_version();
	token_out(a, t, out);
	rec->changed = 1;
	return DB_OK;
}

/* AUTH_ROTATE: a new secret for the token (the old one ends at once). */
enum dbres
db_token_rotate(struct db *db, struct arena *a, const struct actor *act,
    const char *id, const char *hash, const char *grace, struct authz *out)
{
	struct fake_write_rec *rec;
	struct f_token	*t;
	enum dbres	 rc;

	if ((rc = enter_write(FW_TOKEN_ROTATE, act, NULL, token_org(id), &rec)) != DB_OK)
		return rc;
	if ((t = token_by(id, NULL)) == NULL)
		return DB_NOROW;
	t->hash = arena_strdup(W, hash);
	t->version = new_version();
	token_out(a, t, out);
	rec->changed = 1;
	return DB_OK;
}

/* TOKEN_TOUCH: the token's last use (the fake keeps none). */
enum dbres
db_token_touch(struct db *db, struct arena *a, const char *id,
    const char *addr)
{
	struct fake_write_rec *rec;
	enum dbres	 rc;

	rc = enter_write(FW_TOKEN_TOUCH, NULL, NULL, NULL, &rec);
	rec->hash = cp(W, id);
	if (rc != DB_OK)
		return rc;
	rec->changed = 1;
	return DB_OK;
}

/* TOKEN_STATS: no token of the fake expires or records a use. */
enum dbres
db_tokens_stats(struct db *db, struct arena *a, struct token_stats *out)
{
	memset(out, 0, sizeof(*out));
	return enter();
}

/* AUTH_DELETE */
enum dbres
db_token_delete(struct db *db, struct arena *a, const struct actor *act,
    const char *id)
{
	struct fake_write_rec *rec;
	struct f_token	*t;
	enum dbres	 rc;

	if ((rc = enter_write(FW_TOKEN_DELETE, act, NULL, token_org(id), &rec)) != DB_OK)
		return rc;
	if ((t = token_by(id, NULL)) == NULL)
		return DB_NOROW;
	t->gone = 1;
	rec->changed = 1;
	return DB_OK;
}

/* ---- db_principals.h ------------------------------------------------- */

/* The user WITH_USER or WITH_SELF reads (LEFT JOIN users t). */
static void
with_user(struct arena *a, const char *id, struct db_principal *out)
{
	struct f_user	*u = user_by_id(id);

	out->user_found = u != NULL;
	if (u != NULL)
		user_out(a, u, &out->user);
}

/* What authentication found, for the oracle. */
static void
note_authed(const char *hash, int session, const char *auth_id,
    const char *user, int valid, const char *perms)
{
	struct f_user	*u;

	authed.looked_up = 1;
	authed.hash = hash;
	authed.session = session;
	if (auth_id == NULL)
		return;
	authed.found = 1;
	authed.valid = valid;
	authed.auth_id = auth_id;
	authed.user_id = user;
	authed.read_only = perms != NULL && strstr(perms, "write:") == NULL;
	/* The user's roles as the world has them, not as auth.c read them. */
	if ((u = user_by_id(user)) != NULL) {
		struct db_principal roles;

		authed.instance_owner = u->owner;
		roles_of(W, user, &roles);
		authed.owned_orgs = roles.owner_orgs;
	}
}

/* PRINCIPAL_TOKEN, PRINCIPAL_TOKEN_USER; the ride in the same trip. */
enum dbres
db_principal_token(struct db *db, struct arena *a,
    const struct db_principal_query *q, struct db_principal *out)
{
	struct f_token	*t;
	struct f_user	*u;
	enum dbres	 rc;

	memset(out, 0, sizeof(*out));
	note_authed(cp(a, q->hash), 0, NULL, NULL, 0, NULL);
	if ((rc = enter()) != DB_OK)
		return rc;
	if (q->ride != NULL)
		users_page(a, q->ride);
	if ((t = token_by(NULL, q->hash)) == NULL ||
	    (u = user_by_id(t->user)) == NULL)
		return DB_NOROW;
	note_authed(cp(a, q->hash), 0, t->id, t->user,
	    strcmp(t->status, "active") == 0 &&
	    strcmp(u->status, "active") == 0, t->perms);
	out->auth_id = cp(a, t->id);
	out->user_id = cp(a, t->user);
	out->user_status = cp(a, u->status);
	out->auth_status = cp(a, plant_inactive ? "active" : t->status);
	out->version = cp(a, t->version);
	out->perms = q->kept_id != NULL && q->kept_version != NULL &&
	    strcmp(q->kept_id, t->id) == 0 &&
	    strcmp(q->kept_version, t->version) == 0 ? NULL :
	    cp(a, t->perms);
	roles_of(a, t->user, out);
	out->instance_owner = u->owner;
	if (q->with != WITH_NOTHING)
		with_user(a, q->user_id ? q->user_id : t->user, out);
	return DB_OK;
}

/* PRINCIPAL_SESSION, _USER, SESSION_SELF */
enum dbres
db_principal_session(struct db *db, struct arena *a,
    const struct db_principal_query *q, struct db_principal *out)
{
	struct f_session *s;
	struct f_user	*u;
	enum dbres	 rc;

	memset(out, 0, sizeof(*out));
	note_authed(cp(a, q->hash), 1, NULL, NULL, 0, NULL);
	if ((rc = enter()) != DB_OK)
		return rc;
	if (q->ride != NULL)
		users_page(a, q->ride);
	if ((s = session_live(q->hash, NULL)) == NULL ||
	    (u = user_by_id(s->user)) == NULL)
		return DB_NOROW;
	note_authed(cp(a, q->hash), 1, s->id, s->user,
	    strcmp(u->status, "active") == 0, NULL);
	out->auth_id = cp(a, s->id);
	out->user_id = cp(a, s->user);
	out->user_status = cp(a, u->status);
	out->auth_status = cp(a, "active");
	out->touch_due = s->due;
	if (q->with == WITH_SELF) {
		out->owner_orgs = out->member_orgs = cp(a, "");
		with_user(a, s->user, out);
		return DB_OK;
	}
	roles_of(a, s->user, out);
	out->instance_owner = u->owner;
	if (q->with == WITH_USER)
		with_user(a, q->user_id ? q->user_id : s->user, out);
	return DB_OK;
}

/* ---- db_sessions.h ---------------------------------------------------- */

/* SESSIONS_LIST: DB_NOROW when the user does not exist. */
enum dbres
db_sessions_list(struct db *db, struct arena *a, const char *user_id,
    struct session_info **out, size_t *n)
{
	size_t		 i;
	enum dbres	 rc;

	*out = NULL;
	*n = 0;
	if ((rc = enter()) != DB_OK)
		return rc;
	if (user_by_id(user_id) == NULL)
		return DB_NOROW;
	*out = arena_alloc(a, sizeof(**out) * (w.nsessions + 1));
	for (i = w.nsessions; i-- > 0;) {
		struct f_session *s = &w.sessions[i];
		struct session_info *o = &(*out)[*n];

		if (strcmp(s->user, user_id) != 0 ||
		    session_live(NULL, s->id) != s)
			continue;
		o->id = cp(a, s->id);
		o->created = o->last_used = o->expires = cp(a, TIME);
		o->addr = cp(a, "192.0.2.1");
		o->agent = cp(a, "fuzz agent");
		(*n)++;
	}
	return DB_OK;
}

/* SESSIONS_END: session id (NULL: all), never keep; DB_NOROW: no user. */
enum dbres
db_sessions_end(struct db *db, struct arena *a, const struct actor *act,
    const char *user_id, const char *id, const char *keep, long long *n)
{
	struct fake_write_rec *rec;
	size_t		 i;
	enum dbres	 rc;

	*n = 0;
	if ((rc = enter_write(FW_SESSIONS_END, act, user_id, NULL, &rec)) != DB_OK)
		return rc;
	if (user_by_id(user_id) == NULL)
		return DB_NOROW;
	for (i = 0; i < w.nsessions; i++) {
		struct f_session *s = &w.sessions[i];

		if (strcmp(s->user, user_id) != 0 ||
		    session_live(NULL, s->id) != s ||
		    (id != NULL && strcmp(s->id, id) != 0) ||
		    (keep != NULL && strcmp(s->id, keep) == 0))
			continue;
		s->gone = 1;
		(*n)++;
		rec->changed = 1;
	}
	return DB_OK;
}

/* SESSION_DELETE: the live session behind hash. */
enum dbres
db_session_delete(struct db *db, struct arena *a, const char *hash,
    const char *addr)
{
	struct fake_write_rec *rec;
	struct f_session *s;
	enum dbres	 rc;

	rc = enter_write(FW_SESSION_DELETE, NULL, NULL, NULL, &rec);
	rec->hash = cp(W, hash);
	if (rc != DB_OK)
		return rc;
	if ((s = session_live(hash, NULL)) == NULL)
		return DB_NOROW;
	s->gone = 1;
	rec->changed = 1;
	rec->cookie = s->cookie;
	return DB_OK;
}

/*
 * SESSION_TOUCH: a due session is renewed (its new expiry); no user is a
 * directory user here, so no directory check is ever claimed.
 */
enum dbres
db_session_touch(struct db *db, struct arena *a, const char *hash,
    long long length, long long recheck, long long *expires,
    struct dir_recheck *due)
{
	struct fake_write_rec *rec;
	struct f_session *s;
	enum dbres	 rc;

	*expires = 0;
	memset(due, 0, sizeof(*due));
	rc = enter_write(FW_SESSION_TOUCH, NULL, NULL, NULL, &rec);
	rec->hash = cp(W, hash);
	if (rc != DB_OK)
		return rc;
	if ((s = session_live(hash, NULL)) == NULL)
		return DB_NOROW;
	if (s->due)
		*expires = 1767225600 + length;
	s->due = 0;
	rec->changed = 1;
	return DB_OK;
}

/*
 * SIGNIN_BEGIN: past the failures of a name, a wait (no count), else the
 * attempt counted and the name's credential read.
 */
enum dbres
db_signin_begin(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k, long long *wait, int *device,
    struct credential *cr)
{
	struct fake_write_rec *rec;
	enum dbres	 rc;

	*wait = 0;
	*device = 0;
	memset(cr, 0, sizeof(*cr));
	if ((rc = enter_write(FW_SIGNIN_BEGIN, NULL, NULL, NULL, &rec)) != DB_OK)
		return rc;
	if (w.failures >= c->signin_max_failures)
		*wait = c->signin_lockout;
	else {
		w.failures++;
		(void)credential(a, user_by_name(k->name), cr);
	}
	rec->changed = 1;
	return DB_OK;
}

/*
 * SIGNIN_FINISH: the name's count goes in any case; the session (and the
 * device) only for an active user still at generation s->gen.
 */
enum dbres
db_signin_finish(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k, const struct signin_session *in,
    long long *expires)
{
	struct fake_write_rec *rec;
	struct f_session *s;
	struct f_user	*u;
	enum dbres	 rc;

	*expires = 0;
	rc = enter_write(FW_SIGNIN_FINISH, NULL, NULL, NULL, &rec);
	rec->user = cp(W, in->user_id);
	if (rc != DB_OK)
		return rc;
	w.failures = 0;		/* a count, as SIGNIN_BEGIN's: no change */
	if ((u = user_by_id(in->user_id)) == NULL ||
	    strcmp(u->status, "active") != 0 ||
	    strtol(in->gen, NULL, 10) != u->gen)
		return DB_NOROW;
	if (w.nsessions == MAXROWS)
		return full();
	s = &w.sessions[w.nsessions++];
	s->id = new_id();
	s->hash = arena_strdup(W, in->hash);
	s->user = u->id;
	s->gen = u->gen;
	*expires = 1767225600 + in->length;
	rec->changed = 1;
	return DB_OK;
}

/* SIGNIN_DIRECTORY: a directory user's; the fake has no directory. */
enum dbres
db_signin_directory(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k, const struct signin_session *in,
    long long *expires, int *stale)
{
	*expires = 0;
	*stale = 0;
	return DB_REFUSED;
}

/* THROTTLE_SUCCESS: the name's count goes (a password change's). */
enum dbres
db_signin_succeeded(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k)
{
	struct fake_write_rec *rec;
	struct f_user	*u = user_by_name(k->name);
	enum dbres	 rc;

	rc = enter_write(FW_THROTTLE_SUCCESS, NULL, NULL, NULL, &rec);
	rec->user = u ? cp(W, u->id) : NULL;
	if (rc != DB_OK)
		return rc;
	w.failures = 0;
	rec->changed = 1;
	return DB_OK;
}

/* THROTTLE_UNCOUNT */
enum dbres
db_signin_uncount(struct db *db, struct arena *a, const struct cfg *c,
    const struct signin_keys *k)
{
	struct fake_write_rec *rec;
	enum dbres	 rc;

	if ((rc = enter_write(FW_THROTTLE_UNCOUNT, NULL, NULL, NULL, &rec)) != DB_OK)
		return rc;
	if (w.failures > 0)
		w.failures--;
	rec->changed = 1;
	return DB_OK;
}

/* ---- db.h ------------------------------------------------------------ */

/* The fake serves the default instance only. */
const char *
db_instance_name(const struct db *db)
{
	return "";
}

/* ---- db_directory.h --------------------------------------------------- */

/* DIRECTORY_READ: no directory is enabled (any: its empty settings). */
enum dbres
db_directory_read(struct db *db, struct arena *a, const char *name, int any,
    struct dir_settings *s, int *is_dir, int *is_user)
{
	enum dbres	 rc;

	memset(s, 0, sizeof(*s));
	*is_dir = 0;
	*is_user = name != NULL && user_by_name(name) != NULL;
	if ((rc = enter()) != DB_OK)
		return rc;
	return any ? DB_OK : DB_NOROW;
}

/* The rest is usersctl's or a directory user's: never reached here. */
enum dbres
db_directory_set(struct db *db, struct arena *a, const char *key,
    const char *value)
{
	return DB_REFUSED;
}

enum dbres
db_directory_users(struct db *db, struct arena *a, const char ***ids,
    const char ***names, const char ***dns, size_t *n)
{
	*n = 0;
	return enter();
}

enum dbres
db_directory_recheck_again(struct db *db, struct arena *a,
    const char *user_id)
{
	return DB_NOROW;
}

enum dbres
db_directory_roles(struct db *db, struct arena *a, struct dir_role **out,
    size_t *n)
{
	*out = NULL;
	*n = 0;
	return enter();
}

enum dbres
db_directory_roles_set(struct db *db, struct arena *a, const char *user_id,
    const char *flags, const char *addr, long long *changed)
{
	*changed = 0;
	return DB_REFUSED;
}

enum dbres
db_directory_role(struct db *db, struct arena *a, const char *org,
    const char *role, const char *group)
{
	return DB_NOROW;
}

/* ---- db_budget.h ------------------------------------------------------ */

/* SIGNIN_BUDGET */
enum dbres
db_signin_budget_spend(struct db *db, struct arena *a, long long max,
    long long window, int *spent)
{
	struct fake_write_rec *rec;
	enum dbres	 rc;

	*spent = 0;
	if ((rc = enter_write(FW_SIGNIN_BUDGET, NULL, NULL, NULL, &rec)) != DB_OK)
		return rc;
	*spent = ++w.failures > max;
	rec->changed = 1;
	return DB_OK;
}

/* ---- db_setup.h ------------------------------------------------------- */

/* No user and no org yet (onboarding is never closed here). */
static int
onboarding_open(void)
{
	size_t	 i;

	for (i = 0; i < w.nusers; i++)
		if (!w.users[i].gone)
			return 0;
	for (i = 0; i < w.norgs; i++)
		if (!w.orgs[i].gone)
			return 0;
	return 1;
}

/* SETUP_ALLOWED */
enum dbres
db_setup_allowed(struct db *db, struct arena *a, const char *addr,
    int *allowed)
{
	enum dbres	 rc;

	*allowed = 0;
	if ((rc = enter()) != DB_OK)
		return rc;
	*allowed = onboarding_open();
	return DB_OK;
}

/* SETUP: usersd_setup() makes the user, org, bucket and operator token. */
enum dbres
db_setup_run(struct db *db, struct arena *a, const struct db_setup *in,
    struct setup_out *out)
{
	struct fake_write_rec *rec;
	struct f_user	*u;
	struct f_org	*o;
	struct f_token	*t;
	enum dbres	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = enter_write(FW_SETUP, NULL, NULL, NULL, &rec)) != DB_OK)
		return rc;
	/* Under the function's lock: another setup may have won. */
	if (!onboarding_open()) {
		raised = "onboarding has already been completed";
		return DB_RAISED;
	}
	u = &w.users[w.nusers++];
	u->id = new_id();
	u->name = arena_strdup(W, in->username);
	u->status = "active";
	u->hash = in->password_hash ? arena_strdup(W, in->password_hash) :
	    NULL;
	u->gen = 1;
	u->owner = 1;
	o = &w.orgs[w.norgs++];
	o->id = new_id();
	o->name = arena_strdup(W, in->org);
	o->description = "";
	w.members[w.nmembers].org = o->id;
	w.members[w.nmembers].user = u->id;
	w.members[w.nmembers++].role = "owner";
	t = &w.tokens[w.ntokens++];
	t->id = new_id();
	t->hash = arena_strdup(W, in->token_hash);
	t->status = "active";
	t->description = arena_strdup(W, in->description);
	t->org = o->id;
	t->user = u->id;
	t->perms = arena_strdup(W, in->perms);
	t->version = new_version();
	user_out(a, u, &out->user);
	out->org.id = cp(a, o->id);
	out->org.name = cp(a, o->name);
	out->org.created = out->org.updated = cp(a, TIME);
	out->bucket.id = cp(a, new_id());
	out->bucket.name = cp(a, in->bucket);
	out->bucket.created = cp(a, TIME);
	out->auth.id = cp(a, t->id);
	out->auth.description = cp(a, t->description);
	out->auth.created = out->auth.updated = cp(a, TIME);
	rec->changed = 1;
	return DB_OK;
}
