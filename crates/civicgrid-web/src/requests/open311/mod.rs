//! Open311 GeoReport v2 at `/open311/v2`: discovery, services, service definitions,
//! requests (list, post, one), tokens, and the common `servicerequestupdates`
//! extension. Every resource answers in XML or JSON by its extension (`.xml`, `.json`);
//! errors are the specification's `<errors>` document (or its JSON array) with 400,
//! 403 or 404.
//!
//! Reading is public and shows only publicly showable requests without personal data;
//! an `api_key` (an API token) is required to post, and when given on a read it also
//! shows what the token may view. `jurisdiction_id` is accepted everywhere and, when
//! one is configured, must name it.

mod doc;

use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use civicgrid_app::AppError;
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::domain::requests::Language;
use civicgrid_app::domain::requests::open311::{
    self as spec, Open311Error, Open311Status, Page, Service, ServiceRequest,
};
use civicgrid_app::requests::open311::{Open311Post, Open311Query, ServiceRequestUpdate};

pub use doc::{Doc, Format, Open311Failure, Reply};

use crate::i18n::Lang;
use crate::routes::Routes;
use crate::state::AppState;

/// Where the specification lives (named in the discovery document).
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this endpoint's behaviour last changed (discovery `changeset`).
pub const CHANGESET: &str = "2026-01-15T00:00:00+08:00";
/// The base path.
pub const BASE: &str = "/open311/v2";

/// The query string as name–value pairs, or why it could not be read.
type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// A form body as name–value pairs, or why it could not be read.
type RawForm = Result<Form<Vec<(String, String)>>, FormRejection>;

/// Request parameters (query string and form body), first occurrence wins.
#[derive(Debug, Default)]
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn from_query(q: RawQuery) -> Result<Params, String> {
        match q {
            Ok(Query(v)) => Ok(Params(v)),
            Err(e) => Err(e.body_text()),
        }
    }
}

type Answer = Result<Reply, Open311Failure>;

/// Everything a handler needs to know about the call before doing it.
struct Call {
    format: Format,
    params: Params,
    lang: Language,
}

fn language(params: &Params, lang: Lang) -> Language {
    match params.get("locale").and_then(Lang::parse).unwrap_or(lang) {
        Lang::ZhCn => Language::Zh,
        Lang::En => Language::En,
    }
}

fn bad(format: Format, message: impl Into<String>) -> Open311Failure {
    Open311Failure::new(StatusCode::BAD_REQUEST, format, message)
}

fn spec_error(format: Format, e: &Open311Error) -> Open311Failure {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    Open311Failure::new(status, format, e.to_string())
}

/// The parameter name an Open311 client knows for a field a use case names.
fn param_name(field: &str) -> &str {
    match field {
        "contact_phone" => "phone",
        "contact_name" => "first_name",
        "point" | "grid_id" => "lat",
        "category" => "service_code",
        "building_id" => "address_id",
        "address" => "address_string",
        other => other,
    }
}

fn app_error(format: Format, e: AppError) -> Open311Failure {
    match e {
        AppError::Invalid { field, message } => {
            bad(format, format!("{}: {message}", param_name(field)))
        }
        AppError::NotFound(what) => {
            Open311Failure::new(StatusCode::NOT_FOUND, format, format!("{what} not found"))
        }
        AppError::Unauthenticated => Open311Failure::new(
            StatusCode::FORBIDDEN,
            format,
            "api_key is not valid (revoked, expired or unknown)",
        ),
        AppError::Forbidden => Open311Failure::new(
            StatusCode::FORBIDDEN,
            format,
            "this api_key may not do this here",
        ),
        AppError::Conflict(m) => bad(format, m),
        AppError::Throttled { .. } => Open311Failure::new(
            StatusCode::TOO_MANY_REQUESTS,
            format,
            "too many requests; try again later",
        ),
        AppError::Internal(source) => {
            tracing::error!(error = %source, "open311: internal error");
            Open311Failure::new(StatusCode::INTERNAL_SERVER_ERROR, format, "internal error")
        }
    }
}

impl Call {
    fn new(
        st: &AppState,
        format: Format,
        params: Params,
        lang: Lang,
    ) -> Result<Call, Open311Failure> {
        spec::check_jurisdiction(
            st.config.open311_jurisdiction.as_deref(),
            params.get("jurisdiction_id"),
        )
        .map_err(|e| spec_error(format, &e))?;
        let lang = language(&params, lang);
        Ok(Call {
            format,
            params,
            lang,
        })
    }

