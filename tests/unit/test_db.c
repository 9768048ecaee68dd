/*
 * test_db.c -- the statements' boundary: every table, view, function,
 * domain and sequence of an instance that a statement of stmts.def names
 * is marked T(name), so db.c's qualify() gives it the instance's schema,
 * and every marked name is one the migrations create.  An unmarked name
 * would resolve through the search_path (pg_catalog alone on usersd's
 * connections, so it fails to prepare; without that pin it would reach
 * whatever schema comes first: another instance's, a tenant's).
 * Run from the top of the tree (tests/run.sh does): it reads the files of
 * sql/migrations and src/migrate.c.
 */
#include "db.c"
#include "fields.h"

/* Readers made as db_orgs.c, db_users.c and db_tokens.c make them. */
DB_FILL(db_org_fill, struct org, ORG_FIELDS)
DB_FILL(db_user_fill, struct user, USER_FIELDS)
DB_FILL(db_authz_fill, struct authz, AUTH_FIELDS)

#include <glob.h>
#include <regex.h>

#include "tap.h"

#define MAX_OBJECTS	256

static char	*objects[MAX_OBJECTS];
static size_t	 nobjects;

static int
is_object(const char *w, size_t n)
{
	size_t	 i;

	for (i = 0; i < nobjects; i++)
		if (strlen(objects[i]) == n && strncmp(objects[i], w, n) == 0)
			return 1;
	return 0;
}

