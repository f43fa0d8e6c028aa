//! The `jiayuan` command line. Every option can also be set from the environment.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "jiayuan",
    version,
    about = "Jiayuan (家园): resident self-governance for residential communities"
)]
pub struct Cli {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://jiayuan.db?mode=rwc"
    )]
    pub database_url: String,
    /// Key sealing the audit log (shared by all replicas; never stored in the database). Without
    /// it, SQLite uses the key file beside the database file (`<db>.audit-key`, created on first
    /// start); PostgreSQL refuses to start. Prefer the environment variable to the flag.
    #[arg(long, global = true, env = "JIAYUAN_AUDIT_KEY", hide_env_values = true)]
    pub audit_key: Option<String>,
    /// Log filter (tracing EnvFilter syntax).
    #[arg(long = "log", global = true, env = "RUST_LOG", default_value = "info")]
    pub log_filter: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run pending migrations, then serve the GraphQL API and the portal.
    Serve(ServeArgs),
    /// Run pending migrations and exit.
    Migrate,
    /// Platform administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the GraphQL schema (SDL).
    ExportSchema,
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "JIAYUAN_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Seed a demo community into an empty database and print its sign-ins.
    #[arg(long)]
    pub demo: bool,
    /// Secret for signing access tokens (shared by all replicas). Generated and stored in the database when absent.
    #[arg(long, env = "JIAYUAN_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Folder of the built portal.
    #[arg(long, env = "JIAYUAN_PORTAL_DIR")]
    pub portal_dir: Option<std::path::PathBuf>,
    /// Trust `X-Forwarded-For` for the client address (only behind your own reverse proxy).
    #[arg(long, env = "JIAYUAN_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
    /// With --trust-proxy: how many proxies in front of this server append to X-Forwarded-For.
    #[arg(long, env = "JIAYUAN_PROXY_HOPS", default_value_t = 1)]
    pub proxy_hops: usize,
    /// PostgreSQL connections the server keeps open at most, one of them the event bus's
    /// listener (SQLite always uses one).
    #[arg(long, env = "JIAYUAN_DB_POOL_SIZE", default_value_t = crate::db::DEFAULT_POOL_SIZE,
          value_parser = clap::value_parser!(u32).range(crate::db::MIN_POOL_SIZE as i64..=1000))]
    pub db_pool_size: u32,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a platform administrator, or reset the password of an existing one.
    Create {
        #[arg(long)]
        phone: String,
        #[arg(long, env = "JIAYUAN_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "管理员")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's keyed hash chain; names the first altered row.
    Verify {
        /// A published anchor (`HASH:COUNT`, from `jiayuan audit anchor`) the chain must still
        /// hold: catches the newest entries cut off or the chain rewritten. Repeatable.
        #[arg(long = "anchor", value_name = "HASH:COUNT")]
        anchors: Vec<crate::domain::audit::Anchor>,
    },
    /// Verify the chain, then print its head as an anchor (`HASH:COUNT`) to publish, e.g. on
    /// the community notice board; `audit verify --anchor HASH:COUNT` checks it later.
    Anchor,
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let mut settings = Settings::for_database(&cli.database_url);
            settings.bind = args.bind;
            settings.jwt_secret = args.jwt_secret;
            settings.audit_key = cli.audit_key.clone();
            settings.trust_proxy = args.trust_proxy;
            settings.proxy_hops = args.proxy_hops;
            settings.db_pool_size = args.db_pool_size;
            if let Some(dir) = args.portal_dir {
                settings.portal_dir = dir;
            }
            let app = crate::startup::Application::build(settings).await?;
            if args.demo {
                crate::demo::seed_and_print(app.state(), app.port()).await?;
            }
            tracing::info!(port = app.port(), "serving");
            app.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let db = crate::db::connect(&cli.database_url).await?;
            crate::db::migrate(&db).await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    phone,
                    password,
                    name,
                },
        } => {
            let db = crate::db::connect(&cli.database_url).await?;
            crate::db::migrate(&db).await?;
            let hasher = crate::domain::identity::PasswordHasher::new(
                Settings::for_database("").argon2_memory_kib,
            );
            match crate::domain::identity::service::create_admin(
                &db, &hasher, &phone, &password, &name,
            )
            .await
            {
                Ok(created) => {
                    println!(
                        "{}",
                        if created {
                            "administrator created"
                        } else {
                            "administrator password reset"
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{}", e.describe());
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::ExportSchema => {
            print!("{}", crate::graphql::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { anchors },
        } => {
            let Some((db, key)) = audit_access(&cli.database_url, cli.audit_key.as_deref()).await?
            else {
                return Ok(ExitCode::from(2));
            };
            let report = crate::domain::audit::verify_with_anchors(&db, &key, &anchors)
                .await
                .context("reading the audit log")?;
            match report.first_bad {
                None => {
                    println!(
                        "audit log intact: {} entries verified{}",
                        report.checked,
                        match anchors.len() {
                            0 => String::new(),
                            n => format!(", {n} anchor(s) held"),
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(bad) => {
                    println!(
                        "audit log ALTERED: first bad entry is seq {} ({})",
                        bad.seq, bad.reason
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Anchor,
        } => {
            let Some((db, key)) = audit_access(&cli.database_url, cli.audit_key.as_deref()).await?
            else {
                return Ok(ExitCode::from(2));
            };
            let report = crate::domain::audit::verify(&db, &key)
                .await
                .context("reading the audit log")?;
            if let Some(bad) = &report.first_bad {
                println!(
                    "audit log ALTERED: first bad entry is seq {} ({}); no anchor printed",
                    bad.seq, bad.reason
                );
                return Ok(ExitCode::from(1));
            }
            match report.anchor() {
                Some(anchor) => {
                    println!("entries: {}", anchor.count);
                    println!("head:    {}", anchor.hash);
                    println!("anchor:  {anchor}");
                    println!("check later with: jiayuan audit verify --anchor {anchor}");
                }
                None => println!("the audit log is empty: nothing to anchor yet"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The database and the audit key for `audit verify` / `audit anchor`; `None` (after printing
/// why) when there is no key to check with.
async fn audit_access(
    database_url: &str,
    configured: Option<&str>,
) -> anyhow::Result<Option<(sea_orm::DatabaseConnection, crate::domain::audit::AuditKey)>> {
    let key = match crate::domain::audit::key_for_checking(database_url, configured) {
        Ok(key) => key,
        Err(e) => {
            eprintln!("cannot verify the audit log: {e:#}");
            return Ok(None);
        }
    };
    let db = crate::db::connect(database_url).await?;
    Ok(Some((db, key)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn pool_size(args: &[&str]) -> Result<u32, clap::Error> {
        let cli = Cli::try_parse_from(["jiayuan", "serve"].iter().chain(args))?;
        match cli.command {
            Command::Serve(serve) => Ok(serve.db_pool_size),
            _ => Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand)),
        }
    }

    #[test]
    fn the_pool_size_is_sixteen_unless_set_and_leaves_room_beside_the_listener() {
        // (The environment variable, when a developer has set it, is the default.)
        if std::env::var_os("JIAYUAN_DB_POOL_SIZE").is_none() {
            assert_eq!(pool_size(&[]).ok(), Some(crate::db::DEFAULT_POOL_SIZE));
        }
        assert_eq!(pool_size(&["--db-pool-size", "2"]).ok(), Some(2));
        assert_eq!(pool_size(&["--db-pool-size", "48"]).ok(), Some(48));
        // One connection would be the bus listener's alone: every request would wait for it.
        for bad in ["0", "1", "1001", "many", "2.5"] {
            assert!(pool_size(&["--db-pool-size", bad]).is_err(), "{bad}");
        }
    }
}
