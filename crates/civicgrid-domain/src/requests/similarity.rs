//! Duplicate suggestions: which earlier requests a new one may repeat.
//!
//! | part of the score | weight (default) | 0..1 |
//! |---|---|---|
//! | text | 0.45 | cosine of the token sets (see [`super::text`]) |
//! | category | 0.25 | 1 for the same category |
//! | location | 0.2 | 1 in the same building; within the radius, 1 down to 0.5 at its edge |
//! | recency | 0.1 | 1 at the same moment, down to 0 at the window's edge |
//!
//! The weighted sum, divided by the weights' sum, is the score. Left out: candidates
//! older than the window; candidates known to be elsewhere (another building and not
//! within the radius); and candidates of another category family
//! ([`family_of`]: a lamp is not a lift) unless their texts are nearly the same
//! (at least [`CROSS_FAMILY_MIN_TEXT`]). A request in `other` may duplicate any
//! family, since it is where residents put what they could not place. Those at or
//! above the threshold come back, best first. The store pre-selects candidates (same community,
//! recent, not closed long ago); everything here works on that slice.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::category::family_of;
use super::text::{set_cosine, token_hashes, token_set};
use super::{MAX_WINDOW_MS, RequestId};
use crate::geo::EARTH_RADIUS_M;

#[derive(Debug, Clone, Error, PartialEq)]
pub enum SimilarityError {
    #[error("the radius must be more than 0 metres")]
    BadRadius,
    #[error("the recency window must be longer than 0 and at most {} days", MAX_WINDOW_MS / DAY_MS)]
    BadWindow,
    #[error("the threshold must be between 0 and 1")]
    BadThreshold,
    #[error("weights must not be negative, and at least one must be positive")]
    BadWeights,
    #[error("at most {MAX_DUPLICATE_RESULTS} suggestions are offered")]
    TooManyResults,
}

/// Most duplicate suggestions offered at once.
pub const MAX_DUPLICATE_RESULTS: usize = 50;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Across category families, a candidate needs at least this text similarity.
pub const CROSS_FAMILY_MIN_TEXT: f64 = 0.8;

/// May requests of categories `a` and `b` be duplicates whatever their texts? The same
/// category, the same [`family_of`], or one of them in `other`.
pub fn related_categories(a: &str, b: &str) -> bool {
    a == b || a == "other" || b == "other" || family_of(a) == family_of(b)
}

/// What is compared of a request: the new one, or a candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary<'a> {
    pub category: &'a str,
    pub text: &'a str,
    pub building_id: Option<i64>,
    /// WGS-84 (longitude, latitude), as everywhere in [`crate::geo`].
    pub point: Option<(f64, f64)>,
    /// Milliseconds since the Unix epoch, UTC.
    pub created_ms: i64,
}

/// An earlier request that the new one may duplicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate<'a> {
    pub id: RequestId,
    pub summary: Summary<'a>,
    /// `token_hashes(summary.text)`, worked out once per candidate by the caller (a
    /// candidate is compared with many new requests).
    pub tokens: &'a [u64],
}

/// Weights, limits and the threshold of the score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DuplicatePolicy {
    /// Points this close (metres) are nearby.
    pub radius_m: f64,
    /// Candidates created more than this long before or after are left out.
    pub window_ms: i64,
    /// Suggested from this combined score on (0..1).
    pub threshold: f64,
    pub text_weight: f64,
    pub category_weight: f64,
    pub location_weight: f64,
    pub recency_weight: f64,
    /// Most suggestions returned.
    pub max_results: usize,
}

impl Default for DuplicatePolicy {
    /// 150 m, 7 days, threshold 0.5; text 0.45, category 0.25, location 0.2, recency 0.1.
    fn default() -> DuplicatePolicy {
        DuplicatePolicy {
            radius_m: 150.0,
            window_ms: 7 * 24 * 60 * 60 * 1000,
            threshold: 0.5,
            text_weight: 0.45,
            category_weight: 0.25,
            location_weight: 0.2,
            recency_weight: 0.1,
            max_results: 5,
        }
    }
}

impl DuplicatePolicy {
    pub fn validate(self) -> Result<DuplicatePolicy, SimilarityError> {
        if !(self.radius_m.is_finite() && self.radius_m > 0.0) {
            return Err(SimilarityError::BadRadius);
        }
        if self.window_ms <= 0 || self.window_ms > MAX_WINDOW_MS {
            return Err(SimilarityError::BadWindow);
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(SimilarityError::BadThreshold);
        }
        let w = self.weights();
        if w.iter().any(|x| !x.is_finite() || *x < 0.0) || w.iter().sum::<f64>() <= 0.0 {
            return Err(SimilarityError::BadWeights);
        }
        if self.max_results > MAX_DUPLICATE_RESULTS {
            return Err(SimilarityError::TooManyResults);
        }
        Ok(self)
    }

