# t0170-bad-input.t -- malformed bodies, ids and query parameters: the
# status, the error body, and that nothing changed in the database.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use MIME::Base64 qw(encode_base64);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);
$t->serve;	# one long-lived worker (TestLib)

my $S = given('setup');
my $ORG = $S->{org_id};
my $ADMIN = $S->{user_id};
my $ALICE = given(user => 'alice', password => 'alicepass1');

sub post_users {
	my ($body, %h) = @_;
	return call($OP, 'POST', '/api/v2/users', $body, headers => \%h);
}
sub patch_alice {
	my ($body) = @_;
	return call($OP, 'PATCH', "/api/v2/users/$ALICE", $body);
}
my $QMSG = 'query parameters must be valid UTF-8 without NUL characters';
sub list { my ($q) = @_; return call($OP, 'GET', '/api/v2/users', undef, query => $q) }

# Runs $code, then checks that the database is exactly as before.
sub unchanged {
	my ($what, $code) = @_;
	my $before = db_state();
	$code->();
	is(db_state(), $before, "$what: database unchanged");
}

my $NOTJSON = qr/^request body is not valid JSON: ./;

# [label, body, message] for bodies that are not a JSON object.
my @BAD_BODIES = (
	[ 'an empty body', '', 'request body is empty' ],
	[ 'a lone brace', '{', $NOTJSON ],
	[ 'plain text', 'not json', $NOTJSON ],
	[ 'a form-encoded body', 'name=bob', $NOTJSON ],
	[ 'single-quoted JSON', "{'name':'bob'}", $NOTJSON ],
	[ 'a trailing comma', '{"name":"bob",}', $NOTJSON ],
	[ 'an array', '[{"name":"bob"}]', 'request body must be a JSON object' ],
	[ 'a string', '"bob"', 'request body must be a JSON object' ],
	[ 'a number', '42', 'request body must be a JSON object' ],
	[ 'true', 'true', 'request body must be a JSON object' ],
	[ 'null', 'null', 'request body must be a JSON object' ],
);

for my $b (@BAD_BODIES) {
	my ($label, $body, $msg) = @$b;
	subtest "POST /api/v2/users with $label is 400 and creates nothing" => sub {
		unchanged($label, sub { is_error(post_users($body), 400, 'invalid', $msg) });
	};
}

for my $b (@BAD_BODIES) {
	my ($label, $body, $msg) = @$b;
	subtest "PATCH /api/v2/users/{id} with $label is 400 and changes nothing" => sub {
		unchanged($label, sub { is_error(patch_alice($body), 400, 'invalid', $msg) });
	};
}

subtest 'raw invalid UTF-8 in the body is 400 and creates nothing' => sub {
	my $BADUTF8 = qr/^request body is not valid JSON: .|UTF-8/;
	unchanged('invalid UTF-8', sub {
		is_error(post_users(qq({"name":"a\xffb"})), 400, 'invalid', $BADUTF8,
		    'a 0xff byte');
		is_error(post_users(qq({"name":"a\xc0\xafb"})), 400, 'invalid',
		    $BADUTF8, 'an overlong /');
		is_error(post_users(qq({"name":"a\xed\xa0\x80b"})), 400, 'invalid', $BADUTF8,
		    'an encoded surrogate');
		is_error(post_users(qq({"name":"a\xe2\x82"})), 400, 'invalid', $BADUTF8,
		    'a cut sequence');
		is_error(patch_alice(qq({"name":"a\xffb"})), 400, 'invalid', $BADUTF8, 'PATCH');
	});
};

my @WRONG_TYPES = (
	[ '{"name":5}', 'field "name" must be a string' ],
	[ '{"name":true}', 'field "name" must be a string' ],
	[ '{"name":["bob"]}', 'field "name" must be a string' ],
	[ '{"name":{"first":"bob"}}', 'field "name" must be a string' ],
	[ '{"name":1.5}', 'field "name" must be a string' ],
	[ '{"name":"bob","status":1}', 'field "status" must be a string' ],
	[ '{"name":"bob","status":false}', 'field "status" must be a string' ],
	[ '{"name":"bob","id":5}', 'field "id" must be a string' ],
	[ '{"name":"bob","id":[]}', 'field "id" must be a string' ],
);

subtest 'POST /api/v2/users with fields of the wrong type is 400 and creates nothing' => sub {
	unchanged('wrong types', sub {
		is_error(post_users($_->[0]), 400, 'invalid', $_->[1],
		    $_->[0]) for @WRONG_TYPES;
	});
};

subtest 'PATCH with fields of the wrong type is 400 and changes nothing' => sub {
	unchanged('wrong types', sub {
		is_error(patch_alice($_->[0]), 400, 'invalid', $_->[1], $_->[0])
		    for grep { $_->[0] !~ /"id"/ } @WRONG_TYPES;
	});
};

