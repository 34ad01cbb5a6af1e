//! Resident requests ("small things", 身边小事): the resident's phone-sized pages
//! (report, my requests, one request with its timeline, rating and reopening, inbox),
//! the staff pages (intake on behalf and on patrol, work queues that refresh live,
//! a request with every action the viewer may take, duplicate merging, return visits),
//! the settings pages (catalogue, calendar, routing, responders) and the public board.

use std::collections::HashMap;

use axum::http::StatusCode;
use civicgrid_app::AppError;
use civicgrid_app::domain::requests::category::Category;
use civicgrid_app::domain::requests::routing::Party;
use civicgrid_app::domain::requests::{Language, RequestId};
use civicgrid_app::requests::RequestView;

use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::page::PageCtx;
use crate::routes::Routes;
use crate::state::{AppState, RequestChange};

mod admin;
mod detail;
mod public;
mod queue;
pub(crate) mod resident;

pub(crate) use resident::{MAX_PHOTO_BYTES, read_posted};

pub(crate) fn routes(r: Routes) -> Routes {
    let r = resident::routes(r);
    let r = detail::routes(r);
    let r = queue::routes(r);
    let r = admin::routes(r);
    public::routes(r)
}

/// The domain's language for the reader's.
pub(crate) fn language(lang: Lang) -> Language {
    match lang {
        Lang::ZhCn => Language::Zh,
        Lang::En => Language::En,
    }
}

/// Category code → name in the reader's language.
pub(crate) struct CategoryNames(HashMap<String, String>);

impl CategoryNames {
    pub fn new(lang: Lang, categories: &[Category]) -> CategoryNames {
        CategoryNames(
            categories
                .iter()
                .map(|c| (c.code.clone(), c.name(language(lang)).to_owned()))
                .collect(),
        )
    }

    pub fn name(&self, code: &str) -> String {
        self.0.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }
}

/// A time in the community's time zone (`offset_minutes` east of UTC).
pub(crate) fn local_time(ms: i64, offset_minutes: i32) -> String {
    let offset = chrono::FixedOffset::east_opt(offset_minutes.saturating_mul(60));
    match (chrono::DateTime::from_timestamp_millis(ms), offset) {
        (Some(t), Some(tz)) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        _ => String::from("-"),
    }
}

/// How long ago, in the largest whole unit that fits ("45 分钟", "3 小时", "2 天");
/// under a minute reads "1 分钟".
pub(crate) fn age(ctx: &PageCtx, created_ms: i64, now_ms: i64) -> String {
    let (key, n) = age_parts(created_ms, now_ms);
    ctx.t1(key, "n", &n.to_string())
}

/// The message and the number of [`age`].
pub(crate) fn age_parts(created_ms: i64, now_ms: i64) -> (&'static str, i64) {
    let minutes = now_ms.saturating_sub(created_ms).max(0) / 60_000;
    if minutes >= 24 * 60 {
        ("request-age-days", minutes / (24 * 60))
    } else if minutes >= 60 {
        ("request-age-hours", minutes / 60)
    } else {
        ("request-age-minutes", minutes.max(1))
    }
}

/// A party (`org:<id>` or `role:<role>`) in words.
pub(crate) fn party_label(ctx: &PageCtx, party: &str, orgs: &HashMap<i64, String>) -> String {
    match Party::decode(party) {
        Ok(Party::Role(role)) => ctx.tk("role-", role.as_str()),
        Ok(Party::Org(id)) => orgs
            .get(&id)
            .cloned()
            .unwrap_or_else(|| ctx.t("request-org-number")),
        Err(_) => party.to_owned(),
    }
}

/// Who acted, as the timeline says it: a role, the requester, the system or a channel.
/// A note the system wrote itself ("rated 2 of 5", on a reopening) in the reader's
/// words; a person's note as it was written.
pub(crate) fn machine_note(lang: Lang, note: &str) -> String {
    match note
        .strip_prefix("rated ")
        .and_then(|r| r.strip_suffix(" of 5"))
        .and_then(|n| n.parse::<u8>().ok())
    {
        Some(n) => lang.t_args("request-note-rated", &[("n", n.to_string())]),
        None => note.to_owned(),
    }
}

pub(crate) fn actor_label(ctx: &PageCtx, role: Option<&str>) -> String {
    let Some(role) = role else {
        return String::new();
    };
    for prefix in ["role-", "request-by-"] {
        let key = format!("{prefix}{role}");
        if ctx.lang.has(&key) {
            return ctx.t(&key);
        }
    }
    role.to_owned()
}

