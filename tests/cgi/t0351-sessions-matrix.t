# t0351-sessions-matrix.t -- who may list and end whose sign-in sessions:
# the rows of the permission matrix for the sessions routes (an extension:
# GET and DELETE /api/v2/me/sessions[/{id}], /api/v2/users/{id}/sessions),
# with the principals, fixture and checks of t0350-permission-matrix.t.
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

my $t = TestLib->new;
ApiTest::bind($t);

# The principals, in the table's column order.
my @P = qw(op own oo mem none utok oall oro itok iusr dusr);
my %WHO = (
	op   => 'the operator token (setup)',
	own  => 'the instance owner\'s session',
	oo   => 'an org owner\'s session (alice, owner of org a)',
	mem  => 'an org member\'s session (mia, member of org a)',
	none => 'the session of a user in no org (nora)',
	utok => 'a user-scoped token: read/write on its own user (tess)',
	oall => 'an org-wide all-access token of org a (otto)',
	oro  => 'a read-only token of org a (rita)',
	itok => 'an inactive token (an operator token, deactivated)',
	iusr => 'a token of an inactive user (ivan, all-access in org a)',
	dusr => 'a token of a deleted user (dave)',
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

# --- the fixture, built through the API ------------------------------------

my $s = given('setup');
my ($ADMIN, $ORG, $OPTOK) = ($s->{user_id}, $s->{org_id}, $s->{token});
my %PW = (admin => 'adminpass1');
my %U = (admin => $ADMIN);
for my $n (qw(alice mia nora tess otto rita ivan dave bob carl)) {
	$PW{$n} = "pw-$n-12345";
	$U{$n} = given(user => $n, password => $PW{$n});
}
my ($A, $B) = (given(org => 'a'), given(org => 'b'));
sub role { my ($org, $role, $u) = @_;
	is(call($OP, 'POST', "/api/v2/orgs/$org/${role}s", { id => $U{$u} })->{status},
	    201, "$u $role of $org") }
role($A, 'owner', 'alice');
role($A, 'member', 'mia');
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
    itok => $ORG, iusr => $A, dusr => $A);
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
    oro => 'rita', itok => 'admin', iusr => 'ivan', dusr => 'dave' }->{$_} }
    for qw(oo mem none utok oall oro itok iusr dusr);
