#!/bin/sh
# Regenerates the bundled example templates in examples/templates/: clean
# genuine specimens of each synthetic model from `docscreen synth`, then one
# `docscreen enroll` per model. Run from the repository root after a change
# to the template format or to enrollment:
#
#     scripts/make_example_templates.sh [MODEL...]
#     DOCSCREEN=target/debug/docscreen scripts/make_example_templates.sh
#
# Without MODEL, every model of `docscreen synth --list-models`. The output is
# deterministic (fixed seed), so a regenerated template only changes when
# enrollment or the generator changes.
set -eu

OUT=examples/templates
SPECIMENS=5
SEED=7

cd "$(dirname "$0")/.."
# DOCSCREEN=path/to/docscreen uses an existing binary instead of a release build.
bin=${DOCSCREEN:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet --bin docscreen
    bin=target/release/docscreen
fi

if [ "$#" -gt 0 ]; then
    models="$*"
else
    models=$("$bin" synth --list-models | cut -f1)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

models_csv=$(echo $models | tr ' ' ',')
"$bin" synth --out "$work" --seed "$SEED" --count 0 --specimens "$SPECIMENS" --models "$models_csv"

mkdir -p "$OUT"
for m in $models; do
    rm -f "$OUT/$m.toml" "$OUT/$m.ref.png" "$OUT/$m.mask.png"
    "$bin" enroll --id "$m" -o "$OUT/$m.toml" "$work/specimens/$m"
done

"$bin" templates list --templates "$OUT"
du -sh "$OUT"
