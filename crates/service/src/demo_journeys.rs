//! Demo clients at every stage of the care journey, driven through the same use
//! cases people use (intake, questionnaires, assessment, review, plan,
//! prescription, consents), so the demo shows what the real flow records.

use threshold_domain::careplan::{AssessmentForm, DecisionForm, PlanForm, PrescriptionForm};
use threshold_domain::clinical::{HistoryItem, Sex};
use threshold_domain::ids::{ClientId, UserId};
use threshold_domain::inquiry::InquiryForm;
use threshold_domain::intake::IntakeDraft;
use threshold_domain::journey::{ConsentKind, Stage};
use threshold_domain::{Role, RoleSet};

use crate::Services;
use crate::clinic::PartnerForm;
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal, RequestMeta, Via};

/// How far a demo client goes, and how.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Goal {
    Assessment,
    Review,
    /// Eligible with a relative contraindication overridden, plan made, consents
    /// still to sign.
    OverrideAtConsents,
    /// Everything done: preparation, ready for medicine sessions.
    Ready,
    /// Ready, with a plan for group sessions (and the group confidentiality
    /// agreement signed).
    ReadyGroup,
    Deferred,
    ReferredOut,
}

fn meta() -> RequestMeta {
    RequestMeta {
        request_id: "demo-seed".into(),
        ..RequestMeta::default()
    }
}

fn acting(user: UserId, role: Role, name: &str, now: jiff::Timestamp) -> Principal {
    Principal {
        user_id: user,
        email: String::new(),
        name: name.into(),
        roles: RoleSet::of(&[role]),
        // A session that has just re-authenticated: decisions and prescriptions
        // need one, and the seeding stands in for the demo physician at the keyboard.
        via: Via::Session {
            id_hash: "demo-seed".into(),
            reauth_at: Some(now),
        },
        meta: meta(),
    }
}

/// The people who seed the journeys.
pub(crate) struct Cast {
    pub coordinator: Principal,
    pub administrator: Principal,
    pub clinician: (UserId, String),
    pub physician: (UserId, String),
}

impl Services {
    /// Settings, a partner organisation, the consent documents and the
    /// physician's licence details, then one client at each stage.
    pub(crate) async fn seed_demo_journeys(&self, cast: &Cast) -> Result<()> {
        let admin = &cast.administrator;
        let (v, settings, _) = self.clinic_settings(admin).await?;
        if v == 0 {
            self.save_clinic_settings(admin, settings).await?;
        }
        let partner = self
            .save_partner(
                admin,
                None,
                &PartnerForm {
                    name: "Cascade Infusion Partners".into(),
                    phone: "+1 503 555 0190".into(),
                    email: "scheduling@cascade-infusion.example".into(),
                    notes: "Nurse anaesthetists for IV sessions, Tuesdays and Thursdays.".into(),
                    active: true,
                },
            )
            .await?;
        // The demo's medical partner is one of the organisation's people.
        if let Some(u) = self
            .db
            .read(|c| threshold_store::users::find_by_email(c, "partner@demo.threshold.test"))
            .await?
        {
            self.set_partner_person(admin, u.id, &partner).await?;
        }
        for kind in ConsentKind::ALL {
            let (title, body) = crate::consent_texts::starter(kind);
            self.publish_consent(admin, kind.as_str(), title, body)
                .await?;
        }
        self.set_prescriber_details(admin, cast.physician.0, "OR MD-204518", "NPI 1093817465")
            .await?;

        let people = [
            ("Jordan Lee", "jordan.lee@example.org", Goal::Assessment),
            ("Priya Nair", "priya.nair@example.org", Goal::Review),
            (
                "Morgan Ellis",
                "morgan.ellis@example.org",
                Goal::OverrideAtConsents,
            ),
            ("Chris Park", "chris.park@example.org", Goal::Ready),
            ("Eli Brooks", "eli.brooks@example.org", Goal::Deferred),
            ("Noa Silva", "noa.silva@example.org", Goal::ReadyGroup),
            ("Kai Thompson", "kai.thompson@example.org", Goal::ReadyGroup),
            ("Sky Morales", "sky.morales@example.org", Goal::ReadyGroup),
            ("Lee Moreau", "lee.moreau@example.org", Goal::ReadyGroup),
            (
                "Dana Whitfield",
                "dana.whitfield@example.org",
                Goal::ReferredOut,
            ),
        ];
        let mut ready = None;
        let mut group = Vec::new();
        for (name, email, goal) in people {
            let client = self.seed_one(cast, name, email, goal).await?;
            if goal == Goal::Ready {
                ready = Some(client);
            }
            if goal == Goal::ReadyGroup {
                group.push(client);
            }
        }
        match ready {
            Some(client) => self.seed_schedule(cast, client, &group).await,
            None => Ok(()),
        }
    }

