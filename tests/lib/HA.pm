# HA.pm -- a Patroni cluster on loopback for the integration tests.
#
#   my $ha = HA->start(nodes => [qw(n1 n2)]);  # etcd, n1 leader, n2 its sync standby
#   my $t = TestLib->new(server => $ha->server);
#   my $port = $ha->haproxy;                  # deploy/haproxy-patroni.cfg
#   $ha->crash('n1'); $ha->wait_role('n2', 'primary', 20);
#   $ha->start_node('n1'); $ha->wait_role('n1', 'sync', 30);
#   $ha->patronictl('switchover', '--leader', 'n2', '--candidate', 'n1', '--force');
#
# Each node is Patroni with deploy/patroni.yml rendered (its own ports and
# directory under one temporary directory), run as the postgres user;
# PostgreSQL listens on 127.0.0.1 only, trust auth.  Patroni's timing is
# tight (ttl 5, loop_wait 1, retry_timeout 2): a lost leader is replaced
# within about 6 s.  Everything started here is stopped by its pid at the
# end of the file (END), whatever happened.
#
# Perl core modules only.
package HA;

use strict;
use warnings;
use Cwd qw(getcwd);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use TestLib;

our $BIN_DIR = do {
	my $d = `pg_config --bindir 2>/dev/null` // '';
	chomp $d;
	length $d ? $d : '/usr/lib/postgresql/15/bin';
};
our %TIMING = (TTL => 5, LOOP_WAIT => 1, RETRY_TIMEOUT => 2);

my $OWNER = $$;
my @ALL;	# every HA object of this process, for END

# Why a Patroni cluster cannot run here, or undef.
sub unavailable {
	for my $p (qw(patroni patronictl etcd haproxy)) {
		TestLib::Server::_which($p) or return "$p is not installed";
	}
	getpwnam('postgres') or return 'no postgres user';
	return undef;
}

sub _free_port { TestLib::Server::_free_port() }

# Spawn as a session leader (so the group can be signalled), output to $log.
sub _spawn {
	my ($log, @cmd) = @_;
	return TestLib::Server::_spawn($log, { %ENV }, @cmd);
}

