//! The queue's flash writes per message, its memory with a deep queue, and its speed, per
//! backend.
//!
//! `cargo bench --bench store [--features sled]` (or `scripts/bench.sh store`). Environment:
//!
//! - `SMSGW_BENCH_N`: messages per write-volume run (default 1000);
//! - `SMSGW_BENCH_QUEUED`: messages queued in the store whose holder's memory is measured
//!   (default 100 000);
//! - `SMSGW_BENCH_DIR`: where the stores go (default: a temporary directory), which should be
//!   on the storage to measure;
//! - `SMSGW_BENCH_DEV`: the block device under `SMSGW_BENCH_DIR` (e.g. `loop0`), to add what
//!   the device itself received (file-system journal included) from `/sys/block/DEV/stat`;
//!   only meaningful when nothing else writes to it;
//! - `SMSGW_BENCH_ONLY`: some of `volume,memory,speed` (default: all);
//! - `SMSGW_BENCH_CACHE`: the engine cache in bytes (default: `Config::default().cache_bytes`);
//! - `SMSGW_BENCH_REPORT`: also write the figures as a markdown section to this file.
//!
//! One message's life, as the daemon drives it: enqueue (alone, or in a batch of 50 as an
//! upstream claim does), begin_part, part_sent, record_delivery, then per 50 messages the
//! upstream acknowledgement of their pushes and a compaction that removes them. Bytes written
//! are `write_bytes` of `/proc/self/io` (what the process dirtied for the block device) and
//! `wchar` (what it passed to write calls). `write_bytes` counts whole page-cache folios: on
//! kernels with large folios a small write into a large folio counts the folio, so the device
//! figure is the one to trust where they differ.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use smsgw::codec::pdu::Status;
use smsgw::linux::store::{Backend, Config, Filter, NewMessage, Store, UnixMs};

const TEXT: &str = "Your appointment is confirmed for tomorrow at 10:30. Reply STOP to opt out.";
/// Messages per upstream claim, push acknowledgement and compaction: the sync's batch.
const BATCH: u64 = 50;
/// Messages run through their life before measuring, so the files have their working size.
const WARM_UP: u64 = 200;
const HOLD: &str = "SMSGW_BENCH_HOLD";

/// I/O counters at one moment.
#[derive(Debug, Clone, Copy, Default)]
struct Io {
    write_bytes: u64,
    wchar: u64,
    device: u64,
}

impl Io {
    fn now() -> Io {
        let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
        let field =
            |name: &str| io.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
        Io { write_bytes: field("write_bytes: "), wchar: field("wchar: "), device: device_bytes().unwrap_or(0) }
    }

    fn since(self, before: Io) -> Io {
        Io {
            write_bytes: self.write_bytes.saturating_sub(before.write_bytes),
            wchar: self.wchar.saturating_sub(before.wchar),
            device: self.device.saturating_sub(before.device),
        }
    }

    fn add(&mut self, other: Io) {
        self.write_bytes += other.write_bytes;
        self.wchar += other.wchar;
        self.device += other.device;
    }
}

/// Bytes the device in `SMSGW_BENCH_DEV` has written (sectors of 512 bytes, field 7).
fn device_bytes() -> Option<u64> {
    let dev = std::env::var("SMSGW_BENCH_DEV").ok()?;
    let stat = std::fs::read_to_string(format!("/sys/block/{dev}/stat")).ok()?;
    stat.split_whitespace().nth(6)?.parse::<u64>().ok().map(|sectors| sectors * 512)
}

fn has_device() -> bool {
    device_bytes().is_some()
}

fn bench_dir() -> tempfile::TempDir {
    match std::env::var_os("SMSGW_BENCH_DIR") {
        Some(base) => tempfile::tempdir_in(base),
        None => tempfile::tempdir(),
    }
    .expect("bench directory")
}

