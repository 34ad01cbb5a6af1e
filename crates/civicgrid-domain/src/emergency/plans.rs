//! Emergency plans (应急预案): per community or street and hazard, started from a
//! template — the checklist of steps, the request categories that become urgent and
//! how short their deadlines get, the care tags whose households are checked first,
//! the materials to stage — and a duty roster (who is on call, with a contact).
//!
//! A plan is edited as a whole: each list is one item per line, tidied here (trimmed,
//! blank lines dropped, at most [`MAX_LINES`] of [`MAX_LINE_CHARS`]).

use super::Invalid;
use super::modes::Hazard;

/// The most lines a plan's list holds.
pub const MAX_LINES: usize = 30;
/// The longest line.
pub const MAX_LINE_CHARS: usize = 200;

/// What a plan says, as staff write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSpec {
    pub hazard: Hazard,
    pub title: String,
    pub steps: Vec<String>,
    /// Request category codes that become urgent.
    pub urgent_categories: Vec<String>,
    /// Minutes to respond to and to resolve an urgent request.
    pub urgent_response_minutes: u32,
    pub urgent_resolution_minutes: u32,
    /// Care tag codes whose households are checked first.
    pub check_tags: Vec<String>,
    /// Materials to stage, as lines ("沙袋 200 个").
    pub materials: Vec<String>,
}

/// The lines of a text area: trimmed, blanks dropped.
pub fn lines(raw: &str) -> Vec<String> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn check_lines(field: &'static str, v: &[String]) -> Result<(), Invalid> {
    if v.len() > MAX_LINES {
        return Err(Invalid::new(field, "at most 30 lines"));
    }
    if v.iter().any(|l| l.chars().count() > MAX_LINE_CHARS) {
        return Err(Invalid::new(field, "a line is longer than 200 characters"));
    }
    Ok(())
}

impl PlanSpec {
    /// Checks the title, the lists and the deadlines (the steps must not be empty;
    /// an urgent request is answered within 1–1440 minutes and resolved within
    /// 1–10080).
    pub fn check(mut self) -> Result<PlanSpec, Invalid> {
        self.title = self.title.trim().to_owned();
        if self.title.is_empty() {
            return Err(Invalid::new("plan_title", "give the plan a title"));
        }
        if self.title.chars().count() > MAX_LINE_CHARS {
            return Err(Invalid::new("plan_title", "at most 200 characters"));
        }
        if self.steps.is_empty() {
            return Err(Invalid::new("steps", "list at least one step"));
        }
        check_lines("steps", &self.steps)?;
        check_lines("materials", &self.materials)?;
        self.urgent_categories.sort();
        self.urgent_categories.dedup();
        self.check_tags.sort();
        self.check_tags.dedup();
        if !(1..=1440).contains(&self.urgent_response_minutes) {
            return Err(Invalid::new(
                "urgent_response_minutes",
                "between 1 and 1440 minutes",
            ));
        }
        if !(1..=10080).contains(&self.urgent_resolution_minutes)
            || self.urgent_resolution_minutes < self.urgent_response_minutes
        {
            return Err(Invalid::new(
                "urgent_resolution_minutes",
                "between the response time and 10080 minutes",
            ));
        }
        Ok(self)
    }
}

