"""Quality against CPU-hours of a training run, as a Markdown table (and a PNG plot).

    python scripts/training_log.py weights/runs/trajectory-quadratic [--plot out.png]

Reads the run's log.jsonl (validation records written every --val-every steps).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np


def records(run: Path) -> list[dict]:
    """Validation records by step; a resumed run re-logs steps after its checkpoint: keep the last."""
    by_step = {}
    for line in (run / "log.jsonl").read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            if "val" in r:
                by_step[r["step"]] = r
    return [by_step[k] for k in sorted(by_step)]


def table(rows: list[dict]) -> str:
    out = ["| step | CPU-hours | val EPE (px) | zero-motion EPE | reblur PSNR (dB) | true-offsets reblur PSNR |", "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        v = r["val"]
        out.append(f"| {r['step']} | {r['cpu_hours']:.2f} | {v.get('epe', float('nan')):.3f} | {v.get('epe_zero_motion', float('nan')):.3f} | "
                   f"{v['reblur_psnr']:.2f} | {v.get('true_reblur_psnr', float('nan')):.2f} |")
    return "\n".join(out)


def plot(rows: list[dict], path: Path, size=(640, 360)) -> None:
    """EPE (blue) and zero-motion EPE (grey) against CPU-hours, drawn with OpenCV."""
    w, h = size
    img = np.full((h, w, 3), 255, np.uint8)
    x = np.array([r["cpu_hours"] for r in rows])
    ys = {"epe": np.array([r["val"]["epe"] for r in rows]), "zero": np.array([r["val"]["epe_zero_motion"] for r in rows])}
    x0, x1 = 0.0, max(x.max(), 1e-6)
    y0, y1 = 0.0, max(max(v.max() for v in ys.values()) * 1.1, 1e-6)
    m = 50
    to_px = lambda a, b: (int(m + (a - x0) / (x1 - x0) * (w - 2 * m)), int(h - m - (b - y0) / (y1 - y0) * (h - 2 * m)))  # noqa: E731
    cv2.rectangle(img, (m, m), (w - m, h - m), (0, 0, 0), 1)
    for key, colour in (("zero", (150, 150, 150)), ("epe", (200, 80, 0))):
        pts = np.array([to_px(a, b) for a, b in zip(x, ys[key])], np.int32)
        cv2.polylines(img, [pts], False, colour, 2, cv2.LINE_AA)
    cv2.putText(img, "val EPE (px) vs CPU-hours; grey: zero motion", (m, m - 15), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, f"{x1:.2f} h", (w - m - 40, h - m + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, f"{y1:.1f}", (5, m + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "0", (m - 15, h - m + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.imwrite(str(path), img[..., ::-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path)
    ap.add_argument("--plot", type=Path, default=None)
    args = ap.parse_args()
    rows = records(args.run)
    print(table(rows))
    if args.plot and rows:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
