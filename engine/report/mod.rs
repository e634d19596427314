//! Reports: pictures of meshes for people, and the self-contained HTML report of a scenario run.

pub mod html;
pub mod render;
