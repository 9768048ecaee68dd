# t0250-cross-site.t -- a page on another site cannot make a signed-in
# browser write: cookie-authenticated writes need this server's own Origin
# (or one of allowed_origins) and a JSON body; CORS answers only the
# configured origins; a session sets its own password only by proving the
# current one.  Token requests are not affected.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

my $s = given('setup');
my ($ADMIN, $ORG) = ($s->{user_id}, $s->{org_id});
my $bob = given(user => 'bob', password => 'bobpass123');
my $BOB = given(session => 'bob', password => 'bobpass123');
my $ADM = given(session => 'admin', password => 'adminpass1');
my $EVIL = 'https://evil.example';
my $APP = 'https://app.example.com:8443';

# A request with the session cookie, as a browser on page $origin sends it.
sub browser {
	my ($cookie, $method, $path, %o) = @_;
	my %h = (Host => 'localhost');
	$h{Origin} = $o{origin} if defined $o{origin};
	$h{'Sec-Fetch-Site'} = $o{site} if defined $o{site};
	$h{'Content-Type'} = $o{type};	# none unless given
	return call("cookie:$cookie", $method, $path, $o{body}, headers => \%h, env => $o{env});
}

# What an HTML form with enctype=text/plain posts.
my $FORM = '{"password":"hijacked-pw-1","x":"="}';
my $TOKEN_BODY = TestLib->json_encode({ orgID => $ORG,
    permissions => [ perm('read', type => 'buckets', orgID => $ORG) ] });

subtest 'a cross-site form cannot set a password with the cookie' => sub {
	my $before = db_state();
	is_error(browser($ADM, 'POST', "/api/v2/users/$bob/password", origin => $EVIL,
	    type => 'text/plain', body => $FORM), 403, 'forbidden',
	    qr/^cross-site request refused/, 'foreign Origin');
	is_error(browser($ADM, 'POST', "/api/v2/users/$bob/password", site => 'cross-site',
	    type => 'text/plain', body => $FORM), 403, 'forbidden',
	    qr/Sec-Fetch-Site: cross-site/, 'no Origin, Sec-Fetch-Site: cross-site');
	is_error(browser($ADM, 'POST', "/api/v2/users/$bob/password",
	    origin => 'http://localhost',
	    type => 'text/plain', body => $FORM), 415, 'unsupported media type',
	    qr/Content-Type: application\/json/, 'same origin, text/plain');
	is_error(browser($ADM, 'POST', "/api/v2/users/$bob/password", body => $FORM), 415,
	    'unsupported media type', qr/application\/json/, 'no content type');
	is_error(browser($ADM, 'POST', "/api/v2/users/$bob/password", origin => 'null',
	    type => 'application/json', body => $FORM), 403, 'forbidden',
	    qr/^cross-site/, 'Origin null (a sandboxed page)');
	is(db_state(), $before, 'nothing changed');
	is(call(basic('bob', 'hijacked-pw-1'), 'POST', '/api/v2/signin')->{status}, 401,
	    'the new password does not work');
};

subtest 'nor mint a token, change or delete anything, or sign the user out' => sub {
	my $before = db_state();
	is(browser($ADM, 'POST', '/api/v2/authorizations', origin => $EVIL, type => 'application/json',
	    body => $TOKEN_BODY)->{status}, 403, 'POST /authorizations: 403');
	is(browser($ADM, 'POST', '/api/v2/authorizations', origin => 'http://localhost',
	    type => 'text/plain', body => $TOKEN_BODY)->{status}, 415, 'as text/plain: 415');
	is(browser($ADM, 'PATCH', "/api/v2/users/$bob", origin => $EVIL, type => 'application/json',
	    body => '{"status":"inactive"}')->{status}, 403, 'PATCH a user: 403');
	is(browser($ADM, 'DELETE', "/api/v2/users/$bob", origin => $EVIL)->{status}, 403,
	    'DELETE a user: 403');
	is(browser($BOB, 'POST', '/api/v2/signout', origin => $EVIL)->{status}, 403, 'sign-out: 403');
	is(db_state(), $before, 'nothing changed');
	is(call("cookie:$BOB", 'GET', '/api/v2/me')->{status}, 200, 'bob is still signed in');
};

