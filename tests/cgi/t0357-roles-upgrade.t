# t0357-roles-upgrade.t -- a database at migration 12, with owners and
# members, upgrades to 0013's roles kept on the users' rows: each user's
# lists are filled from its memberships, so nobody gains or loses an org
# on the upgrade.
# layout: database only (the hosted layout runs the same SQL)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;

my $t = TestLib->new;
my $DB = "$t->{dbname}_r12";
my $PREFIX = "t0357_$$";
(my $CI = $t->admin_conninfo) =~ s/dbname=\S+/dbname=$DB/;
$t->psql(qq{CREATE DATABASE "$DB"});
END {
	if ($t) {
		$t->psql(qq{DROP DATABASE IF EXISTS "$DB" WITH (FORCE)});
		$t->psql(qq{DROP ROLE IF EXISTS "${PREFIX}_$_"}) for qw(owner service admin readonly);
	}
}

# usersctl on that database, with roles of its own.
my %AT = (env => { USERSD_DB => $CI, PGOPTIONS => "-c usersd.role_prefix=$PREFIX" });
sub sql {
	my ($rc, $out) = TestLib::_run('psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $CI,
	    '-c', $_[0]);
	die "psql: $out" if $rc;
	chomp $out;
	return $out;
}

my ($rc, $out, $err) = $t->ctl(\%AT, 'migrate', '--to', '12');
is($rc, 0, 'a database at migration 12') or diag($err);
sql(q{INSERT INTO users (id, name, status) VALUES ('0000000000000a01', 'ann', 'active'),
    ('0000000000000b02', 'ben', 'active'), ('0000000000000c03', 'cy', 'active');
    INSERT INTO orgs (id, name) VALUES ('00000000000000f1', 'o1'), ('00000000000000f2', 'o2');
    INSERT INTO org_members (org_id, user_id, role) VALUES
      ('00000000000000f2', '0000000000000a01', 'owner'),
      ('00000000000000f1', '0000000000000a01', 'owner'),
      ('00000000000000f1', '0000000000000b02', 'member')});

($rc, $out, $err) = $t->ctl(\%AT, 'migrate');
is($rc, 0, 'migrated to the latest') or diag($err);
is(sql(q{SELECT string_agg(name || ':' || array_to_string(owner_of, ',') || '/'
    || array_to_string(member_of, ','), ' ' ORDER BY name) FROM users}),
    'ann:00000000000000f1,00000000000000f2/ ben:/00000000000000f1 cy:/',
    "each user's lists are its memberships, sorted");

sql(q{DELETE FROM org_members WHERE user_id = '0000000000000a01' AND org_id = '00000000000000f1'});
is(sql(q{SELECT array_to_string(owner_of, ',') FROM users WHERE name = 'ann'}),
    '00000000000000f2', 'and the trigger keeps them after the upgrade');

done_testing;
