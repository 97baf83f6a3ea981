-- The client's intake form: a draft they can resume, then submitted once.

create table intakes (
    journey_id text primary key references journeys (id),
    -- The draft as JSON, encrypted (it is health information).
    draft_enc text not null,
    status text not null,
    updated_at integer not null,
    submitted_at integer,
    submitted_by text references users (id)
);
