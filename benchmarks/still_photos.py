"""What the networks make of photos that are already sharp.

    python benchmarks/still_photos.py [DIR ...] [--weights W] [--deblur] [--deblur-weights D] [--limit N]

DIR are folders (searched recursively), files or globs of sharp photos (default: the 40 held-out scenes' sharp
frames, ``data/eval/dynamic-640x360/sharp``, from photos no network trained on). A photo taken
with nothing moving has a trajectory of length 0 at every pixel; a network that reads length
from the picture's content instead of from its blur draws motion there too, and a deblurring
network fed that motion sharpens what was sharp already. Per photo one JSON line: the estimated
trajectory length (``Trajectories.magnitude``, px) as median, 90th percentile and share of
pixels above 2 px, all pixels but a 16 px border, and the median over the photo's most textured
quarter (``local_texture``, 9×9: where a trajectory changes what a deblurring sees; in flat
regions any length reblurs alike); with ``--deblur`` also the PSNR of the whole
``deblur`` (trajectory and network) against the photo itself (an identity would be infinite).
The last line holds the means over photos.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from blurtrace.evaluation.metrics import local_texture, psnr
from blurtrace.inference.predictors import DeblurPredictor, TrajectoryPredictor, image_to_tensor
from blurtrace.io import find_images, read_image

DEFAULT = Path(__file__).resolve().parents[1] / "data" / "eval" / "dynamic-640x360" / "sharp"
BORDER = 16


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*", type=Path, default=[DEFAULT])
    ap.add_argument("--weights", default=None, help="trajectory weights (default: the shipped ones)")
    ap.add_argument("--deblur", action="store_true", help="also deblur each photo and score it against itself")
    ap.add_argument("--deblur-weights", default=None, help="deblurring network weights (implies --deblur; default: the shipped ones)")
    ap.add_argument("--limit", type=int, default=None, help="first N photos of each folder")
    args = ap.parse_args()
    paths = [image for d in args.dirs for image, _ in find_images([d], recursive=True)[0][: args.limit]]
    if not paths:
        print(f"no photos in {', '.join(map(str, args.dirs))}", file=sys.stderr)
        return 2
    pred = TrajectoryPredictor(weights=args.weights, device="cpu")
    deblurrer = DeblurPredictor(method="net", weights=args.deblur_weights, device="cpu") if args.deblur or args.deblur_weights else None
    rows = []
    for path in paths:
        photo = read_image(path).to_float()
        traj = pred(photo)
        length = traj.magnitude()[BORDER:-BORDER, BORDER:-BORDER]
        x = image_to_tensor(photo)
        texture = local_texture(x)[0, BORDER:-BORDER, BORDER:-BORDER].numpy()
        row = {"photo": str(path), "median_length_px": float(np.median(length)), "p90_length_px": float(np.percentile(length, 90)),
               "share_over_2px": float((length > 2).mean()),
               "median_length_textured_px": float(np.median(length[texture >= np.quantile(texture, 0.75)]))}
        if deblurrer is not None:
            row["deblur_psnr_vs_itself"] = float(psnr(image_to_tensor(deblurrer(photo, traj)), x))
        rows.append(row)
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
    keys = [k for k in rows[0] if k != "photo"]
    print(json.dumps({"mean": {k: round(float(np.mean([r[k] for r in rows])), 3) for k in keys}, "photos": len(rows)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
