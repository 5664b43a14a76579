# Input of bench/real's perl case: summarises an access log in CSV (host,path,status,bytes,agent).
use strict;
use warnings;

my (%bytes_by_host, %hits_by_path, %agents, @slow);
while (my $line = <>) {
	chomp $line;
	my @f = split /,/, $line;
	next unless @f == 5;
	my ($host, $path, $status, $bytes, $agent) = @f;
	$bytes_by_host{$host} += $bytes;
	(my $section = $path) =~ s{^/([^/]+)/.*}{$1};
	$hits_by_path{lc $section}++;
	my @words = split / /, $agent;
	$agents{join '-', map { ucfirst } @words[0 .. 1]}++;
	push @slow, sprintf('%s %s %d', $host, $path, $bytes) if $status >= 500 && $bytes > 9000;
}
printf "%d hosts, %d sections, %d agents, %d slow\n",
	scalar(keys %bytes_by_host), scalar(keys %hits_by_path), scalar(keys %agents), scalar(@slow);
