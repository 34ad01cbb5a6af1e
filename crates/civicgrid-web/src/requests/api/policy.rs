//! The requests policy as the API and the settings page exchange it: flat fields with
//! their units in their names, each checked on its own so that an objection names the
//! field that was sent or typed (the use case then checks the whole again).

use axum::Json;
use axum::extract::State;
use civicgrid_app::AppError;
use civicgrid_app::domain::requests::{MAX_WINDOW_MS, PoorRatingPolicy, similarity, sla};
use civicgrid_app::requests::RequestPolicy;
use serde::{Deserialize, Serialize};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson};
use crate::state::AppState;

const HOUR_MS: i64 = 3_600_000;
/// Longest reopen or duplicate window, in hours (the domain's bound).
const MAX_WINDOW_HOURS: i64 = MAX_WINDOW_MS / HOUR_MS;
/// Most duplicate suggestions offered at once (the domain's bound).
const MAX_DUPLICATE_RESULTS: i64 = similarity::MAX_DUPLICATE_RESULTS as i64;
/// Longest escalation delay, in business minutes (the domain's bound).
const MAX_ESCALATION_MINUTES: i64 = sla::MAX_ESCALATION_MINUTES as i64;

/// How requests are handled beyond the catalogue's targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// A request shows "due soon" once this share of its target has elapsed (1–99).
    #[schema(minimum = 1, maximum = 99)]
    pub sla_warning_percent: i64,
    /// Community staff are alerted this many business minutes after the due time
    /// (0: at the due time).
    #[schema(minimum = 0, maximum = 175680)]
    pub community_staff_after_minutes: i64,
    /// The street office is alerted this many business minutes after the due time; no
    /// sooner than community staff.
    #[schema(minimum = 0, maximum = 175680)]
    pub street_admin_after_minutes: i64,
    /// What a poor rating (1 or 2 of 5) leads to: `reopen` (at once) or `flag` (the
    /// request stays resolved and waits for a supervisor to clear the flag).
    #[schema(schema_with = crate::api::words::poor_rating)]
    pub poor_rating: String,
    /// Hours after resolution during which the resident may reopen; a resolved request
    /// nobody confirmed is closed after them (0 to 8784).
    #[schema(minimum = 0, maximum = 8784)]
    pub reopen_window_hours: i64,
    /// Below this confidence (0–1) no category is suggested.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub min_confidence: f64,
    /// Requests this close, in metres, count as nearby (more than 0).
    #[schema(exclusive_minimum = 0.0)]
    pub duplicate_radius_m: f64,
    /// Earlier requests older than this many hours are not suggested (1 to 8784).
    #[schema(minimum = 1, maximum = 8784)]
    pub duplicate_window_hours: i64,
    /// Suggested from this combined score on (0–1).
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub duplicate_threshold: f64,
    /// Weights of the score's parts; none negative, at least one above 0.
    #[schema(minimum = 0.0)]
    pub duplicate_text_weight: f64,
    #[schema(minimum = 0.0)]
    pub duplicate_category_weight: f64,
    #[schema(minimum = 0.0)]
    pub duplicate_location_weight: f64,
    #[schema(minimum = 0.0)]
    pub duplicate_recency_weight: f64,
    /// Most suggestions offered (0 to 50; 0 offers none).
    #[schema(minimum = 0, maximum = 50)]
    pub duplicate_max_results: i64,
}

/// `reopen` or `flag`.
pub fn poor_rating_code(p: PoorRatingPolicy) -> &'static str {
    match p {
        PoorRatingPolicy::Reopen => "reopen",
        PoorRatingPolicy::Flag => "flag",
    }
}

impl From<&RequestPolicy> for PolicyBody {
    fn from(p: &RequestPolicy) -> PolicyBody {
        let d = &p.duplicates;
        PolicyBody {
            sla_warning_percent: i64::from(p.sla.warning_percent),
            community_staff_after_minutes: i64::from(p.escalation.community_staff_after_minutes),
            street_admin_after_minutes: i64::from(p.escalation.street_admin_after_minutes),
            poor_rating: poor_rating_code(p.poor_rating).to_owned(),
            reopen_window_hours: p.reopen_window_ms / HOUR_MS,
            min_confidence: p.min_confidence,
            duplicate_radius_m: d.radius_m,
            duplicate_window_hours: d.window_ms / HOUR_MS,
            duplicate_threshold: d.threshold,
            duplicate_text_weight: d.text_weight,
            duplicate_category_weight: d.category_weight,
            duplicate_location_weight: d.location_weight,
            duplicate_recency_weight: d.recency_weight,
            duplicate_max_results: i64::try_from(d.max_results).unwrap_or(MAX_DUPLICATE_RESULTS),
        }
    }
}

