//! A pose graph over keyframes (petgraph): nodes are poses (model_from_camera, mm), edges relative poses
//! measured by registration — between consecutive keyframes, and loop closures between keyframes that see
//! the same surface far apart in time. Levenberg–Marquardt over SE(3) moves the poses to agree with all
//! measurements at once, so that error does not pile up along a sweep.

use nalgebra::{DMatrix, DVector, Isometry3, Matrix6, Translation3, UnitQuaternion, Vector3, Vector6};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

/// A measured relative pose between two keyframes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constraint {
    /// Pose of the edge's target in the frame of its source (source_from_target).
    pub measured: Isometry3<f64>,
    /// Weight of the measurement (inverse variance, the same on all six axes; rotation in rad, translation mm).
    pub weight: f64,
    /// A loop closure (keyframes far apart in time) rather than a step along the sweep.
    pub loop_closure: bool,
}

/// What an optimisation did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Optimization {
    /// Weighted squared error before (mm², rad²).
    pub initial_cost: f64,
    /// … and after.
    pub final_cost: f64,
    /// Iterations run.
    pub iterations: usize,
}

/// Keyframe poses and the measurements between them.
#[derive(Debug, Clone, Default)]
pub struct PoseGraph {
    /// The graph: node weights are poses, edge weights constraints.
    pub graph: DiGraph<Isometry3<f64>, Constraint>,
}

/// Error of one constraint at poses `a`, `b`: rotation vector and translation of measured⁻¹ · a⁻¹ · b.
fn residual(a: &Isometry3<f64>, b: &Isometry3<f64>, measured: &Isometry3<f64>) -> Vector6<f64> {
    let e = measured.inverse() * a.inverse() * b;
    let r = e.rotation.scaled_axis();
    Vector6::new(r.x, r.y, r.z, e.translation.vector.x, e.translation.vector.y, e.translation.vector.z)
}

/// `pose` moved by the increment `d` (rotation vector, translation) applied in its own frame.
fn retract(pose: &Isometry3<f64>, d: &[f64]) -> Isometry3<f64> {
    let step = Isometry3::from_parts(
        Translation3::new(d[3], d[4], d[5]),
        UnitQuaternion::from_scaled_axis(Vector3::new(d[0], d[1], d[2])),
    );
    pose * step
}

impl PoseGraph {
    /// Adds a keyframe pose; returns its node.
    pub fn add_pose(&mut self, pose: Isometry3<f64>) -> NodeIndex {
        self.graph.add_node(pose)
    }

    /// Adds a measurement of `b` in the frame of `a`.
    pub fn add_constraint(&mut self, a: NodeIndex, b: NodeIndex, constraint: Constraint) {
        self.graph.add_edge(a, b, constraint);
    }

    /// Weighted squared error of every constraint at the current poses.
    pub fn cost(&self) -> f64 {
        self.graph
            .edge_references()
            .map(|e| {
                let w = e.weight();
                w.weight * residual(&self.graph[e.source()], &self.graph[e.target()], &w.measured).norm_squared()
            })
            .sum()
    }

