# t0245-signin-limits.t -- the sign-in limits an attacker tries to get
# around: an IPv6 /64 (or /48) is one address, an IPv4-mapped IPv6
# address is its IPv4 address, signin_failures stays bounded under a flood
# of new names and addresses, and a name's block never stops its owner on
# a device that signed in before (the device cookie), while the attacker
# guesses no faster.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
given('setup');

# A sign-in from addr with this environment and device cookie.  A name's
# first block lasts ten minutes here, not two seconds: longer than any
# subtest, however slow the machine.
sub signin_from {
	my ($user, $pw, $addr, %o) = @_;
	return call(basic($user, $pw), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => $addr, USERSD_SIGNIN_LOCKOUT => 600,
		USERSD_SIGNIN_LOCKOUT_MAX => 3600, %{ $o{env} // {} } },
	    defined $o{device} ? (headers => { Cookie => "usersd-device=$o{device}" }) : ());
}

sub failures { one("SELECT failures FROM signin_failures WHERE kind = " . lit($_[0])
    . " AND key = " . lit($_[1])) }

subtest 'an IPv6 /64 is one address' => sub {
	my %env = (USERSD_SIGNIN_MAX_FAILURES_PER_ADDR => 3);
	for my $i (1 .. 3) {
		is(signin_from("six$i", 'wrong-pass-1', "2001:db8:1:2::$i", env => \%env)->{status},
		    401, "failure $i from another address of the /64");
	}
	is(failures('addr', '2001:db8:1:2::/64'), 3, 'counted on 2001:db8:1:2::/64');
	is(signin_from('six9', 'wrong-pass-1', '2001:db8:1:2:ffff:ffff:ffff:ffff', env => \%env)->{status},
	    429, 'a fourth address of the /64 is blocked');
	is(signin_from('six9', 'wrong-pass-1', '2001:db8:1:3::1', env => \%env)->{status},
	    401, 'the next /64 is not');
};

subtest 'an IPv4-mapped IPv6 address is its IPv4 address' => sub {
	my %env = (USERSD_SIGNIN_MAX_FAILURES_PER_ADDR => 3);
	is(signin_from('four1', 'wrong-pass-1', '192.0.2.10', env => \%env)->{status}, 401, 'IPv4');
	is(signin_from('four2', 'wrong-pass-1', '::ffff:192.0.2.10', env => \%env)->{status}, 401,
	    'mapped');
	is(signin_from('four3', 'wrong-pass-1', '::FFFF:c000:20a', env => \%env)->{status}, 401,
	    'mapped, written otherwise');
	is(failures('addr', '192.0.2.10'), 3, 'one count for the three');
	is(signin_from('four4', 'wrong-pass-1', '192.0.2.10', env => \%env)->{status}, 429,
	    'the IPv4 address is blocked');
	is(one("SELECT count(*) FROM signin_failures WHERE key LIKE '%ffff%'"), 0,
	    'no key of its own for the mapped form');
};

subtest 'an IPv6 /48 has a limit of its own' => sub {
	my %env = (USERSD_SIGNIN_MAX_FAILURES_PER_NET => 4);
	for my $i (1 .. 4) {
		is(signin_from("net$i", 'wrong-pass-1', "2001:db8:5:$i\::1", env => \%env)->{status},
		    401, "failure $i from the /64 number $i of the /48");
	}
	is(failures('net', '2001:db8:5::/48'), 4, 'counted on 2001:db8:5::/48');
	is(signin_from('net9', 'wrong-pass-1', '2001:db8:5:ff::1', env => \%env)->{status}, 429,
	    'a fifth /64 of the /48 is blocked');
	is(signin_from('net9', 'wrong-pass-1', '2001:db8:6::1', env => \%env)->{status}, 401,
	    'the next /48 is not');
	is(signin_from('net8', 'wrong-pass-1', '192.0.2.99', env => \%env)->{status}, 401,
	    'IPv4 has no /48');
};

# Every failure of a new name from a new address adds two rows; rows that
# say nothing any more (no failure for a day, not blocked) are swept by
# later attempts, four per attempt, so a flood leaves the last day's rows.
subtest 'signin_failures stays bounded under a flood of new names and addresses' => sub {
	$t->psql('DELETE FROM signin_failures');
	my ($n, $m) = (100, 50);
	for my $i (1 .. $n) {
		signin_from("flood$i", 'wrong-pass-1', '10.1.' . int($i / 250) . '.' . ($i % 250 + 1));
	}
	my $after = one('SELECT count(*) FROM signin_failures');
	is($after, 2 * $n, "$n failures of new names from new addresses: two rows each");
	# A day later: the same flood again, half as long.
	$t->psql("UPDATE signin_failures SET last_failure_at = now() - interval '2 days', "
	    . "window_started_at = now() - interval '2 days', blocked_until = NULL");
	$t->psql("INSERT INTO signin_failures (kind, key, failures, last_failure_at, blocked_until) "
	    . "VALUES ('user', 'still-blocked', 9, now() - interval '2 days', now() + interval '1 hour')");
	for my $i (1 .. $m) {
		signin_from("again$i", 'wrong-pass-1', '10.2.0.' . $i);
	}
	my $old = one("SELECT count(*) FROM signin_failures WHERE last_failure_at < now() - interval '1 day'");
	my $total = one('SELECT count(*) FROM signin_failures');
	note("rows: $after after $n failures; $total after $m more a day later, $old of them old");
	is($old, 1, 'every old row is gone but the one still blocked');
	is($total, 2 * $m + 1, 'what is left: the new failures\' rows');
	is(one("SELECT failures FROM signin_failures WHERE key = 'still-blocked'"), 9,
	    'a blocked row is kept');
	$t->psql('DELETE FROM signin_failures');
};

# The device cookie: the owner signs in once, then an attacker blocks the
# name from other addresses.
my $olga = given(user => 'olga', password => 'olgapass12');
my ($dev, $dev2);

subtest 'a successful sign-in sets a device cookie, stored as a hash' => sub {
	my $r = signin_from('olga', 'olgapass12', '198.51.100.1');
	is($r->{status}, 204, 'signed in') or diag($r->{body});
	$dev = device_value($r);
	ok(defined $dev && length($dev) >= 43, 'a device cookie');
	my ($set) = grep { /^usersd-device=/ } TestLib::header_all($r, 'set-cookie');
	like($set // '', qr/; Path=\/api\/v2\/signin; Max-Age=31536000; HttpOnly; SameSite=Strict$/,
	    'sent to sign-in only, for a year, HttpOnly, SameSite=Strict');
	ok(defined cookie_value($r), 'and the session cookie');
	is(one("SELECT user_id FROM signin_devices WHERE id_hash = " . lit(sha256_hex($dev // ''))),
	    $olga, 'a row for olga, under the SHA-256 of the value');
	is(one("SELECT count(*) FROM signin_devices WHERE id_hash = " . lit($dev // '')), 0,
	    'never the value itself');
};

my %attacks;	# answers the attacker got: status -> count
my $tries = 0;
# One try of the attacker's, each from another address.
sub attack {
	my ($pw, %o) = @_;
	my $r = signin_from('olga', $pw, '203.0.113.' . ++$tries, %o);
	$attacks{ $r->{status} }++;
	return $r;
}

subtest 'an attacker from other addresses blocks the name for himself, as before' => sub {
	for my $i (1 .. 5) {
		is(attack("guess-$i-pass")->{status}, 401, "guess $i: 401");
	}
	is(attack('olgapass12')->{status}, 429, 'then even the right password: 429');
	is(attack('guess-7-pass', device => 'A' x 86)->{status}, 429, 'a made-up device cookie: 429');
	is(signin_from('olga', 'olgapass12', '198.51.100.1')->{status}, 429,
	    'the owner without her device cookie: 429');
};

subtest 'the owner on her device signs in through the block, from anywhere' => sub {
	my $r = signin_from('olga', 'olgapass12', '192.0.2.200', device => $dev);
	is($r->{status}, 204, 'with her device cookie: 204') or diag($r->{body});
	$dev2 = device_value($r);
	ok(defined $dev2 && $dev2 ne $dev, 'a new device cookie replaces the old one');
	is(one("SELECT count(*) FROM signin_devices WHERE id_hash = " . lit(sha256_hex($dev))), 0,
	    'the old one is gone');
	is(attack('olgapass12')->{status}, 429, 'her sign-in lifts no block for the attacker');
	is(attack('olgapass12', device => $dev)->{status}, 429, 'the replaced cookie is worthless');
	is(failures('user', 'olga'), 5, 'the name\'s count is untouched');
};

subtest 'the attacker guesses no faster: of 20 more tries, none is checked' => sub {
	my %before = %attacks;
	attack("more-$_-pass") for 1 .. 20;
	is(($attacks{401} // 0) - ($before{401} // 0), 0, 'no 401: no password was checked');
	is(($attacks{429} // 0) - ($before{429} // 0), 20, '20 answered 429');
	is($attacks{401}, 5, 'of all his tries, exactly signin_max_failures were checked');
	note("attacker: $tries tries, answered " . join(', ', map { "$_: $attacks{$_}" } sort keys %attacks));
};

subtest 'another name does not accept olga\'s device' => sub {
	given(user => 'pete', password => 'petepass12');
	$t->psql("UPDATE signin_failures SET failures = 5, blocked_until = now() + interval '1 hour' "
	    . "WHERE kind = 'user' AND key = 'olga'");
	$t->psql("INSERT INTO signin_failures (kind, key, failures, blocked_until) "
	    . "VALUES ('user', 'pete', 5, now() + interval '1 hour')");
	is(signin_from('pete', 'petepass12', '198.51.100.1', device => $dev2)->{status}, 429,
	    'pete stays blocked with olga\'s device cookie');
};

subtest 'a device has a failure budget of its own' => sub {
	for my $i (1 .. 5) {
		is(signin_from('olga', "typo-$i-pass", '192.0.2.200', device => $dev2)->{status}, 401,
		    "wrong password $i on the device: 401");
	}
	is(failures('user', 'olga'), 5, 'counted on the device, not on the name');
	is(signin_from('olga', 'olgapass12', '192.0.2.200', device => $dev2)->{status}, 429,
	    'its budget spent, the device is held by the name\'s block');
};

subtest 'a password change ends every device' => sub {
	$t->psql("DELETE FROM signin_failures WHERE key = 'olga'");
	my $r = signin_from('olga', 'olgapass12', '198.51.100.1');
	is($r->{status}, 204, 'signed in') or diag($r->{body});
	my $d = device_value($r);
	is(call($OP, 'POST', "/api/v2/users/$olga/password", { password => 'olgapass34' })->{status},
	    204, 'password changed');
	$t->psql("INSERT INTO signin_failures (kind, key, failures, blocked_until) "
	    . "VALUES ('user', 'olga', 5, now() + interval '1 hour') ON CONFLICT (kind, key) "
	    . "DO UPDATE SET failures = 5, blocked_until = now() + interval '1 hour'");
	is(signin_from('olga', 'olgapass34', '198.51.100.1', device => $d)->{status}, 429,
	    'the device of the old password no longer passes the block');
	$t->psql("DELETE FROM signin_failures WHERE key = 'olga'");
};

subtest 'a user keeps at most ten devices' => sub {
	signin_from('olga', 'olgapass34', "198.51.100.$_") for 1 .. 12;
	is(one("SELECT count(*) FROM signin_devices WHERE user_id = '$olga'"), 10, 'ten rows');
};

done_testing();
