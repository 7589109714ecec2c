//! The trust stores a chain is judged against, each on its own: Mozilla's roots
//! (webpki-roots, what apps that ship their own store trust), the system store
//! (rustls-native-certs, which honours SSL_CERT_FILE and SSL_CERT_DIR), and the configured
//! `ca_file`. Comparing them is what exposes a locally installed interception root.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, Der, TrustAnchor};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use crate::text::clean;

/// Where a set of trusted roots came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// Mozilla's root program, as compiled into webpki-roots.
    Mozilla,
    /// The operating system's store (or SSL_CERT_FILE / SSL_CERT_DIR).
    System,
    /// The `ca_file` of the config or `--ca-file`.
    CaFile(PathBuf),
}

impl SourceKind {
    /// A short stable key for reports: "mozilla", "system", "ca_file".
    pub fn key(&self) -> &'static str {
        match self {
            SourceKind::Mozilla => "mozilla",
            SourceKind::System => "system",
            SourceKind::CaFile(_) => "ca_file",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceKind::Mozilla => f.write_str("Mozilla roots"),
            SourceKind::System => f.write_str("system store"),
            SourceKind::CaFile(p) => write!(f, "ca_file {}", p.display()),
        }
    }
}

/// The environment variable that replaces the compiled-in copy of Mozilla's roots with a PEM
/// file: a newer snapshot of Mozilla's list (curl's `cacert.pem` is one) when this binary's
/// copy is old, and the lab's stand-in for a public root in tests.
pub const MOZILLA_ROOTS_ENV: &str = "TLSDOCTOR_MOZILLA_ROOTS";

/// One trust source: its roots, and what went wrong loading it.
#[derive(Debug, Clone)]
pub struct TrustSource {
    pub kind: SourceKind,
    pub anchors: Vec<TrustAnchor<'static>>,
    /// Load problems, for the details view (an unreadable file, a certificate that does not
    /// parse). A source with problems still holds whatever did load.
    pub problems: Vec<String>,
    /// The file the roots were read from, when one was: the system store's bundle, the
    /// ca_file, a replacement of Mozilla's roots.
    pub file: Option<StoreFile>,
}

/// A file a store was read from, and when it was last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreFile {
    pub path: PathBuf,
    pub modified: Option<SystemTime>,
    /// The environment variable that named it, when one did (SSL_CERT_FILE).
    pub named_by: Option<&'static str>,
}

impl StoreFile {
    /// `path` with its modification time, when it can be read.
    pub fn at(path: &Path) -> Self {
        StoreFile {
            path: path.to_path_buf(),
            modified: std::fs::metadata(path).and_then(|m| m.modified()).ok(),
            named_by: None,
        }
    }

    /// How long ago it was written, in whole days (0 for a file written in the future).
    pub fn age_days(&self, now: SystemTime) -> Option<u64> {
        let modified = self.modified?;
        Some(
            now.duration_since(modified)
                .map_or(0, |d| d.as_secs() / 86_400),
        )
    }
}

/// Where the system store is read from, as rustls-native-certs finds it: SSL_CERT_FILE and
/// SSL_CERT_DIR when either is set, else what openssl-probe finds for this distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorePaths {
    pub file: Option<PathBuf>,
    pub dirs: Vec<PathBuf>,
    /// SSL_CERT_FILE or SSL_CERT_DIR chose them.
    pub from_env: bool,
}

impl StorePaths {
    pub fn find() -> Self {
        let file = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
        let dirs: Vec<PathBuf> = std::env::var_os("SSL_CERT_DIR")
            .map(|d| {
                std::env::split_paths(&d)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if file.is_some() || !dirs.is_empty() {
            return StorePaths {
                file,
                dirs,
                from_env: true,
            };
        }
        let probed = openssl_probe::probe();
        StorePaths {
            file: probed.cert_file,
            dirs: probed.cert_dir,
            from_env: false,
        }
    }

    /// What changes when the store is rewritten (`update-ca-certificates` replaces the bundle
    /// and the directory's links): each path with its modification time and size.
    fn stamp(&self) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
        self.file
            .iter()
            .chain(&self.dirs)
            .map(|p| {
                let meta = std::fs::metadata(p).ok();
                (
                    p.clone(),
                    meta.as_ref().and_then(|m| m.modified().ok()),
                    meta.map_or(0, |m| m.len()),
                )
            })
            .collect()
    }
}

impl TrustSource {
    /// Mozilla's roots: as compiled in (webpki-roots), or the PEM file named by
    /// [`MOZILLA_ROOTS_ENV`].
    pub fn mozilla() -> Self {
        match std::env::var_os(MOZILLA_ROOTS_ENV) {
            Some(path) => {
                let path = PathBuf::from(path);
                let mut source = TrustSource::pem_file(SourceKind::Mozilla, &path);
                for p in &mut source.problems {
                    *p = format!("{MOZILLA_ROOTS_ENV}: {p}");
                }
                if let Some(f) = &mut source.file {
                    f.named_by = Some(MOZILLA_ROOTS_ENV);
                }
                source
            }
            None => TrustSource {
                kind: SourceKind::Mozilla,
                anchors: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                problems: Vec::new(),
                file: None,
            },
        }
    }

