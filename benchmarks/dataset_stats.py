"""How alike are the training, validation and held-out sets? Texture, motion and blur per folder.

    python benchmarks/dataset_stats.py [DATA ...] [--limit N]

DATA are `blurtrace synth` folders (default: the three training folders, the validation folder
and the 40 held-out scenes). For the first N pairs of each it prints the sharp frames' texture
(the Laplacian variance tile selection uses, `blurtrace.data.photos.texture_score`, grey
0–255 after a 2× reduction), the true trajectories' end-to-end length (mean, share under 4 px
and of 8 px or more) and the blurry input's PSNR against the sharp frame. A model judged on a
set unlike the one it trained on can improve on one and not on the other.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from blurtrace.data.datasets import PairedImages, find_pairs
from blurtrace.data.photos import texture_score

DEFAULT = ("data/train/dynamic", "data/train/camera", "data/train/flow", "data/val/dynamic", "data/eval/dynamic-640x360")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="*", default=list(DEFAULT))
    ap.add_argument("--limit", type=int, default=40, help="pairs per folder (default 40)")
    args = ap.parse_args()
    print("| set | pairs | size | texture (Laplacian var.) | true length (px) | < 4 px | ≥ 8 px | blurry PSNR (dB) |")
    print("|---|---|---|---|---|---|---|---|")
    for folder in args.data:
        # the pixels and truth exactly as training reads them (uint8, float16 offsets)
        data = PairedImages(find_pairs(Path(folder))[: args.limit])
        tex, length, short, long_, blurry_psnr = [], [], [], [], []
        for blurry, sharp_chw, true in zip(data.blurry, data.sharp, data.true):
            sharp = sharp_chw.permute(1, 2, 0).numpy()
            tex.append(texture_score(sharp)[0])
            err = (blurry.permute(1, 2, 0).numpy().astype(np.float64) - sharp) / 255
            blurry_psnr.append(-10 * np.log10(max(float(np.mean(err**2)), 1e-12)))
            if true is not None:
                of = true.float().numpy()  # (T, 2, H, W), time-ordered
                span = np.sqrt(((of[-1] - of[0]) ** 2).sum(0))
                length.append(span.mean())
                short.append((span < 4).mean())
                long_.append((span >= 8).mean())
        h, w = sharp.shape[:2]
        motion = (f"{np.mean(length):.2f} | {100 * np.mean(short):.0f} % | {100 * np.mean(long_):.0f} %"
                  if length else "— | — | —")
        print(f"| {folder} | {len(data.blurry)} | {w}×{h} | {np.mean(tex):.0f} | {motion} | {np.mean(blurry_psnr):.2f} |")


if __name__ == "__main__":
    main()
