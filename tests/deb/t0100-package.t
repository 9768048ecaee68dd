# t0100-package.t -- the Debian package as a sysadmin meets it, on a clean
# Debian 12 root (debootstrap --variant=minbase, then chroot):
#   make deb (build + lintian), systemd-analyze verify and security of the
#   installed unit, apt install ./usersd_*.deb beside PostgreSQL, nginx,
#   Apache (with mod_fcgid) and lighttpd,
#   the README's steps (usersd-db-setup, usersctl setup, the unit's
#   ExecStart, the nginx snippet), /health and a sign-in through nginx;
#   the Apache (mod_proxy_fcgi, then mod_fcgid) and lighttpd snippets
#   enabled as the README says in the root's stock servers, each serving
#   /health, a sign-in and the account page;
#   an upgrade from the previous version (the program of the commit before
#   the newest migration, packaged by this debian/) keeping the
#   configuration and the data and applying the new migration; remove and
#   purge, which leave the database and nothing of the package.
# No systemd runs in a chroot: usersd is started with the unit's command
# line, as its User=, Group= and SupplementaryGroups=, and a web server is
# reloaded by the command of its unit.  Everything listens on loopback
# (each web server on free ports) or on unix sockets inside the root.
# The root is cached as a tarball under /var/cache/usersd-deb-check (and
# the downloaded packages next to it), rebuilt when a week old.
# Needs root; the deb tier of tests/run.sh (make deb-check).
use strict;
use warnings;
use FindBin;
use Test::More;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

my $ROOT = "$FindBin::Bin/../..";
chdir $ROOT or die "$ROOT: $!";
if ($> != 0) {
	plan skip_all => 'needs root (debootstrap, chroot)' unless $ENV{REQUIRE_INTEGRATION};
	BAIL_OUT('t0100-package needs root');
}

my $CACHE = '/var/cache/usersd-deb-check';
my $TMP = tempdir('/tmp/usersd-deb-XXXXXX');
my $R = "$TMP/root";
my (@mounts, $usersd_pid);
my $T0 = time;

# run(CMD): its exit status and output (stdout and stderr).
sub run {
	my ($cmd) = @_;
	my $out = `$cmd 2>&1`;
	return ($? >> 8, $out);
}
sub ok_run {
	my ($cmd, $name) = @_;
	my ($rc, $out) = run($cmd);
	is($rc, 0, $name) or diag("$cmd\n$out");
	return $out;
}
sub q_ { my $s = shift; $s =~ s/'/'\\''/g; return "'$s'" }
# A command line in the root, with a clean environment.
sub in_root {
	return "chroot $R /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin " .
	    "HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive " .
	    "/bin/sh -c " . q_($_[0]);
}
sub root_ok { return ok_run(in_root($_[0]), $_[1]) }

sub cleanup {
	if (defined $usersd_pid) {
		kill 'TERM', $usersd_pid;
		waitpid($usersd_pid, 0);
		undef $usersd_pid;
	}
	if (-d "$R/etc") {
		run(in_root('[ -f /run/nginx.pid ] && nginx -s stop'));
		run(in_root('command -v pg_ctlcluster >/dev/null && pg_ctlcluster 15 main stop -m fast'));
	}
	# Whatever else still runs inside this root was started by this test.
	for (1 .. 50) {
		my @left = grep {
			my $r = readlink("/proc/$_/root") // '';
			$r eq $R || index($r, "$R/") == 0;
		} map { m{(\d+)$} } glob '/proc/[0-9]*';
		last unless @left;
		kill 'KILL', @left;
		sleep 0.1;
	}
	system('umount', $_) for reverse @mounts;
	@mounts = ();
	open(my $m, '<', '/proc/mounts') or die;
	my $busy = grep { (split)[1] =~ m{^\Q$TMP\E/} } <$m>;
	if ($busy) {
		diag("mounts left under $TMP: not removed");
	} elsif ($ENV{USERSD_TEST_KEEP}) {
		diag("kept $TMP");
	} else {
		system('rm', '-rf', '--one-file-system', $TMP);
	}
}
END { cleanup() if defined $TMP }
$SIG{INT} = $SIG{TERM} = sub { exit 130 };

