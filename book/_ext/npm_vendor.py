"""Fetch the pinned npm packages of book/_ext/vendor.toml into vendor/, with Python alone.

Usage (``make vendor`` runs it)::

    python3 book/_ext/npm_vendor.py [--pins book/_ext/vendor.toml] [--into vendor]

For each package: download ``NAME-VERSION.tgz`` from the npm registry (the address npm
itself uses, ``$npm_config_registry`` or https://registry.npmjs.org/), check its SHA-256
against the pin, and extract the kept files into a temporary folder beside the target,
which then replaces ``vendor/NAME`` in one rename. A package already in place at the
pinned version and hash is left alone, so running it again costs nothing. A download that
fails or does not match leaves the old folder untouched and stops with a message that
says what to do.

Only the standard library is used: this runs before the book's virtual environment exists.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PINS = HERE / "vendor.toml"
VENDOR = HERE.parents[1] / "vendor"
REGISTRY = "https://registry.npmjs.org/"
#: The file in vendor/NAME/ that records what was extracted there (name, version, hash, keep).
STAMP = ".vendored.json"


class VendorError(Exception):
    """A package could not be fetched or did not match its pin."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    sha256: str
    folder: str
    keep: tuple[str, ...]
    site: bool

    @property
    def tarball(self) -> str:
        """The file name of the package's tarball (a scope, e.g. @types/, is not in it)."""
        return f"{self.name.rsplit('/', 1)[-1]}-{self.version}.tgz"

    def stamp(self) -> dict:
        return {"name": self.name, "version": self.version, "sha256": self.sha256,
                "folder": self.folder, "keep": list(self.keep)}


def read_pins(path: Path = PINS) -> list[Package]:
    """The packages pinned in ``path`` (see vendor.toml for the fields)."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise VendorError(f"{path}: cannot read the pins: {err}") from None
    packages = []
    for name, pin in table.items():
        try:
            packages.append(Package(name, pin["version"], pin["sha256"].lower(), pin["folder"],
                                    tuple(pin["keep"]), bool(pin.get("site", False))))
        except (KeyError, TypeError, AttributeError) as err:
            raise VendorError(f"{path}: [{name}] needs version, sha256, folder and keep "
                              f"({err!r} is missing or wrong)") from None
    return packages


def registry() -> str:
    """The npm registry's address: npm's own setting if the environment has it."""
    url = os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY") or REGISTRY
    return url if url.endswith("/") else url + "/"


def tarball_url(package: Package, base: str | None = None) -> str:
    return f"{base or registry()}{package.name}/-/{package.tarball}"


def is_current(package: Package, into: Path) -> bool:
    """True if vendor/NAME holds exactly what the pin asks for."""
    stamp = into / package.name / STAMP
    try:
        return json.loads(stamp.read_text(encoding="utf-8")) == package.stamp()
    except (OSError, ValueError):
        return False


def download(url: str, target: Path, attempts: int = 3) -> None:
    """Download url into target (a new file), trying again after a network error."""
    last: Exception | None = None
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=60) as answer, open(target, "wb") as out:
                shutil.copyfileobj(answer, out)
            return
        except urllib.error.HTTPError as err:  # the registry answered: trying again won't help
            raise VendorError(f"{url}: the registry answered {err.code} {err.reason}") from None
        except OSError as err:
            last = err
    raise VendorError(f"{url}: could not download ({last}); check the network and run "
                      "`make vendor` again") from None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def kept(package: Package, member: str) -> str | None:
    """The path inside vendor/NAME of a tarball member to keep, or None to skip it."""
    prefix = "package/" + (package.folder.strip("/") + "/" if package.folder else "")
    if member == "package/package.json":
        return "package.json"
    if not member.startswith(prefix) or member.endswith(".map"):
        return None
    inside = member[len(prefix):]
    top = inside.split("/", 1)[0]
    if any(fnmatch.fnmatchcase(inside, pattern) or fnmatch.fnmatchcase(top, pattern)
           for pattern in package.keep):
        return inside
    return None


def extract(package: Package, archive: Path, folder: Path) -> int:
    """Extract the kept files of archive into folder; return how many were written."""
    count = 0
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                inside = kept(package, member.name)
                if inside is None or not member.isfile():
                    continue
                member.name = inside
                tar.extract(member, folder, filter="data")  # refuses absolute and ../ paths
                count += 1
    except (tarfile.TarError, OSError) as err:
        raise VendorError(f"{archive}: cannot unpack the tarball: {err}") from None
    if not (folder / "package.json").is_file():
        raise VendorError(f"{archive}: no package/package.json in the tarball")
    version = json.loads((folder / "package.json").read_text(encoding="utf-8")).get("version")
    if version != package.version:
        raise VendorError(f"{archive}: package.json says version {version}, "
                          f"the pin says {package.version}")
    return count


def fetch(package: Package, into: Path = VENDOR, base: str | None = None) -> bool:
    """Put the pinned package into ``into/NAME``; return False if it was already there."""
    if is_current(package, into):
        return False
    into.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".tmp-{package.name}-", dir=into))
    try:
        archive = work / package.tarball
        url = tarball_url(package, base)
        download(url, archive)
        found = sha256(archive)
        if found != package.sha256:
            raise VendorError(f"{url}: SHA-256 {found} does not match the pin {package.sha256} "
                              f"in {PINS.name}; the download is discarded")
        folder = work / package.name
        if extract(package, archive, folder) <= 0:
            raise VendorError(f"{url}: none of {list(package.keep)} is in the tarball")
        (folder / STAMP).write_text(json.dumps(package.stamp(), indent=1), encoding="utf-8")
        target = into / package.name
        old = work / "old"
        if target.exists():
            target.rename(old)  # moved aside, then the new folder takes its place at once
        try:
            folder.rename(target)
        except OSError:
            if old.exists():
                old.rename(target)
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pins", type=Path, default=PINS)
    parser.add_argument("--into", type=Path, default=VENDOR)
    args = parser.parse_args(argv)
    try:
        for package in read_pins(args.pins):
            if fetch(package, args.into):
                print(f"vendor: {package.name} {package.version} fetched into "
                      f"{args.into / package.name} (SHA-256 checked)")
    except VendorError as err:
        print(f"vendor: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
