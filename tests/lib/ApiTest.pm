# ApiTest.pm -- helpers shared by the CGI tests of the API.  Three do the
# work, one of each kind:
#
#   call($cred, $method, $path, $body, %o)	the one way to make a request
#   is_error($res, $status, $code, $message, $name)	the one error check
#   given($what => ...)				the one way to make what a test needs
#
# and the rest are small data helpers (no request, no test): perm, basic,
# cookie_value, device_value, lit, one, db_state, db_contains, parse_http_date.
#
#   use ApiTest;
#   my $t = TestLib->new;
#   ApiTest::bind($t, env => \%ENV_);	# the database; env: optional, on every request
#   my $s = given('setup');		# onboarding; sets $OP, the operator token
#   my $ann = given(user => 'ann', password => 'annpass123');
#   my $c = 'cookie:' . given(session => 'ann', password => 'annpass123');
#   is_error(call($c, 'GET', "/api/v2/users/$s->{user_id}"), 401,
#       'unauthorized', 'unauthorized access');
package ApiTest;

use strict;
use warnings;
use Exporter qw(import);
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::Local qw(timegm);
use TestLib;

our @EXPORT = qw($JSONCT $OP $COOKIE call is_error given perm basic
    cookie_value device_value lit one db_state db_contains parse_http_date);

our $JSONCT = 'application/json; charset=utf-8';
our $COOKIE = 'influxdb-oss-session';	# the name of the session cookie
our $OP;	# the operator token, once given('setup') ran
my $T;		# the TestLib object of the test file
my %ENV_ALL;	# environment variables every request carries (bind's env)

