# t0235-sessions-api.t -- GET /api/v2/me/sessions lists the caller's live
# sessions (an opaque id, never the cookie or its hash), DELETE ends one or
# all others, and GET/DELETE /api/v2/users/{id}/sessions do the same for
# whoever may read/write that user.  Each end is audited and takes effect
# at the next request; nobody reaches another user's sessions without the
# right, and a refused request changes nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

my $s = given('setup');
my $ADMIN = $s->{user_id};
my $ANN = given(user => 'ann', password => 'annpass123');
my $BOB = given(user => 'bob', password => 'bobpass123');

# A sign-in of $name with this User-Agent (undef: none); the cookie value.
sub signin {
	my ($name, $pw, $ua, %env) = @_;
	my $r = call(basic($name, $pw), 'POST', '/api/v2/signin', undef,
	    headers => { 'User-Agent' => $ua }, env => \%env);
	is($r->{status}, 204, "$name signs in") or diag($r->{body}, $r->{stderr});
	return cookie_value($r);
}
sub me { call("cookie:$_[0]", 'GET', '/api/v2/me')->{status} }
sub list { call($_[0], 'GET', $_[1] // '/api/v2/me/sessions') }
sub sid_of {
	my $h = sha256_hex($_[0]);
	return one("SELECT id FROM sessions WHERE id_hash = '$h'");
}
sub signouts { one("SELECT count(*) FROM audit_log WHERE action = 'signout'") }

my $UA = 'Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0';
my $a1 = signin('ann', 'annpass123', $UA, REMOTE_ADDR => '192.0.2.7');
my $a2 = signin('ann', 'annpass123', 'curl/8.0');
my $a3 = signin('ann', 'annpass123', undef);
my $b1 = signin('bob', 'bobpass123', 'bob-agent');

subtest 'GET /me/sessions lists the caller\'s live sessions, and only those' => sub {
	my $r = list("cookie:$a1");
	is($r->{status}, 200, 'answers 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON');
	my @ss = @{ $r->{json}{sessions} // [] };
	is(scalar @ss, 3, 'ann\'s three sessions');
	is($r->{json}{links}{self}, '/api/v2/me/sessions', 'links.self');
	my %by = map { $_->{id} => $_ } @ss;
	my ($s1, $s2, $s3) = map { sid_of($_) } $a1, $a2, $a3;
	is_deeply([ sort keys %by ], [ sort $s1, $s2, $s3 ], 'the ids are the sessions\' own ids');
	is_deeply([ sort keys %{ $by{$s1} } ], [ sort qw(id createdAt lastUsedAt expiresAt
	    remoteAddress userAgent current) ], 'the fields');
	is($by{$s1}{current}, JSON::PP::true, 'the caller\'s own is current');
	ok(!$by{$s2}{current} && !$by{$s3}{current}, 'the others are not');
	is($by{$s1}{remoteAddress}, '192.0.2.7', 'the address it was made from');
	is($by{$s1}{userAgent}, $UA, 'the user agent it was made from');
	is($by{$s2}{userAgent}, 'curl/8.0', 'the second\'s');
	is($by{$s3}{userAgent}, '', 'none sent: empty');
	like($by{$s1}{$_}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, "$_ is RFC 3339")
	    for qw(createdAt lastUsedAt expiresAt);
	for my $c ($a1, $a2, $a3) {
		unlike($r->{body}, qr/\Q$_\E/, 'no cookie value or hash in the answer')
		    for $c, sha256_hex($c);
	}
	unlike($r->{body}, qr/\Q$b1\E|\Q${\ sid_of($b1)}\E/, 'nothing of bob\'s');
};

subtest 'the user agent is bounded and stored clean' => sub {
	my $long = 'A' x 5000;
	my $c = signin('ann', 'annpass123', $long);
	my $ua = one("SELECT user_agent FROM sessions WHERE id = '${\ sid_of($c)}'");
	cmp_ok(length $ua, '<=', 256, 'at most 256 characters kept');
	like($ua, qr/^A+$/, 'a prefix of what was sent');
	$c = signin('ann', 'annpass123', "evil\x01\x7f\nX-Injected: 1\x1b[31m");
	$ua = one("SELECT user_agent FROM sessions WHERE id = '${\ sid_of($c)}'");
	unlike($ua, qr/[\x00-\x1f\x7f]/, 'no control characters stored');
	$c = signin('ann', 'annpass123', "bad\xff\xfeutf8 \xc3\xa9");
	$ua = one("SELECT user_agent FROM sessions WHERE id = '${\ sid_of($c)}'");
	ok(defined $ua, 'invalid UTF-8 still signs in, with a clean agent');
	my $r = call("cookie:$c", 'GET', '/api/v2/me/sessions');
	is($r->{status}, 200, 'and the list still renders') or diag($r->{body});
	# A sign-in's log line carries no agent (it is never logged raw).
	my $marker = 'ua-marker-' . time;
	my $sr = call(basic('ann', 'annpass123'), 'POST', '/api/v2/signin', undef,
	    headers => { 'User-Agent' => $marker }, env => { USERSD_LOG_LEVEL => 'debug' });
	unlike($sr->{stderr}, qr/\Q$marker\E/, 'the agent is not in the log');
	# Put ann back to three sessions for the tests below.
	$t->psql("DELETE FROM sessions WHERE user_id = '$ANN' AND id NOT IN ('"
	    . join("','", map { sid_of($_) } $a1, $a2, $a3) . "')");
};

subtest 'DELETE /me/sessions/{id} ends that session, audited, at the next request' => sub {
	my $sid = sid_of($a3);
	my $before = signouts();
	my $r = call("cookie:$a1", 'DELETE', "/api/v2/me/sessions/$sid");
	is($r->{status}, 204, 'answers 204') or diag($r->{body});
	is($r->{body}, '', 'no body');
	is(me($a3), 401, 'the ended session is refused at its next request');
	is(me($a1), 200, 'the caller\'s own still works');
	is(me($a2), 200, 'the other still works');
	is(signouts(), $before + 1, 'one signout in the audit log');
	is(one("SELECT actor_user_id || ' ' || target_id || ' ' || (details->>'session_id') "
	    . "FROM audit_log WHERE action = 'signout' ORDER BY id DESC LIMIT 1"),
	    "$ANN $ANN $sid", 'by ann, of ann, naming the session');
	is_error(call("cookie:$a1", 'DELETE', "/api/v2/me/sessions/$sid"), 404,
	    'not found', 'session not found', 'ending it again');
};

subtest 'DELETE /me/sessions/{id} may end the caller\'s own session' => sub {
	my $c = signin('ann', 'annpass123', 'x');
	is(call("cookie:$c", 'DELETE', '/api/v2/me/sessions/' . sid_of($c))->{status}, 204, 'answers 204');
	is(me($c), 401, 'then it is gone');
};

subtest 'nobody ends or lists another user\'s session through /me' => sub {
	my $state = db_state();
	my $bsid = sid_of($b1);
	is_error(call("cookie:$a1", 'DELETE', "/api/v2/me/sessions/$bsid"), 404,
	    'not found', 'session not found', 'bob\'s session id from ann');
	is_error(call($OP, 'DELETE', "/api/v2/me/sessions/$bsid"), 404,
	    'not found', 'session not found', 'bob\'s session id from the operator token');
	is(me($b1), 200, 'bob\'s session lives on');
	is(db_state(), $state, 'nothing changed');
};

subtest 'malformed and unknown session ids' => sub {
	my $state = db_state();
	is_error(call("cookie:$a1", 'DELETE', '/api/v2/me/sessions/abc'), 400,
	    'invalid', 'id must have a length of 16 bytes', 'short');
	is_error(call("cookie:$a1", 'DELETE', '/api/v2/me/sessions/zzzzzzzzzzzzzzzz'), 400,
	    'invalid', 'invalid ID', 'not hex');
	is_error(call("cookie:$a1", 'DELETE', '/api/v2/me/sessions/' . ('0' x 64)), 400,
	    'invalid', 'id must have a length of 16 bytes', 'a hash-length id');
	is_error(call("cookie:$a1", 'DELETE', '/api/v2/me/sessions/' . sha256_hex($b1)), 400,
	    'invalid', 'id must have a length of 16 bytes', 'bob\'s cookie hash');
	is_error(call("cookie:$a1", 'DELETE', "/api/v2/me/sessions/$b1"), 400,
	    'invalid', qr/^(id must have a length of 16 bytes|invalid ID)$/, 'bob\'s cookie value');
	is_error(call("cookie:$a1", 'DELETE', '/api/v2/me/sessions/0000000000000001'), 404,
	    'not found', 'session not found', 'unknown');
	is_error(call("cookie:$a1", 'DELETE', "/api/v2/me/sessions/$ANN"), 404,
	    'not found', 'session not found', 'a user id');
	is_error(call(undef, 'DELETE', '/api/v2/me/sessions/abc'), 401,
	    'unauthorized', 'unauthorized access', 'credentials before the id');
	is(db_state(), $state, 'nothing changed');
};

subtest 'without credentials, or a dead cookie: 401' => sub {
	is_error(list(undef), 401, 'unauthorized', 'unauthorized access', 'GET');
	is_error(call(undef, 'DELETE', '/api/v2/me/sessions'), 401, 'unauthorized',
	    'unauthorized access', 'DELETE');
	is_error(list("cookie:$a3"), 401, 'unauthorized', 'unauthorized access', 'ended cookie');
	is_error(list("cookie:" . sid_of($a1)), 401, 'unauthorized', 'unauthorized access',
	    'the session id is no cookie');
};

subtest 'a token lists and ends its own user\'s sessions only with rights on that user' => sub {
	my ($ro) = given(token => $ANN, org => $s->{org_id});	# buckets only
	my ($self) = given(token => $ANN, org => $s->{org_id}, permissions => [
	    perm('read', type => 'users', id => $ANN), perm('write', type => 'users', id => $ANN) ]);
	my $state = db_state();
	is_error(list($ro), 401, 'unauthorized', qr/^read:users\/\Q$ANN\E is unauthorized$/,
	    'a token without read on its user');
	is_error(call($ro, 'DELETE', '/api/v2/me/sessions'), 401, 'unauthorized',
	    qr/^write:users\/\Q$ANN\E is unauthorized$/, 'nor ends them');
	is_error(call($ro, 'DELETE', '/api/v2/me/sessions/' . sid_of($a2)), 401, 'unauthorized',
	    qr/^write:users\/\Q$ANN\E is unauthorized$/, 'nor one');
	is(db_state(), $state, 'nothing changed');
	my $r = list($self);
	is($r->{status}, 200, 'with read on its user: 200') or diag($r->{body});
	is(scalar @{ $r->{json}{sessions} }, 2, 'ann\'s two live sessions');
	ok(!(grep { $_->{current} } @{ $r->{json}{sessions} }), 'none is current for a token');
	$r = list($OP);
	is_deeply([ map { $_->{current} ? 1 : 0 } @{ $r->{json}{sessions} } ], [ (0) x @{ $r->{json}{sessions} } ],
	    'the operator token lists its own user\'s, none current');
	ok(!(grep { $_->{id} eq sid_of($a1) } @{ $r->{json}{sessions} }), 'not ann\'s');
};

subtest 'DELETE /me/sessions ends all but the current one' => sub {
	my $x = signin('ann', 'annpass123', 'x');
	my $before = signouts();
	my $r = call("cookie:$a1", 'DELETE', '/api/v2/me/sessions');
	is($r->{status}, 204, 'answers 204') or diag($r->{body});
	is(me($a1), 200, 'the current one lives');
	is(me($a2), 401, 'the second is ended');
	is(me($x), 401, 'the third is ended');
	is(me($b1), 200, 'bob\'s is untouched');
	is(signouts(), $before + 2, 'two signouts audited');
	is(scalar @{ list("cookie:$a1")->{json}{sessions} }, 1, 'one left');
	is(call("cookie:$a1", 'DELETE', '/api/v2/me/sessions')->{status}, 204,
	    'again: 204, nothing to end');
	is(me($a1), 200, 'still signed in');
};

subtest 'a cookie write from another origin, or not JSON, ends nothing' => sub {
	my $x = signin('ann', 'annpass123', 'x');
	my $state = db_state();
	is_error(call("cookie:$a1", 'DELETE', '/api/v2/me/sessions', undef,
	    headers => { Origin => 'http://evil.example', Host => 'localhost' }), 403,
	    'forbidden', qr/origin/, 'DELETE all from a foreign origin');
	is_error(call("cookie:$a1", 'DELETE', '/api/v2/me/sessions/' . sid_of($x), undef,
	    headers => { 'Sec-Fetch-Site' => 'cross-site', Host => 'localhost' }), 403,
	    'forbidden', qr/origin/, 'DELETE one, cross-site');
	is_error(call("cookie:$a1", 'DELETE', "/api/v2/users/$ANN/sessions", 'a=b',
	    headers => { 'Content-Type' => 'application/x-www-form-urlencoded', Host => 'localhost' }),
	    415, 'unsupported media type', qr//, 'a form body');
	is(me($x), 200, 'the session lives');
	is(db_state(), $state, 'nothing changed');
	is(call("cookie:$a1", 'DELETE', '/api/v2/me/sessions', undef,
	    headers => { Origin => 'http://localhost', Host => 'localhost' })->{status}, 204,
	    'same origin: 204');
};

subtest 'GET /users/{id}/sessions: the operator, the user itself, nobody else' => sub {
	my $a4 = signin('ann', 'annpass123', 'four');
	my $r = list($OP, "/api/v2/users/$ANN/sessions");
	is($r->{status}, 200, 'the operator token: 200') or diag($r->{body});
	is(scalar @{ $r->{json}{sessions} }, 2, 'ann\'s two sessions');
	is($r->{json}{links}{self}, "/api/v2/users/$ANN/sessions", 'links.self');
	ok(!(grep { $_->{current} } @{ $r->{json}{sessions} }), 'none current for the operator');
	$r = list("cookie:$a1", "/api/v2/users/$ANN/sessions");
	is($r->{status}, 200, 'ann herself: 200');
	is(scalar(grep { $_->{current} } @{ $r->{json}{sessions} }), 1, 'her own is current');
	my $state = db_state();
	is_error(list("cookie:$b1", "/api/v2/users/$ANN/sessions"), 401, 'unauthorized',
	    qr/^read:users\/\Q$ANN\E is unauthorized$/, 'bob cannot list ann\'s');
	is_error(call("cookie:$b1", 'DELETE', "/api/v2/users/$ANN/sessions"), 401, 'unauthorized',
	    qr/^write:users\/\Q$ANN\E is unauthorized$/, 'nor end them');
	is_error(list("cookie:$a1", "/api/v2/users/$ADMIN/sessions"), 401, 'unauthorized',
	    qr/^read:users\/\Q$ADMIN\E is unauthorized$/, 'ann cannot list the operator\'s');
	is_error(list($OP, '/api/v2/users/0000000000000001/sessions'), 404, 'not found',
	    'user not found', 'an unknown user');
	is_error(call($OP, 'DELETE', '/api/v2/users/0000000000000001/sessions'), 404, 'not found',
	    'user not found', 'ending an unknown user\'s');
	is_error(list($OP, '/api/v2/users/nothex/sessions'), 400, 'invalid',
	    'id must have a length of 16 bytes', 'a malformed user id');
	is(me($a4), 200, 'ann\'s sessions live on');
	is(db_state(), $state, 'nothing changed');
	# An org owner of an org ann is in is not an operator of users.
	my $org = given(org => 'annsorg');
	is(call($OP, 'POST', "/api/v2/orgs/$org/owners", { id => $BOB })->{status}, 201, 'bob owns annsorg');
	is(call($OP, 'POST', "/api/v2/orgs/$org/members", { id => $ANN })->{status}, 201, 'ann in annsorg');
	my $b2 = signin('bob', 'bobpass123', 'y');
	is(list("cookie:$b2", "/api/v2/users/$ANN/sessions")->{status}, 401,
	    'an org owner still cannot list a member\'s sessions');
};

subtest 'DELETE /users/{id}/sessions: the operator ends them all, audited as the operator' => sub {
	my $before = signouts();
	my $r = call($OP, 'DELETE', "/api/v2/users/$ANN/sessions");
	is($r->{status}, 204, 'answers 204') or diag($r->{body});
	is(me($a1), 401, 'ann is signed out everywhere');
	is(signouts(), $before + 2, 'two signouts');
	is(one("SELECT count(*) FROM audit_log WHERE action = 'signout' AND target_id = '$ANN' "
	    . "AND actor_user_id = '$ADMIN' AND id > (SELECT max(id) - 2 FROM audit_log)"), 2,
	    'audited with the operator as the actor');
	is(me($b1), 200, 'bob is not');
	# A session ending its own user's sessions keeps itself.
	my ($c1, $c2) = map { signin('ann', 'annpass123', 'z') } 1, 2;
	is(call("cookie:$c1", 'DELETE', "/api/v2/users/$ANN/sessions")->{status}, 204, 'ann, by id');
	is(me($c1), 200, 'keeps the calling session');
	is(me($c2), 401, 'ends the other');
};

subtest 'the instance owner\'s session may end another user\'s sessions' => sub {
	my $own = signin('admin', 'adminpass1', 'owner');
	my $b3 = signin('bob', 'bobpass123', 'b');
	my $r = list("cookie:$own", "/api/v2/users/$BOB/sessions");
	is($r->{status}, 200, 'lists bob\'s') or diag($r->{body});
	is(call("cookie:$own", 'DELETE', "/api/v2/users/$BOB/sessions", undef,
	    headers => { Origin => 'http://localhost', Host => 'localhost' })->{status}, 204, 'ends them');
	is(me($b3), 401, 'bob is signed out');
	is(me($own), 200, 'the owner is not');
};

subtest 'an inactive user\'s token, a deactivated user' => sub {
	my ($tok) = given(token => $BOB, org => $s->{org_id}, permissions => [
	    perm('read', type => 'users', id => $BOB), perm('write', type => 'users', id => $BOB) ]);
	is(list($tok)->{status}, 200, 'active: 200');
	is(call($OP, 'PATCH', "/api/v2/users/$BOB", { status => 'inactive' })->{status}, 200,
	    'bob deactivated');
	is(list($tok)->{status}, 403, 'then 403');
	is(call($tok, 'DELETE', '/api/v2/me/sessions')->{status}, 403, 'and ends nothing');
};

subtest 'the methods each path takes' => sub {
	my $r = call($OP, 'POST', '/api/v2/me/sessions', {});
	is($r->{status}, 405, 'POST /me/sessions: 405');
	is($r->{headers}{allow}, 'GET, DELETE', 'Allow');
	$r = call($OP, 'GET', '/api/v2/me/sessions/0000000000000001');
	is($r->{status}, 405, 'GET /me/sessions/{id}: 405');
	is($r->{headers}{allow}, 'DELETE', 'Allow');
};

subtest 'another instance\'s sessions are out of reach (a database or a hosted schema)' => sub {
	my $t2 = TestLib->new;
	ApiTest::bind($t2);
	my $op1 = $OP;
	given('setup');
	my $ann2 = given(user => 'ann', password => 'annpass123');
	my $c2 = signin('ann', 'annpass123', 'other-instance');
	my $sid2 = sid_of($c2);
	my $state2 = db_state();
	ApiTest::bind($t);
	$OP = $op1;
	my $c1 = signin('ann', 'annpass123', 'this-instance');
	my $state1 = db_state();
	is_error(call("cookie:$c1", 'DELETE', "/api/v2/me/sessions/$sid2"), 404, 'not found',
	    'session not found', 'its session id here');
	is_error(list("cookie:$c2"), 401, 'unauthorized', 'unauthorized access',
	    'its cookie here');
	my $r = call($OP, 'GET', "/api/v2/users/$ann2/sessions");
	ok($r->{status} == 404 || !(grep { $_->{id} eq $sid2 } @{ $r->{json}{sessions} // [] }),
	    'its user id here lists nothing of it');
	is(db_state(), $state1, 'nothing changed here');
	ApiTest::bind($t2);
	is(db_state(), $state2, 'nor there');
	is(me($c2), 200, 'the session lives there');
	ApiTest::bind($t);
};

done_testing();
