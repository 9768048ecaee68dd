# TestLib.pm -- helpers for the cgi and integration test tiers.
#
#   my $t = TestLib->new;              # fresh database from usersd_template
#   my $r = $t->cgi(method => 'GET', path => '/health');
#   is($r->{status}, 200);
#   my ($rc, $out, $err) = $t->ctl('user', 'list');   # usersctl on $t
#   my $s = TestLib::Server->start(kind => 'nginx', t => $t, workers => 2);
#   $r = $s->request('GET', '/health');
#
# Result hashes (cgi, request, raw) all look alike:
#   { status, headers => { lc name => first value }, all_headers => [[lc name, value], ...],
#     body, json (decoded body or undef), stderr (cgi only) }
#
# Environment: USERSD_TEST_PGHOST (socket dir of the run's cluster, set by
# tests/run.sh), USERSD_TEST_PGPORT, USERSD_BIN, USERSCTL_BIN,
# REQUIRE_INTEGRATION=1 (a test that cannot run fails instead of skipping),
# USERSD_TEST_KEEP=1 (keep databases and run dirs for a post-mortem),
# USERSD_RUN_DIR (the directory this file makes its own run dir in; /tmp),
# USERSD_TEST_HOSTED=1 (each TestLib->new makes a hosted instance, a schema
# of the database usersd_hosting that tests/run.sh makes, instead of a
# database: the "hosted" tier runs the cgi files in that layout).
#
# Perl core modules only.
package TestLib;

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname basename);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::UNIX;
use IPC::Open3 qw(open3);
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Symbol qw(gensym);
use Test::More;
use Time::HiRes qw(time sleep);

our $ROOT = abs_path(dirname(__FILE__) . '/../..');
our $BIN = $ENV{USERSD_BIN} // "$ROOT/build/usersd";
our $CTL = $ENV{USERSCTL_BIN} // "$ROOT/build/usersctl";
our $PGSH = "$ROOT/tests/lib/pg.sh";
# psql itself, not Debian's /usr/bin/psql (pg_wrapper, a Perl script that
# picks a cluster first, 5 times psql's own start-up): tests run it
# hundreds of times.
our $PSQL = do {
	my $dir = `pg_config --bindir 2>/dev/null` // '';
	chomp $dir;
	length $dir && -x "$dir/psql" ? "$dir/psql" : 'psql';
};
our $JSON = JSON::PP->new->utf8->canonical;
$BIN = abs_path($BIN) // $BIN if -e $BIN;

# Cleanup only in the process that created things: tests fork helpers,
# and END blocks run in every child that exits through perl.
my $OWNER = $$;
my (@DBS, @CLUSTERS, @SERVERS, @SERVED);
my $NEW_COUNT = 0;	# databases made by this process (TestLib->new)

# Killed (the harness's timeout sends SIGTERM), or cut off (a harness that
# stopped reading, after another file's bail-out, leaves SIGPIPE): exit
# through END all the same, so the servers and daemons this file started
# (web servers, slapd, Patroni) stop with it.  A forked helper dies of the
# signal, as it would have.
for my $sig (qw(TERM PIPE)) {
	$SIG{$sig} = sub {
		exit($sig eq 'TERM' ? 143 : 141) if $$ == $OWNER;
		$SIG{$sig} = 'DEFAULT';
		kill $sig, $$;
	};
}

