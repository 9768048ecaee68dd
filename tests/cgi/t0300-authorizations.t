# t0300-authorizations.t -- /api/v2/authorizations: creating tokens under
# InfluxDB's validation and permission rules, storage as SHA-256 only,
# listing with filters, and GET/PATCH/DELETE by id.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

my $s = given('setup');
my ($ADMIN, $ORG) = ($s->{user_id}, $s->{org_id});

my $bob = given(user => 'bob', password => 'bobpass12');
my $BUCKETS_READ = perm('read', type => 'buckets', orgID => $ORG);
my %AUTH;	# the token made in the first subtest

subtest 'the operator creates a token for a user: 201 with every field' => sub {
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $bob,
	    description => 'bob reads buckets', permissions => [ $BUCKETS_READ ] });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	my $j = $r->{json} // {};
	like($j->{id} // '', qr/^[0-9a-f]{16}$/, 'id: 16 hex digits');
	like($j->{token} // '', qr/^[A-Za-z0-9_-]{86}==$/, 'token: 88 characters of base64url');
	is($j->{status}, 'active', 'status active');
	is($j->{description}, 'bob reads buckets', 'description');
	is($j->{orgID}, $ORG, 'orgID');
	is($j->{org}, 'o', 'org name');
	is($j->{userID}, $bob, 'userID');
	is($j->{user}, 'bob', 'user name');
	is_deeply($j->{permissions}, [ { action => 'read', resource => { type => 'buckets', orgID => $ORG } } ],
	    'permissions');
	is_deeply($j->{links}, { self => "/api/v2/authorizations/$j->{id}", user => "/api/v2/users/$bob" },
	    'links');
	like($j->{createdAt} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'createdAt RFC 3339');
	like($j->{updatedAt} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'updatedAt RFC 3339');
	%AUTH = %$j;
};

subtest 'the token is stored only as its SHA-256' => sub {
	my @rows = $t->psql("SELECT a::text FROM authorizations a");
	is(scalar(grep { index($_->[0], $AUTH{token}) >= 0 } @rows), 0, 'the raw token is in no row');
	my $h = sha256_hex($AUTH{token});
	my ($row) = $t->psql("SELECT id FROM authorizations WHERE token_hash = '$h'");
	is($row->[0], $AUTH{id}, 'sha256_hex(token) is its token_hash');
};

subtest 'a new token holds only its own permissions: bob\'s may not read tokens' => sub {
	my $r = call($AUTH{token}, 'GET', "/api/v2/authorizations/$AUTH{id}");
	# bob's token holds read:orgs/O/buckets only: reading tokens is not in it.
	is($r->{status}, 401, 'no read on authorizations: 401') or diag($r->{body});
	like($r->{json}{message} // '', qr/^read:orgs\/$ORG\/authorizations\/$AUTH{id} is unauthorized$/, 'message');
};

subtest 'GET by id never shows the token' => sub {
	my $r = call($OP, 'GET', "/api/v2/authorizations/$AUTH{id}");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $AUTH{id}, 'id');
	ok(!exists $r->{json}{token} || !defined $r->{json}{token} || $r->{json}{token} eq '',
	    'no token field value');
	unlike($r->{body}, qr/\Q$AUTH{token}\E/, 'token not in the body');
	is($r->{json}{user}, 'bob', 'user');
	is($r->{json}{org}, 'o', 'org');
	is_deeply($r->{json}{permissions}, $AUTH{permissions}, 'permissions');
};

subtest 'the list never shows a token' => sub {
	my $r = call($OP, 'GET', '/api/v2/authorizations');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	unlike($r->{body}, qr/\Q$AUTH{token}\E/, 'bob\'s token not in the body');
	unlike($r->{body}, qr/\Q$OP\E/, 'the operator token not in the body');
	is($r->{json}{links}{self}, '/api/v2/authorizations', 'links.self');
	my %ids = map { $_->{id} => 1 } @{ $r->{json}{authorizations} // [] };
	ok($ids{ $AUTH{id} }, 'lists bob\'s token');
	is(scalar keys %ids, 2, 'two tokens: the operator\'s and bob\'s');
};

subtest 'without userID the token belongs to the caller' => sub {
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ $BUCKETS_READ ] });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{userID}, $ADMIN, 'userID is the operator');
	is($r->{json}{user}, 'admin', 'user admin');
	is($r->{json}{description}, '', 'description empty');
};

