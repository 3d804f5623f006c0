//! Customers: profiles with personal data sealed per customer ([`service`]) and the
//! spreadsheets of import and export ([`excel`]).
pub mod excel;
pub mod service;

pub use service::{CustomerService, ImportReport, ImportRowError};
