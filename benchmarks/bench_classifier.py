"""Benchmark the chapter "A first classifier": its execution time and each model fit.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_classifier.py``). Printed
as a table, all measured in this run on this machine:

- the chapter executed as the book build executes it: book/classifier.md read by
  jupytext and run cell by cell in a fresh Jupyter kernel (nbclient), wall-clock time
  from the first cell to the last (target: at most 60 s on the book's 2-core machine),
  and its cells once more in this process, with their CPU time (all threads), which
  says how much work the chapter is whatever else the machine is doing;
- each step that costs time, in this process with the chapter's data and seeds: loading
  the 64 × 64 set, the filter features, every model fit the chapter makes (pixels,
  filters, border, the two fits of the split comparison, the learning curve), the
  nearest-neighbour check and one patient bootstrap. Each is the best of a few runs,
  with the CPU time beside the wall time: on a busy machine the wall time grows, the CPU
  time much less.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from pathlib import Path

import numpy as np

from medimg import classify, evaluate, features

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "classifier.md"
BUDGET = 60.0


def best_of(repeats: int, work) -> tuple[float, float]:
    """The shortest wall-clock time of ``repeats`` runs of ``work()``, and its CPU time."""
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best


def run_chapter() -> float:
    """Execute the chapter in a fresh kernel from its own folder, as the build does."""
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(CHAPTER)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(CHAPTER.parent)}})
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
        return time.perf_counter() - start


def run_chapter_here() -> tuple[float, float]:
    """Execute the chapter's cells in this process: wall and CPU time (all threads).

    The CPU time says how much work the chapter is, whatever else the machine is doing.
    """
    import re

    import matplotlib
    import myst_nb

    matplotlib.use("Agg")
    source = CHAPTER.read_text(encoding="utf-8")
    cells = [re.sub(r"\A(---\n.*?\n---\n|:tags:[^\n]*\n)", "", cell, flags=re.S)
             for cell in re.findall(r"```\{code-cell\} ipython3\n(.*?)```", source, flags=re.S)]
    original, myst_nb.glue = myst_nb.glue, lambda *args, **kwargs: None
    namespace: dict = {}
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        with contextlib.redirect_stdout(io.StringIO()):      # the cells' prints
            for cell in cells:
                exec(compile(cell, str(CHAPTER), "exec"), namespace)
    finally:
        myst_nb.glue = original
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-chapter", action="store_true",
                        help="time the steps only, not the whole chapter in a kernel")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    rows = []

    chapter = None if args.skip_chapter else run_chapter()
    here = None if args.skip_chapter else run_chapter_here()

    loading = best_of(args.repeats, classify.load_chest_64)
    chest = classify.load_chest_64()
    y, groups = chest.y, chest.groups
    train, val, test = (chest.role(r) for r in ("train", "val", "test"))
    X = features.as_vectors(chest.images)
    F = features.filter_features(chest.images)
    B = features.border_pixels(chest.images)
    rows.append(("load the 64 × 64 set, name patients, roles", *loading))
    rows.append(("filter features (5,856 images)",
                 *best_of(args.repeats, lambda: features.filter_features(chest.images))))

    fits = {"fit: logistic regression on pixels (C 0.001)": (X, 1e-3),
            "fit: logistic regression on filters (C 0.01)": (F, 1e-2),
            "fit: border pixels only (C 0.01)": (B, 1e-2)}
    for what, (inputs, C) in fits.items():
        rows.append((what, *best_of(args.repeats,
                                    lambda: classify.fit(inputs[train], y[train], C=C))))

    pool = np.flatnonzero(train | val)
    for what, (fit_on, _) in {
            "fit: filters, split by image": classify.random_split(pool, 0.2, seed=0),
            "fit: filters, split by patient": classify.grouped_split(pool, groups, 0.2, seed=0),
    }.items():
        rows.append((what, *best_of(args.repeats, lambda: classify.fit(F[fit_on], y[fit_on],
                                                                       C=1e-2))))
    everyone = len(np.unique(groups[train]))
    rows.append(("fits: learning curve (7 sizes)", *best_of(args.repeats, lambda: (
        classify.learning_curve(F, y, groups, np.flatnonzero(train),
                                {"validation": np.flatnonzero(val),
                                 "test": np.flatnonzero(test)},
                                patients=[20, 50, 100, 200, 500, 1000, everyone])))))
    by_image = classify.random_split(pool, 0.2, seed=0)
    rows.append(("nearest neighbours (pixels)", *best_of(
        args.repeats, lambda: classify.nearest_same_patient(X, groups, *by_image))))
    scores = classify.fit(F[train], y[train], C=1e-2).scores(F[test])
    rows.append(("patient bootstrap of the AUC (1,000)", *best_of(
        args.repeats, lambda: evaluate.patient_bootstrap(evaluate.rank_auc, groups[test],
                                                         y[test], scores))))

    load = ", ".join(f"{x:.1f}" for x in load_before)
    print(f"\nChapter 'A first classifier' ({os.cpu_count()} cores, load average {load} "
          f"before; steps: best of {args.repeats})\n")
    print(f"| {'what':46} | {'wall s':>7} | {'CPU s':>7} | target")
    print(f"|{'-' * 48}|{'-' * 9}|{'-' * 9}|{'-' * 24}")
    if chapter is not None:
        verdict = "yes" if chapter <= BUDGET else "NO"
        print(f"| {'the whole chapter, executed in a kernel':46} | {chapter:7.1f} | "
              f"{'':>7} | ≤ {BUDGET:.0f} s: {verdict}")
        print(f"| {'the whole chapter, its cells in this process':46} | {here[0]:7.1f} | "
              f"{here[1]:7.1f} |")
    for what, wall, cpu in rows:
        print(f"| {what:46} | {wall:7.2f} | {cpu:7.2f} |")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
