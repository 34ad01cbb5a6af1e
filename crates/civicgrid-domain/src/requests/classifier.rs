//! A suggested category for a resident's own words: every known word votes for the
//! categories it was seen in, as strongly as it is specific to them.
//!
//! | step | rule |
//! |---|---|
//! | words | [`super::text::for_each_word`]: jieba's words in search mode, Latin words lower-cased with a plural stripped; [`seeds::is_stop_word`]s dropped. A Chinese word the model has never seen falls back to its characters, at [`CHARACTER_WEIGHT`] |
//! | knowledge | per category, documents counted by weight: its names ([`NAME_WEIGHT`]), description ([`DESCRIPTION_WEIGHT`]), [`seed_keywords`] ([`SEED_WEIGHT`] each), past requests (1 each, [`Classifier::add`]), staff corrections ([`CORRECTION_WEIGHT`], [`Classifier::add_correction`], which also takes as much from the wrong category) |
//! | spread of a word | `p(c│w)`: the share of category `c` among the documents with `w`, each category's count divided by its size (a category with a long history does not drown a small one), smoothed by `α`, one document spread evenly ([`CHARACTER_SMOOTHING`] for a character) |
//! | weight of a word | `(1 − H(w) / H₀) · m / (m + α)`: `H(w)` the entropy of the word's spread (unsmoothed), `H₀` that of a word that says nothing (spread evenly over the `K` categories, `ln K`, before any history; as the community's requests are spread after [`HISTORY_FOR_REFERENCE`] of them); `m` the documents with the word, `α` its smoothing. Near 1 for a word of one category (电梯, 困人, 路灯), 0 for one spread like everything else (晚上, the estate's name, in a long history) |
//! | confidence | `Σ weight·p(c│w) / Σ weight` over the distinct words: the share of the evidence for `c`; the shares add up to 1 |
//! | answer ([`Classifier::choices`]) | no idea: evidence below [`MIN_EVIDENCE`]; sure: the best has at least the minimum confidence and [`SURE_RATIO`] times the second's; unsure otherwise: the best two, and the third when it has at least [`CHOICE_SHARE`] of the best's confidence |
//!
//! Averaging the words' votes instead of multiplying likelihoods (naive Bayes) keeps a
//! long, rambling message from looking surer than a short one, and lets a message
//! about two things (a lift and the property company's silence about it) show both.
//! Generic words carry little because they spread over categories, from the seeds at
//! first ([`seeds::is_stop_word`] lists the commonest) and from the community's own
//! history as it grows; seeds weigh less as history grows, since every category's
//! counts are divided by its size.
//!
//! Training interns each distinct word once and counts in flat vectors; jieba's
//! segmentation is most of the cost of [`Classifier::add`], and a suggestion looks up a
//! few dozen words.

mod seeds;

#[cfg(test)]
mod eval;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::category::{Category, default_catalogue};
use super::text::for_each_word;
use crate::ledger::search::is_cjk;

pub use seeds::{is_stop_word, seed_keywords};

/// Below this confidence [`Classifier::suggest`] suggests nothing, by default.
pub const DEFAULT_MIN_CONFIDENCE: f64 = 0.5;
/// How much one seed keyword counts, in past requests.
pub const SEED_WEIGHT: u32 = 5;
/// How much a category's name (each language) counts, in past requests.
pub const NAME_WEIGHT: u32 = 10;
/// How much a category's description counts, in past requests.
pub const DESCRIPTION_WEIGHT: u32 = 3;
/// How much a staff correction counts, in past requests.
pub const CORRECTION_WEIGHT: u32 = 5;
/// How much a character of an unseen Chinese word counts, against 1 for a known word.
pub const CHARACTER_WEIGHT: f64 = 0.4;
/// Documents of smoothing for a character (against 1 for a word): a character is
/// specific only when many documents of one category have it (梯 of 电梯, 扶梯, 直梯…).
pub const CHARACTER_SMOOTHING: f64 = 15.0;
/// Below this much evidence (the sum of the known words' weights) there is no idea.
pub const MIN_EVIDENCE: f64 = 0.35;
/// The best category is sure only with at least this many times the second's confidence.
pub const SURE_RATIO: f64 = 2.0;
/// A third unsure choice needs at least this share of the first's confidence.
pub const CHOICE_SHARE: f64 = 0.25;
/// Most choices offered when unsure.
pub const MAX_CHOICES: usize = 3;
/// Past requests over which the spread of a word that says nothing moves from even over
/// all categories to the spread of the community's requests.
pub const HISTORY_FOR_REFERENCE: f64 = 50.0;
/// A category counts as at least this many documents when its counts are divided by its
/// size, so that a category known only from seeds is not inflated.
const MIN_CATEGORY_DOCS: u64 = 500;

