"""ops.motion_features: what a deblurring network may read of a trajectory."""
import math

import pytest
import torch

from blurtrace.ops.motion_features import MOTION_FEATURES, motion_features
from blurtrace.ops.symmetry import mirror_image, mirror_params
from blurtrace.ops.trajectory import CONSTRAINTS, num_channels, reverse_time


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_the_same_for_a_trajectory_and_its_reversal(constraint):
    torch.manual_seed(0)
    p = torch.randn(2, num_channels(constraint, 5), 6, 7) * 4
    f = motion_features(p, constraint)
    assert f.shape == (2, MOTION_FEATURES, 6, 7)
    torch.testing.assert_close(motion_features(reverse_time(p, constraint), constraint), f)


def test_values_of_a_straight_path_and_of_no_motion():
    """A straight path from (−3, −4) to (3, 4): chord 5 px at θ = atan2(4, 3), no bow."""
    p = torch.tensor([-3.0, -4.0, 3.0, 4.0]).view(1, 4, 1, 1)
    f = motion_features(p, "quadratic", scale=1.0).flatten()
    theta = math.atan2(4, 3)
    expected = torch.tensor([5.0, 5 * math.cos(2 * theta), 5 * math.sin(2 * theta), 0.0, 0.0])
    torch.testing.assert_close(f, expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(motion_features(torch.zeros(1, 4, 3, 3), "quadratic"), torch.zeros(1, 5, 3, 3), rtol=0, atol=1e-6)
    bowed = torch.tensor([2.0, 1.0, 2.0, 1.0]).view(1, 4, 1, 1)  # out and back: no chord, a bow of (2, 1)
    torch.testing.assert_close(motion_features(bowed, "quadratic", scale=2.0).flatten(), torch.tensor([0.0, 0.0, 0.0, 1.0, 0.5]))


def test_mirroring_the_photo_mirrors_the_features():
    """A horizontal flip negates x offsets: the orientation's sin(2θ) and the bow's x change sign,
    the rest stays (what the training crops' flips rely on)."""
    torch.manual_seed(1)
    p = torch.randn(1, 4, 5, 6) * 3
    f = motion_features(p, "quadratic")
    g = mirror_image(motion_features(mirror_params(p, (True, False, False)), "quadratic"), (True, False, False))
    torch.testing.assert_close(g, f * torch.tensor([1.0, 1.0, -1.0, -1.0, 1.0]).view(1, 5, 1, 1))


def test_gradcheck():
    torch.manual_seed(2)
    p = (torch.randn(1, 4, 3, 3, dtype=torch.float64) * 3).requires_grad_()
    assert torch.autograd.gradcheck(lambda q: motion_features(q, "quadratic"), (p,))
