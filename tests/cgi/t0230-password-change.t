# t0230-password-change.t -- PUT /api/v2/me/password and PUT
# /api/v2/users/{id}/password (session cookie + current password as Basic),
# POST /api/v2/users/{id}/password (admin set), and what a password change
# does to the user's other sessions.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
my $LENMSG = 'passwords must be between 8 and 256 characters long';
# Cheap argon2 parameters for every call keep this file fast; t0200 checks
# the defaults.  No lockout: throttling has its own test file.
my %ENV_ = (USERSD_SIGNIN_MAX_FAILURES => 1000, USERSD_ARGON2_MEMORY => 1024,
    USERSD_ARGON2_ITERATIONS => 1);
ApiTest::bind($t, env => \%ENV_);

given('setup', env => \%ENV_);

# PUT $o{path} (/api/v2/me/password unless given) with a session cookie
# (or none), an Authorization value such as Basic (or none) and a body.
sub put_pw {
	my (%o) = @_;
	return call(defined $o{cookie} ? "cookie:$o{cookie}" : undef, 'PUT',
	    $o{path} // '/api/v2/me/password', $o{body},
	    headers => { Authorization => $o{auth} });
}

sub pwbody { TestLib->json_encode({ password => $_[0] }) }

sub hash_of {
	my ($id) = @_;
	my ($row) = $t->psql("SELECT password_hash FROM users WHERE id = '$id'");
	return $row->[0];
}

subtest 'PUT /me/password with cookie and current password changes it' => sub {
	my $id = given(user => 'bob', password => 'bobpass12');
	my $c = given(session => 'bob', password => 'bobpass12');
	my $r = put_pw(cookie => $c, auth => basic('anything', 'bobpass12'),
	    body => pwbody('NewSecret1'));
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	is(call(basic('bob', 'NewSecret1'), 'POST', '/api/v2/signin')->{status}, 204,
	    'the new password signs in');
	my $old = call(basic('bob', 'bobpass12'), 'POST', '/api/v2/signin');
	is($old->{status}, 401, 'the old one does not');
	like(hash_of($id), qr/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/, 'stored as argon2id with the configured parameters');
};

subtest 'the session that changed the password survives; the user\'s other sessions end' => sub {
	my $id = given(user => 'carol', password => 'carolpass1');
	my $mine = given(session => 'carol', password => 'carolpass1');
	my $other1 = given(session => 'carol', password => 'carolpass1');
	my $other2 = given(session => 'carol', password => 'carolpass1');
	my $admin = given(session => 'admin', password => 'adminpass1');
	my $r = put_pw(cookie => $mine, auth => basic('carol', 'carolpass1'),
	    body => pwbody('CarolNew12'));
	is($r->{status}, 204, 'changed') or diag($r->{body});
	is(call("cookie:$mine", 'GET', '/api/v2/me')->{status}, 200,
	    'the changing session still works');
	is(call("cookie:$other1", 'GET', '/api/v2/me')->{status}, 401,
	    'another session is refused');
	is(call("cookie:$other2", 'GET', '/api/v2/me')->{status}, 401, 'and the third one too');
	my ($n) = $t->psql("SELECT count(*) FROM sessions WHERE user_id = '$id'");
	is($n->[0], 1, 'one session row left for carol');
	is(call("cookie:$admin", 'GET', '/api/v2/me')->{status}, 200,
	    'other users\' sessions are untouched');
};

subtest 'a wrong current password is 403 and changes nothing' => sub {
	my $id = given(user => 'dan', password => 'danpass123');
	my $c = given(session => 'dan', password => 'danpass123');
	my $other = given(session => 'dan', password => 'danpass123');
	my $before = hash_of($id);
	my $r = put_pw(cookie => $c, auth => basic('dan', 'wrongpass1'), body => pwbody('DanNew1234'));
	is_error($r, 403, 'forbidden', 'your username or password is incorrect');
	is(hash_of($id), $before, 'hash unchanged');
	is(call("cookie:$other", 'GET', '/api/v2/me')->{status}, 200,
	    'other sessions untouched');
	is(call(basic('dan', 'danpass123'), 'POST', '/api/v2/signin')->{status}, 204,
	    'the old password still works');
};

subtest 'the Basic user name is ignored: the cookie decides whose password' => sub {
	my $id = given(user => 'erin', password => 'erinpass12');
	my $c = given(session => 'erin', password => 'erinpass12');
	# admin's password in Basic, erin's cookie: checked against erin's hash.
	my $r = put_pw(cookie => $c, auth => basic('admin', 'adminpass1'), body => pwbody('ErinNew123'));
	is_error($r, 403, 'forbidden', 'your username or password is incorrect');
	is(call(basic('admin', 'adminpass1'), 'POST', '/api/v2/signin')->{status}, 204,
	    'admin\'s password unchanged');
};

