# Slapd.pm -- a throwaway OpenLDAP slapd on loopback for the directory
# sign-in tests: its own slapd.conf and mdb database in a temporary
# directory, loaded with slapadd before it starts, and (tls => 1) a
# throwaway CA and server certificate for 127.0.0.1 made with openssl, for
# StartTLS and ldaps://.  Stopped (SIGTERM, then SIGKILL) when the test ends.
#
#   my $d = Slapd->start(suffix => 'dc=one,dc=test', ldif => $text, tls => 1);
#   $d->uri       ldap://127.0.0.1:PORT      $d->ldaps_uri  ldaps://...
#   $d->ldapi_uri ldapi:// on a socket in its directory
#   $d->ca_file   the CA's certificate        $d->other_ca  a CA that did not sign it
#   $d->stop / $d->restart / $d->freeze (SIGSTOP) / $d->thaw (SIGCONT)
#   $d->modify($ldif)  ldapmodify as the manager (LDIF with changetype
#                 lines): (exit status, output)
#   $d->log       what it logged; with stats => 1, a line per connection
#                 accepted ("conn=N fd=M ACCEPT") and per operation ("BIND")
#
# The directory's manager is cn=admin,SUFFIX with password "managerpw1";
# the search account cn=search,SUFFIX with "searchpw12".  Anonymous users
# may only bind; the search account reads everything but passwords.
package Slapd;
use strict;
use IPC::Open3 ();
use warnings;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Time::HiRes ();

my @RUNNING;
my $OWNER = $$;
# Only the test process: a child it forks (a load generator) stops nothing.
END { if ($$ == $OWNER) { $_->stop for @RUNNING } }

sub _which {
	my ($p) = @_;
	for my $d (split(/:/, $ENV{PATH} // ''), '/usr/sbin', '/sbin') {
		return "$d/$p" if -x "$d/$p";
	}
	return undef;
}

# Whether slapd can run here: '' or the reason it cannot.
sub missing {
	for my $p (qw(slapd slapadd openssl)) {
		return "no $p" unless _which($p);
	}
	return -e '/etc/ldap/schema/inetorgperson.schema' ? ''
	    : 'no OpenLDAP schema files';
}

sub _port {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 1) or die "no free port: $!";
	my $p = $s->sockport;
	close $s;
	return $p;
}

sub _sh {
	my ($cmd) = @_;
	my $out = `$cmd 2>&1`;
	die "$cmd: $out" if $?;
	return $out;
}

# A CA, and a certificate for 127.0.0.1 it signs, in $dir; also a second
# CA that signs nothing here (the wrong CA file).
sub _certs {
	my ($dir) = @_;
	my $ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
	for my $ca (qw(ca other)) {
		_sh("openssl req -x509 $ec -keyout $dir/$ca.key -out $dir/$ca.pem "
		    . "-days 2 -subj /CN=usersd-test-$ca");
	}
	_sh("openssl req $ec -keyout $dir/server.key -out $dir/server.csr "
	    . "-subj /CN=127.0.0.1");
	open(my $f, '>', "$dir/ext") or die;
	print $f "subjectAltName = IP:127.0.0.1\n";
	close $f;
	_sh("openssl x509 -req -in $dir/server.csr -CA $dir/ca.pem -CAkey $dir/ca.key "
	    . "-CAcreateserial -out $dir/server.pem -days 2 -extfile $dir/ext");
	chmod 0644, "$dir/server.key";
}

sub start {
	my ($class, %o) = @_;
	my $self = bless { %o }, $class;
	my $dir = $self->{dir} = tempdir('usersd-slapd-XXXXXX', TMPDIR => 1,
	    CLEANUP => !$ENV{USERSD_TEST_KEEP});
	my $sfx = $self->{suffix} //= 'dc=example,dc=test';
	mkdir "$dir/db" or die;
	_certs($dir) if $o{tls};
	$self->{port} = _port();
	$self->{sport} = _port() if $o{tls};
	my $tls = !$o{tls} ? '' : <<"EOF";
TLSCACertificateFile $dir/ca.pem
TLSCertificateFile $dir/server.pem
TLSCertificateKeyFile $dir/server.key
EOF
	open(my $c, '>', "$dir/slapd.conf") or die;
	print $c <<"EOF";
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $dir/slapd.pid
# As permissive as some directories are: a DN with an empty password is an
# unauthenticated bind that succeeds, so only usersd stands in its way.
allow bind_anon_dn
$tls
database mdb
maxsize 10485760
suffix "$sfx"
rootdn "cn=admin,$sfx"
rootpw managerpw1
directory $dir/db
access to attrs=userPassword
    by anonymous auth
    by * none
access to *
    by dn.exact="cn=search,$sfx" read
    by * none
EOF
	close $c;
	my $ldif = <<"EOF";
dn: $sfx
objectClass: dcObject
objectClass: organization
o: test
dc: @{[ $sfx =~ /^dc=([^,]+)/ ]}

dn: cn=search,$sfx
objectClass: person
cn: search
sn: search
userPassword: searchpw12

dn: ou=people,$sfx
objectClass: organizationalUnit
ou: people

dn: ou=groups,$sfx
objectClass: organizationalUnit
ou: groups

EOF
	$ldif .= $o{ldif} // '';
	open(my $l, '>:raw', "$dir/data.ldif") or die;
	print $l $ldif;
	close $l;
	_sh("slapadd -q -f $dir/slapd.conf -l $dir/data.ldif");
	$self->_run;
	push @RUNNING, $self;
	return $self;
}

