/*
 * bare.c -- the ceiling for bench/run.sh: the least a C FastCGI app on
 * this stack can do for usersd's user requests.  libfcgi and libpq, N
 * pre-forked workers on one unix socket (each blocks in FCGX_Accept_r),
 * one connection each, one prepared statement per request, and the
 * response usersd sends, byte for byte (headers and user JSON), without
 * authentication, routing tables, logging or anything else.
 *
 *   bare -s SOCKET -d CONNINFO [-n WORKERS]
 *
 *   GET    /api/v2/users/ID   SELECT id, name, status FROM users WHERE id = $1
 *   POST   /api/v2/users      INSERT INTO users (name) VALUES ($1), a commit
 *   DELETE /api/v2/users/ID   DELETE FROM users WHERE id = $1, a commit
 *
 * The POST body must be {"name":"..."} without escapes: the bench's own
 * requests (bench/lua/post_delete.lua), nothing else.  SIGTERM to the
 * parent stops the workers and removes the socket.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <libpq-fe.h>

#include "version.h"

#define MAXWORKERS	64

enum bstmt { B_GET, B_INSERT, B_DELETE, B__MAX };

static const char *const bstmts[B__MAX] = {
	"SELECT id, name, status FROM users WHERE id = $1",
	"INSERT INTO users (name) VALUES ($1) RETURNING id, name, status",
	"DELETE FROM users WHERE id = $1",
};

/* What usersd sends before every JSON body (http.c, http_send). */
#define HEAD	"X-Influxdb-Build: OSS\r\nX-Influxdb-Version: " \
	USERSD_COMPAT_VERSION "\r\n"

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	stopping = 1;
}

static void
die(const char *what)
{
	fprintf(stderr, "bare: %s\n", what);
	exit(1);
}

