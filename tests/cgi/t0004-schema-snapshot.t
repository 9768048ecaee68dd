# t0004-schema-snapshot.t -- sql/schema.sql is the schema the migrations
# make: the normalised pg_dump --schema-only of this file's fresh database
# (a clone of the migrated template) equals it, line for line.  A migration
# added or changed without `make schema` fails here, and so does an edit
# of the snapshot by hand.
# layout: database only
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;

my $root = "$FindBin::Bin/../..";
my $t = TestLib->new;

sub lines { my ($text) = @_; return [ split /\n/, $text, -1 ] }

my $want = do {
	open(my $fh, '<', "$root/sql/schema.sql") or die "sql/schema.sql: $!";
	local $/;
	<$fh>;
};
my $got = `sh '$root/scripts/schema.sh' dump '$t->{admin_conninfo}'`;
is($?, 0, 'the database dumps');
like($got, qr/^CREATE TABLE public\.users \(/m, 'the dump holds the users table');
my ($w, $g) = (lines($want), lines($got));
my $first;
for my $i (0 .. ($#$w > $#$g ? $#$w : $#$g)) {
	next if ($w->[$i] // "\0") eq ($g->[$i] // "\0");
	$first = $i;
	last;
}
ok(!defined $first, 'sql/schema.sql is what the migrations make (else: make schema)')
    or diag("first difference at line " . ($first + 1) . ":\n  sql/schema.sql: "
    . ($w->[$first] // '(end)') . "\n  migrations:     " . ($g->[$first] // '(end)'));

done_testing();