fn dir_size(path: &Path) -> u64 {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => std::fs::read_dir(path)
            .map(|entries| entries.filter_map(Result::ok).map(|e| dir_size(&e.path())).sum())
            .unwrap_or(0),
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Redb => "redb",
        #[allow(unreachable_patterns)]
        _ => "sled",
    }
}

fn backend_named(name: &str) -> Backend {
    match name {
        #[cfg(feature = "sled")]
        "sled" => Backend::Sled,
        _ => Backend::Redb,
    }
}

fn message(upstream_id: u64) -> NewMessage {
    let mut new = NewMessage::new("+41790000000", TEXT, 1);
    new.upstream_id = Some(upstream_id);
    new.status_report = true;
    new
}

/// The steps of a message's life, in the order of the table columns.
const STEPS: [&str; 6] = ["enqueue", "begin", "sent", "delivery", "ack", "compact"];

#[derive(Debug, Clone, Copy, Default)]
struct Volume {
    steps: [Io; 6],
    messages: u64,
    elapsed: Duration,
}

impl Volume {
    fn total(&self) -> Io {
        let mut t = Io::default();
        for s in self.steps {
            t.add(s);
        }
        t
    }
}

/// Runs `n` messages through their life (after a warm-up), measuring each step.
fn lifecycle(store: &Store, batched: bool, first: u64, n: u64) -> Volume {
    let mut v = Volume::default();
    let mut measure = |step: usize, f: &mut dyn FnMut()| {
        let before = Io::now();
        f();
        if let Some(slot) = v.steps.get_mut(step) {
            slot.add(Io::now().since(before));
        }
    };
    let start = Instant::now();
    let mut up = first;
    let mut now = first * 10;
    while up < first + n {
        let count = BATCH.min(first + n - up);
        let news: Vec<NewMessage> = (up..up + count).map(message).collect();
        let mut ids = Vec::new();
        if batched {
            measure(0, &mut || {
                let out = store.enqueue_batch(&news, UnixMs(now)).expect("enqueue batch");
                ids = out.into_iter().map(|r| r.expect("queued").message.id).collect();
            });
        }
        for (i, new) in news.iter().enumerate() {
            now += 10;
            let id = if batched {
                ids[i]
            } else {
                let mut id = None;
                measure(0, &mut || id = Some(store.enqueue(new, UnixMs(now)).expect("enqueue").message.id));
                id.expect("id")
            };
            let ready = store.next_ready(UnixMs(now)).expect("next").expect("ready");
            assert_eq!(ready.message.id, id);
            measure(1, &mut || drop(store.begin_part(id, 0, UnixMs(now)).expect("begin")));
            measure(2, &mut || drop(store.part_sent(id, 0, (up & 0xFF) as u8, UnixMs(now + 1)).expect("sent")));
            measure(3, &mut || drop(store.record_delivery(id, 0, Status(0), UnixMs(now + 2)).expect("report")));
        }
        now += 10;
        let last = store.pending_pushes(usize::MAX).expect("pushes").last().map(|p| p.seq);
        measure(4, &mut || {
            store.ack_pushes(last.unwrap_or(0)).expect("ack");
        });
        let removed = &mut 0;
        measure(5, &mut || *removed = store.compact(UnixMs(now)).expect("compact").messages);
        assert_eq!(*removed, count, "every message of the batch is compacted");
        up += count;
    }
    v.elapsed = start.elapsed();
    v.messages = n;
    v
}

fn kib(bytes: u64, per: u64) -> f64 {
    bytes as f64 / per.max(1) as f64 / 1024.0
}

