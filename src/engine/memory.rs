//! The table of entries, and the side table of per-entry words (GUP-fast's
//! refcounts, KVM's clear counters): each one `mmap(MAP_SHARED |
//! MAP_ANONYMOUS)` region, as page tables are memory shared between CPUs,
//! not a thread-local heap object. The side table is a separate mapping so
//! its words sit on other cache lines than the entries, as a folio's
//! refcount or a `kvm_mmu_page`'s counter do.

use crate::pte::write::Ptl;
use crate::pte::Pair;
use core::sync::atomic::AtomicU32;
use std::io;
use std::ptr::NonNull;

/// Types that are valid all-zero and accessed only through atomics.
pub trait Zeroable: Sync {}
impl Zeroable for Pair {}
impl Zeroable for AtomicU32 {}
impl Zeroable for Ptl {}

/// A shared mmap'd array of `T`, zeroed, unmapped on drop.
pub struct Shared<T: Zeroable> {
    base: NonNull<T>,
    len: usize,
}

/// The shared table of entries.
pub type PteTable = Shared<Pair>;
/// One u32 per entry.
pub type SideTable = Shared<AtomicU32>;
/// One page-table lock per entry (`--writers-per-entry` > 1).
pub type PtlTable = Shared<Ptl>;

// SAFETY: the region is only accessed through T's atomics.
unsafe impl<T: Zeroable> Send for Shared<T> {}
unsafe impl<T: Zeroable> Sync for Shared<T> {}

impl<T: Zeroable> Shared<T> {
    /// Maps `len` zeroed elements (a zero pair is the not-present entry).
    pub fn map(len: usize) -> io::Result<Shared<T>> {
        if len == 0 {
            // mmap refuses a length of 0; an empty slice needs no memory.
            return Ok(Shared {
                base: NonNull::dangling(),
                len,
            });
        }
        let bytes = len
            .checked_mul(core::mem::size_of::<T>())
            .ok_or_else(|| io::Error::from(io::ErrorKind::OutOfMemory))?;
        // SAFETY: a fresh anonymous mapping; no existing memory is touched.
        let p = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // mmap returns page-aligned memory, so every element is aligned.
        let base = NonNull::new(p.cast::<T>()).expect("mmap returned NULL without MAP_FIXED");
        Ok(Shared { base, len })
    }

    /// The elements.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: `len` zero-initialised Ts live at `base` until Drop.
        unsafe { core::slice::from_raw_parts(self.base.as_ptr(), self.len) }
    }
}

impl PteTable {
    /// The entries.
    pub fn pairs(&self) -> &[Pair] {
        self.as_slice()
    }
}

impl<T: Zeroable> Drop for Shared<T> {
    fn drop(&mut self) {
        if self.len == 0 {
            return;
        }
        // SAFETY: unmaps exactly the region mapped in `map`.
        unsafe {
            libc::munmap(
                self.base.as_ptr().cast(),
                self.len * core::mem::size_of::<T>(),
            )
        };
    }
}
