//! `screenshots/` is what the renderer draws today: the README embeds those files, so a change
//! to the view that is not followed by `cargo run --example screenshots` fails here.

use std::collections::BTreeSet;
use std::path::Path;

use super::scenes;

#[test]
fn up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let mut want = BTreeSet::new();
    let mut stale = Vec::new();
    for shot in scenes::shots() {
        for size in scenes::SHOT_SIZES {
            for (name, contents) in scenes::shot_files(&shot, size) {
                let on_disk = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
                if on_disk != contents {
                    stale.push(name.clone());
                }
                want.insert(name);
            }
        }
    }
    let have: BTreeSet<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| scenes::is_screenshot(n))
                .collect()
        })
        .unwrap_or_default();
    let extra: Vec<&String> = have.difference(&want).collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "screenshots/ does not match the renderer (missing or changed: {stale:?}; no longer \
         taken: {extra:?}): run `cargo run --example screenshots` and look at the diff"
    );
}

#[test]
fn the_scenes_show_what_their_names_say() {
    let text = |name: &str, size: (u16, u16)| {
        let shot = scenes::shots()
            .into_iter()
            .find(|s| s.name == name)
            .expect("a screenshot of that name");
        scenes::shot_files(&shot, size)[0].1.clone()
    };
    let skew = text("02-clock-3h-off", (120, 40));
    assert!(
        skew.contains("local clock is 3 h 0 m 0.2 s behind"),
        "{skew}"
    );
    let intercepted = text("03-interception", (120, 40));
    assert!(intercepted.contains("tls-interception"), "{intercepted}");
    let udp = text("04-udp-blocked", (120, 40));
    assert!(udp.contains("openvpn-udp-blocked"), "{udp}");
    let fixes = text("05-fixes-window", (120, 40));
    assert!(fixes.contains("nordvpn set protocol tcp"), "{fixes}");
    let before = text("06-fix-before", (80, 24));
    assert!(
        before.contains("$ sudo timedatectl set-ntp true"),
        "{before}"
    );
    let after = text("07-fix-after", (120, 40));
    assert!(after.contains("resolved"), "{after}");
    let history = text("08-fix-history", (120, 40));
    assert!(history.contains("History"), "{history}");
    // Colour on: the SVG has more colours than the terminal's own two.
    let shot = scenes::shots().remove(1);
    let svg = &scenes::shot_files(&shot, (80, 24))[1].1;
    assert!(svg.contains("fill=\"#cd3131\""), "the error's red");
}
