//! The language files against each other and against the templates: a message
//! missing from one language, a Fluent syntax error, or a template naming a message
//! that no file has fails the build's tests.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::test_files::files_under;

use fluent_templates::fluent_bundle::FluentResource;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The message and term ids a language's .ftl files (one per capability) define, after
/// checking each parses and no id is defined twice.
fn ids_of(lang: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for path in files_under(&crate_dir().join("i18n").join(lang), "ftl") {
        let text = read(&path);
        if let Err((_, errors)) = FluentResource::try_new(text.clone()) {
            panic!("{} has Fluent syntax errors: {errors:?}", path.display());
        }
        let defined = text
            .lines()
            .filter(|l| !l.starts_with([' ', '\t', '#', '.', '[', '*', '}']))
            .filter_map(|l| l.split_once('='))
            .map(|(id, _)| id.trim().to_owned())
            .filter(|id| !id.is_empty());
        for id in defined {
            assert!(
                ids.insert(id.clone()),
                "{id} is defined twice ({})",
                path.display()
            );
        }
    }
    ids
}

#[test]
fn both_languages_split_their_messages_into_the_same_files() {
    let names = |lang: &str| -> Vec<String> {
        files_under(&crate_dir().join("i18n").join(lang), "ftl")
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect()
    };
    assert_eq!(names("en"), names("zh-CN"));
}

#[test]
fn both_languages_define_the_same_messages() {
    let en = ids_of("en");
    let zh = ids_of("zh-CN");
    assert!(en.len() > 50, "suspiciously few messages: {}", en.len());
    let only_en: Vec<_> = en.difference(&zh).collect();
    let only_zh: Vec<_> = zh.difference(&en).collect();
    assert!(
        only_en.is_empty() && only_zh.is_empty(),
        "missing from zh-CN: {only_en:?}; missing from en: {only_zh:?}"
    );
}

/// The literal keys of `ctx.t("…")`, `ctx.t1("…", …)` calls in a template.
fn literal_keys(template: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for opener in ["ctx.t(\"", "ctx.t1(\""] {
        let mut rest = template;
        while let Some(at) = rest.find(opener) {
            rest = &rest[at + opener.len()..];
            if let Some(end) = rest.find('"') {
                keys.push(rest[..end].to_owned());
            }
        }
    }
    keys
}

#[test]
fn templates_name_only_existing_messages() {
    let en = ids_of("en");
    let mut missing = Vec::new();
    for path in files_under(&crate_dir().join("templates"), "html") {
        for key in literal_keys(&read(&path)) {
            if !en.contains(&key) {
                missing.push(format!("{}: {key}", path.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "templates name unknown messages: {missing:?}"
    );
}

#[test]
fn prefixed_keys_cover_every_variant() {
    use civicgrid_app::domain::platform::access::{Permission, Role};
    use civicgrid_app::domain::platform::org::NodeKind;
    let en = ids_of("en");
    let mut wanted: Vec<String> = Vec::new();
    wanted.extend(Role::ALL.iter().map(|r| format!("role-{}", r.as_str())));
    use civicgrid_app::domain::participation::commitments::State as CommitmentState;
    wanted.extend(
        CommitmentState::ALL
            .iter()
            .map(|s| format!("commitment-state-{}", s.code())),
    );
    for k in NodeKind::ALL {
        wanted.push(format!("kind-{}", k.as_str()));
        wanted.push(format!("kinds-{}", k.as_str()));
    }
    let permissions = [
        Permission::ViewOrg,
        Permission::ManageOrg,
        Permission::ViewUsers,
        Permission::ManageUsers,
        Permission::ViewAudit,
        Permission::ManageTokens,
    ];
    for p in permissions {
        let name = serde_json::to_value(p)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        wanted.push(format!("may-{name}"));
    }
    let missing: Vec<_> = wanted.iter().filter(|k| !en.contains(*k)).collect();
    assert!(missing.is_empty(), "no message for {missing:?}");
}