subtest 'same-origin browsers and clients without Origin write as before' => sub {
	my $r = browser($ADM, 'POST', '/api/v2/authorizations', origin => 'http://localhost',
	    type => 'application/json; charset=utf-8', body => $TOKEN_BODY);
	is($r->{status}, 201, 'same origin, JSON: 201') or diag($r->{body});
	$r = browser($ADM, 'POST', '/api/v2/authorizations', origin => 'http://localhost:80',
	    type => 'application/json', body => $TOKEN_BODY);
	is($r->{status}, 201, 'the default port written out: 201') or diag($r->{body});
	$r = browser($ADM, 'POST', '/api/v2/authorizations', type => 'application/json',
	    body => $TOKEN_BODY, site => 'same-origin');
	is($r->{status}, 201, 'no Origin (the CLI, curl): 201') or diag($r->{body});
	$r = browser($ADM, 'POST', '/api/v2/authorizations', origin => 'https://localhost',
	    type => 'application/json', body => $TOKEN_BODY);
	is($r->{status}, 403, 'another scheme is another origin: 403');
	$r = browser($ADM, 'GET', '/api/v2/me', origin => $EVIL);
	is($r->{status}, 200, 'a cross-site read with the cookie is not a write: 200');
	ok(!defined $r->{headers}{'access-control-allow-origin'}, 'but gets no CORS answer');
};

subtest 'tokens are not affected by Origin or content type' => sub {
	my $r = call($OP, 'POST', '/api/v2/authorizations', $TOKEN_BODY,
	    headers => { Origin => $EVIL, 'Content-Type' => 'text/plain' });
	is($r->{status}, 201, 'a token from a foreign Origin: 201') or diag($r->{body});
	ok(!defined $r->{headers}{'access-control-allow-origin'}, 'no Access-Control-Allow-Origin echoed');
};

subtest 'CORS answers only the origins in allowed_origins' => sub {
	my %env = (USERSD_ALLOWED_ORIGINS => "$APP http://other.example");
	my $r = call($OP, 'GET', '/api/v2/me', undef, headers => { Origin => $EVIL },
	    env => \%env);
	ok(!defined $r->{headers}{'access-control-allow-origin'}, 'a foreign origin: no CORS header');
	$r = call($OP, 'GET', '/api/v2/me', undef, headers => { Origin => $APP }, env => \%env);
	is($r->{headers}{'access-control-allow-origin'}, $APP, 'an allowed origin: Allow-Origin');
	is($r->{headers}{'access-control-allow-credentials'}, 'true', 'with credentials');
	$r = call(undef, 'OPTIONS', '/api/v2/users', undef,
	    headers => { Origin => $EVIL }, env => \%env);
	is_error($r, 403, 'forbidden', qr/allowed_origins/, 'preflight from a foreign origin');
	$r = call(undef, 'OPTIONS', '/api/v2/users', undef,
	    headers => { Origin => $APP }, env => \%env);
	is($r->{status}, 204, 'preflight from an allowed origin: 204');
	like($r->{headers}{'access-control-allow-methods'} // '', qr/POST/, 'with the methods');
	$r = browser($ADM, 'POST', '/api/v2/authorizations', origin => $APP, type => 'application/json',
	    body => $TOKEN_BODY, env => \%env);
	is($r->{status}, 201, 'an allowed origin writes with the cookie') or diag($r->{body});
	$r = browser($ADM, 'POST', '/api/v2/authorizations', origin => 'https://app.example.com',
	    type => 'application/json', body => $TOKEN_BODY, env => \%env);
	is($r->{status}, 403, 'the same host on another port is another origin');
	for my $bad ('app.example.com', 'https://app.example.com/path', 'ftp://x', 'https://', "https://a\x01",
	    'https://[[::1]', 'https://[]', 'https://a:99999', 'https://a:0', 'https://a:') {
		$r = call(undef, 'GET', '/ping', undef,
		    env => { USERSD_ALLOWED_ORIGINS => $bad });
		isnt($r->{status}, 204, "allowed_origins '$bad' is refused at start");
	}
	for my $good ('https://[::1]:8443', 'http://127.0.0.1:65535 https://a-b.example') {
		is(call(undef, 'GET', '/ping', undef,
		    env => { USERSD_ALLOWED_ORIGINS => $good })->{status},
		    204, "allowed_origins '$good' is taken");
	}
};

subtest 'a session proves the current password to change its own' => sub {
	my $before = db_state();
	my $r = browser($BOB, 'POST', "/api/v2/users/$bob/password", type => 'application/json',
	    body => '{"password":"changed-pw-12"}');
	is_error($r, 403, 'forbidden', qr{PUT /api/v2/me/password}, 'POST its own password');
	is(db_state(), $before, 'nothing changed');
	$r = call("cookie:$BOB", 'PUT', '/api/v2/me/password',
	    { password => 'changed-pw-12' }, headers => { Authorization => basic('bob',
	    'bobpass123') });
	is($r->{status}, 204, 'PUT /me/password with the current one: 204') or diag($r->{body});
	$r = browser($ADM, 'POST', "/api/v2/users/$bob/password", type => 'application/json',
	    body => '{"password":"reset-by-op-1"}');
	is($r->{status}, 204, 'the operator\'s session sets another user\'s password: 204') or diag($r->{body});
	is(call(basic('bob', 'reset-by-op-1'), 'POST', '/api/v2/signin')->{status}, 204,
	    'which works');
};

done_testing();
