-- Questionnaires due and answered, and the safety alerts they raise.

create table questionnaire_tasks (
    id text primary key,
    journey_id text not null references journeys (id),
    instrument text not null,
    -- Why it is due: 'baseline', 'pre-session', 'follow-up'.
    reason text not null,
    due_at bigint not null,
    created_at bigint not null,
    response_id text,
    cancelled_at bigint
);
create index questionnaire_tasks_journey on questionnaire_tasks (journey_id, due_at, id);

create table questionnaire_responses (
    id text primary key,
    journey_id text not null references journeys (id),
    task_id text references questionnaire_tasks (id),
    instrument text not null,
    -- The answers, encrypted; the result below is what charts and rules read.
    answers_enc text not null,
    total bigint,
    band text,
    band_label text,
    risk text,
    -- Flag names, comma-separated.
    flags text not null,
    -- Subscale scores as "key=score/max" pairs, comma-separated.
    subscales text not null,
    entered_by text references users (id),
    on_behalf boolean not null,
    submitted_at bigint not null
);
create index questionnaire_responses_journey on questionnaire_responses (journey_id, submitted_at, id);

create table alerts (
    id text primary key,
    journey_id text not null references journeys (id),
    client_id text not null references clients (id),
    kind text not null,
    -- What raised it, without health detail in clear: the response it came from.
    response_id text references questionnaire_responses (id),
    raised_at bigint not null,
    acknowledged_at bigint,
    acknowledged_by text references users (id),
    action_enc text
);
create index alerts_open on alerts (acknowledged_at, raised_at);
create index alerts_journey on alerts (journey_id, raised_at);
