"""Draw a training curve (loss and test accuracy per epoch) as an SVG, with no plotting library.

The input is either a CSV log with the header ``epoch,train_loss,test_accuracy,seconds`` or
the printed output of ``examples/mnist_mlp.py``, whose epoch lines read::

    epoch  3  loss 0.1234  test accuracy 0.9650  (12.3 s, 4,878 images/s)

Usage::

    python scripts/plot_training_curve.py LOG [-o docs/_static/mnist_mlp_curve.svg]
    python examples/mnist_mlp.py --no-progress | python scripts/plot_training_curve.py -
    python scripts/plot_training_curve.py run.txt --csv-out run.csv   # also write the CSV

The SVG has two panels sharing the epoch axis: the training loss on the left and the test
accuracy on the right. Output is deterministic (same log, same bytes).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

FIELDS = ("epoch", "train_loss", "test_accuracy", "seconds")
EPOCH_LINE = re.compile(
    r"^\s*epoch\s+(?P<epoch>\d+)\s+loss\s+(?P<loss>[-+0-9.eE]+|nan|inf)\s+"
    r"test accuracy\s+(?P<acc>[-+0-9.eE]+|nan)\s+\((?P<sec>[0-9.]+)\s*s\b")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "_static" / "mnist_mlp_curve.svg"


@dataclass(frozen=True)
class Record:
    """One epoch of a training log."""

    epoch: int
    train_loss: float
    test_accuracy: float
    seconds: float


def parse_log(text: str) -> list[Record]:
    """Records from a CSV log or from the printed output of ``examples/mnist_mlp.py``.

    A log that holds the same epoch several times (a run resumed from a checkpoint after a
    crash) keeps the last occurrence of each epoch.
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ValueError("the log is empty")
    records: list[Record] = []
    header = [h.strip() for h in lines[0].split(",")]
    if header[:1] == ["epoch"] and all(f in header for f in FIELDS):
        for row in csv.DictReader(io.StringIO("\n".join(lines))):
            records.append(Record(int(row["epoch"]), float(row["train_loss"]),
                                  float(row["test_accuracy"]), float(row["seconds"])))
    else:
        for ln in lines:
            m = EPOCH_LINE.match(ln)
            if m:
                records.append(Record(int(m["epoch"]), float(m["loss"]), float(m["acc"]),
                                      float(m["sec"])))
    if not records:
        raise ValueError("no epochs found: expected a CSV with the header "
                         f"{','.join(FIELDS)} or lines like 'epoch  1  loss 0.3  test "
                         "accuracy 0.9  (5.0 s, ...)'")
    by_epoch = {r.epoch: r for r in records}
    return [by_epoch[e] for e in sorted(by_epoch)]


def to_csv(records: list[Record]) -> str:
    """The records as a CSV log (the format ``parse_log`` reads)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(FIELDS)
    for r in records:
        w.writerow([r.epoch, repr(r.train_loss), repr(r.test_accuracy), repr(r.seconds)])
    return out.getvalue()


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """About ``target`` round tick values covering ``[lo, hi]`` (steps of 1, 2 or 5 x 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"cannot scale an axis to [{lo}, {hi}]")
    if hi <= lo:
        pad = abs(lo) * 0.05 or 0.5
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    k = 0
    while True:
        t = first + k * step
        ticks.append(round(t, 12))
        if t >= hi - 1e-12 * step:
            break
        k += 1
    return ticks


def _fmt(v: float) -> str:
    s = f"{v:.6g}"
    return "0" if s == "-0" else s


