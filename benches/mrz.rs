//! MRZ text engine throughput: full validations per second for each format
//! (check digits and field rules, on a realistic mix of valid and invalid
//! MRZs), check digits alone, and JSON serialisation of a result.
//!
//! Fixtures are generated here with the crate's own generator from a fixed
//! seed, so every machine measures the same inputs. See benches/README.md.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use docscreen::mrz::{self, Format, MrzBuilder, Validation, check_digit};
use std::hint::black_box;

/// MRZs per format in each fixture set (half valid, half corrupted).
const PER_FORMAT: usize = 256;

/// A small deterministic generator (xorshift64*), enough to vary fields.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chars(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| alphabet[self.below(alphabet.len())] as char).collect()
    }
}

const SURNAMES: &[&str] = &["ERIKSSON", "VAN DER MUELLEN", "O'CONNOR", "SMITH-JONES", "NILAVADHANANANDA", "HENG", "AL BASRI", "PAPANDROPOULOUS", "ZHANG", "GARCIA LOPEZ", "BENNELONG WOOLOOMOOLOO WARRANDYTE"];
const GIVEN: &[&str] = &["ANNA MARIA", "JOHN", "", "CHAYAPA DEJTHAMRONG KRASUANG", "MOHAMMED", "JEAN PIERRE", "LI", "SOPHIE ELISABETH"];
const CODES: &[&str] = &["UTO", "D", "FRA", "GBR", "USA", "XXA", "NLD", "CHN", "IND", "BRA", "UNO", "EUE", "ZAF", "JPN"];

fn date(rng: &mut Rng, unknown: bool) -> String {
    if unknown && rng.below(16) == 0 {
        return format!("{:02}<<<<", rng.below(100));
    }
    format!("{:02}{:02}{:02}", rng.below(100), 1 + rng.below(12), 1 + rng.below(28))
}

