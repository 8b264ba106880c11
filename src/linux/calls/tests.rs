use super::*;
use crate::linux::dates::parse_date;

fn ms(utc: &str) -> u64 {
    parse_date(utc).unwrap_or_else(|e| panic!("{e}"))
}

/// Replies on, Zurich time, Swiss numbers, quiet from 22:00 to 07:00, a day's window.
fn zurich() -> CallsConfig {
    CallsConfig {
        reply: true,
        template: Template::parse("{caller} rang {gateway} at {time} on {date}").unwrap(),
        time_zone: Zone::parse("Europe/Zurich").unwrap(),
        default_country: Some("41".into()),
        callers: Callers::default(),
        quiet_hours: Some(QuietHours::parse("22:00-07:00").unwrap()),
        quiet_action: QuietAction::Defer,
        window: DEFAULT_WINDOW,
    }
}

const MOBILE: &str = "+41791234567";

fn reply(text: &str, not_before: Option<&str>) -> Decision {
    Decision::Reply { to: MOBILE.into(), text: text.into(), not_before_ms: not_before.map(ms) }
}

fn skip(reason: SkipReason) -> Decision {
    Decision::Skip { caller: Some(MOBILE.into()), reason }
}

fn rules(entries: &[&str]) -> Vec<CallerRule> {
    entries.iter().map(|e| CallerRule::parse(e, Some("41")).unwrap()).collect()
}

struct Case {
    what: &'static str,
    config: fn(&mut CallsConfig),
    number: Option<&'static str>,
    /// UTC.
    at: &'static str,
    last_reply: Option<&'static str>,
    opted_out: bool,
    expected: Decision,
}

fn same(_: &mut CallsConfig) {}

