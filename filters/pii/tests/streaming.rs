//! `Detector::undecided_tail` the way a streaming filter uses it: append each piece to the
//! pending text, act on the findings that start before the cut, release and drop the text
//! before the cut, and at the end act on everything left. Whatever the chunking, the findings
//! acted on must be exactly those of the whole text.

mod common;
use common::{b64url, body};
use parapet_pii::{Detector, DetectorConfig};
use proptest::strategy::Strategy;
use std::sync::OnceLock;

/// `(start, end, entity, score bits)` in the whole text.
type Found = (usize, usize, String, u32);

fn detector() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| Detector::new(&DetectorConfig::default()).unwrap())
}

fn found(d: &Detector, text: &str, offset: usize) -> Vec<Found> {
    d.find(text)
        .into_iter()
        .map(|f| {
            (
                offset + f.span.start,
                offset + f.span.end,
                f.entity.to_string(),
                f.score.to_bits(),
            )
        })
        .collect()
}

/// The findings a filter acts on when `text` arrives in `pieces`.
fn streamed<'a>(d: &Detector, pieces: impl Iterator<Item = &'a str>) -> Vec<Found> {
    let mut pending = String::new();
    let mut offset = 0;
    let mut out = Vec::new();
    for piece in pieces {
        pending.push_str(piece);
        let tail = d.undecided_tail(&pending);
        assert!(tail <= pending.len(), "{pending:?}");
        let s = pending.len() - tail;
        assert!(pending.is_char_boundary(s), "{pending:?} cut at {s}");
        for f in found(d, &pending, offset) {
            if f.0 < offset + s {
                assert!(
                    f.1 <= offset + s,
                    "{f:?} crosses the cut {s} of {pending:?}"
                );
                out.push(f);
            }
        }
        pending.drain(..s);
        offset += s;
    }
    out.extend(found(d, &pending, offset));
    out
}

fn pieces_at(text: &str, cuts: &[usize]) -> Vec<String> {
    let mut v = Vec::new();
    let mut last = 0;
    for &c in cuts {
        v.push(text[last..c].to_owned());
        last = c;
    }
    v.push(text[last..].to_owned());
    v
}

fn check_every_split(d: &Detector, text: &str) {
    let want = found(d, text, 0);
    for k in (0..=text.len()).filter(|&k| text.is_char_boundary(k)) {
        let got = streamed(d, pieces_at(text, &[k]).iter().map(String::as_str));
        assert_eq!(got, want, "split at {k} of {text:?}");
    }
}

/// Pieces of 1 to 7 bytes (moved to char boundaries), from a seeded generator.
fn check_small_pieces(d: &Detector, text: &str, seed: u64) {
    let want = found(d, text, 0);
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut cuts = Vec::new();
    let mut at = 0;
    loop {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        at += 1 + (x % 7) as usize;
        while at < text.len() && !text.is_char_boundary(at) {
            at += 1;
        }
        if at >= text.len() {
            break;
        }
        cuts.push(at);
    }
    let got = streamed(d, pieces_at(text, &cuts).iter().map(String::as_str));
    assert_eq!(got, want, "pieces at {cuts:?} of {text:?}");
}

