//! Reading the files a user names (the config, `.ovpn` profiles, OpenVPN keys, CA bundles):
//! each is opened once, without blocking (a FIFO or a device is refused, never waited on), checked
//! to be a regular file, and read up to a limit suited to its kind, so `tls-auth /dev/zero` or a
//! profile pointing at a pipe gives a message at once instead of a hang or a 2 GB read.
//!
//! And creating the files the tool writes (exports, the panic report, the log): exclusively
//! (`O_CREAT|O_EXCL`: never through a planted link, never over another file), mode 0600.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// What a file is for: its name in messages and how large it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A TOML config (`--config`): a few KB; a thousand targets fit in well under the limit.
    Config,
    /// A VPN client profile (`--ovpn`, `--wg`): inline certificates and keys make it a few KB.
    Profile,
    /// An OpenVPN static key (`tls-auth` / `tls-crypt`): 636 bytes as OpenVPN writes it.
    Key,
    /// A PEM bundle of CA certificates (`ca_file`, `--ca-file`): Debian's whole store is 220 KB.
    CaBundle,
}

impl FileKind {
    /// The most bytes a file of this kind may have.
    pub fn limit(self) -> u64 {
        match self {
            FileKind::Config | FileKind::Profile => 512 * 1024,
            FileKind::Key => 8 * 1024,
            FileKind::CaBundle => 8 * 1024 * 1024,
        }
    }

    /// The kind in words, for messages.
    pub fn what(self) -> &'static str {
        match self {
            FileKind::Config => "config file",
            FileKind::Profile => "VPN profile",
            FileKind::Key => "OpenVPN key file",
            FileKind::CaBundle => "CA file",
        }
    }
}

/// A size in words: "8 KB", "512 KB", "8 MB".
fn size_words(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MB", n / (1024 * 1024))
    } else if n >= 1024 {
        format!("{} KB", n.div_ceil(1024))
    } else {
        format!("{n} bytes")
    }
}

/// What a path that is not a regular file is, in words.
fn file_type_words(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// `/dev/null`, the one device that is read as a file (empty): `-c /dev/null` is the usual way
/// to say "no config file".
fn is_dev_null(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // Linux's null device is character device 1:3.
    meta.file_type().is_char_device() && meta.rdev() == (1 << 8) | 3
}

/// Opens `path` for reading without blocking on a FIFO and checks it is a regular file.
fn open_regular(path: &Path, kind: FileKind) -> Result<File, String> {
    let shown = crate::text::quote(&path.display().to_string());
    let file = OpenOptions::new()
        .read(true)
        // A FIFO opened for reading blocks until a writer comes: never wait for one.
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| format!("cannot open the {} {shown}: {}", kind.what(), io_words(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read the {} {shown}: {}", kind.what(), io_words(&e)))?;
    if !meta.file_type().is_file() && !is_dev_null(&meta) {
        return Err(format!(
            "the {} {shown} is {}, not a regular file: give the path of a file",
            kind.what(),
            file_type_words(meta.file_type())
        ));
    }
    let limit = kind.limit();
    if meta.len() > limit {
        return Err(too_large(&shown, kind, Some(meta.len())));
    }
    Ok(file)
}

fn too_large(shown: &str, kind: FileKind, len: Option<u64>) -> String {
    let size = len.map_or_else(|| "more".to_string(), size_words);
    format!(
        "the {} {shown} is too large ({size}; a {} has at most {}): check the path",
        kind.what(),
        kind.what(),
        size_words(kind.limit())
    )
}

/// The reason of an I/O error without Rust's " (os error N)" tail.
fn io_words(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Whether `path` can be read as a `kind`: it opens, is a regular file, and is within the
/// limit. For checking a path when the config is loaded; the file is read later, when used.
pub fn check(path: &Path, kind: FileKind) -> Result<(), String> {
    open_regular(path, kind).map(drop)
}

/// The bytes of the regular file at `path`, at most `kind`'s limit. Errors name the path and
/// the problem, never the contents.
pub fn read_limited(path: &Path, kind: FileKind) -> Result<Vec<u8>, String> {
    let file = open_regular(path, kind)?;
    let limit = kind.limit();
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| {
        format!(
            "cannot read the {} {}: {}",
            kind.what(),
            crate::text::quote(&path.display().to_string()),
            io_words(&e)
        )
    })?;
    if bytes.len() as u64 > limit {
        // It grew after it was opened.
        return Err(too_large(
            &crate::text::quote(&path.display().to_string()),
            kind,
            None,
        ));
    }
    Ok(bytes)
}

/// The text of the regular file at `path`, as [`read_limited`]; a file that is not UTF-8 is
/// refused with the offset of its first bad byte, not its contents.
pub fn read_text(path: &Path, kind: FileKind) -> Result<String, String> {
    let bytes = read_limited(path, kind)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].split(|b| *b == b'\n').count();
        format!(
            "the {} {} is not text: line {line} (byte {at}) is not UTF-8; give the {} itself",
            kind.what(),
            crate::text::quote(&path.display().to_string()),
            kind.what()
        )
    })
}

