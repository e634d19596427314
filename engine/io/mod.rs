//! Reading and writing dental mesh files: STL, PLY, OBJ, VTK legacy, VTK XML PolyData, Teeth3DS labels.
//!
//! Every reader works on bytes and returns a typed [`ParseError`] that says where the problem is; the
//! file-level functions add the path. Every writer is deterministic (same mesh, same bytes) and atomic
//! (temporary file in the same folder, flushed, then renamed), so an interrupted write leaves nothing behind.

mod atomic;
mod error;
pub mod frames;
pub mod labels;
pub mod obj;
pub mod ply;
pub mod stl;
mod text;
pub mod vtk;
pub mod vtp;

pub use atomic::{write_atomic, OutputSet};
pub use error::{IoError, ParseError, Place};
pub use labels::Teeth3dsLabels;

use crate::mesh::Mesh;
use std::path::{Path, PathBuf};

/// The mesh file formats cusp reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// STL, binary or ASCII (no shared vertices, no attributes).
    Stl,
    /// Stanford PLY, ASCII or binary, with normals, colours and labels.
    Ply,
    /// Wavefront OBJ, with normals and per-vertex colours (the common `v x y z r g b` extension).
    Obj,
    /// VTK legacy `.vtk` POLYDATA, ASCII or binary.
    Vtk,
    /// VTK XML PolyData `.vtp`, ASCII, base64 binary or appended, uncompressed or zlib.
    Vtp,
}

impl Format {
    /// The format named by a file's extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self, IoError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        Ok(match ext.as_str() {
            "stl" => Format::Stl,
            "ply" => Format::Ply,
            "obj" => Format::Obj,
            "vtk" => Format::Vtk,
            "vtp" => Format::Vtp,
            _ => return Err(IoError::UnknownFormat { path: path.to_path_buf(), ext }),
        })
    }

    /// Short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Stl => "STL",
            Format::Ply => "PLY",
            Format::Obj => "OBJ",
            Format::Vtk => "VTK",
            Format::Vtp => "VTP",
        }
    }

    /// Whether the format can carry per-vertex colours, normals and labels.
    pub fn keeps(self) -> (bool, bool, bool) {
        match self {
            Format::Stl => (false, false, false),
            Format::Obj => (true, true, false),
            Format::Ply | Format::Vtk | Format::Vtp => (true, true, true),
        }
    }
}

/// How to encode a mesh when writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteOptions {
    /// Text instead of binary where the format has both (STL, PLY, VTK, VTP). OBJ is always text.
    pub ascii: bool,
}

/// Decodes a mesh from bytes of a known format. An empty mesh is an error.
pub fn parse_mesh(bytes: &[u8], format: Format) -> Result<Mesh, ParseError> {
    let mesh = match format {
        Format::Stl => stl::parse(bytes)?,
        Format::Ply => ply::parse(bytes)?,
        Format::Obj => obj::parse(bytes)?,
        Format::Vtk => vtk::parse(bytes)?,
        Format::Vtp => vtp::parse(bytes)?,
    };
    if mesh.is_empty() {
        return Err(ParseError::new(format.name(), Place::File, "the file holds no triangles"));
    }
    Ok(mesh)
}

/// Encodes a mesh in a format; attributes the format cannot hold are left out.
pub fn encode_mesh(mesh: &Mesh, format: Format, options: WriteOptions) -> Vec<u8> {
    match format {
        Format::Stl => stl::encode(mesh, options.ascii),
        Format::Ply => ply::encode(mesh, options.ascii),
        Format::Obj => obj::encode(mesh),
        Format::Vtk => vtk::encode(mesh, options.ascii),
        Format::Vtp => vtp::encode(mesh, options.ascii),
    }
}

/// Reads the whole file at `path`.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, IoError> {
    std::fs::read(path).map_err(|source| IoError::Read { path: path.to_path_buf(), source })
}

/// Reads a mesh file, choosing the format by extension.
pub fn read_mesh(path: impl AsRef<Path>) -> Result<Mesh, IoError> {
    let path = path.as_ref();
    let format = Format::from_path(path)?;
    let bytes = read_bytes(path)?;
    parse_mesh(&bytes, format).map_err(|source| IoError::Parse { path: path.to_path_buf(), source })
}

/// Writes a mesh file atomically, choosing the format by extension.
pub fn write_mesh(path: impl AsRef<Path>, mesh: &Mesh, options: WriteOptions) -> Result<(), IoError> {
    let path = path.as_ref();
    let format = Format::from_path(path)?;
    write_atomic(path, &encode_mesh(mesh, format, options))
}

/// Reads a Teeth3DS label file and checks it against the mesh it belongs to (one label per vertex).
pub fn read_labels_for(path: impl AsRef<Path>, mesh: &Mesh) -> Result<Teeth3dsLabels, IoError> {
    let path = path.as_ref();
    let labels = Teeth3dsLabels::read(path)?;
    if labels.labels.len() != mesh.vertex_count() {
        return Err(IoError::Mismatch {
            path: PathBuf::from(path),
            message: format!(
                "label file has {} labels but the mesh has {} vertices: it belongs to another mesh, or the mesh \
                 was re-saved with its vertices merged or reordered",
                labels.labels.len(),
                mesh.vertex_count()
            ),
        });
    }
    Ok(labels)
}
