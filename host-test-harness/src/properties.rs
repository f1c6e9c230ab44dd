//! `proxy_get_property` / `proxy_set_property`: the Envoy attribute paths the harness knows,
//! and per-stream filter state (`wasm.<name>`), shared by the filters of a stream.

use crate::abi::{self, status};
use crate::model::header_value;
use crate::profile::HostProfile;
use crate::state::VmState;

/// Result of a property lookup.
pub(crate) enum Property {
    Value(Vec<u8>),
    /// Not set / not available now (NotFound, as Envoy answers).
    Missing,
    /// A path Envoy knows that the harness does not implement (logged, then NotFound).
    Unimplemented(String),
}

/// The address the harness pretends the proxy listens on.
pub const LISTENER_ADDRESS: &str = "127.0.0.1:10000";
/// The address of the pretend upstream.
pub const UPSTREAM_ADDRESS: &str = "127.0.0.1:18080";

fn int(profile: HostProfile, v: i64) -> Property {
    // Envoy serialises integers as 8 bytes little-endian; ngx_wasm_module as decimal text.
    Property::Value(match profile {
        HostProfile::Envoy => v.to_le_bytes().to_vec(),
        HostProfile::Kong => v.to_string().into_bytes(),
    })
}

fn text(s: impl Into<String>) -> Property {
    Property::Value(s.into().into_bytes())
}

fn opt_text(s: Option<&str>) -> Property {
    match s {
        Some(s) => text(s),
        None => Property::Missing,
    }
}

/// Dotted form of a `\0`-separated path, as used for filter-state keys.
pub(crate) fn dotted(path: &[u8]) -> String {
    String::from_utf8_lossy(path).replace('\0', ".")
}

pub(crate) fn get(st: &VmState, raw: &[u8]) -> Property {
    let path = String::from_utf8_lossy(raw).into_owned();
    let parts: Vec<&str> = path.split('\0').collect();
    let profile = st.shared.profile;
    let stream = st.call.stream.as_ref();
    match parts.as_slice() {
        ["plugin_name"] => text(st.filter.clone()),
        ["plugin_root_id"] => text(st.root_id.clone()),
        ["plugin_vm_id"] if profile == HostProfile::Kong => {
            Property::Unimplemented(path.replace('\0', "."))
        }
        ["plugin_vm_id"] => text(st.vm_id.clone()),
        ["node"] | ["node", ..] => Property::Missing,
        ["xds", "cluster_name"] if stream.is_some() => text("upstream"),
        ["xds", "route_name"] => Property::Missing,
        [root, ..]
            if matches!(
                *root,
                "request" | "response" | "source" | "destination" | "connection" | "upstream"
            ) =>
        {
            let Some(s) = stream else {
                return Property::Missing;
            };
            let h = &s.req_headers;
            let path_header = header_value(h, ":path");
            let info = &s.info;
            match parts.as_slice() {
                ["request", "path"] => opt_text(path_header),
                ["request", "url_path"] => {
                    opt_text(path_header.map(|p| p.split('?').next().unwrap_or(p)))
                }
                ["request", "query"] => text(
                    path_header
                        .and_then(|p| p.split_once('?'))
                        .map(|(_, q)| q)
                        .unwrap_or(""),
                ),
                ["request", "host"] => opt_text(header_value(h, ":authority")),
                ["request", "scheme"] => opt_text(header_value(h, ":scheme")),
                ["request", "method"] => opt_text(header_value(h, ":method")),
                ["request", "id"] => opt_text(header_value(h, "x-request-id")),
                ["request", "useragent"] => opt_text(header_value(h, "user-agent")),
                ["request", "referer"] => opt_text(header_value(h, "referer")),
                ["request", "protocol"] => text("HTTP/1.1"),
                ["request", "time"] => int(profile, info.start_ns as i64),
                ["request", "duration"] => int(
                    profile,
                    st.shared.now_ns().saturating_sub(info.start_ns) as i64,
                ),
                ["request", "size"] => int(profile, info.request_body_size as i64),
                ["request", "headers"] => Property::Value(abi::encode_pairs(h)),
                ["request", "headers", name] => opt_text(header_value(h, name)),
                ["response", "code"] => match info.response_code {
                    Some(c) => int(profile, c as i64),
                    None => Property::Missing,
                },
                ["response", "code_details"] if profile == HostProfile::Envoy => {
                    text(info.response_code_details.clone())
                }
                ["response", "size"] => int(profile, info.response_body_size as i64),
                ["response", "headers"] => Property::Value(abi::encode_pairs(&s.resp_headers)),
                ["response", "headers", name] => opt_text(header_value(&s.resp_headers, name)),
                ["response", "trailers"] => Property::Value(abi::encode_pairs(&s.resp_trailers)),
                ["source", "address"] => text(format!("127.0.0.1:{}", info.source_port)),
                ["source", "port"] => int(profile, info.source_port as i64),
                ["destination", "address"] => text(LISTENER_ADDRESS),
                ["destination", "port"] => int(profile, 10000),
                ["connection", "id"] => int(profile, info.stream_id as i64),
                ["connection", "mtls"] => Property::Value(match profile {
                    HostProfile::Envoy => vec![0],
                    HostProfile::Kong => b"false".to_vec(),
                }),
                ["connection", "requested_server_name"] => text(""),
                ["upstream", "address"] if info.upstream_reached => text(UPSTREAM_ADDRESS),
                ["upstream", "port"] if info.upstream_reached => int(profile, 18080),
                ["upstream", "address" | "port"] => Property::Missing,
                _ => Property::Unimplemented(path.replace('\0', ".")),
            }
        }
        [root, ..]
            if matches!(
                *root,
                "metadata"
                    | "cluster_metadata"
                    | "listener_metadata"
                    | "route_metadata"
                    | "upstream_host_metadata"
                    | "listener_direction"
                    | "xds"
                    | "filter_state"
            ) =>
        {
            Property::Unimplemented(path.replace('\0', "."))
        }
        _ => {
            // Anything else is filter state written by set_property (Envoy prefixes `wasm.`).
            let Some(s) = stream else {
                return Property::Missing;
            };
            match s.filter_state.get(&format!("wasm.{}", dotted(raw))) {
                Some(v) => Property::Value(v.clone()),
                None => Property::Missing,
            }
        }
    }
}

/// set_property: Envoy writes filter state `wasm.<path>` for any path (even one that shadows
/// a read-only attribute); without a stream (root context) there is no filter state.
pub(crate) fn set(st: &mut VmState, raw: &[u8], value: Vec<u8>) -> i32 {
    match st.call.stream.as_mut() {
        Some(s) => {
            s.filter_state
                .insert(format!("wasm.{}", dotted(raw)), value);
            status::OK
        }
        None => status::NOT_FOUND,
    }
}
