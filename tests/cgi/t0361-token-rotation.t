# t0361-token-rotation.t -- issue 29: POST /api/v2/authorizations/{id}/rotate
# (an extension).  A new secret, shown once, for the same id, permissions,
# description and expiry; the old secret stops at once, or after a grace
# the request asks (capped by the instance's token_rotate_max_grace, a day
# when unset); audited as a rotation; `usersctl token rotate ID`.  Only
# who could make the token may rotate it (t0350 has the matrix).
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
my $alice = given(user => 'alice', password => 'alicepass1');
is(call($OP, 'POST', "/api/v2/orgs/$ORG/owners", { id => $alice })->{status}, 201, 'alice owns the org');

sub epoch { one('SELECT extract(epoch FROM ' . lit($_[0]) . '::timestamptz)') }
sub db_now { one('SELECT extract(epoch FROM now())') }
sub rotate { my ($cred, $id, $body) = @_;
	return call($cred, 'POST', "/api/v2/authorizations/$id/rotate", $body) }
sub works { my ($tok) = @_; return call($tok, 'GET', '/api/v2/me')->{status} }

# usersctl on this test's instance, in either layout.

my %BOB = (orgID => $ORG, userID => $bob, description => 'bob reads', expiresIn => 86400,
    permissions => [ perm('read', type => 'users', id => $bob) ]);

