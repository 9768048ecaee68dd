# t0371-directory-signin.t -- POST /api/v2/signin for directory users,
# against a real slapd on loopback (tests/lib/Slapd.pm; plain LDAP here,
# StartTLS and two directories in t0700): names that need RFC 4515
# escaping never find another entry, an empty password never binds,
# nested groups admit, a disabled or group-less user does not, a local
# name is never taken over, an unreachable directory is 503 (never 401,
# never a local password), throttling comes before any bind, and
# `usersctl ldap sync` ends a removed user's sessions and tokens.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Encode qw(encode_utf8);
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes ();
use TestLib;
use ApiTest;
use Slapd;

if (my $why = Slapd::missing()) {
	TestLib::cannot_run($why);
}
my $t = TestLib->new;
# The directory servers this file uses, whichever layout (t0373 tests ldap_servers).
ApiTest::bind($t, env => { USERSD_SIGNIN_MAX_FAILURES => 1000,
    USERSD_LDAP_TIMEOUT => 2, USERSD_LDAP_SERVERS => '*' });
my $S = given('setup');
my $SFX = 'dc=example,dc=test';

# One entry: uid (may be UTF-8 or hold LDIF-unsafe bytes: then base64),
# its DN's RDN, password and extra lines.
sub entry {
	my ($rdn, $uid, $pw, @extra) = @_;
	my $b = encode_utf8($uid);
	my $uidline = $b =~ /[^\x20-\x7e]|^[ :<]/ ? 'uid:: ' . encode_base64($b, '')
	    : "uid: $b";
	my $dn = encode_utf8("$rdn,ou=people,$SFX");
	my $dnline = $dn =~ /[^\x20-\x7e]/ ? 'dn:: ' . encode_base64($dn, '') : "dn: $dn";
	return join("\n", $dnline, 'objectClass: inetOrgPerson', $uidline,
	    'cn: x', 'sn: x', "userPassword: $pw", @extra) . "\n\n";
}
my %DN = (alice => "uid=alice,ou=people,$SFX", bob => "uid=bob,ou=people,$SFX",
    star => "uid=a*,ou=people,$SFX", paren => "cn=paren,ou=people,$SFX",
    slash => "uid=back\\5Cslash,ou=people,$SFX", zoe => "cn=zoe,ou=people,$SFX",
    admin => "uid=admin,ou=people,$SFX", eve => "uid=Eve,ou=people,$SFX",
    dave => "uid=dave,ou=people,$SFX", bidi => "cn=bidi,ou=people,$SFX",
    frank => "uid=frank,ou=people,$SFX");
my $ldif = entry('uid=alice', 'alice', 'alicepw12')
    . entry('uid=bob', 'bob', 'bobpw1234')
    . entry('uid=carol', 'carol', 'carolpw12')
    . entry('uid=dave', 'dave', 'davepw123', 'employeeType: disabled')
    . entry('uid=a*', 'a*', 'starpw123')
    . entry('cn=paren', 'x)(uid=*', 'parenpw12')
    . entry('uid=back\\5Cslash', 'back\\slash', 'slashpw12')
    . entry('cn=zoe', 'zoë', 'zoepw1234')
    . entry('uid=admin', 'admin', 'adminldap1')
    . entry('uid=Eve', 'Eve', 'evepw1234')
    . entry('cn=bidi', "mal\x{202E}gnp.exe", 'bidipw123')
    . entry('uid=frank', 'frank', 'frankpw12')
    . "dn: cn=team,ou=groups,$SFX\nobjectClass: groupOfNames\ncn: team\nmember: $DN{bob}\n"
    . "member: cn=placeholder,$SFX\n\n"
    . "dn: cn=staff,ou=groups,$SFX\nobjectClass: groupOfNames\ncn: staff\n"
    . join('', map { "member: $DN{$_}\n" } qw(alice star slash admin eve dave bidi frank))
    . "member: " . encode_utf8($DN{paren}) . "\nmember: $DN{zoe}\n"
    . "member: cn=team,ou=groups,$SFX\n\n"
    . "dn: cn=owners,ou=groups,$SFX\nobjectClass: groupOfNames\ncn: owners\n"
    . "member: $DN{alice}\nmember: cn=placeholder,$SFX\n\n";
