//! An audit entry's details (a JSON object written by the use case) as lines people
//! read: statuses, categories, parties and times in words, other fields under their
//! translated names. The raw JSON stays available behind a disclosure for auditors.

use std::collections::HashMap;

use serde_json::Value;

use super::audit::label;
use crate::i18n::Lang;
use crate::page::format_time;

/// What the reader of details needs to put codes into words.
pub(super) struct DetailWords<'a> {
    pub lang: Lang,
    /// Request category code → name.
    pub categories: &'a HashMap<String, String>,
    /// Responder organisation id → name.
    pub orgs: &'a HashMap<i64, String>,
    /// Account id → display name.
    pub users: &'a HashMap<i64, String>,
}

/// Keys that only tie rows together (event numbers, empty links, the unit an entry's
/// scope already names): never shown.
const QUIET: [&str; 5] = ["event", "related", "rule", "suggested_duplicates", "node"];

/// Keys whose values are data as it was typed, in whatever language (an English name,
/// a file's name, a sign-in name): shown as they are, not read as interface text.
const AS_TYPED: [&str; 7] = [
    "name_en",
    "file_name",
    "file",
    "username",
    "code",
    "collector",
    "batch_code",
];

/// One line of a readable summary: a name and a value.
pub(super) struct DetailLine {
    pub name: String,
    pub value: String,
    /// The value is data as typed (see [`AS_TYPED`]).
    pub raw: bool,
}

/// The message prefix of a field whose values are codes (`role` → `role-grid_worker`).
fn code_prefix(key: &str) -> Option<&'static str> {
    Some(match key {
        "role" | "from_level" | "to_level" => "role-",
        "outcome" => "audit-outcome-",
        "status" => "request-status-",
        "ownership" => "ledger-own-",
        "relation" => "ledger-rel-",
        "gender" => "ledger-gender-",
        "residence_status" => "ledger-status-",
        "stage" => "audit-photo-stage-",
        "vote_kind" => "vote-kind-",
        "from_state" | "to_state" => "commitment-state-",
        "by" => "commitment-by-",
        "electorate" => "vote-electorate-",
        "matter" => "vote-matter-",
        "ballot_channel" => "vote-channel-",
        "choice" => "vote-choice-",
        "removal_reason" => "removal-reason-",
        "mode" | "from_mode" => "care-mode-",
        "alert_level" => "care-alert-",
        "away_reason" => "care-away-",
        "tag" | "with_tag" => "care-tag-",
        "from_status" | "to_status" => "volunteer-status-",
        "coverage" => "coverage-",
        "team_kind" => "team-kind-",
        "change" => "team-change-",
        "attendance" => "signup-state-",
        "from_registration" | "to_registration" => "party-status-",
        "pledge_kind" => "pledge-kind-",
        "emergency_kind" => "emergency-kind-",
        "hazard" => "hazard-",
        "emergency_level" => "emergency-level-",
        "incident_kind" => "incident-kind-",
        "depot_level" => "materials-level-",
        "item_kind" => "materials-kind-",
        "item_unit" => "materials-unit-",
        "source" => "materials-source-",
        _ => return None,
    })
}

