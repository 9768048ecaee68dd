#!/bin/sh
# deps.sh -- install the Debian packages usersd needs, by set.
#
# Usage: scripts/deps.sh [--check] [SET...]   (default: all)
#   build  what make, make clang and make asan compile with
#   run    what make run starts besides usersd: PostgreSQL and nginx
#   test   what the tiers of make check use (run's packages among them)
#   bench  what make bench adds to test's: the load generator
#   deb    what make deb and make deb-check add: the Debian packaging tools
#          and debootstrap, for a clean Debian 12 root
#   all    every set
# The Makefile asks for the sets each target needs: make deps (build),
# make run (build run), make check (build test, and deb when
# REQUIRE_INTEGRATION=1), make bench (build test bench), make deb (build
# deb), make deb-check (build test deb).
#
# Idempotent and quiet: it asks dpkg which packages are missing and only then
# runs apt-get (with one "apt-get update" first, since a fresh machine may have
# no package lists).  --check installs nothing: it names what is missing, in
# one line, and exits 1 if anything is (tests/run.sh).
set -eu

# Compilers: gcc, and clang, which must build it too (make clang);
# pkg-config and the libraries' headers (+ libcrypto's, from libssl-dev;
# libldap-dev for directory sign-in).
BUILD="gcc clang make pkg-config libc6-dev
libfcgi-dev libjson-c-dev libargon2-dev libssl-dev libpq-dev libldap-dev"
# scripts/run.sh: a cluster of its own and nginx in front of the master.
RUN="postgresql nginx-light"
# The other web servers and mod_fcgid (tests/integration), curl, perl
# (prove, Test::More, JSON::PP, HTTP::Tiny are perl core), clang's libFuzzer
# and sanitizer runtimes (tests/fuzz).  fail2ban's fail2ban-regex checks the
# filter docs/admin.md gives (the service itself is not started, see
# policy-rc.d below); jq runs the contract's own curl samples
# (tests/integration/t0320-doc-curl.t); prometheus (and its promtool)
# scrapes /metrics in tests/integration/t0500-prometheus.t, which runs its
# own prometheus process: the package's system service is not wanted (see
# below); chromium (headless, driven by tests/js/page.mjs through
# puppeteer-core) runs the account page in tests/integration/t0600-page.t;
# slapd and ldap-utils are the directory of the directory sign-in tests;
# patroni, etcd-server and haproxy run the failover and several-host tests
# (each test starts its own processes; the packages' services are not wanted).
# nodejs and npm are checked apart (any Node.js with npm will do).
TEST="$RUN lighttpd apache2 libapache2-mod-fcgid libclang-rt-14-dev
curl perl procps fail2ban jq prometheus chromium
slapd ldap-utils patroni etcd-server haproxy"
# bench/run.sh: wrk drives the load; ss (iproute2) watches the sockets.
BENCH="wrk iproute2"
# make deb: dpkg-buildpackage (dpkg-dev, build-essential, debhelper) and
# lintian; make deb-check: debootstrap builds the clean root, systemd's
# systemd-analyze checks the unit (systemd is on any Debian 12 server).
DEB="dpkg-dev build-essential debhelper lintian debootstrap systemd"

check=""
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
sets=${*:-all}
pkgs="" node=""
for s in $sets; do
	case $s in
	build) pkgs="$pkgs $BUILD" ;;
	run) pkgs="$pkgs $RUN" ;;
	test) pkgs="$pkgs $TEST" node=1 ;;
	bench) pkgs="$pkgs $BENCH" ;;
	deb) pkgs="$pkgs $DEB" ;;
	all) pkgs="$pkgs $BUILD $TEST $BENCH $DEB" node=1 ;;
	*)
		echo "usage: scripts/deps.sh [--check]" \
		    "[build|run|test|bench|deb|all]..." >&2
		exit 2 ;;
	esac
done

missing=""
for p in $(printf '%s\n' $pkgs | sort -u); do
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
if [ -n "$node" ] && { ! command -v node >/dev/null 2>&1 ||
    ! command -v npm >/dev/null 2>&1; }; then
	missing="$missing nodejs npm"
fi

[ -z "$missing" ] && exit 0

if [ -n "$check" ] || [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages ($sets):$missing;" \
	    "run 'sudo scripts/deps.sh $sets'" >&2
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
