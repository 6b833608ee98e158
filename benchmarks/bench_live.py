"""Live code and pages, measured: bytes, axe violations, and press → first output beside its floor.

Usage (after `make book` and `make vendor`, or point --site at another build):

    .venv/bin/python benchmarks/bench_live.py [--runs 5] [--site _build/html]

Everything runs against a static server and a real `jupyter server` on 127.0.0.1 (started
in a temporary folder with a book/ inside, where kernels run, as on Binder), in Debian's
Chromium, each page in a fresh browser context (empty cache). It prints one table:

* bytes: what each page loads as it opens at 1280 px (the budget of tests/test_pages.py
  is 1.5 MB), and after the reader has scrolled to its end (images below the first screen
  load lazily);
* axe: violations of the pinned axe-core, light / dark theme, live code off and, for the
  chapters, on (after every cell has been run through the page's buttons);
* press → first output: the median over --runs runs of the time from pressing "Live
  Code" to the first output a reader sees (cells run top down from the start to the
  first one after the chapter's medimg import that the page shows an output for);
* floor: in the same run, the median time a bare jupyter_client kernel, started in the
  same folder, takes to run the same cells to the same output: what any live code costs
  here without the page, thebe or the server in between.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import CHROMIUM, CHROMIUM_ARGS, notebook_chapters, static_server  # noqa: E402
from test_live import (chapter_url, first_medimg_cell, first_shown_output_from,  # noqa: E402
                       guarded_page, jupyter_server, press_live_code,
                       run_cell, run_every_cell, wait_for_kernel)
from test_pages import axe_violations, opened, set_theme, site_pages  # noqa: E402


def page_weight_and_axe(browser, site: str, name: str) -> dict:
    """Bytes as the page opens and after scrolling to its end; axe counts light and dark."""
    with opened(browser, f"{site}/{name}") as (page, loaded, problems):
        at_load = sum(size for _, size in loaded)
        page.evaluate("""async () => { for (let y = 0; y <= document.body.scrollHeight; y += 500) {
            window.scrollTo(0, y); await new Promise(r => setTimeout(r, 50)); } }""")
        page.wait_for_load_state("networkidle")
        scrolled = sum(size for _, size in loaded)
        axe, found = axe_in_both_themes(page, "live code off")
    return {"load": at_load, "scrolled": scrolled, "axe_off": axe, "problems": problems + found}


def axe_in_both_themes(page, when: str) -> tuple[dict[str, int], list[str]]:
    """axe's violations on the open page in the light and the dark theme: counts, details."""
    counts, problems = {}, []
    for mode in ("light", "dark"):
        set_theme(page, mode)
        found = axe_violations(page)
        counts[mode] = sum(len(nodes) for nodes in found.values())
        problems += [f"axe, {mode}, {when}: {rule}: {node}"
                     for rule, nodes in found.items() for node in nodes]
    return counts, problems


def live_axe(browser, site: str, server: tuple[str, str], chapter: str) -> dict:
    """Every cell run live, then axe in both themes; and the bytes live code added."""
    with guarded_page(browser, site) as (page, foreign):
        loaded: list[int] = []
        page.on("requestfinished", lambda r: loaded.append(r.sizes()["responseBodySize"]))
        page.goto(chapter_url(site, server, chapter), wait_until="networkidle")
        before = sum(loaded)
        press_live_code(page)
        wait_for_kernel(page)
        run_every_cell(page)
        axe, problems = axe_in_both_themes(page, "live code on")
        assert foreign == [], foreign
        return {"axe_on": axe, "live_bytes": sum(loaded) - before, "live_problems": problems}


def press_to_first_output(browser, site: str, server: tuple[str, str], chapter: str) -> tuple[float, list[str]]:
    """Seconds from pressing Live Code to the first shown output; and the cells it ran."""
    with guarded_page(browser, site) as (page, foreign):
        page.goto(chapter_url(site, server, chapter), wait_until="networkidle")
        page.get_by_role("button", name="Launch interactive content").click()
        start = time.perf_counter()
        page.locator("button.btn-launch-thebe").click()
        wait_for_kernel(page)
        target = first_shown_output_from(page, first_medimg_cell(page))
        for index in range(target + 1):
            run_cell(page, index)
        elapsed = time.perf_counter() - start
        sources = page.evaluate("n => thebe.notebook.cells.slice(0, n).map(c => c.source)", target + 1)
        assert foreign == [], foreign
    return elapsed, sources


