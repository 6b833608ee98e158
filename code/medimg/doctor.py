"""A setup self-check: is everything the book needs here, and if not, what fixes it?

Run ``python -m medimg.doctor`` in a terminal, or ``print(doctor.report())`` in a
notebook. It checks, in turn: Python and every pinned package (from the book's
``requirements.txt`` when medimg runs from a checkout, else medimg's own dependencies);
which compressed DICOM transfer syntaxes can be decoded, and which package would add
each missing one (pydicom's own table, :func:`medimg.dicom.decoder_table`); the CJK font
that figures with Chinese text need; pydicom-data's files; the real chest X-ray material
committed with the book; and where the full dataset was found (or why not). It ends with
the exact commands that fix what is missing.
"""

from __future__ import annotations

import platform
import re
import sys
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path

from . import paths
from .errors import MedimgError

#: The font that draws the Chinese text of the figures (Debian package fonts-noto-cjk).
CJK_FONT = "Noto Sans CJK TC"


@dataclass
class Check:
    """One thing checked: what it is, whether it is fine, what was found, and the fix."""

    name: str
    ok: bool
    found: str
    fix: str | None = None
    required: bool = True       # the dataset is optional: the book runs without it


@dataclass
class Report:
    """All the checks, by section; ``str(report)`` is the text the command prints."""

    sections: list[tuple[str, list[Check]]] = field(default_factory=list)

    @property
    def checks(self) -> list[Check]:
        return [check for _, checks in self.sections for check in checks]

    @property
    def ok(self) -> bool:
        """Whether everything required is in place."""
        return all(check.ok for check in self.checks if check.required)

    def fixes(self) -> list[str]:
        """The commands that fix what is missing, each once, in the order found; the
        packages to install go into one ``pip install`` command."""
        pip = "python -m pip install "
        packages: list[str] = []
        found: list[str] = []
        for check in self.checks:
            if check.ok or not check.fix:
                continue
            if check.fix.startswith(pip):
                packages += [p for p in check.fix[len(pip):].split() if p not in packages]
            elif check.fix not in found:
                found.append(check.fix)
        return ([pip + " ".join(packages)] if packages else []) + found

    def __str__(self) -> str:
        lines = []
        for title, checks in self.sections:
            lines.append(title)
            lines += [_line(check) for check in checks]
        return "\n".join(lines + self._fix_lines())

    def _fix_lines(self) -> list[str]:
        fixes = self.fixes()
        return ["To fix what is missing, run:" if fixes else "Nothing to fix.",
                *(f"  {command}" for command in fixes)]

    def _repr_pretty_(self, printer, cycle) -> None:   # IPython shows the text
        printer.text(str(self))


def _line(check: Check) -> str:
    """One check as a line: ok, !! (missing, needed) or -- (missing, optional)."""
    mark = "ok " if check.ok else ("-- " if not check.required else "!! ")
    return f"  {mark}{check.name}: {check.found}"


# --- The checks --------------------------------------------------------------------------

def check_python() -> Check:
    ok = sys.version_info >= (3, 10)
    return Check("Python", ok, f"{platform.python_version()} (3.10 or newer needed)",
                 None if ok else "install Python 3.10 or newer (python.org or Anaconda)")


def pinned_packages(requirements: Path | None = None) -> dict[str, str | None]:
    """The packages the book pins: ``{name: version}`` from ``requirements.txt`` when
    medimg runs from a checkout (or the file given), else medimg's own dependencies
    (``{name: None}``, no version pinned)."""
    if requirements is None and (root := paths.repo_root()) is not None:
        requirements = root / "requirements.txt"
    if requirements is not None and requirements.is_file():
        pins = {}
        for line in requirements.read_text(encoding="utf-8").splitlines():
            line = line.split("#")[0].strip()
            if "==" in line:
                name, _, wanted = line.partition("==")
                pins[name.strip()] = wanted.strip()
        return pins
    return {dep.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip(): None
            for dep in requires("medimg") or [] if "extra ==" not in dep}


def check_packages(requirements: Path | None = None) -> list[Check]:
    """Every pinned package: installed, and at the pinned version?"""
    checks = []
    for name, wanted in pinned_packages(requirements).items():
        spec = f'"{name}=={wanted}"' if wanted else name
        try:
            have = version(name)
        except PackageNotFoundError:
            checks.append(Check(name, False, "not installed", f"python -m pip install {spec}"))
            continue
        ok = wanted is None or have == wanted
        found = have if ok else f"{have}, but the book pins {wanted}"
        checks.append(Check(name, ok, found, None if ok else f"python -m pip install {spec}"))
    return checks


def check_decoders(pins: dict[str, str | None] | None = None) -> list[Check]:
    """One check per compressed transfer syntax: decoded here, and if not, by what."""
    from pydicom.uid import UID

    from .dicom import decoder_table, missing_decoders

    pins = pinned_packages() if pins is None else pins
    checks = []
    for name, uid, here, _ in decoder_table().rows:
        if here != "none":
            checks.append(Check(name, True, f"decoded by {here}"))
            continue
        options = missing_decoders(UID(uid))
        # prefer a plugin whose packages the book pins, at the pinned versions
        best = next((needs for needs in options.values()
                     if all(_bare(r) in pins for r in needs)), None) or \
            next(iter(options.values()), [])
        install = " ".join(f'"{_bare(r)}=={pins[_bare(r)]}"' if pins.get(_bare(r))
                           else f'"{r}"' for r in best)
        checks.append(Check(name, False, "no decoder installed; "
                            f"{' or '.join(options) or 'none known to pydicom'} would",
                            f"python -m pip install {install}" if install else None))
    return checks


