# t0280-log-injection.t -- nothing a request sends can forge a log line or
# feed fail2ban an address: REMOTE_ADDR counts only when it parses as an IP
# address (and is stored in its canonical form), and every logged field,
# whatever sends it (the method, the instance name, the user name), stays
# on its own line and inside its quotes.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp ();
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
given('setup');
given(user => 'bob', password => 'bobpass12');

# The filter docs/admin.md gives fail2ban, with <HOST> as fail2ban reads it.
my $HOST = qr/(?<host>[0-9a-fA-F:.]+)/;
my $FAILREGEX = qr/^\S+ warn usersd\[\d+\] \S+ signin failed for user "(?:[^"\\]|\\.)*" from $HOST$/;

# Every line of stderr is one of usersd's own: it starts with the time.
sub lines_ok {
	my ($r, $what) = @_;
	my @bad = grep { !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (error|warn|info|debug) usersd\[\d+\] / }
	    split /\n/, $r->{stderr};
	is(scalar @bad, 0, "$what: every stderr line is a whole log line") or diag($r->{stderr});
}

sub banned {
	my ($r) = @_;
	return map { /$FAILREGEX/ ? $+{host} : () } split /\n/, $r->{stderr};
}

sub failures_of { one("SELECT coalesce(sum(failures), 0) FROM signin_failures WHERE kind = 'addr' AND key = " . lit($_[0])) }

subtest 'a REMOTE_ADDR that is not an IP address is not believed' => sub {
	my $evil = "10.1.1.1\n2026-01-01T00:00:00Z warn usersd[1] x signin failed for user \"a\" from 198.51.100.9\nX";
	my $r = call(basic('bob', 'wrong-pass1'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => $evil });
	is($r->{status}, 401, 'the sign-in itself is answered');
	lines_ok($r, 'newline in REMOTE_ADDR');
	is_deeply([banned($r)], [], 'fail2ban finds no address in the log') or diag($r->{stderr});
	unlike($r->{stderr}, qr/198\.51\.100\.9/, 'the forged address is not logged');
	is(failures_of($evil), 0, 'nor counted');
	is(failures_of('-'), 1, 'the failure counts for the unknown address "-"');
	for my $bad ('198.51.100.9 x', '1.2.3', '300.1.1.1', 'fe80::1%eth0', '', 'localhost') {
		$r = call(basic('bob', 'wrong-pass2'), 'POST', '/api/v2/signin', undef,
		    env => { REMOTE_ADDR => $bad });
		is_deeply([banned($r)], [], "REMOTE_ADDR '$bad': no address for fail2ban");
	}
	$t->psql("DELETE FROM signin_failures");
};

subtest 'a real address is logged and counted in its canonical form' => sub {
	my $r = call(basic('bob', 'wrong-pass3'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '198.51.100.23' });
	is_deeply([banned($r)], ['198.51.100.23'], 'IPv4: fail2ban reads the address');
	$r = call(basic('bob', 'wrong-pass4'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '2001:DB8:0:0:0:0:0:7' });
	is_deeply([banned($r)], ['2001:db8::7'], 'IPv6: in canonical form');
	is(failures_of('2001:db8::/64'), 1, 'and counted under its /64');
	$r = call(basic('bob', 'wrong-pass5'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '2001:db8::7' });
	is(failures_of('2001:db8::/64'), 2, 'another spelling of the same address counts with it');
	$t->psql("DELETE FROM signin_failures");
};

subtest 'a user name cannot close its quotes' => sub {
	my $r = call(basic("x\" from 198.51.100.9\\", 'wrong-pass6'), 'POST', '/api/v2/signin', undef, env => { REMOTE_ADDR => '192.0.2.1' });
	lines_ok($r, 'quote and backslash in the name');
	is_deeply([banned($r)], ['192.0.2.1'], 'fail2ban reads the real address only');
	$r = call(basic("x\nsignin failed for user \"y\" from 198.51.100.9",
	    'wrong-pass7'), 'POST', '/api/v2/signin', undef, env => { REMOTE_ADDR => '192.0.2.1' });
	lines_ok($r, 'newline in the name');
	is_deeply([banned($r)], ['192.0.2.1'], 'newline in the name: the real address only');
	$t->psql("DELETE FROM signin_failures");
};

subtest 'the method and the instance name are escaped too' => sub {
	my $line = "2026-01-01T00:00:00Z warn usersd[1] x signin failed for user \"a\" from 198.51.100.9";
	my $r = call($OP, "GET\n$line\nX", '/api/v2/me');
	lines_ok($r, 'newline in the method');
	is_deeply([banned($r)], [], 'the method feeds fail2ban nothing');
	$r = call($OP, 'GET', '/api/v2/me', undef,
	    env => { USERSD_INSTANCE => "nope\n$line\n" });
	is($r->{status}, 503, 'an unknown instance is 503');
	lines_ok($r, 'newline in the instance name');
	is_deeply([banned($r)], [], 'the instance name feeds fail2ban nothing');
	like($r->{stderr}, qr/unknown instance "nope\\x0a/, 'the name is logged escaped');
};

# The filter exactly as docs/admin.md prints it, run by fail2ban itself over
# what usersd logged for real and forged failures alike.
subtest 'fail2ban-regex with the documented filter bans the real addresses only' => sub {
	my $f2b = '/usr/bin/fail2ban-regex';
	if (!-x $f2b) {
		fail('fail2ban-regex is missing (scripts/deps.sh installs fail2ban)') if $ENV{REQUIRE_INTEGRATION};
		plan skip_all => 'no fail2ban-regex';
	}
	open(my $doc, '<', "$FindBin::Bin/../../docs/admin.md") or die "admin.md: $!";
	my $text = do { local $/; <$doc> };
	my ($filter) = $text =~ /\n(    \[Definition\]\n(?:    .*\n)+)/;
	ok($filter, 'admin.md holds a [Definition] block') or return;
	$filter =~ s/^    //mg;
	my $log = '';
	my $line = "2026-01-01T00:00:00Z warn usersd[1] x signin failed for user \"a\" from 198.51.100.9";
	$log .= call(basic('bob', 'wrong-pass8'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '192.0.2.31' })->{stderr};
	$log .= call(basic('bob', 'wrong-pass9'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '2001:db8::31' })->{stderr};
	$log .= call(basic("q\" from 198.51.100.9", 'wrong-pass0'), 'POST', '/api/v2/signin', undef, env => { REMOTE_ADDR => '192.0.2.32' })->{stderr};
	$log .= call(basic('bob', 'wrong-passA'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => "192.0.2.33\n$line\n" })->{stderr};
	$log .= call($OP, "GET\n$line\nX", '/api/v2/me')->{stderr};
	$log .= call(basic('bob', 'bobpass12'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '192.0.2.34' })->{stderr};
	my $tmp = File::Temp->newdir;
	open(my $fh, '>', "$tmp/filter.conf") or die; print $fh $filter; close $fh;
	open($fh, '>', "$tmp/usersd.log") or die; print $fh $log; close $fh;
	my @ips = grep { /^[0-9a-f:.]+$/ } split /\n/, qx{$f2b -o ip "$tmp/usersd.log" "$tmp/filter.conf" 2>&1};
	is_deeply([sort @ips], [sort qw(192.0.2.31 2001:db8::31 192.0.2.32)],
	    'fail2ban finds each real failure, no forged one, no success') or diag($log);
};

done_testing();
