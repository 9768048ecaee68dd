# t0448-migrate-as-owner.t -- a database instance's migrations run as its
# owner role, and nothing the owner wrote runs as the superuser that runs
# usersctl migrate (the database layout's half of the hosting boundary;
# t0447 is the hosted half).
#
# layout: database only
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;

my $t = TestLib->new;	# for its cluster; the database is made here
my $DB = "t0448_$$";
my $PG = "host=$t->{pghost} port=$t->{pgport}";
my $OWN = "${DB}_owner";
$t->_admin_sql(qq{CREATE DATABASE "$DB"}) or die 'createdb';

sub sql {
	my ($sql) = @_;
	my ($rc, $out) = TestLib::_run('psql', '-X', '-qAt', '-v', 'ON_ERROR_STOP=1',
	    '-d', "$PG dbname=$DB user=postgres", '-c', $sql);
	die "psql: $out" if $rc;
	chomp $out;
	return $out;
}
# usersctl migrate as postgres: (exit status, stdout, stderr).
sub migrate {
	return $t->ctl({ env => { USERSD_DB => "$PG dbname=$DB user=postgres" } }, 'migrate');
}
sub superuser { return sql("SELECT rolsuper FROM pg_roles WHERE rolname = '$OWN'") eq 't' }
END {
	if ($t) {
		$t->_admin_sql(qq{DROP DATABASE IF EXISTS "$DB" WITH (FORCE)});
		$t->_admin_sql(qq{DROP ROLE IF EXISTS "${DB}_$_"}) for qw(owner service admin readonly);
	}
}

my ($rc, $out, $err) = migrate();
is($rc, 0, 'the first migrate of a new database, as postgres') or diag($err);

subtest 'everything in schema public belongs to the owner role' => sub {
	is(sql(qq{SELECT count(*) FROM (
	    SELECT relowner o FROM pg_class WHERE relnamespace = 'public'::regnamespace
	    UNION ALL SELECT proowner FROM pg_proc WHERE pronamespace = 'public'::regnamespace
	    UNION ALL SELECT typowner FROM pg_type WHERE typnamespace = 'public'::regnamespace
	      AND typtype = 'd') x
	    WHERE o <> '"$OWN"'::regrole}), 0,
	    'no table, function or domain of a superuser (the migrations after 0005 ran as the owner)');
	is(sql(q{SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
	    AND proconfig IS NULL AND proname NOT IN ('usersd_time', 'usersd_act')}), 0,
	    'every function pins its search_path (callers resolve in pg_catalog alone)');
};

subtest 'the owner\'s functions and overloads run as the owner during a migrate' => sub {
	sql(TestLib::plant_escalation('public', $OWN));
	sql(qq{BEGIN; SET LOCAL ROLE "$OWN";
	    CREATE FUNCTION public.pg_has_role(text, text) RETURNS boolean
	    LANGUAGE plpgsql AS \$\$
	    BEGIN
		INSERT INTO public.t_escalation VALUES ('pg_has_role: ' || current_user);
		RETURN true;
	    END \$\$;
	    COMMIT});
	for (1 .. 2) {
		($rc, $out, $err) = migrate();
		is($rc, 0, "usersctl migrate as postgres, run $_") or diag($err);
		ok(!superuser(), "$OWN is no superuser after it");
	}
	is(sql(q{SELECT string_agg(DISTINCT ran_as, ',') FROM public.t_escalation}), $OWN,
	    'the planted code ran, as the owner alone');
	sql(qq{ALTER ROLE "$OWN" NOSUPERUSER}) if superuser();
	sql(q{DROP FUNCTION public.pg_has_role(text, text)});
	sql(TestLib::plant_undo('public', $OWN));
};

subtest 'an owner role with rights past its database is refused' => sub {
	sql(qq{ALTER ROLE "$OWN" CREATEROLE});
	($rc, $out, $err) = migrate();
	isnt($rc, 0, 'usersctl migrate refuses to act as it');
	like($err, qr/role "\Q$OWN\E", has SUPERUSER, CREATEROLE or BYPASSRLS/, '... saying why')
	    or diag($err);
	sql(qq{ALTER ROLE "$OWN" NOCREATEROLE});
	($rc, $out, $err) = migrate();
	is($rc, 0, 'and migrates once it has them no more') or diag($err);
};

done_testing();
