# t0320-doc-curl.t -- the curl commands of the InfluxDB documentation work
# unchanged through "make run" (scripts/run.sh: nginx in front of the usersd
# master, its own PostgreSQL cluster).
#
# The commands are the contract's x-codeSamples for /api/v2/signin,
# /signout, /users, /users/{userID}/password (POST and PUT), the ```sh
# examples of its Basic authentication section, and -- where the contract
# has no sample (/me, /me/password, GET /users, /users/{userID}) -- the
# "Example request" of the InfluxDB Users API documentation
# (docs.influxdata.com/influxdb/v2/api/users/).  Each one runs in bash as
# written: the same options, the same quoting and here-documents; only the
# placeholders are filled in (localhost:8086, USERNAME, PASSWORD,
# INFLUX_TOKEN, USER_ID, ... and the variables $INFLUX_URL,
# $INFLUX_USER_NAME, $INFLUX_USER_PASSWORD of the samples, which are set in
# the environment), and the indentation that sets the commands apart from
# the comments is removed, as a reader copying them does (a here-document's
# EOF must start its line).  The copies below are checked against the
# contract (../shared/openapi/influxdb-oss-v2.yml, or $USERSD_OPENAPI) when
# it is there, so a changed sample fails here.
#
# How a call is observed: "curl" in the commands' PATH is a small recorder
# that runs the real curl with the same arguments plus --dump-header FILE
# (writes the response headers to a file; it changes nothing that is sent)
# and copies the body to a file.  $HOME is a temporary directory (no
# ~/.curlrc), and a proxy that refuses at once on 127.0.0.1 stands for
# every host but 127.0.0.1: one sample has a typo ("curl request POST") that
# makes curl fetch http://request/ and http://POST/ too, and that must not
# leave the machine.
#
# Then make run itself: the commands its banner prints work too, and
# SIGTERM stops run.sh, nginx, the usersd master and PostgreSQL.  Last,
# USERSD_WEB=lighttpd on the same state directory: lighttpd answers the
# contract's sign-in with its own 411 (JSON), the caveat docs/deploy.md
# states, and the commands make run prints for it (-d '') work.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

my $ROOT = $TestLib::ROOT;
my $JSON = JSON::PP->new->utf8->canonical;

for my $prog (qw(curl jq nginx bash setsid)) {
	# jq: the contract's POST /api/v2/users sample pipes the answer through it.
	TestLib::cannot_run("$prog is not installed") unless TestLib::Server::_which($prog);
}
-x $TestLib::BIN && -x $TestLib::CTL
    or TestLib::cannot_run("no $TestLib::BIN or $TestLib::CTL (run make)");

# ---------------------------------------------------------------------------
# The commands, verbatim.  YAML line numbers: influxdb-oss-v2.yml as of
# ad26a178 (../shared/openapi/SOURCE.md).

# PostSignin x-codeSamples, lines 15684-15685.
my $SIGNIN = <<'SH';
curl --request POST http://localhost:8086/api/v2/signin \
     --user "USERNAME:PASSWORD"
SH

# PostSignout x-codeSamples, lines 15744-15790.  NOTE: the line "an HTTP
# `204` status code." lost its "#": bash runs it (and fails) between steps
# 3 and 4, as it would for a reader who pastes the sample whole.
my $SIGNOUT = <<'SH';
# The following example shows how to use cURL and the InfluxDB API
# to do the following:
# 1. Sign in a user with a username and password.
# 2. Check that the user session exists for the user.
# 3. Sign out the user to expire the session.
# 4. Check that the session is no longer active.

# 1. Send a request to `POST /api/v2/signin` to sign in the user.
#    In your request, pass the following:
#
#      - `--user` option with basic authentication credentials.
#      - `-c` option with a file path where cURL will write cookies.

      curl --request POST \
        -c ./cookie-file.tmp \
        "$INFLUX_URL/api/v2/signin" \
        --user "${INFLUX_USER_NAME}:${INFLUX_USER_PASSWORD}"

# 2. To check that a user session exists for the user in step 1,
#    send a request to `GET /api/v2/me`.
#    In your request, pass the `-b` option with the session cookie file path from step 1.

      curl --request GET \
        -b ./cookie-file.tmp \
        "$INFLUX_URL/api/v2/me"

#    InfluxDB responds with the `user` resource.

# 3. Send a request to `POST /api/v2/signout` to expire the user session.
#    In your request, pass the `-b` option with the session cookie file path from step 1.

      curl --request POST \
        -b ./cookie-file.tmp \
        "$INFLUX_URL/api/v2/signout"

