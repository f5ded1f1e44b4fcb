"""Slow-motion frames and video writing (blurtrace.render.frames, blurtrace.io.video)."""
from __future__ import annotations

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
import torch

from blurtrace.io.video import gif_duration_ms, probe_video, write_video
from blurtrace.render.frames import frame_times, trajectory_frames

H, W, K = 21, 33, 7  # odd on purpose: mp4 must pad, not stretch


def _still():
    """A smooth ``H×W×3`` uint8 picture (smooth, so H.264 and GIF palettes keep it close)."""
    yy, xx = np.mgrid[0:H, 0:W]
    return np.stack((xx * 7, yy * 12, 255 - xx * 5), axis=-1).astype(np.uint8)


def _frames(count=K):
    """``count`` different frames: the still picture with a bright square moving right."""
    for k in range(count):
        img = _still()
        img[6:12, 2 + 3 * k : 8 + 3 * k] = 250
        yield img


def _failing(after=3):
    yield from _frames(after)
    raise RuntimeError("renderer crashed")


OUTPUTS = ["clip.mp4", "clip.gif", "clip.webp", "frames"]


@pytest.mark.parametrize("name", OUTPUTS)
@pytest.mark.parametrize("boomerang", [False, True])
def test_frame_count(tmp_path, name, boomerang):
    expected = 2 * K - 2 if boomerang else K
    path = tmp_path / name
    assert write_video(path, _frames(), fps=24, boomerang=boomerang) == expected
    info = probe_video(path)
    assert info["frames"] == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temp files left over
    if name == "frames":
        names = sorted(p.name for p in path.iterdir())
        assert names == [f"frame_{k:04d}.png" for k in range(expected)]
        assert (info["width"], info["height"]) == (W, H)


def test_png_frames_are_exact_and_boomerang_order(tmp_path):
    import PIL.Image

    frames = list(_frames(4))
    write_video(tmp_path / "out", frames, boomerang=True)
    got = [np.asarray(PIL.Image.open(tmp_path / "out" / f"frame_{k:04d}.png")) for k in range(6)]
    for k, j in enumerate([0, 1, 2, 3, 2, 1]):
        np.testing.assert_array_equal(got[k], frames[j])


def test_tensor_and_float_frames_are_written_as_their_uint8_values(tmp_path):
    import PIL.Image

    frames = list(_frames(2))
    as_tensor = torch.from_numpy(frames[0]).float().div(255).requires_grad_()  # H×W×3 in [0, 1], with autograd
    write_video(tmp_path / "out", [as_tensor, frames[1].astype(np.float64) / 255])
    for k in range(2):
        np.testing.assert_array_equal(np.asarray(PIL.Image.open(tmp_path / "out" / f"frame_{k:04d}.png")), frames[k])


def test_mp4_is_browser_h264_padded_not_stretched(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, _frames(), fps=30)
    info = probe_video(path)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (W + 1, H + 1)
    assert info["fps"] == pytest.approx(30)

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    assert tuple(meta["size"]) == (W + 1, H + 1)
    first = np.frombuffer(next(reader), np.uint8).reshape(H + 1, W + 1, 3).astype(int)
    reader.close()
    want = next(_frames())
    error = np.abs(first[:H, :W] - want).mean()
    stretched = cv2.resize(want, (W + 1, H + 1), interpolation=cv2.INTER_LINEAR)[:H, :W]
    assert error < 6  # lossy, but close
    assert error < np.abs(first[:H, :W] - stretched).mean()  # and not resized to fit


def test_gif_durations(tmp_path):
    assert gif_duration_ms(30) == 30  # 33.3 ms → 3 cs
    assert gif_duration_ms(12) == 80  # 83.3 ms → 8 cs
    assert gif_duration_ms(100) == 20  # browsers would play 10 ms as 100 ms
    path = tmp_path / "clip.gif"
    write_video(path, _frames(), fps=12)
    info = probe_video(path)
    assert info["durations"] == [80] * K
    assert info["codec"] == "gif" and (info["width"], info["height"]) == (W, H)


def test_webp_timing(tmp_path):
    path = tmp_path / "clip.webp"
    write_video(path, _frames(), fps=20)
    info = probe_video(path)
    assert info["durations"] == [50] * K
    assert info["fps"] == pytest.approx(20)


