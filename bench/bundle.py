"""Benchmark: chunked bundle pipeline against one-pass WeasyPrint of the same HTML.

    python bench/bundle.py --pages 500,2000,10000 [--workers 1,2] [--modes chunked,one-pass]
                           [--one-pass-max 10000] [--timeout 3600] [--chunk-chars N] [--repeat N]

For each size, both pipelines render the same generated records (rights.bundles.sample) in a fresh process;
this script samples the resident memory of that process and all its children every 0.1 s and reports wall
time, pages per second, CPU seconds (user and system, the whole process tree, from the kernel) and two peaks
of the process tree's memory, sampled together:

* **PSS** (proportional set size, the goal's measure): each process's private pages plus its share of the
  pages it shares. Summed over a tree it counts each physical page once, so it is the memory the run
  actually takes from the machine. The chunked pipeline's processes map the same Python, Pango, HarfBuzz
  and font files; a sum of RSS counts those pages once per process, one-pass's single process once.
* **RSS summed** over the tree (the figure quoted before PSS was measured; kept for comparison): an upper
  bound that charges the chunked pipeline several times for one set of shared pages. The larger of the
  sampled sum and the largest single process's own maximum (from the kernel, when the run is reaped) if a
  spike fell between samples. The chunked pipeline runs once per worker
count given, so the memory and speed of each are in one table; ``--repeat`` runs every comparison again
(one-pass and chunked alternate, so a change of load hits both), and ratios are of runs in the same round.
The chunked pipeline is given the records as a generator (it spills them to a temporary file as they come);
one-pass needs them all to build its HTML. CPU seconds do not depend on how busy the machine is the way wall
time does: on a shared machine compare those too.
Goals (issue): at 2,000 pages the chunked pipeline at least 2x faster with at most 25% of one-pass peak
memory; its peak at 10,000 pages within 1.2x of that at 2,000. Numbers depend on the cores free at the
time: say so when quoting.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

# psutil is imported by the measuring process only, never by the measured run (it would count there).

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _meta():
    from rights.bundles.bundle import BundleMeta

    return BundleMeta(reference="SAR-2026-0042", council_name="Exampleshire County Council",
                      prepared_on=date(2026, 11, 30), draft=True)


def run_one(mode: str, pages: int, workers: int, out: str, chunk_chars: int | None) -> None:
    """Child process: render one bundle and print its page count as JSON."""
    from rights.bundles import bundle, parts, render, sample

    withheld = sample.withheld()
    if mode == "chunked":
        records = sample.iter_records(pages)
        extra = {"max_chunk_chars": chunk_chars} if chunk_chars else {}
        # Its temporary files go beside the output, in the directory the parent removes even after a timeout.
        result = bundle.render_bundle(_meta(), records, withheld, out,
                                      render.RenderLimits(workers=workers, seconds=3600),
                                      workdir=Path(out).parent, **extra)
        print(json.dumps({"pages": result.pages, "chunks": result.chunks}))
    else:
        doc = render.document(parts.one_pass_html(_meta(), sample.records(pages), withheld))
        doc.write_pdf(out)
        print(json.dumps({"pages": len(doc.pages), "chunks": 1}))


def measure(mode: str, pages: int, workers: int, timeout: int, chunk_chars: int | None) -> dict[str, object]:
    import psutil

    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / f"{mode}.pdf")
        out_log, err_log = open(Path(tmp) / "stdout", "w+"), open(Path(tmp) / "stderr", "w+")  # noqa: SIM115
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--run", mode, "--pages", str(pages),
                                 "--workers", str(workers), "--out", out,
                                 *([f"--chunk-chars={chunk_chars}"] if chunk_chars else [])],
                                cwd=ROOT, stdout=out_log, stderr=err_log, text=True)
        root = psutil.Process(proc.pid)
        peak = peak_pss = 0
        status = None
        while status is None:
            pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:  # reaped here, so its rusage (max RSS of it and its reaped descendants) is ours to read
                status, child_max = os.waitstatus_to_exitcode(wait_status), usage.ru_maxrss * 1024
                cpu = usage.ru_utime + usage.ru_stime
                break
            if time.perf_counter() - start > timeout:
                for child in root.children(recursive=True):
                    child.kill()
                proc.kill()
                proc.wait()
                out_log.close()
                err_log.close()
                # The peak so far still says something (a render holds its peak while it runs): keep it.
                return {"mode": mode, "target": pages,
                        "error": f"timed out after {timeout}s; peak so far {round(peak / 2**20)} MB"}
            total = total_pss = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        info = p.memory_full_info()  # from /proc/PID/smaps_rollup: rss and pss together
                        total += info.rss
                        total_pss += info.pss
            except psutil.Error:
                pass
            peak = max(peak, total)
            peak_pss = max(peak_pss, total_pss)
            time.sleep(0.1)
        wall = time.perf_counter() - start
        proc.returncode = status
        out_log.seek(0)
        err_log.seek(0)
        stdout, stderr = out_log.read(), err_log.read()
        out_log.close()
        err_log.close()
        # The sampled sum can miss a spike shorter than the interval; no single process ever exceeds its own
        # maximum, so the peak reported is the larger of the two.
        peak = max(peak, child_max)
        if status != 0:
            return {"mode": mode, "target": pages, "error": stderr.strip().splitlines()[-1:]}
        info = json.loads(stdout.strip().splitlines()[-1])
        return {"mode": mode, "target": pages, "pages": info["pages"], "chunks": info["chunks"],
                "wall_s": round(wall, 1), "pages_per_s": round(info["pages"] / wall, 1), "cpu_s": round(cpu, 1),
                "peak_pss_mb": round(peak_pss / 2**20), "peak_rss_mb": round(peak / 2**20)}


def _counts(text: str) -> list[int]:
    """``--pages`` and ``--workers``: positive whole numbers, comma-separated; argparse reports a bad one."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, got {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected numbers of at least 1, got {text!r}")
    return counts


