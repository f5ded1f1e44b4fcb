"""blurtrace.allocator: glibc keeps freed blocks for reuse once told, and only then."""
import os
import platform
import subprocess
import sys

import pytest

# each case runs in a fresh interpreter: the setting is process-wide and cannot be undone
PROBE = """
import os
from blurtrace.allocator import keep_freed_memory
tuned = keep_freed_memory()
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
before = rss()
block = bytearray(256 * 2**20)  # zero-filled: every page touched
del block
print(tuned, rss() - before > 128 * 2**20, keep_freed_memory() == tuned)
"""


def _environment(*, opt_out: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BLURTRACE_SYSTEM_MALLOC"}
    if opt_out:
        env["BLURTRACE_SYSTEM_MALLOC"] = "1"
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc only")
@pytest.mark.parametrize("opt_out, expected", [(False, "True True True"), (True, "False False True")])
def test_freed_memory_stays_mapped_only_when_tuned(opt_out, expected):
    r = subprocess.run([sys.executable, "-c", PROBE], env=_environment(opt_out=opt_out), capture_output=True, text=True, check=True)
    # tuned: the 256 MB block came from the heap and stays there for the next one; glibc's
    # default maps a block that large on its own and unmaps it when it is freed
    assert r.stdout.split() == expected.split()


def test_the_command_tunes_the_allocator_before_its_work():
    code = """
import sys
from blurtrace import allocator
from blurtrace.cli.commands import main
sys.argv = ["blurtrace", "--version"]
try:
    main()
except SystemExit:
    pass
print(allocator._tuned)
"""
    r = subprocess.run([sys.executable, "-c", code], env=_environment(opt_out=False), capture_output=True, text=True, check=True)
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert r.stdout.split()[-1] == str(glibc)
