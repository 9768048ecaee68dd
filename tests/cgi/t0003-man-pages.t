# t0003-man-pages.t -- the man pages say what --help and
# docs/configuration.md say: every option and command of the usage texts
# (taken from the built programs) is in usersd(8) or usersctl(8), and every
# configuration key of src/cfg.c's table is in usersd.conf(5), in
# docs/configuration.md and in usersd --help; usersd-db-setup(8)'s
# synopsis is the script's usage line.  No database.
# layout: database only
use strict;
use warnings;
use FindBin;
use Test::More;

my $root = "$FindBin::Bin/../..";
my $usersd = $ENV{USERSD_BIN} // "$root/build/usersd";
my $usersctl = $ENV{USERSCTL_BIN} // "$root/build/usersctl";

sub slurp {
	my ($f) = @_;
	open(my $fh, '<', $f) or die "$f: $!";
	local $/;
	return <$fh>;
}

# The text of a man page's source: roff's escapes and fonts removed, so
# "\fB\-\-listen\fR" reads "--listen".
sub man_text {
	my $s = slurp("$root/man/$_[0]");
	$s =~ s/\\f[BIRP]//g;
	$s =~ s/\\-/-/g;
	$s =~ s/\\\(dq/"/g;
	$s =~ s/\\e/\\/g;
	$s =~ s/"//g;
	return $s;
}

sub help { my $h = `$_[0] --help`; is($?, 0, "$_[0] --help exits 0"); return $h }

# Every --long option of a usage text.
sub options { my %o = map { $_ => 1 } $_[0] =~ /(--[a-z][a-z-]*)/g; return sort keys %o }

subtest 'every option of usersd --help is in usersd(8)' => sub {
	my $help = help($usersd);
	my $usage = (split /\nConfiguration keys/, $help)[0];
	my $man = man_text('usersd.8');
	my @o = options($usage);
	cmp_ok(scalar @o, '>=', 10, 'the usage names the options');
	like($man, qr/(?<![\w-])\Q$_\E(?![\w-])/, "$_ in usersd(8)") for @o;
};

subtest 'every command and option of usersctl --help is in usersctl(8)' => sub {
	my $help = help($usersctl);
	my $man = man_text('usersctl.8');
	my @o = options($help);
	cmp_ok(scalar @o, '>=', 15, 'the usage names the options');
	like($man, qr/(?<![\w-])\Q$_\E(?![\w-])/, "$_ in usersctl(8)") for @o;
	# Commands: the first words of the usage lines that start with two
	# spaces and a lower-case word ("  instance create NAME ...").
	my @cmds = $help =~ /^  ([a-z]+(?: [a-z]+)?)(?= [A-Z]| \[| --|\s*$| {2,})/mg;
	cmp_ok(scalar @cmds, '>=', 14, 'the usage names the commands');
	like($man, qr/\Q$_\E/, "command \"$_\" in usersctl(8)") for @cmds;
};

subtest 'every key of src/cfg.c is in usersd.conf(5), configuration.md and --help' => sub {
	my $cfg = slurp("$root/src/cfg.c");
	my @keys = $cfg =~ /^\t\{ "([a-z0-9_]+)", KEY_/mg;
	cmp_ok(scalar @keys, '>=', 20, 'the key table is read');
	push @keys, 'instance.NAME', 'hosting.NAME';
	my $man = man_text('usersd.conf.5');
	my $doc = slurp("$root/docs/configuration.md");
	my $help = help($usersd);
	for my $k (@keys) {
		# ".BR body_limit ..." or, for instance.NAME, ".BI instance. NAME".
		(my $entry = $k) =~ s/\.NAME$/. NAME/;
		like($man, qr/^\.B[IR]? \Q$entry\E(?: |$)/m,
		    "$k has its entry in usersd.conf(5)");
		like($doc, qr/^\| `\Q$k\E` \|/m, "$k has its row in docs/configuration.md");
		like($help, qr/^  \Q$k\E /m, "$k in usersd --help");
	}
};

subtest "usersd-db-setup(8)'s synopsis is the script's usage" => sub {
	my ($usage) = slurp("$root/debian/usersd-db-setup") =~ /"usage: (usersd-db-setup[^(]*?)\s*\(/;
	ok(defined $usage, "the script's usage line: " . ($usage // ''));
	my ($synopsis) = man_text('usersd-db-setup.8') =~ /^\.SH SYNOPSIS\n(.*?)^\.SH/ms;
	# ".B usersd-db-setup" and ".RI [ user ...]": the words, case aside.
	(my $words = $synopsis // '') =~ s/^\.[A-Z]+ //mg;
	$words =~ s/\s+//g;
	(my $want = $usage // '') =~ s/\s+//g;
	is(lc $words, lc $want, 'the same words');
};

done_testing;
