"""Sharp training photographs: fetch the allowed sources, cut textured training tiles.

Only photographs whose licence lets us train on them are used (DESIGN: data sources). They come
from Debian packages (``apt-get download`` + ``dpkg -x``, no system install), from PyPI wheels
(``pip download --no-deps``) and from the scikit-image wheel already installed in the venv.
The Debian ``mate-backgrounds`` photos are RESERVED for evaluation: they form the ``test``
split and never enter training. OpenCV's ``*_motion*`` samples are real blurry photos and are
not taken at all.

Cache layout (default ``./data/photos``, git-ignored)::

    raw/<source>/<photo>           the selected photos, unchanged bytes
    raw/<source>/SOURCE.json       package, version, per-photo origin, licence and copyright
    raw/<source>/COPYRIGHT*        the licence / copyright file(s) shipped with the package
    tiles/<split>/<source>__<photo>__s<scale>__<i>.png
    tiles/MANIFEST.json            every tile with its source photo, package and licence

Run as ``python -m blurtrace.data.photos fetch`` then ``... tiles`` (``--cache DIR``).
Colour: every photo in the sources is sRGB (or untagged), so pixels are used as stored.
"""
from __future__ import annotations

import argparse
import fnmatch
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

log = logging.getLogger("blurtrace.data.photos")

DEFAULT_CACHE = Path("data/photos")
SPLITS: tuple[str, ...] = ("train", "test")
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")

# Tile selection defaults, chosen by looking at the measured scores of all 584 candidate tiles
# of the real photos (see ``texture_score`` and the docstring of ``prepare_tiles``).
DEFAULT_TILE = 512
DEFAULT_SCALES: tuple[float, ...] = (0.5, 0.75)
LAPLACIAN_REDUCE = 2  # the Laplacian is taken after a 2x INTER_AREA reduction (noise-robust)
MIN_LAPLACIAN_VAR = 35.0
MIN_TEXTURED_FRACTION = 0.25  # of the tile's 8x8 blocks that must pass MIN_LAPLACIAN_VAR alone
MAX_TILES_PER_PHOTO = 16

Progress = Callable[[str], None]


@dataclass(frozen=True)
class PhotoSource:
    """One allowed source of sharp photographs.

    ``photos`` are glob patterns relative to ``root`` inside the package (an explicit name is a
    pattern that matches itself). With ``pick="each"`` every match is one photo, saved under
    its file name; with ``pick="largest"`` each pattern is one photo group (a wallpaper theme
    shipping several resolutions) of which the largest image is kept, saved as
    ``<first folder of the pattern><ext>``. A pattern that matches nothing is logged.
    """

    name: str  # folder name under raw/ and first field of tile names
    kind: str  # "apt" | "pypi" | "skimage"
    package: str  # Debian package, pip requirement, or "scikit-image"
    root: str  # folder holding the photos inside the .deb / wheel
    photos: tuple[str, ...]
    split: str  # "train" | "test"
    licence: str  # short summary, read from the package's copyright / licence files
    pick: str = "each"  # "each" | "largest"
    alternatives: tuple[str, ...] = ()  # other package names to try if `package` is missing
    photo_licences: tuple[tuple[str, str], ...] = ()  # (saved photo name, licence) overrides
    note: str = ""

    def spec_hash(self) -> str:
        """Hash of what the source selects (not of its licence text): a change re-fetches it."""
        key = json.dumps([self.kind, self.package, self.root, self.photos, self.pick])
        return hashlib.sha1(key.encode()).hexdigest()[:12]


_SKIMAGE_LICENCES = (
    ("astronaut.png", "Public domain (NASA Great Images; skimage.data docstring)"),
    ("camera.png", "CC0 by the photographer, Lav Varshney (skimage.data docstring)"),
    ("chelsea.png", "CC0 by the photographer, Stefan van der Walt (skimage.data docstring)"),
    ("coffee.png", "CC0 by the photographer, Rachel Michetti (skimage.data docstring)"),
    ("rocket.jpg", "Public domain (SpaceX; skimage.data docstring)"),
    ("brick.png", "CC0 (CC0Textures Bricks25; skimage.data docstring)"),
    ("grass.png", "CC0 (DeviantArt linolafett 'Grass 01'; skimage.data docstring)"),
    ("gravel.png", "CC0 (CC0Textures Gravel04; skimage.data docstring)"),
    ("motorcycle_left.png", "Middlebury 2014 stereo benchmark (Scharstein et al.), shipped by "
                            "scikit-image without an explicit image licence"),
    ("motorcycle_right.png", "Middlebury 2014 stereo benchmark (Scharstein et al.), shipped by "
                             "scikit-image without an explicit image licence"),
)
_SPORCO_LICENCES = (
    ("barbara.png", "Attributed to Allen Gersho; 'believed to be in the public domain or freely "
                    "redistributable' (sporco/data/README.rst)"),
    ("kodim23.png", "Kodak test image, released for unrestricted use (sporco/data/README.rst)"),
    ("monarch.png", "Waterloo BragZone, free of copyright restrictions (sporco/data/README.rst)"),
    ("sail.png", "Waterloo BragZone, free of copyright restrictions (sporco/data/README.rst)"),
    ("tulips.png", "Waterloo BragZone, free of copyright restrictions (sporco/data/README.rst)"),
)

