#!/bin/sh
# deps.sh -- install the Debian packages needed to build, run and test usersd.
#
# Idempotent and quiet: it asks dpkg which packages are missing and only then
# runs apt-get (with one "apt-get update" first, since a fresh machine may have
# no package lists).  Used by "make run", "make check" and .ci/run.
set -eu

# Build: compilers (gcc; clang, which must build it too, and its libFuzzer
# and sanitizer runtimes for tests/fuzz), pkg-config and the four libraries
# (+ libcrypto).
# Run/test: PostgreSQL, the three web servers, mod_fcgid, curl, perl (prove,
# Test::More, JSON::PP, HTTP::Tiny are perl core).  wrk is for load tests;
# fail2ban's fail2ban-regex checks the filter docs/admin.md gives (the
# service itself is not started, see policy-rc.d below); jq runs the
# contract's own curl samples (tests/integration/t0320-doc-curl.t);
# prometheus (and its promtool) scrapes /metrics in
# tests/integration/t0500-prometheus.t, which runs its own prometheus
# process: the package's system service is not wanted (see below).
PKGS="gcc clang libclang-rt-14-dev make pkg-config libc6-dev
libfcgi-dev libjson-c-dev libargon2-dev libssl-dev libpq-dev
postgresql lighttpd nginx-light apache2 libapache2-mod-fcgid
curl perl wrk procps fail2ban jq prometheus"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*)
		# Any nginx flavour (nginx, nginx-full, nginx-extras) will do.
		if [ "$p" = nginx-light ] && command -v nginx >/dev/null 2>&1; then
			continue
		fi
		missing="$missing $p" ;;
	esac
done

# The integration tier runs the official InfluxDB JavaScript client: any
# Node.js with npm will do (Debian's nodejs is fine).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# Keep postinst scripts from starting the system-wide apache2/nginx/postgres
# (they would grab port 80/5432 on a CI box); only if no policy exists yet.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends $missing >/dev/null

# A policy-rc.d that is not ours may have let the install start the
# system-wide prometheus (port 9090, /var/lib/prometheus): stop and disable
# the service, only when this install brought the package.
case " $missing " in
*" prometheus "*)
	if [ -d /run/systemd/system ] &&
	    systemctl is-active --quiet prometheus 2>/dev/null; then
		systemctl disable --now prometheus >/dev/null 2>&1 || true
	elif [ -x /etc/init.d/prometheus ] &&
	    /etc/init.d/prometheus status >/dev/null 2>&1; then
		/etc/init.d/prometheus stop >/dev/null 2>&1 || true
		update-rc.d prometheus disable >/dev/null 2>&1 || true
	fi ;;
esac
