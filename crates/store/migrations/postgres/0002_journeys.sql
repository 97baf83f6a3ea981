-- The care journey: one per client episode, its transitions (the timeline) and
-- its care team. The consultation that preceded it is its first entry.

create table journeys (
    id text primary key,
    client_id text not null references clients (id),
    stage text not null,
    opened_at bigint not null,
    closed_at bigint,
    -- The consultation held with the inquirer before conversion.
    consultation_on text not null,
    consultation_by text not null references users (id),
    consultation_outcome_enc text not null,
    updated_at bigint not null
);
create index journeys_client on journeys (client_id, opened_at);
create index journeys_stage on journeys (stage, updated_at);

create table journey_transitions (
    id text primary key,
    journey_id text not null references journeys (id),
    at bigint not null,
    from_stage text,
    to_stage text not null,
    by_user text references users (id),
    reason_enc text
);
create index journey_transitions_journey on journey_transitions (journey_id, at, id);

create table care_team (
    journey_id text not null references journeys (id),
    user_id text not null references users (id),
    role text not null,
    added_at bigint not null,
    added_by text references users (id),
    primary key (journey_id, user_id, role)
);
create index care_team_user on care_team (user_id, journey_id);
