# t0002-docs-match-code.t -- the reference tables say what the code does:
# the README's route table has a row for every path of src/router.c's
# table with exactly its methods, and no other; docs/configuration.md's
# key table names only keys of src/cfg.c's table (t0003 checks the other
# way, with the man page and --help).  No database.
# layout: database only
use strict;
use warnings;
use FindBin;
use Test::More;

my $root = "$FindBin::Bin/../..";

sub slurp {
	my ($f) = @_;
	open(my $fh, '<', $f) or die "$f: $!";
	local $/;
	return <$fh>;
}

# The router's routes, as path => { method => 1 }, ":x" written "{x}".
sub code_routes {
	my ($text) = @_;
	my %r;
	while ($text =~ /^\t\{ "([A-Z]+)",\s+"(\/[^"]*)",/mg) {
		my ($method, $path) = ($1, $2);
		$path =~ s/:uid\b/{userID}/g;
		$path =~ s/:([a-z]+)/{$1}/g;
		$r{$path}{$method} = 1;
	}
	return \%r;
}

# The README's rows "| `path` | METHOD, METHOD | notes |".
sub doc_routes {
	my ($text) = @_;
	my %r;
	while ($text =~ /^\| `(\/[^`]*)` \| ([A-Z, ]+) \|/mg) {
		my $path = $1;
		$r{$path}{$_} = 1 for split /, /, $2;
	}
	return \%r;
}

sub compare {
	my ($code, $doc) = @_;
	my @wrong;
	for my $p (sort keys %$code) {
		my $want = join ', ', sort keys %{ $code->{$p} };
		my $got = join ', ', sort keys %{ $doc->{$p} // {} };
		push @wrong, "$p: the README says '$got', the router '$want'" if $got ne $want;
	}
	push @wrong, "$_: in the README, not in the router" for grep { !$code->{$_} } sort keys %$doc;
	return @wrong;
}

my $router = slurp("$root/src/router.c");
my $readme = slurp("$root/README.md");

subtest 'the README route table is the router table' => sub {
	my ($code, $doc) = (code_routes($router), doc_routes($readme));
	cmp_ok(scalar keys %$code, '>=', 20, 'the router table is read');
	cmp_ok(scalar keys %$doc, '>=', 20, 'the README table is read');
	my @wrong = compare($code, $doc);
	is_deeply(\@wrong, [], 'every path with its methods, and no other') or diag(join "\n", @wrong);
};

subtest 'a route missing from the README, or a method, is caught' => sub {
	my $code = code_routes($router);
	(my $less = $readme) =~ s/^\| `\/api\/v2\/orgs\/\{id\}\/owners\/\{userID\}` .*\n//m;
	ok(scalar(compare($code, doc_routes($less))), 'a row removed');
	(my $fewer = $readme) =~ s/^(\| `\/api\/v2\/users\/\{id\}` \| GET, PATCH), DELETE/$1/m;
	ok(scalar(compare($code, doc_routes($fewer))), 'a method removed');
	my $more = $router . qq{\t{ "GET",    "/api/v2/buckets",\t\tapi_x, R_AUTH },\n};
	ok(scalar(compare(code_routes($more), doc_routes($readme))), 'a route added to the router only');
};

subtest 'docs/configuration.md names only keys of src/cfg.c' => sub {
	my %keys = map { $_ => 1 } slurp("$root/src/cfg.c") =~ /^\t\{ "([a-z0-9_]+)", KEY_/mg;
	cmp_ok(scalar keys %keys, '>=', 20, 'the key table is read');
	$keys{$_} = 1 for 'instance.NAME', 'hosting.NAME';
	my @rows = slurp("$root/docs/configuration.md") =~ /^\| `([^`]+)` \|/mg;
	cmp_ok(scalar @rows, '>=', scalar keys %keys, 'the doc table is read');
	is_deeply([ grep { !$keys{$_} } @rows ], [], 'no row for a key the code does not have');
};

done_testing;
