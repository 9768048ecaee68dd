# t0100-setup.t -- GET/POST /api/v2/setup: onboarding, its validation, and
# that a refused setup leaves nothing behind.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use MIME::Base64 qw(encode_base64);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

sub setup_post { call(undef, 'POST', '/api/v2/setup', $_[0]) }

sub allowed {
	my $r = call(undef, 'GET', '/api/v2/setup');
	return $r->{json} ? $r->{json}{allowed} : undef;
}

# Nothing at all in the tables a setup writes.
sub nothing_left {
	my ($what) = @_;
	my @tables = qw(users orgs buckets org_members authorizations sessions audit_log);
	my ($row) = $t->psql('SELECT ' . join(', ',
	    map { "(SELECT count(*) FROM $_)" } @tables));
	for my $i (0 .. $#tables) {
		is($row->[$i], 0, "$what: no rows in $tables[$i]");
	}
}

my %GOOD = (username => 'admin', password => 'adminpass1', org => 'o', bucket => 'b');

subtest 'GET /api/v2/setup on a fresh instance answers allowed true without credentials' => sub {
	my $r = call(undef, 'GET', '/api/v2/setup');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is_deeply($r->{json}, { allowed => JSON::PP::true }, 'body {"allowed": true}');
	ok(JSON::PP::is_bool($r->{json}{allowed}), 'allowed is a JSON boolean');
};

subtest 'a setup without any field is 422 listing username, org and bucket, and leaves nothing' => sub {
	my $r = setup_post({});
	is_error($r, 422, 'unprocessable entity',
	    'onboarding failed: missing required fields [username,org,bucket]');
	nothing_left('after {}');
	ok(allowed(), 'setup still allowed');
};

subtest 'a setup missing only the bucket names just the bucket' => sub {
	my $r = setup_post({ username => 'a', org => 'o' });
	is_error($r, 422, 'unprocessable entity',
	    'onboarding failed: missing required fields [bucket]');
	nothing_left('after a missing bucket');
};

subtest 'a setup missing username and bucket lists them comma-joined in order' => sub {
	my $r = setup_post({ org => 'o', password => 'adminpass1' });
	is_error($r, 422, 'unprocessable entity',
	    'onboarding failed: missing required fields [username,bucket]');
	$r = setup_post({ username => '', org => '', bucket => 'b' });
	is_error($r, 422, 'unprocessable entity',
	    'onboarding failed: missing required fields [username,org]', 'empty strings');
	nothing_left('after missing fields');
};

subtest 'a setup with a short password is 400 and leaves nothing behind' => sub {
	my $r = setup_post({ %GOOD, password => 'short' });
	is_error($r, 400, 'invalid', 'passwords must be between 8 and 256 characters long');
	nothing_left('after a short password');
	ok(allowed(), 'GET /api/v2/setup still answers allowed true');
};

subtest 'a setup with a password over 256 bytes is 400 and leaves nothing behind' => sub {
	my $r = setup_post({ %GOOD, password => 'p' x 257 });
	is_error($r, 400, 'invalid', 'passwords must be between 8 and 256 characters long');
	nothing_left('after a long password');
};

subtest 'a setup with bucket "_b" is 400 and leaves nothing behind' => sub {
	my $r = setup_post({ %GOOD, bucket => '_b' });
	is_error($r, 400, 'invalid',
	    'bucket name _b is invalid. Buckets may not start with underscore');
	nothing_left('after bucket _b');
	ok(allowed(), 'setup still allowed');
};

subtest 'a setup with an empty body is 400 "request body is empty"' => sub {
	my $r = setup_post('');
	is_error($r, 400, 'invalid', 'request body is empty');
	nothing_left('after an empty body');
};

subtest 'a setup with a body that is not JSON is 400' => sub {
	my $r = setup_post('not json');
	is_error($r, 400, 'invalid', qr/^request body is not valid JSON: /);
	nothing_left('after a non-JSON body');
};

subtest 'a setup with a JSON array is 400 "request body must be a JSON object"' => sub {
	my $r = setup_post('["admin"]');
	is_error($r, 400, 'invalid', 'request body must be a JSON object');
	nothing_left('after an array body');
};

subtest 'a setup with a username that is not a string is 400' => sub {
	my $r = setup_post({ %GOOD, username => 5 });
	is_error($r, 400, 'invalid', 'field "username" must be a string');
	nothing_left('after a numeric username');
};

subtest 'a setup with a control character in the username is 400' => sub {
	my $r = setup_post({ %GOOD, username => "ad\nmin" });
	is($r->{status}, 400, 'status 400') or diag($r->{body});
	is($r->{json}{code}, 'invalid', 'code invalid');
	nothing_left('after a control character');
};

