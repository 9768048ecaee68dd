# t0150-users-password.t -- POST /api/v2/users/{id}/password.
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
my $OPAUTH = one('SELECT id FROM authorizations WHERE user_id = ' . lit($ADMIN));
my $PWMSG = 'passwords must be between 8 and 256 characters long';

sub post_pw {
	my ($id, $body, %o) = @_;
	return req(method => 'POST', path => "/api/v2/users/$id/password",
	    ref $body ? (json => $body) : (body => $body,
		headers => { 'Content-Type' => 'application/json' }), %o);
}
sub hash_of { my ($id) = @_; return one('SELECT coalesce(password_hash, \'\') FROM users WHERE id = ' . lit($id)) }

subtest 'the operator sets a password: 204, argon2id hash, and signin works' => sub {
	my $id = mkuser('alice');
	my $r = post_pw($id, { password => 'Secret123' }, token => $OP);
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	like(hash_of($id), qr/^\$argon2id\$/, 'password_hash starts with $argon2id$');
	is(db_contains('Secret123'), 0, 'the password appears nowhere in the database');
	my ($c, $s) = signin('alice', 'Secret123');
	is($s->{status}, 204, 'signin with it is 204') or diag($s->{body});
	ok(defined $c, 'and sets the session cookie');
	my ($c2, $s2) = signin('alice', 'Secret124');
	is($s2->{status}, 401, 'a wrong password is 401');
};

subtest 'setting a password again replaces it' => sub {
	my $id = mkuser('al2');
	post_pw($id, { password => 'first-pass' }, token => $OP);
	my $h1 = hash_of($id);
	my $r = post_pw($id, { password => 'second-pass' }, token => $OP);
	is($r->{status}, 204, 'status 204');
	isnt(hash_of($id), $h1, 'new hash');
	is((signin('al2', 'first-pass'))[1]{status}, 401, 'the old password no longer works');
	is((signin('al2', 'second-pass'))[1]{status}, 204, 'the new one does');
};

subtest 'setting a password writes an audit_log row naming the actor and target' => sub {
	my $id = mkuser('aud');
	post_pw($id, { password => 'audpass12' }, token => $OP);
	my @rows = $t->psql('SELECT actor_user_id, actor_auth_id, target_type FROM audit_log '
	    . "WHERE target_id = " . lit($id) . " AND action <> 'create'");
	cmp_ok(scalar @rows, '>=', 1, 'a row besides the create');
	is_deeply($rows[0], [ $ADMIN, $OPAUTH, 'user' ], 'operator, its token, a user');
	is(db_contains('audpass12'), 0, 'the password is not in the audit log');
};

subtest 'passwords of 8 and of 256 bytes are accepted' => sub {
	my $id = mkuser('bounds');
	is(post_pw($id, { password => 'x' x 8 }, token => $OP)->{status}, 204, '8 bytes: 204');
	is(post_pw($id, { password => 'y' x 256 }, token => $OP)->{status}, 204, '256 bytes: 204');
	is((signin('bounds', 'y' x 256))[1]{status}, 204, 'the 256-byte password signs in');
};

subtest 'passwords shorter than 8 or longer than 256 bytes are 400 and change nothing' => sub {
	my $id = mkuser('bob');
	post_pw($id, { password => 'bobpass12' }, token => $OP);
	my $before = db_state();
	for my $pw ('', 'short', 'x' x 7, 'z' x 257, 'w' x 1000) {
		error_is(post_pw($id, { password => $pw }, token => $OP), 400, 'invalid', $PWMSG,
		    length($pw) . ' bytes');
	}
	is(db_state(), $before, 'database unchanged');
	is((signin('bob', 'bobpass12'))[1]{status}, 204, 'the old password still works');
};

subtest 'the length is counted in bytes, not characters' => sub {
	my $id = mkuser('utf');
	my $four = "\x{e9}" x 4;	# 4 characters, 8 bytes
	is(post_pw($id, { password => $four }, token => $OP)->{status}, 204, '4 two-byte characters: 204');
	my $r = post_pw($id, { password => "\x{e9}" x 129 }, token => $OP);	# 258 bytes
	error_is($r, 400, 'invalid', $PWMSG, '129 two-byte characters');
	$r = post_pw($id, { password => "\x{20ac}" x 2 }, token => $OP);	# 6 bytes
	error_is($r, 400, 'invalid', $PWMSG, '2 three-byte characters');
};

subtest 'a body without password is 400 with the length message' => sub {
	my $id = mkuser('nopw');
	my $before = db_state();
	error_is(post_pw($id, {}, token => $OP), 400, 'invalid', $PWMSG, '{}');
	error_is(post_pw($id, { password => undef }, token => $OP), 400, 'invalid', $PWMSG, 'null');
	is(db_state(), $before, 'database unchanged');
};

