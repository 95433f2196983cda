"""What every bench hands to ``make bench``'s report, and the report itself.

A bench ends with one call::

    from bench import report
    report.contribute(
        "dosis_ingest",
        rows=[report.row("HTTP bulk uploads answered", 11606, "uploads/s", baseline=("bare COPY", 32462),
                         target=0.25)],
        series={"notification_latency": [...]},   # optional: the plots' points
        raw=results,                               # optional: everything it measured
    )

which writes ``var/bench/contributions/<bench>.json``. ``python -m bench.report`` (the last step of
``make bench``) gathers the contributions of the run into ``bench/results/<date>.json`` and
``bench/results/<date>.md`` (one table: every figure, its baseline from the same run, the ratio and the
target), and PNG plots next to them (matplotlib, headless):

- ``<date>-throughput.png``: each path's rate against its baseline, measured in the same run;
- ``<date>-notifications.png``: acceptance-to-SMTP latency (p50/p95/p99) per offered rate;
- ``<date>-growth.png``: the portal overview's p50/p95 against the number of citizens.

A row is a figure with, where there is one, the baseline it is judged against (same unit, same run):
``ratio`` is value / baseline, and ``target`` the ratio to reach (for a lower-is-better unit, the ratio
not to exceed). Series names the plots know: ``notification_latency`` (points with ``offered_per_s``,
``p50_s``, ``p95_s``, ``p99_s``) and ``growth`` (points with ``citizens``, ``p50_ms``, ``p95_ms``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

BASE_DIR = Path(os.environ.get("BURGERPROFIEL_BASE_DIR", Path.cwd())).resolve()
CONTRIBUTIONS = BASE_DIR / "var" / "bench" / "contributions"
RESULTS = BASE_DIR / "bench" / "results"
STARTED = CONTRIBUTIONS / "started-at"  # written by --reset: how long the whole run took
QUICK_BUDGET_S = 600  # issue 14: make bench QUICK=1 finishes in under 10 minutes
RATE_UNITS = ("/s", "per s", "per second")


def quick_run() -> bool:
    """``QUICK=1`` (``make bench QUICK=1``): every bench runs at its small sizes."""
    return os.environ.get("QUICK", "") not in ("", "0")


def row(
    name: str,
    value: float,
    unit: str,
    *,
    baseline: tuple[str, float] | None = None,
    target: float | None = None,
    higher_is_better: bool | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One figure of the report; ``baseline`` is (what, value) in the same unit, from the same run."""
    if higher_is_better is None:
        higher_is_better = unit.endswith(RATE_UNITS)
    ratio = value / baseline[1] if baseline and baseline[1] else None
    met = None
    if ratio is not None and target is not None:
        met = ratio >= target if higher_is_better else ratio <= target
    elif ratio is None and target is not None:  # a target on the value itself (a p95 in ms, say)
        met = value >= target if higher_is_better else value <= target
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": {"name": baseline[0], "value": baseline[1]} if baseline else None,
        "ratio": ratio,
        "target": target,
        "target_met": met,
        "higher_is_better": higher_is_better,
        "note": note,
    }


def contribute(
    bench: str,
    *,
    rows: list[dict[str, Any]],
    series: dict[str, list[dict[str, Any]]] | None = None,
    raw: Any = None,
) -> Path:
    """Hand this bench's figures to the report of the current ``make bench`` run."""
    CONTRIBUTIONS.mkdir(parents=True, exist_ok=True)
    path = CONTRIBUTIONS / f"{bench}.json"
    document = {
        "bench": bench,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": quick_run(),
        "rows": rows,
        "series": series or {},
        "raw": raw,
    }
    path.write_text(json.dumps(document, indent=2, default=str))
    return path


