//! `/api/v1/notices`: write and publish a notice, list those one follows and those
//! addressed to one, read one (which records the caller's receipt), record a receipt,
//! and follow the coverage; `notice_files` adds, serves and removes attachments. Names on coverage rows are masked.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::participation::notices::{
    Coverage, NoticeInput, NoticeLine, NoticeView, RecipientRow,
};
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// A new notice.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNoticeBody {
    /// The street, community or grid the notice is for.
    pub scope_id: i64,
    /// The Chinese version (title and body together), the English one, or both.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub title_zh: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub body_zh: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub title_en: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub body_en: String,
    /// everyone (default), tags, roles or estate.
    #[schema(pattern = "^(everyone|tags|roles|estate)$")]
    pub target: Option<String>,
    /// Ledger tag codes, for `tags`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Role codes, for `roles`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The estate whose owners it is for, for `estate`.
    pub estate_id: Option<i64>,
    #[serde(default)]
    pub pinned: bool,
    /// Important notices need `read_by`; unread households after it are followed up.
    #[serde(default)]
    pub important: bool,
    pub read_by: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Publish at once (default); false keeps a draft.
    pub publish: Option<bool>,
}

/// A notice.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeOut {
    pub id: i64,
    /// draft, published or withdrawn.
    pub state: String,
    /// The poster's short code (typed at `/notices/code`).
    pub code: String,
    pub title_zh: Option<String>,
    pub body_zh: Option<String>,
    pub title_en: Option<String>,
    pub body_en: Option<String>,
    pub node_id: i64,
    /// everyone, tags, roles or estate.
    pub target: String,
    pub target_values: Vec<String>,
    pub estate_id: Option<i64>,
    pub pinned: bool,
    pub important: bool,
    pub read_by: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    /// Whether the notice is addressed to the caller, and when they read it.
    pub addressed_to_me: bool,
    pub my_read_at: Option<DateTime<Utc>>,
    /// Recipients inside the caller's sight (0 for those who only read it).
    pub recipients: i64,
    pub read: i64,
    /// Files sent with the notice.
    pub attachments: Vec<super::notice_files::AttachmentOut>,
}

impl From<NoticeView> for NoticeOut {
    fn from(v: NoticeView) -> NoticeOut {
        let values = v
            .target
            .values()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        NoticeOut {
            id: v.id,
            state: v.state.as_str().to_owned(),
            code: v.code,
            title_zh: v.texts.zh.as_ref().map(|t| t.title.clone()),
            body_zh: v.texts.zh.as_ref().map(|t| t.body.clone()),
            title_en: v.texts.en.as_ref().map(|t| t.title.clone()),
            body_en: v.texts.en.as_ref().map(|t| t.body.clone()),
            node_id: v.node_id,
            target: v.target.kind().to_owned(),
            target_values: values,
            estate_id: v.target.estate(),
            pinned: v.pinned,
            important: v.important,
            read_by: v.read_by.map(time),
            expires_at: v.expires_at.map(time),
            published_at: v.published_at.map(time),
            addressed_to_me: v.my_receipt.is_some(),
            my_read_at: v.my_receipt.flatten().map(time),
            recipients: v.recipients,
            read: v.read,
            attachments: v.attachments.into_iter().map(Into::into).collect(),
        }
    }
}

/// A notice on a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeItem {
    pub id: i64,
    pub state: String,
    pub title_zh: Option<String>,
    pub title_en: Option<String>,
    pub target: String,
    pub pinned: bool,
    pub important: bool,
    pub read_by: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub recipients: i64,
    pub read: i64,
    /// In the caller's inbox: when they read it.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<NoticeLine> for NoticeItem {
    fn from(l: NoticeLine) -> NoticeItem {
        NoticeItem {
            id: l.id,
            state: l.state.as_str().to_owned(),
            title_zh: l.title_zh,
            title_en: l.title_en,
            target: l.target,
            pinned: l.pinned,
            important: l.important,
            read_by: l.read_by.map(time),
            published_at: l.published_at.map(time),
            recipients: l.recipients,
            read: l.read,
            read_at: l.read_at.map(time),
        }
    }
}

/// Which notices.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// inbox (default: addressed to the caller) or scope (those the caller follows).
    #[param(pattern = "^(inbox|scope)$")]
    pub list: Option<String>,
}

/// Read and unread recipients of a building.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BuildingLine {
    pub building_id: i64,
    pub building: String,
    pub grid: String,
    pub households: i64,
    pub read: i64,
}