subtest 'a cookie without Basic credentials is 401' => sub {
	my $id = given(user => 'fay', password => 'faypass123');
	my $c = given(session => 'fay', password => 'faypass123');
	my $before = hash_of($id);
	my $r = put_pw(cookie => $c, body => pwbody('FayNew1234'));
	is_error($r, 401, 'unauthorized',
	    'the current password is required as Basic credentials');
	is(hash_of($id), $before, 'hash unchanged');
};

subtest 'Basic credentials without a cookie are 401 unauthorized access' => sub {
	my $r = put_pw(auth => basic('fay', 'faypass123'), body => pwbody('FayNew1234'));
	is_error($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'a token is not a session for PUT /me/password' => sub {
	my $r = call($OP, 'PUT', '/api/v2/me/password', pwbody('AdminNew12'));
	isnt($r->{status}, 204, 'not 204') or diag($r->{body});
	is(call(basic('admin', 'adminpass1'), 'POST', '/api/v2/signin')->{status}, 204,
	    'admin\'s password unchanged');
};

subtest 'a new password shorter than 8 or longer than 256 bytes is 400' => sub {
	my $id = given(user => 'gus', password => 'guspass123');
	my $c = given(session => 'gus', password => 'guspass123');
	my $before = hash_of($id);
	for my $case ([ 'short', 'seven77' ], [ 'empty', '' ], [ '257 bytes', 'x' x 257 ],
	    [ '129 two-byte characters', "\x{e9}" x 129 ]) {
		my $r = put_pw(cookie => $c, auth => basic('gus', 'guspass123'),
		    body => pwbody($case->[1]));
		is_error($r, 400, 'invalid', $LENMSG);
	}
	is(hash_of($id), $before, 'hash unchanged');
};

subtest 'a new password of exactly 256 bytes or 8 characters is accepted' => sub {
	my $id = given(user => 'hal', password => 'halpass123');
	my $c = given(session => 'hal', password => 'halpass123');
	my $long = 'L' x 256;
	my $r = put_pw(cookie => $c, auth => basic('hal', 'halpass123'), body => pwbody($long));
	is($r->{status}, 204, '256 bytes: 204') or diag($r->{body});
	$r = put_pw(cookie => $c, auth => basic('hal', $long), body => pwbody('eight888'));
	is($r->{status}, 204, '8 bytes: 204') or diag($r->{body});
	is(call(basic('hal', 'eight888'), 'POST', '/api/v2/signin')->{status}, 204,
	    'signs in with it');
};

subtest 'a malformed body is 400, never 500' => sub {
	my $id = given(user => 'ivy', password => 'ivypass123');
	my $c = given(session => 'ivy', password => 'ivypass123');
	for my $case ([ 'empty body', undef ], [ 'not JSON', 'password=x' ], [ 'truncated', '{"password":' ],
	    [ 'password a number', '{"password":12345678}' ], [ 'an array', '[]' ], [ 'no password', '{}' ]) {
		my $r = put_pw(cookie => $c, auth => basic('ivy', 'ivypass123'), body => $case->[1]);
		is($r->{status}, 400, "$case->[0]: 400") or diag($r->{body});
		is($r->{headers}{'content-type'}, $JSONCT, "$case->[0]: JSON");
		ok(defined $r->{headers}{'x-platform-error-code'}, "$case->[0]: X-Platform-Error-Code");
	}
	is(call(basic('ivy', 'ivypass123'), 'POST', '/api/v2/signin')->{status}, 204,
	    'password unchanged');
};

subtest 'PUT /users/{id}/password with the operator\'s session and the target\'s current password' => sub {
	my $id = given(user => 'jan', password => 'janpass123');
	my $jc = given(session => 'jan', password => 'janpass123');
	my $ac = given(session => 'admin', password => 'adminpass1');
	my $r = put_pw(path => "/api/v2/users/$id/password", cookie => $ac,
	    auth => basic('admin', 'janpass123'), body => pwbody('JanNew1234'));
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is(call(basic('jan', 'JanNew1234'), 'POST', '/api/v2/signin')->{status}, 204,
	    'the new password works');
	is(call(basic('jan', 'janpass123'), 'POST', '/api/v2/signin')->{status}, 401,
	    'the old does not');
	is(call("cookie:$jc", 'GET', '/api/v2/me')->{status}, 401, 'jan\'s session ended');
	is(call("cookie:$ac", 'GET', '/api/v2/me')->{status}, 200,
	    'the operator\'s session goes on');
};

subtest 'PUT /users/{id}/password with the wrong current password of the target is 403' => sub {
	my $id = given(user => 'kim', password => 'kimpass123');
	my $ac = given(session => 'admin', password => 'adminpass1');
	my $r = put_pw(path => "/api/v2/users/$id/password", cookie => $ac,
	    auth => basic('admin', 'adminpass1'), body => pwbody('KimNew1234'));
	is_error($r, 403, 'forbidden', 'your username or password is incorrect');
	is(call(basic('kim', 'kimpass123'), 'POST', '/api/v2/signin')->{status}, 204,
	    'unchanged');
};

subtest 'PUT /users/{id}/password on yourself works with your own session' => sub {
	my $id = given(user => 'lee', password => 'leepass123');
	my $c = given(session => 'lee', password => 'leepass123');
	my $r = put_pw(path => "/api/v2/users/$id/password", cookie => $c,
	    auth => basic('lee', 'leepass123'), body => pwbody('LeeNew1234'));
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is(call("cookie:$c", 'GET', '/api/v2/me')->{status}, 200, 'own session survives');
};

subtest 'PUT /users/{id}/password on another user needs write:users/<id>' => sub {
	my $mia = given(user => 'mia', password => 'miapass123');
	my $ned = given(user => 'ned', password => 'nedpass123');
	my $c = given(session => 'ned', password => 'nedpass123');
	my $r = put_pw(path => "/api/v2/users/$mia/password", cookie => $c,
	    auth => basic('ned', 'miapass123'), body => pwbody('Hijacked12'));
	is_error($r, 401, 'unauthorized', "write:users/$mia is unauthorized");
	is(call(basic('mia', 'miapass123'), 'POST', '/api/v2/signin')->{status}, 204,
	    'mia\'s password unchanged');
};

subtest 'PUT /users/{id}/password without Basic is 401, without cookie too' => sub {
	my $id = given(user => 'oli', password => 'olipass123');
	my $ac = given(session => 'admin', password => 'adminpass1');
	my $r = put_pw(path => "/api/v2/users/$id/password", cookie => $ac, body => pwbody('OliNew1234'));
	is_error($r, 401, 'unauthorized',
	    'the current password is required as Basic credentials');
	$r = put_pw(path => "/api/v2/users/$id/password", auth => basic('oli', 'olipass123'),
	    body => pwbody('OliNew1234'));
	is_error($r, 401, 'unauthorized', 'unauthorized access');
	is(call(basic('oli', 'olipass123'), 'POST', '/api/v2/signin')->{status}, 204,
	    'unchanged');
};

subtest 'PUT /users/{id}/password with a too short new password is 400' => sub {
	my $id = given(user => 'pam', password => 'pampass123');
	my $ac = given(session => 'admin', password => 'adminpass1');
	my $r = put_pw(path => "/api/v2/users/$id/password", cookie => $ac,
	    auth => basic('x', 'pampass123'), body => pwbody('short'));
	is_error($r, 400, 'invalid', $LENMSG);
};

subtest 'POST /users/{id}/password by the operator ends all the user\'s sessions' => sub {
	my $id = given(user => 'quin', password => 'quinpass12');
	my $c1 = given(session => 'quin', password => 'quinpass12');
	my $c2 = given(session => 'quin', password => 'quinpass12');
	my $r = call($OP, 'POST', "/api/v2/users/$id/password", { password => 'QuinNew123' });
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is(call("cookie:$c1", 'GET', '/api/v2/me')->{status}, 401, 'first session ended');
	is(call("cookie:$c2", 'GET', '/api/v2/me')->{status}, 401, 'second session ended');
	my ($n) = $t->psql("SELECT count(*) FROM sessions WHERE user_id = '$id'");
	is($n->[0], 0, 'no rows');
	is(call(basic('quin', 'QuinNew123'), 'POST', '/api/v2/signin')->{status}, 204,
	    'the new password works');
};

subtest 'POST /users/{id}/password by the operator checks the length' => sub {
	my $id = given(user => 'rex', password => 'rexpass123');
	is_error(call($OP, 'POST', "/api/v2/users/$id/password",
	    { password => 'short' }), 400, 'invalid', $LENMSG);
	is_error(call($OP, 'POST', "/api/v2/users/$id/password",
	    { password => 'y' x 257 }), 400, 'invalid', $LENMSG);
	is(call($OP, 'POST', "/api/v2/users/$id/password",
	    { password => 'z' x 256 })->{status}, 204, '256 bytes ok');
};

subtest 'POST /users/{id}/password with a malformed body is 400' => sub {
	my $id = given(user => 'sam', password => 'sampass123');
	is(call($OP, 'POST', "/api/v2/users/$id/password", '{"password":')->{status},
	    400, 'truncated JSON');
	is(call($OP, 'POST', "/api/v2/users/$id/password", '')->{status}, 400, 'empty body');
};

subtest 'password changes never log the old or new password' => sub {
	my $id = given(user => 'tia', password => 'tiapass123');
	my $c = given(session => 'tia', password => 'tiapass123');
	my $bad = put_pw(cookie => $c, auth => basic('tia', 'W0ngOldPw'), body => pwbody('TiaBrandNew9'));
	my $ok = put_pw(cookie => $c, auth => basic('tia', 'tiapass123'), body => pwbody('TiaBrandNew9'));
	is($ok->{status}, 204, 'changed');
	for my $r ($bad, $ok) {
		unlike($r->{stderr}, qr/W0ngOldPw|tiapass123|TiaBrandNew9/, 'no password on stderr');
	}
};

done_testing();