    /// The system store, as rustls-native-certs finds it (SSL_CERT_FILE and SSL_CERT_DIR
    /// take precedence over the platform's default location).
    pub fn system() -> Self {
        Self::system_at(&StorePaths::find())
    }

    fn system_at(paths: &StorePaths) -> Self {
        let found = rustls_native_certs::load_native_certs();
        let mut source = TrustSource::from_ders(SourceKind::System, &found.certs);
        source.file = paths.file.as_deref().map(|p| StoreFile {
            named_by: paths.from_env.then_some("SSL_CERT_FILE"),
            ..StoreFile::at(p)
        });
        source
            .problems
            .extend(found.errors.iter().map(|e| clean(&e.to_string())));
        if found.certs.is_empty() && source.problems.is_empty() {
            source
                .problems
                .push("no system roots found (set SSL_CERT_FILE or SSL_CERT_DIR?)".to_string());
        }
        source
    }

    /// The roots in a PEM file.
    pub fn ca_file(path: &Path) -> Self {
        TrustSource::pem_file(SourceKind::CaFile(path.to_path_buf()), path)
    }

    /// The roots in the PEM file `path`, labelled `kind`.
    fn pem_file(kind: SourceKind, path: &Path) -> Self {
        let mut source = match crate::config::file::read_limited(
            path,
            crate::config::file::FileKind::CaBundle,
        ) {
            Ok(pem) => TrustSource::from_pem(kind, &pem),
            Err(e) => TrustSource {
                kind,
                anchors: Vec::new(),
                problems: vec![format!("{e}; give a readable PEM file")],
                file: None,
            },
        };
        source.file = Some(StoreFile::at(path));
        source
    }

    /// The roots in PEM text, labelled `kind`.
    pub fn from_pem(kind: SourceKind, pem: &[u8]) -> Self {
        let mut ders = Vec::new();
        let mut problems = Vec::new();
        for item in CertificateDer::pem_slice_iter(pem) {
            match item {
                Ok(der) => ders.push(der),
                Err(e) => problems.push(format!("{kind}: a PEM block does not parse: {e}")),
            }
        }
        let mut source = TrustSource::from_ders(kind, &ders);
        if ders.is_empty() {
            source
                .problems
                .push(format!("{}: no certificate in it", source.kind));
        }
        source.problems.extend(problems);
        source
    }

    /// The roots in DER certificates, labelled `kind`.
    pub fn from_ders(kind: SourceKind, ders: &[CertificateDer<'_>]) -> Self {
        let mut anchors = Vec::new();
        let mut problems = Vec::new();
        for der in ders {
            match webpki::anchor_from_trusted_cert(der) {
                Ok(a) => anchors.push(a.to_owned()),
                Err(e) => problems.push(format!(
                    "{kind}: a certificate is not usable as a root: {e}"
                )),
            }
        }
        TrustSource {
            kind,
            anchors,
            problems,
            file: None,
        }
    }

    /// Whether it holds `anchor` (the same subject and key).
    pub fn holds(&self, anchor: &TrustAnchor<'_>) -> bool {
        self.anchors.iter().any(|a| same_anchor(a, anchor))
    }
}

/// Two anchors are the same root when subject and key are.
pub fn same_anchor(a: &TrustAnchor<'_>, b: &TrustAnchor<'_>) -> bool {
    a.subject.as_ref() == b.subject.as_ref()
        && a.subject_public_key_info.as_ref() == b.subject_public_key_info.as_ref()
}

/// Every trust source in use. Loaded on first use: a run without a TLS check never reads the
/// stores, and the clock's probes never wait for them. Read again when the system store's files
/// change, so a re-run after `update-ca-certificates` judges with the new bundle.
#[derive(Debug)]
pub struct Trust {
    /// The `ca_file` to load besides Mozilla's roots and the system store.
    ca_file: Option<PathBuf>,
    /// Given sources that never reload (tests), or the loaded ones with the system store's
    /// stamp when they were read.
    loaded: Mutex<Loaded>,
}

#[derive(Debug)]
enum Loaded {
    Fixed(Arc<Vec<TrustSource>>),
    NotYet,
    /// Read from these paths (found once: the environment and the distribution do not change
    /// while we run), which had this stamp.
    Read(StorePaths, StoreStamp, Arc<Vec<TrustSource>>),
}

type StoreStamp = Vec<(PathBuf, Option<SystemTime>, u64)>;

impl Default for Trust {
    /// No roots at all.
    fn default() -> Self {
        Trust::new(Vec::new())
    }
}

impl Trust {
    /// These sources, already loaded; never read again.
    pub fn new(sources: Vec<TrustSource>) -> Self {
        Trust {
            ca_file: None,
            loaded: Mutex::new(Loaded::Fixed(Arc::new(sources))),
        }
    }

