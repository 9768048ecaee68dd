# t0260-hostile-names.t -- names that would hide or reorder text where they
# are shown (C1 controls, line separators, bidi overrides and isolates),
# lone surrogate escapes that json-c would make U+FFFD, and query values
# with a NUL or invalid UTF-8: each is 400 `invalid` and changes nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
$t->serve;	# one long-lived worker (TestLib)

my $UMSG = 'user name must be valid UTF-8 without control, line separator or bidi control characters';
my $OMSG = 'org name must be at most 256 bytes of UTF-8 without control, line separator or bidi '
    . 'control characters';
my $SURMSG = 'request body must not hold lone surrogates (a \uD800-\uDFFF escape outside a high-low pair)';
my $QMSG = 'query parameters must be valid UTF-8 without NUL characters';

sub body_req {
	my ($method, $path, $body) = @_;
	return call($OP, $method, $path, $body);
}

# Runs $code, then checks that the database is exactly as before.
sub unchanged {
	my ($what, $code) = @_;
	my $before = db_state();
	$code->();
	is(db_state(), $before, "$what: database unchanged");
}

sub user_names { [ sort map { $_->{name} } @{ call($OP, 'GET',
    '/api/v2/users')->{json}{users} // [] } ] }
sub org_names { [ sort map { $_->{name} } @{ call($OP, 'GET',
    '/api/v2/orgs')->{json}{orgs} // [] } ] }

# [label, the name as JSON text between the quotes, message for users,
# message for orgs].  Raw UTF-8 bytes and \u escapes of each class.
my @HOSTILE = (
	[ 'U+0080 (first C1)', 'a\u0080b', $UMSG, $OMSG ],
	[ 'U+0085 (NEL)', 'a\u0085b', $UMSG, $OMSG ],
	[ 'U+009F (last C1)', 'a\u009fb', $UMSG, $OMSG ],
	[ 'raw U+0085', "a\xc2\x85b", $UMSG, $OMSG ],
	[ 'U+2028', 'a\u2028b', $UMSG, $OMSG ],
	[ 'U+2029', 'a\u2029b', $UMSG, $OMSG ],
	[ 'raw U+2028', "a\xe2\x80\xa8b", $UMSG, $OMSG ],
	[ 'U+202A', 'a\u202ab', $UMSG, $OMSG ],
	[ 'U+202E', 'admin\u202egnp.exe', $UMSG, $OMSG ],
	[ 'raw U+202E', "admin\xe2\x80\xaegnp", $UMSG, $OMSG ],
	[ 'U+2066', 'a\u2066b', $UMSG, $OMSG ],
	[ 'U+2067', 'a\u2067b', $UMSG, $OMSG ],
	[ 'U+2069', 'a\u2069b', $UMSG, $OMSG ],
	[ 'raw U+2067', "a\xe2\x81\xa7b", $UMSG, $OMSG ],
	[ 'a lone \ud800', 'a\ud800', $SURMSG, $SURMSG ],
	[ 'a lone \udc00', 'a\udc00', $SURMSG, $SURMSG ],
	[ 'a lone \uDFFF', '\uDFFF', $SURMSG, $SURMSG ],
	[ '\ud800 then x', 'a\ud800x', $SURMSG, $SURMSG ],
	[ '\ud800 then \u0041', 'a\ud800\u0041', $SURMSG, $SURMSG ],
	[ 'two high surrogates', 'a\ud800\ud800', $SURMSG, $SURMSG ],
	[ 'low then high', 'a\udc00\ud800', $SURMSG, $SURMSG ],
);

# --- setup ---------------------------------------------------------------

subtest 'a setup with a hostile username or org name is 400 and creates nothing' => sub {
	my %good = (username => 'admin', password => 'adminpass1', org => 'o', bucket => 'b');
	for my $c ([ username => "ad\x{202e}min", $UMSG ], [ username => "ad\x{85}min", $UMSG ],
	    [ org => "o\x{2028}", $OMSG ], [ org => "o\x{2067}x", $OMSG ]) {
		my $r = call(undef, 'POST', '/api/v2/setup', { %good, $c->[0] => $c->[1] });
		is_error($r, 400, 'invalid', $c->[2], "setup with a hostile $c->[0]");
	}
	my $r = call(undef, 'POST', '/api/v2/setup',
	    '{"username":"a\ud800","password":"adminpass1","org":"o","bucket":"b"}');
	is_error($r, 400, 'invalid', $SURMSG, 'setup with a lone surrogate');
	is(one('SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM orgs)'), 0,
	    'no user or org was created');
};

given('setup');
my $ALICE = given(user => 'alice');
my $ACME = given(org => 'acme');

# --- users ---------------------------------------------------------------

subtest 'POST /api/v2/users with a hostile name is 400 invalid and creates nothing' => sub {
	my $before = user_names();
	unchanged('POST', sub {
		for my $h (@HOSTILE) {
			is_error(body_req('POST', '/api/v2/users',
			    qq({"name":"$h->[1]"})), 400, 'invalid',
			    $h->[2], $h->[0]);
		}
	});
	is_deeply(user_names(), $before, 'GET /api/v2/users lists the same users');
};

subtest 'PATCH /api/v2/users/{id} to a hostile name is 400 invalid and changes nothing' => sub {
	unchanged('PATCH', sub {
		for my $h (@HOSTILE) {
			is_error(body_req('PATCH', "/api/v2/users/$ALICE",
			    qq({"name":"$h->[1]"})), 400,
			    'invalid', $h->[2], $h->[0]);
		}
	});
	is(call($OP, 'GET', "/api/v2/users/$ALICE")->{json}{name}, 'alice',
	    'GET shows the name alice');
};

subtest 'a lone surrogate anywhere in the body is refused, not only in the name' => sub {
	unchanged('other fields', sub {
		is_error(body_req('POST', '/api/v2/users',
		    '{"name":"sue","status":"active\udc00"}'), 400,
		    'invalid', $SURMSG, 'in status');
		is_error(body_req('POST', '/api/v2/users',
		    '{"name":"sue","x\ud800":1}'), 400, 'invalid',
		    $SURMSG, 'in an unknown key');
		is_error(body_req('POST', "/api/v2/users/$ALICE/password",
		    '{"password":"secret12\ud800"}'),
		    400, 'invalid', $SURMSG, 'in a password');
	});
};

subtest '"a\ud800" is not "a\ufffd": 400, not a name conflict' => sub {
	my $r = body_req('POST', '/api/v2/users', '{"name":"a\ufffd"}');
	is($r->{status}, 201, 'a\ufffd (U+FFFD is an ordinary character): 201') or diag($r->{body});
	is($r->{json}{name}, "a\x{fffd}", 'its name is a U+FFFD');
	my $id = $r->{json}{id};
	unchanged('a\ud800', sub {
		is_error(body_req('POST', '/api/v2/users', '{"name":"a\ud800"}'), 400,
		    'invalid', $SURMSG,
		    'POST a\ud800');
		is_error(body_req('PATCH', "/api/v2/users/$ALICE",
		    '{"name":"a\ud800"}'), 400, 'invalid',
		    $SURMSG, 'PATCH to a\ud800');
	});
	is(call($OP, 'GET', "/api/v2/users/$id")->{json}{name}, "a\x{fffd}",
	    'a\ufffd is unchanged');
};

subtest 'a correct surrogate pair is accepted and round-trips' => sub {
	my $r = body_req('POST', '/api/v2/users', '{"name":"smile\ud83d\ude00"}');
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{name}, "smile\x{1f600}", 'the name is smile U+1F600');
	my $id = $r->{json}{id};
	is(one("SELECT name = 'smile' || chr(128512) FROM users WHERE id = " . lit($id)), 't',
	    'stored as the one code point U+1F600');
	is(call($OP, 'GET', "/api/v2/users/$id")->{json}{name}, "smile\x{1f600}",
	    'GET reads it back');
	$r = call($OP, 'GET', '/api/v2/users', undef, query => 'name=smile%F0%9F%98%80');
	is_deeply([ map { $_->{id} } @{ $r->{json}{users} // [] } ], [ $id ],
	    '?name= in UTF-8 finds it');
	$r = body_req('PATCH', "/api/v2/users/$id", '{"name":"\uD83D\uDE01"}');
	is($r->{status}, 200, 'PATCH to an upper-case pair: 200') or diag($r->{body});
	is($r->{json}{name}, "\x{1f601}", 'the name is U+1F601');
};

subtest 'an escaped backslash before ud800 is text: the 6 characters \ud800' => sub {
	my $r = body_req('POST', '/api/v2/users', '{"name":"\\\\ud800"}');
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{name}, '\ud800', 'the name is backslash u d 8 0 0');
	my $id = $r->{json}{id};
	is(one('SELECT length(name) FROM users WHERE id = ' . lit($id)), 6, 'stored as 6 characters');
	$r = call($OP, 'GET', '/api/v2/users', undef, query => 'name=%5Cud800');
	is_deeply([ map { $_->{id} } @{ $r->{json}{users} // [] } ], [ $id ], '?name=%5Cud800 finds it');
};

subtest 'a lookup by a name no user may hold finds nothing' => sub {
	for my $q ('name=a%C2%85b', 'name=admin%E2%80%AEgnp', 'name=a%E2%80%A8b', 'name=a%E2%81%A7b') {
		is_error(call($OP, 'GET', '/api/v2/users', undef, query => $q), 404,
		    'not found', 'user not found', $q);
	}
	my $r = call($OP, 'GET', '/api/v2/authorizations', undef, query => 'user=a%E2%80%AEb');
	is_error($r, 404, 'not found', 'user not found', 'GET /authorizations?user=');
};

# --- orgs ----------------------------------------------------------------

subtest 'POST /api/v2/orgs with a hostile name is 400 invalid and creates nothing' => sub {
	my $before = org_names();
	unchanged('POST', sub {
		for my $h (@HOSTILE) {
			is_error(body_req('POST', '/api/v2/orgs',
			    qq({"name":"$h->[1]"})), 400, 'invalid',
			    $h->[3], $h->[0]);
		}
		is_error(body_req('POST', '/api/v2/orgs',
		    '{"name":"fine","description":"\ud800"}'), 400,
		    'invalid', $SURMSG, 'a lone surrogate in the description');
	});
	is_deeply(org_names(), $before, 'GET /api/v2/orgs lists the same orgs');
};

subtest 'PATCH /api/v2/orgs/{id} to a hostile name is 400 invalid and changes nothing' => sub {
	unchanged('PATCH', sub {
		for my $h (@HOSTILE) {
			is_error(body_req('PATCH', "/api/v2/orgs/$ACME",
			    qq({"name":"$h->[1]"})), 400,
			    'invalid', $h->[3], $h->[0]);
		}
	});
	is(call($OP, 'GET', "/api/v2/orgs/$ACME")->{json}{name}, 'acme',
	    'GET shows the name acme');
};

subtest 'an org "a\ud800" is not the org "a\ufffd"' => sub {
	my $r = body_req('POST', '/api/v2/orgs', '{"name":"a\ufffd"}');
	is($r->{status}, 201, 'a\ufffd: 201') or diag($r->{body});
	unchanged('a\ud800', sub {
		is_error(body_req('POST', '/api/v2/orgs', '{"name":"a\ud800"}'), 400,
		    'invalid', $SURMSG,
		    'POST a\ud800');
	});
	$r = body_req('POST', '/api/v2/orgs', '{"name":"org\ud83d\ude00"}');
	is($r->{status}, 201, 'a surrogate pair: 201') or diag($r->{body});
	is($r->{json}{name}, "org\x{1f600}", 'the name is org U+1F600');
	$r = call($OP, 'GET', '/api/v2/orgs', undef, query => 'org=org%F0%9F%98%80');
	is_deeply([ map { $_->{name} } @{ $r->{json}{orgs} // [] } ], [ "org\x{1f600}" ],
	    '?org= in UTF-8 finds it');
};

subtest 'an org lookup by a name no org may hold finds nothing' => sub {
	for my $q ('org=a%C2%85b', 'org=a%E2%80%AEb', 'org=a%E2%81%A6b') {
		is_error(call($OP, 'GET', '/api/v2/orgs', undef, query => $q), 404, 'not found',
		    'organization not found', $q);
	}
};

# --- query strings -------------------------------------------------------

subtest 'a query value or key with a NUL or invalid UTF-8 is 400, not a filter dropped' => sub {
	for my $q ('name=%00', 'name=alice%00', 'limit=1%00', 'offset=0%00', 'name=%C3', 'name=%ff',
	    'name=%ed%a0%80', '%00=1', 'na%00me=alice', '%C3=1', 'limit=1&x=%00') {
		my $r = call($OP, 'GET', '/api/v2/users', undef, query => $q);
		is_error($r, 400, 'invalid', $QMSG, "users?$q");
		ok(!exists $r->{json}{users}, "users?$q: no list");
	}
	for my $q ('org=%00', 'limit=1%00', 'org=%C3') {
		is_error(call($OP, 'GET', '/api/v2/orgs', undef, query => $q), 400,
		    'invalid', $QMSG, "orgs?$q");
	}
	is_error(call($OP, 'GET', '/api/v2/authorizations', undef, query => 'user=%00'),
	    400, 'invalid', $QMSG,
	    'authorizations?user=%00');
	is_error(call($OP, 'GET', "/api/v2/users/$ALICE", undef, query => 'x=%00'), 400,
	    'invalid', $QMSG,
	    'an unused parameter on GET /users/{id}');
};

subtest 'the query string is refused before credentials are read' => sub {
	my $r = call(undef, 'GET', '/api/v2/users', undef, query => 'name=%00');
	is_error($r, 400, 'invalid', $QMSG, 'no credentials');
};

subtest 'a refused query string changes nothing' => sub {
	unchanged('PATCH with ?x=%00', sub {
		my $r = call($OP, 'PATCH', "/api/v2/users/$ALICE", { name => 'alice2' },
		    query => 'x=%00');
		is_error($r, 400, 'invalid', $QMSG, 'PATCH');
	});
};

subtest 'a valid UTF-8 name filter still works' => sub {
	my $id = given(user => "\x{e9}t\x{e9}");
	my $r = call($OP, 'GET', '/api/v2/users', undef, query => 'name=%C3%A9t%C3%A9');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply([ map { $_->{id} } @{ $r->{json}{users} // [] } ], [ $id ], 'finds the user');
	$r = call($OP, 'GET', '/api/v2/users', undef, query => 'name=alice&limit=1');
	is_deeply([ map { $_->{name} } @{ $r->{json}{users} // [] } ], [ 'alice' ], 'an ASCII name too');
	$r = call($OP, 'GET', '/api/v2/users', undef, query => 'limit=2');
	is(scalar @{ $r->{json}{users} // [] }, 2, 'limit=2 reads two users');
};

$t->serve_end;
done_testing();
