"""Predictor: shapes, the offsets contract, and tiling without seams."""
import numpy as np
import pytest
import torch
from conftest import textured_photo

from blurtrace.inference.predictors import TrajectoryPredictor, image_to_tensor
from blurtrace.inference.tiling import tiled_apply
from blurtrace.io import load_offsets, save_offsets


def test_predictor_contract(tiny_weights, tmp_path):
    pred = TrajectoryPredictor(device="cpu")
    img = textured_photo(37, 53)
    traj = pred(img)
    assert traj.params.shape == (1, 4, 37, 53) and traj.constraint == "quadratic" and traj.light == "linear"
    of = traj.to_file(9)
    assert of.offsets.shape == (9, 2, 37, 53) and of.times[0] == -1 and of.times[-1] == 1
    assert np.abs(of.offsets[4]).max() == 0  # the sharp frame
    np.testing.assert_allclose(of.start, of.offsets[0], atol=1e-6)
    np.testing.assert_allclose(of.end, of.offsets[-1], atol=1e-6)
    save_offsets(tmp_path / "o.npz", of)
    back = load_offsets(tmp_path / "o.npz")
    np.testing.assert_array_equal(back.offsets, of.offsets)
    assert back.constraint == "quadratic" and back.light == "linear"


def test_tiles_blend_without_seams():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 5, padding=2), torch.nn.ReLU(), torch.nn.Conv2d(8, 2, 5, padding=2))
    x = torch.rand(1, 3, 70, 90)
    with torch.no_grad():
        whole = net(x)
        tiled = tiled_apply(net, x, out_channels=2, tile=32, overlap=20)
    # the ignored band (a quarter of the overlap, 5 px) covers the receptive field's radius (4 px)
    assert torch.allclose(tiled, whole, atol=1e-5)
    with torch.no_grad():
        rough = tiled_apply(net, x, out_channels=2, tile=32, overlap=2)
    assert not torch.allclose(rough, whole, atol=1e-5)  # too little overlap does show


def test_predictor_precision(tiny_weights):
    """bfloat16 arithmetic (the default on CPUs that have it): float32 trajectories, the float32
    answer to within bfloat16's rounding; an unknown precision is refused."""
    img = textured_photo(40, 56)
    fp32 = TrajectoryPredictor(device="cpu", precision="fp32")
    bf16 = TrajectoryPredictor(device="cpu", precision="bf16")
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
    a, b = fp32(img).params, bf16(img).params
    assert b.dtype == torch.float32 and 0 < (a - b).abs().max() < 0.05 * a.abs().max() + 1e-3
    with pytest.raises(ValueError, match="precision"):
        TrajectoryPredictor(device="cpu", precision="fp16")


def test_tiled_prediction_matches_whole(tiny_weights):
    img = textured_photo(96, 130)
    whole = TrajectoryPredictor(device="cpu", tile=4096)(img).params
    tiled = TrajectoryPredictor(device="cpu", tile=64, overlap=32)(img).params
    # the tiny model sees ~50 px: tiles of 64 with 32 px overlap agree closely, not exactly
    assert (tiled - whole).abs().mean() < 0.1 * whole.abs().mean() + 1e-4


def test_image_to_tensor_dtypes():
    a8 = np.full((2, 3, 3), 255, np.uint8)
    a16 = np.full((2, 3, 3), 65535, np.uint16)
    assert torch.all(image_to_tensor(a8) == 1) and torch.all(image_to_tensor(a16) == 1)
    with pytest.raises(ValueError):
        image_to_tensor(np.zeros((2, 3)))


def test_offsets_at_pixels_and_banded_magnitude_match_the_full_offsets():
    """The memory-light readers give what the full (T, 2, H, W) offsets give."""
    from blurtrace.inference.predictors import Trajectories
    from blurtrace.render.overlay import blur_magnitude

    torch.manual_seed(3)
    traj = Trajectories(params=torch.randn(1, 4, 37, 29) * 3, constraint="quadratic", n_offsets=9, light="linear")
    full = traj.offsets()[0].numpy()
    rows, cols = np.array([0, 5, 36, 20]), np.array([0, 28, 3, 11])
    assert np.allclose(traj.at(rows, cols), full[:, :, rows, cols], atol=1e-6)
    assert np.allclose(traj.magnitude(rows=8), blur_magnitude(full), atol=1e-5)
    assert np.allclose(traj.magnitude(stride=3), blur_magnitude(full)[::3, ::3], atol=1e-5)
