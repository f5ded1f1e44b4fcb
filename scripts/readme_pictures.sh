#!/usr/bin/env bash
# The pictures in README.md (docs/), made by the blurtrace commands from the shipped examples.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
mkdir -p docs
for name in chelsea-shake coffee-dynamic astronaut-flow; do
  $B trajectory examples/$name.png --overlay --magnitude -o docs/$name.trajectory.png --spacing 24
  $B deblur examples/$name.png -o docs/$name.deblurred.png
done
$B video examples/coffee-dynamic.png docs/coffee-dynamic.gif --frames 12 --fps 12 --boomerang
