# t0420-db-roles.t -- the database roles of 0005 and the audit log the
# triggers write: through the API (usersd connects as the service role) and
# through psql as each role.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;
use JSON::PP ();

my $t = TestLib->new;
ApiTest::bind($t);
my $S = given('setup');
my $OPID = $S->{user_id};
my $OPAUTH = one("SELECT id FROM authorizations WHERE user_id = " . lit($OPID));

my %ROLE = map { $_->[0] => $_->[1] } $t->psql('SELECT kind, name FROM usersd_roles');
my $SVC = $ROLE{service};
# People log in as themselves and are granted admin or readonly.
my $ALICE = "t0420_alice_$$";
my $RITA = "t0420_rita_$$";
$t->psql(qq{CREATE ROLE "$ALICE" LOGIN IN ROLE "$ROLE{admin}"});
$t->psql(qq{CREATE ROLE "$RITA" LOGIN IN ROLE "$ROLE{readonly}"});
END { if ($t) { $t->psql(qq{DROP ROLE IF EXISTS "$ALICE"}); $t->psql(qq{DROP ROLE IF EXISTS "$RITA"}) } }

sub as_ok {
	my ($role, $sql, $what) = @_;
	my ($rc, $out) = $t->psql_as($role, $sql);
	is($rc, 0, "$role may: $what") or diag($out);
	return $out;
}

