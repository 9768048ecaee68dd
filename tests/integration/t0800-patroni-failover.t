# t0800-patroni-failover.t -- usersd on a Patroni cluster: failover, rejoin, switchover.
#
# One etcd and two PostgreSQL nodes under Patroni (deploy/patroni.yml,
# synchronous_mode on; tests/lib/HA.pm), and two usersd masters behind
# nginx on the same database: "direct" lists both nodes in its conninfo
# (usersd adds target_session_attrs=read-write), "haproxy" connects
# through HAProxy checking Patroni's REST /primary
# (deploy/haproxy-patroni.cfg).  Under a write load on both (users
# created, passwords set, sign-ins, tokens minted; tests/lib/Load.pm):
#   - the leader's Patroni and PostgreSQL die of SIGKILL: Patroni promotes
#     the synchronous standby; every write that got a 2xx is on the new
#     leader (by id), every other answer was a JSON 503 `unavailable`; the
#     error window is printed;
#   - the old leader comes back, is rewound (pg_rewind) and follows as the
#     synchronous standby, with every acknowledged write;
#   - `patronictl switchover` back to it: the same guarantees;
#   - no usersd process was restarted throughout.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;
use HA;
use Load;

my $kind = 'nginx';
if (my $why = HA::unavailable() // TestLib::Server->unavailable($kind)) {
	TestLib::cannot_run($why);
}

my $WORKERS = 2;
# Cheap hashes (the load measures the database, not argon2id), one hash
# slot per worker, no address throttling of the load's sign-ins.
my %env = (USERSD_ARGON2_MEMORY => 1024, USERSD_ARGON2_ITERATIONS => 1,
    USERSD_HASH_CONCURRENCY => $WORKERS,
    USERSD_SIGNIN_MAX_FAILURES_PER_ADDR => 1000000,
    USERSD_STATEMENT_TIMEOUT => 2000);

# Load before the break, and after the new leader is seen; failures may
# last until $LATE s after it (HAProxy's check runs every 500 ms).
my ($BEFORE, $AFTER, $LATE) = (1, 2.5, 1.5);

my $file_t0 = time;
my $ha = eval { HA->start(nodes => [qw(n1 n2)]) }
    or die("the Patroni cluster did not start: $@");
pass(sprintf 'etcd and two Patroni nodes, n2 the synchronous standby of n1 (%.1f s)',
    time - $file_t0);
my $t = TestLib->new(server => $ha->server);
my $proxy_port = $ha->haproxy;
my $setup = $t->setup(env => \%env);
is($setup->{res}{status}, 201, 'setup through the multi-host conninfo')
    or diag($setup->{res}{body}, $setup->{res}{stderr});

# Two hosts, as far as usersd knows: each its own run dir (hash slots).
my %S;
my %rundir = map { $_ => "$ENV{USERSD_RUN_DIR}/$_" } qw(direct haproxy);
mkdir $_ and chmod 0777, $_ for values %rundir;
$S{direct} = TestLib::Server->start_ok(kind => $kind, t => $t, workers => $WORKERS,
    env => { %env, USERSD_RUN_DIR => $rundir{direct} }) or die('no server');
$S{haproxy} = TestLib::Server->start_ok(kind => $kind, t => $t, workers => $WORKERS,
    env => { %env, USERSD_RUN_DIR => $rundir{haproxy} }, conninfo => "host=127.0.0.1 port=$proxy_port dbname=$t->{dbname} user="
    . $t->service_role) or die('no server');
my (%master, %workers);
for my $k (sort keys %S) {
	$master{$k} = $S{$k}->master_pid;
	ok(TestLib::within(5, sub { $workers{$k} = [ $S{$k}->worker_pids ];
	    @{ $workers{$k} } == $WORKERS }), "$k: $WORKERS workers run");
}

