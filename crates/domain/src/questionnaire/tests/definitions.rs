//! The shipped definitions are well formed and match DESIGN.md's table.

use super::*;

#[test]
fn instrument_names_round_trip() {
    for id in InstrumentId::ALL {
        assert_eq!(id.as_str().parse::<InstrumentId>(), Ok(id));
        assert_eq!(definition(id).id, id);
        assert_eq!(id.definition().id, id);
    }
    assert_eq!(InstrumentId::Phq9.as_str(), "phq-9");
    assert_eq!(InstrumentId::Phq9.label(), "PHQ-9");
    assert!("phq9".parse::<InstrumentId>().is_err());
}

#[test]
fn flag_and_risk_names_round_trip() {
    for flag in Flag::ALL {
        assert_eq!(flag.as_str().parse::<Flag>(), Ok(flag));
    }
    for risk in Risk::ALL {
        assert_eq!(risk.as_str().parse::<Risk>(), Ok(risk));
    }
    assert!(Risk::None < Risk::Low && Risk::Low < Risk::Moderate && Risk::Moderate < Risk::High);
}

#[test]
fn only_item_9_and_moderate_or_high_suicide_risk_are_safety_alerts() {
    let alerts: Vec<_> = Flag::ALL
        .into_iter()
        .filter(|f| f.is_safety_alert())
        .collect();
    assert_eq!(
        alerts,
        [
            Flag::SuicidalIdeation,
            Flag::SuicideRisk(Risk::Moderate),
            Flag::SuicideRisk(Risk::High)
        ]
    );
}

#[test]
fn item_counts_and_answer_scales_match_the_design() {
    for (id, items, min, max) in [
        (InstrumentId::Phq9, 9, 0, 3),
        (InstrumentId::Gad7, 7, 0, 3),
        (InstrumentId::Pcl5, 20, 0, 4),
        (InstrumentId::CssrsScreener, 7, 0, 1),
        (InstrumentId::CssrsSinceLastVisit, 6, 0, 1),
        (InstrumentId::AuditC, 3, 0, 4),
        (InstrumentId::Dast10, 10, 0, 1),
    ] {
        let d = def(id);
        assert_eq!(d.items.len(), items, "{id}");
        for item in d.items {
            assert_eq!((item.min_value(), item.max_value()), (min, max), "{id}");
        }
    }
}

#[test]
fn answer_labels_are_those_the_instruments_print() {
    let labels = |id: InstrumentId, n| -> Vec<&str> {
        def(id)
            .item(n)
            .unwrap()
            .options
            .iter()
            .map(|o| o.label)
            .collect()
    };
    assert_eq!(
        labels(InstrumentId::Phq9, 1),
        [
            "Not at all",
            "Several days",
            "More than half the days",
            "Nearly every day"
        ]
    );
    assert_eq!(
        labels(InstrumentId::Pcl5, 1),
        [
            "Not at all",
            "A little bit",
            "Moderately",
            "Quite a bit",
            "Extremely"
        ]
    );
    assert_eq!(labels(InstrumentId::Dast10, 3), ["Yes", "No"]);
    assert_eq!(labels(InstrumentId::AuditC, 2)[4], "10 or more");
}

#[test]
fn loinc_codes_match_the_design_table() {
    for (id, panel, result) in [
        (InstrumentId::Phq9, "44249-1", "44261-6"),
        (InstrumentId::Gad7, "69737-5", "70274-6"),
        (InstrumentId::Pcl5, "101697-1", "101698-9"),
        (InstrumentId::CssrsScreener, "93373-9", "93374-7"),
        (InstrumentId::CssrsSinceLastVisit, "93373-9", "93374-7"),
        (InstrumentId::AuditC, "72109-2", "75626-2"),
        (InstrumentId::Dast10, "82666-9", "82667-7"),
    ] {
        assert_eq!(def(id).loinc.panel, Some(panel), "{id}");
        assert_eq!(def(id).loinc.result, Some(result), "{id}");
    }
}

#[test]
fn every_definition_is_well_formed() {
    for id in InstrumentId::ALL {
        let d = def(id);
        for (index, item) in d.items.iter().enumerate() {
            assert_eq!(usize::from(item.number), index + 1, "{id}: numbered 1..n");
            assert!(!item.text.is_empty() && !item.label.is_empty(), "{id}");
            let mut values: Vec<_> = item.options.iter().map(|o| o.value).collect();
            values.sort_unstable();
            values.dedup();
            assert_eq!(
                values.len(),
                item.options.len(),
                "{id}: option values unique"
            );
            if let Some(cond) = &item.show_if {
                for n in cond.items() {
                    assert!(
                        n < item.number,
                        "{id} item {}: refers back only",
                        item.number
                    );
                }
            }
        }
        let exists = |n: u8| d.item(n).is_some();
        for rule in d.flags {
            assert!(rule.when.items().into_iter().all(exists), "{id}");
        }
        match &d.scoring {
            Scoring::Sum(sum) => {
                assert!(sum.reverse_scored.iter().copied().all(exists), "{id}");
                for s in sum.subscales {
                    assert!(s.items.iter().copied().all(exists), "{id}");
                }
            }
            Scoring::Risk(risk) => {
                for rule in risk.rules {
                    assert!(rule.when.items().into_iter().all(exists), "{id}");
                }
            }
        }
    }
}

#[test]
fn pcl5_clusters_cover_every_item_once() {
    let Scoring::Sum(sum) = &def(InstrumentId::Pcl5).scoring else {
        panic!("PCL-5 sums");
    };
    let mut all: Vec<u8> = sum
        .subscales
        .iter()
        .flat_map(|s| s.items.iter().copied())
        .collect();
    all.sort_unstable();
    assert_eq!(all, (1..=20).collect::<Vec<_>>());
}

#[test]
fn bands_cover_the_whole_range_without_gaps_or_overlaps() {
    for id in InstrumentId::ALL {
        let d = def(id);
        let (Some((min, max)), bands) = (d.total_range(), d.bands()) else {
            continue;
        };
        if bands.is_empty() {
            continue;
        }
        assert_eq!(bands[0].min, min, "{id} starts at the minimum");
        assert_eq!(bands[bands.len() - 1].max, max, "{id} ends at the maximum");
        for pair in bands.windows(2) {
            assert_eq!(pair[0].max + 1, pair[1].min, "{id}: contiguous");
            assert!(pair[0].severity < pair[1].severity, "{id}: rising severity");
        }
        for total in min..=max {
            let matching = bands.iter().filter(|b| b.contains(total)).count();
            assert_eq!(matching, 1, "{id} total {total}");
        }
    }
}

#[test]
fn the_default_sets_are_those_the_issue_names() {
    use InstrumentId::*;
    assert_eq!(
        BASELINE_SET,
        [Phq9, Gad7, Pcl5, CssrsScreener, AuditC, Dast10]
    );
    assert_eq!(PRE_SESSION_SET, [Phq9, Gad7, CssrsSinceLastVisit]);
}
