# t0446-hosted-attacks.t -- what one hosted instance (or its psql admin, or
# its owner role) tries against the others of its hosting database.
#
# layout: hosted only (tests/run.sh runs it in the hosted tier, where the
# cgi files run on schemas of usersd_hosting: USERSD_TEST_HOSTED=1).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Temp qw(tempfile);
use POSIX ();
use TestLib;

plan skip_all => 'hosted instances only (the hosted tier)' unless $ENV{USERSD_TEST_HOSTED};

my @T = (TestLib->new, TestLib->new);
my @S = map { $_->setup } @T;
is($_->{res}{status}, 201, 'setup') for @S;
my ($H0, $H1) = map { $_->{hosted} } @T;
my $HOSTING = "host=$T[0]{pghost} port=$T[0]{pgport} dbname=usersd_hosting";

sub me_status {
	my ($t, $tok) = @_;
	return $t->cgi(path => '/api/v2/me',
	    headers => { Authorization => "Token $tok" })->{status};
}

# Names that must never reach a schema: PostgreSQL's own, quoting and
# case tricks, one too long.
subtest 'odd instance names are unknown instances, never a query' => sub {
	for my $name ('public', 'pg_toast', 'pg_catalog', 'information_schema',
	    uc($H0), "$H0\"", "$H0.users", "$H0;", "\"$H0\"", ' ' . $H0,
	    'a' x 40, "x\x{e9}") {
		my $r = $T[0]->cgi(path => '/api/v2/me', env => { USERSD_INSTANCE => $name },
		    headers => { Authorization => "Token $S[0]{token}" });
		is($r->{status}, 503, "USERSD_INSTANCE \"$name\": 503 unknown instance")
		    or diag($r->{body});
	}
	is(me_status($T[0], $S[0]{token}), 200, 'the instance itself still answers');
};

# An instance's owner role owns its usersd_roles table.  usersctl instance
# drop must not take the roles to drop (DROP OWNED BY: everything they own)
# from there, or dropping one instance removes another.
subtest 'instance drop removes only its own roles and objects' => sub {
	my $t = TestLib->new;	# a third instance, to drop
	my $victim = "${H1}_owner";
	# The owner role logs in no more (t0447): postgres acts as it.
	my ($rc, $out) = $t->psql_as('postgres', qq{BEGIN; SET LOCAL ROLE "$t->{hosted}_owner"; }
	    . "UPDATE usersd_roles SET name = '$victim' WHERE kind = 'owner'; COMMIT");
	is($rc, 0, "the owner role points its usersd_roles at $victim") or diag($out);
	($rc, $out, my $err) = $t->ctl({ env => { USERSD_HOSTING => "$HOSTING user=postgres" } },
	    'instance', 'drop', $t->{hosted});
	is($rc, 0, 'usersctl instance drop') or diag($err);
	is(me_status($T[1], $S[1]{token}), 200, 'the other instance still serves its token');
	my ($n) = $T[1]->psql(q{SELECT count(*) FROM pg_class
	    WHERE relnamespace = current_schema()::regnamespace});
	cmp_ok($n->[0], '>', 10, 'and still has its tables');
	($n) = $T[1]->psql("SELECT count(*) FROM pg_roles WHERE rolname LIKE '$t->{hosted}\\_%'");
	is($n->[0], 0, 'the dropped instance\'s roles are gone');
	delete $t->{hosted};	# gone: nothing for TestLib to drop at the end
};

# usersctl instance create must see the name is free on every hosting
# database: one it cannot ask may hold it already.
subtest 'instance create refuses when a hosting database cannot be asked' => sub {
	my ($fh, $conf) = tempfile(UNLINK => 1);
	print $fh "hosting = host=/nonexistent-usersd port=1 dbname=usersd_hosting\n",
	    "hosting.up = $HOSTING user=postgres\n",
	    "hosting_role = usersd_test_hosting\n",
	    "connect_timeout = 1\n";
	close $fh;
	my $name = "dup_$$";
	my %by_file = (env => { USERSD_HOSTING => undef });	# the hosting of $conf
	my ($rc, $out, $err) = $T[0]->ctl(\%by_file, '-c', $conf, 'instance', 'create', $name,
	    '--server', 'up');
	isnt($rc, 0, 'refused while "default" is down') or diag($out);
	like($err, qr/usersctl: instance \Q$name\E: hosting database default is unavailable/,
	    'saying why') or diag($err);
	my ($n) = $T[0]->psql("SELECT count(*) FROM public.usersd_hosted WHERE name = '$name'");
	is($n->[0], 0, 'nothing made on "up"');
	# Left behind by a create that went through: remove it.
	$T[0]->ctl(\%by_file, '-c', $conf, 'instance', 'drop', $name) if $rc == 0;
};

# Role names are cluster-wide.  A database instance whose role prefix (by
# default its database name) is a hosted instance's name must not take
# over that instance's roles: the hosting role, a member of NAME_service,
# would reach the database's rows, and NAME_admin would administer both.
subtest 'a database instance named like a hosted one gets no shared roles' => sub {
	my $db = $H1;
	$T[0]->_admin_sql(qq{CREATE DATABASE "$db"}) or return fail('createdb');
	my $ci = "host=$T[0]{pghost} port=$T[0]{pgport} dbname=$db user=postgres";
	my ($rc, $out, $err) = $T[0]->ctl({ env => { USERSD_DB => $ci, USERSD_INSTANCE => undef } },
	    'migrate');
	isnt($rc, 0, "usersctl migrate of database $db refuses the hosted instance's roles");
	like($err, qr/hosted instance's; set usersd\.role_prefix/, '... and says why') or diag($err);
	my ($rc2, $tables) = TestLib::_run('psql', '-X', '-At', '-d',
	    "host=$T[0]{pghost} port=$T[0]{pgport} dbname=$db user=postgres",
	    '-c', q{SELECT count(*) FROM pg_tables WHERE schemaname = 'public'});
	is($tables, "0\n", 'nothing was made in that database (one transaction)');
	($rc, $out, $err) = $T[0]->ctl({ env => { USERSD_DB => $ci, USERSD_INSTANCE => undef,
	    PGOPTIONS => "-c usersd.role_prefix=${db}_db" } }, 'migrate');
	is($rc, 0, 'with a role prefix of its own it migrates') or diag($err);
	$T[0]->_admin_sql(qq{DROP DATABASE "$db" WITH (FORCE)});
	$T[0]->_admin_sql(qq{DROP ROLE "${db}_db_$_"}) for qw(owner service admin readonly);
};

done_testing();
