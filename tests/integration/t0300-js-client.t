# t0300-js-client.t -- the official InfluxDB JavaScript client
# (@influxdata/influxdb-client-apis, from the npm registry) against usersd
# behind lighttpd: create, list, page, get, patch, set the password of and
# delete users, and the contract's four-step user flow (tests/js/).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;

my $JS = "$FindBin::Bin/../js";
my $node = TestLib::Server::_which('node');
TestLib::cannot_run('node is not installed') unless $node;
TestLib::cannot_run("the client is not installed (npm ci in $JS)")
    unless -d "$JS/node_modules/\@influxdata/influxdb-client-apis";
my $why = TestLib::Server->unavailable('lighttpd-master');
TestLib::cannot_run($why) if $why;

my $t = TestLib->new;
my $s = TestLib::Server->start(kind => 'lighttpd-master', t => $t, workers => 2);
my $setup = $s->request('POST', '/api/v2/setup', body => $t->json_encode({
    username => 'admin', password => 'adminpass1', org => 'o', bucket => 'b' }));
is($setup->{status}, 201, 'setup through lighttpd') or diag $setup->{body};

my $out;
{
	local $ENV{USERSD_URL} = $s->url;
	local $ENV{USERSD_TOKEN} = $setup->{json}{auth}{token};
	local $ENV{USERSD_ORG_ID} = $setup->{json}{org}{id};
	$out = qx{cd "$JS" && "$node" client-flow.mjs 2>&1};
}
my $rc = $? >> 8;
my $checks = 0;
for my $line (split /\n/, $out) {
	if ($line =~ /^(not )?ok - (.*)$/) {
		$checks++;
		ok(!$1, "js client: $2");
	} else {
		diag($line);
	}
}
ok($checks >= 24, "the client ran its checks ($checks)");
is($rc, 0, 'the client script exited 0');

done_testing;