my $d = Slapd->start(suffix => $SFX, ldif => $ldif, stats => 1);
$t->ctl_env(USERSD_LDAP_TIMEOUT => 2, USERSD_LDAP_SERVERS => '*');

sub set {
	my ($k, $v) = @_;
	my ($rc, $out, $err) = $k eq 'bind_password' ? $t->ctl({ stdin => "$v\n" }, 'ldap', 'set', $k)
	    : $t->ctl('ldap', 'set', $k, $v);
	is($rc, 0, "ldap set $k") or diag($err);
}

sub signin {
	my ($name, $pw, %o) = @_;
	my $auth = 'Basic ' . encode_base64(encode_utf8($name) . ':' . encode_utf8($pw), '');
	return call($auth, 'POST', '/api/v2/signin', undef, %o);
}

sub ok_signin {
	my ($name, $pw, $what) = @_;
	my $r = signin($name, $pw);
	is($r->{status}, 204, "$what: 204") or diag($r->{body}, $r->{stderr});
	return cookie_value($r);
}

sub no_signin {
	my ($name, $pw, $what) = @_;
	my $r = signin($name, $pw);
	is_error($r, 401, 'unauthorized', 'unauthorized access', $what);
	return $r;
}

sub row {
	my ($name) = @_;
	my ($r) = $t->psql('SELECT id, directory_dn, password_hash IS NULL, status FROM users WHERE name = '
	    . lit(encode_utf8($name)));
	return $r;
}

subtest 'before the directory is enabled, a directory name is nobody' => sub {
	no_signin('alice', 'alicepw12', 'alice');
	is(row('alice'), undef, 'no row');
};

set(@$_) for $d->settings(user_filter => '(&(objectClass=inetOrgPerson)(!(employeeType=disabled)))',
    required_group => "cn=staff,ou=groups,$SFX");

subtest 'ldap test finds a user by name and says its DN' => sub {
	my ($rc, $out) = $t->ctl('ldap', 'test');
	is($rc, 0, 'the directory answers') or diag($out);
	($rc, $out) = $t->ctl('ldap', 'test', 'alice');
	is($rc, 0, 'alice is found');
	like($out, qr/^ok: \Q$DN{alice}\E$/m, '... at her DN');
	($rc, $out) = $t->ctl('ldap', 'test', 'carol');
	is($rc, 1, 'carol is not admitted');
	like($out, qr/^denied: not a member of required_group/m, '... not in the group');
};

my $ALICE;
subtest 'a directory user signs in with the directory password: same 204, a user row without a hash' => sub {
	my $c = ok_signin('alice', 'alicepw12', 'alice');
	my $r = call("cookie:$c", 'GET', '/api/v2/me');
	is($r->{status}, 200, 'the cookie works');
	is($r->{json}{name}, 'alice', 'as alice');
	my $row = row('alice');
	$ALICE = $row->[0];
	is($row->[1], $DN{alice}, 'the row keeps her DN');
	is($row->[2], 't', 'and no password hash');
	ok_signin('alice', 'alicepw12', 'a second time, the same row');
	is(one(q{SELECT count(*) FROM users WHERE directory_dn IS NOT NULL}), 1, 'one row');
};

subtest 'a wrong or empty password never signs a directory user in' => sub {
	no_signin('alice', 'wrongpw12', 'a wrong password');
	no_signin('alice', '', 'an empty password (an anonymous bind would succeed)');
	no_signin('alice', "\0", 'a NUL');
	no_signin('alice', 'ALICEPW12', 'the password in another case');
};

