# t0006-signin-paths.t -- no spelling of the sign-in path runs a password
# hash outside the sign-in pool, through every shipped web-server file.
#
# nginx (deploy/nginx.conf) and lighttpd (deploy/lighttpd-master.conf) send
# POST /api/v2/signin to the master's sign-in pool; usersd signs in on that
# exact path only (router.c, R_EXACT).  So, through each server, with the
# right password: the canonical path signs in (on the sign-in pool where
# there is one), and every other spelling -- a trailing slash, doubled
# slashes, percent-encoding, dot segments, another case -- signs nobody in
# and, wherever it lands, no worker of the main pool answers it with
# anything but 404 (a hash would have run for 204, 401 or 429).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use MIME::Base64 qw(encode_base64);
use Test::More;
use TestLib;

my $t = TestLib->new;
my $setup = $t->setup;
is($setup->{res}{status}, 201, 'set up') or BAIL_OUT("setup: $setup->{res}{body}");
my $BASIC = 'Basic ' . encode_base64('admin:adminpass1', '');

my @OTHER = ('/api/v2/signin/', '//api/v2/signin', '/api/v2//signin',
    '/api/v2/signin//', '/api/v2/sign%69n', '/api/v2/%73ignin', '/api/v2/signin%2f',
    '/api/v2/signin/.', '/api/v2/./signin', '/api/v2/x/../signin', '/API/v2/signin',
    '/api/v2/Signin', '/api/v2/SIGNIN');
# The kinds with a sign-in pool of their own.
my %POOL = ('nginx' => 1, 'lighttpd-master' => 1);

for my $kind (TestLib::Server->kinds) {
	subtest "through $kind" => sub {
		TestLib::Server->runnable($kind) or return;
		my $s = TestLib::Server->start(kind => $kind, t => $t, workers => 2,
		    $POOL{$kind} ? (signin_workers => 1) : ());
		# The raw request line (host =>): no client normalises the path.
		my $post = sub {
			$s->request('POST', $_[0], host => '127.0.0.1',
			    headers => { Authorization => $BASIC });
		};
		my $r = $post->('/api/v2/signin');
		is($r->{status}, 204, '/api/v2/signin signs in') or diag($r->{raw});
		for my $path (@OTHER) {
			$r = $post->($path);
			isnt($r->{status}, 204, "$path: no sign-in ($r->{status})");
			ok(!grep({ /influxdb-oss-session=[^;]/ } TestLib::header_all($r, 'set-cookie')),
			    "$path: no session cookie");
		}
		return unless $POOL{$kind};
		my $signin_sock = $s->dir . '/usersd-signin.sock';
		# Which worker served each request (the info access lines), and
		# which worker is the sign-in pool's: the one that signed in.
		my (%status_by, %pid_of);
		for (split /\n/, $s->log('usersd.log')) {
			next unless /usersd\[(\d+)\] \S+ POST (\S+) (\d{3}) /;
			push @{ $status_by{$1} }, "$2 $3";
		}
		my ($pool) = grep { grep { $_ eq '/api/v2/signin 204' } @{ $status_by{$_} } }
		    keys %status_by;
		ok(defined $pool, 'the canonical sign-in was served') or diag explain \%status_by;
		my @hashed = map { my $p = $_; map { "$p: $_" } grep { !/ 404$/ }
		    @{ $status_by{$p} } } grep { $_ ne ($pool // '') } keys %status_by;
		is_deeply(\@hashed, [], 'the main pool answered every spelling 404 (no hash)');
		my @in_pool = @{ $status_by{$pool // ''} // [] };
		note("$kind: sign-in pool answered " . join(', ', @in_pool));
		ok(!grep({ m{ (?:401|429)$} } @in_pool), 'no failure counted anywhere');
		$s->stop;
	};
}

done_testing;
