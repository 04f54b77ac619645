#!/usr/bin/perl
# Feeds chronyd SOCK refclocks: "true time = system time + OFFSET" with leap bits LEAP,
# every 0.25 s, to each socket path given. Perl because Debian always has it and Node's
# dgram cannot speak Unix datagram sockets.
# Usage: sock-feeder.pl OFFSET_SECONDS LEAP SOCKET_PATH...
use strict;
use warnings;
use Socket;

my ($offset, $leap, @paths) = @ARGV;
die "usage: sock-feeder.pl OFFSET LEAP SOCKET...\n" unless defined $leap && @paths;
# Time::HiRes lives in the "perl" package, not in the always-present perl-base. Whole
# seconds are enough: chrony pairs each sample's own timestamp with its offset, and accepts
# samples up to 2 s old at poll 0.
my $now = (!$ENV{FEEDER_WHOLE_SECONDS} && eval { require Time::HiRes; \&Time::HiRes::gettimeofday })
  || sub { (time(), 0) };
socket(my $sock, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\n";
$SIG{TERM} = sub { exit 0 };
while (1) {
  my ($sec, $usec) = $now->();
  # chrony 4.x struct sock_sample: timeval, double offset, int pulse, int leap, int pad, int magic
  my $msg = pack('q q d i i i i', $sec, $usec, $offset, 0, $leap, 0, 0x534f434b);
  for my $p (@paths) {
    # chronyd may not have created the socket yet: keep trying
    send($sock, $msg, 0, pack_sockaddr_un($p));
  }
  select(undef, undef, undef, 0.25);
}
