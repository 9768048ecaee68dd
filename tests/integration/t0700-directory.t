# t0700-directory.t -- directory sign-in as a provider runs it: two hosted
# instances behind nginx and a usersd master, each with its own slapd
# (tests/lib/Slapd.pm) over TLS verified against a throwaway CA: one with
# StartTLS, one with ldaps://.  The same name in both directories is two
# different people; a wrong CA is 503; and a directory that stops or
# freezes (SIGSTOP) under a bounded sign-in load answers 503 within
# ldap_timeout, while local users and the other instance's directory users
# still sign in.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Test::More;
use Time::HiRes qw(time);
use TestLib;
use Slapd;

TestLib::Server->runnable('nginx') or exit;
if (my $why = Slapd::missing()) { TestLib::cannot_run($why) }
my $DOMAIN = $TestLib::Server::INSTANCE_DOMAIN;
my $TIMEOUT = 2;	# ldap_timeout, seconds
my $t = TestLib->new;
my $HOSTDB = "t_dir_$$";
my $ROLE = $ENV{USERSD_TEST_HOSTING_ROLE} // 'usersd_test_hosting';
$t->_admin_sql(qq{CREATE DATABASE "$HOSTDB"}) or die 'cannot create the hosting database';
my $CI = "host=$t->{pghost} port=$t->{pgport} dbname=$HOSTDB";
my ($A, $B) = ("d$$-a", "d$$-b");

my $CTLCONF = tempdir('t0700-XXXXXX', TMPDIR => 1, CLEANUP => 1) . '/usersctl.conf';
sub ctl { return TestLib::_run($TestLib::CTL, '-c', $CTLCONF, @_) }

sub person {
	my ($sfx, $uid, $pw) = @_;
	return "dn: uid=$uid,ou=people,$sfx\nobjectClass: inetOrgPerson\nuid: $uid\n"
	    . "cn: $uid\nsn: $uid\nuserPassword: $pw\n\n";
}
my ($S1, $S2) = ('dc=one,dc=test', 'dc=two,dc=test');
my $d1 = Slapd->start(suffix => $S1, tls => 1,
    ldif => person($S1, 'alice', 'onepass12') . person($S1, 'carl', 'carlpass1'));
my $d2 = Slapd->start(suffix => $S2, tls => 1,
    ldif => person($S2, 'alice', 'twopass12') . person($S2, 'bea', 'beapass12'));
# The provider lists the directory servers its tenants may use.
my $SERVERS = "ldap_servers = " . $d1->uri . ' ' . $d2->ldaps_uri . "\n";
open my $cf, '>', $CTLCONF or die $!;
print $cf "hosting = $CI user=postgres\nhosting_role = $ROLE\nldap_timeout = $TIMEOUT\n$SERVERS";
close $cf;

for my $n ($A, $B) {
	my ($rc, $out) = ctl('instance', 'create', $n, '--open-setup');
	is($rc, 0, "usersctl instance create $n") or diag($out);
}
sub ldap_set {
	my ($inst, $k, $v) = @_;
	my ($rc, $out);
	if ($k eq 'bind_password') {
		($rc, $out) = TestLib::_run_input("$v\n", $TestLib::CTL, '-c', $CTLCONF,
		    '-i', $inst, 'ldap', 'set', $k);
	} else {
		($rc, $out) = ctl('-i', $inst, 'ldap', 'set', $k, $v);
	}
	is($rc, 0, "$inst: ldap set $k") or diag($out);
}
# A: StartTLS on ldap://; B: ldaps://.  Both verify against the CA file.
for my $c ([ $A, $d1, $S1, $d1->uri ], [ $B, $d2, $S2, $d2->ldaps_uri ]) {
	my ($inst, $d, $sfx, $uri) = @$c;
	ldap_set($inst, uris => $uri);
	ldap_set($inst, ca_file => $d->ca_file);
	ldap_set($inst, bind_dn => "cn=search,$sfx");
	ldap_set($inst, bind_password => 'searchpw12');
	ldap_set($inst, base_dn => $sfx);
	ldap_set($inst, user_filter => '(objectClass=inetOrgPerson)');
	ldap_set($inst, unknown_names => 'true');
	ldap_set($inst, enabled => 'true');
	my ($rc, $out) = ctl('-i', $inst, 'ldap', 'test', 'alice');
	is($rc, 0, "$inst: ldap test alice") or diag($out);
}
# A server the provider did not list: directory two's plain port.
ldap_set($B, uris => $d2->uri);
my ($rc, $out) = ctl('-i', $B, 'ldap', 'test', 'alice');
like($out, qr/not among the servers ldap_servers allows/, "B: an unlisted server is refused ($rc)");
ldap_set($B, uris => $d2->ldaps_uri);
ldap_set($B, bind_password => 'searchpw12');	# a new server forgot it (0015)

