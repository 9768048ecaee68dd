# t0100-smoke-api.t -- the same API smoke suite through every deployment in deploy/.
#
# For each server kind (lighttpd-master, lighttpd-spawn, nginx, apache-fcgid,
# apache-proxy), in a fresh database of its own: /health; POST /api/v2/setup;
# create, get, list a user (?name=%00 is 400); set its password, sign in
# with Basic (cookie attributes), use the cookie on /api/v2/me; the JSON
# 404, 405 + Allow and 413; a JSON body written in several TCP segments;
# delete the user, then 404.
#
# Then that the servers agree on what usersd sees: the path as the client
# sent it (%2F stays encoded: usersd's 400, not the server's 404), the
# client address (audit_log.remote_addr), and "no TLS" (no Secure cookie).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(time);
use TestLib;

my $JSONCT = 'application/json; charset=utf-8';
my $COOKIE = 'influxdb-oss-session';
my $T0 = time;

# What each kind showed, compared across kinds at the end.
my %seen;

sub basic { 'Basic ' . encode_base64(join(':', @_), '') }

for my $kind (TestLib::Server->kinds) {
	subtest $kind => sub {
		return unless TestLib::Server->runnable($kind);
		my $t = TestLib->new;	# a fresh database per kind
		my $s = TestLib::Server->start_ok(kind => $kind, t => $t, workers => 2)
		    or return;
		smoke($kind, $t, $s);
		$s->stop;
	};
}

