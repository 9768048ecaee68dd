# t0001-routing.t -- the route table's generic answers, usersd run as CGI.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use TestLib;

my $t = TestLib->new;
my $JSONCT = 'application/json; charset=utf-8';

subtest 'an unknown path is a JSON 404' => sub {
	my $r = $t->cgi(method => 'GET', path => '/no/such/path');
	is($r->{status}, 404, 'status 404');
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is($r->{headers}{'x-platform-error-code'}, 'not found', 'X-Platform-Error-Code');
	is_deeply($r->{json}, { code => 'not found', message => 'path not found' }, 'body')
	    or diag($r->{body});
};

subtest 'a wrong method on /ping is a 405 with Allow' => sub {
	my $r = $t->cgi(method => 'DELETE', path => '/ping');
	is($r->{status}, 405, 'status 405');
	like($r->{headers}{allow} // '', qr/\bGET\b/, 'Allow lists GET');
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is($r->{json}{code}, 'method not allowed', 'error code');
	is($r->{headers}{'x-platform-error-code'}, 'method not allowed', 'X-Platform-Error-Code');
};

subtest '/ping is 204 without a body' => sub {
	my $r = $t->cgi(method => 'GET', path => '/ping');
	is($r->{status}, 204, 'status 204');
	is($r->{body}, '', 'no body');
};

subtest 'a body over USERSD_BODY_LIMIT is a 413' => sub {
	my $r = $t->cgi(method => 'POST', path => '/api/v2/users',
	    headers => { 'Content-Type' => 'application/json' },
	    body => '{"name":"' . ('x' x 2000) . '"}',
	    env => { USERSD_BODY_LIMIT => 1024 });
	is($r->{status}, 413, 'status 413');
	is($r->{json}{code}, 'request too large', 'error code');
	is($r->{headers}{'x-platform-error-code'}, 'request too large', 'X-Platform-Error-Code');
};

subtest '/health passes with the database up' => sub {
	my $r = $t->cgi(method => 'GET', path => '/health');
	is($r->{status}, 200, 'status 200') or diag($r->{body}, $r->{stderr});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is($r->{json}{status}, 'pass', 'status pass');
};

subtest '/health fails fast with an unreachable database' => sub {
	my $t0 = time;
	my $r = $t->cgi(method => 'GET', path => '/health',
	    env => { USERSD_DB => 'host=/nonexistent/socketdir port=5432 dbname=x user=postgres',
		USERSD_HOSTING => 'host=/nonexistent/socketdir port=5432 dbname=x user=postgres' });
	my $took = time - $t0;
	is($r->{status}, 503, 'status 503');
	is($r->{json}{status}, 'fail', 'status fail');
	cmp_ok($took, '<', 2, 'answered within 2 s');
};

done_testing();