subtest 'a name with filter metacharacters finds only itself (RFC 4515)' => sub {
	no_signin('*', 'alicepw12', '"*" with alice\'s password');
	no_signin('al*', 'alicepw12', '"al*" with alice\'s password');
	no_signin('a*', 'alicepw12', '"a*" with alice\'s password');
	no_signin('*)(uid=alice', 'alicepw12', 'an injected OR');
	no_signin('alice)(|(uid=*', 'alicepw12', 'an injected always-true');
	no_signin('x)(uid=*', 'alicepw12', '"x)(uid=*" with alice\'s password');
	no_signin('alic\\65', 'alicepw12', 'an escape of alice\'s name');
	no_signin("alice\0", 'alicepw12', 'alice with a NUL');
	is(one(q{SELECT count(*) FROM users WHERE directory_dn IS NOT NULL}), 1,
	    'no row made for any of them');
	ok_signin('a*', 'starpw123', '"a*" with its own password');
	is(row('a*')->[1], $DN{star}, '... is a*');
	ok_signin('x)(uid=*', 'parenpw12', '"x)(uid=*" with its own password');
	is(row('x)(uid=*')->[1], $DN{paren}, '... is itself');
	ok_signin('back\\slash', 'slashpw12', 'a backslash in the name and DN');
	ok_signin('zoë', 'zoepw1234', 'a non-ASCII name');
	is(row('zoë')->[1], $DN{zoe}, '... is zoë');
	no_signin('zoe', 'zoepw1234', 'zoe without the diaeresis');
	no_signin("mal\x{202E}gnp.exe", 'bidipw123',
	    'a directory name with a bidi control (not a usersd name) is refused');
	is(row("mal\x{202E}gnp.exe"), undef, '... and gets no row');
};

subtest 'group membership: nested admits, none refuses, disabled refuses' => sub {
	ok_signin('bob', 'bobpw1234', 'bob, a member of staff through team');
	no_signin('carol', 'carolpw12', 'carol, in no group');
	no_signin('dave', 'davepw123', 'dave, disabled (the filter)');
	is(row('carol'), undef, 'no row for carol');
	is(row('dave'), undef, 'nor dave');
};

sub role_in {
	my ($org, $name) = @_;
	return one(q{SELECT m.role FROM org_members m JOIN orgs o ON o.id = m.org_id }
	    . q{JOIN users u ON u.id = m.user_id WHERE o.name = } . lit($org)
	    . q{ AND u.name = } . lit(encode_utf8($name))) // 'none';
}

subtest 'group rules make org owners and members, and take back what they do not grant' => sub {
	my ($rc, $out, $err) = $t->ctl('ldap', 'role', 'o', 'owner', "cn=owners,ou=groups,$SFX");
	is($rc, 0, 'ldap role o owner') or diag($err);
	($rc, $out, $err) = $t->ctl('ldap', 'role', 'o', 'member', "cn=staff,ou=groups,$SFX");
	is($rc, 0, 'ldap role o member') or diag($err);
	($rc, $out, $err) = $t->ctl('ldap', 'role', 'o', 'admin', "cn=staff,ou=groups,$SFX");
	isnt($rc, 0, 'a role that is not member or owner is refused');
	($rc, $out) = $t->ctl('ldap', 'show');
	like($out, qr/^role\to\towner\tcn=owners,ou=groups,\Q$SFX\E$/m, 'show lists the owner rule');
	my $other = given(org => 'other');
	ok_signin('alice', 'alicepw12', 'alice');
	ok_signin('bob', 'bobpw1234', 'bob');
	is(role_in('o', 'alice'), 'owner', 'alice (owners and staff) owns o');
	is(role_in('o', 'bob'), 'member', 'bob (staff through team) is a member');
	my $r = call($OP, 'POST', "/api/v2/orgs/$other/members", { id => $ALICE });
	is($r->{status}, 201, 'alice is made a member of other by hand') or diag($r->{body});
	$t->psql(q{UPDATE org_members SET role = 'owner' WHERE user_id = (SELECT id FROM users }
	    . q{WHERE name = 'bob')});
	ok_signin('bob', 'bobpw1234', 'bob again');
	is(role_in('o', 'bob'), 'member', 'an ownership of o the rules do not grant is taken back');
	ok_signin('alice', 'alicepw12', 'alice again');
	is(role_in('other', 'alice'), 'member', 'an org no rule names keeps its memberships');
	($rc, $out, $err) = $t->ctl('ldap', 'role', 'nosuch', 'owner');
	is($rc, 1, 'removing a rule there is not: an error');
};

