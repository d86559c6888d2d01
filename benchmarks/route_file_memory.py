"""Memory and speed of routing a file: streamed ``route_file`` against reading it all first.

Run from the repository root::

    python benchmarks/route_file_memory.py              # 1,000,000 generated rows + real_pool
    python benchmarks/route_file_memory.py --rows 100000 --no-real

Each case runs in a fresh subprocess and reports its peak resident memory (``ru_maxrss``).

- generated rows use a fast stand-in model with the ``route_many`` interface, so the
  figures are about reading, checking and writing rows, not about the classifier;
- ``real_pool.csv`` (from ``shared_data_dir()``) uses the default model.

The baseline does what a script without streaming does: ``read_table`` the whole file, check
and route every text in one ``route_many`` call, then write the rows.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import csv, resource, sys
from hotline_classify.io import choose_text_columns, read_table, record_text, route_file
from hotline_classify.normalize import normalize_text
from hotline_classify.routing import Route

class Fast:
    def route_many(self, texts):
        return [Route("12345", "social", 0.9, (("停水", 0.1),), False) for _ in texts]

mode, model_kind, src, out = sys.argv[1:]
if model_kind == "fast":
    model = Fast()
else:
    from hotline_classify import HotlineClassifier
    model = HotlineClassifier.default()
if mode == "stream":
    rows = route_file(src, out, model).rows
else:
    table = read_table(src)
    cols = choose_text_columns(table, None)
    texts = [record_text(r, cols) for r in table.records]
    # the same check route_file makes: is anything left once cleaned?
    texts = [(t, "no text left") if t and not normalize_text(t) else (t, e) for t, e in texts]
    ok = [t for t, err in texts if err is None]
    routes = iter(model.route_many(ok))
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(table.columns + ["hotline", "error"])
        for record, (t, err) in zip(table.records, texts):
            hotline = next(routes).hotline if err is None else ""
            w.writerow(list(record.values.values()) + [hotline, err or ""])
    rows = len(table.records)
print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

TEXT = "第{0}号工单：小区物业乱收停车费，多次反映无果，商家拒绝退款。" * 4


def generate(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "text"])
        w.writerows([f"W{i}", "" if i % 3 else f"标题{i}", TEXT.format(i)] for i in range(n))


def run(mode: str, model_kind: str, src: Path, out: Path) -> tuple[int, float, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, model_kind, str(src), str(out)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    rows, peak_kib = map(int, done.stdout.split())
    return rows, seconds, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="generated rows")
    parser.add_argument("--no-real", action="store_true", help="skip real_pool.csv")
    args = parser.parse_args()

    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "generated.csv"
        generate(src, args.rows)
        size = src.stat().st_size / 2**20
        for mode in ("stream", "read-all"):
            cases.append((f"generated {size:.0f} MiB, fast model", mode, "fast", src))
        if not args.no_real:
            from hotline_classify import HotlineClassifier
            from hotline_classify.datasets import shared_data_dir

            HotlineClassifier.default()  # train and cache it now, not inside a timed run
            pool = shared_data_dir() / "real_pool.csv"
            for mode in ("stream", "read-all"):
                cases.append(("real_pool.csv, default model", mode, "default", pool))
        print(f"| {'input':<32} | {'method':<22} | rows | seconds | rows/s | peak RSS MiB |")
        print(f"|{'-' * 34}|{'-' * 24}|---:|---:|---:|---:|")
        for label, mode, kind, path in cases:
            rows, seconds, peak = run(mode, kind, path, Path(tmp) / "out.csv")
            method = "route_file (streamed)" if mode == "stream" else "read all, route, write"
            print(
                f"| {label:<32} | {method:<22} | {rows} | {seconds:.1f} | "
                f"{rows / seconds:,.0f} | {peak:,.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
