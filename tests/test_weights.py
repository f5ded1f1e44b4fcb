"""Weights on disk as the command line sees them (DESIGN §3): anything wrong with them is an
environment problem, exit code 3, told in one line on stderr, never a traceback."""
import json
import shutil
from pathlib import Path

import pytest
from conftest import textured_photo
from PIL import Image
from typer.testing import CliRunner

from blurtrace.cli.commands import app
from blurtrace.weights import WeightsError, load_state, resolve

runner = CliRunner()

LFS_POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"


@pytest.fixture
def src(tmp_path):
    path = tmp_path / "p.png"
    Image.fromarray(textured_photo(24, 32)).save(path)
    return path


def commands(src: Path, out: Path) -> dict[str, list[str]]:
    return {
        "trajectory": ["trajectory", str(src), "-o", str(out / "t.png")],
        "deblur": ["deblur", str(src), "-o", str(out / "d.png"), "--iterations", "2"],
        "video": ["video", str(src), str(out / "v.mp4"), "--frames", "3", "--iterations", "2"],
    }


def invoke(args):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exception is None or isinstance(r.exception, SystemExit), f"{r.exception!r}\n{r.stderr}"
    assert "Traceback" not in r.stdout + r.stderr
    return r


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _wrong_task(folder: Path) -> None:
    """Replace the model by one whose metadata says deblur (manifest kept consistent)."""

    from blurtrace.models.offset_net import OffsetNet, OffsetNetConfig
    from blurtrace.weights import export, register

    config = OffsetNetConfig(constraint="quadratic", n_offsets=5, width=4, blocks=1, head="bilinear")
    export(OffsetNet(config).state_dict(), folder / "tiny.safetensors", task="deblur", architecture=config.to_dict(), info={})
    register(folder, name="tiny", file="tiny.safetensors", task="trajectory", architecture=config.to_dict(), info={}, default=True)


