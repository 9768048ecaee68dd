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
use IPC::Open2 qw(open2);
use Test::More;
use TestLib;
use ApiTest;

my $t = TestLib->new;
ApiTest::bind($t);

# The principals, in the table's column order.
my @P = qw(op own oo mem none utok oall oro itok iusr dusr xoo xmem xown);
my %WHO = (
	op   => 'the operator token (setup)',
	own  => 'the instance owner\'s session',
	oo   => 'an org owner\'s session (alice, owner of org a)',
	mem  => 'an org member\'s session (mia, member of org a)',
	none => 'the session of a user in no org (nora)',
	utok => 'a user-scoped token: read/write on its own user (tess)',
	oall => 'an org-wide all-access token of org a (otto, an owner of a)',
	oro  => 'a read-only token of org a (rita, a member of a)',
	itok => 'an inactive token (an operator token, deactivated)',
	iusr => 'a token of an inactive user (ivan, all-access in org a)',
	dusr => 'a token of a deleted user (dave)',
	xoo  => 'the session of a former owner of org a, now a member (olga)',
	xmem => 'the session of a former member of org a, now in no org (max)',
	xown => 'the session of a former instance owner, in no org (ingo)',
);

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

# --- the fixture, built through the API ------------------------------------

my $s = given('setup');
my ($ADMIN, $ORG, $OPTOK) = ($s->{user_id}, $s->{org_id}, $s->{token});
my %PW = (admin => 'adminpass1');
my %U = (admin => $ADMIN);
for my $n (qw(alice mia nora tess otto rita ivan dave bob carl olga max ingo)) {
	$PW{$n} = "pw-$n-12345";
	$U{$n} = given(user => $n, password => $PW{$n});
}
my ($A, $B) = (given(org => 'a'), given(org => 'b'));
sub role { my ($org, $role, $u) = @_;
	is(call($OP, 'POST', "/api/v2/orgs/$org/${role}s", { id => $U{$u} })->{status},
	    201, "$u $role of $org") }
role($A, 'owner', 'alice');
role($A, 'member', 'mia');
# A token does no more than its user may do: otto's all-access token is an
# owner's, rita's read-only one a member's.
role($A, 'owner', 'otto');
role($A, 'member', 'rita');
# The principals that will lose a role, as they are before.
role($A, 'owner', 'olga');
role($A, 'member', 'max');
$t->psql("UPDATE users SET instance_owner = true WHERE id = '$U{ingo}'");
for my $o ($ORG, $A, $B) { role($o, 'member', 'bob'); role($o, 'owner', 'carl') }

my @TYPES = grep { $_ ne 'instance' } qw(authorizations buckets dashboards orgs sources
    tasks telegrafs users variables scrapers secrets labels views documents
    notificationRules notificationEndpoints checks dbrp notebooks annotations remotes
    replications instance);
# What `influx auth create --all-access` makes for an org; $ro: reads only.
sub org_all {
	my ($org, $ro, $no_users) = @_;
	return map { my $ty = $_; map { perm($_, type => $ty, $ty eq 'orgs' ? (id => $org) : (orgID => $org)) }
	    $ro ? ('read') : ('read', 'write') } grep { !$no_users || $_ ne 'users' } @TYPES;
}
sub tok { my ($u, $org, %o) = @_;
	my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $org, userID => $U{$u},
	    $o{status} ? (status => $o{status}) : (), permissions => $o{perms} });
	is($r->{status}, 201, "token for $u") or diag($r->{body});
	return ($r->{json}{token}, $r->{json}{id});
}
my %CRED = (op => $OPTOK);
my %OWNTOK = (op => $s->{res}{json}{auth}{id}, own => $s->{res}{json}{auth}{id});
my %SELF = (op => $ADMIN, own => $ADMIN);
my %OWNORG = (op => $ORG, own => $ORG, oo => $A, mem => $A, utok => $ORG, oall => $A, oro => $A,
    itok => $ORG, iusr => $A, dusr => $A, xoo => $A, xmem => $A, xown => $ORG);
my $bucket = sub { perm('read', type => 'buckets', orgID => $_[0]) };
(undef, $OWNTOK{oo}) = tok('alice', $A, perms => [ $bucket->($A) ]);
(undef, $OWNTOK{mem}) = tok('mia', $A, perms => [ $bucket->($A) ]);
(undef, $OWNTOK{none}) = tok('nora', $ORG, perms => [ perm('read', type => 'users', id => $U{nora}) ]);
($CRED{utok}, $OWNTOK{utok}) = tok('tess', $ORG, perms => [ perm('read', type => 'users', id => $U{tess}),
    perm('write', type => 'users', id => $U{tess}) ]);
