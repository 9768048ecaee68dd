#!/usr/bin/perl
# bench/report.pl -- the statistics and the report of "make bench".
#
#   perl bench/report.pl RAWDIR RESULTS.md
#
# bench/run.sh starts and stops things and leaves raw files in RAWDIR;
# this reads them, writes the Markdown report to RESULTS.md and prints the
# summary table.  RAWDIR holds:
#   spec             what to make of the rest, one tab-separated line each:
#                      slice NAME LABEL          a measured wrk run
#                      pool NAME LABEL SLICE...  slices pooled into one
#                      row NAME [LABEL]          a line of the summary table
#                      target KEY ROW A B OP LIMIT TEXT
#                                                A / B must be OP LIMIT; A and
#                                                B are NAME.METRIC or
#                                                fact.KEY; OP is >=, <= or
#                                                "in" (LIMIT "lo..hi")
#                      note TEXT                 a line under the table
#   facts            KEY=VALUE lines (the run's settings and single numbers)
#   NAME.txt         wrk's output with the BENCH and QUANT lines of
#                    bench/lua/common.lua; NAME.time wrk's "user sys"
#   NAME.cpu0/.cpu1  CPU ticks before/after: PostgreSQL, web server,
#                    usersd, bare app, machine busy, wall clock (us)
#   NAME.pg0/.pg1    pg_stat_database: transactions, rows read
#
# Pooled slices: counts add up, the mean is weighted by requests, and the
# percentiles come from the merged latency distribution (the slices'
# quantiles, every 0.01 percentile point from 98 on), not from an average
# of the slices' own percentiles.
use strict;
use warnings;
#
# Every target is a ratio A / B with a 95 % interval: when A and B are
# pools of as many slices, measured side by side (A B B A rounds), over
# the pairs (A_i, B_i), so the machine's drift from pair to pair cancels
# out: the wider of the bootstrap interval of the pooled ratio (the pairs
# resampled together) and the sign-test interval of the median pair ratio
# (order statistics: with 6 pairs the lowest to the highest, since all six
# fall on one side of the median by chance only 2 / 64 of the time), so a
# few wild pairs cannot make a small sample look surer than it is.
# Otherwise the bootstrap resamples each side's slices apart.  The seed is
# fixed: the same raw files give the same report.  A
# target is met when the whole interval meets it, MISS when none of it
# does, and unclear (rerun) otherwise.  A req/s or mean-latency target has
# a second verdict from the stack's CPU time per request (what the
# machine's other load changes least): B's CPU per request over A's for req/s, A's over
# B's for mean latency, against the same limit.
#
#   require "bench/report.pl" loads the functions (package Report) without
#   running anything; t0005-bench-verdicts.t tests them on canned slices.
package Report;
use strict;
use warnings;

our $BOOT = 2000;               # bootstrap resamples
our $SEED = 28;                 # fixed: a report is reproducible
our $LEVEL = 0.95;              # the interval's coverage

my ($raw, $clk) = ('', 100);
my %F;                          # facts
my (@order, %S, @rows, %rowlabel, @targets, @notes);

sub slurp {
	my ($f) = @_;
	open(my $fh, '<', $f) or return '';
	local $/;
	my $s = <$fh>;
	return $s;
}

sub words { my @w = split ' ', slurp($_[0]); return @w }

