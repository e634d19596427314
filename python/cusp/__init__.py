"""cusp from Python: orthodontic and implant planning on intraoral scans.

Meshes go in and out as numpy arrays: vertices (N, 3) float64 in mm, faces (M, 3) integer vertex indices.
Results are plain Python objects mirroring cusp's JSON outputs. Errors raise :class:`CuspError` with cusp's
own message. Every answer comes from the Rust library (the native module ``cusp._cusp``); nothing is
re-implemented here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from . import _cusp
from ._cusp import CuspError

__all__ = [
    "CuspError",
    "Mesh",
    "Segmentation",
    "read_mesh",
    "write_mesh",
    "info",
    "segment",
    "progress",
    "phantom",
]


@dataclass
class Mesh:
    """A triangle mesh: vertices (N, 3) float64 in mm, faces (M, 3) int64, optional per-vertex FDI labels."""

    vertices: np.ndarray
    faces: np.ndarray
    labels: Optional[np.ndarray] = None

    def to_trimesh(self):
        """The mesh as a ``trimesh.Trimesh`` (needs the optional ``trimesh`` package)."""
        import trimesh  # optional dependency

        return trimesh.Trimesh(vertices=self.vertices, faces=self.faces, process=False)


@dataclass
class Segmentation:
    """A segmented jaw: per-vertex FDI labels (0 gingiva) and instances, the jaw, the teeth found, and the
    dentition (each tooth's vertices and frame, mesh frame, mm)."""

    labels: np.ndarray
    instances: np.ndarray
    jaw: str
    teeth: List[int]
    dentition: Dict[str, Any]
    frame: Dict[str, List[float]] = field(default_factory=dict)


def _arrays(mesh: Mesh) -> tuple:
    v = np.ascontiguousarray(mesh.vertices, dtype=np.float64)
    f = np.ascontiguousarray(mesh.faces, dtype=np.int64)
    return v, f


def read_mesh(path: str) -> Mesh:
    """Reads an STL, PLY, OBJ, VTK or VTP file (mm)."""
    v, f = _cusp.read_mesh(str(path))
    return Mesh(v, f)


def write_mesh(path: str, mesh: Mesh) -> None:
    """Writes a mesh file, the format from the extension; written atomically."""
    _cusp.write_mesh(str(path), *_arrays(mesh))


def info(mesh: Mesh) -> Dict[str, Any]:
    """What a mesh holds and whether it is fit for use (the fields of ``cusp info --json``)."""
    return json.loads(_cusp.info(*_arrays(mesh)))


def segment(mesh: Mesh) -> Segmentation:
    """Splits a jaw scan into gingiva and teeth numbered by FDI. Raises CuspError for a mesh that is no arch."""
    labels, instances, summary = _cusp.segment(*_arrays(mesh))
    s = json.loads(summary)
    return Segmentation(labels, instances, s["jaw"], s["teeth"], s["dentition"], s["frame"])


def progress(before: Mesh, after: Mesh) -> Dict[str, Any]:
    """Compares a later scan of a jaw with an earlier one (the earlier segmented): superimposition, each
    tooth's movement in its own frame, wear and gum recession (``progress.json``)."""
    return json.loads(_cusp.progress(*_arrays(before), *_arrays(after)))


def phantom(spec_toml: str = "") -> Dict[str, Any]:
    """A virtual patient from a scenario's ``[phantom]`` table as TOML text (empty: the defaults):
    ``{"upper": Mesh, "lower": Mesh, "truth": dict}``, the meshes labelled by FDI. For evaluation."""
    jaws, truth = _cusp.phantom(spec_toml)
    (uv, uf, ul), (lv, lf, ll) = jaws
    return {"upper": Mesh(uv, uf, ul), "lower": Mesh(lv, lf, ll), "truth": json.loads(truth)}
