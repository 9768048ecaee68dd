# t0201-signin-transactions.t -- what a sign-in costs PostgreSQL (issue 28):
# a right password is two transactions, the attempt counted with the
# credential read before the hash and the outcome recorded with the new
# session and device after it; a wrong one is the attempt and the
# failure's budget; a blocked one is the attempt alone.  Read from the
# debug log, which names each statement as it runs (db.c db_run).  The
# statements a long-lived worker runs once (the hosted instance's lookup)
# are not a sign-in's.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
given('setup');
my $bob = given(user => 'bob', password => 'bobpass12');

my %ONCE_PER_WORKER = map { $_ => 1 } qw(HOSTED_LOOKUP);

# The statements one request ran, in order.
sub statements {
	my ($r) = @_;
	return [ grep { !$ONCE_PER_WORKER{$_} }
	    $r->{stderr} =~ /\bstatement (\w+)/g ];
}

sub signin {
	my ($name, $pw, %env) = @_;
	return call(basic($name, $pw), 'POST', '/api/v2/signin', undef,
	    env => { USERSD_LOG_LEVEL => 'debug', %env });
}

my $r = signin('bob', 'bobpass12');
is($r->{status}, 204, 'bob signs in') or diag($r->{body});
is_deeply(statements($r), [qw(SIGNIN_BEGIN SIGNIN_FINISH)],
    'a right password: two statements, so two transactions');
my $device = device_value($r);
ok($device, 'and a device cookie');

$r = call(basic('bob', 'bobpass12'), 'POST', '/api/v2/signin', undef,
    headers => { Cookie => "usersd-device=$device" },
    env => { USERSD_LOG_LEVEL => 'debug' });
is($r->{status}, 204, 'bob signs in on his device');
is_deeply(statements($r), [qw(SIGNIN_BEGIN SIGNIN_FINISH)],
    'on a device too: the device replaced in the second transaction');
my $next = device_value($r);
ok($next && $next ne $device, 'a new device cookie replaces the presented one');
is(one("SELECT count(*) FROM signin_devices d JOIN users u ON u.id = d.user_id"
    . " WHERE u.name = 'bob'"), 1, 'and the presented device is gone from the table');

$r = signin('bob', 'wrongpass1');
is($r->{status}, 401, 'a wrong password is refused');
is_deeply(statements($r), [qw(SIGNIN_BEGIN SIGNIN_BUDGET)],
    'a wrong password: the attempt and the failure budget');

$r = signin('bob', 'bobpass12');
is($r->{status}, 204, 'the right password after a wrong one');
is(one("SELECT failures FROM signin_failures WHERE kind = 'user' AND key = 'bob'"),
    0, "and the name's count starts again (the second transaction cleared it)");

$r = signin('bob', 'wrongpass1', USERSD_SIGNIN_MAX_FAILURES => 1);
is($r->{status}, 401, 'one failure under a limit of one');
$r = signin('bob', 'bobpass12', USERSD_SIGNIN_MAX_FAILURES => 1);
is($r->{status}, 429, 'then the name is blocked');
is_deeply(statements($r), [qw(SIGNIN_BEGIN)], 'a blocked attempt: one statement, no hash');

# An inactive user's right password: refused before the second
# transaction (the statement itself refuses too, for a user made inactive
# between the two: t0270 races that through a real worker).
$t->psql("DELETE FROM signin_failures");
$t->psql("UPDATE users SET status = 'inactive' WHERE name = 'bob'");
my $sessions = one("SELECT count(*) FROM sessions");
$r = signin('bob', 'bobpass12');
is($r->{status}, 401, 'an inactive user gets no session');
is_deeply(statements($r), [qw(SIGNIN_BEGIN SIGNIN_BUDGET)],
    'the attempt and the failure budget, as a wrong password');
is(one("SELECT count(*) FROM sessions"), $sessions, 'and no session row was written');

done_testing;
