#!/bin/sh
# Screening throughput with --jobs 1 and --jobs 2 (release build), run
# alternately so that load from other processes hits both alike:
#
#     scripts/bench_jobs.sh [IMAGE_DIR] [RUNS]
#
# IMAGE_DIR defaults to ../shared/data/samples/images, RUNS to 5. Prints
# hyperfine's table (wall time of the whole command: template loading
# included) when hyperfine is installed, else the minimum of plain `time`
# runs; then the batch-only rate from docscreen's own summary line. Load
# from other programs skews both; look at `uptime` before trusting a figure.
set -eu
cd "$(dirname "$0")/.."
DIR=${1:-../shared/data/samples/images}
RUNS=${2:-5}
cargo build --release --quiet --bin docscreen
bin=target/release/docscreen
cmd() { echo "$bin screen -q --json --templates examples/templates --jobs $1 $DIR"; }

uptime
if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs "$RUNS" --output=null "$(cmd 1)" "$(cmd 2)"
else
    for j in 1 2; do
        best=
        for r in $(seq "$RUNS"); do
            t=$( { /usr/bin/time -f %e $(cmd $j) >/dev/null; } 2>&1 )
            if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
        done
        echo "--jobs $j: best of $RUNS: $best s"
    done
fi
for j in 1 2; do
    $bin screen --json --templates examples/templates --jobs $j "$DIR" 2>&1 >/dev/null | sed 's/;.*//'
done
uptime
