# t0140-users-get-patch-delete.t -- GET, PATCH and DELETE /api/v2/users/{id}.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use MIME::Base64 qw(encode_base64);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
$t->serve;	# one long-lived worker (TestLib)

my $S = given('setup');
my $ORG = $S->{org_id};
my $ADMIN = $S->{user_id};
my $OPAUTH = one('SELECT id FROM authorizations WHERE user_id = ' . lit($ADMIN));
my $ALICE = given(user => 'alice');
my ($BOB, $BOBC) = (given(user => 'bob', password => 'pw-bob-12345'),
    given(session => 'bob', password => 'pw-bob-12345'));

sub get_user { my ($id, $cred) = @_; return call($cred, 'GET', "/api/v2/users/$id") }
sub patch_user { my ($id, $body, $cred) = @_; return call($cred, 'PATCH',
    "/api/v2/users/$id", $body) }
sub del_user { my ($id, $cred) = @_; return call($cred, 'DELETE', "/api/v2/users/$id") }
sub row_of { my ($id) = @_; return one("SELECT name || '/' || status FROM users WHERE id = " . lit($id)) }

# --- GET ---------------------------------------------------------------

subtest 'GET /api/v2/users/{id} with the operator token is 200 with the user' => sub {
	my $r = get_user($ALICE, $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$ALICE" }, id => $ALICE,
	    name => 'alice', status => 'active' }, 'UserResponse');
};

subtest 'GET of an unknown id is 404 user not found' => sub {
	is_error(get_user('0000000000000fff', $OP), 404, 'not found', 'user not found');
};

subtest 'GET with an upper-case id finds the user and answers in lower case' => sub {
	my $r = get_user(uc $ALICE, $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $ALICE, 'lower-case id');
};

subtest 'GET with a trailing slash is the same resource' => sub {
	my $r = get_user("$ALICE/", $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $ALICE, 'alice');
};

subtest 'GET with malformed ids is 400 invalid' => sub {
	is_error(get_user('abc', $OP), 400, 'invalid',
	    'id must have a length of 16 bytes', 'abc');
	is_error(get_user('000000000000000g', $OP), 400, 'invalid', 'invalid ID', 'non-hex');
	is_error(get_user('0000000000000000', $OP), 400, 'invalid', 'invalid ID', 'zero');
	is_error(get_user('password', $OP), 400, 'invalid',
	    'id must have a length of 16 bytes', '"password"');
};

subtest 'a session may GET its own user' => sub {
	my $r = get_user($BOB, "cookie:$BOBC");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{name}, 'bob', 'bob');
};

subtest 'a session GETting another user is 401 read:users/<id> is unauthorized' => sub {
	is_error(get_user($ALICE, "cookie:$BOBC"), 401, 'unauthorized',
	    "read:users/$ALICE is unauthorized");
};

subtest 'a session GETting an unknown id is 401 too: permission before existence' => sub {
	is_error(get_user('0000000000000fff', "cookie:$BOBC"), 401, 'unauthorized',
	    'read:users/0000000000000fff is unauthorized');
};

subtest 'GET without credentials is 401 unauthorized access' => sub {
	is_error(get_user($ALICE), 401, 'unauthorized', 'unauthorized access');
};

# --- PATCH -------------------------------------------------------------

subtest 'PATCH {"name"} renames the user and keeps the status' => sub {
	my $id = given(user => 'carl', status => 'inactive');
	my $r = patch_user($id, { name => 'carl2' }, $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$id" }, id => $id,
	    name => 'carl2', status => 'inactive' }, 'UserResponse with the new name');
	is(row_of($id), 'carl2/inactive', 'stored');
};

subtest 'PATCH {"status":"inactive"} deactivates and keeps the name' => sub {
	my $id = given(user => 'dan');
	my $r = patch_user($id, { status => 'inactive' }, $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{status}, 'inactive', 'inactive');
	is($r->{json}{name}, 'dan', 'name unchanged');
	is(row_of($id), 'dan/inactive', 'stored');
	$r = patch_user($id, { status => 'active' }, $OP);
	is($r->{json}{status}, 'active', 'and back to active');
};

subtest 'PATCH with name and status changes both' => sub {
	my $id = given(user => 'ed');
	my $r = patch_user($id, { name => 'eddie', status => 'inactive' }, $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is(row_of($id), 'eddie/inactive', 'both stored');
};

subtest 'PATCH {"status":null} leaves the status unchanged' => sub {
	my $id = given(user => 'fay', status => 'inactive');
	my $r = patch_user($id, { status => undef }, $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{status}, 'inactive', 'still inactive');
	is(row_of($id), 'fay/inactive', 'stored unchanged');
};

subtest 'PATCH {} is a no-op 200' => sub {
	my $id = given(user => 'gus');
	my $before = row_of($id);
	my $r = patch_user($id, {}, $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$id" }, id => $id,
	    name => 'gus', status => 'active' }, 'the user as it was');
	is(row_of($id), $before, 'unchanged');
};

