//! The commands that work on the store: `migrate`, `org`, `key`, `user`, `backup`, `restore`, `secrets`.
//!
//! They open the same data directory (and the same `--database`) as `serve`. Output never holds reporters'
//! personal data; an API key is printed once, when it is created.

use canhgiac_core::access::{OrganisationKind, Role};
use canhgiac_core::identifier;
use canhgiac_core::{Error, ErrorCode};
use canhgiac_secrets::{ApiKey, Keyring};
use canhgiac_server::platform::{DataDirLock, Platform};
use canhgiac_store::{ApiKeyRecord, Organisation, StoreLocation, User};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Directory for the data store; created when absent.
    #[arg(long, value_name = "DIR", env = "CANHGIAC_DATA_DIR", default_value = "./canhgiac-data", global = true)]
    pub(crate) data_dir: PathBuf,
    /// Use PostgreSQL at this URL instead of the embedded SQLite store.
    #[arg(long, value_name = "URL", env = "CANHGIAC_DATABASE_URL", hide_env_values = true, global = true)]
    pub(crate) database: Option<String>,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct OrgArgs {
    #[command(subcommand)]
    command: OrgCommand,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Add a partner organisation.
    Add {
        /// Its name, unique (e.g. "Vietcombank", "C06 - Bộ Công an").
        name: String,
        /// police, bank, ewallet, telecom, government, communication or platform_admin.
        #[arg(long)]
        kind: String,
        /// 0-100: how much the reputation index trusts its listings.
        #[arg(long, default_value_t = 70)]
        trust: u8,
        /// For a bank or e-wallet: which one, by name ("Vietcombank"), code ("VCB") or six-digit NAPAS BIN
        /// ("970436"); freeze requests about its accounts are addressed to it by that BIN.
        #[arg(long, value_name = "NAME|CODE|BIN")]
        bank: Option<String>,
    },
    /// List organisations.
    List,
}

#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    command: KeyCommand,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Create an API key for an organisation; the key is shown once.
    Create {
        /// The organisation's name or id.
        #[arg(long)]
        org: String,
        /// reporter, analyst, investigator or admin.
        #[arg(long, default_value = "reporter")]
        role: String,
        /// What the key is for (e.g. "core banking", "5656 gateway").
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List keys (prefixes only).
    List {
        #[arg(long)]
        org: Option<String>,
    },
    /// Revoke a key by its prefix (cgk_xxxxxxxx).
    Revoke { prefix: String },
}

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user to an organisation.
    Add {
        username: String,
        #[arg(long)]
        org: String,
        #[arg(long, default_value = "analyst")]
        role: String,
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup (a SQLite file).
    file: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct SecretsArgs {
    #[command(subcommand)]
    command: SecretsCommand,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Subcommand)]
enum SecretsCommand {
    /// Print a new keyring line `<id> <key>` to put first in the keyring.
    NewKey {
        #[arg(long)]
        id: Option<String>,
    },
    /// Re-seal every report's personal data with the keyring's first key.
    Reseal,
}

fn now_millis() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

pub(crate) fn fail(error: Error) -> ExitCode {
    eprintln!("error[{}]: {}", error.code, error.message);
    ExitCode::from(if error.category() == canhgiac_core::ErrorCategory::Internal { 1 } else { 2 })
}

/// Runs `work` on a fresh single-threaded runtime with the platform open.
pub(crate) fn with_platform<F, Fut>(store: &StoreArgs, work: F) -> ExitCode
where
    F: FnOnce(Platform) -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(Error::new(ErrorCode::Internal, format!("cannot start the runtime: {error}"))),
    };
    let result = runtime.block_on(async {
        let platform = Platform::open(&store.data_dir, store.database.as_deref()).await?;
        work(platform).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error),
    }
}

pub fn migrate(args: MigrateArgs) -> ExitCode {
    with_platform(&args.store, |platform| async move {
        let version = platform.store.schema_version().await?;
        println!("{}: schema version {version}", platform.location.describe());
        Ok(())
    })
}

