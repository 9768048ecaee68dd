# t0120-users-create.t -- POST /api/v2/users.
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

my $S = given('setup');
my $ORG = $S->{org_id};
my $ADMIN = $S->{user_id};
my $OPAUTH = one('SELECT id FROM authorizations WHERE user_id = ' . lit($ADMIN));

sub create {
	my ($body, %o) = @_;
	return call(exists $o{token} ? $o{token} : $OP, 'POST', '/api/v2/users', $body);
}

sub nusers { one('SELECT count(*) FROM users') }

subtest 'POST /api/v2/users with a name is 201 with links, id, name and status active' => sub {
	my $r = create({ name => 'alice' });
	is($r->{status}, 201, 'status 201') or diag($r->{body}, $r->{stderr});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	my $id = $r->{json}{id} // '';
	like($id, qr/^[0-9a-f]{16}$/, 'id is 16 lower-case hex digits');
	isnt($id, '0000000000000000', 'id is not zero');
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$id" }, id => $id,
	    name => 'alice', status => 'active' }, 'UserResponse');
	is(one('SELECT name || \'/\' || status FROM users WHERE id = ' . lit($id)),
	    'alice/active', 'stored in users');
	is(one('SELECT count(*) FROM users WHERE password_hash IS NULL AND id = ' . lit($id)), 1,
	    'no password yet');
};

subtest 'creating a user writes an audit_log row naming the operator and the new user' => sub {
	my $r = create({ name => 'audited' });
	my $id = $r->{json}{id};
	my @rows = $t->psql('SELECT actor_user_id, actor_auth_id, action, target_type, remote_addr '
	    . 'FROM audit_log WHERE target_id = ' . lit($id));
	cmp_ok(scalar @rows, '>=', 1, 'at least one row targets the user');
	my ($row) = grep { $_->[2] eq 'create' } @rows;
	ok($row, 'a create row') or diag(explain(\@rows));
	$row //= [];
	is($row->[0], $ADMIN, 'actor_user_id is the operator user');
	is($row->[1], $OPAUTH, 'actor_auth_id is the operator token');
	is($row->[3], 'user', 'target_type user');
	is($row->[4], '127.0.0.1', 'remote_addr recorded');
};

subtest 'a duplicate name is 422 conflict and creates nothing' => sub {
	my $n = nusers();
	my $r = create({ name => 'alice' });
	is_error($r, 422, 'conflict', 'user with name alice already exists');
	is(nusers(), $n, 'no new row');
};

subtest 'names are case-sensitive: Alice is not alice' => sub {
	my $r = create({ name => 'Alice' });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{name}, 'Alice', 'name Alice');
};

subtest 'status inactive is honoured at creation' => sub {
	my $r = create({ name => 'bob', status => 'inactive' });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{status}, 'inactive', 'inactive');
	is(one("SELECT status FROM users WHERE name = 'bob'"), 'inactive', 'stored inactive');
};

subtest 'status active is accepted explicitly' => sub {
	my $r = create({ name => 'bob2', status => 'active' });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{status}, 'active', 'active');
};

subtest 'any other status is 400 and creates nothing' => sub {
	my $n = nusers();
	for my $st ('bogus', '', 'Active', 'INACTIVE') {
		my $r = create({ name => 'carol', status => $st });
		is_error($r, 400, 'invalid',
		    'invalid status: must be active or inactive', "status '$st'");
	}
	is(nusers(), $n, 'no new row');
};

subtest 'a missing or empty name is 400 empty value "user name is required"' => sub {
	my $n = nusers();
	is_error(create({}), 400, 'empty value', 'user name is required', '{}');
	is_error(create({ name => '' }), 400, 'empty value', 'user name is required',
	    'name ""');
	is_error(create({ name => undef }), 400, 'empty value', 'user name is required',
	    'name null');
	is_error(create({ status => 'active' }), 400, 'empty value',
	    'user name is required', 'status only');
	is(nusers(), $n, 'no new row');
};

subtest 'a client-supplied id is honoured' => sub {
	my $r = create({ name => 'dave', id => '0000000000000abc' });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{id}, '0000000000000abc', 'id as sent');
	is_deeply($r->{json}{links}, { self => '/api/v2/users/0000000000000abc' }, 'links.self');
	is(one("SELECT name FROM users WHERE id = '0000000000000abc'"), 'dave', 'stored with that id');
};

subtest 'a duplicate client id is 422 "user with ID X already exists"' => sub {
	my $n = nusers();
	my $r = create({ name => 'dave2', id => '0000000000000abc' });
	is_error($r, 422, 'conflict', 'user with ID 0000000000000abc already exists');
	is(nusers(), $n, 'no new row');
	is(one("SELECT count(*) FROM users WHERE name = 'dave2'"), 0, 'dave2 not created');
};

