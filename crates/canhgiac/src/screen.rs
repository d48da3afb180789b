//! `canhgiac screen --input transfers.csv --output decisions.csv`: replays a file of transfers in time order
//! through the screening engine the server uses, and says how many were allowed, warned, held or blocked.
//! `canhgiac screen --check-rules FILE` checks a rules file without using it.

use crate::admin::{StoreArgs, fail, with_platform};
use canhgiac_core::{Error, ErrorCode};
use canhgiac_screen::replay::{ReplaySummary, replay};
use canhgiac_screen::rules::{RULES_FILE, RuleSet, SHIPPED_RULES};
use canhgiac_screen::{Asker, Screener};
use canhgiac_server::reputation::{build_index, load_trust_directory};
use clap::Args;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// Transfers to replay (CSV with a header: id,time,amount,payer_bank,payer_account,payee_bank,payee_account,
    /// and optionally payee_name,remark,channel,declared_purpose).
    #[arg(long, value_name = "FILE", required_unless_present = "check_rules")]
    input: Option<PathBuf>,
    /// Where to write the decisions (id,decision,level,score,reasons); `-` for standard output.
    #[arg(long, value_name = "FILE", required_unless_present = "check_rules")]
    output: Option<PathBuf>,
    /// The rules to use (default: screening_rules.toml in the data directory when present, else the shipped rules).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Only check this rules file and say what it holds.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["input", "output"])]
    check_rules: Option<PathBuf>,
    /// Judge payees with the reputation index built from the data directory's store.
    #[arg(long)]
    with_index: bool,
    /// The organisation whose policy applies (its name in the rules file's policies table).
    #[arg(long, value_name = "NAME", default_value = "default")]
    org: String,
    #[command(flatten)]
    store: StoreArgs,
}

fn read_rules(path: &Path) -> Result<RuleSet, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(ErrorCode::InvalidRules, format!("cannot read {}: {e}", path.display())).with_field("rules")
    })?;
    RuleSet::parse(&text)
}

/// The rules a command uses: the file given, the data directory's own, or the shipped ones.
pub fn rules_for(explicit: Option<&Path>, data_dir: &Path) -> Result<RuleSet, Error> {
    match explicit {
        Some(path) => read_rules(path),
        None => {
            let own = data_dir.join(RULES_FILE);
            if own.exists() { read_rules(&own) } else { RuleSet::parse(SHIPPED_RULES) }
        }
    }
}

pub fn run(args: ScreenArgs) -> ExitCode {
    if let Some(path) = &args.check_rules {
        return match read_rules(path) {
            Ok(rules) => {
                let shadow = rules.rules.iter().filter(|r| r.shadow).count();
                println!(
                    "{}: version {}, {} rules ({} shadow); levels warn {} / strong warn {} / hold {}",
                    path.display(),
                    rules.version,
                    rules.rules.len(),
                    shadow,
                    rules.levels.warn,
                    rules.levels.strong_warn,
                    rules.levels.hold
                );
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        };
    }
    let (Some(input), Some(output)) = (args.input.clone(), args.output.clone()) else {
        return fail(Error::new(ErrorCode::MissingField, "give --input and --output").with_field("input"));
    };
    let rules = match rules_for(args.rules.as_deref(), &args.store.data_dir) {
        Ok(rules) => rules,
        Err(error) => return fail(error),
    };
    let input_file = match std::fs::File::open(&input) {
        Ok(file) => file,
        Err(e) => {
            return fail(
                Error::new(ErrorCode::InvalidValue, format!("cannot open {}: {e}", input.display()))
                    .with_field("input"),
            );
        }
    };
    let org = args.org.clone();
    let work = move |index: Option<&canhgiac_index::ReputationIndex>| -> Result<(), Error> {
        let screener = Screener::new(rules);
        let writer: Box<dyn Write> = if output.as_os_str() == "-" {
            Box::new(std::io::stdout().lock())
        } else {
            Box::new(std::fs::File::create(&output).map_err(|e| {
                Error::new(ErrorCode::InvalidValue, format!("cannot create {}: {e}", output.display()))
                    .with_field("output")
            })?)
        };
        let started = Instant::now();
        let summary = replay(
            BufReader::with_capacity(1 << 20, input_file),
            BufWriter::with_capacity(1 << 20, writer),
            &screener,
            index,
            Asker { names: &[org.as_str()] },
        )?;
        print_summary(&summary, started.elapsed().as_secs_f64());
        Ok(())
    };
    if !args.with_index {
        return match work(None) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(error),
        };
    }
    let data_dir = args.store.data_dir.clone();
    with_platform(&args.store, move |platform| async move {
        let trust = load_trust_directory(&data_dir)?;
        let index = build_index(&*platform.store, trust).await?;
        work(Some(&index))
    })
}

fn print_summary(summary: &ReplaySummary, seconds: f64) {
    let per_second = if seconds > 0.0 { summary.screened as f64 / seconds } else { 0.0 };
    eprintln!(
        "screened {} transfers in {seconds:.2} s ({per_second:.0}/s): allow {}, warn {}, hold {}, block {}; {} rows refused",
        summary.screened,
        summary.allowed,
        summary.warned,
        summary.held,
        summary.blocked,
        summary.refused.len()
    );
    for refused in summary.refused.iter().take(20) {
        eprintln!(
            "  line {}: {} ({}): {}",
            refused.line,
            refused.error.code,
            refused.error.field.as_deref().unwrap_or("-"),
            refused.error.message
        );
    }
    if summary.refused.len() > 20 {
        eprintln!("  ... and {} more", summary.refused.len() - 20);
    }
}