#[test]
fn decisions() {
    let cases = [
        Case {
            what: "a summer afternoon: Zurich is UTC+2",
            config: same,
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 12:00 on 2024-06-15", None),
        },
        Case {
            what: "a winter afternoon: Zurich is UTC+1",
            config: same,
            number: Some(MOBILE),
            at: "2024-01-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 11:00 on 2024-01-15", None),
        },
        Case {
            what: "a national number is made international with the default country",
            config: same,
            number: Some("079 123 45 67"),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 12:00 on 2024-06-15", None),
        },
        Case {
            what: "without a default country a national number stays national",
            config: |c| c.default_country = None,
            number: Some("0791234567"),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: Decision::Reply {
                to: "0791234567".into(),
                text: "0791234567 rang depot at 12:00 on 2024-06-15".into(),
                not_before_ms: None,
            },
        },
        Case {
            what: "a short code is answered as it is",
            config: same,
            number: Some("7726"),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: Decision::Reply {
                to: "7726".into(),
                text: "7726 rang depot at 12:00 on 2024-06-15".into(),
                not_before_ms: None,
            },
        },
        Case {
            what: "braces are escaped",
            config: |c| c.template = Template::parse("{{caller}} = {caller}, {{{gateway}}}").unwrap(),
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("{caller} = +41791234567, {depot}", None),
        },
        Case {
            what: "withheld",
            config: same,
            number: None,
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: Decision::Skip { caller: None, reason: SkipReason::Withheld },
        },
        Case {
            what: "an empty number is withheld",
            config: same,
            number: Some(" "),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: Decision::Skip { caller: None, reason: SkipReason::Withheld },
        },
        Case {
            what: "withheld is told before disabled",
            config: |c| c.reply = false,
            number: None,
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: Decision::Skip { caller: None, reason: SkipReason::Withheld },
        },
        Case {
            what: "a sender name cannot be answered, even when replies are off",
            config: |c| c.reply = false,
            number: Some("Bank"),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: Decision::Skip {
                caller: None,
                reason: SkipReason::InvalidNumber("\"Bank\" is a sender name, not a phone number".into()),
            },
        },
        Case {
            what: "too short",
            config: same,
            number: Some("12"),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: Decision::Skip {
                caller: None,
                reason: SkipReason::InvalidNumber(
                    "\"12\" is too short for a phone number (fewer than 3 digits)".into(),
                ),
            },
        },
        Case {
            what: "disabled still names the caller, before the lists and the opt-out",
            config: |c| {
                c.reply = false;
                c.callers.deny = rules(&["+4179*"]);
            },
            number: Some("0791234567"),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: true,
            expected: skip(SkipReason::Disabled),
        },
        Case {
            what: "a denied prefix",
            config: |c| c.callers.deny = rules(&["+4179*"]),
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: skip(SkipReason::Denied),
        },
        Case {
            what: "deny wins over allow, and is told before the opt-out",
            config: |c| {
                c.callers.allow = rules(&[MOBILE]);
                c.callers.deny = rules(&["079*"]);
            },
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: true,
            expected: skip(SkipReason::Denied),
        },
        Case {
            what: "not on the allow list",
            config: |c| c.callers.allow = rules(&["+4178*", "044 123 45 67"]),
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: skip(SkipReason::NotAllowed),
        },
        Case {
            what: "on the allow list by prefix",
            config: |c| c.callers.allow = rules(&["+4178*", "079*"]),
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 12:00 on 2024-06-15", None),
        },
        Case {
            what: "an allowed caller who opted out",
            config: |c| c.callers.allow = rules(&[MOBILE]),
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: Some("2024-06-15T09:00:00Z"),
            opted_out: true,
            expected: skip(SkipReason::OptedOut),
        },
        Case {
            what: "replied an hour ago",
            config: same,
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: Some("2024-06-15T09:00:00Z"),
            opted_out: false,
            expected: skip(SkipReason::RecentlyReplied { at_ms: ms("2024-06-15T09:00:00Z") }),
        },
        Case {
            what: "replied a day ago exactly: the window is over",
            config: same,
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: Some("2024-06-14T10:00:00Z"),
            opted_out: false,
            expected: reply("+41791234567 rang depot at 12:00 on 2024-06-15", None),
        },
        Case {
            what: "a shorter window",
            config: |c| c.window = Duration::from_secs(1800),
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: Some("2024-06-15T09:00:00Z"),
            opted_out: false,
            expected: reply("+41791234567 rang depot at 12:00 on 2024-06-15", None),
        },
        Case {
            what: "a last reply after the call (the clock went back) is recent",
            config: same,
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: Some("2024-06-16T10:00:00Z"),
            opted_out: false,
            expected: skip(SkipReason::RecentlyReplied { at_ms: ms("2024-06-16T10:00:00Z") }),
        },
        Case {
            what: "a zero window never holds back",
            config: |c| c.window = Duration::ZERO,
            number: Some(MOBILE),
            at: "2024-06-15T10:00:00Z",
            last_reply: Some("2024-06-15T10:00:00Z"),
            opted_out: false,
            expected: reply("+41791234567 rang depot at 12:00 on 2024-06-15", None),
        },
        Case {
            what: "recently replied is told before quiet hours",
            config: |c| c.quiet_action = QuietAction::Skip,
            number: Some(MOBILE),
            at: "2024-06-15T21:00:00Z",
            last_reply: Some("2024-06-15T20:00:00Z"),
            opted_out: false,
            expected: skip(SkipReason::RecentlyReplied { at_ms: ms("2024-06-15T20:00:00Z") }),
        },
        Case {
            what: "22:30 in summer: deferred to 07:00 the next morning, 05:00 UTC",
            config: same,
            number: Some(MOBILE),
            at: "2024-06-15T20:30:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 22:30 on 2024-06-15", Some("2024-06-16T05:00:00Z")),
        },
        Case {
            what: "00:30 after midnight: the local date is the next day, deferred to the same morning",
            config: same,
            number: Some(MOBILE),
            at: "2024-06-15T22:30:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 00:30 on 2024-06-16", Some("2024-06-16T05:00:00Z")),
        },
        Case {
            what: "22:00 is quiet",
            config: same,
            number: Some(MOBILE),
            at: "2024-01-15T21:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 22:00 on 2024-01-15", Some("2024-01-16T06:00:00Z")),
        },
        Case {
            what: "06:59 is quiet",
            config: same,
            number: Some(MOBILE),
            at: "2024-01-16T05:59:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 06:59 on 2024-01-16", Some("2024-01-16T06:00:00Z")),
        },
        Case {
            what: "07:00 is not",
            config: same,
            number: Some(MOBILE),
            at: "2024-01-16T06:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 07:00 on 2024-01-16", None),
        },
        Case {
            what: "quiet hours skipped",
            config: |c| c.quiet_action = QuietAction::Skip,
            number: Some(MOBILE),
            at: "2024-06-15T20:30:00Z",
            last_reply: None,
            opted_out: false,
            expected: skip(SkipReason::QuietHours),
        },
        Case {
            what: "no quiet hours",
            config: |c| c.quiet_hours = None,
            number: Some(MOBILE),
            at: "2024-06-15T22:30:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 00:30 on 2024-06-16", None),
        },
        Case {
            what: "quiet hours within a day",
            config: |c| c.quiet_hours = Some(QuietHours::parse("12:00-13:30").unwrap()),
            number: Some(MOBILE),
            at: "2024-06-15T10:10:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 12:10 on 2024-06-15", Some("2024-06-15T11:30:00Z")),
        },
        Case {
            what: "the night the clocks go forward: 23:30 UTC+1, the morning's 07:00 is UTC+2",
            config: same,
            number: Some(MOBILE),
            at: "2024-03-30T22:30:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 23:30 on 2024-03-30", Some("2024-03-31T05:00:00Z")),
        },
        Case {
            what: "the night the clocks go back: 23:30 UTC+2, the morning's 07:00 is UTC+1",
            config: same,
            number: Some(MOBILE),
            at: "2024-10-26T21:30:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 23:30 on 2024-10-26", Some("2024-10-27T06:00:00Z")),
        },
        Case {
            what: "quiet hours that end at 02:30 on the night 02:30 never comes: they end at the jump",
            config: |c| c.quiet_hours = Some(QuietHours::parse("23:00-02:30").unwrap()),
            number: Some(MOBILE),
            at: "2024-03-30T23:30:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 00:30 on 2024-03-31", Some("2024-03-31T01:00:00Z")),
        },
        Case {
            what: "quiet hours that end at 02:30 on the night it comes twice: first the first 02:30",
            config: |c| c.quiet_hours = Some(QuietHours::parse("01:00-02:30").unwrap()),
            number: Some(MOBILE),
            at: "2024-10-27T00:15:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 02:15 on 2024-10-27", Some("2024-10-27T00:30:00Z")),
        },
        Case {
            what: "... and in the second 02:15, the second 02:30",
            config: |c| c.quiet_hours = Some(QuietHours::parse("01:00-02:30").unwrap()),
            number: Some(MOBILE),
            at: "2024-10-27T01:15:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 02:15 on 2024-10-27", Some("2024-10-27T01:30:00Z")),
        },
        Case {
            what: "UTC",
            config: |c| c.time_zone = Zone::parse("UTC").unwrap(),
            number: Some(MOBILE),
            at: "2024-06-15T21:59:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 21:59 on 2024-06-15", None),
        },
        Case {
            what: "a fixed offset west of UTC, past midnight UTC but not locally",
            config: |c| c.time_zone = Zone::parse("-05:30").unwrap(),
            number: Some(MOBILE),
            at: "2024-06-16T03:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 21:30 on 2024-06-15", None),
        },
        Case {
            what: "a fixed offset in quiet hours",
            config: |c| c.time_zone = Zone::parse("-05:30").unwrap(),
            number: Some(MOBILE),
            at: "2024-06-16T04:00:00Z",
            last_reply: None,
            opted_out: false,
            expected: reply("+41791234567 rang depot at 22:30 on 2024-06-15", Some("2024-06-16T12:30:00Z")),
        },
    ];
    for case in cases {
        let mut config = zurich();
        (case.config)(&mut config);
        let call = Call { number: case.number, at_ms: ms(case.at), rings: 2 };
        let decision = config.decide(&call, "depot", case.last_reply.map(ms), case.opted_out);
        assert_eq!(decision, case.expected, "{}", case.what);
        if let Decision::Reply { not_before_ms: Some(t), .. } = decision {
            assert!(t > call.at_ms, "{}: a deferred reply waits", case.what);
        }
    }
}

