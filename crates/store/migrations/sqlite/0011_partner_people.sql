-- A partner medical provider organisation's own people: medical-partner
-- accounts that belong to it. They see the organisation's IV sessions on their
-- day and keep its availability.
create table partner_people (
    user_id text primary key references users (id),
    partner_id text not null references partner_organisations (id),
    added_by text references users (id),
    added_at integer not null
);
create index partner_people_partner on partner_people (partner_id);
