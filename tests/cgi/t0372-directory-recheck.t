# t0372-directory-recheck.t -- a directory user's session looks its user up
# again in the directory once its last check is older than
# ldap_recheck_interval (sql 0016, src/dirauth.c dirauth_recheck), at the
# session's next touch, without any `usersctl ldap sync`: a user the
# directory deleted, disabled or no longer admits is deactivated and that
# request is 401; an unreachable or frozen directory keeps the session
# (never past its hard cap) and answers no 500; one worker checks a user at
# a time.  Against a real slapd on loopback (tests/lib/Slapd.pm).
#
# Time is the test's to move where it would cost minutes: a session is
# touched at most once a minute, so "a minute later" is its last_used_at
# set back; the interval itself is waited out for real.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use POSIX ();
use Test::More;
use Time::HiRes ();
use TestLib;
use ApiTest;
use Slapd;

if (my $why = Slapd::missing()) {
	TestLib::cannot_run($why);
}
my $INTERVAL = 2;
my $TIMEOUT = 2;
my $t = TestLib->new;
# The directory servers this file uses, whichever layout (t0373 tests ldap_servers).
ApiTest::bind($t, env => { USERSD_SIGNIN_MAX_FAILURES => 1000, USERSD_LDAP_SERVERS => '*',
    USERSD_LDAP_TIMEOUT => $TIMEOUT, USERSD_LDAP_RECHECK_INTERVAL => $INTERVAL });
given('setup');
my $SFX = 'dc=example,dc=test';

sub entry {
	my ($uid, $pw, @extra) = @_;
	return join("\n", "dn: uid=$uid,ou=people,$SFX", 'objectClass: inetOrgPerson',
	    "uid: $uid", 'cn: x', 'sn: x', "userPassword: $pw", @extra) . "\n\n";
}
sub dn { "uid=$_[0],ou=people,$SFX" }
my @STAFF = qw(alice bob carol dave erin);
my $d = Slapd->start(suffix => $SFX, ldif => join('', map { entry($_, "${_}pw1234") } @STAFF)
    . "dn: cn=staff,ou=groups,$SFX\nobjectClass: groupOfNames\ncn: staff\n"
    . join('', map { 'member: ' . dn($_) . "\n" } @STAFF) . "\n"
    . "dn: cn=owners,ou=groups,$SFX\nobjectClass: groupOfNames\ncn: owners\n"
    . 'member: ' . dn('alice') . "\nmember: cn=placeholder,$SFX\n\n");

$t->ctl_env(USERSD_LDAP_TIMEOUT => $TIMEOUT, USERSD_LDAP_SERVERS => '*');

sub set {
	my ($k, $v) = @_;
	my ($rc, $out, $err) = $k eq 'bind_password'
	    ? $t->ctl({ stdin => "$v\n" }, 'ldap', 'set', $k) : $t->ctl('ldap', 'set', $k, $v);
	is($rc, 0, "ldap set $k") or diag($err);
}

# The directory's manager changes it (LDIF with changetype lines).
sub ldapmodify {
	my ($rc, $out) = $d->modify($_[0]);
	is($rc, 0, 'the directory changed') or diag($out);
}

sub signin {
	my ($name) = @_;
	my $r = call(basic($name, "${name}pw1234"), 'POST', '/api/v2/signin');
	is($r->{status}, 204, "$name signs in") or diag($r->{body}, $r->{stderr});
	return cookie_value($r);
}

