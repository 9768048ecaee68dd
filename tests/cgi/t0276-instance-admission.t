# t0276-instance-admission.t -- each instance's share of a pool's workers
# (instance_share; issue 26).  The test plays the requests in progress by
# holding the lock files itself (usersd-admit-NAME.J.lock in run_dir):
# an instance that has its whole share in progress is refused at once,
# with no database work, and the others are not.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Fcntl ();
use File::Temp qw(tempdir);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
given('setup');
my $INST = $ENV{USERSD_INSTANCE} // '';
my $d = tempdir(CLEANUP => 1);
chmod 0777, $d;

sub hold {
	my ($file) = @_;
	open(my $fh, '>', "$d/$file") or die "$file: $!";
	flock($fh, Fcntl::LOCK_EX() | Fcntl::LOCK_NB()) or die "flock $file: $!";
	return $fh;
}
sub me { call($OP, 'GET', '/api/v2/me', undef, env => { USERSD_RUN_DIR => $d, @_ }) }

subtest 'an instance with its whole share in progress gets 429 at once' => sub {
	my $busy = hold("usersd-admit-$INST.0.lock");
	my $r = me(USERSD_INSTANCE_SHARE => 1);
	is_error($r, 429, 'too many requests',
	    'too many requests for this instance at once, try again shortly');
	is($r->{headers}{'retry-after'}, '1', 'Retry-After: 1');
	is(me(USERSD_INSTANCE_SHARE => 2)->{status}, 200, 'with a share of 2, one held: served');
	close $busy;
	is(me(USERSD_INSTANCE_SHARE => 1)->{status}, 200, 'with it done: served');
};

subtest 'another instance\'s requests in progress take nothing of ours' => sub {
	my @other = map { hold("usersd-admit-other$_.0.lock") } 1 .. 3;
	is(me(USERSD_INSTANCE_SHARE => 1)->{status}, 200,
	    'served, beside three other instances at their share');
};

subtest 'without a master and without instance_share, no cap' => sub {
	my $busy = hold("usersd-admit-$INST.0.lock");
	is(me()->{status}, 200, 'a CGI process is not capped by default');
};

done_testing;