fn whole(field: &'static str, v: i64, lo: i64, hi: i64) -> Result<i64, AppError> {
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(AppError::invalid(
            field,
            format!("a whole number from {lo} to {hi}"),
        ))
    }
}

fn share(field: &'static str, v: f64) -> Result<f64, AppError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(AppError::invalid(field, "a number from 0 to 1"))
    }
}

fn weight(field: &'static str, v: f64) -> Result<f64, AppError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(AppError::invalid(field, "a number, 0 or more"))
    }
}

impl PolicyBody {
    /// `base` with these values in place; every field checked on its own first.
    pub fn apply(&self, mut base: RequestPolicy) -> Result<RequestPolicy, AppError> {
        let percent = whole(
            "sla_warning_percent",
            self.sla_warning_percent,
            i64::from(*sla::WARNING_PERCENTS.start()),
            i64::from(*sla::WARNING_PERCENTS.end()),
        )?;
        let staff = whole(
            "community_staff_after_minutes",
            self.community_staff_after_minutes,
            0,
            MAX_ESCALATION_MINUTES,
        )?;
        let street = whole(
            "street_admin_after_minutes",
            self.street_admin_after_minutes,
            0,
            MAX_ESCALATION_MINUTES,
        )?;
        if street < staff {
            return Err(AppError::invalid(
                "street_admin_after_minutes",
                "the street office is alerted no sooner than community staff",
            ));
        }
        let poor_rating = match self.poor_rating.trim() {
            "reopen" => PoorRatingPolicy::Reopen,
            "flag" => PoorRatingPolicy::Flag,
            _ => return Err(AppError::invalid("poor_rating", "reopen or flag")),
        };
        let reopen = whole(
            "reopen_window_hours",
            self.reopen_window_hours,
            0,
            MAX_WINDOW_HOURS,
        )?;
        let min_confidence = share("min_confidence", self.min_confidence)?;
        if !(self.duplicate_radius_m.is_finite() && self.duplicate_radius_m > 0.0) {
            return Err(AppError::invalid(
                "duplicate_radius_m",
                "a distance in metres, more than 0",
            ));
        }
        let window = whole(
            "duplicate_window_hours",
            self.duplicate_window_hours,
            1,
            MAX_WINDOW_HOURS,
        )?;
        let threshold = share("duplicate_threshold", self.duplicate_threshold)?;
        let weights = [
            weight("duplicate_text_weight", self.duplicate_text_weight)?,
            weight("duplicate_category_weight", self.duplicate_category_weight)?,
            weight("duplicate_location_weight", self.duplicate_location_weight)?,
            weight("duplicate_recency_weight", self.duplicate_recency_weight)?,
        ];
        if weights.iter().sum::<f64>() <= 0.0 {
            return Err(AppError::invalid(
                "duplicate_text_weight",
                "at least one weight must be more than 0",
            ));
        }
        let max_results = whole(
            "duplicate_max_results",
            self.duplicate_max_results,
            0,
            MAX_DUPLICATE_RESULTS,
        )?;
        // The ranges above make every conversion below exact.
        base.sla.warning_percent = u8::try_from(percent).unwrap_or(80);
        base.escalation.community_staff_after_minutes = u32::try_from(staff).unwrap_or(0);
        base.escalation.street_admin_after_minutes = u32::try_from(street).unwrap_or(0);
        base.poor_rating = poor_rating;
        base.reopen_window_ms = reopen * HOUR_MS;
        base.min_confidence = min_confidence;
        let d = &mut base.duplicates;
        d.radius_m = self.duplicate_radius_m;
        d.window_ms = window * HOUR_MS;
        d.threshold = threshold;
        [
            d.text_weight,
            d.category_weight,
            d.location_weight,
            d.recency_weight,
        ] = weights;
        d.max_results = usize::try_from(max_results).unwrap_or(0);
        Ok(base)
    }
}

#[utoipa::path(get, path = "/api/v1/requests/policy", tag = "requests",
    responses((status = 200, body = PolicyBody)))]
