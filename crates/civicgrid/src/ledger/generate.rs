//! `civicgrid generate city`: a realistic, deterministic synthetic city in the
//! residents import format — communities and grids sized as on the ground, buildings
//! with units and rooms, households of 1–5 with relations, Chinese names by surname
//! frequency, valid ID numbers (GB 11643) with the city's area codes, phones, a
//! plausible age pyramid, ~5% floating population, and care tags.
//!
//! A small city lives in the demo city's 4 communities and 22 grids. A larger one keeps
//! grids at about [`RESIDENTS_PER_GRID`] residents (~450 households) by adding
//! communities of 5–10 grids, grouped in streets of 5–10 communities, with codes in the
//! demo's scheme (`JC-BJ-S01-C01`, grid `JC-BJ-S01-C01-01`); importing such a file needs
//! `--create-missing`, which creates them under the default street.

use std::collections::HashSet;
use std::io::{self, Write};

use civicgrid_app::domain::ledger::date::Date;
use civicgrid_app::domain::ledger::id_number::compose;

/// (community code, number of grids) of the demo city.
pub const COMMUNITIES: &[(&str, usize)] = &[
    ("JC-BJ-WH-HG", 4),
    ("JC-BJ-WH-LA", 6),
    ("JC-BJ-CH-CHH", 6),
    ("JC-BJ-CH-HT", 6),
];

/// Residents a grid holds at most, before the city grows more grids: about 450
/// households, in the 300–500 a grid worker looks after.
pub const RESIDENTS_PER_GRID: usize = 1_200;

/// Community and grid codes of a city of `residents`: (community code, grid code) for
/// every grid, the demo city's first.
pub fn city_grids(residents: usize) -> Vec<(String, String)> {
    let mut grids: Vec<(String, String)> = COMMUNITIES
        .iter()
        .flat_map(|(c, n)| (1..=*n).map(move |i| ((*c).to_owned(), format!("{c}-{i:02}"))))
        .collect();
    let wanted = residents.div_ceil(RESIDENTS_PER_GRID);
    let (mut street, mut in_street, mut community) = (1usize, 0usize, 0usize);
    while grids.len() < wanted {
        // Sizes cycle through 5–10 so that neither streets nor communities are uniform.
        if in_street == (street + 1) % 6 + 5 {
            street += 1;
            in_street = 0;
        }
        in_street += 1;
        community += 1;
        let code = format!("JC-BJ-S{street:02}-C{in_street:02}");
        let size = (community + 2) % 6 + 5;
        for i in 1..=size.min(wanted - grids.len()) {
            grids.push((code.clone(), format!("{code}-{i:02}")));
        }
    }
    grids
}

/// Building, unit and room of a grid's `j`-th household: buildings of 2 units × 18
/// floors × 4 doors (144 households), rooms named floor and door ("1203").
fn address(j: usize) -> (usize, usize, String) {
    let door = j % 4 + 1;
    let floor = (j / 4) % 18 + 1;
    let unit = (j / 72) % 2 + 1;
    let building = j / 144 + 1;
    (building, unit, format!("{floor}{door:02}"))
}

/// Area codes of the city's own districts, and of places migrants come from.
const LOCAL_AREAS: &[&str] = &["420102", "420103", "420104", "420105", "420106", "420111"];
const OTHER_AREAS: &[&str] = &[
    "421002", "421102", "422801", "430102", "410105", "360102", "510104", "500101", "341502",
    "440106",
];

/// Surnames with rough relative frequencies (per mille of the population).
const SURNAMES: &[(&str, u32)] = &[
    ("王", 72),
    ("李", 71),
    ("张", 68),
    ("刘", 54),
    ("陈", 46),
    ("杨", 33),
    ("黄", 24),
    ("赵", 22),
    ("吴", 20),
    ("周", 20),
    ("徐", 17),
    ("孙", 15),
    ("马", 15),
    ("朱", 13),
    ("胡", 13),
    ("郭", 12),
    ("何", 12),
    ("高", 11),
    ("林", 11),
    ("罗", 10),
    ("郑", 10),
    ("梁", 9),
    ("谢", 8),
    ("宋", 8),
    ("唐", 7),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 6),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 5),
    ("杜", 5),
    ("叶", 4),
    ("程", 4),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 3),
    ("韦", 2),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("欧阳", 1),
    ("司马", 1),
    ("诸葛", 1),
];

const MALE_CHARS: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "阳", "建", "国",
    "志", "文", "德", "海", "峰", "博", "子", "轩", "睿", "泽", "晨", "铭", "昊",
];
const FEMALE_CHARS: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英", "燕", "红", "梅", "琳",
    "雪", "婷", "慧", "莉", "萍", "洁", "颖", "倩", "欣", "怡", "佳", "雨", "涵", "梓", "思", "诗",
    "琪", "彤", "悦", "晓", "兰", "凤", "珍", "月", "春", "云", "玉", "淑", "萱",
];