def _panel(x0: float, y0: float, w: float, h: float, xs: list[float], ys: list[float],
           title: str, color: str, ylim: tuple[float, float] | None) -> list[str]:
    """SVG elements of one line chart in the box (x0, y0, w, h)."""
    left, right, top, bottom = 56.0, 12.0, 28.0, 40.0
    px0, py0, pw, ph = x0 + left, y0 + top, w - left - right, h - top - bottom
    # Pad the epoch range so the first and last markers do not sit on the frame.
    xmin, xmax = min(xs), max(xs)
    pad = (xmax - xmin) * 0.05 if xmax > xmin else 0.5
    xlo, xhi = xmin - pad, xmax + pad
    xt = [t for t in nice_ticks(xmin, xmax) if xlo <= t <= xhi and float(t).is_integer()]
    finite = [y for y in ys if math.isfinite(y)]
    lo, hi = ylim if ylim else ((min(finite), max(finite)) if finite else (0.0, 1.0))
    yt = nice_ticks(lo, hi)
    ylo, yhi = yt[0], yt[-1]

    def sx(v: float) -> float:
        return px0 + (v - xlo) / (xhi - xlo) * pw

    def sy(v: float) -> float:
        return py0 + ph - (v - ylo) / (yhi - ylo) * ph

    el = [f'<text x="{px0 + pw / 2:.1f}" y="{y0 + 18:.1f}" text-anchor="middle" '
          f'font-weight="bold">{escape(title)}</text>']
    for t in yt:
        y = sy(t)
        el.append(f'<line x1="{px0:.1f}" y1="{y:.1f}" x2="{px0 + pw:.1f}" y2="{y:.1f}" '
                  'stroke="#e3e3e3"/>')
        el.append(f'<text x="{px0 - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    for t in xt:
        x = sx(t)
        el.append(f'<line x1="{x:.1f}" y1="{py0 + ph:.1f}" x2="{x:.1f}" y2="{py0 + ph + 4:.1f}" '
                  'stroke="#555"/>')
        el.append(f'<text x="{x:.1f}" y="{py0 + ph + 17:.1f}" text-anchor="middle">'
                  f'{_fmt(t)}</text>')
    el.append(f'<rect x="{px0:.1f}" y="{py0:.1f}" width="{pw:.1f}" height="{ph:.1f}" '
              'fill="none" stroke="#555"/>')
    el.append(f'<text x="{px0 + pw / 2:.1f}" y="{y0 + h - 6:.1f}" text-anchor="middle">'
              'epoch</text>')
    pts = [(sx(x), sy(y)) for x, y in zip(xs, ys) if math.isfinite(y)]
    if len(pts) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        el.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
    for (x, y), v in zip(pts, [y for y in ys if math.isfinite(y)]):
        el.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}">'
                  f'<title>{_fmt(v)}</title></circle>')
    return el


def render_svg(records: list[Record], title: str = "") -> str:
    """A two-panel SVG: training loss and test accuracy against the epoch."""
    width, height = 760, 320
    head = 30 if title else 0
    epochs = [float(r.epoch) for r in records]
    acc = [r.test_accuracy for r in records]
    finite_acc = [a for a in acc if math.isfinite(a)]
    acc_lim = (min(finite_acc), max(finite_acc)) if finite_acc else (0.0, 1.0)
    total = sum(r.seconds for r in records)
    last = records[-1]
    summary = (f"{len(records)} epoch{'s' if len(records) != 1 else ''}, final test accuracy "
               f"{last.test_accuracy:.4f}, {total:.1f} s of training")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height + head + 22}" viewBox="0 0 {width} {height + head + 22}" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">',
           f'<title>{escape(title or "training curve")}: {escape(summary)}</title>',
           f'<rect width="{width}" height="{height + head + 22}" fill="white"/>']
    if title:
        out.append(f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" '
                   f'font-weight="bold">{escape(title)}</text>')
    out += [f'<g transform="translate(0,{head})">',
            *_panel(0, 0, width / 2, height, epochs, [r.train_loss for r in records],
                    "training loss", "#1f77b4", None),
            *_panel(width / 2, 0, width / 2, height, epochs, acc, "test accuracy", "#d62728",
                    acc_lim),
            "</g>",
            f'<text x="{width / 2}" y="{height + head + 14}" text-anchor="middle" '
            f'fill="#555">{escape(summary)}</text>',
            "</svg>"]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("log", help="CSV log or captured stdout of examples/mnist_mlp.py ('-' = stdin)")
    p.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT, help="SVG file to write")
    p.add_argument("--csv-out", type=Path, help="also write the parsed records as a CSV log")
    p.add_argument("--title", default="MNIST MLP (784-256-128-10, Adam)")
    args = p.parse_args(argv)
    text = sys.stdin.read() if args.log == "-" else Path(args.log).read_text(encoding="utf-8")
    records = parse_log(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render_svg(records, args.title), encoding="utf-8")
    if args.csv_out:
        args.csv_out.write_text(to_csv(records), encoding="utf-8")
    print(f"wrote {args.output} ({len(records)} epochs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
