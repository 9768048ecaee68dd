# t0005-bench-verdicts.t -- bench/report.pl's intervals and verdicts on
# canned slices: no server, no database (report.pl loaded with require).
# layout: database only (it runs no usersd; once is enough)
use strict;
use warnings;
use FindBin;
use Test::More;

require "$FindBin::Bin/../../bench/report.pl";

# A slice as report.pl loads it: RPS req/s over 2 s, CPU_US per request.
sub slice {
	my ($rps, $cpu_us) = @_;
	my $n = int($rps * 2 + 0.5);
	return { requests => $n, s2xx => $n, duration_us => 2e6,
	    mean => 32 / $rps * 1e6, cpu_stack_us => $n * ($cpu_us // 200) };
}

subtest 'verdict: met only when the whole interval clears the target' => sub {
	is(Report::verdict(0.92, 0.99, '>=', 0.9), 'met', '>=: lower end clears');
	is(Report::verdict(0.85, 0.95, '>=', 0.9), 'unclear', '>=: straddles');
	is(Report::verdict(0.80, 0.89, '>=', 0.9), 'MISS', '>=: upper end misses');
	is(Report::verdict(0.90, 0.90, '>=', 0.9), 'met', '>=: on the line counts');
	is(Report::verdict(1.00, 1.19, '<=', 1.2), 'met', '<=: upper end clears');
	is(Report::verdict(1.10, 1.30, '<=', 1.2), 'unclear', '<=: straddles');
	is(Report::verdict(1.21, 1.30, '<=', 1.2), 'MISS', '<=: lower end misses');
	is(Report::verdict(0.95, 1.05, 'in', '0.9..1.1'), 'met', 'in: inside');
	is(Report::verdict(1.05, 1.15, 'in', '0.9..1.1'), 'unclear', 'in: overlaps the edge');
	is(Report::verdict(1.11, 1.30, 'in', '0.9..1.1'), 'MISS', 'in: outside');
	is(Report::verdict(0.10, 5.00, '-', '-'), '-', 'no target, no verdict');
};

# The machine's speed drifts from 0.7 to 1.3 between pairs, and usersd
# runs at 0.95 x the bare app beside it (+-1 %) in every pair.
my @drift = (1.0, 0.7, 1.3, 0.8, 1.2, 0.9);
my @wig = (1.01, 0.99, 1.0, 1.01, 0.99, 1.0);
my @bare = map { slice(8000 * $_) } @drift;
my @ours = map { slice(8000 * $drift[$_] * 0.95 * $wig[$_]) } 0 .. $#drift;

subtest 'a paired interval sees through the drift' => sub {
	my $r = Report::compare(\@ours, \@bare, 'okrps');
	cmp_ok(abs($r->{v} - 0.95), '<', 0.01, 'pooled ratio 0.95') or diag(explain($r));
	cmp_ok($r->{lo}, '<=', $r->{v}, 'lower end <= ratio');
	cmp_ok($r->{hi}, '>=', $r->{v}, 'upper end >= ratio');
	cmp_ok($r->{lo}, '>', 0.93, 'lower end above 0.93');
	cmp_ok($r->{hi}, '<', 0.97, 'upper end below 0.97');
	cmp_ok(abs($r->{min} - 0.95 * 0.99), '<', 0.002, 'pair min');
	cmp_ok(abs($r->{max} - 0.95 * 1.01), '<', 0.002, 'pair max');
	is($r->{pairs}, 6, 'six pairs');
	is(Report::verdict($r->{lo}, $r->{hi}, '>=', 0.9), 'met', 'met at >= 0.9');
	is(Report::verdict($r->{lo}, $r->{hi}, '>=', 0.95), 'unclear', 'unclear at >= 0.95');
	is(Report::verdict($r->{lo}, $r->{hi}, '>=', 0.99), 'MISS', 'MISS at >= 0.99');
	is_deeply(Report::compare(\@ours, \@bare, 'okrps'), $r,
	    'the same numbers give the same interval (fixed seed)');
};

subtest 'the same slices unpaired: the drift widens the interval' => sub {
	my $p = Report::compare(\@ours, \@bare, 'okrps');
	my $u = Report::compare(\@ours, [@bare[0 .. 4]], 'okrps');
	ok(!$u->{paired}, 'unequal slice counts are not paired');
	cmp_ok($u->{hi} - $u->{lo}, '>', 5 * ($p->{hi} - $p->{lo}),
	    'unpaired interval much wider');
	is(Report::verdict($u->{lo}, $u->{hi}, '>=', 0.9), 'unclear',
	    'so the 0.9 target is unclear there');
};

subtest 'one wild pair: no verdict the pairs do not all agree on' => sub {
	# Five pairs at 0.6, one at 1.2: the bootstrap alone would call 0.9 a
	# MISS; with six pairs the sign test keeps the highest pair in.
	my @r = (0.6, 1.2, 0.62, 0.65, 0.63, 0.61);
	my @b = map { slice(8000 * $_) } @drift;
	my @a = map { slice(8000 * $drift[$_] * $r[$_]) } 0 .. 5;
	my $x = Report::compare(\@a, \@b, 'okrps');
	cmp_ok($x->{bhi}, '<', 0.9, 'the bootstrap alone ends below 0.9') or diag(explain($x));
	cmp_ok(abs($x->{hi} - 1.2), '<', 0.01, 'the interval reaches the wild pair');
	cmp_ok(abs($x->{lo} - 0.6), '<', 0.01, 'and the lowest pair');
	is(Report::verdict($x->{lo}, $x->{hi}, '>=', 0.9), 'unclear', 'unclear, not MISS');
	is(Report::verdict($x->{lo}, $x->{hi}, '>=', 0.5), 'met', 'met where every pair meets it');
	is(Report::verdict($x->{lo}, $x->{hi}, '>=', 1.3), 'MISS', 'MISS where every pair misses it');
};

subtest 'order_interval: the sign-test interval of a median' => sub {
	is_deeply([Report::order_interval(6, 1, 5, 2, 4, 3)], [1, 6], '6: lowest to highest');
	is_deeply([Report::order_interval(1 .. 12)], [3, 10], '12: third lowest to third highest');
	is_deeply([Report::order_interval(1 .. 4)], [1, 4], 'under 6: lowest to highest');
};

subtest 'identical pairs: a point interval' => sub {
	my @a = map { slice(1000 * $_) } 1 .. 4;
	my @b = map { slice(2000 * $_) } 1 .. 4;
	my $r = Report::compare(\@a, \@b, 'okrps');
	is(sprintf('%.4f', $_), '0.5000', 'ratio, ends, min, max 0.5')
	    for @$r{qw(v lo hi min max)};
};

subtest 'the CPU verdict inverts: CPU per request of the bare app / ours' => sub {
	# Throughput swings with the machine; CPU per request does not.
	my @b = map { slice(8000 * $_, 200) } @drift;
	my @o = map { slice(8000 * $drift[$_] * 0.5, 185 + 2 * $_) } 0 .. 5;
	my $r = Report::compare(\@o, \@b, 'okrps');
	my $c = Report::cpu_compare(\@o, \@b, 'okrps');
	ok($c, 'a CPU comparison for a req/s target');
	cmp_ok($c->{lo}, '>', 1.0, 'ours uses less CPU per request') or diag(explain($c));
	cmp_ok($c->{hi}, '<', 1.09, 'about 200 / 190');
	is(Report::verdict($r->{lo}, $r->{hi}, '>=', 0.9), 'MISS', 'req/s verdict MISS');
	is(Report::verdict($c->{lo}, $c->{hi}, '>=', 0.9), 'met', 'CPU verdict met');
	my $m = Report::cpu_compare(\@o, \@b, 'mean');
	cmp_ok($m->{hi}, '<', 1.0, 'for mean latency the CPU ratio is ours / bare');
	is(Report::cpu_compare(\@o, \@b, 'p99'), undef, 'no CPU verdict for a p99');
};

subtest 'database counters: per request of the slices that read them' => sub {
	# run.sh reads them in the first round only: a pool of one slice
	# with them and one without divides by the first one's requests.
	my $with = { %{ slice(100) }, pg_xacts => 400, pg_rows => 1000, pg_reqs => 200 };
	my $without = { %{ slice(100) }, pg_xacts => 0, pg_rows => 0, pg_reqs => 0 };
	my $line = Report::cpu_line('x', Report::pool_of($with, $without));
	like($line, qr/\| 2\.0 \| 5 \|$/, '2 transactions and 5 rows per request, not 1 and 2.5');
	$line = Report::cpu_line('x', Report::pool_of($without));
	like($line, qr/\| 0\.0 \| 0 \|$/, 'none read: 0, not a division by zero');
};

subtest 'merged percentile: binary search = the smallest x reaching P' => sub {
	my $s1 = { requests => 100, quant => [[0, 10], [50, 20], [99, 30], [100, 40]] };
	my $s2 = { requests => 300, quant => [[0, 5], [50, 25], [99, 35], [100, 45]] };
	# 99 % of 400 = 396: F(35) = (99 + 297) / 400 -> 35.
	is(Report::merged_pct(99, $s1, $s2), 35, 'p99 of the merged distribution');
	is(Report::merged_pct(50, $s1, $s2), 25, 'p50 of the merged distribution');
};

done_testing;
