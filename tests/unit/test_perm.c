/*
 * test_perm.c -- permissions: the stored string form, InfluxDB's matching
 * rules (authz.go matchesV1), and what policy.c derives from a principal:
 * what it may do and what it may list (policy.o is linked; principals are
 * built by hand, no database).
 */
#include "perm.c"

#include <string.h>

#include <stdlib.h>

#include "policy.h"
#include "tap.h"

#define U1	"0000000000000001"
#define U2	"0000000000000002"
#define O1	"00000000000000a1"
#define O2	"00000000000000a2"
#define O3	"00000000000000a3"
#define B1	"00000000000000b1"

static void
test_names(void)
{
	int	 i, bad = 0;

	for (i = 0; i < ACT__MAX; i++)
		if (perm_action_parse(perm_action_name(i)) != i)
			bad++;
	is_int(bad, 0, "every action name parses back to its action");
	for (i = 0; i < RT__MAX; i++)
		if (perm_type_parse(perm_type_name(i)) != i)
			bad++;
	is_int(bad, 0, "every type name parses back to its type");
	is_int(perm_type_parse("notificationRules"), RT_NOTIFICATION_RULES,
	    "type \"notificationRules\" is camel case, as InfluxDB");
	is_int(perm_type_parse("notificationEndpoints"),
	    RT_NOTIFICATION_ENDPOINTS, "type \"notificationEndpoints\"");
	is_int(perm_type_parse("instance"), RT_INSTANCE, "type \"instance\"");
	is_int(perm_type_parse("Users"), -1, "type names are case-sensitive");
	is_int(perm_type_parse(""), -1, "an empty type is unknown");
	is_int(perm_action_parse("delete"), -1, "action \"delete\" is unknown");
	is_int(perm_action_parse("READ"), -1,
	    "action names are case-sensitive");
}

