//! SIGINT and SIGTERM: the first one asks the run to stop and report what it
//! has (`interrupted: true`); a second one exits at once (128 + signal).

use signal_hook::consts::{SIGINT, SIGTERM};
use std::io;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Catches SIGINT and SIGTERM: the first sets the returned flag (the run stops and reports), a second exits at once (130 / 143).
pub fn install() -> io::Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM] {
        // Order matters (signal-hook docs): the conditional exit is armed by
        // the flag that the next registration sets on the first signal.
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&flag))?;
        signal_hook::flag::register(sig, Arc::clone(&flag))?;
    }
    Ok(flag)
}