    fn weights(&self) -> [f64; 4] {
        [
            self.text_weight,
            self.category_weight,
            self.location_weight,
            self.recency_weight,
        ]
    }
}

/// How near two requests are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Nearness {
    SameBuilding,
    Within {
        metres: f64,
    },
    /// Known to be in different places.
    Apart,
    /// One of them has no location.
    Unknown,
}

/// A suggested duplicate, with the parts of its score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SimilarRequest {
    pub id: RequestId,
    /// Combined score, 0..1.
    pub score: f64,
    /// Text similarity, 0..1.
    pub text: f64,
    pub same_category: bool,
    pub nearness: Nearness,
}

/// Great-circle distance in metres between two (longitude, latitude) points.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

fn usable(p: Option<(f64, f64)>) -> Option<(f64, f64)> {
    p.filter(|(lon, lat)| {
        lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0
    })
}

/// How near `a` and `b` are, given a radius.
pub fn nearness(a: &Summary<'_>, b: &Summary<'_>, radius_m: f64) -> Nearness {
    if let (Some(x), Some(y)) = (a.building_id, b.building_id)
        && x == y
    {
        return Nearness::SameBuilding;
    }
    if let (Some(p), Some(q)) = (usable(a.point), usable(b.point)) {
        let metres = haversine_m(p, q);
        return if metres <= radius_m {
            Nearness::Within { metres }
        } else {
            Nearness::Apart
        };
    }
    if a.building_id.is_some() && b.building_id.is_some() {
        Nearness::Apart
    } else {
        Nearness::Unknown
    }
}

/// Similarity of two texts, 0..1 (see [`super::text`]).
pub fn text_similarity(a: &str, b: &str) -> f64 {
    set_cosine(&token_set(a), &token_set(b))
}