/// Prose around a value of every entity type the crate detects, look-alikes that are not
/// reported, and cue words on both sides of values.
fn texts() -> Vec<String> {
    let jwt = format!(
        "{}.{}.{}",
        b64url(r#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(r#"{"sub":"1234567890","name":"Jane"}"#),
        body(43, 30)
    );
    let aws_secret = format!("{}/{}+{}", body(20, 20), body(9, 21), body(9, 22));
    let pem = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n{}\n-----END RSA PRIVATE KEY-----",
        body(64, 40),
        body(40, 41)
    );
    let mut v: Vec<String> = [
        "Please mail jane.roe+tag@mail.example.co.uk now, or <a@b.io> tomorrow. Contact me at john.doe@example.com",
        "Refund card 4111 1111 1111 1111 exp 12/29 and visa 4111-1111-1111-1111. Also amex 3782 822463 10005 please",
        "order 4111111111111111 card, and order 4111111111111111 was shipped; my card is 4111 1111 1111 1111",
        "My SSN is 536-22-8745 and ssn 536228745 while order 536228745 is not. 536 22 8745 too",
        "pay to GB82 WEST 1234 5698 7654 32 today. IBAN: DE89370400440532013000. GB82 WEST 1234 5698 7654 32",
        "server 10.20.30.40 down; connect to [2001:db8::8a2e:370:7334]:443 and ssh fe80::1ff:fe23:4567:890a. upgrade to version 1.2.3.4 today or v 1.2.3.4",
        "nic 00:1A:2B:3C:4D:5E up, nic 00-1a-2b-3c-4d-5e and cisco 001a.2b3c.4d5e ok",
        "db: postgres://admin:s3cr3t@db.internal:5432/app?ssl=1, ok",
        "send to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa or bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 or eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "call (415) 555-0132 now or 415-555-0132 x204, intl +44 20 7946 0958 or +44 (0)20 7946 0958, phone: 020 7946 0958",
        "call 4155550132 and 415-555-0132 ext. 12 or 415 555 0132 ext 9 today, text 1 415 555 0132",
        "DOB: 03/14/1985. She was born on March 14, 1985 in Ohio. Date of birth 1985-03-14 and birthday 12 March 1990",
        "Please ask Dr. Jane Roe about it. Hello, my name is Priya Raman and Then Michael Johnson called.",
        "Zoe Foo will follow up. Regards,\nMary J. Watson\nSigned, Anna-Lena Berg; this is Kim Lee. Zoe Foo wrote",
        "ship to 742 Evergreen Terrace, Springfield, IL 62704. Meet at 1600 Pennsylvania Ave NW at 5 pm",
        "office: 12 Main St Apt 4B\nBoston, MA 02110-1234 and 99 Park Avenue Suite 210 today",
        "The meeting is moved to Thursday at 3pm; please update the invite. We sold 300 Units Last quarter.",
        "password = hunter2!x and password is s3cr3tPass now; api_key: \"zx81Qm20LpV7ty3u\" ok",
        // Rules that only one text reaches: a short `+` number whose extension follows a
        // blank; cue words after a number (`card`, `ssn`) deciding it; `order` before a card.
        "Austria office +43 1234 ext. 12 ok",
        "order 4111111111111111, see the card",
        "number 536228745 is his ssn",
        "We shipped the order 4111111111111111 today",
        "Ünïcödé naïve café — 4111 1111 1111 1111 — née le 03/04/1985, ☎ call 415 555 0132 😀 done",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!(
        "use AKIA{} with aws_secret_access_key = {aws_secret} then",
        "Z7QX2M4PLK9RT3WB"
    ));
    // Key names with a space in them: `aws ` + `secret` is an AWS cue, not `secret`; the AWS
    // cue finds its key up to 64 bytes on.
    v.push(format!("the aws secret = {aws_secret} ok"));
    v.push(format!(
        "Set the aws secret access key: {aws_secret} and go"
    ));
    // The key starts 50 bytes after the cue: while it is arriving, 64 bytes after the cue are
    // known but the key is not yet 40 characters long.
    v.push(format!("aws secret {} {aws_secret} ok", "x ".repeat(24)));
    v.push(format!(
        "tokens: ghp_{} and github_pat_{}_{} or glpat-{} and xoxb-123456789012-1234567890123-{}",
        body(36, 1),
        body(22, 4),
        body(59, 5),
        body(20, 6),
        body(24, 7)
    ));
    v.push(format!(
        "keys sk_live_{} AIza{} sk-proj-{} sk-ant-api03-{}AA end",
        body(24, 8),
        body(35, 10),
        body(64, 11),
        body(93, 14)
    ));
    v.push(format!(
        "Authorization: Bearer {jwt}\nkey = \"{}\" ok",
        body(30, 50)
    ));
    v.push(format!("here is the key:\n{pem}\nthanks, Bob Smith"));
    v.push(format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n{} truncated",
        body(70, 42),
        body(70, 43)
    ));
    v
}

/// The labelled corpus of the quality evaluation (every built-in type, look-alikes).
fn corpus() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus/pii");
    let mut v = Vec::new();
    for file in ["dev.jsonl", "fresh.jsonl"] {
        let data = std::fs::read_to_string(format!("{dir}/{file}")).expect("corpus file");
        for line in data.lines() {
            let row: serde_json::Value = serde_json::from_str(line).expect("JSON row");
            v.push(row["text"].as_str().expect("text").to_owned());
        }
    }
    v
}

#[test]
fn every_split_of_the_examples_gives_the_whole_texts_findings() {
    for text in texts() {
        check_every_split(detector(), &text);
    }
}

#[test]
fn small_pieces_of_the_examples_give_the_whole_texts_findings() {
    for text in texts() {
        for seed in 1..=8 {
            check_small_pieces(detector(), &text, seed);
        }
    }
}

#[test]
fn the_corpus_streamed_gives_the_whole_texts_findings() {
    // Every split point of a sample (the checks run in debug builds on shared machines) and
    // small pieces of every text.
    for (i, text) in corpus().iter().enumerate() {
        if i % 16 == 0 {
            check_every_split(detector(), text);
        }
        check_small_pieces(detector(), text, i as u64);
    }
}