    /// Levenberg–Marquardt on all poses but `anchor` (which fixes the frame), at most `max_iterations`.
    /// Jacobians by central differences on the six-parameter increments (a few hundred unknowns at most).
    pub fn optimize(&mut self, anchor: NodeIndex, max_iterations: usize) -> Optimization {
        let n = self.graph.node_count();
        let column = |v: NodeIndex| -> Option<usize> {
            match v.index().cmp(&anchor.index()) {
                std::cmp::Ordering::Less => Some(6 * v.index()),
                std::cmp::Ordering::Equal => None,
                std::cmp::Ordering::Greater => Some(6 * (v.index() - 1)),
            }
        };
        let dim = 6 * n.saturating_sub(1);
        let initial_cost = self.cost();
        let mut cost = initial_cost;
        let mut lambda = 1e-4;
        let mut iterations = 0;
        while iterations < max_iterations && dim > 0 {
            iterations += 1;
            let mut h = DMatrix::<f64>::zeros(dim, dim);
            let mut g = DVector::<f64>::zeros(dim);
            for e in self.graph.edge_references() {
                let (a, b, c) = (e.source(), e.target(), e.weight());
                let (pa, pb) = (self.graph[a], self.graph[b]);
                let r = residual(&pa, &pb, &c.measured);
                let jac = |moving_a: bool| -> Matrix6<f64> {
                    let mut j = Matrix6::zeros();
                    for k in 0..6 {
                        let mut d = [0.0; 6];
                        d[k] = 1e-6;
                        let plus = if moving_a {
                            residual(&retract(&pa, &d), &pb, &c.measured)
                        } else {
                            residual(&pa, &retract(&pb, &d), &c.measured)
                        };
                        d[k] = -1e-6;
                        let minus = if moving_a {
                            residual(&retract(&pa, &d), &pb, &c.measured)
                        } else {
                            residual(&pa, &retract(&pb, &d), &c.measured)
                        };
                        j.set_column(k, &((plus - minus) / 2e-6));
                    }
                    j
                };
                let blocks = [(column(a), jac(true)), (column(b), jac(false))];
                for (ci, ji) in &blocks {
                    let Some(ci) = ci else { continue };
                    let gi = ji.transpose() * r * c.weight;
                    for k in 0..6 {
                        g[ci + k] += gi[k];
                    }
                    for (cj, jj) in &blocks {
                        let Some(cj) = cj else { continue };
                        let hij = ji.transpose() * jj * c.weight;
                        let mut block = h.view_mut((*ci, *cj), (6, 6));
                        block += hij;
                    }
                }
            }
            // Damped step; a step that raises the cost is undone and the damping raised.
            let mut damped = h.clone();
            for k in 0..dim {
                damped[(k, k)] += lambda * (h[(k, k)] + 1e-9);
            }
            let Some(step) = damped.cholesky().map(|ch| ch.solve(&(-&g))) else { break };
            let before: Vec<Isometry3<f64>> = self.graph.node_weights().copied().collect();
            for v in self.graph.node_indices() {
                if let Some(ci) = column(v) {
                    let d: Vec<f64> = (0..6).map(|k| step[ci + k]).collect();
                    self.graph[v] = retract(&self.graph[v], &d);
                }
            }
            let new_cost = self.cost();
            if new_cost < cost {
                let gain = cost - new_cost;
                cost = new_cost;
                lambda = (lambda * 0.3).max(1e-9);
                if gain < 1e-12 * (1.0 + cost) || step.amax() < 1e-9 {
                    break;
                }
            } else {
                for (v, p) in self.graph.node_indices().zip(before) {
                    self.graph[v] = p;
                }
                lambda *= 10.0;
                if lambda > 1e6 {
                    break;
                }
            }
        }
        Optimization { initial_cost, final_cost: cost, iterations }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};

    /// A ring of poses around a circle (a sweep that comes back to its start): odometry with noise and one
    /// exact loop closure. Optimised, the loop's end meets its start and the worst position error halves
    /// (a random walk pinned at both ends — a Brownian bridge — keeps about half its excursion).
    #[test]
    fn a_loop_closure_pulls_a_drifting_ring_back() {
        let n = 40;
        let exact: Vec<Isometry3<f64>> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                Isometry3::from_parts(
                    Translation3::new(25.0 * a.cos(), 25.0 * a.sin(), 0.0),
                    UnitQuaternion::from_euler_angles(0.0, 0.0, a),
                )
            })
            .collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let noise = Normal::new(0.0, 0.02).unwrap();
        let mut g = PoseGraph::default();
        let mut chained = exact[0];
        let mut nodes = vec![g.add_pose(chained)];
        for i in 1..n {
            let rel = exact[i - 1].inverse() * exact[i];
            let jitter = Isometry3::from_parts(
                Translation3::new(noise.sample(&mut rng), noise.sample(&mut rng), noise.sample(&mut rng)),
                UnitQuaternion::from_euler_angles(
                    noise.sample(&mut rng) * 0.01,
                    noise.sample(&mut rng) * 0.01,
                    noise.sample(&mut rng) * 0.05,
                ),
            );
            let measured = rel * jitter;
            chained *= measured;
            nodes.push(g.add_pose(chained));
            g.add_constraint(nodes[i - 1], nodes[i], Constraint { measured, weight: 1.0, loop_closure: false });
        }
        let closing = exact[n - 1].inverse() * exact[0];
        g.add_constraint(nodes[n - 1], nodes[0], Constraint { measured: closing, weight: 100.0, loop_closure: true });
        let err = |g: &PoseGraph| {
            nodes
                .iter()
                .zip(&exact)
                .map(|(v, t)| (g.graph[*v].translation.vector - t.translation.vector).norm())
                .fold(0.0, f64::max)
        };
        let before = err(&g);
        let o = g.optimize(nodes[0], 50);
        let after = err(&g);
        assert!(o.final_cost < o.initial_cost * 0.1, "{o:?}");
        assert!(after < 0.6 * before, "worst position error {before:.3} → {after:.3} mm");
        let end = (g.graph[nodes[n - 1]].inverse() * g.graph[nodes[0]]).inverse() * closing;
        assert!(end.translation.vector.norm() < 0.01, "loop end {:?}", end.translation.vector);
    }
}
