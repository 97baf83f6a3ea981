//! The client's chart: their journey, its timeline and care team, and the client
//! directory. Clinical content is shown only to the client's care team;
//! coordinators see contact data and where the journey stands.

use jiff::Timestamp;
use threshold_domain::audit::AuditAction;
use threshold_domain::ids::{ClientId, JourneyId, UserId};
use threshold_domain::journey::Stage;
use threshold_domain::text::FreeText;
use threshold_domain::{Invalid, Permission, Role};
use threshold_store::Conn;
use threshold_store::clients::ClientRow;
use threshold_store::journeys::{ClientListItem, Member, NewJourney};

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::crypto::Binding;
use crate::error::{Error, Result};
use crate::principal::{Actor, Principal};

/// The consultation held before conversion, as a coordinator enters it.
#[derive(Debug, Clone, Default)]
pub struct ConsultationForm {
    /// `YYYY-MM-DD`; empty means today.
    pub on: String,
    /// The staff member who held it (a user id); empty means the person converting.
    pub by: String,
    pub outcome: String,
}

/// A valid consultation record.
#[derive(Debug, Clone)]
pub struct Consultation {
    pub on: jiff::civil::Date,
    pub by: UserId,
    pub outcome: FreeText,
}

impl ConsultationForm {
    /// Parses the fields; `today` bounds the date (a consultation cannot be in the
    /// future) and `actor` fills an empty "held by".
    pub fn parse(&self, today: jiff::civil::Date, actor: UserId) -> Result<Consultation, Invalid> {
        let mut e = Invalid::new();
        // An empty date means today (the form offers today's date).
        let raw_on = match self.on.trim() {
            "" => today.to_string(),
            s => s.to_owned(),
        };
        let on = match raw_on.parse::<jiff::civil::Date>() {
            Ok(d) if d > today => {
                e.push(
                    "consultation_on",
                    "The consultation cannot be in the future.",
                );
                None
            }
            Ok(d) if d < today.saturating_sub(jiff::Span::new().years(1)) => {
                e.push(
                    "consultation_on",
                    "Enter the date of the consultation, within the last year.",
                );
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                e.push(
                    "consultation_on",
                    "Enter the date of the consultation, for example 2026-11-25.",
                );
                None
            }
        };
        let by = match self.by.trim() {
            "" => Some(actor),
            s => match s.parse::<UserId>() {
                Ok(u) => Some(u),
                Err(_) => {
                    e.push("consultation_by", "Choose who held the consultation.");
                    None
                }
            },
        };
        let outcome = e.check(FreeText::parse(
            "consultation_outcome",
            "the outcome of the consultation",
            &self.outcome,
            2000,
        ));
        match (on, by, outcome) {
            (Some(on), Some(by), Some(outcome)) if e.is_empty() => {
                Ok(Consultation { on, by, outcome })
            }
            _ => Err(e),
        }
    }
}

pub(crate) fn outcome_binding(journey: &str) -> Binding<'_> {
    Binding {
        table: "journeys",
        column: "consultation_outcome_enc",
        row_id: journey,
    }
}

pub(crate) fn reason_binding(transition: &str) -> Binding<'_> {
    Binding {
        table: "journey_transitions",
        column: "reason_enc",
        row_id: transition,
    }
}

/// Opens the client's first journey at intake, with the consultation as its
/// first entry. Runs inside the conversion's transaction.
pub(crate) fn open_journey_in(
    svc: &Services,
    c: &mut dyn Conn,
    p: &Principal,
    client: ClientId,
    consultation: &Consultation,
    now: Timestamp,
) -> Result<JourneyId> {
    let held_by = threshold_store::users::get(c, consultation.by)?
        .filter(|u| u.active && u.is_staff)
        .ok_or_else(|| {
            Invalid::field(
                "consultation_by",
                "Choose an active staff member who held the consultation.",
            )
        })?;
    let id = JourneyId::new();
    let id_text = id.to_string();
    let outcome_enc = svc
        .cipher
        .encrypt(consultation.outcome.as_str(), outcome_binding(&id_text));
    let on = consultation.on.to_string();
    threshold_store::journeys::insert(
        c,
        &NewJourney {
            id,
            client_id: client,
            stage: Stage::Intake.as_str(),
            consultation_on: &on,
            consultation_by: held_by.id,
            consultation_outcome_enc: &outcome_enc,
            now,
        },
    )?;
    let t = uuid::Uuid::now_v7().to_string();
    threshold_store::journeys::record_transition(
        c,
        &t,
        id,
        None,
        Stage::Intake.as_str(),
        Some(p.user_id),
        None,
        false,
        now,
    )?;
    crate::questionnaires::schedule_baseline_in(c, id, now)?;
    write_in(
        c,
        Actor::User(p),
        Entry::ok(AuditAction::JourneyOpened)
            .subject("journey", id)
            .client(Some(client)),
        now,
    )?;
    Ok(id)
}

