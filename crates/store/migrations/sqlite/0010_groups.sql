-- Groups: group medicine sessions and integration circles hold a roster of
-- members instead of one client; circles are recurring series; a waitlist per
-- group and per appointment type offers a freed place to the next person; a
-- rescheduled appointment points to the one that replaced it.

-- The most members a group appointment takes (the clinic's group size and the
-- room's capacity); null for individual appointments.
alter table appointments add column capacity integer;
-- The circle series a meeting belongs to.
alter table appointments add column series_id text;
-- The appointment that replaced this one when it was rescheduled.
alter table appointments add column replaced_by text;

create table circle_series (
    id text primary key,
    name text not null,
    location_id text not null references locations (id),
    capacity integer not null,
    created_by text references users (id),
    created_at integer not null
);

-- A circle's enrolled members, who join every meeting from enrolment on.
create table series_members (
    series_id text not null references circle_series (id),
    client_id text not null references clients (id),
    enrolled_by text references users (id),
    enrolled_at integer not null,
    left_at integer,
    primary key (series_id, client_id)
);

-- A group appointment's roster. Seats are numbered from 1 to the capacity and
-- unique, so two additions racing for the last place cannot both succeed.
create table appointment_members (
    appointment_id text not null references appointments (id),
    client_id text not null references clients (id),
    journey_id text references journeys (id),
    seat integer not null,
    -- 'member' (group medicine), 'enrolled' or 'drop-in' (circles)
    mode text not null,
    -- null until taken: 'attended' or 'absent'
    attendance text,
    added_by text references users (id),
    added_at integer not null,
    primary key (appointment_id, client_id),
    unique (appointment_id, seat)
);
create index appointment_members_client on appointment_members (client_id, appointment_id);

-- People waiting for a place in a group (an appointment or a circle series) or
-- for any time of an appointment type at a location.
create table waitlist (
    id text primary key,
    client_id text not null references clients (id),
    kind text not null,
    location_id text not null references locations (id),
    appointment_id text references appointments (id),
    series_id text references circle_series (id),
    -- 'waiting', 'offered', 'accepting' (being booked), 'accepted', 'declined',
    -- 'lapsed' (not answered in time) or 'removed'
    status text not null,
    -- What was offered: a group appointment's id, or the freed appointment whose
    -- time and people are offered.
    offered_appointment text references appointments (id),
    offered_at integer,
    created_by text references users (id),
    created_at integer not null,
    updated_at integer not null
);
create index waitlist_open on waitlist (status, kind, location_id, created_at);
create index waitlist_client on waitlist (client_id, status);
-- One open entry per client and thing waited for, even when two coordinators
-- add the same person at once.
create unique index waitlist_one_open on waitlist
    (client_id, kind, location_id, coalesce(appointment_id, ''), coalesce(series_id, ''))
    where status in ('waiting', 'offered', 'accepting');
