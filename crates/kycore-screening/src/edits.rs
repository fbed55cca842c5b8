//! Edit distance between two normalised words: the optimal-string-alignment
//! distance (insertions, deletions, substitutions and transpositions of two
//! adjacent letters, each one edit). It is computed for every candidate
//! word a query word's typo variants bring, several hundred per search, so
//! the ASCII words normalisation yields are compared byte by byte on the
//! stack, and a caller with an edit budget stops as soon as the budget is
//! spent; anything else (a Han or Hangul syllable, a very long word) goes
//! to `strsim`, which counts characters and allocates.

/// Longest word compared on the stack; longer ones are rare.
const STACK_LEN: usize = 48;

/// Optimal-string-alignment distance between `a` and `b`, in characters.
pub fn osa_distance(a: &str, b: &str) -> usize {
    osa_distance_within(a, b, usize::MAX).unwrap_or(usize::MAX)
}

/// The distance between `a` and `b` when it is at most `limit`; `None`
/// when it is more.
pub fn osa_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > STACK_LEN || y.len() > STACK_LEN {
        return Some(strsim::osa_distance(a, b)).filter(|&d| d <= limit);
    }
    // Only the cells within `band` of the diagonal are computed: a path
    // through any other has spent more edits than the limit. Cells outside
    // it hold `over`, which is no more than their distance and still over
    // the limit, so nothing computed from them comes back under it.
    let band = limit.min(STACK_LEN);
    let over = (band + 1) as u8;
    // Three rows of the distance table, used in turn: the row being
    // filled, the one before and the one before that (for a
    // transposition). Distances fit in a byte: no word here is longer than
    // `STACK_LEN`.
    let mut rows = [[over; STACK_LEN + 1]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate().take(y.len().min(band) + 1) {
        *cell = j as u8;
    }
    let mut previous_min = 0u8;
    for i in 1..=x.len() {
        let (now, before, two_back) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        let first = i.saturating_sub(band).max(1);
        // The cell left of the band, and column 0: this row's slot last
        // held the row three before, whose band reached further left.
        rows[now][first - 1] = if first == 1 {
            (i as u8).min(over)
        } else {
            over
        };
        let mut row_min = rows[now][first - 1];
        for j in first..=y.len().min(i + band) {
            let substitution = rows[before][j - 1] + u8::from(x[i - 1] != y[j - 1]);
            let mut best = substitution
                .min(rows[before][j] + 1)
                .min(rows[now][j - 1] + 1);
            if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                best = best.min(rows[two_back][j - 2] + 1);
            }
            rows[now][j] = best;
            row_min = row_min.min(best);
        }
        // Every later cell comes from this row or, by a transposition, the
        // one before plus an edit: when both are over the limit, so is the
        // distance.
        if usize::from(row_min) > limit && usize::from(previous_min) >= limit {
            return None;
        }
        previous_min = row_min;
    }
    let distance = usize::from(rows[x.len() % 3][y.len()]);
    (distance <= limit).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_each_kind_of_edit_once() {
        assert_eq!(osa_distance("putin", "putin"), 0);
        assert_eq!(osa_distance("putin", "puitn"), 1);
        assert_eq!(osa_distance("putin", "putins"), 1);
        assert_eq!(osa_distance("maduro", "mdauro"), 1);
        assert_eq!(osa_distance("ca", "abc"), 3);
        assert_eq!(osa_distance("", "abc"), 3);
        assert_eq!(osa_distance("김정은", "김정일"), 1);
        assert_eq!(osa_distance_within("mohammed", "muhammad", 1), None);
        assert_eq!(osa_distance_within("mohammed", "muhammad", 2), Some(2));
    }

    proptest! {
        #[test]
        fn agrees_with_strsim(a in "[a-e]{0,12}", b in "[a-e]{0,12}", limit in 0usize..5) {
            let distance = strsim::osa_distance(&a, &b);
            prop_assert_eq!(osa_distance(&a, &b), distance);
            let within = (distance <= limit).then_some(distance);
            prop_assert_eq!(osa_distance_within(&a, &b, limit), within);
        }
    }
}
