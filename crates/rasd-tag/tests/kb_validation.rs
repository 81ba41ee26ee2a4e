//! Validation of the knowledge base shipped in `data/`: the checks every
//! data edit must pass (ids, parents, coordinates, shared aliases, required
//! fields, coverage).

use std::collections::{HashMap, HashSet};

use rasd_model::EntityType;
use rasd_tag::kb::{Kb, KbEntity, Origin};
use rasd_tag::Tagger;

fn kb() -> &'static Kb {
    use std::sync::OnceLock;
    static TAGGER: OnceLock<Tagger> = OnceLock::new();
    TAGGER
        .get_or_init(|| Tagger::load_default().expect("KB loads"))
        .kb()
}

/// Syria's bounding box. The western edge is 35.6°E, not the 35.7°E of the
/// issue: OCHA's own point for البطيحة (Quneitra, in the Golan) lies at
/// 35.666°E, and OCHA coordinates are copied exactly, never moved.
const LAT: (f64, f64) = (32.3, 37.4);
const LON: (f64, f64) = (35.6, 42.4);

fn is_syrian_place(kb: &Kb, e: &KbEntity) -> bool {
    if e.entity_type != EntityType::Location {
        return false;
    }
    if matches!(e.kind.as_deref(), Some(k) if k.starts_with("foreign")) {
        return false;
    }
    match e.origin {
        Origin::Admin | Origin::Community => true,
        // A curated place is Syrian when its parent chain reaches an admin
        // unit or community.
        Origin::Curated => {
            let idx = kb.index_of(&e.id).unwrap();
            kb.ancestors(idx)
                .iter()
                .any(|&a| kb.entities[a].origin != Origin::Curated)
        }
    }
}

#[test]
fn ids_are_unique() {
    let mut seen = HashSet::new();
    let dups: Vec<&str> = kb()
        .entities
        .iter()
        .filter(|e| !seen.insert(e.id.as_str()))
        .map(|e| e.id.as_str())
        .collect();
    assert!(dups.is_empty(), "duplicate ids: {dups:?}");
}

