# t0310-curl-flow.t -- the contract's four-step user flow with curl, as an
# admin would type it, through nginx and a usersd master with three
# workers: create the user, take its id, create a token for it, set its
# password.  Then a token made inactive, or deleted, is refused at once by
# every worker.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP;
use Test::More;
use TestLib;

my $curl = TestLib::Server::_which('curl');
TestLib::cannot_run('curl is not installed') unless $curl;
my $why = TestLib::Server->unavailable('nginx');
TestLib::cannot_run($why) if $why;

my $t = TestLib->new;
my $s = TestLib::Server->start(kind => 'nginx', t => $t, workers => 3,
    env => { USERSD_RUN_DIR => $ENV{USERSD_RUN_DIR} });
my $URL = $s->url;
my $JSON = JSON::PP->new->canonical;

# curl(@args) -> (status, decoded body or undef)
sub curl {
	my @args = @_;
	open(my $fh, '-|', $curl, '-s', '-o', '-', '-w', '\n%{http_code}', @args)
	    or die "curl: $!";
	my $out = do { local $/; <$fh> };
	close $fh;
	my ($body, $code) = $out =~ /\A(.*)\n(\d{3})\z/s or return (0, undef);
	my $j = eval { $JSON->decode($body) };
	return ($code, $j);
}

my ($code, $j) = curl('-X', 'POST', "$URL/api/v2/setup",
    '-H', 'Content-Type: application/json',
    '-d', '{"username":"admin","password":"adminpass1","org":"o","bucket":"b"}');
is($code, 201, 'setup with curl');
my $OP = $j->{auth}{token};
my $ORG = $j->{org}{id};
my @op = ('-H', "Authorization: Token $OP", '-H', 'Content-Type: application/json');
my $ADMIN = $j->{user}{id};

my ($uid, $tok, $authid);
subtest 'the four steps with curl' => sub {
	($code, $j) = curl(@op, '-d', '{"name":"dana"}', "$URL/api/v2/users");
	is($code, 201, '1. create the user');
	$uid = $j->{id};
	like($uid, qr/^[0-9a-f]{16}$/, '2. take its id');
	($code, $j) = curl(@op, '-d', $JSON->encode({ orgID => $ORG, userID => $uid,
	    description => 'dana laptop', permissions => [
	    { action => 'read', resource => { type => 'users', id => $uid } },
	    { action => 'write', resource => { type => 'users', id => $uid } }] }),
	    "$URL/api/v2/authorizations");
	is($code, 201, '3. create a token for the user');
	($tok, $authid) = ($j->{token}, $j->{id});
	is($j->{userID}, $uid, 'for dana');
	($code) = curl(@op, '-d', '{"password":"dana-pass-1"}',
	    "$URL/api/v2/users/$uid/password");
	is($code, 204, '4. set the password');
	($code, $j) = curl('-H', "Authorization: Token $tok", "$URL/api/v2/me");
	is($code, 200, 'the token reads /me');
	is($j->{name}, 'dana', 'as dana');
	($code) = curl('-u', 'dana:dana-pass-1', '-X', 'POST', '-d', '',
	    "$URL/api/v2/signin");
	is($code, 204, 'dana signs in with curl -u');
};

subtest 'tokens with different permissions alternate on every worker' => sub {
	# A worker keeps the last permissions it parsed: an operator request
	# between two of dana's must not lend dana its rights, nor the reverse.
	my %seen;
	for (1 .. 8) {
		$seen{'op reads dana ' . (curl(@op, "$URL/api/v2/users/$uid"))[0]}++;
		$seen{'dana reads admin ' . (curl('-H', "Authorization: Token $tok",
		    "$URL/api/v2/users/$ADMIN"))[0]}++;
		$seen{'dana reads dana ' . (curl('-H', "Authorization: Token $tok",
		    "$URL/api/v2/users/$uid"))[0]}++;
	}
	is_deeply(\%seen, { 'op reads dana 200' => 8, 'dana reads admin 401' => 8,
	    'dana reads dana 200' => 8 }, 'each token keeps its own rights')
	    or diag explain \%seen;
};

# Enough requests that each of the three workers answers some.
sub all_refused {
	my ($what) = @_;
	my %codes;
	$codes{ (curl('-H', "Authorization: Token $tok", "$URL/api/v2/me"))[0] }++
	    for 1 .. 12;
	is_deeply(\%codes, { 401 => 12 }, "$what: 12 of 12 requests refused");
}

subtest 'an inactive token is refused at once on every worker' => sub {
	my %codes;
	$codes{ (curl('-H', "Authorization: Token $tok", "$URL/api/v2/me"))[0] }++
	    for 1 .. 6;
	is_deeply(\%codes, { 200 => 6 }, 'works everywhere before');
	($code, $j) = curl(@op, '-X', 'PATCH', '-d', '{"status":"inactive"}',
	    "$URL/api/v2/authorizations/$authid");
	is($code, 200, 'PATCH status inactive');
	is($j->{status}, 'inactive', 'inactive');
	all_refused('inactive');
	($code) = curl(@op, '-X', 'PATCH', '-d', '{"status":"active"}',
	    "$URL/api/v2/authorizations/$authid");
	is($code, 200, 'active again');
};

subtest 'a deleted token is refused at once on every worker' => sub {
	($code) = curl('-H', "Authorization: Token $tok", "$URL/api/v2/me");
	is($code, 200, 'works before');
	($code) = curl(@op, '-X', 'DELETE', "$URL/api/v2/authorizations/$authid");
	is($code, 204, 'DELETE');
	all_refused('deleted');
	my %pids = map { $_ => 1 } $s->log('usersd.log') =~
	    /usersd\[(\d+)\] \S+ GET \/api\/v2\/me 401/g;
	note('workers that refused: ' . join(' ', sort keys %pids));
};

done_testing;
