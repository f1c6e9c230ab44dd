//! Several filters in one module: the plugin's `root_id` picks which one a root context runs.
//!
//! Why: in Envoy (V8) much of a filter's cost per request is its code being cold. Measured
//! (front Envoy CPU per 2 KB request, 2 workers): policy.wasm twice in a chain, as one module,
//! 437 µs; as two byte-different copies of it, 640 µs; alone, 294 µs. Six modules chained carry
//! six copies of the runtime, the core's wire-format views, serde and the allocator, and each
//! request walks all six. One module shares that code, and Envoy runs it in one VM per worker
//! when the filters' `vm_config`s are identical (same `vm_id` and code).
//!
//! ```yaml
//! - name: parapet.prompt-guard
//!   typed_config:
//!     "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
//!     config:
//!       root_id: prompt-guard            # which filter of the bundle
//!       configuration: { ... }           # that filter's own config, unchanged
//!       vm_config: { vm_id: parapet, runtime: envoy.wasm.runtime.v8,
//!                    code: { local: { filename: /etc/envoy/parapet.wasm } } }
//! ```
//!
//! The root id is read from the `plugin_root_id` property in `on_configure`. Kong's
//! ngx_wasm_module names filters by module and has no root id: use the per-filter modules there.

use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::ContextType;

use crate::filter::Filter;
use crate::host::{Host, Level};
use crate::proxy::{Root, WasmHost};

/// Makes a filter's root context (its configuration and HTTP contexts).
pub type RootFactory = fn() -> Box<dyn RootContext>;

/// A member of a bundle: the `root_id` that selects it, and its root context.
pub type Member = (&'static str, RootFactory);

/// The member for a [`Filter`] exported the usual way: selected by `F::NAME`.
pub const fn member<F: Filter>() -> Member {
    (F::NAME, || {
        Box::new(Root::<F>::new(env!("CARGO_PKG_VERSION")))
    })
}

/// The root context of a bundle: becomes the member its `root_id` names at `on_configure`,
/// then forwards every callback to it.
pub struct BundleRoot {
    members: &'static [Member],
    root_id: Option<String>,
    inner: Option<Box<dyn RootContext>>,
}

impl BundleRoot {
    pub fn new(members: &'static [Member]) -> Self {
        // The filters of one VM see the same bodies in turn: parse each once.
        crate::views::share();
        parapet_core::json::shared::share();
        BundleRoot {
            members,
            root_id: None,
            inner: None,
        }
    }

    fn names(&self) -> String {
        let names: Vec<&str> = self.members.iter().map(|(name, _)| *name).collect();
        names.join(", ")
    }

    /// The member a root id names, or why there is none.
    fn select(&self, root_id: Option<&str>) -> Result<RootFactory, String> {
        let Some(root_id) = root_id.filter(|id| !id.is_empty()) else {
            return Err(format!(
                "root_id: the host gave no plugin root id; set root_id to the filter to run, one of: {}",
                self.names()
            ));
        };
        self.members
            .iter()
            .find(|(name, _)| *name == root_id)
            .map(|(_, factory)| *factory)
            .ok_or_else(|| {
                format!(
                    "root_id: {root_id:?} names no filter in this module; one of: {}",
                    self.names()
                )
            })
    }
}

impl Context for BundleRoot {
    fn on_http_call_response(
        &mut self,
        token_id: u32,
        num_headers: usize,
        body_size: usize,
        num_trailers: usize,
    ) {
        if let Some(inner) = self.inner.as_mut() {
            inner.on_http_call_response(token_id, num_headers, body_size, num_trailers);
        }
    }

    fn on_done(&mut self) -> bool {
        self.inner.as_mut().is_none_or(|inner| inner.on_done())
    }
}

impl RootContext for BundleRoot {
    fn on_configure(&mut self, plugin_configuration_size: usize) -> bool {
        let root_id = hostcalls::get_property(vec!["plugin_root_id"])
            .ok()
            .flatten()
            .map(|raw| String::from_utf8_lossy(&raw).into_owned());
        // A reconfiguration of the same root keeps its member (and the member's state).
        if self.inner.is_none() || self.root_id != root_id {
            match self.select(root_id.as_deref()) {
                Ok(factory) => self.inner = Some(factory()),
                Err(message) => {
                    WasmHost.log(
                        Level::Error,
                        &format!("parapet: configuration rejected: {message}"),
                    );
                    self.inner = None;
                    return false;
                }
            }
            self.root_id = root_id;
        }
        self.inner
            .as_mut()
            .is_some_and(|inner| inner.on_configure(plugin_configuration_size))
    }

    fn on_tick(&mut self) {
        if let Some(inner) = self.inner.as_mut() {
            inner.on_tick();
        }
    }

    fn on_queue_ready(&mut self, queue_id: u32) {
        if let Some(inner) = self.inner.as_mut() {
            inner.on_queue_ready(queue_id);
        }
    }

    fn on_log(&mut self) {
        if let Some(inner) = self.inner.as_mut() {
            inner.on_log();
        }
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        self.inner.as_ref()?.create_http_context(context_id)
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

/// Exports several filters as one module; the plugin's `root_id` selects one per root context.
/// Use once, in a cdylib that links the filter crates without their own exports:
///
/// ```ignore
/// parapet_runtime::export_bundle![
///     parapet_runtime::bundle::member::<my_filter::MyFilter>(),
///     ("other-filter", other_filter::root_context),
/// ];
/// ```
#[macro_export]
macro_rules! export_bundle {
    ($($member:expr),+ $(,)?) => {
        $crate::__alloc::global!();

        static PARAPET_BUNDLE: &[$crate::bundle::Member] = &[$($member),+];

        $crate::__proxy_wasm::main! {{
            $crate::__proxy_wasm::set_log_level($crate::__proxy_wasm::types::LogLevel::Info);
            $crate::__proxy_wasm::set_root_context(|_| -> ::std::boxed::Box<dyn $crate::__proxy_wasm::traits::RootContext> {
                ::std::boxed::Box::new($crate::bundle::BundleRoot::new(PARAPET_BUNDLE))
            });
        }}
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    // Natively there is no host to link a root context's host calls against: the table's
    // factories are never called here.
    fn dummy() -> Box<dyn RootContext> {
        unreachable!("select only looks the factory up")
    }

    static MEMBERS: [Member; 2] = [("a-filter", dummy), ("b-filter", dummy)];

    #[test]
    fn select_names_the_root_id_and_the_choices() {
        let root = BundleRoot::new(&MEMBERS);
        assert!(root.select(Some("b-filter")).is_ok());
        let unknown = root.select(Some("c-filter")).err().unwrap();
        assert!(unknown.starts_with("root_id: \"c-filter\" names no filter"));
        assert!(unknown.ends_with("one of: a-filter, b-filter"));
        for missing in [None, Some("")] {
            let err = root.select(missing).err().unwrap();
            assert!(err.contains("no plugin root id"), "{err}");
        }
    }
}
