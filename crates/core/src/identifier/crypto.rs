//! Cryptocurrency addresses on the chains scammers ask Vietnamese victims to pay on: Bitcoin
//! (base58check P2PKH/P2SH and bech32/bech32m segwit), Ethereum and EVM chains (EIP-55), and TRON.
//!
//! Canonical form: `<chain>:<address>`, e.g. `btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4`,
//! `eth:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed`, `tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t`.
//! Only mainnet addresses are tracked; testnet ones are refused.

use crate::error::{Error, ErrorCode, Result};
use bech32::primitives::decode::{
    CharError, CheckedHrpstring, ChecksumError, SegwitHrpstringError, UncheckedHrpstringError,
};
use bech32::{Bech32, Fe32, segwit};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sha3::Keccak256;
use std::fmt;

/// A base58check address is 25 bytes, at most 35 characters; anything longer is refused before the
/// (quadratic) base58 decoder sees it.
const MAX_BASE58_ADDRESS_CHARS: usize = 35;
const MIN_BASE58_ADDRESS_CHARS: usize = 25;
/// BIP-173: a segwit address is at most 90 characters.
const MAX_SEGWIT_ADDRESS_CHARS: usize = 90;

const BTC_P2PKH_VERSION: u8 = 0x00;
const BTC_P2SH_VERSION: u8 = 0x05;
const BTC_TESTNET_P2PKH_VERSION: u8 = 0x6f;
const BTC_TESTNET_P2SH_VERSION: u8 = 0xc4;
const TRON_VERSION: u8 = 0x41;

/// The chains we recognise. EVM chains (BNB Smart Chain, Polygon, ...) share Ethereum's address
/// format and are all `Eth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chain {
    Btc,
    Eth,
    Tron,
}

impl Chain {
    pub const ALL: &'static [Chain] = &[Chain::Btc, Chain::Eth, Chain::Tron];

    /// The stable API value used as the canonical prefix: `btc`, `eth`, `tron`.
    pub fn as_str(self) -> &'static str {
        match self {
            Chain::Btc => "btc",
            Chain::Eth => "eth",
            Chain::Tron => "tron",
        }
    }

    /// The name people know the chain by.
    pub fn display_name(self) -> &'static str {
        match self {
            Chain::Btc => "Bitcoin",
            Chain::Eth => "Ethereum",
            Chain::Tron => "TRON",
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mainnet cryptocurrency address with a verified checksum.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CryptoAddress {
    chain: Chain,
    /// `p2pkh`, `p2sh`, `p2wpkh`, `p2wsh`, `p2tr`, `segwit_vN`, `account`.
    address_type: &'static str,
    /// `<chain>:<address>`; the bare address starts after the first `:`.
    canonical: String,
}

impl CryptoAddress {
    /// Parses a Bitcoin, Ethereum or TRON address, bare (the chain is detected from its shape) or
    /// with a `btc:`/`bitcoin:` (BIP-21), `eth:`/`ethereum:` (EIP-681) or `tron:`/`trx:` prefix.
    pub fn parse(input: &str) -> Result<Self> {
        let cleaned = crate::text::clean(input);
        if cleaned.is_empty() {
            return Err(invalid("the crypto address is empty"));
        }
        let (chain, address) = split_prefix(&cleaned)?;
        let address = address.trim();
        if address.is_empty() {
            return Err(invalid("the crypto address is empty after its prefix"));
        }
        match chain {
            Some(Chain::Btc) => parse_bitcoin(address),
            Some(Chain::Eth) => parse_ethereum(address),
            Some(Chain::Tron) => parse_tron(address),
            None => parse_bare(address),
        }
    }

    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The bare address (EIP-55 checksummed for Ethereum, lowercase for bech32).
    pub fn display(&self) -> String {
        self.address().to_string()
    }

    pub fn chain(&self) -> Chain {
        self.chain
    }

    /// The bare address, without the chain prefix.
    pub fn address(&self) -> &str {
        let prefix_len = self.chain.as_str().len() + 1;
        self.canonical.get(prefix_len..).unwrap_or_default()
    }

    /// `p2pkh`, `p2sh`, `p2wpkh`, `p2wsh`, `p2tr`, `segwit_vN` (Bitcoin) or `account` (Ethereum, TRON).
    pub fn address_type(&self) -> &'static str {
        self.address_type
    }

    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        map.insert("chain".into(), Value::from(self.chain.as_str()));
        map.insert("chain_name".into(), Value::from(self.chain.display_name()));
        map.insert("address".into(), Value::from(self.address()));
        map.insert("address_type".into(), Value::from(self.address_type));
    }

    fn new(chain: Chain, address_type: &'static str, address: &str) -> Self {
        CryptoAddress { chain, address_type, canonical: format!("{}:{address}", chain.as_str()) }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidCrypto, message)
}

