//! SizeClasses over the system allocator, with a counting wrapper to see what reaches it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use parapet_alloc::{SizeClasses, MAX_SMALL};
use proptest::prelude::*;

/// The system allocator, counting what it is asked for.
#[derive(Default)]
struct Counting {
    allocs: Cell<usize>,
    deallocs: Cell<usize>,
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.allocs.set(self.allocs.get() + 1);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        self.deallocs.set(self.deallocs.get() + 1);
        System.dealloc(block, layout)
    }
}

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

#[test]
fn a_freed_small_block_is_reused_without_asking_the_system() {
    let heap = SizeClasses::new(Counting::default());
    unsafe {
        let a = heap.alloc(layout(24, 8));
        let b = heap.alloc(layout(30, 4));
        assert_eq!(heap.inner_counts(), (2, 0));
        heap.dealloc(a, layout(24, 8));
        heap.dealloc(b, layout(30, 4));
        // Same 32-byte class, last freed first; the system saw nothing new.
        assert_eq!(heap.alloc(layout(17, 1)), b);
        assert_eq!(heap.alloc(layout(32, 16)), a);
        assert_eq!(heap.inner_counts(), (2, 0));
        // Another class does not take them.
        let c = heap.alloc(layout(33, 8));
        assert!(c != a && c != b);
        assert_eq!(heap.inner_counts(), (3, 0));
    }
}

#[test]
fn large_and_over_aligned_blocks_go_to_the_system_both_ways() {
    let heap = SizeClasses::new(Counting::default());
    unsafe {
        for l in [layout(MAX_SMALL + 1, 8), layout(64, 32), layout(4096, 4096)] {
            let p = heap.alloc(l);
            assert_eq!(p as usize % l.align(), 0);
            heap.dealloc(p, l);
        }
        assert_eq!(heap.inner_counts(), (3, 3));
    }
}

#[test]
fn realloc_within_the_class_keeps_the_block() {
    let heap = SizeClasses::new(Counting::default());
    unsafe {
        let p = heap.alloc(layout(20, 1));
        p.copy_from_nonoverlapping(b"0123456789abcdefghij".as_ptr(), 20);
        assert_eq!(heap.realloc(p, layout(20, 1), 32), p);
        let q = heap.realloc(p, layout(32, 1), 300);
        assert_ne!(q, p);
        assert_eq!(std::slice::from_raw_parts(q, 20), b"0123456789abcdefghij");
        // The old block went back to its class.
        assert_eq!(heap.alloc(layout(25, 1)), p);
    }
}

trait InnerCounts {
    fn inner_counts(&self) -> (usize, usize);
}

impl InnerCounts for SizeClasses<Counting> {
    fn inner_counts(&self) -> (usize, usize) {
        let inner = self.inner();
        (inner.allocs.get(), inner.deallocs.get())
    }
}

#[derive(Debug, Clone)]
enum Op {
    Alloc { size: usize, align_log2: u32 },
    Free(usize),
    Realloc(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..600, 0u32..6).prop_map(|(size, align_log2)| Op::Alloc { size, align_log2 }),
        any::<usize>().prop_map(Op::Free),
        (any::<usize>(), 1usize..600).prop_map(|(i, n)| Op::Realloc(i, n)),
    ]
}

proptest! {
    /// Any sequence of allocations, frees and reallocs: blocks are aligned, never overlap
    /// (each live block keeps the byte pattern written into it), and realloc keeps the prefix.
    #[test]
    fn live_blocks_keep_their_contents(ops in proptest::collection::vec(op(), 1..300)) {
        let heap = SizeClasses::new(System);
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let mut tag = 0u8;
        let check = |(p, l, t): &(*mut u8, Layout, u8)| unsafe {
            std::slice::from_raw_parts(*p, l.size()).iter().all(|b| b == t)
        };
        for op in ops {
            unsafe {
                match op {
                    Op::Alloc { size, align_log2 } => {
                        let l = layout(size.max(1), 1 << align_log2);
                        let p = heap.alloc(l);
                        prop_assert!(!p.is_null());
                        prop_assert_eq!(p as usize % l.align(), 0);
                        tag = tag.wrapping_add(1);
                        p.write_bytes(tag, l.size());
                        live.push((p, l, tag));
                    }
                    Op::Free(i) if !live.is_empty() => {
                        let b = live.swap_remove(i % live.len());
                        prop_assert!(check(&b));
                        heap.dealloc(b.0, b.1);
                    }
                    Op::Realloc(i, n) if !live.is_empty() => {
                        let k = i % live.len();
                        let (p, l, t) = live[k];
                        let q = heap.realloc(p, l, n);
                        prop_assert!(!q.is_null());
                        let nl = layout(n, l.align());
                        prop_assert!(std::slice::from_raw_parts(q, l.size().min(n)).iter().all(|b| *b == t));
                        q.write_bytes(t, n);
                        live[k] = (q, nl, t);
                    }
                    _ => {}
                }
            }
            for b in &live {
                prop_assert!(check(b));
            }
        }
        for b in live {
            unsafe { heap.dealloc(b.0, b.1) };
        }
    }
}
