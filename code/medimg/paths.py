"""Where the book's data lives.

Cells in the book never use paths relative to the working directory: a live kernel
(Thebe, Binder) may start in any folder. They ask this module instead.

- ``data_dir()`` is the folder for data the book makes (sample images, converted files).
  It is ``$MEDIMG_DATA`` when set, else the ``data/`` folder of the book's repository when
  the package is installed from a checkout, else ``~/.cache/medimg``.
- ``dataset_dir()`` is where the full chest X-ray dataset is looked for:
  ``$MEDIMG_CHEST_XRAY`` when set, else ``data_dir() / "chest_xray"``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

DATA_ENV = "MEDIMG_DATA"
DATASET_ENV = "MEDIMG_CHEST_XRAY"


def repo_root() -> Path | None:
    """Return the book's repository root when the package runs from a checkout, else None.

    A checkout is recognised by ``code/medimg`` sitting beside ``_toc.yml``.
    """
    root = Path(__file__).resolve().parents[2]
    if (root / "_toc.yml").is_file() and (root / "code" / "medimg").is_dir():
        return root
    return None


def data_dir() -> Path:
    """Return the folder for the book's own data, creating it if needed."""
    if os.environ.get(DATA_ENV):
        folder = Path(os.environ[DATA_ENV]).expanduser()
    elif (root := repo_root()) is not None:
        folder = root / "data"
    else:
        folder = Path.home() / ".cache" / "medimg"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def generated_dir(*parts: str) -> Path:
    """Return the folder for files the book generates (not committed), creating it.

    ``parts`` name a sub-folder, e.g. ``generated_dir("formats")``.
    """
    folder = data_dir().joinpath("generated", *parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def dataset_dir() -> Path:
    """Return where the full chest X-ray dataset is expected (it may not exist)."""
    if os.environ.get(DATASET_ENV):
        return Path(os.environ[DATASET_ENV]).expanduser()
    return data_dir() / "chest_xray"


def shorten(path: str | os.PathLike) -> str:
    """Write ``path`` relative to the data folder as ``<data>/...`` when it lies inside it.

    Printed paths then read the same on every machine (and leak no home folders).
    """
    path = Path(path)
    try:
        return str(Path("<data>") / path.resolve().relative_to(data_dir().resolve()))
    except ValueError:
        return str(path)


def tidy(text: str) -> str:
    """Write the long folder names inside ``text`` (e.g. an error message) short.

    The data folder becomes ``<data>``, an installed package's folder
    ``<site-packages>``, the temporary folder ``<tmp>`` and the home folder ``~``, so a
    message reads the same on every computer, on the page and on paper, and leaks no
    names of the machine that built the book.
    """
    import site
    import sysconfig

    places = [(data_dir(), "<data>"), (Path(tempfile.gettempdir()), "<tmp>")]
    packages = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
                *site.getsitepackages()}
    places += [(Path(folder), "<site-packages>") for folder in packages]
    places.append((Path.home(), "~"))
    for folder, short in sorted(places, key=lambda p: -len(str(p[0]))):
        for form in {str(folder), str(folder.resolve())}:
            if len(form) > 1:  # a whole folder name only: not /tmp inside /tmp/tmpab12
                text = re.sub(rf"(?<![\w.\-/]){re.escape(form)}(?![\w.\-])", short, text)
    return text


def write_atomically(target: str | os.PathLike, write: Callable[[str], object]) -> Path:
    """Let ``write(tmp)`` fill a temporary file beside ``target``, then rename it into place.

    Readers see either the old file or the complete new one, never a half-written file;
    if ``write`` fails, the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def publish_folder(target: str | os.PathLike, fill: Callable[[Path], Path | None], *,
                   if_exists: str = "error") -> Path:
    """Let ``fill(work)`` build a folder in private, then rename it into place as ``target``.

    ``work`` is a new empty folder beside ``target`` (so the final rename stays on one
    file system and is atomic). ``fill`` may return a folder inside ``work`` to publish
    instead of ``work`` itself (e.g. the dataset root inside an unpacked archive). Readers
    see no ``target``, or a complete one, never half of it; if ``fill`` fails, ``work`` is
    removed and ``target`` is left as it was.

    ``if_exists`` says what to do when ``target`` already exists: ``"error"`` raises
    FileExistsError (before ``fill`` runs); ``"keep"`` keeps the existing folder (someone
    else made it first: a cache); ``"replace"`` swaps the new folder in and deletes the
    old one only once the new one is in place; if the swap fails, the old one is put back.
    """
    if if_exists not in ("error", "keep", "replace"):
        raise ValueError(f"if_exists must be 'error', 'keep' or 'replace', got {if_exists!r}")
    target = Path(target)
    if target.exists() and if_exists == "error":
        raise FileExistsError(f"{target}: already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        made = fill(work)
        made = work if made is None else Path(made)
        if target.exists():
            if if_exists == "keep":
                return target
            if if_exists == "error":
                raise FileExistsError(f"{target}: appeared while it was being made")
            _swap_in(made, target)
        else:
            try:
                os.rename(made, target)
            except OSError:
                if if_exists == "keep" and target.exists():  # someone else finished first
                    return target
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _swap_in(new: Path, target: Path) -> None:
    """Put ``new`` where ``target`` is; the old ``target`` is deleted only after success."""
    previous = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".previous",
                                     dir=target.parent))
    old = previous / target.name
    try:
        os.rename(target, old)
    except BaseException:
        shutil.rmtree(previous, ignore_errors=True)    # empty: nothing was moved
        raise
    try:
        os.rename(new, target)
    except BaseException as error:
        try:
            os.rename(old, target)                     # put the old folder back
        except OSError as again:
            # Never delete the only copy: leave it where it is and say where that is.
            raise OSError(f"{target}: the new folder could not be moved in ({error}) and "
                          f"the old one could not be put back ({again}); it is safe in "
                          f"{old}: move it back by hand") from error
        shutil.rmtree(previous, ignore_errors=True)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def sha256(path: str | os.PathLike) -> str:
    """Return the SHA-256 of a file's bytes, as 64 hexadecimal digits (read in chunks)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
