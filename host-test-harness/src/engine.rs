//! One wasmtime engine per process and a cache of compiled modules, so each module is
//! compiled once however many chains and VMs use it.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use wasmtime::{Config, Engine, InstancePre, Module};

use crate::error::{Error, Result};
use crate::host;
use crate::profile::HostProfile;
use crate::state::{lock, VmState};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    let mut config = Config::new();
    // `PARAPET_WASM_PERFMAP=1`: write /tmp/perf-<pid>.map so `perf report` names the guest's
    // functions (build the module unstripped to get Rust names).
    if std::env::var_os("PARAPET_WASM_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    Engine::new(&config).unwrap_or_else(|_| Engine::default())
});

/// A compiled module with every import resolved for one host profile.
pub(crate) struct Loaded {
    pub pre: InstancePre<VmState>,
    /// Whether the module exports `_initialize` (wasip1 reactor).
    pub has_initialize: bool,
}

/// Cache key: hash and length of the module bytes, and the host profile.
type CacheKey = (u64, usize, HostProfile);
/// One cell per module, so concurrent test threads compile a module only once.
type Cell = Arc<OnceLock<std::result::Result<Arc<Loaded>, Error>>>;

static CACHE: LazyLock<Mutex<HashMap<CacheKey, Cell>>> = LazyLock::new(Default::default);

/// Compiled code per module bytes, shared by every host profile: compiling is the expensive
/// step (seconds per filter), linking against a profile's host functions is cheap.
type ModuleCell = Arc<OnceLock<std::result::Result<Module, Error>>>;
static MODULES: LazyLock<Mutex<HashMap<(u64, usize), ModuleCell>>> =
    LazyLock::new(Default::default);

/// Compiles (or fetches from the cache) `bytes` for `profile`.
pub(crate) fn load(bytes: &[u8], profile: HostProfile, what: &str) -> Result<Arc<Loaded>> {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    let key = (hasher.finish(), bytes.len(), profile);
    let cell = lock(&CACHE).entry(key).or_default().clone();
    cell.get_or_init(|| compile(bytes, (key.0, key.1), profile, what))
        .clone()
}

fn compile(
    bytes: &[u8],
    module_key: (u64, usize),
    profile: HostProfile,
    what: &str,
) -> Result<Arc<Loaded>> {
    let module_cell = lock(&MODULES).entry(module_key).or_default().clone();
    let module = module_cell
        .get_or_init(|| {
            Module::new(&ENGINE, bytes)
                .map_err(|e| Error::new(format!("{what}: not a loadable wasm module: {e:#}")))
        })
        .clone()?;
    // proxy-wasm-cpp-host refuses a module without a known ABI version marker.
    let abi: Vec<String> = module
        .exports()
        .filter(|e| e.name().starts_with("proxy_abi_version_"))
        .map(|e| e.name().to_string())
        .collect();
    if !abi
        .iter()
        .any(|a| a == "proxy_abi_version_0_2_1" || a == "proxy_abi_version_0_2_0")
    {
        return Err(Error::new(format!(
            "{what}: not a proxy-wasm ABI 0.2.x module (exports {}; expected proxy_abi_version_0_2_1)",
            if abi.is_empty() { "no proxy_abi_version_* marker".to_string() } else { abi.join(", ") }
        )));
    }
    let linker = host::linker_for(&ENGINE, &module, profile)
        .map_err(|e| Error::new(format!("{what}: cannot link host functions: {e:#}")))?;
    let pre = linker.instantiate_pre(&module).map_err(|e| {
        Error::new(format!(
            "{what}: module does not link against the {profile} host: {e:#}"
        ))
    })?;
    let has_initialize = module.get_export("_initialize").is_some();
    Ok(Arc::new(Loaded {
        pre,
        has_initialize,
    }))
}

pub(crate) fn engine() -> &'static Engine {
    &ENGINE
}
