//! Host profiles: which proxy's behaviour the harness reproduces.

use std::fmt;
use std::str::FromStr;

/// The proxy whose proxy-wasm host the harness imitates.
///
/// * `Envoy` (default): Envoy 1.40 as recorded in `shared/hosts/envoy.md`.
/// * `Kong`: Kong / ngx_wasm_module differences from `shared/hosts/kong-ngx-wasm-module.md`
///   (see the README for the list the harness reproduces).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HostProfile {
    #[default]
    Envoy,
    Kong,
}

impl HostProfile {
    pub fn name(self) -> &'static str {
        match self {
            HostProfile::Envoy => "envoy",
            HostProfile::Kong => "kong",
        }
    }
}

impl fmt::Display for HostProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HostProfile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "envoy" => Ok(HostProfile::Envoy),
            "kong" => Ok(HostProfile::Kong),
            other => Err(format!(
                "unknown host profile {other:?} (expected envoy or kong)"
            )),
        }
    }
}
