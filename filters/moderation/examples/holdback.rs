//! Prints `held_back()` after pushing prose in LLM-sized pieces (about 5 bytes), with and
//! without a canary in the request: what the client waits for at the end of each push.
use parapet_moderation::*;

fn main() {
    let m = Moderator::new(&ModerationConfig::default()).unwrap();
    println!("max_pattern_bytes = {}", m.max_pattern_bytes());
    let texts = [
        "The meeting is moved to Thursday at 3pm; please update the ",
        "Rust's borrow checker makes sure that references never outlive the data they point to. ",
        "Here are three tips for a good night's sleep: keep a regular schedule, avoid screens, and ",
        "Sure. Here is how to make a pipe ",
    ];
    let canary = RequestContext {
        canaries: vec!["pcn-0123456789abcdef0123".into()],
        ..RequestContext::default()
    };
    for (name, ctx) in [("no canary", RequestContext::default()), ("canary", canary)] {
        for t in texts {
            let mut s = m.stream(&ctx, ScanMode::Enforce);
            let mut held = Vec::new();
            let b: Vec<usize> = (0..=t.len()).step_by(5).chain([t.len()]).collect();
            for w in b.windows(2) {
                s.push(&t[w[0]..w[1]]);
                held.push(s.held_back());
            }
            let avg = held.iter().sum::<usize>() as f64 / held.len() as f64;
            println!(
                "{name:9} {t:?}\n  whole: held {} ({:?}); 5-byte pieces: mean held {avg:.1}, max {}",
                {
                    let mut w = m.stream(&ctx, ScanMode::Enforce);
                    w.push(t);
                    w.held_back()
                },
                {
                    let mut w = m.stream(&ctx, ScanMode::Enforce);
                    w.push(t);
                    t[w.released()..].to_string()
                },
                held.iter().max().unwrap()
            );
        }
    }
}