# bind($t, env => {VAR => value}): the TestLib object the helpers use, and
# environment variables that every request carries.
sub bind {
	my ($t, %o) = @_;
	$T = $t;
	%ENV_ALL = %{ $o{env} // {} };
}

# call($cred, $method, $path, $body, headers => {...}, env => {...},
#     query => q, timeout => s): $T->cgi with a credential and a body.
#   $cred	undef (none), a token, "cookie:<value>" (the session cookie),
#		or a whole Authorization value ("Basic ...", "Token ...",
#		"Bearer ..."; basic() makes one)
#   $body	a reference goes as JSON; a string goes as it is; either
#		with Content-Type application/json unless headers name one
#		(a header whose value is undef is not sent at all)
#   env		on top of bind's env; a variable set to undef is removed
# Returns TestLib's result hash {status, headers, body, json, stderr, ...}.
sub call {
	my ($cred, $method, $path, $body, %o) = @_;
	my %h;
	if (!defined $cred) {
	} elsif ($cred =~ /^cookie:(.*)$/s) {
		$h{Cookie} = "$COOKIE=$1";
	} elsif ($cred =~ /^(?:Basic|Token|Bearer) /) {
		$h{Authorization} = $cred;
	} else {
		$h{Authorization} = "Token $cred";
	}
	my %given = %{ delete $o{headers} // {} };
	if (defined $body) {
		$body = TestLib->json_encode($body) if ref $body;
		$h{'Content-Type'} = 'application/json'
		    unless grep { lc $_ eq 'content-type' } keys %given;
	}
	%h = (%h, %given);
	delete $h{$_} for grep { !defined $h{$_} } keys %h;
	return $T->cgi(%o, method => $method, path => $path, headers => \%h,
	    defined $body ? (body => $body) : (),
	    env => { %ENV_ALL, %{ $o{env} // {} } });
}

# is_error($res, $status, $code, $message, $name): an error answer, as
# tests: the status, the JSON content type, X-Platform-Error-Code $code and
# a body of exactly {code: $code, message: $message} ($message a string or
# a qr//).  $name, if given, prefixes each test's name.
sub is_error {
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
	    "${what}body has only code and message") or diag($r->{body});
}

# given($what => ...): makes what a test needs, with the operator token, as
# tests that name each step (a failed step shows as a failed test).
#   given('setup', %opts)	POST /api/v2/setup (TestLib::setup's %opts:
#				username, password, org, bucket, token, env);
#				BAIL_OUT unless 201.  Sets $OP; returns
#				{token, user_id, org_id, res}.
#   given(user => $name, password => $pw, %fields)
#				POST /api/v2/users with {name, %fields}, then
#				the password if one is given; returns the id.
#   given(org => $name, %fields)	POST /api/v2/orgs; returns the id.
#   given(token => $user_id, org => $org_id, permissions => [...], %fields)
#				POST /api/v2/authorizations (permissions:
#				read buckets of the org unless given); returns
#				(token, authorization id).
#   given(session => $name, password => $pw, env => {...})
#				POST /api/v2/signin that must answer 204;
#				returns the session cookie's value (see
#				cookie_value), or undef.
sub given {
	my ($what, @a) = @_;
	if ($what eq 'setup') {
		my $s = $T->setup(@a);
		is($s->{res}{status}, 201, 'setup')
		    or BAIL_OUT("setup failed: $s->{res}{body}");
		$OP = $s->{token};
		return $s;
	}
	my ($name, %o) = @a;
	if ($what eq 'user') {
		my $pw = delete $o{password};
		my $r = call($OP, 'POST', '/api/v2/users', { name => $name, %o });
		is($r->{status}, 201, "user $name created")
		    or diag($r->{body}, $r->{stderr});
		my $id = $r->{json}{id};
		if (defined $pw) {
			$r = call($OP, 'POST', "/api/v2/users/$id/password",
			    { password => $pw });
			is($r->{status}, 204, "password of $name set")
			    or diag($r->{body}, $r->{stderr});
		}
		return $id;
	}
	if ($what eq 'org') {
		my $r = call($OP, 'POST', '/api/v2/orgs', { name => $name, %o });
		is($r->{status}, 201, "org $name created")
		    or diag($r->{body}, $r->{stderr});
		return $r->{json}{id};
	}
	if ($what eq 'token') {
		$o{permissions} //= [ perm('read', type => 'buckets', orgID => $o{org}) ];
		$o{orgID} = delete $o{org};
		my $r = call($OP, 'POST', '/api/v2/authorizations',
		    { userID => $name, %o });
		is($r->{status}, 201, "token for $name created")
		    or diag($r->{body}, $r->{stderr});
		return ($r->{json}{token}, $r->{json}{id});
	}
	if ($what eq 'session') {
		my $r = call(basic($name, $o{password}), 'POST', '/api/v2/signin',
		    undef, env => $o{env});
		is($r->{status}, 204, "$name signs in")
		    or diag($r->{body}, $r->{stderr});
		return cookie_value($r);
	}
	die "given: nothing called $what";
}

# A permission: perm(action, type => ..., orgID => ..., id => ...).
sub perm { my ($action, %res) = @_; return { action => $action, resource => {%res} } }

# The value of an Authorization header for HTTP Basic: basic(user, password).
sub basic { 'Basic ' . encode_base64(join(':', @_), '') }

# The session cookie a response sets: its value if exactly one Set-Cookie
# is the session cookie with a value (a sign-in also sets the device
# cookie, usersd-device), else undef.
sub cookie_value {
	my ($r) = @_;
	my @c = grep { /^\Q$COOKIE\E=/ } TestLib::header_all($r, 'set-cookie');
	return @c == 1 && $c[0] =~ /^\Q$COOKIE\E=([^;]+)/ ? $1 : undef;
}

# The device cookie a sign-in sets, or undef.
sub device_value {
	my ($r) = @_;
	my @c = grep { /^usersd-device=/ } TestLib::header_all($r, 'set-cookie');
	return @c == 1 && $c[0] =~ /^usersd-device=([^;]+)/ ? $1 : undef;
}

# An SQL string literal.
sub lit { my ($s) = @_; $s =~ s/'/''/g; return "'$s'" }

# First column of the first row of a query.
sub one {
	my ($sql) = @_;
	my @rows = $T->psql($sql);
	return @rows ? $rows[0][0] : undef;
}

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
