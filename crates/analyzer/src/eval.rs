//! Measuring the analyzer on a labelled set: precision, recall, F1 and false-positive rate (a positive is a
//! `suspicious` or `scam` verdict), the confusion matrix by verdict, and calibration by probability band.

use crate::analyze::MessageVerdict;
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Evaluation {
    pub messages: usize,
    pub positives: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub true_negatives: usize,
    pub false_negatives: usize,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub false_positive_rate: f64,
    /// Rows: label (scam, legitimate); columns: verdict (safe, suspicious, scam).
    pub confusion: [[usize; 3]; 2],
    pub calibration: Vec<CalibrationBand>,
    /// Brier score: the mean squared distance between the probability and the label (0 is perfect).
    pub brier: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalibrationBand {
    pub from: f64,
    pub to: f64,
    pub messages: usize,
    pub mean_probability: f64,
    pub scam_share: f64,
}

/// `results`: (label, verdict, probability) per message.
pub fn evaluate(results: &[(bool, MessageVerdict, f32)]) -> Evaluation {
    let mut evaluation = Evaluation { messages: results.len(), ..Evaluation::default() };
    let bands = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001];
    let mut band_counts = vec![(0usize, 0.0f64, 0usize); bands.len() - 1];
    let mut brier = 0.0f64;
    for &(scam, verdict, probability) in results {
        let positive = verdict != MessageVerdict::Safe;
        match (scam, positive) {
            (true, true) => evaluation.true_positives += 1,
            (true, false) => evaluation.false_negatives += 1,
            (false, true) => evaluation.false_positives += 1,
            (false, false) => evaluation.true_negatives += 1,
        }
        let column = match verdict {
            MessageVerdict::Safe => 0,
            MessageVerdict::Suspicious => 1,
            MessageVerdict::Scam => 2,
        };
        evaluation.confusion[usize::from(!scam)][column] += 1;
        let p = f64::from(probability);
        let band = bands.windows(2).position(|edge| p >= edge[0] && p < edge[1]).unwrap_or(bands.len() - 2);
        band_counts[band].0 += 1;
        band_counts[band].1 += p;
        band_counts[band].2 += usize::from(scam);
        brier += (p - if scam { 1.0 } else { 0.0 }).powi(2);
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    evaluation.positives = evaluation.true_positives + evaluation.false_negatives;
    evaluation.accuracy = ratio(evaluation.true_positives + evaluation.true_negatives, evaluation.messages);
    evaluation.precision = ratio(evaluation.true_positives, evaluation.true_positives + evaluation.false_positives);
    evaluation.recall = ratio(evaluation.true_positives, evaluation.positives);
    evaluation.f1 = if evaluation.precision + evaluation.recall > 0.0 {
        2.0 * evaluation.precision * evaluation.recall / (evaluation.precision + evaluation.recall)
    } else {
        0.0
    };
    evaluation.false_positive_rate =
        ratio(evaluation.false_positives, evaluation.false_positives + evaluation.true_negatives);
    evaluation.brier = if results.is_empty() { 0.0 } else { brier / results.len() as f64 };
    evaluation.calibration = band_counts
        .iter()
        .enumerate()
        .filter(|(_, (count, _, _))| *count > 0)
        .map(|(band, &(count, sum, scams))| CalibrationBand {
            from: bands[band],
            to: bands[band + 1].min(1.0),
            messages: count,
            mean_probability: sum / count as f64,
            scam_share: scams as f64 / count as f64,
        })
        .collect();
    evaluation
}

#[cfg(test)]
mod tests {
    use super::*;
    use MessageVerdict::*;

    #[test]
    fn counts_and_rates() {
        let results =
            [(true, Scam, 0.95), (true, Suspicious, 0.6), (true, Safe, 0.2), (false, Safe, 0.05), (false, Scam, 0.9)];
        let e = evaluate(&results);
        assert_eq!((e.true_positives, e.false_negatives, e.false_positives, e.true_negatives), (2, 1, 1, 1));
        assert!((e.precision - 2.0 / 3.0).abs() < 1e-9);
        assert!((e.recall - 2.0 / 3.0).abs() < 1e-9);
        assert!((e.false_positive_rate - 0.5).abs() < 1e-9);
        assert_eq!(e.confusion, [[1, 1, 1], [1, 0, 1]]);
        assert_eq!(e.calibration.iter().map(|b| b.messages).sum::<usize>(), 5);
        assert_eq!(evaluate(&[]).f1, 0.0);
    }
}
