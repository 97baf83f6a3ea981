//! PHQ-9, GAD-7, PCL-5, AUDIT-C and DAST-10: ranges, bands, flags, subscales.

use super::*;

fn band_key(id: InstrumentId, total: u16) -> &'static str {
    let s = scored(&with_total(id, total));
    assert_eq!(s.total, Some(total));
    s.band.unwrap().key
}

#[test]
fn every_summed_instrument_scores_its_minimum_and_maximum() {
    for (id, min, max) in [
        (InstrumentId::Phq9, 0, 27),
        (InstrumentId::Gad7, 0, 21),
        (InstrumentId::Pcl5, 0, 80),
        (InstrumentId::AuditC, 0, 12),
        (InstrumentId::Dast10, 0, 10),
    ] {
        assert_eq!(def(id).total_range(), Some((min, max)), "{id}");
        assert_eq!(scored(&with_total(id, min)).total, Some(min), "{id}");
        assert_eq!(scored(&with_total(id, max)).total, Some(max), "{id}");
    }
}

#[test]
fn phq9_bands_change_exactly_at_each_boundary() {
    for (total, band) in [
        (0, "none"),
        (4, "none"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately-severe"),
        (19, "moderately-severe"),
        (20, "severe"),
        (27, "severe"),
    ] {
        assert_eq!(band_key(InstrumentId::Phq9, total), band, "PHQ-9 {total}");
    }
}

#[test]
fn phq9_band_carries_its_label_and_an_ordinal_severity() {
    let s = scored(&with_total(InstrumentId::Phq9, 17));
    let band = s.band.unwrap();
    assert_eq!(band.label, "Moderately severe");
    assert_eq!(band.rank, 3);
}

#[test]
fn gad7_bands_change_exactly_at_each_boundary() {
    for (total, band) in [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ] {
        assert_eq!(band_key(InstrumentId::Gad7, total), band, "GAD-7 {total}");
    }
}

#[test]
fn dast10_bands_change_exactly_at_each_boundary() {
    for (total, band) in [
        (0, "none"),
        (1, "low"),
        (2, "low"),
        (3, "moderate"),
        (5, "moderate"),
        (6, "substantial"),
        (8, "substantial"),
        (9, "severe"),
        (10, "severe"),
    ] {
        assert_eq!(
            band_key(InstrumentId::Dast10, total),
            band,
            "DAST-10 {total}"
        );
    }
}

#[test]
fn any_answer_above_zero_on_phq9_item_9_raises_a_safety_flag() {
    for value in 1..=3 {
        let s = scored(&answers(
            InstrumentId::Phq9,
            &[
                (1, 0),
                (2, 0),
                (3, 0),
                (4, 0),
                (5, 0),
                (6, 0),
                (7, 0),
                (8, 0),
                (9, value),
            ],
        ));
        assert_eq!(s.flags, [Flag::SuicidalIdeation]);
        assert!(s.raises_safety_alert());
        assert_eq!(
            s.band.unwrap().key,
            "none",
            "the flag does not depend on the band"
        );
    }
}

#[test]
fn a_severe_phq9_without_item_9_raises_no_safety_flag() {
    let mut pairs: Vec<_> = (1..=8).map(|n| (n, 3)).collect();
    pairs.push((9, 0));
    let s = scored(&answers(InstrumentId::Phq9, &pairs));
    assert_eq!(s.total, Some(24));
    assert_eq!(s.band.unwrap().key, "severe");
    assert!(s.flags.is_empty());
    assert!(!s.raises_safety_alert());
}

#[test]
fn pcl5_reports_each_dsm5_cluster() {
    let pairs: Vec<_> = (1..=20)
        .map(|n| {
            let value = match n {
                1..=5 => 1,
                6..=7 => 2,
                8..=14 => 3,
                _ => 4,
            };
            (n, value)
        })
        .collect();
    let s = scored(&answers(InstrumentId::Pcl5, &pairs));
    let clusters: Vec<_> = s
        .subscales
        .iter()
        .map(|c| (c.key, c.score, c.max))
        .collect();
    assert_eq!(
        clusters,
        [
            ("cluster-b", 5, 20),
            ("cluster-c", 4, 8),
            ("cluster-d", 21, 28),
            ("cluster-e", 24, 24)
        ]
    );
    assert_eq!(s.total, Some(54));
    assert!(s.band.is_none(), "PCL-5 has a cut-off, not bands");
}

#[test]
fn pcl5_probable_ptsd_starts_at_the_default_cut_off_of_33() {
    assert_eq!(ScoringContext::default().pcl5_cutoff, 33);
    assert!(!scored(&with_total(InstrumentId::Pcl5, 32)).has_flag(Flag::ProbablePtsd));
    assert!(scored(&with_total(InstrumentId::Pcl5, 33)).has_flag(Flag::ProbablePtsd));
}

#[test]
fn pcl5_cut_off_is_the_clinic_setting_passed_in() {
    let pcl = |total, cutoff| {
        let ctx = ScoringContext {
            pcl5_cutoff: cutoff,
            ..ScoringContext::default()
        };
        score(
            def(InstrumentId::Pcl5),
            &with_total(InstrumentId::Pcl5, total),
            &ctx,
        )
        .unwrap()
        .has_flag(Flag::ProbablePtsd)
    };
    assert!(pcl(31, 31));
    assert!(!pcl(30, 31));
    assert!(!pcl(32, 33));
    assert!(!pcl(33, 34));
    assert!(pcl(34, 34));
}

#[test]
fn audit_c_cut_off_follows_the_recorded_sex() {
    let positive = |total, sex| {
        let ctx = ScoringContext {
            sex,
            ..ScoringContext::default()
        };
        score(
            def(InstrumentId::AuditC),
            &with_total(InstrumentId::AuditC, total),
            &ctx,
        )
        .unwrap()
        .has_flag(Flag::AuditCPositive)
    };
    assert!(!positive(3, Sex::Male), "a man at 3 is negative");
    assert!(positive(4, Sex::Male), "a man at 4 is positive");
    assert!(!positive(2, Sex::Female), "a woman at 2 is negative");
    assert!(positive(3, Sex::Female), "a woman at 3 is positive");
    assert!(positive(4, Sex::Female));
    assert!(
        !positive(2, Sex::NotRecorded),
        "unrecorded at 2 is negative"
    );
    assert!(
        positive(3, Sex::NotRecorded),
        "unrecorded takes the lower cut-off"
    );
    assert!(positive(4, Sex::NotRecorded));
    assert!(!positive(2, Sex::Intersex));
    assert!(
        positive(3, Sex::Intersex),
        "intersex takes the lower cut-off"
    );
}

#[test]
fn audit_c_has_a_total_but_no_band_and_raises_no_safety_alert() {
    let s = scored(&with_total(InstrumentId::AuditC, 12));
    assert_eq!(s.total, Some(12));
    assert!(s.band.is_none());
    assert!(s.has_flag(Flag::AuditCPositive));
    assert!(!s.raises_safety_alert());
}

#[test]
fn dast10_all_no_scores_1_because_item_3_is_reverse_scored() {
    let s = scored(&every(InstrumentId::Dast10, 0));
    assert_eq!(s.total, Some(1));
    assert_eq!(s.band.unwrap().key, "low");
}

#[test]
fn dast10_all_yes_scores_9_because_yes_to_item_3_scores_0() {
    let s = scored(&every(InstrumentId::Dast10, 1));
    assert_eq!(s.total, Some(9));
    assert_eq!(s.band.unwrap().key, "severe");
}

#[test]
fn dast10_minimum_is_no_to_everything_but_item_3_and_maximum_the_reverse() {
    let mut pairs: Vec<_> = (1..=10).map(|n| (n, 0)).collect();
    pairs[2] = (3, 1);
    let s = scored(&answers(InstrumentId::Dast10, &pairs));
    assert_eq!(s.total, Some(0));
    assert_eq!(s.band.unwrap().label, "None");
    let mut pairs: Vec<_> = (1..=10).map(|n| (n, 1)).collect();
    pairs[2] = (3, 0);
    assert_eq!(
        scored(&answers(InstrumentId::Dast10, &pairs)).total,
        Some(10)
    );
}

#[test]
fn dast10_flags_moderate_or_worse_from_3() {
    let s2 = scored(&with_total(InstrumentId::Dast10, 2));
    let s3 = scored(&with_total(InstrumentId::Dast10, 3));
    assert!(!s2.has_flag(Flag::DrugUseModerateOrWorse));
    assert!(s3.has_flag(Flag::DrugUseModerateOrWorse));
    assert!(!s3.raises_safety_alert());
}

#[test]
fn phq9_response_is_a_drop_of_at_least_half_from_baseline() {
    assert!(phq9_response(20, 10));
    assert!(!phq9_response(20, 11));
    assert!(phq9_response(15, 7));
    assert!(!phq9_response(15, 8));
    assert!(!phq9_response(10, 12), "a rise is not a response");
    assert!(!phq9_response(0, 0), "nothing to drop from");
}

#[test]
fn phq9_remission_is_a_total_below_5() {
    assert!(phq9_remission(0));
    assert!(phq9_remission(4));
    assert!(!phq9_remission(5));
}

#[test]
fn pcl5_change_is_reliable_from_5_points_and_meaningful_from_10() {
    use Pcl5Change::*;
    for (baseline, current, expected) in [
        (50, 50, NoReliableChange),
        (50, 46, NoReliableChange),
        (50, 45, ReliableImprovement),
        (50, 41, ReliableImprovement),
        (50, 40, MeaningfulImprovement),
        (40, 44, NoReliableChange),
        (40, 45, ReliableWorsening),
        (40, 49, ReliableWorsening),
        (40, 50, MeaningfulWorsening),
    ] {
        assert_eq!(
            pcl5_change(baseline, current),
            expected,
            "{baseline} → {current}"
        );
    }
}
