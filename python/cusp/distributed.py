"""Many cases on a Dask distributed cluster: the same per-case run as ``cusp batch`` (one case file in, its own
output folder out, a failure recorded and the rest going on, finished cases skipped), with the same summary
(``summary.json`` and ``summary.csv``). Point ``client`` at a ``LocalCluster`` or at the cluster a team already
runs; cusp only needs to be installed on its workers.
"""

from __future__ import annotations

import csv
import json
import os
import time
from typing import Any, Dict, List, Optional, Sequence

from . import _cusp

__all__ = ["run_one", "run_cases"]


def run_one(case: str, out_dir: str) -> Dict[str, Any]:
    """Runs one case file into ``out_dir`` (skipped when its report.json is there): a summary row."""
    started = time.monotonic()
    report = os.path.join(out_dir, "report.json")
    try:
        name = _cusp.case_name(case)
    except _cusp.CuspError as e:
        return {"name": os.path.splitext(os.path.basename(case))[0], "status": "failed", "seconds": 0.0,
                "scenario": case, "error": str(e), "figures": None, "output": out_dir}
    row = {"name": name, "scenario": case, "output": out_dir, "error": ""}
    if os.path.exists(report):
        with open(report, encoding="utf-8") as f:
            figures = json.loads(_cusp.key_figures(f.read()))
        return {**row, "status": "done earlier", "seconds": 0.0, "figures": figures}
    try:
        figures = json.loads(_cusp.run_case(case, out_dir))
        status, error = "done", ""
    except _cusp.CuspError as e:
        figures, status, error = None, "failed", str(e)
    return {**row, "status": status, "seconds": round(time.monotonic() - started, 1), "error": error,
            "figures": figures}


def run_cases(cases: Sequence[str], out: str, client: Optional[Any] = None) -> List[Dict[str, Any]]:
    """Runs every case file, each into ``out/cases/<name>/``, on ``client`` (a ``dask.distributed.Client``;
    None: one after another here). Writes ``out/summary.json`` and ``out/summary.csv`` in the cases' order
    and returns the rows. Two cases of one name stop the run before any starts."""
    cases = [os.path.abspath(c) for c in cases]
    names = [_cusp.case_name(c) for c in cases]
    seen: Dict[str, str] = {}
    for n, c in zip(names, cases):
        if n in seen:
            raise _cusp.CuspError(f"{seen[n]} and {c} are both named '{n}': each case needs a name of its own")
        seen[n] = c
    dirs = [os.path.join(os.path.abspath(out), "cases", n) for n in names]
    os.makedirs(os.path.join(out, "cases"), exist_ok=True)
    if client is None:
        rows = [run_one(c, d) for c, d in zip(cases, dirs)]
    else:
        futures = client.map(run_one, cases, dirs, pure=False)
        rows = client.gather(futures)
    _write_summary(out, rows)
    return rows


def _write_summary(out: str, rows: List[Dict[str, Any]]) -> None:
    tmp = os.path.join(out, f".summary.json.{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=2)
    os.replace(tmp, os.path.join(out, "summary.json"))
    keys = ["teeth_upper", "teeth_lower", "warnings", "not_run", "checks_failed"]
    tmp = os.path.join(out, f".summary.csv.{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "status", "seconds", *keys, "scenario", "error"])
        for r in rows:
            fig = r.get("figures") or {}
            w.writerow([r["name"], r["status"], r["seconds"], *[fig.get(k, "") if fig.get(k) is not None else ""
                        for k in keys], r["scenario"], r["error"]])
    os.replace(tmp, os.path.join(out, "summary.csv"))