# HA->start(nodes => [NAMES]): etcd and the nodes, started in order; returns
# once the first is the leader and every other one a streaming standby, one
# of them synchronous.  Dies if that does not happen within 60 s.
sub start {
	my ($class, %o) = @_;
	my @names = @{ $o{nodes} // [qw(n1 n2)] };
	my $dir = tempdir('usersd-ha-XXXXXX', TMPDIR => 1,
	    CLEANUP => !$ENV{USERSD_TEST_KEEP});
	chmod 0755, $dir;
	my $self = bless { dir => $dir, nodes => {}, names => \@names }, $class;
	push @ALL, $self;

	my ($cport, $pport) = (_free_port(), _free_port());
	$self->{etcd} = "127.0.0.1:$cport";
	$self->{etcd_pid} = _spawn("$dir/etcd.log", TestLib::Server::_which('etcd'),
	    '--name', 'ha', '--data-dir', "$dir/etcd",
	    '--listen-client-urls', "http://127.0.0.1:$cport",
	    '--advertise-client-urls', "http://127.0.0.1:$cport",
	    '--listen-peer-urls', "http://127.0.0.1:$pport",
	    '--initial-advertise-peer-urls', "http://127.0.0.1:$pport",
	    '--initial-cluster', "ha=http://127.0.0.1:$pport");
	my $http = HTTP::Tiny->new(timeout => 2);
	TestLib::within(20, sub { $http->get("http://$self->{etcd}/health")->{status} == 200 })
	    or die "etcd did not start:\n" . _slurp("$dir/etcd.log");

	my (undef, undef, $uid, $gid) = getpwnam('postgres');
	for my $n (@names) {
		my $nd = "$dir/$n";
		mkdir $nd or die "mkdir $nd: $!";
		chown $uid, $gid, $nd;
		my %node = (name => $n, dir => $nd, pg_port => _free_port(),
		    rest_port => _free_port());
		TestLib::Server::_render("$TestLib::ROOT/deploy/patroni.yml", "$nd/patroni.yml", {
			NAME => $n, ADDRESS => '127.0.0.1', PG_PORT => $node{pg_port},
			REST_PORT => $node{rest_port}, ETCD_HOSTS => $self->{etcd},
			DATA => "$nd/data", SOCKET_DIR => $nd, BIN_DIR => $BIN_DIR,
			NET => '127.0.0.1/32', AUTH => 'trust', PASSWORD => 'unused',
			%TIMING });
		chown $uid, $gid, "$nd/patroni.yml";
		$self->{nodes}{$n} = \%node;
	}
	my ($first, @rest) = @names;
	$self->start_node($first);
	$self->wait_role($first, 'primary', 60) or die "$first did not become the leader:\n"
	    . $self->log($first);
	$self->start_node($_) for @rest;
	for my $n (@rest) {
		$self->wait_role($n, 'replica', 60) or die "$n did not become a standby:\n"
		    . $self->log($n);
	}
	TestLib::within(30, sub { grep { $self->role_is($_, 'sync') } @rest })
	    or die "no synchronous standby:\n" . join '', map { $self->log($_) } @rest;
	return $self;
}

sub _slurp {
	my ($f) = @_;
	open my $fh, '<', $f or return '';
	local $/;
	return <$fh> // '';
}

sub node { $_[0]{nodes}{ $_[1] } }
sub names { @{ $_[0]{names} } }
sub log { my ($self, $n) = @_; "--- $n\n" . _slurp("$self->{nodes}{$n}{dir}/patroni.log") }

# The multi-host server every node makes (TestLib->new(server => ...)).
sub server {
	my ($self) = @_;
	my @n = map { $self->{nodes}{$_} } $self->names;
	return { host => join(',', map { '127.0.0.1' } @n),
	    port => join(',', map { $_->{pg_port} } @n) };
}

# A conninfo naming every node (usersd adds target_session_attrs itself).
sub conninfo {
	my ($self, $t) = @_;
	my $s = $self->server;
	return "host=$s->{host} port=$s->{port} dbname=$t->{dbname} user="
	    . $t->service_role;
}

# $ha->psql_on(NAME, $t, SQL): rows from that node, as $t->psql.
sub psql_on {
	my ($self, $n, $t, $sql) = @_;
	local $t->{admin_conninfo} = "host=127.0.0.1 port=$self->{nodes}{$n}{pg_port} "
	    . "dbname=$t->{dbname} user=postgres";
	return $t->psql($sql);
}

# Start node NAME's Patroni (again).
# Patroni and the PostgreSQL it starts run as postgres, in the node's
# directory: the caller's (a clone in a 0700 mktemp directory, as CI makes
# it) may be one postgres cannot enter, and pg_ctl then fails to start.
sub start_node {
	my ($self, $n) = @_;
	my $node = $self->{nodes}{$n};
	my $cwd = getcwd();
	chdir $node->{dir} or die "chdir $node->{dir}: $!";
	$node->{pid} = _spawn("$node->{dir}/patroni.log", 'runuser', '-u', 'postgres', '--',
	    TestLib::Server::_which('patroni'), "$node->{dir}/patroni.yml");
	chdir $cwd or die "chdir $cwd: $!";
}

# Is NAME in ROLE now, as its REST API says: primary (the leader, taking
# writes), replica (a running standby), sync (the synchronous standby)?
sub role_is {
	my ($self, $n, $role) = @_;
	my $r = HTTP::Tiny->new(timeout => 1)->get(
	    "http://127.0.0.1:$self->{nodes}{$n}{rest_port}/$role");
	return $r->{status} == 200;
}

sub wait_role {
	my ($self, $n, $role, $secs) = @_;
	return TestLib::within($secs, sub { $self->role_is($n, $role) });
}

# The leader's name, or undef.
sub leader {
	my ($self) = @_;
	my ($l) = grep { $self->role_is($_, 'primary') } $self->names;
	return $l;
}

# The postmaster of NAME, from its pid file, if it runs.
sub _postmaster {
	my ($self, $n) = @_;
	open my $f, '<', "$self->{nodes}{$n}{dir}/data/postmaster.pid" or return undef;
	my $pid = <$f> // return undef;
	chomp $pid;
	return $pid =~ /^\d+$/ && TestLib::Server::alive($pid) ? $pid : undef;
}

sub _pgid {
	my ($pid) = @_;
	open my $f, '<', "/proc/$pid/stat" or return undef;
	my ($rest) = (<$f> // '') =~ /\) (.*)$/ or return undef;
	return (split / /, $rest)[2];
}

# The machine of NAME dies: SIGKILL to its Patroni and to its PostgreSQL
# (the postmaster's whole process group: every backend with it).  Returns
# once they are gone.
sub crash {
	my ($self, $n) = @_;
	my $node = $self->{nodes}{$n};
	my $pm = $self->_postmaster($n);
	my $pg = $pm && _pgid($pm);
	kill 'KILL', -$node->{pid};
	kill 'KILL', ($pg ? -$pg : ()), ($pm // ());
	waitpid($node->{pid}, 0);
	TestLib::Server::wait_gone(10, grep { defined } $pm)
	    or die "the postmaster of $n survived SIGKILL";
	delete $node->{pid};
}

# patronictl against the cluster: (exit status, output).
sub patronictl {
	my ($self, @args) = @_;
	my $first = $self->{nodes}{ $self->{names}[0] };
	return TestLib::_run('patronictl', '-c', "$first->{dir}/patroni.yml", @args);
}

# HAProxy from deploy/haproxy-patroni.cfg in front of the nodes; its port.
sub haproxy {
	my ($self) = @_;
	my $port = _free_port();
	my $servers = join '', map {
		my $node = $self->{nodes}{$_};
		"\tserver $_ 127.0.0.1:$node->{pg_port} check port $node->{rest_port}\n"
	} $self->names;
	TestLib::Server::_render("$TestLib::ROOT/deploy/haproxy-patroni.cfg",
	    "$self->{dir}/haproxy.cfg", { LISTEN => '127.0.0.1', PORT => $port,
	    PIDFILE => "$self->{dir}/haproxy.pid", SERVERS => $servers });
	push @{ $self->{haproxy_pids} }, _spawn("$self->{dir}/haproxy.log",
	    TestLib::Server::_which('haproxy'), '-db', '-f', "$self->{dir}/haproxy.cfg");
	# Up once its checks found the leader: a connection reaches it.
	TestLib::within(20, sub {
		my ($rc) = TestLib::_run($TestLib::PSQL, '-X', '-At', '-d',
		    "host=127.0.0.1 port=$port dbname=postgres user=postgres connect_timeout=2",
		    '-c', 'SELECT pg_is_in_recovery()');
		$rc == 0;
	}) or die "HAProxy does not reach the leader:\n" . _slurp("$self->{dir}/haproxy.log");
	return $port;
}

# Everything stopped: HAProxy, every Patroni (TERM, then KILL), any
# postmaster left in our data directories, etcd.
sub stop {
	my ($self) = @_;
	return if $self->{stopped}++;
	TestLib::Server::_terminate($_, 5) for @{ $self->{haproxy_pids} // [] };
	for my $n ($self->names) {
		my $pid = $self->{nodes}{$n}{pid} or next;
		kill 'TERM', -$pid;
	}
	for my $n ($self->names) {
		my $pid = delete $self->{nodes}{$n}{pid} or next;
		TestLib::Server::_terminate($pid, 15);
		kill 'KILL', -$pid;
	}
	for my $n ($self->names) {
		my $pm = $self->_postmaster($n) or next;
		my $pg = _pgid($pm);
		kill 'KILL', ($pg ? -$pg : ()), $pm;
		TestLib::Server::wait_gone(5, $pm);
	}
	TestLib::Server::_terminate($self->{etcd_pid}, 5) if $self->{etcd_pid};
}

END {
	my $rc = $?;
	if ($$ == $OWNER) {
		$_->stop for @ALL;
	}
	$? = $rc;
}

1;
