# t0410-usersctl.t -- the admin command against a real database: setup,
# users, passwords, tokens and migrations, checked through the API.
# layout: database only (it makes fresh databases and configures instance.NAME;
# t0440 covers usersctl on hosted instances)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use POSIX ();
use MIME::Base64 qw(encode_base64);
use TestLib;

# The migrations the binary carries: one per file of sql/migrations.
my @VERSIONS = map { m{/0*(\d+)-[^/]*\.sql$} ? $1 : () }
    sort glob("$TestLib::ROOT/sql/migrations/*.sql");

my $t = TestLib->new;

sub signin_status {
	my ($name, $pw) = @_;
	return $t->cgi(method => 'POST', path => '/api/v2/signin',
	    headers => { Authorization => 'Basic ' . encode_base64("$name:$pw", '') })->{status};
}

subtest 'usersctl --help lists the commands' => sub {
	my ($rc, $out) = $t->ctl('--help');
	is($rc, 0, 'exit 0');
	like($out, qr/user add/, 'user add');
	like($out, qr/token create/, 'token create');
	like($out, qr/migrate/, 'migrate');
};

subtest '--help after any command prints the usage without a database' => sub {
	for my $cmd (['user', '--help'], ['token', 'create', '--help'],
	    ['migrate', '-h'], ['instance', '--help']) {
		my ($rc, $out) = $t->ctl({ env => { USERSD_DB => 'host=/nonexistent dbname=x' } }, @$cmd);
		is($rc, 0, "@$cmd: exit 0");
		like($out, qr/usage: usersctl/, "@$cmd: usage");
	}
};

# A database migrated here has roles of its own (named after it), which
# outlive it: drop them with it.
sub drop_db {
	my ($db) = @_;
	$t->psql(qq{DROP DATABASE "$db" WITH (FORCE)});
	$t->psql(qq{DROP ROLE "${db}_$_"}) for qw(owner service admin readonly);
}

subtest 'two migrations at once on an empty database apply each step once' => sub {
	my $db = "$t->{dbname}_fresh";
	$t->psql(qq{CREATE DATABASE "$db"});
	(my $ci = $t->admin_conninfo) =~ s/dbname=\S+/dbname=$db/;
	my @pids;
	for (1 .. 2) {
		my $pid = fork // die;
		if ($pid == 0) {
			$ENV{USERSD_DB} = $ci;
			open STDOUT, '>', '/dev/null';
			exec $TestLib::CTL, 'migrate' or POSIX::_exit(127);
		}
		push @pids, $pid;
	}
	my @rc = map { waitpid($_, 0); $? >> 8 } @pids;
	is_deeply(\@rc, [0, 0], 'both exit 0');
	my $out = qx{psql -X -At "$ci" -c 'SELECT version FROM usersd_schema ORDER BY 1'};
	is($out, join('', map { "$_\n" } @VERSIONS), 'each migration recorded once');
	drop_db($db);
};

subtest 'instance create makes and migrates a configured instance\'s database' => sub {
	my $db = "$t->{dbname}_inst";
	(my $ci = $t->admin_conninfo) =~ s/dbname=\S+/dbname=$db/;
	my $conf = "/tmp/usersctl-t0410-$$.conf";
	open my $f, '>', $conf or die "$conf: $!";
	print $f "db = ", $t->admin_conninfo, "\ninstance.acme = $ci\n";
	close $f;
	my ($rc, $out, $err) = $t->ctl('-c', $conf, 'instance', 'create', 'acme');
	is($rc, 0, 'exit 0') or diag $err;
	my $n = @VERSIONS;
	like($out, qr/^acme: database created, $n migration\(s\) applied/, 'created and migrated');
	my $v = qx{psql -X -At "$ci" -c 'SELECT count(*) FROM usersd_schema'};
	is($v, "$n\n", 'the schema is there');
	($rc, $out) = $t->ctl('-c', $conf, 'instance', 'create', 'acme');
	like($out, qr/^acme: database already there, 0 migration/, 'a second run changes nothing');
	($rc, undef, $err) = $t->ctl('-c', $conf, 'instance', 'create', 'nope');
	is($rc, 1, 'an unknown instance: exit 1');
	like($err, qr/instance "nope" is not in the configuration/, 'says so');
	($rc, $out) = $t->ctl('-c', $conf, 'migrate', '--all');
	like($out, qr/^default: 0 .*\nacme: 0 /s, 'migrate --all visits every instance');
	unlink $conf;
	drop_db($db);
};

subtest 'an unknown command is a usage error' => sub {
	my ($rc, undef, $err) = $t->ctl('frobnicate');
	is($rc, 2, 'exit 2');
	like($err, qr/usage/, 'usage on stderr');
};

subtest 'migrate on a migrated database applies nothing' => sub {
	my ($rc, $out) = $t->ctl('migrate');
	is($rc, 0, 'exit 0');
	like($out, qr/0 migration\(s\) applied/, 'nothing to do');
};

my $token;
subtest 'setup creates the operator and prints a working token' => sub {
	my ($rc, $out, $err) = $t->ctl({ stdin => "adminpass1\n" }, 'setup', '--username', 'admin',
	    '--org', 'o', '--bucket', 'b');
	is($rc, 0, 'exit 0') or diag $err;
	chomp($token = $out);
	is(length $token, 88, 'an 88-character token');
	my $r = $t->cgi(method => 'GET', path => '/api/v2/me',
	    headers => { Authorization => "Token $token" });
	is($r->{json}{name}, 'admin', 'the token reads its user');
	is(signin_status('admin', 'adminpass1'), 204, 'the password works');
	is(($t->psql(q{SELECT count(*) FROM authorizations WHERE token_hash = '} . $token . q{'}))[0][0],
	    0, 'the token itself is not stored');
};

