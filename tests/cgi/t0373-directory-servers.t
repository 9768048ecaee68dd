# t0373-directory-servers.t -- ldap_servers: the directory servers an
# instance may use are the provider's to choose.  An instance's admin
# role writes its directory settings, bind DN and all, so without a list
# a tenant could make usersd connect to any address or local socket the
# host reaches and write bytes of its choosing there (an LDAP bind whose
# DN holds "\r\nFLUSHALL\r\n" is a line-protocol command to a cache on
# loopback).  Unset, a hosted instance may use none and an instance with
# a database of its own any; "*" any; else only the servers listed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Select;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use Test::More;
use TestLib;
use ApiTest;
use Slapd;

if (my $why = Slapd::missing()) {
	TestLib::cannot_run($why);
}
my $t = TestLib->new;
ApiTest::bind($t, env => { USERSD_SIGNIN_MAX_FAILURES => 1000, USERSD_LDAP_TIMEOUT => 2 });
given('setup');
my $SFX = 'dc=example,dc=test';
my $d = Slapd->start(suffix => $SFX, ldif => "dn: uid=alice,ou=people,$SFX\n"
    . "objectClass: inetOrgPerson\nuid: alice\ncn: x\nsn: x\nuserPassword: alicepw12\n\n");
my $HOSTED = $t->{hosted};
$t->ctl_env(USERSD_LDAP_TIMEOUT => 2);

sub set {
	my ($k, $v, %env) = @_;
	my ($rc, $out, $err) = $k eq 'bind_password'
	    ? $t->ctl({ stdin => "$v\n" }, 'ldap', 'set', $k) : $t->ctl('ldap', 'set', $k, $v);
	is($rc, 0, "ldap set $k") or diag($err);
}

# A sign-in of alice and `usersctl ldap test` under ldap_servers $list
# (undef: unset).
sub signin {
	my ($list) = @_;
	return call('Basic ' . encode_base64('alice:alicepw12', ''), 'POST', '/api/v2/signin',
	    undef, env => { defined $list ? (USERSD_LDAP_SERVERS => $list) : () });
}
sub ldap_test {
	my ($list) = @_;
	$t->ctl_env(USERSD_LDAP_SERVERS => $list // '');
	my @r = $t->ctl('ldap', 'test');
	$t->ctl_env(USERSD_LDAP_SERVERS => '');
	return @r;
}

set(@$_) for $d->settings;

subtest 'unset: a hosted instance uses no directory; one with a database of its own, any' => sub {
	my $r = signin(undef);
	my ($rc, $out) = ldap_test(undef);
	if ($HOSTED) {
		is_error($r, 503, 'unavailable', 'the directory is unavailable, try again shortly',
		    'hosted: sign-in refused');
		like($r->{stderr}, qr/not among the servers ldap_servers allows/, 'the log says why');
		is($rc, 1, 'ldap test fails');
		like($out, qr/^misconfigured: \Q${\ $d->uri }\E: not among the servers ldap_servers allows/,
		    '... and says why') or diag($out);
	} else {
		is($r->{status}, 204, 'a database of its own: alice signs in') or diag($r->{body});
		is($rc, 0, 'ldap test passes') or diag($out);
	}
};

subtest 'listed: the server works; unlisted: refused, in either layout' => sub {
	is(signin($d->uri)->{status}, 204, 'its URI listed');
	is(signin('*')->{status}, 204, '"*": any');
	is(signin("ldaps://dir.example.test LDAP://127.0.0.1:$d->{port}/")->{status}, 204,
	    'scheme and host in any case, a trailing slash');
	for my $list ('ldap://127.0.0.1:1', "ldap://127.0.0.2:$d->{port}", "ldaps://127.0.0.1:$d->{port}",
	    'ldap://127.0.0.1', $d->ldapi_uri, 'not a url') {
		my $r = signin($list);
		is_error($r, 503, 'unavailable', 'the directory is unavailable, try again shortly',
		    "ldap_servers = $list: refused");
	}
	my ($rc, $out) = ldap_test('ldap://127.0.0.1:1');
	is($rc, 1, 'ldap test fails against another list');
};

subtest 'an unlisted address is never connected to, whatever the bind DN carries' => sub {
	my $trap = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
	    Listen => 5, ReuseAddr => 1) or die "listen: $!";
	my $port = $trap->sockport;
	set(uris => "ldap://127.0.0.1:$port");
	# usersctl refuses control characters; the admin role's UPDATE does not.
	$t->psql(q{UPDATE directory SET bind_dn = E'cn=x\\r\\nFLUSHALL\\r\\n'});
	for my $list ($HOSTED ? (undef) : (), $d->uri) {
		my $r = signin($list);
		is($r->{status}, 503, 'ldap_servers = ' . ($list // 'unset') . ': refused');
	}
	my ($rc) = ldap_test($d->uri);
	is($rc, 1, 'ldap test refused too');
	ok(!IO::Select->new($trap)->can_read(0.5), 'the trap saw no connection');
	set(uris => $d->uri);
	set(bind_dn => "cn=search,$SFX");
};

done_testing;
