# t0002-master-faults.t -- the usersd master under faults, behind lighttpd.
#
# Uses its own PostgreSQL cluster, since it stops and restarts it.
#   - a worker killed with SIGKILL is replaced and service goes on;
#   - with PostgreSQL down /health is a fast 503 and no worker dies;
#   - with PostgreSQL back /health is 200 again without restarting usersd;
#   - SIGTERM to the master lets in-flight requests finish, then every
#     usersd process exits.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use MIME::Base64 qw(encode_base64);
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

my $kind = 'lighttpd-master';
if (my $why = TestLib::Server->unavailable($kind)) {
	TestLib::cannot_run($why);
}

# Sign-in verifies an argon2id hash: with many iterations it is a slow
# request that keeps a worker busy (for the drain test).  Same settings for
# setup (which writes the hash) and the server (so no rehash happens).
# hash_concurrency = hash_share = workers: else the host's CPU count caps
# concurrent hashes, or the one instance's share does, and the extra
# sign-ins get 429.
my $WORKERS = 3;
my %slow = (USERSD_ARGON2_MEMORY => 19456, USERSD_ARGON2_ITERATIONS => 60,
    USERSD_ARGON2_PARALLELISM => 1, USERSD_HASH_CONCURRENCY => $WORKERS,
    USERSD_HASH_SHARE => $WORKERS);

my $t = TestLib->new(cluster => 'own');
my $setup = $t->setup(env => \%slow);
is($setup->{res}{status}, 201, 'setup creates the operator')
    or diag($setup->{res}{body}, $setup->{res}{stderr});

my $s = TestLib::Server->start(kind => $kind, t => $t, workers => $WORKERS, env => \%slow);
my $master = $s->master_pid;
ok($master, 'master runs');


sub all_health {
	my ($n, $want) = @_;
	my @bad = grep { $_ != $want } map { $s->request('GET', '/health')->{status} } 1 .. $n;
	return !@bad;
}

subtest 'a killed worker is replaced' => sub {
	my @before;
	ok(TestLib::within(5, sub { @before = $s->worker_pids; @before == $WORKERS }),
	    "$WORKERS workers run") or diag("workers: @before");
	my $victim = $before[0];
	kill 'KILL', $victim;
	my @after;
	ok(TestLib::within(3, sub {
		@after = $s->worker_pids;
		@after == $WORKERS && !grep { $_ == $victim } @after
	}), 'a new worker appears within 3 s') or diag("before @before, after @after");
	ok(all_health(10, 200), 'requests keep succeeding');
	is($s->master_pid, $master, 'the master is the same');
};

subtest 'PostgreSQL down: fast 503, workers stay' => sub {
	my @before = $s->worker_pids;
	$t->pg_stop;
	for my $i (1 .. 2 * $WORKERS) {
		my $t0 = time;
		my $r = $s->request('GET', '/health', timeout => 5);
		my $took = time - $t0;
		is($r->{status}, 503, "request $i: /health is 503");
		is($r->{json}{status}, 'fail', "request $i: status fail");
		like($r->{json}{checks}[0]{message} // '', qr/^connect: /,
		    "request $i: the connect check fails");
		cmp_ok($took, '<', 1, "request $i: answered within 1 s");
	}
	is_deeply([ $s->worker_pids ], \@before, 'no worker died');
};

subtest 'PostgreSQL back: 200 without restarting usersd' => sub {
	my @before = $s->worker_pids;
	$t->pg_start;
	ok(TestLib::within(5, sub { $s->request('GET', '/health')->{status} == 200 }),
	    '/health is 200 again');
	# A worker whose connect failed while the server was coming up waits
	# 250 ms (RECONNECT_PAUSE_MS, db.c) before it tries again, by design:
	# let that pass before every worker must answer.
	sleep 0.3;
	# Enough requests to reach every worker's reconnect path.
	ok(all_health(3 * $WORKERS, 200), 'every following request is 200');
	is_deeply([ $s->worker_pids ], \@before, 'same workers');
	is($s->master_pid, $master, 'same master');
};

subtest 'a PostgreSQL restart between requests costs reads nothing' => sub {
	my %op = (Authorization => "Token $setup->{token}");
	my @paths = ('/api/v2/me', '/api/v2/users?limit=5');
	# Every worker holds a connection with its statements prepared.
	my @warm = map { my $p = $_; map { $s->request('GET', $p, headers => \%op)->{status} }
	    1 .. 2 * $WORKERS } @paths;
	is_deeply([ grep { $_ != 200 } @warm ], [], 'warm: all 200');
	$t->pg_stop;
	$t->pg_start;
	# The first read of each worker meets a dead connection: it must
	# reconnect and answer, for a single statement and for a pipeline.
	for my $p (@paths) {
		my @codes = map { $s->request('GET', $p, headers => \%op)->{status} }
		    1 .. 3 * $WORKERS;
		is_deeply([ grep { $_ != 200 } @codes ], [], "$p: all 200 after the restart");
	}
};

subtest 'SIGTERM drains in-flight requests, then everything exits' => sub {
	my $auth = 'Basic ' . encode_base64('admin:adminpass1', '');
	my $signin = sub {
		$s->request('POST', '/api/v2/signin', headers => { Authorization => $auth },
		    timeout => 30)->{status};
	};
	my $t0 = time;
	my $st = $signin->();
	my $one = time - $t0;
	is($st, 204, 'sign-in works');
	diag(sprintf 'one sign-in takes %.2f s', $one);

	# One slow request per worker, each in a child reporting its status.
	my @kids;
	for (1 .. $WORKERS) {
		pipe(my $r, my $w) or die "pipe: $!";
		my $pid = fork // die "fork: $!";
		if (!$pid) {
			close $r;
			print $w $signin->();
			close $w;
			POSIX::_exit(0);
		}
		close $w;
		push @kids, [ $pid, $r ];
	}
	sleep($one / 3 > 0.1 ? $one / 3 : 0.1);	# they are in flight now
	my @workers = $s->worker_pids;
	kill 'TERM', $master;

	for my $k (@kids) {
		my $fh = $k->[1];
		my $got = do { local $/; <$fh> } // '';
		waitpid($k->[0], 0);
		is($got, 204, "in-flight sign-in (pid $k->[0]) completed");
	}
	ok(TestLib::within(15, sub { waitpid($master, WNOHANG) != 0 }), 'master exits');
	ok(TestLib::Server::wait_gone(5, @workers), 'all workers exit')
	    or diag('left: ' . join ' ', grep { TestLib::Server::alive($_) } @workers);
	unlike($s->log('usersd.log'), qr/AddressSanitizer|runtime error:/, 'no sanitizer report');
};

$s->stop;
done_testing();
