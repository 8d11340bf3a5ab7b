//! Waiting for the tracers' children with a deadline (x86-64 Linux), so
//! that a hung child fails the case instead of stalling the run.
//!
//! SIGCHLD is blocked while a [`Deadline`] lives (the children are forked
//! before, so they do not inherit the mask): each wait polls `waitpid`
//! with `WNOHANG`, then sleeps in `sigtimedwait` until a child changes
//! state (an exit, or a ptrace stop) or the deadline passes. A state change
//! between the poll and the sleep leaves SIGCHLD pending, so none is lost.

use std::time::{Duration, Instant};

/// A deadline for the children of one case.
pub struct Deadline {
    at: Instant,
    timeout: Duration,
    old: libc::sigset_t,
}

impl Deadline {
    /// Starts the clock: `timeout` from now.
    pub fn new(timeout: Duration) -> Result<Deadline, String> {
        // SAFETY: sigset_t is plain data, initialized by sigemptyset before
        // use; pthread_sigmask changes this thread's mask only and writes
        // the old one to `old`.
        unsafe {
            let mut set: libc::sigset_t = core::mem::zeroed();
            let mut old: libc::sigset_t = core::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGCHLD);
            let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
            if rc != 0 {
                return Err(format!(
                    "pthread_sigmask: {}",
                    std::io::Error::from_raw_os_error(rc)
                ));
            }
            Ok(Deadline {
                at: Instant::now() + timeout,
                timeout,
                old,
            })
        }
    }

    /// The time allowed, for messages.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `waitpid(pid, flags)` until a child changes state: its pid and wait
    /// status, or `None` once the deadline has passed.
    pub fn wait(
        &self,
        pid: libc::pid_t,
        flags: libc::c_int,
    ) -> Result<Option<(libc::pid_t, libc::c_int)>, String> {
        loop {
            let mut status = 0;
            // SAFETY: waits for our children; `status` is a valid int.
            let r = unsafe { libc::waitpid(pid, &mut status, flags | libc::WNOHANG) };
            if r > 0 {
                return Ok(Some((r, status)));
            }
            if r < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(format!("waitpid: {e}"));
            }
            let left = self.at.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            // At most a second at a time (a safety net; SIGCHLD wakes us).
            let left = left.min(Duration::from_secs(1));
            let ts = libc::timespec {
                tv_sec: left.as_secs() as libc::time_t,
                tv_nsec: left.subsec_nanos() as libc::c_long,
            };
            // SAFETY: `set` is initialized by sigemptyset; sigtimedwait
            // only reads it and the timespec, and takes a pending SIGCHLD
            // (blocked since `new`) off the queue.
            unsafe {
                let mut set: libc::sigset_t = core::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGCHLD);
                // EAGAIN (the time is up) and EINTR both mean: poll again.
                libc::sigtimedwait(&set, core::ptr::null_mut(), &ts);
            }
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        // SAFETY: restores this thread's signal mask saved in `new`.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, core::ptr::null_mut()) };
    }
}

/// Kills our child `pid`, which has not been reaped yet (so its pid is
/// still ours), and reaps it.
pub fn kill_and_reap(pid: libc::pid_t) {
    // SAFETY: SIGKILL to our own unreaped child, then a blocking wait for
    // it (retried when a signal interrupts it).
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        while libc::waitpid(pid, core::ptr::null_mut(), libc::__WALL) < 0
            && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
        {}
    }
}