/// The header row: the Chinese column names a community office's spreadsheet uses.
pub const HEADER: &str = "社区,网格,楼栋,单元,房号,姓名,性别,出生日期,身份证号,联系电话,与户主关系,居住状态,标签,建筑面积,产权";

/// A small, fast, deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }

    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Reference day of the generated ages (births are before it).
fn reference_year() -> i32 {
    2026
}

struct Person {
    name: String,
    male: bool,
    birth: Date,
    id: String,
    phone: String,
    relation: &'static str,
    tags: Vec<&'static str>,
}

struct Generator {
    rng: Rng,
    ids: HashSet<String>,
    surname_total: u64,
}

impl Generator {
    fn surname(&mut self) -> &'static str {
        let mut n = self.rng.below(self.surname_total);
        for (s, w) in SURNAMES {
            if n < u64::from(*w) {
                return s;
            }
            n -= u64::from(*w);
        }
        "王"
    }

    fn given(&mut self, male: bool) -> String {
        let pool = if male { MALE_CHARS } else { FEMALE_CHARS };
        let first = *self.rng.pick(pool);
        if self.rng.chance(250) {
            first.to_owned()
        } else {
            format!("{first}{}", self.rng.pick(pool))
        }
    }

    fn birth(&mut self, age: i64) -> Date {
        let year = reference_year() - 1 - age as i32;
        let month = self.rng.range(1, 12) as u32;
        let day = self.rng.range(1, 28) as u32;
        Date::from_ymd_opt(year.max(1901), month, day).unwrap_or_default()
    }

    fn id(&mut self, floating: bool, birth: Date, male: bool) -> String {
        let areas = if floating { OTHER_AREAS } else { LOCAL_AREAS };
        let area = *self.rng.pick(areas);
        loop {
            let mut seq = self.rng.below(500) as u16 * 2;
            if male {
                seq += 1;
            }
            if let Some(id) = compose(area, birth, seq)
                && self.ids.insert(id.as_str().to_owned())
            {
                return id.as_str().to_owned();
            }
        }
    }

    fn phone(&mut self, age: i64) -> String {
        if age < 14 || self.rng.chance(80) {
            return String::new();
        }
        let second = *self.rng.pick(&[3u64, 5, 7, 8, 9]);
        format!("1{second}{:09}", self.rng.below(1_000_000_000))
    }

    fn person(
        &mut self,
        surname: &str,
        male: bool,
        age: i64,
        floating: bool,
        relation: &'static str,
    ) -> Person {
        let age = age.clamp(0, 104);
        let birth = self.birth(age);
        let mut tags = Vec::new();
        if self.rng.chance(25) {
            tags.push("低保");
        }
        if self.rng.chance(20) {
            tags.push("残疾人");
        }
        if age >= 18 && self.rng.chance(80) {
            tags.push("党员");
        }
        if male && age >= 40 && self.rng.chance(30) {
            tags.push("退役军人");
        }
        if (18..70).contains(&age) && self.rng.chance(30) {
            tags.push("志愿者");
        }
        Person {
            name: format!("{surname}{}", self.given(male)),
            male,
            birth,
            id: self.id(floating, birth, male),
            phone: self.phone(age),
            relation,
            tags,
        }
    }

    fn head_age(&mut self) -> i64 {
        // A broad pyramid: most heads 30–65, a long tail of elderly.
        match self.rng.below(100) {
            0..=14 => self.rng.range(22, 34),
            15..=64 => self.rng.range(35, 59),
            65..=89 => self.rng.range(60, 79),
            _ => self.rng.range(80, 98),
        }
    }

    /// The members of one household, head first.
    fn household(&mut self, floating: bool) -> Vec<Person> {
        let size = match self.rng.below(100) {
            0..=24 => 1,
            25..=54 => 2,
            55..=79 => 3,
            80..=92 => 4,
            _ => 5,
        };
        let surname = self.surname();
        let head_male = self.rng.chance(600);
        let head_age = self.head_age();
        let mut out = vec![self.person(surname, head_male, head_age, floating, "户主")];
        if size == 1 && head_age >= 70 {
            out[0].tags.push("独居老人");
        }
        if size >= 2 {
            let s = self.surname();
            let age = head_age + self.rng.range(-5, 5);
            out.push(self.person(s, !head_male, age.max(20), floating, "配偶"));
        }
        for i in 2..size {
            if i == 4 && head_age + 25 < 100 {
                let s = self.surname();
                let male = self.rng.chance(400);
                let age = head_age + self.rng.range(24, 30);
                out.push(self.person(s, male, age, floating, "父母"));
                continue;
            }
            let male = self.rng.chance(510);
            let age = head_age - self.rng.range(22, 34);
            if age < 0 {
                continue;
            }
            let relation = if head_age >= 60 && age < 18 {
                "孙子女"
            } else {
                "子女"
            };
            let mut child = self.person(surname, male, age, floating, relation);
            if floating && age < 16 && self.rng.chance(50) {
                child.tags.push("留守儿童");
            }
            out.push(child);
        }
        out
    }
}

