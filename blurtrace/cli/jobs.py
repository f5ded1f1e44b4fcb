"""Many inputs → many outputs: output naming, the ``--if-exists`` policy, and a batch that
carries on past failures and stops cleanly on Ctrl-C (no partial files: writers are atomic)."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ..io import IMAGE_SUFFIXES, find_images

IF_EXISTS: tuple[str, ...] = ("skip", "overwrite", "error")


@dataclass(frozen=True)
class Job:
    src: Path
    dest: Path
    rel: Path  # the input's path relative to the folder it was found in (for mirroring)


class OutputCollision(ValueError):
    """Two inputs would write the same output, or an output would replace its own input."""


@dataclass
class Summary:
    done: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    interrupted: bool = False
    ignored_entries: int = 0
    not_done: list[Path] = field(default_factory=list)  # after Ctrl-C: the input cut short, then those not started

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failed else 0


def plan(inputs: Sequence[str | Path], *, output: str | Path | None, suffix: str, ext: str | None, recursive: bool) -> tuple[list[Job], int]:
    """Decide every output path.

    - no ``output``: next to each input, ``photo.jpg`` → ``photo{suffix}{ext or .jpg}``;
    - one input file and an ``output`` with a file suffix: exactly that file;
    - otherwise ``output`` is a folder mirroring the inputs' sub-folders.

    Returns the jobs and the number of folder entries skipped (hidden, not images).
    Raises :class:`OutputCollision` (a usage error) when two inputs would map to the same
    output (e.g. ``a/x.jpg`` and ``b/x.jpg`` with ``-o out/``), when an output would replace
    its own input, or when ``output`` names an image file but there are several inputs.
    """
    found, ignored = find_images(list(inputs), recursive=recursive)
    single = len(found) == 1 and len(inputs) == 1 and Path(inputs[0]).is_file()
    if output is not None and not single and Path(output).suffix.lower() in IMAGE_SUFFIXES and not Path(output).is_dir():
        raise OutputCollision(f"-o {output}: names one file, but the inputs can hold several images ({len(found)} found); give a folder")
    jobs = []
    for src, rel in found:
        name = f"{src.stem}{suffix}{ext or src.suffix}"
        if output is None:
            dest = src.with_name(name)
        elif single and Path(output).suffix and not Path(output).is_dir():
            dest = Path(output)
        else:
            dest = Path(output) / rel.parent / name
        jobs.append(Job(src, dest, rel))
    check_collisions([(job.src, job.dest) for job in jobs])
    return jobs, ignored


def check_collisions(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Raise :class:`OutputCollision` if two ``(input, output)`` pairs share an output, or an
    output is its own input. Outputs are never silently overwritten by a sibling's."""
    seen: dict[Path, Path] = {}
    for src, dest in pairs:
        key = Path(dest).resolve()
        if key == Path(src).resolve():
            raise OutputCollision(f"{src}: the output would replace the input; choose another -o")
        if key in seen:
            raise OutputCollision(f"{seen[key]} and {src} would both be written to {dest}; run them separately, "
                                  "or give their common folder with -r so that -o mirrors the sub-folders")
        seen[key] = Path(src)


def run(jobs: Sequence[Job], work: Callable[[Job], dict | None], *, if_exists: str, on_result: Callable[[Job, dict], None] | None = None, progress=None) -> Summary:
    """Run ``work`` on each job; a failure is recorded and the batch goes on.

    Expected failures are ``ValueError``/``OSError`` (bad image, unwritable output): their one-line
    message is kept; anything else is reported as an internal error and the batch goes on too.
    ``KeyboardInterrupt`` stops the batch; what finished stays finished (``summary.not_done``
    lists the rest). ``on_result(job, result)`` is called once per job that was reached:
    ``result["status"]`` is ``ok``, ``skipped`` or ``failed`` (then ``result["error"]``).
    """
    if if_exists not in IF_EXISTS:
        raise ValueError(f"--if-exists must be one of {', '.join(IF_EXISTS)}, not {if_exists!r}")
    summary = Summary()
    for i, job in enumerate(jobs):
        try:
            if job.dest.exists() and if_exists != "overwrite":
                if if_exists == "skip":
                    summary.skipped.append(job.src)
                    if on_result is not None:
                        on_result(job, {"input": str(job.src), "output": str(job.dest), "status": "skipped"})
                    continue
                raise FileExistsError(f"{job.dest}: already exists (use --if-exists overwrite or skip)")
            t0 = time.perf_counter()
            result = work(job) or {}
            result.setdefault("input", str(job.src))
            result.setdefault("output", str(job.dest))
            result.setdefault("seconds", round(time.perf_counter() - t0, 3))
            result.setdefault("status", "ok")
            summary.done.append(job.src)
            if on_result is not None:
                on_result(job, result)
        except KeyboardInterrupt:
            summary.interrupted = True
            summary.not_done = [j.src for j in jobs[i:]]
            break
        except Exception as e:  # noqa: BLE001 - one bad input must not end the batch
            msg = str(e).splitlines()[0] if str(e).strip() else type(e).__name__
            if isinstance(e, MemoryError):
                msg = "not enough memory for this image"
            elif not isinstance(e, (ValueError, OSError)):
                msg = f"internal error ({type(e).__name__}: {msg}); please report it"
            summary.failed.append((job.src, msg))
            print(f"error: {job.src}: {msg}" if str(job.src) not in msg else f"error: {msg}", file=sys.stderr)
            if on_result is not None:
                on_result(job, {"input": str(job.src), "output": None, "status": "failed", "error": msg})
        finally:
            if progress is not None:
                progress(i + 1)
    return summary