subtest 'PATCH ignores id and unknown fields in the body' => sub {
	my $id = given(user => 'hal');
	my $r = patch_user($id, { id => '0000000000000123', extra => 1, name => 'hal2' }, $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $id, 'id unchanged');
	is(one("SELECT count(*) FROM users WHERE id = '0000000000000123'"), 0, 'no user with the body id');
};

subtest 'PATCH with an invalid status is 400 and changes nothing' => sub {
	my $id = given(user => 'ian');
	my $before = db_state();
	for my $st ('bogus', '', 'ACTIVE') {
		is_error(patch_user($id, { status => $st }, $OP), 400, 'invalid',
		    'invalid status: must be active or inactive', "status '$st'");
	}
	is_error(patch_user($id, { name => 'ian2', status => 'bogus' }, $OP), 400, 'invalid',
	    'invalid status: must be active or inactive', 'with a valid name');
	is(db_state(), $before, 'database unchanged');
};

subtest 'PATCH renaming onto an existing name is 422 conflict and changes nothing' => sub {
	my $id = given(user => 'jim');
	my $before = db_state();
	is_error(patch_user($id, { name => 'bob' }, $OP), 422, 'conflict',
	    'user with name bob already exists');
	is(db_state(), $before, 'database unchanged');
	is(row_of($id), 'jim/active', 'jim still jim');
};

subtest 'PATCH renaming a user to its own name is 200' => sub {
	my $id = given(user => 'kim');
	my $r = patch_user($id, { name => 'kim' }, $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
};

subtest 'PATCH with an empty name is 400 empty value and changes nothing' => sub {
	my $id = given(user => 'lee');
	my $before = db_state();
	is_error(patch_user($id, { name => '' }, $OP), 400, 'empty value',
	    'user name is required');
	is(db_state(), $before, 'database unchanged');
};

subtest 'PATCH of an unknown id is 404 user not found' => sub {
	my $before = db_state();
	is_error(patch_user('0000000000000fff', { name => 'x' }, $OP), 404, 'not found',
	    'user not found');
	is(db_state(), $before, 'database unchanged');
};

subtest 'PATCH with a malformed id is 400' => sub {
	is_error(patch_user('xyz', { name => 'x' }, $OP), 400, 'invalid',
	    'id must have a length of 16 bytes');
};

subtest 'PATCH writes an audit_log update row naming the actor and target' => sub {
	my $id = given(user => 'mo');
	patch_user($id, { name => 'moe' }, $OP);
	my @rows = $t->psql("SELECT actor_user_id, actor_auth_id FROM audit_log WHERE action = 'update' "
	    . "AND target_type = 'user' AND target_id = " . lit($id));
	is(scalar @rows, 1, 'one update row');
	is_deeply($rows[0], [ $ADMIN, $OPAUTH ], 'actor is the operator and its token');
};

subtest 'a session may rename itself' => sub {
	my $r = patch_user($BOB, { name => 'robert' }, "cookie:$BOBC");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{name}, 'robert', 'renamed');
	my @rows = $t->psql("SELECT actor_user_id FROM audit_log WHERE action = 'update' AND target_id = "
	    . lit($BOB));
	is_deeply([ map { $_->[0] } @rows ], [ $BOB ], 'audit actor is bob himself');
	patch_user($BOB, { name => 'bob' }, "cookie:$BOBC");
};

subtest 'a session patching another user is 401 write:users/<id> is unauthorized' => sub {
	my $before = db_state();
	is_error(patch_user($ALICE, { name => 'x' }, "cookie:$BOBC"), 401, 'unauthorized',
	    "write:users/$ALICE is unauthorized");
	is(db_state(), $before, 'database unchanged');
};

subtest 'PATCH to inactive ends the user\'s sessions at once' => sub {
	my ($id, $c) = (given(user => 'nina', password => 'pw-nina-12345'),
	    given(session => 'nina', password => 'pw-nina-12345'));
	my $r = patch_user($id, { status => 'inactive' }, $OP);
	is($r->{status}, 200, 'deactivated') or diag($r->{body});
	is(($t->psql("SELECT count(*) FROM sessions WHERE user_id = '$id'"))[0][0], 0,
	    'no session rows left');
	# The session is gone (docs/compatibility.md), so the cookie is unknown.
	$r = call("cookie:$c", 'GET', '/api/v2/me');
	is($r->{status}, 401, 'the old session is refused') or diag($r->{body});
	is($r->{json}{message}, 'unauthorized access', 'as an unknown cookie');
};

# --- DELETE ------------------------------------------------------------

