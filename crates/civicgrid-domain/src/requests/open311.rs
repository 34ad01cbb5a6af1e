//! The vocabulary of Open311 GeoReport v2: services from categories, open/closed
//! statuses, ISO 8601 times with an offset, posted coordinates, date ranges, pages
//! and lists of request ids. Rendering JSON or XML is the web layer's; the field names
//! of [`Service`] and [`ServiceRequest`] are the specification's, so serde gives the
//! JSON shape directly.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::Language;
use super::category::Category;
use super::classifier::seed_keywords;
use super::status::Status;

/// Longest date range one GET may ask for, and the default range ending now.
pub const MAX_RANGE_DAYS: i64 = 90;
pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Most ids one `service_request_id=1,2,3` may list.
pub const MAX_REQUEST_IDS: usize = 100;

const MS_PER_DAY: i64 = 86_400_000;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum Open311Error {
    #[error("lat must be a number from -90 to 90")]
    BadLat,
    #[error("long must be a number from -180 to 180")]
    BadLong,
    #[error("lat and long must be given together")]
    LatLongPair,
    #[error("{0} must be an ISO 8601 date-time like 2025-10-01T09:30:00+08:00")]
    BadDate(&'static str),
    #[error("start_date must be before end_date")]
    RangeReversed,
    #[error("start_date and end_date may be at most {MAX_RANGE_DAYS} days apart")]
    RangeTooLong,
    #[error("{0} must be a whole number from 1 to {max}", max = page_max(.0))]
    BadPage(&'static str),
    #[error("service_request_id must be a comma-separated list of request numbers")]
    BadRequestId,
    #[error("at most {MAX_REQUEST_IDS} service_request_id values may be given")]
    TooManyIds,
    #[error("status must be open or closed")]
    BadStatus,
    #[error("jurisdiction_id is not served here")]
    UnknownJurisdiction,
}

fn page_max(field: &str) -> u32 {
    if field == "page_size" {
        MAX_PAGE_SIZE
    } else {
        u32::MAX
    }
}

impl Open311Error {
    /// The HTTP status the specification pairs with the error.
    pub fn http_status(&self) -> u16 {
        match self {
            Open311Error::UnknownJurisdiction => 404,
            _ => 400,
        }
    }

    /// The request parameter the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Open311Error::BadLat | Open311Error::LatLongPair => "lat",
            Open311Error::BadLong => "long",
            Open311Error::BadDate(f) | Open311Error::BadPage(f) => f,
            Open311Error::RangeReversed | Open311Error::RangeTooLong => "start_date",
            Open311Error::BadRequestId | Open311Error::TooManyIds => "service_request_id",
            Open311Error::BadStatus => "status",
            Open311Error::UnknownJurisdiction => "jurisdiction_id",
        }
    }
}

/// `open` or `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Open311Status {
    Open,
    Closed,
}

impl Open311Status {
    pub fn of(status: Status) -> Open311Status {
        if status.is_open() {
            Open311Status::Open
        } else {
            Open311Status::Closed
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Open311Status::Open => "open",
            Open311Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Result<Open311Status, Open311Error> {
        match s.trim() {
            "open" => Ok(Open311Status::Open),
            "closed" => Ok(Open311Status::Closed),
            _ => Err(Open311Error::BadStatus),
        }
    }

    /// The statuses reported as this one (for a `status=` filter).
    pub fn statuses(self) -> Vec<Status> {
        Status::ALL
            .into_iter()
            .filter(|s| Open311Status::of(*s) == self)
            .collect()
    }
}

/// How a service's requests are handled, as GeoReport v2 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceType {
    Realtime,
    Batch,
    Blackbox,
}

/// One entry of `GET services`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    /// Whether `GET services/{code}` describes extra attributes.
    pub metadata: bool,
    #[serde(rename = "type")]
    pub service_type: ServiceType,
    /// Comma-separated.
    pub keywords: String,
    pub group: String,
}

/// The service a category is published as. Requests are tracked as they happen, so
/// the type is `realtime`; `metadata` says whether the category has attributes.
pub fn service(category: &Category, lang: Language, metadata: bool) -> Service {
    Service {
        service_code: category.code.clone(),
        service_name: category.name(lang).to_owned(),
        description: category.description.clone(),
        metadata,
        service_type: ServiceType::Realtime,
        keywords: seed_keywords(&category.code).join(","),
        group: category.group(lang).to_owned(),
    }
}