/// One request in a list.
pub(crate) struct Line {
    pub id: i64,
    pub number: String,
    pub category: String,
    pub status: &'static str,
    pub sla: Option<&'static str>,
    pub due: Option<String>,
    pub age: String,
    pub party: String,
    pub flagged: bool,
    pub return_visit: bool,
    pub description: String,
}

pub(crate) fn line(
    ctx: &PageCtx,
    v: &RequestView,
    names: &CategoryNames,
    orgs: &HashMap<i64, String>,
    offset: i32,
    now: i64,
) -> Line {
    Line {
        id: v.id.0,
        number: v.number.clone(),
        category: names.name(&v.category),
        status: v.status.code(),
        sla: v.sla.map(|s| s.code()),
        due: v.due_at.map(|d| local_time(d, offset)),
        age: age(ctx, v.created_at, now),
        party: v
            .party_name
            .clone()
            .unwrap_or_else(|| party_label(ctx, &v.party, orgs)),
        flagged: v.flagged,
        return_visit: v.return_visit_pending,
        description: short(&v.description, 60),
    }
}

/// The first `n` characters of `s`, with an ellipsis when cut.
pub(crate) fn short(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// A request id from a path: a number or a public number (`R-2026-000123`); anything
/// else is not found.
pub(crate) fn request_id(raw: &str) -> Result<RequestId, PageError> {
    civicgrid_app::requests::parse_public_number(raw).ok_or_else(|| PageError(Failure::not_found()))
}

/// Tells open queue pages that `v` changed.
pub(crate) fn changed(st: &AppState, v: &RequestView) {
    st.request_changes.notify(RequestChange {
        id: v.id.0,
        grid_id: v.grid_id,
    });
}

/// A form value that must be a whole number in `1..=5`.
pub(crate) fn score(raw: &str) -> Result<u8, AppError> {
    raw.trim()
        .parse::<u8>()
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| AppError::invalid("rating", "choose from 1 to 5"))
}

/// The names of the responder organisations the reader may see (empty for those who
/// may see none).
pub(crate) async fn org_names(st: &AppState, ctx: &PageCtx) -> HashMap<i64, String> {
    let Some(u) = &ctx.user else {
        return HashMap::new();
    };
    match st.app.responder_orgs(&u.actor).await {
        Ok(list) => list.into_iter().map(|(o, _)| (o.id, o.name)).collect(),
        Err(_) => HashMap::new(),
    }
}

/// The community time zone's offset, in minutes east of UTC.
pub(crate) async fn utc_offset(st: &AppState) -> Result<i32, PageError> {
    Ok(st.app.request_calendar().await?.utc_offset_minutes)
}

pub(crate) fn bad_form(message: impl Into<String>) -> PageError {
    PageError(Failure::new(
        StatusCode::BAD_REQUEST,
        "invalid_form",
        message,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_numbers_and_public_numbers() {
        assert_eq!(request_id("12").ok().map(|r| r.0), Some(12));
        assert_eq!(request_id("R-2026-000012").ok().map(|r| r.0), Some(12));
        assert!(request_id("x").is_err());
        assert!(request_id("0").is_err());
    }

    #[test]
    fn scores_are_one_to_five() {
        assert_eq!(score("5").ok(), Some(5));
        assert!(score("0").is_err());
        assert!(score("6").is_err());
        assert!(score("").is_err());
    }

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        let m = 60_000;
        assert_eq!(age_parts(0, 10 * 1000), ("request-age-minutes", 1));
        assert_eq!(age_parts(0, 45 * m), ("request-age-minutes", 45));
        assert_eq!(age_parts(0, 59 * m), ("request-age-minutes", 59));
        assert_eq!(age_parts(0, 60 * m), ("request-age-hours", 1));
        assert_eq!(age_parts(0, 3 * 60 * m + 20 * m), ("request-age-hours", 3));
        assert_eq!(age_parts(0, 24 * 60 * m), ("request-age-days", 1));
        assert_eq!(age_parts(0, 50 * 60 * m), ("request-age-days", 2));
        // A clock a little behind never gives a negative age.
        assert_eq!(age_parts(5 * m, 0), ("request-age-minutes", 1));
    }

    #[test]
    fn times_show_in_the_community_zone() {
        assert_eq!(local_time(0, 480), "1970-01-01 08:00");
        assert_eq!(local_time(0, 0), "1970-01-01 00:00");
    }

    #[test]
    fn short_cuts_characters_not_bytes() {
        assert_eq!(short("楼道灯坏了很久", 3), "楼道灯…");
        assert_eq!(short("ok", 3), "ok");
    }
}
