# t0410-slow-clients.t -- slow and broken clients never tie up usersd.
#
# For each server kind, with a single usersd worker (so a worker held by a
# slow client would stall every other request):
#   - a client that sends its headers a byte every 100 ms, and one that sends
#     a POST /api/v2/users body a byte every 100 ms, while other requests
#     keep being answered at full rate; the slow POST still creates its user;
#   - connections dropped halfway through a POST /api/v2/users body change
#     no data, and the service goes on at full rate with the same workers.
# Loopback only; every loop is bounded.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

my $STEP = 0.1;		# seconds between two bytes of a slow client
# "Full rate": no request waits longer than this.  A worker held by a slow
# client (about 4 s of dribbling) would make one wait several seconds; the
# margin covers mod_fcgid, which sleeps 1 s when it finds no idle process.
my $FAST = 1.5;

# In a child: write $head at once, then $slow a byte every $STEP, then read
# the answer.  Returns (pid, pipe) the status line comes back on.
sub slow_client {
	my ($port, $head, $slow) = @_;
	pipe(my $r, my $w) or die "pipe: $!";
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		close $r;
		local $SIG{PIPE} = 'IGNORE';
		my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		    PeerPort => $port, Proto => 'tcp', Timeout => 5)
		    or do { print $w "connect: $!"; POSIX::_exit(0) };
		$sock->autoflush(1);
		syswrite($sock, $head);
		for my $c (split //, $slow) {
			sleep $STEP;
			syswrite($sock, $c) // last;
		}
		my $reply = '';
		my $until = time + 15;
		while (time < $until) {
			my $n = sysread($sock, my $buf, 4096);
			last unless $n;
			$reply .= $buf;
		}
		my ($line) = $reply =~ m{^(HTTP/\S+ \d{3})};
		print $w $line // "no answer: $reply";
		close $w;
		POSIX::_exit(0);
	}
	close $w;
	return ($pid, $r);
}

sub collect {
	my ($pid, $fh) = @_;
	my $got = do { local $/; <$fh> } // '';
	waitpid($pid, 0);
	return $got;
}

# Requests one after the other while $busy->() is true (at most $max s):
# (count, slowest latency, statuses that were not 200).
sub keep_asking {
	my ($s, $tok, $busy, $max) = @_;
	my ($n, $worst, @bad) = (0, 0);
	my $until = time + $max;
	while ($busy->() && time < $until) {
		my $t0 = time;
		my $r = $s->request('GET', '/api/v2/me',
		    headers => { Authorization => "Token $tok" }, timeout => 10);
		my $took = time - $t0;
		$worst = $took if $took > $worst;
		push @bad, $r->{status} if $r->{status} != 200;
		$n++;
		sleep 0.02;	# a steady rate, not a flood of the shared host
	}
	return ($n, $worst, @bad);
}

sub user_count {
	my ($t, $name) = @_;
	my ($row) = $t->psql("SELECT count(*) FROM users WHERE name = '$name'");
	return $row->[0];
}

for my $kind (TestLib::Server->kinds) {
	subtest $kind => sub {
		return unless TestLib::Server->runnable($kind);
		my $t = TestLib->new;
		my $setup = $t->setup;
		my $tok = $setup->{token};
		ok($tok, 'setup made an operator token') or return;
		my $s = TestLib::Server->start_ok(kind => $kind, t => $t, workers => 1)
		    or return;
		my @workers = $s->worker_pids;
		my $body = '{"name":"slowpoke","status":"active"}';
		my $post = "POST /api/v2/users HTTP/1.1\r\nHost: localhost\r\n"
		    . "Connection: close\r\nAuthorization: Token $tok\r\n"
		    . "Content-Type: application/json\r\n";

		# Slow headers (the last header line, a byte at a time) and a
		# slow body, both at once.
		my @hdr = slow_client($s->port,
		    "GET /api/v2/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
		    . "Authorization: Token $tok\r\n", 'X-Slow: ' . ('s' x 28) . "\r\n\r\n");
		my @bdy = slow_client($s->port,
		    $post . 'Content-Length: ' . length($body) . "\r\n\r\n", $body);
		my $busy = sub {
			waitpid($hdr[0], WNOHANG) == 0 || waitpid($bdy[0], WNOHANG) == 0
		};
		sleep 0.3;	# both are connected and dribbling
		my ($n, $worst, @bad) = keep_asking($s, $tok, $busy, 20);
		cmp_ok($worst, '<', $FAST,
		    sprintf('while slow clients dribble, %d requests each answered within %.1f s (slowest %.2f s)',
		    $n, $FAST, $worst));
		cmp_ok($n, '>=', 10, 'requests were made while they dribbled');
		is_deeply(\@bad, [], 'every one of them was 200');
		# The children have exited (that ended the loop): reap them.
		like(collect(@hdr), qr{ 200$}, 'the slow-header request is answered 200');
		like(collect(@bdy), qr{ 201$}, 'the slow-body POST creates its user: 201');
		is(user_count($t, 'slowpoke'), 1, 'the user exists once');

		# Dropped halfway through the body, several times over: nothing
		# is created and no worker stays busy or dies.
		my $half = '{"name":"halfway","status":"active"}';
		for my $i (1 .. 5) {
			my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
			    PeerPort => $s->port, Proto => 'tcp', Timeout => 5)
			    or die "connect: $!";
			syswrite($sock, $post . 'Content-Length: ' . length($half)
			    . "\r\n\r\n" . substr($half, 0, length($half) / 2));
			sleep 0.2;	# the server has the head and half the body
			close $sock;
		}
		my $t0 = time;
		my @after = map { $s->request('GET', '/api/v2/me',
		    headers => { Authorization => "Token $tok" }, timeout => 10)->{status} } 1 .. 5;
		my $took = time - $t0;
		is_deeply(\@after, [ (200) x 5 ], 'after the drops, requests are 200');
		cmp_ok($took, '<', 5 * $FAST, sprintf('and fast (5 in %.2f s)', $took));
		is(user_count($t, 'halfway'), 0, 'no user was created from a cut body');
		is_deeply([ $s->worker_pids ], \@workers, 'the same usersd workers')
		    if @workers;
		$s->stop;
	};
}

done_testing();
