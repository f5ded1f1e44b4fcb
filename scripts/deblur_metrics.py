"""The manifest's metrics for the deblurring weights, read from what the benchmark commands wrote
(never typed by hand):

    bash scripts/evaluate_deblur.sh                                   # data/results/deblur-*.jsonl
    python benchmarks/speed.py --method net --method deconv > data/results/speed.jsonl
    python scripts/deblur_metrics.py motion-aware > data/results/deblur-metrics.json
    python scripts/deblur_metrics.py backbone > data/results/deblur-backbone-metrics.json
    python scripts/deblur_metrics.py backbone-mix > data/results/deblur-backbone-mix-metrics.json
    python benchmarks/speed.py --method net --deblur-weights deblur-unet16 > data/results/speed-unet16.jsonl
    BLURTRACE_DEBLUR_WEIGHTS=deblur-unet16 bash benchmarks/big_photo.sh net > data/results/big_photo-unet16.txt
    python scripts/deblur_metrics.py unet16 > data/results/deblur-unet16-metrics.json
    python benchmarks/speed.py --method net --deblur-weights deblur-unet20 > data/results/speed-unet20.jsonl
    BLURTRACE_DEBLUR_WEIGHTS=deblur-unet20 bash benchmarks/big_photo.sh net > data/results/big_photo-unet20.txt
    python scripts/deblur_metrics.py unet20 > data/results/deblur-unet20-metrics.json
    blurtrace train export weights/runs/deblur-unet24-mix/last.pt --name deblur-unet24-mix \
        --default --metrics data/results/deblur-metrics.json --data-note "..."
    blurtrace train export weights/runs/deblur-unet24-backbone/last.pt --name deblur-unet24-backbone \
        --dest weights/ablations --metrics data/results/deblur-backbone-metrics.json --data-note "..."
    blurtrace train export weights/runs/deblur-unet24-backbone-mix/last.pt --name deblur-unet24-backbone-mix \
        --dest weights/ablations --metrics data/results/deblur-backbone-mix-metrics.json --data-note "..."
    blurtrace train export weights/runs/deblur-unet16/last.pt --name deblur-unet16 \
        --metrics data/results/deblur-unet16-metrics.json --data-note "..."
    blurtrace train export weights/runs/deblur-unet20/last.pt --name deblur-unet20 \
        --metrics data/results/deblur-unet20-metrics.json --data-note "..."

Seconds per image are left out: `eval deblur` times whatever else the machine is doing; the
speed figures come from benchmarks/speed.py on an idle machine. Speed and the 24 MP memory are
added for the installed models (the default: data/results/speed.jsonl and big_photo.txt;
deblur-unet16 and deblur-unet20: speed-unet16.jsonl, big_photo-unet16.txt and the same for unet20), when those files exist.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

RESULTS = Path("data/results")


def mean(name: str) -> dict:
    return json.loads((RESULTS / name).read_text().strip().splitlines()[-1])["mean"]


def gopro(name: str) -> dict:
    out = {}
    path = RESULTS / name
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        row = json.loads(line)
        out[f"blurry_{row['pair']}"] = row["blurry_psnr"]
        out[row["pair"]] = row["net_psnr"]
    return out


def speed_and_memory(speed_name: str, big_name: str, command: str) -> dict:
    """An installed model's 1280×720 seconds (benchmarks/speed.py) and 24 MP peak (big_photo.sh)."""
    metrics: dict = {}
    speed = RESULTS / speed_name
    if speed.exists():
        rows = [json.loads(line) for line in speed.read_text().splitlines() if line.strip()]
        by = {r["what"].split(" 1280x720")[0]: r for r in rows}
        if "trajectory" in by and "deblur (net)" in by:
            metrics["speed_1280x720_2_threads_s"] = {
                "command": command,
                "trajectory": by["trajectory"]["seconds"],
                "deblur_net": by["deblur (net)"]["seconds"],
                "whole": by["deblur (net)"]["whole_deblur_seconds"],
                "precision": by["deblur (net)"].get("precision", "fp32"),
            }
    big = RESULTS / big_name
    if big.exists():
        found = re.search(r"^net:\n(?:.*\n)*?\s*Maximum resident set size \(kbytes\): (\d+)", big.read_text(), re.M)
        if found:
            metrics["memory_6000x4000_cli_peak_gb"] = round(int(found.group(1)) / 1e6, 2)
    return metrics


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # which evaluate_deblur.sh result each model's figures come from
    results = {"motion-aware": "net", "backbone": "backbone", "backbone-mix": "backbone-mix", "unet16": "unet16", "unet20": "unet20"}
    # the installed models' speed and 24 MP memory files, and the speed command
    installed = {"motion-aware": ("speed.jsonl", "big_photo.txt", "python benchmarks/speed.py --method net --method deconv"),
                 **{m: (f"speed-{m}.jsonl", f"big_photo-{m}.txt", f"python benchmarks/speed.py --method net --deblur-weights deblur-{m}")
                    for m in ("unet16", "unet20")}}
    ap.add_argument("model", choices=tuple(results))
    args = ap.parse_args()
    run = results[args.model]
    own = mean(f"deblur-dynamic-{run}.jsonl")
    held_out = {
        "command": "bash scripts/evaluate_deblur.sh",
        "pairs": own["count"],
        "blurry_psnr_db": round(own["blurry_psnr"], 2),
        "psnr_db": round(own["psnr"], 2),
        "ssim": round(own["ssim"], 4),
        "precision": own.get("precision", "fp32"),  # results written before the option existed were fp32
    }
    metrics: dict = {"held_out_dynamic_640x360": held_out}
    if args.model == "motion-aware":
        # the default was continued from deblur-unet24 on more data; its own twin (backbone-mix) has
        # its own entry, and deblur-unet24's figure shows what the continuation added
        held_out["continued_from_deblur_unet24_psnr_db"] = round(mean("deblur-dynamic-unet24.jsonl")["psnr"], 2)
        held_out["psnr_db_true_trajectory_endpoints"] = round(mean("deblur-dynamic-net-true.jsonl")["psnr"], 2)
    metrics["gopro_pairs_psnr_db"] = gopro(f"deblur-gopro-{run}.jsonl")
    if args.model in installed:
        metrics.update(speed_and_memory(*installed[args.model]))
    print(json.dumps(metrics, indent=1))


if __name__ == "__main__":
    main()