def test_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"\.avi"):
        write_video(tmp_path / "clip.avi", _frames())
    with pytest.raises(ValueError, match="no frames"):
        write_video(tmp_path / "clip.mp4", iter(()))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", OUTPUTS)
def test_failure_leaves_nothing(tmp_path, name):
    with pytest.raises(RuntimeError, match="renderer crashed"):
        write_video(tmp_path / name, _failing())
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_an_earlier_video(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, _frames())
    before = path.read_bytes()
    with pytest.raises(RuntimeError):
        write_video(path, _failing())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_side_by_side_count_and_progress(tmp_path):
    import PIL.Image

    blurry = np.full((H, W, 3), 99, np.uint8)
    seen = []
    n = write_video(tmp_path / "out", _frames(), count=3, side_by_side=blurry, progress=seen.append)
    assert n == 3 and seen == [1, 2, 3]
    frame = np.asarray(PIL.Image.open(tmp_path / "out" / "frame_0001.png"))
    np.testing.assert_array_equal(frame, np.concatenate((blurry, list(_frames())[1]), axis=1))

    info_path = tmp_path / "sbs.mp4"
    write_video(info_path, _frames(), side_by_side=blurry)
    assert (probe_video(info_path)["width"], probe_video(info_path)["height"]) == (2 * W, H + 1)
    with pytest.raises(ValueError, match="height"):
        write_video(tmp_path / "bad.gif", _frames(), side_by_side=blurry[:-1])


def test_folder_drops_stale_frames(tmp_path):
    out = tmp_path / "out"
    write_video(out, _frames(), boomerang=True)
    (out / "notes.txt").write_text("mine")
    write_video(out, _frames(3))
    assert sorted(p.name for p in out.iterdir()) == ["frame_0000.png", "frame_0001.png", "frame_0002.png", "notes.txt"]


# ---------------------------------------------------------------------- trajectory_frames


def _sharp():
    return torch.from_numpy(_still()).permute(2, 0, 1)[None].float() / 255


def test_frame_times():
    assert frame_times(3) == [-1.0, 0.0, 1.0]
    assert frame_times(5) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert frame_times(1) == [0.0]


def test_zero_motion_repeats_the_sharp_image():
    params = torch.zeros(1, 4, H, W)
    frames = list(trajectory_frames(_sharp(), params, "quadratic", K))
    assert len(frames) == K
    for frame in frames:
        assert frame.dtype == np.uint8 and frame.shape == (H, W, 3)
        np.testing.assert_array_equal(frame, _still())


def test_constant_offset_shifts_the_image():
    still = _still()
    params = torch.zeros(1, 2, H, W)
    params[:, 0] = 4.0  # linear: Δp(s) = −s·(4, 0)
    frames = list(trajectory_frames(_sharp(), params, "linear", 5))
    # s = −1, −0.5, 0, 0.5, 1 → frame reads the sharp image 4, 2, 0, −2, −4 px to the right
    for frame, shift in zip(frames, [4, 2, 0, -2, -4]):
        expect = np.zeros_like(still)
        if shift >= 0:
            expect[:, : W - shift] = still[:, shift:]
        else:
            expect[:, -shift:] = still[:, :shift]
        np.testing.assert_array_equal(frame, expect)

    backwards = list(trajectory_frames(_sharp(), params, "linear", 5, reverse=True))
    for a, b in zip(backwards, frames[::-1]):
        np.testing.assert_array_equal(a, b)
    single = list(trajectory_frames(_sharp(), params, "linear", 1))
    np.testing.assert_array_equal(single[0], still)  # K = 1 shows s = 0


def test_trajectory_frames_is_lazy_and_leaves_autograd_alone():
    params = torch.zeros(1, 2, H, W, requires_grad=True)
    gen = trajectory_frames(_sharp(), params, "linear", 3)
    next(gen)
    assert torch.is_grad_enabled()
    with pytest.raises(ValueError, match="constraint"):
        next(trajectory_frames(_sharp(), params, "cubic", 3))
    with pytest.raises(ValueError):
        next(trajectory_frames(_sharp(), params, "linear", 0))


def test_trajectory_frames_to_video(tmp_path):
    params = torch.zeros(1, 2, H, W)
    params[:, 0] = 3.0
    path = tmp_path / "slowmo.mp4"
    n = write_video(path, trajectory_frames(_sharp(), params, "linear", K), boomerang=True)
    assert n == probe_video(path)["frames"] == 2 * K - 2
