//! Writes `screenshots/`: every screen of `scenes::shots()` at 80x24 and 120x40, as text and
//! as SVG, drawn by the dashboard's own renderer (`ui::render` into a ratatui `TestBackend`)
//! from scenario models built of hand-made probe events and keys — no network, a fixed wall
//! clock, so the files are the same on every run. The test `screenshots::up_to_date` fails when
//! they no longer match what the renderer draws.
//!
//! ```sh
//! cargo run --example screenshots
//! ```

#[path = "../tests/it/scenes.rs"]
mod scenes;

use std::collections::BTreeSet;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = BTreeSet::new();
    for shot in scenes::shots() {
        for size in scenes::SHOT_SIZES {
            for (name, contents) in scenes::shot_files(&shot, size) {
                let path = dir.join(&name);
                std::fs::write(&path, contents)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                written.insert(name);
            }
        }
    }
    // A screen that is no longer taken must not linger in the README's folder.
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let ours = scenes::is_screenshot(name);
        if ours && !written.contains(name) {
            std::fs::remove_file(&path)
                .map_err(|e| format!("cannot remove the stale {}: {e}", path.display()))?;
            println!("removed {}", path.display());
        }
    }
    println!("wrote {} files to {}", written.len(), dir.display());
    Ok(())
}
