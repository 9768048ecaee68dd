# t0447-hosted-boundary.t -- the hosting boundary of docs/deploy.md, tried
# as an attacker would: whatever SQL a tenant's roles (NAME_admin,
# NAME_readonly) can run reaches no other instance, the hosting role or a
# superuser; the provider's own roles (NAME_owner) never log in and nobody
# holds them; the owner's code never runs as a superuser during a migrate;
# names that would join another role's search_path are refused; every
# hosted instance migrates again; and a new instance cannot be claimed
# over HTTP before its provider sets it up.
#
# layout: hosted only (tests/run.sh runs it in the hosted tier).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Temp qw(tempfile);
use TestLib;

plan skip_all => 'hosted instances only (the hosted tier)' unless $ENV{USERSD_TEST_HOSTED};

my @T = (TestLib->new, TestLib->new);
my @S = map { $_->setup } @T;
is($_->{res}{status}, 201, 'setup') for @S;
my ($H0, $H1) = map { $_->{hosted} } @T;
my $PG = "host=$T[0]{pghost} port=$T[0]{pgport}";
my $HOSTING = "$PG dbname=usersd_hosting";
my $ROLE = $ENV{USERSD_TEST_HOSTING_ROLE} // 'usersd_test_hosting';

# usersctl as the provider (postgres on the hosting database).
my %PROVIDER = (env => { USERSD_HOSTING => "$HOSTING user=postgres", USERSD_HOSTING_ROLE => $ROLE });
# psql on the hosting database as role $who (exit status, output).
sub sql_as {
	my ($who, $sql) = @_;
	return TestLib::_run('psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d',
	    "$HOSTING user=$who", '-c', $sql);
}
sub sql { my ($rc, $out) = sql_as('postgres', $_[0]); die "psql: $out" if $rc; chomp $out; return $out }
sub me_status {
	my ($t, $tok) = @_;
	return $t->cgi(path => '/api/v2/me',
	    headers => { Authorization => "Token $tok" })->{status};
}
sub superuser { return sql("SELECT rolsuper FROM pg_roles WHERE rolname = '$_[0]'") eq 't' }

# A tenant: a login role holding both roles a tenant may be given.
my $TENANT = "t0447_tenant_$$";
sql(qq{CREATE ROLE "$TENANT" LOGIN IN ROLE "${H0}_admin", "${H0}_readonly"});
END { sql_as('postgres', qq{DROP OWNED BY "$TENANT"; DROP ROLE IF EXISTS "$TENANT"}) if $TENANT }

subtest 'the provider\'s roles: the owner never logs in, nobody holds it, it owns everything' => sub {
	for my $h ($H0, $H1) {
		is(sql("SELECT rolcanlogin FROM pg_roles WHERE rolname = '${h}_owner'"), 'f',
		    "${h}_owner is NOLOGIN");
		is(sql(qq{SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
		    WHERE r.rolname = '${h}_owner'}), 0, "nobody is a member of ${h}_owner");
		my $others = sql(qq{SELECT count(*) FROM (
		    SELECT relowner o FROM pg_class WHERE relnamespace = '"$h"'::regnamespace
		    UNION ALL SELECT proowner FROM pg_proc WHERE pronamespace = '"$h"'::regnamespace
		    UNION ALL SELECT typowner FROM pg_type WHERE typnamespace = '"$h"'::regnamespace
		    UNION ALL SELECT nspowner FROM pg_namespace WHERE nspname = '$h') x
		    WHERE o <> '"${h}_owner"'::regrole});
		is($others, 0, "every object of $h belongs to ${h}_owner");
	}
	my ($rc, $out) = sql_as("${H0}_owner", 'SELECT 1');
	isnt($rc, 0, "nobody connects as ${H0}_owner");
	like($out, qr/not permitted to log in/, '... the role may not log in') or diag($out);
	is(sql("SELECT rolsuper OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = '$ROLE'"), 'f',
	    'the hosting role holds no superuser-like attribute');
};