static void
test_parse_format(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 rc;
		enum perm_action act;
		enum rtype	 type;
		const char	*id, *org;
	} t[] = {
		{ __LINE__, "read:users", 0, ACT_READ, RT_USERS, "", "" },
		{ __LINE__, "write:users", 0, ACT_WRITE, RT_USERS, "", "" },
		{ __LINE__, "read:users/" U1, 0, ACT_READ, RT_USERS, U1, "" },
		{ __LINE__, "write:orgs/" O1, 0, ACT_WRITE, RT_ORGS, O1, "" },
		{ __LINE__, "write:orgs/" O1 "/buckets", 0, ACT_WRITE,
		  RT_BUCKETS, "", O1 },
		{ __LINE__, "read:orgs/" O1 "/authorizations/" B1, 0, ACT_READ,
		  RT_AUTHORIZATIONS, B1, O1 },
		{ __LINE__, "read:orgs/" O1 "/orgs", 0, ACT_READ, RT_ORGS, "",
		  O1 },
		{ __LINE__, "write:instance", 0, ACT_WRITE, RT_INSTANCE, "",
		  "" },
		{ __LINE__, "read:notificationEndpoints", 0, ACT_READ,
		  RT_NOTIFICATION_ENDPOINTS, "", "" },
		{ __LINE__, "delete:users", -1, 0, 0, NULL, NULL },
		{ __LINE__, "READ:users", -1, 0, 0, NULL, NULL },
		{ __LINE__, ":users", -1, 0, 0, NULL, NULL },
		{ __LINE__, "read:widgets", -1, 0, 0, NULL, NULL },
		{ __LINE__, "read:", -1, 0, 0, NULL, NULL },
		{ __LINE__, "read", -1, 0, 0, NULL, NULL },
		{ __LINE__, "readusers", -1, 0, 0, NULL, NULL },
		{ __LINE__, "", -1, 0, 0, NULL, NULL },
		{ __LINE__, "read:users/123", -1, 0, 0, NULL, NULL },
		{ __LINE__, "read:users/0000000000000000", -1, 0, 0, NULL,
		  NULL },
		{ __LINE__, "read:users/000000000000000G", -1, 0, 0, NULL,
		  NULL },
		{ __LINE__, "read:users/00000000000000AB", -1, 0, 0, NULL,
		  NULL },
		{ __LINE__, "read:users/" U1 "/buckets", -1, 0, 0, NULL, NULL },
		{ __LINE__, "read:orgs/bad/buckets", -1, 0, 0, NULL, NULL },
		{ __LINE__, "read:orgs/" O1 "/widgets", -1, 0, 0, NULL, NULL },
		{ __LINE__, "read:orgs/" O1 "/buckets/xyz", -1, 0, 0, NULL,
		  NULL },
		{ __LINE__, "read:orgs/" O1 "/buckets/" B1 "/x", -1, 0, 0, NULL,
		  NULL },
		{ __LINE__, "read:orgs/" O1 "/buckets/" B1 "/" B1, -1, 0, 0,
		  NULL, NULL },
		{ __LINE__, "read:orgs/" O1 "/buckets/" B1
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxx", -1, 0, 0, NULL, NULL },
	};
	struct perm	 p, q;
	char		 buf[PERM_STR_MAX];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&p, 0, sizeof(p));
		rc = perm_parse(t[i].in, &p);
		is_int_at(t[i].line, rc, t[i].rc, "perm_parse(\"%s\") %s",
		    t[i].in, t[i].rc == 0 ? "accepts" : "refuses");
		if (t[i].rc != 0 || rc != 0)
			continue;
		ok_at(t[i].line, p.action == t[i].act && p.type == t[i].type &&
		    strcmp(p.id, t[i].id) == 0 && strcmp(p.org, t[i].org) == 0,
		    "perm_parse(\"%s\") fills action %d type %d id \"%s\" "
		    "org \"%s\"", t[i].in, t[i].act, t[i].type, t[i].id,
		    t[i].org);
		is_str_at(t[i].line, perm_format(&p, buf), t[i].in,
		    "perm_format round-trips \"%s\"", t[i].in);
	}

	perm_make(&p, ACT_WRITE, RT_BUCKETS, B1, O1);
	is_str(perm_format(&p, buf), "write:orgs/" O1 "/buckets/" B1,
	    "perm_make + perm_format: org and id");
	perm_make(&p, ACT_READ, RT_USERS, NULL, NULL);
	is_str(perm_format(&p, buf), "read:users",
	    "perm_make with NULL id and org leaves them empty");
	perm_make(&p, ACT_WRITE, RT_NOTIFICATION_ENDPOINTS, B1, O1);
	is_str(perm_format(&p, buf), "write:orgs/" O1
	    "/notificationEndpoints/" B1,
	    "the longest form (66 characters) is formatted whole");
	is_int(perm_parse(buf, &q), 0, "and parses back");
	is_str(q.id, B1, "with its id");
}

