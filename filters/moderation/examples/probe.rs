use parapet_moderation::*;
fn main() {
    let m = Moderator::new(&ModerationConfig::default()).unwrap();
    for t in std::env::args().skip(1) {
        let r = m.scan(&t, &RequestContext::default());
        println!("{:?}\n  -> {:?}", t, r.text);
        for f in r.findings {
            println!(
                "  {} {} {} {}..{} {:.2} {}",
                f.category, f.rule, f.action, f.start, f.end, f.score, f.excerpt
            );
        }
    }
}
