//! Prints the assessment of each argument (for rule development):
//! `cargo run -p parapet-injection --example explain -- "text" [--tool]`

use parapet_injection::{Inspector, InspectorConfig, Source};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let source = if args.iter().any(|a| a == "--tool") {
        Source::Tool
    } else {
        Source::User
    };
    let inspector = match Inspector::new(&InspectorConfig::default()) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    for text in args.iter().filter(|a| !a.starts_with("--")) {
        let a = inspector.inspect(text, source);
        println!("{:?} score {:.2} {:?}", a.verdict, a.score, a.flags.names());
        for h in &a.hits {
            println!(
                "  {} {:.2} {:?} {:?}",
                h.rule_id,
                h.weight,
                h.via,
                text.get(h.span.clone()).unwrap_or("")
            );
        }
    }
}