/* JSON string body of s (usersd escapes the same set: json.c, str). */
static size_t
esc(char *out, size_t room, const char *s)
{
	size_t	 o = 0;

	for (; *s != '\0' && o + 7 < room; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20)
			o += (size_t)snprintf(out + o, room - o, "\\u%04x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return o;
}

static void
send_user(FCGX_Request *rq, int status, PGresult *res)
{
	char	 name[1100], body[1400], out[1700];
	int	 blen, olen;

	esc(name, sizeof(name), PQgetvalue(res, 0, 1));
	blen = snprintf(body, sizeof(body), "{\"links\":{\"self\":"
	    "\"/api/v2/users/%s\"},\"id\":\"%s\",\"name\":\"%s\","
	    "\"status\":\"%s\"}", PQgetvalue(res, 0, 0),
	    PQgetvalue(res, 0, 0), name, PQgetvalue(res, 0, 2));
	olen = snprintf(out, sizeof(out), "Status: %d %s\r\n" HEAD
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: %d\r\n\r\n%s", status,
	    status == 201 ? "Created" : "OK", blen, body);
	FCGX_PutStr(out, olen, rq->out);
}

static void
send_status(FCGX_Request *rq, const char *line, const char *json)
{
	char	 out[512];
	int	 n;

	if (json == NULL)
		n = snprintf(out, sizeof(out), "Status: %s\r\n" HEAD "\r\n",
		    line);
	else
		n = snprintf(out, sizeof(out), "Status: %s\r\n" HEAD
		    "Content-Type: application/json; charset=utf-8\r\n"
		    "Content-Length: %zu\r\n\r\n%s", line, strlen(json), json);
	FCGX_PutStr(out, n, rq->out);
}

static PGresult *
run(PGconn *c, enum bstmt s, const char *param)
{
	char	 name[8];

	snprintf(name, sizeof(name), "b%d", (int)s);
	return PQexecPrepared(c, name, 1, &param, NULL, NULL, 0);
}

/* The name of {"name":"..."}, in place, or NULL. */
static char *
body_name(char *body)
{
	char	*p, *q;

	if ((p = strstr(body, "\"name\"")) == NULL ||
	    (p = strchr(p + 6, '"')) == NULL || (q = strchr(++p, '"')) == NULL)
		return NULL;
	*q = '\0';
	return p;
}

static void
serve(FCGX_Request *rq, PGconn *c)
{
	const char	*m = FCGX_GetParam("REQUEST_METHOD", rq->envp);
	const char	*uri = FCGX_GetParam("REQUEST_URI", rq->envp);
	const char	*id = NULL;
	char		 body[1024], *name;
	PGresult	*res = NULL;
	int		 n;

	if (m == NULL || uri == NULL ||
	    strncmp(uri, "/api/v2/users", 13) != 0) {
		send_status(rq, "404 Not Found", "{\"code\":\"not found\","
		    "\"message\":\"path not found\"}");
		return;
	}
	if (uri[13] == '/')
		id = uri + 14;
	if (strcmp(m, "GET") == 0 && id != NULL) {
		res = run(c, B_GET, id);
		if (PQresultStatus(res) == PGRES_TUPLES_OK &&
		    PQntuples(res) == 1)
			send_user(rq, 200, res);
		else
			send_status(rq, "404 Not Found", "{\"code\":"
			    "\"not found\",\"message\":\"user not found\"}");
	} else if (strcmp(m, "POST") == 0 && id == NULL) {
		n = FCGX_GetStr(body, sizeof(body) - 1, rq->in);
		body[n > 0 ? n : 0] = '\0';
		if ((name = body_name(body)) == NULL) {
			send_status(rq, "400 Bad Request", "{\"code\":"
			    "\"invalid\",\"message\":\"no name\"}");
			return;
		}
		res = run(c, B_INSERT, name);
		if (PQresultStatus(res) == PGRES_TUPLES_OK &&
		    PQntuples(res) == 1)
			send_user(rq, 201, res);
		else
			send_status(rq, "500 Internal Server Error", NULL);
	} else if (strcmp(m, "DELETE") == 0 && id != NULL) {
		res = run(c, B_DELETE, id);
		if (PQresultStatus(res) == PGRES_COMMAND_OK &&
		    strcmp(PQcmdTuples(res), "1") == 0)
			send_status(rq, "204 No Content", NULL);
		else
			send_status(rq, "404 Not Found", "{\"code\":"
			    "\"not found\",\"message\":\"user not found\"}");
	} else
		send_status(rq, "405 Method Not Allowed", "{\"code\":"
		    "\"method not allowed\",\"message\":\"no\"}");
	PQclear(res);
}

static void
worker(int fd, const char *conninfo)
{
	FCGX_Request	 rq;
	PGconn		*c;
	PGresult	*res;
	char		 name[8];
	int		 s;

	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK)
		die(PQerrorMessage(c));
	for (s = 0; s < B__MAX; s++) {
		snprintf(name, sizeof(name), "b%d", s);
		res = PQprepare(c, name, bstmts[s], 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			die(PQerrorMessage(c));
		PQclear(res);
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&rq, fd, 0) != 0)
		die("cannot initialise libfcgi");
	signal(SIGTERM, SIG_DFL);
	while (FCGX_Accept_r(&rq) >= 0) {
		if (PQstatus(c) != CONNECTION_OK)
			die("lost the database");
		serve(&rq, c);
		FCGX_Finish_r(&rq);
	}
	PQfinish(c);
	exit(0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct sigaction sa;
	const char	*sock = NULL, *conninfo = NULL;
	pid_t		 kids[MAXWORKERS];
	int		 ch, fd, i, n = 4;

	while ((ch = getopt(argc, argv, "s:d:n:")) != -1)
		switch (ch) {
		case 's': sock = optarg; break;
		case 'd': conninfo = optarg; break;
		case 'n': n = (int)strtol(optarg, NULL, 10); break;
		default: die("usage: bare -s SOCKET -d CONNINFO [-n WORKERS]");
		}
	if (sock == NULL || conninfo == NULL || n < 1 || n > MAXWORKERS ||
	    strlen(sock) >= sizeof(sun.sun_path))
		die("usage: bare -s SOCKET -d CONNINFO [-n WORKERS]");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sock, strlen(sock));
	unlink(sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 1024) == -1 || chmod(sock, 0666) == -1)
		die(strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (i = 0; i < n; i++)
		if ((kids[i] = fork()) == 0)
			worker(fd, conninfo);
		else if (kids[i] == -1)
			die("fork");
	while (!stopping)
		pause();
	for (i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	for (i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	unlink(sock);
	return 0;
}
