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

setup_ok(env => \%ENV_);

# PUT with a cookie (or none) and Basic (or none) and a body.
sub put_pw {
	my (%o) = @_;
	my %h = ('Content-Type' => 'application/json');
	$h{Cookie} = "$COOKIE=$o{cookie}" if defined $o{cookie};
	$h{Authorization} = $o{auth} if defined $o{auth};
	return $t->cgi(method => 'PUT', path => $o{path} // '/api/v2/me/password',
	    headers => \%h, env => \%ENV_,
	    defined $o{body} ? (body => $o{body}) : ());
}

sub pwbody { TestLib->json_encode({ password => $_[0] }) }

sub hash_of {
	my ($id) = @_;
	my ($row) = $t->psql("SELECT password_hash FROM users WHERE id = '$id'");
	return $row->[0];
}

subtest 'PUT /me/password with cookie and current password changes it' => sub {
	my $id = new_user('bob', 'bobpass12');
	my $c = signin_ok('bob', 'bobpass12');
	my $r = put_pw(cookie => $c, auth => basic('anything', 'bobpass12'),
	    body => pwbody('NewSecret1'));
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	is(try_signin('bob', 'NewSecret1')->{status}, 204, 'the new password signs in');
	my $old = try_signin('bob', 'bobpass12');
	is($old->{status}, 401, 'the old one does not');
	like(hash_of($id), qr/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/, 'stored as argon2id with the configured parameters');
};

subtest 'the session that changed the password survives; the user\'s other sessions end' => sub {
	my $id = new_user('carol', 'carolpass1');
	my $mine = signin_ok('carol', 'carolpass1');
	my $other1 = signin_ok('carol', 'carolpass1');
	my $other2 = signin_ok('carol', 'carolpass1');
	my $admin = signin_ok('admin', 'adminpass1');
	my $r = put_pw(cookie => $mine, auth => basic('carol', 'carolpass1'),
	    body => pwbody('CarolNew12'));
	is($r->{status}, 204, 'changed') or diag($r->{body});
	is(me($mine)->{status}, 200, 'the changing session still works');
	is(me($other1)->{status}, 401, 'another session is refused');
	is(me($other2)->{status}, 401, 'and the third one too');
	my ($n) = $t->psql("SELECT count(*) FROM sessions WHERE user_id = '$id'");
	is($n->[0], 1, 'one session row left for carol');
	is(me($admin)->{status}, 200, 'other users\' sessions are untouched');
};

subtest 'a wrong current password is 403 and changes nothing' => sub {
	my $id = new_user('dan', 'danpass123');
	my $c = signin_ok('dan', 'danpass123');
	my $other = signin_ok('dan', 'danpass123');
	my $before = hash_of($id);
	my $r = put_pw(cookie => $c, auth => basic('dan', 'wrongpass1'), body => pwbody('DanNew1234'));
	is_error($r, 403, 'forbidden', 'your username or password is incorrect');
	is(hash_of($id), $before, 'hash unchanged');
	is(me($other)->{status}, 200, 'other sessions untouched');
	is(try_signin('dan', 'danpass123')->{status}, 204, 'the old password still works');
};

subtest 'the Basic user name is ignored: the cookie decides whose password' => sub {
	my $id = new_user('erin', 'erinpass12');
	my $c = signin_ok('erin', 'erinpass12');
	# admin's password in Basic, erin's cookie: checked against erin's hash.
	my $r = put_pw(cookie => $c, auth => basic('admin', 'adminpass1'), body => pwbody('ErinNew123'));
	is_error($r, 403, 'forbidden', 'your username or password is incorrect');
	is(try_signin('admin', 'adminpass1')->{status}, 204, 'admin\'s password unchanged');
};

subtest 'a cookie without Basic credentials is 401' => sub {
	my $id = new_user('fay', 'faypass123');
	my $c = signin_ok('fay', 'faypass123');
	my $before = hash_of($id);
	my $r = put_pw(cookie => $c, body => pwbody('FayNew1234'));
	is_error($r, 401, 'unauthorized');
	is(hash_of($id), $before, 'hash unchanged');
};

