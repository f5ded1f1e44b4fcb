"""Narrow an installed U-Net deblurring network to fewer channels (``blurtrace.models.narrow``) and
write it as weights that ``blurtrace train deblur --init`` starts from.

    python scripts/narrow_deblur.py --width 20 --out weights/runs/deblur-unet20/narrowed.safetensors
        [--weights deblur-unet24-mix]

What the cut costs before fine-tuning: ``blurtrace eval deblur DIR --deblur-weights FILE``."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from blurtrace.models.deblur_net import DeblurNetConfig
from blurtrace.models.narrow import narrow_unet
from blurtrace.weights import export, resolve


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--width", type=int, required=True, help="new full-resolution width")
    ap.add_argument("--out", type=Path, required=True, help="safetensors file to write")
    ap.add_argument("--weights", default=None, help="installed deblurring weights or a file (default: the default)")
    args = ap.parse_args()
    tensors, info, path = resolve("deblur", args.weights)
    config = DeblurNetConfig(**info["architecture"])
    if config.backbone != "unet":
        raise SystemExit(f"{path}: a {config.backbone} network; only U-Nets can be narrowed")
    try:
        narrowed = narrow_unet(tensors, levels=config.levels, width=args.width)
    except ValueError as e:
        raise SystemExit(f"{path}: {e}") from None
    architecture = {**info["architecture"], "width": args.width}
    meta = {k: v for k, v in info.items() if k not in ("task", "architecture", "name")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sha = export(narrowed, args.out, task="deblur", architecture=architecture,
                 info={**meta, "name": args.out.stem, "narrowed_from": f"{path.name} (width {config.width})"})
    print(json.dumps({"wrote": str(args.out), "sha256": sha, "from": path.name, "width": [config.width, args.width],
                      "parameters": [sum(t.numel() for t in tensors.values()), sum(t.numel() for t in narrowed.values())]}))


if __name__ == "__main__":
    main()
