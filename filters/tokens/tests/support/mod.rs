//! Shared by the accuracy test and the `estimate_error` example.
#![allow(dead_code)]

pub mod corpus;
pub mod measure;