sub free_port {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Listen => 1, ReuseAddr => 1) or die "port: $!";
	return $s->sockport;
}

# Builds the package of this tree (make deb: dpkg-buildpackage + lintian).
subtest 'make deb builds the package and lintian finds no error nor warning' => sub {
	my $out = ok_run('make deb', 'make deb');
	unlike($out, qr/^[EW]: /m, 'lintian: no E: or W: line');
};
my ($DEB) = glob 'build/deb/usersd_*_*.deb';
ok($DEB, "the package: $DEB") or BAIL_OUT('no package');
my ($VERSION) = $DEB =~ m{usersd_([^_]+)_};

# The previous version: the program (Makefile, src, sql, scripts) of an
# earlier commit, packaged by this tree's debian/ with a lower version.
# 02d9401 is the last main commit at migration 0007 (before the hosting
# boundary); move it to the last release once there are releases.
my $PREV = $ENV{USERSD_DEB_PREV} // '02d9401';
my $prev_dir = "$TMP/prev/src";
subtest "the previous version is built from $PREV" => sub {
	ok_run("mkdir -p $prev_dir && git ls-files -z | tar --null -T - -cf - | tar -xf - -C $prev_dir" .
	    " && rm -rf $prev_dir/src $prev_dir/sql $prev_dir/scripts" .
	    " && git archive $PREV Makefile src sql scripts | tar -xf - -C $prev_dir",
	    'its tree');
	ok_run("sed -i '1s/(\\([^)]*\\))/(\\1~prev)/' $prev_dir/debian/changelog" .
	    " && head -1 $prev_dir/debian/changelog | grep -q '~prev)'", 'a lower version');
	ok_run("cd $prev_dir && dpkg-buildpackage -us -uc -b", 'dpkg-buildpackage');
};
my ($OLD) = glob "$TMP/prev/usersd_*~prev_*.deb";
ok($OLD, "the previous package: $OLD") or BAIL_OUT('no previous package');
chomp(my $new_migrations = `git diff --name-only --diff-filter=A $PREV HEAD -- sql/migrations | wc -l`);

