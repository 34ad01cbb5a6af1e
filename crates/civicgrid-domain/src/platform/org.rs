//! The organisation hierarchy: city → district → street → community → grid.
//!
//! Every node carries a materialised path (`/1/4/9/`) so that "is this node inside
//! that subtree" is a prefix test, in Rust and in SQL alike.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Levels of the hierarchy, from the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    City,
    District,
    Street,
    Community,
    Grid,
}

impl NodeKind {
    pub const ALL: [NodeKind; 5] = [
        NodeKind::City,
        NodeKind::District,
        NodeKind::Street,
        NodeKind::Community,
        NodeKind::Grid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::City => "city",
            NodeKind::District => "district",
            NodeKind::Street => "street",
            NodeKind::Community => "community",
            NodeKind::Grid => "grid",
        }
    }

    pub fn parse(s: &str) -> Result<Self, OrgError> {
        NodeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| OrgError::UnknownKind(s.to_owned()))
    }

    /// The kind a child of this node must have; `None` for a grid (a leaf).
    pub fn child_kind(self) -> Option<NodeKind> {
        match self {
            NodeKind::City => Some(NodeKind::District),
            NodeKind::District => Some(NodeKind::Street),
            NodeKind::Street => Some(NodeKind::Community),
            NodeKind::Community => Some(NodeKind::Grid),
            NodeKind::Grid => None,
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum OrgError {
    #[error("unknown node kind '{0}' (expected city, district, street, community or grid)")]
    UnknownKind(String),
    #[error("a {parent} cannot contain a {child}; a {parent} contains {expected}")]
    WrongChildKind {
        parent: &'static str,
        child: &'static str,
        expected: &'static str,
    },
    #[error("only a city may be the root of the hierarchy")]
    RootMustBeCity,
    #[error("code must be 1–32 characters of letters, digits, '-' or '_'")]
    BadCode,
    #[error("{0} must not be empty and at most 100 characters")]
    BadName(&'static str),
}

/// Checks that a node of `child` kind may be placed under a `parent` of the given kind.
pub fn check_placement(parent: Option<NodeKind>, child: NodeKind) -> Result<(), OrgError> {
    match parent {
        None if child == NodeKind::City => Ok(()),
        None => Err(OrgError::RootMustBeCity),
        Some(p) => match p.child_kind() {
            Some(expected) if expected == child => Ok(()),
            expected => Err(OrgError::WrongChildKind {
                parent: p.as_str(),
                child: child.as_str(),
                expected: expected.map_or("nothing", NodeKind::as_str),
            }),
        },
    }
}

/// A node's short code, unique in the whole hierarchy (e.g. `WH-JH-01`).
pub fn validate_code(code: &str) -> Result<String, OrgError> {
    let code = code.trim();
    let ok = !code.is_empty()
        && code.chars().count() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(code.to_owned())
    } else {
        Err(OrgError::BadCode)
    }
}

/// A display name: trimmed, 1–100 characters.
pub fn validate_name(field: &'static str, name: &str) -> Result<String, OrgError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        Err(OrgError::BadName(field))
    } else {
        Ok(name.to_owned())
    }
}

/// Materialised path of a node: `/` for nothing, `/1/` for a root with id 1,
/// `/1/4/` for its child 4.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrgPath(String);

impl OrgPath {
    pub fn root(id: i64) -> OrgPath {
        OrgPath(format!("/{id}/"))
    }

    pub fn child(&self, id: i64) -> OrgPath {
        OrgPath(format!("{}{id}/", self.0))
    }

    /// Wraps a stored path. Paths come only from the store, which built them with
    /// [`OrgPath::root`] and [`OrgPath::child`].
    pub fn from_stored(s: String) -> OrgPath {
        OrgPath(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self` is `ancestor` or lies inside its subtree.
    pub fn is_within(&self, ancestor: &OrgPath) -> bool {
        self.0.starts_with(&ancestor.0)
    }

    /// Node ids from the root down to this node.
    pub fn ids(&self) -> Vec<i64> {
        self.0
            .split('/')
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect()
    }

    pub fn depth(&self) -> usize {
        self.ids().len()
    }

    /// This node's path and each of its ancestors', from the root down.
    pub fn lineage(&self) -> Vec<OrgPath> {
        let mut out: Vec<OrgPath> = Vec::new();
        for id in self.ids() {
            let next = match out.last() {
                Some(p) => p.child(id),
                None => OrgPath::root(id),
            };
            out.push(next);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_follows_the_hierarchy() {
        assert!(check_placement(None, NodeKind::City).is_ok());
        assert_eq!(
            check_placement(None, NodeKind::Grid),
            Err(OrgError::RootMustBeCity)
        );
        assert!(check_placement(Some(NodeKind::Community), NodeKind::Grid).is_ok());
        let err = check_placement(Some(NodeKind::City), NodeKind::Grid).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a city cannot contain a grid; a city contains district"
        );
        assert!(check_placement(Some(NodeKind::Grid), NodeKind::Grid).is_err());
    }

    #[test]
    fn kinds_round_trip() {
        for k in NodeKind::ALL {
            assert_eq!(NodeKind::parse(k.as_str()), Ok(k));
        }
        assert!(NodeKind::parse("province").is_err());
    }

    #[test]
    fn paths_nest() {
        let city = OrgPath::root(1);
        let street = city.child(4).child(9);
        assert_eq!(street.as_str(), "/1/4/9/");
        assert!(street.is_within(&city));
        assert!(street.is_within(&street));
        assert!(!city.is_within(&street));
        // 1/4 is not a prefix of 1/40
        assert!(!city.child(40).is_within(&city.child(4)));
        assert_eq!(street.ids(), vec![1, 4, 9]);
        assert_eq!(street.depth(), 3);
    }

    #[test]
    fn codes_and_names_are_checked() {
        assert_eq!(validate_code(" WH-01 "), Ok("WH-01".into()));
        assert!(validate_code("").is_err());
        assert!(validate_code("a b").is_err());
        assert!(validate_code(&"x".repeat(33)).is_err());
        assert_eq!(validate_name("name_zh", " 江汉 "), Ok("江汉".into()));
        assert!(validate_name("name_zh", "  ").is_err());
    }
}
