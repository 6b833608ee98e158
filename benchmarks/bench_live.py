"""Live code, measured: press → kernel ready → first output, and what a chapter page loads.

Usage (after `make book`, or point --site at another build):

    .venv/bin/python benchmarks/bench_live.py [--runs 5] [--site _build/html]
                                              [--chapter book/images-as-numbers.html]

Each run opens the chapter in a fresh browser context (empty cache), with a real
`jupyter server` on 127.0.0.1 started in a temporary folder, exactly as tests/test_live.py
does. It reports the median over the runs of:

* press → kernel ready: from pressing "Live Code" to thebe's "kernel ready";
* press → first cell run: the first cell is run the moment the kernel is ready;
* press → first output: cells are run top down until the first one the page shows an
  output for, after the chapter's medimg import (what a reader sees first);

and the bytes the page loaded before the press and after it (response bodies).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import CHROMIUM, CHROMIUM_ARGS, static_server  # noqa: E402
from test_live import (chapter_url, execution_count, first_medimg_cell,  # noqa: E402
                       first_shown_output_from, guarded_page, jupyter_server, press_live_code,
                       run_cell, wait_for_kernel)


def one_run(browser, site: str, server: tuple[str, str], chapter: str) -> dict:
    """Open the chapter, press Live Code, run to the first output; times and bytes."""
    with guarded_page(browser, site) as (page, foreign):
        loaded: list[tuple[str, int]] = []
        page.on("requestfinished",
                lambda request: loaded.append((request.url, request.sizes()["responseBodySize"])))
        page.goto(chapter_url(site, server, chapter), wait_until="networkidle")
        before_bytes, before_files = sum(size for _, size in loaded), len(loaded)
        image_bytes = sum(size for url, size in loaded if re.search(r"\.(png|jpe?g|svg|gif)$", url))

        page.get_by_role("button", name="Launch interactive content").click()
        start = time.perf_counter()
        page.locator("button.btn-launch-thebe").click()
        wait_for_kernel(page)
        ready = time.perf_counter()
        run_cell(page, 0)
        first_cell = time.perf_counter()
        target = first_shown_output_from(page, first_medimg_cell(page))
        for index in range(1, target + 1):
            run_cell(page, index)
        first_output = time.perf_counter()
        assert execution_count(page, target) is not None
        assert foreign == [], foreign
        after_bytes = sum(size for _, size in loaded)
        thebe_bytes = sum(size for url, size in loaded if "/_static/vendor/thebe/" in url)
        return {"image_bytes": image_bytes, "thebe_bytes": thebe_bytes,
                "ready": ready - start, "first_cell": first_cell - start,
                "first_output": first_output - start, "target": target,
                "before_bytes": before_bytes, "before_files": before_files,
                "after_bytes": after_bytes, "after_files": len(loaded)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--chapter", default="book/images-as-numbers.html")
    args = parser.parse_args()
    if not (args.site / args.chapter).is_file():
        sys.exit(f"{args.site / args.chapter} does not exist: run `make book` first")

    from playwright.sync_api import sync_playwright
    results = []
    with static_server(args.site) as site, \
            tempfile.TemporaryDirectory(prefix="live-bench-") as folder, \
            jupyter_server(site, Path(folder)) as server, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for run in range(args.runs):
                result = one_run(browser, site, server, args.chapter)
                results.append(result)
                print(f"run {run + 1}: ready {result['ready']:.2f} s, first cell "
                      f"{result['first_cell']:.2f} s, first output {result['first_output']:.2f} s "
                      f"(cell {result['target']})", flush=True)
        finally:
            browser.close()

    def median(key):
        return statistics.median(r[key] for r in results)

    print(f"\n{args.chapter}, median of {len(results)} runs (local jupyter server, cold page cache):")
    print(f"  press -> kernel ready   {median('ready'):6.2f} s")
    print(f"  press -> first cell run {median('first_cell'):6.2f} s")
    print(f"  press -> first output   {median('first_output'):6.2f} s")
    print(f"  page before the press   {median('before_bytes') / 1e6:6.2f} MB in "
          f"{median('before_files'):.0f} files, of which images {median('image_bytes') / 1e6:.2f} MB")
    print(f"  page after the press    {median('after_bytes') / 1e6:6.2f} MB in "
          f"{median('after_files'):.0f} files, of which thebe {median('thebe_bytes') / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