static void
test_matches(void)
{
	static const struct {
		int		 line;
		const char	*held, *req;
		int		 want;
	} t[] = {
		/* The action must match. */
		{ __LINE__, "read:users", "read:users/" U1, 1 },
		{ __LINE__, "read:users", "write:users/" U1, 0 },
		{ __LINE__, "write:users", "read:users/" U1, 0 },
		/* instance matches everything of its action. */
		{ __LINE__, "write:instance", "write:users/" U1, 1 },
		{ __LINE__, "write:instance", "write:orgs/" O1 "/buckets", 1 },
		{ __LINE__, "read:instance", "write:users/" U1, 0 },
		/* The type must match. */
		{ __LINE__, "read:users", "read:orgs/" O1, 0 },
		{ __LINE__, "read:buckets", "read:orgs/" O1 "/dashboards", 0 },
		/* No id and no org: every resource of the type. */
		{ __LINE__, "read:buckets", "read:buckets", 1 },
		{ __LINE__, "read:buckets", "read:orgs/" O1 "/buckets", 1 },
		{ __LINE__, "read:buckets", "read:orgs/" O1 "/buckets/" B1, 1 },
		/* Org-scoped: that org only, never a request without one. */
		{ __LINE__, "read:orgs/" O1 "/buckets",
		  "read:orgs/" O1 "/buckets", 1 },
		{ __LINE__, "read:orgs/" O1 "/buckets",
		  "read:orgs/" O1 "/buckets/" B1, 1 },
		{ __LINE__, "read:orgs/" O1 "/buckets",
		  "read:orgs/" O2 "/buckets", 0 },
		{ __LINE__, "read:orgs/" O1 "/buckets", "read:buckets", 0 },
		{ __LINE__, "read:orgs/" O1 "/buckets", "read:buckets/" B1, 0 },
		/* Id-scoped: that id only. */
		{ __LINE__, "read:users/" U1, "read:users/" U1, 1 },
		{ __LINE__, "read:users/" U1, "read:users/" U2, 0 },
		{ __LINE__, "read:users/" U1, "read:users", 0 },
		{ __LINE__, "read:orgs/" O1 "/buckets/" B1,
		  "read:orgs/" O1 "/buckets/" B1, 1 },
		{ __LINE__, "read:orgs/" O1 "/buckets/" B1,
		  "read:orgs/" O1 "/buckets", 0 },
		{ __LINE__, "read:orgs/" O1, "read:orgs/" O1, 1 },
		{ __LINE__, "read:orgs/" O1, "read:orgs/" O2, 0 },
		/*
		 * With an org too: only a resource of that id that really
		 * belongs to the org (matchesV1 matched the id in any org).
		 */
		{ __LINE__, "read:orgs/" O1 "/buckets/" B1,
		  "read:orgs/" O2 "/buckets/" B1, 0 },
		{ __LINE__, "read:orgs/" O1 "/buckets/" B1, "read:buckets/" B1,
		  0 },
		{ __LINE__, "write:orgs/" O1 "/authorizations/" B1,
		  "write:orgs/" O2 "/authorizations/" B1, 0 },
		/* Users belong to no org: an org-scoped one never reaches one. */
		{ __LINE__, "write:orgs/" O1 "/users/" U1, "write:users/" U1, 0 },
		{ __LINE__, "read:orgs/" O1 "/users/" U1, "read:users/" U1, 0 },
		{ __LINE__, "read:orgs/" O1 "/users", "read:users/" U1, 0 },
		{ __LINE__, "read:orgs/" O1 "/users", "read:users", 0 },
		/* An org belongs to itself. */
		{ __LINE__, "read:orgs/" O1 "/orgs", "read:orgs/" O1, 1 },
		{ __LINE__, "read:orgs/" O1 "/orgs", "read:orgs/" O2, 0 },
		{ __LINE__, "read:orgs/" O1 "/orgs/" O2, "read:orgs/" O2, 0 },
		{ __LINE__, "read:orgs/" O1 "/orgs/" O1, "read:orgs/" O1, 1 },
		{ __LINE__, "read:orgs/" O1 "/orgs", "read:orgs", 0 },
		{ __LINE__, "read:orgs", "read:orgs/" O2, 1 },
	};
	struct perm	 held, req;
	size_t		 i;
	int		 ph, pr;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ph = perm_parse(t[i].held, &held);
		pr = perm_parse(t[i].req, &req);
		ok_at(t[i].line, ph == 0 && pr == 0 &&
		    perm_matches(&held, &req) == t[i].want,
		    "%s %s %s", t[i].held,
		    t[i].want ? "grants" : "does not grant", t[i].req);
	}
}

