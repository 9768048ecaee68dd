# t0340-permission-rules.t -- the rules of docs/permissions.md, each with
# the request that tries to get around it: an org owner's token naming a
# user with the org's id (issue 11), an id matched in another org, minting
# more than the maker holds, the last instance owner, and list filters by
# name that would tell which names exist.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use POSIX ();
use Time::HiRes qw(time sleep);
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

my $s = given('setup');
my ($ADMIN, $ORG) = ($s->{user_id}, $s->{org_id});

my $alice = given(user => 'alice', password => 'alicepass1');
my $bob = given(user => 'bob', password => 'bobpass123');
my $A = given(org => 'a');
my $B = given(org => 'b');
is(call($OP, 'POST', "/api/v2/orgs/$A/owners", { id => $alice })->{status}, 201,
    'alice owns org a');
my $ALICE = 'cookie:' . given(session => 'alice', password => 'alicepass1');

# The issue's token: users of the instance named with alice's org.
my @TAKEOVER = (perm('write', type => 'users', id => $ADMIN, orgID => $A),
    perm('read', type => 'users', id => $ADMIN, orgID => $A));

# Refused for lack of the permission $perm (e.g. "write:users/<id>").
sub denied {
	my ($r, $perm, $what) = @_;
	is_error($r, 401, 'unauthorized', "$perm is unauthorized", $what);
}

subtest 'issue 11: an org owner cannot mint a token on a user by naming her org' => sub {
	my $before = db_state();
	is_error(call($ALICE, 'POST', '/api/v2/authorizations', { orgID => $A, permissions => \@TAKEOVER }),
	    403, 'forbidden', "permission write:orgs/$A/users/$ADMIN is not allowed: "
	    . "write:orgs/$A/users/$ADMIN is unauthorized");
	is(db_state(), $before, 'nothing changed');
};

