//! The native half of the `cusp` Python package: each function takes meshes as numpy arrays (vertices (N, 3)
//! float64 in mm, faces (M, 3) integer indices), calls the cusp library, and returns numpy arrays for
//! per-vertex data and JSON text for everything else (the Python half turns it into the dicts the command's
//! JSON outputs hold). Errors are `cusp.CuspError` carrying cusp's message. No second implementation: every
//! answer is the library's.

use numpy::{PyArray1, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    _cusp,
    CuspError,
    PyException,
    "An error cusp reported: bad input, or input that cannot give a sound answer."
);

fn err(e: impl std::fmt::Display) -> PyErr {
    CuspError::new_err(e.to_string())
}

type Arrays<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<i64>>);
/// Per-vertex labels and instances, and the rest as JSON.
type Labelled<'py> = (Bound<'py, PyArray1<i32>>, Bound<'py, PyArray1<i32>>, String);

/// A cusp mesh from numpy arrays (vertices (N, 3) float64 mm, faces (M, 3) integers), checked.
fn mesh_of(vertices: PyReadonlyArray2<'_, f64>, faces: PyReadonlyArray2<'_, i64>) -> PyResult<cusp::mesh::Mesh> {
    if vertices.shape()[1] != 3 || faces.shape()[1] != 3 {
        return Err(err(format!(
            "vertices must be (N, 3) and faces (M, 3); got {:?} and {:?}",
            vertices.shape(),
            faces.shape()
        )));
    }
    let v = vertices.as_array();
    let f = faces.as_array();
    let positions = v.rows().into_iter().map(|r| nalgebra::Point3::new(r[0], r[1], r[2])).collect();
    let n = v.nrows() as i64;
    let mut triangles = Vec::with_capacity(f.nrows());
    for (k, r) in f.rows().into_iter().enumerate() {
        if r.iter().any(|&i| i < 0 || i >= n) {
            return Err(err(format!("face {k} refers to a vertex outside 0..{n}: {:?}", r.to_vec())));
        }
        triangles.push([r[0] as u32, r[1] as u32, r[2] as u32]);
    }
    cusp::mesh::Mesh::new(positions, triangles).map_err(err)
}

/// A cusp mesh as numpy arrays.
fn arrays<'py>(py: Python<'py>, mesh: &cusp::mesh::Mesh) -> PyResult<Arrays<'py>> {
    let v: Vec<Vec<f64>> = mesh.positions().iter().map(|p| vec![p.x, p.y, p.z]).collect();
    let f: Vec<Vec<i64>> = mesh.triangles().iter().map(|t| t.iter().map(|&i| i64::from(i)).collect()).collect();
    let v = if v.is_empty() { PyArray2::zeros(py, [0, 3], false) } else { PyArray2::from_vec2(py, &v).map_err(err)? };
    let f = if f.is_empty() { PyArray2::zeros(py, [0, 3], false) } else { PyArray2::from_vec2(py, &f).map_err(err)? };
    Ok((v, f))
}

fn json(value: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(value).map_err(err)
}

/// Reads a mesh file (STL, PLY, OBJ, VTK, VTP; mm): (vertices, faces).
#[pyfunction]
fn read_mesh<'py>(py: Python<'py>, path: std::path::PathBuf) -> PyResult<Arrays<'py>> {
    let mesh = cusp::io::read_mesh(&path).map_err(err)?;
    arrays(py, &mesh)
}

/// Writes a mesh file, its format from the extension, atomically.
#[pyfunction]
fn write_mesh(
    path: std::path::PathBuf,
    vertices: PyReadonlyArray2<'_, f64>,
    faces: PyReadonlyArray2<'_, i64>,
) -> PyResult<()> {
    let mesh = mesh_of(vertices, faces)?;
    cusp::io::write_mesh(&path, &mesh, cusp::io::WriteOptions::default()).map_err(err)
}

/// What a mesh holds and whether it is fit for use, as JSON (`cusp info`'s fields).
#[pyfunction]
fn info(vertices: PyReadonlyArray2<'_, f64>, faces: PyReadonlyArray2<'_, i64>) -> PyResult<String> {
    json(&cusp::mesh::MeshInfo::of(&mesh_of(vertices, faces)?))
}

/// Segments a jaw: (per-vertex FDI labels, per-vertex instances, JSON of the jaw, teeth and dentition).
#[pyfunction]
fn segment<'py>(
    py: Python<'py>,
    vertices: PyReadonlyArray2<'_, f64>,
    faces: PyReadonlyArray2<'_, i64>,
) -> PyResult<Labelled<'py>> {
    let mesh = mesh_of(vertices, faces)?;
    let seg = py.detach(|| cusp::segment::segment(&mesh)).map_err(err)?;
    let summary = serde_json::json!({
        "jaw": seg.frame.jaw.as_str(),
        "teeth": seg.teeth,
        "dentition": seg.dentition,
        "frame": {
            "occlusal": [seg.frame.occlusal.x, seg.frame.occlusal.y, seg.frame.occlusal.z],
            "anterior": [seg.frame.anterior.x, seg.frame.anterior.y, seg.frame.anterior.z],
            "right": [seg.frame.right.x, seg.frame.right.y, seg.frame.right.z],
        },
    });
    Ok((PyArray1::from_vec(py, seg.labels), PyArray1::from_vec(py, seg.instances), json(&summary)?))
}

