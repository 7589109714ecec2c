//! The model and its update function: synchronous, no I/O, no clock reads. Time arrives in
//! messages; what should happen in the world leaves as [`Effect`]s.

pub mod keys;
pub mod model;
pub mod mouse;
pub mod msg;
pub mod update;
pub mod verify;

pub use keys::{Action, Binding};
pub use model::{Env, Model, Overlay, Pane};
pub use msg::{Effect, FixRun, Msg};
pub use update::{next_tick, start, update};