pub fn org(args: OrgArgs) -> ExitCode {
    with_platform(&args.store, |platform| async move {
        match args.command {
            OrgCommand::Add { name, kind, trust, bank } => {
                let kind: OrganisationKind = kind.parse().map_err(|e: Error| e.with_field("kind"))?;
                let name = name.trim().to_string();
                if name.is_empty() || name.chars().count() > 200 {
                    return Err(Error::new(ErrorCode::InvalidValue, "a name is 1-200 characters").with_field("name"));
                }
                if trust > 100 {
                    return Err(Error::new(ErrorCode::InvalidValue, "trust is 0-100").with_field("trust"));
                }
                let bank_bin = bank.as_deref().map(|bank| bank_bin_of(kind, bank)).transpose()?;
                let organisation = Organisation {
                    id: uuid::Uuid::now_v7().to_string(),
                    name,
                    kind,
                    trust_level: trust,
                    created_at: now_millis(),
                    bank_bin,
                };
                let created = platform.store.create_organisation(organisation).await.map_err(|e| {
                    if e.code == ErrorCode::Conflict {
                        Error::new(ErrorCode::Conflict, "an organisation with this name exists").with_field("name")
                    } else {
                        e
                    }
                })?;
                println!("{}", organisation_line(&created));
            }
            OrgCommand::List => {
                for o in platform.store.organisations().await? {
                    println!("{}", organisation_line(&o));
                }
            }
        }
        Ok(())
    })
}

/// `<id> <kind> <name> trust <n>`, tab-separated, then `bin <BIN>` for a bank or e-wallet that has one.
fn organisation_line(o: &Organisation) -> String {
    let mut line = format!("{}\t{}\t{}\ttrust {}", o.id, o.kind, o.name, o.trust_level);
    if let Some(bin) = &o.bank_bin {
        line.push_str("\tbin ");
        line.push_str(bin);
    }
    line
}

/// The NAPAS BIN of the bank or e-wallet named by `bank` (a name, a code or a BIN from the VietQR bank list).
fn bank_bin_of(kind: OrganisationKind, bank: &str) -> Result<String, Error> {
    if !matches!(kind, OrganisationKind::Bank | OrganisationKind::Ewallet) {
        return Err(Error::new(
            ErrorCode::InvalidValue,
            "--bank is for a bank or e-wallet organisation (--kind bank or ewallet)",
        )
        .with_field("bank"));
    }
    let bank = bank.trim();
    let found = if bank.len() == 6 && bank.bytes().all(|b| b.is_ascii_digit()) {
        identifier::bank_by_bin(bank)
    } else {
        identifier::bank_by_name(bank)
    };
    let found = found.ok_or_else(|| {
        Error::new(
            ErrorCode::UnknownBank,
            format!(
                "no bank or e-wallet is known as '{bank}': give its name, code or six-digit NAPAS BIN \
                 (e.g. Vietcombank, VCB or 970436)"
            ),
        )
        .with_field("bank")
    })?;
    Ok(found.bin.to_string())
}

async fn find_organisation(platform: &Platform, name_or_id: &str) -> Result<Organisation, Error> {
    platform.store.organisation(name_or_id.trim()).await?.ok_or_else(|| {
        Error::new(ErrorCode::NotFound, "no organisation has this name or id (see `canhgiac org list`)")
            .with_field("org")
    })
}

pub fn key(args: KeyArgs) -> ExitCode {
    with_platform(&args.store, |platform| async move {
        match args.command {
            KeyCommand::Create { org, role, label } => {
                let organisation = find_organisation(&platform, &org).await?;
                let role: Role = role.parse().map_err(|e: Error| e.with_field("role"))?;
                let key = ApiKey::generate();
                let record = ApiKeyRecord {
                    id: uuid::Uuid::now_v7().to_string(),
                    organisation_id: organisation.id.clone(),
                    prefix: key.prefix().to_string(),
                    key_hash: key.hash().to_vec(),
                    role,
                    label: label.trim().to_string(),
                    created_at: now_millis(),
                    revoked_at: None,
                };
                platform.store.create_api_key(record).await?;
                eprintln!(
                    "API key for {} ({}), role {role}. Shown once: store it now.",
                    organisation.name, organisation.kind
                );
                println!("{}", key.expose());
            }
            KeyCommand::List { org } => {
                let organisation = match org {
                    Some(org) => Some(find_organisation(&platform, &org).await?),
                    None => None,
                };
                for k in platform.store.api_keys(organisation.as_ref().map(|o| o.id.as_str())).await? {
                    let state = if k.revoked_at.is_some() { "revoked" } else { "active" };
                    println!("{}\t{}\t{}\t{state}\t{}", k.prefix, k.organisation_id, k.role, k.label);
                }
            }
            KeyCommand::Revoke { prefix } => {
                let revoked = platform.store.revoke_api_key(prefix.trim(), now_millis()).await?;
                println!("{}\trevoked", revoked.prefix);
            }
        }
        Ok(())
    })
}