def reset() -> None:
    """Forget the contributions of an earlier run (``make bench`` starts with this)."""
    if CONTRIBUTIONS.exists():
        for path in CONTRIBUTIONS.glob("*.json"):
            path.unlink()
    CONTRIBUTIONS.mkdir(parents=True, exist_ok=True)
    STARTED.write_text(dt.datetime.now(dt.UTC).isoformat())


# --- the report --------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def _verdict(r: dict[str, Any]) -> str:
    if r["target"] is None:
        return ""
    sign = "≥" if r["higher_is_better"] else "≤"
    if r["ratio"] is None:
        target = f"{_fmt(r['target'])} {r['unit']}"
    else:
        target = f"{r['target']:.0%}" if r["higher_is_better"] else f"{r['target']:g}x"
    return f"{'met' if r['target_met'] else 'NOT met'} ({sign} {target})"


def _duration(meta: dict[str, Any]) -> str:
    minutes = meta["duration_s"] / 60
    line = f"The whole run took {minutes:.1f} minutes"
    if meta["quick"]:
        within = meta["duration_s"] < QUICK_BUDGET_S
        line += f" ({'within' if within else 'OVER'} the {QUICK_BUDGET_S // 60}-minute budget of a QUICK run)"
    return line + ".\n"


def markdown(contributions: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        f"# make bench — {meta['date']}",
        "",
        f"commit `{meta['git_commit']}`, {meta['cpus']} CPUs, {meta['platform']}, Python {meta['python']}"
        + (" — **QUICK run: small sizes, figures indicative only**" if meta["quick"] else ""),
        "",
        *([_duration(meta)] if meta.get("duration_s") is not None else []),
        "| bench | figure | value | unit | baseline (same run) | ratio | target |",
        "|---|---|---:|---|---|---:|---|",
    ]
    for contribution in contributions:
        for r in contribution["rows"]:
            baseline = f"{r['baseline']['name']}: {_fmt(r['baseline']['value'])}" if r["baseline"] else ""
            ratio = "" if r["ratio"] is None else f"{r['ratio']:.1%}" if r["higher_is_better"] else f"{r['ratio']:.2f}x"
            lines.append(
                f"| {contribution['bench']} | {r['name']} | {_fmt(r['value'])} | {r['unit']} | {baseline} | {ratio} "
                f"| {_verdict(r)} |"
            )
    notes = [f"- {c['bench']}: {r['name']}: {r['note']}" for c in contributions for r in c["rows"] if r.get("note")]
    if notes:
        lines += ["", "Notes:", "", *notes]
    missing = meta.get("missing") or []
    if missing:
        lines += ["", f"Benches that contributed nothing this run: {', '.join(missing)}."]
    return "\n".join(lines) + "\n"


