# t0210-instance-env.t -- a worker whose process environment names an
# instance (FcgidInitialEnv, lighttpd bin-environment, or the master's
# environment) serves that instance when the request carries no
# USERSD_INSTANCE parameter of its own.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;

my $why = TestLib::Server->unavailable('lighttpd-master');
TestLib::cannot_run($why) if $why;

my $default = TestLib->new;
my $acme = TestLib->new;
my $s = TestLib::Server->start(kind => 'lighttpd-master', t => $default,
    workers => 2, instances => { acme => $acme->conninfo },
    env => { USERSD_INSTANCE => 'acme' });

my $r = $s->request('POST', '/api/v2/setup', body => $default->json_encode({
    username => 'admin', password => 'adminpass1', org => 'o', bucket => 'b' }));
is($r->{status}, 201, 'setup through the server') or diag $r->{body};
is(($acme->psql('SELECT count(*) FROM users'))[0][0], 1,
    'the user is in the instance the environment names');
is(($default->psql('SELECT count(*) FROM users'))[0][0], 0,
    'and not in the default database');
my $me = $s->request('GET', '/api/v2/me',
    headers => { Authorization => "Token $r->{json}{auth}{token}" });
is($me->{status}, 200, 'its token works there');

done_testing;
