"""`blurtrace synth`: layout, determinism, resumability, and self-consistency with Eq. 3."""
import numpy as np
import pytest
import torch

from blurtrace.data.synth import (
    SynthConfig,
    list_photos,
    load_photos,
    render_sample,
    synthesize,
)
from blurtrace.evaluation.metrics import psnr
from blurtrace.evaluation.scoring import border_mask
from blurtrace.io import load_offsets, read_image
from blurtrace.ops.blur import reblur
from blurtrace.ops.trajectory import trajectory, uniform_times


@pytest.mark.parametrize("motion", ["flow", "camera", "dynamic"])
def test_reblur_with_true_offsets_reproduces_blurry(photo_dir, motion):
    photos = load_photos(list_photos(photo_dir))
    config = SynthConfig(height=64, width=80, motion=motion, max_extent=6, noise=0.0, gt_times=9)
    s = render_sample(photos, config, np.random.default_rng(3))
    sharp = torch.from_numpy(s.sharp).permute(2, 0, 1)[None].float() / 255
    blurry = torch.from_numpy(s.blurry).permute(2, 0, 1)[None].float() / 255
    assert float(psnr(sharp, blurry)) < 38  # there is visible blur to explain
    # "many times": the truth, read between its 9 stored times, at 4× the renderer's sub-frames
    dense = trajectory(torch.from_numpy(s.offsets).reshape(1, -1, 64, 80), "none", uniform_times(4 * s.subframes + 1))
    mask = border_mask(64, 80, 16) * torch.from_numpy(s.valid)[None, None].float()
    assert mask.sum() > 0.25 * border_mask(64, 80, 16).sum()  # moving objects cover part of small scenes
    assert float(psnr(reblur(sharp, dense, light="linear"), blurry, mask=mask)) >= 40
    # and the gamma-space model does measurably worse on linear-light blur
    assert float(psnr(reblur(sharp, dense, light="gamma"), blurry, mask=mask)) < float(psnr(reblur(sharp, dense, light="linear"), blurry, mask=mask))


def test_gamma_averaging_changes_only_the_blurry_image(photo_dir, tmp_path):
    """GoPro-style blur (frames averaged as sRGB values): the same scene and truth; the blurry
    image is what the gamma-space blur model (Eq. 3 on sRGB values) reproduces, and, sRGB being
    concave, never brighter than the linear-light average (Jensen)."""
    photos = load_photos(list_photos(photo_dir))
    kw = dict(height=64, width=80, motion="dynamic", max_extent=6, noise=0.0, gt_times=9)
    lin = render_sample(photos, SynthConfig(**kw), np.random.default_rng(3))
    gam = render_sample(photos, SynthConfig(**kw, light="gamma"), np.random.default_rng(3))
    assert gam.light == "gamma" and lin.light == "linear"
    for field in ("sharp", "offsets", "frames", "valid"):
        assert np.array_equal(getattr(gam, field), getattr(lin, field)), field
    diff = gam.blurry.astype(int) - lin.blurry.astype(int)
    assert diff.max() <= 1 and diff.min() < -2  # darker where bright and dark are mixed
    sharp = torch.from_numpy(gam.sharp).permute(2, 0, 1)[None].float() / 255
    blurry = torch.from_numpy(gam.blurry).permute(2, 0, 1)[None].float() / 255
    dense = trajectory(torch.from_numpy(gam.offsets).reshape(1, -1, 64, 80), "none", uniform_times(4 * gam.subframes + 1))
    mask = border_mask(64, 80, 16) * torch.from_numpy(gam.valid)[None, None].float()
    as_gamma = float(psnr(reblur(sharp, dense, light="gamma"), blurry, mask=mask))
    assert as_gamma >= 40 and as_gamma > float(psnr(reblur(sharp, dense, light="linear"), blurry, mask=mask))
    # the truth file says which space the blur was averaged in
    synthesize(photo_dir, tmp_path / "g", count=1, config=SynthConfig(**kw, light="gamma"), seed=0)
    assert load_offsets(tmp_path / "g" / "gt" / "00000.npz").light == "gamma"


def test_truth_is_consistent(photo_dir):
    photos = load_photos(list_photos(photo_dir))
    s = render_sample(photos, SynthConfig(height=48, width=48, motion="camera", max_extent=5), np.random.default_rng(0))
    assert s.offsets.shape == (9, 2, 48, 48) and s.frames.shape == (9, 48, 48, 3)
    assert np.abs(s.offsets[4]).max() == 0  # s = 0 is the sharp frame
    assert np.array_equal(s.frames[4], s.sharp)
    assert s.subframes % 2 == 1


def test_dataset_layout_determinism_and_resume(photo_dir, tmp_path):
    cfg = SynthConfig(height=40, width=56, motion="dynamic", max_extent=4, gt_times=5)
    out = tmp_path / "ds"
    assert synthesize(photo_dir, out, count=3, config=cfg, seed=5) == 3
    for sub, ext in (("blur", "png"), ("sharp", "png"), ("gt", "npz"), ("frames", "npy")):
        assert sorted(p.name for p in (out / sub).iterdir()) == [f"0000{i}.{ext}" for i in range(3)]
    of = load_offsets(out / "gt" / "00001.npz")
    assert of.offsets.shape == (5, 2, 40, 56) and of.constraint == "none" and of.light == "linear"
    assert np.array_equal(of.start, of.offsets[0]) and np.array_equal(of.end, of.offsets[-1])
    assert np.load(out / "frames" / "00001.npy").shape == (5, 40, 56, 3)
    # resume: complete samples are skipped, a lost one is re-made identically
    first = read_image(out / "blur" / "00001.png").pixels.copy()
    (out / "blur" / "00001.png").unlink()
    assert synthesize(photo_dir, out, count=4, config=cfg, seed=5) == 2
    assert np.array_equal(read_image(out / "blur" / "00001.png").pixels, first)
    other = tmp_path / "other"
    synthesize(photo_dir, other, count=2, config=cfg, seed=6)
    assert not np.array_equal(read_image(other / "blur" / "00001.png").pixels, first)


def test_bad_config():
    with pytest.raises(ValueError, match="motion"):
        SynthConfig(motion="zoom")
    with pytest.raises(ValueError, match="gt_times"):
        SynthConfig(gt_times=4)
    with pytest.raises(ValueError, match="light"):
        SynthConfig(light="log")


def test_no_photos(tmp_path):
    with pytest.raises(FileNotFoundError):
        list_photos(tmp_path)
