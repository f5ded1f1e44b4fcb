import struct
import zlib

import numpy as np
import pytest
from PIL import Image


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares its size but holds no pixel data (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Tests run many tiny tensor ops: one thread is faster, and immune to a busy machine
    (two OpenMP threads on a loaded 2-core box spin-wait for each other)."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(autouse=True)
def _no_user_weights(monkeypatch):
    """A user's BLURTRACE_*_WEIGHTS must not leak into the tests."""
    monkeypatch.delenv("BLURTRACE_TRAJECTORY_WEIGHTS", raising=False)
    monkeypatch.delenv("BLURTRACE_DEBLUR_WEIGHTS", raising=False)


def textured_photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A deterministic 'photo' with edges and texture at several scales, uint8 RGB."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    img = 0.5 + 0.25 * np.sin(x / 7.0 + rng.uniform(0, 6))[..., None] * np.cos(y / 11.0)[..., None]
    img = img + 0.15 * ((x // 16 + y // 16) % 2)[..., None]
    img = img + 0.1 * rng.random((h, w, 3))
    img = img * rng.uniform(0.6, 1.0, size=3)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


@pytest.fixture
def photo_dir(tmp_path):
    d = tmp_path / "photos"
    d.mkdir()
    for i in range(2):
        Image.fromarray(textured_photo(200, 260, seed=i)).save(d / f"p{i}.png")
    return d


@pytest.fixture
def tiny_weights(tmp_path, monkeypatch):
    """A small, seeded trajectory model installed as the default in a temporary weights folder."""
    import torch

    from blurtrace.models.offset_net import OffsetNet, OffsetNetConfig
    from blurtrace.weights import export, register

    folder = tmp_path / "weights"
    folder.mkdir()
    config = OffsetNetConfig(constraint="quadratic", n_offsets=5, width=4, blocks=1, head="bilinear")
    torch.manual_seed(0)
    net = OffsetNet(config)
    with torch.no_grad():
        net.out.weight.mul_(0.05)  # small, smooth offsets: a few pixels at most
    export(net.state_dict(), folder / "tiny.safetensors", task="trajectory", architecture=config.to_dict(), info={"light": "linear"})
    register(folder, name="tiny", file="tiny.safetensors", task="trajectory", architecture=config.to_dict(), info={"light": "linear"}, default=True)
    monkeypatch.setenv("BLURTRACE_WEIGHTS_DIR", str(folder))
    return folder
