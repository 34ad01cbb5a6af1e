//! Buildings, units and rooms come in natural order on the room board and in exports:
//! `2` before `10`, `101` before `1001`, `3栋` before `12栋` — not as text sorts them.

use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::ResidentInput;
use civicgrid_app::ledger::export::ExportFormat;

use crate::support::World;

/// Rooms added in text order, each with one household of one resident.
const PLACES: &[(&str, &str, &str, Option<i64>)] = &[
    ("12栋", "1", "101", Some(1)),
    ("3栋", "1", "1001", Some(10)),
    ("3栋", "1", "101", Some(1)),
    ("3栋", "1", "102", Some(1)),
    ("3栋", "10", "2", None),
    ("3栋", "2", "10", Some(1)),
    ("3栋", "2", "9", Some(1)),
    ("3栋", "2", "商铺", None),
];

#[tokio::test]
async fn board_and_export_follow_the_natural_order() {
    let w = World::new().await;
    let (app, grid) = (&w.app, w.grid);
    let sys = Actor::system();
    let names = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"];
    for ((b, u, r, floor), name) in PLACES.iter().zip(names) {
        let (_, h) = w.owner_household(grid, (b, u, r), *floor, None).await;
        app.add_resident(
            &sys,
            &ResidentInput {
                household_id: h,
                name: format!("住户{name}"),
                gender: Some("female".into()),
                birth_date: Some("1970-01-01".into()),
                relation: "head".into(),
                ..ResidentInput::default()
            },
            None,
        )
        .await
        .unwrap();
    }

    let board = app.ledger_board(&sys, grid).await.unwrap();
    // One line per unit: `building/unit: rooms…`.
    let layout: Vec<String> = board
        .buildings
        .iter()
        .flat_map(|b| {
            b.units.iter().map(move |u| {
                let rooms: Vec<&str> = u.rooms.iter().map(|r| r.name.as_str()).collect();
                format!("{}/{}: {}", b.name, u.name, rooms.join(" "))
            })
        })
        .collect();
    assert_eq!(
        layout,
        [
            // Floor 1 before floor 10; rooms without a floor last.
            "3栋/1: 101 102 1001",
            "3栋/2: 9 10 商铺",
            "3栋/10: 2",
            "12栋/1: 101",
        ]
    );

    let export = app
        .export_residents(&sys, None, ExportFormat::Csv)
        .await
        .unwrap();
    let text = String::from_utf8(export.bytes).unwrap();
    let places: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(2).take(3).collect::<Vec<_>>().join("-"))
        .collect();
    assert_eq!(
        places,
        [
            "3栋-1-101",
            "3栋-1-102",
            "3栋-1-1001",
            "3栋-2-9",
            "3栋-2-10",
            "3栋-2-商铺",
            "3栋-10-2",
            "12栋-1-101",
        ]
    );
}