def _bare(requirement: str) -> str:
    """The distribution name of a requirement such as 'pylibjpeg-libjpeg>=2.1'."""
    for sign in "<>=!~ ":
        requirement = requirement.split(sign)[0]
    return requirement


def check_font(family: str = CJK_FONT) -> Check:
    """The font for Chinese text in figures, as matplotlib finds it."""
    from matplotlib import font_manager

    try:
        found = font_manager.findfont(font_manager.FontProperties(family=family),
                                      fallback_to_default=False)
    except ValueError:
        return Check(f"font {family}", False, "not found by matplotlib",
                     "sudo apt-get install fonts-noto-cjk && rm -rf ~/.cache/matplotlib")
    return Check(f"font {family}", True, Path(found).name)


def check_pydicom_data() -> Check:
    """pydicom-data: the reference DICOM files (the chest radiograph among them)."""
    from .data import RADIOGRAPH, REAL_FILES, real_file

    missing = []
    for name in REAL_FILES:
        try:
            real_file(name)
        except FileNotFoundError:
            missing.append(name)
    if missing:
        return Check("reference files", False, f"missing: {', '.join(missing)}",
                     'python -m pip install "pydicom-data==1.0.0"')
    return Check("reference files", True,
                 f"all {len(REAL_FILES)} found, the radiograph {RADIOGRAPH} among them")


def check_kermany() -> Check:
    """The real chest X-ray material committed with the book (``data/kermany2018``)."""
    from .data import kermany_listing

    try:
        names = kermany_listing()
    except MedimgError as err:
        return Check("committed chest X-rays", False, _short(err),
                     "git clone the book's repository, then: python -m pip install -e ./code")
    return Check("committed chest X-rays", True,
                 f"data/kermany2018 lists {len(names):,} images (files.txt as in SHA256SUMS)")


def check_dataset() -> Check:
    """Where the full Kaggle dataset is (optional: chapters use the committed material)."""
    from .dataset import find_root

    where = paths.dataset_dir()
    try:
        root = find_root(where)
    except MedimgError as err:
        why = f"no folder {paths.shorten(where)}" if not where.exists() else _short(err)
        return Check("full dataset", False,
                     f"not found (optional): {why}. The command below needs a Kaggle "
                     "account (it says how to set one up); python -m medimg.fetch --help "
                     f"shows the other ways, or set {paths.DATASET_ENV} to a copy you have",
                     "python -m medimg.fetch --kaggle", required=False)
    return Check("full dataset", True, f"found in {paths.shorten(root)}", required=False)


def _short(err: BaseException) -> str:
    """An error message with machine paths written as <data>/... where possible."""
    text = str(err)
    for folder in {paths.data_dir(), paths.data_dir().resolve()}:
        text = text.replace(str(folder), "<data>")
    return text


def report(requirements: Path | None = None) -> Report:
    """Run every check; ``print(report())`` shows the result and the fixes."""
    pins = pinned_packages(requirements)
    return Report([
        ("Python and pinned packages", [check_python(), *check_packages(requirements)]),
        ("DICOM decoders (pydicom's table)", check_decoders(pins)),
        ("Figures", [check_font()]),
        ("Data", [check_pydicom_data(), check_kermany(), check_dataset()]),
    ])


def _direct_dependencies() -> set[str]:
    """The names of the packages medimg itself depends on (its pyproject.toml), normalised."""
    try:
        wanted = requires("medimg") or []
    except PackageNotFoundError:
        return set()
    names = (re.split(r"[\s;<>=!~\[]", line, maxsplit=1)[0] for line in wanted
             if "extra ==" not in line)
    return {_normal(name) for name in names if name}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def summary(result: Report, width: int = 76) -> str:
    """The report for a page: lines wrapped, and of the packages that are fine only the
    count and those medimg itself uses (the whole list is what ``python -m medimg.doctor``
    prints)."""
    import textwrap

    def wrap(text: str) -> list[str]:
        return textwrap.wrap(text, width, subsequent_indent="     ", break_on_hyphens=False)

    lines = []
    for title, checks in result.sections:
        lines.append(title)
        fine = [c for c in checks if c.ok and title.startswith("Python and")
                and c.name != "Python"]
        for check in checks:
            if check not in fine:
                lines += wrap(_line(check))
        if fine:
            direct = _direct_dependencies()
            named = [c for c in fine if _normal(c.name) in direct]
            lines.append(f"  ok {len(fine)} packages at the pinned versions, among them:")
            lines += textwrap.wrap(", ".join(f"{c.name} {c.found}" for c in named), width,
                                   initial_indent="     ", subsequent_indent="     ",
                                   break_on_hyphens=False)
    return "\n".join(lines + result._fix_lines())       # commands stay whole, to copy


def main(argv: list[str] | None = None) -> int:
    """``python -m medimg.doctor``: print the report; exit 1 if something required is missing."""
    result = report()
    print(result)
    return 0 if result.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