static void
test_policy_allowed(void)
{
	struct perm	 tperms[2];
	char		 o1[] = O1, o2[] = O2;
	char		*owner[1], *member[1];
	struct principal tok, ses, root;
	struct apierr	 e;

	owner[0] = o1;
	member[0] = o2;
	/* A token of an instance owner: exactly its permissions. */
	memset(&tok, 0, sizeof(tok));
	tok.kind = PRINC_TOKEN;
	tok.user_id = U1;
	perm_make(&tperms[0], ACT_READ, RT_USERS, NULL, NULL);
	perm_make(&tperms[1], ACT_WRITE, RT_BUCKETS, NULL, O1);
	tok.perms = tperms;
	tok.nperms = 2;
	tok.instance_owner = 1;
	is_int(policy_allowed(&tok, ACT_READ, RT_USERS, U2, NULL), 1,
	    "token: read:users grants reading any user");
	is_int(policy_allowed(&tok, ACT_WRITE, RT_USERS, U2, NULL), 0,
	    "token: read:users does not grant writing a user");
	is_int(policy_allowed(&tok, ACT_WRITE, RT_USERS, U1, NULL), 0,
	    "token: no implied write on its own user");
	is_int(policy_allowed(&tok, ACT_WRITE, RT_BUCKETS, B1, O1), 1,
	    "token: write:orgs/<o1>/buckets grants a bucket in o1");
	is_int(policy_allowed(&tok, ACT_WRITE, RT_BUCKETS, B1, O2), 0,
	    "token: write:orgs/<o1>/buckets does not grant one in o2");
	is_int(policy_allowed(&tok, ACT_READ, RT_ORGS, O1, NULL), 0,
	    "token: its user's roles add nothing to what it holds");
	/* The same token once its user is no instance owner (issue 25). */
	tok.instance_owner = 0;
	is_int(policy_allowed(&tok, ACT_READ, RT_USERS, U2, NULL), 0,
	    "demoted: read:users no longer reads another user");
	is_int(policy_allowed(&tok, ACT_READ, RT_USERS, NULL, NULL), 0,
	    "demoted: nor every user");
	is_int(policy_allowed(&tok, ACT_READ, RT_USERS, U1, NULL), 1,
	    "demoted: it still reads its own user");
	is_int(policy_allowed(&tok, ACT_WRITE, RT_BUCKETS, B1, O1), 0,
	    "demoted: no bucket in an org its user has no role in");
	tok.member_orgs = owner;
	tok.nmember = 1;
	is_int(policy_allowed(&tok, ACT_WRITE, RT_BUCKETS, B1, O1), 0,
	    "a member's token: no write in the org");
	tok.member_orgs = NULL;
	tok.nmember = 0;
	tok.owner_orgs = owner;
	tok.nowner = 1;
	is_int(policy_allowed(&tok, ACT_WRITE, RT_BUCKETS, B1, O1), 1,
	    "an owner's token: writes what it holds in the org");
	is_int(policy_allowed(NULL, ACT_READ, RT_USERS, U1, NULL), 0,
	    "no principal is allowed nothing");

	/* A session: its own user, owner and member orgs. */
	memset(&ses, 0, sizeof(ses));
	ses.kind = PRINC_SESSION;
	ses.user_id = U1;
	ses.owner_orgs = owner;
	ses.nowner = 1;
	ses.member_orgs = member;
	ses.nmember = 1;
	is_int(policy_allowed(&ses, ACT_READ, RT_USERS, U1, NULL), 1,
	    "session: reads its own user");
	is_int(policy_allowed(&ses, ACT_WRITE, RT_USERS, U1, NULL), 1,
	    "session: writes its own user");
	is_int(policy_allowed(&ses, ACT_READ, RT_USERS, U2, NULL), 0,
	    "session: does not read another user");
	is_int(policy_allowed(&ses, ACT_READ, RT_USERS, NULL, NULL), 0,
	    "session: does not read all users");
	is_int(policy_allowed(&ses, ACT_READ, RT_ORGS, O1, NULL), 1,
	    "session owner: reads orgs/<org>");
	is_int(policy_allowed(&ses, ACT_WRITE, RT_ORGS, O1, NULL), 1,
	    "session owner: writes orgs/<org>");
	is_int(policy_allowed(&ses, ACT_WRITE, RT_BUCKETS, NULL, O1), 1,
	    "session owner: writes buckets in the org");
	is_int(policy_allowed(&ses, ACT_READ, RT_AUTHORIZATIONS, B1, O1), 1,
	    "session owner: reads an authorization in the org");
	is_int(policy_allowed(&ses, ACT_READ, RT_ORGS, O2, NULL), 1,
	    "session member: reads orgs/<org>");
	is_int(policy_allowed(&ses, ACT_WRITE, RT_ORGS, O2, NULL), 0,
	    "session member: does not write orgs/<org>");
	is_int(policy_allowed(&ses, ACT_READ, RT_BUCKETS, NULL, O2), 1,
	    "session member: reads buckets in the org");
	is_int(policy_allowed(&ses, ACT_WRITE, RT_BUCKETS, NULL, O2), 0,
	    "session member: does not write buckets in the org");
	is_int(policy_allowed(&ses, ACT_READ, RT_ORGS, O3, NULL), 0,
	    "session: nothing on an org it is not in");
	is_int(policy_allowed(&ses, ACT_READ, RT_BUCKETS, NULL, O3), 0,
	    "session: nothing within an org it is not in");
	is_int(policy_allowed(&ses, ACT_READ, RT_BUCKETS, NULL, NULL), 0,
	    "session: org roles do not grant a type without an org");
	is_int(policy_allowed(&ses, ACT_READ, RT_INSTANCE, NULL, NULL), 0,
	    "session: not the instance");

	/* What no org role reaches: users (they belong to no org). */
	is_int(policy_allowed(&ses, ACT_WRITE, RT_USERS, U2, O1), 0,
	    "session owner: no user, even one named with its org");
	is_int(policy_allowed(&ses, ACT_READ, RT_USERS, U2, O2), 0,
	    "session member: no user, even one named with its org");
	is_int(policy_allowed(&ses, ACT_WRITE, RT_USERS, NULL, O1), 0,
	    "session owner: not the users of its org");
	is_int(policy_allowed(&ses, ACT_WRITE, RT_ORGS, O2, O1), 1,
	    "session owner: an org named within its org reads as its own");
	is_int(policy_allowed(&ses, ACT_WRITE, RT_ORGS, O1, O3), 0,
	    "session owner: its org named within another org is refused");
	is_int(policy_allowed(&ses, ACT_WRITE, RT_ORGS, NULL, NULL), 0,
	    "session owner: not all orgs");
	is_int(policy_allowed(&ses, ACT_WRITE, RT_INSTANCE, NULL, O1), 0,
	    "session owner: not the instance, even named within its org");

	/* The attack of issue 11: a token minted with the org's id. */
	perm_make(&tperms[0], ACT_WRITE, RT_USERS, U2, O1);
	perm_make(&tperms[1], ACT_READ, RT_USERS, U2, O1);
	tok.nperms = 2;
	is_int(policy_allowed(&tok, ACT_WRITE, RT_USERS, U2, NULL), 0,
	    "token: write:orgs/<o1>/users/<u2> does not write user u2");
	is_int(policy_allowed(&tok, ACT_READ, RT_USERS, U2, NULL), 0,
	    "token: read:orgs/<o1>/users/<u2> does not read user u2");
	perm_make(&tperms[0], ACT_READ, RT_USERS, NULL, NULL);
	perm_make(&tperms[1], ACT_WRITE, RT_BUCKETS, NULL, O1);

	/* The instance owner. */
	memset(&root, 0, sizeof(root));
	root.kind = PRINC_SESSION;
	root.user_id = U2;
	root.instance_owner = 1;
	is_int(policy_allowed(&root, ACT_WRITE, RT_USERS, U1, NULL), 1,
	    "instance owner: writes any user");
	is_int(policy_allowed(&root, ACT_WRITE, RT_USERS, NULL, NULL), 1,
	    "instance owner: writes all users");
	is_int(policy_allowed(&root, ACT_WRITE, RT_BUCKETS, NULL, O3), 1,
	    "instance owner: writes in any org");
	is_int(policy_allowed(&root, ACT_WRITE, RT_INSTANCE, NULL, NULL), 1,
	    "instance owner: writes the instance");

	/* policy_require renders the refused permission. */
	memset(&e, 0, sizeof(e));
	is_int(policy_require(&ses, ACT_READ, RT_USERS, U1, NULL, &e), 0,
	    "policy_require: 0 when allowed");
	is_int(policy_require(&ses, ACT_WRITE, RT_USERS, U2, NULL, &e), -1,
	    "policy_require: -1 when refused");
	is_int(e.code, APIERR_UNAUTHORIZED, "policy_require: refused is 401");
	is_str(e.msg, "write:users/" U2 " is unauthorized",
	    "policy_require: \"write:users/<id> is unauthorized\"");
	policy_require(&ses, ACT_WRITE, RT_BUCKETS, NULL, O2, &e);
	is_str(e.msg, "write:orgs/" O2 "/buckets is unauthorized",
	    "policy_require: \"write:orgs/<org>/buckets is unauthorized\"");
	policy_require(&tok, ACT_WRITE, RT_USERS, NULL, NULL, &e);
	is_str(e.msg, "write:users is unauthorized",
	    "policy_require: \"write:users is unauthorized\"");
	policy_require(NULL, ACT_READ, RT_ORGS, O1, NULL, &e);
	is_str(e.msg, "read:orgs/" O1 " is unauthorized",
	    "policy_require: no principal, \"read:orgs/<id> is unauthorized\"");
}

