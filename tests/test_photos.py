"""blurtrace.data.photos: tile preparation on synthetic raw photos, SOURCES sanity (no network)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from blurtrace.data import photos as P

TRAIN_SRC = "lomiri-16.04"  # any train source: only the folder name matters for tiling
TILE = 64
NAME_RE = re.compile(
    r"^(?P<src>[a-z0-9.-]+)__(?P<photo>[A-Za-z0-9._-]+?)__s(?P<scale>\d\.\d+)__(?P<i>\d{3})\.png$")


def _noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def _flat(h: int, w: int) -> np.ndarray:
    ramp = np.linspace(100, 110, w, dtype=np.float32)[None, :, None]  # a gentle sky gradient
    return np.broadcast_to(ramp, (h, w, 3)).round().astype(np.uint8).copy()


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    raw = tmp_path / "raw" / TRAIN_SRC
    raw.mkdir(parents=True)
    Image.fromarray(_noise(160, 200)).save(raw / "noise.png")  # min side 160 >= 2*64
    Image.fromarray(_flat(160, 200)).save(raw / "flat.png")
    Image.fromarray(_noise(90, 100, seed=1)).save(raw / "small.png")  # < 2*64: scale 1.0 only
    Image.fromarray(_noise(40, 50, seed=2)).save(raw / "tiny.png")  # < one tile: skipped
    test = tmp_path / "raw" / "mate"
    test.mkdir(parents=True)
    Image.fromarray(_noise(70, 70, seed=3)).save(test / "eval photo.png")
    return tmp_path


def _run(cache: Path, **kw) -> dict[str, list[Path]]:
    kw.setdefault("tile", TILE)
    return P.prepare_tiles(cache, **kw)


def test_textured_kept_flat_dropped_and_names(cache: Path):
    out = _run(cache)
    train = sorted(p.name for p in out["train"])
    # noise 200x160: s0.5 -> 100x80 (1 tile), s0.75 -> 150x120 (2x1 tiles); small: s1.0 (1 tile)
    assert train == [
        f"{TRAIN_SRC}__noise__s0.5__000.png",
        f"{TRAIN_SRC}__noise__s0.75__000.png",
        f"{TRAIN_SRC}__noise__s0.75__001.png",
        f"{TRAIN_SRC}__small__s1.0__000.png",
    ]
    assert [p.name for p in out["test"]] == ["mate__eval_photo__s1.0__000.png"]
    for p in out["train"] + out["test"]:
        assert NAME_RE.match(p.name), p.name
        assert p.parent == cache / "tiles" / ("test" if p.name.startswith("mate") else "train")
        im = Image.open(p)
        assert im.size == (TILE, TILE) and im.mode == "RGB"
    assert not list((cache / "tiles").rglob("*flat*"))
    assert not list((cache / "tiles").rglob("*tiny*"))


def test_tile_pixels_are_the_downscaled_photo(cache: Path):
    import cv2

    out = _run(cache)
    tile = next(p for p in out["train"] if "small__s1.0" in p.name)
    src = np.asarray(Image.open(cache / "raw" / TRAIN_SRC / "small.png"))
    y, x = (90 - 64) // 2, (100 - 64) // 2  # centred grid
    assert np.array_equal(np.asarray(Image.open(tile)), src[y:y + 64, x:x + 64])
    half = next(p for p in out["train"] if "noise__s0.5" in p.name)
    full = np.asarray(Image.open(cache / "raw" / TRAIN_SRC / "noise.png"))
    small = cv2.resize(full, (100, 80), interpolation=cv2.INTER_AREA)
    assert np.array_equal(np.asarray(Image.open(half)), small[8:72, 18:82])


def test_manifest(cache: Path):
    out = _run(cache)
    manifest = json.loads((cache / "tiles" / "MANIFEST.json").read_text())
    tiles = manifest["tiles"]
    assert len(tiles) == len(out["train"]) + len(out["test"])
    for e in tiles:
        src = P.source_by_name(e["source"])
        assert (cache / "tiles" / e["tile"]).is_file()
        assert e["split"] == src.split and e["package"] == src.package
        assert e["licence"] == src.licence  # no SOURCE.json here: the source-level licence
        assert (cache / e["photo"]).is_file()
        assert e["laplacian_var"] > manifest["params"]["min_laplacian_var"]
    assert manifest["counts"] == {"train": {TRAIN_SRC: 4}, "test": {"mate": 1}}
    assert manifest["params"]["tile"] == TILE
    assert any("tiny" in s["photo"] for s in manifest["skipped_photos"])


def test_deterministic_capped_and_stale_removed(cache: Path):
    a = _run(cache, max_tiles_per_photo=2, seed=3)
    bytes_a = {p.name: p.read_bytes() for p in a["train"]}
    manifest_a = (cache / "tiles" / "MANIFEST.json").read_text()
    b = _run(cache, max_tiles_per_photo=2, seed=3)
    assert {p.name: p.read_bytes() for p in b["train"]} == bytes_a
    assert (cache / "tiles" / "MANIFEST.json").read_text() == manifest_a
    noise = [n for n in bytes_a if "__noise__" in n]
    assert len(noise) == 2  # capped (3 candidates)
    # a bigger cap regenerates the set; a smaller one removes the tiles that are no longer chosen
    _run(cache, max_tiles_per_photo=1, seed=3)
    left = sorted(p.name for p in (cache / "tiles" / "train").glob("*.png"))
    assert len([n for n in left if "__noise__" in n]) == 1


def test_threshold_and_coverage(cache: Path):
    out = _run(cache, min_laplacian_var=1e9)
    assert out == {"train": [], "test": []}
    assert not list((cache / "tiles").rglob("*.png"))
    # half noise / half flat: high variance, but only half of the blocks are textured
    raw = cache / "raw" / TRAIN_SRC
    for p in raw.iterdir():
        p.unlink()
    img = _flat(64, 64)
    img[:, :32] = _noise(64, 32)
    Image.fromarray(img).save(raw / "half.png")
    assert [p.name for p in _run(cache, splits=("train",))["train"]] == [
        f"{TRAIN_SRC}__half__s1.0__000.png"]
    assert _run(cache, splits=("train",), min_textured_fraction=0.75)["train"] == []


def test_splits_selection_keeps_other_split(cache: Path):
    _run(cache)
    out = _run(cache, splits=("train",), max_tiles_per_photo=1)
    assert set(out) == {"train"}
    manifest = json.loads((cache / "tiles" / "MANIFEST.json").read_text())
    assert manifest["counts"]["test"] == {"mate": 1}  # untouched
    assert (cache / "tiles" / "test" / "mate__eval_photo__s1.0__000.png").is_file()


def test_scales_for():
    assert P.scales_for(300, 512, (0.5, 0.75)) == []
    assert P.scales_for(800, 512, (0.5, 0.75)) == [1.0]
    assert P.scales_for(1023, 512, (0.5, 0.75)) == [1.0]
    assert P.scales_for(1600, 512, (0.75, 0.5)) == [0.5, 0.75]
    assert P.scales_for(1100, 512, (0.25, 0.5, 2.0)) == [0.5]  # no upscale, no sub-tile scale


def test_texture_score_separates_noise_from_flat():
    var_noise, blocks = P.texture_score(_noise(128, 128))
    var_flat, _ = P.texture_score(_flat(128, 128))
    assert var_noise > 1000 > P.MIN_LAPLACIAN_VAR > var_flat
    assert blocks.shape == (8, 8)


def test_load_rgb8_modes_and_exif(tmp_path: Path):
    grey = tmp_path / "g.png"
    Image.fromarray(np.full((10, 20), 7, np.uint8)).save(grey)
    assert P.load_rgb8(grey).shape == (10, 20, 3)
    rgba = tmp_path / "a.png"
    arr = np.zeros((10, 20, 4), np.uint8)
    arr[..., 3] = 0  # fully transparent -> white
    Image.fromarray(arr).save(rgba)
    out = P.load_rgb8(rgba)
    assert out.dtype == np.uint8 and out.shape == (10, 20, 3) and (out == 255).all()
    deep = tmp_path / "d.png"
    Image.fromarray(np.full((10, 20), 65535, np.uint16)).save(deep)
    assert (P.load_rgb8(deep) == 255).all()
    rot = tmp_path / "r.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° CW on display
    Image.fromarray(_noise(10, 20)).save(rot, exif=exif)
    assert P.load_rgb8(rot).shape == (20, 10, 3)


def test_sources_sanity():
    names = [s.name for s in P.SOURCES]
    assert len(names) == len(set(names))
    for s in P.SOURCES:
        assert s.split in P.SPLITS, s
        assert s.kind in ("apt", "pypi", "skimage"), s
        assert s.pick in ("each", "largest"), s
        assert s.licence and len(s.licence) > 10, s
        assert s.photos, s
        assert "__" not in s.name and "/" not in s.name
        assert all("motion" not in p for p in s.photos), s  # real blurry photos are reserved
        for photo, licence in s.photo_licences:
            assert licence
    assert [s.name for s in P.SOURCES if s.split == "test"] == ["mate"]
    assert P.source_by_name("mate").package == "mate-backgrounds"
    expected = {"lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04", "lxqt-themes",
                "plasma-workspace-wallpapers", "opencv-doc", "mate-backgrounds"}
    assert expected <= {s.package for s in P.SOURCES if s.kind == "apt"}
    assert len(P.source_by_name("lomiri-16.04").photos) == 14
    assert len(P.source_by_name("plasma").photos) == 11


def test_dep5_lookup():
    text = (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: *\nCopyright: 2020 Someone\nLicense: GPL-2+\n\n"
        "Files: 16.04/a_by_X.jpg\n       16.04/b_by_Y.jpg\nCopyright: X, 2018\n"
        "License: CC-BY-4.0\n\n"
        "Files: desktop/Ubuntu-*-no-logo.png\nCopyright: 2014 Z\nLicense: CC-BY-SA-4.0\n"
        " Some licence text.\n"
    )
    st = P.parse_dep5(text)
    assert P._dep5_lookup(st, "b_by_Y.jpg") == ("X, 2018", "CC-BY-4.0")
    assert P._dep5_lookup(st, "Ubuntu-Cold-no-logo.png") == ("2014 Z", "CC-BY-SA-4.0")
    assert P._dep5_lookup(st, "other.jpg") is None  # `Files: *` is not file-specific


def test_fetch_skimage_is_local_and_resumable(tmp_path: Path):
    pytest.importorskip("skimage")
    first = P.fetch_photos(tmp_path, sources=["skimage"])
    src = P.source_by_name("skimage")
    assert sorted(p.name for p in first) == sorted(src.photos)
    meta = json.loads((tmp_path / "raw" / "skimage" / "SOURCE.json").read_text())
    assert meta["split"] == "train" and meta["spec"] == src.spec_hash()
    assert meta["photos"]["camera.png"]["licence"].startswith("CC0")
    stamp = {p: p.stat().st_mtime_ns for p in first}
    again = P.fetch_photos(tmp_path, sources=["skimage"])
    assert again == first and {p: p.stat().st_mtime_ns for p in again} == stamp
    # the test split holds only the reserved source, which is not fetched here
    assert P.fetch_photos(tmp_path, splits=("test",), sources=["skimage"]) == []


def test_unavailable_source_is_logged_and_skipped(tmp_path: Path, monkeypatch, caplog):
    fake = P.PhotoSource(name="nope", kind="apt", package="no-such-package", root="usr",
                         photos=("*.jpg",), split="train", licence="none, test only")
    monkeypatch.setattr(P, "SOURCES", (fake,))
    monkeypatch.setattr(P.shutil, "which", lambda *_: None)  # no apt-get / dpkg
    with caplog.at_level("WARNING", logger="blurtrace.data.photos"):
        assert P.fetch_photos(tmp_path) == []
    assert "nope" in caplog.text and "skipped" in caplog.text
    assert not (tmp_path / "raw" / "nope").exists()


def test_main_tiles_cli(cache: Path, capsys):
    assert P.main(["tiles", "--cache", str(cache), "--tile", str(TILE), "-q"]) == 0
    assert (cache / "tiles" / "MANIFEST.json").is_file()
    assert P.main(["sources"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(P.SOURCES)