subtest 'a name over 256 bytes is 400 and creates nothing' => sub {
	unchanged('257 bytes', sub {
		is_error(post_users(TestLib->json_encode({ name => 'n' x 257 })), 400,
		    'invalid',
		    'user name must be at most 256 bytes', '257 ASCII bytes') });
	unchanged('255 + 2-byte char', sub {
		is_error(post_users(TestLib->json_encode({ name => ('n' x 255) . "\x{e9}" })), 400,
		    'invalid', 'user name must be at most 256 bytes', '129+ characters, 257 bytes') });
	unchanged('10000 bytes', sub {
		is_error(post_users(TestLib->json_encode({ name => 'n' x 10000 })), 400,
		    'invalid',
		    'user name must be at most 256 bytes', '10000 bytes') });
	unchanged('PATCH', sub {
		is_error(patch_alice(TestLib->json_encode({ name => 'n' x 257 })), 400,
		    'invalid',
		    'user name must be at most 256 bytes', 'PATCH 257 bytes') });
};

subtest 'control characters in a name are 400 and create nothing' => sub {
	unchanged('control characters', sub {
		for my $esc ('\t', '\n', '\r', '\u0001', '\u001f', '\u007f', '\u001b[31m') {
			my $r = post_users(qq({"name":"a${esc}b"}));
			is($r->{status}, 400, "$esc: status 400") or diag($r->{body});
			is($r->{json}{code}, 'invalid', "$esc: code invalid");
			is($r->{headers}{'x-platform-error-code'}, 'invalid', "$esc: X-Platform-Error-Code");
		}
	});
	unchanged('PATCH', sub { is(patch_alice('{"name":"a\nb"}')->{status}, 400, 'PATCH: 400') });
};

subtest 'a NUL character in a name is 400 and creates nothing' => sub {
	unchanged('NUL', sub {
		my $r = post_users('{"name":"a\u0000b"}');
		is($r->{status}, 400, 'status 400') or diag($r->{body});
		is($r->{json}{code}, 'invalid', 'code invalid');
	});
};

subtest 'unknown fields are ignored: 201' => sub {
	my $r = post_users('{"name":"ulla","unknown":1,"nested":{"a":[1,2]},"password":"ignored1"}');
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{name}, 'ulla', 'name ulla');
	is(one("SELECT count(*) FROM users WHERE name = 'ulla' AND password_hash IS NULL"), 1,
	    'a password field in the body sets no password');
};

subtest 'JSON keys in other case count: {"NAME":"gina"} is 201 gina' => sub {
	my $r = post_users('{"NAME":"gina"}');
	is($r->{status}, 201, 'status 201') or diag($r->{body});
	is($r->{json}{name}, 'gina', 'name gina');
	$r = patch_alice('{"Status":"inactive"}');
	is($r->{json}{status}, 'inactive', 'PATCH {"Status":...} works too');
	patch_alice('{"status":"active"}');
};

subtest 'a client id of the wrong form is 400 and creates nothing' => sub {
	unchanged('bad ids', sub {
		for my $c ([ '123', 'id must have a length of 16 bytes' ], [ '', 'id must have a length of 16 bytes' ],
		    [ '0' x 17, 'id must have a length of 16 bytes' ], [ '0000000000000000', 'invalid ID' ],
		    [ '000000000000000g', 'invalid ID' ], [ '-000000000000001', 'invalid ID' ],
		    [ ' 00000000000001a', 'invalid ID' ]) {
			is_error(post_users(TestLib->json_encode({ name => 'idtest',
			    id => $c->[0] })),
			    400, 'invalid', $c->[1], "id '$c->[0]'");
		}
	});
};

subtest 'a Content-Length beyond the body is 400 and creates nothing' => sub {
	unchanged('short body', sub {
		my $r = post_users('{"name":"short"}', 'Content-Length' => 100);
		is($r->{status}, 400, 'status 400') or diag($r->{body});
		is($r->{json}{code}, 'invalid', 'code invalid');
	});
};

subtest 'a nesting deeper than the parser allows is 400, not 500' => sub {
	unchanged('deep', sub {
		my $body = '{"name":"deep","x":' . ('[' x 100) . (']' x 100) . '}';
		my $r = post_users($body);
		is($r->{status}, 400, 'status 400') or diag($r->{body});
		is($r->{json}{code}, 'invalid', 'code invalid');
	});
};

# --- ids in the path ----------------------------------------------------