pub fn user(args: UserArgs) -> ExitCode {
    with_platform(&args.store, |platform| async move {
        let UserCommand::Add { username, org, role, name } = args.command;
        let organisation = find_organisation(&platform, &org).await?;
        let role: Role = role.parse().map_err(|e: Error| e.with_field("role"))?;
        let username = username.trim().to_lowercase();
        let valid = !username.is_empty()
            && username.len() <= 64
            && username.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !valid {
            return Err(Error::new(ErrorCode::InvalidValue, "a username is 1-64 letters, digits, '.', '_' or '-'")
                .with_field("username"));
        }
        let user = User {
            id: uuid::Uuid::now_v7().to_string(),
            organisation_id: organisation.id,
            display_name: name.unwrap_or_else(|| username.clone()),
            username,
            role,
            created_at: now_millis(),
        };
        let user = platform.store.create_user(user).await?;
        println!("{}\t{}\t{}", user.id, user.username, user.role);
        Ok(())
    })
}

fn sqlite_path(store: &StoreArgs) -> Result<PathBuf, Error> {
    match StoreLocation::choose(store.database.as_deref(), &store.data_dir)? {
        StoreLocation::Sqlite(path) => Ok(path),
        StoreLocation::Postgres(_) => Err(Error::new(
            ErrorCode::InvalidRequest,
            "backup and restore work on the embedded SQLite store; back PostgreSQL up with pg_dump or pg_basebackup",
        )),
    }
}

/// `canhgiac backup <file>`: online, while the server runs.
pub fn backup(args: BackupArgs) -> ExitCode {
    let result = sqlite_path(&args.store).and_then(|database| {
        if args.file.exists() {
            return Err(Error::new(ErrorCode::Conflict, format!("{} exists; choose a new file", args.file.display())));
        }
        let reports = canhgiac_store::backup_sqlite(&database, &args.file)?;
        println!("backed up {} ({reports} reports) to {}", database.display(), args.file.display());
        eprintln!(
            "note: evidence files are in {} (content-addressed, never changed: copy the folder as it is); the keyring is not in the backup",
            args.store.data_dir.join("evidence").display()
        );
        Ok(())
    });
    result.map_or_else(fail, |()| ExitCode::SUCCESS)
}

/// `canhgiac restore <file>`: the server must be stopped.
pub fn restore(args: BackupArgs) -> ExitCode {
    let result = sqlite_path(&args.store).and_then(|database| {
        let _lock = DataDirLock::acquire(&args.store.data_dir).map_err(|e| {
            if e.code == ErrorCode::Conflict {
                Error::new(ErrorCode::Conflict, "stop the server before restoring")
            } else {
                e
            }
        })?;
        let reports = canhgiac_store::restore_sqlite(&args.file, &database)?;
        println!("restored {} ({reports} reports) into {}", args.file.display(), database.display());
        Ok(())
    });
    result.map_or_else(fail, |()| ExitCode::SUCCESS)
}

pub fn secrets(args: SecretsArgs) -> ExitCode {
    match args.command {
        SecretsCommand::NewKey { id } => {
            let id = id.unwrap_or_else(|| format!("k{}", now_millis() / 1000));
            println!("{}", Keyring::new_key_line(&id));
            ExitCode::SUCCESS
        }
        SecretsCommand::Reseal => with_platform(&args.store, |platform| async move {
            let sealed = platform.store.sealed_reporter_data().await?;
            let mut resealed = Vec::new();
            for (id, value) in &sealed {
                if Keyring::sealed_with(value) == Some(platform.keyring.primary_id()) {
                    continue;
                }
                let plain = platform
                    .keyring
                    .open(value, id.as_bytes())
                    .map_err(|e| Error::new(ErrorCode::Internal, format!("cannot open a report's sealed data: {e}")))?;
                resealed.push((id.clone(), platform.keyring.seal(&plain, id.as_bytes())));
            }
            let updated = platform.store.reseal_reporter_data(resealed).await?;
            println!("re-sealed {updated} of {} reports with key '{}'", sealed.len(), platform.keyring.primary_id());
            Ok(())
        }),
    }
}
