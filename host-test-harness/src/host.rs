//! The host functions a proxy-wasm module imports (`env.proxy_*`, WASI preview1), defined on
//! a wasmtime [`Linker`]. Anything not implemented is defined too: it returns the ABI's
//! Unimplemented status (WASI: ENOSYS) and is logged as `harness: unimplemented ...`.

use std::collections::HashSet;

use wasmtime::{bail, format_err, Caller, Linker, Memory, Module, Val, ValType};

use crate::abi::{self, buffer, errno, map, metric, status};
use crate::model::{Headers, Histogram, Level, LocalReply, LogEntry, MetricValue};
use crate::profile::HostProfile;
use crate::properties::{self, Property};
use crate::state::{
    lock, Access, HttpCallRequest, Metric, PendingCall, Queue, StreamAction, VmState,
};

type C<'a> = Caller<'a, VmState>;
type R = wasmtime::Result<i32>;

fn memory(c: &mut C<'_>) -> wasmtime::Result<Memory> {
    match c.data().exports.memory {
        Some(m) => Ok(m),
        None => bail!("module exports no memory"),
    }
}

fn range(ptr: i32, len: i32) -> Option<std::ops::Range<usize>> {
    let start = ptr as u32 as usize;
    Some(start..start.checked_add(len as u32 as usize)?)
}

/// Reads guest memory; `None` when the range is out of bounds.
fn read(c: &mut C<'_>, ptr: i32, len: i32) -> wasmtime::Result<Option<Vec<u8>>> {
    let mem = memory(c)?;
    Ok(range(ptr, len).and_then(|r| mem.data(&*c).get(r).map(<[u8]>::to_vec)))
}