# A run directory of this file's own (the hash slots' lock files, the
# metrics file), under the run's (tests/run.sh) or /tmp: files that run at
# once (prove -j) must not take each other's hash slots.  Every usersd this
# file starts gets it.  Mode 0777: usersd runs as www-data under mod_fcgid.
$ENV{USERSD_RUN_DIR} = tempdir(basename($0, '.t') . '-XXXXXX',
    DIR => $ENV{USERSD_RUN_DIR} // '/tmp', CLEANUP => !$ENV{USERSD_TEST_KEEP});
chmod 0777, $ENV{USERSD_RUN_DIR};

# The answer to "this test cannot run here": skip on a laptop, fail in CI.
# Call before any test has run.
sub cannot_run {
	my ($why) = @_;
	if ($ENV{REQUIRE_INTEGRATION}) {
		fail("cannot run (REQUIRE_INTEGRATION=1): $why");
		done_testing();
		exit 1;
	}
	plan skip_all => "SKIPPED: $why";
}

# Run a command; return (exit status, stdout+stderr).
sub _run { return _run_input(undef, @_) }

# The same, with $input on its standard input.
sub _run_input {
	my ($input, @cmd) = @_;
	my $pid = open3(my $in, my $out, undef, @cmd);
	print $in $input if defined $input;
	close $in;
	local $/;
	my $text = <$out> // '';
	waitpid($pid, 0);
	return ($? >> 8, $text);
}

# TestLib->new(%opts): a fresh database for this test file.
#   cluster => 'own'  start a private cluster (for tests that stop
#                     PostgreSQL) and migrate it with usersctl.
#   cluster => 'pair' the same, plus a synchronous streaming standby of it
#                     (tests/lib/pg.sh standby/sync): primary in DIR/a,
#                     standby in DIR/b.  conninfo names both hosts, the
#                     standby first and no target_session_attrs (usersd
#                     must find the primary itself); admin_conninfo (psql)
#                     asks libpq for the read-write one.
#   hosted_closed => 1 (the hosted tier) leave onboarding over HTTP closed,
#                     as usersctl instance create does by default.
#   server => { host => 'H1,H2', port => 'P1,P2' }
#                     a server this file started itself (tests/lib/HA.pm:
#                     Patroni nodes), named by a multi-host conninfo: the
#                     database is made and migrated on its read-write host;
#                     its nodes are the caller's to stop.
sub new {
	my ($class, %o) = @_;
	my $self = bless { %o }, $class;
	-x $BIN or cannot_run("no usersd binary at $BIN (run make)");
	(my $name = basename($0)) =~ s/\.t$//;
	$name =~ s/[^a-z0-9]+/_/gi;
	# One test file may make several databases: the 2nd gets "_2" ...
	my $nth = ++$NEW_COUNT;
	$self->{dbname} = lc("t_${name}_$$" . ($nth > 1 ? "_$nth" : ''));
	if (($o{cluster} // '') eq 'own' || ($o{cluster} // '') eq 'pair') {
		$self->_own_cluster;
	} elsif ($o{server}) {
		$self->_given_server;
	} elsif ($ENV{USERSD_TEST_HOSTED}) {
		return $self->_hosted_instance($name, $nth);
	} else {
		my $host = $ENV{USERSD_TEST_PGHOST}
		    or cannot_run('USERSD_TEST_PGHOST is not set (run tests through tests/run.sh / make check)');
		$self->{pghost} = $host;
		$self->{pgport} = $ENV{USERSD_TEST_PGPORT} // 5432;
		$self->_admin_sql(qq{CREATE DATABASE "$self->{dbname}" TEMPLATE usersd_template})
		    or cannot_run("cannot create a database from usersd_template in $host");
	}
	push @DBS, $self;
	$self->{admin_conninfo} = "host=$self->{pghost} port=$self->{pgport} "
	    . "dbname=$self->{dbname} user=postgres";
	$self->_standby if ($o{cluster} // '') eq 'pair';
	# usersd and usersctl connect as the service role, as deployed: what
	# proves its grants suffice.  psql helpers stay the superuser.
	my ($svc) = $self->psql(q{SELECT usersd_role('service')});
	$self->{service_role} = $svc->[0] or die 'no service role in the template';
	($self->{conninfo} = $self->{admin_conninfo}) =~ s/user=postgres/user=$svc->[0]/;
	$self->{conninfo} = "host=$self->{standby_dir},$self->{pgdir} port=5432,5432 "
	    . "dbname=$self->{dbname} user=$svc->[0]" if $self->{standby_dir};
	$self->{admin_conninfo} .= ' target_session_attrs=read-write' if $o{server};
	return $self;
}

# A hosted instance: a schema of usersd_hosting, made and later dropped with
# usersctl.  usersd connects as the hosting role, which usersctl makes a
# member of the instance's service role; psql (admin_conninfo) sees the
# schema through its search_path.  USERSD_HOSTING and USERSD_INSTANCE stay
# in the environment, so a test's own usersctl runs reach the instance.
sub _hosted_instance {
	my ($self, $name, $nth) = @_;
	my $host = $ENV{USERSD_TEST_PGHOST}
	    or cannot_run('USERSD_TEST_PGHOST is not set (run tests through tests/run.sh / make check)');
	my $port = $ENV{USERSD_TEST_PGPORT} // 5432;
	my $role = $ENV{USERSD_TEST_HOSTING_ROLE} // 'usersd_test_hosting';
	$self->{hosted} = substr(lc("h${nth}_$$" . "_$name"), 0, 39);
	$self->{hosted} =~ s/[^a-z0-9_]/_/g;
	$self->{pghost} = $host;
	$self->{pgport} = $port;
	my $ci = "host=$host port=$port dbname=usersd_hosting";
	my ($rc, $out);
	{
		local $ENV{USERSD_HOSTING} = "$ci user=postgres";
		local $ENV{USERSD_HOSTING_ROLE} = $role;
		# --open-setup: the files onboard over HTTP, as on a database
		# instance (a hosted one is closed to it by default: t0447,
		# with hosted_closed => 1).
		($rc, $out) = _run($CTL, 'instance', 'create', $self->{hosted},
		    $self->{hosted_closed} ? () : '--open-setup');
	}
	$rc == 0 or cannot_run("usersctl instance create failed: $out");
	push @DBS, $self;
	$self->{admin_conninfo} = "$ci user=postgres options='-c search_path=$self->{hosted}'";
	$self->{conninfo} = "$ci user=$role";
	$self->{service_role} = "$self->{hosted}_service";
	$ENV{USERSD_HOSTING} = $self->{conninfo};
	$ENV{USERSD_INSTANCE} = $self->{hosted};
	return $self;
}

# The standby of cluster => 'pair', streaming from the migrated primary,
# then made synchronous.
sub _standby {
	my ($self) = @_;
	(my $b = $self->{pgdir}) =~ s{/a$}{/b};
	my ($rc, $out) = _run($PGSH, 'standby', $b, $self->{pgdir});
	$rc == 0 or cannot_run("cannot start a standby in $b: $out");
	push @CLUSTERS, $b;
	($rc, $out) = _run($PGSH, 'sync', $self->{pgdir}, 'b');
	$rc == 0 or cannot_run("the standby does not become synchronous: $out");
	$self->{standby_dir} = $b;
	$self->{admin_conninfo} = "host=$self->{pgdir},$b port=5432,5432 "
	    . "dbname=$self->{dbname} user=postgres target_session_attrs=read-write";
}

sub primary_dir { $_[0]{pgdir} }
sub standby_dir { $_[0]{standby_dir} }

# $t->pg_node(COMMAND, DIR): tests/lib/pg.sh COMMAND DIR (start, stop,
# crash, promote, ...); dies when it fails.
sub pg_node {
	my ($self, $cmd, @args) = @_;
	my ($rc, $out) = _run($PGSH, $cmd, @args);
	$rc == 0 or die "pg.sh $cmd @args: $out";
}

# $t->psql_at(DIR, SQL): like psql, on the server in DIR (either node).
sub psql_at {
	my ($self, $dir, $sql) = @_;
	local $self->{admin_conninfo} = "host=$dir port=5432 dbname=$self->{dbname} user=postgres";
	return $self->psql($sql);
}

# The conninfo usersd uses (the service role); admin_conninfo: postgres.
sub conninfo { $_[0]{conninfo} }
sub admin_conninfo { $_[0]{admin_conninfo} }
sub service_role { $_[0]{service_role} }

# psql_as($role, $sql) -> (exit status, output): as another role, for
# privilege tests.
sub psql_as {
	my ($self, $role, $sql) = @_;
	(my $ci = $self->{admin_conninfo}) =~ s/user=postgres/user=$role/;
	return _run($PSQL, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $ci,
	    '-c', $sql);
}

# A private cluster in a /tmp directory reachable by postgres and www-data.
sub _own_cluster {
	my ($self) = @_;
	my $dir = tempdir('usersd-pg-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{USERSD_TEST_KEEP});
	chmod 0755, $dir;
	$self->{pgdir} = ($self->{cluster} // '') eq 'pair' ? "$dir/a" : "$dir/pg";
	my ($rc, $out) = _run($PGSH, 'start', $self->{pgdir});
	$rc == 0 or cannot_run("cannot start PostgreSQL in $self->{pgdir}: $out");
	push @CLUSTERS, $self->{pgdir};
	$self->{pghost} = $self->{pgdir};
	$self->{pgport} = 5432;
	$self->_admin_sql(qq{CREATE DATABASE "$self->{dbname}"}) or die "create database failed";
	local $ENV{USERSD_DB} = "host=$self->{pghost} port=5432 dbname=$self->{dbname} user=postgres";
	($rc, $out) = _run($CTL, 'migrate');
	$rc == 0 or cannot_run("usersctl migrate failed: $out");
}

# The database on a server the caller runs (server => {host, port}), made
# on its read-write host and migrated.
sub _given_server {
	my ($self) = @_;
	$self->{pghost} = $self->{server}{host};
	$self->{pgport} = $self->{server}{port};
	$self->{external} = 1;	# dropped with its nodes, by their owner
	$self->_admin_sql(qq{CREATE DATABASE "$self->{dbname}"})
	    or cannot_run("cannot create a database on $self->{pghost}");
	local $ENV{USERSD_DB} = "host=$self->{pghost} port=$self->{pgport} "
	    . "dbname=$self->{dbname} user=postgres target_session_attrs=read-write";
	my ($rc, $out) = _run($CTL, 'migrate');
	$rc == 0 or cannot_run("usersctl migrate failed: $out");
}

# Stop/start the private cluster (cluster => 'own' only).
sub pg_stop {
	my ($self) = @_;
	my ($rc, $out) = _run($PGSH, 'stop', $self->{pgdir});
	$rc == 0 or die "pg stop: $out";
}

sub pg_start {
	my ($self) = @_;
	my ($rc, $out) = _run($PGSH, 'start', $self->{pgdir});
	$rc == 0 or die "pg start: $out";
}

sub _admin_sql {
	my ($self, $sql) = @_;
	my ($rc, $out) = _run($PSQL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d',
	    "host=$self->{pghost} port=$self->{pgport} user=postgres dbname=postgres"
	    . ' target_session_attrs=read-write', '-c', $sql);
	diag("psql: $out") if $rc != 0;
	return $rc == 0;
}

# within($secs, sub { ... }): polls the condition every 50 ms until it is
# true (returns 1) or $secs pass (returns 0).
sub within {
	my ($secs, $cond) = @_;
	my $until = Time::HiRes::time() + $secs;
	until ($cond->()) {
		return 0 if Time::HiRes::time() > $until;
		Time::HiRes::sleep(0.05);
	}
	return 1;
}

# $t->psql($sql): rows of the last statement as arrayrefs (psql -At).
# Dies on an SQL error.
sub psql {
	my ($self, $sql) = @_;
	my $pid = open3(my $in, my $out, my $err = gensym, $PSQL, '-X', '-A', '-t',
	    '-q', '-v', 'ON_ERROR_STOP=1', '-F', "\x1f", '-d', $self->{admin_conninfo});
	print $in $sql;
	close $in;
	my @lines = <$out>;
	my $errtext = do { local $/; <$err> } // '';
	waitpid($pid, 0);
	die "psql failed: $errtext" if $?;
	chomp @lines;
	return map { [ split /\x1f/, $_, -1 ] } @lines;
}

# Parse "Name: value" lines into the common result shape.
sub _parse_headers {
	my ($res, $head) = @_;
	$res->{headers} = {};
	$res->{all_headers} = [];
	for my $line (split /\r?\n/, $head) {
		next unless $line =~ /^([^:\s]+):\s*(.*?)\s*$/;
		my ($n, $v) = (lc $1, $2);
		push @{ $res->{all_headers} }, [ $n, $v ];
		$res->{headers}{$n} //= $v;
	}
}

sub _decode_json {
	my ($res) = @_;
	$res->{json} = undef;
	if (length($res->{body} // '') && ($res->{headers}{'content-type'} // '') =~ /json/) {
		$res->{json} = eval { $JSON->decode($res->{body}) };
	}
	return $res;
}

# All values of one header (e.g. set-cookie) from a result hash.
sub header_all {
	my ($res, $name) = @_;
	return map { $_->[1] } grep { $_->[0] eq lc $name } @{ $res->{all_headers} };
}

# $t->cgi(%req): run usersd as a CGI program and parse its response.
#   method, path, query, headers => {Name => value}, body, env => {VAR => value|undef},
#   timeout (default 30 s: a loaded machine hashes slowly)
# A crash, a timeout or a sanitizer report is a test failure of its own.
sub cgi {
	my ($self, %r) = @_;
	my $method = $r{method} // 'GET';
	my $path = $r{path} // '/';
	my $body = $r{body};
	my $uri = $path . (defined $r{query} && length $r{query} ? "?$r{query}" : '');

	# Start from a clean slate: nothing USERSD_*, PG* or HTTP_* leaks in
	# from the caller's environment.
	my %env = map { $_ => $ENV{$_} }
	    grep { !/^(USERSD_|PG|HTTP_|CONTENT_|REQUEST_|QUERY_|HTTPS$)/ } keys %ENV;
	%env = (%env,
	    GATEWAY_INTERFACE => 'CGI/1.1',
	    SERVER_PROTOCOL => 'HTTP/1.1',
	    SERVER_SOFTWARE => 'TestLib',
	    SERVER_NAME => 'localhost',
	    SERVER_PORT => '80',
	    REMOTE_ADDR => '127.0.0.1',
	    REMOTE_PORT => '40000',
	    REQUEST_METHOD => $method,
	    REQUEST_URI => $uri,
	    SCRIPT_NAME => '',
	    PATH_INFO => $path,
	    QUERY_STRING => $r{query} // '',
	    USERSD_DB => $self->{conninfo},
	    $self->{hosted} ? (USERSD_HOSTING => $self->{conninfo},
		USERSD_INSTANCE => $self->{hosted}) : (),
	);
	# This file's own hash-slot directory (above), so files run at once
	# do not throttle each other's sign-ins.
	$env{USERSD_RUN_DIR} = $ENV{USERSD_RUN_DIR};
	$env{CONTENT_LENGTH} = length($body) if defined $body;
	while (my ($k, $v) = each %{ $r{headers} // {} }) {
		if (lc $k eq 'content-type') {
			$env{CONTENT_TYPE} = $v;
		} elsif (lc $k eq 'content-length') {
			$env{CONTENT_LENGTH} = $v;
		} else {
			(my $n = uc $k) =~ tr/-/_/;
			$env{"HTTP_$n"} = $v;
		}
	}
	while (my ($k, $v) = each %{ $r{env} // {} }) {
		if (defined $v) { $env{$k} = $v } else { delete $env{$k} }
	}
	return $self->_served(\%env, $method, $uri, $body, $r{timeout} // 30)
	    if $self->{served};

	my ($out, $err) = ('', '');
	my $timeout = $r{timeout} // 30;
	my $pid;
	{
		local %ENV = %env;
		local $SIG{PIPE} = 'IGNORE';
		$pid = open3(my $in, my $o, my $e = gensym, $BIN);
		# Write the body and read both outputs together: a large body
		# or a large answer must not deadlock on a full pipe.
		my $pending = $body // '';
		my $sel_w = IO::Select->new;
		if (length $pending) { $sel_w->add($in) } else { close $in }
		my $sel_r = IO::Select->new($o, $e);
		my $deadline = time + $timeout;
		while ($sel_r->count || $sel_w->count) {
			my $left = $deadline - time;
			last if $left <= 0;
			my ($rd, $wr) = IO::Select->select($sel_r, $sel_w, undef, $left);
			for my $fh (@{ $wr // [] }) {
				my $n = syswrite($fh, $pending, 65536);
				if (!defined $n) { $sel_w->remove($fh); close $fh; next }
				substr($pending, 0, $n, '');
				if (!length $pending) { $sel_w->remove($fh); close $fh }
			}
			for my $fh (@{ $rd // [] }) {
				my $n = sysread($fh, my $buf, 65536);
				if (!$n) { $sel_r->remove($fh); next }
				if ($fh == $o) { $out .= $buf } else { $err .= $buf }
			}
		}
		if ($sel_r->count || $sel_w->count) {
			kill 'KILL', $pid;
			waitpid($pid, 0);
			fail("$method $uri: usersd did not finish within ${timeout}s");
			return { status => 0, headers => {}, all_headers => [],
			    body => '', json => undef, stdout => $out, stderr => $err,
			    timeout => 1 };
		}
		waitpid($pid, 0);
	}
	my $wstat = $?;
	my $res = { stdout => $out, stderr => $err, exit => $wstat >> 8,
	    signal => $wstat & 127 };
	# One failure (and one copy of stderr) per broken run.
	if (!_sanitizer_check("$method $uri", $err) && $res->{signal}) {
		fail("$method $uri: usersd died of signal $res->{signal}");
		diag($err);
	}

	return _cgi_response($res, $out);
}

# A CGI response (headers, a blank line, the body) into $res.
sub _cgi_response {
	my ($res, $out) = @_;
	my ($head, $rest) = split /\r?\n\r?\n/, $out, 2;
	_parse_headers($res, $head // '');
	$res->{body} = $rest // '';
	$res->{status} = ($res->{headers}{status} // '200') =~ /^(\d{3})/ ? $1 : 0;
	return _decode_json($res);
}

# $t->serve: from now on $t->cgi sends each request to one long-lived
# usersd FastCGI worker (a master with --workers 1 on a unix socket in the
# file's run directory), with the very parameters it would have had as
# CGI environment: the production loop, without a process and a database
# connection per request (the permission matrix makes about 1,700).  The
# configuration is the master's, so a request may not bring settings of
# its own (USERSD_* other than USERSD_INSTANCE): cgi dies if one does.
# $t->serve_end: stops it, as a test: no sanitizer report in its log, and
# the worker served every request (none died).
sub serve {
	my ($self) = @_;
	my $dir = tempdir('served-XXXXXX', DIR => $ENV{USERSD_RUN_DIR} // '/tmp',
	    CLEANUP => !$ENV{USERSD_TEST_KEEP});
	chmod 0755, $dir;
	my %env = map { $_ => $ENV{$_} } grep { !/^(USERSD_|PG)/ } keys %ENV;
	my %conf = (USERSD_DB => $self->{conninfo}, USERSD_RUN_DIR => $dir,
	    $self->{hosted} ? (USERSD_HOSTING => $self->{conninfo}) : ());
	my $sock = "$dir/usersd.sock";
	my $pid = TestLib::Server::_spawn("$dir/usersd.log", { %env, %conf },
	    $BIN, '--listen', "unix:$sock", '--workers', 1);
	my $until = time + 10;
	sleep 0.05 until -S $sock || time > $until || waitpid($pid, WNOHANG) > 0;
	-S $sock or die "the served usersd did not create $sock:\n" . _slurp("$dir/usersd.log");
	$self->{served} = { pid => $pid, socket => $sock, log => "$dir/usersd.log",
	    conf => \%conf, dir => $dir };
	push @SERVED, $self;
	return $self;
}

sub serve_end {
	my ($self) = @_;
	my $s = delete $self->{served} or return;
	my $took = TestLib::Server::_terminate($s->{pid}, 10);
	my $log = _slurp($s->{log});
	_sanitizer_check('the served worker', $log) or pass('the served worker: no sanitizer report');
	unlike($log, qr/worker \d+ exited/, 'the served worker never died') or diag($log);
}

sub _slurp { open my $f, '<', $_[0] or return ''; local $/; return <$f> // '' }

# One FastCGI request (the responder role, one connection each) carrying
# %$env as its parameters and $body as its input.
sub _served {
	my ($self, $env, $method, $uri, $body, $timeout) = @_;
	my $s = $self->{served};
	for my $k (grep { /^USERSD_/ && $_ ne 'USERSD_INSTANCE' } keys %$env) {
		next if ($s->{conf}{$k} // '') eq $env->{$k} || $k eq 'USERSD_RUN_DIR';
		die "$method $uri: a served request cannot set $k (the master's settings hold)";
	}
	my %params = map { $_ => $env->{$_} }
	    grep { !/^USERSD_/ || $_ eq 'USERSD_INSTANCE' } keys %$env;
	my $nv = '';
	for my $k (sort keys %params) {
		my $v = $params{$k} // '';
		$nv .= _fcgi_len(length $k) . _fcgi_len(length $v) . $k . $v;
	}
	my $req = _fcgi_record(1, pack('nCx5', 1, 0));		# BEGIN_REQUEST, responder
	$req .= _fcgi_record(4, substr($nv, $_ * 65535, 65535)) for 0 .. int((length($nv) - 1) / 65535);
	$req .= _fcgi_record(4, '');
	my $in = $body // '';
	$req .= _fcgi_record(5, substr($in, $_ * 65535, 65535)) for 0 .. int((length($in) - 1) / 65535);
	$req .= _fcgi_record(5, '');
	my $sock = IO::Socket::UNIX->new(Peer => $s->{socket}, Type => IO::Socket::UNIX::SOCK_STREAM())
	    or die "connect $s->{socket}: $!";
	local $SIG{PIPE} = 'IGNORE';
	my ($buf, $out, $err, $done) = ('', '', '', 0);
	my $sel = IO::Select->new($sock);
	my $deadline = time + $timeout;
	while (length $req && (my $left = $deadline - time) > 0) {
		last unless IO::Select->select(undef, $sel, undef, $left);
		my $n = syswrite($sock, $req, 65536) // last;
		substr($req, 0, $n, '');
	}
	while (!$done && (my $left = $deadline - time) > 0) {
		last unless $sel->can_read($left);
		my $n = sysread($sock, $buf, 65536, length $buf);
		last unless $n;
		while (length($buf) >= 8) {
			my ($type, $len, $pad) = (unpack('CCnnCx', $buf))[1, 3, 4];
			last if length($buf) < 8 + $len + $pad;
			my $content = substr($buf, 8, $len);
			substr($buf, 0, 8 + $len + $pad, '');
			if ($type == 6) { $out .= $content }
			elsif ($type == 7) { $err .= $content }
			elsif ($type == 3) { $done = 1 }
		}
	}
	close $sock;
	my $res = { stdout => $out, stderr => $err, exit => 0, signal => 0 };
	if (!$done) {
		fail("$method $uri: the served worker gave no complete answer within ${timeout}s");
		diag(_slurp($s->{log}));
		return { %$res, status => 0, headers => {}, all_headers => [], body => '',
		    json => undef, timeout => 1 };
	}
	_sanitizer_check("$method $uri", $err);
	return _cgi_response($res, $out);
}

sub _fcgi_len { $_[0] < 128 ? pack('C', $_[0]) : pack('N', $_[0] | 0x80000000) }
sub _fcgi_record {
	my ($type, $content) = @_;
	my $pad = (8 - length($content) % 8) % 8;
	return pack('CCnnCx', 1, $type, 1, length $content, $pad) . $content . ("\0" x $pad);
}

sub _sanitizer_check {
	my ($what, $err) = @_;
	return 0 unless $err =~ /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/;
	fail("$what: sanitizer report");
	diag($err);
	return 1;
}

# $t->setup(%args): POST /api/v2/setup; returns {token, user_id, org_id, res}.
sub setup {
	my ($self, %a) = @_;
	my %body = (
	    username => $a{username} // 'admin',
	    password => $a{password} // 'adminpass1',
	    org => $a{org} // 'o',
	    bucket => $a{bucket} // 'b',
	);
	$body{token} = $a{token} if defined $a{token};
	my $res = $self->cgi(method => 'POST', path => '/api/v2/setup',
	    headers => { 'Content-Type' => 'application/json' },
	    body => $JSON->encode(\%body), env => $a{env});
	my $j = $res->{json} // {};
	return {
		res => $res,
		token => $j->{auth} ? $j->{auth}{token} : undef,
		user_id => $j->{user} ? $j->{user}{id} : undef,
		org_id => $j->{org} ? $j->{org}{id} : undef,
	};
}

# $t->ctl(ARGS...) or $t->ctl({ stdin => TEXT, env => {VAR => value|undef},
#     timeout => S }, ARGS...): usersctl ARGS on this file's instance, as an
# admin's shell would run it: USERSD_DB (the database layout) or
# USERSD_HOSTING and USERSD_INSTANCE (the hosted one) name it, nothing
# else USERSD_* or PG* comes from the caller's environment, env adds to
# or removes from that (another database, PGOPTIONS, a hosting role),
# stdin is TEXT (else empty: no terminal), timeout 60 s.  Returns (exit
# status, stdout, stderr).  A death by a signal, a sanitizer report or a
# timeout is a failed test of its own.  $t->ctl_env(VAR => value, ...)
# sets variables for every later ctl of $t (a file's LDAP timeout).
sub ctl {
	my ($self, @args) = @_;
	my %opt = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
	my %env = map { $_ => $ENV{$_} } grep { !/^(USERSD_|PG)/ } keys %ENV;
	%env = (%env, USERSD_RUN_DIR => $ENV{USERSD_RUN_DIR},
	    $self->{hosted} ? (USERSD_HOSTING => $self->{conninfo},
		USERSD_INSTANCE => $self->{hosted})
	    : (USERSD_DB => $self->{conninfo}));
	my %set = (%{ $self->{ctl_env} // {} }, %{ $opt{env} // {} });
	while (my ($k, $v) = each %set) {
		if (defined $v) { $env{$k} = $v } else { delete $env{$k} }
	}
	my ($out, $err, $pid, $late) = ('', '');
	{
		local %ENV = %env;
		local $SIG{PIPE} = 'IGNORE';
		$pid = open3(my $in, my $so, my $se = gensym, $CTL, @args);
		print $in $opt{stdin} if defined $opt{stdin};
		close $in;
		# Both outputs at once: a long one must not fill its pipe.
		my $sel = IO::Select->new($so, $se);
		my $deadline = time + ($opt{timeout} // 60);
		while ($sel->count && (my $left = $deadline - time) > 0) {
			for my $fh ($sel->can_read($left)) {
				my $n = sysread($fh, my $buf, 65536);
				if (!$n) { $sel->remove($fh); next }
				if ($fh == $so) { $out .= $buf } else { $err .= $buf }
			}
		}
		if ($late = $sel->count) {
			kill 'KILL', $pid;
			fail("usersctl @args: did not finish within " . ($opt{timeout} // 60) . 's');
		}
		waitpid($pid, 0);
	}
	my $wstat = $?;
	if (!_sanitizer_check("usersctl @args", $err) && ($wstat & 127) && !$late) {
		fail("usersctl @args: died of signal " . ($wstat & 127));
		diag($err);
	}
	return ($wstat >> 8, $out, $err);
}

sub ctl_env { my ($self, %v) = @_; $self->{ctl_env} = { %{ $self->{ctl_env} // {} }, %v } }

sub json_encode { $JSON->encode($_[1]) }

# The SQL an instance's owner role ($own, of schema $sch) runs to try to
# become a superuser through whoever next reads its ledger usersd_schema
# (usersctl migrate does, as a superuser): the ledger becomes a view over
# a function that leaves any SET ROLE (RESET ROLE, RESET SESSION
# AUTHORIZATION), makes $own a superuser if it then is one, and records
# the role it ran as in $sch.t_escalation.  plant_undo puts it back.
sub plant_escalation {
	my ($sch, $own) = @_;
	return qq{BEGIN; SET LOCAL ROLE "$own";
	    CREATE TABLE "$sch".t_escalation (ran_as text);
	    ALTER TABLE "$sch".usersd_schema RENAME TO usersd_schema_t;
	    CREATE FUNCTION "$sch".t_escalate() RETURNS SETOF "$sch".usersd_schema_t
	    LANGUAGE plpgsql AS \$\$
	    BEGIN
		BEGIN EXECUTE 'RESET ROLE'; EXCEPTION WHEN OTHERS THEN NULL; END;
		BEGIN EXECUTE 'RESET SESSION AUTHORIZATION'; EXCEPTION WHEN OTHERS THEN NULL; END;
		INSERT INTO "$sch".t_escalation VALUES (current_user);
		IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		    EXECUTE 'ALTER ROLE "$own" SUPERUSER';
		END IF;
		RETURN QUERY SELECT * FROM "$sch".usersd_schema_t;
	    END \$\$;
	    GRANT ALL ON "$sch".t_escalation TO PUBLIC;
	    CREATE VIEW "$sch".usersd_schema AS SELECT * FROM "$sch".t_escalate();
	    COMMIT};
}
sub plant_undo {
	my ($sch, $own) = @_;
	return qq{BEGIN; SET LOCAL ROLE "$own";
	    DROP VIEW "$sch".usersd_schema; DROP FUNCTION "$sch".t_escalate();
	    DROP TABLE "$sch".t_escalation;
	    ALTER TABLE "$sch".usersd_schema_t RENAME TO usersd_schema; COMMIT};
}

END {
	my $rc = $?;
	if ($$ == $OWNER) {
		$_->stop for grep { $_->{running} } @SERVERS;
		TestLib::Server::_terminate($_->{served}{pid}, 5) for grep { $_->{served} } @SERVED;
		unless ($ENV{USERSD_TEST_KEEP}) {
			for my $t (@DBS) {
				next if $t->{pgdir} || $t->{external};	# removed whole
				if ($t->{hosted}) {
					local $ENV{USERSD_HOSTING} = "host=$t->{pghost} port=$t->{pgport} dbname=usersd_hosting user=postgres";
					my ($rc, $out) = _run($CTL, 'instance', 'drop', $t->{hosted});
					print STDERR "usersctl instance drop: $out" if $rc;
					next;
				}
				$t->_admin_sql(qq{DROP DATABASE IF EXISTS "$t->{dbname}" WITH (FORCE)});
			}
		}
		_run($PGSH, 'stop', $_) for @CLUSTERS;
	}
	$? = $rc;
}

# ---------------------------------------------------------------------------
# TestLib::Server -- usersd behind a real web server, configured from deploy/.
package TestLib::Server;

use strict;
use warnings;
use File::Basename qw(basename);
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);

# kind => [template, needs a usersd master, web server binary]
my %KINDS = (
	'lighttpd-master' => [ 'lighttpd-master.conf', 1, 'lighttpd' ],
	'lighttpd-spawn'  => [ 'lighttpd-spawn.conf', 0, 'lighttpd' ],
	'nginx'           => [ 'nginx.conf', 1, 'nginx' ],
	'apache-fcgid'    => [ 'apache-fcgid.conf', 0, 'apache2' ],
	'apache-proxy'    => [ 'apache-proxy-fcgi.conf', 1, 'apache2' ],
);

our $USER = 'www-data';
our $BODY_LIMIT = 65536;	# usersd body_limit in rendered configs
our $INSTANCE_DOMAIN = 'instances.test';

sub kinds { sort keys %KINDS }

sub _which {
	my ($prog) = @_;
	for my $d (split(/:/, $ENV{PATH} // ''), '/usr/sbin', '/sbin') {
		return "$d/$prog" if -x "$d/$prog";
	}
	return undef;
}

# Inside a subtest for one kind: 1 when it can run; else the subtest fails
# (REQUIRE_INTEGRATION=1) or is skipped, and the result is 0.
sub runnable {
	my ($class, $kind) = @_;
	my $why = $class->unavailable($kind) or return 1;
	if ($ENV{REQUIRE_INTEGRATION}) {
		fail("cannot run $kind: $why");
	} else {
		plan skip_all => "SKIPPED: $why";
	}
	return 0;
}

# Why this kind cannot run here, or undef.
sub unavailable {
	my ($class, $kind) = @_;
	my $k = $KINDS{$kind} or return "unknown server kind $kind";
	_which($k->[2]) or return "$k->[2] is not installed";
	return "mod_fcgid is not installed"
	    if $kind eq 'apache-fcgid' && !-e '/usr/lib/apache2/modules/mod_fcgid.so';
	return "mod_proxy_fcgi is not installed"
	    if $kind eq 'apache-proxy' && !-e '/usr/lib/apache2/modules/mod_proxy_fcgi.so';
	return undef;
}

sub _free_port {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 1, ReuseAddr => 1) or die "no free port: $!";
	my $p = $s->sockport;
	close $s;
	return $p;
}

# Start a child with stdout+stderr to $log and a given environment.
sub _spawn {
	my ($log, $env, @cmd) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open STDIN, '<', '/dev/null';
		open STDOUT, '>>', $log;
		open STDERR, '>&', \*STDOUT;
		POSIX::setsid();
		%ENV = %$env;
		exec @cmd or POSIX::_exit(127);
	}
	return $pid;
}

sub _render {
	my ($src, $dst, $vars) = @_;
	open my $in, '<', $src or die "$src: $!";
	my $text = do { local $/; <$in> };
	close $in;
	# Comment lines are left alone: the header documents the placeholders.
	my @lines = split /^/m, $text;
	for (@lines) {
		s/\@([A-Z_]+)\@/exists $vars->{$1} ? $vars->{$1} : "\@$1\@"/ge unless /^\s*#/;
	}
	$text = join '', @lines;
	my @left = map { /\@([A-Z_]+)\@/g } grep { !/^\s*#/ } split /\n/, $text;
	die "$src: no value for placeholder(s) @left" if @left;
	open my $out, '>', $dst or die "$dst: $!";
	print $out $text;
	close $out;
}

# TestLib::Server->start(kind => K, t => $t, workers => N, signin_workers => N,
#     instances => {name => conninfo}, env => {USERSD_X => v}, body_limit => bytes,
#     vhosts => [NAME],   (vhosts: lighttpd maps NAME.<domain> too; the others
#                          map every NAME.<domain> by regex anyway)
#     conninfo => CONNINFO,  (the default database; default $t->conninfo)
#     real_ip_from => ADDR)  (nginx: the balancer whose X-Forwarded-For
#                          names the client; default none, "unix:")
sub start {
	my ($class, %o) = @_;
	my $kind = $o{kind};
	my $k = $KINDS{$kind} or die "unknown kind $kind";
	my $t = $o{t} or die "t => TestLib object required";
	my $self = bless { kind => $kind, t => $t, workers => $o{workers} // 2 }, $class;
	my $why = $class->unavailable($kind);
	die "cannot start $kind: $why\n" if $why;

	# Run dir in /tmp, traversable by www-data (Apache/nginx children).
	my $dir = tempdir("usersd-$kind-XXXXXX", TMPDIR => 1,
	    CLEANUP => !$ENV{USERSD_TEST_KEEP});
	chmod 0755, $dir;
	$self->{dir} = $dir;
	my $limit = $o{body_limit} // $BODY_LIMIT;

	# deploy/errors/ (the web servers' own error bodies, and lighttpd's
	# error handler) goes to the run dir: www-data must read it, and the
	# checkout may be out of its reach.
	mkdir "$dir/errors" or die "mkdir $dir/errors: $!";
	for my $f (glob "$TestLib::ROOT/deploy/errors/*") {
		my $to = "$dir/errors/" . basename($f);
		copy($f, $to) or die "copy $f: $!";
		chmod((-x $f ? 0755 : 0644), $to);
	}

	# www/ (the account page) too, for the same reason.
	system('cp', '-R', "$TestLib::ROOT/www", "$dir/www") == 0 or die "copy www/: $?";
	system('chmod', '-R', 'a+rX', "$dir/www") == 0 or die "chmod www/: $?";

	# The usersd config: default database, instances, extra settings.
	my $conf = "$dir/usersd.conf";
	open my $c, '>', $conf or die "$conf: $!";
	print $c "# rendered by TestLib for $kind\n";
	print $c "db = ", $o{conninfo} // $t->conninfo, "\n";
	print $c "body_limit = $limit\n";
	print $c "log_level = info\n";
	for my $n (sort keys %{ $o{instances} // {} }) {
		print $c "instance.$n = $o{instances}{$n}\n";
	}
	print $c $o{config} if defined $o{config};	# more lines, as given
	close $c;
	chmod 0644, $conf;

	# mod_fcgid runs usersd as www-data: the binary must be reachable.
	my $bin = $TestLib::BIN;
	if ($kind eq 'apache-fcgid' && system('runuser', '-u', $USER, '--', 'test', '-x', $bin) != 0) {
		mkdir "$dir/bin";
		copy($bin, "$dir/bin/usersd") or die "copy: $!";
		chmod 0755, "$dir/bin/usersd";
		$bin = "$dir/bin/usersd";
	}
	if ($kind eq 'apache-fcgid') {
		mkdir "$dir/fcgid";
		my ($uid, $gid) = (getpwnam($USER))[2, 3];
		chown $uid, $gid, "$dir/fcgid";
	}

	$self->{port} = _free_port();
	$self->{socket} = "$dir/usersd.sock";
	(my $dom_re = $INSTANCE_DOMAIN) =~ s/\./\\./g;
	my %vars = (
		LISTEN => '127.0.0.1',
		PORT => $self->{port},
		SOCKET => $self->{socket},
		# One pool unless signin_workers => N asks the master for a
		# sign-in pool (nginx routes POST /api/v2/signin to it).
		SIGNIN_SOCKET => $o{signin_workers} ? "$dir/usersd-signin.sock"
		    : $self->{socket},
		USERSD => $bin,
		CONFIG => $conf,
		RUNDIR => $dir,
		ERRORS => "$dir/errors",
		WWW => "$dir/www",
		DB => $o{conninfo} // $t->conninfo,
		WORKERS => $self->{workers},
		USER => $USER,
		GROUP => $USER,
		LOG_LEVEL => 'info',
		BODY_CAP => $limit + 65536,
		BODY_CAP_KB => int(($limit + 65536) / 1024),
		INSTANCE_DOMAIN_RE => $dom_re,
		REAL_IP_FROM => $o{real_ip_from} // 'unix:',
		# lighttpd names each host: the configured instances, plus
		# vhosts => [NAME] (a host mapped to an instance usersd lacks).
		INSTANCE_BLOCKS => join('', map {
			"\$HTTP[\"host\"] =~ \"^$_\\.$dom_re(:[0-9]+)?\$\" {\n"
			. "\tsetenv.set-environment = ( \"USERSD_INSTANCE\" => \"$_\" )\n}\n"
		} do { my %seen; grep { !$seen{$_}++ }
		    sort(keys %{ $o{instances} // {} }), @{ $o{vhosts} // [] } }),
	);
	my $web_conf = "$dir/$k->[0]";
	_render("$TestLib::ROOT/deploy/$k->[0]", $web_conf, \%vars);

	# Environment for usersd and the web server: ours, minus anything
	# USERSD_* / PG* (env wins over the config file), plus $o{env}.
	my %env = map { $_ => $ENV{$_} } grep { !/^(USERSD_|PG)/ } keys %ENV;
	%env = (%env, %{ $o{env} // {} });
	$self->{env} = \%env;
	$self->{running} = 1;
	push @SERVERS, $self;

	if ($k->[1]) {
		# Socket mode 0666: nginx/Apache children run as www-data.
		my @pool = $o{signin_workers} ? ('--signin-listen',
		    "unix:$dir/usersd-signin.sock", '--signin-workers',
		    $o{signin_workers}) : ();
		$self->{master_pid} = _spawn("$dir/usersd.log", \%env, $TestLib::BIN,
		    '-c', $conf, '--listen', "unix:$self->{socket}",
		    '--workers', $self->{workers}, '--socket-mode', '0666', @pool);
		my $until = time + 10;
		sleep 0.05 until -S $self->{socket} || time > $until
		    || waitpid($self->{master_pid}, WNOHANG) > 0;
		-S $self->{socket} or die "usersd master did not create $self->{socket}:\n"
		    . $self->log('usersd.log');
	}

	my @cmd;
	if ($k->[2] eq 'lighttpd') {
		@cmd = (_which('lighttpd'), '-D', '-f', $web_conf);
	} elsif ($k->[2] eq 'nginx') {
		@cmd = (_which('nginx'), '-p', $dir, '-c', $web_conf, '-g', 'daemon off;');
	} else {
		@cmd = (_which('apache2'), '-f', $web_conf, '-DFOREGROUND');
	}
	$self->{web_pid} = _spawn("$dir/web.stderr", \%env, @cmd);

	# Ready when /ping answers 204 (the first request may spawn usersd).
	my $until = time + 20;
	my $http = HTTP::Tiny->new(timeout => 5);
	while (1) {
		my $r = $http->get($self->url . '/ping');
		last if $r->{status} == 204;
		if (time > $until || waitpid($self->{web_pid}, WNOHANG) > 0) {
			my $logs = join '', map { $self->log($_) }
			    qw(web.stderr usersd.log lighttpd-error.log nginx-error.log apache-error.log);
			$self->stop;
			die "$kind did not answer /ping with 204 (last: $r->{status}):\n$logs";
		}
		sleep 0.1;
	}
	return $self;
}

# TestLib::Server->start_ok(%opts): start as a test.  The server, or undef
# after a failed test "<kind> starts" with the reason.  usersd gets the
# file's hash-slot directory (USERSD_RUN_DIR) unless env names another.
sub start_ok {
	my ($class, %o) = @_;
	$o{env} = { USERSD_RUN_DIR => $ENV{USERSD_RUN_DIR}, %{ $o{env} // {} } };
	my $s = eval { $class->start(%o) };
	if (!$s) {
		fail("$o{kind} starts");
		diag($@);
	}
	return $s;
}

sub url { "http://127.0.0.1:$_[0]{port}" }
sub port { $_[0]{port} }
sub dir { $_[0]{dir} }
sub master_pid { $_[0]{master_pid} }
sub web_pid { $_[0]{web_pid} }

# Contents of a file in the run dir ('' if missing), labelled.
sub log {
	my ($self, $name) = @_;
	open my $f, '<', "$self->{dir}/$name" or return '';
	local $/;
	my $text = <$f> // '';
	return length $text ? "--- $name\n$text" : '';
}

# Child pids of a pid, from /proc.
sub children_of {
	my ($pid) = @_;
	my @kids;
	for my $stat (glob '/proc/[0-9]*/stat') {
		open my $f, '<', $stat or next;
		my $line = <$f> // next;
		# The comm field may contain spaces: parse after its ')'.
		my ($p, $rest) = $line =~ /^(\d+) \(.*\) (.*)$/ or next;
		my (undef, $ppid) = split / /, $rest;
		push @kids, $p + 0 if $ppid == $pid;
	}
	return sort { $a <=> $b } @kids;
}

sub worker_pids {
	my ($self) = @_;
	return () unless $self->{master_pid};
	return children_of($self->{master_pid});
}

sub alive { my ($pid) = @_; return $pid && kill(0, $pid) && !_zombie($pid) }

# Wait up to $secs for every pid to be gone; true if they all are.
sub wait_gone {
	my ($secs, @pids) = @_;
	my $until = time + $secs;
	while (grep { alive($_) } @pids) {
		return 0 if time > $until;
		sleep 0.05;
	}
	return 1;
}

sub _zombie {
	my ($pid) = @_;
	open my $f, '<', "/proc/$pid/stat" or return 1;
	my $line = <$f> // return 1;
	return $line =~ /^\d+ \(.*\) Z /;
}

# $s->request(METHOD, PATH, headers => {}, body => BYTES, timeout => S,
#     host => NAME)
# host: connect to 127.0.0.1 but send "Host: NAME" (HTTP::Tiny refuses a
# Host header), e.g. host => "acme.$TestLib::Server::INSTANCE_DOMAIN".
sub request {
	my ($self, $method, $path, %o) = @_;
	if (defined $o{host}) {
		my %h = %{ $o{headers} // {} };
		my $req = "$method $path HTTP/1.1\r\nHost: $o{host}\r\nConnection: close\r\n";
		$req .= "$_: $h{$_}\r\n" for sort keys %h;
		# lighttpd answers 411 to a POST without Content-Length.
		$req .= 'Content-Length: ' . length($o{body} // '') . "\r\n"
		    if defined $o{body} || $method =~ /^(POST|PUT|PATCH)$/;
		$req .= "\r\n" . ($o{body} // '');
		return $self->raw($req, timeout => $o{timeout});
	}
	my $http = HTTP::Tiny->new(timeout => $o{timeout} // 10, max_redirect => 0,
	    keep_alive => 0);
	my $r = $http->request($method, $self->url . $path, {
		headers => $o{headers} // {},
		defined $o{body} ? (content => $o{body}) : (),
	});
	my $res = { status => $r->{status}, body => $r->{content} // '',
	    headers => {}, all_headers => [], reason => $r->{reason} };
	while (my ($n, $v) = each %{ $r->{headers} // {} }) {
		for my $one (ref $v ? @$v : $v) {
			push @{ $res->{all_headers} }, [ lc $n, $one ];
			$res->{headers}{ lc $n } //= $one;
		}
	}
	return TestLib::_decode_json($res);
}

# $s->raw(BYTES or [CHUNKS], delay => S): write the chunks on one TCP
# connection (pausing between them), read until the server closes, parse.
sub raw {
	my ($self, $bytes, %o) = @_;
	my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
	    Proto => 'tcp', Timeout => 5) or die "connect: $!";
	$sock->autoflush(1);
	local $SIG{PIPE} = 'IGNORE';
	my @chunks = ref $bytes ? @$bytes : ($bytes);
	for my $i (0 .. $#chunks) {
		syswrite($sock, $chunks[$i]) // last;
		sleep($o{delay} // 0.05) if $i < $#chunks;
	}
	my $reply = '';
	my $sel = IO::Select->new($sock);
	my $deadline = time + ($o{timeout} // 10);
	while ((my $left = $deadline - time) > 0) {
		last unless $sel->can_read($left);
		my $n = sysread($sock, my $buf, 65536);
		last unless $n;
		$reply .= $buf;
	}
	close $sock;
	my ($head, $body) = split /\r\n\r\n/, $reply, 2;
	my $res = { raw => $reply, body => $body // '', status => 0 };
	$head //= '';
	$res->{status} = $1 if $head =~ m{^HTTP/\d\.\d (\d{3})};
	TestLib::_parse_headers($res, $head =~ s/^[^\r\n]*\r?\n?//r);
	# A chunked reply is decoded so the body compares equal everywhere.
	if (($res->{headers}{'transfer-encoding'} // '') =~ /chunked/i) {
		my ($in, $out) = ($res->{body}, '');
		while ($in =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
			my $len = hex $1;
			last if !$len;
			$out .= substr($in, 0, $len, '');
			$in =~ s/^\r\n//;
		}
		$res->{body} = $out;
	}
	return TestLib::_decode_json($res);
}

# Terminate one pid (and its process group when we made it a leader):
# SIGTERM, wait up to $grace seconds, then SIGKILL.  Returns seconds taken.
sub _terminate {
	my ($pid, $grace) = @_;
	return 0 unless $pid;
	my $t0 = time;
	kill 'TERM', $pid;
	while (time - $t0 < $grace) {
		return time - $t0 if waitpid($pid, WNOHANG) != 0;
		sleep 0.05;
	}
	kill 'KILL', $pid;
	waitpid($pid, 0);
	return time - $t0;
}

# Stop the web server, then the master.  Each got its own session (setsid),
# so a last SIGKILL to the process group also reaches stragglers that we
# started indirectly (spawned usersd processes).
sub stop {
	my ($self, %o) = @_;
	return unless $self->{running};
	$self->{running} = 0;
	my $grace = $o{grace} // 10;
	for my $pid (grep { $_ } $self->{web_pid}, $self->{master_pid}) {
		_terminate($pid, $grace);
		kill 'KILL', -$pid;	# the group we created with setsid
	}
}

1;
