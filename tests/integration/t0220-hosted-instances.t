# t0220-hosted-instances.t -- hosted instances (a schema each in a hosting
# database) behind nginx and a usersd master, as a provider runs them.
#
# The host name picks the instance (NAME.$TestLib::Server::INSTANCE_DOMAIN).
# Instances are created and dropped with usersctl while usersd runs: a new
# one serves at once (no restart, no reload), a dropped one answers a JSON
# 503 on every worker that had served it, and one made again under the same
# name starts empty: the old operator token is refused.  Whatever the
# number of instances, usersd holds at most one hosting connection per
# process and hosting database.  A second hosting database (hosting.pg2)
# serves the instances created there.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA ();
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(time);
use TestLib;

TestLib::Server->runnable('nginx') or exit;
my $DOMAIN = $TestLib::Server::INSTANCE_DOMAIN;
my $t = TestLib->new;
my $HOSTDB = "t_hosted_$$";
my $ROLE = $ENV{USERSD_TEST_HOSTING_ROLE} // 'usersd_test_hosting';
$t->_admin_sql(qq{CREATE DATABASE "$HOSTDB"}) or die 'cannot create the hosting database';
$t->_admin_sql(qq{CREATE DATABASE "${HOSTDB}_2"}) or die 'cannot create the second hosting database';
my $CI = "host=$t->{pghost} port=$t->{pgport} dbname=$HOSTDB";
my $CI2 = "host=$t->{pghost} port=$t->{pgport} dbname=${HOSTDB}_2";
my @NAMES = map { "h$$-$_" } 1 .. 6;
my $ON2 = "h$$-pg2";

# usersctl as postgres on the hosting databases: (exit status, output).
my $CTLCONF = tempdir('t0220-XXXXXX', TMPDIR => 1, CLEANUP => 1) . '/usersctl.conf';
open my $cf, '>', $CTLCONF or die $!;
print $cf "hosting = $CI user=postgres\nhosting.pg2 = $CI2 user=postgres\nhosting_role = $ROLE\n";
close $cf;
sub ctl { return TestLib::_run($TestLib::CTL, '-c', $CTLCONF, @_) }
# psql as postgres on the (first) hosting database: (exit status, output).
sub hostsql { return TestLib::_run('psql', '-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-d', "$CI user=postgres", '-c', $_[0]) }

for my $n (@NAMES[0 .. 4]) {
	# Onboarded over HTTP below, as a provider who opens it does.
	my ($rc, $out) = ctl('instance', 'create', $n, '--open-setup');
	is($rc, 0, "usersctl instance create $n") or diag($out);
}

my ($rc2, $out2) = ctl('instance', 'create', $ON2, '--server', 'pg2', '--open-setup');
is($rc2, 0, "usersctl instance create $ON2 --server pg2") or diag($out2);
my $s = TestLib::Server->start_ok(kind => 'nginx', t => $t, workers => 2,
    config => "hosting = $CI user=$ROLE\nhosting.pg2 = $CI2 user=$ROLE\n") or exit 1;

