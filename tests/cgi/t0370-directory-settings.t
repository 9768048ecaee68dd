# t0370-directory-settings.t -- an instance's directory settings (sql 0015):
# `usersctl ldap show|set|test`, who may read and change them in psql (the
# bind secret: no one but the service role reads it; allow_plain: not the
# tenant's admin), and that a directory user never gets a local password,
# whoever tries.  Sign-in against a real directory: t0371, t0700.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
# The servers ldap test may try, whichever layout (t0373 tests ldap_servers).
$t->ctl_env(USERSD_LDAP_SERVERS => '*');
my $S = given('setup');

sub show {
	my ($rc, $out, $err) = $t->ctl('ldap', 'show');
	is($rc, 0, 'ldap show') or diag($err);
	return { map { split /\t/, $_, 2 } split /\n/, $out };
}

my %ROLE = map { $_->[0] => $_->[1] } $t->psql('SELECT kind, name FROM usersd_roles');
my $ADM = "t0370_adm_$$";
my $RO = "t0370_ro_$$";
$t->psql(qq{CREATE ROLE "$ADM" LOGIN IN ROLE "$ROLE{admin}"});
$t->psql(qq{CREATE ROLE "$RO" LOGIN IN ROLE "$ROLE{readonly}"});
END { if ($t) { $t->psql(qq{DROP ROLE IF EXISTS "$ADM"}); $t->psql(qq{DROP ROLE IF EXISTS "$RO"}) } }

subtest 'a new instance has its directory disabled, with no secret' => sub {
	my $s = show();
	is($s->{enabled}, 'false', 'disabled');
	is($s->{bind_password}, '', 'no bind password');
	is($s->{starttls}, 'true', 'StartTLS by default');
	is($s->{allow_plain}, 'false', 'no plain LDAP by default');
};

subtest 'the bind secret is set from stdin only and never shown' => sub {
	my ($rc, $out, $err) = $t->ctl('ldap', 'set', 'bind_password', 'onargv12');
	is($rc, 2, 'on the command line: refused');
	like($err, qr/stdin/, '... saying where it goes');
	is(one(q{SELECT bind_password = '' FROM directory}), 't', '... and nothing stored');
	# After "--" the words no longer match the bind_password row; the
	# KEY VALUE row must not take the secret either (found in review).
	($rc, $out, $err) = $t->ctl('ldap', 'set', '--', 'bind_password', 'onargv12');
	is($rc, 2, 'ldap set -- bind_password VALUE: refused');
	like($err, qr/stdin/, '... saying where it goes');
	is(one(q{SELECT bind_password = '' FROM directory}), 't', '... and nothing stored');
	($rc, $out, $err) = $t->ctl({ stdin => "s3cret-bind\n" }, 'ldap', 'set', 'bind_password');
	is($rc, 0, 'from stdin') or diag($err);
	is(one('SELECT bind_password FROM directory'), 's3cret-bind', '... stored');
	($rc, $out, $err) = $t->ctl({ stdin => '' }, 'ldap', 'set', 'bind_password');
	is($rc, 2, 'an empty one: refused');
	my ($r2, $o2) = $t->ctl('ldap', 'show');
	like($o2, qr/^bind_password\t\(set\)$/m, 'show says it is set');
	unlike($o2, qr/s3cret/, '... and never what it is');
};

subtest 'ldap set refuses unknown settings and bad values, changing nothing' => sub {
	my $before = join '|', map { join ',', @$_ } $t->psql('SELECT * FROM directory');
	for my $c ([ 'no_such', 'x', qr/unknown directory setting/ ],
	    [ 'updated_at', 'now', qr/unknown directory setting/ ],
	    [ 'only_row', 'false', qr/unknown directory setting/ ],
	    [ 'uris', 'http://example.test', qr/not allowed/ ],
	    [ 'name_attr', 'uid)(cn=*', qr/not allowed/ ],
	    [ 'member_attr', '', qr/not allowed/ ],
	    [ 'user_filter', 'objectClass=*', qr/not allowed/ ],
	    [ 'enabled', 'maybe', qr/true or false/ ]) {
		my ($k, $v, $re) = @$c;
		my ($rc, $out, $err) = $t->ctl('ldap', 'set', $k, $v);
		isnt($rc, 0, "set $k '$v' refused");
		like($err, $re, '... with a reason');
	}
	is(join('|', map { join ',', @$_ } $t->psql('SELECT * FROM directory')), $before,
	    'the settings are unchanged');
};