/// The candidates that `probe` may duplicate, best first, at most
/// `policy.max_results`.
pub fn suggest_duplicates(
    probe: &Summary<'_>,
    candidates: &[Candidate<'_>],
    policy: &DuplicatePolicy,
) -> Vec<SimilarRequest> {
    let probe_tokens = token_hashes(probe.text);
    let total_weight: f64 = policy.weights().iter().sum();
    if total_weight <= 0.0 || !total_weight.is_finite() {
        return Vec::new();
    }
    let mut out: Vec<SimilarRequest> = candidates
        .iter()
        .filter_map(|c| {
            let age = probe.created_ms.abs_diff(c.summary.created_ms);
            let window = policy.window_ms.max(1).unsigned_abs();
            if age > window {
                return None;
            }
            let near = nearness(probe, &c.summary, policy.radius_m);
            let location = match near {
                Nearness::SameBuilding => 1.0,
                Nearness::Within { metres } => 1.0 - 0.5 * metres / policy.radius_m,
                Nearness::Apart => return None,
                Nearness::Unknown => 0.0,
            };
            let text = set_cosine(&probe_tokens, c.tokens);
            if text < CROSS_FAMILY_MIN_TEXT
                && !related_categories(probe.category, c.summary.category)
            {
                return None;
            }
            let same_category = probe.category == c.summary.category;
            let recency = 1.0 - age as f64 / window as f64;
            let score = (policy.text_weight * text
                + policy.category_weight * f64::from(u8::from(same_category))
                + policy.location_weight * location
                + policy.recency_weight * recency)
                / total_weight;
            (score >= policy.threshold).then_some(SimilarRequest {
                id: c.id,
                score,
                text,
                same_category,
                nearness: near,
            })
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)));
    out.truncate(policy.max_results);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 60 * 60 * 1000;
    /// Near Wuhan's Jianghan Road.
    const HERE: (f64, f64) = (114.2850, 30.5850);

    /// A point `north_m` metres north of HERE.
    fn north(north_m: f64) -> (f64, f64) {
        (HERE.0, HERE.1 + north_m / 111_195.0)
    }

    fn probe() -> Summary<'static> {
        Summary {
            category: "repairs_water",
            text: "3号楼2单元楼道水管漏水，地上全是水",
            building_id: Some(3),
            point: Some(HERE),
            created_ms: 100 * HOUR,
        }
    }

    fn cand(id: i64, summary: Summary<'static>) -> Candidate<'static> {
        Candidate {
            id: RequestId(id),
            summary,
            // Leaked so that the test's candidates may live as long as its summaries.
            tokens: Box::leak(token_hashes(summary.text).into_boxed_slice()),
        }
    }

    #[test]
    fn haversine() {
        assert!(haversine_m(HERE, HERE).abs() < 1e-9);
        let d = haversine_m(HERE, north(100.0));
        assert!((d - 100.0).abs() < 0.5, "{d}");
        // Beijing to Shanghai is about 1,067 km.
        let d = haversine_m((116.4074, 39.9042), (121.4737, 31.2304));
        assert!((d - 1_067_000.0).abs() < 5_000.0, "{d}");
    }

    #[test]
    fn nearness_kinds() {
        let p = probe();
        let mut q = probe();
        assert_eq!(nearness(&p, &q, 150.0), Nearness::SameBuilding);
        q.building_id = Some(4);
        q.point = Some(north(100.0));
        assert!(matches!(
            nearness(&p, &q, 150.0),
            Nearness::Within { metres } if (metres - 100.0).abs() < 0.5
        ));
        q.point = Some(north(400.0));
        assert_eq!(nearness(&p, &q, 150.0), Nearness::Apart);
        q.point = None;
        assert_eq!(nearness(&p, &q, 150.0), Nearness::Apart);
        q.building_id = None;
        assert_eq!(nearness(&p, &q, 150.0), Nearness::Unknown);
        // Junk coordinates count as no coordinates.
        q.point = Some((f64::NAN, 30.0));
        assert_eq!(nearness(&p, &q, 150.0), Nearness::Unknown);
    }

    #[test]
    fn the_same_leak_reported_twice_is_suggested_first() {
        let policy = DuplicatePolicy::default();
        let cands = [
            // The same leak, an hour earlier, another resident's words.
            cand(
                1,
                Summary {
                    text: "3号楼楼道里水管在漏水",
                    created_ms: 99 * HOUR,
                    ..probe()
                },
            ),
            // Same building, same category, different words (still plausible).
            cand(
                2,
                Summary {
                    text: "卫生间天花板滴水",
                    created_ms: 90 * HOUR,
                    ..probe()
                },
            ),
            // Same words but another building far away: left out.
            cand(
                3,
                Summary {
                    building_id: Some(9),
                    point: Some(north(800.0)),
                    ..probe()
                },
            ),
            // Same building, unrelated.
            cand(
                4,
                Summary {
                    category: "parking",
                    text: "有车堵住了消防通道",
                    ..probe()
                },
            ),
            // The same leak, but two weeks ago: out of the window.
            cand(
                5,
                Summary {
                    created_ms: 100 * HOUR - 14 * 24 * HOUR,
                    ..probe()
                },
            ),
        ];
        let got = suggest_duplicates(&probe(), &cands, &policy);
        let ids: Vec<i64> = got.iter().map(|s| s.id.0).collect();
        assert_eq!(ids, [1, 2]);
        assert!(got[0].score > got[1].score);
        assert!(got[0].text > 0.3, "{}", got[0].text);
        assert!(got[0].same_category);
        assert_eq!(got[0].nearness, Nearness::SameBuilding);
        assert!(got.iter().all(|s| (0.0..=1.0).contains(&s.score)));
    }

    #[test]
    fn text_and_place_without_a_building() {
        let policy = DuplicatePolicy::default();
        let p = Summary {
            category: "sanitation",
            text: "小区东门垃圾桶满了没人清理",
            building_id: None,
            point: Some(HERE),
            created_ms: 100 * HOUR,
        };
        let near = cand(
            7,
            Summary {
                text: "东门垃圾桶满了，臭",
                point: Some(north(60.0)),
                created_ms: 95 * HOUR,
                ..p
            },
        );
        let unknown_place = cand(
            8,
            Summary {
                text: "东门垃圾桶满了，臭",
                point: None,
                created_ms: 95 * HOUR,
                ..p
            },
        );
        let got = suggest_duplicates(&p, &[near, unknown_place], &policy);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].id, RequestId(7));
        assert!(matches!(got[0].nearness, Nearness::Within { .. }));
        assert_eq!(got[1].nearness, Nearness::Unknown);
    }

    #[test]
    fn threshold_limit_and_order() {
        let strict = DuplicatePolicy {
            threshold: 0.999,
            ..DuplicatePolicy::default()
        };
        // Identical in every respect scores exactly 1.
        let same = cand(1, probe());
        assert_eq!(suggest_duplicates(&probe(), &[same], &strict).len(), 1);
        let c2 = cand(
            2,
            Summary {
                created_ms: 90 * HOUR,
                ..probe()
            },
        );
        // Ten hours apart: 0.1 * (1 - 10/168) recency, just under 0.999.
        assert!(suggest_duplicates(&probe(), &[c2], &strict).is_empty());

        let one = DuplicatePolicy {
            max_results: 1,
            ..DuplicatePolicy::default()
        };
        let cands = [cand(1, probe()), cand(2, probe()), cand(3, probe())];
        let got = suggest_duplicates(&probe(), &cands, &one);
        // Equal scores: the newest request (highest id) first.
        assert_eq!(got.iter().map(|s| s.id.0).collect::<Vec<_>>(), [3]);
        assert!(suggest_duplicates(&probe(), &[], &one).is_empty());
    }

    #[test]
    fn a_lamp_is_not_a_lift() {
        let policy = DuplicatePolicy::default();
        let lamp = Summary {
            category: "repairs_electricity",
            text: "3栋2单元楼道灯坏了，晚上很黑，老人上下楼不安全",
            ..probe()
        };
        // Same building, an hour apart, words in common (3栋2单元, 坏了, 上下楼).
        let lift = cand(
            1,
            Summary {
                category: "repairs_lift",
                text: "3栋2单元电梯坏了，老人上下楼很不方便",
                created_ms: 99 * HOUR,
                ..probe()
            },
        );
        // The same lamp, filed under public facilities by a neighbour.
        let lamp_elsewhere = cand(
            2,
            Summary {
                category: "public_facilities",
                text: "3栋2单元的楼道灯坏了，晚上很黑",
                created_ms: 98 * HOUR,
                ..probe()
            },
        );
        // The same words filed under the lift by mistake: nearly identical text still
        // counts across families.
        let misfiled = cand(
            3,
            Summary {
                category: "repairs_lift",
                text: "3栋2单元楼道灯坏了，晚上很黑，老人上下楼不安全！",
                created_ms: 97 * HOUR,
                ..probe()
            },
        );
        // Filed under other: any family.
        let other = cand(
            4,
            Summary {
                category: "other",
                text: "3栋2单元楼道灯坏了",
                created_ms: 96 * HOUR,
                ..probe()
            },
        );
        let got = suggest_duplicates(&lamp, &[lift, lamp_elsewhere, misfiled, other], &policy);
        let ids: Vec<i64> = got.iter().map(|s| s.id.0).collect();
        assert!(!ids.contains(&1), "{got:?}");
        assert!(
            ids.contains(&2) && ids.contains(&3) && ids.contains(&4),
            "{got:?}"
        );
        // Without the family rule the lift would have scored above the threshold.
        let text = text_similarity(lamp.text, lift.summary.text);
        assert!(text < CROSS_FAMILY_MIN_TEXT);
        let unfamilied = (policy.text_weight * text
            + policy.location_weight
            + policy.recency_weight * (1.0 - 1.0 / 168.0))
            / 1.0;
        assert!(unfamilied >= policy.threshold, "{unfamilied}");
        assert!(related_categories(
            "repairs_electricity",
            "public_facilities"
        ));
        assert!(related_categories("canteen", "canteen"));
        assert!(!related_categories("repairs_electricity", "repairs_lift"));
        assert!(!related_categories("canteen", "parking"));
    }

    #[test]
    fn text_similarity_is_chinese_aware() {
        let s = text_similarity("电梯坏了，困人", "电梯又坏了");
        assert!(s > 0.3, "{s}");
        assert_eq!(text_similarity("电梯坏了", "停车位被占"), 0.0);
        assert!((text_similarity("Lift broken", "lift BROKEN!") - 1.0).abs() < 1e-12);
    }

    #[test]
    fn policies_are_checked() {
        let d = DuplicatePolicy::default();
        assert!(d.validate().is_ok());
        assert_eq!(
            DuplicatePolicy { radius_m: 0.0, ..d }.validate(),
            Err(SimilarityError::BadRadius)
        );
        assert_eq!(
            DuplicatePolicy { window_ms: 0, ..d }.validate(),
            Err(SimilarityError::BadWindow)
        );
        assert_eq!(
            DuplicatePolicy {
                threshold: 1.5,
                ..d
            }
            .validate(),
            Err(SimilarityError::BadThreshold)
        );
        assert_eq!(
            DuplicatePolicy {
                text_weight: -1.0,
                ..d
            }
            .validate(),
            Err(SimilarityError::BadWeights)
        );
        let zero = DuplicatePolicy {
            text_weight: 0.0,
            category_weight: 0.0,
            location_weight: 0.0,
            recency_weight: 0.0,
            ..d
        };
        assert_eq!(zero.validate(), Err(SimilarityError::BadWeights));
        // Unchecked zero weights suggest nothing rather than dividing by zero.
        assert!(suggest_duplicates(&probe(), &[cand(1, probe())], &zero).is_empty());
    }
}
