//! The table of entries: one `mmap(MAP_SHARED | MAP_ANONYMOUS)` region, as
//! page tables are memory shared between CPUs, not a thread-local heap object.

use crate::pte::Pair;
use std::io;
use std::ptr::NonNull;

/// The shared table of entries (an mmap'd region, unmapped on drop).
pub struct PteTable {
    base: NonNull<Pair>,
    len: usize,
}

// SAFETY: the region is only accessed through `Pair`'s atomics.
unsafe impl Send for PteTable {}
unsafe impl Sync for PteTable {}

impl PteTable {
    /// Maps `len` zeroed pairs (zero is the not-present entry).
    pub fn map(len: usize) -> io::Result<PteTable> {
        let bytes = len
            .checked_mul(core::mem::size_of::<Pair>())
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
        // mmap returns page-aligned memory, so every Pair is 8-byte aligned.
        let base = NonNull::new(p.cast::<Pair>()).expect("mmap returned NULL without MAP_FIXED");
        Ok(PteTable { base, len })
    }

    /// The entries.
    pub fn pairs(&self) -> &[Pair] {
        // SAFETY: `len` zero-initialised Pairs live at `base` until Drop.
        unsafe { core::slice::from_raw_parts(self.base.as_ptr(), self.len) }
    }
}

impl Drop for PteTable {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the region mapped in `map`.
        unsafe {
            libc::munmap(
                self.base.as_ptr().cast(),
                self.len * core::mem::size_of::<Pair>(),
            )
        };
    }
}
