# t0355-demotion.t -- issue 25.1: what a credential may do follows its
# user as the user is now.  A demoted org owner, a removed member and a
# former instance owner keep their cookies and the tokens they (or the
# operator) minted before the loss; from the next request on, each does
# only what the user may still do.  The matrix (t0350) runs the same for
# every route; this file is the issue's reproduction, step by step.
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
my $alice = given(user => 'alice', password => 'alicepass1');
my $O2 = given(org => 'o2');
is(call($OP, 'POST', "/api/v2/orgs/$O2/owners", { id => $ADMIN })->{status}, 201,
    'the operator owns o2');
is(call($OP, 'POST', "/api/v2/orgs/$O2/owners", { id => $alice })->{status}, 201,
    'alice owns o2');
my $ALICE = 'cookie:' . given(session => 'alice', password => 'alicepass1');

sub denied {
	my ($r, $what) = @_;
	is($r->{status}, 401, "$what: 401") or diag($r->{body});
}

subtest 'issue 25.1: a removed org owner keeps no control through her cookie or her tokens' => sub {
	my $r = call($ALICE, 'POST', '/api/v2/authorizations', { orgID => $O2, permissions => [
	    perm('write', type => 'orgs', id => $O2), perm('write', type => 'authorizations', orgID => $O2) ] });
	is($r->{status}, 201, 'alice mints herself write on o2 and its tokens') or diag($r->{body});
	my $tok = $r->{json}{token};
	is(call($ALICE, 'PATCH', "/api/v2/orgs/$O2", { description => 'mine' })->{status}, 200,
	    'while owner, her cookie PATCHes o2');
	is(call($OP, 'DELETE', "/api/v2/orgs/$O2/owners/$alice")->{status}, 204,
	    'the operator removes her as owner');
	my $before = db_state();
	for my $cred ([ token => $tok ], [ cookie => $ALICE ]) {
		my ($k, $c) = @$cred;
		denied(call($c, 'PATCH', "/api/v2/orgs/$O2", { description => 'still mine' }), "$k: PATCH o2");
		denied(call($c, 'DELETE', "/api/v2/orgs/$O2/owners/$ADMIN"), "$k: remove the operator from o2's owners");
		denied(call($c, 'POST', "/api/v2/orgs/$O2/owners", { id => $alice }), "$k: add herself back");
		denied(call($c, 'POST', "/api/v2/orgs/$O2/members", { id => $alice }), "$k: add herself as a member");
		denied(call($c, 'GET', "/api/v2/orgs/$O2"), "$k: read o2");
		denied(call($c, 'DELETE', "/api/v2/orgs/$O2"), "$k: delete o2");
	}
	is(db_state(), $before, 'nothing changed');
	my $list = call($ALICE, 'GET', '/api/v2/orgs');
	is_deeply([ map { $_->{id} } @{ $list->{json}{orgs} // [] } ], [], 'o2 is not in her list of orgs');
};

subtest 'an owner lowered to member keeps only a member\'s reads' => sub {
	is(call($OP, 'POST', "/api/v2/orgs/$O2/owners", { id => $alice })->{status}, 201, 'alice owns o2 again');
	my ($tok) = given(token => $alice, org => $O2, permissions => [ perm('read', type => 'orgs', id => $O2),
	    perm('write', type => 'orgs', id => $O2) ]);
	is(call($tok, 'PATCH', "/api/v2/orgs/$O2", { description => 'x' })->{status}, 200,
	    'a token the operator made her writes o2 while she owns it');
	is(call($OP, 'DELETE', "/api/v2/orgs/$O2/owners/$alice")->{status}, 204, 'no longer owner');
	is(call($OP, 'POST', "/api/v2/orgs/$O2/members", { id => $alice })->{status}, 201, 'a member now');
	my $before = db_state();
	denied(call($tok, 'PATCH', "/api/v2/orgs/$O2", { description => 'y' }), 'token: PATCH o2');
	denied(call($ALICE, 'PATCH', "/api/v2/orgs/$O2", { description => 'y' }), 'cookie: PATCH o2');
	is(call($tok, 'GET', "/api/v2/orgs/$O2")->{status}, 200, 'token: a member reads o2');
	is(call($ALICE, 'GET', "/api/v2/orgs/$O2")->{status}, 200, 'cookie: a member reads o2');
	is(db_state(), $before, 'nothing changed');
	is(call($OP, 'DELETE', "/api/v2/orgs/$O2/members/$alice")->{status}, 204, 'no longer a member');
	denied(call($tok, 'GET', "/api/v2/orgs/$O2"), 'token: read o2 as nobody');
	denied(call($ALICE, 'GET', "/api/v2/orgs/$O2"), 'cookie: read o2 as nobody');
};

subtest 'issue 25.1: a former instance owner keeps nothing of it, whichever token she holds' => sub {
	my $ivy = given(user => 'ivy', password => 'ivypass123');
	$t->psql("UPDATE users SET instance_owner = true WHERE id = '$ivy'");
	my $IVY = 'cookie:' . given(session => 'ivy', password => 'ivypass123');
	my @all = map { my $ty = $_; map { perm($_, type => $ty) } qw(read write) }
	    qw(authorizations orgs users buckets);
	# Her cookie may not give a token write on her own user; a token the
	# operator made her may, so she mints through it.
	my ($root) = given(token => $ivy, org => $ORG, permissions => [ @all ]);
	my (@tok, @id);
	for my $i (0, 1) {
		my $r = call($root, 'POST', '/api/v2/authorizations', { orgID => $ORG, permissions => [ @all ] });
		is($r->{status}, 201, "ivy mints herself operator token $i") or diag($r->{body});
		($tok[$i], $id[$i]) = ($r->{json}{token}, $r->{json}{id});
	}
	is(call($tok[0], 'GET', "/api/v2/users/$ADMIN")->{status}, 200, 'while owner, it reads the operator');
	$t->psql("UPDATE users SET instance_owner = false WHERE id = '$ivy'");
	my $before = db_state();
	for my $cred ([ cookie => $IVY ], [ 'the operator\'s token' => $root ], [ 'token 0' => $tok[0] ],
	    [ 'token 1' => $tok[1] ]) {
		my ($k, $c) = @$cred;
		denied(call($c, 'GET', "/api/v2/users/$ADMIN"), "$k: read the operator");
		denied(call($c, 'PATCH', "/api/v2/users/$ADMIN", { name => 'mallory' }), "$k: rename the operator");
		denied(call($c, 'POST', "/api/v2/users/$alice/password", { password => 'taken-over-1' }),
		    "$k: set alice's password");
		denied(call($c, 'POST', '/api/v2/users', { name => 'sock' }), "$k: create a user");
		denied(call($c, 'PATCH', "/api/v2/orgs/$ORG", { description => 'x' }), "$k: PATCH the operator's org");
		denied(call($c, 'GET', "/api/v2/authorizations/$s->{res}{json}{auth}{id}"), "$k: read the operator's token");
		is(call($c, 'GET', '/metrics')->{status}, 403, "$k: /metrics is 403");
	}
	my $users = call($tok[0], 'GET', '/api/v2/users');
	is_deeply([ map { $_->{id} } @{ $users->{json}{users} // [] } ], [ $ivy ], 'a token lists only herself');
	$users = call($IVY, 'GET', '/api/v2/users');
	is_deeply([ map { $_->{id} } @{ $users->{json}{users} // [] } ], [ $ivy ], 'the cookie lists only herself');
	is(db_state(), $before, 'nothing changed');
	is(call($OP, 'PATCH', "/api/v2/authorizations/$id[0]", { status => 'inactive' })->{status}, 200,
	    'the operator deactivates token 0');
	$before = db_state();
	denied(call($tok[1], 'PATCH', "/api/v2/authorizations/$id[0]", { status => 'active' }),
	    'token 1: PATCH token 0 active');
	denied(call($IVY, 'PATCH', "/api/v2/authorizations/$id[0]", { status => 'active' }),
	    'cookie: PATCH token 0 active');
	is(db_state(), $before, 'token 0 stays inactive');
};

done_testing();
