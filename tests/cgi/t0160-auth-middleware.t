# t0160-auth-middleware.t -- authentication: Token/Bearer headers, session
# cookies, inactive users and tokens, hashed credentials at rest.
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
my ($BOB, $BOBC) = (given(user => 'bob', password => 'bobpass12'),
    given(session => 'bob', password => 'bobpass12'));

# GET /api/v2/users with a credential (see call) and more headers.
sub users_with { my ($cred, %h) = @_; return call($cred, 'GET', '/api/v2/users', undef,
    headers => \%h) }

subtest 'no Authorization and no cookie is 401 with the compact unauthorized body' => sub {
	my $r = users_with();
	is_error($r, 401, 'unauthorized', 'unauthorized access');
	is($r->{body}, '{"code":"unauthorized","message":"unauthorized access"}', 'compact body');
};

subtest 'an unknown token is 401 unauthorized access' => sub {
	is_error(users_with('nope'), 401, 'unauthorized', 'unauthorized access');
	is_error(users_with('x' x 600), 401, 'unauthorized', 'unauthorized access',
	    'a long one');
};

subtest 'an empty token is 401 unauthorized access' => sub {
	is_error(users_with(undef, Authorization => 'Token '), 401, 'unauthorized',
	    'unauthorized access', 'Token with nothing after it');
	is_error(users_with(undef, Authorization => 'Bearer '), 401, 'unauthorized',
	    'unauthorized access', 'Bearer with nothing after it');
};

subtest 'Token and Bearer are accepted in any letter case' => sub {
	for my $scheme (qw(Token Bearer TOKEN token BEARER bearer tOkEn)) {
		my $r = users_with(undef, Authorization => "$scheme $OP");
		is($r->{status}, 200, "$scheme: 200") or diag($r->{body});
	}
};

subtest 'an unknown scheme is 401' => sub {
	is_error(users_with(undef, Authorization => "Tokens $OP"), 401, 'unauthorized',
	    'unauthorized access', 'Tokens');
	is_error(users_with(undef, Authorization => $OP), 401, 'unauthorized',
	    'unauthorized access', 'no scheme');
};