    /// Mozilla's roots, the system store and, when given, the ca_file: what the product uses,
    /// read when first needed.
    pub fn load(ca_file: Option<&Path>) -> Self {
        Trust {
            ca_file: ca_file.map(Path::to_path_buf),
            loaded: Mutex::new(Loaded::NotYet),
        }
    }

    /// Every source, in order: Mozilla's roots, the system store, the ca_file — read again
    /// when the system store's files changed since they were read.
    pub fn sources(&self) -> Arc<Vec<TrustSource>> {
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        if let Loaded::Fixed(s) = &*loaded {
            return Arc::clone(s);
        }
        let paths = match &*loaded {
            Loaded::Read(paths, stamp, s) => {
                if paths.stamp() == *stamp {
                    return Arc::clone(s);
                }
                paths.clone()
            }
            _ => StorePaths::find(),
        };
        let stamp = paths.stamp();
        let mut sources = vec![TrustSource::mozilla(), TrustSource::system_at(&paths)];
        if let Some(path) = &self.ca_file {
            sources.push(TrustSource::ca_file(path));
        }
        let sources = Arc::new(sources);
        *loaded = Loaded::Read(paths, stamp, Arc::clone(&sources));
        sources
    }
}

/// The system store beside Mozilla's roots, for the machine view and the report: where the
/// store is read from and how old its bundle is, and the roots one has and the other lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSummary {
    /// The bundle file (SSL_CERT_FILE, or the distribution's), when there is one.
    pub bundle: Option<StoreFile>,
    pub dirs: Vec<PathBuf>,
    pub system_roots: usize,
    pub mozilla_roots: usize,
    /// The file that replaced the compiled-in Mozilla roots ([`MOZILLA_ROOTS_ENV`]).
    pub mozilla_file: Option<PathBuf>,
    /// The system store's roots that are not Mozilla's (as this binary knows Mozilla's list),
    /// by name, sorted: those [`installed_here`](Self::installed_here), and those the
    /// distribution still ships after Mozilla dropped them.
    pub system_only: Vec<String>,
    /// Of [`system_only`](Self::system_only), those installed on this machine by a product or
    /// an administrator (an interception root, an organisation's CA): in a local anchors
    /// directory, or in no directory the distribution ships.
    pub installed_here: Vec<String>,
    /// How many of Mozilla's roots the system store lacks.
    pub missing: usize,
    /// Load problems of either store.
    pub problems: Vec<String>,
}

impl StoreSummary {
    /// Reads both stores now, and the distribution's and the local anchor directories.
    pub fn read() -> Self {
        let paths = StorePaths::find();
        let shipped = DISTRIBUTION_DIRS
            .iter()
            .any(|d| Path::new(d).is_dir())
            .then(|| roots_under(&DISTRIBUTION_DIRS));
        let local = roots_under(&LOCAL_ANCHOR_DIRS);
        Self::of(
            &TrustSource::mozilla(),
            &TrustSource::system_at(&paths),
            paths.dirs,
            shipped.as_ref(),
            &local,
        )
    }

