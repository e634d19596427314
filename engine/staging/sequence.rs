//! When each tooth moves: a pattern to start from, then delays and slow-downs only where neighbours would
//! collide on the way, IPR on the way where no delay helps, and never a stage in which nothing moves.

use super::{CrownCollider, Limits, LocalMove, PlanFrame};
use nalgebra::Isometry3;
use serde::{Deserialize, Serialize};

/// The pattern a plan starts from before collisions are sequenced around.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sequencing {
    /// Every tooth starts at the first stage and reaches its target at the last, each at its own even pace:
    /// the fewest aligners, and neighbours keep their relative arrangement on the way.
    #[default]
    Together,
    /// Premolars and molars first; canines and incisors start when they have arrived.
    PosteriorsFirst,
    /// Canines and incisors first ("V" pattern), then premolars and molars.
    AnteriorsFirst,
}

impl Sequencing {
    /// The name used on the command line and in plan.json.
    pub fn as_str(self) -> &'static str {
        match self {
            Sequencing::Together => "together",
            Sequencing::PosteriorsFirst => "posteriors-first",
            Sequencing::AnteriorsFirst => "anteriors-first",
        }
    }

    /// Every pattern.
    pub const ALL: [Sequencing; 3] = [Sequencing::Together, Sequencing::PosteriorsFirst, Sequencing::AnteriorsFirst];

    /// Parses [`Self::as_str`]'s names.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// When one tooth moves: it starts after `start` stages and takes `duration` stages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Slot {
    pub start: usize,
    pub duration: usize,
}

impl Slot {
    /// Fraction of the tooth's movement done at `stage`.
    pub fn fraction(&self, stage: usize) -> f64 {
        if self.duration == 0 {
            return if stage >= self.start { 1.0 } else { 0.0 };
        }
        ((stage as f64 - self.start as f64) / self.duration as f64).clamp(0.0, 1.0)
    }

    /// The stage at which the tooth arrives.
    pub fn end(&self) -> usize {
        self.start + self.duration
    }
}

/// A tooth's movement scaled by `f`.
pub(super) fn scaled(m: &LocalMove, f: f64) -> LocalMove {
    LocalMove { translation_mm: m.translation_mm.map(|v| v * f), rotation_deg: m.rotation_deg.map(|v| v * f) }
}

/// Most sequencing changes tried before the remaining overlap is reported.
const MAX_CHANGES: usize = 80;
/// IPR is planned in steps of this much enamel per contact (mm), the resolution of a strip or disc.
const IPR_STEP_MM: f64 = 0.05;
/// Margin added to a measured overlap before it is rounded up to an IPR step (mm).
const IPR_MARGIN_MM: f64 = 0.02;

/// The schedule of one arch: teeth (arch order), their frames and targets, and the IPR per contact.
pub(super) struct Schedule<'a> {
    pub frames: &'a [PlanFrame],
    pub targets: &'a [LocalMove],
    pub collider: &'a CrownCollider,
    pub limits: &'a Limits,
    /// Largest IPR a contact may get (mm, both surfaces), per contact in arch order.
    pub ipr_cap: Vec<f64>,
}

/// A sequencing change tried: its slots, overlap on the way (mm), stages, and its simulation (kept, not redone).
type Candidate = (Vec<Slot>, f64, usize, Vec<Vec<f64>>);

/// The outcome: slots, the overlap per stage and contact, IPR per contact (stage, mm) and what was done.
pub(super) struct Sequenced {
    pub slots: Vec<Slot>,
    /// Overlap added per stage and contact (mm, before IPR).
    pub pens: Vec<Vec<f64>>,
    pub ipr: Vec<Option<(usize, f64)>>,
    pub delays: Vec<(usize, usize)>,
    pub slowed: Vec<(usize, usize)>,
    pub warnings: Vec<String>,
}

