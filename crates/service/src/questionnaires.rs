//! Questionnaires in the client's task list, answered in the portal (or entered by
//! a clinician on the client's behalf), scored by the domain's engine, and the
//! safety alerts they raise — at once, in the same transaction as the answers.

use jiff::Timestamp;
use threshold_domain::audit::AuditAction;
use threshold_domain::ids::{ClientId, JourneyId};
use threshold_domain::questionnaire::{
    Answers, BASELINE_SET, Instrument, InstrumentId, Scored, ScoringContext, score,
};
use threshold_domain::text::FreeText;
use threshold_domain::{Permission, Role};
use threshold_store::Conn;
use threshold_store::questionnaires::{AlertRow, NewResponse, ResponseRow, TaskRow};

use crate::Services;
use crate::audit::{Entry, write_in};
use crate::crypto::Binding;
use crate::error::{Error, Result};
use crate::mail::Outgoing;
use crate::principal::{Actor, Principal};

/// The kind of alert a safety flag raises.
pub const SUICIDE_RISK: &str = "suicide-risk";

fn answers_binding(id: &str) -> Binding<'_> {
    Binding {
        table: "questionnaire_responses",
        column: "answers_enc",
        row_id: id,
    }
}

fn action_binding(id: &str) -> Binding<'_> {
    Binding {
        table: "alerts",
        column: "action_enc",
        row_id: id,
    }
}

/// Creates the baseline questionnaires, due now, in the caller's transaction.
pub(crate) fn schedule_baseline_in(
    c: &mut dyn Conn,
    journey: JourneyId,
    now: Timestamp,
) -> threshold_store::Result<()> {
    for id in BASELINE_SET {
        threshold_store::questionnaires::insert_task(
            c,
            &uuid::Uuid::now_v7().to_string(),
            journey,
            id.as_str(),
            "baseline",
            now,
            now,
        )?;
    }
    Ok(())
}

/// A questionnaire as a task list shows it.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub instrument: InstrumentId,
    pub reason: String,
    pub due_at: Timestamp,
    pub done: bool,
}

fn task_view(t: &TaskRow) -> Option<Task> {
    Some(Task {
        id: t.id.clone(),
        instrument: t.instrument.parse().ok()?,
        reason: t.reason.clone(),
        due_at: t.due_at,
        done: !t.is_open(),
    })
}

/// Where the questionnaire belongs and who is answering it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub task: Task,
    pub instrument: &'static Instrument,
    pub client_id: ClientId,
    pub client_name: String,
    /// A clinician entering answers for the client.
    pub on_behalf: bool,
}

/// What the submission led to.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub scored: Scored,
    /// A safety alert was raised: show crisis resources now.
    pub alert: bool,
}

/// One result on the chart.
#[derive(Debug, Clone)]
pub struct Result_ {
    pub instrument: InstrumentId,
    pub submitted_at: Timestamp,
    pub total: Option<i64>,
    pub max: Option<u16>,
    pub band: Option<String>,
    pub flags: Vec<threshold_domain::questionnaire::Flag>,
    pub entered_by: Option<String>,
}

/// An alert as shown, with the recorded action decrypted for the care team.
#[derive(Debug, Clone)]
pub struct Alert {
    pub row: AlertRow,
    pub action: Option<String>,
    /// Nobody is on the client's care team yet.
    pub unassigned: bool,
}

impl Services {
    /// Loads a task and checks the principal may answer it: the client it belongs
    /// to, or a clinician or physician on the client's care team. Anyone else gets
    /// "not found".
    async fn task_for(
        &self,
        p: &Principal,
        task: &str,
    ) -> Result<(TaskRow, ClientId, String, bool)> {
        if task.len() > 64 {
            return Err(Error::NotFound);
        }
        let task = task.to_owned();
        let uid = p.user_id;
        let staff = p.can(Permission::ViewClinical);
        let client_role = p.can(Permission::ClientPortal);
        self.db
            .read(move |c| {
                let t =
                    threshold_store::questionnaires::get_task(c, &task)?.ok_or(Error::NotFound)?;
                let j = threshold_store::journeys::get(c, t.journey_id)?.ok_or(Error::NotFound)?;
                let cl = threshold_store::clients::get(c, j.client_id)?.ok_or(Error::NotFound)?;
                let own = client_role && cl.user_id == uid;
                let on_behalf =
                    !own && staff && threshold_store::journeys::is_member(c, j.id, uid)?;
                if !own && !on_behalf {
                    return Err(Error::NotFound);
                }
                Ok((t, cl.id, cl.name, on_behalf))
            })
            .await
    }

