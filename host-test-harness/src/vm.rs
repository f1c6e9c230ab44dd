//! One VM: a wasmtime store + instance of a filter module, and typed calls into its exports.

use wasmtime::{Instance, Store, WasmParams, WasmResults};

use crate::engine::{self, Loaded};
use crate::model::Level;
use crate::state::VmState;

pub(crate) struct Vm {
    pub store: Store<VmState>,
    instance: Instance,
}

impl Vm {
    /// Instantiates the module and runs `_initialize` (if exported).
    pub fn instantiate(loaded: &Loaded, state: VmState) -> Result<Vm, String> {
        let mut store = Store::new(engine::engine(), state);
        let instance = loaded
            .pre
            .instantiate(&mut store)
            .map_err(|e| format!("instantiation failed: {e:#}"))?;
        let mut vm = Vm { store, instance };
        if loaded.has_initialize {
            vm.call::<(), ()>("_initialize", ())?;
        }
        Ok(vm)
    }

    pub fn state(&mut self) -> &mut VmState {
        self.store.data_mut()
    }

    /// Calls export `name`; `Ok(None)` if the module does not export it, `Err(message)` on a
    /// trap. The message starts with the guest's own last critical log line (the SDK logs the
    /// panic message there) when there is one.
    pub fn call<P: WasmParams, R: WasmResults>(
        &mut self,
        name: &str,
        args: P,
    ) -> Result<Option<R>, String> {
        let func = match self.instance.get_typed_func::<P, R>(&mut self.store, name) {
            Ok(f) => f,
            Err(_) if self.instance.get_export(&mut self.store, name).is_none() => return Ok(None),
            Err(e) => return Err(format!("{name} has an unexpected signature: {e:#}")),
        };
        let logs_before = self.store.data().logs.len();
        match func.call(&mut self.store, args) {
            Ok(r) => Ok(Some(r)),
            Err(e) => {
                let trap = match e.downcast_ref::<wasmtime::Trap>() {
                    Some(t) => format!("wasm trap: {t}"),
                    None => e.root_cause().to_string(),
                };
                let panic = self.store.data().logs[logs_before..]
                    .iter()
                    .rev()
                    .find(|l| l.level == Level::Critical)
                    .map(|l| l.message.clone());
                Err(match panic {
                    Some(p) => format!("{p} ({trap})"),
                    None => trap,
                })
            }
        }
    }
}