subtest 'DELETE is 204 with no body, then GET and DELETE are 404' => sub {
	my $id = given(user => 'olga');
	my $r = del_user($id, $OP);
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	ok(!defined $r->{headers}{'content-type'}, 'no Content-Type');
	is(one('SELECT count(*) FROM users WHERE id = ' . lit($id)), 0, 'row gone');
	is_error(get_user($id, $OP), 404, 'not found', 'user not found', 'GET after');
	is_error(del_user($id, $OP), 404, 'not found', 'user not found', 'DELETE again');
};

subtest 'DELETE writes an audit_log delete row naming the actor and target' => sub {
	my $id = given(user => 'pat');
	del_user($id, $OP);
	my @rows = $t->psql("SELECT actor_user_id, actor_auth_id, target_type FROM audit_log "
	    . "WHERE action = 'delete' AND target_id = " . lit($id));
	is(scalar @rows, 1, 'one delete row');
	is_deeply($rows[0], [ $ADMIN, $OPAUTH, 'user' ], 'operator, its token, a user');
};

subtest 'DELETE removes the password, sessions, tokens and memberships of the user' => sub {
	my ($id, $c) = (given(user => 'quinn', password => 'quinnpass1'),
	    given(session => 'quinn', password => 'quinnpass1'));
	my ($tok, $authid) = given(token => $id, org => $ORG);
	my $r = call($OP, 'POST', "/api/v2/orgs/$ORG/members", { id => $id });
	is($r->{status}, 201, 'made a member of the org') or diag($r->{body});
	my $q = lit($id);
	my $counts = "SELECT (SELECT count(*) FROM users WHERE id = $q AND password_hash IS NOT NULL), "
	    . "(SELECT count(*) FROM sessions WHERE user_id = $q), "
	    . "(SELECT count(*) FROM authorizations WHERE user_id = $q), "
	    . "(SELECT count(*) FROM org_members WHERE user_id = $q)";
	is_deeply(($t->psql($counts))[0], [ 1, 1, 1, 1 ], 'password, session, token and membership exist');
	$r = del_user($id, $OP);
	is($r->{status}, 204, 'deleted') or diag($r->{body});
	is_deeply(($t->psql($counts))[0], [ 0, 0, 0, 0 ], 'all gone');
	is(one('SELECT count(*) FROM authorizations WHERE id = ' . lit($authid)), 0, 'the token row is gone');
	is_error(call($tok, 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access', "the deleted user's token");
	is_error(call("cookie:$c", 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access', "the deleted user's session");
	is(call(basic('quinn', 'quinnpass1'), 'POST', '/api/v2/signin')->{status}, 401,
	    'cannot sign in any more');
	$r = call($OP, 'GET', "/api/v2/orgs/$ORG/members");
	ok(!grep({ $_->{id} eq $id } @{ $r->{json}{users} // [] }), 'not listed as a member');
};

subtest 'a session deleting another user is 401 write:users/<id> is unauthorized' => sub {
	my $before = db_state();
	is_error(del_user($ALICE, "cookie:$BOBC"), 401, 'unauthorized',
	    "write:users/$ALICE is unauthorized");
	is(db_state(), $before, 'database unchanged');
};

subtest 'a session may delete its own user, and is then signed out' => sub {
	my ($id, $c) = (given(user => 'rita', password => 'pw-rita-12345'),
	    given(session => 'rita', password => 'pw-rita-12345'));
	my $r = del_user($id, "cookie:$c");
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is(one('SELECT count(*) FROM users WHERE id = ' . lit($id)), 0, 'row gone');
	is_error(call("cookie:$c", 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access', 'next request');
};

subtest 'DELETE with a malformed id is 400' => sub {
	is_error(del_user('nothex', $OP), 400, 'invalid', 'id must have a length of 16 bytes');
	is_error(del_user('000000000000000z', $OP), 400, 'invalid', 'invalid ID');
};

subtest 'DELETE /api/v2/users without an id is 405 with Allow' => sub {
	my $r = call($OP, 'DELETE', '/api/v2/users');
	is_error($r, 405, 'method not allowed', qr/GET/);
	my $allow = $r->{headers}{allow} // '';
	like($allow, qr/\bGET\b/, 'Allow has GET');
	like($allow, qr/\bPOST\b/, 'Allow has POST');
	unlike($allow, qr/DELETE/, 'Allow has no DELETE');
};

subtest 'PUT /api/v2/users/{id} is 405' => sub {
	my $r = call($OP, 'PUT', "/api/v2/users/$ALICE", { name => 'x' });
	is($r->{status}, 405, 'status 405');
	like($r->{headers}{allow} // '', qr/PATCH/, 'Allow lists PATCH');
};

subtest 'an unknown sub-path of a user is 404' => sub {
	my $r = get_user("$ALICE/nope", $OP);
	is($r->{status}, 404, 'status 404');
	is($r->{json}{code}, 'not found', 'code not found');
};

$t->serve_end;
done_testing();
