# t0241-tenant-limit-nginx.t -- deploy/nginx.conf holds one instance's
# flood itself (issue 26), so it never queues in front of the other
# tenants' requests at usersd's socket.  Its rate per instance holds a
# flood to that rate whatever the connections; past its requests in
# flight per instance nginx answers usersd's own JSON 429 without a hop to
# usersd.  usersd's own cap is turned off here (instance_share = the
# pool), so every 429 A gets is nginx's.  A floods GET /api/v2/me with a
# bad token under four spellings of its host (a spelling with a key of its
# own would get a rate of its own, and the sum would show it); B reads
# meanwhile and is never refused.  Bounded: a 4 s flood, loopback only.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP ();
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

my $DOMAIN = $TestLib::Server::INSTANCE_DOMAIN;
my $FLOOD_S = 4;
my $PER_SPELLING = 2;	# clients per spelling
# deploy/nginx.conf: 100 requests a second per instance, a burst of 200.
my $RATE = 100;
my $BURST = 200;
my $USERSD_429 = '{"code":"too many requests","message":"too many requests '
    . 'for this instance at once, try again shortly"}';

TestLib::Server->runnable('nginx') or exit;
my %t = (a => TestLib->new, b => TestLib->new);
my $s = TestLib::Server->start_ok(kind => 'nginx', t => $t{a}, workers => 4,
    instances => { a => $t{a}->conninfo, b => $t{b}->conninfo },
    config => "instance_share = 4\nmetrics = on\n") or exit 1;
my $port = $s->port;
my @spellings = ("a.$DOMAIN", uc("a.$DOMAIN"), "a.$DOMAIN:$port", "a.$DOMAIN.");

sub req {
	my ($host, $method, $path, %o) = @_;
	return $s->request($method, $path, %o, host => $host, timeout => 30);
}

my %tok;
for my $i (qw(a b)) {
	my $r = req("$i.$DOMAIN", 'POST', '/api/v2/setup',
	    headers => { 'Content-Type' => 'application/json' },
	    body => TestLib->json_encode({ username => 'admin',
		password => 'adminpass1', org => "o$i", bucket => 'b' }));
	is($r->{status}, 201, "$i: setup") or diag($r->{body});
	$tok{$i} = $r->{json}{auth}{token};
}
for my $h (@spellings) {
	is(req($h, 'GET', '/api/v2/me', headers => { Authorization => 'Token not-a-token' })->{status},
	    401, "A, quiet, as $h: a bad token is 401 (no refusal without a flood)");
}

# The flood: each client writes its statuses to a file.
my $dir = tempdir(CLEANUP => 1);
my $until = time + $FLOOD_S;
my @pids;
for my $k (0 .. $#spellings) {
	for my $c (1 .. $PER_SPELLING) {
		my $pid = fork // die "fork: $!";
		if ($pid == 0) {
			my %n;
			while (time < $until) {
				my $r = req($spellings[$k], 'GET', '/api/v2/me',
				    headers => { Authorization => 'Token not-a-token' });
				$n{ $r->{status} }++;
			}
			open(my $fh, '>', "$dir/$k.$c") or POSIX::_exit(1);
			print $fh TestLib->json_encode({ n => \%n });
			close $fh;
			POSIX::_exit(0);
		}
		push @pids, $pid;
	}
}
sleep 0.5;
my ($slowest, @b) = (0);
while (time < $until - 0.5) {
	my $t0 = time;
	my $r = req("b.$DOMAIN", 'GET', '/api/v2/me',
	    headers => { Authorization => "Token $tok{b}" });
	$slowest = time - $t0 if time - $t0 > $slowest;
	push @b, $r->{status};
}
waitpid($_, 0) for @pids;

my %a;
for my $k (0 .. $#spellings) {
	my %per;
	for my $c (1 .. $PER_SPELLING) {
		open(my $fh, '<', "$dir/$k.$c") or next;
		my $got = JSON::PP::decode_json(do { local $/; <$fh> });
		$per{$_} += $got->{n}{$_} for keys %{ $got->{n} };
	}
	$a{$_} += $per{$_} for keys %per;
	ok(($per{401} // 0) > 0, "A as $spellings[$k]: answered") or diag explain \%per;
}
my $total = 0;
$total += $_ for values %a;
# Unlimited, 8 clients make about 3,000 requests in 4 s here.
cmp_ok($total, '<=', $RATE * $FLOOD_S + $BURST + 50,
    "A's flood, whatever the spelling of its host, gets the rate of one instance");
note(sprintf('B: %d reads, the slowest %.0f ms; A: %s', scalar @b, $slowest * 1000,
    join(', ', map { "$_ x $a{$_}" } sort keys %a)));
cmp_ok(scalar @b, '>=', 5, 'B read during the flood');
is_deeply([ grep { $_ != 200 } @b ], [], "every one of B's reads: 200");
ok(($a{401} // 0) > 0, 'A still had requests answered (401) within its share');
is($a{503} // 0, 0, 'A got no 503');

# Past its requests in flight: two of A's requests wait for their bodies
# (nginx counts them from their headers on), and the third is refused.
# First A's burst drains (200 at 100 a second), so no request waits for it.
sleep 2.5;
my @held = map {
	my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
	    Proto => 'tcp', Timeout => 5) or die "connect: $!";
	print $c "POST /api/v2/signout HTTP/1.1\r\nHost: a.$DOMAIN\r\n"
	    . "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
	$c;
} 1 .. 2;
sleep 0.5;
my $r = req("A.$DOMAIN:$port", 'GET', '/api/v2/me', headers => { Authorization => 'Token not-a-token' });
is($r->{status}, 429, "A's third request in flight: 429 at once");
is(($r->{body} // '') =~ s/\n\z//r, $USERSD_429, "... usersd's own JSON body");
# (deploy/errors/ files end in a newline, as nginx serves them verbatim)
like($r->{headers}{'content-type'} // '', qr{^application/json; charset=utf-8$}, '... as JSON');
is($r->{headers}{'x-platform-error-code'}, 'too many requests', '... with its error code');
is($r->{headers}{'retry-after'}, '1', '... and Retry-After: 1');
is(req("b.$DOMAIN", 'GET', '/api/v2/me', headers => { Authorization => "Token $tok{b}" })->{status},
    200, 'B meanwhile: 200');
close $_ for @held;

# usersd never saw the refused requests: its own count of A's 429s is 0.
# (metrics = on: the provider's view, every instance's series, no token)
my $m = $s->request('GET', '/metrics');
my ($ours) = $m->{body} =~ /^usersd_instance_refused_total\{usersd_instance="a",status="429"\} (\d+)$/m;
is($ours // 0, 0, 'usersd refused none of them: nginx did, without the hop')
    or diag($m->{status});

done_testing;
