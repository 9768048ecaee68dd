# t0362-service-users.t -- issue 29: service users.  POST /api/v2/users with
# "kind":"service" (an extension) makes a user that owns tokens and has no
# password, so sign-in refuses it exactly as a wrong password (the same
# answer, the same hash).  Every answer about it says "kind":"service"; a
# plain user's answers stay InfluxDB's.  psql shows the kind
# (admin_users), and refuses it a password too; usersctl user add --service.
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
my $bob = given(user => 'bob', password => 'bobpass12');

my $SVC;
subtest 'a service user is made with "kind":"service" and says so' => sub {
	my $r = call($OP, 'POST', '/api/v2/users', { name => 'ci-bot', kind => 'service' });
	is($r->{status}, 201, '201') or diag($r->{body});
	is($r->{json}{kind}, 'service', 'kind in the answer');
	$SVC = $r->{json}{id};
	is(call($OP, 'GET', "/api/v2/users/$SVC")->{json}{kind}, 'service', 'GET');
	my ($listed) = grep { $_->{id} eq $SVC } @{ call($OP, 'GET', '/api/v2/users')->{json}{users} };
	is($listed->{kind}, 'service', 'the list');
	is(call($OP, 'PATCH', "/api/v2/users/$SVC", { name => 'ci-bot' })->{json}{kind}, 'service', 'PATCH');
	is(call($OP, 'POST', "/api/v2/orgs/$ORG/members", { id => $SVC })->{json}{kind}, 'service',
	    'adding it to an org');
	my ($m) = grep { $_->{id} eq $SVC } @{ call($OP, 'GET', "/api/v2/orgs/$ORG/members")->{json}{users} };
	is($m->{kind}, 'service', 'the members list');
	my $b = call($OP, 'GET', "/api/v2/users/$bob")->{json};
	ok(!exists $b->{kind}, 'a plain user\'s answer has no kind (InfluxDB\'s shape)');
	is(call($OP, 'POST', '/api/v2/users', { name => 'plain', kind => 'user' })->{status}, 201,
	    '"kind":"user" is a plain user');
	is(one("SELECT kind FROM admin_users WHERE name = 'ci-bot'"), 'service', 'admin_users shows it');
	is(one("SELECT kind FROM admin_users WHERE name = 'plain'"), 'user', '... and a plain one');
};

subtest 'it owns tokens, and its token reads it as a service user' => sub {
	my ($tok) = given(token => $SVC, org => $ORG, permissions => [ perm('read', type => 'users', id => $SVC),
	    perm('read', type => 'buckets', orgID => $ORG) ]);
	my $r = call($tok, 'GET', '/api/v2/me');
	is($r->{status}, 200, 'its token works') or diag($r->{body});
	is($r->{json}{kind}, 'service', 'GET /me says service');
	is(one("SELECT user_kind FROM admin_tokens WHERE user_id = '$SVC'"), 'service', 'admin_tokens shows it');
};

subtest 'a bad kind is 400 and makes nothing' => sub {
	my $before = db_state();
	is_error(call($OP, 'POST', '/api/v2/users', { name => 'x1', kind => 'admin' }), 400, 'invalid',
	    'kind must be "user" or "service"', 'kind admin');
	is_error(call($OP, 'POST', '/api/v2/users', { name => 'x2', kind => 'Service' }), 400, 'invalid',
	    'kind must be "user" or "service"', 'another case');
	is(call($OP, 'POST', '/api/v2/users', { name => 'x3', kind => 1 })->{status}, 400, 'a number');
	is(db_state(), $before, 'nothing made');
};

subtest 'a PATCH does not change the kind' => sub {
	my $r = call($OP, 'PATCH', "/api/v2/users/$SVC", { kind => 'user' });
	is($r->{status}, 200, '200 (unknown to PATCH, as other fields)');
	is($r->{json}{kind}, 'service', 'still a service user');
	is(call($OP, 'PATCH', "/api/v2/users/$bob", { kind => 'service' })->{status}, 200, 'nor for a plain one');
	is(one("SELECT kind FROM users WHERE id = '$bob'"), 'user', 'bob is still a plain user');
};