/// Compares a later scan of a jaw with an earlier one: per-tooth movement, wear and gum recession as JSON
/// (`progress.json`). The earlier scan is segmented.
#[pyfunction]
fn progress(
    py: Python<'_>,
    before_vertices: PyReadonlyArray2<'_, f64>,
    before_faces: PyReadonlyArray2<'_, i64>,
    after_vertices: PyReadonlyArray2<'_, f64>,
    after_faces: PyReadonlyArray2<'_, i64>,
) -> PyResult<String> {
    let before = mesh_of(before_vertices, before_faces)?;
    let after = mesh_of(after_vertices, after_faces)?;
    let result = py.detach(|| -> Result<String, String> {
        let (_, dentition) = cusp::segment::teeth_of(&before, None).map_err(|e| e.to_string())?;
        let opts = cusp::progress::ProgressOptions::default();
        let (p, _) = cusp::progress::compare(&before, &dentition, &after, None, &opts).map_err(|e| e.to_string())?;
        serde_json::to_string(&p).map_err(|e| e.to_string())
    });
    result.map_err(err)
}

/// A virtual patient from a scenario's `[phantom]` table as TOML text (empty: the defaults): for each jaw
/// (upper, lower) its vertices, faces and per-vertex FDI labels, and the truth as JSON.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn phantom<'py>(
    py: Python<'py>,
    spec_toml: &str,
) -> PyResult<(Vec<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<i64>>, Bound<'py, PyArray1<i32>>)>, String)> {
    let spec: cusp::phantom::PhantomSpec = toml_spec(spec_toml)?;
    let p = py.detach(|| cusp::phantom::Phantom::generate(&spec)).map_err(err)?;
    let mut jaws = Vec::new();
    for model in [&p.upper, &p.lower] {
        let (v, f) = arrays(py, &model.mesh)?;
        let labels = model.mesh.labels().map(<[i32]>::to_vec).unwrap_or_default();
        jaws.push((v, f, PyArray1::from_vec(py, labels)));
    }
    Ok((jaws, json(&p.truth)?))
}

/// The name a scenario or case file gives itself (its `name`), read and checked as `cusp run` would.
#[pyfunction]
fn case_name(path: std::path::PathBuf) -> PyResult<String> {
    Ok(cusp::pipeline::Scenario::read(&path).map_err(err)?.name)
}

/// Runs one scenario or case file as `cusp run FILE --out DIR` does (its report.html, report.json and meshes
/// written to `out`), and returns its key figures as JSON (those of `cusp batch`'s summary).
#[pyfunction]
fn run_case(py: Python<'_>, path: std::path::PathBuf, out: std::path::PathBuf) -> PyResult<String> {
    let s = cusp::pipeline::Scenario::read(&path).map_err(err)?;
    py.detach(|| cusp::pipeline::run_to_dir(&s, &out, &|_, _, _| {})).map_err(err)?;
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).map_err(err)?).map_err(err)?;
    json(&cusp::pipeline::key_figures(&report))
}

/// The key figures (JSON) of a case's report.json text, as `cusp batch`'s summary lists them.
#[pyfunction]
fn key_figures(report_json: &str) -> PyResult<String> {
    let report: serde_json::Value = serde_json::from_str(report_json).map_err(err)?;
    json(&cusp::pipeline::key_figures(&report))
}

fn toml_spec(text: &str) -> PyResult<cusp::phantom::PhantomSpec> {
    let spec: cusp::phantom::PhantomSpec = toml::from_str(text).map_err(err)?;
    spec.check_ranges().map_err(err)?;
    Ok(spec)
}

/// The native module `cusp._cusp`.
#[pymodule]
fn _cusp(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("CuspError", m.py().get_type::<CuspError>())?;
    m.add_function(wrap_pyfunction!(read_mesh, m)?)?;
    m.add_function(wrap_pyfunction!(write_mesh, m)?)?;
    m.add_function(wrap_pyfunction!(info, m)?)?;
    m.add_function(wrap_pyfunction!(segment, m)?)?;
    m.add_function(wrap_pyfunction!(progress, m)?)?;
    m.add_function(wrap_pyfunction!(phantom, m)?)?;
    m.add_function(wrap_pyfunction!(case_name, m)?)?;
    m.add_function(wrap_pyfunction!(run_case, m)?)?;
    m.add_function(wrap_pyfunction!(key_figures, m)?)?;
    Ok(())
}
