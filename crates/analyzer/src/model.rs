//! The analyzer's statistical model: two linear models over hashed text features ([`crate::features`]) —
//! scam or not (logistic), and which scam type (softmax) — and a small logistic "combiner" that turns the text
//! model's score, the red flags and the sender into the final, calibrated probability. Weights are trained by
//! [`crate::train`] and shipped in `data/model.bin`, loaded once.
//!
//! File format (little-endian): `CGAM`, format version `u32`, header length `u32`, the header as JSON
//! ([`ModelHeader`]), then each weight array as `i16` values scaled by the header's `scale` for that array.

use crate::analyze::SIGNALS_BESIDE_FLAGS;
use crate::features::Features;
use canhgiac_core::ScamType;
use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 4] = b"CGAM";
const FORMAT_VERSION: u32 = 1;

/// A linear model over hashed features: `classes` scores per bucket, bucket-major.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    pub bits: u32,
    pub classes: usize,
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

impl LinearModel {
    pub fn zeros(bits: u32, classes: usize) -> Self {
        LinearModel { bits, classes, weights: vec![0.0; (1usize << bits) * classes], bias: vec![0.0; classes] }
    }

    /// The score of every class for a message's features.
    pub fn scores(&self, features: &Features, out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for &bucket in &features.buckets {
            let row = &self.weights[bucket as usize * self.classes..][..self.classes];
            for (score, weight) in out.iter_mut().zip(row) {
                *score += weight * features.value;
            }
        }
    }

    /// The one score of a one-class (logistic) model.
    pub fn score(&self, features: &Features) -> f32 {
        let mut total = self.bias[0];
        for &bucket in &features.buckets {
            total += self.weights[bucket as usize] * features.value;
        }
        total
    }
}

/// What the combiner weighs besides the text model's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Combiner {
    pub bias: f32,
    /// Weight of the text model's logit.
    pub text: f32,
    /// Weight of each red flag, by code; a flag not listed weighs nothing.
    pub flags: Vec<(String, f32)>,
    /// Weight of each kind of sender (`brandname`, `shortcode`, `personal_number`, `unknown`).
    pub senders: Vec<(String, f32)>,
    /// Weight of having at least so many distinct red flags: independent signs together say more than each alone.
    #[serde(default)]
    pub flag_counts: Vec<(usize, f32)>,
}

/// The red-flag counts the combiner weighs (name, at least).
pub const FLAG_COUNTS: &[(&str, usize)] = &[("two_flags", 2), ("three_flags", 3), ("four_flags", 4)];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// Where the weights came from: the training command, the corpus and its size, the date.
    pub trained_on: String,
    pub scam_bits: u32,
    pub type_bits: u32,
    /// The scam types of the type model, by code, in its class order.
    pub scam_types: Vec<String>,
    pub combiner: Combiner,
    /// Probability from which a message is `suspicious`, and from which it is a `scam`.
    pub suspicious_from: f32,
    pub scam_from: f32,
    scam_scale: f32,
    type_scale: f32,
}

/// The whole trained analyzer model.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzerModel {
    pub header: ModelHeader,
    pub scam: LinearModel,
    pub types: LinearModel,
    pub scam_types: Vec<ScamType>,
}

#[derive(Debug, thiserror::Error)]
#[error("the analyzer model is damaged: {0}")]
pub struct ModelError(String);

