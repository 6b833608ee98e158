"""Build the book's two PDF editions: the student handout and the instructor edition.

    python book/_latex/pdf.py [--out DIR] [--edition handout|instructor ...] [--cache DIR]

Each edition is one `jupyter-book build . --builder pdflatex` (XeLaTeX, set up in
_config.yml and medimgbook.sty) with a configuration made from _config.yml plus a few
overrides: the solutions left out of the handout (handout.py), the edition named on the title page, and
figures drawn as PDF (vector) as well as PNG. The PDFs land in DIR/latex/ (DIR is
_build by default) as medimg-warmup-handout.pdf and medimg-warmup-instructor.pdf; each
build's LaTeX sources and log stay in DIR/pdf-EDITION/_build/latex/.

The notebooks are executed once per run: the first edition fills a fresh execution cache
that the second one reads. ``--cache DIR`` reads (and fills) the execution cache DIR
instead, filled by an earlier build that executed the notebooks with the same kernel
settings (kernel_environment); the tests' HTML build does, so that the test run executes
each chapter once.
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


def kernel_environment(ipython_dir: Path) -> dict[str, str]:
    """The environment variables under which the notebooks run for print: a fresh IPython
    profile in ipython_dir with KERNEL_CONFIG, and medimg's figures, which draw themselves
    (medimg.plots.style.BookFigure), asked for PDF too."""
    shutil.rmtree(ipython_dir, ignore_errors=True)
    (ipython_dir / "profile_default").mkdir(parents=True)
    (ipython_dir / "profile_default" / "ipython_kernel_config.py").write_text(KERNEL_CONFIG)
    return {"IPYTHONDIR": str(ipython_dir), "MEDIMG_FIGURE_FORMATS": "png,pdf"}


def cached_config(cache: Path) -> dict:
    """_config.yml for a build configured from another folder, whose notebooks are
    executed through the execution cache `cache` (run once, then read from it)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    # Local extensions are found relative to the configuration file, which is elsewhere.
    sphinx["local_extensions"] = {
        name: str(ROOT / path) for name, path in (sphinx.get("local_extensions") or {}).items()
    }
    execute = config.setdefault("execute", {})
    execute["execute_notebooks"] = "cache"
    execute["cache"] = str(cache)
    return config


def edition_config(edition: str, cache: Path) -> dict:
    """_config.yml with the overrides for one edition."""
    config = cached_config(cache)
    hide, _ = EDITIONS[edition]
    sphinx = config["sphinx"]
    extensions = sphinx["local_extensions"]
    if hide:
        # Not sphinx-exercise's hide_solutions: it breaks on gated solutions (handout.py).
        extensions["handout"] = str(Path(__file__).resolve().parent)
    sphinx["local_extensions"] = extensions
    options = sphinx.setdefault("config", {})
    latex_elements = options.setdefault("latex_elements", {})
    latex_elements["preamble"] = (rf"\usepackage[{edition}]{{medimgbook}}"
                                  rf"\medimgnumberedparts{{{numbered_parts()}}}")
    return config


def build(edition: str, out: Path, cache: Path, kernel_env: dict[str, str],
          strict: bool = True) -> Path:
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
    env = dict(os.environ, **kernel_env)
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
    parser.add_argument("--cache", type=Path,
                        help="execution cache filled by an earlier build with the same kernel "
                             "settings (default: a fresh one, OUT/pdf-cache)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if args.cache:
        cache = args.cache.resolve()
    else:
        cache = out / "pdf-cache"
        shutil.rmtree(cache, ignore_errors=True)
    kernel_env = kernel_environment(out / "pdf-ipython")
    for edition in args.edition or list(EDITIONS):
        build(edition, out, cache, kernel_env, strict=not args.draft)
    return 0


if __name__ == "__main__":
    sys.exit(main())
