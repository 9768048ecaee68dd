# t0400-webserver-errors.t -- the web servers' own errors are InfluxDB JSON.
#
# For each server kind, configured from deploy/ (the error bodies are
# deploy/errors/): the errors the web server makes itself, before or
# instead of usersd, come back as {"code","message"} with the JSON content
# type and X-Platform-Error-Code, the code fitting the status:
#   - a body over the web server's own cap (BODY_CAP): 413;
#   - a 70 KiB header: 431 or 400, whichever the server sends;
#   - a malformed request line, and %00 in the path: 400 (Apache: 404);
#   - a POST without Content-Length: lighttpd's 411 (the others pass it on
#     to usersd, whose answer is JSON too);
#   - the error bodies are not served as documents of their own;
#   - the usersd master stopped, or the spawned usersd unusable: 502/503.
# And usersd's own errors pass through unchanged (its 404, its 413 with
# usersd's limit in the message).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

my $JSONCT = 'application/json; charset=utf-8';
my $LIMIT = $TestLib::Server::BODY_LIMIT;
my $CAP = $LIMIT + 65536;	# BODY_CAP in the rendered templates

# The InfluxDB code that fits each status a web server may send.
my %CODE = (
	400 => 'invalid', 401 => 'unauthorized', 404 => 'not found',
	405 => 'method not allowed', 408 => 'invalid', 411 => 'invalid',
	413 => 'request too large', 414 => 'request too large',
	431 => 'request too large', 500 => 'internal error',
	501 => 'not implemented', 502 => 'unavailable', 503 => 'unavailable',
	504 => 'unavailable',
);

# What each kind answered, for the summary at the end.
my %seen;

