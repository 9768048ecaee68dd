# t0230-hosted-upgrade.t -- an upgrade of a hosting database while usersd
# serves it: a hundred hosted instances made at the previous migration
# (instance create --to), then the next one applied with usersctl migrate
# --all while a client reads from every instance through nginx.  No
# request fails, no instance is left behind, each instance is one
# transaction (an interrupted run resumes), and a second run has nothing
# to do.  The time it takes is printed; make bench records it at 1,000
# instances (bench/hosted.sh).
#
# USERSD_TEST_UPGRADE_INSTANCES: how many (default 100: the file was the
# pool's longest at 200, two minutes of CI; bench/hosted.sh runs 1,000).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA ();
use File::Temp qw(tempdir);
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

TestLib::Server->runnable('nginx') or exit;
my $N = $ENV{USERSD_TEST_UPGRADE_INSTANCES} // 100;
my $DOMAIN = $TestLib::Server::INSTANCE_DOMAIN;
my $t = TestLib->new;
my $HOSTDB = "t_upgrade_$$";
my $ROLE = $ENV{USERSD_TEST_HOSTING_ROLE} // 'usersd_test_hosting';
$t->_admin_sql(qq{CREATE DATABASE "$HOSTDB"}) or die 'cannot create the hosting database';
my $CI = "host=$t->{pghost} port=$t->{pgport} dbname=$HOSTDB";
my @NAMES = map { sprintf 'u%d-%03d', $$, $_ } 1 .. $N;
# The last migration and the one before it (the numbers may have gaps).
my ($LATEST, $PREVIOUS) = sort { $b <=> $a } map { /(\d{4})-[^\/]*\.sql$/ ? $1 + 0 : () }
    glob("$FindBin::Bin/../../sql/migrations/*.sql");

my $CTLCONF = tempdir('t0230-XXXXXX', TMPDIR => 1, CLEANUP => 1) . '/usersctl.conf';
open my $cf, '>', $CTLCONF or die $!;
print $cf "db = $t->{admin_conninfo}\nhosting = $CI user=postgres\nhosting_role = $ROLE\n";
close $cf;
sub ctl { return TestLib::_run($TestLib::CTL, '-c', $CTLCONF, @_) }
sub hostsql {
	my ($rc, $out) = TestLib::_run('psql', '-X', '-qAt', '-v', 'ON_ERROR_STOP=1',
	    '-d', "$CI user=postgres", '-c', $_[0]);
	die "psql: $out" if $rc;
	return $out;
}
# How many instances are at each version: "version count" lines.
sub versions {
	my $sql = join ' UNION ALL ', map {
	    qq{SELECT max(version) v FROM "$_".usersd_schema} } @NAMES;
	return hostsql("SELECT v, count(*) FROM ($sql) x GROUP BY v ORDER BY v");
}

my %token;
my $t0 = time;
for my $n (@NAMES) {
	my ($rc, $out) = ctl('instance', 'create', $n, '--to', $PREVIOUS);
	$rc == 0 or BAIL_OUT("usersctl instance create $n --to $PREVIOUS: $out");
	# Its operator, through the previous migration's own function (this
	# usersctl's setup reads what the next one adds).
	$token{$n} = Digest::SHA::sha256_hex("t0230 $$ $n");
	hostsql(sprintf q{SELECT 1 FROM "%s".usersd_setup('admin', NULL, 'o', 'b', 0,
	    '%s', 'read:users read:orgs read:authorizations', 'op', 'usersctl')},
	    $n, Digest::SHA::sha256_hex($token{$n}));
}
note(sprintf '%d instances made at migration %d in %.1f s', $N, $PREVIOUS, time - $t0);
is(versions(), "$PREVIOUS|$N\n", "all $N instances are at migration $PREVIOUS");

my $s = TestLib::Server->start_ok(kind => 'nginx', t => $t, workers => 2,
    config => "hosting = $CI user=$ROLE\n") or exit 1;

# The client: GET /me and the token list of every instance in turn until
# told to stop (bounded: 180 s at most); "status count" lines to a file.
my $tally = "$s->{dir}/tally";
sub client {
	my %seen;
	my $until = time + 180;
	my $stop = 0;
	local $SIG{TERM} = sub { $stop = 1 };
	my $i = 0;
	while (!$stop && time < $until) {
		my $n = $NAMES[$i++ % @NAMES];
		for my $path ('/api/v2/me', '/api/v2/authorizations') {
			my $r = $s->request('GET', $path, host => "$n.$DOMAIN",
			    headers => { Authorization => "Token $token{$n}" });
			# Our own TERM cuts the request in flight: not an answer.
			last if $stop;
			$seen{ $r->{status} // 'none' }++;
		}
	}
	open my $fh, '>', $tally or die $!;
	print $fh "$_ $seen{$_}\n" for sort keys %seen;
	close $fh;
	POSIX::_exit(0);
}
sub start_client { my $pid = fork // die "fork: $!"; client() if $pid == 0; return $pid }
sub stop_client {
	my ($pid) = @_;
	kill 'TERM', $pid;
	waitpid($pid, 0);
	open my $fh, '<', $tally or return {};
	my %seen = map { split ' ' } <$fh>;
	return \%seen;
}

subtest 'an interrupted migrate --all resumes where it stopped' => sub {
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		exec($TestLib::CTL, '-c', $CTLCONF, 'migrate', '--all') or POSIX::_exit(127);
	}
	# Stop it once some instances are done, and before all are.
	my $deadline = time + 60;
	sleep(0.05) until versions() =~ /^$LATEST\|/m || time > $deadline;
	kill 'KILL', $pid;
	waitpid($pid, 0);
	my $v = versions();
	note("after the interruption: $v");
	like($v, qr/^$LATEST\|\d+$/m, 'some instances were migrated before the kill');
	unlike($v, qr/^(?!$LATEST\||$PREVIOUS\|)/m, 'each is at one version or the other (one transaction each)');
};

subtest "migrate --all to $LATEST while every instance serves" => sub {
	my $client = start_client();
	sleep(1);
	my $t1 = time;
	my ($rc, $out) = ctl('migrate', '--all');
	my $took = time - $t1;
	sleep(1);
	my $seen = stop_client($client);
	is($rc, 0, 'usersctl migrate --all') or diag($out);
	note(sprintf 'migrate --all of the rest of %d instances under load: %.1f s', $N, $took);
	is(versions(), "$LATEST|$N\n", "all $N instances are at migration $LATEST");
	my $total = 0;
	$total += $_ for values %$seen;
	cmp_ok($total, '>', 50, "the client made requests meanwhile ($total)");
	is_deeply([ grep { $_ ne '200' } sort keys %$seen ], [], 'every one answered 200')
	    or diag(explain($seen));
	($rc, $out) = ctl('migrate', '--all');
	is($rc, 0, 'a second migrate --all');
	is(scalar(() = $out =~ /^u\d+-\d+: 0 migration\(s\) applied$/mg), $N,
	    '... has nothing to do on any instance') or diag($out);
};

$s->stop;
for my $n (@NAMES) { ctl('instance', 'drop', $n) }
$t->_admin_sql(qq{DROP DATABASE "$HOSTDB" WITH (FORCE)});
done_testing();
