//! Reloading the table when its files change or on SIGHUP, and the
//! signals that stop the service.

use std::sync::Arc;
use std::time::SystemTime;

use crate::Shared;

/// What tells a file changed: its length, modification time and inode
/// (a file replaced by a rename is a new inode even within one tick).
type Stamp = Option<(u64, Option<SystemTime>, u64)>;

fn stamp(path: &std::path::Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let ino = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let ino = 0;
    Some((meta.len(), meta.modified().ok(), ino))
}

/// Runs until aborted: reloads when a watched file changes, and on SIGHUP.
pub async fn watch(shared: Arc<Shared>) {
    let stamps = |s: &Shared| {
        s.config
            .watch
            .iter()
            .map(|p| stamp(p))
            .collect::<Vec<Stamp>>()
    };
    let mut last = stamps(&shared);
    let mut tick = tokio::time::interval(shared.config.poll);
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    loop {
        #[cfg(unix)]
        let why = tokio::select! {
            _ = tick.tick() => None,
            Some(()) = async { match hup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => Some("SIGHUP"),
        };
        #[cfg(not(unix))]
        let why = {
            tick.tick().await;
            None
        };
        let now = stamps(&shared);
        let why = match why {
            Some(w) => w,
            None if now != last => "the table file changed",
            None => continue,
        };
        last = now;
        let s = Arc::clone(&shared);
        let _ = tokio::task::spawn_blocking(move || s.reload(why)).await;
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