#     If the user session is successfully expired, InfluxDB responds with
      an HTTP `204` status code.

# 4. To check that the user session is expired, call `GET /api/v2/me` again,
#    passing the `-b` option with the cookie file path.

      curl --request GET \
        -b ./cookie-file.tmp \
        "$INFLUX_URL/api/v2/me"

#    If the user session is expired, InfluxDB responds with an HTTP `401` status code.
SH

# PostUsers x-codeSamples, lines 18524-18551.  NOTE: "curl request POST"
# (no "--") makes curl fetch "request" and "POST" as URLs before the real
# one; the password is still set, by the third URL.  Both paths end in "/".
my $USERS = <<'SH';
# The following steps show how to create a user and then set
# the user's password:
#
# 1. Send a request to this endpoint to create a user--for example:

      USER=$(curl --request POST \
              "INFLUX_URL/api/v2/users/" \
              --header "Authorization: Token INFLUX_API_TOKEN" \
              --header 'Content-type: application/json' \
              --data-binary @- << EOF
              {
                "name": "USER_NAME",
                "status": "active"
              }
      EOF
      )

# 2. Extract the id property from the response in step 1--for example:

      USER_ID=`echo $USER | jq -r '.id'`

# 3. To set the user's password, set the password property in a request
#    to the /api/v2/users/USER_ID/password endpoint--for example:

      curl request POST "INFLUX_URL/api/v2/users/$USER_ID/password/" \
        --header "Authorization: Token INFLUX_API_TOKEN" \
        --header 'Content-type: application/json' \
        --data '{ "password": "USER_PASSWORD" }'
SH

# PostUsersIDPassword x-codeSamples, lines 18753-18759.
my $USER_PW_POST = <<'SH';
curl --request POST \
   "http://localhost:8086/api/v2/users/USER_ID/password" \
  --header 'Content-type: application/json' \
  --header "Authorization: Token INFLUX_TOKEN" \
  --data-binary @- << EOF
    {"password": "NEW_USER_PASSWORD"}
EOF
SH

# PutUsersIDPassword x-codeSamples, lines 18831-18840.  The PUT carries
# the cookie but no Basic credentials: usersd refuses it (401, the current
# password is required; docs/compatibility.md), InfluxDB answers 500.
my $USER_PW_PUT = <<'SH';
curl -c ./cookie-file.tmp --request POST \
   "http://localhost:8086/api/v2/signin" \
  --user "${INFLUX_USER_NAME}:${INFLUX_USER_PASSWORD}"

curl -b ./cookie-file.tmp --request PUT \
   "http://localhost:8086/api/v2/users/USER_ID/password" \
  --header 'Content-type: application/json' \
  --data-binary @- << EOF
    {"password": "NEW_USER_PASSWORD"}
EOF
SH

# components.securitySchemes.BasicAuthentication, ```sh blocks at lines
# 6763-6764 and 6791-6792.  NOTE: both GET /api/v2/signin (a POST-only
# route) and lack the "\" that would join their two lines, so bash runs
# "--user ..." / "--header ..." as a command of its own.
my @BASIC = (<<'SH', <<'SH');
curl --get "INFLUX_URL/api/v2/signin"
    --user "USERNAME":"PASSWORD"
SH
curl --get "INFLUX_URL/api/v2/signin"
    --header "Authorization: Basic VVNFUk5BTUU6UEFTU1dPUkQ="
SH

# The contract has no sample for PUT /api/v2/me/password; its description
# (lines 11303-11314) gives the three steps: sign in with Basic
# credentials, then PUT with the session cookie, the Basic credentials and
# {"password": "NEW_PASSWORD"}.  This is the PutUsersIDPassword sample
# above with that path and the Basic credentials the description asks for
# (--user): the contract's own way of writing those steps.
my $ME_PW = <<'SH';
curl -c ./cookie-file.tmp --request POST \
   "http://localhost:8086/api/v2/signin" \
  --user "${INFLUX_USER_NAME}:${INFLUX_USER_PASSWORD}"

curl -b ./cookie-file.tmp --request PUT \
   "http://localhost:8086/api/v2/me/password" \
  --user "${INFLUX_USER_NAME}:${INFLUX_USER_PASSWORD}" \
  --header 'Content-type: application/json' \
  --data-binary @- << EOF
    {"password": "NEW_PASSWORD"}
EOF
SH

