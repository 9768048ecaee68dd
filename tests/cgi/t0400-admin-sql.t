# t0400-admin-sql.t -- every view and function of docs/admin.md, as an
# admin would use them from psql, and their effect on the API.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use MIME::Base64 qw(encode_base64);
use TestLib;

my $t = TestLib->new;
my $op = $t->setup;
my %auth = (Authorization => "Token $op->{token}");

sub create_user {
	my ($name, $pw) = @_;
	my $r = $t->cgi(method => 'POST', path => '/api/v2/users',
	    headers => \%auth, body => qq({"name":"$name"}));
	my $id = $r->{json}{id};
	$t->cgi(method => 'POST', path => "/api/v2/users/$id/password",
	    headers => \%auth, body => qq({"password":"$pw"})) if $pw;
	return $id;
}

sub signin {
	my ($name, $pw, %env) = @_;
	my $r = $t->cgi(method => 'POST', path => '/api/v2/signin',
	    headers => { Authorization => 'Basic ' . encode_base64("$name:$pw", '') },
	    env => \%env);
	my ($c) = map { /influxdb-oss-session=([^;]+)/ ? $1 : () }
	    TestLib::header_all($r, 'set-cookie');
	return ($r, $c);
}

sub me {
	my ($cookie) = @_;
	return $t->cgi(method => 'GET', path => '/api/v2/me',
	    headers => { Cookie => "influxdb-oss-session=$cookie" });
}

my $alice = create_user('alice', 'alicepass1');
my (undef, $cookie) = signin('alice', 'alicepass1');

subtest 'admin_users lists users without any password hash' => sub {
	my @rows = $t->psql(q{SELECT name, status, has_password, active_sessions
	    FROM admin_users ORDER BY name});
	is_deeply(\@rows, [['admin', 'active', 't', '0'],
	    ['alice', 'active', 't', '1']], 'rows') or diag explain \@rows;
	my @cols = map { $_->[0] } $t->psql(q{SELECT column_name
	    FROM information_schema.columns WHERE table_name = 'admin_users' AND table_schema = current_schema()});
	ok(!grep(/hash/, @cols), 'no hash column: @cols');
};

subtest 'admin_sessions shows the live session, never its hash' => sub {
	my @rows = $t->psql(q{SELECT user_name, remote_addr FROM admin_sessions});
	is_deeply(\@rows, [['alice', '127.0.0.1']], 'one session of alice');
	my @cols = map { $_->[0] } $t->psql(q{SELECT column_name
	    FROM information_schema.columns WHERE table_name = 'admin_sessions' AND table_schema = current_schema()});
	ok(!grep(/hash/, @cols), 'no hash column');
};

subtest 'admin_tokens shows tokens with owner and org, never the hash' => sub {
	my @rows = $t->psql(q{SELECT user_name, org_name, description, status
	    FROM admin_tokens});
	is_deeply(\@rows, [['admin', 'o', "admin's Token", 'active']], 'operator token');
	my @cols = map { $_->[0] } $t->psql(q{SELECT column_name
	    FROM information_schema.columns WHERE table_name = 'admin_tokens' AND table_schema = current_schema()});
	ok(!grep(/hash|token$/, @cols), 'no hash or token column');
};

subtest 'usersd_revoke_sessions ends a user\'s sessions at once' => sub {
	is(me($cookie)->{status}, 200, 'session works before');
	my ($n) = $t->psql(q{SELECT usersd_revoke_sessions('alice')});
	is($n->[0], 1, 'one session ended');
	is(me($cookie)->{status}, 401, 'session refused after');
	my ($a) = $t->psql(q{SELECT action, target_id, remote_addr FROM audit_log
	    WHERE action = 'revoke-sessions'});
	is_deeply($a, ['revoke-sessions', $alice, 'psql:postgres'], 'audited');
	is(($t->psql(q{SELECT usersd_revoke_sessions('nobody')}))[0][0], 0,
	    'an unknown user ends nothing');
};

subtest 'usersd_deactivate_user refuses sign-in and ends sessions' => sub {
	my (undef, $c) = signin('alice', 'alicepass1');
	is(me($c)->{status}, 200, 'fresh session works');
	is(($t->psql(q{SELECT usersd_deactivate_user('alice')}))[0][0], 't', 'deactivated');
	is(me($c)->{status}, 401, 'session gone');
	my ($r) = signin('alice', 'alicepass1');
	is($r->{status}, 401, 'sign-in refused for an inactive user, as for a wrong password');
	is(($t->psql(q{SELECT status FROM admin_users WHERE name = 'alice'}))[0][0],
	    'inactive', 'status inactive');
	is(($t->psql(q{SELECT usersd_deactivate_user('nobody')}))[0][0], 'f',
	    'unknown user: false');
};

subtest 'usersd_activate_user lets the user sign in again' => sub {
	is(($t->psql(q{SELECT usersd_activate_user('alice')}))[0][0], 't', 'activated');
	my ($r) = signin('alice', 'alicepass1');
	is($r->{status}, 204, 'sign-in works');
};

subtest 'usersd_revoke_token refuses the token on the next request' => sub {
	my $r = $t->cgi(method => 'POST', path => '/api/v2/authorizations',
	    headers => \%auth, body => $t->json_encode({ orgID => $op->{org_id},
	    userID => $alice, permissions => [
	    { action => 'read', resource => { type => 'users', id => $alice } }] }));
	is($r->{status}, 201, 'token created') or diag $r->{body};
	my ($tok, $id) = ($r->{json}{token}, $r->{json}{id});
	my %h = (Authorization => "Token $tok");
	is($t->cgi(method => 'GET', path => '/api/v2/me', headers => \%h)->{status},
	    200, 'token works');
	is(($t->psql(qq{SELECT usersd_revoke_token('$id')}))[0][0], 't', 'revoked');
	is($t->cgi(method => 'GET', path => '/api/v2/me', headers => \%h)->{status},
	    401, 'token refused');
	is(($t->psql(qq{SELECT usersd_revoke_token('$id')}))[0][0], 'f',
	    'second revoke: false');
};

subtest 'admin_signin_failures shows throttling and the clear function lifts it' => sub {
	my %env = (USERSD_SIGNIN_MAX_FAILURES => 2, USERSD_SIGNIN_LOCKOUT => 60);
	signin('alice', 'wrongpass', %env) for 1 .. 2;
	my ($r) = signin('alice', 'alicepass1', %env);
	is($r->{status}, 429, 'throttled');
	my @rows = $t->psql(q{SELECT kind, key, failures, blocked FROM admin_signin_failures
	    WHERE kind = 'user'});
	is_deeply(\@rows, [['user', 'alice', 2, 't']], 'the view shows the block');
	ok(($t->psql(q{SELECT usersd_clear_signin_failures('alice')}))[0][0] >= 1,
	    'cleared');
	$t->psql(q{SELECT usersd_clear_signin_failures('127.0.0.1')});
	($r) = signin('alice', 'alicepass1', %env);
	is($r->{status}, 204, 'sign-in works again');
};

done_testing;
