# t0363-token-last-use.t -- issue 29: last use and hygiene.  Every
# authorization answer carries lastUsedAt and lastUsedFrom once the token
# was used; the use is written at most once a minute per token, apart from
# the token's row (no new row version, no audit row), and not at all with
# token_last_use = 0.  psql: admin_tokens and admin_token_hygiene (stale,
# expiring, expired); usersctl token list --unused-since --expiring-within;
# /metrics' usersd_tokens gauges of the instance serving the scrape.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

my $s = given('setup');
my ($ADMIN, $ORG) = ($s->{user_id}, $s->{org_id});
my $bob = given(user => 'bob', password => 'bobpass12');

sub used { my ($id) = @_;
	return one("SELECT last_used_at::text || ' ' || last_used_addr FROM authorization_use WHERE auth_id = '$id'") }
sub audit_rows { one('SELECT count(*) FROM audit_log') }

subtest 'a token shows no last use until used, then when and from where' => sub {
	my ($tok, $id) = given(token => $bob, org => $ORG);
	my $g = call($OP, 'GET', "/api/v2/authorizations/$id")->{json};
	ok(!exists $g->{lastUsedAt} && !exists $g->{lastUsedFrom}, 'unused: neither field');
	my $xmin = one("SELECT xmin FROM authorizations WHERE id = '$id'");
	my $audit = audit_rows();
	call($tok, 'GET', '/api/v2/me', undef, env => { REMOTE_ADDR => '192.0.2.7' });
	$g = call($OP, 'GET', "/api/v2/authorizations/$id")->{json};
	like($g->{lastUsedAt} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'lastUsedAt');
	is($g->{lastUsedFrom}, '192.0.2.7', 'lastUsedFrom: its address');
	ok(abs(one("SELECT extract(epoch FROM now() - " . lit($g->{lastUsedAt}) . "::timestamptz)")) < 30,
	    'about now');
	is(one("SELECT xmin FROM authorizations WHERE id = '$id'"), $xmin, 'the token\'s row is untouched');
	is(audit_rows(), $audit, 'no audit row for a use');
	my ($listed) = grep { $_->{id} eq $id } @{ call($OP, 'GET', '/api/v2/authorizations')->{json}{authorizations} };
	is($listed->{lastUsedFrom}, '192.0.2.7', 'the list shows it');
	is(one("SELECT last_used_addr FROM admin_tokens WHERE id = '$id'"), '192.0.2.7', 'admin_tokens shows it');
};

subtest 'written at most once a minute per token' => sub {
	my ($tok, $id) = given(token => $bob, org => $ORG);
	call($tok, 'GET', '/api/v2/me', undef, env => { REMOTE_ADDR => '192.0.2.1' });
	my $first = used($id);
	my $xmin = one("SELECT xmin FROM authorization_use WHERE auth_id = '$id'");
	call($tok, 'GET', '/api/v2/me', undef, env => { REMOTE_ADDR => '192.0.2.2' }) for 1 .. 3;
	is(used($id), $first, 'three more uses within the minute: unchanged');
	is(one("SELECT xmin FROM authorization_use WHERE auth_id = '$id'"), $xmin, 'not even rewritten');
	$t->psql("UPDATE authorization_use SET last_used_at = now() - interval '61 seconds' WHERE auth_id = '$id'");
	call($tok, 'GET', '/api/v2/me', undef, env => { REMOTE_ADDR => '192.0.2.3' });
	like(used($id), qr/ 192\.0\.2\.3$/, 'a minute on: written again');
};

subtest 'token_last_use = 0 records nothing; an unknown or expired token records nothing' => sub {
	my ($tok, $id) = given(token => $bob, org => $ORG);
	is(call($tok, 'GET', '/api/v2/me', undef, env => { USERSD_TOKEN_LAST_USE => 0 })->{status}, 200, 'works');
	is(used($id), undef, 'off: no row');
	$t->psql("UPDATE authorizations SET created_at = now() - interval '2 days', "
	    . "expires_at = now() - interval '1 day' WHERE id = '$id'");
	is(call($tok, 'GET', '/api/v2/me')->{status}, 401, 'expired: 401');
	is(used($id), undef, 'and no use recorded');
	is(one("SELECT count(*) FROM authorization_use WHERE auth_id = '$id'"), 0, 'nothing for it at all');
};

subtest 'a cookie records nothing on tokens' => sub {
	my $before = one('SELECT count(*) FROM authorization_use');
	my $c = 'cookie:' . given(session => 'bob', password => 'bobpass12');
	is(call($c, 'GET', '/api/v2/me')->{status}, 200, 'a session request');
	is(one('SELECT count(*) FROM authorization_use'), $before, 'no token use');
};

