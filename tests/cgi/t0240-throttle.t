# t0240-throttle.t -- repeated failed sign-ins: counters per user name and
# (with a separate, higher limit in a window) per client address in
# signin_failures, 429 + Retry-After without running argon2, doubling
# delays, the reset on success, and the failure log line.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(sleep);
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

given('setup');

# signin_from(user, pw, addr, env): a sign-in from one client address.
sub signin_from {
	my ($user, $pw, $addr, %env) = @_;
	return call(basic($user, $pw), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => $addr, %env });
}

sub row {
	my ($kind, $key) = @_;
	my ($r) = $t->psql("SELECT failures, blocked_until IS NOT NULL AND blocked_until > now(), "
	    . "coalesce(ceil(extract(epoch FROM blocked_until - now()))::int, 0) "
	    . "FROM signin_failures WHERE kind = '$kind' AND key = '$key'");
	return $r;
}

sub is_429 {
	my ($r) = @_;
	is($r->{status}, 429, 'status 429') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is($r->{headers}{'x-platform-error-code'}, 'too many requests', 'X-Platform-Error-Code');
	is($r->{json}{code}, 'too many requests', 'code') or diag($r->{body});
	ok(length($r->{json}{message} // ''), 'a message');
	like($r->{headers}{'retry-after'} // '', qr/^[1-9][0-9]*$/, 'Retry-After: integer seconds >= 1');
	is(scalar(TestLib::header_all($r, 'set-cookie')), 0, 'no Set-Cookie');
}

given(user => 'bob', password => 'bobpass12');

subtest 'after 5 failures (the default) the right password gets 429 with Retry-After' => sub {
	given(user => 'amy', password => 'amypass123');
	for my $i (1 .. 5) {
		my $r = signin_from('amy', "wrong$i-pass", '10.0.0.1');
		is($r->{status}, 401, "failure $i: 401") or diag($r->{body});
	}
	my $r = signin_from('amy', 'amypass123', '10.0.0.1');
	is_429($r);
	cmp_ok($r->{headers}{'retry-after'} // 0, '<=', 2, 'Retry-After within the first delay (2 s)');
	my ($n) = $t->psql("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'amy'");
	is($n->[0], 0, 'no session was created');
	# Keep the block on for the next subtests, however slow this machine is.
	$t->psql("UPDATE signin_failures SET blocked_until = now() + interval '1 minute' WHERE kind = 'user'");
	# No argon2 on a blocked attempt, shown without timing: with a
	# run_dir it cannot use, every hash logs "hash slot"; a blocked
	# attempt logs nothing of the kind.
	my %probe = (USERSD_RUN_DIR => '/nonexistent/usersd-probe');
	my $b = signin_from('amy', 'amypass123', '10.0.0.1', %probe);
	is($b->{status}, 429, 'still blocked');
	unlike($b->{stderr}, qr/hash slot/, 'a blocked attempt runs no hash');
	my $c = signin_from('bob', 'wrong-pass-1', '10.9.9.9', %probe);
	is($c->{status}, 401, 'control: an unblocked failure');
	like($c->{stderr}, qr/hash slot/, 'control: a failure does run a hash');
	$t->psql("DELETE FROM signin_failures WHERE key IN ('bob', '10.9.9.9')");
};

subtest 'the counters live in signin_failures, per user name and per address' => sub {
	my $u = row('user', 'amy');
	my $a = row('addr', '10.0.0.1');
	ok($u, 'a user row for amy');
	is($u->[0], 5, 'five failures for amy');
	is($u->[1], 't', 'amy is blocked');
	ok($a, 'an addr row for 10.0.0.1');
	is($a->[0], 5, 'five failures from 10.0.0.1');
	is($a->[1], 'f', '10.0.0.1 is not blocked: its limit is far higher (100)');
};

subtest 'a blocked attempt does not count as another failure' => sub {
	my $before = row('user', 'amy')->[0];
	signin_from('amy', 'wrong-again', '10.0.0.1');
	is(row('user', 'amy')->[0], $before, 'failures unchanged');
};

subtest 'a blocked user name is blocked from any address' => sub {
	is_429(signin_from('amy', 'amypass123', '10.0.0.99'));
};

subtest 'one user\'s failures do not lock others out of the address' => sub {
	my $r = signin_from('bob', 'bobpass12', '10.0.0.1');
	is($r->{status}, 204, 'bob signs in from the address amy is blocked at')
	    or diag($r->{body});
	is(row('addr', '10.0.0.1')->[0], 5,
	    'bob\'s success neither adds to nor clears the address count');
	$t->psql("DELETE FROM sessions");
};

subtest '8 failures for alice and 20 over 20 unknown names leave bob free' => sub {
	given(user => 'alice', password => 'alicepass1');
	my $addr = '198.51.100.50';
	# A block that outlasts the 20 requests below on a slow machine.
	my %env = (USERSD_SIGNIN_LOCKOUT => 300);
	my $n401 = 0;
	for my $i (1 .. 8) {
		$n401++ if signin_from('alice', "wrong$i-pass", $addr, %env)->{status} == 401;
	}
	is($n401, 5, 'alice: five failures verified, then 429');
	for my $i (1 .. 20) {
		my $r = signin_from("nobody$i", 'whatever12', $addr, %env);
		is($r->{status}, 401, "unknown name nobody$i: 401") or diag($r->{body});
	}
	is(row('addr', $addr)->[0], 25, 'the address counted every verified failure');
	is_429(signin_from('alice', 'alicepass1', $addr, %env));
	my $r = signin_from('bob', 'bobpass12', $addr, %env);
	is($r->{status}, 204, 'bob signs in from the same address') or diag($r->{body});
	is(row('addr', $addr)->[0], 25, 'a success leaves the address count');
	$t->psql("DELETE FROM sessions");
};

subtest 'past signin_max_failures_per_addr an address is blocked for every name' => sub {
	my %env = (USERSD_SIGNIN_MAX_FAILURES_PER_ADDR => 3);
	my $addr = '198.51.100.60';
	for my $i (1 .. 3) {
		my $r = signin_from("ghost$i", 'whatever12', $addr, %env);
		is($r->{status}, 401, "unknown name ghost$i: 401");
	}
	is(row('user', 'ghost1')->[0], 1, 'each name failed once');
	is(row('addr', $addr)->[0], 3, 'the address failed three times');
	is(row('addr', $addr)->[1], 't', 'the address is blocked');
	is_429(signin_from('bob', 'bobpass12', $addr, %env));
	is(signin_from('bob', 'bobpass12', '198.51.100.61', %env)->{status}, 204,
	    'bob from another address: 204');
	$t->psql("DELETE FROM sessions");
};

subtest 'an address block lasts until its window ends (signin_addr_window)' => sub {
	# A window long enough for three sign-ins on a loaded machine (a
	# 2 s one ended before the third when files ran at once).
	my %env = (USERSD_SIGNIN_MAX_FAILURES_PER_ADDR => 2,
	    USERSD_SIGNIN_ADDR_WINDOW => 30);
	my $addr = '198.51.100.70';
	signin_from("wghost$_", 'whatever12', $addr, %env) for 1 .. 2;
	my $r = signin_from('bob', 'bobpass12', $addr, %env);
	is_429($r);
	cmp_ok($r->{headers}{'retry-after'} // 99, '<=', 30, 'Retry-After within the window');
	# Move the window back rather than sleep through it.
	$t->psql("UPDATE signin_failures SET window_started_at = window_started_at - interval '31 seconds', "
	    . "blocked_until = blocked_until - interval '31 seconds' WHERE kind = 'addr' AND key = '$addr'");
	$r = signin_from('bob', 'bobpass12', $addr, %env);
	is($r->{status}, 204, 'after the window: 204') or diag($r->{body});
	is(signin_from('wghost9', 'whatever12', $addr, %env)->{status}, 401,
	    'a new window counts from one: the next failure is verified');
	is(row('addr', $addr)->[0], 1, 'one failure in the new window');
	$t->psql("DELETE FROM sessions");
};

subtest 'once blocked_until has passed, the right password signs in and clears the name' => sub {
	$t->psql("UPDATE signin_failures SET blocked_until = now() - interval '1 second'");
	my $r = signin_from('amy', 'amypass123', '10.0.0.1');
	is($r->{status}, 204, 'signin 204') or diag($r->{body});
	ok(defined cookie_value($r), 'a session cookie');
	is(row('user', 'amy')->[0], 0, 'amy\'s count is back to zero');
};

subtest 'unknown user names are throttled like real ones' => sub {
	my %env = (USERSD_SIGNIN_MAX_FAILURES => 2);
	is(signin_from('nosuch', 'whatever12', '10.0.2.1', %env)->{status}, 401, 'first 401');
	is(signin_from('nosuch', 'whatever12', '10.0.2.2', %env)->{status}, 401, 'second 401');
	is_429(signin_from('nosuch', 'whatever12', '10.0.2.3', %env));
};

subtest 'the delay doubles with each further failure, up to USERSD_SIGNIN_LOCKOUT_MAX' => sub {
	given(user => 'cid', password => 'cidpass123');
	my %env = (USERSD_SIGNIN_MAX_FAILURES => 2, USERSD_SIGNIN_LOCKOUT => 10,
	    USERSD_SIGNIN_LOCKOUT_MAX => 30);
	my $addr = 0;
	# Retry-After counts down from the failure that blocked: a loaded
	# machine's slow requests take their time off it (waited()).
	my $t0 = Time::HiRes::time();
	my $waited = sub { int(Time::HiRes::time() - $t0) + 1 };
	signin_from('cid', 'wrong1pass', '10.0.3.' . ++$addr, %env) for 1 .. 2;
	my $r = signin_from('cid', 'cidpass123', '10.0.3.' . ++$addr, %env);
	is($r->{status}, 429, 'blocked after 2');
	my $ra1 = $r->{headers}{'retry-after'} // 0;
	ok($ra1 >= 10 - $waited->() && $ra1 <= 10, 'first delay 10 s') or diag("Retry-After $ra1");
	# Let the block pass, fail once more: the delay doubles.
	$t->psql("UPDATE signin_failures SET blocked_until = now() - interval '1 second' "
	    . "WHERE kind = 'user' AND key = 'cid'");
	$t0 = Time::HiRes::time();
	is(signin_from('cid', 'wrong2pass', '10.0.3.' . ++$addr, %env)->{status}, 401, 'a third failure');
	$r = signin_from('cid', 'cidpass123', '10.0.3.' . ++$addr, %env);
	is($r->{status}, 429, 'blocked again');
	my $ra2 = $r->{headers}{'retry-after'} // 0;
	ok($ra2 >= 20 - $waited->() && $ra2 <= 20, 'second delay 20 s') or diag("Retry-After $ra2");
	$t->psql("UPDATE signin_failures SET blocked_until = now() - interval '1 second' "
	    . "WHERE kind = 'user' AND key = 'cid'");
	$t0 = Time::HiRes::time();
	is(signin_from('cid', 'wrong3pass', '10.0.3.' . ++$addr, %env)->{status}, 401, 'a fourth failure');
	$r = signin_from('cid', 'cidpass123', '10.0.3.' . ++$addr, %env);
	my $ra3 = $r->{headers}{'retry-after'} // 0;
	ok($ra3 >= 30 - $waited->() && $ra3 <= 30, 'third delay capped at 30 s (not 40)')
	    or diag("Retry-After $ra3");
	my $u = row('user', 'cid');
	cmp_ok($u->[2], '<=', 30, 'blocked_until at most 30 s ahead');
};

# 5 s: a loaded machine's sanitizer build takes seconds for one sign-in,
# and the block must still hold when the next one asks.
subtest 'with a 5 s lockout, waiting it out lets the right password in' => sub {
	given(user => 'dee', password => 'deepass123');
	my %env = (USERSD_SIGNIN_MAX_FAILURES => 2, USERSD_SIGNIN_LOCKOUT => 5);
	signin_from('dee', 'wrong1pass', '10.0.4.1', %env) for 1 .. 2;
	is(signin_from('dee', 'deepass123', '10.0.4.2', %env)->{status}, 429, 'blocked');
	Time::HiRes::sleep(5.2);
	my $r = signin_from('dee', 'deepass123', '10.0.4.3', %env);
	is($r->{status}, 204, 'after 5.2 s: 204') or diag($r->{body});
	is(row('user', 'dee')->[0], 0, 'dee\'s count is back to zero');
};

subtest 'a success below the threshold clears the name\'s counter' => sub {
	given(user => 'eve', password => 'evepass123');
	signin_from('eve', 'wrong1pass', '10.0.5.1') for 1 .. 3;
	is(row('user', 'eve')->[0], 3, 'three failures counted');
	is(signin_from('eve', 'evepass123', '10.0.5.1')->{status}, 204, 'success');
	is(row('user', 'eve')->[0], 0, 'eve\'s count is back to zero');
	signin_from('eve', 'wrong1pass', '10.0.5.1') for 1 .. 4;
	is(signin_from('eve', 'evepass123', '10.0.5.9')->{status}, 204, 'four new failures do not block');
};

subtest 'each failure logs the address and user name but never the password' => sub {
	my $r = signin_from('bob', 'Pa55wordLeak', '203.0.113.9');
	is($r->{status}, 401, 'status 401');
	like($r->{stderr}, qr/203\.0\.113\.9/, 'address on stderr');
	like($r->{stderr}, qr/bob/, 'user name on stderr');
	unlike($r->{stderr}, qr/Pa55wordLeak/, 'no password on stderr');
	my $b64 = encode_base64('bob:Pa55wordLeak', '');
	unlike($r->{stderr}, qr/\Q$b64\E/, 'no Authorization header on stderr');
	$r = signin_from('no"body', 'Pa55wordLeak2', '203.0.113.10');
	like($r->{stderr}, qr/203\.0\.113\.10/, 'unknown user: address on stderr');
	unlike($r->{stderr}, qr/Pa55wordLeak2/, 'unknown user: no password on stderr');
	like($r->{stderr}, qr/no.{0,4}body/, 'unknown user: the name, possibly escaped');
};

subtest 'a user name with a newline cannot forge a log line' => sub {
	my $r = signin_from("evil\nsignin ok for user \"admin\"", 'whatever12', '203.0.113.11');
	is($r->{status}, 401, 'status 401');
	my @lines = grep { /signin/ } split /\n/, $r->{stderr};
	ok(!grep({ /^signin ok/ } @lines), 'no line starts with the injected text')
	    or diag($r->{stderr});
};

done_testing();
