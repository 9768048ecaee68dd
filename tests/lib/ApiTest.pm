# ApiTest.pm -- helpers shared by the CGI tests of the API: requests with
# a credential and a JSON body, the exact shape of an error answer, and
# snapshots of the database to show that a refused request changed nothing.
#
#   use ApiTest;
#   my $t = TestLib->new;
#   ApiTest::bind($t);		# the database the helpers act on
#   my $S = $t->setup;
#   $OP = $S->{token};		# the operator token mkuser & co. use
#
# or, with the setup itself a test (the sign-in, token and org files):
#
#   ApiTest::bind($t, env => \%ENV_);	# env: optional, on every request
#   my $s = setup_ok();			# sets $OP too
package ApiTest;

use strict;
use warnings;
use Exporter qw(import);
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::Local qw(timegm);
use TestLib;

our @EXPORT = qw($JSONCT $OP req error_is one lit db_state db_contains mkuser
    set_password signin session_user mktoken
    $COOKIE $UNAUTH setup_ok basic cookie_value try_signin signin_ok signin_cred
    me call op perm new_user new_org is_error is_unauthorized_access
    parse_http_date);

our $JSONCT = 'application/json; charset=utf-8';
our $COOKIE = 'influxdb-oss-session';	# the name of the session cookie
our $UNAUTH = { code => 'unauthorized', message => 'unauthorized access' };
our $OP;	# the operator token, once set up
my $T;		# the TestLib object of the test file
my %ENV_ALL;	# environment variables every req carries (bind's env)