    /// Compares `system` with `mozilla`: `shipped` holds the roots the distribution ships
    /// (`None` when its directory is not known here), `local` those in the local anchor
    /// directories.
    pub fn of(
        mozilla: &TrustSource,
        system: &TrustSource,
        dirs: Vec<PathBuf>,
        shipped: Option<&TrustSource>,
        local: &TrustSource,
    ) -> Self {
        let names = |keep: &dyn Fn(&TrustAnchor<'_>) -> bool| {
            let mut out: Vec<String> = system
                .anchors
                .iter()
                .filter(|a| !mozilla.holds(a) && keep(a))
                .map(anchor_name)
                .collect();
            out.sort();
            out.dedup();
            out
        };
        let system_only = names(&|_| true);
        let installed_here = names(&|a| local.holds(a) || shipped.is_some_and(|s| !s.holds(a)));
        StoreSummary {
            bundle: system.file.clone(),
            dirs,
            system_roots: system.anchors.len(),
            mozilla_roots: mozilla.anchors.len(),
            mozilla_file: mozilla.file.as_ref().map(|f| f.path.clone()),
            system_only,
            installed_here,
            missing: mozilla.anchors.iter().filter(|a| !system.holds(a)).count(),
            problems: mozilla
                .problems
                .iter()
                .chain(&system.problems)
                .cloned()
                .collect(),
        }
    }

    /// The state in one line: "/etc/ssl/certs/ca-certificates.crt (written 12 days ago): 146
    /// roots (2 added here, 3 Mozilla dropped); lacks 0 of Mozilla's 150".
    pub fn describe(&self, now: SystemTime) -> String {
        let place = match &self.bundle {
            Some(f) => match f.age_days(now) {
                Some(d) => format!("{} (written {d} day(s) ago)", f.path.display()),
                None => format!("{} (unreadable)", f.path.display()),
            },
            None => "no bundle file".to_string(),
        };
        let dropped = self.system_only.len() - self.installed_here.len();
        let mut besides = Vec::new();
        if !self.installed_here.is_empty() {
            besides.push(format!("{} added here", self.installed_here.len()));
        }
        if dropped > 0 {
            besides.push(format!("{dropped} Mozilla dropped"));
        }
        let besides = if besides.is_empty() {
            String::new()
        } else {
            format!(" ({})", besides.join(", "))
        };
        format!(
            "{place}: {} root(s){besides}; lacks {} of Mozilla's {}",
            self.system_roots, self.missing, self.mozilla_roots
        )
    }
}

/// Where distributions keep the roots they ship (Debian and its derivatives).
const DISTRIBUTION_DIRS: [&str; 1] = ["/usr/share/ca-certificates"];

/// Where roots added on this machine go: Debian's `update-ca-certificates`, Fedora's and
/// Arch's `update-ca-trust`, SUSE's.
const LOCAL_ANCHOR_DIRS: [&str; 4] = [
    "/usr/local/share/ca-certificates",
    "/etc/pki/ca-trust/source/anchors",
    "/etc/ca-certificates/trust-source/anchors",
    "/etc/pki/trust/anchors",
];

/// At most this many files are read under the anchor directories.
const MAX_ANCHOR_FILES: usize = 2_000;

/// The roots in the PEM files under `dirs` (two levels down), as one source.
fn roots_under(dirs: &[&str]) -> TrustSource {
    let mut files = Vec::new();
    let mut todo: Vec<(PathBuf, u8)> = dirs.iter().map(|d| (PathBuf::from(d), 0)).collect();
    while let Some((dir, depth)) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() && depth < 2 {
                todo.push((path, depth + 1));
            } else if path.is_file() && files.len() < MAX_ANCHOR_FILES {
                files.push(path);
            }
        }
    }
    let mut ders = Vec::new();
    for f in files {
        if let Ok(pem) =
            crate::config::file::read_limited(&f, crate::config::file::FileKind::CaBundle)
        {
            ders.extend(CertificateDer::pem_slice_iter(&pem).flatten());
        }
    }
    TrustSource::from_ders(SourceKind::System, &ders)
}

/// The distinguished name of a trust anchor, readable ("CN=..., O=...").
pub fn anchor_name(anchor: &TrustAnchor<'_>) -> String {
    name_from_contents(anchor.subject.as_ref())
}

/// A distinguished name in DER, whole (how rustls hands over a CertificateRequest's CA names),
/// readable.
pub fn name_from_der(der: &[u8]) -> String {
    match X509Name::from_der(der) {
        Ok(([], name)) => clean(&name.to_string()),
        _ => "(a name that does not parse)".to_string(),
    }
}

/// A distinguished name given as the contents of its outer SEQUENCE (how trust anchors carry
/// it), readable.
pub fn name_from_contents(contents: &[u8]) -> String {
    let mut der = vec![0x30];
    let len = contents.len();
    if len < 0x80 {
        der.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        der.push(0x80 | bytes.len() as u8);
        der.extend(bytes);
    }
    der.extend_from_slice(contents);
    match X509Name::from_der(&der) {
        Ok((_, name)) => clean(&name.to_string()),
        Err(_) => "(a name that does not parse)".to_string(),
    }
}