def _modes(text: str) -> list[str]:
    modes = text.split(",")
    unknown = sorted(set(modes) - {"chunked", "one-pass"})
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown pipeline(s) {', '.join(unknown)}: use chunked, one-pass")
    return modes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--pages", default=[500, 2000, 10000], type=_counts, help="page counts, comma-separated")
    parser.add_argument("--workers", default=None, type=_counts,
                        help="chunked pipeline's worker processes, one count or several (1,2); default: the "
                             "product default (RenderLimits)")
    parser.add_argument("--chunk-chars", type=int, default=None,
                        help="max_chunk_chars of the chunked pipeline (default: the product default)")
    parser.add_argument("--modes", default="chunked,one-pass", type=_modes, help="pipelines to run (chunked, one-pass)")
    parser.add_argument("--one-pass-max", type=int, default=10_000, help="skip one-pass above this size")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed to each run")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every comparison")
    parser.add_argument("--run", choices=("chunked", "one-pass"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workers is None:
        from rights.bundles.render import RenderLimits

        args.workers = [RenderLimits().workers]
    worker_counts = args.workers
    if args.run:
        run_one(args.run, args.pages[0], worker_counts[0], args.out, args.chunk_chars)
        return
    import psutil

    modes = args.modes
    print(f"cores: {psutil.cpu_count()}, load average: {psutil.getloadavg()}, "
          f"max_chunk_chars: {args.chunk_chars or 'default'}")
    print(f"{'round':>5} {'target':>7} {'mode':>12} {'pages':>6} {'chunks':>6} {'wall s':>8} {'pages/s':>8} "
          f"{'CPU s':>8} {'PSS MB':>8} {'RSS MB':>8} {'load':>5}")
    rows = []
    for rnd in range(1, args.repeat + 1):
        for pages in args.pages:
            runs = [("chunked", w) for w in worker_counts if "chunked" in modes]
            if "one-pass" in modes and pages <= args.one_pass_max:
                runs.insert(len(runs) // 2 if rnd % 2 == 0 else len(runs), ("one-pass", 1))
            for mode, workers in runs:
                row = measure(mode, pages, workers, args.timeout, args.chunk_chars)
                row["label"] = f"chunked/{workers}w" if mode == "chunked" else mode
                row["round"] = rnd
                rows.append(row)
                load = psutil.getloadavg()[0]
                if "error" in row:
                    print(f"{rnd:>5} {pages:>7} {row['label']:>12} error: {row['error']}", flush=True)
                else:
                    print(f"{rnd:>5} {pages:>7} {row['label']:>12} {row['pages']:>6} {row['chunks']:>6} "
                          f"{row['wall_s']:>8} {row['pages_per_s']:>8} {row['cpu_s']:>8} "
                          f"{row['peak_pss_mb']:>8} {row['peak_rss_mb']:>8} "
                          f"{load:>5.1f}", flush=True)
    print(f"load average at the end: {psutil.getloadavg()}")
    by = {(r["round"], r["target"], r["label"]): r for r in rows if "error" not in r}
    for rnd in range(1, args.repeat + 1):
        for workers in worker_counts:
            label = f"chunked/{workers}w"
            for pages in sorted({r["target"] for r in rows}):
                c, o = by.get((rnd, pages, label)), by.get((rnd, pages, "one-pass"))
                if c and o:
                    print(f"round {rnd}, {pages}, {label}: {o['wall_s'] / c['wall_s']:.2f}x the speed of one-pass "
                          f"(CPU time {c['cpu_s'] / o['cpu_s']:.2f}x one-pass's), "
                          f"{100 * c['peak_pss_mb'] / o['peak_pss_mb']:.0f}% of its peak memory (PSS; "
                          f"summed RSS {100 * c['peak_rss_mb'] / o['peak_rss_mb']:.0f}%)")
            if by.get((rnd, 2000, label)) and by.get((rnd, 10000, label)):
                big, small = by[(rnd, 10000, label)], by[(rnd, 2000, label)]
                print(f"round {rnd}, {label}: peak at 10,000 / at 2,000: "
                      f"{big['peak_pss_mb'] / small['peak_pss_mb']:.2f}x (PSS; "
                      f"summed RSS {big['peak_rss_mb'] / small['peak_rss_mb']:.2f}x)")


if __name__ == "__main__":
    main()
