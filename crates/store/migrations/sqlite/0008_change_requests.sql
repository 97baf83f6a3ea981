-- A client's request to change an appointment, for the coordinators to act on.
create table appointment_change_requests (
    id text primary key,
    appointment_id text not null references appointments (id),
    client_id text not null references clients (id),
    note_enc text not null,
    created_at integer not null,
    handled_at integer,
    handled_by text references users (id)
);
create index appointment_change_requests_open on appointment_change_requests (handled_at, created_at);
