"""Print chosen means of a `blurtrace eval … --json` stream as a Markdown row fragment.

    blurtrace eval deblur DIR --json | python scripts/mean_columns.py DIGITS KEY [KEY ...]

Reads the last line (``{"mean": {...}}``) from stdin; prints ``v1 | v2 | …`` with DIGITS decimals.
"""
import json
import sys

digits, keys = int(sys.argv[1]), sys.argv[2:]
mean = json.loads(sys.stdin.read().splitlines()[-1])["mean"]
print(" | ".join(f"{mean[k]:.{digits}f}" for k in keys))
