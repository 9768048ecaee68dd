# t0411-usersctl-table.t -- what usersctl's command table guarantees, read
# from its own --help: every command listed there runs; each takes what its
# usage line says and no more (too few or too many operands, a missing
# required option, an unknown option: exit 2, that command's lines of the
# usage on stderr, nothing changed); an unknown command is a usage error;
# help prints from the same table; and an argument a script passes on
# from someone else (terminal escapes, a newline, bidi controls, bytes
# that are not UTF-8, 100 KB) is refused before anything runs, without
# being echoed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Encode qw(encode_utf8);
use Test::More;
use TestLib;

my $t = TestLib->new;
my $S = $t->setup;
is($S->{res}{status}, 201, 'setup') or BAIL_OUT('no setup');

# The rows of --help: each command's words, its usage line (operands and
# options) and its block of lines, as printed.
my ($rc, $HELP) = $t->ctl('--help');
is($rc, 0, '--help exits 0');
my @CMDS;
for my $block ($HELP =~ /^(  [a-z].*\n(?:   +.*\n)*)/mg) {
	my @lines = split /\n/, $block;
	# The synopsis: the first line up to a gap of two blanks, and the
	# lines after it that start before the description's column.
	my ($syn) = $lines[0] =~ /^  (.*?)(?:  |$)/;
	for (@lines[1 .. $#lines]) { last unless /^ {3,33}(\S.*?)(?:  |$)/; $syn .= " $1" }
	my ($name, $args) = $syn =~ /^([a-z_]+(?: [a-z_]+)*)(?: (.*))?$/ or next;
	my %c = (name => $name, block => $block, min => 0, max => 0, opts => {}, operands => []);
	my @w = split ' ', $args // '';
	while (defined(my $w = shift @w)) {
		my $opt = $w =~ s/^\[//;
		my $closed = $w =~ s/\]$//;
		if ($w =~ /^--([a-z-]+)$/) {
			my $o = $c{opts}{$1} = { required => !$opt };
			$o->{value} = shift @w if !$closed && @w && $w[0] =~ /^[A-Z]/;
		} elsif ($w =~ /\.\.\.$/) {
			$c{max} = 1e9;
		} else {
			push @{ $c{operands} }, $w;
			$c{max}++;
			$c{min}++ unless $opt;
		}
	}
	push @CMDS, \%c;
}
cmp_ok(scalar @CMDS, '>=', 20, 'the commands of --help: ' . join(', ', map { $_->{name} } @CMDS));

# Values that name nothing there is, for each kind of operand.
my %VALUE = (NAME => 'h0411x', ID => '0123456789abcdef', KEY => 'h0411x', VALUE => 'v',
    ORG => 'h0411x', ROLE => 'member', GROUP_DN => 'cn=h0411x', COMMAND => 'user',
    U => 'h0411x', O => 'h0411x', B => 'h0411x', N => '1', S => 'h0411x',
    D => 'd', T => 'h0411x', SECONDS => '60', DURATION => '1d');
# The first n operands of command c (more than it takes: 'h0411x');
# instance create gets a name it refuses, so no instance is made.
sub operands {
	my ($c, $n) = @_;
	return map { $c->{name} eq 'instance create' ? 'Bad Name!'
	    : $VALUE{ $c->{operands}[$_] // '' } // 'h0411x' } 0 .. $n - 1;
}
sub required_opts {
	my ($c) = @_;
	return map { ("--$_", $c->{opts}{$_}{value} ? $VALUE{ $c->{opts}{$_}{value} } : ()) }
	    grep { $c->{opts}{$_}{required} } sort keys %{ $c->{opts} };
}

# Everything an instance holds that a command could change.
sub state {
	my ($row) = $t->psql(q{SELECT md5(concat_ws('|',
	    (SELECT string_agg(u::text, ',' ORDER BY u.id) FROM users u),
	    (SELECT string_agg(a::text, ',' ORDER BY a.id) FROM authorizations a),
	    (SELECT string_agg(o::text, ',' ORDER BY o.id) FROM orgs o),
	    (SELECT string_agg(m::text, ',' ORDER BY m::text) FROM org_members m),
	    (SELECT d::text FROM directory d),
	    (SELECT string_agg(r::text, ',' ORDER BY r::text) FROM directory_roles r),
	    (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'h0411x%'),
	    (SELECT count(*) FROM pg_database WHERE datname LIKE 'h0411x%')))});
	return $row->[0];
}

# The command's own lines and none of another's.
sub its_usage {
	my ($err, $c, $what) = @_;
	like($err, qr/^usage: usersctl /m, "$what: a usage");
	ok(index($err, $c->{block}) >= 0, "$what: with the lines of $c->{name}") or diag($err);
	my @others = grep { $_ ne $c && index($err, $_->{block}) >= 0 } @CMDS;
	ok(!@others, "$what: and no other command's") or diag($err);
}

# t0003 holds usersctl(8) to --help; this, --help to usersctl(8): a
# command the page documents and the table lost would be missing from both.
subtest 'every command of usersctl(8) is in --help' => sub {
	open(my $fh, '<', "$TestLib::ROOT/man/usersctl.8") or die "usersctl.8: $!";
	my $man = do { local $/; <$fh> };
	my ($section) = $man =~ /^\.SH COMMANDS\n(.*?)^\.SH /ms;
	my @documented;
	for ($section =~ /^\.TP\n\.B[IR]? (.*)$/mg) {
		(my $line = $_) =~ s/"//g;
		my @w;
		for (split ' ', $line) { last unless /^[a-z_]+$/; push @w, $_ }
		push @documented, "@w" if @w;
	}
	cmp_ok(scalar @documented, '>=', 20, 'the page documents the commands');
	my %listed = map { $_->{name} => 1 } @CMDS;
	ok($listed{$_}, "$_ is in --help") for @documented;
};

subtest 'every command of --help runs' => sub {
	for my $c (@CMDS) {
		my @args = (split(' ', $c->{name}), operands($c, $c->{min}), required_opts($c));
		my ($rc, $out, $err) = $t->ctl({ stdin => "h0411xpass\n" }, @args);
		isnt($rc, 2, "@args: not a usage error") or diag($err);
		unlike($err, qr/^usage:/m, "@args: no usage") or diag($err);
	}
	$t->psql(q{DELETE FROM users WHERE name = 'h0411x'});
};

subtest 'each command takes what its usage says, or exit 2 and its usage, changing nothing' => sub {
	my $before = state();
	for my $c (@CMDS) {
		my @name = split ' ', $c->{name};
		my @req = required_opts($c);
		my @tries;
		push @tries, ['too many operands', @name, operands($c, $c->{max} + 1), @req]
		    if $c->{max} < 1e9;
		push @tries, ['too few operands', @name, operands($c, $c->{min} - 1), @req]
		    if $c->{min} > 0;
		push @tries, ['an unknown option', @name, operands($c, $c->{min}), @req, '--no-such-option'];
		for my $o (grep { $c->{opts}{$_}{required} } sort keys %{ $c->{opts} }) {
			my @without = @req;
			my ($i) = grep { $without[$_] eq "--$o" } 0 .. $#without;
			splice @without, $i, ($c->{opts}{$o}{value} ? 2 : 1);
			push @tries, ["without --$o", @name, operands($c, $c->{min}), @without];
		}
		for my $flag (grep { !$c->{opts}{$_}{value} } sort keys %{ $c->{opts} }) {
			push @tries, ["--$flag=x", @name, operands($c, $c->{min}), @req, "--$flag=x"];
		}
		for my $try (@tries) {
			my ($what, @args) = @$try;
			my ($rc, $out, $err) = $t->ctl({ stdin => "h0411xpass\n" }, @args);
			is($rc, 2, "$c->{name}, $what: exit 2") or diag("@args: $out$err");
			its_usage($err, $c, "$c->{name}, $what");
			is($out, '', "$c->{name}, $what: nothing on stdout");
		}
	}
	is(state(), $before, 'nothing changed');
};

subtest 'an unknown command is a usage error; a group prints its own commands' => sub {
	my ($rc, $out, $err) = $t->ctl('frobnicate');
	is($rc, 2, 'frobnicate: exit 2');
	like($err, qr/frobnicate is not a command/, '... saying so');
	ok(index($err, $_->{block}) >= 0, "... with the usage of $_->{name}") for @CMDS;
	($rc, $out, $err) = $t->ctl('user', 'frob');
	is($rc, 2, 'user frob: exit 2');
	for my $c (@CMDS) {
		my $mine = $c->{name} =~ /^user /;
		is(index($err, $c->{block}) >= 0 ? 1 : 0, $mine ? 1 : 0,
		    "user frob: $c->{name} " . ($mine ? 'listed' : 'not listed'));
	}
};

subtest 'help and --help print from the table' => sub {
	my ($rc, $out) = $t->ctl('help');
	is($rc, 0, 'help: exit 0');
	is($out, $HELP, 'help is --help');
	for my $c (@CMDS) {
		($rc, $out) = $t->ctl('help', split ' ', $c->{name});
		is($rc, 0, "help $c->{name}: exit 0");
		ok(index($out, $c->{block}) >= 0, "help $c->{name}: its lines") or diag($out);
		($rc, $out) = $t->ctl(split(' ', $c->{name}), '--help');
		is($rc, 0, "$c->{name} --help: exit 0");
		ok(index($out, $c->{block}) >= 0, "$c->{name} --help: its lines");
	}
	my $err;
	($rc, $out, $err) = $t->ctl('help', 'frobnicate');
	is($rc, 2, 'help frobnicate: exit 2');
	like($err, qr/frobnicate is not a command/, '... saying so');
};

subtest 'a hostile argument is refused before anything runs, and never echoed' => sub {
	my $before = state();
	my %hostile = (
	    'a terminal escape' => "\e]0;owned\a\e[2J",
	    'a newline' => "h0411x\nusersctl: all is well",
	    'a bidi override' => encode_utf8("h0411x\x{202E}gnp.exe"),
	    'bytes that are not UTF-8' => "h0411x\xff\xfe",
	    'a C1 control' => encode_utf8("h0411x\x{9b}2J"),
	    '100 KB' => 'x' x 100_000,
	);
	for my $what (sort keys %hostile) {
		my $h = $hostile{$what};
		for my $args (['user', 'delete', $h], ['user', 'add', $h], ['user', 'passwd', $h],
		    ['token', 'list', '--user', $h], ['ldap', 'role', $h, 'owner', 'cn=x'],
		    ['ldap', 'set', 'base_dn', $h], ['-i', $h, 'user', 'list'],
		    ['instance', 'create', $h]) {
			my $label = join(' ', map { $_ eq $h ? "<$what>" : $_ } @$args);
			my ($rc, $out, $err) = $t->ctl({ stdin => "h0411xpass\n" }, @$args);
			is($rc, 2, "$label: exit 2") or diag($err);
			like($err, qr/argument \d+ is not printable UTF-8 text/, "$label: saying why");
			ok($err !~ /[\x00-\x08\x0b-\x1f\x7f-\xff]/ && length($err) < 5000,
			    "$label: nothing of it echoed") or diag($err);
		}
	}
	# Printable text is an argument like any other, even when it looks
	# like a format.
	my ($rc, $out, $err) = $t->ctl('user', 'delete', '%s%n%s%n');
	is($rc, 1, 'a name like a format: not found');
	like($err, qr/usersctl: %s%n%s%n: /, '... and printed as it is');
	is(state(), $before, 'nothing changed');
};

done_testing;
