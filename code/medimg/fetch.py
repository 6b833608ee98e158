"""Fetch the full chest X-ray dataset: download, verify, resume, unpack safely.

The book ships only small parts of the real images (data/kermany2018, CC BY 4.0); the
full dataset is a download of about 2.5 GB (Kaggle's zip). This module gets it
for you from a URL you give (the Mendeley Data or Kaggle download link, or a copy on
your own server) or through the Kaggle API when you have a Kaggle account::

    python -m medimg.fetch --url URL --sha256 HEX       # or: --manifest manifest.json
    python -m medimg.fetch --kaggle                     # needs `pip install kaggle`

It builds on `pooch <https://www.fatiando.org/pooch/>`_, which downloads to a temporary
file, checks the SHA-256 and only then moves the file into place. Three things it does
not do, which a download of several gigabytes of a medical dataset needs, are added here:

- **resume**: an interrupted transfer leaves ``NAME.part``; the next run asks the server
  only for the missing bytes (an HTTP ``Range`` request) instead of starting again;
- **size check** against the manifest, before the slow hash;
- **safe unpacking**: every member of the archive is checked *before* anything is
  written; absolute paths, ``..`` and links are refused (pooch, like Python's
  ``zipfile``, would silently rewrite such names), and so is an archive that would unpack
  to more bytes or members than the budget (:data:`medimg.formats.LIMITS`); the archive
  is unpacked into a temporary folder and moved into place only when complete; an
  existing dataset is never overwritten unless you ask, and is put back if the swap fails.

Every failure ends in one of medimg's named errors; on the command line, in one line.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import pooch
import requests
import urllib3

from . import paths
from .dataset import find_root
from .errors import (
    ArchiveTooLargeError,
    ChecksumError,
    DatasetNotFoundError,
    DownloadError,
    DownloadInterruptedError,
    ManifestError,
    MedimgError,
    MissingDependencyError,
    TargetExistsError,
    TruncatedFileError,
    UnsafeArchiveError,
)
from .formats import LIMITS

KAGGLE_DATASET = "paultimothymooney/chest-xray-pneumonia"
CHUNK = 1024 * 1024


# --- Manifests ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """What a manifest promises about one file: its name, size and SHA-256."""

    name: str
    bytes: int | None
    sha256: str | None


def read_manifest(path: str | os.PathLike) -> dict[str, Entry]:
    """Read a manifest: ``{"files": [{"name": ..., "bytes": ..., "sha256": ...}]}``."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = [Entry(f["name"], f.get("bytes"), (f.get("sha256") or "").lower() or None)
                   for f in data["files"]]
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ManifestError(f"{path}: not a manifest of the form "
                            '{"files": [{"name", "bytes", "sha256"}]} '
                            f"({type(error).__name__}: {error})") from None
    return {entry.name: entry for entry in entries}


def write_manifest(path: str | os.PathLike, files: list[str | os.PathLike]) -> Path:
    """Write a manifest recording the size and SHA-256 of ``files`` (atomically).

    Record your first good download this way; later downloads and copies are then checked
    against it.
    """
    path = Path(path)
    entries = [{"name": Path(f).name, "bytes": Path(f).stat().st_size, "sha256": paths.sha256(f)}
               for f in files]
    text = json.dumps({"files": entries}, indent=2) + "\n"
    return paths.write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def verify(path: str | os.PathLike, entry: Entry) -> None:
    """Check a file's size, then its SHA-256, against ``entry``; raise ChecksumError."""
    path = Path(path)
    size = path.stat().st_size
    if entry.bytes is not None and size != entry.bytes:
        raise ChecksumError(f"{path}: {size} bytes, but the manifest says {entry.bytes}")
    if entry.sha256 is not None and (digest := paths.sha256(path)) != entry.sha256:
        raise ChecksumError(f"{path}: SHA-256 {digest}, but the manifest says {entry.sha256}")


# --- Download with resume ------------------------------------------------------------------