/// Writes `residents` generated rows (plus the header) to `out`; the same `seed`
/// gives the same file.
pub fn generate_city(residents: usize, seed: u64, out: &mut impl Write) -> io::Result<()> {
    let mut g = Generator {
        rng: Rng(seed ^ 0x00C1_71C6_121D),
        ids: HashSet::with_capacity(residents),
        surname_total: SURNAMES.iter().map(|(_, w)| u64::from(*w)).sum(),
    };
    let grids = city_grids(residents);
    writeln!(out, "{HEADER}")?;
    let mut written = 0usize;
    let mut household_no = 0usize;
    let mut line = String::with_capacity(256);
    while written < residents {
        let (community, grid) = &grids[household_no % grids.len()];
        let j = household_no / grids.len();
        household_no += 1;
        let (building, unit, room) = address(j);
        let floating = g.rng.chance(50);
        let ownership = if floating || g.rng.chance(100) {
            "租住"
        } else {
            "自有"
        };
        let status = if floating { "流动" } else { "户籍" };
        let area = format!("{}.{}", g.rng.range(38, 145), g.rng.range(0, 9));
        for (i, p) in g.household(floating).into_iter().enumerate() {
            if written >= residents {
                break;
            }
            line.clear();
            use std::fmt::Write as _;
            let _ = write!(
                line,
                "{community},{grid},{building},{unit},{room},{},{},{},{},{},{},{},{},{},{ownership}",
                p.name,
                if p.male { "男" } else { "女" },
                p.birth,
                p.id,
                p.phone,
                p.relation,
                status,
                p.tags.join(";"),
                if i == 0 { area.as_str() } else { "" },
            );
            writeln!(out, "{line}")?;
            written += 1;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use civicgrid_app::domain::ledger::id_number::IdNumber;

    #[test]
    fn deterministic_and_valid() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        generate_city(500, 7, &mut a).unwrap();
        generate_city(500, 7, &mut b).unwrap();
        assert_eq!(a, b);
        let text = String::from_utf8(a).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 501);
        assert_eq!(lines[0], HEADER);
        for l in &lines[1..] {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), 15, "{l}");
            let id = IdNumber::parse(cells[8]).unwrap();
            assert_eq!(id.birth_date().unwrap().to_string(), cells[7]);
        }
        let mut c = Vec::new();
        generate_city(500, 8, &mut c).unwrap();
        assert_ne!(text.as_bytes(), c.as_slice());
    }

    #[test]
    fn small_cities_live_in_the_demo_grids() {
        let grids = city_grids(2_000);
        assert_eq!(grids.len(), 22);
        assert_eq!(grids[0], ("JC-BJ-WH-HG".into(), "JC-BJ-WH-HG-01".into()));
        assert_eq!(city_grids(22 * RESIDENTS_PER_GRID).len(), 22);
        let mut out = Vec::new();
        generate_city(2_000, 1, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for l in text.lines().skip(1) {
            let community = l.split(',').next().unwrap();
            assert!(COMMUNITIES.iter().any(|(c, _)| *c == community), "{l}");
        }
    }

    #[test]
    fn large_cities_keep_grids_realistic() {
        let n = 1_000_000;
        let grids = city_grids(n);
        assert_eq!(grids.len(), n.div_ceil(RESIDENTS_PER_GRID));
        let mut per_community: std::collections::BTreeMap<&str, usize> = Default::default();
        let mut streets: std::collections::BTreeMap<&str, HashSet<&str>> = Default::default();
        for (c, g) in &grids {
            assert!(g.starts_with(c.as_str()) && g.len() == c.len() + 3, "{g}");
            civicgrid_app::domain::platform::org::validate_code(g).unwrap();
            *per_community.entry(c).or_default() += 1;
            streets.entry(&c[..9]).or_default().insert(c);
        }
        let sizes: Vec<usize> = per_community
            .iter()
            .filter(|(c, _)| c.starts_with("JC-BJ-S"))
            .map(|(_, n)| *n)
            .collect();
        // Every community but the last holds 5–10 grids.
        assert!(
            sizes[..sizes.len() - 1]
                .iter()
                .all(|n| (5..=10).contains(n))
        );
        let full_streets: Vec<usize> = streets
            .iter()
            .filter(|(s, _)| s.starts_with("JC-BJ-S"))
            .map(|(_, cs)| cs.len())
            .collect();
        assert!(
            full_streets[..full_streets.len() - 1]
                .iter()
                .all(|n| (5..=10).contains(n))
        );

        // Households go round the grids, so each holds about RESIDENTS_PER_GRID.
        let n = 60_000;
        let mut out = Vec::new();
        generate_city(n, 3, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut per_grid: std::collections::HashMap<&str, usize> = Default::default();
        for l in text.lines().skip(1) {
            *per_grid.entry(l.split(',').nth(1).unwrap()).or_default() += 1;
        }
        assert_eq!(per_grid.len(), city_grids(n).len());
        assert!(
            per_grid.values().all(|c| (900..=1_500).contains(c)),
            "{per_grid:?}"
        );
    }
}
