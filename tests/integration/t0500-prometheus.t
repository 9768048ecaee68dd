# t0500-prometheus.t -- a real Prometheus (Debian's package) scrapes usersd
# behind nginx (deploy/nginx.conf, a master with two workers) every second;
# after a known number of requests of each kind, Prometheus' query API must
# hold exactly those counts, summed over both workers by the shared block.
# Then the master's worker counters after a killed worker, promtool on the
# output, and the shared file of lighttpd-spawned processes (no master).
# Prometheus runs on its own config, storage and loopback port, and is
# stopped by its pid; the whole file takes about 15 s.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

my $PROMETHEUS = TestLib::Server::_which('prometheus');
my $PROMTOOL = TestLib::Server::_which('promtool');
TestLib::cannot_run('prometheus is not installed (scripts/deps.sh)') unless $PROMETHEUS && $PROMTOOL;
TestLib::cannot_run(TestLib::Server->unavailable('nginx')) if TestLib::Server->unavailable('nginx');

my $t = TestLib->new;
my $setup = $t->setup;
is($setup->{res}{status}, 201, 'set up') or BAIL_OUT($setup->{res}{body});
my $http = HTTP::Tiny->new(timeout => 5);
my $basic = sub { 'Basic ' . encode_base64(join(':', @_), '') };

my $s = TestLib::Server->start_ok(kind => 'nginx', t => $t, workers => 2,
    env => { USERSD_METRICS => 'on' }) or BAIL_OUT('nginx does not start');

