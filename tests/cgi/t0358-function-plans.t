# t0358-function-plans.t -- sql/migrations/0017: no function of the
# instance is LANGUAGE sql with a SET clause (PostgreSQL would parse and
# plan its body again at every statement calling it: a sign-in called five
# such), and the functions rewritten in PL/pgSQL kept who they run as, who
# may call them and what they answer; no role but the owner may replace
# one; and no function keeps an older overload (0018).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
my $s = given('setup');
my %ROLE = map { $_->[0] => $_->[1] } $t->psql('SELECT kind, name FROM usersd_roles');
# People log in as themselves and are granted admin.
my $ADMIN = "t0358_admin_$$";
$t->psql(qq{CREATE ROLE "$ADMIN" LOGIN IN ROLE "$ROLE{admin}"});
END { $t->psql(qq{DROP ROLE IF EXISTS "$ADMIN"}) if $t }
sub rows { return join ',', map { join ' ', @$_ } $t->psql($_[0]) }
my $HERE = 'p.pronamespace = current_schema()::regnamespace';

is(rows("SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
    WHERE $HERE AND l.lanname = 'sql' AND p.proconfig IS NOT NULL ORDER BY 1"), '',
    'no LANGUAGE sql function with a SET clause (each would be planned at every call)');

# A migration that gives a function new parameters drops the old one:
# a left-over overload is code no statement calls, callable by the service
# role (0018 dropped 0004's two-key usersd_signin_attempt).
is(rows("SELECT p.oid::regprocedure FROM pg_proc p WHERE $HERE AND p.proname IN
    (SELECT q.proname FROM pg_proc q WHERE q.pronamespace = p.pronamespace
     GROUP BY q.proname HAVING count(*) > 1) ORDER BY 1"), '',
    'no function has two versions (an overload left over by a migration)');

my @HOT = qw(usersd_new_id usersd_role usersd_password_by_name usersd_password_by_id
    usersd_signin_addr_uncount usersd_signin_device usersd_signin_budget_spend);
my %DEFINER = map { $_ => 1 } qw(usersd_role usersd_password_by_name usersd_password_by_id
    usersd_signin_budget_spend);
for my $f (@HOT) {
	my ($row) = $t->psql("SELECT l.lanname, p.prosecdef, p.proowner::regrole::text,
	    array_to_string(p.proconfig, ','), has_function_privilege('public', p.oid, 'EXECUTE')
	    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE $HERE AND p.proname = '$f'");
	ok($row, "$f exists") or next;
	my ($lang, $definer, $owner, $config, $public) = @$row;
	is($lang, 'plpgsql', "$f: PL/pgSQL");
	is($definer eq 't' ? 1 : 0, $DEFINER{$f} ? 1 : 0,
	    "$f: " . ($DEFINER{$f} ? 'SECURITY DEFINER, as before' : 'runs as its caller, as before'));
	is($owner, $ROLE{owner}, "$f: owned by the owner role");
	like($config, qr/^search_path=pg_catalog, /, "$f: its search_path is fixed");
	is($public, 'f', "$f: PUBLIC may not call it");
}
is(rows("SELECT count(*) FROM pg_proc p WHERE $HERE AND p.proname IN
    ('usersd_signin_succeeded', 'usersd_signin_uncount') AND p.pronargs < 6"), '0',
    'the unused two-key throttle functions are gone');

subtest 'they answer as before' => sub {
	my ($a, $b) = map { $_->[0] } $t->psql('SELECT usersd_new_id() FROM generate_series(1, 2)');
	like($a, qr/^[0-9a-f]{16}$/, 'usersd_new_id: 16 hex digits');
	ok($b gt $a, '... increasing');
	is(rows("SELECT usersd_role('owner')"), $ROLE{owner}, "usersd_role('owner')");
	is(rows("SELECT usersd_role('nosuchkind') IS NULL"), 't', 'usersd_role of no kind: NULL');
	is(rows("SELECT name, status FROM usersd_password_by_name('admin')"), 'admin active',
	    'usersd_password_by_name');
	my ($id) = map { $_->[0] } $t->psql("SELECT id FROM users WHERE name = 'admin'");
	is(rows("SELECT name FROM usersd_password_by_id('$id')"), 'admin', 'usersd_password_by_id');
	is(rows("SELECT count(*) FROM usersd_password_by_name('nobody')"), '0', 'an unknown name: no row');
	my ($rc, $out) = $t->psql_as($t->service_role, "SELECT name FROM usersd_password_by_name('admin')");
	is($rc, 0, 'the service role may read a credential through it') or diag($out);
};

subtest 'no role but the owner may replace one' => sub {
	for my $role ($t->service_role, $ADMIN) {
		for my $f ('usersd_new_id() RETURNS usersd_id', 'usersd_role(p_kind text) RETURNS text') {
			my ($name) = $f =~ /^(\w+)/;
			my ($rc, $out) = $t->psql_as($role, "CREATE OR REPLACE FUNCTION $f
			    LANGUAGE sql AS \$\$ SELECT NULL \$\$");
			isnt($rc, 0, "$role cannot replace $name");
			like($out, qr/must be owner|permission denied/, '... refused by PostgreSQL');
		}
	}
	like(rows('SELECT usersd_new_id()'), qr/^[0-9a-f]{16}$/, 'usersd_new_id is still ours');
};

done_testing;