fn valid_mrz(rng: &mut Rng, format: Format) -> String {
    let l = format.layout();
    let opt_len = l.optional_data.map_or(0, |s| s.len as usize);
    let number = if l.long_number && rng.below(8) == 0 {
        rng.chars(b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ", 12)
    } else {
        let n = if format == Format::FrenchId { 12 } else { 9 - rng.below(3) };
        rng.chars(b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ", n)
    };
    let opt = if number.len() > 9 || rng.below(3) == 0 {
        String::new()
    } else {
        let len = rng.below(opt_len.min(12) + 1);
        rng.chars(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", len)
    };
    let code = match format {
        Format::Td3 => rng.pick(&["P", "P", "PD", "PO"]),
        Format::Td1 | Format::Td2 => rng.pick(&["I", "ID", "AC", "C", "IR"]),
        Format::MrvA | Format::MrvB => rng.pick(&["V", "VC", "VD"]),
        Format::FrenchId => "ID",
    };
    let issuer = match (format, rng.pick(CODES)) {
        (Format::FrenchId, _) => "FRA",
        // `IDFRA` on a 2×36 MRZ is the French card's header, not a TD2.
        (Format::Td2, "FRA") => "UTO",
        (_, c) => c,
    };
    MrzBuilder::new(format)
        .document_code(code)
        .issuing_state(issuer)
        .names(rng.pick(SURNAMES), rng.pick(GIVEN))
        .document_number(&number)
        .nationality(rng.pick(CODES))
        .birth_date(&date(rng, true))
        .sex(['M', 'F', 'X', '<'][rng.below(4)])
        .expiry_date(&date(rng, false))
        .optional_data(&opt)
        .optional_data_2(if format == Format::Td1 { "2108" } else { "" })
        .build()
        .expect("bench fixtures are valid builder input")
        .join("\n")
}

/// The corruptions a screening system meets: a changed digit (forgery or
/// OCR), a check digit, an impossible date, an unknown code, an OCR letter
/// for a digit, a bad name, and wrong shape or alphabet.
fn corrupt(rng: &mut Rng, text: &str, format: Format) -> String {
    let l = format.layout();
    let mut lines: Vec<Vec<u8>> = text.lines().map(|s| s.as_bytes().to_vec()).collect();
    let mut set = |span: mrz::Span, offset: usize, c: u8| lines[span.line as usize][span.start as usize + offset] = c;
    match rng.below(8) {
        0 => set(l.birth_date_cd, 0, b'0' + ((text.len() + 3) % 10) as u8),
        1 => set(l.birth_date, 2, b'1'),
        2 => set(l.document_number, 1 + rng.below(4), b'0' + rng.below(10) as u8),
        3 => set(l.issuing_state, 0, b'Q'),
        4 => set(l.birth_date, 4, b'O'),
        5 => set(l.name, 0, b'<'),
        6 => set(l.sex, 0, b'W'),
        _ => {
            // OCR noise: a lower-case letter or a dropped character.
            if rng.below(2) == 0 {
                set(l.name, 1, b'e')
            } else {
                lines[1].pop();
            }
        }
    }
    lines.into_iter().map(|l| String::from_utf8(l).unwrap()).collect::<Vec<_>>().join("\n")
}

/// `PER_FORMAT` MRZs of `format`: even ones valid, odd ones corrupted.
fn fixtures(format: Format) -> Vec<String> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ format as u64);
    let is_valid = |t: &str| mrz::validate(t, None).is_ok_and(|v| v.is_valid());
    (0..PER_FORMAT)
        .map(|i| {
            let text = valid_mrz(&mut rng, format);
            if i % 2 == 0 {
                return text;
            }
            // A corruption may by chance keep the MRZ valid (same digit,
            // blind spot): draw again.
            loop {
                let bad = corrupt(&mut rng, &text, format);
                if !is_valid(&bad) {
                    return bad;
                }
            }
        })
        .collect()
}

fn bench_validate(c: &mut Criterion) {
    let mut g = c.benchmark_group("validate");
    for format in Format::ALL {
        let inputs = fixtures(format);
        let valid = inputs.iter().filter(|t| mrz::validate(t, None).is_ok_and(|v| v.is_valid())).count();
        assert_eq!(valid, PER_FORMAT / 2, "{format}: fixture mix is half valid");
        g.throughput(Throughput::Elements(inputs.len() as u64));
        // Format detected from the text, as `docscreen mrz` does.
        g.bench_function(format.as_str(), |b| {
            b.iter(|| {
                for t in &inputs {
                    black_box(mrz::validate(black_box(t), None).ok());
                }
            })
        });
    }
    // The ICAO specimen alone, valid: the best case.
    let specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    g.throughput(Throughput::Elements(1));
    g.bench_function("TD3_specimen", |b| b.iter(|| black_box(mrz::validate(black_box(specimen), None).ok())));
    g.finish();
}

fn bench_check_digits(c: &mut Criterion) {
    let mut g = c.benchmark_group("check_digits");
    // The five check digits of a TD3 (number, birth, expiry, personal
    // number, composite) with the public functions, no field rules.
    let inputs: Vec<Vec<u8>> = fixtures(Format::Td3).iter().map(|t| t.lines().nth(1).unwrap().as_bytes().to_vec()).collect();
    g.throughput(Throughput::Elements(inputs.len() as u64));
    g.bench_function("TD3_all_five", |b| {
        b.iter(|| {
            for l in &inputs {
                let l = black_box(l.as_slice());
                let digits = [
                    check_digit(&l[0..9]),
                    check_digit(&l[13..19]),
                    check_digit(&l[21..27]),
                    check_digit(&l[28..42]),
                    mrz::check::check_digit_parts([&l[0..10], &l[13..20], &l[21..43]]),
                ];
                black_box(digits);
            }
        })
    });
    g.finish();
}

fn bench_json(c: &mut Criterion) {
    let mut g = c.benchmark_group("json");
    for format in [Format::Td1, Format::Td3, Format::MrvB] {
        let results: Vec<Validation> = fixtures(format).iter().filter_map(|t| mrz::validate(t, None).ok()).collect();
        g.throughput(Throughput::Elements(results.len() as u64));
        // Serialisation only: results validated beforehand, one reused buffer.
        g.bench_function(format.as_str(), |b| {
            b.iter_batched_ref(
                || Vec::with_capacity(4096),
                |buf: &mut Vec<u8>| {
                    for v in &results {
                        buf.clear();
                        serde_json::to_writer(&mut *buf, black_box(v)).unwrap();
                        black_box(&buf);
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench_validate, bench_check_digits, bench_json);
criterion_main!(benches);
