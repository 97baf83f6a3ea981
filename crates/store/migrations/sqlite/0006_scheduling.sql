-- Scheduling: appointment type settings, recurring weekly availability (local
-- wall-clock time, the location's zone) with exceptions, appointments with their
-- people, and the cells that make double-booking impossible.

-- Administrators' lengths and video permission per appointment type; a type
-- without a row uses the defaults in code.
create table appointment_types (
    kind text primary key,
    minutes integer not null,
    video_allowed integer not null,
    updated_by text references users (id),
    updated_at integer not null
);

-- Weekly availability of a staff member (owner_kind 'user') or a partner
-- organisation ('partner') at a location, as local times.
create table availability_rules (
    id text primary key,
    owner_kind text not null,
    owner_id text not null,
    location_id text not null references locations (id),
    weekday text not null,
    start_time text not null,
    end_time text not null,
    created_by text references users (id),
    created_at integer not null
);
create index availability_rules_owner on availability_rules (owner_kind, owner_id);
create index availability_rules_location on availability_rules (location_id);

-- Leave (not available) or one-off extra hours, as instants.
create table availability_exceptions (
    id text primary key,
    owner_kind text not null,
    owner_id text not null,
    location_id text references locations (id),
    kind text not null,
    starts_at integer not null,
    ends_at integer not null,
    created_by text references users (id),
    created_at integer not null
);
create index availability_exceptions_owner on availability_exceptions (owner_kind, owner_id, starts_at);

create table appointments (
    id text primary key,
    kind text not null,
    location_id text not null references locations (id),
    room_id text references rooms (id),
    partner_id text references partner_organisations (id),
    client_id text references clients (id),
    journey_id text references journeys (id),
    starts_at integer not null,
    ends_at integer not null,
    video integer not null default 0,
    status text not null,
    status_reason_enc text,
    created_by text references users (id),
    created_at integer not null,
    updated_at integer not null
);
create index appointments_client on appointments (client_id, starts_at);
create index appointments_location on appointments (location_id, starts_at);

create table appointment_people (
    appointment_id text not null references appointments (id),
    user_id text not null references users (id),
    role text not null,
    primary key (appointment_id, user_id)
);
create index appointment_people_user on appointment_people (user_id, appointment_id);

-- One row for each five minutes an active appointment holds a person, room,
-- partner or client. The primary key makes a double booking fail even when two
-- bookings race, on either database; cancelling deletes the rows.
create table resource_cells (
    resource text not null,
    cell integer not null,
    appointment_id text not null references appointments (id),
    primary key (resource, cell)
);
create index resource_cells_appointment on resource_cells (appointment_id);

-- Reminders sent, one row per appointment and kind, so that several copies of
-- the server never send the same reminder twice.
create table appointment_reminders (
    appointment_id text not null references appointments (id),
    kind text not null,
    sent_at integer not null,
    primary key (appointment_id, kind)
);