    /// The token's holder when an `api_key` is given (an invalid one is refused).
    async fn viewer(&self, st: &AppState) -> Result<Option<Actor>, Open311Failure> {
        match self.params.get("api_key") {
            None => Ok(None),
            Some(key) if key.len() > 128 => Err(app_error(self.format, AppError::Unauthenticated)),
            Some(key) => st
                .app
                .api_token(key)
                .await
                .map(Some)
                .map_err(|e| app_error(self.format, e)),
        }
    }

    fn fail(&self, e: AppError) -> Open311Failure {
        app_error(self.format, e)
    }

    /// The `start_date`–`end_date` window asked for (dates without an offset read in
    /// the configured one), bounded as the specification says.
    async fn date_window(&self, st: &AppState) -> Result<(i64, i64), Open311Failure> {
        let offset = st
            .app
            .open311_utc_offset()
            .await
            .map_err(|e| self.fail(e))?;
        let date = |name: &'static str| {
            self.params
                .get(name)
                .map(|s| spec::parse_datetime(name, s, offset))
                .transpose()
                .map_err(|e| spec_error(self.format, &e))
        };
        let (start, end) = (date("start_date")?, date("end_date")?);
        spec::date_range(start, end, civicgrid_app::now_ms())
            .map_err(|e| spec_error(self.format, &e))
    }
}

fn query_call(
    st: &AppState,
    format: Format,
    q: RawQuery,
    lang: Lang,
) -> Result<Call, Open311Failure> {
    let params = Params::from_query(q).map_err(|m| bad(format, m))?;
    Call::new(st, format, params, lang)
}

/// `{name}.json` / `{name}.xml` in a path segment; anything else is not found (in XML,
/// the specification's default format).
fn path_resource(
    p: Result<Path<String>, PathRejection>,
) -> Result<(String, Format), Open311Failure> {
    let not_found = || {
        Open311Failure::new(
            StatusCode::NOT_FOUND,
            Format::Xml,
            "not found: add .xml or .json",
        )
    };
    let Path(segment) = p.map_err(|_| not_found())?;
    let (stem, format) = Format::split(&segment).ok_or_else(not_found)?;
    if stem.is_empty() || stem.len() > 128 {
        return Err(Open311Failure::new(
            StatusCode::NOT_FOUND,
            format,
            "not found",
        ));
    }
    Ok((stem.to_owned(), format))
}

// ---- documents -------------------------------------------------------------

fn service_doc(s: &Service) -> Doc {
    Doc::Object(vec![
        ("service_code", Doc::text(&s.service_code)),
        ("service_name", Doc::text(&s.service_name)),
        ("description", Doc::text(&s.description)),
        ("metadata", Doc::Bool(s.metadata)),
        (
            "type",
            Doc::text(match s.service_type {
                spec::ServiceType::Realtime => "realtime",
                spec::ServiceType::Batch => "batch",
                spec::ServiceType::Blackbox => "blackbox",
            }),
        ),
        ("keywords", Doc::text(&s.keywords)),
        ("group", Doc::text(&s.group)),
    ])
}

fn request_doc(r: &ServiceRequest) -> Doc {
    Doc::Object(vec![
        ("service_request_id", Doc::text(&r.service_request_id)),
        ("status", Doc::text(r.status.code())),
        ("status_notes", Doc::opt_text(r.status_notes.clone())),
        ("service_name", Doc::text(&r.service_name)),
        ("service_code", Doc::text(&r.service_code)),
        ("description", Doc::opt_text(r.description.clone())),
        (
            "agency_responsible",
            Doc::opt_text(r.agency_responsible.clone()),
        ),
        ("service_notice", Doc::opt_text(r.service_notice.clone())),
        ("requested_datetime", Doc::text(&r.requested_datetime)),
        (
            "updated_datetime",
            Doc::opt_text(r.updated_datetime.clone()),
        ),
        (
            "expected_datetime",
            Doc::opt_text(r.expected_datetime.clone()),
        ),
        ("address", Doc::opt_text(r.address.clone())),
        ("address_id", Doc::opt_text(r.address_id.clone())),
        ("zipcode", Doc::opt_text(r.zipcode.clone())),
        ("lat", Doc::opt_number(r.lat)),
        ("long", Doc::opt_number(r.long)),
        ("media_url", Doc::opt_text(r.media_url.clone())),
    ])
}

fn update_doc(u: &ServiceRequestUpdate) -> Doc {
    Doc::Object(vec![
        ("update_id", Doc::text(&u.update_id)),
        ("service_request_id", Doc::text(&u.service_request_id)),
        ("status", Doc::text(u.status.code())),
        ("updated_datetime", Doc::text(&u.updated_datetime)),
        ("description", Doc::text(&u.description)),
        ("media_url", Doc::opt_text(u.media_url.clone())),
    ])
}

