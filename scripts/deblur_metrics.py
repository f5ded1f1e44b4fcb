"""The manifest's metrics for the deblurring weights, read from what the benchmark commands wrote
(never typed by hand):

    bash scripts/evaluate_deblur.sh                                   # data/results/deblur-*.jsonl
    python benchmarks/speed.py --method net > data/results/speed.jsonl
    bash benchmarks/big_photo.sh net > data/results/big_photo.txt
    python scripts/deblur_metrics.py unet18 > data/results/deblur-unet18-metrics.json   # the default
    python scripts/deblur_metrics.py backbone-mix > data/results/deblur-backbone-mix-metrics.json
    python benchmarks/speed.py --method net --deblur-weights deblur-unet20 > data/results/speed-unet20.jsonl
    BLURTRACE_DEBLUR_WEIGHTS=deblur-unet20 bash benchmarks/big_photo.sh net > data/results/big_photo-unet20.txt
    python scripts/deblur_metrics.py unet20 > data/results/deblur-unet20-metrics.json
    blurtrace train export weights/runs/deblur-unet18/last.pt --name deblur-unet18 \
        --default --metrics data/results/deblur-unet18-metrics.json --data-note "..."
    blurtrace train export weights/runs/deblur-unet24-backbone-mix/last.pt --name deblur-unet24-backbone-mix \
        --dest weights/ablations --metrics data/results/deblur-backbone-mix-metrics.json --data-note "..."
    blurtrace train export weights/runs/deblur-unet20/last.pt --name deblur-unet20 \
        --metrics data/results/deblur-unet20-metrics.json --data-note "..."

and the same for the other models (unet24-mix, unet24, unet16, backbone). The default's held-out
results are evaluate_deblur.sh's "net" files and its speed and 24 MP figures speed.jsonl and
big_photo.txt; every other installed model's are speed-NAME.jsonl and big_photo-NAME.txt (NAME
as given here). The default is read from the manifest; for a model about to become the default,
name it with --default (its results must then be under the default's names).

Seconds per image are left out: `eval deblur` times whatever else the machine is doing; the
speed figures come from benchmarks/speed.py on an idle machine; they are added when those files exist.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from blurtrace.weights import default_entry

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
    # model -> its installed (or ablation) name; evaluate_deblur.sh writes results under the model's
    # key, the default's under "net"
    names = {"unet18": "deblur-unet18", "unet20": "deblur-unet20", "unet16": "deblur-unet16",
             "unet24-mix": "deblur-unet24-mix", "unet24": "deblur-unet24",
             "backbone-mix": "deblur-unet24-backbone-mix", "backbone": "deblur-unet24-backbone"}
    ap.add_argument("model", choices=tuple(names))
    ap.add_argument("--default", default=None, help="the default deblurring model's name (default: the manifest's)")
    args = ap.parse_args()
    default = args.default or default_entry("deblur").name
    is_default = names[args.model] == default
    run = "net" if is_default else args.model
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
    if args.model == "unet24-mix":
        # continued from deblur-unet24 on more data; its figure shows what the continuation added
        held_out["continued_from_deblur_unet24_psnr_db"] = round(mean("deblur-dynamic-unet24.jsonl")["psnr"], 2)
    if is_default:
        held_out["psnr_db_true_trajectory_endpoints"] = round(mean("deblur-dynamic-net-true.jsonl")["psnr"], 2)
    metrics["gopro_pairs_psnr_db"] = gopro(f"deblur-gopro-{run}.jsonl")
    if is_default:
        metrics.update(speed_and_memory("speed.jsonl", "big_photo.txt", "python benchmarks/speed.py --method net"))
    elif not args.model.startswith("backbone"):
        metrics.update(speed_and_memory(f"speed-{args.model}.jsonl", f"big_photo-{args.model}.txt",
                                        f"python benchmarks/speed.py --method net --deblur-weights {names[args.model]}"))
    print(json.dumps(metrics, indent=1))


if __name__ == "__main__":
    main()