subtest 'Basic credentials without a cookie are 401 unauthorized access' => sub {
	my $r = put_pw(auth => basic('fay', 'faypass123'), body => pwbody('FayNew1234'));
	is_error($r, 401, 'unauthorized', 'unauthorized access');
	is_deeply($r->{json}, $UNAUTH, 'compact body');
};

subtest 'a token is not a session for PUT /me/password' => sub {
	my $r = $t->cgi(method => 'PUT', path => '/api/v2/me/password',
	    headers => { Authorization => "Token $OP", 'Content-Type' => 'application/json' },
	    body => pwbody('AdminNew12'), env => \%ENV_);
	isnt($r->{status}, 204, 'not 204') or diag($r->{body});
	is(try_signin('admin', 'adminpass1')->{status}, 204, 'admin\'s password unchanged');
};

subtest 'a new password shorter than 8 or longer than 256 bytes is 400' => sub {
	my $id = new_user('gus', 'guspass123');
	my $c = signin_ok('gus', 'guspass123');
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
	my $id = new_user('hal', 'halpass123');
	my $c = signin_ok('hal', 'halpass123');
	my $long = 'L' x 256;
	my $r = put_pw(cookie => $c, auth => basic('hal', 'halpass123'), body => pwbody($long));
	is($r->{status}, 204, '256 bytes: 204') or diag($r->{body});
	$r = put_pw(cookie => $c, auth => basic('hal', $long), body => pwbody('eight888'));
	is($r->{status}, 204, '8 bytes: 204') or diag($r->{body});
	is(try_signin('hal', 'eight888')->{status}, 204, 'signs in with it');
};

subtest 'a malformed body is 400, never 500' => sub {
	my $id = new_user('ivy', 'ivypass123');
	my $c = signin_ok('ivy', 'ivypass123');
	for my $case ([ 'empty body', undef ], [ 'not JSON', 'password=x' ], [ 'truncated', '{"password":' ],
	    [ 'password a number', '{"password":12345678}' ], [ 'an array', '[]' ], [ 'no password', '{}' ]) {
		my $r = put_pw(cookie => $c, auth => basic('ivy', 'ivypass123'), body => $case->[1]);
		is($r->{status}, 400, "$case->[0]: 400") or diag($r->{body});
		is($r->{headers}{'content-type'}, $JSONCT, "$case->[0]: JSON");
		ok(defined $r->{headers}{'x-platform-error-code'}, "$case->[0]: X-Platform-Error-Code");
	}
	is(try_signin('ivy', 'ivypass123')->{status}, 204, 'password unchanged');
};

subtest 'PUT /users/{id}/password with the operator\'s session and the target\'s current password' => sub {
	my $id = new_user('jan', 'janpass123');
	my $jc = signin_ok('jan', 'janpass123');
	my $ac = signin_ok('admin', 'adminpass1');
	my $r = put_pw(path => "/api/v2/users/$id/password", cookie => $ac,
	    auth => basic('admin', 'janpass123'), body => pwbody('JanNew1234'));
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is(try_signin('jan', 'JanNew1234')->{status}, 204, 'the new password works');
	is(try_signin('jan', 'janpass123')->{status}, 401, 'the old does not');
	is(me($jc)->{status}, 401, 'jan\'s session ended');
	is(me($ac)->{status}, 200, 'the operator\'s session goes on');
};

subtest 'PUT /users/{id}/password with the wrong current password of the target is 403' => sub {
	my $id = new_user('kim', 'kimpass123');
	my $ac = signin_ok('admin', 'adminpass1');
	my $r = put_pw(path => "/api/v2/users/$id/password", cookie => $ac,
	    auth => basic('admin', 'adminpass1'), body => pwbody('KimNew1234'));
	is_error($r, 403, 'forbidden', 'your username or password is incorrect');
	is(try_signin('kim', 'kimpass123')->{status}, 204, 'unchanged');
};

subtest 'PUT /users/{id}/password on yourself works with your own session' => sub {
	my $id = new_user('lee', 'leepass123');
	my $c = signin_ok('lee', 'leepass123');
	my $r = put_pw(path => "/api/v2/users/$id/password", cookie => $c,
	    auth => basic('lee', 'leepass123'), body => pwbody('LeeNew1234'));
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is(me($c)->{status}, 200, 'own session survives');
};