# --- Prometheus ----------------------------------------------------------
my $pdir = tempdir('usersd-prom-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{USERSD_TEST_KEEP});
my $pport = TestLib::Server::_free_port();
open my $cf, '>', "$pdir/prometheus.yml" or die $!;
print $cf <<EOF;
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: usersd
    static_configs:
      - targets: ['127.0.0.1:${\ $s->port }']
EOF
close $cf;
my $ppid = TestLib::Server::_spawn("$pdir/prometheus.log", \%ENV, $PROMETHEUS,
    "--config.file=$pdir/prometheus.yml", "--storage.tsdb.path=$pdir/data",
    "--web.listen-address=127.0.0.1:$pport", '--log.level=warn');
END { if ($ppid) { kill 'TERM', $ppid; waitpid($ppid, 0) } }
my $PURL = "http://127.0.0.1:$pport";

# The samples of an instant query: [ [labels, value], ... ].
sub query {
	my ($q) = @_;
	my $r = $http->get("$PURL/api/v1/query?" . $http->www_form_urlencode({ query => $q }));
	return [] unless $r->{success};
	my $j = eval { decode_json($r->{content}) } or return [];
	return [ map { [ $_->{metric}, $_->{value}[1] ] } @{ $j->{data}{result} // [] } ];
}
# The value of a query that has one sample, or undef.
sub value { my $r = query($_[0]); return @$r == 1 ? $r->[0][1] + 0 : undef }

ok(TestLib::within(20, sub { (value('up{job="usersd"}') // 0) == 1 }),
    'Prometheus runs and scrapes usersd') or diag(TestLib::Server::log({ dir => $pdir }, 'prometheus.log'));

# The server's own readiness check (TestLib: GET /ping until 204) counts.
my $PING = 'http_api_requests_total{path="/ping",method="GET",response_code="204"}';
my $p0 = value($PING) // 0;
ok($p0 >= 1, "the readiness /ping is there already ($p0)");

# --- a known number of requests of each kind ---------------------------
$s->request('GET', '/ping') for 1 .. 5;
$s->request('GET', '/health') for 1 .. 3;
$s->request('GET', '/api/v2/users/0123456789abcdef') for 1 .. 4;
$s->request('GET', '/no/such/path') for 1 .. 2;
my $cookie;
for (1 .. 2) {
	my $r = $s->request('POST', '/api/v2/signin', headers => { Authorization => $basic->('admin', 'adminpass1') });
	($cookie) = map { /^influxdb-oss-session=([^;]+)/ ? $1 : () } TestLib::header_all($r, 'set-cookie');
}
$s->request('POST', '/api/v2/signin', headers => { Authorization => $basic->('admin', 'wrongpass1') }) for 1 .. 3;
$s->request('POST', '/api/v2/signin', headers => { Authorization => $basic->('nobody', 'wrongpass1') });
$s->request('POST', '/api/v2/signout', headers => { Cookie => "influxdb-oss-session=$cookie" });

my $R = 'http_api_requests_total{job="usersd",handler="usersd"';
my $D = 'usersd_instance="(default)"';
my %want = (
	"$R,method=\"GET\",path=\"/ping\",response_code=\"204\",status=\"2XX\"}" => 5 + $p0,
	"$R,method=\"GET\",path=\"/health\",response_code=\"200\"}" => 3,
	"$R,method=\"GET\",path=\"/api/v2/users/:id\",response_code=\"401\"}" => 4,
	"$R,method=\"GET\",path=\"(unmatched)\",response_code=\"404\"}" => 2,
	"$R,method=\"POST\",path=\"/api/v2/signin\",response_code=\"204\"}" => 2,
	"$R,method=\"POST\",path=\"/api/v2/signin\",response_code=\"401\"}" => 4,
	"$R,method=\"POST\",path=\"/api/v2/signout\",response_code=\"204\"}" => 1,
	'http_api_request_duration_seconds_count{path="/ping",method="GET"}' => 5 + $p0,
	'http_api_request_duration_seconds_bucket{path="/ping",method="GET",le="+Inf"}' => 5 + $p0,
	"usersd_signins_total{$D,result=\"success\"}" => 2,
	"usersd_signins_total{$D,result=\"wrong_password\"}" => 3,
	"usersd_signins_total{$D,result=\"unknown_user\"}" => 1,
	"usersd_signins_total{$D,result=\"throttled\"}" => 0,
	"usersd_signins_total{$D,result=\"hash_slots_busy\"}" => 0,
	"usersd_sessions_created_total{$D}" => 2,
	"usersd_sessions_ended_total{$D}" => 1,
	'usersd_workers_alive{pool="main"}' => 2,
	'usersd_workers_started_total{pool="main"}' => 2,
	'usersd_workers_died_total{pool="main"}' => 0,
	'usersd_hash_slots_in_use' => 0,
	'sum(usersd_pg_errors_total{kind!="unique_violation"})' => 0,
);
# Prometheus has them once a scrape after the last request has landed.
my $all = sub { !grep { (value($_) // -1) != $want{$_} } keys %want };
ok(TestLib::within(15, $all), 'Prometheus caught up with the requests');
is(value($_), $want{$_}, "$_ = $want{$_}") for sort keys %want;
ok((value("usersd_pg_statement_duration_seconds_count{$D}") // 0) > 0, 'statement times are recorded');
my $raw = query('http_api_requests_total');
ok(!grep({ ($_->[0]{path} // '') =~ /0123456789abcdef|no\/such/ } @$raw), 'no raw path in any series');
my $si = query("usersd_signins_total{result=\"success\"}");
is($si->[0][0]{usersd_instance}, '(default)', 'usersd_instance is not renamed by Prometheus');
like($si->[0][0]{instance} // '', qr/^127\.0\.0\.1:\d+$/, 'and instance stays the target');

# --- the master's worker counters -----------------------------------------
my ($victim) = $s->worker_pids;
kill 'KILL', $victim;
%want = ('usersd_workers_died_total{pool="main"}' => 1,
    'usersd_workers_started_total{pool="main"}' => 3, 'usersd_workers_alive{pool="main"}' => 2);
ok(TestLib::within(15, $all), 'a killed worker: died 1, started 3, alive 2 again')
    or diag(explain({ map { $_ => value($_) } keys %want }));

# --- promtool -------------------------------------------------------------
my $body = $s->request('GET', '/metrics')->{body};
open my $mf, '>', "$pdir/metrics.txt" or die $!;
print $mf $body;
close $mf;
my $out = `$PROMTOOL check metrics < $pdir/metrics.txt 2>&1`;
is($?, 0, 'promtool check metrics passes on what nginx serves') or diag($out);

# --- deploy/grafana-dashboard.json: every panel's query runs --------------
{
	open my $df, '<', "$TestLib::ROOT/deploy/grafana-dashboard.json" or die $!;
	my $dash = decode_json(do { local $/; <$df> });
	my @exprs = map { map { $_->{expr} } @{ $_->{targets} } } @{ $dash->{panels} };
	ok(@exprs >= 10, scalar(@exprs) . ' queries in the dashboard');
	for my $e (@exprs) {
		(my $q = $e) =~ s/\$__rate_interval/1m/g;
		$q =~ s/\$job/.*/g;
		my $r = $http->get("$PURL/api/v1/query?" . $http->www_form_urlencode({ query => $q }));
		my $j = eval { decode_json($r->{content}) } // {};
		is($j->{status}, 'success', "the dashboard's query runs: $e") or diag($r->{content});
	}
	my $names = join ' ', @exprs;
	like($names, qr/\b$_\b/, "the dashboard shows $_") for qw(http_api_requests_total
	    http_api_request_duration_seconds_bucket usersd_signins_total usersd_workers_alive
	    usersd_pg_errors_total);
}
$s->stop;
kill 'TERM', $ppid;
waitpid($ppid, 0);
$ppid = 0;

# --- no master: lighttpd's processes share run_dir's file ----------------
SKIP: {
	skip 'lighttpd is not installed', 2 if TestLib::Server->unavailable('lighttpd-spawn')
	    && !$ENV{REQUIRE_INTEGRATION};
	my $run = tempdir('usersd-t0500-run-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	chmod 0777, $run;
	my $l = TestLib::Server->start_ok(kind => 'lighttpd-spawn', t => $t, workers => 2,
	    env => { USERSD_METRICS => 'on', USERSD_RUN_DIR => $run }) or last;
	my $before = $l->request('GET', '/metrics')->{body};
	my $series = 'http_api_requests_total{handler="usersd",method="GET",path="/ping",'
	    . 'response_code="204",status="2XX"}';
	my $n0 = $before =~ /^\Q$series\E (\d+)$/m ? $1 : 0;
	$l->request('GET', '/ping') for 1 .. 6;
	my $after = $l->request('GET', '/metrics')->{body};
	my $n1 = $after =~ /^\Q$series\E (\d+)$/m ? $1 : 0;
	is($n1 - $n0, 6, 'six /ping counted once each, whichever process served them');
	ok(-e "$run/usersd-metrics-$<.shm", 'in run_dir/usersd-metrics-UID.shm');
	$l->stop;
}

done_testing();