/// Creates `path` for writing, exclusively: fails with `AlreadyExists` when anything is there,
/// a symbolic link (dangling or not) included; only its owner may read it (0600).
pub fn create_new(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
}

/// Opens the existing regular file `path` to append to it, or creates it as [`create_new`]
/// does; never through a symbolic link (`O_NOFOLLOW`).
pub fn open_append(path: &Path) -> std::io::Result<File> {
    match OpenOptions::new()
        .append(true)
        .custom_flags((rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32)
        .open(path)
    {
        Ok(f) => {
            if f.metadata()?.file_type().is_file() {
                Ok(f)
            } else {
                Err(std::io::Error::other("it is not a regular file"))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(path),
        Err(e) => Err(e),
    }
}

/// How many names [`create_unique`] tries before it gives up.
const UNIQUE_TRIES: u32 = 1000;

/// Creates `dir/STEM.EXT` for each of `exts`, all with the same stem: `stem` when every one of
/// those names is free, else `stem-2`, `stem-3`... Each file is made by [`create_new`], so
/// nothing that exists (a file, a planted link) is opened, followed or overwritten.
pub fn create_unique(
    dir: &Path,
    stem: &str,
    exts: &[&str],
) -> std::io::Result<Vec<(File, std::path::PathBuf)>> {
    'name: for n in 1..=UNIQUE_TRIES {
        let stem = if n == 1 {
            stem.to_string()
        } else {
            format!("{stem}-{n}")
        };
        let mut made: Vec<(File, std::path::PathBuf)> = Vec::new();
        for ext in exts {
            let path = dir.join(format!("{stem}.{ext}"));
            match create_new(&path) {
                Ok(f) => made.push((f, path)),
                Err(e) => {
                    // Ours, just made and still empty: gone again, so a set is never half made.
                    for (_, p) in &made {
                        let _ = std::fs::remove_file(p);
                    }
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        continue 'name;
                    }
                    return Err(std::io::Error::new(
                        e.kind(),
                        format!("cannot create {}: {}", path.display(), io_words(&e)),
                    ));
                }
            }
        }
        return Ok(made);
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!(
            "{UNIQUE_TRIES} files named {stem}-N already exist in {}",
            dir.display()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_words(8 * 1024), "8 KB");
        assert_eq!(size_words(8 * 1024 * 1024), "8 MB");
        assert_eq!(size_words(1500), "2 KB");
        assert_eq!(size_words(12), "12 bytes");
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let e = read_limited(Path::new("/dev/zero"), FileKind::Key).unwrap_err();
        assert!(e.contains("character device"), "{e}");
        // The null device reads as an empty file (`-c /dev/null`: no config).
        assert_eq!(
            read_limited(Path::new("/dev/null"), FileKind::Config).unwrap(),
            b""
        );
        let e = read_limited(Path::new("/"), FileKind::Config).unwrap_err();
        assert!(e.contains("a directory"), "{e}");
        let e = read_limited(Path::new("/nonexistent/x"), FileKind::Profile).unwrap_err();
        assert!(
            e.contains("\"/nonexistent/x\"") && e.contains("No such file"),
            "{e}"
        );
    }

    #[test]
    fn refuses_a_file_over_its_kinds_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.key");
        let f = File::create(&p).unwrap();
        f.set_len(FileKind::Key.limit() + 1).unwrap();
        let e = read_limited(&p, FileKind::Key).unwrap_err();
        assert!(e.contains("too large") && e.contains("at most 8 KB"), "{e}");
        f.set_len(FileKind::Key.limit()).unwrap();
        assert_eq!(
            read_limited(&p, FileKind::Key).unwrap().len() as u64,
            FileKind::Key.limit()
        );
    }

    #[test]
    fn binary_is_refused_without_its_contents() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bin");
        std::fs::write(&p, b"secret\nsecret\xff\xfe").unwrap();
        let e = read_text(&p, FileKind::Key).unwrap_err();
        assert!(e.contains("line 2") && !e.contains("secret"), "{e}");
    }
}