/// A category and how sure the classifier is of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub category: String,
    /// The share of the text's evidence that points to the category, 0..1.
    pub confidence: f64,
}

/// How sure a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// One category: fill it in.
    Sure,
    /// Two or three categories: let the person pick.
    Unsure,
    /// Nothing worth showing: the person chooses from the whole list.
    NoIdea,
}

/// What to offer for a text: one category when sure, two or three when unsure,
/// none when there is no idea.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choices {
    pub certainty: Certainty,
    /// Most likely first: 1 when sure, 2..=[`MAX_CHOICES`] when unsure, 0 otherwise.
    pub choices: Vec<Prediction>,
}

impl Choices {
    /// The one category when sure.
    pub fn sure(self) -> Option<Prediction> {
        match self.certainty {
            Certainty::Sure => self.choices.into_iter().next(),
            Certainty::Unsure | Certainty::NoIdea => None,
        }
    }
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
    /// Weighted number of documents.
    docs: u64,
    /// Weighted number of them that are past requests or corrections, not seeds.
    history: u64,
    /// Weighted number of documents with each word id (shorter than the vocabulary:
    /// missing means 0).
    counts: Vec<u32>,
    /// Weighted corrections away from this category, per word id.
    penalties: Vec<u32>,
}

impl ClassStats {
    /// Documents with word `id`, less the corrections away from here.
    fn count(&self, id: usize) -> u32 {
        let n = self.counts.get(id).copied().unwrap_or(0);
        n.saturating_sub(self.penalties.get(id).copied().unwrap_or(0))
    }
}

fn bump(v: &mut Vec<u32>, id: usize, weight: u32) {
    if v.len() <= id {
        v.resize(id + 1, 0);
    }
    v[id] = v[id].saturating_add(weight);
}

/// Marks a character feature, so that the character 停 of 停车 is not the word 停.
const CHARACTER_MARK: char = '\u{1}';

/// Calls `f` with each feature of `text` and its weight, backing off from what the
/// model does not know: a word (at 1) when `known` says it is known; otherwise its known
/// parts (at 1); otherwise, for a Chinese word, its characters (at
/// [`CHARACTER_WEIGHT`]): as the word when the character is a known word of its own
/// (树 of 桂花树), else as a character feature. Stop words, as words, parts or
/// characters, are never features. When `known` is `None` (training) the word, its
/// parts and, for a Chinese word of two or more characters, its character features are
/// all features.
fn for_each_feature(
    text: &str,
    known: Option<&dyn Fn(&str) -> bool>,
    mut f: impl FnMut(&str, f64),
) {
    let characters = |w: &str, f: &mut dyn FnMut(&str, f64)| {
        for c in w.chars() {
            let mut buf = [0u8; 5];
            let n = CHARACTER_MARK.encode_utf8(&mut buf).len();
            let len = n + c.encode_utf8(&mut buf[n..]).len();
            let Ok(marked) = std::str::from_utf8(&buf[..len]) else {
                continue;
            };
            let plain = &marked[n..];
            if is_stop_word(plain) {
                continue;
            }
            match known {
                Some(known) if known(plain) => f(plain, CHARACTER_WEIGHT),
                _ => f(marked, CHARACTER_WEIGHT),
            }
        }
    };
    for_each_word(text, |w, parts| {
        if is_stop_word(w) {
            return;
        }
        let cjk = w.chars().all(is_cjk);
        let parts = parts.iter().filter(|p| !is_stop_word(p));
        match known {
            Some(known) => {
                if known(w) {
                    f(w, 1.0);
                    return;
                }
                let mut any = false;
                for p in parts.filter(|p| known(p)) {
                    f(p, 1.0);
                    any = true;
                }
                if !any && cjk {
                    characters(w, &mut f);
                }
            }
            None => {
                f(w, 1.0);
                for p in parts {
                    f(p, 1.0);
                }
                if cjk && w.chars().nth(1).is_some() {
                    characters(w, &mut f);
                }
            }
        }
    });
}