subtest 'ldap set and show round-trip every setting' => sub {
	my %v = (uris => 'ldaps://dir.example.test ldap://127.0.0.1:1',
	    starttls => 'false', allow_plain => 'true', ca_file => '/etc/ssl/ca.pem',
	    bind_dn => 'cn=search,dc=example,dc=test', base_dn => 'dc=example,dc=test',
	    user_filter => '(objectClass=inetOrgPerson)', name_attr => 'sAMAccountName',
	    required_group => 'cn=staff,dc=example,dc=test', member_attr => 'uniqueMember',
	    unknown_names => 'true', enabled => 'true');
	for my $k (sort keys %v) {
		my ($rc, $out, $err) = $t->ctl('ldap', 'set', $k, $v{$k});
		is($rc, 0, "set $k") or diag($err);
	}
	my $s = show();
	is($s->{$_}, $v{$_}, "show $_") for sort keys %v;
};

subtest 'ldap test names what is wrong, exit status 1' => sub {
	$t->ctl('ldap', 'set', 'uris', '');
	my ($rc, $out) = $t->ctl('ldap', 'test');
	is($rc, 1, 'no servers: status 1');
	like($out, qr/^misconfigured: no server in uris/, '... and why');
	$t->ctl('ldap', 'set', 'uris', 'ldap://127.0.0.1:1');
	$t->ctl('ldap', 'set', 'starttls', 'false');
	$t->ctl('ldap', 'set', 'allow_plain', 'false');
	($rc, $out) = $t->ctl('ldap', 'test');
	is($rc, 1, 'plain ldap:// without allow_plain: status 1');
	like($out, qr/^misconfigured: .*plain LDAP needs starttls or allow_plain/, '... and why');
	$t->ctl('ldap', 'set', 'allow_plain', 'true');
	($rc, $out) = $t->ctl('ldap', 'test');
	is($rc, 1, 'nothing listening: status 1');
	like($out, qr/^unavailable: /, '... unavailable');
	$t->ctl('ldap', 'set', 'enabled', 'false');
};

sub as {
	my ($role, $sql) = @_;
	my ($rc, $out) = $t->psql_as($role, $sql);
	return ($rc, $out);
}

subtest 'readonly reads the settings but not the bind secret, and changes nothing' => sub {
	my ($rc, $out) = as($RO, 'SELECT uris, bind_dn FROM directory');
	is($rc, 0, 'reads uris and bind_dn') or diag($out);
	($rc, $out) = as($RO, 'SELECT bind_password FROM directory');
	isnt($rc, 0, 'not bind_password');
	like($out, qr/permission denied/, '... permission denied');
	($rc, $out) = as($RO, 'SELECT * FROM directory');
	isnt($rc, 0, 'nor SELECT *');
	($rc, $out) = as($RO, q{UPDATE directory SET uris = ''});
	isnt($rc, 0, 'no UPDATE');
	($rc, $out) = as($RO, 'SELECT directory_dn FROM users');
	isnt($rc, 0, 'no users.directory_dn');
	($rc, $out) = as($RO, 'SELECT * FROM directory_roles');
	is($rc, 0, 'reads the group rules') or diag($out);
	($rc, $out) = as($RO, q{INSERT INTO directory_roles VALUES ('o', 'owner', 'cn=x')});
	isnt($rc, 0, 'but adds none');
};