impl DetailWords<'_> {
    fn status(&self, v: &Value) -> Option<String> {
        v.as_str().map(|s| label(self.lang, "request-status-", s))
    }

    fn party(&self, v: &Value) -> Option<String> {
        let p = v.as_str()?;
        if let Some(role) = p.strip_prefix("role:") {
            return Some(label(self.lang, "role-", role));
        }
        let id: i64 = p.strip_prefix("org:")?.parse().ok()?;
        Some(
            self.orgs
                .get(&id)
                .cloned()
                .unwrap_or_else(|| self.lang.t("audit-detail-an-organisation")),
        )
    }

    fn value(&self, key: &str, v: &Value) -> Option<String> {
        match (key, v) {
            (_, Value::Null) => None,
            (_, Value::Array(a)) if a.is_empty() => None,
            ("category" | "previous_category", Value::String(c)) => {
                Some(self.categories.get(c).cloned().unwrap_or_else(|| c.clone()))
            }
            ("party", _) => self.party(v),
            // An organisation unit's level, or a responder organisation's kind.
            ("kind", Value::String(c)) => Some(if self.lang.has(&format!("kind-{c}")) {
                label(self.lang, "kind-", c)
            } else {
                label(self.lang, "responder-kind-", c)
            }),
            ("user", Value::Number(n)) => Some(
                n.as_i64()
                    .and_then(|id| self.users.get(&id).cloned())
                    .unwrap_or_else(|| self.lang.t("audit-detail-an-account")),
            ),
            ("channel", Value::String(c)) => Some(label(self.lang, "request-channel-", c)),
            ("area_centi", Value::Number(n)) => n.as_i64().map(|c| {
                format!(
                    "{} m²",
                    civicgrid_app::domain::ledger::import::format_area(c)
                )
            }),
            (k, Value::String(c)) if code_prefix(k).is_some() => {
                Some(label(self.lang, code_prefix(k).unwrap_or_default(), c))
            }
            (_, Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            (k, Value::Number(n)) if k.ends_with("_at") => n.as_i64().map(format_time),
            (_, Value::String(s)) => Some(s.clone()),
            (_, Value::Bool(b)) => Some(self.lang.t(if *b {
                "audit-detail-yes"
            } else {
                "audit-detail-no"
            })),
            (_, Value::Number(n)) => Some(n.to_string()),
            (_, other) => Some(other.to_string()),
        }
    }

    /// The details in words; nothing for an empty or unreadable object.
    pub fn lines(&self, details: &str) -> Vec<DetailLine> {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(details) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        // A status change reads as one line: 已受理 → 已派单.
        let from = map.get("from").and_then(|v| self.status(v));
        let to = map.get("to").and_then(|v| self.status(v));
        if from.is_some() || to.is_some() {
            out.push(DetailLine {
                name: self.lang.t("audit-detail-status"),
                value: match (from, to) {
                    (Some(f), Some(t)) => format!("{f} → {t}"),
                    (f, t) => f.or(t).unwrap_or_default(),
                },
                raw: false,
            });
        }
        for (key, v) in &map {
            if QUIET.contains(&key.as_str()) || key == "from" || key == "to" {
                continue;
            }
            // Places and records are named by the entry's scope and target instead.
            if key == "grid" || key.ends_with("_id") {
                continue;
            }
            if let Some(value) = self.value(key, v) {
                out.push(DetailLine {
                    name: label(self.lang, "audit-field-", key),
                    value,
                    raw: AS_TYPED.contains(&key.as_str()),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_step_reads_in_words() {
        let categories = HashMap::from([("noise".to_owned(), "噪音扰民".to_owned())]);
        let orgs = HashMap::from([(3, "湖光物业".to_owned())]);
        let users = HashMap::from([(6, "湖光物业 张伟".to_owned())]);
        let words = DetailWords {
            lang: Lang::ZhCn,
            categories: &categories,
            orgs: &orgs,
            users: &users,
        };
        let lines = words.lines(
            r#"{"category":"noise","event":4,"from":"accepted","party":"org:3","related":null,"to":"assigned","grid":5,"resolution_due_at":0}"#,
        );
        let text: Vec<String> = lines
            .iter()
            .map(|l| format!("{}={}", l.name, l.value))
            .collect();
        assert_eq!(text[0], "状态=已受理 → 已派单");
        assert!(text.contains(&"分类=噪音扰民".to_owned()), "{text:?}");
        assert!(text.contains(&"责任方=湖光物业".to_owned()), "{text:?}");
        assert!(
            text.contains(&"办结时限=1970-01-01 08:00".to_owned()),
            "{text:?}"
        );
        assert!(
            !text
                .iter()
                .any(|t| t.contains("event") || t.contains("grid")),
            "{text:?}"
        );
    }

    #[test]
    fn codes_and_accounts_read_as_words_and_typed_names_stay_as_typed() {
        let none = HashMap::new();
        let no_orgs = HashMap::new();
        let users = HashMap::from([(6, "湖光物业 张伟".to_owned())]);
        let words = DetailWords {
            lang: Lang::ZhCn,
            categories: &none,
            orgs: &no_orgs,
            users: &users,
        };
        let text = |details: &str| -> Vec<String> {
            words
                .lines(details)
                .iter()
                .map(|l| {
                    format!(
                        "{}={}{}",
                        l.name,
                        l.value,
                        if l.raw { " (raw)" } else { "" }
                    )
                })
                .collect()
        };
        assert_eq!(text(r#"{"user":6}"#), ["账号=湖光物业 张伟"]);
        assert_eq!(text(r#"{"user":99}"#), ["账号=一个账号"]);
        let made = text(r#"{"kind":"property_company","name":"湖光物业","node":4}"#);
        assert!(made.contains(&"层级=物业服务企业".to_owned()), "{made:?}");
        assert!(!made.iter().any(|l| l.contains('4')), "{made:?}");
        assert_eq!(text(r#"{"kind":"grid"}"#), ["层级=网格"]);
        assert!(text(r#"{"outcome":"reopen","rating":1}"#).contains(&"结果=重新办理".to_owned()));
        assert_eq!(
            text(r#"{"name_en":"Huguang Community"}"#),
            ["英文名称=Huguang Community (raw)"]
        );
    }

    #[test]
    fn unreadable_details_give_nothing() {
        let none = HashMap::new();
        let orgs = HashMap::new();
        let words = DetailWords {
            lang: Lang::En,
            categories: &none,
            orgs: &orgs,
            users: &orgs,
        };
        assert!(words.lines("not json").is_empty());
        assert!(words.lines("[1,2]").is_empty());
        assert!(words.lines("{}").is_empty());
    }
}
