# t0110-me.t -- GET /api/v2/me with tokens and sessions.
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
my ($BOB, $BOBC) = (given(user => 'bob', password => 'pw-bob-12345'),
    given(session => 'bob', password => 'pw-bob-12345'));

subtest 'GET /api/v2/me with the operator token is the setup user' => sub {
	my $r = call($OP, 'GET', '/api/v2/me');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$ADMIN" },
	    id => $ADMIN, name => 'admin', status => 'active' }, 'UserResponse of admin');
};

subtest 'GET /api/v2/me with a Bearer header works like Token' => sub {
	my $r = call(undef, 'GET', '/api/v2/me', undef,
	    headers => { Authorization => "Bearer $OP" });
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $ADMIN, 'admin');
};

subtest 'GET /api/v2/me with a session cookie is the signed-in user' => sub {
	my $r = call("cookie:$BOBC", 'GET', '/api/v2/me');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$BOB" },
	    id => $BOB, name => 'bob', status => 'active' }, 'UserResponse of bob');
};

subtest 'GET /api/v2/me with a token without any users permission still reads its own user' => sub {
	my ($tok) = given(token => $BOB, org => $ORG);
	ok(defined $tok, 'a bucket-read token for bob');
	my $r = call($tok, 'GET', '/api/v2/me');
	is($r->{status}, 200, 'status 200 (InfluxDB: 401; we allow it)') or diag($r->{body});
	is($r->{json}{id}, $BOB, 'bob');
	is($r->{json}{name}, 'bob', 'name bob');
};

subtest 'GET /api/v2/me without credentials is 401 unauthorized access' => sub {
	my $r = call(undef, 'GET', '/api/v2/me');
	is_error($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'GET /api/v2/me with an unknown token is 401 unauthorized access' => sub {
	my $r = call('nope-not-a-token', 'GET', '/api/v2/me');
	is_error($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'GET /api/v2/me with a garbage session cookie is 401 unauthorized access' => sub {
	my $r = call('cookie:garbage', 'GET', '/api/v2/me');
	is_error($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'GET /api/v2/me after signout is 401' => sub {
	my ($id, $c) = (given(user => 'carol', password => 'pw-carol-12345'),
	    given(session => 'carol', password => 'pw-carol-12345'));
	my $r = call("cookie:$c", 'GET', '/api/v2/me');
	is($r->{status}, 200, 'works before signout');
	$r = call("cookie:$c", 'POST', '/api/v2/signout');
	is($r->{status}, 204, 'signout 204') or diag($r->{body});
	$r = call("cookie:$c", 'GET', '/api/v2/me');
	is_error($r, 401, 'unauthorized', 'unauthorized access', 'after signout');
};

subtest 'GET /api/v2/me reflects a rename of the user' => sub {
	my $r = call($OP, 'PATCH', "/api/v2/users/$BOB", { name => 'robert' });
	is($r->{status}, 200, 'rename 200') or diag($r->{body});
	$r = call("cookie:$BOBC", 'GET', '/api/v2/me');
	is($r->{status}, 200, 'the session still works');
	is($r->{json}{name}, 'robert', 'new name');
	call($OP, 'PATCH', "/api/v2/users/$BOB", { name => 'bob' });
};

subtest 'GET /api/v2/me with the token of an inactive user is 403 User is inactive' => sub {
	my $id = given(user => 'dora');
	my ($tok) = given(token => $id, org => $ORG);
	my $r = call($OP, 'PATCH', "/api/v2/users/$id", { status => 'inactive' });
	is($r->{status}, 200, 'deactivated') or diag($r->{body});
	$r = call($tok, 'GET', '/api/v2/me');
	is_error($r, 403, 'forbidden', 'User is inactive');
};

subtest 'GET /api/v2/me with the session of a user deactivated in psql is 401' => sub {
	my ($id, $c) = (given(user => 'erin', password => 'pw-erin-12345'),
	    given(session => 'erin', password => 'pw-erin-12345'));
	# Behind the API's back the session row stays, but the deactivation
	# bumped the credential generation (0004): the session is over.
	$t->psql("UPDATE users SET status = 'inactive' WHERE id = " . lit($id));
	my $r = call("cookie:$c", 'GET', '/api/v2/me');
	is_error($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'POST /api/v2/me is 405 with Allow: GET' => sub {
	my $r = call($OP, 'POST', '/api/v2/me', {});
	is_error($r, 405, 'method not allowed', qr/GET/);
	like($r->{headers}{allow} // '', qr/\bGET\b/, 'Allow lists GET');
};

subtest 'GET /api/v2/me does not write to the database' => sub {
	my $before = db_state();
	call($OP, 'GET', '/api/v2/me') for 1 .. 2;
	is(db_state(), $before, 'unchanged');
};

done_testing();
