/*
 * setup.c -- onboarding rules, in InfluxDB's order: already done (422
 * conflict), missing fields (422), password policy, bucket name.  The SQL
 * function usersd_setup() does the inserts under an advisory lock in one
 * transaction, so a failure leaves nothing behind and two setups at once
 * cannot both succeed.
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "db_setup.h"
#include "orgs.h"
#include "password.h"
#include "setup.h"
#include "svc.h"
#include "users.h"
#include "banned.h"

int
setup_allowed(struct db *db, struct arena *a, const char *addr, int *allowed,
    struct apierr *e)
{
	enum dbres	 rc;

	if ((rc = db_setup_allowed(db, a, addr, allowed)) != DB_OK)
		return svc_dberr(db, rc, e);
	return 0;
}

size_t
setup_operator_perms(struct perm *out)
{
	size_t	 n = 0;
	int	 t, act;

	for (t = 0; t < RT__MAX; t++) {
		if (t == RT_INSTANCE)
			continue;
		for (act = 0; act < ACT__MAX; act++)
			perm_make(&out[n++], act, t, NULL, NULL);
	}
	return n;
}

static int
check_fields(const struct setup_in *in, struct apierr *e)
{
	char	 missing[64] = "";

	if (in->username == NULL || *in->username == '\0')
		snprintf(missing + strlen(missing), sizeof(missing) -
		    strlen(missing), "%susername", *missing ? "," : "");
	if (in->org == NULL || *in->org == '\0')
		snprintf(missing + strlen(missing), sizeof(missing) -
		    strlen(missing), "%sorg", *missing ? "," : "");
	if (in->bucket == NULL || *in->bucket == '\0')
		snprintf(missing + strlen(missing), sizeof(missing) -
		    strlen(missing), "%sbucket", *missing ? "," : "");
	if (*missing != '\0')
		return apierr_set(e, APIERR_UNPROCESSABLE, "onboarding failed: "
		    "missing required fields [%s]", missing);
	if (users_check_name(in->username, 1, e) == -1)
		return -1;
	if (strlen(in->org) > 256 || strlen(in->bucket) > 256)
		return apierr_set(e, APIERR_INVALID,
		    "org and bucket names must be at most 256 bytes");
	if (orgs_check_name(in->org, e) == -1)
		return -1;
	if (in->bucket[0] == '_')
		return apierr_set(e, APIERR_INVALID, "bucket name %s is "
		    "invalid. Buckets may not start with underscore",
		    in->bucket);
	if (strchr(in->bucket, '"') != NULL)
		return apierr_set(e, APIERR_INVALID, "bucket name %s is "
		    "invalid. Bucket names may not include quotation marks",
		    in->bucket);
	if (in->token != NULL && (strlen(in->token) < 8 ||
	    strlen(in->token) > 512 || strpbrk(in->token, " \t\r\n") != NULL))
		return apierr_set(e, APIERR_INVALID, "token must have 8 to "
		    "512 characters and no white space");
	return 0;
}

int
setup_run(struct db *db, struct arena *a, const char *addr,
    struct setup_in *in, struct setup_out *out, struct apierr *e)
{
	struct perm	 perms[RT__MAX * ACT__MAX];
	struct db_setup	 q;
	struct abuf	 pstr;
	char		 hash[PW_HASH_MAX], token[TOKEN_LEN + 1];
	char		 thash[SHA256_HEX_LEN + 1], pbuf[PERM_STR_MAX];
	size_t		 i, n;
	enum dbres	 rc;
	int		 allowed, ret_code = -1;

	if (setup_allowed(db, a, addr, &allowed, e) == -1)
		goto out;
	if (!allowed) {
		apierr_set(e, APIERR_CONFLICT,
		    "onboarding has already been completed");
		goto out;
	}
	if (check_fields(in, e) == -1)
		goto out;
	memset(&q, 0, sizeof(q));
	if (in->password != NULL && *in->password != '\0') {
		if (pw_policy(in->password, strlen(in->password), e) == -1 ||
		    pw_hash(in->password, strlen(in->password), hash, e) == -1)
			goto out;
		q.password_hash = hash;
	}
	if (in->token == NULL) {
		if (crypto_new_token(token) == -1) {
			apierr_internal(e);
			goto out;
		}
		in->token = arena_strdup(a, token);
	}
	crypto_sha256_hex(in->token, strlen(in->token), thash);
	n = setup_operator_perms(perms);
	abuf_init(&pstr, a, 2048);
	for (i = 0; i < n; i++)
		abuf_printf(&pstr, "%s%s", i ? " " : "",
		    perm_format(&perms[i], pbuf));
	q.username = in->username;
	q.org = in->org;
	q.bucket = in->bucket;
	q.retention = in->retention;
	q.token_hash = thash;
	q.perms = pstr.data;
	q.description = arena_printf(a, "%s's Token", in->username);
	q.addr = addr;
	rc = db_setup_run(db, a, &q, out);
	if (rc == DB_RAISED || rc == DB_CONFLICT) {
		/* Another setup won the race. */
		apierr_set(e, APIERR_CONFLICT,
		    "onboarding has already been completed");
		goto out;
	}
	if (rc != DB_OK) {
		svc_dberr(db, rc, e);
		goto out;
	}
	out->org.description = "";
	out->bucket.org_id = out->org.id;
	out->bucket.retention = in->retention;
	out->auth.token = in->token;
	out->auth.status = "active";
	out->auth.org_id = out->org.id;
	out->auth.org_name = out->org.name;
	out->auth.user_id = out->user.id;
	out->auth.user_name = out->user.name;
	out->auth.perms = arena_alloc(a, sizeof(perms));
	memcpy(out->auth.perms, perms, sizeof(perms));
	out->auth.nperms = n;
	ret_code = 0;
out:
	if (in->password != NULL)
		crypto_wipe(in->password, strlen(in->password));
	crypto_wipe(token, sizeof(token));
	return ret_code;
}