subtest 'a token can be created inactive' => sub {
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    status => 'inactive',
	    permissions => [ $BUCKETS_READ ] });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{status}, 'inactive', 'inactive');
};

subtest 'empty permissions are 400' => sub {
	is_error(call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [] }),
	    400, 'invalid', 'authorization must include permissions');
	is_error(call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG }),
	    400, 'invalid', 'authorization must include permissions');
};

subtest 'a missing orgID is 400' => sub {
	is_error(call($OP, 'POST', '/api/v2/authorizations',
	    { permissions => [ perm('read', type => 'buckets') ] }),
	    400, 'invalid', 'org id required: invalid ID');
};

subtest 'an unknown action is 400' => sub {
	is_error(call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('delete', type => 'buckets', orgID => $ORG) ] }),
	    400, 'invalid', 'invalid action type for permission: unknown action for permission');
};

subtest 'an unknown resource type is 400' => sub {
	is_error(call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('read', type => 'foo', orgID => $ORG) ] }),
	    400, 'invalid', 'invalid resource type for permission: unknown resource type for permission');
};

subtest 'a bad status is 400' => sub {
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, status => 'paused',
	    permissions => [ $BUCKETS_READ ] });
	is_error($r, 400, 'invalid', 'invalid status: must be active or inactive');
};

subtest 'a permission for another org is 400' => sub {
	my $r = call($OP, 'POST', '/api/v2/orgs', { name => 'other' });
	is($r->{status}, 201, 'org other created with POST /api/v2/orgs') or diag($r->{body}, $r->{stderr});
	my $P = $r->{json}{id};
	is_error(call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('read', type => 'buckets', orgID => $P) ] }),
	    400, 'invalid', "permission read:orgs/$P/buckets is not for org id $ORG");
};

subtest 'a permission the caller does not hold is 403 (the operator asks for write:instance)' => sub {
	is_error(call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('write', type => 'instance') ] }),
	    403, 'forbidden', 'permission write:instance is not allowed: write:instance is unauthorized');
};

subtest 'not even the setup user\'s session can mint an instance token' => sub {
	my $c = 'cookie:' . given(session => 'admin', password => 'adminpass1');
	my $r = call($c, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('write', type => 'instance') ] });
	is_error($r, 403, 'forbidden', 'permission write:instance is not allowed: a session may '
	    . 'not give a token write on its own user (its password needs the current one: '
	    . 'PUT /api/v2/me/password)');
};

subtest 'an unknown userID is 400 unable to create token' => sub {
	is_error(call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    userID => '0123456789abcdef',
	    permissions => [ $BUCKETS_READ ] }), 400, 'invalid', 'unable to create token');
};

subtest 'an unknown orgID is 400 unable to create token' => sub {
	my $U = 'fedcba9876543210';
	is_error(call($OP, 'POST', '/api/v2/authorizations', { orgID => $U,
	    permissions => [ perm('read', type => 'buckets', orgID => $U) ] }), 400, 'invalid',
	    'unable to create token');
};

subtest 'a malformed body is 400, never 500' => sub {
	for my $case ([ 'empty', undef ], [ 'not JSON', 'orgID=1' ], [ 'truncated', '{"orgID":' ],
	    [ 'an array', '[]' ], [ 'permissions not an array', qq({"orgID":"$ORG","permissions":{}}) ],
	    [ 'a permission without resource', qq({"orgID":"$ORG","permissions":[{"action":"read"}]}) ],
	    [ 'orgID a number', '{"orgID":5,"permissions":[{"action":"read","resource":{"type":"buckets"}}]}' ]) {
		my $r = $t->cgi(method => 'POST', path => '/api/v2/authorizations',
		    headers => { Authorization => "Token $OP", 'Content-Type' => 'application/json' },
		    defined $case->[1] ? (body => $case->[1]) : ());
		is($r->{status}, 400, "$case->[0]: 400") or diag($r->{body});
		ok(defined $r->{headers}{'x-platform-error-code'}, "$case->[0]: X-Platform-Error-Code");
		is($r->{headers}{'content-type'}, $JSONCT, "$case->[0]: JSON");
	}
};