/// Which bound of its validity a certificate is outside of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFault {
    Expired,
    NotYetValid,
}

/// One certificate of the chain that is not valid at the time checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeProblem {
    /// Index in the chain as sent (0 is the leaf).
    pub index: usize,
    pub fault: TimeFault,
    /// "leaf CN=example.com" and the like.
    pub cert: String,
    pub not_before: i64,
    pub not_after: i64,
}

/// Why no path to a root of one source could be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// No chain from the leaf ends at one of the source's roots.
    UnknownIssuer,
    /// The server's own certificate is a CA certificate (CA:TRUE), as `openssl req -x509` makes.
    CaUsedAsEndEntity,
    /// A signature uses an algorithm or key that is refused (SHA-1, RSA under 2048 bits).
    Unsupported(String),
    /// A signature does not verify.
    BadSignature(String),
    /// No single time at which every certificate of the chain is valid (an intermediate that
    /// expired before the leaf was issued, say): a time problem, reported as one.
    Time(String),
    /// The source has no roots at all.
    NoRoots,
    Other(String),
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::UnknownIssuer => f.write_str("no path to any of its roots"),
            PathError::CaUsedAsEndEntity => {
                f.write_str("the server's certificate is a CA certificate (CaUsedAsEndEntity)")
            }
            PathError::Unsupported(e) => write!(f, "refused signature algorithm or key: {e}"),
            PathError::BadSignature(e) => write!(f, "a signature does not verify: {e}"),
            PathError::Time(e) => write!(f, "no time at which the whole chain is valid: {e}"),
            PathError::NoRoots => f.write_str("no roots loaded"),
            PathError::Other(e) => f.write_str(e),
        }
    }
}

/// One trust source's view of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceVerdict {
    pub source: SourceKind,
    /// Path to a root, judged on its own (at a time inside the chain's validity, any
    /// purpose): the root's name, or why there is none.
    pub path: Result<String, PathError>,
    /// webpki's complete verdict at the time checked, for the server's name: its first
    /// failure only, as a client using this source alone would see it.
    pub webpki: Result<(), String>,
}

/// Every property of a chain, each checked on its own, at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdicts {
    /// The time checked, UNIX seconds.
    pub at: i64,
    /// Certificates on the chain as sent that are not valid at `at`.
    pub time: Vec<TimeProblem>,
    /// The name checked and the result; `None` when there was no name to check.
    pub name: Option<(String, Result<(), String>)>,
    /// Certificates whose extended key usage does not allow a TLS server.
    pub purpose: Vec<String>,
    /// Weak keys and signatures on the chain as sent.
    pub weak: Vec<String>,
    pub sources: Vec<SourceVerdict>,
    /// Certificates the server sent that the trusted path does not use and that would fail a
    /// client building the path from them: out of their dates, or unrelated to the chain.
    /// Empty when no source has a path at `at`.
    pub extra: Vec<String>,
}

impl Verdicts {
    /// These verdicts (of `parsed`, judged at another time) moved to `at`, when every
    /// certificate of the chain is valid at both times: nothing but the time differs then, and
    /// the chain need not be verified again. `None` when a validity begins or ends in between,
    /// or a certificate does not parse.
    pub fn moved(&self, parsed: &[crate::probe::cert::ChainCert], at: i64) -> Option<Verdicts> {
        let valid = |info: &crate::probe::cert::CertInfo, t: i64| {
            info.not_before <= t && t <= info.not_after
        };
        parsed
            .iter()
            .all(|c| {
                c.info
                    .as_ref()
                    .is_ok_and(|info| valid(info, self.at) && valid(info, at))
            })
            .then(|| Verdicts { at, ..self.clone() })
    }

    /// The sources with a path to one of their roots.
    pub fn trusted_by(&self) -> impl Iterator<Item = &SourceVerdict> {
        self.sources.iter().filter(|s| s.path.is_ok())
    }

    /// Whether some source has a path to a root.
    pub fn has_path(&self) -> bool {
        self.trusted_by().next().is_some()
    }

    /// The verdict of one source.
    pub fn source(&self, key: &str) -> Option<&SourceVerdict> {
        self.sources.iter().find(|s| s.source.key() == key)
    }
}

/// The role of a chain certificate and its name, for messages: "leaf CN=example.com".
pub fn describe(chain: &[crate::probe::cert::ChainCert], index: usize) -> String {
    let role = if index == 0 {
        "leaf"
    } else {
        "chain certificate"
    };
    match chain.get(index).map(|c| &c.info) {
        Some(Ok(info)) if index > 0 && info.self_issued => format!("root {}", info.display_name()),
        Some(Ok(info)) if index > 0 => format!("intermediate {}", info.display_name()),
        Some(Ok(info)) => format!("{role} {}", info.display_name()),
        _ => format!("{role} #{index}"),
    }
}

