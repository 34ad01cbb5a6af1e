//! The OpenAPI 3 document of the JSON API under `/api/v1`, served at
//! `/api/openapi.json` with Swagger UI at `/api/docs`. Each capability describes its own
//! paths (`<capability>::api::Api`); they are merged here. Each handler extracts its
//! inputs, calls one use case and answers JSON (errors as `{"error":{"code","message"}}`).

use utoipa::OpenApi;

use crate::routes::{RouteInfo, Routes};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "civicgrid API",
        description = "Community governance: hierarchy, accounts, audit.\n\n\
            Authenticate with `Authorization: Bearer <api token>`, or with the session \
            cookie set by `POST /api/v1/session`; writes made with the cookie must send \
            `X-CSRF-Token`. Times are RFC 3339 in UTC. Errors are \
            `{\"error\":{\"code\":\"…\",\"message\":\"…\"}}` with stable codes."
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    security(("api_token" = []), ("session_cookie" = [])),
    tags(
        (name = "session", description = "Signing in and out with a session cookie"),
        (name = "accounts", description = "The caller"),
        (name = "org", description = "The hierarchy: city, district, street, community, grid"),
        (name = "users", description = "Accounts, role assignments and sessions"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "tokens", description = "API tokens for integrations"),
        (name = "ledger", description = "The household ledger; personal data masked unless unmasked with a purpose"),
        (name = "requests", description = "Resident requests: intake, transitions, ratings, comments, photos, flags, work queues, inbox, policy"),
        (name = "participation", description = "Co-governance: estates, votes, paper ballots and proxies, the tally by art. 278, published results"),
        (name = "care", description = "Care pairings and visits: visits due, logging a visit, pairings and their schedules, visit policies, missed-visit alerts, coverage"),
        (name = "volunteers", description = "Volunteers: the registry, activities and shifts, sign-ups and attendance, the hours ledger"),
        (name = "emergency", description = "Emergency mode: switching communities into emergency or a drill and back, the checklist, duty roster and incident log"),
        (name = "insight", description = "Dashboards: figures counted per place and month, the trend and the places inside"),
        (name = "party", description = "Party members registering where they live: registrations, pledges for the year, their fulfilment and the yearly summary"),
        (name = "materials", description = "Emergency materials: depots, stock boards and the stock ledger, material requests by priority, transfers between depots, deliveries"),
    ),
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::SecurityScheme;
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::extract::SESSION_COOKIE,
                "Set by POST /api/v1/session; writes also need the X-CSRF-Token header",
            ))),
        );
    }
}

/// The error answers every operation can give, documented once: whatever reads input
/// can refuse it (400 unreadable, 422 invalid; with a body also 413 too large and 415
/// not JSON), whatever needs a caller can answer 401 and 403, and whatever names a
/// resource in its path can answer 404. Answers an operation documents itself (with
/// its own description) are kept.
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{Operation, ParameterIn};
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        let document = |op: &mut Operation| {
            let params = op.parameters.as_deref().unwrap_or_default();
            let in_path = params
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path));
            let takes_input = !params.is_empty() || op.request_body.is_some();
            // `security(())`: callable without credentials.
            let public = op
                .security
                .as_ref()
                .is_some_and(|s| s.iter().all(|r| *r == Default::default()));
            let mut add = |status: &str, description: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error(description));
            };
            add(
                "400",
                "The request could not be read (malformed JSON, a bad path or query value);                  code `malformed_json`, `invalid_path`, `invalid_query` or `bad_request`",
            );
            if !public {
                add(
                    "401",
                    "No valid API token or session; code `unauthenticated`",
                );
                add(
                    "403",
                    "Not allowed here, or a cookie-authenticated write without a valid                      X-CSRF-Token; code `forbidden` or `csrf_failed`",
                );
            }
            if in_path {
                add(
                    "404",
                    "No such resource, or none the caller may see; code `not_found`",
                );
            }
            if op.request_body.is_some() {
                add("413", "The body is too large; code `payload_too_large`");
                add(
                    "415",
                    "The body is not of the documented content type; code                      `unsupported_media_type`",
                );
            }
            if takes_input {
                add(
                    "422",
                    "A value is invalid; code `invalid_input`, the message names the field",
                );
            }
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                document(op);
            }
        }
    }
}

/// What the server checks on the fields of request bodies defined by the use cases,
/// said in their schemas (the use cases' own types stay free of web concerns).
struct Constraints;

