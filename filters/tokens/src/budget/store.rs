//! Read-modify-write with compare-and-swap over a proxy-wasm-like shared store.
//!
//! The filter implements [`SharedStore`] with `get_shared_data` / `set_shared_data`; tests use
//! [`MemoryStore`], which behaves like Envoy's (every successful write gets a new CAS token; a
//! write with a stale token fails; a write to a missing key always succeeds).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

/// Why a write was not done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// Someone else wrote the key since it was read: read again and retry.
    CasMismatch,
    /// The host refused for another reason.
    Host(String),
}

/// A key-value store shared by every VM of the plugin, with CAS tokens.
pub trait SharedStore {
    /// The value and its CAS token; `(None, None)` for a key never written.
    fn get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), String>;
    /// Writes `value` if `cas` still matches (or unconditionally when `cas` is `None`).
    fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), WriteError>;
}

/// Why an update gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateError {
    /// Every attempt lost the race; the store is too contended (or the cap too low).
    Contended { attempts: u32 },
    /// The host failed a read or write.
    Host(String),
}

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpdateError::Contended { attempts } => {
                write!(f, "shared data still contended after {attempts} attempts")
            }
            UpdateError::Host(e) => write!(f, "shared data host error: {e}"),
        }
    }
}

impl std::error::Error for UpdateError {}

/// What an update closure decided.
pub enum Change<T> {
    /// Write these bytes, then return `T`.
    Write(Vec<u8>, T),
    /// Nothing to write (e.g. a refused reservation): return `T`.
    Keep(T),
}

/// The outcome of [`update`]: the closure's result and how many CAS conflicts it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Updated<T> {
    pub value: T,
    pub conflicts: u32,
}

/// Reads `key`, lets `f` compute the new bytes from the current ones (empty when missing), and
/// writes them with the read's CAS token, re-running `f` on every conflict, at most
/// `max_attempts` times. `f` must be a pure function of its input: it may run several times.
pub fn update<S: SharedStore + ?Sized, T>(
    store: &S,
    key: &str,
    max_attempts: u32,
    mut f: impl FnMut(&[u8]) -> Change<T>,
) -> Result<Updated<T>, UpdateError> {
    let mut conflicts = 0;
    for _ in 0..max_attempts.max(1) {
        let (bytes, cas) = store.get(key).map_err(UpdateError::Host)?;
        match f(bytes.as_deref().unwrap_or(&[])) {
            Change::Keep(value) => return Ok(Updated { value, conflicts }),
            Change::Write(new, value) => match store.set(key, &new, cas) {
                Ok(()) => return Ok(Updated { value, conflicts }),
                Err(WriteError::CasMismatch) => conflicts += 1,
                Err(WriteError::Host(e)) => return Err(UpdateError::Host(e)),
            },
        }
    }
    Err(UpdateError::Contended {
        attempts: max_attempts.max(1),
    })
}

/// An in-memory [`SharedStore`] with Envoy's CAS semantics, for tests and native tools.
///
/// `interfere` lets a test run another writer between a read and the following write, the
/// interleaving two worker threads produce.
#[derive(Default)]
pub struct MemoryStore {
    data: RefCell<HashMap<String, (Vec<u8>, u32)>>,
    next_cas: RefCell<u32>,
    #[allow(clippy::type_complexity)]
    interfere: RefCell<Option<Box<dyn FnMut(&MemoryStore, &str)>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Runs `hook` right before every `set` (once per call, not recursively).
    pub fn interfere(&self, hook: impl FnMut(&MemoryStore, &str) + 'static) {
        *self.interfere.borrow_mut() = Some(Box::new(hook));
    }

    /// Removes the interference hook.
    pub fn stop_interfering(&self) {
        *self.interfere.borrow_mut() = None;
    }

    /// The bytes stored at `key`.
    pub fn bytes(&self, key: &str) -> Option<Vec<u8>> {
        self.data.borrow().get(key).map(|(v, _)| v.clone())
    }
}

impl SharedStore for MemoryStore {
    fn get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), String> {
        Ok(match self.data.borrow().get(key) {
            Some((v, cas)) => (Some(v.clone()), Some(*cas)),
            None => (None, None),
        })
    }

    fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), WriteError> {
        let hook = self.interfere.borrow_mut().take();
        if let Some(mut h) = hook {
            h(self, key);
            let mut slot = self.interfere.borrow_mut();
            if slot.is_none() {
                *slot = Some(h);
            }
        }
        let mut data = self.data.borrow_mut();
        if let (Some((_, current)), Some(expected)) = (data.get(key), cas) {
            if expected != 0 && *current != expected {
                return Err(WriteError::CasMismatch);
            }
        }
        let mut n = self.next_cas.borrow_mut();
        *n = n.wrapping_add(1).max(1);
        data.insert(key.to_string(), (value.to_vec(), *n));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add_one(store: &MemoryStore, key: &str) -> Result<Updated<u64>, UpdateError> {
        update(store, key, 8, |b| {
            let n = if b.len() == 8 {
                u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))
            } else {
                0
            };
            Change::Write((n + 1).to_le_bytes().to_vec(), n + 1)
        })
    }

    #[test]
    fn conflicting_writer_causes_a_retry_not_a_lost_update() {
        let s = MemoryStore::new();
        add_one(&s, "k").unwrap();
        // Another worker increments between our read and our write, three times.
        let remaining = std::rc::Rc::new(std::cell::Cell::new(3));
        let r = remaining.clone();
        s.interfere(move |store, key| {
            if r.get() > 0 {
                r.set(r.get() - 1);
                let (v, cas) = store.get(key).unwrap();
                let n = u64::from_le_bytes(v.unwrap().try_into().unwrap());
                store.set(key, &(n + 1).to_le_bytes(), cas).unwrap();
            }
        });
        let u = add_one(&s, "k").unwrap();
        assert_eq!(u.conflicts, 3);
        assert_eq!(u.value, 5); // 1 + 3 interfering + ours
        assert_eq!(remaining.get(), 0);
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let s = MemoryStore::new();
        add_one(&s, "k").unwrap();
        s.interfere(|store, key| {
            let (v, cas) = store.get(key).unwrap();
            store.set(key, &v.unwrap(), cas).unwrap();
        });
        assert_eq!(
            add_one(&s, "k"),
            Err(UpdateError::Contended { attempts: 8 })
        );
        s.stop_interfering();
        assert!(add_one(&s, "k").is_ok());
    }

    #[test]
    fn keep_writes_nothing() {
        let s = MemoryStore::new();
        let u = update(&s, "k", 3, |_| Change::Keep(7)).unwrap();
        assert_eq!(u.value, 7);
        assert_eq!(s.bytes("k"), None);
    }
}
