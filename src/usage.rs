//! The command line as people meet it: `--help` with the dashboard's keys (from the live key
//! table), the exit codes, the environment and two examples; and the `completions` and `man`
//! subcommands, generated from that same clap definition so they never disagree with it.
//! It reads `app`'s key table, so it sits with the shell, above `app`; [`crate::cli`] keeps the
//! options and stays at the bottom.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::{FromArgMatches, Subcommand, ValueEnum};

use crate::app::keys::{Action, BINDINGS, Mode};
use crate::cli::{self, Cli};

/// The name the completions and the man page are written for.
const BIN: &str = "tlsdoctor-tui";

// What the subcommands write on stdout instead of running the checks. (Not a doc comment: the
// derive would make it the program's about, in place of cli's.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Generate {
    /// Print the completion script for SHELL on stdout (see the README for where it goes)
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff) on stdout: `tlsdoctor-tui man | man -l -`
    Man,
}

/// The shells completions are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// A parsed command line: the checks to run, or a file to write.
#[derive(Debug)]
pub enum Parsed {
    Run(Box<Cli>),
    Generate(Generate),
}

/// The whole command line: [`cli::command`]'s options, the help's extra sections and the
/// subcommands.
pub fn command() -> clap::Command {
    let cmd = cli::command()
        .after_help(
            "Keys, exit codes, environment and examples: --help. \
             Completions and the man page: the completions and man commands.",
        )
        .after_long_help(long_help())
        .args_conflicts_with_subcommands(true)
        .disable_help_subcommand(true);
    // -h opens with --help's first sentence (clap's own `about` is the package description).
    let first = cmd
        .get_long_about()
        .and_then(|l| l.to_string().lines().next().map(str::to_string));
    let cmd = match first {
        Some(sentence) => cmd.about(sentence),
        None => cmd,
    };
    Generate::augment_subcommands(cmd)
}

/// Parses `args` (the program name first) against [`command`].
pub fn parse<I, T>(args: I) -> Result<Parsed, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = command().try_get_matches_from(args)?;
    if matches.subcommand().is_some() {
        return Ok(Parsed::Generate(Generate::from_arg_matches(&matches)?));
    }
    Ok(Parsed::Run(Box::new(Cli::from_arg_matches(&matches)?)))
}

/// Writes what `what` asks for to `out`.
pub fn write(what: Generate, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = command();
    match what {
        Generate::Completions { shell } => {
            let generator = match shell {
                Shell::Bash => clap_complete::Shell::Bash,
                Shell::Zsh => clap_complete::Shell::Zsh,
                Shell::Fish => clap_complete::Shell::Fish,
            };
            let mut script = Vec::new();
            clap_complete::generate(generator, &mut cmd, BIN, &mut script);
            let script = String::from_utf8_lossy(&script);
            out.write_all(mended(shell, &script).as_bytes())
        }
        Generate::Man => clap_mangen::Man::new(cmd).render(out),
    }
}

/// `script` with what clap_complete 4.6 gets wrong for this program mended, so each step the
/// README gives works:
/// - bash: with a hyphen in the program's name, the subcommands' case arms are spelled
///   `tlsdoctor__subcmd__tui__subcmd__completions` while the loop that picks one says
///   `tlsdoctor__tui__subcmd__completions`, so nothing after a subcommand completes (clap
///   issues 6421 and 6529);
/// - fish: a subcommand's positional values are not offered, so `completions <TAB>` would
///   not name the shells.
fn mended(shell: Shell, script: &str) -> String {
    match shell {
        Shell::Bash => {
            let wrong = format!("{}__subcmd__", BIN.replace('-', "__subcmd__"));
            let right = format!("{}__subcmd__", BIN.replace('-', "__"));
            script.replace(&wrong, &right)
        }
        Shell::Zsh => script.to_string(),
        Shell::Fish => {
            let shells: Vec<String> = Shell::value_variants()
                .iter()
                .filter_map(|s| s.to_possible_value().map(|v| v.get_name().to_string()))
                .collect();
            format!(
                "{script}complete -c {BIN} -n \"__fish_{}_using_subcommand completions\" -f -a \"{}\"\n",
                BIN.replace('-', "_"),
                shells.join(" ")
            )
        }
    }
}

/// [`write`] to stdout, for `main`: a closed pipe or a full disk is a message and exit code 3.
pub fn print(what: Generate) -> ExitCode {
    let mut out = io::BufWriter::new(io::stdout().lock());
    match write(what, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{BIN}: cannot write to stdout: {e}");
            ExitCode::from(3)
        }
    }
}

