"""Run numpygrad's benchmark suite and print a markdown table.

    python benchmarks/run.py                    # everything, 1 and 2 BLAS threads
    python benchmarks/run.py --quick            # fast smoke run (small sizes, few rounds)
    python benchmarks/run.py --threads 2 --cases mlp chain --repeat 50
    python benchmarks/run.py --profile --cases mlp --threads 2   # + cProfile of numpygrad
    python benchmarks/run.py --output results.md

For every thread count the suite re-executes itself in a subprocess with
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS set before NumPy is
imported (and ``torch.set_num_threads``), runs the cases there and reports
one table per thread count. Within a case the variants (hand-written NumPy,
numpygrad, PyTorch when installed) are timed round-robin in the same process
and the table shows medians and numpygrad's ratio to each. See
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:  # `python benchmarks/run.py` puts benchmarks/ first, not the repo
    sys.path.insert(0, str(REPO))

from benchmarks.cases import CASES  # noqa: E402  (needs the path above)

CHILD_ENV = "NPG_BENCH_CHILD"
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "NPG_BENCH_THREADS")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="numpygrad benchmark suite: hand-written NumPy vs numpygrad vs PyTorch",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="cases: " + ", ".join(CASES))
    p.add_argument("--quick", action="store_true",
                   help="fast smoke run: few rounds, 4096-image epochs, 100-step growth")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], metavar="N",
                   help="BLAS/torch thread counts, one subprocess and table each (default: 1 2)")
    p.add_argument("--cases", nargs="+", default=list(CASES), metavar="CASE",
                   help=f"cases to run (default: all): {' '.join(CASES)}")
    p.add_argument("--repeat", type=int, default=None, metavar="ROUNDS",
                   help="rounds of round-robin interleaving per case (default: per case)")
    p.add_argument("--output", type=Path, default=None, metavar="PATH",
                   help="also write the markdown report to PATH")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    p.add_argument("--profile", action="store_true",
                   help="append cProfile top entries of numpygrad's side of each timed case")
    p.add_argument("--profile-top", type=int, default=15, metavar="N")
    p.add_argument("--json", type=Path, default=None, help=argparse.SUPPRESS)  # child -> parent
    args = p.parse_args(argv)
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        p.error(f"unknown case(s) {unknown}; choose from {list(CASES)}")
    if any(t < 1 for t in args.threads):
        p.error("--threads takes positive integers")
    return args


# ============================================================================ child
def blas_info() -> dict[str, Any]:
    import numpy as np

    info: dict[str, Any] = {"numpy": np.__version__}
    try:
        info["blas"] = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    except Exception:
        info["blas"] = "?"
    try:  # the thread count OpenBLAS really uses (scipy-openblas wheels)
        import ctypes

        with open("/proc/self/maps") as f:
            libs = sorted({ln.split()[-1] for ln in f if "openblas" in ln.lower()})
        for lib in libs:
            dll = ctypes.CDLL(lib)
            for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                         "openblas_get_num_threads"):
                if hasattr(dll, name):
                    info["blas_threads"] = int(getattr(dll, name)())
                    break
    except Exception:
        pass
    return info


def run_child(args: argparse.Namespace) -> int:
    from benchmarks.common import Settings, get_torch

    threads = int(os.environ.get("NPG_BENCH_THREADS", "0")) or None
    settings = Settings(quick=args.quick, repeat=args.repeat, threads=threads,
                        use_torch=not args.no_torch, profile=args.profile,
                        profile_top=args.profile_top)
    torch = get_torch(settings)
    env = blas_info()
    env["torch"] = (None if torch is None
                    else f"{torch.__version__} ({torch.get_num_threads()} threads)")
    rows, profiles, errors = [], [], []
    for name in args.cases:
        from benchmarks import cases

        t0 = time.perf_counter()
        print(f"[threads={threads}] {name} ...", file=sys.stderr, flush=True)
        try:
            r, p = cases.get(name)(settings)
        except Exception as exc:  # report and go on with the other cases
            errors.append({"case": name, "error": f"{type(exc).__name__}: {exc}",
                           "traceback": traceback.format_exc()})
            print(f"[threads={threads}] {name} FAILED: {exc}", file=sys.stderr, flush=True)
            continue
        rows.extend(x.to_json() for x in r)
        profiles.extend(p)
        print(f"[threads={threads}] {name} done in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr, flush=True)
    out = {"threads": threads, "env": env, "rows": rows, "profiles": profiles, "errors": errors}
    if args.json is not None:
        args.json.write_text(json.dumps(out))
    else:
        print(render_section(out))
    return 1 if errors else 0


# ============================================================================ report
def _cell_ratio(row: Any, other: str) -> str:
    r = row.ratio(other)
    if r is None:
        return "n/a"
    if row.kind == "mem":
        from benchmarks.common import fmt_bytes

        return fmt_bytes(r, signed=True)
    return f"{r:.2f}x"


def render_table(rows: list[dict[str, Any]]) -> str:
    from benchmarks.common import Row, fmt_bytes, fmt_time

    head = ("| case | numpy | numpygrad | torch | npg / numpy | npg / torch | target | met "
            "| notes |\n|---|---:|---:|---:|---:|---:|---|:-:|---|")
    lines = [head]
    for d in rows:
        row = Row.from_json(d)
        fmt = fmt_bytes if row.kind == "mem" else fmt_time
        vals = [fmt(row.values.get(k)) for k in ("numpy", "numpygrad", "torch")]
        met = {True: "yes", False: "**NO**", None: "n/a"}[row.met]
        lines.append(f"| {row.case} | {' | '.join(vals)} | {_cell_ratio(row, 'numpy')} | "
                     f"{_cell_ratio(row, 'torch')} | {row.target} | {met} | {row.note} |")
    return "\n".join(lines)


def render_section(res: dict[str, Any]) -> str:
    env = res["env"]
    threads = res["threads"]
    title = f"## {threads} thread{'s' if threads != 1 else ''}" if threads else "## threads unset"
    blas = f"{env.get('blas', '?')}"
    if "blas_threads" in env:
        blas += f", {env['blas_threads']} BLAS thread(s) in effect"
    parts = [title, "",
             f"numpy {env.get('numpy')} ({blas}); torch: {env.get('torch') or 'not installed'}",
             ""]
    if res["rows"]:
        parts.append(render_table(res["rows"]))
    for err in res["errors"]:
        parts.append(f"\n**{err['case']} FAILED**: {err['error']}\n\n```\n"
                     f"{err['traceback'].strip()[-3000:]}\n```")
    return "\n".join(parts) + "\n"


def machine_header(args: argparse.Namespace, load_before: tuple[float, ...] | None,
                   load_after: tuple[float, ...] | None) -> str:
    def fmt_load(v: tuple[float, ...] | None) -> str:
        return "?" if v is None else " / ".join(f"{x:.2f}" for x in v)

    lines = [
        "# numpygrad benchmarks" + (" (--quick: smoke-run sizes, not for comparisons)"
                                    if args.quick else ""),
        "",
        f"{datetime.datetime.now().isoformat(timespec='seconds')}, "
        f"{platform.node()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"load average (1/5/15 min) before: {fmt_load(load_before)}, after: "
        f"{fmt_load(load_after)} -- on a busy machine the times are unreliable",
        "",
        "Times are medians of round-robin interleaved runs; 'npg / numpy' and 'npg / torch' "
        "are numpygrad's time divided by the other's (memory rows: differences).",
        "",
        "",
    ]
    return "\n".join(lines)


def _loadavg() -> tuple[float, ...] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def run_parent(args: argparse.Namespace) -> int:
    load_before = _loadavg()
    sections, profiles, status = [], [], 0
    cleaned = ["--cases", *args.cases]
    if args.quick:
        cleaned.append("--quick")
    if args.repeat is not None:
        cleaned += ["--repeat", str(args.repeat)]
    if args.no_torch:
        cleaned.append("--no-torch")
    if args.profile:
        cleaned += ["--profile", "--profile-top", str(args.profile_top)]
    for t in args.threads:
        env = dict(os.environ)
        for var in THREAD_VARS:
            env[var] = str(t)
        env[CHILD_ENV] = "1"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        with tempfile.TemporaryDirectory() as tmp:
            out_json = Path(tmp) / "result.json"
            cmd = [sys.executable, str(Path(__file__).resolve()), *cleaned, "--json", str(out_json)]
            proc = subprocess.run(cmd, env=env, cwd=REPO)
            if not out_json.exists():
                sections.append(f"## {t} thread(s)\n\n**the benchmark process failed** "
                                f"(exit status {proc.returncode})\n")
                status = 1
                continue
            res = json.loads(out_json.read_text())
        if proc.returncode != 0:
            status = 1
        sections.append(render_section(res))
        profiles.extend(f"{p.replace('### profile:', f'### [{t} thread(s)] profile:', 1)}"
                        for p in res["profiles"])
    report = machine_header(args, load_before, _loadavg()) + "\n".join(sections)
    if profiles:
        report += "\n## Profiles (numpygrad side)\n\n" + "\n".join(profiles)
    print(report)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report)
        print(f"(written to {args.output})", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if os.environ.get(CHILD_ENV) == "1":
        return run_child(args)
    return run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