    /// Weekday hours for the clinician, physician and partner, and Chris Park's
    /// first medicine session booked through the slot finder.
    async fn seed_schedule(&self, cast: &Cast, chris: ClientId, group: &[ClientId]) -> Result<()> {
        let coord = &cast.coordinator;
        let location = self
            .db
            .read(threshold_store::locations::list)
            .await?
            .into_iter()
            .next()
            .ok_or(Error::NotFound)?
            .id
            .to_string();
        let partner = self
            .partners(coord, false)
            .await?
            .into_iter()
            .next()
            .map(|p| p.id);
        let mut staff = vec![cast.physician.0];
        for (id, _) in self
            .db
            .read(|c| threshold_store::users::with_role(c, Role::Clinician))
            .await?
        {
            staff.push(id);
        }
        for day in ["monday", "tuesday", "wednesday", "thursday", "friday"] {
            for id in &staff {
                self.add_availability(
                    coord,
                    &rule("user", &id.to_string(), &location, day, "09:00", "17:00"),
                )
                .await?;
            }
            if let Some(pid) = &partner
                && matches!(day, "tuesday" | "thursday")
            {
                self.add_availability(
                    coord,
                    &rule("partner", pid, &location, day, "08:00", "16:00"),
                )
                .await?;
            }
        }

        let offers = self
            .find_times(
                coord,
                &crate::schedule::SlotSearch {
                    kind: "medicine-session".into(),
                    location: location.clone(),
                    client: chris.to_string(),
                    from: self
                        .today()
                        .await
                        .saturating_add(jiff::Span::new().days(2))
                        .to_string(),
                    days: "14".into(),
                    limit: "1".into(),
                    video: false,
                    inquiry: String::new(),
                    route: String::new(),
                },
            )
            .await?;
        if let Some(o) = offers.into_iter().next() {
            self.book(
                coord,
                &crate::schedule::BookingForm {
                    kind: "medicine-session".into(),
                    location: location.clone(),
                    client: chris.to_string(),
                    start: o.slot.start.to_string(),
                    clinicians: o.slot.clinicians.clone(),
                    room: o.slot.room.clone().unwrap_or_default(),
                    partner: o.slot.partner.clone().unwrap_or_default(),
                    video: false,
                    ..Default::default()
                },
            )
            .await?;
        }
        self.seed_groups(coord, &location, chris, group).await
    }

