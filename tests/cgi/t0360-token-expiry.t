# t0360-token-expiry.t -- issue 29: token expiry.  expiresAt / expiresIn on
# create and PATCH, every answer showing expiresAt; an expired token
# answers exactly as an unknown one (decided by the database's clock); the
# instance's longest and default lifetimes (usersd_settings); a token
# minted by a token or session never outlives its maker; no token extends
# its own expiry or that of a token stronger than itself.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IPC::Open3 qw(open3);
use Symbol qw(gensym);
use Time::HiRes ();
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
$t->serve;	# one long-lived worker (TestLib)

my $s = given('setup');
my ($ADMIN, $ORG) = ($s->{user_id}, $s->{org_id});
my $alice = given(user => 'alice', password => 'alicepass1');
my $bob = given(user => 'bob', password => 'bobpass12');
is(call($OP, 'POST', "/api/v2/orgs/$ORG/owners", { id => $alice })->{status}, 201,
    'alice owns the org');
my $RFC3339 = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

# Epoch seconds of a time (the database reads it), and the database's now.
sub epoch { one('SELECT extract(epoch FROM ' . lit($_[0]) . '::timestamptz)') }
sub db_now { one('SELECT extract(epoch FROM now())') }
sub near { my ($got, $want, $what) = @_;
	ok(defined $got && abs($got - $want) < 30, $what) or diag("got $got, want about $want") }

sub mk {
	my ($cred, %body) = @_;
	return call($cred, 'POST', '/api/v2/authorizations', { orgID => $ORG,
	    permissions => [ perm('read', type => 'buckets', orgID => $ORG) ], %body });
}

