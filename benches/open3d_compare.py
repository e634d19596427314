#!/usr/bin/env python3
"""cusp's stitching and fusion side by side with Open3D's CPU pipeline on the same raw frames.

Usage:  python3 benches/open3d_compare.py PHANTOM_DIR [--jaw lower] [--voxel 0.1] [--cusp target/release/cusp]

PHANTOM_DIR is the output of `cusp phantom --scan` (raw frames under scan/<jaw>/, the true model <jaw>.ply).
Needs `pip install open3d-cpu` (on Debian also the package libusb-1.0-0). Both pipelines get the depth images
and the device's odometry guesses, never the true poses; both results are scored by `cusp eval scan`
against the true model (RMS / p95 trueness after a best fit), and timed as frames per second of
registration + fusion (surface extraction and file writing are timed apart).

Open3D pipeline: per frame a point cloud (telecentric pixels → camera-frame points, the same unprojection as
cusp), voxel-thinned at 2 voxels, normals from 30 neighbours; frame-to-frame point-to-plane ICP
(coarse to fine: 1.0, 0.3, 0.1 mm), started from the odometry's relative motion; poses chained; fusion into a
sparse TSDF at the same voxel size and a truncation of 4 voxels: VoxelBlockGrid, the hashed voxel-block
volume that replaces the legacy ScalableTSDFVolume (which, in the open3d-cpu 0.20 wheel, extracts an empty
surface even from a flat test image). Open3D integrates pinhole depth images only, so the telecentric camera
is stood in for by a pinhole 20 m behind the window (rays parallel to 5e-4: under 4 µm at the window's edge).
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import open3d as o3d
except ImportError:  # pragma: no cover - a clear message instead of a traceback
    sys.exit("open3d is not installed: pip install open3d-cpu (and apt-get install libusb-1.0-0)")

FAR_MM = 20_000.0  # distance of the stand-in pinhole behind the window


def read_depth(path, width, height):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"CUSPDEP1":
        raise ValueError(f"{path}: not a cusp depth image")
    w, h = struct.unpack("<II", data[8:16])
    if (w, h) != (width, height):
        raise ValueError(f"{path}: image is {w}×{h}, camera is {width}×{height}")
    return np.frombuffer(data[16:], dtype="<f4").reshape(h, w)


def pose_matrix(rec):
    w, x, y, z = rec["rotation_wxyz"]
    r = o3d.geometry.get_rotation_matrix_from_quaternion([w, x, y, z])
    m = np.eye(4)
    m[:3, :3] = r
    m[:3, 3] = rec["translation"]
    return m


def frame_cloud(depth, cam, voxel):
    px, py = cam["pixel_mm"]
    wx, wy = cam["window_mm"]
    rows, cols = np.nonzero(np.isfinite(depth))
    pts = np.stack(
        [(cols + 0.5) * px - wx / 2.0, (rows + 0.5) * py - wy / 2.0, depth[rows, cols].astype(np.float64)], axis=1
    )
    pc = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(pts))
    pc = pc.voxel_down_sample(2.0 * voxel)
    pc.estimate_normals(o3d.geometry.KDTreeSearchParamKNN(30))
    pc.orient_normals_towards_camera_location(np.array([0.0, 0.0, -1000.0]))
    return pc


def run_open3d(frames_dir, voxel):
    doc = json.load(open(os.path.join(frames_dir, "frames.json")))
    cam = doc["camera"]
    w, h = cam["width_px"], cam["height_px"]
    px, py = cam["pixel_mm"]
    o3c = o3d.core
    intr = o3c.Tensor(
        [[FAR_MM / px, 0.0, w / 2.0 - 0.5], [0.0, FAR_MM / py, h / 2.0 - 0.5], [0.0, 0.0, 1.0]], o3c.float64
    )
    behind = np.eye(4)
    behind[2, 3] = -FAR_MM
    volume = o3d.t.geometry.VoxelBlockGrid(
        attr_names=("tsdf", "weight"),
        attr_dtypes=(o3c.float32, o3c.float32),
        attr_channels=((1), (1)),
        voxel_size=voxel,
        block_resolution=8,
        block_count=200_000,
    )
    depth_max = FAR_MM + 100.0
    start = time.perf_counter()
    prev_cloud, prev_pose, prev_guess = None, None, None
    for entry in doc["frames"]:
        depth = read_depth(os.path.join(frames_dir, entry["file"]), w, h)
        guess = pose_matrix(entry["odometry_guess"]) if entry.get("odometry_guess") else None
        cloud = frame_cloud(depth, cam, voxel)
        if prev_cloud is None:
            pose = guess if guess is not None else np.eye(4)
        else:
            # Relative motion from the odometry (or none), refined by point-to-plane ICP onto the last frame.
            rel = np.linalg.inv(prev_guess) @ guess if guess is not None and prev_guess is not None else np.eye(4)
            for dist in (1.0, 0.3, 0.1):
                rel = o3d.pipelines.registration.registration_icp(
                    cloud,
                    prev_cloud,
                    dist,
                    rel,
                    o3d.pipelines.registration.TransformationEstimationPointToPlane(),
                    o3d.pipelines.registration.ICPConvergenceCriteria(max_iteration=30),
                ).transformation
            pose = prev_pose @ rel
        d = o3d.t.geometry.Image(o3c.Tensor(np.where(np.isfinite(depth), depth + FAR_MM, 0.0).astype(np.float32)))
        extr = o3c.Tensor(np.linalg.inv(pose @ behind), o3c.float64)
        blocks = volume.compute_unique_block_coordinates(d, intr, extr, 1.0, depth_max, trunc_voxel_multiplier=4.0)
        volume.integrate(blocks, d, intr, extr, 1.0, depth_max, trunc_voxel_multiplier=4.0)
        prev_cloud, prev_pose, prev_guess = cloud, pose, guess
    fused_s = time.perf_counter() - start
    start = time.perf_counter()
    mesh = volume.extract_triangle_mesh(weight_threshold=1.5).to_legacy()
    extract_s = time.perf_counter() - start
    return mesh, len(doc["frames"]), fused_s, extract_s


def trueness(cusp, mesh_path, truth_path):
    out = subprocess.run([cusp, "eval", "scan", mesh_path, truth_path, "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"cusp eval scan failed: {out.stderr}")
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("phantom")
    ap.add_argument("--jaw", default="lower", choices=["upper", "lower"])
    ap.add_argument("--voxel", type=float, default=0.1)
    ap.add_argument("--cusp", default="target/release/cusp")
    a = ap.parse_args()
    frames = os.path.join(a.phantom, "scan", a.jaw)
    truth = os.path.join(a.phantom, f"{a.jaw}.ply")
    with tempfile.TemporaryDirectory() as tmp:
        ours = os.path.join(tmp, "cusp.ply")
        start = time.perf_counter()
        r = subprocess.run(
            [a.cusp, "fuse", frames, "--out", ours, "--voxel", str(a.voxel)], capture_output=True, text=True
        )
        cusp_wall = time.perf_counter() - start
        if r.returncode != 0:
            sys.exit(f"cusp fuse failed: {r.stderr}")
        n_frames = json.load(open(os.path.join(tmp, "cusp.fuse.json")))["frames"]
        mesh, n, fused_s, extract_s = run_open3d(frames, a.voxel)
        theirs = os.path.join(tmp, "open3d.ply")
        o3d.io.write_triangle_mesh(theirs, mesh)
        t_ours, t_theirs = trueness(a.cusp, ours, truth), trueness(a.cusp, theirs, truth)
    print(f"{n_frames} frames of {a.jaw}, voxel {a.voxel} mm, {os.cpu_count()} cores")
    print(
        f"cusp   : RMS {t_ours['rms_um']:.1f} µm, p95 {t_ours['p95_um']:.1f} µm; "
        f"{n_frames / cusp_wall:.1f} frames/s (whole command: registration, fusion, extraction, writing)"
    )
    print(
        f"open3d : RMS {t_theirs['rms_um']:.1f} µm, p95 {t_theirs['p95_um']:.1f} µm; "
        f"{n / fused_s:.1f} frames/s (registration + fusion), extraction {extract_s:.2f} s"
    )
    print(f"ratio  : cusp is {(n_frames / cusp_wall) / (n / fused_s):.2f}× Open3D's speed")


if __name__ == "__main__":
    main()