class ResumingDownloader:
    """A pooch downloader that keeps what it received in ``NAME.part`` and resumes from it.

    pooch calls it with a temporary file name; when the ``.part`` file is complete it is
    moved there, and pooch checks the hash and moves it into place.
    """

    def __init__(self, part: Path, size: int | None = None, timeout: float = 30,
                 progress: Callable[[int, int | None], None] | None = None):
        self.part, self.size, self.timeout = Path(part), size, timeout
        self.progress = progress

    def __call__(self, url: str, output_file: str, pooch_: object = None) -> None:
        have = self.part.stat().st_size if self.part.exists() else 0
        if not (self.size is not None and have == self.size):
            self._transfer(url, have)
        received = self.part.stat().st_size
        if self.size is not None and received > self.size:
            self.part.unlink()
            raise ChecksumError(f"{url}: received {received} bytes, more than the "
                                f"{self.size} the manifest says; the part file was removed")
        os.replace(self.part, output_file)

    def _transfer(self, url: str, have: int) -> None:
        headers = {"Accept-Encoding": "identity"}     # byte ranges of the file itself
        if have:
            headers["Range"] = f"bytes={have}-"
        try:
            with requests.get(url, headers=headers, stream=True, timeout=self.timeout) as reply:
                if reply.status_code == 416 and have:   # the part is stale: start again
                    self.part.unlink()
                    return self._transfer(url, 0)
                if reply.status_code >= 400:
                    raise DownloadError(f"{url}: the server answered {reply.status_code} "
                                        f"{reply.reason}; check the URL (a link that needs a "
                                        "login gives 401/403, a wrong one 404)")
                if reply.status_code == 206 and _range_start(reply) != have:
                    if not have:      # asked for the whole file, given a piece of it
                        raise ChecksumError(f"{url}: the server sent only part of the file "
                                            f"({reply.headers.get('Content-Range')})")
                    self.part.unlink()               # a reply we cannot place: start again
                    return self._transfer(url, 0)
                resumed = reply.status_code == 206
                start = have if resumed else 0
                expected = int(reply.headers.get("Content-Length", -1))
                total = start + expected if expected >= 0 else self.size
                # stop at the size the manifest gives (or at the budget when it gives none)
                ceiling = self.size if self.size is not None else LIMITS.archive_bytes
                if total is not None and total > ceiling:
                    self._refuse_oversize(url, total, ceiling)
                written = 0
                with open(self.part, "ab" if resumed else "wb") as out:
                    # read1 hands over whatever has arrived, so bytes received before a
                    # dropped connection are written, not lost with the failed read
                    while chunk := reply.raw.read1(CHUNK):
                        if start + written + len(chunk) > ceiling:
                            out.close()
                            self._refuse_oversize(url, start + written + len(chunk), ceiling)
                        out.write(chunk)
                        written += len(chunk)
                        if self.progress:
                            self.progress(start + written, total)
        except (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError) as error:
            raise DownloadInterruptedError(self._stopped(url, error)) from None
        if expected >= 0 and written < expected:
            raise DownloadInterruptedError(self._stopped(url, "connection closed early"))
        if self.size is not None and self.part.stat().st_size < self.size:
            raise DownloadInterruptedError(self._stopped(url, "the server sent less than expected"))
        return None

    def _refuse_oversize(self, url: str, size: int, ceiling: int) -> None:
        """Stop streaming: remove the part file and say why."""
        self.part.unlink(missing_ok=True)
        what = "the manifest says" if self.size is not None else \
            "the budget allows (medimg.formats.LIMITS.archive_bytes)"
        raise ChecksumError(f"{url}: the server sends at least {size:,} bytes, more than the "
                            f"{ceiling:,} {what}; the transfer was stopped and the part file "
                            "removed")

    def _stopped(self, url: str, why: object) -> str:
        got = self.part.stat().st_size if self.part.exists() else 0
        return (f"{url}: download stopped after {got} bytes ({why}); run the same command "
                f"again to resume from {self.part}")


def _range_start(reply: requests.Response) -> int | None:
    """The first byte a 206 reply carries, from ``Content-Range: bytes START-END/TOTAL``."""
    value = reply.headers.get("Content-Range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def download(url: str, target: str | os.PathLike, entry: Entry | None = None,
             timeout: float = 30,
             progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Download ``url`` to ``target``, resuming a previous attempt, and verify it.

    With an ``entry`` (from a manifest) the size and SHA-256 must match, else
    ChecksumError and the bad file is deleted. A file already at ``target`` that
    matches is not downloaded again. ``progress(bytes_so_far, total_or_None)`` is called
    as data arrive.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    entry = entry or Entry(target.name, None, None)
    known = f"sha256:{entry.sha256}" if entry.sha256 else None
    downloader = ResumingDownloader(target.with_name(target.name + ".part"), entry.bytes,
                                    timeout, progress)
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")
    try:
        pooch.retrieve(url, known_hash=known, fname=target.name, path=target.parent,
                       downloader=downloader)
    except ValueError as error:
        if isinstance(error, ChecksumError):
            raise
        raise ChecksumError(f"{target}: downloaded from {url}, but {error}") from None
    finally:
        logger.setLevel(level)
    if entry.bytes is not None and target.stat().st_size != entry.bytes:   # an old file
        size = target.stat().st_size
        target.unlink()
        raise ChecksumError(f"{target}: {size} bytes, but the manifest says {entry.bytes}; "
                            "the file was removed, run again to download it afresh")
    return target


def download_kaggle(folder: str | os.PathLike, dataset: str = KAGGLE_DATASET) -> Path:
    """Download the dataset's zip with the Kaggle API (needs ``pip install kaggle`` and a
    token in ``~/.kaggle/kaggle.json``). Returns the path of the zip file."""
    try:
        import kaggle  # noqa: PLC0415  (optional; authenticates on import)
    except ImportError:
        raise MissingDependencyError(
            "the Kaggle route needs the 'kaggle' package: pip install kaggle, then put your "
            "API token in ~/.kaggle/kaggle.json (Kaggle → Settings → Create New Token)"
        ) from None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kaggle.api.dataset_download_files(dataset, path=str(folder), unzip=False, quiet=False)
    archive = folder / f"{dataset.split('/')[-1]}.zip"
    if not archive.is_file():
        raise FileNotFoundError(f"{archive}: the Kaggle API finished but left no such file")
    return archive


# --- Safe unpacking ----------------------------------------------------------------------

def _check_name(archive: Path, name: str) -> None:
    """Refuse a member name that is absolute or climbs out with ``..``."""
    cleaned = name.replace("\\", "/")
    parts = PurePosixPath(cleaned).parts
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":") or ".." in parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} would be written outside the "
                                 "target folder; nothing was unpacked")