impl Schedule<'_> {
    /// The jaw-frame pose of tooth `i` at stage `k`.
    pub fn pose(&self, slots: &[Slot], i: usize, k: usize) -> Isometry3<f64> {
        self.frames[i].transform(&scaled(&self.targets[i], slots[i].fraction(k)))
    }

    /// Overlap added per stage and contact (mm) for these slots.
    fn simulate(&self, slots: &[Slot]) -> Vec<Vec<f64>> {
        let n = slots.iter().map(Slot::end).max().unwrap_or(0);
        (0..=n)
            .map(|k| {
                let poses: Vec<Isometry3<f64>> = (0..self.frames.len()).map(|i| self.pose(slots, i, k)).collect();
                (0..self.frames.len().saturating_sub(1)).map(|i| self.collider.penetration(i, i + 1, &poses)).collect()
            })
            .collect()
    }

    /// IPR for the overlap left at the target (and, where `on_way` asks, on the way), rounded up to
    /// [`IPR_STEP_MM`] and within each contact's cap, done before the first stage that needs it.
    fn ipr_for(&self, pens: &[Vec<f64>], on_way: &[bool]) -> Vec<Option<(usize, f64)>> {
        let n = pens.len() - 1;
        (0..self.frames.len().saturating_sub(1))
            .map(|p| {
                let need = if on_way[p] { (0..=n).map(|k| pens[k][p]).fold(0.0, f64::max) } else { pens[n][p] };
                if need <= self.limits.max_penetration_mm || self.ipr_cap[p] <= 0.0 {
                    return None;
                }
                let amount = (((need + IPR_MARGIN_MM) / IPR_STEP_MM).ceil() * IPR_STEP_MM).min(self.ipr_cap[p]);
                let first = (0..=n).find(|&k| pens[k][p] > self.limits.max_penetration_mm).unwrap_or(n);
                Some((first, amount))
            })
            .collect()
    }

    /// Overlap of contact `p` at stage `k` after the IPR done by then (mm).
    pub fn excess(pens: &[Vec<f64>], ipr: &[Option<(usize, f64)>], k: usize, p: usize) -> f64 {
        pens[k][p] - ipr[p].filter(|(s, _)| k >= *s).map_or(0.0, |(_, a)| a)
    }

    /// The worst overlap on the way (stage, contact, mm) beyond what the contact keeps at the target anyway
    /// (an overlap left at the target, beyond what IPR may remove, is reported, not sequenced around).
    fn worst(&self, pens: &[Vec<f64>], ipr: &[Option<(usize, f64)>], skip: &[bool]) -> Option<(usize, usize, f64)> {
        let n = pens.len() - 1;
        let mut w: Option<(usize, usize, f64)> = None;
        for k in 0..=n {
            for p in (0..pens[k].len()).filter(|p| !skip[*p]) {
                let e = Self::excess(pens, ipr, k, p) - self.left_at_target(pens, ipr, p);
                if e > self.limits.max_penetration_mm && w.is_none_or(|x| e > x.2) {
                    w = Some((k, p, e));
                }
            }
        }
        w
    }

    /// Sequences the arch from `pattern`: for the worst contact, one of its two teeth starts a stage later or
    /// earlier, or takes a stage more; the change is kept only when it lowers the overlap on the way over the
    /// whole arch. Where none does, the contact gets IPR on the way (within its cap), and what is still left is
    /// a warning. Stages in which nothing moves are removed.
    pub fn run(&self, order: &[i32], need: &[usize], pattern: Sequencing) -> Sequenced {
        let pattern_slots = initial_slots(order, need, pattern);
        let mut slots = pattern_slots.clone();
        let count = self.frames.len().saturating_sub(1);
        let mut on_way = vec![false; count];
        let mut given_up = vec![false; count];
        let mut warnings = Vec::new();
        let mut pens = self.simulate(&slots);
        let mut ipr = self.ipr_for(&pens, &on_way);
        let mut changes = 0;
        while let Some((_, p, e0)) = self.worst(&pens, &ipr, &given_up) {
            let total = self.total_excess(&pens, &ipr);
            let mut best: Option<Candidate> = None;
            if changes < MAX_CHANGES {
                for i in [p, p + 1] {
                    // Start one stage later, one earlier (a phased pattern's second group), or take one more.
                    for change in 0..3 {
                        let mut s = slots.clone();
                        match change {
                            0 => s[i].start += 1,
                            1 if s[i].start > 0 && s[i].duration > 0 => s[i].start -= 1,
                            2 => s[i].duration += 1,
                            _ => continue,
                        }
                        let pens2 = self.simulate(&s);
                        // Kept only when the overlap on the way, over every contact and stage, shrinks.
                        let e = self.total_excess(&pens2, &self.ipr_for(&pens2, &on_way));
                        let n2 = pens2.len();
                        if e < total - 1e-4 && best.as_ref().is_none_or(|b| (e, n2) < (b.1, b.2)) {
                            best = Some((s, e, n2, pens2));
                        }
                    }
                }
            }
            match best {
                Some((s, _, _, pens2)) => {
                    changes += 1;
                    slots = s;
                    pens = pens2;
                }
                None if !on_way[p] => on_way[p] = true,
                None => {
                    warnings.push(format!(
                        "teeth {} and {} overlap by {:.2} mm on the way, beyond what sequencing and IPR may resolve",
                        order[p],
                        order[p + 1],
                        e0
                    ));
                    given_up[p] = true;
                }
            }
            ipr = self.ipr_for(&pens, &on_way);
        }
        let compact = compress(&slots);
        if compact != slots {
            slots = compact;
            pens = self.simulate(&slots);
            ipr = self.ipr_for(&pens, &on_way);
        }
        // What sequencing changed, tooth by tooth, against the pattern (both compressed alike).
        let before = compress(&pattern_slots);
        let delays =
            (0..slots.len()).filter(|&i| slots[i].start != before[i].start).map(|i| (i, slots[i].start)).collect();
        let slowed = (0..slots.len())
            .filter(|&i| slots[i].duration > before[i].duration)
            .map(|i| (i, slots[i].duration))
            .collect();
        let n = pens.len() - 1;
        for (p, e) in ipr.iter().enumerate() {
            let left = Self::excess(&pens, &ipr, n, p);
            if left > self.limits.max_penetration_mm {
                warnings.push(format!(
                    "teeth {} and {} overlap by {:.2} mm at the target{}: more than IPR may remove ({:.2} mm here)",
                    order[p],
                    order[p + 1],
                    pens[n][p],
                    if e.is_some() { " after IPR" } else { "" },
                    self.ipr_cap[p]
                ));
            }
        }
        Sequenced { slots, pens, ipr, delays, slowed, warnings }
    }

    /// Overlap contact `p` keeps at the target beyond the tolerance after IPR (mm; 0 within the tolerance): a
    /// target overlap that is reported, and that overlap on the way is measured beyond.
    fn left_at_target(&self, pens: &[Vec<f64>], ipr: &[Option<(usize, f64)>], p: usize) -> f64 {
        let left = Self::excess(pens, ipr, pens.len() - 1, p);
        if left > self.limits.max_penetration_mm {
            left
        } else {
            0.0
        }
    }

    /// Overlap on the way beyond each contact's target overlap and the tolerance, summed over contacts and
    /// stages (mm): what sequencing changes must lower.
    fn total_excess(&self, pens: &[Vec<f64>], ipr: &[Option<(usize, f64)>]) -> f64 {
        let n = pens.len() - 1;
        let mut total = 0.0;
        for p in 0..pens[0].len() {
            let at_target = self.left_at_target(pens, ipr, p);
            for k in 0..=n {
                total += (Self::excess(pens, ipr, k, p) - at_target - self.limits.max_penetration_mm).max(0.0);
            }
        }
        total
    }
}

