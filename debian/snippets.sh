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
	    -e 's|@USERSD@|/usr/sbin/usersd|g' \
	    -e 's|@CONFIG@|/etc/usersd/usersd.conf|g' -e 's|@WORKERS@|4|g' \
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

# The head of a snippet: what it is, where from, how to enable it, and
# from where it serves (the lines of $4).
header() {
	cat <<HDR
# usersd: $1,
# rendered from deploy/$2 by debian/snippets.sh (package usersd).
# Enable: $3
$4
# It serves 127.0.0.1:8086 (InfluxDB's port); change the address to serve
# other hosts.  Host NAME.instances.invalid picks the instance NAME: put
# your own domain there (docs/deploy.md, "Several instances on one host").
HDR
}
MASTER='# usersd runs as the usersd master, on its sockets in /run/usersd
# (systemctl enable --now usersd).'

mkdir -p "$out/nginx" "$out/apache" "$out/lighttpd"

# nginx: http-level lines (maps, upstreams, the server), for sites-enabled.
{
	header "nginx in front of the usersd master" nginx.conf \
	    "ln -s ../sites-available/usersd /etc/nginx/sites-enabled/; systemctl reload nginx" \
	    "$MASTER"
	echo
	blocks deploy/nginx.conf 's/^\t//'
} >"$out/nginx/usersd"

# Apache: the modules the tested file loads (not the MPM, nor what Debian
# always loads), then its blocks in a virtual host of their own, so that
# "<Location />" takes no other site's URLs.  Arguments: the deploy/ file,
# then lines for the virtual host before its blocks.  The two Apache
# snippets serve the same address: one of them only.
apache() {
	echo
	sed -n 's/^LoadModule \([a-z_]*\) *\(.*\)$/\1 \2/p' "deploy/$1" |
	    while read -r mod path; do
		case $mod in mpm_*|authz_core_module) continue ;; esac
		printf '<IfModule !%s>\n\tLoadModule %s %s\n</IfModule>\n' \
		    "$mod" "$mod" "$path"
	    done
	cat <<'ONE'
# One of the two Apache snippets of usersd: both serve the same address.
<IfDefine USERSD_SNIPPET>
	Error "usersd: usersd.conf (mod_proxy_fcgi) and usersd-fcgid.conf (mod_fcgid) both serve usersd: a2disconf usersd or a2disconf usersd-fcgid"
</IfDefine>
Define USERSD_SNIPPET
ONE
	printf '\nListen 127.0.0.1:8086\n<VirtualHost 127.0.0.1:8086>\n%s' "$2"
	blocks "deploy/$1" 's/^\(.\)/\t\1/'
	printf '</VirtualHost>\n'
}
{
	header "Apache mod_proxy_fcgi in front of the usersd master" \
	    apache-proxy-fcgi.conf "a2enconf usersd; systemctl reload apache2" \
	    "$MASTER"
	apache apache-proxy-fcgi.conf ''
} >"$out/apache/usersd.conf"
{
	header "Apache mod_fcgid spawning usersd" apache-fcgid.conf \
	    "adduser www-data usersd; usersd-db-setup www-data;
#   a2enconf usersd-fcgid; systemctl reload apache2" \
	    "# mod_fcgid runs usersd as Apache's user, www-data, which must read
# /etc/usersd/usersd.conf (the group usersd) and have a PostgreSQL role of
# its name (usersd-db-setup www-data; peer authentication): every program
# Apache runs as www-data then may too.  If Apache runs other applications,
# prefer mod_proxy_fcgi (a2enconf usersd): usersd as its own user.  No
# usersd master: do not enable the unit."
	apache apache-fcgid.conf '	# run_dir: /run/usersd is not writable by www-data.
	FcgidInitialEnv USERSD_RUN_DIR /run/usersd-fcgid
'
} >"$out/apache/usersd-fcgid.conf"

# lighttpd: its modules by lighty-enable-mod's "depends", the blocks under
# the socket's condition.
{
	echo '# -*- depends: fastcgi, cgi, setenv -*-'
	header "lighttpd in front of the usersd master" lighttpd-master.conf \
	    "lighty-enable-mod usersd; systemctl reload lighttpd" "$MASTER"
	echo
	printf '$SERVER["socket"] == "127.0.0.1:8086" {\n'
	blocks deploy/lighttpd-master.conf 's/^\(.\)/\t\1/'
	printf '}\n'
} >"$out/lighttpd/50-usersd.conf"

if grep -n '@[A-Z_]*@' "$out"/*/*; then
	echo "snippets.sh: a placeholder is left (above)" >&2
	exit 1
fi
# Each serves the account page and the JSON bodies of its own errors.
for f in "$out"/*/*; do
	for dir in /usr/share/usersd/www /usr/share/usersd/errors; do
		if ! grep -q "$dir" "$f"; then
			echo "snippets.sh: $f does not serve $dir" >&2
			exit 1
		fi
	done
done
