# t0001-smoke.t -- every deployment in deploy/ serves usersd's generic answers.
#
# For each server kind: start it from its deploy/ template, check /health,
# the JSON 404, 405 + Allow and 413, that a body written in several TCP
# segments (hence several FastCGI stdin records) is read whole, and that
# stop leaves no usersd process behind.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;

my $t = TestLib->new;

for my $kind (TestLib::Server->kinds) {
	subtest $kind => sub {
		return unless TestLib::Server->runnable($kind);
		my $s = TestLib::Server->start_ok(kind => $kind, t => $t, workers => 2) or return;

		my $r = $s->request('GET', '/health');
		is($r->{status}, 200, '/health is 200') or diag($r->{body});
		is($r->{json}{status}, 'pass', '/health says pass');

		$r = $s->request('GET', '/no/such/path?x=1');
		is($r->{status}, 404, 'unknown path is 404');
		is($r->{headers}{'content-type'}, 'application/json; charset=utf-8',
		    '404 is JSON');
		is_deeply($r->{json}, { code => 'not found', message => 'path not found' },
		    '404 body') or diag($r->{body});
		is($r->{headers}{'x-platform-error-code'}, 'not found', '404 error code header');

		$r = $s->request('POST', '/ping', body => '');
		is($r->{status}, 405, 'POST /ping is 405');
		like($r->{headers}{allow} // '', qr/\bGET\b/, '405 carries Allow');

		# Over usersd's limit but under the web server's own cap: usersd
		# itself must answer, in JSON.
		$r = $s->request('POST', '/api/v2/users',
		    headers => { 'Content-Type' => 'application/json' },
		    body => 'x' x ($TestLib::Server::BODY_LIMIT + 1000));
		is($r->{status}, 413, 'body over the limit is 413');
		is($r->{json}{code}, 'request too large', '413 is usersd\'s JSON');

		# ~40 KiB body in 10 writes with pauses: the web server forwards it
		# in several FastCGI records; usersd must read it all and answer.
		my $body = 'y' x 40960;
		my $head = "POST /no/such/path HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		    . "Content-Type: application/json\r\nContent-Length: "
		    . length($body) . "\r\nConnection: close\r\n\r\n";
		my @chunks = ($head, unpack('(a4096)*', $body));
		$r = $s->raw(\@chunks, delay => 0.02);
		is($r->{status}, 404, 'split 40 KiB body: answered 404') or diag($r->{raw});
		is($r->{json}{code}, 'not found', 'split 40 KiB body: JSON body');

		my @workers = $s->worker_pids;
		my $master = $s->master_pid;
		$s->stop;
		ok(TestLib::Server::wait_gone(2, $master), 'master gone after stop') if $master;
		ok(TestLib::Server::wait_gone(2, @workers), 'workers gone after stop');
	};
}

done_testing();