/// Slots of the pattern: together, every tooth over the whole plan (at the pace its movement needs to end
/// with the longest); in the two phased patterns, each group together in its phase.
fn initial_slots(order: &[i32], need: &[usize], pattern: Sequencing) -> Vec<Slot> {
    let anterior = |f: i32| f % 10 <= 3;
    let longest = |pick: &dyn Fn(i32) -> bool| {
        order.iter().zip(need).filter(|(f, _)| pick(**f)).map(|(_, n)| *n).max().unwrap_or(0)
    };
    let first = |f: i32| match pattern {
        Sequencing::Together => true,
        Sequencing::PosteriorsFirst => !anterior(f),
        Sequencing::AnteriorsFirst => anterior(f),
    };
    let phase_one = longest(&first);
    let phase_two = longest(&|f| !first(f));
    order
        .iter()
        .zip(need)
        .map(|(f, &n)| match (first(*f), n) {
            (_, 0) => Slot { start: 0, duration: 0 },
            (true, _) => Slot { start: 0, duration: phase_one },
            (false, _) => Slot { start: phase_one, duration: phase_two },
        })
        .collect()
}

/// The same slots without the stages in which no tooth moves (a stage moves a tooth when it lies in
/// (start, start + duration]).
fn compress(slots: &[Slot]) -> Vec<Slot> {
    let n = slots.iter().map(Slot::end).max().unwrap_or(0);
    let moving: Vec<bool> =
        (0..=n).map(|k| k > 0 && slots.iter().any(|s| s.duration > 0 && s.start < k && k <= s.end())).collect();
    // Stage k becomes the number of moving stages up to and including k.
    let mut new_index = vec![0usize; n + 1];
    for k in 1..=n {
        new_index[k] = new_index[k - 1] + usize::from(moving[k]);
    }
    slots
        .iter()
        .map(|s| {
            if s.duration == 0 {
                return Slot { start: 0, duration: 0 };
            }
            let start = new_index[s.start];
            Slot { start, duration: new_index[s.end()] - start }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_where_nothing_moves_are_removed() {
        let slots = [Slot { start: 29, duration: 4 }, Slot { start: 30, duration: 3 }, Slot { start: 0, duration: 0 }];
        let c = compress(&slots);
        assert_eq!(
            c,
            vec![Slot { start: 0, duration: 4 }, Slot { start: 1, duration: 3 }, Slot { start: 0, duration: 0 }]
        );
        // A gap between two teeth's movements closes too.
        let c = compress(&[Slot { start: 0, duration: 2 }, Slot { start: 5, duration: 2 }]);
        assert_eq!(c, vec![Slot { start: 0, duration: 2 }, Slot { start: 2, duration: 2 }]);
    }

    #[test]
    fn patterns_phase_the_groups() {
        let order = [16, 13, 11, 21];
        let need = [4, 6, 3, 0];
        let t = initial_slots(&order, &need, Sequencing::Together);
        assert!(t[..3].iter().all(|s| s.start == 0 && s.duration == 6) && t[3].duration == 0);
        let p = initial_slots(&order, &need, Sequencing::PosteriorsFirst);
        assert_eq!(p[0], Slot { start: 0, duration: 4 });
        assert_eq!(p[1], Slot { start: 4, duration: 6 });
        let a = initial_slots(&order, &need, Sequencing::AnteriorsFirst);
        assert_eq!(a[0], Slot { start: 6, duration: 4 });
        assert_eq!(a[2], Slot { start: 0, duration: 6 });
    }
}