SOURCES: tuple[PhotoSource, ...] = (
    PhotoSource(
        name="lomiri-16.04", kind="apt", package="lomiri-wallpapers-16.04",
        root="usr/share/backgrounds",
        photos=(
            "Bridge_by_Sander_Klootwijk.jpg", "Dragonfly_by_Bolly.jpg",
            "Picture_0B_by_freespace.jpg", "Picture_1A_by_freespace.jpg",
            "Wine_by_Jakkub_Mede.jpg", "aitzgorri_by_Aitzol_Berasategi.jpg",
            "analogpattern_by_Peter_Nerlich.jpg", "free_by_Peter_Nerlich.jpg",
            "friends_by_Aitzol_Berasategi.jpg", "greentock_by_Peter_Nerlich.jpg",
            "life_by_Aitzol_Berasategi.jpg", "picosdeeuropa_by_Aitzol_Berasategi.jpg",
            "seeding_by_Clements_Engelhardt.jpg", "sunset_by_Aitzol_Berasategi.jpg",
        ),
        split="train",
        licence="CC-BY-4.0, CC-BY-SA-4.0 or CC0-1.0 per photo (debian/copyright; the "
                "per-photo licence and author are in SOURCE.json and MANIFEST.json)",
        note="umang_by_Abhishek_Mudgal.jpg is digital art, not a photo: left out",
    ),
    PhotoSource(
        name="lomiri-20.04", kind="apt", package="lomiri-wallpapers-20.04",
        root="usr/share/backgrounds",
        photos=("Kleiber_by_Lukas_Baubkus.jpg",),
        split="train",
        licence="CC-BY-SA-3.0, (c) 2021 Lukas Baubkus (debian/copyright)",
        note="Fossa, Infinite-Sea and Painting-Colors are illustrations: left out",
    ),
    PhotoSource(
        name="lxqt", kind="apt", package="lxqt-themes", root="usr/share/lxqt/wallpapers",
        photos=(
            "Butterfly-Kenneth-Wimer.jpg", "Valendas.png", "after-the-rain.jpg",
            "appleflower.png", "beam.png", "butterfly.png", "cloud.png", "drop.png",
            "flowers.png", "fog.jpg", "this-is-not-windows.jpg",
        ),
        split="train",
        licence="CC-BY-SA-3.0, LXQt Project Team (usr/share/lxqt/wallpapers/License; "
                "debian/copyright puts Files: * under LGPL-2.1+)",
        note="origami/triangles/waves/plasma/logo wallpapers are graphics: left out",
    ),
    PhotoSource(
        name="plasma", kind="apt", package="plasma-workspace-wallpapers",
        root="usr/share/wallpapers",
        photos=tuple(f"{theme}/contents/images/*" for theme in (
            "BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow",
            "FallenLeaf", "Grey", "Kite", "OneStandsOut", "Path", "summer_1am",
        )),
        split="train", pick="largest",
        licence="LGPL-3 per theme metadata.json (author per photo in SOURCE.json); "
                "debian/copyright: GPL-2+, KDE Visual Design Group",
        note="only the photographic themes; the rest are renders/illustrations",
    ),
    PhotoSource(
        name="skimage", kind="skimage", package="scikit-image", root="skimage/data",
        photos=tuple(name for name, _ in _SKIMAGE_LICENCES),
        split="train",
        licence="CC0 or public domain per image (skimage.data docstrings), motorcycle pair: "
                "Middlebury 2014 stereo, no explicit licence; scikit-image is BSD-3-Clause",
        photo_licences=_SKIMAGE_LICENCES,
    ),
    PhotoSource(
        name="sporco", kind="pypi", package="sporco==0.2.2.post1", root="sporco/data",
        photos=tuple(name for name, _ in _SPORCO_LICENCES),
        split="train",
        licence="Public domain or freely redistributable per sporco/data/README.rst (Kodak, "
                "Waterloo BragZone; barbara attributed to Allen Gersho); sporco: BSD-3-Clause",
        photo_licences=_SPORCO_LICENCES,
    ),
    PhotoSource(
        name="opencv", kind="apt", package="opencv-doc",
        root="usr/share/doc/opencv-doc/examples/data",
        photos=(
            "aero1.jpg", "aero3.jpg", "aloeL.jpg", "apple.jpg", "baboon.jpg", "board.jpg",
            "building.jpg", "butterfly.jpg", "chicky_512.png", "ela_original.jpg",
            "fruits.jpg", "graf1.png", "graf3.png", "home.jpg", "left.jpg", "leuvenA.jpg",
            "messi5.jpg", "orange.jpg", "rubberwhale1.png", "smarties.png",
            "squirrel_cls.jpg", "stuff.jpg", "sudoku.png",
        ),
        split="train",
        licence="Apache-2.0 AND BSD-3-Clause (OpenCV debian/copyright, Files: *); the sample "
                "photos' own provenance is not documented",
        note="photos only; NOT the *_motion* images (real blur, reserved) nor text_defocus "
             "(blurred); one frame of each near-duplicate pair (aloeL/R, leuvenA/B, "
             "rubberwhale1/2, left/right); ela_modified is a doctored copy of ela_original",
    ),
    PhotoSource(
        name="mate", kind="apt", package="mate-backgrounds",
        root="usr/share/backgrounds/mate",
        photos=tuple(f"nature/{n}.jpg" for n in (
            "Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird",
            "RainDrops", "TwoWings", "Wood", "YellowFlower",
        )),
        split="test",
        licence="GPL-2+ (mate-backgrounds debian/copyright; per-photo copyright holders in "
                "SOURCE.json)",
        note="RESERVED for evaluation. nature/Storm.jpg is left out: its foreground is a real "
             "motion-blurred photo (shot from a moving car), not a sharp reference",
    ),
)


