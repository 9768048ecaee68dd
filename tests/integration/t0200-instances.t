# t0200-instances.t -- several usersd instances behind one web server.
#
# For each server kind: three databases (the default instance, acme, beta),
# one web server, the instance picked by the virtual host (Host:
# NAME.$TestLib::Server::INSTANCE_DOMAIN -> FastCGI param USERSD_INSTANCE, as
# the deploy/ files map it).  Setup in each instance on its own; the same
# user name in two instances; a token or a session cookie of one instance is
# refused by the other; deleting a user in one leaves the other's; an
# unknown instance is a JSON 503, logged; without a mapped Host the default
# instance serves.
#
# Then the per-worker connection bound: 1 worker with max_connections = 1
# serves alternating acme/beta requests, closing the least recently used
# connection, and never holds more than one PostgreSQL connection.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

my $DOMAIN = $TestLib::Server::INSTANCE_DOMAIN;
my $COOKIE = 'influxdb-oss-session';
my @KINDS = qw(nginx lighttpd-master lighttpd-spawn apache-proxy apache-fcgid);

sub basic { 'Basic ' . encode_base64(join(':', @_), '') }

# Everything usersd wrote to stderr: the master's log, or the web server's
# error log for spawned workers.
sub usersd_log {
	my ($s) = @_;
	return join '', map { $s->log($_) }
	    qw(usersd.log lighttpd-error.log apache-error.log web.stderr);
}


# Three fresh databases and a server of $kind in front of them.
sub three {
	my ($kind, %o) = @_;
	my %t = (default => TestLib->new, acme => TestLib->new, beta => TestLib->new);
	my $s = TestLib::Server->start_ok(kind => $kind, t => $t{default},
	    workers => $o{workers} // 2,
	    instances => { acme => $t{acme}->conninfo, beta => $t{beta}->conninfo },
	    vhosts => ['nope'], env => $o{env}) or return;
	return ($s, \%t);
}

# A request to instance $inst ('default': no Host mapping at all).
sub req {
	my ($s, $inst, $method, $path, %o) = @_;
	return $s->request($method, $path, %o,
	    $inst eq 'default' ? () : (host => "$inst.$DOMAIN"));
}

