"""The Python package against the phantom's truth and on bad input (run: python -m unittest discover python/tests)."""

import os
import tempfile
import unittest

import numpy as np

import cusp


class CuspFromPython(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = cusp.phantom("seed = 1\ncrown_around = 48\ncrown_side = 14\ncrown_occlusal = 9\ngingiva_spacing_mm = 0.9")

    def test_phantom_meshes_are_arrays_with_labels(self):
        lower = self.p["lower"]
        self.assertEqual(lower.vertices.shape[1], 3)
        self.assertEqual(lower.vertices.dtype, np.float64)
        self.assertEqual(lower.faces.shape[1], 3)
        self.assertEqual(lower.labels.shape[0], lower.vertices.shape[0])
        teeth = sorted(set(int(x) for x in lower.labels) - {0})
        true_teeth = sorted(t["fdi"] for t in self.p["truth"]["jaws"][1]["teeth"])
        self.assertEqual(teeth, true_teeth)

    def test_segmentation_agrees_with_the_truth(self):
        lower = self.p["lower"]
        seg = cusp.segment(cusp.Mesh(lower.vertices, lower.faces))
        self.assertEqual(seg.jaw, "lower")
        agree = float(np.mean(seg.labels == lower.labels))
        # Seed 1 coarse is one the library's own phantom tests hold at TSA >= 0.99 (seed 3's lower loses two
        # molars to the gingiva, agreement 0.89: a known defect, issue 22); 0.95 of the vertices is a floor any
        # wrong numbering or jaw would break.
        self.assertGreaterEqual(agree, 0.95, agree)
        self.assertEqual(sorted(seg.teeth), sorted(set(int(x) for x in lower.labels) - {0}))
        self.assertEqual(len(seg.dentition["teeth"]), len(seg.teeth))

    def test_a_mesh_survives_a_file_round_trip_and_info_counts_it(self):
        upper = self.p["upper"]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "upper.ply")
            cusp.write_mesh(path, cusp.Mesh(upper.vertices, upper.faces))
            back = cusp.read_mesh(path)
        self.assertEqual(back.faces.shape, upper.faces.shape)
        self.assertLess(float(np.abs(back.vertices - upper.vertices).max()), 1e-4)
        i = cusp.info(back)
        self.assertEqual(i["vertices"], upper.vertices.shape[0])
        self.assertEqual(i["triangles"], upper.faces.shape[0])

    def test_progress_of_an_unchanged_jaw_finds_no_movement(self):
        lower = cusp.Mesh(self.p["lower"].vertices, self.p["lower"].faces)
        shifted = cusp.Mesh(lower.vertices + np.array([2.0, -1.0, 0.5]), lower.faces)
        result = cusp.progress(lower, shifted)
        self.assertGreater(len(result["teeth"]), 10)
        for t in result["teeth"]:
            self.assertLess(float(np.linalg.norm(t["translation_mm"])), 0.02, t["fdi"])

    def test_bad_input_raises_cusp_error_with_its_message(self):
        with self.assertRaises(cusp.CuspError) as e:
            cusp.read_mesh("/nonexistent/jaw.stl")
        self.assertIn("jaw.stl", str(e.exception))
        with self.assertRaises(cusp.CuspError):
            cusp.write_mesh("/tmp/x.ply", cusp.Mesh(np.zeros((3, 3)), np.array([[0, 1, 7]])))
        with self.assertRaises(cusp.CuspError):
            cusp.phantom("seed = 1\ngingiva_spacing_mm = -1")
        # A sphere is no dental arch.
        t = np.linspace(0, np.pi, 30)
        u = np.linspace(0, 2 * np.pi, 60, endpoint=False)
        pts = np.array([[10 * np.sin(a) * np.cos(b), 10 * np.sin(a) * np.sin(b), 10 * np.cos(a)] for a in t for b in u])
        faces = []
        for i in range(len(t) - 1):
            for j in range(len(u)):
                a, b = i * len(u) + j, i * len(u) + (j + 1) % len(u)
                c, d = a + len(u), b + len(u)
                faces += [[a, b, d], [a, d, c]]
        with self.assertRaises(cusp.CuspError):
            cusp.segment(cusp.Mesh(pts, np.array(faces)))


if __name__ == "__main__":
    unittest.main()
