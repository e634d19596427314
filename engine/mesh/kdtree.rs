//! Nearest-point queries over a fixed point set (kiddo's immutable k-d tree), in millimetres.

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use nalgebra::Point3;
use std::num::NonZero;

/// A k-d tree over points (mm), built once and queried many times; answers give the index into the input slice.
pub struct PointIndex {
    tree: ImmutableKdTree<f64, 3>,
    len: usize,
}

impl std::fmt::Debug for PointIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PointIndex").field("len", &self.len).finish()
    }
}

impl PointIndex {
    /// Builds the tree over `points`.
    pub fn new(points: &[Point3<f64>]) -> Self {
        let coords: Vec<[f64; 3]> = points.iter().map(|p| [p.x, p.y, p.z]).collect();
        let tree = if coords.is_empty() {
            ImmutableKdTree::new_from_slice(&[[f64::MAX; 3]]).expect("one point builds")
        } else {
            ImmutableKdTree::new_from_slice(&coords).expect("finite points build")
        };
        Self { tree, len: points.len() }
    }

    /// Number of indexed points.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no point is indexed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The nearest point: its index and distance (mm); `None` when the index is empty.
    pub fn nearest(&self, q: &Point3<f64>) -> Option<(usize, f64)> {
        if self.len == 0 {
            return None;
        }
        let r = self.tree.query(&[q.x, q.y, q.z]).nearest_one::<SquaredEuclidean<f64>>().execute();
        Some((r.item as usize, r.distance.sqrt()))
    }

    /// The `k` nearest points, nearest first: (index, distance in mm).
    pub fn nearest_k(&self, q: &Point3<f64>, k: usize) -> Vec<(usize, f64)> {
        let Some(k) = NonZero::new(k.min(self.len)) else { return Vec::new() };
        self.tree
            .query(&[q.x, q.y, q.z])
            .nearest_n::<SquaredEuclidean<f64>>(k)
            .execute()
            .into_iter()
            .map(|r| (r.item as usize, r.distance.sqrt()))
            .collect()
    }

    /// Every point within `radius` mm, nearest first: (index, distance in mm).
    pub fn within(&self, q: &Point3<f64>, radius: f64) -> Vec<(usize, f64)> {
        if self.len == 0 {
            return Vec::new();
        }
        self.tree
            .query(&[q.x, q.y, q.z])
            .within::<SquaredEuclidean<f64>>(radius * radius)
            .execute()
            .into_iter()
            .map(|r| (r.item as usize, r.distance.sqrt()))
            .collect()
    }
}