# One wrk run: its BENCH line, quantiles, CPU and database counters.
sub load_slice {
	my ($name, $label) = @_;
	my $txt = slurp("$raw/$name.txt");
	my %s = (label => $label, slices => [$name]);
	$txt =~ /^BENCH (.*)$/m or die "report: $name has no BENCH line\n";
	for (split ' ', $1) {
		$s{$1} = $2 if /^([a-z0-9_]+)=(.*)$/;
	}
	my @q;
	if ($txt =~ /^QUANT (.*)$/m) {
		@q = map { [split /:/] } split ' ', $1;
	}
	$s{quant} = \@q;
	$s{p50} = $s{p50_us};
	$s{p99} = $s{p99_us};
	$s{mean} = $s{mean_us};
	my @a = words("$raw/$name.cpu0");
	my @b = words("$raw/$name.cpu1");
	my @k = qw(cpu_pg cpu_web cpu_usersd cpu_bare cpu_machine);
	for my $i (0 .. $#k) {
		$s{$k[$i]} = ($b[$i] // 0) - ($a[$i] // 0);
	}
	$s{wall} = (($b[5] // 0) - ($a[5] // 0)) / 1e6;
	my ($u, $sy) = words("$raw/$name.time");
	$s{wrk_s} = ($u // 0) + ($sy // 0);
	# The CPU the stack spent on these requests (web server, usersd or
	# the bare app, PostgreSQL); not wrk's: its fixed start-up cost
	# weighs on a short slice of slow requests, and the hash floor has
	# no client.
	$s{cpu_stack_us} = ($s{cpu_web} + $s{cpu_usersd} + $s{cpu_bare} +
	    $s{cpu_pg}) * 1e6 / $clk;
	# The database's counters, on the slices that read them (run.sh:
	# the first round of each comparison; pg_reqs are those slices'
	# requests, what the counters are divided by).
	$s{pg_xacts} = $s{pg_rows} = $s{pg_reqs} = 0;
	if (-e "$raw/$name.pg1") {
		my @p0 = words("$raw/$name.pg0");
		my @p1 = words("$raw/$name.pg1");
		# Less the GETs that pgstat sends to make the backends flush
		# (one transaction each): they weigh on a slice of a few slow
		# requests.
		$s{pg_xacts} = ($p1[0] // 0) - ($p0[0] // 0) - ($F{POKE_XACTS} // 0);
		$s{pg_xacts} = 0 if $s{pg_xacts} < 0;
		$s{pg_rows} = ($p1[1] // 0) - ($p0[1] // 0);
		$s{pg_reqs} = $s{requests};
	}
	$s{okrps} = $s{s2xx} / ($s{duration_us} / 1e6);
	$s{cpu_us} = $s{requests} ? $s{cpu_stack_us} / $s{requests} : 0;
	return \%s;
}

# F(x) of one slice: the fraction of its requests at or below x (a lower
# bound: the largest quantile point at or below x).
sub cdf {
	my ($q, $x) = @_;
	my ($lo, $hi, $p) = (0, $#$q, 0);
	while ($lo <= $hi) {
		my $m = int(($lo + $hi) / 2);
		if ($q->[$m][1] <= $x) {
			$p = $q->[$m][0];
			$lo = $m + 1;
		} else {
			$hi = $m - 1;
		}
	}
	return $p / 100;
}

# The P-th percentile of the slices' merged distribution: the smallest
# latency (whole µs, as the quantiles are) at which the request-weighted
# F reaches P %.  F is monotone, so a binary search finds it.
sub merged_pct {
	my ($P, @sl) = @_;
	return $sl[0]{$P == 50 ? 'p50_us' : 'p99_us'}
	    if @sl == 1 && defined $sl[0]{p99_us};
	my ($n, $max) = (0, 0);
	for my $s (@sl) {
		$n += $s->{requests};
		my $q = $s->{quant};
		$max = $q->[-1][1] if @$q && $q->[-1][1] > $max;
	}
	my $want = $P / 100 * $n - 1e-9;
	my $F = sub {
		my ($x, $c) = (@_, 0);
		$c += $_->{requests} * cdf($_->{quant}, $x) for @sl;
		return $c;
	};
	return 0 if $F->($max) < $want;
	my ($lo, $hi) = (0, $max);
	while ($lo < $hi) {
		my $m = int(($lo + $hi) / 2);
		if ($F->($m) >= $want) { $hi = $m } else { $lo = $m + 1 }
	}
	return $lo;
}

# Slices pooled: counts and CPU add up, the mean is weighted by requests
# (percentiles: merged_pct).
my @SUMS = qw(requests s2xx s429 sother sockerr timeouts duration_us
    cpu_pg cpu_web cpu_usersd cpu_bare cpu_machine wall wrk_s pg_xacts
    pg_rows pg_reqs cpu_stack_us);
sub pool_of {
	my @sl = @_;
	my (%p, $m);
	for my $k (@SUMS) {
		$p{$k} = 0;
		$p{$k} += $_->{$k} // 0 for @sl;
	}
	$m += ($_->{mean} // 0) * ($_->{requests} // 0) for @sl;
	$p{mean} = $p{requests} ? $m / $p{requests} : 0;
	$p{okrps} = $p{duration_us} ? $p{s2xx} / ($p{duration_us} / 1e6) : 0;
	$p{cpu_us} = $p{requests} ? $p{cpu_stack_us} / $p{requests} : 0;
	return \%p;
}

sub metric_of {
	my ($m, @sl) = @_;
	return merged_pct(50, @sl) if $m eq 'p50';
	return merged_pct(99, @sl) if $m eq 'p99';
	return pool_of(@sl)->{$m} // die "report: no metric $m\n";
}

sub pool {
	my ($name, $label, @names) = @_;
	my @sl = map { $S{$_} // die "report: no slice $_\n" } @names;
	my $p = pool_of(@sl);
	$p->{label} = $label;
	$p->{slices} = [@names];
	$p->{members} = \@sl;
	$p->{p50} = merged_pct(50, @sl);
	$p->{p99} = merged_pct(99, @sl);
	$p->{last_other} = 0;
	for (@sl) { $p->{last_other} = $_->{last_other} if $_->{last_other} }
	return $p;
}

# One bench/hashfloor.c run (RUN.txt) as a slice: verifies for requests
# and 2xx, their wall time, their CPU (cpu_s: the verifying processes'
# alone; RUN.time, the whole run's with the parent's two warm-up hashes,
# only for a run that printed no cpu_s).
sub hash_run {
	my ($name) = @_;
	my %h = map { /^([a-z_]+)=(.*)$/ ? ($1, $2) : () }
	    split ' ', slurp("$raw/$name.txt");
	my ($u, $s) = words("$raw/$name.time");
	my $n = ($h{procs} // 0) * ($h{n} // 0);
	my $cpu = $h{cpu_s} // (($u // 0) + ($s // 0));
	return { requests => $n, s2xx => $n, duration_us => ($h{wall_s} // 0) * 1e6,
	    cpu_stack_us => $cpu * 1e6 };
}

# hashpool NAME LABEL RUN0 RUN1 ... RUNk: the hash floor around each of
# k slices, slice i between runs i-1 and i: a pool of k slices to pair
# with the k slices measured between them.
sub hash_pool {
	my ($name, $label, @runs) = @_;
	my @r = map { hash_run($_) } @runs;
	my @sl = map { pool_of(@r[$_ - 1, $_]) } 1 .. $#r;
	my $p = pool_of(@sl);
	$p->{label} = $label;
	$p->{members} = \@sl;
	$p->{slices} = [];
	return $p;
}

sub value {
	my ($ref) = @_;
	return $F{$1} // die "report: no fact $1\n" if $ref =~ /^fact\.(.+)$/;
	$ref =~ /^(.+)\.([a-z0-9_]+)$/ or die "report: bad reference $ref\n";
	my ($n, $m) = ($1, $2);
	my $s = $S{$n} // die "report: no scenario $n\n";
	return sprintf('%.2f', value("$n.$1") / 1000) if $m =~ /^(.+)_ms$/;
	return $s->{$m} // die "report: $n has no $m\n";
}

# order_interval(X...): the distribution-free interval of the median of
# X: the k-th lowest to the k-th highest, k as large as keeps the chance
# that the median lies outside (2 P(Bin(n, 1/2) < k)) within 1 - LEVEL;
# the lowest to the highest when no k does (n < 6).
sub order_interval {
	my @x = sort { $a <=> $b } @_;
	my $n = @x;
	my ($p, $k) = (0.5**$n, 1);
	my $c = $p;
	for my $j (1 .. int($n / 2)) {
		$p *= ($n - $j + 1) / $j;
		$c += $p;
		last if 1 - 2 * $c < $LEVEL;
		$k = $j + 1;
	}
	return @x[$k - 1, $n - $k];
}

# ratio_of(A, B, FA, FB): FA(A's slices) / FB(B's slices), where A and B
# are lists of slices or plain numbers.  Returns the ratio v, the 95 %
# interval lo..hi (paired: the wider of the bootstrap's blo..bhi and
# order_interval of the pair ratios), the lowest and highest ratio of one
# pair (unpaired: of any slice of A to any of B), and whether it was
# paired.
sub ratio_of {
	my ($A, $B, $fa, $fb) = @_;
	my $na = ref $A ? @$A : 1;
	my $nb = ref $B ? @$B : 1;
	my $paired = ref $A && ref $B && $na == $nb && $na > 1;
	my $val = sub {
		my ($side, $f, $i) = @_;
		return ref $side ? $f->([@$side[@$i]]) : $side;
	};
	my $r = sub {
		my ($ia, $ib) = @_;
		my $d = $val->($B, $fb, $ib);
		return $d ? $val->($A, $fa, $ia) / $d : 0;
	};
	my %o = (v => $r->([0 .. $na - 1], [0 .. $nb - 1]),
	    paired => $paired ? 1 : 0, pairs => $paired ? $na : 0);
	my @each = $paired ? map { $r->([$_], [$_]) } 0 .. $na - 1 :
	    map { my $i = $_; map { $r->([$i], [$_]) } 0 .. $nb - 1 } 0 .. $na - 1;
	@each = sort { $a <=> $b } @each;
	($o{min}, $o{max}) = @each[0, -1];
	srand($SEED);
	my @boot;
	for (1 .. $BOOT) {
		my @ia = map { int rand $na } 1 .. $na;
		my @ib = $paired ? @ia : map { int rand $nb } 1 .. $nb;
		push @boot, $r->(\@ia, \@ib);
	}
	@boot = sort { $a <=> $b } @boot;
	my $cut = int((1 - $LEVEL) / 2 * $BOOT);
	($o{blo}, $o{bhi}) = @boot[$cut, $BOOT - 1 - $cut];
	($o{lo}, $o{hi}) = @o{qw(blo bhi)};
	if ($paired) {
		my ($l, $h) = order_interval(@each);
		$o{lo} = $l if $l < $o{lo};
		$o{hi} = $h if $h > $o{hi};
	}
	return \%o;
}

# compare(A, B, METRIC): METRIC of A's slices over B's.
sub compare {
	my ($A, $B, $m) = @_;
	my $f = sub { metric_of($m, @{$_[0]}) };
	return ratio_of($A, $B, $f, $f);
}

# cpu_compare(A, B, METRIC): the CPU verdict's ratio for a target on
# METRIC: B's CPU per request over A's for req/s (a request that costs
# less CPU is served faster on a saturated machine), A's over B's for
# mean latency; undef for anything else or without CPU numbers.
sub cpu_compare {
	my ($A, $B, $m) = @_;
	return undef unless ref $A && ref $B && ($m eq 'okrps' || $m eq 'mean');
	for (@$A, @$B) { return undef unless $_->{cpu_stack_us} }
	my $f = sub { metric_of('cpu_us', @{$_[0]}) };
	return $m eq 'okrps' ? ratio_of($B, $A, $f, $f) : ratio_of($A, $B, $f, $f);
}

# verdict(LO, HI, OP, LIMIT): met when the whole interval meets the
# target, MISS when none of it does, unclear when it straddles the limit.
sub verdict {
	my ($lo, $hi, $op, $l) = @_;
	return '-' if $op eq '-';
	my $inf = 9**9**9;
	my ($min, $max) = $op eq '>=' ? ($l, $inf) : $op eq '<=' ? (-$inf, $l) :
	    split /\.\./, $l;
	return 'met' if $lo >= $min && $hi <= $max;
	return 'MISS' if $hi < $min || $lo > $max;
	return 'unclear';
}

# A target's side: its slices (a pool's members, or the one slice) and
# metric, or the fact's number.
sub side {
	my ($ref) = @_;
	return (value($ref), '') if $ref =~ /^fact\./;
	$ref =~ /^(.+)\.([a-z0-9_]+)$/ or die "report: bad reference $ref\n";
	my $s = $S{$1} // die "report: no scenario $1\n";
	return ($s->{members} // [$s], $2);
}

sub evaluate {
	my ($t) = @_;
	my ($A, $ma) = side($t->{a});
	my ($B, $mb) = side($t->{b});
	$t->{r} = ratio_of($A, $B, sub { metric_of($ma, @{$_[0]}) },
	    sub { metric_of($mb, @{$_[0]}) });
	$t->{v} = $t->{r}{v};
	$t->{verdict} = verdict($t->{r}{lo}, $t->{r}{hi}, $t->{op}, $t->{limit});
	$t->{cpu} = $ma eq $mb ? cpu_compare($A, $B, $ma) : undef;
	$t->{cpu_verdict} = $t->{cpu} ? verdict($t->{cpu}{lo}, $t->{cpu}{hi},
	    $t->{op}, $t->{limit}) : '-';
}

sub ms { return sprintf '%.2f', $_[0] / 1000 }
sub f1 { return sprintf '%.1f', $_[0] }

sub nonok {
	my ($s) = @_;
	my $r = $s->{sother} + $s->{s429};
	$r .= " (429: $s->{s429})" if $s->{s429};
	$r .= " (other: $s->{sother}, e.g. $s->{last_other})" if $s->{sother};
	$r .= ", socket errors $s->{sockerr}, timeouts $s->{timeouts}"
	    if $s->{sockerr} + $s->{timeouts};
	return $r;
}

# "0.96 [0.91, 1.01] (6 pairs, bootstrap 0.93-0.99)": the ratio, its
# interval, how many pairs, and the bootstrap's part of the interval.
sub interval_text {
	my ($r) = @_;
	return sprintf('%.2f', $r->{v}) if $r->{lo} == $r->{hi} && $r->{min} == $r->{max};
	return sprintf('%.2f [%.2f, %.2f] (%s, bootstrap %.2f-%.2f)', $r->{v},
	    $r->{lo}, $r->{hi}, $r->{paired} ? "$r->{pairs} pairs" : 'unpaired',
	    $r->{blo}, $r->{bhi});
}

sub verdict_text { return $_[0] eq 'unclear' ? 'unclear: rerun' : $_[0] }

# CPU µs per request of a scenario: web server + usersd or the bare app +
# PostgreSQL = the stack's, and wrk's apart.
sub cpu_cell {
	my ($s) = @_;
	return '' unless $s->{requests} && $s->{cpu_stack_us};
	my $n = $s->{requests};
	return sprintf('%.0f+%.0f+%.0f = %.0f (wrk %.0f)',
	    map({ $_ * 1e6 / $clk / $n } $s->{cpu_web},
	    $s->{cpu_usersd} + $s->{cpu_bare}, $s->{cpu_pg}), $s->{cpu_us},
	    $s->{wrk_s} * 1e6 / $n);
}

sub summary_table {
	my ($by_row) = @_;
	my @l = ('| scenario | req/s (2xx) | p50 ms | p99 ms | non-2xx | CPU µs/req: web+app+PG = stack (wrk) | ratio [95 % interval] (pairs, bootstrap) | target | verdict | CPU ratio [95 % interval] | CPU verdict |',
	    '|---|---|---|---|---|---|---|---|---|---|---|');
	for my $r (@rows) {
		my $s = $S{$r};
		my @t = @{$by_row->{$r} // []};
		my $cell = sub { @t ? join('; ', map { $_[0]->($_) } @t) : '-' };
		my $ratio = $cell->(sub { interval_text($_[0]{r}) . " $_[0]{text}" });
		my $tgt = $cell->(sub { my $t = shift; $t->{op} eq 'in' ?
		    $t->{limit} : $t->{op} eq '-' ? '-' : "$t->{op} $t->{limit}" });
		my $ok = $cell->(sub { verdict_text($_[0]{verdict}) });
		my $cpu = $cell->(sub { $_[0]{cpu} ? interval_text($_[0]{cpu}) : '-' });
		my $cok = $cell->(sub { verdict_text($_[0]{cpu_verdict}) });
		if ($s) {
			push @l, sprintf('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |',
			    $rowlabel{$r} // $s->{label}, f1($s->{okrps}),
			    ms($s->{p50}), ms($s->{p99}), nonok($s), cpu_cell($s),
			    $ratio, $tgt, $ok, $cpu, $cok);
		} else {
			push @l, sprintf('| %s | - | | | | | %s | %s | %s | %s | %s |',
			    $rowlabel{$r} // $r, $ratio, $tgt, $ok, $cpu, $cok);
		}
	}
	return join("\n", @l) . "\n";
}

sub per_req { my ($t, $n) = @_; return $n ? sprintf('%.0f', $t * 1e6 / $clk / $n) : '-' }

sub cpu_line {
	my ($name, $s) = @_;
	my $n = $s->{requests} || 1;
	my $ours = $s->{wrk_s} * $clk + $s->{cpu_web} + $s->{cpu_usersd} +
	    $s->{cpu_bare} + $s->{cpu_pg};
	my $secs = $s->{wall} || 1;
	return sprintf('| %s | %d | %.0f | %s | %s | %s | %s | %s | %.2f | %.2f | %.1f | %.0f |',
	    $name, $s->{requests}, $s->{wrk_s} * 1e6 / $n,
	    per_req($s->{cpu_web}, $n), per_req($s->{cpu_usersd}, $n),
	    per_req($s->{cpu_bare}, $n), per_req($s->{cpu_pg}, $n),
	    per_req($ours, $n), $ours / $clk / $secs,
	    ($s->{cpu_machine} - $ours) / $clk / $secs,
	    $s->{pg_xacts} / ($s->{pg_reqs} || 1), $s->{pg_rows} / ($s->{pg_reqs} || 1));
}

sub cpu_head {
	return "| scenario | requests | wrk | $F{SERVER} | usersd (master+workers) | bare app | PostgreSQL | total µs/req | cores busy: these | cores busy: other processes | PG transactions / req | PG rows read / req |\n" .
	    "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
}

sub cpu_table {
	return cpu_head() . join("\n", map { cpu_line($_, $S{$_}) } @order) .
	    "\n";
}

# Pooled CPU of the compared pairs: where a request's time goes.
sub cpu_pairs {
	my @l;
	for (split ' ', $F{CPU_POOLS} // '') {
		push @l, cpu_line($_, $S{$_}) if $S{$_};
	}
	return cpu_head() . join("\n", @l) . "\n";
}

sub kv {
	my ($file, $key) = @_;
	return slurp($file) =~ /\b\Q$key\E=([0-9.]+)/ ? $1 : 0;
}

# Everything below may name a value as {NAME.METRIC} or {fact.KEY}.
sub fill {
	my ($s) = @_;
	$s =~ s/\{([A-Za-z0-9_]+\.[A-Za-z0-9_]+)\}/my $v = value($1);
	    $v =~ m{^-?[0-9]+\.[0-9]{3,}$} ? sprintf('%.1f', $v) : $v/ge;
	return $s;
}

# ---------------------------------------------------------------- main
# Loaded with require (tests/cgi/t0005-bench-verdicts.t): the functions only.
return 1 if caller;

my $out;
($raw, $out) = @ARGV;
die "usage: report.pl RAWDIR RESULTS.md\n" unless defined $out;

for (split /\n/, slurp("$raw/facts")) {
	$F{$1} = $2 if /^([A-Za-z0-9_]+)=(.*)$/;
}
$clk = $F{CLK} || 100;

for (split /\n/, slurp("$raw/spec")) {
	my @f = split /\t/;
	next unless @f;
	if ($f[0] eq 'slice') {
		$S{$f[1]} = load_slice($f[1], $f[2]);
		push @order, $f[1];
	} elsif ($f[0] eq 'pool') {
		$S{$f[1]} = pool(@f[1 .. $#f]);
	} elsif ($f[0] eq 'hashpool') {
		$S{$f[1]} = hash_pool(@f[1 .. $#f]);
	} elsif ($f[0] eq 'row') {
		push @rows, $f[1];
		$rowlabel{$f[1]} = $f[2] if defined $f[2];
	} elsif ($f[0] eq 'target') {
		push @targets, { key => $f[1], row => $f[2], a => $f[3],
		    b => $f[4], op => $f[5], limit => $f[6], text => $f[7] };
	} elsif ($f[0] eq 'note') {
		push @notes, $f[1];
	}
}

# The floors from their raw files.
my $hash = kv("$raw/hashfloor.txt", 'hashes_per_s');
my $hash_ms = kv("$raw/hashfloor.txt", 'ms_per_hash_per_proc');
my $around = $S{hash_around};
$F{HASH_AROUND} = $around ? sprintf('%.1f', $around->{okrps}) : 0;
$F{HASH_CPU_MS} = $around ? sprintf('%.2f', $around->{cpu_us} / 1000) : 0;
my $pgb = slurp("$raw/pgbench.txt");
my ($pg_tps) = $pgb =~ /^tps = ([0-9.]+)/m;
my ($pg_lat) = $pgb =~ /^latency average = ([0-9.]+)/m;
my ($pg_x) = $pgb =~ /^number of transactions actually processed: (\d+)/m;
my ($pgu, $pgs) = words("$raw/pgbench.time");
$pg_x ||= 1;
my $pg_cpu_pg = sprintf '%.1f', (($F{PGBENCH_TICKS1} // 0) -
    ($F{PGBENCH_TICKS0} // 0)) * 1e6 / $clk / $pg_x;
my $pg_cpu_client = sprintf '%.1f', (($pgu // 0) + ($pgs // 0)) * 1e6 / $pg_x;

my (%by_row, %by_verdict, %by_cpu);
for my $t (@targets) {
	evaluate($t);
	push @{$by_verdict{$t->{verdict}}}, $t->{key};
	push @{$by_cpu{$t->{cpu_verdict}}}, $t->{key};
	push @{$by_row{$t->{row}}}, $t;
}
sub keys_of { my ($h, $v) = @_; return $h->{$v} ? join(' ', @{$h->{$v}}) : 'none' }
my $misses = "MISS: " . keys_of(\%by_verdict, 'MISS') . "; unclear (rerun): " .
    keys_of(\%by_verdict, 'unclear') . ".  By CPU per request: MISS: " .
    keys_of(\%by_cpu, 'MISS') . "; unclear: " . keys_of(\%by_cpu, 'unclear');

# Scalar values for fill().
$F{MEM_RATIO} = $F{MEM0} ? sprintf('%.3f', $F{MEM1} / $F{MEM0}) : 0;
$F{MEM2_RATIO} = $F{MEM0} ? sprintf('%.3f', $F{MEM2} / $F{MEM0}) : 0;
my $flood = slurp("$raw/flood-bg.txt") =~ /^BENCH (.*)$/m ? $1 : '';
my %fb = map { /^([a-z0-9_]+)=(.*)$/ ? ($1, $2) : () } split ' ', $flood;

my $summary = summary_table(\%by_row);
my $notes = join("\n", map { '- ' . fill($_) } @notes);
my $ping = $S{ping};
my $mem_note = ($F{MEM0_PIDS} // '') eq ($F{MEM1_PIDS} // '') ? '' :
    " (workers were replaced between the snapshots: $F{MEM0_PIDS} -> $F{MEM1_PIDS})";
my $floors = join("\n", map { '| ' . fill($_) . ' |' } grep { /\S/ }
    split /\n/, slurp("$raw/floors"));

my $raws = '';
for (@order) {
	my $t = slurp("$raw/$_.txt");
	my $b = $t =~ /^BENCH (.*)$/m ? $1 : '?';
	$raws .= sprintf "%-14s %s\n", $_, $b;
}
$raws .= "floodbg        $flood\n";
for (sort glob("$raw/hashfloor*.txt")) {
	(my $n = $_) =~ s{.*/|\.txt$}{}g;
	$raws .= sprintf "%-14s %s", $n, slurp($_);
}
$raws .= "pgbench        " . join(';', grep { /^(tps|latency average|number of transactions actually)/ } split /\n/, $pgb) . "\n";

my $report = <<EOF;
# usersd benchmark, $F{STAMP}

`BENCH_USERS=$F{N} BENCH_DURATION=$F{DUR} BENCH_ROUNDS=$F{ROUNDS} BENCH_SLICE=$F{SLICE} BENCH_SERVER=$F{SERVER} BENCH_SIGNIN_WORKERS=$F{SIGNIN_WORKERS} make bench`
(commit $F{COMMIT}; run took $F{ELAPSED}s)

**Caveat:** the load generator (wrk), $F{SERVER}, the usersd workers, the
bare app and PostgreSQL all share the same $F{NPROC} vCPUs, so absolute
numbers are this box's, and only the ratios within this one run are
meaningful.  Load average at the start: $F{LOAD_START}; at the end:
$F{LOAD_END} (other work on the machine skews every number).

## Results

Load: wrk $F{T} threads, $F{C} connections, after a $F{WARM}s warm-up
of each load.  The machine's speed drifts within a minute, so compared
loads run side by side: $F{ROUNDS} rounds of A B B A in slices of
$F{SLICE}s, each slice paired with the one next to it: every read and
write scenario beside the bare app (bench/bare.c: the same requests,
answered with one prepared statement and the same response, behind the
same $F{SERVER}); the bare GET beside /ping; after= as big, small, small,
big; the wrong-password / unknown-user sign-ins (1 thread, 2
connections: within hash_concurrency, so they measure hashing) as wrong,
unknown, unknown, wrong; metrics on, off, off, on.  The right-password
sign-in runs in @{[ 2 * ($F{ROUNDS} // 0) ]} slices with a hash-floor run
before, between and after them; each slice is paired with the mean of
the floors around it.  The flood is 1 thread, 16 connections in the
background.  req/s counts 2xx responses only; p50/p99 are over all
responses, of the pooled slices' merged latency distribution (each
slice's quantiles, every 0.01 percentile point from 98 up, merged
weighted by requests; exact to 0.01 points).

**How sure:** the ratio is of the pooled slices; in brackets its 95 %
interval: the wider of the bootstrap interval ($Report::BOOT resamples
of the pairs, seed $Report::SEED; shown after it) and the sign-test
interval of the pair ratios (with 6 pairs: the lowest to the highest).  A
target is met only when the whole interval meets it, MISS only when none
of it does; otherwise it is unclear: the spread of this run does not
allow a verdict, rerun it (on a quieter machine, or with more
BENCH_ROUNDS).  The CPU verdict asks the same of the stack's CPU time
per request (web server, usersd or the bare app, PostgreSQL; wrk's is
shown apart), which other load on the machine changes much less than
req/s: the bare app's CPU per request
over usersd's for a req/s target (what usersd's throughput would be on a
machine it had to itself), usersd's over the other's for mean latency.

$summary
Verdicts: $misses.

Notes:
$notes
- Memory: Private_Clean + Private_Dirty from /proc/PID/smaps_rollup summed
  over the master's $F{ALL_WORKERS} workers (sign-in pool included): at start (after a short
  warm-up of every non-sign-in scenario) $F{MEM0} KiB; after $F{MEM1_REQS}
  requests (every non-sign-in scenario, topped up with GETs to >= 100k)
  $F{MEM1} KiB$mem_note; at the end, after the sign-in scenarios, $F{MEM2} KiB
  ($F{MEM2_RATIO} x start): glibc keeps each worker's freed 19 MiB argon2id
  block in its heap (the mmap threshold adapts after the first free), so
  every worker that has hashed once stays ~19 MiB larger -- not a leak,
  but the steady-state size.
- Flood: the background flood made @{[ $fb{requests} // '?' ]} sign-in requests
  (@{[ $fb{s429} // '?' ]} answered 429, @{[ $fb{sother} // '?' ]} other non-2xx, mostly the
  expected 401) over $F{FLOOD_SECS}s; the GET ratio is against the GET row
  without the flood.

## Floors (same run)

| floor | result |
|---|---|
$floors
| Database: pgbench -M prepared -n -c 4 -j 2 -T $F{DUR}, user by primary key of $F{N} | @{[ sprintf '%.0f', $pg_tps // 0 ]} TPS, latency average @{[ $pg_lat // '?' ]} ms; CPU per transaction: PostgreSQL $pg_cpu_pg µs, pgbench $pg_cpu_client µs |
| Hash: libargon2 argon2id verify m=19456 t=2 p=1, $F{NPROC} processes x 40 | $hash verifies/s machine-wide ($hash_ms ms each per process) at the start; around the sign-in slices $F{HASH_AROUND} verifies/s, $F{HASH_CPU_MS} ms of CPU per verify (the sign-in slices are paired with the runs around each) |

## CPU per request, by process group

CPU time (utime+stime from /proc/PID/stat, reaped children included)
over each measured run, divided by the requests wrk completed; wrk's own
from its rusage.  "cores busy: other processes" is the machine's busy time
(/proc/stat) minus these groups: anything else running on the box during
the run (it should be ~0; when it is not, every number above is skewed).
The flood row's requests are the GETs only, while its CPU includes the
flood's sign-ins; its wrk column is the GET wrk alone.  The last two columns
come from pg_stat_database (both bench databases, read after making
every backend flush its counters, less the $F{POKE_XACTS} GETs of that poke
(one transaction each); the rows read still include the poke's), over
the first round of each comparison only (reading them costs over a
second a slice, and they do not drift as req/s does):
transactions (one per statement outside an explicit transaction) and rows
read (tuples from sequential scans plus index entries from index scans)
per request -- a GET by id should be ~1 and a few; a number near the
table size means a scan.

Where a request's time goes, pooled over the compared slices (usersd
beside the bare app doing the same request):

@{[ cpu_pairs() ]}
Every slice:

@{[ cpu_table() ]}
## Setup

- Machine: $F{MACHINE}.
- PostgreSQL $F{PGVER}, private cluster under /tmp, fsync and synchronous_commit on,
  stock shared_buffers, unix socket.  users table with $F{N} seeded rows: $F{DB_SIZE}
  (COPY + VACUUM ANALYZE in $F{SEED_S}s).
- usersd: master + $F{WORKERS} workers, unix socket, log_level = warn, one
  PostgreSQL connection per worker per database.@{[ $F{POOL_NOTE} ? "\n- $F{POOL_NOTE}" : '' ]}
- Bare app (bench/bare.c): $F{WORKERS} workers on its own unix socket, one
  connection each to the bench database, one prepared statement per request.
- Web server: $F{WEB_NOTE}.
- Load generator: $F{WRK_VER}, on the same machine.

## Raw wrk summaries

```
$raws```
EOF

open(my $fh, '>', $out) or die "report: $out: $!\n";
print $fh $report;
close($fh) or die "report: $out: $!\n";

print "\nusersd benchmark ($F{STAMP}): BENCH_USERS=$F{N} BENCH_DURATION=$F{DUR}s BENCH_SERVER=$F{SERVER} BENCH_SIGNIN_WORKERS=$F{SIGNIN_WORKERS}\n";
print $summary;
printf "\nFloors: /ping %s req/s; pgbench %.0f TPS; argon2id %s verifies/s (%s around the sign-in scenario)\n",
    $ping ? f1($ping->{okrps}) : '?', $pg_tps // 0, $hash, $F{HASH_AROUND};
print "Verdicts: $misses\n";