# The InfluxDB Users API documentation, "Example request" of each
# operation without an x-codeSample.  docs-v2 builds them from the
# contract (layouts/partials/api/code-sample.html: --request METHOD, the
# URL with {param} left in, "Authorization: Bearer INFLUX_TOKEN", the JSON
# body from the schema: a property's example, default or first enum
# value, else its name in capitals).  The GET /api/v2/me one is copied
# from the published page.
my %DOCS;
$DOCS{get_me} = <<'SH';
curl --request GET \
  "http://localhost:8086/api/v2/me" \
  --header "Authorization: Bearer INFLUX_TOKEN"
SH
# PasswordResetBody: {password: string}.  Bearer token, no Basic: refused
# (401, the current password is required), as by InfluxDB (500).
$DOCS{put_me_password} = <<'SH';
curl --request PUT \
  "http://localhost:8086/api/v2/me/password" \
  --header "Authorization: Bearer INFLUX_TOKEN" \
  --header "Content-Type: application/json" \
  --data-raw '{
  "password": "PASSWORD"
}'
SH
$DOCS{get_users} = <<'SH';
curl --request GET \
  "http://localhost:8086/api/v2/users" \
  --header "Authorization: Bearer INFLUX_TOKEN"
SH
$DOCS{get_user} = <<'SH';
curl --request GET \
  "http://localhost:8086/api/v2/users/{userID}" \
  --header "Authorization: Bearer INFLUX_TOKEN"
SH
# User: id (string), name (string), status (default active).
$DOCS{patch_user} = <<'SH';
curl --request PATCH \
  "http://localhost:8086/api/v2/users/{userID}" \
  --header "Authorization: Bearer INFLUX_TOKEN" \
  --header "Content-Type: application/json" \
  --data-raw '{
  "id": "ID",
  "name": "NAME",
  "status": "active"
}'
SH
$DOCS{delete_user} = <<'SH';
curl --request DELETE \
  "http://localhost:8086/api/v2/users/{userID}" \
  --header "Authorization: Bearer INFLUX_TOKEN"
SH

# ---------------------------------------------------------------------------
# The copies against the contract.

my $YAML = $ENV{USERSD_OPENAPI} // "$ROOT/../shared/openapi/influxdb-oss-v2.yml";
my @Y;
if (open my $fh, '<', $YAML) {
	@Y = <$fh>;
	chomp @Y;
}

sub indent { $_[0] =~ /^( *)/; return length $1 }