/// The template a new plan for `hazard` starts from.
pub fn template(hazard: Hazard) -> PlanSpec {
    let v = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let (title, steps, categories, tags, materials): (&str, &[&str], &[&str], &[&str], &[&str]) =
        match hazard {
            Hazard::Flood => (
                "防汛应急预案",
                &[
                    "启动应急值班，值班人员到岗",
                    "向全体居民发布汛情通知",
                    "排查低洼地带、地下车库和危旧房屋",
                    "逐户排查独居老人、残疾人等重点人员",
                    "转移低洼地带受威胁群众",
                    "清点并前置沙袋、水泵等防汛物资",
                    "每日 18 时前向街道报送情况",
                ],
                &["safety_hazard", "repairs_water", "repairs_electricity"],
                &["elderly_alone", "disabled", "aged_80", "seriously_ill"],
                &[
                    "沙袋 200 个",
                    "水泵 2 台",
                    "救生衣 20 件",
                    "应急照明灯 10 个",
                ],
            ),
            Hazard::Epidemic => (
                "疫情防控应急预案",
                &[
                    "启动应急值班，值班人员到岗",
                    "向全体居民发布防控通知",
                    "逐户排查重点人员健康和用药需求",
                    "设置小区出入口管控点",
                    "组织生活物资和药品配送",
                    "每日 18 时前向街道报送情况",
                ],
                &["sanitation", "other"],
                &["elderly_alone", "aged_80", "seriously_ill", "disabled"],
                &["口罩 2000 只", "消毒液 50 升", "测温枪 10 把"],
            ),
            Hazard::Fire => (
                "火灾应急预案",
                &[
                    "拨打 119，组织疏散",
                    "清点疏散人员，核对楼栋住户",
                    "排查受影响楼栋行动不便人员",
                    "安置受灾住户",
                ],
                &["safety_hazard", "repairs_electricity"],
                &["elderly_alone", "disabled"],
                &["灭火器 20 具", "应急照明灯 10 个", "毛毯 30 条"],
            ),
            Hazard::Heat => (
                "高温应急预案",
                &[
                    "开放社区纳凉点",
                    "电话或上门问候独居、高龄老人",
                    "检查公共区域供电和供水",
                ],
                &["repairs_electricity", "repairs_water"],
                &["elderly_alone", "aged_80", "seriously_ill"],
                &["饮用水 100 箱", "防暑药品 50 份"],
            ),
            Hazard::Typhoon => (
                "防台风应急预案",
                &[
                    "启动应急值班，值班人员到岗",
                    "向全体居民发布防台通知",
                    "加固或移除高空悬挂物",
                    "逐户排查重点人员",
                    "转移危旧房屋住户",
                ],
                &["safety_hazard", "greenery", "repairs_electricity"],
                &["elderly_alone", "disabled", "aged_80"],
                &["沙袋 100 个", "应急照明灯 10 个", "绳索 10 卷"],
            ),
            Hazard::Earthquake => (
                "地震应急预案",
                &[
                    "组织居民疏散到应急避难场所",
                    "逐户排查人员安全",
                    "排查房屋受损情况",
                    "组织救援和安置",
                ],
                &["safety_hazard"],
                &["elderly_alone", "disabled", "aged_80", "seriously_ill"],
                &["帐篷 20 顶", "饮用水 100 箱", "毛毯 50 条"],
            ),
        };
    PlanSpec {
        hazard,
        title: title.to_owned(),
        steps: v(steps),
        urgent_categories: v(categories),
        urgent_response_minutes: 15,
        urgent_resolution_minutes: 240,
        check_tags: v(tags),
        materials: v(materials),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_passes_its_own_check() {
        for h in Hazard::ALL {
            let t = template(*h);
            assert_eq!(t.clone().check().unwrap(), t.check().unwrap());
        }
    }

    #[test]
    fn plans_need_a_title_steps_and_sane_deadlines() {
        let t = template(Hazard::Flood);
        let blank = PlanSpec {
            title: " ".into(),
            ..t.clone()
        };
        assert_eq!(blank.check().unwrap_err().field, "plan_title");
        let empty = PlanSpec {
            steps: Vec::new(),
            ..t.clone()
        };
        assert_eq!(empty.check().unwrap_err().field, "steps");
        let slow = PlanSpec {
            urgent_response_minutes: 0,
            ..t.clone()
        };
        assert_eq!(slow.check().unwrap_err().field, "urgent_response_minutes");
        let backwards = PlanSpec {
            urgent_response_minutes: 60,
            urgent_resolution_minutes: 30,
            ..t
        };
        assert_eq!(
            backwards.check().unwrap_err().field,
            "urgent_resolution_minutes"
        );
        assert_eq!(lines(" a \n\n b\r\n"), ["a", "b"]);
    }
}
