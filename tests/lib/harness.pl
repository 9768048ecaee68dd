#!/usr/bin/perl
# harness.pl -- runs the test files of several tiers in one pool of jobs
# (TAP::Harness, what prove runs), each tier with its own environment, and
# says from its output alone why a file failed.
#
#   perl tests/lib/harness.pl [-j JOBS] [--timeout SECS] [--logs DIR]
#       [--times FILE] [--seed-times FILE] [--summary FILE]
#       --tier NAME [VAR=VALUE...] -- FILE... [--tier ...]
#
# NAME: a word (it names a log directory); the files of a tier run with
# its VAR=VALUE settings added to the environment.
#
# -j: files at once (default 1).  Each file runs on its own (TestLib gives
#   it its own databases and run directory), so any order is right; the
#   longest start first, so that the pool does not end waiting for one:
#   their times of the last run (--times, rewritten after each run), else
#   of a run kept in the tree (--seed-times: what a fresh checkout, as in
#   CI, goes by), else
#   their size, then the tiers in the order given.
# --timeout: a file still running after SECS (default 1200) is killed, and
#   the output says so and for how long it ran.
# --logs: each file's whole output (TAP and stderr) in DIR/TIER/NAME.log.
#   A failed file's failed tests with their diagnostics and its last lines
#   are printed after the run.
# --summary: a line per tier ("PASS  cgi (33 files, 2000 tests)") to FILE.
# Exit status: non-zero if any file failed.
use strict;
use warnings;
use File::Basename qw(basename);
use File::Path qw(make_path);
use Getopt::Long qw(GetOptionsFromArray);
use TAP::Harness;

my ($jobs, $timeout, $logs, $times, $seed, $summary) = (1, 1200, undef, undef, undef, undef);
my (@order, %env, %file_tier);
# The options, then the tiers (whose "--" Getopt must not see).
my @opts;
push @opts, shift @ARGV while @ARGV && $ARGV[0] ne '--tier';
GetOptionsFromArray(\@opts, 'j=i' => \$jobs, 'timeout=i' => \$timeout,
    'logs=s' => \$logs, 'times=s' => \$times, 'seed-times=s' => \$seed,
    'summary=s' => \$summary)
    && !@opts or die "harness.pl: bad options (see its header)\n";
my ($tier, $in_env);
while (defined(my $arg = shift @ARGV)) {
	if ($arg eq '--tier') {
		$tier = shift(@ARGV) // die "harness.pl: --tier needs a name\n";
		push @order, $tier unless $env{$tier};	# a name again: more files
		($env{$tier}, $in_env) = ([], 1);
	} elsif (!defined $tier) {
		die "harness.pl: --tier NAME expected before $arg\n";
	} elsif ($in_env && $arg eq '--') {
		$in_env = 0;
	} elsif ($in_env) {
		push @{ $env{$tier} }, $arg;
	} else {
		$file_tier{"$tier $arg"} = [ $tier, $arg ];
	}
}

# The longest first: last run's seconds, else (a new file) its size.
my %last;
for my $known (grep { defined } $seed, $times) {	# the last run's win
	open my $f, '<', $known or next;
	while (<$f>) { $last{$1} = $2 if /^(.*)\t(\d+)$/ }
}
my $weight = sub { $last{ $_[0] } // (-s $file_tier{ $_[0] }[1]) / 100 };
if (!%file_tier) {
	print "no test files\n";
	exit 0;
}
my %rank = map { $order[$_] => $_ } 0 .. $#order;
my @jobs = sort { $weight->($b) <=> $weight->($a)
    || $rank{ $file_tier{$a}[0] } <=> $rank{ $file_tier{$b}[0] } || $a cmp $b }
    keys %file_tier;

my (%log_of, @spools);
my $h = TAP::Harness->new({
	jobs => $jobs,
	merge => 1,		# stderr into the log, in order with the TAP
	timer => 1,
	exec => sub {
		my (undef, $job) = @_;
		my ($tier, $file) = @{ $file_tier{$job} };
		return [ 'env', @{ $env{$tier} }, 'timeout', '-k', '10', $timeout,
		    $^X, '-Itests/lib', $file ];
	},
	callbacks => { parser_args => sub {
		my ($args, $job) = @_;
		return unless $logs;
		my ($tier, $file) = @{ $file_tier{ $job->[0] } };
		make_path("$logs/$tier");
		my $log = $log_of{ $job->[0] } = "$logs/$tier/" . basename($file, '.t') . '.log';
		open $args->{spool}, '>', $log or die "$log: $!";
		push @spools, $args->{spool};
	} },
});
my $agg = $h->runtests(map { [ $_, $_ ] } @jobs);
close $_ for @spools;	# the parsers keep them open, unflushed

my (%files, %tests, %failed, @times);
for my $job (@jobs) {
	my ($p) = $agg->parsers($job) or next;
	my $tier = $file_tier{$job}[0];
	my $secs = $p->end_time - $p->start_time;
	push @times, sprintf("%s\t%d\n", $job, $secs + 0.5);
	$files{$tier}++;
	$tests{$tier} += $p->tests_run;
	next unless $p->has_problems;
	push @{ $failed{$tier} }, basename($file_tier{$job}[1]);
	explain($job, $p, $secs);
}

# Why a file failed: how it ended, its failed tests with their diagnostics
# and its last lines, from its log.
sub explain {
	my ($job, $p, $secs) = @_;
	# timeout(1): 124 after its TERM, 137 after its KILL.
	my $how = $p->exit == 124 || $p->exit == 137 ? "killed by the ${timeout} s timeout"
	    : $p->wait & 127 ? 'killed by signal ' . ($p->wait & 127)
	    : 'exit status ' . $p->exit;
	printf "\n=== FAILED %s: %s, %d of %d tests failed, ran %d s\n", $job, $how,
	    scalar($p->failed), $p->tests_run, $secs + 0.5;
	print "    $_\n" for $p->parse_errors;
	my $log = $log_of{$job} or return;
	open my $f, '<', $log or return;
	my @lines = <$f>;
	my (@fails, $in);
	for (@lines) {
		$in = /^\s*not ok/ ? 1 : $in && /^\s*(#|$)/ ? 1 : 0;
		push @fails, $_ if $in && @fails < 60;
	}
	print "--- its failed tests ($log):\n", @fails if @fails;
	my $from = @lines > 40 ? @lines - 40 : 0;
	print "--- its last lines:\n", @lines[$from .. $#lines];
}

if ($times && open my $f, '>', $times) {
	print $f sort @times;
}
if ($summary && open my $f, '>', $summary) {
	for my $tier (grep { $files{$_} } @order) {
		my $bad = $failed{$tier} ? " failed: @{ $failed{$tier} }" : '';
		printf $f "%s  %s (%d files, %d tests)%s\n", $bad ? 'FAIL' : 'PASS',
		    $tier, $files{$tier} // 0, $tests{$tier} // 0, $bad;
	}
}
exit($agg->all_passed ? 0 : 1);