fn read_str(c: &mut C<'_>, ptr: i32, len: i32) -> wasmtime::Result<Option<String>> {
    Ok(read(c, ptr, len)?.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

fn write(c: &mut C<'_>, ptr: i32, bytes: &[u8]) -> wasmtime::Result<bool> {
    let mem = memory(c)?;
    let Some(r) = range(ptr, bytes.len() as i32) else {
        return Ok(false);
    };
    match mem.data_mut(&mut *c).get_mut(r) {
        Some(dst) => {
            dst.copy_from_slice(bytes);
            Ok(true)
        }
        None => Ok(false),
    }
}

fn write_u32(c: &mut C<'_>, ptr: i32, v: u32) -> wasmtime::Result<bool> {
    write(c, ptr, &v.to_le_bytes())
}

fn write_u64(c: &mut C<'_>, ptr: i32, v: u64) -> wasmtime::Result<bool> {
    write(c, ptr, &v.to_le_bytes())
}

/// Allocates in the guest with its exported allocator.
fn alloc(c: &mut C<'_>, size: usize) -> wasmtime::Result<u32> {
    let func = c.data().exports.alloc.clone().ok_or_else(|| {
        format_err!(
            "module exports neither proxy_on_memory_allocate nor malloc of type (i32) -> i32"
        )
    })?;
    Ok(func.call(&mut *c, size as i32)? as u32)
}

/// The buffer `proxy_get_buffer_bytes` may read as `ty` in the current callback.
fn readable_buffer(st: &VmState, ty: i32) -> Option<&Vec<u8>> {
    let own = st.call.effective_context == st.call.context_id;
    let stream = st.call.stream.as_ref().filter(|_| own);
    match ty {
        buffer::HTTP_REQUEST_BODY => stream.and_then(|s| s.req_body.as_ref()),
        buffer::HTTP_RESPONSE_BODY => stream.and_then(|s| s.resp_body.as_ref()),
        buffer::HTTP_CALL_RESPONSE_BODY => st.call.http_response.as_ref().map(|r| &r.1),
        buffer::VM_CONFIGURATION if st.call.config_phase => Some(&st.vm_config),
        buffer::PLUGIN_CONFIGURATION if st.call.config_phase => Some(&st.plugin_config),
        _ => None,
    }
}

/// Copies `data` into fresh guest memory and writes pointer and size to the out-params. Empty
/// data gives a null pointer, as proxy-wasm-cpp-host does (the SDK then sees `None`).
fn return_bytes(c: &mut C<'_>, data: &[u8], ptr_ptr: i32, size_ptr: i32) -> R {
    let mut ptr = 0u32;
    if !data.is_empty() {
        ptr = alloc(c, data.len())?;
        if ptr == 0 || !write(c, ptr as i32, data)? {
            return Ok(status::INVALID_MEMORY_ACCESS);
        }
    }
    if !write_u32(c, ptr_ptr, ptr)? || !write_u32(c, size_ptr, data.len() as u32)? {
        return Ok(status::INVALID_MEMORY_ACCESS);
    }
    Ok(status::OK)
}

macro_rules! read_or_fault {
    ($e:expr) => {
        match $e? {
            Some(v) => v,
            None => return Ok(status::INVALID_MEMORY_ACCESS),
        }
    };
}

/// The header map `map_type` if the current callback may use it (read, or write when
/// `write`); Envoy answers BadArgument otherwise (envoy.md P1).
fn header_map(st: &mut VmState, map_type: i32, write: bool) -> Result<&mut Headers, i32> {
    let on_own_context = st.call.effective_context == st.call.context_id;
    match map_type {
        map::HTTP_CALL_RESPONSE_HEADERS | map::HTTP_CALL_RESPONSE_TRAILERS => {
            match st.call.http_response.as_mut() {
                Some(_) if write => Err(status::BAD_ARGUMENT),
                Some((h, _, t)) => Ok(if map_type == map::HTTP_CALL_RESPONSE_HEADERS {
                    h
                } else {
                    t
                }),
                None => Err(status::BAD_ARGUMENT),
            }
        }
        map::REQUEST_HEADERS..=map::RESPONSE_TRAILERS => {
            let Some(s) = st.call.stream.as_mut().filter(|_| on_own_context) else {
                return Err(status::BAD_ARGUMENT);
            };
            let (m, access) = match map_type {
                map::REQUEST_HEADERS => (&mut s.req_headers, s.req_headers_access),
                map::REQUEST_TRAILERS => (&mut s.req_trailers, s.req_trailers_access),
                map::RESPONSE_HEADERS => (&mut s.resp_headers, s.resp_headers_access),
                _ => (&mut s.resp_trailers, s.resp_trailers_access),
            };
            match (access, write) {
                (Access::None, _) | (Access::Read, true) => Err(status::BAD_ARGUMENT),
                _ => Ok(m),
            }
        }
        _ => Err(status::BAD_ARGUMENT),
    }
}

/// Adds a header keeping pseudo-headers in front, as Envoy's header map does.
pub(crate) fn add_header(headers: &mut Headers, key: String, value: String) {
    if key.starts_with(':') {
        let at = headers
            .iter()
            .position(|(k, _)| !k.starts_with(':'))
            .unwrap_or(headers.len());
        headers.insert(at, (key, value));
    } else {
        headers.push((key, value));
    }
}

/// Replaces every value of `key` with one value (added if absent).
pub(crate) fn replace_header(headers: &mut Headers, key: String, value: String) {
    match headers.iter().position(|(k, _)| *k == key) {
        Some(first) => {
            headers[first].1 = value;
            let mut i = 0;
            headers.retain(|(k, _)| {
                i += 1;
                i - 1 == first || *k != key
            });
        }
        None => add_header(headers, key, value),
    }
}

fn log_unimplemented(st: &mut VmState, what: &str, returned: &str) {
    st.harness_log(
        Level::Warn,
        format!("unimplemented host function {what} called; returned {returned}"),
    );
}

/// Defines every import of `module` on a fresh linker for `profile`.
pub(crate) fn linker_for(
    engine: &wasmtime::Engine,
    module: &Module,
    profile: HostProfile,
) -> wasmtime::Result<Linker<VmState>> {
    let mut linker = Linker::new(engine);
    let mut defined = HashSet::new();
    define_proxy(&mut linker, &mut defined, profile)?;
    define_wasi(&mut linker, &mut defined)?;
    for import in module.imports() {
        let (m, n) = (import.module().to_string(), import.name().to_string());
        if defined.contains(&(m.clone(), n.clone())) {
            continue;
        }
        let Some(ty) = import.ty().func().cloned() else {
            bail!("module imports {m}.{n}, which is not a function; the harness provides only functions");
        };
        let code = if m == "wasi_snapshot_preview1" {
            errno::NOSYS
        } else {
            status::UNIMPLEMENTED
        };
        let trap = profile == HostProfile::Kong && kong_traps(&n);
        let what = format!("{m}.{n}");
        linker.func_new(&m, &n, ty.clone(), move |mut c, _params, results| {
            if trap {
                c.data_mut().harness_log(
                    Level::Error,
                    format!("{what}: host trap (function not yet implemented) [kong]"),
                );
                bail!("host trap (function not yet implemented): {what}");
            }
            log_unimplemented(c.data_mut(), &what, &format!("status {code}"));
            for (slot, vt) in results.iter_mut().zip(ty.results()) {
                *slot = match vt {
                    ValType::I32 => Val::I32(code),
                    ValType::I64 => Val::I64(code as i64),
                    ValType::F32 => Val::F32(0),
                    ValType::F64 => Val::F64(0),
                    other => bail!("{what}: cannot stub a result of type {other}"),
                };
            }
            Ok(())
        })?;
    }
    Ok(linker)
}

/// Host functions ngx_wasm_module defines as "not yet implemented" stubs that trap.
fn kong_traps(name: &str) -> bool {
    name.starts_with("proxy_grpc_")
        || matches!(
            name,
            "proxy_done"
                | "proxy_close_stream"
                | "proxy_get_status"
                | "proxy_resolve_shared_queue"
                | "proxy_continue_response"
        )
}

fn define_proxy(
    l: &mut Linker<VmState>,
    defined: &mut HashSet<(String, String)>,
    profile: HostProfile,
) -> wasmtime::Result<()> {
    let mut def = |name: &str| {
        defined.insert(("env".to_string(), name.to_string()));
    };
    let kong = profile == HostProfile::Kong;

    def("proxy_log");
    l.func_wrap(
        "env",
        "proxy_log",
        |mut c: C<'_>, level: i32, ptr: i32, len: i32| -> R {
            let msg = read_or_fault!(read_str(&mut c, ptr, len));
            let st = c.data_mut();
            let filter = st.filter.clone();
            st.logs.push(LogEntry {
                filter,
                level: Level::from_abi(level),
                message: msg,
            });
            Ok(status::OK)
        },
    )?;

    if kong {
        // ngx_wasm_module declares this stub as (i32,i32)->i32; an SDK 0.2.5 module importing
        // it as (i32)->i32 fails to instantiate, as observed on the real host.
        def("proxy_get_log_level");
        l.func_wrap(
            "env",
            "proxy_get_log_level",
            |_c: C<'_>, _a: i32, _b: i32| -> R {
                bail!("host trap (function not yet implemented): env.proxy_get_log_level")
            },
        )?;
    } else {
        def("proxy_get_log_level");
        l.func_wrap(
            "env",
            "proxy_get_log_level",
            |mut c: C<'_>, ptr: i32| -> R {
                // The harness captures every level, so it reports trace.
                if !write_u32(&mut c, ptr, 0)? {
                    return Ok(status::INVALID_MEMORY_ACCESS);
                }
                Ok(status::OK)
            },
        )?;
    }

    def("proxy_get_current_time_nanoseconds");
    l.func_wrap(
        "env",
        "proxy_get_current_time_nanoseconds",
        |mut c: C<'_>, ptr: i32| -> R {
            let now = c.data().shared.now_ns();
            Ok(if write_u64(&mut c, ptr, now)? {
                status::OK
            } else {
                status::INVALID_MEMORY_ACCESS
            })
        },
    )?;

    def("proxy_set_tick_period_milliseconds");
    l.func_wrap(
        "env",
        "proxy_set_tick_period_milliseconds",
        |mut c: C<'_>, period: i32| -> R {
            c.data_mut().tick_period_ms = period as u32;
            Ok(status::OK)
        },
    )?;

    def("proxy_get_buffer_bytes");
    l.func_wrap(
        "env",
        "proxy_get_buffer_bytes",
        |mut c: C<'_>, ty: i32, start: i32, max: i32, ptr_ptr: i32, size_ptr: i32| -> R {
            let Some(data) = readable_buffer(c.data(), ty) else {
                return Ok(status::NOT_FOUND);
            };
            let start = start as u32 as usize;
            if start >= data.len() {
                return Ok(status::NOT_FOUND);
            }
            let len = (max as u32 as usize).min(data.len() - start);
            if len == 0 {
                return Ok(status::NOT_FOUND);
            }
            // Straight from the host's buffer into guest memory (one copy, as Envoy's
            // Buffer::copyOut): a body is not copied into a temporary first.
            let ptr = alloc(&mut c, len)?;
            let mem = memory(&mut c)?;
            let (guest, st) = mem.data_and_store_mut(&mut c);
            let src = readable_buffer(st, ty).and_then(|d| d.get(start..start + len));
            let dst = range(ptr as i32, len as i32).and_then(|r| guest.get_mut(r));
            match (src, dst) {
                (Some(src), Some(dst)) if ptr != 0 => dst.copy_from_slice(src),
                _ => return Ok(status::INVALID_MEMORY_ACCESS),
            }
            if !write_u32(&mut c, ptr_ptr, ptr)? || !write_u32(&mut c, size_ptr, len as u32)? {
                return Ok(status::INVALID_MEMORY_ACCESS);
            }
            Ok(status::OK)
        },
    )?;

    def("proxy_set_buffer_bytes");
    l.func_wrap(
        "env",
        "proxy_set_buffer_bytes",
        move |mut c: C<'_>, ty: i32, start: i32, size: i32, ptr: i32, len: i32| -> R {
            let data = read_or_fault!(read(&mut c, ptr, len));
            let st = c.data_mut();
            let own = st.call.effective_context == st.call.context_id;
            let stream = st.call.stream.as_mut().filter(|_| own);
            let buf = match ty {
                buffer::HTTP_REQUEST_BODY => stream.and_then(|s| s.req_body.as_mut()),
                buffer::HTTP_RESPONSE_BODY => stream.and_then(|s| s.resp_body.as_mut()),
                _ => None,
            };
            let Some(buf) = buf else {
                return Ok(status::NOT_FOUND);
            };
            let (start, size) = (start as u32 as usize, size as u32 as usize);
            if kong {
                // ngx_wasm_module: the value is truncated to `size` bytes and replaces
                // [start, start+size); (0, 0, v) prepends v.
                let start = start.min(buf.len());
                let end = start.saturating_add(size).min(buf.len());
                let value = if size == 0 {
                    &data[..]
                } else {
                    &data[..data.len().min(size)]
                };
                buf.splice(start..end, value.iter().copied());
                return Ok(status::OK);
            }
            // Envoy Buffer::copyFrom: start 0 drains `size` bytes and prepends the whole
            // value; start >= length appends; anything else is BadArgument.
            if start == 0 {
                let drain = size.min(buf.len());
                buf.splice(0..drain, data);
                Ok(status::OK)
            } else if start >= buf.len() {
                buf.extend_from_slice(&data);
                Ok(status::OK)
            } else {
                Ok(status::BAD_ARGUMENT)
            }
        },
    )?;

    def("proxy_get_header_map_pairs");
    l.func_wrap(
        "env",
        "proxy_get_header_map_pairs",
        |mut c: C<'_>, ty: i32, ptr_ptr: i32, size_ptr: i32| -> R {
            let bytes = match header_map(c.data_mut(), ty, false) {
                Ok(m) => abi::encode_pairs(m),
                Err(code) => return Ok(code),
            };
            return_bytes(&mut c, &bytes, ptr_ptr, size_ptr)
        },
    )?;

    def("proxy_set_header_map_pairs");
    l.func_wrap(
        "env",
        "proxy_set_header_map_pairs",
        |mut c: C<'_>, ty: i32, ptr: i32, len: i32| -> R {
            let bytes = read_or_fault!(read(&mut c, ptr, len));
            let Some(pairs) = abi::decode_pairs(&bytes) else {
                return Ok(status::BAD_ARGUMENT);
            };
            match header_map(c.data_mut(), ty, true) {
                Ok(m) => {
                    m.clear();
                    for (k, v) in pairs {
                        add_header(m, k.to_ascii_lowercase(), v);
                    }
                    Ok(status::OK)
                }
                Err(code) => Ok(code),
            }
        },
    )?;

    def("proxy_get_header_map_value");
    l.func_wrap(
        "env",
        "proxy_get_header_map_value",
        |mut c: C<'_>, ty: i32, kptr: i32, klen: i32, vptr_ptr: i32, vsize_ptr: i32| -> R {
            let key = read_or_fault!(read_str(&mut c, kptr, klen)).to_ascii_lowercase();
            let value = match header_map(c.data_mut(), ty, false) {
                Ok(m) => match m.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => v.clone(),
                    None => return Ok(status::NOT_FOUND),
                },
                Err(code) => return Ok(code),
            };
            return_bytes(&mut c, value.as_bytes(), vptr_ptr, vsize_ptr)
        },
    )?;

    for (name, op) in [
        ("proxy_add_header_map_value", 0u8),
        ("proxy_replace_header_map_value", 1u8),
    ] {
        def(name);
        l.func_wrap(
            "env",
            name,
            move |mut c: C<'_>, ty: i32, kptr: i32, klen: i32, vptr: i32, vlen: i32| -> R {
                let key = read_or_fault!(read_str(&mut c, kptr, klen)).to_ascii_lowercase();
                let value = read_or_fault!(read_str(&mut c, vptr, vlen));
                match header_map(c.data_mut(), ty, true) {
                    Ok(m) => {
                        if op == 0 {
                            add_header(m, key, value);
                        } else {
                            replace_header(m, key, value);
                        }
                        Ok(status::OK)
                    }
                    Err(code) => Ok(code),
                }
            },
        )?;
    }

    def("proxy_remove_header_map_value");
    l.func_wrap(
        "env",
        "proxy_remove_header_map_value",
        |mut c: C<'_>, ty: i32, kptr: i32, klen: i32| -> R {
            let key = read_or_fault!(read_str(&mut c, kptr, klen)).to_ascii_lowercase();
            match header_map(c.data_mut(), ty, true) {
                Ok(m) => {
                    m.retain(|(k, _)| *k != key);
                    Ok(status::OK)
                }
                Err(code) => Ok(code),
            }
        },
    )?;

    def("proxy_get_property");
    l.func_wrap(
        "env",
        "proxy_get_property",
        move |mut c: C<'_>, ptr: i32, len: i32, ret_ptr: i32, ret_size: i32| -> R {
            let path = read_or_fault!(read(&mut c, ptr, len));
            if kong && c.data().call.config_phase {
                // Observed on ngx_wasm_module: get_property in on_configure crashed the worker.
                c.data_mut().harness_log(
                    Level::Critical,
                    "get_property during on_configure crashes the nginx worker [kong]".into(),
                );
                bail!("get_property during on_configure: nginx worker crashed (segfault) [kong]");
            }
            match properties::get(c.data(), &path) {
                Property::Value(v) => return_bytes(&mut c, &v, ret_ptr, ret_size),
                Property::Missing => Ok(status::NOT_FOUND),
                Property::Unimplemented(name) => {
                    c.data_mut().harness_log(
                        Level::Warn,
                        format!("unimplemented property {name:?}; returned NotFound"),
                    );
                    Ok(status::NOT_FOUND)
                }
            }
        },
    )?;

    def("proxy_set_property");
    l.func_wrap(
        "env",
        "proxy_set_property",
        |mut c: C<'_>, ptr: i32, len: i32, vptr: i32, vlen: i32| -> R {
            let path = read_or_fault!(read(&mut c, ptr, len));
            let value = read_or_fault!(read(&mut c, vptr, vlen));
            Ok(properties::set(c.data_mut(), &path, value))
        },
    )?;

    def("proxy_get_shared_data");
    l.func_wrap(
        "env",
        "proxy_get_shared_data",
        |mut c: C<'_>, kptr: i32, klen: i32, vptr_ptr: i32, vsize_ptr: i32, cas_ptr: i32| -> R {
            let key = read_or_fault!(read_str(&mut c, kptr, klen));
            let found = {
                let st = c.data();
                let data = lock(&st.shared.shared_data);
                data.by_vm.get(&st.vm_id).and_then(|m| m.get(&key)).cloned()
            };
            let Some((value, cas)) = found else {
                return Ok(status::NOT_FOUND);
            };
            let code = return_bytes(&mut c, &value, vptr_ptr, vsize_ptr)?;
            if code != status::OK {
                return Ok(code);
            }
            Ok(if write_u32(&mut c, cas_ptr, cas)? {
                status::OK
            } else {
                status::INVALID_MEMORY_ACCESS
            })
        },
    )?;

    def("proxy_set_shared_data");
    l.func_wrap(
        "env",
        "proxy_set_shared_data",
        |mut c: C<'_>, kptr: i32, klen: i32, vptr: i32, vlen: i32, cas: i32| -> R {
            let key = read_or_fault!(read_str(&mut c, kptr, klen));
            let value = read_or_fault!(read(&mut c, vptr, vlen));
            let st = c.data();
            let mut data = lock(&st.shared.shared_data);
            let next = data.next_cas;
            data.next_cas = data.next_cas.wrapping_add(1).max(1);
            let map = data.by_vm.entry(st.vm_id.clone()).or_default();
            if let Some((_, current)) = map.get(&key) {
                if cas != 0 && cas as u32 != *current {
                    return Ok(status::CAS_MISMATCH);
                }
            }
            map.insert(key, (value, next));
            Ok(status::OK)
        },
    )?;

    def("proxy_register_shared_queue");
    l.func_wrap(
        "env",
        "proxy_register_shared_queue",
        |mut c: C<'_>, ptr: i32, len: i32, token_ptr: i32| -> R {
            let name = read_or_fault!(read_str(&mut c, ptr, len));
            let token = {
                let st = c.data();
                let mut q = lock(&st.shared.queues);
                let key = (st.vm_id.clone(), name);
                let token = match q.by_name.get(&key) {
                    Some(t) => *t,
                    None => {
                        let t = q.next_token;
                        q.next_token += 1;
                        q.by_name.insert(key, t);
                        t
                    }
                };
                let owner = (st.uid, st.root_context_id);
                let queue = q.queues.entry(token).or_insert_with(|| Queue {
                    owner_vm: owner.0,
                    owner_root: owner.1,
                    items: Default::default(),
                });
                (queue.owner_vm, queue.owner_root) = owner;
                token
            };
            Ok(if write_u32(&mut c, token_ptr, token)? {
                status::OK
            } else {
                status::INVALID_MEMORY_ACCESS
            })
        },
    )?;

    if !kong {
        def("proxy_resolve_shared_queue");
        l.func_wrap(
            "env",
            "proxy_resolve_shared_queue",
            |mut c: C<'_>, vptr: i32, vlen: i32, nptr: i32, nlen: i32, token_ptr: i32| -> R {
                let vm_id = read_or_fault!(read_str(&mut c, vptr, vlen));
                let name = read_or_fault!(read_str(&mut c, nptr, nlen));
                let token = lock(&c.data().shared.queues)
                    .by_name
                    .get(&(vm_id, name))
                    .copied();
                let Some(token) = token else {
                    return Ok(status::NOT_FOUND);
                };
                Ok(if write_u32(&mut c, token_ptr, token)? {
                    status::OK
                } else {
                    status::INVALID_MEMORY_ACCESS
                })
            },
        )?;
    }

    def("proxy_enqueue_shared_queue");
    l.func_wrap(
        "env",
        "proxy_enqueue_shared_queue",
        |mut c: C<'_>, token: i32, ptr: i32, len: i32| -> R {
            let data = read_or_fault!(read(&mut c, ptr, len));
            let st = c.data();
            let mut q = lock(&st.shared.queues);
            let Some(queue) = q.queues.get_mut(&(token as u32)) else {
                return Ok(status::NOT_FOUND);
            };
            queue.items.push_back(data);
            let ready = (queue.owner_vm, queue.owner_root, token as u32);
            q.ready.push(ready);
            Ok(status::OK)
        },
    )?;

    def("proxy_dequeue_shared_queue");
    l.func_wrap(
        "env",
        "proxy_dequeue_shared_queue",
        |mut c: C<'_>, token: i32, ptr_ptr: i32, size_ptr: i32| -> R {
            let item = {
                let mut q = lock(&c.data().shared.queues);
                match q.queues.get_mut(&(token as u32)) {
                    None => return Ok(status::NOT_FOUND),
                    Some(queue) => queue.items.pop_front(),
                }
            };
            match item {
                None => Ok(status::EMPTY),
                Some(item) => return_bytes(&mut c, &item, ptr_ptr, size_ptr),
            }
        },
    )?;

    let stream_action = |st: &mut VmState, ty: i32, action: StreamAction| -> i32 {
        let ctx = st.call.effective_context;
        if !(ty == 0 || ty == 1) || !st.live_contexts.contains(&ctx) {
            return status::BAD_ARGUMENT;
        }
        st.effects.stream_actions.push((ctx, ty, action));
        status::OK
    };
    def("proxy_continue_stream");
    l.func_wrap(
        "env",
        "proxy_continue_stream",
        move |mut c: C<'_>, ty: i32| -> R {
            Ok(stream_action(c.data_mut(), ty, StreamAction::Continue))
        },
    )?;
    def("proxy_continue_request");
    l.func_wrap("env", "proxy_continue_request", move |mut c: C<'_>| -> R {
        Ok(stream_action(c.data_mut(), 0, StreamAction::Continue))
    })?;
    if !kong {
        def("proxy_continue_response");
        l.func_wrap("env", "proxy_continue_response", move |mut c: C<'_>| -> R {
            Ok(stream_action(c.data_mut(), 1, StreamAction::Continue))
        })?;
        def("proxy_close_stream");
        l.func_wrap(
            "env",
            "proxy_close_stream",
            move |mut c: C<'_>, ty: i32| -> R {
                Ok(stream_action(c.data_mut(), ty, StreamAction::Close))
            },
        )?;
    }

    def("proxy_send_local_response");
    l.func_wrap(
        "env",
        "proxy_send_local_response",
        |mut c: C<'_>,
         code: i32,
         dptr: i32,
         dlen: i32,
         bptr: i32,
         blen: i32,
         hptr: i32,
         hlen: i32,
         _grpc: i32|
         -> R {
            let details = read_or_fault!(read_str(&mut c, dptr, dlen));
            let body = read_or_fault!(read(&mut c, bptr, blen));
            let raw = read_or_fault!(read(&mut c, hptr, hlen));
            let Some(headers) = abi::decode_pairs(&raw) else {
                return Ok(status::BAD_ARGUMENT);
            };
            let st = c.data_mut();
            if !st.live_contexts.contains(&st.call.effective_context) {
                return Ok(status::BAD_ARGUMENT);
            }
            if st.effects.local_reply.is_some() {
                st.harness_log(
                    Level::Warn,
                    "second send_local_response in one callback ignored".into(),
                );
                return Ok(status::OK);
            }
            let ctx = st.call.effective_context;
            st.effects.local_reply = Some((
                ctx,
                LocalReply {
                    status: code as u16,
                    headers: headers
                        .into_iter()
                        .map(|(k, v)| (k.to_ascii_lowercase(), v))
                        .collect(),
                    body,
                    filter: st.filter.clone(),
                    details,
                },
            ));
            Ok(status::OK)
        },
    )?;

    def("proxy_http_call");
    l.func_wrap(
        "env",
        "proxy_http_call",
        |mut c: C<'_>,
         uptr: i32,
         ulen: i32,
         hptr: i32,
         hlen: i32,
         bptr: i32,
         blen: i32,
         tptr: i32,
         tlen: i32,
         timeout: i32,
         token_ptr: i32|
         -> R {
            let cluster = read_or_fault!(read_str(&mut c, uptr, ulen));
            let raw_headers = read_or_fault!(read(&mut c, hptr, hlen));
            let body = read_or_fault!(read(&mut c, bptr, blen));
            let raw_trailers = read_or_fault!(read(&mut c, tptr, tlen));
            let (Some(headers), Some(trailers)) =
                (abi::decode_pairs(&raw_headers), abi::decode_pairs(&raw_trailers))
            else {
                return Ok(status::BAD_ARGUMENT);
            };
            let st = c.data_mut();
            if !st.shared.clusters.contains_key(&cluster) {
                st.harness_log(
                    Level::Warn,
                    format!("dispatch_http_call to unknown cluster {cluster:?}: BadArgument (declare it with ChainBuilder::cluster)"),
                );
                return Ok(status::BAD_ARGUMENT);
            }
            for required in [":method", ":path", ":authority"] {
                if !headers.iter().any(|(k, _)| k == required) {
                    st.harness_log(
                        Level::Warn,
                        format!("dispatch_http_call without {required}: BadArgument"),
                    );
                    return Ok(status::BAD_ARGUMENT);
                }
            }
            let token = st.next_call_token;
            st.next_call_token += 1;
            let context_id = st.call.effective_context;
            st.effects.http_calls.push(PendingCall {
                token,
                context_id,
                request: HttpCallRequest { cluster, headers, body, trailers, timeout_ms: timeout as u32 },
            });
            Ok(if write_u32(&mut c, token_ptr, token)? { status::OK } else { status::INVALID_MEMORY_ACCESS })
        },
    )?;

    def("proxy_set_effective_context");
    l.func_wrap(
        "env",
        "proxy_set_effective_context",
        |mut c: C<'_>, ctx: i32| -> R {
            let st = c.data_mut();
            let ctx = ctx as u32;
            if ctx == st.root_context_id || st.live_contexts.contains(&ctx) {
                st.call.effective_context = ctx;
                Ok(status::OK)
            } else {
                Ok(status::BAD_ARGUMENT)
            }
        },
    )?;

    if !kong {
        def("proxy_done");
        l.func_wrap("env", "proxy_done", |_c: C<'_>| -> R {
            // The harness never waits for a deferred on_done, so there is nothing to finish.
            Ok(status::OK)
        })?;
    }

    def("proxy_call_foreign_function");
    l.func_wrap(
        "env",
        "proxy_call_foreign_function",
        move |mut c: C<'_>, nptr: i32, nlen: i32, aptr: i32, alen: i32, ret_ptr: i32, ret_size: i32| -> R {
            let name = read_or_fault!(read_str(&mut c, nptr, nlen));
            let args = read_or_fault!(read(&mut c, aptr, alen));
            let st = c.data_mut();
            match (kong, name.as_str()) {
                (false, "set_envoy_filter_state") => {
                    let Some((path, value)) = decode_filter_state_args(&args) else {
                        return Ok(status::BAD_ARGUMENT);
                    };
                    match st.call.stream.as_mut() {
                        Some(s) => {
                            s.filter_state.insert(path, value);
                        }
                        None => return Ok(status::NOT_FOUND),
                    }
                    return_bytes(&mut c, &[], ret_ptr, ret_size)
                }
                (false, "clear_route_cache") => return_bytes(&mut c, &[], ret_ptr, ret_size),
                (false, "verify_signature" | "sign" | "compress" | "uncompress" | "expr_create"
                | "expr_evaluate" | "expr_delete" | "declare_property") => {
                    st.harness_log(
                        Level::Warn,
                        format!("unimplemented foreign function {name:?} (Envoy has it); returned NotFound"),
                    );
                    Ok(status::NOT_FOUND)
                }
                _ => {
                    st.harness_log(
                        Level::Warn,
                        format!("unknown foreign function {name:?}; returned NotFound"),
                    );
                    Ok(status::NOT_FOUND)
                }
            }
        },
    )?;

    def("proxy_define_metric");
    l.func_wrap(
        "env",
        "proxy_define_metric",
        move |mut c: C<'_>, ty: i32, ptr: i32, len: i32, id_ptr: i32| -> R {
            let mut name = read_or_fault!(read_str(&mut c, ptr, len));
            if !(metric::COUNTER..=metric::HISTOGRAM).contains(&ty) {
                return Ok(status::BAD_ARGUMENT);
            }
            if kong {
                name = format!("pw:{}:{name}", c.data().filter);
            }
            let id = {
                let mut m = lock(&c.data().shared.metrics);
                match m.by_name.get(&(ty, name.clone())) {
                    Some(id) => *id,
                    None => {
                        // Envoy encodes the metric type in the low bits of the id.
                        let id = ((m.by_id.len() as u32 + 1) << 2) | ty as u32;
                        m.by_name.insert((ty, name.clone()), id);
                        let value = match ty {
                            metric::COUNTER => MetricValue::Counter(0),
                            metric::GAUGE => MetricValue::Gauge(0),
                            _ => MetricValue::Histogram(Histogram::default()),
                        };
                        m.by_id.insert(
                            id,
                            Metric {
                                name,
                                kind: ty,
                                value,
                            },
                        );
                        id
                    }
                }
            };
            Ok(if write_u32(&mut c, id_ptr, id)? {
                status::OK
            } else {
                status::INVALID_MEMORY_ACCESS
            })
        },
    )?;

    def("proxy_increment_metric");
    l.func_wrap(
        "env",
        "proxy_increment_metric",
        |c: C<'_>, id: i32, offset: i64| -> R {
            let mut m = lock(&c.data().shared.metrics);
            let Some(metric) = m.by_id.get_mut(&(id as u32)) else {
                return Ok(status::NOT_FOUND);
            };
            match &mut metric.value {
                MetricValue::Counter(v) if offset > 0 => *v += offset as u64,
                MetricValue::Gauge(v) => *v += offset,
                _ => return Ok(status::BAD_ARGUMENT),
            }
            Ok(status::OK)
        },
    )?;

    def("proxy_record_metric");
    l.func_wrap(
        "env",
        "proxy_record_metric",
        |c: C<'_>, id: i32, value: i64| -> R {
            let mut m = lock(&c.data().shared.metrics);
            let Some(metric) = m.by_id.get_mut(&(id as u32)) else {
                return Ok(status::NOT_FOUND);
            };
            match &mut metric.value {
                MetricValue::Counter(v) => *v += value as u64,
                MetricValue::Gauge(v) => *v = value,
                MetricValue::Histogram(h) => h.record(value as u64),
            }
            Ok(status::OK)
        },
    )?;

    def("proxy_get_metric");
    l.func_wrap(
        "env",
        "proxy_get_metric",
        |mut c: C<'_>, id: i32, ptr: i32| -> R {
            let value = {
                let m = lock(&c.data().shared.metrics);
                match m.by_id.get(&(id as u32)).map(|m| (&m.value, m.kind)) {
                    None => return Ok(status::NOT_FOUND),
                    Some((MetricValue::Counter(v), _)) => *v,
                    Some((MetricValue::Gauge(v), _)) => *v as u64,
                    Some((MetricValue::Histogram(_), _)) => return Ok(status::BAD_ARGUMENT),
                }
            };
            Ok(if write_u64(&mut c, ptr, value)? {
                status::OK
            } else {
                status::INVALID_MEMORY_ACCESS
            })
        },
    )?;

    Ok(())
}