# The clean root: the cached tarball, or debootstrap (and a new tarball).
subtest 'a clean Debian 12 root' => sub {
	my $tar = "$CACHE/bookworm-minbase.tar.gz";
	ok_run("mkdir -p $CACHE/archives/partial $R", 'the cache');
	if (!-f $tar || -M $tar > 7) {
		ok_run("debootstrap --variant=minbase bookworm $TMP/boot http://deb.debian.org/debian" .
		    " && tar -C $TMP/boot -czf $tar.$$ . && mv $tar.$$ $tar && rm -rf --one-file-system $TMP/boot",
		    'debootstrap, cached');
	}
	ok_run("tar -C $R -xzf $tar", 'unpacked');
	for (['proc', 'proc', "$R/proc"], ['tmpfs', 'tmpfs', "$R/dev/shm"],
	    ['--bind', "$CACHE/archives", "$R/var/cache/apt/archives"]) {
		my ($type, $src, $dst) = @$_;
		my $how = $type eq '--bind' ? '--bind' : "-t $type";
		my ($rc, $out) = run("mount $how $src $dst");
		is($rc, 0, "mount $dst") or diag($out);
		push @mounts, $dst if $rc == 0;
	}
	ok_run("cp /etc/resolv.conf $R/etc/resolv.conf", 'resolv.conf');
	# As in any chroot: maintainer scripts start no service.
	ok_run("printf '#!/bin/sh\\nexit 101\\n' >$R/usr/sbin/policy-rc.d && chmod 755 $R/usr/sbin/policy-rc.d",
	    'policy-rc.d');
	# man-db: systemd-analyze verify runs the unit's Documentation= (man
	# usersd(8)), which also finds the installed man pages.
	root_ok('apt-get update -qq && apt-get install -y -qq --no-install-recommends' .
	    ' postgresql nginx-light apache2 libapache2-mod-fcgid lighttpd man-db >/dev/null',
	    'PostgreSQL, nginx, Apache with mod_fcgid, lighttpd and man-db installed');
	# PostgreSQL on its socket in the root only; nginx without its
	# default site (port 80 on every address).
	root_ok("pg_conftool 15 main set listen_addresses '' && pg_ctlcluster 15 main start",
	    'PostgreSQL started, unix socket only');
	root_ok('rm -f /etc/nginx/sites-enabled/default && nginx', 'nginx started, without its default site');
	# Apache and lighttpd as a server already runs them, serving their
	# own sites, but on a free loopback port instead of port 80 on every
	# address (lighttpd without its IPv6 twin).
	root_ok("a2dissite -q 000-default && echo 'Listen 127.0.0.1:" . free_port() . "' >/etc/apache2/ports.conf" .
	    " && echo 'ServerName localhost' >>/etc/apache2/apache2.conf && apache2ctl start",
	    'Apache started, on a free port');
	root_ok("sed -i -e 's/^server.port .*/server.bind = \"127.0.0.1\"\\nserver.port = " . free_port() . "/'" .
	    " -e '/use-ipv6.pl/d' /etc/lighttpd/lighttpd.conf && lighttpd -tt -f /etc/lighttpd/lighttpd.conf" .
	    ' && { lighttpd -D -f /etc/lighttpd/lighttpd.conf </dev/null >/dev/null 2>&1 & }',
	    'lighttpd started (as its unit does), on a free port');
	# The package's dependencies first, so that the files they bring
	# (systemd's, procps') are not counted as the package's below.
	(my $old = $OLD) =~ s{.*/}{/tmp/};
	ok_run("cp $OLD $DEB $R/tmp/", 'the packages in the root');
	root_ok("apt-get satisfy -y -qq \"\$(dpkg-deb -f $old Depends)\" >/dev/null",
	    "the package's dependencies");
};

# What the root holds before usersd comes: after the purge, nothing of
# the package may remain.
sub files {
	# (./run/systemd: systemd-analyze's runtime state; ./var/lib/nginx:
	# nginx's temporary directories, made on its first reload;
	# ./var/lib/apache2/fcgid: mod_fcgid's socket of each process.)
	my ($rc, $out) = run("cd $R && find . -xdev \\( -path ./proc -o -path ./dev -o -path ./tmp" .
	    " -o -path ./run/systemd -o -path ./var/lib/nginx -o -path ./var/lib/apache2/fcgid" .
	    " -o -path ./var/cache -o -path ./var/lib/apt -o -path ./var/lib/dpkg -o -path ./var/log" .
	    " -o -path ./var/lib/postgresql -o -path ./run/postgresql \\) -prune -o -print");
	return map { $_ => 1 } split /\n/, $out;
}
my %before = files();

my $port = free_port();
my $base = "http://127.0.0.1:$port";
my $http = HTTP::Tiny->new(timeout => 10);
my $PW = 'correct horse battery';