subtest 'PUT /users/{id}/password on another user needs write:users/<id>' => sub {
	my $mia = new_user('mia', 'miapass123');
	my $ned = new_user('ned', 'nedpass123');
	my $c = signin_ok('ned', 'nedpass123');
	my $r = put_pw(path => "/api/v2/users/$mia/password", cookie => $c,
	    auth => basic('ned', 'miapass123'), body => pwbody('Hijacked12'));
	is_error($r, 401, 'unauthorized', "write:users/$mia is unauthorized");
	is(try_signin('mia', 'miapass123')->{status}, 204, 'mia\'s password unchanged');
};

subtest 'PUT /users/{id}/password without Basic is 401, without cookie too' => sub {
	my $id = new_user('oli', 'olipass123');
	my $ac = signin_ok('admin', 'adminpass1');
	my $r = put_pw(path => "/api/v2/users/$id/password", cookie => $ac, body => pwbody('OliNew1234'));
	is_error($r, 401, 'unauthorized');
	$r = put_pw(path => "/api/v2/users/$id/password", auth => basic('oli', 'olipass123'),
	    body => pwbody('OliNew1234'));
	is_error($r, 401, 'unauthorized', 'unauthorized access');
	is(try_signin('oli', 'olipass123')->{status}, 204, 'unchanged');
};

subtest 'PUT /users/{id}/password with a too short new password is 400' => sub {
	my $id = new_user('pam', 'pampass123');
	my $ac = signin_ok('admin', 'adminpass1');
	my $r = put_pw(path => "/api/v2/users/$id/password", cookie => $ac,
	    auth => basic('x', 'pampass123'), body => pwbody('short'));
	is_error($r, 400, 'invalid', $LENMSG);
};

subtest 'POST /users/{id}/password by the operator ends all the user\'s sessions' => sub {
	my $id = new_user('quin', 'quinpass12');
	my $c1 = signin_ok('quin', 'quinpass12');
	my $c2 = signin_ok('quin', 'quinpass12');
	my $r = op('POST', "/api/v2/users/$id/password", { password => 'QuinNew123' });
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is(me($c1)->{status}, 401, 'first session ended');
	is(me($c2)->{status}, 401, 'second session ended');
	my ($n) = $t->psql("SELECT count(*) FROM sessions WHERE user_id = '$id'");
	is($n->[0], 0, 'no rows');
	is(try_signin('quin', 'QuinNew123')->{status}, 204, 'the new password works');
};

subtest 'POST /users/{id}/password by the operator checks the length' => sub {
	my $id = new_user('rex', 'rexpass123');
	is_error(op('POST', "/api/v2/users/$id/password", { password => 'short' }), 400, 'invalid', $LENMSG);
	is_error(op('POST', "/api/v2/users/$id/password", { password => 'y' x 257 }), 400, 'invalid', $LENMSG);
	is(op('POST', "/api/v2/users/$id/password", { password => 'z' x 256 })->{status}, 204, '256 bytes ok');
};

subtest 'POST /users/{id}/password with a malformed body is 400' => sub {
	my $id = new_user('sam', 'sampass123');
	is(op('POST', "/api/v2/users/$id/password", '{"password":')->{status}, 400, 'truncated JSON');
	is(op('POST', "/api/v2/users/$id/password", '')->{status}, 400, 'empty body');
};

subtest 'password changes never log the old or new password' => sub {
	my $id = new_user('tia', 'tiapass123');
	my $c = signin_ok('tia', 'tiapass123');
	my $bad = put_pw(cookie => $c, auth => basic('tia', 'W0ngOldPw'), body => pwbody('TiaBrandNew9'));
	my $ok = put_pw(cookie => $c, auth => basic('tia', 'tiapass123'), body => pwbody('TiaBrandNew9'));
	is($ok->{status}, 204, 'changed');
	for my $r ($bad, $ok) {
		unlike($r->{stderr}, qr/W0ngOldPw|tiapass123|TiaBrandNew9/, 'no password on stderr');
	}
};

done_testing();
