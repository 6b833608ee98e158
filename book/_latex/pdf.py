"""Build the book's two PDF editions: the student handout and the instructor edition.

    python book/_latex/pdf.py [--out DIR] [--edition handout|instructor ...]

Each edition is one `jupyter-book build . --builder pdflatex` (XeLaTeX, set up in
_config.yml and medimgbook.sty) with a configuration made from _config.yml plus a few
overrides: the solutions left out of the handout (handout.py), the edition named on the title page, and
figures drawn as PDF (vector) as well as PNG. The PDFs land in DIR/latex/ (DIR is
_build by default) as medimg-warmup-handout.pdf and medimg-warmup-instructor.pdf; each
build's LaTeX sources and log stay in DIR/pdf-EDITION/_build/latex/.

The notebooks are executed once per run: the first edition fills a fresh execution cache
that the second one reads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = {
    # edition: (leave the exercise solutions out?, file name of the PDF)
    "handout": (True, "medimg-warmup-handout.pdf"),
    "instructor": (False, "medimg-warmup-instructor.pdf"),
}
# The kernel draws each figure as PNG and as PDF, which myst-nb's LaTeX builder prefers:
# lines and text stay vector, and the pixels of an image inside a plot are resampled at
# 200 dpi (matplotlib's default is 100), which is print resolution at the printed size.
KERNEL_CONFIG = """\
c.InlineBackend.figure_formats = {"png", "pdf"}
c.InlineBackend.print_figure_kwargs = {"bbox_inches": "tight", "dpi": 200}
"""


def numbered_parts() -> str:
    """The parts of _toc.yml whose chapters are numbered, as a LaTeX list such as "2"."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = toc.get("parts", [])
    return ",".join(str(i) for i, part in enumerate(parts, start=1) if part.get("numbered"))


def edition_config(edition: str, cache: Path) -> dict:
    """_config.yml with the overrides for one edition."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    hide, _ = EDITIONS[edition]
    sphinx = config.setdefault("sphinx", {})
    # Local extensions are found relative to the configuration file, which is elsewhere.
    extensions = {
        name: str(ROOT / path) for name, path in (sphinx.get("local_extensions") or {}).items()
    }
    if hide:
        # Not sphinx-exercise's hide_solutions: it breaks on gated solutions (handout.py).
        extensions["handout"] = str(Path(__file__).resolve().parent)
    sphinx["local_extensions"] = extensions
    options = sphinx.setdefault("config", {})
    latex_elements = options.setdefault("latex_elements", {})
    latex_elements["preamble"] = (rf"\usepackage[{edition}]{{medimgbook}}"
                                  rf"\medimgnumberedparts{{{numbered_parts()}}}")
    execute = config.setdefault("execute", {})
    execute["execute_notebooks"] = "cache"
    execute["cache"] = str(cache)
    return config


def build(edition: str, out: Path, cache: Path, ipython_dir: Path, strict: bool = True) -> Path:
    """Build one edition into out/pdf-EDITION; copy its PDF into out/latex/ and return it."""
    folder = out / f"pdf-{edition}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    config_file = folder / "_config.yml"
    config_file.write_text(yaml.safe_dump(edition_config(edition, cache), allow_unicode=True),
                           encoding="utf-8")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jupyter_book), "build", str(ROOT), "--builder", "pdflatex",
           *(["-W", "-n", "--keep-going"] if strict else []),
           "--config", str(config_file), "--path-output", str(folder)]
    # medimg's figures draw themselves (medimg.plots.style.BookFigure): ask them for PDF too.
    env = dict(os.environ, IPYTHONDIR=str(ipython_dir), MEDIMG_FIGURE_FORMATS="png,pdf")
    start = time.monotonic()
    with open(folder / "build.log", "w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - start
    pdf = folder / "_build" / "latex" / "book.pdf"
    if proc.returncode != 0 or not pdf.is_file():
        raise SystemExit(f"The {edition} PDF failed to build (exit code {proc.returncode}); "
                         f"see {folder / 'build.log'} and {pdf.with_suffix('.log')}")
    target = out / "latex" / EDITIONS[edition][1]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, target)
    print(f"{edition}: {target} ({target.stat().st_size / 1e6:.1f} MB, {seconds:.0f} s)")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build",
                        help="build folder (default: _build); PDFs go to OUT/latex/")
    parser.add_argument("--edition", choices=sorted(EDITIONS), action="append",
                        help="build only this edition (may be repeated)")
    parser.add_argument("--draft", action="store_true",
                        help="let Sphinx warnings pass (the default fails on any warning)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    cache = out / "pdf-cache"
    ipython_dir = out / "pdf-ipython"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(ipython_dir, ignore_errors=True)
    (ipython_dir / "profile_default").mkdir(parents=True)
    (ipython_dir / "profile_default" / "ipython_kernel_config.py").write_text(KERNEL_CONFIG)
    for edition in args.edition or list(EDITIONS):
        build(edition, out, cache, ipython_dir, strict=not args.draft)
    return 0


if __name__ == "__main__":
    sys.exit(main())
