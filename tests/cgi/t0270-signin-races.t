# t0270-signin-races.t -- sign-in against what happens meanwhile: parallel
# wrong guesses cannot pass the throttle together (the attempt is counted
# before the hash, under a lock), and a session whose password was checked
# before a password change, deactivation or revocation does not outlive it
# (the credential generation).  The parallel parts are bounded: a fixed
# number of requests, each with its own timeout.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Fcntl ();
use File::Temp qw(tempdir);
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);
use Digest::SHA qw(sha256_hex);
use TestLib;
use ApiTest;

my $t = TestLib->new;
# Enough hash slots that no attempt is refused for want of one: the
# throttle alone must say no.
my %ENV_ALL = (USERSD_HASH_CONCURRENCY => 32);
ApiTest::bind($t, env => \%ENV_ALL);
given('setup');

my $dir = tempdir(CLEANUP => 1);

# in_parallel(n, sub { ... }): runs the sub in n processes at once; each
# returns a list of strings, and the lines of all come back.  Children
# report through files and leave with _exit, so Test::More sees none of
# them.
sub in_parallel {
	my ($n, $code) = @_;
	my @pids;
	for my $i (1 .. $n) {
		my $pid = fork // die "fork: $!";
		if ($pid == 0) {
			my @out = eval { $code->($i) };
			open(my $fh, '>', "$dir/out.$$") or POSIX::_exit(1);
			print $fh "$_\n" for @out;
			close $fh;
			POSIX::_exit(0);
		}
		push @pids, $pid;
	}
	my @lines;
	for my $pid (@pids) {
		waitpid($pid, 0);
		open(my $fh, '<', "$dir/out.$pid") or next;
		push @lines, map { chomp; $_ } <$fh>;
		close $fh;
		unlink "$dir/out.$pid";
	}
	return @lines;
}

sub gen_of {
	my ($name) = @_;
	return one("SELECT credential_gen FROM users WHERE name = " . lit($name));
}

