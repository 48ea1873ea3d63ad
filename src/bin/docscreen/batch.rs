//! Running one job per input in parallel, emitting results in input order as
//! soon as they are ready, with a progress bar and a closing summary on
//! stderr. Shared by the image subcommands.

use crate::inputs::Input;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Shown only for runs long enough to want one.
const PROGRESS_MIN_INPUTS: usize = 2;

/// How a batch runs.
pub struct Options {
    /// The workers (see [`pool`]).
    pub pool: rayon::ThreadPool,
    /// No progress bar.
    pub quiet: bool,
}

/// The outcome of a run.
pub struct Run {
    /// Inputs whose result was emitted.
    pub emitted: usize,
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// Worker threads used.
    pub jobs: usize,
    /// The output stopped accepting results (e.g. `| head`).
    pub output_closed: bool,
}

/// Checks `--jobs` and builds the pool (a usage error message otherwise).
pub fn pool(jobs: Option<usize>) -> Result<rayon::ThreadPool, String> {
    if jobs == Some(0) {
        return Err("--jobs must be at least 1".into());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .thread_name(|i| format!("docscreen-{i}"))
        .build()
        .map_err(|e| format!("cannot start {} worker threads: {e}", jobs.unwrap_or(0)))
}

/// Runs `work` on every input on `opts.pool` and calls
/// `emit` on this thread, in input order, as results arrive. Workers take the
/// next input from a shared counter, so results complete roughly in order and
/// few wait to be emitted. A panic in `work` becomes `on_panic`'s result for
/// that input: one bad input never stops the batch. When `emit` fails (the
/// reader of stdout went away) the workers stop taking inputs.
pub fn run<T, W, E>(inputs: &[Input], opts: Options, work: W, on_panic: impl Fn() -> T, mut emit: E) -> Run
where
    T: Send,
    W: Fn(usize, &Input) -> T + Sync,
    E: FnMut(usize, &Input, T) -> std::io::Result<()>,
{
    let pool = opts.pool;
    let jobs = pool.current_num_threads();
    let t0 = Instant::now();
    let bar = progress_bar(inputs.len(), opts.quiet);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Option<T>)>();
    let mut emitted = 0;
    let mut output_closed = false;
    std::thread::scope(|s| {
        let (next, stop, work) = (&next, &stop, &work);
        s.spawn(move || {
            pool.broadcast(|_| {
                let tx = tx.clone();
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let r = catch_unwind(AssertUnwindSafe(|| work(i, input))).ok();
                    if tx.send((i, r)).is_err() {
                        break;
                    }
                }
            });
            // `tx` drops here: the receiver below ends once every worker is done.
        });
        let mut pending: BTreeMap<usize, Option<T>> = BTreeMap::new();
        for (i, r) in rx.iter() {
            bar.inc(1);
            pending.insert(i, r);
            while let Some(r) = pending.remove(&emitted) {
                let r = r.unwrap_or_else(&on_panic);
                let input = &inputs[emitted];
                emitted += 1;
                if !output_closed && bar.suspend(|| emit(emitted - 1, input, r)).is_err() {
                    output_closed = true;
                    stop.store(true, Ordering::Relaxed);
                }
            }
            if output_closed {
                break;
            }
        }
        // Leaving the scope drops the receiver; workers see a failed send and end.
    });
    bar.finish_and_clear();
    Run { emitted, elapsed: t0.elapsed(), jobs, output_closed }
}

fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet || len < PROGRESS_MIN_INPUTS || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} images ({per_sec}, eta {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Counts for the closing summary line.
#[derive(Default)]
pub struct Tally {
    /// Outcome label (e.g. verdict) → count, in first-seen order.
    outcomes: Vec<(String, usize)>,
    /// Finding code → count.
    codes: BTreeMap<String, usize>,
    pub errors: usize,
}

impl Tally {
    /// Seeds the outcome labels so that they print in this order, zeros included.
    pub fn with_outcomes(labels: &[&str]) -> Tally {
        Tally { outcomes: labels.iter().map(|l| (l.to_string(), 0)).collect(), ..Tally::default() }
    }

    pub fn outcome(&mut self, label: &str) {
        match self.outcomes.iter_mut().find(|(l, _)| l == label) {
            Some((_, n)) => *n += 1,
            None => self.outcomes.push((label.to_string(), 1)),
        }
    }

    pub fn code(&mut self, code: &str) {
        *self.codes.entry(code.to_string()).or_default() += 1;
    }

    /// `docscreen screen: 18 images in 6.3 s (2.9 images/s, 2 jobs): 7 pass, 9 fail, 2 inconclusive, 0 errors; findings: zone_mismatch 3, …`
    pub fn line(&self, cmd: &str, run: &Run, codes_label: &str) -> String {
        let secs = run.elapsed.as_secs_f64();
        let rate = if secs > 0.0 { run.emitted as f64 / secs } else { 0.0 };
        let mut s = format!(
            "docscreen {cmd}: {} image{} in {secs:.1} s ({rate:.2} images/s, {} job{}): ",
            run.emitted,
            if run.emitted == 1 { "" } else { "s" },
            run.jobs,
            if run.jobs == 1 { "" } else { "s" }
        );
        for (l, n) in &self.outcomes {
            s.push_str(&format!("{n} {l}, "));
        }
        s.push_str(&format!("{} error{}", self.errors, if self.errors == 1 { "" } else { "s" }));
        if !self.codes.is_empty() {
            let mut codes: Vec<(&String, &usize)> = self.codes.iter().collect();
            codes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let list: Vec<String> = codes.iter().map(|(c, n)| format!("{c} {n}")).collect();
            s.push_str(&format!("; {codes_label}: {}", list.join(", ")));
        }
        if run.output_closed {
            s.push_str("; output closed early");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emits_in_input_order_and_survives_panics() {
        let inputs: Vec<Input> = (0..40).map(|i| Input::File(format!("{i}").into())).collect();
        let mut seen = Vec::new();
        let run = run(
            &inputs,
            Options { pool: pool(Some(4)).unwrap(), quiet: true },
            |k, i| {
                let n: u64 = i.name().parse().unwrap();
                assert_eq!(k as u64, n);
                // Later inputs finish first.
                std::thread::sleep(Duration::from_millis(40 - n));
                if n == 7 {
                    panic!("boom");
                }
                Some(n)
            },
            || None,
            |k, _, r| {
                seen.push((k, r));
                Ok(())
            },
        );
        assert_eq!(run.emitted, 40);
        assert_eq!(run.jobs, 4);
        for (k, r) in &seen {
            assert_eq!(*r, if *k == 7 { None } else { Some(*k as u64) });
        }
        assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), (0..40).collect::<Vec<_>>());
    }

    #[test]
    fn stops_when_output_closes() {
        let inputs: Vec<Input> = (0..1000).map(|i| Input::File(format!("{i}").into())).collect();
        let done = AtomicUsize::new(0);
        let run = run(
            &inputs,
            Options { pool: pool(Some(2)).unwrap(), quiet: true },
            |_, _| {
                std::thread::sleep(Duration::from_millis(1));
                done.fetch_add(1, Ordering::Relaxed);
            },
            || (),
            |k, _, _| if k == 3 { Err(std::io::ErrorKind::BrokenPipe.into()) } else { Ok(()) },
        );
        assert!(run.output_closed);
        assert!(done.load(Ordering::Relaxed) < 100, "workers kept going: {}", done.load(Ordering::Relaxed));
    }

    #[test]
    fn zero_jobs_is_a_usage_error() {
        assert!(pool(Some(0)).is_err());
    }
}
