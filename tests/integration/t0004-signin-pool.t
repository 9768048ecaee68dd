# t0004-signin-pool.t -- usersd --signin-listen: one master keeps a second
# pool on a second socket, nginx (deploy/nginx.conf) and lighttpd
# (deploy/lighttpd-master.conf) send POST /api/v2/signin there, and
# everything else stays on the main pool.  The pool's workers are replaced
# like the others, and both sockets go away with the master.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use MIME::Base64 qw(encode_base64);
use Test::More;
use TestLib;

my $t = TestLib->new;

sub pool_through {
	my ($kind) = @_;
	my $s = TestLib::Server->start(kind => $kind, t => $t, workers => 2,
	    signin_workers => 1);
	my $signin_sock = $s->dir . '/usersd-signin.sock';

	my $basic = 'Basic ' . encode_base64('admin:adminpass1', '');

	# Which worker pids served each "METHOD PATH" (the info access lines).
	my $served_by = sub {
		my %by;
		for (split /\n/, $s->log('usersd.log')) {
			$by{"$2 $3"}{$1} = 1 if /usersd\[(\d+)\] .*?\b(GET|POST) (\S+) \d{3} /;
		}
		return \%by;
	};

	subtest 'the master keeps both pools and both sockets' => sub {
		ok(-S $signin_sock, 'the sign-in socket exists');
		is(scalar(my @w = $s->worker_pids), 3, '2 + 1 workers');
		like($s->log('usersd.log'), qr/sign-in pool on unix:\Q$signin_sock\E with 1 workers/,
		    'the master says so');
	};

	subtest 'sign-in goes to the sign-in pool, the rest to the main pool' => sub {
		for (1 .. 3) {
			my $r = $s->request('POST', '/api/v2/signin',
			    headers => { Authorization => $basic });
			is($r->{status}, 204, 'signed in') or diag $r->{body};
		}
		is($s->request('GET', '/health')->{status}, 200, 'health') for 1 .. 8;
		my $by = $served_by->();
		my @signin = keys %{ $by->{'POST /api/v2/signin'} // {} };
		my @health = keys %{ $by->{'GET /health'} // {} };
		is(scalar @signin, 1, 'one worker served every sign-in') or diag explain $by;
		ok(@health >= 1, 'health was served');
		ok(!grep({ my $h = $_; grep { $_ eq $h } @signin } @health),
		    'never by the sign-in worker') or diag explain $by;
	};

	subtest 'a killed sign-in worker is replaced and the pool serves again' => sub {
		my ($old) = keys %{ $served_by->()->{'POST /api/v2/signin'} };
		kill 'KILL', $old;
		ok(TestLib::within(10, sub {
			my @now = $s->worker_pids;
			@now == 3 && !grep { $_ == $old } @now;
		}), 'replaced');
		my $r;
		TestLib::within(10, sub {
			$r = $s->request('POST', '/api/v2/signin',
			    headers => { Authorization => $basic });
			$r->{status} == 204;
		});
		is($r->{status}, 204, 'sign-in works again') or diag $r->{body};
	};

	subtest 'SIGTERM stops both pools and removes both sockets' => sub {
		my @workers = $s->worker_pids;
		my $master = $s->master_pid;
		kill 'TERM', $master;
		ok(TestLib::Server::wait_gone(15, $master, @workers), 'all gone');
		ok(!-e $signin_sock, 'the sign-in socket is removed');
		ok(!-e $s->dir . '/usersd.sock', 'the main socket is removed');
	};
}

my @KINDS = ('nginx', 'lighttpd-master');
for my $kind (@KINDS) {
	my $why = TestLib::Server->unavailable($kind);
	TestLib::cannot_run($why) if $why;
}

# One database for both kinds: set up once, before either.
my $setup = $t->setup;
is($setup->{res}{status}, 201, 'set up') or BAIL_OUT("setup: $setup->{res}{body}");

for my $kind (@KINDS) {
	subtest "through $kind" => sub { pool_through($kind) };
}

subtest 'the options are checked' => sub {
	for my $case ([ [ '--signin-listen', 'unix:/tmp/x.sock' ], qr/needs --listen/ ],
	    [ [ '--listen', 'unix:/tmp/y.sock', '--signin-workers', '2' ],
	      qr/--signin-workers needs --signin-listen/ ],
	    [ [ '--listen', 'unix:/tmp/y.sock', '--signin-listen', 'unix:/tmp/y.sock' ],
	      qr/must be another address than --listen/ ],
	    [ [ '--listen', 'unix:/tmp/y.sock', '--signin-listen', 'unix:/tmp/x.sock',
	        '--signin-workers', '0' ], qr/from 1 to 64/ ]) {
		my ($args, $re) = @$case;
		my $out = qx{$TestLib::BIN @$args 2>&1};
		is($? >> 8, 2, "@$args: exit 2");
		like($out, $re, 'says why');
	}
};

done_testing;