($CRED{oall}, $OWNTOK{oall}) = tok('otto', $A, perms => [ org_all($A) ]);
($CRED{oro}, $OWNTOK{oro}) = tok('rita', $A, perms => [ org_all($A, 1) ]);
($CRED{itok}, $OWNTOK{itok}) = tok('admin', $ORG, status => 'inactive',
    perms => [ map { my $ty = $_; map { perm($_, type => $ty) } qw(read write) } @TYPES ]);
($CRED{iusr}, $OWNTOK{iusr}) = tok('ivan', $A, perms => [ org_all($A) ]);
($CRED{dusr}, $OWNTOK{dusr}) = tok('dave', $A, perms => [ org_all($A) ]);
my (undef, $BOBTOK) = tok('bob', $B, perms => [ $bucket->($B) ]);
$SELF{$_} = $U{ { oo => 'alice', mem => 'mia', none => 'nora', utok => 'tess', oall => 'otto',
    oro => 'rita', itok => 'admin', iusr => 'ivan', dusr => 'dave', xoo => 'olga', xmem => 'max',
    xown => 'ingo' }->{$_} } for qw(oo mem none utok oall oro itok iusr dusr xoo xmem xown);
my %USER_OF = (own => 'admin', oo => 'alice', mem => 'mia', none => 'nora', xoo => 'olga',
    xmem => 'max', xown => 'ingo');
$CRED{$_} = 'cookie:' . given(session => $USER_OF{$_},
    password => $PW{$USER_OF{$_}}) for keys %USER_OF;
is(call($OP, 'PATCH', "/api/v2/users/$U{ivan}", { status => 'inactive' })->{status},
    200, 'ivan deactivated');
is(call($OP, 'DELETE', "/api/v2/users/$U{dave}")->{status}, 204, 'dave deleted');