    /// Opens a questionnaire to answer.
    pub async fn open_questionnaire(&self, p: &Principal, task: &str) -> Result<Opened> {
        let (t, client_id, client_name, on_behalf) = self.task_for(p, task).await?;
        let view = task_view(&t)
            .ok_or_else(|| Error::Internal(format!("task {}: unknown instrument", t.id)))?;
        if view.done {
            return Err(Error::Conflict(
                "This questionnaire has already been answered.".into(),
            ));
        }
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::QuestionnaireOpened)
                .subject("questionnaire-task", &t.id)
                .client(Some(client_id)),
        )
        .await?;
        Ok(Opened {
            instrument: view.instrument.definition(),
            task: view,
            client_id,
            client_name,
            on_behalf,
        })
    }

    /// Scores and stores the answers. A safety flag raises an alert to the care
    /// team in the same transaction: when this returns, the alert exists.
    pub async fn submit_questionnaire(
        &self,
        p: &Principal,
        task: &str,
        raw: &[(String, String)],
    ) -> Result<Submitted> {
        let (t, client_id, _, on_behalf) = self.task_for(p, task).await?;
        let instrument: InstrumentId = t
            .instrument
            .parse()
            .map_err(|_| Error::Internal(format!("task {}: unknown instrument", t.id)))?;
        let def = instrument.definition();
        let answers = Answers::parse(def, raw)?;
        // AUDIT-C's cut-off depends on the sex recorded at intake.
        let sex = self
            .intake_of(t.journey_id)
            .await?
            .and_then(|(draft, _)| draft.sex)
            .unwrap_or_default();
        let scored = score(
            def,
            &answers,
            &ScoringContext {
                sex,
                ..ScoringContext::default()
            },
        )?;
        let response_id = uuid::Uuid::now_v7().to_string();
        let stored: Vec<String> = answers
            .iter()
            .map(|(item, value)| format!("{item}={value}"))
            .collect();
        let answers_enc = self
            .cipher
            .encrypt(&stored.join(","), answers_binding(&response_id));
        let flags: Vec<&str> = scored.flags.iter().map(|f| f.as_str()).collect();
        let subscales: Vec<String> = scored
            .subscales
            .iter()
            .map(|s| format!("{}={}/{}", s.key, s.score, s.max))
            .collect();
        let alert = scored.raises_safety_alert();
        let mail = self.mail_alert_template();
        let now = self.now();
        let p2 = p.clone();
        let scored2 = scored.clone();
        self.db
            .write(move |c| {
                let fresh =
                    threshold_store::questionnaires::get_task(c, &t.id)?.ok_or(Error::NotFound)?;
                if !fresh.is_open() {
                    return Err(Error::Conflict(
                        "This questionnaire has already been answered.".into(),
                    ));
                }
                threshold_store::questionnaires::insert_response(
                    c,
                    &NewResponse {
                        id: &response_id,
                        journey_id: t.journey_id,
                        task_id: Some(&t.id),
                        instrument: instrument.as_str(),
                        answers_enc: &answers_enc,
                        total: scored2.total.map(i64::from),
                        band: scored2.band.map(|b| b.key),
                        band_label: scored2.band.map(|b| b.label),
                        risk: scored2.risk.map(|r| r.as_str()),
                        flags: &flags.join(","),
                        subscales: &subscales.join(","),
                        entered_by: Some(p2.user_id),
                        on_behalf,
                        now,
                    },
                )?;
                threshold_store::questionnaires::complete_task(c, &t.id, &response_id)?;
                write_in(
                    c,
                    Actor::User(&p2),
                    Entry::ok(AuditAction::QuestionnaireSubmitted)
                        .subject("questionnaire-response", &response_id)
                        .client(Some(client_id))
                        .detail(if on_behalf {
                            "entered by staff"
                        } else {
                            "by the client"
                        }),
                    now,
                )?;
                if alert {
                    let alert_id = uuid::Uuid::now_v7().to_string();
                    threshold_store::questionnaires::insert_alert(
                        c,
                        &alert_id,
                        t.journey_id,
                        client_id,
                        SUICIDE_RISK,
                        Some(&response_id),
                        now,
                    )?;
                    let mut to =
                        threshold_store::questionnaires::care_team_emails(c, t.journey_id)?;
                    if to.is_empty() {
                        // No care team yet: every clinician and physician hears of it.
                        for role in [Role::Clinician, Role::Physician] {
                            for (id, _) in threshold_store::users::with_role(c, role)? {
                                if let Some(u) = threshold_store::users::get(c, id)?
                                    && !to.contains(&u.email)
                                {
                                    to.push(u.email);
                                }
                            }
                        }
                    }
                    for addr in to {
                        crate::mail::queue_in(
                            c,
                            &Outgoing {
                                to: addr,
                                ..mail.clone()
                            },
                            now,
                        )?;
                    }
                    write_in(
                        c,
                        Actor::User(&p2),
                        Entry::ok(AuditAction::AlertRaised)
                            .subject("alert", &alert_id)
                            .client(Some(client_id))
                            .detail(SUICIDE_RISK),
                        now,
                    )?;
                }
                Ok(())
            })
            .await?;
        if alert {
            self.mail_queued();
        }
        Ok(Submitted { scored, alert })
    }

    /// A safety-alert mail with no health information in it.
    fn mail_alert_template(&self) -> Outgoing {
        Outgoing {
            kind: "safety-alert",
            to: String::new(),
            subject: format!("{}: a client needs attention", self.settings.clinic_name),
            body: format!(
                "A client on your care team (or a client without a care team yet) needs attention now.\n\nSign in to see the alert and record what you did:\n\n{}\n\n— {}\n",
                self.link("/alerts"),
                self.settings.clinic_name
            ),
        }
    }

    /// The client's tasks, for the portal and the chart.
    pub(crate) async fn tasks_of(&self, journey: JourneyId) -> Result<Vec<Task>> {
        let rows = self
            .db
            .read(move |c| threshold_store::questionnaires::tasks(c, journey))
            .await?;
        Ok(rows.iter().filter_map(task_view).collect())
    }

    /// A journey's results (the chart; the caller has checked access).
    pub(crate) async fn results_of(&self, journey: JourneyId) -> Result<Vec<Result_>> {
        let rows: Vec<ResponseRow> = self
            .db
            .read(move |c| threshold_store::questionnaires::responses(c, journey))
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let instrument: InstrumentId = r.instrument.parse().ok()?;
                Some(Result_ {
                    instrument,
                    submitted_at: r.submitted_at,
                    total: r.total,
                    max: instrument.definition().total_range().map(|(_, max)| max),
                    band: r.band_label,
                    flags: r.flags.split(',').filter_map(|f| f.parse().ok()).collect(),
                    entered_by: r.on_behalf.then_some(r.entered_by_name).flatten(),
                })
            })
            .collect())
    }

    /// A journey's alerts with their recorded actions (care team only).
    pub(crate) async fn alerts_of(&self, journey: JourneyId) -> Result<Vec<Alert>> {
        let rows = self
            .db
            .read(move |c| threshold_store::questionnaires::alerts_for_journey(c, journey))
            .await?;
        rows.into_iter()
            .map(|r| self.alert_view(r, false))
            .collect()
    }

    fn alert_view(&self, row: AlertRow, unassigned: bool) -> Result<Alert> {
        let action = match &row.action_enc {
            Some(a) => Some(
                self.cipher
                    .decrypt(a, action_binding(&row.id))
                    .map_err(|e| Error::Internal(format!("alert {}: {e}", row.id)))?,
            ),
            None => None,
        };
        Ok(Alert {
            row,
            action,
            unassigned,
        })
    }

    /// Open alerts for a clinician or physician: those of clients on their care
    /// teams, and those of clients who have no care team yet.
    pub async fn my_alerts(&self, p: &Principal) -> Result<Vec<Alert>> {
        self.require(p, Permission::ViewClinical).await?;
        let uid = p.user_id;
        let rows = self
            .db
            .read(move |c| {
                let mut rows: Vec<(AlertRow, bool)> =
                    threshold_store::questionnaires::open_alerts_for_member(c, uid)?
                        .into_iter()
                        .map(|r| (r, false))
                        .collect();
                for r in threshold_store::questionnaires::open_unassigned_alerts(c)? {
                    rows.push((r, true));
                }
                Ok::<_, threshold_store::StoreError>(rows)
            })
            .await?;
        let alerts = rows
            .into_iter()
            .map(|(r, u)| self.alert_view(r, u))
            .collect::<Result<Vec<_>>>()?;
        self.audit(
            Actor::User(p),
            Entry::ok(AuditAction::AlertsViewed)
                .subjects("alert", alerts.iter().map(|a| a.row.id.clone())),
        )
        .await?;
        Ok(alerts)
    }

    /// Records what was done about an alert. Care team members (or any clinician
    /// or physician while the client has no care team).
    pub async fn acknowledge_alert(&self, p: &Principal, alert: &str, action: &str) -> Result<()> {
        self.require(p, Permission::ViewClinical).await?;
        let action = FreeText::parse("action", "what you did", action, 2000)?;
        if alert.len() > 64 {
            return Err(Error::NotFound);
        }
        let alert = alert.to_owned();
        let enc = self.cipher.encrypt(action.as_str(), action_binding(&alert));
        let now = self.now();
        let p = p.clone();
        self.db
            .write(move |c| {
                let a = threshold_store::questionnaires::get_alert(c, &alert)?
                    .ok_or(Error::NotFound)?;
                let member = threshold_store::journeys::is_member(c, a.journey_id, p.user_id)?;
                let team = threshold_store::journeys::care_team(c, a.journey_id)?;
                if !member && !team.is_empty() {
                    return Err(Error::NotFound);
                }
                if !threshold_store::questionnaires::acknowledge_alert(
                    c, &alert, p.user_id, &enc, now,
                )? {
                    return Err(Error::Conflict(
                        "This alert was already acknowledged.".into(),
                    ));
                }
                write_in(
                    c,
                    Actor::User(&p),
                    Entry::ok(AuditAction::AlertAcknowledged)
                        .subject("alert", &alert)
                        .client(Some(a.client_id)),
                    now,
                )?;
                Ok(())
            })
            .await
    }
}