subtest 'a password that is not a string is 400' => sub {
	my $id = mkuser('typed');
	my $before = db_state();
	error_is(post_pw($id, { password => 12345678 }, token => $OP), 400, 'invalid',
	    'field "password" must be a string', 'number');
	error_is(post_pw($id, { password => [ 'abcdefgh' ] }, token => $OP), 400, 'invalid',
	    'field "password" must be a string', 'array');
	is(db_state(), $before, 'database unchanged');
};

subtest 'an empty or non-JSON body is 400' => sub {
	my $id = mkuser('body');
	my $before = db_state();
	error_is(post_pw($id, '', token => $OP), 400, 'invalid', 'request body is empty', 'empty');
	error_is(post_pw($id, 'password=abcdefgh', token => $OP), 400, 'invalid',
	    qr/^request body is not valid JSON: /, 'form encoded');
	error_is(post_pw($id, '"abcdefgh1"', token => $OP), 400, 'invalid',
	    'request body must be a JSON object', 'a JSON string');
	is(db_state(), $before, 'database unchanged');
};

subtest 'a password for an unknown user is 403 your userID is incorrect' => sub {
	my $before = db_state();
	error_is(post_pw('0000000000000fff', { password => 'Secret123' }, token => $OP), 403,
	    'forbidden', 'your userID is incorrect');
	is(db_state(), $before, 'database unchanged');
};

subtest 'a malformed user id is 400' => sub {
	error_is(post_pw('bad', { password => 'Secret123' }, token => $OP), 400, 'invalid',
	    'id must have a length of 16 bytes', 'bad');
	error_is(post_pw('0000000000000000', { password => 'Secret123' }, token => $OP), 400,
	    'invalid', 'invalid ID', 'zero');
};

subtest 'a session may set its own password without the old one' => sub {
	my ($id, $c) = session_user('carol', 'carolpass1');
	my $r = post_pw($id, { password => 'NewPass12' }, cookie => $c);
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is((signin('carol', 'NewPass12'))[1]{status}, 204, 'the new password signs in');
	is((signin('carol', 'carolpass1'))[1]{status}, 401, 'the old one does not');
	my @rows = $t->psql("SELECT actor_user_id FROM audit_log WHERE action <> 'create' AND target_id = "
	    . lit($id) . " AND actor_user_id = " . lit($id));
	cmp_ok(scalar @rows, '>=', 1, 'audited with carol as the actor');
};

subtest 'a session setting another user\'s password is 401 write:users/<id> is unauthorized' => sub {
	my ($id, $c) = session_user('dave', 'davepass1');
	my $other = mkuser('erin');
	post_pw($other, { password => 'erinpass1' }, token => $OP);
	my $before = db_state();
	error_is(post_pw($other, { password => 'hijacked1' }, cookie => $c), 401, 'unauthorized',
	    "write:users/$other is unauthorized");
	error_is(post_pw($ADMIN, { password => 'hijacked1' }, cookie => $c), 401, 'unauthorized',
	    "write:users/$ADMIN is unauthorized", 'the admin');
	is(db_state(), $before, 'database unchanged');
};

subtest 'a token with write:users/<id> may set that user\'s password' => sub {
	my $target = mkuser('fred');
	my $owner = mkuser('gwen');
	my ($tok) = mktoken($owner, $ORG, { action => 'write', resource => { type => 'users', id => $target } });
	my $r = post_pw($target, { password => 'fredpass1' }, token => $tok);
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	error_is(post_pw($owner, { password => 'gwenpass1' }, token => $tok), 401, 'unauthorized',
	    "write:users/$owner is unauthorized", 'but not another user');
};

subtest 'a token without a users permission cannot set even its own user\'s password' => sub {
	my $owner = mkuser('hank');
	my ($tok) = mktoken($owner, $ORG);
	error_is(post_pw($owner, { password => 'hankpass1' }, token => $tok), 401, 'unauthorized',
	    "write:users/$owner is unauthorized");
};

subtest 'setting a password without credentials is 401 unauthorized access' => sub {
	my $id = mkuser('ivan');
	my $before = db_state();
	error_is(post_pw($id, { password => 'ivanpass1' }), 401, 'unauthorized', 'unauthorized access');
	is(db_state(), $before, 'database unchanged');
};

subtest 'GET /api/v2/users/{id}/password is 405' => sub {
	my $id = mkuser('jack');
	my $r = req(method => 'GET', path => "/api/v2/users/$id/password", token => $OP);
	is($r->{status}, 405, 'status 405');
	like($r->{headers}{allow} // '', qr/POST/, 'Allow lists POST');
};

done_testing();