subtest 'Basic credentials alone are not accepted on the API' => sub {
	my $r = users_with(undef, Authorization => 'Basic ' . encode_base64('admin:adminpass1', ''));
	is_error($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'a session cookie authenticates' => sub {
	my $r = users_with("cookie:$BOBC");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply([ map { $_->{id} } @{ $r->{json}{users} } ], [ $BOB ], 'bob sees himself');
};

subtest 'the session cookie is found among other cookies' => sub {
	my $r = users_with(undef, Cookie => "a=1; influxdb-oss-session=$BOBC; b=2");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
};

subtest 'Basic credentials with a cookie use the session' => sub {
	my $r = call("cookie:$BOBC", 'GET', '/api/v2/me', undef,
	    headers => { Authorization => 'Basic ' . encode_base64('admin:adminpass1', '') });
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $BOB, 'as bob, from the cookie');
};

subtest 'a token header wins over a cookie' => sub {
	my $r = call($OP, 'GET', '/api/v2/me', undef, headers => { Cookie => "$COOKIE=$BOBC" });
	is($r->{json}{id}, $ADMIN, 'the token user');
	$r = call('bogus-token', 'GET', '/api/v2/me', undef,
	    headers => { Cookie => "$COOKIE=$BOBC" });
	is_error($r, 401, 'unauthorized', 'unauthorized access',
	    'a bad token with a good cookie');
};

subtest 'an unknown session cookie is 401 unauthorized access' => sub {
	is_error(users_with('cookie:garbage'), 401, 'unauthorized', 'unauthorized access');
	is_error(users_with('cookie:'), 401, 'unauthorized', 'unauthorized access', 'empty');
	is_error(users_with("cookie:${BOBC}x"), 401, 'unauthorized',
	    'unauthorized access', 'altered');
};

subtest 'the token of an inactive user is 403 User is inactive' => sub {
	my $id = given(user => 'carl');
	my ($tok) = given(token => $id, org => $ORG,
	    permissions => [ { action => 'read', resource => { type => 'users' } } ]);
	is(users_with($tok)->{status}, 200, 'works while active');
	call($OP, 'PATCH', "/api/v2/users/$id", { status => 'inactive' });
	my $r = users_with($tok);
	is_error($r, 403, 'forbidden', 'User is inactive');
	is($r->{body}, '{"code":"forbidden","message":"User is inactive"}', 'compact body');
	call($OP, 'PATCH', "/api/v2/users/$id", { status => 'active' });
	is(users_with($tok)->{status}, 200, 'works again once reactivated');
};

subtest 'the session of a user deactivated even in psql is over (401)' => sub {
	my ($id, $c) = (given(user => 'dora', password => 'pw-dora-12345'),
	    given(session => 'dora', password => 'pw-dora-12345'));
	$t->psql("UPDATE users SET status = 'inactive' WHERE id = " . lit($id));
	is_error(users_with("cookie:$c"), 401, 'unauthorized', 'unauthorized access');
	$t->psql("UPDATE users SET status = 'active' WHERE id = " . lit($id));
	is_error(users_with("cookie:$c"), 401, 'unauthorized', 'unauthorized access',
	    'and stays over once reactivated');
};

subtest 'an inactive token is 401 unauthorized access' => sub {
	my $id = given(user => 'erin');
	my ($tok, $aid) = given(token => $id, org => $ORG,
	    permissions => [ { action => 'read', resource => { type => 'users' } } ]);
	my $r = call($OP, 'PATCH', "/api/v2/authorizations/$aid", { status => 'inactive' });
	is($r->{status}, 200, 'token deactivated') or diag($r->{body});
	is_error(users_with($tok), 401, 'unauthorized', 'unauthorized access', 'GET /users');
	is_error(call($tok, 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access', 'GET /me');
	call($OP, 'PATCH', "/api/v2/authorizations/$aid", { status => 'active' });
	is(users_with($tok)->{status}, 200, 'works again once reactivated');
};

subtest 'the token of a deleted user is 401 unauthorized access' => sub {
	my $id = given(user => 'fay');
	my ($tok, $aid) = given(token => $id, org => $ORG);
	is(call($tok, 'GET', '/api/v2/me')->{status}, 200, 'works before');
	is(call($OP, 'DELETE', "/api/v2/users/$id")->{status}, 204, 'deleted');
	is_error(call($tok, 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access');
	is(one('SELECT count(*) FROM authorizations WHERE id = ' . lit($aid)), 0, 'the token row is gone');
};

subtest 'tokens are stored only as SHA-256 hex' => sub {
	my $id = given(user => 'gus');
	my ($tok) = given(token => $id, org => $ORG);
	is(one('SELECT count(*) FROM authorizations WHERE token_hash = ' . lit($tok)), 0, 'not in clear');
	is(one('SELECT count(*) FROM authorizations WHERE token_hash = ' . lit(sha256_hex($tok))), 1,
	    'SHA-256 present');
	is(db_contains($tok), 0, 'the token appears nowhere in the database');
	is(db_contains($OP), 0, 'nor does the operator token');
	is(one(q{SELECT count(*) FROM authorizations WHERE token_hash !~ '^[0-9a-f]{64}$'}), 0,
	    'every token_hash is 64 hex digits');
};

subtest 'session ids are stored only as SHA-256 hex' => sub {
	is(one('SELECT count(*) FROM sessions WHERE id_hash = ' . lit($BOBC)), 0, 'not in clear');
	is(one('SELECT count(*) FROM sessions WHERE id_hash = ' . lit(sha256_hex($BOBC))), 1,
	    'SHA-256 present');
	is(one('SELECT user_id FROM sessions WHERE id_hash = ' . lit(sha256_hex($BOBC))), $BOB,
	    'for bob');
	is(db_contains($BOBC), 0, 'the cookie value appears nowhere in the database');
	like(one('SELECT password_hash FROM users WHERE id = ' . lit($BOB)), qr/^\$argon2id\$/,
	    'the password is an argon2id hash');
	is(db_contains('bobpass12'), 0, 'the password appears nowhere');
};

subtest 'the signin cookie is HttpOnly, SameSite=Strict, Path=/api/' => sub {
	my $r = call(basic('bob', 'bobpass12'), 'POST', '/api/v2/signin');
	my $c = cookie_value($r);
	is($r->{status}, 204, 'signin 204');
	my ($set) = grep { /^influxdb-oss-session=/ } TestLib::header_all($r, 'set-cookie');
	ok(defined $set, 'Set-Cookie influxdb-oss-session');
	$set //= '';
	like($set, qr/;\s*HttpOnly/i, 'HttpOnly');
	like($set, qr/;\s*SameSite=Strict/i, 'SameSite=Strict');
	like($set, qr/;\s*Path=\/api\//, 'Path=/api/');
	isnt($c, $BOBC, 'a new session value');
};

subtest 'every 401 carries X-Platform-Error-Code and the JSON content type' => sub {
	for my $case ([ GET => '/api/v2/users' ], [ POST => '/api/v2/users' ], [ GET => "/api/v2/users/$BOB" ],
	    [ PATCH => "/api/v2/users/$BOB" ], [ DELETE => "/api/v2/users/$BOB" ],
	    [ POST => "/api/v2/users/$BOB/password" ], [ GET => '/api/v2/me' ]) {
		my $r = call(undef, $case->[0], $case->[1], { name => 'x',
		    password => 'xxxxxxxxx' });
		is_error($r, 401, 'unauthorized', 'unauthorized access', "@$case");
	}
};

subtest 'a refused request changes nothing' => sub {
	my $before = db_state();
	call('nope', 'POST', '/api/v2/users', { name => 'x' });
	call('cookie:garbage', 'DELETE', "/api/v2/users/$BOB");
	call(undef, 'PATCH', "/api/v2/users/$BOB", { name => 'x' });
	is(db_state(), $before, 'database unchanged');
};

done_testing();