# The unit's command line, run as the unit would: its User=, Group=,
# SupplementaryGroups= and Environment=.
sub start_usersd {
	open(my $u, '<', "$R/lib/systemd/system/usersd.service") or die $!;
	my %unit;
	while (<$u>) { $unit{$1} = $2 if /^(\w+)=(.*)$/ }
	# Numeric ids, from the root's own passwd and group files.
	my (%uid, %gid);
	for my $db (["$R/etc/passwd", \%uid], ["$R/etc/group", \%gid]) {
		open(my $f, '<', $db->[0]) or die $!;
		while (my $l = <$f>) { my @f = split /:/, $l; $db->[1]{$f[0]} = $f[2] }
	}
	my $spec = "$uid{$unit{User}}:$gid{$unit{Group}}";
	my $groups = join(',', map { $gid{$_} } $unit{Group},
	    split(' ', $unit{SupplementaryGroups} // ''));
	open(my $log, '>>', "$TMP/usersd.log") or die $!;
	$usersd_pid = fork // die;
	if ($usersd_pid == 0) {
		open(STDOUT, '>&', $log); open(STDERR, '>&', $log);
		exec('chroot', "--userspec=$spec", "--groups=$groups", $R, '/usr/bin/env', '-i',
		    'PATH=/usr/sbin:/usr/bin', $unit{Environment}, split(' ', $unit{ExecStart}));
		die "exec: $!";
	}
	for (1 .. 100) {
		my $r = $http->get("$base/health");
		return $r if $r->{status} == 200;
		sleep 0.1;
	}
	return $http->get("$base/health");
}
sub stop_usersd {
	kill 'TERM', $usersd_pid;
	waitpid($usersd_pid, 0);
	undef $usersd_pid;
}
sub signin {
	my ($url) = @_;
	my $r = $http->post(($url // $base) . "/api/v2/signin", { headers => {
	    Authorization => 'Basic ' . encode_base64("admin:$PW", '') } });
	return $r;
}

# /health, a sign-in and the account page through the web server at $url.
sub serves {
	my ($url, $what) = @_;
	my $r = $http->get("$url/health");
	is($r->{status}, 200, "$what: /health") or diag($r->{content});
	like($r->{content}, qr/"status":\s*"pass"/, "$what: /health passes");
	$r = signin($url);
	is($r->{status}, 204, "$what: sign-in 204") or diag($r->{content});
	my $cookies = $r->{headers}{'set-cookie'} // '';
	like(join("\n", ref $cookies ? @$cookies : $cookies), qr/influxdb-oss-session=/, "$what: a session cookie");
	for my $f ([ '/', qr{^text/html} ], [ '/signin', qr{^text/html} ],
	    [ '/assets/app.js', qr{^text/javascript} ], [ '/assets/style.css', qr{^text/css} ]) {
		$r = $http->get($url . $f->[0]);
		is($r->{status}, 200, "$what: the page's $f->[0]") or diag($r->{content});
		like($r->{headers}{'content-type'} // '', $f->[1], "$what: $f->[0] has its type");
		like($r->{headers}{'content-security-policy'} // '', qr/default-src 'none'.*frame-ancestors 'none'/,
		    "$what: $f->[0] under the page's Content-Security-Policy");
	}
	# The page's directory holds the page and nothing more: a way out of
	# it is not found, or refused (nginx: 400).
	for my $p ('/assets/..%2f..%2ferrors%2f404.json', '/assets/../errors/404.json',
	    '/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd') {
		$r = $http->get($url . $p);
		like($r->{status}, qr/^40[04]$/, "$what: $p is not found") or diag($r->{content});
		like($r->{content}, qr/^\{"code":"(not found|invalid)"/, "$what: $p, a JSON error");
	}
}

subtest "install the previous version ($OLD) as the README says" => sub {
	(my $old = $OLD) =~ s{.*/}{/tmp/};
	root_ok("apt-get install -y -qq $old >/dev/null", 'apt install ./usersd_*.deb');
	root_ok('test "$(stat -c "%a %U %G" /etc/usersd/usersd.conf)" = "640 root usersd"',
	    'the configuration: 0640 root:usersd');
	root_ok('test "$(stat -c "%a %U %G" /run/usersd)" = "750 usersd www-data"',
	    '/run/usersd made by the tmpfiles line');
	root_ok('! runuser -u www-data -- cat /etc/usersd/usersd.conf 2>/dev/null' .
	    ' && ! runuser -u nobody -- cat /etc/usersd/usersd.conf 2>/dev/null',
	    'the web server user and nobody cannot read the configuration');
	root_ok('! runuser -u postgres -- psql -XAtq -d usersd -c "" 2>/dev/null',
	    'installing made no database');
	my $out = root_ok('usersd-db-setup', 'usersd-db-setup');
	like($out, qr/migration\(s\) applied/, 'it migrated');
	$out = root_ok('usersd-db-setup', 'usersd-db-setup again');
	like($out, qr/default: 0 migration\(s\) applied/, 'the second run changes nothing');
	$out = root_ok("printf '%s\\n' " . q_($PW) . ' | runuser -u usersd -- usersctl -c /etc/usersd/usersd.conf' .
	    ' setup --username admin --org myorg --bucket default', 'usersctl setup as usersd');
	# The admin's own setting, which an upgrade must keep.
	root_ok('echo "session_length = 61" >>/etc/usersd/usersd.conf', 'the admin edits the configuration');
	root_ok("sed -i 's/127.0.0.1:8086/127.0.0.1:$port/' /etc/nginx/sites-available/usersd" .
	    ' && ln -s ../sites-available/usersd /etc/nginx/sites-enabled/ && nginx -t 2>/dev/null && nginx -s reload',
	    'the nginx snippet enabled (on a free port), nginx reloaded');
	my $r = start_usersd();
	is($r->{status}, 200, '/health through nginx') or diag(`tail -20 $TMP/usersd.log`);
	like($r->{content}, qr/"status":\s*"pass"/, '/health passes');
	root_ok('test -S /run/usersd/usersd.sock && ! runuser -u nobody -- test -e /run/usersd/usersd.sock',
	    'the socket is out of reach of other users');
	$r = signin();
	is($r->{status}, 204, 'sign-in 204');
	like($r->{headers}{'set-cookie'} // '', qr/influxdb-oss-session=/, 'a session cookie');
	$r = $http->request('POST', "$base/api/v2/users",
	    { headers => { 'Content-Type' => 'application/json' }, content => 'x' x 200000 });
	is($r->{status}, 413, "nginx's own 413 for a body over its cap");
	like($r->{content}, qr/^\{"code":"request too large"/, 'its body: the JSON error page of /usr/share/usersd/errors');
};

subtest 'the installed unit: systemd-analyze verify and security' => sub {
	root_ok('systemd-analyze verify /lib/systemd/system/usersd.service', 'verify');
	my $out = root_ok('systemd-analyze security --offline=true /lib/systemd/system/usersd.service', 'security');
	my ($score) = $out =~ /Overall exposure level for usersd\.service: ([\d.]+)/;
	ok(defined $score && $score <= 2.0, "exposure $score <= 2.0 (the unit's comment says why not lower)");
};

subtest "upgrade to $VERSION: configuration and data kept, new migrations applied" => sub {
	stop_usersd();
	(my $new = $DEB) =~ s{.*/}{/tmp/};
	root_ok("apt-get install -y -qq $new >/dev/null", 'apt install ./usersd_*.deb (newer)');
	root_ok('grep -qx "session_length = 61" /etc/usersd/usersd.conf', "the admin's setting is kept");
	root_ok('test "$(stat -c "%a %U %G" /etc/usersd/usersd.conf)" = "640 root usersd"',
	    'the configuration is still 0640 root:usersd');
	my $out = root_ok('usersd-db-setup', 'usersd-db-setup after the upgrade');
	like($out, qr/default: $new_migrations migration\(s\) applied/, "it applies the $new_migrations new migration(s)");
	my $r = start_usersd();
	is($r->{status}, 200, '/health through nginx');
	is(signin()->{status}, 204, 'the same user signs in with the same password');
	$r = $http->get("$base/api/v2/setup");
	like($r->{content}, qr/"allowed":\s*false/, 'the instance is still set up');
	stop_usersd();
};

# The other snippets, in the root's running Apache and lighttpd: enabled
# by the README's command, moved to a free port as an admin moves them
# off 127.0.0.1:8086, and reloaded as their units reload them.
my $apache = 'http://127.0.0.1:' . free_port();
my $lighttpd = 'http://127.0.0.1:' . free_port();
sub port_of { (split /:/, $_[0])[2] }
# After a reload: until $url answers /health with 200, at most 10 s.
sub wait_health {
	my ($url) = @_;
	my $t = time + 10;
	sleep 0.1 while $http->get("$url/health")->{status} != 200 && time < $t;
}
subtest 'Apache (mod_proxy_fcgi) and lighttpd in front of the master, beside nginx' => sub {
	my $r = start_usersd();
	is($r->{status}, 200, 'the master runs');
	serves($base, 'nginx');
	root_ok("sed -i 's/127.0.0.1:8086/127.0.0.1:" . port_of($apache) . "/' /etc/apache2/conf-available/usersd.conf" .
	    ' && a2enconf -q usersd', 'a2enconf usersd');
	my $out = root_ok('apache2ctl -t', 'apache2ctl -t');
	unlike($out, qr/AH\d+/, 'without a warning');
	root_ok('apache2ctl graceful', "Apache reloaded (its unit's ExecReload)");
	wait_health($apache);
	serves($apache, 'Apache mod_proxy_fcgi');
	root_ok("sed -i 's/127.0.0.1:8086/127.0.0.1:" . port_of($lighttpd) . "/' /etc/lighttpd/conf-available/50-usersd.conf" .
	    ' && lighty-enable-mod usersd >/dev/null', 'lighty-enable-mod usersd');
	$out = root_ok('lighttpd -tt -f /etc/lighttpd/lighttpd.conf', 'lighttpd -tt');
	unlike($out, qr/WARNING|ERROR/, 'without a warning');
	root_ok('kill -USR1 $(cat /run/lighttpd.pid)', "lighttpd reloaded (its unit's ExecReload)");
	wait_health($lighttpd);
	serves($lighttpd, 'lighttpd');
	stop_usersd();
};

# mod_fcgid spawns usersd as Apache's user: www-data reads the
# configuration only once the admin adds it to the group usersd, and
# connects as its own PostgreSQL role (peer authentication).
subtest 'Apache mod_fcgid: usersd spawned as www-data' => sub {
	root_ok("sed -i 's/127.0.0.1:8086/127.0.0.1:" . port_of($apache) . "/' /etc/apache2/conf-available/usersd-fcgid.conf" .
	    ' && a2enconf -q usersd-fcgid', 'a2enconf usersd-fcgid');
	my ($rc, $out) = run(in_root('apache2ctl -t'));
	isnt($rc, 0, 'with usersd.conf enabled too, Apache refuses the configuration');
	like($out, qr/a2disconf usersd/, 'and says which to disable') or diag($out);
	root_ok('a2disconf -q usersd && apache2ctl graceful', 'a2disconf usersd; Apache reloaded');
	my $r = $http->get("$apache/health");
	is($r->{status}, 500, 'before the admin lets www-data read the configuration: 500');
	like($r->{content}, qr/^\{"code":"internal error"/, 'as JSON');
	root_ok('grep -q "/etc/usersd/usersd.conf: Permission denied" /var/log/apache2/error.log',
	    "Apache's error log says why");
	root_ok('adduser -q www-data usersd && usersd-db-setup www-data >/dev/null',
	    'adduser www-data usersd; usersd-db-setup www-data');
	root_ok('apache2ctl graceful', 'Apache reloaded');
	wait_health($apache);
	serves($apache, 'Apache mod_fcgid');
	# (ps in the root would list the host's processes too.)
	my %uid = map { $_ => (stat "/proc/$_")[4] } grep {
		(readlink("/proc/$_/root") // '') eq $R && `cat /proc/$_/comm 2>/dev/null` eq "usersd\n"
	} map { m{(\d+)$} } glob '/proc/[0-9]*';
	my ($www) = `grep '^www-data:' $R/etc/passwd` =~ /^www-data:[^:]*:(\d+):/;
	ok(%uid && !grep({ $_ != $www } values %uid), 'usersd runs as www-data: ' . join(' ', sort values %uid));
	root_ok('test "$(stat -c "%a %U %G" /run/usersd-fcgid)" = "750 www-data www-data"' .
	    ' && ls /run/usersd-fcgid | grep -q "^usersd-.*\.lock$"',
	    "its run_dir, with the sign-in's hash slots: /run/usersd-fcgid, made by the tmpfiles line");
	root_ok('! runuser -u nobody -- cat /etc/usersd/usersd.conf 2>/dev/null',
	    'nobody still cannot read the configuration');
	# A role only for an OS user (peer authentication), never SQL text.
	($rc, $out) = run(in_root(q{usersd-db-setup "x'; DROP DATABASE usersd; --"}));
	isnt($rc, 0, 'usersd-db-setup refuses a name that is no OS user') or diag($out);
	like($out, qr/no such user/, 'and says so');
	is($http->get("$apache/health")->{status}, 200, 'the database is still there');
};

subtest 'remove keeps the configuration and the database; purge leaves nothing of the package' => sub {
	root_ok('apt-get remove -y -qq usersd >/dev/null', 'apt remove');
	root_ok('! test -e /usr/sbin/usersd && test -f /etc/usersd/usersd.conf', 'programs gone, configuration kept');
	# Apache's helper disables the Apache snippet; the others stay
	# enabled (conffiles) and must not break their server.
	root_ok('! test -e /etc/apache2/conf-enabled/usersd-fcgid.conf && apache2ctl -t 2>/dev/null',
	    'the mod_fcgid snippet disabled, Apache still loads its configuration');
	root_ok('test -L /etc/lighttpd/conf-enabled/50-usersd.conf && lighttpd -tt -f /etc/lighttpd/lighttpd.conf',
	    'lighttpd still loads its configuration, the snippet enabled');
	my $users = 'runuser -u postgres -- psql -XAtq -d usersd -c "SELECT count(*) FROM users"';
	is((root_ok($users, 'the database answers'))[0], "1\n", 'its user is there');
	root_ok('apt-get purge -y -qq usersd >/dev/null', 'apt purge');
	is((root_ok($users, 'the database answers after the purge'))[0], "1\n", 'its user is still there');
	root_ok('! test -e /etc/usersd && ! test -e /run/usersd && ! test -e /run/usersd-fcgid',
	    'configuration and runtime directories are gone');
	root_ok('! test -L /etc/nginx/sites-enabled/usersd && ! test -L /etc/apache2/conf-enabled/usersd-fcgid.conf' .
	    ' && ! test -L /etc/lighttpd/conf-enabled/50-usersd.conf', 'the enabling links are gone');
	root_ok('nginx -t 2>/dev/null', 'nginx still loads its configuration');
	root_ok('apache2ctl -t 2>/dev/null', 'Apache too');
	root_ok('lighttpd -tt -f /etc/lighttpd/lighttpd.conf', 'lighttpd too');
	my %after = files();
	# Not the package's: the modules lighty-enable-mod enabled for the
	# snippet (lighttpd's, and other sites may use them), Apache's own
	# directories of what a2enconf records.
	my ($deps) = `cat build/deb/src/debian/snippets/lighttpd/50-usersd.conf` =~ /# -\*- depends: ([-\w, ]+) -\*-/;
	my %theirs = map { $_ => 1 } (map { glob("$R/etc/lighttpd/conf-enabled/*-$_.conf") } split /,\s*/, $deps // ''),
	    map { "$R/var/lib/apache2/conf/$_" } qw(enabled_by_admin disabled_by_admin disabled_by_maint);
	my @left = grep { !$before{$_} && !$theirs{$R . substr($_, 1)} } sort keys %after;
	is_deeply(\@left, [], 'no file of the package is left') or diag(join("\n", @left));
};

diag(sprintf('t0100-package: %.0f s', time - $T0));
done_testing;
