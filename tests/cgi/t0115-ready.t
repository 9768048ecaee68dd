# t0115-ready.t -- GET /ready, /health and /ping: status, JSON shape and
# content type, as InfluxDB answers them; and /ready's "started", which is
# when the process started, not when /ready was first asked (that part
# needs a long-running worker: usersd behind a web server).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use Time::Local qw(timegm);
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

# "2026-12-02T04:17:23Z" (fractions of a second allowed) as epoch seconds,
# or undef.
sub rfc3339 {
	my ($s) = @_;
	($s // '') =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?Z$/
	    or return undef;
	return timegm($6, $5, $4, $3, $2 - 1, $1);
}

# "up", a duration as Go prints one ("3s", "1m2.5s", "14.15ms"), in seconds;
# or undef.
sub duration {
	my ($s) = @_;
	($s // '') =~ /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)(ns|us|\x{b5}s|ms|s))?$/
	    && length $s or return undef;
	my %unit = (ns => 1e-9, us => 1e-6, "\x{b5}s" => 1e-6, ms => 1e-3, s => 1);
	return ($1 // 0) * 3600 + ($2 // 0) * 60 + ($3 // 0) * ($4 ? $unit{$4} : 0);
}

# The parts of a /ready answer every server gives: returns the body.
sub ready_ok {
	my ($r, $what) = @_;
	is($r->{status}, 200, "$what: 200") or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, "$what: JSON content type");
	my $j = $r->{json} // {};
	is_deeply([ sort keys %$j ], [ qw(started status up) ], "$what: status, started and up")
	    or diag($r->{body});
	is($j->{status}, 'ready', "$what: status ready");
	ok(defined rfc3339($j->{started}), "$what: started is an RFC 3339 UTC time")
	    or diag($j->{started});
	ok(defined duration($j->{up}), "$what: up is a duration") or diag($j->{up});
	return $j;
}

subtest 'GET /ready is 200 {status: ready, started, up}' => sub {
	my $before = int time;
	my $j = ready_ok(call(undef, 'GET', '/ready'), 'GET /ready');
	my $started = rfc3339($j->{started}) // 0;
	# One CGI request is one process: it started during the call.
	cmp_ok($started, '>=', $before - 1, 'started: not before the process');
	cmp_ok($started, '<=', time + 1, 'started: not in the future');
	cmp_ok(duration($j->{up}) // -1, '<=', time + 1 - $before, 'up: since then');
};

subtest '/ready needs no credential and ignores a bad one' => sub {
	ready_ok(call('no-such-token', 'GET', '/ready'), 'a bad token');
};

subtest 'POST /ready is 405 with Allow: GET' => sub {
	my $r = call(undef, 'POST', '/ready', '{}');
	is_error($r, 405, 'method not allowed', 'allow: GET');
	is($r->{headers}{allow}, 'GET', 'Allow: GET');
};

subtest 'GET /health is 200 with InfluxDB\'s shape and a passing postgresql check' => sub {
	my $r = call(undef, 'GET', '/health');
	is($r->{status}, 200, 'status 200') or diag($r->{body}, $r->{stderr});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	my $j = $r->{json} // {};
	is_deeply([ sort keys %$j ], [ qw(checks commit message name status version) ],
	    'name, message, status, checks, version, commit') or diag($r->{body});
	is($j->{name}, 'influxdb', 'name influxdb');
	is($j->{status}, 'pass', 'status pass');
	is($j->{message}, 'ready for queries and writes', 'message');
	is_deeply($j->{checks}, [ { name => 'postgresql', status => 'pass' } ],
	    'one check: postgresql passes');
	is($j->{version}, $r->{headers}{'x-influxdb-version'}, 'version as X-Influxdb-Version');
	like($j->{version} // '', qr/^v2\.\d+\.\d+$/, 'an InfluxDB 2 version');
	like($j->{commit} // '', qr/^usersd-\d+\.\d+\.\d+/, 'commit names usersd');
};

subtest 'GET /ping is 204 with no body and the version headers' => sub {
	my $r = call(undef, 'GET', '/ping');
	is($r->{status}, 204, 'status 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	ok(!defined $r->{headers}{'content-type'}, 'no content type');
	like($r->{headers}{'x-influxdb-version'} // '', qr/^v2\./, 'X-Influxdb-Version');
	is($r->{headers}{'x-influxdb-build'}, 'OSS', 'X-Influxdb-Build: OSS');
};

# That started is the master's start, in every worker, is t0116's.

done_testing();
