"""Build the book's two PDF editions: the student handout and the instructor edition.

    python book/_latex/pdf.py [--out DIR] [--edition handout|instructor ...] [--cache DIR]

Each edition is one `jupyter-book build . --builder pdflatex` (XeLaTeX, set up in
_config.yml and medimgbook.sty) with a configuration made from _config.yml plus a few
overrides: the print extension (medimgprint.py: the solutions left out of the handout and
gathered at the end of the instructor edition, so that both have the same pages), the
edition and the facts of the title page (medimgbook.sty), and figures drawn as PDF
(vector) as well as PNG. What chapter authors must do for print: README.md here. The PDFs land in DIR/latex/ (DIR is
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
import re
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
}  # the instructor edition has them in an appendix at its end (medimgprint.py)
# Every figure reaches the PDF as vector PDF, which myst-nb's LaTeX builder prefers:
# lines and text stay vector, fonts are embedded as TrueType (not Type 3), and the pixels
# of an image inside a plot are resampled at 200 dpi, print resolution at the printed
# size; the PNG beside it keeps matplotlib's usual resolution, because the tests' HTML
# build shares this execution and its pages must weigh what the published ones weigh.
# matplotlib's inline backend has one resolution for all its formats, so it keeps to PNG,
# and a PDF formatter for every Figure (the book's own, medimg.plots.style.BookFigure, and
# those a chapter draws with pyplot, as the lecture does) is registered at kernel start,
# after the backend is switched on: switching it on resets every figure formatter.
KERNEL_CONFIG = """\
c.InlineBackend.figure_formats = {"png"}
c.InlineBackend.rc = {"pdf.fonttype": 42, "ps.fonttype": 42}
c.InteractiveShellApp.matplotlib = "inline"
c.InteractiveShellApp.exec_lines = [
    "def _medimg_pdf(fig):\\n"
    "    import io, matplotlib\\n"
    "    buffer = io.BytesIO()\\n"
    "    with matplotlib.rc_context({'pdf.fonttype': 42}):\\n"
    "        fig.savefig(buffer, format='pdf', dpi=200, bbox_inches='tight', facecolor='white')\\n"
    "    return buffer.getvalue()",
    "from matplotlib.figure import Figure as _MedimgFigure",
    "_medimg_formatter = get_ipython().display_formatter.formatters['application/pdf']",
    "_medimg_formatter.for_type(_MedimgFigure, _medimg_pdf)",
    "_medimg_formatter.enabled = True",
    "del _MedimgFigure, _medimg_formatter",
]
"""
# What the PDF's metadata says beyond _config.yml's title and author.
SUBJECT = ("A first course on digital and medical images for AI: pixels and arrays, "
           "DICOM and other medical file formats, the chest X-ray pneumonia dataset, "
           "pixel operations in Python, and a first classifier judged honestly")
KEYWORDS = ("medical imaging, image classification, artificial intelligence, DICOM, NIfTI, "
            "chest X-ray, pneumonia, Python, numpy, ROC, bootstrap, 醫學影像, 人工智慧")
AUTHOR = "The book's contributors, after the lecture by 李易儒 and 森元俊成"
# One date for both editions of a run, in ISO form (2026-12-04).
BUILD_DATE = time.strftime("%Y-%m-%d")


def numbered_parts() -> str:
    """The parts of _toc.yml whose chapters are numbered, as a LaTeX list such as "2"."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = toc.get("parts", [])
    return ",".join(str(i) for i, part in enumerate(parts, start=1) if part.get("numbered"))


def tex(text: str) -> str:
    """Text safe inside a LaTeX argument (the facts of the title page)."""
    return re.sub(r"([#$%&_{}])", r"\\\1", text).replace("~", r"\textasciitilde{}")


def source_version() -> str:
    """The sources' git commit (short), or '' outside a git checkout."""
    try:
        proc = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10)
    except OSError:
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def title_lines(title: str) -> str:
    """The title in two balanced lines for the title page, broken between words, never
    after a small word such as "in", nor leaving one word alone on the second line
    ("AI in Medical\\\\Image Classification")."""
    words = title.split()
    best = None
    for cut in range(1, len(words)):
        if words[cut - 1].lower() in {"a", "an", "the", "of", "in", "for", "and", "to"}:
            continue
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        score = abs(len(first) - len(second)) + (10 if cut == len(words) - 1 else 0)
        if best is None or score < best[0]:
            best = (score, first, second)
    return tex(title) if best is None or len(title) <= 24 else f"{tex(best[1])}\\\\{tex(best[2])}"


def title_page(config: dict) -> str:
    """\\medimgsetup{...}: the facts of the title page and of the PDF's metadata."""
    title, _, subtitle = config.get("title", "").partition(" — ")
    facts = {
        "title": title, "subtitle": subtitle, "titlelines": title_lines(title), "author": AUTHOR, "subject": SUBJECT,
        "keywords": KEYWORDS, "date": BUILD_DATE,
        "version": source_version(),
        "url": (config.get("html") or {}).get("baseurl", ""),
        "repository": (config.get("repository") or {}).get("url", ""),
    }
    lines = facts.pop("titlelines")
    return (r"\medimgsetup{" + ", ".join(f"{key}={{{tex(value)}}}" for key, value in facts.items())
            + f", titlelines={{{lines}}}}}")


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
    sphinx = config["sphinx"]
    # The print extension: solutions (not sphinx-exercise's hide_solutions, which breaks
    # on gated solutions), plumbing, tables, keeping cells together (medimgprint.py).
    sphinx["local_extensions"]["medimgprint"] = str(Path(__file__).resolve().parent)
    options = sphinx.setdefault("config", {})
    options["medimg_edition"] = edition
    options["today_fmt"] = "%Y-%m-%d"
    latex_elements = options.setdefault("latex_elements", {})
    latex_elements["pointsize"] = "11pt"
    latex_elements["figure_align"] = "H"
    latex_elements["preamble"] = (rf"\usepackage[{edition}]{{medimgbook}}"
                                  rf"\medimgnumberedparts{{{numbered_parts()}}}"
                                  + title_page(config))
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
