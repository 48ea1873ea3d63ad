//! Connected components (8-connected) of an ink mask.

/// One connected component: bounding box (inclusive), pixel count, centroid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Component {
    pub label: u32,
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    pub area: u32,
    /// Centroid in continuous coordinates (pixel centres at +0.5).
    pub cx: f32,
    pub cy: f32,
}

impl Component {
    pub fn width(&self) -> u32 {
        self.x1 - self.x0 + 1
    }
    pub fn height(&self) -> u32 {
        self.y1 - self.y0 + 1
    }
}

/// Labels: one `u32` per pixel, 0 = background, component `i` has label
/// `i + 1` and is `components[i]`.
pub struct Labels {
    pub width: usize,
    pub labels: Vec<u32>,
    pub components: Vec<Component>,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

fn union(parent: &mut [u32], a: u32, b: u32) -> u32 {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra == rb {
        return ra;
    }
    let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
    parent[hi as usize] = lo;
    lo
}

/// Labels the 8-connected components of `mask` (non-zero = ink).
pub fn label(mask: &[u8], width: usize, height: usize) -> Labels {
    let mut labels = vec![0u32; width * height];
    // parent[0] is the background.
    let mut parent: Vec<u32> = vec![0];
    for y in 0..height {
        let row = y * width;
        for x in 0..width {
            if mask[row + x] == 0 {
                continue;
            }
            let mut l = 0u32;
            let mut take = |n: u32, parent: &mut Vec<u32>| {
                if n != 0 {
                    l = if l == 0 { n } else { union(parent, l, n) };
                }
            };
            if x > 0 {
                take(labels[row + x - 1], &mut parent);
            }
            if y > 0 {
                let up = row - width;
                if x > 0 {
                    take(labels[up + x - 1], &mut parent);
                }
                take(labels[up + x], &mut parent);
                if x + 1 < width {
                    take(labels[up + x + 1], &mut parent);
                }
            }
            if l == 0 {
                l = parent.len() as u32;
                parent.push(l);
            }
            labels[row + x] = l;
        }
    }
    // Compact roots to 1..=n.
    let mut compact = vec![0u32; parent.len()];
    let mut n = 0u32;
    for i in 1..parent.len() as u32 {
        let r = find(&mut parent, i);
        if r == i {
            n += 1;
            compact[i as usize] = n;
        }
    }
    for i in 1..parent.len() as u32 {
        let r = find(&mut parent, i);
        compact[i as usize] = compact[r as usize];
    }
    let mut comps: Vec<Component> = (1..=n)
        .map(|label| Component { label, x0: u32::MAX, y0: u32::MAX, x1: 0, y1: 0, area: 0, cx: 0.0, cy: 0.0 })
        .collect();
    let mut sums = vec![(0u64, 0u64); n as usize];
    for y in 0..height {
        for x in 0..width {
            let i = y * width + x;
            let l = labels[i];
            if l == 0 {
                continue;
            }
            let c = compact[l as usize];
            labels[i] = c;
            let k = (c - 1) as usize;
            let comp = &mut comps[k];
            comp.x0 = comp.x0.min(x as u32);
            comp.x1 = comp.x1.max(x as u32);
            comp.y0 = comp.y0.min(y as u32);
            comp.y1 = comp.y1.max(y as u32);
            comp.area += 1;
            sums[k].0 += x as u64;
            sums[k].1 += y as u64;
        }
    }
    for (c, s) in comps.iter_mut().zip(&sums) {
        c.cx = (s.0 as f64 / c.area.max(1) as f64) as f32 + 0.5;
        c.cy = (s.1 as f64 / c.area.max(1) as f64) as f32 + 0.5;
    }
    Labels { width, labels, components: comps }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_diagonal_touch_as_one_and_gaps_as_two() {
        #[rustfmt::skip]
        let m = [
            1, 0, 0, 0, 1,
            0, 1, 0, 0, 1,
            0, 0, 1, 0, 0,
            0, 0, 0, 0, 1,
        ];
        let l = label(&m, 5, 4);
        assert_eq!(l.components.len(), 3);
        let diag = &l.components[0];
        assert_eq!((diag.x0, diag.y0, diag.x1, diag.y1, diag.area), (0, 0, 2, 2, 3));
        assert_eq!(l.labels[2 * 5 + 2], diag.label);
        assert!(l.components.iter().any(|c| c.area == 2 && c.x0 == 4 && c.y1 == 1));
    }

    #[test]
    fn u_shape_merges_late() {
        #[rustfmt::skip]
        let m = [
            1, 0, 1,
            1, 0, 1,
            1, 1, 1,
        ];
        let l = label(&m, 3, 3);
        assert_eq!(l.components.len(), 1);
        assert_eq!(l.components[0].area, 7);
        assert!((l.components[0].cx - (0.0 * 3.0 + 2.0 * 3.0 + 1.0) / 7.0 - 0.5).abs() < 1e-6);
    }
}