#[test]
fn the_window_ends_to_the_millisecond() {
    let config = zurich();
    let at_ms = ms("2024-06-15T10:00:00Z");
    let day = 86_400_000;
    let cases = [(at_ms - day, false), (at_ms - day + 1, true), (at_ms, true), (at_ms - 1, true), (0, false)];
    for (last, recent) in cases {
        let d = config.decide(&Call { number: Some(MOBILE), at_ms, rings: 1 }, "g", Some(last), false);
        let held = matches!(d, Decision::Skip { reason: SkipReason::RecentlyReplied { at_ms: l }, .. } if l == last);
        assert_eq!(held, recent, "last reply at {last}: {d:?}");
    }
}

#[test]
fn the_default_sends_nothing_but_knows_the_caller() {
    let config = CallsConfig::default();
    let call = Call { number: Some("+41791234567"), at_ms: ms("2024-06-15T10:00:00Z"), rings: 3 };
    assert_eq!(config.decide(&call, "g", None, false), skip(SkipReason::Disabled));
    let on = CallsConfig { reply: true, ..CallsConfig::default() };
    assert_eq!(
        on.decide(&call, "g", None, false),
        reply("Sorry we missed your call at 10:00 on 2024-06-15. We will call you back.", None),
        "UTC, no quiet hours"
    );
    assert_eq!(on.caller("0041 79 123 45 67"), Ok(MOBILE.to_string()));
    assert!(on.caller("079 123 45 67").is_ok_and(|n| n == "0791234567"), "no default country");
}

#[test]
fn reasons_in_words() {
    let cases = [
        (SkipReason::Disabled, "replies to missed calls are turned off"),
        (SkipReason::Withheld, "the caller withheld the number"),
        (
            SkipReason::InvalidNumber("\"Bank\" is a sender name".into()),
            "no number to reply to: \"Bank\" is a sender name",
        ),
        (SkipReason::Denied, "the caller is on the deny list"),
        (SkipReason::NotAllowed, "the caller is not on the allow list"),
        (SkipReason::QuietHours, "the call came in quiet hours"),
        (SkipReason::OptedOut, "the caller asked for no more messages"),
        (
            SkipReason::RecentlyReplied { at_ms: ms("2024-06-15T09:00:00Z") },
            "the caller already had a reply, at 2024-06-15T09:00:00Z",
        ),
    ];
    for (reason, words) in cases {
        assert_eq!(reason.to_string(), words);
    }
    let errors = [
        (ConfigError::UnknownPlaceholder("tme".into()), "{tme} is not a placeholder"),
        (ConfigError::UnclosedBrace("{time".into()), "the placeholder \"{time\" has no closing }"),
        (ConfigError::LoneBrace, "write }} for a brace"),
    ];
    for (error, words) in errors {
        assert!(error.to_string().contains(words), "{error}");
    }
}
