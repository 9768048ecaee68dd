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

my $S = $t->setup;
$OP = $S->{token};
my $ORG = $S->{org_id};
my $ADMIN = $S->{user_id};
my ($BOB, $BOBC) = session_user('bob');

subtest 'GET /api/v2/me with the operator token is the setup user' => sub {
	my $r = req(method => 'GET', path => '/api/v2/me', token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$ADMIN" },
	    id => $ADMIN, name => 'admin', status => 'active' }, 'UserResponse of admin');
};

subtest 'GET /api/v2/me with a Bearer header works like Token' => sub {
	my $r = req(method => 'GET', path => '/api/v2/me',
	    headers => { Authorization => "Bearer $OP" });
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $ADMIN, 'admin');
};

subtest 'GET /api/v2/me with a session cookie is the signed-in user' => sub {
	my $r = req(method => 'GET', path => '/api/v2/me', cookie => $BOBC);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$BOB" },
	    id => $BOB, name => 'bob', status => 'active' }, 'UserResponse of bob');
};

subtest 'GET /api/v2/me with a token without any users permission still reads its own user' => sub {
	my ($tok) = mktoken($BOB, $ORG);
	ok(defined $tok, 'a bucket-read token for bob');
	my $r = req(method => 'GET', path => '/api/v2/me', token => $tok);
	is($r->{status}, 200, 'status 200 (InfluxDB: 401; we allow it)') or diag($r->{body});
	is($r->{json}{id}, $BOB, 'bob');
	is($r->{json}{name}, 'bob', 'name bob');
};

subtest 'GET /api/v2/me without credentials is 401 unauthorized access' => sub {
	my $r = req(method => 'GET', path => '/api/v2/me');
	error_is($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'GET /api/v2/me with an unknown token is 401 unauthorized access' => sub {
	my $r = req(method => 'GET', path => '/api/v2/me', token => 'nope-not-a-token');
	error_is($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'GET /api/v2/me with a garbage session cookie is 401 unauthorized access' => sub {
	my $r = req(method => 'GET', path => '/api/v2/me', cookie => 'garbage');
	error_is($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'GET /api/v2/me after signout is 401' => sub {
	my ($id, $c) = session_user('carol');
	my $r = req(method => 'GET', path => '/api/v2/me', cookie => $c);
	is($r->{status}, 200, 'works before signout');
	$r = req(method => 'POST', path => '/api/v2/signout', cookie => $c);
	is($r->{status}, 204, 'signout 204') or diag($r->{body});
	$r = req(method => 'GET', path => '/api/v2/me', cookie => $c);
	error_is($r, 401, 'unauthorized', 'unauthorized access', 'after signout');
};

subtest 'GET /api/v2/me reflects a rename of the user' => sub {
	my $r = req(method => 'PATCH', path => "/api/v2/users/$BOB", token => $OP,
	    json => { name => 'robert' });
	is($r->{status}, 200, 'rename 200') or diag($r->{body});
	$r = req(method => 'GET', path => '/api/v2/me', cookie => $BOBC);
	is($r->{status}, 200, 'the session still works');
	is($r->{json}{name}, 'robert', 'new name');
	req(method => 'PATCH', path => "/api/v2/users/$BOB", token => $OP, json => { name => 'bob' });
};

subtest 'GET /api/v2/me with the token of an inactive user is 403 User is inactive' => sub {
	my $id = mkuser('dora');
	my ($tok) = mktoken($id, $ORG);
	my $r = req(method => 'PATCH', path => "/api/v2/users/$id", token => $OP,
	    json => { status => 'inactive' });
	is($r->{status}, 200, 'deactivated') or diag($r->{body});
	$r = req(method => 'GET', path => '/api/v2/me', token => $tok);
	error_is($r, 403, 'forbidden', 'User is inactive');
};

subtest 'GET /api/v2/me with the session of a user deactivated in psql is 401' => sub {
	my ($id, $c) = session_user('erin');
	# Behind the API's back the session row stays, but the deactivation
	# bumped the credential generation (0004): the session is over.
	$t->psql("UPDATE users SET status = 'inactive' WHERE id = " . lit($id));
	my $r = req(method => 'GET', path => '/api/v2/me', cookie => $c);
	error_is($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'POST /api/v2/me is 405 with Allow: GET' => sub {
	my $r = req(method => 'POST', path => '/api/v2/me', token => $OP, json => {});
	error_is($r, 405, 'method not allowed', qr/GET/);
	like($r->{headers}{allow} // '', qr/\bGET\b/, 'Allow lists GET');
};

subtest 'GET /api/v2/me does not write to the database' => sub {
	my $before = db_state();
	req(method => 'GET', path => '/api/v2/me', token => $OP) for 1 .. 2;
	is(db_state(), $before, 'unchanged');
};

done_testing();
