-- Private calendar (iCalendar) feeds, one active per owner ('user:<id>' or
-- 'client:<id>'). The URL's token is the credential, so only its SHA-256 is
-- kept; creating a new feed revokes the old one, and a revoked feed answers 404.
create table calendar_feeds (
    id text primary key,
    owner text not null,
    token_hash text not null unique,
    created_at integer not null,
    revoked_at integer
);
-- At most one active feed per owner, even when two requests race.
create unique index calendar_feeds_active on calendar_feeds (owner) where revoked_at is null;