# The block scalar that starts after line index $i ("key: |"), with its
# indentation removed; and its first line number.
sub yaml_block {
	my ($i) = @_;
	my ($key, $bi, @b) = (indent($Y[$i]));
	for my $l (@Y[$i + 1 .. $#Y]) {
		if ($l =~ /^\s*$/) { push @b, ''; next }
		last if indent($l) <= $key;
		$bi //= indent($l);
		push @b, substr($l, $bi);
	}
	pop @b while @b && $b[-1] eq '';
	return (join('', map { "$_\n" } @b), $i + 2);
}

# The first x-codeSamples source of operation $opid.
sub yaml_sample {
	my ($opid) = @_;
	my ($at) = grep { $Y[$_] =~ /^ {6}operationId: \Q$opid\E$/ } 0 .. $#Y;
	return unless defined $at;
	my $op = $at;
	$op-- while $op > 0 && indent($Y[$op]) > 4;
	for (my $j = $op + 1; $j < @Y && ($Y[$j] =~ /^\s*$/ || indent($Y[$j]) > 4); $j++) {
		return yaml_block($j) if $Y[$j] =~ /^\s+(?:- )?source: \|$/;
	}
	return;
}

# The ```sh blocks of the BasicAuthentication scheme's description.
sub yaml_basic_examples {
	my ($at) = grep { $Y[$_] =~ /^ {4}BasicAuthentication:$/ } 0 .. $#Y;
	return () unless defined $at;
	my (@ex, $cur, $fi);
	for (my $j = $at + 1; $j < @Y && ($Y[$j] =~ /^\s*$/ || indent($Y[$j]) > 4); $j++) {
		if (!defined $cur && $Y[$j] =~ /^(\s*)```sh$/) {
			($cur, $fi) = ('', length $1);
		} elsif (defined $cur && $Y[$j] =~ /^\s*```$/) {
			push @ex, $cur;
			undef $cur;
		} elsif (defined $cur) {
			$cur .= substr($Y[$j], $fi) . "\n";
		}
	}
	return @ex;
}

subtest 'the commands here are the contract\'s' => sub {
	if (!@Y) {
		# The contract lives beside the checkout, not in it.
		plan skip_all => "no contract at $YAML: running the copies";
	}
	my %samples = (PostSignin => \$SIGNIN, PostSignout => \$SIGNOUT,
	    PostUsers => \$USERS, PostUsersIDPassword => \$USER_PW_POST,
	    PutUsersIDPassword => \$USER_PW_PUT);
	for my $op (sort keys %samples) {
		my ($text, $line) = yaml_sample($op);
		ok(defined $text, "$op has a code sample") or next;
		is($text, ${ $samples{$op} }, "$op: the sample at line $line");
		# Run what the contract says, should the two ever differ.
		${ $samples{$op} } = $text;
	}
	for my $op (qw(GetMe PutMePassword GetUsers GetUsersID PatchUsersID
	    DeleteUsersID)) {
		ok(!defined((yaml_sample($op))[0]),
		    "$op has no code sample (the Users API documentation's is used)");
	}
	my @ex = yaml_basic_examples();
	is(scalar @ex, 2, 'two ```sh examples in BasicAuthentication');
	is($ex[$_], $BASIC[$_], "BasicAuthentication example " . ($_ + 1))
	    for grep { defined $ex[$_] } 0 .. 1;
	@BASIC = @ex if @ex == 2;
};

# ---------------------------------------------------------------------------
# make run, in a directory of its own.

my $tmp = tempdir('usersd-t0320-XXXXXX', TMPDIR => 1,
    CLEANUP => !$ENV{USERSD_TEST_KEEP});
chmod 0755, $tmp;
my $VAR = "$tmp/var";
my $PORT = TestLib::Server::_free_port();
my $URL = "http://127.0.0.1:$PORT";
my %runenv = map { $_ => $ENV{$_} } grep { !/^(USERSD_|PG)/ } keys %ENV;
%runenv = (%runenv, USERSD_VAR => $VAR, USERSD_PORT => $PORT,
    USERSD_BIN => $TestLib::BIN, USERSCTL_BIN => $TestLib::CTL,
    USERSD_RUN_DIR => $ENV{USERSD_RUN_DIR});
# The postgres user (PostgreSQL as root) and www-data (nginx's workers)
# need to reach $VAR: a directory under /tmp, mode 0755.

my ($RUNPID, $RUNLOG, @SEEN);	# the running run.sh, its log, its servers

# On any way out: run.sh and whatever it started must not outlive us.
END {
	my $rc = $?;
	if ($RUNPID) {
		kill 'TERM', $RUNPID;
		my $until = time + 30;
		sleep 0.1 while waitpid($RUNPID, WNOHANG) == 0 && time < $until;
		if (kill 0, $RUNPID) {
			kill 'KILL', $RUNPID;
			waitpid($RUNPID, 0);
		}
		# Its servers, if its own cleanup did not get to them.
		TestLib::Server::wait_gone(10, @SEEN) or kill 'KILL',
		    grep { TestLib::Server::alive($_) } @SEEN;
		system("$ROOT/tests/lib/pg.sh", 'stop', "$VAR/pg");
	}
	$? = $rc;
}
# run.sh has a session of its own: a signal that kills this test (prove's
# Ctrl-C, a closed pipe) must still go through END.
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP PIPE);

sub runlog {
	open my $f, '<', $RUNLOG or return '';
	local $/;
	return <$f> // '';
}

# start_run(name, VAR => value ...): scripts/run.sh in the background (a
# session of its own), until it answers /ping; 1 on success, else a
# failed test.  Records its servers for stop_run.
sub start_run {
	my ($name, %env) = @_;
	my $t0 = time;
	$RUNLOG = "$tmp/$name.log";
	$RUNPID = TestLib::Server::_spawn($RUNLOG, { %runenv, %env }, 'bash',
	    "$ROOT/scripts/run.sh");
	my $http = HTTP::Tiny->new(timeout => 5);
	my $exited;
	my $up = TestLib::within(120, sub {
		return 1 if $http->get("$URL/ping")->{status} == 204;
		return $exited = 1 if waitpid($RUNPID, WNOHANG) > 0;
		return 0;
	});
	if (!$up || $exited) {
		fail("$name: make run starts and answers /ping");
		diag(runlog());
		undef $RUNPID if $exited;
		return 0;
	}
	pass(sprintf '%s: make run starts and answers /ping (%.1f s)', $name, time - $t0);
	# It prints how to call it once it is up: a loaded machine may answer
	# /ping a moment before those lines are written.
	TestLib::within(30, sub { (() = runlog() =~ /^  curl /mg) >= 5 })
	    or diag("$name: make run printed no curl lines within 30 s");
	@SEEN = ();
	for my $kid (TestLib::Server::children_of($RUNPID)) {
		push @SEEN, $kid, TestLib::Server::children_of($kid);
	}
	return 1;
}

