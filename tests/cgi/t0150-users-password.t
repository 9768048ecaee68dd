# t0150-users-password.t -- POST /api/v2/users/{id}/password.
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
my $PWMSG = 'passwords must be between 8 and 256 characters long';

sub post_pw { my ($id, $body, $cred) = @_; return call($cred, 'POST',
    "/api/v2/users/$id/password", $body) }
sub hash_of { my ($id) = @_; return one('SELECT coalesce(password_hash, \'\') FROM users WHERE id = ' . lit($id)) }

subtest 'the operator sets a password: 204, argon2id hash, and signin works' => sub {
	my $id = given(user => 'alice');
	my $r = post_pw($id, { password => 'Secret123' }, $OP);
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	like(hash_of($id), qr/^\$argon2id\$/, 'password_hash starts with $argon2id$');
	is(db_contains('Secret123'), 0, 'the password appears nowhere in the database');
	my $s = call(basic('alice', 'Secret123'), 'POST', '/api/v2/signin');
	my $c = cookie_value($s);
	is($s->{status}, 204, 'signin with it is 204') or diag($s->{body});
	ok(defined $c, 'and sets the session cookie');
	my $s2 = call(basic('alice', 'Secret124'), 'POST', '/api/v2/signin');
	is($s2->{status}, 401, 'a wrong password is 401');
};

subtest 'setting a password again replaces it' => sub {
	my $id = given(user => 'al2');
	post_pw($id, { password => 'first-pass' }, $OP);
	my $h1 = hash_of($id);
	my $r = post_pw($id, { password => 'second-pass' }, $OP);
	is($r->{status}, 204, 'status 204');
	isnt(hash_of($id), $h1, 'new hash');
	is(call(basic('al2', 'first-pass'), 'POST', '/api/v2/signin')->{status}, 401,
	    'the old password no longer works');
	is(call(basic('al2', 'second-pass'), 'POST', '/api/v2/signin')->{status}, 204,
	    'the new one does');
};

subtest 'setting a password writes an audit_log row naming the actor and target' => sub {
	my $id = given(user => 'aud');
	post_pw($id, { password => 'audpass12' }, $OP);
	my @rows = $t->psql('SELECT actor_user_id, actor_auth_id, target_type FROM audit_log '
	    . "WHERE target_id = " . lit($id) . " AND action <> 'create'");
	cmp_ok(scalar @rows, '>=', 1, 'a row besides the create');
	is_deeply($rows[0], [ $ADMIN, $OPAUTH, 'user' ], 'operator, its token, a user');
	is(db_contains('audpass12'), 0, 'the password is not in the audit log');
};

subtest 'passwords of 8 and of 256 bytes are accepted' => sub {
	my $id = given(user => 'bounds');
	is(post_pw($id, { password => 'x' x 8 }, $OP)->{status}, 204, '8 bytes: 204');
	is(post_pw($id, { password => 'y' x 256 }, $OP)->{status}, 204, '256 bytes: 204');
	is(call(basic('bounds', 'y' x 256), 'POST', '/api/v2/signin')->{status}, 204,
	    'the 256-byte password signs in');
};

subtest 'passwords shorter than 8 or longer than 256 bytes are 400 and change nothing' => sub {
	my $id = given(user => 'bob');
	post_pw($id, { password => 'bobpass12' }, $OP);
	my $before = db_state();
	for my $pw ('', 'short', 'x' x 7, 'z' x 257, 'w' x 1000) {
		is_error(post_pw($id, { password => $pw }, $OP), 400, 'invalid', $PWMSG,
		    length($pw) . ' bytes');
	}
	is(db_state(), $before, 'database unchanged');
	is(call(basic('bob', 'bobpass12'), 'POST', '/api/v2/signin')->{status}, 204,
	    'the old password still works');
};

subtest 'the length is counted in bytes, not characters' => sub {
	my $id = given(user => 'utf');
	my $four = "\x{e9}" x 4;	# 4 characters, 8 bytes
	is(post_pw($id, { password => $four }, $OP)->{status}, 204,
	    '4 two-byte characters: 204');
	my $r = post_pw($id, { password => "\x{e9}" x 129 }, $OP);	# 258 bytes
	is_error($r, 400, 'invalid', $PWMSG, '129 two-byte characters');
	$r = post_pw($id, { password => "\x{20ac}" x 2 }, $OP);	# 6 bytes
	is_error($r, 400, 'invalid', $PWMSG, '2 three-byte characters');
};

subtest 'a body without password is 400 with the length message' => sub {
	my $id = given(user => 'nopw');
	my $before = db_state();
	is_error(post_pw($id, {}, $OP), 400, 'invalid', $PWMSG, '{}');
	is_error(post_pw($id, { password => undef }, $OP), 400, 'invalid', $PWMSG, 'null');
	is(db_state(), $before, 'database unchanged');
};