subtest 'a tenant\'s roles can create or change nothing that runs as another role' => sub {
	my %try = (
	    'replace a function the statements call' =>
		qq{CREATE OR REPLACE FUNCTION "$H0".usersd_time(timestamptz) RETURNS text
		   LANGUAGE sql AS \$\$ SELECT 'x' \$\$},
	    'make a SECURITY DEFINER function an invoker one' =>
		qq{ALTER FUNCTION "$H0".usersd_password_by_id(text) SECURITY INVOKER},
	    'add a function to the instance schema' =>
		qq{CREATE FUNCTION "$H0".x() RETURNS int LANGUAGE sql AS \$\$ SELECT 1 \$\$},
	    'overload a built-in in public' =>
		q{CREATE FUNCTION public.array_to_string(text[], text) RETURNS text
		  LANGUAGE sql AS $$ SELECT 'write:instance' $$},
	    'define an operator' =>
		q{CREATE OPERATOR public.=== (leftarg = text, rightarg = text, function = texteq)},
	    'make a schema' => q{CREATE SCHEMA t0447_mine},
	    'make a temporary table' => q{CREATE TEMP TABLE t0447_tmp (i int)},
	    'add a trigger' =>
		qq{CREATE TRIGGER t0447 AFTER INSERT ON "$H0".users FOR EACH ROW
		   EXECUTE FUNCTION "$H0".usersd_audit_users()},
	    'make a view in the schema' => qq{CREATE VIEW "$H0".t0447_v AS SELECT 1 AS i},
	    'change a view' => qq{CREATE OR REPLACE VIEW "$H0".admin_users AS SELECT 1 AS id},
	    'alter a table' => qq{ALTER TABLE "$H0".users ADD COLUMN t0447 int},
	    'define a cast' =>
		qq{CREATE CAST (int AS "$H0".usersd_id) WITH INOUT},
	    'become the owner' => qq{SET ROLE "${H0}_owner"},
	    'become the service role' => qq{SET ROLE "${H0}_service"},
	    'become the hosting role' => qq{SET ROLE "$ROLE"},
	    'read another instance' => qq{SELECT count(*) FROM "$H1".users},
	    'read its own hashes' => qq{SELECT password_hash FROM "$H0".users},
	    'open onboarding' => qq{UPDATE "$H0".usersd_settings SET value = 'open'},
	    'write the register of instances' => q{DELETE FROM public.usersd_hosted},
	);
	for my $what (sort keys %try) {
		my ($rc, $out) = sql_as($TENANT, $try{$what});
		isnt($rc, 0, "refused: $what") or diag($out);
		like($out, qr/permission denied|must be owner|must be member|not allowed/,
		    "... for want of a privilege ($what)") or diag($out);
	}
	is(sql(qq{SELECT count(*) FROM (
	    SELECT relowner o FROM pg_class UNION ALL SELECT proowner FROM pg_proc
	    UNION ALL SELECT nspowner FROM pg_namespace UNION ALL SELECT oprowner FROM pg_operator) x
	    WHERE o = '"$TENANT"'::regrole}), 0, 'the tenant owns nothing');
	is(me_status($T[1], $S[1]{token}), 200, 'the other instance serves as before');
};

