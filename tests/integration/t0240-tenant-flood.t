# t0240-tenant-flood.t -- one tenant's flood does not deny the others
# (issue 26), through each shipped web-server file.  Two instances, A and
# B, behind one server with 4 workers and 2 hash slots; 8 clients flood A
# with wrong-password sign-ins under ever new names (each one a hash) for a
# few seconds, and B's admin signs in meanwhile: every time 204, never a
# 429 or 503, while A, past its shares, is the one refused.  Bounded: a
# fixed time per server, loopback only.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

my $DOMAIN = $TestLib::Server::INSTANCE_DOMAIN;
my @KINDS = qw(nginx lighttpd-master lighttpd-spawn apache-proxy apache-fcgid);
my $FLOOD_S = 5;
my $FLOODERS = 8;
# Shares spelled out: without a master (mod_fcgid, lighttpd bin-path) the
# instance share has no pool size to default from.
my $CONFIG = "hash_concurrency = 2\nhash_share = 1\ninstance_share = 2\n"
    . "signin_max_failures_per_addr = 1000000\n";

sub basic { 'Basic ' . encode_base64(join(':', @_), '') }

sub req {
	my ($s, $inst, $method, $path, %o) = @_;
	return $s->request($method, $path, %o, host => "$inst.$DOMAIN", timeout => 30);
}

for my $kind (@KINDS) {
	subtest $kind => sub {
		TestLib::Server->runnable($kind) or return;
		my %t = (a => TestLib->new, b => TestLib->new);
		my $run = tempdir("t0240-XXXXXX", TMPDIR => 1, CLEANUP => 1);
		chmod 0777, $run;
		my $s = TestLib::Server->start_ok(kind => $kind, t => $t{a}, workers => 4,
		    instances => { a => $t{a}->conninfo, b => $t{b}->conninfo },
		    config => $CONFIG, env => { USERSD_RUN_DIR => $run }) or return;
		for my $i (qw(a b)) {
			my $r = req($s, $i, 'POST', '/api/v2/setup',
			    headers => { 'Content-Type' => 'application/json' },
			    body => TestLib->json_encode({ username => 'admin',
				password => 'adminpass1', org => "o$i", bucket => 'b' }));
			is($r->{status}, 201, "$i: setup") or diag($r->{body});
		}
		is(req($s, 'b', 'POST', '/api/v2/signin',
		    headers => { Authorization => basic('admin', 'adminpass1') })->{status},
		    204, 'B signs in, quiet');

		# The flood: each client reports its statuses through a file.
		my $dir = tempdir(CLEANUP => 1);
		my $until = time + $FLOOD_S;
		my @pids;
		for my $c (1 .. $FLOODERS) {
			my $pid = fork // die "fork: $!";
			if ($pid == 0) {
				my %n;
				for (my $i = 0; time < $until; $i++) {
					my $r = req($s, 'a', 'POST', '/api/v2/signin',
					    headers => { Authorization => basic("flood$c-$i", 'wrongpass1') });
					$n{ $r->{status} }++;
				}
				open(my $fh, '>', "$dir/$c") or POSIX::_exit(1);
				print $fh map { "$_ $n{$_}\n" } keys %n;
				close $fh;
				POSIX::_exit(0);
			}
			push @pids, $pid;
		}
		sleep 1;
		my (@b, $slowest);
		while (time < $until - 0.5) {
			my $t0 = time;
			my $r = req($s, 'b', 'POST', '/api/v2/signin',
			    headers => { Authorization => basic('admin', 'adminpass1') });
			my $took = time - $t0;
			$slowest = $took if !defined $slowest || $took > $slowest;
			push @b, $r->{status};
		}
		waitpid($_, 0) for @pids;
		my %a;
		for my $c (1 .. $FLOODERS) {
			open(my $fh, '<', "$dir/$c") or next;
			while (<$fh>) { my ($st, $n) = split; $a{$st} += $n }
		}
		cmp_ok(scalar @b, '>=', 2, 'B signed in during the flood, more than once');
		is_deeply([ grep { $_ != 204 } @b ], [], 'every one of B\'s sign-ins: 204')
		    or diag(explain(\@b), explain(\%a));
		cmp_ok($slowest // 99, '<', 5, 'none took 5 s');
		note(sprintf('B: %d sign-ins, the slowest %.0f ms; A: %s', scalar @b,
		    ($slowest // 0) * 1000, join(', ', map { "$_ x $a{$_}" } sort keys %a)));
		ok(($a{429} // 0) > 0, 'A, past its shares, got 429s') or diag explain \%a;
		ok(($a{401} // 0) > 0, 'and still had its checks done (401)') or diag explain \%a;
		is($a{503} // 0, 0, 'A got no 503 either');
	};
}

done_testing;
