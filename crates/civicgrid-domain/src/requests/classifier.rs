//! A suggested category for free text: multinomial naive Bayes over the tokens of
//! [`super::text`] (CJK pairs and single characters, Latin words), with Laplace
//! smoothing.
//!
//! A community's own history trains it at start-up ([`Classifier::add`] for each past
//! request); seed keywords for the default categories ([`seed_keywords`]) make it useful
//! before there is any history, and weigh less as history grows. It answers with a
//! category and a confidence (the posterior probability of that category, 0..1);
//! [`Classifier::suggest`] stays silent below a threshold, so that a person chooses.
//! Naive Bayes is overconfident on long texts (it multiplies evidence as if every
//! token were independent); the threshold mostly separates one clear signal from none
//! or from a mix of two, which is what the intake form needs.
//!
//! Training interns each distinct token once and counts in flat vectors, so 100,000
//! texts train in a small fraction of a second in a release build.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::text::for_each_token;

/// Below this confidence [`Classifier::suggest`] suggests nothing, by default.
pub const DEFAULT_MIN_CONFIDENCE: f64 = 0.5;
/// How much one seed keyword counts, in past requests.
pub const SEED_WEIGHT: u32 = 5;

/// Seed keywords of a default category; empty for other codes.
pub fn seed_keywords(code: &str) -> &'static [&'static str] {
    match code {
        "parking" => &[
            "停车",
            "车位",
            "乱停",
            "违停",
            "占道",
            "挡路",
            "堵住出口",
            "车库",
            "停车场",
            "电动车乱放",
            "自行车",
            "僵尸车",
            "parking",
            "parked",
            "car",
            "vehicle",
        ],
        "noise" => &[
            "噪音",
            "噪声",
            "吵",
            "吵闹",
            "扰民",
            "装修声",
            "半夜",
            "广场舞",
            "狗叫",
            "音响",
            "施工噪音",
            "noise",
            "noisy",
            "loud",
            "music",
            "barking",
        ],
        "sanitation" => &[
            "垃圾",
            "垃圾桶",
            "卫生",
            "没人清理",
            "臭",
            "异味",
            "老鼠",
            "蟑螂",
            "蚊虫",
            "垃圾分类",
            "粪便",
            "rubbish",
            "garbage",
            "trash",
            "litter",
            "smell",
            "rats",
        ],
        "repairs_water" => &[
            "漏水",
            "水管",
            "渗水",
            "滴水",
            "爆管",
            "下水道",
            "堵塞",
            "停水",
            "水压",
            "马桶",
            "leak",
            "leaking",
            "pipe",
            "water",
            "drain",
            "blocked",
        ],
        "repairs_electricity" => &[
            "停电",
            "电路",
            "跳闸",
            "电线",
            "漏电",
            "插座",
            "电表",
            "楼道灯",
            "灯不亮",
            "power",
            "electricity",
            "outage",
            "wiring",
            "light",
        ],
        "repairs_lift" => &[
            "电梯",
            "电梯坏了",
            "困人",
            "电梯停运",
            "电梯异响",
            "梯",
            "lift",
            "elevator",
            "stuck",
        ],
        "greenery" => &[
            "绿化",
            "树木",
            "树枝",
            "草坪",
            "修剪",
            "枯树",
            "杂草",
            "毁绿种菜",
            "tree",
            "trees",
            "grass",
            "lawn",
            "branches",
            "hedge",
        ],
        "safety_hazard" => &[
            "隐患",
            "安全隐患",
            "消防",
            "灭火器",
            "飞线充电",
            "电动车进楼",
            "高空坠物",
            "危险",
            "火灾",
            "燃气泄漏",
            "煤气味",
            "hazard",
            "danger",
            "dangerous",
            "fire",
            "gas",
        ],
        "neighbour_dispute" => &[
            "邻居",
            "邻里",
            "纠纷",
            "矛盾",
            "吵架",
            "争执",
            "楼上楼下",
            "neighbour",
            "neighbor",
            "dispute",
            "quarrel",
            "argument",
        ],
        "property_management" => &[
            "物业",
            "物业费",
            "物业公司",
            "收费",
            "保安",
            "服务差",
            "不作为",
            "property",
            "management",
            "fee",
            "fees",
            "security",
        ],
        "public_facilities" => &[
            "路灯",
            "健身器材",
            "路面",
            "坑洼",
            "座椅",
            "公厕",
            "人行道",
            "无障碍",
            "道路",
            "streetlight",
            "bench",
            "road",
            "pavement",
            "pothole",
            "playground",
        ],
        _ => &[],
    }
}