subtest 'a session without a role in the org cannot create a token there' => sub {
	my $c = 'cookie:' . given(session => 'bob', password => 'bobpass12');
	is_error(call($c, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ $BUCKETS_READ ] }), 401, 'unauthorized', "write:orgs/$ORG/authorizations is unauthorized");
};

subtest 'a token for another user needs write:users/<target>' => sub {
	my $carol = given(user => 'carol');
	# A token that may write the org's authorizations but no users, of
	# an owner of the org (what its user may do bounds a token).
	is(call($OP, 'POST', "/api/v2/orgs/$ORG/owners", { id => $bob })->{status}, 201, 'bob owns the org');
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $bob,
	    permissions => [ perm('write', type => 'authorizations', orgID => $ORG), $BUCKETS_READ ] });
	is($r->{status}, 201, 'helper token') or diag($r->{body});
	my $tok = $r->{json}{token};
	is_error(call($tok, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $carol,
	    permissions => [ $BUCKETS_READ ] }), 401, 'unauthorized', "write:users/$carol is unauthorized");
	is(call($OP, 'DELETE', "/api/v2/orgs/$ORG/owners/$bob")->{status}, 204, 'bob owns it no more');
};

subtest 'list filters by userID, user, orgID and org' => sub {
	my $r = call($OP, 'GET', '/api/v2/authorizations', undef, query => "userID=$bob");
	is($r->{status}, 200, 'userID: 200') or diag($r->{body});
	my @a = @{ $r->{json}{authorizations} // [] };
	ok(@a >= 1, 'userID: some');
	is(scalar(grep { $_->{userID} ne $bob } @a), 0, 'userID: only bob\'s');
	$r = call($OP, 'GET', '/api/v2/authorizations', undef, query => 'user=bob');
	is($r->{status}, 200, 'user: 200');
	is_deeply([ sort map { $_->{id} } @{ $r->{json}{authorizations} // [] } ],
	    [ sort map { $_->{id} } @a ], 'user=bob lists the same');
	$r = call($OP, 'GET', '/api/v2/authorizations', undef, query => "orgID=$ORG");
	is($r->{status}, 200, 'orgID: 200');
	is(scalar(grep { $_->{orgID} ne $ORG } @{ $r->{json}{authorizations} // [] }), 0, 'orgID: only o\'s');
	$r = call($OP, 'GET', '/api/v2/authorizations', undef, query => 'org=other');
	is($r->{status}, 200, 'org: 200');
	is_deeply($r->{json}{authorizations}, [], 'org other has no tokens');
	$r = call($OP, 'GET', '/api/v2/authorizations', undef,
	    query => "user=admin&orgID=$ORG");
	is(scalar(grep { $_->{userID} ne $ADMIN } @{ $r->{json}{authorizations} // [] }), 0,
	    'user and orgID combine');
};

subtest 'list with an unknown user name is 404 user not found' => sub {
	is_error(call($OP, 'GET', '/api/v2/authorizations', undef,
	    query => 'user=nobody'), 404, 'not found', 'user not found');
};

subtest 'list with an unknown org name is 404 organization not found' => sub {
	is_error(call($OP, 'GET', '/api/v2/authorizations', undef, query => 'org=nope'),
	    404, 'not found',
	    'organization not found');
};

subtest 'list with a malformed userID is 400' => sub {
	is_error(call($OP, 'GET', '/api/v2/authorizations', undef,
	    query => 'userID=xyz'), 400, 'invalid',
	    'id must have a length of 16 bytes');
};

subtest 'a bad id is 400 id must have a length of 16 bytes' => sub {
	for my $m ('GET', 'DELETE') {
		is_error(call($OP, $m, '/api/v2/authorizations/bad'), 400, 'invalid',
		    'id must have a length of 16 bytes');
	}
	is_error(call($OP, 'PATCH', '/api/v2/authorizations/bad',
	    { description => 'x' }), 400, 'invalid',
	    'id must have a length of 16 bytes');
};

subtest 'a missing id is 404 authorization not found' => sub {
	my $none = '0000000000000fff';
	for my $m ('GET', 'DELETE') {
		is_error(call($OP, $m, "/api/v2/authorizations/$none"), 404,
		    'not found', 'authorization not found');
	}
	is_error(call($OP, 'PATCH', "/api/v2/authorizations/$none",
	    { description => 'x' }), 404, 'not found',
	    'authorization not found');
};

subtest 'PATCH changes the description and status' => sub {
	my $r = call($OP, 'PATCH', "/api/v2/authorizations/$AUTH{id}",
	    { description => 'renamed' });
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{description}, 'renamed', 'description');
	is($r->{json}{status}, 'active', 'status unchanged');
	unlike($r->{body}, qr/\Q$AUTH{token}\E/, 'no token');
	$r = call($OP, 'GET', "/api/v2/authorizations/$AUTH{id}");
	is($r->{json}{description}, 'renamed', 'persisted');
};

subtest 'PATCH with a bad status or bad JSON is 400' => sub {
	is_error(call($OP, 'PATCH', "/api/v2/authorizations/$AUTH{id}",
	    { status => 'gone' }), 400, 'invalid',
	    'invalid status: must be active or inactive');
	is(call($OP, 'PATCH', "/api/v2/authorizations/$AUTH{id}",
	    '{"status":')->{status}, 400, 'truncated JSON: 400');
};

subtest 'an inactive token is refused at once, and works again when reactivated' => sub {
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $bob,
	    permissions => [ perm('read', type => 'users', id => $bob) ] });
	is($r->{status}, 201, 'created') or diag($r->{body});
	my ($id, $tok) = ($r->{json}{id}, $r->{json}{token});
	is(call($tok, 'GET', '/api/v2/me')->{status}, 200, 'works before');
	$r = call($OP, 'PATCH', "/api/v2/authorizations/$id", { status => 'inactive' });
	is($r->{status}, 200, 'PATCH inactive 200') or diag($r->{body});
	is($r->{json}{status}, 'inactive', 'inactive');
	$r = call($tok, 'GET', '/api/v2/me');
	is($r->{status}, 401, 'refused: 401') or diag($r->{body});
	is($r->{json}{code}, 'unauthorized', 'code unauthorized');
	is(call($OP, 'PATCH', "/api/v2/authorizations/$id",
	    { status => 'active' })->{status}, 200, 'reactivated');
	is(call($tok, 'GET', '/api/v2/me')->{status}, 200, 'works again');
};

subtest 'DELETE is 204, then 404, and the token is refused at once' => sub {
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $bob,
	    permissions => [ perm('read', type => 'users', id => $bob) ] });
	my ($id, $tok) = ($r->{json}{id}, $r->{json}{token});
	is(call($tok, 'GET', '/api/v2/me')->{status}, 200, 'works before');
	$r = call($OP, 'DELETE', "/api/v2/authorizations/$id");
	is($r->{status}, 204, 'DELETE 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	is_error(call($OP, 'DELETE', "/api/v2/authorizations/$id"), 404, 'not found',
	    'authorization not found');
	is_error(call($OP, 'GET', "/api/v2/authorizations/$id"), 404, 'not found',
	    'authorization not found');
	$r = call($tok, 'GET', '/api/v2/me');
	is_error($r, 401, 'unauthorized', 'unauthorized access', 'the token');
};

subtest 'a token of a deleted user is gone with it' => sub {
	my $dan = given(user => 'dan');
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $dan,
	    permissions => [ perm('read', type => 'users', id => $dan) ] });
	my ($id, $tok) = ($r->{json}{id}, $r->{json}{token});
	is(call($OP, 'DELETE', "/api/v2/users/$dan")->{status}, 204, 'user deleted');
	is(call($tok, 'GET', '/api/v2/me')->{status}, 401, 'token refused');
	is(call($OP, 'GET', "/api/v2/authorizations/$id")->{status}, 404,
	    'the authorization is gone');
};

subtest 'a session may read and delete its own user\'s tokens only' => sub {
	my $c = 'cookie:' . given(session => 'bob', password => 'bobpass12');
	my $r = call($c, 'GET', '/api/v2/authorizations');
	is($r->{status}, 200, 'list 200') or diag($r->{body});
	is(scalar(grep { $_->{userID} ne $bob } @{ $r->{json}{authorizations} // [] }), 0,
	    'only bob\'s tokens are listed');
	$r = call($OP, 'GET', '/api/v2/authorizations', undef, query => "userID=$ADMIN");
	my ($admins) = map { $_->{id} } @{ $r->{json}{authorizations} // [] };
	$r = call($c, 'GET', "/api/v2/authorizations/$admins");
	is($r->{status}, 401, 'the admin\'s token: 401') or diag($r->{body});
	$r = call($c, 'DELETE', "/api/v2/authorizations/$admins");
	is($r->{status}, 401, 'delete the admin\'s token: 401');
	is(call($OP, 'GET', "/api/v2/authorizations/$admins")->{status}, 200, 'still there');
};

subtest 'every created token is distinct' => sub {
	my %seen;
	for (1 .. 3) {
		my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG,
		    permissions => [ $BUCKETS_READ ] });
		$seen{ $r->{json}{token} // '' }++;
	}
	is(scalar keys %seen, 3, 'three different tokens');
};

subtest 'issue 25.5: the list is scoped in the query and paged: full pages of what the caller may read' => sub {
	my $pat = given(user => 'pat', password => 'patpass123');
	my $P = given(org => 'p');
	is(call($OP, 'POST', "/api/v2/orgs/$P/owners", { id => $pat })->{status}, 201, 'pat owns p');
	my $c = 'cookie:' . given(session => 'pat', password => 'patpass123');
	# Others' tokens, made first so that their ids sort before hers.
	given(token => $bob, org => $ORG) for 1 .. 4;
	my @mine = sort map { (given(token => $pat, org => $P))[1] } 1 .. 3;
	my $r = call($c, 'GET', '/api/v2/authorizations');
	is_deeply([ map { $_->{id} } @{ $r->{json}{authorizations} // [] } ], \@mine,
	    'without limit: all hers (InfluxDB does not page this list)');
	ok(!exists $r->{json}{links}{next}, 'and no next link');
	$r = call($c, 'GET', '/api/v2/authorizations', undef, query => 'limit=2');
	is($r->{status}, 200, 'limit=2: 200') or diag($r->{body});
	is_deeply([ map { $_->{id} } @{ $r->{json}{authorizations} // [] } ], [ @mine[0, 1] ],
	    'a full page of hers, none hidden in it');
	is($r->{json}{links}{next}, "/api/v2/authorizations?limit=2&after=$mine[1]", 'links.next');
	my ($q) = ($r->{json}{links}{next} // '') =~ /\?(.*)/;
	$r = call($c, 'GET', '/api/v2/authorizations', undef, query => $q);
	is_deeply([ map { $_->{id} } @{ $r->{json}{authorizations} // [] } ], [ $mine[2] ], 'the next page: the last');
	ok(!exists $r->{json}{links}{next}, 'and no next link');
	$r = call($c, 'GET', '/api/v2/authorizations', undef, query => 'offset=1&limit=1');
	is_deeply([ map { $_->{id} } @{ $r->{json}{authorizations} // [] } ], [ $mine[1] ], 'offset=1&limit=1');
	$r = call($c, 'GET', '/api/v2/authorizations', undef, query => "orgID=$P&limit=1");
	is($r->{json}{links}{next}, "/api/v2/authorizations?limit=1&after=$mine[0]&orgID=$P",
	    'the filter goes on in links.next');
	is_error(call($c, 'GET', '/api/v2/authorizations', undef, query => 'limit=0'), 400, 'invalid',
	    'limit must be between 1 and 100');
	is_error(call($c, 'GET', '/api/v2/authorizations', undef, query => 'after=xyz'), 400, 'invalid',
	    'decoding after: id must have a length of 16 bytes');
	# The operator reads every token, page by page.
	my ($all) = $t->psql('SELECT count(*) FROM authorizations');
	my ($n, $query, %ids) = (0, 'limit=3');
	while (defined $query && $n++ < 50) {
		$r = call($OP, 'GET', '/api/v2/authorizations', undef, query => $query);
		$ids{ $_->{id} }++ for @{ $r->{json}{authorizations} // [] };
		($query) = ($r->{json}{links}{next} // '') =~ /\?(.*)/;
	}
	is(scalar keys %ids, $all->[0], 'the operator\'s pages hold every token once');
	# A user who may read no token reads none, with or without a limit.
	given(user => 'nobody', password => 'nobodypass1');
	my $none = 'cookie:' . given(session => 'nobody', password => 'nobodypass1');
	for my $qs ('', 'limit=100') {
		$r = call($none, 'GET', '/api/v2/authorizations', undef, query => $qs);
		is_deeply($r->{json}{authorizations}, [], "nobody ($qs): none");
	}
};

# A token may name a token by id in an org its user has no role in: it may
# not read that one (docs/permissions.md), and the list must leave it out
# before paging, not after, or a page comes back short with a next link.
subtest 'a token naming a hidden token by id: the hidden one is left out before paging' => sub {
	my $dan = given(user => 'dan', password => 'danpass123');
	my $P = given(org => 'dan-org');
	my $Q = given(org => 'not-dans');
	is(call($OP, 'POST', "/api/v2/orgs/$P/owners", { id => $dan })->{status}, 201, 'dan owns P');
	# Dan's token in Q, where dan has no role, and sorting before every other.
	my (undef, $hidden) = given(token => $dan, org => $Q);
	$t->psql("UPDATE authorizations SET id = '0000000000000001' WHERE id = '$hidden'");
	$hidden = '0000000000000001';
	my (undef, $seen) = given(token => $dan, org => $P);
	my ($k) = given(token => $dan, org => $P, permissions => [
	    perm('read', type => 'authorizations', id => $hidden),
	    perm('read', type => 'authorizations', orgID => $P),
	    perm('read', type => 'users', id => $dan) ]);
	my $r = call($k, 'GET', "/api/v2/authorizations/$hidden");
	is($r->{status}, 401, 'the named token itself is not readable') or diag($r->{body});
	$r = call($k, 'GET', '/api/v2/authorizations', undef, query => 'limit=1');
	is($r->{status}, 200, 'limit=1: 200') or diag($r->{body});
	is(scalar @{ $r->{json}{authorizations} // [] }, 1, 'the first page is full');
	my ($n, $query, @ids) = (0, 'limit=1');
	while (defined $query && $n++ < 10) {
		$r = call($k, 'GET', '/api/v2/authorizations', undef, query => $query);
		my @page = map { $_->{id} } @{ $r->{json}{authorizations} // [] };
		ok(@page == 1, "page $n holds one token") or diag($r->{body});
		push @ids, @page;
		($query) = ($r->{json}{links}{next} // '') =~ /\?(.*)/;
	}
	is_deeply([ sort @ids ], [ sort grep { $_ ne $hidden } map { $_->[0] }
	    $t->psql("SELECT id FROM authorizations WHERE org_id = '$P'") ],
	    'the pages hold dan\'s tokens in P, never the hidden one');
};

done_testing();