/* Whether a row {id, org} passes a scope as the list statements test it. */
static int
has_word(const char *list, const char *w)
{
	size_t	 n = strlen(w);
	const char *at;

	for (at = list; (at = strstr(at, w)) != NULL; at += n)
		if ((at == list || at[-1] == ' ') &&
		    (at[n] == ' ' || at[n] == '\0'))
			return 1;
	return 0;
}

static int
in_scope(const struct scope *sc, const char *id, const char *org)
{
	char	 pair[2 * ID_LEN + 2];

	snprintf(pair, sizeof(pair), "%s/%s", org ? org : "", id);
	return sc->all || (org != NULL && has_word(sc->orgs, org)) ||
	    has_word(sc->ids, id) || (org != NULL && has_word(sc->ids, pair));
}

/*
 * policy_scope is what policy_allowed allows, row by row, exactly: a
 * wider scope shows a hidden row, a narrower one drops a readable row and
 * leaves a page short.  Random principals (kind, roles, instance owner,
 * permissions over a small world) against every resource of the world.
 */
static void
test_scope(void)
{
	static const char *const users[] = { U1, U2, "0000000000000003" };
	static const char *const orgs[] = { O1, O2, O3 };
	static const char *const auths[][2] = {	/* {id, its org} */
		{ "00000000000000c1", O1 }, { "00000000000000c2", O2 },
		{ "00000000000000c3", O3 }, { "00000000000000c4", O1 } };
	static const enum rtype types[] = { RT_AUTHORIZATIONS, RT_USERS,
	    RT_ORGS, RT_INSTANCE, RT_BUCKETS };
	struct perm	 perms[4];
	struct principal p;
	struct scope	 sc;
	struct arena	*a = arena_new();
	char		*own[3], *mem[3];
	size_t		 i, k, bad = 0, checked = 0;
	int		 round;

	srandom(27);
	for (round = 0; round < 20000 && bad == 0; round++) {
		memset(&p, 0, sizeof(p));
		p.kind = random() % 2 ? PRINC_TOKEN : PRINC_SESSION;
		p.user_id = users[random() % 3];
		p.instance_owner = random() % 4 == 0;
		p.owner_orgs = own;
		p.member_orgs = mem;
		for (k = 0; k < 3; k++) {
			if (random() % 3 == 0)
				own[p.nowner++] = (char *)orgs[k];
			else if (random() % 3 == 0)
				mem[p.nmember++] = (char *)orgs[k];
		}
		p.nperms = (size_t)(random() % 5);
		p.perms = perms;
		for (k = 0; k < p.nperms; k++) {
			enum rtype t = types[random() % 5];
			const char *id = NULL, *org = NULL;

			if (random() % 2)
				id = t == RT_USERS ? users[random() % 3] :
				    t == RT_ORGS ? orgs[random() % 3] :
				    auths[random() % 4][0];
			if (random() % 2)
				org = orgs[random() % 3];
			perm_make(&perms[k], random() % 3 ? ACT_READ :
			    ACT_WRITE, t, id, org);
		}
		policy_scope(a, &p, RT_USERS, &sc);
		for (i = 0; i < 3; i++, checked++)
			bad += policy_allowed(&p, ACT_READ, RT_USERS, users[i],
			    NULL) != in_scope(&sc, users[i], NULL);
		policy_scope(a, &p, RT_ORGS, &sc);
		for (i = 0; i < 3; i++, checked++)
			bad += policy_allowed(&p, ACT_READ, RT_ORGS, orgs[i],
			    NULL) != in_scope(&sc, orgs[i], NULL);
		policy_scope(a, &p, RT_AUTHORIZATIONS, &sc);
		for (i = 0; i < 4; i++, checked++)
			bad += policy_allowed(&p, ACT_READ, RT_AUTHORIZATIONS,
			    auths[i][0], auths[i][1]) !=
			    in_scope(&sc, auths[i][0], auths[i][1]);
	}
	is_int((int)bad, 0, "policy_scope is exactly policy_allowed over %zu "
	    "rows of %d random principals", checked, round);
	policy_scope(a, &policy_shell, RT_AUTHORIZATIONS, &sc);
	is_int(sc.all, 1, "the shell lists everything");
	is_int(policy_allowed(&policy_shell, ACT_WRITE, RT_INSTANCE, NULL,
	    NULL), 1, "the shell may do anything");
	policy_scope(a, NULL, RT_USERS, &sc);
	is_int(sc.all == 0 && *sc.ids == '\0', 1, "no principal lists nothing");
	arena_free(a);
}

