//! Crash torture: a child process (this test binary, run again with an environment variable)
//! drives the queue and appends what it has *committed* to a side log, fsync'd after each
//! commit returns; the parent kills it with SIGKILL at random moments, reopens the store,
//! recovers, and checks the store against the log.
//!
//! Set `SMSGW_CRASH_SEED` to replay a run; the seed is printed with every failure.

mod common;
mod store_support;

use smsgw::sim::rng::Rng;
use std::collections::{BTreeMap, HashMap};
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smsgw::linux::store::{check, Backend, Config, Failure, MessageId, NewMessage, PartState, Store, UnixMs};

const CHILD: &str = "SMSGW_STORE_CRASH_CHILD";

fn config(backend: Backend) -> Config {
    // No backoff, so failed messages come round again within one child's life.
    Config { backend, backoff: vec![Duration::ZERO], default_attempts: 4, ..Config::default() }
}

fn backend_named(name: &str) -> Backend {
    match name {
        #[cfg(feature = "sled")]
        "sled" => Backend::Sled,
        _ => Backend::Redb,
    }
}

fn now() -> UnixMs {
    UnixMs(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64))
}

/// The child: never returns when run by the parent; a no-op in an ordinary test run.
#[test]
fn crash_child() {
    let Ok(spec) = std::env::var(CHILD) else { return };
    let mut fields = spec.split('|');
    let (store_path, log_path, backend, seed) =
        (fields.next().unwrap(), fields.next().unwrap(), fields.next().unwrap(), fields.next().unwrap());
    let mut rng = Rng::new(seed.parse::<u64>().unwrap());
    // A line cut short by the last kill is not a commit; drop it before appending.
    let text = std::fs::read(log_path).unwrap_or_default();
    let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let log = OpenOptions::new().create(true).truncate(false).write(true).open(log_path).unwrap();
    log.set_len(keep as u64).unwrap();
    drop(log);
    let mut log = OpenOptions::new().append(true).open(log_path).unwrap();
    let mut record = |line: String| {
        log.write_all(line.as_bytes()).unwrap();
        log.write_all(b"\n").unwrap();
        log.sync_data().unwrap();
    };
    let store = Store::open(store_path, config(backend_named(backend))).unwrap();
    loop {
        match rng.below(10) {
            0..=2 => {
                let up = rng.below(400);
                let parts = 1 + (up % 3) as u8;
                let mut new = NewMessage::new(format!("+4179{up:07}"), format!("text {up}"), parts);
                new.upstream_id = Some(up);
                new.priority = (up % 4) as u8;
                let e = store.enqueue(&new, now()).unwrap();
                record(format!("E {} {up}", e.message.id.0));
            }
            3..=8 => {
                let Some(ready) = store.next_ready(now()).unwrap() else { continue };
                let (id, part) = (ready.message.id, ready.part);
                let m = store.begin_part(id, part, now()).unwrap();
                let attempt = m.parts[usize::from(part)].attempts;
                record(format!("B {} {part} {attempt}", id.0));
                match rng.below(10) {
                    0..=6 => {
                        store.part_sent(id, part, (rng.below(256)) as u8, now()).unwrap();
                        record(format!("S {} {part}", id.0));
                    }
                    7..=8 => {
                        store.part_failed(id, part, &Failure::Temporary("busy".into()), now()).unwrap();
                        record(format!("F {} {part}", id.0));
                    }
                    // Left in flight: as if the modem never answered.
                    _ => {}
                }
            }
            _ => {
                if let Some(last) = store.pending_pushes(1 + rng.below(8) as usize).unwrap().last() {
                    store.ack_pushes(last.seq).unwrap();
                    record(format!("A {}", last.seq));
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Logged {
    Begun(u16),
    Sent,
    Failed,
}

/// Parses the complete lines of the side log and checks what the log alone must satisfy.
struct Log {
    /// id → upstream id, from every enqueue.
    enqueued: BTreeMap<u64, u64>,
    /// (id, part) → what was last committed for it, and the attempt of the last begin.
    parts: HashMap<(u64, u8), (Logged, u16)>,
    last_ack: u64,
    /// Commits logged.
    lines: usize,
}

fn read_log(path: &Path, seed: u64) -> Log {
    let text = String::from_utf8(std::fs::read(path).unwrap_or_default()).unwrap();
    let complete = text.rfind('\n').map_or("", |i| &text[..i]);
    let mut log = Log { enqueued: BTreeMap::new(), parts: HashMap::new(), last_ack: 0, lines: 0 };
    let mut by_upstream: HashMap<u64, u64> = HashMap::new();
    for line in complete.lines() {
        log.lines += 1;
        let f: Vec<u64> = line[2..].split(' ').map(|x| x.parse().unwrap()).collect();
        match &line[..1] {
            "E" => {
                let (id, up) = (f[0], f[1]);
                let first = *by_upstream.entry(up).or_insert(id);
                assert_eq!(first, id, "seed {seed}: upstream {up} enqueued as two messages");
                log.enqueued.insert(id, up);
            }
            "B" => {
                let key = (f[0], f[1] as u8);
                if let Some((Logged::Sent, _)) = log.parts.get(&key) {
                    panic!("seed {seed}: part {key:?} handed out again after it was sent");
                }
                log.parts.insert(key, (Logged::Begun(f[2] as u16), f[2] as u16));
            }
            "S" | "F" => {
                let key = (f[0], f[1] as u8);
                let attempt = log.parts.get(&key).map_or(0, |p| p.1);
                let what = if &line[..1] == "S" { Logged::Sent } else { Logged::Failed };
                log.parts.insert(key, (what, attempt));
            }
            "A" => {
                assert!(f[0] > log.last_ack, "seed {seed}: a push acknowledged twice");
                log.last_ack = f[0];
            }
            other => panic!("seed {seed}: log line {other:?}"),
        }
    }
    log
}

fn torture(backend: Backend, cycles: u32) {
    // Fewer kills under emulation (`SMSGW_CRASH_CYCLES`), never more than asked.
    let cycles =
        std::env::var("SMSGW_CRASH_CYCLES").ok().and_then(|s| s.parse().ok()).map_or(cycles, |n: u32| n.min(cycles));
    let seed = std::env::var("SMSGW_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64);
    eprintln!("crash torture {backend:?}: seed {seed}");
    let mut rng = Rng::new(seed);
    let dir = tempfile::tempdir().unwrap();
    let store_path: PathBuf = dir.path().join("queue");
    let log_path = dir.path().join("committed.log");
    let config = config(backend);
    // Created here, so a kill during the very first open cannot leave an empty file behind.
    drop(Store::open(&store_path, config.clone()).unwrap());
    let name = match backend {
        Backend::Redb => "redb",
        #[allow(unreachable_patterns)]
        _ => "sled",
    };
    let mut unknown_total = 0;
    for cycle in 0..cycles {
        let spec = format!("{}|{}|{name}|{}", store_path.display(), log_path.display(), rng.next_u64());
        let logged_before = std::fs::metadata(&log_path).map_or(0, |m| m.len());
        let mut child = common::this_test_binary()
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, spec)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if rng.below(5) == 0 {
            // Sometimes while it starts up and opens the store.
            std::thread::sleep(Duration::from_millis(rng.below(50)));
        } else {
            // Otherwise once it is at work (however slowly it starts, e.g. under qemu), at a
            // random moment.
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while std::fs::metadata(&log_path).map_or(0, |m| m.len()) == logged_before
                && std::time::Instant::now() < deadline
                && matches!(child.try_wait(), Ok(None))
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            std::thread::sleep(Duration::from_millis(rng.below(250)));
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("seed {seed} cycle {cycle}: the child stopped by itself ({status}): {err}");
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let log = read_log(&log_path, seed);
        let store = Store::open(&store_path, config.clone())
            .unwrap_or_else(|e| panic!("seed {seed} cycle {cycle}: open after the kill: {e}"));
        let ctx = |what: &str| format!("seed {seed} cycle {cycle}: {what}");
        for (&id, &up) in &log.enqueued {
            let m = store.get(MessageId(id)).unwrap().unwrap_or_else(|| panic!("{}", ctx(&format!("{id} lost"))));
            assert_eq!(
                (m.upstream_id, m.text.as_str()),
                (Some(up), format!("text {up}").as_str()),
                "{}",
                ctx("message")
            );
            assert_eq!(store.by_upstream(up).unwrap().map(|m| m.id.0), Some(id), "{}", ctx("upstream index"));
        }
        let in_flight = store.in_flight().unwrap();
        for (&(id, part), &(what, attempt)) in &log.parts {
            let m = store.get(MessageId(id)).unwrap().unwrap();
            let p = m.parts[usize::from(part)];
            assert!(p.attempts >= attempt, "{}", ctx(&format!("{id}/{part}: begun attempts went back")));
            match what {
                Logged::Sent => assert!(p.state.is_sent(), "{}", ctx(&format!("{id}/{part} sent, now {p:?}"))),
                Logged::Begun(k) => match p.state {
                    PartState::InFlight { attempt, .. } => {
                        assert!(attempt >= k && in_flight.contains(&(MessageId(id), part)), "{}", ctx("in flight"))
                    }
                    PartState::Sent { .. } | PartState::Reported { .. } => {}
                    PartState::Pending => {
                        // Only a failure or an unknown outcome committed after the begin puts
                        // it back; the history says which.
                        let n = u16::from(part) + 1;
                        let h = store.history(UnixMs(0), usize::MAX).unwrap();
                        let explained = h.iter().any(|c| {
                            c.id.0 == id
                                && (c.detail.starts_with(&format!("part {n} attempt {k} failed"))
                                    || c.detail.starts_with(&format!("part {n} attempt {k}: outcome unknown")))
                        });
                        assert!(explained, "{}", ctx(&format!("{id}/{part} begun, now pending unexplained")));
                    }
                },
                Logged::Failed => {}
            }
        }
        // Every part left in flight is counted as unknown, and none is left after.
        let before: HashMap<u64, u16> =
            in_flight.iter().map(|(id, _)| (id.0, store.get(*id).unwrap().unwrap().unknown_parts)).collect();
        let rec = store.recover(now()).unwrap();
        assert_eq!(rec.unknown_parts, in_flight.len() as u64, "{}", ctx("recover count"));
        assert_eq!(rec.resent + rec.failed, rec.unknown_parts, "{}", ctx("recover split"));
        unknown_total += rec.unknown_parts;
        assert!(store.in_flight().unwrap().is_empty(), "{}", ctx("in flight after recover"));
        for (id, part) in &in_flight {
            let m = store.get(*id).unwrap().unwrap();
            assert_eq!(m.unknown_parts, before[&id.0] + 1, "{}", ctx("unknown_parts"));
            assert_eq!(m.parts[usize::from(*part)].state, PartState::Pending, "{}", ctx("resend"));
        }
        let stats = store.stats().unwrap();
        assert_eq!(stats.unknown_resent + stats.unknown_failed, unknown_total, "{}", ctx("life counters"));
        // The outbox: in order, contiguous, nothing acknowledged given out again.
        let pushes = store.pending_pushes(usize::MAX).unwrap();
        assert!(pushes.windows(2).all(|w| w[1].seq == w[0].seq + 1), "{}", ctx("outbox contiguous"));
        assert!(pushes.first().map_or(true, |p| p.seq > log.last_ack), "{}", ctx("acknowledged push again"));
        drop(store);
        let report = check(&store_path, &config).unwrap();
        assert!(report.is_ok(), "{}", ctx(&format!("check: {:?}", report.problems)));
    }
    let log = read_log(&log_path, seed);
    eprintln!(
        "crash torture {backend:?}: {cycles} kills, {} messages, {} parts logged, {unknown_total} unknown",
        log.enqueued.len(),
        log.parts.len()
    );
    // Four kills in five wait for the child to commit something first.
    assert!(log.lines >= cycles as usize / 2, "seed {seed}: the child made too little progress: {}", log.lines);
    assert!(!log.enqueued.is_empty() && !log.parts.is_empty(), "seed {seed}: nothing sent");
}

#[test]
fn crash_torture_redb() {
    torture(Backend::Redb, 50);
}

#[cfg(feature = "sled")]
#[test]
fn crash_torture_sled() {
    torture(Backend::Sled, 15);
}