// ---- handlers --------------------------------------------------------------

async fn discovery(
    State(st): State<AppState>,
    format: Format,
    q: RawQuery,
    lang: Lang,
    headers: HeaderMap,
) -> Answer {
    let call = query_call(&st, format, q, lang)?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    let scheme = if st.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    let url = host.map_or_else(|| BASE.to_owned(), |h| format!("{scheme}://{h}{BASE}"));
    let (contact, key_service) = match call.lang {
        Language::Zh => (
            "请联系所在社区居委会或街道办事处",
            "提交诉求需要 API 令牌（api_key），由平台管理员签发",
        ),
        Language::En => (
            "Contact your residents' committee or sub-district office",
            "Posting needs an API token (api_key) issued by the platform's administrator",
        ),
    };
    let endpoint = Doc::Object(vec![
        ("specification", Doc::text(SPECIFICATION)),
        ("url", Doc::text(url)),
        ("changeset", Doc::text(CHANGESET)),
        ("type", Doc::text("production")),
        (
            "formats",
            Doc::List(
                "format",
                vec![Doc::text("text/xml"), Doc::text("application/json")],
            ),
        ),
    ]);
    Ok(Reply::ok(
        call.format,
        "discovery",
        Doc::Object(vec![
            ("changeset", Doc::text(CHANGESET)),
            ("contact", Doc::text(contact)),
            ("key_service", Doc::text(key_service)),
            ("endpoints", Doc::List("endpoint", vec![endpoint])),
        ]),
    ))
}

async fn services(State(st): State<AppState>, format: Format, q: RawQuery, lang: Lang) -> Answer {
    let call = query_call(&st, format, q, lang)?;
    let list = st
        .app
        .open311_services(call.lang)
        .await
        .map_err(|e| call.fail(e))?;
    Ok(Reply::ok(
        call.format,
        "services",
        Doc::List("service", list.iter().map(service_doc).collect()),
    ))
}

async fn service_definition(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: RawQuery,
    lang: Lang,
) -> Answer {
    let (code, format) = path_resource(p)?;
    let call = query_call(&st, format, q, lang)?;
    let s = st
        .app
        .open311_service(&code, call.lang)
        .await
        .map_err(|e| call.fail(e))?;
    Ok(Reply::ok(
        call.format,
        "service_definition",
        Doc::Object(vec![
            ("service_code", Doc::text(&s.service_code)),
            ("attributes", Doc::List("attribute", Vec::new())),
        ]),
    ))
}

async fn list_requests(
    State(st): State<AppState>,
    format: Format,
    q: RawQuery,
    lang: Lang,
) -> Answer {
    let call = query_call(&st, format, q, lang)?;
    let viewer = call.viewer(&st).await?;
    let p = &call.params;
    let err = |e: Open311Error| spec_error(call.format, &e);
    let ids = p
        .get("service_request_id")
        .map(spec::parse_request_ids)
        .transpose()
        .map_err(err)?;
    let (from, to) = call.date_window(&st).await?;
    let status = p
        .get("status")
        .map(Open311Status::parse)
        .transpose()
        .map_err(err)?;
    let page = Page::parse(p.get("page"), p.get("page_size")).map_err(err)?;
    let query = Open311Query {
        ids,
        service_code: p.get("service_code").map(str::to_owned),
        from,
        to,
        status,
        page,
    };
    let list = st
        .app
        .open311_requests(viewer.as_ref(), &query, call.lang)
        .await
        .map_err(|e| call.fail(e))?;
    Ok(Reply::ok(
        call.format,
        "service_requests",
        Doc::List("request", list.iter().map(request_doc).collect()),
    ))
}

async fn one_request(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: RawQuery,
    lang: Lang,
) -> Answer {
    let (id, format) = path_resource(p)?;
    let call = query_call(&st, format, q, lang)?;
    let viewer = call.viewer(&st).await?;
    let id = match spec::parse_request_ids(&id) {
        Ok(ids) if ids.len() == 1 => ids[0],
        _ => {
            return Err(Open311Failure::new(
                StatusCode::NOT_FOUND,
                format,
                "service_request_id not found",
            ));
        }
    };
    let r = st
        .app
        .open311_request(viewer.as_ref(), id, call.lang)
        .await
        .map_err(|e| call.fail(e))?;
    Ok(Reply::ok(
        call.format,
        "service_requests",
        Doc::List("request", vec![request_doc(&r)]),
    ))
}

