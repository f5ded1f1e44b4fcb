"""The package's public face: a few names at the root, resolved lazily, torch-free until used."""
from __future__ import annotations

import subprocess
import sys

import pytest

import blurtrace


def test_every_public_name_resolves_to_the_library_object():
    from blurtrace import inference, io

    for name in blurtrace.__all__:
        value = getattr(blurtrace, name)
        if name != "__version__":
            home = inference if hasattr(inference, name) else io
            assert value is getattr(home, name), name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        blurtrace.no_such_name  # noqa: B018


def test_importing_the_package_and_its_io_leaves_torch_unloaded():
    # `blurtrace --help`, reading images and offsets files must not pay for torch
    code = "import sys, blurtrace, blurtrace.io, blurtrace.io.video, blurtrace.cli; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_command_line_runs_as_a_module_from_both_packages():
    for module in ("blurtrace", "blurtrace.cli"):
        r = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, check=True)
        assert r.stdout.startswith("blurtrace "), (module, r.stdout)
