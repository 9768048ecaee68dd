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

my $t = TestLib->new;
my $JSONCT = 'application/json; charset=utf-8';
my $OP;		# the operator token, once set up

# req(method => M, path => P, token => T, cookie => C, json => {...}, ...):
# $t->cgi with the credential and a JSON body filled in.
sub req {
	my (%r) = @_;
	my %h = %{ $r{headers} // {} };
	my $tok = delete $r{token};
	my $cookie = delete $r{cookie};
	$h{Authorization} = "Token $tok" if defined $tok;
	$h{Cookie} = "influxdb-oss-session=$cookie" if defined $cookie;
	if (exists $r{json}) {
		$r{body} = TestLib->json_encode(delete $r{json});
		$h{'Content-Type'} //= 'application/json';
	}
	$r{headers} = \%h;
	return $t->cgi(%r);
}

# An error answer: status, JSON content type, X-Platform-Error-Code and
# exactly {code, message} in the body (message: a string or a qr//).
sub error_is {
	my ($r, $status, $code, $msg, $what) = @_;
	$what = defined $what ? "$what: " : '';
	is($r->{status}, $status, "${what}status $status")
	    or diag("body: $r->{body}\nstderr: $r->{stderr}");
	is($r->{headers}{'content-type'}, $JSONCT, "${what}JSON content type");
	is($r->{headers}{'x-platform-error-code'}, $code,
	    "${what}X-Platform-Error-Code: $code");
	my $j = $r->{json} // {};
	is($j->{code}, $code, "${what}code '$code'");
	if (ref $msg eq 'Regexp') {
		like($j->{message} // '', $msg, "${what}message matches $msg");
	} else {
		is($j->{message}, $msg, "${what}message '$msg'");
	}
	is_deeply([ sort keys %$j ], [ 'code', 'message' ],
	    "${what}body has only code and message");
}

# First column of the first row of a query.
sub one {
	my ($sql) = @_;
	my @rows = $t->psql($sql);
	return @rows ? $rows[0][0] : undef;
}

# An SQL string literal.
sub lit { my ($s) = @_; $s =~ s/'/''/g; return "'$s'" }

# Rows of every table that holds state, as one text, to compare before and
# after a request that must change nothing.
sub db_state {
	return join "\n", map { join '|', map { $_ // '' } @$_ } $t->psql(q{
	    SELECT 'u', id, name, status, coalesce(password_hash, ''),
	           instance_owner::text, updated_at::text FROM users
	    UNION ALL SELECT 'o', id, name, '', '', '', updated_at::text FROM orgs
	    UNION ALL SELECT 'm', org_id, user_id, role, '', '', '' FROM org_members
	    UNION ALL SELECT 'a', id, status, user_id, token_hash, '', updated_at::text FROM authorizations
	    UNION ALL SELECT 's', id, user_id, id_hash, '', '', expires_at::text FROM sessions
	    UNION ALL SELECT 'l', id::text, action, target_type, coalesce(target_id, ''), '', '' FROM audit_log
	    ORDER BY 1, 2});
}

# Does the text appear anywhere in the database's tables?
sub db_contains {
	my ($s) = @_;
	return one('SELECT count(*) FROM (' . join(' UNION ALL ', map {
		"SELECT row_to_json(x)::text AS j FROM $_ x"
	} qw(users orgs buckets org_members authorizations sessions
	    signin_failures audit_log)) . ') all_rows WHERE strpos(j, '
	    . lit($s) . ') > 0');
}

# Creates a user with the operator token; returns its id.
sub mkuser {
	my ($name, %extra) = @_;
	my $r = req(method => 'POST', path => '/api/v2/users', token => $OP,
	    json => { name => $name, %extra });
	$r->{status} == 201 or diag("creating user $name: $r->{status} $r->{body}");
	return $r->{json}{id};
}

sub set_password {
	my ($id, $pw) = @_;
	my $r = req(method => 'POST', path => "/api/v2/users/$id/password",
	    token => $OP, json => { password => $pw });
	$r->{status} == 204 or diag("setting a password: $r->{status} $r->{body}");
	return $r;
}

# POST /api/v2/signin; returns (cookie value or undef, response).
sub signin {
	my ($name, $pw) = @_;
	my $r = req(method => 'POST', path => '/api/v2/signin',
	    headers => { Authorization => 'Basic ' . encode_base64("$name:$pw", '') });
	my ($c) = map { /^influxdb-oss-session=([^;]+)/ ? $1 : () }
	    TestLib::header_all($r, 'set-cookie');
	return ($c, $r);
}

# A user with a password and a signed-in session: (id, cookie).
sub session_user {
	my ($name, $pw) = @_;
	$pw //= "pw-$name-12345";
	my $id = mkuser($name);
	set_password($id, $pw);
	my ($c, $r) = signin($name, $pw);
	defined $c or diag("signin of $name: $r->{status} $r->{body}");
	return ($id, $c);
}

# A token for user $uid in the setup org, made by the operator; returns
# (token, authorization id).
sub mktoken {
	my ($uid, $org, @perms) = @_;
	@perms = ({ action => 'read', resource => { type => 'buckets', orgID => $org } })
	    unless @perms;
	my $r = req(method => 'POST', path => '/api/v2/authorizations', token => $OP,
	    json => { orgID => $org, userID => $uid, permissions => \@perms });
	$r->{status} == 201 or diag("creating a token: $r->{status} $r->{body}");
	return ($r->{json}{token}, $r->{json}{id});
}

my $S = $t->setup;
$OP = $S->{token};
my $ORG = $S->{org_id};
my $ADMIN = $S->{user_id};
my ($BOB, $BOBC) = session_user('bob', 'bobpass12');

sub users_with { my (%o) = @_; return req(method => 'GET', path => '/api/v2/users', %o) }

subtest 'no Authorization and no cookie is 401 with the compact unauthorized body' => sub {
	my $r = users_with();
	error_is($r, 401, 'unauthorized', 'unauthorized access');
	is($r->{body}, '{"code":"unauthorized","message":"unauthorized access"}', 'compact body');
};

subtest 'an unknown token is 401 unauthorized access' => sub {
	error_is(users_with(token => 'nope'), 401, 'unauthorized', 'unauthorized access');
	error_is(users_with(token => 'x' x 600), 401, 'unauthorized', 'unauthorized access', 'a long one');
};

subtest 'an empty token is 401 unauthorized access' => sub {
	error_is(users_with(headers => { Authorization => 'Token ' }), 401, 'unauthorized',
	    'unauthorized access', 'Token with nothing after it');
	error_is(users_with(headers => { Authorization => 'Bearer ' }), 401, 'unauthorized',
	    'unauthorized access', 'Bearer with nothing after it');
};

subtest 'Token and Bearer are accepted in any letter case' => sub {
	for my $scheme (qw(Token Bearer TOKEN token BEARER bearer tOkEn)) {
		my $r = users_with(headers => { Authorization => "$scheme $OP" });
		is($r->{status}, 200, "$scheme: 200") or diag($r->{body});
	}
};

subtest 'an unknown scheme is 401' => sub {
	error_is(users_with(headers => { Authorization => "Tokens $OP" }), 401, 'unauthorized',
	    'unauthorized access', 'Tokens');
	error_is(users_with(headers => { Authorization => $OP }), 401, 'unauthorized',
	    'unauthorized access', 'no scheme');
};

subtest 'Basic credentials alone are not accepted on the API' => sub {
	my $r = users_with(headers => { Authorization => 'Basic ' . encode_base64('admin:adminpass1', '') });
	error_is($r, 401, 'unauthorized', 'unauthorized access');
};

subtest 'a session cookie authenticates' => sub {
	my $r = users_with(cookie => $BOBC);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply([ map { $_->{id} } @{ $r->{json}{users} } ], [ $BOB ], 'bob sees himself');
};

subtest 'the session cookie is found among other cookies' => sub {
	my $r = users_with(headers => { Cookie => "a=1; influxdb-oss-session=$BOBC; b=2" });
	is($r->{status}, 200, 'status 200') or diag($r->{body});
};

subtest 'Basic credentials with a cookie use the session' => sub {
	my $r = req(method => 'GET', path => '/api/v2/me', cookie => $BOBC,
	    headers => { Authorization => 'Basic ' . encode_base64('admin:adminpass1', '') });
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $BOB, 'as bob, from the cookie');
};

subtest 'a token header wins over a cookie' => sub {
	my $r = req(method => 'GET', path => '/api/v2/me', cookie => $BOBC, token => $OP);
	is($r->{json}{id}, $ADMIN, 'the token user');
	$r = req(method => 'GET', path => '/api/v2/me', cookie => $BOBC, token => 'bogus-token');
	error_is($r, 401, 'unauthorized', 'unauthorized access', 'a bad token with a good cookie');
};

subtest 'an unknown session cookie is 401 unauthorized access' => sub {
	error_is(users_with(cookie => 'garbage'), 401, 'unauthorized', 'unauthorized access');
	error_is(users_with(cookie => ''), 401, 'unauthorized', 'unauthorized access', 'empty');
	error_is(users_with(cookie => $BOBC . 'x'), 401, 'unauthorized', 'unauthorized access', 'altered');
};

subtest 'the token of an inactive user is 403 User is inactive' => sub {
	my $id = mkuser('carl');
	my ($tok) = mktoken($id, $ORG, { action => 'read', resource => { type => 'users' } });
	is(users_with(token => $tok)->{status}, 200, 'works while active');
	req(method => 'PATCH', path => "/api/v2/users/$id", token => $OP, json => { status => 'inactive' });
	my $r = users_with(token => $tok);
	error_is($r, 403, 'forbidden', 'User is inactive');
	is($r->{body}, '{"code":"forbidden","message":"User is inactive"}', 'compact body');
	req(method => 'PATCH', path => "/api/v2/users/$id", token => $OP, json => { status => 'active' });
	is(users_with(token => $tok)->{status}, 200, 'works again once reactivated');
};

subtest 'the session of an inactive user is 403 User is inactive' => sub {
	my ($id, $c) = session_user('dora');
	$t->psql("UPDATE users SET status = 'inactive' WHERE id = " . lit($id));
	error_is(users_with(cookie => $c), 403, 'forbidden', 'User is inactive');
};

subtest 'an inactive token is 401 unauthorized access' => sub {
	my $id = mkuser('erin');
	my ($tok, $aid) = mktoken($id, $ORG, { action => 'read', resource => { type => 'users' } });
	my $r = req(method => 'PATCH', path => "/api/v2/authorizations/$aid", token => $OP,
	    json => { status => 'inactive' });
	is($r->{status}, 200, 'token deactivated') or diag($r->{body});
	error_is(users_with(token => $tok), 401, 'unauthorized', 'unauthorized access', 'GET /users');
	error_is(req(method => 'GET', path => '/api/v2/me', token => $tok), 401, 'unauthorized',
	    'unauthorized access', 'GET /me');
	req(method => 'PATCH', path => "/api/v2/authorizations/$aid", token => $OP,
	    json => { status => 'active' });
	is(users_with(token => $tok)->{status}, 200, 'works again once reactivated');
};

subtest 'the token of a deleted user is 401 unauthorized access' => sub {
	my $id = mkuser('fay');
	my ($tok, $aid) = mktoken($id, $ORG);
	is(req(method => 'GET', path => '/api/v2/me', token => $tok)->{status}, 200, 'works before');
	is(req(method => 'DELETE', path => "/api/v2/users/$id", token => $OP)->{status}, 204, 'deleted');
	error_is(req(method => 'GET', path => '/api/v2/me', token => $tok), 401, 'unauthorized',
	    'unauthorized access');
	is(one('SELECT count(*) FROM authorizations WHERE id = ' . lit($aid)), 0, 'the token row is gone');
};

subtest 'tokens are stored only as SHA-256 hex' => sub {
	my $id = mkuser('gus');
	my ($tok) = mktoken($id, $ORG);
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
	my ($c, $r) = signin('bob', 'bobpass12');
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
		my $r = req(method => $case->[0], path => $case->[1], json => { name => 'x', password => 'xxxxxxxxx' });
		error_is($r, 401, 'unauthorized', 'unauthorized access', "@$case");
	}
};

subtest 'a refused request changes nothing' => sub {
	my $before = db_state();
	req(method => 'POST', path => '/api/v2/users', token => 'nope', json => { name => 'x' });
	req(method => 'DELETE', path => "/api/v2/users/$BOB", cookie => 'garbage');
	req(method => 'PATCH', path => "/api/v2/users/$BOB", json => { name => 'x' });
	is(db_state(), $before, 'database unchanged');
};

done_testing();