my ($S, $token);
subtest 'a valid setup is 201 with user, org, bucket and the operator auth' => sub {
	my $r = setup_post(\%GOOD);
	is($r->{status}, 201, 'status 201') or diag($r->{body}, $r->{stderr});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	my $j = $r->{json} // {};
	$S = $j;
	for my $k (qw(user org bucket auth)) {
		is(ref $j->{$k}, 'HASH', "has $k");
	}
	like($j->{user}{id} // '', qr/^[0-9a-f]{16}$/, 'user id is 16 hex digits');
	is($j->{user}{name}, 'admin', 'user name');
	is($j->{user}{status}, 'active', 'user active');
	is_deeply($j->{user}{links}, { self => "/api/v2/users/$j->{user}{id}" }, 'user links');
	like($j->{org}{id} // '', qr/^[0-9a-f]{16}$/, 'org id');
	is($j->{org}{name}, 'o', 'org name');
	is($j->{bucket}{name}, 'b', 'bucket name');
	is($j->{bucket}{orgID}, $j->{org}{id}, 'bucket in the org');
	is($j->{auth}{userID}, $j->{user}{id}, 'auth belongs to the user');
	is($j->{auth}{orgID}, $j->{org}{id}, 'auth in the org');
	is($j->{auth}{status}, 'active', 'auth active');
	is($j->{auth}{description}, "admin's Token", "description \"admin's Token\"");
	$token = $j->{auth}{token};
	ok(defined $token && length $token >= 8, 'auth carries the token value');
};

subtest 'the setup auth holds the 44 operator permissions, no instance' => sub {
	my $perms = $S->{auth}{permissions} // [];
	is(scalar @$perms, 44, '44 permissions');
	my %seen;
	for my $p (@$perms) {
		$seen{"$p->{action}:$p->{resource}{type}"}++;
		ok(!exists $p->{resource}{id} && !exists $p->{resource}{orgID},
		    "$p->{action}:$p->{resource}{type} has no id and no orgID");
	}
	is(scalar(keys %seen), 44, 'all distinct');
	ok($seen{'read:users'} && $seen{'write:users'}, 'read and write users');
	ok(!$seen{'read:instance'} && !$seen{'write:instance'}, 'no instance permission');
	is(scalar(grep { $_->{action} eq 'read' } @$perms), 22, '22 reads');
};

subtest 'the setup token works as the operator token' => sub {
	my $r = call($token, 'GET', '/api/v2/me');
	is($r->{status}, 200, 'GET /me 200') or diag($r->{body});
	is($r->{json}{id}, $S->{user}{id}, 'it is the setup user');
	$r = call($token, 'POST', '/api/v2/users', { name => 'made-by-operator' });
	is($r->{status}, 201, 'POST /users 201') or diag($r->{body});
	$r = call($token, 'GET', '/api/v2/users');
	is($r->{status}, 200, 'GET /users 200');
	is(scalar @{ $r->{json}{users} // [] }, 2, 'sees both users');
};

subtest 'after setup GET /api/v2/setup answers allowed false' => sub {
	my $r = call(undef, 'GET', '/api/v2/setup');
	is($r->{status}, 200, 'status 200');
	is_deeply($r->{json}, { allowed => JSON::PP::false }, 'body {"allowed": false}');
};

subtest 'a second setup is 422 conflict and changes nothing' => sub {
	my $before = db_state();
	my $r = setup_post({ %GOOD, username => 'admin2', org => 'o2' });
	is_error($r, 422, 'conflict', 'onboarding has already been completed');
	is(db_state(), $before, 'database unchanged');
	$r = setup_post({});
	is_error($r, 422, 'conflict', 'onboarding has already been completed',
	    'even with missing fields');
	is(db_state(), $before, 'database unchanged');
};

subtest 'setup stores the user, org, bucket, membership and token in PostgreSQL' => sub {
	my $uid = $S->{user}{id};
	is(one("SELECT name || '/' || status || '/' || instance_owner FROM users WHERE id = " . lit($uid)),
	    'admin/active/true', 'user row, instance owner');
	is(one("SELECT name FROM orgs WHERE id = " . lit($S->{org}{id})), 'o', 'org row');
	is(one("SELECT name FROM buckets WHERE id = " . lit($S->{bucket}{id})), 'b', 'bucket row');
	is(one("SELECT role FROM org_members WHERE user_id = " . lit($uid)), 'owner',
	    'the user owns the org');
	like(one("SELECT password_hash FROM users WHERE id = " . lit($uid)) // '',
	    qr/^\$argon2id\$/, 'password_hash is argon2id');
};

subtest 'the setup token and password are stored only as hashes' => sub {
	is(one('SELECT count(*) FROM authorizations WHERE token_hash = ' . lit($token)), 0,
	    'token not stored in clear');
	is(one('SELECT count(*) FROM authorizations WHERE token_hash = ' . lit(sha256_hex($token))), 1,
	    'SHA-256 of the token stored');
	is(db_contains($token), 0, 'token appears nowhere in the database');
	is(db_contains('adminpass1'), 0, 'password appears nowhere in the database');
};

subtest 'setup writes an audit_log row for the new user' => sub {
	my $uid = $S->{user}{id};
	cmp_ok(one("SELECT count(*) FROM audit_log WHERE target_type = 'user' AND target_id = "
	    . lit($uid)), '>=', 1, 'an audit row targets the user');
};

subtest 'the setup user can sign in with the setup password' => sub {
	my $r = call(basic('admin', 'adminpass1'), 'POST', '/api/v2/signin');
	my $c = cookie_value($r);
	is($r->{status}, 204, 'signin 204') or diag($r->{body});
	ok(defined $c, 'session cookie set');
	$r = call("cookie:$c", 'GET', '/api/v2/me');
	is($r->{status}, 200, 'GET /me with the cookie');
	is($r->{json}{name}, 'admin', 'as admin');
};

done_testing();