/// One step of the timeline as shown.
#[derive(Debug, Clone)]
pub struct TimelineStep {
    pub at: Timestamp,
    pub from: Option<Stage>,
    pub to: Stage,
    pub by: Option<String>,
    /// Only for the care team.
    pub reason: Option<String>,
}

/// What a chart shows.
#[derive(Debug, Clone)]
pub struct Chart {
    pub client: ClientRow,
    pub journey: Option<ChartJourney>,
    /// Whether the viewer is on the care team (and so sees clinical content).
    pub clinical: bool,
    /// Care team only: questionnaire results (newest first), alerts and tasks.
    pub results: Vec<crate::questionnaires::Result_>,
    /// Care team only: the intake form and whether it was submitted.
    pub intake: Option<(threshold_domain::intake::IntakeDraft, bool)>,
    pub alerts: Vec<crate::questionnaires::Alert>,
    pub tasks: Vec<crate::questionnaires::Task>,
    /// Care team only: assessment, decisions, plan, prescription, consents and
    /// readiness.
    pub care: Option<crate::careplan::CarePlan>,
}

#[derive(Debug, Clone)]
pub struct ChartJourney {
    pub id: JourneyId,
    pub stage: Stage,
    pub opened_at: Timestamp,
    pub consultation_on: String,
    pub consultation_by: Option<String>,
    /// Only for the care team.
    pub consultation_outcome: Option<String>,
    pub timeline: Vec<TimelineStep>,
    pub care_team: Vec<Member>,
}

fn sees_all_clients(p: &Principal) -> bool {
    p.roles.contains(Role::Coordinator) || p.roles.contains(Role::Administrator)
}

