/*
 * fakedb.h -- a fake of the typed database layer (src/db.h's few calls
 * outside db.c, and every db_*.h function usersd's requests reach), for
 * tests/fuzz/fuzz_request.c only: never linked into usersd or usersctl.
 *
 * It stands in for PostgreSQL, statement by statement: each fake function
 * does to a small in-memory world what its statement of src/stmts.def does
 * to the tables (the same inputs, the same rows out, the same enum dbres:
 * DB_NOROW, DB_CONFLICT on a taken name, DB_FOREIGN on a missing user or
 * org, DB_REFUSED for the last instance owner), deterministically.  On top
 * of that it tells the harness what a request did: every write, with the
 * actor the service named, and the credential authentication looked up.
 */
#ifndef FAKEDB_H
#define FAKEDB_H

#include <stddef.h>

#include "db.h"

/*
 * What a write needs to be legitimate; the harness's oracle judges each
 * write of a request by its class.
 */
enum fake_need {
	NEED_PRINCIPAL,	/* a valid credential, and its actor */
	NEED_SESSION,	/* the valid session making the request (its touch) */
	NEED_TOKEN,	/* the valid token making the request (its last use) */
	NEED_PASSWORD,	/* a sign-in with the user's right password */
	NEED_COOKIE,	/* the session cookie the request carried (sign-out) */
	NEED_ONBOARDING,/* an empty instance (setup) */
	NEED_NOTHING	/* counts of failed attempts: any request */
};

/*
 * Every kind of write, with its need: one line each.  A fake of a new
 * writing db_* function adds its line here and calls write_begin() with it.
 */
#define FAKE_WRITES \
	W(USER_INSERT,		NEED_PRINCIPAL)		\
	W(USER_UPDATE,		NEED_PRINCIPAL)		\
	W(USER_DELETE,		NEED_PRINCIPAL)		\
	W(USER_SET_PASSWORD,	NEED_PRINCIPAL)		\
	W(ORG_INSERT,		NEED_PRINCIPAL)		\
	W(ORG_UPDATE,		NEED_PRINCIPAL)		\
	W(ORG_DELETE,		NEED_PRINCIPAL)		\
	W(MEMBER_ADD,		NEED_PRINCIPAL)		\
	W(MEMBER_REMOVE,	NEED_PRINCIPAL)		\
	W(TOKEN_INSERT,		NEED_PRINCIPAL)		\
	W(TOKEN_UPDATE,		NEED_PRINCIPAL)		\
	W(TOKEN_DELETE,		NEED_PRINCIPAL)		\
	W(SESSIONS_END,		NEED_PRINCIPAL)		\
	W(TOKEN_ROTATE,		NEED_PRINCIPAL)		\
	W(SESSION_TOUCH,	NEED_SESSION)		\
	W(TOKEN_TOUCH,		NEED_TOKEN)		\
	W(SIGNIN_FINISH,	NEED_PASSWORD)		\
	W(USER_REHASH,		NEED_PASSWORD)		\
	W(THROTTLE_SUCCESS,	NEED_PASSWORD)		\
	W(SESSION_DELETE,	NEED_COOKIE)		\
	W(SETUP,		NEED_ONBOARDING)	\
	W(SIGNIN_BEGIN,		NEED_NOTHING)		\
	W(THROTTLE_UNCOUNT,	NEED_NOTHING)		\
	W(SIGNIN_BUDGET,	NEED_NOTHING)

enum fake_write {
#define W(name, need)	FW_##name,
	FAKE_WRITES
#undef W
	FW__MAX
};

/* One write the request made (its statement ran and changed the world). */
struct fake_write_rec {
	enum fake_write	 kind;
	enum fake_need	 need;
	const char	*actor_user;	/* the struct actor it named, or NULL */
	const char	*actor_auth;
	const char	*user;		/* NEED_PASSWORD: the user it is for */
	const char	*hash;		/* NEED_SESSION, NEED_COOKIE: the
					 * session's hash; NEED_TOKEN: the
					 * token's id */
	const char	*target_user;	/* NEED_PRINCIPAL: the user and org of
					 * the rows it is for (NULL: not
					 * that kind, "" a new one) */
	const char	*target_org;
	int		 changed;	/* it changed the world */
	const char	*cookie;	/* NEED_COOKIE: the cookie of the
					 * session it ended */
};

/* The credential authentication looked up (by its hash), as it is now. */
struct fake_authed {
	int		 looked_up;	/* a principal statement ran */
	int		 found;		/* ... and returned a row */
	int		 valid;		/* the row is a live, active credential
					 * of an active user */
	int		 session;	/* a session (else a token) */
	int		 read_only;	/* a token without any write permission */
	const char	*auth_id;
	const char	*user_id;
	const char	*hash;
	int		 instance_owner;	/* its user, as the world has it */
	const char	*owned_orgs;	/* space-separated ids */
};

/* The world's fixed credentials and ids, for seeds and the oracle. */
#define FAKE_NUSERS	6
#define FAKE_NORGS	3
#define FAKE_NTOKENS	7
#define FAKE_NSESSIONS	6

/* Once, after pw_init: hashes the users' passwords as configured. */
void		 fakedb_init(void);
/* A new world for the next request: the fixed one, or none (empty). */
void		 fakedb_reset(int empty);
/* The handle the harness gives the request (req->db). */
struct db	*fakedb_db(void);
/*
 * The at'th fake call of the request (from 1; 0: none) fails with class
 * cls (a read: DB_UNAVAILABLE or DB_ERROR; a write: any failure), and
 * changes nothing.  Its db_raised() text is internal, as PostgreSQL's is.
 */
void		 fakedb_fail(unsigned at, unsigned cls);
/* 1 when a failure was injected into this request. */
int		 fakedb_failed(void);

/*
 * The world's names for the seeds' macros (fuzz_request.c): kind 'T' a
 * token's text, 'S' a session cookie, 'U' a user id, 'N' a user name, 'P'
 * its password (NULL: none), 'O' an org id, 'A' a token id, 'I' a session
 * id; i is taken modulo their count, so any byte names one.  NULL for
 * another kind.  Strings are static.
 */
const char	*fakedb_name(char kind, unsigned i);
/*
 * The i'th secret of the fixed world (token and cookie texts, their
 * hashes, the users' passwords and PHC hashes), or NULL past the last.
 */
const char	*fakedb_secret(size_t i);
/* The fixed world's password of user id, or NULL (none, or not known). */
const char	*fakedb_password_of(const char *id);

/*
 * A bug planted in the fake, so that a test can see the oracle catch it
 * (tests/unit/fuzz-request-oracle.test): "inactive-token", every token
 * reads as active, as if the statement lost its status; "leak", the
 * schema's refusals carry PostgreSQL's internal text; "roles", a
 * principal owns the orgs it is a member of, as if ROLES_OF swapped its
 * roles.  NULL: none.
 */
void		 fakedb_plant(const char *bug);

size_t		 fakedb_writes(const struct fake_write_rec **out);
const struct fake_authed *fakedb_authed(void);

#endif
