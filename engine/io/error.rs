//! Errors of reading and writing files: each names the file and the place in it.

use std::fmt;
use std::path::PathBuf;

/// Where in a file a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Byte offset from the start of the file.
    Byte(u64),
    /// Line number, from 1.
    Line(usize),
    /// An element of a kind (vertex, face, label …) by its index from 0.
    Element {
        /// Kind of element.
        kind: String,
        /// Index of the element, from 0.
        index: usize,
    },
    /// A named part of a text file (an XML element, an array) starting at a line.
    Named {
        /// What the part is, e.g. "DataArray 'Label'".
        what: String,
        /// Line where it starts, from 1.
        line: usize,
    },
    /// The file as a whole.
    File,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Byte(b) => write!(f, "at byte {b}"),
            Place::Line(l) => write!(f, "at line {l}"),
            Place::Element { kind, index } => write!(f, "at {kind} {index}"),
            Place::Named { what, line } => write!(f, "in {what} at line {line}"),
            Place::File => write!(f, "in the file as a whole"),
        }
    }
}

/// A format-level problem found while decoding bytes, before a file name is attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{format}: {message} ({place})")]
pub struct ParseError {
    /// The format being decoded ("binary STL", "PLY", …).
    pub format: &'static str,
    /// Where the problem is.
    pub place: Place,
    /// What is wrong, and where possible how to fix it.
    pub message: String,
}

impl ParseError {
    /// A new error of `format` at `place`.
    pub fn new(format: &'static str, place: Place, message: impl Into<String>) -> Self {
        Self { format, place, message: message.into() }
    }

    /// Turns a mesh-validation failure into an error at the offending element.
    pub fn from_mesh(format: &'static str, e: crate::mesh::MeshError) -> Self {
        use crate::mesh::MeshError as M;
        let place = match &e {
            M::NonFinite { vertex, .. } => Place::Element { kind: "vertex".into(), index: *vertex },
            M::IndexOutOfRange { face, .. } => Place::Element { kind: "face".into(), index: *face },
            _ => Place::File,
        };
        Self::new(format, place, e.to_string())
    }
}

/// A failure to read or write a file; the message names the file last.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The file could not be opened or read.
    #[error("cannot read: {source} — {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The bytes are not a valid file of the format.
    #[error("{source} — {}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        source: ParseError,
    },
    /// The file extension names no format cusp knows.
    #[error("unknown mesh format {ext:?}: use .stl, .ply, .obj, .vtk or .vtp — {}", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// Its extension ("" when it has none).
        ext: String,
    },
    /// Labels and mesh do not belong together.
    #[error("{message} — {}", path.display())]
    Mismatch {
        /// The file that does not fit.
        path: PathBuf,
        /// What does not fit.
        message: String,
    },
    /// The output could not be written; nothing was left half-written.
    #[error("cannot write: {source} — {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
}