#[test]
fn with_only_some_types_enabled_streaming_still_gives_the_whole_texts_findings() {
    for names in [
        &["PHONE"][..],
        &["CREDIT_CARD", "US_SSN"],
        &["PERSON"],
        &["STREET_ADDRESS", "DATE_OF_BIRTH"],
        &["GENERIC_SECRET", "AWS_SECRET_KEY", "PRIVATE_KEY", "JWT"],
        &[
            "EMAIL",
            "URL_CREDENTIALS",
            "IP_ADDRESS",
            "MAC_ADDRESS",
            "CRYPTO_WALLET",
            "IBAN",
        ],
    ] {
        let config = DetectorConfig {
            entities: Some(names.iter().map(|n| n.to_string()).collect()),
            ..DetectorConfig::default()
        };
        let d = Detector::new(&config).unwrap();
        for text in texts() {
            for seed in 1..=3 {
                check_small_pieces(&d, &text, seed);
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(512))]
    /// Random texts made of values, cue words, digit groups, capitals, separators and blanks,
    /// in random pieces: the rules must hold where the hand-written texts do not reach.
    #[test]
    fn random_texts_streamed_give_the_whole_texts_findings(
        parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec![
                    "4111", "1111", "4111 1111 1111 1111", "536-22-8745", "536228745",
                    "415", "555", "0132", "4155550132", "+44", "(0)20", "ext.", "x12", "(415)",
                    "GB82", "WEST", "1234", "10.20.30.40", "fe80::1", "00:1A:2B:3C:4D:5E",
                    "a@b.io", "jane.roe@example.com", "742", "Evergreen", "Terrace,", "Main",
                    "St", "Apt", "4B", "Springfield,", "IL", "62704", "Jane", "Roe", "Mary",
                    "J.", "Dr.", "Mr", "wrote", "said", "will", "follow", "up", "my", "name",
                    "is", "this", "Hello,", "Regards,", "Dear", "born", "DOB:", "date", "of",
                    "birth", "03/14/1985", "March", "14,", "1985", "password", "=", "is",
                    "hunter2!x", "api_key:", "\"zx81Qm20LpV7ty3u\"", "Bearer", "aws", "secret",
                    "order", "card", "visa", "ssn", "call", "phone:", "version", "v", "ref",
                    "the", "and", "please", "update", "ok", "é", "—",
                    // Cue words inside other words: a context window may start mid-word.
                    "typically", "context", "meeting", "however,", "graph", "recall", "adobe",
                    "stubborn", "prefer", "because", "success", "company", "tokens", "hotel",
                    "Hi", "Grace", "Hopper", "1.2.3.4", "4111111111111111", "over", "rev.",
                    "ssn:", "tin", "aws_secret_access_key", "secret_key:", "token=", "was",
                    "patient:", "Signed,",
                ])
                .prop_map(str::to_string),
                "[ \n\t]{1,2}",
                "[a-zA-Z0-9]{1,6}",
                "[.,:;()-]",
            ],
            0..40,
        ),
        seed in 0u64..1000,
    ) {
        let text: String = parts.concat();
        check_small_pieces(detector(), &text, seed);
        if seed % 8 == 0 {
            check_every_split(detector(), &text);
        }
    }
}

fn tail(text: &str) -> &str {
    &text[text.len() - detector().undecided_tail(text)..]
}

#[test]
fn plain_prose_keeps_at_most_its_last_partial_word() {
    for (text, want) in [
        (
            "The meeting is moved to Thursday at 3pm; please update the ",
            "",
        ),
        (
            "The meeting is moved to Thursday at 3pm; please update the inv",
            "inv",
        ),
        (
            "I think we should go with the simpler option and move on",
            "on",
        ),
        ("Sure! Here is a short summary of the plot:\n\nthe", "the"),
    ] {
        assert_eq!(tail(text), want, "{text:?}");
    }
}

#[test]
fn values_and_their_cues_near_the_end_are_held() {
    for (text, held) in [
        ("Contact me at john.doe@exa", "john.doe@exa"),
        ("my card is 4111 1111 ", "card is 4111 1111 "),
        ("dial 415 555 ", "dial 415 555 "),
        ("then 415-555-0132 ext. ", "415-555-0132 ext. "),
        ("Hello, my name is ", "my name is "),
        ("Please ask Dr. Jane ", "Dr. Jane "),
        ("the password = ", "password = "),
        ("use Authorization: Bearer ", "Bearer "),
        ("pay to GB82 WEST 1234 ", "GB82 WEST 1234 "),
        ("ship to 742 Evergreen ", "742 Evergreen "),
        ("she was born on ", "born on "),
        ("ask the order desk about it ", "order desk about it "),
        (
            "x -----BEGIN RSA PRIVATE KEY-----\nMIIE abc ",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE abc ",
        ),
    ] {
        let t = tail(text);
        assert!(
            t.len() >= held.len(),
            "{text:?}: tail {t:?} does not hold {held:?}"
        );
    }
}

#[test]
fn custom_entities_hold_everything() {
    let config: DetectorConfig =
        serde_json::from_str(r#"{"custom":[{"name":"EMP_ID","pattern":"EMP-[0-9]{6}"}]}"#).unwrap();
    let d = Detector::new(&config).unwrap();
    let text = "plain words and more ";
    assert_eq!(d.undecided_tail(text), text.len());
}