subtest '16 parallel wrong guesses: at most signin_max_failures are verified' => sub {
	given(user => 'pat', password => 'patpass123');
	# A lockout that outlasts 17 sign-ins on a loaded machine (the
	# default 2 s ended before the last one, under ASan, files at once).
	my %lock = (USERSD_SIGNIN_LOCKOUT => 300);
	my @st = in_parallel(16, sub {
		my $r = call(basic('pat', "wrong-guess-$_[0]"), 'POST',
		    '/api/v2/signin', undef, env => { REMOTE_ADDR => "192.0.2.$_[0]", %lock });
		return "$r->{status} " . ($r->{json}{message} // '');
	});
	is(scalar @st, 16, 'sixteen answers');
	my $n401 = grep { /^401 / } @st;
	my $n429 = grep { /^429 too many failed sign-in attempts/ } @st;
	cmp_ok($n401, '<=', 5, "no more than 5 guesses verified (got $n401)") or diag(join "\n", @st);
	is($n401 + $n429, 16, 'every other guess is throttled (429), none errs');
	is(one("SELECT failures FROM signin_failures WHERE kind = 'user' AND key = 'pat'"), $n401,
	    'the count holds exactly the verified guesses');
	is(call(basic('pat', 'patpass123'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '192.0.2.99', %lock })->{status}, 429,
	    'the right password is throttled too');
};

subtest 'parallel right passwords leave nothing counted' => sub {
	given(user => 'quin', password => 'quinpass12');
	my @st = in_parallel(8, sub {
		my $r = call(basic('quin', 'quinpass12'), 'POST', '/api/v2/signin',
		    undef, env => { REMOTE_ADDR => '192.0.2.200' });
		return "$r->{status} " . ($r->{headers}{'retry-after'} // '-');
	});
	# An attempt counts as a failure until its hash says otherwise, so
	# at most 5 (signin_max_failures) of one name are in flight at once.
	my $n204 = grep { /^204 / } @st;
	cmp_ok($n204, '>=', 5, "at least five of eight sign-ins at once: 204 (got $n204)");
	is(scalar(grep { /^(204|429) / } @st), 8, 'the rest 429, nothing else') or diag("@st");
	is(one("SELECT coalesce(sum(failures), 0) FROM signin_failures WHERE kind = 'user' AND key = 'quin'"), 0,
	    'no count is left for the name');
	is(one("SELECT failures FROM signin_failures WHERE kind = 'addr' AND key = '192.0.2.200'"), 0,
	    'nor for the address');
	is(call(basic('quin', 'quinpass12'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '192.0.2.200' })->{status}, 204,
	    'and the next sign-in goes straight in');
};

subtest 'blocked attempts under ever new names write nothing' => sub {
	my %env = (USERSD_SIGNIN_MAX_FAILURES_PER_ADDR => 2);
	call(basic("flood$_", 'whatever12'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '192.0.2.88', %env }) for 1 .. 2;
	my $before = one("SELECT count(*) FROM signin_failures");
	for my $i (3 .. 12) {
		is(call(basic("flood$i", 'whatever12'), 'POST', '/api/v2/signin', undef,
		    env => { REMOTE_ADDR => '192.0.2.88', %env })->{status}, 429,
		    "flood$i from the blocked address: 429");
	}
	is(one("SELECT count(*) FROM signin_failures"), $before, 'and no new row');
};

subtest 'an attempt refused for want of a hash share is not counted' => sub {
	my $id = given(user => 'rae', password => 'raepass123');
	my $cookie = given(session => 'rae', password => 'raepass123');
	my $slots = tempdir(CLEANUP => 1);
	chmod 0777, $slots;
	# The instance's one share of its one slot is taken (t0275).
	my $inst = $ENV{USERSD_INSTANCE} // '';
	open(my $lock, '>', "$slots/usersd-share-$inst.0.lock") or die "lock: $!";
	flock($lock, Fcntl::LOCK_EX()) or die "flock: $!";
	my %full = (USERSD_RUN_DIR => $slots, USERSD_HASH_CONCURRENCY => 1);
	for my $i (1 .. 6) {
		my $r = call(basic('rae', "wrong-$i-pass"), 'POST', '/api/v2/signin',
		    undef, env => { REMOTE_ADDR => '192.0.2.77', %full });
		is($r->{status}, 429, "sign-in $i with its share busy: 429");
		like($r->{json}{message} // '', qr/password checks at once/, 'for want of a slot');
	}
	my $r = call("cookie:$cookie", 'PUT', '/api/v2/me/password',
	    { password => 'raepass456' }, headers => { Authorization => basic('rae',
	    'wrong-pass') }, env => \%full);
	is($r->{status}, 429, 'a current-password check with its share busy: 429');
	is(one("SELECT coalesce(sum(failures), 0) FROM signin_failures WHERE key IN ('rae', '192.0.2.77', '127.0.0.1')"), 0,
	    'none of them counts as a failure');
	close $lock;
	is(call(basic('rae', 'raepass123'), 'POST', '/api/v2/signin', undef,
	    env => { REMOTE_ADDR => '192.0.2.77' })->{status}, 204,
	    'with the slot free, the right password goes straight in');
};

subtest 'what bumps the credential generation, and what does not' => sub {
	my $id = given(user => 'gail', password => 'gailpass12');
	my $g = gen_of('gail');
	call($OP, 'POST', "/api/v2/users/$id/password", { password => 'gailpass34' });
	is(gen_of('gail'), $g + 1, 'a password set by the API');
	call($OP, 'PATCH', "/api/v2/users/$id", { status => 'inactive' });
	is(gen_of('gail'), $g + 2, 'deactivation');
	call($OP, 'PATCH', "/api/v2/users/$id", { status => 'active' });
	is(gen_of('gail'), $g + 2, 'not reactivation');
	call($OP, 'PATCH', "/api/v2/users/$id", { name => 'gail2' });
	is(gen_of('gail2'), $g + 2, 'not a rename');
	$t->psql("SELECT usersd_revoke_sessions('gail2')");
	is(gen_of('gail2'), $g + 3, 'usersd_revoke_sessions()');
	$t->psql("UPDATE users SET password_hash = 'x' WHERE name = 'gail2'");
	is(gen_of('gail2'), $g + 4, 'a plain UPDATE of the hash in psql');
	# The database cannot tell a rehash of the same password from a new
	# one (argon2 runs in C): a rehash moves the generation too.
	is(one("SELECT usersd_rehash_password('$id', 'y', 'x')"), $g + 5,
	    'a rehash returns the new generation');
	is(gen_of('gail2'), $g + 5, 'a rehash of the same password');
	is(one("SELECT password_hash FROM users WHERE id = '$id'"), 'y', 'the rehash was stored');
	is(one("SELECT usersd_rehash_password('$id', 'z', 'x')"), undef,
	    'a rehash loses to a change made since its hash was read (NULL)');
	is(gen_of('gail2'), $g + 5, 'and moves nothing');
	# The marker the function sets spares nothing: a hand-set one neither
	# skips the bump nor the audit row (at most it names a change "rehash").
	my ($audits) = $t->psql("SELECT count(*) FROM audit_log WHERE target_id = '$id'");
	$t->psql("SET usersd.rehash = 'on'; UPDATE users SET password_hash = 'w', name = 'gail3' WHERE id = '$id'");
	is(gen_of('gail3'), $g + 6, 'a hand-set usersd.rehash does not spare a change its bump');
	my ($after) = $t->psql("SELECT count(*) FROM audit_log WHERE target_id = '$id'");
	is($after->[0], $audits->[0] + 1, 'nor its audit row');
};

subtest 'a session of an older generation is refused' => sub {
	my $id = given(user => 'hal', password => 'halpass123');
	my $cookie = given(session => 'hal', password => 'halpass123');
	is(call("cookie:$cookie", 'GET', '/api/v2/me')->{status}, 200, 'the session works');
	my $forged = 'A' x 86;
	my $g = gen_of('hal');
	$t->psql("INSERT INTO sessions (id_hash, user_id, expires_at, max_expires_at, credential_gen) "
	    . "VALUES ('" . sha256_hex($forged) . "', '$id', now() + interval '1 hour', "
	    . "now() + interval '1 hour', " . ($g - 1) . ")");
	is(call("cookie:$forged", 'GET', '/api/v2/me')->{status}, 401,
	    'a session row one generation behind: 401');
	$t->psql("UPDATE sessions SET credential_gen = $g WHERE id_hash = '" . sha256_hex($forged) . "'");
	is(call("cookie:$forged", 'GET', '/api/v2/me')->{status}, 200,
	    'control: the same row at the current generation works');
	$t->psql("UPDATE users SET credential_gen = credential_gen + 1 WHERE id = '$id'");
	is(call("cookie:$cookie", 'GET', '/api/v2/me')->{status}, 401,
	    'a bump ends the real session too');
	is(one("SELECT active_sessions FROM admin_users WHERE id = '$id'"), 0,
	    'admin_users counts no stale session');
	is(one("SELECT count(*) FROM admin_sessions WHERE user_id = '$id'"), 0,
	    'admin_sessions lists none');
};

subtest 'changing one\'s own password keeps the session that changed it' => sub {
	my $id = given(user => 'ivy', password => 'ivypass123');
	my $cookie = given(session => 'ivy', password => 'ivypass123');
	my $other = given(session => 'ivy', password => 'ivypass123');
	my $r = call("cookie:$cookie", 'PUT', '/api/v2/me/password',
	    { password => 'ivypass456' }, headers => { Authorization => basic('ivy',
	    'ivypass123') });
	is($r->{status}, 204, 'PUT /me/password') or diag($r->{body});
	is(call("cookie:$cookie", 'GET', '/api/v2/me')->{status}, 200,
	    'the changing session lives on');
	is(call("cookie:$other", 'GET', '/api/v2/me')->{status}, 401,
	    'the other session ended');
};

# A change made in psql holds the user's row while PUT /me/password runs:
# its check of the current password reads the old row, its UPDATE waits,
# and once psql commits the change must win.  The psql transaction runs in
# a child; the request starts while it sleeps with the row locked.
sub own_change_during {
	my ($name, $sql) = @_;
	given(user => $name, password => "first-$name-pw");
	my $cookie = given(session => $name, password => "first-$name-pw");
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		$t->psql("BEGIN; $sql; SELECT pg_sleep(1.5); COMMIT;");
		POSIX::_exit(0);
	}
	sleep 0.4;
	my $r = call("cookie:$cookie", 'PUT', '/api/v2/me/password',
	    { password => "mine-$name-pw" }, headers => { Authorization => basic($name,
	    "first-$name-pw") });
	waitpid($pid, 0);
	return ($r, $cookie);
}

subtest 'an operator\'s reset during a PUT /me/password wins' => sub {
	given(user => 'opset', password => 'operator-chosen-pw');
	my ($r, $cookie) = own_change_during('kim', "UPDATE users SET password_hash = "
	    . "(SELECT password_hash FROM users WHERE name = 'opset') WHERE name = 'kim'");
	is_error($r, 401, 'unauthorized',
	    'the credentials changed while the password was checked; sign in again');
	is(call(basic('kim', 'operator-chosen-pw'), 'POST', '/api/v2/signin')->{status},
	    204, 'the operator\'s password stands');
	is(call(basic('kim', 'mine-kim-pw'), 'POST', '/api/v2/signin')->{status}, 401,
	    'the one sent with the old password does not');
	is(call("cookie:$cookie", 'GET', '/api/v2/me')->{status}, 401,
	    'and the session that sent it is over');
};

subtest 'a deactivation during a PUT /me/password ends the session for good' => sub {
	my ($r, $cookie) = own_change_during('lou', "UPDATE users SET status = 'inactive' WHERE name = 'lou'");
	is($r->{status}, 401, 'the change is refused') or diag($r->{body});
	$t->psql("UPDATE users SET status = 'active' WHERE name = 'lou'");
	is(call("cookie:$cookie", 'GET', '/api/v2/me')->{status}, 401,
	    'the session stays over once the user is reactivated');
	is(call(basic('lou', 'first-lou-pw'), 'POST', '/api/v2/signin')->{status}, 204,
	    'the password is unchanged');
};

# Sign-in loops for each of @names with its first password while the
# operator changes every credential in the middle; every cookie they got
# must be dead once all is over.  Without the generation, a sign-in whose
# hash ran across the change inserted a live session afterwards.  (A
# revocation leaves the password valid, so later sign-ins rightly live:
# the generation subtests above show it ends the sessions in flight.)
sub race {
	my ($what, $change, $after) = @_;
	my @names = map { "$what$_" } 1 .. 6;
	my %id = map { $_ => given(user => $_, password => "first-$_") } @names;
	my $start = time;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		sleep 0.6;
		$change->($id{$_}) for @names;
		POSIX::_exit(0);
	}
	my @cookies = in_parallel(scalar @names, sub {
		my $name = $names[$_[0] - 1];
		my @got;
		# Bounded: 40 sign-ins or 3 seconds, whichever comes first.
		for (1 .. 40) {
			last if time - $start > 3;
			my $c = cookie_value(call(basic($name, "first-$name"), 'POST',
			    '/api/v2/signin'));
			push @got, $c if defined $c;
		}
		return @got;
	});
	waitpid($pid, 0);
	$after->($id{$_}) for $after ? @names : ();
	ok(scalar @cookies, scalar(@cookies) . " sessions opened with the first passwords");
	my @live = grep { call("cookie:$_", 'GET', '/api/v2/me')->{status} == 200 } @cookies;
	is(scalar @live, 0, "no session made with the first password outlives the $what")
	    or diag(scalar(@live) . ' live');
}

subtest 'a sign-in that overlaps a password reset keeps no session' => sub {
	race('reset', sub { call($OP, 'POST', "/api/v2/users/$_[0]/password",
	    { password => 'second-password' }) });
};

# An inactive user's session is refused anyway; the one that slipped past
# the deactivation would come back with the reactivation.
subtest 'a sign-in that overlaps a deactivation keeps no session, even once reactivated' => sub {
	race('deact', sub { call($OP, 'PATCH', "/api/v2/users/$_[0]",
	    { status => 'inactive' }) },
	    sub { call($OP, 'PATCH', "/api/v2/users/$_[0]", { status => 'active' }) });
};

done_testing();