def check_archive(archive: str | os.PathLike) -> list[str]:
    """Check every member of a zip or tar archive; return their names.

    Raises UnsafeArchiveError for absolute names, ``..``, links and device files,
    ArchiveTooLargeError when the archive would unpack to more bytes or members than
    :data:`medimg.formats.LIMITS` allows (or expands more than ``archive_ratio`` times:
    a "zip bomb"), TruncatedFileError for an archive that is cut short, and
    UnsafeArchiveError for a file that is not an archive. Nothing is written.
    """
    archive = Path(archive)
    budget = _Budget(archive)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    _check_name(archive, info.filename)
                    if stat.S_ISLNK(info.external_attr >> 16):
                        raise UnsafeArchiveError(f"{archive}: member {info.filename!r} is a "
                                                 "link; nothing was unpacked")
                    budget.add(info.filename, info.file_size)
                return budget.names
        with tarfile.open(archive) as tf:
            for member in tf:            # one at a time, so a bomb is stopped early
                _check_name(archive, member.name)
                if not (member.isfile() or member.isdir()):
                    raise UnsafeArchiveError(f"{archive}: member {member.name!r} is a link or "
                                             "device; nothing was unpacked")
                budget.add(member.name, member.size)
            return budget.names
    except (EOFError, zlib.error, zipfile.BadZipFile, tarfile.ReadError, OSError) as err:
        if isinstance(err, tarfile.ReadError) and not budget.names and not _compressed(archive):
            raise UnsafeArchiveError(f"{archive}: neither a zip nor a tar archive") from None
        raise TruncatedFileError(f"{archive}: the archive is cut short or damaged ({err}); "
                                 "download it again") from None
    except tarfile.TarError:
        raise UnsafeArchiveError(f"{archive}: neither a zip nor a tar archive") from None


def _compressed(archive: Path) -> bool:
    """Whether a file starts like gzip, bzip2 or xz (a tar inside, probably)."""
    with open(archive, "rb") as fh:
        head = fh.read(6)
    return head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ"))


class _Budget:
    """Adds up an archive's members against LIMITS, refusing as soon as one is exceeded."""

    def __init__(self, archive: Path):
        self.archive, self.names, self.total = archive, [], 0
        self.packed = max(archive.stat().st_size, 1)

    def add(self, name: str, size: int) -> None:
        self.names.append(name)
        self.total += max(int(size), 0)
        if len(self.names) > LIMITS.archive_members:
            raise ArchiveTooLargeError(
                f"{self.archive}: more than {LIMITS.archive_members:,} members, the budget "
                "(medimg.formats.LIMITS.archive_members); nothing was unpacked")
        if self.total > LIMITS.archive_bytes:
            raise ArchiveTooLargeError(
                f"{self.archive}: would unpack to more than {LIMITS.archive_bytes:,} bytes, "
                "the budget (medimg.formats.LIMITS.archive_bytes); nothing was unpacked")
        if self.total > LIMITS.archive_ratio * self.packed and self.total > 10 * 1024**2:
            raise ArchiveTooLargeError(
                f"{self.archive}: {self.packed:,} bytes that would unpack to more than "
                f"{self.total:,}, over {LIMITS.archive_ratio:g} times as much: a "
                "decompression bomb, not image files; nothing was unpacked")