pub async fn policy(State(st): State<AppState>, _caller: ApiCaller) -> ApiResult<Json<PolicyBody>> {
    Ok(Json(PolicyBody::from(&st.app.request_policy().await?)))
}

#[utoipa::path(put, path = "/api/v1/requests/policy", tag = "requests",
    request_body = PolicyBody,
    responses(
        (status = 200, body = PolicyBody, description = "The policy now in force"),
        (status = 403, body = ErrorBody, description = "Needs the request catalogue permission (system administrators)"),
        (status = 422, body = ErrorBody, description = "A field is out of range; the message names it"),
    ))]
pub async fn set_policy(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<PolicyBody>,
) -> ApiResult<Json<PolicyBody>> {
    // Who may change it is answered before what was sent is judged.
    st.app
        .edit_request_policy(&caller.actor, |current| b.apply(current))
        .await?;
    Ok(Json(PolicyBody::from(&st.app.request_policy().await?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: AppError) -> &'static str {
        match e {
            AppError::Invalid { field, .. } => field,
            _ => "",
        }
    }

    #[test]
    fn the_default_policy_goes_there_and_back() {
        let p = RequestPolicy::default();
        let body = PolicyBody::from(&p);
        assert_eq!(body.apply(RequestPolicy::default()).ok(), Some(p));
    }

    #[test]
    fn objections_name_the_field() {
        let good = PolicyBody::from(&RequestPolicy::default());
        type Change = Box<dyn Fn(&mut PolicyBody)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "sla_warning_percent",
                Box::new(|b| b.sla_warning_percent = 100),
            ),
            (
                "street_admin_after_minutes",
                Box::new(|b| {
                    b.community_staff_after_minutes = 60;
                    b.street_admin_after_minutes = 30;
                }),
            ),
            ("poor_rating", Box::new(|b| b.poor_rating = "ignore".into())),
            (
                "reopen_window_hours",
                Box::new(|b| b.reopen_window_hours = -1),
            ),
            ("min_confidence", Box::new(|b| b.min_confidence = 1.5)),
            ("min_confidence", Box::new(|b| b.min_confidence = f64::NAN)),
            (
                "duplicate_radius_m",
                Box::new(|b| b.duplicate_radius_m = 0.0),
            ),
            (
                "duplicate_window_hours",
                Box::new(|b| b.duplicate_window_hours = 0),
            ),
            (
                "duplicate_threshold",
                Box::new(|b| b.duplicate_threshold = -0.1),
            ),
            (
                "duplicate_location_weight",
                Box::new(|b| b.duplicate_location_weight = -1.0),
            ),
            (
                "duplicate_text_weight",
                Box::new(|b| {
                    b.duplicate_text_weight = 0.0;
                    b.duplicate_category_weight = 0.0;
                    b.duplicate_location_weight = 0.0;
                    b.duplicate_recency_weight = 0.0;
                }),
            ),
            (
                "duplicate_max_results",
                Box::new(|b| b.duplicate_max_results = 51),
            ),
        ];
        for (field, change) in cases {
            let mut b = good.clone();
            change(&mut b);
            let got = b
                .apply(RequestPolicy::default())
                .map(|_| ())
                .map_err(field_of);
            assert_eq!(got, Err(field), "{field}");
        }
    }

    #[test]
    fn the_documented_ranges_are_the_domains() {
        // The OpenAPI attributes above take literals: they must say what is enforced.
        assert_eq!(MAX_ESCALATION_MINUTES, 175_680);
        assert_eq!(MAX_WINDOW_HOURS, 8_784);
        assert_eq!(MAX_DUPLICATE_RESULTS, 50);
        assert_eq!(sla::WARNING_PERCENTS, 1..=99);
    }

    #[test]
    fn flagging_and_windows_are_set() {
        let mut b = PolicyBody::from(&RequestPolicy::default());
        b.poor_rating = "flag".into();
        b.reopen_window_hours = 48;
        b.duplicate_window_hours = 24;
        let p = b.apply(RequestPolicy::default()).ok();
        assert_eq!(
            p.as_ref().map(|p| p.poor_rating),
            Some(PoorRatingPolicy::Flag)
        );
        assert_eq!(p.as_ref().map(|p| p.reopen_window_ms), Some(48 * HOUR_MS));
        assert_eq!(p.map(|p| p.duplicates.window_ms), Some(24 * HOUR_MS));
    }
}