/// One request as `GET requests` shows it (spec field names; `long` included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRequest {
    pub service_request_id: String,
    pub status: Open311Status,
    pub status_notes: Option<String>,
    pub service_name: String,
    pub service_code: String,
    pub description: Option<String>,
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: String,
    pub updated_datetime: Option<String>,
    pub expected_datetime: Option<String>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
}

fn offset(minutes: i32) -> FixedOffset {
    FixedOffset::east_opt(minutes.saturating_mul(60)).unwrap_or_else(|| Utc.fix())
}

/// `2025-10-01T09:30:00+08:00`: an instant (UTC ms) shown at an offset (minutes east
/// of UTC; an impossible offset shows UTC). Instants outside chrono's range show the
/// Unix epoch.
pub fn format_datetime(utc_ms: i64, offset_minutes: i32) -> String {
    DateTime::from_timestamp_millis(utc_ms)
        .unwrap_or_default()
        .with_timezone(&offset(offset_minutes))
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Parses a `start_date`/`end_date` value: a full date-time with offset or `Z`;
/// without an offset it is read at `offset_minutes`; a bare date means its local
/// midnight.
pub fn parse_datetime(
    field: &'static str,
    s: &str,
    offset_minutes: i32,
) -> Result<i64, Open311Error> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.timestamp_millis());
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_time(NaiveTime::MIN)))
        .map_err(|_| Open311Error::BadDate(field))?;
    offset(offset_minutes)
        .from_local_datetime(&naive)
        .single()
        .map(|dt| dt.timestamp_millis())
        .ok_or(Open311Error::BadDate(field))
}

/// The instants `[from, to]` a `GET requests` covers: both given, one given (the other
/// 90 days away), or neither (the last 90 days up to `now_ms`).
pub fn date_range(
    start: Option<i64>,
    end: Option<i64>,
    now_ms: i64,
) -> Result<(i64, i64), Open311Error> {
    let span = MAX_RANGE_DAYS * MS_PER_DAY;
    let (from, to) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s.saturating_add(span)),
        (None, Some(e)) => (e.saturating_sub(span), e),
        (None, None) => (now_ms.saturating_sub(span), now_ms),
    };
    if from > to {
        Err(Open311Error::RangeReversed)
    } else if to - from > span {
        Err(Open311Error::RangeTooLong)
    } else {
        Ok((from, to))
    }
}

/// A posted location: both `lat` and `long`, or neither. Returns (longitude, latitude),
/// the order of [`crate::geo`].
pub fn parse_location(
    lat: Option<&str>,
    long: Option<&str>,
) -> Result<Option<(f64, f64)>, Open311Error> {
    let lat = lat.map(str::trim).filter(|s| !s.is_empty());
    let long = long.map(str::trim).filter(|s| !s.is_empty());
    match (lat, long) {
        (None, None) => Ok(None),
        (Some(lat), Some(long)) => {
            let lat: f64 = lat.parse().map_err(|_| Open311Error::BadLat)?;
            let long: f64 = long.parse().map_err(|_| Open311Error::BadLong)?;
            if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
                return Err(Open311Error::BadLat);
            }
            if !(long.is_finite() && (-180.0..=180.0).contains(&long)) {
                return Err(Open311Error::BadLong);
            }
            Ok(Some((long, lat)))
        }
        _ => Err(Open311Error::LatLongPair),
    }
}

/// A page of results (the common `page`/`page_size` extension), 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub size: u32,
}

impl Page {
    pub fn parse(page: Option<&str>, size: Option<&str>) -> Result<Page, Open311Error> {
        fn num(
            field: &'static str,
            s: Option<&str>,
            default: u32,
            max: u32,
        ) -> Result<u32, Open311Error> {
            match s.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(default),
                Some(s) => match s.parse::<u32>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(Open311Error::BadPage(field)),
                },
            }
        }
        Ok(Page {
            page: num("page", page, 1, u32::MAX)?,
            size: num("page_size", size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?,
        })
    }

    pub fn offset(self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.size)
    }

    pub fn limit(self) -> u32 {
        self.size
    }
}

/// `service_request_id=12,13` → `[12, 13]` (duplicates dropped, order kept).
pub fn parse_request_ids(s: &str) -> Result<Vec<i64>, Open311Error> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id: i64 = part.parse().map_err(|_| Open311Error::BadRequestId)?;
        if id <= 0 {
            return Err(Open311Error::BadRequestId);
        }
        if !out.contains(&id) {
            out.push(id);
        }
        if out.len() > MAX_REQUEST_IDS {
            return Err(Open311Error::TooManyIds);
        }
    }
    if out.is_empty() {
        Err(Open311Error::BadRequestId)
    } else {
        Ok(out)
    }
}

