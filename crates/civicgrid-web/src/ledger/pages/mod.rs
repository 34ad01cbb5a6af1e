//! The household ledger pages: pick a grid, the room board (每栋每户), household and
//! resident cards with their forms, the tag catalogue, import and export, search,
//! population summaries, and a resident's own pages.

use std::collections::HashMap;

use civicgrid_app::ledger::CatalogueTag;

use crate::i18n::Lang;
use crate::routes::Routes;

mod board;
mod household;
mod io;
mod mine;
mod population;
mod resident;
mod search;
mod tags;

pub(crate) use household::{MAX_MATCHES, room_matches_query, split_words};

pub(crate) fn routes(r: Routes) -> Routes {
    let r = board::routes(r);
    let r = household::routes(r);
    let r = resident::routes(r);
    let r = tags::routes(r);
    let r = io::routes(r);
    let r = search::routes(r);
    let r = population::routes(r);
    mine::routes(r)
}

/// Tag code → name in the reader's language, and whether it marks a care need.
pub(crate) struct TagNames(HashMap<String, (String, bool)>);

impl TagNames {
    pub fn new(lang: Lang, catalogue: &[CatalogueTag]) -> TagNames {
        TagNames(
            catalogue
                .iter()
                .map(|t| {
                    let name = match lang {
                        Lang::ZhCn => t.def.name_zh.clone(),
                        Lang::En => t.def.name_en.clone(),
                    };
                    (t.def.code.clone(), (name, t.def.care))
                })
                .collect(),
        )
    }

    pub fn name(&self, code: &str) -> String {
        self.0
            .get(code)
            .map_or_else(|| code.to_owned(), |(n, _)| n.clone())
    }

    pub fn care(&self, code: &str) -> bool {
        self.0.get(code).is_some_and(|(_, c)| *c)
    }
}

/// A tag as a badge.
pub(crate) struct Badge {
    pub name: String,
    pub care: bool,
}

pub(crate) fn badges(names: &TagNames, codes: &[String]) -> Vec<Badge> {
    codes
        .iter()
        .map(|c| Badge {
            name: names.name(c),
            care: names.care(c),
        })
        .collect()
}

/// The ids listed by checkboxes named `<prefix><id>`.
pub(crate) fn checked_ids(rest: &HashMap<String, String>, prefix: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = rest
        .keys()
        .filter_map(|k| k.strip_prefix(prefix))
        .filter_map(|v| v.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

impl crate::page::PageCtx {
    /// Does the signed-in user hold the resident role (for the "My household" link)?
    pub fn is_resident(&self) -> bool {
        self.user.as_ref().is_some_and(|u| {
            u.actor
                .roles()
                .contains(&civicgrid_app::domain::platform::access::Role::Resident)
        })
    }
}

/// How places are said in the reader's language.
pub(crate) fn speech(lang: Lang) -> civicgrid_app::domain::ledger::place::Speech {
    use civicgrid_app::domain::ledger::place::Speech;
    match lang {
        Lang::ZhCn => Speech::Zh,
        Lang::En => Speech::En,
    }
}

/// A place as people say it: 1栋1单元204室.
pub(crate) fn address(lang: Lang, building: &str, unit: &str, room: &str) -> String {
    civicgrid_app::domain::ledger::place::address(building, unit, room, speech(lang))
}

/// Where a household lives: 1栋1单元204室.
pub(crate) fn place_address(lang: Lang, p: &civicgrid_app::ledger::PlaceView) -> String {
    address(lang, &p.building, &p.unit, &p.room)
}

/// A grid's name in the reader's language.
pub(crate) fn grid_name(lang: Lang, g: &civicgrid_app::ledger::GridRef) -> String {
    match lang {
        Lang::ZhCn => g.name_zh.clone(),
        Lang::En => g.name_en.clone(),
    }
}