impl utoipa::Modify for Constraints {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use civicgrid_app::domain::ledger::person::{Gender, Relation, ResidenceStatus};
        use utoipa::openapi::schema::{Object, Schema};
        use utoipa::openapi::{RefOr, schema::SchemaType};

        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let mut field = |schema: &str, name: &str, f: &dyn Fn(&mut Object)| {
            if let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(schema)
                && let Some(RefOr::T(Schema::Object(p))) = o.properties.get_mut(name)
            {
                f(p);
            }
        };
        let role = |p: &mut Object| {
            let w = crate::api::words::role();
            p.enum_values = w.enum_values;
            p.description = w.description;
            p.schema_type = SchemaType::Type(utoipa::openapi::Type::String);
        };
        let text = |min: usize, max: usize| {
            move |p: &mut Object| {
                p.min_length = Some(min);
                p.max_length = Some(max);
                p.pattern = Some("\\S".into());
            }
        };
        field("NewUser", "role", &role);
        field("RoleGrant", "role", &role);
        field("NewToken", "role", &role);
        field("NewUser", "username", &|p: &mut Object| {
            p.min_length = Some(3);
            p.max_length = Some(64);
            p.pattern = Some("^[A-Za-z0-9._-]{3,64}$".into());
            p.description = Some("Letters, digits, `.`, `_` and `-` (stored lower-case)".into());
        });
        field("NewUser", "display_name", &text(1, 100));
        field("NewUser", "password", &|p: &mut Object| {
            p.min_length = Some(10);
            p.max_length = Some(256);
            p.description = Some("10–256 characters, not the username".into());
        });
        field("NewToken", "name", &text(1, 64));
        let one_of = |values: Vec<&'static str>| {
            move |p: &mut Object| {
                p.enum_values = Some(values.iter().map(|v| (*v).into()).collect());
            }
        };
        let genders: Vec<&str> = Gender::ALL.iter().map(|g| g.code()).collect();
        let relations: Vec<&str> = Relation::ALL.iter().map(|r| r.code()).collect();
        // Deaths and moves out are recorded with their own actions.
        let present: Vec<&str> = ResidenceStatus::ALL
            .iter()
            .filter(|s| s.is_present())
            .map(|s| s.code())
            .collect();
        let pattern = |re: &'static str| move |p: &mut Object| p.pattern = Some(re.into());
        for schema in ["ResidentInput", "ResidentPatch"] {
            field(schema, "name", &text(1, 50));
            field(schema, "gender", &one_of(genders.clone()));
            field(schema, "relation", &one_of(relations.clone()));
            field(schema, "residence_status", &one_of(present.clone()));
            // A date of birth in the past (days past the 28th are left out so that
            // every value the pattern allows is a real date).
            field(
                schema,
                "birth_date",
                &pattern("^(19[0-9]{2}|200[0-9]|201[0-9])-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"),
            );
            // A mobile (11 digits from 13…) or a landline with its area code.
            field(
                schema,
                "phone",
                &pattern("^(1[3-9][0-9]{9}|0[1-9][0-9]{8,10})$"),
            );
            // 17 digits and a check character (the check is the server's).
            field(schema, "id_number", &pattern("^[0-9]{17}[0-9Xx]$"));
        }
    }
}
/// The whole OpenAPI document: each capability's part merged into one, then the
/// security schemes, the error responses and the field constraints added to every path.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa::Modify;
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::platform::api::Api::openapi());
    doc.merge(crate::ledger::api::Api::openapi());
    doc.merge(crate::requests::api::Api::openapi());
    doc.merge(crate::participation::api::Api::openapi());
    doc.merge(crate::care::api::visits::Api::openapi());
    doc.merge(crate::care::api::pairings::Api::openapi());
    doc.merge(crate::care::api::coverage::Api::openapi());
    doc.merge(crate::care::api::volunteers::Api::openapi());
    doc.merge(crate::care::api::activities::Api::openapi());
    doc.merge(crate::care::api::party::Api::openapi());
    doc.merge(crate::emergency::api::modes::Api::openapi());
    doc.merge(crate::emergency::api::sitrep::Api::openapi());
    doc.merge(crate::emergency::api::plans::Api::openapi());
    doc.merge(crate::insight::api::dashboard::Api::openapi());
    doc.merge(crate::emergency::api::depots::Api::openapi());
    doc.merge(crate::emergency::api::materials::Api::openapi());
    Security.modify(&mut doc);
    ErrorResponses.modify(&mut doc);
    Constraints.modify(&mut doc);
    doc
}

pub(crate) fn routes(r: Routes) -> Routes {
    let docs: axum::Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", document())
        .into();
    r.merge_recorded(
        docs,
        &[
            RouteInfo {
                method: "GET",
                path: "/api/docs",
            },
            RouteInfo {
                method: "GET",
                path: "/api/openapi.json",
            },
        ],
    )
}