# Made before the failover, used after it.
my %op = (Authorization => "Token $setup->{token}", 'Content-Type' => 'application/json');
my $tok = $S{direct}->request('POST', '/api/v2/authorizations', headers => \%op,
    body => TestLib->json_encode({ orgID => $setup->{org_id}, description => 'before',
    permissions => [ { action => 'read', resource => { type => 'users' } } ] }));
is($tok->{status}, 201, 'a token is made') or diag($tok->{body});

sub load_start {
	my ($name) = @_;
	return Load->start(name => $name, urls => [ map { $S{$_}->url } sort keys %S ],
	    per_url => 2, dir => $S{direct}->dir, token => $setup->{token},
	    org_id => $setup->{org_id});
}

my %tried;	# every user name the load asked for, over the file

# What one phase's records prove, for each usersd: every failure is a JSON
# 503, none comes later than $LATE s after the new leader was seen (the
# load goes on $AFTER s past it, so a later one would show), writes
# were acknowledged before and after, and every acknowledged write is on
# $leader.  $t_event: the kill or the switchover; $t_done: the new leader
# seen (its REST API says primary).
sub check_phase {
	my ($what, $recs, $leader, $t_event, $t_done) = @_;
	my %users = map { $_->[0] => $_->[1] }
	    $ha->psql_on($leader, $t, 'SELECT id, password_hash IS NOT NULL FROM users');
	my %sess = map { $_->[0] => 1 } $ha->psql_on($leader, $t, 'SELECT id_hash FROM sessions');
	my %toks = map { $_->[0] => 1 } $ha->psql_on($leader, $t, 'SELECT id FROM authorizations');
	for my $k (sort keys %S) {
		my $url = $S{$k}->url;
		my @all = grep { $_->{url} eq $url } @$recs;
		my @ok = grep { $_->{status} =~ /^2/ } @all;
		my @bad = grep { $_->{status} !~ /^2/ } @all;
		my @odd = grep { $_->{status} != 503 || $_->{code} ne 'unavailable' } @bad;
		is_deeply([ map { "$_->{op} $_->{status} $_->{code}" } @odd ], [],
		    "$what, $k: every failed request is a JSON 503 unavailable");
		cmp_ok(scalar(grep { $_->{t1} < $t_event } @ok), '>', 0,
		    "$what, $k: writes acknowledged before");
		cmp_ok(scalar(grep { $_->{t0} > $t_done } @ok), '>', 0,
		    "$what, $k: and after");
		my @late = grep { $_->{t0} > $t_done + $LATE } @bad;
		is(scalar(@late), 0, "$what, $k: no failure later than $LATE s after the new leader")
		    or diag(join "\n", map { sprintf '%s %s at +%.2f s', $_->{op}, $_->{status},
		    $_->{t0} - $t_done } @late);
		my ($slowest) = sort { $b <=> $a } map { $_->{t1} - $_->{t0} } @all;
		cmp_ok($slowest, '<', 5, sprintf("$what, $k: every answer within 5 s (slowest %.2f s)",
		    $slowest));
		my @lost;
		for my $r (@ok) {
			my $there = $r->{op} eq 'create' ? exists $users{ $r->{value} }
			    : $r->{op} eq 'password' ? $users{ $r->{key} }
			    : $r->{op} eq 'signin' ? $sess{ sha256_hex($r->{value}) }
			    : $toks{ $r->{value} };
			push @lost, "$r->{op} $r->{key}" unless $there;
		}
		is_deeply(\@lost, [], sprintf("$what, $k: all %d acknowledged writes are on %s "
		    . '(%d creates, %d passwords, %d sessions, %d tokens)', scalar @ok, $leader,
		    map { my $op = $_; scalar grep { $_->{op} eq $op } @ok }
		    qw(create password signin token)));
		if (@bad) {
			my ($first) = sort { $a <=> $b } map { $_->{t0} } @bad;
			my ($last) = sort { $b <=> $a } map { $_->{t1} } @bad;
			diag(sprintf "$what, $k: %d requests, %d acknowledged, %d answered 503, "
			    . 'from +%.2f s to +%.2f s: error window %.2f s; the new leader '
			    . 'was seen at +%.2f s', scalar @all, scalar @ok, scalar @bad,
			    $first - $t_event, $last - $t_event, $last - $first, $t_done - $t_event);
		} else {
			diag(sprintf "$what, $k: %d requests, none failed", scalar @all);
		}
	}
	my @names = map { $_->[0] } $ha->psql_on($leader, $t,
	    "SELECT name FROM users WHERE name LIKE 'load-%'");
	$tried{ $_->{key} } = 1 for grep { $_->{op} eq 'create' } @$recs;
	is_deeply([ grep { !$tried{$_} } @names ], [], "$what: no user nobody asked for");
	return map { $_->{value} } grep { $_->{op} eq 'create' && $_->{status} == 201 } @$recs;
}