subtest 'expiresIn: the answer, GET and the list carry expiresAt' => sub {
	my $now = db_now();
	my $r = mk($OP, userID => $bob, expiresIn => 3600);
	is($r->{status}, 201, '201') or diag($r->{body});
	like($r->{json}{expiresAt} // '', $RFC3339, 'expiresAt is RFC 3339 in UTC');
	near(epoch($r->{json}{expiresAt}), $now + 3600, 'an hour from now');
	my $id = $r->{json}{id};
	is(call($OP, 'GET', "/api/v2/authorizations/$id")->{json}{expiresAt}, $r->{json}{expiresAt}, 'GET');
	my ($listed) = grep { $_->{id} eq $id } @{ call($OP, 'GET', '/api/v2/authorizations')->{json}{authorizations} };
	is($listed->{expiresAt}, $r->{json}{expiresAt}, 'the list');
	is(call($r->{json}{token}, 'GET', '/api/v2/me')->{status}, 200, 'the token works');
};

subtest 'expiresAt: kept as given, in UTC; no expiry: no expiresAt' => sub {
	my $r = mk($OP, userID => $bob, expiresAt => '2099-01-02T04:04:05.5+01:00');
	is($r->{status}, 201, '201') or diag($r->{body});
	is($r->{json}{expiresAt}, '2099-01-02T03:04:05.500000Z', 'the same instant in UTC');
	$r = mk($OP, userID => $bob);
	is($r->{status}, 201, '201 without expiry');
	ok(!exists $r->{json}{expiresAt}, 'no expiresAt: it never expires');
	is(one("SELECT expires_at IS NULL FROM authorizations WHERE id = '$r->{json}{id}'"), 't', 'NULL in the table');
};

subtest 'a bad expiry is 400 and makes nothing' => sub {
	my $before = db_state();
	for my $case (
	    [ { expiresAt => 'infinity' }, qr/^expiresAt must be an RFC 3339 time/ ],
	    [ { expiresAt => 'tomorrow' }, qr/^expiresAt must be an RFC 3339 time/ ],
	    [ { expiresAt => 'epoch' }, qr/^expiresAt must be an RFC 3339 time/ ],
	    [ { expiresAt => '2030-02-30T00:00:00Z' }, qr/^expiresAt must be an RFC 3339 time/ ],
	    [ { expiresAt => '2030-01-01 00:00:00Z' }, qr/^expiresAt must be an RFC 3339 time/ ],
	    [ { expiresAt => '2030-01-01T00:00:00' }, qr/^expiresAt must be an RFC 3339 time/ ],
	    [ { expiresAt => '2030-01-01T24:00:00Z' }, qr/^expiresAt must be an RFC 3339 time/ ],
	    [ { expiresAt => '2030-01-01T00:00:00+24:00' }, qr/^expiresAt must be an RFC 3339 time/ ],
	    [ { expiresAt => '2030-01-01T00:00:00Z; DROP' }, qr/^expiresAt must be an RFC 3339 time/ ],
	    [ { expiresAt => 2000000000 }, qr/must be a string/ ],
	    [ { expiresAt => '2001-01-01T00:00:00Z' }, 'expiresAt must be in the future' ],
	    [ { expiresIn => -1 }, qr/^field "expiresIn" must be from 0 to/ ],
	    [ { expiresIn => 0 }, 'expiresIn must be at least 1 second' ],
	    [ { expiresIn => '60' }, 'field "expiresIn" must be an integer' ],
	    [ { expiresIn => 1.5 }, 'field "expiresIn" must be an integer' ],
	    [ { expiresIn => 99999999999 }, qr/^field "expiresIn" must be from 0 to/ ],
	    [ { expiresIn => 60, expiresAt => '2099-01-01T00:00:00Z' }, 'give expiresAt or expiresIn, not both' ],
	) {
		my ($body, $msg) = @$case;
		is_error(mk($OP, userID => $bob, %$body), 400, 'invalid', $msg, TestLib->json_encode($body));
	}
	is(db_state(), $before, 'nothing was made or changed');
};

# The answer to a token, without anything that differs by itself between
# two requests.
sub answer {
	my ($r) = @_;
	my %h = %{ $r->{headers} };
	delete @h{qw(date x-request-id)};
	return join("\n", $r->{status}, map({ "$_: $h{$_}" } sort keys %h), $r->{body});
}

subtest 'an expired token answers exactly as an unknown one, and stays listed' => sub {
	my $r = mk($OP, userID => $bob, expiresIn => 3600,
	    permissions => [ perm('read', type => 'users', id => $bob), perm('read', type => 'buckets', orgID => $ORG) ]);
	my ($tok, $id) = ($r->{json}{token}, $r->{json}{id});
	is(call($tok, 'GET', "/api/v2/users/$bob")->{status}, 200, 'it works before');
	# Its hour passes (the database's clock is what counts).
	$t->psql("UPDATE authorizations SET created_at = now() - interval '2 hours', "
	    . "expires_at = now() - interval '1 second' WHERE id = '$id'");
	my $unknown = 'x' x 86 . '==';
	for my $req ([ 'GET', '/api/v2/me' ], [ 'GET', "/api/v2/users/$bob" ], [ 'GET', '/api/v2/users' ],
	    [ 'GET', '/api/v2/authorizations' ], [ 'DELETE', "/api/v2/authorizations/$id" ]) {
		my $got = call($tok, @$req);
		is_error($got, 401, 'unauthorized', 'unauthorized access', "expired: @$req");
		is(answer($got), answer(call($unknown, @$req)), "@$req: the same answer as an unknown token");
	}
	my $g = call($OP, 'GET', "/api/v2/authorizations/$id");
	is($g->{status}, 200, 'still there for the operator');
	ok(epoch($g->{json}{expiresAt}) < db_now(), 'its expiresAt is past');
	is(one("SELECT expired FROM admin_tokens WHERE id = '$id'"), 't', 'admin_tokens: expired');
};

subtest 'a token stops at its expiry by the database clock, between two requests' => sub {
	my $r = mk($OP, userID => $bob, expiresIn => 2);
	my $tok = $r->{json}{token};
	is(call($tok, 'GET', '/api/v2/me')->{status}, 200, 'works within its 2 seconds');
	my $left = epoch($r->{json}{expiresAt}) - db_now();
	select(undef, undef, undef, $left + 0.3) if $left > 0;
	is_error(call($tok, 'GET', '/api/v2/me'), 401, 'unauthorized', 'unauthorized access', 'just after');
};

subtest 'token_max_lifetime caps a longer or missing expiry; token_default_lifetime fills one in' => sub {
	$t->psql("INSERT INTO usersd_settings (name, value) VALUES ('token_max_lifetime', '1 day')");
	my $now = db_now();
	my $r = mk($OP, userID => $bob, expiresIn => 10 * 86400);
	is($r->{status}, 201, '201: capped, not refused') or diag($r->{body});
	near(epoch($r->{json}{expiresAt}), $now + 86400, 'ten days asked: one day given, and shown');
	$r = mk($OP, userID => $bob);
	near(epoch($r->{json}{expiresAt} // 0), $now + 86400, 'none asked: one day');
	$r = mk($OP, userID => $bob, expiresIn => 600);
	near(epoch($r->{json}{expiresAt}), $now + 600, 'a shorter one is kept');
	my $id = $r->{json}{id};
	$r = call($OP, 'PATCH', "/api/v2/authorizations/$id", { expiresIn => 30 * 86400 });
	is($r->{status}, 200, 'PATCH: 200') or diag($r->{body});
	near(epoch($r->{json}{expiresAt}), $now + 86400, 'PATCH cannot pass the cap either (from its creation)');
	$t->psql("INSERT INTO usersd_settings (name, value) VALUES ('token_default_lifetime', '2 hours')");
	$r = mk($OP, userID => $bob);
	near(epoch($r->{json}{expiresAt}), $now + 7200, 'the default lifetime');
	ok(!eval { $t->psql("INSERT INTO usersd_settings (name, value) VALUES ('token_rotate_max_grace', 'soon')"); 1 },
	    'a setting that is no interval is refused');
	ok(!eval { $t->psql("INSERT INTO usersd_settings (name, value) VALUES ('token_lifetime_typo', '1 day')"); 1 },
	    'an unknown setting is refused');
	$t->psql("DELETE FROM usersd_settings WHERE name LIKE 'token%'");
	ok(!exists mk($OP, userID => $bob)->{json}{expiresAt}, 'settings gone: never expires again');
};

# alice's token T: it may make and change alice's tokens of the org, for an hour.
my $TPERMS = [ perm('read', type => 'authorizations', orgID => $ORG), perm('write', type => 'authorizations', orgID => $ORG),
    perm('read', type => 'users', id => $alice), perm('write', type => 'users', id => $alice),
    perm('read', type => 'buckets', orgID => $ORG) ];
my $r0 = mk($OP, userID => $alice, expiresIn => 3600, permissions => $TPERMS);
my ($T, $TID, $TEXP) = ($r0->{json}{token}, $r0->{json}{id}, epoch($r0->{json}{expiresAt}));

subtest 'a token mints nothing that outlives it' => sub {
	my $r = mk($T, expiresIn => 10 * 86400);
	is($r->{status}, 201, '201') or diag($r->{body});
	near(epoch($r->{json}{expiresAt}), $TEXP, 'ten days asked: its maker\'s hour');
	ok(abs(epoch($r->{json}{expiresAt}) - $TEXP) < 0.001, 'exactly its maker\'s expiry');
	$r = mk($T);
	ok(abs(epoch($r->{json}{expiresAt} // 0) - $TEXP) < 0.001, 'none asked: its maker\'s expiry');
	$r = mk($T, expiresIn => 60);
	ok(epoch($r->{json}{expiresAt}) < $TEXP - 3000, 'a shorter one is kept');
};

subtest 'a session mints nothing that outlives it' => sub {
	my $c = 'cookie:' . given(session => 'alice', password => 'alicepass1');
	my $r = mk($c);
	is($r->{status}, 201, '201') or diag($r->{body});
	my $max = one("SELECT extract(epoch FROM max_expires_at) FROM sessions WHERE user_id = '$alice'");
	ok(abs(epoch($r->{json}{expiresAt} // 0) - $max) < 0.001, 'its expiry is the session\'s last moment');
};

subtest 'a token cannot extend its own expiry' => sub {
	my $r = call($T, 'PATCH', "/api/v2/authorizations/$TID", { expiresIn => 10 * 86400 });
	is($r->{status}, 200, '200') or diag($r->{body});
	ok(abs(epoch($r->{json}{expiresAt}) - $TEXP) < 0.001, 'its expiry did not move');
	$r = call($T, 'PATCH', "/api/v2/authorizations/$TID", { expiresAt => '2099-01-01T00:00:00Z' });
	ok(abs(epoch($r->{json}{expiresAt}) - $TEXP) < 0.001, 'nor with expiresAt');
	is(one("SELECT extract(epoch FROM expires_at) FROM authorizations WHERE id = '$TID'") + 0, $TEXP + 0,
	    'the table agrees');
};

subtest 'a token cannot extend the expiry of a stronger token, but may end it sooner' => sub {
	# S holds more than T (write on the org), and ends in ten minutes.
	my $r = mk($OP, userID => $alice, expiresIn => 600,
	    permissions => [ @$TPERMS, perm('write', type => 'orgs', id => $ORG) ]);
	my ($sid, $sexp) = ($r->{json}{id}, epoch($r->{json}{expiresAt}));
	my $before = db_state();
	$r = call($T, 'PATCH', "/api/v2/authorizations/$sid", { expiresIn => 1800 });
	is_error($r, 403, 'forbidden', qr/^a later expiry is not allowed: permission write:orgs\/$ORG is not allowed/,
	    'later');
	is(db_state(), $before, 'nothing changed');
	$r = call($T, 'PATCH', "/api/v2/authorizations/$sid", { description => 'x', expiresAt => '2099-01-01T00:00:00Z' });
	is($r->{status}, 403, 'later by expiresAt: 403');
	is(db_state(), $before, 'nothing changed, not the description either');
	$r = call($T, 'PATCH', "/api/v2/authorizations/$sid", { expiresIn => 60 });
	is($r->{status}, 200, 'sooner: 200') or diag($r->{body});
	ok(epoch($r->{json}{expiresAt}) < $sexp - 400, 'it ends sooner');
	# W holds less than T: T may move it, up to its own end.
	$r = mk($OP, userID => $alice, expiresIn => 600);
	$r = call($T, 'PATCH', "/api/v2/authorizations/$r->{json}{id}", { expiresIn => 86400 });
	is($r->{status}, 200, 'a weaker token: 200') or diag($r->{body});
	ok(abs(epoch($r->{json}{expiresAt}) - $TEXP) < 0.001, '... to T\'s own end, no further');
	# A never-expiring stronger token: T may give it an end, not take one away.
	$r = mk($OP, userID => $alice, permissions => [ @$TPERMS, perm('write', type => 'orgs', id => $ORG) ]);
	$r = call($T, 'PATCH', "/api/v2/authorizations/$r->{json}{id}", { expiresIn => 60 });
	is($r->{status}, 200, 'an end for a stronger token that had none: 200') or diag($r->{body});
};

subtest 'expiring a token one may not write is refused like any other write' => sub {
	my (undef, $bid) = given(token => $bob, org => $ORG);
	my (undef, $oid) = given(token => $ADMIN, org => $ORG);
	my $before = db_state();
	is_error(call($T, 'PATCH', "/api/v2/authorizations/$bid", { expiresIn => 60 }), 401, 'unauthorized',
	    "write:users/$bob is unauthorized", 'bob\'s token, by alice\'s');
	is(call($T, 'PATCH', "/api/v2/authorizations/$oid", { expiresIn => 60 })->{status}, 401,
	    'the operator\'s, by alice\'s');
	is(db_state(), $before, 'nothing changed');
};

subtest 'PATCH expiresIn 0 ends a token now; before its creation is 400' => sub {
	my $r = mk($OP, userID => $bob);
	my ($tok, $id) = ($r->{json}{token}, $r->{json}{id});
	is_error(call($OP, 'PATCH', "/api/v2/authorizations/$id", { expiresAt => '2001-01-01T00:00:00Z' }), 400,
	    'invalid', 'expiresAt must be after the token\'s creation');
	is(call($tok, 'GET', '/api/v2/me')->{status}, 200, 'still works');
	is(call($OP, 'PATCH', "/api/v2/authorizations/$id", { expiresIn => 0 })->{status}, 200, 'expiresIn 0: 200');
	is(call($tok, 'GET', '/api/v2/me')->{status}, 401, 'ended at once');
	is(one("SELECT details->>'expires_at' IS NOT NULL FROM audit_log WHERE target_id = '$id' "
	    . "AND action = 'update' ORDER BY id DESC LIMIT 1"), 't', 'audited as an update of expires_at');
};

# Expiry is final for a secret: copies of an expired token's secret (a
# log, an old config, a backup) may be kept as harmless, so no PATCH may
# make it work again, and a rotation would only make a dead new secret:
# a new token is the way on.
my $EXPIRED = 'the token has expired: its end cannot change and it gets no new secret '
    . '(make a new token)';
subtest 'an expired token stays expired: its end cannot move' => sub {
	my $r = mk($OP, userID => $bob, expiresIn => 3600);
	my ($tok, $id) = ($r->{json}{token}, $r->{json}{id});
	$t->psql("UPDATE authorizations SET created_at = now() - interval '2 hours', "
	    . "expires_at = now() - interval '1 second' WHERE id = '$id'");
	my $before = one("SELECT expires_at FROM authorizations WHERE id = '$id'");
	for my $body ({ expiresIn => 3600 }, { expiresAt => '2999-01-01T00:00:00Z' },
	    { expiresIn => 0 }, { expiresIn => 3600, status => 'active', description => 'again' }) {
		my $what = join ' ', map { "$_=$body->{$_}" } sort keys %$body;
		is_error(call($OP, 'PATCH', "/api/v2/authorizations/$id", $body), 422, 'conflict',
		    $EXPIRED, "PATCH $what");
		is(call($tok, 'GET', '/api/v2/me')->{status}, 401, "$what: the secret stays dead");
	}
	is(one("SELECT expires_at FROM authorizations WHERE id = '$id'"), $before, 'its end is as it was');
	is(one("SELECT description || '|' || status FROM authorizations WHERE id = '$id'"), '|active',
	    'nothing else changed');
	my $p = call($OP, 'PATCH', "/api/v2/authorizations/$id", { description => 'expired, kept for the record' });
	is($p->{status}, 200, 'its description may still change') or diag($p->{body});
	is(call($OP, 'PATCH', "/api/v2/authorizations/$id", { status => 'inactive' })->{status}, 200,
	    'and its status');
	is(call($tok, 'GET', '/api/v2/me')->{status}, 401, 'and it stays dead');
	my $rot = call($OP, 'POST', "/api/v2/authorizations/$id/rotate", { gracePeriodSeconds => 60 });
	is_error($rot, 422, 'conflict', $EXPIRED, 'no rotation either');
	is(one("SELECT expires_at FROM authorizations WHERE id = '$id'"), $before, 'its end is as it was');
	my ($rc, $out, $err) = $t->ctl('token', 'rotate', $id);
	isnt($rc, 0, "nor usersctl token rotate ($rc)");
	like($err . $out, qr/the token has expired/, '... which says why');
};

# A PATCH that waits on the row while another transaction ends the token
# (review finding, session 10): it must neither write the old end back
# (a lost update that revived the token) nor move an end that passed
# while it waited.  psql holds the row; the PATCH is sent meanwhile.
sub patch_behind {
	my ($id, $sql, $body) = @_;
	my $pid = open3(my $in, my $out, my $err = gensym, $TestLib::PSQL, '-X', '-q',
	    '-v', 'ON_ERROR_STOP=1', '-d', $t->admin_conninfo);
	print $in "BEGIN;\n$sql\nSELECT pg_sleep(1.2);\nCOMMIT;\n";
	close $in;
	Time::HiRes::sleep(0.3);
	my $r = call($OP, 'PATCH', "/api/v2/authorizations/$id", $body);
	waitpid($pid, 0);
	is($? >> 8, 0, 'the other transaction committed');
	return $r;
}
subtest 'a PATCH behind a concurrent end neither undoes nor moves it' => sub {
	my $end = q{expires_at = clock_timestamp() + interval '0.5 s'};
	my $c = mk($OP, userID => $bob)->{json};
	my $r = patch_behind($c->{id}, "UPDATE authorizations SET $end WHERE id = '$c->{id}';",
	    { description => 'harmless' });
	is($r->{status}, 200, 'a description PATCH: 200') or diag($r->{body});
	is(one("SELECT expires_at IS NOT NULL FROM authorizations WHERE id = '$c->{id}'"), 't',
	    'the concurrent end is kept');
	is(call($c->{token}, 'GET', '/api/v2/me')->{status}, 401, 'and the token is dead');
	$c = mk($OP, userID => $bob, expiresIn => 86400)->{json};
	$r = patch_behind($c->{id}, "UPDATE authorizations SET $end WHERE id = '$c->{id}';",
	    { expiresIn => 3600 });
	is_error($r, 422, 'conflict', $EXPIRED, 'expiresIn, while the end passed: 422');
	is(call($c->{token}, 'GET', '/api/v2/me')->{status}, 401, 'the token stays dead');
};

$t->serve_end;
done_testing();
