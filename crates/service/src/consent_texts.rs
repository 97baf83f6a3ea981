//! Starter texts for the four consent documents, in plain language, for a clinic
//! to adapt before it publishes them (the demo seeding publishes them as they
//! are). They follow the points the published consensus statement asks clients
//! to understand (Sanacora et al., JAMA Psychiatry 2017;74:399–405) and the
//! session rules of DESIGN.md; they are not legal advice, and each clinic's
//! own clinicians and counsel should review them.

use threshold_domain::journey::ConsentKind;

/// The starter `(title, body)` of a consent document. The body is plain text;
/// paragraphs are separated by a blank line.
pub fn starter(kind: ConsentKind) -> (&'static str, &'static str) {
    match kind {
        ConsentKind::KapInformedConsent => (KAP_TITLE, KAP_BODY),
        ConsentKind::InHome => (IN_HOME_TITLE, IN_HOME_BODY),
        ConsentKind::GroupConfidentiality => (GROUP_TITLE, GROUP_BODY),
        ConsentKind::IvPartnerRelease => (IV_TITLE, IV_BODY),
    }
}

const KAP_TITLE: &str = "Informed consent to ketamine-assisted psychotherapy";

const KAP_BODY: &str = "\
Please read this carefully and ask us about anything that is unclear. You can take it home and talk it over with someone you trust before you sign.

What ketamine-assisted psychotherapy is
Ketamine is a medicine that has been used for decades as an anaesthetic. At lower doses it can change how you perceive yourself and the world for a short time, and for some people it eases depression, anxiety or trauma symptoms. In ketamine-assisted psychotherapy (KAP) you take ketamine during a session with your care team present, and you meet your therapist before and after the medicine sessions to prepare and to make sense of the experience (integration). The therapy is as important as the medicine.

Off-label use
Ketamine is approved as an anaesthetic. Using it to treat depression, anxiety or trauma is \"off-label\": it is legal and widely practised, and supported by research, but the medicine has not been approved for this purpose and long-term effects of repeated use are not fully known. A related medicine, esketamine nasal spray, is approved for treatment-resistant depression; it is one of the alternatives below.

How it is given
Depending on your plan, ketamine is given as a lozenge that dissolves in your mouth, or by intravenous (IV) infusion through our partner medical provider. Your dose is set by the physician and checked against the clinic's allowed range; IV doses are based on your weight measured on the day.

What you may feel
Effects begin within minutes and last about one to two hours. You may feel dreamy, detached from your body or surroundings (dissociation), see colours or images, lose track of time, or have strong emotions. Some experiences are pleasant and some are difficult; your care team stays with you throughout. Most people feel tired afterwards and some feel unsteady for the rest of the day.

Risks and side effects
- A rise in blood pressure and heart rate during the session. We measure your blood pressure, heart rate and oxygen level before, during and after, and may delay or stop a session if they are too high.
- Nausea and, less often, vomiting. This is why we ask you to fast beforehand; anti-nausea medicine can be given.
- Dizziness, blurred vision, headache, poor coordination and confusion while the medicine acts.
- Anxiety, distressing thoughts or images, or feeling out of control during the session.
- Bladder problems. Frequent or heavy ketamine use can irritate or damage the bladder (ketamine cystitis). Tell us at once about pain on passing urine, needing to go often or urgently, or blood in the urine. We ask about these symptoms during your treatment.
- Abuse and dependence. Ketamine can be misused and can become habit-forming. Take it only as prescribed and only in the way we agree; tell us if you notice cravings or want to use it outside your sessions.
- Effects on memory and thinking with long-term frequent use, and rare changes in liver function. We check on these during maintenance treatment.
- Rare allergic reactions, and slowed breathing at high doses. Staff trained in emergencies, oxygen and emergency equipment are on hand.
Ketamine may not help you, and symptoms can return after the effect wears off.

Before each session
- Do not eat for the fasting time we give you (usually 4 hours), and drink only clear fluids until 2 hours before.
- Do not drink alcohol or use other drugs on the day, and tell us about every medicine you take, including any changes. Some medicines (for example benzodiazepines, opioids, MAOIs, lamotrigine and stimulants) change how ketamine works or how safe it is.
- Tell us if you could be pregnant; we may ask for a pregnancy test.
- We will ask how you have been, including about thoughts of harming yourself, and may postpone the session if it is not safe to go ahead.

After each session
You may leave only when the care team agrees you are ready, at least two hours after your last dose, and only with a responsible adult who takes you home. Do not drive, cycle, operate machinery or make important decisions for 24 hours, and not before you have had a night's sleep, even if you feel fine.

Your rights
Taking part is voluntary. You may ask questions at any time, decline a session, ask to stop the medicine during a session, or stop treatment altogether, without losing access to your other care at this clinic. You may withdraw this consent at any time by telling your care team or through the portal.

Alternatives
Other treatments include antidepressant and other medicines, talking therapies without ketamine, esketamine nasal spray, transcranial magnetic stimulation (TMS) and electroconvulsive therapy (ECT). We are glad to discuss them with you.

Emergencies
This clinic is not an emergency service. If you feel unwell after a session, call the clinic's number on your care plan. In an emergency, or if you have thoughts of harming yourself, call or text 988 (Suicide & Crisis Lifeline, US), call 911, or go to the nearest emergency department, and tell them you received ketamine.

By signing, you confirm that you have read this information, that your questions were answered, and that you agree to ketamine-assisted psychotherapy as described in your care plan.";

const IN_HOME_TITLE: &str = "Consent to ketamine sessions at home";

const IN_HOME_BODY: &str = "\
Your care team agreed that some of your medicine sessions can take place at your home. This document explains what that involves. It adds to the informed consent to ketamine-assisted psychotherapy, which still applies in full.

