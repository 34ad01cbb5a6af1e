//! See `security.rs`.
#![allow(unused_imports)]
use crate::common::*;