subtest 'a password that is not a string is 400' => sub {
	my $id = given(user => 'typed');
	my $before = db_state();
	is_error(post_pw($id, { password => 12345678 }, $OP), 400, 'invalid',
	    'field "password" must be a string', 'number');
	is_error(post_pw($id, { password => [ 'abcdefgh' ] }, $OP), 400, 'invalid',
	    'field "password" must be a string', 'array');
	is(db_state(), $before, 'database unchanged');
};

subtest 'an empty or non-JSON body is 400' => sub {
	my $id = given(user => 'body');
	my $before = db_state();
	is_error(post_pw($id, '', $OP), 400, 'invalid', 'request body is empty', 'empty');
	is_error(post_pw($id, 'password=abcdefgh', $OP), 400, 'invalid',
	    qr/^request body is not valid JSON: /, 'form encoded');
	is_error(post_pw($id, '"abcdefgh1"', $OP), 400, 'invalid',
	    'request body must be a JSON object', 'a JSON string');
	is(db_state(), $before, 'database unchanged');
};

subtest 'a password for an unknown user is 403 your userID is incorrect' => sub {
	my $before = db_state();
	is_error(post_pw('0000000000000fff', { password => 'Secret123' }, $OP), 403,
	    'forbidden', 'your userID is incorrect');
	is(db_state(), $before, 'database unchanged');
};

subtest 'a malformed user id is 400' => sub {
	is_error(post_pw('bad', { password => 'Secret123' }, $OP), 400, 'invalid',
	    'id must have a length of 16 bytes', 'bad');
	is_error(post_pw('0000000000000000', { password => 'Secret123' }, $OP), 400,
	    'invalid', 'invalid ID', 'zero');
};

subtest 'a session cannot set its own password without the old one: 403' => sub {
	my ($id, $c) = (given(user => 'carol', password => 'carolpass1'),
	    given(session => 'carol', password => 'carolpass1'));
	my $before = db_state();
	is_error(post_pw($id, { password => 'NewPass12' }, "cookie:$c"), 403, 'forbidden',
	    'a session changes its own password with PUT /api/v2/me/password and the current '
	    . 'password as Basic credentials');
	is(db_state(), $before, 'database unchanged');
	is(call(basic('carol', 'carolpass1'), 'POST', '/api/v2/signin')->{status}, 204,
	    'the old password still signs in');
};

subtest 'a session setting another user\'s password is 401 write:users/<id> is unauthorized' => sub {
	my ($id, $c) = (given(user => 'dave', password => 'davepass1'),
	    given(session => 'dave', password => 'davepass1'));
	my $other = given(user => 'erin');
	post_pw($other, { password => 'erinpass1' }, $OP);
	my $before = db_state();
	is_error(post_pw($other, { password => 'hijacked1' }, "cookie:$c"), 401, 'unauthorized',
	    "write:users/$other is unauthorized");
	is_error(post_pw($ADMIN, { password => 'hijacked1' }, "cookie:$c"), 401, 'unauthorized',
	    "write:users/$ADMIN is unauthorized", 'the admin');
	is(db_state(), $before, 'database unchanged');
};

subtest 'a token with write:users/<id> may set that user\'s password, while its user may' => sub {
	my $target = given(user => 'fred');
	my $owner = given(user => 'gwen');
	# Only an instance owner may write another user (docs/permissions.md).
	$t->psql("UPDATE users SET instance_owner = true WHERE id = '$owner'");
	my ($tok) = given(token => $owner, org => $ORG,
	    permissions => [ { action => 'write', resource => { type => 'users',
	    id => $target } } ]);
	my $r = post_pw($target, { password => 'fredpass1' }, $tok);
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is_error(post_pw($owner, { password => 'gwenpass1' }, $tok), 401, 'unauthorized',
	    "write:users/$owner is unauthorized", 'but not another user');
	$t->psql("UPDATE users SET instance_owner = false WHERE id = '$owner'");
	is_error(post_pw($target, { password => 'fredpass2' }, $tok), 401, 'unauthorized',
	    "write:users/$target is unauthorized", 'nor that user once gwen is no instance owner');
};

subtest 'a token without a users permission cannot set even its own user\'s password' => sub {
	my $owner = given(user => 'hank');
	my ($tok) = given(token => $owner, org => $ORG);
	is_error(post_pw($owner, { password => 'hankpass1' }, $tok), 401, 'unauthorized',
	    "write:users/$owner is unauthorized");
};

subtest 'setting a password without credentials is 401 unauthorized access' => sub {
	my $id = given(user => 'ivan');
	my $before = db_state();
	is_error(post_pw($id, { password => 'ivanpass1' }), 401, 'unauthorized',
	    'unauthorized access');
	is(db_state(), $before, 'database unchanged');
};

subtest 'GET /api/v2/users/{id}/password is 405' => sub {
	my $id = given(user => 'jack');
	my $r = call($OP, 'GET', "/api/v2/users/$id/password");
	is($r->{status}, 405, 'status 405');
	like($r->{headers}{allow} // '', qr/POST/, 'Allow lists POST');
};

done_testing();