my %USER_OF = (own => 'admin', oo => 'alice', mem => 'mia', none => 'nora');
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
is(scalar(@{ $MINTED{$_} // [] }), 0, "$_ mints nothing") for qw(mem utok oall oro itok iusr dusr);

# Another live session of each principal's user, and one of bob's, by id.
sub session_id { my $h = sha256_hex($_[0]); one("SELECT id FROM sessions WHERE id_hash = '$h'") }
my %OWNSESS;
my %SESSION_USER = (op => 'admin', own => 'admin', itok => 'admin', oo => 'alice', mem => 'mia',
    none => 'nora', utok => 'tess', oall => 'otto', oro => 'rita');
my %SECOND = map { $_ => session_id(given(session => $_, password => $PW{$_})) }
    qw(admin alice mia nora tess otto rita);
$OWNSESS{$_} = $SECOND{ $SESSION_USER{$_} } for keys %SESSION_USER;
my $BOBSESS = session_id(given(session => 'bob', password => $PW{bob}));

# The fixture as it stands, kept in the database to put back after a write
# (a schema of its own name: in the hosted tier every file shares one
# database, and t0350 has "fixture").
$t->psql(q{
	CREATE SCHEMA fixture_s;
	CREATE TABLE fixture_s.users AS SELECT * FROM users;
	CREATE TABLE fixture_s.orgs AS SELECT * FROM orgs;
	CREATE TABLE fixture_s.buckets AS SELECT * FROM buckets;
	CREATE TABLE fixture_s.org_members AS SELECT * FROM org_members;
	CREATE TABLE fixture_s.authorizations AS SELECT * FROM authorizations;
	CREATE TABLE fixture_s.sessions AS SELECT * FROM sessions;
	CREATE FUNCTION fixture_s.state() RETURNS text LANGUAGE sql AS $$
	    SELECT md5(concat_ws('|',
	        (SELECT string_agg(concat_ws(',', id, name, status, password_hash, instance_owner), ';' ORDER BY id) FROM users),
	        (SELECT string_agg(concat_ws(',', id, name, description), ';' ORDER BY id) FROM orgs),
	        (SELECT string_agg(concat_ws(',', org_id, user_id, role), ';' ORDER BY org_id, user_id) FROM org_members),
	        (SELECT string_agg(concat_ws(',', id, status, description, permissions::text), ';' ORDER BY id) FROM authorizations),
	        (SELECT string_agg(concat_ws(',', id, user_id), ';' ORDER BY id) FROM sessions),
	        (SELECT count(*) FROM audit_log)))
	$$;
	CREATE TABLE fixture_s.clean AS SELECT fixture_s.state() AS state;
	-- 't' when the last request changed the state; then the fixture is put back.
	CREATE FUNCTION fixture_s.check() RETURNS boolean LANGUAGE plpgsql AS $$
	DECLARE changed boolean := fixture_s.state() <> (SELECT state FROM fixture_s.clean);
	BEGIN
	    IF changed OR EXISTS (SELECT 1 FROM signin_failures) THEN
	        TRUNCATE users, orgs, buckets, org_members, authorizations, sessions,
	                 signin_failures CASCADE;
	        INSERT INTO users SELECT * FROM fixture_s.users;
	        INSERT INTO orgs SELECT * FROM fixture_s.orgs;
	        INSERT INTO buckets SELECT * FROM fixture_s.buckets;
	        INSERT INTO org_members SELECT * FROM fixture_s.org_members;
	        INSERT INTO authorizations SELECT * FROM fixture_s.authorizations;
	        INSERT INTO sessions SELECT * FROM fixture_s.sessions;
	        UPDATE fixture_s.clean SET state = fixture_s.state();
	    END IF;
	    RETURN changed;
	END
	$$;
});

# --- the requests ----------------------------------------------------------

sub target {
	my ($p, $name) = @_;
	return { self => $SELF{$p}, other => $U{bob}, op => $ADMIN, ownsess => $OWNSESS{$p},
	    othersess => $BOBSESS }->{$name};
}

# The sessions routes take no body.
sub body_for { undef }

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
	my $changed = $method =~ /^(GET|HEAD)$/ ? 0 : one('SELECT fixture_s.check()') eq 't';
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
			for my $m (@{ $MINTED{$p} // [] }) {
				my ($mr) = run_case($p, $m->[1], $method, $tmpl);
				ok($may || !ok2xx($mr->{status}),
				    "$p, minted ($m->[0]): no more than its maker ($mr->{status})")
				    or diag($mr->{body});
			}
		}
	};
}

# Every sessions route of src/router.c has its row, and no row is extra.
subtest 'the table covers every sessions route of src/router.c' => sub {
	open my $f, '<', "$TestLib::ROOT/src/router.c" or die $!;
	my %routes;
	while (<$f>) {
		$routes{"$1 " . ($2 =~ s/:\w+/:x/gr)} = 1 if /^\s*\{ "([A-Z]+)",\s*"([^"]+\/sessions[^"]*)"/;
	}
	ok(scalar(keys %routes) >= 5, 'sessions routes read from router.c');
	is_deeply([ sort keys %SEEN ], [ sort keys %routes ], 'the same method and path patterns');
};

# docs/permissions.md carries the same table, under its own markers.
subtest 'docs/permissions.md holds this table' => sub {
	my $md = "| method | path | " . join(' | ', @P) . " |\n|---|---|" . ('---|' x @P) . "\n";
	$md .= "| $_->[0] | `$_->[1]` | " . join(' | ', @{$_}[2 .. $#$_]) . " |\n" for @MATRIX;
	my $doc = "$TestLib::ROOT/docs/permissions.md";
	open my $f, '<', $doc or die "$doc: $!";
	my $text = do { local $/; <$f> };
	close $f;
	my ($in) = $text =~ /<!-- sessions matrix -->\n(.*?)<!-- end sessions matrix -->/s;
	if ($ENV{USERSD_WRITE_DOCS}) {
		$text =~ s/(<!-- sessions matrix -->\n).*?(<!-- end sessions matrix -->)/$1$md$2/s;
		open my $o, '>', $doc or die $!;
		print $o $text;
		close $o;
		$in = $md;
	}
	is($in, $md, 'the table in docs/permissions.md is the one tested here');
};

$t->psql('DROP SCHEMA fixture_s CASCADE');

done_testing();