    /// A group medicine session next week with the group-ready clients on its
    /// roster, and a weekly integration circle Chris Park is enrolled in.
    async fn seed_groups(
        &self,
        coord: &Principal,
        location: &str,
        chris: ClientId,
        group: &[ClientId],
    ) -> Result<()> {
        let from = self
            .today()
            .await
            .saturating_add(jiff::Span::new().days(7))
            .to_string();
        for (kind, name) in [
            ("group-medicine-session", ""),
            ("integration-circle", "Weekly integration circle"),
        ] {
            let offer = self
                .find_times(
                    coord,
                    &crate::schedule::SlotSearch {
                        kind: kind.into(),
                        location: location.into(),
                        from: from.clone(),
                        days: "14".into(),
                        limit: "1".into(),
                        ..Default::default()
                    },
                )
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| Error::Internal(format!("demo: no time for {kind}")))?;
            let id = self
                .book(
                    coord,
                    &crate::schedule::BookingForm {
                        kind: kind.into(),
                        location: location.into(),
                        start: offer.slot.start.to_string(),
                        clinicians: offer.slot.clinicians.clone(),
                        room: offer.slot.room.clone().unwrap_or_default(),
                        name: name.into(),
                        weeks: if name.is_empty() {
                            String::new()
                        } else {
                            "6".into()
                        },
                        ..Default::default()
                    },
                )
                .await?;
            if kind == "group-medicine-session" {
                for member in group {
                    self.add_member(coord, &id, &member.to_string()).await?;
                }
            } else {
                let series = self
                    .db
                    .read(move |c| threshold_store::schedule::appointment(c, &id))
                    .await?
                    .and_then(|a| a.series_id)
                    .ok_or_else(|| Error::Internal("demo: circle series".into()))?;
                self.enroll(coord, &series, &chris.to_string()).await?;
            }
        }
        Ok(())
    }

    async fn seed_one(&self, cast: &Cast, name: &str, email: &str, goal: Goal) -> Result<ClientId> {
        let coord = &cast.coordinator;
        let inquiry = self
            .submit_inquiry(
                Actor::System,
                &InquiryForm {
                    name: name.into(),
                    email: email.into(),
                    phone: "+1 503 555 0120".into(),
                    preferred_contact: "email".into(),
                    reason: "Depression that has not lifted with two antidepressants.".into(),
                    heard_from: "My psychiatrist".into(),
                    consent_to_contact: true,
                },
            )
            .await?;
        let today = self.today().await;
        let client = self
            .convert_inquiry(
                coord,
                inquiry,
                &crate::journeys::ConsultationForm {
                    on: today.to_string(),
                    by: String::new(),
                    outcome: "Consultation by phone; a good candidate for an intake.".into(),
                },
            )
            .await?;
        for (user, role) in [
            (cast.clinician.0, Role::Clinician),
            (cast.physician.0, Role::Physician),
        ] {
            self.add_care_team_member(coord, client, &user.to_string(), role.as_str())
                .await?;
        }
        let me = self.client_principal(client, name).await?;
        let mut yes = Vec::new();
        if goal == Goal::OverrideAtConsents {
            yes.push(HistoryItem::SignificantLiverDisease);
        }
        self.save_my_intake(&me, intake(name, &yes), true).await?;
        for task in self.tasks_for_client(client).await? {
            let answers: Vec<(String, String)> = match task.1.as_str() {
                "phq-9" => items(9, "1"),
                "gad-7" => items(7, "1"),
                "pcl-5" => items(20, "1"),
                "c-ssrs-screener" => vec![
                    ("item-1".into(), "0".into()),
                    ("item-2".into(), "0".into()),
                    ("item-6".into(), "0".into()),
                ],
                "audit-c" => items(3, "0"),
                "dast-10" => items(10, "0"),
                _ => continue,
            };
            self.submit_questionnaire(&me, &task.0, &answers).await?;
        }
        let now = self.now();
        let clin = acting(cast.clinician.0, Role::Clinician, &cast.clinician.1, now);
        let phys = acting(cast.physician.0, Role::Physician, &cast.physician.1, now);
        let bp = if goal == Goal::ReferredOut {
            ("174", "106")
        } else {
            ("126", "80")
        };
        for _ in 0..2 {
            self.record_assessment(
                &clin,
                client,
                &AssessmentForm {
                    kind: "vitals".into(),
                    systolic: bp.0.into(),
                    diastolic: bp.1.into(),
                    heart_rate: "72".into(),
                    ..Default::default()
                },
            )
            .await?;
        }
        if goal == Goal::Assessment {
            return Ok(client);
        }
        self.record_assessment(
            &clin,
            client,
            &AssessmentForm {
                kind: "clinician".into(),
                readiness: "ready".into(),
                findings: "Clear goals for the work; steady partner and a weekly therapist; \
                           no current crisis."
                    .into(),
                ..Default::default()
            },
        )
        .await?;
        self.record_assessment(
            &phys,
            client,
            &AssessmentForm {
                kind: "physician".into(),
                findings: "Examined; history reviewed with the client.".into(),
                ..Default::default()
            },
        )
        .await?;
        self.request_review(&clin, client).await?;
        let form = match goal {
            Goal::Assessment | Goal::Review => return Ok(client),
            Goal::Deferred => DecisionForm {
                decision: "deferred".into(),
                revisit_on: today.saturating_add(jiff::Span::new().days(90)).to_string(),
                supports: "Continue weekly therapy; we will meet again in three months to \
                           look at starting."
                    .into(),
                ..Default::default()
            },
            Goal::ReferredOut => DecisionForm {
                decision: "referred-out".into(),
                referral_reason: "Your blood pressure was high at both readings; it needs \
                                  treatment before ketamine can be safe."
                    .into(),
                referral_resources: "Your primary care provider; the hypertension clinic at \
                                     OHSU (+1 503 555 0177)."
                    .into(),
                ..Default::default()
            },
            Goal::OverrideAtConsents => DecisionForm {
                decision: "eligible".into(),
                overrides: vec![(
                    "relative.liver-disease".into(),
                    "Liver function tests in October were normal; hepatology agrees the \
                     history is resolved. Recheck at maintenance."
                        .into(),
                )],
                ..Default::default()
            },
            Goal::Ready | Goal::ReadyGroup => DecisionForm {
                decision: "eligible".into(),
                ..Default::default()
            },
        };
        self.decide(&phys, client, &form, "").await?;
        if !matches!(
            goal,
            Goal::OverrideAtConsents | Goal::Ready | Goal::ReadyGroup
        ) {
            return Ok(client);
        }
        self.save_plan(
            &clin,
            client,
            &PlanForm {
                location: "in-office".into(),
                route: "lozenge".into(),
                format: if goal == Goal::ReadyGroup {
                    "group".into()
                } else {
                    "individual".into()
                },
                sessions: "6".into(),
                support_name: "Sasha Park".into(),
                support_phone: "+1 503 555 0131".into(),
                ..Default::default()
            },
        )
        .await?;
        if goal == Goal::OverrideAtConsents {
            return Ok(client);
        }
        self.sign_prescription(
            &phys,
            client,
            &PrescriptionForm {
                dose_min: "150".into(),
                dose_max: "300".into(),
                booster_allowed: true,
                booster_max: "100".into(),
                quantity: "6".into(),
                expires_on: today.saturating_add(jiff::Span::new().days(90)).to_string(),
                range_reason: String::new(),
            },
            "",
        )
        .await?;
        let required: Vec<ConsentKind> = self
            .my_care(&me)
            .await?
            .consents
            .iter()
            .filter(|c| c.required && !c.counts)
            .map(|c| c.kind)
            .collect();
        for kind in required {
            let page = self.my_consent(&me, kind.as_str()).await?;
            self.sign_consent(
                &me,
                kind.as_str(),
                &page.document.version.to_string(),
                name,
                true,
            )
            .await?;
        }
        let stage = self.client_stage(client).await?;
        if stage != Some(Stage::Preparation) {
            return Err(Error::Internal(format!(
                "demo: {name} should be in preparation, is at {stage:?}"
            )));
        }
        Ok(client)
    }

    async fn client_principal(&self, client: ClientId, name: &str) -> Result<Principal> {
        let row = self
            .db
            .read(move |c| threshold_store::clients::get(c, client))
            .await?
            .ok_or(Error::NotFound)?;
        Ok(Principal {
            user_id: row.user_id,
            email: row.email,
            name: name.into(),
            roles: RoleSet::of(&[Role::Client]),
            via: Via::Token {
                id: threshold_domain::ids::TokenId::new(),
            },
            meta: meta(),
        })
    }

    /// The client's open questionnaire tasks: (task id, instrument id).
    async fn tasks_for_client(&self, client: ClientId) -> Result<Vec<(String, String)>> {
        self.db
            .read(move |c| {
                let j = threshold_store::journeys::current_for_client(c, client)?
                    .ok_or(Error::NotFound)?;
                Ok::<_, Error>(
                    threshold_store::questionnaires::tasks(c, j.id)?
                        .into_iter()
                        .map(|t| (t.id, t.instrument))
                        .collect(),
                )
            })
            .await
    }

    async fn client_stage(&self, client: ClientId) -> Result<Option<Stage>> {
        Ok(self
            .db
            .read(move |c| threshold_store::journeys::current_for_client(c, client))
            .await?
            .and_then(|j| j.stage.parse().ok()))
    }
}