Who qualifies
In-home sessions are only for people whose assessment shows they are medically stable, who have done well in supervised sessions, and who have a safe, private place to take the medicine. The care team may decide at any time that sessions should return to the clinic.

Your session monitor
A responsible adult you have named, who has agreed to the role and received our guidance, must be with you for the whole session and until the effects have worn off. The monitor does not take any ketamine or alcohol that day, stays in the same room or within earshot, keeps you safe, and calls for help if needed. Sessions do not start if the monitor is not there.

Equipment and contact
You need a working blood-pressure cuff, which we show you how to use, and a phone or computer for a video call with your care team. You or your monitor take your blood pressure before the medicine and when we ask during the session. If it is above the limit we give you, the session does not start or the care team tells you what to do.

Check-ins
Your care team checks in with you and your monitor by video or phone at the start, about every 15 minutes during the session, and before the session ends. If a check-in is missed, we try to reach you and your monitor; if we cannot reach either of you within the time set in your plan, we follow the emergency plan, which may mean calling emergency services to your address.

Emergency plan
Before the first home session we agree and write down your address, how to reach your monitor, the nearest emergency department, and who calls whom. In an emergency your monitor calls 911 first and then the clinic.

Safety at home
Take the medicine only at the time agreed and only the dose prescribed. Keep any lozenges locked away from others and bring the remaining count to your next visit. Do not drive, cycle or make important decisions for 24 hours, and not before a night's sleep.

By signing, you confirm that you understand these conditions, that your session monitor has agreed to them, and that you consent to receive medicine sessions at home. You may withdraw this consent at any time and have your sessions at the clinic instead.";

const GROUP_TITLE: &str = "Group confidentiality agreement";

const GROUP_BODY: &str = "\
Group sessions work when everyone feels safe to speak openly. This agreement is a promise you make to the other members of your group, and they make the same promise to you.

What stays in the group
- I will not share the names, faces or any details that could identify other group members with anyone outside the group.
- I will not repeat what others say or do in the group, including during medicine sessions and integration sessions.
- I may talk about my own experience, but not about anyone else's.
- I will not record, photograph or film any part of a group session.

Outside the group
If I meet another member outside the group, I will not mention the group unless they raise it first. I will not contact other members about their treatment without their agreement.

Respect during sessions
I will respect other members' experiences, including when they are difficult, and follow the facilitators' guidance. I understand that the facilitators may pause the session or ask a member to step out if it is needed for everyone's safety.

What the clinic does
Your care team keeps records of your treatment confidential in the same way as for individual care. The facilitators cannot guarantee that every member keeps this agreement, so please think about what you choose to share. The law requires us to break confidentiality in a few situations, such as a serious risk of harm to you or someone else, or the abuse of a child or vulnerable adult.

If the agreement is broken
Tell a facilitator if you believe someone has broken this agreement. A member who breaks it may be asked to leave the group; their individual care continues.

By signing, you agree to keep the confidentiality of every member of your group, during the group and after it ends.";

const IV_TITLE: &str = "Authorisation to share information with the IV partner provider";

const IV_BODY: &str = "\
Your plan includes ketamine given by intravenous (IV) infusion. The infusions are given by our partner medical provider, a separate organisation whose clinicians place the IV line, give the medicine and monitor you. For them to do this safely, and for us to continue your therapy, the two teams need to share some of your health information. This authorisation lets us do so.

What we share with the partner provider
- Your name, date of birth and contact details, and your emergency contact.
- The relevant parts of your medical assessment: diagnoses, medicines and allergies, blood-pressure readings, and any condition that affects the safety of ketamine.
- The physician's eligibility decision and your prescription, including the dose range.
- Your care plan and the dates of your sessions, and any safety concern that arises during your treatment.

What the partner provider shares with us
Records of each infusion: the dose given, your vital signs, any side effects or problems, and how you were when you left.

Why
So that every infusion is given at the right dose, with full knowledge of your health, and so that your therapist and physician can follow how you respond and plan your care.

What we do not share
We do not share your therapy notes or what you say in therapy sessions, beyond what is needed for your safety. The partner provider may not use your information for any purpose other than your care.

How long this lasts and how to revoke it
This authorisation lasts until your IV treatment ends, or for one year, whichever comes first. You may revoke it at any time by telling your care team or through the portal. Revoking does not undo sharing that has already happened. Without this authorisation we cannot arrange IV sessions, but other routes, such as lozenges, may still be possible.

By signing, you authorise the clinic and the partner medical provider to exchange the information described above for your care.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_has_a_starter_text_within_the_limits() {
        for kind in ConsentKind::ALL {
            let (title, body) = starter(kind);
            assert!(!title.is_empty() && title.len() <= 200, "{kind}");
            assert!(!title.contains('\n'), "{kind}");
            assert!(body.len() > 1000, "{kind}: a few paragraphs");
            assert!(body.len() <= crate::clinic::CONSENT_BODY_MAX, "{kind}");
            assert_eq!(body, body.trim(), "{kind}: no surrounding blank space");
        }
    }

    #[test]
    fn the_informed_consent_names_the_risks_and_the_rules_clients_must_know() {
        let (_, body) = starter(ConsentKind::KapInformedConsent);
        for must in [
            "off-label",
            "blood pressure",
            "Nausea",
            "dissociation",
            "bladder",
            "misused",
            "24 hours",
            "night's sleep",
            "fasting",
            "stop treatment",
            "Alternatives",
            "988",
        ] {
            assert!(body.contains(must), "missing {must:?}");
        }
        let (_, release) = starter(ConsentKind::IvPartnerRelease);
        assert!(release.contains("revoke"));
    }
}