sub user_q { q{(SELECT id FROM users WHERE name = } . lit($_[0]) . ')' }
sub status_of { one(q{SELECT status FROM users WHERE name = } . lit($_[0])) }

# A minute later: the user's sessions are due their touch (last_used_at).
sub a_minute_later {
	my ($name) = @_;
	$t->psql(q{UPDATE sessions SET last_used_at = now() - interval '2 minutes' }
	    . q{WHERE user_id = } . user_q($name));
}

# The user's last directory check, long ago (the interval is over).
sub check_due {
	my ($name) = @_;
	$t->psql(q{UPDATE users SET directory_checked_at = now() - interval '1 hour' }
	    . q{WHERE name = } . lit($name));
}

sub me { call("cookie:$_[0]", 'GET', '/api/v2/me', undef, %{ $_[1] // {} }) }

set(@$_) for $d->settings(user_filter => '(&(objectClass=inetOrgPerson)(!(employeeType=disabled)))',
    required_group => "cn=staff,ou=groups,$SFX");
my $org = one(q{SELECT id FROM orgs WHERE name = 'o'});
for my $rule ([ 'owner', 'owners' ], [ 'member', 'staff' ]) {
	my ($rc, $out, $err) = $t->ctl('ldap', 'role', 'o', $rule->[0], "cn=$rule->[1],ou=groups,$SFX");
	is($rc, 0, "ldap role o $rule->[0]") or diag($err);
}

my %C = map { $_ => signin($_) } @STAFF;
my $BOB = one(q{SELECT id FROM users WHERE name = 'bob'});
my ($TOK) = given(token => $BOB, org => $org,
    permissions => [ perm('read', type => 'users', id => $BOB) ]);
is(call($TOK, 'GET', "/api/v2/users/$BOB")->{status}, 200, "bob's token works");
is(one(q{SELECT count(*) FROM users WHERE directory_checked_at > now() - interval '1 minute'}),
    scalar @STAFF, 'a directory sign-in records the check');

subtest 'a user the directory dropped keeps no access past the interval, without a sync' => sub {
	# bob leaves the directory, carol her group, dave is disabled, and
	# alice is no owner any more (but still staff).
	ldapmodify("dn: " . dn('bob') . "\nchangetype: delete\n\n"
	    . "dn: cn=staff,ou=groups,$SFX\nchangetype: modify\ndelete: member\nmember: "
	    . dn('carol') . "\n\n"
	    . "dn: " . dn('dave') . "\nchangetype: modify\nadd: employeeType\nemployeeType: disabled\n\n"
	    . "dn: cn=owners,ou=groups,$SFX\nchangetype: modify\ndelete: member\nmember: "
	    . dn('alice') . "\n");
	a_minute_later($_) for @STAFF;
	for my $n (qw(bob carol dave)) {
		is(me($C{$n}, { env => { USERSD_LDAP_RECHECK_INTERVAL => 3600 } })->{status}, 200,
		    "$n: checked within the interval (here an hour), the session lives (the window)");
	}
	Time::HiRes::sleep($INTERVAL + 0.5);
	a_minute_later($_) for @STAFF;
	for my $n (qw(bob carol dave)) {
		is_error(me($C{$n}), 401, 'unauthorized', 'unauthorized access',
		    "$n: past it, the next touch looks $n up and refuses the request");
		is(status_of($n), 'inactive', "... $n is deactivated");
		is(one(q{SELECT count(*) FROM sessions WHERE user_id = } . user_q($n)), 0,
		    "... and $n has no session left");
		is(me($C{$n})->{status}, 401, "... the next request too");
	}
	is_error(call($TOK, 'GET', "/api/v2/users/$BOB"), 403, 'forbidden', 'User is inactive',
	    "bob's token stopped with him");
	my $r = me($C{alice});
	is($r->{status}, 200, 'alice, still admitted, goes on');
	is(status_of('alice'), 'active', '... active');
	is(one(q{SELECT m.role FROM org_members m WHERE m.org_id = } . lit($org)
	    . q{ AND m.user_id = } . user_q('alice')), 'member',
	    '... and her roles follow the rules again: no owner of o now');
	ok(one(q{SELECT directory_checked_at > now() - interval '1 minute' FROM users WHERE name = 'alice'}) eq 't',
	    '... and her check is recorded');
	my $r2 = call(basic('bob', 'bobpw1234'), 'POST', '/api/v2/signin');
	is($r2->{status}, 401, 'bob cannot sign in again');
};

subtest 'a session is looked up again only when its check is due, and not with ldap_recheck_interval 0' => sub {
	ldapmodify("dn: cn=staff,ou=groups,$SFX\nchangetype: modify\ndelete: member\nmember: "
	    . dn('erin') . "\n");
	$t->psql(q{UPDATE users SET directory_checked_at = now() + interval '1 hour' WHERE name = 'erin'});
	a_minute_later('erin');
	is(me($C{erin})->{status}, 200, 'checked less than the interval ago: no look-up');
	check_due('erin');
	a_minute_later('erin');
	is(me($C{erin}, { env => { USERSD_LDAP_RECHECK_INTERVAL => 0 } })->{status}, 200,
	    'ldap_recheck_interval 0: no look-up at a touch');
	is(status_of('erin'), 'active', '... erin is still active');
	is(me($C{erin})->{status}, 200, 'not due a touch (used a moment ago): no look-up either');
	a_minute_later('erin');
	is(me($C{erin})->{status}, 401, 'due both: looked up, and refused');
	is(status_of('erin'), 'inactive', '... deactivated');
};

subtest 'an unreachable directory keeps the session, renewed no later than its hard cap, and is no 500' => sub {
	$t->psql(q{UPDATE sessions SET expires_at = now() + interval '10 seconds', }
	    . q{max_expires_at = now() + interval '5 minutes' WHERE user_id = } . user_q('alice'));
	check_due('alice');
	$d->stop;
	my $t0 = Time::HiRes::time();
	my $r = me($C{alice});
	my $dt = Time::HiRes::time() - $t0;
	is($r->{status}, 200, 'directory down: the request goes on') or diag($r->{body});
	cmp_ok($dt, '<', $TIMEOUT + 1.5, sprintf('within ldap_timeout (%.2f s)', $dt));
	my ($age) = ($r->{headers}{'set-cookie'} // '') =~ /Max-Age=(\d+)/;
	ok(defined $age && $age <= 300, 'renewed, but not past the hard cap (Max-Age ' . ($age // 'none') . ')');
	is(status_of('alice'), 'active', 'alice stays active');
	$d->restart;
	ok(TestLib::within($TIMEOUT + 2, sub {
		call(basic('alice', 'alicepw1234'), 'POST', '/api/v2/signin')->{status} == 204 }),
	    'the directory back: sign-in works once its down mark is over');
};

# GET /me in a child of ours, after $delay s, with env: a sub that waits
# for it and returns its status, how long it took and when it ended.
sub me_later {
	my ($cookie, $delay, $env) = @_;
	pipe(my $rd, my $wr) or die "pipe: $!";
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		close $rd;
		Time::HiRes::sleep($delay);
		my $t0 = Time::HiRes::time();
		my $r = me($cookie, { env => $env });
		my $end = Time::HiRes::time();
		print $wr "$r->{status} ", $end - $t0, " $end\n";
		close $wr;
		POSIX::_exit(0);
	}
	close $wr;
	return sub { my $l = <$rd>; waitpid($pid, 0); return split ' ', $l // '0 0 0' };
}

my $SLOW = 2;
my $C2;
subtest 'one worker looks a user up at a time: a second touch meanwhile does not wait for the directory' => sub {
	$C2 = signin('alice');
	check_due('alice');
	a_minute_later('alice');
	$d->freeze;
	my $first = me_later($C{alice}, 0, { USERSD_LDAP_TIMEOUT => $SLOW });
	my $second = me_later($C2, 1, { USERSD_LDAP_TIMEOUT => $SLOW });
	my @x = $first->();
	my @y = $second->();
	$d->thaw;
	is($x[0], 200, 'the first touch: 200 (the directory is frozen: the session is kept)');
	is($y[0], 200, 'the second: 200');
	my ($long, $short) = $x[1] > $y[1] ? ($x[1], $y[1]) : ($y[1], $x[1]);
	cmp_ok($long, '>=', $SLOW - 0.3, sprintf('one waited for the frozen directory (%.2f s)', $long));
	cmp_ok($short, '<', $SLOW / 2, sprintf('the other did not look the user up too (%.2f s)', $short));
};

subtest 'two touches at the same moment: one look-up (the claim is the row, not a snapshot)' => sub {
	# A transaction of ours holds alice's row, so both touches reach
	# their claim before either can take it; then it lets go.
	ok(TestLib::within($TIMEOUT + 2, sub {
		call(basic('alice', 'alicepw1234'), 'POST', '/api/v2/signin')->{status} == 204 }),
	    'the directory answers again (its down mark is over)');
	check_due('alice');
	a_minute_later('alice');
	my $hold = 1;
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		$t->psql(q{BEGIN; SELECT 1 FROM users WHERE name = 'alice' FOR UPDATE; }
		    . qq{SELECT pg_sleep($hold); COMMIT});
		POSIX::_exit(0);
	}
	my $start = Time::HiRes::time();
	Time::HiRes::sleep(0.2);
	$d->freeze;
	my $first = me_later($C{alice}, 0, { USERSD_LDAP_TIMEOUT => $SLOW });
	my $second = me_later($C2, 0, { USERSD_LDAP_TIMEOUT => $SLOW });
	my @x = $first->();
	my @y = $second->();
	waitpid($pid, 0);
	$d->thaw;
	is($x[0], 200, 'the first: 200');
	is($y[0], 200, 'the second: 200');
	my ($early, $late) = sort { $a <=> $b } $x[2] - $start, $y[2] - $start;
	cmp_ok($late, '>=', $hold + $SLOW - 0.3, sprintf('one looked the user up, after the row was free (%.2f s)', $late));
	cmp_ok($early, '<', $hold + $SLOW / 2, sprintf('the other did not (%.2f s)', $early));
};

# A new entry in the staff group, signed in (once an earlier subtest's
# down mark is over): its session cookie.
sub new_staff {
	my ($uid) = @_;
	ldapmodify(entry($uid, "${uid}pw1234") =~ s/^(dn: .*)\n/$1\nchangetype: add\n/r
	    . "dn: cn=staff,ou=groups,$SFX\nchangetype: modify\nadd: member\nmember: " . dn($uid) . "\n\n");
	my $r;
	ok(TestLib::within($TIMEOUT + 3, sub {
		($r = call(basic($uid, "${uid}pw1234"), 'POST', '/api/v2/signin'))->{status} == 204 }),
	    "$uid signs in") or diag($r->{body});
	return cookie_value($r);
}

# A re-check the directory could not answer gives its claim back: the user
# is due again at the next touch, not an interval later, so a user removed
# during an outage is out soon after it, whatever the interval.
subtest 'a re-check that found the directory unreachable is due again at the next touch' => sub {
	my $c = new_staff('frank');
	my %long = (env => { USERSD_LDAP_RECHECK_INTERVAL => 3600 });
	check_due('frank');
	a_minute_later('frank');
	$d->stop;
	is(me($c, \%long)->{status}, 200, 'directory down: the session goes on');
	$d->restart;
	ldapmodify("dn: " . dn('frank') . "\nchangetype: delete\n\n");
	ok(TestLib::within($TIMEOUT + 3, sub { a_minute_later('frank'); me($c, \%long)->{status} == 401 }),
	    'frank, deleted during the outage, is out at a touch once the directory is back '
	    . '(ldap_recheck_interval 3600)');
	is(status_of('frank'), 'inactive', '... deactivated');
};

# The last active instance owner cannot be deactivated (the schema's
# rule), but a user the directory removed keeps no session either: signed
# out everywhere, kept active and owner for an admin to replace.
subtest 'a removed directory user who is the last instance owner is signed out everywhere' => sub {
	my $c = new_staff('gina');
	my $c2 = signin('gina');
	$t->psql(q{UPDATE users SET instance_owner = true WHERE name = 'gina'});
	$t->psql(q{UPDATE users SET instance_owner = false WHERE instance_owner AND name <> 'gina'});
	ldapmodify("dn: " . dn('gina') . "\nchangetype: delete\n\n");
	check_due('gina');
	a_minute_later('gina');
	is_error(me($c), 401, 'unauthorized', 'unauthorized access', 'her re-check: 401');
	is(me($c)->{status}, 401, 'and her session is gone, not only that request');
	is(me($c2)->{status}, 401, 'so is her other one');
	is(one(q{SELECT count(*) FROM sessions WHERE user_id = } . user_q('gina')), 0, 'no session left');
	is(one(q{SELECT status || ' ' || instance_owner FROM users WHERE name = 'gina'}), 'active true',
	    'kept active, the last instance owner (the rule holds)');
	is(call(basic('gina', 'ginapw1234'), 'POST', '/api/v2/signin')->{status}, 401,
	    'and the directory lets her sign in no more');
	$t->psql(q{UPDATE users SET instance_owner = true WHERE name = 'admin'});
};

subtest 'a directory disabled since: its users are deactivated at their re-check, as ldap sync does' => sub {
	set(enabled => 'false');
	check_due('alice');
	a_minute_later('alice');
	is_error(me($C{alice}), 401, 'unauthorized', 'unauthorized access', 'alice: 401');
	is(status_of('alice'), 'inactive', '... deactivated');
};

done_testing;
