//! Volunteer teams (志愿服务队): a named group of a community's volunteers, such as a
//! building's team (楼栋志愿服务队) or a party members' vanguard (党员先锋队), with
//! leaders among its members.
//!
//! | change            | rule                                                     |
//! |-------------------|----------------------------------------------------------|
//! | create            | a name of 1–50 characters, a kind, in one community      |
//! | add a member      | a verified volunteer living in or covering the community |
//! | make a leader     | a member of the team                                     |
//! | remove a member   | a leader can be removed like anyone else                 |
//!
//! Which volunteers belong to which community is the application's decision.

use serde::{Deserialize, Serialize};

use super::volunteers::{Invalid, bad};
use crate::ledger::person::coded_enum;

coded_enum!(
    /// What kind of team.
    TeamKind, "team kind", {
    Building => "building", "楼栋志愿服务队", ["楼栋"];
    PartyVanguard => "party_vanguard", "党员先锋队", ["先锋队"];
    Skills => "skills", "专业服务队", ["专业"];
    Other => "other", "其他", ["其它"];
});

/// What a team is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSpec {
    pub name: String,
    pub kind: TeamKind,
    pub note: String,
}

impl TeamSpec {
    pub fn check(mut self) -> Result<TeamSpec, Invalid> {
        self.name = self.name.trim().to_owned();
        let n = self.name.chars().count();
        if n == 0 || n > 50 {
            return Err(bad("name", "give the team a name of 1–50 characters"));
        }
        self.note = self.note.trim().to_owned();
        if self.note.chars().count() > 500 {
            return Err(bad("note", "the note is longer than 500 characters"));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_need_a_name() {
        let t = TeamSpec {
            name: " 3栋志愿服务队 ".into(),
            kind: TeamKind::Building,
            note: String::new(),
        };
        assert_eq!(t.clone().check().unwrap().name, "3栋志愿服务队");
        let blank = TeamSpec {
            name: " ".into(),
            ..t
        };
        assert_eq!(blank.check().unwrap_err().field, "name");
        assert_eq!(TeamKind::parse("党员先锋队"), Ok(TeamKind::PartyVanguard));
    }
}
