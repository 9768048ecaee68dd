# t0350-permission-matrix.t -- who may do what: the readable specification.
#
# Every route and method of src/router.c, for every kind of principal and
# every kind of target, with the status it must answer.  A refused write
# must change nothing (users, orgs, memberships, tokens, sessions, audit
# log); after an accepted write the fixture is put back.  Then every token
# each principal could mint (made while building the fixture) runs the same
# requests: a minted token never does more than its maker.
#
# Demotions (issue 25): for each role a principal can lose (org owner to
# member, member to none, instance owner to not), a principal that lost it
# after minting every token it could, and after the operator made it one
# with every permission.  Its session must answer as what it is now, and
# none of those tokens may do more.
#
# docs/permissions.md holds this table; the test checks that it matches
# (USERSD_WRITE_DOCS=1 rewrites it there).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use TestLib;
use ApiTest;
use Matrix;

my $t = TestLib->new;
ApiTest::bind($t);
# One long-lived FastCGI worker answers every request (TestLib's serve):
# the production loop, and no process per request.
$t->serve;

# The principals are Matrix.pm's (its fixture: who each is), in the
# table's column order: op own oo mem none utok oall oro itok iusr dusr,
# and the demoted xoo xmem xown.
# The targets a path names: {self} the principal's own user, {other} another
# user (bob), {op} the operator, {ownorg} the principal's org (its token's,
# or the one it belongs to; "-" for nora), {otherorg} an org it has no role
# in (b), {owntok} a token of its own, {othertok} bob's token, {optok} the
# operator's token.  bob is a member and carl an owner of every org, for
# the DELETE .../members/{bob} and .../owners/{carl} rows.
#
# Statuses: 2xx allowed, 401 refused or no credential, 403 inactive user,
# 403 also: a session setting its own password without the current one,
# 403 also: a session rotating a token that writes its own user (a new
# secret is a new token, and a session may not mint that one),
# 422 a rule of the schema (the last instance owner), '-' not applicable.
# Each PATCH of a token also asks a new expiry, and each rotation a grace.
my @MATRIX = (
# method  path                                  op   own  oo   mem  none utok oall oro  itok iusr dusr  xoo  xmem xown
[ 'GET',    '/health',                          200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200 ],
[ 'GET',    '/ping',                            204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204 ],
[ 'HEAD',   '/ping',                            204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204 ],
[ 'GET',    '/ready',                           200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200 ],
[ 'GET',    '/metrics',                         200, 200, 403, 403, 403, 403, 403, 403, 401, 403, 401, 403, 403, 403 ],
[ 'GET',    '/api/v2/setup',                    200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200 ],
[ 'POST',   '/api/v2/setup',                    422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422 ],
[ 'POST',   '/api/v2/signin',                   401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401 ],
[ 'POST',   '/api/v2/signout',                  401, 204, 204, 204, 204, 401, 401, 401, 401, 401, 401, 204, 204, 204 ],
[ 'GET',    '/api/v2/me',                       200, 200, 200, 200, 200, 200, 200, 200, 401, 403, 401, 200, 200, 200 ],
[ 'PUT',    '/api/v2/me/password',              401, 204, 204, 204, 204, 401, 401, 401, 401, 403, 401, 204, 204, 204 ],
[ 'GET',    '/api/v2/users',                    200, 200, 200, 200, 200, 200, 200, 200, 401, 403, 401, 200, 200, 200 ],
[ 'POST',   '/api/v2/users',                    201, 201, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'GET',    '/api/v2/users/{self}',             200, 200, 200, 200, 200, 200, 401, 401, 401, 403, 401, 200, 200, 200 ],
[ 'GET',    '/api/v2/users/{other}',            200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'GET',    '/api/v2/users/{op}',               200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'PATCH',  '/api/v2/users/{self}',             200, 200, 200, 200, 200, 200, 401, 401, 401, 403, 401, 200, 200, 200 ],
[ 'PATCH',  '/api/v2/users/{other}',            200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'PATCH',  '/api/v2/users/{op}',               200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/users/{self}',             422, 422, 204, 204, 204, 204, 401, 401, 401, 403, 401, 204, 204, 204 ],
[ 'DELETE', '/api/v2/users/{other}',            204, 204, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/users/{op}',               422, 422, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'POST',   '/api/v2/users/{self}/password',    204, 403, 403, 403, 403, 204, 401, 401, 401, 403, 401, 403, 403, 403 ],
[ 'POST',   '/api/v2/users/{other}/password',   204, 204, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'POST',   '/api/v2/users/{op}/password',      204, 403, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'PUT',    '/api/v2/users/{self}/password',    401, 204, 204, 204, 204, 401, 401, 401, 401, 403, 401, 204, 204, 204 ],
[ 'PUT',    '/api/v2/users/{other}/password',   401, 403, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'PUT',    '/api/v2/users/{op}/password',      401, 204, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'GET',    '/api/v2/authorizations',           200, 200, 200, 200, 200, 200, 200, 200, 401, 403, 401, 200, 200, 200 ],
[ 'POST',   '/api/v2/authorizations',           201, 201, 201, 401, '-', 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'GET',    '/api/v2/authorizations/{owntok}',  200, 200, 200, 200, 401, 401, 401, 401, 401, 403, 401, 200, 401, 401 ],
[ 'GET',    '/api/v2/authorizations/{othertok}',200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'GET',    '/api/v2/authorizations/{optok}',   200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'PATCH',  '/api/v2/authorizations/{owntok}',  200, 200, 200, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'PATCH',  '/api/v2/authorizations/{othertok}',200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'PATCH',  '/api/v2/authorizations/{optok}',   200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/authorizations/{owntok}',  204, 204, 204, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/authorizations/{othertok}',204, 204, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/authorizations/{optok}',   204, 204, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'POST',   '/api/v2/authorizations/{owntok}/rotate', 200, 403, 200, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'POST',   '/api/v2/authorizations/{othertok}/rotate', 200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'POST',   '/api/v2/authorizations/{optok}/rotate', 200, 403, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'GET',    '/api/v2/orgs',                     200, 200, 200, 200, 200, 200, 200, 200, 401, 403, 401, 200, 200, 200 ],
[ 'POST',   '/api/v2/orgs',                     201, 201, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'GET',    '/api/v2/orgs/{ownorg}',            200, 200, 200, 200, '-', 401, 200, 200, 401, 403, 401, 200, 401, 401 ],
[ 'GET',    '/api/v2/orgs/{otherorg}',          200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'PATCH',  '/api/v2/orgs/{ownorg}',            200, 200, 200, 401, '-', 401, 200, 401, 401, 403, 401, 401, 401, 401 ],
[ 'PATCH',  '/api/v2/orgs/{otherorg}',          200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/orgs/{ownorg}',            204, 204, 204, 401, '-', 401, 204, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/orgs/{otherorg}',          204, 204, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'GET',    '/api/v2/orgs/{ownorg}/members',    200, 200, 200, 200, '-', 401, 200, 200, 401, 403, 401, 200, 401, 401 ],
[ 'GET',    '/api/v2/orgs/{otherorg}/members',  200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'POST',   '/api/v2/orgs/{ownorg}/members',    201, 201, 201, 401, '-', 401, 201, 401, 401, 403, 401, 401, 401, 401 ],
[ 'POST',   '/api/v2/orgs/{otherorg}/members',  201, 201, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/orgs/{ownorg}/members/{bob}', 204, 204, 204, 401, '-', 401, 204, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/orgs/{otherorg}/members/{bob}', 204, 204, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'GET',    '/api/v2/orgs/{ownorg}/owners',     200, 200, 200, 200, '-', 401, 200, 200, 401, 403, 401, 200, 401, 401 ],
[ 'GET',    '/api/v2/orgs/{otherorg}/owners',   200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'POST',   '/api/v2/orgs/{ownorg}/owners',     201, 201, 201, 401, '-', 401, 201, 401, 401, 403, 401, 401, 401, 401 ],
[ 'POST',   '/api/v2/orgs/{otherorg}/owners',   201, 201, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/orgs/{ownorg}/owners/{carl}', 204, 204, 204, 401, '-', 401, 204, 401, 401, 403, 401, 401, 401, 401 ],
[ 'DELETE', '/api/v2/orgs/{otherorg}/owners/{carl}', 204, 204, 401, 401, 401, 401, 401, 401, 401, 403, 401, 401, 401, 401 ],
);

my $F = Matrix::fixture($t, demotions => 1);
my ($ADMIN, $A, $B, %U) = (@$F{qw(ADMIN A B)}, %{ $F->{U} });
Matrix::snapshot($F, 'fixture');

# --- the requests ----------------------------------------------------------

sub target {
	my ($p, $name) = @_;
	return { self => $F->{SELF}{$p}, other => $U{bob}, op => $ADMIN,
	    ownorg => $F->{OWNORG}{$p}, otherorg => $B, owntok => $F->{OWNTOK}{$p},
	    othertok => $F->{BOBTOK}, optok => $F->{OWNTOK}{op}, bob => $U{bob},
	    carl => $U{carl} }->{$name};
}

# The body each route gets: valid, so that only the permission decides.
sub body_for {
	my ($p, $method, $path) = @_;
	return undef if $method =~ /^(GET|HEAD|DELETE)$/;
	return { username => 'x', password => 'xxxxxxxx', org => 'x', bucket => 'x' } if $path eq '/api/v2/setup';
	return undef if $path =~ m{/sign(in|out)$};
	return { password => 'a-new-password-1' } if $path =~ m{/password$};
	return { name => 'newuser' } if $path eq '/api/v2/users';
	return { status => 'active' } if $path =~ m{^/api/v2/users/\{};
	return { orgID => $F->{OWNORG}{$p}, permissions => [ Matrix::bucket($F->{OWNORG}{$p}) ] }
	    if $path eq '/api/v2/authorizations';
	return { gracePeriodSeconds => 60 } if $path =~ m{/rotate$};
	return { description => 'changed', expiresIn => 86400 } if $path =~ m{^/api/v2/authorizations/};
	return { name => 'neworg' } if $path eq '/api/v2/orgs';
	return { description => 'changed' } if $path =~ m{^/api/v2/orgs/\{[a-z]+\}$};
	return { id => $U{nora} } if $path =~ m{/(members|owners)$};
	return undef;
}

Matrix::run_rows($F, \@MATRIX, target => \&target, body => \&body_for);

# Every route of src/router.c has its row, and no row is extra; the
# sessions routes have theirs in t0351-sessions-matrix.t.
subtest 'the table covers every route of src/router.c' => sub {
	Matrix::covers_routes(\@MATRIX, qr{^(?!.*/sessions)}, 31);
};

# docs/permissions.md carries the same table.
subtest 'docs/permissions.md holds this table' => sub {
	Matrix::docs_table($F, \@MATRIX, 'matrix');
};

Matrix::done($F);
$t->serve_end;
done_testing();
