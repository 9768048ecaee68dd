# t0005-pg-failover.t -- usersd against a replicated PostgreSQL pair.
#
# A primary and a synchronous streaming standby on unix sockets (TestLib
# cluster => 'pair'); usersd (master, behind lighttpd) gets both hosts, the
# standby first, and no target_session_attrs: it must find the primary
# itself.
#   - a connection whose server turned read-only (25006) reconnects and the
#     refused write is applied on the server that takes writes;
#   - with the synchronous standby down, a write is a 503 after
#     statement_timeout + 1 s (not a hung worker), reads go on;
#   - failover under a write load (users created, passwords set, sessions
#     made): the primary dies (-m immediate), the standby is promoted;
#     every request that got a 2xx is on the new primary, every other one
#     got a JSON 503 `unavailable`, quickly; /health names the failing
#     check meanwhile; sessions and tokens made before still work; no
#     usersd process was restarted.  The error window is printed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use MIME::Base64 qw(encode_base64);
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

my $kind = 'lighttpd-master';
if (my $why = TestLib::Server->unavailable($kind)) {
	TestLib::cannot_run($why);
}

my $WORKERS = 3;
my $STATEMENT_TIMEOUT = 2000;	# ms: the standby-down write waits this + 1 s
# Cheap hashes: the load measures the database, not argon2id.  One hash
# slot per worker, and no address throttling of the load's sign-ins.
my %env = (USERSD_ARGON2_MEMORY => 1024, USERSD_ARGON2_ITERATIONS => 1,
    USERSD_HASH_CONCURRENCY => $WORKERS,
    USERSD_SIGNIN_MAX_FAILURES_PER_ADDR => 1000000,
    USERSD_STATEMENT_TIMEOUT => $STATEMENT_TIMEOUT);

my $t = TestLib->new(cluster => 'pair');
my ($A, $B) = ($t->primary_dir, $t->standby_dir);
my $setup = $t->setup(env => \%env);
is($setup->{res}{status}, 201, 'setup through the standby-first conninfo')
    or diag($setup->{res}{body}, $setup->{res}{stderr});
my %op = (Authorization => "Token $setup->{token}");
my %json = ('Content-Type' => 'application/json');

my $s = TestLib::Server->start_ok(kind => $kind, t => $t, workers => $WORKERS,
    env => \%env) or BAIL_OUT('no server');
my $master = $s->master_pid;
my @workers;
ok(TestLib::within(5, sub { @workers = $s->worker_pids; @workers == $WORKERS }),
    "$WORKERS workers run");

my %acked;	# user id => 1 for every user whose creation got a 201