# bind($t, env => {VAR => value}): the TestLib object the helpers use, and
# environment variables that every request made through req carries.
sub bind {
	my ($t, %o) = @_;
	$T = $t;
	%ENV_ALL = %{ $o{env} // {} };
}


# req(method => M, path => P, token => T, cookie => C, json => {...}, ...):
# $T->cgi with the credential and a JSON body filled in.
sub req {
	my (%r) = @_;
	my %h = %{ $r{headers} // {} };
	my $tok = delete $r{token};
	my $cookie = delete $r{cookie};
	$h{Authorization} = "Token $tok" if defined $tok;
	$h{Cookie} = "$COOKIE=$cookie" if defined $cookie;
	if (exists $r{json}) {
		$r{body} = TestLib->json_encode(delete $r{json});
		$h{'Content-Type'} //= 'application/json';
	}
	$r{headers} = \%h;
	$r{env} = { %ENV_ALL, %{ $r{env} // {} } };
	return $T->cgi(%r);
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
	my @rows = $T->psql($sql);
	return @rows ? $rows[0][0] : undef;
}

# An SQL string literal.
sub lit { my ($s) = @_; $s =~ s/'/''/g; return "'$s'" }

# Rows of every table that holds state, as one text, to compare before and
# after a request that must change nothing.
sub db_state {
	return join "\n", map { join '|', map { $_ // '' } @$_ } $T->psql(q{
	    SELECT 'u', id, name, status, coalesce(password_hash, ''),
	           instance_owner::text, updated_at::text FROM users
	    UNION ALL SELECT 'o', id, name, '', '', '', updated_at::text FROM orgs
	    UNION ALL SELECT 'm', org_id, user_id, role, '', '', '' FROM org_members
	    UNION ALL SELECT 'a', id, status, user_id, token_hash, '', updated_at::text FROM authorizations
	    UNION ALL SELECT 's', id, user_id, id_hash, '', '', expires_at::text FROM sessions
	    UNION ALL SELECT 'l', id::text, action, target_type, coalesce(target_id, ''), '', '' FROM audit_log
	    ORDER BY 1, 2, 3, 4});
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

# POST /api/v2/signin (environment variables %env on top); returns
# (cookie value or undef, response).
sub signin {
	my ($name, $pw, %env) = @_;
	my $r = req(method => 'POST', path => '/api/v2/signin',
	    headers => { Authorization => basic($name, $pw) }, env => \%env);
	my ($c) = map { /^\Q$COOKIE\E=([^;]+)/ ? $1 : () }
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

# $T->setup(%opts) as a test named 'setup' (BAIL_OUT unless 201); sets $OP
# and returns the setup hash (token, user_id, org_id, res).
sub setup_ok {
	my $s = $T->setup(@_);
	is($s->{res}{status}, 201, 'setup') or BAIL_OUT("setup failed: $s->{res}{body}");
	$OP = $s->{token};
	return $s;
}

# The value of an Authorization header for HTTP Basic: basic(user, password).
sub basic { 'Basic ' . encode_base64(join(':', @_), '') }

# The session cookie a response sets: its value if there is exactly one
# Set-Cookie and it is the session cookie with a value, else undef.
sub cookie_value {
	my ($r) = @_;
	my @c = TestLib::header_all($r, 'set-cookie');
	return @c == 1 && $c[0] =~ /^\Q$COOKIE\E=([^;]+)/ ? $1 : undef;
}

# POST /api/v2/signin with Basic user:password (and %env); the response.
sub try_signin { return (signin(@_))[1] }

# A sign-in that must succeed, as a test named "<user> signs in" (204);
# returns the cookie value (cookie_value).
sub signin_ok {
	my $r = try_signin(@_);
	is($r->{status}, 204, "$_[0] signs in") or diag($r->{body}, $r->{stderr});
	return cookie_value($r);
}

# signin_ok as a credential for call(): "cookie:<value>", or undef.
sub signin_cred {
	my $c = signin_ok(@_);
	return defined $c ? "cookie:$c" : undef;
}

# GET /api/v2/me with a session cookie (and %env); the response.
sub me {
	my ($cookie, %env) = @_;
	return req(method => 'GET', path => '/api/v2/me', cookie => $cookie, env => \%env);
}

# call(cred, method, path, body, query => q, env => {...}): a request with a
# token, or with a session cookie when cred is "cookie:<value>"; a body that
# is a reference goes as JSON, a string as it is (with a JSON content type).
sub call {
	my ($cred, $method, $path, $body, %o) = @_;
	my %r = (method => $method, path => $path, query => $o{query}, env => $o{env});
	if ($cred =~ /^cookie:(.*)/) { $r{cookie} = $1 } else { $r{token} = $cred }
	if (ref $body) {
		$r{json} = $body;
	} elsif (defined $body) {
		$r{body} = $body;
		$r{headers} = { 'Content-Type' => 'application/json' };
	}
	return req(%r);
}

# call() with the operator token: op(method, path, body, ...).
sub op { call($OP, @_) }

# A permission: perm(action, type => ..., orgID => ..., id => ...).
sub perm { my ($action, %res) = @_; return { action => $action, resource => {%res} } }

# A user made by the operator, as tests: "user <name> created" and, unless
# the password is undef, "password of <name> set"; an optional status.
# Returns the id.
sub new_user {
	my ($name, $password, $status) = @_;
	my $r = op('POST', '/api/v2/users', { name => $name, $status ? (status => $status) : () });
	is($r->{status}, 201, "user $name created") or diag($r->{body});
	my $id = $r->{json}{id};
	if (defined $password) {
		$r = set_password($id, $password);
		is($r->{status}, 204, "password of $name set") or diag($r->{body});
	}
	return $id;
}

# An org made by the operator with POST /api/v2/orgs (more fields in %o),
# as a test "org <name> created"; returns its id.
sub new_org {
	my ($name, %o) = @_;
	my $r = op('POST', '/api/v2/orgs', { name => $name, %o });
	is($r->{status}, 201, "org $name created") or diag($r->{body}, $r->{stderr});
	return $r->{json}{id};
}

# An error answer, less strict than error_is: status, JSON content type,
# X-Platform-Error-Code and code; the message only if given; other body
# fields allowed.
sub is_error {
	my ($r, $status, $code, $msg) = @_;
	is($r->{status}, $status, "status $status") or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is($r->{headers}{'x-platform-error-code'}, $code, 'X-Platform-Error-Code');
	is($r->{json}{code}, $code, "code $code") or diag($r->{body});
	is($r->{json}{message}, $msg, 'message') or diag($r->{body}) if defined $msg;
}

# 401 with exactly {code: unauthorized, message: unauthorized access}.
sub is_unauthorized_access {
	my ($r) = @_;
	is($r->{status}, 401, 'status 401') or diag($r->{body}, $r->{stderr});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is($r->{headers}{'x-platform-error-code'}, 'unauthorized', 'X-Platform-Error-Code');
	is_deeply($r->{json}, $UNAUTH, 'body') or diag($r->{body});
}

my %MON = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5,
    Jul => 6, Aug => 7, Sep => 8, Oct => 9, Nov => 10, Dec => 11);
# An RFC 1123 date ("Sun, 06 Nov 1994 08:49:37 GMT") as epoch seconds, or undef.
sub parse_http_date {
	my ($d) = @_;
	$d =~ /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/
	    or return undef;
	return timegm($6, $5, $4, $1, $MON{$2}, $3);
}

1;
