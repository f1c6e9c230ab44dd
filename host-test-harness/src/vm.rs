//! One VM: a wasmtime store + instance of a filter module, and typed calls into its exports.

use std::any::{Any, TypeId};
use std::collections::HashMap;

use wasmtime::{Extern, Instance, Store, TypedFunc, WasmParams, WasmResults};

use crate::engine::{self, Loaded};
use crate::model::Level;
use crate::state::{GuestExports, VmState};

pub(crate) struct Vm {
    pub store: Store<VmState>,
    instance: Instance,
    /// Exports already resolved, by name and signature (`None`: not exported).
    funcs: HashMap<(&'static str, TypeId), Option<Box<dyn Any + Send + Sync>>>,
}

impl Vm {
    /// Instantiates the module and runs `_initialize` (if exported).
    pub fn instantiate(loaded: &Loaded, state: VmState) -> Result<Vm, String> {
        let mut store = Store::new(engine::engine(), state);
        let instance = loaded
            .pre
            .instantiate(&mut store)
            .map_err(|e| format!("instantiation failed: {e:#}"))?;
        let memory = match instance.get_export(&mut store, "memory") {
            Some(Extern::Memory(m)) => Some(m),
            _ => None,
        };
        let alloc = ["proxy_on_memory_allocate", "malloc"]
            .iter()
            .find_map(|name| instance.get_func(&mut store, name))
            .and_then(|f| f.typed::<i32, i32>(&store).ok());
        store.data_mut().exports = GuestExports { memory, alloc };
        let mut vm = Vm {
            store,
            instance,
            funcs: HashMap::new(),
        };
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
    pub fn call<P: WasmParams + 'static, R: WasmResults + 'static>(
        &mut self,
        name: &'static str,
        args: P,
    ) -> Result<Option<R>, String> {
        let key = (name, TypeId::of::<TypedFunc<P, R>>());
        let func = match self.funcs.get(&key) {
            Some(Some(f)) => match f.downcast_ref::<TypedFunc<P, R>>() {
                Some(f) => f.clone(),
                None => return Err(format!("{name}: cached export of another type")),
            },
            Some(None) => return Ok(None),
            None => match self.instance.get_typed_func::<P, R>(&mut self.store, name) {
                Ok(f) => {
                    self.funcs.insert(key, Some(Box::new(f.clone())));
                    f
                }
                Err(_) if self.instance.get_export(&mut self.store, name).is_none() => {
                    self.funcs.insert(key, None);
                    return Ok(None);
                }
                Err(e) => return Err(format!("{name} has an unexpected signature: {e:#}")),
            },
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
