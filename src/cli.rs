//! The command line (a contract: see the README) and how it is laid over the config.

use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser};

use crate::config::{self, Config, ConfigError, HostPort, Resolve, Target};

/// The terminal's background, for `--theme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Background {
    Light,
    Dark,
}

/// Find out why TLS handshakes fail, and walk to the fix.
///
/// With no TARGET, the configured targets are checked (the embedded defaults when no config file
/// exists). TARGETs given here replace the configured ones.
// A command line of flags is a struct of bools.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Parser, Default)]
#[command(name = "tlsdoctor-tui", version, about, max_term_width = 100)]
pub struct Cli {
    /// Targets to check, as host[:port] (port 443 by default).
    #[arg(value_name = "TARGET", value_parser = parse_host_port)]
    pub targets: Vec<HostPort>,

    /// Config file [default: $XDG_CONFIG_HOME/tlsdoctor/config.toml if present, else the embedded defaults].
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Add a preset's targets (nordvpn); NAME=HOST sends its VPN probes to HOST.
    #[arg(long, value_name = "NAME")]
    pub preset: Vec<String>,

    /// NTP server host[:port]; repeatable; replaces the configured servers.
    #[arg(long, value_name = "SERVER", value_parser = parse_host_port)]
    pub ntp: Vec<HostPort>,

    /// Connect to ADDR for HOST:PORT, like curl.
    #[arg(long, value_name = "HOST:PORT:ADDR", value_parser = parse_resolve)]
    pub resolve: Vec<Resolve>,

    /// Extra trusted roots (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// Add the server of an OpenVPN client profile as a target, with its OpenVPN probes.
    #[arg(long, value_name = "FILE")]
    pub ovpn: Vec<PathBuf>,

    /// Add the server of a WireGuard client config (wg-quick's .conf) as a target: a real
    /// handshake with its keys.
    #[arg(long, value_name = "FILE")]
    pub wg: Vec<PathBuf>,

    /// The HTTP proxy the TLS checks tunnel through (CONNECT), as
    /// http://[user:password@]host[:port] [default: [network] proxy, else HTTPS_PROXY,
    /// https_proxy or ALL_PROXY; NO_PROXY lists hosts that go direct].
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,

    /// Go direct: no proxy, whatever the config and the environment say.
    #[arg(long, conflicts_with = "proxy")]
    pub no_proxy: bool,

    /// Per-step network timeout (the default, `[network] timeout`, is filled in by [`command`]).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    pub timeout: Option<Duration>,

    /// Run every check once, print a report, exit (also when stdout is not a terminal).
    #[arg(long)]
    pub once: bool,

    /// With --once: print the JSON report on stdout (implies --once).
    #[arg(long)]
    pub json: bool,

    /// Run every check once, then write a support bundle (tar.gz: reports, history, log,
    /// environment) to FILE, made new (implies --once).
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,

    /// Replace host names, addresses and certificate subjects in the bundle (--bundle, and `e`
    /// in the dashboard) with stable placeholders.
    #[arg(long)]
    pub redact: bool,

    /// No colours (also when NO_COLOR is set).
    #[arg(long)]
    pub no_color: bool,

    /// The terminal's background, for colours that read on it [default: from COLORFGBG, else dark].
    #[arg(long, value_enum, value_name = "THEME")]
    pub theme: Option<Background>,

    /// Leave the mouse to the terminal (text selection as usual) instead of clicks and the wheel.
    #[arg(long)]
    pub no_mouse: bool,
}

/// The command line's definition, with the defaults that live in `defaults.toml` written
/// into its help.
pub fn command() -> clap::Command {
    let defaults = Config::defaults();
    let timeout = humantime::format_duration(defaults.network.timeout);
    Cli::command().mut_arg("timeout", |a| {
        a.help(format!("Per-step network timeout [default: {timeout}]"))
    })
}

impl Cli {
    /// Parses `args` (the program name first) against [`command`].
    pub fn try_parse_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = command().try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches)
    }
}

