# t0140-users-get-patch-delete.t -- GET, PATCH and DELETE /api/v2/users/{id}.
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
my $ALICE = mkuser('alice');
my ($BOB, $BOBC) = session_user('bob');

sub get_user { my ($id, %o) = @_; return req(method => 'GET', path => "/api/v2/users/$id", %o) }
sub patch_user {
	my ($id, $body, %o) = @_;
	return req(method => 'PATCH', path => "/api/v2/users/$id",
	    ref $body ? (json => $body) : (body => $body), %o);
}
sub del_user { my ($id, %o) = @_; return req(method => 'DELETE', path => "/api/v2/users/$id", %o) }
sub row_of { my ($id) = @_; return one("SELECT name || '/' || status FROM users WHERE id = " . lit($id)) }

# --- GET ---------------------------------------------------------------

subtest 'GET /api/v2/users/{id} with the operator token is 200 with the user' => sub {
	my $r = get_user($ALICE, token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$ALICE" }, id => $ALICE,
	    name => 'alice', status => 'active' }, 'UserResponse');
};

subtest 'GET of an unknown id is 404 user not found' => sub {
	error_is(get_user('0000000000000fff', token => $OP), 404, 'not found', 'user not found');
};

subtest 'GET with an upper-case id finds the user and answers in lower case' => sub {
	my $r = get_user(uc $ALICE, token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $ALICE, 'lower-case id');
};

subtest 'GET with a trailing slash is the same resource' => sub {
	my $r = get_user("$ALICE/", token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $ALICE, 'alice');
};

subtest 'GET with malformed ids is 400 invalid' => sub {
	error_is(get_user('abc', token => $OP), 400, 'invalid', 'id must have a length of 16 bytes', 'abc');
	error_is(get_user('000000000000000g', token => $OP), 400, 'invalid', 'invalid ID', 'non-hex');
	error_is(get_user('0000000000000000', token => $OP), 400, 'invalid', 'invalid ID', 'zero');
	error_is(get_user('password', token => $OP), 400, 'invalid',
	    'id must have a length of 16 bytes', '"password"');
};

subtest 'a session may GET its own user' => sub {
	my $r = get_user($BOB, cookie => $BOBC);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{name}, 'bob', 'bob');
};

subtest 'a session GETting another user is 401 read:users/<id> is unauthorized' => sub {
	error_is(get_user($ALICE, cookie => $BOBC), 401, 'unauthorized',
	    "read:users/$ALICE is unauthorized");
};

subtest 'a session GETting an unknown id is 401 too: permission before existence' => sub {
	error_is(get_user('0000000000000fff', cookie => $BOBC), 401, 'unauthorized',
	    'read:users/0000000000000fff is unauthorized');
};

subtest 'GET without credentials is 401 unauthorized access' => sub {
	error_is(get_user($ALICE), 401, 'unauthorized', 'unauthorized access');
};

# --- PATCH -------------------------------------------------------------

subtest 'PATCH {"name"} renames the user and keeps the status' => sub {
	my $id = mkuser('carl', status => 'inactive');
	my $r = patch_user($id, { name => 'carl2' }, token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$id" }, id => $id,
	    name => 'carl2', status => 'inactive' }, 'UserResponse with the new name');
	is(row_of($id), 'carl2/inactive', 'stored');
};

subtest 'PATCH {"status":"inactive"} deactivates and keeps the name' => sub {
	my $id = mkuser('dan');
	my $r = patch_user($id, { status => 'inactive' }, token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{status}, 'inactive', 'inactive');
	is($r->{json}{name}, 'dan', 'name unchanged');
	is(row_of($id), 'dan/inactive', 'stored');
	$r = patch_user($id, { status => 'active' }, token => $OP);
	is($r->{json}{status}, 'active', 'and back to active');
};

