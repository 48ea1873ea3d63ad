//! Flat memory, measured exactly: a counting allocator tracks the bytes
//! live on the heap, and screening the same mixed inputs again and again
//! from 8 threads sharing one screener leaves that count where it was.
//! (The resident set is noisier: the allocator's per-thread arenas grow for
//! the first few hundred screenings and then level off; see
//! docs/hostile-input.md.) One test in this file, so nothing else allocates
//! meanwhile.
#![cfg(feature = "synth")]

#[path = "common/hostile.rs"]
mod hostile;

use docscreen::screen::{PixelBuffer, PixelFormat, Screener};
use docscreen::synth::{self, DatasetSpec};
use image::ImageFormat;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};

struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only
// a counter is updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn screening_leaves_no_heap_growth() {
    // Documents (genuine and forged, scans and photos), a truncated JPEG, a
    // bomb, garbage, a blank page and a padded BGRA buffer.
    let spec = DatasetSpec { seed: 9, count: 6, dpi: vec![150], specimens: 0, ..DatasetSpec::default() };
    let mut encoded: Vec<Vec<u8>> = (0..6).map(|i| synth::render(&spec, i).unwrap().bytes).collect();
    let jpg = hostile::encode(&hostile::gradient(300, 200), ImageFormat::Jpeg);
    encoded.push(jpg[..jpg.len() / 2].to_vec());
    encoded.push(hostile::png_bomb(100_000, 100_000));
    encoded.push(b"garbage".to_vec());
    encoded.push(hostile::encode(&hostile::flat(640, 480, 255), ImageFormat::Png));
    let (w, h, stride) = (320u32, 240u32, 320 * 4 + 7);
    let pixels = vec![0x80u8; stride * h as usize];
    let screener = Screener::new();
    let screen_all = |t: usize, reps: usize| {
        for k in 0..reps {
            let i = (t + k) % (encoded.len() + 1);
            let r = match encoded.get(i) {
                Some(b) => screener.screen_encoded(b),
                None => screener.screen_pixels(PixelBuffer { data: &pixels, width: w, height: h, stride, format: PixelFormat::Bgra8 }),
            };
            drop(r);
        }
    };
    // Warm-up: lazily built statics (fonts, OCR references) are made once.
    screen_all(0, encoded.len() + 1);
    // The 8 threads live through both measurements (their thread-locals
    // too), which the main thread takes while they wait at a barrier.
    let barrier = std::sync::Barrier::new(9);
    let (before, after) = std::thread::scope(|scope| {
        for t in 0..8 {
            let (screen_all, barrier) = (&screen_all, &barrier);
            scope.spawn(move || {
                screen_all(t, 2);
                barrier.wait();
                barrier.wait();
                screen_all(t + 2, 4);
                barrier.wait();
                barrier.wait();
            });
        }
        barrier.wait();
        let before = LIVE.load(Ordering::SeqCst);
        barrier.wait();
        barrier.wait();
        let after = LIVE.load(Ordering::SeqCst);
        barrier.wait();
        (before, after)
    });
    eprintln!("live heap before {before} bytes, after 32 more screenings {after} bytes");
    assert!(after <= before, "{} bytes more live on the heap after 32 screenings", after - before);
}