/// The sections after the options in `--help` and the man page.
fn long_help() -> String {
    let mut s = String::from("Keys in the dashboard:\n");
    let mut shown: Vec<&str> = Vec::new();
    let keys: Vec<_> = BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&Mode::Main))
        .filter(|b| {
            let first = !shown.contains(&b.label);
            shown.push(b.label);
            first
        })
        .collect();
    let width = keys
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0);
    for b in keys {
        let pad = width - b.label.chars().count();
        let help = match b.action {
            Action::Help => "the help window: every key, and where the log file is",
            _ => b.help,
        };
        let _ = writeln!(s, "  {}{}  {}", b.label, " ".repeat(pad), help);
    }
    s.push_str(
        "  A fix that runs a command shows it and asks y/n first; ? in the dashboard lists the \
         keys of its windows too.\n\
         \n\
         Exit codes (--once, --json, or stdout not a terminal):\n\
         \x20 0  no warning or error finding\n\
         \x20 1  warnings only\n\
         \x20 2  at least one error finding\n\
         \x20 3  it could not run: bad usage, bad config, internal error (the dashboard too)\n\
         \n\
         Environment:\n\
         \x20 NO_COLOR         set and not empty: no colours, as --no-color\n\
         \x20 COLORFGBG        the terminal's colours (\"0;15\": a light background), when \
         --theme is not given\n\
         \x20 RUST_LOG         the log file's level and filters (default info; debug adds each \
         check's detail)\n\
         \x20 XDG_CONFIG_HOME  the default config is $XDG_CONFIG_HOME/tlsdoctor/config.toml \
         (else ~/.config/tlsdoctor/config.toml)\n\
         \x20 XDG_STATE_HOME   the log is $XDG_STATE_HOME/tlsdoctor/tlsdoctor.log (else \
         ~/.local/state/tlsdoctor/tlsdoctor.log)\n\
         \x20 SSL_CERT_FILE, SSL_CERT_DIR  the roots of the system trust store\n\
         \x20 PATH             where the programs of fix commands (sudo, timedatectl, \
         chronyc, nordvpn) are looked for\n\
         \x20 HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY  not used: every check connects \
         directly, so it sees what the network does\n\
         \n\
         Examples:\n\
         \x20 tlsdoctor-tui vpn.example.com example.org:8443\n\
         \x20     the dashboard, checking these two servers instead of the configured ones\n\
         \x20 tlsdoctor-tui --preset nordvpn --once --json > report.json\n\
         \x20     NordVPN's API and a server checked once, the JSON report saved; exit code \
         0, 1, 2 or 3\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Parsed, clap::Error> {
        super::parse(std::iter::once(BIN).chain(args.iter().copied()))
    }

    #[test]
    fn subcommands_and_targets() {
        assert!(matches!(
            parse(&["completions", "zsh"]),
            Ok(Parsed::Generate(Generate::Completions {
                shell: Shell::Zsh
            }))
        ));
        assert!(matches!(
            parse(&["man"]),
            Ok(Parsed::Generate(Generate::Man))
        ));
        let Ok(Parsed::Run(cli)) = parse(&["--once", "example.org:8443"]) else {
            panic!("targets run")
        };
        assert!(cli.once);
        assert_eq!(cli.targets.len(), 1);
        let bad = parse(&["completions", "tcsh"]).expect_err("an unknown shell");
        assert!(bad.to_string().contains("tcsh"), "{bad}");
        // After an option, a word is a target: a host named "man" can still be checked.
        let Ok(Parsed::Run(cli)) = parse(&["--once", "man"]) else {
            panic!("a target after an option")
        };
        assert_eq!(cli.targets.len(), 1);
    }

    #[test]
    fn short_and_long_help_open_with_the_same_sentence() {
        let short = command().render_help().to_string();
        let long = command().render_long_help().to_string();
        let first = |s: &str| s.lines().next().unwrap_or_default().to_string();
        assert_eq!(first(&short), first(&long));
        assert_eq!(
            first(&long),
            "Find out why TLS handshakes fail, and walk to the fix."
        );
        assert!(short.contains("--help"), "{short}");
        assert!(long.contains("Exit codes"), "{long}");
    }

    #[test]
    fn the_help_lists_every_main_key_from_the_table() {
        let help = long_help();
        for b in BINDINGS.iter().filter(|b| b.modes.contains(&Mode::Main)) {
            assert!(
                help.contains(&format!("  {} ", b.label)),
                "{} is not in\n{help}",
                b.label
            );
        }
        for code in ["  0  ", "  1  ", "  2  ", "  3  "] {
            assert!(help.contains(code), "{code}");
        }
    }

    fn completions(shell: Shell) -> String {
        let mut out = Vec::new();
        write(Generate::Completions { shell }, &mut out).expect("written to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn every_bash_state_has_its_case_arm() {
        let bash = completions(Shell::Bash);
        let states: Vec<&str> = bash
            .lines()
            .filter_map(|l| l.trim().strip_prefix("cmd=\""))
            .filter_map(|l| l.strip_suffix('"'))
            .filter(|s| !s.is_empty())
            .collect();
        assert!(states.len() >= 3, "{bash}");
        for state in states {
            assert!(
                bash.lines().any(|l| l.trim() == format!("{state})")),
                "no case arm for {state}:\n{bash}"
            );
        }
    }

    #[test]
    fn fish_offers_the_shells_after_completions() {
        let fish = completions(Shell::Fish);
        assert!(
            fish.contains(
                "complete -c tlsdoctor-tui -n \"__fish_tlsdoctor_tui_using_subcommand completions\" -f -a \"bash zsh fish\""
            ),
            "{fish}"
        );
        assert!(
            fish.contains("function __fish_tlsdoctor_tui_using_subcommand"),
            "{fish}"
        );
    }

    #[test]
    fn completions_and_man_page_name_the_options() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut out = Vec::new();
            write(Generate::Completions { shell }, &mut out).expect("written to memory");
            let text = String::from_utf8(out).expect("UTF-8");
            for want in ["preset", "no-color", "completions", "man"] {
                assert!(text.contains(want), "{shell:?} lacks {want}:\n{text}");
            }
        }
        let mut out = Vec::new();
        write(Generate::Man, &mut out).expect("written to memory");
        let man = String::from_utf8(out).expect("UTF-8");
        assert!(
            man.starts_with(".ie \\n(.g .ds Aq") || man.contains(".TH"),
            "{man}"
        );
        for want in ["tlsdoctor\\-tui", "\\-\\-once", "NO_COLOR", "Exit codes"] {
            assert!(man.contains(want), "the man page lacks {want}:\n{man}");
        }
    }
}
