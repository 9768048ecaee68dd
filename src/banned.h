/*
 * banned.h -- functions this codebase must not call (after git's banned.h).
 * Unbounded string functions, number parsers without error reporting, the
 * shell, and the libpq calls that run unparameterised SQL text.
 */
#ifndef BANNED_H
#define BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef asctime
#define asctime(t) BANNED(asctime)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef system
#define system(x) BANNED(system)
#undef PQexec
#define PQexec(c, q) BANNED(PQexec)
#undef PQescapeString
#define PQescapeString(...) BANNED(PQescapeString)
#undef PQescapeStringConn
#define PQescapeStringConn(...) BANNED(PQescapeStringConn)

#endif
