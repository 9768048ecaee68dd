# t0116-ready-started.t -- /ready's "started" is the master's start time.
# layout: database only
#
# The master records it before it forks, so every worker, a replaced one
# too, reports the same time, and "up" counts from it, not from the first
# /ready call.  Needs the master behind lighttpd (one CGI process per
# request cannot tell the two apart); /ready reads no instance data, so
# the hosted layout adds nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use Time::Local qw(timegm);
use TestLib;

my $kind = 'lighttpd-master';
if (my $why = TestLib::Server->unavailable($kind)) {
	TestLib::cannot_run($why);
}
my $WORKERS = 3;
my $t = TestLib->new;
my $t0 = int(time);
my $s = TestLib::Server->start(kind => $kind, t => $t, workers => $WORKERS);
my $t1 = time;

# The epoch seconds of "started", and "up" in seconds, of one /ready.
sub ready {
	my $r = $s->request('GET', '/ready');
	is($r->{status}, 200, '/ready is 200') or diag($r->{body});
	my ($y, $mo, $d, $h, $mi, $sec) = ($r->{json}{started} // '') =~
	    /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$/
	    or do { fail("started is a UTC time: $r->{body}"); return };
	my ($up) = ($r->{json}{up} // '') =~ /^(\d+)s$/
	    or do { fail("up is seconds: $r->{body}"); return };
	return (timegm($sec, $mi, $h, $d, $mo - 1, $y), $up);
}

subtest 'the first /ready reports the master start, not its own time' => sub {
	sleep 2.2;
	my ($started, $up) = ready() or return;
	cmp_ok($started, '>=', $t0, 'started is not before the master ran');
	cmp_ok($started, '<=', $t1, 'started is before the master answered');
	cmp_ok($up, '>=', 2, 'up counts from the master start');
};

subtest 'every worker, a replaced one too, reports the same start' => sub {
	my ($first) = ready() or return;
	my @before = $s->worker_pids;
	kill 'KILL', $before[0];
	ok(TestLib::within(5, sub {
		my @now = $s->worker_pids;
		@now == $WORKERS && !grep { $_ == $before[0] } @now
	}), 'the killed worker is replaced');
	# More requests than workers, so the new one answers some.
	my %seen;
	for (1 .. 4 * $WORKERS) {
		my ($started) = ready() or return;
		$seen{$started}++;
	}
	is_deeply([ keys %seen ], [ $first ], 'one start time in every answer');
};

done_testing();
