"""The command line against bad inputs, folders, collisions, Ctrl-C, --json, devices and video
(DESIGN §3): never a traceback, never lost or half-written data, the right exit code.

Images are tiny (24×32) and deblurring uses 2 iterations so that the file stays fast."""
import errno
import json
import time
from pathlib import Path

import pytest
from conftest import png_header_only, textured_photo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

from blurtrace.cli.commands import app
from blurtrace.io import files as io_files
from blurtrace.io import images as io_images
from blurtrace.io import read_image

runner = CliRunner()

# a command line per tested command; deblur with few iterations to stay fast
COMMANDS = {"trajectory": ["trajectory"], "deblur": ["deblur", "--iterations", "2"]}
SUFFIX = {"trajectory": ".trajectory.png", "deblur": ".deblurred.png"}


def photo(path: Path, h: int = 24, w: int = 32, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(textured_photo(h, w, seed)).save(path)
    return path




def invoke(args, **kw):
    r = runner.invoke(app, [str(a) for a in args], **kw)
    # a handled error leaves SystemExit (or nothing); anything else escaped the CLI
    assert r.exception is None or isinstance(r.exception, SystemExit), f"{r.exception!r}\n{r.stderr}"
    assert "Traceback" not in r.stdout and "Traceback" not in r.stderr
    return r


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".tmp" in p.name]


def files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------- bad inputs


@pytest.fixture
def bad_inputs(tmp_path):
    d = tmp_path / "in"
    photo(d / "a_good.png", seed=1)
    (d / "zero.jpg").write_bytes(b"")
    photo(d / "full.jpg", seed=2)
    (d / "truncated.jpg").write_bytes((d / "full.jpg").read_bytes()[:300])
    (d / "full.jpg").unlink()
    (d / "text.jpg").write_text("this is not a JPEG\n")
    photo(d / "tiny.png", h=1, w=1)
    (d / "bomb.png").write_bytes(png_header_only(30000, 30000))  # declares 900 MP
    photo(d / "z_good.png", seed=3)
    return d


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_inputs_fail_cleanly_and_the_batch_goes_on(bad_inputs, tmp_path, tiny_weights, command):
    out = tmp_path / "out"
    r = invoke([*COMMANDS[command], bad_inputs, "-o", out])
    assert r.exit_code == 1, r.stderr
    bad = {"zero.jpg": "empty", "truncated.jpg": "truncated", "text.jpg": "not an image", "tiny.png": "too small", "bomb.png": "too large"}
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == len(bad)
    for name, reason in bad.items():
        assert any(name in line and reason in line for line in errors), (name, r.stderr)
    # the good ones before and after the failures were processed; nothing else was written
    assert files(out) == {f"a_good{SUFFIX[command]}", f"z_good{SUFFIX[command]}"}
    assert "2 photos" in r.stderr and f"{len(bad)} failed" in r.stderr
    assert sorted(r.stdout.split()) == sorted(str(out / f) for f in files(out))
    assert not temp_files(tmp_path)


