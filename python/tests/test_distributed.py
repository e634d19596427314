"""Cases on a Dask LocalCluster of two worker processes: each case its own folder, a failure recorded and the
rest finished, finished cases skipped on a second run, the summary in the cases' order."""

import json
import os
import tempfile
import unittest

import cusp
from cusp.distributed import run_cases

try:
    from dask.distributed import Client, LocalCluster
except ImportError:  # CI installs dask and distributed; say so rather than pass quietly
    Client = LocalCluster = None

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "datasets", "samples")


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def sample_case(d, name):
    path = os.path.join(d, f"{name}.toml")
    lower = os.path.abspath(os.path.join(SAMPLES, "phantom_lower.ply"))
    labels = os.path.abspath(os.path.join(SAMPLES, "phantom_lower.labels.json"))
    with open(path, "w") as f:
        f.write(f'name = "{name}"\n[case]\nlower = "{lower}"\nlower_labels = "{labels}"\n')
    return path


@unittest.skipIf(LocalCluster is None, "dask.distributed is not installed (pip install dask distributed)")
class OnALocalCluster(unittest.TestCase):
    def test_cases_run_on_two_workers_fail_alone_and_resume(self):
        with tempfile.TemporaryDirectory() as d:
            cases = [sample_case(d, n) for n in ["a", "b", "c"]]
            bad = os.path.join(d, "x.toml")
            with open(bad, "w") as f:
                f.write('name = "x"\n[case]\nlower = "no-such-scan.ply"\n')
            cases.append(bad)
            out = os.path.join(d, "out")
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                with Client(cluster) as client:
                    rows = run_cases(cases, out, client)
                    self.assertEqual([r["name"] for r in rows], ["a", "b", "c", "x"])
                    self.assertEqual([r["status"] for r in rows], ["done", "done", "done", "failed"])
                    self.assertEqual(rows[0]["figures"]["teeth_lower"], 14)
                    self.assertIn("no-such-scan.ply", rows[3]["error"])
                    for n in "abc":
                        self.assertTrue(os.path.exists(os.path.join(out, "cases", n, "report.html")))
                    before = read(os.path.join(out, "cases", "a", "report.json"), "rb")
                    again = run_cases(cases, out, client)
            self.assertEqual([r["status"] for r in again], ["done earlier"] * 3 + ["failed"])
            self.assertEqual(again[0]["figures"]["teeth_lower"], 14)
            self.assertEqual(read(os.path.join(out, "cases", "a", "report.json"), "rb"), before)
            summary = json.loads(read(os.path.join(out, "summary.json")))
            self.assertEqual(len(summary), 4)
            self.assertEqual(len(read(os.path.join(out, "summary.csv")).splitlines()), 5)

    def test_two_cases_of_one_name_run_nothing(self):
        with tempfile.TemporaryDirectory() as d:
            one = sample_case(d, "same")
            two_dir = os.path.join(d, "two")
            os.makedirs(two_dir)
            two = sample_case(two_dir, "same")
            with self.assertRaises(cusp.CuspError):
                run_cases([one, two], os.path.join(d, "out"))
            self.assertFalse(os.path.exists(os.path.join(d, "out", "cases", "same")))


if __name__ == "__main__":
    unittest.main()
