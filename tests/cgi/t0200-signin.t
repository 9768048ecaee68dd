# t0200-signin.t -- POST /api/v2/signin: the session cookie, every way to
# fail, inactive users, argon2id hashes and their upgrade at sign-in.
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
# Throttling has its own test file: here no name or address is blocked.
my %NOLOCK = (USERSD_SIGNIN_MAX_FAILURES => 1000);

given('setup');

# POST /api/v2/signin with this Authorization header (none if undef).
sub signin_with {
	my ($auth, %o) = @_;
	return call(undef, 'POST', '/api/v2/signin', undef,
	    headers => { Authorization => $auth }, env => { %NOLOCK, %{ $o{env} // {} } });
}

# A subtest: 401 unauthorized access and no Set-Cookie.
sub is_unauthorized {
	my ($r, $what) = @_;
	subtest "$what: 401 unauthorized access" => sub {
		is_error($r, 401, 'unauthorized', 'unauthorized access');
		is(scalar(TestLib::header_all($r, 'set-cookie')), 0, 'no Set-Cookie');
	};
}

my $bob = given(user => 'bob', password => 'bobpass12');

subtest 'a right user name and password give 204, one session cookie and a device cookie' => sub {
	my $before = time;
	my $r = signin_with(basic('admin', 'adminpass1'));
	my $after = time;
	is($r->{status}, 204, 'status 204') or diag($r->{body}, $r->{stderr});
	is($r->{body}, '', 'no body');
	my @c = TestLib::header_all($r, 'set-cookie');
	is(scalar @c, 2, 'two Set-Cookie');
	like($c[1] // '', qr/^usersd-device=[A-Za-z0-9_-]{86}==; Path=\/api\/v2\/signin; /,
	    'the second: the device cookie, for sign-in only');
	like($c[0], qr/^\Q$COOKIE\E=[A-Za-z0-9_-]{86}==; Path=\/api\/; Expires=[^;]+ GMT; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
	    'name, 88-character base64url value and attributes in order') or diag($c[0]);
	my ($exp) = $c[0] =~ /Expires=([^;]+)/;
	my ($maxage) = $c[0] =~ /Max-Age=(\d+)/;
	my $e = parse_http_date($exp // '');
	ok(defined $e, 'Expires is an RFC 1123 GMT date') or diag($exp);
	cmp_ok($e // 0, '>=', $before + 3600 - 5, 'Expires is about an hour ahead');
	cmp_ok($e // 0, '<=', $after + 3600 + 5, 'Expires is not more than an hour ahead');
	cmp_ok($maxage // 0, '>=', 3590, 'Max-Age about 3600');
	cmp_ok($maxage // 0, '<=', 3600, 'Max-Age at most 3600');
	unlike($c[0], qr/Secure/, 'no Secure over plain HTTP');
	unlike($c[0], qr/Domain=/i, 'no Domain');
};

subtest 'over HTTPS the cookie also carries Secure before SameSite' => sub {
	my $r = signin_with(basic('admin', 'adminpass1'), env => { HTTPS => 'on' });
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	my @c = TestLib::header_all($r, 'set-cookie');
	is(scalar @c, 2, 'two Set-Cookie');
	like($_ // '', qr/; HttpOnly; Secure; SameSite=Strict$/, 'Secure before SameSite')
	    or diag($_) for @c;
};

subtest 'the cookie of a sign-in authenticates GET /api/v2/me as that user' => sub {
	my $r = signin_with(basic('bob', 'bobpass12'));
	is($r->{status}, 204, 'signin 204') or diag($r->{body});
	my $c = cookie_value($r);
	ok(defined $c, 'a cookie');
	$r = call("cookie:$c", 'GET', '/api/v2/me');
	is($r->{status}, 200, 'GET /me 200') or diag($r->{body});
	is($r->{json}{id}, $bob, 'own id');
	is($r->{json}{name}, 'bob', 'own name');
};

subtest 'two sign-ins give two different cookies, both valid' => sub {
	my $c1 = cookie_value(signin_with(basic('bob', 'bobpass12')));
	my $c2 = cookie_value(signin_with(basic('bob', 'bobpass12')));
	ok(defined $c1 && defined $c2, 'two cookies');
	isnt($c1, $c2, 'they differ');
	is(call("cookie:$c1", 'GET', '/api/v2/me')->{status}, 200, 'the first works');
	is(call("cookie:$c2", 'GET', '/api/v2/me')->{status}, 200, 'the second works');
};

subtest 'a password containing colons is split at the first colon' => sub {
	my $id = given(user => 'colon', password => 'pa:ss:word1');
	my $r = signin_with(basic('colon', 'pa:ss:word1'));
	is($r->{status}, 204, 'signin 204') or diag($r->{body});
	ok(defined cookie_value($r), 'a cookie');
};

subtest 'the Basic scheme name is case-insensitive' => sub {
	my $r = signin_with('basic ' . encode_base64('bob:bobpass12', ''));
	is($r->{status}, 204, 'signin with "basic" 204') or diag($r->{body});
};

is_unauthorized(signin_with(basic('nobody', 'whatever12')), 'an unknown user');
is_unauthorized(signin_with(basic('bob', 'wrongpass1')), 'a wrong password');
is_unauthorized(signin_with(basic('ADMIN', 'adminpass1')), 'the name in another case');
is_unauthorized(signin_with(basic('Bob', 'bobpass12')), 'a capitalised name');
is_unauthorized(signin_with(undef), 'no Authorization header');
is_unauthorized(signin_with("Token $OP"), 'a Token header');
is_unauthorized(signin_with('Basic ' . encode_base64('bobpass12', '')), 'Basic without a colon');
is_unauthorized(signin_with('Basic !!!notbase64'), 'Basic with invalid base64');
is_unauthorized(signin_with(basic('', 'bobpass12')), 'an empty user name');
is_unauthorized(signin_with(basic('bob', '')), 'an empty password');
is_unauthorized(signin_with('Basic ' . encode_base64('bob:bobpass12' . ('x' x 800), '')),
    'a Basic header over 1024 characters');
is_unauthorized(signin_with('Basic'), 'Basic with no credentials');
{
	given(user => 'nopass');
	is_unauthorized(signin_with(basic('nopass', 'anything12')), 'a user without a password');
	is_unauthorized(signin_with(basic('nopass', '')), 'a user without a password and an empty one');
}

subtest 'an unknown user and a wrong password answer exactly the same' => sub {
	my $a = signin_with(basic('nobody2', 'whatever12'));
	my $b = signin_with(basic('bob', 'whatever12'));
	is($a->{status}, $b->{status}, 'same status');
	is($a->{body}, $b->{body}, 'same body bytes');
	is($a->{headers}{'x-platform-error-code'}, $b->{headers}{'x-platform-error-code'},
	    'same error code header');
};

subtest 'a failed sign-in creates no session' => sub {
	my ($before) = $t->psql('SELECT count(*) FROM sessions');
	signin_with(basic('bob', 'wrongpass1'));
	signin_with(basic('nobody', 'wrongpass1'));
	my ($after) = $t->psql('SELECT count(*) FROM sessions');
	is($after->[0], $before->[0], 'no new row in sessions');
};

# An inactive user's right password must tell nothing: the same answer,
# the same work (the hash runs) and nothing cleared, as a wrong one.
subtest 'an inactive user: the right password answers as a wrong one' => sub {
	my $id = given(user => 'sleepy', status => 'inactive');
	# A hash that costs far more than a request does: an answer made
	# without verifying it would cost far less.  Measured as the CPU time
	# of the usersd process, which other load on the machine leaves alone.
	my $slow = { USERSD_ARGON2_ITERATIONS => 24 };
	my $cpu = sub { my ($f) = @_; my @a = times; my $r = $f->(); my @b = times;
	    return ($r, $b[2] + $b[3] - $a[2] - $a[3]) };
	my (undef, $cost) = $cpu->(sub { call($OP, 'POST', "/api/v2/users/$id/password",
	    { password => 'sleepypass1' }, env => $slow) });	# one costly hash
	my ($before) = $t->psql('SELECT count(*) FROM sessions');
	my ($right, $tr) = $cpu->(sub { signin_with(basic('sleepy', 'sleepypass1'), env => $slow) });
	my ($wrong, $tw) = $cpu->(sub { signin_with(basic('sleepy', 'wrongpass1'), env => $slow) });
	cmp_ok($tr, '>', $cost / 2, "the right password runs the hash ($tr s of CPU; a hash: $cost s)");
	cmp_ok($tw, '>', $cost / 2, "so does a wrong one ($tw s)");
	is_error($right, 401, 'unauthorized', 'unauthorized access', 'right password');
	is($right->{body}, $wrong->{body}, 'the same body bytes as a wrong password');
	is($right->{status}, $wrong->{status}, 'the same status');
	is(scalar(TestLib::header_all($right, 'set-cookie')), 0, 'no Set-Cookie');
	my ($after) = $t->psql('SELECT count(*) FROM sessions');
	is($after->[0], $before->[0], 'no session row');
};

subtest 'an inactive user: the right password clears no failure count' => sub {
	$t->psql("DELETE FROM signin_failures");
	signin_with(basic('sleepy', 'wrongpass1'));
	signin_with(basic('sleepy', 'wrongpass2'));
	is(one("SELECT failures FROM signin_failures WHERE kind = 'user' AND key = 'sleepy'"),
	    2, 'two failures counted');
	signin_with(basic('sleepy', 'sleepypass1'));
	is(one("SELECT failures FROM signin_failures WHERE kind = 'user' AND key = 'sleepy'"),
	    3, 'the right password counts as a third, clears nothing');
	$t->psql("DELETE FROM signin_failures");
};

subtest 'passwords are stored as argon2id PHC strings with the default parameters' => sub {
	my @rows = $t->psql("SELECT name, password_hash FROM users WHERE name IN ('admin','bob') ORDER BY name");
	is(scalar @rows, 2, 'two users');
	for my $row (@rows) {
		like($row->[1], qr/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+\/]+\$[A-Za-z0-9+\/]+$/,
		    "$row->[0]: argon2id PHC string");
		unlike($row->[1], qr/adminpass1|bobpass12/, "$row->[0]: no clear text");
	}
	my ($salt1) = $rows[0][1] =~ /\$([^\$]+)\$[^\$]+$/;
	my ($salt2) = $rows[1][1] =~ /\$([^\$]+)\$[^\$]+$/;
	isnt($salt1, $salt2, 'salts differ');
};

subtest 'a hash made with other argon2 parameters is upgraded at the next sign-in' => sub {
	my $id = given(user => 'legacy');
	my $r = call($OP, 'POST', "/api/v2/users/$id/password", '{"password":"legacypass1"}',
	    env => { USERSD_ARGON2_MEMORY => 8192, USERSD_ARGON2_ITERATIONS => 1 });
	is($r->{status}, 204, 'password set with weak parameters') or diag($r->{body});
	my ($old) = $t->psql("SELECT password_hash FROM users WHERE id = '$id'");
	like($old->[0], qr/^\$argon2id\$v=19\$m=8192,t=1,p=1\$/, 'stored with m=8192,t=1');
	my $since = one('SELECT max(id) FROM audit_log');
	$r = signin_with(basic('legacy', 'legacypass1'));
	is($r->{status}, 204, 'signin with the default parameters') or diag($r->{body});
	is(call('cookie:' . (cookie_value($r) // ''), 'GET', '/api/v2/me')->{status}, 200,
	    'the session of the sign-in that rehashed works');
	is_deeply([ map { "$_->[0] $_->[1]" } $t->psql("SELECT action, actor_user_id FROM audit_log "
	    . "WHERE id > $since AND action IN ('rehash', 'password') ORDER BY id") ],
	    [ "rehash $id" ], 'one audit row: a rehash, by the user signing in');
	my ($new) = $t->psql("SELECT password_hash FROM users WHERE id = '$id'");
	like($new->[0], qr/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, 'rehashed with m=19456,t=2');
	isnt($new->[0], $old->[0], 'the hash changed');
	is(signin_with(basic('legacy', 'legacypass1'))->{status}, 204, 'the password still works');
	is(signin_with(basic('legacy', 'wrongpass1'))->{status}, 401, 'and a wrong one still fails');
};

subtest 'a failed sign-in does not rehash' => sub {
	my $id = given(user => 'legacy2');
	call($OP, 'POST', "/api/v2/users/$id/password", '{"password":"legacypass2"}',
	    env => { USERSD_ARGON2_MEMORY => 8192, USERSD_ARGON2_ITERATIONS => 1 });
	my ($old) = $t->psql("SELECT password_hash FROM users WHERE id = '$id'");
	signin_with(basic('legacy2', 'wrongpass1'));
	my ($new) = $t->psql("SELECT password_hash FROM users WHERE id = '$id'");
	is($new->[0], $old->[0], 'unchanged');
};

subtest 'sign-in never writes the password or the cookie to stderr' => sub {
	my $ok = signin_with(basic('bob', 'bobpass12'));
	my $c = cookie_value($ok) // 'none';
	my $bad = signin_with(basic('bob', 'Secr3tWrong'));
	unlike($ok->{stderr}, qr/bobpass12/, 'success: no password');
	unlike($ok->{stderr}, qr/\Q$c\E/, 'success: no cookie');
	unlike($bad->{stderr}, qr/Secr3tWrong/, 'failure: no password');
	my $b64 = encode_base64('bob:Secr3tWrong', '');
	unlike($bad->{stderr}, qr/\Q$b64\E/, 'failure: no Authorization header');
};

subtest 'a sign-in writes its session, audit row and cleanups in one go' => sub {
	my $bobid = one("SELECT id FROM users WHERE name = 'bob'");
	# Someone's session long expired, and a failure on bob's name.
	$t->psql("INSERT INTO sessions (id_hash, user_id, expires_at, max_expires_at) "
	    . "VALUES (repeat('e', 64), '$bobid', now() - interval '1 day', now() - interval '1 day')");
	$t->psql("DELETE FROM signin_failures");
	is(signin_with(basic('bob', 'wrongpass99'))->{status}, 401, 'a failure first');
	is(one("SELECT failures FROM signin_failures WHERE kind = 'user' AND key = 'bob'"),
	    1, 'counted for bob');
	my $audits = one("SELECT count(*) FROM audit_log WHERE action = 'signin'");
	my $r = signin_with(basic('bob', 'bobpass12'));
	is($r->{status}, 204, 'signed in') or diag($r->{body});
	my $h = sha256_hex(cookie_value($r) // '');
	is(one("SELECT user_id FROM sessions WHERE id_hash = '$h'"), $bobid, 'the session is bob\'s');
	is(one("SELECT count(*) FROM sessions WHERE id_hash = repeat('e', 64)"), 0,
	    'the expired session is gone');
	is(one("SELECT failures FROM signin_failures WHERE kind = 'user' AND key = 'bob'"),
	    0, 'bob\'s failures are cleared');
	is(one("SELECT count(*) FROM audit_log WHERE action = 'signin'"), $audits + 1,
	    'one audit row');
	my ($row) = $t->psql("SELECT actor_user_id, target_type, target_id, remote_addr <> '' "
	    . "FROM audit_log WHERE action = 'signin' ORDER BY id DESC LIMIT 1");
	is_deeply($row, [ $bobid, 'user', $bobid, 't' ], 'by and about bob, with the address');
};

# The web servers send exactly /api/v2/signin to the sign-in pool
# (docs/deploy.md): any other spelling must not run a hash, wherever it
# lands, so usersd signs in on the exact path only.
subtest 'sign-in answers on its exact path only' => sub {
	for my $path ('/api/v2/signin/', '//api/v2/signin', '/api/v2//signin',
	    '/api/v2/sign%69n', '/api/v2/signin%2f', '/api/v2/signin/.', '/api/v2/./signin',
	    '/api/v2/x/../signin', '/API/v2/signin', '/api/v2/Signin', '/api/v2/signin;x') {
		my $r = $t->cgi(method => 'POST', path => $path,
		    headers => { Authorization => basic('bob', 'bobpass12') }, env => \%NOLOCK);
		is_error($r, 404, 'not found', 'path not found', $path);
		is(scalar(TestLib::header_all($r, 'set-cookie')), 0, "$path: no Set-Cookie");
	}
	my $r = $t->cgi(method => 'POST', path => '/api/v2/signin?x=1',
	    headers => { Authorization => basic('bob', 'bobpass12') }, env => \%NOLOCK);
	is($r->{status}, 204, 'control: a query string is no other path');
};

subtest 'GET /api/v2/signin is not a sign-in' => sub {
	my $r = $t->cgi(method => 'GET', path => '/api/v2/signin',
	    headers => { Authorization => basic('bob', 'bobpass12') }, env => \%NOLOCK);
	isnt($r->{status}, 204, 'not 204');
	is(scalar(TestLib::header_all($r, 'set-cookie')), 0, 'no Set-Cookie');
	is_error($r, 405, 'method not allowed', 'allow: POST');
};

done_testing();
