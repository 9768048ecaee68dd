# t0245-instance-budget.t -- the instance's sign-in failure budget (issue
# 26): an attacker with ever new names from ever new addresses passes the
# per-name and per-address limits, but every failure of the instance counts
# in one budget; past it an unknown name gets its 401 without the dummy
# hash, and known users still sign in.  Hashes are made slow here (argon2
# 64 MiB, 8 passes) so that a skipped hash shows in the time.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use List::Util qw(min max);
use Test::More;
use Time::HiRes qw(time);
use TestLib;
use ApiTest;

my $t = TestLib->new;
my %SLOW = (USERSD_ARGON2_MEMORY => 65536, USERSD_ARGON2_ITERATIONS => 8,
    USERSD_SIGNIN_MAX_FAILURES_PER_INSTANCE => 5);
ApiTest::bind($t, env => \%SLOW);
given('setup');
given(user => 'kim', password => 'kimpass123');

# A sign-in from address $addr: (status, seconds).
sub try {
	my ($name, $pw, $addr) = @_;
	my $t0 = time;
	my $r = call(basic($name, $pw), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => $addr });
	return ($r->{status}, time - $t0);
}

my @addrs = map { ("198.51.100.$_", "2001:db8:$_\::1") } 1 .. 6;

subtest 'past the budget, unknown names from new addresses cost no hash' => sub {
	my (@below, @past);
	for my $i (0 .. 4) {
		my ($st, $s) = try("nobody$i", 'guess12345', $addrs[$i]);
		is($st, 401, "unknown name $i from $addrs[$i]: 401");
		push @below, $s;
	}
	for my $i (5 .. 8) {
		my ($st, $s) = try("nobody$i", 'guess12345', $addrs[$i]);
		is($st, 401, "unknown name $i from $addrs[$i]: still 401");
		push @past, $s;
	}
	note(sprintf('below the budget %.0f-%.0f ms, past it %.0f-%.0f ms',
	    1000 * min(@below), 1000 * max(@below), 1000 * min(@past), 1000 * max(@past)));
	cmp_ok(max(@past), '<', min(@below) / 2, 'each one faster than any hashed one, by far');
	is(one('SELECT failures FROM signin_budget'), 9, 'nine failures in the budget, one row');
};

subtest 'known users still have their passwords checked and sign in' => sub {
	my ($st) = try('kim', 'kimpass123', $addrs[9]);
	is($st, 204, 'the right password: 204');
	($st) = try('kim', 'wrong-pass-1', $addrs[10]);
	is($st, 401, 'a wrong one: 401');
	($st) = try('kim', 'kimpass123', $addrs[11]);
	is($st, 204, 'and the right one again: 204');
};

subtest 'the service role cannot reset the budget by hand' => sub {
	my ($rc) = $t->psql_as($t->service_role, 'UPDATE signin_budget SET failures = 0');
	isnt($rc, 0, 'no write on the table');
	($rc) = $t->psql_as($t->service_role, 'SELECT usersd_signin_budget_spend(1000000, 1)');
	is($rc, 0, 'only through the function, which only counts');
};

done_testing;
