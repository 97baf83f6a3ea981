-- Foundation: accounts, sessions, tokens, throttling, locations, inquiries,
-- clients, invitations, mail outbox and the audit trail.
-- Instants are integer milliseconds since the Unix epoch (UTC); ids are UUIDv7 text.

create table users (
    id text primary key,
    email text not null unique,
    name text not null,
    search_name text not null,
    is_staff integer not null,
    password_hash text,
    totp_secret text,
    totp_enabled integer not null default 0,
    totp_last_step integer,
    active integer not null default 1,
    created_at integer not null,
    updated_at integer not null
);

create table user_roles (
    user_id text not null references users (id) on delete cascade,
    role text not null,
    primary key (user_id, role)
);

create table recovery_codes (
    user_id text not null references users (id) on delete cascade,
    code_hash text not null,
    used_at integer,
    primary key (user_id, code_hash)
);

create table sessions (
    id_hash text primary key,
    user_id text not null references users (id) on delete cascade,
    stage text not null,
    created_at integer not null,
    last_seen_at integer not null,
    expires_at integer not null,
    idle_ms integer not null,
    reauth_at integer,
    pending_totp_secret text,
    source_ip text,
    user_agent text
);
create index sessions_user on sessions (user_id);

create table api_tokens (
    id text primary key,
    user_id text not null references users (id) on delete cascade,
    name text not null,
    token_hash text not null unique,
    created_at integer not null,
    last_used_at integer,
    revoked_at integer
);
create index api_tokens_user on api_tokens (user_id);

create table throttle (
    key text primary key,
    failures integer not null,
    window_start integer not null,
    locked_until integer
);

create table locations (
    id text primary key,
    name text not null unique,
    time_zone text not null,
    address text not null,
    phone text,
    active integer not null default 1,
    created_at integer not null
);

create table rooms (
    id text primary key,
    location_id text not null references locations (id),
    name text not null,
    capacity integer not null,
    iv_capable integer not null default 0,
    group_capable integer not null default 0,
    active integer not null default 1,
    created_at integer not null,
    unique (location_id, name)
);

create table inquiries (
    id text primary key,
    created_at integer not null,
    updated_at integer not null,
    name text not null,
    search_name text not null,
    email text not null,
    phone text,
    preferred_contact text not null,
    reason_enc text not null,
    heard_from text,
    consent_at integer not null,
    source text not null,
    entered_by text references users (id),
    status text not null,
    closed_reason text,
    assigned_to text references users (id),
    -- Derived by the database, for the queue's default view (an index can serve it
    -- in order, where "status in (…)" makes the planner sort the whole table).
    is_open integer generated always as (status in ('new', 'contacted', 'consultation-booked')) virtual
);
-- The queue pages newest (or oldest) first, by status or not: ordered index
-- scans, never a sort of the whole table.
create index inquiries_created on inquiries (created_at, id);
create index inquiries_status_created on inquiries (status, created_at, id);
create index inquiries_open on inquiries (is_open, created_at, id);
create index inquiries_assigned on inquiries (assigned_to, created_at, id);
create index inquiries_search on inquiries (search_name, id);

-- How many inquiries are in each status, kept in the same transaction as every
-- insert and status change, so the queue's totals need no count over the table.
create table inquiry_status_counts (
    status text primary key,
    n integer not null
);

create table inquiry_events (
    id text primary key,
    inquiry_id text not null references inquiries (id),
    at integer not null,
    actor_id text references users (id),
    kind text not null,
    contact_method text,
    contact_outcome text,
    note_enc text,
    from_status text,
    to_status text,
    closed_reason text,
    assigned_to text references users (id)
);
create index inquiry_events_inquiry on inquiry_events (inquiry_id, at);

create table clients (
    id text primary key,
    user_id text not null unique references users (id),
    inquiry_id text unique references inquiries (id),
    name text not null,
    email text not null,
    phone text,
    preferred_contact text,
    created_at integer not null,
    created_by text references users (id)
);

create table invitations (
    id text primary key,
    user_id text not null references users (id),
    token_hash text not null unique,
    created_at integer not null,
    expires_at integer not null,
    created_by text references users (id),
    accepted_at integer,
    revoked_at integer
);
create index invitations_user on invitations (user_id);

create table password_resets (
    token_hash text primary key,
    user_id text not null references users (id) on delete cascade,
    created_at integer not null,
    expires_at integer not null,
    used_at integer
);

create table outbox (
    id text primary key,
    created_at integer not null,
    kind text not null,
    to_addr text not null,
    subject text not null,
    body_text text not null,
    status text not null,
    attempts integer not null default 0,
    next_attempt_at integer not null,
    claimed_by text,
    claimed_until integer,
    last_error text,
    sent_at integer
);
create index outbox_due on outbox (status, next_attempt_at);
create index outbox_created on outbox (created_at);

create table audit_log (
    seq integer primary key,
    at integer not null,
    actor_user_id text,
    actor_roles text not null,
    action text not null,
    outcome text not null,
    subject_type text,
    subject_ids text not null,
    client_id text,
    request_id text,
    source_ip text,
    detail text,
    prev_hash text not null,
    hash text not null
);
create index audit_at on audit_log (at);
create index audit_actor on audit_log (actor_user_id, seq);
create index audit_client on audit_log (client_id, seq);
create index audit_action on audit_log (action, seq);

create table audit_head (
    id integer primary key check (id = 1),
    seq integer not null,
    hash text not null
);

-- The audit trail is append-only: the database itself refuses edits and deletions.
create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;

create table settings (
    key text primary key,
    value text not null,
    updated_at integer not null,
    updated_by text references users (id)
);
