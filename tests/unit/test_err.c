/*
 * test_err.c -- the error currency: every code has InfluxDB's code string
 * and HTTP status (kit/transport/http/error_handler.go), every status its
 * reason phrase (errors.def), and apierr_set formats safely.
 */
#include "err.c"

#include <string.h>

#include "tap.h"

/*
 * InfluxDB's codes and statuses, written here apart from errors.def and
 * looked up by their text: a row missing from errors.def, or one with
 * another status, fails; so does a row there that is not here.
 */
static const struct {
	int		 line;
	const char	*code;
	int		 status;
} want[] = {
	{ __LINE__, "ok", 200 },
	{ __LINE__, "internal error", 500 },
	{ __LINE__, "not implemented", 501 },
	{ __LINE__, "not found", 404 },
	{ __LINE__, "conflict", 422 },
	{ __LINE__, "invalid", 400 },
	{ __LINE__, "unprocessable entity", 422 },
	{ __LINE__, "empty value", 400 },
	{ __LINE__, "unavailable", 503 },
	{ __LINE__, "forbidden", 403 },
	{ __LINE__, "too many requests", 429 },
	{ __LINE__, "unauthorized", 401 },
	{ __LINE__, "method not allowed", 405 },
	{ __LINE__, "request too large", 413 },
	{ __LINE__, "unsupported media type", 415 },
};
#define NWANT	(sizeof(want) / sizeof(want[0]))

/* Every status usersd sends on its own (the API's, and the others). */
static const struct {
	int		 line;
	int		 status;
	const char	*reason;
} reasons[] = {
	{ __LINE__, 200, "OK" },
	{ __LINE__, 201, "Created" },
	{ __LINE__, 204, "No Content" },
	{ __LINE__, 400, "Bad Request" },
	{ __LINE__, 401, "Unauthorized" },
	{ __LINE__, 403, "Forbidden" },
	{ __LINE__, 404, "Not Found" },
	{ __LINE__, 405, "Method Not Allowed" },
	{ __LINE__, 413, "Payload Too Large" },
	{ __LINE__, 414, "URI Too Long" },
	{ __LINE__, 415, "Unsupported Media Type" },
	{ __LINE__, 422, "Unprocessable Entity" },
	{ __LINE__, 429, "Too Many Requests" },
	{ __LINE__, 500, "Internal Server Error" },
	{ __LINE__, 501, "Not Implemented" },
	{ __LINE__, 503, "Service Unavailable" },
};
#define NREASONS	(sizeof(reasons) / sizeof(reasons[0]))

static void
test_tables(void)
{
	size_t	 i;
	int	 c, found;

	is_int(APIERR__MAX, (int)NWANT, "errors.def has %d error rows, as "
	    "InfluxDB's list here", (int)NWANT);
	for (i = 0; i < NWANT; i++) {
		found = 0;
		for (c = 0; c < APIERR__MAX; c++)
			if (strcmp(apierr_string(c), want[i].code) == 0) {
				found = 1;
				is_int_at(want[i].line, apierr_status(c),
				    want[i].status, "code \"%s\" is HTTP %d",
				    want[i].code, want[i].status);
			}
		ok_at(want[i].line, found, "errors.def has the row of \"%s\"",
		    want[i].code);
	}
	for (c = 0; c < APIERR__MAX; c++)
		ok(apierr_status_row(apierr_status(c)) < HTTP_STATUS__MAX,
		    "the status of \"%s\" has its HTTP_STATUS row",
		    apierr_string(c));
	is_int(HTTP_STATUS__MAX, (int)NREASONS, "errors.def has %d statuses",
	    (int)NREASONS);
	for (i = 0; i < NREASONS; i++) {
		is_str_at(reasons[i].line, apierr_reason(reasons[i].status),
		    reasons[i].reason, "%d is \"%s\"", reasons[i].status,
		    reasons[i].reason);
		is_int_at(reasons[i].line, apierr_row_status(
		    apierr_status_row(reasons[i].status)), reasons[i].status,
		    "%d: its row and back", reasons[i].status);
	}
	is_str(apierr_reason(418), "Unknown", "another status is \"Unknown\"");
	is_int(apierr_status_row(418), HTTP_STATUS__MAX,
	    "another status has no row (metrics: \"other\")");
	is_str(apierr_string(APIERR__MAX), "internal error",
	    "an out-of-range code renders as \"internal error\"");
	is_int(apierr_status(APIERR__MAX), 500,
	    "an out-of-range code is HTTP 500");
	is_str(apierr_string((enum apierr_code)1000), "internal error",
	    "a wild code renders as \"internal error\"");
	is_int(apierr_status((enum apierr_code)1000), 500,
	    "a wild code is HTTP 500");
}

static void
test_set(void)
{
	struct apierr	 e;
	char		 longname[400];

	memset(&e, 0, sizeof(e));
	e.retry_after = 30;
	is_int(apierr_set(&e, APIERR_NOT_FOUND, "user \"%s\" not found",
	    "bob"), -1, "apierr_set returns -1");
	is_int(e.code, APIERR_NOT_FOUND, "apierr_set stores the code");
	is_str(e.msg, "user \"bob\" not found",
	    "apierr_set formats the message");
	is_int(e.retry_after, 0, "apierr_set clears retry_after");

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memset(e.msg, 'Z', sizeof(e.msg));
	apierr_set(&e, APIERR_INVALID, "name %s", longname);
	is_int(strlen(e.msg), sizeof(e.msg) - 1,
	    "a long message is truncated to the buffer, NUL-terminated");
	ok(strncmp(e.msg, "name xxxx", 9) == 0,
	    "a truncated message keeps its beginning");

	is_int(apierr_unauthorized(&e), -1, "apierr_unauthorized returns -1");
	is_int(e.code, APIERR_UNAUTHORIZED, "apierr_unauthorized is 401");
	is_str(e.msg, "unauthorized access",
	    "apierr_unauthorized says \"unauthorized access\"");

	is_int(apierr_internal(&e), -1, "apierr_internal returns -1");
	is_int(e.code, APIERR_INTERNAL, "apierr_internal is INTERNAL");
	is_str(e.msg, "internal error", "apierr_internal's message");
}

int
main(void)
{
	test_tables();
	test_set();
	return done_testing();
}
