"""Quality against CPU-hours of training runs, as a Markdown table (and a PNG plot).

    python scripts/training_log.py weights/runs/trajectory-quadratic [--plot out.png]
    python scripts/training_log.py weights/runs/deblur-motion-aware weights/runs/deblur-backbone [--plot out.png]

Reads each run's log.jsonl (validation records written every --val-every steps). Trajectory
runs report end-point error (lower is better), deblurring runs PSNR against the sharp frame.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

COLOURS = ((200, 80, 0), (0, 140, 0), (0, 0, 200), (150, 0, 150))


def records(run: Path) -> list[dict]:
    """Validation records by step; a resumed run re-logs steps after its checkpoint: keep the last."""
    by_step = {}
    for line in (run / "log.jsonl").read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            if "val" in r:
                by_step[r["step"]] = r
    return [by_step[k] for k in sorted(by_step)]


def is_deblur(rows: list[dict]) -> bool:
    return bool(rows) and "psnr" in rows[0]["val"]


def table(rows: list[dict]) -> str:
    if is_deblur(rows):
        out = ["| step | CPU-hours | val PSNR (dB) | blurry input (dB) | gain (dB) |", "|---:|---:|---:|---:|---:|"]
        for r in rows:
            v = r["val"]
            out.append(f"| {r['step']} | {r['cpu_hours']:.2f} | {v['psnr']:.2f} | {v['blurry_psnr']:.2f} | {v['psnr'] - v['blurry_psnr']:+.2f} |")
        return "\n".join(out)
    out = ["| step | CPU-hours | val EPE (px) | zero-motion EPE | reblur PSNR (dB) | true-offsets reblur PSNR |", "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        v = r["val"]
        out.append(f"| {r['step']} | {r['cpu_hours']:.2f} | {v.get('epe', float('nan')):.3f} | {v.get('epe_zero_motion', float('nan')):.3f} | "
                   f"{v['reblur_psnr']:.2f} | {v.get('true_reblur_psnr', float('nan')):.2f} |")
    return "\n".join(out)


def curves(runs: dict[str, list[dict]]) -> tuple[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The plotted quantity and one (CPU-hours, value) curve per line."""
    out = {}
    deblur = all(is_deblur(rows) for rows in runs.values())
    for name, rows in runs.items():
        x = np.array([r["cpu_hours"] for r in rows])
        if deblur:
            out[name] = (x, np.array([r["val"]["psnr"] - r["val"]["blurry_psnr"] for r in rows]))
        else:
            out[name] = (x, np.array([r["val"]["epe"] for r in rows]))
            out["zero motion"] = (x, np.array([r["val"]["epe_zero_motion"] for r in rows]))
    return ("val PSNR gain over the blurry input (dB)" if deblur else "val EPE (px)"), out


def plot(runs: dict[str, list[dict]], path: Path, size=(640, 360)) -> None:
    """Each curve against CPU-hours, drawn with OpenCV, with a legend."""
    w, h = size
    img = np.full((h, w, 3), 255, np.uint8)
    label, lines = curves(runs)
    xs = np.concatenate([x for x, _ in lines.values()])
    ys = np.concatenate([y for _, y in lines.values()])
    x0, x1 = 0.0, max(xs.max(), 1e-6)
    y0, y1 = min(0.0, ys.min()), max(ys.max() * 1.1, 1e-6)
    m = 50
    to_px = lambda a, b: (int(m + (a - x0) / (x1 - x0) * (w - 2 * m)), int(h - m - (b - y0) / (y1 - y0) * (h - 2 * m)))  # noqa: E731
    cv2.rectangle(img, (m, m), (w - m, h - m), (0, 0, 0), 1)
    for i, (name, (x, y)) in enumerate(lines.items()):
        colour = (150, 150, 150) if name == "zero motion" else COLOURS[i % len(COLOURS)]
        pts = np.array([to_px(a, b) for a, b in zip(x, y)], np.int32)
        cv2.polylines(img, [pts], False, colour, 2, cv2.LINE_AA)
        cv2.putText(img, name, (m + 10, m + 20 + 18 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
    cv2.putText(img, f"{label} vs CPU-hours", (m, m - 15), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, f"{x1:.2f} h", (w - m - 40, h - m + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, f"{y1:.2f}", (5, m + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, f"{y0:.2f}", (5, h - m + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.imwrite(str(path), img[..., ::-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--plot", type=Path, default=None)
    args = ap.parse_args()
    runs = {run.name: records(run) for run in args.runs}
    for name, rows in runs.items():
        if len(runs) > 1:
            print(f"\n{name}\n")
        print(table(rows))
    if args.plot and all(runs.values()):
        plot(runs, args.plot)


if __name__ == "__main__":
    main()
