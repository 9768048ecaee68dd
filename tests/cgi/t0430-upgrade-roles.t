# t0430-upgrade-roles.t -- an existing deployment upgrades to the roles of
# 0005 without downtime: a database at 0004 owned by its one role, with
# data, is migrated while that role keeps running the previous release's
# statements; then usersd connects as the service role, and
# usersd_end_upgrade() takes the old role's privileges away.
# layout: database only (an upgrade of a database deployed before 0005)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use POSIX ();
use MIME::Base64 ();
use TestLib;

my $t = TestLib->new;
my $S = $t->setup;
# A real argon2id hash of "adminpass1", for the old database's user.
my ($HASH) = map { $_->[0] } $t->psql(q{SELECT password_hash FROM users WHERE name = 'admin'});

my $OLD = "t0430_legacy_$$";
my $DB = "$t->{dbname}_up";
my $PREFIX = "t0430_$$";
my %ROLE = map { $_ => "${PREFIX}_$_" } qw(owner service admin readonly);
(my $ADMIN_CI = $t->admin_conninfo) =~ s/dbname=\S+/dbname=$DB/;
(my $OLD_CI = $ADMIN_CI) =~ s/user=postgres/user=$OLD/;

$t->psql(qq{CREATE ROLE "$OLD" LOGIN});
$t->psql(qq{CREATE DATABASE "$DB" OWNER "$OLD"});
END {
	if ($t) {
		$t->psql(qq{DROP DATABASE IF EXISTS "$DB" WITH (FORCE)});
		$t->psql(qq{DROP ROLE IF EXISTS "$_"}) for $OLD, values %ROLE;
	}
}