impl AnalyzerModel {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        trained_on: String,
        scam: LinearModel,
        types: LinearModel,
        scam_types: Vec<ScamType>,
        combiner: Combiner,
        suspicious_from: f32,
        scam_from: f32,
    ) -> Self {
        let header = ModelHeader {
            trained_on,
            scam_bits: scam.bits,
            type_bits: types.bits,
            scam_types: scam_types.iter().map(|t| t.code().to_string()).collect(),
            combiner,
            suspicious_from,
            scam_from,
            scam_scale: 0.0,
            type_scale: 0.0,
        };
        AnalyzerModel { header, scam, types, scam_types }
    }

    /// The model as shipped: weights rounded to 16 bits, which changes no probability by more than a rounding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut header = self.header.clone();
        header.scam_scale = scale_of(&self.scam);
        header.type_scale = scale_of(&self.types);
        let header_json = serde_json::to_vec(&header).unwrap_or_default();
        let mut out =
            Vec::with_capacity(16 + header_json.len() + 2 * (self.scam.weights.len() + self.types.weights.len()));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header_json.len() as u32).to_le_bytes());
        out.extend_from_slice(&header_json);
        for (model, scale) in [(&self.scam, header.scam_scale), (&self.types, header.type_scale)] {
            for value in model.bias.iter().chain(&model.weights) {
                let quantised = if scale > 0.0 { (value / scale).round().clamp(-32767.0, 32767.0) as i16 } else { 0 };
                out.extend_from_slice(&quantised.to_le_bytes());
            }
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let fail = |what: &str| ModelError(what.to_string());
        if bytes.len() < 12 || &bytes[..4] != MAGIC {
            return Err(fail("not a canhgiac analyzer model (no CGAM header)"));
        }
        let version = u32::from_le_bytes(bytes[4..8].try_into().map_err(|_| fail("short header"))?);
        if version != FORMAT_VERSION {
            return Err(ModelError(format!("format version {version}, this build reads {FORMAT_VERSION}")));
        }
        let header_len = u32::from_le_bytes(bytes[8..12].try_into().map_err(|_| fail("short header"))?) as usize;
        let header_bytes = bytes.get(12..12 + header_len).ok_or_else(|| fail("header cut short"))?;
        let header: ModelHeader =
            serde_json::from_slice(header_bytes).map_err(|e| ModelError(format!("header: {e}")))?;
        if header.scam_bits > 24 || header.type_bits > 24 {
            return Err(fail("too many buckets"));
        }
        let scam_types = header
            .scam_types
            .iter()
            .map(|code| ScamType::parse(code).map_err(|_| ModelError(format!("unknown scam type {code}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let mut values = bytes[12 + header_len..].chunks_exact(2).map(|pair| i16::from_le_bytes([pair[0], pair[1]]));
        let mut read = |bits: u32, classes: usize, scale: f32| -> Result<LinearModel, ModelError> {
            let mut model = LinearModel::zeros(bits, classes);
            for value in model.bias.iter_mut().chain(model.weights.iter_mut()) {
                *value = f32::from(values.next().ok_or_else(|| fail("weights cut short"))?) * scale;
            }
            Ok(model)
        };
        let scam = read(header.scam_bits, 1, header.scam_scale)?;
        let types = read(header.type_bits, scam_types.len(), header.type_scale)?;
        if values.next().is_some() {
            return Err(fail("bytes left after the weights"));
        }
        Ok(AnalyzerModel { header, scam, types, scam_types })
    }

    /// The combiner's probability that a message is a scam.
    pub fn combine(&self, text_logit: f32, flags: &[&str], sender_kind: &str) -> f32 {
        let combiner = &self.header.combiner;
        let mut logit = combiner.bias + combiner.text * text_logit;
        for (code, weight) in &combiner.flags {
            if flags.contains(&code.as_str()) {
                logit += weight;
            }
        }
        if let Some((_, weight)) = combiner.senders.iter().find(|(kind, _)| kind == sender_kind) {
            // A registered brand name vouches for nothing in a message that links to a look-alike of a brand: fake
            // base stations send SMS in banks' names, and a bank never links to a domain made to pass for its own.
            let spoofed = *weight < 0.0 && flags.contains(&crate::red_flags::LOOKALIKE_DOMAIN);
            if !spoofed {
                logit += weight;
            }
        }
        let red = flags.iter().filter(|code| !SIGNALS_BESIDE_FLAGS.contains(code)).count();
        for &(at_least, weight) in &combiner.flag_counts {
            if red >= at_least {
                logit += weight;
            }
        }
        sigmoid(logit)
    }
}

fn scale_of(model: &LinearModel) -> f32 {
    let largest = model.weights.iter().chain(&model.bias).fold(0.0f32, |max, w| max.max(w.abs()));
    largest / 32767.0
}

pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Softmax in place.
pub fn softmax(scores: &mut [f32]) {
    let largest = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0.0;
    for score in scores.iter_mut() {
        *score = (*score - largest).exp();
        total += *score;
    }
    if total > 0.0 {
        scores.iter_mut().for_each(|score| *score /= total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_round_trips_through_its_bytes() {
        let mut scam = LinearModel::zeros(4, 1);
        scam.weights[3] = 1.5;
        scam.bias[0] = -0.25;
        let mut types = LinearModel::zeros(3, 2);
        types.weights[5] = -2.0;
        let combiner = Combiner {
            bias: -1.0,
            text: 1.2,
            flags: vec![("threat".into(), 0.7)],
            senders: vec![],
            flag_counts: vec![],
        };
        let model = AnalyzerModel::new(
            "test".into(),
            scam,
            types,
            vec![ScamType::Gambling, ScamType::OnlineLoan],
            combiner,
            0.4,
            0.8,
        );
        let back = AnalyzerModel::from_bytes(&model.to_bytes()).unwrap();
        assert_eq!(back.scam_types, model.scam_types);
        assert!((back.scam.weights[3] - 1.5).abs() < 1e-3);
        assert!((back.scam.bias[0] + 0.25).abs() < 1e-3);
        assert!((back.types.weights[5] + 2.0).abs() < 1e-3);
        assert_eq!(back.header.combiner, model.header.combiner);
        let bytes = model.to_bytes();
        assert!(AnalyzerModel::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(AnalyzerModel::from_bytes(b"nonsense").is_err());
        assert!((back.combine(0.0, &["threat"], "unknown") - sigmoid(-0.3)).abs() < 1e-6);
    }

    #[test]
    fn a_brand_name_does_not_vouch_for_a_lookalike_link() {
        let combiner = Combiner {
            bias: -1.0,
            text: 1.0,
            flags: vec![("lookalike_domain".into(), 2.0), ("threat".into(), 0.5)],
            senders: vec![("brandname".into(), -0.7), ("personal_number".into(), 0.7)],
            flag_counts: vec![],
        };
        let model = AnalyzerModel::new(
            "test".into(),
            LinearModel::zeros(2, 1),
            LinearModel::zeros(2, 1),
            vec![ScamType::Gambling],
            combiner,
            0.4,
            0.8,
        );
        // The registered name lowers a threat's odds, not a look-alike link's: fake base stations send in its name.
        assert!((model.combine(0.0, &["threat"], "brandname") - sigmoid(-1.2)).abs() < 1e-6);
        assert!((model.combine(0.0, &["lookalike_domain"], "brandname") - sigmoid(1.0)).abs() < 1e-6);
        assert!((model.combine(0.0, &["lookalike_domain"], "personal_number") - sigmoid(1.7)).abs() < 1e-6);
    }
}