my $s = TestLib::Server->start_ok(kind => 'nginx', t => $t, workers => 3,
    config => "hosting = $CI user=$ROLE\nldap_timeout = $TIMEOUT\n$SERVERS") or exit 1;

sub signin {
	my ($inst, $name, $pw) = @_;
	return $s->request('POST', '/api/v2/signin', host => "$inst.$DOMAIN",
	    headers => { Authorization => 'Basic ' . encode_base64("$name:$pw", '') },
	    timeout => 20);
}
sub cookie_of {
	my ($r) = @_;
	for (@{ $r->{all_headers} // [] }) {
		return $1 if $_->[0] eq 'set-cookie' && $_->[1] =~ /^influxdb-oss-session=([^;]+)/;
	}
	return undef;
}
for my $inst ($A, $B) {
	my $r = $s->request('POST', '/api/v2/setup', host => "$inst.$DOMAIN",
	    headers => { 'Content-Type' => 'application/json' },
	    body => TestLib->json_encode({ username => 'admin', password => 'adminpass1',
		org => 'o', bucket => 'b' }));
	is($r->{status}, 201, "$inst: setup") or diag($r->{body});
}

subtest 'two instances, two directories: the same name is two people' => sub {
	my $r = signin($A, 'alice', 'onepass12');
	is($r->{status}, 204, "A: alice with directory one's password") or diag($r->{body});
	my $ca = cookie_of($r);
	is(signin($A, 'alice', 'twopass12')->{status}, 401, "A: not with directory two's");
	$r = signin($B, 'alice', 'twopass12');
	is($r->{status}, 204, "B: alice with directory two's password") or diag($r->{body});
	is(signin($B, 'alice', 'onepass12')->{status}, 401, "B: not with directory one's");
	is(signin($A, 'bea', 'beapass12')->{status}, 401, "A: B's bea is nobody");
	my $me = $s->request('GET', '/api/v2/me', host => "$B.$DOMAIN",
	    headers => { Cookie => "influxdb-oss-session=$ca" });
	is($me->{status}, 401, "A's session is worthless on B");
};

subtest 'a CA that did not sign the server certificate: 503, never 401' => sub {
	ldap_set($A, ca_file => $d1->other_ca);
	my $r = signin($A, 'alice', 'onepass12');
	is($r->{status}, 503, 'StartTLS refused: 503') or diag($r->{body});
	is($r->{json}{code}, 'unavailable', '... unavailable');
	like($s->log('usersd.log'), qr/directory misconfigured for user "alice": .*StartTLS: Connect error/,
	    'the log says StartTLS failed, as a setting');
	ldap_set($A, ca_file => $d1->ca_file);
	# A new CA forgot the search bind's secret (0015): set it again.
	ldap_set($A, bind_password => 'searchpw12');
	is(signin($A, 'alice', 'onepass12')->{status}, 204, 'the right CA again: 204');
};

subtest "one tenant cannot mark another's directory down (review finding F4)" => sub {
	# A points at B's directory, exactly as B names it, with a CA that
	# does not sign its certificate: A's ldaps handshake fails.
	ldap_set($A, uris => $d2->ldaps_uri);
	my $r = signin($A, 'bea', 'beapass12');
	is($r->{status}, 503, "A: B's directory through the wrong CA is 503") or diag($r->{body});
	$r = signin($B, 'bea', 'beapass12');
	is($r->{status}, 204, 'B: bea still signs in at once') or diag($r->{body});
	ldap_set($A, uris => $d1->uri);
	ldap_set($A, bind_password => 'searchpw12');
	is(signin($A, 'alice', 'onepass12')->{status}, 204, 'A: its own directory again');
};

# Sign-ins at once, one child each ([instance, name, password] each):
# burst_start returns the children, burst_wait each one's [status, s].
sub burst_start {
	my @kids;
	for my $who (@_) {
		pipe(my $rd, my $wr) or die;
		my $pid = fork // die;
		if (!$pid) {
			close $rd;
			my $t0 = time;
			my $r = signin(@$who);
			print $wr "$r->{status} " . (time - $t0);
			close $wr;
			POSIX::_exit(0);
		}
		close $wr;
		push @kids, [ $pid, $rd ];
	}
	return \@kids;
}
sub burst_wait {
	my ($kids) = @_;
	my @res;
	for (@$kids) {
		my ($pid, $rd) = @$_;
		my $line = do { local $/; <$rd> } // '';
		waitpid($pid, 0);
		push @res, [ split / /, $line ];
	}
	return @res;
}

for my $how ([ 'frozen (SIGSTOP)', sub { $d1->freeze }, sub { $d1->thaw } ],
    [ 'stopped', sub { $d1->stop }, sub { $d1->restart } ]) {
	my ($what, $break, $mend) = @$how;
	subtest "directory $what under sign-in load: 503 within ldap_timeout, others unharmed" => sub {
		$break->();
		my $t0 = time;
		# Eight names at once on three workers (names of their own: one
		# name's parallel attempts are throttled before the directory).
		my $kids = burst_start(map { [ $A, "user$_", 'somepass1' ] } 1 .. 8);
		Time::HiRes::sleep(0.1);
		# Meanwhile: A's local operator, who may meet A's admission
		# share (429) while A's sign-ins hang, but no longer than
		# ldap_timeout, and B's directory user, who meets nothing.
		my ($r, @seen);
		my $ok = TestLib::within($TIMEOUT + 1.5, sub {
			$r = signin($A, 'admin', 'adminpass1');
			push @seen, $r->{status};
			return 1 if $r->{status} == 204;
			Time::HiRes::sleep(0.1);
			return 0;
		});
		my $dt = time - $t0;
		ok($ok, sprintf("A's local operator signs in, %.2f s into the burst", $dt))
		    or diag("@seen");
		ok(!grep({ $_ != 204 && $_ != 429 } @seen), '... meeting at most 429 before')
		    or diag("@seen");
		$r = signin($B, 'alice', 'twopass12');
		is($r->{status}, 204, "B's directory user signs in") or diag($r->{body});
		my @res = burst_wait($kids);
		my $took = time - $t0;
		my $n503 = grep { ($_->[0] // 0) == 503 } @res;
		ok($n503 >= 1 && !grep({ ($_->[0] // 0) != 503 && ($_->[0] // 0) != 429 } @res),
		    "the directory's sign-ins: $n503 503 unavailable, the rest 429 (A's share), never 401")
		    or diag(explain \@res);
		my ($worst) = sort { $b <=> $a } map { $_->[1] // 99 } @res;
		cmp_ok($worst, '<', $TIMEOUT + 1, sprintf('the slowest answered in %.2f s', $worst));
		cmp_ok($took, '<', $TIMEOUT + 2, sprintf('the burst took %.2f s', $took));
		my $t1 = time;
		$r = signin($A, 'alice', 'wrongpass1');
		is($r->{status}, 503, 'a wrong password on the dead directory: 503, never 401');
		cmp_ok(time - $t1, '<', 0.5, '... at once, while it is marked down');
		$mend->();
		ok(TestLib::within(3 * $TIMEOUT, sub { signin($A, 'alice', 'onepass12')->{status} == 204 }),
		    'back: alice signs in again within the mark');
	};
}

$s->stop;
for my $n ($A, $B) {
	my ($rc, $out) = ctl('instance', 'drop', $n);
	is($rc, 0, "usersctl instance drop $n") or diag($out);
}
$t->_admin_sql(qq{DROP DATABASE IF EXISTS "$HOSTDB"});
done_testing;
