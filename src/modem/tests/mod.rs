//! Transcript tests: the driver against a scripted modem, on a clock moved by hand.

mod script;

mod calls;
mod fuzz;
mod init;
mod receive;
mod recovery;
mod send;
mod with_sim;
/// The RAM figure in memory-layout/modem.md stays true.
#[test]
fn the_driver_fits_its_budget() {
    let size = core::mem::size_of::<crate::modem::Driver>();
    assert!(size <= 12 * 1024, "Driver takes {size} bytes");
}
