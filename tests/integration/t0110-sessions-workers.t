# t0110-sessions-workers.t -- sessions and sign-in throttling live in
# PostgreSQL, not in a worker: a session survives a restart of usersd, and
# failures counted by one usersd block the name on another (two masters,
# two web servers, one database).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use MIME::Base64 qw(encode_base64);
use Test::More;
use TestLib;

my $why = TestLib::Server->unavailable('lighttpd-master');
TestLib::cannot_run($why) if $why;

sub basic { 'Basic ' . encode_base64(join(':', @_), '') }

my $t = TestLib->new;
my %env = (USERSD_SIGNIN_MAX_FAILURES => 4, USERSD_SIGNIN_LOCKOUT => 60,
    USERSD_HASH_CONCURRENCY => 4,
    USERSD_RUN_DIR => $ENV{USERSD_RUN_DIR});
my $s = TestLib::Server->start(kind => 'lighttpd-master', t => $t, workers => 3,
    env => \%env);
my $setup = $s->request('POST', '/api/v2/setup', body => $t->json_encode({
    username => 'admin', password => 'adminpass1', org => 'o', bucket => 'b' }));
is($setup->{status}, 201, 'setup') or diag $setup->{body};
my %op = (Authorization => "Token $setup->{json}{auth}{token}");

my $r = $s->request('POST', '/api/v2/users', headers => \%op,
    body => '{"name":"carol"}');
my $carol = $r->{json}{id};
$r = $s->request('POST', "/api/v2/users/$carol/password", headers => \%op,
    body => '{"password":"carolpass1"}');
is($r->{status}, 204, 'carol has a password');

subtest 'a session survives a restart of usersd' => sub {
	my $in = $s->request('POST', '/api/v2/signin',
	    headers => { Authorization => basic('carol', 'carolpass1') });
	is($in->{status}, 204, 'signed in');
	my ($cookie) = map { /influxdb-oss-session=([^;]+)/ ? $1 : () }
	    TestLib::header_all($in, 'set-cookie');
	ok($cookie, 'got a cookie');
	my $old_master = $s->master_pid;
	$s->stop;
	ok(!TestLib::Server::alive($old_master), 'the old master is gone');
	$s = TestLib::Server->start(kind => 'lighttpd-master', t => $t,
	    workers => 3, env => \%env);
	isnt($s->master_pid, $old_master, 'a new master');
	my $me = $s->request('GET', '/api/v2/me',
	    headers => { Cookie => "influxdb-oss-session=$cookie" });
	is($me->{status}, 200, 'the cookie still works') or diag $me->{body};
	is($me->{json}{name}, 'carol', 'as carol');
};

subtest 'failures counted by one usersd block the name on another' => sub {
	# A second master and web server on the same database: another host,
	# as far as usersd can tell.
	my $s2 = TestLib::Server->start(kind => 'nginx', t => $t, workers => 2,
	    env => \%env);
	for my $i (1 .. 4) {
		my $f = $s->request('POST', '/api/v2/signin',
		    headers => { Authorization => basic('carol', "wrong-$i-pass") });
		is($f->{status}, 401, "failure $i on the first");
	}
	for my $i (1 .. 4) {
		my $b = $s2->request('POST', '/api/v2/signin',
		    headers => { Authorization => basic('carol', 'carolpass1') });
		is($b->{status}, 429, "attempt $i on the second: 429");
		like($b->{headers}{'retry-after'} // '', qr/^\d+$/, 'Retry-After');
	}
	my %by = map { $_ => 1 } $s2->log('usersd.log') =~
	    /usersd\[(\d+)\] \S+ POST \/api\/v2\/signin 429/g;
	note('second-host workers that refused: ' . join(' ', sort keys %by));
	is(($t->psql(q{SELECT failures FROM signin_failures
	    WHERE kind = 'user' AND key = 'carol'}))[0][0], 4,
	    'one count in PostgreSQL, and blocked attempts do not add to it');
	$s2->stop;
};

done_testing;