/// A trained (or seeded) model.
#[derive(Debug, Clone)]
pub struct Classifier {
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
    /// An empty model.
    pub fn new() -> Classifier {
        Classifier {
            vocab: Vocab::default(),
            classes: Vec::new(),
            docs: 0,
        }
    }

    /// A model seeded with the default catalogue's names, descriptions and seed
    /// keywords for those of `codes` that are default categories.
    pub fn with_seeds<'a>(codes: impl IntoIterator<Item = &'a str>) -> Classifier {
        let defaults = default_catalogue();
        let mut c = Classifier::new();
        for code in codes {
            if let Some(cat) = defaults.iter().find(|d| d.code == code) {
                c.seed(cat);
            }
        }
        c
    }

    /// A model seeded with each category's names and description, and the seed
    /// keywords of the default categories among them: a community's own categories
    /// are known by their names until history teaches more.
    pub fn with_catalogue<'a>(categories: impl IntoIterator<Item = &'a Category>) -> Classifier {
        let mut c = Classifier::new();
        for cat in categories {
            c.seed(cat);
        }
        c
    }

    fn seed(&mut self, cat: &Category) {
        let code = cat.code.as_str();
        self.train(&cat.name_zh, code, NAME_WEIGHT, true);
        self.train(&cat.name_en, code, NAME_WEIGHT, true);
        self.train(&cat.description, code, DESCRIPTION_WEIGHT, true);
        for kw in seed_keywords(code) {
            self.train(kw, code, SEED_WEIGHT, true);
        }
    }

    /// Adds one past request of `category`.
    pub fn add(&mut self, text: &str, category: &str) {
        self.add_weighted(text, category, 1);
    }

    /// Adds a staff correction: `text` was filed under `from` and belongs in `to`. It
    /// counts [`CORRECTION_WEIGHT`] past requests for `to`, and takes as much from
    /// `from` for the same words (never below none), however the two are ordered
    /// with the other training. Pass the request's current text; `from == to` is an
    /// ordinary, heavier example.
    pub fn add_correction(&mut self, text: &str, from: &str, to: &str) {
        self.add_weighted(text, to, CORRECTION_WEIGHT);
        if from == to {
            return;
        }
        let from = self.class_index(from);
        let ids = self.intern(text);
        let stats = &mut self.classes[from];
        for id in ids {
            bump(&mut stats.penalties, id, CORRECTION_WEIGHT);
        }
    }

    /// Adds a past request that counts `weight` times.
    pub fn add_weighted(&mut self, text: &str, category: &str, weight: u32) {
        self.train(text, category, weight, false);
    }

    fn train(&mut self, text: &str, category: &str, weight: u32, seed: bool) {
        if weight == 0 {
            return;
        }
        let class = self.class_index(category);
        let ids = self.intern(text);
        let stats = &mut self.classes[class];
        stats.docs += u64::from(weight);
        if !seed {
            stats.history += u64::from(weight);
        }
        self.docs += u64::from(weight);
        for id in ids {
            bump(&mut stats.counts, id, weight);
        }
    }

    fn class_index(&mut self, category: &str) -> usize {
        match self.classes.iter().position(|c| c.code == category) {
            Some(i) => i,
            None => {
                self.classes.push(ClassStats {
                    code: category.to_owned(),
                    docs: 0,
                    history: 0,
                    counts: Vec::new(),
                    penalties: Vec::new(),
                });
                self.classes.len() - 1
            }
        }
    }

    /// The distinct features of `text` as word ids, interned on the way.
    fn intern(&mut self, text: &str) -> Vec<usize> {
        let vocab = &mut self.vocab;
        let mut ids: Vec<usize> = Vec::new();
        for_each_feature(text, None, |t, _| {
            let id = match vocab.get(t) {
                Some(&id) => id,
                None => {
                    let id = u32::try_from(vocab.len()).unwrap_or(u32::MAX);
                    vocab.insert(t.into(), id);
                    id
                }
            };
            ids.push(id as usize);
        });
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Category codes the model knows, in the order first seen.
    pub fn categories(&self) -> impl Iterator<Item = &str> {
        self.classes.iter().map(|c| c.code.as_str())
    }

    /// Number of distinct words seen.
    pub fn vocabulary_len(&self) -> usize {
        self.vocab.len()
    }

    /// The known features of `text`, distinct: word ids with their weights and
    /// smoothing (documents).
    fn features(&self, text: &str) -> Vec<(usize, f64, f64)> {
        let known = |w: &str| self.vocab.contains_key(w);
        let mut ids = Vec::new();
        for_each_feature(text, Some(&known), |t, w| {
            if let Some(&id) = self.vocab.get(t) {
                let alpha = if t.starts_with(CHARACTER_MARK) {
                    CHARACTER_SMOOTHING
                } else {
                    1.0
                };
                ids.push((id as usize, w, alpha));
            }
        });
        // One entry per id, with its largest weight.
        ids.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        ids.dedup_by_key(|e| e.0);
        ids
    }

    /// Each category's share of the evidence in `text`, and the evidence (the sum of
    /// the known words' weights); `None` without any.
    fn evidence(&self, text: &str) -> Option<(Vec<f64>, f64)> {
        self.evidence_traced(text, None)
    }

    /// The word of id `id` (slow: for explanations).
    fn word(&self, id: usize) -> String {
        self.vocab
            .iter()
            .find(|(_, v)| **v as usize == id)
            .map(|(k, _)| k.replace(CHARACTER_MARK, "#"))
            .unwrap_or_default()
    }

    /// How each word of `text` voted: `word:weight→category share`.
    pub fn explain(&self, text: &str) -> Vec<String> {
        let mut trace = Vec::new();
        self.evidence_traced(text, Some(&mut trace));
        trace
    }

    fn evidence_traced(
        &self,
        text: &str,
        mut trace: Option<&mut Vec<String>>,
    ) -> Option<(Vec<f64>, f64)> {
        let k = self.classes.len();
        if k == 0 {
            return None;
        }
        let features = self.features(text);
        if features.is_empty() {
            return None;
        }
        // Counts are divided by each category's size (at least MIN_CATEGORY_DOCS) and
        // multiplied by the mean size, so that they stay in documents.
        let sizes: Vec<f64> = self
            .classes
            .iter()
            .map(|c| c.docs.max(MIN_CATEGORY_DOCS) as f64)
            .collect();
        let mean = sizes.iter().sum::<f64>() / k as f64;
        let scale: Vec<f64> = sizes.iter().map(|s| mean / s).collect();
        let reference = self.reference_entropy(&scale);
        let mut scores = vec![0.0; k];
        let mut total = 0.0;
        let mut spread = vec![0.0; k];
        for (id, q, alpha) in features {
            let mut mass = 0.0;
            for (i, c) in self.classes.iter().enumerate() {
                spread[i] = f64::from(c.count(id)) * scale[i];
                mass += spread[i];
            }
            if mass <= 0.0 {
                continue;
            }
            let entropy: f64 = spread
                .iter()
                .filter(|&&n| n > 0.0)
                .map(|&n| -(n / mass) * (n / mass).ln())
                .sum();
            let specific = if reference > 0.0 {
                (1.0 - entropy / reference).max(0.0)
            } else {
                1.0
            };
            // Seen in few documents, a word is trusted less; and its votes are smoothed
            // evenly: one document for a word, more for a character.
            let weight = specific * mass / (mass + alpha) * q;
            let smooth = alpha / k as f64;
            for p in spread.iter_mut() {
                *p = (*p + smooth) / (mass + alpha);
            }
            for (s, p) in scores.iter_mut().zip(&spread) {
                *s += weight * p;
            }
            total += weight;
            if let Some(trace) = trace.as_deref_mut() {
                let (best, p) = spread
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map_or(("", 0.0), |(i, p)| (self.classes[i].code.as_str(), *p));
                trace.push(format!("{}:{weight:.2}→{best} {p:.2}", self.word(id)));
            }
        }
        (total > 0.0).then(|| {
            for s in scores.iter_mut() {
                *s /= total;
            }
            (scores, total)
        })
    }

    /// The entropy of a word that says nothing: spread over the categories as the
    /// community's past requests are (each category divided by its size, as words
    /// are), or evenly over all categories before there is any history, blending from
    /// one to the other over the first [`HISTORY_FOR_REFERENCE`] requests.
    fn reference_entropy(&self, scale: &[f64]) -> f64 {
        let k = self.classes.len() as f64;
        let even = k.ln();
        let history: u64 = self.classes.iter().map(|c| c.history).sum();
        let spread: Vec<f64> = self
            .classes
            .iter()
            .zip(scale)
            .map(|(c, s)| c.history as f64 * s)
            .collect();
        let mass: f64 = spread.iter().sum();
        if history == 0 || mass <= 0.0 {
            return even;
        }
        let seen: f64 = spread
            .iter()
            .filter(|&&n| n > 0.0)
            .map(|&n| -(n / mass) * (n / mass).ln())
            .sum();
        let t = history as f64 / (history as f64 + HISTORY_FOR_REFERENCE);
        (1.0 - t) * even + t * seen
    }

    fn rank(&self, scores: Vec<f64>) -> Vec<Prediction> {
        let mut out: Vec<Prediction> = self
            .classes
            .iter()
            .zip(scores)
            .map(|(c, confidence)| Prediction {
                category: c.code.clone(),
                confidence,
            })
            .collect();
        out.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then_with(|| a.category.cmp(&b.category))
        });
        out
    }

    /// Every known category with its confidence, most likely first. Empty when the
    /// model is empty or the text has no word the model has seen.
    pub fn ranked(&self, text: &str) -> Vec<Prediction> {
        self.evidence(text)
            .map(|(scores, _)| self.rank(scores))
            .unwrap_or_default()
    }

    /// The `k` most likely categories with their confidences, whatever they are.
    pub fn suggest_top(&self, text: &str, k: usize) -> Vec<Prediction> {
        let mut r = self.ranked(text);
        r.truncate(k);
        r
    }

    /// What to offer for `text` (see the table above): sure when the best category
    /// has at least `min_confidence` and [`SURE_RATIO`] times the second's.
    pub fn choices(&self, text: &str, min_confidence: f64) -> Choices {
        let no_idea = Choices {
            certainty: Certainty::NoIdea,
            choices: Vec::new(),
        };
        let Some((scores, evidence)) = self.evidence(text) else {
            return no_idea;
        };
        if evidence < MIN_EVIDENCE {
            return no_idea;
        }
        let mut ranked = self.rank(scores);
        let best = ranked.first().map_or(0.0, |p| p.confidence);
        let second = ranked.get(1).map_or(0.0, |p| p.confidence);
        if best >= min_confidence && best >= SURE_RATIO * second {
            ranked.truncate(1);
            return Choices {
                certainty: Certainty::Sure,
                choices: ranked,
            };
        }
        let keep = ranked
            .iter()
            .take(MAX_CHOICES)
            .enumerate()
            .take_while(|(i, p)| *i < 2 || p.confidence >= CHOICE_SHARE * best)
            .count();
        ranked.truncate(keep);
        if ranked.len() < 2 {
            // A single category known but below the minimum: not worth a guess.
            return no_idea;
        }
        Choices {
            certainty: Certainty::Unsure,
            choices: ranked,
        }
    }

    /// The most likely category, whatever the confidence.
    pub fn classify(&self, text: &str) -> Option<Prediction> {
        self.ranked(text).into_iter().next()
    }

    /// The category when the model is sure of it ([`Classifier::choices`] with
    /// `min_confidence`).
    pub fn suggest(&self, text: &str, min_confidence: f64) -> Option<Prediction> {
        self.choices(text, min_confidence).sure()
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
    fn every_default_category_has_seeds() {
        for c in default_catalogue() {
            assert!(seed_keywords(&c.code).len() >= 20, "{}", c.code);
        }
        assert!(seed_keywords("canteen").is_empty());
        let m = seeded();
        assert_eq!(m.categories().count(), 12);
        assert!(m.vocabulary_len() > 500);
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
    fn a_stairwell_lamp_is_not_a_lift() {
        // The demo's sentence: 上下楼 (going up and down stairs) once made it a lift.
        let m = seeded();
        let text = "3栋2单元楼道灯坏了，晚上很黑，老人上下楼不安全";
        let c = m.choices(text, DEFAULT_MIN_CONFIDENCE);
        assert_eq!(c.certainty, Certainty::Sure, "{c:?} {:?}", m.explain(text));
        assert_eq!(c.choices[0].category, "repairs_electricity");
        let top = m.suggest_top(text, 3);
        assert_eq!(top[0].category, "repairs_electricity");
        assert!(top.iter().all(|p| p.category != "repairs_lift"), "{top:?}");
        // Lamps of any kind point to lighting, never to the lift.
        for text in [
            "楼道灯不亮",
            "路灯坏了",
            "感应灯坏了好几天",
            "The stairwell light is broken",
            "street lamp out",
        ] {
            let top = m.suggest_top(text, 1);
            assert!(
                top.iter()
                    .all(|p| ["repairs_electricity", "public_facilities"]
                        .contains(&p.category.as_str())),
                "{text}: {top:?}"
            );
        }
        // The lift is still the lift.
        assert_eq!(
            m.suggest("电梯停在5楼不动，老人上下楼很困难", DEFAULT_MIN_CONFIDENCE)
                .map(|p| p.category),
            Some("repairs_lift".to_owned())
        );
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
        assert_eq!(r.len(), 12);
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
        // History can add categories the seeds never knew; a word seeded elsewhere
        // (食堂 is one of other's) follows after a few requests.
        for _ in 0..5 {
            m.add("社区食堂菜品太咸", "canteen");
            m.add("食堂排队太久", "canteen");
        }
        assert_eq!(
            m.classify("食堂的菜").map(|p| p.category),
            Some("canteen".to_owned())
        );
    }

    #[test]
    fn sure_unsure_and_no_idea() {
        let m = seeded();
        let sure = m.choices("电梯困人了，快来", DEFAULT_MIN_CONFIDENCE);
        assert_eq!(sure.certainty, Certainty::Sure);
        assert_eq!(sure.choices.len(), 1);
        assert_eq!(
            sure.clone().sure().map(|p| p.category),
            Some("repairs_lift".into())
        );
        // A lift and the property company's silence about it: both are offered.
        let text = "电梯坏了一个礼拜，物业公司一直拖着不修";
        let unsure = m.choices(text, DEFAULT_MIN_CONFIDENCE);
        assert_eq!(unsure.certainty, Certainty::Unsure, "{:?}", m.explain(text));
        assert!((2..=MAX_CHOICES).contains(&unsure.choices.len()));
        let codes: Vec<&str> = unsure.choices.iter().map(|p| p.category.as_str()).collect();
        assert!(codes.contains(&"repairs_lift") && codes.contains(&"property_management"));
        assert!(unsure.clone().sure().is_none());
        assert!(m.suggest(text, DEFAULT_MIN_CONFIDENCE).is_none());
        assert!(
            unsure
                .choices
                .windows(2)
                .all(|w| w[0].confidence >= w[1].confidence)
        );
        for text in ["你好，在吗", "", "谢谢！", "12345"] {
            let c = m.choices(text, DEFAULT_MIN_CONFIDENCE);
            assert_eq!(c.certainty, Certainty::NoIdea, "{text}");
            assert!(c.choices.is_empty());
        }
        // A stricter minimum turns a sure answer into choices.
        assert_eq!(
            m.choices("楼道灯坏了，楼下垃圾也没人收", 0.99).certainty,
            Certainty::Unsure
        );
        let json = serde_json::to_value(&sure).unwrap();
        assert_eq!(json["certainty"], "sure");
    }

    #[test]
    fn top_k() {
        let m = seeded();
        let top = m.suggest_top("楼道灯坏了，楼下垃圾也没人收", 3);
        assert_eq!(top.len(), 3);
        let codes: Vec<&str> = top.iter().map(|p| p.category.as_str()).collect();
        assert!(codes[..2].contains(&"repairs_electricity"), "{codes:?}");
        assert!(codes[..2].contains(&"sanitation"), "{codes:?}");
        assert!(m.suggest_top("楼道灯坏了", 0).is_empty());
        assert!(m.suggest_top("你好", 3).is_empty());
        assert_eq!(m.suggest_top("电梯", 99).len(), 12);
    }

    #[test]
    fn english_words_are_stemmed() {
        let m = seeded();
        for (text, want) in [
            ("Rubbish bins overflowing again", "sanitation"),
            ("Street lights are out on our road", "public_facilities"),
            ("Cars parked in the fire lane", "parking"),
            ("Trees need pruning, branches touching windows", "greenery"),
        ] {
            let top = m.suggest_top(text, 1);
            assert_eq!(
                top.first().map(|p| p.category.as_str()),
                Some(want),
                "{text}: {:?}",
                m.explain(text)
            );
        }
    }

    #[test]
    fn corrections_teach_faster_than_requests() {
        // In this community the lamps of the car park are the property company's.
        let text = "地下车库的灯坏了";
        let mut plain = seeded();
        let mut corrected = seeded();
        let before = plain.classify(text).map(|p| p.category);
        assert_ne!(before.as_deref(), Some("property_management"));
        plain.add(text, "property_management");
        corrected.add_correction(
            text,
            before.as_deref().unwrap_or("other"),
            "property_management",
        );
        let share = |m: &Classifier| {
            m.ranked(text)
                .into_iter()
                .find(|p| p.category == "property_management")
                .map_or(0.0, |p| p.confidence)
        };
        assert!(share(&corrected) > share(&plain));
        assert_eq!(
            corrected.classify(text).map(|p| p.category),
            Some("property_management".to_owned())
        );
        // A correction also weakens the wrong category for those words, in any
        // order with the rest of the training.
        let mut late = Classifier::new();
        late.add_correction("楼顶平台积水", "repairs_water", "greenery");
        for _ in 0..3 {
            late.add("楼顶平台积水", "repairs_water");
        }
        let mut early = Classifier::new();
        for _ in 0..3 {
            early.add("楼顶平台积水", "repairs_water");
        }
        early.add_correction("楼顶平台积水", "repairs_water", "greenery");
        assert_eq!(late.ranked("楼顶平台积水"), early.ranked("楼顶平台积水"));
        assert_eq!(
            early.classify("楼顶平台积水").map(|p| p.category),
            Some("greenery".to_owned())
        );
        // Correcting to the same category is a heavier example.
        let mut same = Classifier::new();
        same.add_correction("食堂", "canteen", "canteen");
        assert_eq!(same.categories().collect::<Vec<_>>(), ["canteen"]);
    }

    #[test]
    fn history_makes_everyday_words_weigh_little() {
        let mut m = seeded();
        // 江汉 (the street) and 业主 (owner) come up in every kind of request here.
        for (i, code) in [
            "parking",
            "noise",
            "sanitation",
            "repairs_water",
            "repairs_lift",
        ]
        .iter()
        .cycle()
        .take(200)
        .enumerate()
        {
            m.add(&format!("江汉花园业主反映第{i}次"), code);
        }
        let weight = |m: &Classifier, word: &str| {
            m.explain(word)
                .first()
                .and_then(|t| t.split(':').nth(1)?.split('→').next()?.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        assert!(weight(&m, "江汉") < 0.15, "{:?}", m.explain("江汉"));
        assert!(weight(&m, "电梯") > 0.5, "{:?}", m.explain("电梯"));
        // So they do not drown the word that matters.
        assert_eq!(
            m.suggest("江汉花园业主：楼道灯不亮", DEFAULT_MIN_CONFIDENCE)
                .map(|p| p.category),
            Some("repairs_electricity".to_owned())
        );
        // A long history does not drown a category known only from its seeds.
        assert_eq!(
            m.suggest("草坪很久没人修剪", DEFAULT_MIN_CONFIDENCE)
                .map(|p| p.category),
            Some("greenery".to_owned())
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

    /// This thread's time on a CPU (Linux; zero elsewhere): the machine may be shared.
    fn cpu() -> std::time::Duration {
        let ns = std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0);
        std::time::Duration::from_nanos(ns)
    }

    /// Prints the time to load jieba's dictionary, to train on 100,000 residents'
    /// messages and to suggest for 10,000 (CPU time, the machine may be shared); run
    /// with `cargo test --release -p civicgrid-domain -- --ignored --nocapture training`.
    #[test]
    #[ignore = "timing; run in release"]
    fn training_on_100k_texts() {
        // Residents' messages (the evaluation's, 20 to 150 characters), numbered so
        // that they differ.
        let cases: Vec<(&str, &str)> = eval::CASES
            .iter()
            .chain(eval::SECOND)
            .chain(eval::HELD_OUT)
            .map(|(t, ok)| (*t, ok[0]))
            .collect();
        let texts: Vec<(String, &str)> = (0..100_000)
            .map(|i| {
                let (p, c) = cases[i % cases.len()];
                (format!("{}栋{}：{p}", i % 40, i % 7), c)
            })
            .collect();
        let bytes: usize = texts.iter().map(|(t, _)| t.len()).sum();
        let rss = || {
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
                    line.split_whitespace().nth(1)?.parse::<u64>().ok()
                })
                .unwrap_or(0)
        };
        let (start, before) = (cpu(), rss());
        crate::requests::text::warm_up();
        let jieba = cpu() - start;
        println!(
            "jieba's dictionary: {} MB resident",
            rss().saturating_sub(before) / 1024
        );
        let start = cpu();
        let mut n = 0usize;
        for (t, _) in &texts {
            crate::requests::text::for_each_word(t, |w, p| n += w.len() + p.len());
        }
        let segmented = cpu() - start;
        let start = cpu();
        let mut m = seeded();
        for (t, c) in &texts {
            m.add(t, c);
        }
        let trained = cpu() - start;
        let start = cpu();
        for (t, _) in texts.iter().take(10_000) {
            let _ = m.choices(t, DEFAULT_MIN_CONFIDENCE);
        }
        let suggested = cpu() - start;
        println!(
            "jieba's dictionary loaded in {jieba:?}; {} texts ({:.1} MB): segmented in \
             {segmented:?}, trained in {trained:?}; 10,000 suggestions in {suggested:?}; \
             {} words",
            texts.len(),
            bytes as f64 / 1e6,
            m.vocabulary_len()
        );
        assert!(n > 0);
        assert_eq!(
            m.classify("电梯停运").map(|p| p.category),
            Some("repairs_lift".to_owned())
        );
    }
}