sub setup_via {
	my ($s, $inst, $user) = @_;
	my $r = req($s, $inst, 'POST', '/api/v2/setup',
	    headers => { 'Content-Type' => 'application/json' },
	    body => TestLib->json_encode({ username => $user, password => 'adminpass1',
		org => "org-$inst", bucket => 'b' }));
	is($r->{status}, 201, "$inst: setup is 201") or diag($r->{raw} // $r->{body});
	return $r->{json} && $r->{json}{auth} ? $r->{json}{auth}{token} : '';
}

for my $kind (@KINDS) {
	subtest $kind => sub {
		TestLib::Server->runnable($kind) or return;
		my ($s, $t) = three($kind) or return;
		my %op;

		# Setup in each instance separately.
		$op{acme} = setup_via($s, 'acme', 'admin-acme');
		my $r = req($s, 'beta', 'GET', '/api/v2/setup');
		is($r->{status}, 200, 'beta: GET /api/v2/setup');
		is_deeply($r->{json}, { allowed => JSON::PP::true },
		    'beta: still allows setup after acme\'s') or diag($r->{body});
		$r = req($s, 'acme', 'GET', '/api/v2/setup');
		is_deeply($r->{json}, { allowed => JSON::PP::false },
		    'acme: no second setup') or diag($r->{body});
		$op{beta} = setup_via($s, 'beta', 'admin-beta');
		$op{default} = setup_via($s, 'default', 'admin-default');
		my @rows = $t->{acme}->psql('SELECT name FROM users ORDER BY name');
		is_deeply(\@rows, [['admin-acme']], 'acme\'s database has acme\'s operator only');

		# Each token names its instance's operator.
		for my $inst (qw(default acme beta)) {
			$r = req($s, $inst, 'GET', '/api/v2/me',
			    headers => { Authorization => "Token $op{$inst}" });
			is($r->{status}, 200, "$inst: its own token works");
			is($r->{json}{name}, "admin-$inst", "$inst: serves its own users");
		}

		# Tokens of one instance are worthless on another.
		for ([qw(acme beta)], [qw(beta acme)], [qw(acme default)]) {
			my ($from, $to) = @$_;
			$r = req($s, $to, 'GET', '/api/v2/users',
			    headers => { Authorization => "Token $op{$from}" });
			is($r->{status}, 401, "${from}'s operator token is refused by $to")
			    or diag($r->{raw} // $r->{body});
			is($r->{json}{code}, 'unauthorized', '... as unauthorized');
		}

		# The same user name in two instances.
		my %id;
		for my $inst (qw(acme beta)) {
			$r = req($s, $inst, 'POST', '/api/v2/users',
			    headers => { Authorization => "Token $op{$inst}",
				'Content-Type' => 'application/json' },
			    body => '{"name":"carol"}');
			is($r->{status}, 201, "$inst: carol created") or diag($r->{raw});
			$id{$inst} = $r->{json}{id} // '';
		}

		# A session cookie of acme is refused by beta.
		$r = req($s, 'acme', 'POST', '/api/v2/signin',
		    headers => { Authorization => basic('admin-acme', 'adminpass1') });
		is($r->{status}, 204, 'acme: sign-in') or diag($r->{raw});
		my ($cookie) = map { /^\Q$COOKIE\E=([^;]+)/ ? $1 : () }
		    TestLib::header_all($r, 'set-cookie');
		ok($cookie, 'acme: session cookie');
		$cookie //= '';
		$r = req($s, 'acme', 'GET', '/api/v2/me', headers => { Cookie => "$COOKIE=$cookie" });
		is($r->{status}, 200, 'acme\'s cookie works on acme');
		$r = req($s, 'beta', 'GET', '/api/v2/me', headers => { Cookie => "$COOKIE=$cookie" });
		is($r->{status}, 401, 'acme\'s cookie is refused by beta') or diag($r->{raw});
		$r = req($s, 'default', 'GET', '/api/v2/me', headers => { Cookie => "$COOKIE=$cookie" });
		is($r->{status}, 401, 'acme\'s cookie is refused by the default instance');

		# Deleting carol in acme leaves beta's.
		$r = req($s, 'acme', 'DELETE', "/api/v2/users/$id{acme}",
		    headers => { Authorization => "Token $op{acme}" });
		is($r->{status}, 204, 'acme: carol deleted') or diag($r->{raw});
		$r = req($s, 'acme', 'GET', '/api/v2/users?name=carol',
		    headers => { Authorization => "Token $op{acme}" });
		is_deeply([ map { $_->{name} } @{ $r->{json}{users} // [] } ], [],
		    'acme: carol is gone') or diag($r->{raw});
		$r = req($s, 'beta', 'GET', "/api/v2/users/$id{beta}",
		    headers => { Authorization => "Token $op{beta}" });
		is($r->{status}, 200, 'beta: carol is still there') or diag($r->{raw});
		is($r->{json}{name}, 'carol', 'beta: carol by id');

		# An instance the web server maps but usersd does not know.
		$r = req($s, 'nope', 'GET', '/api/v2/users',
		    headers => { Authorization => "Token $op{default}" });
		is($r->{status}, 503, 'unknown instance: 503') or diag($r->{raw});
		is($r->{headers}{'content-type'}, 'application/json; charset=utf-8',
		    'unknown instance: JSON');
		is_deeply($r->{json}, { code => 'unavailable',
		    message => 'this instance is not configured' }, 'unknown instance: body')
		    or diag($r->{raw});
		my $log = '';
		my $until = time + 3;
		until (($log = usersd_log($s)) =~ /unknown instance "nope"/ || time > $until) {
			sleep 0.1;
		}
		like($log, qr/unknown instance "nope"/, 'unknown instance: logged by usersd');

		# No mapped Host (127.0.0.1:PORT): the default instance.
		$r = $s->request('GET', '/api/v2/me',
		    headers => { Authorization => "Token $op{default}" });
		is($r->{json}{name}, 'admin-default', 'unmapped Host: the default instance serves');
		$r = req($s, 'default', 'GET', '/api/v2/me', host => "www.example.org",
		    headers => { Authorization => "Token $op{default}" });
		is($r->{json}{name}, 'admin-default', 'other Host: the default instance serves')
		    or diag($r->{raw});

		$s->stop;
	};
}

# max_connections = 1, one worker: alternate acme and beta.
subtest 'per-worker connection bound (max_connections = 1)' => sub {
	my $kind = 'lighttpd-master';
	TestLib::Server->runnable($kind) or return;
	my ($s, $t) = three($kind, workers => 1, env => { USERSD_MAX_CONNECTIONS => 1 })
	    or return;
	my %op = map { $_ => setup_via($s, $_, "admin-$_") } qw(acme beta);
	my $dbs = join ', ', map { "'$t->{$_}{dbname}'" } qw(default acme beta);
	my $conns = sub {
		my ($n) = map { $_->[0] } $t->{default}->psql("SELECT count(*) FROM pg_stat_activity"
		    . " WHERE datname IN ($dbs) AND application_name = 'usersd'");
		return $n;
	};
	my ($ok, $max) = (0, 0);
	for my $i (1 .. 12) {
		my $inst = $i % 2 ? 'acme' : 'beta';
		my $r = req($s, $inst, 'GET', '/api/v2/me',
		    headers => { Authorization => "Token $op{$inst}" });
		$ok++ if $r->{status} == 200 && ($r->{json}{name} // '') eq "admin-$inst";
		# A closed connection's backend takes a moment to leave
		# pg_stat_activity; a second one kept open never would.
		my $n;
		my $until = time + 2;
		sleep 0.05 until ($n = $conns->()) <= 1 || time > $until;
		$max = $n if $n > $max;
	}
	is($ok, 12, 'alternating acme/beta: every request answered by its instance');
	cmp_ok($max, '<=', 1, 'at most one usersd connection open across the databases');
	like(usersd_log($s), qr/closing the connection of instance "(acme|beta)" \(least recently used\)/,
	    'the least recently used connection is closed (logged)');
	$s->stop;
};

done_testing();