subtest 'rotation without grace: a new secret, the same token; the old one stops at once' => sub {
	my $c = call($OP, 'POST', '/api/v2/authorizations', \%BOB)->{json};
	my $r = rotate($OP, $c->{id});
	is($r->{status}, 200, '200') or diag($r->{body});
	my $j = $r->{json};
	like($j->{token} // '', qr/^[A-Za-z0-9_-]{86}==$/, 'a new token, shown');
	isnt($j->{token}, $c->{token}, 'not the old one');
	is($j->{$_}, $c->{$_}, "the same $_") for qw(id description orgID userID status expiresAt createdAt);
	is_deeply($j->{permissions}, $c->{permissions}, 'the same permissions');
	ok(!exists $j->{previousTokenValidUntil}, 'no grace');
	is(works($j->{token}), 200, 'the new secret works');
	is_error(call($c->{token}, 'GET', '/api/v2/me'), 401, 'unauthorized', 'unauthorized access',
	    'the old secret, at once');
	my $g = call($OP, 'GET', "/api/v2/authorizations/$c->{id}");
	ok(!exists $g->{json}{token}, 'GET never shows it again');
	is(one("SELECT count(*) FROM audit_log WHERE action = 'rotate' AND target_id = '$c->{id}'"), 1,
	    'audited as a rotation');
	is(db_contains($j->{token}), 0, 'the new secret is stored only as its hash');
};

subtest 'rotation with a grace: both work until it ends, then the old one is unknown' => sub {
	my $c = call($OP, 'POST', '/api/v2/authorizations', \%BOB)->{json};
	my $now = db_now();
	my $r = rotate($OP, $c->{id}, { gracePeriodSeconds => 600 });
	is($r->{status}, 200, '200') or diag($r->{body});
	my $until = epoch($r->{json}{previousTokenValidUntil} // '1970-01-01T00:00:00Z');
	ok(abs($until - $now - 600) < 30, 'previousTokenValidUntil: ten minutes on');
	is(works($r->{json}{token}), 200, 'the new secret works');
	is(works($c->{token}), 200, 'the old one too, for now');
	is(call($OP, 'GET', "/api/v2/authorizations/$c->{id}")->{json}{previousTokenValidUntil},
	    $r->{json}{previousTokenValidUntil}, 'GET shows the grace');
	is(one("SELECT details->>'grace_until' IS NOT NULL FROM audit_log WHERE action = 'rotate' "
	    . "AND target_id = '$c->{id}'"), 't', 'the audit row has the grace');
	# The grace ends (the database's clock counts).
	$t->psql("UPDATE authorizations SET prev_expires_at = now() - interval '1 second' WHERE id = '$c->{id}'");
	my $old = call($c->{token}, 'GET', '/api/v2/me');
	my $unknown = call('y' x 86 . '==', 'GET', '/api/v2/me');
	is_error($old, 401, 'unauthorized', 'unauthorized access', 'the old secret after its grace');
	is($old->{body}, $unknown->{body}, 'as an unknown token');
	is(works($r->{json}{token}), 200, 'the new one still works');
	ok(!exists call($OP, 'GET', "/api/v2/authorizations/$c->{id}")->{json}{previousTokenValidUntil},
	    'no grace shown once it ended');
};

subtest 'a second rotation ends the first old secret at once' => sub {
	my $c = call($OP, 'POST', '/api/v2/authorizations', \%BOB)->{json};
	my $r1 = rotate($OP, $c->{id}, { gracePeriodSeconds => 600 })->{json};
	my $r2 = rotate($OP, $c->{id}, { gracePeriodSeconds => 600 })->{json};
	is(works($c->{token}), 401, 'the first secret: gone');
	is(works($r1->{token}), 200, 'the second: in its grace');
	is(works($r2->{token}), 200, 'the third: works');
};

subtest 'the grace is capped by token_rotate_max_grace, a day when unset' => sub {
	my $c = call($OP, 'POST', '/api/v2/authorizations', \%BOB)->{json};
	my $now = db_now();
	my $r = rotate($OP, $c->{id}, { gracePeriodSeconds => 3 * 86400 });
	ok(abs(epoch($r->{json}{previousTokenValidUntil}) - $now - 86400) < 30, 'three days asked: one');
	$t->psql("INSERT INTO usersd_settings (name, value) VALUES ('token_rotate_max_grace', '10 seconds')");
	$r = rotate($OP, $c->{id}, { gracePeriodSeconds => 3600 });
	is($r->{status}, 200, '200') or diag($r->{body});
	ok(abs(epoch($r->{json}{previousTokenValidUntil}) - db_now() - 10) < 5, 'an hour asked: ten seconds');
	$t->psql("DELETE FROM usersd_settings WHERE name = 'token_rotate_max_grace'");
};

subtest 'bad requests are 400 or 404 and change nothing' => sub {
	my $c = call($OP, 'POST', '/api/v2/authorizations', \%BOB)->{json};
	my $before = db_state();
	is_error(rotate($OP, $c->{id}, { gracePeriodSeconds => -1 }), 400, 'invalid',
	    qr/^field "gracePeriodSeconds" must be from 0 to/, 'negative');
	is_error(rotate($OP, $c->{id}, { gracePeriodSeconds => '60' }), 400, 'invalid',
	    'field "gracePeriodSeconds" must be an integer', 'a string');
	is_error(rotate($OP, $c->{id}, { gracePeriodSeconds => 1e300 }), 400, 'invalid',
	    'field "gracePeriodSeconds" must be an integer', 'huge');
	is(rotate($OP, $c->{id}, '{"gracePeriodSeconds":')->{status}, 400, 'broken JSON');
	is_error(rotate($OP, '0123456789abcdef'), 404, 'not found', 'authorization not found', 'unknown id');
	is(rotate($OP, 'nothex')->{status}, 400, 'a malformed id');
	is(rotate(undef, $c->{id})->{status}, 401, 'no credential');
	is(db_state(), $before, 'nothing changed');
	is(works($c->{token}), 200, 'the token still works');
};

subtest 'only who could make a token rotates it' => sub {
	# alice's token T may write alice's tokens, and holds no org write.
	my $TP = [ perm('read', type => 'authorizations', orgID => $ORG), perm('write', type => 'authorizations', orgID => $ORG),
	    perm('read', type => 'users', id => $alice), perm('write', type => 'users', id => $alice) ];
	my $T = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $alice, permissions => $TP })->{json}{token};
	my $strong = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $alice,
	    permissions => [ @$TP, perm('write', type => 'orgs', id => $ORG) ] })->{json};
	my $weak = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $alice,
	    permissions => [ perm('read', type => 'users', id => $alice) ] })->{json};
	my $before = db_state();
	is_error(rotate($T, $strong->{id}), 403, 'forbidden', qr/^permission write:orgs\/$ORG is not allowed/,
	    'a stronger token');
	is(db_state(), $before, 'nothing changed');
	is(works($strong->{token}), 200, 'its secret still works');
	is(rotate($T, $weak->{id})->{status}, 200, 'a weaker token: 200');
	my $b = call($OP, 'POST', '/api/v2/authorizations', \%BOB)->{json};
	is_error(rotate($T, $b->{id}), 401, 'unauthorized', "write:users/$bob is unauthorized", 'another user\'s');
	# A session may not hand itself a secret that writes its own user.
	my $c = 'cookie:' . given(session => 'alice', password => 'alicepass1');
	my $own = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $alice,
	    permissions => [ perm('write', type => 'users', id => $alice) ] })->{json};
	$before = db_state();
	is(rotate($c, $own->{id})->{status}, 403, 'a session, a token that writes its own user: 403');
	is(db_state(), $before, 'nothing changed');
	is(rotate($c, $weak->{id})->{status}, 200, 'a session, a read token of its user: 200');
};

