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

/* A reader made as db_orgs.c makes it. */
DB_FILL(db_org_fill, struct org, ORG_FIELDS)

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
 * fields.h writes it, so the row reader made from the same list reads
 * each column into its own member.  A list written by hand, with two
 * columns swapped, fails here.
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

/* NULL when sql, declared as columns, holds its records' lists; else why. */
static const char *
record_mismatch(const char *columns, const char *sql)
{
	char	 mark[64];
	size_t	 i;

	for (i = 0; i < NRECORDS; i++) {
		snprintf(mark, sizeof(mark), "COLS_OF(%s)", records[i].name);
		if (strstr(columns, mark) != NULL &&
		    strstr(sql, records[i].cols) == NULL)
			return records[i].name;
	}
	return NULL;
}

static void
test_records(void)
{
	struct org	 o;
	struct dbrows	 rows;
	char		 i_[] = "i", n_[] = "n", d_[] = "d", c_[] = "c", u_[] = "u";
	char		*v[5], swapped[512];
	const char	*why;
	size_t		 i;
	int		 s, uses = 0;

	for (s = 0; s < STMT__MAX; s++) {
		why = record_mismatch(written[s].columns, written[s].sql);
		uses += strstr(written[s].columns, "COLS_OF(") != NULL;
		ok(why == NULL, "%s holds the SELECT list of %s as fields.h "
		    "writes it", written[s].name, why ? why : "its records");
	}
	ok(uses >= (int)NRECORDS, "%d statements return a record of "
	    "fields.h", uses);
	for (i = 0; i < NRECORDS; i++)
		ok(records[i].n > 1, "%s has %d columns", records[i].name,
		    records[i].n);
	/* The check itself: ORG's list with its first two columns swapped. */
	snprintf(swapped, sizeof(swapped), "SELECT name, id%s FROM orgs",
	    strstr(records[0].cols, ", description"));
	is_str(record_mismatch("COLS_OF(ORG)", swapped), "ORG",
	    "a statement with two columns swapped is refused");
	/* The reader takes each column into the member the list names. */
	v[0] = i_;
	v[1] = n_;
	v[2] = d_;
	v[3] = c_;
	v[4] = u_;
	rows.nrows = 1;
	rows.ncols = 5;
	rows.v = v;
	memset(&o, 0, sizeof(o));
	db_org_fill(&rows, 0, 0, &o);
	ok(strcmp(o.id, "i") == 0 && strcmp(o.name, "n") == 0 &&
	    strcmp(o.description, "d") == 0 && strcmp(o.created, "c") == 0 &&
	    strcmp(o.updated, "u") == 0, "db_org_fill reads ORG_FIELDS in order");
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
	q = qualify(stmts[STMT_USER_GET].sql, "acme");
	is_str(q, "SELECT id, name, status, kind FROM \"acme\".users WHERE id = $1",
	    "USER_GET in schema acme");
	free(q);
	return done_testing();
}
