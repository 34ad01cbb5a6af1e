//! Use cases behind Open311 GeoReport v2 (`/open311/v2`): the services (categories),
//! public reading of requests and their status changes, tokens, and posting a request
//! with an API token.
//!
//! Reading needs no credentials and shows only publicly showable requests (the
//! request's own flag and its category being public now) with no personal data: no
//! contact, no requester, no staff names, and status notes without free-text detail.
//! What it shows of them is the public board's reading ([`PublicRequest`]): text
//! without contact details, the address no finer than building and unit, the point
//! rounded to about 100 m. A caller who also presents an API token sees, in the same
//! shape, the requests that token may view, and those in full.

use std::collections::HashMap;

use civicgrid_domain::platform::access::Actor;
use civicgrid_domain::requests::open311::{
    Open311Status, Page, Service, ServiceRequest, format_datetime, service,
};
use civicgrid_domain::requests::routing::Party;
use civicgrid_domain::requests::{Channel, Language, RequestId};
use civicgrid_store::requests::{self as repo, PublicQuery, RequestRecord};
use civicgrid_store::{AnyConnection, platform::org};

use super::board::{PublicRequest, public_text};
use super::intake::{NewRequest, OnBehalf, Submitted};
use super::settings::load_rules;
use super::{standing, visible_request};
use crate::{App, AppError, AppResult};

/// A `GET requests` query, its values already parsed by the domain's helpers.
#[derive(Debug, Clone)]
pub struct Open311Query {
    /// `service_request_id=1,2`: these requests only (the other filters are ignored,
    /// as the specification says).
    pub ids: Option<Vec<i64>>,
    pub service_code: Option<String>,
    /// Created in `[from, to]`, UTC ms (see `open311::date_range`).
    pub from: i64,
    pub to: i64,
    pub status: Option<Open311Status>,
    pub page: Page,
}

/// One status change as the `servicerequestupdates` extension lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ServiceRequestUpdate {
    pub update_id: String,
    pub service_request_id: String,
    pub status: Open311Status,
    pub updated_datetime: String,
    /// The status note (never free text written by staff).
    pub description: String,
    pub media_url: Option<String>,
}

/// A request posted through Open311.
#[derive(Debug, Clone, Default)]
pub struct Open311Post {
    pub service_code: String,
    pub description: String,
    /// (longitude, latitude).
    pub point: Option<(f64, f64)>,
    pub address_string: Option<String>,
    /// A building id of the ledger.
    pub address_id: Option<i64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
}

/// Names shown for a request's responsible party, looked up once per listing.
#[derive(Default)]
struct Agencies(HashMap<(bool, i64), Option<String>>);

impl Agencies {
    async fn of(
        &mut self,
        conn: &mut AnyConnection,
        rec: &RequestRecord,
        lang: Language,
    ) -> AppResult<Option<String>> {
        let key = match rec.party {
            Party::Org(id) => (true, id),
            Party::Role(_) => (false, rec.community_id),
        };
        if let Some(name) = self.0.get(&key) {
            return Ok(name.clone());
        }
        let name = if key.0 {
            repo::get_org(conn, key.1).await.ok().map(|o| o.name)
        } else {
            org::get(conn, key.1).await.ok().map(|n| match lang {
                Language::Zh => n.name_zh,
                Language::En => n.name_en,
            })
        };
        self.0.insert(key, name.clone());
        Ok(name)
    }
}

/// How much of a request the reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// The public's reading ([`PublicRequest`]).
    Public,
    /// In full: the reader's token may view the request.
    Full,
}

