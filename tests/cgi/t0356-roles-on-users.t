# t0356-roles-on-users.t -- a user's org roles kept on its row
# (sql/migrations/0013), which every request reads instead of aggregating
# org_members.  The lists must follow every way a membership changes --
# the API, psql as an admin, a cascade from a deleted org or user, a
# TRUNCATE by the owner -- at once, and nobody but the trigger may write
# them: a role that could would make itself an org owner.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use POSIX ();
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
my $s = given('setup');
my $alice = given(user => 'alice', password => 'alicepass1');
my $O2 = given(org => 'o2');
my $O3 = given(org => 'o3');
my $ALICE = 'cookie:' . given(session => 'alice', password => 'alicepass1');

my %ROLE = map { $_->[0] => $_->[1] } $t->psql('SELECT kind, name FROM usersd_roles');
# People log in as themselves and are granted admin or readonly.
my $ADMIN = "t0356_admin_$$";
my $READER = "t0356_reader_$$";
$t->psql(qq{CREATE ROLE "$ADMIN" LOGIN IN ROLE "$ROLE{admin}"});
$t->psql(qq{CREATE ROLE "$READER" LOGIN IN ROLE "$ROLE{readonly}"});
END { if ($t) { $t->psql(qq{DROP ROLE IF EXISTS "$ADMIN"}); $t->psql(qq{DROP ROLE IF EXISTS "$READER"}) } }

sub roles { one("SELECT array_to_string(owner_of, ' ') || '|' || array_to_string(member_of, ' ')"
    . " FROM users WHERE id = " . lit($_[0])) }
sub may_patch { call($ALICE, 'PATCH', "/api/v2/orgs/$_[0]", { description => 'x' })->{status} }

subtest 'the API: owner, member, removed' => sub {
	is(call($OP, 'POST', "/api/v2/orgs/$O2/owners", { id => $alice })->{status}, 201, 'alice owns o2');
	is(call($OP, 'POST', "/api/v2/orgs/$O3/members", { id => $alice })->{status}, 201, 'alice joins o3');
	is(roles($alice), "$O2|$O3", 'her row says so');
	is(may_patch($O2), 200, 'she may PATCH o2');
	is(call($OP, 'DELETE', "/api/v2/orgs/$O2/owners/$alice")->{status}, 204, 'no longer owner');
	is(roles($alice), "|$O3", 'her row says so at once');
	isnt(may_patch($O2), 200, 'and her next request may not PATCH o2');
};

subtest 'psql as an admin: a membership made and changed there counts' => sub {
	my ($rc, $out) = $t->psql_as($ADMIN, "INSERT INTO org_members (org_id, user_id, role) VALUES "
	    . "(" . lit($O2) . ", " . lit($alice) . ", 'owner')");
	is($rc, 0, 'the admin makes alice owner of o2') or diag($out);
	is(may_patch($O2), 200, 'her next request may PATCH o2');
	($rc, $out) = $t->psql_as($ADMIN, "UPDATE org_members SET role = 'member' WHERE org_id = "
	    . lit($O2) . " AND user_id = " . lit($alice));
	is($rc, 0, 'the admin demotes her to member') or diag($out);
	is(roles($alice), "|$O2 $O3", 'her row says so');
	isnt(may_patch($O2), 200, 'and her next request may not PATCH o2');
};

subtest 'nobody writes the lists but the trigger' => sub {
	for my $role ($ADMIN, $ROLE{service}, $READER) {
		my ($rc, $out) = $t->psql_as($role, "UPDATE users SET owner_of = ARRAY[" . lit($O3)
		    . "] WHERE id = " . lit($alice));
		isnt($rc, 0, "$role may not write owner_of");
		like($out, qr/permission denied/, '... permission denied');
	}
	my ($rc, $out) = $t->psql_as($ADMIN, "SELECT usersd_user_roles_sync(" . lit($alice) . ")");
	isnt($rc, 0, 'nor call the function that recomputes them');
	is(roles($alice), "|$O2 $O3", 'unchanged');
	isnt(may_patch($O3), 200, 'alice does not own o3');
};

subtest 'cascades: a deleted org leaves no role behind' => sub {
	is(call($OP, 'DELETE', "/api/v2/orgs/$O3")->{status}, 204, 'o3 deleted');
	is(roles($alice), "|$O2", 'o3 is gone from her row');
	my $bob = given(user => 'bob', password => 'bobpass12');
	is(call($OP, 'POST', "/api/v2/orgs/$O2/members", { id => $bob })->{status}, 201, 'bob joins o2');
	is(call($OP, 'DELETE', "/api/v2/users/$bob")->{status}, 204, 'a member can be deleted');
	is(one("SELECT count(*) FROM org_members WHERE user_id = " . lit($bob)), 0, 'with his memberships');
};

subtest 'a removal that commits while another change of the same user waits is kept' => sub {
	# T1 removes alice as owner of o2 and holds its transaction open; T2
	# adds her to a new org meanwhile, so its trigger waits for her row.
	# T2 must then write her lists as they are after T1, not as its
	# statement's older snapshot saw them (review finding F5).
	$t->psql("INSERT INTO org_members (org_id, user_id, role) VALUES (" . lit($O2)
	    . ", " . lit($alice) . ", 'owner') ON CONFLICT (org_id, user_id) DO UPDATE SET role = 'owner'");
	is(roles($alice), "$O2|", 'alice owns o2 again');
	my $o4 = given(org => 'o4');
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		$t->psql("BEGIN; DELETE FROM org_members WHERE org_id = " . lit($O2)
		    . " AND user_id = " . lit($alice) . "; SELECT pg_sleep(2); COMMIT;");
		POSIX::_exit(0);
	}
	select(undef, undef, undef, 0.7);
	$t->psql("INSERT INTO org_members (org_id, user_id, role) VALUES (" . lit($o4)
	    . ", " . lit($alice) . ", 'member')");
	waitpid($pid, 0);
	is(roles($alice), "|$o4", 'her row has o4 and not o2');
	isnt(may_patch($O2), 200, 'and she may not PATCH o2');
};

subtest 'TRUNCATE by the owner clears every list' => sub {
	$t->psql("TRUNCATE org_members");
	is(one("SELECT count(*) FROM users WHERE owner_of <> '{}' OR member_of <> '{}'"), 0,
	    'no user keeps a role');
	isnt(call($ALICE, 'GET', "/api/v2/orgs/$O2")->{status}, 200, 'alice no longer reads o2');
};

done_testing;