subtest 'a second setup is refused and changes nothing' => sub {
	my ($rc, undef, $err) = $t->ctl({ stdin => "x\n" }, 'setup', '--username', 'b', '--org', 'p',
	    '--bucket', 'c');
	is($rc, 1, 'exit 1');
	like($err, qr/onboarding has already been completed/, 'says why');
	is(($t->psql('SELECT count(*) FROM users'))[0][0], 1, 'still one user');
};

subtest 'user add with a password on stdin, then list' => sub {
	my ($rc, $out, $err) = $t->ctl({ stdin => "carolpass1\n" }, 'user', 'add', 'carol');
	is($rc, 0, 'exit 0') or diag $err;
	like($out, qr/^[0-9a-f]{16}$/m, 'prints the id');
	is(signin_status('carol', 'carolpass1'), 204, 'carol can sign in');
	($rc, $out) = $t->ctl('user', 'list');
	like($out, qr/\tactive\tcarol$/m, 'listed');
	unlike($out, qr/argon2/, 'no hash in the listing');
};

subtest 'user add refuses a duplicate and a short password' => sub {
	my ($rc, undef, $err) = $t->ctl({ stdin => "carolpass1\n" }, 'user', 'add', 'carol');
	is($rc, 1, 'duplicate: exit 1');
	like($err, qr/already exists/, 'conflict');
	($rc, undef, $err) = $t->ctl({ stdin => "short\n" }, 'user', 'add', 'dave');
	is($rc, 1, 'short password: exit 1');
	like($err, qr/passwords must be between 8 and 256/, 'policy');
	is(($t->psql(q{SELECT count(*) FROM users WHERE name = 'dave'}))[0][0], 0,
	    'no half-made user');
};

subtest 'user passwd changes the password' => sub {
	my $r = $t->cgi(method => 'POST', path => '/api/v2/signin',
	    headers => { Authorization => 'Basic ' . encode_base64('carol:carolpass1', '') });
	my ($cookie) = map { /^influxdb-oss-session=([^;]+)/ ? $1 : () } TestLib::header_all($r, 'set-cookie');
	ok($cookie, 'carol has a session');
	my ($rc) = $t->ctl({ stdin => "carolpass2\n" }, 'user', 'passwd', 'carol');
	is($rc, 0, 'exit 0');
	is($t->cgi(method => 'GET', path => '/api/v2/me',
	    headers => { Cookie => "influxdb-oss-session=$cookie" })->{status}, 401,
	    'the session made with the old password is over');
	my ($n) = $t->psql("SELECT count(*) FROM admin_sessions WHERE user_name = 'carol'");
	is($n->[0], 0, 'admin_sessions lists none of carol\'s');
	is(signin_status('carol', 'carolpass1'), 401, 'old password refused');
	is(signin_status('carol', 'carolpass2'), 204, 'new password works');
};

subtest 'user deactivate refuses sign-in, activate allows it' => sub {
	is(($t->ctl('user', 'deactivate', 'carol'))[0], 0, 'deactivated');
	is(signin_status('carol', 'carolpass2'), 401, 'inactive: 401, as a wrong password');
	is(($t->ctl('user', 'activate', 'carol'))[0], 0, 'activated');
	is(signin_status('carol', 'carolpass2'), 204, 'active again');
};

subtest 'token create prints a token that works; revoke ends it' => sub {
	my ($rc, $out, $err) = $t->ctl('token', 'create', '--user', 'carol',
	    '--org', 'o', '--description', 'cli');
	is($rc, 0, 'exit 0') or diag $err;
	chomp(my $tok = $out);
	my ($id) = $err =~ /token id ([0-9a-f]{16})/;
	ok($id, 'id on stderr');
	my %h = (Authorization => "Token $tok");
	is($t->cgi(method => 'GET', path => '/api/v2/me', headers => \%h)->{json}{name},
	    'carol', 'reads its user');
	is($t->cgi(method => 'GET', path => '/api/v2/users', headers => \%h)->{json}{users}[0]{name},
	    'carol', 'lists only itself');
	($rc, $out) = $t->ctl('token', 'list', '--user', 'carol');
	like($out, qr/^$id\tactive\tcarol\to\tcli\tread:users\/[0-9a-f]{16},write:users/m,
	    'listed with permissions') or diag $out;
	unlike($out, qr/\Q$tok\E/, 'never the token value');
	is(($t->ctl('token', 'revoke', $id))[0], 0, 'revoked');
	is($t->cgi(method => 'GET', path => '/api/v2/me', headers => \%h)->{status},
	    401, 'refused after revoke');
	is(($t->ctl('token', 'revoke', 'nothex'))[0], 2, 'a bad id is a usage error');
};

subtest 'user delete removes the user with its tokens' => sub {
	my ($rc) = $t->ctl('user', 'delete', 'carol');
	is($rc, 0, 'exit 0');
	is(signin_status('carol', 'carolpass2'), 401, 'gone');
	my ($rc2, undef, $err) = $t->ctl('user', 'delete', 'carol');
	is($rc2, 1, 'second delete: exit 1');
	like($err, qr/user not found/, 'not found');
};

done_testing;