/// The chain as sent, followed from the leaf by issuer names: indexes into `chain`. Extra
/// certificates the server sent that are not on this path are left out.
pub fn sent_path(chain: &[crate::probe::cert::ChainCert]) -> Vec<usize> {
    let mut path = vec![0];
    let Some(Ok(first)) = chain.first().map(|c| &c.info) else {
        return if chain.is_empty() { Vec::new() } else { path };
    };
    let mut current = first;
    while !current.self_issued {
        let next = chain.iter().enumerate().find(|(i, c)| {
            !path.contains(i)
                && c.info
                    .as_ref()
                    .is_ok_and(|info| info.subject_der == current.issuer_der)
        });
        let Some((i, c)) = next else { break };
        path.push(i);
        let Ok(info) = &c.info else { break };
        current = info;
    }
    path
}

/// Accepts any extended key usage, so the path check does not fail on purpose.
struct AnyPurpose;

impl webpki::ExtendedKeyUsageValidator for AnyPurpose {
    fn validate(&self, _iter: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}

/// Judges `parsed` (the chain leaf first, as sent, each certificate already parsed) at `at`
/// for `name`, against each source in `trust`. Pure: the same inputs give the same verdicts,
/// so it can re-judge at the true time.
pub fn judge(
    parsed: &[crate::probe::cert::ChainCert],
    name: Option<&str>,
    at: std::time::SystemTime,
    trust: &Trust,
) -> Verdicts {
    use crate::probe::cert::unix;

    let chain: Vec<CertificateDer<'_>> = parsed
        .iter()
        .map(|c| CertificateDer::from(c.der.as_ref()))
        .collect();
    // The issuers the chain names: webpki only ever tries an anchor whose subject is one of
    // them, so each source is narrowed to those (a name's DER ends with its contents) before
    // it tries them one by one.
    let issuers: Vec<&[u8]> = parsed
        .iter()
        .filter_map(|c| c.info.as_ref().ok().map(|i| i.issuer_der.as_slice()))
        .collect();
    let at = unix(at);
    let sent = sent_path(parsed);
    let algs = super::signatures::algorithms();
    let intermediates = chain.get(1..).unwrap_or_default();
    let ee = chain.first().map(webpki::EndEntityCert::try_from);
    // One look at the stores for the whole judgement: the same sources for the path and the
    // verdicts, and the bundle's stamp checked once.
    let stores = trust.sources();
    // The path webpki builds at `at`, as a client would: when one exists, its certificates
    // are the ones judged, and what else the server sent is extra (an expired cross-signed
    // root beside a valid path must not make the chain expired).
    let trusted = match &ee {
        Some(Ok(ee)) => stores.iter().find_map(|source| {
            let anchors = narrowed(&source.anchors, &issuers);
            let p = ee
                .verify_for_usage(
                    algs,
                    &anchors,
                    intermediates,
                    unix_time(at),
                    AnyPurpose,
                    None,
                    None,
                )
                .ok()?;
            let mut used = vec![0];
            for cert in p.intermediate_certificates() {
                let der = cert.der();
                used.extend(
                    parsed
                        .iter()
                        .position(|c| c.der.as_ref() == der.as_ref())
                        .filter(|i| !used.contains(i)),
                );
            }
            let anchor = p.anchor().subject.as_ref().to_vec();
            Some((used, anchor))
        }),
        _ => None,
    };
    let path = trusted
        .as_ref()
        .map_or(sent.clone(), |(used, _)| used.clone());
    let infos: Vec<(usize, &crate::probe::cert::CertInfo)> = path
        .iter()
        .filter_map(|&i| parsed[i].info.as_ref().ok().map(|info| (i, info)))
        .collect();
    let extra = trusted
        .as_ref()
        .map(|(used, anchor)| extra_certs(parsed, used, &sent, anchor, at))
        .unwrap_or_default();

    let time = infos
        .iter()
        .filter_map(|&(index, info)| {
            let fault = if at < info.not_before {
                TimeFault::NotYetValid
            } else if at > info.not_after {
                TimeFault::Expired
            } else {
                return None;
            };
            Some(TimeProblem {
                index,
                fault,
                cert: describe(parsed, index),
                not_before: info.not_before,
                not_after: info.not_after,
            })
        })
        .collect();

    let purpose = infos
        .iter()
        .filter(|(_, info)| !info.allows_server_auth())
        .map(|&(index, info)| {
            format!(
                "{}: extended key usage {} does not include serverAuth",
                describe(parsed, index),
                info.eku.as_deref().unwrap_or_default().join(", ")
            )
        })
        .collect();

    let weak = infos
        .iter()
        .flat_map(|&(index, info)| info.weaknesses().into_iter().map(move |w| (index, w)))
        .map(|(index, w)| format!("{}: {w}", describe(parsed, index)))
        .collect();

    // A time inside every validity period of the chain, so the path check does not fail on
    // time; `at` itself when it already is (or when the periods do not overlap).
    let lo = infos.iter().map(|(_, i)| i.not_before).max().unwrap_or(at);
    let hi = infos.iter().map(|(_, i)| i.not_after).min().unwrap_or(at);
    let path_time = if lo <= hi { at.clamp(lo, hi) } else { at };

    let server_name = name.map(|n| {
        rustls::pki_types::ServerName::try_from(n.to_string())
            .map_err(|_| format!("{n:?} is not a valid DNS name or IP address"))
    });
    let name_result = match (name, &server_name, &ee) {
        (None, _, _) | (_, None, _) => None,
        (Some(n), Some(Err(e)), _) => Some((n.to_string(), Err(e.clone()))),
        (Some(n), Some(Ok(sn)), Some(Ok(ee))) => Some((
            n.to_string(),
            ee.verify_is_valid_for_subject_name(sn)
                .map_err(|_| name_mismatch(parsed, n)),
        )),
        (Some(n), Some(Ok(_)), _) => Some((
            n.to_string(),
            Err("the server's certificate does not parse".to_string()),
        )),
    };

    let sources = stores
        .iter()
        .map(|source| {
            let (path, webpki) = match &ee {
                None => (
                    Err(PathError::Other(
                        "the server sent no certificate".to_string(),
                    )),
                    Err("no certificate".to_string()),
                ),
                Some(Err(e)) => (
                    Err(PathError::Other(format!(
                        "the certificate does not parse: {e}"
                    ))),
                    Err(format!("{e}")),
                ),
                Some(Ok(_)) if source.anchors.is_empty() => {
                    (Err(PathError::NoRoots), Err("no roots loaded".to_string()))
                }
                Some(Ok(ee)) => {
                    let anchors = narrowed(&source.anchors, &issuers);
                    // The complete verdict first: when it holds at a time inside the chain's
                    // validity, its path is the path, and the chain is not verified twice.
                    let mut anchor = None;
                    let full = ee
                        .verify_for_usage(
                            algs,
                            &anchors,
                            intermediates,
                            unix_time(at),
                            webpki::KeyUsage::server_auth(),
                            None,
                            None,
                        )
                        .map(|p| anchor = Some(anchor_name(p.anchor())))
                        .and_then(|()| match &server_name {
                            Some(Ok(sn)) => ee.verify_is_valid_for_subject_name(sn),
                            _ => Ok(()),
                        })
                        .map_err(|e| webpki_error_text(&e));
                    let path = match anchor {
                        Some(root) if path_time == at => Ok(root),
                        _ => ee
                            .verify_for_usage(
                                algs,
                                &anchors,
                                intermediates,
                                unix_time(path_time),
                                AnyPurpose,
                                None,
                                None,
                            )
                            .map(|p| anchor_name(p.anchor()))
                            .map_err(|e| path_error(&e)),
                    };
                    (path, full)
                }
            };
            SourceVerdict {
                source: source.kind.clone(),
                path,
                webpki,
            }
        })
        .collect();

    Verdicts {
        at,
        time,
        name: name_result,
        purpose,
        weak,
        sources,
        extra,
    }
}

/// The anchors whose subject is one of `issuers`: webpki only ever tries those (a name's DER
/// ends with its contents), so each source is narrowed before it tries them one by one.
fn narrowed<'a>(anchors: &'a [TrustAnchor<'static>], issuers: &[&[u8]]) -> Vec<TrustAnchor<'a>> {
    anchors
        .iter()
        .filter(|a| issuers.iter().any(|i| i.ends_with(a.subject.as_ref())))
        .map(|a| TrustAnchor {
            subject: Der::from(a.subject.as_ref()),
            subject_public_key_info: Der::from(a.subject_public_key_info.as_ref()),
            name_constraints: a.name_constraints.as_deref().map(Der::from),
        })
        .collect()
}

/// The certificates sent beside the trusted path `used` that a client could trip on: one out
/// of its dates at `at`, or one unrelated to the chain (not on the `sent` issuer path). The
/// root itself sent along (the path's anchor, self-issued) and a valid cross-certificate are
/// harmless and left out.
fn extra_certs(
    parsed: &[crate::probe::cert::ChainCert],
    used: &[usize],
    sent: &[usize],
    anchor_subject: &[u8],
    at: i64,
) -> Vec<String> {
    parsed
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .filter_map(|(i, c)| {
            let Ok(info) = &c.info else {
                return Some(format!("{}: does not parse", describe(parsed, i)));
            };
            let anchor = info.self_issued && info.subject_der.ends_with(anchor_subject);
            let dates = if at > info.not_after {
                Some("expired")
            } else if at < info.not_before {
                Some("not yet valid")
            } else {
                None
            };
            match dates {
                Some(d) => Some(format!(
                    "{}: {d} (not before {}, not after {})",
                    describe(parsed, i),
                    crate::probe::cert::rfc3339(info.not_before),
                    crate::probe::cert::rfc3339(info.not_after)
                )),
                None if anchor || sent.contains(&i) => None,
                None => Some(format!(
                    "{}: not part of the chain to the leaf",
                    describe(parsed, i)
                )),
            }
        })
        .collect()
}

fn unix_time(secs: i64) -> rustls::pki_types::UnixTime {
    rustls::pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        secs.max(0).unsigned_abs(),
    ))
}