fn checksum_mismatch(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidChecksum, message)
}

/// Splits off a chain prefix or URI scheme (`bitcoin:...?amount=1`, `ethereum:0x...@56?value=1`),
/// returning the chain it names (None for a bare address) and the address part.
fn split_prefix(input: &str) -> Result<(Option<Chain>, &str)> {
    let Some((scheme, rest)) = input.split_once(':') else {
        return Ok((None, input));
    };
    let chain = match scheme.trim().to_ascii_lowercase().as_str() {
        "btc" | "bitcoin" => Chain::Btc,
        "eth" | "ethereum" => Chain::Eth,
        "tron" | "trx" => Chain::Tron,
        _ => {
            return Err(invalid(format!(
                "unknown crypto address prefix `{}`; expected btc:, bitcoin:, eth:, ethereum:, tron: or trx:",
                crate::text::shorten_for_message(scheme)
            )));
        }
    };
    // Some wallets write `bitcoin://address`.
    let rest = rest.trim_start().trim_start_matches("//");
    let address = match chain {
        // BIP-21: `bitcoin:<address>?amount=...&label=...`.
        Chain::Btc | Chain::Tron => rest.split('?').next().unwrap_or_default(),
        // EIP-681: `ethereum:[pay-]<address>[@chain_id][/function][?params]`.
        Chain::Eth => {
            let rest = rest.strip_prefix("pay-").unwrap_or(rest);
            rest.split(['@', '/', '?']).next().unwrap_or_default()
        }
    };
    Ok((Some(chain), address))
}

/// Whether [`CryptoAddress::parse`] could accept `cleaned` (a value already `text::clean`ed), judged by its shape
/// alone: no checksum, no allocation unless it has a `scheme:`. `detect` asks this of every value it gets before
/// it tries the parser, which builds an error for each of the many values that are no address.
pub(crate) fn may_be_address(cleaned: &str) -> bool {
    match split_prefix(cleaned) {
        Ok((Some(_), _)) => true,
        Ok((None, address)) => {
            let address = address.trim();
            has_ascii_prefix_ignore_case(address, "0x") || is_segwit_shaped(address) || looks_base58(address)
        }
        Err(_) => false,
    }
}

/// Detects the chain of a bare address from its shape.
fn parse_bare(address: &str) -> Result<CryptoAddress> {
    if has_ascii_prefix_ignore_case(address, "0x") {
        return parse_ethereum(address);
    }
    if is_segwit_shaped(address) {
        return parse_segwit(address);
    }
    if looks_base58(address) {
        return match decode_base58check(address)? {
            (TRON_VERSION, _) => parse_tron(address),
            _ => parse_bitcoin(address),
        };
    }
    Err(invalid(format!(
        "`{}` is not a recognised Bitcoin, Ethereum or TRON address",
        crate::text::shorten_for_message(address)
    )))
}

fn parse_bitcoin(address: &str) -> Result<CryptoAddress> {
    if is_segwit_shaped(address) {
        return parse_segwit(address);
    }
    if !looks_base58(address) {
        return Err(invalid(format!("`{}` is not a valid Bitcoin address", crate::text::shorten_for_message(address))));
    }
    let (version, _) = decode_base58check(address)?;
    match version {
        BTC_P2PKH_VERSION => Ok(CryptoAddress::new(Chain::Btc, "p2pkh", address)),
        BTC_P2SH_VERSION => Ok(CryptoAddress::new(Chain::Btc, "p2sh", address)),
        BTC_TESTNET_P2PKH_VERSION | BTC_TESTNET_P2SH_VERSION => Err(testnet_refused()),
        TRON_VERSION => Err(invalid("this is a TRON address, not a Bitcoin address; use the tron: prefix")),
        other => Err(invalid(format!("base58 version byte 0x{other:02x} is not a Bitcoin mainnet address"))),
    }
}