def source_by_name(name: str) -> PhotoSource:
    for src in SOURCES:
        if src.name == name:
            return src
    raise KeyError(f"unknown photo source {name!r}; known: {', '.join(s.name for s in SOURCES)}")


# --------------------------------------------------------------------------------------------
# helpers


def _say(progress: Progress | None, msg: str, level: int = logging.INFO) -> None:
    log.log(level, msg)
    if progress is not None:
        progress(msg)


def _run(cmd: Sequence[str], cwd: Path | None = None,
         timeout: float = 1800) -> subprocess.CompletedProcess:
    env = dict(os.environ, LC_ALL="C", LANG="C")
    try:
        return subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError) as e:  # missing tool, timeout
        return subprocess.CompletedProcess(list(cmd), 1, "", f"{type(e).__name__}: {e}")


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTS


def _safe_stem(stem: str) -> str:
    """File-name stem usable between ``__`` separators: no '__', only [A-Za-z0-9._-]."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    s = re.sub(r"_{2,}", "_", s).strip("_")
    return s or "photo"


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    os.replace(tmp, path)


def _image_pixels(path: Path) -> int:
    from PIL import Image

    try:
        with Image.open(path) as im:
            return im.size[0] * im.size[1]
    except Exception:  # not an image
        return -1


def parse_dep5(text: str) -> list[tuple[list[str], str, str]]:
    """Parse a machine-readable debian/copyright into ``(file patterns, copyright, licence)``."""
    stanzas = []
    for para in re.split(r"\n\s*\n", text):
        fields: dict[str, list[str]] = {}
        key = None
        for line in para.splitlines():
            if line[:1] in (" ", "\t"):
                if key is not None:
                    fields[key].append(line.strip())
                continue
            m = re.match(r"([A-Za-z-]+):\s*(.*)", line)
            if m:
                key = m.group(1).lower()
                fields[key] = [m.group(2).strip()]
        if "files" in fields:
            patterns = " ".join(fields["files"]).split()
            holders = "; ".join(x for x in fields.get("copyright", []) if x and x != ".")
            licence = (fields.get("license") or [""])[0]
            stanzas.append((patterns, holders, licence))
    return stanzas


def _dep5_lookup(stanzas, filename: str) -> tuple[str, str] | None:
    """Copyright/licence of the LAST stanza naming this file specifically (by base name).

    Patterns whose base name is a bare ``*`` (e.g. ``Files: *``, ``data/*``) are ignored: the
    package's install paths differ from its source tree, so only file-specific stanzas are
    trusted here; the source-level summary in ``SOURCES`` covers the rest.
    """
    found = None
    for patterns, holders, licence in stanzas:
        for pat in patterns:
            base = pat.rsplit("/", 1)[-1]
            if base and base.strip("*") and fnmatch.fnmatchcase(filename, base):
                found = (holders, licence)
    return found


# --------------------------------------------------------------------------------------------
# fetching


def _apt_candidate(pkg: str) -> str | None:
    if shutil.which("apt-cache") is None:
        return None
    out = _run(["apt-cache", "policy", pkg], timeout=120).stdout
    m = re.search(r"Candidate:\s*(\S+)", out)
    if not m or m.group(1) == "(none)":
        return None
    return m.group(1)


Fetched = tuple[Path, str, str]  # (extracted root, package, version)


def _fetch_apt(src: PhotoSource, work: Path, progress: Progress | None) -> Fetched | None:
    """Download + extract the .deb. Returns (extracted root, package, version) or None."""
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        _say(progress, f"[{src.name}] apt-get/dpkg not available: source skipped", logging.WARNING)
        return None
    for pkg in (src.package, *src.alternatives):
        version = _apt_candidate(pkg)
        if version is None:
            _say(progress, f"[{src.name}] Debian package {pkg!r} has no install candidate",
                 logging.WARNING)
            continue
        _say(progress, f"[{src.name}] apt-get download {pkg} ({version})")
        cmd = ["apt-get", "download"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # root: download directly instead of via the unprivileged _apt user, which cannot
            # write into our private temp folder (apt would warn and do the same anyway)
            cmd += ["-o", "APT::Sandbox::User=root"]
        res = _run([*cmd, pkg], cwd=work)
        debs = sorted(work.glob("*.deb"))
        if res.returncode != 0 or not debs:
            _say(progress, f"[{src.name}] apt-get download {pkg} failed: "
                 f"{(res.stderr or res.stdout).strip()[-300:]}", logging.WARNING)
            continue
        root = work / "x"
        root.mkdir()
        res = _run(["dpkg", "-x", str(debs[0]), str(root)])
        for deb in debs:  # keep only the extracted tree
            deb.unlink()
        if res.returncode != 0:
            _say(progress, f"[{src.name}] dpkg -x failed: {res.stderr.strip()[-300:]}",
                 logging.WARNING)
            shutil.rmtree(root, ignore_errors=True)
            continue
        return root, pkg, version
    return None


def _fetch_wheel(requirement: str, work: Path, members_under: str, progress: Progress | None,
                 label: str) -> Fetched | None:
    _say(progress, f"[{label}] pip download --no-deps {requirement}")
    res = _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                "--disable-pip-version-check", "-q", "-d", str(work), requirement])
    wheels = sorted(work.glob("*.whl"))
    if res.returncode != 0 or not wheels:
        _say(progress, f"[{label}] pip download {requirement} failed: "
             f"{(res.stderr or res.stdout).strip()[-300:]}", logging.WARNING)
        return None
    wheel = wheels[0]
    root = work / "x"
    prefix = members_under.rstrip("/") + "/"
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist()
                 if n.startswith(prefix) or ".dist-info/" in n and "licen" in n.lower()]
        zf.extractall(root, members=names)
    parts = wheel.name.split("-")
    pkg, version = parts[0], parts[1] if len(parts) > 1 else "?"
    for w in wheels:
        w.unlink()
    return root, pkg, version


def _fetch_skimage(src: PhotoSource, work: Path, progress: Progress | None) -> Fetched | None:
    spec = importlib.util.find_spec("skimage")
    if spec is not None and spec.submodule_search_locations:
        pkg_dir = Path(list(spec.submodule_search_locations)[0])
        data_dir = pkg_dir / "data"
        if all((data_dir / p).is_file() for p in src.photos):
            try:
                from importlib.metadata import version as _v

                version = _v("scikit-image")
            except Exception:
                version = "?"
            _say(progress, f"[{src.name}] reading the installed scikit-image {version}")
            # root = site-packages, so that root/src.root is skimage/data; only its own
            # licence file is copied (see _licence_files)
            return pkg_dir.parent, "scikit-image", version
    _say(progress, f"[{src.name}] scikit-image data not installed: downloading the wheel")
    return _fetch_wheel("scikit-image", work, src.root, progress, src.name)


def _select(src: PhotoSource, base: Path, progress: Progress | None) -> dict[str, Path]:
    """Saved name -> file inside the extracted package, following ``src.photos``/``src.pick``."""
    chosen: dict[str, Path] = {}
    for pattern in src.photos:
        matches = sorted(p for p in base.glob(pattern)
                         if p.is_file() and not p.is_symlink() and _is_image(p))
        if not matches:
            _say(progress, f"[{src.name}] {pattern!r} matched nothing in {src.package}",
                 logging.WARNING)
            continue
        if src.pick == "largest":
            best = max(matches, key=lambda p: (_image_pixels(p), p.name))
            group = pattern.split("/", 1)[0]
            chosen[f"{group}{best.suffix.lower()}"] = best
        else:
            for m in matches:
                name = m.name
                if name in chosen and chosen[name] != m:
                    name = "_".join(m.relative_to(base).parts)
                chosen[name] = m
    return chosen


def _photo_licences(src: PhotoSource, root: Path, chosen: dict[str, Path],
                    base: Path) -> dict[str, dict[str, str]]:
    info: dict[str, dict[str, str]] = {}
    overrides = dict(src.photo_licences)
    stanzas = []
    for cr in sorted(root.glob("usr/share/doc/*/copyright")):
        stanzas = parse_dep5(cr.read_text(errors="replace"))
    for name, path in chosen.items():
        entry = {"origin": str(path.relative_to(root)), "licence": src.licence}
        if name in overrides:
            entry["licence"] = overrides[name]
        hit = _dep5_lookup(stanzas, path.name) if stanzas else None
        if hit is not None:
            holders, licence = hit
            entry["licence"] = f"{licence} (debian/copyright)"
            entry["copyright"] = holders
        if src.pick == "largest":  # KDE-style theme: <theme>/metadata.json
            meta = base / name.rsplit(".", 1)[0] / "metadata.json"
            if meta.is_file():
                try:
                    plugin = json.loads(meta.read_text()).get("KPlugin", {})
                    authors = ", ".join(a.get("Name", "") for a in plugin.get("Authors", []))
                    if plugin.get("License"):
                        entry["licence"] = f"{plugin['License']} (theme metadata.json)"
                    if authors:
                        entry["copyright"] = authors
                except (ValueError, AttributeError):
                    pass
        info[name] = entry
    return info


def _licence_files(src: PhotoSource, root: Path, pkg: str) -> list[Path]:
    """The package's copyright/licence files (Debian copyright, wheel licences, data README)."""
    files = sorted(root.glob("usr/share/doc/*/copyright"))
    files += sorted(p for p in (root / src.root).glob("*") if p.is_file()
                    and p.name.lower() in ("license", "licence", "copying", "readme.rst"))
    norm = re.sub(r"[-_.]+", "_", pkg).lower()
    for dist in sorted(root.glob("*.dist-info")):
        if not re.sub(r"[-_.]+", "_", dist.name).lower().startswith(norm + "_"):
            continue  # site-packages (installed scikit-image): only its own dist-info
        files += sorted(p for p in dist.rglob("*") if p.is_file() and "licen" in p.name.lower())
    return files


def _copy_licence_files(files: list[Path], dest: Path) -> list[str]:
    copied = []
    for p in files:
        debian = p.name == "copyright" and p.parent.parent.name == "doc"
        name = "COPYRIGHT" if debian else f"COPYRIGHT.{_safe_stem(p.name)}"
        shutil.copyfile(p, dest / name)
        copied.append(name)
    return copied


def _source_done(dest: Path, src: PhotoSource) -> list[Path] | None:
    meta = dest / "SOURCE.json"
    if not meta.is_file():
        return None
    try:
        data = json.loads(meta.read_text())
    except ValueError:
        return None
    if data.get("spec") != src.spec_hash():
        return None
    paths = [dest / n for n in data.get("photos", {})]
    return paths if all(p.is_file() for p in paths) else None


def fetch_photos(cache_dir: Path, *, splits: Iterable[str] = SPLITS,
                 progress: Progress | None = None,
                 sources: Iterable[str] | None = None) -> list[Path]:
    """Download/extract every allowed source into ``cache_dir/raw/<source>/``.

    Resumable: a source whose ``SOURCE.json`` matches the current selection is not fetched
    again. An unavailable package is logged and skipped. Downloaded .deb/.whl files and the
    extracted packages are deleted; only the selected photos and licence files stay.
    Returns the raw photo paths (of the requested ``splits``, in ``SOURCES`` order).
    """
    cache_dir = Path(cache_dir)
    splits = tuple(splits)
    wanted = set(sources) if sources is not None else None
    raw = cache_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    unavailable: list[str] = []
    for src in SOURCES:
        if src.split not in splits or (wanted is not None and src.name not in wanted):
            continue
        dest = raw / src.name
        done = _source_done(dest, src)
        if done is not None:
            _say(progress, f"[{src.name}] already fetched: {len(done)} photos")
            out += done
            continue
        if dest.exists():
            shutil.rmtree(dest)
        with tempfile.TemporaryDirectory(prefix=f"blurtrace-{src.name}-") as tmp:
            work = Path(tmp)
            if src.kind == "apt":
                got = _fetch_apt(src, work, progress)
            elif src.kind == "pypi":
                got = _fetch_wheel(src.package, work, src.root, progress, src.name)
            elif src.kind == "skimage":
                got = _fetch_skimage(src, work, progress)
            else:
                raise ValueError(f"unknown source kind {src.kind!r}")
            if got is None:
                _say(progress, f"[{src.name}] UNAVAILABLE: skipped", logging.WARNING)
                unavailable.append(src.name)
                continue
            root, pkg, version = got
            base = root / src.root
            chosen = _select(src, base, progress)
            if not chosen:
                _say(progress, f"[{src.name}] no photo found: skipped", logging.WARNING)
                unavailable.append(src.name)
                continue
            partial = raw / f".{src.name}.partial"
            if partial.exists():
                shutil.rmtree(partial)
            partial.mkdir()
            for name, path in chosen.items():
                shutil.copyfile(path, partial / name)
            licences = _photo_licences(src, root, chosen, base)
            licence_files = _copy_licence_files(_licence_files(src, root, pkg), partial)
            _write_json(partial / "SOURCE.json", {
                "source": src.name, "kind": src.kind, "package": pkg, "version": version,
                "split": src.split, "licence": src.licence, "spec": src.spec_hash(),
                "licence_files": licence_files, "note": src.note, "photos": licences,
            })
            os.replace(partial, dest)
        mp = sum(_image_pixels(dest / n) for n in chosen) / 1e6
        _say(progress, f"[{src.name}] {len(chosen)} photos ({mp:.1f} MP) from {pkg} {version}")
        out += [dest / n for n in chosen]
    if unavailable:
        _say(progress, f"unavailable sources: {', '.join(unavailable)}", logging.WARNING)
    return out


# --------------------------------------------------------------------------------------------
# tiles


def load_rgb8(path: Path) -> np.ndarray:
    """Photo as an (H, W, 3) uint8 RGB array, EXIF orientation applied, alpha over white."""
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
            a = np.asarray(im).astype(np.float64)
            hi = 65535.0 if a.max() > 255 else 255.0
            a = np.clip(np.rint(a * (255.0 / hi)), 0, 255).astype(np.uint8)
            return np.repeat(a[..., None], 3, axis=2)
        if im.mode == "P":
            im = im.convert("RGBA")
        if im.mode in ("RGBA", "LA", "PA"):
            im = im.convert("RGBA")
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(bg, im)
        arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(arr)


def scales_for(min_side: int, tile: int, scales: Sequence[float]) -> list[float]:
    """Scales at which a photo is tiled.

    Photos with a short side below ``2*tile`` are used at their native resolution only (they
    are already small, downscaling them would leave at most a sliver); photos below one tile
    give nothing. Larger photos use the requested downscales that still fit a tile (never an
    upscale: that would soften the texture).
    """
    if min_side < tile:
        return []
    if min_side < 2 * tile:
        return [1.0]
    ok = sorted({float(s) for s in scales if 0 < s <= 1 and min_side * s >= tile})
    return ok or [1.0]


def _resize(rgb: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    if scale == 1.0:
        return rgb
    h, w = rgb.shape[:2]
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def tile_grid(h: int, w: int, tile: int) -> list[tuple[int, int]]:
    """Top-left corners of the non-overlapping tiles, the grid centred in the image."""
    ny, nx = h // tile, w // tile
    oy, ox = (h - ny * tile) // 2, (w - nx * tile) // 2
    return [(oy + r * tile, ox + c * tile) for r in range(ny) for c in range(nx)]


def texture_score(rgb: np.ndarray, reduce: int = LAPLACIAN_REDUCE,
                  blocks: int = 8) -> tuple[float, np.ndarray]:
    """Texture measure of a tile: variance of the Laplacian of its grey image.

    The grey (0..255) tile is first reduced ``reduce``× with ``cv2.INTER_AREA``, then the 3×3
    Laplacian (``cv2.Laplacian``, ksize=1) is taken. At full resolution that Laplacian mostly
    measures pixel noise and JPEG grain — an out-of-focus bokeh tile of a high-ISO photo
    scores as high as a sharp leaf — while the 2× reduction averages the noise away and keeps
    real texture. Returns ``(variance over the tile, variance per block)`` with the tile cut
    into ``blocks``×``blocks`` blocks (for the coverage test).
    """
    import cv2

    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb
    grey = grey.astype(np.float32)
    if reduce > 1:
        h, w = grey.shape
        grey = cv2.resize(grey, (max(1, w // reduce), max(1, h // reduce)),
                          interpolation=cv2.INTER_AREA)
    lap = cv2.Laplacian(grey, cv2.CV_32F, ksize=1, borderType=cv2.BORDER_REFLECT)
    h, w = lap.shape
    bh, bw = h // blocks, w // blocks
    per_block = lap[:bh * blocks, :bw * blocks].reshape(blocks, bh, blocks, bw).var(axis=(1, 3))
    return float(lap.var()), per_block


def tile_stats(rgb: np.ndarray, tile: int, min_laplacian_var: float = MIN_LAPLACIAN_VAR
               ) -> list[tuple[int, int, int, float, float]]:
    """(grid index, y, x, Laplacian variance, textured fraction) of every grid tile.

    The textured fraction is the share of the tile's 8×8 blocks whose own Laplacian variance
    exceeds ``min_laplacian_var``.
    """
    h, w = rgb.shape[:2]
    out = []
    for i, (y, x) in enumerate(tile_grid(h, w, tile)):
        var, per_block = texture_score(rgb[y:y + tile, x:x + tile])
        out.append((i, y, x, var, float((per_block > min_laplacian_var).mean())))
    return out


def _photo_seed(seed: int, source: str, photo: str) -> int:
    return zlib.crc32(f"{seed}:{source}/{photo}".encode())


def _raw_photos(cache_dir: Path, splits: Sequence[str]) -> list[tuple[PhotoSource, Path, dict]]:
    raw = cache_dir / "raw"
    found = []
    for src in SOURCES:
        if src.split not in splits:
            continue
        d = raw / src.name
        if not d.is_dir():
            continue
        meta: dict = {}
        if (d / "SOURCE.json").is_file():
            try:
                meta = json.loads((d / "SOURCE.json").read_text())
            except ValueError:
                meta = {}
        for p in sorted(d.iterdir()):
            if p.is_file() and _is_image(p):
                found.append((src, p, meta))
    return found


def prepare_tiles(cache_dir: Path, *, tile: int = DEFAULT_TILE,
                  scales: Sequence[float] = DEFAULT_SCALES,
                  min_laplacian_var: float = MIN_LAPLACIAN_VAR,
                  min_textured_fraction: float = MIN_TEXTURED_FRACTION,
                  max_tiles_per_photo: int = MAX_TILES_PER_PHOTO, seed: int = 0,
                  splits: Iterable[str] = SPLITS,
                  progress: Progress | None = None) -> dict[str, list[Path]]:
    """Cut textured ``tile``×``tile`` PNG tiles from the raw photos into ``cache_dir/tiles``.

    Per photo: RGB 8-bit with EXIF orientation applied; downscaled by each of ``scales`` with
    ``cv2.INTER_AREA`` (see ``scales_for`` for small photos); a centred grid of
    non-overlapping tiles. A tile is kept when (1) the variance of the Laplacian of its grey
    image (``texture_score``: taken after a 2× reduction, so that pixel noise does not count
    as texture) exceeds ``min_laplacian_var`` and (2) at least ``min_textured_fraction`` of its
    8×8 blocks pass that threshold on their own (a sharp pole across an empty sky, or a small
    sharp insect on a bokeh background, has a high variance but is still a sky/bokeh tile). At
    most ``max_tiles_per_photo`` per photo over all scales, drawn at random with a generator
    seeded by ``seed`` and the photo name (deterministic, not biased to the busiest tiles).

    Defaults, read off the 584 candidate tiles of the allowed photos: clear or hazy sky,
    bokeh, fog and soft out-of-focus foliage score below ~30, textured tiles (bark, leaves,
    wood, stone, interiors, flowers in focus) from ~35 up (median of all candidates 88), so
    the variance threshold is 35. At full resolution the same measure could not separate them:
    the out-of-focus bokeh of the 20 MP Kleiber photo scored 40-52 from sensor noise alone,
    above a sharp leaf-vein tile (39). Coverage 0.25 removes the remaining ~45 tiles that are
    mostly empty sky or bokeh around one sharp edge.

    Tiles go to ``tiles/<split>/<source>__<photo>__s<scale>__<i>.png`` (``i`` = position in
    the grid, row-major) and ``tiles/MANIFEST.json`` lists each tile with its source photo,
    package and licence. Stale tiles of the processed splits are removed. Returns
    ``{split: [tile paths]}``.
    """
    import cv2

    cache_dir = Path(cache_dir)
    splits = tuple(splits)
    tiles_dir = cache_dir / "tiles"
    photos = _raw_photos(cache_dir, splits)
    if not photos:
        _say(progress, f"no raw photos under {cache_dir / 'raw'}: run `fetch` first",
             logging.WARNING)
    result: dict[str, list[Path]] = {s: [] for s in splits}
    entries: list[dict] = []
    skipped: list[dict] = []
    old_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # keep the machine free for training
    try:
        for split in splits:
            (tiles_dir / split).mkdir(parents=True, exist_ok=True)
        for k, (src, path, meta) in enumerate(photos, 1):
            try:
                rgb = load_rgb8(path)
            except Exception as e:  # corrupt / unreadable file
                _say(progress, f"[{src.name}] cannot read {path.name}: {e}", logging.WARNING)
                skipped.append({"photo": path.name, "source": src.name, "reason": str(e)})
                continue
            h, w = rgb.shape[:2]
            use = scales_for(min(h, w), tile, scales)
            if not use:
                skipped.append({"photo": f"{src.name}/{path.name}", "size": [w, h],
                                "reason": f"smaller than one {tile}px tile"})
                _say(progress, f"[{k}/{len(photos)}] {src.name}/{path.name} {w}x{h}: "
                     f"smaller than a tile, skipped")
                continue
            pinfo = meta.get("photos", {}).get(path.name, {})
            licence = pinfo.get("licence", src.licence)
            stem = _safe_stem(path.stem)
            scaled = {scale: _resize(rgb, scale) for scale in use}
            candidates = [(scale, i, y, x, var, frac)
                          for scale in use
                          for i, y, x, var, frac in tile_stats(scaled[scale], tile,
                                                               min_laplacian_var)
                          if var > min_laplacian_var and frac >= min_textured_fraction]
            if len(candidates) > max_tiles_per_photo:
                rng = np.random.default_rng(_photo_seed(seed, src.name, path.name))
                keep = sorted(rng.choice(len(candidates), size=max_tiles_per_photo,
                                         replace=False).tolist())
                candidates = [candidates[i] for i in keep]
            for scale, i, y, x, var, frac in candidates:
                name = f"{src.name}__{stem}__s{float(scale)}__{i:03d}.png"
                out = tiles_dir / src.split / name
                crop = scaled[scale][y:y + tile, x:x + tile]
                ok = cv2.imwrite(str(out), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR),
                                 [cv2.IMWRITE_PNG_COMPRESSION, 3])
                if not ok:
                    raise OSError(f"could not write {out}")
                result[src.split].append(out)
                entry = {
                    "tile": f"{src.split}/{name}", "split": src.split, "source": src.name,
                    "package": meta.get("package", src.package),
                    "version": meta.get("version"),
                    "photo": f"raw/{src.name}/{path.name}",
                    "origin": pinfo.get("origin"), "photo_size": [w, h],
                    "scale": float(scale), "box": [int(x), int(y), tile, tile],
                    "laplacian_var": round(var, 2), "textured_fraction": round(frac, 3),
                    "licence": licence,
                }
                if pinfo.get("copyright"):
                    entry["copyright"] = pinfo["copyright"]
                entries.append(entry)
            kept = len(candidates)
            _say(progress, f"[{k}/{len(photos)}] {src.name}/{path.name} {w}x{h} "
                 f"scales {use}: {kept} tiles")
    finally:
        cv2.setNumThreads(old_threads)

    # drop stale tiles of the processed splits
    for split in splits:
        fresh = {p.name for p in result[split]}
        for p in (tiles_dir / split).glob("*.png"):
            if p.name not in fresh:
                p.unlink()
        result[split].sort()

    manifest_path = tiles_dir / "MANIFEST.json"
    kept_entries = []
    if manifest_path.is_file():  # keep the entries of splits not processed this time
        try:
            old = json.loads(manifest_path.read_text())
            kept_entries = [e for e in old.get("tiles", []) if e.get("split") not in splits]
        except ValueError:
            pass
    all_entries = sorted(kept_entries + entries, key=lambda e: e["tile"])
    counts: dict[str, dict[str, int]] = {}
    for e in all_entries:
        counts.setdefault(e["split"], {}).setdefault(e["source"], 0)
        counts[e["split"]][e["source"]] += 1
    _write_json(manifest_path, {
        "format": 1,
        "params": {"tile": tile, "scales": [float(s) for s in scales],
                   "min_laplacian_var": min_laplacian_var,
                   "min_textured_fraction": min_textured_fraction,
                   "max_tiles_per_photo": max_tiles_per_photo, "seed": seed,
                   "laplacian": f"variance of cv2.Laplacian (3x3, ksize=1) of the grey 0..255 "
                                f"tile after a {LAPLACIAN_REDUCE}x INTER_AREA reduction",
                   "resize": "cv2.INTER_AREA"},
        "sources": {s.name: {"package": s.package, "kind": s.kind, "split": s.split,
                             "licence": s.licence} for s in SOURCES},
        "counts": counts,
        "skipped_photos": skipped,
        "tiles": all_entries,
    })
    for split in splits:
        _say(progress, f"{split}: {len(result[split])} tiles in {tiles_dir / split}")
    return result


# --------------------------------------------------------------------------------------------
# command line


def _describe_raw(cache_dir: Path, paths: list[Path]) -> None:
    by: dict[tuple[str, str], list[Path]] = {}
    for p in paths:
        src = source_by_name(p.parent.name)
        by.setdefault((src.split, src.name), []).append(p)
    total_mp = 0.0
    for (split, name), ps in sorted(by.items()):
        mp = sum(_image_pixels(p) for p in ps) / 1e6
        total_mp += mp
        log.info("  %-5s %-13s %3d photos %7.1f MP", split, name, len(ps), mp)
    log.info("  total: %d photos, %.1f MP in %s", len(paths), total_mp, cache_dir / "raw")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m blurtrace.data.photos",
        description="Fetch the allowed sharp photos and cut textured training tiles.")
    ap.add_argument("command", choices=("fetch", "tiles", "all", "sources"))
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                    help=f"cache folder (default {DEFAULT_CACHE})")
    ap.add_argument("--splits", nargs="+", default=list(SPLITS), choices=SPLITS)
    ap.add_argument("--tile", type=int, default=DEFAULT_TILE)
    ap.add_argument("--scales", type=float, nargs="+", default=list(DEFAULT_SCALES))
    ap.add_argument("--min-laplacian-var", type=float, default=MIN_LAPLACIAN_VAR)
    ap.add_argument("--min-textured-fraction", type=float, default=MIN_TEXTURED_FRACTION)
    ap.add_argument("--max-tiles-per-photo", type=int, default=MAX_TILES_PER_PHOTO)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(message)s")
    if args.command == "sources":
        for s in SOURCES:
            print(json.dumps(asdict(s)))
        return 0
    if args.command in ("fetch", "all"):
        paths = fetch_photos(args.cache, splits=args.splits)
        _describe_raw(args.cache, paths)
    if args.command in ("tiles", "all"):
        prepare_tiles(args.cache, tile=args.tile, scales=args.scales,
                      min_laplacian_var=args.min_laplacian_var,
                      min_textured_fraction=args.min_textured_fraction,
                      max_tiles_per_photo=args.max_tiles_per_photo, seed=args.seed,
                      splits=args.splits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
