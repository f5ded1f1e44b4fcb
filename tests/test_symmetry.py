import numpy as np
import pytest
import torch

from blurtrace.inference.ensemble import ensemble_deblur, ensemble_trajectory
from blurtrace.inference.predictors import TrajectoryPredictor
from blurtrace.ops.blur import reblur
from blurtrace.ops.symmetry import (
    MIRRORS,
    align_time,
    mirror_image,
    mirror_vectors,
    unmirror_image,
    unmirror_params,
    unmirror_vectors,
)
from blurtrace.ops.trajectory import reverse_time, trajectory, uniform_times


@pytest.mark.parametrize("mirror", MIRRORS)
def test_reblur_commutes_with_every_mirror(mirror):
    """Eq. 3 is symmetric under the grid's mirrors when the offsets turn with the image."""
    torch.manual_seed(0)
    sharp = torch.rand(1, 3, 24, 24)
    offsets = torch.randn(1, 5, 2, 24, 24) * 3
    expected = mirror_image(reblur(sharp, offsets), mirror)
    got = reblur(mirror_image(sharp, mirror), mirror_vectors(offsets, mirror))
    assert torch.allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("mirror", MIRRORS)
def test_unmirror_inverts_mirror(mirror):
    v = torch.randn(2, 3, 2, 7, 7)
    assert torch.equal(unmirror_vectors(mirror_vectors(v, mirror), mirror), v)
    x = torch.randn(1, 3, 5, 9)
    assert torch.equal(unmirror_image(mirror_image(x, mirror), mirror), x)


def test_mirrors_are_the_eight_distinct_symmetries():
    v = torch.randn(1, 2, 4, 4)
    images = {tuple(mirror_vectors(v, m).flatten().tolist()) for m in MIRRORS}
    assert len(MIRRORS) == 8 and len(images) == 8
    # a horizontal flip negates Δx only; a transpose swaps Δx and Δy
    flipped = mirror_vectors(v, (True, False, False))
    assert torch.equal(flipped[:, 0], -v[:, 0].flip(-1)) and torch.equal(flipped[:, 1], v[:, 1].flip(-1))
    transposed = mirror_vectors(v, (False, False, True))
    assert torch.equal(transposed[:, 0], v[:, 1].transpose(-1, -2))


@pytest.mark.parametrize("constraint", ["linear", "bilinear", "quadratic", "none"])
def test_align_time_undoes_a_per_pixel_reversal(constraint):
    c = {"linear": 2, "bilinear": 4, "quadratic": 4, "none": 10}[constraint]
    torch.manual_seed(1)
    ref = torch.randn(1, c, 6, 6)
    mixed = torch.where(torch.rand(1, 1, 6, 6) < 0.5, reverse_time(ref, constraint), ref)
    assert not torch.equal(mixed, ref)
    assert torch.allclose(align_time(mixed, ref, constraint), ref)
    # the same trajectory either way: reversal changes nothing but the direction of time
    t = uniform_times(5)
    assert torch.allclose(trajectory(reverse_time(ref, constraint), constraint, t), trajectory(ref, constraint, t.flip(0)), atol=1e-6)


def _equivariant(x: torch.Tensor) -> torch.Tensor:
    """Quadratic parameters from image gradients: a network that respects every mirror."""
    g = x.mean(1, keepdim=True)
    gx = torch.nn.functional.pad(g, (1, 1, 0, 0), mode="replicate")
    gy = torch.nn.functional.pad(g, (0, 0, 1, 1), mode="replicate")
    grad = torch.cat([gx[..., 2:] - gx[..., :-2], gy[..., 2:, :] - gy[..., :-2, :]], 1)
    return torch.cat([grad, -0.5 * grad], 1)


@pytest.mark.parametrize("size", [1, 2, 4, 8])
def test_ensemble_of_an_equivariant_network_is_that_network(size):
    x = torch.rand(1, 3, 12, 12)
    assert torch.allclose(ensemble_trajectory(_equivariant, x, constraint="quadratic", size=size), _equivariant(x), atol=1e-6)


def test_ensemble_averages_mapped_back_answers():
    """A network that ignores its input (always Δ = (1, 0) at s = −1): under a horizontal flip its
    answer maps back to (−1, 0), the opposite direction, which time alignment reverses."""
    def constant(x):
        p = torch.zeros(1, 4, *x.shape[-2:])
        p[:, 0] = 1.0
        p[:, 2] = 2.0
        return p

    x = torch.rand(1, 3, 8, 8)
    out = ensemble_trajectory(constant, x, constraint="quadratic", size=2)
    back = unmirror_params(constant(x), (True, False, False))
    assert torch.equal(back[:, 0], -torch.ones(1, 8, 8)) and torch.equal(back[:, 2], -2 * torch.ones(1, 8, 8))
    # (−1, 0)→(−2, 0) lies closer to (1, 0)→(2, 0) reversed than as it is: no cancellation
    assert out[:, 0].abs().min() > 0.4


@pytest.mark.parametrize("size", [2, 8])
def test_deblur_ensemble_of_an_equivariant_network_is_that_network(size):
    """The parameters are mirrored with the photo: a network reading only their length (which
    every mirror keeps) gives the same answer for every copy."""
    def net(x, p):
        return x * (1 + _as_pairs(p).square().sum(2).mean(1, keepdim=True))

    def _as_pairs(p):
        return p.reshape(p.shape[0], -1, 2, *p.shape[-2:])

    x, p = torch.rand(1, 3, 10, 10), torch.randn(1, 4, 10, 10)
    assert torch.allclose(ensemble_deblur(net, x, p, size=size), net(x, p), atol=1e-6)
    # a network that reads Δx alone is not equivariant: the ensemble changes its answer
    assert not torch.allclose(ensemble_deblur(lambda x, p: x * p[:, :1], x, p, size=2), x * p[:, :1])


def test_ensemble_size_is_validated(tiny_weights):
    with pytest.raises(ValueError, match="ensemble"):
        TrajectoryPredictor(ensemble=3)
    with pytest.raises(ValueError, match="ensemble"):
        ensemble_trajectory(_equivariant, torch.rand(1, 3, 4, 4), constraint="quadratic", size=5)


def test_predictor_ensemble_keeps_shape(tiny_weights):
    import numpy as np

    photo = np.random.default_rng(0).random((40, 56, 3)).astype(np.float32)
    one = TrajectoryPredictor()(photo).params
    eight = TrajectoryPredictor(ensemble=8)(photo).params
    assert eight.shape == one.shape
    assert not torch.equal(one, eight)


def test_cli_ensemble_option(tiny_weights, tmp_path):
    from conftest import textured_photo
    from PIL import Image
    from typer.testing import CliRunner

    from blurtrace.cli.commands import app
    from blurtrace.io import load_offsets

    src = tmp_path / "p.png"
    Image.fromarray(textured_photo(36, 44)).save(src)
    runner = CliRunner()
    r1 = runner.invoke(app, ["trajectory", str(src), "--save-offsets", str(tmp_path / "one.npz")])
    r4 = runner.invoke(app, ["trajectory", str(src), "--save-offsets", str(tmp_path / "four.npz"), "--ensemble", "4"])
    assert r1.exit_code == 0 and r4.exit_code == 0, r4.stderr
    one, four = load_offsets(tmp_path / "one.npz"), load_offsets(tmp_path / "four.npz")
    assert one.offsets.shape == four.offsets.shape and not np.array_equal(one.offsets, four.offsets)
    bad = runner.invoke(app, ["trajectory", str(src), "--ensemble", "3"])
    assert bad.exit_code == 2 and "ensemble" in bad.stderr.lower()
