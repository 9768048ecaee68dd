# t0210-session-cookie.t -- the session cookie as a credential: lookup,
# refusal of bad cookies, storage as a SHA-256 hash in PostgreSQL, expiry,
# renewal, and the end of sessions with their user.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
# No sign-in here is blocked (throttling has its own test file).
my %NOLOCK = (USERSD_SIGNIN_MAX_FAILURES => 1000);
ApiTest::bind($t, env => \%NOLOCK);

my $s = given('setup');
my $ADMIN = $s->{user_id};

# GET (or o{method}) o{path} (default /api/v2/me) with this Cookie header.
sub with_cookie {
	my ($cookie_header, %o) = @_;
	return $t->cgi(method => $o{method} // 'GET', path => $o{path} // '/api/v2/me',
	    headers => { Cookie => $cookie_header, %{ $o{headers} // {} } },
	    env => $o{env});
}

# The Expires of the one session Set-Cookie of a response, as epoch seconds.
sub cookie_expires {
	my ($r) = @_;
	my @c = grep { /^\Q$COOKIE\E=/ } TestLib::header_all($r, 'set-cookie');
	return undef unless @c == 1;
	$c[0] =~ /Expires=([^;]+)/ or return undef;
	return parse_http_date($1);
}

my $bob = given(user => 'bob', password => 'bobpass12');
my $bobc = given(session => 'bob', password => 'bobpass12');

subtest 'a session cookie authenticates GET /api/v2/me as its user' => sub {
	my $r = call("cookie:$bobc", 'GET', '/api/v2/me');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is($r->{json}{id}, $bob, 'id');
	is($r->{json}{name}, 'bob', 'name');
	is($r->{json}{status}, 'active', 'status');
};

subtest 'the session works among other cookies' => sub {
	my $r = with_cookie("theme=dark; $COOKIE=$bobc; other=1");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $bob, 'bob');
};

subtest 'the session authenticates other routes too' => sub {
	my $r = with_cookie("$COOKIE=$bobc", path => "/api/v2/users/$bob");
	is($r->{status}, 200, 'GET own user 200') or diag($r->{body});
	is($r->{json}{name}, 'bob', 'bob');
};

subtest 'a token header wins over a session cookie' => sub {
	my $r = with_cookie("$COOKIE=$bobc", headers => { Authorization => "Token $OP" });
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $ADMIN, 'the token user (admin), not bob');
};

