"""Every model: forward on odd sizes, backward, every parameter gets a gradient (timm-style)."""
import pytest
import torch

from blurtrace.models.offset_net import OffsetNet, OffsetNetConfig
from blurtrace.ops.trajectory import num_channels

CONFIGS = [
    OffsetNetConfig(constraint=c, n_offsets=5, width=4, blocks=1, head=h)
    for c in ("none", "linear", "bilinear", "quadratic")
    for h in ("transposed", "bilinear")
] + [OffsetNetConfig(constraint="quadratic", n_offsets=5, width=4, blocks=1, head="bilinear", input_scale=s, guided=g) for s, g in ((2, False), (1, True), (2, True))]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.constraint}-{c.head}-x{c.input_scale}" + "-guided" * c.guided)
def test_offset_net_forward_backward(config):
    torch.manual_seed(0)
    net = OffsetNet(config)
    x = torch.rand(2, config.in_channels, 37, 29)  # not a multiple of 16: padded inside, cropped back
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


# --------------------------------------------------------------------------- deblurring network

from blurtrace.models.deblur_net import (  # noqa: E402
    BACKBONES,
    DeblurNet,
    DeblurNetConfig,
    from_patches,
    to_patches,
)

DEBLUR_CONFIGS = [
    DeblurNetConfig(width=4, levels=levels, motion_aware=ma, n_offsets=5)
    for levels, ma in ((1, 0), (1, 1), (2, 2), (3, 1), (3, 4), (4, 0))
] + [DeblurNetConfig(width=4, levels=2, motion_aware=1, constraint="none", n_offsets=5, learn_alpha=False)] + [
    DeblurNetConfig(backbone="unet", width=4, levels=levels, motion_aware=ma, n_offsets=5)
    for levels, ma in ((1, 1), (2, 0), (3, 2), (4, 4))
] + [DeblurNetConfig(backbone="unet", width=4, levels=3, motion_aware=ma, motion_input=True, n_offsets=5) for ma in (0, 1)] + [
    DeblurNetConfig(backbone="unet", width=4, levels=3, motion_aware=1, middle_blocks=4, n_offsets=5)]


def _wake(net: DeblurNet) -> DeblurNet:
    """The output layer starts at zero (identity network), which blocks every gradient behind
    it; give it weights so the test sees whether gradients reach every parameter."""
    torch.nn.init.normal_(net.output_conv.weight, std=0.1)
    return net


@pytest.mark.parametrize("config", DEBLUR_CONFIGS, ids=lambda c: f"{c.backbone}-L{c.levels}-ma{c.motion_aware}{'-mi' if c.motion_input else ''}-m{c.middle_blocks}-{c.constraint}")
def test_deblur_net_forward_backward(config):
    torch.manual_seed(0)
    net = _wake(DeblurNet(config))
    x = torch.rand(2, 3, 37, 29)  # padded to the patch grid inside, cropped back
    params = torch.randn(2, config.trajectory_channels, 37, 29) * 3
    y = net(x, params)
    assert y.shape == x.shape
    y.square().mean().backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all() or p.grad.abs().sum() == 0]
    assert not missing, missing
    n_alpha = sum(1 for n, _ in net.named_parameters() if n.endswith("alpha"))
    assert n_alpha == (config.motion_aware if config.learn_alpha else 0)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_deblur_net_starts_as_identity(backbone):
    net = DeblurNet(DeblurNetConfig(width=4, n_offsets=5, backbone=backbone))
    x = torch.rand(1, 3, 24, 40)
    assert torch.equal(net(x, torch.randn(1, 4, 24, 40)), x)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_only_the_motion_aware_network_reads_the_trajectory(backbone):
    torch.manual_seed(1)
    x = torch.rand(1, 3, 32, 32)
    p1, p2 = torch.randn(1, 4, 32, 32) * 4, torch.randn(1, 4, 32, 32) * 4
    plain = _wake(DeblurNet(DeblurNetConfig(width=4, levels=2, motion_aware=0, backbone=backbone))).eval()
    bent = _wake(DeblurNet(DeblurNetConfig(width=4, levels=2, motion_aware=2, alpha=1.0, backbone=backbone))).eval()
    with torch.no_grad():
        assert torch.equal(plain(x, p1), plain(x, p2)) and torch.equal(plain(x), plain(x, p1))
        assert not torch.allclose(bent(x, p1), bent(x, p2))
        # zero motion: every tap sits on the regular grid, the filters are plain 3×3 ones
        zero = torch.zeros(1, 4, 32, 32)
        plain_twin = DeblurNet(DeblurNetConfig(width=4, levels=2, motion_aware=0, backbone=backbone))
        plain_twin.load_state_dict({k: v for k, v in bent.state_dict().items() if not k.endswith("alpha")})
        assert torch.allclose(bent(x, zero), plain_twin(x), atol=1e-5)


