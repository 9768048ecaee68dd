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
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

my $MYTOKEN = 'my-op-token-0123456789';
my $r0 = call(undef, 'POST', '/api/v2/setup', { username => 'root', org => 'acme',
    bucket => 'metrics',
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
		my $r = call(basic('root', $pw), 'POST', '/api/v2/signin');
		my $c = cookie_value($r);
		is($r->{status}, 401, "signin with '$pw' is 401") or diag($r->{body});
		ok(!defined $c, 'no session cookie');
	}
	is(one('SELECT count(*) FROM sessions'), 0, 'no session stored');
};

subtest 'a client-chosen setup token is returned and works as the operator' => sub {
	is($S->{auth}{token}, $MYTOKEN, 'auth.token is the one sent');
	is($S->{auth}{description}, "root's Token", "description \"root's Token\"");
	is(scalar @{ $S->{auth}{permissions} // [] }, 44, '44 permissions');
	my $r = call($MYTOKEN, 'GET', '/api/v2/me');
	is($r->{status}, 200, 'GET /me 200') or diag($r->{body});
	is($r->{json}{name}, 'root', 'as root');
	$r = call($MYTOKEN, 'POST', '/api/v2/users', { name => 'second' });
	is($r->{status}, 201, 'can create users') or diag($r->{body});
	$r = call(undef, 'GET', '/api/v2/users', undef,
	    headers => { Authorization => "Bearer $MYTOKEN" });
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
