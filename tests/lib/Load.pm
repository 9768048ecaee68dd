# Load.pm -- a write load from forked clients, every answer recorded.
#
#   my $l = Load->start(urls => [$url1, $url2], per_url => 2, dir => $dir,
#       token => $op_token, org_id => $org);
#   ... break something ...
#   my @recs = $l->finish;     # stop the clients, read what they saw
#
# Each client loops, until finish (or 120 s): create a user, set its
# password, sign in as it, mint a token (the operator's); a step runs only
# if the step before it succeeded.  Each answer is a record:
#   { url, op (create|password|signin|token), status, code (JSON "code"
#     or '-'), t0, t1, key (the user's name / id), value (the new id, the
#     session cookie's value) }
# Cheap hashes are the caller's business (USERSD_ARGON2_*): the load is
# meant to measure the database, not argon2id.
#
# Perl core modules only.
package Load;

use strict;
use warnings;
use HTTP::Tiny;
use MIME::Base64 qw(encode_base64);
use POSIX qw();
use Time::HiRes qw(time sleep);
use TestLib;

my @FIELDS = qw(url op status code t0 t1 key value);

sub start {
	my ($class, %o) = @_;
	my $self = bless { %o, kids => [], files => [] }, $class;
	$self->{stop} = "$o{dir}/load-stop";
	unlink $self->{stop};
	my $n = 0;
	for my $url (@{ $o{urls} }) {
		for (1 .. $o{per_url} // 2) {
			$n++;
			my $file = "$o{dir}/load-" . ($o{name} // 'l') . "-$n.txt";
			my $pid = fork // die "fork: $!";
			if (!$pid) {
				$self->_client($url, "$n-" . int(time * 1000) % 100000, $file);
				POSIX::_exit(0);
			}
			push @{ $self->{kids} }, $pid;
			push @{ $self->{files} }, $file;
		}
	}
	return $self;
}

sub _client {
	my ($self, $url, $tag, $file) = @_;
	open my $out, '>', $file or die "$file: $!";
	$out->autoflush(1);
	my $http = HTTP::Tiny->new(timeout => 15, keep_alive => 0);
	my %op = (Authorization => "Token $self->{token}",
	    'Content-Type' => 'application/json');
	my $req = sub {
		my ($what, $key, $method, $path, $hdr, $body) = @_;
		my $t0 = time;
		my $r = $http->request($method, "$url$path", { headers => $hdr,
		    content => $body });
		my $t1 = time;
		my $j = eval { $TestLib::JSON->decode($r->{content}) } // {};
		my $value = '-';
		if (($what eq 'create' || $what eq 'token') && $r->{status} == 201) {
			$value = $j->{id};
		} elsif ($what eq 'signin' && $r->{status} == 204) {
			my $sc = $r->{headers}{'set-cookie'} // '';
			($value) = map { /influxdb-oss-session=([^;]+)/ ? $1 : () }
			    ref $sc ? @$sc : ($sc);
		}
		my $ct = $r->{headers}{'content-type'} // '';
		my $code = $ct =~ /json/ ? $j->{code} // '-' : 'not-json';
		print $out join("\t", $url, $what, $r->{status}, $code, sprintf('%.4f', $t0),
		    sprintf('%.4f', $t1), $key, $value // '-'), "\n";
		sleep 0.02 if $r->{status} >= 500;	# a client's pause
		return ($r->{status}, $value);
	};
	my $until = time + 120;
	for (my $i = 1; !-e $self->{stop} && time < $until; $i++) {
		my $name = "load-$tag-$i";
		my ($st, $id) = $req->('create', $name, 'POST', '/api/v2/users', \%op,
		    TestLib->json_encode({ name => $name }));
		next unless $st == 201;
		($st) = $req->('password', $id, 'POST', "/api/v2/users/$id/password", \%op,
		    TestLib->json_encode({ password => "pw-$name" }));
		next unless $st == 204;
		($st) = $req->('signin', "$id:$name", 'POST', '/api/v2/signin',
		    { Authorization => 'Basic ' . encode_base64("$name:pw-$name", '') }, '');
		next unless $st == 204;
		$req->('token', $id, 'POST', '/api/v2/authorizations', \%op,
		    TestLib->json_encode({ orgID => $self->{org_id}, description => $name,
		    permissions => [ { action => 'read', resource => { type => 'users' } } ] }));
	}
	close $out;
}

# Stop the clients (each ends after its current request) and return every
# record, in no particular order.
sub finish {
	my ($self) = @_;
	open my $f, '>', $self->{stop} or die "$self->{stop}: $!";
	close $f;
	waitpid($_, 0) for @{ $self->{kids} };
	my @all;
	for my $file (@{ $self->{files} }) {
		open my $in, '<', $file or die "$file: $!";
		while (<$in>) {
			my %r;
			chomp;
			@r{@FIELDS} = split /\t/;
			push @all, \%r;
		}
	}
	return @all;
}

1;