fn shown(
    rec: &RequestRecord,
    reading: Reading,
    names: &HashMap<String, String>,
    agency: Option<String>,
    lang: Language,
    offset: i32,
) -> ServiceRequest {
    let open = rec.status.is_open();
    let service_name = names
        .get(&rec.category)
        .cloned()
        .unwrap_or_else(|| rec.category.clone());
    let status_notes = rec.status.status_notes(lang, None);
    let (description, address, point, service_name, agency, status_notes) = match reading {
        Reading::Full => (
            rec.description.clone(),
            rec.address.clone(),
            rec.point,
            service_name,
            agency,
            status_notes,
        ),
        Reading::Public => {
            let p = PublicRequest::of(rec, offset);
            (
                p.description,
                p.address,
                p.point,
                public_text(&service_name),
                agency.as_deref().map(public_text),
                public_text(&status_notes),
            )
        }
    };
    ServiceRequest {
        service_request_id: rec.id.0.to_string(),
        status: Open311Status::of(rec.status),
        status_notes: Some(status_notes),
        service_name,
        service_code: rec.category.clone(),
        description: Some(description),
        agency_responsible: agency,
        service_notice: None,
        requested_datetime: format_datetime(rec.created_at, offset),
        updated_datetime: Some(format_datetime(rec.updated_at, offset)),
        expected_datetime: open.then(|| format_datetime(rec.deadlines.resolution_due_ms, offset)),
        address: Some(address).filter(|a| !a.is_empty()),
        address_id: None,
        zipcode: None,
        lat: point.map(|p| p.1),
        long: point.map(|p| p.0),
        media_url: None,
    }
}

/// How `viewer` may read `rec`, a publicly showable request or one it may view.
async fn reading(
    conn: &mut AnyConnection,
    viewer: Option<&Actor>,
    rec: &RequestRecord,
) -> AppResult<Reading> {
    Ok(match viewer {
        Some(actor) if standing(conn, actor, rec).await?.may_view() => Reading::Full,
        _ => Reading::Public,
    })
}

impl App {
    /// The services: every active category, in listing order.
    pub async fn open311_services(&self, lang: Language) -> AppResult<Vec<Service>> {
        Ok(self
            .request_categories()
            .await?
            .iter()
            .filter(|c| c.active)
            .map(|c| service(c, lang, false))
            .collect())
    }

    /// One service by code (active categories only).
    pub async fn open311_service(&self, code: &str, lang: Language) -> AppResult<Service> {
        self.open311_services(lang)
            .await?
            .into_iter()
            .find(|s| s.service_code == code)
            .ok_or(AppError::NotFound("service_code"))
    }

    /// The offset (minutes east of UTC) Open311 times are shown at.
    pub async fn open311_utc_offset(&self) -> AppResult<i32> {
        let mut conn = self.db.read().await?;
        Ok(load_rules(&mut conn).await?.calendar.utc_offset_minutes())
    }

    async fn open311_rec(
        &self,
        conn: &mut AnyConnection,
        viewer: Option<&Actor>,
        id: RequestId,
    ) -> AppResult<Option<RequestRecord>> {
        if let Some(rec) = repo::public_request(conn, id).await? {
            return Ok(Some(rec));
        }
        match viewer {
            Some(actor) => match visible_request(conn, actor, id).await {
                Ok((rec, _)) => Ok(Some(rec)),
                Err(AppError::NotFound(_)) => Ok(None),
                Err(e) => Err(e),
            },
            None => Ok(None),
        }
    }

    /// `GET requests`: publicly showable requests (and, with a token, those it may
    /// view), newest first, one page.
    pub async fn open311_requests(
        &self,
        viewer: Option<&Actor>,
        q: &Open311Query,
        lang: Language,
    ) -> AppResult<Vec<ServiceRequest>> {
        let mut conn = self.db.read().await?;
        let offset = load_rules(&mut conn).await?.calendar.utc_offset_minutes();
        let names: HashMap<String, String> = repo::categories(&mut conn)
            .await?
            .into_iter()
            .map(|c| (c.code.clone(), c.name(lang).to_owned()))
            .collect();
        let recs = match &q.ids {
            Some(ids) => {
                let mut out = Vec::new();
                for id in ids {
                    if let Some(rec) = self.open311_rec(&mut conn, viewer, RequestId(*id)).await? {
                        out.push(rec);
                    }
                }
                out
            }
            None => {
                repo::public_requests(
                    &mut conn,
                    &PublicQuery {
                        created_from: q.from,
                        created_to: q.to,
                        category: q.service_code.clone(),
                        open: q.status.map(|s| s == Open311Status::Open),
                        limit: i64::from(q.page.limit()),
                        offset: i64::try_from(q.page.offset()).unwrap_or(i64::MAX),
                    },
                )
                .await?
            }
        };
        let mut agencies = Agencies::default();
        let mut out = Vec::with_capacity(recs.len());
        for rec in &recs {
            let agency = agencies.of(&mut conn, rec, lang).await?;
            let how = reading(&mut conn, viewer, rec).await?;
            out.push(shown(rec, how, &names, agency, lang, offset));
        }
        Ok(out)
    }