fn parse_tron(address: &str) -> Result<CryptoAddress> {
    if !looks_base58(address) {
        return Err(invalid(format!("`{}` is not a valid TRON address", crate::text::shorten_for_message(address))));
    }
    let (version, _) = decode_base58check(address)?;
    if version != TRON_VERSION {
        return Err(invalid(format!(
            "base58 version byte 0x{version:02x} is not a TRON address (TRON addresses start with T, version 0x41)"
        )));
    }
    Ok(CryptoAddress::new(Chain::Tron, "account", address))
}

fn testnet_refused() -> Error {
    invalid("this is a Bitcoin testnet address; only mainnet addresses are tracked")
}

fn has_ascii_prefix_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn is_segwit_shaped(address: &str) -> bool {
    ["bc1", "tb1", "bcrt1"].iter().any(|hrp| has_ascii_prefix_ignore_case(address, hrp))
}

fn looks_base58(address: &str) -> bool {
    (MIN_BASE58_ADDRESS_CHARS..=MAX_BASE58_ADDRESS_CHARS).contains(&address.len())
        && address.bytes().all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'))
}

/// Decodes a 25-byte base58check string and verifies its 4-byte double-SHA256 checksum, returning
/// the version byte and the 20-byte payload.
fn decode_base58check(address: &str) -> Result<(u8, [u8; 20])> {
    let bytes = bs58::decode(address)
        .into_vec()
        .map_err(|_| invalid(format!("`{}` is not valid base58", crate::text::shorten_for_message(address))))?;
    let Ok(bytes) = <[u8; 25]>::try_from(bytes.as_slice()) else {
        return Err(invalid(format!("a base58check address decodes to 25 bytes; this one decodes to {}", bytes.len())));
    };
    let (body, checksum) = bytes.split_at(21);
    let digest = Sha256::digest(Sha256::digest(body));
    if digest[..4] != *checksum {
        return Err(checksum_mismatch("the base58check checksum does not match: the address is mistyped or altered"));
    }
    let mut payload = [0u8; 20];
    payload.copy_from_slice(&body[1..]);
    Ok((body[0], payload))
}

fn parse_segwit(address: &str) -> Result<CryptoAddress> {
    if address.len() > MAX_SEGWIT_ADDRESS_CHARS {
        return Err(invalid("a segwit address is at most 90 characters"));
    }
    if has_ascii_prefix_ignore_case(address, "tb1") || has_ascii_prefix_ignore_case(address, "bcrt1") {
        return Err(testnet_refused());
    }
    let (hrp, version, program) = segwit::decode(address).map_err(|e| segwit_error(address, e.0))?;
    if !hrp.is_valid_on_mainnet() {
        return Err(invalid(format!("`{}` is not a Bitcoin mainnet segwit prefix", hrp.to_lowercase())));
    }
    let address_type = match (version.to_u8(), program.len()) {
        (0, 20) => "p2wpkh",
        (0, 32) => "p2wsh",
        (1, 32) => "p2tr",
        (v, _) => SEGWIT_VERSION_NAMES.get(usize::from(v)).copied().unwrap_or("segwit"),
    };
    Ok(CryptoAddress::new(Chain::Btc, address_type, &address.to_ascii_lowercase()))
}

const SEGWIT_VERSION_NAMES: [&str; 17] = [
    "segwit_v0",
    "segwit_v1",
    "segwit_v2",
    "segwit_v3",
    "segwit_v4",
    "segwit_v5",
    "segwit_v6",
    "segwit_v7",
    "segwit_v8",
    "segwit_v9",
    "segwit_v10",
    "segwit_v11",
    "segwit_v12",
    "segwit_v13",
    "segwit_v14",
    "segwit_v15",
    "segwit_v16",
];

