# t0110-me.t -- GET /api/v2/me with tokens and sessions.
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

subtest 'GET /api/v2/me with the session of an inactive user is 403 User is inactive' => sub {
	my ($id, $c) = session_user('erin');
	# Flip the status behind the API's back: the session row stays.
	$t->psql("UPDATE users SET status = 'inactive' WHERE id = " . lit($id));
	my $r = req(method => 'GET', path => '/api/v2/me', cookie => $c);
	error_is($r, 403, 'forbidden', 'User is inactive');
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
