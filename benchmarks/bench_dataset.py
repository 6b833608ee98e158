"""Benchmark medimg.dataset: the index and the thumbnails, against their floors.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_dataset.py``). Everything
is measured in this one run, on this machine, and printed as a table:

- index of a 5,856-file replica of the Kaggle layout vs the floor, a bare loop that only
  opens each file's header with Pillow (targets: ≤ 1.5 × the floor and ≤ 3 s);
- thumbnails of realistic JPEGs (real sizes, baseline, hundreds of KB, generated here
  into a cache folder, never committed): naive full decode + resize, Pillow draft mode,
  and the floor, libjpeg-turbo's ``djpeg -scale 1/8`` run once per file (targets: draft
  within 1.2 × djpeg on one core; a contact sheet on two threads ≥ 1.7 × as fast as on
  one). Each figure is the best of a few repetitions, because the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from medimg import dataset, survey, synthetic

CACHE = Path(tempfile.gettempdir()) / "medimg-bench-jpegs-v1"
FULL_DATASET = 5856


def best_of(repeats: int, work) -> float:
    """The shortest wall-clock time of ``repeats`` runs of ``work()``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def header_floor(files: list[str]) -> None:
    for path in files:
        with Image.open(path) as image:
            image.size  # noqa: B018  (the header is read by open)


def realistic_jpegs(count: int) -> list[str]:
    """``count`` JPEGs of the real sizes and mix (27 % normal), made once into CACHE."""
    if not (CACHE / f"done-{count}").is_file():
        print(f"Generating {count} realistic JPEGs into {CACHE} (once)...", file=sys.stderr)
        work = Path(tempfile.mkdtemp(prefix=".medimg-bench-", dir=CACHE.parent))
        rng = np.random.default_rng(2018)
        for i in range(count):
            normal = rng.random() < 0.27
            width, height = (1654, 1357) if normal else (1176, 784)
            factor = float(np.exp(rng.normal(0, 0.15)))
            subtype = None if normal else ("bacteria" if rng.random() < 0.65 else "virus")
            pixels = synthetic.synthetic_radiograph(int(width * factor), int(height * factor),
                                                  subtype, seed=i, noise=4)
            image = Image.fromarray(pixels)
            if not normal and i % 20 == 0:
                image = Image.merge("RGB", (image, image, image))
            image.save(work / f"{i:04d}.jpeg", quality=90)
        (work / f"done-{count}").write_text("complete\n")
        shutil.rmtree(CACHE, ignore_errors=True)
        os.rename(work, CACHE)
    return sorted(str(p) for p in CACHE.glob("*.jpeg"))[:count]


def machine_speedup(repeats: int) -> float:
    """How much faster two threads hash than one: the parallelism the machine offers now."""
    import hashlib
    from concurrent.futures import ThreadPoolExecutor
    data = bytes(32 * 1024 * 1024)

    def hash_all(workers: int) -> None:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda _: hashlib.sha256(data).digest(), range(4)))
    return best_of(repeats, lambda: hash_all(1)) / best_of(repeats, lambda: hash_all(2))


def djpeg(files: list[str]) -> None:
    for path in files:
        subprocess.run(["djpeg", "-scale", "1/8", "-outfile", os.devnull, path], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500, help="realistic JPEGs (≥ 500)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if shutil.which("djpeg") is None:
        print("djpeg not found: install Debian's libjpeg-turbo-progs (make bench does)")
        return 1
    rows = []

    # Index vs header-only floor, on a full-size replica in a temporary folder.
    with tempfile.TemporaryDirectory() as tmp:
        synthetic.make_replica(tmp)
        files = [str(Path(tmp) / "chest_xray" / p)
                 for p in dataset.index_dataset(tmp).images["path"]]     # also warms the cache
        n = len(files)
        floor = best_of(args.repeats, lambda: header_floor(files))
        index = best_of(args.repeats, lambda: dataset.index_dataset(tmp))
    rows.append(("header-only loop (floor)", n, floor, 1.0, ""))
    rows.append(("index_dataset", n, index, index / floor,
                 f"≤ 1.5 × floor and ≤ 3 s: {'yes' if index <= 1.5 * floor and index <= 3 else 'NO'}"))

    # Thumbnails of realistic JPEGs.
    jpegs = realistic_jpegs(args.images)
    m = len(jpegs)
    size_mb = sum(os.path.getsize(p) for p in jpegs) / m / 1024
    for path in jpegs[:20]:                                            # warm the page cache
        Path(path).read_bytes()
    floor_djpeg = best_of(args.repeats, lambda: djpeg(jpegs))
    naive = best_of(args.repeats, lambda: [survey.thumbnail_full_decode(p) for p in jpegs])
    draft = best_of(args.repeats, lambda: [survey.thumbnail(p) for p in jpegs])
    sheet1 = best_of(args.repeats, lambda: survey.contact_sheet(jpegs, workers=1))
    cpu = time.process_time()
    sheet2 = best_of(args.repeats, lambda: survey.contact_sheet(jpegs, workers=2))
    busy = (time.process_time() - cpu) / (args.repeats * sheet2)
    machine = machine_speedup(args.repeats)
    rows.append(("djpeg -scale 1/8 (floor, 1 core)", m, floor_djpeg, 1.0, ""))
    rows.append(("full decode + resize (1 core)", m, naive, naive / floor_djpeg, ""))
    rows.append(("draft-mode thumbnail (1 core)", m, draft, draft / floor_djpeg,
                 f"≤ 1.2 × djpeg: {'yes' if draft <= 1.2 * floor_djpeg else 'NO'}"))
    rows.append(("contact sheet, 1 thread", m, sheet1, sheet1 / floor_djpeg, ""))
    speedup = sheet1 / sheet2
    rows.append(("contact sheet, 2 threads", m, sheet2, sheet2 / floor_djpeg,
                 f"speed-up {speedup:.2f} × (≥ 1.7: {'yes' if speedup >= 1.7 else 'NO'})"))
    extra = [f"while the 2-thread sheet ran, this process used {busy:.2f} CPU-seconds per second",
             f"what the machine allowed right now: SHA-256 on 2 threads ran {machine:.2f} × "
             "as fast as on 1 (a perfectly parallel job; below 2 means other processes held "
             "the cores)"]

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nmedimg.dataset benchmark ({os.cpu_count()} cores, load average {load}; best of "
          f"{args.repeats}; realistic JPEGs: {m}, mean {size_mb:.0f} KB)\n")
    print(f"| {'what':34} | {'files':>5} | {'ms/image':>8} | {'ratio':>6} | target")
    print(f"|{'-' * 36}|{'-' * 7}|{'-' * 10}|{'-' * 8}|{'-' * 40}")
    for what, count, seconds, ratio, note in rows:
        print(f"| {what:34} | {count:5d} | {1000 * seconds / count:8.3f} | {ratio:6.2f} | {note}")
    print()
    print("\n".join(extra))
    print(f"index of the replica: {index:.2f} s in all")
    print(f"projected contact sheet of the full dataset ({FULL_DATASET} files, 2 threads): "
          f"{FULL_DATASET * sheet2 / m:.1f} s (naive, 1 core: {FULL_DATASET * naive / m:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
