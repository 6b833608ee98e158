"""Live code for the book: Thebe served from the site itself, and notebooks to download.

What this Sphinx extension does, and why:

* sphinx-thebe 0.3.1 (which jupyter-book always loads) fetches thebe 0.8.2 from a CDN when
  the reader presses "Live Code", and cannot talk to a plain Jupyter server. This extension
  removes its script from every page and puts ``live-code.js`` in its place: a small loader
  of the thebe copy that ``make vendor`` fetched from the npm registry (pinned in
  ``vendor.toml``) and that the build copies into ``_static/vendor/``. The kernel runs on
  Binder, or on the reader's own Jupyter server when the page's address says so (see
  ``live-code.js``).
* thebe's widget manager fetches require.js from a CDN before it shows an ipywidget; the
  site serves the pinned copy instead, and ``live-code.js`` checks it against the SHA-384
  that the build writes into the page (Subresource Integrity).
* Formulas are MathML made at build time (``mathml.py``), so no page loads MathJax.
* Every chapter can be downloaded as MyST markdown (the source) and as a Jupyter notebook,
  which is made here with jupytext from the same source, with the outputs of the build.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from medimg import paths
from npm_vendor import PINS, Package, read_pins

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
STATIC = Path(__file__).resolve().parents[1] / "_static"
#: The require.js that thebe's widget manager gets instead of its CDN copy.
REQUIREJS = ("requirejs", "require.js")


def site_packages() -> list[Package]:
    """The pinned packages the site serves (``site = true`` in vendor.toml)."""
    return [package for package in read_pins(PINS) if package.site]


def vendored_version(vendor: Path, package: Package | str) -> str:
    """The version of a vendored npm package, after checking it is the pinned one.

    The package's entry point is the first file its pin keeps. A missing or different
    package is a clear error that says how to fetch the pinned one.
    """
    if isinstance(package, str):
        package = next(p for p in read_pins(PINS) if p.name == package)
    manifest = vendor / package.name / "package.json"
    entry = vendor / package.name / package.keep[0]
    if not (manifest.is_file() and entry.is_file()):
        raise ExtensionError(
            f"live_code: {entry} is missing. Run `make vendor` first: it fetches the pinned "
            f"{package.name} package from the npm registry into {vendor}.")
    version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    if version != package.version:
        raise ExtensionError(
            f"live_code: {vendor / package.name} holds {package.name} {version}, but "
            f"{PINS.name} pins {package.version}. Run `make vendor` to fetch the pinned one.")
    return version


def integrity(path: Path) -> str:
    """The Subresource Integrity value of a file (SHA-384, as browsers check it)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def add_assets(app: Sphinx) -> None:
    """Check the vendored packages and register the loader on every HTML page."""
    if app.builder.format != "html":
        return
    vendor = Path(app.config.live_code_vendor)
    versions = {package.name: vendored_version(vendor, package) for package in site_packages()}
    logger.info("live_code: serving %s from the site",
                ", ".join(f"{name} {version}" for name, version in versions.items()))
    if not any(Path(app.confdir, path).resolve() == STATIC for path in app.config.html_static_path):
        app.config.html_static_path.append(str(STATIC))
    app.add_css_file("live-code/live-code.css")
    # live-code.js finds require.js beside thebe and checks it against this hash.
    app.add_js_file("live-code/live-code.js", defer="defer",
                    **{"data-requirejs-integrity": integrity(vendor.joinpath(*REQUIREJS))})


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
    """Copy the vendored npm packages the site serves into its _static/vendor/."""
    vendor = Path(app.config.live_code_vendor)
    for package in site_packages():
        target = Path(app.outdir) / "_static" / "vendor" / package.name
        shutil.rmtree(target, ignore_errors=True)  # no file of an older version stays behind
        shutil.copytree(vendor / package.name, target, ignore=shutil.ignore_patterns(".*"))


def write_notebooks(app: Sphinx) -> None:
    """Put a jupytext-made .ipynb beside each chapter's .md in _sources (the download menu)."""
    sources = Path(app.outdir) / "_sources"
    executed_dir = Path(app.outdir).parent / "jupyter_execute"
    for docname in sorted(app.env.found_docs):
        if not is_notebook_page(app, docname):
            continue
        executed = executed_dir / f"{docname}.ipynb"
        text = notebook_from_source(Path(app.env.doc2path(docname)), executed)
        paths.write_atomically(sources / f"{docname}.ipynb",
                               lambda tmp, text=text: Path(tmp).write_text(text, encoding="utf-8"))


def finish(app: Sphinx, exception: Exception | None) -> None:
    """After a successful HTML build: vendored packages into the site, notebooks beside sources."""
    if exception is not None or app.builder.format != "html":
        return
    copy_vendored(app)
    write_notebooks(app)


def setup(app: Sphinx) -> dict:
    app.add_config_value("live_code_vendor", str(ROOT / "vendor"), "html")
    app.connect("builder-inited", add_assets)
    # After sphinx-book-theme has built the launch and download buttons (priority 500).
    app.connect("html-page-context", replace_thebe_loader, priority=900)
    app.connect("build-finished", finish)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