# The hygiene fixture: one of each kind, ages set in psql.
my %H;
for my $k (qw(fresh stale never expiring expired)) {
	my ($tok, $id) = given(token => $bob, org => $ORG, description => $k);
	$H{$k} = $id;
	call($tok, 'GET', '/api/v2/me') unless $k eq 'never';
}
$t->psql("UPDATE authorizations SET created_at = now() - interval '200 days' WHERE id IN ('$H{stale}', '$H{never}', '$H{expired}')");
$t->psql("UPDATE authorization_use SET last_used_at = now() - interval '100 days' WHERE auth_id = '$H{stale}'");
$t->psql("UPDATE authorizations SET expires_at = now() + interval '3 days' WHERE id = '$H{expiring}'");
$t->psql("UPDATE authorizations SET expires_at = now() - interval '1 day' WHERE id = '$H{expired}'");

subtest 'psql: admin_token_hygiene lists the stale, the expiring and the expired' => sub {
	my %why = map { $_->[0] => $_->[1] } $t->psql('SELECT description, why FROM admin_token_hygiene');
	is($why{stale}, 'stale', 'used 100 days ago: stale');
	is($why{never}, 'stale', 'never used, made 200 days ago: stale');
	is($why{expiring}, 'expiring', 'ends in 3 days: expiring');
	is($why{expired}, 'expired', 'ended yesterday: expired');
	ok(!exists $why{fresh}, 'a fresh token is not listed');
};

subtest '/metrics counts the instance\'s tokens: used in the last day, expired, expiring' => sub {
	my $run = "/tmp/usersd-t0363-$$";
	mkdir $run;
	my $r = call($OP, 'GET', '/metrics', undef, env => { USERSD_RUN_DIR => $run });
	is($r->{status}, 200, 'the operator reads /metrics') or diag($r->{body});
	my $inst = $t->{hosted} // '(default)';
	my %n = map { $_ => ($r->{body} =~ /^usersd_tokens\{usersd_instance="\Q$inst\E",state="$_"\} (\d+)$/m
	    ? $1 : undef) } qw(used_1d expired expiring_7d);
	# Used today: the operator's, the first two tests', fresh, expiring,
	# expired (used before it ended); stale and never are not.
	is($n{used_1d}, 6, 'used in the last day');
	is($n{expired}, 2, 'expired: the one of the third test, and expired');
	is($n{expiring_7d}, 1, 'expiring within 7 days');
	is(scalar(() = $r->{body} =~ /^usersd_tokens\{/mg), 3, 'this instance\'s series only');
	unlink glob("$run/*");
	rmdir $run;
};

subtest 'usersctl token list --unused-since 90d --expiring-within 7d; token create --expires-in' => sub {
	my ($rc, $out, $err) = $t->ctl('token', 'list', '--unused-since', '90d', '--expiring-within', '7d');
	is($rc, 0, 'exit 0') or diag($err);
	# (The expired token of an earlier subtest has no description.)
	my %why = map { my @f = split /\t/; $f[4] ? ($f[4] => $f[-1]) : () } grep { length } split /\n/, $out;
	is_deeply(\%why, { stale => 'unused', never => 'unused', expiring => 'expiring', expired => 'expired' },
	    'the same four, each with why') or diag($out);
	($rc, $out) = $t->ctl('token', 'list', '--expiring-within', '7d');
	is(scalar(grep { /\t(expiring|expired)$/ && !/^\S+\t\S+\t\S+\t\S+\t\t/ } split /\n/, $out), 2,
	    '--expiring-within alone: the two of the fixture');
	unlike($out, qr/\tunused$/m, '... and no unused one');
	($rc, $out) = $t->ctl('token', 'list', '--unused-since', '1h');
	like($out, qr/\tnever\t/, 'the never-used one shows "never" as its last use');
	($rc, $out) = $t->ctl('token', 'list');
	like($out, qr/^$H{fresh}\tactive\tbob\t/m, 'no filter: every token, status first');
	($rc, $out, $err) = $t->ctl('token', 'create', '--user', 'bob', '--org', 'o', '--expires-in', '2h');
	is($rc, 0, 'token create --expires-in 2h') or diag($err);
	my ($id) = $err =~ /token id ([0-9a-f]{16})/;
	is(one("SELECT round(extract(epoch FROM expires_at - created_at)) FROM authorizations WHERE id = '$id'"),
	    7200, 'it lives two hours');
	is(($t->ctl('token', 'create', '--user', 'bob', '--org', 'o', '--expires-in', '0'))[0], 1,
	    '--expires-in 0: refused');
	is(($t->ctl('token', 'list', '--unused-since', 'long'))[0], 2, 'a bad duration: usage error');
	is(($t->ctl('token', 'list', '--unused-since', '-5d'))[0], 2, 'a negative one too');
};

done_testing();