def test_channels_last_gives_the_same_result():
    # the predictors run the networks channels-last (faster on oneDNN); the layout must not
    # change a result, including the motion-aware gathers and the patch reshapes
    torch.manual_seed(2)
    x, p = torch.rand(1, 3, 36, 44), torch.randn(1, 4, 36, 44) * 4
    nets = [_wake(DeblurNet(DeblurNetConfig(width=4, levels=3, motion_aware=2, alpha=1.0))).eval(),
            _wake(DeblurNet(DeblurNetConfig(width=4, levels=3, motion_aware=2, alpha=1.0, backbone="unet"))).eval(),
            OffsetNet(OffsetNetConfig(constraint="quadratic")).eval()]
    with torch.no_grad():
        for net in nets:
            args = (x, p) if isinstance(net, DeblurNet) else (x,)
            reference = net(*args)
            cl = net.to(memory_format=torch.channels_last)
            got = cl(*(a.contiguous(memory_format=torch.channels_last) for a in args))
            assert torch.allclose(got, reference, atol=1e-5)


@pytest.mark.parametrize("backbone", BACKBONES)
def test_same_parameters_with_and_without_motion_aware_layers(backbone):
    count = lambda c: sum(p.numel() for n, p in DeblurNet(c).named_parameters() if not n.endswith("alpha"))  # noqa: E731
    assert count(DeblurNetConfig(motion_aware=0, backbone=backbone)) == count(DeblurNetConfig(motion_aware=4, backbone=backbone))


def test_unet_pads_to_its_halvings_and_is_cheaper_than_dmphn_at_the_same_width():
    assert DeblurNetConfig(backbone="unet", levels=4).multiple == 8
    assert DeblurNetConfig(backbone="unet", levels=1).multiple == 1
    # multiply-accumulates of every convolution for one 64×64 photo, counted by forward hooks
    def macs(config):
        net, total = DeblurNet(config), []
        def hook(m, inp, out):
            if isinstance(m, torch.nn.ConvTranspose2d):  # every input value meets (out, kh, kw) weights
                total.append(inp[0].numel() * m.weight[0].numel())
            else:  # every output value meets (in, kh, kw) weights
                total.append(out.numel() * m.weight[0].numel())
        for m in net.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
                m.register_forward_hook(hook)
        net(torch.rand(1, 3, 64, 64), torch.zeros(1, 4, 64, 64))
        return sum(total)
    assert macs(DeblurNetConfig(backbone="unet", levels=4)) < 0.5 * macs(DeblurNetConfig(levels=3))


@pytest.mark.parametrize("grid", [(1, 1), (2, 1), (2, 2), (4, 2)])
def test_patches_round_trip(grid):
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).view(2, 3, 8, 8)
    p = to_patches(x, *grid)
    assert p.shape == (2 * grid[0] * grid[1], 3, 8 // grid[0], 8 // grid[1])
    assert torch.equal(p[1 if grid[1] > 1 else 0, :, 0, 0], x[0, :, 0, 8 // grid[1] if grid[1] > 1 else 0])
    assert torch.equal(from_patches(p, *grid), x)


def test_deblur_net_bad_config_and_inputs():
    with pytest.raises(ValueError, match="levels"):
        DeblurNetConfig(levels=5)
    with pytest.raises(ValueError, match="motion_aware"):
        DeblurNetConfig(motion_aware=5)
    with pytest.raises(ValueError, match="constraint"):
        DeblurNetConfig(constraint="cubic")
    with pytest.raises(ValueError, match="backbone"):
        DeblurNetConfig(backbone="resnet")
    with pytest.raises(ValueError, match="unet backbone only"):
        DeblurNetConfig(motion_input=True)
    with pytest.raises(ValueError, match="unet setting"):
        DeblurNetConfig(middle_blocks=3)
    with pytest.raises(ValueError, match="middle_blocks"):
        DeblurNetConfig(backbone="unet", middle_blocks=0)
    assert len(DeblurNet(DeblurNetConfig(backbone="unet", width=4, levels=3, middle_blocks=5)).unet.middle) == 5
    net = DeblurNet(DeblurNetConfig(width=4, levels=1))
    with pytest.raises(ValueError, match="reads the trajectory"):
        net(torch.rand(1, 3, 16, 16))
    with pytest.raises(ValueError, match="params must be"):
        net(torch.rand(1, 3, 16, 16), torch.rand(1, 2, 16, 16))


def test_a_network_that_reads_the_trajectory_refuses_to_run_without_it():
    for cfg in (DeblurNetConfig(width=4, levels=1, motion_aware=1),
                DeblurNetConfig(backbone="unet", width=4, levels=2, motion_aware=0, motion_input=True)):
        assert cfg.reads_trajectory
        with pytest.raises(ValueError, match="reads the trajectory"):
            DeblurNet(cfg)(torch.rand(1, 3, 8, 8))
    plain = DeblurNetConfig(width=4, levels=1, motion_aware=0)
    assert not plain.reads_trajectory
    assert DeblurNet(plain)(torch.rand(1, 3, 8, 8)).shape == (1, 3, 8, 8)  # the plain backbone needs none
