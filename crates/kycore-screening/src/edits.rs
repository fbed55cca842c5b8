//! Edit distance between two normalised words: the optimal-string-alignment
//! distance (insertions, deletions, substitutions and transpositions of two
//! adjacent letters, each one edit). It is computed for every candidate
//! word a query word's typo variants bring, several hundred per search, so
//! the ASCII words normalisation yields are compared byte by byte on the
//! stack; anything else (a Han or Hangul syllable, a very long word) goes
//! to `strsim`, which counts characters and allocates.

/// Longest word compared on the stack; longer ones are rare.
const STACK_LEN: usize = 48;

/// Optimal-string-alignment distance between `a` and `b`, in characters.
pub fn osa_distance(a: &str, b: &str) -> usize {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > STACK_LEN || y.len() > STACK_LEN {
        return strsim::osa_distance(a, b);
    }
    // Three rows of the distance table: two rows back (for a transposition),
    // the previous row and the row being filled. Distances fit in a byte:
    // no word here is longer than `STACK_LEN`.
    let mut two_back = [0u8; STACK_LEN + 1];
    let mut previous = [0u8; STACK_LEN + 1];
    let mut current = [0u8; STACK_LEN + 1];
    for (j, cell) in previous.iter_mut().enumerate().take(y.len() + 1) {
        *cell = j as u8;
    }
    for i in 1..=x.len() {
        current[0] = i as u8;
        for j in 1..=y.len() {
            let substitution = previous[j - 1] + u8::from(x[i - 1] != y[j - 1]);
            let mut best = substitution.min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                best = best.min(two_back[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut two_back, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    usize::from(previous[y.len()])
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
    }

    proptest! {
        #[test]
        fn agrees_with_strsim(a in "[a-e]{0,12}", b in "[a-e]{0,12}") {
            prop_assert_eq!(osa_distance(&a, &b), strsim::osa_distance(&a, &b));
        }
    }
}