subtest 'issue 11: such a token, however made, reaches no user' => sub {
	# Made by the operator, who may grant it: it still grants nothing.
	my ($tok) = given(token => $alice, org => $A, permissions => [ @TAKEOVER ]);
	ok(defined $tok, 'the operator may make it');
	my $before = db_state();
	denied(call($tok, 'GET', "/api/v2/users/$ADMIN"), "read:users/$ADMIN", 'GET the operator');
	denied(call($tok, 'PATCH', "/api/v2/users/$ADMIN", { name => 'mallory' }), "write:users/$ADMIN", 'PATCH the operator');
	denied(call($tok, 'POST', "/api/v2/users/$ADMIN/password", { password => 'taken-over-1' }),
	    "write:users/$ADMIN", 'set the operator\'s password');
	denied(call($tok, 'DELETE', "/api/v2/users/$ADMIN"), "write:users/$ADMIN", 'DELETE the operator');
	# Her session, with such a token beside it: still nothing.
	denied(call($ALICE, 'POST', "/api/v2/users/$ADMIN/password", { password => 'taken-over-1' }),
	    "write:users/$ADMIN", 'her session sets the operator\'s password');
	denied(call($ALICE, 'PATCH', "/api/v2/users/$bob", { name => 'mallory' }), "write:users/$bob", 'her session renames bob');
	my $r = call($tok, 'GET', '/api/v2/users');
	is($r->{status}, 200, 'the users list answers') or diag($r->{body});
	is_deeply([ map { $_->{id} } @{ $r->{json}{users} // [] } ], [], 'and shows nobody');
	is(db_state(), $before, 'nothing changed');
	is(call(basic('admin', 'taken-over-1'), 'POST', '/api/v2/signin')->{status},
	    401, 'nobody signs in with the new password');
	is(call(basic('admin', 'adminpass1'), 'POST', '/api/v2/signin')->{status}, 204,
	    'the operator still signs in');
};

subtest 'an org role grants nothing on users, its own members included' => sub {
	is(call($OP, 'POST', "/api/v2/orgs/$A/members", { id => $bob })->{status}, 201,
	    'bob joins a');
	my $before = db_state();
	denied(call($ALICE, 'GET', "/api/v2/users/$bob"), "read:users/$bob", 'the owner reads a member');
	denied(call($ALICE, 'PATCH', "/api/v2/users/$bob", { status => 'inactive' }), "write:users/$bob", 'deactivates a member');
	denied(call($ALICE, 'DELETE', "/api/v2/users/$bob"), "write:users/$bob", 'deletes a member');
	denied(call($ALICE, 'POST', '/api/v2/users', { name => 'eve' }), 'write:users', 'creates a user');
	is(db_state(), $before, 'nothing changed');
	# What she may do: the membership of her own org.
	is(call($ALICE, 'DELETE', "/api/v2/orgs/$A/members/$bob")->{status}, 204,
	    'she removes bob from her org');
	is(call($ALICE, 'POST', "/api/v2/orgs/$B/members", { id => $bob })->{status}, 401,
	    'but not from or to another org');
};

subtest 'an id with an org matches only a resource of that id in that org' => sub {
	# bob's token lives in org b; a token naming it within org a.
	my (undef, $bobs) = given(token => $bob, org => $B,
	    permissions => [ perm('read', type => 'buckets', orgID => $B) ]);
	my ($tok) = given(token => $alice, org => $A, permissions => [ perm('write',
	    type => 'authorizations', id => $bobs, orgID => $A), perm('read', type => 'authorizations', id => $bobs, orgID => $A), perm('read', type => 'orgs', id => $B, orgID => $A) ]);
	my $before = db_state();
	denied(call($tok, 'GET', "/api/v2/authorizations/$bobs"), "read:orgs/$B/authorizations/$bobs", 'GET bob\'s token');
	denied(call($tok, 'PATCH', "/api/v2/authorizations/$bobs", { status => 'inactive' }), "write:orgs/$B/authorizations/$bobs", 'PATCH it');
	denied(call($tok, 'DELETE', "/api/v2/authorizations/$bobs"), "write:orgs/$B/authorizations/$bobs", 'DELETE it');
	denied(call($tok, 'GET', "/api/v2/orgs/$B"), "read:orgs/$B", 'orgs/<a>/orgs/<b> reads org b');
	my $r = call($tok, 'GET', '/api/v2/orgs');
	is_deeply([ map { $_->{id} } @{ $r->{json}{orgs} // [] } ], [], 'org b is not in its list');
	is(db_state(), $before, 'nothing changed');
};

subtest 'an org owner mints only within her org, and nothing on users' => sub {
	my @refused = (
	    [ 'write:users (the operator\'s)', perm('write', type => 'users'), 'write:users' ],
	    [ 'read:users', perm('read', type => 'users'), 'read:users' ],
	    [ 'the users of her org', perm('write', type => 'users', orgID => $A),
		"write:orgs/$A/users" ],
	    [ 'another user', perm('write', type => 'users', id => $bob), "write:users/$bob" ],
	    [ 'write:authorizations, no org', perm('write', type => 'authorizations'),
		'write:authorizations' ],
	    [ 'write:orgs, all orgs', perm('write', type => 'orgs'), 'write:orgs' ],
	    [ 'write:instance', perm('write', type => 'instance'), 'write:instance' ],
	    [ 'buckets of org b', perm('write', type => 'buckets', orgID => $B),
		"write:orgs/$B/buckets" ],
	    [ 'org b itself', perm('read', type => 'orgs', id => $B), "read:orgs/$B" ],
	    [ 'buckets with no org', perm('read', type => 'buckets'), 'read:buckets' ],
	);
	my $before = db_state();
	for my $c (@refused) {
		my $r = call($ALICE, 'POST', '/api/v2/authorizations', { orgID => $A, permissions => [ $c->[1] ] });
		is_error($r, 403, 'forbidden',
		    "permission $c->[2] is not allowed: $c->[2] is unauthorized", $c->[0]);
	}
	is(db_state(), $before, 'nothing changed');
	my $r = call($ALICE, 'POST', '/api/v2/authorizations', { orgID => $A, permissions => [
	    perm('write', type => 'buckets', orgID => $A), perm('read', type => 'orgs', id => $A),
	    perm('read', type => 'users', id => $alice) ] });
	is($r->{status}, 201, 'what she may do herself: 201') or diag($r->{body});
	# Her session writes her user, but sets her password only with the old
	# one: a token that writes her user would set it without.
	$before = db_state();
	is_error(call($ALICE, 'POST', '/api/v2/authorizations', { orgID => $A,
	    permissions => [ perm('write', type => 'users', id => $alice) ] }), 403, 'forbidden',
	    "permission write:users/$alice is not allowed: a session may not give a token write on "
	    . 'its own user (its password needs the current one: PUT /api/v2/me/password)');
	is(db_state(), $before, 'that token is not made');
};

subtest 'a token minted from a token holds no more than its maker' => sub {
	my ($maker) = given(token => $alice, org => $A, permissions => [ perm('write',
	    type => 'authorizations', orgID => $A), perm('write', type => 'users', id => $alice), perm('read', type => 'buckets', orgID => $A) ]);
	my $r = call($maker, 'POST', '/api/v2/authorizations', { orgID => $A,
	    permissions => [ perm('read', type => 'buckets', orgID => $A) ] });
	is($r->{status}, 201, 'a subset is made') or diag($r->{body});
	my $before = db_state();
	for my $p (perm('write', type => 'buckets', orgID => $A), perm('read', type => 'buckets'),
	    perm('read', type => 'users', id => $alice), perm('write', type => 'authorizations'),
	    @TAKEOVER) {
		my $r2 = call($maker, 'POST', '/api/v2/authorizations', { orgID => $A, permissions => [ $p ] });
		is($r2->{status}, 403, "$p->{action}:$p->{resource}{type} beyond the maker: 403") or diag($r2->{body});
	}
	is(call($maker, 'POST', '/api/v2/authorizations', { orgID => $A, userID => $bob,
	    permissions => [ perm('read', type => 'buckets', orgID => $A) ] })->{status}, 401,
	    'a token for another user: 401');
	is(db_state(), $before, 'nothing changed');
};

subtest 'the longest permission is stored whole (notificationEndpoints with an id)' => sub {
	my $p = perm('write', type => 'notificationEndpoints', orgID => $A, id => '0000000000000abc');
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $A,
	    permissions => [ $p ] });
	is($r->{status}, 201, 'made') or diag($r->{body});
	is_deeply($r->{json}{permissions}, [ $p ], 'with the permission asked for');
};

subtest 'a list filter by name answers a missing name as a hidden one' => sub {
	my $bobc = 'cookie:' . given(session => 'bob', password => 'bobpass123');
	for my $q ('user=alice', 'user=nobody-here', 'org=a', 'org=no-such-org') {
		my $r = call($bobc, 'GET', '/api/v2/authorizations', undef, query => $q);
		is($r->{status}, 200, "authorizations?$q: 200") or diag($r->{body});
		is_deeply($r->{json}{authorizations}, [], "authorizations?$q: empty");
	}
	for my $q ('org=a', 'org=no-such-org', "orgID=$A", 'orgID=0123456789abcdef') {
		my $r = call($bobc, 'GET', '/api/v2/orgs', undef, query => $q);
		is($r->{status}, 200, "orgs?$q: 200") or diag($r->{body});
		is_deeply($r->{json}{orgs}, [], "orgs?$q: empty");
	}
	# A second filter that is bad is 400 whether the first name exists.
	for my $q ('user=alice&orgID=zz', 'user=nobody-here&orgID=zz', 'org=a&userID=zz',
	    'org=no-such-org&userID=zz') {
		is(call($bobc, 'GET', '/api/v2/authorizations', undef, query => $q)->{status}, 400,
		    "authorizations?$q: 400");
	}
	# Who may read every user or org learns nothing new: InfluxDB's 404.
	is(call($OP, 'GET', '/api/v2/authorizations', undef,
	    query => 'user=nobody-here')->{status}, 404,
	    'the operator: missing user 404');
	is(call($OP, 'GET', '/api/v2/orgs', undef, query => 'org=no-such-org')->{status}, 404,
	    'the operator: missing org 404');
};

# The last active instance owner.
my $LAST = 'the last active instance owner cannot be deactivated or deleted';

subtest 'the last instance owner cannot be deactivated or deleted through the API' => sub {
	my $own = 'cookie:' . given(session => 'admin', password => 'adminpass1');
	my $before = db_state();
	is_error(call($OP, 'PATCH', "/api/v2/users/$ADMIN", { status => 'inactive' }), 422,
	    'unprocessable entity', $LAST);
	is_error(call($OP, 'DELETE', "/api/v2/users/$ADMIN"), 422,
	    'unprocessable entity', $LAST);
	is_error(call($own, 'DELETE', "/api/v2/users/$ADMIN"), 422, 'unprocessable entity', $LAST);
	is(db_state(), $before, 'nothing changed');
};

subtest 'nor by usersctl, the psql functions or plain SQL' => sub {
	my ($rc, $out, $err) = $t->ctl('user', 'deactivate', 'admin');
	isnt($rc, 0, 'usersctl user deactivate admin fails');
	like($err, qr/\Q$LAST\E/, 'and says why');
	($rc, $out, $err) = $t->ctl('user', 'delete', 'admin');
	isnt($rc, 0, 'usersctl user delete admin fails');
	like($err, qr/\Q$LAST\E/, 'and says why');
	for my $sql ("SELECT usersd_deactivate_user('admin')", "DELETE FROM users WHERE name = 'admin'",
	    "UPDATE users SET instance_owner = false WHERE name = 'admin'",
	    "UPDATE users SET status = 'inactive'") {
		ok(!eval { $t->psql($sql); 1 }, "psql: $sql fails");
		like($@, qr/\Q$LAST\E/, 'with the reason');
	}
	is(one("SELECT status FROM users WHERE id = '$ADMIN'"), 'active', 'the operator is active');
};

subtest 'with a second owner, one of the two may go; then the other may not' => sub {
	my $r = call($OP, 'POST', '/api/v2/users', { name => 'root2' });
	my $root2 = $r->{json}{id};
	$t->psql("UPDATE users SET instance_owner = true WHERE id = '$root2'");
	is(call($OP, 'PATCH', "/api/v2/users/$root2", { status => 'inactive' })->{status}, 200,
	    'the second owner is deactivated');
	is_error(call($OP, 'PATCH', "/api/v2/users/$ADMIN", { status => 'inactive' }), 422,
	    'unprocessable entity', $LAST);
	is(call($OP, 'DELETE', "/api/v2/users/$root2")->{status}, 204,
	    'an inactive owner may be deleted');
};

subtest 'two concurrent removals of two owners cannot both pass' => sub {
	my $r = call($OP, 'POST', '/api/v2/users', { name => 'root3' });
	my $root3 = $r->{json}{id};
	$t->psql("UPDATE users SET instance_owner = true WHERE id = '$root3'");
	# psql deactivates root3 and holds its transaction open for a second;
	# the API deactivates the admin meanwhile.  Each alone would pass.
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		my $ok = eval { $t->psql("BEGIN; UPDATE users SET status = 'inactive' WHERE id = '$root3'; "
		    . "SELECT pg_sleep(1); COMMIT;"); 1 };
		POSIX::_exit($ok ? 0 : 1);
	}
	# This database's lock only: other files run on the cluster too.
	ok(TestLib::within(5, sub { one("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
	    . "AND objid = 7236603 AND granted AND database = "
	    . "(SELECT oid FROM pg_database WHERE datname = current_database())") == 1 }),
	    'psql holds the owner lock');
	my $t0 = time;
	$r = call($OP, 'PATCH', "/api/v2/users/$ADMIN", { status => 'inactive' });
	waitpid($pid, 0);
	is($? >> 8, 0, 'psql\'s deactivation of root3 committed');
	ok(time - $t0 > 0.3, 'the API waited for it');
	is_error($r, 422, 'unprocessable entity', $LAST);
	is(one("SELECT count(*) FROM users WHERE instance_owner AND status = 'active'"), 1,
	    'one active owner is left');
};

done_testing();
