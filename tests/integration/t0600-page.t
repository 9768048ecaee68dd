# t0600-page.t -- the account page (www/) behind every web server of
# deploy/, as its files serve it: the headers of its files (a strict
# Content-Security-Policy, the right types), then every flow in a real
# headless Chromium (tests/js/page.mjs: puppeteer-core, axe-core) behind
# nginx, lighttpd and Apache with mod_proxy_fcgi.  The
# screenshots of each screen, desktop and phone width, stay in the directory
# this test prints.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use HTTP::Tiny;
use Test::More;
use TestLib;

my $JS = "$FindBin::Bin/../js";
my $node = TestLib::Server::_which('node');
TestLib::cannot_run('node is not installed') unless $node;
TestLib::cannot_run('chromium is not installed') unless -x '/usr/bin/chromium';
TestLib::cannot_run("puppeteer-core and axe-core are not installed (npm ci in $JS)")
    unless -d "$JS/node_modules/puppeteer-core" && -d "$JS/node_modules/axe-core";

my $SHOTS = tempdir('usersd-page-XXXXXX', TMPDIR => 1, CLEANUP => 0);
chmod 0755, $SHOTS;
diag("screenshots: $SHOTS");

# Every shipped configuration serves the page; the browser runs behind
# three of them (the other two differ only in how usersd is spawned).
my %BROWSER = map { $_ => 1 } qw(nginx lighttpd-master apache-proxy);
for my $kind (qw(nginx lighttpd-master apache-proxy lighttpd-spawn apache-fcgid)) {
	subtest $kind => sub {
		TestLib::Server->runnable($kind) or return;
		my $t = TestLib->new;
		my $s = TestLib::Server->start_ok(kind => $kind, t => $t, workers => 2) or return;
		my $setup = $s->request('POST', '/api/v2/setup', body => $t->json_encode({
		    username => 'admin', password => 'adminpass1', org => 'o', bucket => 'b' }));
		is($setup->{status}, 201, 'setup') or return diag $setup->{body};

		my $http = HTTP::Tiny->new(timeout => 10);
		for my $f ([ '/', qr{^text/html} ], [ '/signin', qr{^text/html} ],
		    [ '/assets/app.js', qr{^text/javascript} ], [ '/assets/style.css', qr{^text/css} ]) {
			my $r = $http->get($s->url . $f->[0]);
			is($r->{status}, 200, "$f->[0]: 200");
			like($r->{headers}{'content-type'} // '', $f->[1], "$f->[0]: its type");
			my $csp = $r->{headers}{'content-security-policy'} // '';
			like($csp, qr/frame-ancestors 'none'/, "$f->[0]: frame-ancestors 'none'");
			like($csp, qr/default-src 'none'/, "$f->[0]: default-src 'none'");
			like($csp, qr/script-src 'self'(;|$)/, "$f->[0]: scripts from itself only");
			like($csp, qr/style-src 'self'(;|$)/, "$f->[0]: styles from itself only");
			unlike($csp, qr/unsafe|\*|data:/, "$f->[0]: nothing unsafe");
			is($r->{headers}{'x-content-type-options'}, 'nosniff', "$f->[0]: nosniff");
		}
		my $r = $http->get($s->url . '/assets/nothing.js');
		is($r->{status}, 404, 'a missing file: 404');
		$r = $http->get($s->url . '/api/v2/me');
		is($r->{status}, 401, 'the API is still usersd\'s');
		like($r->{headers}{'content-type'} // '', qr{^application/json}, 'as JSON');

		return $s->stop unless $BROWSER{$kind};
		my $out;
		{
			local $ENV{PAGE_URL} = $s->url;
			local $ENV{PAGE_TOKEN} = $setup->{json}{auth}{token};
			local $ENV{PAGE_ADMIN_PW} = 'adminpass1';
			local $ENV{PAGE_ORG_ID} = $setup->{json}{org}{id};
			local $ENV{PAGE_SHOTS} = $SHOTS;
			local $ENV{PAGE_KIND} = $kind;
			$out = qx{cd "$JS" && timeout 300 "$node" page.mjs 2>&1};
		}
		my $rc = $? >> 8;
		my $checks = 0;
		for my $line (split /\n/, $out) {
			if ($line =~ /^(not )?ok - (.*)$/) {
				$checks++;
				ok(!$1, $2);
			} else {
				diag($line);
			}
		}
		ok($checks >= 55, "the browser ran its checks ($checks)");
		is($rc, 0, 'page.mjs exited 0');
		$s->stop;
	};
}
diag("screenshots: $SHOTS");

done_testing;
