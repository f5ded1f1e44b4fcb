"""Make the blurry example photos in this folder with our own `synth` renderer.

    python examples/make_examples.py

Sources are photos shipped inside scikit-image (scikit-image is only needed to rerun this):
astronaut (NASA, public domain), chelsea (CC0, Stefan van der Walt), coffee (CC0, Rachel
Michetti). ``NAME.sharp.png`` is the true sharp frame. For each example the first seed (from
the listed one upwards) whose blur reaches 60 % of the budget is kept, so the blur is visible.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from skimage import data

from blurtrace.data.synth import SynthConfig, render_sample
from blurtrace.io import write_image

HERE = Path(__file__).resolve().parent
EXAMPLES = [
    # name, photo, motion, output size (w, h), largest blur (px), seed
    ("chelsea-shake", data.chelsea, "camera", (384, 256), 12.0, 4),
    ("coffee-dynamic", data.coffee, "dynamic", (512, 336), 10.0, 11),
    ("astronaut-flow", data.astronaut, "flow", (384, 384), 10.0, 2),
]


def main() -> None:
    for name, load, motion, (w, h), blur, seed in EXAMPLES:
        photo = load().astype(np.float32) / 255
        config = SynthConfig(height=h, width=w, motion=motion, max_extent=blur, noise=0.004, gt_times=9, photo_scale=(1.0, 1.0), max_objects=2)
        while True:
            s = render_sample([photo], config, np.random.default_rng(seed))
            if np.abs(s.offsets).max() >= 0.6 * blur:
                break
            seed += 1
        write_image(HERE / f"{name}.png", s.blurry)
        write_image(HERE / f"{name}.sharp.png", s.sharp)
        print(name, f"{w}x{h}", motion, f"seed {seed}", f"max offset {np.abs(s.offsets).max():.1f}px")


if __name__ == "__main__":
    main()