my @acked;	# ids of the users whose creation got a 201
# The leader Patroni chose (n1, which bootstrapped, unless a slow machine
# made it lose its lock since) and the other node.
my $old = $ha->leader // die('no leader');
my ($new) = grep { $_ ne $old } $ha->names;

subtest 'the leader dies (SIGKILL): the synchronous standby takes over' => sub {
	ok($ha->role_is($new, 'sync'), "$old leads, $new is its synchronous standby");
	my $load = load_start('failover');
	sleep $BEFORE;
	my $t_kill = time;
	$ha->crash($old);
	ok($ha->wait_role($new, 'primary', 30), "Patroni promotes $new");
	my $t_promoted = time;
	sleep $AFTER;
	my @recs = $load->finish;
	push @acked, check_phase('failover', \@recs, $new, $t_kill, $t_promoted);
	diag(sprintf "failover: $new was promoted %.2f s after the kill", $t_promoted - $t_kill);
	is($S{direct}->request('GET', '/api/v2/users?limit=1', headers =>
	    { Authorization => "Token $tok->{json}{token}" })->{status}, 200,
	    'the token made before works');
};

subtest 'the old leader rejoins: rewound, the synchronous standby again' => sub {
	my $t0 = time;
	$ha->start_node($old);
	ok($ha->wait_role($old, 'sync', 60), "$old is the synchronous standby of $new")
	    or diag($ha->log($old));
	diag(sprintf "rejoin: $old synchronous %.1f s after its Patroni started", time - $t0);
	like($ha->log($old), qr/pg_rewind/, 'after pg_rewind');
	my %have;
	ok(TestLib::within(10, sub {
		%have = map { $_->[0] => 1 } $ha->psql_on($old, $t, 'SELECT id FROM users');
		!grep { !$have{$_} } @acked;
	}), sprintf('it has all %d users acknowledged so far', scalar @acked));
};

subtest 'a planned switchover back to the old leader loses nothing' => sub {
	my $load = load_start('switchover');
	sleep $BEFORE;
	my $t_switch = time;
	my ($rc, $out) = $ha->patronictl('switchover', '--leader', $new, '--candidate', $old,
	    '--force');
	is($rc, 0, 'patronictl switchover') or diag($out);
	ok($ha->wait_role($old, 'primary', 30), "$old leads");
	my $t_done = time;
	sleep $AFTER;
	my @recs = $load->finish;
	push @acked, check_phase('switchover', \@recs, $old, $t_switch, $t_done);
	my %have = map { $_->[0] => 1 } $ha->psql_on($old, $t, 'SELECT id FROM users');
	is_deeply([ grep { !$have{$_} } @acked ], [],
	    sprintf("all %d users acknowledged in the file are on $old", scalar @acked));
	ok($ha->wait_role($new, 'replica', 30), "$new follows it");
};

for my $k (sort keys %S) {
	is($S{$k}->master_pid, $master{$k}, "$k: the same master");
	is_deeply([ $S{$k}->worker_pids ], $workers{$k}, "$k: the same workers");
}
diag(sprintf 't0800 took %.1f s', time - $file_t0);
$_->stop for values %S;
$ha->stop;
done_testing();
