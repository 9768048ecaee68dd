# t0275-hash-shares.t -- each instance's share of the host's hash slots
# (hash_share; issue 26).  The test plays the other tenants by holding the
# lock files itself: a slot (usersd-hash-N.lock) is another tenant's hash
# running; a share file (usersd-share-NAME.J.lock) of this instance is one
# of its own checks running.  A 429 "too many password checks" must go only
# to an instance past its own share; one under its share waits for a slot.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Fcntl ();
use File::Temp qw(tempdir);
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t, env => { USERSD_HASH_CONCURRENCY => 32 });
given('setup');
given(user => 'bea', password => 'beapass123');
my $INST = $ENV{USERSD_INSTANCE} // '';

# A fresh slot directory for each case, and locks held in it.
sub slots {
	my $d = tempdir(CLEANUP => 1);
	chmod 0777, $d;
	return $d;
}
sub hold {
	my ($dir, $file) = @_;
	open(my $fh, '>', "$dir/$file") or die "$file: $!";
	flock($fh, Fcntl::LOCK_EX() | Fcntl::LOCK_NB()) or die "flock $file: $!";
	return $fh;
}
sub share_file { "usersd-share-$INST.$_[0].lock" }
# Shares are between hosted tenants: a usersd with hosting set (on a
# database instance too, USERSD_HOSTING names one it never needs here).
my %HOSTING = (USERSD_HOSTING => $ENV{USERSD_HOSTING} || 'host=/nonexistent-t0275');
sub signin {
	my (%env) = @_;
	return call(basic('bea', 'beapass123'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '192.0.2.31', %HOSTING, %env });
}

subtest 'past its own share an instance gets 429 though slots are free' => sub {
	my $d = slots();
	my $mine = hold($d, share_file(0));
	my $r = signin(USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 2);
	is($r->{status}, 429, 'its one check of two slots is running: 429');
	like($r->{json}{message} // '', qr/password checks at once/, 'for want of a share');
	is($r->{headers}{'retry-after'}, '1', 'Retry-After: 1');
	close $mine;
	is(signin(USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 2)->{status}, 204,
	    'with its check done, it signs in');
};

subtest 'under its share, it waits for another tenant\'s hash, not a 429' => sub {
	my $d = slots();
	# Another tenant's hash on the only slot, done in 1.5 s.
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		my $fh = hold($d, 'usersd-hash-0.lock');
		sleep 1.5;
		POSIX::_exit(0);
	}
	sleep 0.3;
	my $t0 = time;
	my $r = signin(USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 1);
	my $waited = time - $t0;
	waitpid($pid, 0);
	is($r->{status}, 204, 'signed in') or diag $r->{body};
	cmp_ok($waited, '>=', 0.9, 'after the other hash was done');
	cmp_ok($waited, '<', 8, 'and no longer');
};

subtest 'another tenant on one slot of two: ours goes straight in' => sub {
	my $d = slots();
	my $other = hold($d, 'usersd-hash-0.lock');
	my $t0 = time;
	is(signin(USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 2)->{status}, 204,
	    'signed in');
	cmp_ok(time - $t0, '<', 1, 'without waiting for the held slot');
};

subtest 'hash_share sets the share; the default is half, rounded up' => sub {
	my $d = slots();
	my @mine = map { hold($d, share_file($_)) } 0, 1;
	is(signin(USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 4,
	    USERSD_HASH_SHARE => 2)->{status}, 429, 'share 2 of 4, both held: 429');
	is(signin(USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 4,
	    USERSD_HASH_SHARE => 3)->{status}, 204, 'share 3 of 4, two held: 204');
	is(signin(USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 3)->{status}, 429,
	    'default share of 3 slots is 2: both held, 429');
	close $mine[1];
	is(signin(USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 3)->{status}, 204,
	    'one held: 204');
	is(signin(USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 2,
	    USERSD_HASH_SHARE => 9)->{status}, 204, 'a share above the slots is all of them');
};

subtest 'without hosting, one instance takes every slot by default' => sub {
	plan skip_all => 'a database instance alone' if $ENV{USERSD_TEST_HOSTED};
	my $d = slots();
	my $mine = hold($d, share_file(0));
	is(signin(USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 2, USERSD_HOSTING => '')->{status},
	    204, 'one of its checks running, two slots: 204');
};

subtest 'every password check takes the share, not only sign-in' => sub {
	my $cookie = given(session => 'bea', password => 'beapass123');
	my $d = slots();
	my $mine = hold($d, share_file(0));
	my $r = call("cookie:$cookie", 'PUT', '/api/v2/me/password',
	    { password => 'beapass456' }, headers => { Authorization => basic('bea',
	    'beapass123') }, env => { USERSD_RUN_DIR => $d, USERSD_HASH_CONCURRENCY => 2, %HOSTING });
	is($r->{status}, 429, 'a password change past the share: 429');
	is(call(basic('bea', 'beapass123'), 'POST', '/api/v2/signin')->{status}, 204,
	    'and the password is unchanged');
};

done_testing;
