# t0220-signout.t -- POST /api/v2/signout ends one session: the row is
# deleted, the cookie is cleared, and the old value is refused afterwards.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

given('setup');

# POST /api/v2/signout with this session cookie (none if undef).
sub signout { my ($c) = @_; return call(defined $c ? "cookie:$c" : undef, 'POST',
    '/api/v2/signout') }

sub rows_for {
	my $h = sha256_hex($_[0]);
	my ($n) = $t->psql("SELECT count(*) FROM sessions WHERE id_hash = '$h'");
	return $n->[0];
}

subtest 'signout with a valid cookie is 204, clears the cookie and deletes the row' => sub {
	my $c = given(session => 'admin', password => 'adminpass1');
	is(rows_for($c), 1, 'a session row');
	my $r = signout($c);
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	my @sc = TestLib::header_all($r, 'set-cookie');
	is(scalar @sc, 1, 'one Set-Cookie');
	like($sc[0] // '', qr/^\Q$COOKIE\E=;/, 'empty value');
	like($sc[0] // '', qr/; Path=\/api\/;/, 'Path=/api/');
	like($sc[0] // '', qr/; Max-Age=0(;|$)/, 'Max-Age=0');
	like($sc[0] // '', qr/; HttpOnly/, 'HttpOnly');
	like($sc[0] // '', qr/; SameSite=Strict/, 'SameSite=Strict');
	is(rows_for($c), 0, 'the row is gone');
};

subtest 'the cookie is refused on /me after signout' => sub {
	my $c = given(session => 'admin', password => 'adminpass1');
	is(call("cookie:$c", 'GET', '/api/v2/me')->{status}, 200, 'valid before');
	is(signout($c)->{status}, 204, 'signout 204');
	is_error(call("cookie:$c", 'GET', '/api/v2/me'), 401, 'unauthorized',
	    'unauthorized access');
};

subtest 'signout over HTTPS clears the cookie with Secure' => sub {
	my $c = given(session => 'admin', password => 'adminpass1');
	my $r = call("cookie:$c", 'POST', '/api/v2/signout', undef, env => { HTTPS => 'on' });
	is($r->{status}, 204, 'status 204');
	like((TestLib::header_all($r, 'set-cookie'))[0] // '', qr/; Secure; SameSite=Strict/, 'Secure');
};

subtest 'signout ends only that session, not the user\'s others' => sub {
	my $c1 = given(session => 'admin', password => 'adminpass1');
	my $c2 = given(session => 'admin', password => 'adminpass1');
	is(signout($c1)->{status}, 204, 'signout of the first');
	is(call("cookie:$c1", 'GET', '/api/v2/me')->{status}, 401, 'the first is dead');
	is(call("cookie:$c2", 'GET', '/api/v2/me')->{status}, 200, 'the second still works');
	is(rows_for($c2), 1, 'its row is still there');
};

subtest 'signout without a cookie is 401' => sub {
	is_error(signout(undef), 401, 'unauthorized', 'unauthorized access');
};

subtest 'signout with only a token is 401' => sub {
	is_error(call($OP, 'POST', '/api/v2/signout'), 401, 'unauthorized',
	    'unauthorized access');
};

subtest 'signout with an unknown cookie is 401' => sub {
	is_error(signout(('B' x 86) . '=='), 401, 'unauthorized', 'unauthorized access');
	is_error(signout('garbage'), 401, 'unauthorized', 'unauthorized access');
};

subtest 'a second signout with the same cookie is 401' => sub {
	my $c = given(session => 'admin', password => 'adminpass1');
	is(signout($c)->{status}, 204, 'first 204');
	my $r = signout($c);
	is_error($r, 401, 'unauthorized', 'unauthorized access');
	is(scalar(TestLib::header_all($r, 'set-cookie')), 0, 'no Set-Cookie on failure');
};

subtest 'signout with an expired session is 401' => sub {
	my $c = given(session => 'admin', password => 'adminpass1');
	my $h = sha256_hex($c);
	$t->psql("UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE id_hash = '$h'");
	is_error(signout($c), 401, 'unauthorized', 'unauthorized access');
};

subtest 'signout with an oversize cookie is 401' => sub {
	is_error(signout('C' x 600), 401, 'unauthorized', 'unauthorized access');
};

subtest 'signout with two session cookies is 401 and ends neither' => sub {
	my $c1 = given(session => 'admin', password => 'adminpass1');
	my $c2 = given(session => 'admin', password => 'adminpass1');
	my $r = call(undef, 'POST', '/api/v2/signout', undef,
	    headers => { Cookie => "$COOKIE=$c1; $COOKIE=$c2" });
	is_error($r, 401, 'unauthorized', 'unauthorized access');
	is(rows_for($c1) + rows_for($c2), 2, 'both rows remain');
};

subtest 'GET /api/v2/signout is not a signout' => sub {
	my $c = given(session => 'admin', password => 'adminpass1');
	my $r = call("cookie:$c", 'GET', '/api/v2/signout');
	isnt($r->{status}, 204, 'not 204');
	is(rows_for($c), 1, 'the session remains');
};

done_testing();