sub as_refused {
	my ($role, $sql, $what, $re) = @_;
	my ($rc, $out) = $t->psql_as($role, $sql);
	isnt($rc, 0, "$role may not: $what");
	like($out, $re // qr/permission denied|append-only|must be owner/, "... refused ($what)");
}

sub last_audit { return ($t->psql('SELECT max(id) FROM audit_log'))[0][0] // 0 }

# Audit rows after id $since: [actor, actor_user_id, actor_auth_id, action,
# target_type, target_id, remote_addr, details].
sub audit_since {
	my ($since) = @_;
	return [ $t->psql("SELECT actor, coalesce(actor_user_id, ''), "
	    . "coalesce(actor_auth_id, ''), action, target_type, "
	    . "coalesce(target_id, ''), remote_addr, details::text FROM audit_log "
	    . "WHERE id > $since ORDER BY id") ];
}

subtest 'the four roles exist and are recorded' => sub {
	is_deeply([ sort keys %ROLE ], [qw(admin owner readonly service)], 'kinds');
	is($t->service_role, $SVC, 'usersd connects as the service role');
	is(one(q{SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log' AND schemaname = current_schema()}),
	    $ROLE{owner}, 'the owner role owns the tables');
};

subtest 'the service role cannot touch the audit log' => sub {
	as_refused($SVC, q{UPDATE audit_log SET action = 'x'}, 'UPDATE audit_log');
	as_refused($SVC, q{DELETE FROM audit_log}, 'DELETE FROM audit_log');
	as_refused($SVC, q{TRUNCATE audit_log}, 'TRUNCATE audit_log');
	as_refused($SVC, q{INSERT INTO audit_log (action, target_type) VALUES ('x', 'y')},
	    'INSERT INTO audit_log');
	as_refused($SVC, q{SELECT count(*) FROM audit_log}, 'SELECT audit_log');
};

subtest 'the service role cannot create objects' => sub {
	as_refused($SVC, q{CREATE TABLE evil (x int)}, 'CREATE TABLE');
	as_refused($SVC, q{CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS 'SELECT 1'},
	    'CREATE FUNCTION');
	as_refused($SVC, q{CREATE SCHEMA evil}, 'CREATE SCHEMA');
	as_refused($SVC, q{ALTER TABLE users ADD COLUMN evil int}, 'ALTER TABLE');
	as_refused($SVC, q{DROP TRIGGER users_audit ON users}, 'DROP TRIGGER');
};

subtest 'the service role reads no password hash but through the sign-in functions' => sub {
	as_refused($SVC, q{SELECT password_hash FROM users}, 'SELECT password_hash');
	as_refused($SVC, q{SELECT * FROM users}, 'SELECT * FROM users');
	as_ok($SVC, q{SELECT id, name, status FROM users}, 'SELECT id, name, status');
	as_ok($SVC, q{SELECT * FROM usersd_password_by_name('nobody')}, 'the sign-in function');
	as_refused($SVC, q{SELECT usersd_end_upgrade()}, 'usersd_end_upgrade()');
};

# The service role is trusted to name the actor of a change, not to change
# a password unseen: usersd_rehash_password() cannot tell a new hash of the
# same password from another (argon2 runs in C), so any hash it stores is
# recorded ("rehash", with its actor) and ends the user's sessions.
subtest 'the service role sets no password hash unseen, rehash included' => sub {
	my $id = given(user => 'vic', password => 'pw-vic-12345');
	my $c = given(session => 'vic', password => 'pw-vic-12345');
	is(call("cookie:$c", 'GET', '/api/v2/me')->{status}, 200, 'vic\'s session works');
	my $gen = one("SELECT credential_gen FROM users WHERE id = '$id'");
	my $since = last_audit();
	# The abuse: read the hash through the sign-in function, then "rehash"
	# to a hash of the attacker's password, as usersd would, naming itself.
	my $evil = one("SELECT password_hash FROM users WHERE name = 'admin'");
	as_ok($SVC, "SELECT usersd_rehash_password('$id', " . lit($evil) . ", (SELECT password_hash "
	    . "FROM usersd_password_by_id('$id'))) WHERE usersd_act(NULL, NULL, 'attacker')",
	    'usersd_rehash_password with any hash');
	if (one("SELECT password_hash FROM users WHERE id = '$id'") eq $evil) {
		my $rows = audit_since($since);
		is(scalar @$rows, 1, 'the change left one audit row') or diag explain $rows;
		is($rows->[0][3] // '', 'rehash', 'recorded as a rehash');
		is_deeply([ @{ $rows->[0] // [] }[0, 4, 5, 6] ], [ 'usersd', 'user', $id, 'attacker' ],
		    'with its actor and address');
		is(one("SELECT credential_gen FROM users WHERE id = '$id'"), $gen + 1,
		    'the credential generation moved');
		is(call("cookie:$c", 'GET', '/api/v2/me')->{status}, 401, 'vic\'s session ended');
	} else {
		pass('refused');
	}
	# Without usersd_act the actor is the role itself.
	$since = last_audit();
	my $cur = one("SELECT password_hash FROM users WHERE id = '$id'");
	as_ok($SVC, "SELECT usersd_rehash_password('$id', 'x', " . lit($cur) . ")", 'again, unnamed');
	my $rows = audit_since($since);
	is_deeply([ map { $_->[0] . ' ' . $_->[3] } @$rows ], [ "psql:$SVC rehash" ],
	    'recorded as the role\'s own');
	# A plain UPDATE of the hash, which the password change uses.
	$since = last_audit();
	as_ok($SVC, "UPDATE users SET password_hash = 'y' WHERE id = '$id'", 'UPDATE of a hash');
	$rows = audit_since($since);
	is_deeply([ map { $_->[3] } @$rows ], [ 'password' ], 'recorded as a password change');
};

subtest 'not even a superuser changes the audit log without becoming the owner' => sub {
	my ($rc, $out) = $t->psql_as('postgres', q{UPDATE audit_log SET action = 'x'});
	isnt($rc, 0, 'UPDATE as postgres refused');
	like($out, qr/append-only/, 'by the trigger');
	($rc, $out) = $t->psql_as('postgres', q{TRUNCATE audit_log});
	isnt($rc, 0, 'TRUNCATE as postgres refused');
	($rc, $out) = $t->psql_as('postgres', qq{BEGIN; SET LOCAL ROLE "$ROLE{owner}"; }
	    . q{DELETE FROM audit_log WHERE false; ROLLBACK});
	is($rc, 0, 'the owner may') or diag($out);
};

subtest 'a rename to "carol status=inactive" is recorded unambiguously' => sub {
	my ($id, $c) = (given(user => 'x', password => 'pw-x-12345678'),
	    given(session => 'x', password => 'pw-x-12345678'));
	my $since = last_audit();
	my $r = call("cookie:$c", 'PATCH', "/api/v2/users/$id", { name => 'carol status=inactive' });
	is($r->{status}, 200, 'renamed') or diag($r->{body});
	is($r->{json}{status}, 'active', 'still active');
	my $rows = audit_since($since);
	is(scalar @$rows, 1, 'one audit row');
	is($rows->[0][3], 'update', 'an update');
	is($rows->[0][1], $id, 'acted by the user itself');
	is_deeply(JSON::PP->new->decode($rows->[0][7]),
	    { name => { from => 'x', to => 'carol status=inactive' } },
	    'details: the name and nothing else');
	my $d = one("SELECT count(*) FROM audit_log WHERE id > $since AND details ? 'status'");
	is($d, 0, 'no status change recorded');
};

subtest 'every API write is one audit row naming its actor' => sub {
	my @cases;
	my $since = last_audit();
	my $id = given(user => 'dora', password => 'pw-dora-12345');
	push @cases, ['create user', 'create', 'user', $id, $OPID, $OPAUTH];
	push @cases, ['set password', 'password', 'user', $id, $OPID, $OPAUTH];
	my $c = given(session => 'dora', password => 'pw-dora-12345');
	push @cases, ['sign-in', 'signin', 'user', $id, $id, ''];
	my $r = call("cookie:$c", 'POST', '/api/v2/signout');
	is($r->{status}, 204, 'signed out');
	push @cases, ['sign-out', 'signout', 'user', $id, $id, ''];
	my ($tok, $aid) = given(token => $id, org => $S->{org_id});
	push @cases, ['create token', 'create', 'authorization', $aid, $OPID, $OPAUTH];
	$r = call($OP, 'PATCH', "/api/v2/authorizations/$aid", { status => 'inactive' });
	push @cases, ['update token', 'update', 'authorization', $aid, $OPID, $OPAUTH];
	$r = call($OP, 'DELETE', "/api/v2/authorizations/$aid");
	push @cases, ['delete token', 'delete', 'authorization', $aid, $OPID, $OPAUTH];
	$r = call($OP, 'DELETE', "/api/v2/users/$id");
	is($r->{status}, 204, 'user deleted');
	push @cases, ['delete user', 'delete', 'user', $id, $OPID, $OPAUTH];
	my $rows = audit_since($since);
	is(scalar @$rows, scalar @cases, 'one row per write') or diag explain $rows;
	for my $i (0 .. $#cases) {
		my ($what, $action, $type, $target, $user, $auth) = @{ $cases[$i] };
		my $row = $rows->[$i] // [];
		is_deeply([ @$row[0 .. 6] ],
		    [ 'usersd', $user, $auth, $action, $type, $target, '127.0.0.1' ], $what);
	}
	my $hashes = one("SELECT count(*) FROM audit_log WHERE details::text ~ '[0-9a-f]{64}|argon2'");
	is($hashes, 0, 'no hash in any details');
	is(one("SELECT count(*) FROM audit_log WHERE details::text LIKE '%pw-dora%'"), 0,
	    'no password either');
};

subtest 'an admin in psql uses the views and functions, and is audited' => sub {
	my $id = given(user => 'erin');
	as_ok($ALICE, q{SELECT * FROM admin_users}, 'SELECT admin_users');
	as_ok($ALICE, q{SELECT * FROM admin_tokens}, 'SELECT admin_tokens');
	as_ok($ALICE, q{SELECT * FROM audit_log}, 'SELECT audit_log');
	as_refused($ALICE, q{SELECT password_hash FROM users}, 'SELECT password_hash');
	as_refused($ALICE, q{SELECT token_hash FROM authorizations}, 'SELECT token_hash');
	as_refused($ALICE, q{UPDATE audit_log SET action = 'x'}, 'UPDATE audit_log');
	as_refused($ALICE, q{DELETE FROM audit_log}, 'DELETE audit_log');
	as_refused($ALICE, q{SELECT usersd_act(NULL, NULL, 'x')}, 'usersd_act');
	as_refused($ALICE, q{CREATE TABLE evil (x int)}, 'CREATE TABLE');
	my $since = last_audit();
	as_ok($ALICE, q{SELECT usersd_deactivate_user('erin')}, 'usersd_deactivate_user');
	my $rows = audit_since($since);
	is(scalar @$rows, 1, 'one row for the deactivation');
	is_deeply([ @{ $rows->[0] }[0, 3, 5, 6] ], [ "psql:$ALICE", 'update', $id, "psql:$ALICE" ],
	    'acted by psql:alice');
	$since = last_audit();
	# Setting the actor by hand does not make a psql change look like usersd's.
	as_ok($ALICE, q{SELECT set_config('usersd.actor', 'on', false), }
	    . qq{set_config('usersd.actor_user', '$OPID', false); }
	    . q{DELETE FROM users WHERE name = 'erin'}, 'a plain DELETE FROM users');
	$rows = audit_since($since);
	is(scalar @$rows, 1, 'the DELETE is audited, once');
	is_deeply($rows->[0], [ "psql:$ALICE", '', '', 'delete', 'user', $id, "psql:$ALICE",
	    '{"name": "erin"}' ], 'as a delete by psql:alice, not by the forged actor');
};

subtest 'the read-only role reads and changes nothing' => sub {
	given(user => 'fred');
	as_ok($RITA, q{SELECT count(*) FROM admin_users}, 'SELECT admin_users');
	as_ok($RITA, q{SELECT count(*) FROM audit_log}, 'SELECT audit_log');
	as_refused($RITA, q{SELECT password_hash FROM users}, 'SELECT password_hash');
	as_refused($RITA, q{DELETE FROM users WHERE name = 'fred'}, 'DELETE FROM users');
	as_refused($RITA, q{UPDATE orgs SET name = 'x'}, 'UPDATE orgs');
	as_refused($RITA, q{SELECT usersd_deactivate_user('fred')}, 'usersd_deactivate_user');
	is(one(q{SELECT status FROM users WHERE name = 'fred'}), 'active', 'fred is untouched');
};

subtest 'usersctl is recorded as usersctl' => sub {
	my $since = last_audit();
	my ($rc, $out, $err) = $t->ctl('user', 'deactivate', 'fred');
	is($rc, 0, 'usersctl user deactivate fred') or diag($err);
	my $rows = audit_since($since);
	is(scalar @$rows, 1, 'one row');
	is_deeply([ @{ $rows->[0] // [] }[0, 3, 6] ], [ 'usersctl', 'update', 'usersctl' ], 'by usersctl');
};

done_testing;