subtest 'an upper-case client id is accepted and returned in lower case' => sub {
	my $r = create({ name => 'eve', id => '00000000000000AB' });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{id}, '00000000000000ab', 'lower case id');
	is(one("SELECT name FROM users WHERE id = '00000000000000ab'"), 'eve', 'stored lower case');
	$r = create({ name => 'eve2', id => '00000000000000Ab' });
	is_error($r, 422, 'conflict', 'user with ID 00000000000000ab already exists',
	    'the same id in mixed case');
};

subtest 'a malformed client id is 400 invalid and creates nothing' => sub {
	my $n = nusers();
	is_error(create({ name => 'f1', id => '123' }), 400, 'invalid',
	    'id must have a length of 16 bytes', 'short id');
	is_error(create({ name => 'f2', id => '00000000000000abc' }), 400, 'invalid',
	    'id must have a length of 16 bytes', '17 digits');
	is_error(create({ name => 'f3', id => '0000000000000000' }), 400, 'invalid',
	    'invalid ID', 'zero id');
	is_error(create({ name => 'f4', id => 'zzzzzzzzzzzzzzzz' }), 400, 'invalid',
	    'invalid ID', 'non-hex id');
	is_error(create({ name => 'f5', id => '0x00000000000abc' }), 400, 'invalid',
	    'invalid ID', '0x prefix');
	is_error(create({ name => 'f6', id => 5 }), 400, 'invalid',
	    'field "id" must be a string', 'numeric id');
	is(nusers(), $n, 'no new row');
};

subtest 'a plain session cannot create users: 401 write:users is unauthorized' => sub {
	given(user => 'sess', password => 'sesspass1');
	my $c = given(session => 'sess', password => 'sesspass1');
	my $n = nusers();
	my $r = call("cookie:$c", 'POST', '/api/v2/users', { name => 'zed' });
	is_error($r, 401, 'unauthorized', 'write:users is unauthorized');
	is(nusers(), $n, 'no new row');
};

subtest 'a token without write:users cannot create users' => sub {
	my $uid = given(user => 'tokenowner');
	my ($tok) = given(token => $uid, org => $ORG,
	    permissions => [ { action => 'read', resource => { type => 'users' } },
	    { action => 'write', resource => { type => 'users', id => $uid } } ]);
	ok(defined $tok, 'a token with read:users and write:users/<self>');
	my $n = nusers();
	my $r = create({ name => 'zed2' }, token => $tok);
	is_error($r, 401, 'unauthorized', 'write:users is unauthorized');
	is(nusers(), $n, 'no new row');
};

subtest 'creating a user without credentials is 401 unauthorized access' => sub {
	my $n = nusers();
	my $r = create({ name => 'anon' }, token => undef);
	is_error($r, 401, 'unauthorized', 'unauthorized access');
	is(nusers(), $n, 'no new row');
};

subtest 'unknown fields are ignored' => sub {
	my $r = create({ name => 'frank', oauthID => 'x1', extra => [1, 2], links => { self => 'x' } });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$r->{json}{id}" },
	    id => $r->{json}{id}, name => 'frank', status => 'active' }, 'only the known fields');
};

subtest 'JSON keys match in any case: {"NAME":"gina"} creates gina' => sub {
	my $r = create('{"NAME":"gina","Status":"inactive"}');
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{name}, 'gina', 'name gina');
	is($r->{json}{status}, 'inactive', 'Status honoured');
};

subtest 'the request Content-Type does not matter' => sub {
	my $r = call($OP, 'POST', '/api/v2/users', '{"name":"henry"}',
	    headers => { 'Content-Type' => 'text/plain' });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{name}, 'henry', 'name henry');
};

subtest 'names with JSON-special and non-ASCII characters round-trip' => sub {
	for my $name ('a<b&c', "quote\"d", 'back\\slash', "caf\x{e9} \x{1F600}", 'with space') {
		my $r = create({ name => $name });
		is($r->{status}, 201, "201 for the name") or diag($r->{body});
		is($r->{json}{name}, $name, 'name returned as sent');
		my $g = call($OP, 'GET', "/api/v2/users/$r->{json}{id}");
		is($g->{json}{name}, $name, 'GET returns it too');
	}
};

subtest 'a name of exactly 256 bytes is accepted' => sub {
	my $name = 'n' x 254 . "\x{e9}";	# 256 bytes in UTF-8
	my $r = create({ name => $name });
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{name}, $name, 'name as sent');
};

subtest 'the created user is listed and readable' => sub {
	my $r = create({ name => 'ivy' });
	my $id = $r->{json}{id};
	my $g = call($OP, 'GET', "/api/v2/users/$id");
	is($g->{status}, 200, 'GET by id 200');
	is_deeply($g->{json}, $r->{json}, 'same body as the 201');
	my $l = call($OP, 'GET', '/api/v2/users', undef, query => 'name=ivy');
	is_deeply($l->{json}{users}, [ $r->{json} ], 'listed by name');
};

done_testing();