/// How far a notice has reached inside the caller's sight.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoverageOut {
    pub notice_id: i64,
    pub households: i64,
    pub households_read: i64,
    pub accounts: i64,
    pub accounts_read: i64,
    pub buildings: Vec<BuildingLine>,
    /// Households by room (head's name masked), then accounts (masked).
    pub recipients: Vec<RecipientRow>,
}

impl From<Coverage> for CoverageOut {
    fn from(c: Coverage) -> CoverageOut {
        CoverageOut {
            notice_id: c.notice.id,
            households: c.households,
            households_read: c.households_read,
            accounts: c.accounts,
            accounts_read: c.accounts_read,
            buildings: c
                .buildings
                .into_iter()
                .map(|b| BuildingLine {
                    building_id: b.building_id,
                    building: b.building,
                    grid: b.grid_name,
                    households: b.households,
                    read: b.read,
                })
                .collect(),
            recipients: c.rows,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/notices", tag = "notices",
    request_body = NewNoticeBody,
    responses(
        (status = 201, body = NoticeOut, headers(("Location" = String))),
        (status = 422, body = ErrorBody, description = "A field is invalid; the message names it"),
    ))]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<NewNoticeBody>,
) -> ApiResult<Response> {
    let input = NoticeInput {
        scope_id: Some(b.scope_id),
        title_zh: b.title_zh,
        body_zh: b.body_zh,
        title_en: b.title_en,
        body_en: b.body_en,
        target: b.target.unwrap_or_default(),
        tags: b.tags,
        roles: b.roles,
        estate_id: b.estate_id,
        pinned: b.pinned,
        important: b.important,
        read_by: b.read_by.map(|t| t.timestamp_millis()),
        expires_at: b.expires_at.map(|t| t.timestamp_millis()),
        publish: b.publish.unwrap_or(true),
        attachments: Vec::new(),
    };
    let v = st.app.create_notice(&caller.actor, &input).await?;
    Ok(created(
        format!("/api/v1/notices/{}", v.id),
        NoticeOut::from(v),
    ))
}

#[utoipa::path(post, path = "/api/v1/notices/{id}/publish", tag = "notices",
    params(("id" = i64, Path)),
    responses((status = 200, body = NoticeOut), (status = 409, body = ErrorBody)))]
pub async fn publish(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<NoticeOut>> {
    Ok(Json(st.app.publish_notice(&caller.actor, id).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/notices", tag = "notices",
    params(ListParams),
    responses((status = 200, body = Vec<NoticeItem>)))]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<Vec<NoticeItem>>> {
    let lines = match p.list.as_deref().map(str::trim).unwrap_or("inbox") {
        "inbox" | "" => st.app.my_notices(&caller.actor).await?,
        "scope" => st.app.notices(&caller.actor).await?,
        _ => {
            return Err(civicgrid_app::AppError::invalid("list", "choose inbox or scope").into());
        }
    };
    Ok(Json(lines.into_iter().map(NoticeItem::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "notices",
    params(("id" = i64, Path)),
    responses((status = 200, body = NoticeOut, description = "Reading a notice addressed to the caller records their receipt"),
        (status = 404, body = ErrorBody)))]
pub async fn get_notice(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<NoticeOut>> {
    Ok(Json(
        st.app.open_notice(Some(&caller.actor), id).await?.into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/notices/{id}/read", tag = "notices",
    params(("id" = i64, Path)),
    responses((status = 200, body = NoticeOut, description = "The receipt is recorded once; again changes nothing"),
        (status = 409, body = ErrorBody, description = "The notice is not addressed to the caller")))]
pub async fn read(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<NoticeOut>> {
    Ok(Json(st.app.read_notice(&caller.actor, id).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/notices/{id}/coverage", tag = "notices",
    params(("id" = i64, Path)),
    responses((status = 200, body = CoverageOut), (status = 404, body = ErrorBody)))]
pub async fn coverage(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CoverageOut>> {
    Ok(Json(
        st.app.notice_coverage(&caller.actor, id).await?.into(),
    ))
}

pub(super) fn routes(r: crate::routes::Routes) -> crate::routes::Routes {
    r.post("/api/v1/notices", create)
        .get("/api/v1/notices", list)
        .get("/api/v1/notices/{id}", get_notice)
        .post("/api/v1/notices/{id}/publish", publish)
        .post("/api/v1/notices/{id}/read", read)
        .get("/api/v1/notices/{id}/coverage", coverage)
        .post_with_body_limit(
            "/api/v1/notices/{id}/attachments",
            super::notice_files::attach,
            super::notice_files::MAX_UPLOAD_BYTES,
        )
        .get("/api/v1/notice-attachments/{id}", super::notice_files::file)
        .delete(
            "/api/v1/notice-attachments/{id}",
            super::notice_files::remove,
        )
}
