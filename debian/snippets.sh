#!/bin/sh
# snippets.sh -- the package's web-server snippets, rendered from deploy/.
#
# Usage: debian/snippets.sh OUTDIR   (from the top of the source tree)
# Each deploy/*.conf file is a whole server configuration that the
# integration tests run; the lines between its "# >>> package snippet" and
# "# <<< package snippet" markers are the part that goes into a stock
# Debian web server.  They are taken as they are, their placeholders
# filled with the package's paths, and wrapped in what each server needs
# (a virtual host on 127.0.0.1:8086, the modules), so the snippets cannot
# drift from the tested files.  A placeholder left over fails the build.
set -eu
out=$1

# The package's values for the placeholders of deploy/*.conf.
render() {
	sed -e 's|@LISTEN@|127.0.0.1|g' -e 's|@PORT@|8086|g' \
	    -e 's|@SOCKET@|/run/usersd/usersd.sock|g' \
	    -e 's|@SIGNIN_SOCKET@|/run/usersd/usersd-signin.sock|g' \
	    -e 's|@ERRORS@|/usr/share/usersd/errors|g' \
	    -e 's|@WWW@|/usr/share/usersd/www|g' \
	    -e 's|@BODY_CAP@|131072|g' -e 's|@BODY_CAP_KB@|128|g' \
	    -e 's|@INSTANCE_DOMAIN_RE@|instances\\.invalid|g' \
	    -e 's|@INSTANCE_BLOCKS@||g' -e 's|@REAL_IP_FROM@|unix:|g'
}

# The marked blocks of file $1, indentation changed by sed expression $2.
blocks() {
	sed -n '/^[[:space:]]*# >>> package snippet/,/^[[:space:]]*# <<< package snippet/p' "$1" |
	    sed -e '/# >>> package snippet/,/^[[:space:]]*#.*snippet\.$/d' \
		-e '/# <<< package snippet/d' -e "$2" | render
}

header() {
	cat <<HDR
# usersd: $1,
# rendered from deploy/$2 by debian/snippets.sh (package usersd).
# Enable: $3
# It serves 127.0.0.1:8086 (InfluxDB's port) from the usersd master's
# sockets in /run/usersd (systemctl enable --now usersd); change the
# address to serve other hosts.  Host NAME.instances.invalid picks the
# instance NAME: put your own domain there (docs/deploy.md, "Several
# instances on one host").
HDR
}

mkdir -p "$out/nginx" "$out/apache" "$out/lighttpd"

# nginx: http-level lines (maps, upstreams, the server), for sites-enabled.
{
	header "nginx in front of the usersd master" nginx.conf \
	    "ln -s ../sites-available/usersd /etc/nginx/sites-enabled/; systemctl reload nginx"
	echo
	blocks deploy/nginx.conf 's/^\t//'
} >"$out/nginx/usersd"

# Apache: the modules the tested file loads (not the MPM, nor what Debian
# always loads), then its blocks in a virtual host of their own, so that
# "<Location />" takes no other site's URLs.
{
	header "Apache mod_proxy_fcgi in front of the usersd master" \
	    apache-proxy-fcgi.conf "a2enconf usersd; systemctl reload apache2"
	echo
	sed -n 's/^LoadModule \([a-z_]*\) *\(.*\)$/\1 \2/p' \
	    deploy/apache-proxy-fcgi.conf |
	    while read -r mod path; do
		case $mod in mpm_*|authz_core_module) continue ;; esac
		printf '<IfModule !%s>\n\tLoadModule %s %s\n</IfModule>\n' \
		    "$mod" "$mod" "$path"
	    done
	printf '\nListen 127.0.0.1:8086\n<VirtualHost 127.0.0.1:8086>\n'
	blocks deploy/apache-proxy-fcgi.conf 's/^\(.\)/\t\1/'
	printf '</VirtualHost>\n'
} >"$out/apache/usersd.conf"

# lighttpd: its modules by lighty-enable-mod's "depends", the blocks under
# the socket's condition.
{
	echo '# -*- depends: fastcgi, cgi, setenv -*-'
	header "lighttpd in front of the usersd master" lighttpd-master.conf \
	    "lighty-enable-mod usersd; systemctl reload lighttpd"
	echo
	printf '$SERVER["socket"] == "127.0.0.1:8086" {\n'
	blocks deploy/lighttpd-master.conf 's/^\(.\)/\t\1/'
	printf '}\n'
} >"$out/lighttpd/50-usersd.conf"

if grep -n '@[A-Z_]*@' "$out"/*/*; then
	echo "snippets.sh: a placeholder is left (above)" >&2
	exit 1
fi