# The issue's variant with no changed function: a schema named like the
# hosting role joined its search_path ("$user") and overloaded a built-in.
subtest 'a schema named like the hosting role changes no statement' => sub {
	my ($rc, $out, $err) = $T[0]->ctl(\%PROVIDER, 'instance', 'create', $ROLE);
	isnt($rc, 0, "usersctl instance create $ROLE (the hosting role's name) is refused");
	like($err, qr/taken by roles/, '... saying why') or diag($err);
	# Made anyway (by hand, or by an older usersctl), with a better match
	# for array_to_string(text[], text) than pg_catalog's polymorphic one.
	sql(qq{CREATE SCHEMA IF NOT EXISTS "$ROLE";
	    GRANT USAGE ON SCHEMA "$ROLE" TO PUBLIC;
	    CREATE OR REPLACE FUNCTION "$ROLE".array_to_string(text[], text) RETURNS text
	    LANGUAGE sql AS \$\$ SELECT 'write:instance' \$\$;
	    GRANT EXECUTE ON FUNCTION "$ROLE".array_to_string(text[], text) TO PUBLIC});
	my $r = $T[0]->cgi(path => '/api/v2/authorizations',
	    headers => { Authorization => "Token $S[0]{token}" });
	is($r->{status}, 200, 'the operator lists its tokens');
	my @types = map { $_->{resource}{type} } @{ $r->{json}{authorizations}[0]{permissions} // [] };
	ok(@types > 2, 'with its permissions') or diag($r->{body});
	ok(!grep({ $_ eq 'instance' } @types), 'and no write:instance from the planted overload');
	sql(qq{DROP SCHEMA "$ROLE" CASCADE});
};

subtest 'instance names that meet a role or a schema are refused' => sub {
	sql(qq{CREATE ROLE "t0447_taken_$$" NOLOGIN});
	for my $name ("t0447_taken_$$", "${H0}_service", "${H0}_owner", 'postgres', 'pg_x', 'public') {
		my ($rc, $out, $err) = $T[0]->ctl(\%PROVIDER, 'instance', 'create', $name);
		isnt($rc, 0, "instance create $name is refused") or diag($err);
	}
	# A new name whose roles would be an existing schema's name.
	my $base = 't0447_s';
	sql(qq{CREATE SCHEMA "${base}_admin"});
	my ($rc, $out, $err) = $T[0]->ctl(\%PROVIDER, 'instance', 'create', $base);
	isnt($rc, 0, "instance create $base is refused: a schema ${base}_admin exists");
	like($err, qr/schema "${base}_admin" exists/, '... saying why') or diag($err);
	is(sql("SELECT count(*) FROM pg_roles WHERE rolname LIKE '${base}\\_%'"), 0, 'no role was made');
	sql(qq{DROP SCHEMA "${base}_admin"; DROP ROLE "t0447_taken_$$"});
};

# usersctl runs the hosting database's functions as a superuser: one that
# another role owns (made while public took anyone's objects, say) stops it.
subtest 'the provider\'s functions are a superuser\'s, or nothing runs' => sub {
	sql(qq{CREATE FUNCTION public.usersd_hosted_t0447() RETURNS int LANGUAGE sql AS \$\$ SELECT 1 \$\$;
	    ALTER FUNCTION public.usersd_hosted_t0447() OWNER TO "$TENANT"});
	my ($rc, $out, $err) = $T[0]->ctl(\%PROVIDER, 'instance', 'create', "t0447_x_$$");
	isnt($rc, 0, 'instance create refuses');
	like($err, qr/belongs to a role that is no superuser/, '... saying why') or diag($err);
	sql(q{DROP FUNCTION public.usersd_hosted_t0447()});
	is(sql("SELECT count(*) FROM pg_roles WHERE rolname LIKE 't0447\\_x\\_%'"), 0, 'nothing was made');
};

subtest 'every hosted instance migrates again, any number of times' => sub {
	for (1 .. 2) {
		my ($rc, $out, $err) = $T[0]->ctl(\%PROVIDER, '-i', $H0, 'migrate');
		is($rc, 0, "usersctl -i $H0 migrate, run $_") or diag($err);
		like($out, qr/^\Q$H0\E: 0 migration\(s\) applied$/m, '... nothing left to apply');
	}
	my $name = "t0447_old_$$";
	my ($rc, $out, $err) = $T[0]->ctl(\%PROVIDER, 'instance', 'create', $name, '--to', '7');
	is($rc, 0, "an instance at migration 7 (instance create --to 7)") or diag($err);
	is(sql("SELECT max(version) FROM \"$name\".usersd_schema"), 7, '... is at 7');
	($rc, $out, $err) = $T[0]->ctl(\%PROVIDER, '-i', $name, 'migrate');
	is($rc, 0, 'migrates to the latest') or diag($err);
	like($out, qr/^\Q$name\E: [1-9]\d* migration\(s\) applied$/m, '... applying the rest');
	# --all: the default database instance too (one of its own: the
	# template is cloned by the other files).
	my $db = "t0447_db_$$";
	sql(qq{CREATE DATABASE "$db"});
	my ($fh, $conf) = tempfile(UNLINK => 1);
	print $fh "hosting = $HOSTING user=postgres\nhosting_role = $ROLE\n",
	    "db = $PG dbname=$db user=postgres\n";
	close $fh;
	for (1 .. 2) {
		($rc, $out, my $err) = $T[0]->ctl({ env => { USERSD_HOSTING => undef } },
		    '-c', $conf, 'migrate', '--all');
		is($rc, 0, "usersctl migrate --all, run $_") or diag($err);
		like($out, qr/^\Q$H0\E: 0 migration\(s\) applied$/m, "... reaching $H0");
	}
	$T[0]->ctl(\%PROVIDER, 'instance', 'drop', $name);
	sql(qq{DROP DATABASE "$db"});
	sql(qq{DROP OWNED BY "${db}_$_"; DROP ROLE "${db}_$_"}) for qw(owner service admin readonly);
	is(me_status($T[0], $S[0]{token}), 200, 'the instance still serves its token');
};

# What the owner role writes runs with the owner's rights only, even while
# a superuser runs usersctl migrate (the owner is the provider's, but a
# compromised one must still not get the superuser): its code leaves any
# SET ROLE it can, overloads what migrate might call, and is read.
subtest 'the owner\'s code never runs as the superuser during a migrate' => sub {
	my $own = "${H0}_owner";
	sql(TestLib::plant_escalation($H0, $own));
	sql(qq{BEGIN; SET LOCAL ROLE "$own";
	    CREATE FUNCTION "$H0".pg_has_role(text, text) RETURNS boolean
	    LANGUAGE plpgsql AS \$\$
	    BEGIN
		INSERT INTO "$H0".t_escalation VALUES ('pg_has_role: ' || current_user);
		RETURN true;
	    END \$\$;
	    COMMIT});
	for (1 .. 2) {
		my ($rc, $out, $err) = $T[0]->ctl(\%PROVIDER, '-i', $H0, 'migrate');
		is($rc, 0, "usersctl -i $H0 migrate, run $_") or diag($err);
		ok(!superuser($own), "$own is no superuser after it");
	}
	is(sql(qq{SELECT string_agg(DISTINCT ran_as, ',') FROM "$H0".t_escalation}), $own,
	    'the planted code ran, as the owner alone');
	sql(qq{ALTER ROLE "$own" NOSUPERUSER}) if superuser($own);
	sql(qq{DROP FUNCTION "$H0".pg_has_role(text, text)});
	sql(TestLib::plant_undo($H0, $own));
};

subtest 'a role granted the owner loses it at the next migrate' => sub {
	sql(qq{GRANT "${H0}_owner" TO "$TENANT"});
	my ($rc, $out, $err) = $T[0]->ctl(\%PROVIDER, '-i', $H0, 'migrate');
	is($rc, 0, 'usersctl migrate') or diag($err);
	is(sql(qq{SELECT pg_has_role('$TENANT', '${H0}_owner', 'MEMBER')}), 'f',
	    'the tenant holds the owner role no more');
};

subtest 'a new hosted instance cannot be claimed over HTTP' => sub {
	my $t = TestLib->new(hosted_closed => 1);
	my $r = $t->cgi(path => '/api/v2/setup');
	is($r->{status}, 200, 'GET /api/v2/setup');
	is($r->{json}{allowed}, JSON::PP::false(), '... says onboarding is not allowed');
	my $s = $t->setup(username => 'stranger');
	is($s->{res}{status}, 422, 'POST /api/v2/setup by a stranger: 422');
	is_deeply($s->{res}{json}, { code => 'conflict',
	    message => 'onboarding has already been completed' },
	    '... as for an instance set up already') or diag($s->{res}{body});
	is(sql(qq{SELECT count(*) FROM "$t->{hosted}".users}), 0, '... and no user was made');
	my ($rc, $out) = TestLib::_run_input("adminpass1\n", $TestLib::CTL, 'setup',
	    '--username', 'admin', '--org', 'o', '--bucket', 'b');
	is($rc, 0, 'the provider sets it up: usersctl setup') or diag($out);
	my ($tok) = $out =~ /^(\S+)$/m;
	is(me_status($t, $tok), 200, 'its operator token works');
	is($t->setup->{res}{status}, 422, 'and onboarding stays done');
};

done_testing();