# stop_run(web server's name): SIGTERM to run.sh alone, as systemd or a
# shell would send it; run.sh, its servers and PostgreSQL must be gone.
sub stop_run {
	my ($web) = @_;
	my @pids = @SEEN;
	ok(@pids >= 3, 'run.sh had started servers (' . scalar(@pids) . ' processes)');
	my $t = time;
	kill 'TERM', $RUNPID;
	my $until = time + 30;
	sleep 0.05 while waitpid($RUNPID, WNOHANG) == 0 && time < $until;
	if (kill 0, $RUNPID) {
		fail('run.sh exits within 30 s');
		return;
	}
	undef $RUNPID;
	is($?, 0, sprintf('run.sh exits 0 (%.1f s)', time - $t)) or diag(runlog());
	ok(TestLib::Server::wait_gone(5, @pids), "$web and the usersd master are gone")
	    or diag(`ps -o pid,args -p @{[ join ',', @pids ]}`);
	ok(!-e "$VAR/pg/data/postmaster.pid", 'PostgreSQL is stopped');
	ok(!IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $PORT,
	    Proto => 'tcp', Timeout => 2), 'nothing listens on the port');
}

if (!start_run('nginx')) {
	done_testing();
	exit 1;
}

sub slurp {
	my ($f) = @_;
	open my $fh, '<', $f or return undef;
	my $s = do { local $/; <$fh> } // '';
	chomp $s;
	return $s;
}
my $OP = slurp("$VAR/operator-token");
my $ADMINPW = slurp("$VAR/admin-password");
ok(length($OP // '') && length($ADMINPW // ''),
    'the operator token and the admin password are in USERSD_VAR');

# ---------------------------------------------------------------------------
# Running a command.

my $real_curl = TestLib::Server::_which('curl');
my $WORK = "$tmp/work";	# the commands' working directory (./cookie-file.tmp)
my $REC = "$tmp/rec";	# what the recorder saw
mkdir $_ or die "mkdir $_: $!" for $WORK, $REC, "$tmp/bin", "$tmp/home";
open my $w, '>', "$tmp/bin/curl" or die "$tmp/bin/curl: $!";
print $w <<'SH';
#!/bin/bash
# t0320's recorder: the real curl, the same arguments, plus --dump-header.
set -o pipefail
n=$(( $(cat "$DOC_REC/seq" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$DOC_REC/seq"
printf '%s\n' "$*" >"$DOC_REC/$n.args"
"$DOC_CURL" --dump-header "$DOC_REC/$n.head" "$@" | tee "$DOC_REC/$n.body"
SH
close $w;
chmod 0755, "$tmp/bin/curl";

my $seq = 0;	# calls recorded so far

# The common indentation of the command lines goes, as a reader copying
# them removes it.
sub dedent {
	my ($text) = @_;
	my @ind = map { indent($_) } grep { /\S/ && !/^#/ } split /\n/, $text;
	my $min = (sort { $a <=> $b } @ind)[0] // 0;
	return $text =~ s/^ {$min}//mgr;
}

# run($what, $script, subs => [[qr/placeholder/, value], ...], env => {})
# -> list of calls: {status, headers (lc name => [values]), body, args};
# the shell's output is in $tmp/<n>.out.
my $nrun = 0;
sub run {
	my ($what, $script, %o) = @_;
	$script = dedent($script);
	for my $s (@{ $o{subs} // [] }) {
		my ($re, $v) = @$s;
		$script =~ s/$re/$v/g;
	}
	my $file = sprintf '%s/%02d.sh', $tmp, ++$nrun;
	open my $f, '>', $file or die "$file: $!";
	print $f $script;
	close $f;
	my %env = (PATH => "$tmp/bin:$ENV{PATH}", HOME => "$tmp/home",
	    LC_ALL => 'C', DOC_REC => $REC, DOC_CURL => $real_curl,
	    # Every host but 127.0.0.1 goes to a proxy that refuses at once.
	    http_proxy => 'http://127.0.0.1:9', https_proxy => 'http://127.0.0.1:9',
	    HTTPS_PROXY => 'http://127.0.0.1:9', ALL_PROXY => 'http://127.0.0.1:9',
	    no_proxy => '127.0.0.1', NO_PROXY => '127.0.0.1',
	    %{ $o{env} // {} });
	my $out = "$file.out";
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		chdir $WORK or POSIX::_exit(126);
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', $out;
		open STDERR, '>&', \*STDOUT;
		%ENV = %env;
		exec 'bash', $file or POSIX::_exit(127);
	}
	my $until = time + 60;
	sleep 0.05 while waitpid($pid, WNOHANG) == 0 && time < $until;
	if (kill 0, $pid) {
		kill 'KILL', $pid;
		waitpid($pid, 0);
		fail("$what: did not finish within 60 s");
	}
	my @calls;
	my $n = slurp("$REC/seq") // 0;
	for my $i ($seq + 1 .. $n) {
		my $c = { args => slurp("$REC/$i.args"), body => slurp("$REC/$i.body") // '',
		    status => 0, headers => {} };
		my $head = slurp("$REC/$i.head") // '';
		# The last response of the call (curl may have made several).
		my @resp = split /^(?=HTTP\/)/m, $head;
		if (@resp && $resp[-1] =~ m{^HTTP/\S+ (\d{3})}) {
			$c->{status} = $1;
			$c->{responses} = scalar grep { m{^HTTP/} } @resp;
			for (split /\r?\n/, $resp[-1]) {
				push @{ $c->{headers}{ lc $1 } }, $2 if /^([^:\s]+):\s*(.*?)\s*$/;
			}
		}
		push @calls, $c;
	}
	$seq = $n;
	note("$what:\n" . join('', map { "  curl $_->{args} -> $_->{status}\n" } @calls));
	return @calls;
}

# The status and body shape of each call, in order: [status, check] with
# check a sub given the decoded JSON body (for a 204: none, the body is
# empty).
sub calls_are {
	my ($what, $calls, @want) = @_;
	is(scalar @$calls, scalar @want, "$what: " . scalar(@want) . ' curl call(s)')
	    or diag(slurp(sprintf '%s/%02d.sh.out', $tmp, $nrun));
	for my $i (0 .. $#want) {
		my ($status, $check) = @{ $want[$i] };
		my $c = $calls->[$i] // { status => 0, body => '', headers => {} };
		my $label = "$what, call " . ($i + 1);
		is($c->{status}, $status, "$label: $status") or diag("body: $c->{body}");
		if ($status == 204) {
			is($c->{body}, '', "$label: empty body");
			next;
		}
		is(($c->{headers}{'content-type'} // [''])->[0],
		    'application/json; charset=utf-8', "$label: JSON");
		my $j = eval { $JSON->decode($c->{body}) };
		ok(ref $j eq 'HASH', "$label: the body is a JSON object") or diag($c->{body});
		$check->($j // {}, $label) if $check;
	}
}

sub session_cookie {
	my ($c) = @_;
	return grep { /^influxdb-oss-session=[^;]+;/ } @{ $c->{headers}{'set-cookie'} // [] };
}

# Placeholders (word-bounded, so INFLUX_USER_NAME is not USER_NAME).
my $HOST = [qr{http://localhost:8086}, $URL];
sub ph { my ($name, $v) = @_; return [qr/\b\Q$name\E\b/, $v] }
my %cred = (INFLUX_URL => $URL);

# ---------------------------------------------------------------------------

subtest 'sign-in: the contract\'s sample, --user and no body' => sub {
	my @c = run('PostSignin', $SIGNIN, subs => [$HOST, ph(USERNAME => 'admin'),
	    ph(PASSWORD => $ADMINPW)]);
	calls_are('sign-in', \@c, [204]);
	ok(session_cookie($c[0] // {}), 'a session cookie is set')
	    or diag explain $c[0];
	is($c[0]{responses}, 1, 'answered by usersd, no 411 on the way');
};

subtest 'sign-out: the contract\'s four steps' => sub {
	unlink "$WORK/cookie-file.tmp";
	my @c = run('PostSignout', $SIGNOUT, env => { %cred,
	    INFLUX_USER_NAME => 'admin', INFLUX_USER_PASSWORD => $ADMINPW });
	calls_are('sign-out flow', \@c, [204],
	    [200, sub { is($_[0]{name}, 'admin', "$_[1]: /me is admin") }],
	    [204],
	    [401, sub { is($_[0]{code}, 'unauthorized', "$_[1]: unauthorized") }]);
	my $jar = slurp("$WORK/cookie-file.tmp") // '';
	like($jar, qr/\tinfluxdb-oss-session\t\S+/, '-c saved the session cookie');
};

my ($DANA, $PW1, $PW2, $PW3) = ('dana', 'dana-pass-1', 'dana-pass-2', 'dana-pass-3');
my $UID;
subtest 'create a user and set its password: the contract\'s POST /users sample' => sub {
	my @c = run('PostUsers', $USERS, subs => [ph(INFLUX_URL => $URL),
	    ph(INFLUX_API_TOKEN => $OP), ph(USER_NAME => $DANA),
	    ph(USER_PASSWORD => $PW1)]);
	calls_are('POST /users, then its password', \@c,
	    [201, sub {
		is($_[0]{name}, $DANA, "$_[1]: the user");
		is($_[0]{status}, 'active', "$_[1]: active");
		$UID = $_[0]{id};
	    }],
	    [204]);
	like($UID // '', qr/^[0-9a-f]{16}$/, 'jq took its id');
	is($c[1]{responses}, 1, 'the typo\'s URLs "request" and "POST" got no answer');
	@c = run('PostSignin', $SIGNIN, subs => [$HOST, ph(USERNAME => $DANA),
	    ph(PASSWORD => $PW1)]);
	calls_are('the new user signs in', \@c, [204]);
};
$UID //= '0000000000000000';

subtest 'set a password with the operator token: the contract\'s sample' => sub {
	my @c = run('PostUsersIDPassword', $USER_PW_POST, subs => [$HOST,
	    ph(USER_ID => $UID), ph(INFLUX_TOKEN => $OP),
	    ph(NEW_USER_PASSWORD => $PW2)]);
	calls_are('POST /users/{id}/password', \@c, [204]);
	@c = run('PostSignin', $SIGNIN, subs => [$HOST, ph(USERNAME => $DANA),
	    ph(PASSWORD => $PW2)]);
	calls_are('sign-in with the new password', \@c, [204]);
};

subtest 'PUT /users/{id}/password, the contract\'s sample: refused, no current password' => sub {
	my @c = run('PutUsersIDPassword', $USER_PW_PUT, subs => [$HOST,
	    ph(USER_ID => $UID), ph(NEW_USER_PASSWORD => $PW3)],
	    env => { INFLUX_USER_NAME => $DANA, INFLUX_USER_PASSWORD => $PW2 });
	calls_are('sign-in, then PUT with the cookie only', \@c, [204],
	    [401, sub {
		is($_[0]{code}, 'unauthorized', "$_[1]: unauthorized");
		like($_[0]{message}, qr/current password/, "$_[1]: says why");
	    }]);
	@c = run('PostSignin', $SIGNIN, subs => [$HOST, ph(USERNAME => $DANA),
	    ph(PASSWORD => $PW2)]);
	calls_are('the password is unchanged', \@c, [204]);
};

subtest 'PUT /me/password as the contract describes it' => sub {
	my @c = run('PUT /me/password', $ME_PW, subs => [$HOST,
	    ph(NEW_PASSWORD => $PW3)],
	    env => { INFLUX_USER_NAME => $DANA, INFLUX_USER_PASSWORD => $PW2 });
	calls_are('sign-in, then PUT with cookie and Basic', \@c, [204], [204]);
	@c = run('PostSignin', $SIGNIN, subs => [$HOST, ph(USERNAME => $DANA),
	    ph(PASSWORD => $PW3)]);
	calls_are('sign-in with the new password', \@c, [204]);
};

my %docs_subs = (subs => [$HOST, ph(INFLUX_TOKEN => $OP),
    [qr/\{userID\}/, $UID]]);

subtest 'the Users API documentation\'s examples' => sub {
	my @c = run('GET /me', $DOCS{get_me}, %docs_subs);
	calls_are('GET /me', \@c,
	    [200, sub { is($_[0]{name}, 'admin', "$_[1]: the operator's user") }]);

	@c = run('PUT /me/password', $DOCS{put_me_password}, subs => [
	    @{ $docs_subs{subs} }, ph(PASSWORD => 'admin-new-pass')]);
	calls_are('PUT /me/password with a token (refused: no current password)',
	    \@c, [401, sub { like($_[0]{message}, qr/current password/, "$_[1]: says why") }]);

	@c = run('GET /users', $DOCS{get_users}, %docs_subs);
	calls_are('GET /users', \@c, [200, sub {
		my @names = sort map { $_->{name} } @{ $_[0]{users} // [] };
		is_deeply(\@names, ['admin', $DANA], "$_[1]: both users");
	}]);

	@c = run('GET /users/{userID}', $DOCS{get_user}, %docs_subs);
	calls_are('GET /users/{userID}', \@c,
	    [200, sub { is($_[0]{id}, $UID, "$_[1]: that user") }]);

	@c = run('PATCH /users/{userID}', $DOCS{patch_user}, subs => [
	    @{ $docs_subs{subs} }, ph(ID => $UID), ph(NAME => 'dana2')]);
	calls_are('PATCH /users/{userID} with id, name and status', \@c, [200, sub {
		is($_[0]{id}, $UID, "$_[1]: same id");
		is($_[0]{name}, 'dana2', "$_[1]: renamed");
		is($_[0]{status}, 'active', "$_[1]: active");
	}]);
};

subtest 'the Basic authentication examples: GET /signin is 405 (JSON)' => sub {
	for my $i (0 .. $#BASIC) {
		my @c = run("BasicAuthentication example " . ($i + 1), $BASIC[$i],
		    subs => [ph(INFLUX_URL => $URL), ph(USERNAME => 'admin'),
		    ph(PASSWORD => $ADMINPW)]);
		calls_are('example ' . ($i + 1), \@c, [405, sub {
			is($_[0]{code}, 'method not allowed', "$_[1]: method not allowed");
		}]);
		is_deeply($c[0]{headers}{allow}, ['POST'], 'Allow: POST');
	}
};

subtest 'DELETE /users/{userID}: the documentation\'s example' => sub {
	my @c = run('DELETE /users/{userID}', $DOCS{delete_user}, %docs_subs);
	calls_are('DELETE /users/{userID}', \@c, [204]);
};

subtest 'the commands make run prints work' => sub {
	my @lines = grep { /^  curl / } split /\n/, runlog();
	is(scalar @lines, 5, 'five curl lines') or diag(runlog());
	like($lines[2] // '', qr{^  curl --request POST \Q$URL\E/api/v2/signin --user },
	    'the sign-in line is the contract\'s form');
	unlink "$WORK/cookies";
	my @c = run('make run\'s commands', join("\n", @lines, ''));
	calls_are('make run\'s commands', \@c,
	    [200, sub { is($_[0]{status}, 'pass', "$_[1]: /health passes") }],
	    [200, sub { ok(ref $_[0]{users} eq 'ARRAY', "$_[1]: a user list") }],
	    [204],
	    [200, sub { is($_[0]{name}, 'admin', "$_[1]: /me") }],
	    [204]);
};

# ---------------------------------------------------------------------------

subtest 'SIGTERM stops run.sh, nginx, the usersd master and PostgreSQL' => sub {
	stop_run('nginx');
};

# lighttpd stays available (USERSD_WEB=lighttpd), with its caveat: it
# refuses the contract's sign-in (a POST without Content-Length) itself.
exit_now() unless start_run('lighttpd', USERSD_WEB => 'lighttpd');

subtest 'USERSD_WEB=lighttpd: the contract\'s sign-in is lighttpd\'s 411 (JSON)' => sub {
	my @c = run('PostSignin behind lighttpd', $SIGNIN, subs => [$HOST,
	    ph(USERNAME => 'admin'), ph(PASSWORD => $ADMINPW)]);
	calls_are('sign-in without Content-Length', \@c, [411, sub {
		is($_[0]{code}, 'invalid', "$_[1]: invalid");
	}]);
	unlink "$WORK/cookies";
	my @lines = grep { /^  curl / } split /\n/, runlog();
	like($lines[2] // '', qr{^  curl --request POST \Q$URL\E/api/v2/signin --user .* -d ''$},
	    'the sign-in line make run prints sends -d \'\'');
	@c = run('make run\'s commands behind lighttpd', join("\n", @lines, ''));
	calls_are('make run\'s commands behind lighttpd', \@c, [200], [200], [204],
	    [200, sub { is($_[0]{name}, 'admin', "$_[1]: /me") }], [204]);
};

subtest 'SIGTERM stops run.sh, lighttpd, the usersd master and PostgreSQL' => sub {
	stop_run('lighttpd');
};

sub exit_now {
	done_testing();
	exit 1;
}

done_testing();
