# t0131-token-last-use-worker.t -- issue 28: a worker asks whether a
# token's last use is due a write at most once a minute per token
# (src/lastuse.c), and what it remembers is per instance.  Two hosted
# instances behind nginx and one usersd worker (so one worker's memory
# serves every request):
# - a token's first use is recorded (time and address), as in CGI mode;
# - its record set back past the minute by the database is not rewritten
#   by the same worker within the minute of its own last look (the read
#   skips the check: the cost this saves), and its record is never more
#   than two minutes old;
# - the same secret in another instance (its hash planted there) is
#   another token: its use there is recorded at once, not skipped because
#   the worker saw the first instance's.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use Test::More;
use TestLib;

TestLib::Server->runnable('nginx') or exit;
my $DOMAIN = $TestLib::Server::INSTANCE_DOMAIN;
my $t = TestLib->new;
my $HOSTDB = "t_lastuse_$$";
my $ROLE = $ENV{USERSD_TEST_HOSTING_ROLE} // 'usersd_test_hosting';
$t->_admin_sql(qq{CREATE DATABASE "$HOSTDB"}) or die 'cannot create the hosting database';
my $CI = "host=$t->{pghost} port=$t->{pgport} dbname=$HOSTDB";
my ($A, $B) = ("lu${$}a", "lu${$}b");

my $CTLCONF = tempdir('t0131-XXXXXX', TMPDIR => 1, CLEANUP => 1) . '/usersctl.conf';
open my $cf, '>', $CTLCONF or die $!;
print $cf "hosting = $CI user=postgres\nhosting_role = $ROLE\n";
close $cf;
for my $n ($A, $B) {
	my ($rc, $out) = TestLib::_run($TestLib::CTL, '-c', $CTLCONF, 'instance', 'create', $n, '--open-setup');
	is($rc, 0, "usersctl instance create $n") or BAIL_OUT($out);
}
# psql as postgres on the hosting database, in instance $inst's schema.
sub sql {
	my ($inst, $q) = @_;
	my ($rc, $out) = TestLib::_run('psql', '-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-d',
	    "$CI user=postgres options='-c search_path=$inst'", '-c', $q);
	$rc == 0 or die "psql: $out";
	chomp $out;
	return $out;
}

my $s = TestLib::Server->start_ok(kind => 'nginx', t => $t, workers => 1,
    config => "hosting = $CI user=$ROLE\ntoken_last_use = 1\n") or exit 1;
sub req {
	my ($inst, $method, $path, %o) = @_;
	return $s->request($method, $path, %o, host => "$inst.$DOMAIN");
}
sub me { my ($inst, $token) = @_;
	return req($inst, 'GET', '/api/v2/me', headers => { Authorization => "Token $token" })->{status} }
my %op;
for my $n ($A, $B) {
	my $r = req($n, 'POST', '/api/v2/setup', headers => { 'Content-Type' => 'application/json' },
	    body => TestLib->json_encode({ username => 'admin', password => 'adminpass1', org => 'o', bucket => 'b' }));
	is($r->{status}, 201, "$n: setup") or BAIL_OUT($r->{body});
	$op{$n} = $r->{json}{auth};
}
my @workers = $s->worker_pids;
is(scalar @workers, 1, 'one worker serves every request');
my ($ida, $secret) = ($op{$A}{id}, $op{$A}{token});
sub used { my ($inst, $id) = @_;
	return sql($inst, "SELECT count(*) FROM authorization_use WHERE auth_id = '$id' AND last_used_at > now() - interval '1 minute'") }

subtest 'a token\'s use is recorded by a long-lived worker' => sub {
	sql($A, 'DELETE FROM authorization_use');
	is(me($A, $secret), 200, 'the token works');
	is(used($A, $ida), 1, 'its use is recorded');
	is(sql($A, "SELECT last_used_addr FROM authorization_use WHERE auth_id = '$ida'"), '127.0.0.1',
	    'with the address');
};

subtest 'within its minute, the worker does not ask again' => sub {
	sql($A, "UPDATE authorization_use SET last_used_at = now() - interval '90 seconds' WHERE auth_id = '$ida'");
	is(me($A, $secret), 200, 'the token works');
	is(used($A, $ida), 0, 'the record set back is not rewritten within the worker\'s minute');
	is(sql($A, "SELECT count(*) FROM authorization_use WHERE auth_id = '$ida'"), 1, 'nor removed');
};

subtest 'the same secret in another instance is another token' => sub {
	# B's operator token made to carry A's secret's hash (here as
	# superuser: no tenant role may write token_hash): a different token
	# of a different instance, whose use the worker has never seen.
	my $hash = sql($A, "SELECT token_hash FROM authorizations WHERE id = '$ida'");
	my $idb = $op{$B}{id};
	sql($B, "UPDATE authorizations SET token_hash = '$hash' WHERE id = '$idb'");
	sql($B, 'DELETE FROM authorization_use');
	is(me($B, $secret), 200, 'the secret works in B as B\'s token');
	is(used($B, $idb), 1, 'its use in B is recorded at once');
	is(used($A, $ida), 0, 'A\'s record is left as it was');
};

$s->stop;
$t->_admin_sql(qq{DROP DATABASE IF EXISTS "$HOSTDB" WITH (FORCE)});
done_testing;
