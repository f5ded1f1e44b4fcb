"""Trajectory constraints (Eq. 12–14) evaluated at any time."""
import pytest
import torch

from blurtrace.ops.trajectory import (
    endpoints,
    num_channels,
    reverse_time,
    trajectory,
    uniform_times,
)


def eq14(p1, p2, n, N):
    """The paper's Eq. 14, index form."""
    u = 2 * n / (N - 1) - 1
    return (p1 + p2) / 2 * u**2 + (p2 - p1) / 2 * u


@pytest.mark.parametrize("N", [3, 5, 9, 15, 60, 240])
def test_quadratic_reproduces_eq14(N):
    p = torch.randn(2, 4, 3, 5, dtype=torch.float64)
    out = trajectory(p, "quadratic", uniform_times(N, dtype=torch.float64))
    assert out.shape == (2, N, 2, 3, 5)
    for n in range(N):
        assert torch.allclose(out[:, n], eq14(p[:, :2], p[:, 2:], n, N), atol=1e-12)
    assert torch.allclose(out[:, 0], p[:, :2]) and torch.allclose(out[:, -1], p[:, 2:])
    if N % 2:
        assert out[:, N // 2].abs().max() == 0  # s = 0: the sharp frame


@pytest.mark.parametrize("N", [5, 9, 15, 60, 240])
def test_linear_and_bilinear_reproduce_eq12_eq13(N):
    p = torch.randn(1, 4, 2, 2, dtype=torch.float64)
    lin = trajectory(p[:, :2], "linear", uniform_times(N, dtype=torch.float64))
    bil = trajectory(p, "bilinear", uniform_times(N, dtype=torch.float64))
    for n in range(N):
        c = 1 - 2 * n / (N - 1)
        assert torch.allclose(lin[:, n], c * p[:, :2], atol=1e-12)  # Eq. 12
        ref = c * p[:, :2] if n <= (N - 1) / 2 else -c * p[:, 2:]  # Eq. 13
        assert torch.allclose(bil[:, n], ref, atol=1e-12)


def test_zero_constraint_returns_its_samples_and_interpolates():
    N = 5
    p = torch.randn(1, 2 * N, 3, 3, dtype=torch.float64)
    out = trajectory(p, "none", uniform_times(N, dtype=torch.float64))
    assert torch.allclose(out, p.view(1, N, 2, 3, 3))
    mid = trajectory(p, "none", torch.tensor([-0.75], dtype=torch.float64))  # halfway between samples 0 and 1
    assert torch.allclose(mid[:, 0], (out[:, 0] + out[:, 1]) / 2)


@pytest.mark.parametrize("constraint", ["none", "linear", "bilinear", "quadratic"])
def test_time_reversal(constraint):
    c = num_channels(constraint, 7)
    p = torch.randn(2, c, 4, 4, dtype=torch.float64)
    t = uniform_times(7, dtype=torch.float64)
    fwd = trajectory(p, constraint, t)
    bwd = trajectory(reverse_time(p, constraint), constraint, t)
    assert torch.allclose(bwd, fwd.flip(1), atol=1e-12)
    s, e = endpoints(p, constraint)
    assert torch.allclose(s, fwd[:, 0]) and torch.allclose(e, fwd[:, -1])


def test_validation():
    with pytest.raises(ValueError, match="constraint"):
        trajectory(torch.zeros(1, 4, 2, 2), "cubic", [0.0])
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        trajectory(torch.zeros(1, 4, 2, 2), "quadratic", [1.5])
    assert uniform_times(1).tolist() == [0.0]
