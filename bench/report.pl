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

my ($raw, $out) = @ARGV;
die "usage: report.pl RAWDIR RESULTS.md\n" unless defined $out;

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

for (split /\n/, slurp("$raw/facts")) {
	$F{$1} = $2 if /^([A-Za-z0-9_]+)=(.*)$/;
}

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
	my @p0 = words("$raw/$name.pg0");
	my @p1 = words("$raw/$name.pg1");
	$s{pg_xacts} = ($p1[0] // 0) - ($p0[0] // 0);
	$s{pg_rows} = ($p1[1] // 0) - ($p0[1] // 0);
	$s{okrps} = $s{s2xx} / ($s{duration_us} / 1e6);
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

# The P-th percentile of the slices' merged distribution.
sub merged_pct {
	my ($P, @sl) = @_;
	return $sl[0]{$P == 50 ? 'p50_us' : 'p99_us'} if @sl == 1;
	my ($n, %cand) = (0);
	for my $s (@sl) {
		$n += $s->{requests};
		$cand{$_->[1]} = 1 for @{$s->{quant}};
	}
	for my $x (sort { $a <=> $b } keys %cand) {
		my $c = 0;
		$c += $_->{requests} * cdf($_->{quant}, $x) for @sl;
		return $x if $c >= $P / 100 * $n - 1e-9;
	}
	return 0;
}

sub pool {
	my ($name, $label, @names) = @_;
	my @sl = map { $S{$_} // die "report: no slice $_\n" } @names;
	my %p = (label => $label, slices => [@names]);
	for my $k (qw(requests s2xx s429 sother sockerr timeouts duration_us
	    cpu_pg cpu_web cpu_usersd cpu_bare cpu_machine wall wrk_s
	    pg_xacts pg_rows)) {
		$p{$k} = 0;
		$p{$k} += $_->{$k} for @sl;
	}
	my $m = 0;
	$m += $_->{mean_us} * $_->{requests} for @sl;
	$p{mean} = $p{requests} ? $m / $p{requests} : 0;
	$p{p50} = merged_pct(50, @sl);
	$p{p99} = merged_pct(99, @sl);
	$p{last_other} = 0;
	for (@sl) { $p{last_other} = $_->{last_other} if $_->{last_other} } 
	$p{okrps} = $p{s2xx} / ($p{duration_us} / 1e6);
	return \%p;
}

for (split /\n/, slurp("$raw/spec")) {
	my @f = split /\t/;
	next unless @f;
	if ($f[0] eq 'slice') {
		$S{$f[1]} = load_slice($f[1], $f[2]);
		push @order, $f[1];
	} elsif ($f[0] eq 'pool') {
		$S{$f[1]} = pool(@f[1 .. $#f]);
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

sub value {
	my ($ref) = @_;
	return $F{$1} // die "report: no fact $1\n" if $ref =~ /^fact\.(.+)$/;
	$ref =~ /^(.+)\.([a-z0-9_]+)$/ or die "report: bad reference $ref\n";
	my ($n, $m) = ($1, $2);
	my $s = $S{$n} // die "report: no scenario $n\n";
	return sprintf('%.2f', value("$n.$1") / 1000) if $m =~ /^(.+)_ms$/;
	return $s->{$m} // die "report: $n has no $m\n";
}

sub met {
	my ($v, $op, $l) = @_;
	return $v >= $l if $op eq '>=';
	return $v <= $l if $op eq '<=';
	return 1 if $op eq '-';
	my ($lo, $hi) = split /\.\./, $l;
	return $v >= $lo && $v <= $hi;
}

my $clk = $F{CLK} || 100;

# The floors from their raw files.
my $hash = kv("$raw/hashfloor.txt", 'hashes_per_s');
my $hash_ms = kv("$raw/hashfloor.txt", 'ms_per_hash_per_proc');
my $hash_before = kv("$raw/hashfloor-before.txt", 'hashes_per_s');
my $hash_after = kv("$raw/hashfloor-after.txt", 'hashes_per_s');
$F{HASH_AROUND} = sprintf '%.1f', ($hash_before + $hash_after) / 2;
my $pgb = slurp("$raw/pgbench.txt");
my ($pg_tps) = $pgb =~ /^tps = ([0-9.]+)/m;
my ($pg_lat) = $pgb =~ /^latency average = ([0-9.]+)/m;
my ($pg_x) = $pgb =~ /^number of transactions actually processed: (\d+)/m;
my ($pgu, $pgs) = words("$raw/pgbench.time");
$pg_x ||= 1;
my $pg_cpu_pg = sprintf '%.1f', (($F{PGBENCH_TICKS1} // 0) -
    ($F{PGBENCH_TICKS0} // 0)) * 1e6 / $clk / $pg_x;
my $pg_cpu_client = sprintf '%.1f', (($pgu // 0) + ($pgs // 0)) * 1e6 / $pg_x;

my @misses;
my %by_row;
for my $t (@targets) {
	my $b = value($t->{b});
	$t->{v} = $b ? value($t->{a}) / $b : 0;
	$t->{ok} = met($t->{v}, $t->{op}, $t->{limit});
	push @misses, $t->{key} unless $t->{ok} || $t->{op} eq '-';
	push @{$by_row{$t->{row}}}, $t;
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

sub summary_table {
	my @l = ('| scenario | req/s (2xx) | p50 ms | p99 ms | non-2xx | ratio | target | met? |',
	    '|---|---|---|---|---|---|---|---|');
	for my $r (@rows) {
		my $s = $S{$r};
		my @t = @{$by_row{$r} // []};
		my $ratio = @t ? join('; ', map { sprintf('%.2f %s', $_->{v},
		    $_->{text}) } @t) : '-';
		my $tgt = @t ? join('; ', map { $_->{op} eq 'in' ?
		    "$_->{limit}" : $_->{op} eq '-' ? '-' :
		    "$_->{op} $_->{limit}" } @t) : '-';
		my $ok = @t ? join('; ', map { $_->{op} eq '-' ? '-' :
		    $_->{ok} ? 'met' : 'MISS' } @t) : '-';
		if ($s) {
			push @l, sprintf('| %s | %s | %s | %s | %s | %s | %s | %s |',
			    $rowlabel{$r} // $s->{label}, f1($s->{okrps}),
			    ms($s->{p50}), ms($s->{p99}), nonok($s), $ratio,
			    $tgt, $ok);
		} else {
			push @l, sprintf('| %s | - | | | | %s | %s | %s |',
			    $rowlabel{$r} // $r, $ratio, $tgt, $ok);
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
	    $s->{pg_xacts} / $n, $s->{pg_rows} / $n);
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

# Scalar values for fill().
$F{MEM_RATIO} = $F{MEM0} ? sprintf('%.3f', $F{MEM1} / $F{MEM0}) : 0;
$F{MEM2_RATIO} = $F{MEM0} ? sprintf('%.3f', $F{MEM2} / $F{MEM0}) : 0;
my $flood = slurp("$raw/flood-bg.txt") =~ /^BENCH (.*)$/m ? $1 : '';
my %fb = map { /^([a-z0-9_]+)=(.*)$/ ? ($1, $2) : () } split ' ', $flood;

my $summary = summary_table();
my $misses = @misses ? join(' ', @misses) : 'none';
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
$raws .= "hashfloor      " . slurp("$raw/hashfloor.txt");
$raws .= "hashfloor-before-signin " . slurp("$raw/hashfloor-before.txt");
$raws .= "hashfloor-after-signin  " . slurp("$raw/hashfloor-after.txt");
$raws .= "pgbench        " . join(';', grep { /^(tps|latency average|number of transactions actually)/ } split /\n/, $pgb) . "\n";

my $report = <<EOF;
# usersd benchmark, $F{STAMP}

`BENCH_USERS=$F{N} BENCH_DURATION=$F{DUR} BENCH_SERVER=$F{SERVER} BENCH_SIGNIN_WORKERS=$F{SIGNIN_WORKERS} make bench`
(commit $F{COMMIT}; run took $F{ELAPSED}s)

**Caveat:** the load generator (wrk), $F{SERVER}, the usersd workers, the
bare app and PostgreSQL all share the same $F{NPROC} vCPUs, so absolute
numbers are this box's, and only the ratios within this one run are
meaningful.  Load average at the start: $F{LOAD_START}; at the end:
$F{LOAD_END} (other work on the machine skews every number).

## Results

Load: wrk $F{T} threads, $F{C} connections, each run after a $F{WARM}s
warm-up.  The machine's speed drifts within a minute, so compared runs
are taken side by side in slices of $F{HALF}s, A B B A, and each side's
two slices are pooled: every read and write scenario beside the bare app
(bench/bare.c: the same requests, answered with one prepared statement
and the same response, behind the same $F{SERVER}); the bare GET beside
/ping; after= as big, small, small, big; and the wrong-password /
unknown-user sign-ins (1 thread, 2 connections: within
hash_concurrency, so they measure hashing) as wrong, unknown, unknown,
wrong.  The right-password sign-in runs $F{DUR}s, between two hash-floor
runs whose mean is its floor; the flood is 1 thread, 16 connections in
the background.  req/s counts 2xx responses only; p50/p99 are over all
responses, of the pooled slices' merged latency distribution (each
slice's quantiles, every 0.01 percentile point from 98 up, merged
weighted by requests; exact to 0.01 points).

$summary
Misses: $misses.

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
| Hash: libargon2 argon2id verify m=19456 t=2 p=1, $F{NPROC} processes x 40 | $hash verifies/s machine-wide ($hash_ms ms each per process) at the start; $hash_before right before the sign-in scenario and $hash_after right after it: the sign-in ratio uses their mean, $F{HASH_AROUND} |

## CPU per request, by process group

CPU time (utime+stime from /proc/PID/stat, reaped children included)
over each measured run, divided by the requests wrk completed; wrk's own
from its rusage.  "cores busy: other processes" is the machine's busy time
(/proc/stat) minus these groups: anything else running on the box during
the run (it should be ~0; when it is not, every number above is skewed).
The flood row's requests are the GETs only, while its CPU includes the
flood's sign-ins; its wrk column is the GET wrk alone.  The last two columns
come from pg_stat_database (both bench databases, read after making
every backend flush its counters; they include 32 GETs of that poke):
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
print "Misses: $misses\n";
