//! "Did you mean": the one rule for offering the closest known word after a typo.

/// The known word closest to `word` when it is close enough to be what was meant
/// (Jaro-Winkler similarity of 0.8 or more, which forgives a swapped or missing letter and a
/// wrong ending after a long right beginning); the first of equally close words.
pub fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for k in known {
        let score = strsim::jaro_winkler(word, k);
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, k));
        }
    }
    best.map(|(_, k)| k)
}

/// `; did you mean `x`?` when a known word is close, else nothing: to append to a message.
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, known)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word_and_strangers_find_none() {
        let keys = ["time", "peak-memory", "binary-size", "regression"];
        assert_eq!(closest("tmie", keys), Some("time"));
        assert_eq!(closest("peak_memory", keys), Some("peak-memory"));
        assert_eq!(closest("flux", keys), None);
        assert_eq!(
            closest(
                "debuginfo-in-dev:nonexistent",
                ["debuginfo-in-dev:dev", "slow-linker:x86_64"]
            ),
            Some("debuginfo-in-dev:dev")
        );
        assert_eq!(
            did_you_mean("dev-incrmental", ["dev-clean", "dev-incremental"]),
            "; did you mean `dev-incremental`?"
        );
        assert_eq!(did_you_mean("zzz", ["dev-clean"]), "");
    }
}