my @BAD_PATH_IDS = (
	[ 'abc', 'id must have a length of 16 bytes' ],
	[ '000000000000001', 'id must have a length of 16 bytes' ],
	[ '00000000000000001', 'id must have a length of 16 bytes' ],
	[ '0000000000000000', 'invalid ID' ],
	[ '000000000000000g', 'invalid ID' ],
	[ 'zzzzzzzzzzzzzzzz', 'invalid ID' ],
	# An encoded slash stays inside the one segment:
	[ '00000000%2F0000001', 'invalid ID' ],				# 16 characters
	[ '%2F000000000000abc', 'invalid ID' ],				# 16 characters
	[ '0000000000000abc%2F', 'id must have a length of 16 bytes' ],	# 17
	[ '0000000000000abc%2F0000000000000abc', 'id must have a length of 16 bytes' ],
	[ '00000000%200000001', 'invalid ID' ],				# a space
	[ '000000000000000%00', 'id must have a length of 16 bytes' ],	# a NUL stays encoded
);

for my $m ([ GET => undef ], [ PATCH => '{"name":"x"}' ], [ DELETE => undef ],
    [ POST => '{"password":"abcdefgh1"}', '/password' ]) {
	my ($method, $body, $suffix) = @$m;
	subtest "$method with a malformed user id in the path is 400 and changes nothing" => sub {
		unchanged($method, sub {
			for my $c (@BAD_PATH_IDS) {
				my ($id, $msg) = @$c;
				my $r = call($OP, $method,
				    "/api/v2/users/$id" . ($suffix // ''), $body);
				is_error($r, 400, 'invalid', $msg, "$method $id");
			}
		});
	};
}

subtest 'an encoded slash does not reach the password route' => sub {
	unchanged('%2Fpassword', sub {
		my $r = call($OP, 'POST', "/api/v2/users/$ALICE%2Fpassword",
		    { password => 'abcdefgh1' });
		# One segment "<id>/password": the resource /users/{id}, which
		# has no POST; never the password.
		is_error($r, 405, 'method not allowed', 'allow: GET, PATCH, DELETE',
		    'POST <id>%2Fpassword');
		$r = call($OP, 'PATCH', "/api/v2/users/$ALICE%2Fpassword", { name => 'x' });
		is_error($r, 400, 'invalid', 'id must have a length of 16 bytes',
		    'PATCH <id>%2Fpassword');
	});
	is(call(basic('alice', 'abcdefgh1'), 'POST', '/api/v2/signin')->{status}, 401,
	    'the password was not changed');
};

subtest 'upper-case path ids work for PATCH and DELETE' => sub {
	my $id = given(user => 'upper');
	my $r = call($OP, 'PATCH', '/api/v2/users/' . uc $id, { name => 'upper2' });
	is($r->{status}, 200, 'PATCH 200') or diag($r->{body});
	is($r->{json}{id}, $id, 'lower-case id in the answer');
	$r = call($OP, 'DELETE', '/api/v2/users/' . uc $id);
	is($r->{status}, 204, 'DELETE 204');
	is(one('SELECT count(*) FROM users WHERE id = ' . lit($id)), 0, 'deleted');
};

# --- query parameters ----------------------------------------------------

subtest 'limit out of range or not a number is 400' => sub {
	is_error(list('limit=0'), 400, 'invalid', 'limit must be between 1 and 100', 'limit=0');
	is_error(list('limit=101'), 400, 'invalid', 'limit must be between 1 and 100',
	    'limit=101');
	is_error(list('limit=-1'), 400, 'invalid', 'limit must be between 1 and 100',
	    'limit=-1');
	is_error(list('limit=abc'), 400, 'invalid', 'limit is invalid', 'limit=abc');
	is_error(list('limit=1.5'), 400, 'invalid', 'limit is invalid', 'limit=1.5');
	is_error(list('limit=5x'), 400, 'invalid', 'limit is invalid', 'limit=5x');
	is_error(list('limit=99999999999999999999'), 400, 'invalid',
	    qr/^limit (is invalid|must be between 1 and 100)$/,
	    'limit past 64 bits');
};

subtest 'limit 1 and 100 are accepted, an empty limit is the default' => sub {
	is(list('limit=1')->{status}, 200, 'limit=1');
	is(list('limit=100')->{status}, 200, 'limit=100');
	is(list('limit=')->{status}, 200, 'limit= (empty)');
};

subtest 'offset that is not a number is 400 offset is invalid' => sub {
	is_error(list('offset=abc'), 400, 'invalid', 'offset is invalid', 'offset=abc');
	is_error(list('offset=1e3'), 400, 'invalid', 'offset is invalid', 'offset=1e3');
	is_error(list('offset=abc&limit=0'), 400, 'invalid', 'offset is invalid',
	    'offset is checked before limit');
};

subtest 'a negative offset is 400 offset must not be negative' => sub {
	is_error(list('offset=-1'), 400, 'invalid', 'offset must not be negative', 'offset=-1');
	is_error(list('offset=-5'), 400, 'invalid', 'offset must not be negative', 'offset=-5');
};

subtest 'an empty offset is offset 0' => sub {
	is(list('offset=')->{status}, 200, 'offset= (empty)');
};

subtest 'a malformed after is 400 with the decoding after prefix' => sub {
	is_error(list('after=xyz'), 400, 'invalid',
	    'decoding after: id must have a length of 16 bytes',
	    'after=xyz');
	is_error(list('after=0000000000000000'), 400, 'invalid',
	    'decoding after: invalid ID', 'zero');
	is_error(list('after=zzzzzzzzzzzzzzzz'), 400, 'invalid',
	    'decoding after: invalid ID', 'non-hex');
};

subtest 'an empty after is ignored, like an empty offset or limit' => sub {
	my $r = list('after=');
	is($r->{status}, 200, 'after= (empty): 200') or diag($r->{body});
};

subtest 'descending that is not a boolean is 400 descending is invalid' => sub {
	is_error(list('descending=maybe'), 400, 'invalid', 'descending is invalid');
};

subtest 'a malformed id= filter is 400 without a prefix' => sub {
	is_error(list('id=bad'), 400, 'invalid', 'id must have a length of 16 bytes', 'id=bad');
	is_error(list('id=0000000000000000'), 400, 'invalid', 'invalid ID', 'id=0');
	is_error(list('id=000000000000000G'), 400, 'invalid', 'invalid ID', 'id=...G');
};

subtest 'a name= filter with bytes no user name can hold is not a server error' => sub {
	# Not UTF-8: a bad query; a control character or an overlong name:
	# a name no user has.
	for my $q ('name=%ff', 'name=%c0%af') {
		is_error(list($q), 400, 'invalid', $QMSG, $q);
	}
	for my $q ('name=%01', 'name=' . ('n' x 300)) {
		is_error(list($q), 404, 'not found', 'user not found', $q);
	}
};

subtest 'a session asking for a name no user can hold gets an empty list' => sub {
	my ($id, $c) = (given(user => 'sam', password => 'pw-sam-12345'),
	    given(session => 'sam', password => 'pw-sam-12345'));
	# Invalid UTF-8 (name=%ff) is refused with the query string: t0260.
	for my $q ('name=%01', 'name=a%E2%80%AEb', 'name=' . ('n' x 300)) {
		my $r = call("cookie:$c", 'GET', '/api/v2/users', undef, query => $q);
		is($r->{status}, 200, "$q: 200") or diag($r->{body});
		is_deeply($r->{json}, { links => { self => '/api/v2/users' }, users => [] }, "$q: users []");
	}
};

subtest 'credentials with control or non-ASCII bytes are 401, not 500' => sub {
	for my $h ("Token \x01abc", "Token abc\xff", "Bearer " . ('a' x 5000)) {
		my $r = call(undef, 'GET', '/api/v2/me', undef,
		    headers => { Authorization => $h });
		is_error($r, 401, 'unauthorized', 'unauthorized access');
	}
	my $r = call(undef, 'GET', '/api/v2/me', undef,
	    headers => { Cookie => "influxdb-oss-session=\xff\xfe" });
	is_error($r, 401, 'unauthorized', 'unauthorized access', 'cookie');
};

# --- never a 500 --------------------------------------------------------

subtest 'no body on any users route gives a 5xx' => sub {
	my @bodies = ('', ' ', "\n", '{', '}', '{}', '[]', 'null', '0', '""', '{"name":null}',
	    '{"name":"dup","name":"dup2"}', '{"name":"x","NAME":"y"}', '{"name":"tail"} trailing',
	    '{"name":"' . ('\\u00e9' x 200) . '"}', '{"name":"a\ud800b"}', '{"name":"\udc00"}',
	    '{"name":"\u0000"}', '{"password":"' . ('p' x 5000) . '"}', "\x00\x01\x02", "\xef\xbb\xbf{}",
	    '{"status":"inactive"}', '{"id":"0000000000000001","name":"idone"}', '{"name":"' . ('x' x 300) . '"}',
	    '{"password":12345678}', '{"password":null}', '{"password":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}');
	my $victim = given(user => 'victim');
	for my $b (@bodies) {
		for my $m ([ POST => '/api/v2/users' ], [ PATCH => "/api/v2/users/$victim" ],
		    [ POST => "/api/v2/users/$victim/password" ], [ POST => '/api/v2/setup' ]) {
			my $r = call($OP, $m->[0], $m->[1], $b);
			(my $shown = substr($b, 0, 40)) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
			cmp_ok($r->{status}, '<', 500, "$m->[0] $m->[1] '$shown': $r->{status}")
			    or diag($r->{body});
		}
	}
};

$t->serve_end;
done_testing();
