//! The details of an NTP server: every field of its reply, or why there is none.

use crate::app::Model;
use crate::text::human_duration;
use crate::ui::format::{format_leap, format_log2, format_time};
use crate::ui::window::{Doc, run_fields};

pub fn doc(doc: &mut Doc, model: &Model, i: usize) -> String {
    let server = model.config().clock.servers[i].to_string();
    let slot = &model.obs.ntp[i];
    let c = &model.derived.clock.consensus;
    doc.field("server", &server);
    match slot.value() {
        Some(Ok(r)) => {
            let role = if c.falsetickers.contains(&i) {
                "falseticker: left out of the consensus"
            } else if c.used.contains(&i) {
                "ok: used in the consensus"
            } else {
                "ok"
            };
            let reference = r
                .reference_time
                .map_or_else(|| "not given".to_string(), format_time);
            doc.field("status", role);
            doc.field("address", &r.addr.to_string());
            doc.field("offset", &format!("{}: {}", r.offset, r.offset.describe()));
            doc.field("round trip", &human_duration(r.rtt));
            doc.field("stratum", &r.stratum.to_string());
            doc.field("reference id", &r.reference_id.clone());
            doc.field("leap", format_leap(r.leap));
            doc.field("precision", &format_log2(r.precision));
            doc.field("poll", &format_log2(r.poll));
            doc.field("root delay", &human_duration(r.root_delay));
            doc.field("root dispersion", &human_duration(r.root_dispersion));
            doc.field("reference time", &reference);
            doc.field("server time", &format_time(r.server_time));
        }
        Some(Err(e)) => {
            doc.field("status", e.status());
            doc.field("reason", &e.to_string());
            if e.answered() {
                doc.field(
                    "consequence",
                    "the server answered, but its time is left out of the consensus",
                );
            }
        }
        None => doc.field("status", "no result yet"),
    }
    run_fields(doc, model, slot);
    format!(" Clock: {server} ")
}
