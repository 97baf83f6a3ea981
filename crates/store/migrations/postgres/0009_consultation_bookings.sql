-- A consultation is booked for an inquiry, before the person is a client.
alter table appointments add column inquiry_id text references inquiries (id);
create index appointments_inquiry on appointments (inquiry_id);
