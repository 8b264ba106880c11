//! The outage a hung modem causes, on the simulated clock: from the hang (while a multipart
//! message is being sent) to the next part the network accepts, through the driver's recovery
//! ladder and the board's power cycle, against the ladder's configured bound.
//!
//! `cargo bench --bench board` prints a Markdown section; `scripts/bench.sh board` puts it in
//! BENCHMARKS.md. The clock is simulated, so the numbers are the same on every machine: they
//! measure the timings the configuration chose, not the CPU.

#[path = "../tests/board_support/mod.rs"]
mod board_support;

use std::time::Duration;

use board_support::{encode_parts, ladder_bound, outage, sim_board_config, Rig};
use smsgw::modem::{Event, PartId, RecoveryStep};
use smsgw::sim::Profile;

const TEXT: &str = "A message of three parts, so that the modem hangs in the middle of one: the second part \
is handed to the driver as the modem stops answering, and the measurement runs until the network accepts \
it after the recovery ladder and the board's power cycle have brought the modem back. The third part follows \
it, and every part must reach the network exactly once.";

fn secs(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}

fn main() {
    println!("## board: outage from a modem hang to the next sent message");
    println!();
    println!(
        "On the simulated clock (`board/sim.toml`: relay, 3 s off; the driver's timings for the family, \
         re-enumeration wait at least the board's), the simulated modem hangs as the second part of a \
         three-part message is handed to the driver. Outage: from the hang to the network accepting that \
         part. Ladder bound: the sum of the ladder's step waits (resync: guard and probes; soft reset: boot \
         wait and probes; USB reset and power cycle: re-enumeration wait and probes); the hang itself is \
         noticed when the `>` prompt does not come (detection). Only a power cycle brings a hung simulator \
         back, so every run climbs the whole ladder."
    );
    println!();
    println!("| simulated modem | driver family | modem boot s | detection s | outage s | ladder bound s | outage / (detection + bound) | steps | power cycles | parts on air |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
    for (profile, family) in [(Profile::Huawei, "huawei"), (Profile::Sim800, "simcom"), (Profile::Ec25, "quectel")] {
        let config = sim_board_config(|t| t.replace("family = \"huawei\"", &format!("family = \"{family}\"")));
        let mut rig = Rig::ready(profile, &config);
        let parts = encode_parts(TEXT, 1);
        assert_eq!(parts.len(), 3, "the text makes three parts");
        rig.queue.extend(parts);
        rig.hang_at = Some(PartId(2));
        rig.run_until(Duration::from_secs(3_600), |r| r.sent.len() == 3);
        let outage = outage(&rig).expect("a part sent after the hang");
        let bound = ladder_bound(&rig.driver);
        let detection = rig.driver.config().timings.prompt;
        let steps: Vec<&str> = rig
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::Recovery { step, .. } => Some(match step {
                    RecoveryStep::Resync => "resync",
                    RecoveryStep::SoftReset => "soft reset",
                    RecoveryStep::UsbReset => "USB reset",
                    RecoveryStep::PowerCycle => "power cycle",
                }),
                _ => None,
            })
            .collect();
        let boot = Duration::from_millis(u64::from(profile.spec().boot_ms));
        println!(
            "| {} | {family} | {} | {} | {} | {} | {:.2} | {} | {} | {} |",
            profile.name(),
            secs(boot),
            secs(detection),
            secs(outage),
            secs(bound),
            outage.as_secs_f64() / (detection + bound).as_secs_f64(),
            steps.join(", "),
            rig.board.sequencer().counters().cycles,
            rig.air.len(),
        );
        assert!(outage <= detection + bound, "{profile:?}: outage {outage:?} beyond the bound");
        assert_eq!(rig.air.len(), 3, "{profile:?}: every part once");
    }
}
