//! Build-time profile resolution for Stardust images.
//!
//! This crate runs on the host, inside the image's build script. It is not part of any kernel image.
//! It reads `profiles/<name>.toml` with a small TOML subset parser, checks every key against the
//! schema (a bad value fails the build and names the key), and combines the profile's defaults
//! with the cargo features the user chose into exactly one implementation per slot.
//! Conflicts are errors, never resolved silently by priority.

#![forbid(unsafe_code)]

mod resolve;
mod schema;
mod toml;

pub use resolve::{Resolution, ResolveError, SLOTS, resolve};
pub use schema::{LogLevel, Profile, ProfileError};
pub use toml::{Document, ParseError, Value, parse as parse_toml};