subtest 'it never gets a password: not by the API, not in psql' => sub {
	my $before = db_state();
	is_error(call($OP, 'POST', "/api/v2/users/$SVC/password", { password => 'svcpass123' }), 400, 'invalid',
	    'a service user has no password', 'POST .../password');
	is_error(call($OP, 'PUT', "/api/v2/users/$SVC/password", { password => 'svcpass123' },
	    headers => { Authorization => basic('ci-bot', 'anything1') }), 401, 'unauthorized',
	    'unauthorized access', 'PUT .../password (its current one never matches)');
	is(db_state(), $before, 'nothing changed');
	ok(!eval { $t->psql("UPDATE users SET password_hash = (SELECT password_hash FROM users "
	    . "WHERE id = '$bob') WHERE id = '$SVC'"); 1 }, 'psql: the table refuses it a hash');
	ok(!eval { $t->psql("UPDATE users SET kind = 'service' WHERE id = '$bob'"); 1 },
	    'psql: a user with a password cannot become a service user');
};

subtest 'sign-in refuses it exactly as a wrong password, after the same hash' => sub {
	my $slow = { USERSD_ARGON2_ITERATIONS => 24 };
	my $cpu = sub { my ($f) = @_; my @a = times; my $r = $f->(); my @b = times;
	    return ($r, $b[2] + $b[3] - $a[2] - $a[3]) };
	is(call($OP, 'POST', "/api/v2/users/$bob/password", { password => 'bobpass12' }, env => $slow)->{status},
	    204, 'bob\'s hash is a costly one');
	$t->psql('DELETE FROM signin_failures');
	my ($wrong, $tw) = $cpu->(sub { call(basic('bob', 'wrongpass1'), 'POST', '/api/v2/signin', undef, env => $slow) });
	$t->psql('DELETE FROM signin_failures');
	my ($svc, $ts) = $cpu->(sub { call(basic('ci-bot', 'wrongpass1'), 'POST', '/api/v2/signin', undef, env => $slow) });
	is_error($svc, 401, 'unauthorized', 'unauthorized access', 'the service user');
	is($svc->{body}, $wrong->{body}, 'the same body as a wrong password');
	is($svc->{headers}{'x-platform-error-code'}, $wrong->{headers}{'x-platform-error-code'}, 'the same error header');
	cmp_ok($ts, '>', $tw / 3, "a hash runs for it too ($ts s of CPU; a wrong password: $tw s)");
	is(scalar(TestLib::header_all($svc, 'set-cookie')), 0, 'no cookie');
	is(one("SELECT count(*) FROM sessions WHERE user_id = '$SVC'"), 0, 'no session');
	is(one("SELECT failures FROM signin_failures WHERE kind = 'user' AND key = 'ci-bot'") // 0, 1,
	    'it counts as a failure, as a wrong password does');
	is(call(basic('ci-bot', ''), 'POST', '/api/v2/signin')->{status}, 401, 'an empty password: 401');
};

subtest 'usersctl user add NAME --service' => sub {
	my ($rc, $out, $err) = $t->ctl('user', 'add', 'deploy-bot', '--service');
	is($rc, 0, 'exit 0') or diag($err);
	is(one("SELECT kind FROM users WHERE name = 'deploy-bot'"), 'service', 'a service user');
	($rc, undef, $err) = $t->ctl({ stdin => "somepass12\n" }, 'user', 'add', 'deploy-bot2', '--service');
	is($rc, 1, 'with a password on stdin: exit 1');
	like($err, qr/a service user has no password/, 'says why');
	is(one("SELECT count(*) FROM users WHERE name = 'deploy-bot2'"), 0, 'and leaves no user behind');
	is(($t->ctl('user', 'add', 'x', '--sevrice'))[0], 2, 'a misspelt option: usage error');
};

subtest 'an admin in psql cannot make a service user a directory user (review finding F2)' => sub {
	my %ROLE = map { $_->[0] => $_->[1] } $t->psql('SELECT kind, name FROM usersd_roles');
	my $adm = "t0362_admin_$$";
	$t->psql(qq{CREATE ROLE "$adm" LOGIN IN ROLE "$ROLE{admin}"});
	my $r = call($OP, 'POST', '/api/v2/users', { name => 'svc-dn', kind => 'service' });
	is($r->{status}, 201, 'a service user') or diag($r->{body});
	my ($rc, $out) = $t->psql_as($adm, "UPDATE users SET directory_dn = 'uid=svc-dn,dc=x' WHERE id = "
	    . lit($r->{json}{id}));
	isnt($rc, 0, 'the admin may not give it a directory DN');
	like($out, qr/users_service_no_directory|permission denied/, '... refused by the table');
	is(one("SELECT count(*) FROM users WHERE directory_dn IS NOT NULL"), 0, 'nothing changed');
	$t->psql(qq{DROP ROLE IF EXISTS "$adm"});
};

done_testing();