/// Write volume of a message's whole life, alone and batched.
fn volume(backend: Backend, n: u64, report: &mut String) {
    for batched in [false, true] {
        let dir = bench_dir();
        let path = dir.path().join("queue");
        let config = Config { retention: Duration::ZERO, ..config(backend) };
        let store = Store::open(&path, config).expect("open");
        lifecycle(&store, batched, 0, WARM_UP);
        let v = lifecycle(&store, batched, WARM_UP, n);
        let mode = if batched { "claims of 50" } else { "one at a time" };
        let t = v.total();
        println!(
            "{}: {n} messages, {mode}: {:.1} KiB write_bytes, {:.1} KiB wchar{} per message; {:.0} messages/s",
            name(backend),
            kib(t.write_bytes, n),
            kib(t.wchar, n),
            if has_device() { format!(", {:.1} KiB on the device", kib(t.device, n)) } else { String::new() },
            n as f64 / v.elapsed.as_secs_f64(),
        );
        let cells = |f: fn(&Io) -> u64| {
            let steps: Vec<String> = v.steps.iter().map(|s| format!("{:.1}", kib(f(s), n))).collect();
            format!("{:.1} | {}", kib(f(&t), n), steps.join(" | "))
        };
        let mut rows = vec![("write_bytes", cells(|io| io.write_bytes)), ("wchar", cells(|io| io.wchar))];
        if has_device() {
            rows.push(("device", cells(|io| io.device)));
        }
        for (what, cells) in rows {
            report.push_str(&format!("| {} | {mode} | {what} | {cells} |\n", name(backend)));
        }
        println!("{}: store size {:.0} KiB", name(backend), dir_size(&path) as f64 / 1024.0);
    }
}

/// Queues `queued` messages in a fresh store, then has a fresh process hold it and report its
/// memory: what the daemon needs with that queue.
fn memory(backend: Backend, queued: u64, report: &mut String) {
    let dir = bench_dir();
    let path = dir.path().join("queue");
    {
        let store = Store::open(&path, config(backend)).expect("open");
        let mut up = 0;
        while up < queued {
            let news: Vec<NewMessage> = (up..(up + 1000).min(queued)).map(message).collect();
            store.enqueue_batch(&news, UnixMs(up)).expect("enqueue batch");
            up += news.len() as u64;
        }
    }
    let exe = std::env::current_exe().expect("this bench");
    let out =
        Command::new(exe).env(HOLD, format!("{}|{}", name(backend), path.display())).output().expect("run the holder");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("held ")).unwrap_or("");
    println!("{}: {queued} queued: {line}", name(backend));
    let fields: Vec<&str> = line.split_whitespace().collect();
    let field = |key: &str| fields.iter().position(|f| *f == key).and_then(|i| fields.get(i + 1)).copied();
    let mib =
        |kb: Option<&str>| kb.and_then(|k| k.parse::<f64>().ok()).map_or("?".into(), |k| format!("{:.1}", k / 1024.0));
    report.push_str(&format!(
        "| {} | {queued} | {} | {} | {} | {:.1} |\n",
        name(backend),
        mib(field("rss_kb")),
        mib(field("hwm_kb")),
        field("open_ms").unwrap_or("?"),
        dir_size(&path) as f64 / 1024.0 / 1024.0,
    ));
}

/// The holder: opens the store, asks what the daemon asks, and prints its memory.
fn hold(spec: &str) {
    let (backend, path) = spec.split_once('|').expect("backend|path");
    let start = Instant::now();
    let store = Store::open(PathBuf::from(path), config(backend_named(backend))).expect("open");
    let open_ms = start.elapsed().as_millis();
    store.recover(UnixMs(u64::MAX / 4)).expect("recover");
    let ready = store.next_ready(UnixMs(u64::MAX / 4)).expect("next");
    assert!(ready.is_some());
    let counts = store.counts().expect("counts");
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.split_whitespace().next()).unwrap_or("?")
    };
    println!("held {} messages: rss_kb {} hwm_kb {} open_ms {open_ms}", counts.total(), kb("VmRSS:"), kb("VmHWM:"));
    std::io::stdout().flush().ok();
}

