# t0351-sessions-matrix.t -- who may list and end whose sign-in sessions:
# the rows of the permission matrix for the sessions routes (an extension:
# GET and DELETE /api/v2/me/sessions[/{id}], /api/v2/users/{id}/sessions),
# with the principals, fixture and checks of t0350-permission-matrix.t
# (tests/lib/Matrix.pm, which both use).
#
# A refused request must change nothing (users, orgs, memberships, tokens,
# sessions, audit log); after an accepted write the fixture is put back.
# Every token each principal could mint runs the same requests: a minted
# token never does more than its maker.
#
# docs/permissions.md holds this table under "Sessions"; the test checks
# that it matches (USERSD_WRITE_DOCS=1 rewrites it there).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(sha256_hex);
use Test::More;
use TestLib;
use ApiTest;
use Matrix;

my $t = TestLib->new;
ApiTest::bind($t);
$t->serve;	# one long-lived worker (TestLib)

# The principals are Matrix.pm's (its fixture: who each is), in the
# table's column order.
# The targets a path names: {self} the principal's own user, {other} another
# user (bob), {op} the operator, {ownorg} the principal's org (its token's,
# or the one it belongs to; "-" for nora), {otherorg} an org it has no role
# in (b), {owntok} a token of its own, {othertok} bob's token, {optok} the
# operator's token.  bob is a member and carl an owner of every org, for
# the DELETE .../members/{bob} and .../owners/{carl} rows.
#
# Statuses: 2xx allowed, 401 refused or no credential, 403 inactive user,
# 403 also: a session setting its own password without the current one,
# 404 a session id that is not one of the caller's own sessions.
my @MATRIX = (
# method  path                                   op   own  oo   mem  none utok oall oro  itok iusr dusr
[ 'GET',    '/api/v2/me/sessions',               200, 200, 200, 200, 200, 200, 401, 401, 401, 403, 401 ],
[ 'DELETE', '/api/v2/me/sessions',               204, 204, 204, 204, 204, 204, 401, 401, 401, 403, 401 ],
[ 'DELETE', '/api/v2/me/sessions/{ownsess}',     204, 204, 204, 204, 204, 204, 401, 401, 401, 403, 401 ],
[ 'DELETE', '/api/v2/me/sessions/{othersess}',   404, 404, 404, 404, 404, 404, 401, 401, 401, 403, 401 ],
[ 'GET',    '/api/v2/users/{self}/sessions',     200, 200, 200, 200, 200, 200, 401, 401, 401, 403, 401 ],
[ 'GET',    '/api/v2/users/{other}/sessions',    200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401 ],
[ 'GET',    '/api/v2/users/{op}/sessions',       200, 200, 401, 401, 401, 401, 401, 401, 401, 403, 401 ],
[ 'DELETE', '/api/v2/users/{self}/sessions',     204, 204, 204, 204, 204, 204, 401, 401, 401, 403, 401 ],
[ 'DELETE', '/api/v2/users/{other}/sessions',    204, 204, 401, 401, 401, 401, 401, 401, 401, 403, 401 ],
[ 'DELETE', '/api/v2/users/{op}/sessions',       204, 204, 401, 401, 401, 401, 401, 401, 401, 403, 401 ],
);

my $F = Matrix::fixture($t);
my ($ADMIN, %U) = ($F->{ADMIN}, %{ $F->{U} });
my %PW = %{ $F->{PW} };

# Another live session of each principal's user, and one of bob's, by id.
sub session_id { my $h = sha256_hex($_[0]); one("SELECT id FROM sessions WHERE id_hash = '$h'") }
my %OWNSESS;
my %SESSION_USER = (op => 'admin', own => 'admin', itok => 'admin', oo => 'alice', mem => 'mia',
    none => 'nora', utok => 'tess', oall => 'otto', oro => 'rita');
my %SECOND = map { $_ => session_id(given(session => $_, password => $PW{$_})) }
    qw(admin alice mia nora tess otto rita);
$OWNSESS{$_} = $SECOND{ $SESSION_USER{$_} } for keys %SESSION_USER;
my $BOBSESS = session_id(given(session => 'bob', password => $PW{bob}));

# The fixture as it stands, kept to put back after a write (t0350 has
# "fixture").
Matrix::snapshot($F, 'fixture_s');

# --- the requests ----------------------------------------------------------

sub target {
	my ($p, $name) = @_;
	return { self => $F->{SELF}{$p}, other => $U{bob}, op => $ADMIN,
	    ownsess => $OWNSESS{$p}, othersess => $BOBSESS }->{$name};
}

# The sessions routes take no body.
sub body_for { undef }

Matrix::run_rows($F, \@MATRIX, target => \&target, body => \&body_for);

# Every sessions route of src/router.c has its row, and no row is extra.
subtest 'the table covers every sessions route of src/router.c' => sub {
	Matrix::covers_routes(\@MATRIX, qr{/sessions}, 5);
};

# docs/permissions.md carries the same table, under its own markers.
subtest 'docs/permissions.md holds this table' => sub {
	Matrix::docs_table($F, \@MATRIX, 'sessions matrix');
};

Matrix::done($F);
$t->serve_end;
done_testing();