impl Services {
    /// The clients this person may see: everyone for coordinators and
    /// administrators; the clients on one's care teams for clinicians and
    /// physicians. The read is recorded.
    pub async fn client_directory(&self, p: &Principal) -> Result<Vec<ClientListItem>> {
        self.require(p, Permission::ViewClients).await?;
        let member = (!sees_all_clients(p)).then_some(p.user_id);
        let list = self
            .db
            .read(move |c| threshold_store::journeys::client_list(c, member, 500))
            .await?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::ClientListed)
                .subjects("client", list.iter().map(|l| l.client_id)),
        )
        .await?;
        Ok(list)
    }

    /// A client's chart. Someone who may not see this client gets "not found".
    pub async fn client_chart(&self, p: &Principal, client: ClientId) -> Result<Chart> {
        self.require(p, Permission::ViewClients).await?;
        let uid = p.user_id;
        let all = sees_all_clients(p);
        let (row, journey, timeline, team, member) = self
            .db
            .read(move |c| {
                let row = threshold_store::clients::get(c, client)?.ok_or(Error::NotFound)?;
                let journey = threshold_store::journeys::current_for_client(c, client)?;
                let (timeline, team, member) = match &journey {
                    Some(j) => (
                        threshold_store::journeys::transitions(c, j.id)?,
                        threshold_store::journeys::care_team(c, j.id)?,
                        threshold_store::journeys::is_member(c, j.id, uid)?,
                    ),
                    None => (Vec::new(), Vec::new(), false),
                };
                Ok::<_, Error>((row, journey, timeline, team, member))
            })
            .await?;
        if !all && !member {
            // Someone not on the care team asked for this chart: recorded, and
            // answered as if the client did not exist.
            self.audit(
                Actor::User(p),
                Entry::denied(AuditAction::ClientViewed)
                    .subject("client", client)
                    .client(Some(client)),
            )
            .await?;
            return Err(Error::NotFound);
        }
        let clinical = member && p.can(Permission::ViewClinical);
        let journey = match journey {
            Some(j) => {
                let id_text = j.id.to_string();
                let outcome = if clinical {
                    Some(
                        self.cipher
                            .decrypt(&j.consultation_outcome_enc, outcome_binding(&id_text))
                            .map_err(|e| Error::Internal(format!("journey {id_text}: {e}")))?,
                    )
                } else {
                    None
                };
                let steps = timeline
                    .into_iter()
                    .map(|t| {
                        let reason = match (&t.reason_enc, clinical) {
                            (Some(r), true) => {
                                Some(self.cipher.decrypt(r, reason_binding(&t.id)).map_err(
                                    |e| Error::Internal(format!("transition {}: {e}", t.id)),
                                )?)
                            }
                            _ => None,
                        };
                        Ok(TimelineStep {
                            at: t.at,
                            from: t.from_stage.and_then(|s| s.parse().ok()),
                            to: t
                                .to_stage
                                .parse()
                                .map_err(|_| Error::Internal("unknown stage".into()))?,
                            by: t.by_name,
                            reason,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Some(ChartJourney {
                    id: j.id,
                    stage: j
                        .stage
                        .parse()
                        .map_err(|_| Error::Internal("unknown stage".into()))?,
                    opened_at: j.opened_at,
                    consultation_on: j.consultation_on,
                    consultation_by: j.consultation_by_name,
                    consultation_outcome: outcome,
                    timeline: steps,
                    care_team: team,
                })
            }
            None => None,
        };
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::ClientViewed)
                .subject("client", client)
                .client(Some(client))
                .detail(if clinical { "clinical" } else { "contact" }),
        )
        .await?;
        let (results, alerts, tasks, intake, care) = match (&journey, clinical) {
            (Some(j), true) => (
                self.results_of(j.id).await?,
                self.alerts_of(j.id).await?,
                self.tasks_of(j.id).await?,
                self.intake_of(j.id).await?,
                Some(self.care_plan_of(j.id).await?),
            ),
            _ => (Vec::new(), Vec::new(), Vec::new(), None, None),
        };
        Ok(Chart {
            client: row,
            journey,
            clinical,
            results,
            alerts,
            tasks,
            intake,
            care,
        })
    }

    /// Staff who can be put on care teams, by role.
    pub async fn care_team_candidates(&self) -> Result<Vec<(UserId, String, Role)>> {
        Ok(self
            .db
            .read(|c| {
                let mut out = Vec::new();
                for role in [Role::Clinician, Role::Physician] {
                    for (id, name) in threshold_store::users::with_role(c, role)? {
                        out.push((id, name, role));
                    }
                }
                Ok::<_, threshold_store::StoreError>(out)
            })
            .await?)
    }

    /// Adds a clinician or physician to the client's current care team.
    pub async fn add_care_team_member(
        &self,
        p: &Principal,
        client: ClientId,
        user: &str,
        role: &str,
    ) -> Result<()> {
        self.change_care_team(p, client, user, role, true).await
    }

    pub async fn remove_care_team_member(
        &self,
        p: &Principal,
        client: ClientId,
        user: &str,
        role: &str,
    ) -> Result<()> {
        self.change_care_team(p, client, user, role, false).await
    }

    async fn change_care_team(
        &self,
        p: &Principal,
        client: ClientId,
        user: &str,
        role: &str,
        add: bool,
    ) -> Result<()> {
        self.require(p, Permission::ManageCareTeam).await?;
        let mut e = Invalid::new();
        let role = match role.parse::<Role>() {
            Ok(r @ (Role::Clinician | Role::Physician)) => Some(r),
            _ => {
                e.push("role", "Choose clinician or physician.");
                None
            }
        };
        let user = match user.parse::<UserId>() {
            Ok(u) => Some(u),
            Err(_) => {
                e.push("user", "Choose a clinician or physician.");
                None
            }
        };
        let (Some(role), Some(user)) = (role, user) else {
            return Err(e.into());
        };
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                threshold_store::clients::get(c, client)?.ok_or(Error::NotFound)?;
                let journey = threshold_store::journeys::current_for_client(c, client)?
                    .ok_or(Error::NotFound)?;
                if add {
                    let ok = threshold_store::users::get(c, user)?
                        .is_some_and(|u| u.active && u.roles.contains(role));
                    if !ok {
                        return Err(Invalid::field(
                            "user",
                            format!("Choose an active {}.", role.label().to_lowercase()),
                        )
                        .into());
                    }
                    threshold_store::journeys::add_member(
                        c,
                        journey.id,
                        user,
                        role.as_str(),
                        Some(p.user_id),
                        now,
                    )?;
                } else if threshold_store::journeys::remove_member(
                    c,
                    journey.id,
                    user,
                    role.as_str(),
                )? == 0
                {
                    return Err(Error::NotFound);
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::CareTeamChanged)
                        .subject("journey", journey.id)
                        .client(Some(client))
                        .detail(format!(
                            "{} {} user {user}",
                            if add { "added" } else { "removed" },
                            role.as_str()
                        )),
                    now,
                )?;
                Ok(())
            })
            .await
    }
}