/// Speed figures: a deep queue's `next_ready`, counts, open with verification.
fn speed(backend: Backend, n: u64) {
    let dir = bench_dir();
    let path = dir.path().join("queue");
    let config = config(backend);
    let store = Store::open(&path, config.clone()).expect("open");
    let deep = n.max(1000);
    let news: Vec<NewMessage> = (0..deep)
        .map(|i| {
            let mut new = NewMessage::new("+41790000001", TEXT, 2);
            new.priority = (i % 3) as u8;
            new.not_before = UnixMs(1_000_000 + i);
            new
        })
        .collect();
    for chunk in news.chunks(1000) {
        store.enqueue_batch(chunk, UnixMs(0)).expect("enqueue");
    }
    let start = Instant::now();
    let rounds = 2_000u32;
    for _ in 0..rounds {
        store.next_ready(UnixMs(2_000_000)).expect("next").expect("ready");
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
    let start = Instant::now();
    let counts = store.counts().expect("counts");
    let took = start.elapsed();
    let listed = store.list(Filter { state: None, limit: usize::MAX, offset: 0 }).expect("list").len();
    assert_eq!(counts.total(), listed as u64);
    drop(store);
    let start = Instant::now();
    drop(Store::open(&path, config).expect("reopen"));
    println!(
        "{}: next_ready with {deep} queued {per:.1} µs, counts {:.1} µs, open with verification {:.0} ms",
        name(backend),
        took.as_secs_f64() * 1e6,
        start.elapsed().as_secs_f64() * 1e3,
    );
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

/// The store configuration of every run: the defaults, with the cache the environment asks for.
fn config(backend: Backend) -> Config {
    let defaults = Config { backend, ..Config::default() };
    let cache_bytes =
        env_u64("SMSGW_BENCH_CACHE").and_then(|n| usize::try_from(n).ok()).unwrap_or(defaults.cache_bytes);
    Config { cache_bytes, ..defaults }
}

fn main() {
    if let Ok(spec) = std::env::var(HOLD) {
        hold(&spec);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this once, small.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = env_u64("SMSGW_BENCH_N").unwrap_or(if quick { 20 } else { 1000 });
    let queued = env_u64("SMSGW_BENCH_QUEUED").unwrap_or(if quick { 2_000 } else { 100_000 });
    let backends = [
        Backend::Redb,
        #[cfg(feature = "sled")]
        Backend::Sled,
    ];
    let mut writes = String::new();
    let mut held = String::new();
    let only = std::env::var("SMSGW_BENCH_ONLY").unwrap_or_default();
    let run = |part: &str| only.is_empty() || only.split(',').any(|p| p.trim() == part);
    for backend in backends {
        if run("volume") {
            volume(backend, n, &mut writes);
        }
        if run("memory") {
            memory(backend, queued, &mut held);
        }
        if run("speed") {
            speed(backend, n);
        }
    }
    let Some(out) = std::env::var_os("SMSGW_BENCH_REPORT") else { return };
    let device = if has_device() { ", the device's own count (journal included)" } else { "" };
    let section = format!(
        "## store: flash writes per message, memory with a deep queue\n\n\
         KiB written per single-part message over its whole life ({n} messages after {WARM_UP} to warm up; \
         {BATCH} per claim, acknowledgement and compaction), as `write_bytes` and `wchar` of `/proc/self/io`{device}. \
         Promise: at most 16 KiB.\n\n\
         | backend | enqueued | figure | total | {} |\n| --- | --- | --- | ---: |{}\n{writes}\n\
         A fresh process holding a store of queued messages (open, recover, next_ready, counts). Promise: at most \
         16 MiB of RSS with 100 000 queued.\n\n\
         | backend | queued | VmRSS MiB | VmHWM MiB | open ms | store MiB |\n| --- | ---: | ---: | ---: | ---: | ---: |\n\
         {held}",
        STEPS.join(" | "),
        " ---: |".repeat(STEPS.len()),
    );
    std::fs::write(out, section).expect("write the report");
}