def plots(contributions: list[dict[str, Any]], stem: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    written: list[Path] = []
    paths = [
        (c["bench"], r)
        for c in contributions
        for r in c["rows"]
        if r["baseline"] and r["higher_is_better"] and r["unit"].endswith(RATE_UNITS)
    ]
    if paths:
        fig, ax = plt.subplots(figsize=(10, 0.45 * len(paths) + 1.5))
        labels = [f"{bench}: {r['name']}" for bench, r in paths]
        y = range(len(paths))
        ax.barh([i + 0.2 for i in y], [r["baseline"]["value"] for _, r in paths], 0.4, label="baseline", color="#bbb")
        ax.barh([i - 0.2 for i in y], [r["value"] for _, r in paths], 0.4, label="measured", color="#2a6ebb")
        for i, (_, r) in enumerate(paths):
            ax.annotate(f"{r['ratio']:.0%}", (r["value"], i - 0.2), xytext=(4, -3), textcoords="offset points")
        ax.set_yticks(list(y), labels, fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("per second (log scale); label: measured / baseline")
        ax.set_title("Throughput per path against its baseline, same run")
        ax.legend(loc="best", fontsize=8)
        ax.invert_yaxis()
        fig.tight_layout()
        written.append(_save(fig, stem, "throughput"))
    latency = [p for c in contributions for p in c["series"].get("notification_latency", [])]
    if latency:
        latency.sort(key=lambda p: p["offered_per_s"])
        fig, ax = plt.subplots(figsize=(7, 4.5))
        rates = [p["offered_per_s"] for p in latency]
        for key, style in (("p50_s", "o-"), ("p95_s", "s-"), ("p99_s", "^-")):
            ax.plot(rates, [max(p[key], 1e-3) for p in latency], style, label=key.removesuffix("_s"))
        ax.axhline(1.0, color="red", linestyle="--", linewidth=1, label="1 s")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("offered meldingen per second")
        ax.set_ylabel("accepted → SMTP hand-off (s)")
        ax.set_title("Notification latency per offered rate")
        ax.legend()
        fig.tight_layout()
        written.append(_save(fig, stem, "notifications"))
    growth = [p for c in contributions for p in c["series"].get("growth", [])]
    if growth:
        growth.sort(key=lambda p: p["citizens"])
        fig, ax = plt.subplots(figsize=(7, 4.5))
        citizens = [p["citizens"] for p in growth]
        ax.plot(citizens, [p["p50_ms"] for p in growth], "o-", label="p50")
        ax.plot(citizens, [p["p95_ms"] for p in growth], "s-", label="p95")
        ax.axhline(20.0, color="red", linestyle="--", linewidth=1, label="20 ms (p95 target)")
        ax.set_xscale("log")
        ax.set_xlabel("citizens (10 dossiers each)")
        ax.set_ylabel("portal overview (ms)")
        ax.set_ylim(bottom=0)
        ax.set_title("Portal overview latency as the platform grows")
        ax.legend()
        fig.tight_layout()
        written.append(_save(fig, stem, "growth"))
    return written


def _save(fig: Any, stem: Path, name: str) -> Path:
    import matplotlib.pyplot as plt

    path = stem.with_name(f"{stem.name}-{name}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _meta(quick: bool) -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - read-only, labels the results
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    now = dt.datetime.now(dt.UTC)
    return {
        "date": now.date().isoformat(),
        "generated_at": now.isoformat(timespec="seconds"),
        "git_commit": commit,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "quick": quick,
    }


EXPECTED = (
    "run",
    "dosis_ingest",
    "notifications",
    "notifications_faults",
    "portal_overview",
    "webhooks",
    "mixed_load",
    "sizing",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the results go (default bench/results)")
    parser.add_argument("--reset", action="store_true", help="only forget earlier contributions")
    args = parser.parse_args(argv)
    if args.reset:
        reset()
        return 0
    contributions = [json.loads(p.read_text()) for p in sorted(CONTRIBUTIONS.glob("*.json"))]
    if not contributions:
        print("no bench contributed figures (var/bench/contributions is empty)", file=sys.stderr)
        return 1
    order = {name: i for i, name in enumerate(EXPECTED)}
    contributions.sort(key=lambda c: order.get(c["bench"], len(order)))
    meta = _meta(any(c.get("quick") for c in contributions))
    if STARTED.exists():
        started = dt.datetime.fromisoformat(STARTED.read_text().strip())
        meta["duration_s"] = round((dt.datetime.now(dt.UTC) - started).total_seconds())
    meta["missing"] = [name for name in EXPECTED if name not in {c["bench"] for c in contributions}]
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / meta["date"]
    text = markdown(contributions, meta)
    stem.with_suffix(".md").write_text(text)
    pictures = plots(contributions, stem)
    meta["plots"] = [p.name for p in pictures]
    stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "benches": contributions}, indent=2, default=str))
    print(text)
    print(f"results: {stem.with_suffix('.json')}, {stem.with_suffix('.md')}, " + ", ".join(str(p) for p in pictures))
    failed = [r["name"] for c in contributions for r in c["rows"] if r["target_met"] is False]
    if failed:
        print(f"targets not met: {'; '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