subtest 'the servers agree' => sub {
	my @kinds = sort keys %seen;
	plan skip_all => 'fewer than two kinds ran' if @kinds < 2;
	for my $what (qw(bad_id remote_addr secure)) {
		my %values = map { ($seen{$_}{$what} // '(none)') => 1 } @kinds;
		is(scalar(keys %values), 1, "$what is the same behind every server")
		    or diag(join "\n", map { "$_: " . ($seen{$_}{$what} // '(none)') } @kinds);
	}
};

my $took = time - $T0;
cmp_ok($took, '<', 90, sprintf('the whole file took %.1f s (< 90 s)', $took));

done_testing();

sub smoke {
	my ($kind, $t, $s) = @_;

	my $r = $s->request('GET', '/health');
	is($r->{status}, 200, '/health is 200') or diag($r->{body});
	is($r->{json}{status}, 'pass', '/health says pass');

	# Setup through the web server.
	$r = $s->request('POST', '/api/v2/setup',
	    headers => { 'Content-Type' => 'application/json' },
	    body => TestLib->json_encode({ username => 'admin', password => 'adminpass1',
		org => 'o', bucket => 'b' }));
	is($r->{status}, 201, 'POST /api/v2/setup is 201') or diag($r->{body});
	my $op = $r->{json} && $r->{json}{auth} ? $r->{json}{auth}{token} : undef;
	ok(defined $op && length $op, 'setup returns the operator token')
	    or return diag('no token: the rest would only fail');
	my %auth = (Authorization => "Token $op");
	my %json = (%auth, 'Content-Type' => 'application/json');

	# Create, get, list.
	$r = $s->request('POST', '/api/v2/users', headers => \%json,
	    body => TestLib->json_encode({ name => 'alice' }));
	is($r->{status}, 201, 'create user: 201') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'create user: JSON');
	my $id = $r->{json}{id} // '';
	like($id, qr/^[0-9a-f]{16}$/, 'create user: 16 hex digit id');

	$r = $s->request('GET', "/api/v2/users/$id", headers => \%auth);
	is($r->{status}, 200, 'get user: 200') or diag($r->{body});
	is($r->{json}{name}, 'alice', 'get user: the name');

	$r = $s->request('GET', '/api/v2/users', headers => \%auth);
	is($r->{status}, 200, 'list users: 200') or diag($r->{body});
	ok((grep { ($_->{id} // '') eq $id } @{ $r->{json}{users} // [] }),
	    'list users: contains alice') or diag($r->{body});

	# A NUL in a query value is 400 invalid, never the whole list as if
	# there were no filter: usersd's answer, or lighttpd's own (it
	# refuses %00 before usersd sees it).
	$r = $s->request('GET', '/api/v2/users?name=%00', headers => \%auth);
	is($r->{status}, 400, 'list users ?name=%00: 400') or diag($r->{body});
	is($r->{json}{code}, 'invalid', 'list users ?name=%00: code invalid')
	    or diag($r->{body});

	# The client address usersd saw (REMOTE_ADDR), in the audit log.
	my @rows = $t->psql("SELECT remote_addr FROM audit_log WHERE action = 'create'"
	    . " AND target_type = 'user' AND target_id = '$id'");
	is(scalar @rows, 1, 'audit_log has the creation');
	my $addr = @rows ? $rows[0][0] : undef;
	is($addr, '127.0.0.1', 'audit_log.remote_addr is the client address');
	$seen{$kind}{remote_addr} = $addr;

	# Password, Basic sign-in, the cookie on /api/v2/me.
	$r = $s->request('POST', "/api/v2/users/$id/password", headers => \%json,
	    body => TestLib->json_encode({ password => 'alice-pass1' }));
	is($r->{status}, 204, 'set password: 204') or diag($r->{body});

	$r = $s->request('POST', '/api/v2/signin',
	    headers => { Authorization => basic('alice', 'alice-pass1') });
	is($r->{status}, 204, 'Basic sign-in: 204') or diag($r->{body});
	my @cookies = TestLib::header_all($r, 'set-cookie');
	is(scalar @cookies, 2, 'sign-in sets two cookies') or diag(explain \@cookies);
	like($cookies[1] // '', qr{^usersd-device=[^;]+; Path=/api/v2/signin;},
	    'the second: the device cookie, for sign-in only');
	my $set = $cookies[0] // '';
	like($set, qr/^\Q$COOKIE\E=[^;]+;/, "the cookie is $COOKIE");
	like($set, qr/; Path=\/api\/(;|$)/, 'Path=/api/');
	like($set, qr/; HttpOnly(;|$)/, 'HttpOnly');
	like($set, qr/; SameSite=Strict(;|$)/, 'SameSite=Strict');
	# No TLS in front of usersd here, so the server sets no HTTPS param.
	unlike($set, qr/;\s*Secure(;|$)/i, 'no Secure attribute without TLS');
	$seen{$kind}{secure} = $set =~ /;\s*Secure(;|$)/i ? 'Secure' : 'not Secure';
	my ($cookie) = $set =~ /^\Q$COOKIE\E=([^;]+)/;

	$r = $s->request('GET', '/api/v2/me',
	    headers => { Cookie => "$COOKIE=" . ($cookie // '') });
	is($r->{status}, 200, 'GET /api/v2/me with the cookie: 200') or diag($r->{body});
	is($r->{json}{name}, 'alice', '/api/v2/me is alice');

	# The path as the client sent it: %2F is not decoded (nor refused)
	# by the web server; usersd sees a 9-byte id.
	$r = $s->request('GET', '/api/v2/users/abc%2Fdef', headers => \%auth);
	is($r->{status}, 400, 'GET /api/v2/users/abc%2Fdef: usersd\'s 400')
	    or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, '... in JSON');
	is($r->{json}{message}, 'id must have a length of 16 bytes', '... id length message')
	    or diag($r->{body});
	$seen{$kind}{bad_id} = "$r->{status} " . ($r->{json}{message} // $r->{body});

	# A JSON body in several TCP segments (and FastCGI stdin records).
	my $body = '{"name":"split-user",' . (' ' x 12000) . '"status":"active"}';
	my $head = "POST /api/v2/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    . "Authorization: Token $op\r\nContent-Type: application/json\r\n"
	    . 'Content-Length: ' . length($body) . "\r\nConnection: close\r\n\r\n";
	$r = $s->raw([ $head, unpack('(a3000)*', $body) ], delay => 0.03);
	is($r->{status}, 201, 'JSON body in 6 writes: 201') or diag($r->{raw});
	is($r->{json}{name}, 'split-user', 'JSON body in 6 writes: read whole');

	# Delete, then gone.
	$r = $s->request('DELETE', "/api/v2/users/$id", headers => \%auth);
	is($r->{status}, 204, 'delete user: 204') or diag($r->{body});
	is($r->{body}, '', 'delete user: no body');
	$r = $s->request('GET', "/api/v2/users/$id", headers => \%auth);
	is($r->{status}, 404, 'deleted user: 404') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'deleted user: JSON 404');

	# usersd's generic answers, not the web server's.
	$r = $s->request('GET', '/no/such/path?x=1');
	is($r->{status}, 404, 'unknown path: 404');
	is($r->{headers}{'content-type'}, $JSONCT, 'unknown path: JSON');
	is_deeply($r->{json}, { code => 'not found', message => 'path not found' },
	    'unknown path: usersd\'s body') or diag($r->{body});

	$r = $s->request('DELETE', '/api/v2/setup', headers => \%auth);
	is($r->{status}, 405, 'DELETE /api/v2/setup: 405');
	is($r->{headers}{'content-type'}, $JSONCT, '405: JSON');
	is($r->{json}{code}, 'method not allowed', '405: usersd\'s code') or diag($r->{body});
	like($r->{headers}{allow} // '', qr/\bGET\b/, '405: Allow has GET');
	like($r->{headers}{allow} // '', qr/\bPOST\b/, '405: Allow has POST');

	$r = $s->request('POST', '/api/v2/users', headers => \%json,
	    body => '{"name":"' . ('x' x ($TestLib::Server::BODY_LIMIT + 1000)) . '"}');
	is($r->{status}, 413, 'body over body_limit: 413') or diag(substr $r->{body}, 0, 300);
	is($r->{headers}{'content-type'}, $JSONCT, '413: JSON');
	is($r->{json}{code}, 'request too large', '413: usersd\'s code');
}