# One answer is an InfluxDB error with one of the given statuses.
sub json_error {
	my ($r, $what, @statuses) = @_;
	subtest $what => sub {
		my $st = $r->{status} // 0;
		ok((grep { $_ == $st } @statuses), "status $st is one of @statuses")
		    or diag(substr($r->{raw} // $r->{body} // '', 0, 600));
		is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
		my $j = $r->{json};
		is(ref $j, 'HASH', 'the body is a JSON object')
		    or return diag(substr($r->{body} // '', 0, 300));
		is_deeply([ sort keys %$j ], [ 'code', 'message' ],
		    'the body is exactly {code, message}');
		is($j->{code}, $CODE{$st}, "code fits $st");
		is($r->{headers}{'x-platform-error-code'}, $j->{code},
		    'X-Platform-Error-Code is the code');
		ok(defined $j->{message} && length $j->{message}, 'a message');
	};
	return $r;
}

# A request written as raw bytes on one connection.
sub raw {
	my ($s, $head, %o) = @_;
	my $r = $s->raw($head, timeout => $o{timeout} // 15);
	return $r;
}

# Every usersd process below a pid (spawned by lighttpd or mod_fcgid).
sub usersd_below {
	my ($pid) = @_;
	my @todo = ($pid);
	my @found;
	while (defined(my $p = shift @todo)) {
		for my $k (TestLib::Server::children_of($p)) {
			push @todo, $k;
			my $exe = readlink("/proc/$k/exe") // '';
			push @found, $k if $exe =~ m{/usersd$};
		}
	}
	return @found;
}

for my $kind (TestLib::Server->kinds) {
	subtest $kind => sub {
		return unless TestLib::Server->runnable($kind);
		my $t = TestLib->new;
		my $setup = $t->setup;
		my $tok = $setup->{token};
		ok($tok, 'setup made an operator token') or return;
		my $s = TestLib::Server->start_ok(kind => $kind, t => $t, workers => 2)
		    or return;
		my $H = "Host: localhost\r\nConnection: close\r\n";

		# usersd's own errors first: the web server must not touch them.
		my $r = $s->request('GET', '/api/v2/nope');
		json_error($r, "usersd's 404 passes through", 404);
		is($r->{body}, '{"code":"not found","message":"path not found"}',
		    "usersd's 404 body unchanged");
		ok($r->{headers}{'x-influxdb-version'}, 'it came from usersd');
		$r = $s->request('POST', '/api/v2/users', body => 'x' x ($LIMIT + 1000),
		    headers => { Authorization => "Token $tok",
			'Content-Type' => 'application/json' });
		json_error($r, "usersd's 413 passes through", 413);
		like($r->{json}{message} // '', qr/larger than $LIMIT bytes/,
		    "usersd's 413 message unchanged");

		# A Content-Length over the web server's cap: every server
		# refuses it from the header alone (Apache mod_fcgid hands the
		# request on and usersd refuses it, from the same header).
		$r = raw($s, "POST /api/v2/users HTTP/1.1\r\n$H"
		    . "Authorization: Token $tok\r\nContent-Type: application/json\r\n"
		    . 'Content-Length: ' . (4 * $CAP) . "\r\n\r\n");
		json_error($r, 'a body over the cap: 413', 413);
		$seen{$kind}{'body over cap'} = $r;

		$r = raw($s, "GET /api/v2/me HTTP/1.1\r\n$H"
		    . 'X-Big: ' . ('a' x (70 * 1024)) . "\r\n\r\n");
		json_error($r, 'a 70 KiB header: 431 or 400', 431, 400);
		$seen{$kind}{'70 KiB header'} = $r;

		$r = raw($s, "GARBAGE\r\n\r\n");
		json_error($r, 'a malformed request line: 400', 400);
		$seen{$kind}{'malformed request line'} = $r;

		$r = raw($s, "GET /api/v2/users%00 HTTP/1.1\r\n$H\r\n");
		json_error($r, '%00 in the path: 400 (Apache 404)',
		    $kind =~ /^apache/ ? 404 : 400);
		$seen{$kind}{'%00 in the path'} = $r;

		$r = raw($s, "POST /api/v2/signin HTTP/1.1\r\n$H\r\n");
		if ($kind =~ /^lighttpd/) {
			json_error($r, 'a POST without Content-Length: 411', 411);
		} else {
			# Passed on: usersd's own 401 for a sign-in without
			# credentials.
			json_error($r, 'a POST without Content-Length reaches usersd', 401);
		}
		$seen{$kind}{'POST without Content-Length'} = $r;

		# The error bodies are for the server's errors only.
		$r = $s->request('GET', '/.usersd-errors/503.json');
		json_error($r, 'an error body asked for directly: 404', 404);
		$r = $s->request('GET', '/.usersd-errors/lighttpd-error.sh');
		json_error($r, 'the lighttpd error handler asked for directly: 404', 404);

		# Last: the application goes away.
		if ($s->master_pid) {
			my $m = $s->master_pid;
			kill 'TERM', $m;
			ok(TestLib::within(15, sub { !TestLib::Server::alive($m) }),
			    'the usersd master stopped');
			$r = $s->request('GET', '/api/v2/me',
			    headers => { Authorization => "Token $tok" }, timeout => 30);
			json_error($r, 'master stopped: 502/503', 502, 503);
			$seen{$kind}{'usersd master stopped'} = $r;
		} else {
			# A configuration usersd refuses: every process the web
			# server starts from now on exits at once.
			open my $c, '>', "$s->{dir}/usersd.conf" or die $!;
			print $c "no_such_key = 1\n";
			close $c;
			my @procs = usersd_below($s->web_pid);
			ok(@procs, 'the web server runs usersd processes')
			    or diag('none below ' . $s->web_pid);
			kill 'KILL', @procs;
			ok(TestLib::Server::wait_gone(5, @procs), 'they are gone');
			my $t0 = time;
			$r = $s->request('GET', '/api/v2/me',
			    headers => { Authorization => "Token $tok" }, timeout => 60);
			diag(sprintf '%s: unusable usersd answered after %.1f s',
			    $kind, time - $t0);
			json_error($r, 'usersd unusable: 500/502/503', 500, 502, 503);
			$seen{$kind}{'usersd unusable'} = $r;
		}
		$s->stop;
	};
}

# What each server answered, for the report and docs/deploy.md.
for my $kind (sort keys %seen) {
	for my $case (sort keys %{ $seen{$kind} }) {
		my $r = $seen{$kind}{$case};
		note(sprintf '%-16s %-28s %s %s', $kind, $case, $r->{status},
		    $r->{body} // '');
	}
}

done_testing();