BREAKAGES = {
    "missing": (lambda f: (f / "tiny.safetensors").unlink(), "missing"),
    "truncated": (lambda f: (f / "tiny.safetensors").write_bytes((f / "tiny.safetensors").read_bytes()[:100]), "sha256"),
    "tampered": (lambda f: _flip_byte(f / "tiny.safetensors"), "sha256"),
    "lfs-pointer": (lambda f: (f / "tiny.safetensors").write_text(LFS_POINTER), "git lfs"),
    "wrong-task": (_wrong_task, "deblur weights"),
    "manifest-not-json": (lambda f: (f / "manifest.json").write_text("{'models': oops"), "manifest"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_broken_weights_exit_3_with_one_line(tmp_path, tiny_weights, src, breakage):
    damage, words = BREAKAGES[breakage]
    damage(tiny_weights)
    out = tmp_path / "out"
    for name, args in commands(src, out).items():
        r = invoke(args)
        assert r.exit_code == 3, (name, r.exit_code, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, (name, r.stderr)
        assert words in lines[0].lower(), (name, lines[0])
        assert r.stdout == ""
    assert not out.exists()
    # `models` verifies every file too
    r = invoke(["models"])
    assert r.exit_code == 3, r.stdout + r.stderr
    assert words in (r.stdout + r.stderr).lower()


def test_models_lists_and_verifies(tiny_weights):
    r = invoke(["models"])
    assert r.exit_code == 0, r.stderr
    name, task, status, file = r.stdout.strip().split("\t")
    assert (name, task, status, file) == ("tiny", "trajectory (default)", "ok", str(tiny_weights / "tiny.safetensors"))
    r = invoke(["models", "--json"])
    row = json.loads(r.stdout)
    assert row["name"] == "tiny" and row["default"] is True and row["status"] == "ok"


def test_models_with_no_weights_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("BLURTRACE_WEIGHTS_DIR", str(tmp_path / "nothing"))
    r = invoke(["models"])
    assert r.exit_code == 0 and r.stdout == "" and "no weights" in r.stderr


def test_env_var_chooses_the_folder(tmp_path, tiny_weights, src, monkeypatch):
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.setenv("BLURTRACE_WEIGHTS_DIR", str(other))
    r = invoke(commands(src, tmp_path / "out")["trajectory"])
    assert r.exit_code == 3 and str(other) in r.stderr and "--weights" in r.stderr
    shutil.copytree(tiny_weights, other, dirs_exist_ok=True)
    r = invoke(commands(src, tmp_path / "out")["trajectory"])
    assert r.exit_code == 0, r.stderr


def test_weights_option_overrides_the_folder(tmp_path, tiny_weights, src, monkeypatch):
    file = tmp_path / "mine.safetensors"
    shutil.copy(tiny_weights / "tiny.safetensors", file)
    monkeypatch.setenv("BLURTRACE_WEIGHTS_DIR", str(tmp_path / "empty"))  # no default model at all
    for name, args in commands(src, tmp_path / "out").items():
        r = invoke([*args, "--weights", file])
        assert r.exit_code == 0, (name, r.stderr)
    # and a bad --weights file wins over a good default
    monkeypatch.setenv("BLURTRACE_WEIGHTS_DIR", str(tiny_weights))
    file.write_text(LFS_POINTER)
    r = invoke([*commands(src, tmp_path / "out2")["trajectory"], "--weights", file])
    assert r.exit_code == 3 and "lfs" in r.stderr.lower()
    r = invoke([*commands(src, tmp_path / "out2")["trajectory"], "--weights", tmp_path / "nope.safetensors"])
    assert r.exit_code == 3 and "nope.safetensors" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = invoke([*commands(src, tmp_path / "out2")["deblur"], "--weights", src])  # an image, not weights
    assert r.exit_code == 3 and "safetensors" in r.stderr
    r = invoke([*commands(src, tmp_path / "out2")["trajectory"], "--weights", tmp_path])  # a folder
    assert r.exit_code == 2
    assert not (tmp_path / "out2").exists()


def test_a_file_listed_in_the_manifest_is_checked_even_through_weights(tiny_weights, src, tmp_path):
    _flip_byte(tiny_weights / "tiny.safetensors")
    r = invoke([*commands(src, tmp_path / "out")["trajectory"], "--weights", tiny_weights / "tiny.safetensors"])
    assert r.exit_code == 3 and "sha256" in r.stderr


def test_library_raises_weights_error(tiny_weights):
    (tiny_weights / "tiny.safetensors").write_text(LFS_POINTER)
    with pytest.raises(WeightsError, match="LFS"):
        resolve("trajectory")
    with pytest.raises(WeightsError, match="missing"):
        load_state(tiny_weights / "absent.safetensors")


@pytest.mark.parametrize("manifest", [{"models": {"tiny": {"file": "tiny.safetensors"}}, "defaults": {"trajectory": "tiny"}}, [1, 2]])
def test_manifest_with_bad_entries_is_a_weights_error(tiny_weights, src, tmp_path, manifest):
    (tiny_weights / "manifest.json").write_text(json.dumps(manifest))
    r = runner.invoke(app, commands(src, tmp_path / "out")["trajectory"])
    assert r.exit_code == 3 and len(r.stderr.strip().splitlines()) == 1


def test_weights_by_installed_name(tiny_weights, src, tmp_path, monkeypatch):
    """`--weights NAME` picks a model listed by `blurtrace models`, verified like the default."""
    import torch

    from blurtrace.models.offset_net import OffsetNet, OffsetNetConfig
    from blurtrace.weights import export, register

    config = OffsetNetConfig(constraint="quadratic", n_offsets=5, width=4, blocks=1, head="bilinear")
    torch.manual_seed(1)
    export(OffsetNet(config).state_dict(), tiny_weights / "other.safetensors", task="trajectory", architecture=config.to_dict(), info={})
    register(tiny_weights, name="other", file="other.safetensors", task="trajectory", architecture=config.to_dict(), info={}, default=False)
    tensors, _, path = resolve("trajectory", "other")
    assert path == tiny_weights / "other.safetensors"
    assert not torch.equal(tensors["out.weight"], resolve("trajectory")[0]["out.weight"])
    monkeypatch.chdir(tmp_path)  # a name, not a file in the working folder
    assert invoke([*commands(src, tmp_path / "out")["trajectory"], "--weights", "other"]).exit_code == 0
    r = invoke([*commands(src, tmp_path / "out2")["trajectory"], "--weights", "nonesuch"])
    assert r.exit_code == 3 and "nonesuch" in r.stderr and "other, tiny" in r.stderr
    with pytest.raises(WeightsError, match="not deblur weights"):  # a name of the wrong task
        resolve("deblur", "other")
    _flip_byte(tiny_weights / "other.safetensors")
    with pytest.raises(WeightsError, match="sha256"):
        resolve("trajectory", "other")
