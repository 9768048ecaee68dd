# t0320-orgs.t -- /api/v2/orgs: list with paging and filters, create (the
# creator owns it), get, patch, delete (its tokens go with it), and who may
# do what.
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

sub names { [ map { $_->{name} } @{ $_[0]{json}{orgs} // [] } ] }

my $bob = given(user => 'bob', password => 'bobpass12');

subtest 'GET /api/v2/orgs with the operator token lists the setup org' => sub {
	my $r = call($OP, 'GET', '/api/v2/orgs');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	like($r->{json}{links}{self} // '', qr{^/api/v2/orgs}, 'links.self');
	is_deeply(names($r), [ 'o' ], 'one org: o');
	my ($o) = @{ $r->{json}{orgs} // [] };
	is($o->{id}, $ORG, 'its id');
	is($o->{links}{self}, "/api/v2/orgs/$ORG", 'links.self of the org');
};

my $ACME;
subtest 'POST /api/v2/orgs creates an org: 201 with name and description' => sub {
	my $r = call($OP, 'POST', '/api/v2/orgs', { name => 'acme',
	    description => 'the acme org' });
	is($r->{status}, 201, 'status 201') or diag($r->{body}, $r->{stderr});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	my $j = $r->{json} // {};
	like($j->{id} // '', qr/^[0-9a-f]{16}$/, 'id');
	is($j->{name}, 'acme', 'name');
	is($j->{description}, 'the acme org', 'description');
	is($j->{links}{self}, "/api/v2/orgs/$j->{id}", 'links.self') if $j->{id};
	like($j->{createdAt} // '', qr/^\d{4}-\d\d-\d\dT/, 'createdAt');
	$ACME = $j->{id};
};

subtest 'the creator of an org becomes its owner' => sub {
	my $c = 'cookie:' . given(session => 'bob', password => 'bobpass12');
	# Only an instance owner may create orgs: bob is one while he does,
	# with a write:orgs token of his own.
	$t->psql("UPDATE users SET instance_owner = true WHERE id = '$bob'");
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $bob,
	    permissions => [ { action => 'write', resource => { type => 'orgs' } } ] });
	is($r->{status}, 201, 'a write:orgs token for bob') or diag($r->{body});
	my $tok = $r->{json}{token};
	$r = call($tok, 'POST', '/api/v2/orgs', { name => 'bobs' });
	is($r->{status}, 201, 'bob creates org bobs') or diag($r->{body}, $r->{stderr});
	my $id = $r->{json}{id};
	my @rows = $t->psql("SELECT user_id, role FROM org_members WHERE org_id = '$id'");
	is_deeply(\@rows, [ [ $bob, 'owner' ] ], 'bob is its one owner');
	$r = call($OP, 'GET', "/api/v2/orgs/$id/owners");
	is_deeply([ map { $_->{id} } @{ $r->{json}{users} // [] } ], [ $bob ], 'GET owners lists bob');
	# No longer an instance owner, he still owns it: his session reads
	# and writes it; his token creates no more orgs.
	$t->psql("UPDATE users SET instance_owner = false WHERE id = '$bob'");
	is(call($c, 'GET', "/api/v2/orgs/$id")->{status}, 200, 'bob\'s session reads it');
	is(call($c, 'PATCH', "/api/v2/orgs/$id", { description => 'mine' })->{status}, 200,
	    'and writes it');
	is_error(call($tok, 'POST', '/api/v2/orgs', { name => 'bobs2' }), 401, 'unauthorized',
	    'write:orgs is unauthorized');
};

subtest 'a duplicate org name is 422 conflict' => sub {
	is_error(call($OP, 'POST', '/api/v2/orgs', { name => 'acme' }), 422, 'conflict',
	    'organization with name acme already exists');
	is_error(call($OP, 'POST', '/api/v2/orgs', { name => 'o' }), 422, 'conflict',
	    'organization with name o already exists');
};

subtest 'an empty or missing org name is 400 empty value' => sub {
	is_error(call($OP, 'POST', '/api/v2/orgs', { name => '' }), 400, 'empty value',
	    'org name is required');
	is_error(call($OP, 'POST', '/api/v2/orgs', { description => 'no name' }), 400,
	    'empty value', 'org name is required');
	my ($n) = $t->psql("SELECT count(*) FROM orgs WHERE description = 'no name'");
	is($n->[0], 0, 'nothing created');
};

subtest 'a malformed body on POST /api/v2/orgs is 400, never 500' => sub {
	for my $case ([ 'empty', undef ], [ 'not JSON', 'name=x' ], [ 'truncated', '{"name":' ],
	    [ 'an array', '[]' ], [ 'name a number', '{"name":5}' ]) {
		my $r = $t->cgi(method => 'POST', path => '/api/v2/orgs',
		    headers => { Authorization => "Token $OP", 'Content-Type' => 'application/json' },
		    defined $case->[1] ? (body => $case->[1]) : ());
		is($r->{status}, 400, "$case->[0]: 400") or diag($r->{body});
		ok(defined $r->{headers}{'x-platform-error-code'}, "$case->[0]: X-Platform-Error-Code");
	}
};

subtest 'GET /api/v2/orgs/{id} answers the org' => sub {
	my $r = call($OP, 'GET', "/api/v2/orgs/$ACME");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $ACME, 'id');
	is($r->{json}{name}, 'acme', 'name');
	is($r->{json}{description}, 'the acme org', 'description');
};

subtest 'an unknown org id is 404 organization not found' => sub {
	my $none = '0000000000000abc';
	is_error(call($OP, 'GET', "/api/v2/orgs/$none"), 404, 'not found',
	    'organization not found');
	is_error(call($OP, 'PATCH', "/api/v2/orgs/$none", { name => 'x' }), 404,
	    'not found', 'organization not found');
	is_error(call($OP, 'DELETE', "/api/v2/orgs/$none"), 404, 'not found',
	    'organization not found');
};

subtest 'a malformed org id is 400' => sub {
	is_error(call($OP, 'GET', '/api/v2/orgs/xyz'), 400, 'invalid',
	    'id must have a length of 16 bytes');
	is_error(call($OP, 'DELETE', '/api/v2/orgs/xyz'), 400, 'invalid',
	    'id must have a length of 16 bytes');
};

subtest 'PATCH /api/v2/orgs/{id} renames and describes' => sub {
	my $id = given(org => 'patchme');
	my $r = call($OP, 'PATCH', "/api/v2/orgs/$id", { name => 'patched' });
	is($r->{status}, 200, 'rename 200') or diag($r->{body});
	is($r->{json}{name}, 'patched', 'new name');
	$r = call($OP, 'PATCH', "/api/v2/orgs/$id", { description => 'now described' });
	is($r->{status}, 200, 'describe 200') or diag($r->{body});
	is($r->{json}{name}, 'patched', 'name kept');
	is($r->{json}{description}, 'now described', 'description');
	$r = call($OP, 'GET', "/api/v2/orgs/$id");
	is($r->{json}{name}, 'patched', 'persisted');
	is_error(call($OP, 'PATCH', "/api/v2/orgs/$id", { name => 'acme' }), 422, 'conflict',
	    'organization with name acme already exists');
	is_error(call($OP, 'PATCH', "/api/v2/orgs/$id", { name => '' }), 400,
	    'empty value', 'org name is required');
	is(call($OP, 'PATCH', "/api/v2/orgs/$id", '{"name":')->{status}, 400,
	    'truncated JSON: 400');
};

subtest 'the list filters by org name, orgID and userID' => sub {
	my $r = call($OP, 'GET', '/api/v2/orgs', undef, query => 'org=acme');
	is($r->{status}, 200, 'org=acme: 200') or diag($r->{body});
	is_deeply(names($r), [ 'acme' ], 'org=acme: acme only');
	$r = call($OP, 'GET', '/api/v2/orgs', undef, query => "orgID=$ORG");
	is($r->{status}, 200, 'orgID: 200');
	is_deeply(names($r), [ 'o' ], 'orgID: o only');
	$r = call($OP, 'GET', '/api/v2/orgs', undef, query => "userID=$bob");
	is($r->{status}, 200, 'userID=bob: 200') or diag($r->{body});
	is_deeply(names($r), [ 'bobs' ], 'userID=bob: the org bob owns');
	$r = call($OP, 'GET', '/api/v2/orgs', undef, query => "userID=$ADMIN");
	my %n = map { $_ => 1 } @{ names($r) };
	ok($n{o} && $n{acme} && !$n{bobs}, 'userID=admin: o and acme, not bobs') or diag(join ' ', keys %n);
};

subtest 'the list filters answer 404 for an unknown org name or id' => sub {
	is_error(call($OP, 'GET', '/api/v2/orgs', undef, query => 'org=nope'), 404,
	    'not found', 'organization not found');
	is_error(call($OP, 'GET', '/api/v2/orgs', undef,
	    query => 'orgID=0000000000000abc'), 404, 'not found',
	    'organization not found');
	is_error(call($OP, 'GET', '/api/v2/orgs', undef, query => 'orgID=xyz'), 400, 'invalid',
	    'id must have a length of 16 bytes');
};

subtest 'the list pages with limit, offset and after' => sub {
	my $all = call($OP, 'GET', '/api/v2/orgs');
	my @ids = map { $_->{id} } @{ $all->{json}{orgs} // [] };
	cmp_ok(scalar @ids, '>=', 4, 'at least four orgs') or return;
	my $r = call($OP, 'GET', '/api/v2/orgs', undef, query => 'limit=2');
	is($r->{status}, 200, 'limit=2: 200');
	is_deeply([ map { $_->{id} } @{ $r->{json}{orgs} // [] } ], [ @ids[0, 1] ], 'limit=2: the first two');
	ok(defined $r->{json}{links}{next}, 'limit=2: links.next');
	$r = call($OP, 'GET', '/api/v2/orgs', undef, query => 'limit=2&offset=2');
	is_deeply([ map { $_->{id} } @{ $r->{json}{orgs} // [] } ], [ @ids[2, 3] ], 'offset=2: the next two');
	$r = call($OP, 'GET', '/api/v2/orgs', undef, query => "limit=1&after=$ids[0]");
	is_deeply([ map { $_->{id} } @{ $r->{json}{orgs} // [] } ], [ $ids[1] ], 'after: the one after');
	is(call($OP, 'GET', '/api/v2/orgs', undef, query => 'limit=0')->{status}, 400,
	    'limit=0: 400');
	is(call($OP, 'GET', '/api/v2/orgs', undef, query => 'limit=101')->{status}, 400,
	    'limit=101: 400');
	is(call($OP, 'GET', '/api/v2/orgs', undef, query => 'offset=-1')->{status}, 400,
	    'offset=-1: 400');
};

subtest 'a session without roles sees no orgs and may not read or create one' => sub {
	my $dora = given(user => 'dora', password => 'dorapass12');
	my $c = 'cookie:' . given(session => 'dora', password => 'dorapass12');
	my $r = call($c, 'GET', '/api/v2/orgs');
	is($r->{status}, 200, 'list 200') or diag($r->{body});
	is_deeply(names($r), [], 'an empty list');
	is_error(call($c, 'GET', "/api/v2/orgs/$ORG"), 401, 'unauthorized', "read:orgs/$ORG is unauthorized");
	is_error(call($c, 'POST', '/api/v2/orgs', { name => 'doras' }), 401, 'unauthorized',
	    'write:orgs is unauthorized');
	is_error(call($c, 'DELETE', "/api/v2/orgs/$ORG"), 401, 'unauthorized', "write:orgs/$ORG is unauthorized");
};

subtest 'DELETE /api/v2/orgs/{id} is 204, then 404' => sub {
	my $id = given(org => 'doomed');
	my $r = call($OP, 'DELETE', "/api/v2/orgs/$id");
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	is_error(call($OP, 'GET', "/api/v2/orgs/$id"), 404, 'not found',
	    'organization not found');
	is_error(call($OP, 'DELETE', "/api/v2/orgs/$id"), 404, 'not found',
	    'organization not found');
	my ($n) = $t->psql("SELECT count(*) FROM org_members WHERE org_id = '$id'");
	is($n->[0], 0, 'its memberships are gone');
};

subtest 'deleting an org deletes its tokens, which then get 401' => sub {
	my $id = given(org => 'tokenorg');
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $id, userID => $bob,
	    permissions => [ { action => 'read', resource => { type => 'users', id => $bob } } ] });
	is($r->{status}, 201, 'a token in that org') or diag($r->{body});
	my ($aid, $tok) = ($r->{json}{id}, $r->{json}{token});
	is(call($tok, 'GET', '/api/v2/me')->{status}, 200, 'it works');
	is(call($OP, 'DELETE', "/api/v2/orgs/$id")->{status}, 204, 'org deleted');
	$r = call($tok, 'GET', '/api/v2/me');
	is($r->{status}, 401, 'the token: 401');
	is_deeply($r->{json}, { code => 'unauthorized', message => 'unauthorized access' }, 'unauthorized access');
	is(call($OP, 'GET', "/api/v2/authorizations/$aid")->{status}, 404,
	    'the authorization is gone');
	is(call($OP, 'GET', '/api/v2/me')->{status}, 200, 'the operator token (other org) still works');
};

done_testing();
