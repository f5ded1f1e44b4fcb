"""The kernel arithmetic of benchmarks/levin_kernels.py: the kernel drawn from a spatially uniform
trajectory must reproduce Eq. 3, else its kernel scores would compare the wrong orientation."""
import importlib.util
from pathlib import Path

import torch

from blurtrace.evaluation.metrics import psnr
from blurtrace.ops.blur import reblur

_spec = importlib.util.spec_from_file_location("levin_kernels", Path(__file__).resolve().parents[1] / "benchmarks" / "levin_kernels.py")
levin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(levin)


def _uniform_offsets(h: int, w: int, t: torch.Tensor) -> torch.Tensor:
    """A curved, asymmetric path (so a kernel flipped the wrong way differs), the same everywhere."""
    off = torch.zeros(1, t.numel(), 2, h, w)
    off[:, :, 0] = (4 * t + 2 * t**2)[:, None, None]
    off[:, :, 1] = (-3 * t + 1.5 * t**2)[:, None, None]
    return off


def test_drawn_kernel_reproduces_the_blur_model():
    torch.manual_seed(0)
    sharp = torch.nn.functional.avg_pool2d(torch.rand(1, 3, 48, 48), 3, 1, 1)
    off = _uniform_offsets(48, 48, torch.linspace(-1, 1, 64))
    kernel = levin.trajectory_kernel(off, border=8)
    core = (..., slice(10, -10), slice(10, -10))
    assert psnr(levin.convolve(sharp, kernel)[core], reblur(sharp, off)[core]) > 60
    assert psnr(levin.convolve(sharp, kernel.flip(0, 1))[core], reblur(sharp, off)[core]) < 40


def test_kernel_scores():
    off = _uniform_offsets(32, 32, torch.linspace(-1, 1, 64))
    kernel = levin.trajectory_kernel(off, border=4)
    assert abs(levin.kernel_ncc(kernel, kernel) - 1) < 1e-5
    shifted = torch.roll(kernel, (2, -3), (0, 1))
    assert levin.kernel_ncc(shifted, kernel) > 0.99  # the score forgives a shift
    assert levin.kernel_ncc(kernel.flip(0, 1), kernel) < 0.9
    short = levin.trajectory_kernel(off / 2, border=4)
    assert 0.4 < levin.spread(short) / levin.spread(kernel) < 0.6
