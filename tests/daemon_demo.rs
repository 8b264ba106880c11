//! `smsgw demo` runs the whole gateway on its simulated modem and ends as it says.

mod common;

#[test]
fn the_demo_sends_its_messages_and_exits_0() {
    let out = common::run(&["demo"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    for want in [
        "modem ready: huawei E3372, operator SimNet",
        "  #1 sent      part 1/1 sent",
        "  #2 sent      part 3/3 sent",
        "  #3 delivered part 1/1: short message received by the SME",
        "  #4 failed    invalid recipient \"+49 170 CALL-ME\"",
        "  #5 failed    part 1/1: CMS error 21: Short message transfer rejected",
        "  #6 sent      part 1/1 sent",
        "  call 1 from +41791234567 recorded: replied (message #6)",
        "  #7 failed    +41791234567 opted out by sending \"STOP\"",
        "summary: 3 sent, 1 delivered, 3 failed; the simulated network carried 6 parts",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    // The simulated board's LEDs with their patterns; plain dots, no colour codes.
    assert!(text.contains("LEDs: ● health (on)  ● network (on)  ○ queue (off)") && !text.contains('\x1b'), "{text}");
}
