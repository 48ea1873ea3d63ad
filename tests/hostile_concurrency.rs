//! One screener shared by 8 threads gives exactly the reports one thread
//! gives (everything but timings), and memory stays flat across the run.
//!
//! CI runs a small set (`eight_threads_agree_with_one`, 96 inputs, or
//! `DOCSCREEN_CONCURRENCY_N`). The full run of 2,000 mixed images is
//! ignored by default; run it in release:
//!
//! ```sh
//! cargo test --release --test hostile_concurrency -- --ignored --nocapture
//! ```
#![cfg(feature = "synth")]

#[path = "common/hostile.rs"]
mod hostile;

use docscreen::Error;
use docscreen::report::Report;
use docscreen::screen::{PixelBuffer, PixelFormat, Screener};
use docscreen::synth::{self, DatasetSpec};
use image::ImageFormat;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// One input: encoded bytes or raw pixels.
enum Input {
    Encoded(Vec<u8>),
    Pixels { data: Vec<u8>, width: u32, height: u32, stride: usize, format: PixelFormat },
}

impl Input {
    fn screen(&self, s: &Screener) -> Result<Report, Error> {
        match self {
            Input::Encoded(b) => s.screen_encoded(b),
            Input::Pixels { data, width, height, stride, format } => {
                s.screen_pixels(PixelBuffer { data, width: *width, height: *height, stride: *stride, format: *format })
            }
        }
    }
}

/// Input `i` of a mixed set: mostly synthetic documents (genuine and every
/// forgery kind, scans and photos), and every seventh a hostile input
/// (truncated, bomb, garbage, tiny, flat, raw pixels with padding).
fn input(spec: &DatasetSpec, i: usize) -> Input {
    if i % 7 == 3 {
        let doc = hostile::gradient(300 + (i % 50) as u32, 200);
        return match (i / 7) % 8 {
            0 => {
                let jpg = hostile::encode(&doc, ImageFormat::Jpeg);
                Input::Encoded(jpg[..jpg.len() * 2 / 3].to_vec())
            }
            1 => Input::Encoded(hostile::png_bomb(100_000, 100_000)),
            2 => Input::Encoded(format!("garbage {i}").into_bytes()),
            3 => Input::Encoded(hostile::encode(&hostile::flat(1, 1, 0), ImageFormat::Png)),
            4 => Input::Encoded(hostile::encode(&hostile::flat(640, 480, 255), ImageFormat::Jpeg)),
            5 => Input::Encoded(hostile::encode(&doc, ImageFormat::Tiff)),
            6 => {
                let (w, h) = (doc.width(), doc.height());
                let stride = w as usize * 4 + 13;
                let mut data = vec![0xA5u8; stride * h as usize];
                for (y, row) in doc.to_rgba8().rows().enumerate() {
                    for (x, p) in row.enumerate() {
                        data[y * stride + x * 4..][..4].copy_from_slice(&p.0);
                    }
                }
                Input::Pixels { data, width: w, height: h, stride, format: PixelFormat::Bgra8 }
            }
            _ => Input::Pixels { data: vec![1; 10], width: 4, height: 4, stride: 4, format: PixelFormat::Gray8 },
        };
    }
    Input::Encoded(synth::render(spec, i).expect("synthetic sample").bytes)
}

/// Everything in a report but the timings (the reading included), or the
/// error.
fn key(r: &Result<Report, Error>) -> String {
    match r {
        Ok(r) => {
            let mut r = r.clone();
            r.timings = Default::default();
            format!("{r:?}")
        }
        Err(e) => format!("error: {e:?}"),
    }
}

/// Resident set size of this process, bytes (Linux; 0 elsewhere).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
        .map_or(0, |kb| kb * 1024)
}

const MB: f64 = 1024.0 * 1024.0;

/// Screens `n` inputs with one thread, then with `threads` threads sharing
/// one screener in `rounds` rounds, and compares. Inputs are made on the fly
/// (deterministically) so that memory holds only what screening needs.
fn run(n: usize, threads: usize, rounds: usize, dpi: Vec<u32>) {
    let spec = DatasetSpec { seed: 8, count: n, dpi, specimens: 0, ..DatasetSpec::default() };
    let screener = Screener::new();
    let t0 = Instant::now();
    let single: Vec<String> = (0..n).map(|i| key(&input(&spec, i).screen(&screener))).collect();
    let single_s = t0.elapsed().as_secs_f64();
    let errors = single.iter().filter(|k| k.starts_with("error")).count();
    assert!(errors > 0 && errors < n / 3, "{errors} errors of {n}");

    let mut rss_after_round = Vec::new();
    let t1 = Instant::now();
    let per_round = n.div_ceil(rounds);
    for round in 0..rounds {
        let range = round * per_round..((round + 1) * per_round).min(n);
        let next = AtomicUsize::new(range.start);
        let results: Vec<(usize, String)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= range.end {
                                return out;
                            }
                            out.push((i, key(&input(&spec, i).screen(&screener))));
                        }
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("screening thread")).collect()
        });
        assert_eq!(results.len(), range.len());
        for (i, k) in results {
            assert!(k == single[i], "input {i}: {threads} threads disagree with one\n{k}\n{}", single[i]);
        }
        rss_after_round.push(rss());
    }
    let multi_s = t1.elapsed().as_secs_f64();
    let mb: Vec<String> = rss_after_round.iter().map(|b| format!("{:.0}", *b as f64 / MB)).collect();
    eprintln!(
        "{n} inputs ({errors} refused): one thread {single_s:.1} s, {threads} threads {multi_s:.1} s; RSS after each round (MB): {}",
        mb.join(", ")
    );
    // Flat memory: after the first round (allocator arenas warmed up), no
    // growth beyond noise.
    if let (Some(&first), Some(&last)) = (rss_after_round.first(), rss_after_round.last()) {
        if first > 0 {
            assert!(
                last as f64 <= first as f64 * 1.15 + 48.0 * MB,
                "RSS grew from {:.0} MB to {:.0} MB",
                first as f64 / MB,
                last as f64 / MB
            );
        }
    }
}

/// `DOCSCREEN_CONCURRENCY_N` inputs (default 96, a few seconds in a debug
/// build); larger sets mix three resolutions and check memory over 10 rounds.
#[test]
fn eight_threads_agree_with_one() {
    let n = std::env::var("DOCSCREEN_CONCURRENCY_N").ok().and_then(|v| v.parse().ok()).unwrap_or(96);
    if n >= 1000 {
        run(n, 8, 10, vec![150, 200, 300]);
    } else {
        run(n, 8, 3, vec![150]);
    }
}

#[test]
#[ignore = "2,000 images: run in release (see the module docs)"]
fn eight_threads_agree_with_one_on_2000_images() {
    run(2000, 8, 10, vec![150, 200, 300]);
}

