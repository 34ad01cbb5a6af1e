use super::*;
use crate::ledger::id_number::compose;
use crate::ledger::tags::default_catalogue;

const HEADER: [&str; 15] = [
    "社区",
    "网格",
    "楼栋",
    "单元",
    "房号",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "联系电话",
    "与户主关系",
    "居住状态",
    "标签",
    "建筑面积",
    "产权",
];

fn today() -> Date {
    Date::from_ymd_opt(2026, 11, 22).unwrap()
}

fn id(y: i32, m: u32, d: u32, seq: u16) -> String {
    compose("420102", Date::from_ymd_opt(y, m, d).unwrap(), seq)
        .unwrap()
        .as_str()
        .to_owned()
}

fn row(edit: &[(usize, &str)]) -> Vec<String> {
    let mut r: Vec<String> = [
        "JC-BJ-WH-HG",
        "JC-BJ-WH-HG-01",
        "3",
        "1",
        "302",
        "张三",
        "",
        "1985-03-07",
        "",
        "13812345678",
        "户主",
        "户籍",
        "低保；党员",
        "85.5",
        "自有",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    r[8] = id(1985, 3, 7, 123);
    for (i, v) in edit {
        r[*i] = (*v).to_owned();
    }
    r
}

fn check(r: &[String]) -> Result<ValidRow, RowReject> {
    let h = HeaderMap::from_header(&HEADER).unwrap();
    validate_row(&h, r, &default_catalogue(), today())
}

#[test]
fn headers_match_in_english_and_chinese_tolerantly() {
    let h = HeaderMap::from_header(&[
        "\u{feff}Community",
        " GRID ",
        "Building",
        "unit",
        "Room",
        "Name",
        "ID Number",
        "手机号码",
        "建筑面积（㎡）",
        "whatever",
    ])
    .unwrap();
    assert_eq!(h.position(Column::Community), Some(0));
    assert_eq!(h.position(Column::IdNumber), Some(6));
    assert_eq!(h.position(Column::Phone), Some(7));
    assert_eq!(h.position(Column::AreaM2), Some(8));
    assert_eq!(h.position(Column::Tags), None);
    assert!(HeaderMap::from_header(&HEADER).is_ok());
}

#[test]
fn missing_and_duplicate_columns_are_file_errors() {
    let e = HeaderMap::from_header(&["姓名", "社区"]).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("id_number (身份证号)"), "{text}");
    assert!(text.contains("grid (网格)"), "{text}");
    assert!(!text.contains("name ("), "{text}");
    assert_eq!(HeaderMap::from_header(&["", " "]), Err(HeaderError::Empty));
    let mut dup: Vec<&str> = HEADER.to_vec();
    dup.push("Phone");
    assert!(matches!(
        HeaderMap::from_header(&dup),
        Err(HeaderError::Duplicate(_))
    ));
}

#[test]
fn a_good_row_is_typed() {
    let v = check(&row(&[])).unwrap();
    assert_eq!(v.name, "张三");
    assert_eq!(v.gender, Gender::Male);
    assert_eq!(v.relation, Relation::Head);
    assert_eq!(v.status, ResidenceStatus::Registered);
    assert_eq!(v.ownership, Ownership::Owner);
    assert_eq!(v.tags, vec!["low_income", "party_member"]);
    assert_eq!(v.area_centi, Some(8550));
    assert_eq!(v.phone.unwrap().as_str(), "13812345678");
    assert_eq!(v.birth_date, Date::from_ymd_opt(1985, 3, 7).unwrap());
}

#[test]
fn id_numbers_are_checked() {
    let mut bad = id(1985, 3, 7, 123);
    let last = if bad.ends_with('1') { "2" } else { "1" };
    bad.replace_range(17.., last);
    let e = check(&row(&[(8, &bad)])).unwrap_err();
    assert_eq!(e.column, "id_number");
    assert!(e.message.contains("check digit"), "{e}");
    assert_eq!(check(&row(&[(8, "123")])).unwrap_err().column, "id_number");
    assert_eq!(
        check(&row(&[(8, "")])).unwrap_err().to_string(),
        "id_number: is empty"
    );
    let future = id(2030, 1, 1, 1);
    let e = check(&row(&[(8, &future), (7, "")])).unwrap_err();
    assert!(e.message.contains("future"), "{e}");
}

