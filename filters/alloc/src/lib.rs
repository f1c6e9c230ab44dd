//! A size-class allocator for single-threaded wasm modules (and, in [`memcmp`], the byte
//! comparison they get instead of wasi-libc's).
//!
//! The filters' Rust code allocates many small, short-lived blocks per request (the Rego
//! interpreter most of all: values, B-tree nodes, path strings). In wasm every `Box::new` goes
//! `__rust_alloc` → `__rdl_alloc` → wasi-libc `malloc` → `dlmalloc`, and `dlmalloc`/`dlfree`
//! alone were about a quarter of the policy filter's guest time per request (perf, wasmtime).
//! [`SizeClasses`] answers blocks of up to [`MAX_SMALL`] bytes from one free list per 16-byte
//! size class: a hit is a load and a store, a free is two stores. A list that is empty takes a
//! fresh block from the underlying allocator; everything larger, or more aligned than 16 bytes,
//! goes straight to it.
//!
//! Freed small blocks stay in their class (never coalesced, never returned): a module's memory
//! is what its busiest moment needed per class, which for a filter is one request's worth. Wasm
//! linear memory never shrinks anyway.
//!
//! The lists are plain cells, not atomics: the type is `Sync` (and usable as the
//! `#[global_allocator]`) only on wasm targets without threads, where nothing can race.
//!
//! ```
//! use parapet_alloc::SizeClasses;
//! use std::alloc::{GlobalAlloc, Layout, System};
//!
//! let heap = SizeClasses::new(System);
//! let layout = Layout::from_size_align(40, 8).unwrap();
//! unsafe {
//!     let a = heap.alloc(layout);
//!     heap.dealloc(a, layout);
//!     // The next block of the same class is the one just freed.
//!     assert_eq!(heap.alloc(layout), a);
//! }
//! ```

#![no_std]

pub mod memcmp;

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;

/// Granularity and alignment of the small size classes.
pub const CLASS_BYTES: usize = 16;
/// Largest block served from a size class.
pub const MAX_SMALL: usize = 256;
const CLASSES: usize = MAX_SMALL / CLASS_BYTES;

/// Small blocks from per-size-class free lists over an underlying allocator `A`.
pub struct SizeClasses<A> {
    inner: A,
    /// Head of each class's free list; a free block's first word points at the next one.
    free: UnsafeCell<[*mut u8; CLASSES]>,
}

// SAFETY: no threads on these targets, so the free lists are never touched concurrently.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
unsafe impl<A: Sync> Sync for SizeClasses<A> {}

impl<A> SizeClasses<A> {
    /// Empty free lists over `inner`.
    pub const fn new(inner: A) -> Self {
        SizeClasses {
            inner,
            free: UnsafeCell::new([ptr::null_mut(); CLASSES]),
        }
    }

    /// The underlying allocator.
    pub fn inner(&self) -> &A {
        &self.inner
    }
}

/// The class of a layout, or `None` when the underlying allocator serves it.
#[inline(always)]
fn class_of(layout: Layout) -> Option<usize> {
    if layout.size() <= MAX_SMALL && layout.align() <= CLASS_BYTES {
        // Size 0 shares the first class (GlobalAlloc never sees it from std, but it is legal).
        Some(layout.size().saturating_sub(1) / CLASS_BYTES)
    } else {
        None
    }
}

/// The layout every block of `class` is allocated with: its full class size, 16-aligned, so
/// any block of the class fits any request that maps to it.
#[inline(always)]
fn class_layout(class: usize) -> Layout {
    // SAFETY: the size is a non-zero multiple of the power-of-two alignment, far below isize::MAX.
    unsafe { Layout::from_size_align_unchecked((class + 1) * CLASS_BYTES, CLASS_BYTES) }
}

unsafe impl<A: GlobalAlloc> GlobalAlloc for SizeClasses<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else {
            return self.inner.alloc(layout);
        };
        let head = &mut (*self.free.get())[class];
        let block = *head;
        if block.is_null() {
            return self.inner.alloc(class_layout(class));
        }
        *head = *(block as *mut *mut u8);
        block
    }

    #[inline]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout) else {
            return self.inner.dealloc(block, layout);
        };
        let head = &mut (*self.free.get())[class];
        *(block as *mut *mut u8) = *head;
        *head = block;
    }

    #[inline]
    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: GlobalAlloc::realloc's contract: new_size > 0 and a valid size for the align.
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (class_of(layout), class_of(new_layout)) {
            // Still fits its block (a Vec or String growing within 16 bytes).
            (Some(old), Some(new)) if old == new => block,
            // Both large: the underlying allocator may grow in place.
            (None, None) => self.inner.realloc(block, layout, new_size),
            _ => {
                let moved = self.alloc(new_layout);
                if !moved.is_null() {
                    ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                    self.dealloc(block, layout);
                }
                moved
            }
        }
    }
}

/// Makes [`SizeClasses`] over the system allocator the module's `#[global_allocator]` on
/// single-threaded wasm targets (elsewhere it expands to nothing), which also links this
/// crate's [`memcmp`](crate::memcmp) into the module. Invoke once, in the cdylib crate;
/// `parapet_runtime::export_filter!` does it for you.
#[macro_export]
macro_rules! global {
    () => {
        #[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
        #[global_allocator]
        static PARAPET_ALLOCATOR: $crate::SizeClasses<::std::alloc::System> =
            $crate::SizeClasses::new(::std::alloc::System);
    };
}