sub create_user {
	my ($name, %o) = @_;
	my $r = $s->request('POST', '/api/v2/users', headers => { %op, %json },
	    body => TestLib->json_encode({ name => $name }), timeout => $o{timeout} // 10);
	$acked{ $r->{json}{id} } = 1 if $r->{status} == 201;
	return $r;
}

# Present on the standby (synchronous = on its disk; applied a moment later).
sub on_standby {
	my ($id) = @_;
	return TestLib::within(5, sub {
		my @r = $t->psql_at($B, "SELECT count(*) FROM users WHERE id = '$id'");
		$r[0][0] == 1;
	});
}

subtest 'the primary is found behind a standby listed first' => sub {
	my $h = $s->request('GET', '/health');
	is($h->{status}, 200, '/health is 200') or diag($h->{body});
	is($h->{json}{checks}[0]{status}, 'pass', 'its postgresql check passes');
	my $r = create_user('ha-first');
	is($r->{status}, 201, 'a write succeeds') or diag($r->{body});
	ok(on_standby($r->{json}{id}), 'and reaches the standby');
};

# Made before the failover, used after it.
my $signin = $s->request('POST', '/api/v2/signin', body => '',
    headers => { Authorization => 'Basic ' . encode_base64('admin:adminpass1', '') });
is($signin->{status}, 204, 'the operator signs in');
my ($cookie) = map { /^(influxdb-oss-session=[^;]+)/ ? $1 : () }
    TestLib::header_all($signin, 'set-cookie');
ok($cookie, 'with a session cookie');
my $tok = $s->request('POST', '/api/v2/authorizations', headers => { %op, %json },
    body => TestLib->json_encode({ orgID => $setup->{org_id}, description => 'before',
    permissions => [ { action => 'read', resource => { type => 'users' } } ] }));
is($tok->{status}, 201, 'a token is made') or diag($tok->{body});
my $token = $tok->{json}{token};

subtest 'a write refused by a read-only server goes to one that takes writes' => sub {
	# Every worker holds a connection with statements prepared.
	my @warm = map { $s->request('GET', '/api/v2/users?limit=1', headers => \%op)->{status} }
	    1 .. 3 * $WORKERS;
	is_deeply([ grep { $_ != 200 } @warm ], [], 'warm: all 200');
	# Fence the open sessions read-only (the server's default), while a
	# new session of this database may write (its own setting wins): the
	# old connections meet 25006, a new one takes the write.
	my $db = $t->{dbname};
	$t->psql_at($A, "ALTER SYSTEM SET default_transaction_read_only = on");
	$t->psql_at($A, qq{ALTER DATABASE "$db" SET default_transaction_read_only = off});
	$t->psql_at($A, "SELECT pg_reload_conf()");
	# The postmaster has reloaded once a new session elsewhere sees it;
	# the open sessions pick it up before their next statement.
	ok(TestLib::within(10, sub {
		my ($rc, $out) = TestLib::_run('psql', '-X', '-At', '-h', $A, '-U', 'postgres',
		    '-d', 'postgres', '-c', 'SHOW default_transaction_read_only');
		$rc == 0 && $out =~ /^on$/m;
	}), 'the server is read-only for open sessions');
	sleep 0.2;
	my @codes = map { create_user("ha-fenced-$_")->{status} } 1 .. 2 * $WORKERS;
	is_deeply([ grep { $_ != 201 } @codes ], [], 'every write is 201');
	like($s->log('usersd.log'), qr/read-only; reconnecting/,
	    'after a read-only refusal and a reconnect');
	$t->psql_at($A, "ALTER SYSTEM RESET default_transaction_read_only");
	$t->psql_at($A, qq{ALTER DATABASE "$db" RESET default_transaction_read_only});
	$t->psql_at($A, "SELECT pg_reload_conf()");
};

subtest 'the synchronous standby down: writes 503 in bounded time, reads go on' => sub {
	$t->pg_node('stop', $B);
	my $t0 = time;
	my $r = create_user('ha-nostandby', timeout => 20);
	my $took = time - $t0;
	is($r->{status}, 503, 'a write is 503') or diag($r->{body});
	is($r->{json}{code}, 'unavailable', 'code unavailable');
	cmp_ok($took, '<', $STATEMENT_TIMEOUT / 1000 + 4,
	    sprintf('after statement_timeout + 1 s, not forever (%.1f s)', $took));
	my $g = $s->request('GET', '/api/v2/users?limit=1', headers => \%op);
	is($g->{status}, 200, 'a read is 200');
	# Cancelled while waiting for the standby: on the primary alone.  The
	# client was told 503, so nothing acknowledged depends on it.
	my ($row) = $t->psql("SELECT count(*) FROM users WHERE name = 'ha-nostandby'");
	diag("the unconfirmed write is on the primary: $row->[0] row(s)");
	$t->pg_node('start', $B);
	$t->pg_node('sync', $A, 'b');
	ok(TestLib::within(10, sub { create_user('ha-standby-back-' . time)->{status} == 201 }),
	    'the standby back: writes are 201 again');
	is_deeply([ $s->worker_pids ], \@workers, 'no worker died');
};

# One load process: users created, their passwords set, sessions made,
# until $until; each request as a line "op status code t0 t1 key value".
sub load {
	my ($n, $until, $file) = @_;
	open my $out, '>', $file or die "$file: $!";
	$out->autoflush(1);
	my $http = HTTP::Tiny->new(timeout => 15, keep_alive => 0);
	my $url = $s->url;
	my $req = sub {
		my ($what, $key, $method, $path, $hdr, $body) = @_;
		my $t0 = time;
		my $r = $http->request($method, "$url$path", { headers => $hdr,
		    content => $body });
		my $t1 = time;
		my $j = eval { $TestLib::JSON->decode($r->{content}) } // {};
		my $value = '-';
		if ($what eq 'create' && $r->{status} == 201) {
			$value = $j->{id};
		} elsif ($what eq 'signin' && $r->{status} == 204) {
			my $sc = $r->{headers}{'set-cookie'} // '';
			($value) = map { /influxdb-oss-session=([^;]+)/ ? $1 : () }
			    ref $sc ? @$sc : ($sc);
		}
		printf $out "%s %d %s %.4f %.4f %s %s\n", $what, $r->{status},
		    $j->{code} // '-', $t0, $t1, $key, $value // '-';
		sleep 0.02 if $r->{status} == 503;	# a client's pause
		return ($r->{status}, $value);
	};
	for (my $i = 1; time < $until; $i++) {
		my $name = "load-$n-$i";
		my ($st, $id) = $req->('create', $name, 'POST', '/api/v2/users',
		    { %op, %json }, TestLib->json_encode({ name => $name }));
		next unless $st == 201;
		($st) = $req->('password', $id, 'POST', "/api/v2/users/$id/password",
		    { %op, %json }, TestLib->json_encode({ password => "pw-$name" }));
		next unless $st == 204;
		$req->('signin', "$id:$name", 'POST', '/api/v2/signin',
		    { Authorization => 'Basic ' . encode_base64("$name:pw-$name", '') }, '');
	}
	close $out;
}

subtest 'failover under a write load loses no acknowledged write' => sub {
	my $LOADERS = 3;
	my $start = time;
	my $until = $start + 8;
	my @kids;
	for my $n (1 .. $LOADERS) {
		my $pid = fork // die "fork: $!";
		if (!$pid) {
			load($n, $until, $s->dir . "/load-$n.txt");
			POSIX::_exit(0);
		}
		push @kids, $pid;
	}
	sleep 2;
	my $t_kill = time;
	$t->pg_node('crash', $A);
	my $t_crashed = time;
	sleep 0.3;
	# No primary now: the standby answers, read-only.
	my $h = $s->request('GET', '/health', timeout => 5);
	is($h->{status}, 503, '/health is 503 while there is no primary');
	like($h->{json}{checks}[0]{message} // '', qr/^read-write: /,
	    'its postgresql check names read-write as what fails')
	    or diag($h->{body});
	sleep 0.7;
	my $t_promote = time;
	$t->pg_node('promote', $B);
	my $t_promoted = time;
	waitpid($_, 0) for @kids;

	my (@all, %seen_name);
	for my $n (1 .. $LOADERS) {
		open my $f, '<', $s->dir . "/load-$n.txt" or die "load-$n.txt: $!";
		while (<$f>) {
			my @f = split;
			push @all, { op => $f[0], status => $f[1], code => $f[2], t0 => $f[3],
			    t1 => $f[4], key => $f[5], value => $f[6] };
		}
	}
	my @ok = grep { $_->{status} =~ /^2/ } @all;
	my @bad = grep { $_->{status} !~ /^2/ } @all;
	my @odd = grep { $_->{status} != 503 || $_->{code} ne 'unavailable' } @bad;
	is_deeply([ map { "$_->{op} $_->{status} $_->{code}" } @odd ], [],
	    'every failed request is a JSON 503 unavailable');
	my ($slowest) = sort { $b <=> $a } map { $_->{t1} - $_->{t0} } @all;
	cmp_ok($slowest, '<', 5, sprintf('every answer within 5 s (slowest %.2f s)', $slowest));
	cmp_ok(scalar(grep { $_->{t1} < $t_kill } @ok), '>', 0, 'writes acknowledged before the failover');
	cmp_ok(scalar(grep { $_->{t0} > $t_promoted } @ok), '>', 0, 'and after it');
	my @late = grep { $_->{t0} > $t_promoted + 2 } @bad;
	is(scalar(@late), 0, 'no failure later than 2 s after the promotion')
	    or diag(join "\n", map { sprintf '%s %s at +%.2f s', $_->{op}, $_->{status},
	    $_->{t0} - $t_promoted } @late);

	# The error window, from the kill.
	if (@bad) {
		my ($first) = sort { $a <=> $b } map { $_->{t0} } @bad;
		my ($last) = sort { $b <=> $a } map { $_->{t1} } @bad;
		diag(sprintf 'failover: %d requests, %d acknowledged, %d answered 503; '
		    . 'kill took %.2f s, promote %.2f s (at +%.2f s); 503s from +%.2f s '
		    . 'to +%.2f s after the kill: error window %.2f s, %.2f s after the '
		    . 'promotion was done', scalar @all, scalar @ok, scalar @bad,
		    $t_crashed - $t_kill, $t_promoted - $t_promote, $t_promote - $t_kill,
		    $first - $t_kill, $last - $t_kill, $last - $first, $last - $t_promoted);
	} else {
		diag(sprintf 'failover: %d requests, none failed', scalar @all);
	}

	# Everything acknowledged is on the new primary (psql asks libpq for
	# the read-write host: the promoted standby).
	my ($where) = $t->psql("SELECT current_setting('unix_socket_directories')");
	is($where->[0], $B, 'the new primary is the old standby');
	$acked{ $_->{value} } = 1 for grep { $_->{op} eq 'create' } @ok;
	my %users = map { $_->[0] => $_->[1] } $t->psql('SELECT id, password_hash IS NOT NULL FROM users');
	my @lost = grep { !exists $users{$_} } sort keys %acked;
	is_deeply(\@lost, [], sprintf('all %d acknowledged users are there', scalar keys %acked));
	my @pw = grep { $_->{op} eq 'password' } @ok;
	my @nopw = grep { !$users{ $_->{key} } } @pw;
	is(scalar(@nopw), 0, sprintf('all %d acknowledged passwords are set', scalar @pw));
	my %sess = map { $_->[0] => 1 } $t->psql('SELECT id_hash FROM sessions');
	my @si = grep { $_->{op} eq 'signin' } @ok;
	my @nosess = grep { !$sess{ sha256_hex($_->{value}) } } @si;
	is(scalar(@nosess), 0, sprintf('all %d acknowledged sessions are there', scalar @si));
	my @names = map { $_->[0] } $t->psql("SELECT name FROM users WHERE name LIKE 'load-%'");
	my %tried = map { $_->{key} => 1 } grep { $_->{op} eq 'create' } @all;
	is_deeply([ grep { !$tried{$_} } @names ], [], 'and no user nobody asked for');

	# What was made before the failover still works.
	is($s->request('GET', '/api/v2/me', headers => { Cookie => $cookie })->{status}, 200,
	    "the operator's session");
	is($s->request('GET', '/api/v2/users?limit=1', headers => { Authorization => "Token $token" })
	    ->{status}, 200, 'the token made before');
	my @before = grep { $_->{t1} < $t_kill } @si;
	my @me = grep { $_ != 200 } map {
		$s->request('GET', '/api/v2/me', headers =>
		    { Cookie => "influxdb-oss-session=$_->{value}" })->{status}
	} @before[0 .. ($#before < 19 ? $#before : 19)];
	is_deeply(\@me, [], sprintf('%d load sessions made before the failover: GET /me is 200',
	    @before < 20 ? scalar @before : 20));
	my ($name) = map { (split /:/, $_->{key}, 2)[1] } @before;
	SKIP: {
		skip 'no sign-in before the kill', 1 unless $name;
		is($s->request('POST', '/api/v2/signin', body => '', headers => {
		    Authorization => 'Basic ' . encode_base64("$name:pw-$name", '') })->{status},
		    204, 'a password set before the failover signs in');
	}
	my $w = create_user('ha-after');
	is($w->{status}, 201, 'writes go on');

	is($s->master_pid, $master, 'the same master');
	is_deeply([ $s->worker_pids ], \@workers, 'the same workers');
	unlike($s->log('usersd.log'), qr/AddressSanitizer|runtime error:/, 'no sanitizer report');
};

$s->stop;
done_testing();
