#!/usr/bin/env bash
# Draw a run's figures from its metrics.jsonl with gnuplot (PNG):
#   offline-latency.png    offline latency over time, boot vs hot-added blocks,
#                          and the per-minute average (all a soak records)
#   latency-vs-pages.png   offline latency against the pages in use it migrated
#                          (not for a soak, which records no offline of its own)
#   memory.png             MemFree and ZONE_MOVABLE present/managed per minute
#   soak-offline.png       offline p50/p95/p99 of each progress interval, with
#                          the fitted lines the summary's drift lines judge
#   soak-rate-rss.png      cycles per minute and the stressors' RSS, fitted too
#   ci/plot.sh RESULTS_DIR
set -euo pipefail
# Parsed whole before it runs.
{
rdir=${1:?usage: ci/plot.sh RESULTS_DIR}
command -v gnuplot >/dev/null || { echo "plot: gnuplot not installed (qemu-images/host/install-deps.sh installs it)" >&2; exit 2; }
out="$rdir/plots"
mkdir -p "$out"
/usr/bin/python3 "$(dirname "$0")/plot_data.py" "$rdir" "$out" || exit 2
# Every plot's terminal and grid: one place for the gnuplot runs below.
PLOT_STYLE='set terminal pngcairo size 900,500 noenhanced
set grid'
gnuplot <<GP
$PLOT_STYLE
set output "$out/offline-latency.png"
set title "Offline latency under pressure"
set xlabel "time (s)"; set ylabel "offline (ms)"; set logscale y
plot "$out/offline-boot.dat" using 1:2 with points pt 7 title "boot block (first cycle)", \
     "$out/offline-hotadded.dat" using 1:2 with points pt 5 title "re-added block", \
     "$out/minutes.dat" using 1:6 with linespoints lw 2 title "per-minute average"
unset logscale y
set output "$out/memory.png"
set title "Memory per minute"
set xlabel "time (s)"; set ylabel "MiB"; set y2label "cycles"; set y2tics
plot "$out/minutes.dat" using 1:2 with linespoints title "MemFree", \
     "$out/minutes.dat" using 1:3 with linespoints title "Movable present", \
     "$out/minutes.dat" using 1:4 with linespoints title "Movable managed", \
     "$out/minutes.dat" using 1:5 axes x1y2 with linespoints title "cycles done"
GP
drawn="$out/offline-latency.png $out/memory.png"
rm -f "$out/latency-vs-pages.png"
if [ -s "$out/scatter.dat" ]; then
	gnuplot <<GP
$PLOT_STYLE
set output "$out/latency-vs-pages.png"
set title "Offline latency against pages in use"
set xlabel "pages in use in the block at offline"; set ylabel "offline (ms)"
plot "$out/scatter.dat" using 1:2 with points pt 7 title "offline"
GP
	drawn="$out/offline-latency.png $out/latency-vs-pages.png $out/memory.png"
else
	echo "plot: no latency-vs-pages.png: the run recorded no offline of its own (a soak records per-minute figures only)" >&2
fi
if [ -f "$out/soak.dat" ]; then
	# Its own gnuplot: a failure here must not cost the plots above.
	if gnuplot <<GP
$PLOT_STYLE
set datafile missing "NaN"
set output "$out/soak-offline.png"
set title "Offline latency per interval, with fitted lines (drift)"
set xlabel "time (min)"; set ylabel "offline (ms)"; set logscale y
plot "$out/soak.dat" using 1:2 with points pt 7 lc 1 title "p50", \
     "$out/soak.dat" using 1:7 with lines lc 1 notitle, \
     "$out/soak.dat" using 1:3 with points pt 5 lc 2 title "p95", \
     "$out/soak.dat" using 1:8 with lines lc 2 notitle, \
     "$out/soak.dat" using 1:4 with points pt 9 lc 3 title "p99", \
     "$out/soak.dat" using 1:9 with lines lc 3 notitle
unset logscale y
set output "$out/soak-rate-rss.png"
set title "Cycles per minute and the stressors' RSS, with fitted lines"
set xlabel "time (min)"; set ylabel "cycles per minute"; set y2label "stressors' RSS (MiB)"; set y2tics
plot "$out/soak.dat" using 1:5 with points pt 7 lc 1 title "cycles/min", \
     "$out/soak.dat" using 1:10 with lines lc 1 notitle, \
     "$out/soak.dat" using 1:6 axes x1y2 with points pt 5 lc 2 title "RSS", \
     "$out/soak.dat" using 1:11 axes x1y2 with lines lc 2 notitle
GP
	then
		drawn="$drawn $out/soak-offline.png $out/soak-rate-rss.png"
	else
		echo "plot: the soak plots were not drawn" >&2
	fi
fi
rm -f "$out"/*.dat
echo "plots: $drawn"
exit
}
