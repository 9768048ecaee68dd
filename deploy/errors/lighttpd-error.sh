#!/bin/sh
# lighttpd-error.sh -- lighttpd's own errors as InfluxDB JSON.
#
# lighttpd's server.error-handler (see deploy/lighttpd-*.conf): lighttpd
# runs it through mod_cgi (/bin/sh) for each error it makes itself, before
# or instead of usersd (413 over server.max-request-size, 411, 431, 400,
# 503 while usersd is down ...), with that status in REDIRECT_STATUS.  The
# answer is NNN.json from this directory, with that status and
# X-Platform-Error-Code set to the file's "code".  Errors that usersd sends
# never come here: lighttpd passes a backend's answer through.
# Nothing from the request is read or echoed.

dir=${0%/*}
# Asked for directly, lighttpd sets REDIRECT_STATUS=200 (as for any CGI):
# answer like any unknown path.
status=${REDIRECT_STATUS:-}
case $status in
[45][0-9][0-9])	;;
*)		status=404 ;;
esac
file=$dir/$status.json
# A status without a file of its own gets the body of its class.
[ -f "$file" ] || file=$dir/${status%??}00.json
code=$(sed -n 's/^{"code":"\([^"]*\)".*/\1/p' "$file")
printf 'Status: %s\r\nContent-Type: application/json; charset=utf-8\r\n' "$status"
printf 'X-Platform-Error-Code: %s\r\n\r\n' "$code"
cat "$file"