/* The names a file creates: CREATE [OR REPLACE] TABLE|VIEW|... [public.]name. */
static void
read_objects(const char *path)
{
	regex_t		 re;
	regmatch_t	 m[6];
	FILE		*f;
	char		*text, *p;
	long		 len;

	if ((f = fopen(path, "r")) == NULL ||
	    fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (text = calloc(1, (size_t)len + 1)) == NULL ||
	    fread(text, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	if (regcomp(&re, "CREATE[[:space:]]+(OR[[:space:]]+REPLACE[[:space:]]+)?"
	    "(TABLE|VIEW|FUNCTION|DOMAIN|SEQUENCE)[[:space:]]+"
	    "(IF[[:space:]]+NOT[[:space:]]+EXISTS[[:space:]]+)?"
	    "(public\\.)?([a-z_][a-z0-9_]*)", REG_EXTENDED | REG_ICASE) != 0)
		exit(1);
	for (p = text; regexec(&re, p, 6, m, 0) == 0; p += m[0].rm_eo)
		if (!is_object(p + m[5].rm_so, (size_t)(m[5].rm_eo - m[5].rm_so)) &&
		    nobjects < MAX_OBJECTS)
			objects[nobjects++] = strndup(p + m[5].rm_so,
			    (size_t)(m[5].rm_eo - m[5].rm_so));
	regfree(&re);
	free(text);
}

static int
word(int c)
{
	return isalnum(c) || c == '_';
}

/*
 * Checks statement s: names of objects outside T() (not after a '.',
 * another schema's name; not before one, a table's name as a column's
 * qualifier) and T() names that are no object.
 */
static void
check_statement(int s)
{
	const char	*sql = stmts[s].sql, *p = sql, *w;
	int		 bare = 0, unknown = 0, marked = 0;
	char		 first[64] = "";

	while (*p != '\0') {
		if (*p == '\'') {
			for (p++; *p != '\0' && *p != '\''; p++)
				;
			if (*p != '\0')
				p++;
			continue;
		}
		if (!(isalpha((unsigned char)*p) || *p == '_') ||
		    (p > sql && word((unsigned char)p[-1]))) {
			p++;
			continue;
		}
		for (w = p; word((unsigned char)*p); p++)
			;
		if (w > sql && w[-1] == T_MARK) {
			marked++;
			if (!is_object(w, (size_t)(p - w)) && unknown++ == 0)
				snprintf(first, sizeof(first), "%.*s",
				    (int)(p - w), w);
		} else if (is_object(w, (size_t)(p - w)) && *p != '.' &&
		    (w == sql || w[-1] != '.') && bare++ == 0)
			snprintf(first, sizeof(first), "%.*s", (int)(p - w), w);
	}
	ok(bare == 0, "%s marks every instance object it names%s%s",
	    stmts[s].name, bare ? ": not " : "", bare ? first : "");
	ok(unknown == 0, "%s marks only objects the migrations create%s%s",
	    stmts[s].name, unknown ? ": not " : "", unknown ? first : "");
	(void)marked;
}

/* qualify() leaves no marker, and puts "schema". before each name. */
static void
check_qualify(int s)
{
	char		*q = qualify(stmts[s].sql, "acme-1");
	const char	*p;
	size_t		 marks = 0, quals = 0;

	for (p = stmts[s].sql; *p != '\0'; p++)
		marks += *p == T_MARK;
	for (p = q; (p = strstr(p, "\"acme-1\".")) != NULL; p++)
		quals++;
	ok(strchr(q, T_MARK) == NULL && quals == marks,
	    "%s qualified: %zu names of %zu marked", stmts[s].name, quals,
	    marks);
	free(q);
}

/*
 * The records of fields.h: each statement that says it returns one
 * (COLUMNS holds COLS_OF(NAME)) must hold that record's SELECT list as
 * fields.h writes it, or with every column under one alias (DB_COLS_AS),
 * so the row reader made from the same list reads each column into its
 * own member.  A list written by hand, with two columns swapped, fails
 * here.
 */
static const struct {
	const char	*name;
	const char	*columns;	/* COLUMNS as written */
	const char	*sql;
} written[] = {
#define STMT(name, params, columns, retry, sql) { #name, #columns, sql },
#include "stmts.def"
#undef STMT
};

static const struct {
	const char	*name;
	const char	*cols;
	int		 n;
} records[] = {
#define R(name, fields) { #name, DB_COLS(fields), DB_NCOLS(fields) },
	DB_RECORDS(R)
#undef R
};
#define NRECORDS	(sizeof(records) / sizeof(records[0]))

/* list with each column after ", " as alias.column, into out. */
static void
qualified(const char *list, char alias, char *out, size_t size)
{
	const char	*p;
	size_t		 n = 0;

	out[n++] = alias;
	out[n++] = '.';
	for (p = list; *p != '\0' && n + 4 < size; p++) {
		out[n++] = *p;
		if (p[0] == ' ' && p > list && p[-1] == ',') {
			out[n++] = alias;
			out[n++] = '.';
		}
	}
	out[n] = '\0';
}

/* 1 when sql holds list as it is or under one alias a-z. */
static int
holds_list(const char *sql, const char *list)
{
	char	 q[2048];
	char	 alias;

	if (strstr(sql, list) != NULL)
		return 1;
	for (alias = 'a'; alias <= 'z'; alias++) {
		qualified(list, alias, q, sizeof(q));
		if (strstr(sql, q) != NULL)
			return 1;
	}
	return 0;
}

/* NULL when sql, declared as columns, holds its records' lists; else why. */
static const char *
record_mismatch(const char *columns, const char *sql)
{
	char	 mark[64];
	size_t	 i;

	for (i = 0; i < NRECORDS; i++) {
		snprintf(mark, sizeof(mark), "COLS_OF(%s)", records[i].name);
		if (strstr(columns, mark) != NULL &&
		    !holds_list(sql, records[i].cols))
			return records[i].name;
	}
	return NULL;
}

/* list with its first two columns swapped, into out. */
static void
swap_first(const char *list, char *out, size_t size)
{
	const char	*c1 = strstr(list, ", "), *c2;

	c2 = c1 != NULL ? strstr(c1 + 2, ", ") : NULL;
	if (c2 == NULL)
		c2 = list + strlen(list);
	snprintf(out, size, "%.*s, %.*s%s", (int)(c2 - c1 - 2), c1 + 2,
	    (int)(c1 - list), list, c2);
}

/* The checks themselves: each record's list, swapped, is refused. */
static void
test_record_check(void)
{
	char	 mark[64], sql[2048], list[1024];
	size_t	 i;

	for (i = 0; i < NRECORDS; i++) {
		snprintf(mark, sizeof(mark), "COLS_OF(%s)", records[i].name);
		snprintf(sql, sizeof(sql), "SELECT %s FROM x", records[i].cols);
		ok(record_mismatch(mark, sql) == NULL, "%s's own list is "
		    "taken", records[i].name);
		swap_first(records[i].cols, list, sizeof(list));
		snprintf(sql, sizeof(sql), "SELECT %s FROM x", list);
		is_str(record_mismatch(mark, sql), records[i].name,
		    "%s with its first two columns swapped is refused",
		    records[i].name);
	}
	/* Under an alias: as DB_COLS_AS writes it, and swapped. */
	is_str(DB_COLS_AS("u", USER_FIELDS), "u.id, u.name, u.status, u.kind",
	    "DB_COLS_AS qualifies every column");
	ok(record_mismatch("9 + COLS_OF(USER)", "SELECT s.id, " DB_COLS_AS(
	    "t", USER_FIELDS) " FROM t") == NULL, "a list under an alias is "
	    "taken");
	is_str(record_mismatch("COLS_OF(USER)", "SELECT u.id, u.status, "
	    "u.name, u.kind FROM u"), "USER", "a list under an alias with two "
	    "columns swapped is refused");
	is_str(record_mismatch("COLS_OF(USER)", "SELECT u.id, t.name, "
	    "u.status, u.kind FROM u"), "USER", "a list under two aliases is "
	    "refused");
	/* Two columns of one name, apart, under other aliases. */
	snprintf(sql, sizeof(sql), "SELECT %s FROM a", DB_COLS(AUTH_FIELDS));
	ok(strstr(sql, "o.name") != NULL && strstr(sql, "u.name") != NULL,
	    "a token reads its org's name (o) and its user's (u)");
	if (strstr(sql, "o.name") != NULL && strstr(sql, "u.name") != NULL) {
		*strstr(sql, "o.name") = 'x';
		*strstr(sql, "u.name") = 'o';
		*strstr(sql, "x.name") = 'u';
	}
	is_str(record_mismatch("COLS_OF(AUTH)", sql), "AUTH", "a token with "
	    "its org's and user's names swapped is refused");
}

static void
test_records(void)
{
	int	 s, uses[NRECORDS] = { 0 };
	size_t	 i;
	char	 mark[64];
	const char *why;

	for (s = 0; s < STMT__MAX; s++) {
		why = record_mismatch(written[s].columns, written[s].sql);
		ok(why == NULL, "%s holds the SELECT list of %s as fields.h "
		    "writes it", written[s].name, why ? why : "its records");
		for (i = 0; i < NRECORDS; i++) {
			snprintf(mark, sizeof(mark), "COLS_OF(%s)",
			    records[i].name);
			uses[i] += strstr(written[s].columns, mark) != NULL;
		}
	}
	for (i = 0; i < NRECORDS; i++)
		ok(records[i].n > 1 && uses[i] > 0, "%s has %d columns, "
		    "returned by %d statements", records[i].name, records[i].n,
		    uses[i]);
}

/* The readers take each column into the member the list names. */
static void
test_fill(void)
{
	struct arena	*a = arena_new();
	struct dbrows	 rows;
	struct org	 o;
	struct user	 u;
	struct authz	 z;
	char		 buf[PERM_STR_MAX];
	char		*v[15];
	char		 t[15][80];
	int		 i;

	for (i = 0; i < 15; i++) {
		snprintf(t[i], sizeof(t[i]), "c%d", i);
		v[i] = t[i];
	}
	rows.nrows = 1;
	rows.v = v;
	rows.arena = a;
	rows.ncols = COLS_OF(ORG);
	memset(&o, 0, sizeof(o));
	db_org_fill(&rows, 0, 0, &o);
	ok(strcmp(o.id, "c0") == 0 && strcmp(o.name, "c1") == 0 &&
	    strcmp(o.description, "c2") == 0 && strcmp(o.created, "c3") == 0 &&
	    strcmp(o.updated, "c4") == 0, "db_org_fill reads ORG_FIELDS in order");
	/* A user read along after something else (a principal's row). */
	rows.ncols = 1 + COLS_OF(USER);
	memset(&u, 0, sizeof(u));
	db_user_fill(&rows, 0, 1, &u);
	ok(strcmp(u.id, "c1") == 0 && strcmp(u.name, "c2") == 0 &&
	    strcmp(u.status, "c3") == 0 && strcmp(u.kind, "c4") == 0,
	    "db_user_fill reads USER_FIELDS in order, from its first column");
	rows.ncols = COLS_OF(AUTH);
	snprintf(t[7], sizeof(t[7]), "read:users write:orgs/%s/buckets bogus",
	    "0123456789abcdef");
	snprintf(t[14], sizeof(t[14]), "t");
	v[10] = NULL;
	memset(&z, 0, sizeof(z));
	db_authz_fill(&rows, 0, 0, &z);
	ok(strcmp(z.id, "c0") == 0 && strcmp(z.status, "c1") == 0 &&
	    strcmp(z.description, "c2") == 0 && strcmp(z.org_id, "c3") == 0 &&
	    strcmp(z.org_name, "c4") == 0 && strcmp(z.user_id, "c5") == 0 &&
	    strcmp(z.user_name, "c6") == 0 && strcmp(z.created, "c8") == 0 &&
	    strcmp(z.updated, "c9") == 0 && z.expires == NULL &&
	    strcmp(z.last_used, "c11") == 0 &&
	    strcmp(z.last_used_addr, "c12") == 0 &&
	    strcmp(z.grace_until, "c13") == 0 && z.expired == 1,
	    "db_authz_fill reads AUTH_FIELDS in order");
	ok(z.nperms == 2 && strcmp(perm_format(&z.perms[1], buf),
	    "write:orgs/0123456789abcdef/buckets") == 0, "its permission "
	    "text is parsed (PERMS), the word that is none skipped");
	v[7] = NULL;
	v[14] = NULL;
	db_authz_fill(&rows, 0, 0, &z);
	ok(z.nperms == 0 && z.expired == 0, "no text, no permissions; NULL "
	    "is not expired");
	arena_free(a);
}

int
main(void)
{
	glob_t	 g;
	size_t	 i;
	int	 s;
	char	*q;

	if (glob("sql/migrations/*.sql", 0, NULL, &g) != 0) {
		fprintf(stderr, "run from the top of the tree\n");
		return 1;
	}
	for (i = 0; i < g.gl_pathc; i++)
		read_objects(g.gl_pathv[i]);
	globfree(&g);
	read_objects("src/migrate.c");	/* usersd_schema */
	ok(is_object("users", 5) && is_object("usersd_time", 11) &&
	    is_object("usersd_schema", 13), "the migrations' objects are read "
	    "(%zu)", nobjects);
	for (s = 0; s < STMT__MAX; s++) {
		check_statement(s);
		check_qualify(s);
	}
	test_records();
	test_record_check();
	test_fill();
	q = qualify(stmts[STMT_USER_GET].sql, "acme");
	is_str(q, "SELECT id, name, status, kind FROM \"acme\".users WHERE id = $1",
	    "USER_GET in schema acme");
	free(q);
	return done_testing();
}
