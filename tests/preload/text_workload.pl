# SPDX-License-Identifier: MIT
# Perl text processing for tests/preload/perl.sh: generates ~3 MB of text
# from a fixed-seed generator, then builds word and bigram hashes, runs
# regex substitutions and captures, sorts, splits and joins. Prints only
# deterministic results (hash keys are always sorted).
use strict;
use warnings;

my $seed = 12345;
sub rnd { $seed = ($seed * 1103515245 + 12345) % 2147483648; return $seed; }

my @syll = qw(ka lo mi nu pe ra si to vu xe ban dor fil gum hap);
my @words = map { my $w = ''; $w .= $syll[rnd() % @syll] for 1 .. 1 + rnd() % 4; $w } 1 .. 5000;

my @lines;
for my $l (1 .. 50000) {
	my $n = 3 + rnd() % 12;
	push @lines, join(' ', map { $words[rnd() % @words] } 1 .. $n) . ($l % 7 ? '.' : '!');
}
my $text = join("\n", @lines) . "\n";
printf "text: %d bytes, %d lines\n", length $text, scalar @lines;

my (%freq, %bigram, %bylen);
for my $line (@lines) {
	my @w = ($line =~ /(\w+)/g);
	$freq{$_}++ for @w;
	$bigram{"$w[$_] $w[$_+1]"}++ for 0 .. $#w - 1;
	push @{ $bylen{length $_} }, $_ for @w;
}
printf "distinct words %d, bigrams %d\n", scalar(keys %freq), scalar(keys %bigram);
my @top = (sort { $freq{$b} <=> $freq{$a} || $a cmp $b } keys %freq)[0 .. 19];
print "top: ", join(',', map { "$_=$freq{$_}" } @top), "\n";
my @topb = (sort { $bigram{$b} <=> $bigram{$a} || $a cmp $b } keys %bigram)[0 .. 9];
print "bigrams: ", join(',', map { "$_=$bigram{$_}" } @topb), "\n";
for my $len (sort { $a <=> $b } keys %bylen) {
	my %u = map { $_ => 1 } @{ $bylen{$len} };
	printf "len %2d: %7d words, %5d distinct\n", $len, scalar @{ $bylen{$len} }, scalar keys %u;
}

(my $t2 = $text) =~ s/\b(ka|lo)(\w*)/\U$1\E<$2>/g;
my $caps = () = $t2 =~ /[A-Z]{2}</g;
$t2 =~ tr/aeiou/AEIOU/;
my %vowels;
$vowels{$_}++ for ($t2 =~ /([AEIOU])/g);
print "substitutions: $caps; vowels: ", join(',', map { "$_=$vowels{$_}" } sort keys %vowels), "\n";

my @sentences = split /(?<=[.!])\n/, $text;
my @longest = (sort { length($b) <=> length($a) || $a cmp $b } @sentences)[0 .. 2];
print "longest: $_\n" for @longest;

my %index;
while ($text =~ /(\w+)(?= gum)/g) { $index{$1} .= pos($text) . ','; }
my $ix = join('', map { "$_:" . length($index{$_}) } sort keys %index);
printf "lookahead index: %d keys, %d chars\n", scalar keys %index, length $ix;

my @rev = map { scalar reverse $_ } @lines[0 .. 999];
my $joined = join('|', sort @rev);
my $sum = 0;
$sum = ($sum * 31 + ord($_)) % 1000000007 for split //, $joined;
print "reverse-sort checksum: $sum\n";

my $sp = '';
$sp .= sprintf("%05d:%s;", $_, $words[$_ % @words]) for 1 .. 200000;
printf "sprintf buffer %d, x-repeat %d\n", length $sp, length('ab' x 3_000_000);