# The debug log names each statement as it runs (db.c db_run), as in t0201.
sub statements {
	my ($r) = @_;
	return [ grep { $_ ne 'HOSTED_LOOKUP' } $r->{stderr} =~ /\bstatement (\w+)/g ];
}

subtest 'the user row, its roles and the session are one transaction' => sub {
	my $FAILS = q{SELECT coalesce(sum(failures), 0) FROM signin_failures WHERE kind = 'user' AND key = 'alice'};
	no_signin('alice', 'wrongpw12', 'a wrong password first');
	is(one($FAILS), 1, '... counts one failure');
	my $r = signin('alice', 'alicepw12', env => { USERSD_LOG_LEVEL => 'debug' });
	is($r->{status}, 204, 'alice signs in') or diag($r->{body});
	is_deeply(statements($r), [qw(SIGNIN_BEGIN DIRECTORY_READ DIRECTORY_ROLES SIGNIN_DIRECTORY)],
	    'the attempt, two reads, then one statement writes the user, its roles and the session');
	is(one($FAILS), 0, '... and clears the name\'s count');
	# A session that cannot be written (a trigger of this test's own)
	# must leave no user row made, and no role changed, behind it.
	$t->psql(q{CREATE FUNCTION t0371_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
	    BEGIN IF NEW.user_agent = 't0371-refuse' THEN
	    RAISE EXCEPTION 'no session today'; END IF; RETURN NEW; END $$;
	    CREATE TRIGGER t0371_refuse BEFORE INSERT ON sessions
	    FOR EACH ROW EXECUTE FUNCTION t0371_refuse()});
	my %refuse = (headers => { 'User-Agent' => 't0371-refuse' });
	my $sessions = one('SELECT count(*) FROM sessions');
	my $audit = one('SELECT count(*) FROM audit_log');
	$r = signin('frank', 'frankpw12', %refuse);
	is($r->{status}, 500, 'frank: the session fails (500: a database failure)') or diag($r->{body});
	is(row('frank'), undef, '... and no user row was made for him');
	$t->psql(q{UPDATE org_members SET role = 'member' WHERE user_id = } . lit($ALICE));
	$audit = one('SELECT count(*) FROM audit_log');
	$r = signin('alice', 'alicepw12', %refuse);
	is($r->{status}, 500, 'alice: the session fails');
	is(role_in('o', 'alice'), 'member', '... and her ownership of o was not given back by it');
	is(one('SELECT count(*) FROM sessions'), $sessions, 'no session either');
	is(one('SELECT count(*) FROM audit_log'), $audit, 'and nothing audited');
	$t->psql(q{DROP TRIGGER t0371_refuse ON sessions; DROP FUNCTION t0371_refuse()});
	ok_signin('frank', 'frankpw12', 'without the fault, frank signs in');
	is(row('frank')->[1], $DN{frank}, '... with his row');
	ok_signin('alice', 'alicepw12', 'alice too');
	is(role_in('o', 'alice'), 'owner', '... an owner of o again');
	# An inactive directory user whom the directory still admits: as a
	# local inactive user's right password, a failure that clears nothing.
	$t->psql(q{UPDATE users SET status = 'inactive' WHERE name = 'frank'});
	my $FRANK = q{SELECT coalesce(sum(failures), 0) FROM signin_failures WHERE kind = 'user' AND key = 'frank'};
	my $fails = one($FRANK);
	$sessions = one('SELECT count(*) FROM sessions');
	no_signin('frank', 'frankpw12', 'frank, inactive, with his directory password');
	is(one($FRANK), $fails + 1, '... counts a failure (the count is not cleared)');
	is(one('SELECT count(*) FROM sessions'), $sessions, '... and opens no session');
};

subtest 'a local name is never taken over by the directory' => sub {
	no_signin('admin', 'adminldap1', 'the local operator with the directory\'s admin password');
	no_signin('ADMIN', 'adminldap1', 'the same in capitals (the directory matches any case)');
	is(one(q{SELECT directory_dn IS NULL FROM users WHERE name = 'admin'}), 't',
	    'admin is still local');
	is(row('ADMIN'), undef, 'no ADMIN row');
	ok_signin('admin', 'adminpass1', 'the operator signs in with the local password');
	ok_signin('eve', 'evepw1234', 'a directory name in another case');
	is(row('Eve')->[1], $DN{eve}, '... is the entry\'s own name');
	is(row('eve'), undef, 'no row in the case typed');
};

