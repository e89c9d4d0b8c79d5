//! Loading and unloading kmod/'s module, and its debugfs files.
//! finit_module(2) with the run's options as parameters; delete_module(2)
//! when the [`Loaded`] guard is dropped, so an error or a signal never
//! leaves it loaded.

use crate::error::{runtime, usage, Error};
use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The module's name (kmod/Kbuild: obj-m := ptear_kmod.o).
pub const NAME: &str = "ptear_kmod";
/// Where debugfs is mounted, and the module's directory in it.
const DEBUGFS: &str = "/sys/kernel/debug";

/// The module, loaded; unloaded on drop.
pub struct Loaded {
    dir: PathBuf,
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

impl Loaded {
    /// Loads `path` with `params`. The module starts the run at once.
    pub fn load(path: &Path, params: &str) -> Result<Loaded, Error> {
        let file = std::fs::File::open(path).map_err(|e| {
            usage(format!(
                "--module {}: {e} (build kmod/ against this kernel's headers: make -C kmod KDIR=/lib/modules/$(uname -r)/build)",
                path.display()
            ))
        })?;
        let p = CString::new(params).map_err(|_| runtime("module parameters with a NUL"))?;
        // SAFETY: finit_module reads the open file and the NUL-terminated string.
        let rc = unsafe { libc::syscall(libc::SYS_finit_module, file.as_raw_fd(), p.as_ptr(), 0) };
        if rc != 0 {
            let e = errno();
            let why = match e {
                libc::EPERM => "not permitted: loading a module needs root (CAP_SYS_MODULE)".to_owned(),
                libc::EEXIST => format!("{NAME} is loaded already (another run, or one that died: rmmod {NAME})"),
                libc::ENOEXEC | libc::EINVAL => format!(
                    "{} is not a module for this kernel (built against other headers? `dmesg | tail` says why)",
                    path.display()
                ),
                _ => std::io::Error::from_raw_os_error(e).to_string(),
            };
            return Err(runtime(format!("cannot load {}: {why}", path.display())));
        }
        let loaded = Loaded {
            dir: Path::new(DEBUGFS).join("ptear"),
        };
        if !loaded.dir.exists() {
            // An init script or a minimal system may not have debugfs mounted.
            let src = CString::new("debugfs").unwrap();
            let dst = CString::new(DEBUGFS).unwrap();
            // SAFETY: plain C strings; failure is reported below.
            unsafe {
                libc::mount(
                    src.as_ptr(),
                    dst.as_ptr(),
                    src.as_ptr(),
                    0,
                    std::ptr::null(),
                );
            }
            if !loaded.dir.exists() {
                return Err(runtime(format!(
                    "{NAME} is loaded but {} is missing: is debugfs mounted there? (mount -t debugfs debugfs {DEBUGFS})",
                    loaded.dir.display()
                )));
            }
        }
        Ok(loaded)
    }

    /// One of its debugfs files.
    pub fn read(&self, name: &str) -> Result<String, Error> {
        std::fs::read_to_string(self.dir.join(name)).map_err(|e| {
            runtime(format!(
                "cannot read {}: {e}",
                self.dir.join(name).display()
            ))
        })
    }

    /// Why the module refused the run's parameters, if it did.
    pub fn refused(&self) -> Result<Option<String>, Error> {
        let state = self.read("state")?;
        Ok(state.trim().strip_prefix("error ").map(str::to_owned))
    }

    /// Tells the run to stop now.
    pub fn stop(&self) -> Result<(), Error> {
        std::fs::write(self.dir.join("control"), "stop")
            .map_err(|e| runtime(format!("cannot stop the module's run: {e}")))
    }

    /// Waits until every thread of the run is done. On `interrupt` (or past
    /// `deadline`) it stops the run first; returns whether it was
    /// interrupted.
    pub fn wait(&self, interrupt: &AtomicBool, deadline: Option<Duration>) -> Result<bool, Error> {
        let start = Instant::now();
        let mut interrupted = false;
        let mut stopped = false;
        loop {
            if self.read("state")?.trim() == "done" {
                return Ok(interrupted);
            }
            if !stopped && interrupt.load(Relaxed) {
                interrupted = true;
                self.stop()?;
                stopped = true;
            }
            if !stopped && deadline.is_some_and(|d| start.elapsed() > d) {
                self.stop()?;
                stopped = true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        // Stop any run still going, then unload; its threads are parked and
        // module_exit stops them.
        let _ = std::fs::write(self.dir.join("control"), "stop");
        let name = CString::new(NAME).unwrap();
        for _ in 0..100 {
            // SAFETY: a NUL-terminated module name.
            let rc =
                unsafe { libc::syscall(libc::SYS_delete_module, name.as_ptr(), libc::O_NONBLOCK) };
            if rc == 0 || errno() != libc::EAGAIN && errno() != libc::EBUSY {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
