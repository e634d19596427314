//! Tooth numbering shared by every stage: FDI (ISO 3950) and the Universal system, jaws.

use serde::{Deserialize, Serialize};

/// Upper (maxilla) or lower (mandible) jaw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Jaw {
    /// Maxilla: FDI quadrants 1 and 2.
    Upper,
    /// Mandible: FDI quadrants 3 and 4.
    Lower,
}

impl Jaw {
    /// "upper" or "lower", as Teeth3DS writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Jaw::Upper => "upper",
            Jaw::Lower => "lower",
        }
    }
}

/// True for a permanent-dentition FDI number 11–18, 21–28, 31–38, 41–48.
pub fn is_fdi(fdi: i32) -> bool {
    (1..=4).contains(&(fdi / 10)) && (1..=8).contains(&(fdi % 10))
}

/// The jaw an FDI number belongs to, or `None` if it is not a permanent tooth.
pub fn jaw_of_fdi(fdi: i32) -> Option<Jaw> {
    match fdi / 10 {
        _ if !is_fdi(fdi) => None,
        1 | 2 => Some(Jaw::Upper),
        _ => Some(Jaw::Lower),
    }
}

/// Universal number (1–32, as used in the US) of a permanent FDI tooth; `None` if `fdi` is not one.
pub fn fdi_to_universal(fdi: i32) -> Option<i32> {
    if !is_fdi(fdi) {
        return None;
    }
    let (q, t) = (fdi / 10, fdi % 10);
    Some(match q {
        1 => 9 - t,
        2 => 8 + t,
        3 => 25 - t,
        _ => 24 + t,
    })
}

/// FDI number of a Universal tooth number 1–32; `None` outside that range.
pub fn universal_to_fdi(universal: i32) -> Option<i32> {
    Some(match universal {
        1..=8 => 10 + (9 - universal),
        9..=16 => 20 + (universal - 8),
        17..=24 => 30 + (25 - universal),
        25..=32 => 40 + (universal - 24),
        _ => return None,
    })
}

/// Mean mesio-distal crown width (mm) of a permanent tooth, from Wheeler's table (see `phantom::dims`).
pub fn tooth_mean_width(fdi: i32) -> f64 {
    crate::phantom::dims::tooth_dims(fdi).md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn universal_round_trip_covers_all_32_teeth() {
        let mut seen = std::collections::BTreeSet::new();
        for q in 1..=4 {
            for t in 1..=8 {
                let fdi = q * 10 + t;
                let u = fdi_to_universal(fdi).unwrap();
                assert!((1..=32).contains(&u));
                assert_eq!(universal_to_fdi(u), Some(fdi));
                seen.insert(u);
            }
        }
        assert_eq!(seen.len(), 32);
        // Anchor points every clinician knows.
        assert_eq!(fdi_to_universal(18), Some(1));
        assert_eq!(fdi_to_universal(11), Some(8));
        assert_eq!(fdi_to_universal(21), Some(9));
        assert_eq!(fdi_to_universal(38), Some(17));
        assert_eq!(fdi_to_universal(31), Some(24));
        assert_eq!(fdi_to_universal(48), Some(32));
        assert_eq!(fdi_to_universal(19), None);
        assert_eq!(universal_to_fdi(0), None);
        assert_eq!(jaw_of_fdi(36), Some(Jaw::Lower));
        assert_eq!(jaw_of_fdi(0), None);
    }
}