subtest 'unknown_names off: only known directory users go to the directory' => sub {
	set(unknown_names => 'false');
	no_signin('EVE', 'evepw1234', 'a name without a row is not looked up');
	ok_signin('alice', 'alicepw12', 'alice (a directory user) still is');
	ok_signin('Eve', 'evepw1234', 'Eve (a directory user) too');
	set(unknown_names => 'true');
};

subtest 'plain LDAP: only on ldapi:// or with allow_plain' => sub {
	set(allow_plain => 'false');
	my $r = signin('alice', 'alicepw12');
	is($r->{status}, 503, 'ldap:// without StartTLS nor allow_plain: 503 (misconfigured)');
	set(uris => $d->ldapi_uri);
	set(bind_password => 'searchpw12');
	ok_signin('alice', 'alicepw12', 'ldapi:// (a local socket) needs neither');
	set(uris => $d->uri);
	set(allow_plain => 'true');
	# Moving the server forgot the search bind's secret (0015).
	set(bind_password => 'searchpw12');
};

subtest 'a directory user cannot set a local password through the API' => sub {
	my $c = ok_signin('alice', 'alicepw12', 'alice');
	my $r = call("cookie:$c", 'PUT', '/api/v2/me/password', { password => 'localpw123' },
	    headers => { Authorization => basic('alice', 'alicepw12') });
	is_error($r, 403, 'forbidden', 'your username or password is incorrect',
	    'PUT /me/password (no local password to prove)');
	$r = call($OP, 'POST', "/api/v2/users/$ALICE/password", { password => 'localpw123' });
	is($r->{status}, 422, 'the operator cannot either');
	is(row('alice')->[2], 't', 'still no hash');
	set(enabled => 'false');
	no_signin('alice', 'localpw123', 'nor does any password sign her in with the directory off');
	no_signin('alice', 'alicepw12', 'not even the directory\'s');
	set(enabled => 'true');
};

subtest 'throttling applies before any bind' => sub {
	my %env = (env => { USERSD_SIGNIN_MAX_FAILURES => 3 });
	signin('bob', "wrong$_", %env) for 1 .. 3;
	$d->stop;
	my $r = signin('bob', 'bobpw1234', %env);
	is($r->{status}, 429, 'past the limit: 429, with the directory down (never asked)')
	    or diag($r->{body});
	$d->restart;
	$t->psql(q{DELETE FROM signin_failures});
};

subtest 'an unreachable directory is 503, never 401 and never a local password; local users still sign in' => sub {
	my $FAILS = q{SELECT coalesce(sum(failures), 0) FROM signin_failures WHERE kind = 'user' AND key = 'alice'};
	my $before = one($FAILS);
	$d->stop;
	my $t0 = Time::HiRes::time();
	my $r = signin('alice', 'alicepw12');
	my $dt = Time::HiRes::time() - $t0;
	is_error($r, 503, 'unavailable', 'the directory is unavailable, try again shortly', 'directory stopped');
	cmp_ok($dt, '<', 2 + 1.5, "answered within ldap_timeout (${\ sprintf '%.2f', $dt} s)");
	$r = signin('alice', 'wrongpw12');
	is($r->{status}, 503, 'a wrong password: 503 as well (the directory decides)');
	ok_signin('admin', 'adminpass1', 'the local operator');
	is(one($FAILS), $before, 'the unanswered attempts count no failure');
	set(uris => 'ldap://127.0.0.1:1 ' . $d->uri);
	set(bind_password => 'searchpw12');
	$d->restart;
	ok_signin('alice', 'alicepw12', 'a dead first server: the next one answers');
	set(uris => $d->uri);
	set(bind_password => 'wrongsearch1');
	$r = signin('alice', 'alicepw12');
	is($r->{status}, 503, 'a wrong search password: 503 (misconfigured), not 401');
	set(bind_password => 'searchpw12');
	ok(TestLib::within(4, sub { signin('alice', 'alicepw12')->{status} == 204 }),
	    'the directory back: alice signs in once its down mark (ldap_timeout) is over');
};

