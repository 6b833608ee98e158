"""Live code for the book: Thebe served from the site itself, and notebooks to download.

What this Sphinx extension does, and why:

* sphinx-thebe 0.3.1 (which jupyter-book always loads) fetches thebe 0.8.2 from a CDN when
  the reader presses "Live Code", and cannot talk to a plain Jupyter server. This extension
  removes its script from every page and puts ``live-code.js`` in its place: a small loader
  of the thebe copy that ``make vendor`` fetched from the npm registry (pinned in the
  Makefile) and that the build copies into ``_static/vendor/``. The kernel runs on Binder,
  or on the reader's own Jupyter server when the page's address says so (see
  ``live-code.js``).
* Sphinx takes MathJax from a CDN unless ``mathjax_path`` points elsewhere: it is pointed at
  the vendored copy, so no page loads code from another site.
* Every chapter can be downloaded as MyST markdown (the source) and as a Jupyter notebook,
  which is made here with jupytext from the same source, with the outputs of the build.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.ext.mathjax import MATHJAX_URL
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
STATIC = Path(__file__).resolve().parents[1] / "_static"
# What `make vendor` leaves in vendor/: one folder per npm package, each with its package.json.
VENDORED = {"thebe": "index.js", "mathjax": "tex-mml-chtml.js"}
MATHJAX_PATH = "vendor/mathjax/tex-mml-chtml.js"


def vendored_version(vendor: Path, package: str) -> str:
    """The version of a vendored npm package, or a clear error telling how to fetch it."""
    manifest = vendor / package / "package.json"
    entry = vendor / package / VENDORED[package]
    if not (manifest.is_file() and entry.is_file()):
        raise ExtensionError(
            f"live_code: {entry} is missing. Run `make vendor` first: it fetches the pinned "
            f"{package} package from the npm registry into {vendor}.")
    return json.loads(manifest.read_text(encoding="utf-8"))["version"]


def use_local_mathjax(app: Sphinx, config: Any) -> None:
    """Point Sphinx's MathJax at the site's own copy, unless the book chose another one."""
    if config.mathjax_path == MATHJAX_URL:
        config.mathjax_path = MATHJAX_PATH


def add_assets(app: Sphinx) -> None:
    """Check the vendored packages exist and register the loader on every HTML page."""
    if app.builder.format != "html":
        return
    vendor = Path(app.config.live_code_vendor)
    versions = {package: vendored_version(vendor, package) for package in VENDORED}
    logger.info("live_code: serving thebe %s and mathjax %s from the site",
                versions["thebe"], versions["mathjax"])
    if not any(Path(app.confdir, path).resolve() == STATIC for path in app.config.html_static_path):
        app.config.html_static_path.append(str(STATIC))
    app.add_css_file("live-code/live-code.css")
    app.add_js_file("live-code/live-code.js", defer="defer")


def is_sphinx_thebe_script(script: Any) -> bool:
    """True for what sphinx-thebe adds to every page: its loader and its CDN address."""
    filename = getattr(script, "filename", None) or ""
    body = getattr(script, "attributes", {}).get("body", "")
    return filename.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body


def replace_thebe_loader(app: Sphinx, pagename: str, templatename: str,
                         context: dict, doctree: Any) -> None:
    """Drop sphinx-thebe's script (it loads thebe from a CDN); live-code.js replaces it."""
    scripts = context.get("script_files")
    if scripts is not None:
        scripts[:] = [s for s in scripts if not is_sphinx_thebe_script(s)]


def write_atomically(path: Path, text: str) -> None:
    """Write text beside the target first, then move it into place in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def notebook_from_source(source: Path, executed: Path | None = None) -> str:
    """The .ipynb text of a MyST notebook, made by jupytext, with the build's outputs if any."""
    import jupytext
    from jupytext.combine import combine_inputs_with_outputs

    notebook = jupytext.read(source, fmt="md:myst")
    if executed is not None and executed.is_file():
        with_outputs = jupytext.read(executed)
        notebook = combine_inputs_with_outputs(notebook, with_outputs, fmt="md:myst")
        notebook.metadata.pop("source_map", None)  # myst-nb's bookkeeping, not the reader's
    return jupytext.writes(notebook, fmt="ipynb")


def is_notebook_page(app: Sphinx, docname: str) -> bool:
    """A MyST markdown page that is a notebook (it names a kernel)."""
    return (Path(app.env.doc2path(docname)).suffix == ".md"
            and "kernelspec" in app.env.metadata.get(docname, {}))


def copy_vendored(app: Sphinx) -> None:
    """Copy the vendored npm packages into the site's _static/vendor/."""
    vendor = Path(app.config.live_code_vendor)
    for package in VENDORED:
        shutil.copytree(vendor / package, Path(app.outdir) / "_static" / "vendor" / package,
                        dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))


def write_notebooks(app: Sphinx) -> None:
    """Put a jupytext-made .ipynb beside each chapter's .md in _sources (the download menu)."""
    sources = Path(app.outdir) / "_sources"
    executed_dir = Path(app.outdir).parent / "jupyter_execute"
    for docname in sorted(app.env.found_docs):
        if not is_notebook_page(app, docname):
            continue
        executed = executed_dir / f"{docname}.ipynb"
        text = notebook_from_source(Path(app.env.doc2path(docname)), executed)
        write_atomically(sources / f"{docname}.ipynb", text)


def finish(app: Sphinx, exception: Exception | None) -> None:
    """After a successful HTML build: vendored packages into the site, notebooks beside sources."""
    if exception is not None or app.builder.format != "html":
        return
    copy_vendored(app)
    write_notebooks(app)


def setup(app: Sphinx) -> dict:
    app.add_config_value("live_code_vendor", str(ROOT / "vendor"), "html")
    app.connect("config-inited", use_local_mathjax)
    app.connect("builder-inited", add_assets)
    # After sphinx-book-theme has built the launch and download buttons (priority 500).
    app.connect("html-page-context", replace_thebe_loader, priority=900)
    app.connect("build-finished", finish)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
