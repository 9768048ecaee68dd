# t0130-users-list.t -- GET /api/v2/users: order, paging, links, filters and
# permission filtering.
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

my $S = given('setup');
my $ORG = $S->{org_id};
my $ADMIN = $S->{user_id};

# 24 more users with known ids (25 in all with admin), created in shuffled
# order so that id order is not creation order.
my @IDS = map { sprintf '%016x', 0x1000 + $_ * 16 } 1 .. 24;
my %NAME = map { $IDS[$_] => sprintf('user%02d', $_ + 1) } 0 .. $#IDS;
for my $i (7, 3, 19, 0, 11, 23, 5, 14, 1, 21, 9, 17, 2, 12, 22, 6, 15, 4, 20, 8, 13, 10, 18, 16) {
	given(user => $NAME{ $IDS[$i] }, id => $IDS[$i]);
}
my @ALL = sort ($ADMIN, @IDS);	# ids sort as text, in the "C" collation

# GET /api/v2/users?$query with $cred (the operator token unless given).
sub list { my ($query, $cred) = @_; return call($cred // $OP, 'GET', '/api/v2/users',
    undef, query => $query) }
sub ids_of { my ($r) = @_; return [ map { $_->{id} } @{ $r->{json}{users} // [] } ] }

# Query parameters of a link, as a hash.
sub link_params {
	my ($link) = @_;
	my ($path, $q) = split /\?/, $link // '', 2;
	return ($path, { map { my ($k, $v) = split /=/, $_, 2; ($k => $v) } split /&/, $q // '' });
}

subtest 'the setup is as expected: 25 users' => sub {
	is(one('SELECT count(*) FROM users'), 25, '25 users');
};

subtest 'GET /api/v2/users defaults to 20 users sorted by id, with a next link' => sub {
	my $r = list('');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is($r->{headers}{'content-type'}, $JSONCT, 'JSON content type');
	is_deeply(ids_of($r), [ @ALL[0 .. 19] ], 'the first 20 ids in ascending order');
	is($r->{json}{links}{self}, '/api/v2/users', 'links.self');
	ok(defined $r->{json}{links}{next}, 'links.next present: more users exist');
	ok(!exists $r->{json}{links}{prev}, 'no links.prev at offset 0');
	my ($path, $p) = link_params($r->{json}{links}{next});
	is($path, '/api/v2/users', 'next points to the list');
	is($p->{after}, $ALL[19], 'next uses after=<last id of the page>');
	ok(!exists $p->{offset}, 'next does not use offset');
};

subtest 'each listed user is a full UserResponse' => sub {
	my $r = list('limit=100');
	my $ok = 1;
	for my $u (@{ $r->{json}{users} }) {
		my $want = { links => { self => "/api/v2/users/$u->{id}" }, id => $u->{id},
		    name => $u->{id} eq $ADMIN ? 'admin' : $NAME{ $u->{id} }, status => 'active' };
		$ok &&= is_deeply($u, $want, "user $u->{id}");
	}
	is(scalar @{ $r->{json}{users} }, 25, 'all 25 with limit=100');
};

subtest 'the last page has no next link' => sub {
	my $r = list('limit=100');
	is_deeply(ids_of($r), \@ALL, 'all users');
	is_deeply($r->{json}{links}, { self => '/api/v2/users' }, 'links only self');
	$r = list('limit=25');
	ok(!exists $r->{json}{links}{next}, 'no next when the page ends exactly at the last user');
	$r = list('limit=24');
	ok(exists $r->{json}{links}{next}, 'next with one user left');
};

subtest 'following links.next visits every user exactly once' => sub {
	my ($query, @seen, $pages) = ('limit=7');
	while (defined $query) {
		my $r = list($query);
		is($r->{status}, 200, "page $query") or last;
		push @seen, @{ ids_of($r) };
		last if ++$pages > 10;
		my $next = $r->{json}{links}{next};
		$query = defined $next ? (split /\?/, $next, 2)[1] : undef;
	}
	is($pages, 4, '4 pages of 7, 7, 7, 4');
	is_deeply(\@seen, \@ALL, 'every user once, in order');
};

subtest 'limit and offset select a window, and offset > 0 gives a prev link' => sub {
	my $r = list('limit=2&offset=2');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply(ids_of($r), [ @ALL[2, 3] ], 'users 3 and 4');
	ok(defined $r->{json}{links}{prev}, 'links.prev present');
	ok(defined $r->{json}{links}{next}, 'links.next present');
	my (undef, $p) = link_params($r->{json}{links}{prev});
	is($p->{limit}, 2, 'prev keeps the limit');
	my $pr = list((split /\?/, $r->{json}{links}{prev}, 2)[1]);
	is_deeply(ids_of($pr), [ @ALL[0, 1] ], 'prev leads to users 1 and 2');
};

subtest 'an offset past the end is an empty page' => sub {
	my $r = list('offset=100000');
	is($r->{status}, 200, 'status 200');
	is_deeply($r->{json}{users}, [], 'users []');
	ok(!exists $r->{json}{links}{next}, 'no next');
};

subtest 'after=<id> lists only the ids after it' => sub {
	my $r = list("after=$ALL[1]&limit=3");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply(ids_of($r), [ @ALL[2 .. 4] ], 'the three users after the second');
	$r = list("after=$ALL[-1]");
	is_deeply($r->{json}{users}, [], 'nothing after the last id');
	$r = list('after=ffffffffffffffff');
	is($r->{status}, 200, 'after the largest id: 200');
	is_deeply($r->{json}{users}, [], 'and empty');
	my $unknown = sprintf '%016x', 0x1000 + 16 * 5 + 1;	# between two ids
	$r = list("after=$unknown&limit=2");
	is_deeply(ids_of($r), [ (grep { $_ gt $unknown } @ALL)[0, 1] ],
	    'an id that is no user still works as a key');
};

subtest 'after with offset 0 is accepted' => sub {
	my $r = list("after=$ALL[0]&offset=0&limit=1");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply(ids_of($r), [ $ALL[1] ], 'the user after the first');
};

subtest 'after together with offset > 0 is 400' => sub {
	my $r = list("after=$ALL[0]&offset=1");
	is($r->{status}, 400, 'status 400') or diag($r->{body});
	is($r->{json}{code}, 'invalid', 'code invalid');
	is($r->{headers}{'x-platform-error-code'}, 'invalid', 'X-Platform-Error-Code');
};

subtest 'descending=true lists by id descending' => sub {
	my $r = list('descending=true&limit=5');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply(ids_of($r), [ (reverse @ALL)[0 .. 4] ], 'the 5 largest ids, largest first');
	ok(defined $r->{json}{links}{next}, 'next present');
	my $n = list((split /\?/, $r->{json}{links}{next}, 2)[1]);
	is_deeply(ids_of($n), [ (reverse @ALL)[5 .. 9] ], 'next continues downwards');
	$r = list('descending=false&limit=3');
	is_deeply(ids_of($r), [ @ALL[0 .. 2] ], 'descending=false is ascending');
};

subtest 'name= lists exactly that user' => sub {
	my $r = list('name=user05');
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply(ids_of($r), [ $IDS[4] ], 'user05');
	is_deeply($r->{json}{links}, { self => '/api/v2/users' }, 'links only self');
};

subtest 'name= is case-sensitive: an operator gets 404 for USER05' => sub {
	my $r = list('name=USER05');
	is_error($r, 404, 'not found', 'user not found');
};

subtest 'an unknown name= is 404 user not found for an operator' => sub {
	is_error(list('name=nobody'), 404, 'not found', 'user not found');
};

subtest 'id= lists exactly that user, in any letter case' => sub {
	my $r = list("id=$IDS[9]");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply(ids_of($r), [ $IDS[9] ], 'that user');
	$r = list('id=' . uc $ADMIN);
	is_deeply(ids_of($r), [ $ADMIN ], 'upper-case id finds admin, returned in lower case');
};

subtest 'an unknown id= is 404 user not found for an operator' => sub {
	is_error(list('id=0fffffffffffffff'), 404, 'not found', 'user not found');
};

subtest 'id= ignores paging' => sub {
	my $r = list("id=$IDS[0]&offset=5&limit=1");
	is_deeply(ids_of($r), [ $IDS[0] ], 'still that user');
};

subtest 'the list does not write to the database' => sub {
	my $before = db_state();
	list('limit=3');
	list("after=$ALL[3]");
	is(db_state(), $before, 'unchanged');
};

# A session user without read:users.
my $LAST = sprintf '%016x', 0xfff0;	# sorts after every other user
given(user => 'zoe', id => $LAST, password => 'zoepass123');
my $ZOE = given(session => 'zoe', password => 'zoepass123');

subtest 'a session without read:users lists only itself' => sub {
	ok(defined $ZOE, 'zoe signed in');
	my $r = list('', "cookie:$ZOE");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply(ids_of($r), [ $LAST ], 'only zoe');
	is_deeply($r->{json}{links}, { self => '/api/v2/users' }, 'no next: nothing more visible');
};

subtest 'permission filtering happens before paging: limit=1 still finds the caller' => sub {
	my $r = list('limit=1', "cookie:$ZOE");
	is_deeply(ids_of($r), [ $LAST ], 'zoe, although 25 users sort before her');
	ok(!exists $r->{json}{links}{next}, 'no next');
	$r = list('offset=1', "cookie:$ZOE");
	is_deeply($r->{json}{users}, [], 'offset 1 skips the only visible user');
	$r = list("after=$ALL[0]", "cookie:$ZOE");
	is_deeply(ids_of($r), [ $LAST ], 'after= counts visible users only');
};

subtest 'a session asking for another user by id gets an empty list' => sub {
	my $r = list("id=$IDS[0]", "cookie:$ZOE");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply($r->{json}, { links => { self => '/api/v2/users' }, users => [] }, 'users []');
};

subtest 'a session asking for an unknown id gets the same empty list (no existence leak)' => sub {
	my $r = list('id=0fffffffffffffff', "cookie:$ZOE");
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply($r->{json}, { links => { self => '/api/v2/users' }, users => [] }, 'users []');
};

subtest 'a session asking by name gets itself, or an empty list whether or not the name exists' => sub {
	my $r = list('name=zoe', "cookie:$ZOE");
	is_deeply(ids_of($r), [ $LAST ], 'itself by name');
	$r = list('name=user01', "cookie:$ZOE");
	is($r->{status}, 200, 'another user: 200');
	is_deeply($r->{json}{users}, [], 'empty');
	$r = list('name=nobody', "cookie:$ZOE");
	is($r->{status}, 200, 'an unknown name: 200');
	is_deeply($r->{json}{users}, [], 'empty');
	$r = list("id=$LAST", "cookie:$ZOE");
	is_deeply(ids_of($r), [ $LAST ], 'itself by id');
};

subtest 'a token with read:users/<id> lists just that user' => sub {
	my ($tok) = given(token => $ADMIN, org => $ORG,
	    permissions => [ { action => 'read', resource => { type => 'users',
	    id => $IDS[5] } } ]);
	my $r = list('', $tok);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply(ids_of($r), [ $IDS[5] ], 'only the readable user');
};

subtest 'a token with read:users lists everyone' => sub {
	my ($tok) = given(token => $ADMIN, org => $ORG,
	    permissions => [ { action => 'read', resource => { type => 'users' } } ]);
	my $r = list('limit=100', $tok);
	is(scalar @{ $r->{json}{users} // [] }, 26, 'all 26 users');
};

subtest 'a token lists no user its user may not read now' => sub {
	my ($tok) = given(token => $IDS[2], org => $ORG,
	    permissions => [ { action => 'read', resource => { type => 'users' } },
	    { action => 'read', resource => { type => 'users', id => $IDS[5] } } ]);
	my $r = list('limit=100', $tok);
	is($r->{status}, 200, 'status 200') or diag($r->{body});
	is_deeply(ids_of($r), [ $IDS[2] ], 'read:users of a user who is no instance owner: only itself');
};

done_testing();