fn segwit_error(address: &str, error: SegwitHrpstringError) -> Error {
    match error {
        SegwitHrpstringError::Checksum(ChecksumError::InvalidResidue) => {
            // BIP-350: v1+ must use bech32m. Say so when the string is a valid old-style bech32 one.
            let is_v1_plus = address
                .get(3..4)
                .and_then(|c| c.chars().next())
                .and_then(|c| Fe32::from_char(c).ok())
                .is_some_and(|v| v.to_u8() > 0);
            if is_v1_plus && CheckedHrpstring::new::<Bech32>(address).is_ok() {
                checksum_mismatch(
                    "the bech32m checksum does not match: witness version 1 and above must use bech32m (BIP-350), \
                     this address uses the old bech32 checksum",
                )
            } else {
                checksum_mismatch("the bech32 checksum does not match: the address is mistyped or altered")
            }
        }
        SegwitHrpstringError::Unchecked(UncheckedHrpstringError::Char(CharError::MixedCase)) => {
            invalid("a segwit address must be all lowercase or all uppercase, not mixed case")
        }
        SegwitHrpstringError::Unchecked(UncheckedHrpstringError::Char(CharError::InvalidChar(c))) => {
            invalid(format!("`{}` is not a bech32 character", c.escape_default()))
        }
        SegwitHrpstringError::InvalidWitnessVersion(_) => invalid("the segwit witness version must be 0 to 16"),
        SegwitHrpstringError::WitnessLength(_) => {
            invalid("the segwit witness program has an invalid length (2-40 bytes; 20 or 32 for version 0)")
        }
        SegwitHrpstringError::Padding(_) => invalid("the segwit witness program has invalid padding"),
        SegwitHrpstringError::NoData => invalid("the segwit address has no data"),
        other => invalid(format!("not a valid segwit address: {other}")),
    }
}

fn parse_ethereum(address: &str) -> Result<CryptoAddress> {
    let hex = if has_ascii_prefix_ignore_case(address, "0x") { &address[2..] } else { address };
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(format!(
            "`{}` is not an Ethereum address (0x followed by 40 hexadecimal digits)",
            crate::text::shorten_for_message(address)
        )));
    }
    let lower = hex.to_ascii_lowercase();
    let checksummed = eip55_checksum(&lower);
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    // Single-case input carries no checksum; mixed case must be exactly the EIP-55 form.
    if has_lower && has_upper && hex != checksummed {
        return Err(checksum_mismatch(
            "the EIP-55 mixed-case checksum does not match: the address is mistyped or altered",
        ));
    }
    Ok(CryptoAddress::new(Chain::Eth, "account", &format!("0x{checksummed}")))
}

