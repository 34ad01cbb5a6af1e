//! Estates (物业管理区域 / 小区): the buildings an owners' assembly decides for, and how
//! their exclusive parts (专有部分) make up its electorate.

use serde::{Deserialize, Serialize};

/// Trims an estate's name and checks it: 1–50 characters.
pub fn check_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    match name.chars().count() {
        0 => Err("give the estate a name"),
        n if n > 50 => Err("the name is longer than 50 characters"),
        _ => Ok(name),
    }
}

/// One exclusive part as the ledger knows it when a vote opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub room_id: i64,
    pub building_id: i64,
    /// Floor area in hundredths of a square metre; `None` until the ledger records it.
    pub area_centi: Option<i64>,
    /// The owner's resident record; `None` for a part the developer has not sold or
    /// delivered (no owner in the ledger).
    pub owner: Option<i64>,
}

/// The key of the developer's voter: every unsold part together counts as one owner.
pub const DEVELOPER: i64 = 0;

/// One owner of the electorate: their key (the owner's resident id, or [`DEVELOPER`])
/// and the area of all their parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub key: i64,
    pub area_centi: i64,
    pub parts: u32,
}

/// The owners of `parts`: several parts of one owner count as one person, and so do
/// all the parts the developer still holds. Fails with the rooms that have no area
/// (the vote cannot open until the ledger records them).
pub fn owners(parts: &[Part]) -> Result<Vec<Owner>, Vec<i64>> {
    let missing: Vec<i64> = parts
        .iter()
        .filter(|p| p.area_centi.is_none_or(|a| a <= 0))
        .map(|p| p.room_id)
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut by_owner: std::collections::BTreeMap<i64, Owner> = Default::default();
    for p in parts {
        let key = p.owner.unwrap_or(DEVELOPER);
        let o = by_owner.entry(key).or_insert(Owner {
            key,
            area_centi: 0,
            parts: 0,
        });
        o.area_centi += p.area_centi.unwrap_or(0);
        o.parts += 1;
    }
    Ok(by_owner.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(room_id: i64, area: Option<i64>, owner: Option<i64>) -> Part {
        Part {
            room_id,
            building_id: 1,
            area_centi: area,
            owner,
        }
    }

    #[test]
    fn one_owner_of_several_parts_and_the_developer_each_count_once() {
        let parts = [
            part(1, Some(9_000), Some(7)),
            part(2, Some(12_000), Some(7)),
            part(3, Some(8_000), Some(8)),
            part(4, Some(10_000), None),
            part(5, Some(10_000), None),
        ];
        let o = owners(&parts).unwrap();
        assert_eq!(o.len(), 3);
        assert_eq!(
            o[0],
            Owner {
                key: DEVELOPER,
                area_centi: 20_000,
                parts: 2
            }
        );
        assert_eq!(
            o[1],
            Owner {
                key: 7,
                area_centi: 21_000,
                parts: 2
            }
        );
        assert_eq!(o.iter().map(|o| o.area_centi).sum::<i64>(), 49_000);
    }

    #[test]
    fn rooms_without_an_area_are_named() {
        let parts = [
            part(1, Some(9_000), Some(7)),
            part(2, None, Some(8)),
            part(3, Some(0), None),
        ];
        assert_eq!(owners(&parts), Err(vec![2, 3]));
    }

    #[test]
    fn names_are_trimmed() {
        assert_eq!(check_name("  阳光  花园 ").unwrap(), "阳光 花园");
        assert!(check_name(" ").is_err());
        assert!(check_name(&"园".repeat(51)).is_err());
    }
}