# Every token each principal may mint for itself, in its own org, from the
# same list of asks; kept with its maker.
my %ASKS = (
	'the operator\'s permissions' => sub { map { my $ty = $_; map { perm($_, type => $ty) } qw(read write) } @TYPES },
	'all-access in its org' => sub { org_all($_[0]) },
	'all-access in its org, users left out' => sub { org_all($_[0], 0, 1) },
	'read-only in its org, users left out' => sub { org_all($_[0], 1, 1) },
	'its own user' => sub { perm('read', type => 'users', id => $_[1]), perm('write', type => 'users', id => $_[1]) },
	'the operator, named within its org' => sub { perm('write', type => 'users', id => $ADMIN, orgID => $_[0]),
	    perm('read', type => 'users', id => $ADMIN, orgID => $_[0]) },
	'the operator and bob' => sub { map { perm($_, type => 'users', id => $ADMIN), perm($_, type => 'users', id => $U{bob}) } qw(read write) },
	'all-access in org b' => sub { org_all($B) },
);
my %MINTED;	# maker => [[ask, token], ...]
for my $p (grep { $_ ne 'none' } @P) {
	for my $ask (sort keys %ASKS) {
		my $org = $ask eq 'all-access in org b' ? $B : $OWNORG{$p};
		my $r = call($CRED{$p}, 'POST', '/api/v2/authorizations',
		    { orgID => $org, permissions => [ $ASKS{$ask}->($org, $SELF{$p}) ] });
		push @{ $MINTED{$p} }, [ $ask, $r->{json}{token} ] if $r->{status} == 201;
	}
}
ok(scalar(@{ $MINTED{op} // [] }) == keys %ASKS, 'the operator mints every ask');
is_deeply([ sort map { $_->[0] } @{ $MINTED{oo} // [] } ], [ 'all-access in its org, users left out',
    'read-only in its org, users left out' ], 'the org owner mints only within her org, nothing on users');
is(scalar(@{ $MINTED{$_} // [] }), 0, "$_ mints nothing") for qw(mem utok oall oro itok iusr dusr xmem);
is_deeply([ map { $_->[0] } @{ $MINTED{xoo} } ], [ map { $_->[0] } @{ $MINTED{oo} } ],
    'an owner about to be lowered mints what an owner mints');
ok(@{ $MINTED{xown} // [] } >= 5, 'an instance owner about to be demoted mints most asks');

# The operator gives each of them a token with every permission; then they
# lose the role.  Its session and every token it had answer from now on as
# what it is now.
for my $p (qw(xoo xmem xown)) {
	my ($tok, $id) = tok($USER_OF{$p}, $OWNORG{$p}, perms => [ $ASKS{'the operator\'s permissions'}->() ]);
	push @{ $MINTED{$p} }, [ 'everything, made by the operator', $tok ];
	$OWNTOK{$p} = $id;
}
is(call($OP, 'DELETE', "/api/v2/orgs/$A/owners/$U{olga}")->{status}, 204, 'olga owns a no more');
role($A, 'member', 'olga');
is(call($OP, 'DELETE', "/api/v2/orgs/$A/members/$U{max}")->{status}, 204, 'max is in a no more');
$t->psql("UPDATE users SET instance_owner = false WHERE id = '$U{ingo}'");

# The fixture as it stands, kept in the database to put back after a write.
$t->psql(q{
	CREATE SCHEMA fixture;
	CREATE TABLE fixture.users AS SELECT * FROM users;
	CREATE TABLE fixture.orgs AS SELECT * FROM orgs;
	CREATE TABLE fixture.buckets AS SELECT * FROM buckets;
	CREATE TABLE fixture.org_members AS SELECT * FROM org_members;
	CREATE TABLE fixture.authorizations AS SELECT * FROM authorizations;
	CREATE TABLE fixture.sessions AS SELECT * FROM sessions;
	CREATE FUNCTION fixture.state() RETURNS text LANGUAGE sql AS $$
	    SELECT md5(concat_ws('|',
	        (SELECT string_agg(concat_ws(',', id, name, status, password_hash, instance_owner), ';' ORDER BY id) FROM users),
	        (SELECT string_agg(concat_ws(',', id, name, description), ';' ORDER BY id) FROM orgs),
	        (SELECT string_agg(concat_ws(',', org_id, user_id, role), ';' ORDER BY org_id, user_id) FROM org_members),
	        (SELECT string_agg(concat_ws(',', id, status, description, permissions::text, token_hash, expires_at, prev_token_hash), ';' ORDER BY id) FROM authorizations),
	        (SELECT string_agg(concat_ws(',', id, user_id), ';' ORDER BY id) FROM sessions),
	        (SELECT count(*) FROM audit_log)))
	$$;
	CREATE TABLE fixture.clean AS SELECT fixture.state() AS state;
	-- 't' when the last request changed the state; then the fixture is put back.
	CREATE FUNCTION fixture.check() RETURNS boolean LANGUAGE plpgsql AS $$
	DECLARE changed boolean := fixture.state() <> (SELECT state FROM fixture.clean);
	BEGIN
	    IF changed OR EXISTS (SELECT 1 FROM signin_failures) THEN
	        TRUNCATE users, orgs, buckets, org_members, authorizations, sessions,
	                 signin_failures CASCADE;
	        INSERT INTO users SELECT * FROM fixture.users;
	        INSERT INTO orgs SELECT * FROM fixture.orgs;
	        INSERT INTO buckets SELECT * FROM fixture.buckets;
	        INSERT INTO org_members SELECT * FROM fixture.org_members;
	        INSERT INTO authorizations SELECT * FROM fixture.authorizations;
	        INSERT INTO sessions SELECT * FROM fixture.sessions;
	        UPDATE fixture.clean SET state = fixture.state();
	    END IF;
	    RETURN changed;
	END
	$$;
});

# --- the requests ----------------------------------------------------------

# One psql for the whole run: a write's check is a query, not a process.
my $PSQL_PID = open2(my $PSQL_OUT, my $PSQL_IN, 'psql', '-X', '-A', '-t', '-q',
    '-v', 'ON_ERROR_STOP=1', '-d', $t->admin_conninfo);
$PSQL_IN->autoflush(1);
# 't' when the last request changed the state (the fixture is put back).
sub changed {
	print $PSQL_IN "SELECT fixture.check();\n";
	my $line = <$PSQL_OUT> // die 'psql ended';
	chomp $line;
	return $line eq 't';
}

sub target {
	my ($p, $name) = @_;
	return { self => $SELF{$p}, other => $U{bob}, op => $ADMIN, ownorg => $OWNORG{$p},
	    otherorg => $B, owntok => $OWNTOK{$p}, othertok => $BOBTOK, optok => $OWNTOK{op},
	    bob => $U{bob}, carl => $U{carl} }->{$name};
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
	return { orgID => $OWNORG{$p}, permissions => [ $bucket->($OWNORG{$p}) ] }
	    if $path eq '/api/v2/authorizations';
	return { gracePeriodSeconds => 60 } if $path =~ m{/rotate$};
	return { description => 'changed', expiresIn => 86400 } if $path =~ m{^/api/v2/authorizations/};
	return { name => 'neworg' } if $path eq '/api/v2/orgs';
	return { description => 'changed' } if $path =~ m{^/api/v2/orgs/\{[a-z]+\}$};
	return { id => $U{nora} } if $path =~ m{/(members|owners)$};
	return undef;
}

# One request of the table as principal $p (credential $cred); the status,
# and whether it changed the state (the fixture is then put back).
sub run_case {
	my ($p, $cred, $method, $tmpl) = @_;
	(my $path = $tmpl) =~ s/\{(\w+)\}/target($p, $1) \/\/ 'none'/ge;
	my %r = (method => $method, path => $path, headers => {});
	my $body = body_for($p, $method, $tmpl);
	if (defined $body) {
		$r{body} = TestLib->json_encode($body);
		$r{headers}{'Content-Type'} = 'application/json';
	}
	if ($cred =~ /^cookie:(.*)/) {
		$r{headers}{Cookie} = "$COOKIE=$1";
		# A password change by PUT proves the current password of the user
		# the cookie signs in (tokens cannot: Basic takes the header).
		$r{headers}{Authorization} = basic('x', $PW{ $USER_OF{$p} }) if $method eq 'PUT';
	} else {
		$r{headers}{Authorization} = "Token $cred";
	}
	my $res = $t->cgi(%r);
	my $changed = $method =~ /^(GET|HEAD)$/ ? 0 : changed();
	return ($res, $changed, $path);
}

sub ok2xx { $_[0] =~ /^2\d\d$/ }

my %SEEN;	# "METHOD pattern" rows, to compare with the route table
for my $row (@MATRIX) {
	my ($method, $tmpl, @want) = @$row;
	(my $pattern = $tmpl) =~ s/\{(\w+)\}/:x/g;
	$SEEN{"$method $pattern"} = 1;
	subtest "$method $tmpl" => sub {
		for my $i (0 .. $#P) {
			my $p = $P[$i];
			if ($want[$i] eq '-') { pass("$p: not applicable"); next }
			my ($r, $changed, $path) = run_case($p, $CRED{$p}, $method, $tmpl);
			is($r->{status}, $want[$i], "$p: $method $path is $want[$i]")
			    or diag("$WHO{$p}: $r->{body}");
			ok(!$changed, "$p: refused, changed nothing") if !ok2xx($r->{status});
			# The minted tokens of this maker, on the same request.  A
			# session refused its own password for want of the current
			# one was refused a proof, not a permission.
			my $may = ok2xx($want[$i]) || ($want[$i] == 403
			    && ($r->{json}{message} // '') =~ m{PUT /api/v2/me/password});
			# What the maker may do, a token may or may not: nothing to ask.
			next if $may;
			for my $m (@{ $MINTED{$p} // [] }) {
				my ($mr) = run_case($p, $m->[1], $method, $tmpl);
				ok($may || !ok2xx($mr->{status}),
				    "$p, minted ($m->[0]): no more than its maker ($mr->{status})")
				    or diag($mr->{body});
			}
		}
	};
}

# Every route of the table in src/router.c has its row, and no row is
# extra; the sessions routes have theirs in t0351-sessions-matrix.t.
subtest 'the table covers every route of src/router.c' => sub {
	open my $f, '<', "$TestLib::ROOT/src/router.c" or die $!;
	my %routes;
	while (<$f>) {
		$routes{"$1 " . ($2 =~ s/:\w+/:x/gr)} = 1
		    if /^\s*\{ "([A-Z]+)",\s*"([^"]+)"/ && $2 !~ m{/sessions};
	}
	ok(scalar(keys %routes) > 30, 'routes read from router.c');
	is_deeply([ sort keys %SEEN ], [ sort keys %routes ], 'the same method and path patterns');
};

# docs/permissions.md carries the same table.
subtest 'docs/permissions.md holds this table' => sub {
	my $md = "| method | path | " . join(' | ', @P) . " |\n|---|---|" . ('---|' x @P) . "\n";
	$md .= "| $_->[0] | `$_->[1]` | " . join(' | ', @{$_}[2 .. $#$_]) . " |\n" for @MATRIX;
	my $doc = "$TestLib::ROOT/docs/permissions.md";
	open my $f, '<', $doc or die "$doc: $!";
	my $text = do { local $/; <$f> };
	close $f;
	my ($in) = $text =~ /<!-- matrix -->\n(.*?)<!-- end matrix -->/s;
	if ($ENV{USERSD_WRITE_DOCS}) {
		$text =~ s/(<!-- matrix -->\n).*?(<!-- end matrix -->)/$1$md$2/s;
		open my $o, '>', $doc or die $!;
		print $o $text;
		close $o;
		$in = $md;
	}
	is($in, $md, 'the table in docs/permissions.md is the one tested here');
};

close $PSQL_IN;
waitpid($PSQL_PID, 0);
done_testing();
