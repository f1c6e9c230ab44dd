//! Cost of output moderation per KB, as a ratio to one plain Aho-Corasick pass over the same
//! text with the same number of patterns (the floor for any lexicon scan).
//!
//! `cargo bench -p parapet-moderation --bench scan`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use parapet_moderation::{ModerationConfig, Moderator, RequestContext, ScanMode};
use std::hint::black_box;

/// ~1 KB of typical assistant output with a link, code and a few lexicon-adjacent words.
const PARAGRAPH: &str = "To rotate the logs, run the cron job nightly and kill the process if it hangs. \
The report shows revenue up 4% and the killer feature is the new dashboard; see \
[the docs](https://docs.example.com/guide) for details. Patients with symptoms should talk to a doctor. \
```sh\nsystemctl restart app\n``` \
Photosynthesis converts light energy into chemical energy, and the Seine runs through Paris. \
In the novel, the detective interviews witnesses after the storm and finds the missing letter. \
Kubernetes restarts a pod when its liveness probe fails, which keeps the service available. \
The quarterly numbers were stable; margins improved slightly thanks to lower shipping costs. \
Finally, remember to rotate credentials regularly and to review access logs every week. ";

fn text(kb: usize) -> String {
    let mut t = String::new();
    while t.len() < kb * 1024 {
        t.push_str(PARAGRAPH);
    }
    t
}

fn bench(c: &mut Criterion) {
    let moderator = Moderator::new(&ModerationConfig::default()).unwrap();
    // The baseline: one overlapping pass of the very automaton the scanner uses.
    let baseline = moderator.lexicon_automaton();
    let mut g = c.benchmark_group("moderation");
    for kb in [1usize, 16] {
        let t = text(kb);
        g.throughput(Throughput::Bytes(t.len() as u64));
        g.bench_with_input(BenchmarkId::new("aho_corasick_one_pass", kb), &t, |b, t| {
            b.iter(|| {
                baseline
                    .find_overlapping_iter(black_box(t.as_bytes()))
                    .count()
            })
        });
        g.bench_with_input(BenchmarkId::new("scan_whole", kb), &t, |b, t| {
            b.iter(|| moderator.scan(black_box(t), &RequestContext::default()))
        });
        g.bench_with_input(BenchmarkId::new("stream_64b_chunks", kb), &t, |b, t| {
            b.iter(|| {
                let mut s = moderator.stream(&RequestContext::default(), ScanMode::Enforce);
                let mut n = 0;
                let mut rest = t.as_str();
                while !rest.is_empty() {
                    let mut cut = rest.len().min(64);
                    while !rest.is_char_boundary(cut) {
                        cut += 1;
                    }
                    n += s.push(&rest[..cut]).release.len();
                    rest = &rest[cut..];
                }
                n + s.finish().release.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
