# t0003-master-reload.t -- SIGHUP to the master: it re-reads the
# configuration and replaces the workers one by one while requests keep
# being served; a configuration that does not load is refused and the
# workers stay.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

my $why = TestLib::Server->unavailable('lighttpd-master');
TestLib::cannot_run($why) if $why;

my $WORKERS = 3;
my $t = TestLib->new;
my $s = TestLib::Server->start(kind => 'lighttpd-master', t => $t,
    workers => $WORKERS);
my $conf = $s->dir . '/usersd.conf';


sub append_conf {
	open my $f, '>>', $conf or die "$conf: $!";
	print $f @_;
	close $f;
}

subtest 'SIGHUP replaces every worker while requests keep succeeding' => sub {
	my @old = sort $s->worker_pids;
	is(scalar @old, $WORKERS, "$WORKERS workers");
	append_conf("log_level = debug\n");
	kill 'HUP', $s->master_pid;
	my (%codes, @now);
	my $done = TestLib::within(15, sub {
		$codes{ $s->request('GET', '/health')->{status} }++;
		@now = $s->worker_pids;
		my %old = map { $_ => 1 } @old;
		return @now == $WORKERS && !grep { $old{$_} } @now;
	});
	ok($done, 'all workers replaced') or diag("old @old, now @now");
	is_deeply([ keys %codes ], [200], 'every request during the reload was 200')
	    or diag(explain \%codes);
	is(TestLib::Server::alive($s->master_pid) ? 1 : 0, 1, 'the master stays');
	like($s->log('usersd.log'), qr/configuration reloaded/, 'logged');
	# The new workers run with the new configuration.
	$s->request('GET', '/health') for 1 .. 3;
	like($s->log('usersd.log'), qr/ debug usersd\[/, 'debug lines appear');
};

subtest 'a configuration that does not load is refused; the workers stay' => sub {
	my @before = sort $s->worker_pids;
	append_conf("body_limit = lots\n");
	kill 'HUP', $s->master_pid;
	ok(TestLib::within(5, sub { $s->log('usersd.log') =~ /reload refused: .*body_limit/ }),
	    'the refusal names the key');
	sleep 0.5;
	is_deeply([ sort $s->worker_pids ], \@before, 'same workers');
	is($s->request('GET', '/health')->{status}, 200, 'still serving');
};

done_testing;