subtest 'usersctl token rotate ID [--grace]' => sub {
	my $c = call($OP, 'POST', '/api/v2/authorizations', \%BOB)->{json};
	my ($rc, $out, $err) = $t->ctl('token', 'rotate', $c->{id}, '--grace', '5m');
	is($rc, 0, 'exit 0') or diag($err);
	chomp(my $new = $out);
	like($new, qr/^[A-Za-z0-9_-]{86}==$/, 'prints the new secret');
	like($err, qr/the old secret works until \d{4}-/, 'says until when the old one works');
	is(works($new), 200, 'the new secret works');
	is(works($c->{token}), 200, 'the old one in its grace');
	($rc, $out) = $t->ctl('token', 'rotate', $c->{id});
	chomp($new = $out);
	is(works($new), 200, 'without grace: the new one works');
	is(works($c->{token}), 401, 'the first secret is gone');
	is(($t->ctl('token', 'rotate', 'nothex'))[0], 2, 'a bad id: usage error');
	is(($t->ctl('token', 'rotate', $c->{id}, '--grace', 'soon'))[0], 2, 'a bad duration: usage error');
	is(($t->ctl('token', 'rotate', '0123456789abcdef'))[0], 1, 'an unknown id: exit 1');
};

subtest 'a rotated-out secret in its grace writes no token (review finding F1)' => sub {
	my $c = call($OP, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $ADMIN,
	    description => 'manages tokens', permissions => [
		perm('read', type => 'authorizations', orgID => $ORG),
		perm('write', type => 'authorizations', orgID => $ORG),
		perm('read', type => 'users'), perm('write', type => 'users', id => $ADMIN) ] });
	is($c->{status}, 201, 'a token that manages the org\'s tokens') or diag($c->{body});
	my ($old, $id) = ($c->{json}{token}, $c->{json}{id});
	my $r = rotate($old, $id, { gracePeriodSeconds => 3600 });
	is($r->{status}, 200, 'its holder rotates it with an hour of grace') or diag($r->{body});
	my $new = $r->{json}{token};
	is(call($old, 'GET', "/api/v2/authorizations/$id")->{status}, 200,
	    'the old secret still reads in its grace');
	my $again = rotate($old, $id, { gracePeriodSeconds => 0 });
	isnt($again->{status}, 200, "the old secret may not rotate the token ($again->{status})");
	my $mint = call($old, 'POST', '/api/v2/authorizations', { orgID => $ORG, userID => $ADMIN,
	    permissions => [ perm('read', type => 'authorizations', orgID => $ORG) ] });
	isnt($mint->{status}, 201, "nor mint one ($mint->{status})");
	isnt(call($old, 'PATCH', "/api/v2/authorizations/$id", { description => 'mine' })->{status},
	    200, 'nor change it');
	isnt(call($old, 'DELETE', "/api/v2/authorizations/$id")->{status}, 204, 'nor delete it');
	is(call($new, 'GET', "/api/v2/authorizations/$id")->{status}, 200,
	    'the owner\'s new secret still works');
	is(rotate($new, $id)->{status}, 200, 'and rotates it, ending the old one');
	is(call($old, 'GET', "/api/v2/authorizations/$id")->{status}, 401, 'which is gone');
};

# What a token read costs PostgreSQL (issue 28): the current secret is one
# statement, which reads the token_hash index alone; only a secret that no
# token has now is looked for again among the secrets in their grace.
subtest 'the current secret is one statement; the old one in its grace, two' => sub {
	my $c = call($OP, 'POST', '/api/v2/authorizations', \%BOB)->{json};
	my $new = rotate($OP, $c->{id}, { gracePeriodSeconds => 600 })->{json}{token};
	my $reads = sub {
		my ($tok, $path) = @_;
		my $r = call($tok, 'GET', $path, undef, env => { USERSD_LOG_LEVEL => 'debug' });
		return [ $r->{status}, grep { /^PRINCIPAL_/ } $r->{stderr} =~ /\bstatement (\w+)/g ];
	};
	for my $path ('/api/v2/me', "/api/v2/users/$bob", '/api/v2/authorizations') {
		my $got = $reads->($new, $path);
		is(scalar(@$got), 2, "$path with the current secret: one principal statement (@$got)");
		unlike($got->[1] // 'none', qr/_OLD$/, 'which looks at the current secrets only');
		my $status = $got->[0];
		$got = $reads->($c->{token}, $path);
		is($got->[0], $status, "$path with the old secret in its grace: answered as the new ($status)");
		is(scalar(@$got), 3, 'two principal statements') or diag("@$got");
		like($got->[2] // '', qr/^PRINCIPAL_TOKEN\w*_OLD$/, 'the second for the old secret');
		$got = $reads->('x' x 86 . '==', $path);
		is($got->[0], 401, "$path with an unknown secret: 401");
		is(scalar(@$got), 3, 'after both looks') or diag("@$got");
	}
};

done_testing();