/// EIP-55: uppercase each hex letter whose nibble in Keccak-256(lowercase hex) is >= 8.
fn eip55_checksum(lower_hex: &str) -> String {
    let hash = Keccak256::digest(lower_hex.as_bytes());
    lower_hex
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let nibble = if i % 2 == 0 { hash[i / 2] >> 4 } else { hash[i / 2] & 0x0f };
            if nibble >= 8 { b.to_ascii_uppercase() as char } else { b as char }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(input: &str) -> ErrorCode {
        CryptoAddress::parse(input).expect_err(input).code
    }

    fn roundtrip(address: &CryptoAddress) {
        assert_eq!(&CryptoAddress::parse(address.canonical()).unwrap(), address, "canonical {}", address.canonical());
        assert_eq!(&CryptoAddress::parse(&address.display()).unwrap(), address, "display {}", address.display());
    }

    // BIP-173 and BIP-350 (bitcoin/bips, bip-0173.mediawiki and bip-0350.mediawiki, "Test vectors"),
    // copied verbatim. `Valid` mainnet vectors parse, testnet ones are refused, invalid ones rejected.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Expect {
        Valid(&'static str),
        Testnet,
        Invalid,
    }

    const SEGWIT_VECTORS: &[(&str, Expect, &str)] = &[
        // BIP-350 valid segwit addresses.
        ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", Expect::Valid("p2wpkh"), "bip350 valid"),
        ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", Expect::Testnet, "bip350 valid"),
        (
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
            Expect::Valid("segwit_v1"),
            "bip350 valid",
        ),
        ("BC1SW50QGDZ25J", Expect::Valid("segwit_v16"), "bip350 valid"),
        ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", Expect::Valid("segwit_v2"), "bip350 valid"),
        ("tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy", Expect::Testnet, "bip350 valid"),
        ("tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", Expect::Testnet, "bip350 valid"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", Expect::Valid("p2tr"), "bip350 valid"),
        // BIP-350 invalid segwit addresses.
        ("tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", Expect::Invalid, "invalid hrp"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", Expect::Invalid, "bech32 not bech32m"),
        ("tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", Expect::Testnet, "bech32 not bech32m"),
        ("BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", Expect::Invalid, "bech32 not bech32m"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", Expect::Invalid, "bech32m not bech32"),
        ("tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", Expect::Testnet, "bech32m not bech32"),
        ("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", Expect::Invalid, "invalid char"),
        ("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", Expect::Invalid, "witness version"),
        ("bc1pw5dgrnzv", Expect::Invalid, "program length 1"),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
            Expect::Invalid,
            "program length 41",
        ),
        ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", Expect::Invalid, "v0 program length"),
        ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", Expect::Testnet, "mixed case"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", Expect::Invalid, "padding > 4 bits"),
        ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", Expect::Testnet, "non-zero padding"),
        ("bc1gmk9yu", Expect::Invalid, "empty data"),
        // BIP-173 valid segwit addresses. The three v1+ ones use the bech32 checksum, which BIP-350
        // replaced with bech32m for v1+, so they are invalid today.
        ("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx", Expect::Invalid, "bip173 v1"),
        ("BC1SW50QA3JX3S", Expect::Invalid, "bip173 v16"),
        ("bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", Expect::Invalid, "bip173 v2"),
        // BIP-173 invalid segwit addresses.
        ("tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", Expect::Invalid, "invalid hrp"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", Expect::Invalid, "invalid checksum"),
        ("BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", Expect::Invalid, "witness version"),
        ("bc1rw5uspcuh", Expect::Invalid, "program length"),
        (
            "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
            Expect::Invalid,
            "program length",
        ),
        ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", Expect::Testnet, "mixed case"),
        ("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", Expect::Invalid, "padding > 4 bits"),
        ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", Expect::Testnet, "non-zero padding"),
    ];

    #[test]
    fn bip173_and_bip350_vectors() {
        for &(address, expect, why) in SEGWIT_VECTORS {
            let result = CryptoAddress::parse(address);
            match expect {
                Expect::Valid(address_type) => {
                    let parsed = result.unwrap_or_else(|e| panic!("{address} ({why}): {e}"));
                    assert_eq!(parsed.chain(), Chain::Btc);
                    assert_eq!(parsed.address_type(), address_type, "{address}");
                    assert_eq!(parsed.canonical(), format!("btc:{}", address.to_ascii_lowercase()));
                    roundtrip(&parsed);
                }
                Expect::Testnet => {
                    let error = result.expect_err(address);
                    assert_eq!(error.code, ErrorCode::InvalidCrypto, "{address}");
                    assert!(error.message.contains("testnet"), "{address}: {}", error.message);
                }
                Expect::Invalid => {
                    let error = result.expect_err(address);
                    assert!(
                        matches!(error.code, ErrorCode::InvalidCrypto | ErrorCode::InvalidChecksum),
                        "{address} ({why}): {error:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn segwit_checksum_errors_say_checksum() {
        for address in [
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
        ] {
            let error = CryptoAddress::parse(address).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidChecksum, "{address}");
            assert!(error.message.contains("checksum does not match"), "{}", error.message);
        }
        let error = CryptoAddress::parse("bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj").unwrap_err();
        assert!(error.message.contains("BIP-350"), "{}", error.message);
        let error = CryptoAddress::parse("Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4").unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidCrypto);
        assert!(error.message.contains("mixed case"), "{}", error.message);
    }

    #[test]
    fn segwit_address_types() {
        let p2wsh = CryptoAddress::parse("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3").unwrap();
        assert_eq!(p2wsh.address_type(), "p2wsh");
        roundtrip(&p2wsh);
        let upper = CryptoAddress::parse("bitcoin:BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4?amount=0.5").unwrap();
        assert_eq!(upper.canonical(), "btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
        assert_eq!(upper.display(), "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
    }

    #[test]
    fn base58_bitcoin() {
        let genesis = CryptoAddress::parse("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa").unwrap();
        assert_eq!(genesis.canonical(), "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
        assert_eq!(genesis.address_type(), "p2pkh");
        roundtrip(&genesis);
        let p2sh = CryptoAddress::parse("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy").unwrap();
        assert_eq!(p2sh.address_type(), "p2sh");
        roundtrip(&p2sh);
        for input in [
            "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "BTC: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=0.01&label=Hoan%20tien",
            "bitcoin://1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            " \u{200B}1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa ",
        ] {
            assert_eq!(CryptoAddress::parse(input).unwrap(), genesis, "{input}");
        }
        assert_eq!(code("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"), ErrorCode::InvalidChecksum);
        assert_eq!(code("btc:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz"), ErrorCode::InvalidChecksum);
        let error = CryptoAddress::parse("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb").unwrap_err();
        assert!(error.message.contains("checksum does not match"), "{}", error.message);
        // Testnet P2PKH (m/n) and P2SH (2) are refused.
        for testnet in ["mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", "2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc"] {
            let error = CryptoAddress::parse(testnet).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidCrypto, "{testnet}");
            assert!(error.message.contains("testnet"), "{}", error.message);
        }
        assert_eq!(code("btc:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"), ErrorCode::InvalidCrypto);
    }

    // EIP-55 (ethereum/EIPs, EIPS/eip-55.md): all-caps, all-lower and normal test cases.
    const EIP55_VECTORS: &[&str] = &[
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    #[test]
    fn eip55_vectors() {
        for &vector in EIP55_VECTORS {
            let parsed = CryptoAddress::parse(vector).unwrap();
            assert_eq!(parsed.canonical(), format!("eth:{vector}"));
            assert_eq!(parsed.display(), vector);
            assert_eq!(parsed.chain(), Chain::Eth);
            // Single-case input carries no checksum and is accepted, giving the same canonical.
            assert_eq!(CryptoAddress::parse(&vector.to_ascii_lowercase()).unwrap(), parsed);
            assert_eq!(CryptoAddress::parse(&format!("0x{}", &vector[2..].to_ascii_uppercase())).unwrap(), parsed);
            roundtrip(&parsed);
        }
    }

    #[test]
    fn ethereum_forms_and_errors() {
        let want = "eth:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        for input in [
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED",
            "eth:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed@56?value=1e18",
            "ethereum:pay-0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed@1/transfer?uint256=1",
            "Ethereum:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        ] {
            assert_eq!(CryptoAddress::parse(input).unwrap().canonical(), want, "{input}");
        }
        // One letter's case flipped: EIP-55 catches it.
        let error = CryptoAddress::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidChecksum);
        assert!(error.message.contains("checksum does not match"), "{}", error.message);
        assert_eq!(code("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"), ErrorCode::InvalidCrypto);
        assert_eq!(code("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd"), ErrorCode::InvalidCrypto);
        assert_eq!(code(&format!("0x{}", "g".repeat(40))), ErrorCode::InvalidCrypto);
        assert_eq!(code("eth:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), ErrorCode::InvalidCrypto);
        let details = {
            let mut map = Map::new();
            CryptoAddress::parse(want).unwrap().details(&mut map);
            map
        };
        assert_eq!(details["chain"], "eth");
        assert_eq!(details["address_type"], "account");
    }

    #[test]
    fn tron() {
        let usdt = CryptoAddress::parse("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t").unwrap();
        assert_eq!(usdt.canonical(), "tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
        assert_eq!(usdt.chain(), Chain::Tron);
        assert_eq!(usdt.address_type(), "account");
        roundtrip(&usdt);
        for input in ["tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "TRX: TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"] {
            assert_eq!(CryptoAddress::parse(input).unwrap(), usdt);
        }
        assert_eq!(code("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"), ErrorCode::InvalidChecksum);
        assert_eq!(code("tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"), ErrorCode::InvalidChecksum);
        assert_eq!(code("tron:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"), ErrorCode::InvalidCrypto);
        assert_eq!(code("tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj"), ErrorCode::InvalidCrypto);
    }

    #[test]
    fn junk_is_invalid_crypto_and_never_panics() {
        for input in [
            "hello",
            "0x",
            "bc1",
            "doge:DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L",
            "btc:",
            ":",
            "bitcoin:?amount=1",
            "ethereum:@1",
            "vitalik.eth",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "0xé5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
            "bc1é",
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6é",
        ] {
            assert_eq!(code(input), ErrorCode::InvalidCrypto, "{input}");
        }
        let long = "1".repeat(100_000);
        assert_eq!(code(&long), ErrorCode::InvalidCrypto);
        let long_segwit = format!("bc1{}", "q".repeat(100_000));
        assert_eq!(code(&long_segwit), ErrorCode::InvalidCrypto);
    }

    #[test]
    fn details_fields() {
        let mut map = Map::new();
        CryptoAddress::parse("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0")
            .unwrap()
            .details(&mut map);
        assert_eq!(map["chain"], "btc");
        assert_eq!(map["address_type"], "p2tr");
        assert_eq!(map["chain_name"], "Bitcoin");
        assert_eq!(Chain::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(), ["btc", "eth", "tron"]);
    }
}
