# t0130-token-expiry-keepalive.t -- issue 29: a token that expires between
# two requests of one client connection.  Through nginx and a usersd
# master with one worker (so the same worker, which keeps the token's
# parsed permissions, serves every request): the token works on a
# keep-alive connection, then, on that same connection, the first request
# after its expiry (by the database's clock) answers exactly as an unknown
# token.  The same for the old secret of a rotation whose grace ends.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Socket::INET;
use Time::HiRes qw(sleep);
use Test::More;
use TestLib;

my $why = TestLib::Server->unavailable('nginx');
TestLib::cannot_run($why) if $why;

my $t = TestLib->new;
my $s = TestLib::Server->start(kind => 'nginx', t => $t, workers => 1);
my $setup = $s->request('POST', '/api/v2/setup', body => $t->json_encode({
    username => 'admin', password => 'adminpass1', org => 'o', bucket => 'b' }));
is($setup->{status}, 201, 'setup') or BAIL_OUT($setup->{body});
my %op = (Authorization => "Token $setup->{json}{auth}{token}");
my ($org, $admin) = ($setup->{json}{org}{id}, $setup->{json}{user}{id});

# One request on an open connection: the status, headers and body.
sub on {
	my ($sock, $token) = @_;
	syswrite($sock, "GET /api/v2/me HTTP/1.1\r\nHost: localhost\r\n"
	    . "Authorization: Token $token\r\nConnection: keep-alive\r\n\r\n") or return {};
	my $buf = '';
	while ($buf !~ /\r\n\r\n/) {
		my $n = sysread($sock, $buf, 4096, length $buf);
		return {} if !$n;
	}
	my ($head, $body) = split /\r\n\r\n/, $buf, 2;
	my ($status) = $head =~ m{^HTTP/1\.1 (\d{3})};
	my ($len) = $head =~ /^Content-Length: (\d+)\r?$/mi;
	while (defined $len && length($body) < $len) {
		my $n = sysread($sock, $body, $len - length($body), length $body);
		last if !$n;
	}
	return { status => $status // 0, head => $head, body => $body };
}
sub connection { IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $s->port,
    Proto => 'tcp', Timeout => 5) or die "connect: $!" }
# Seconds until time $at by the database's clock.
sub until_db { my ($at) = @_;
	return ($t->psql("SELECT extract(epoch FROM '$at'::timestamptz - now())"))[0][0] }

my $unknown = on(connection(), 'z' x 86 . '==');
is($unknown->{status}, 401, 'an unknown token: 401');

subtest 'a token that expires between two requests of one connection' => sub {
	my $c = $s->request('POST', '/api/v2/authorizations', headers => \%op, body => $t->json_encode({
	    orgID => $org, userID => $admin, expiresIn => 3,
	    permissions => [ { action => 'read', resource => { type => 'users', id => $admin } } ] }));
	is($c->{status}, 201, 'a token for three seconds') or diag($c->{body});
	my $sock = connection();
	my $r = on($sock, $c->{json}{token});
	is($r->{status}, 200, 'first request: 200');
	unlike($r->{head}, qr/^Connection: close/mi, 'the connection stays open');
	is(on($sock, $c->{json}{token})->{status}, 200, 'second request, same connection: 200');
	my $left = until_db($c->{json}{expiresAt});
	cmp_ok($left, '>', 0, 'the requests came before its expiry');
	sleep($left + 0.2) if $left > 0;
	$r = on($sock, $c->{json}{token});
	is($r->{status}, 401, 'third request, same connection, after its expiry: 401');
	is($r->{body}, $unknown->{body}, 'the body of an unknown token');
};

subtest 'an old secret whose grace ends between two requests of one connection' => sub {
	my $c = $s->request('POST', '/api/v2/authorizations', headers => \%op, body => $t->json_encode({
	    orgID => $org, userID => $admin,
	    permissions => [ { action => 'read', resource => { type => 'users', id => $admin } } ] }));
	my $rot = $s->request('POST', "/api/v2/authorizations/$c->{json}{id}/rotate", headers => \%op,
	    body => '{"gracePeriodSeconds":3}');
	is($rot->{status}, 200, 'rotated with three seconds of grace') or diag($rot->{body});
	my $sock = connection();
	is(on($sock, $c->{json}{token})->{status}, 200, 'the old secret in its grace: 200');
	my $left = until_db($rot->{json}{previousTokenValidUntil});
	sleep($left + 0.2) if $left > 0;
	my $r = on($sock, $c->{json}{token});
	is($r->{status}, 401, 'same connection, after the grace: 401');
	is($r->{body}, $unknown->{body}, 'the body of an unknown token');
	is(on($sock, $rot->{json}{token})->{status}, 200, 'the new secret, same connection: 200');
};

done_testing();
