# t0445-cross-instance.t -- instances are isolated: whatever one instance
# issued (tokens, session cookies, sign-in failures, names) is worthless on
# another, on every route of src/router.c.
#
# Two instances of the layout under test (two databases in the cgi tier,
# two schemas of one hosting database in the hosted tier), built alike: the
# same user and org names, made in the same order.
# The rule checked: a credential of instance X sent to instance Y gets
# exactly the answer Y gives with no credential at all, and changes nothing
# in either instance.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;

my @T = map { TestLib->new->serve } 1 .. 2;	# a long-lived worker each (TestLib)
my @FIX;	# per instance: { cred => {kind => credential}, id => {...} }

for my $i (0, 1) {
	ApiTest::bind($T[$i]);
	my $s = given('setup');
	my %f = (op => $OP, pw => { map { $_ => "pw-$i-$_-12345" } qw(alice bob) });
	$f{id}{admin} = $s->{user_id};
	$f{id}{org} = $s->{org_id};
	$f{id}{optok} = $s->{res}{json}{auth}{id};
	$f{id}{$_} = given(user => $_, password => $f{pw}{$_}) for qw(alice bob);
	$f{id}{a} = given(org => 'a');
	is(call($OP, 'POST', "/api/v2/orgs/$f{id}{a}/owners",
	    { id => $f{id}{alice} })->{status}, 201,
	    "instance $i: alice owns org a");
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $f{id}{a},
	    userID => $f{id}{alice},
	    permissions => [ map { my $ty = $_; map { perm($_, type => $ty, orgID => $f{id}{a}) } qw(read write) }
	        qw(buckets users orgs authorizations) ] });
	is($r->{status}, 201, "instance $i: alice's org token") or diag($r->{body});
	$f{cred}{orgtok} = $r->{json}{token};
	$f{id}{alicetok} = $r->{json}{id};
	$r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $f{id}{org},
	    userID => $f{id}{bob},
	    permissions => [ perm('read', type => 'users', id => $f{id}{bob}),
	        perm('write', type => 'users', id => $f{id}{bob}) ] });
	is($r->{status}, 201, "instance $i: bob's own-user token") or diag($r->{body});
	$f{cred}{usertok} = $r->{json}{token};
	$f{cred}{op} = $OP;
	$f{cred}{opsession} = 'cookie:' . given(session => 'admin', password => 'adminpass1');
	$f{cred}{alicesession} = 'cookie:' . given(session => 'alice',
	    password => $f{pw}{alice});
	$FIX[$i] = \%f;
}

# The state of instance $i, for "changed nothing".
sub state_of { ApiTest::bind($T[$_[0]]); return db_state() }

# Every route of the table in src/router.c, its parameters filled in with
# ids of the instance the credential came from.
open my $rf, '<', "$TestLib::ROOT/src/router.c" or die $!;
my @ROUTES = map { /^\s*\{ "([A-Z]+)",\s*"([^"]+)"/ ? [ $1, $2 ] : () } <$rf>;
close $rf;
cmp_ok(scalar @ROUTES, '>', 30, 'routes read from src/router.c');

sub path_for {
	my ($f, $pat) = @_;
	my $p = $pat;
	$p =~ s{/users/:id}{/users/$f->{id}{bob}};
	$p =~ s{/authorizations/:id}{/authorizations/$f->{id}{alicetok}};
	$p =~ s{/orgs/:id}{/orgs/$f->{id}{a}};
	$p =~ s{:uid}{$f->{id}{alice}};
	return $p;
}

sub body_for {
	my ($f, $method, $pat) = @_;
	return undef if $method =~ /^(GET|HEAD|DELETE)$/ || $pat =~ m{/sign(in|out)$};
	return { password => 'a-new-password-1' } if $pat =~ m{/password$};
	return { username => 'x', password => 'xxxxxxxx', org => 'x', bucket => 'x' } if $pat eq '/api/v2/setup';
	return { orgID => $f->{id}{a}, permissions => [ perm('read', type => 'buckets', orgID => $f->{id}{a}) ] }
	    if $pat eq '/api/v2/authorizations';
	return { id => $f->{id}{bob} } if $pat =~ m{/(members|owners)$};
	return { name => 'x-new' } if $pat =~ m{^/api/v2/(users|orgs)$};
	return { description => 'changed', status => 'active' };
}

# The answer, without the parts that differ from one request to the next.
sub answer {
	my ($r) = @_;
	my %h = %{ $r->{headers} };
	delete @h{qw(date x-request-id)};
	# /ready tells when its process started: a second may pass between two.
	(my $body = $r->{body}) =~ s/"(started|up)":"[^"]*"/"$1":"-"/g;
	return { status => $r->{status}, body => $body,
	    headers => join(',', map { "$_=$h{$_}" } sort keys %h) };
}

for my $from (0, 1) {
	my $to = 1 - $from;
	my $f = $FIX[$from];
	for my $kind (sort keys %{ $f->{cred} }) {
		my $cred = $f->{cred}{$kind};
		subtest "instance ${from}'s $kind on instance $to, every route" => sub {
			my @before = map { state_of($_) } 0, 1;
			ApiTest::bind($T[$to]);
			for my $route (@ROUTES) {
				my ($method, $pat) = @$route;
				my $path = path_for($f, $pat);
				my $body = body_for($f, $method, $pat);
				# A cookie's PUT proves a password with Basic: the same
				# header goes without the cookie.
				my %h = $method eq 'PUT' && $cred =~ /^cookie:/ ?
				    (Authorization => basic('alice', $f->{pw}{alice})) : ();
				my $anon = answer(call(undef, $method, $path, $body,
				    headers => \%h));
				my $r = call($cred, $method, $path, $body, headers => \%h);
				is_deeply(answer($r), $anon, "$method $path: as with no credential ($anon->{status})")
				    or diag($r->{body});
			}
			is(state_of($_), $before[$_], "instance $_ unchanged") for 0, 1;
		};
	}
}

subtest 'a name and password of one instance sign in nowhere else' => sub {
	ApiTest::bind($T[1]);
	is(call(basic('alice', $FIX[0]{pw}{alice}), 'POST', '/api/v2/signin')->{status},
	    401, "instance 0's alice password on instance 1");
	is(call(basic('alice', $FIX[1]{pw}{alice}), 'POST', '/api/v2/signin')->{status},
	    204, 'her own instance 1 password');
};

subtest 'sign-in failures on one instance throttle no other' => sub {
	ApiTest::bind($T[0]);
	my @st = map { call(basic('bob', 'wrong-password'), 'POST',
	    '/api/v2/signin')->{status} } 1 .. 8;
	is($st[-1], 429, 'bob is throttled on instance 0') or diag("@st");
	cmp_ok(one(q{SELECT failures FROM signin_failures WHERE kind = 'user' AND key = 'bob'}), '>=', 5,
	    'instance 0 counts them');
	ApiTest::bind($T[1]);
	is(one(q{SELECT count(*) FROM signin_failures WHERE kind = 'user' AND key = 'bob'}), 0,
	    'instance 1 counts none for bob');
	is(call(basic('bob', $FIX[1]{pw}{bob}), 'POST', '/api/v2/signin')->{status},
	    204, 'bob signs in on instance 1');
};

$_->serve_end for @T;
done_testing();
