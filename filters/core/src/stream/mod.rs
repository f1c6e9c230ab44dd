//! Incremental stream decoders.

mod crc32;
pub mod eventstream;