sub _run {
	my ($self) = @_;
	my $dir = $self->{dir};
	my $urls = "ldap://127.0.0.1:$self->{port}/ " . $self->ldapi_uri
	    . ($self->{sport} ? " ldaps://127.0.0.1:$self->{sport}/" : '');
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		open(STDOUT, '>>', "$dir/slapd.log");
		open(STDERR, '>&', \*STDOUT);
		# -d: in the foreground (its pid is ours to signal); 256 is
		# the "stats" level, which logs connections and operations.
		exec(_which('slapd'), '-d', $self->{stats} ? '256' : '0',
		    '-f', "$dir/slapd.conf",
		    '-h', $urls) or exit 127;
	}
	$self->{pid} = $pid;
	my $until = Time::HiRes::time() + 10;
	while (Time::HiRes::time() < $until) {
		my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		    PeerPort => $self->{port}, Timeout => 1);
		return if $s;
		die "slapd exited: " . $self->log if waitpid($pid, WNOHANG) == $pid;
		Time::HiRes::sleep(0.05);
	}
	die "slapd did not listen: " . $self->log;
}

sub log {
	my ($self) = @_;
	open(my $f, '<', "$self->{dir}/slapd.log") or return '';
	local $/;
	return <$f> // '';
}

sub modify {
	my ($self, $ldif) = @_;
	my $pid = IPC::Open3::open3(my $w, my $o, undef, 'ldapmodify', '-H', $self->uri,
	    '-x', '-D', "cn=admin,$self->{suffix}", '-w', 'managerpw1');
	print $w $ldif;
	close $w;
	my $out = do { local $/; <$o> } // '';
	waitpid($pid, 0);
	return ($? >> 8, $out);
}

# An instance's directory settings for this directory, plain LDAP with the
# search account, as [KEY, VALUE] pairs in the order usersctl ldap set
# takes them (bind_password after uris, which forgets it; enabled last):
# more pairs (a filter, a group) come before unknown_names and enabled.
sub settings {
	my ($self, @more) = @_;
	my @extra;
	push @extra, [ splice(@more, 0, 2) ] while @more;
	return ([ uris => $self->uri ], [ starttls => 'false' ], [ allow_plain => 'true' ],
	    [ bind_dn => "cn=search,$self->{suffix}" ], [ bind_password => 'searchpw12' ],
	    [ base_dn => $self->{suffix} ], @extra, [ unknown_names => 'true' ],
	    [ enabled => 'true' ]);
}

sub uri { "ldap://127.0.0.1:$_[0]{port}" }
sub ldaps_uri { "ldaps://127.0.0.1:$_[0]{sport}" }
sub ldapi_uri { my $p = "$_[0]{dir}/ldapi"; $p =~ s{/}{%2F}g; "ldapi://$p" }
sub ca_file { "$_[0]{dir}/ca.pem" }
sub other_ca { "$_[0]{dir}/other.pem" }
sub suffix { $_[0]{suffix} }
sub pid { $_[0]{pid} }

sub freeze { kill 'STOP', $_[0]{pid} }
sub thaw { kill 'CONT', $_[0]{pid} }

sub stop {
	my ($self) = @_;
	my $pid = delete $self->{pid} or return;
	kill 'CONT', $pid;
	kill 'TERM', $pid;
	my $until = Time::HiRes::time() + 5;
	while (waitpid($pid, WNOHANG) != $pid) {
		if (Time::HiRes::time() > $until) {
			kill 'KILL', $pid;
			waitpid($pid, 0);
			last;
		}
		Time::HiRes::sleep(0.02);
	}
}

sub restart {
	my ($self) = @_;
	$self->stop;
	$self->_run;
}

1;
