# t0120-token-revocation.t -- a token's revocation holds at once for every
# worker and every host.  A worker keeps the parsed permissions of the
# last token it saw (src/auth.c) and the database sends them again only
# when the token's row is another or has changed (its xmin); the token's
# user status is a copy on the token's row (sql/migrations/0007).  So:
# revoke on one host (token inactive, token deleted, user inactive, or
# its permissions changed in psql) and use the token on another right
# after, with each worker of the other host warmed on that very token,
# and now and then with the other host's database connections cut in
# between -- never a stale success, and never a stale refusal after the
# change is undone.  USERSD_REVOKE_ROUNDS sets the rounds (default 200).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;

my $why = TestLib::Server->unavailable('nginx');
TestLib::cannot_run($why) if $why;

my $ROUNDS = $ENV{USERSD_REVOKE_ROUNDS} // 200;
my $WORKERS = 3;
my $t = TestLib->new;
my $a = TestLib::Server->start(kind => 'nginx', t => $t, workers => 2);
my $b = TestLib::Server->start(kind => 'nginx', t => $t, workers => $WORKERS);
my $setup = $a->request('POST', '/api/v2/setup', body => $t->json_encode({
    username => 'admin', password => 'adminpass1', org => 'o', bucket => 'b' }));
is($setup->{status}, 201, 'setup') or BAIL_OUT($setup->{body});
my %op = (Authorization => "Token $setup->{json}{auth}{token}");
my $org = $setup->{json}{org}{id};

my $r = $a->request('POST', '/api/v2/users', headers => \%op,
    body => '{"name":"carol"}');
my $carol = $r->{json}{id};
my $READ = [ { action => 'read', resource => { type => 'users' } } ];

sub new_token {
	my $c = $a->request('POST', '/api/v2/authorizations', headers => \%op,
	    body => $t->json_encode({ orgID => $org, userID => $carol,
	    permissions => $READ }));
	$c->{status} == 201 or BAIL_OUT("creating a token: $c->{body}");
	return ($c->{json}{token}, $c->{json}{id});
}

# GET carol with the token on host b, once per worker: the status of each.
sub use_b {
	my ($token) = @_;
	return map { $b->request('GET', "/api/v2/users/$carol",
	    headers => { Authorization => "Token $token" })->{status} } 1 .. $WORKERS;
}

sub patch {
	my ($path, $status) = @_;
	my $p = $a->request('PATCH', $path, headers => \%op,
	    body => "{\"status\":\"$status\"}");
	$p->{status} == 200 or BAIL_OUT("PATCH $path: $p->{status} $p->{body}");
}

my ($token, $id) = new_token();
my ($stale, $wrong, %modes) = (0, 0);
for my $i (1 .. $ROUNDS) {
	my @warm = use_b($token);
	$wrong++ if grep { $_ != 200 } @warm;
	if ($i % 10 == 0) {
		# Cut the hosts' connections: their workers reconnect, and
		# keep the permissions they parsed.  Only this file's database:
		# other files' usersd share the cluster.
		$t->psql(q{SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		    WHERE application_name = 'usersd' AND pid <> pg_backend_pid()
		    AND datname = current_database()});
	}
	my $mode = $i % 4;
	$modes{$mode}++;
	my $undo;
	if ($mode == 0) {
		patch("/api/v2/authorizations/$id", 'inactive');
		$undo = sub { patch("/api/v2/authorizations/$id", 'active') };
	} elsif ($mode == 1) {
		patch("/api/v2/users/$carol", 'inactive');
		$undo = sub { patch("/api/v2/users/$carol", 'active') };
	} elsif ($mode == 2) {
		$t->psql("UPDATE authorizations SET permissions = '{read:orgs}' WHERE id = '$id'");
		$undo = sub { $t->psql("UPDATE authorizations SET permissions = '{read:users}' WHERE id = '$id'") };
	} else {
		my $d = $a->request('DELETE', "/api/v2/authorizations/$id", headers => \%op);
		$d->{status} == 204 or BAIL_OUT("DELETE: $d->{status}");
	}
	my @after = use_b($token);
	$stale += grep { $_ == 200 } @after;
	if ($undo) {
		$undo->();
		my @back = use_b($token);
		$wrong++ if grep { $_ != 200 } @back;
	} else {
		($token, $id) = new_token();
	}
}
note("rounds: $ROUNDS; by mode: " . join(', ', map { "$_=$modes{$_}" } sort keys %modes));
is($stale, 0, 'no request after a revocation succeeded');
is($wrong, 0, 'every request before a revocation and after its undo succeeded');

subtest 'the copy of the user status follows the user, in psql too' => sub {
	$t->psql("UPDATE users SET status = 'inactive' WHERE id = '$carol'");
	is(($t->psql("SELECT count(*) FROM authorizations WHERE user_id = '$carol' AND user_status = 'active'"))[0][0],
	    0, 'no active copy left');
	my @s = use_b($token);
	is_deeply(\@s, [ (403) x $WORKERS ], 'User is inactive on every worker');
	$t->psql("UPDATE users SET status = 'active' WHERE id = '$carol'");
	@s = use_b($token);
	is_deeply(\@s, [ (200) x $WORKERS ], 'active again');
};

$a->stop;
$b->stop;
done_testing;
