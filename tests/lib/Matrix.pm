# Matrix.pm -- the fixture and the checks of the permission matrices
# (t0350-permission-matrix.t, t0351-sessions-matrix.t): the principals,
# built through the API with every token each could mint, a snapshot of
# the state to put back after a write, and the loop that runs a table's
# rows for every principal and its minted tokens.
#
#   my $F = Matrix::fixture($t, demotions => 1);	# after ApiTest::bind($t)
#   ... what the file adds to the fixture ...
#   Matrix::snapshot($F, 'fixture');	# a schema of this name holds it
#   Matrix::run_rows($F, \@MATRIX, target => \&target, body => \&body_for);
#   Matrix::covers_routes(\@MATRIX, qr{...});	# rows = routes of router.c
#   Matrix::docs_table($F, \@MATRIX, 'matrix');	# = docs/permissions.md's
#   Matrix::done($F);
#
# $F holds what the rows name: P (the principals, in column order), WHO,
# CRED, SELF, OWNORG, OWNTOK, USER_OF, MINTED, U and PW (by user name),
# ADMIN, ORG (setup's), A and B (two orgs), BOBTOK, TYPES, ASKS.
# demotions => 1 adds xoo, xmem and xown: principals that lost a role
# after minting every token they could (issue 25).
package Matrix;

use strict;
use warnings;
use IPC::Open2 qw(open2);
use Test::More;
use TestLib;
use ApiTest;

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

sub bucket { perm('read', type => 'buckets', orgID => $_[0]) }

