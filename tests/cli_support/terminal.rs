//! Runs the binary on a pseudo-terminal, for the interactive prompts: the test reads what
//! the program draws and types keys once a prompt has appeared.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use leasehold_testkit::Poll;

use super::Cli;

/// A running `leasehold` whose stdin, stdout and stderr are a terminal.
pub struct Terminal {
    master: File,
    child: Child,
    /// Everything drawn so far.
    pub screen: String,
}

impl Cli {
    /// Starts `leasehold <args>` on a new 120×40 pseudo-terminal.
    pub fn spawn_in_terminal(&self, args: &[&str]) -> Terminal {
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: 40,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two descriptors into the integers it is given.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened and are owned here alone.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        // SAFETY: fcntl on a descriptor this function owns.
        unsafe {
            let flags = libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&master), libc::F_GETFL);
            libc::fcntl(
                std::os::fd::AsRawFd::as_raw_fd(&master),
                libc::F_SETFL,
                flags | libc::O_NONBLOCK,
            );
        }
        let stdio = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup pty"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_leasehold"));
        cmd.current_dir(env!("CARGO_TARGET_TMPDIR"))
            .env_remove("LEASEHOLD_CONFIG")
            .env_remove("LEASEHOLD_TIMEOUT")
            .env("TERM", "xterm")
            .env("LEASEHOLD_NATS_URL", &self.nats_url)
            .env("LEASEHOLD_SUBJECT_PREFIX", &self.prefix)
            .args(args)
            .stdin(stdio(&slave))
            .stdout(stdio(&slave))
            .stderr(stdio(&slave));
        match &self.actor {
            Some(actor) => cmd.env("LEASEHOLD_ACTOR", actor),
            None => cmd.env_remove("LEASEHOLD_ACTOR"),
        };
        let child = cmd.spawn().expect("spawn leasehold");
        Terminal {
            master,
            child,
            screen: String::new(),
        }
    }
}

impl Terminal {
    /// Reads what was drawn until `text` has appeared (panics after 30 s).
    pub async fn wait_for(&mut self, text: &str) {
        let mut poll = Poll::new(Duration::from_secs(30), Duration::from_millis(20));
        loop {
            self.drain();
            if self.screen.contains(text) {
                return;
            }
            assert!(
                poll.again().await,
                "{text:?} never appeared:\n{}",
                self.screen
            );
        }
    }

    /// Types `keys` (raw bytes: `" "`, `"\x1b[B"` for the down arrow, `"\r"` for Enter).
    pub fn press(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).expect("type");
    }

    /// Waits for the program to exit (panics after 60 s) and returns its status.
    pub async fn exit(&mut self) -> ExitStatus {
        let mut poll = Poll::new(Duration::from_secs(60), Duration::from_millis(20));
        loop {
            self.drain();
            if let Some(status) = self.child.try_wait().expect("wait") {
                self.drain();
                return status;
            }
            assert!(poll.again().await, "still running:\n{}", self.screen);
        }
    }

    fn drain(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            match self.master.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => self.screen.push_str(&String::from_utf8_lossy(&buf[..n])),
                // EIO: the program exited and closed the terminal.
                Err(e)
                    if e.kind() == ErrorKind::WouldBlock || e.raw_os_error() == Some(libc::EIO) =>
                {
                    return
                }
                Err(e) => panic!("read terminal: {e}"),
            }
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
