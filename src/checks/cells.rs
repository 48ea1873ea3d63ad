//! Groups of flagged cells on a grid: the local-change and ink checks count
//! what differs in 1 mm cells and report connected groups of them.

use crate::geometry::RectMm;

/// The groups of set cells in `flags` (a `cw`-wide grid, row by row), two
/// cells joining when one lies within `reach` cells of the other, either
/// way; `diagonal: false` joins only the four side neighbours at `reach` 1.
/// Each group lists its cells, in no particular order; groups come in the
/// order of their first cell.
pub fn groups(flags: &[bool], cw: usize, reach: usize, diagonal: bool) -> Vec<Vec<usize>> {
    if cw == 0 {
        return Vec::new();
    }
    let ch = flags.len() / cw;
    let r = reach as i64;
    let offsets: Vec<(i64, i64)> = if diagonal {
        (-r..=r).flat_map(|dy| (-r..=r).map(move |dx| (dx, dy))).filter(|&d| d != (0, 0)).collect()
    } else {
        vec![(-1, 0), (1, 0), (0, -1), (0, 1)]
    };
    let mut seen = vec![false; cw * ch];
    let mut out = Vec::new();
    for start in 0..cw * ch {
        if !flags[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let mut members = Vec::new();
        while let Some(c) = stack.pop() {
            members.push(c);
            let (x, y) = ((c % cw) as i64, (c / cw) as i64);
            for &(dx, dy) in &offsets {
                let (nx, ny) = (x + dx, y + dy);
                if nx < 0 || ny < 0 || nx >= cw as i64 || ny >= ch as i64 {
                    continue;
                }
                let d = ny as usize * cw + nx as usize;
                if flags[d] && !seen[d] {
                    seen[d] = true;
                    stack.push(d);
                }
            }
        }
        out.push(members);
    }
    out
}

/// The bounding box of a group of cells (`cw`-wide grid) of side `cell_mm`.
pub fn bounds(members: &[usize], cw: usize, cell_mm: f64) -> RectMm {
    let (x0, x1) = members.iter().map(|c| c % cw).fold((usize::MAX, 0), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (y0, y1) = members.iter().map(|c| c / cw).fold((usize::MAX, 0), |(lo, hi), y| (lo.min(y), hi.max(y)));
    RectMm::new(x0 as f64 * cell_mm, y0 as f64 * cell_mm, (x1 - x0 + 1) as f64 * cell_mm, (y1 - y0 + 1) as f64 * cell_mm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_neighbours_and_reach_join_differently() {
        // Two cells touching at a corner, and one two cells to the right.
        #[rustfmt::skip]
        let flags = [
            true,  false, false, false,
            false, true,  false, true,
        ];
        let sizes = |g: Vec<Vec<usize>>| g.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(sizes(groups(&flags, 4, 1, false)), vec![1, 1, 1]);
        assert_eq!(sizes(groups(&flags, 4, 1, true)), vec![2, 1]);
        assert_eq!(sizes(groups(&flags, 4, 2, true)), vec![3]);
        let g = groups(&flags, 4, 2, true);
        assert_eq!(bounds(&g[0], 4, 1.0), RectMm::new(0.0, 0.0, 4.0, 2.0));
        assert!(groups(&[], 0, 1, true).is_empty());
    }
}