sub req {
	my ($inst, $method, $path, %o) = @_;
	return $s->request($method, $path, %o, host => "$inst.$DOMAIN");
}
sub setup_via {
	my ($inst) = @_;
	my $r = req($inst, 'POST', '/api/v2/setup',
	    headers => { 'Content-Type' => 'application/json' },
	    body => TestLib->json_encode({ username => "admin-$inst", password => 'adminpass1',
		org => 'o', bucket => 'b' }));
	is($r->{status}, 201, "$inst: setup is 201") or diag($r->{raw} // $r->{body});
	return $r->{json} && $r->{json}{auth} ? $r->{json}{auth}{token} : '';
}
sub me {
	my ($inst, $token) = @_;
	return req($inst, 'GET', '/api/v2/me', headers => { Authorization => "Token $token" });
}

my %op = map { $_ => setup_via($_) } @NAMES[0 .. 4], $ON2;

subtest 'an instance of the second hosting database' => sub {
	my ($list) = grep { /^\Q$ON2\E\t/ } split /\n/, (ctl('instance', 'list'))[1];
	is($list, "$ON2\tpg2", 'usersctl instance list names its database');
	for (1 .. 4) {
		my $r = me($ON2, $op{$ON2});
		is($r->{status}, 200, 'its token works');
		is($r->{json}{name}, "admin-$ON2", 'its operator');
		is(me($NAMES[0], $op{$ON2})->{status}, 401, 'refused by an instance of the first');
	}
	my @rows = $t->psql(qq{SELECT count(*) FROM pg_stat_activity
	    WHERE datname = '${HOSTDB}_2' AND application_name = 'usersd'});
	ok($rows[0][0] >= 1, 'usersd connects to the second database');
	my ($rc, $out) = ctl('instance', 'create', $ON2);
	isnt($rc, 0, 'the same name cannot go to the first database too');
	like($out, qr/hosted in pg2/, '... it says where it is');
};

subtest 'each instance serves its own users, on every worker' => sub {
	for my $round (1 .. 4) {
		for my $n (@NAMES[0 .. 4]) {
			my $r = me($n, $op{$n});
			is($r->{status}, 200, "$n: its token (round $round)");
			is($r->{json}{name}, "admin-$n", "$n: its operator");
		}
	}
};

subtest 'a token of one hosted instance is refused by every other' => sub {
	for my $from (@NAMES[0 .. 4]) {
		for my $to (grep { $_ ne $from } @NAMES[0 .. 4]) {
			my $r = me($to, $op{$from});
			is($r->{status}, 401, "${from}'s token on $to");
		}
	}
};

subtest 'one hosting connection per usersd process, whatever the instances' => sub {
	my ($n) = $t->psql(qq{SELECT count(*) FROM pg_stat_activity
	    WHERE datname = '$HOSTDB' AND application_name = 'usersd'});
	my $procs = () = $s->worker_pids;
	ok($n->[0] >= 1, "usersd holds $n->[0] hosting connection(s)");
	ok($n->[0] <= $procs, "... no more than its $procs processes");
};

subtest "an instance's admin role reaches its instance only" => sub {
	my ($a, $b) = @NAMES[0, 3];
	my $who = "adm$$";
	ok($t->_admin_sql(qq{CREATE ROLE "$who" LOGIN IN ROLE "${a}_admin"}), "$who is ${a}_admin");
	my $as = sub {
		return TestLib::_run('psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d',
		    "host=$t->{pghost} port=$t->{pgport} dbname=$HOSTDB user=$who options='-c search_path=\"$a\"'",
		    '-c', $_[0]);
	};
	my ($rc, $out) = $as->('SELECT name FROM admin_users');
	is($rc, 0, 'the admin views of its instance') or diag($out);
	like($out, qr/^admin-\Q$a\E$/m, '... list its operator');
	for my $tbl (qw(users authorizations sessions audit_log admin_users)) {
		($rc, $out) = $as->(qq{SELECT count(*) FROM "$b".$tbl});
		isnt($rc, 0, "$b.$tbl is out of reach");
		like($out, qr/permission denied/, '... permission denied') or diag($out);
	}
	($rc, $out) = $as->(qq{DELETE FROM "$b".users});
	like($out, qr/permission denied/, "no DELETE in $b");
	$t->_admin_sql(qq{DROP OWNED BY "$who"; DROP ROLE "$who"});
};

subtest "/metrics: a hosted instance has its own series, and no tenant sees another's" => sub {
	my $r = req($NAMES[0], 'GET', '/metrics', headers => { Authorization => "Token $op{ $NAMES[0] }" });
	is($r->{status}, 200, "$NAMES[0]'s operator may read /metrics") or diag($r->{raw});
	like($r->{body}, qr/^usersd_instance_requests_total\{usersd_instance="\Q$NAMES[0]\E"\} \d+$/m,
	    '... its own series (a busiest hosted instance)');
	my @others = grep { $_ ne $NAMES[0] } $r->{body} =~ /usersd_instance="([^"]*)"/g;
	is_deeply(\@others, [], '... and no other instance\'s, nor (other)');
	unlike($r->{body}, qr/^http_api_requests_total/m, '... nor the host-wide ones');
	my ($rc, $out) = TestLib::_run('curl', '-s', "http://127.0.0.1:@{[ $s->port ]}/metrics",
	    '-H', 'Host: localhost');
	like($out, qr/unauthorized/, 'without a token the default instance refuses it');
};