def test_long_thin_image_is_refused_quickly(tmp_path, tiny_weights):
    # A 100000×1 strip would be padded to 16-pixel blocks by the network: as costly as a
    # 1.6 MP photo, for an image with no 2-D motion in it. It is refused after decoding.
    src = photo(tmp_path / "strip.png", h=100_000, w=1)
    t0 = time.perf_counter()
    r = invoke(["trajectory", src])
    assert time.perf_counter() - t0 < 10
    assert r.exit_code == 1 and "too small" in r.stderr and "strip.png" in r.stderr
    assert not (tmp_path / "strip.trajectory.png").exists() and not temp_files(tmp_path)
    # thin but at least 16 px across is processed, tile by tile
    src = photo(tmp_path / "narrow.png", h=1500, w=16)
    r = invoke(["trajectory", src, "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["height"] == 1500


def _fail_writes(monkeypatch, error: OSError, when=lambda tmp: True):
    """Make the 8-bit image writer put some bytes in its temporary file, then fail."""
    original = io_images._write_pillow

    def writer(tmp, *args, **kw):
        if when(tmp):
            Path(tmp).write_bytes(b"\x89PNG partial")
            raise error
        return original(tmp, *args, **kw)

    monkeypatch.setattr(io_images, "_write_pillow", writer)


@pytest.mark.parametrize("command", COMMANDS)
def test_disk_full_while_writing(tmp_path, tiny_weights, monkeypatch, command):
    for i in range(3):
        photo(tmp_path / "in" / f"p{i}.png", seed=i)
    _fail_writes(monkeypatch, OSError(errno.ENOSPC, "No space left on device"), when=lambda tmp: ".p1." in Path(tmp).name)
    out = tmp_path / "out"
    r = invoke([*COMMANDS[command], tmp_path / "in", "-o", out])
    assert r.exit_code == 1
    assert "p1" in r.stderr and "no space left on device" in r.stderr.lower()
    assert files(out) == {f"p0{SUFFIX[command]}", f"p2{SUFFIX[command]}"}
    assert not temp_files(tmp_path)


def test_unwritable_output_folder(tmp_path, tiny_weights, monkeypatch):
    # tests run as root, so a read-only folder is simulated where the temporary file is created
    photo(tmp_path / "in" / "a.png")
    photo(tmp_path / "in" / "b.png", seed=1)
    original = io_files._create_temp

    def create_temp(target):
        if target.parent.name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        return original(target)

    monkeypatch.setattr(io_files, "_create_temp", create_temp)
    r = invoke(["trajectory", tmp_path / "in", "-o", tmp_path / "locked"])
    assert r.exit_code == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and "permission denied" in r.stderr.lower()
    assert any("a.png" in e for e in errors) and any("b.png" in e for e in errors)
    assert files(tmp_path / "locked") == set() and not temp_files(tmp_path)


def test_an_input_with_several_outputs_leaves_none_when_one_write_fails(tmp_path, tiny_weights, monkeypatch):
    src = photo(tmp_path / "p.png")
    original = io_images._write_pillow
    _fail_writes(monkeypatch, OSError(errno.ENOSPC, "No space left on device"), when=lambda tmp: ".blurmap." in Path(tmp).name)
    r = invoke(["trajectory", src, "--overlay", "--magnitude"])
    assert r.exit_code == 1 and "p.blurmap.png" in r.stderr
    assert files(tmp_path).isdisjoint({"p.trajectory.png", "p.blurmap.png"}), "the overlay of a failed input was kept"
    assert not temp_files(tmp_path)
    # so a rerun with --if-exists skip does not mistake the input for done
    monkeypatch.setattr(io_images, "_write_pillow", original)
    r = invoke(["trajectory", src, "--overlay", "--magnitude", "--if-exists", "skip"])
    assert r.exit_code == 0 and {"p.trajectory.png", "p.blurmap.png"} <= files(tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_ctrl_c_in_the_middle_of_a_batch(tmp_path, tiny_weights, monkeypatch, command):
    for i in range(3):
        photo(tmp_path / "in" / f"p{i}.png", seed=i)
    calls = []
    original = io_images._write_pillow

    def writer(tmp, *args, **kw):  # the 2nd input is interrupted half-way through its write
        calls.append(tmp)
        if len(calls) == 2:
            Path(tmp).write_bytes(b"half")
            raise KeyboardInterrupt
        return original(tmp, *args, **kw)

    monkeypatch.setattr(io_images, "_write_pillow", writer)
    out = tmp_path / "out"
    r = invoke([*COMMANDS[command], tmp_path / "in", "-o", out, "--json"])
    assert r.exit_code == 130
    assert files(out) == {f"p0{SUFFIX[command]}"} and not temp_files(tmp_path)
    assert len(calls) == 2, "the 3rd input was started after Ctrl-C"
    assert "1 photo " in r.stderr and "interrupted" in r.stderr and "p1.png" in r.stderr and "1 not started" in r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["input"].endswith("p0.png")


# --------------------------------------------------------------------------- folders and output names


def test_folders_hidden_files_recursion_and_mirroring(tmp_path, tiny_weights):
    d = tmp_path / "shots"
    photo(d / "a.png")
    photo(d / ".hidden.png")
    (d / "notes.txt").write_text("not an image")
    photo(d / "sub" / "b.png", seed=1)
    photo(d / "sub" / "deeper" / "c.png", seed=2)
    photo(d / ".cache" / "d.png")
    # not recursive: a.png only; skipped: .hidden.png, notes.txt, sub/, .cache/
    r = invoke(["trajectory", d, "-o", tmp_path / "flat"])
    assert r.exit_code == 0, r.stderr
    assert files(tmp_path / "flat") == {"a.trajectory.png"}
    assert "1 photo traced" in r.stderr and "4 non-image or hidden entries ignored" in r.stderr
    # recursive: sub-folders mirrored; skipped: .hidden.png, notes.txt, .cache/
    r = invoke(["trajectory", d, "-r", "-o", tmp_path / "tree"])
    assert r.exit_code == 0, r.stderr
    assert files(tmp_path / "tree") == {"a.trajectory.png", "sub/b.trajectory.png", "sub/deeper/c.trajectory.png"}
    assert "3 photos traced" in r.stderr and "3 non-image or hidden entries ignored" in r.stderr
    assert len(r.stdout.splitlines()) == 3


def test_default_output_names_and_single_output_file(tmp_path, tiny_weights):
    src = tmp_path / "photo.jpg"
    Image.fromarray(textured_photo(24, 32)).save(src, quality=95)
    r = invoke(["deblur", "--iterations", "2", src])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == str(tmp_path / "photo.deblurred.jpg")
    assert read_image(tmp_path / "photo.deblurred.jpg").width == 32
    r = invoke(["trajectory", src])
    assert r.exit_code == 0 and r.stdout.strip() == str(tmp_path / "photo.trajectory.png")
    # one input, -o FILE: exactly that file, nothing else
    before = files(tmp_path)
    r = invoke(["trajectory", src, "-o", tmp_path / "result" / "mine.png"])
    assert r.exit_code == 0, r.stderr
    assert files(tmp_path) - before == {"result/mine.png"}
    assert read_image(tmp_path / "result" / "mine.png").height == 24


def test_if_exists(tmp_path, tiny_weights):
    src = photo(tmp_path / "p.png")
    dest = tmp_path / "p.trajectory.png"
    dest.write_bytes(b"earlier result")
    r = invoke(["trajectory", src, "--if-exists", "skip", "--json"])
    assert r.exit_code == 0 and "skipped" in r.stderr and dest.read_bytes() == b"earlier result"
    assert json.loads(r.stdout)["status"] == "skipped"
    r = invoke(["trajectory", src, "--if-exists", "error"])
    assert r.exit_code == 1 and str(dest) in r.stderr and "already exists" in r.stderr
    assert dest.read_bytes() == b"earlier result" and r.stdout == ""
    r = invoke(["trajectory", src, "--if-exists", "overwrite"])
    assert r.exit_code == 0 and read_image(dest).width == 32
    assert invoke(["trajectory", src, "--if-exists", "sometimes"]).exit_code == 2


def test_outputs_that_would_collide_are_a_usage_error(tmp_path, tiny_weights):
    a, b = photo(tmp_path / "a" / "x.png"), photo(tmp_path / "b" / "x.png", seed=1)
    out = tmp_path / "out"
    r = invoke(["trajectory", a, b, "-o", out])
    assert r.exit_code == 2 and "a/x.png" in r.stderr and "b/x.png" in r.stderr and "both" in r.stderr
    assert not out.exists()
    # the common folder with -r mirrors a/ and b/, so both fit
    r = invoke(["trajectory", tmp_path / "a", tmp_path / "b", "-o", out])
    assert r.exit_code == 2  # still the same relative name x.png in both folders
    r = invoke(["trajectory", tmp_path, "-r", "-o", out])
    assert r.exit_code == 0, r.stderr
    assert files(out) == {"a/x.trajectory.png", "b/x.trajectory.png"}
    # x.png and x.jpg side by side both map to x.trajectory.png
    Image.fromarray(textured_photo(24, 32)).save(tmp_path / "a" / "x.jpg")
    r = invoke(["trajectory", tmp_path / "a"])
    assert r.exit_code == 2 and "x.trajectory.png" in r.stderr
    assert not (tmp_path / "a" / "x.trajectory.png").exists()
    # --save-offsets into one folder: a/x and b/x would share x.offsets.npz
    r = invoke(["trajectory", a, b, "--save-offsets", tmp_path / "offsets"])
    assert r.exit_code == 2 and "offsets" in r.stderr and not (tmp_path / "offsets").exists()


def test_outputs_never_replace_inputs_and_many_inputs_need_a_folder(tmp_path, tiny_weights):
    src = photo(tmp_path / "p.png")
    data = src.read_bytes()
    r = invoke(["deblur", "--iterations", "2", src, "-o", src])
    assert r.exit_code == 2 and "replace the input" in r.stderr and src.read_bytes() == data
    other = photo(tmp_path / "q.png", seed=1)
    r = invoke(["trajectory", src, other, "-o", tmp_path / "both.png"])
    assert r.exit_code == 2 and "folder" in r.stderr and not (tmp_path / "both.png").exists()
    r = invoke(["trajectory", tmp_path / "missing.png"])
    assert r.exit_code == 2 and "missing.png" in r.stderr


# --------------------------------------------------------------------------- --json, devices


@pytest.mark.parametrize("command", COMMANDS)
def test_json_is_one_object_per_input_and_nothing_else(tmp_path, tiny_weights, command):
    d = tmp_path / "in"
    photo(d / "a.png")
    photo(d / "b.png", seed=1)
    (d / "c.png").write_text("broken")
    r = invoke([*COMMANDS[command], d, "-o", tmp_path / "out", "--json", "--device", "cpu"])
    assert r.exit_code == 1
    rows = [json.loads(line) for line in r.stdout.splitlines()]  # every stdout line is JSON
    assert sorted(Path(row["input"]).name for row in rows) == ["a.png", "b.png", "c.png"]
    by_name = {Path(row["input"]).name: row for row in rows}
    assert by_name["a.png"]["status"] == by_name["b.png"]["status"] == "ok"
    assert Path(by_name["a.png"]["output"]).exists()
    assert by_name["c.png"]["status"] == "failed" and "c.png" in by_name["c.png"]["error"]
    assert "2 photos" in r.stderr and "1 failed" in r.stderr  # logs and summary: stderr only


def test_devices(tmp_path, tiny_weights):
    import torch

    src = photo(tmp_path / "p.png")
    if not torch.cuda.is_available():
        for command in ("trajectory", "deblur"):
            r = invoke([command, src, "--device", "cuda"])
            assert r.exit_code == 3 and "cuda" in r.stderr.lower() and len(r.stderr.strip().splitlines()) == 1
        r = invoke(["video", src, tmp_path / "v.mp4", "--device", "cuda", "--frames", "3"])
        assert r.exit_code == 3 and "cuda" in r.stderr.lower()
        assert not any((tmp_path / name).exists() for name in ("p.trajectory.png", "p.deblurred.png", "v.mp4"))
    r = invoke(["trajectory", src, "--device", "auto"])
    assert r.exit_code == 0 and "device: " in r.stderr and "(auto)" in r.stderr
    r = invoke(["trajectory", src, "--device", "cpu", "--if-exists", "overwrite"])
    assert r.exit_code == 0 and "device:" not in r.stderr


# --------------------------------------------------------------------------- video


def test_video_mp4_frames_codec_and_even_size(tmp_path, tiny_weights):
    from blurtrace.io.video import probe_video

    src = photo(tmp_path / "odd.png", h=25, w=33)
    r = invoke(["video", src, tmp_path / "v.mp4", "--frames", "3", "--iterations", "2", "--json"])
    assert r.exit_code == 0, r.stderr
    info = probe_video(tmp_path / "v.mp4")
    assert (info["frames"], info["codec"], info["pix_fmt"]) == (3, "h264", "yuv420p")
    assert (info["width"], info["height"]) == (34, 26)
    row = json.loads(r.stdout)  # the one JSON object is all of stdout
    assert row["frames"] == 3 and row["codec"] == "h264"


def test_video_boomerang_gif_and_frames_folder(tmp_path, tiny_weights):
    from blurtrace.io.video import probe_video

    src = photo(tmp_path / "p.png")
    r = invoke(["video", src, tmp_path / "v.gif", "--frames", "3", "--iterations", "2", "--boomerang"])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == str(tmp_path / "v.gif")
    # GIF merges identical consecutive frames, so count the written frames, not the stored ones
    assert probe_video(tmp_path / "v.gif")["codec"] == "gif"
    r = invoke(["video", src, tmp_path / "frames", "--frames", "3", "--iterations", "2", "--boomerang", "--json"])
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [f"frame_{k:04d}.png" for k in range(4)]  # 2K−2
    assert json.loads(r.stdout)["frames_written"] == 4
    r = invoke(["video", src, tmp_path / "three", "--frames", "3", "--iterations", "2"])
    assert r.exit_code == 0 and len(list((tmp_path / "three").glob("frame_*.png"))) == 3


def test_video_bad_input_writes_nothing(tmp_path, tiny_weights):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really")
    for out in ("v.mp4", "v.gif", "frames"):
        r = invoke(["video", bad, tmp_path / out, "--frames", "3", "--iterations", "2"])
        assert r.exit_code == 1 and "bad.jpg" in r.stderr, r.stderr
        assert not (tmp_path / out).exists()
    assert not temp_files(tmp_path)
    # --if-exists: error keeps the old file (exit 1), skip keeps it (exit 0); no model is run
    old = tmp_path / "old.mp4"
    old.write_bytes(b"earlier video")
    r = invoke(["video", bad, old, "--frames", "3", "--if-exists", "error"])
    assert r.exit_code == 1 and "already exists" in r.stderr and old.read_bytes() == b"earlier video"
    r = invoke(["video", bad, old, "--frames", "3", "--if-exists", "skip"])
    assert r.exit_code == 0 and "skipped" in r.stderr and old.read_bytes() == b"earlier video"
    # a path that does not exist is a usage error, as for the batch commands
    r = invoke(["video", tmp_path / "nothing.png", tmp_path / "v.mp4", "--frames", "3"])
    assert r.exit_code == 2 and "nothing.png" in r.stderr and not (tmp_path / "v.mp4").exists()


# --------------------------------------------------------------------------- fuzzing

MAGIC = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM", b"II*\x00", b"RIFF\x00\x00\x00\x00WEBPVP8 "]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.sampled_from(MAGIC), body=st.binary(max_size=600), suffix=st.sampled_from([".jpg", ".png", ".webp", ".tif"]))
def test_random_bytes_never_crash_trajectory(tmp_path, tiny_weights, head, body, suffix):
    src = tmp_path / f"fuzz{suffix}"
    src.write_bytes(head + body)
    out = tmp_path / "fuzz.out.png"
    out.unlink(missing_ok=True)
    r = invoke(["trajectory", src, "-o", out])
    assert r.exit_code in (0, 1), r.stderr
    if r.exit_code == 1:
        assert "fuzz" in r.stderr and not out.exists()
    assert not temp_files(tmp_path)
