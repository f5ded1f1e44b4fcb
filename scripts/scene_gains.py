"""Per-scene gains over the blurry input of two `blurtrace eval deblur --json` outputs, side by side.

    python scripts/scene_gains.py BASE.jsonl OTHER.jsonl [--first K]

Rows are the scenes both files score, sorted by BASE's gain (worst first); the last row is the mean.
Why: a mean hides whether a change helps the scenes a network does worst on or trades them off.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path


def scenes(path: Path) -> dict[str, dict]:
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return {r["name"]: r for r in rows if "name" in r and "psnr" in r}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", type=Path)
    ap.add_argument("other", type=Path)
    ap.add_argument("--first", type=int, default=0, help="only the K scenes BASE does worst on (0: all)")
    a = ap.parse_args()
    base, other = scenes(a.base), scenes(a.other)
    names = sorted(set(base) & set(other), key=lambda n: base[n]["psnr"] - base[n]["blurry_psnr"])
    if not names:
        raise SystemExit("the two files share no scored scene")
    if a.first:
        names = names[: a.first]
    label = lambda p: p.parent.name if p.stem == "heldout" else p.stem  # noqa: E731  (a run folder's heldout.jsonl)
    print(f"| scene | blurry (dB) | {label(a.base)} gain | {label(a.other)} gain | difference |")
    print("|---|---|---|---|---|")
    diffs = []
    for n in names:
        gb = base[n]["psnr"] - base[n]["blurry_psnr"]
        go = other[n]["psnr"] - other[n]["blurry_psnr"]
        diffs.append((gb, go))
        print(f"| {n} | {base[n]['blurry_psnr']:.2f} | {gb:+.2f} | {go:+.2f} | {go - gb:+.2f} |")
    mb = sum(d[0] for d in diffs) / len(diffs)
    mo = sum(d[1] for d in diffs) / len(diffs)
    print(f"| mean of {len(diffs)} | | {mb:+.2f} | {mo:+.2f} | {mo - mb:+.2f} |")
    if len(diffs) > 1:
        # paired scenes: how far the mean difference could move by the draw of scenes alone
        sd = statistics.stdev(go - gb for gb, go in diffs)
        print(f"\nper-scene differences: standard deviation {sd:.2f} dB, standard error of their mean {sd / math.sqrt(len(diffs)):.3f} dB")


if __name__ == "__main__":
    main()
