//! Properties over random complete, valid answers to every instrument.

use proptest::prelude::*;

use super::*;

/// Complete answers that follow the skip logic: items are answered in order, each
/// only if it is visible given the answers before it, with the option picked by
/// `picks` (wrapped to the item's option count).
fn complete(id: InstrumentId, picks: &[usize]) -> Answers {
    let instrument = def(id);
    let mut pairs: Vec<(u8, u8)> = Vec::new();
    for (item, pick) in instrument.items.iter().zip(picks.iter().cycle()) {
        let so_far = answers(id, &pairs);
        if visible_items(instrument, &so_far)
            .iter()
            .any(|v| v.number == item.number)
        {
            pairs.push((item.number, item.options[pick % item.options.len()].value));
        }
    }
    answers(id, &pairs)
}

fn any_instrument() -> impl Strategy<Value = InstrumentId> {
    prop::sample::select(InstrumentId::ALL.to_vec())
}

fn any_context() -> impl Strategy<Value = ScoringContext> {
    (prop::sample::select(Sex::ALL.to_vec()), 0u8..=80)
        .prop_map(|(sex, pcl5_cutoff)| ScoringContext { sex, pcl5_cutoff })
}

proptest! {
    #[test]
    fn complete_valid_answers_always_score_within_range_in_exactly_one_band(
        id in any_instrument(),
        picks in prop::collection::vec(0usize..5, 20),
        ctx in any_context(),
    ) {
        let instrument = def(id);
        let a = complete(id, &picks);
        let s = score(instrument, &a, &ctx).unwrap();
        prop_assert_eq!(s.instrument, id);
        match instrument.total_range() {
            Some((min, max)) => {
                let total = s.total.unwrap();
                prop_assert!((min..=max).contains(&total));
                let bands = instrument.bands();
                if !bands.is_empty() {
                    let matching: Vec<_> = bands.iter().filter(|b| b.contains(total)).collect();
                    prop_assert_eq!(matching.len(), 1);
                    prop_assert_eq!(s.band.unwrap().key, matching[0].key);
                }
                for sub in &s.subscales {
                    prop_assert!(sub.score <= sub.max);
                }
                let clusters: u16 = s.subscales.iter().map(|c| c.score).sum();
                prop_assert!(s.subscales.is_empty() || clusters == total);
                prop_assert!(s.risk.is_none());
            }
            None => {
                prop_assert!(s.total.is_none());
                let risk = s.risk.unwrap();
                prop_assert_eq!(s.band.unwrap().rank, risk.rank());
                prop_assert_eq!(s.raises_safety_alert(), risk >= Risk::Moderate);
            }
        }
    }

    #[test]
    fn flags_follow_their_rules(
        id in any_instrument(),
        picks in prop::collection::vec(0usize..5, 20),
        ctx in any_context(),
    ) {
        let a = complete(id, &picks);
        let s = score(def(id), &a, &ctx).unwrap();
        let total = s.total.unwrap_or(0);
        match id {
            InstrumentId::Phq9 => {
                prop_assert_eq!(s.raises_safety_alert(), a.get(9).unwrap() > 0);
            }
            InstrumentId::Pcl5 => {
                prop_assert_eq!(
                    s.has_flag(Flag::ProbablePtsd),
                    total >= u16::from(ctx.pcl5_cutoff)
                );
            }
            InstrumentId::AuditC => {
                let cutoff = if ctx.sex == Sex::Male { 4 } else { 3 };
                prop_assert_eq!(s.has_flag(Flag::AuditCPositive), total >= cutoff);
            }
            InstrumentId::Dast10 => {
                prop_assert_eq!(s.has_flag(Flag::DrugUseModerateOrWorse), total >= 3);
            }
            _ => {}
        }
        if !matches!(id, InstrumentId::Phq9 | InstrumentId::CssrsScreener | InstrumentId::CssrsSinceLastVisit) {
            prop_assert!(!s.raises_safety_alert());
        }
    }

    #[test]
    fn leaving_out_any_visible_answer_is_refused_naming_it(
        id in any_instrument(),
        picks in prop::collection::vec(0usize..5, 20),
        drop in 0usize..20,
    ) {
        let a = complete(id, &picks);
        let pairs: Vec<_> = a.iter().collect();
        let (missing, _) = pairs[drop % pairs.len()];
        let kept: Vec<_> = pairs.iter().copied().filter(|(n, _)| *n != missing).collect();
        let partial = answers(id, &kept);
        let e = score_default(&partial).unwrap_err();
        let field = format!("item-{missing}");
        prop_assert!(e.0.iter().any(|f| f.field == field));
    }

    #[test]
    fn parsing_arbitrary_form_input_never_panics(
        id in any_instrument(),
        raw in prop::collection::vec((".{0,12}", ".{0,6}"), 0..8),
    ) {
        let raw: Vec<(String, String)> = raw;
        if let Ok(a) = Answers::parse(def(id), &raw) {
            for (n, v) in a.iter() {
                prop_assert!(def(id).item(n).and_then(|i| i.option(v)).is_some());
            }
        }
    }
}
