"""Sampling at pixel offsets: blurtrace.ops.grid (the one place offsets become sampling positions)."""
from __future__ import annotations

from functools import partial

import pytest
import torch

from blurtrace.ops.grid import _sample_taps_gather, _sample_taps_grid_sample, sample, sample_taps


def _offsets(b: int, k: int, h: int, w: int, *, spread: float, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, k, 2, h, w, generator=g, dtype=torch.float64) * spread)


def _whole(image: torch.Tensor, offsets: torch.Tensor, **kw) -> torch.Tensor:
    blocks = list(sample_taps(image, offsets, **kw))
    rows = [r for r, _ in blocks]
    assert rows[0].start == 0 and rows[-1].stop == image.shape[-2]
    assert all(a.stop == b.start for a, b in zip(rows, rows[1:]))
    return torch.cat([s for _, s in blocks], dim=1)


@pytest.mark.parametrize("bags", [2**20, 20])
def test_sample_taps_is_k_samples_side_by_side(bags):
    torch.manual_seed(0)
    image = torch.randn(2, 3, 7, 9, dtype=torch.float64)
    offsets = _offsets(2, 4, 7, 9, spread=3.0, seed=1)  # many samples land outside
    cols = _whole(image, offsets, bags=bags)
    assert cols.shape == (2, 7, 9, 4 * 3)
    for k in range(4):
        assert torch.allclose(cols[..., 3 * k : 3 * (k + 1)].permute(0, 3, 1, 2), sample(image, offsets[:, k]), atol=1e-12)


def _gather(image: torch.Tensor, offsets: torch.Tensor, bags: int = 2**20) -> torch.Tensor:
    return torch.cat([s for _, s in _sample_taps_gather(image, offsets, bags=bags)], dim=1)


def test_gather_agrees_with_grid_sample_in_values_and_gradients():
    """The CPU gather (embedding_bag over a zero-bordered copy, whole or a few rows at a time) and
    the grid_sample path compute the same function, also at and beyond the borders and far outside."""
    h, w = 6, 8
    image = torch.randn(2, 5, h, w, dtype=torch.float64)
    offsets = _offsets(2, 9, h, w, spread=4.0, seed=2)
    # exact borders, fractions near them, and far outside
    offsets[0, 0, 0, 0, :] = torch.tensor([-1.0, -0.999, -0.5, 0.0, 0.25, 7.0, 7.5, 40.0], dtype=torch.float64)
    offsets[0, 1, 1, :, 0] = torch.tensor([-1.0, -0.3, 5.0, 5.7, -30.0, 0.999], dtype=torch.float64)
    results = []
    for fn in (_sample_taps_grid_sample, _gather, partial(_gather, bags=2 * 9 * w * 2)):
        x = image.clone().requires_grad_(True)
        o = offsets.clone().requires_grad_(True)
        y = fn(x, o)
        (y * torch.linspace(-1, 1, y.numel(), dtype=y.dtype).view_as(y)).sum().backward()
        results.append((y.detach(), x.grad, o.grad))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert torch.allclose(a, b, atol=1e-10)


def test_gather_gradcheck():
    torch.manual_seed(3)
    image = torch.randn(2, 2, 4, 5, dtype=torch.float64, requires_grad=True)
    # fractional parts in [0.2, 0.8]: away from the kinks of bilinear interpolation
    offsets = (torch.randint(-3, 3, (2, 3, 2, 4, 5)) + 0.2 + 0.6 * torch.rand(2, 3, 2, 4, 5)).double().requires_grad_(True)
    assert torch.autograd.gradcheck(partial(_gather, bags=2 * 3 * 5), (image, offsets), eps=1e-6, atol=1e-6)


def test_zero_offsets_return_the_image_in_float32_at_least():
    image = torch.rand(1, 4, 5, 6).to(torch.bfloat16)
    cols = _whole(image, torch.zeros(1, 2, 2, 5, 6))
    assert cols.dtype == torch.float32
    for k in range(2):
        assert torch.equal(cols[..., 4 * k : 4 * (k + 1)].permute(0, 3, 1, 2), image.float())


def test_sample_taps_rejects_bad_offsets():
    with pytest.raises(ValueError, match="offsets must be"):
        next(sample_taps(torch.zeros(1, 3, 4, 4), torch.zeros(1, 2, 4, 4)))
    with pytest.raises(ValueError, match="offsets must be"):
        next(sample_taps(torch.zeros(1, 3, 4, 4), torch.zeros(1, 9, 2, 4, 5)))
