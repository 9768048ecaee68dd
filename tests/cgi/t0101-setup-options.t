# t0101-setup-options.t -- setup without a password, with a chosen token and a
# retention period.
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

my $MYTOKEN = 'my-op-token-0123456789';
my $r0 = req(method => 'POST', path => '/api/v2/setup',
    json => { username => 'root', org => 'acme', bucket => 'metrics',
	token => $MYTOKEN, retentionPeriodSeconds => 3600 });
my $S = $r0->{json} // {};

subtest 'a setup without a password is 201' => sub {
	is($r0->{status}, 201, 'status 201') or diag($r0->{body}, $r0->{stderr});
	is($S->{user}{name}, 'root', 'user root');
	is($S->{user}{status}, 'active', 'active');
	is(one('SELECT count(*) FROM users WHERE password_hash IS NULL AND name = ' . lit('root')), 1,
	    'the user has no password hash');
};

subtest 'a user set up without a password cannot sign in' => sub {
	for my $pw ('', 'anything1', 'my-op-token-0123456789') {
		my ($c, $r) = signin('root', $pw);
		is($r->{status}, 401, "signin with '$pw' is 401") or diag($r->{body});
		ok(!defined $c, 'no session cookie');
	}
	is(one('SELECT count(*) FROM sessions'), 0, 'no session stored');
};

subtest 'a client-chosen setup token is returned and works as the operator' => sub {
	is($S->{auth}{token}, $MYTOKEN, 'auth.token is the one sent');
	is($S->{auth}{description}, "root's Token", "description \"root's Token\"");
	is(scalar @{ $S->{auth}{permissions} // [] }, 44, '44 permissions');
	my $r = req(method => 'GET', path => '/api/v2/me', token => $MYTOKEN);
	is($r->{status}, 200, 'GET /me 200') or diag($r->{body});
	is($r->{json}{name}, 'root', 'as root');
	$r = req(method => 'POST', path => '/api/v2/users', token => $MYTOKEN,
	    json => { name => 'second' });
	is($r->{status}, 201, 'can create users') or diag($r->{body});
	$r = req(method => 'GET', path => '/api/v2/users', headers => { Authorization => "Bearer $MYTOKEN" });
	is($r->{status}, 200, 'Bearer works too');
};

subtest 'a client-chosen setup token is stored only as its SHA-256' => sub {
	is(one('SELECT count(*) FROM authorizations WHERE token_hash = ' . lit($MYTOKEN)), 0,
	    'not in clear');
	is(one('SELECT count(*) FROM authorizations WHERE token_hash = ' . lit(sha256_hex($MYTOKEN))), 1,
	    'hash present');
	is(db_contains($MYTOKEN), 0, 'the token appears nowhere in the database');
};

subtest 'retentionPeriodSeconds sets the bucket retention rule' => sub {
	is_deeply($S->{bucket}{retentionRules},
	    [ { type => 'expire', everySeconds => 3600, shardGroupDurationSeconds => 3600 } ],
	    'retentionRules') or diag(explain($S->{bucket}));
	is(one('SELECT retention_seconds FROM buckets WHERE name = ' . lit('metrics')), 3600,
	    'stored retention');
};

done_testing();