    /// `GET requests/{id}`: one request, if publicly showable or visible to the token.
    pub async fn open311_request(
        &self,
        viewer: Option<&Actor>,
        id: i64,
        lang: Language,
    ) -> AppResult<ServiceRequest> {
        let q = Open311Query {
            ids: Some(vec![id]),
            service_code: None,
            from: 0,
            to: 0,
            status: None,
            page: Page { page: 1, size: 1 },
        };
        self.open311_requests(viewer, &q, lang)
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound("service_request_id"))
    }

    /// `GET tokens/{token}`: the request a token handed out on `POST requests` stands
    /// for.
    pub async fn open311_token(&self, token: &str) -> AppResult<RequestId> {
        if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::NotFound("token"));
        }
        let mut conn = self.db.read().await?;
        repo::request_of_open311_token(&mut conn, token)
            .await?
            .ok_or(AppError::NotFound("token"))
    }

    /// `GET servicerequestupdates`: status changes of publicly showable requests made
    /// in `[from, to]`, oldest first, one page.
    pub async fn open311_updates(
        &self,
        from: i64,
        to: i64,
        page: Page,
        lang: Language,
    ) -> AppResult<Vec<ServiceRequestUpdate>> {
        let mut conn = self.db.read().await?;
        let offset = load_rules(&mut conn).await?.calendar.utc_offset_minutes();
        let rows = repo::public_status_updates(
            &mut conn,
            from,
            to,
            i64::from(page.limit()),
            i64::try_from(page.offset()).unwrap_or(i64::MAX),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|u| ServiceRequestUpdate {
                update_id: u.id.to_string(),
                service_request_id: u.request_id.0.to_string(),
                status: Open311Status::of(u.status),
                updated_datetime: format_datetime(u.at_ms, offset),
                description: public_text(&u.status.status_notes(lang, None)),
                media_url: None,
            })
            .collect())
    }

    /// `POST requests`: raises a request through the `open311` channel as the token's
    /// holder. A point chooses the grid whose boundary contains it; `address_id` is a
    /// building of the ledger. The contact's name and phone are kept as for a phone
    /// intake (the phone sealed, both shown masked). Whether the request appears
    /// publicly is its category's rule, as on the pages: a public category's requests
    /// do (read as the public board reads them), a private one's never.
    pub async fn submit_open311(&self, actor: &Actor, post: Open311Post) -> AppResult<Submitted> {
        if post.point.is_none() && post.address_string.is_none() && post.address_id.is_none() {
            return Err(AppError::invalid(
                "lat",
                "give lat and long, address_string or address_id",
            ));
        }
        let code = post.service_code.trim();
        let category = self
            .request_categories()
            .await?
            .into_iter()
            .find(|c| c.active && c.code == code)
            .ok_or(AppError::NotFound("service_code"))?;
        let name = [post.last_name.as_deref(), post.first_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("");
        let contact = (!name.is_empty() || post.phone.is_some()).then(|| OnBehalf {
            user_id: None,
            resident_id: None,
            contact_name: Some(name).filter(|n| !n.is_empty()),
            contact_phone: post.phone.clone(),
        });
        let input = NewRequest {
            channel: Channel::Open311,
            category: Some(category.code.clone()),
            description: post.description.clone(),
            grid_id: None,
            building_id: post.address_id,
            room_id: None,
            point: post.point,
            address: post.address_string.clone().unwrap_or_default(),
            on_behalf: contact,
            // Posting to Open311 is asking for a public request; the category decides.
            public: category.public,
            received_at: None,
        };
        self.submit_request(actor, input).await
    }
}