fn rule(
    kind: &str,
    id: &str,
    location: &str,
    day: &str,
    start: &str,
    end: &str,
) -> crate::schedule::RuleForm {
    crate::schedule::RuleForm {
        owner_kind: kind.into(),
        owner_id: id.into(),
        location: location.into(),
        weekday: day.into(),
        start: start.into(),
        end: end.into(),
    }
}

fn items(n: u8, v: &str) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| (format!("item-{i}"), v.to_owned()))
        .collect()
}

fn intake(name: &str, yes: &[HistoryItem]) -> IntakeDraft {
    IntakeDraft {
        legal_name: name.into(),
        date_of_birth: "1986-04-12".into(),
        sex: Some(Sex::Female),
        emergency_contact_name: "Sasha Park".into(),
        emergency_contact_phone: "+1 503 555 0131".into(),
        support_ride_home_name: "Sasha Park".into(),
        support_ride_home_phone: "+1 503 555 0131".into(),
        goals: "To feel like myself again and be present with my family.".into(),
        what_brings_you: "Years of depression that medication has not lifted.".into(),
        no_medications: true,
        weight_kg: "68".into(),
        height_cm: "170".into(),
        history: HistoryItem::ALL
            .iter()
            .map(|h| {
                let v = if yes.contains(h) { "yes" } else { "no" };
                (h.as_str().to_owned(), v.to_owned())
            })
            .collect(),
        ..IntakeDraft::default()
    }
}
