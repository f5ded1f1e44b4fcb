"""Narrowing a U-Net deblurring network (blurtrace.models.narrow)."""
import pytest
import torch

from blurtrace.models.deblur_net import DeblurNet, DeblurNetConfig
from blurtrace.models.narrow import _filters, _groups, narrow_unet

CFG = dict(backbone="unet", levels=3, motion_aware=1)


def _net(width: int, seed: int = 0) -> DeblurNet:
    torch.manual_seed(seed)
    net = DeblurNet(DeblurNetConfig(width=width, **CFG)).eval()
    with torch.no_grad():  # the output convolution starts at zero: give it weights, so outputs differ
        net.output_conv.weight.normal_(0, 0.1)
    return net


def _inputs():
    torch.manual_seed(1)
    return torch.rand(1, 3, 24, 32), torch.randn(1, 4, 24, 32) * 2


def _drop_channels(net: DeblurNet, dead: int) -> None:
    """Silence the first ``dead·2**level`` channels of every group: zero filters (and biases) that
    write them and zero weights that read them, so they carry nothing."""
    state = {k[len("unet."):]: v for k, v in net.state_dict().items()}
    with torch.no_grad():
        for name, tensor in state.items():
            if name.endswith(".alpha"):
                continue
            out_group, in_group = _groups(name, CFG["levels"])
            t = _filters(name, tensor)  # a view: writing it writes the network
            if out_group is not None:
                t[: dead * 2 ** out_group[-1]] = 0
            if in_group is not None and t.dim() > 1:
                t[:, : dead * 2 ** in_group[-1]] = 0


def test_unused_channels_are_dropped_without_changing_the_output():
    wide = _net(8)
    _drop_channels(wide, 2)
    narrow = DeblurNet(DeblurNetConfig(width=6, **CFG)).eval()
    narrow.load_state_dict(narrow_unet(wide.state_dict(), levels=CFG["levels"], width=6))
    x, p = _inputs()
    with torch.no_grad():
        torch.testing.assert_close(narrow(x, p), wide(x, p), rtol=1e-5, atol=1e-6)


def test_the_same_width_keeps_every_tensor():
    wide = _net(8)
    same = narrow_unet(wide.state_dict(), levels=CFG["levels"], width=8)
    assert same.keys() == wide.state_dict().keys()
    for name, t in wide.state_dict().items():
        torch.testing.assert_close(same[name], t, rtol=0, atol=0)


def test_narrowed_weights_fit_the_narrow_network_and_keep_the_strongest_channels():
    wide = _net(8)
    with torch.no_grad():  # make stream channel 5 of the full resolution the loudest everywhere it is written
        for name, t in wide.named_parameters():
            if name.endswith("weight") and name.startswith(("unet.stem", "unet.encoders.0.0.conv2", "unet.finest.1.conv2")):
                t[5] *= 100
    narrowed = narrow_unet(wide.state_dict(), levels=CFG["levels"], width=1)
    DeblurNet(DeblurNetConfig(width=1, **CFG)).load_state_dict(narrowed)  # strict: every shape fits
    torch.testing.assert_close(narrowed["unet.stem.weight"][0], wide.state_dict()["unet.stem.weight"][5])


@pytest.mark.parametrize("width", [0, 9])
def test_bad_width(width):
    with pytest.raises(ValueError, match="width must be"):
        narrow_unet(_net(8).state_dict(), levels=CFG["levels"], width=width)


def test_refuses_other_networks():
    dmphn = DeblurNet(DeblurNetConfig(width=4, levels=1, backbone="dmphn"))
    with pytest.raises(ValueError, match="U-Net"):
        narrow_unet(dmphn.state_dict(), levels=1, width=2)
