# t0310-four-step-flow.t -- the contract's walkthrough: the operator creates
# a user, takes its id, makes a token scoped to that user, sets its
# password; then what that user-scoped token can and cannot do.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

my $s = given('setup');
my ($ADMIN, $ORG) = ($s->{user_id}, $s->{org_id});

my ($UID, $UTOK, $AUTHID, $OTHER);

subtest 'step 1: the operator creates the user and takes its id' => sub {
	my $r = call($OP, 'POST', '/api/v2/users', { name => 'carl' });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	$UID = $r->{json}{id};
	like($UID // '', qr/^[0-9a-f]{16}$/, 'an id');
	$r = call($OP, 'POST', '/api/v2/users', { name => 'other' });
	$OTHER = $r->{json}{id};
};

subtest 'step 2: a token scoped to the user with read and write on itself' => sub {
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $UID,
	    description => 'carl', permissions => [ perm('read', type => 'users', id => $UID),
		perm('write', type => 'users', id => $UID) ] });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	($UTOK, $AUTHID) = ($r->{json}{token}, $r->{json}{id});
	is($r->{json}{userID}, $UID, 'userID');
	is($r->{json}{user}, 'carl', 'user');
	is_deeply($r->{json}{permissions}, [ { action => 'read', resource => { type => 'users', id => $UID } },
	    { action => 'write', resource => { type => 'users', id => $UID } } ], 'permissions');
	is_deeply($r->{json}{links}, { self => "/api/v2/authorizations/$AUTHID", user => "/api/v2/users/$UID" },
	    'links');
};

subtest 'step 3: the operator sets the user\'s password' => sub {
	my $r = call($OP, 'POST', "/api/v2/users/$UID/password", { password => 'carlpass12' });
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	$r = call(basic('carl', 'carlpass12'), 'POST', '/api/v2/signin');
	is($r->{status}, 204, 'the user can sign in') or diag($r->{body});
};

subtest 'step 4: the user-scoped token reads GET /api/v2/me' => sub {
	my $r = call($UTOK, 'GET', '/api/v2/me');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $UID, 'own id');
	is($r->{json}{name}, 'carl', 'own name');
};

subtest 'the user-scoped token reads its own user' => sub {
	my $r = call($UTOK, 'GET', "/api/v2/users/$UID");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{name}, 'carl', 'carl');
	is($r->{json}{links}{self}, "/api/v2/users/$UID", 'links.self');
};

subtest 'the user-scoped token sees only itself in the users list' => sub {
	my $r = call($UTOK, 'GET', '/api/v2/users');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	my @u = @{ $r->{json}{users} // [] };
	is(scalar @u, 1, 'exactly one user');
	is($u[0]{id}, $UID, 'itself');
	unlike($r->{body}, qr/$ADMIN|$OTHER/, 'no other user id in the body');
};

subtest 'the user-scoped token cannot read another user' => sub {
	is_error(call($UTOK, 'GET', "/api/v2/users/$OTHER"), 401, 'unauthorized',
	    "read:users/$OTHER is unauthorized");
	is_error(call($UTOK, 'GET', "/api/v2/users/$ADMIN"), 401, 'unauthorized',
	    "read:users/$ADMIN is unauthorized");
};

subtest 'the user-scoped token cannot create users' => sub {
	is_error(call($UTOK, 'POST', '/api/v2/users', { name => 'mallory' }), 401, 'unauthorized',
	    'write:users is unauthorized');
};

subtest 'the user-scoped token cannot change another user' => sub {
	is_error(call($UTOK, 'PATCH', "/api/v2/users/$OTHER", { name => 'x' }), 401, 'unauthorized',
	    "write:users/$OTHER is unauthorized");
	is_error(call($UTOK, 'DELETE', "/api/v2/users/$OTHER"), 401, 'unauthorized',
	    "write:users/$OTHER is unauthorized");
	is_error(call($UTOK, 'POST', "/api/v2/users/$OTHER/password", { password => 'hijacked12' }),
	    401, 'unauthorized', "write:users/$OTHER is unauthorized");
};

subtest 'the user-scoped token may set its own password (write:users/<self>)' => sub {
	my $r = call($UTOK, 'POST', "/api/v2/users/$UID/password", { password => 'carlpass34' });
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	$r = call(basic('carl', 'carlpass34'), 'POST', '/api/v2/signin');
	is($r->{status}, 204, 'the new password signs in');
};

subtest 'the user-scoped token cannot mint tokens without write on the org\'s authorizations' => sub {
	is_error(call($UTOK, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('read', type => 'users', id => $UID) ] }), 401, 'unauthorized',
	    "write:orgs/$ORG/authorizations is unauthorized");
};

subtest 'a user token gets 403 when it asks for more than it holds' => sub {
	# Writing the org's tokens is for its owners: carl becomes one.
	is(call($OP, 'POST', "/api/v2/orgs/$ORG/owners", { id => $UID })->{status}, 201, 'carl owns the org');
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $UID,
	    permissions => [ perm('read', type => 'users', id => $UID), perm('write', type => 'users', id => $UID),
		perm('write', type => 'authorizations', orgID => $ORG) ] });
	is($r->{status}, 201, 'a token that may also write the org\'s authorizations') or diag($r->{body});
	my $tok = $r->{json}{token};
	is_error(call($tok, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('write', type => 'users') ] }), 403, 'forbidden',
	    'permission write:users is not allowed: write:users is unauthorized');
	is_error(call($tok, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('read', type => 'users', id => $OTHER) ] }), 403, 'forbidden',
	    "permission read:users/$OTHER is not allowed: read:users/$OTHER is unauthorized");
	is_error(call($tok, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('read', type => 'buckets', orgID => $ORG) ] }), 403, 'forbidden',
	    "permission read:orgs/$ORG/buckets is not allowed: read:orgs/$ORG/buckets is unauthorized");
	$r = call($tok, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('read', type => 'users', id => $UID) ] });
	is($r->{status}, 201, 'a subset of what it holds: 201') or diag($r->{body});
	is($r->{json}{userID}, $UID, 'for itself');
	my ($n) = $t->psql("SELECT count(*) FROM authorizations WHERE user_id = '$UID'");
	is($n->[0], 3, 'three tokens for carl, none from the refused requests');
};

subtest 'a user token cannot mint a token for another user' => sub {
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $UID,
	    permissions => [ perm('read', type => 'users', id => $UID),
		perm('write', type => 'authorizations', orgID => $ORG) ] });
	my $tok = $r->{json}{token};
	is_error(call($tok, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $OTHER,
	    permissions => [ perm('read', type => 'users', id => $UID) ] }), 401, 'unauthorized',
	    "write:users/$OTHER is unauthorized");
};

subtest 'deactivating the user makes its token useless' => sub {
	my $r = call($OP, 'PATCH', "/api/v2/users/$UID", { status => 'inactive' });
	is($r->{status}, 200, 'deactivated') or diag($r->{body});
	$r = call($UTOK, 'GET', '/api/v2/me');
	is_error($r, 403, 'forbidden', 'User is inactive');
};

subtest 'deleting the user revokes its token' => sub {
	is(call($OP, 'DELETE', "/api/v2/users/$UID")->{status}, 204, 'deleted');
	my $r = call($UTOK, 'GET', '/api/v2/me');
	is($r->{status}, 401, 'token refused with 401');
	is(call($OP, 'GET', "/api/v2/authorizations/$AUTHID")->{status}, 404,
	    'the authorization is gone');
};

done_testing();