subtest 'ldap sync: a user removed from the directory or its group stops at the next request' => sub {
	my $bobc = ok_signin('bob', 'bobpw1234', 'bob');
	my $BOB = row('bob')->[0];
	my $org = one(q{SELECT id FROM orgs LIMIT 1});
	my ($tok) = given(token => $BOB, org => $org,
	    permissions => [ perm('read', type => 'users', id => $BOB) ]);
	my $alc = ok_signin('alice', 'alicepw12', 'alice');
	is(call($tok, 'GET', "/api/v2/users/$BOB")->{status}, 200, "bob's token works");
	is(call("cookie:$bobc", 'GET', '/api/v2/me')->{status}, 200, "bob's session works");
	# bob leaves team (so staff); a* leaves the directory.
	my $mod = "dn: cn=team,ou=groups,$SFX\nchangetype: modify\ndelete: member\nmember: $DN{bob}\n\n"
	    . "dn: cn=owners,ou=groups,$SFX\nchangetype: modify\ndelete: member\nmember: $DN{alice}\n\n"
	    . "dn: $DN{star}\nchangetype: delete\n";
	my ($mrc, $mout) = $d->modify($mod);
	is($mrc, 0, 'the directory changed') or diag($mout);
	is(call("cookie:$bobc", 'GET', '/api/v2/me')->{status}, 200,
	    'until the sync, the session lives (the documented window)');
	$d->stop;
	my ($rc, $out, $err) = $t->ctl('ldap', 'sync');
	isnt($rc, 0, 'sync with the directory down fails');
	is(row('bob')->[3], 'active', '... and deactivates nobody');
	$d->restart;
	my $off = length $d->log;
	my $active = one(q{SELECT count(*) FROM users WHERE directory_dn IS NOT NULL AND status = 'active'});
	($rc, $out, $err) = $t->ctl('ldap', 'sync');
	is($rc, 0, 'sync') or diag($err);
	like($out, qr/deactivated 2\b/, 'two deactivated') or diag($out);
	my ($checked) = $out =~ /checked (\d+)/;
	is($checked, $active, "it looked up every active directory user ($active)");
	# What slapd logged meanwhile (stats): the connections that did
	# anything, and the search binds.
	my $log = substr($d->log, $off);
	my %conns = map { $_ => 1 } $log =~ /\bconn=(\d+) op=\d+ (?:BIND|SRCH)\b/g;
	is(scalar(keys %conns), 1, '... over one connection to the directory');
	is(scalar(() = $log =~ /\bBIND dn="cn=search,[^"]*" method=/g), 1, '... with one search bind');
	is(row('bob')->[3], 'inactive', 'bob is inactive');
	is(row('a*')->[3], 'inactive', 'a* is inactive');
	is(row('alice')->[3], 'active', 'alice is not');
	is(role_in('o', 'alice'), 'member', 'alice, out of owners, is only a member of o now');
	is(call("cookie:$bobc", 'GET', '/api/v2/me')->{status}, 401, "bob's session has ended");
	is_error(call($tok, 'GET', "/api/v2/users/$BOB"), 403, 'forbidden', 'User is inactive',
	    "bob's token stopped");
	is(call("cookie:$alc", 'GET', '/api/v2/me')->{status}, 200, "alice's session lives");
	no_signin('bob', 'bobpw1234', 'bob cannot sign in again');
	no_signin('a*', 'starpw123', 'nor can a*');
	$d->freeze;
	my $t0 = Time::HiRes::time();
	($rc, $out, $err) = $t->ctl('ldap', 'sync');
	my $dt = Time::HiRes::time() - $t0;
	$d->thaw;
	isnt($rc, 0, 'sync with the directory frozen fails');
	cmp_ok($dt, '<', 2 + 1.5, sprintf('... within ldap_timeout (%.2f s)', $dt));
	is(row('alice')->[3], 'active', '... and deactivates nobody');
};

done_testing;