def unpack(archive: str | os.PathLike, target: str | os.PathLike,
           overwrite: bool = False) -> Path:
    """Unpack ``archive`` so that ``target`` becomes the dataset folder (train/test/val).

    The archive is checked first (:func:`check_archive`), unpacked into a private folder
    beside ``target``, and the folder holding ``train``/``test`` is renamed to ``target``
    only when everything is out (:func:`medimg.paths.publish_folder`). An existing
    ``target`` raises FileExistsError unless ``overwrite`` is true; then the new copy is
    swapped in and the old one deleted only once the new one is in place.
    """
    archive, target = Path(archive), Path(target)
    if target.exists() and not overwrite:
        raise TargetExistsError(f"{target}: already exists; pass overwrite=True (--overwrite) "
                                "to replace it")
    check_archive(archive)

    def extract(work: Path) -> Path:
        try:
            if zipfile.is_zipfile(archive):
                with zipfile.ZipFile(archive) as zf:
                    zf.extractall(work)
            else:
                with tarfile.open(archive) as tf:
                    tf.extractall(work, filter="data")
        except (EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError) as err:
            raise TruncatedFileError(f"{archive}: the archive is cut short or damaged "
                                     f"({err}); nothing was put in place") from None
        try:
            return find_root(work, depth=4)
        except DatasetNotFoundError:
            raise DatasetNotFoundError(f"{archive}: holds no train/ and test/ folders") from None

    return paths.publish_folder(target, extract, if_exists="replace" if overwrite else "error")


# --- The whole fetch ---------------------------------------------------------------------

def fetch(url: str | None = None, *, kaggle: bool = False, sha256: str | None = None,
          size: int | None = None, manifest: str | os.PathLike | None = None,
          target: str | os.PathLike | None = None, downloads: str | os.PathLike | None = None,
          overwrite: bool = False,
          progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Download (from ``url`` or Kaggle), verify and unpack the dataset; return its folder.

    ``target`` defaults to :func:`medimg.paths.dataset_dir` and ``downloads`` to
    ``data/downloads``. The expected size and SHA-256 come from ``sha256``/``size`` or
    from a ``manifest`` entry named like the archive. An existing dataset is refused
    before anything is downloaded, unless ``overwrite``.
    """
    if (url is None) == (not kaggle):
        raise ValueError("give either a URL or kaggle=True (exactly one)")
    target = Path(target) if target else paths.dataset_dir()
    downloads = Path(downloads) if downloads else paths.data_dir() / "downloads"
    if target.exists() and not overwrite:
        raise TargetExistsError(f"{target}: already exists; pass overwrite=True (--overwrite) "
                                "to replace it")
    if kaggle:
        archive = download_kaggle(downloads)
        entry = _entry_for(archive.name, manifest, sha256, size)
        verify(archive, entry)
    else:
        name = PurePosixPath(urlparse(url).path).name or "chest_xray.zip"
        archive = download(url, downloads / name, _entry_for(name, manifest, sha256, size),
                           progress=progress)
    return unpack(archive, target, overwrite=overwrite)


def _entry_for(name: str, manifest, sha256: str | None, size: int | None) -> Entry:
    if manifest is not None:
        entries = read_manifest(manifest)
        if name in entries:
            return entries[name]
        if len(entries) == 1:
            return next(iter(entries.values()))
        raise ManifestError(f"{manifest}: no entry named {name!r}")
    return Entry(name, size, sha256.lower() if sha256 else None)


class ProgressPrinter:
    """Print a line to stderr at every further ``step`` bytes received (default 50 MB)."""

    def __init__(self, step: int = 50 * 1024 * 1024):
        self.step, self.next = step, step

    def __call__(self, got: int, total: int | None) -> None:
        if got < self.next:
            return
        self.next = (got // self.step + 1) * self.step
        of = f" of {total / 1e6:,.0f} MB ({got / total:.0%})" if total else ""
        print(f"  {got / 1e6:,.0f} MB{of}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """The command line: ``python -m medimg.fetch --url URL [--sha256 HEX] ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m medimg.fetch",
        description="Download, verify and unpack the chest X-ray dataset (Kermany et al. "
                    "2018, CC BY 4.0) into the folder the book reads.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--url", help="where to download the zip (or tar) archive from")
    source.add_argument("--kaggle", action="store_true",
                        help=f"use the Kaggle API ({KAGGLE_DATASET}); needs `pip install kaggle`")
    parser.add_argument("--sha256", help="the archive's expected SHA-256")
    parser.add_argument("--size", type=int, help="the archive's expected size in bytes")
    parser.add_argument("--manifest", help="a JSON manifest with name, bytes and sha256")
    parser.add_argument("--to", help=f"the dataset folder (default: ${paths.DATASET_ENV} "
                                     "or data/chest_xray)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing copy")
    args = parser.parse_args(argv)
    try:
        folder = fetch(args.url, kaggle=args.kaggle, sha256=args.sha256, size=args.size,
                       manifest=args.manifest, target=args.to, overwrite=args.overwrite,
                       progress=ProgressPrinter())
    except (MedimgError, OSError, ValueError, ImportError) as error:
        # one line, never a traceback: the message names the file and what to do
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    print(f"The dataset is in {folder}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
