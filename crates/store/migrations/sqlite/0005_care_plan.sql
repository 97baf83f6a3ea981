-- From assessment to an approved, consented plan: clinic settings (versioned),
-- partner organisations, prescriber details, assessment entries, the physician's
-- eligibility decisions, plans with their support plan, prescriptions, consent
-- documents (versioned) and the client's signatures.

-- Each change of the clinic settings is a new version; the highest is in force.
create table clinic_settings (
    version integer primary key,
    settings_json text not null,
    changed_by text references users (id),
    changed_at integer not null
);

create table partner_organisations (
    id text primary key,
    name text not null,
    search_name text not null unique,
    phone text,
    email text,
    notes text,
    active integer not null default 1,
    created_at integer not null,
    updated_at integer not null
);

-- What a prescription prints about its prescriber.
alter table users add column licence_number text;
alter table users add column registration_number text;

create table assessments (
    id text primary key,
    journey_id text not null references journeys (id),
    kind text not null,
    systolic integer,
    diastolic integer,
    heart_rate integer,
    readiness text,
    findings_enc text,
    recorded_by text not null references users (id),
    recorded_at integer not null
);
create index assessments_journey on assessments (journey_id, recorded_at, id);

create table eligibility_decisions (
    id text primary key,
    journey_id text not null references journeys (id),
    decision text not null,
    ruleset_version text not null,
    settings_version integer not null,
    -- The evaluation (findings, evidence, thresholds) the decision was made on,
    -- and the physician's reasons, as encrypted JSON.
    evaluation_enc text not null,
    reasons_enc text not null,
    revisit_on text,
    decided_by text not null references users (id),
    decided_at integer not null
);
create index eligibility_decisions_journey on eligibility_decisions (journey_id, decided_at, id);

create table plans (
    journey_id text primary key references journeys (id),
    location text not null,
    home_items text not null,
    route text not null,
    partner_id text references partner_organisations (id),
    format text not null,
    sessions integer not null,
    support_role text not null,
    support_name_enc text not null,
    support_phone_enc text not null,
    updated_by text not null references users (id),
    updated_at integer not null
);

create table prescriptions (
    id text primary key,
    journey_id text not null references journeys (id),
    route text not null,
    dose_min real not null,
    dose_max real not null,
    booster_max real,
    quantity integer,
    expires_on text not null,
    range_reason_enc text,
    settings_version integer not null,
    prescriber_id text not null references users (id),
    prescriber_name text not null,
    licence_number text not null,
    registration_number text not null,
    signed_at integer not null,
    -- Set when a newer prescription replaces this one.
    superseded_at integer
);
create index prescriptions_journey on prescriptions (journey_id, signed_at, id);

create table consent_documents (
    kind text not null,
    version integer not null,
    title text not null,
    body text not null,
    published_by text references users (id),
    published_at integer not null,
    primary key (kind, version)
);

create table consent_signatures (
    id text primary key,
    journey_id text not null references journeys (id),
    kind text not null,
    version integer not null,
    signed_name text not null,
    signed_by text not null references users (id),
    signed_at integer not null,
    signed_from text,
    withdrawn_at integer,
    withdrawn_by text references users (id),
    foreign key (kind, version) references consent_documents (kind, version)
);
create index consent_signatures_journey on consent_signatures (journey_id, kind, signed_at);
