/// Fills a fresh array from the operating system's random source.
///
/// Panics only if the operating system cannot give randomness, which no caller could recover from.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

/// A random string of `length` characters drawn uniformly from `alphabet` (rejection sampling: no modulo bias).
pub fn random_string(alphabet: &[u8], length: usize) -> String {
    assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(length);
    while out.len() < length {
        for byte in random_bytes::<32>() {
            if (byte as usize) < limit {
                out.push(alphabet[byte as usize % alphabet.len()] as char);
                if out.len() == length {
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_use_only_the_alphabet_and_differ() {
        let a = random_string(b"ABC", 40);
        let b = random_string(b"ABC", 40);
        assert_eq!(a.len(), 40);
        assert!(a.bytes().all(|c| b"ABC".contains(&c)));
        assert_ne!(a, b);
    }
}