fn path_error(e: &webpki::Error) -> PathError {
    use webpki::Error as E;
    match e {
        E::UnknownIssuer => PathError::UnknownIssuer,
        E::CaUsedAsEndEntity => PathError::CaUsedAsEndEntity,
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            PathError::Unsupported(webpki_error_text(e))
        }
        E::InvalidSignatureForPublicKey | E::SignatureAlgorithmMismatch => {
            PathError::BadSignature(webpki_error_text(e))
        }
        E::CertExpired { .. } | E::CertNotValidYet { .. } | E::InvalidCertValidity => {
            PathError::Time(webpki_error_text(e))
        }
        other => PathError::Other(webpki_error_text(other)),
    }
}

/// A webpki error for people: algorithm OIDs by name instead of bytes.
pub fn webpki_error_text(e: &webpki::Error) -> String {
    use webpki::Error as E;
    match e {
        E::UnsupportedSignatureAlgorithmContext(c) => format!(
            "signature algorithm {} is not accepted",
            algorithm_name(&c.signature_algorithm_id)
        ),
        E::UnsupportedSignatureAlgorithmForPublicKeyContext(c) => format!(
            "signature algorithm {} is not accepted for a {} key",
            algorithm_name(&c.signature_algorithm_id),
            algorithm_name(&c.public_key_algorithm_id)
        ),
        E::InvalidSignatureForPublicKey => {
            "a signature does not verify with its issuer's key (or the key is refused)".to_string()
        }
        E::CertExpired { time, not_after } => format!(
            "a certificate expired at {} (checked at {})",
            crate::probe::cert::rfc3339(not_after.as_secs() as i64),
            crate::probe::cert::rfc3339(time.as_secs() as i64)
        ),
        E::CertNotValidYet { time, not_before } => format!(
            "a certificate is valid only from {} (checked at {})",
            crate::probe::cert::rfc3339(not_before.as_secs() as i64),
            crate::probe::cert::rfc3339(time.as_secs() as i64)
        ),
        other => format!("{other:?}"),
    }
}

/// The short name of an AlgorithmIdentifier's OID (given as its DER, OID first).
fn algorithm_name(der: &[u8]) -> String {
    use x509_parser::oid_registry::Oid;
    match der {
        [6, len, rest @ ..] if rest.len() >= usize::from(*len) => {
            crate::probe::cert::algorithm_name(&Oid::new(std::borrow::Cow::Borrowed(
                &rest[..usize::from(*len)],
            )))
        }
        _ => "(unknown)".to_string(),
    }
}
/// Why the leaf does not match `name`: the names it does carry.
fn name_mismatch(chain: &[crate::probe::cert::ChainCert], name: &str) -> String {
    match chain.first().map(|c| &c.info) {
        Some(Ok(info)) if info.sans.is_empty() => match &info.subject_cn {
            Some(cn) => format!(
                "{name:?} is not in the certificate: it has no subjectAltName, only the common name {cn:?}, which clients ignore"
            ),
            None => format!("{name:?} is not in the certificate: it names no host at all"),
        },
        Some(Ok(info)) => format!(
            "{name:?} is not in the certificate, which is for: {}",
            info.sans.join(", ")
        ),
        _ => format!("{name:?} is not in the certificate"),
    }
}
