# t0505-tenant-visibility.t -- what the provider sees of each hosted
# instance (issue 26): the instance in every log line a request writes,
# and /metrics series of its own per hosted instance (requests, sign-ins,
# 429s), while one tenant's operator still sees only its own series and
# names that no instance answers to make no series at all.
#
# layout: hosted only (two hosted instances of usersd_hosting)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Fcntl ();
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64);
use Test::More;
use TestLib;

plan skip_all => 'hosted instances only (the hosted tier)' unless $ENV{USERSD_TEST_HOSTED};

my @T = (TestLib->new, TestLib->new);
my @S = map { $_->setup } @T;
is($_->{res}{status}, 201, 'setup') for @S;
my ($A, $B) = map { $_->{hosted} } @T;
# This file's own run_dir: its metrics file holds this file's counts only.
my $RUN = tempdir('usersd-t0505-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0777, $RUN;

sub req {
	my ($i, %r) = @_;
	$r{env} = { USERSD_RUN_DIR => $RUN, USERSD_METRICS => 'on', %{ $r{env} // {} } };
	return $T[$i]->cgi(%r);
}
sub signin {
	my ($i, $pw, %env) = @_;
	return req($i, method => 'POST', path => '/api/v2/signin', env => \%env,
	    headers => { Authorization => 'Basic ' . encode_base64("admin:$pw", '') });
}
# The value of one sample line, or undef.
sub sample {
	my ($body, $series) = @_;
	return $body =~ /^\Q$series\E (\S+)$/m ? $1 + 0 : undef;
}

subtest 'every line a request writes names its instance' => sub {
	my $r = signin(0, 'wrong-password-1');
	is($r->{status}, 401, 'a wrong password');
	my @lines = split /\n/, $r->{stderr};
	my ($warn) = grep { /signin failed/ } @lines;
	like($warn // '', qr/^\S+ warn usersd\[\d+\] \d+-\d+\@\Q$A\E signin failed for user "admin" from 127\.0\.0\.1$/,
	    'the failure line: REQID@instance') or diag $r->{stderr};
	my ($access) = grep { m{ POST /api/v2/signin 401 } } @lines;
	like($access // '', qr/ info usersd\[\d+\] \d+-\d+\@\Q$A\E POST /, 'the access line too');
	$r = req(1, path => '/api/v2/me', headers => { Authorization => "Token $S[1]{token}" });
	like($r->{stderr}, qr/\@\Q$B\E GET \/api\/v2\/me 200 /, 'the other instance\'s line names it');
	unlike($r->{stderr}, qr/\@\Q$A\E/, 'and not the first');
};

subtest 'a name no instance answers to is not printed as one' => sub {
	my $r = req(0, path => '/api/v2/me', env => { USERSD_INSTANCE => "nosuch\@x y" },
	    headers => { Authorization => "Token $S[0]{token}" });
	is($r->{status}, 503, 'unknown instance: 503');
	unlike($r->{stderr}, qr/\d+-\d+\@/, 'no REQID@NAME on any line');
};

subtest 'the provider sees each hosted instance\'s requests, sign-ins and 429s' => sub {
	req(0, path => '/ping') for 1 .. 3;
	signin(0, 'wrong-password-2');
	# A's one share of its one slot taken (t0275): the next check, 429.
	open(my $lock, '>', "$RUN/usersd-share-$A.0.lock") or die $!;
	flock($lock, Fcntl::LOCK_EX()) or die $!;
	is(signin(0, 'adminpass1', USERSD_HASH_CONCURRENCY => 1)->{status}, 429,
	    'A past its share: 429');
	close $lock;
	is(signin(1, 'adminpass1')->{status}, 204, 'B signs in');
	my $m = req(0, path => '/metrics', env => { USERSD_INSTANCE => undef });
	is($m->{status}, 200, 'the provider\'s /metrics (the default instance)') or diag $m->{body};
	cmp_ok(sample($m->{body}, qq{usersd_instance_requests_total{usersd_instance="$A"}}) // 0,
	    '>=', 6, 'A\'s requests, a series of its own');
	is(sample($m->{body}, qq{usersd_signins_total{usersd_instance="$A",result="wrong_password"}}), 2,
	    'A\'s wrong passwords');
	is(sample($m->{body}, qq{usersd_signins_total{usersd_instance="$A",result="hash_slots_busy"}}), 1,
	    'A\'s sign-ins past its share');
	is(sample($m->{body}, qq{usersd_instance_refused_total{usersd_instance="$A",status="429"}}), 1,
	    'A\'s 429s');
	is(sample($m->{body}, qq{usersd_signins_total{usersd_instance="$B",result="success"}}), 1,
	    'B\'s sign-in');
	is(sample($m->{body}, qq{usersd_instance_refused_total{usersd_instance="$B",status="429"}}), 0,
	    'B had no 429');
};

subtest 'one tenant\'s operator sees its own series only' => sub {
	my $m = req(1, path => '/metrics', env => { USERSD_METRICS => 'token' },
	    headers => { Authorization => "Token $S[1]{token}" });
	is($m->{status}, 200, 'B\'s operator token: 200') or diag $m->{body};
	like($m->{body}, qr/usersd_instance="\Q$B\E"/, 'B\'s series');
	unlike($m->{body}, qr/\Q$A\E|\(other\)|\(default\)/, 'nothing of A, of the rest or of the default');
	$m = req(1, path => '/metrics', env => { USERSD_METRICS => 'token' },
	    headers => { Authorization => "Token $S[0]{token}" });
	is($m->{status}, 401, 'A\'s token on B: 401');
};

subtest 'names no instance answers to make no series' => sub {
	my $before = req(0, path => '/metrics', env => { USERSD_INSTANCE => undef })->{body};
	my $n = () = $before =~ /^usersd_instance_requests_total\{/mg;
	req(0, path => '/ping', env => { USERSD_INSTANCE => "ghost$_" }) for 1 .. 5;
	my $after = req(0, path => '/metrics', env => { USERSD_INSTANCE => undef })->{body};
	my $m = () = $after =~ /^usersd_instance_requests_total\{/mg;
	is($m, $n, 'as many series as before');
	unlike($after, qr/ghost/, 'no ghost in them');
};

done_testing;