sub fixture {
	my ($t, %o) = @_;
	my $F = { t => $t, TYPES => \@TYPES, WHO => \%WHO };
	my @x = $o{demotions} ? qw(xoo xmem xown) : ();
	$F->{P} = [ qw(op own oo mem none utok oall oro itok iusr dusr), @x ];
	my $s = given('setup');
	my ($ADMIN, $ORG) = @$F{qw(ADMIN ORG)} = ($s->{user_id}, $s->{org_id});
	my %PW = (admin => 'adminpass1');
	my %U = (admin => $ADMIN);
	for my $n (qw(alice mia nora tess otto rita ivan dave bob carl),
	    @x ? qw(olga max ingo) : ()) {
		$PW{$n} = "pw-$n-12345";
		$U{$n} = given(user => $n, password => $PW{$n});
	}
	@$F{qw(PW U)} = (\%PW, \%U);
	my ($A, $B) = @$F{qw(A B)} = (given(org => 'a'), given(org => 'b'));
	my $role = sub { my ($org, $r, $u) = @_;
		is(call($OP, 'POST', "/api/v2/orgs/$org/${r}s", { id => $U{$u} })->{status},
		    201, "$u $r of $org") };
	$role->($A, 'owner', 'alice');
	$role->($A, 'member', 'mia');
	# A token does no more than its user may do: otto's all-access token
	# is an owner's, rita's read-only one a member's.
	$role->($A, 'owner', 'otto');
	$role->($A, 'member', 'rita');
	if (@x) {
		# The principals that will lose a role, as they are before.
		$role->($A, 'owner', 'olga');
		$role->($A, 'member', 'max');
		$t->psql("UPDATE users SET instance_owner = true WHERE id = '$U{ingo}'");
	}
	for my $org ($ORG, $A, $B) { $role->($org, 'member', 'bob'); $role->($org, 'owner', 'carl') }

	my $tok = sub { my ($u, $org, %to) = @_;
		my $r = call($OP, 'POST', '/api/v2/authorizations', { orgID => $org, userID => $U{$u},
		    $to{status} ? (status => $to{status}) : (), permissions => $to{perms} });
		is($r->{status}, 201, "token for $u") or diag($r->{body});
		return ($r->{json}{token}, $r->{json}{id});
	};
	my %CRED = (op => $s->{token});
	my %OWNTOK = (op => $s->{res}{json}{auth}{id}, own => $s->{res}{json}{auth}{id});
	my %OWNORG = (op => $ORG, own => $ORG, oo => $A, mem => $A, utok => $ORG, oall => $A,
	    oro => $A, itok => $ORG, iusr => $A, dusr => $A, xoo => $A, xmem => $A, xown => $ORG);
	(undef, $OWNTOK{oo}) = $tok->('alice', $A, perms => [ bucket($A) ]);
	(undef, $OWNTOK{mem}) = $tok->('mia', $A, perms => [ bucket($A) ]);
	(undef, $OWNTOK{none}) = $tok->('nora', $ORG, perms => [ perm('read', type => 'users', id => $U{nora}) ]);
	($CRED{utok}, $OWNTOK{utok}) = $tok->('tess', $ORG, perms => [ perm('read', type => 'users', id => $U{tess}),
	    perm('write', type => 'users', id => $U{tess}) ]);
	($CRED{oall}, $OWNTOK{oall}) = $tok->('otto', $A, perms => [ org_all($A) ]);
	($CRED{oro}, $OWNTOK{oro}) = $tok->('rita', $A, perms => [ org_all($A, 1) ]);
	($CRED{itok}, $OWNTOK{itok}) = $tok->('admin', $ORG, status => 'inactive',
	    perms => [ map { my $ty = $_; map { perm($_, type => $ty) } qw(read write) } @TYPES ]);
	($CRED{iusr}, $OWNTOK{iusr}) = $tok->('ivan', $A, perms => [ org_all($A) ]);
	($CRED{dusr}, $OWNTOK{dusr}) = $tok->('dave', $A, perms => [ org_all($A) ]);
	(undef, $F->{BOBTOK}) = $tok->('bob', $B, perms => [ bucket($B) ]);
	my %NAME = (op => 'admin', own => 'admin', oo => 'alice', mem => 'mia', none => 'nora',
	    utok => 'tess', oall => 'otto', oro => 'rita', itok => 'admin', iusr => 'ivan',
	    dusr => 'dave', xoo => 'olga', xmem => 'max', xown => 'ingo');
	my %SELF = map { $_ => $U{ $NAME{$_} } } @{ $F->{P} };
	my %USER_OF = map { $_ => $NAME{$_} } grep { $_ eq 'own' || /^(oo|mem|none|x.*)$/ } @{ $F->{P} };
	$CRED{$_} = 'cookie:' . given(session => $USER_OF{$_},
	    password => $PW{$USER_OF{$_}}) for keys %USER_OF;
	is(call($OP, 'PATCH', "/api/v2/users/$U{ivan}", { status => 'inactive' })->{status},
	    200, 'ivan deactivated');
	is(call($OP, 'DELETE', "/api/v2/users/$U{dave}")->{status}, 204, 'dave deleted');
	@$F{qw(CRED OWNTOK OWNORG SELF USER_OF NAME)} = (\%CRED, \%OWNTOK, \%OWNORG, \%SELF,
	    \%USER_OF, \%NAME);

	# Every token each principal may mint for itself, in its own org,
	# from the same list of asks; kept with its maker.
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
	for my $p (grep { $_ ne 'none' } @{ $F->{P} }) {
		for my $ask (sort keys %ASKS) {
			my $org = $ask eq 'all-access in org b' ? $B : $OWNORG{$p};
			my $r = call($CRED{$p}, 'POST', '/api/v2/authorizations',
			    { orgID => $org, permissions => [ $ASKS{$ask}->($org, $SELF{$p}) ] });
			push @{ $MINTED{$p} }, [ $ask, $r->{json}{token} ] if $r->{status} == 201;
		}
	}
	@$F{qw(ASKS MINTED)} = (\%ASKS, \%MINTED);
	ok(scalar(@{ $MINTED{op} // [] }) == keys %ASKS, 'the operator mints every ask');
	is_deeply([ sort map { $_->[0] } @{ $MINTED{oo} // [] } ], [ 'all-access in its org, users left out',
	    'read-only in its org, users left out' ], 'the org owner mints only within her org, nothing on users');
	is(scalar(@{ $MINTED{$_} // [] }), 0, "$_ mints nothing")
	    for qw(mem utok oall oro itok iusr dusr), @x ? 'xmem' : ();
	return $F unless @x;

	is_deeply([ map { $_->[0] } @{ $MINTED{xoo} } ], [ map { $_->[0] } @{ $MINTED{oo} } ],
	    'an owner about to be lowered mints what an owner mints');
	ok(@{ $MINTED{xown} // [] } >= 5, 'an instance owner about to be demoted mints most asks');
	# The operator gives each of them a token with every permission; then
	# they lose the role.  Its session and every token it had answer from
	# now on as what it is now.
	for my $p (@x) {
		my ($tk, $id) = $tok->($USER_OF{$p}, $OWNORG{$p}, perms => [ $ASKS{'the operator\'s permissions'}->() ]);
		push @{ $MINTED{$p} }, [ 'everything, made by the operator', $tk ];
		$OWNTOK{$p} = $id;
	}
	is(call($OP, 'DELETE', "/api/v2/orgs/$A/owners/$U{olga}")->{status}, 204, 'olga owns a no more');
	$role->($A, 'member', 'olga');
	is(call($OP, 'DELETE', "/api/v2/orgs/$A/members/$U{max}")->{status}, 204, 'max is in a no more');
	$t->psql("UPDATE users SET instance_owner = false WHERE id = '$U{ingo}'");
	return $F;
}

# The fixture as it stands, kept in schema $schema (its own name: in the
# hosted tier every file shares one database) to put back after a write;
# and one psql for the whole run, so a write's check is a query.
sub snapshot {
	my ($F, $schema) = @_;
	my $sql = q{
	CREATE SCHEMA @S;
	CREATE TABLE @S.users AS SELECT * FROM users;
	CREATE TABLE @S.orgs AS SELECT * FROM orgs;
	CREATE TABLE @S.buckets AS SELECT * FROM buckets;
	CREATE TABLE @S.org_members AS SELECT * FROM org_members;
	CREATE TABLE @S.authorizations AS SELECT * FROM authorizations;
	CREATE TABLE @S.sessions AS SELECT * FROM sessions;
	CREATE FUNCTION @S.state() RETURNS text LANGUAGE sql AS $$
	    SELECT md5(concat_ws('|',
	        (SELECT string_agg(concat_ws(',', id, name, status, password_hash, instance_owner), ';' ORDER BY id) FROM users),
	        (SELECT string_agg(concat_ws(',', id, name, description), ';' ORDER BY id) FROM orgs),
	        (SELECT string_agg(concat_ws(',', org_id, user_id, role), ';' ORDER BY org_id, user_id) FROM org_members),
	        (SELECT string_agg(concat_ws(',', id, status, description, permissions::text, token_hash, expires_at, prev_token_hash), ';' ORDER BY id) FROM authorizations),
	        (SELECT string_agg(concat_ws(',', id, user_id), ';' ORDER BY id) FROM sessions),
	        (SELECT count(*) FROM audit_log)))
	$$;
	CREATE TABLE @S.clean AS SELECT @S.state() AS state;
	-- 't' when the last request changed the state; then the fixture is put back.
	CREATE FUNCTION @S.check() RETURNS boolean LANGUAGE plpgsql AS $$
	DECLARE changed boolean := @S.state() <> (SELECT state FROM @S.clean);
	BEGIN
	    IF changed OR EXISTS (SELECT 1 FROM signin_failures) THEN
	        TRUNCATE users, orgs, buckets, org_members, authorizations, sessions,
	                 signin_failures CASCADE;
	        INSERT INTO users SELECT * FROM @S.users;
	        INSERT INTO orgs SELECT * FROM @S.orgs;
	        INSERT INTO buckets SELECT * FROM @S.buckets;
	        INSERT INTO org_members SELECT * FROM @S.org_members;
	        INSERT INTO authorizations SELECT * FROM @S.authorizations;
	        INSERT INTO sessions SELECT * FROM @S.sessions;
	        UPDATE @S.clean SET state = @S.state();
	    END IF;
	    RETURN changed;
	END
	$$;
	};
	$sql =~ s/\@S/$schema/g;
	$F->{t}->psql($sql);
	$F->{schema} = $schema;
	$F->{psql_pid} = open2($F->{psql_out}, $F->{psql_in}, 'psql', '-X', '-A', '-t', '-q',
	    '-v', 'ON_ERROR_STOP=1', '-d', $F->{t}->admin_conninfo);
	$F->{psql_in}->autoflush(1);
}

# 't' when the last request changed the state (the fixture is put back).
sub changed {
	my ($F) = @_;
	print { $F->{psql_in} } "SELECT $F->{schema}.check();\n";
	my $line = readline($F->{psql_out}) // die 'psql ended';
	chomp $line;
	return $line eq 't';
}

# One request of a table as principal $p (credential $cred): the status,
# and whether it changed the state (the fixture is then put back).
sub run_case {
	my ($F, $o, $p, $cred, $method, $tmpl) = @_;
	(my $path = $tmpl) =~ s/\{(\w+)\}/$o->{target}->($p, $1) \/\/ 'none'/ge;
	my %r = (method => $method, path => $path, headers => {});
	my $body = $o->{body}->($p, $method, $tmpl);
	if (defined $body) {
		$r{body} = TestLib->json_encode($body);
		$r{headers}{'Content-Type'} = 'application/json';
	}
	if ($cred =~ /^cookie:(.*)/) {
		$r{headers}{Cookie} = "$COOKIE=$1";
		# A password change by PUT proves the current password of the
		# user the cookie signs in (tokens cannot: Basic takes the header).
		$r{headers}{Authorization} = basic('x', $F->{PW}{ $F->{USER_OF}{$p} }) if $method eq 'PUT';
	} else {
		$r{headers}{Authorization} = "Token $cred";
	}
	my $res = $F->{t}->cgi(%r);
	my $changed = $method =~ /^(GET|HEAD)$/ ? 0 : changed($F);
	return ($res, $changed, $path);
}

sub ok2xx { $_[0] =~ /^2\d\d$/ }

# Each row [method, path template, status per principal] as a subtest:
# every principal answers its status, a refused request changes nothing,
# and a maker refused a request has no minted token that is allowed it.
# target => sub ($p, $name): the id {name} stands for; body => sub ($p,
# $method, $template): the request's body, or undef.
sub run_rows {
	my ($F, $rows, %o) = @_;
	my @P = @{ $F->{P} };
	for my $row (@$rows) {
		my ($method, $tmpl, @want) = @$row;
		subtest "$method $tmpl" => sub {
			for my $i (0 .. $#P) {
				my $p = $P[$i];
				if ($want[$i] eq '-') { pass("$p: not applicable"); next }
				my ($r, $changed, $path) = run_case($F, \%o, $p, $F->{CRED}{$p}, $method, $tmpl);
				is($r->{status}, $want[$i], "$p: $method $path is $want[$i]")
				    or diag("$WHO{$p}: $r->{body}");
				ok(!$changed, "$p: refused, changed nothing") if !ok2xx($r->{status});
				# A session refused its own password for want of
				# the current one was refused a proof, not a
				# permission; what the maker may do, a token may or
				# may not: nothing to ask.
				next if ok2xx($want[$i]) || ($want[$i] == 403
				    && ($r->{json}{message} // '') =~ m{PUT /api/v2/me/password});
				for my $m (@{ $F->{MINTED}{$p} // [] }) {
					my ($mr) = run_case($F, \%o, $p, $m->[1], $method, $tmpl);
					ok(!ok2xx($mr->{status}),
					    "$p, minted ($m->[0]): no more than its maker ($mr->{status})")
					    or diag($mr->{body});
				}
			}
		};
	}
}

# The rows' method and path patterns are the routes of src/router.c whose
# path matches $only (a regex), no more and no fewer.
sub covers_routes {
	my ($rows, $only, $min) = @_;
	my (%seen, %routes);
	$seen{"$_->[0] " . ($_->[1] =~ s/\{\w+\}/:x/gr)} = 1 for @$rows;
	open my $f, '<', "$TestLib::ROOT/src/router.c" or die $!;
	while (<$f>) {
		next unless /^\s*\{ "([A-Z]+)",\s*"([^"]+)"/;
		my ($method, $path) = ($1, $2);
		$routes{"$method " . ($path =~ s/:\w+/:x/gr)} = 1 if $path =~ $only;
	}
	close $f;
	ok(scalar(keys %routes) >= $min, 'routes read from router.c');
	is_deeply([ sort keys %seen ], [ sort keys %routes ], 'the same method and path patterns');
}

# docs/permissions.md carries the table between "<!-- $mark -->" and
# "<!-- end $mark -->" (USERSD_WRITE_DOCS=1 writes it there).
sub docs_table {
	my ($F, $rows, $mark) = @_;
	my @P = @{ $F->{P} };
	my $md = "| method | path | " . join(' | ', @P) . " |\n|---|---|" . ('---|' x @P) . "\n";
	$md .= "| $_->[0] | `$_->[1]` | " . join(' | ', @{$_}[2 .. $#$_]) . " |\n" for @$rows;
	my $doc = "$TestLib::ROOT/docs/permissions.md";
	open my $f, '<', $doc or die "$doc: $!";
	my $text = do { local $/; <$f> };
	close $f;
	my ($in) = $text =~ /<!-- \Q$mark\E -->\n(.*?)<!-- end \Q$mark\E -->/s;
	if ($ENV{USERSD_WRITE_DOCS}) {
		$text =~ s/(<!-- \Q$mark\E -->\n).*?(<!-- end \Q$mark\E -->)/$1$md$2/s;
		open my $o, '>', $doc or die $!;
		print $o $text;
		close $o;
		$in = $md;
	}
	is($in, $md, 'the table in docs/permissions.md is the one tested here');
}

# Ends the run's psql and drops the snapshot.
sub done {
	my ($F) = @_;
	close $F->{psql_in};
	waitpid($F->{psql_pid}, 0);
	$F->{t}->psql("DROP SCHEMA $F->{schema} CASCADE");
}

1;