/// When a jurisdiction is configured, a given `jurisdiction_id` must name it; one that
/// is not given is accepted (this endpoint serves one jurisdiction).
pub fn check_jurisdiction(
    configured: Option<&str>,
    given: Option<&str>,
) -> Result<(), Open311Error> {
    match (configured, given.map(str::trim).filter(|g| !g.is_empty())) {
        (Some(c), Some(g)) if !c.eq_ignore_ascii_case(g) => Err(Open311Error::UnknownJurisdiction),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::category::default_catalogue;

    #[test]
    fn services_from_categories() {
        let lift = default_catalogue()
            .into_iter()
            .find(|c| c.code == "repairs_lift")
            .unwrap();
        let s = service(&lift, Language::En, false);
        assert_eq!(s.service_code, "repairs_lift");
        assert_eq!(s.service_name, "Repairs: lift");
        assert_eq!(s.group, "Repairs");
        assert!(s.keywords.split(',').any(|k| k == "电梯"));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["type"], "realtime");
        assert_eq!(json["metadata"], false);
        let zh = service(&lift, Language::Zh, true);
        assert_eq!(zh.service_name, "电梯故障");
        assert_eq!(zh.group, "维修");
        assert!(zh.metadata);
    }

    #[test]
    fn statuses() {
        assert_eq!(Open311Status::of(Status::InProgress), Open311Status::Open);
        assert_eq!(Open311Status::of(Status::OnHold), Open311Status::Open);
        assert_eq!(Open311Status::of(Status::Resolved), Open311Status::Closed);
        assert_eq!(Open311Status::of(Status::Duplicate), Open311Status::Closed);
        for s in Status::ALL {
            assert_eq!(Open311Status::of(s).code(), s.open311_status());
        }
        assert_eq!(Open311Status::parse(" open "), Ok(Open311Status::Open));
        assert_eq!(
            Open311Status::parse("pending"),
            Err(Open311Error::BadStatus)
        );
        let open = Open311Status::Open.statuses();
        let closed = Open311Status::Closed.statuses();
        assert_eq!(open.len() + closed.len(), Status::ALL.len());
        assert!(closed.contains(&Status::Rejected));
        assert_eq!(
            serde_json::to_string(&Open311Status::Closed).unwrap(),
            "\"closed\""
        );
    }

    #[test]
    fn datetimes_with_offsets() {
        // 2025-10-01T01:30:00Z
        let ms = 1_759_282_200_000;
        assert_eq!(format_datetime(ms, 480), "2025-10-01T09:30:00+08:00");
        assert_eq!(format_datetime(ms, 0), "2025-10-01T01:30:00+00:00");
        assert_eq!(format_datetime(ms, -480), "2025-09-30T17:30:00-08:00");
        assert_eq!(format_datetime(ms + 999, 480), "2025-10-01T09:30:00+08:00");
        // An impossible offset falls back to UTC rather than failing.
        assert_eq!(format_datetime(ms, 100_000), "2025-10-01T01:30:00+00:00");
        assert_eq!(format_datetime(i64::MAX, 0), "1970-01-01T00:00:00+00:00");

        for s in [
            "2025-10-01T09:30:00+08:00",
            "2025-10-01T01:30:00Z",
            "2025-10-01T09:30:00",
            "2025-10-01T09:30",
            " 2025-10-01T01:30:00.000+00:00 ",
        ] {
            assert_eq!(parse_datetime("start_date", s, 480), Ok(ms), "{s}");
        }
        assert_eq!(
            parse_datetime("end_date", "2025-10-01", 480),
            Ok(ms - 9 * 3_600_000 - 1_800_000)
        );
        assert_eq!(
            parse_datetime("end_date", "yesterday", 480),
            Err(Open311Error::BadDate("end_date"))
        );
        assert_eq!(Open311Error::BadDate("end_date").field(), "end_date");
    }

    #[test]
    fn ranges() {
        let day = MS_PER_DAY;
        let now = 1000 * day;
        assert_eq!(date_range(None, None, now), Ok((910 * day, now)));
        assert_eq!(date_range(Some(0), None, now), Ok((0, 90 * day)));
        assert_eq!(
            date_range(None, Some(100 * day), now),
            Ok((10 * day, 100 * day))
        );
        assert_eq!(date_range(Some(day), Some(day), now), Ok((day, day)));
        assert_eq!(
            date_range(Some(2 * day), Some(day), now),
            Err(Open311Error::RangeReversed)
        );
        assert_eq!(
            date_range(Some(0), Some(91 * day), now),
            Err(Open311Error::RangeTooLong)
        );
        assert_eq!(
            date_range(Some(i64::MIN), None, 0).map(|r| r.0),
            Ok(i64::MIN)
        );
    }

    #[test]
    fn locations() {
        assert_eq!(parse_location(None, None), Ok(None));
        assert_eq!(parse_location(Some(" "), Some("")), Ok(None));
        assert_eq!(
            parse_location(Some("30.585"), Some("114.285")),
            Ok(Some((114.285, 30.585)))
        );
        assert_eq!(
            parse_location(Some("30.585"), None),
            Err(Open311Error::LatLongPair)
        );
        assert_eq!(
            parse_location(Some("91"), Some("114")),
            Err(Open311Error::BadLat)
        );
        assert_eq!(
            parse_location(Some("30"), Some("-180.5")),
            Err(Open311Error::BadLong)
        );
        assert_eq!(
            parse_location(Some("NaN"), Some("114")),
            Err(Open311Error::BadLat)
        );
        assert_eq!(
            parse_location(Some("30"), Some("inf")),
            Err(Open311Error::BadLong)
        );
        assert_eq!(
            parse_location(Some("north"), Some("114")),
            Err(Open311Error::BadLat)
        );
        assert_eq!(Open311Error::BadLong.field(), "long");
        assert_eq!(Open311Error::BadLong.http_status(), 400);
    }

    #[test]
    fn pages() {
        assert_eq!(
            Page::parse(None, None),
            Ok(Page {
                page: 1,
                size: DEFAULT_PAGE_SIZE
            })
        );
        let p = Page::parse(Some("3"), Some("20")).unwrap();
        assert_eq!((p.offset(), p.limit()), (40, 20));
        assert_eq!(
            Page::parse(Some("0"), None),
            Err(Open311Error::BadPage("page"))
        );
        assert_eq!(
            Page::parse(None, Some("1001")),
            Err(Open311Error::BadPage("page_size"))
        );
        assert_eq!(
            Open311Error::BadPage("page_size").to_string(),
            "page_size must be a whole number from 1 to 1000"
        );
        assert_eq!(
            Page::parse(Some("x"), None),
            Err(Open311Error::BadPage("page"))
        );
        let last = Page::parse(Some(&u32::MAX.to_string()), Some("1000")).unwrap();
        assert_eq!(last.offset(), u64::from(u32::MAX - 1) * 1000);
    }

    #[test]
    fn request_ids() {
        assert_eq!(parse_request_ids("12, 13,12,"), Ok(vec![12, 13]));
        assert_eq!(parse_request_ids(""), Err(Open311Error::BadRequestId));
        assert_eq!(parse_request_ids("12,x"), Err(Open311Error::BadRequestId));
        assert_eq!(parse_request_ids("0"), Err(Open311Error::BadRequestId));
        let many: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
        assert_eq!(
            parse_request_ids(&many.join(",")),
            Err(Open311Error::TooManyIds)
        );
    }

    #[test]
    fn jurisdictions() {
        assert_eq!(check_jurisdiction(None, Some("anything")), Ok(()));
        assert_eq!(check_jurisdiction(Some("wuhan.gov.cn"), None), Ok(()));
        assert_eq!(
            check_jurisdiction(Some("wuhan.gov.cn"), Some("WUHAN.gov.cn")),
            Ok(())
        );
        let err = check_jurisdiction(Some("wuhan.gov.cn"), Some("example.org")).unwrap_err();
        assert_eq!(err, Open311Error::UnknownJurisdiction);
        assert_eq!(err.http_status(), 404);
    }

    #[test]
    fn service_requests_serialize_with_spec_names() {
        let r = ServiceRequest {
            service_request_id: "12".into(),
            status: Open311Status::Open,
            status_notes: Some(Status::Assigned.status_notes(Language::En, None)),
            service_name: "Parking".into(),
            service_code: "parking".into(),
            description: None,
            agency_responsible: None,
            service_notice: None,
            requested_datetime: format_datetime(0, 480),
            updated_datetime: None,
            expected_datetime: None,
            address: None,
            address_id: None,
            zipcode: None,
            lat: Some(30.5),
            long: Some(114.2),
            media_url: None,
        };
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["status"], "open");
        assert_eq!(json["long"], 114.2);
        assert_eq!(json["requested_datetime"], "1970-01-01T08:00:00+08:00");
        assert_eq!(json["status_notes"], "Assigned to the responsible party.");
    }
}
