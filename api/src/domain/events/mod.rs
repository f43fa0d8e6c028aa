//! Events and volunteering (活动报名, DESIGN §7): events with an optional capacity, sign-ups
//! with companions and a waitlist, check-in by code, the volunteer-hours ledger, volunteer
//! groups, calendars and the attendee export. `rules` are pure; `service` holds the views and
//! the access rule; `act` the residents' acts (sign up, cancel); `organize` the organizer's and
//! committee's; `read` the reads; `jobs` the timed work; `calendar` the iCalendar feeds.

pub mod act;
pub mod calendar;
pub mod jobs;
pub mod organize;
pub mod read;
pub mod rules;
pub mod service;
