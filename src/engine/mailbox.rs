//! How hammer threads hand their counters to the monitor without ever
//! blocking: a mutex that both sides only `try_lock`. A thread that finds it
//! taken skips this publication (it publishes again a few thousand
//! operations later); no side ever waits on a futex, so no syscalls.
//!
//! (An atomic per counter is not portable: MIPS32 has no 64-bit atomics, and
//! counters must be 64-bit to survive a month at full speed.)

use std::sync::{Mutex, TryLockError};

/// A value one thread publishes and the monitor reads without blocking the publisher.
pub struct Mailbox<T> {
    slot: Mutex<T>,
}

impl<T: Clone> Mailbox<T> {
    /// A mailbox holding `value`.
    pub fn new(value: T) -> Mailbox<T> {
        Mailbox {
            slot: Mutex::new(value),
        }
    }

    /// Lets `fill` update the published copy, unless the monitor holds it.
    /// Called through `dyn`: each hammer loop's closure is a type of its
    /// own, and a generic body was 660 copies of the lock and its guard's
    /// drop, 7% of the library's LLVM IR (`cargo llvm-lines`). One
    /// indirect call per publication, every PUBLISH chunks, costs nothing
    /// the loop can see.
    #[inline]
    pub fn publish(&self, mut fill: impl FnMut(&mut T)) {
        self.publish_dyn(&mut fill);
    }

    /// Like `publish`, but retries until it lands: for the last publication.
    #[inline]
    pub fn publish_final(&self, mut fill: impl FnMut(&mut T)) {
        self.publish_final_dyn(&mut fill);
    }

    #[inline(never)]
    fn publish_dyn(&self, fill: &mut dyn FnMut(&mut T)) {
        match self.slot.try_lock() {
            Ok(mut g) => fill(&mut g),
            Err(TryLockError::Poisoned(p)) => fill(&mut p.into_inner()),
            Err(TryLockError::WouldBlock) => {}
        }
    }

    #[inline(never)]
    fn publish_final_dyn(&self, fill: &mut dyn FnMut(&mut T)) {
        fill(&mut self.wait_lock());
    }

    /// A copy of what was last published (monitor side).
    pub fn read(&self) -> T {
        self.wait_lock().clone()
    }

    fn wait_lock(&self) -> std::sync::MutexGuard<'_, T> {
        loop {
            match self.slot.try_lock() {
                Ok(g) => return g,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => std::thread::yield_now(),
            }
        }
    }
}