fn parse_host_port(s: &str) -> Result<HostPort, String> {
    s.parse()
}

fn parse_resolve(s: &str) -> Result<Resolve, String> {
    s.parse()
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    config::parse_duration(s)
}

/// Adds `target`, renamed `name (2)`, `name (3)`... when its name is taken.
fn add_target(cfg: &mut Config, mut target: Target) {
    let base = target.name.clone();
    let mut n = 1;
    while cfg.targets.iter().any(|t| t.name == target.name) {
        n += 1;
        target.name = format!("{base} ({n})");
    }
    cfg.targets.push(target);
}

impl Cli {
    /// The config file [`Cli::resolve_config`] loads: `--config`, else the default path when
    /// a file is there; `None` for the embedded defaults.
    pub fn config_file(&self) -> Option<PathBuf> {
        self.config
            .clone()
            .or_else(|| config::default_config_path().filter(|p| p.is_file()))
    }

    /// The config this command line asks for: the file (or the embedded defaults) with the
    /// options laid over it.
    pub fn resolve_config(&self) -> Result<Config, ConfigError> {
        let mut cfg = match self.config_file() {
            Some(path) => Config::load(&path)?,
            None => Config::defaults(),
        };
        if !self.ntp.is_empty() {
            cfg.clock.servers.clone_from(&self.ntp);
        }
        if let Some(t) = self.timeout {
            cfg.network.timeout = t;
        }
        if let Some(ca) = &self.ca_file {
            config::file::check(ca, config::file::FileKind::CaBundle).map_err(|e| {
                ConfigError(format!(
                    "--ca-file: {e}; give the path of a PEM file of roots"
                ))
            })?;
            cfg.network.ca_file = Some(ca.clone());
        }
        if !self.targets.is_empty() {
            cfg.targets = self.targets.iter().map(Target::from_host_port).collect();
        }
        for spec in &self.preset {
            for target in crate::config::presets::targets(spec)? {
                add_target(&mut cfg, target);
            }
        }
        for path in &self.ovpn {
            let target = crate::config::ovpn::load_profile(path)
                .map_err(ConfigError)?
                .target();
            add_target(&mut cfg, target);
        }
        for path in &self.wg {
            let target = crate::config::wg::load(path).map_err(ConfigError)?.target();
            add_target(&mut cfg, target);
        }
        for r in &self.resolve {
            if !cfg.apply_resolve(r) {
                return Err(ConfigError(format!(
                    "--resolve {}:{}:{}: no target is {}:{}; check the host and port",
                    r.host, r.port, r.addr, r.host, r.port
                )));
            }
        }
        cfg.expand_alternatives();
        let env = |var: &str| std::env::var(var).ok();
        let proxy = config::proxy::choose(
            self.no_proxy,
            self.proxy.as_deref(),
            &cfg.network.proxy,
            &env,
        )
        .map_err(ConfigError)?;
        cfg.route(proxy, &config::proxy::env_no_proxy(&env));
        Ok(cfg)
    }

    /// Whether the terminal's background is light: `--theme`, else what `COLORFGBG` says.
    pub fn light_background(&self) -> bool {
        match self.theme {
            Some(b) => b == Background::Light,
            None => std::env::var("COLORFGBG")
                .ok()
                .and_then(|v| light_background(&v))
                .unwrap_or(false),
        }
    }

    /// Whether colour is off, by flag or by `NO_COLOR`.
    pub fn colorless(&self) -> bool {
        self.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }
}

/// Whether `COLORFGBG` ("15;0", "0;default;15": the text's and the background's colour
/// numbers) names a light background: white or light grey (7), or a bright colour but dark
/// grey (9–15), as rxvt, Konsole and vim read it. `None` when it says nothing usable.
pub fn light_background(colorfgbg: &str) -> Option<bool> {
    let bg: u8 = colorfgbg.rsplit(';').next()?.trim().parse().ok()?;
    Some(bg == 7 || (9..=15).contains(&bg))
}
