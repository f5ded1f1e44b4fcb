"""Every model: forward on odd sizes, backward, every parameter gets a gradient (timm-style)."""
import pytest
import torch

from blurtrace.models.offset_net import OffsetNet, OffsetNetConfig
from blurtrace.ops.trajectory import num_channels

CONFIGS = [
    OffsetNetConfig(constraint=c, n_offsets=5, width=4, blocks=1, head=h)
    for c in ("none", "linear", "bilinear", "quadratic")
    for h in ("transposed", "bilinear")
] + [OffsetNetConfig(constraint="quadratic", n_offsets=5, width=4, blocks=1, head="bilinear", input_scale=2)]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.constraint}-{c.head}-x{c.input_scale}")
def test_offset_net_forward_backward(config):
    torch.manual_seed(0)
    net = OffsetNet(config)
    x = torch.rand(2, 3, 37, 29)  # not a multiple of 16: padded inside, cropped back
    y = net(x)
    assert y.shape == (2, num_channels(config.constraint, 5), 37, 29)
    y.square().mean().backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all() or p.grad.abs().sum() == 0]
    assert not missing, missing


def test_offset_net_table1_size_and_init():
    net = OffsetNet(OffsetNetConfig())
    n = sum(p.numel() for p in net.parameters())
    assert 1.0e6 < n < 1.3e6  # Table 1 with 5×5 kernels: about 1.17 M parameters
    assert all(m.bias.abs().sum() == 0 for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)))


def test_tiny_inputs():
    net = OffsetNet(OffsetNetConfig(width=4, blocks=1)).eval()
    with torch.no_grad():
        for h, w in ((1, 1), (3, 100), (16, 16)):
            assert net(torch.rand(1, 3, h, w)).shape == (1, 4, h, w)


def test_bad_config():
    with pytest.raises(ValueError, match="constraint"):
        OffsetNetConfig(constraint="spline")
    with pytest.raises(ValueError, match="head"):
        OffsetNetConfig(head="pixelshuffle")


def test_half_resolution_input_scales_offsets():
    """A net reading the photo at 1/2 resolution reports offsets in input pixels: a constant
    output c of the inner network becomes 2c at full resolution."""
    net = OffsetNet(OffsetNetConfig(width=4, blocks=1, head="bilinear", input_scale=2))
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        net.out.bias.copy_(torch.tensor([1.0, -2.0, 0.5, 3.0]))
        y = net(torch.rand(1, 3, 20, 30))
    assert torch.allclose(y[0, :, 5, 5], torch.tensor([2.0, -4.0, 1.0, 6.0]))
