/*
 * ctl_users.c -- usersctl's setup and users: the first operator, and
 * adding, listing, changing and deleting users, through the same services
 * as the API, acting as the shell principal.  Passwords come from stdin.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "ctl.h"
#include "password.h"
#include "policy.h"
#include "setup.h"
#include "users.h"
#include "util.h"
#include "banned.h"

/* setup --username U --org O --bucket B [--token T] [--retention SECONDS] */
int
ctl_setup(struct ctl *c, const struct ctl_args *a)
{
	struct setup_in		 in;
	struct setup_out	 out;
	struct apierr		 e;
	const char		*ret = ctl_opt(a, "retention");
	char			 pw[PW_MAX + 2];
	long long		 v;

	memset(&in, 0, sizeof(in));
	in.username = ctl_opt(a, "username");
	in.org = ctl_opt(a, "org");
	in.bucket = ctl_opt(a, "bucket");
	in.token = ctl_opt(a, "token");
	if (ret != NULL) {
		if (util_parse_ll(ret, 0, 1LL << 40, &v) == -1)
			return ctl_usage_error(a, "--retention must be a "
			    "number of seconds");
		in.retention = v;
	}
	if (ctl_read_secret(pw, sizeof(pw)) > 0)
		in.password = arena_strdup(c->arena, pw);
	crypto_wipe(pw, sizeof(pw));
	if (setup_run(c->db, c->arena, "usersctl", &in, &out, &e) == -1)
		return ctl_die_api("setup", &e);
	printf("%s\n", out.auth.token);
	fprintf(stderr, "usersctl: user %s (%s), org %s (%s), operator token "
	    "%s\n", out.user.name, out.user.id, out.org.name, out.org.id,
	    out.auth.id);
	return 0;
}

int
ctl_user_by_name(struct ctl *c, const char *name, struct user *u)
{
	struct apierr	 e;

	if (users_get_by_name(c->db, c->arena, name, u, &e) == -1)
		return ctl_die_api(name, &e);
	return 0;
}

/* user add NAME [--inactive] [--service]; the password from stdin. */
int
ctl_user_add(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;
	struct user_in	 in;
	struct user	 u;
	char		 pw[PW_MAX + 2];
	long		 len;

	memset(&in, 0, sizeof(in));
	in.name = a->argv[0];
	in.has_name = 1;
	in.status = ctl_opt(a, "inactive") ? "inactive" : "active";
	in.kind = ctl_opt(a, "service") ? "service" : "user";
	len = isatty(STDIN_FILENO) ? 0 : ctl_read_secret(pw, sizeof(pw));
	if (users_create(c->db, c->arena, &c->actor, &in, &u, &e) == -1) {
		crypto_wipe(pw, sizeof(pw));
		return ctl_die_api("user add", &e);
	}
	if (len > 0 && users_set_password(c->db, c->arena, &c->actor,
	    u.id, pw, (size_t)len, NULL, &e) == -1) {
		crypto_wipe(pw, sizeof(pw));
		(void)users_delete(c->db, c->arena, &c->actor, u.id, &e);
		return ctl_die_api("user add (password)", &e);
	}
	crypto_wipe(pw, sizeof(pw));
	printf("%s\n", u.id);
	return 0;
}

/* user list: id, status and name of every user, a page at a time. */
int
ctl_user_list(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;
	struct user	*list;
	struct page	 pg;
	size_t		 i, n;

	memset(&pg, 0, sizeof(pg));
	pg.limit = 100;
	do {
		if (users_list(c->db, c->arena, &policy_shell, &pg, NULL,
		    &list, &n, &e) == -1)
			return ctl_die_api("user list", &e);
		for (i = 0; i < n; i++)
			printf("%s\t%s\t%s\n", list[i].id, list[i].status,
			    list[i].name);
		if (n > 0)
			pg.after = list[n - 1].id;
	} while (pg.more);
	return 0;
}

/* user passwd NAME: the new password from stdin; its sessions end. */
int
ctl_user_passwd(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;
	struct user	 u;
	char		 pw[PW_MAX + 2];
	long		 len;

	if (ctl_user_by_name(c, a->argv[0], &u) != 0)
		return 1;
	len = ctl_read_secret(pw, sizeof(pw));
	if (users_set_password(c->db, c->arena, &c->actor, u.id, pw,
	    (size_t)len, NULL, &e) == -1) {
		crypto_wipe(pw, sizeof(pw));
		return ctl_die_api("user passwd", &e);
	}
	crypto_wipe(pw, sizeof(pw));
	return 0;
}

static int
set_status(struct ctl *c, const struct ctl_args *a, const char *verb,
    const char *status)
{
	struct apierr	 e;
	struct user_in	 in;
	struct user	 u;

	if (ctl_user_by_name(c, a->argv[0], &u) != 0)
		return 1;
	memset(&in, 0, sizeof(in));
	in.status = status;
	if (users_update(c->db, c->arena, &c->actor, u.id, &in, &u, &e) == -1)
		return ctl_die_api(verb, &e);
	return 0;
}

/* user deactivate NAME: its sessions end, its tokens stop. */
int
ctl_user_deactivate(struct ctl *c, const struct ctl_args *a)
{
	return set_status(c, a, "deactivate", "inactive");
}

int
ctl_user_activate(struct ctl *c, const struct ctl_args *a)
{
	return set_status(c, a, "activate", "active");
}

/* user delete NAME: with its sessions, tokens and memberships. */
int
ctl_user_delete(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;
	struct user	 u;

	if (ctl_user_by_name(c, a->argv[0], &u) != 0)
		return 1;
	if (users_delete(c->db, c->arena, &c->actor, u.id, &e) == -1)
		return ctl_die_api("user delete", &e);
	return 0;
}