subtest 'PATCH with name and status changes both' => sub {
	my $id = mkuser('ed');
	my $r = patch_user($id, { name => 'eddie', status => 'inactive' }, token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is(row_of($id), 'eddie/inactive', 'both stored');
};

subtest 'PATCH {"status":null} leaves the status unchanged' => sub {
	my $id = mkuser('fay', status => 'inactive');
	my $r = patch_user($id, { status => undef }, token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{status}, 'inactive', 'still inactive');
	is(row_of($id), 'fay/inactive', 'stored unchanged');
};

subtest 'PATCH {} is a no-op 200' => sub {
	my $id = mkuser('gus');
	my $before = row_of($id);
	my $r = patch_user($id, {}, token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply($r->{json}, { links => { self => "/api/v2/users/$id" }, id => $id,
	    name => 'gus', status => 'active' }, 'the user as it was');
	is(row_of($id), $before, 'unchanged');
};

subtest 'PATCH ignores id and unknown fields in the body' => sub {
	my $id = mkuser('hal');
	my $r = patch_user($id, { id => '0000000000000123', extra => 1, name => 'hal2' }, token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{id}, $id, 'id unchanged');
	is(one("SELECT count(*) FROM users WHERE id = '0000000000000123'"), 0, 'no user with the body id');
};

subtest 'PATCH with an invalid status is 400 and changes nothing' => sub {
	my $id = mkuser('ian');
	my $before = db_state();
	for my $st ('bogus', '', 'ACTIVE') {
		error_is(patch_user($id, { status => $st }, token => $OP), 400, 'invalid',
		    'invalid status: must be active or inactive', "status '$st'");
	}
	error_is(patch_user($id, { name => 'ian2', status => 'bogus' }, token => $OP), 400, 'invalid',
	    'invalid status: must be active or inactive', 'with a valid name');
	is(db_state(), $before, 'database unchanged');
};

subtest 'PATCH renaming onto an existing name is 422 conflict and changes nothing' => sub {
	my $id = mkuser('jim');
	my $before = db_state();
	error_is(patch_user($id, { name => 'bob' }, token => $OP), 422, 'conflict',
	    'user with name bob already exists');
	is(db_state(), $before, 'database unchanged');
	is(row_of($id), 'jim/active', 'jim still jim');
};

subtest 'PATCH renaming a user to its own name is 200' => sub {
	my $id = mkuser('kim');
	my $r = patch_user($id, { name => 'kim' }, token => $OP);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
};

subtest 'PATCH with an empty name is 400 empty value and changes nothing' => sub {
	my $id = mkuser('lee');
	my $before = db_state();
	error_is(patch_user($id, { name => '' }, token => $OP), 400, 'empty value',
	    'user name is required');
	is(db_state(), $before, 'database unchanged');
};

subtest 'PATCH of an unknown id is 404 user not found' => sub {
	my $before = db_state();
	error_is(patch_user('0000000000000fff', { name => 'x' }, token => $OP), 404, 'not found',
	    'user not found');
	is(db_state(), $before, 'database unchanged');
};

subtest 'PATCH with a malformed id is 400' => sub {
	error_is(patch_user('xyz', { name => 'x' }, token => $OP), 400, 'invalid',
	    'id must have a length of 16 bytes');
};

subtest 'PATCH writes an audit_log update row naming the actor and target' => sub {
	my $id = mkuser('mo');
	patch_user($id, { name => 'moe' }, token => $OP);
	my @rows = $t->psql("SELECT actor_user_id, actor_auth_id FROM audit_log WHERE action = 'update' "
	    . "AND target_type = 'user' AND target_id = " . lit($id));
	is(scalar @rows, 1, 'one update row');
	is_deeply($rows[0], [ $ADMIN, $OPAUTH ], 'actor is the operator and its token');
};

subtest 'a session may rename itself' => sub {
	my $r = patch_user($BOB, { name => 'robert' }, cookie => $BOBC);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{json}{name}, 'robert', 'renamed');
	my @rows = $t->psql("SELECT actor_user_id FROM audit_log WHERE action = 'update' AND target_id = "
	    . lit($BOB));
	is_deeply([ map { $_->[0] } @rows ], [ $BOB ], 'audit actor is bob himself');
	patch_user($BOB, { name => 'bob' }, cookie => $BOBC);
};

subtest 'a session patching another user is 401 write:users/<id> is unauthorized' => sub {
	my $before = db_state();
	error_is(patch_user($ALICE, { name => 'x' }, cookie => $BOBC), 401, 'unauthorized',
	    "write:users/$ALICE is unauthorized");
	is(db_state(), $before, 'database unchanged');
};

subtest 'PATCH to inactive ends the user\'s sessions at once' => sub {
	my ($id, $c) = session_user('nina');
	my $r = patch_user($id, { status => 'inactive' }, token => $OP);
	is($r->{status}, 200, 'deactivated') or diag($r->{body});
	is(($t->psql("SELECT count(*) FROM sessions WHERE user_id = '$id'"))[0][0], 0,
	    'no session rows left');
	# The session is gone (docs/compatibility.md), so the cookie is unknown.
	$r = req(method => 'GET', path => '/api/v2/me', cookie => $c);
	is($r->{status}, 401, 'the old session is refused') or diag($r->{body});
	is($r->{json}{message}, 'unauthorized access', 'as an unknown cookie');
};

# --- DELETE ------------------------------------------------------------

subtest 'DELETE is 204 with no body, then GET and DELETE are 404' => sub {
	my $id = mkuser('olga');
	my $r = del_user($id, token => $OP);
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	ok(!defined $r->{headers}{'content-type'}, 'no Content-Type');
	is(one('SELECT count(*) FROM users WHERE id = ' . lit($id)), 0, 'row gone');
	error_is(get_user($id, token => $OP), 404, 'not found', 'user not found', 'GET after');
	error_is(del_user($id, token => $OP), 404, 'not found', 'user not found', 'DELETE again');
};

subtest 'DELETE writes an audit_log delete row naming the actor and target' => sub {
	my $id = mkuser('pat');
	del_user($id, token => $OP);
	my @rows = $t->psql("SELECT actor_user_id, actor_auth_id, target_type FROM audit_log "
	    . "WHERE action = 'delete' AND target_id = " . lit($id));
	is(scalar @rows, 1, 'one delete row');
	is_deeply($rows[0], [ $ADMIN, $OPAUTH, 'user' ], 'operator, its token, a user');
};

subtest 'DELETE removes the password, sessions, tokens and memberships of the user' => sub {
	my ($id, $c) = session_user('quinn', 'quinnpass1');
	my ($tok, $authid) = mktoken($id, $ORG);
	my $r = req(method => 'POST', path => "/api/v2/orgs/$ORG/members", token => $OP,
	    json => { id => $id });
	is($r->{status}, 201, 'made a member of the org') or diag($r->{body});
	my $q = lit($id);
	my $counts = "SELECT (SELECT count(*) FROM users WHERE id = $q AND password_hash IS NOT NULL), "
	    . "(SELECT count(*) FROM sessions WHERE user_id = $q), "
	    . "(SELECT count(*) FROM authorizations WHERE user_id = $q), "
	    . "(SELECT count(*) FROM org_members WHERE user_id = $q)";
	is_deeply(($t->psql($counts))[0], [ 1, 1, 1, 1 ], 'password, session, token and membership exist');
	$r = del_user($id, token => $OP);
	is($r->{status}, 204, 'deleted') or diag($r->{body});
	is_deeply(($t->psql($counts))[0], [ 0, 0, 0, 0 ], 'all gone');
	is(one('SELECT count(*) FROM authorizations WHERE id = ' . lit($authid)), 0, 'the token row is gone');
	error_is(req(method => 'GET', path => '/api/v2/me', token => $tok), 401, 'unauthorized',
	    'unauthorized access', "the deleted user's token");
	error_is(req(method => 'GET', path => '/api/v2/me', cookie => $c), 401, 'unauthorized',
	    'unauthorized access', "the deleted user's session");
	my ($c2, $s) = signin('quinn', 'quinnpass1');
	is($s->{status}, 401, 'cannot sign in any more');
	$r = req(method => 'GET', path => "/api/v2/orgs/$ORG/members", token => $OP);
	ok(!grep({ $_->{id} eq $id } @{ $r->{json}{users} // [] }), 'not listed as a member');
};

subtest 'a session deleting another user is 401 write:users/<id> is unauthorized' => sub {
	my $before = db_state();
	error_is(del_user($ALICE, cookie => $BOBC), 401, 'unauthorized',
	    "write:users/$ALICE is unauthorized");
	is(db_state(), $before, 'database unchanged');
};

subtest 'a session may delete its own user, and is then signed out' => sub {
	my ($id, $c) = session_user('rita');
	my $r = del_user($id, cookie => $c);
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is(one('SELECT count(*) FROM users WHERE id = ' . lit($id)), 0, 'row gone');
	error_is(req(method => 'GET', path => '/api/v2/me', cookie => $c), 401, 'unauthorized',
	    'unauthorized access', 'next request');
};

subtest 'DELETE with a malformed id is 400' => sub {
	error_is(del_user('nothex', token => $OP), 400, 'invalid', 'id must have a length of 16 bytes');
	error_is(del_user('000000000000000z', token => $OP), 400, 'invalid', 'invalid ID');
};

subtest 'DELETE /api/v2/users without an id is 405 with Allow' => sub {
	my $r = req(method => 'DELETE', path => '/api/v2/users', token => $OP);
	error_is($r, 405, 'method not allowed', qr/GET/);
	my $allow = $r->{headers}{allow} // '';
	like($allow, qr/\bGET\b/, 'Allow has GET');
	like($allow, qr/\bPOST\b/, 'Allow has POST');
	unlike($allow, qr/DELETE/, 'Allow has no DELETE');
};

subtest 'PUT /api/v2/users/{id} is 405' => sub {
	my $r = req(method => 'PUT', path => "/api/v2/users/$ALICE", token => $OP, json => { name => 'x' });
	is($r->{status}, 405, 'status 405');
	like($r->{headers}{allow} // '', qr/PATCH/, 'Allow lists PATCH');
};

subtest 'an unknown sub-path of a user is 404' => sub {
	my $r = get_user("$ALICE/nope", token => $OP);
	is($r->{status}, 404, 'status 404');
	is($r->{json}{code}, 'not found', 'code not found');
};

done_testing();