async fn token(
    State(st): State<AppState>,
    p: Result<Path<String>, PathRejection>,
    q: RawQuery,
    lang: Lang,
) -> Answer {
    let (token, format) = path_resource(p)?;
    let call = query_call(&st, format, q, lang)?;
    let id = st
        .app
        .open311_token(&token)
        .await
        .map_err(|e| call.fail(e))?;
    Ok(Reply::ok(
        call.format,
        "service_requests",
        Doc::List(
            "request",
            vec![Doc::Object(vec![
                ("service_request_id", Doc::text(id.0.to_string())),
                ("token", Doc::text(token)),
            ])],
        ),
    ))
}

async fn updates(State(st): State<AppState>, format: Format, q: RawQuery, lang: Lang) -> Answer {
    let call = query_call(&st, format, q, lang)?;
    let p = &call.params;
    let (from, to) = call.date_window(&st).await?;
    let page =
        Page::parse(p.get("page"), p.get("page_size")).map_err(|e| spec_error(call.format, &e))?;
    let list = st
        .app
        .open311_updates(from, to, page, call.lang)
        .await
        .map_err(|e| call.fail(e))?;
    Ok(Reply::ok(
        call.format,
        "service_request_updates",
        Doc::List("request_update", list.iter().map(update_doc).collect()),
    ))
}

async fn post_request(
    State(st): State<AppState>,
    format: Format,
    q: RawQuery,
    lang: Lang,
    body: RawForm,
) -> Answer {
    let mut params = Params::from_query(q).map_err(|m| bad(format, m))?;
    match body {
        // Body parameters first: they win over the query string.
        Ok(Form(mut fields)) => {
            fields.append(&mut params.0);
            params.0 = fields;
        }
        // Everything in the query string, no form body.
        Err(FormRejection::InvalidFormContentType(_)) => {}
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(Open311Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format,
                "the request body is too large",
            ));
        }
        Err(e) => return Err(bad(format, e.body_text())),
    }
    let call = Call::new(&st, format, params, lang)?;
    let p = &call.params;
    if p.get("api_key").is_none() {
        return Err(bad(format, "api_key was not provided"));
    }
    let Some(service_code) = p.get("service_code") else {
        return Err(bad(format, "service_code was not provided"));
    };
    let point =
        spec::parse_location(p.get("lat"), p.get("long")).map_err(|e| spec_error(format, &e))?;
    let address_id = p
        .get("address_id")
        .map(|a| {
            a.parse::<i64>().ok().filter(|a| *a > 0).ok_or_else(|| {
                bad(
                    format,
                    "address_id must be a building number of this ledger",
                )
            })
        })
        .transpose()?;
    let address_string = p.get("address_string").map(str::to_owned);
    if point.is_none() && address_string.is_none() && address_id.is_none() {
        return Err(bad(
            format,
            "lat & long, address_string or address_id must be provided",
        ));
    }
    let post = Open311Post {
        service_code: service_code.to_owned(),
        description: p.get("description").unwrap_or_default().to_owned(),
        point,
        address_string,
        address_id,
        first_name: p.get("first_name").map(str::to_owned),
        last_name: p.get("last_name").map(str::to_owned),
        // `email` is accepted and not kept: a call-back phone is what staff use.
        phone: p.get("phone").map(str::to_owned),
    };
    let actor = call
        .viewer(&st)
        .await?
        .ok_or_else(|| bad(format, "api_key was not provided"))?;
    let done = st
        .app
        .submit_open311(&actor, post)
        .await
        .map_err(|e| call.fail(e))?;
    let mut reply = Reply::ok(
        call.format,
        "service_requests",
        Doc::List(
            "request",
            vec![Doc::Object(vec![
                ("service_request_id", Doc::text(done.id.0.to_string())),
                ("token", Doc::opt_text(done.open311_token)),
                ("service_notice", Doc::text(done.number)),
                ("account_id", Doc::Null),
            ])],
        ),
    );
    reply.status = StatusCode::CREATED;
    Ok(reply)
}

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/open311/v2/discovery.json", discovery)
        .get("/open311/v2/discovery.xml", discovery)
        .get("/open311/v2/services.json", services)
        .get("/open311/v2/services.xml", services)
        .get("/open311/v2/services/{service_code}", service_definition)
        .get("/open311/v2/requests.json", list_requests)
        .get("/open311/v2/requests.xml", list_requests)
        .post("/open311/v2/requests.json", post_request)
        .post("/open311/v2/requests.xml", post_request)
        .get("/open311/v2/requests/{service_request_id}", one_request)
        .get("/open311/v2/tokens/{token}", token)
        .get("/open311/v2/servicerequestupdates.json", updates)
        .get("/open311/v2/servicerequestupdates.xml", updates)
}
