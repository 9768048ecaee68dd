# t0001-smoke.t -- every deployment in deploy/ serves usersd's generic answers.
#
# For each server kind: start it from its deploy/ template, check /health,
# the JSON 404, 405 + Allow, the 413 of a route that reads its body (with a
# credential, so that the limit is what answers, and nothing written), that
# a body written in several TCP segments (hence several FastCGI stdin
# records) is read whole by a route that parses it, and that stop leaves
# no usersd process behind.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;

my $t = TestLib->new;
my $JSONCT = 'application/json; charset=utf-8';

# The operator token: POST /api/v2/users reads its body only once the
# credential is good.
my $setup = $t->setup;
is($setup->{res}{status}, 201, 'set up') or BAIL_OUT("setup: $setup->{res}{body}");
my %OP = (Authorization => "Token $setup->{token}", 'Content-Type' => 'application/json');

# What a refused request must leave as it was.
sub users_state { join ';', map { join ',', @$_ } $t->psql(
    'SELECT id, name, status, updated_at FROM users ORDER BY id') }
sub audit_rows { ($t->psql('SELECT count(*) FROM audit_log'))[0][0] }

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
		# itself must answer, in JSON, and create no user.
		my ($users, $audit) = (users_state(), audit_rows());
		$r = $s->request('POST', '/api/v2/users', headers => { %OP },
		    body => '{"name":"' . ('x' x ($TestLib::Server::BODY_LIMIT + 1000)) . '"}');
		is($r->{status}, 413, 'body over the limit is 413') or diag($r->{body});
		is($r->{headers}{'content-type'}, $JSONCT, '413 is JSON');
		is($r->{headers}{'x-platform-error-code'}, 'request too large',
		    '413 error code header');
		is_deeply($r->{json}, { code => 'request too large', message =>
		    "request body is larger than $TestLib::Server::BODY_LIMIT bytes" },
		    '413 body: usersd\'s {code, message}') or diag($r->{body});
		is(users_state(), $users, '413: no user created or changed');
		is(audit_rows(), $audit, '413: nothing audited');

		# ~40 KiB body in 10 writes with pauses: the web server forwards it
		# in several FastCGI records; usersd must read it all to find the
		# closing brace after the padding, and create the user.
		my $name = "split-$kind";
		my $body = qq({"name":"$name") . (' ' x 40960) . '}';
		my $head = "POST /api/v2/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		    . join('', map { "$_: $OP{$_}\r\n" } sort keys %OP)
		    . 'Content-Length: ' . length($body) . "\r\nConnection: close\r\n\r\n";
		my @chunks = ($head, unpack('(a4096)*', $body));
		$r = $s->raw(\@chunks, delay => 0.02);
		is($r->{status}, 201, 'split 40 KiB body: read whole, 201') or diag($r->{raw});
		is($r->{json}{name}, $name, 'split 40 KiB body: the user it names');

		my @workers = $s->worker_pids;
		my $master = $s->master_pid;
		$s->stop;
		ok(TestLib::Server::wait_gone(2, $master), 'master gone after stop') if $master;
		ok(TestLib::Server::wait_gone(2, @workers), 'workers gone after stop');
	};
}

done_testing();
