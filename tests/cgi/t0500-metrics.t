# t0500-metrics.t -- GET /metrics run as CGI: who may read it under each
# value of the setting "metrics", the answers to everyone else (JSON
# errors), and exact counts from processes without a master (each CGI run
# is one, like a mod_fcgid child): they share run_dir/usersd-metrics-UID.shm.
# layout: database only (its per-instance series are of configured instances;
# hosted ones count together as "(other)", which t0220 checks)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
# A run_dir of this file's own: its counts are this file's requests only.
my $RUN = tempdir('usersd-t0500-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my %ON = (USERSD_RUN_DIR => $RUN, USERSD_METRICS => 'on');
ApiTest::bind($t, env => { USERSD_RUN_DIR => $RUN });
my $s = given('setup');
my $PROM = 'text/plain; version=0.0.4; charset=utf-8';

# GET /metrics (or method => M) with $cred (see call) and env.
sub metrics { my ($cred, %o) = @_; return call($cred, $o{method} // 'GET', '/metrics',
    undef, env => $o{env}) }

# The value of one sample line (name{labels} as printed), or undef.
sub sample {
	my ($body, $series) = @_;
	return $body =~ /^\Q$series\E (\S+)$/m ? $1 + 0 : undef;
}

subtest 'metrics = off: 404 as if there were no such path' => sub {
	my $r = metrics($OP, env => { USERSD_METRICS => 'off' });
	is_error($r, 404, 'not found', 'path not found');
};

subtest 'metrics = on: the text format, to anyone' => sub {
	my $r = metrics(undef, env => \%ON);
	is($r->{status}, 200, 'status 200') or diag($r->{body}, $r->{stderr});
	is($r->{headers}{'content-type'}, $PROM, 'Prometheus text format 0.0.4');
	like($r->{body}, qr/^usersd_build_info\{influxdb_api="v[0-9.]+",version="[0-9.]+"\} 1$/m,
	    'build info');
	like($r->{body}, qr/^# TYPE http_api_requests_total counter$/m, 'request counter');
};

subtest 'another method: 405 JSON with Allow' => sub {
	my $r = metrics(undef, method => 'POST', env => \%ON);
	is_error($r, 405, 'method not allowed', 'allow: GET');
	is($r->{headers}{allow}, 'GET', 'Allow: GET');
};

subtest 'metrics = token (the default): an operator only' => sub {
	is_error(metrics(), 401, 'unauthorized', 'unauthorized access');
	is_error(metrics('not-a-token'), 401, 'unauthorized', 'unauthorized access');
	my $bob = given(user => 'bob', password => 'bobpass123');
	my ($tok) = given(token => $bob, org => $s->{org_id});
	is_error(metrics($tok), 403, 'forbidden',
	    'read:instance is unauthorized: /metrics needs an operator token');
	# Read on users and orgs, not on everything: still not an operator.
	my ($some) = given(token => $s->{user_id}, org => $s->{org_id},
	    permissions => [ perm('read', type => 'users'), perm('read', type => 'orgs') ]);
	is(metrics($some)->{status}, 403, 'a token that reads some types: 403');
	my $r = metrics($OP);
	is($r->{status}, 200, 'the operator token: 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $PROM, 'the text format');
	my $c = given(session => 'admin', password => 'adminpass1');
	is(metrics("cookie:$c")->{status}, 200, "the instance owner's session: 200");
	my $bc = given(session => 'bob', password => 'bobpass123');
	is(metrics("cookie:$bc")->{status}, 403, "another user's session: 403");
};

subtest 'no metrics file can be had: 503, and requests are still served' => sub {
	my %bad = (USERSD_METRICS => 'on', USERSD_RUN_DIR => "$RUN/missing");
	is(call(undef, 'GET', '/ping', undef, env => \%bad)->{status}, 204, '/ping works');
	my $r = metrics(undef, env => \%bad);
	is_error($r, 503, 'unavailable', 'metrics are unavailable (the log says why)');
	like($r->{stderr}, qr/metrics file \Q$RUN\E\/missing\/usersd-metrics-\d+\.shm/,
	    'the log names the file');
};

subtest 'exact counts across processes without a master' => sub {
	my $before = metrics(undef, env => \%ON)->{body};
	my $get = sub { sample($before, $_[0]) // 0 };
	my $ping = 'http_api_requests_total{handler="usersd",method="GET",path="/ping",'
	    . 'response_code="204",status="2XX"}';
	my $user401 = 'http_api_requests_total{handler="usersd",method="GET",'
	    . 'path="/api/v2/users/:id",response_code="401",status="4XX"}';
	my $nf = 'http_api_requests_total{handler="usersd",method="GET",path="(unmatched)",'
	    . 'response_code="404",status="4XX"}';
	my $si = sub { "usersd_signins_total{usersd_instance=\"(default)\",result=\"$_[0]\"}" };
	my %was = map { $_ => $get->($_) } $ping, $user401, $nf,
	    map({ $si->($_) } qw(success wrong_password unknown_user invalid)),
	    'usersd_sessions_created_total{usersd_instance="(default)"}',
	    'usersd_sessions_ended_total{usersd_instance="(default)"}';

	call(undef, 'GET', '/ping', undef, env => \%ON) for 1 .. 3;
	call(undef, 'GET', '/api/v2/users/0123456789abcdef', undef, env => \%ON) for 1 .. 2;
	call(undef, 'GET', '/no/such/path', undef, env => \%ON);
	my $c = given(session => 'admin', password => 'adminpass1', env => \%ON);
	call(basic('admin', 'wrongpass1'), 'POST', '/api/v2/signin', undef,
	    env => \%ON) for 1 .. 2;
	call(basic('nobody-here', 'wrongpass1'), 'POST', '/api/v2/signin', undef, env => \%ON);
	call(undef, 'POST', '/api/v2/signin', undef, env => \%ON);	# no Basic
	call("cookie:$c", 'POST', '/api/v2/signout', undef, env => \%ON);

	my $r = metrics(undef, env => \%ON);
	my $now = sub { (sample($r->{body}, $_[0]) // 0) - $was{$_[0]} };
	is($now->($ping), 3, 'GET /ping 204: 3');
	is($now->($user401), 2, 'GET /api/v2/users/:id 401: 2, by pattern, never the raw path');
	unlike($r->{body}, qr/0123456789abcdef|no\/such/, 'no raw path anywhere');
	is($now->($nf), 1, 'an unknown path: 1, as (unmatched)');
	is($now->($si->('success')), 1, 'sign-ins: 1 success');
	is($now->($si->('wrong_password')), 2, '2 wrong passwords');
	is($now->($si->('unknown_user')), 1, '1 unknown user');
	is($now->($si->('invalid')), 1, '1 without credentials');
	is($now->('usersd_sessions_created_total{usersd_instance="(default)"}'), 1, '1 session created');
	is($now->('usersd_sessions_ended_total{usersd_instance="(default)"}'), 1, '1 ended');
	ok(!grep(/usersd_workers/, $r->{body}), 'no master: no worker series');
};

subtest 'sign-in throttled and inactive' => sub {
	my %cfg = (%ON, USERSD_SIGNIN_MAX_FAILURES => 1);
	my $si = sub { "usersd_signins_total{usersd_instance=\"(default)\",result=\"$_[0]\"}" };
	my $b = metrics(undef, env => \%ON)->{body};
	my %was = map { $_ => sample($b, $si->($_)) // 0 } qw(throttled inactive);
	my $carol = given(user => 'carol', password => 'carolpass1');
	call(basic('carol', 'wrongpass1'), 'POST', '/api/v2/signin', undef,
	    env => \%cfg) for 1 .. 2;
	call(basic('carol', 'carolpass1'), 'POST', '/api/v2/signin', undef, env => \%cfg);
	$b = metrics(undef, env => \%ON)->{body};
	ok(sample($b, $si->('throttled')) - $was{throttled} >= 1, 'a blocked name counts as throttled');
	given(user => 'dave', password => 'davepass12', status => 'inactive');
	call(basic('dave', 'davepass12'), 'POST', '/api/v2/signin', undef, env => \%ON);
	$b = metrics(undef, env => \%ON)->{body};
	is(sample($b, $si->('inactive')) - $was{inactive}, 1, 'an inactive user: 1');
};

subtest 'an instance operator sees its own instance only' => sub {
	my $conf = "$RUN/usersd.conf";
	open my $f, '>', $conf or die "$conf: $!";
	print $f "db = ", $t->conninfo, "\ninstance.tenant = ", $t->conninfo, "\n";
	close $f;
	my %env = (USERSD_CONFIG => $conf, USERSD_INSTANCE => 'tenant');
	call(undef, 'GET', '/ping', undef, env => \%env);
	my $r = metrics($OP, env => \%env);
	is($r->{status}, 200, 'the operator token of tenant: 200') or diag($r->{body});
	like($r->{body}, qr/^usersd_instance_requests_total\{usersd_instance="tenant"\} \d+$/m,
	    'its own series');
	unlike($r->{body}, qr/\(default\)|http_api_requests_total\{|usersd_hash_slots /,
	    'nothing of the default instance or of the whole host');
	$r = metrics($OP, env => { USERSD_CONFIG => $conf });
	like($r->{body}, qr/usersd_instance="tenant"/, 'the default instance operator sees every instance');
	like($r->{body}, qr/^http_api_requests_total\{/m, 'and the whole host');
};

subtest 'promtool check metrics passes on the output' => sub {
	my $promtool = TestLib::Server::_which('promtool')
	    or return TestLib::cannot_run('promtool is not installed (scripts/deps.sh)');
	my $body = metrics(undef, env => \%ON)->{body};
	my $file = "$RUN/metrics.txt";
	open my $f, '>', $file or die;
	print $f $body;
	close $f;
	my $out = `$promtool check metrics < $file 2>&1`;
	is($?, 0, 'promtool check metrics: exit 0') or diag($out);
	is($out, '', 'no lint complaint') or diag($out);
};

# hash_concurrency 0 means one hash per CPU usersd may run on (taskset, a
# cpuset, systemd's CPUAffinity=), not per CPU of the machine: a hash on a
# CPU it may not use only waits.  The test pins itself, and so its child.
subtest 'hash_concurrency 0: one slot per CPU usersd may run on' => sub {
	# The CPUs this test may use now ("0-1,4"), and their count.
	my ($mask) = `taskset -pc $$` =~ /:\s*(\S+)\s*$/ or die 'taskset -pc';
	my $cpus = 0;
	$cpus += /^(\d+)-(\d+)$/ ? $2 - $1 + 1 : 1 for split /,/, $mask;
	return plan(skip_all => "one CPU to run on ($mask): nothing to pin") if $cpus < 2;
	my ($first) = $mask =~ /^(\d+)/;
	my $slots = sub { sample(metrics(undef, env => \%ON)->{body}, 'usersd_hash_slots') };
	is($slots->(), $cpus, "unpinned: every CPU it may use ($mask)");
	system('taskset', '-p', '-c', $first, $$) == 0 or die "taskset: $?";
	my $pinned = $slots->();
	system('taskset', '-p', '-c', $mask, $$) == 0 or die "taskset: $?";
	is($pinned, 1, 'pinned to one CPU: one slot');
	is(sample(metrics(undef, env => { %ON, USERSD_HASH_CONCURRENCY => 3 })->{body},
	    'usersd_hash_slots'), 3, 'a set hash_concurrency is kept as it is');
};

done_testing();