/// A category and how sure the classifier is of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub category: String,
    /// Posterior probability, 0..1.
    pub confidence: f64,
}

/// FxHash: a fast, non-cryptographic hash for the vocabulary, which comes from the
/// community's own records.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

type Vocab = HashMap<Box<str>, u32, BuildHasherDefault<FxHasher>>;

#[derive(Debug, Clone)]
struct ClassStats {
    code: String,
    /// Weighted number of examples.
    docs: u64,
    /// Weighted number of tokens.
    tokens: u64,
    /// Weighted count per token id (shorter than the vocabulary: missing means 0).
    counts: Vec<u32>,
}

/// A trained (or seeded) model.
#[derive(Debug, Clone)]
pub struct Classifier {
    alpha: f64,
    vocab: Vocab,
    classes: Vec<ClassStats>,
    docs: u64,
}

impl Default for Classifier {
    fn default() -> Classifier {
        Classifier::new()
    }
}

impl Classifier {
    /// An empty model with Laplace smoothing (α = 1).
    pub fn new() -> Classifier {
        Classifier {
            alpha: 1.0,
            vocab: Vocab::default(),
            classes: Vec::new(),
            docs: 0,
        }
    }

    /// A model seeded with the keywords of those of `codes` that have seeds.
    pub fn with_seeds<'a>(codes: impl IntoIterator<Item = &'a str>) -> Classifier {
        let mut c = Classifier::new();
        for code in codes {
            for kw in seed_keywords(code) {
                c.add_weighted(kw, code, SEED_WEIGHT);
            }
        }
        c
    }

    /// Adds one past request of `category`.
    pub fn add(&mut self, text: &str, category: &str) {
        self.add_weighted(text, category, 1);
    }

    /// Adds an example that counts `weight` times.
    pub fn add_weighted(&mut self, text: &str, category: &str, weight: u32) {
        if weight == 0 {
            return;
        }
        let class = match self.classes.iter().position(|c| c.code == category) {
            Some(i) => i,
            None => {
                self.classes.push(ClassStats {
                    code: category.to_owned(),
                    docs: 0,
                    tokens: 0,
                    counts: Vec::new(),
                });
                self.classes.len() - 1
            }
        };
        let vocab = &mut self.vocab;
        let stats = &mut self.classes[class];
        stats.docs += u64::from(weight);
        self.docs += u64::from(weight);
        for_each_token(text, true, |t| {
            let id = match vocab.get(t) {
                Some(&id) => id,
                None => {
                    let id = u32::try_from(vocab.len()).unwrap_or(u32::MAX);
                    vocab.insert(t.into(), id);
                    id
                }
            };
            let i = id as usize;
            if stats.counts.len() <= i {
                stats.counts.resize(i + 1, 0);
            }
            stats.counts[i] = stats.counts[i].saturating_add(weight);
            stats.tokens += u64::from(weight);
        });
    }

    /// Category codes the model knows, in the order first seen.
    pub fn categories(&self) -> impl Iterator<Item = &str> {
        self.classes.iter().map(|c| c.code.as_str())
    }

    /// Number of distinct tokens seen.
    pub fn vocabulary_len(&self) -> usize {
        self.vocab.len()
    }

    /// Every known category with its confidence, most likely first. Empty when the
    /// model is empty or the text has no token the model has seen.
    pub fn ranked(&self, text: &str) -> Vec<Prediction> {
        let mut ids = Vec::new();
        for_each_token(text, true, |t| {
            if let Some(&id) = self.vocab.get(t) {
                ids.push(id as usize);
            }
        });
        if ids.is_empty() || self.classes.is_empty() {
            return Vec::new();
        }
        let v = self.vocab.len() as f64;
        let k = self.classes.len() as f64;
        let scores: Vec<f64> = self
            .classes
            .iter()
            .map(|c| {
                let prior = ((c.docs as f64 + 1.0) / (self.docs as f64 + k)).ln();
                let denom = (c.tokens as f64 + self.alpha * v).ln();
                prior
                    + ids
                        .iter()
                        .map(|&i| {
                            let n = c.counts.get(i).copied().unwrap_or(0);
                            (f64::from(n) + self.alpha).ln() - denom
                        })
                        .sum::<f64>()
            })
            .collect();
        let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exp: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
        let total: f64 = exp.iter().sum();
        let mut out: Vec<Prediction> = self
            .classes
            .iter()
            .zip(exp)
            .map(|(c, e)| Prediction {
                category: c.code.clone(),
                confidence: e / total,
            })
            .collect();
        out.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then_with(|| a.category.cmp(&b.category))
        });
        out
    }

    /// The most likely category, whatever the confidence.
    pub fn classify(&self, text: &str) -> Option<Prediction> {
        self.ranked(text).into_iter().next()
    }

    /// The most likely category when its confidence is at least `min_confidence`.
    pub fn suggest(&self, text: &str, min_confidence: f64) -> Option<Prediction> {
        self.classify(text)
            .filter(|p| p.confidence >= min_confidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::category::default_catalogue;

    fn seeded() -> Classifier {
        let cat = default_catalogue();
        Classifier::with_seeds(cat.iter().map(|c| c.code.as_str()))
    }

    #[test]
    fn every_default_category_but_other_has_seeds() {
        for c in default_catalogue() {
            assert_eq!(
                seed_keywords(&c.code).is_empty(),
                c.code == "other",
                "{}",
                c.code
            );
        }
        let m = seeded();
        assert_eq!(m.categories().count(), 11);
        assert!(m.vocabulary_len() > 100);
    }

    #[test]
    fn seeds_alone_suggest_the_obvious() {
        let m = seeded();
        for (text, want) in [
            ("楼下车位被人占了，车也乱停", "parking"),
            ("楼上装修太吵了，半夜还有噪音", "noise"),
            ("垃圾桶满了好几天没人清理，很臭", "sanitation"),
            ("厨房水管漏水，楼下也在渗水", "repairs_water"),
            ("电梯又坏了，差点困人", "repairs_lift"),
            ("楼道灯不亮，还老跳闸", "repairs_electricity"),
            ("门口的树枝太长了需要修剪", "greenery"),
            ("有人在楼道飞线充电，消防隐患", "safety_hazard"),
            ("和楼上邻居有矛盾，吵架了", "neighbour_dispute"),
            ("物业公司乱收费，保安也不管", "property_management"),
            ("小区外路灯坏了，路面坑洼", "public_facilities"),
            ("The lift is stuck again", "repairs_lift"),
            ("water pipe leaking in the kitchen", "repairs_water"),
        ] {
            let p = m.suggest(text, DEFAULT_MIN_CONFIDENCE);
            assert_eq!(
                p.as_ref().map(|p| p.category.as_str()),
                Some(want),
                "{text}: {:?}",
                m.ranked(text).into_iter().take(3).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn unclear_text_asks_a_person() {
        let m = seeded();
        // Nothing the model has seen.
        assert_eq!(m.classify("你好"), None);
        assert_eq!(m.classify(""), None);
        assert!(m.ranked("?!").is_empty());
        // Words of two categories: not sure enough.
        let p = m.classify("电梯").unwrap();
        assert_eq!(p.category, "repairs_lift");
        assert!(m.suggest("电梯 停车", 0.9).is_none());
        assert_eq!(Classifier::new().classify("电梯坏了"), None);
    }

    #[test]
    fn confidences_form_a_distribution() {
        let m = seeded();
        let r = m.ranked("电梯坏了困人");
        assert_eq!(r.len(), 11);
        let sum: f64 = r.iter().map(|p| p.confidence).sum();
        assert!((sum - 1.0).abs() < 1e-9);
        assert!(r.windows(2).all(|w| w[0].confidence >= w[1].confidence));
        assert!(r.iter().all(|p| (0.0..=1.0).contains(&p.confidence)));
    }

    #[test]
    fn history_teaches_local_words() {
        let mut m = seeded();
        // In this community "小黄车" complaints are about shared bikes blocking the gate,
        // filed under parking; "顶楼" leaks are roof repairs, filed under repairs_water.
        for _ in 0..20 {
            m.add("小黄车堆在门口", "parking");
            m.add("顶楼屋面渗漏", "repairs_water");
            m.add("广场舞大妈音乐声", "noise");
        }
        assert_eq!(
            m.suggest("门口又堆满小黄车", DEFAULT_MIN_CONFIDENCE)
                .map(|p| p.category),
            Some("parking".to_owned())
        );
        assert_eq!(
            m.suggest("顶楼屋面又渗漏了", DEFAULT_MIN_CONFIDENCE)
                .map(|p| p.category),
            Some("repairs_water".to_owned())
        );
        // History can add categories the seeds never knew.
        m.add("社区食堂菜品太咸", "canteen");
        m.add("食堂排队太久", "canteen");
        assert_eq!(
            m.classify("食堂的菜").map(|p| p.category),
            Some("canteen".to_owned())
        );
    }

    #[test]
    fn seeds_only_for_the_codes_asked() {
        let m = Classifier::with_seeds(["parking", "noise", "no_such_code"]);
        assert_eq!(m.categories().collect::<Vec<_>>(), ["parking", "noise"]);
    }

    #[test]
    fn zero_weight_adds_nothing() {
        let mut m = Classifier::new();
        m.add_weighted("电梯", "repairs_lift", 0);
        assert_eq!(m.categories().count(), 0);
        assert_eq!(m.vocabulary_len(), 0);
    }

    /// Prints the training time of 100,000 texts; run with
    /// `cargo test --release -p civicgrid-domain -- --ignored --nocapture training`.
    #[test]
    #[ignore = "timing; run in release"]
    fn training_on_100k_texts() {
        let phrases = [
            ("号楼车位被占", "parking"),
            ("楼上装修噪音", "noise"),
            ("单元门口垃圾没人清", "sanitation"),
            ("室卫生间水管漏水", "repairs_water"),
            ("单元电梯停运", "repairs_lift"),
            ("楼道灯不亮", "repairs_electricity"),
        ];
        let texts: Vec<(String, &str)> = (0..100_000)
            .map(|i| {
                let (p, c) = phrases[i % phrases.len()];
                (format!("{}{p}，第{}次反映，请尽快处理", i % 40, i % 7), c)
            })
            .collect();
        let start = std::time::Instant::now();
        let mut m = seeded();
        for (t, c) in &texts {
            m.add(t, c);
        }
        let trained = start.elapsed();
        let start = std::time::Instant::now();
        for (t, _) in texts.iter().take(10_000) {
            let _ = m.classify(t);
        }
        println!(
            "trained on {} texts in {trained:?}; 10,000 classifications in {:?}",
            texts.len(),
            start.elapsed()
        );
        assert_eq!(
            m.classify("电梯停运").map(|p| p.category),
            Some("repairs_lift".to_owned())
        );
    }
}