#[test]
fn parents_and_affiliations_exist() {
    let kb = kb();
    let mut bad = Vec::new();
    for e in &kb.entities {
        if let Some(p) = &e.parent {
            if kb.get(p).is_none() {
                bad.push(format!("{} → parent {p}", e.id));
            }
        }
        for a in &e.affiliations {
            if kb.get(a).is_none() {
                bad.push(format!("{} → affiliation {a}", e.id));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} dangling references: {:?}",
        bad.len(),
        &bad[..bad.len().min(30)]
    );
}

#[test]
fn syrian_places_lie_in_syria() {
    let kb = kb();
    let mut bad = Vec::new();
    let mut checked = 0;
    for e in kb.entities.iter().filter(|e| is_syrian_place(kb, e)) {
        match (e.lat, e.lon) {
            (Some(lat), Some(lon)) => {
                checked += 1;
                if !(LAT.0..=LAT.1).contains(&lat) || !(LON.0..=LON.1).contains(&lon) {
                    bad.push(format!("{} {} ({lat}, {lon})", e.id, e.name_ar));
                }
            }
            _ => bad.push(format!("{} {} has no coordinates", e.id, e.name_ar)),
        }
    }
    assert!(checked > 7000, "only {checked} Syrian places checked");
    assert!(
        bad.is_empty(),
        "{} bad places: {:?}",
        bad.len(),
        &bad[..bad.len().min(30)]
    );
}

#[test]
fn required_fields_are_present() {
    let kb = kb();
    let prefix = |t: EntityType| match t {
        EntityType::ArmedGroup => "ag:",
        EntityType::State => "state:",
        EntityType::Location => "loc:",
        EntityType::Person => "per:",
        EntityType::Media => "media:",
        EntityType::Organization => "org:",
    };
    let mut bad = Vec::new();
    for e in kb.entities.iter().filter(|e| e.origin == Origin::Curated) {
        if !e.id.starts_with(prefix(e.entity_type)) {
            bad.push(format!(
                "{}: id prefix for {}",
                e.id,
                e.entity_type.as_str()
            ));
        }
        if e.name_ar.trim().is_empty() || e.name_en.trim().is_empty() {
            bad.push(format!("{}: empty name", e.id));
        }
        if e.aliases.is_empty() {
            bad.push(format!("{}: no matchable Arabic name", e.id));
        }
        if e.entity_type == EntityType::Location {
            if e.kind.is_none() || e.parent.is_none() {
                bad.push(format!("{}: place without kind or parent", e.id));
            }
            // Foreign places may lack coordinates (never invented); Syrian
            // ones always have them, at least the parent's centroid.
            if !is_syrian_place(kb, e) {
                continue;
            }
            if e.lat.is_none() || e.lon.is_none() {
                bad.push(format!("{}: place without coordinates", e.id));
            }
            if !matches!(e.precision.as_deref(), Some("exact") | Some("parent")) {
                bad.push(format!("{}: precision {:?}", e.id, e.precision));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} problems: {:?}",
        bad.len(),
        &bad[..bad.len().min(30)]
    );
}

/// Two curated (or admin) entities may share an alias only when the
/// curated ones explain themselves in a `note`. Communities are exempt:
/// same-named villages are the dataset's norm and are told apart by their
/// parents; admin units of the same name are told apart by their ids.
#[test]
fn shared_aliases_have_disambiguation_notes() {
    let kb = kb();
    let mut by_key: HashMap<&str, Vec<&KbEntity>> = HashMap::new();
    for e in kb.entities.iter().filter(|e| e.origin != Origin::Community) {
        for a in &e.aliases {
            by_key.entry(a.key.as_str()).or_default().push(e);
        }
    }
    let mut bad = Vec::new();
    for (key, es) in by_key.iter().filter(|(_, es)| es.len() > 1) {
        let curated: Vec<&&KbEntity> = es.iter().filter(|e| e.origin == Origin::Curated).collect();
        if curated.is_empty() {
            continue;
        }
        if curated
            .iter()
            .any(|e| e.note.as_deref().is_none_or(|n| n.trim().is_empty()))
        {
            let ids: Vec<&str> = es.iter().map(|e| e.id.as_str()).collect();
            bad.push(format!("{key}: {ids:?}"));
        }
    }
    bad.sort();
    assert!(
        bad.is_empty(),
        "{} shared aliases without a note: {:?}",
        bad.len(),
        &bad[..bad.len().min(30)]
    );
}

#[test]
fn coverage_meets_the_issue() {
    let kb = kb();
    let count = |t: EntityType, o: Origin| {
        kb.entities
            .iter()
            .filter(|e| e.entity_type == t && e.origin == o)
            .count()
    };
    assert!(count(EntityType::ArmedGroup, Origin::Curated) >= 150);
    assert!(count(EntityType::Media, Origin::Curated) >= 60);
    assert!(count(EntityType::Person, Origin::Curated) >= 80);
    assert!(count(EntityType::Location, Origin::Curated) >= 300);
    // All 14 governorates survive merging under their own ids.
    let govs = kb
        .entities
        .iter()
        .filter(|e| {
            e.kind
                .as_deref()
                .is_some_and(|k| k.starts_with("governorate"))
        })
        .count();
    assert_eq!(govs, 14);
    assert!(count(EntityType::Location, Origin::Community) > 6000);
}

#[test]
fn city_and_governorate_of_the_same_name_are_one_entity() {
    let kb = kb();
    let deir = kb.get("sy-deir-ez-zor").expect("governorate");
    // No other entity is named دير الزور.
    let key = rasd_tag::norm::match_key("دير الزور");
    let named: Vec<&str> = kb
        .entities
        .iter()
        .filter(|e| e.aliases.iter().any(|a| a.key == key))
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(named, vec![deir.id.as_str()]);
    // The merged entity has the city's point, not the province centroid.
    assert_eq!(deir.precision.as_deref(), Some("exact"));
    assert!(
        deir.note.as_deref().unwrap_or("").contains("C"),
        "{:?}",
        deir.note
    );
}

#[test]
fn ocha_name_conventions_are_handled() {
    let kb = kb();
    // ` - <subdistrict>` suffixes never survive into names.
    let suffixed: Vec<&str> = kb
        .entities
        .iter()
        .filter(|e| e.origin != Origin::Curated && e.name_ar.contains(" - "))
        .map(|e| e.id.as_str())
        .collect();
    assert!(suffixed.is_empty(), "{suffixed:?}");
    // `_` alternatives are separate aliases.
    let e = kb
        .entities
        .iter()
        .find(|e| e.origin == Origin::Community && e.aliases.len() > 1)
        .expect("some community has alternative names");
    assert!(e.aliases.iter().all(|a| !a.text.contains('_')));
}
