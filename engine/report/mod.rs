//! Reports: pictures of meshes for people (and, later, JSON + self-contained HTML).

pub mod render;
