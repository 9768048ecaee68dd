/*
 * ctl_ldap.c -- usersctl's directory (LDAP) commands for the instance:
 * its settings (the search bind's secret only from stdin, never shown),
 * its group rules, a test bind and the sync that deactivates the users
 * the directory no longer admits.
 */
#include <stdio.h>

#include <string.h>

#include "crypto.h"
#include "ctl.h"
#include "dirauth.h"
#include "password.h"
#include "banned.h"

/* ldap show: each setting (not bind_password's value), then each rule. */
int
ctl_ldap_show(struct ctl *c, const struct ctl_args *a)
{
	struct dir_settings s;
	struct dir_role	*roles;
	struct apierr	 e;
	size_t		 nroles, i;

	if (dirauth_settings(c->db, c->arena, &s, &e) == -1)
		return ctl_die_api("ldap show", &e);
	printf("enabled\t%s\nuris\t%s\nstarttls\t%s\n"
	    "allow_plain\t%s\nca_file\t%s\nbind_dn\t%s\n"
	    "bind_password\t%s\nbase_dn\t%s\nuser_filter\t%s\n"
	    "name_attr\t%s\nrequired_group\t%s\nmember_attr\t%s\n"
	    "unknown_names\t%s\n", s.enabled ? "true" : "false",
	    s.uris, s.starttls ? "true" : "false",
	    s.allow_plain ? "true" : "false", s.ca_file, s.bind_dn,
	    s.bind_password[0] != '\0' ? "(set)" : "", s.base_dn,
	    s.user_filter, s.name_attr, s.required_group,
	    s.member_attr, s.unknown_names ? "true" : "false");
	if (dirauth_roles(c->db, c->arena, &roles, &nroles, &e) == -1)
		return ctl_die_api("ldap show", &e);
	for (i = 0; i < nroles; i++)
		printf("role\t%s\t%s\t%s\n", roles[i].org, roles[i].role,
		    roles[i].group);
	return 0;
}

/*
 * ldap set KEY VALUE.  bind_password with a VALUE usually matches the row
 * "ldap set bind_password" and is refused as too many arguments; after
 * "--" it reaches this row, which refuses it too: a secret on the command
 * line is in ps(1) and the shell's history.
 */
int
ctl_ldap_set(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;

	if (strcmp(a->argv[0], "bind_password") == 0)
		return ctl_usage_error(a, "bind_password is read from stdin, "
		    "not the command line");
	if (dirauth_set(c->db, c->arena, a->argv[0], a->argv[1], &e) == -1)
		return ctl_die_api("ldap set", &e);
	return 0;
}

/* ldap set bind_password: the value from stdin, 1 to PW_MAX bytes. */
int
ctl_ldap_set_secret(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;
	char		 pw[PW_MAX + 2];
	long		 len;
	int		 bad;

	len = ctl_read_secret(pw, sizeof(pw));
	if (len <= 0 || len > PW_MAX) {
		crypto_wipe(pw, sizeof(pw));
		return ctl_usage_error(a, "give it on stdin, 1 to %d bytes",
		    PW_MAX);
	}
	bad = dirauth_set(c->db, c->arena, "bind_password", pw, &e) == -1;
	crypto_wipe(pw, sizeof(pw));
	return bad ? ctl_die_api("ldap set", &e) : 0;
}

/* ldap role ORG ROLE [GROUP_DN]: without GROUP_DN the rule goes. */
int
ctl_ldap_role(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;

	if (dirauth_role(c->db, c->arena, a->argv[0], a->argv[1],
	    a->argc == 3 ? a->argv[2] : NULL, &e) == -1)
		return ctl_die_api("ldap role", &e);
	return 0;
}

/* ldap test [NAME]: 0 only when the directory says ok. */
int
ctl_ldap_test(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;
	enum dir_result	 r;
	char		 why[256];

	e.code = APIERR_OK;
	why[0] = '\0';
	r = dirauth_test(c->db, c->arena, &c->cfg, a->argc ? a->argv[0] : NULL,
	    why, sizeof(why), &e);
	if (e.code != APIERR_OK)
		return ctl_die_api("ldap test", &e);
	printf("%s%s%s\n", directory_result_string(r), why[0] ? ": " : "",
	    why);
	return r == DIR_OK ? 0 : 1;
}

/* ldap sync: every directory user looked up again. */
int
ctl_ldap_sync(struct ctl *c, const struct ctl_args *a)
{
	struct apierr	 e;
	size_t		 checked, gone;

	if (dirauth_sync(c->db, c->arena, &c->cfg, &c->actor, &checked,
	    &gone, &e) == -1)
		return ctl_die_api("ldap sync", &e);
	printf("checked %zu directory users, deactivated %zu\n", checked,
	    gone);
	return 0;
}
