#!/usr/bin/env bash
# Time and peak memory (/usr/bin/time -v) of the commands on a 6000x4000 (24 MP) JPEG made by
# upscaling a shipped example.   bash benchmarks/big_photo.sh [net|deconv|trajectory ...]
# (default: all three; deconv takes ~10 min on 2 threads).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BLURTRACE:-.venv/bin/blurtrace}
T=${TMPDIR:-/tmp}/blurtrace-big
mkdir -p "$T"
.venv/bin/python -c "from PIL import Image; Image.open('examples/chelsea-shake.png').convert('RGB').resize((6000, 4000), Image.BICUBIC).save('$T/big24.jpg', quality=92)"
peak() { grep -E "Elapsed|Maximum resident" "$1" | sed 's/^\s*/  /'; }
for what in "${@:-trajectory net deconv}"; do
  for w in $what; do
    case $w in
      trajectory) /usr/bin/time -v $B trajectory "$T/big24.jpg" --overlay --magnitude -o "$T/big24.trajectory.png" 2> "$T/$w.time" ;;
      net|deconv) /usr/bin/time -v $B deblur "$T/big24.jpg" --method $w -o "$T/big24.$w.jpg" 2> "$T/$w.time" ;;
      *) echo "unknown: $w" >&2; exit 2 ;;
    esac
    echo "$w:"; peak "$T/$w.time"
  done
done