/// Decodes Envoy's `SetEnvoyFilterStateArguments{string path = 1; string value = 2; ...}`.
fn decode_filter_state_args(bytes: &[u8]) -> Option<(String, Vec<u8>)> {
    let mut at = 0;
    let varint = |at: &mut usize| -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *bytes.get(*at)?;
            *at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    };
    let (mut path, mut value) = (None, Vec::new());
    while at < bytes.len() {
        let key = varint(&mut at)?;
        match key & 7 {
            0 => {
                varint(&mut at)?;
            }
            2 => {
                let len = varint(&mut at)? as usize;
                let field = bytes.get(at..at.checked_add(len)?)?.to_vec();
                at += len;
                match key >> 3 {
                    1 => path = Some(String::from_utf8(field).ok()?),
                    2 => value = field,
                    _ => {}
                }
            }
            _ => return None,
        }
    }
    Some((path?, value))
}

fn define_wasi(
    l: &mut Linker<VmState>,
    defined: &mut HashSet<(String, String)>,
) -> wasmtime::Result<()> {
    const W: &str = "wasi_snapshot_preview1";
    let mut def = |name: &str| {
        defined.insert((W.to_string(), name.to_string()));
    };

    def("environ_sizes_get");
    l.func_wrap(
        W,
        "environ_sizes_get",
        |mut c: C<'_>, count_ptr: i32, size_ptr: i32| -> R {
            let env = &c.data().env;
            let count = env.len() as u32;
            let size: usize = env.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
            if !write_u32(&mut c, count_ptr, count)? || !write_u32(&mut c, size_ptr, size as u32)? {
                return Ok(errno::FAULT);
            }
            Ok(errno::SUCCESS)
        },
    )?;

    def("environ_get");
    l.func_wrap(W, "environ_get", |mut c: C<'_>, ptrs: i32, buf: i32| -> R {
        let env = c.data().env.clone();
        let mut at = buf as u32;
        for (i, (k, v)) in env.iter().enumerate() {
            let entry = format!("{k}={v}\0");
            if !write_u32(&mut c, ptrs + 4 * i as i32, at)?
                || !write(&mut c, at as i32, entry.as_bytes())?
            {
                return Ok(errno::FAULT);
            }
            at += entry.len() as u32;
        }
        Ok(errno::SUCCESS)
    })?;

    def("args_sizes_get");
    l.func_wrap(
        W,
        "args_sizes_get",
        |mut c: C<'_>, count_ptr: i32, size_ptr: i32| -> R {
            if !write_u32(&mut c, count_ptr, 0)? || !write_u32(&mut c, size_ptr, 0)? {
                return Ok(errno::FAULT);
            }
            Ok(errno::SUCCESS)
        },
    )?;
    def("args_get");
    l.func_wrap(W, "args_get", |_c: C<'_>, _a: i32, _b: i32| -> R {
        Ok(errno::SUCCESS)
    })?;

    def("fd_write");
    l.func_wrap(
        W,
        "fd_write",
        |mut c: C<'_>, fd: i32, iovs: i32, count: i32, nwritten: i32| -> R {
            if fd != 1 && fd != 2 {
                return Ok(errno::BADF);
            }
            let mut data = Vec::new();
            for i in 0..count {
                let Some(iov) = read(&mut c, iovs + 8 * i, 8)? else {
                    return Ok(errno::FAULT);
                };
                let ptr = i32::from_le_bytes([iov[0], iov[1], iov[2], iov[3]]);
                let len = i32::from_le_bytes([iov[4], iov[5], iov[6], iov[7]]);
                let Some(bytes) = read(&mut c, ptr, len)? else {
                    return Ok(errno::FAULT);
                };
                data.extend_from_slice(&bytes);
            }
            let written = data.len() as u32;
            let text = String::from_utf8_lossy(&data);
            let message = text.strip_suffix('\n').unwrap_or(&text).to_string();
            let st = c.data_mut();
            // Envoy logs guest stdout at info and stderr at error.
            let level = if fd == 1 { Level::Info } else { Level::Error };
            let filter = st.filter.clone();
            st.logs.push(LogEntry {
                filter,
                level,
                message,
            });
            Ok(if write_u32(&mut c, nwritten, written)? {
                errno::SUCCESS
            } else {
                errno::FAULT
            })
        },
    )?;

    def("clock_time_get");
    l.func_wrap(
        W,
        "clock_time_get",
        |mut c: C<'_>, id: i32, _precision: i64, ptr: i32| -> R {
            let now = if id == 0 {
                c.data().shared.now_ns()
            } else {
                c.data().shared.monotonic_ns()
            };
            Ok(if write_u64(&mut c, ptr, now)? {
                errno::SUCCESS
            } else {
                errno::FAULT
            })
        },
    )?;

    def("random_get");
    l.func_wrap(W, "random_get", |mut c: C<'_>, ptr: i32, len: i32| -> R {
        let mut bytes = Vec::with_capacity(len as u32 as usize);
        while bytes.len() < len as u32 as usize {
            bytes.extend_from_slice(&c.data().shared.next_random().to_le_bytes());
        }
        bytes.truncate(len as u32 as usize);
        Ok(if write(&mut c, ptr, &bytes)? {
            errno::SUCCESS
        } else {
            errno::FAULT
        })
    })?;

    def("sched_yield");
    l.func_wrap(W, "sched_yield", |_c: C<'_>| -> R { Ok(errno::SUCCESS) })?;

    def("proc_exit");
    l.func_wrap(
        W,
        "proc_exit",
        |_c: C<'_>, code: i32| -> wasmtime::Result<()> {
            bail!("proc_exit({code}) called by the module")
        },
    )?;

    let _ = errno::INVAL;
    Ok(())
}