def floor(folder: Path, sources: list[str]) -> float:
    """Seconds for a bare jupyter_client kernel in folder to start and run sources, up to
    the last one's first output (or its end, if it shows nothing).

    The cells are sent the moment the kernel process is started (the kernel takes them in
    order as soon as it listens), with no readiness handshake: the leanest way there is.
    """
    from queue import Empty

    from jupyter_client import KernelManager
    start = time.perf_counter()
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(folder))
    client = manager.client()
    client.start_channels()
    try:
        ids = [client.execute(code, store_history=False) for code in sources]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                message = client.get_iopub_msg(timeout=1)
            except Empty:
                continue
            if message["parent_header"].get("msg_id") != ids[-1]:
                continue
            kind = message["msg_type"]
            if kind in ("stream", "display_data", "execute_result") or (
                    kind == "status" and message["content"]["execution_state"] == "idle"):
                elapsed = time.perf_counter() - start
                break
        else:
            raise TimeoutError("floor: no output within 300 s")
        for index, msg_id in enumerate(ids):
            reply = client.get_shell_msg(timeout=300)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"floor: cell {index} failed: {reply['content'].get('ename')}")
        return elapsed
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    args = parser.parse_args()
    if not (args.site / "book" / "index.html").is_file():
        sys.exit(f"{args.site} has no built book: run `make book` first")

    from playwright.sync_api import sync_playwright
    chapters = [f"{name}.html" for name in notebook_chapters(ROOT)]
    rows: dict[str, dict] = {}
    with static_server(args.site) as site, \
            tempfile.TemporaryDirectory(prefix="live-bench-") as folder, \
            jupyter_server(site, Path(folder)) as server, \
            sync_playwright() as playwright:
        (Path(folder) / "book").mkdir()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name in site_pages(args.site):
                rows[name] = page_weight_and_axe(browser, site, name)
                print(f"{name}: {rows[name]['load'] / 1e6:.2f} MB", flush=True)
            for chapter in chapters:
                rows[chapter].update(live_axe(browser, site, server, chapter))
                presses, floors = [], []
                for run in range(args.runs):
                    seconds, sources = press_to_first_output(browser, site, server, chapter)
                    presses.append(seconds)
                    floors.append(floor(Path(folder) / "book", sources))
                rows[chapter].update(press=statistics.median(presses), floor=statistics.median(floors),
                                     cells=len(sources))
                print(f"  runs: press {[round(x, 2) for x in presses]}, floor "
                      f"{[round(x, 2) for x in floors]}", flush=True)
                print(f"{chapter}: press -> first output {rows[chapter]['press']:.2f} s, "
                      f"floor {rows[chapter]['floor']:.2f} s ({len(sources)} cells)", flush=True)
        finally:
            browser.close()

    print(f"\nPages of {args.site} (static server and jupyter server on 127.0.0.1, cold cache; "
          f"timings: median of {args.runs} runs)\n")
    print("| page | MB at load | MB scrolled | axe light/dark, live off | axe light/dark, live on "
          "| live code adds MB | press → first output | floor | ratio |")
    print("|---|---:|---:|:---:|:---:|---:|---:|---:|---:|")
    for name, row in rows.items():
        on = f"{row['axe_on']['light']} / {row['axe_on']['dark']}" if "axe_on" in row else "—"
        live = (f"{row['live_bytes'] / 1e6:.2f} | {row['press']:.2f} s | {row['floor']:.2f} s | "
                f"{row['press'] / row['floor']:.2f} ×" if "press" in row else "— | — | — | —")
        print(f"| {name} | {row['load'] / 1e6:.2f} | {row['scrolled'] / 1e6:.2f} | "
              f"{row['axe_off']['light']} / {row['axe_off']['dark']} | {on} | {live} |")
    problems = [f"{name}: {p}" for name, row in rows.items()
                for p in row["problems"] + row.get("live_problems", [])]
    if problems:
        print("\nProblems seen while loading:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