/* The stored permission text: kept words parse, the others are counted. */
static void
test_perms_text(void)
{
	struct perm	*out;
	size_t		 n, bad;
	char		 buf[PERM_STR_MAX], longw[300];

	n = policy_perms_parse("read:users  write:orgs/" O1 "/buckets bogus ",
	    &out, &bad);
	is_int((int)n, 2, "two permissions kept");
	is_int((int)bad, 1, "one malformed word counted");
	is_str(perm_format(&out[1], buf), "write:orgs/" O1 "/buckets",
	    "the second parses back to its text");
	free(out);
	memset(longw, 'a', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	n = policy_perms_parse(longw, &out, &bad);
	is_int((int)(n * 10 + bad), 1, "a word longer than any permission "
	    "is malformed, not cut");
	free(out);
	n = policy_perms_parse("", &out, &bad);
	is_int((int)(n + bad), 0, "no text, no permissions");
	free(out);
}

/*
 * A token's permission text (perm_list_*), as stored and read back for
 * every request and every token the API returns: each permission there
 * can be comes back as it was; a word that is none is skipped and
 * counted, never cut or joined into another one.
 */
static void
test_perm_list(void)
{
	static const char *const ids[] = { "", B1 }, *const orgs[] = { "", O1 };
	struct perm	 all[ACT__MAX * RT__MAX * 4], back[ACT__MAX * RT__MAX * 4];
	struct perm	 p[4];
	char		 text[PERM_LIST_SIZE(ACT__MAX * RT__MAX * 4)];
	char		 one[PERM_STR_MAX], again[sizeof(text)], w[256];
	size_t		 n = 0, k, bad, i, same = 0;
	int		 ac, t, j;

	for (ac = 0; ac < ACT__MAX; ac++)
		for (t = 0; t < RT__MAX; t++)
			for (j = 0; j < 4; j++)
				perm_make(&all[n++], ac, t, ids[j % 2],
				    orgs[j / 2]);
	perm_list_format(all, n, text);
	ok(strlen(text) < sizeof(text), "%zu permissions fit "
	    "PERM_LIST_SIZE (%zu bytes of %zu)", n, strlen(text), sizeof(text));
	is_int((int)perm_list_max(text, strlen(text)), (int)n,
	    "perm_list_max counts one permission a word");
	k = perm_list_parse(text, strlen(text), back, &bad);
	for (i = 0; i < n && i < k; i++) {
		same += memcmp(&all[i], &back[i], sizeof(all[i])) == 0;
		if (perm_parse(perm_format(&all[i], one), &p[0]) == 0 &&
		    memcmp(&p[0], &all[i], sizeof(p[0])) == 0)
			same++;
	}
	ok(k == n && bad == 0 && same == 2 * n, "every permission (%zu: each "
	    "action, type, with and without id and org) parses back from the "
	    "list and from its own text", n);
	is_str(perm_list_format(back, k, again), text,
	    "and formats back to the same text");
	is_str(perm_list_format(all, 0, again), "", "no permission, no text");

	k = perm_list_parse(NULL, 0, p, &bad);
	is_int((int)(k * 10 + bad), 0, "no text (NULL), no permission");
	k = perm_list_parse("  read:users   write:users ", 27, p, &bad);
	ok(k == 2 && bad == 0 && p[1].action == ACT_WRITE, "runs of spaces "
	    "separate words, as psql may write them");

	/* A NUL inside a word: the word is none, not its prefix. */
	k = perm_list_parse("read:orgs/" O1 "/buckets\0/" B1, 44, p, &bad);
	ok(k == 0 && bad == 1, "a word cut by a NUL is refused, not read as "
	    "the org-wide permission before it");
	k = perm_list_parse("read:users \0 write:users", 24, p, &bad);
	ok(k == 2 && bad == 1 && p[1].action == ACT_WRITE,
	    "a NUL as a word of its own is one bad word; the text goes on "
	    "after it");
	k = perm_list_parse("read:users\0write:users", 22, p, &bad);
	ok(k == 0 && bad == 1, "a NUL joining two permissions makes one bad "
	    "word");

	/* Overlong: the slashes collapse, so a cut would be a broader one. */
	snprintf(w, sizeof(w), "read:orgs/" O1 "/buckets%.*s/" B1, 80,
	    "////////////////////////////////////////////////////////////////"
	    "////////////////////////////////////////");
	k = perm_list_parse(w, strlen(w), p, &bad);
	ok(k == 0 && bad == 1 && strlen(w) >= PERM_STR_MAX, "a word of %zu "
	    "bytes is refused whole, not cut to the %d bytes that read "
	    "\"read:orgs/<org>/buckets\"", strlen(w), PERM_STR_MAX - 1);
	snprintf(w, sizeof(w), "read:widgets read:orgs/%s/widgets admin:users "
	    "read:users/%s0 read:orgs/%s/buckets/%s/x read:Users", O1, U1, O1,
	    B1);
	k = perm_list_parse(w, strlen(w), p, &bad);
	ok(k == 0 && bad == 6, "unknown types, an unknown action, a long "
	    "id, a fifth part and a capital are refused (%zu kept, %zu bad)",
	    k, bad);
	is_int((int)perm_list_max("a b  c", 6), 4, "perm_list_max is one "
	    "more than the spaces: room for every word");
}

int
main(void)
{
	test_names();
	test_parse_format();
	test_matches();
	test_policy_allowed();
	test_scope();
	test_perms_text();
	test_perm_list();
	return done_testing();
}