# A worker keeps the last token's parsed permissions by token id and row
# version (xmin), which are unique only within an instance: two rows of
# one id written by one transaction in two instances share both.
subtest "a token's kept permissions never serve another instance's token" => sub {
	my ($a, $b) = @NAMES[0, 3];
	my %tok = (a => "kept-perms-a-$$", b => "kept-perms-b-$$");
	my %hash = map { $_ => Digest::SHA::sha256_hex($tok{$_}) } keys %tok;
	my ($rc, $out) = hostsql(qq{BEGIN;
	    INSERT INTO "$a".authorizations (id, token_hash, org_id, user_id, permissions)
	    SELECT 'ffffffffffff0001', '$hash{a}', o.id, u.id, ARRAY['read:users', 'write:users']
	      FROM "$a".orgs o, "$a".users u LIMIT 1;
	    INSERT INTO "$b".authorizations (id, token_hash, org_id, user_id, permissions)
	    SELECT 'ffffffffffff0001', '$hash{b}', o.id, u.id, ARRAY['read:orgs']
	      FROM "$b".orgs o, "$b".users u LIMIT 1;
	    COMMIT});
	is($rc, 0, 'two tokens, one transaction') or diag($out);
	($rc, $out) = hostsql(qq{SELECT (SELECT xmin FROM "$a".authorizations WHERE id = 'ffffffffffff0001')::text
	    = (SELECT xmin FROM "$b".authorizations WHERE id = 'ffffffffffff0001')::text});
	is($out, "t\n", 'one id and one row version in both instances');
	my @got;
	for my $i (1 .. 12) {
		for my $k (qw(a b)) {
			push @got, req($k eq 'a' ? $a : $b, 'POST', '/api/v2/users',
			    headers => { Authorization => "Token $tok{$k}", 'Content-Type' => 'application/json' },
			    body => qq{{"name":"kept-$k-$i"}})->{status};
		}
	}
	is_deeply(\@got, [ (201, 401) x 12 ], "${a}'s token (write:users) creates users; ${b}'s (read:orgs) never does")
	    or diag("@got");
};

subtest 'an instance created while usersd runs serves at once' => sub {
	my $t0 = time;
	my ($rc, $out) = ctl('instance', 'create', $NAMES[5], '--open-setup');
	my $took = time - $t0;
	is($rc, 0, "usersctl instance create $NAMES[5]") or diag($out);
	cmp_ok($took, '<', 5, sprintf('created in %.2f s', $took));
	$op{ $NAMES[5] } = setup_via($NAMES[5]);
	is(me($NAMES[5], $op{ $NAMES[5] })->{status}, 200, 'its operator token works');
	my ($list) = ctl('instance', 'list');
	is($list, 0, 'usersctl instance list');
};

subtest 'a dropped instance is gone from every worker; made again, it starts empty' => sub {
	my $n = $NAMES[1];
	my ($rc, $out) = ctl('instance', 'drop', $n);
	is($rc, 0, "usersctl instance drop $n") or diag($out);
	is_deeply([ $t->psql(qq{SELECT count(*) FROM pg_roles WHERE rolname LIKE '$n\\_%'}) ], [[0]],
	    'its roles are gone');
	for (1 .. 6) {
		my $r = me($n, $op{$n});
		is($r->{status}, 503, 'a request to it is 503');
		is($r->{json}{code}, 'unavailable', '... JSON unavailable') or diag($r->{raw});
	}
	is(me($NAMES[0], $op{ $NAMES[0] })->{status}, 200, 'the others still serve');
	($rc, $out) = ctl('instance', 'create', $n, '--open-setup');
	is($rc, 0, "usersctl instance create $n again") or diag($out);
	for (1 .. 6) {
		is(me($n, $op{$n})->{status}, 401, 'the old operator token is refused');
	}
	my $r = req($n, 'GET', '/api/v2/setup');
	is($r->{json}{allowed} ? 1 : 0, 1, 'the new instance awaits its setup');
};

subtest 'dropped and made again between two requests: never a 500' => sub {
	my $n = $NAMES[2];
	is(me($n, $op{$n})->{status}, 200, 'served before') for 1 .. 4;
	is((ctl('instance', 'drop', $n))[0], 0, 'dropped');
	is((ctl('instance', 'create', $n))[0], 0, 'made again');
	my @st = map { me($n, $op{$n})->{status} } 1 .. 8;
	ok(!grep({ $_ != 401 && $_ != 503 } @st), "401 or 503 only (@st)");
	is_deeply([ @st[4 .. 7] ], [ 401, 401, 401, 401 ], 'then the old token is refused');
};

subtest 'unknown and malformed instance names' => sub {
	for my $n ("nope$$", 'Upper', 'pg_catalog', 'public', 'x' x 45) {
		my $r = req($n, 'GET', '/api/v2/setup');
		is($r->{status}, 503, "$n: 503");
		is($r->{json}{code}, 'unavailable', "$n: JSON unavailable");
	}
	like($s->log('usersd.log'), qr/unknown instance "nope$$"/, 'logged');
};

diag($s->log("usersd.log")) if $ENV{T0220_LOG};
$s->stop;
ctl('instance', 'drop', $_) for @NAMES, $ON2;
$t->_admin_sql(qq{DROP DATABASE IF EXISTS "$_" WITH (FORCE)}) for $HOSTDB, "${HOSTDB}_2";
done_testing();