subtest 'a bad token header is not rescued by a valid cookie' => sub {
	my $r = with_cookie("$COOKIE=$bobc", headers => { Authorization => 'Token nosuchtoken' });
	is_error($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'Basic credentials next to a cookie leave session authentication' => sub {
	my $r = with_cookie("$COOKIE=$bobc",
	    headers => { Authorization => basic('admin', 'adminpass1') });
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $bob, 'bob (the cookie), not admin');
};

subtest 'no credentials at all is 401' => sub {
	is_error($t->cgi(method => 'GET', path => '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access');
};

subtest 'a cookie longer than 512 characters is 401' => sub {
	is_error(call("cookie:$bobc" . ('A' x 500), 'GET', '/api/v2/me'), 401,
	    'unauthorized', 'unauthorized access');
	is_error(call('cookie:' . ('A' x 513), 'GET', '/api/v2/me'), 401,
	    'unauthorized', 'unauthorized access');
};

subtest 'a malformed cookie is 401' => sub {
	is_error(call('cookie:!!!', 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access');
	is_error(call('cookie:', 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access');
	is_error(with_cookie("$COOKIE"), 401, 'unauthorized', 'unauthorized access');
	is_error(with_cookie("$COOKIE=\"$bobc"), 401, 'unauthorized', 'unauthorized access');
};

subtest 'an unknown cookie of the right shape is 401' => sub {
	my $fake = ('A' x 86) . '==';
	is_error(call("cookie:$fake", 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access');
};

subtest 'a cookie under another name is 401' => sub {
	is_error(with_cookie("session=$bobc"), 401, 'unauthorized', 'unauthorized access');
	is_error(with_cookie("Influxdb-Oss-Session=$bobc"), 401, 'unauthorized',
	    'unauthorized access');
};

subtest 'two cookies of the session name in one header are 401' => sub {
	my $other = given(session => 'bob', password => 'bobpass12');
	is_error(with_cookie("$COOKIE=$bobc; $COOKIE=$other"), 401, 'unauthorized',
	    'unauthorized access');
	is_error(with_cookie("$COOKIE=$bobc; $COOKIE=$bobc"), 401, 'unauthorized',
	    'unauthorized access');
	is_error(with_cookie("$COOKIE=$bobc; $COOKIE=bogus"), 401, 'unauthorized',
	    'unauthorized access');
};

subtest 'only the SHA-256 of the cookie is stored in PostgreSQL' => sub {
	my $c = given(session => 'bob', password => 'bobpass12');
	my @rows = $t->psql("SELECT s::text FROM sessions s");
	ok(@rows >= 1, 'sessions rows exist');
	my @raw = grep { index($_->[0], $c) >= 0 } @rows;
	is(scalar @raw, 0, 'the raw cookie appears in no row');
	my $h = sha256_hex($c);
	my @hit = $t->psql("SELECT user_id FROM sessions WHERE id_hash = '$h'");
	is(scalar @hit, 1, 'sha256_hex(cookie) is an id_hash');
	is($hit[0][0], $bob, 'belonging to bob');
	my @all = $t->psql("SELECT id_hash FROM sessions");
	is(scalar(grep { $_->[0] !~ /^[0-9a-f]{64}$/ } @all), 0, 'every id_hash is 64 hex digits');
};

subtest 'a session row records expiry an hour ahead and the client address' => sub {
	my $c = given(session => 'bob', password => 'bobpass12',
	    env => { REMOTE_ADDR => '192.0.2.7' });
	my $h = sha256_hex($c);
	my ($row) = $t->psql("SELECT extract(epoch FROM expires_at - now())::int, "
	    . "extract(epoch FROM max_expires_at - expires_at)::int >= 0, remote_addr "
	    . "FROM sessions WHERE id_hash = '$h'");
	ok($row, 'row found');
	cmp_ok($row->[0], '>=', 3590, 'expires about an hour ahead');
	cmp_ok($row->[0], '<=', 3600, 'not more than an hour');
	is($row->[1], 't', 'max_expires_at is not before expires_at');
	is($row->[2], '192.0.2.7', 'remote_addr');
};

subtest 'an expired session is 401' => sub {
	my $c = given(session => 'bob', password => 'bobpass12');
	is(call("cookie:$c", 'GET', '/api/v2/me')->{status}, 200, 'valid first');
	my $h = sha256_hex($c);
	$t->psql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = '$h'");
	is_error(call("cookie:$c", 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access');
};

subtest 'a fresh session is not renewed: no Set-Cookie on use' => sub {
	my $c = given(session => 'bob', password => 'bobpass12');
	my $r = call("cookie:$c", 'GET', '/api/v2/me');
	is($r->{status}, 200, 'status 200');
	is(scalar(TestLib::header_all($r, 'set-cookie')), 0, 'no Set-Cookie');
};

subtest 'a use a minute after the last records last_used_at, with no renewal' => sub {
	my $c = given(session => 'bob', password => 'bobpass12');
	my $h = sha256_hex($c);
	$t->psql("UPDATE sessions SET last_used_at = now() - interval '5 minutes' WHERE id_hash = '$h'");
	my $old = one("SELECT expires_at FROM sessions WHERE id_hash = '$h'");
	for my $path ('/api/v2/me', "/api/v2/users/$bob") {
		$t->psql("UPDATE sessions SET last_used_at = now() - interval '5 minutes' WHERE id_hash = '$h'");
		my $r = with_cookie("$COOKIE=$c", path => $path);
		is($r->{status}, 200, "$path 200") or diag($r->{body});
		is(scalar(TestLib::header_all($r, 'set-cookie')), 0, "$path: no Set-Cookie");
		is(one("SELECT last_used_at > now() - interval '1 minute' FROM sessions WHERE id_hash = '$h'"),
		    't', "$path: last_used_at updated");
	}
	is(one("SELECT expires_at FROM sessions WHERE id_hash = '$h'"), $old, 'expires_at unchanged');
};

subtest 'a session past half its life is renewed with a new Set-Cookie' => sub {
	my $c = given(session => 'bob', password => 'bobpass12');
	my $h = sha256_hex($c);
	$t->psql("UPDATE sessions SET expires_at = now() + interval '10 minutes', "
	    . "last_used_at = now() - interval '50 minutes' WHERE id_hash = '$h'");
	my $old = one("SELECT floor(extract(epoch FROM expires_at)) FROM sessions WHERE id_hash = '$h'");
	my $r = call("cookie:$c", 'GET', '/api/v2/me');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	my @sc = TestLib::header_all($r, 'set-cookie');
	is(scalar @sc, 1, 'one Set-Cookie');
	like($sc[0] // '', qr/^\Q$COOKIE\E=\Q$c\E; Path=\/api\/; Expires=[^;]+; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
	    'the same cookie value with full attributes') or diag($sc[0]);
	my $new = one("SELECT floor(extract(epoch FROM expires_at)) FROM sessions WHERE id_hash = '$h'");
	cmp_ok($new, '>', $old + 2400, 'expires_at moved forward (to about an hour)');
	my $now = one("SELECT floor(extract(epoch FROM now()))");
	cmp_ok($new - $now, '>=', 3590, 'now about an hour ahead');
	my $ce = cookie_expires($r);
	ok(defined $ce && abs($ce - $new) <= 1, 'the cookie Expires matches expires_at')
	    or diag("cookie $ce, row $new");
	my ($mx) = $t->psql("SELECT expires_at <= max_expires_at, last_used_at > now() - interval '1 minute' "
	    . "FROM sessions WHERE id_hash = '$h'");
	is($mx->[0], 't', 'not past max_expires_at');
	is($mx->[1], 't', 'last_used_at updated');
};

subtest 'a renewal over HTTPS re-sends the cookie with Secure' => sub {
	my $c = given(session => 'bob', password => 'bobpass12');
	my $h = sha256_hex($c);
	$t->psql("UPDATE sessions SET expires_at = now() + interval '10 minutes' WHERE id_hash = '$h'");
	my $r = call("cookie:$c", 'GET', '/api/v2/me', undef, env => { HTTPS => 'on' });
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	like((TestLib::header_all($r, 'set-cookie'))[0] // '', qr/; HttpOnly; Secure; SameSite=Strict$/,
	    'Secure before SameSite');
};

subtest 'renewal never goes past max_expires_at' => sub {
	my $c = given(session => 'bob', password => 'bobpass12');
	my $h = sha256_hex($c);
	$t->psql("UPDATE sessions SET expires_at = now() + interval '10 minutes', "
	    . "max_expires_at = now() + interval '15 minutes', "
	    . "last_used_at = now() - interval '50 minutes' WHERE id_hash = '$h'");
	my $max = one("SELECT floor(extract(epoch FROM max_expires_at)) FROM sessions WHERE id_hash = '$h'");
	my $r = call("cookie:$c", 'GET', '/api/v2/me');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	my ($row) = $t->psql("SELECT expires_at = max_expires_at, "
	    . "floor(extract(epoch FROM expires_at)) FROM sessions WHERE id_hash = '$h'");
	is($row->[0], 't', 'expires_at is capped at max_expires_at');
	my $ce = cookie_expires($r);
	ok(!defined $ce || abs($ce - $max) <= 1, 'a re-sent cookie expires at max_expires_at')
	    or diag("cookie $ce, max $max");
	my $r2 = call("cookie:$c", 'GET', '/api/v2/me');
	is($r2->{status}, 200, 'still valid');
	my ($row2) = $t->psql("SELECT expires_at <= max_expires_at FROM sessions WHERE id_hash = '$h'");
	is($row2->[0], 't', 'still capped');
};

subtest 'USERSD_SESSION_LENGTH shapes the session length in minutes' => sub {
	my %env = (USERSD_SESSION_LENGTH => 2);
	my $r = call(basic('bob', 'bobpass12'), 'POST', '/api/v2/signin', undef, env => \%env);
	is($r->{status}, 204, 'signin 204') or diag($r->{body});
	my ($ma) = (TestLib::header_all($r, 'set-cookie'))[0] =~ /Max-Age=(\d+)/;
	cmp_ok($ma // 0, '>=', 110, 'Max-Age about 120');
	cmp_ok($ma // 999, '<=', 120, 'Max-Age at most 120');
	my $c = cookie_value($r);
	my $h = sha256_hex($c);
	my $left = one("SELECT extract(epoch FROM expires_at - now())::int FROM sessions WHERE id_hash = '$h'");
	cmp_ok($left, '<=', 120, 'expires_at within 2 minutes');
	cmp_ok($left, '>=', 110, 'expires_at about 2 minutes ahead');
	# Half of 2 minutes: with 50 s left, the next use renews to 2 minutes.
	$t->psql("UPDATE sessions SET expires_at = now() + interval '50 seconds' WHERE id_hash = '$h'");
	$r = call("cookie:$c", 'GET', '/api/v2/me', undef, env => \%env);
	is($r->{status}, 200, 'GET /me 200');
	is(scalar(TestLib::header_all($r, 'set-cookie')), 1, 'renewed');
	$left = one("SELECT extract(epoch FROM expires_at - now())::int FROM sessions WHERE id_hash = '$h'");
	cmp_ok($left, '>=', 110, 'back to about 2 minutes');
	cmp_ok($left, '<=', 120, 'not more than 2 minutes');
};

subtest 'each call is a fresh process: the session lives in PostgreSQL' => sub {
	my $c = given(session => 'bob', password => 'bobpass12');
	my @r = map { call("cookie:$c", 'GET', '/api/v2/me') } 1 .. 3;
	is_deeply([ map { $_->{status} } @r ], [ 200, 200, 200 ], 'three processes accept it');
};

subtest 'deactivating a user deletes all its sessions' => sub {
	my $id = given(user => 'carol', password => 'carolpass1');
	my $c1 = given(session => 'carol', password => 'carolpass1');
	my $c2 = given(session => 'carol', password => 'carolpass1');
	my ($n) = $t->psql("SELECT count(*) FROM sessions WHERE user_id = '$id'");
	is($n->[0], 2, 'two sessions');
	my $r = call($OP, 'PATCH', "/api/v2/users/$id", { status => 'inactive' });
	is($r->{status}, 200, 'PATCH inactive 200') or diag($r->{body});
	($n) = $t->psql("SELECT count(*) FROM sessions WHERE user_id = '$id'");
	is($n->[0], 0, 'no sessions left');
	is_error(call("cookie:$c1", 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access');
	is_error(call("cookie:$c2", 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access');
	$r = call($OP, 'PATCH', "/api/v2/users/$id", { status => 'active' });
	is($r->{status}, 200, 'reactivated');
	is(call("cookie:$c1", 'GET', '/api/v2/me')->{status}, 401,
	    'the old session does not come back');
};

subtest 'a session of a deleted user is 401' => sub {
	my $id = given(user => 'dave', password => 'davepass12');
	my $c = given(session => 'dave', password => 'davepass12');
	is(call("cookie:$c", 'GET', '/api/v2/me')->{status}, 200, 'valid first');
	my $r = call($OP, 'DELETE', "/api/v2/users/$id");
	is($r->{status}, 204, 'user deleted') or diag($r->{body});
	my ($n) = $t->psql("SELECT count(*) FROM sessions WHERE user_id = '$id'");
	is($n->[0], 0, 'its sessions are gone');
	is_error(call("cookie:$c", 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access');
};

subtest 'the session cookie is never logged' => sub {
	my $r = call("cookie:$bobc", 'GET', '/api/v2/me');
	unlike($r->{stderr}, qr/\Q$bobc\E/, 'not on stderr');
};

done_testing();
