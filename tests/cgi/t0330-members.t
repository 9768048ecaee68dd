# t0330-members.t -- /api/v2/orgs/{id}/members and /owners: list, add,
# remove, and what a membership gives the member's session (read on the
# org for a member, read and write for an owner).
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

sub ids_of { [ sort map { $_->{id} } @{ $_[0]{json}{users} // [] } ] }

my $ann = given(user => 'ann', password => 'annpass123');
my $ben = given(user => 'ben', password => 'benpass123');
my $ACME = given(org => 'acme');

subtest 'a new org lists its creator as owner and no members' => sub {
	my $r = call($OP, 'GET', "/api/v2/orgs/$ACME/owners");
	is($r->{status}, 200, 'owners 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is_deeply(ids_of($r), [ $ADMIN ], 'the operator owns it');
	is($r->{json}{users}[0]{role}, 'owner', 'role owner');
	is($r->{json}{links}{self}, "/api/v2/orgs/$ACME/owners", 'links.self');
	$r = call($OP, 'GET', "/api/v2/orgs/$ACME/members");
	is($r->{status}, 200, 'members 200') or diag($r->{body});
	is_deeply($r->{json}{users}, [], 'no members');
	is($r->{json}{links}{self}, "/api/v2/orgs/$ACME/members", 'links.self');
};

subtest 'POST members adds a member: 201 with the user and role member' => sub {
	my $r = call($OP, 'POST', "/api/v2/orgs/$ACME/members", { id => $ann });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is($r->{json}{id}, $ann, 'id');
	is($r->{json}{name}, 'ann', 'name');
	is($r->{json}{status}, 'active', 'status');
	is($r->{json}{role}, 'member', 'role member');
	is($r->{json}{links}{self}, "/api/v2/users/$ann", 'links.self');
	$r = call($OP, 'GET', "/api/v2/orgs/$ACME/members");
	is_deeply(ids_of($r), [ $ann ], 'GET members lists ann');
	is($r->{json}{users}[0]{role}, 'member', 'with role member');
	is($r->{json}{users}[0]{name}, 'ann', 'and her name');
};

subtest 'POST owners adds an owner: 201 with role owner' => sub {
	my $r = call($OP, 'POST', "/api/v2/orgs/$ACME/owners", { id => $ben });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{id}, $ben, 'id');
	is($r->{json}{name}, 'ben', 'name');
	is($r->{json}{role}, 'owner', 'role owner');
	$r = call($OP, 'GET', "/api/v2/orgs/$ACME/owners");
	is_deeply(ids_of($r), [ sort $ADMIN, $ben ], 'GET owners lists the operator and ben');
	$r = call($OP, 'GET', "/api/v2/orgs/$ACME/members");
	is_deeply(ids_of($r), [ $ann ], 'members unchanged');
};

subtest 'a member\'s session may read the org but not change it' => sub {
	my $c = 'cookie:' . given(session => 'ann', password => 'annpass123');
	my $r = call($c, 'GET', "/api/v2/orgs/$ACME");
	is($r->{status}, 200, 'GET 200') or diag($r->{body});
	is($r->{json}{name}, 'acme', 'acme');
	is_error(call($c, 'PATCH', "/api/v2/orgs/$ACME", { description => 'ann was here' }), 401,
	    'unauthorized', "write:orgs/$ACME is unauthorized");
	is_error(call($c, 'DELETE', "/api/v2/orgs/$ACME"), 401, 'unauthorized',
	    "write:orgs/$ACME is unauthorized");
	is_error(call($c, 'POST', "/api/v2/orgs/$ACME/members", { id => $ben }), 401, 'unauthorized',
	    "write:orgs/$ACME is unauthorized");
	$r = call($c, 'GET', '/api/v2/orgs');
	is_deeply([ map { $_->{id} } @{ $r->{json}{orgs} // [] } ], [ $ACME ], 'her org list holds acme only');
	is(call($c, 'GET', "/api/v2/orgs/$ACME/members")->{status}, 200, 'she may list the members');
	is_error(call($c, 'GET', "/api/v2/orgs/$ORG"), 401, 'unauthorized', "read:orgs/$ORG is unauthorized");
};

subtest 'an owner\'s session may read and change the org' => sub {
	my $c = 'cookie:' . given(session => 'ben', password => 'benpass123');
	is(call($c, 'GET', "/api/v2/orgs/$ACME")->{status}, 200, 'GET 200');
	my $r = call($c, 'PATCH', "/api/v2/orgs/$ACME", { description => 'ben was here' });
	is($r->{status}, 200, 'PATCH 200') or diag($r->{body});
	is($r->{json}{description}, 'ben was here', 'changed');
	is_error(call($c, 'PATCH', "/api/v2/orgs/$ORG", { description => 'x' }), 401, 'unauthorized',
	    "write:orgs/$ORG is unauthorized");
};

subtest 'an owner\'s session may create tokens in the org for itself' => sub {
	my $c = 'cookie:' . given(session => 'ben', password => 'benpass123');
	my $r = call($c, 'POST', '/api/v2/authorizations', { orgID => $ACME,
	    permissions => [ { action => 'read', resource => { type => 'buckets', orgID => $ACME } } ] });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{userID}, $ben, 'for ben');
	is_error(call($c, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ { action => 'read', resource => { type => 'buckets', orgID => $ORG } } ] }),
	    401, 'unauthorized', "write:orgs/$ORG/authorizations is unauthorized");
};

subtest 'a member\'s session may not create tokens in the org' => sub {
	my $c = 'cookie:' . given(session => 'ann', password => 'annpass123');
	is_error(call($c, 'POST', '/api/v2/authorizations', { orgID => $ACME,
	    permissions => [ { action => 'read', resource => { type => 'buckets', orgID => $ACME } } ] }),
	    401, 'unauthorized', "write:orgs/$ACME/authorizations is unauthorized");
};

subtest 'an owner\'s session may manage the members' => sub {
	my $cal = given(user => 'cal');
	my $c = 'cookie:' . given(session => 'ben', password => 'benpass123');
	my $r = call($c, 'POST', "/api/v2/orgs/$ACME/members", { id => $cal });
	is($r->{status}, 201, 'add 201') or diag($r->{body});
	$r = call($c, 'DELETE', "/api/v2/orgs/$ACME/members/$cal");
	is($r->{status}, 204, 'remove 204') or diag($r->{body});
};

subtest 'DELETE members/{userID} is 204, then 404, and the session loses read' => sub {
	my $c = 'cookie:' . given(session => 'ann', password => 'annpass123');
	is(call($c, 'GET', "/api/v2/orgs/$ACME")->{status}, 200, 'reads before');
	my $r = call($OP, 'DELETE', "/api/v2/orgs/$ACME/members/$ann");
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	is_deeply(ids_of(call($OP, 'GET', "/api/v2/orgs/$ACME/members")), [],
	    'no members left');
	$r = call($OP, 'DELETE', "/api/v2/orgs/$ACME/members/$ann");
	is($r->{status}, 404, 'again: 404') or diag($r->{body});
	is($r->{json}{code}, 'not found', 'code not found');
	is_error(call($c, 'GET', "/api/v2/orgs/$ACME"), 401, 'unauthorized', "read:orgs/$ACME is unauthorized");
};

subtest 'DELETE owners/{userID} is 204, then 404, and the session loses write' => sub {
	my $c = 'cookie:' . given(session => 'ben', password => 'benpass123');
	my $r = call($OP, 'DELETE', "/api/v2/orgs/$ACME/owners/$ben");
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is_deeply(ids_of(call($OP, 'GET', "/api/v2/orgs/$ACME/owners")), [ $ADMIN ],
	    'the operator is left');
	$r = call($OP, 'DELETE', "/api/v2/orgs/$ACME/owners/$ben");
	is($r->{status}, 404, 'again: 404') or diag($r->{body});
	is($r->{json}{code}, 'not found', 'code not found');
	is_error(call($c, 'PATCH', "/api/v2/orgs/$ACME", { description => 'x' }), 401, 'unauthorized',
	    "write:orgs/$ACME is unauthorized");
};

subtest 'removing a member through /owners (or an owner through /members) is 404' => sub {
	is(call($OP, 'POST', "/api/v2/orgs/$ACME/members", { id => $ann })->{status},
	    201, 'ann is a member again');
	my $r = call($OP, 'DELETE', "/api/v2/orgs/$ACME/owners/$ann");
	is($r->{status}, 404, 'via owners: 404') or diag($r->{body});
	is_deeply(ids_of(call($OP, 'GET', "/api/v2/orgs/$ACME/members")), [ $ann ],
	    'still a member');
	$r = call($OP, 'DELETE', "/api/v2/orgs/$ACME/members/$ADMIN");
	is($r->{status}, 404, 'the owner via members: 404') or diag($r->{body});
};

subtest 'adding a member as owner turns the membership into ownership, never two' => sub {
	my $r = call($OP, 'POST', "/api/v2/orgs/$ACME/owners", { id => $ann });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is_deeply($r->{json}, { id => $ann, name => 'ann', status => 'active', role => 'owner',
	    links => { self => "/api/v2/users/$ann" } }, 'ann as owner');
	is_deeply(ids_of(call($OP, 'GET', "/api/v2/orgs/$ACME/members")), [],
	    'no longer listed as member');
	is_deeply(ids_of(call($OP, 'GET', "/api/v2/orgs/$ACME/owners")), [ sort $ADMIN, $ann ],
	    'listed as owner');
	my ($n) = $t->psql("SELECT count(*) FROM org_members WHERE org_id = '$ACME' AND user_id = '$ann'");
	is($n->[0], 1, 'one membership row');
};

subtest 'members and owners of an unknown org are 404 organization not found' => sub {
	my $none = '0000000000000abc';
	is_error(call($OP, 'GET', "/api/v2/orgs/$none/members"), 404, 'not found',
	    'organization not found');
	is_error(call($OP, 'GET', "/api/v2/orgs/$none/owners"), 404, 'not found',
	    'organization not found');
	is_error(call($OP, 'POST', "/api/v2/orgs/$none/members", { id => $ann }), 404,
	    'not found', 'organization not found');
	is_error(call($OP, 'POST', "/api/v2/orgs/$none/owners", { id => $ann }), 404,
	    'not found', 'organization not found');
};

subtest 'adding an unknown or malformed user id fails cleanly' => sub {
	my $r = call($OP, 'POST', "/api/v2/orgs/$ACME/members", { id => '0000000000000abc' });
	is($r->{status}, 404, 'unknown user: 404') or diag($r->{body});
	is($r->{json}{message}, 'user not found', 'user not found');
	$r = call($OP, 'POST', "/api/v2/orgs/$ACME/members", { id => 'xyz' });
	is($r->{status}, 400, 'malformed id: 400') or diag($r->{body});
	ok(defined $r->{headers}{'x-platform-error-code'}, 'X-Platform-Error-Code');
};

subtest 'a malformed members body is 400, never 500' => sub {
	for my $case ([ 'empty', undef ], [ 'not JSON', 'id=1' ], [ 'truncated', '{"id":' ],
	    [ 'no id', '{}' ], [ 'id a number', '{"id":5}' ]) {
		for my $what ('members', 'owners') {
			my $r = $t->cgi(method => 'POST', path => "/api/v2/orgs/$ACME/$what",
			    headers => { Authorization => "Token $OP", 'Content-Type' => 'application/json' },
			    defined $case->[1] ? (body => $case->[1]) : ());
			is($r->{status}, 400, "$what, $case->[0]: 400") or diag($r->{body});
			is($r->{headers}{'content-type'}, $JSONCT, "$what, $case->[0]: JSON");
		}
	}
};

subtest 'a malformed org or user id in the path is 400' => sub {
	is_error(call($OP, 'GET', '/api/v2/orgs/xyz/members'), 400, 'invalid',
	    'id must have a length of 16 bytes');
	is_error(call($OP, 'DELETE', "/api/v2/orgs/$ACME/members/xyz"), 400, 'invalid',
	    'id must have a length of 16 bytes');
	is_error(call($OP, 'DELETE', "/api/v2/orgs/$ACME/owners/xyz"), 400, 'invalid',
	    'id must have a length of 16 bytes');
};

subtest 'a session without a role may not list members' => sub {
	my $dee = given(user => 'dee', password => 'deepass123');
	my $c = 'cookie:' . given(session => 'dee', password => 'deepass123');
	is_error(call($c, 'GET', "/api/v2/orgs/$ACME/members"), 401, 'unauthorized', "read:orgs/$ACME is unauthorized");
	is_error(call($c, 'GET', "/api/v2/orgs/$ACME/owners"), 401, 'unauthorized', "read:orgs/$ACME is unauthorized");
	is_error(call($c, 'POST', "/api/v2/orgs/$ACME/owners", { id => $dee }), 401, 'unauthorized',
	    "write:orgs/$ACME is unauthorized");
};

subtest 'deleting a user removes its memberships' => sub {
	my $eli = given(user => 'eli');
	is(call($OP, 'POST', "/api/v2/orgs/$ACME/members", { id => $eli })->{status},
	    201, 'eli added');
	is(call($OP, 'DELETE', "/api/v2/users/$eli")->{status}, 204, 'eli deleted');
	my $r = call($OP, 'GET', "/api/v2/orgs/$ACME/members");
	ok(!grep({ $_ eq $eli } @{ ids_of($r) }), 'eli is no longer listed');
};

subtest 'issue 25.6: an org owner learns nothing of a user she may not read, adding or listing' => sub {
	my $zed = given(user => 'zed', password => 'zedpass123');
	my $own = given(user => 'olive', password => 'olivepass1');
	my $BETA = given(org => 'beta');
	is(call($OP, 'POST', "/api/v2/orgs/$BETA/owners", { id => $own })->{status}, 201, 'olive owns beta');
	my $c = 'cookie:' . given(session => 'olive', password => 'olivepass1');
	for my $role (qw(member owner)) {
		my $r = call($c, 'POST', "/api/v2/orgs/$BETA/${role}s", { id => $zed });
		is($r->{status}, 201, "$role add: 201") or diag($r->{body});
		is_deeply($r->{json}, { id => $zed, name => '', role => $role,
		    links => { self => "/api/v2/users/$zed" } }, "$role add: the id and the role, no name or status");
		unlike($r->{body}, qr/zed|active/, "$role add: neither zed's name nor status in the body");
		$r = call($c, 'GET', "/api/v2/orgs/$BETA/${role}s");
		my ($z) = grep { $_->{id} eq $zed } @{ $r->{json}{users} // [] };
		is_deeply($z, { id => $zed, name => '', role => $role, links => { self => "/api/v2/users/$zed" } },
		    "$role list: zed by id and role only");
		unlike($r->{body}, qr/zed/, "$role list: no name of his");
		my ($o) = grep { $_->{id} eq $own } @{ call($c, 'GET', "/api/v2/orgs/$BETA/owners")->{json}{users} // [] };
		is_deeply([ $o->{name}, $o->{status} ], [ 'olive', 'active' ], "$role list: her own user in full");
	}
	# The operator may read every user: the same answers in full.
	my $r = call($OP, 'POST', "/api/v2/orgs/$BETA/members", { id => $zed });
	is_deeply([ $r->{json}{name}, $r->{json}{status} ], [ 'zed', 'active' ], 'the operator gets the name and status');
	$r = call($OP, 'GET', "/api/v2/orgs/$BETA/members");
	is_deeply([ map { $_->{name} } @{ $r->{json}{users} // [] } ], [ 'zed' ], 'and lists them');
	# Whether an id is a user at all is what an add must tell (inherent,
	# docs/compatibility.md): 404 for none, and nothing more.
	is_error(call($c, 'POST', "/api/v2/orgs/$BETA/members", { id => '0000000000000abc' }), 404,
	    'not found', 'user not found');
};

done_testing();