sub psql_ci {
	my ($ci, @args) = @_;
	return TestLib::_run('psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $ci, @args);
}

# The previous release: 0001-0004 applied by its own role, as migrate.c did.
subtest 'a database at 0004, owned by its one role, with data' => sub {
	my @files = sort glob("$TestLib::ROOT/sql/migrations/000[1-4]-*.sql");
	is(scalar @files, 4, 'four old migrations');
	my $sql = "BEGIN;\nCREATE TABLE usersd_schema (version integer PRIMARY KEY, "
	    . "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());\n";
	for my $f (@files) {
		open my $fh, '<', $f or die "$f: $!";
		$sql .= do { local $/; <$fh> } . ";\n";
		my ($v, $n) = $f =~ m{/0*(\d+)-([^/]+)\.sql$};
		$sql .= "INSERT INTO usersd_schema VALUES ($v, '$v-$n');\n";
	}
	$sql .= "COMMIT;\n";
	my $file = "/tmp/t0430-$$.sql";
	open my $o, '>', $file or die; print $o $sql; close $o;
	my ($rc, $out) = psql_ci($OLD_CI, '-q', '-f', $file);
	unlink $file;
	is($rc, 0, 'migrated to 0004 as the old role') or diag($out);
	($rc, $out) = psql_ci($OLD_CI, '-c', qq{INSERT INTO users (name, password_hash, instance_owner) }
	    . qq{VALUES ('alice', '$HASH', true), ('bob', NULL, false)});
	is($rc, 0, 'two users') or diag($out);
};

# The old release's statements, as the old role: a sign-in's throttle
# (0004's functions), its hash read and its audit row written by the
# statement itself.
my $OLDSTMT = q{SELECT usersd_signin_attempt('alice', '127.0.0.1', 5, 1, 900, 100, 3600); }
    . q{SELECT id, status, password_hash FROM users WHERE name = 'alice'; }
    . q{SELECT usersd_signin_succeeded('alice', '127.0.0.1', 100); }
    . q{INSERT INTO audit_log (actor_user_id, action, target_type, remote_addr) }
    . q{SELECT id, 'signin', 'user', '127.0.0.1' FROM users WHERE name = 'alice'; }
    . q{UPDATE users SET updated_at = now() WHERE name = 'bob'};

# Up to 16 first (docs/deploy.md): 0017 and 0018 drop the functions of
# the old release's sign-in, the rest comes once no old worker is left.
subtest 'usersctl migrate --to 16 applies 0005 while the old release keeps working' => sub {
	my $flag = "/tmp/t0430-$$.stop";
	my $log = "/tmp/t0430-$$.log";
	unlink $flag, $log;
	my $pid = fork // die;
	if ($pid == 0) {
		my ($ok, $bad) = (0, 0);
		open my $l, '>', $log or POSIX::_exit(1);
		until (-e $flag) {
			my ($rc, $out) = psql_ci($OLD_CI, '-c', $OLDSTMT);
			if ($rc == 0) { $ok++ } else { $bad++; print $l $out }
		}
		print $l "ok=$ok bad=$bad\n";
		close $l;
		POSIX::_exit(0);
	}
	select(undef, undef, undef, 0.5);
	my ($rc, $out, $err) = $t->ctl({ env => { USERSD_DB => $ADMIN_CI,
	    PGOPTIONS => "-c usersd.role_prefix=$PREFIX" } }, 'migrate', '--to', 16);
	is($rc, 0, 'migrate --to 16 as postgres') or diag($err);
	my $after = grep { /\/(\d{4})-/ && $1 >= 5 && $1 <= 16 } glob("$FindBin::Bin/../../sql/migrations/*.sql");
	like($out, qr/\b$after migration\(s\) applied/, "0005 to 0016 ($after)");
	select(undef, undef, undef, 0.5);
	open my $f, '>', $flag; close $f;
	waitpid($pid, 0);
	open my $l, '<', $log or die; my $text = do { local $/; <$l> }; close $l;
	unlink $flag, $log;
	like($text, qr/ok=[1-9]\d* bad=0\n\z/, 'every old statement succeeded, before, during and after')
	    or diag($text);
};

subtest 'the data is intact, the grants moved' => sub {
	my ($rc, $out) = psql_ci($ADMIN_CI, '-c', q{SELECT string_agg(name || ':' || coalesce(password_hash, '-'), ',' ORDER BY name) FROM users});
	is($out, "alice:$HASH,bob:-\n", 'the users and their hashes');
	($rc, $out) = psql_ci($ADMIN_CI, '-c', q{SELECT tableowner FROM pg_tables WHERE tablename = 'users'});
	is($out, "$ROLE{owner}\n", 'the owner role owns the tables');
	($rc, $out) = psql_ci($ADMIN_CI, '-c', q{SELECT kind || '=' || name FROM usersd_roles ORDER BY kind});
	is($out, join('', map { "$_=$ROLE{$_}\n" } qw(admin)) . "legacy=$OLD\n"
	    . join('', map { "$_=$ROLE{$_}\n" } qw(owner readonly service)), 'the roles, named by the prefix');
};

subtest 'usersd as the service role serves the upgraded database' => sub {
	(my $svc = $ADMIN_CI) =~ s/user=postgres/user=$ROLE{service}/;
	my $u = bless { %$t, conninfo => $svc }, 'TestLib';
	my $r = $u->cgi(method => 'POST', path => '/api/v2/signin',
	    headers => { Authorization => 'Basic ' . MIME::Base64::encode_base64('alice:adminpass1', '') });
	is($r->{status}, 204, 'alice signs in') or diag($r->{body}, $r->{stderr});
	my ($rc, $out) = psql_ci($ADMIN_CI, '-c', q{SELECT actor || ' ' || action FROM audit_log WHERE actor IS NOT NULL ORDER BY id DESC LIMIT 1});
	is($out, "usersd signin\n", 'audited by the trigger');
};

subtest 'usersd_end_upgrade() leaves the old role nothing' => sub {
	my ($rc, $out) = psql_ci($ADMIN_CI, '-c', 'SELECT usersd_end_upgrade()');
	is($out, "$OLD\n", 'names the old role');
	($rc, $out) = psql_ci($OLD_CI, '-c', $OLDSTMT);
	isnt($rc, 0, 'the old statements fail now');
	like($out, qr/permission denied/, 'permission denied');
	($rc, $out) = psql_ci($ADMIN_CI, '-c', qq{SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$DB'});
	is($out, "$ROLE{owner}\n", 'the database belongs to the owner role');
};

subtest 'then the rest, and usersd signs in on the final schema' => sub {
	my ($rc, $out, $err) = $t->ctl({ env => { USERSD_DB => $ADMIN_CI,
	    PGOPTIONS => "-c usersd.role_prefix=$PREFIX" } }, 'migrate');
	is($rc, 0, 'migrate as postgres') or diag($err);
	my $rest = grep { /\/(\d{4})-/ && $1 > 16 } glob("$FindBin::Bin/../../sql/migrations/*.sql");
	like($out, qr/\b$rest migration\(s\) applied/, "the rest ($rest)");
	($rc, $out) = psql_ci($ADMIN_CI, '-c', q{SELECT count(*) FROM pg_proc WHERE proname = 'usersd_signin_attempt'});
	is($out, "1\n", "the old release's throttle is gone");
	(my $svc = $ADMIN_CI) =~ s/user=postgres/user=$ROLE{service}/;
	my $u = bless { %$t, conninfo => $svc }, 'TestLib';
	my $r = $u->cgi(method => 'POST', path => '/api/v2/signin',
	    headers => { Authorization => 'Basic ' . MIME::Base64::encode_base64('alice:adminpass1', '') });
	is($r->{status}, 204, 'alice signs in') or diag($r->{body}, $r->{stderr});
};

done_testing;