subtest "the instance's admin sets the directory in psql, but not plain LDAP, and cannot read the secret back" => sub {
	my ($rc, $out) = as($ADM, q{UPDATE directory SET uris = 'ldaps://dir.example.test', }
	    . q{bind_password = 'adm-secret', updated_at = now()});
	is($rc, 0, 'uris and bind_password') or diag($out);
	is(one('SELECT bind_password FROM directory'), 'adm-secret', '... stored');
	($rc, $out) = as($ADM, 'SELECT bind_password FROM directory');
	isnt($rc, 0, 'cannot read bind_password');
	# Review finding F3: nor send it elsewhere by moving the server.
	for my $move (q{uris = 'ldaps://collector.example.test'}, q{ca_file = '/tmp/mine.pem'},
	    q{bind_dn = 'cn=other'}, q{starttls = NOT starttls}) {
		$t->psql(q{UPDATE directory SET bind_password = 'adm-secret'});
		($rc, $out) = as($ADM, "UPDATE directory SET $move");
		is($rc, 0, "the admin may set $move") or diag($out);
		is(one(q{SELECT bind_password = '' FROM directory}), 't', '... and the secret is forgotten');
	}
	($rc, $out) = as($ADM, q{UPDATE directory SET uris = 'ldaps://dir.example.test', }
	    . q{bind_password = 'adm-secret'});
	is(one(q{SELECT bind_password = 'adm-secret' FROM directory}), 't',
	    'a move that sets the secret in the same UPDATE keeps it');
	($rc, $out) = as($ADM, q{UPDATE directory SET allow_plain = true});
	isnt($rc, 0, 'cannot allow plain LDAP');
	like($out, qr/permission denied/, '... permission denied');
	is(one('SELECT allow_plain FROM directory'), 't', 'allow_plain as usersctl left it');
	($rc, $out) = as($ADM, q{SELECT usersd_directory_user('x', 'cn=x', '')});
	isnt($rc, 0, 'cannot make directory users with the sign-in function');
	($rc, $out) = as($ADM, q{INSERT INTO directory DEFAULT VALUES});
	isnt($rc, 0, 'cannot add a second settings row');
	($rc, $out) = as($ADM, q{INSERT INTO directory_roles VALUES ('o', 'owner', 'cn=admins,dc=x'); }
	    . q{DELETE FROM directory_roles});
	is($rc, 0, 'sets group rules') or diag($out);
	($rc, $out) = as($ADM, q{INSERT INTO directory_roles VALUES ('o', 'boss', 'cn=admins,dc=x')});
	isnt($rc, 0, '... of the two roles only');
	($rc, $out) = as($ADM, q{SELECT usersd_directory_roles('x', 't', '')});
	isnt($rc, 0, 'cannot set roles with the sign-in function');
};

# A directory user, as a sign-in makes one (t0371 makes them for real).
my $dn = 'uid=dirk,ou=people,dc=example,dc=test';
my $DIRK = one(q{SELECT user_id FROM usersd_directory_user('dirk', } . lit($dn) . q{, '127.0.0.1')});
my $AL = given(user => 'alocal', password => 'alocalpw1');

subtest "a directory user's password cannot be set: the API answers 422 and nothing changes" => sub {
	my $gen = one("SELECT credential_gen FROM users WHERE id = " . lit($DIRK));
	my $r = call($OP, 'POST', "/api/v2/users/$DIRK/password", { password => 'localpw123' });
	is_error($r, 422, 'unprocessable entity',
	    q{a directory user signs in with the directory's password; it cannot be set here});
	is(one("SELECT password_hash IS NULL FROM users WHERE id = " . lit($DIRK)), 't', 'no hash');
	is(one("SELECT credential_gen FROM users WHERE id = " . lit($DIRK)), $gen, 'same generation');
	$r = call(basic('dirk', 'localpw123'), 'POST', '/api/v2/signin', undef);
	is($r->{status}, 401, 'and that password signs nobody in');
};

subtest 'nor with usersctl user passwd' => sub {
	my ($rc, $out, $err) = $t->ctl({ stdin => "localpw123\n" }, 'user', 'passwd', 'dirk');
	isnt($rc, 0, 'refused');
	like($err, qr/directory/, '... saying why') or diag($err);
	is(one("SELECT password_hash IS NULL FROM users WHERE id = " . lit($DIRK)), 't', 'no hash');
};

subtest 'nor in psql: a local user with a password does not become a directory user' => sub {
	my ($rc, $out) = as($ADM, q{UPDATE users SET directory_dn = 'cn=x' WHERE name = 'alocal'});
	isnt($rc, 0, 'refused');
	like($out, qr/directory/, '... by the rule');
	is(one(q{SELECT directory_dn IS NULL FROM users WHERE name = 'alocal'}), 't', 'unchanged');
	($rc, $out) = $t->psql_as('postgres', q{UPDATE users SET password_hash = 'x' WHERE name = 'dirk'});
	isnt($rc, 0, 'nor a hash for a directory user, even for a superuser');
};

subtest 'the sign-in function does not take over a local name' => sub {
	my ($rc, $out) = $t->psql_as('postgres',
	    q{SELECT * FROM usersd_directory_user('alocal', 'uid=alocal,dc=x', '')});
	isnt($rc, 0, 'a local name is refused');
	like($out, qr/another user/, '... as another user');
	($rc, $out) = $t->psql_as('postgres',
	    q{SELECT * FROM usersd_directory_user('dirk', 'uid=dirk,ou=other,dc=x', '')});
	isnt($rc, 0, 'a directory name with another DN is refused');
	is(one(q{SELECT directory_dn FROM users WHERE name = 'dirk'}), $dn, 'its DN kept');
};

done_testing;