#[test]
fn birth_date_must_agree_with_the_id_number() {
    let e = check(&row(&[(7, "1985-03-08")])).unwrap_err();
    assert_eq!(e.column, "birth_date");
    assert!(e.message.contains("1985-03-07"), "{e}");
    assert!(check(&row(&[(7, "1985/3/7")])).is_ok());
    assert!(check(&row(&[(7, "")])).is_ok());
    assert_eq!(
        check(&row(&[(7, "yesterday")])).unwrap_err().column,
        "birth_date"
    );
}

#[test]
fn gender_is_derived_or_must_agree() {
    assert_eq!(check(&row(&[(6, "男")])).unwrap().gender, Gender::Male);
    let e = check(&row(&[(6, "female")])).unwrap_err();
    assert_eq!(e.column, "gender");
    assert_eq!(check(&row(&[(6, "x")])).unwrap_err().column, "gender");
    let woman = id(1990, 1, 1, 124);
    assert_eq!(
        check(&row(&[(8, &woman), (7, "")])).unwrap().gender,
        Gender::Female
    );
}

#[test]
fn phone_is_optional_but_valid() {
    assert_eq!(check(&row(&[(9, "")])).unwrap().phone, None);
    assert_eq!(check(&row(&[(9, "12345")])).unwrap_err().column, "phone");
}

#[test]
fn tags_known_only_and_derived_ones_must_hold() {
    let e = check(&row(&[(12, "低保;wizard")])).unwrap_err();
    assert_eq!(e.to_string(), "tags: 'wizard' is not a known tag");
    let e = check(&row(&[(12, "aged_80")])).unwrap_err();
    assert!(e.message.contains("age 41"), "{e}");
    let old = id(1940, 5, 1, 11);
    let v = check(&row(&[(8, &old), (7, ""), (12, "高龄老人, 独居老人")])).unwrap();
    assert_eq!(v.tags, vec!["elderly_alone"]);
    assert!(check(&row(&[(12, "")])).unwrap().tags.is_empty());
}

#[test]
fn areas() {
    assert_eq!(parse_area("85"), Ok(Some(8500)));
    assert_eq!(parse_area("85.50 ㎡"), Ok(Some(8550)));
    assert_eq!(parse_area("0.05平方米"), Ok(Some(5)));
    assert_eq!(parse_area(""), Ok(None));
    assert!(parse_area("85.555").is_err());
    assert!(parse_area("-3").unwrap_err().message.contains("negative"));
    assert!(parse_area("abc").is_err());
    assert_eq!(check(&row(&[(13, "1.234")])).unwrap_err().column, "area_m2");
    assert_eq!(format_area(8550), "85.5");
    assert_eq!(format_area(8505), "85.05");
    assert_eq!(format_area(8500), "85");
}

#[test]
fn coded_values_in_english_or_chinese() {
    let v = check(&row(&[(10, "spouse"), (11, "流动人口"), (14, "tenant")])).unwrap();
    assert_eq!(v.relation, Relation::Spouse);
    assert_eq!(v.status, ResidenceStatus::Floating);
    assert_eq!(v.ownership, Ownership::Tenant);
    let v = check(&row(&[(10, ""), (11, ""), (14, "")])).unwrap();
    assert_eq!(
        (v.relation, v.status, v.ownership),
        (
            Relation::Other,
            ResidenceStatus::Registered,
            Ownership::Owner
        )
    );
    assert_eq!(check(&row(&[(10, "邻居")])).unwrap_err().column, "relation");
    assert_eq!(
        check(&row(&[(11, "?")])).unwrap_err().column,
        "residence_status"
    );
    assert_eq!(check(&row(&[(14, "?")])).unwrap_err().column, "ownership");
}

#[test]
fn places_and_names_are_required() {
    assert_eq!(
        check(&row(&[(1, " ")])).unwrap_err().to_string(),
        "grid: is empty"
    );
    assert_eq!(check(&row(&[(4, "")])).unwrap_err().column, "room");
    assert_eq!(check(&row(&[(5, "")])).unwrap_err().column, "name");
    assert_eq!(check(&row(&[(5, "=1+1")])).unwrap_err().column, "name");
}
