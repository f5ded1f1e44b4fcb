"""Out-of-focus backgrounds (`blurtrace synth --defocus`): the lens blur and its use in synth."""
import numpy as np
import pytest
import torch

from blurtrace.data.defocus import defocus_background, disc_kernel, focus_map, lens_blur
from blurtrace.data.synth import SynthConfig, list_photos, load_photos, render_sample


@pytest.mark.parametrize("radius", [0.6, 1.0, 2.5, 4.0, 8.0])
def test_disc_kernel_is_a_normalised_symmetric_disc(radius):
    k = disc_kernel(radius)
    assert k.shape[0] == k.shape[1] == 2 * int(np.ceil(radius)) + 1
    assert torch.isclose(k.sum(), torch.tensor(1.0))
    assert torch.equal(k, k.flip(0)) and torch.equal(k, k.T)
    c = k.shape[0] // 2
    assert k[c, c] == k.max() and k[0, 0] < k[c, c]  # the corner lies outside the disc's core
    # variance per axis of a disc of radius r integrated over unit pixels: r²/4 + 1/12
    ax = torch.arange(-c, c + 1, dtype=torch.float32)
    var = float((k * ax[None, :] ** 2).sum())
    assert abs(var - (radius**2 / 4 + 1 / 12)) < 0.08


def test_lens_blur_identity_and_constants():
    img = torch.rand(3, 20, 24)
    assert torch.equal(lens_blur(img, 0.0), img)
    flat = torch.full((3, 20, 24), 0.3)
    assert torch.allclose(lens_blur(flat, 3.0), flat)  # reflected edges: no dark border
    out = lens_blur(img, 2.0)
    assert out.shape == img.shape and float(out.std()) < float(img.std())


def test_focus_map_is_smooth_and_in_range():
    m = focus_map(np.random.default_rng(0), 60, 80)
    assert m.shape == (60, 80) and float(m.min()) >= 0 and float(m.max()) <= 1
    assert float(m.diff(dim=1).abs().max()) < 0.25  # soft transitions, no hard cut-out


def test_defocus_background_touches_only_out_of_focus_samples():
    bg = torch.rand(3, 40, 40)
    outs = [defocus_background(bg, np.random.default_rng(s), max_radius=4.0) for s in range(20)]
    unchanged = sum(o is bg for o in outs)
    assert 3 <= unchanged <= 17  # about half stay in focus
    assert all(float((o - bg).abs().max()) > 0 for o in outs if o is not bg)
    assert defocus_background(bg, np.random.default_rng(0), max_radius=0.0) is bg


def test_synth_defocus_keeps_the_scene_and_blurs_the_sharp_target(photo_dir):
    photos = load_photos(list_photos(photo_dir))
    base = SynthConfig(height=48, width=64, motion="dynamic", max_extent=4, noise=0.0)
    plain = render_sample(photos, base, np.random.default_rng(7))
    # the first seed whose background gets some defocus (half of them do)
    for seed in range(7, 40):
        plain = render_sample(photos, base, np.random.default_rng(seed))
        soft = render_sample(photos, SynthConfig(**{**base.__dict__, "defocus": 5.0}), np.random.default_rng(seed))
        if not np.array_equal(soft.sharp, plain.sharp):
            break
    else:
        pytest.fail("no sample was defocused")
    assert np.array_equal(soft.offsets, plain.offsets) and np.array_equal(soft.valid, plain.valid)  # same motion
    grad = lambda im: float(np.abs(np.diff(im.astype(np.float32), axis=1)).mean())  # noqa: E731
    assert grad(soft.sharp) < grad(plain.sharp)  # the sharp target itself lost detail
    np.testing.assert_array_equal(soft.frames[len(soft.frames) // 2], soft.sharp)


def test_defocus_config_is_checked():
    with pytest.raises(ValueError, match="defocus"):
        SynthConfig(defocus=-1.0)
